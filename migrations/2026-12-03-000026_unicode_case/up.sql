-- Names are matched case-blind by Unicode's rules whatever the database's
-- locale: lower() under the C locale changes only ASCII letters, so
-- "Émile" and "ÉCOLE" kept their capitals and a search for "émile" or an
-- import naming "école" missed them. rapport_fold lowers through ICU, as
-- the server lowers what is typed.
CREATE FUNCTION rapport_fold(t text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT lower(t COLLATE "und-x-icu") $$;

DROP INDEX organizations_prefix_name;
CREATE INDEX organizations_prefix_name ON organizations (workspace_id, rapport_fold(name) text_pattern_ops)
    WHERE deleted_at IS NULL;
DROP INDEX groups_prefix_name;
CREATE INDEX groups_prefix_name ON groups (workspace_id, rapport_fold(name) text_pattern_ops)
    WHERE deleted_at IS NULL;
DROP INDEX people_prefix_first_name;
CREATE INDEX people_prefix_first_name ON people (workspace_id, rapport_fold(first_name) text_pattern_ops)
    INCLUDE (first_name, sort_name, id) WHERE deleted_at IS NULL;
