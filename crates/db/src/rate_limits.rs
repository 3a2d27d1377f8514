//! Rate-limit counters in PostgreSQL, so that every instance counts the same
//! requests: one fixed window per key, counted in one statement. An API key's
//! requests are taken from its window a few at a time ([`lease_key`]), so
//! that its busy clients do not write a row, and wait on its lock, for each.

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

/// Takes `n` requests of API key `key_id`'s current window at once, and
/// notes the key's last use at most once a minute, in one statement: returns
/// the window's count before them and the seconds until it ends. The count
/// grows by `n` whatever it was, so the caller grants itself only what is
/// left of its limit (`limit - before`, at most `n`). Instances that take
/// their requests so never grant more than the limit between them; requests
/// taken and not spent before the window ends are lost to it.
pub async fn lease_key(
    conn: &mut AsyncPgConnection,
    key_id: uuid::Uuid,
    n: i32,
    window_secs: i32,
) -> QueryResult<(i32, f64)> {
    let row: Row = crate::Prepared(
        diesel::sql_query(
            "WITH used AS (
               UPDATE api_keys SET last_used_at = now()
               WHERE id = $1
                 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')
             )
             INSERT INTO rate_windows (key, window_start, shard, hits)
             VALUES ('key:' || $1::text, to_timestamp(floor(extract(epoch FROM now()) / $2) * $2), 0, $3)
             ON CONFLICT (key, window_start, shard) DO UPDATE SET hits = rate_windows.hits + $3
             RETURNING hits - $3 AS hits,
                       extract(epoch FROM (window_start + make_interval(secs => $2) - now()))::float8 AS reset",
        )
        .bind::<diesel::sql_types::Uuid, _>(key_id)
        .bind::<Integer, _>(window_secs)
        .bind::<Integer, _>(n),
    )
    .get_result(conn)
    .await?;
    Ok((row.hits, row.reset))
}

/// Drops windows that ended more than an hour ago.
pub async fn prune(conn: &mut AsyncPgConnection) -> QueryResult<usize> {
    crate::sql_query("DELETE FROM rate_windows WHERE window_start < now() - interval '1 hour'")
        .execute(conn)
        .await
}
