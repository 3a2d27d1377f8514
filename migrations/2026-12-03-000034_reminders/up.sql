-- Reminders before sessions: how long before (per workspace; 0 sends
-- none), and which were sent, once per session and start (a moved session
-- is reminded of again at its new time).
CREATE TABLE reminder_settings (
    workspace_id uuid PRIMARY KEY REFERENCES workspaces (id) ON DELETE CASCADE,
    lead_min integer NOT NULL CHECK (lead_min BETWEEN 0 AND 10080),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE session_reminders (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    session_id uuid NOT NULL,
    starts_at timestamptz NOT NULL,
    sent_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, session_id, starts_at),
    FOREIGN KEY (workspace_id, session_id) REFERENCES sessions (workspace_id, id) ON DELETE CASCADE
);
-- The sessions to come, across workspaces, for the reminder job.
CREATE INDEX sessions_coming ON sessions (starts_at) WHERE status = 'scheduled';
