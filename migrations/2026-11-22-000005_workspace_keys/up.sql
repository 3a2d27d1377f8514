-- Every table that belongs to a workspace carries workspace_id in its primary
-- key and in each of its unique constraints, so that the schema can be
-- distributed by workspace (Citus) and no key can span workspaces.

ALTER TABLE audit_log DROP CONSTRAINT audit_log_id_key;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_id_key UNIQUE (workspace_id, id);

ALTER TABLE invitations DROP CONSTRAINT invitations_pkey;
ALTER TABLE invitations ADD PRIMARY KEY (workspace_id, id);
-- An invitation is found by its token before its workspace is known: the
-- token is unique in its workspace, and looked up through a plain index.
ALTER TABLE invitations DROP CONSTRAINT invitations_token_hash_key;
ALTER TABLE invitations ADD CONSTRAINT invitations_token_hash_key UNIQUE (workspace_id, token_hash);
CREATE INDEX invitations_token ON invitations (token_hash);
