//! Sending over the Peppol network (C2): the Peppol delivery channel of the document
//! exchange. It finds the receiver's access point through the `SmpLocator` port and hands the
//! document to the `As4Outbound` port, which checks the access point's certificate, wraps the
//! document (SBDH), signs, encrypts, posts and checks the signed answer. The cryptography
//! stays in the adapter; what an answer means for the document is decided here.
//!
//! Peppol BIS Billing 3.0 carries UBL only. An original in CII (or a hybrid PDF such as
//! Factur-X) is sent in the UBL form the engine makes of it ([`peppol_ubl`], run off the
//! async worker through the [`PeppolForms`] port), after that form passed the Peppol rules;
//! the form is kept in the document store and named in the history, the original stays.

use std::{
    borrow::Cow,
    future::Future,
    path::{Path, PathBuf},
    sync::Arc,
};

use chrono::{DateTime, SecondsFormat, Utc};
use uuid::Uuid;

use super::{
    discovery::{EndpointQuery, LocateError, PeppolEndpoint, SmpLocator},
    document_types::PeppolDocumentType,
    evidence::NewEvidence,
    reporting::{self, ExchangeRecord, SchemedId},
};
use crate::{
    documents::{
        blobs::{ContentHash, DocumentStore},
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

/// The scheme of participant identifiers (ISO 6523 codes) in Peppol.
pub const PARTICIPANT_SCHEME: &str = "iso6523-actorid-upis";
/// The scheme of document type identifiers.
pub const DOCUMENT_TYPE_SCHEME: &str = "busdox-docid-qns";
/// The scheme of process identifiers.
pub const PROCESS_SCHEME: &str = "cenbii-procid-ubl";

/// The discovery question for `receiver` (`scheme:value`) and a document of `document_type`
/// (see [`PeppolDocumentType::of_document`]).
#[must_use]
pub fn endpoint_query(receiver: &str, document_type: PeppolDocumentType) -> EndpointQuery {
    EndpointQuery {
        participant: format!("{PARTICIPANT_SCHEME}::{receiver}"),
        document_type: format!("{DOCUMENT_TYPE_SCHEME}::{}", document_type.value()),
        process: format!("{PROCESS_SCHEME}::{}", document_type.process()),
    }
}

/// The UBL form of an original that Peppol carries, and the kind its root element says.
#[derive(Debug, Clone)]
pub struct PeppolUbl {
    pub ubl: Vec<u8>,
    pub kind: DocumentKind,
    /// How it came from the original, for the history: "made from the CII original", "made
    /// from the CII in the PDF original", "taken from the PDF original".
    pub from: &'static str,
}

/// Port: [`peppol_ubl`] where it holds up no other work (the API runs it on the blocking
/// pool, as it runs validation).
pub trait PeppolForms: Send + Sync {
    /// # Errors
    /// Why the original has no UBL form Peppol may carry, in words for the history.
    fn peppol_ubl(
        &self,
        original: Vec<u8>,
    ) -> impl Future<Output = Result<PeppolUbl, String>> + Send;
}

/// The UBL form Peppol carries of an original that is not UBL XML: the invoice XML of a
/// hybrid PDF (Factur-X, ZUGFeRD), and a CII invoice converted to UBL by the engine, which
/// keeps the specification identifier (BT-24) and business process (BT-23). The result must
/// pass the rules of the network: Peppol BIS Billing 3.0, or NLCIUS when it declares NLCIUS
/// (SI-UBL 2.0, which Dutch receivers take over Peppol). An original of another guideline
/// (plain EN 16931, XRechnung, Factur-X) is not relabelled: the Peppol rules refuse its
/// identifier (PEPPOL-EN16931-R004), and the refusal names the rule ids.
///
/// # Errors
/// Why there is no such form: the PDF holds no invoice, the conversion failed, or the UBL
/// has fatal findings (their rule ids named).
pub fn peppol_ubl(original: &[u8]) -> Result<PeppolUbl, String> {
    use haven_einvoice::{
        detect::{profile_from_customization, ProfileMatch},
        pdf, xml, DocumentType, Profile, Severity, Syntax, ValidateOptions,
    };
    let in_pdf = pdf::is_pdf(original);
    let xml: Cow<'_, [u8]> = if in_pdf {
        pdf::extract_invoice(original, &pdf::PdfLimits::default())
            .map_err(|e| format!("the invoice could not be taken out of the PDF: {e}"))?
            .xml
            .into()
    } else {
        original.into()
    };
    let source = xml::parse(&xml, &xml::Limits::default())
        .ok()
        .as_ref()
        .and_then(|doc| haven_einvoice::detect::detect(doc).map(|d| d.syntax))
        .ok_or_else(|| "the original is not a UBL or CII invoice".to_owned())?;
    let (ubl, from) = match (source, in_pdf) {
        (Syntax::Ubl, _) => (xml.into_owned(), "taken from the PDF original"),
        (Syntax::Cii, in_pdf) => (
            haven_einvoice::transform(&xml, Syntax::Ubl)
                .map_err(|e| format!("the CII could not be converted to UBL: {e}"))?,
            if in_pdf {
                "made from the CII in the PDF original"
            } else {
                "made from the CII original"
            },
        ),
    };
    let declared = xml::parse(&ubl, &xml::Limits::default())
        .ok()
        .as_ref()
        .and_then(haven_einvoice::detect::detect)
        .and_then(|d| d.customization_id.map(str::to_owned));
    // NLCIUS keeps its own rules; everything else must be Peppol BIS Billing 3.0.
    let required_profile = match profile_from_customization(declared.as_deref(), Syntax::Ubl) {
        ProfileMatch::Known(Profile::NlciusUbl | Profile::NlGaccount) => None,
        _ => Some(Profile::PeppolBis3),
    };
    let report = haven_einvoice::validate(
        &ubl,
        &ValidateOptions {
            required_profile,
            ..ValidateOptions::default()
        },
    );
    let fatal: Vec<&haven_einvoice::Finding> = report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Fatal)
        .collect();
    if let Some(first) = fatal.first() {
        let mut ids: Vec<&str> = fatal.iter().map(|f| f.rule_id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        return Err(format!(
            "the UBL {from} is not valid under {} ({}): {}",
            report.rule_set_labels().join(", "),
            ids.join(", "),
            first.message
        ));
    }
    let kind = match report.document.map(|d| d.document_type) {
        Some(DocumentType::CreditNote) => DocumentKind::CreditNote,
        _ => DocumentKind::Invoice,
    };
    Ok(PeppolUbl { ubl, kind, from })
}

/// One document to send, as the adapter needs it.
#[derive(Debug, Clone)]
pub struct Outbound<'a> {
    /// The SBDH sender and receiver (`scheme:value`).
    pub sender: &'a str,
    pub receiver: &'a str,
    /// Document type and process values (without their schemes: `busdox-docid-qns` and
    /// `cenbii-procid-ubl`).
    pub document_type: &'a str,
    pub process: &'a str,
    /// The SBDH InstanceIdentifier: the same for every attempt at one document, so that a
    /// receiver stores a repeated delivery once.
    pub instance_identifier: String,
    /// The AS4 MessageId: the same for every attempt of one delivery, so that a retry after a
    /// lost answer is recognised as the same message.
    pub message_id: String,
    /// The business document (UBL), shared so that the adapter can work on it off the
    /// async worker without a copy of it.
    pub document: std::sync::Arc<Vec<u8>>,
    /// `COUNTRY_C1` when the sender knows it (a report: the service provider's country);
    /// `None`: the adapter reads it from the document (the seller's country) or the sender's
    /// identifier scheme.
    pub country_c1: Option<String>,
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
    /// The `COUNTRY_C1` the envelope carried.
    pub country_c1: String,
    /// The message as posted (signed and encrypted, MIME), and the signal that answered it:
    /// the evidence of the exchange.
    pub message: SentMessage,
    pub signal: Vec<u8>,
}

/// The AS4 message as posted, in the form it is kept as evidence: `Content-Type: …`, a blank
/// line, the MIME body. A message is as large as the document it carries, so the adapter
/// hands over the file it posted from rather than a copy in memory.
#[derive(Debug, Clone)]
pub enum SentMessage {
    /// Held in memory (test doubles).
    Bytes(Vec<u8>),
    /// In a file the adapter wrote it to.
    File(SpooledFile),
}

impl SentMessage {
    /// Stores the message in the document store and returns its hash; a file goes through
    /// [`DocumentStore::put_file`], which the stores stream rather than read whole.
    ///
    /// # Errors
    /// As [`DocumentStore::put`].
    pub async fn store<B: DocumentStore>(&self, blobs: &B) -> Result<ContentHash, DomainError> {
        match self {
            Self::Bytes(bytes) => blobs.put(bytes).await,
            Self::File(file) => blobs.put_file(file.path()).await,
        }
    }
}

/// A file an adapter wrote, together with whatever removes it when dropped (a temporary
/// file's handle): the file stays until the last clone of this is gone.
#[derive(Clone)]
pub struct SpooledFile {
    path: PathBuf,
    _keep: Arc<dyn Send + Sync>,
}

impl SpooledFile {
    /// The file at `path`, kept as long as `keep` lives.
    pub fn new(path: PathBuf, keep: impl Send + Sync + 'static) -> Self {
        Self {
            path,
            _keep: Arc::new(keep),
        }
    }

    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl std::fmt::Debug for SpooledFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("SpooledFile").field(&self.path).finish()
    }
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
pub struct PeppolChannel<'a, R, B, L, S, F> {
    pub records: &'a R,
    pub blobs: &'a B,
    pub locator: &'a L,
    pub sender: &'a S,
    /// Makes the UBL form of a CII or PDF original.
    pub forms: &'a F,
    /// The delivery job's id: one per document and delivery round (its idempotency key is
    /// `deliver:<document>:<round>`) and the same across that job's attempts, so the AS4
    /// MessageId made from it stays the same when a failed attempt is retried.
    pub delivery_id: Uuid,
}

fn kind_name(kind: DocumentKind) -> &'static str {
    match kind {
        DocumentKind::Invoice => "invoice",
        DocumentKind::CreditNote => "credit note",
        DocumentKind::InvoiceResponse => "invoice response",
    }
}

/// The reporting record of a message sent and acknowledged with a receipt.
fn sent_exchange(
    document: &Document,
    outbound: &Outbound<'_>,
    endpoint: &PeppolEndpoint,
    exchange: &Exchange,
) -> ExchangeRecord {
    ExchangeRecord {
        direction: reporting::Direction::Outgoing,
        exchanged_at: exchange.answered_at,
        message_id: exchange.message_id.clone(),
        our_seat: exchange.our_seat.clone(),
        their_seat: exchange.their_seat.clone(),
        sender: SchemedId::new(PARTICIPANT_SCHEME, outbound.sender),
        receiver: SchemedId::new(PARTICIPANT_SCHEME, outbound.receiver),
        document_type: SchemedId::new(DOCUMENT_TYPE_SCHEME, outbound.document_type),
        process: SchemedId::new(PROCESS_SCHEME, outbound.process),
        transport_profile: endpoint.transport_profile.clone(),
        country_c1: exchange.country_c1.clone(),
        country_c4: None,
        end_user_id: document.organization_id,
    }
}

/// The MessageId of the AS4 message that carries a delivery.
#[must_use]
pub fn message_id(delivery_id: Uuid) -> String {
    format!("{delivery_id}@haven")
}

impl<R, B, L, S, F> DeliveryChannel for PeppolChannel<'_, R, B, L, S, F>
where
    R: DocumentRecords,
    B: DocumentStore,
    L: SmpLocator,
    S: As4Outbound,
    F: PeppolForms,
{
    fn channel(&self) -> Channel {
        Channel::Peppol
    }

    async fn reach(&self, receiver: &str, document_type: PeppolDocumentType) -> Reach {
        match self
            .locator
            .find_endpoint(&endpoint_query(receiver, document_type))
            .await
        {
            Ok(_) => Reach::Deliverable,
            Err(LocateError::NotRegistered(why) | LocateError::InvalidQuery(why)) => {
                Reach::NotRegistered(format!("{why} ({})", document_type.label()))
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
        // The document type it goes under (the SI-UBL 2.0 one for NLCIUS): what the receiver's
        // SMP is asked for, and checked against the UBL itself below.
        let document_type = PeppolDocumentType::of_document(document)
            .map_err(|why| DeliveryFailure::NotReachable(format!("Peppol {receiver}: {why}")))?;
        // The receiver is looked up first: one the network does not know falls through to the
        // next channel whatever the original's syntax.
        let endpoint = match self
            .locator
            .find_endpoint(&endpoint_query(receiver, document_type))
            .await
        {
            Ok(endpoint) => endpoint,
            Err(LocateError::NotRegistered(why) | LocateError::InvalidQuery(why)) => {
                return Err(DeliveryFailure::NotReachable(format!(
                    "Peppol {receiver}: {why} ({})",
                    document_type.label()
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
        // BIS documents are UBL: another original goes in its UBL form, which must pass the
        // network's rules (else it fails now, with nothing sent) and is kept as evidence.
        let mut converted = None;
        let bytes = if document.content_type == "application/xml" && document.facts.syntax == "ubl"
        {
            bytes
        } else {
            let form = self.forms.peppol_ubl(bytes).await.map_err(|why| {
                DeliveryFailure::Permanent(format!("Not sent over Peppol to {receiver}: {why}"))
            })?;
            if form.kind != document.kind {
                return Err(DeliveryFailure::Permanent(format!(
                    "Not sent over Peppol to {receiver}: the UBL {} is a {}, the document a {}",
                    form.from,
                    kind_name(form.kind),
                    kind_name(document.kind)
                )));
            }
            let hash = self
                .blobs
                .put(&form.ubl)
                .await
                .map_err(|e| DeliveryFailure::Transient(e.to_string()))?;
            converted = Some((hash, form.from));
            form.ubl
        };
        let sender = document
            .facts
            .seller_endpoint
            .as_deref()
            .filter(|id| id.contains(':'))
            .unwrap_or(&document.party_id);
        // The SBDH names the type of what goes, to the letter: its root and CustomizationID must
        // be the type the receiver was found for.
        match PeppolDocumentType::of_ubl(&bytes) {
            Ok(sent) if sent == document_type => {}
            Ok(sent) => {
                return Err(DeliveryFailure::Permanent(format!(
                    "Not sent over Peppol to {receiver}: the UBL is a {}, the document was routed as a {}",
                    sent.label(),
                    document_type.label()
                )))
            }
            Err(why) => {
                return Err(DeliveryFailure::Permanent(format!(
                    "Not sent over Peppol to {receiver}: {why}"
                )))
            }
        }
        let outbound = Outbound {
            sender,
            receiver,
            document_type: document_type.value(),
            process: document_type.process(),
            instance_identifier: document.id.to_string(),
            message_id: message_id(self.delivery_id),
            document: std::sync::Arc::new(bytes),
            country_c1: None,
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
        let message_hash = exchange
            .message
            .store(self.blobs)
            .await
            .map_err(transient)?;
        let signal_hash = self.blobs.put(&exchange.signal).await.map_err(transient)?;
        let mut exchanged = format!(
            "AS4 message {} from {} to {}, answered at {}; evidence: message sha256:{message_hash}, signal sha256:{signal_hash}",
            exchange.message_id,
            exchange.our_seat,
            exchange.their_seat,
            exchange
                .answered_at
                .to_rfc3339_opts(SecondsFormat::Millis, true),
        );
        if let Some((hash, from)) = &converted {
            exchanged.push_str(&format!(", UBL sent sha256:{hash} ({from})"));
        }
        let evidence = NewEvidence {
            document_id: document.id,
            direction: reporting::Direction::Outgoing,
            message_id: exchange.message_id.clone(),
            sending_seat: exchange.our_seat.clone(),
            receiving_seat: exchange.their_seat.clone(),
            exchanged_at: exchange.answered_at,
            message_hash,
            signal_hash,
            ubl_hash: converted.map(|(hash, _)| hash),
            refusal: None,
        };
        match &exchange.answer {
            As4Answer::Error { code, detail } => Err(DeliveryFailure::Refused {
                why: format!("The receiving access point refused it: {code} {detail}. {exchanged}"),
                evidence: NewEvidence {
                    refusal: Some(format!("{code} {detail}").trim().to_owned()),
                    ..evidence
                },
            }),
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
                delivered.exchange = Some(sent_exchange(document, &outbound, &endpoint, &exchange));
                delivered.evidence = Some(evidence);
                self.records
                    .change_status(document.id, delivered)
                    .await
                    .map(|_| ())
                    .map_err(transient)
            }
        }
    }
}
