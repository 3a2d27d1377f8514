//! Rate-limit counters in PostgreSQL, so that every instance counts the same
//! requests: one fixed window per key, counted in one statement. A per-address
//! window is one row; an API key's is spread over [`KEY_SHARDS`] rows, so
//! that its concurrent requests do not all wait for one row lock.

use diesel::prelude::*;
use diesel::sql_types::{Double, Integer, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = Integer)]
    hits: i32,
    #[diesel(sql_type = Double)]
    reset: f64,
}

/// Counts one request for `key` in the current window of `window_secs`;
/// returns the hits so far in the window and the seconds until it ends.
pub async fn hit(
    conn: &mut AsyncPgConnection,
    key: &str,
    window_secs: i32,
) -> QueryResult<(i32, f64)> {
    let row: Row = crate::Prepared(
        diesel::sql_query(HIT)
            .bind::<Text, _>(key)
            .bind::<Integer, _>(window_secs),
    )
    .get_result(conn)
    .await?;
    Ok((row.hits, row.reset))
}

const HIT: &str = "INSERT INTO rate_windows (key, window_start, hits)
     VALUES ($1, to_timestamp(floor(extract(epoch FROM now()) / $2) * $2), 1)
     ON CONFLICT (key, window_start, shard) DO UPDATE SET hits = rate_windows.hits + 1
     RETURNING hits, extract(epoch FROM (window_start + make_interval(secs => $2) - now()))::float8 AS reset";

/// The rows an API key's window is spread over.
pub const KEY_SHARDS: u32 = 8;

/// One request of an API key, named by its prefix and the digest of the
/// secret presented: when they match a live key, counts the request on one of
/// its window's rows and returns the window's total (this row's count, which
/// includes this request, plus the others' as committed) and the seconds
/// until it ends, and notes the key's last use, at most once a minute, all in
/// one statement. Nothing is counted for a wrong secret. It takes the
/// connection shared, so that it runs pipelined with the key's lookup
/// ([`crate::api_keys::find_live_by_prefix`]): one round trip for both.
/// Requests in flight at the same moment on other rows may be missed by each
/// other's total, so a burst can pass the limit by at most the number of
/// requests running at once; one after another, the count is exact.
pub async fn hit_key(
    mut conn: &AsyncPgConnection,
    prefix: &str,
    secret_hash: &[u8],
    window_secs: i32,
) -> QueryResult<Option<(i32, f64)>> {
    let row: Option<Row> = crate::Prepared(
        diesel::sql_query(
            "WITH k AS (
               SELECT id FROM api_keys
               WHERE prefix = $2 AND secret_hash = $4 AND revoked_at IS NULL
                 AND (expires_at IS NULL OR expires_at > now())
             ), used AS (
               UPDATE api_keys SET last_used_at = now()
               WHERE id = (SELECT id FROM k)
                 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')
             ), counted AS (
               INSERT INTO rate_windows (key, window_start, shard, hits)
               SELECT 'key:' || k.id, to_timestamp(floor(extract(epoch FROM now()) / $1) * $1), $3, 1
               FROM k
               ON CONFLICT (key, window_start, shard) DO UPDATE SET hits = rate_windows.hits + 1
               RETURNING key, hits, window_start
             )
             SELECT (c.hits + COALESCE((SELECT sum(r.hits) FROM rate_windows r
                       WHERE r.key = c.key AND r.window_start = c.window_start AND r.shard <> $3), 0))::int AS hits,
                    extract(epoch FROM (c.window_start + make_interval(secs => $1) - now()))::float8 AS reset
             FROM counted c",
        )
        .bind::<Integer, _>(window_secs)
        .bind::<Text, _>(prefix)
        .bind::<diesel::sql_types::SmallInt, _>(shard())
        .bind::<diesel::sql_types::Binary, _>(secret_hash),
    )
    .get_result(&mut conn)
    .await
    .optional()?;
    Ok(row.map(|r| (r.hits, r.reset)))
}

/// A row of a key's window for this request: spread by the clock's nanoseconds.
fn shard() -> i16 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    ((nanos / 1000) % KEY_SHARDS) as i16
}

/// Drops windows that ended more than an hour ago.
pub async fn prune(conn: &mut AsyncPgConnection) -> QueryResult<usize> {
    diesel::sql_query("DELETE FROM rate_windows WHERE window_start < now() - interval '1 hour'")
        .execute(conn)
        .await
}
