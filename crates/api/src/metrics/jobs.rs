//! Counting finished background jobs: the worker's queue, wrapped.
//!
//! The worker records every outcome through its queue port, so wrapping the queue counts them
//! without the worker or the handlers knowing about metrics.

use std::time::Duration;

use haven_domain::{
    jobs::{ClaimedJob, JobError, JobKind, JobQueue, Outcome},
    DomainResult,
};

use super::{job_finished, JobOutcome};

/// A [`JobQueue`] that counts the outcomes it records, by kind.
pub struct CountingJobQueue<Q>(pub Q);

impl<Q: JobQueue + Sync> JobQueue for CountingJobQueue<Q> {
    async fn claim(
        &self,
        worker: &str,
        kinds: &[JobKind],
        limit: u32,
        lease: Duration,
    ) -> DomainResult<Vec<ClaimedJob>> {
        self.0.claim(worker, kinds, limit, lease).await
    }

    async fn record(
        &self,
        job: &ClaimedJob,
        result: &Result<(), JobError>,
    ) -> DomainResult<Outcome> {
        let outcome = self.0.record(job, result).await?;
        let counted = match outcome {
            Outcome::Succeeded => Some(JobOutcome::Succeeded),
            Outcome::Retrying(_) => Some(JobOutcome::Retried),
            Outcome::Dead => Some(JobOutcome::Dead),
            // Another worker owns the job now; its outcome is counted there.
            Outcome::Stale => None,
        };
        if let Some(counted) = counted {
            job_finished(job.kind.as_str(), counted);
        }
        Ok(outcome)
    }
}
