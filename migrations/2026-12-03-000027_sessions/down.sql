DROP TABLE session_participants;
DROP TABLE sessions;
DROP FUNCTION sessions_busy();
