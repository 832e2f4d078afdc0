//! Fixed-window request counters in memory, for limits that must not cost a database round
//! trip on every request: per connection (its API calls) and at the token endpoint (per client
//! id and per address). Each instance counts for itself, so with several instances behind a
//! balancer a client gets up to the limit at each of them.

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

/// Windows are this long unless a limiter says otherwise.
const WINDOW: Duration = Duration::from_secs(60);
/// Above this many keys, ended windows are dropped on the next check.
const PRUNE_ABOVE: usize = 10_000;

/// Counts requests per key in fixed windows (a minute, or an hour).
#[derive(Debug)]
pub struct RateLimiter {
    limit: u32,
    window: Duration,
    windows: Mutex<HashMap<String, (Instant, u32)>>,
}

impl RateLimiter {
    /// At most `limit` requests per key and minute; 0 means no limit.
    #[must_use]
    pub fn per_minute(limit: u32) -> Self {
        Self {
            limit,
            window: WINDOW,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// At most `limit` requests per key and hour; 0 means no limit.
    #[must_use]
    pub fn per_hour(limit: u32) -> Self {
        Self {
            window: Duration::from_secs(60 * 60),
            ..Self::per_minute(limit)
        }
    }

    /// Counts a request for `key`: `Ok` when it is within the limit, otherwise the seconds
    /// until the window ends (for `Retry-After`, at least 1).
    ///
    /// # Errors
    /// The seconds to wait.
    pub fn check(&self, key: &str) -> Result<(), u64> {
        self.check_at(key, Instant::now())
    }

    fn check_at(&self, key: &str, now: Instant) -> Result<(), u64> {
        if self.limit == 0 {
            return Ok(());
        }
        let mut windows = self
            .windows
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if windows.len() > PRUNE_ABOVE {
            windows.retain(|_, (start, _)| now.duration_since(*start) < self.window);
        }
        let entry = windows.entry(key.to_owned()).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        if entry.1 >= self.limit {
            let left = self.window.saturating_sub(now.duration_since(entry.0));
            return Err(left.as_secs().max(1));
        }
        entry.1 += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_holds_per_key_and_resets_with_the_window() {
        let limiter = RateLimiter::per_minute(2);
        let start = Instant::now();
        assert!(limiter.check_at("a", start).is_ok());
        assert!(limiter.check_at("a", start).is_ok());
        let wait = limiter.check_at("a", start + Duration::from_secs(10));
        assert_eq!(wait, Err(50));
        assert!(limiter.check_at("b", start).is_ok(), "keys are apart");
        assert!(
            limiter.check_at("a", start + WINDOW).is_ok(),
            "a new window"
        );
    }

    #[test]
    fn zero_means_no_limit() {
        let limiter = RateLimiter::per_minute(0);
        for _ in 0..1000 {
            assert!(limiter.check("a").is_ok());
        }
    }
}
