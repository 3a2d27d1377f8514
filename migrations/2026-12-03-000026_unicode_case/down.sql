DROP INDEX people_prefix_first_name;
CREATE INDEX people_prefix_first_name ON people (workspace_id, lower(first_name) text_pattern_ops)
    INCLUDE (first_name, sort_name, id) WHERE deleted_at IS NULL;
DROP INDEX groups_prefix_name;
CREATE INDEX groups_prefix_name ON groups (workspace_id, lower(name) text_pattern_ops)
    WHERE deleted_at IS NULL;
DROP INDEX organizations_prefix_name;
CREATE INDEX organizations_prefix_name ON organizations (workspace_id, lower(name) text_pattern_ops)
    WHERE deleted_at IS NULL;
DROP FUNCTION rapport_fold(text);
