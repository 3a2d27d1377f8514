//! Rate-limit counters in PostgreSQL, so that every instance counts the same
//! requests: one fixed window per key, counted in one statement.

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
    let row: Row = diesel::sql_query(
        "INSERT INTO rate_windows (key, window_start, hits)
         VALUES ($1, to_timestamp(floor(extract(epoch FROM now()) / $2) * $2), 1)
         ON CONFLICT (key, window_start) DO UPDATE SET hits = rate_windows.hits + 1
         RETURNING hits, extract(epoch FROM (window_start + make_interval(secs => $2) - now()))::float8 AS reset",
    )
    .bind::<Text, _>(key)
    .bind::<Integer, _>(window_secs)
    .get_result(conn)
    .await?;
    Ok((row.hits, row.reset))
}

/// Drops windows that ended more than an hour ago.
pub async fn prune(conn: &mut AsyncPgConnection) -> QueryResult<usize> {
    diesel::sql_query("DELETE FROM rate_windows WHERE window_start < now() - interval '1 hour'")
        .execute(conn)
        .await
}
