//! The evidence of the AS4 exchanges a document took part in, for the people who may see the
//! document: one record per message Haven sent with a receipt or a signed ebMS error
//! answering it, or received and answered with a receipt (an Invoice Response's exchange is the invoice's it answers). A
//! record names the MessageId, the seat ids of both access points, when the answer came (or
//! was given) and the SHA-256 of the blobs in the document store: the message as posted and
//! the signal that answered it, each as its Content-Type header, a blank line and the body
//! (`receiving::evidence`), and the UBL form sent when the original was not UBL. Retention
//! removes the blobs with the document's original; the record stays and says so.

use std::future::Future;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::reporting::Direction;
use crate::{
    accounts::PartyCaller,
    connections::PartyAction,
    documents::{
        blobs::{ContentHash, DocumentStore},
        records::Direction as DocumentDirection,
        service::find_document,
        store::DocumentRecords,
    },
    organizations::store::OrganizationStore,
    paging::{Page, PageQuery, PageRequest},
    ConflictCode, DomainError, DomainResult,
};

/// One AS4 exchange of a document, to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvidence {
    pub document_id: Uuid,
    /// Whether Haven sent the message (C2) or received it (C3).
    pub direction: Direction,
    pub message_id: String,
    /// The seat ids (certificate CNs) of the sending and the receiving access point.
    pub sending_seat: String,
    pub receiving_seat: String,
    /// When the receipt came (sent) or was given (received).
    pub exchanged_at: DateTime<Utc>,
    pub message_hash: ContentHash,
    /// The signal that answered the message: the receipt, or the signed ebMS error of a
    /// refusal.
    pub signal_hash: ContentHash,
    /// The UBL form that was sent, when the original is CII or a PDF.
    pub ubl_hash: Option<ContentHash>,
    /// The ebMS error's code and description when the receiving access point refused the
    /// message; `None` for a receipt.
    pub refusal: Option<String>,
}

/// A recorded exchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    pub id: Uuid,
    pub record: NewEvidence,
    /// When retention removed the blobs with the document's original.
    pub purged_at: Option<DateTime<Utc>>,
}

/// Which blob of an exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvidencePart {
    Message,
    Receipt,
    Ubl,
}

impl Evidence {
    /// The hash of `part`, when the exchange has one.
    #[must_use]
    pub fn hash(&self, part: EvidencePart) -> Option<&ContentHash> {
        match part {
            EvidencePart::Message => Some(&self.record.message_hash),
            EvidencePart::Receipt => Some(&self.record.signal_hash),
            EvidencePart::Ubl => self.record.ubl_hash.as_ref(),
        }
    }

    /// Every blob the record names.
    #[must_use]
    pub fn hashes(&self) -> Vec<ContentHash> {
        let r = &self.record;
        let mut out = vec![r.message_hash.clone(), r.signal_hash.clone()];
        out.extend(r.ubl_hash.clone());
        out
    }
}

/// Port: the recorded exchanges. They are written by the stores that record the exchange
/// itself (`StatusChange::evidence`, `ReceivedMessages::record_received`).
pub trait EvidenceRecords: Send + Sync {
    /// A page of the exchanges of `document_id`, newest first.
    ///
    /// # Errors
    /// When the records cannot be read.
    fn list_evidence(
        &self,
        document_id: Uuid,
        page: &PageRequest,
    ) -> impl Future<Output = DomainResult<Vec<Evidence>>> + Send;

    /// The exchange `id` of `document_id`.
    ///
    /// # Errors
    /// When the records cannot be read.
    fn find_evidence(
        &self,
        document_id: Uuid,
        id: Uuid,
    ) -> impl Future<Output = DomainResult<Option<Evidence>>> + Send;
}

/// One page of a document's AS4 exchanges, newest first, for a caller who may read it.
///
/// # Errors
/// As `documents::service::find_document`, and `Validation` for the page.
#[tracing::instrument(name = "document peppol evidence", skip_all, fields(document_id = %id))]
pub async fn list_exchanges<R, O>(
    records: &R,
    organizations: &O,
    caller: &PartyCaller<'_>,
    party_id: &str,
    direction: DocumentDirection,
    id: Uuid,
    page: &PageQuery,
) -> DomainResult<Page<Evidence>>
where
    R: DocumentRecords + EvidenceRecords,
    O: OrganizationStore,
{
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
    let rows = records.list_evidence(document.id, &page).await?;
    Ok(page.page(rows, |e| (e.record.exchanged_at, e.id)))
}

/// The stored bytes of one blob of an exchange of a document the caller may read, as they
/// hash to the listed SHA-256.
///
/// # Errors
/// As `documents::service::find_document`; `NotFound` (`peppol_exchange`) for an exchange of
/// another document, or a part it does not have; `Conflict` (`evidence_purged`) when retention
/// removed the blobs; the store's error.
#[allow(clippy::too_many_arguments)]
#[tracing::instrument(name = "download peppol evidence", skip_all, fields(document_id = %id, exchange_id = %exchange_id))]
pub async fn evidence_bytes<R, O, B>(
    records: &R,
    organizations: &O,
    blobs: &B,
    caller: &PartyCaller<'_>,
    party_id: &str,
    direction: DocumentDirection,
    id: Uuid,
    exchange_id: Uuid,
    part: EvidencePart,
) -> DomainResult<(Evidence, Vec<u8>)>
where
    R: DocumentRecords + EvidenceRecords,
    O: OrganizationStore,
    B: DocumentStore,
{
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
    let evidence = records
        .find_evidence(document.id, exchange_id)
        .await?
        .ok_or_else(|| DomainError::not_found("peppol_exchange", exchange_id))?;
    let hash = evidence
        .hash(part)
        .cloned()
        .ok_or_else(|| DomainError::not_found("peppol_exchange", exchange_id))?;
    if evidence.purged_at.is_some() {
        return Err(DomainError::conflict(
            ConflictCode::EvidencePurged,
            "The evidence of this exchange was removed with the document's original under the retention policy; the record remains.".into(),
        ));
    }
    let bytes = blobs.get(&hash).await?;
    Ok((evidence, bytes))
}
