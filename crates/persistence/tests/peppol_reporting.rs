//! The Peppol reporting records on a real database (SQLite, or PostgreSQL when
//! HAVEN_TEST_DATABASE_URL is set): months newest first in pages, counts per report key, and
//! each end user's activity once however many messages it exchanged.

use chrono::{DateTime, Utc};
use haven_domain::{
    documents::blobs::ContentHash,
    peppol::{
        receiving::{ReceivedMessage, ReceivedMessages},
        reporting::{
            Direction, EndUserActivity, ExchangeRecord, MonthSummary, ReportingMonth,
            ReportingRecords, SchemedId,
        },
    },
};
use haven_persistence::testing::TestDatabase;
use uuid::Uuid;

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("time")
        .with_timezone(&Utc)
}

/// Records message `id` from `seat`, received at `when` by `end_user`, C1 in `c1`.
async fn receive(
    db: &haven_persistence::Database,
    seat: &str,
    id: &str,
    when: &str,
    end_user: Uuid,
    c1: &str,
) {
    let received_at = at(when);
    let message = ReceivedMessage {
        sender_access_point: seat.into(),
        message_id: id.into(),
        document_id: None,
        message_hash: ContentHash::of(id.as_bytes()),
        receipt_hash: ContentHash::of(b"receipt"),
        received_at,
    };
    let exchange = ExchangeRecord {
        direction: Direction::Incoming,
        exchanged_at: received_at,
        message_id: id.into(),
        our_seat: "POP000123".into(),
        their_seat: seat.into(),
        sender: SchemedId::new("iso6523-actorid-upis", "0208:0403170701"),
        receiver: SchemedId::new("iso6523-actorid-upis", "0106:90000032"),
        document_type: SchemedId::new("busdox-docid-qns", "urn:x::Invoice##urn:y::2.1"),
        process: SchemedId::new("cenbii-procid-ubl", "urn:p"),
        transport_profile: "peppol-transport-as4-v2_0".into(),
        country_c1: c1.into(),
        country_c4: Some("NL".into()),
        end_user_id: end_user,
    };
    db.record_received(message, exchange, None)
        .await
        .expect("record");
}

fn month(text: &str) -> ReportingMonth {
    ReportingMonth::parse(text).expect("month")
}

#[tokio::test]
async fn months_come_newest_first_and_counts_group_per_key() {
    let test_db = TestDatabase::new().await;
    let db = &test_db.db;
    let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
    // The last second of January and the first of February (UTC) fall in their own months.
    receive(db, "PBE000001", "m1", "2026-01-31T23:59:59Z", a, "BE").await;
    receive(db, "PBE000001", "m2", "2026-02-01T00:00:00Z", a, "BE").await;
    receive(db, "PBE000001", "m3", "2026-02-10T10:00:00Z", a, "BE").await;
    receive(db, "PDE000002", "m4", "2026-02-11T10:00:00Z", b, "DE").await;
    receive(db, "PDE000002", "m5", "2026-03-01T00:30:00+01:00", b, "DE").await;

    let summary = |m: &str, incoming| MonthSummary {
        month: month(m),
        incoming,
        outgoing: 0,
    };
    let backend = test_db.backend_name();
    assert_eq!(
        db.reporting_months(None, 2).await.expect("months"),
        [summary("2026-02", 4), summary("2026-01", 1)],
        "2026-03-01T00:30+01:00 is still February in UTC, on {backend}"
    );
    assert_eq!(
        db.reporting_months(Some(month("2026-02")), 10)
            .await
            .expect("months"),
        [summary("2026-01", 1)]
    );
    assert_eq!(
        db.reporting_months(Some(month("2026-01")), 10)
            .await
            .expect("months"),
        []
    );

    let mut counts: Vec<(String, String, u64)> = db
        .exchange_counts(month("2026-02"))
        .await
        .expect("counts")
        .into_iter()
        .map(|c| (c.their_seat, c.country_c1, c.count))
        .collect();
    counts.sort();
    assert_eq!(
        counts,
        [
            ("PBE000001".into(), "BE".into(), 2),
            ("PDE000002".into(), "DE".into(), 2)
        ],
        "on {backend}"
    );

    let activity = db
        .end_user_activity(month("2026-02"))
        .await
        .expect("activity");
    let facts: Vec<(Uuid, &str)> = activity
        .iter()
        .map(|f: &EndUserActivity| (f.end_user_id, f.country.as_str()))
        .collect();
    let mut expected = vec![(a, "NL"), (b, "NL")];
    expected.sort();
    assert_eq!(
        facts, expected,
        "one fact per end user, the receiver's country, on {backend}"
    );
    assert_eq!(
        db.exchange_counts(month("2025-12")).await.expect("counts"),
        []
    );
}
