-- Bookings: a member books a free slot of a host, or a seat of a group
-- session. A booking the host must confirm is `pending`, and holds no time
-- until it is confirmed: confirming is then one more path that the
-- exclusion constraint decides, so two pending requests for one hour can
-- never both be confirmed.
ALTER TABLE sessions DROP CONSTRAINT sessions_status_check;
ALTER TABLE sessions ADD CONSTRAINT sessions_status_check
    CHECK (status IN ('pending', 'scheduled', 'completed', 'cancelled', 'no_show'));
ALTER TABLE sessions DROP CONSTRAINT sessions_host_free;
ALTER TABLE sessions ADD CONSTRAINT sessions_host_free EXCLUDE USING gist (
    workspace_id WITH =, host_id WITH =, busy WITH &&
) WHERE (status NOT IN ('cancelled', 'pending'));
-- The member who booked it, who may reschedule or cancel it.
ALTER TABLE sessions ADD COLUMN booked_by uuid;
