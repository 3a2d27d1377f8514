-- A WebSocket ticket's rights are read afresh when it is used: the role it
-- was asked with was never read.
ALTER TABLE ws_tickets DROP COLUMN role;
