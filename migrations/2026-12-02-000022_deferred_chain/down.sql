-- Entries and events made before the way back must have been sealed and
-- numbered (any read does that).
DROP INDEX events_unnumbered;
ALTER TABLE events DROP CONSTRAINT events_seq_positive;
ALTER TABLE events DROP CONSTRAINT events_seq_key;
ALTER TABLE events ALTER COLUMN seq SET NOT NULL;
ALTER TABLE events DROP CONSTRAINT events_pkey;
ALTER TABLE events ADD PRIMARY KEY (workspace_id, seq);
ALTER TABLE events DROP COLUMN id;

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
DROP INDEX audit_log_unsealed;
ALTER TABLE audit_log DROP CONSTRAINT audit_log_sealed_whole;
ALTER TABLE audit_log DROP CONSTRAINT audit_log_seq_key;
ALTER TABLE audit_log DROP CONSTRAINT audit_log_pkey;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_id_key UNIQUE (workspace_id, id);
ALTER TABLE audit_log ALTER COLUMN seq SET NOT NULL,
                      ALTER COLUMN prev_hash SET NOT NULL,
                      ALTER COLUMN hash SET NOT NULL;
ALTER TABLE audit_log ADD PRIMARY KEY (workspace_id, seq);
