//! Receiving over the Peppol network (C3): the AS4 adapter opens and checks the message, the
//! document goes to the inbox of the organization that receives on the addressed id (an
//! Invoice Response is recorded on the invoice it answers instead), and the answer is the
//! adapter's signed receipt or ebMS error.

use std::future::Future;

use crate::{
    documents::{
        blobs::DocumentStore,
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

/// The answer to send back in the HTTP response.
#[derive(Debug, Clone)]
pub struct Signal {
    pub content_type: String,
    pub body: Vec<u8>,
}

/// The AS4 adapter, seen from here. Its work is cryptography (signatures, RSA, AES, gzip):
/// asynchronous, so that an adapter can do it off the request's worker.
pub trait As4Inbound {
    /// What the adapter keeps of an opened message to answer it.
    type Opened: Send + Sync;
    /// A message the adapter refused itself (security, packaging, envelope).
    type Failed: Send + Sync;

    /// Opens a posted message.
    ///
    /// # Errors
    /// The refusal, to answer with [`As4Inbound::answer_failed`].
    fn open(
        &self,
        content_type: String,
        body: Vec<u8>,
    ) -> impl Future<Output = Result<(Inbound, Self::Opened), Self::Failed>> + Send;

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
/// an ebMS error otherwise.
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
    content_type: String,
    body: Vec<u8>,
) -> DomainResult<Signal>
where
    R: DocumentRecords + HookEvents,
    B: DocumentStore,
    I: Inspector,
    G: As4Inbound,
{
    let (inbound, opened) = match gateway.open(content_type, body).await {
        Ok(opened) => opened,
        Err(failed) => return gateway.answer_failed(&failed).await,
    };
    let span = tracing::Span::current();
    span.record("message_id", inbound.message_id.as_str());
    span.record("receiver", inbound.receiver.as_str());
    let Some(party) = records
        .find_party(&inbound.receiver)
        .await?
        .filter(PartyRecord::receives)
    else {
        return gateway.refuse(&opened, Refusal::NotServiced).await;
    };
    let envelope = Envelope {
        sender: inbound.sender.clone(),
        receiver: inbound.receiver.clone(),
    };
    let note = format!(
        "over Peppol, AS4 message {} from access point {} to {}",
        inbound.message_id, inbound.sender_access_point, inbound.receiver_access_point
    );
    let key = format!("peppol:{}:{}", inbound.sender, inbound.instance_identifier);
    if is_invoice_response(&inbound.document) {
        // A buyer elsewhere answers an invoice sent from here.
        let handover = ResponseHandover {
            party: &party,
            channel: Channel::Peppol,
            key,
            note: Some(note),
            envelope: Some(envelope),
        };
        return match receive_response(records, blobs, handover, inbound.document).await? {
            ResponseOutcome::Recorded(_) | ResponseOutcome::AlreadyThere => {
                gateway.receipt(&opened).await
            }
            ResponseOutcome::Refused(why) => gateway.refuse(&opened, Refusal::Invalid(why)).await,
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
    match receive_document(records, blobs, inspector, handover, inbound.document).await {
        Ok(ReceiveOutcome::Stored(_) | ReceiveOutcome::AlreadyThere(_)) => {
            gateway.receipt(&opened).await
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
            gateway.refuse(&opened, refusal).await
        }
        Ok(ReceiveOutcome::NotAsAddressed(why)) => {
            gateway.refuse(&opened, Refusal::Invalid(why)).await
        }
        // Receiving was switched off meanwhile.
        Err(DomainError::Conflict { .. }) => gateway.refuse(&opened, Refusal::NotServiced).await,
        Err(e) => Err(e),
    }
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
