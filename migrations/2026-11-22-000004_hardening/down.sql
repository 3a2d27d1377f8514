DROP FUNCTION audit_erase(uuid, bigint, text[]);
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND current_setting('rapport.erasure', true) = 'on' THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'DELETE' AND NOT EXISTS (SELECT 1 FROM workspaces WHERE id = OLD.workspace_id) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'the audit log is append-only' USING ERRCODE = 'P0001';
END $$;
DROP FUNCTION audit_is_redaction_of(jsonb, jsonb);
DROP FUNCTION audit_erased_value(jsonb);
DROP TRIGGER api_keys_access ON api_keys;
DROP TRIGGER refresh_tokens_access ON refresh_tokens;
DROP TRIGGER memberships_access ON memberships;
DROP FUNCTION notify_access_changed();
ALTER TABLE ws_tickets DROP COLUMN family_id;
ALTER TABLE refresh_tokens DROP COLUMN regraced_at;
ALTER TABLE users ADD COLUMN failed_logins integer NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN first_failed_at timestamptz;
ALTER TABLE users ADD COLUMN locked_until timestamptz;
DROP TABLE password_failures;
