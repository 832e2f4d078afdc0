//! The job worker against the real queue (SQLite, or PostgreSQL when HAVEN_TEST_DATABASE_URL is
//! set), with two instances as two connection pools on one database.

#![allow(clippy::unwrap_used)]

use std::{
    collections::HashMap,
    future::Future,
    sync::{Arc, Mutex},
    time::Duration,
};

use chrono::{TimeDelta, Utc};
use haven_domain::jobs::{
    ClaimedJob, HandlerFuture, JobAdmin, JobCount, JobError, JobHandler, JobKind, JobStatus, NewJob,
};
use haven_jobs::{spawn_worker, Registry, WorkerOptions};
use haven_persistence::{jobs, testing::TestDatabase, Database};
use sea_orm::TransactionTrait;
use serde_json::json;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// A `noop`-kind handler doing whatever the test says.
struct TestHandler<F>(F);

impl<F, Fut> JobHandler for TestHandler<F>
where
    F: Fn(ClaimedJob) -> Fut + Send + Sync,
    Fut: Future<Output = Result<(), JobError>> + Send + 'static,
{
    fn kind(&self) -> JobKind {
        JobKind::Noop
    }

    fn run<'a>(&'a self, job: &'a ClaimedJob) -> HandlerFuture<'a> {
        Box::pin((self.0)(job.clone()))
    }
}

/// How many times each job ran.
#[derive(Clone, Default)]
struct Runs(Arc<Mutex<HashMap<Uuid, u32>>>);

impl Runs {
    fn add(&self, id: Uuid) -> u32 {
        let mut runs = self.0.lock().unwrap();
        let n = runs.entry(id).or_default();
        *n += 1;
        *n
    }

    fn of(&self, id: Uuid) -> u32 {
        self.0.lock().unwrap().get(&id).copied().unwrap_or(0)
    }

    fn snapshot(&self) -> HashMap<Uuid, u32> {
        self.0.lock().unwrap().clone()
    }
}

fn options() -> WorkerOptions {
    WorkerOptions::default()
        .poll_interval(Duration::from_millis(20))
        .concurrency(4)
}

fn start<F, Fut>(db: &Database, options: WorkerOptions, handler: F) -> Worker
where
    F: Fn(ClaimedJob) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), JobError>> + Send + 'static,
{
    let shutdown = CancellationToken::new();
    let handle = spawn_worker(
        db.clone(),
        Registry::new().with(TestHandler(handler)),
        options,
        shutdown.clone(),
    );
    Worker { shutdown, handle }
}

struct Worker {
    shutdown: CancellationToken,
    handle: tokio::task::JoinHandle<()>,
}

impl Worker {
    async fn stop(self) {
        self.shutdown.cancel();
        tokio::time::timeout(Duration::from_secs(10), self.handle)
            .await
            .expect("the worker stops when told")
            .unwrap();
    }
}

async fn eventually<F, Fut>(what: &str, timeout: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    while tokio::time::Instant::now() < deadline {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("timed out waiting until {what}");
}

async fn status(db: &Database, id: Uuid) -> JobStatus {
    db.job(id).await.unwrap().unwrap().status
}

async fn succeeded(db: &Database) -> u64 {
    db.job_counts()
        .await
        .unwrap()
        .iter()
        .find(|c| c.kind == JobKind::Noop && c.status == JobStatus::Succeeded)
        .map_or(0, |c: &JobCount| c.count)
}

#[tokio::test]
async fn two_worker_instances_never_run_a_job_twice() {
    const JOBS: usize = 2_000;
    let test_db = TestDatabase::new().await;
    let other_instance = Database::connect(&test_db.url, 4).await.unwrap();
    for chunk in 0..JOBS / 500 {
        let txn = test_db.connection().begin().await.unwrap();
        for n in 0..500 {
            jobs::enqueue(
                &txn,
                NewJob::new(JobKind::Noop, json!({"n": chunk * 500 + n})),
            )
            .await
            .unwrap();
        }
        txn.commit().await.unwrap();
    }
    let runs = Runs::default();
    let by_instance = [Runs::default(), Runs::default()];
    let workers: Vec<Worker> = [&test_db.db, &other_instance]
        .into_iter()
        .enumerate()
        .map(|(i, db)| {
            let (runs, mine) = (runs.clone(), by_instance[i].clone());
            start(db, options(), move |job| {
                let (runs, mine) = (runs.clone(), mine.clone());
                async move {
                    runs.add(job.id);
                    mine.add(job.id);
                    // Let the other instance interleave.
                    tokio::task::yield_now().await;
                    Ok(())
                }
            })
        })
        .collect();

    eventually("every job succeeded", Duration::from_secs(240), || async {
        succeeded(&test_db.db).await == JOBS as u64
    })
    .await;
    for worker in workers {
        worker.stop().await;
    }

    let runs = runs.snapshot();
    assert_eq!(
        runs.len(),
        JOBS,
        "every job ran on {}",
        test_db.backend_name()
    );
    let twice: Vec<_> = runs.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "ran more than once: {twice:?}");
    println!(
        "{}: instance 1 ran {}, instance 2 ran {}",
        test_db.backend_name(),
        by_instance[0].snapshot().len(),
        by_instance[1].snapshot().len()
    );
}

#[tokio::test]
async fn a_job_whose_worker_was_killed_mid_run_runs_again_after_its_lease() {
    let test_db = TestDatabase::new().await;
    let other_instance = Database::connect(&test_db.url, 4).await.unwrap();
    let lease = Duration::from_secs(2);
    let started = Arc::new(tokio::sync::Notify::new());
    let signal = started.clone();
    let dying = start(&test_db.db, options().lease(lease), move |_job| {
        let signal = signal.clone();
        async move {
            signal.notify_one();
            // Hangs until the worker is killed.
            std::future::pending::<()>().await;
            Ok(())
        }
    });
    let id = test_db
        .db
        .enqueue_job(NewJob::new(JobKind::Noop, json!({})))
        .await
        .unwrap()
        .unwrap();
    tokio::time::timeout(Duration::from_secs(10), started.notified())
        .await
        .expect("the first worker started the job");
    let killed_at = Utc::now();
    dying.handle.abort();
    assert!(dying.handle.await.unwrap_err().is_cancelled());

    let runs = Runs::default();
    let counted = runs.clone();
    let survivor = start(&other_instance, options().lease(lease), move |job| {
        let runs = counted.clone();
        async move {
            runs.add(job.id);
            Ok(())
        }
    });
    eventually("the job ran again", Duration::from_secs(20), || async {
        status(&test_db.db, id).await == JobStatus::Succeeded
    })
    .await;
    survivor.stop().await;

    let record = test_db.db.job(id).await.unwrap().unwrap();
    assert_eq!(record.attempts, 2, "on {}", test_db.backend_name());
    assert_eq!(runs.of(id), 1);
    assert!(
        record.finished_at.unwrap() >= killed_at + TimeDelta::milliseconds(1000),
        "not before the lease ended"
    );
}

#[tokio::test]
async fn a_permanent_failure_is_not_retried() {
    let test_db = TestDatabase::new().await;
    let runs = Runs::default();
    let counted = runs.clone();
    let worker = start(&test_db.db, options(), move |job| {
        let runs = counted.clone();
        async move {
            runs.add(job.id);
            Err(JobError::Permanent("malformed payload".into()))
        }
    });
    let id = test_db
        .db
        .enqueue_job(NewJob::new(JobKind::Noop, json!({})))
        .await
        .unwrap()
        .unwrap();

    eventually("the job is dead", Duration::from_secs(10), || async {
        status(&test_db.db, id).await == JobStatus::Dead
    })
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    worker.stop().await;

    assert_eq!(runs.of(id), 1, "on {}", test_db.backend_name());
    let record = test_db.db.job(id).await.unwrap().unwrap();
    assert_eq!(record.last_error.as_deref(), Some("malformed payload"));
}

#[tokio::test]
async fn a_temporary_failure_is_retried_after_the_backoff() {
    let test_db = TestDatabase::new().await;
    let runs = Runs::default();
    let counted = runs.clone();
    let worker = start(&test_db.db, options(), move |job| {
        let runs = counted.clone();
        async move {
            runs.add(job.id);
            Err(JobError::Retry("connection refused".into()))
        }
    });
    let before = Utc::now();
    let id = test_db
        .db
        .enqueue_job(NewJob::new(JobKind::Noop, json!({})))
        .await
        .unwrap()
        .unwrap();

    eventually(
        "the first attempt is recorded",
        Duration::from_secs(10),
        || async {
            let record = test_db.db.job(id).await.unwrap().unwrap();
            record.attempts == 1 && record.status == JobStatus::Queued
        },
    )
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    worker.stop().await;

    assert_eq!(runs.of(id), 1, "not again before the delay");
    let record = test_db.db.job(id).await.unwrap().unwrap();
    let policy = JobKind::Noop.retry_policy();
    assert!(
        record.run_at >= before + TimeDelta::from_std(policy.delay(1, 0.0)).unwrap()
            && record.run_at <= Utc::now() + TimeDelta::from_std(policy.delay(1, 1.0)).unwrap(),
        "after the first delay with jitter: {record:?}"
    );
    assert_eq!(record.last_error.as_deref(), Some("connection refused"));
}

#[tokio::test]
async fn a_dead_job_retried_by_an_operator_runs_again() {
    let test_db = TestDatabase::new().await;
    let runs = Runs::default();
    let counted = runs.clone();
    let options = options();
    let wake = options.wake.clone();
    let worker = start(&test_db.db, options, move |job| {
        let runs = counted.clone();
        async move {
            if runs.add(job.id) == 1 {
                Err(JobError::Permanent("the first run fails".into()))
            } else {
                Ok(())
            }
        }
    });
    let id = test_db
        .db
        .enqueue_job(NewJob::new(JobKind::Noop, json!({})))
        .await
        .unwrap()
        .unwrap();
    eventually("the job is dead", Duration::from_secs(10), || async {
        status(&test_db.db, id).await == JobStatus::Dead
    })
    .await;

    test_db.db.retry_dead_job(id).await.unwrap();
    wake.notify_one();

    eventually("the job succeeded", Duration::from_secs(10), || async {
        status(&test_db.db, id).await == JobStatus::Succeeded
    })
    .await;
    worker.stop().await;
    assert_eq!(runs.of(id), 2, "on {}", test_db.backend_name());
    assert_eq!(test_db.db.job(id).await.unwrap().unwrap().attempts, 1);
}

#[tokio::test]
async fn stopping_lets_a_running_job_finish_and_record_its_outcome() {
    let test_db = TestDatabase::new().await;
    let started = Arc::new(tokio::sync::Notify::new());
    let signal = started.clone();
    let worker = start(&test_db.db, options(), move |_job| {
        let signal = signal.clone();
        async move {
            signal.notify_one();
            tokio::time::sleep(Duration::from_millis(300)).await;
            Ok(())
        }
    });
    let id = test_db
        .db
        .enqueue_job(NewJob::new(JobKind::Noop, json!({})))
        .await
        .unwrap()
        .unwrap();
    tokio::time::timeout(Duration::from_secs(10), started.notified())
        .await
        .unwrap();

    worker.stop().await;

    assert_eq!(
        status(&test_db.db, id).await,
        JobStatus::Succeeded,
        "on {}",
        test_db.backend_name()
    );
}
