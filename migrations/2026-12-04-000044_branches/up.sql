-- Branches: the places a workspace works from (a tutoring business's
-- locations). A person belongs to one at most; a member (a tutor, a
-- moderator) to any number, and a moderator given branches sees only
-- theirs. A workspace without branches works as before.
CREATE TABLE branches (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    id uuid NOT NULL,
    name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    address text CHECK (char_length(address) BETWEEN 1 AND 300),
    -- An archived branch keeps its people and is offered no more.
    archived_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    version integer NOT NULL DEFAULT 1,
    PRIMARY KEY (workspace_id, id)
);
CREATE UNIQUE INDEX branches_name ON branches (workspace_id, lower(name));

ALTER TABLE people ADD COLUMN branch_id uuid,
    ADD CONSTRAINT people_branch FOREIGN KEY (workspace_id, branch_id)
        REFERENCES branches (workspace_id, id);
CREATE INDEX people_by_branch ON people (workspace_id, branch_id, sort_name, id)
    WHERE branch_id IS NOT NULL;

CREATE TABLE member_branches (
    workspace_id uuid NOT NULL,
    user_id uuid NOT NULL,
    branch_id uuid NOT NULL,
    PRIMARY KEY (workspace_id, user_id, branch_id),
    FOREIGN KEY (workspace_id, user_id) REFERENCES memberships (workspace_id, user_id) ON DELETE CASCADE,
    FOREIGN KEY (workspace_id, branch_id) REFERENCES branches (workspace_id, id)
);
CREATE INDEX member_branches_branch ON member_branches (workspace_id, branch_id, user_id);
