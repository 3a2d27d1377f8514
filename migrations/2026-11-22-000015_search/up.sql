-- One search across people, organisations and groups: full text with
-- prefix matching (names and addresses, accents ignored) and trigram
-- similarity for typos, each behind an index that starts with the workspace.

CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS btree_gin;

-- Words as they are, without accents: names are in every language, so no
-- stemming and no stop words.
CREATE TEXT SEARCH CONFIGURATION rapport_search (COPY = simple);
ALTER TEXT SEARCH CONFIGURATION rapport_search
    ALTER MAPPING FOR asciiword, word, numword, asciihword, hword, numhword,
        hword_asciipart, hword_part, hword_numpart, email, host, url_path, file
    WITH unaccent, simple;

-- A text as the search sees it, and a search's words (`ada:* & love:*`).
-- Addresses and domains are split into their words (`ada`, `example`).
CREATE FUNCTION rapport_search_doc(doc text) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN to_tsvector('rapport_search'::regconfig, doc);
CREATE FUNCTION rapport_search_query(q text) RETURNS tsquery
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN to_tsquery('rapport_search'::regconfig, q);
-- How well a record matches: above 1 when the words start its words,
-- plus how alike its name is to the text (for typos).
CREATE FUNCTION rapport_search_score(doc tsvector, q tsquery, text text, name text) RETURNS float8
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN (CASE WHEN doc @@ q THEN 1 + ts_rank(doc, q) ELSE 0 END) + word_similarity(text, name);

CREATE INDEX people_search ON people USING gin (
    workspace_id,
    rapport_search_doc(first_name || ' ' || last_name || ' ' || coalesce(translate(email, '@.+_-', '     '), ''))
) WHERE deleted_at IS NULL;
CREATE INDEX people_trigram ON people USING gin (workspace_id, sort_name gin_trgm_ops)
    WHERE deleted_at IS NULL;

CREATE INDEX organizations_search ON organizations USING gin (
    workspace_id,
    rapport_search_doc(name || ' ' || coalesce(translate(domain, '.-', '  '), ''))
) WHERE deleted_at IS NULL;
CREATE INDEX organizations_trigram ON organizations USING gin (workspace_id, lower(name) gin_trgm_ops)
    WHERE deleted_at IS NULL;

CREATE INDEX groups_search ON groups USING gin (workspace_id, rapport_search_doc(name))
    WHERE deleted_at IS NULL;
CREATE INDEX groups_trigram ON groups USING gin (workspace_id, lower(name) gin_trgm_ops)
    WHERE deleted_at IS NULL;
