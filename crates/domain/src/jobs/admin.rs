//! Platform operators look after the queue: they list jobs and queue a dead one again.

use uuid::Uuid;

use super::{JobAdmin, JobKind, JobQuery, JobRecord, JobStatus};
use crate::{
    accounts::{Caller, Operators},
    paging::PageRequest,
    DomainResult,
};

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
    let page = PageRequest::parse(filter.limit, filter.before.as_deref())?;
    let items = admin
        .list_jobs(&JobQuery {
            status: filter.status,
            kind: filter.kind,
            before: page.before,
            limit: page.fetch(),
        })
        .await?;
    let (items, next_cursor) = page.finish(items, |j| (j.created_at, j.id));
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
