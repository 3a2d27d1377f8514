DROP INDEX invitations_token;
ALTER TABLE invitations DROP CONSTRAINT invitations_token_hash_key;
ALTER TABLE invitations ADD CONSTRAINT invitations_token_hash_key UNIQUE (token_hash);
ALTER TABLE invitations DROP CONSTRAINT invitations_pkey;
ALTER TABLE invitations ADD PRIMARY KEY (id);

ALTER TABLE audit_log DROP CONSTRAINT audit_log_id_key;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_id_key UNIQUE (id);
