-- The platform core: identities, workspaces, memberships, credentials,
-- the audit chain, the event outbox, the job queue and the mailer.

CREATE TABLE users (
    id uuid PRIMARY KEY,
    email text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    password_hash text NOT NULL,
    failed_logins integer NOT NULL DEFAULT 0,
    first_failed_at timestamptz,
    locked_until timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    version integer NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

CREATE TABLE workspaces (
    id uuid PRIMARY KEY,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    template text NOT NULL CHECK (template IN ('school', 'tutoring', 'consulting', 'sales', 'support')),
    modules text[] NOT NULL,
    time_zone text NOT NULL DEFAULT 'UTC',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    version integer NOT NULL DEFAULT 1
);

CREATE TABLE memberships (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role text NOT NULL CHECK (role IN ('owner', 'admin', 'manager', 'staff', 'member')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    version integer NOT NULL DEFAULT 1,
    PRIMARY KEY (workspace_id, user_id)
);
CREATE INDEX memberships_user ON memberships (user_id);
CREATE INDEX memberships_list ON memberships (workspace_id, created_at, user_id);

-- A workspace always keeps at least one owner, whatever the path of the change.
-- The workspace row is locked first so that two concurrent demotions serialise.
CREATE FUNCTION memberships_keep_an_owner() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.role = 'owner' AND (TG_OP = 'DELETE' OR NEW.role <> 'owner') THEN
        PERFORM 1 FROM workspaces WHERE id = OLD.workspace_id FOR UPDATE;
        IF FOUND AND NOT EXISTS (
            SELECT 1 FROM memberships
            WHERE workspace_id = OLD.workspace_id AND role = 'owner' AND user_id <> OLD.user_id
        ) THEN
            RAISE EXCEPTION 'a workspace keeps at least one owner'
                USING ERRCODE = 'P0001', CONSTRAINT = 'last_owner';
        END IF;
    END IF;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER memberships_keep_an_owner
    AFTER UPDATE OR DELETE ON memberships
    FOR EACH ROW EXECUTE FUNCTION memberships_keep_an_owner();

CREATE TABLE refresh_tokens (
    id uuid PRIMARY KEY,
    family_id uuid NOT NULL,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    token_hash bytea NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at timestamptz,
    revoked_at timestamptz
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id) WHERE revoked_at IS NULL;

CREATE TABLE invitations (
    id uuid PRIMARY KEY,
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    email text NOT NULL,
    role text NOT NULL CHECK (role IN ('owner', 'admin', 'manager', 'staff', 'member')),
    token_hash bytea NOT NULL UNIQUE,
    invited_by uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    accepted_at timestamptz,
    revoked_at timestamptz,
    version integer NOT NULL DEFAULT 1
);
CREATE INDEX invitations_list ON invitations (workspace_id, created_at DESC, id DESC);

CREATE TABLE password_resets (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash bytea NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at timestamptz
);

CREATE TABLE api_keys (
    id uuid PRIMARY KEY,
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    prefix text NOT NULL UNIQUE,
    secret_hash bytea NOT NULL,
    scopes text[] NOT NULL,
    created_by uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz,
    last_used_at timestamptz,
    revoked_at timestamptz,
    version integer NOT NULL DEFAULT 1
);
CREATE INDEX api_keys_list ON api_keys (workspace_id, created_at DESC, id DESC) WHERE revoked_at IS NULL;

-- The audit chain. Each entry's hash covers the previous hash, its own
-- metadata and a digest of its payload (changes, ip, user agent), so that a
-- later erasure can blank the payload and keep the chain verifiable.
CREATE TABLE audit_heads (
    workspace_id uuid PRIMARY KEY REFERENCES workspaces (id) ON DELETE CASCADE,
    seq bigint NOT NULL DEFAULT 0,
    hash bytea NOT NULL
);

CREATE TABLE audit_log (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    seq bigint NOT NULL,
    id uuid NOT NULL UNIQUE,
    occurred_at timestamptz NOT NULL,
    actor_kind text NOT NULL CHECK (actor_kind IN ('user', 'api_key', 'system')),
    actor_id uuid,
    action text NOT NULL,
    record_type text NOT NULL,
    record_id text,
    changes jsonb NOT NULL,
    ip text,
    user_agent text,
    request_id text,
    payload_digest bytea NOT NULL,
    redacted boolean NOT NULL DEFAULT false,
    prev_hash bytea NOT NULL,
    hash bytea NOT NULL,
    PRIMARY KEY (workspace_id, seq)
);
CREATE INDEX audit_log_actor ON audit_log (workspace_id, actor_id, seq);
CREATE INDEX audit_log_record ON audit_log (workspace_id, record_type, record_id, seq);

-- Nothing rewrites history: only an erasure, which sets rapport.erasure, may
-- blank a payload, and nothing may delete an entry of a living workspace.
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND current_setting('rapport.erasure', true) = 'on' THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'DELETE' AND NOT EXISTS (SELECT 1 FROM workspaces WHERE id = OLD.workspace_id) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'the audit log is append-only' USING ERRCODE = 'P0001';
END $$;
CREATE TRIGGER audit_log_append_only
    BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

-- The event outbox, written in the same transaction as each change.
CREATE TABLE event_heads (
    workspace_id uuid PRIMARY KEY REFERENCES workspaces (id) ON DELETE CASCADE,
    seq bigint NOT NULL DEFAULT 0
);

CREATE TABLE events (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    seq bigint NOT NULL,
    kind text NOT NULL,
    occurred_at timestamptz NOT NULL DEFAULT now(),
    actor_kind text NOT NULL,
    actor_id uuid,
    data jsonb NOT NULL,
    -- The permission a caller needs to see this event.
    permission text NOT NULL,
    -- When set, the only user (besides holders of `permission`) who sees it.
    subject_user_id uuid,
    PRIMARY KEY (workspace_id, seq)
);
CREATE INDEX events_occurred ON events (occurred_at);

-- The job queue: webhooks, e-mail, exports and maintenance.
CREATE TABLE jobs (
    id bigserial PRIMARY KEY,
    kind text NOT NULL,
    payload jsonb NOT NULL,
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'done', 'dead')),
    attempts integer NOT NULL DEFAULT 0,
    max_attempts integer NOT NULL DEFAULT 8,
    run_at timestamptz NOT NULL DEFAULT now(),
    locked_at timestamptz,
    locked_by text,
    last_error text,
    dedupe_key text UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz
);
CREATE INDEX jobs_ready ON jobs (run_at) WHERE status = 'pending';
CREATE INDEX jobs_running ON jobs (locked_at) WHERE status = 'running';

-- Every outgoing message, kept for the development mail viewer and as a log.
CREATE TABLE mail_messages (
    id uuid PRIMARY KEY,
    workspace_id uuid REFERENCES workspaces (id) ON DELETE CASCADE,
    to_address text NOT NULL,
    subject text NOT NULL,
    body text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    sent_at timestamptz
);
CREATE INDEX mail_messages_list ON mail_messages (workspace_id, created_at DESC, id DESC);
CREATE INDEX mail_messages_to ON mail_messages (lower(to_address), created_at DESC);

CREATE TABLE idempotency_keys (
    scope text NOT NULL,
    key text NOT NULL,
    request_hash bytea NOT NULL,
    status smallint,
    response_body bytea,
    response_headers jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

CREATE TABLE ws_tickets (
    ticket_hash bytea PRIMARY KEY,
    user_id uuid,
    api_key_id uuid,
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    role text NOT NULL,
    expires_at timestamptz NOT NULL
);
