ALTER TABLE people DROP COLUMN archived_custom_fields;
ALTER TABLE organizations DROP COLUMN archived_custom_fields;
ALTER TABLE groups DROP COLUMN archived_custom_fields;
DROP INDEX people_custom_fields, organizations_custom_fields, groups_custom_fields;
DROP TABLE custom_fields;
