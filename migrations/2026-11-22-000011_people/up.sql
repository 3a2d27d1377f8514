-- The core records: organisations and people. A person is a contact, a
-- customer, a student or a practitioner; an organisation a company or a
-- client company. Deleting is soft (deleted_at) and undone by a restore until
-- the purge job removes the row, 30 days later.

CREATE TABLE organizations (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    id uuid NOT NULL,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    domain text,
    industry text,
    phone text,
    address text,
    owner_id uuid,
    tags text[] NOT NULL DEFAULT '{}',
    custom_fields jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(custom_fields) = 'object'),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    version integer NOT NULL DEFAULT 1,
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, owner_id) REFERENCES memberships (workspace_id, user_id)
        ON DELETE SET NULL (owner_id)
);
CREATE INDEX organizations_by_name ON organizations (workspace_id, name, id) WHERE deleted_at IS NULL;
CREATE INDEX organizations_by_created ON organizations (workspace_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX organizations_by_domain ON organizations (workspace_id, lower(domain)) WHERE domain IS NOT NULL;
CREATE INDEX organizations_deleted ON organizations (deleted_at) WHERE deleted_at IS NOT NULL;

CREATE TABLE people (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    id uuid NOT NULL,
    first_name text NOT NULL CHECK (length(first_name) BETWEEN 1 AND 100),
    last_name text NOT NULL DEFAULT '' CHECK (length(last_name) <= 100),
    -- What the list sorts by name: family name, then given name.
    sort_name text NOT NULL GENERATED ALWAYS AS (lower(last_name || ' ' || first_name)) STORED,
    email text,
    phone text,
    organization_id uuid,
    owner_id uuid,
    -- A person who signs in (a student, a customer): one person per member.
    user_id uuid,
    status text NOT NULL DEFAULT 'active' CHECK (status IN ('lead', 'active', 'inactive', 'former')),
    tags text[] NOT NULL DEFAULT '{}',
    custom_fields jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(custom_fields) = 'object'),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    version integer NOT NULL DEFAULT 1,
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, organization_id) REFERENCES organizations (workspace_id, id)
        ON DELETE SET NULL (organization_id),
    FOREIGN KEY (workspace_id, owner_id) REFERENCES memberships (workspace_id, user_id)
        ON DELETE SET NULL (owner_id),
    FOREIGN KEY (workspace_id, user_id) REFERENCES memberships (workspace_id, user_id)
        ON DELETE SET NULL (user_id)
);
CREATE UNIQUE INDEX people_user ON people (workspace_id, user_id) WHERE user_id IS NOT NULL AND deleted_at IS NULL;
CREATE INDEX people_by_name ON people (workspace_id, sort_name, id) WHERE deleted_at IS NULL;
CREATE INDEX people_by_created ON people (workspace_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX people_by_updated ON people (workspace_id, updated_at, id) WHERE deleted_at IS NULL;
CREATE INDEX people_by_email ON people (workspace_id, lower(email)) WHERE email IS NOT NULL;
CREATE INDEX people_by_owner ON people (workspace_id, owner_id, sort_name, id) WHERE deleted_at IS NULL;
CREATE INDEX people_by_organization ON people (workspace_id, organization_id) WHERE organization_id IS NOT NULL;
CREATE INDEX people_tags ON people USING gin (tags);
CREATE INDEX people_deleted ON people (deleted_at) WHERE deleted_at IS NOT NULL;
