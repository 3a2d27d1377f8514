DROP TABLE session_logs;
