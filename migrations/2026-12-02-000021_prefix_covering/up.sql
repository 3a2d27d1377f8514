-- The list's text filter finds the start of a family name as a range of
-- the name order itself (people_by_name), so the byte-order index of names
-- goes. The starts of given names and addresses carry the name and id the
-- list sorts by, so that a common start ("j") is sorted from the index
-- alone, without reading the rows.
DROP INDEX people_prefix_name;
DROP INDEX people_prefix_first_name;
CREATE INDEX people_prefix_first_name ON people (workspace_id, lower(first_name) text_pattern_ops)
    INCLUDE (first_name, sort_name, id) WHERE deleted_at IS NULL;
DROP INDEX people_prefix_email;
CREATE INDEX people_prefix_email ON people (workspace_id, lower(email) text_pattern_ops)
    INCLUDE (email, sort_name, id) WHERE deleted_at IS NULL;
