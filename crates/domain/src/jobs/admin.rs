//! Platform operators look after the queue: they list jobs and queue a dead one again.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{JobAdmin, JobKind, JobQuery, JobRecord, JobStatus};
use crate::{
    accounts::{Caller, Operators},
    DomainError, DomainResult,
};

/// Largest page of jobs.
pub const MAX_JOB_PAGE: u64 = 200;
const DEFAULT_JOB_PAGE: u64 = 50;

/// Which jobs to list, as asked.
#[derive(Debug, Clone, Default)]
pub struct JobFilter {
    pub status: Option<JobStatus>,
    pub kind: Option<JobKind>,
    pub limit: Option<u64>,
    /// The `next_cursor` of the previous page.
    pub before: Option<String>,
}

/// One page of jobs, newest first.
#[derive(Debug, Clone)]
pub struct JobPage {
    pub items: Vec<JobRecord>,
    /// Pass as `before` for the next (older) page; `None` on the last page.
    pub next_cursor: Option<String>,
}

/// Jobs, newest first, filtered by status and kind.
///
/// # Errors
/// `NotFound` for non-operators, `Forbidden` for an operator without two-factor
/// authentication, `Validation` for a page size outside 1–200 or a foreign cursor.
#[tracing::instrument(name = "list jobs", skip_all)]
pub async fn list_jobs<Q: JobAdmin>(
    admin: &Q,
    operators: &Operators,
    caller: &Caller<'_>,
    filter: JobFilter,
) -> DomainResult<JobPage> {
    operators.require(caller)?;
    let limit = filter.limit.unwrap_or(DEFAULT_JOB_PAGE);
    if !(1..=MAX_JOB_PAGE).contains(&limit) {
        return Err(DomainError::field(
            "limit",
            "out_of_range",
            "Choose a page size from 1 to 200.",
        ));
    }
    let before = match filter.before.as_deref() {
        None => None,
        Some(cursor) => Some(parse_cursor(cursor).ok_or_else(|| {
            DomainError::field(
                "before",
                "invalid_cursor",
                "Use the nextCursor of a previous page.",
            )
        })?),
    };
    // One more than asked tells whether another page follows.
    let mut items = admin
        .list_jobs(&JobQuery {
            status: filter.status,
            kind: filter.kind,
            before,
            limit: limit + 1,
        })
        .await?;
    let has_more = items.len() as u64 > limit;
    items.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    let next_cursor = if has_more {
        items
            .last()
            .map(|j| format!("{}_{}", j.created_at.timestamp_micros(), j.id))
    } else {
        None
    };
    Ok(JobPage { items, next_cursor })
}

/// Queues a dead job again, now, with its attempts reset.
///
/// # Errors
/// `NotFound` for non-operators or an unknown job, `Forbidden` as for [`list_jobs`],
/// `Conflict` when the job is not dead.
#[tracing::instrument(name = "retry job", skip_all, fields(job_id = %job_id))]
pub async fn retry_dead_job<Q: JobAdmin>(
    admin: &Q,
    operators: &Operators,
    caller: &Caller<'_>,
    job_id: Uuid,
) -> DomainResult<JobRecord> {
    operators.require(caller)?;
    let job = admin.retry_dead_job(job_id).await?;
    tracing::info!(job.kind = job.kind.as_str(), operator = %caller.user.id, "an operator queued a dead job again");
    Ok(job)
}

fn parse_cursor(cursor: &str) -> Option<(DateTime<Utc>, Uuid)> {
    let (micros, id) = cursor.split_once('_')?;
    Some((
        DateTime::from_timestamp_micros(micros.parse().ok()?)?,
        Uuid::parse_str(id).ok()?,
    ))
}
