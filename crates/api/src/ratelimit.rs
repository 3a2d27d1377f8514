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

/// How many requests of an API key with `limit` a minute an instance takes
/// from the database's count at once: a twentieth of the limit, 1 to 50. A
/// small limit is so counted exactly, request by request.
pub fn lease_size(limit: u32) -> i32 {
    (limit / 20).clamp(1, 50) as i32
}

/// The requests this instance has taken from API keys' windows and not yet
/// spent ([`rapport_db::rate_limits::lease_key`]): a key's request is
/// counted here, in memory, until its lease is spent or its window ends.
#[derive(Default)]
pub struct KeyLeases(std::sync::Mutex<std::collections::HashMap<uuid::Uuid, Lease>>);

struct Lease {
    /// When the window the requests were taken from ends.
    until: std::time::Instant,
    /// The window's count before them.
    before: i32,
    granted: i32,
    spent: i32,
}

impl KeyLeases {
    /// Spends one request of `key`'s lease, if one is on hand: the window's
    /// count with it, and the seconds until the window ends.
    pub fn spend(&self, key: uuid::Uuid) -> Option<(i32, f64)> {
        let now = std::time::Instant::now();
        let mut leases = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let lease = leases.get_mut(&key)?;
        if now >= lease.until || lease.spent >= lease.granted {
            return None;
        }
        lease.spent += 1;
        Some((
            lease.before + lease.spent,
            (lease.until - now).as_secs_f64(),
        ))
    }

    /// Keeps what was taken for `key` (the window's count `before` the
    /// taking, `taken` requests, `reset` seconds left) with `limit`, and
    /// spends one for the request that took it: the window's count with it,
    /// over `limit` when nothing was left. What another request of the key
    /// took at the same moment, and has not spent, is kept with it, so that
    /// nothing taken is lost before its window ends.
    pub fn take(&self, key: uuid::Uuid, before: i32, taken: i32, limit: u32, reset: f64) -> i32 {
        let granted = (i32::try_from(limit).unwrap_or(i32::MAX) - before).clamp(0, taken);
        let now = std::time::Instant::now();
        let mut leases = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(lease) = leases.get_mut(&key) {
            if now < lease.until && lease.spent < lease.granted {
                // Counted from the earlier of the two takings, whichever
                // reached here first: what both were granted then ends at
                // the limit at most, so none of it is refused as over it.
                lease.before = lease.before.min(before);
                lease.granted += granted;
                lease.spent += 1;
                return lease.before + lease.spent;
            }
        }
        if granted == 0 {
            return before.max(0).saturating_add(taken);
        }
        if leases.len() >= 10_000 {
            leases.retain(|_, l| l.until > now);
        }
        leases.insert(
            key,
            Lease {
                until: now + std::time::Duration::from_secs_f64(reset.max(0.0)),
                before,
                granted,
                spent: 1,
            },
        );
        before + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lease_is_spent_one_request_at_a_time_then_refills() {
        let leases = KeyLeases::default();
        let key = uuid::Uuid::now_v7();
        assert_eq!(leases.spend(key), None, "nothing taken yet");
        assert_eq!(leases.take(key, 0, 5, 100, 30.0), 1);
        for hits in 2..=5 {
            assert_eq!(leases.spend(key).map(|(h, _)| h), Some(hits));
        }
        assert_eq!(leases.spend(key), None, "spent");
        assert_eq!(leases.take(key, 5, 5, 100, 29.0), 6);
        assert!(leases.spend(key).unwrap().1 <= 29.0);
    }

    #[test]
    fn no_more_than_the_limit_is_granted() {
        let leases = KeyLeases::default();
        let key = uuid::Uuid::now_v7();
        // 7 left of 10: three of the five taken are granted.
        assert_eq!(leases.take(key, 7, 5, 10, 30.0), 8);
        assert_eq!(leases.spend(key).map(|(h, _)| h), Some(9));
        assert_eq!(leases.spend(key).map(|(h, _)| h), Some(10));
        assert_eq!(leases.spend(key), None);
        // Nothing left: over the limit, refused by `judge`.
        let hits = leases.take(key, 12, 5, 10, 30.0);
        assert!(judge(hits, 30.0, 10).is_err());
        assert_eq!(leases.spend(key), None);
    }

    #[test]
    fn what_two_requests_take_at_once_is_kept_together() {
        let leases = KeyLeases::default();
        let key = uuid::Uuid::now_v7();
        assert_eq!(leases.take(key, 0, 5, 100, 30.0), 1);
        // Another request took five more before the first five were spent.
        assert_eq!(leases.take(key, 5, 5, 100, 30.0), 2);
        let spent = std::iter::from_fn(|| leases.spend(key)).count();
        assert_eq!(spent, 8, "ten taken, two spent by the takers");
    }

    #[test]
    fn the_last_of_a_limit_taken_out_of_order_is_all_answered() {
        // The window's last ten, taken by two requests whose takings reach
        // the instance in the other order: every one is within the limit.
        let leases = KeyLeases::default();
        let key = uuid::Uuid::now_v7();
        assert_eq!(leases.take(key, 95, 5, 100, 30.0), 96);
        assert_eq!(leases.take(key, 90, 5, 100, 30.0), 92);
        let hits: Vec<i32> = std::iter::from_fn(|| leases.spend(key))
            .map(|(h, _)| h)
            .collect();
        assert_eq!(hits, [93, 94, 95, 96, 97, 98, 99, 100]);
    }

    #[test]
    fn a_lease_ends_with_its_window() {
        let leases = KeyLeases::default();
        let key = uuid::Uuid::now_v7();
        assert_eq!(leases.take(key, 0, 5, 100, 0.0), 1);
        assert_eq!(leases.spend(key), None, "the window has ended");
    }

    #[test]
    fn lease_sizes_follow_the_limit() {
        assert_eq!(lease_size(3), 1);
        assert_eq!(lease_size(100), 5);
        assert_eq!(lease_size(600), 30);
        assert_eq!(lease_size(1_000_000), 50);
    }
}
