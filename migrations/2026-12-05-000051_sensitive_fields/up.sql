-- A custom field of people may be sensitive: its values are kept
-- encrypted (AES-256-GCM) in `people.sensitive_fields`, never in
-- `custom_fields`, so search, filters, lists, events and the audit trail
-- never hold them. Set when the field is made; such a field cannot be
-- required (not everyone who adds people may fill it).
ALTER TABLE custom_fields
    ADD COLUMN sensitive boolean NOT NULL DEFAULT false,
    ADD CONSTRAINT custom_fields_sensitive_people CHECK (NOT sensitive OR (record_type = 'person' AND NOT required));

-- The sensitive values of a person: one sealed JSON object (a version
-- byte, the nonce, the ciphertext and its tag), bound to the workspace and
-- the person.
ALTER TABLE people ADD COLUMN sensitive_fields bytea;
