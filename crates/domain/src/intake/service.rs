//! Email intake use cases: accepting a message for an intake address (the SMTP receiver and
//! the inbound-email endpoint call this), the intake log, and the trusted senders an
//! Organization Administrator manages.

use chrono::{TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    addresses::{domain_of, AddressScheme, IntakeAddresses},
    authentication::{AuthenticationMode, MailHandover, SenderAuthenticator, SenderVerdict},
    records::{
        IntakeItem, IntakeMessage, IntakeTransport, TrustedSender, TrustedSenderKind,
        TrustedSenderStatus,
    },
    store::{IntakeStore, NewIntakeMessage, NewTrustedSender, SenderInvitation},
};
use crate::{
    accounts::{
        records::{ClientInfo, NewAuditEvent},
        secrets::{hash_token, new_token},
        AuditAction, Caller,
    },
    documents::blobs::DocumentStore,
    jobs::{JobKind, NewJob},
    links::Links,
    mail::{render, Language, MailTemplate},
    organizations::{policy::OrgAction, records::OrgStatus, service::Authorized},
    paging::{Page, PageQuery, PageRequest},
    ConflictCode, DomainError, DomainResult, FieldError,
};

/// How intake behaves on this installation.
#[derive(Debug, Clone)]
pub struct IntakeSettings {
    pub scheme: AddressScheme,
    /// Largest message accepted.
    pub max_message_bytes: u64,
    /// Largest attachment processed.
    pub max_attachment_bytes: u64,
    /// Most invoices in one message.
    pub max_invoices: usize,
    /// Images below this size are logos or signatures, not invoices.
    pub image_floor_bytes: u64,
    /// Rejection notices one sender gets per hour at most.
    pub replies_per_hour: u32,
    /// How long a trusted sender's confirmation link is valid.
    pub invite_days: u32,
    /// The longest recognition (text and OCR) of one message's PDFs and scans may take, so
    /// that processing ends within the job's lease.
    pub ocr_budget: std::time::Duration,
    /// SPF, DKIM and DMARC of the sender: not checked, checked and recorded, or enforced.
    pub sender_authentication: AuthenticationMode,
    pub links: Links,
}

/// The payload of a [`JobKind::ProcessIntakeMessage`] job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntakeJob {
    pub message_id: Uuid,
}

fn process_job(message_id: Uuid) -> NewJob {
    NewJob::new(
        JobKind::ProcessIntakeMessage,
        serde_json::to_value(IntakeJob { message_id }).unwrap_or_default(),
    )
    .idempotency_key(format!("intake:{message_id}"))
}

/// How a message arrived: the SMTP envelope, or what the inbound-email request said.
#[derive(Debug, Clone)]
pub struct Envelope {
    /// `MAIL FROM` (empty for a bounce).
    pub from: String,
    pub recipients: Vec<String>,
    pub transport: IntakeTransport,
    /// The SMTP client's address and `HELO` name (the SMTP receiver); `None` over HTTP.
    pub client: Option<(std::net::IpAddr, String)>,
}

/// Whether `recipient` is an intake address of an active organization here (the SMTP
/// receiver answers 550 to any other).
///
/// # Errors
/// A store's error.
pub async fn is_intake_address<S: IntakeStore>(
    store: &S,
    settings: &IntakeSettings,
    recipient: &str,
) -> DomainResult<bool> {
    let Some((_, kvk)) = settings.scheme.resolve(recipient) else {
        return Ok(false);
    };
    Ok(store
        .intake_target(&kvk)
        .await?
        .is_some_and(|t| t.organization.status == OrgStatus::Active))
}

/// Stores a message once (its bytes in the document store) and, for every intake address it
/// was sent to, a message row with its processing job in one transaction. When this returns,
/// nothing can lose the message; the caller may then say it was accepted (SMTP 250, HTTP
/// 202).
///
/// # Errors
/// `Validation` (too large), `NotFound` (no recipient is an intake address here), a store's
/// error.
#[tracing::instrument(name = "accept intake message", skip_all, fields(transport = envelope.transport.as_str(), size = raw.len(), messages))]
pub async fn accept_message<S: IntakeStore, B: DocumentStore, A: SenderAuthenticator>(
    store: &S,
    blobs: &B,
    authenticator: &A,
    settings: &IntakeSettings,
    envelope: &Envelope,
    raw: &[u8],
) -> DomainResult<Vec<Uuid>> {
    let size = raw.len() as u64;
    if size > settings.max_message_bytes {
        return Err(DomainError::field(
            "message",
            "too_large",
            format!(
                "The message is {size} bytes; at most {} bytes are accepted.",
                settings.max_message_bytes
            ),
        ));
    }
    let mut targets = Vec::new();
    for recipient in &envelope.recipients {
        let Some((purpose, kvk)) = settings.scheme.resolve(recipient) else {
            continue;
        };
        let Some(target) = store.intake_target(&kvk).await? else {
            continue;
        };
        let organization = target.organization;
        if organization.status == OrgStatus::Active
            && !targets.iter().any(
                |(o, p, _): &(crate::organizations::records::Organization, _, _)| {
                    o.id == organization.id && *p == purpose
                },
            )
        {
            targets.push((organization, purpose, recipient.trim().to_ascii_lowercase()));
        }
    }
    if targets.is_empty() {
        return Err(DomainError::not_found(
            "intake address",
            envelope.recipients.join(", "),
        ));
    }
    // Checked once, at acceptance: SPF is about the connection that handed the message over,
    // and DNS answers (keys, policies) are those of the moment it arrived.
    let verdict = if settings.sender_authentication == AuthenticationMode::Off {
        None
    } else {
        let handover = MailHandover {
            client: envelope.client.clone(),
            mail_from: envelope.from.trim().to_owned(),
        };
        Some(authenticator.authenticate(&handover, raw).await)
    };
    if settings.sender_authentication == AuthenticationMode::Enforce
        && verdict.as_ref().is_some_and(SenderVerdict::undecided)
    {
        // Nothing is stored: the sender's server keeps the message and tries again (SMTP
        // 451; 503 to a server piping mail to the inbound endpoint).
        return Err(DomainError::Unavailable {
            service: crate::ExternalService::SenderDns,
            message: format!(
                "the DNS of the sender's domain could not be read (from {})",
                envelope.from.trim()
            ),
        });
    }
    let raw_hash = blobs.put(raw).await?;
    let received_at = Utc::now();
    let mut ids = Vec::with_capacity(targets.len());
    for (organization, purpose, recipient) in targets {
        let id = Uuid::new_v4();
        let message = NewIntakeMessage {
            id,
            environment_id: organization.environment_id,
            organization_id: organization.id,
            purpose,
            recipient,
            envelope_from: envelope.from.trim().to_ascii_lowercase(),
            transport: envelope.transport,
            raw_hash: raw_hash.as_str().to_owned(),
            size_bytes: size,
            received_at,
            sender_verdict: verdict.clone(),
        };
        store.record_message(message, process_job(id)).await?;
        ids.push(id);
    }
    tracing::Span::current().record("messages", ids.len());
    Ok(ids)
}

/// The organization's two intake addresses; `None` until it is active with a KvK number.
#[must_use]
pub fn intake_addresses(settings: &IntakeSettings, org: &Authorized) -> Option<IntakeAddresses> {
    let organization = &org.organization;
    match (&organization.kvk_number, organization.status) {
        (Some(kvk), OrgStatus::Active) => Some(settings.scheme.addresses(kvk)),
        _ => None,
    }
}

/// Whether the organization keeps valid sales invoices by email as drafts (`true`) or sends
/// them on at once (`false`, the default).
///
/// # Errors
/// `Forbidden`, a store's error.
#[tracing::instrument(name = "get intake preferences", skip_all, fields(organization_id = %org.organization.id))]
pub async fn sales_as_drafts<S: IntakeStore>(store: &S, org: &Authorized) -> DomainResult<bool> {
    let organization = org.allow(OrgAction::View)?;
    Ok(store
        .intake_target_of(organization.id)
        .await?
        .is_some_and(|t| t.sales_as_drafts))
}

/// Sets whether valid sales invoices by email become drafts a person sends from the drafts
/// page, instead of being sent on at once (Organization Administrators).
///
/// # Errors
/// `Forbidden`, `NotFound`, a store's error.
#[tracing::instrument(name = "set intake preferences", skip_all, fields(organization_id = %org.organization.id, sales_as_drafts = on))]
pub async fn set_sales_as_drafts<S: IntakeStore>(
    store: &S,
    caller: &Caller<'_>,
    org: &Authorized,
    on: bool,
) -> DomainResult<()> {
    let organization = org.allow(OrgAction::ManageDetails)?;
    let audit = caller
        .audit(AuditAction::IntakePreferencesChanged)
        .target("organization", organization.id)
        .details(serde_json::json!({ "salesAsDrafts": on }));
    store.set_sales_as_drafts(organization.id, on, audit).await
}

/// One page of the organization's intake log, newest first.
///
/// # Errors
/// `Forbidden`, `Validation` (page), a store's error.
#[tracing::instrument(name = "list intake messages", skip_all, fields(organization_id = %org.organization.id))]
pub async fn list_messages<S: IntakeStore>(
    store: &S,
    org: &Authorized,
    page: &PageQuery,
) -> DomainResult<Page<IntakeMessage>> {
    let organization = org.allow(OrgAction::View)?;
    let page = PageRequest::parse(page.limit, page.before.as_deref())?;
    let rows = store.list_messages(organization.id, &page).await?;
    Ok(page.page(rows, |m| (m.received_at, m.id)))
}

/// One message of the intake log with what became of each attachment.
///
/// # Errors
/// `NotFound`, `Forbidden`, a store's error.
#[tracing::instrument(name = "get intake message", skip_all, fields(organization_id = %org.organization.id, message_id = %id))]
pub async fn get_message<S: IntakeStore>(
    store: &S,
    org: &Authorized,
    id: Uuid,
) -> DomainResult<(IntakeMessage, Vec<IntakeItem>)> {
    let organization = org.allow(OrgAction::View)?;
    let message = store
        .find_message(organization.id, id)
        .await?
        .ok_or_else(|| DomainError::not_found("intake message", id))?;
    let items = store.message_items(id).await?;
    Ok((message, items))
}

/// "Trust this sender" as entered.
#[derive(Debug, Clone)]
pub struct TrustedSenderInput {
    pub kind: TrustedSenderKind,
    pub value: String,
    pub contact_email: String,
    pub language: Language,
}

fn looks_like_domain(value: &str) -> bool {
    value.len() <= 253
        && value.contains('.')
        && value.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

fn looks_like_address(value: &str) -> bool {
    match value.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && local.len() <= 64
                && !local.chars().any(|c| c.is_whitespace() || c == '@')
                && looks_like_domain(domain)
        }
        None => false,
    }
}

fn sender_audit(caller: &Caller<'_>, action: AuditAction, sender: &TrustedSender) -> NewAuditEvent {
    caller
        .audit(action)
        .target("trusted_sender", sender.id)
        .details(serde_json::json!({
            "organizationId": sender.organization_id,
            "kind": sender.kind.as_str(),
            "value": sender.value,
            "status": sender.status.as_str(),
        }))
}

/// One page of the organization's trusted senders, newest first.
///
/// # Errors
/// `Forbidden`, `Validation` (page), a store's error.
#[tracing::instrument(name = "list trusted senders", skip_all, fields(organization_id = %org.organization.id))]
pub async fn list_trusted_senders<S: IntakeStore>(
    store: &S,
    org: &Authorized,
    page: &PageQuery,
) -> DomainResult<Page<TrustedSender>> {
    let organization = org.allow(OrgAction::View)?;
    let page = PageRequest::parse(page.limit, page.before.as_deref())?;
    let rows = store.list_trusted_senders(organization.id, &page).await?;
    Ok(page.page(rows, |s| (s.created_at, s.id)))
}

/// Adds an address or a domain as a draft: it is trusted once activated, or once its contact
/// confirms the invitation.
///
/// # Errors
/// `Forbidden` (not an Organization Administrator), `Validation`, `Conflict` (already there),
/// a store's error.
#[tracing::instrument(name = "add trusted sender", skip_all, fields(organization_id = %org.organization.id))]
pub async fn add_trusted_sender<S: IntakeStore>(
    store: &S,
    settings: &IntakeSettings,
    caller: &Caller<'_>,
    org: &Authorized,
    input: TrustedSenderInput,
) -> DomainResult<TrustedSender> {
    let organization = org.allow(OrgAction::ManageDetails)?;
    let value = input
        .value
        .trim()
        .trim_start_matches('@')
        .to_ascii_lowercase();
    let contact_email = input.contact_email.trim().to_ascii_lowercase();
    let mut errors = Vec::new();
    let fits = match input.kind {
        TrustedSenderKind::Address => looks_like_address(&value),
        TrustedSenderKind::Domain => looks_like_domain(&value),
    };
    if !fits {
        errors.push(FieldError {
            field: "value".into(),
            code: "format",
            message: match input.kind {
                TrustedSenderKind::Address => "Enter an email address.".into(),
                TrustedSenderKind::Domain => "Enter a domain name, such as example.nl.".into(),
            },
        });
    } else if domain_of(&value).unwrap_or_else(|| value.clone()) == settings.scheme.domain() {
        errors.push(FieldError {
            field: "value".into(),
            code: "own_domain",
            message: "Mail from the intake domain itself is never processed.".into(),
        });
    }
    if !looks_like_address(&contact_email) {
        errors.push(FieldError {
            field: "contactEmail".into(),
            code: "format",
            message: "Enter an email address.".into(),
        });
    }
    if !errors.is_empty() {
        return Err(DomainError::Validation(errors));
    }
    let now = Utc::now();
    let sender = TrustedSender {
        id: Uuid::new_v4(),
        environment_id: organization.environment_id,
        organization_id: organization.id,
        kind: input.kind,
        value,
        contact_email,
        language: input.language,
        status: TrustedSenderStatus::Draft,
        created_by: caller.user.email.clone(),
        created_at: now,
        updated_at: now,
    };
    let audit = sender_audit(caller, AuditAction::TrustedSenderAdded, &sender);
    store
        .add_trusted_sender(NewTrustedSender { sender, audit })
        .await
        .map_err(|e| match e {
            DomainError::Conflict { .. } => DomainError::conflict(
                ConflictCode::TrustedSenderExists,
                "This address or domain is already a trusted sender of the organization.".into(),
            ),
            other => other,
        })
}

async fn find_sender<S: IntakeStore>(
    store: &S,
    organization_id: Uuid,
    id: Uuid,
) -> DomainResult<TrustedSender> {
    store
        .find_trusted_sender(organization_id, id)
        .await?
        .ok_or_else(|| DomainError::not_found("trusted sender", id))
}

fn status_conflict(sender: &TrustedSender, wanted: &str) -> DomainError {
    DomainError::conflict(
        ConflictCode::TrustedSenderStatus,
        format!(
            "The trusted sender is {}; it cannot be {wanted}.",
            sender.status.as_str()
        ),
    )
}

/// Mails the contact a link that confirms the sender; the sender is `invited` until then.
///
/// # Errors
/// `NotFound`, `Forbidden`, `Conflict` (already active), a store's error.
#[tracing::instrument(name = "invite trusted sender", skip_all, fields(organization_id = %org.organization.id, trusted_sender_id = %id))]
pub async fn invite_trusted_sender<S: IntakeStore>(
    store: &S,
    settings: &IntakeSettings,
    caller: &Caller<'_>,
    org: &Authorized,
    id: Uuid,
) -> DomainResult<TrustedSender> {
    let organization = org.allow(OrgAction::ManageDetails)?;
    let sender = find_sender(store, organization.id, id).await?;
    let addresses = intake_addresses(settings, org).ok_or_else(|| {
        DomainError::conflict(
            ConflictCode::OrganizationNotActive,
            "The organization has intake addresses once it is active.".into(),
        )
    })?;
    let token = new_token();
    let mail = render(
        &sender.contact_email,
        &MailTemplate::TrustedSenderInvitation {
            organization_name: organization.statutory_name.clone(),
            sender: sender.value.clone(),
            purchase_address: addresses.purchase,
            sales_address: addresses.sales,
            link: settings.links.to("/trusted-sender", Some(&token)),
            valid_days: settings.invite_days,
        },
        sender.language,
    );
    let invitation = SenderInvitation {
        token_hash: hash_token(&token),
        expires_at: Utc::now() + TimeDelta::days(i64::from(settings.invite_days.max(1))),
        mail,
    };
    let audit = sender_audit(caller, AuditAction::TrustedSenderInvited, &sender);
    let from = [
        TrustedSenderStatus::Draft,
        TrustedSenderStatus::Invited,
        TrustedSenderStatus::Inactive,
    ];
    store
        .invite_trusted_sender(id, &from, invitation, audit)
        .await?
        .ok_or_else(|| status_conflict(&sender, "invited"))
}

/// The contact confirms with the link from the invitation: the sender becomes active. The
/// link works once and until it expires.
///
/// # Errors
/// `LinkToken` (unknown, used or expired), a store's error.
#[tracing::instrument(name = "confirm trusted sender", skip_all)]
pub async fn confirm_trusted_sender<S: IntakeStore>(
    store: &S,
    client: &ClientInfo,
    token: &str,
) -> DomainResult<TrustedSender> {
    let audit = |sender: &TrustedSender| {
        NewAuditEvent::new(AuditAction::TrustedSenderConfirmed, client)
            .in_environment(sender.environment_id)
            .email(&sender.contact_email)
            .target("trusted_sender", sender.id)
            .details(serde_json::json!({
                "organizationId": sender.organization_id,
                "kind": sender.kind.as_str(),
                "value": sender.value,
            }))
    };
    store
        .confirm_trusted_sender(&hash_token(token.trim()), Utc::now(), audit)
        .await?
        .ok_or(DomainError::LinkToken(
            crate::accounts::records::TokenProblem::Unknown,
        ))
}

/// Switches a sender on (`active`) or off (`inactive`) by hand.
///
/// # Errors
/// `NotFound`, `Forbidden`, `Conflict` (already so), `Validation` (another status), a
/// store's error.
#[tracing::instrument(name = "change trusted sender", skip_all, fields(organization_id = %org.organization.id, trusted_sender_id = %id))]
pub async fn set_trusted_sender_status<S: IntakeStore>(
    store: &S,
    caller: &Caller<'_>,
    org: &Authorized,
    id: Uuid,
    to: TrustedSenderStatus,
) -> DomainResult<TrustedSender> {
    use TrustedSenderStatus::{Active, Draft, Inactive, Invited};
    let organization = org.allow(OrgAction::ManageDetails)?;
    let sender = find_sender(store, organization.id, id).await?;
    let from: &[TrustedSenderStatus] = match to {
        Active => &[Draft, Invited, Inactive],
        Inactive => &[Draft, Invited, Active],
        Draft | Invited => {
            return Err(DomainError::field(
                "status",
                "not_settable",
                "Set active or inactive; invite to mail the contact.",
            ))
        }
    };
    let mut audit = sender_audit(caller, AuditAction::TrustedSenderStatusChanged, &sender);
    audit.details["to"] = serde_json::json!(to.as_str());
    store
        .set_trusted_sender_status(id, from, to, audit)
        .await?
        .ok_or_else(|| status_conflict(&sender, to.as_str()))
}

/// Removes a trusted sender; its mail is no longer processed.
///
/// # Errors
/// `NotFound`, `Forbidden`, a store's error.
#[tracing::instrument(name = "remove trusted sender", skip_all, fields(organization_id = %org.organization.id, trusted_sender_id = %id))]
pub async fn remove_trusted_sender<S: IntakeStore>(
    store: &S,
    caller: &Caller<'_>,
    org: &Authorized,
    id: Uuid,
) -> DomainResult<()> {
    let organization = org.allow(OrgAction::ManageDetails)?;
    let sender = find_sender(store, organization.id, id).await?;
    let audit = sender_audit(caller, AuditAction::TrustedSenderRemoved, &sender);
    if store.delete_trusted_sender(id, audit).await? {
        Ok(())
    } else {
        Err(DomainError::not_found("trusted sender", id))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn addresses_and_domains_are_checked() {
        assert!(looks_like_address("boekhouding@klant.nl"));
        assert!(!looks_like_address("boekhouding@klant"));
        assert!(!looks_like_address("@klant.nl"));
        assert!(!looks_like_address("a b@klant.nl"));
        assert!(looks_like_domain("mail.klant.nl"));
        assert!(!looks_like_domain("klant"));
        assert!(!looks_like_domain("-klant.nl"));
        assert!(!looks_like_domain("kl@nt.nl"));
    }
}
