-- A file may fill organisations as well as people. As for people, each
-- row an import wrote is remembered by its digest, so that the same file
-- run again with the same choices finds its organisation and changes
-- nothing; a purged organisation takes its digests along.
ALTER TABLE imports DROP CONSTRAINT imports_record_type_check,
    ADD CONSTRAINT imports_record_type_check CHECK (record_type IN ('person', 'organization'));
ALTER TABLE import_mappings DROP CONSTRAINT import_mappings_record_type_check,
    ADD CONSTRAINT import_mappings_record_type_check CHECK (record_type IN ('person', 'organization'));

CREATE TABLE imported_organizations (
    workspace_id uuid NOT NULL,
    fingerprint bytea NOT NULL,
    organization_id uuid NOT NULL,
    PRIMARY KEY (workspace_id, fingerprint),
    FOREIGN KEY (workspace_id, organization_id) REFERENCES organizations (workspace_id, id)
        ON DELETE CASCADE
);
CREATE INDEX imported_organizations_organization ON imported_organizations (workspace_id, organization_id);
