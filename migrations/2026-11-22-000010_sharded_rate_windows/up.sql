-- An API key's requests are counted on one of eight rows of its window, so
-- that concurrent requests of one key do not queue on one row lock; the
-- count is the sum of the rows. Per-address limits stay on one row (shard 0),
-- where exactness matters more than speed.
ALTER TABLE rate_windows ADD COLUMN shard smallint NOT NULL DEFAULT 0;
ALTER TABLE rate_windows DROP CONSTRAINT rate_windows_pkey;
ALTER TABLE rate_windows ADD PRIMARY KEY (key, window_start, shard);
