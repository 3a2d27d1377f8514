//! Fixed-window rate limits kept in memory, per instance.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy)]
pub struct RateInfo {
    pub limit: u32,
    pub remaining: u32,
    /// Seconds until the window resets.
    pub reset: u64,
}

#[derive(Default)]
pub struct RateLimiter {
    windows: Mutex<HashMap<String, (Instant, u32)>>,
}

impl RateLimiter {
    /// Counts one request for `key`; `Err` when over `limit` in the current window.
    pub fn hit(&self, key: &str, limit: u32, window: Duration) -> Result<RateInfo, RateInfo> {
        let now = Instant::now();
        let mut map = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() > 100_000 {
            map.retain(|_, (start, _)| now.duration_since(*start) < window);
        }
        let entry = map.entry(key.to_string()).or_insert((now, 0));
        if now.duration_since(entry.0) >= window {
            *entry = (now, 0);
        }
        let reset = window
            .saturating_sub(now.duration_since(entry.0))
            .as_secs()
            .max(1);
        if entry.1 >= limit {
            return Err(RateInfo {
                limit,
                remaining: 0,
                reset,
            });
        }
        entry.1 += 1;
        Ok(RateInfo {
            limit,
            remaining: limit - entry.1,
            reset,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_within_a_window_and_refuses_above_the_limit() {
        let l = RateLimiter::default();
        let w = Duration::from_secs(60);
        assert_eq!(l.hit("a", 2, w).map(|i| i.remaining).ok(), Some(1));
        assert_eq!(l.hit("a", 2, w).map(|i| i.remaining).ok(), Some(0));
        assert!(l.hit("a", 2, w).is_err());
        assert!(l.hit("b", 2, w).is_ok());
    }
}
