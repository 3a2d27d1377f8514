-- Groups: a class, a cohort, a team or a segment, and who belongs to it
-- when. A person may leave a group and join it again: each stay is a row,
-- and two stays of one person in one group never overlap.

CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE groups (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    id uuid NOT NULL,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    kind text NOT NULL CHECK (kind IN ('class', 'cohort', 'team', 'segment')),
    description text CHECK (length(description) <= 2000),
    -- The member who leads it: a class's teacher, a team's lead.
    leader_id uuid,
    tags text[] NOT NULL DEFAULT '{}',
    custom_fields jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(custom_fields) = 'object'),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    version integer NOT NULL DEFAULT 1,
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, leader_id) REFERENCES memberships (workspace_id, user_id)
        ON DELETE SET NULL (leader_id)
);
CREATE INDEX groups_by_name ON groups (workspace_id, name, id) WHERE deleted_at IS NULL;
CREATE INDEX groups_by_created ON groups (workspace_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX groups_by_updated ON groups (workspace_id, updated_at, id) WHERE deleted_at IS NULL;
CREATE INDEX groups_by_leader ON groups (workspace_id, leader_id) WHERE leader_id IS NOT NULL;
CREATE INDEX groups_deleted ON groups (deleted_at) WHERE deleted_at IS NOT NULL;

-- One stay of a person in a group: a member from `joined_on`, no longer from
-- `left_on` (open while it is null).
CREATE TABLE group_members (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    id uuid NOT NULL,
    group_id uuid NOT NULL,
    person_id uuid NOT NULL,
    joined_on date NOT NULL,
    left_on date,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    version integer NOT NULL DEFAULT 1,
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, group_id) REFERENCES groups (workspace_id, id) ON DELETE CASCADE,
    FOREIGN KEY (workspace_id, person_id) REFERENCES people (workspace_id, id) ON DELETE CASCADE,
    CHECK (left_on IS NULL OR left_on >= joined_on),
    CONSTRAINT group_members_no_overlap EXCLUDE USING gist (
        workspace_id WITH =, group_id WITH =, person_id WITH =,
        daterange(joined_on, left_on) WITH &&
    )
);
CREATE INDEX group_members_of_group ON group_members (workspace_id, group_id, id);
CREATE INDEX group_members_of_person ON group_members (workspace_id, person_id);
