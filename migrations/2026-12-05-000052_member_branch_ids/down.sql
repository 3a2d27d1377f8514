DROP FUNCTION member_branch_ids(uuid, uuid);
