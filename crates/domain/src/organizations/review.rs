//! Platform operators' review of activation requests, and the business-register lookups that
//! prefill "Add organization".

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{
    records::{OrgEventKind, OrgIdentifier, OrgStatus, Organization},
    registry::{
        BusinessRegistry, RegistryCompany, RegistryError, RegistryQuery, RegistrySearchHit,
        DEFAULT_HITS_PER_PAGE, MAX_HITS_PER_PAGE,
    },
    store::{NewOrgEvent, OrganizationStore},
};
use crate::{
    accounts::{store::Directory, Action, Caller, Operators},
    paging::{Page, PageQuery, PageRequest},
    DomainError, DomainResult,
};

/// What the operator decides about an organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Reject,
    Suspend,
}

impl Decision {
    fn event(self) -> OrgEventKind {
        match self {
            Self::Approve => OrgEventKind::Activated,
            Self::Reject => OrgEventKind::Rejected,
            Self::Suspend => OrgEventKind::Suspended,
        }
    }

    fn audit_action(self) -> crate::accounts::AuditAction {
        match self {
            Self::Approve => crate::accounts::AuditAction::OrganizationActivationApproved,
            Self::Reject => crate::accounts::AuditAction::OrganizationActivationRejected,
            Self::Suspend => crate::accounts::AuditAction::OrganizationSuspended,
        }
    }
}

/// One activation request as the operator reviews it.
#[derive(Debug, Clone)]
pub struct ReviewItem {
    pub organization: Organization,
    pub environment_name: String,
    pub identifiers: Vec<OrgIdentifier>,
    pub requested_at: DateTime<Utc>,
}

async fn review_item<S: OrganizationStore, A: Directory>(
    store: &S,
    accounts: &A,
    organization: Organization,
) -> DomainResult<ReviewItem> {
    let environment_name = accounts
        .find_environment(organization.environment_id)
        .await?
        .map(|e| e.name)
        .unwrap_or_default();
    let identifiers = store.list_identifiers(organization.id).await?;
    let requested_at = store
        .list_events(organization.id)
        .await?
        .into_iter()
        .rev()
        .find(|e| e.status == OrgStatus::ActivationRequested)
        .map_or(organization.created_at, |e| e.created_at);
    Ok(ReviewItem {
        organization,
        environment_name,
        identifiers,
        requested_at,
    })
}

/// Organizations waiting for review, across environments, longest waiting first.
///
/// # Errors
/// `NotFound` for non-operators, or the store's error.
#[tracing::instrument(name = "review queue", skip_all)]
pub async fn review_queue<S: OrganizationStore, A: Directory>(
    store: &S,
    accounts: &A,
    operators: &Operators,
    caller: &Caller<'_>,
    query: &PageQuery,
) -> DomainResult<Page<ReviewItem>> {
    operators.require(caller)?;
    let page = PageRequest::parse(query.limit, query.before.as_deref())?;
    let orgs = store.review_queue(&page).await?;
    let (orgs, next_cursor) = page.finish(orgs, |o| (o.updated_at, o.id));
    let mut items = Vec::with_capacity(orgs.len());
    for org in orgs {
        items.push(review_item(store, accounts, org).await?);
    }
    Ok(Page { items, next_cursor })
}

/// Approves (the organization becomes active and its identifiers are registered), rejects
/// (back to added) or suspends (sending and receiving stop). Rejecting and suspending need a
/// note, which the organization sees in its status history.
///
/// # Errors
/// `NotFound` for non-operators or an unknown organization, `Validation` without a needed
/// note, `Conflict` when a participant id is held elsewhere or the status does not allow it.
#[tracing::instrument(name = "review decision", skip_all, fields(%organization_id, ?decision))]
pub async fn decide<S: OrganizationStore, A: Directory>(
    store: &S,
    accounts: &A,
    operators: &Operators,
    caller: &Caller<'_>,
    organization_id: Uuid,
    decision: Decision,
    note: Option<String>,
) -> DomainResult<ReviewItem> {
    operators.require(caller)?;
    let org = store
        .find_organization_anywhere(organization_id)
        .await?
        .ok_or_else(|| DomainError::not_found("organization", organization_id))?;
    let note = note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
    if decision != Decision::Approve && note.is_none() {
        return Err(DomainError::field(
            "note",
            "required",
            "Say why, so the organization knows what to fix.",
        ));
    }
    let event = NewOrgEvent {
        event: decision.event(),
        actor_email: Some("platform operator".into()),
        note,
    };
    // The operator acts from outside the organization's environment: the event belongs to
    // that environment's log (the store puts it there), attributed by address only.
    let mut audit =
        crate::accounts::records::NewAuditEvent::new(decision.audit_action(), caller.client);
    audit.actor_email = Some(caller.user.email.clone());
    let updated = match decision {
        Decision::Approve => store.activate(org.id, event, audit).await?,
        Decision::Reject => store.reject_activation(org.id, event, audit).await?,
        Decision::Suspend => {
            store
                .stop_organization(org.id, OrgStatus::Suspended, event, audit)
                .await?
        }
    };
    review_item(store, accounts, updated).await
}

/// Searches the business register by KvK number, or by name and place (environment
/// Administrators, who add organizations).
///
/// # Errors
/// `Forbidden`, `Validation` for an empty query, a malformed number, a page size outside 1–100
/// or a cursor not made here, `Unavailable`.
#[tracing::instrument(name = "search register", skip_all)]
pub async fn search_register<R: BusinessRegistry>(
    registry: &R,
    caller: &Caller<'_>,
    query: RegistryQuery,
    page: &PageQuery,
) -> DomainResult<Page<RegistrySearchHit>> {
    caller.actor.require(Action::ManageEnvironment)?;
    let (number, size) = register_page(page)?;
    let clean = |v: Option<String>| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    let query = RegistryQuery {
        kvk_number: clean(query.kvk_number).map(|n| n.replace([' ', '.'], "")),
        name: clean(query.name),
        place: clean(query.place),
        page: number,
        per_page: size,
    };
    if query.kvk_number.is_none() && query.name.is_none() {
        return Err(DomainError::field(
            "name",
            "required",
            "Search by KvK number or by name.",
        ));
    }
    if let Some(number) = &query.kvk_number {
        if number.len() != 8 || !number.chars().all(|c| c.is_ascii_digit()) {
            return Err(DomainError::field(
                "kvkNumber",
                "invalid_kvk",
                "A KvK number has 8 digits, e.g. 12345678.",
            ));
        }
    }
    let found = registry
        .search(&query)
        .await
        .map_err(RegistryError::into_domain_error)?;
    Ok(Page {
        items: found.hits,
        // The register pages by number: the cursor is the next page's.
        next_cursor: found.has_more.then(|| (number + 1).to_string()),
    })
}

/// The register's page number and size for a page query: sizes 1–100 (the KvK API's range),
/// and a cursor that is a page number this use case handed out.
fn register_page(page: &PageQuery) -> DomainResult<(u32, u32)> {
    let size = match page.limit {
        None => DEFAULT_HITS_PER_PAGE,
        Some(n) => u32::try_from(n)
            .ok()
            .filter(|n| (1..=MAX_HITS_PER_PAGE).contains(n))
            .ok_or_else(|| {
                DomainError::field("limit", "out_of_range", "Choose a page size from 1 to 100.")
            })?,
    };
    let number = match page.before.as_deref() {
        None => 1,
        Some(cursor) => cursor
            .parse::<u32>()
            .ok()
            .filter(|n| *n >= 2)
            .ok_or_else(|| {
                DomainError::field(
                    "before",
                    "invalid_cursor",
                    "Use the nextCursor of a previous page.",
                )
            })?,
    };
    Ok((number, size))
}

/// The register's basic profile of one company.
///
/// # Errors
/// `Forbidden`, `NotFound`, `Unavailable`.
#[tracing::instrument(name = "register profile", skip_all)]
pub async fn register_profile<R: BusinessRegistry>(
    registry: &R,
    caller: &Caller<'_>,
    kvk_number: &str,
) -> DomainResult<RegistryCompany> {
    caller.actor.require(Action::ManageEnvironment)?;
    registry
        .profile(kvk_number.trim())
        .await
        .map_err(RegistryError::into_domain_error)
}
