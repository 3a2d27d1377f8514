CREATE INDEX organizations_by_updated ON organizations (workspace_id, updated_at, id) WHERE deleted_at IS NULL;
