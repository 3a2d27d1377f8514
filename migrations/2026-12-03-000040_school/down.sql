ALTER TABLE groups DROP COLUMN course;
DROP INDEX invitations_person;
ALTER TABLE invitations DROP COLUMN person_id;
