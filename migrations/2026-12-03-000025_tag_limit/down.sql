ALTER TABLE people DROP CONSTRAINT people_tags_max;
ALTER TABLE organizations DROP CONSTRAINT organizations_tags_max;
ALTER TABLE groups DROP CONSTRAINT groups_tags_max;
