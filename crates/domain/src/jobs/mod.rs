//! Background jobs: every step that runs after a request (sending an email today; delivering a
//! document, calling a webhook, reading a mailbox next) is a job of some [`JobKind`] on one
//! durable queue in the database.
//!
//! A job is enqueued by the persistence layer inside the transaction of the change that causes
//! it (the outbox pattern), so it exists exactly when that change was committed. Workers claim
//! due jobs for a lease, run the kind's [`JobHandler`] and record the outcome: success, a
//! [`JobError::Retry`] (again later, after the kind's [`RetryPolicy`]) or a
//! [`JobError::Permanent`] (dead at once). Dead jobs are kept for operators, who may queue
//! them again.
//!
//! Adding a kind: a variant here with its name, retry policy and secret payload fields, a
//! handler in the adapter crate that does the work, and its registration in the API's worker.

pub mod admin;
mod retry;

use std::{future::Future, pin::Pin, time::Duration};

use chrono::{DateTime, Utc};
use uuid::Uuid;

pub use retry::RetryPolicy;

use crate::DomainResult;

/// What a job does; each kind has one handler and one retry policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum JobKind {
    /// Deliver one outgoing email (payload: a [`crate::mail::OutgoingMail`]).
    Email,
    /// Route and deliver one outgoing document (payload: a
    /// [`crate::documents::delivery::DeliveryJob`]).
    DeliverDocument,
    /// Remove the originals of documents past their retention (daily; payload `{}`).
    PurgeDocuments,
    /// Remove connection usage log entries older than 30 days (daily; payload `{}`).
    PurgeConnectionUsage,
    /// Mark authorisation requests past their lifetime as expired (hourly; payload `{}`).
    ExpirePartnerRequests,
    /// Send one hook's pending deliveries in order (payload: a
    /// [`crate::hooks::delivery::DrainJob`]).
    DeliverHook,
    /// Remove hook deliveries and their attempts older than 30 days (daily; payload `{}`).
    PurgeHookDeliveries,
    /// Read one message that came to an intake address and process its invoices (payload: a
    /// [`crate::intake::service::IntakeJob`]).
    ProcessIntakeMessage,
    /// Create a participant id in the SML (payload: a
    /// [`crate::peppol::registration::SmlJob`]).
    SmlRegister,
    /// Delete a participant id from the SML (payload: a
    /// [`crate::peppol::registration::SmlJob`]).
    SmlUnregister,
    /// Queue SML jobs for participant ids out of step (at start and daily; payload `{}`).
    SmlReconcile,
    /// Tell the Peppol Directory to (re)index a participant's business card (payload: a
    /// [`crate::peppol::directory::DirectoryJob`]).
    DirectoryIndex,
    /// Tell the Peppol Directory to drop a participant (payload: a
    /// [`crate::peppol::directory::DirectoryJob`]).
    DirectoryRemove,
    /// Queue a `directory_index` job for every participant listed in the Directory (once per
    /// configured Directory, at start; payload `{}`).
    DirectoryIndexAll,
    /// Warn of the installation's Peppol certificates that expire soon or have expired (at
    /// start and daily; payload `{}`).
    CheckCertificates,
    /// Send one month's Peppol report (TSR or EUSR) to OpenPeppol (payload: a
    /// [`crate::peppol::report_sending::ReportJob`]).
    SendPeppolReport,
    /// Does nothing; for measuring and testing the queue itself.
    Noop,
}

impl JobKind {
    pub const ALL: [Self; 17] = [
        Self::Email,
        Self::DeliverDocument,
        Self::PurgeDocuments,
        Self::PurgeConnectionUsage,
        Self::ExpirePartnerRequests,
        Self::DeliverHook,
        Self::PurgeHookDeliveries,
        Self::ProcessIntakeMessage,
        Self::SmlRegister,
        Self::SmlUnregister,
        Self::SmlReconcile,
        Self::DirectoryIndex,
        Self::DirectoryRemove,
        Self::DirectoryIndexAll,
        Self::CheckCertificates,
        Self::SendPeppolReport,
        Self::Noop,
    ];

    /// The name stored in the database and shown in the API.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::DeliverDocument => "deliver_document",
            Self::PurgeDocuments => "purge_documents",
            Self::PurgeConnectionUsage => "purge_connection_usage",
            Self::ExpirePartnerRequests => "expire_partner_requests",
            Self::DeliverHook => "deliver_hook",
            Self::PurgeHookDeliveries => "purge_hook_deliveries",
            Self::ProcessIntakeMessage => "process_intake_message",
            Self::SmlRegister => "sml_register",
            Self::SmlUnregister => "sml_unregister",
            Self::SmlReconcile => "sml_reconcile",
            Self::DirectoryIndex => "directory_index",
            Self::DirectoryRemove => "directory_remove",
            Self::DirectoryIndexAll => "directory_index_all",
            Self::CheckCertificates => "check_certificates",
            Self::SendPeppolReport => "send_peppol_report",
            Self::Noop => "noop",
        }
    }

    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// How this kind is retried.
    #[must_use]
    pub fn retry_policy(self) -> RetryPolicy {
        match self {
            // Mail relays defer for minutes to hours: 30 s, 1 min, 2 min, … up to an hour,
            // eight attempts (about two hours in all).
            Self::Email => RetryPolicy {
                max_attempts: 8,
                first_delay: Duration::from_secs(30),
                max_delay: Duration::from_secs(60 * 60),
                jitter: 0.1,
            },
            // Receivers are down for minutes to hours: 1 min, 2 min, 4 min, … up to six hours
            // (the attempt count can be set per installation: `delivery_max_attempts`).
            Self::DeliverDocument => RetryPolicy {
                max_attempts: 8,
                first_delay: Duration::from_secs(60),
                max_delay: Duration::from_secs(6 * 60 * 60),
                jitter: 0.2,
            },
            // The job retries its deliveries itself (the hook's schedule); the job's own retry
            // is for a database that could not be reached.
            Self::DeliverHook => RetryPolicy {
                max_attempts: 20,
                first_delay: Duration::from_secs(5),
                max_delay: Duration::from_secs(10 * 60),
                jitter: 0.2,
            },
            // Only the database or the document store can fail it, and they come back soon:
            // 10 s, 20 s, … up to half an hour.
            Self::ProcessIntakeMessage => RetryPolicy {
                max_attempts: 10,
                first_delay: Duration::from_secs(10),
                max_delay: Duration::from_secs(30 * 60),
                jitter: 0.2,
            },
            // The SML is down for minutes to hours: 1 min, 2 min, … up to three hours, twelve
            // attempts (about a day); the daily reconcile tries again after that.
            Self::SmlRegister | Self::SmlUnregister => RetryPolicy {
                max_attempts: 12,
                first_delay: Duration::from_secs(60),
                max_delay: Duration::from_secs(3 * 60 * 60),
                jitter: 0.2,
            },
            Self::PurgeDocuments
            | Self::PurgeConnectionUsage
            | Self::PurgeHookDeliveries
            | Self::SmlReconcile
            | Self::DirectoryIndexAll
            | Self::CheckCertificates
            | Self::ExpirePartnerRequests => RetryPolicy {
                max_attempts: 5,
                first_delay: Duration::from_secs(5 * 60),
                max_delay: Duration::from_secs(2 * 60 * 60),
                jitter: 0.2,
            },
            // The Directory is one service that comes back: 30 s doubling to six hours, for
            // about two days.
            Self::DirectoryIndex | Self::DirectoryRemove => RetryPolicy {
                max_attempts: 12,
                first_delay: Duration::from_secs(30),
                max_delay: Duration::from_secs(6 * 60 * 60),
                jitter: 0.2,
            },
            // OpenPeppol's access point may be away for hours; the submitting period lasts
            // until the 15th: 5 min doubling to six hours, 12 attempts (about two days).
            Self::SendPeppolReport => RetryPolicy {
                max_attempts: 12,
                first_delay: Duration::from_secs(5 * 60),
                max_delay: Duration::from_secs(6 * 60 * 60),
                jitter: 0.2,
            },
            Self::Noop => RetryPolicy {
                max_attempts: 3,
                first_delay: Duration::from_secs(10),
                max_delay: Duration::from_secs(60),
                jitter: 0.1,
            },
        }
    }

    /// Top-level payload fields that hold secrets (single-use links): emptied when the job
    /// succeeds or dies, so they do not outlive their purpose in the database.
    #[must_use]
    pub fn secret_fields(self) -> &'static [&'static str] {
        match self {
            Self::Email => &["text_body", "html_body"],
            Self::DeliverDocument
            | Self::PurgeDocuments
            | Self::PurgeConnectionUsage
            | Self::ExpirePartnerRequests
            | Self::DeliverHook
            | Self::PurgeHookDeliveries
            | Self::ProcessIntakeMessage
            | Self::DirectoryIndex
            | Self::DirectoryRemove
            | Self::DirectoryIndexAll
            | Self::SmlRegister
            | Self::SmlUnregister
            | Self::SmlReconcile
            | Self::CheckCertificates
            | Self::SendPeppolReport
            | Self::Noop => &[],
        }
    }

    /// The payload with the secret fields emptied.
    #[must_use]
    pub fn erase_secrets(self, payload: &serde_json::Value) -> serde_json::Value {
        let mut erased = payload.clone();
        if let Some(object) = erased.as_object_mut() {
            for field in self.secret_fields() {
                if let Some(value) = object.get_mut(*field) {
                    *value = serde_json::Value::String(String::new());
                }
            }
        }
        erased
    }
}

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum JobStatus {
    /// Waiting until `run_at`.
    Queued,
    /// Claimed by a worker until `locked_until`.
    Running,
    /// Done.
    Succeeded,
    /// Given up (a permanent error, or the last attempt failed); kept for operators.
    Dead,
}

impl JobStatus {
    pub const ALL: [Self; 4] = [Self::Queued, Self::Running, Self::Succeeded, Self::Dead];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Succeeded => "succeeded",
            Self::Dead => "dead",
        }
    }

    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

/// A job to enqueue.
#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    pub kind: JobKind,
    pub payload: serde_json::Value,
    /// When set, a second job with the same key is not created (the first one stands).
    pub idempotency_key: Option<String>,
    /// Not before this time; now when `None`.
    pub run_at: Option<DateTime<Utc>>,
    /// Attempts before the job dies; the kind's policy when `None`.
    pub max_attempts: Option<u32>,
}

impl NewJob {
    #[must_use]
    pub fn new(kind: JobKind, payload: serde_json::Value) -> Self {
        Self {
            kind,
            payload,
            idempotency_key: None,
            run_at: None,
            max_attempts: None,
        }
    }

    #[must_use]
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = Some(attempts.max(1));
        self
    }

    #[must_use]
    pub fn idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }

    #[must_use]
    pub fn run_at(mut self, at: DateTime<Utc>) -> Self {
        self.run_at = Some(at);
        self
    }
}

/// A job claimed by a worker. `attempt` (1 for the first run) is the claim's token: an outcome
/// is recorded only while this claim is still the current one.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimedJob {
    pub id: Uuid,
    pub kind: JobKind,
    pub payload: serde_json::Value,
    pub attempt: u32,
    /// The job's attempt limit (its kind's when it was enqueued).
    pub max_attempts: u32,
}

/// Why a run failed, as the handler judges it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JobError {
    /// Worth another attempt later (a timeout, a 4xx reply, a full disk).
    #[error("{0}")]
    Retry(String),
    /// Will never succeed (a rejected address, a malformed payload): dead at once.
    #[error("{0}")]
    Permanent(String),
}

/// What a recorded outcome led to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Succeeded,
    /// Another attempt is due at this time.
    Retrying(DateTime<Utc>),
    /// No more attempts; the job is dead.
    Dead,
    /// The claim had expired and another worker took the job over; nothing was recorded.
    Stale,
}

/// A job as operators see it (never its payload, which may hold secrets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRecord {
    pub id: Uuid,
    pub kind: JobKind,
    pub status: JobStatus,
    pub attempts: u32,
    pub max_attempts: u32,
    pub run_at: DateTime<Utc>,
    pub locked_until: Option<DateTime<Utc>>,
    pub locked_by: Option<String>,
    pub last_error: Option<String>,
    pub idempotency_key: Option<String>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// A page of jobs, newest first.
#[derive(Debug, Clone, Default)]
pub struct JobQuery {
    pub status: Option<JobStatus>,
    pub kind: Option<JobKind>,
    /// Only jobs created before this one (`created_at`, `id`): the cursor of the previous page.
    pub before: Option<(DateTime<Utc>, Uuid)>,
    pub limit: u64,
}

/// How many jobs are in one (kind, status), for metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JobCount {
    pub kind: JobKind,
    pub status: JobStatus,
    pub count: u64,
}

/// Port: the queue as a worker sees it.
pub trait JobQueue {
    /// Claims up to `limit` due jobs of `kinds` for `lease`, as `worker`: queued ones whose
    /// time has come, and running ones whose lease ended (a worker that died). Each claim
    /// counts as an attempt. A job is never handed to two workers for the same lease, also
    /// across instances sharing the database.
    ///
    /// # Errors
    /// [`crate::DomainError::Unexpected`] when the store cannot be reached.
    fn claim(
        &self,
        worker: &str,
        kinds: &[JobKind],
        limit: u32,
        lease: Duration,
    ) -> impl Future<Output = DomainResult<Vec<ClaimedJob>>> + Send;

    /// Records a run's result: success, a retry after the kind's backoff (or dead after the
    /// last attempt), or dead at once for a permanent error.
    ///
    /// # Errors
    /// [`crate::DomainError::Unexpected`] when the store cannot be reached.
    fn record(
        &self,
        job: &ClaimedJob,
        result: &Result<(), JobError>,
    ) -> impl Future<Output = DomainResult<Outcome>> + Send;
}

/// Port: what platform operators may do with jobs.
pub trait JobAdmin {
    /// A page of jobs, newest first.
    ///
    /// # Errors
    /// [`crate::DomainError::Unexpected`] when the store cannot be reached.
    fn list_jobs(
        &self,
        query: &JobQuery,
    ) -> impl Future<Output = DomainResult<Vec<JobRecord>>> + Send;

    /// Queues a dead job again, now, with its attempts reset.
    ///
    /// # Errors
    /// [`crate::DomainError::NotFound`] for an unknown id, [`crate::DomainError::Conflict`]
    /// when the job is not dead.
    fn retry_dead_job(&self, id: Uuid) -> impl Future<Output = DomainResult<JobRecord>> + Send;

    /// Number of jobs by kind and status (only pairs that occur).
    ///
    /// # Errors
    /// [`crate::DomainError::Unexpected`] when the store cannot be reached.
    fn job_counts(&self) -> impl Future<Output = DomainResult<Vec<JobCount>>> + Send;
}

/// A boxed future, so that handlers of different kinds can sit in one registry.
pub type HandlerFuture<'a> = Pin<Box<dyn Future<Output = Result<(), JobError>> + Send + 'a>>;

/// Does the work of one kind. Runs may be repeated (a worker that died mid-run is replaced
/// after its lease), so a handler must tolerate running a job twice.
pub trait JobHandler: Send + Sync {
    fn kind(&self) -> JobKind;

    fn run<'a>(&'a self, job: &'a ClaimedJob) -> HandlerFuture<'a>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for kind in JobKind::ALL {
            assert_eq!(JobKind::parse(kind.as_str()), Some(kind));
        }
        for status in JobStatus::ALL {
            assert_eq!(JobStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(JobKind::parse("nope"), None);
    }

    #[test]
    fn erasing_empties_only_the_secret_fields() {
        let payload = serde_json::json!({"to": "a@b.example", "subject": "Hi", "text_body": "link", "html_body": "<a>link</a>"});
        let erased = JobKind::Email.erase_secrets(&payload);
        assert_eq!(
            erased,
            serde_json::json!({"to": "a@b.example", "subject": "Hi", "text_body": "", "html_body": ""})
        );
        assert_eq!(JobKind::Noop.erase_secrets(&payload), payload);
    }
}
