-- Failed password checks, by address (a digest of the lower-cased e-mail), for
-- every address whether or not it has an account: the lockout answers the
-- same for both, and applies to every route that checks a password.
CREATE TABLE password_failures (
    address_hash bytea PRIMARY KEY,
    failures integer NOT NULL DEFAULT 0,
    first_failed_at timestamptz NOT NULL DEFAULT now(),
    locked_until timestamptz
);
ALTER TABLE users DROP COLUMN failed_logins;
ALTER TABLE users DROP COLUMN first_failed_at;
ALTER TABLE users DROP COLUMN locked_until;

-- A refresh token may be honoured once more after its rotation (a lost
-- answer); this records that the one time was spent.
ALTER TABLE refresh_tokens ADD COLUMN regraced_at timestamptz;

-- A WebSocket follows the session it was opened with.
ALTER TABLE ws_tickets ADD COLUMN family_id uuid;

-- Live rights: whenever a membership's role changes or ends, a session is
-- revoked or an API key is revoked, every instance is told at commit, and
-- re-checks the WebSockets it holds (a 2-second poll covers a lost notice).
CREATE FUNCTION notify_access_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('rapport_access', TG_TABLE_NAME);
    RETURN NULL;
END $$;
CREATE TRIGGER memberships_access AFTER UPDATE OF role OR DELETE ON memberships
    FOR EACH STATEMENT EXECUTE FUNCTION notify_access_changed();
CREATE TRIGGER refresh_tokens_access AFTER UPDATE OF revoked_at ON refresh_tokens
    FOR EACH STATEMENT EXECUTE FUNCTION notify_access_changed();
CREATE TRIGGER api_keys_access AFTER UPDATE OF revoked_at ON api_keys
    FOR EACH STATEMENT EXECUTE FUNCTION notify_access_changed();

-- Erasure: the only change an audit entry admits is a redaction of personal
-- data, in the exact form audit_erase() makes it: the named fields of
-- `changes` have their values replaced with "[erased]", the address and the
-- user agent are blanked, and the entry is flagged. Everything the chain
-- hashes stays as it was. The redaction itself is then recorded as a new
-- chain entry (`audit.erased`, with the digest of the redacted payload), so
-- that verify can tell a lawful erasure from a forged one.
CREATE FUNCTION audit_erased_value(v jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN jsonb_typeof(v) = 'object'
                THEN (SELECT COALESCE(jsonb_object_agg(k, '"[erased]"'::jsonb), '{}'::jsonb)
                      FROM jsonb_object_keys(v) AS k)
                ELSE '"[erased]"'::jsonb END
$$;

CREATE FUNCTION audit_is_redaction_of(new_changes jsonb, old_changes jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT jsonb_typeof(new_changes) = 'object' AND jsonb_typeof(old_changes) = 'object'
       AND (SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(new_changes) AS k)
           IS NOT DISTINCT FROM (SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(old_changes) AS k)
       AND NOT EXISTS (
           SELECT 1 FROM jsonb_each(old_changes) AS o(k, v)
           WHERE new_changes -> o.k <> o.v AND new_changes -> o.k <> audit_erased_value(o.v))
$$;

CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NOT OLD.redacted AND NEW.redacted
       AND (NEW.workspace_id, NEW.seq, NEW.id, NEW.occurred_at, NEW.actor_kind, NEW.actor_id,
            NEW.action, NEW.record_type, NEW.record_id, NEW.request_id, NEW.payload_digest,
            NEW.prev_hash, NEW.hash)
           IS NOT DISTINCT FROM
           (OLD.workspace_id, OLD.seq, OLD.id, OLD.occurred_at, OLD.actor_kind, OLD.actor_id,
            OLD.action, OLD.record_type, OLD.record_id, OLD.request_id, OLD.payload_digest,
            OLD.prev_hash, OLD.hash)
       AND NEW.ip IS NULL AND NEW.user_agent IS NULL
       AND audit_is_redaction_of(NEW.changes, OLD.changes) THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'DELETE' AND NOT EXISTS (SELECT 1 FROM workspaces WHERE id = OLD.workspace_id) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'the audit log is append-only' USING ERRCODE = 'P0001';
END $$;

-- Redacts the named fields of one entry; returns the redacted changes.
CREATE FUNCTION audit_erase(p_workspace uuid, p_seq bigint, p_fields text[]) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    redacted jsonb;
BEGIN
    UPDATE audit_log a
       SET changes = (SELECT COALESCE(jsonb_object_agg(k, CASE WHEN k = ANY (p_fields)
                                                              THEN audit_erased_value(v) ELSE v END), '{}'::jsonb)
                      FROM jsonb_each(a.changes) AS e(k, v)),
           ip = NULL, user_agent = NULL, redacted = true
     WHERE a.workspace_id = p_workspace AND a.seq = p_seq AND NOT a.redacted
       AND a.action <> 'audit.erased'
    RETURNING a.changes INTO redacted;
    RETURN redacted;
END $$;
REVOKE ALL ON FUNCTION audit_erase(uuid, bigint, text[]) FROM PUBLIC;
