//! The outbox and inbox use cases: finding, reading and downloading documents, the buyer's
//! status changes, resending, and the private links of email delivery.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{
    blobs::DocumentStore,
    delivery::{deliver_job, DeliveryChannel, DeliverySettings, Reach},
    records::{
        Channel, Direction, Document, DocumentEvent, DocumentEventKind, DocumentStatus,
        NewDocumentEvent,
    },
    sending::{authorize_party, PartyAccess},
    store::{DocumentQuery, DocumentRecords, SharedDocument, StatusChange},
};
use crate::peppol::document_types::{InvoiceDocumentType, PeppolDocumentType};
use crate::{
    accounts::{secrets::hash_token, PartyCaller},
    connections::PartyAction,
    organizations::store::OrganizationStore,
    paging::{Page, PageQuery, PageRequest},
    ConflictCode, DomainError, DomainResult,
};

/// Filters of an outbox or inbox list, as the caller sent them.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub status: Option<DocumentStatus>,
    pub channel: Option<Channel>,
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub search: Option<String>,
}

/// One page of the party's outbox (`Outgoing`) or inbox (`Incoming`), newest first.
///
/// # Errors
/// `NotFound` (party), `Forbidden`, `Validation` (page), a store's error.
#[tracing::instrument(name = "list documents", skip_all, fields(party_id = %party_id, direction = direction.as_str()))]
pub async fn list_documents<R: DocumentRecords, O: OrganizationStore>(
    records: &R,
    organizations: &O,
    caller: &PartyCaller<'_>,
    party_id: &str,
    direction: Direction,
    filter: ListFilter,
    page: &PageQuery,
) -> DomainResult<Page<Document>> {
    let access = authorize_party(
        records,
        organizations,
        caller,
        party_id,
        PartyAction::read(direction),
    )
    .await?;
    let page = PageRequest::parse(page.limit, page.before.as_deref())?;
    if let (Some(from), Some(until)) = (filter.from, filter.until) {
        if from > until {
            return Err(DomainError::field(
                "from",
                "after_until",
                "The start of the period is after its end.",
            ));
        }
    }
    let query = DocumentQuery {
        environment_id: access.organization.organization.environment_id,
        direction,
        organization_ids: vec![access.party.organization_id],
        status: filter.status,
        channel: filter.channel,
        from: filter.from,
        until: filter.until,
        search: filter
            .search
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty()),
        page: page.clone(),
    };
    let rows = records.list_documents(&query).await?;
    Ok(page.page(rows, |d| (d.created_at, d.id)))
}

/// A document of the party's outbox or inbox that the caller may see for `action`.
///
/// # Errors
/// `NotFound` for an unknown party or document, or one of another party, direction or
/// environment; `Forbidden`; a store's error.
pub async fn find_document<R: DocumentRecords, O: OrganizationStore>(
    records: &R,
    organizations: &O,
    caller: &PartyCaller<'_>,
    party_id: &str,
    direction: Direction,
    id: Uuid,
    action: PartyAction,
) -> DomainResult<(PartyAccess, Document)> {
    let access = authorize_party(records, organizations, caller, party_id, action).await?;
    let document = records
        .find_document(access.organization.organization.environment_id, id)
        .await?
        .filter(|d| {
            d.organization_id == access.party.organization_id
                && d.direction == direction
                && d.deleted_at.is_none()
        })
        .ok_or_else(|| DomainError::not_found("document", id))?;
    Ok((access, document))
}

/// One page of a document's history, newest first.
///
/// # Errors
/// As [`find_document`], and `Validation` for the page.
#[tracing::instrument(name = "document history", skip_all, fields(document_id = %id))]
pub async fn history<R: DocumentRecords, O: OrganizationStore>(
    records: &R,
    organizations: &O,
    caller: &PartyCaller<'_>,
    party_id: &str,
    direction: Direction,
    id: Uuid,
    page: &PageQuery,
) -> DomainResult<Page<DocumentEvent>> {
    let (_, document) = find_document(
        records,
        organizations,
        caller,
        party_id,
        direction,
        id,
        PartyAction::read(direction),
    )
    .await?;
    let page = PageRequest::parse(page.limit, page.before.as_deref())?;
    let rows = records.list_events(document.id, &page).await?;
    Ok(page.page(rows, |e| (e.created_at, e.id)))
}

/// The original bytes of a document. Fetching a new purchase invoice marks it Downloaded
/// (the accounting software has it).
///
/// # Errors
/// As [`find_document`]; `NotFound` (entity `blob`) when retention removed the bytes.
#[tracing::instrument(name = "download document", skip_all, fields(document_id = %id))]
pub async fn download<R: DocumentRecords, O: OrganizationStore, B: DocumentStore>(
    records: &R,
    organizations: &O,
    blobs: &B,
    caller: &PartyCaller<'_>,
    party_id: &str,
    direction: Direction,
    id: Uuid,
) -> DomainResult<(Document, Vec<u8>)> {
    let (_, document) = find_document(
        records,
        organizations,
        caller,
        party_id,
        direction,
        id,
        PartyAction::read(direction),
    )
    .await?;
    let bytes = original_bytes(blobs, &document).await?;
    if direction == Direction::Incoming {
        let change = StatusChange::new(
            DocumentStatus::Downloaded,
            NewDocumentEvent::new(DocumentEventKind::Downloaded).by(Some(&caller.by())),
        )
        .only_from(&[DocumentStatus::Received]);
        records.change_status(document.id, change).await?;
    }
    Ok((document, bytes))
}

/// The original bytes of a document the caller may already see.
///
/// # Errors
/// `Conflict` (`document_purged`) when retention removed them; the store's error.
pub async fn original_bytes<B: DocumentStore>(
    blobs: &B,
    document: &Document,
) -> DomainResult<Vec<u8>> {
    if document.purged_at.is_some() {
        return Err(DomainError::conflict(
            ConflictCode::DocumentPurged,
            "The original of this document was removed under the retention policy; its details and history remain.".into(),
        ));
    }
    blobs.get(&document.content_hash).await
}

/// Marks a purchase invoice Opened when it is viewed for the first time.
///
/// # Errors
/// A store's error.
pub async fn mark_opened<R: DocumentRecords>(
    records: &R,
    caller: &PartyCaller<'_>,
    document: &Document,
) -> DomainResult<()> {
    if document.direction != Direction::Incoming {
        return Ok(());
    }
    let change = StatusChange::new(
        DocumentStatus::Opened,
        NewDocumentEvent::new(DocumentEventKind::Opened).by(Some(&caller.by())),
    )
    .only_from(&[DocumentStatus::Received, DocumentStatus::Downloaded]);
    records.change_status(document.id, change).await?;
    Ok(())
}

/// Sets a purchase invoice's status by hand (with an optional note in the history). Marking a
/// duplicate as `received` declares it the original.
///
/// # Errors
/// As [`find_document`]; `Validation` for a status that cannot be set by hand.
#[tracing::instrument(name = "change document status", skip_all, fields(document_id = %id, status = status.as_str()))]
#[allow(clippy::too_many_arguments)]
pub async fn change_status<R: DocumentRecords, O: OrganizationStore>(
    records: &R,
    organizations: &O,
    caller: &PartyCaller<'_>,
    party_id: &str,
    id: Uuid,
    status: DocumentStatus,
    note: Option<String>,
) -> DomainResult<Document> {
    let (_, document) = find_document(
        records,
        organizations,
        caller,
        party_id,
        Direction::Incoming,
        id,
        PartyAction::ChangeStatus,
    )
    .await?;
    if !DocumentStatus::MANUAL_INCOMING.contains(&status) {
        return Err(DomainError::field(
            "status",
            "not_settable",
            "Choose received, downloaded, opened, under_review, approved, paid or rejected.",
        ));
    }
    let note = note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
    if note.as_ref().is_some_and(|n| n.chars().count() > 1000) {
        return Err(DomainError::field(
            "note",
            "too_long",
            "Keep the note under 1000 characters.",
        ));
    }
    let kind = if document.status == DocumentStatus::Duplicate {
        DocumentEventKind::MarkedOriginal
    } else {
        DocumentEventKind::StatusChanged
    };
    let mut event = NewDocumentEvent::new(kind).by(Some(&caller.by()));
    event.details = note;
    records
        .change_status(document.id, StatusChange::new(status, event))
        .await?
        .ok_or_else(|| DomainError::not_found("document", id))
}

/// Removes a purchase invoice from the inbox; its metadata and history stay.
///
/// # Errors
/// As [`find_document`].
#[tracing::instrument(name = "delete document", skip_all, fields(document_id = %id))]
pub async fn delete<R: DocumentRecords, O: OrganizationStore>(
    records: &R,
    organizations: &O,
    caller: &PartyCaller<'_>,
    party_id: &str,
    id: Uuid,
) -> DomainResult<()> {
    let (_, document) = find_document(
        records,
        organizations,
        caller,
        party_id,
        Direction::Incoming,
        id,
        PartyAction::DeleteReceived,
    )
    .await?;
    records
        .delete_document(
            document.id,
            NewDocumentEvent::new(DocumentEventKind::Deleted).by(Some(&caller.by())),
        )
        .await
}

/// Sends an outbox document again, optionally to another receiver id first; the history
/// records it. A document still being delivered cannot be resent.
///
/// # Errors
/// As [`find_document`]; `Conflict` while delivery runs; `Validation` for a malformed id.
#[tracing::instrument(name = "resend document", skip_all, fields(document_id = %id))]
#[allow(clippy::too_many_arguments)]
pub async fn resend<R: DocumentRecords, O: OrganizationStore>(
    records: &R,
    organizations: &O,
    settings: &DeliverySettings,
    caller: &PartyCaller<'_>,
    party_id: &str,
    id: Uuid,
    receiver: Option<String>,
) -> DomainResult<Document> {
    let (_, document) = find_document(
        records,
        organizations,
        caller,
        party_id,
        Direction::Outgoing,
        id,
        PartyAction::SendInvoices,
    )
    .await?;
    if !document.status.delivery_finished() {
        return Err(DomainError::conflict(
            ConflictCode::DeliveryInProgress,
            "This document is still being delivered; resend it once delivery has ended.".into(),
        ));
    }
    let receiver = match receiver {
        None => None,
        Some(raw) => Some(
            crate::organizations::identifiers::ParticipantId::parse(&raw)
                .map_err(|e| {
                    DomainError::Validation(vec![crate::FieldError {
                        field: "receiverId".into(),
                        ..e
                    }])
                })?
                .to_string(),
        ),
    };
    // A resend starts from a finished delivery, whose status change moved `updated_at`; the
    // compare-and-set below lets one resend through per finished state, so that time names
    // this round.
    let round = document.updated_at.timestamp_micros();
    let details = match &receiver {
        Some(r) => format!("Resent, to {r} first"),
        None => "Resent".to_owned(),
    };
    let mut change = StatusChange::new(
        DocumentStatus::Validated,
        NewDocumentEvent::new(DocumentEventKind::Resent)
            .details(details)
            .by(Some(&caller.by())),
    )
    .only_from(&[DocumentStatus::Delivered, DocumentStatus::Failed]);
    change.jobs = vec![deliver_job(document.id, receiver, round, settings)];
    records
        .change_status(document.id, change)
        .await?
        .ok_or_else(|| {
            DomainError::conflict(
                ConflictCode::DeliveryInProgress,
                "This document is already being resent.".into(),
            )
        })
}

/// How one candidate receiver id fares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecipientCheck {
    pub receiver_id: String,
    pub channel: Option<Channel>,
    pub reach: Reach,
}

/// The best deliverable id among the buyer's candidate ids for a document of `document_type`,
/// and for each the answer of every channel that was asked: "not registered" stays apart from
/// "lookup failed", and a receiver that does not take that document type is not registered.
///
/// # Errors
/// `NotFound` (party), `Forbidden`, `Validation` (no ids, malformed ids).
#[tracing::instrument(name = "query recipient", skip_all, fields(party_id = %party_id))]
#[allow(clippy::too_many_arguments)] // the ports, the caller and the question
pub async fn query_recipient<R, O, I, P>(
    records: &R,
    organizations: &O,
    internal: &I,
    peppol: &P,
    caller: &PartyCaller<'_>,
    party_id: &str,
    candidates: &[String],
    document_type: InvoiceDocumentType,
) -> DomainResult<(Option<RecipientCheck>, Vec<RecipientCheck>)>
where
    R: DocumentRecords,
    O: OrganizationStore,
    I: DeliveryChannel,
    P: DeliveryChannel,
{
    authorize_party(
        records,
        organizations,
        caller,
        party_id,
        PartyAction::SendInvoices,
    )
    .await?;
    if candidates.is_empty() || candidates.len() > 20 {
        return Err(DomainError::field(
            "receiverIds",
            "count",
            "Give from 1 to 20 candidate ids.",
        ));
    }
    let mut ids = Vec::new();
    let mut errors = Vec::new();
    for (index, raw) in candidates.iter().enumerate() {
        match crate::organizations::identifiers::ParticipantId::parse(raw) {
            Ok(id) => ids.push(id.to_string()),
            Err(e) => errors.push(crate::FieldError {
                field: format!("receiverIds[{index}]"),
                ..e
            }),
        }
    }
    if !errors.is_empty() {
        return Err(DomainError::Validation(errors));
    }
    let mut best = None;
    let mut checks = Vec::new();
    for id in ids {
        let document_type = PeppolDocumentType::Invoice(document_type);
        let (channel, answer) = match internal.reach(&id, document_type).await {
            Reach::Deliverable => (Channel::Internal, Reach::Deliverable),
            Reach::NotRegistered(here) | Reach::LookupFailed(here) | Reach::Unavailable(here) => {
                match peppol.reach(&id, document_type).await {
                    // Not on this installation and no network to ask: not reachable, and why.
                    Reach::Unavailable(network) => (
                        Channel::Internal,
                        Reach::NotRegistered(format!("{here}; {network}")),
                    ),
                    network => (Channel::Peppol, network),
                }
            }
        };
        let check = RecipientCheck {
            receiver_id: id,
            channel: Some(channel),
            reach: answer,
        };
        if best.is_none() && check.reach == Reach::Deliverable {
            best = Some(check.clone());
        }
        checks.push(check);
    }
    Ok((best, checks))
}

/// The document behind a private email link, recording the first opening in its history.
///
/// # Errors
/// `LinkToken` for an unknown or expired link; a store's error.
#[tracing::instrument(name = "open shared document", skip_all)]
pub async fn open_shared<R: DocumentRecords>(
    records: &R,
    token: &str,
) -> DomainResult<SharedDocument> {
    let shared = records
        .open_share_link(&hash_token(token), Utc::now())
        .await?
        .ok_or(DomainError::LinkToken(
            crate::accounts::records::TokenProblem::Unknown,
        ))?;
    if shared.first_open {
        records
            .add_event(
                shared.document.id,
                NewDocumentEvent::new(DocumentEventKind::LinkOpened).channel(Channel::Email),
            )
            .await?;
    }
    Ok(shared)
}
