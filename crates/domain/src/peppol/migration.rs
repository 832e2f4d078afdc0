//! Moving a participant id between Peppol service providers. The SML lets one SMP hand a
//! participant id to another: the SMP that has it sets a migration key (`PrepareToMigrate`),
//! the organization passes the key to its new provider, and the new SMP presents it
//! (`Migrate`), after which the SML points senders at the new SMP. [`create_migration_key`]
//! is the leaving side, [`migrate_in`] the arriving side.

use rand::{rngs::OsRng, Rng as _};
use uuid::Uuid;

use crate::{
    accounts::{audit_action::AuditAction, caller::Caller, store::AuditLog},
    documents::store::DocumentRecords,
    organizations::{
        policy::OrgAction, records::Organization, service::Authorized, store::OrganizationStore,
    },
    peppol::registration::{SmlError, SmlRecords, SmlRegistry, SmlState},
    ConflictCode, DomainError, DomainResult, ExternalService, FieldError,
};

/// The characters the SML counts as special in a migration key.
pub const MIGRATION_KEY_SPECIALS: &str = "@#$%()[]{}*^_-!~|+=";
/// The length of the keys Haven makes: the longest the SML takes.
const KEY_LENGTH: usize = 24;

/// Whether `key` follows the SML's rule for migration keys: 8 to 24 characters without white
/// space, with at least two upper case letters, two lower case letters, two digits and two
/// of [`MIGRATION_KEY_SPECIALS`].
#[must_use]
pub fn is_valid_migration_key(key: &str) -> bool {
    let count = |kind: fn(&char) -> bool| key.chars().filter(kind).count();
    (8..=KEY_LENGTH).contains(&key.chars().count())
        && !key.chars().any(char::is_whitespace)
        && count(char::is_ascii_uppercase) >= 2
        && count(char::is_ascii_lowercase) >= 2
        && count(char::is_ascii_digit) >= 2
        && count(|c| MIGRATION_KEY_SPECIALS.contains(*c)) >= 2
}

/// A new random migration key of 24 characters that follows the SML's rule.
#[must_use]
pub fn new_migration_key() -> String {
    const UPPER: &str = "ABCDEFGHJKLMNPQRSTUVWXYZ";
    const LOWER: &str = "abcdefghijkmnopqrstuvwxyz";
    const DIGITS: &str = "23456789";
    let mut rng = OsRng;
    let mut pick = |set: &str| {
        let chars: Vec<char> = set.chars().collect();
        chars[rng.gen_range(0..chars.len())]
    };
    let all = format!("{UPPER}{LOWER}{DIGITS}{MIGRATION_KEY_SPECIALS}");
    let mut key: Vec<char> = [UPPER, UPPER, LOWER, LOWER, DIGITS, DIGITS]
        .into_iter()
        .chain([MIGRATION_KEY_SPECIALS, MIGRATION_KEY_SPECIALS])
        .map(&mut pick)
        .collect();
    while key.len() < KEY_LENGTH {
        key.push(pick(&all));
    }
    // The required characters are spread over the key rather than leading it.
    for i in (1..key.len()).rev() {
        key.swap(i, OsRng.gen_range(0..=i));
    }
    key.into_iter().collect()
}

/// A migration key set in the SML, for the participant id it moves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationKey {
    /// `scheme:value`, lower case.
    pub participant_id: String,
    pub key: String,
}

/// The participant id (lower case) of `identifier_id`, one of `org`'s identifiers registered
/// as a participant id here.
async fn own_participant<S: OrganizationStore>(
    store: &S,
    org: &Authorized,
    identifier_id: Uuid,
) -> DomainResult<String> {
    store
        .list_identifiers(org.organization.id)
        .await?
        .into_iter()
        .find(|i| i.id == identifier_id && i.registered)
        .map(|i| i.participant_id().to_ascii_lowercase())
        .ok_or_else(|| DomainError::not_found("identifier", identifier_id))
}

fn registration_off() -> DomainError {
    DomainError::conflict(
        ConflictCode::SmlRegistrationOff,
        "This installation does not register participant ids with the Peppol SML, so there is nothing to move.".into(),
    )
}

fn sml_unavailable(message: String) -> DomainError {
    DomainError::Unavailable {
        service: ExternalService::Sml,
        message,
    }
}

/// The leaving side: sets a new migration key in the SML for the participant id of
/// `identifier_id`, one the organization's that Haven's SMP has registered, and returns it for the organization to
/// give its new provider. The key is not kept (the SML holds it); the event goes to the
/// organization's environment's audit log without it.
///
/// # Errors
/// `NotFound` for an identifier that is not the organization's participant id; `Conflict` when
/// registration is off or the id is not registered in the SML under Haven's SMP;
/// `Unavailable` when the SML cannot be reached; `Forbidden`.
#[tracing::instrument(name = "peppol.migration_key", skip_all, fields(organization_id = %org.organization.id))]
pub async fn create_migration_key<S, R, G>(
    store: &S,
    records: &R,
    registry: Option<&G>,
    caller: &Caller<'_>,
    org: &Authorized,
    identifier_id: Uuid,
) -> DomainResult<MigrationKey>
where
    S: OrganizationStore,
    R: SmlRecords + AuditLog,
    G: SmlRegistry,
{
    let organization = org.allow(OrgAction::ManageDetails)?;
    let participant = own_participant(store, org, identifier_id).await?;
    let registry = registry.ok_or_else(registration_off)?;
    let registered = records
        .sml_registrations(std::slice::from_ref(&participant))
        .await?
        .iter()
        .any(|r| r.state == SmlState::Registered);
    if !registered {
        return Err(not_registered(&participant));
    }
    let key = new_migration_key();
    match registry.prepare_migration(&participant, &key).await {
        Ok(()) => {}
        Err(SmlError::Unavailable(message)) => return Err(sml_unavailable(message)),
        Err(refusal) => {
            tracing::warn!(%participant, %refusal, "the SML refused to prepare a migration");
            return Err(not_registered(&participant));
        }
    }
    records.note_migration_prepared(&participant).await?;
    audit(
        records,
        caller,
        AuditAction::PeppolMigrationKeyCreated,
        organization,
        &participant,
    )
    .await?;
    Ok(MigrationKey {
        participant_id: participant,
        key,
    })
}

fn not_registered(participant: &str) -> DomainError {
    DomainError::conflict(
        ConflictCode::SmlNotRegistered,
        format!("{participant} is not registered in the Peppol SML under Haven's SMP, so Haven cannot hand it to another provider."),
    )
}

/// The arriving side: takes the participant id of `identifier_id`, one of the organization's
/// that Haven publishes (the organization is active and sends or receives on it), over from the
/// provider that has it in the SML, with the migration key that provider gave. Afterwards
/// the SML points senders at Haven's SMP and the registration is `registered`. Returns the
/// participant id.
///
/// # Errors
/// `Validation` on `migrationKey` when the key does not follow the SML's rule or the SML does
/// not accept it; `NotFound`; `Conflict` when registration is off or the id is not
/// published; `Unavailable` when the SML cannot be reached; `Forbidden`.
#[tracing::instrument(name = "peppol.migrate_in", skip_all, fields(organization_id = %org.organization.id))]
pub async fn migrate_in<S, R, G>(
    store: &S,
    records: &R,
    registry: Option<&G>,
    caller: &Caller<'_>,
    org: &Authorized,
    identifier_id: Uuid,
    migration_key: &str,
) -> DomainResult<String>
where
    S: OrganizationStore,
    R: DocumentRecords + SmlRecords + AuditLog,
    G: SmlRegistry,
{
    let organization = org.allow(OrgAction::ManageDetails)?;
    let participant = own_participant(store, org, identifier_id).await?;
    let registry = registry.ok_or_else(registration_off)?;
    if !is_valid_migration_key(migration_key) {
        return Err(DomainError::Validation(vec![FieldError {
                field: "migrationKey".into(),
                code: "format",
                message: "A migration key has 8 to 24 characters without spaces, with at least two capitals, two lower case letters, two digits and two of @#$%()[]{}*^_-!~|+=.".into(),
            }]));
    }
    if !super::publishing::is_published(records, &participant).await? {
        return Err(DomainError::conflict(
            ConflictCode::IdentifierNotOnPeppol,
            format!("Switch Send or Receive on for {participant} first: Haven's SMP must publish it before the SML can point to it."),
        ));
    }
    match registry
        .migrate_participant(&participant, migration_key)
        .await
    {
        Ok(()) => {}
        Err(SmlError::Unavailable(message)) => return Err(sml_unavailable(message)),
        Err(refusal) => {
            tracing::info!(%participant, %refusal, "the SML did not accept a migration key");
            return Err(DomainError::Validation(vec![FieldError {
                field: "migrationKey".into(),
                code: "rejected",
                message: "The Peppol SML did not accept this migration key for the participant id. Check it, or ask your previous provider for a new one.".into(),
            }]));
        }
    }
    records
        .record_sml(&participant, SmlState::Registered, None)
        .await?;
    audit(
        records,
        caller,
        AuditAction::PeppolMigrationCompleted,
        organization,
        &participant,
    )
    .await?;
    Ok(participant)
}

/// Writes a migration step to the organization's environment's audit log.
async fn audit<L: AuditLog>(
    log: &L,
    caller: &Caller<'_>,
    action: AuditAction,
    organization: &Organization,
    participant: &str,
) -> DomainResult<()> {
    let mut event = caller
        .audit(action)
        .on_organization(organization.environment_id);
    event.target = Some(("participant", participant.to_owned()));
    event.details = serde_json::json!({
        "organizationId": organization.id,
        "participantId": participant,
    });
    log.notify(None, event).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_keys_follow_the_sml_rule_and_differ() {
        let keys: Vec<String> = (0..2000).map(|_| new_migration_key()).collect();
        for key in &keys {
            assert!(is_valid_migration_key(key), "{key}");
            assert_eq!(key.chars().count(), 24);
        }
        let distinct: std::collections::HashSet<&String> = keys.iter().collect();
        assert_eq!(distinct.len(), keys.len());
    }

    #[test]
    fn the_rule_counts_each_kind_of_character() {
        assert!(is_valid_migration_key("AAbb11$$"));
        assert!(is_valid_migration_key("iK1^lB1@!UZwQA1Eod~wt1zR"));
        for bad in [
            "Ab1$Ab1",                   // seven characters
            "AAbb11$$AAbb11$$AAbb11$$x", // 25
            "Abb11$$x",                  // one capital
            "AAB11$$x",                  // one lower case letter
            "AAbb1$$x",                  // one digit
            "AAbb11$x",                  // one special character
            "AAbb11$ $",                 // white space
            "AAbb11..",                  // dots are not special to the SML
        ] {
            assert!(!is_valid_migration_key(bad), "{bad}");
        }
    }
}
