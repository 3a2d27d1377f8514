-- Sessions: a lesson, a tutoring session, a consultation or a meeting,
-- held by a host (a member of the workspace) for its participants.
--
-- A host is never in two places at once: every session that holds time
-- (any but a cancelled one) reserves its range with the host's buffers
-- around it (`busy`), and two such ranges of one host never overlap. The
-- database refuses the second, whatever path wrote it (scheduling by
-- staff, booking, confirming, rescheduling), so that of fifty requests for
-- one slot at once exactly one succeeds.

CREATE TABLE sessions (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    id uuid NOT NULL,
    kind text NOT NULL CHECK (kind IN ('lesson', 'tutoring', 'consultation', 'meeting')),
    title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    starts_at timestamptz NOT NULL,
    ends_at timestamptz NOT NULL,
    location text CHECK (length(location) <= 500),
    online_url text CHECK (length(online_url) <= 2000),
    -- The member who holds it; null only once that member has left.
    host_id uuid,
    status text NOT NULL DEFAULT 'scheduled'
        CHECK (status IN ('scheduled', 'completed', 'cancelled', 'no_show')),
    cancel_reason text CHECK (length(cancel_reason) <= 1000),
    notes text CHECK (length(notes) <= 20000),
    fee_minor bigint CHECK (fee_minor >= 0),
    fee_currency text CHECK (fee_currency ~ '^[A-Z]{3}$'),
    capacity integer CHECK (capacity BETWEEN 1 AND 10000),
    buffer_before_min integer NOT NULL DEFAULT 0 CHECK (buffer_before_min BETWEEN 0 AND 1440),
    buffer_after_min integer NOT NULL DEFAULT 0 CHECK (buffer_after_min BETWEEN 0 AND 1440),
    -- The time it holds: from its start less the buffer before to its end
    -- plus the buffer after (set by sessions_busy, never by hand).
    busy tstzrange NOT NULL DEFAULT 'empty',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    version integer NOT NULL DEFAULT 1,
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, host_id) REFERENCES memberships (workspace_id, user_id)
        ON DELETE SET NULL (host_id),
    CHECK (ends_at > starts_at AND ends_at <= starts_at + interval '24 hours'),
    CHECK ((fee_minor IS NULL) = (fee_currency IS NULL)),
    CHECK ((status = 'cancelled') = (cancel_reason IS NOT NULL)),
    CONSTRAINT sessions_host_free EXCLUDE USING gist (
        workspace_id WITH =, host_id WITH =, busy WITH &&
    ) WHERE (status <> 'cancelled')
);

CREATE FUNCTION sessions_busy() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.busy := tstzrange(
        NEW.starts_at - make_interval(mins => NEW.buffer_before_min),
        NEW.ends_at + make_interval(mins => NEW.buffer_after_min),
        '[)'
    );
    RETURN NEW;
END $$;
CREATE TRIGGER sessions_busy BEFORE INSERT OR UPDATE ON sessions
    FOR EACH ROW EXECUTE FUNCTION sessions_busy();

CREATE INDEX sessions_by_start ON sessions (workspace_id, starts_at, id);
CREATE INDEX sessions_by_host ON sessions (workspace_id, host_id, starts_at, id);

-- The people a session is for.
CREATE TABLE session_participants (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    session_id uuid NOT NULL,
    person_id uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, session_id, person_id),
    FOREIGN KEY (workspace_id, session_id) REFERENCES sessions (workspace_id, id) ON DELETE CASCADE,
    FOREIGN KEY (workspace_id, person_id) REFERENCES people (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX session_participants_by_person ON session_participants (workspace_id, person_id, session_id);
