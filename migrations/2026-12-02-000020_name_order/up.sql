-- People's names sort as their language reads them (ICU's root order:
-- "Émile" beside "Emma", not after "Zoé"), whatever the cluster's own
-- collation; and the start of a name, a first name or an address is found
-- through an index range of its workspace in any collation (the pattern
-- operator class compares bytes, which is what a prefix LIKE needs).
ALTER TABLE people ALTER COLUMN sort_name TYPE text COLLATE "und-x-icu";
CREATE INDEX people_prefix_name ON people (workspace_id, sort_name text_pattern_ops)
    WHERE deleted_at IS NULL;
CREATE INDEX people_prefix_first_name ON people (workspace_id, lower(first_name) text_pattern_ops)
    WHERE deleted_at IS NULL;
CREATE INDEX people_prefix_email ON people (workspace_id, lower(email) text_pattern_ops)
    WHERE deleted_at IS NULL;
