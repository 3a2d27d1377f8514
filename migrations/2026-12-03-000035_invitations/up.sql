-- Invitations by e-mail (iTIP, RFC 5546): what each attendee of a session
-- was last sent, so that a change that matters sends an update with a
-- higher SEQUENCE, and a session cancelled, deleted or no longer theirs is
-- cancelled in their calendar. A row outlives its session (no foreign key
-- to it): a deleted session is still cancelled with what was sent.
CREATE TABLE session_invitations (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    session_id uuid NOT NULL,
    email text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    sequence integer NOT NULL CHECK (sequence >= 0),
    cancelled boolean NOT NULL DEFAULT false,
    -- A digest of what was sent: the title, the times, the place, the room.
    sent_digest text NOT NULL,
    title text NOT NULL,
    starts_at timestamptz NOT NULL,
    ends_at timestamptz NOT NULL,
    sent_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, session_id, email)
);
-- A message may carry a calendar (an invitation or its cancellation).
-- (a long series with many exceptions is a few hundred kilobytes).
ALTER TABLE mail_messages ADD COLUMN calendar text CHECK (length(calendar) <= 4000000);
