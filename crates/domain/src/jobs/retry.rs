//! How often and how soon a failed job is tried again.

use std::time::Duration;

/// Retry policy of one job kind: exponential backoff with jitter, capped, and a limit on
/// attempts after which the job is dead.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included; after the last failed one the job is dead.
    pub max_attempts: u32,
    /// Wait after the first failed attempt; doubled after each further one.
    pub first_delay: Duration,
    /// The longest wait between two attempts (before jitter).
    pub max_delay: Duration,
    /// Fraction (0–1) by which a delay is spread at random either way, so that jobs failing
    /// together (a relay that was down) do not all come back in the same instant.
    pub jitter: f64,
}

impl RetryPolicy {
    /// The wait before the next attempt after `attempts` failed ones, without jitter
    /// (first, 2×first, 4×first, … capped at `max_delay`).
    #[must_use]
    pub fn base_delay(&self, attempts: u32) -> Duration {
        let doublings = attempts.saturating_sub(1).min(30);
        self.first_delay
            .saturating_mul(1u32 << doublings)
            .min(self.max_delay)
    }

    /// [`Self::base_delay`] spread by the jitter; `unit` is a number in `[0, 1)` (random in
    /// production, fixed in tests): 0 gives the shortest wait, towards 1 the longest.
    #[must_use]
    pub fn delay(&self, attempts: u32, unit: f64) -> Duration {
        let base = self.base_delay(attempts).as_secs_f64();
        let jitter = self.jitter.clamp(0.0, 1.0);
        let factor = 1.0 - jitter + 2.0 * jitter * unit.clamp(0.0, 1.0);
        Duration::try_from_secs_f64(base * factor).unwrap_or(self.max_delay)
    }

    /// [`Self::delay`] with a random spread.
    #[must_use]
    pub fn jittered_delay(&self, attempts: u32) -> Duration {
        self.delay(attempts, rand::random::<f64>())
    }

    /// Whether a job that has had `attempts` attempts may have another.
    #[must_use]
    pub fn may_retry(&self, attempts: u32) -> bool {
        attempts < self.max_attempts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: RetryPolicy = RetryPolicy {
        max_attempts: 8,
        first_delay: Duration::from_secs(30),
        max_delay: Duration::from_secs(3600),
        jitter: 0.1,
    };

    #[test]
    fn the_delay_doubles_and_stops_at_the_cap() {
        let secs: Vec<u64> = (1..=9).map(|a| POLICY.base_delay(a).as_secs()).collect();
        assert_eq!(secs, vec![30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
        assert_eq!(POLICY.base_delay(0).as_secs(), 30);
        assert_eq!(POLICY.base_delay(u32::MAX), POLICY.max_delay);
    }

    #[test]
    fn jitter_spreads_the_delay_either_way_within_its_fraction() {
        assert_eq!(POLICY.delay(1, 0.0), Duration::from_secs(27));
        assert_eq!(POLICY.delay(1, 0.5), Duration::from_secs(30));
        assert!(POLICY.delay(1, 0.999_999) <= Duration::from_secs(33));
        for _ in 0..100 {
            let d = POLICY.jittered_delay(2);
            assert!(
                d >= Duration::from_secs(54) && d <= Duration::from_secs(66),
                "{d:?}"
            );
        }
    }

    #[test]
    fn the_last_attempt_allows_no_retry() {
        assert!(POLICY.may_retry(7));
        assert!(!POLICY.may_retry(8));
    }
}
