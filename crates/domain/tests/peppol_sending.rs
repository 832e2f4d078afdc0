//! The Peppol delivery channel against in-memory fakes: what the HTTP tests cannot force (a
//! document store that fails after the receipt came, an invalid query, a lookup that fails
//! between reach and deliver) and what it hands the AS4 port, including the UBL form of a
//! CII original.

#![allow(clippy::unwrap_used)] // a test fails loudly, which is what it is for

use std::sync::Mutex;

use chrono::Utc;
use haven_domain::{
    documents::{
        blobs::{ContentHash, DocumentStore},
        delivery::{
            deliver_document, Channels, DeliveryChannel, DeliveryFailure, DeliverySettings,
            PeppolFallback, Reach,
        },
        records::{
            Channel, Direction, Document, DocumentEvent, DocumentFacts, DocumentKind,
            DocumentStatus, NewDocumentEvent,
        },
        store::{
            Accepted, DocumentQuery, DocumentRecords, NewDocument, NewShareLink, NewUsage,
            PartyRecord, Received, SharedDocument, StatusChange,
        },
    },
    jobs::{ClaimedJob, JobError, JobKind, NewJob},
    links::Links,
    mail::OutgoingMail,
    paging::PageRequest,
    peppol::{
        discovery::{EndpointQuery, LocateError, PeppolEndpoint, SmpLocator},
        document_types::{InvoiceDocumentType, PeppolDocumentType, NLCIUS_INVOICE},
        reporting::{self, SchemedId},
        sending::{
            peppol_ubl, As4Answer, As4Outbound, Exchange, Outbound, PeppolChannel, PeppolForms,
            PeppolUbl, SendError, SentMessage, BIS_BILLING_CREDIT_NOTE, BIS_BILLING_INVOICE,
            INVOICE_RESPONSE, INVOICE_RESPONSE_PROCESS,
        },
    },
    DomainError, DomainResult,
};
use uuid::Uuid;

const BUYER: &str = "0106:90000032";

fn unused<T>() -> DomainResult<T> {
    Err(DomainError::Unexpected(anyhow::anyhow!(
        "not used by the Peppol channel"
    )))
}

/// Records the status changes; nothing else is used, except by the delivery job: the document
/// it delivers, and status changes that fail (`failing_changes`, the database gone).
#[derive(Default)]
struct Records {
    changes: Mutex<Vec<StatusChange>>,
    document: Option<Document>,
    failing_changes: bool,
}

impl DocumentRecords for Records {
    async fn find_party(&self, _: &str) -> DomainResult<Option<PartyRecord>> {
        unused()
    }
    async fn accept_outgoing(
        &self,
        _: NewDocument,
        _: Vec<NewDocumentEvent>,
        _: NewUsage,
        _: Vec<NewJob>,
    ) -> DomainResult<Accepted> {
        unused()
    }
    async fn accept_incoming(
        &self,
        _: NewDocument,
        _: NewUsage,
        _: Option<StatusChange>,
    ) -> DomainResult<Received> {
        unused()
    }
    async fn accept_response(
        &self,
        _: NewDocument,
        _: Vec<NewDocumentEvent>,
        _: NewUsage,
        _: Vec<NewJob>,
        _: Uuid,
        _: StatusChange,
    ) -> DomainResult<Accepted> {
        unused()
    }
    async fn deliver_response(
        &self,
        _: Uuid,
        _: StatusChange,
        _: Uuid,
        _: StatusChange,
    ) -> DomainResult<bool> {
        unused()
    }
    async fn accept_received_response(
        &self,
        _: NewDocument,
        _: StatusChange,
    ) -> DomainResult<Received> {
        unused()
    }
    async fn sent_with_number(&self, _: Uuid, _: &str) -> DomainResult<Vec<Document>> {
        unused()
    }
    async fn find_document(&self, _: Uuid, _: Uuid) -> DomainResult<Option<Document>> {
        unused()
    }
    async fn document_for_job(&self, _: Uuid) -> DomainResult<Option<Document>> {
        match &self.document {
            Some(document) => Ok(Some(document.clone())),
            None => unused(),
        }
    }
    async fn list_documents(&self, _: &DocumentQuery) -> DomainResult<Vec<Document>> {
        unused()
    }
    async fn list_events(&self, _: Uuid, _: &PageRequest) -> DomainResult<Vec<DocumentEvent>> {
        unused()
    }
    async fn change_status(&self, _: Uuid, change: StatusChange) -> DomainResult<Option<Document>> {
        if self.failing_changes {
            return Err(DomainError::Unexpected(anyhow::anyhow!(
                "the database is gone"
            )));
        }
        self.changes.lock().unwrap().push(change);
        Ok(None)
    }
    async fn add_event(&self, _: Uuid, _: NewDocumentEvent) -> DomainResult<()> {
        unused()
    }
    async fn delete_document(&self, _: Uuid, _: NewDocumentEvent) -> DomainResult<()> {
        unused()
    }
    async fn deliver_by_email(
        &self,
        _: Uuid,
        _: NewShareLink,
        _: OutgoingMail,
        _: StatusChange,
    ) -> DomainResult<Option<Document>> {
        unused()
    }
    async fn open_share_link(
        &self,
        _: &str,
        _: chrono::DateTime<Utc>,
    ) -> DomainResult<Option<SharedDocument>> {
        unused()
    }
}

/// Blobs in memory; `failing_puts` makes storing fail.
struct Blobs {
    stored: Mutex<Vec<Vec<u8>>>,
    failing_puts: bool,
}

impl Blobs {
    fn with(original: &[u8], failing_puts: bool) -> Self {
        Self {
            stored: Mutex::new(vec![original.to_vec()]),
            failing_puts,
        }
    }
}

impl DocumentStore for Blobs {
    async fn put(&self, bytes: &[u8]) -> DomainResult<ContentHash> {
        if self.failing_puts {
            return Err(DomainError::Unavailable {
                service: haven_domain::ExternalService::ObjectStorage,
                message: "the object store is down".into(),
            });
        }
        self.stored.lock().unwrap().push(bytes.to_vec());
        Ok(ContentHash::of(bytes))
    }
    async fn get(&self, hash: &ContentHash) -> DomainResult<Vec<u8>> {
        self.stored
            .lock()
            .unwrap()
            .iter()
            .find(|b| hash.matches(b))
            .cloned()
            .ok_or_else(|| DomainError::NotFound {
                entity: "blob",
                id: hash.to_string(),
            })
    }
    async fn exists(&self, hash: &ContentHash) -> DomainResult<bool> {
        Ok(self.get(hash).await.is_ok())
    }
    async fn delete(&self, _: &ContentHash) -> DomainResult<()> {
        Ok(())
    }
}

/// Answers every query alike and keeps the queries.
struct Locator {
    answer: Result<PeppolEndpoint, LocateError>,
    asked: Mutex<Vec<EndpointQuery>>,
}

impl Locator {
    fn answering(answer: Result<PeppolEndpoint, LocateError>) -> Self {
        Self {
            answer,
            asked: Mutex::default(),
        }
    }
}

impl SmpLocator for Locator {
    async fn find_endpoint(&self, query: &EndpointQuery) -> Result<PeppolEndpoint, LocateError> {
        self.asked.lock().unwrap().push(query.clone());
        self.answer.clone()
    }
}

fn endpoint() -> PeppolEndpoint {
    PeppolEndpoint {
        url: "https://ap.example/as4".into(),
        transport_profile: "peppol-transport-as4-v2_0".into(),
        certificate: vec![1, 2, 3],
    }
}

/// What was handed to the AS4 port.
#[derive(Debug, Clone)]
struct Sent {
    sender: String,
    receiver: String,
    document_type: String,
    instance_identifier: String,
    message_id: String,
    document: Vec<u8>,
}

struct Sender {
    answer: Result<As4Answer, SendError>,
    sent: Mutex<Vec<Sent>>,
}

impl Sender {
    fn answering(answer: Result<As4Answer, SendError>) -> Self {
        Self {
            answer,
            sent: Mutex::default(),
        }
    }
}

impl As4Outbound for Sender {
    async fn send(
        &self,
        _: &PeppolEndpoint,
        outbound: &Outbound<'_>,
    ) -> Result<Exchange, SendError> {
        self.sent.lock().unwrap().push(Sent {
            sender: outbound.sender.to_owned(),
            receiver: outbound.receiver.to_owned(),
            document_type: outbound.document_type.to_owned(),
            instance_identifier: outbound.instance_identifier.clone(),
            message_id: outbound.message_id.clone(),
            document: outbound.document.to_vec(),
        });
        let answer = self.answer.clone()?;
        Ok(Exchange {
            message_id: outbound.message_id.clone(),
            our_seat: "PXX000001".into(),
            their_seat: "PXX000002".into(),
            answer,
            answered_at: Utc::now(),
            country_c1: "NL".into(),
            message: SentMessage::Bytes(b"the signed message".to_vec()),
            signal: b"the signed signal".to_vec(),
        })
    }
}

/// The engine's conversion, run inline.
struct Forms;

impl PeppolForms for Forms {
    async fn peppol_ubl(&self, original: Vec<u8>) -> Result<PeppolUbl, String> {
        peppol_ubl(&original)
    }
}

/// A UBL invoice as far as the channel reads it: its root and its CustomizationID (BIS Billing
/// 3.0), which name the document type it goes under.
const ORIGINAL: &[u8] = br#"<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"><cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0</cbc:CustomizationID></Invoice>"#;

/// A valid Peppol BIS Billing 3.0 invoice in UBL.
const UBL: &str = include_str!("../../einvoice/tests/fixtures/peppol-minimal.xml");

/// [`UBL`] in CII, with `changes` (from, to) made to it.
fn cii(changes: &[(&str, &str)]) -> Vec<u8> {
    let mut xml = String::from_utf8(
        haven_einvoice::transform(UBL.as_bytes(), haven_einvoice::Syntax::Cii).unwrap(),
    )
    .unwrap();
    for (from, to) in changes {
        assert!(xml.contains(from), "{from} in the CII");
        xml = xml.replace(from, to);
    }
    xml.into_bytes()
}

fn root(xml: &[u8]) -> String {
    let xml = std::str::from_utf8(xml).unwrap();
    let start = xml.find("?>").map_or(0, |i| i + 2);
    let tag = xml[start..].trim_start().trim_start_matches('<');
    tag[..tag.find([' ', '>']).unwrap()].to_owned()
}

fn document(kind: DocumentKind, syntax: &str) -> Document {
    let now = Utc::now();
    Document {
        id: Uuid::new_v4(),
        environment_id: Uuid::new_v4(),
        organization_id: Uuid::new_v4(),
        direction: Direction::Outgoing,
        kind,
        status: DocumentStatus::Validated,
        channel: None,
        party_id: "0106:90000016".into(),
        receiver_id: None,
        facts: DocumentFacts {
            syntax: syntax.into(),
            seller_endpoint: Some("0190:00000000000000000001".into()),
            buyer_endpoint: Some(BUYER.into()),
            ..DocumentFacts::default()
        },
        content_hash: ContentHash::of(ORIGINAL),
        content_type: "application/xml".into(),
        size_bytes: ORIGINAL.len() as u64,
        idempotency_key: None,
        duplicate_of: None,
        related_id: None,
        response: None,
        created_at: now,
        updated_at: now,
        deleted_at: None,
        purged_at: None,
    }
}

struct Fixture {
    records: Records,
    blobs: Blobs,
    locator: Locator,
    sender: Sender,
}

impl Fixture {
    fn new(answer: Result<As4Answer, SendError>) -> Self {
        Self {
            records: Records::default(),
            blobs: Blobs::with(ORIGINAL, false),
            locator: Locator::answering(Ok(endpoint())),
            sender: Sender::answering(answer),
        }
    }

    fn channel(
        &self,
        delivery_id: Uuid,
    ) -> PeppolChannel<'_, Records, Blobs, Locator, Sender, Forms> {
        PeppolChannel {
            records: &self.records,
            blobs: &self.blobs,
            locator: &self.locator,
            sender: &self.sender,
            forms: &Forms,
            delivery_id,
        }
    }
}

#[tokio::test]
async fn a_receipt_delivers_with_the_exchange_and_its_evidence_in_the_history() {
    let fixture = Fixture::new(Ok(As4Answer::Receipt));
    let invoice = document(DocumentKind::Invoice, "ubl");
    let delivery = Uuid::new_v4();
    fixture
        .channel(delivery)
        .deliver(&invoice, BUYER, 3)
        .await
        .unwrap();

    let sent = fixture.sender.sent.lock().unwrap()[0].clone();
    assert_eq!(
        sent.sender, "0190:00000000000000000001",
        "the seller's EndpointID"
    );
    assert_eq!(sent.receiver, BUYER);
    assert_eq!(sent.document_type, BIS_BILLING_INVOICE);
    assert_eq!(sent.instance_identifier, invoice.id.to_string());
    assert_eq!(sent.message_id, format!("{delivery}@haven"));
    let changes = fixture.records.changes.lock().unwrap();
    assert_eq!(changes.len(), 1);
    let change = &changes[0];
    assert_eq!(change.to, DocumentStatus::Delivered);
    assert_eq!(change.channel, Some(Channel::Peppol));
    assert_eq!(change.receiver_id.as_deref(), Some(BUYER));
    assert_eq!(change.event.attempt, Some(3));
    let details = change.event.details.clone().unwrap();
    for part in [
        sent.message_id.as_str(),
        "from PXX000001 to PXX000002",
        &format!("message sha256:{}", ContentHash::of(b"the signed message")),
        &format!("signal sha256:{}", ContentHash::of(b"the signed signal")),
    ] {
        assert!(details.contains(part), "{part} in {details}");
    }
    assert_eq!(
        fixture.blobs.stored.lock().unwrap().len(),
        3,
        "evidence stored"
    );
    // The reporting record travels with the status change, so it is written in its
    // transaction.
    let exchange = change.exchange.clone().expect("a reporting record");
    assert_eq!(exchange.direction, reporting::Direction::Outgoing);
    assert_eq!(exchange.message_id, sent.message_id);
    assert_eq!(
        (exchange.our_seat.as_str(), exchange.their_seat.as_str()),
        ("PXX000001", "PXX000002")
    );
    assert_eq!(
        exchange.sender,
        SchemedId::new("iso6523-actorid-upis", "0190:00000000000000000001")
    );
    assert_eq!(
        exchange.receiver,
        SchemedId::new("iso6523-actorid-upis", BUYER)
    );
    assert_eq!(
        exchange.document_type,
        SchemedId::new("busdox-docid-qns", BIS_BILLING_INVOICE)
    );
    assert_eq!(
        exchange.process,
        SchemedId::new(
            "cenbii-procid-ubl",
            "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
        )
    );
    assert_eq!(exchange.transport_profile, "peppol-transport-as4-v2_0");
    assert_eq!(exchange.country_c1, "NL");
    assert_eq!(exchange.country_c4, None);
    assert_eq!(exchange.end_user_id, invoice.organization_id);
}

#[tokio::test]
async fn attempts_of_one_delivery_share_the_message_id_and_resends_get_another() {
    let fixture = Fixture::new(Err(SendError::Transient("could not connect".into())));
    let invoice = document(DocumentKind::Invoice, "ubl");
    let (round_one, round_two) = (Uuid::new_v4(), Uuid::new_v4());
    for (delivery, attempt) in [(round_one, 1), (round_one, 2), (round_two, 1)] {
        let failure = fixture
            .channel(delivery)
            .deliver(&invoice, BUYER, attempt)
            .await
            .unwrap_err();
        assert!(
            matches!(&failure, DeliveryFailure::Transient(why) if why.contains("could not connect")),
            "{failure:?}"
        );
    }
    let ids: Vec<String> = fixture
        .sender
        .sent
        .lock()
        .unwrap()
        .iter()
        .map(|s| s.message_id.clone())
        .collect();
    assert_eq!(ids[0], ids[1]);
    assert_ne!(ids[0], ids[2]);
    assert!(fixture.records.changes.lock().unwrap().is_empty());
}

#[tokio::test]
async fn refusals_are_final_and_nothing_is_recorded_by_the_channel() {
    for (answer, expected) in [
        (
            Ok(As4Answer::Error {
                code: "EBMS:0004".into(),
                detail: "PEPPOL:NOT_SERVICED".into(),
            }),
            "EBMS:0004 PEPPOL:NOT_SERVICED",
        ),
        (
            Err(SendError::Refused("untrusted certificate".into())),
            "untrusted certificate",
        ),
        (Err(SendError::Rejected("HTTP 404".into())), "HTTP 404"),
    ] {
        let fixture = Fixture::new(answer);
        let sent = document(DocumentKind::Invoice, "ubl");
        let failure = fixture
            .channel(Uuid::new_v4())
            .deliver(&sent, BUYER, 1)
            .await
            .unwrap_err();
        let why = match &failure {
            DeliveryFailure::Permanent(why) => why,
            // A signed refusal carries its evidence: the error's code and description.
            DeliveryFailure::Refused { why, evidence } => {
                assert_eq!(evidence.refusal.as_deref(), Some(expected));
                assert_eq!(evidence.document_id, sent.id);
                why
            }
            other => panic!("{other:?}"),
        };
        assert!(why.contains(expected), "{why}");
        // The delivery job records the failure; the channel only reports it.
        assert!(fixture.records.changes.lock().unwrap().is_empty());
    }
}

/// A channel that reaches nobody (the internal and email channels of a buyer elsewhere).
struct Nowhere(Channel);

impl DeliveryChannel for Nowhere {
    fn channel(&self) -> Channel {
        self.0
    }
    async fn reach(&self, _: &str, _: PeppolDocumentType) -> Reach {
        Reach::NotRegistered("not here".into())
    }
    async fn deliver(&self, _: &Document, _: &str, _: u32) -> Result<(), DeliveryFailure> {
        Err(DeliveryFailure::NotReachable("not here".into()))
    }
}

#[tokio::test]
async fn a_refusal_whose_failed_status_cannot_be_written_runs_again_and_is_final_once_written() {
    let fixture = Fixture::new(Ok(As4Answer::Error {
        code: "EBMS:0004".into(),
        detail: "PEPPOL:NOT_SERVICED".into(),
    }));
    let mut sent = document(DocumentKind::Invoice, "ubl");
    sent.facts.buyer_email = None;
    let channels = Channels {
        internal: Nowhere(Channel::Internal),
        peppol: fixture.channel(Uuid::new_v4()),
        email: Nowhere(Channel::Email),
    };
    let settings = DeliverySettings {
        max_attempts: 5,
        peppol_fallback: PeppolFallback::Email,
        link_days: 30,
        links: Links::new("https://haven.example"),
        received_price: "0.00".into(),
    };
    let job = ClaimedJob {
        id: Uuid::new_v4(),
        kind: JobKind::DeliverDocument,
        payload: serde_json::json!({"document_id": sent.id}),
        attempt: 1,
        max_attempts: 5,
    };

    // The database is gone when the refusal is to be written: the job runs again.
    let gone = Records {
        document: Some(sent.clone()),
        failing_changes: true,
        ..Records::default()
    };
    let outcome = deliver_document(&gone, &channels, &settings, &job).await;
    match outcome {
        Err(JobError::Retry(why)) => assert!(why.contains("recording the failure"), "{why}"),
        other => panic!("expected a retry, got {other:?}"),
    }

    // Once it can be written, the refusal is final, with its evidence in the same change.
    let back = Records {
        document: Some(sent.clone()),
        ..Records::default()
    };
    let outcome = deliver_document(&back, &channels, &settings, &job).await;
    assert!(
        matches!(outcome, Err(JobError::Permanent(_))),
        "{outcome:?}"
    );
    let changes = back.changes.lock().unwrap();
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].to, DocumentStatus::Failed);
    assert!(changes[0].evidence.is_some());
}

#[tokio::test]
async fn a_receipt_whose_evidence_cannot_be_stored_is_sent_again_later() {
    let mut fixture = Fixture::new(Ok(As4Answer::Receipt));
    fixture.blobs = Blobs::with(ORIGINAL, true);
    let failure = fixture
        .channel(Uuid::new_v4())
        .deliver(&document(DocumentKind::Invoice, "ubl"), BUYER, 1)
        .await
        .unwrap_err();
    assert!(
        matches!(failure, DeliveryFailure::Transient(_)),
        "{failure:?}"
    );
    assert!(fixture.records.changes.lock().unwrap().is_empty());
}

/// A fixture whose stored original is `original`, of `kind` in `syntax`.
fn with_original(original: &[u8], kind: DocumentKind, syntax: &str) -> (Fixture, Document) {
    let mut fixture = Fixture::new(Ok(As4Answer::Receipt));
    fixture.blobs = Blobs::with(original, false);
    let mut document = document(kind, syntax);
    document.content_hash = ContentHash::of(original);
    document.size_bytes = original.len() as u64;
    (fixture, document)
}

#[tokio::test]
async fn a_cii_original_goes_in_its_ubl_form_named_in_the_history() {
    let original = cii(&[]);
    let (fixture, invoice) = with_original(&original, DocumentKind::Invoice, "cii");
    fixture
        .channel(Uuid::new_v4())
        .deliver(&invoice, BUYER, 1)
        .await
        .unwrap();

    let sent = fixture.sender.sent.lock().unwrap()[0].clone();
    assert_eq!(root(&sent.document), "Invoice", "UBL went");
    assert_eq!(sent.document_type, BIS_BILLING_INVOICE);
    let ubl = std::str::from_utf8(&sent.document).unwrap();
    assert!(
        ubl.contains("<cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0</cbc:CustomizationID>"),
        "{ubl}"
    );
    assert!(
        ubl.contains("<cbc:ProfileID>urn:fdc:peppol.eu:2017:poacc:billing:01:1.0</cbc:ProfileID>"),
        "{ubl}"
    );
    let report =
        haven_einvoice::validate(&sent.document, &haven_einvoice::ValidateOptions::default());
    assert!(report.valid, "{:?}", report.findings);
    // The UBL sent is stored next to the evidence, and the original is unchanged.
    let converted = ContentHash::of(&sent.document);
    assert!(fixture
        .blobs
        .stored
        .lock()
        .unwrap()
        .contains(&sent.document));
    assert!(fixture.blobs.stored.lock().unwrap().contains(&original));
    let changes = fixture.records.changes.lock().unwrap();
    let details = changes[0].event.details.clone().unwrap();
    assert!(
        details.contains(&format!(
            "UBL sent sha256:{converted} (made from the CII original)"
        )),
        "{details}"
    );
    assert!(details.contains("message sha256:"), "{details}");
}

#[tokio::test]
async fn a_cii_credit_note_is_looked_up_and_sent_as_a_ubl_credit_note() {
    // A Dutch seller's credit note names the invoice it corrects (NL-R-001).
    let original = cii(&[
        (
            "<ram:TypeCode>380</ram:TypeCode>",
            "<ram:TypeCode>381</ram:TypeCode>",
        ),
        (
            "</ram:SpecifiedTradeSettlementHeaderMonetarySummation>",
            "</ram:SpecifiedTradeSettlementHeaderMonetarySummation><ram:InvoiceReferencedDocument><ram:IssuerAssignedID>HAVEN-0000</ram:IssuerAssignedID></ram:InvoiceReferencedDocument>",
        ),
    ]);
    let (fixture, credit_note) = with_original(&original, DocumentKind::CreditNote, "cii");
    fixture
        .channel(Uuid::new_v4())
        .deliver(&credit_note, BUYER, 1)
        .await
        .unwrap();
    let asked = fixture.locator.asked.lock().unwrap().clone();
    assert_eq!(
        asked[0].document_type,
        format!("busdox-docid-qns::{BIS_BILLING_CREDIT_NOTE}")
    );
    let sent = fixture.sender.sent.lock().unwrap()[0].clone();
    assert_eq!(sent.document_type, BIS_BILLING_CREDIT_NOTE);
    assert_eq!(root(&sent.document), "CreditNote");
}

/// A hybrid PDF (Factur-X) carrying `xml` as `factur-x.xml`, uncompressed.
fn factur_x(xml: &[u8]) -> Vec<u8> {
    let mut embedded = format!(
        "<< /Type /EmbeddedFile /Subtype /text#2Fxml /Length {} >>\nstream\n",
        xml.len()
    )
    .into_bytes();
    embedded.extend_from_slice(xml);
    embedded.extend_from_slice(b"\nendstream");
    let objects = [
        b"<< /Type /Catalog /Names << /EmbeddedFiles << /Names [(factur-x.xml) 2 0 R] >> >> >>".to_vec(),
        b"<< /Type /Filespec /F (factur-x.xml) /UF (factur-x.xml) /EF << /F 3 0 R >> /AFRelationship /Data >>".to_vec(),
        embedded,
    ];
    let mut pdf = b"%PDF-1.7\n".to_vec();
    for (i, object) in objects.iter().enumerate() {
        pdf.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        pdf.extend_from_slice(object);
        pdf.extend_from_slice(b"\nendobj\n");
    }
    pdf.extend_from_slice(b"trailer\n<< /Root 1 0 R >>\n%%EOF\n");
    pdf
}

#[tokio::test]
async fn a_factur_x_original_goes_as_the_ubl_made_from_its_cii() {
    let original = factur_x(&cii(&[]));
    let (fixture, mut invoice) = with_original(&original, DocumentKind::Invoice, "cii");
    invoice.content_type = "application/pdf".into();
    fixture
        .channel(Uuid::new_v4())
        .deliver(&invoice, BUYER, 1)
        .await
        .unwrap();
    let sent = fixture.sender.sent.lock().unwrap()[0].clone();
    assert_eq!(root(&sent.document), "Invoice");
    let changes = fixture.records.changes.lock().unwrap();
    let details = changes[0].event.details.clone().unwrap();
    assert!(
        details.contains(&format!(
            "UBL sent sha256:{} (made from the CII in the PDF original)",
            ContentHash::of(&sent.document)
        )),
        "{details}"
    );
}

#[tokio::test]
async fn an_nlcius_cii_goes_as_si_ubl_under_its_own_identifier() {
    const NLCIUS: &str = "urn:cen.eu:en16931:2017#compliant#urn:fdc:nen.nl:nlcius:v1.0";
    let original = cii(&[(
        "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0",
        NLCIUS,
    )]);
    let (fixture, mut invoice) = with_original(&original, DocumentKind::Invoice, "cii");
    invoice.facts.profile = Some("nlciusCii".into());
    fixture
        .channel(Uuid::new_v4())
        .deliver(&invoice, BUYER, 1)
        .await
        .unwrap();
    // Looked up and sent under the SI-UBL 2.0 document type, not BIS Billing's.
    let asked = fixture.locator.asked.lock().unwrap().clone();
    assert_eq!(
        asked[0].document_type,
        format!("busdox-docid-qns::{NLCIUS_INVOICE}")
    );
    let sent = fixture.sender.sent.lock().unwrap()[0].clone();
    assert_eq!(sent.document_type, NLCIUS_INVOICE);
    let ubl = std::str::from_utf8(&sent.document).unwrap();
    assert!(
        ubl.contains(&format!(
            "<cbc:CustomizationID>{NLCIUS}</cbc:CustomizationID>"
        )),
        "{ubl}"
    );
}

#[tokio::test]
async fn a_ubl_whose_customization_id_is_no_peppol_document_type_is_refused_with_nothing_sent() {
    // An EN 16931 UBL (no Peppol CIUS) has no document type Haven sends: refused, not
    // relabelled as BIS Billing.
    let plain = String::from_utf8(ORIGINAL.to_vec()).unwrap().replace(
        "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0",
        "urn:cen.eu:en16931:2017",
    );
    let (fixture, invoice) = with_original(plain.as_bytes(), DocumentKind::Invoice, "ubl");
    let failure = fixture
        .channel(Uuid::new_v4())
        .deliver(&invoice, BUYER, 1)
        .await
        .unwrap_err();
    assert!(
        matches!(&failure, DeliveryFailure::Permanent(why) if why.contains("CustomizationID")),
        "{failure:?}"
    );
    assert!(fixture.sender.sent.lock().unwrap().is_empty());

    // An SI-UBL 2.0 document routed as BIS Billing (its facts said so) is not sent under the
    // wrong type either.
    let nlcius = String::from_utf8(ORIGINAL.to_vec()).unwrap().replace(
        "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0",
        "urn:cen.eu:en16931:2017#compliant#urn:fdc:nen.nl:nlcius:v1.0",
    );
    let (fixture, invoice) = with_original(nlcius.as_bytes(), DocumentKind::Invoice, "ubl");
    let failure = fixture
        .channel(Uuid::new_v4())
        .deliver(&invoice, BUYER, 1)
        .await
        .unwrap_err();
    assert!(
        matches!(&failure, DeliveryFailure::Permanent(why) if why.contains("SI-UBL 2.0 (NLCIUS) invoice")),
        "{failure:?}"
    );
    assert!(fixture.sender.sent.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_cii_that_is_not_peppol_bis_fails_with_the_rule_ids_and_nothing_is_sent() {
    // EN 16931 but not Peppol BIS: not relabelled, refused by the Peppol rules.
    let original = cii(&[(
        "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0",
        "urn:cen.eu:en16931:2017",
    )]);
    let (fixture, invoice) = with_original(&original, DocumentKind::Invoice, "cii");
    let failure = fixture
        .channel(Uuid::new_v4())
        .deliver(&invoice, BUYER, 1)
        .await
        .unwrap_err();
    assert!(
        matches!(&failure, DeliveryFailure::Permanent(why)
            if why.contains("PEPPOL-EN16931-R004") && why.contains("Not sent over Peppol")),
        "{failure:?}"
    );
    assert!(fixture.sender.sent.lock().unwrap().is_empty());
    assert!(fixture.records.changes.lock().unwrap().is_empty());

    // Not an invoice at all: the conversion fails, permanently too.
    let (fixture, invoice) = with_original(ORIGINAL, DocumentKind::Invoice, "cii");
    let failure = fixture
        .channel(Uuid::new_v4())
        .deliver(&invoice, BUYER, 1)
        .await
        .unwrap_err();
    assert!(
        matches!(failure, DeliveryFailure::Permanent(_)),
        "{failure:?}"
    );
    assert!(fixture.sender.sent.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_cii_original_to_an_unregistered_receiver_falls_through_and_a_failing_lookup_is_passing()
{
    let mut fixture = Fixture::new(Ok(As4Answer::Receipt));
    fixture.locator = Locator::answering(Err(LocateError::NotRegistered("no SMP".into())));
    let cii = fixture
        .channel(Uuid::new_v4())
        .deliver(&document(DocumentKind::Invoice, "cii"), BUYER, 1)
        .await
        .unwrap_err();
    assert!(matches!(cii, DeliveryFailure::NotReachable(_)), "{cii:?}");
    assert!(fixture.sender.sent.lock().unwrap().is_empty());

    let mut failing = Fixture::new(Ok(As4Answer::Receipt));
    failing.locator = Locator::answering(Err(LocateError::Failed("SMP said 503".into())));
    let failure = failing
        .channel(Uuid::new_v4())
        .deliver(&document(DocumentKind::Invoice, "ubl"), BUYER, 1)
        .await
        .unwrap_err();
    assert!(
        matches!(&failure, DeliveryFailure::Transient(why) if why.contains("503")),
        "{failure:?}"
    );
}

#[tokio::test]
async fn reach_asks_for_the_documents_type_and_keeps_not_registered_apart_from_failures() {
    let fixture = Fixture::new(Ok(As4Answer::Receipt));
    let channel = fixture.channel(Uuid::nil());
    assert_eq!(
        channel
            .reach(BUYER, PeppolDocumentType::bis(DocumentKind::CreditNote))
            .await,
        Reach::Deliverable
    );
    assert_eq!(
        channel
            .reach(BUYER, PeppolDocumentType::InvoiceResponse)
            .await,
        Reach::Deliverable
    );
    assert_eq!(
        channel
            .reach(
                BUYER,
                PeppolDocumentType::Invoice(InvoiceDocumentType::NlciusInvoice)
            )
            .await,
        Reach::Deliverable
    );
    let asked = fixture.locator.asked.lock().unwrap().clone();
    assert_eq!(
        asked[0].participant,
        format!("iso6523-actorid-upis::{BUYER}")
    );
    assert_eq!(
        asked[0].document_type,
        format!("busdox-docid-qns::{BIS_BILLING_CREDIT_NOTE}")
    );
    assert_eq!(
        asked[1].document_type,
        format!("busdox-docid-qns::{INVOICE_RESPONSE}")
    );
    assert_eq!(
        asked[1].process,
        format!("cenbii-procid-ubl::{INVOICE_RESPONSE_PROCESS}")
    );
    // SI-UBL 2.0 is asked for under its own document type, in the BIS Billing process.
    assert_eq!(
        asked[2].document_type,
        format!("busdox-docid-qns::{NLCIUS_INVOICE}")
    );
    assert_eq!(
        asked[2].process,
        "cenbii-procid-ubl::urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
    );

    for (answer, expected) in [
        (
            LocateError::NotRegistered("no SMP".into()),
            Reach::NotRegistered("no SMP (Peppol BIS Billing 3.0 invoice)".into()),
        ),
        (
            LocateError::InvalidQuery("bad id".into()),
            Reach::NotRegistered("bad id (Peppol BIS Billing 3.0 invoice)".into()),
        ),
        (
            LocateError::Failed("SERVFAIL".into()),
            Reach::LookupFailed("SERVFAIL".into()),
        ),
    ] {
        let mut fixture = Fixture::new(Ok(As4Answer::Receipt));
        fixture.locator = Locator::answering(Err(answer));
        assert_eq!(
            fixture
                .channel(Uuid::nil())
                .reach(BUYER, PeppolDocumentType::bis(DocumentKind::Invoice))
                .await,
            expected
        );
    }
}
