-- Conversations: direct ones between members (one per pair), groups of
-- members, an admin's broadcasts, and each member's notifications. A
-- message has one delivery row per recipient, which holds its read state;
-- ticket threads will add their kinds of message to the same tables.

CREATE TABLE conversations (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    id uuid NOT NULL,
    kind text NOT NULL CHECK (kind IN ('direct', 'group', 'broadcast', 'notifications')),
    subject text CHECK (char_length(subject) BETWEEN 1 AND 200),
    -- The two members of a direct conversation, the smaller id first.
    pair uuid[] CHECK (pair IS NULL OR (cardinality(pair) = 2 AND pair[1] < pair[2])),
    -- The member whose notifications these are.
    owner_id uuid,
    -- Whom a broadcast went to, as it was asked.
    audience jsonb,
    created_by uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_message_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, id),
    CHECK ((kind = 'direct') = (pair IS NOT NULL)),
    CHECK ((kind = 'notifications') = (owner_id IS NOT NULL)),
    CHECK ((kind = 'broadcast') = (audience IS NOT NULL)),
    FOREIGN KEY (workspace_id, owner_id) REFERENCES memberships (workspace_id, user_id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX conversations_direct ON conversations (workspace_id, pair) WHERE kind = 'direct';
CREATE UNIQUE INDEX conversations_notifications ON conversations (workspace_id, owner_id) WHERE kind = 'notifications';

-- Who is in a conversation; a member who leaves the workspace leaves it.
CREATE TABLE conversation_participants (
    workspace_id uuid NOT NULL,
    conversation_id uuid NOT NULL,
    user_id uuid NOT NULL,
    -- Whether they may write in it: not the audience of a broadcast, nor
    -- anyone in notifications.
    can_reply boolean NOT NULL,
    -- The conversation's, copied, so that an inbox is one index range.
    last_message_at timestamptz NOT NULL,
    last_read_at timestamptz,
    joined_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, conversation_id, user_id),
    FOREIGN KEY (workspace_id, conversation_id) REFERENCES conversations (workspace_id, id) ON DELETE CASCADE,
    FOREIGN KEY (workspace_id, user_id) REFERENCES memberships (workspace_id, user_id) ON DELETE CASCADE
);
CREATE INDEX conversation_participants_inbox
    ON conversation_participants (workspace_id, user_id, last_message_at, conversation_id);

CREATE TABLE messages (
    workspace_id uuid NOT NULL,
    id uuid NOT NULL,
    conversation_id uuid NOT NULL,
    kind text NOT NULL CHECK (kind IN ('message', 'broadcast', 'notification')),
    author_id uuid REFERENCES users (id) ON DELETE SET NULL,
    -- Markdown; NULL once deleted.
    body text CHECK (char_length(body) BETWEEN 1 AND 20000),
    -- What a notification is about.
    link_type text CHECK (char_length(link_type) BETWEEN 1 AND 50),
    link_id uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    edited_at timestamptz,
    deleted_at timestamptz,
    version integer NOT NULL DEFAULT 1,
    PRIMARY KEY (workspace_id, id),
    CHECK ((deleted_at IS NULL) = (body IS NOT NULL)),
    CHECK ((link_type IS NULL) = (link_id IS NULL)),
    FOREIGN KEY (workspace_id, conversation_id) REFERENCES conversations (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX messages_of_conversation ON messages (workspace_id, conversation_id, id);
CREATE INDEX messages_by_author ON messages (workspace_id, author_id) WHERE author_id IS NOT NULL;

-- One row per recipient of each message: its read state, and whether it
-- went out in an e-mail digest.
CREATE TABLE message_deliveries (
    workspace_id uuid NOT NULL,
    user_id uuid NOT NULL,
    conversation_id uuid NOT NULL,
    message_id uuid NOT NULL,
    read_at timestamptz,
    mailed_at timestamptz,
    PRIMARY KEY (workspace_id, user_id, conversation_id, message_id),
    FOREIGN KEY (workspace_id, message_id) REFERENCES messages (workspace_id, id) ON DELETE CASCADE,
    FOREIGN KEY (workspace_id, conversation_id, user_id)
        REFERENCES conversation_participants (workspace_id, conversation_id, user_id) ON DELETE CASCADE
);
CREATE INDEX message_deliveries_unread ON message_deliveries (workspace_id, user_id, conversation_id)
    WHERE read_at IS NULL;
CREATE INDEX message_deliveries_of_message ON message_deliveries (workspace_id, message_id);
-- What the e-mail digest has yet to send.
CREATE INDEX message_deliveries_to_mail ON message_deliveries (workspace_id, user_id)
    WHERE read_at IS NULL AND mailed_at IS NULL;

-- Messages are never moved from one conversation to another.
CREATE FUNCTION messages_stay() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.conversation_id <> OLD.conversation_id OR NEW.author_id IS DISTINCT FROM OLD.author_id
       AND NEW.author_id IS NOT NULL THEN
        RAISE EXCEPTION 'a message keeps its conversation and author' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER messages_stay BEFORE UPDATE ON messages FOR EACH ROW EXECUTE FUNCTION messages_stay();
