//! Receiving over the Peppol network (C3): the AS4 adapter opens and checks the message, the
//! document goes to the inbox of the organization that receives on the addressed id (an
//! Invoice Response is recorded on the invoice it answers instead), and the answer is the
//! adapter's signed receipt or ebMS error. Each acknowledged message is recorded with its
//! evidence (the message as posted and the receipt that answered it, in the document store),
//! so that the same MessageId from the same access point is answered with the same receipt.

use std::future::Future;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::document_types::PeppolDocumentType;
use crate::{
    documents::{
        blobs::{ContentHash, DocumentStore},
        receiving::{receive_document, Envelope, Handover, ReceiveOutcome},
        records::Channel,
        responses::{receive_response, ResponseHandover, ResponseOutcome},
        sending::Inspector,
        store::{DocumentRecords, PartyRecord},
    },
    hooks::{
        records::{NewHookEvent, Topic},
        store::HookEvents,
    },
    peppol::{
        evidence::NewEvidence,
        refusals::{
            record_refusal, AnsweredError, IncomingRefusals, RefusalNote, RefusalReason,
            RefusedBytes,
        },
        reporting::{Direction, ExchangeRecord, SchemedId},
    },
    DomainError, DomainResult,
};
use haven_einvoice::{invoice_response::is_invoice_response, Severity, ValidationReport};

/// Rule ids an `InvoiceReceivedError` event names at most.
const RULES_IN_EVENT: usize = 10;

/// A message the adapter opened: signature, certificate, decryption and envelope checked.
#[derive(Debug, Clone)]
pub struct Inbound {
    pub message_id: String,
    /// The seat ids of the sending (C2) and receiving (C3) access points.
    pub sender_access_point: String,
    pub receiver_access_point: String,
    /// The SBDH sender and receiver (`scheme:value`, e.g. `0106:12345678`).
    pub sender: String,
    pub receiver: String,
    /// What the reports need of the envelope: the identifiers' schemes and the document type,
    /// process and `COUNTRY_C1` of the SBDH, and the transport profile it came over.
    pub participant_scheme: String,
    pub document_type: SchemedId,
    pub process: SchemedId,
    pub country_c1: String,
    pub transport_profile: String,
    /// The SBDH InstanceIdentifier: a repeated delivery of the same document has the same.
    pub instance_identifier: String,
    /// The business document (UBL or CII), without the envelope.
    pub document: Vec<u8>,
}

/// Why an opened message is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Nobody here receives on the addressed id (`PEPPOL:NOT_SERVICED`).
    NotServiced,
    /// The document does not pass validation.
    Invalid(String),
}

/// What the adapter says of a message it refused itself, for the record of refusals.
#[derive(Debug, Clone)]
pub struct FailedMessage {
    pub reason: RefusalReason,
    pub message_id: Option<String>,
    /// The sending access point's seat id, when readable.
    pub sender_access_point: Option<String>,
    /// Whether the signature verified with a trusted certificate of that seat id.
    pub sender_verified: bool,
    pub error: AnsweredError,
    pub description: String,
}

/// The answer to send back in the HTTP response.
#[derive(Debug, Clone)]
pub struct Signal {
    pub content_type: String,
    pub body: Vec<u8>,
}

/// A message acknowledged with a receipt: the evidence of the exchange. One per sending access
/// point and MessageId.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedMessage {
    /// The seat id (certificate CN) of the access point that sent it.
    pub sender_access_point: String,
    pub message_id: String,
    /// The document it brought into an inbox (the first one stored when it was delivered
    /// before under another MessageId); none for an Invoice Response, which is recorded on
    /// the invoice it answers.
    pub document_id: Option<Uuid>,
    /// The message as posted and the receipt as answered, each stored as its Content-Type
    /// header, a blank line and the body ([`evidence`]).
    pub message_hash: ContentHash,
    pub receipt_hash: ContentHash,
    pub received_at: DateTime<Utc>,
}

/// Port: the record of received AS4 messages.
pub trait ReceivedMessages: Send + Sync {
    /// The message `message_id` from `sender_access_point`, when it was acknowledged before.
    ///
    /// # Errors
    /// When the records cannot be read.
    fn find_received(
        &self,
        sender_access_point: &str,
        message_id: &str,
    ) -> impl Future<Output = DomainResult<Option<ReceivedMessage>>> + Send;

    /// Records `message` unless its access point and MessageId are recorded already, and
    /// returns the record that is there: `message`, or the one a concurrent delivery of the
    /// same message wrote first. `exchange`, the message's reporting record, is written in the
    /// same transaction when `message` is, so a message is counted once, and so is `evidence`,
    /// the exchange's record on the document it concerns.
    ///
    /// # Errors
    /// When the records cannot be written or read.
    fn record_received(
        &self,
        message: ReceivedMessage,
        exchange: ExchangeRecord,
        evidence: Option<NewEvidence>,
    ) -> impl Future<Output = DomainResult<ReceivedMessage>> + Send;
}

/// The bytes kept as evidence of a message or signal: its Content-Type header, a blank line
/// and the body, as the sending side keeps its messages and answers.
#[must_use]
pub fn evidence(content_type: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!("Content-Type: {content_type}\r\n\r\n").into_bytes();
    out.extend_from_slice(body);
    out
}

/// A posted AS4 message, spooled to a file in the form it is kept as evidence ([`evidence`]:
/// its Content-Type header, a blank line, the body) as it arrived, so that no part of the
/// server holds it in memory: the adapter reads it from the file, the evidence is stored from
/// it. The file is removed when the message is dropped.
#[derive(Debug)]
pub struct Posted {
    content_type: String,
    file: tempfile::TempPath,
    body_start: u64,
    len: u64,
    /// None for the start of a message cut off at the size limit, which names nothing.
    hash: Option<ContentHash>,
}

impl Posted {
    /// The message in `file` (the evidence form, `len` bytes, the body from `body_start`),
    /// whose SHA-256 `hash` was computed as it was written.
    #[must_use]
    pub fn spooled(
        content_type: String,
        file: tempfile::TempPath,
        body_start: u64,
        len: u64,
        hash: ContentHash,
    ) -> Self {
        Self {
            content_type,
            file,
            body_start,
            len,
            hash: Some(hash),
        }
    }

    /// The start of a message that was larger than the server takes: `file` holds its first
    /// `len` bytes in the evidence form, and the rest was not kept.
    #[must_use]
    pub fn cut_off(
        content_type: String,
        file: tempfile::TempPath,
        body_start: u64,
        len: u64,
    ) -> Self {
        Self {
            content_type,
            file,
            body_start,
            len,
            hash: None,
        }
    }

    /// The message `body` posted with `content_type`, written to a temporary file (tests and
    /// tools; the server spools what it receives with [`Posted::spooled`]).
    ///
    /// # Errors
    /// When the file cannot be written.
    pub fn from_body(content_type: String, body: Vec<u8>) -> std::io::Result<Self> {
        let bytes = evidence(&content_type, &body);
        let body_start = (bytes.len() - body.len()) as u64;
        let mut file = tempfile::NamedTempFile::new()?;
        std::io::Write::write_all(&mut file, &bytes)?;
        Ok(Self::spooled(
            content_type,
            file.into_temp_path(),
            body_start,
            bytes.len() as u64,
            ContentHash::of(&bytes),
        ))
    }

    #[must_use]
    pub fn content_type(&self) -> &str {
        &self.content_type
    }

    /// The file holding the message as kept.
    #[must_use]
    pub fn path(&self) -> &std::path::Path {
        &self.file
    }

    /// Where the body is in the file.
    #[must_use]
    pub fn body(&self) -> std::ops::Range<u64> {
        self.body_start..self.len
    }

    /// The length of the message as kept, in bytes.
    #[must_use]
    pub fn len(&self) -> u64 {
        self.len
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The SHA-256 of the message as kept (the name of its evidence); none for the start of
    /// a message cut off at the size limit.
    #[must_use]
    pub fn hash(&self) -> Option<&ContentHash> {
        self.hash.as_ref()
    }

    /// Whether the file holds the whole message (not only the start of one too large).
    #[must_use]
    pub fn is_complete(&self) -> bool {
        self.hash.is_some()
    }

    /// The first `n` bytes of the message as kept (a few kilobytes: read in place).
    ///
    /// # Errors
    /// When the file cannot be read.
    pub fn head(&self, n: usize) -> std::io::Result<Vec<u8>> {
        let mut out = Vec::with_capacity(n.min(usize::try_from(self.len).unwrap_or(n)));
        std::io::Read::read_to_end(
            &mut std::io::Read::take(std::fs::File::open(&self.file)?, n as u64),
            &mut out,
        )?;
        Ok(out)
    }
}

/// The content type and body of stored [`evidence`].
#[must_use]
pub fn read_evidence(bytes: &[u8]) -> Option<Signal> {
    let rest = bytes.strip_prefix(b"Content-Type: ")?;
    let end = rest.windows(4).position(|w| w == b"\r\n\r\n")?;
    let content_type = std::str::from_utf8(&rest[..end]).ok()?.to_owned();
    Some(Signal {
        content_type,
        body: rest[end + 4..].to_vec(),
    })
}

/// What [`As4Inbound::open`] gives: the opened message (`O`) and the message as posted, or
/// the refusal (`F`) with the message when the adapter still has it.
pub type OpenResult<O, F> = Result<(Inbound, O, Posted), (F, Option<Posted>)>;

/// The AS4 adapter, seen from here. Its work is cryptography (signatures, RSA, AES, gzip):
/// asynchronous, so that an adapter can do it off the request's worker.
pub trait As4Inbound {
    /// What the adapter keeps of an opened message to answer it.
    type Opened: Send + Sync;
    /// A message the adapter refused itself (security, packaging, envelope).
    type Failed: Send + Sync;

    /// Opens a posted message, and hands it back as it was posted (an adapter reads its file
    /// and leaves it as it came: it is the evidence).
    ///
    /// # Errors
    /// The refusal, to answer with [`As4Inbound::answer_failed`], with the message when the
    /// adapter still has it; an error when the adapter failed rather than the message (its
    /// own files), which the sender is to retry.
    fn open(
        &self,
        posted: Posted,
    ) -> impl Future<Output = DomainResult<OpenResult<Self::Opened, Self::Failed>>> + Send;

    /// The refusal of a message larger than `limit` bytes, of which `posted` holds the start.
    fn oversized(&self, posted: &Posted, limit: u64) -> Self::Failed;

    /// What a refusal of the adapter's own is, for the record.
    fn describe_failed(&self, failed: &Self::Failed) -> FailedMessage;

    /// The ebMS error (and Peppol code) [`As4Inbound::refuse`] answers `refusal` with.
    fn refusal_error(&self, refusal: &Refusal) -> AnsweredError;

    /// The signed receipt for an opened message.
    ///
    /// # Errors
    /// When signing fails.
    fn receipt(&self, opened: &Self::Opened) -> impl Future<Output = DomainResult<Signal>> + Send;

    /// The signed error refusing an opened message.
    ///
    /// # Errors
    /// When signing fails.
    fn refuse(
        &self,
        opened: &Self::Opened,
        refusal: Refusal,
    ) -> impl Future<Output = DomainResult<Signal>> + Send;

    /// The signed error for a message the adapter refused.
    ///
    /// # Errors
    /// When signing fails.
    fn answer_failed(
        &self,
        failed: &Self::Failed,
    ) -> impl Future<Output = DomainResult<Signal>> + Send;
}

/// Receives one posted AS4 message and says what to answer: a receipt once the document is
/// in the inbox (or was already: a repeated delivery is stored once and acknowledged again),
/// an ebMS error otherwise. A message this access point sent before and that was
/// acknowledged (the same MessageId and the same bytes) is answered with the receipt sent
/// then, byte for byte, and nothing else happens.
///
/// # Errors
/// When the records or the document store fail; the sender then gets no signal and retries.
#[tracing::instrument(name = "peppol.receive", skip_all, fields(message_id, receiver))]
pub async fn receive_message<R, B, I, G>(
    records: &R,
    blobs: &B,
    inspector: &I,
    gateway: &G,
    price: String,
    posted: Posted,
) -> DomainResult<Signal>
where
    R: DocumentRecords + HookEvents + ReceivedMessages + IncomingRefusals,
    B: DocumentStore,
    I: Inspector,
    G: As4Inbound,
{
    let (mut inbound, opened, posted) = match gateway.open(posted).await? {
        Ok(opened) => opened,
        Err((failed, posted)) => {
            let signal = gateway.answer_failed(&failed).await?;
            let failure = gateway.describe_failed(&failed);
            let note = RefusalNote {
                reason: failure.reason,
                sender_access_point: failure.sender_access_point,
                sender_verified: failure.sender_verified,
                message_id: failure.message_id,
                error: Some(failure.error),
                description: failure.description,
            };
            let bytes = posted
                .as_ref()
                .map_or(RefusedBytes::None, RefusedBytes::Posted);
            record_refusal(records, blobs, note, bytes, Some(&signal_evidence(&signal))).await?;
            return Ok(signal);
        }
    };
    let document = std::mem::take(&mut inbound.document);
    let span = tracing::Span::current();
    span.record("message_id", inbound.message_id.as_str());
    span.record("receiver", inbound.receiver.as_str());
    let posted_hash = posted.hash().cloned().ok_or_else(|| {
        DomainError::Unexpected(anyhow::anyhow!(
            "the start of a message over the size limit cannot be received"
        ))
    })?;
    if let Some(seen) = records
        .find_received(&inbound.sender_access_point, &inbound.message_id)
        .await?
    {
        if seen.message_hash == posted_hash {
            tracing::info!(
                sender_access_point = %inbound.sender_access_point,
                received_at = %seen.received_at,
                "AS4 message received before; answering with the receipt sent then"
            );
            return stored_receipt(blobs, &seen).await;
        }
        // The sender built the message again under its MessageId (a new timestamp and
        // signature): the receipt sent then does not name this message's references, so it
        // gets its own; the InstanceIdentifier keeps its document from being stored twice.
        tracing::info!(
            sender_access_point = %inbound.sender_access_point,
            received_at = %seen.received_at,
            "AS4 MessageId received before with other content; answering with a new receipt"
        );
    }
    // Invoice Responses are taken for sellers that only send too; invoices only where the
    // organization receives on the id, and only of the document types it chose (what Haven's
    // SMP publishes for it).
    let response = is_invoice_response(&document);
    let document_type = PeppolDocumentType::from_value(&inbound.document_type.value)
        .filter(|t| (*t == PeppolDocumentType::InvoiceResponse) == response);
    let Some(party) = records
        .find_party(&inbound.receiver)
        .await?
        .filter(|p| document_type.is_some_and(|t| p.accepts(t)))
    else {
        let refused = Refused {
            gateway,
            opened: &opened,
            inbound: &inbound,
        };
        return refused
            .answer(
                records,
                blobs,
                Refusal::NotServiced,
                RefusedBytes::Posted(&posted),
            )
            .await;
    };
    // The evidence first, so that the history can name it: the message as posted and the
    // receipt that will answer it (unused when the document is refused).
    let receipt = gateway.receipt(&opened).await?;
    let message_hash = blobs.put_file(posted.path()).await?;
    drop(posted);
    debug_assert_eq!(message_hash, posted_hash);
    let receipt_hash = blobs
        .put(&evidence(&receipt.content_type, &receipt.body))
        .await?;
    let envelope = Envelope {
        sender: inbound.sender.clone(),
        receiver: inbound.receiver.clone(),
    };
    let note = format!(
        "over Peppol, AS4 message {} from access point {} to {}; evidence: message sha256:{message_hash}, receipt sha256:{receipt_hash}",
        inbound.message_id, inbound.sender_access_point, inbound.receiver_access_point
    );
    let acknowledged = Acknowledged {
        inbound: &inbound,
        end_user: &party,
        message_hash: message_hash.clone(),
        receipt_hash: receipt_hash.clone(),
        receipt,
    };
    // A refusal from here on: the message is stored and named by the refusal's record; the
    // receipt prepared for it was never sent and goes.
    let refused = Refused {
        gateway,
        opened: &opened,
        inbound: &inbound,
    };
    let (refused, unsent, kept) = (&refused, &receipt_hash, &message_hash);
    let refuse = |refusal: Refusal| async move {
        blobs.delete(unsent).await?;
        refused
            .answer(records, blobs, refusal, RefusedBytes::Stored(kept.clone()))
            .await
    };
    let key = format!("peppol:{}:{}", inbound.sender, inbound.instance_identifier);
    if response {
        // A buyer elsewhere answers an invoice sent from here.
        let handover = ResponseHandover {
            party: &party,
            channel: Channel::Peppol,
            key,
            note: Some(note),
            envelope: Some(envelope),
        };
        return match receive_response(records, blobs, handover, document).await? {
            // The exchange is evidence on the invoice the response answers.
            ResponseOutcome::Recorded(invoice) => {
                acknowledged
                    .record(records, blobs, None, Some(invoice))
                    .await
            }
            ResponseOutcome::AlreadyThere => acknowledged.record(records, blobs, None, None).await,
            ResponseOutcome::Refused(why) => refuse(Refusal::Invalid(why)).await,
        };
    }
    let handover = Handover {
        envelope: Some(envelope),
        note: Some(note),
        party: &party,
        channel: Channel::Peppol,
        key,
        price,
    };
    match receive_document(records, blobs, inspector, handover, document).await {
        Ok(ReceiveOutcome::Stored(document)) => {
            acknowledged
                .record(records, blobs, Some(document.id), Some(document.id))
                .await
        }
        Ok(ReceiveOutcome::AlreadyThere(first)) => {
            acknowledged
                .record(records, blobs, Some(first), Some(first))
                .await
        }
        Ok(ReceiveOutcome::Rejected(report)) => {
            // The sender hears of it in the ebMS error; the receiver's software from its hooks.
            records
                .raise_event(refused_document(
                    &party,
                    &inbound.message_id,
                    &inbound.sender,
                    &report,
                ))
                .await?;
            let refusal = Refusal::Invalid(format!(
                "the document does not pass validation ({} fatal findings)",
                report.fatal_count()
            ));
            refuse(refusal).await
        }
        Ok(ReceiveOutcome::NotAsAddressed(why)) => refuse(Refusal::Invalid(why)).await,
        // Receiving was switched off meanwhile.
        Err(DomainError::Conflict { .. }) => refuse(Refusal::NotServiced).await,
        Err(e) => Err(e),
    }
}

/// Refuses a message larger than the server takes (`limit` bytes), of which `posted` holds
/// the start, with the adapter's signed error, and records it among the refused messages
/// (its first bytes kept, as of any sender not authenticated: nothing of it was checked).
///
/// # Errors
/// When the records or the document store fail.
#[tracing::instrument(name = "peppol.refuse_oversized", skip_all, fields(limit))]
pub async fn refuse_oversized<R, B, G>(
    records: &R,
    blobs: &B,
    gateway: &G,
    posted: Posted,
    limit: u64,
) -> DomainResult<Signal>
where
    R: IncomingRefusals,
    B: DocumentStore,
    G: As4Inbound,
{
    let failed = gateway.oversized(&posted, limit);
    let signal = gateway.answer_failed(&failed).await?;
    let failure = gateway.describe_failed(&failed);
    let note = RefusalNote {
        reason: RefusalReason::TooLarge,
        sender_access_point: failure.sender_access_point,
        sender_verified: false,
        message_id: failure.message_id,
        error: Some(failure.error),
        description: failure.description,
    };
    record_refusal(
        records,
        blobs,
        note,
        RefusedBytes::Posted(&posted),
        Some(&signal_evidence(&signal)),
    )
    .await?;
    Ok(signal)
}

/// A message whose document is stored, with its receipt and evidence.
struct Acknowledged<'a> {
    inbound: &'a Inbound,
    /// The receiving organization's party: our end user.
    end_user: &'a PartyRecord,
    message_hash: ContentHash,
    receipt_hash: ContentHash,
    receipt: Signal,
}

impl Acknowledged<'_> {
    /// Records the message and answers with its receipt; when the same message was recorded
    /// meanwhile (posted twice at the same instant), with the receipt recorded then, so that
    /// a MessageId has one receipt. `document_id` is the document the message brought (see
    /// [`ReceivedMessage`]); `evidence_of` the document the exchange is evidence on.
    async fn record<R: ReceivedMessages + IncomingRefusals, B: DocumentStore>(
        self,
        records: &R,
        blobs: &B,
        document_id: Option<Uuid>,
        evidence_of: Option<Uuid>,
    ) -> DomainResult<Signal> {
        let received_at = Utc::now();
        let inbound = self.inbound;
        let exchange = ExchangeRecord {
            direction: Direction::Incoming,
            exchanged_at: received_at,
            message_id: inbound.message_id.clone(),
            our_seat: inbound.receiver_access_point.clone(),
            their_seat: inbound.sender_access_point.clone(),
            sender: SchemedId::new(&inbound.participant_scheme, &inbound.sender),
            receiver: SchemedId::new(&inbound.participant_scheme, &inbound.receiver),
            document_type: inbound.document_type.clone(),
            process: inbound.process.clone(),
            transport_profile: inbound.transport_profile.clone(),
            country_c1: inbound.country_c1.clone(),
            country_c4: Some(self.end_user.organization_country.clone()),
            end_user_id: self.end_user.organization_id,
        };
        let evidence = evidence_of.map(|document_id| NewEvidence {
            document_id,
            direction: Direction::Incoming,
            message_id: inbound.message_id.clone(),
            sending_seat: inbound.sender_access_point.clone(),
            receiving_seat: inbound.receiver_access_point.clone(),
            exchanged_at: received_at,
            message_hash: self.message_hash.clone(),
            signal_hash: self.receipt_hash.clone(),
            ubl_hash: None,
            refusal: None,
        });
        let recorded = records
            .record_received(
                ReceivedMessage {
                    sender_access_point: inbound.sender_access_point.clone(),
                    message_id: inbound.message_id.clone(),
                    document_id,
                    message_hash: self.message_hash.clone(),
                    receipt_hash: self.receipt_hash.clone(),
                    received_at,
                },
                exchange,
                evidence,
            )
            .await?;
        if recorded.receipt_hash == self.receipt_hash {
            Ok(self.receipt)
        } else if recorded.message_hash == self.message_hash {
            tracing::info!(
                sender_access_point = %self.inbound.sender_access_point,
                "AS4 message received twice at once; answering with the receipt recorded first"
            );
            stored_receipt(blobs, &recorded).await
        } else {
            // The MessageId with other content (see `receive_message`): the record of the
            // MessageId keeps the first; this exchange's evidence is named by a record of its
            // own among the refusals, for operators to see.
            tracing::info!(
                sender_access_point = %self.inbound.sender_access_point,
                message_hash = %self.message_hash,
                receipt_hash = %self.receipt_hash,
                "AS4 MessageId recorded before with other content; answering with its own receipt"
            );
            let note = RefusalNote {
                reason: RefusalReason::RebuiltMessageId,
                sender_access_point: Some(inbound.sender_access_point.clone()),
                sender_verified: true,
                message_id: Some(inbound.message_id.clone()),
                error: None,
                description: format!(
                    "the MessageId was received before (on {}) with other content; answered with a receipt of its own",
                    recorded.received_at.to_rfc3339()
                ),
            };
            let receipt = signal_evidence(&self.receipt);
            record_refusal(
                records,
                blobs,
                note,
                RefusedBytes::Stored(self.message_hash.clone()),
                Some(&receipt),
            )
            .await?;
            Ok(self.receipt)
        }
    }
}

/// The evidence form of a signal.
fn signal_evidence(signal: &Signal) -> Vec<u8> {
    evidence(&signal.content_type, &signal.body)
}

/// An opened message being refused: answered with the adapter's signed error and recorded.
struct Refused<'a, G: As4Inbound> {
    gateway: &'a G,
    opened: &'a G::Opened,
    inbound: &'a Inbound,
}

impl<G: As4Inbound> Refused<'_, G> {
    async fn answer<R: IncomingRefusals, B: DocumentStore>(
        &self,
        records: &R,
        blobs: &B,
        refusal: Refusal,
        message: RefusedBytes<'_>,
    ) -> DomainResult<Signal> {
        let error = self.gateway.refusal_error(&refusal);
        let (reason, description) = match &refusal {
            Refusal::NotServiced => (
                RefusalReason::NotServiced,
                format!(
                    "nobody here receives {} on {}",
                    self.inbound.document_type.value, self.inbound.receiver
                ),
            ),
            Refusal::Invalid(why) => (RefusalReason::InvalidDocument, why.clone()),
        };
        let signal = self.gateway.refuse(self.opened, refusal).await?;
        let note = RefusalNote {
            reason,
            sender_access_point: Some(self.inbound.sender_access_point.clone()),
            sender_verified: true,
            message_id: Some(self.inbound.message_id.clone()),
            error: Some(error),
            description,
        };
        record_refusal(
            records,
            blobs,
            note,
            message,
            Some(&signal_evidence(&signal)),
        )
        .await?;
        Ok(signal)
    }
}

/// The receipt recorded for a message, as it was sent.
async fn stored_receipt<B: DocumentStore>(
    blobs: &B,
    seen: &ReceivedMessage,
) -> DomainResult<Signal> {
    // A missing receipt is the store's failure, not something the sender asked for that is
    // not there: never a 404, which a sender would take as final.
    let bytes = blobs.get(&seen.receipt_hash).await.map_err(|e| match e {
        DomainError::NotFound { .. } => DomainError::Unexpected(anyhow::anyhow!(
            "the stored receipt {} of AS4 message {} is missing",
            seen.receipt_hash,
            seen.message_id
        )),
        e => e,
    })?;
    read_evidence(&bytes).ok_or_else(|| {
        DomainError::Unexpected(anyhow::anyhow!(
            "stored receipt {} is not a signal with its content type",
            seen.receipt_hash
        ))
    })
}

/// The `InvoiceReceivedError` event for a document the network brought for `party` that does
/// not pass validation (it was refused; nothing was stored).
fn refused_document(
    party: &PartyRecord,
    message_id: &str,
    sender: &str,
    report: &ValidationReport,
) -> NewHookEvent {
    let rules: Vec<&str> = report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Fatal)
        .map(|f| f.rule_id.as_str())
        .take(RULES_IN_EVENT)
        .collect();
    NewHookEvent {
        topic: Topic::InvoiceReceivedError,
        environment_id: party.environment_id,
        organization_id: Some(party.organization_id),
        party_id: Some(party.participant_id.clone()),
        document_id: None,
        message: Topic::InvoiceReceivedError.message(None),
        details: Some(
            serde_json::json!({
                "channel": "peppol",
                "messageId": message_id,
                "sender": sender,
                "reason": "validation_failed",
                "fatalFindings": report.fatal_count(),
                "rules": rules,
            })
            .to_string(),
        ),
        about_hook_id: None,
    }
}
