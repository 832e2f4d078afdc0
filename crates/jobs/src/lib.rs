//! The background-job worker: claims due jobs from the durable queue (any
//! [`haven_domain::jobs::JobQueue`]), runs each with the handler registered for its kind and
//! records the outcome.
//!
//! One worker runs up to `concurrency` jobs at a time. When it has room it claims as many due
//! jobs as it has room for, each for a lease; when the queue is empty it waits for the poll
//! interval, or less when someone calls `notify_one` on [`WorkerOptions::wake`]. Several
//! instances may run workers on one database: a job is claimed by one of them at a time, and
//! a job whose worker died is claimed again when its lease ends. A lease must therefore be
//! longer than the longest run of any kind.
//!
//! Stopping (cancel the token): no more claims; running jobs finish and are recorded, then the
//! task ends. A caller that cannot wait that long aborts the task, which aborts the runs;
//! their jobs are claimed again when their leases end.

use std::{collections::HashMap, sync::Arc, time::Duration};

use haven_domain::jobs::{ClaimedJob, JobHandler, JobKind, JobQueue, Outcome};
use tokio::{sync::Notify, task::JoinHandle, task::JoinSet};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

/// How the worker behaves.
#[derive(Debug, Clone)]
pub struct WorkerOptions {
    /// Time between two looks at the queue when it is idle.
    pub poll_interval: Duration,
    /// Jobs run at the same time.
    pub concurrency: usize,
    /// How long a claim lasts; longer than any run takes.
    pub lease: Duration,
    /// Poke (`notify_one`) after enqueueing to have the job run without waiting for the poll.
    pub wake: Arc<Notify>,
    /// This worker's name in `locked_by`, for operators.
    pub worker_id: String,
}

impl Default for WorkerOptions {
    /// Poll every second, 4 jobs at a time, a 5-minute lease.
    fn default() -> Self {
        let random = uuid::Uuid::new_v4().simple().to_string();
        Self {
            poll_interval: Duration::from_secs(1),
            concurrency: 4,
            lease: Duration::from_secs(300),
            wake: Arc::new(Notify::new()),
            worker_id: format!("pid{}-{}", std::process::id(), &random[..8]),
        }
    }
}

impl WorkerOptions {
    #[must_use]
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval;
        self
    }

    #[must_use]
    pub fn concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency.max(1);
        self
    }

    #[must_use]
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }
}

/// The handler of each kind this worker runs; it claims only these kinds.
#[derive(Clone, Default)]
pub struct Registry {
    handlers: HashMap<JobKind, Arc<dyn JobHandler>>,
}

impl Registry {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) the handler of `handler.kind()`.
    #[must_use]
    pub fn with(mut self, handler: impl JobHandler + 'static) -> Self {
        self.handlers.insert(handler.kind(), Arc::new(handler));
        self
    }

    /// The kinds with a handler, in a stable order.
    #[must_use]
    pub fn kinds(&self) -> Vec<JobKind> {
        let mut kinds: Vec<JobKind> = self.handlers.keys().copied().collect();
        kinds.sort();
        kinds
    }

    fn handler(&self, kind: JobKind) -> Option<Arc<dyn JobHandler>> {
        self.handlers.get(&kind).cloned()
    }
}

/// Starts the worker on the current tokio runtime. It runs until `shutdown` is cancelled and
/// its running jobs are done; await the handle to know it has stopped.
pub fn spawn_worker<Q>(
    queue: Q,
    registry: Registry,
    options: WorkerOptions,
    shutdown: CancellationToken,
) -> JoinHandle<()>
where
    Q: JobQueue + Send + Sync + 'static,
{
    tokio::spawn(run_worker(Arc::new(queue), registry, options, shutdown))
}

async fn run_worker<Q>(
    queue: Arc<Q>,
    registry: Registry,
    options: WorkerOptions,
    shutdown: CancellationToken,
) where
    Q: JobQueue + Send + Sync + 'static,
{
    let kinds = registry.kinds();
    let worker = options.worker_id.as_str();
    tracing::debug!(worker, ?kinds, "job worker started");
    let mut running = JoinSet::new();
    while !shutdown.is_cancelled() {
        while let Some(finished) = running.try_join_next() {
            report_panic(finished);
        }
        let room = options.concurrency.saturating_sub(running.len());
        // Claim in batches: once half the slots are free (or none is busy), not per finished
        // job, so a busy queue costs fewer claim statements.
        let worth_claiming = room > 0 && (room * 2 >= options.concurrency || running.is_empty());
        let mut idle = false;
        if worth_claiming {
            let wanted = u32::try_from(room).unwrap_or(u32::MAX);
            match queue.claim(worker, &kinds, wanted, options.lease).await {
                Ok(jobs) => {
                    idle = jobs.len() < room;
                    for job in jobs {
                        match registry.handler(job.kind) {
                            Some(handler) => {
                                running.spawn(run_one(queue.clone(), handler, job));
                            }
                            // Only registered kinds are claimed; left to its lease otherwise.
                            None => {
                                tracing::warn!(job.id = %job.id, job.kind = job.kind.as_str(), "no handler for a claimed job")
                            }
                        }
                    }
                }
                Err(err) => {
                    tracing::warn!(error = %err, "could not claim jobs");
                    idle = true;
                }
            }
        }
        if idle {
            tokio::select! {
                () = shutdown.cancelled() => break,
                () = tokio::time::sleep(options.poll_interval) => {}
                () = options.wake.notified() => {}
            }
        } else if !worth_claiming || running.len() >= options.concurrency {
            // Busy: wait for a slot.
            tokio::select! {
                () = shutdown.cancelled() => break,
                finished = running.join_next() => {
                    if let Some(finished) = finished {
                        report_panic(finished);
                    }
                }
            }
        }
        // Otherwise a full batch was claimed with room left: there may be more, claim again.
    }
    // Let the running jobs finish and record their outcome.
    while let Some(finished) = running.join_next().await {
        report_panic(finished);
    }
    tracing::debug!(worker, "job worker stopped");
}

/// A handler that panicked leaves its job running until the lease ends; then it is retried.
fn report_panic(finished: Result<(), tokio::task::JoinError>) {
    if let Err(err) = finished {
        if err.is_panic() {
            tracing::error!("a job handler panicked; the job runs again when its lease ends");
        }
    }
}

async fn run_one<Q: JobQueue>(queue: Arc<Q>, handler: Arc<dyn JobHandler>, job: ClaimedJob) {
    let span = tracing::info_span!(
        "job.run",
        job.id = %job.id,
        job.kind = job.kind.as_str(),
        attempt = job.attempt,
    );
    async move {
        let started = tokio::time::Instant::now();
        let result = handler.run(&job).await;
        let millis = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        match queue.record(&job, &result).await {
            Ok(Outcome::Succeeded) => tracing::debug!(millis, "job succeeded"),
            Ok(Outcome::Retrying(at)) => tracing::info!(
                millis, error = %result.as_ref().err().map(ToString::to_string).unwrap_or_default(),
                next_run_at = %at, "job failed; will retry"
            ),
            Ok(Outcome::Dead) => tracing::warn!(
                millis, error = %result.as_ref().err().map(ToString::to_string).unwrap_or_default(),
                "job failed; dead"
            ),
            Ok(Outcome::Stale) => tracing::info!(
                millis,
                "job finished after its lease ended; another worker has it now"
            ),
            Err(err) => tracing::warn!(
                error = %err,
                "could not record the job's outcome; it runs again when its lease ends"
            ),
        }
    }
    .instrument(span)
    .await;
}
