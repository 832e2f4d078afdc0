//! The partner use cases: sending, opening and answering authorisation requests, ending
//! partnerships, and the grants a client gives partner users on its organization.
//!
//! Each side of a request or partnership sees it (a third environment finds nothing: 404);
//! every change is recorded in the audit logs of both environments.

use chrono::{DateTime, TimeDelta, Utc};
use uuid::Uuid;

use super::{
    records::{
        GrantStatus, NewGrant, NewPartnerRequest, PartnerGrant, PartnerRequest, Partnership,
        PartnershipStatus, RequestStatus,
    },
    store::{Answer, PartnerStore, RequestSide},
};
use crate::{
    accounts::{
        records::{ClientInfo, NewAuditEvent, TokenProblem},
        secrets::{hash_token, new_token},
        store::Directory,
        Action, Actor, AuditAction, Caller,
    },
    links::Links,
    mail::{render, Language, MailTemplate},
    organizations::{policy::OrgAction, policy::OrgRole, service::Authorized},
    paging::{Page, PageQuery, PageRequest},
    ConflictCode, DomainError, DomainResult, FieldError,
};

/// Longest client name and software package name.
pub const NAME_MAX: usize = 100;
/// Longest email address.
pub const EMAIL_MAX: usize = 254;
/// Requests the expiry job closes per run at most (it runs again soon after).
pub const EXPIRY_BATCH: u64 = 500;

/// The installation's settings the partner rules depend on.
#[derive(Debug, Clone)]
pub struct PartnerSettings {
    /// Days an authorisation request waits for an answer.
    pub request_days: u32,
}

/// "New authorisation request" as entered.
#[derive(Debug, Clone)]
pub struct NewRequestInput {
    pub client_name: String,
    pub client_email: String,
    pub software: String,
    pub kvk_number: String,
    /// The language of the email; Dutch when not given.
    pub language: Option<Language>,
}

/// Partner work needs the relationship-manager capability: the Advanced or Administrator
/// role, or the relationship-manager flag an Administrator grants.
///
/// # Errors
/// `Forbidden`.
pub fn require_relationship_manager(actor: &Actor) -> DomainResult<()> {
    if actor.relationship_manager && !actor.two_factor_pending {
        return Ok(());
    }
    actor.require(Action::CreatePartnership)
}

fn checked_text(field: &str, value: &str, errors: &mut Vec<FieldError>) -> String {
    let value = value.trim();
    if value.is_empty() || value.chars().count() > NAME_MAX {
        errors.push(FieldError {
            field: field.into(),
            code: "length",
            message: format!("Enter from 1 to {NAME_MAX} characters."),
        });
    }
    value.to_owned()
}

/// A KvK number as people type it (spaces and dots removed): exactly eight digits.
fn checked_kvk(value: &str, errors: &mut Vec<FieldError>) -> String {
    let digits: String = value
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '.')
        .collect();
    if digits.len() != 8 || !digits.chars().all(|c| c.is_ascii_digit()) {
        errors.push(FieldError {
            field: "kvkNumber".into(),
            code: "invalid_kvk",
            message: "A KvK number has eight digits.".into(),
        });
    }
    digits
}

fn checked_email(value: &str, errors: &mut Vec<FieldError>) -> String {
    let value = value.trim().to_lowercase();
    let plausible = value.len() <= EMAIL_MAX
        && value.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !value.chars().any(|c| c.is_whitespace() || c.is_control())
        });
    if !plausible {
        errors.push(FieldError {
            field: "clientEmail".into(),
            code: "invalid_email",
            message: "Enter an email address such as name@example.com.".into(),
        });
    }
    value
}

/// The same event for the other side's audit log.
fn for_other_side(event: &NewAuditEvent, environment_id: Uuid) -> NewAuditEvent {
    event.clone().in_environment(environment_id)
}

/// An event about a request, for the caller's log and (when known) the other side's.
fn request_audits(
    caller: &Caller<'_>,
    action: AuditAction,
    request: &PartnerRequest,
) -> Vec<NewAuditEvent> {
    let event = caller
        .audit(action)
        .target("partner_request", request.id)
        .details(serde_json::json!({
            "requesterEnvironmentId": request.requester_environment_id,
            "clientEnvironmentId": request.client_environment_id,
            "kvkNumber": request.kvk_number,
            "software": request.software,
            "actorEnvironmentId": caller.actor.environment_id,
        }));
    let mut audits = vec![event.clone()];
    let other = if request.requester_environment_id == caller.actor.environment_id {
        request.client_environment_id
    } else {
        Some(request.requester_environment_id)
    };
    if let Some(other) = other {
        audits.push(for_other_side(&event, other));
    }
    audits
}

fn partnership_audits(
    caller: &Caller<'_>,
    action: AuditAction,
    partnership: &Partnership,
) -> Vec<NewAuditEvent> {
    let event = caller
        .audit(action)
        .target("partnership", partnership.id)
        .details(serde_json::json!({
            "partnerEnvironmentId": partnership.partner_environment_id,
            "clientEnvironmentId": partnership.client_environment_id,
            "organizationId": partnership.organization_id,
            "actorEnvironmentId": caller.actor.environment_id,
        }));
    let other = partnership.other_side(caller.actor.environment_id);
    vec![event.clone(), for_other_side(&event, other)]
}

fn grant_audits(
    caller: &Caller<'_>,
    action: AuditAction,
    grant_id: Uuid,
    partnership: &Partnership,
    user_email: &str,
    role: OrgRole,
) -> Vec<NewAuditEvent> {
    let event = caller
        .audit(action)
        .target("partner_grant", grant_id)
        .details(serde_json::json!({
            "partnershipId": partnership.id,
            "organizationId": partnership.organization_id,
            "userEmail": user_email,
            "role": role.as_str(),
            "actorEnvironmentId": caller.actor.environment_id,
        }));
    let other = partnership.other_side(caller.actor.environment_id);
    vec![event.clone(), for_other_side(&event, other)]
}

/// Sends an authorisation request: the client gets an email with a single-use link.
///
/// # Errors
/// `Forbidden` (no relationship-manager capability), `Validation`, the store's error.
#[tracing::instrument(name = "send partner request", skip_all, fields(environment_id = %caller.actor.environment_id, request_id))]
pub async fn send_request<S: PartnerStore, A: Directory>(
    store: &S,
    accounts: &A,
    settings: &PartnerSettings,
    links: &Links,
    caller: &Caller<'_>,
    input: NewRequestInput,
) -> DomainResult<PartnerRequest> {
    require_relationship_manager(caller.actor)?;
    let mut errors = Vec::new();
    let client_name = checked_text("clientName", &input.client_name, &mut errors);
    let client_email = checked_email(&input.client_email, &mut errors);
    let software = checked_text("software", &input.software, &mut errors);
    let kvk_number = checked_kvk(&input.kvk_number, &mut errors);
    if !errors.is_empty() {
        return Err(DomainError::Validation(errors));
    }
    let environment = accounts
        .find_environment(caller.actor.environment_id)
        .await?
        .ok_or_else(|| DomainError::not_found("environment", caller.actor.environment_id))?;
    let token = new_token();
    let id = Uuid::new_v4();
    tracing::Span::current().record("request_id", tracing::field::display(id));
    let language = input.language.unwrap_or_default();
    let mail = render(
        &client_email,
        &MailTemplate::PartnerRequest {
            requester_name: caller.user.name.clone(),
            environment_name: environment.name.clone(),
            client_name: client_name.clone(),
            software: software.clone(),
            kvk_number: kvk_number.clone(),
            link: links.to("/partners", Some(&token)),
            valid_days: settings.request_days,
        },
        language,
    );
    let audit = caller
        .audit(AuditAction::PartnerRequestSent)
        .target("partner_request", id)
        .details(serde_json::json!({
            "clientEmail": client_email,
            "kvkNumber": kvk_number,
            "software": software,
        }));
    store
        .create_request(
            NewPartnerRequest {
                id,
                requester_environment_id: environment.id,
                requester_environment_name: environment.name,
                requested_by: caller.user.id,
                requested_by_name: caller.user.name.clone(),
                requested_by_email: caller.user.email.clone(),
                client_name,
                client_email,
                software,
                kvk_number,
                language,
                token_hash: hash_token(&token),
                expires_at: Utc::now() + TimeDelta::days(i64::from(settings.request_days)),
            },
            mail,
            audit,
        )
        .await
}

/// One page of the environment's sent or received requests, newest first.
///
/// # Errors
/// `Forbidden`, `Validation` (page), the store's error.
#[tracing::instrument(name = "list partner requests", skip_all, fields(environment_id = %caller.actor.environment_id))]
pub async fn list_requests<S: PartnerStore>(
    store: &S,
    caller: &Caller<'_>,
    side: RequestSide,
    page: &PageQuery,
) -> DomainResult<Page<PartnerRequest>> {
    require_relationship_manager(caller.actor)?;
    let page = PageRequest::parse(page.limit, page.before.as_deref())?;
    let rows = store
        .list_requests(side, caller.actor.environment_id, &page)
        .await?;
    Ok(page.page(rows, |r| (r.created_at, r.id)))
}

/// A request the caller's environment sent or opened.
///
/// # Errors
/// `NotFound`, `Forbidden`, the store's error.
pub async fn get_request<S: PartnerStore>(
    store: &S,
    caller: &Caller<'_>,
    id: Uuid,
) -> DomainResult<PartnerRequest> {
    require_relationship_manager(caller.actor)?;
    store
        .find_request(id)
        .await?
        .filter(|r| r.involves(caller.actor.environment_id))
        .ok_or_else(|| DomainError::not_found("partner request", id))
}

fn not_pending(request: &PartnerRequest, now: DateTime<Utc>) -> DomainError {
    if request.status_at(now) == RequestStatus::Expired {
        DomainError::conflict(
            ConflictCode::PartnerRequestExpired,
            "This authorisation request has expired; ask the sender for a new one.".into(),
        )
    } else {
        DomainError::conflict(
            ConflictCode::PartnerRequestAnswered,
            format!(
                "This authorisation request is already {}.",
                request.status.as_str()
            ),
        )
    }
}

/// Opens the emailed link: the request becomes one of the caller's environment's received
/// requests (the first environment to open it keeps it) and is shown whatever its status.
///
/// # Errors
/// `LinkToken` (unknown token), `Forbidden`, `Conflict` (`own_partner_request`,
/// `partner_request_taken`), the store's error.
#[tracing::instrument(name = "open partner request", skip_all, fields(environment_id = %caller.actor.environment_id, request_id))]
pub async fn open_request<S: PartnerStore, A: Directory>(
    store: &S,
    accounts: &A,
    caller: &Caller<'_>,
    token: &str,
) -> DomainResult<PartnerRequest> {
    require_relationship_manager(caller.actor)?;
    let request = store
        .find_request_by_token(&hash_token(token.trim()))
        .await?
        .ok_or(DomainError::LinkToken(TokenProblem::Unknown))?;
    tracing::Span::current().record("request_id", tracing::field::display(request.id));
    let environment_id = caller.actor.environment_id;
    if request.requester_environment_id == environment_id {
        return Err(DomainError::conflict(
            ConflictCode::OwnPartnerRequest,
            "Your environment sent this request; the client answers it.".into(),
        ));
    }
    let taken = || {
        DomainError::conflict(
            ConflictCode::PartnerRequestTaken,
            "Another Haven environment has already opened this request.".into(),
        )
    };
    match request.client_environment_id {
        Some(id) if id == environment_id => return Ok(request),
        Some(_) => return Err(taken()),
        None => {}
    }
    if request.status_at(Utc::now()) != RequestStatus::Pending {
        return Err(not_pending(&request, Utc::now()));
    }
    let environment = accounts
        .find_environment(environment_id)
        .await?
        .ok_or_else(|| DomainError::not_found("environment", environment_id))?;
    let mut opened = request.clone();
    opened.client_environment_id = Some(environment_id);
    let audits = request_audits(caller, AuditAction::PartnerRequestReceived, &opened);
    if !store
        .claim_request(request.id, environment_id, &environment.name, audits)
        .await?
    {
        let now = store.find_request(request.id).await?;
        if now.and_then(|r| r.client_environment_id) != Some(environment_id) {
            return Err(taken());
        }
    }
    store
        .find_request(request.id)
        .await?
        .ok_or_else(|| DomainError::not_found("partner request", request.id))
}

/// A request the caller's environment received, for answering.
async fn received<S: PartnerStore>(
    store: &S,
    caller: &Caller<'_>,
    id: Uuid,
) -> DomainResult<PartnerRequest> {
    require_relationship_manager(caller.actor)?;
    store
        .find_request(id)
        .await?
        .filter(|r| r.client_environment_id == Some(caller.actor.environment_id))
        .ok_or_else(|| DomainError::not_found("partner request", id))
}

/// Accepts a received request: the environment must hold the organization with the
/// request's KvK number, and the caller must be its Organization Administrator. Creates the
/// partnership. Of two concurrent answers exactly one wins.
///
/// # Errors
/// `NotFound`, `Forbidden`, `Conflict` (`partner_organization_missing`,
/// `partner_request_expired`, `partner_request_answered`, `partnership_exists`), the
/// store's error.
#[tracing::instrument(name = "accept partner request", skip_all, fields(environment_id = %caller.actor.environment_id, request_id = %id))]
pub async fn accept_request<S: PartnerStore + crate::organizations::store::OrganizationStore>(
    store: &S,
    caller: &Caller<'_>,
    id: Uuid,
) -> DomainResult<Partnership> {
    let request = received(store, caller, id).await?;
    let now = Utc::now();
    if request.status_at(now) != RequestStatus::Pending {
        return Err(not_pending(&request, now));
    }
    let organization = store
        .organization_by_kvk(caller.actor.environment_id, &request.kvk_number)
        .await?
        .ok_or_else(|| {
            DomainError::conflict(
                ConflictCode::PartnerOrganizationMissing,
                format!(
                    "Add the organization with KvK number {} to your environment first, then accept.",
                    request.kvk_number
                ),
            )
        })?;
    crate::organizations::service::authorize(
        store,
        caller,
        organization.id,
        OrgAction::ManageMembers,
    )
    .await?;
    let audits = request_audits(caller, AuditAction::PartnerRequestAccepted, &request);
    let accepted = store
        .accept_request(id, &organization, now, &caller.user.email, audits)
        .await
        .map_err(|e| match e {
            DomainError::Conflict {
                code: ConflictCode::AlreadyExists,
                ..
            } => DomainError::conflict(
                ConflictCode::PartnershipExists,
                "Your environment already has an active partnership with this sender for this organization.".into(),
            ),
            other => other,
        })?;
    match accepted {
        Some(partnership) => Ok(partnership),
        None => {
            let request = received(store, caller, id).await?;
            Err(not_pending(&request, Utc::now()))
        }
    }
}

/// Declines a received request.
///
/// # Errors
/// `NotFound`, `Forbidden`, `Conflict` (`partner_request_expired`,
/// `partner_request_answered`), the store's error.
#[tracing::instrument(name = "decline partner request", skip_all, fields(environment_id = %caller.actor.environment_id, request_id = %id))]
pub async fn decline_request<S: PartnerStore>(
    store: &S,
    caller: &Caller<'_>,
    id: Uuid,
) -> DomainResult<PartnerRequest> {
    let request = received(store, caller, id).await?;
    close(store, caller, request, Answer::Decline).await
}

/// Withdraws a sent request that is still pending.
///
/// # Errors
/// `NotFound`, `Forbidden`, `Conflict` (`partner_request_expired`,
/// `partner_request_answered`), the store's error.
#[tracing::instrument(name = "withdraw partner request", skip_all, fields(environment_id = %caller.actor.environment_id, request_id = %id))]
pub async fn withdraw_request<S: PartnerStore>(
    store: &S,
    caller: &Caller<'_>,
    id: Uuid,
) -> DomainResult<PartnerRequest> {
    let request = get_request(store, caller, id).await?;
    if request.requester_environment_id != caller.actor.environment_id {
        return Err(DomainError::Forbidden(
            "Only the environment that sent a request can withdraw it.".into(),
        ));
    }
    close(store, caller, request, Answer::Withdraw).await
}

async fn close<S: PartnerStore>(
    store: &S,
    caller: &Caller<'_>,
    request: PartnerRequest,
    answer: Answer,
) -> DomainResult<PartnerRequest> {
    let now = Utc::now();
    if request.status_at(now) != RequestStatus::Pending {
        return Err(not_pending(&request, now));
    }
    let action = match answer {
        Answer::Decline => AuditAction::PartnerRequestDeclined,
        Answer::Withdraw => AuditAction::PartnerRequestWithdrawn,
        Answer::Expire => AuditAction::PartnerRequestExpired,
    };
    let audits = request_audits(caller, action, &request);
    match store
        .close_request(request.id, answer, now, Some(&caller.user.email), audits)
        .await?
    {
        Some(closed) => Ok(closed),
        None => {
            let current = store.find_request(request.id).await?.unwrap_or(request);
            Err(not_pending(&current, Utc::now()))
        }
    }
}

/// Marks pending requests past their expiry as expired (the periodic job), recording it in
/// both environments' logs. Returns how many.
///
/// # Errors
/// The store's error.
#[tracing::instrument(name = "expire partner requests", skip_all)]
pub async fn expire_requests<S: PartnerStore>(store: &S, now: DateTime<Utc>) -> DomainResult<u64> {
    let client = ClientInfo::default();
    let mut expired = 0;
    for request in store.requests_due_for_expiry(now, EXPIRY_BATCH).await? {
        let event = NewAuditEvent::new(AuditAction::PartnerRequestExpired, &client)
            .target("partner_request", request.id)
            .details(serde_json::json!({ "kvkNumber": request.kvk_number }));
        let mut audits = vec![event
            .clone()
            .in_environment(request.requester_environment_id)];
        if let Some(client_environment) = request.client_environment_id {
            audits.push(event.in_environment(client_environment));
        }
        if store
            .close_request(request.id, Answer::Expire, now, None, audits)
            .await?
            .is_some()
        {
            expired += 1;
        }
    }
    Ok(expired)
}

/// One page of the partnerships the caller's environment is a side of, newest first.
///
/// # Errors
/// `Forbidden`, `Validation` (page), the store's error.
pub async fn list_partnerships<S: PartnerStore>(
    store: &S,
    caller: &Caller<'_>,
    page: &PageQuery,
) -> DomainResult<Page<Partnership>> {
    caller.actor.require(Action::ViewEnvironment)?;
    let page = PageRequest::parse(page.limit, page.before.as_deref())?;
    let rows = store
        .list_partnerships(caller.actor.environment_id, &page)
        .await?;
    Ok(page.page(rows, |p| (p.created_at, p.id)))
}

/// A partnership the caller's environment is a side of.
///
/// # Errors
/// `NotFound`, the store's error.
pub async fn get_partnership<S: PartnerStore>(
    store: &S,
    caller: &Caller<'_>,
    id: Uuid,
) -> DomainResult<Partnership> {
    caller.actor.require(Action::ViewEnvironment)?;
    store
        .find_partnership(id)
        .await?
        .filter(|p| p.involves(caller.actor.environment_id))
        .ok_or_else(|| DomainError::not_found("partnership", id))
}

fn partnership_ended() -> DomainError {
    DomainError::conflict(
        ConflictCode::PartnershipNotActive,
        "This partnership has ended.".into(),
    )
}

/// Ends a partnership (either side): its grants are revoked and the connection keys created
/// through it stop, all on the next request.
///
/// # Errors
/// `NotFound`, `Forbidden`, `Conflict` (`partnership_not_active`), the store's error.
#[tracing::instrument(name = "end partnership", skip_all, fields(environment_id = %caller.actor.environment_id, partnership_id = %id))]
pub async fn end_partnership<S: PartnerStore>(
    store: &S,
    caller: &Caller<'_>,
    id: Uuid,
) -> DomainResult<Partnership> {
    let partnership = get_partnership(store, caller, id).await?;
    require_relationship_manager(caller.actor)?;
    if partnership.status != PartnershipStatus::Active {
        return Err(partnership_ended());
    }
    let audits = partnership_audits(caller, AuditAction::PartnershipEnded, &partnership);
    store
        .end_partnership(id, Utc::now(), &caller.user.email, audits)
        .await?
        .ok_or_else(partnership_ended)
}

/// "Give a partner user access" as entered.
#[derive(Debug, Clone)]
pub struct GrantInput {
    pub partnership_id: Uuid,
    pub user_email: String,
    pub role: OrgRole,
}

/// The client side of an organization's grants: its own Organization Administrators, never
/// a partner user (who could otherwise widen their own access).
fn client_administrator(org: &Authorized) -> DomainResult<()> {
    if org.partner.is_some() {
        return Err(DomainError::Forbidden(
            "Only the organization's own administrators manage partner access.".into(),
        ));
    }
    org.allow(OrgAction::ManageMembers).map(|_| ())
}

/// Offers a user of a partner environment access to the organization; it starts when they
/// accept.
///
/// # Errors
/// `Forbidden`, `Validation` (`partnershipId`, `userEmail`), `Conflict`
/// (`partnership_not_active`, `grant_exists`), the store's error.
#[tracing::instrument(name = "offer partner grant", skip_all, fields(organization_id = %org.organization.id, grant_id))]
pub async fn offer_grant<S: PartnerStore>(
    store: &S,
    caller: &Caller<'_>,
    org: &Authorized,
    input: GrantInput,
) -> DomainResult<PartnerGrant> {
    client_administrator(org)?;
    let partnership = store
        .find_partnership(input.partnership_id)
        .await?
        .filter(|p| p.organization_id == org.organization.id)
        .ok_or_else(|| {
            DomainError::field(
                "partnershipId",
                "unknown_partnership",
                "No partnership of this organization has this id.",
            )
        })?;
    if partnership.status != PartnershipStatus::Active {
        return Err(partnership_ended());
    }
    let mut errors = Vec::new();
    let user_email = checked_email(&input.user_email, &mut errors);
    if !errors.is_empty() {
        return Err(DomainError::field(
            "userEmail",
            "invalid_email",
            "Enter an email address such as name@example.com.",
        ));
    }
    let id = Uuid::new_v4();
    tracing::Span::current().record("grant_id", tracing::field::display(id));
    let audits = grant_audits(
        caller,
        AuditAction::PartnerGrantOffered,
        id,
        &partnership,
        &user_email,
        input.role,
    );
    store
        .offer_grant(
            NewGrant {
                id,
                partnership_id: partnership.id,
                organization_id: org.organization.id,
                user_email,
                role: input.role,
                offered_by_email: caller.user.email.clone(),
            },
            audits,
        )
        .await
        .map_err(|e| match e {
            DomainError::NotFound { entity: "user", .. } => DomainError::field(
                "userEmail",
                "unknown_partner_user",
                format!(
                    "{} has no active user with this address.",
                    partnership.partner_environment_name
                ),
            ),
            DomainError::Conflict {
                code: ConflictCode::AlreadyExists,
                ..
            } => DomainError::conflict(
                ConflictCode::GrantExists,
                "This user already has access, or an offer of it, to this organization.".into(),
            ),
            other => other,
        })?
        .ok_or_else(partnership_ended)
}

/// One page of the organization's partner grants, newest first (its members may see them).
///
/// # Errors
/// `Forbidden`, `Validation` (page), the store's error.
pub async fn list_organization_grants<S: PartnerStore>(
    store: &S,
    org: &Authorized,
    page: &PageQuery,
) -> DomainResult<Page<PartnerGrant>> {
    let organization = org.allow(OrgAction::View)?;
    let page = PageRequest::parse(page.limit, page.before.as_deref())?;
    let rows = store
        .list_organization_grants(organization.id, &page)
        .await?;
    Ok(page.page(rows, |g| (g.created_at, g.id)))
}

/// Revokes a grant of the organization: the partner user loses access on the next request.
///
/// # Errors
/// `NotFound`, `Forbidden`, `Conflict` (`grant_revoked`), the store's error.
#[tracing::instrument(name = "revoke partner grant", skip_all, fields(organization_id = %org.organization.id, grant_id = %id))]
pub async fn revoke_grant<S: PartnerStore>(
    store: &S,
    caller: &Caller<'_>,
    org: &Authorized,
    id: Uuid,
) -> DomainResult<PartnerGrant> {
    client_administrator(org)?;
    let grant = store
        .find_grant(id)
        .await?
        .filter(|g| g.organization_id == org.organization.id)
        .ok_or_else(|| DomainError::not_found("partner grant", id))?;
    let revoked = || {
        DomainError::conflict(
            ConflictCode::GrantRevoked,
            "This access is already revoked.".into(),
        )
    };
    if grant.status == GrantStatus::Revoked {
        return Err(revoked());
    }
    let partnership = store
        .find_partnership(grant.partnership_id)
        .await?
        .ok_or_else(|| DomainError::not_found("partnership", grant.partnership_id))?;
    let audits = grant_audits(
        caller,
        AuditAction::PartnerGrantRevoked,
        id,
        &partnership,
        &grant.user_email,
        grant.role,
    );
    store
        .revoke_grant(id, Utc::now(), audits)
        .await?
        .ok_or_else(revoked)
}

/// One page of the grants offered to the caller by clients, newest first.
///
/// # Errors
/// `Validation` (page), the store's error.
pub async fn my_grants<S: PartnerStore>(
    store: &S,
    caller: &Caller<'_>,
    page: &PageQuery,
) -> DomainResult<Page<PartnerGrant>> {
    caller.actor.require(Action::ManageOwnAccount)?;
    let page = PageRequest::parse(page.limit, page.before.as_deref())?;
    let rows = store.list_user_grants(caller.user.id, &page).await?;
    Ok(page.page(rows, |g| (g.created_at, g.id)))
}

/// The caller accepts a grant offered to them; from the next request they act on the
/// client's organization with its role.
///
/// # Errors
/// `NotFound` (not theirs), `Conflict` (`grant_not_offered`, `partnership_not_active`), the
/// store's error.
#[tracing::instrument(name = "accept partner grant", skip_all, fields(user_id = %caller.user.id, grant_id = %id))]
pub async fn accept_grant<S: PartnerStore>(
    store: &S,
    caller: &Caller<'_>,
    id: Uuid,
) -> DomainResult<PartnerGrant> {
    caller.actor.require(Action::ManageOwnAccount)?;
    let grant = store
        .find_grant(id)
        .await?
        .filter(|g| g.user_id == caller.user.id)
        .ok_or_else(|| DomainError::not_found("partner grant", id))?;
    let not_offered = || {
        DomainError::conflict(
            ConflictCode::GrantNotOffered,
            format!("This access is {}, not offered.", grant.status.as_str()),
        )
    };
    if grant.status != GrantStatus::Offered {
        return Err(not_offered());
    }
    let partnership = store
        .find_partnership(grant.partnership_id)
        .await?
        .ok_or_else(|| DomainError::not_found("partnership", grant.partnership_id))?;
    if partnership.status != PartnershipStatus::Active {
        return Err(partnership_ended());
    }
    let audits = grant_audits(
        caller,
        AuditAction::PartnerGrantAccepted,
        id,
        &partnership,
        &grant.user_email,
        grant.role,
    );
    store
        .accept_grant(id, Utc::now(), audits)
        .await?
        .ok_or_else(not_offered)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::Role;

    #[test]
    fn kvk_numbers_are_eight_digits_after_spaces_and_dots() {
        let mut errors = Vec::new();
        assert_eq!(checked_kvk(" 1234.5678 ", &mut errors), "12345678");
        assert!(errors.is_empty());
        for bad in ["1234567", "123456789", "1234567a", ""] {
            let mut errors = Vec::new();
            checked_kvk(bad, &mut errors);
            assert_eq!(errors.len(), 1, "{bad}");
            assert_eq!(errors[0].code, "invalid_kvk");
        }
    }

    #[test]
    fn email_addresses_are_checked_and_lowercased() {
        let mut errors = Vec::new();
        assert_eq!(
            checked_email(" Jan@Client.Example ", &mut errors),
            "jan@client.example"
        );
        assert!(errors.is_empty());
        for bad in ["jan", "jan@", "@client.example", "jan@client", "j an@x.nl"] {
            let mut errors = Vec::new();
            checked_email(bad, &mut errors);
            assert_eq!(errors.len(), 1, "{bad}");
        }
    }

    fn actor(role: Role, relationship_manager: bool) -> Actor {
        Actor {
            user_id: Uuid::nil(),
            environment_id: Uuid::nil(),
            session_id: Uuid::nil(),
            role,
            relationship_manager,
            two_factor_pending: false,
        }
    }

    #[test]
    fn relationship_managers_are_advanced_administrators_or_flagged() {
        assert!(require_relationship_manager(&actor(Role::Basic, false)).is_err());
        assert!(require_relationship_manager(&actor(Role::Basic, true)).is_ok());
        assert!(require_relationship_manager(&actor(Role::Advanced, false)).is_ok());
        assert!(require_relationship_manager(&actor(Role::Administrator, false)).is_ok());
        let mut enrolling = actor(Role::Administrator, true);
        enrolling.two_factor_pending = true;
        assert!(require_relationship_manager(&enrolling).is_err());
    }
}
