-- Sessions logged on a device, perhaps while it was offline: each log
-- carries the id the device gave it and the version of the session it was
-- based on. A log is applied once: its row is written in the transaction
-- that applies it, so the same log sent again (a retry, a second tab, a
-- replay after the connection came back) finds it and changes nothing.
CREATE TABLE session_logs (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    -- Given by the device.
    id uuid NOT NULL,
    session_id uuid NOT NULL,
    -- Who logged it; none for an API key.
    user_id uuid REFERENCES users (id) ON DELETE SET NULL,
    -- The session's version the device showed when the log was made.
    based_on integer NOT NULL CHECK (based_on >= 1),
    completed boolean NOT NULL,
    -- The attendance logged: [{person_id, status, note}].
    records jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(records) = 'array'),
    -- When it was logged on the device, and when it reached the server.
    logged_at timestamptz NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, session_id) REFERENCES sessions (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX session_logs_by_session ON session_logs (workspace_id, session_id);
