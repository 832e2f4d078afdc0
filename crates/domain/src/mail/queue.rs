//! The durable outbox: the port the delivery worker uses, and the retry policy.
//!
//! Messages are put in the queue by the persistence layer inside the transaction of the change
//! that caused them (so a rolled-back registration sends nothing). A delivery worker claims due
//! messages for a lease, sends them and reports the outcome. Several instances may share one
//! queue: a message is claimed by one of them at a time.

use std::time::Duration;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::OutgoingMail;
use crate::DomainResult;

/// Delivery attempts before a message is given up (status `failed`).
pub const MAX_ATTEMPTS: u32 = 8;
/// Wait after the first failed attempt; doubled after each further one.
pub const FIRST_RETRY_DELAY: Duration = Duration::from_secs(30);
/// The longest wait between two attempts.
pub const MAX_RETRY_DELAY: Duration = Duration::from_secs(60 * 60);

/// How long to wait before the next attempt, after `attempts` attempts have failed
/// (30 s, 1 min, 2 min, … capped at one hour).
#[must_use]
pub fn retry_delay(attempts: u32) -> Duration {
    let doublings = attempts.saturating_sub(1).min(16);
    FIRST_RETRY_DELAY
        .saturating_mul(1 << doublings)
        .min(MAX_RETRY_DELAY)
}

/// A message claimed for delivery. `attempt` (1 for the first try) identifies the claim: the
/// outcome is only recorded while the claim is still the current one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedMail {
    pub id: Uuid,
    pub attempt: u32,
    pub mail: OutgoingMail,
}

/// What a failed attempt led to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryOutcome {
    /// Another attempt is due at this time.
    Scheduled(DateTime<Utc>),
    /// That was the last attempt; the message is now `failed`.
    GaveUp,
    /// The claim had expired and another worker took the message over; nothing was recorded.
    Stale,
}

/// Port: the queue of outgoing messages, as the delivery worker sees it.
pub trait MailQueue {
    /// Claims up to `limit` due messages for `lease`: pending ones whose time has come, and
    /// ones whose previous claim expired (a worker that died mid-send). Each claim counts as an
    /// attempt. A message is never handed to two callers for the same lease, even across
    /// instances sharing the database.
    ///
    /// # Errors
    /// [`crate::DomainError::Unexpected`] when the store cannot be reached.
    fn claim_due(
        &self,
        limit: u32,
        lease: Duration,
    ) -> impl std::future::Future<Output = DomainResult<Vec<QueuedMail>>> + Send;

    /// Records a successful delivery. Returns false when the claim was no longer current.
    ///
    /// # Errors
    /// [`crate::DomainError::Unexpected`] when the store cannot be reached.
    fn mark_sent(
        &self,
        mail: &QueuedMail,
    ) -> impl std::future::Future<Output = DomainResult<bool>> + Send;

    /// Records a temporary failure: the message is retried after [`retry_delay`], or given up
    /// after [`MAX_ATTEMPTS`]. `error` is kept for operators and never shown to users.
    ///
    /// # Errors
    /// [`crate::DomainError::Unexpected`] when the store cannot be reached.
    fn mark_retry(
        &self,
        mail: &QueuedMail,
        error: &str,
    ) -> impl std::future::Future<Output = DomainResult<RetryOutcome>> + Send;

    /// Records a permanent failure (e.g. the server rejected the recipient): no more attempts.
    /// Returns false when the claim was no longer current.
    ///
    /// # Errors
    /// [`crate::DomainError::Unexpected`] when the store cannot be reached.
    fn mark_failed(
        &self,
        mail: &QueuedMail,
        error: &str,
    ) -> impl std::future::Future<Output = DomainResult<bool>> + Send;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_delay_doubles_from_thirty_seconds_and_stops_at_an_hour() {
        let secs: Vec<u64> = (1..=9).map(|a| retry_delay(a).as_secs()).collect();

        assert_eq!(secs, vec![30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
        assert_eq!(retry_delay(0).as_secs(), 30);
        assert_eq!(retry_delay(u32::MAX), MAX_RETRY_DELAY);
    }
}
