-- Series of sessions: an iCalendar rule read as wall-clock time in an IANA
-- zone, stored once; its occurrences are sessions, made a rolling year
-- ahead by a job. An occurrence is named by its original start
-- (`recurrence_id`, the iCalendar RECURRENCE-ID) however it is moved; one
-- changed on its own is an exception that changes to its series leave
-- alone. Every occurrence is a session, so the host's exclusion constraint
-- holds for series as for anything else.
CREATE TABLE session_series (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    id uuid NOT NULL,
    rrule text NOT NULL CHECK (length(rrule) BETWEEN 1 AND 500),
    time_zone text NOT NULL CHECK (length(time_zone) BETWEEN 1 AND 64),
    starts_local timestamp NOT NULL,
    duration_min integer NOT NULL CHECK (duration_min BETWEEN 1 AND 1440),
    exdates date[] NOT NULL DEFAULT '{}' CHECK (cardinality(exdates) <= 500),
    -- No occurrence starts at or after it (split or cancelled from there).
    ends_before timestamptz,
    materialised_until timestamptz NOT NULL,
    kind text NOT NULL CHECK (kind IN ('lesson', 'tutoring', 'consultation', 'meeting')),
    title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    location text CHECK (length(location) <= 500),
    online_url text CHECK (length(online_url) <= 2000),
    host_id uuid,
    notes text CHECK (length(notes) <= 20000),
    fee_minor bigint CHECK (fee_minor >= 0),
    fee_currency text CHECK (fee_currency ~ '^[A-Z]{3}$'),
    capacity integer CHECK (capacity BETWEEN 1 AND 10000),
    buffer_before_min integer NOT NULL DEFAULT 0 CHECK (buffer_before_min BETWEEN 0 AND 1440),
    buffer_after_min integer NOT NULL DEFAULT 0 CHECK (buffer_after_min BETWEEN 0 AND 1440),
    participant_ids uuid[] NOT NULL DEFAULT '{}' CHECK (cardinality(participant_ids) <= 500),
    group_ids uuid[] NOT NULL DEFAULT '{}' CHECK (cardinality(group_ids) <= 20),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    version integer NOT NULL DEFAULT 1,
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, host_id) REFERENCES memberships (workspace_id, user_id)
        ON DELETE SET NULL (host_id),
    CHECK ((fee_minor IS NULL) = (fee_currency IS NULL))
);
-- The series the job extends.
CREATE INDEX session_series_to_extend ON session_series (materialised_until);

ALTER TABLE sessions
    ADD COLUMN series_id uuid,
    ADD COLUMN recurrence_id timestamptz,
    ADD COLUMN exception boolean NOT NULL DEFAULT false,
    ADD FOREIGN KEY (workspace_id, series_id) REFERENCES session_series (workspace_id, id)
        ON DELETE CASCADE,
    ADD CHECK ((series_id IS NULL) = (recurrence_id IS NULL)),
    ADD CHECK (series_id IS NOT NULL OR NOT exception),
    -- One session per occurrence, however often the series is extended.
    ADD CONSTRAINT sessions_occurrence UNIQUE (workspace_id, series_id, recurrence_id);

-- Who a session is for, now without the members of deleted groups. The
-- people it names stay on it (an erased person's attendance still counts).
CREATE OR REPLACE VIEW session_people AS
    SELECT sp.workspace_id, sp.session_id, sp.person_id, NULL::uuid AS group_id, sp.created_at AS ord
    FROM session_participants sp
    UNION ALL
    SELECT sg.workspace_id, sg.session_id, gm.person_id, sg.group_id, sg.created_at
    FROM session_groups sg
    JOIN groups g ON g.workspace_id = sg.workspace_id AND g.id = sg.group_id AND g.deleted_at IS NULL
    JOIN sessions s ON s.workspace_id = sg.workspace_id AND s.id = sg.session_id
    JOIN workspaces w ON w.id = s.workspace_id
    JOIN group_members gm ON gm.workspace_id = sg.workspace_id AND gm.group_id = sg.group_id
        AND gm.joined_on <= (s.starts_at AT TIME ZONE w.time_zone)::date
        AND (gm.left_on IS NULL OR gm.left_on > (s.starts_at AT TIME ZONE w.time_zone)::date)
    JOIN people p ON p.workspace_id = gm.workspace_id AND p.id = gm.person_id AND p.deleted_at IS NULL
    WHERE NOT EXISTS (
        SELECT 1 FROM session_participants d
        WHERE d.workspace_id = sg.workspace_id AND d.session_id = sg.session_id
          AND d.person_id = gm.person_id
    );
