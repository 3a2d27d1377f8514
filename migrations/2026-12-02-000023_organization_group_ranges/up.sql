-- The lists of organisations and groups find what they filter on through
-- an index range of the workspace, as the people list does: the start of a
-- name or a domain through a byte-order index of its lower case (which
-- also answers an exact, case-blind match, as an import's matching asks),
-- and an owner, an industry, a kind or a tag through an index of its own.
DROP INDEX organizations_by_lower_name;
CREATE INDEX organizations_prefix_name ON organizations (workspace_id, lower(name) text_pattern_ops)
    WHERE deleted_at IS NULL;
DROP INDEX organizations_by_domain;
CREATE INDEX organizations_by_domain ON organizations (workspace_id, lower(domain) text_pattern_ops)
    WHERE domain IS NOT NULL;
CREATE INDEX organizations_by_owner ON organizations (workspace_id, owner_id, name, id)
    WHERE deleted_at IS NULL AND owner_id IS NOT NULL;
CREATE INDEX organizations_by_industry ON organizations (workspace_id, industry, name, id)
    WHERE deleted_at IS NULL AND industry IS NOT NULL;
CREATE INDEX organizations_tags ON organizations USING gin (workspace_id, tags);

CREATE INDEX groups_prefix_name ON groups (workspace_id, lower(name) text_pattern_ops)
    WHERE deleted_at IS NULL;
CREATE INDEX groups_by_kind ON groups (workspace_id, kind, name, id) WHERE deleted_at IS NULL;
CREATE INDEX groups_tags ON groups USING gin (workspace_id, tags);
