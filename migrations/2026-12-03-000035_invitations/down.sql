ALTER TABLE mail_messages DROP COLUMN calendar;
DROP TABLE session_invitations;
