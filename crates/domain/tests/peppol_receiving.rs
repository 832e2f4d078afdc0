//! The AS4 receiving use case against in-memory fakes: a message recorded before is answered
//! with the stored receipt and nothing else happens; the same MessageId with other bytes is
//! handled as a new delivery.

#![allow(clippy::unwrap_used)] // a test fails loudly, which is what it is for

use std::sync::Mutex;

use chrono::Utc;
use haven_domain::{
    documents::{
        blobs::{ContentHash, DocumentStore},
        records::{Document, DocumentEvent, NewDocumentEvent},
        sending::Inspector,
        store::{
            Accepted, DocumentQuery, DocumentRecords, NewDocument, NewShareLink, NewUsage,
            PartyRecord, Received, SharedDocument, StatusChange,
        },
    },
    hooks::{records::NewHookEvent, store::HookEvents},
    jobs::NewJob,
    mail::OutgoingMail,
    paging::PageRequest,
    peppol::{
        receiving::{
            evidence, receive_message, As4Inbound, FailedMessage, Inbound, OpenResult, Posted,
            ReceivedMessage, ReceivedMessages, Refusal, Signal,
        },
        refusals::{
            record_refusal, AnsweredError, IncomingRefusal, IncomingRefusals, NewRefusal,
            RefusalNote, RefusalQuery, RefusalReason, RefusedBytes, UNVERIFIED_KEPT_BYTES,
            UNVERIFIED_KEPT_PER_HOUR,
        },
        reporting::{ExchangeRecord, SchemedId},
        sending::{BILLING_PROCESS, BIS_BILLING_INVOICE},
    },
    DomainError, DomainResult,
};
use uuid::Uuid;

const CONTENT_TYPE: &str = "multipart/related; boundary=x";

fn unused<T>() -> DomainResult<T> {
    Err(DomainError::Unexpected(anyhow::anyhow!(
        "not used by receiving a recorded message"
    )))
}

/// The records: one received message at most; counts what else is asked.
#[derive(Default)]
struct Records {
    received: Mutex<Option<ReceivedMessage>>,
    parties_asked: Mutex<u32>,
    refusals: Mutex<Vec<NewRefusal>>,
    /// What `unverified_kept_since` answers.
    unverified_kept: u64,
}

impl DocumentRecords for Records {
    async fn find_party(&self, _: &str) -> DomainResult<Option<PartyRecord>> {
        // Nobody receives here: a message that gets this far is refused NOT_SERVICED.
        *self.parties_asked.lock().unwrap() += 1;
        Ok(None)
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
        unused()
    }
    async fn list_documents(&self, _: &DocumentQuery) -> DomainResult<Vec<Document>> {
        unused()
    }
    async fn list_events(&self, _: Uuid, _: &PageRequest) -> DomainResult<Vec<DocumentEvent>> {
        unused()
    }
    async fn change_status(&self, _: Uuid, _: StatusChange) -> DomainResult<Option<Document>> {
        unused()
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

impl HookEvents for Records {
    async fn raise_event(&self, _: NewHookEvent) -> DomainResult<()> {
        unused()
    }
}

impl ReceivedMessages for Records {
    async fn find_received(
        &self,
        sender_access_point: &str,
        message_id: &str,
    ) -> DomainResult<Option<ReceivedMessage>> {
        Ok(self
            .received
            .lock()
            .unwrap()
            .clone()
            .filter(|m| m.sender_access_point == sender_access_point && m.message_id == message_id))
    }
    async fn record_received(
        &self,
        _: ReceivedMessage,
        _: ExchangeRecord,
        _: Option<haven_domain::peppol::evidence::NewEvidence>,
    ) -> DomainResult<ReceivedMessage> {
        unused()
    }
}

impl IncomingRefusals for Records {
    async fn record_refusal(&self, refusal: NewRefusal) -> DomainResult<()> {
        self.refusals.lock().unwrap().push(refusal);
        Ok(())
    }
    async fn unverified_kept_since(&self, _: chrono::DateTime<Utc>) -> DomainResult<u64> {
        Ok(self.unverified_kept)
    }
    async fn list_refusals(&self, _: &RefusalQuery) -> DomainResult<Vec<IncomingRefusal>> {
        unused()
    }
    async fn find_refusal(&self, _: Uuid) -> DomainResult<Option<IncomingRefusal>> {
        unused()
    }
}

/// Blobs in memory.
#[derive(Default)]
struct Blobs {
    stored: Mutex<Vec<Vec<u8>>>,
}

impl DocumentStore for Blobs {
    async fn put(&self, bytes: &[u8]) -> DomainResult<ContentHash> {
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

/// Never asked: neither case reaches validation.
struct NoInspector;

impl Inspector for NoInspector {
    async fn inspect(&self, _: Vec<u8>) -> haven_einvoice::Inspection {
        panic!("the document is not inspected")
    }
    async fn pdf_text(
        &self,
        _: Vec<u8>,
    ) -> Result<haven_einvoice::recognition::PdfText, haven_einvoice::recognition::TextError> {
        panic!("not used")
    }
    async fn visual_pdf(&self, _: Vec<u8>) -> Result<Vec<u8>, String> {
        panic!("not used")
    }
}

/// Opens every message as `MSG-1` from PXX000001; counts the receipts it signs.
#[derive(Default)]
struct Gateway {
    receipts: Mutex<u32>,
}

impl As4Inbound for Gateway {
    type Opened = ();
    type Failed = ();

    async fn open(&self, posted: Posted) -> DomainResult<OpenResult<(), ()>> {
        Ok(Ok((
            Inbound {
                message_id: "MSG-1".into(),
                sender_access_point: "PXX000001".into(),
                receiver_access_point: "PXX000002".into(),
                sender: "0106:12345678".into(),
                receiver: "0106:90000032".into(),
                instance_identifier: "INSTANCE-1".into(),
                participant_scheme: "iso6523-actorid-upis".into(),
                document_type: SchemedId::new("busdox-docid-qns", BIS_BILLING_INVOICE),
                process: SchemedId::new("cenbii-procid-ubl", BILLING_PROCESS),
                country_c1: "NL".into(),
                transport_profile: "peppol-transport-as4-v2_0".into(),
                document: b"<Invoice/>".to_vec(),
            },
            (),
            posted,
        )))
    }
    fn oversized(&self, _: &Posted, _: u64) {}
    async fn receipt(&self, _: &()) -> DomainResult<Signal> {
        *self.receipts.lock().unwrap() += 1;
        Ok(Signal {
            content_type: "application/soap+xml".into(),
            body: b"a new receipt".to_vec(),
        })
    }
    async fn refuse(&self, _: &(), refusal: Refusal) -> DomainResult<Signal> {
        Ok(Signal {
            content_type: "application/soap+xml".into(),
            body: format!("refused: {refusal:?}").into_bytes(),
        })
    }
    async fn answer_failed(&self, _: &()) -> DomainResult<Signal> {
        unused()
    }
    fn describe_failed(&self, (): &()) -> FailedMessage {
        panic!("every message opens")
    }
    fn refusal_error(&self, refusal: &Refusal) -> AnsweredError {
        AnsweredError {
            ebms_code: "EBMS:0004".into(),
            peppol_code: (*refusal == Refusal::NotServiced).then(|| "PEPPOL:NOT_SERVICED".into()),
        }
    }
}

/// Records with `MSG-1` from PXX000001 received as `posted`, answered with `receipt`, whose
/// evidence is in `blobs`.
async fn recorded(posted: &[u8], receipt: &Signal, blobs: &Blobs) -> Records {
    let message_hash = blobs.put(&evidence(CONTENT_TYPE, posted)).await.unwrap();
    let receipt_hash = blobs
        .put(&evidence(&receipt.content_type, &receipt.body))
        .await
        .unwrap();
    Records {
        received: Mutex::new(Some(ReceivedMessage {
            sender_access_point: "PXX000001".into(),
            message_id: "MSG-1".into(),
            document_id: Some(Uuid::new_v4()),
            message_hash,
            receipt_hash,
            received_at: Utc::now(),
        })),
        ..Records::default()
    }
}

#[tokio::test]
async fn a_message_received_before_gets_the_stored_receipt_and_nothing_else_happens() {
    let blobs = Blobs::default();
    let first = Signal {
        content_type: "application/soap+xml; charset=utf-8".into(),
        body: b"the receipt sent then\r\n\r\nwith a blank line".to_vec(),
    };
    let records = recorded(b"the message", &first, &blobs).await;
    let stored = blobs.stored.lock().unwrap().len();
    let gateway = Gateway::default();

    let answer = receive_message(
        &records,
        &blobs,
        &NoInspector,
        &gateway,
        "0.34".into(),
        Posted::from_body(CONTENT_TYPE.into(), b"the message".to_vec()).unwrap(),
    )
    .await
    .unwrap();

    assert_eq!(answer.content_type, first.content_type);
    assert_eq!(answer.body, first.body);
    assert_eq!(*gateway.receipts.lock().unwrap(), 0, "no receipt is signed");
    assert_eq!(
        *records.parties_asked.lock().unwrap(),
        0,
        "nothing is handed over"
    );
    assert_eq!(
        blobs.stored.lock().unwrap().len(),
        stored,
        "nothing is stored"
    );
}

#[tokio::test]
async fn the_same_message_id_with_other_bytes_is_handled_as_a_new_delivery() {
    let blobs = Blobs::default();
    let first = Signal {
        content_type: "application/soap+xml".into(),
        body: b"the receipt sent then".to_vec(),
    };
    let records = recorded(b"the message", &first, &blobs).await;
    let gateway = Gateway::default();

    let answer = receive_message(
        &records,
        &blobs,
        &NoInspector,
        &gateway,
        "0.34".into(),
        Posted::from_body(CONTENT_TYPE.into(), b"the message, built again".to_vec()).unwrap(),
    )
    .await
    .unwrap();

    // It went on to the receiver (nobody receives in this fake) instead of the old receipt.
    assert_eq!(*records.parties_asked.lock().unwrap(), 1);
    assert_eq!(answer.body, b"refused: NotServiced".to_vec());
    // The refusal is recorded with the message as posted and the error that answered it.
    let refusals = records.refusals.lock().unwrap().clone();
    assert_eq!(refusals.len(), 1);
    let refusal = &refusals[0];
    assert_eq!(refusal.reason, RefusalReason::NotServiced);
    assert!(refusal.sender_verified);
    assert_eq!(refusal.message_id.as_deref(), Some("MSG-1"));
    assert_eq!(
        refusal.error.as_ref().unwrap().peppol_code.as_deref(),
        Some("PEPPOL:NOT_SERVICED")
    );
    let kept = evidence(CONTENT_TYPE, b"the message, built again");
    assert_eq!(refusal.message_hash, Some(ContentHash::of(&kept)));
    assert!(blobs
        .get(refusal.signal_hash.as_ref().unwrap())
        .await
        .is_ok());
}

fn unauthenticated() -> RefusalNote {
    RefusalNote {
        reason: RefusalReason::Authentication,
        sender_access_point: Some("PXX000009".into()),
        sender_verified: false,
        message_id: Some("MSG-9".into()),
        error: Some(AnsweredError {
            ebms_code: "EBMS:0101".into(),
            peppol_code: None,
        }),
        description: "the signature does not verify".into(),
    }
}

#[tokio::test]
async fn of_an_unauthenticated_sender_a_prefix_is_kept_and_nothing_past_the_hourly_cap() {
    let body = vec![b'x'; UNVERIFIED_KEPT_BYTES * 3];
    let posted = Posted::from_body(CONTENT_TYPE.into(), body.clone()).unwrap();
    let message = evidence(CONTENT_TYPE, &body);
    let blobs = Blobs::default();
    let records = Records::default();
    record_refusal(
        &records,
        &blobs,
        unauthenticated(),
        RefusedBytes::Posted(&posted),
        Some(b"the error"),
    )
    .await
    .unwrap();
    let kept = records.refusals.lock().unwrap()[0].clone();
    assert!(kept.message_truncated);
    let bytes = blobs
        .get(kept.message_hash.as_ref().unwrap())
        .await
        .unwrap();
    assert_eq!(bytes, &message[..UNVERIFIED_KEPT_BYTES]);
    assert!(kept.signal_hash.is_some());

    // Past the cap: a record without bytes (neither the message nor the answer).
    let flooded = Records {
        unverified_kept: UNVERIFIED_KEPT_PER_HOUR,
        ..Records::default()
    };
    let blobs = Blobs::default();
    record_refusal(
        &flooded,
        &blobs,
        unauthenticated(),
        RefusedBytes::Posted(&posted),
        Some(b"the error"),
    )
    .await
    .unwrap();
    let record = flooded.refusals.lock().unwrap()[0].clone();
    assert_eq!(record.message_hash, None);
    assert_eq!(record.signal_hash, None);
    assert_eq!(record.sender_access_point.as_deref(), Some("PXX000009"));
    assert!(blobs.stored.lock().unwrap().is_empty());

    // An authenticated sender's message is kept whole, whatever the cap.
    let mut note = unauthenticated();
    note.sender_verified = true;
    record_refusal(&flooded, &blobs, note, RefusedBytes::Posted(&posted), None)
        .await
        .unwrap();
    let record = flooded.refusals.lock().unwrap()[1].clone();
    assert!(!record.message_truncated);
    assert_eq!(
        blobs
            .get(record.message_hash.as_ref().unwrap())
            .await
            .unwrap(),
        message
    );
}

#[tokio::test]
async fn a_stored_receipt_that_is_missing_is_an_error_not_a_new_receipt() {
    let blobs = Blobs::default();
    let first = Signal {
        content_type: "application/soap+xml".into(),
        body: b"the receipt sent then".to_vec(),
    };
    let records = recorded(b"the message", &first, &blobs).await;
    // The receipt's blob is gone (purged, or a store that lost it).
    blobs
        .stored
        .lock()
        .unwrap()
        .retain(|b| !b.ends_with(b"the receipt sent then"));
    let gateway = Gateway::default();

    let answer = receive_message(
        &records,
        &blobs,
        &NoInspector,
        &gateway,
        "0.34".into(),
        Posted::from_body(CONTENT_TYPE.into(), b"the message".to_vec()).unwrap(),
    )
    .await;

    assert!(
        matches!(answer, Err(DomainError::Unexpected(_))),
        "{answer:?}"
    );
    assert_eq!(*gateway.receipts.lock().unwrap(), 0);
}
