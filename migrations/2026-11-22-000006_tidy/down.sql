ALTER TABLE ws_tickets ADD COLUMN role text NOT NULL DEFAULT 'member';
