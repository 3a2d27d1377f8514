-- When a person (a student) is free: the same document as a host's hours
-- (weekly hours in a time zone, dates whose hours replace their weekday's,
-- time off), checked by the server on every write. The slot search for a
-- session with them keeps to it, and clear of their other sessions.
CREATE TABLE person_availability (
    workspace_id uuid NOT NULL,
    person_id uuid NOT NULL,
    time_zone text NOT NULL CHECK (length(time_zone) BETWEEN 1 AND 64),
    weekly jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(weekly) = 'array'),
    overrides jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(overrides) = 'array'),
    time_off jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(time_off) = 'array'),
    updated_at timestamptz NOT NULL DEFAULT now(),
    version integer NOT NULL DEFAULT 1,
    PRIMARY KEY (workspace_id, person_id),
    FOREIGN KEY (workspace_id, person_id) REFERENCES people (workspace_id, id) ON DELETE CASCADE
);
