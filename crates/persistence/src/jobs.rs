//! The durable job queue (`jobs`): enqueueing inside the caller's transaction, claiming with
//! leases, recording outcomes, and what operators and metrics see.
//!
//! Claiming is one statement on both databases:
//! `UPDATE jobs SET status = 'running', attempts = attempts + 1, locked_until = …, locked_by = …
//! WHERE id IN (SELECT id FROM jobs WHERE <due> ORDER BY run_at LIMIT n FOR UPDATE SKIP LOCKED)
//! RETURNING …`. On PostgreSQL, `SKIP LOCKED` lets instances claim side by side without waiting
//! for, or taking, each other's rows. SQLite has no row locks (sea-query leaves the clause out)
//! and one writer at a time: the claim runs in a transaction that takes the write lock first
//! ([`Database::begin_write`]), so claims are serialised. Due means queued with `run_at` passed,
//! or running with an ended lease (the worker died) and attempts left.
//!
//! The claimed attempt number is the claim's token: an outcome is recorded only when the row is
//! still running with that number, so a worker whose lease ended cannot overwrite the result of
//! the one that took over.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use haven_domain::{
    jobs::{
        ClaimedJob, JobAdmin, JobCount, JobError, JobKind, JobQuery, JobQueue, JobRecord,
        JobStatus, NewJob, Outcome,
    },
    DomainError, DomainResult,
};
use sea_orm::{
    sea_query::{Expr, LockBehavior, LockType, OnConflict, Query, SimpleExpr, Value},
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, Order, QueryFilter, QuerySelect,
};
use uuid::Uuid;

use crate::{
    entities::job::{self, Column, Entity},
    error::map_db_err,
    keyset::{keyset_page, Direction},
    Backend, Database,
};

/// Longest `last_error` kept.
const MAX_ERROR_CHARS: usize = 1000;
/// Jobs found stuck on their last attempt that one claim turns dead.
const SWEEP_LIMIT: u64 = 100;

/// Enqueues a job on `conn`, which may be a transaction: call this inside the transaction of
/// the change that causes the job, so the job exists exactly when the change was committed.
/// Returns the new job's id, or `None` when a job with the same idempotency key exists (the
/// first one stands; the caller's transaction is not disturbed).
///
/// # Errors
/// The database error, for the caller's transaction to handle.
#[tracing::instrument(name = "jobs.enqueue", skip_all, fields(job.kind = job.kind.as_str(), job.id))]
pub async fn enqueue<C: ConnectionTrait>(conn: &C, job: NewJob) -> Result<Option<Uuid>, DbErr> {
    let id = Uuid::new_v4();
    let row = new_row(&job, id, Utc::now());
    tracing::Span::current().record("job.id", tracing::field::display(id));
    let insert = Entity::insert(row);
    let inserted = if job.idempotency_key.is_some() {
        insert
            .on_conflict(
                OnConflict::column(Column::IdempotencyKey)
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(conn)
            .await?
    } else {
        insert.exec_without_returning(conn).await?
    };
    Ok((inserted == 1).then_some(id))
}

/// Enqueues several jobs in one statement, like [`enqueue`] each: a job whose idempotency key
/// is taken is left out.
///
/// # Errors
/// The database error, for the caller's transaction to handle.
#[tracing::instrument(name = "jobs.enqueue_many", skip_all, fields(jobs = jobs.len()))]
pub async fn enqueue_many<C: ConnectionTrait>(conn: &C, jobs: &[NewJob]) -> Result<(), DbErr> {
    if jobs.is_empty() {
        return Ok(());
    }
    let now = Utc::now();
    Entity::insert_many(jobs.iter().map(|job| new_row(job, Uuid::new_v4(), now)))
        .on_conflict(
            OnConflict::column(Column::IdempotencyKey)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

fn new_row(job: &NewJob, id: Uuid, now: DateTime<Utc>) -> job::ActiveModel {
    job::ActiveModel {
        id: Set(id),
        kind: Set(job.kind.as_str().to_owned()),
        payload: Set(job.payload.to_string()),
        idempotency_key: Set(job.idempotency_key.clone()),
        status: Set(JobStatus::Queued.as_str().to_owned()),
        attempts: Set(0),
        max_attempts: Set(to_i32(
            job.max_attempts
                .unwrap_or(job.kind.retry_policy().max_attempts),
        )),
        run_at: Set(job.run_at.unwrap_or(now)),
        locked_until: Set(None),
        locked_by: Set(None),
        last_error: Set(None),
        created_at: Set(now),
        finished_at: Set(None),
    }
}

impl Database {
    /// Enqueues a job on its own (outside any other transaction).
    ///
    /// # Errors
    /// [`DomainError::Unexpected`] when the store cannot be reached.
    pub async fn enqueue_job(&self, job: NewJob) -> DomainResult<Option<Uuid>> {
        enqueue(self.write_conn(), job)
            .await
            .map_err(|e| map_db_err(e, "enqueueing a job"))
    }

    /// [`JobQueue::claim`] with an explicit clock, for tests and the benchmark.
    ///
    /// # Errors
    /// [`DomainError::Unexpected`] when the store cannot be reached.
    #[tracing::instrument(name = "jobs.claim", skip(self, kinds), fields(claimed))]
    pub async fn claim_jobs_at(
        &self,
        now: DateTime<Utc>,
        worker: &str,
        kinds: &[JobKind],
        limit: u32,
        lease: Duration,
    ) -> DomainResult<Vec<ClaimedJob>> {
        let claimed = self
            .claim(now, worker, kinds, limit, lease)
            .await
            .map_err(|e| map_db_err(e, "claiming jobs"))?;
        tracing::Span::current().record("claimed", claimed.len());
        Ok(claimed)
    }

    /// [`JobQueue::record`] with an explicit clock and jitter (`unit` in `[0, 1)`, see
    /// [`haven_domain::jobs::RetryPolicy::delay`]; random when `None`), for tests.
    ///
    /// # Errors
    /// [`DomainError::Unexpected`] when the store cannot be reached.
    #[tracing::instrument(
        name = "jobs.record",
        skip(self, job, result),
        fields(job.id = %job.id, job.kind = job.kind.as_str(), attempt = job.attempt)
    )]
    pub async fn record_job_at(
        &self,
        now: DateTime<Utc>,
        job: &ClaimedJob,
        result: &Result<(), JobError>,
        unit: Option<f64>,
    ) -> DomainResult<Outcome> {
        record(self.write_conn(), now, job, result, unit)
            .await
            .map_err(|e| map_db_err(e, "recording a job's outcome"))
    }

    /// One job, as operators see it.
    ///
    /// # Errors
    /// [`DomainError::Unexpected`] when the store cannot be reached.
    pub async fn job(&self, id: Uuid) -> DomainResult<Option<JobRecord>> {
        Ok(Entity::find_by_id(id)
            .one(self.conn())
            .await
            .map_err(|e| map_db_err(e, "loading a job"))?
            .and_then(to_record))
    }

    /// A job's payload (for tests: operators never see payloads, which may hold secrets).
    ///
    /// # Errors
    /// [`DomainError::Unexpected`] when the store cannot be reached.
    pub async fn job_payload(&self, id: Uuid) -> DomainResult<Option<serde_json::Value>> {
        let row = Entity::find_by_id(id)
            .one(self.conn())
            .await
            .map_err(|e| map_db_err(e, "loading a job"))?;
        Ok(row.and_then(|r| serde_json::from_str(&r.payload).ok()))
    }

    async fn claim(
        &self,
        now: DateTime<Utc>,
        worker: &str,
        kinds: &[JobKind],
        limit: u32,
        lease: Duration,
    ) -> Result<Vec<ClaimedJob>, DbErr> {
        if kinds.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let kind_names: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
        let lease = TimeDelta::from_std(lease).unwrap_or(TimeDelta::hours(1));
        let due = Condition::all()
            .add(Expr::col(Column::Kind).is_in(kind_names.iter().copied()))
            // Implied by the alternatives below; stated so that both databases see the claim
            // fits the partial index of live jobs and read it in `run_at` order.
            .add(
                Expr::col(Column::Status)
                    .is_in([JobStatus::Queued.as_str(), JobStatus::Running.as_str()]),
            )
            .add(
                Condition::any()
                    .add(
                        Condition::all()
                            .add(Expr::col(Column::Status).eq(JobStatus::Queued.as_str()))
                            .add(Expr::col(Column::RunAt).lte(now)),
                    )
                    .add(
                        Condition::all()
                            .add(Expr::col(Column::Status).eq(JobStatus::Running.as_str()))
                            .add(Expr::col(Column::LockedUntil).lt(now))
                            .add(Expr::col(Column::Attempts).lt(Expr::col(Column::MaxAttempts))),
                    ),
            );
        let candidates = Query::select()
            .column(Column::Id)
            .from(Entity)
            .cond_where(due)
            .order_by(Column::RunAt, Order::Asc)
            .limit(u64::from(limit))
            .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
            .to_owned();
        let claim = Query::update()
            .table(Entity)
            .value(Column::Status, JobStatus::Running.as_str())
            .value(Column::Attempts, Expr::col(Column::Attempts).add(1))
            .value(Column::LockedUntil, Some(now + lease))
            .value(Column::LockedBy, worker)
            .and_where(Expr::col(Column::Id).in_subquery(candidates))
            .returning(Query::returning().columns([
                Column::Id,
                Column::Kind,
                Column::Payload,
                Column::Attempts,
                Column::MaxAttempts,
            ]))
            .to_owned();
        let rows = match self.backend() {
            // One statement, row locks skipped by other instances: no transaction needed.
            Backend::Postgres => {
                let conn = self.conn();
                let rows = conn
                    .query_all(conn.get_database_backend().build(&claim))
                    .await?;
                if rows.len() < limit as usize {
                    bury_jobs_stuck_on_their_last_attempt(conn, now, &kind_names).await?;
                }
                rows
            }
            // No row locks: take the write lock first so that claims are serialised.
            Backend::Sqlite => {
                let txn = self.begin_write().await?;
                let rows = txn
                    .query_all(txn.get_database_backend().build(&claim))
                    .await?;
                if rows.len() < limit as usize {
                    bury_jobs_stuck_on_their_last_attempt(&txn, now, &kind_names).await?;
                }
                txn.commit().await?;
                rows
            }
        };

        let mut claimed = Vec::with_capacity(rows.len());
        for row in rows {
            let id: Uuid = row.try_get("", "id")?;
            let kind: String = row.try_get("", "kind")?;
            let Some(kind) = JobKind::parse(&kind) else {
                // Filtered by kind above; only a corrupt row could get here.
                tracing::warn!(job.id = %id, job.kind = %kind, "claimed a job of an unknown kind");
                continue;
            };
            let payload: String = row.try_get("", "payload")?;
            claimed.push(ClaimedJob {
                id,
                kind,
                payload: serde_json::from_str(&payload).unwrap_or(serde_json::Value::Null),
                attempt: to_u32(row.try_get("", "attempts")?),
                max_attempts: to_u32(row.try_get("", "max_attempts")?),
            });
        }
        Ok(claimed)
    }
}

/// A worker that died during a job's last attempt leaves it running for ever: make it dead
/// (the claim would otherwise skip it, having no attempts left). Done when a claim found less
/// than it asked for, so a busy queue does not pay for it on every claim.
async fn bury_jobs_stuck_on_their_last_attempt<C: ConnectionTrait>(
    conn: &C,
    now: DateTime<Utc>,
    kinds: &[&str],
) -> Result<(), DbErr> {
    let stuck = Entity::find()
        .filter(Column::Kind.is_in(kinds.iter().copied()))
        .filter(Column::Status.eq(JobStatus::Running.as_str()))
        .filter(Column::LockedUntil.lt(now))
        .filter(Expr::col(Column::Attempts).gte(Expr::col(Column::MaxAttempts)))
        .limit(SWEEP_LIMIT)
        .all(conn)
        .await?;
    for row in stuck {
        let payload = JobKind::parse(&row.kind).map_or_else(
            || row.payload.clone(),
            |kind| erased_payload(kind, &row.payload),
        );
        let still_as_read = Condition::all()
            .add(Column::Id.eq(row.id))
            .add(Column::Status.eq(JobStatus::Running.as_str()))
            .add(Column::Attempts.eq(row.attempts));
        let buried = finish(
            conn,
            still_as_read,
            JobStatus::Dead,
            now,
            payload,
            Some("the worker stopped during the last attempt"),
        )
        .await?;
        if buried {
            tracing::warn!(job.id = %row.id, job.kind = %row.kind, "job dead: its worker stopped during the last attempt");
        }
    }
    Ok(())
}

/// The row as this claim left it: still running with the claimed attempt number.
fn current_claim(job: &ClaimedJob) -> Condition {
    Condition::all()
        .add(Column::Id.eq(job.id))
        .add(Column::Status.eq(JobStatus::Running.as_str()))
        .add(Column::Attempts.eq(to_i32(job.attempt)))
}

async fn record<C: ConnectionTrait>(
    conn: &C,
    now: DateTime<Utc>,
    job: &ClaimedJob,
    result: &Result<(), JobError>,
    unit: Option<f64>,
) -> Result<Outcome, DbErr> {
    let erased = || job.kind.erase_secrets(&job.payload).to_string();
    let (done, outcome) = match result {
        Ok(()) => (
            finish(
                conn,
                current_claim(job),
                JobStatus::Succeeded,
                now,
                erased(),
                None,
            )
            .await?,
            Outcome::Succeeded,
        ),
        Err(JobError::Permanent(reason)) => (
            finish(
                conn,
                current_claim(job),
                JobStatus::Dead,
                now,
                erased(),
                Some(reason),
            )
            .await?,
            Outcome::Dead,
        ),
        Err(JobError::Retry(reason)) if job.attempt >= job.max_attempts => (
            finish(
                conn,
                current_claim(job),
                JobStatus::Dead,
                now,
                erased(),
                Some(&format!("gave up after {} attempts: {reason}", job.attempt)),
            )
            .await?,
            Outcome::Dead,
        ),
        Err(JobError::Retry(reason)) => {
            let policy = job.kind.retry_policy();
            let delay = unit.map_or_else(
                || policy.jittered_delay(job.attempt),
                |unit| policy.delay(job.attempt, unit),
            );
            let next = now + TimeDelta::from_std(delay).unwrap_or(TimeDelta::hours(1));
            let result = Entity::update_many()
                .col_expr(Column::Status, Expr::value(JobStatus::Queued.as_str()))
                .col_expr(Column::RunAt, Expr::value(next))
                .col_expr(Column::LockedUntil, null_timestamp())
                .col_expr(Column::LockedBy, null_text())
                .col_expr(Column::LastError, Expr::value(truncate(reason)))
                .filter(current_claim(job))
                .exec(conn)
                .await?;
            (result.rows_affected == 1, Outcome::Retrying(next))
        }
    };
    Ok(if done { outcome } else { Outcome::Stale })
}

/// Records that the claimed jobs of `claims` (id and claimed attempt) succeeded, in one
/// statement; each answer says whether that claim was still current (else `Stale`), in the
/// order of `claims`. Only for kinds without secret fields: their payload stays as it is.
pub(crate) async fn record_successes<C: ConnectionTrait>(
    conn: &C,
    now: DateTime<Utc>,
    claims: &[(Uuid, u32)],
) -> Result<Vec<Outcome>, DbErr> {
    let still_claimed = claims.iter().fold(Condition::any(), |any, (id, attempt)| {
        any.add(
            Condition::all()
                .add(Column::Id.eq(*id))
                .add(Column::Attempts.eq(to_i32(*attempt))),
        )
    });
    let update = Query::update()
        .table(Entity)
        .value(Column::Status, JobStatus::Succeeded.as_str())
        .value(Column::LockedUntil, null_timestamp())
        .value(Column::LockedBy, null_text())
        .value(Column::FinishedAt, Some(now))
        .cond_where(
            Condition::all()
                .add(Column::Status.eq(JobStatus::Running.as_str()))
                .add(still_claimed),
        )
        .returning(Query::returning().column(Column::Id))
        .to_owned();
    let rows = conn
        .query_all(conn.get_database_backend().build(&update))
        .await?;
    let mut done = std::collections::HashSet::with_capacity(rows.len());
    for row in rows {
        done.insert(row.try_get::<Uuid>("", "id")?);
    }
    Ok(claims
        .iter()
        .map(|(id, _)| {
            if done.contains(id) {
                Outcome::Succeeded
            } else {
                Outcome::Stale
            }
        })
        .collect())
}

/// Succeeded or dead: release the lease and store the payload with its secrets erased.
async fn finish<C: ConnectionTrait>(
    conn: &C,
    condition: Condition,
    status: JobStatus,
    now: DateTime<Utc>,
    payload: String,
    error: Option<&str>,
) -> Result<bool, DbErr> {
    let mut update = Entity::update_many()
        .col_expr(Column::Status, Expr::value(status.as_str()))
        .col_expr(Column::LockedUntil, null_timestamp())
        .col_expr(Column::LockedBy, null_text())
        .col_expr(Column::FinishedAt, Expr::value(Some(now)))
        .col_expr(Column::Payload, Expr::value(payload));
    if let Some(error) = error {
        update = update.col_expr(Column::LastError, Expr::value(truncate(error)));
    }
    let result = update.filter(condition).exec(conn).await?;
    Ok(result.rows_affected == 1)
}

fn erased_payload(kind: JobKind, payload: &str) -> String {
    serde_json::from_str(payload).map_or_else(
        |_| payload.to_owned(),
        |value| kind.erase_secrets(&value).to_string(),
    )
}

impl JobQueue for Database {
    async fn claim(
        &self,
        worker: &str,
        kinds: &[JobKind],
        limit: u32,
        lease: Duration,
    ) -> DomainResult<Vec<ClaimedJob>> {
        self.claim_jobs_at(Utc::now(), worker, kinds, limit, lease)
            .await
    }

    async fn record(
        &self,
        job: &ClaimedJob,
        result: &Result<(), JobError>,
    ) -> DomainResult<Outcome> {
        // Successes of kinds without secrets (whose payload stays as it is) share a statement
        // and a commit with the others that finish at the same time.
        match self.group_commit() {
            Some(writer) if result.is_ok() && job.kind.secret_fields().is_empty() => {
                writer.succeed(self, job.id, job.attempt).await
            }
            _ => self.record_job_at(Utc::now(), job, result, None).await,
        }
    }
}

impl JobAdmin for Database {
    #[tracing::instrument(name = "jobs.list", skip_all)]
    async fn list_jobs(&self, query: &JobQuery) -> DomainResult<Vec<JobRecord>> {
        let mut select = Entity::find();
        if let Some(status) = query.status {
            select = select.filter(Column::Status.eq(status.as_str()));
        }
        if let Some(kind) = query.kind {
            select = select.filter(Column::Kind.eq(kind.as_str()));
        }
        let rows = keyset_page(
            select,
            Column::CreatedAt,
            Column::Id,
            query.before.as_ref(),
            Direction::Descending,
            query.limit,
        )
        .all(self.conn())
        .await
        .map_err(|e| map_db_err(e, "listing jobs"))?;
        Ok(rows.into_iter().filter_map(to_record).collect())
    }

    #[tracing::instrument(name = "jobs.retry_dead", skip(self), fields(job.id = %id))]
    async fn retry_dead_job(&self, id: Uuid) -> DomainResult<JobRecord> {
        let db = |e| map_db_err(e, "queueing a dead job again");
        let txn = self.begin_write().await.map_err(db)?;
        let result = Entity::update_many()
            .col_expr(Column::Status, Expr::value(JobStatus::Queued.as_str()))
            .col_expr(Column::Attempts, Expr::value(0))
            .col_expr(Column::RunAt, Expr::value(Utc::now()))
            .col_expr(Column::FinishedAt, null_timestamp())
            .filter(Column::Id.eq(id))
            .filter(Column::Status.eq(JobStatus::Dead.as_str()))
            .exec(&txn)
            .await
            .map_err(db)?;
        let row = Entity::find_by_id(id).one(&txn).await.map_err(db)?;
        txn.commit().await.map_err(db)?;
        let not_found = || DomainError::NotFound {
            entity: "job",
            id: id.to_string(),
        };
        let record = row.and_then(to_record).ok_or_else(not_found)?;
        if result.rows_affected == 1 {
            tracing::info!(
                job.kind = record.kind.as_str(),
                "dead job queued again by an operator"
            );
            Ok(record)
        } else {
            Err(DomainError::conflict(
                haven_domain::ConflictCode::JobNotDead,
                format!(
                    "the job is {}; only a dead job can be retried",
                    record.status.as_str()
                ),
            ))
        }
    }

    #[tracing::instrument(name = "jobs.counts", skip_all)]
    async fn job_counts(&self) -> DomainResult<Vec<JobCount>> {
        let rows: Vec<(String, String, i64)> = Entity::find()
            .select_only()
            .column(Column::Kind)
            .column(Column::Status)
            .column_as(Expr::col(Column::Id).count(), "count")
            .group_by(Column::Kind)
            .group_by(Column::Status)
            .into_tuple()
            .all(self.conn())
            .await
            .map_err(|e| map_db_err(e, "counting jobs"))?;
        let mut counts: Vec<JobCount> = rows
            .into_iter()
            .filter_map(|(kind, status, count)| {
                Some(JobCount {
                    kind: JobKind::parse(&kind)?,
                    status: JobStatus::parse(&status)?,
                    count: u64::try_from(count).unwrap_or(0),
                })
            })
            .collect();
        counts.sort_by_key(|c| (c.kind, c.status));
        Ok(counts)
    }
}

fn to_record(row: job::Model) -> Option<JobRecord> {
    let kind = JobKind::parse(&row.kind);
    let status = JobStatus::parse(&row.status);
    if kind.is_none() || status.is_none() {
        tracing::warn!(job.id = %row.id, job.kind = %row.kind, job.status = %row.status, "a job with an unknown kind or status is left out");
    }
    Some(JobRecord {
        id: row.id,
        kind: kind?,
        status: status?,
        attempts: to_u32(row.attempts),
        max_attempts: to_u32(row.max_attempts),
        run_at: row.run_at,
        locked_until: row.locked_until,
        locked_by: row.locked_by,
        last_error: row.last_error,
        idempotency_key: row.idempotency_key,
        created_at: row.created_at,
        finished_at: row.finished_at,
    })
}

fn null_timestamp() -> SimpleExpr {
    Expr::value(Value::ChronoDateTimeUtc(None))
}

fn null_text() -> SimpleExpr {
    Expr::value(Value::String(None))
}

fn to_i32(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

fn to_u32(n: i32) -> u32 {
    u32::try_from(n).unwrap_or(0)
}

fn truncate(error: &str) -> String {
    error.chars().take(MAX_ERROR_CHARS).collect()
}
