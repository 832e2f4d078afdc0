//! `make bench-queue`: throughput of the job queue with a no-op handler.
//!
//! For each setup (PostgreSQL with one and with two worker instances, SQLite with one), a fresh
//! database gets N `noop` jobs (enqueued in transactions of 1,000), then the workers start and
//! the clock runs until every job is recorded as succeeded: each job is claimed (with a lease),
//! run and completed, so the figure is jobs claimed *and* completed per second. Each instance is
//! its own connection pool, as a separate process would be.
//!
//! `HAVEN_BENCH_DATABASE_URL` names the PostgreSQL server (default
//! `postgres://postgres@127.0.0.1:5432/test`); a database is created for each run and dropped
//! after. `BENCH_JOBS` sets N (default 20,000); `BENCH_CONCURRENCY` the jobs each instance runs
//! at a time (default 16). PostgreSQL setups are skipped when the server cannot be reached.

use std::time::{Duration, Instant};

use anyhow::Context;
use haven_domain::jobs::{
    ClaimedJob, HandlerFuture, JobAdmin, JobError, JobHandler, JobKind, JobStatus, NewJob,
};
use haven_jobs::{spawn_worker, Registry, WorkerOptions};
use haven_persistence::{jobs, Database};
use sea_orm::{ConnectionTrait, DbBackend, Statement, TransactionTrait};
use tokio_util::sync::CancellationToken;

struct Noop;

impl JobHandler for Noop {
    fn kind(&self) -> JobKind {
        JobKind::Noop
    }

    fn run<'a>(&'a self, _job: &'a ClaimedJob) -> HandlerFuture<'a> {
        Box::pin(async { Ok::<(), JobError>(()) })
    }
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let jobs = env_number("BENCH_JOBS", 20_000);
    let concurrency = env_number("BENCH_CONCURRENCY", 16);
    let server = std::env::var("HAVEN_BENCH_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
    println!("job queue: {jobs} no-op jobs, {concurrency} at a time per instance (release build)");
    println!(
        "{:<28} {:>12} {:>16} {:>14}",
        "setup", "enqueue/s", "claim+complete/s", "seconds"
    );
    for instances in [1, 2] {
        match postgres_database(&server).await {
            Ok((url, name)) => {
                let result = run(&url, instances, jobs, concurrency).await;
                drop_postgres_database(&server, &name).await?;
                report(&format!("PostgreSQL, {instances} instance(s)"), result?);
            }
            Err(err) => println!("PostgreSQL skipped: {err:#}"),
        }
    }
    let dir = tempfile::tempdir()?;
    let url = format!("sqlite://{}/bench.db?mode=rwc", dir.path().display());
    report("SQLite, 1 instance", run(&url, 1, jobs, concurrency).await?);
    Ok(())
}

struct Figures {
    enqueue_per_sec: f64,
    done_per_sec: f64,
    seconds: f64,
}

fn report(setup: &str, f: Figures) {
    println!(
        "{setup:<28} {:>12.0} {:>16.0} {:>14.2}",
        f.enqueue_per_sec, f.done_per_sec, f.seconds
    );
}

async fn run(
    url: &str,
    instances: usize,
    jobs: usize,
    concurrency: usize,
) -> anyhow::Result<Figures> {
    let db = Database::connect(url, 10).await?;
    let started = Instant::now();
    let conn = sea_orm::Database::connect(url).await?;
    for chunk in (0..jobs).step_by(1000) {
        let txn = conn.begin().await?;
        for n in chunk..(chunk + 1000).min(jobs) {
            jobs::enqueue(
                &txn,
                NewJob::new(JobKind::Noop, serde_json::json!({ "n": n })),
            )
            .await?;
        }
        txn.commit().await?;
    }
    let enqueue_secs = started.elapsed().as_secs_f64();

    let mut pools = vec![db.clone()];
    for _ in 1..instances {
        pools.push(Database::connect(url, 10).await?);
    }
    let shutdown = CancellationToken::new();
    let started = Instant::now();
    let workers: Vec<_> = pools
        .iter()
        .map(|pool| {
            let options = WorkerOptions::default()
                .poll_interval(Duration::from_millis(10))
                .concurrency(concurrency)
                .lease(Duration::from_secs(60));
            spawn_worker(
                pool.clone(),
                Registry::new().with(Noop),
                options,
                shutdown.clone(),
            )
        })
        .collect();
    let target = u64::try_from(jobs)?;
    loop {
        let done = db
            .job_counts()
            .await?
            .iter()
            .filter(|c| c.status == JobStatus::Succeeded)
            .map(|c| c.count)
            .sum::<u64>();
        if done >= target {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let seconds = started.elapsed().as_secs_f64();
    shutdown.cancel();
    for worker in workers {
        worker.await?;
    }
    for pool in pools {
        pool.close().await?;
    }
    conn.close().await?;
    Ok(Figures {
        enqueue_per_sec: jobs as f64 / enqueue_secs,
        done_per_sec: jobs as f64 / seconds,
        seconds,
    })
}

async fn postgres_database(server: &str) -> anyhow::Result<(String, String)> {
    let name = format!("haven_bench_{}", uuid::Uuid::new_v4().simple());
    let admin = sea_orm::Database::connect(server)
        .await
        .with_context(|| format!("cannot reach {server}"))?;
    admin
        .execute(Statement::from_string(
            DbBackend::Postgres,
            format!("CREATE DATABASE \"{name}\""),
        ))
        .await?;
    admin.close().await?;
    let base = server.rsplit_once('/').map_or(server, |(base, _)| base);
    Ok((format!("{base}/{name}"), name))
}

async fn drop_postgres_database(server: &str, name: &str) -> anyhow::Result<()> {
    let admin = sea_orm::Database::connect(server).await?;
    admin
        .execute(Statement::from_string(
            DbBackend::Postgres,
            format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"),
        ))
        .await?;
    admin.close().await?;
    Ok(())
}
