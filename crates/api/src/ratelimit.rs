//! Fixed-window rate limits counted in PostgreSQL, so that a limit holds for
//! the whole deployment however many instances serve it.

use crate::error::ApiError;
use crate::state::AppState;

#[derive(Debug, Clone, Copy)]
pub struct RateInfo {
    pub limit: u32,
    pub remaining: u32,
    /// Seconds until the window resets.
    pub reset: u64,
}

impl RateInfo {
    /// The 429 of a request over this limit, with `Retry-After` and `RateLimit-*`.
    pub fn refused(self, detail: String) -> ApiError {
        ApiError::TooManyRequests {
            retry_after: self.reset,
            detail,
            limit: Some(self.limit),
        }
    }
}

/// Counts one request for `key` on a connection of its own, given back before
/// it returns: `Ok` within `limit` a minute, `Err` above it. Never call it
/// while holding another pool connection; use [`hit`] with that one instead.
pub async fn hit_now(
    state: &AppState,
    key: &str,
    limit: u32,
) -> Result<Result<RateInfo, RateInfo>, ApiError> {
    let mut conn = state.conn().await?;
    hit(&mut conn, key, limit).await
}

/// Counts one request for `key` on the caller's connection.
pub async fn hit(
    conn: &mut rapport_db::Conn,
    key: &str,
    limit: u32,
) -> Result<Result<RateInfo, RateInfo>, ApiError> {
    let (hits, reset) = rapport_db::rate_limits::hit(conn, key, 60).await?;
    let hits = hits.max(0) as u32;
    let info = RateInfo {
        limit,
        remaining: limit.saturating_sub(hits),
        reset: reset.ceil().max(1.0) as u64,
    };
    Ok(if hits > limit { Err(info) } else { Ok(info) })
}
