//! Receiving: a document from outside the installation for one of its organizations. Email
//! intake (purchase invoices) calls this today; the Peppol AS4 receiver will call it too.

use haven_einvoice::ValidationReport;
use uuid::Uuid;

use super::{
    blobs::DocumentStore,
    records::{Channel, Direction, Document, DocumentStatus, UsageKind},
    sending::{facts_of, kind_of, Inspector},
    store::{DocumentRecords, NewDocument, NewUsage, PartyRecord, Received},
};
use crate::{ConflictCode, DomainError, DomainResult};

/// A document handed to this installation for `party`.
#[derive(Debug, Clone)]
pub struct Handover<'a> {
    /// The receiving participant id; its organization must have receiving on for it.
    pub party: &'a PartyRecord,
    /// How it came in.
    pub channel: Channel,
    /// Makes a repeated handover of the same document store it once.
    pub key: String,
    /// The price of a received document at this moment.
    pub price: String,
    /// Added to the "received" history line (see [`NewDocument::received_note`]).
    pub note: Option<String>,
    /// The sender and receiver an envelope names (Peppol's SBDH): the document's seller and
    /// buyer electronic addresses (BT-34, BT-49) must be these.
    pub envelope: Option<Envelope>,
}

/// The parties an envelope around the document names, as `scheme:value`.
#[derive(Debug, Clone)]
pub struct Envelope {
    pub sender: String,
    pub receiver: String,
}

/// What came of a handover.
#[derive(Debug, Clone)]
pub enum ReceiveOutcome {
    /// In the inbox (status Received, or Duplicate when its twin was there).
    Stored(Box<Document>),
    /// Handed over before with the same key: the document stored then.
    AlreadyThere(Uuid),
    /// The document has fatal findings; nothing was stored.
    Rejected(Box<ValidationReport>),
    /// The document is not between the parties its envelope names (why); nothing was stored.
    NotAsAddressed(String),
}

/// Validates the document and stores it in the inbox of `handover.party`'s organization,
/// with its history and usage record, in one transaction.
///
/// # Errors
/// `Conflict` (`ReceivingNotEnabled`) when the party does not receive, a store's error.
#[tracing::instrument(name = "receive document", skip_all, fields(party_id = %handover.party.participant_id, channel = handover.channel.as_str(), document_id))]
pub async fn receive_document<R, B, I>(
    records: &R,
    blobs: &B,
    inspector: &I,
    handover: Handover<'_>,
    bytes: Vec<u8>,
) -> DomainResult<ReceiveOutcome>
where
    R: DocumentRecords,
    B: DocumentStore,
    I: Inspector,
{
    let party = handover.party;
    let not_receiving = || {
        DomainError::conflict(
            ConflictCode::ReceivingNotEnabled,
            format!("{} does not receive documents.", party.participant_id),
        )
    };
    if !party.receives() {
        return Err(not_receiving());
    }
    let size_bytes = bytes.len() as u64;
    let inspection = inspector.inspect(bytes.clone()).await;
    let Some(summary) = inspection.summary.filter(|_| inspection.report.valid) else {
        return Ok(ReceiveOutcome::Rejected(Box::new(inspection.report)));
    };
    let facts = facts_of(&summary);
    if let Some(envelope) = &handover.envelope {
        if let Some(why) = not_as_addressed(envelope, &facts) {
            return Ok(ReceiveOutcome::NotAsAddressed(why));
        }
    }
    let content_hash = blobs.put(&bytes).await?;
    let id = Uuid::new_v4();
    tracing::Span::current().record("document_id", tracing::field::display(id));
    let document = NewDocument {
        id,
        environment_id: party.environment_id,
        organization_id: party.organization_id,
        direction: Direction::Incoming,
        kind: kind_of(&summary),
        status: DocumentStatus::Received,
        channel: Some(handover.channel),
        party_id: party.participant_id.clone(),
        receiver_id: Some(party.participant_id.clone()),
        facts,
        content_hash,
        content_type: if inspection.embedded_xml.is_some() {
            "application/pdf".into()
        } else {
            "application/xml".into()
        },
        size_bytes,
        idempotency_key: None,
        related_id: None,
        response: None,
        handover_key: Some(handover.key),
        received_note: handover.note,
    };
    let usage = NewUsage {
        kind: UsageKind::Received,
        price: handover.price,
    };
    match records.accept_incoming(document, usage, None).await {
        Ok(Received::Stored(document)) => Ok(ReceiveOutcome::Stored(document)),
        Ok(Received::AlreadyThere(first)) => Ok(ReceiveOutcome::AlreadyThere(first)),
        // Receiving was switched off between the check and the write.
        Err(DomainError::NotFound { .. }) => Err(not_receiving()),
        Err(e) => Err(e),
    }
}

/// Why the document is not between the envelope's parties, if it is not: the sender must be
/// the seller's electronic address; the receiver one of the buyer's ids a sender may route
/// by (as this installation's own delivery does). Participant ids compare without regard to
/// case (the Peppol identifier policy).
fn not_as_addressed(envelope: &Envelope, facts: &super::records::DocumentFacts) -> Option<String> {
    let same =
        |id: Option<&str>, expected: &str| id.is_some_and(|id| id.eq_ignore_ascii_case(expected));
    if !same(facts.seller_endpoint.as_deref(), &envelope.sender) {
        return Some(format!(
            "the envelope's sender {} is not the seller's electronic address (BT-34) {}",
            envelope.sender,
            facts.seller_endpoint.as_deref().unwrap_or("(none)")
        ));
    }
    let buyer = super::delivery::buyer_ids(facts);
    if !buyer.iter().any(|id| same(Some(id), &envelope.receiver)) {
        return Some(format!(
            "the envelope's receiver {} is not one of the buyer's ids (BT-49, BT-47, BT-48): {}",
            envelope.receiver,
            if buyer.is_empty() {
                "(none)".to_owned()
            } else {
                buyer.join(", ")
            }
        ));
    }
    None
}
