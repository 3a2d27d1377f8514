-- A record carries at most 50 tags, however they come (a form, a bulk
-- action, an import that joins a file's tags to the record's).
ALTER TABLE people ADD CONSTRAINT people_tags_max CHECK (cardinality(tags) <= 50);
ALTER TABLE organizations ADD CONSTRAINT organizations_tags_max CHECK (cardinality(tags) <= 50);
ALTER TABLE groups ADD CONSTRAINT groups_tags_max CHECK (cardinality(tags) <= 50);
