//! Starting and stopping the background-job worker from the settings, with the handler of
//! every job kind.

use std::{sync::Arc, time::Duration};

use haven_peppol::rollover::Swappable;

use anyhow::Context;
use haven_domain::{
    documents::delivery::{
        deliver_document, Channels, DeliverySettings, EmailChannel, InternalChannel,
    },
    documents::sending::SendSettings,
    intake::{
        processing::{process_message, Processing},
        service::{IntakeJob, IntakeSettings},
    },
    jobs::{ClaimedJob, HandlerFuture, JobError, JobHandler, JobKind},
};
use haven_jobs::{spawn_worker, Registry, WorkerOptions};
use haven_mailer::{EmailHandler, HookMailTransport, SmtpConfig, Transport};
use haven_persistence::Database;
use tokio::{sync::Notify, task::JoinHandle};
use tokio_util::sync::CancellationToken;

use crate::{config::Settings, metrics::jobs::CountingJobQueue};

/// Time for running jobs to finish on shutdown before they are abandoned (and run again
/// elsewhere when their leases end).
const STOP_TIMEOUT: Duration = Duration::from_secs(15);
/// Limit for each SMTP command.
const SMTP_TIMEOUT: Duration = Duration::from_secs(20);
/// The shortest lease accepted from the settings (`job_lease_secs`). The default, five
/// minutes, covers an SMTP delivery of a handful of commands of at most `SMTP_TIMEOUT` each;
/// crash tests use a few seconds to get a killed instance's job back quickly.
const MIN_LEASE: Duration = Duration::from_secs(1);

/// The running job worker.
pub struct JobWorker {
    shutdown: CancellationToken,
    /// The workers (one per lane of slots) and the task that passes wakes on to them.
    handles: Vec<JoinHandle<()>>,
    wake: Arc<Notify>,
}

impl JobWorker {
    /// Starts the worker with every kind's handler: email over SMTP when `smtp_host` is set,
    /// else into the file outbox in the data directory. `wake` makes it look at the queue
    /// without waiting for the next poll.
    ///
    /// # Errors
    /// When `mail_from` is not a mailbox, the SMTP settings are unusable, or the outbox
    /// directory cannot be created.
    pub fn start(
        settings: &Settings,
        db: Database,
        wake: Arc<Notify>,
        documents: DocumentJobs,
        intake: IntakeSettings,
        blobs: haven_storage::Storage,
        hooks: HookJobs,
    ) -> anyhow::Result<Self> {
        let DocumentJobs {
            send,
            peppol,
            certificates,
            sml,
            directory,
        } = documents;
        let delivery = send.delivery.clone();
        let retention = haven_domain::documents::retention::parse_rules(&settings.retention)
            .map_err(|e| anyhow::anyhow!(e))?;
        let mail = mail_transport(settings)?;
        let email = EmailHandler::new(mail.clone(), &settings.mail_from).with_context(|| {
            format!("mail_from {:?} is not an email address", settings.mail_from)
        })?;
        // Mail hooks send through the same transport and sender as every other email.
        let hook_mail = HookMailTransport::new(mail, &settings.mail_from).with_context(|| {
            format!("mail_from {:?} is not an email address", settings.mail_from)
        })?;
        let send_report = SendReportHandler {
            db: db.clone(),
            blobs: blobs.clone(),
            peppol: peppol.clone(),
            enabled: settings.peppol_reporting_send,
            certificates: certificates.clone(),
        };
        let deliver = DeliverDocumentHandler {
            db: db.clone(),
            blobs: blobs.clone(),
            peppol,
            settings: delivery,
            wake: wake.clone(),
        };
        let deliver_hook = DeliverHookHandler {
            db: db.clone(),
            transport: haven_hooks::HttpTransport::new(hooks.settings.targets.clone())
                .context("could not set up the webhook HTTP client")?,
            mail: hook_mail,
            documents: HookDocumentReader {
                db: db.clone(),
                blobs: blobs.clone(),
            },
            sealing: hooks.sealing,
            settings: hooks.settings,
            wake: wake.clone(),
        };
        let process_intake = ProcessIntakeHandler {
            db: db.clone(),
            blobs: blobs.clone(),
            send,
            intake,
            ocr: haven_ocr::Tesseract::new(settings.ocr_config()),
        };
        let purge = PurgeHandler {
            db: db.clone(),
            blobs,
            rules: retention,
        };
        // Without a Directory configured its jobs succeed at once, doing nothing.
        let registry = Registry::new()
            .with(DirectoryHandler {
                db: db.clone(),
                kind: JobKind::DirectoryIndex,
                indexer: directory.clone(),
            })
            .with(DirectoryHandler {
                db: db.clone(),
                kind: JobKind::DirectoryRemove,
                indexer: directory.clone(),
            })
            .with(DirectoryIndexAllHandler {
                db: db.clone(),
                configured: directory.is_some(),
                wake: wake.clone(),
            })
            .with(email)
            .with(deliver)
            .with(purge)
            .with(process_intake)
            .with(PurgeUsageHandler { db: db.clone() })
            .with(PurgeHookHandler { db: db.clone() })
            .with(ExpirePartnerRequestsHandler { db: db.clone() })
            .with(SmlHandler {
                kind: JobKind::SmlRegister,
                db: db.clone(),
                client: sml.clone(),
            })
            .with(SmlHandler {
                kind: JobKind::SmlUnregister,
                db: db.clone(),
                client: sml.clone(),
            })
            .with(SmlReconcileHandler {
                db: db.clone(),
                client: sml,
                smp_url: format!(
                    "{}{}",
                    settings.public_url.trim_end_matches('/'),
                    crate::smp::SMP_PATH
                ),
                wake: wake.clone(),
            })
            .with(CheckCertificatesHandler {
                db: db.clone(),
                certificates,
                warning: settings.peppol_certificate_warning(),
            })
            .with(send_report)
            .with(NoopHandler);
        // Webhook deliveries get their own worker and slots: they wait on other parties'
        // servers (up to the 10-second time-out each), so a backlog of them, or a slow
        // receiver, must not hold the slots that deliver documents, nor the other way round.
        let hook_registry = Registry::new().with(deliver_hook);
        let shutdown = CancellationToken::new();
        let lanes = [
            (registry, settings.job_concurrency),
            (hook_registry, settings.hook_concurrency),
        ];
        let mut handles = Vec::with_capacity(lanes.len());
        let mut lane_wakes = Vec::with_capacity(lanes.len());
        for (registry, concurrency) in lanes {
            let lane_wake = Arc::new(Notify::new());
            let options = WorkerOptions {
                wake: lane_wake.clone(),
                ..WorkerOptions::default()
            }
            .poll_interval(Duration::from_millis(
                settings.mail_poll_interval_ms.max(10),
            ))
            .concurrency(usize::try_from(concurrency).unwrap_or(usize::MAX))
            .lease(Duration::from_secs(settings.job_lease_secs).max(MIN_LEASE));
            handles.push(spawn_worker(
                CountingJobQueue(db.clone()),
                registry,
                options,
                shutdown.clone(),
            ));
            lane_wakes.push(lane_wake);
        }
        handles.push(tokio::spawn(forward_wakes(
            wake.clone(),
            lane_wakes,
            shutdown.clone(),
        )));
        Ok(Self {
            shutdown,
            handles,
            wake,
        })
    }

    /// Poke after enqueueing a job to have it run without waiting for the next poll.
    #[must_use]
    pub fn waker(&self) -> Arc<Notify> {
        self.wake.clone()
    }

    /// Stops claiming and lets running jobs finish (at most [`STOP_TIMEOUT`] in all).
    pub async fn stop(self) {
        self.shutdown.cancel();
        let deadline = tokio::time::Instant::now() + STOP_TIMEOUT;
        for mut handle in self.handles {
            match tokio::time::timeout_at(deadline, &mut handle).await {
                Ok(Ok(())) => {}
                Ok(Err(err)) => tracing::warn!(error = %err, "the job worker ended abnormally"),
                Err(_) => {
                    tracing::warn!(
                        "the job worker did not stop in time; abandoning its running jobs"
                    );
                    handle.abort();
                }
            }
        }
    }
}

/// Passes every wake (someone enqueued a job) on to each lane's worker: a job may be of any
/// lane's kind, and `notify_one` keeps one wake for a worker that is busy at the moment.
async fn forward_wakes(wake: Arc<Notify>, lanes: Vec<Arc<Notify>>, shutdown: CancellationToken) {
    loop {
        tokio::select! {
            () = shutdown.cancelled() => break,
            () = wake.notified() => {
                for lane in &lanes {
                    lane.notify_one();
                }
            }
        }
    }
}

fn mail_transport(settings: &Settings) -> anyhow::Result<Transport> {
    match &settings.smtp_host {
        Some(host) => {
            tracing::info!(smtp_host = %host, smtp_port = settings.smtp_port, smtp_tls = ?settings.smtp_tls, "sending email over SMTP");
            Transport::smtp(&SmtpConfig {
                host: host.clone(),
                port: settings.smtp_port,
                tls: settings.smtp_tls,
                username: settings.smtp_username.clone(),
                password: settings.smtp_password.clone(),
                timeout: SMTP_TIMEOUT,
            })
            .context("could not set up the SMTP transport")
        }
        None => {
            let dir = settings.outbox_dir();
            tracing::info!(outbox = %dir.display(), "no smtp_host: writing email as files into the outbox");
            Transport::outbox(&dir)
                .with_context(|| format!("could not create the mail outbox {}", dir.display()))
        }
    }
}

/// Runs `noop` jobs (enqueued only by tests and the queue benchmark) so they never linger.
struct NoopHandler;

impl JobHandler for NoopHandler {
    fn kind(&self) -> JobKind {
        JobKind::Noop
    }

    fn run<'a>(&'a self, _job: &'a ClaimedJob) -> HandlerFuture<'a> {
        Box::pin(async { Ok(()) })
    }
}

/// Runs `deliver_document` jobs: the entrance of the delivery use case.
struct DeliverDocumentHandler {
    db: Database,
    blobs: haven_storage::Storage,
    /// The Peppol network when sending over it is configured.
    peppol: Option<Arc<crate::as4::PeppolNetwork>>,
    settings: DeliverySettings,
    /// Poked after a run: a delivery may have queued webhook jobs to run at once.
    wake: Arc<Notify>,
}

impl JobHandler for DeliverDocumentHandler {
    fn kind(&self) -> JobKind {
        JobKind::DeliverDocument
    }

    fn run<'a>(&'a self, job: &'a ClaimedJob) -> HandlerFuture<'a> {
        Box::pin(async move {
            let internal = InternalChannel {
                records: &self.db,
                received_price: self.settings.received_price.clone(),
            };
            let email = EmailChannel {
                records: &self.db,
                links: &self.settings.links,
                link_days: self.settings.link_days,
            };
            let peppol = self
                .peppol
                .as_deref()
                .map(|network| network.channel(&self.db, &self.blobs, job.id));
            let channels = Channels {
                internal,
                peppol,
                email,
            };
            let outcome = deliver_document(&self.db, &channels, &self.settings, job).await;
            self.wake.notify_one();
            outcome
        })
    }
}

/// Runs `process_intake_message` jobs: the entrance of intake processing.
struct ProcessIntakeHandler {
    db: Database,
    blobs: haven_storage::Storage,
    send: SendSettings,
    intake: IntakeSettings,
    ocr: haven_ocr::Tesseract,
}

impl JobHandler for ProcessIntakeHandler {
    fn kind(&self) -> JobKind {
        JobKind::ProcessIntakeMessage
    }

    fn run<'a>(&'a self, job: &'a ClaimedJob) -> HandlerFuture<'a> {
        Box::pin(async move {
            let payload: IntakeJob = serde_json::from_value(job.payload.clone())
                .map_err(|e| JobError::Permanent(format!("unreadable payload: {e}")))?;
            let ports = Processing {
                intake: &self.db,
                records: &self.db,
                blobs: &self.blobs,
                inspector: &crate::inspector::BlockingInspector,
                reader: &haven_mailbox::reader::MimeReader,
                ocr: &self.ocr,
                settings: &self.intake,
                send: &self.send,
            };
            process_message(&ports, payload.message_id)
                .await
                .map_err(|e| JobError::Retry(e.to_string()))
        })
    }
}

/// The idempotency key of the purge run of `day`: one run per day, however many instances.
fn purge_job(day: chrono::NaiveDate) -> haven_domain::jobs::NewJob {
    let at = day
        .and_hms_opt(3, 0, 0)
        .map_or_else(chrono::Utc::now, |t| t.and_utc());
    haven_domain::jobs::NewJob::new(JobKind::PurgeDocuments, serde_json::json!({}))
        .idempotency_key(format!("purge:{day}"))
        .run_at(at)
}

/// Queues today's purge run (if no instance did yet); each run queues the next day's.
///
/// # Errors
/// When the database cannot be reached.
pub async fn schedule_purge(db: &Database) -> anyhow::Result<()> {
    let today = chrono::Utc::now().date_naive();
    db.enqueue_job(purge_job(today))
        .await
        .map_err(|e| anyhow::anyhow!(e).context("could not schedule the retention run"))?;
    Ok(())
}

/// Runs `purge_documents` jobs: the entrance of the retention use case.
struct PurgeHandler {
    db: Database,
    blobs: haven_storage::Storage,
    rules: Vec<haven_domain::documents::retention::RetentionRule>,
}

impl JobHandler for PurgeHandler {
    fn kind(&self) -> JobKind {
        JobKind::PurgeDocuments
    }

    fn run<'a>(&'a self, _job: &'a ClaimedJob) -> HandlerFuture<'a> {
        Box::pin(async move {
            let now = chrono::Utc::now();
            let purged = haven_domain::documents::retention::purge_expired(
                &self.db,
                &self.blobs,
                &self.rules,
                now,
            )
            .await
            .map_err(|e| haven_domain::jobs::JobError::Retry(e.to_string()))?;
            tracing::info!(purged = purged.len(), ids = ?purged, "retention run done");
            let tomorrow = now.date_naive() + chrono::TimeDelta::days(1);
            self.db
                .enqueue_job(purge_job(tomorrow))
                .await
                .map_err(|e| haven_domain::jobs::JobError::Retry(e.to_string()))?;
            Ok(())
        })
    }
}

/// The daily usage-log purge of `day`: one run per day, however many instances.
fn usage_purge_job(day: chrono::NaiveDate) -> haven_domain::jobs::NewJob {
    let at = day
        .and_hms_opt(3, 30, 0)
        .map_or_else(chrono::Utc::now, |t| t.and_utc());
    haven_domain::jobs::NewJob::new(JobKind::PurgeConnectionUsage, serde_json::json!({}))
        .idempotency_key(format!("purge-connection-usage:{day}"))
        .run_at(at)
}

/// Queues today's usage-log purge (if no instance did yet); each run queues the next day's.
///
/// # Errors
/// When the database cannot be reached.
pub async fn schedule_usage_purge(db: &Database) -> anyhow::Result<()> {
    db.enqueue_job(usage_purge_job(chrono::Utc::now().date_naive()))
        .await
        .map_err(|e| anyhow::anyhow!(e).context("could not schedule the usage log purge"))?;
    Ok(())
}

/// Runs `purge_connection_usage` jobs: entries older than 30 days go.
struct PurgeUsageHandler {
    db: Database,
}

impl JobHandler for PurgeUsageHandler {
    fn kind(&self) -> JobKind {
        JobKind::PurgeConnectionUsage
    }

    fn run<'a>(&'a self, _job: &'a ClaimedJob) -> HandlerFuture<'a> {
        Box::pin(async move {
            let now = chrono::Utc::now();
            let removed = haven_domain::connections::service::purge_usage(&self.db, now)
                .await
                .map_err(|e| haven_domain::jobs::JobError::Retry(e.to_string()))?;
            tracing::info!(removed, "usage log purge done");
            self.db
                .enqueue_job(usage_purge_job(
                    now.date_naive() + chrono::TimeDelta::days(1),
                ))
                .await
                .map_err(|e| haven_domain::jobs::JobError::Retry(e.to_string()))?;
            Ok(())
        })
    }
}

/// What the document jobs need besides the database and the document store.
pub struct DocumentJobs {
    /// Prices and delivery behaviour.
    pub send: SendSettings,
    /// The Peppol network when sending over it is configured.
    pub peppol: Option<Arc<crate::as4::PeppolNetwork>>,
    /// The access point and SMP certificates of the moment, for the daily expiry check.
    pub certificates: haven_peppol::rollover::Swappable<
        Vec<haven_domain::peppol::certificates::InstalledCertificate>,
    >,
    /// The SML client when registration is on, shared with the API and replaced when the
    /// SMP's key files are renewed.
    pub sml: Option<Swappable<haven_peppol::sml_manage::SmlManageClient>>,
    /// The Peppol Directory's client when one is configured, replaced likewise.
    pub directory: Option<Swappable<haven_peppol::directory::DirectoryClient>>,
}

/// What the webhook jobs need besides the database.
pub struct HookJobs {
    pub settings: haven_domain::hooks::service::HookSettings,
    /// Opens the hooks' sealed signing secrets.
    pub sealing: crate::secrets::SealingBox,
}

/// Runs `deliver_hook` jobs: the entrance of the hook delivery use case.
struct DeliverHookHandler {
    db: Database,
    transport: haven_hooks::HttpTransport,
    mail: HookMailTransport,
    documents: HookDocumentReader,
    sealing: crate::secrets::SealingBox,
    settings: haven_domain::hooks::service::HookSettings,
    /// Poked after a run: a failed delivery may have raised events for other hooks.
    wake: Arc<Notify>,
}

impl JobHandler for DeliverHookHandler {
    fn kind(&self) -> JobKind {
        JobKind::DeliverHook
    }

    fn run<'a>(&'a self, job: &'a ClaimedJob) -> HandlerFuture<'a> {
        Box::pin(async move {
            let channels = haven_domain::hooks::delivery::HookChannels {
                http: &self.transport,
                mail: &self.mail,
                documents: &self.documents,
            };
            let outcome = haven_domain::hooks::delivery::drain_hook(
                &self.db,
                &channels,
                &self.sealing,
                &self.settings,
                job,
            )
            .await;
            self.wake.notify_one();
            outcome
        })
    }
}

/// Reads the documents mail hooks attach: the row from the database, the bytes from the
/// document store.
struct HookDocumentReader {
    db: Database,
    blobs: haven_storage::Storage,
}

impl haven_domain::hooks::mail::HookDocuments for HookDocumentReader {
    async fn event_document(
        &self,
        environment_id: uuid::Uuid,
        id: uuid::Uuid,
    ) -> haven_domain::DomainResult<Option<haven_domain::hooks::mail::EventDocument>> {
        use haven_domain::documents::{blobs::DocumentStore as _, store::DocumentRecords as _};
        let Some(document) = self.db.find_document(environment_id, id).await? else {
            return Ok(None);
        };
        let bytes = if document.purged_at.is_some() {
            None
        } else {
            match self.blobs.get(&document.content_hash).await {
                Ok(bytes) => Some(bytes),
                Err(haven_domain::DomainError::NotFound { .. }) => None,
                Err(e) => return Err(e),
            }
        };
        Ok(Some(haven_domain::hooks::mail::EventDocument {
            number: document.facts.number,
            syntax: document.facts.syntax,
            content_type: document.content_type,
            bytes,
        }))
    }
}

/// The daily purge of the webhook delivery log of `day`: one run per day, however many
/// instances.
fn hook_purge_job(day: chrono::NaiveDate) -> haven_domain::jobs::NewJob {
    let at = day
        .and_hms_opt(3, 45, 0)
        .map_or_else(chrono::Utc::now, |t| t.and_utc());
    haven_domain::jobs::NewJob::new(JobKind::PurgeHookDeliveries, serde_json::json!({}))
        .idempotency_key(format!("purge-hook-deliveries:{day}"))
        .run_at(at)
}

/// Queues today's delivery-log purge (if no instance did yet); each run queues the next day's.
///
/// # Errors
/// When the database cannot be reached.
pub async fn schedule_hook_purge(db: &Database) -> anyhow::Result<()> {
    db.enqueue_job(hook_purge_job(chrono::Utc::now().date_naive()))
        .await
        .map_err(|e| anyhow::anyhow!(e).context("could not schedule the webhook log purge"))?;
    Ok(())
}

/// Runs `purge_hook_deliveries` jobs: deliveries older than 30 days go, with their attempts.
struct PurgeHookHandler {
    db: Database,
}

impl JobHandler for PurgeHookHandler {
    fn kind(&self) -> JobKind {
        JobKind::PurgeHookDeliveries
    }

    fn run<'a>(&'a self, _job: &'a ClaimedJob) -> HandlerFuture<'a> {
        use haven_domain::hooks::store::HookDeliveries as _;
        Box::pin(async move {
            let now = chrono::Utc::now();
            let before = now - chrono::TimeDelta::days(haven_domain::hooks::LOG_DAYS);
            let removed = self
                .db
                .purge_deliveries(before)
                .await
                .map_err(|e| haven_domain::jobs::JobError::Retry(e.to_string()))?;
            tracing::info!(removed, "webhook delivery log purge done");
            self.db
                .enqueue_job(hook_purge_job(
                    now.date_naive() + chrono::TimeDelta::days(1),
                ))
                .await
                .map_err(|e| haven_domain::jobs::JobError::Retry(e.to_string()))?;
            Ok(())
        })
    }
}

/// The expiry run of the hour that starts at `hour`: one run per hour, however many
/// instances.
fn partner_expiry_job(hour: chrono::DateTime<chrono::Utc>) -> haven_domain::jobs::NewJob {
    haven_domain::jobs::NewJob::new(JobKind::ExpirePartnerRequests, serde_json::json!({}))
        .idempotency_key(format!(
            "expire-partner-requests:{}",
            hour.format("%Y-%m-%dT%H")
        ))
        .run_at(hour)
}

/// The start of the hour `at` is in.
fn hour_of(at: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
    use chrono::{DurationRound, TimeDelta};
    at.duration_trunc(TimeDelta::hours(1)).unwrap_or(at)
}

/// Queues this hour's expiry run of authorisation requests (if no instance did yet); each
/// run queues the next hour's.
///
/// # Errors
/// When the database cannot be reached.
pub async fn schedule_partner_expiry(db: &Database) -> anyhow::Result<()> {
    db.enqueue_job(partner_expiry_job(hour_of(chrono::Utc::now())))
        .await
        .map_err(|e| anyhow::anyhow!(e).context("could not schedule the partner request expiry"))?;
    Ok(())
}

/// Runs `expire_partner_requests` jobs: pending requests past their lifetime become
/// expired (answering one checks the expiry too, so the job only tidies up and records it).
struct ExpirePartnerRequestsHandler {
    db: Database,
}

impl JobHandler for ExpirePartnerRequestsHandler {
    fn kind(&self) -> JobKind {
        JobKind::ExpirePartnerRequests
    }

    fn run<'a>(&'a self, _job: &'a ClaimedJob) -> HandlerFuture<'a> {
        Box::pin(async move {
            let now = chrono::Utc::now();
            let expired = haven_domain::partners::service::expire_requests(&self.db, now)
                .await
                .map_err(|e| haven_domain::jobs::JobError::Retry(e.to_string()))?;
            tracing::info!(expired, "partner request expiry done");
            self.db
                .enqueue_job(partner_expiry_job(
                    hour_of(now) + chrono::TimeDelta::hours(1),
                ))
                .await
                .map_err(|e| haven_domain::jobs::JobError::Retry(e.to_string()))?;
            Ok(())
        })
    }
}

/// Runs `sml_register` and `sml_unregister` jobs: the entrance of
/// `peppol::registration::sync_participant`, which acts on what the SMP publishes when the job
/// runs. A temporary failure is retried with the kind's backoff and marked failed at the last
/// attempt; a refusal by the SML is permanent.
struct SmlHandler {
    kind: JobKind,
    db: Database,
    /// `None` when registration is off: the job does nothing.
    client: Option<Swappable<haven_peppol::sml_manage::SmlManageClient>>,
}

impl JobHandler for SmlHandler {
    fn kind(&self) -> JobKind {
        self.kind
    }

    fn run<'a>(&'a self, job: &'a ClaimedJob) -> HandlerFuture<'a> {
        use haven_domain::peppol::registration::{sync_participant, SmlJob, SyncError};
        Box::pin(async move {
            let payload: SmlJob = serde_json::from_value(job.payload.clone())
                .map_err(|e| JobError::Permanent(format!("unreadable payload: {e}")))?;
            let last_attempt = job.attempt >= job.max_attempts;
            let client = self.client.as_ref().map(Swappable::load);
            match sync_participant(
                &self.db,
                client.as_deref(),
                &payload.participant_id,
                last_attempt,
            )
            .await
            {
                Ok(synced) => {
                    tracing::info!(participant_id = %payload.participant_id, ?synced, "SML in step");
                    Ok(())
                }
                // At the last attempt it is recorded as failed and in the installation's audit
                // log, as a refusal always is.
                Err(SyncError::Sml(error)) if error.is_temporary() => {
                    Err(JobError::Retry(error.to_string()))
                }
                Err(SyncError::Sml(error)) => Err(JobError::Permanent(error.to_string())),
                Err(SyncError::Domain(error)) => Err(JobError::Retry(error.to_string())),
            }
        })
    }
}

/// The certificate check of `day` (at `at`): one run per day, however many instances or
/// restarts, so each certificate is warned of once a day.
fn certificate_check_job(
    day: chrono::NaiveDate,
    at: chrono::DateTime<chrono::Utc>,
) -> haven_domain::jobs::NewJob {
    haven_domain::jobs::NewJob::new(JobKind::CheckCertificates, serde_json::json!({}))
        .idempotency_key(format!("check-certificates:{day}"))
        .run_at(at)
}

/// Queues today's certificate check, to run now (unless it ran today), when the installation
/// has Peppol certificates; each run queues the next day's.
///
/// # Errors
/// When the database cannot be reached.
pub async fn schedule_certificate_check(
    db: &Database,
    certificates: &[haven_domain::peppol::certificates::InstalledCertificate],
) -> anyhow::Result<()> {
    if certificates.is_empty() {
        return Ok(());
    }
    let now = chrono::Utc::now();
    db.enqueue_job(certificate_check_job(now.date_naive(), now))
        .await
        .map_err(|e| anyhow::anyhow!(e).context("could not schedule the certificate check"))?;
    Ok(())
}

/// Runs `check_certificates` jobs: warns of certificates that expire soon or have expired,
/// then queues tomorrow's check.
struct CheckCertificatesHandler {
    db: Database,
    certificates: haven_peppol::rollover::Swappable<
        Vec<haven_domain::peppol::certificates::InstalledCertificate>,
    >,
    warning: chrono::TimeDelta,
}

impl JobHandler for CheckCertificatesHandler {
    fn kind(&self) -> JobKind {
        JobKind::CheckCertificates
    }

    fn run<'a>(&'a self, _job: &'a ClaimedJob) -> HandlerFuture<'a> {
        Box::pin(async move {
            let retry = |e: haven_domain::DomainError| JobError::Retry(e.to_string());
            let now = chrono::Utc::now();
            let warned = haven_domain::peppol::certificates::warn_of_expiry(
                &self.db,
                &self.certificates.load(),
                now,
                self.warning,
            )
            .await
            .map_err(retry)?;
            tracing::info!(warned, "certificate check done");
            let tomorrow = now.date_naive() + chrono::TimeDelta::days(1);
            let at = tomorrow
                .and_hms_opt(6, 0, 0)
                .map_or(now + chrono::TimeDelta::days(1), |t| t.and_utc());
            self.db
                .enqueue_job(certificate_check_job(tomorrow, at))
                .await
                .map_err(retry)?;
            Ok(())
        })
    }
}

/// The daily SML reconcile of `day`: one run per day, however many instances.
fn sml_reconcile_job(day: chrono::NaiveDate) -> haven_domain::jobs::NewJob {
    let at = day
        .and_hms_opt(4, 0, 0)
        .map_or_else(chrono::Utc::now, |t| t.and_utc());
    haven_domain::jobs::NewJob::new(JobKind::SmlReconcile, serde_json::json!({}))
        .idempotency_key(format!("sml-reconcile:{day}"))
        .run_at(at)
}

/// With SML registration on, queues a reconcile run now (each start: registration may just
/// have been switched on) and today's daily one.
///
/// # Errors
/// When the database cannot be reached.
pub async fn schedule_sml_reconcile(db: &Database, settings: &Settings) -> anyhow::Result<()> {
    if !settings.peppol_sml_registration {
        return Ok(());
    }
    let now = haven_domain::jobs::NewJob::new(JobKind::SmlReconcile, serde_json::json!({}));
    for job in [now, sml_reconcile_job(chrono::Utc::now().date_naive())] {
        db.enqueue_job(job)
            .await
            .map_err(|e| anyhow::anyhow!(e).context("could not schedule the SML reconcile"))?;
    }
    Ok(())
}

/// Runs `sml_reconcile` jobs: registers the SMP itself (created, or updated when its URL
/// changed), compares the SML's list with our records and repairs the difference, then
/// queues a job for every participant id out of step with our records.
struct SmlReconcileHandler {
    db: Database,
    client: Option<Swappable<haven_peppol::sml_manage::SmlManageClient>>,
    /// The SMP's public URL, registered as its logical address.
    smp_url: String,
    wake: Arc<Notify>,
}

impl JobHandler for SmlReconcileHandler {
    fn kind(&self) -> JobKind {
        JobKind::SmlReconcile
    }

    fn run<'a>(&'a self, _job: &'a ClaimedJob) -> HandlerFuture<'a> {
        Box::pin(async move {
            let Some(client) = self.client.as_ref().map(Swappable::load) else {
                return Ok(());
            };
            // The SML takes any address as the physical one; the logical one is what counts.
            match client.register_smp(&self.smp_url, "1.1.1.1").await {
                Ok(done) => {
                    tracing::info!(smp_id = client.smp_id(), ?done, "SMP registration checked")
                }
                Err(error) => {
                    tracing::warn!(smp_id = client.smp_id(), error = %error, "the SMP could not be registered with the SML")
                }
            }
            // What the SML really lists under our SMP id, against our records: lost ids are
            // created again, stale ones deleted, taken-over ones marked moved. When the list
            // cannot be read, the reconcile of our own records below still runs.
            let repaired = match haven_domain::peppol::sml_comparison::repair_on_schedule(
                &self.db, &*client,
            )
            .await
            {
                Ok(repair) => {
                    tracing::info!(
                        created_again = repair.created_again,
                        deleted = repair.deleted,
                        moved = repair.marked_moved,
                        "SML compared with our records"
                    );
                    repair.created_again + repair.deleted
                }
                Err(haven_domain::DomainError::Unavailable { message, .. }) => {
                    tracing::warn!(error = %message, "the SML's list could not be read; only our records are reconciled");
                    0
                }
                Err(e) => return Err(JobError::Retry(e.to_string())),
            };
            let queued = haven_domain::peppol::registration::reconcile(&self.db)
                .await
                .map_err(|e| JobError::Retry(e.to_string()))?;
            tracing::info!(queued, "SML reconcile done");
            if queued + repaired > 0 {
                self.wake.notify_one();
            }
            // Tomorrow's run (its key makes one, whichever run queues it).
            self.db
                .enqueue_job(sml_reconcile_job(
                    chrono::Utc::now().date_naive() + chrono::TimeDelta::days(1),
                ))
                .await
                .map_err(|e| JobError::Retry(e.to_string()))?;
            Ok(())
        })
    }
}

/// Runs `directory_index` and `directory_remove` jobs: the entrance of the Directory use case.
struct DirectoryHandler {
    db: Database,
    kind: JobKind,
    /// `None` when no Directory is configured.
    indexer: Option<Swappable<haven_peppol::directory::DirectoryClient>>,
}

impl JobHandler for DirectoryHandler {
    fn kind(&self) -> JobKind {
        self.kind
    }

    fn run<'a>(&'a self, job: &'a ClaimedJob) -> HandlerFuture<'a> {
        Box::pin(async move {
            let payload: haven_domain::peppol::directory::DirectoryJob =
                serde_json::from_value(job.payload.clone())
                    .map_err(|e| JobError::Permanent(format!("unreadable payload: {e}")))?;
            let Some(indexer) = self.indexer.as_ref().map(Swappable::load) else {
                tracing::debug!("no Peppol Directory configured; nothing to tell");
                return Ok(());
            };
            haven_domain::peppol::directory::run_directory_job(
                &self.db,
                &self.db,
                indexer.as_ref(),
                self.kind,
                &payload,
            )
            .await
        })
    }
}

/// With a Peppol Directory configured, queues the run that indexes every participant listed
/// already, keyed by the Directory's setting: it runs once for each Directory configured, so
/// participants listed while none was (whose jobs did nothing) are indexed when one is.
///
/// # Errors
/// When the database cannot be reached.
pub async fn schedule_directory_index_all(
    db: &Database,
    settings: &Settings,
) -> anyhow::Result<()> {
    let directory = settings.peppol_directory.trim();
    if directory.is_empty() {
        return Ok(());
    }
    let job = haven_domain::jobs::NewJob::new(JobKind::DirectoryIndexAll, serde_json::json!({}))
        .idempotency_key(format!("directory-index-all:{directory}"));
    db.enqueue_job(job)
        .await
        .map_err(|e| anyhow::anyhow!(e).context("could not schedule the Directory indexing"))?;
    Ok(())
}

/// Runs `directory_index_all` jobs: a `directory_index` job for every listed participant.
struct DirectoryIndexAllHandler {
    db: Database,
    /// Whether a Directory is configured (the job is only queued when one is).
    configured: bool,
    wake: Arc<Notify>,
}

impl JobHandler for DirectoryIndexAllHandler {
    fn kind(&self) -> JobKind {
        JobKind::DirectoryIndexAll
    }

    fn run<'a>(&'a self, _job: &'a ClaimedJob) -> HandlerFuture<'a> {
        use haven_domain::peppol::registration::SmlRecords as _;
        Box::pin(async move {
            if !self.configured {
                return Ok(());
            }
            let candidates = self
                .db
                .sml_candidates()
                .await
                .map_err(|e| JobError::Retry(e.to_string()))?;
            let db = &self.db;
            let queued =
                haven_domain::peppol::directory::index_all(db, db, candidates, |job| async move {
                    db.enqueue_job(job).await.map(|_| ())
                })
                .await?;
            tracing::info!(
                queued,
                "every listed participant queued for the Peppol Directory"
            );
            if queued > 0 {
                self.wake.notify_one();
            }
            Ok(())
        })
    }
}

/// With sending on, queues the automatic sends of the Peppol reports: the previous month's
/// (now, while its submitting period lasts) and the current month's (once it ends); each run
/// queues the month after. Keys make each one job, however many instances or restarts.
///
/// # Errors
/// When the database cannot be reached.
pub async fn schedule_report_sending(db: &Database, enabled: bool) -> anyhow::Result<()> {
    if !enabled {
        return Ok(());
    }
    for job in haven_domain::peppol::report_sending::jobs_at_start(chrono::Utc::now()) {
        db.enqueue_job(job)
            .await
            .map_err(|e| anyhow::anyhow!(e).context("could not schedule the Peppol reports"))?;
    }
    Ok(())
}

/// Runs `send_peppol_report` jobs: the entrance of the report sending use case.
struct SendReportHandler {
    db: Database,
    blobs: haven_storage::Storage,
    /// The Peppol network (present whenever sending is on: the start checks it).
    peppol: Option<Arc<crate::as4::PeppolNetwork>>,
    enabled: bool,
    /// The installation's current certificates: the access point's country is `COUNTRY_C1`
    /// of the reports (read at each send, as a renewal may change it).
    certificates: haven_peppol::rollover::Swappable<
        Vec<haven_domain::peppol::certificates::InstalledCertificate>,
    >,
}

impl JobHandler for SendReportHandler {
    fn kind(&self) -> JobKind {
        JobKind::SendPeppolReport
    }

    fn run<'a>(&'a self, job: &'a ClaimedJob) -> HandlerFuture<'a> {
        use haven_domain::peppol::report_sending::{
            next_month_jobs, send_report, ReportAttempt, ReportJob, ReportSender,
        };
        use haven_domain::peppol::reporting::ReportingMonth;
        Box::pin(async move {
            let payload: ReportJob = serde_json::from_value(job.payload.clone())
                .map_err(|e| JobError::Permanent(format!("unreadable payload: {e}")))?;
            let (true, Some(network)) = (self.enabled, self.peppol.as_deref()) else {
                tracing::info!(month = %payload.month, "sending the Peppol reports is off; nothing sent");
                return Ok(());
            };
            // The next month's automatic send first, so that it is queued whatever this one's
            // outcome.
            if payload.round == 0 {
                if let Ok(month) = ReportingMonth::parse(&payload.month) {
                    for next in next_month_jobs(month) {
                        self.db
                            .enqueue_job(next)
                            .await
                            .map_err(|e| JobError::Retry(e.to_string()))?;
                    }
                }
            }
            let country = self
                .certificates
                .load()
                .iter()
                .find(|c| {
                    c.purpose == haven_domain::peppol::certificates::CertificatePurpose::AccessPoint
                })
                .and_then(haven_domain::peppol::certificates::InstalledCertificate::country);
            let own_seat = network.sender.seat_id();
            let ports = ReportSender {
                store: &self.db,
                blobs: &self.blobs,
                locator: &network.locator,
                outbound: &network.sender,
                own_seat: &own_seat,
                country: country.as_deref(),
            };
            send_report(
                &ports,
                &payload,
                ReportAttempt {
                    job_id: job.id,
                    attempt: job.attempt,
                    max_attempts: job.max_attempts,
                },
                chrono::Utc::now(),
            )
            .await
        })
    }
}
