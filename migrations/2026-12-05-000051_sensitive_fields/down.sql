ALTER TABLE people DROP COLUMN sensitive_fields;
ALTER TABLE custom_fields DROP CONSTRAINT custom_fields_sensitive_people, DROP COLUMN sensitive;
