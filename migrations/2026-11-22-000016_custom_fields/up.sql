-- Custom fields: the fields a workspace adds to people, organisations and
-- groups. Values live in each record's `custom_fields` under the field's
-- key, which never changes: renaming keeps them; deleting archives the
-- field, which hides it and its values and keeps both.

CREATE TABLE custom_fields (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    id uuid NOT NULL,
    record_type text NOT NULL CHECK (record_type IN ('person', 'organization', 'group')),
    key text NOT NULL CHECK (key ~ '^[a-z][a-z0-9_]{0,49}$'),
    label text NOT NULL CHECK (length(label) BETWEEN 1 AND 100),
    kind text NOT NULL CHECK (kind IN ('text', 'number', 'date', 'select', 'multi_select', 'boolean', 'url', 'email')),
    options text[] NOT NULL DEFAULT '{}',
    required boolean NOT NULL DEFAULT false,
    position integer NOT NULL DEFAULT 0,
    archived_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    version integer NOT NULL DEFAULT 1,
    PRIMARY KEY (workspace_id, id),
    -- A key is its field's for good, archived or not: old values never
    -- come back under a new field.
    UNIQUE (workspace_id, record_type, key)
);
CREATE UNIQUE INDEX custom_fields_live_label ON custom_fields (workspace_id, record_type, lower(label))
    WHERE archived_at IS NULL;

-- Lists filter on custom values by containment.
CREATE INDEX people_custom_fields ON people USING gin (workspace_id, custom_fields jsonb_path_ops);
CREATE INDEX organizations_custom_fields ON organizations USING gin (workspace_id, custom_fields jsonb_path_ops);
CREATE INDEX groups_custom_fields ON groups USING gin (workspace_id, custom_fields jsonb_path_ops);

-- The values of archived fields, kept aside until the field comes back.
ALTER TABLE people ADD COLUMN archived_custom_fields jsonb NOT NULL DEFAULT '{}'
    CHECK (jsonb_typeof(archived_custom_fields) = 'object');
ALTER TABLE organizations ADD COLUMN archived_custom_fields jsonb NOT NULL DEFAULT '{}'
    CHECK (jsonb_typeof(archived_custom_fields) = 'object');
ALTER TABLE groups ADD COLUMN archived_custom_fields jsonb NOT NULL DEFAULT '{}'
    CHECK (jsonb_typeof(archived_custom_fields) = 'object');
