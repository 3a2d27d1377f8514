DELETE FROM rate_windows WHERE shard <> 0;
ALTER TABLE rate_windows DROP CONSTRAINT rate_windows_pkey;
ALTER TABLE rate_windows ADD PRIMARY KEY (key, window_start);
ALTER TABLE rate_windows DROP COLUMN shard;
