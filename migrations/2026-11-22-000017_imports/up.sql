-- Imports: an uploaded spreadsheet, the mapping of its columns, the run
-- that writes its rows, and the rows it rejected. The file stays with its
-- import so that a preview and a run read the same bytes.

CREATE TABLE imports (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    id uuid NOT NULL,
    record_type text NOT NULL CHECK (record_type IN ('person')),
    filename text NOT NULL CHECK (length(filename) BETWEEN 1 AND 255),
    format text NOT NULL CHECK (format IN ('csv', 'xlsx')),
    content bytea NOT NULL,
    -- The normalised column names: where a saved mapping is found again.
    signature text NOT NULL,
    file_columns jsonb NOT NULL CHECK (jsonb_typeof(file_columns) = 'array'),
    settings jsonb NOT NULL CHECK (jsonb_typeof(settings) = 'object'),
    status text NOT NULL DEFAULT 'draft'
        CHECK (status IN ('draft', 'queued', 'running', 'completed', 'cancelled', 'failed')),
    -- Asked to stop: the run stops before its next batch.
    cancel_requested boolean NOT NULL DEFAULT false,
    total integer NOT NULL DEFAULT 0 CHECK (total >= 0),
    processed integer NOT NULL DEFAULT 0 CHECK (processed >= 0),
    created integer NOT NULL DEFAULT 0 CHECK (created >= 0),
    updated integer NOT NULL DEFAULT 0 CHECK (updated >= 0),
    skipped integer NOT NULL DEFAULT 0 CHECK (skipped >= 0),
    rejected integer NOT NULL DEFAULT 0 CHECK (rejected >= 0),
    error text,
    created_by uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, created_by) REFERENCES memberships (workspace_id, user_id)
        ON DELETE SET NULL (created_by)
);
CREATE INDEX imports_by_created ON imports (workspace_id, created_at, id);
CREATE INDEX imports_old ON imports (created_at);

-- Every row a run did not write, with the row's cells and the reason.
CREATE TABLE import_rejections (
    workspace_id uuid NOT NULL,
    import_id uuid NOT NULL,
    row_number integer NOT NULL CHECK (row_number > 0),
    reason text NOT NULL,
    cells text[] NOT NULL,
    PRIMARY KEY (workspace_id, import_id, row_number),
    FOREIGN KEY (workspace_id, import_id) REFERENCES imports (workspace_id, id) ON DELETE CASCADE
);

-- The mapping last run for files with these column names.
CREATE TABLE import_mappings (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    record_type text NOT NULL CHECK (record_type IN ('person')),
    signature text NOT NULL,
    settings jsonb NOT NULL CHECK (jsonb_typeof(settings) = 'object'),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, record_type, signature)
);

-- The rows already imported, by a digest of what they wrote and how: the
-- same row run again with the same choices finds its person and changes
-- nothing. A purged person takes its digests along; a deleted one does
-- not count (the row creates a person again).
CREATE TABLE imported_people (
    workspace_id uuid NOT NULL,
    fingerprint bytea NOT NULL,
    person_id uuid NOT NULL,
    PRIMARY KEY (workspace_id, fingerprint),
    FOREIGN KEY (workspace_id, person_id) REFERENCES people (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX imported_people_person ON imported_people (workspace_id, person_id);

-- Matching a person's organisation by name.
CREATE INDEX organizations_by_lower_name ON organizations (workspace_id, lower(name)) WHERE deleted_at IS NULL;
