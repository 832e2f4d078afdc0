//! Sending over the Peppol network (C2): the Peppol delivery channel of the document
//! exchange. It finds the receiver's access point through the `SmpLocator` port and hands the
//! document to the `As4Outbound` port, which checks the access point's certificate, wraps the
//! document (SBDH), signs, encrypts, posts and checks the signed answer. The cryptography
//! stays in the adapter; what an answer means for the document is decided here.

use std::future::Future;

use chrono::{DateTime, SecondsFormat, Utc};
use uuid::Uuid;

use super::discovery::{EndpointQuery, LocateError, PeppolEndpoint, SmpLocator};
use crate::{
    documents::{
        blobs::DocumentStore,
        delivery::{DeliveryChannel, DeliveryFailure, Reach, UNFINISHED},
        records::{
            Channel, Document, DocumentEventKind, DocumentKind, DocumentStatus, NewDocumentEvent,
        },
        store::{DocumentRecords, StatusChange},
    },
    DomainError,
};

/// The Peppol BIS Billing 3.0 invoice (document type value).
pub const BIS_BILLING_INVOICE: &str = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2::Invoice##urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0::2.1";
/// The Peppol BIS Billing 3.0 credit note.
pub const BIS_BILLING_CREDIT_NOTE: &str = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2::CreditNote##urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0::2.1";
/// The process of BIS Billing 3.0.
pub const BILLING_PROCESS: &str = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0";
/// The Peppol Invoice Response 3.0 (document type value).
pub const INVOICE_RESPONSE: &str = "urn:oasis:names:specification:ubl:schema:xsd:ApplicationResponse-2::ApplicationResponse##urn:fdc:peppol.eu:poacc:trns:invoice_response:3::2.1";
/// The process of Invoice Response 3.0: the ProfileID the response documents carry.
pub const INVOICE_RESPONSE_PROCESS: &str = haven_einvoice::invoice_response::PROFILE_ID;

/// The document type and process a document of `kind` travels under.
#[must_use]
pub fn document_type(kind: DocumentKind) -> (&'static str, &'static str) {
    match kind {
        DocumentKind::Invoice => (BIS_BILLING_INVOICE, BILLING_PROCESS),
        DocumentKind::CreditNote => (BIS_BILLING_CREDIT_NOTE, BILLING_PROCESS),
        DocumentKind::InvoiceResponse => (INVOICE_RESPONSE, INVOICE_RESPONSE_PROCESS),
    }
}

/// The discovery question for `receiver` (`scheme:value`) and a document of `kind`.
#[must_use]
pub fn endpoint_query(receiver: &str, kind: DocumentKind) -> EndpointQuery {
    let (document_type, process) = document_type(kind);
    EndpointQuery {
        participant: format!("iso6523-actorid-upis::{receiver}"),
        document_type: format!("busdox-docid-qns::{document_type}"),
        process: format!("cenbii-procid-ubl::{process}"),
    }
}

/// One document to send, as the adapter needs it.
#[derive(Debug, Clone)]
pub struct Outbound<'a> {
    /// The SBDH sender and receiver (`scheme:value`).
    pub sender: &'a str,
    pub receiver: &'a str,
    /// Document type and process values (without their schemes).
    pub document_type: &'a str,
    pub process: &'a str,
    /// The SBDH InstanceIdentifier: the same for every attempt at one document, so that a
    /// receiver stores a repeated delivery once.
    pub instance_identifier: String,
    /// The AS4 MessageId: the same for every attempt of one delivery, so that a retry after a
    /// lost answer is recognised as the same message.
    pub message_id: String,
    /// The business document (UBL).
    pub document: &'a [u8],
}

/// What the receiving access point answered, once its signature was checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum As4Answer {
    /// A signed receipt naming exactly what was sent.
    Receipt,
    /// A signed ebMS error: the receiver refuses the message (not to be retried).
    Error { code: String, detail: String },
}

/// A message that was posted and answered with a valid signal.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub message_id: String,
    /// Our seat id and the receiving access point's (the CNs of the certificates).
    pub our_seat: String,
    pub their_seat: String,
    pub answer: As4Answer,
    pub answered_at: DateTime<Utc>,
    /// The message as posted (signed and encrypted, MIME), and the signal that answered it:
    /// the evidence of the exchange.
    pub message: Vec<u8>,
    pub signal: Vec<u8>,
}

/// Why no valid answer came.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendError {
    /// Nothing was sent, and sending again would not help: the access point's certificate is
    /// not trusted, its address may not be called, the document cannot be enveloped.
    Refused(String),
    /// No valid answer (connection refused, time-out, 5xx, 429, an unsigned or wrongly signed
    /// answer): the same message may be posted again later.
    Transient(String),
    /// The access point answered with an HTTP error that is no signal and not passing.
    Rejected(String),
}

/// Port: the AS4 sending side of the Peppol adapter.
pub trait As4Outbound: Send + Sync {
    /// Sends `outbound` to `endpoint` and checks the answer.
    fn send(
        &self,
        endpoint: &PeppolEndpoint,
        outbound: &Outbound<'_>,
    ) -> impl Future<Output = Result<Exchange, SendError>> + Send;
}

/// The Peppol channel: the receiver's access point from the locator, the document over AS4.
pub struct PeppolChannel<'a, R, B, L, S> {
    pub records: &'a R,
    pub blobs: &'a B,
    pub locator: &'a L,
    pub sender: &'a S,
    /// The delivery job's id: one per document and delivery round (its idempotency key is
    /// `deliver:<document>:<round>`) and the same across that job's attempts, so the AS4
    /// MessageId made from it stays the same when a failed attempt is retried.
    pub delivery_id: Uuid,
}

/// The MessageId of the AS4 message that carries a delivery.
#[must_use]
pub fn message_id(delivery_id: Uuid) -> String {
    format!("{delivery_id}@haven")
}

impl<R, B, L, S> DeliveryChannel for PeppolChannel<'_, R, B, L, S>
where
    R: DocumentRecords,
    B: DocumentStore,
    L: SmpLocator,
    S: As4Outbound,
{
    fn channel(&self) -> Channel {
        Channel::Peppol
    }

    async fn reach(&self, receiver: &str, kind: DocumentKind) -> Reach {
        match self
            .locator
            .find_endpoint(&endpoint_query(receiver, kind))
            .await
        {
            Ok(_) => Reach::Deliverable,
            Err(LocateError::NotRegistered(why) | LocateError::InvalidQuery(why)) => {
                Reach::NotRegistered(why)
            }
            Err(LocateError::Failed(why)) => Reach::LookupFailed(why),
        }
    }

    #[tracing::instrument(name = "peppol.send", skip_all, fields(document_id = %document.id, receiver, message_id))]
    async fn deliver(
        &self,
        document: &Document,
        receiver: &str,
        attempt: u32,
    ) -> Result<(), DeliveryFailure> {
        let span = tracing::Span::current();
        span.record("receiver", receiver);
        // BIS documents are UBL; a CII or PDF original has no Peppol document type here.
        if document.content_type != "application/xml" || document.facts.syntax != "ubl" {
            return Err(DeliveryFailure::NotReachable(format!(
                "Peppol {receiver}: only UBL documents are sent over Peppol"
            )));
        }
        let endpoint = match self
            .locator
            .find_endpoint(&endpoint_query(receiver, document.kind))
            .await
        {
            Ok(endpoint) => endpoint,
            Err(LocateError::NotRegistered(why) | LocateError::InvalidQuery(why)) => {
                return Err(DeliveryFailure::NotReachable(format!(
                    "Peppol {receiver}: {why}"
                )))
            }
            Err(LocateError::Failed(why)) => {
                return Err(DeliveryFailure::Transient(format!(
                    "Peppol {receiver}: {why}"
                )))
            }
        };
        let bytes = match self.blobs.get(&document.content_hash).await {
            Ok(bytes) => bytes,
            Err(DomainError::NotFound { .. }) => {
                return Err(DeliveryFailure::Permanent(
                    "the document's original is no longer stored".into(),
                ))
            }
            Err(e) => return Err(DeliveryFailure::Transient(e.to_string())),
        };
        let sender = document
            .facts
            .seller_endpoint
            .as_deref()
            .filter(|id| id.contains(':'))
            .unwrap_or(&document.party_id);
        let (document_type, process) = document_type(document.kind);
        let outbound = Outbound {
            sender,
            receiver,
            document_type,
            process,
            instance_identifier: document.id.to_string(),
            message_id: message_id(self.delivery_id),
            document: &bytes,
        };
        span.record("message_id", outbound.message_id.as_str());
        let exchange = match self.sender.send(&endpoint, &outbound).await {
            Ok(exchange) => exchange,
            Err(SendError::Refused(why)) => {
                return Err(DeliveryFailure::Permanent(format!(
                    "Not sent over Peppol to {receiver}: {why}"
                )))
            }
            Err(SendError::Rejected(why)) => {
                return Err(DeliveryFailure::Permanent(format!(
                    "AS4 message {} to {receiver}: {why}",
                    outbound.message_id
                )))
            }
            Err(SendError::Transient(why)) => {
                return Err(DeliveryFailure::Transient(format!(
                    "AS4 message {} to {receiver}: {why}",
                    outbound.message_id
                )))
            }
        };
        // The evidence first: a receipt whose record could not be kept is sent again (the
        // same MessageId and InstanceIdentifier, which the receiver stores once).
        let transient = |e: DomainError| DeliveryFailure::Transient(e.to_string());
        let message_hash = self.blobs.put(&exchange.message).await.map_err(transient)?;
        let signal_hash = self.blobs.put(&exchange.signal).await.map_err(transient)?;
        let exchanged = format!(
            "AS4 message {} from {} to {}, answered at {}; evidence: message sha256:{message_hash}, signal sha256:{signal_hash}",
            exchange.message_id,
            exchange.our_seat,
            exchange.their_seat,
            exchange
                .answered_at
                .to_rfc3339_opts(SecondsFormat::Millis, true),
        );
        match exchange.answer {
            As4Answer::Error { code, detail } => Err(DeliveryFailure::Permanent(format!(
                "The receiving access point refused it: {code} {detail}. {exchanged}"
            ))),
            As4Answer::Receipt => {
                let mut delivered = StatusChange::new(
                    DocumentStatus::Delivered,
                    NewDocumentEvent::new(DocumentEventKind::Delivered)
                        .channel(Channel::Peppol)
                        .details(format!(
                            "Over Peppol to {receiver}: receipt for {exchanged}"
                        ))
                        .attempt(attempt),
                )
                .only_from(&UNFINISHED);
                delivered.channel = Some(Channel::Peppol);
                delivered.receiver_id = Some(receiver.to_owned());
                self.records
                    .change_status(document.id, delivered)
                    .await
                    .map(|_| ())
                    .map_err(transient)
            }
        }
    }
}
