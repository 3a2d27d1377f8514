DROP VIEW session_people;
DROP TABLE session_groups;
DELETE FROM attendance a WHERE NOT EXISTS (
    SELECT 1 FROM session_participants sp
    WHERE sp.workspace_id = a.workspace_id AND sp.session_id = a.session_id AND sp.person_id = a.person_id);
ALTER TABLE attendance DROP CONSTRAINT attendance_workspace_id_session_id_fkey,
    DROP CONSTRAINT attendance_workspace_id_person_id_fkey,
    ADD FOREIGN KEY (workspace_id, session_id, person_id)
        REFERENCES session_participants (workspace_id, session_id, person_id) ON DELETE CASCADE;
