-- Attendance: for each participant of a session, whether they came
-- (present, late, absent, excused) and a note. One row per participant and
-- session, so two lessons of one class on one day keep two records; a
-- participant taken off the session takes their record with them.
CREATE TABLE attendance (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    session_id uuid NOT NULL,
    person_id uuid NOT NULL,
    status text NOT NULL CHECK (status IN ('present', 'late', 'absent', 'excused')),
    note text CHECK (length(note) <= 1000),
    recorded_by uuid,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    version integer NOT NULL DEFAULT 1,
    PRIMARY KEY (workspace_id, session_id, person_id),
    FOREIGN KEY (workspace_id, session_id, person_id)
        REFERENCES session_participants (workspace_id, session_id, person_id) ON DELETE CASCADE,
    FOREIGN KEY (workspace_id, recorded_by) REFERENCES memberships (workspace_id, user_id)
        ON DELETE SET NULL (recorded_by)
);
CREATE INDEX attendance_by_person ON attendance (workspace_id, person_id, session_id);
