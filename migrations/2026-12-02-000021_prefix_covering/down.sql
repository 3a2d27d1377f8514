DROP INDEX people_prefix_email;
CREATE INDEX people_prefix_email ON people (workspace_id, lower(email) text_pattern_ops)
    WHERE deleted_at IS NULL;
DROP INDEX people_prefix_first_name;
CREATE INDEX people_prefix_first_name ON people (workspace_id, lower(first_name) text_pattern_ops)
    WHERE deleted_at IS NULL;
CREATE INDEX people_prefix_name ON people (workspace_id, sort_name text_pattern_ops)
    WHERE deleted_at IS NULL;
