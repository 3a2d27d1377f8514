DROP TABLE imported_organizations;
DELETE FROM import_mappings WHERE record_type = 'organization';
DELETE FROM imports WHERE record_type = 'organization';
ALTER TABLE import_mappings DROP CONSTRAINT import_mappings_record_type_check,
    ADD CONSTRAINT import_mappings_record_type_check CHECK (record_type IN ('person'));
ALTER TABLE imports DROP CONSTRAINT imports_record_type_check,
    ADD CONSTRAINT imports_record_type_check CHECK (record_type IN ('person'));
