//! Background jobs as platform operators see them: the list (filtered, newest first, page by
//! page) and queueing a dead job again. Payloads are never shown: they may hold single-use
//! links.

use actix_web::{get, post, web, HttpRequest};
use chrono::{DateTime, Utc};
use haven_domain::jobs::{
    admin::{self, JobFilter},
    JobKind, JobRecord, JobStatus,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::auth::client_info;
use crate::{
    auth::Authenticated,
    error::{ApiError, ErrorBody},
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
#[serde(rename_all = "snake_case")]
#[schema(as = JobKind)]
pub enum JobKindDto {
    /// Deliver one outgoing email.
    Email,
    /// Route and deliver one outgoing document.
    DeliverDocument,
    /// Remove the originals of documents past their retention (daily).
    PurgeDocuments,
    /// Remove connection usage log entries older than 30 days (daily).
    PurgeConnectionUsage,
    /// Mark authorisation requests past their lifetime as expired (hourly).
    ExpirePartnerRequests,
    /// Send one webhook's pending deliveries in order.
    DeliverHook,
    /// Remove webhook deliveries older than 30 days (daily).
    PurgeHookDeliveries,
    /// Read a message that came to an intake address and process its invoices.
    ProcessIntakeMessage,
    /// Tell the Peppol Directory to (re)index a participant's business card.
    DirectoryIndex,
    /// Tell the Peppol Directory to drop a participant.
    DirectoryRemove,
    /// Queue an index job for every participant listed in the Peppol Directory (once per
    /// configured Directory, at start).
    DirectoryIndexAll,
    /// Create a participant id in the SML.
    SmlRegister,
    /// Delete a participant id from the SML.
    SmlUnregister,
    /// Register the SMP and queue SML jobs for participant ids out of step (start and daily).
    SmlReconcile,
    /// Warn of Peppol certificates that expire soon or have expired (start and daily).
    CheckCertificates,
    /// Send one month's Peppol report (TSR or EUSR) to OpenPeppol.
    SendPeppolReport,
    /// Does nothing (queue tests and benchmarks).
    Noop,
}

impl From<JobKind> for JobKindDto {
    fn from(kind: JobKind) -> Self {
        match kind {
            JobKind::Email => Self::Email,
            JobKind::DeliverDocument => Self::DeliverDocument,
            JobKind::DirectoryIndex => Self::DirectoryIndex,
            JobKind::DirectoryRemove => Self::DirectoryRemove,
            JobKind::DirectoryIndexAll => Self::DirectoryIndexAll,
            JobKind::PurgeDocuments => Self::PurgeDocuments,
            JobKind::PurgeConnectionUsage => Self::PurgeConnectionUsage,
            JobKind::ExpirePartnerRequests => Self::ExpirePartnerRequests,
            JobKind::DeliverHook => Self::DeliverHook,
            JobKind::PurgeHookDeliveries => Self::PurgeHookDeliveries,
            JobKind::ProcessIntakeMessage => Self::ProcessIntakeMessage,
            JobKind::SmlRegister => Self::SmlRegister,
            JobKind::SmlUnregister => Self::SmlUnregister,
            JobKind::SmlReconcile => Self::SmlReconcile,
            JobKind::CheckCertificates => Self::CheckCertificates,
            JobKind::SendPeppolReport => Self::SendPeppolReport,
            JobKind::Noop => Self::Noop,
        }
    }
}

impl From<JobKindDto> for JobKind {
    fn from(kind: JobKindDto) -> Self {
        match kind {
            JobKindDto::DirectoryIndex => Self::DirectoryIndex,
            JobKindDto::DirectoryRemove => Self::DirectoryRemove,
            JobKindDto::DirectoryIndexAll => Self::DirectoryIndexAll,
            JobKindDto::Email => Self::Email,
            JobKindDto::DeliverDocument => Self::DeliverDocument,
            JobKindDto::PurgeDocuments => Self::PurgeDocuments,
            JobKindDto::PurgeConnectionUsage => Self::PurgeConnectionUsage,
            JobKindDto::ExpirePartnerRequests => Self::ExpirePartnerRequests,
            JobKindDto::DeliverHook => Self::DeliverHook,
            JobKindDto::PurgeHookDeliveries => Self::PurgeHookDeliveries,
            JobKindDto::ProcessIntakeMessage => Self::ProcessIntakeMessage,
            JobKindDto::SmlRegister => Self::SmlRegister,
            JobKindDto::SmlUnregister => Self::SmlUnregister,
            JobKindDto::SmlReconcile => Self::SmlReconcile,
            JobKindDto::CheckCertificates => Self::CheckCertificates,
            JobKindDto::SendPeppolReport => Self::SendPeppolReport,
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
    /// Page size (default 50).
    #[param(minimum = 1, maximum = 200)]
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
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    params: web::Query<JobParams>,
) -> Result<web::Json<JobPage>, ApiError> {
    let params = params.into_inner();
    let filter = JobFilter {
        status: params.status.map(Into::into),
        kind: params.kind.map(Into::into),
        limit: params.limit,
        before: params.before,
    };
    let client = client_info(&req);
    let page = admin::list_jobs(&state.db, &state.operators, &auth.caller(&client), filter).await?;
    Ok(web::Json(JobPage {
        items: page.items.into_iter().map(JobDto::from).collect(),
        next_cursor: page.next_cursor,
    }))
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
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
) -> Result<web::Json<JobDto>, ApiError> {
    let client = client_info(&req);
    let job =
        admin::retry_dead_job(&state.db, &state.operators, &auth.caller(&client), *path).await?;
    state.job_waker.notify_one();
    Ok(web::Json(job.into()))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_jobs).service(retry_job);
}
