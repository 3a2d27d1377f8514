-- When a host can be booked: weekly hours in their own time zone, dates
-- whose hours replace their weekday's, and time off, kept as one document
-- per member (checked by the server on every write); and the workspace's
-- rules per kind of session: length, buffers, slot interval, notice, how
-- far ahead, limits per day and week, whether the host confirms.
CREATE TABLE availability (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    user_id uuid NOT NULL,
    time_zone text NOT NULL CHECK (length(time_zone) BETWEEN 1 AND 64),
    weekly jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(weekly) = 'array'),
    overrides jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(overrides) = 'array'),
    time_off jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(time_off) = 'array'),
    updated_at timestamptz NOT NULL DEFAULT now(),
    version integer NOT NULL DEFAULT 1,
    PRIMARY KEY (workspace_id, user_id),
    FOREIGN KEY (workspace_id, user_id) REFERENCES memberships (workspace_id, user_id)
        ON DELETE CASCADE
);

CREATE TABLE booking_rules (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    kind text NOT NULL CHECK (kind IN ('lesson', 'tutoring', 'consultation', 'meeting')),
    duration_min integer NOT NULL CHECK (duration_min BETWEEN 5 AND 1440),
    buffer_before_min integer NOT NULL CHECK (buffer_before_min BETWEEN 0 AND 1440),
    buffer_after_min integer NOT NULL CHECK (buffer_after_min BETWEEN 0 AND 1440),
    slot_interval_min integer NOT NULL CHECK (slot_interval_min BETWEEN 5 AND 1440),
    min_notice_min integer NOT NULL CHECK (min_notice_min BETWEEN 0 AND 525600),
    window_days integer NOT NULL CHECK (window_days BETWEEN 1 AND 730),
    max_per_day integer CHECK (max_per_day BETWEEN 1 AND 100),
    max_per_week integer CHECK (max_per_week BETWEEN 1 AND 500),
    requires_confirmation boolean NOT NULL DEFAULT false,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, kind)
);
