ALTER TABLE messages DROP CONSTRAINT messages_body_check,
    ADD CONSTRAINT messages_body_check CHECK (char_length(body) BETWEEN 1 AND 20000);
DROP TRIGGER messages_deleted_take_files ON messages;
DROP FUNCTION messages_deleted_take_files();
DROP TABLE removed_files;
DROP TABLE message_attachments;
DROP FUNCTION message_attachments_removed();
DROP FUNCTION message_attachments_stay();
