//! Counting delivered and failed email: the delivery worker's queue, wrapped.
//!
//! The worker reports every outcome to its queue, so wrapping the queue counts them without
//! the mailer knowing about metrics.

use std::time::Duration;

use haven_domain::{
    mail::{MailQueue, QueuedMail, RetryOutcome},
    DomainResult,
};

use super::{job_finished, JobOutcome};

/// Job kind of outgoing email in [`job_finished`].
pub const MAIL: &str = "mail";

/// A [`MailQueue`] that counts the outcomes it records.
pub struct CountingMailQueue<Q>(pub Q);

impl<Q: MailQueue + Sync> MailQueue for CountingMailQueue<Q> {
    async fn claim_due(&self, limit: u32, lease: Duration) -> DomainResult<Vec<QueuedMail>> {
        self.0.claim_due(limit, lease).await
    }

    async fn mark_sent(&self, mail: &QueuedMail) -> DomainResult<bool> {
        let recorded = self.0.mark_sent(mail).await?;
        if recorded {
            job_finished(MAIL, JobOutcome::Sent);
        }
        Ok(recorded)
    }

    async fn mark_retry(&self, mail: &QueuedMail, error: &str) -> DomainResult<RetryOutcome> {
        let outcome = self.0.mark_retry(mail, error).await?;
        match outcome {
            RetryOutcome::Scheduled(_) => job_finished(MAIL, JobOutcome::Retried),
            RetryOutcome::GaveUp => job_finished(MAIL, JobOutcome::Failed),
            RetryOutcome::Stale => {}
        }
        Ok(outcome)
    }

    async fn mark_failed(&self, mail: &QueuedMail, error: &str) -> DomainResult<bool> {
        let recorded = self.0.mark_failed(mail, error).await?;
        if recorded {
            job_finished(MAIL, JobOutcome::Failed);
        }
        Ok(recorded)
    }
}
