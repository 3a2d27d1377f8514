-- A member's private calendar feed (`/ical/<token>.ics`), which Google or
-- Apple Calendar subscribe to: the token is kept as its digest only, one
-- per member and workspace; a new one replaces it, deleting it revokes it,
-- and it stops working when its member leaves the workspace (checked when
-- it is read: a table found by its secret points at no workspace table).
CREATE TABLE calendar_feeds (
    token_hash bytea PRIMARY KEY,
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX calendar_feeds_one_each ON calendar_feeds (workspace_id, user_id);
