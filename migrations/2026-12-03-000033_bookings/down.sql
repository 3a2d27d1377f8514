ALTER TABLE sessions DROP COLUMN booked_by;
ALTER TABLE sessions DROP CONSTRAINT sessions_host_free;
ALTER TABLE sessions ADD CONSTRAINT sessions_host_free EXCLUDE USING gist (
    workspace_id WITH =, host_id WITH =, busy WITH &&
) WHERE (status <> 'cancelled');
ALTER TABLE sessions DROP CONSTRAINT sessions_status_check;
ALTER TABLE sessions ADD CONSTRAINT sessions_status_check
    CHECK (status IN ('scheduled', 'completed', 'cancelled', 'no_show'));
