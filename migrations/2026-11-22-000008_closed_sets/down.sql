ALTER TABLE workspaces DROP CONSTRAINT workspaces_modules_known;
