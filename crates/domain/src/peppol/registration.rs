//! Keeping the SML in step with what Haven's SMP publishes: a participant id that becomes
//! published (`publishing::is_published`) is created in the SML, one that stops being
//! published is deleted there. The organization store queues an `sml_register` or
//! `sml_unregister` job in the transaction of the change; the job calls [`sync_participant`],
//! which reads the participant's state again and acts on that, so jobs that run late or out of
//! order still leave the SML as the SMP is. [`reconcile`] repairs drift (registration switched
//! on later, a job that died).

use std::future::Future;

use serde::{Deserialize, Serialize};

use crate::{
    accounts::{
        audit_action::AuditAction,
        records::{ClientInfo, NewAuditEvent},
        store::AuditLog,
    },
    documents::store::DocumentRecords,
    DomainError, DomainResult,
};

/// The SML's participant operations for our SMP (ManageBusinessIdentifierService), scoped to
/// the SMP id the adapter is configured with. Both are idempotent towards the caller: a
/// participant that already exists on create, or is not there on delete, is `Ok`.
pub trait SmlRegistry: Send + Sync {
    /// Creates `participant` (`scheme:value`, iso6523-actorid-upis) under our SMP.
    fn create_participant(
        &self,
        participant: &str,
    ) -> impl Future<Output = Result<(), SmlError>> + Send;
    /// Deletes `participant` from our SMP.
    fn delete_participant(
        &self,
        participant: &str,
    ) -> impl Future<Output = Result<(), SmlError>> + Send;
    /// Lets the SMP that presents `migration_key` take `participant` over from ours
    /// (`PrepareToMigrate`).
    fn prepare_migration(
        &self,
        participant: &str,
        migration_key: &str,
    ) -> impl Future<Output = Result<(), SmlError>> + Send;
    /// Takes `participant` over from the SMP that has it, with the key that SMP set
    /// (`Migrate`).
    fn migrate_participant(
        &self,
        participant: &str,
        migration_key: &str,
    ) -> impl Future<Output = Result<(), SmlError>> + Send;
}

/// Why an SML call failed, as the job needs to know it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SmlError {
    /// The SML refused us (`UnauthorizedFault`: the certificate is not that of the SMP, or the
    /// participant belongs to another SMP). Trying again will not help.
    #[error("the SML refused the request: {0}")]
    Unauthorized(String),
    /// The SML found the request malformed (`BadRequestFault`). Permanent too.
    #[error("the SML found the request invalid: {0}")]
    BadRequest(String),
    /// The SML could not be reached or failed itself (`InternalErrorFault`, 5xx, time-out,
    /// TLS). Worth another attempt.
    #[error("the SML could not be reached: {0}")]
    Unavailable(String),
}

impl SmlError {
    /// Whether another attempt may succeed.
    #[must_use]
    pub fn is_temporary(&self) -> bool {
        matches!(self, Self::Unavailable(_))
    }
}

/// Where a participant id is in the SML, as Haven last learnt it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SmlState {
    /// A create or delete is queued or being retried.
    Pending,
    /// Created in the SML.
    Registered,
    /// The SML refused it, or every attempt failed; the reason is kept.
    Failed,
    /// Registration is switched off in this installation (`peppol_sml_enabled`).
    NotRegistering,
    /// Another provider's SMP has it in the SML now: it was taken over with a migration key
    /// made here (found by comparing the SML's list with our records). Haven no longer
    /// creates it; the record goes when Haven stops publishing it.
    Moved,
}

impl SmlState {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Registered => "registered",
            Self::Failed => "failed",
            Self::NotRegistering => "not_registering",
            Self::Moved => "moved",
        }
    }

    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        [
            Self::Pending,
            Self::Registered,
            Self::Failed,
            Self::NotRegistering,
            Self::Moved,
        ]
        .into_iter()
        .find(|s| s.as_str() == name)
    }
}

/// One participant id's registration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmlRegistration {
    /// `scheme:value`, lower case.
    pub participant_id: String,
    pub state: SmlState,
    /// Why it failed (or why the last attempt did), for people.
    pub reason: Option<String>,
    /// A migration key for another provider was made here (`PrepareToMigrate`) while the row
    /// existed: if the SML stops listing the id under our SMP, it moved.
    pub migration_prepared: bool,
}

/// The payload of `sml_register` and `sml_unregister` jobs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmlJob {
    pub participant_id: String,
}

/// The record of registrations (`sml_registrations`).
pub trait SmlRecords: Send + Sync {
    /// Records the state of `participant_id` (upsert).
    fn record_sml(
        &self,
        participant_id: &str,
        state: SmlState,
        reason: Option<&str>,
    ) -> impl Future<Output = DomainResult<()>> + Send;
    /// Notes that a migration key for `participant_id` was set in the SML (`PrepareToMigrate`).
    fn note_migration_prepared(
        &self,
        participant_id: &str,
    ) -> impl Future<Output = DomainResult<()>> + Send;
    /// Forgets `participant_id` (it is deleted from the SML and not published).
    fn forget_sml(&self, participant_id: &str) -> impl Future<Output = DomainResult<()>> + Send;
    /// The recorded registrations of these participant ids.
    fn sml_registrations(
        &self,
        participant_ids: &[String],
    ) -> impl Future<Output = DomainResult<Vec<SmlRegistration>>> + Send;
    /// Every participant id that is published now or has a recorded registration: what
    /// [`reconcile`] looks at.
    fn sml_candidates(&self) -> impl Future<Output = DomainResult<Vec<String>>> + Send;
    /// Queues an `sml_register` (`register`) or `sml_unregister` job for `participant_id`.
    fn queue_sml(
        &self,
        participant_id: &str,
        register: bool,
    ) -> impl Future<Output = DomainResult<()>> + Send;
}

/// What a run of [`sync_participant`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Synced {
    Registered,
    Unregistered,
    /// Registration is off: nothing was called.
    Skipped,
    /// Another provider has it (`SmlState::Moved`) and Haven still publishes it: nothing was
    /// called.
    Moved,
}

/// Why a run of [`sync_participant`] did not finish.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The SML call failed; the state says so (pending when temporary, failed otherwise).
    #[error(transparent)]
    Sml(#[from] SmlError),
    #[error(transparent)]
    Domain(#[from] DomainError),
}

/// Brings one participant id's SML entry in line with the SMP: created when it is published,
/// deleted when it is not. `registry` is `None` when registration is off (nothing is called).
/// A temporary failure leaves the state `pending` with the reason (the job retries), unless
/// it is the job's `last_attempt`; a permanent one (the SML refused) or a temporary one at the
/// last attempt sets `failed` and is written to the installation's audit log.
///
/// # Errors
/// The SML's answer, or the records.
#[tracing::instrument(name = "peppol.sml_sync", skip(records, registry))]
pub async fn sync_participant<R, G>(
    records: &R,
    registry: Option<&G>,
    participant_id: &str,
    last_attempt: bool,
) -> Result<Synced, SyncError>
where
    R: DocumentRecords + SmlRecords + AuditLog,
    G: SmlRegistry,
{
    let participant_id = participant_id.to_ascii_lowercase();
    let Some(registry) = registry else {
        return Ok(Synced::Skipped);
    };
    let published = super::publishing::is_published(records, &participant_id).await?;
    let moved = records
        .sml_registrations(std::slice::from_ref(&participant_id))
        .await?
        .iter()
        .any(|r| r.state == SmlState::Moved);
    if moved {
        // Another SMP holds it: a create would be refused, and a delete is not ours to make.
        if published {
            return Ok(Synced::Moved);
        }
        records.forget_sml(&participant_id).await?;
        return Ok(Synced::Unregistered);
    }
    let result = if published {
        registry.create_participant(&participant_id).await
    } else {
        registry.delete_participant(&participant_id).await
    };
    match result {
        Ok(()) if published => {
            records
                .record_sml(&participant_id, SmlState::Registered, None)
                .await?;
            Ok(Synced::Registered)
        }
        Ok(()) => {
            records.forget_sml(&participant_id).await?;
            Ok(Synced::Unregistered)
        }
        Err(error) => {
            let refused = !error.is_temporary();
            let failed = refused || last_attempt;
            let state = if failed {
                SmlState::Failed
            } else {
                SmlState::Pending
            };
            records
                .record_sml(&participant_id, state, Some(&error.to_string()))
                .await?;
            if failed {
                let operation = if published {
                    SmlOperation::Create
                } else {
                    SmlOperation::Delete
                };
                audit_failure(
                    records,
                    &participant_id,
                    operation,
                    &error.to_string(),
                    refused,
                )
                .await?;
            }
            Err(error.into())
        }
    }
}

/// What Haven asked the SML to do with a participant id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmlOperation {
    Create,
    Delete,
}

impl SmlOperation {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Delete => "delete",
        }
    }
}

/// Writes a failed registration to the installation's audit log (and the log): operators
/// read it there, as nobody in an environment can act on it.
async fn audit_failure<L: AuditLog>(
    log: &L,
    participant_id: &str,
    operation: SmlOperation,
    reason: &str,
    refused: bool,
) -> DomainResult<()> {
    tracing::warn!(
        participant_id,
        operation = operation.as_str(),
        refused,
        reason,
        "the SML registration of a participant failed"
    );
    let mut event = NewAuditEvent::new(
        AuditAction::PeppolSmlRegistrationFailed,
        &ClientInfo::default(),
    );
    event.target = Some(("participant", participant_id.to_owned()));
    event.details = serde_json::json!({
        "participantId": participant_id,
        "operation": operation.as_str(),
        "refused": refused,
        "reason": reason,
    });
    log.notify(None, event).await
}

/// Queues a job for every participant id whose SML entry may not match the SMP: published
/// but not recorded as registered, or recorded but no longer published. Run at start and
/// daily. Returns how many jobs it queued.
///
/// # Errors
/// When the records cannot be read or written.
#[tracing::instrument(name = "peppol.sml_reconcile", skip(records))]
pub async fn reconcile<R>(records: &R) -> DomainResult<usize>
where
    R: DocumentRecords + SmlRecords,
{
    let candidates = records.sml_candidates().await?;
    let recorded = records.sml_registrations(&candidates).await?;
    let mut queued = 0;
    for participant_id in candidates {
        let published = super::publishing::is_published(records, &participant_id).await?;
        let state = recorded
            .iter()
            .find(|r| r.participant_id == participant_id)
            .map(|r| r.state);
        let in_step = match state {
            // A moved id stays recorded while published; afterwards its job forgets it.
            Some(SmlState::Registered | SmlState::Moved) => published,
            None => !published,
            // Pending or failed: try again.
            Some(_) => false,
        };
        if !in_step {
            records.queue_sml(&participant_id, published).await?;
            queued += 1;
        }
    }
    Ok(queued)
}

/// The registrations of `participant_ids` as people see them: `not_registering` for all when
/// registration is off, otherwise the recorded state, `pending` when none is recorded yet.
///
/// # Errors
/// When the records cannot be read.
pub async fn registrations<R: SmlRecords>(
    records: &R,
    enabled: bool,
    participant_ids: &[String],
) -> DomainResult<Vec<SmlRegistration>> {
    let recorded = if enabled {
        records.sml_registrations(participant_ids).await?
    } else {
        Vec::new()
    };
    Ok(participant_ids
        .iter()
        .map(|id| {
            let id = id.to_ascii_lowercase();
            recorded
                .iter()
                .find(|r| r.participant_id == id)
                .cloned()
                .unwrap_or(SmlRegistration {
                    participant_id: id,
                    state: if enabled {
                        SmlState::Pending
                    } else {
                        SmlState::NotRegistering
                    },
                    reason: None,
                    migration_prepared: false,
                })
        })
        .collect())
}

/// The SML registration of each participant id `org` receives on or sends from (registered
/// identifiers with Receive or Send on: both are published), and of its other registered
/// identifiers whose registration is still
/// recorded (a delete the SML refused, or that is pending), for its people: anyone who may
/// view the organization may see it.
///
/// # Errors
/// When the records cannot be read.
#[tracing::instrument(name = "peppol.sml_registrations", skip_all, fields(organization_id = %org.organization.id))]
pub async fn organization_registrations<S, R>(
    store: &S,
    records: &R,
    org: &crate::organizations::service::Authorized,
    enabled: bool,
) -> DomainResult<Vec<SmlRegistration>>
where
    S: crate::organizations::store::OrganizationStore,
    R: SmlRecords,
{
    let identifiers: Vec<(String, bool)> = store
        .list_identifiers(org.organization.id)
        .await?
        .into_iter()
        .filter(|i| i.registered)
        .map(|i| {
            let published = i.receive_enabled || i.send_enabled;
            (i.participant_id().to_ascii_lowercase(), published)
        })
        .collect();
    let recorded = if enabled {
        let all: Vec<String> = identifiers.iter().map(|(id, _)| id.clone()).collect();
        records.sml_registrations(&all).await?
    } else {
        Vec::new()
    };
    let ids: Vec<String> = identifiers
        .into_iter()
        .filter(|(id, published)| *published || recorded.iter().any(|r| r.participant_id == *id))
        .map(|(id, _)| id)
        .collect();
    registrations(records, enabled, &ids).await
}
