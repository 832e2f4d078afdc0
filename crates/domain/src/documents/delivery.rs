//! Routing and delivery: which receiver id and channel an outgoing document takes, and the
//! job that carries it there. Channels are tried in a fixed order behind one port:
//! internal (an organization on this installation), the Peppol network, then email.

use std::future::Future;

use chrono::{TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    records::{
        Channel, Direction, Document, DocumentEventKind, DocumentFacts, DocumentKind,
        DocumentStatus, NewDocumentEvent, UsageKind,
    },
    store::{DocumentRecords, NewDocument, NewShareLink, NewUsage, Received, StatusChange},
};
use crate::{
    accounts::secrets::{hash_token, new_token},
    jobs::{ClaimedJob, JobError, JobKind, NewJob},
    links::Links,
    mail::{render, Language, MailTemplate},
    peppol::document_types::PeppolDocumentType,
    DomainError,
};

/// What to do with a document for a receiver outside the installation while Peppol is not
/// configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum PeppolFallback {
    /// Fall through to email (when the document has the buyer's address).
    #[default]
    Email,
    /// Keep the document queued for the network (retrying) until its attempts run out.
    Wait,
}

/// How delivery behaves on this installation.
#[derive(Debug, Clone)]
pub struct DeliverySettings {
    /// Attempts before a document is marked failed.
    pub max_attempts: u32,
    pub peppol_fallback: PeppolFallback,
    /// How long a private email link stays valid.
    pub link_days: u32,
    pub links: Links,
    pub received_price: String,
}

/// The payload of a [`JobKind::DeliverDocument`] job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryJob {
    pub document_id: Uuid,
    /// A receiver id chosen on resend, tried before the document's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receiver: Option<String>,
}

/// The job that delivers a document; `round` tells deliveries of the same document apart
/// (0 for the first, a resend's own number after), so a repeated request queues one job per
/// round.
#[must_use]
pub fn deliver_job(
    document_id: Uuid,
    receiver: Option<String>,
    round: i64,
    settings: &DeliverySettings,
) -> NewJob {
    let payload = DeliveryJob {
        document_id,
        receiver,
    };
    NewJob::new(
        JobKind::DeliverDocument,
        serde_json::to_value(payload).unwrap_or_default(),
    )
    .idempotency_key(format!("deliver:{document_id}:{round}"))
    .max_attempts(settings.max_attempts)
}

/// Whether a channel can reach a receiver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    Deliverable,
    /// The receiver is known not to be there (no such participant, receiving off).
    NotRegistered(String),
    /// Asking failed (a time-out, an error reply): the receiver may be there.
    LookupFailed(String),
    /// The channel cannot be used on this installation.
    Unavailable(String),
}

/// Why a delivery did not happen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryFailure {
    /// This channel cannot reach the receiver after all; try the next one.
    NotReachable(String),
    /// Worth another attempt later.
    Transient(String),
    /// The receiver refused; another attempt would be refused too.
    Permanent(String),
    /// The receiving access point refused with a signed answer, recorded as the exchange's
    /// evidence with the failure.
    Refused {
        why: String,
        evidence: crate::peppol::evidence::NewEvidence,
    },
}

/// Port: one way of delivering documents.
pub trait DeliveryChannel: Send + Sync {
    fn channel(&self) -> Channel;

    /// Whether `receiver` (a participant id `scheme:value`, or an email address for the email
    /// channel) can be reached with a document of `document_type` (the network asks per
    /// document type, and organizations here choose the types they receive).
    fn reach(
        &self,
        receiver: &str,
        document_type: PeppolDocumentType,
    ) -> impl Future<Output = Reach> + Send;

    /// Delivers `document` to `receiver`, recording the outcome on the document in the same
    /// transaction as the handover. Returns the history details.
    fn deliver(
        &self,
        document: &Document,
        receiver: &str,
        attempt: u32,
    ) -> impl Future<Output = Result<(), DeliveryFailure>> + Send;
}

/// The three channels, in the order they are tried.
pub struct Channels<I, P, E> {
    pub internal: I,
    pub peppol: P,
    pub email: E,
}

/// The receiver ids of a document, in the order they are tried: the buyer's electronic
/// address (BT-49), legal registration id (BT-47), VAT id (BT-48, as scheme `9944` for a Dutch
/// one is not implied: VAT ids are tried as written).
#[must_use]
pub fn receiver_candidates(document: &Document, chosen: Option<&str>) -> Vec<String> {
    let mut ids: Vec<String> = chosen
        .into_iter()
        .map(str::to_owned)
        .chain(buyer_ids(&document.facts))
        .collect();
    let mut seen = std::collections::HashSet::new();
    ids.retain(|id| seen.insert(id.to_ascii_lowercase()));
    ids
}

/// The buyer's ids a document can be delivered to, in the order they are tried: electronic
/// address (BT-49), legal registration id (BT-47) and VAT id (BT-48) as participant ids.
#[must_use]
pub fn buyer_ids(facts: &DocumentFacts) -> Vec<String> {
    facts
        .buyer_endpoint
        .clone()
        .into_iter()
        .chain(facts.buyer_legal_id.clone().filter(|id| id.contains(':')))
        .chain(
            facts
                .buyer_vat_id
                .as_ref()
                .and_then(|vat| vat_participant(vat)),
        )
        .collect()
}

/// A VAT id as a participant id: the EAS scheme of the country's VAT numbers (Dutch `9944`,
/// Belgian `9925`, German `9930`), the only ones this installation maps.
fn vat_participant(vat: &str) -> Option<String> {
    let vat = vat.trim();
    let scheme = match vat.get(..2)? {
        "NL" => "9944",
        "BE" => "9925",
        "DE" => "9930",
        _ => return None,
    };
    Some(format!("{scheme}:{vat}"))
}

/// Delivers the document of a [`JobKind::DeliverDocument`] job: the entrance of the job
/// worker. Idempotent: a delivered or failed document is left alone, and every channel
/// records its handover in the same transaction as the status.
///
/// # Errors
/// A [`JobError::Retry`] for a passing failure (the job runs again after its backoff), a
/// [`JobError::Permanent`] when the document failed for good.
#[tracing::instrument(name = "deliver document", skip_all, fields(job_id = %job.id, attempt = job.attempt, document_id))]
pub async fn deliver_document<R, I, P, E>(
    records: &R,
    channels: &Channels<I, P, E>,
    settings: &DeliverySettings,
    job: &ClaimedJob,
) -> Result<(), JobError>
where
    R: DocumentRecords,
    I: DeliveryChannel,
    P: DeliveryChannel,
    E: DeliveryChannel,
{
    let payload: DeliveryJob = serde_json::from_value(job.payload.clone())
        .map_err(|e| JobError::Permanent(format!("malformed delivery job: {e}")))?;
    tracing::Span::current().record("document_id", tracing::field::display(payload.document_id));
    let document = records
        .document_for_job(payload.document_id)
        .await
        .map_err(retry)?
        .ok_or_else(|| JobError::Permanent("the document no longer exists".into()))?;
    if document.direction != Direction::Outgoing || document.status.delivery_finished() {
        return Ok(());
    }
    let last_attempt = job.attempt >= job.max_attempts;
    let mut skipped: Vec<String> = Vec::new();
    let candidates = receiver_candidates(&document, payload.receiver.as_deref());

    for receiver in &candidates {
        // The internal channel looks the receiver up as it delivers (one look-up, not a
        // `reach` first): one that is not here or not receiving is skipped.
        match channels
            .internal
            .deliver(&document, receiver, job.attempt)
            .await
        {
            Ok(()) => return Ok(()),
            Err(DeliveryFailure::NotReachable(why)) => skipped.push(why),
            Err(failure) => {
                return attempt_failed(
                    records,
                    &document,
                    Channel::Internal,
                    failure,
                    job,
                    last_attempt,
                )
                .await
            }
        }
    }

    let mut waiting_for_peppol = None;
    // The Peppol document type it goes under (SI-UBL 2.0 for NLCIUS): what the network is asked
    // for. A document no type carries does not go over Peppol.
    let document_type = match PeppolDocumentType::of_document(&document) {
        Ok(document_type) => Some(document_type),
        Err(why) => {
            skipped.push(format!("Peppol: {why}"));
            None
        }
    };
    for receiver in &candidates {
        let Some(document_type) = document_type else {
            break;
        };
        match channels.peppol.reach(receiver, document_type).await {
            Reach::Deliverable => {
                match channels
                    .peppol
                    .deliver(&document, receiver, job.attempt)
                    .await
                {
                    Ok(()) => return Ok(()),
                    Err(DeliveryFailure::NotReachable(why)) => skipped.push(why),
                    Err(failure) => {
                        return attempt_failed(
                            records,
                            &document,
                            Channel::Peppol,
                            failure,
                            job,
                            last_attempt,
                        )
                        .await
                    }
                }
            }
            Reach::LookupFailed(why) => {
                waiting_for_peppol = Some(why.clone());
                skipped.push(format!("Peppol {receiver}: {why}"));
            }
            Reach::Unavailable(why) => {
                if settings.peppol_fallback == PeppolFallback::Wait {
                    waiting_for_peppol = Some(why.clone());
                }
                skipped.push(why);
                break;
            }
            Reach::NotRegistered(why) => skipped.push(format!("Peppol {receiver}: {why}")),
        }
    }

    if let Some(why) = waiting_for_peppol {
        return attempt_failed(
            records,
            &document,
            Channel::Peppol,
            DeliveryFailure::Transient(why),
            job,
            last_attempt,
        )
        .await;
    }

    if document.kind == DocumentKind::InvoiceResponse {
        // A response goes back the way invoices come: never by email.
        let why = format!("No channel reaches the seller: {}", skipped.join("; "));
        fail(records, &document, None, &why, job.attempt, None).await?;
        return Err(JobError::Permanent(why));
    }
    if let Some(email) = document.facts.buyer_email.clone() {
        if channels
            .email
            .reach(&email, PeppolDocumentType::bis(document.kind))
            .await
            == Reach::Deliverable
        {
            return match channels.email.deliver(&document, &email, job.attempt).await {
                Ok(()) => Ok(()),
                Err(failure) => {
                    attempt_failed(
                        records,
                        &document,
                        Channel::Email,
                        failure,
                        job,
                        last_attempt,
                    )
                    .await
                }
            };
        }
        skipped.push(format!("the buyer's email address {email} cannot be used"));
    } else {
        skipped.push("the document has no buyer contact email (BT-58) to fall back to".into());
    }
    let why = format!("No channel reaches the buyer: {}", skipped.join("; "));
    fail(records, &document, None, &why, job.attempt, None).await?;
    Err(JobError::Permanent(why))
}

fn retry(e: DomainError) -> JobError {
    JobError::Retry(e.to_string())
}

async fn fail<R: DocumentRecords>(
    records: &R,
    document: &Document,
    channel: Option<Channel>,
    why: &str,
    attempt: u32,
    evidence: Option<crate::peppol::evidence::NewEvidence>,
) -> Result<(), JobError> {
    let mut event = NewDocumentEvent::new(DocumentEventKind::Failed)
        .details(why)
        .attempt(attempt);
    event.channel = channel;
    let mut change = StatusChange::new(DocumentStatus::Failed, event).only_from(&UNFINISHED);
    change.evidence = evidence;
    // A failure that cannot be written is not final yet: the job runs again rather than
    // dying with the document left unfinished (and, for a refusal, its evidence unrecorded).
    records
        .change_status(document.id, change)
        .await
        .map(|_| ())
        .map_err(|e| JobError::Retry(format!("recording the failure: {e}")))
}

/// The statuses of an outgoing document whose delivery has not ended.
pub(crate) const UNFINISHED: [DocumentStatus; 4] = [
    DocumentStatus::Pending,
    DocumentStatus::Validated,
    DocumentStatus::Routed,
    DocumentStatus::Retrying,
];

async fn attempt_failed<R: DocumentRecords>(
    records: &R,
    document: &Document,
    channel: Channel,
    failure: DeliveryFailure,
    job: &ClaimedJob,
    last_attempt: bool,
) -> Result<(), JobError> {
    match failure {
        DeliveryFailure::Transient(why) if !last_attempt => {
            let event = NewDocumentEvent::new(DocumentEventKind::AttemptFailed)
                .channel(channel)
                .details(&why)
                .attempt(job.attempt);
            let change = StatusChange::new(DocumentStatus::Retrying, event).only_from(&UNFINISHED);
            records
                .change_status(document.id, change)
                .await
                .map_err(retry)?;
            Err(JobError::Retry(why))
        }
        DeliveryFailure::Transient(why)
        | DeliveryFailure::Permanent(why)
        | DeliveryFailure::NotReachable(why) => {
            fail(records, document, Some(channel), &why, job.attempt, None).await?;
            Err(JobError::Permanent(why))
        }
        DeliveryFailure::Refused { why, evidence } => {
            fail(
                records,
                document,
                Some(channel),
                &why,
                job.attempt,
                Some(evidence),
            )
            .await?;
            Err(JobError::Permanent(why))
        }
    }
}

/// The internal channel: the receiver is an active organization on this installation with
/// receiving on for the id; the document goes straight into its inbox.
pub struct InternalChannel<'a, R> {
    pub records: &'a R,
    pub received_price: String,
}

impl<R: DocumentRecords> DeliveryChannel for InternalChannel<'_, R> {
    fn channel(&self) -> Channel {
        Channel::Internal
    }

    async fn reach(&self, receiver: &str, document_type: PeppolDocumentType) -> Reach {
        match self.records.find_party(receiver).await {
            Ok(Some(party)) if party.accepts(document_type) => Reach::Deliverable,
            Ok(Some(party)) if party.receives() => {
                Reach::NotRegistered(not_accepted(document_type))
            }
            Ok(Some(_)) => Reach::NotRegistered("not receiving on this installation".into()),
            Ok(None) => Reach::NotRegistered("not on this installation".into()),
            Err(e) => Reach::LookupFailed(e.to_string()),
        }
    }

    async fn deliver(
        &self,
        document: &Document,
        receiver: &str,
        attempt: u32,
    ) -> Result<(), DeliveryFailure> {
        let party = match self.records.find_party(receiver).await {
            Ok(Some(p)) => p,
            Ok(None) => {
                return Err(DeliveryFailure::NotReachable(format!(
                    "{receiver}: not on this installation"
                )))
            }
            Err(e) => return Err(DeliveryFailure::Transient(e.to_string())),
        };
        // A response goes to the seller of an invoice sent from here, whether or not that
        // seller receives invoices: `deliver_response` checks it is one.
        if document.kind == DocumentKind::InvoiceResponse {
            return self.deliver_response(document, &party, attempt).await;
        }
        if !party.receives() {
            return Err(DeliveryFailure::NotReachable(format!(
                "{receiver}: not receiving on this installation"
            )));
        }
        // The receiver's choice of document types holds here as on the network.
        if let Ok(document_type) = PeppolDocumentType::of_document(document) {
            if !party.accepts(document_type) {
                return Err(DeliveryFailure::NotReachable(format!(
                    "{receiver}: {}",
                    not_accepted(document_type)
                )));
            }
        }
        let incoming = NewDocument {
            id: Uuid::new_v4(),
            environment_id: party.environment_id,
            organization_id: party.organization_id,
            direction: Direction::Incoming,
            kind: document.kind,
            status: DocumentStatus::Received,
            channel: Some(Channel::Internal),
            party_id: party.participant_id.clone(),
            receiver_id: Some(party.participant_id.clone()),
            facts: document.facts.clone(),
            content_hash: document.content_hash.clone(),
            content_type: document.content_type.clone(),
            size_bytes: document.size_bytes,
            idempotency_key: None,
            related_id: Some(document.id),
            response: document.response,
            handover_key: None,
            received_note: None,
        };
        let mut delivered = StatusChange::new(
            DocumentStatus::Delivered,
            NewDocumentEvent::new(DocumentEventKind::Delivered)
                .channel(Channel::Internal)
                .details(format!(
                    "Into the inbox of {} ({})",
                    party.organization_name, party.participant_id
                ))
                .attempt(attempt),
        )
        .only_from(&UNFINISHED);
        delivered.channel = Some(Channel::Internal);
        delivered.receiver_id = Some(party.participant_id.clone());
        let usage = NewUsage {
            kind: UsageKind::Received,
            price: self.received_price.clone(),
        };
        match self
            .records
            .accept_incoming(incoming, usage, Some(delivered))
            .await
        {
            Ok(Received::Stored(_) | Received::AlreadyThere(_)) => Ok(()),
            // The receiver stopped receiving between the lookup and the handover.
            Err(DomainError::NotFound { .. }) => Err(DeliveryFailure::NotReachable(format!(
                "{receiver} stopped receiving during delivery"
            ))),
            Err(e) => Err(DeliveryFailure::Transient(e.to_string())),
        }
    }
}

impl<R: DocumentRecords> InternalChannel<'_, R> {
    /// A response to an invoice that went through this installation: recorded on the
    /// seller's outbox invoice (the buyer's copy names it as its original).
    async fn deliver_response(
        &self,
        response: &Document,
        seller: &super::store::PartyRecord,
        attempt: u32,
    ) -> Result<(), DeliveryFailure> {
        let transient = |e: DomainError| DeliveryFailure::Transient(e.to_string());
        let not_here = || {
            DeliveryFailure::NotReachable(
                "the invoice answered did not come through this installation".into(),
            )
        };
        let answered = match response.related_id {
            Some(id) => self.records.document_for_job(id).await.map_err(transient)?,
            None => None,
        };
        let Some(original_id) = answered.and_then(|a| a.related_id) else {
            return Err(not_here());
        };
        let original = self
            .records
            .document_for_job(original_id)
            .await
            .map_err(transient)?
            .filter(|o| {
                o.organization_id == seller.organization_id && o.direction == Direction::Outgoing
            })
            .ok_or_else(not_here)?;
        let on_invoice = super::responses::response_on_invoice(
            original.status,
            response.response,
            &response.facts.seller_name.clone().unwrap_or_default(),
            Channel::Internal,
            None,
        );
        let mut delivered = StatusChange::new(
            DocumentStatus::Delivered,
            NewDocumentEvent::new(DocumentEventKind::Delivered)
                .channel(Channel::Internal)
                .details(format!(
                    "To {} ({})",
                    seller.organization_name, seller.participant_id
                ))
                .attempt(attempt),
        )
        .only_from(&UNFINISHED);
        delivered.channel = Some(Channel::Internal);
        delivered.receiver_id = Some(seller.participant_id.clone());
        self.records
            .deliver_response(response.id, delivered, original.id, on_invoice)
            .await
            .map(|_| ())
            .map_err(transient)
    }
}

/// Why an organization here does not take a document it receives others on.
fn not_accepted(document_type: PeppolDocumentType) -> String {
    format!(
        "not registered for this document type on this installation ({})",
        document_type.label()
    )
}

/// The Peppol channel until the network adapter exists: it reaches no one, and says why,
/// so that nothing pretends to have been delivered over Peppol.
pub struct PeppolNotConfigured;

/// What the unconfigured Peppol channel says.
pub const PEPPOL_NOT_CONFIGURED: &str = "Peppol delivery is not configured on this installation";

impl DeliveryChannel for PeppolNotConfigured {
    fn channel(&self) -> Channel {
        Channel::Peppol
    }

    async fn reach(&self, _receiver: &str, _document_type: PeppolDocumentType) -> Reach {
        Reach::Unavailable(PEPPOL_NOT_CONFIGURED.into())
    }

    async fn deliver(
        &self,
        _document: &Document,
        _receiver: &str,
        _attempt: u32,
    ) -> Result<(), DeliveryFailure> {
        Err(DeliveryFailure::NotReachable(PEPPOL_NOT_CONFIGURED.into()))
    }
}

/// The Peppol slot of an installation that may send over the network or not: a configured
/// channel, or (`None`) [`PeppolNotConfigured`]. Lets the entrances build one set of channels
/// whichever it is.
impl<C: DeliveryChannel> DeliveryChannel for Option<C> {
    fn channel(&self) -> Channel {
        self.as_ref()
            .map_or(Channel::Peppol, DeliveryChannel::channel)
    }

    async fn reach(&self, receiver: &str, document_type: PeppolDocumentType) -> Reach {
        match self {
            Some(channel) => channel.reach(receiver, document_type).await,
            None => PeppolNotConfigured.reach(receiver, document_type).await,
        }
    }

    async fn deliver(
        &self,
        document: &Document,
        receiver: &str,
        attempt: u32,
    ) -> Result<(), DeliveryFailure> {
        match self {
            Some(channel) => channel.deliver(document, receiver, attempt).await,
            None => {
                PeppolNotConfigured
                    .deliver(document, receiver, attempt)
                    .await
            }
        }
    }
}

/// The email channel: a message to the buyer's contact address with a private, expiring link
/// to view and download the invoice without an account.
pub struct EmailChannel<'a, R> {
    pub records: &'a R,
    pub links: &'a Links,
    pub link_days: u32,
}

impl<R: DocumentRecords> DeliveryChannel for EmailChannel<'_, R> {
    fn channel(&self) -> Channel {
        Channel::Email
    }

    async fn reach(&self, receiver: &str, _document_type: PeppolDocumentType) -> Reach {
        let plausible = receiver
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'))
            && !receiver
                .chars()
                .any(|c| c.is_whitespace() || c.is_control());
        if plausible {
            Reach::Deliverable
        } else {
            Reach::NotRegistered(format!("{receiver} is not an email address"))
        }
    }

    async fn deliver(
        &self,
        document: &Document,
        receiver: &str,
        attempt: u32,
    ) -> Result<(), DeliveryFailure> {
        let token = new_token();
        let expires_at = Utc::now() + TimeDelta::days(i64::from(self.link_days));
        let link = self.links.to("/shared-invoice", Some(&token));
        let mail = render(
            receiver,
            &MailTemplate::InvoiceByEmail {
                seller_name: document.facts.seller_name.clone().unwrap_or_default(),
                number: document.facts.number.clone().unwrap_or_default(),
                link,
                valid_days: self.link_days,
            },
            Language::Nl,
        );
        let mut change = StatusChange::new(
            DocumentStatus::Delivered,
            NewDocumentEvent::new(DocumentEventKind::Delivered)
                .channel(Channel::Email)
                .details(format!("By email to {receiver}"))
                .attempt(attempt),
        )
        .only_from(&UNFINISHED);
        change.channel = Some(Channel::Email);
        change.receiver_id = Some(receiver.to_owned());
        let link = NewShareLink {
            document_id: document.id,
            token_hash: hash_token(&token),
            expires_at,
        };
        self.records
            .deliver_by_email(document.id, link, mail, change)
            .await
            .map(|_| ())
            .map_err(|e| DeliveryFailure::Transient(e.to_string()))
    }
}
