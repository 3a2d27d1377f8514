-- A session may be for groups (a class's lesson): its people are then the
-- group's members on the session's day in the workspace's time zone, as
-- they were enrolled that day, not as they are today. `session_people`
-- is who a session is for: the people named, then the groups' members.
CREATE TABLE session_groups (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    session_id uuid NOT NULL,
    group_id uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, session_id, group_id),
    FOREIGN KEY (workspace_id, session_id) REFERENCES sessions (workspace_id, id) ON DELETE CASCADE,
    FOREIGN KEY (workspace_id, group_id) REFERENCES groups (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX session_groups_by_group ON session_groups (workspace_id, group_id, session_id);

-- Attendance is kept for whoever the session was for, named or through a
-- group.
DO $$
DECLARE c text;
BEGIN
    SELECT conname INTO c FROM pg_constraint
    WHERE conrelid = 'attendance'::regclass AND confrelid = 'session_participants'::regclass;
    EXECUTE format('ALTER TABLE attendance DROP CONSTRAINT %I', c);
END $$;
ALTER TABLE attendance
    ADD FOREIGN KEY (workspace_id, session_id) REFERENCES sessions (workspace_id, id) ON DELETE CASCADE,
    ADD FOREIGN KEY (workspace_id, person_id) REFERENCES people (workspace_id, id) ON DELETE CASCADE;

CREATE VIEW session_people AS
    SELECT sp.workspace_id, sp.session_id, sp.person_id, NULL::uuid AS group_id, sp.created_at AS ord
    FROM session_participants sp
    UNION ALL
    SELECT sg.workspace_id, sg.session_id, gm.person_id, sg.group_id, sg.created_at
    FROM session_groups sg
    JOIN sessions s ON s.workspace_id = sg.workspace_id AND s.id = sg.session_id
    JOIN workspaces w ON w.id = s.workspace_id
    JOIN group_members gm ON gm.workspace_id = sg.workspace_id AND gm.group_id = sg.group_id
        AND gm.joined_on <= (s.starts_at AT TIME ZONE w.time_zone)::date
        AND (gm.left_on IS NULL OR gm.left_on > (s.starts_at AT TIME ZONE w.time_zone)::date)
    JOIN people p ON p.workspace_id = gm.workspace_id AND p.id = gm.person_id AND p.deleted_at IS NULL
    WHERE NOT EXISTS (
        SELECT 1 FROM session_participants d
        WHERE d.workspace_id = sg.workspace_id AND d.session_id = sg.session_id
          AND d.person_id = gm.person_id
    );
