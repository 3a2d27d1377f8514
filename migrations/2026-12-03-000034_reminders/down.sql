DROP INDEX sessions_coming;
DROP TABLE session_reminders;
DROP TABLE reminder_settings;
