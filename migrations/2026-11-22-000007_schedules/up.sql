-- Recurring jobs: the last occurrence each schedule queued. Its row is locked
-- while an occurrence is queued, so each is queued once across instances.
CREATE TABLE schedules (
    name text PRIMARY KEY,
    last_occurrence timestamptz
);
