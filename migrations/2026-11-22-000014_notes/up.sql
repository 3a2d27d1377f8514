-- Notes on a person, an organisation or a group: Markdown, written by a
-- member. A note belongs to exactly one record and goes when it is purged.

CREATE TABLE notes (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    id uuid NOT NULL,
    person_id uuid,
    organization_id uuid,
    group_id uuid,
    -- The record it is on, as the audit trail names records.
    record_type text NOT NULL GENERATED ALWAYS AS (
        CASE WHEN person_id IS NOT NULL THEN 'person'
             WHEN organization_id IS NOT NULL THEN 'organization'
             ELSE 'group' END) STORED,
    record_id uuid NOT NULL GENERATED ALWAYS AS (COALESCE(person_id, organization_id, group_id)) STORED,
    body text NOT NULL CHECK (length(body) BETWEEN 1 AND 20000),
    author_id uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    version integer NOT NULL DEFAULT 1,
    PRIMARY KEY (workspace_id, id),
    CHECK (num_nonnulls(person_id, organization_id, group_id) = 1),
    FOREIGN KEY (workspace_id, person_id) REFERENCES people (workspace_id, id) ON DELETE CASCADE,
    FOREIGN KEY (workspace_id, organization_id) REFERENCES organizations (workspace_id, id) ON DELETE CASCADE,
    FOREIGN KEY (workspace_id, group_id) REFERENCES groups (workspace_id, id) ON DELETE CASCADE,
    FOREIGN KEY (workspace_id, author_id) REFERENCES memberships (workspace_id, user_id)
        ON DELETE SET NULL (author_id)
);
CREATE INDEX notes_of_record ON notes (workspace_id, record_type, record_id, id);
CREATE INDEX notes_of_person ON notes (workspace_id, person_id) WHERE person_id IS NOT NULL;
CREATE INDEX notes_of_organization ON notes (workspace_id, organization_id) WHERE organization_id IS NOT NULL;
CREATE INDEX notes_of_group ON notes (workspace_id, group_id) WHERE group_id IS NOT NULL;
CREATE INDEX notes_by_author ON notes (workspace_id, author_id) WHERE author_id IS NOT NULL;
