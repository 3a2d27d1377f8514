-- A student invited to sign in: accepting the invitation links the new
-- member to the student's record, so that they see their own things.
ALTER TABLE invitations ADD COLUMN person_id uuid;
ALTER TABLE invitations
    ADD CONSTRAINT invitations_person_fkey FOREIGN KEY (workspace_id, person_id)
    REFERENCES people (workspace_id, id) ON DELETE SET NULL (person_id);
CREATE INDEX invitations_person ON invitations (workspace_id, person_id) WHERE person_id IS NOT NULL;

-- What a class teaches ("Python for beginners"), beside its own name
-- ("Python, Tuesday 16:00").
ALTER TABLE groups ADD COLUMN course text CHECK (length(course) BETWEEN 1 AND 200);
