//! The organization use cases: what a caller asks for, checked and carried out over the ports.
//!
//! Every entrance (the REST API today; connection keys, email and the Peppol receiver later)
//! calls these functions; none repeats their rules. Each function authorizes the caller first,
//! then validates, then makes one atomic change through the store.

use chrono::{DateTime, TimeDelta, Utc};
use rand::Rng;
use uuid::Uuid;

use super::{
    identifiers::{Identifier, IdentifierKind},
    policy::{self, OrgAction, OrgRole},
    records::{
        ActivationMethod, Address, Member, OrgEvent, OrgEventKind, OrgIdentifier, OrgStatus,
        Organization,
    },
    registry::{BusinessRegistry, RegistryCompany, RegistryError},
    store::{
        organization_limit_reached, CodeOutcome, NewIdentifier, NewOrgEvent, NewOrganization,
        OrganizationChange, OrganizationStore,
    },
};
use crate::peppol::directory_details::DirectoryDetails;
use crate::peppol::document_types::InvoiceDocumentType;
use crate::{
    accounts::{records::User, secrets::hash_token, store::Directory, Action, Caller, Role},
    mail::{render, MailTemplate},
    paging::{NamePage, Page, PageQuery, PageRequest},
    partners::PartnerAccess,
    DomainError, DomainResult, FieldError,
};

/// How long an emailed activation code is valid.
pub const ACTIVATION_CODE_MINUTES: i64 = 30;

/// The installation's limits and prices that the organization rules depend on.
#[derive(Debug, Clone)]
pub struct OrganizationSettings {
    /// Most organizations one environment may hold.
    pub max_organizations: u64,
    /// Price per received document, quoted when receiving is not chosen yet.
    pub receiving_price: String,
}

/// An identifier as a person typed it.
#[derive(Debug, Clone)]
pub struct IdentifierInput {
    pub kind: String,
    pub value: String,
    /// The ISO 6523 scheme, for `other`.
    pub scheme: Option<String>,
}

/// "Add organization" as entered; blanks are filled from the business register.
#[derive(Debug, Clone, Default)]
pub struct AddOrganization {
    pub kvk_number: Option<String>,
    pub statutory_name: Option<String>,
    pub trade_names: Vec<String>,
    pub address: Option<Address>,
    pub country: Option<String>,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub identifiers: Vec<IdentifierInput>,
}

/// Sending and receiving for one identifier; `None` leaves a switch as it is.
#[derive(Debug, Clone, Copy, Default)]
pub struct Switches {
    pub send: Option<bool>,
    pub receive: Option<bool>,
}

/// An organization as its caller sees it: with their role and its identifiers.
#[derive(Debug, Clone)]
pub struct OrganizationView {
    pub organization: Organization,
    pub role: Option<OrgRole>,
    pub identifiers: Vec<OrgIdentifier>,
}

/// A participant id the caller may act for.
#[derive(Debug, Clone)]
pub struct Party {
    pub identifier: OrgIdentifier,
    pub organization_id: Uuid,
    pub organization_name: String,
    pub role: OrgRole,
    /// A client's organization, reached through partner access.
    pub partner: bool,
}

/// An organization the caller was allowed to act on, and their role in it. Only
/// [`authorize`] makes one, so a use case that takes it cannot run for an unchecked caller;
/// each use case still asks for the role its action needs.
#[derive(Debug, Clone)]
pub struct Authorized {
    pub organization: Organization,
    pub role: OrgRole,
    /// Set when the caller is a partner user acting on a client's organization through a
    /// grant (so the organization is of another environment).
    pub partner: Option<PartnerAccess>,
}

impl Authorized {
    pub(crate) fn allow(&self, action: OrgAction) -> DomainResult<&Organization> {
        if self.partner.is_some() && !partner_may(action) {
            return Err(DomainError::Forbidden(
                "Partner access does not include managing the organization's members or webhooks."
                    .into(),
            ));
        }
        if self.role >= action.minimum_role() {
            Ok(&self.organization)
        } else {
            Err(DomainError::Forbidden(
                "This needs the Organization Administrator role.".into(),
            ))
        }
    }
}

/// What a partner user may do on a client's organization (within their granted role): not
/// manage its members, which stay the client's own users, nor its webhooks, which would keep
/// sending the client's events to the partner after the partnership ends.
pub(crate) fn partner_may(action: OrgAction) -> bool {
    !matches!(action, OrgAction::ManageMembers | OrgAction::ManageHooks)
}

/// Loads an organization the caller may see and checks the action: one of their own
/// environment (by membership or as its Administrator), or a client's organization through
/// an accepted grant in an active partnership (read again on every request, so ending
/// either stops access at once). A foreign or invisible organization is `NotFound`, a
/// visible one without the right role `Forbidden`. Entrances call this before they look at
/// the input, so that a stranger learns nothing from validation messages.
///
/// # Errors
/// `NotFound`, `Forbidden`, or the store's error.
pub async fn authorize<S: OrganizationStore>(
    store: &S,
    caller: &Caller<'_>,
    organization_id: Uuid,
    action: OrgAction,
) -> DomainResult<Authorized> {
    if let Some((organization, membership)) = store
        .find_organization_with_role(caller.actor.environment_id, organization_id, caller.user.id)
        .await?
    {
        let role = policy::require(caller.actor, membership, action, organization.id)?;
        return Ok(Authorized {
            organization,
            role,
            partner: None,
        });
    }
    let not_found = || DomainError::not_found("organization", organization_id);
    let access = store
        .partner_access(caller.user.id, caller.actor.environment_id, organization_id)
        .await?
        .ok_or_else(not_found)?;
    let organization = store
        .find_organization_anywhere(organization_id)
        .await?
        .ok_or_else(not_found)?;
    // The partner user's own role in their environment does not count here: only the grant.
    let partner_actor = crate::accounts::Actor {
        role: Role::Basic,
        ..caller.actor.clone()
    };
    let role = policy::require(&partner_actor, Some(access.role), action, organization.id)?;
    let authorized = Authorized {
        organization,
        role,
        partner: Some(access),
    };
    authorized.allow(action)?;
    Ok(authorized)
}

/// The organization of a connection's grant, as [`authorize`] gives it to a person: a
/// connection acts with a Member's rights, narrowed further by its scopes (which
/// `documents::sending::authorize_party` checks). Another organization is `NotFound`.
///
/// # Errors
/// `NotFound` or the store's error.
pub async fn authorize_connection<S: OrganizationStore>(
    store: &S,
    grant: &crate::connections::ConnectionGrant,
    organization_id: Uuid,
) -> DomainResult<Authorized> {
    let organization = store
        .find_organization(grant.environment_id, organization_id)
        .await?
        .filter(|o| o.id == grant.organization_id)
        .ok_or_else(|| DomainError::not_found("organization", organization_id))?;
    Ok(Authorized {
        organization,
        role: OrgRole::Member,
        partner: None,
    })
}

async fn view<S: OrganizationStore>(
    store: &S,
    organization: Organization,
    role: Option<OrgRole>,
) -> DomainResult<OrganizationView> {
    let identifiers = store.list_identifiers(organization.id).await?;
    Ok(OrganizationView {
        organization,
        role,
        identifiers,
    })
}

fn org_event(name: OrgEventKind, caller: &Caller<'_>, note: Option<String>) -> NewOrgEvent {
    NewOrgEvent {
        event: name,
        actor_email: Some(caller.user.email.clone()),
        note,
    }
}

/// The organizations the caller can see: all of the environment for its Administrators,
/// otherwise those they are a member of.
///
/// # Errors
/// `Forbidden` or the store's error.
#[tracing::instrument(name = "list organizations", skip_all, fields(environment_id = %caller.actor.environment_id))]
pub async fn list_organizations<S: OrganizationStore>(
    store: &S,
    caller: &Caller<'_>,
    query: &PageQuery,
) -> DomainResult<Page<OrganizationView>> {
    caller.actor.require(Action::ViewEnvironment)?;
    let page = NamePage::parse(query.limit, query.before.as_deref())?;
    let all = caller.actor.role == Role::Administrator;
    let orgs = store
        .list_organizations_page(caller.actor.environment_id, caller.user.id, all, &page)
        .await?;
    let (orgs, next_cursor) = page.finish(orgs, |(o, _)| (o.statutory_name.clone(), o.id));
    let mut items = Vec::with_capacity(orgs.len());
    for (org, membership) in orgs {
        let role = policy::effective_role(caller.actor, membership);
        items.push(view(store, org, role).await?);
    }
    Ok(Page { items, next_cursor })
}

/// One organization the caller may see.
///
/// # Errors
/// `NotFound`, `Forbidden` or the store's error.
#[tracing::instrument(name = "get organization", skip_all, fields(organization_id = %org.organization.id))]
pub async fn get_organization<S: OrganizationStore>(
    store: &S,
    org: &Authorized,
) -> DomainResult<OrganizationView> {
    let role = org.role;
    let org = org.allow(OrgAction::View)?;
    view(store, org.clone(), Some(role)).await
}

/// Parses the identifiers of "Add organization": the KvK number (required in the Netherlands)
/// first, then the others without duplicates. Every problem is reported, not just the first.
fn parse_new_identifiers(
    input: &AddOrganization,
    country: &str,
) -> Result<(Option<String>, Vec<Identifier>), Vec<FieldError>> {
    let mut problems = Vec::new();
    if country.len() != 2 || !country.chars().all(|c| c.is_ascii_uppercase()) {
        problems.push(FieldError {
            field: "country".into(),
            code: "invalid_country",
            message: "Use a two-letter country code such as NL or BE.".into(),
        });
    }
    let mut identifiers: Vec<Identifier> = Vec::new();
    let kvk_input = input
        .kvk_number
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty());
    let kvk = match kvk_input {
        Some(raw) => match Identifier::parse("kvkNumber", IdentifierKind::Kvk, raw, None) {
            Ok(identifier) => {
                let number = identifier.value().to_owned();
                identifiers.push(identifier);
                Some(number)
            }
            Err(err) => {
                problems.push(err);
                None
            }
        },
        None if country == "NL" => {
            problems.push(FieldError {
                field: "kvkNumber".into(),
                code: "required",
                message: "A Dutch organization needs its KvK number.".into(),
            });
            None
        }
        None => None,
    };
    for (index, entry) in input.identifiers.iter().enumerate() {
        let Some(kind) = IdentifierKind::parse(&entry.kind) else {
            problems.push(invalid_kind(format!("identifiers[{index}].kind")));
            continue;
        };
        let field = format!("identifiers[{index}].value");
        match Identifier::parse(&field, kind, &entry.value, entry.scheme.as_deref()) {
            Ok(identifier)
                if identifiers.iter().any(|i| {
                    i.scheme() == identifier.scheme() && i.value() == identifier.value()
                }) => {}
            Ok(identifier) => identifiers.push(identifier),
            Err(err) => problems.push(err),
        }
    }
    if problems.is_empty() {
        Ok((kvk, identifiers))
    } else {
        Err(problems)
    }
}

fn invalid_kind(field: String) -> FieldError {
    FieldError {
        field,
        code: "invalid_kind",
        message: "Choose kvk, kvk_establishment, oin, vat, be_enterprise, gln or other.".into(),
    }
}

fn trimmed(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// What is entered wins; the register fills in what is left blank.
fn prefill(
    input: AddOrganization,
    country: String,
    kvk: Option<String>,
    company: Option<&RegistryCompany>,
) -> DomainResult<NewOrganization> {
    let statutory_name = trimmed(input.statutory_name)
        .or_else(|| company.map(|c| c.statutory_name.clone()))
        .ok_or_else(|| {
            DomainError::field("statutoryName", "required", "Enter the statutory name.")
        })?;
    let address = match (input.address, company.and_then(|c| c.address.as_ref())) {
        (Some(address), _) => address,
        (None, Some(a)) => Address {
            street: Some(a.street.clone()),
            house_number: Some(a.house_number.clone()),
            postal_code: Some(a.postal_code.clone()),
            city: Some(a.city.clone()),
        },
        (None, None) => Address::default(),
    };
    let trade_names = if input.trade_names.is_empty() {
        company.map(|c| c.trade_names.clone()).unwrap_or_default()
    } else {
        input
            .trade_names
            .into_iter()
            .filter_map(|n| trimmed(Some(n)))
            .collect()
    };
    Ok(NewOrganization {
        statutory_name,
        trade_names,
        address,
        country,
        contact_name: trimmed(input.contact_name),
        contact_email: trimmed(input.contact_email).map(|e| e.to_lowercase()),
        kvk_number: kvk,
        register_snapshot: company.and_then(|c| serde_json::to_string(c).ok()),
    })
}

/// Adds an organization (environment Administrators). A Dutch organization is looked up in the
/// business register, whose data prefills what was left out and is kept for the activation
/// review. The creator becomes its Organization Administrator.
///
/// # Errors
/// `Forbidden`; `Validation` per field (also for a KvK number the register does not know);
/// `Conflict` for a KvK number already in the environment or a full environment;
/// `Unavailable` when the register cannot be reached.
#[tracing::instrument(name = "add organization", skip_all, fields(environment_id = %caller.actor.environment_id))]
pub async fn add_organization<S: OrganizationStore, R: BusinessRegistry>(
    store: &S,
    registry: &R,
    settings: &OrganizationSettings,
    caller: &Caller<'_>,
    input: AddOrganization,
) -> DomainResult<OrganizationView> {
    caller.actor.require(Action::ManageEnvironment)?;
    let country = input
        .country
        .as_deref()
        .map_or("NL".to_owned(), |c| c.trim().to_uppercase());
    let (kvk, identifiers) =
        parse_new_identifiers(&input, &country).map_err(DomainError::Validation)?;
    let limit = settings.max_organizations;
    // Checked early to spare a register lookup; the store checks again under a lock.
    if store
        .count_organizations(caller.actor.environment_id)
        .await?
        >= limit
    {
        return Err(organization_limit_reached(limit));
    }
    let company = match &kvk {
        Some(number) => match registry.profile(number).await {
            Ok(company) => Some(company),
            Err(RegistryError::NotFound) => {
                return Err(DomainError::field(
                    "kvkNumber",
                    "not_in_register",
                    format!(
                        "KvK number {number} is not in the business register; check the number."
                    ),
                ))
            }
            Err(err) => return Err(err.into_domain_error()),
        },
        None => None,
    };
    let organization = prefill(input, country, kvk, company.as_ref())?;
    let org = store
        .create_organization(
            caller.actor.environment_id,
            caller.user.id,
            limit,
            organization,
            identifiers.iter().map(new_identifier).collect(),
            org_event(OrgEventKind::Added, caller, None),
            caller.audit(crate::accounts::AuditAction::OrganizationAdded),
        )
        .await?;
    view(store, org, Some(OrgRole::Administrator)).await
}

fn new_identifier(identifier: &Identifier) -> NewIdentifier {
    NewIdentifier {
        kind: identifier.kind().as_str().to_owned(),
        scheme: identifier.scheme().to_owned(),
        value: identifier.value().to_owned(),
    }
}

/// Changes an organization's details (Organization Administrators). Blank contact fields clear
/// them.
///
/// # Errors
/// `NotFound`, `Forbidden` or the store's error.
#[tracing::instrument(name = "update organization", skip_all, fields(organization_id = %org.organization.id))]
pub async fn update_organization<S: OrganizationStore>(
    store: &S,
    caller: &Caller<'_>,
    org: &Authorized,
    change: OrganizationChange,
) -> DomainResult<OrganizationView> {
    let role = org.role;
    let org = org.allow(OrgAction::ManageDetails)?;
    let change = OrganizationChange {
        statutory_name: change.statutory_name.map(|n| n.trim().to_owned()),
        contact_name: change.contact_name.map(trimmed),
        contact_email: change.contact_email.map(trimmed),
        ..change
    };
    let updated = store
        .update_organization(
            org.id,
            change,
            caller
                .audit(crate::accounts::AuditAction::OrganizationUpdated)
                .on_organization(org.environment_id),
        )
        .await?;
    view(store, updated, Some(role)).await
}

/// The invoice document types the organization receives (over Peppol and from organizations
/// here): its choice, or its country's default.
///
/// # Errors
/// `Forbidden` (never for a caller who may view it).
pub fn document_types(org: &Authorized) -> DomainResult<Vec<InvoiceDocumentType>> {
    Ok(org.allow(OrgAction::View)?.document_types.clone())
}

/// Chooses the invoice document types the organization receives (Organization
/// Administrators). Haven's SMP publishes exactly these for its receiving participant ids (with
/// the Invoice Response 3.0, which is always published), `/as4` and internal delivery take
/// only these, and the Peppol Directory is told again (it reads the types from the SMP).
///
/// # Errors
/// `Forbidden`; `Validation` when no type is chosen; the store's error.
#[tracing::instrument(name = "set document types", skip_all, fields(organization_id = %org.organization.id))]
pub async fn set_document_types<S: OrganizationStore>(
    store: &S,
    caller: &Caller<'_>,
    org: &Authorized,
    types: Vec<InvoiceDocumentType>,
) -> DomainResult<Vec<InvoiceDocumentType>> {
    let org = org.allow(OrgAction::ManageDetails)?;
    if types.is_empty() {
        return Err(DomainError::field(
            "documentTypes",
            "required",
            "Choose at least one document type to receive.",
        ));
    }
    let updated = store
        .update_organization(
            org.id,
            OrganizationChange {
                document_types: Some(types),
                ..OrganizationChange::default()
            },
            caller
                .audit(crate::accounts::AuditAction::OrganizationUpdated)
                .on_organization(org.environment_id),
        )
        .await?;
    Ok(updated.document_types)
}

/// What the organization adds to its Peppol Directory business card.
///
/// # Errors
/// `Forbidden` (never for a caller who may view it).
pub fn directory_details(org: &Authorized) -> DomainResult<DirectoryDetails> {
    Ok(org.allow(OrgAction::View)?.directory_details.clone())
}

/// Replaces what the organization adds to its Peppol Directory business card (Organization
/// Administrators): names in other languages, websites, public contact points and a free
/// text. Haven's SMP serves the new card at once and the Directory is told to read it again
/// (the store queues the jobs with the change).
///
/// # Errors
/// `Forbidden`; `Validation` naming each field in error; the store's error.
#[tracing::instrument(name = "set directory details", skip_all, fields(organization_id = %org.organization.id))]
pub async fn set_directory_details<S: OrganizationStore>(
    store: &S,
    caller: &Caller<'_>,
    org: &Authorized,
    details: DirectoryDetails,
) -> DomainResult<DirectoryDetails> {
    let org = org.allow(OrgAction::ManageDetails)?;
    let details = details.checked()?;
    let updated = store
        .update_organization(
            org.id,
            OrganizationChange {
                directory_details: Some(details),
                ..OrganizationChange::default()
            },
            caller
                .audit(crate::accounts::AuditAction::OrganizationUpdated)
                .on_organization(org.environment_id),
        )
        .await?;
    Ok(updated.directory_details)
}

/// The status history, newest first.
///
/// # Errors
/// `NotFound`, `Forbidden`, `Validation` of the page, or the store's error.
pub async fn history<S: OrganizationStore>(
    store: &S,
    org: &Authorized,
    query: &PageQuery,
) -> DomainResult<Page<OrgEvent>> {
    let org = org.allow(OrgAction::View)?;
    let page = PageRequest::parse(query.limit, query.before.as_deref())?;
    let events = store.list_events_page(org.id, &page).await?;
    Ok(page.page(events, |e| (e.created_at, e.id)))
}

/// Adds an identifier; on an active organization it is registered as a participant id at once.
///
/// # Errors
/// `Validation` for an unknown kind or a malformed value, `Conflict` when another
/// organization holds the participant id, `NotFound`, `Forbidden`.
#[tracing::instrument(name = "add identifier", skip_all, fields(organization_id = %org.organization.id))]
pub async fn add_identifier<S: OrganizationStore>(
    store: &S,
    caller: &Caller<'_>,
    org: &Authorized,
    input: IdentifierInput,
) -> DomainResult<OrgIdentifier> {
    let org = org.allow(OrgAction::ManageDetails)?;
    let kind = IdentifierKind::parse(&input.kind)
        .ok_or_else(|| DomainError::Validation(vec![invalid_kind("kind".into())]))?;
    let identifier = Identifier::parse("value", kind, &input.value, input.scheme.as_deref())
        .map_err(|e| DomainError::Validation(vec![e]))?;
    store
        .add_identifier(
            org.id,
            new_identifier(&identifier),
            caller
                .audit(crate::accounts::AuditAction::OrganizationIdentifierAdded)
                .on_organization(org.environment_id),
        )
        .await
}

/// Removes an identifier (and its participant registration).
///
/// # Errors
/// `NotFound`, `Forbidden` or the store's error.
#[tracing::instrument(name = "remove identifier", skip_all, fields(organization_id = %org.organization.id, %identifier_id))]
pub async fn remove_identifier<S: OrganizationStore>(
    store: &S,
    caller: &Caller<'_>,
    org: &Authorized,
    identifier_id: Uuid,
) -> DomainResult<()> {
    let org = org.allow(OrgAction::ManageDetails)?;
    store
        .remove_identifier(
            org.id,
            identifier_id,
            caller
                .audit(crate::accounts::AuditAction::OrganizationIdentifierRemoved)
                .on_organization(org.environment_id),
        )
        .await
}

/// Switches sending or receiving for one identifier. Only an active organization sends or
/// receives; receiving needs the environment to have chosen to receive (it costs money).
///
/// # Errors
/// `Conflict` when the organization is not active or receiving was not chosen; `NotFound`,
/// `Forbidden`.
#[tracing::instrument(name = "switch identifier", skip_all, fields(organization_id = %org.organization.id, %identifier_id))]
pub async fn set_identifier_switches<S: OrganizationStore, A: Directory>(
    store: &S,
    accounts: &A,
    settings: &OrganizationSettings,
    caller: &Caller<'_>,
    org: &Authorized,
    identifier_id: Uuid,
    switches: Switches,
) -> DomainResult<OrgIdentifier> {
    let Switches { send, receive } = switches;
    let org = org.allow(OrgAction::ManageDetails)?;
    let switching_on = send == Some(true) || receive == Some(true);
    if switching_on && org.status != OrgStatus::Active {
        return Err(DomainError::conflict(
            crate::ConflictCode::OrganizationNotActive,
            "Activate the organization first: only active organizations send or receive.".into(),
        ));
    }
    if receive == Some(true) {
        let env = accounts
            .find_environment(caller.actor.environment_id)
            .await?
            .ok_or_else(|| DomainError::not_found("environment", caller.actor.environment_id))?;
        if !env.receiving_enabled {
            return Err(DomainError::conflict(crate::ConflictCode::ReceivingNotEnabled, format!(
                "Your environment has not chosen to receive e-invoices (€{} per document); an Administrator can switch it on in the environment settings.",
                settings.receiving_price
            )));
        }
    }
    store
        .set_identifier_switches(
            org.id,
            identifier_id,
            send,
            receive,
            caller
                .audit(crate::accounts::AuditAction::OrganizationIdentifierSwitched)
                .on_organization(org.environment_id),
        )
        .await
}

/// Requests activation: by a code emailed to the contact address the business register has on
/// file, or by a platform operator's review.
///
/// # Errors
/// `Conflict` when a code cannot be sent (not Dutch, no address in the register);
/// `Unavailable` when the register cannot be reached; `NotFound`, `Forbidden`.
#[tracing::instrument(name = "request activation", skip_all, fields(organization_id = %org.organization.id, method = method.as_str()))]
pub async fn request_activation<S: OrganizationStore, R: BusinessRegistry>(
    store: &S,
    registry: &R,
    caller: &Caller<'_>,
    org: &Authorized,
    method: ActivationMethod,
) -> DomainResult<OrganizationView> {
    let role = org.role;
    let org = org.allow(OrgAction::ManageDetails)?;
    let audit = caller
        .audit(crate::accounts::AuditAction::OrganizationActivationRequested)
        .details(serde_json::json!({ "method": method.as_str() }))
        .on_organization(org.environment_id);
    let updated = match method {
        ActivationMethod::OperatorReview => {
            let note = "Waiting for review by a platform operator.".to_owned();
            store
                .request_activation(
                    org.id,
                    method,
                    None,
                    None,
                    org_event(OrgEventKind::ActivationRequested, caller, Some(note)),
                    audit,
                )
                .await?
        }
        ActivationMethod::EmailCode => {
            if !registry.shares_contact_email() {
                return Err(DomainError::conflict(crate::ConflictCode::ActivationCodeUnavailable, "The business register does not share contact addresses, so no code can be emailed; choose operator review.".into()));
            }
            let Some(kvk) = org.kvk_number.as_deref() else {
                return Err(DomainError::conflict(crate::ConflictCode::ActivationCodeUnavailable, "A code can only be sent to the register's address of a Dutch organization; choose operator review.".into()));
            };
            let company = registry
                .profile(kvk)
                .await
                .map_err(RegistryError::into_domain_error)?;
            let Some(contact) = company.contact_email else {
                return Err(DomainError::conflict(crate::ConflictCode::ActivationCodeUnavailable, "The business register has no contact address for this organization; choose operator review.".into()));
            };
            let code = format!("{:06}", rand::rngs::OsRng.gen_range(0..1_000_000));
            let mail = render(
                &contact,
                &MailTemplate::ActivationCode {
                    organization_name: org.statutory_name.clone(),
                    code: code.clone(),
                    valid_minutes: u32::try_from(ACTIVATION_CODE_MINUTES).unwrap_or(30),
                    requested_by: caller.user.name.clone(),
                },
                caller.user.language,
            );
            let note = format!(
                "Code sent to {} (the address in the business register).",
                mask_email(&contact)
            );
            store
                .request_activation(
                    org.id,
                    method,
                    Some((hash_token(&code), code_expiry(Utc::now()))),
                    Some(mail),
                    org_event(OrgEventKind::ActivationCodeSent, caller, Some(note)),
                    audit,
                )
                .await?
        }
    };
    view(store, updated, Some(role)).await
}

fn code_expiry(now: DateTime<Utc>) -> DateTime<Utc> {
    now + TimeDelta::minutes(ACTIVATION_CODE_MINUTES)
}

/// `j***@example.nl`: enough to recognise, not enough to harvest.
fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => format!("{}***@{domain}", local.chars().next().unwrap_or('*')),
        None => "***".into(),
    }
}

/// Enters the emailed activation code (at most [`super::store::MAX_CODE_ATTEMPTS`] tries).
///
/// # Errors
/// `Validation` for a wrong or expired code, `Conflict` when no code is pending, `NotFound`,
/// `Forbidden`.
#[tracing::instrument(name = "enter activation code", skip_all, fields(organization_id = %org.organization.id))]
pub async fn enter_activation_code<S: OrganizationStore>(
    store: &S,
    caller: &Caller<'_>,
    org: &Authorized,
    code: &str,
) -> DomainResult<OrganizationView> {
    let role = org.role;
    let org = org.allow(OrgAction::ManageDetails)?;
    let digits: String = code.chars().filter(char::is_ascii_digit).collect();
    let audit = caller
        .audit(crate::accounts::AuditAction::OrganizationActivated)
        .details(serde_json::json!({ "method": "email_code" }))
        .on_organization(org.environment_id);
    let outcome = store
        .enter_activation_code(
            org.id,
            &hash_token(&digits),
            Utc::now(),
            org_event(OrgEventKind::Activated, caller, None),
            audit,
        )
        .await?;
    match outcome {
        CodeOutcome::Activated(org) => view(store, *org, Some(role)).await,
        CodeOutcome::Wrong { attempts_left } => Err(DomainError::field(
            "code",
            "wrong_code",
            if attempts_left == 0 {
                "The code is not correct and no attempts are left; request a new code.".to_owned()
            } else {
                format!("The code is not correct; {attempts_left} attempts left.")
            },
        )),
        CodeOutcome::Expired => Err(DomainError::field(
            "code",
            "code_expired",
            "The code has expired; request a new one.",
        )),
        CodeOutcome::NoCodePending => Err(DomainError::conflict(
            crate::ConflictCode::NoActivationCodePending,
            "No activation code is pending for this organization; request one first.".into(),
        )),
    }
}

/// Deactivates: sending and receiving stop for every identifier and its participant ids are
/// released.
///
/// # Errors
/// `NotFound`, `Forbidden` or the store's error.
#[tracing::instrument(name = "deactivate organization", skip_all, fields(organization_id = %org.organization.id))]
pub async fn deactivate<S: OrganizationStore>(
    store: &S,
    caller: &Caller<'_>,
    org: &Authorized,
) -> DomainResult<OrganizationView> {
    let role = org.role;
    let org = org.allow(OrgAction::ManageDetails)?;
    let updated = store
        .stop_organization(
            org.id,
            OrgStatus::Deactivated,
            org_event(OrgEventKind::Deactivated, caller, None),
            caller
                .audit(crate::accounts::AuditAction::OrganizationDeactivated)
                .on_organization(org.environment_id),
        )
        .await?;
    view(store, updated, Some(role)).await
}

/// The organization's members.
///
/// # Errors
/// `NotFound`, `Forbidden` or the store's error.
pub async fn list_members<S: OrganizationStore>(
    store: &S,
    org: &Authorized,
    query: &PageQuery,
) -> DomainResult<Page<Member>> {
    let org = org.allow(OrgAction::View)?;
    let page = NamePage::parse(query.limit, query.before.as_deref())?;
    // Members are at most the environment's users, so they are paged here, in (name, id)
    // order, rather than in the database.
    let mut members = store.list_members(org.id).await?;
    members.sort_by(|a, b| (&a.name, a.user_id).cmp(&(&b.name, b.user_id)));
    let rest: Vec<Member> = members
        .into_iter()
        .filter(|m| {
            page.before
                .as_ref()
                .is_none_or(|(name, id)| (&m.name, m.user_id) > (name, *id))
        })
        .take(usize::try_from(page.fetch()).unwrap_or(usize::MAX))
        .collect();
    Ok(page.page(rest, |m| (m.name.clone(), m.user_id)))
}

/// Adds a user of the same environment as member.
///
/// # Errors
/// `Validation` for a user who is not in the environment, `Conflict` when already a member,
/// `NotFound`, `Forbidden`.
#[tracing::instrument(name = "add member", skip_all, fields(organization_id = %org.organization.id, %user_id))]
pub async fn add_member<S: OrganizationStore>(
    store: &S,
    caller: &Caller<'_>,
    org: &Authorized,
    user_id: Uuid,
    role: OrgRole,
) -> DomainResult<Member> {
    let org = org.allow(OrgAction::ManageMembers)?;
    store
        .add_member(
            caller.actor.environment_id,
            org.id,
            user_id,
            role,
            caller.audit(crate::accounts::AuditAction::OrganizationMemberAdded),
        )
        .await
        .map_err(|e| match e {
            DomainError::NotFound { .. } => DomainError::field(
                "userId",
                "unknown_user",
                "No such user in your environment.",
            ),
            other => other,
        })
}

/// Changes a member's role.
///
/// # Errors
/// `NotFound`, `Forbidden` or the store's error.
#[tracing::instrument(name = "change member", skip_all, fields(organization_id = %org.organization.id, %user_id))]
pub async fn change_member<S: OrganizationStore>(
    store: &S,
    caller: &Caller<'_>,
    org: &Authorized,
    user_id: Uuid,
    role: OrgRole,
) -> DomainResult<Member> {
    let org = org.allow(OrgAction::ManageMembers)?;
    store
        .change_member(
            org.id,
            user_id,
            role,
            caller.audit(crate::accounts::AuditAction::OrganizationMemberChanged),
        )
        .await
}

/// Removes a member.
///
/// # Errors
/// `NotFound`, `Forbidden` or the store's error.
#[tracing::instrument(name = "remove member", skip_all, fields(organization_id = %org.organization.id, %user_id))]
pub async fn remove_member<S: OrganizationStore>(
    store: &S,
    caller: &Caller<'_>,
    org: &Authorized,
    user_id: Uuid,
) -> DomainResult<()> {
    let org = org.allow(OrgAction::ManageMembers)?;
    store
        .remove_member(
            org.id,
            user_id,
            caller.audit(crate::accounts::AuditAction::OrganizationMemberRemoved),
        )
        .await
}

/// Most candidates one search returns.
const MAX_CANDIDATES: usize = 50;

/// Users of the environment who are not members yet, matching `needle` in name or address.
///
/// # Errors
/// `NotFound`, `Forbidden` or the store's error.
pub async fn member_candidates<S: OrganizationStore, A: Directory>(
    store: &S,
    accounts: &A,
    caller: &Caller<'_>,
    org: &Authorized,
    needle: Option<&str>,
) -> DomainResult<Vec<User>> {
    let org = org.allow(OrgAction::ManageMembers)?;
    let members: std::collections::HashSet<Uuid> = store
        .list_members(org.id)
        .await?
        .into_iter()
        .map(|m| m.user_id)
        .collect();
    let needle = needle.unwrap_or("").trim().to_lowercase();
    let users = accounts.list_users(caller.actor.environment_id).await?;
    Ok(users
        .into_iter()
        .filter(|u| !members.contains(&u.id))
        .filter(|u| {
            needle.is_empty()
                || u.name.to_lowercase().contains(&needle)
                || u.email.contains(&needle)
        })
        .take(MAX_CANDIDATES)
        .collect())
}

/// The participant ids the caller may act for: the registered identifiers of the active
/// organizations they can see, their own environment's and their clients' (partner access).
///
/// # Errors
/// `Forbidden` or the store's error.
#[tracing::instrument(name = "my parties", skip_all, fields(user_id = %caller.user.id))]
pub async fn my_parties<S: OrganizationStore>(
    store: &S,
    caller: &Caller<'_>,
) -> DomainResult<Vec<Party>> {
    caller.actor.require(Action::ManageOwnAccount)?;
    let all = caller.actor.role == Role::Administrator;
    let orgs = store
        .list_organizations(caller.actor.environment_id, caller.user.id, all)
        .await?;
    let partner_orgs = store
        .partner_organizations(caller.user.id, caller.actor.environment_id)
        .await?;
    let reachable = orgs
        .into_iter()
        .filter_map(|(org, membership)| {
            policy::effective_role(caller.actor, membership).map(|role| (org, role, false))
        })
        .chain(
            partner_orgs
                .into_iter()
                .map(|(org, access)| (org, access.role, true)),
        );
    let mut parties = Vec::new();
    for (org, role, partner) in reachable.filter(|(o, _, _)| o.status == OrgStatus::Active) {
        for identifier in store
            .list_identifiers(org.id)
            .await?
            .into_iter()
            .filter(|i| i.registered)
        {
            parties.push(Party {
                identifier,
                organization_id: org.id,
                organization_name: org.statutory_name.clone(),
                role,
                partner,
            });
        }
    }
    Ok(parties)
}
