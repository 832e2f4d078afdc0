//! Background jobs as platform operators see them: the list (filtered, newest first, page by
//! page) and queueing a dead job again. Payloads are never shown: they may hold single-use
//! links.

use actix_web::{get, post, web};
use chrono::{DateTime, Utc};
use haven_domain::jobs::{JobAdmin, JobKind, JobQuery, JobRecord, JobStatus};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::{
    auth::Authenticated,
    error::{ApiError, ErrorBody, ErrorDetail},
    state::AppState,
};

const TAG: &str = "jobs";

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[schema(as = JobStatus)]
pub enum JobStatusDto {
    /// Waiting for its time (`runAt`).
    Queued,
    /// Claimed by a worker until `lockedUntil`.
    Running,
    Succeeded,
    /// Given up: a permanent error or the last attempt failed. An operator may retry it.
    Dead,
}

impl From<JobStatus> for JobStatusDto {
    fn from(status: JobStatus) -> Self {
        match status {
            JobStatus::Queued => Self::Queued,
            JobStatus::Running => Self::Running,
            JobStatus::Succeeded => Self::Succeeded,
            JobStatus::Dead => Self::Dead,
        }
    }
}

impl From<JobStatusDto> for JobStatus {
    fn from(status: JobStatusDto) -> Self {
        match status {
            JobStatusDto::Queued => Self::Queued,
            JobStatusDto::Running => Self::Running,
            JobStatusDto::Succeeded => Self::Succeeded,
            JobStatusDto::Dead => Self::Dead,
        }
    }
}

/// What a job does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[schema(as = JobKind)]
pub enum JobKindDto {
    /// Deliver one outgoing email.
    Email,
    /// Does nothing (queue tests and benchmarks).
    Noop,
}

impl From<JobKind> for JobKindDto {
    fn from(kind: JobKind) -> Self {
        match kind {
            JobKind::Email => Self::Email,
            JobKind::Noop => Self::Noop,
        }
    }
}

impl From<JobKindDto> for JobKind {
    fn from(kind: JobKindDto) -> Self {
        match kind {
            JobKindDto::Email => Self::Email,
            JobKindDto::Noop => Self::Noop,
        }
    }
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Job)]
pub struct JobDto {
    pub id: Uuid,
    pub kind: JobKindDto,
    pub status: JobStatusDto,
    /// Runs so far (claims, the current one included).
    pub attempts: u32,
    pub max_attempts: u32,
    /// When it is (or was last) due.
    pub run_at: DateTime<Utc>,
    pub locked_until: Option<DateTime<Utc>>,
    /// The worker holding it.
    pub locked_by: Option<String>,
    /// Why the last run failed (for operators; may quote a remote server).
    pub last_error: Option<String>,
    pub idempotency_key: Option<String>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

impl From<JobRecord> for JobDto {
    fn from(j: JobRecord) -> Self {
        Self {
            id: j.id,
            kind: j.kind.into(),
            status: j.status.into(),
            attempts: j.attempts,
            max_attempts: j.max_attempts,
            run_at: j.run_at,
            locked_until: j.locked_until,
            locked_by: j.locked_by,
            last_error: j.last_error,
            idempotency_key: j.idempotency_key,
            created_at: j.created_at,
            finished_at: j.finished_at,
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct JobParams {
    /// Only jobs in this status.
    pub status: Option<JobStatusDto>,
    /// Only jobs of this kind.
    pub kind: Option<JobKindDto>,
    /// Page size, 1–200 (default 50).
    pub limit: Option<u64>,
    /// `nextCursor` of the previous page.
    pub before: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct JobPage {
    pub items: Vec<JobDto>,
    /// Pass as `before` for the next (older) page; null on the last page.
    pub next_cursor: Option<String>,
}

/// Operators are an installation-level role: to everyone else these pages do not exist (404).
/// An operator who still has to enrol in two-factor authentication gets 403.
fn require_operator(state: &AppState, auth: &Authenticated) -> Result<(), ApiError> {
    if !state.operators.iter().any(|o| o == &auth.user.email) {
        return Err(ApiError::NotFound);
    }
    if auth.actor.two_factor_pending {
        return Err(ApiError::Forbidden(
            "Set up two-factor authentication first.".into(),
        ));
    }
    Ok(())
}

/// Background jobs, newest first (platform operators only).
#[utoipa::path(
    tag = TAG,
    operation_id = "listJobs",
    security(("bearer" = [])),
    params(JobParams),
    responses(
        (status = OK, body = JobPage),
        (status = BAD_REQUEST, body = ErrorBody),
        (status = UNAUTHORIZED, body = ErrorBody),
        (status = FORBIDDEN, description = "Two-factor authentication is required first.", body = ErrorBody),
        (status = NOT_FOUND, description = "Not an operator.", body = ErrorBody),
    )
)]
#[get("/operator/jobs")]
async fn list_jobs(
    state: web::Data<AppState>,
    auth: Authenticated,
    params: web::Query<JobParams>,
) -> Result<web::Json<JobPage>, ApiError> {
    require_operator(&state, &auth)?;
    let limit = params.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::Validation(vec![ErrorDetail::field(
            "limit",
            "out_of_range",
            "Choose a page size from 1 to 200.",
        )]));
    }
    let before = match params.before.as_deref() {
        None => None,
        Some(cursor) => Some(parse_cursor(cursor).ok_or_else(|| {
            ApiError::Validation(vec![ErrorDetail::field(
                "before",
                "invalid_cursor",
                "Use the nextCursor of a previous page.",
            )])
        })?),
    };
    let jobs = state
        .db
        .list_jobs(&JobQuery {
            status: params.status.map(Into::into),
            kind: params.kind.map(Into::into),
            before,
            limit: limit + 1,
        })
        .await?;
    let has_more = jobs.len() as u64 > limit;
    let items: Vec<JobDto> = jobs
        .into_iter()
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .map(JobDto::from)
        .collect();
    let next_cursor = if has_more {
        items
            .last()
            .map(|j| format!("{}_{}", j.created_at.timestamp_micros(), j.id))
    } else {
        None
    };
    Ok(web::Json(JobPage { items, next_cursor }))
}

/// Queue a dead job again, now, with its attempts reset (platform operators only).
#[utoipa::path(
    tag = TAG,
    operation_id = "retryJob",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The job's id")),
    responses(
        (status = OK, description = "The job, queued again.", body = JobDto),
        (status = UNAUTHORIZED, body = ErrorBody),
        (status = FORBIDDEN, description = "Two-factor authentication is required first.", body = ErrorBody),
        (status = NOT_FOUND, description = "No such job, or not an operator.", body = ErrorBody),
        (status = CONFLICT, description = "The job is not dead.", body = ErrorBody),
    )
)]
#[post("/operator/jobs/{id}/retry")]
async fn retry_job(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
) -> Result<web::Json<JobDto>, ApiError> {
    require_operator(&state, &auth)?;
    let job = state.db.retry_dead_job(*path).await?;
    tracing::info!(job.id = %job.id, job.kind = job.kind.as_str(), operator = %auth.user.id, "an operator queued a dead job again");
    state.job_waker.notify_one();
    Ok(web::Json(job.into()))
}

fn parse_cursor(cursor: &str) -> Option<(DateTime<Utc>, Uuid)> {
    let (micros, id) = cursor.split_once('_')?;
    Some((
        DateTime::from_timestamp_micros(micros.parse().ok()?)?,
        Uuid::parse_str(id).ok()?,
    ))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_jobs).service(retry_job);
}
