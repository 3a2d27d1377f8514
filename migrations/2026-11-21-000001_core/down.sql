DROP TABLE ws_tickets, idempotency_keys, mail_messages, jobs, events, event_heads,
    audit_log, audit_heads, api_keys, password_resets, invitations, refresh_tokens,
    memberships, workspaces, users CASCADE;
DROP FUNCTION IF EXISTS audit_log_append_only();
DROP FUNCTION IF EXISTS memberships_keep_an_owner();
