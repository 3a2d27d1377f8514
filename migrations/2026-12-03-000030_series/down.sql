CREATE OR REPLACE VIEW session_people AS
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
ALTER TABLE sessions DROP CONSTRAINT sessions_occurrence,
    DROP COLUMN exception, DROP COLUMN recurrence_id, DROP COLUMN series_id;
DROP TABLE session_series;
