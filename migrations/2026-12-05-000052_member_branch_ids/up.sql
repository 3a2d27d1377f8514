-- The branches of a member, by id, read with every session check: a
-- function, so that the statement reading it is the same text every time
-- and is prepared once per connection (PL/pgSQL keeps its own plan).
CREATE FUNCTION member_branch_ids(ws uuid, member uuid) RETURNS uuid[]
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
    RETURN (SELECT coalesce(array_agg(mb.branch_id ORDER BY mb.branch_id), '{}')
            FROM member_branches mb WHERE mb.workspace_id = ws AND mb.user_id = member);
END
$$;
