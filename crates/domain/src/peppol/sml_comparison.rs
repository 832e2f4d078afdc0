//! Comparing the SML's view of Haven's SMP with Haven's own records, and repairing the
//! difference. Registration (`registration`) trusts our records: a participant id recorded as
//! `registered` is not asked about again. The SML's `List` operation shows what it really
//! holds under our SMP id, so operators can see and repair drift: ids the SML has that we do
//! not publish, and ids we hold as registered that the SML lacks, usually because another
//! provider took them over with a migration key made here.

use std::future::Future;

use crate::{
    accounts::{
        audit_action::AuditAction,
        caller::Caller,
        records::{ClientInfo, NewAuditEvent},
        store::AuditLog,
        Operators,
    },
    documents::store::DocumentRecords,
    peppol::registration::{SmlError, SmlRecords, SmlState},
    ConflictCode, DomainError, DomainResult, ExternalService,
};

/// The SML's `List` for our SMP (the SMP id the adapter is configured with).
pub trait SmlListing: Send + Sync {
    /// Every participant id the SML holds under our SMP id (`scheme:value`, lower case, for
    /// `iso6523-actorid-upis`), all pages.
    fn list_participants(&self) -> impl Future<Output = Result<Vec<String>, SmlError>> + Send;
}

/// The most ids of each list a comparison carries; the totals count them all.
pub const LIST_CAP: usize = 100;

/// One list of a comparison: the first [`LIST_CAP`] ids in order, and how many there are.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CappedList {
    pub items: Vec<String>,
    pub total: usize,
}

impl CappedList {
    fn of(mut all: Vec<String>) -> Self {
        all.sort();
        let total = all.len();
        all.truncate(LIST_CAP);
        Self { items: all, total }
    }
}

/// The SML's list for our SMP id against our records.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SmlComparison {
    /// Ids the SML lists under our SMP id.
    pub in_sml: usize,
    /// Ids the SML lists that we publish.
    pub in_agreement: usize,
    /// Ids the SML lists under our SMP id that Haven does not publish: repair deletes them
    /// (those of another scheme than `iso6523-actorid-upis`, written `scheme::value`, are only
    /// shown).
    pub only_in_sml: CappedList,
    /// Ids recorded as registered that the SML lacks, with no migration key made here: repair
    /// creates those still published again and forgets the others.
    pub missing: CappedList,
    /// Ids recorded as registered that the SML lacks after a migration key was made here:
    /// another provider took them over. Repair marks them `moved`.
    pub moved: CappedList,
}

/// The full difference, before capping.
struct Difference {
    in_sml: usize,
    in_agreement: usize,
    only_in_sml: Vec<String>,
    /// With whether each is still published.
    missing: Vec<(String, bool)>,
    moved: Vec<String>,
}

fn registration_off() -> DomainError {
    DomainError::conflict(
        ConflictCode::SmlRegistrationOff,
        "This installation does not register participant ids with the Peppol SML, so there is nothing to compare.".into(),
    )
}

async fn difference<R, G>(records: &R, registry: &G) -> DomainResult<Difference>
where
    R: DocumentRecords + SmlRecords,
    G: SmlListing,
{
    let listed = registry.list_participants().await.map_err(|error| {
        // A refusal of our own SMP's list is no client mistake either: the SML is not usable.
        tracing::warn!(%error, "the SML's list could not be read");
        DomainError::Unavailable {
            service: ExternalService::Sml,
            message: error.to_string(),
        }
    })?;
    let mut listed: Vec<String> = listed.iter().map(|p| p.to_ascii_lowercase()).collect();
    listed.sort();
    listed.dedup();
    let candidates = records.sml_candidates().await?;
    let recorded = records.sml_registrations(&candidates).await?;
    let mut in_agreement = 0;
    let mut only_in_sml = Vec::new();
    for id in &listed {
        if super::publishing::is_published(records, id).await? {
            in_agreement += 1;
        } else {
            only_in_sml.push(id.clone());
        }
    }
    let mut missing = Vec::new();
    let mut moved = Vec::new();
    for record in recorded {
        if record.state != SmlState::Registered
            || listed.binary_search(&record.participant_id).is_ok()
        {
            continue;
        }
        if record.migration_prepared {
            moved.push(record.participant_id);
        } else {
            let published =
                super::publishing::is_published(records, &record.participant_id).await?;
            missing.push((record.participant_id, published));
        }
    }
    Ok(Difference {
        in_sml: listed.len(),
        in_agreement,
        only_in_sml,
        missing,
        moved,
    })
}

impl From<Difference> for SmlComparison {
    fn from(d: Difference) -> Self {
        Self {
            in_sml: d.in_sml,
            in_agreement: d.in_agreement,
            only_in_sml: CappedList::of(d.only_in_sml),
            missing: CappedList::of(d.missing.into_iter().map(|(id, _)| id).collect()),
            moved: CappedList::of(d.moved),
        }
    }
}

/// The SML's list for our SMP id against our records (platform operators only).
///
/// # Errors
/// `NotFound` for non-operators, `Forbidden` for an operator without two-factor
/// authentication; `Conflict` (`sml_registration_off`) when registration is off;
/// `Unavailable` when the SML cannot be reached or does not give the list.
#[tracing::instrument(name = "peppol.sml_compare", skip_all)]
pub async fn compare<R, G>(
    operators: &Operators,
    caller: &Caller<'_>,
    records: &R,
    registry: Option<&G>,
) -> DomainResult<SmlComparison>
where
    R: DocumentRecords + SmlRecords,
    G: SmlListing,
{
    operators.require(caller)?;
    let registry = registry.ok_or_else(registration_off)?;
    Ok(difference(records, registry).await?.into())
}

/// What a repair did: the comparison it acted on, and how many ids it handled of each kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmlRepair {
    pub comparison: SmlComparison,
    /// `sml_register` jobs queued for missing ids Haven still publishes.
    pub created_again: usize,
    /// `sml_unregister` jobs queued: ids only in the SML, and missing ids no longer
    /// published (whose records the job forgets).
    pub deleted: usize,
    /// Ids recorded as `moved`.
    pub marked_moved: usize,
}

/// Brings the SML and our records together (platform operators only): queues an
/// `sml_unregister` job for each id only in the SML (the job deletes it, as Haven does not
/// publish it), an `sml_register` job for each missing id that Haven still publishes (one no
/// longer published gets an `sml_unregister` job, which forgets its record), and records the
/// ids another provider took over as `moved`. One `peppol.sml_repaired` event in the
/// installation's audit log names what was done, when anything was.
///
/// # Errors
/// As [`compare`]; and when the records cannot be written.
#[tracing::instrument(name = "peppol.sml_repair", skip_all)]
pub async fn repair<R, G>(
    operators: &Operators,
    caller: &Caller<'_>,
    records: &R,
    registry: Option<&G>,
) -> DomainResult<SmlRepair>
where
    R: DocumentRecords + SmlRecords + AuditLog,
    G: SmlListing,
{
    operators.require(caller)?;
    let registry = registry.ok_or_else(registration_off)?;
    apply_repair(
        records,
        registry,
        caller.audit(AuditAction::PeppolSmlRepaired),
    )
    .await
}

/// The daily run's comparison and repair (the SML reconcile job, no operator asking): the
/// same as [`repair`], recorded as done by the installation itself. Without it, drift the
/// SML's `List` shows (an id the SML lost, one left behind there, one another provider took
/// over) would wait for an operator to look.
///
/// # Errors
/// `Unavailable` when the SML cannot be reached or does not give the list; when the records
/// cannot be read or written.
#[tracing::instrument(name = "peppol.sml_repair_scheduled", skip_all)]
pub async fn repair_on_schedule<R, G>(records: &R, registry: &G) -> DomainResult<SmlRepair>
where
    R: DocumentRecords + SmlRecords + AuditLog,
    G: SmlListing,
{
    let event = NewAuditEvent::new(AuditAction::PeppolSmlRepaired, &ClientInfo::default());
    apply_repair(records, registry, event).await
}

/// What [`repair`] and [`repair_on_schedule`] share; `event` is the audit event to record
/// when anything was done (its actor, if any, says who asked).
async fn apply_repair<R, G>(
    records: &R,
    registry: &G,
    mut event: NewAuditEvent,
) -> DomainResult<SmlRepair>
where
    R: DocumentRecords + SmlRecords + AuditLog,
    G: SmlListing,
{
    let found = difference(records, registry).await?;
    let mut created_again = Vec::new();
    let mut deleted = Vec::new();
    for id in &found.only_in_sml {
        // An id of another scheme (`scheme::value`) is shown, not deleted: Haven registers
        // and deletes iso6523-actorid-upis ids only.
        if id.contains("::") {
            continue;
        }
        records.queue_sml(id, false).await?;
        deleted.push(id.clone());
    }
    for (id, published) in &found.missing {
        records.queue_sml(id, *published).await?;
        if *published {
            created_again.push(id.clone());
        } else {
            deleted.push(id.clone());
        }
    }
    for id in &found.moved {
        records
            .record_sml(
                id,
                SmlState::Moved,
                Some("Another Peppol provider took this participant id over in the SML with a migration key made here."),
            )
            .await?;
    }
    let repair = SmlRepair {
        created_again: created_again.len(),
        deleted: deleted.len(),
        marked_moved: found.moved.len(),
        comparison: SmlComparison::default(),
    };
    if repair.created_again + repair.deleted + repair.marked_moved > 0 {
        let cap = |mut ids: Vec<String>| {
            ids.sort();
            ids.truncate(LIST_CAP);
            ids
        };
        // The installation's log: the SML is no environment's.
        event.environment_id = None;
        event.target = Some(("sml", "participants".to_owned()));
        let scheduled = event.actor_id.is_none();
        event.details = serde_json::json!({
            "scheduled": scheduled,
            "createdAgain": cap(created_again),
            "deleted": cap(deleted),
            "moved": cap(found.moved.clone()),
            "counts": {
                "createdAgain": repair.created_again,
                "deleted": repair.deleted,
                "moved": repair.marked_moved,
            },
        });
        records.notify(None, event).await?;
    }
    tracing::info!(
        created_again = repair.created_again,
        deleted = repair.deleted,
        moved = repair.marked_moved,
        "SML repair queued"
    );
    Ok(SmlRepair {
        comparison: found.into(),
        ..repair
    })
}
