ALTER TABLE people DROP CONSTRAINT people_erased_holds_nothing;
ALTER TABLE people DROP COLUMN erased_at;
