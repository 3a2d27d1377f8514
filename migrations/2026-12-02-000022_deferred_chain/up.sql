-- Writes no longer wait for one another on a workspace's heads. A change
-- appends its audit entry unsealed (no place in the chain yet) and its
-- event unnumbered; the sealer gives entries their place, link and hash,
-- and the sequencer gives events their number, each under its head's
-- lock, in the order the rows were made. Whatever reads the chain or the
-- events seals or numbers first, so readers see what they saw before.

ALTER TABLE audit_log DROP CONSTRAINT audit_log_pkey;
ALTER TABLE audit_log ALTER COLUMN seq DROP NOT NULL,
                      ALTER COLUMN prev_hash DROP NOT NULL,
                      ALTER COLUMN hash DROP NOT NULL;
ALTER TABLE audit_log DROP CONSTRAINT audit_log_id_key;
ALTER TABLE audit_log ADD PRIMARY KEY (workspace_id, id);
ALTER TABLE audit_log ADD CONSTRAINT audit_log_seq_key UNIQUE (workspace_id, seq);
ALTER TABLE audit_log ADD CONSTRAINT audit_log_sealed_whole CHECK (
    (seq IS NULL) = (hash IS NULL) AND (hash IS NULL) = (prev_hash IS NULL) AND seq > 0);
CREATE INDEX audit_log_unsealed ON audit_log (workspace_id, id) WHERE hash IS NULL;

-- One more change an entry may take: its sealing, once, which sets its
-- place, link and hash and nothing else.
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.hash IS NULL AND NEW.hash IS NOT NULL
       AND (NEW.workspace_id, NEW.id, NEW.occurred_at, NEW.actor_kind, NEW.actor_id,
            NEW.action, NEW.record_type, NEW.record_id, NEW.changes, NEW.ip, NEW.user_agent,
            NEW.request_id, NEW.payload_digest, NEW.redacted)
           IS NOT DISTINCT FROM
           (OLD.workspace_id, OLD.id, OLD.occurred_at, OLD.actor_kind, OLD.actor_id,
            OLD.action, OLD.record_type, OLD.record_id, OLD.changes, OLD.ip, OLD.user_agent,
            OLD.request_id, OLD.payload_digest, OLD.redacted) THEN
        RETURN NEW;
    END IF;
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

ALTER TABLE events ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY;
ALTER TABLE events DROP CONSTRAINT events_pkey;
ALTER TABLE events ADD PRIMARY KEY (workspace_id, id);
ALTER TABLE events ALTER COLUMN seq DROP NOT NULL;
ALTER TABLE events ADD CONSTRAINT events_seq_key UNIQUE (workspace_id, seq);
ALTER TABLE events ADD CONSTRAINT events_seq_positive CHECK (seq > 0);
CREATE INDEX events_unnumbered ON events (workspace_id, id) WHERE seq IS NULL;
