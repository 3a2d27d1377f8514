-- Switching a module on or off changes what every open WebSocket of the
-- workspace may hear: announce it like a change of role.
CREATE TRIGGER workspaces_access AFTER UPDATE OF modules ON workspaces
    FOR EACH STATEMENT EXECUTE FUNCTION notify_access_changed();
