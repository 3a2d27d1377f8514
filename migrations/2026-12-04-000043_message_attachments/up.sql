-- Files sent with messages. The bytes are kept by the file store (under
-- the data dir), named by workspace and id; the row says what they are
-- and who may have them. A file is uploaded first (unsent: its uploader's
-- alone), then goes with the one message that names it, never another.

CREATE TABLE message_attachments (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    id uuid NOT NULL,
    -- NULL until the message it goes with is sent.
    message_id uuid,
    uploaded_by uuid REFERENCES users (id) ON DELETE SET NULL,
    file_name text NOT NULL
        CHECK (char_length(file_name) BETWEEN 1 AND 255 AND file_name !~ '[/\\[:cntrl:]]'),
    content_type text NOT NULL
        CHECK (char_length(content_type) <= 100 AND content_type ~ '^[a-z0-9.+-]+/[a-z0-9.+-]+$'),
    size bigint NOT NULL CHECK (size BETWEEN 1 AND 10485760),
    sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, message_id) REFERENCES messages (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX message_attachments_of_message ON message_attachments (workspace_id, message_id)
    WHERE message_id IS NOT NULL;
CREATE INDEX message_attachments_unsent ON message_attachments (created_at)
    WHERE message_id IS NULL;

-- An attachment goes with one message, once: it is never moved.
CREATE FUNCTION message_attachments_stay() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.message_id IS NOT NULL AND NEW.message_id IS DISTINCT FROM OLD.message_id
       OR NEW.id <> OLD.id OR NEW.workspace_id <> OLD.workspace_id OR NEW.sha256 <> OLD.sha256 THEN
        RAISE EXCEPTION 'an attachment stays with its message' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER message_attachments_stay BEFORE UPDATE ON message_attachments
    FOR EACH ROW EXECUTE FUNCTION message_attachments_stay();

-- Files whose row is gone, however it went (a message deleted or erased,
-- an upload never sent, a workspace deleted): the file store removes them.
CREATE TABLE removed_files (
    workspace_id uuid NOT NULL,
    id uuid NOT NULL,
    removed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, id)
);

CREATE FUNCTION message_attachments_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO removed_files (workspace_id, id) VALUES (OLD.workspace_id, OLD.id)
        ON CONFLICT DO NOTHING;
    RETURN OLD;
END $$;
CREATE TRIGGER message_attachments_removed AFTER DELETE ON message_attachments
    FOR EACH ROW EXECUTE FUNCTION message_attachments_removed();

-- A message deleted (by its author, or erased with its author) takes its
-- files with it.
CREATE FUNCTION messages_deleted_take_files() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM message_attachments WHERE workspace_id = NEW.workspace_id AND message_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER messages_deleted_take_files AFTER UPDATE OF deleted_at ON messages
    FOR EACH ROW WHEN (NEW.deleted_at IS NOT NULL AND OLD.deleted_at IS NULL)
    EXECUTE FUNCTION messages_deleted_take_files();

-- A message may be its files alone: its text may be empty (the API asks
-- for text or a file).
ALTER TABLE messages DROP CONSTRAINT messages_body_check,
    ADD CONSTRAINT messages_body_check CHECK (char_length(body) <= 20000);
