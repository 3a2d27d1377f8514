DROP TRIGGER IF EXISTS workspaces_access ON workspaces;
