//! Sending: an organization hands in an e-invoice; it is validated, stored and queued for
//! delivery. The REST API calls this today; email intake will call it too.

use std::future::Future;

use haven_einvoice::{DocumentType, Inspection, InvoiceSummary, SchemeId, ValidationReport};
use uuid::Uuid;

use super::{
    blobs::DocumentStore,
    delivery::{deliver_job, DeliverySettings},
    records::{
        Channel, Direction, Document, DocumentEventKind, DocumentFacts, DocumentKind,
        DocumentStatus, NewDocumentEvent, UsageKind,
    },
    store::{Accepted, DocumentRecords, NewDocument, NewUsage, PartyRecord},
};
use crate::{
    accounts::PartyCaller,
    connections::PartyAction,
    organizations::{
        records::OrgStatus,
        service::{authorize, authorize_connection, Authorized},
        store::OrganizationStore,
    },
    ConflictCode, DomainError, DomainResult,
};

/// Port: the validation engine, run where it does not hold up other work (the API runs it
/// on its blocking pool).
pub trait Inspector: Send + Sync {
    fn inspect(&self, bytes: Vec<u8>) -> impl Future<Output = Inspection> + Send;

    /// The text of a PDF's pages laid out for recognition (intake drafts). Parsing a whole
    /// PDF is CPU work like validation, so it runs where validation runs.
    fn pdf_text(
        &self,
        pdf: Vec<u8>,
    ) -> impl Future<
        Output = Result<
            haven_einvoice::recognition::PdfText,
            haven_einvoice::recognition::TextError,
        >,
    > + Send;

    /// A PDF to show of an invoice: the one it carries (BT-125), else a rendering of it in
    /// Dutch. CPU work as well.
    ///
    /// # Errors
    /// Why no PDF could be made, in words for the user.
    fn visual_pdf(&self, invoice: Vec<u8>) -> impl Future<Output = Result<Vec<u8>, String>> + Send;
}

/// Prices of billable events, as decimal strings in euros.
#[derive(Debug, Clone)]
pub struct Prices {
    pub sent: String,
    pub received: String,
}

/// What sending depends on.
#[derive(Debug, Clone)]
pub struct SendSettings {
    pub prices: Prices,
    pub delivery: DeliverySettings,
}

/// A document handed in for sending.
#[derive(Debug, Clone)]
pub struct SendRequest {
    pub bytes: Vec<u8>,
    /// The client's key for this request (a UUID), so that a retried request sends once.
    pub idempotency_key: Option<String>,
}

/// What came of a send.
#[derive(Debug, Clone)]
pub enum SendOutcome {
    /// Stored and queued for delivery.
    Accepted(Box<Document>),
    /// The idempotency key was used before: this is the document it sent.
    AlreadySent { original_id: Uuid },
    /// The document has fatal findings; nothing was stored.
    Rejected(Box<ValidationReport>),
}

/// A participant id the caller may act for, with their role in its organization.
#[derive(Debug, Clone)]
pub struct PartyAccess {
    pub party: PartyRecord,
    pub organization: Authorized,
}

/// Finds the participant id and checks the caller may do `action` for its organization: an
/// unknown id or one of another environment is `NotFound`, like an organization the caller
/// cannot see. A person needs the action's organization role; a connection needs the party
/// to be of its own organization (else `NotFound`) and the action's scope (else
/// `MissingScope`): [`PartyAction`] is the one table for both.
///
/// # Errors
/// `NotFound`, `Forbidden`, `MissingScope`, or a store's error.
pub async fn authorize_party<R: DocumentRecords, O: OrganizationStore>(
    records: &R,
    organizations: &O,
    caller: &PartyCaller<'_>,
    party_id: &str,
    action: PartyAction,
) -> DomainResult<PartyAccess> {
    let not_found = || DomainError::not_found("party", party_id);
    // A person may reach a party of another environment only through partner access, which
    // `authorize` checks (and answers `NotFound` without it); a connection only its own.
    let party = records
        .find_party(party_id)
        .await?
        .filter(|p| {
            matches!(caller, PartyCaller::User(_)) || p.environment_id == caller.environment_id()
        })
        .ok_or_else(not_found)?;
    let organization = match caller {
        PartyCaller::User(caller) => {
            authorize(
                organizations,
                caller,
                party.organization_id,
                action.org_action(),
            )
            .await
            .and_then(|org| {
                // Sharing goes to the caller's colleagues, who have no grant of their own.
                if org.partner.is_some() && action == PartyAction::Share {
                    Err(DomainError::Forbidden(
                        "Partner access does not include sharing documents.".into(),
                    ))
                } else {
                    Ok(org)
                }
            })
        }
        PartyCaller::Connection { grant, .. } => {
            if party.organization_id != grant.organization_id {
                return Err(not_found());
            }
            match action.required_scope() {
                Some(scope) if grant.scopes.contains(&scope) => {}
                Some(scope) => return Err(DomainError::MissingScope(scope)),
                None => {
                    return Err(DomainError::Forbidden(
                        "Only a person can do this; a connection cannot.".into(),
                    ))
                }
            }
            authorize_connection(organizations, grant, party.organization_id).await
        }
        // Intake checks a sender's trust for the organization the address names; a mail is
        // never authorized for a party by this path.
        PartyCaller::Email { .. } => Err(not_found()),
    }
    .map_err(|e| match e {
        DomainError::NotFound { .. } => not_found(),
        other => other,
    })?;
    Ok(PartyAccess {
        party,
        organization,
    })
}

fn joined(id: Option<&SchemeId>) -> Option<String> {
    id.map(|i| match &i.scheme {
        Some(scheme) => format!("{scheme}:{}", i.value),
        None => i.value.clone(),
    })
}

/// The stored facts of a document, from its summary.
#[must_use]
pub fn facts_of(summary: &InvoiceSummary) -> DocumentFacts {
    DocumentFacts {
        number: summary.number.clone(),
        issue_date: summary.issue_date.clone(),
        due_date: summary.due_date.clone(),
        currency: summary.currency.clone(),
        payable_amount: summary.payable.map(|d| d.normalize().to_string()),
        total_amount: summary.total_with_vat.map(|d| d.normalize().to_string()),
        profile: summary.profile.map(|p| {
            serde_json::to_value(p)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default()
        }),
        syntax: match summary.syntax {
            haven_einvoice::Syntax::Ubl => "ubl".into(),
            haven_einvoice::Syntax::Cii => "cii".into(),
        },
        seller_name: summary.seller.name.clone(),
        seller_endpoint: joined(summary.seller.endpoint.as_ref()),
        buyer_name: summary.buyer.name.clone(),
        buyer_endpoint: joined(summary.buyer.endpoint.as_ref()),
        buyer_legal_id: joined(summary.buyer.legal_id.as_ref()),
        buyer_vat_id: summary.buyer.vat_id.clone(),
        buyer_email: summary.buyer.email.clone(),
        buyer_reference: summary.buyer_reference.clone(),
    }
}

/// The document kind of an invoice or credit note.
#[must_use]
pub fn kind_of(summary: &InvoiceSummary) -> DocumentKind {
    match summary.document_type {
        DocumentType::Invoice => DocumentKind::Invoice,
        DocumentType::CreditNote => DocumentKind::CreditNote,
    }
}

/// A client's idempotency key must be a UUID (as eConnect's document id is).
fn checked_key(key: Option<String>) -> DomainResult<Option<String>> {
    match key {
        None => Ok(None),
        Some(raw) => Uuid::parse_str(raw.trim())
            .map(|u| Some(u.to_string()))
            .map_err(|_| {
                DomainError::field(
                    "Idempotency-Key",
                    "invalid_uuid",
                    "Use a UUID as the idempotency key.",
                )
            }),
    }
}

/// Sends an e-invoice or credit note for the party of `access`, which [`authorize_party`]
/// returned for [`PartyAction::SendInvoices`] (the API checks that before it reads the body, so
/// it is not looked up twice): validates the document (fatal findings:
/// [`SendOutcome::Rejected`], nothing stored), checks that its seller electronic address
/// (BT-34) is a party of the same organization with sending on, stores the bytes and then, in
/// one transaction, the document, its history, its usage record and the delivery job.
///
/// # Errors
/// `Forbidden` (sending off, seller address not the caller's), `Conflict` (organization not
/// active), `Validation` (idempotency key), a store's error.
#[tracing::instrument(name = "send sales invoice", skip_all, fields(party_id = %access.party.participant_id, document_id))]
pub async fn send_sales_invoice<R, B, I>(
    records: &R,
    blobs: &B,
    inspector: &I,
    settings: &SendSettings,
    caller: &PartyCaller<'_>,
    access: &PartyAccess,
    request: SendRequest,
) -> DomainResult<SendOutcome>
where
    R: DocumentRecords,
    B: DocumentStore,
    I: Inspector,
{
    let organization = &access.organization.organization;
    if organization.status != OrgStatus::Active {
        return Err(DomainError::conflict(
            ConflictCode::OrganizationNotActive,
            format!(
                "{} is not active yet; only active organizations send documents.",
                organization.statutory_name
            ),
        ));
    }
    if !access.party.send_enabled {
        return Err(DomainError::Forbidden(format!(
            "Sending is switched off for {}.",
            access.party.participant_id
        )));
    }
    let idempotency_key = checked_key(request.idempotency_key)?;
    let size_bytes = request.bytes.len() as u64;
    let bytes = request.bytes;
    let inspection = inspector.inspect(bytes.clone()).await;
    if !inspection.report.valid {
        return Ok(SendOutcome::Rejected(Box::new(inspection.report)));
    }
    let Some(summary) = inspection.summary else {
        return Ok(SendOutcome::Rejected(Box::new(inspection.report)));
    };
    let facts = facts_of(&summary);
    check_seller(records, access, facts.seller_endpoint.as_deref()).await?;

    let content_hash = blobs.put(&bytes).await?;
    let id = Uuid::new_v4();
    tracing::Span::current().record("document_id", tracing::field::display(id));
    let document = NewDocument {
        id,
        environment_id: organization.environment_id,
        organization_id: organization.id,
        direction: Direction::Outgoing,
        kind: kind_of(&summary),
        status: DocumentStatus::Validated,
        channel: None,
        party_id: access.party.participant_id.clone(),
        receiver_id: None,
        facts,
        content_hash,
        content_type: if inspection.embedded_xml.is_some() {
            "application/pdf".into()
        } else {
            "application/xml".into()
        },
        size_bytes,
        idempotency_key,
        related_id: None,
        response: None,
        handover_key: None,
        received_note: None,
    };
    let by = caller.by();
    let (came_in, usage_kind) = match caller {
        PartyCaller::Email { .. } => (Channel::EmailIntake, UsageKind::SentEmail),
        PartyCaller::User(_) | PartyCaller::Connection { .. } => (Channel::Api, UsageKind::SentApi),
    };
    let events = vec![
        NewDocumentEvent::new(DocumentEventKind::Accepted)
            .channel(came_in)
            .by(Some(&by)),
        NewDocumentEvent::new(DocumentEventKind::Validated).details(rule_sets(&inspection.report)),
    ];
    let usage = NewUsage {
        kind: usage_kind,
        price: settings.prices.sent.clone(),
    };
    let job = deliver_job(id, None, 0, &settings.delivery);
    match records
        .accept_outgoing(document, events, usage, vec![job])
        .await?
    {
        Accepted::Stored(document) => Ok(SendOutcome::Accepted(document)),
        Accepted::Replayed { original_id } => Ok(SendOutcome::AlreadySent { original_id }),
    }
}

/// "Validated against CEN 1.3.16, Peppol 3.0.19".
fn rule_sets(report: &ValidationReport) -> String {
    let names: Vec<String> = report
        .rule_sets
        .iter()
        .map(|r| format!("{} {}", r.name, r.version))
        .collect();
    if names.is_empty() {
        "Validated".into()
    } else {
        format!("Validated against {}", names.join(", "))
    }
}

/// The seller's electronic address must be a party of the sending organization with sending
/// on: nobody sends in another's name.
async fn check_seller<R: DocumentRecords>(
    records: &R,
    access: &PartyAccess,
    seller_endpoint: Option<&str>,
) -> DomainResult<()> {
    let Some(found) = seller_endpoint else {
        return Err(DomainError::Forbidden(
            "The document has no seller electronic address (BT-34); it must be one of your parties.".into(),
        ));
    };
    // Usually the document names the party it is sent from, which `access` already holds.
    if same_participant(found, &access.party.participant_id) {
        return Ok(());
    }
    let own = records
        .find_party(found)
        .await?
        .filter(|p| p.organization_id == access.party.organization_id && p.send_enabled);
    if own.is_none() {
        return Err(DomainError::Forbidden(format!(
            "The seller electronic address in the document is {found}, which is not a party you may send for from {}.",
            access.party.participant_id
        )));
    }
    Ok(())
}

/// Participant ids compare without regard to case or surrounding space, as `find_party` finds
/// them.
fn same_participant(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}
