//! `Idempotency-Key` records: the first response to a key is stored and
//! replayed to later requests with the same key and body for 24 hours.

use crate::schema::idempotency_keys;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

pub enum Begin {
    /// No earlier request: go ahead, then `finish`.
    Fresh,
    /// The same request was answered: replay this.
    Replay {
        status: u16,
        body: Vec<u8>,
        headers: serde_json::Value,
    },
    /// The key was used with another request body.
    Mismatch,
    /// The first request with this key is still running.
    InFlight,
}

pub async fn begin(
    conn: &mut AsyncPgConnection,
    scope: &str,
    key: &str,
    request_hash: &[u8],
) -> QueryResult<Begin> {
    // Expired keys are forgotten first, so a key can be reused after 24 hours.
    diesel::delete(
        idempotency_keys::table
            .filter(idempotency_keys::scope.eq(scope))
            .filter(idempotency_keys::key.eq(key))
            .filter(
                idempotency_keys::created_at.lt(chrono::Utc::now() - chrono::Duration::hours(24)),
            ),
    )
    .execute(conn)
    .await?;
    let inserted = diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::scope.eq(scope),
            idempotency_keys::key.eq(key),
            idempotency_keys::request_hash.eq(request_hash),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    if inserted == 1 {
        return Ok(Begin::Fresh);
    }
    let (hash, status, body, headers): (
        Vec<u8>,
        Option<i16>,
        Option<Vec<u8>>,
        Option<serde_json::Value>,
    ) = idempotency_keys::table
        .find((scope, key))
        .select((
            idempotency_keys::request_hash,
            idempotency_keys::status,
            idempotency_keys::response_body,
            idempotency_keys::response_headers,
        ))
        .first(conn)
        .await?;
    if hash != request_hash {
        return Ok(Begin::Mismatch);
    }
    match (status, body) {
        (Some(status), Some(body)) => Ok(Begin::Replay {
            status: status as u16,
            body,
            headers: headers.unwrap_or(serde_json::Value::Null),
        }),
        _ => Ok(Begin::InFlight),
    }
}

pub async fn finish(
    conn: &mut AsyncPgConnection,
    scope: &str,
    key: &str,
    status: u16,
    body: &[u8],
    headers: &serde_json::Value,
) -> QueryResult<()> {
    diesel::update(idempotency_keys::table.find((scope, key)))
        .set((
            idempotency_keys::status.eq(status as i16),
            idempotency_keys::response_body.eq(body),
            idempotency_keys::response_headers.eq(headers),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Forgets a key whose request failed on the server's side, so that a retry runs again.
pub async fn abandon(conn: &mut AsyncPgConnection, scope: &str, key: &str) -> QueryResult<()> {
    diesel::delete(idempotency_keys::table.find((scope, key)))
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn prune(conn: &mut AsyncPgConnection) -> QueryResult<usize> {
    diesel::delete(
        idempotency_keys::table.filter(
            idempotency_keys::created_at.lt(chrono::Utc::now() - chrono::Duration::hours(24)),
        ),
    )
    .execute(conn)
    .await
}
