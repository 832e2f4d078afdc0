//! The record of received AS4 messages on a real database (SQLite, or PostgreSQL when
//! HAVEN_TEST_DATABASE_URL is set): one row per sending access point and MessageId, whoever
//! records it first, also when several record it at the same instant; its reporting record
//! is written with the row that is inserted, so the message is counted once.

use chrono::Utc;
use haven_domain::{
    documents::blobs::ContentHash,
    peppol::{
        receiving::{ReceivedMessage, ReceivedMessages},
        reporting::{Direction, ExchangeRecord, ReportingMonth, ReportingRecords, SchemedId},
    },
};
use haven_persistence::testing::TestDatabase;
use uuid::Uuid;

fn message(sender_access_point: &str, receipt: &str) -> ReceivedMessage {
    ReceivedMessage {
        sender_access_point: sender_access_point.into(),
        message_id: "a1b2@sender.example".into(),
        document_id: Some(Uuid::new_v4()),
        message_hash: ContentHash::of(b"the message"),
        receipt_hash: ContentHash::of(receipt.as_bytes()),
        received_at: Utc::now(),
    }
}

fn exchange(m: &ReceivedMessage) -> ExchangeRecord {
    ExchangeRecord {
        direction: Direction::Incoming,
        exchanged_at: m.received_at,
        message_id: m.message_id.clone(),
        our_seat: "PXX000002".into(),
        their_seat: m.sender_access_point.clone(),
        sender: SchemedId::new("iso6523-actorid-upis", "0106:12345678"),
        receiver: SchemedId::new("iso6523-actorid-upis", "0106:90000032"),
        document_type: SchemedId::new("busdox-docid-qns", "urn:x::Invoice##urn:y::2.1"),
        process: SchemedId::new("cenbii-procid-ubl", "urn:p"),
        transport_profile: "peppol-transport-as4-v2_0".into(),
        country_c1: "BE".into(),
        country_c4: Some("NL".into()),
        end_user_id: Uuid::new_v4(),
    }
}

#[tokio::test]
async fn concurrent_records_of_one_message_agree_on_the_first() {
    let test_db = TestDatabase::new().await;
    let db = &test_db.db;
    assert_eq!(
        db.find_received("PXX000001", "a1b2@sender.example")
            .await
            .expect("find"),
        None
    );

    let candidates: Vec<ReceivedMessage> = (0..8)
        .map(|i| message("PXX000001", &format!("receipt {i}")))
        .collect();
    let results = futures_util::future::join_all(
        candidates
            .iter()
            .map(|m| db.record_received(m.clone(), exchange(m), None)),
    )
    .await;
    let rows: Vec<ReceivedMessage> = results
        .into_iter()
        .map(|r| r.expect("record_received"))
        .collect();
    let first = &rows[0];
    assert!(
        rows.iter().all(|row| row == first),
        "one row on {}",
        test_db.backend_name()
    );
    assert!(candidates
        .iter()
        .any(|c| c.receipt_hash == first.receipt_hash));
    assert_eq!(
        db.find_received("PXX000001", "a1b2@sender.example")
            .await
            .expect("find")
            .as_ref(),
        Some(first)
    );

    // The same MessageId from another access point is another message.
    let other = message("PXX000003", "receipt of another");
    let recorded = db
        .record_received(other.clone(), exchange(&other), None)
        .await
        .expect("record");
    assert_eq!(recorded.sender_access_point, "PXX000003");
    assert_eq!(recorded.receipt_hash, other.receipt_hash);
    assert_eq!(recorded.document_id, other.document_id);

    // Reported once per message: eight records of the first, one of the other.
    let counts = db
        .exchange_counts(ReportingMonth::of(first.received_at))
        .await
        .expect("counts");
    let mut per_seat: Vec<(String, u64)> = counts
        .iter()
        .map(|c| (c.their_seat.clone(), c.count))
        .collect();
    per_seat.sort();
    assert_eq!(
        per_seat,
        [("PXX000001".to_owned(), 1), ("PXX000003".to_owned(), 1)],
        "on {}",
        test_db.backend_name()
    );
}
