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

/// Counts one request for `key`: `Ok` within `limit` a minute, `Err` above it.
pub async fn hit(
    state: &AppState,
    key: &str,
    limit: u32,
) -> Result<Result<RateInfo, RateInfo>, ApiError> {
    let mut conn = state.conn().await?;
    let (hits, reset) = rapport_db::rate_limits::hit(&mut conn, key, 60).await?;
    let hits = hits.max(0) as u32;
    let info = RateInfo {
        limit,
        remaining: limit.saturating_sub(hits),
        reset: reset.ceil().max(1.0) as u64,
    };
    Ok(if hits > limit { Err(info) } else { Ok(info) })
}
