-- Erasure of a person (the GDPR's right to be forgotten). The row stays, so
-- that what points at it (group stays, later the ledger) still adds up, but
-- it holds nothing that identifies anyone: the database refuses an erased
-- row with a name, a contact, tags, custom values or a linked member, and
-- refuses to bring it back from deletion.
ALTER TABLE people ADD COLUMN erased_at timestamptz;
ALTER TABLE people ADD CONSTRAINT people_erased_holds_nothing CHECK (
    erased_at IS NULL OR (
        deleted_at IS NOT NULL AND first_name = 'Erased' AND last_name = ''
        AND email IS NULL AND phone IS NULL AND user_id IS NULL AND organization_id IS NULL
        AND tags = '{}' AND custom_fields = '{}' AND archived_custom_fields = '{}'));
