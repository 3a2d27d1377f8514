-- Rate-limit counters shared by every server instance: fixed windows per key.
-- Unlogged: a counter lost in a crash costs nothing, and writes skip the WAL.
CREATE UNLOGGED TABLE rate_windows (
    key text NOT NULL,
    window_start timestamptz NOT NULL,
    hits integer NOT NULL,
    PRIMARY KEY (key, window_start)
);
