//! Fixed-window rate limits counted in PostgreSQL, so that a limit holds for
//! the whole deployment however many instances serve it.

use crate::error::ApiError;

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
/// it returns: `Ok` within `limit` a minute, `Err` above it. For middleware
/// that runs while the request holds no connection; handlers use [`hit`]
/// with the request's own (see [`crate::extract::Db`]).
pub async fn hit_now(
    pool: &rapport_db::Pool,
    key: &str,
    limit: u32,
) -> Result<Result<RateInfo, RateInfo>, ApiError> {
    let mut conn = pool.get().await?;
    hit(&mut conn, key, limit).await
}

/// Counts one request for `key` on the caller's connection.
pub async fn hit(
    conn: &mut rapport_db::Conn,
    key: &str,
    limit: u32,
) -> Result<Result<RateInfo, RateInfo>, ApiError> {
    let (hits, reset) = rapport_db::rate_limits::hit(conn, key, 60).await?;
    Ok(judge(hits, reset, limit))
}

/// Whether a count of `hits` in a window ending in `reset` seconds is within `limit`.
pub fn judge(hits: i32, reset: f64, limit: u32) -> Result<RateInfo, RateInfo> {
    let hits = hits.max(0) as u32;
    let info = RateInfo {
        limit,
        remaining: limit.saturating_sub(hits),
        reset: reset.ceil().max(1.0) as u64,
    };
    if hits > limit {
        Err(info)
    } else {
        Ok(info)
    }
}
