//! The outgoing-mail queue on a real database (SQLite, or PostgreSQL when
//! HAVEN_TEST_DATABASE_URL is set).

#![allow(clippy::unwrap_used)]

use std::{collections::HashSet, time::Duration};

use chrono::{TimeDelta, Utc};
use haven_domain::mail::{MailQueue, OutgoingMail, RetryOutcome, MAX_ATTEMPTS};
use haven_persistence::{mail_queue, testing::TestDatabase};
use sea_orm::TransactionTrait;

const LEASE: Duration = Duration::from_secs(60);

fn mail(n: usize) -> OutgoingMail {
    OutgoingMail {
        to: format!("person{n}@example.com"),
        subject: format!("Subject {n}"),
        text_body: format!("Open https://haven.test/verify?token=secret{n}\n"),
        html_body: format!("<p><a href=\"https://haven.test/verify?token=secret{n}\">Open</a></p>"),
    }
}

#[tokio::test]
async fn an_enqueued_message_is_claimed_with_its_content() {
    let test_db = TestDatabase::new().await;
    test_db.db.enqueue_mail(&mail(1)).await.unwrap();

    let claimed = test_db.db.claim_due(10, LEASE).await.unwrap();

    assert_eq!(claimed.len(), 1, "on {}", test_db.backend_name());
    assert_eq!(claimed[0].mail, mail(1));
    assert_eq!(claimed[0].attempt, 1);
    let records = test_db.db.mail_records().await.unwrap();
    assert_eq!(records[0].status, mail_queue::SENDING);
    assert!(records[0].locked_until.unwrap() > Utc::now());
    assert!(
        test_db.db.claim_due(10, LEASE).await.unwrap().is_empty(),
        "a claimed message is not claimed again while its lease runs"
    );
}

#[tokio::test]
async fn enqueue_takes_part_in_the_callers_transaction() {
    let test_db = TestDatabase::new().await;

    let rolled_back = test_db.connection().begin().await.unwrap();
    mail_queue::enqueue(&rolled_back, &mail(1)).await.unwrap();
    rolled_back.rollback().await.unwrap();
    assert!(
        test_db.db.mail_records().await.unwrap().is_empty(),
        "a rolled-back transaction leaves no message on {}",
        test_db.backend_name()
    );

    let committed = test_db.connection().begin().await.unwrap();
    mail_queue::enqueue(&committed, &mail(2)).await.unwrap();
    committed.commit().await.unwrap();
    let records = test_db.db.mail_records().await.unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].recipient, "person2@example.com");
    assert_eq!(records[0].status, mail_queue::PENDING);
}

#[tokio::test]
async fn concurrent_claims_never_hand_out_the_same_message_twice() {
    let test_db = TestDatabase::new().await;
    for n in 0..30 {
        test_db.db.enqueue_mail(&mail(n)).await.unwrap();
    }

    // Several workers claim in rounds until the queue is drained.
    let workers = (0..4).map(|_| {
        let db = test_db.db.clone();
        tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let batch = db.claim_due(4, LEASE).await.unwrap();
                if batch.is_empty() {
                    break;
                }
                mine.extend(batch.into_iter().map(|m| m.id));
            }
            mine
        })
    });
    let claimed: Vec<_> = futures_util::future::join_all(workers)
        .await
        .into_iter()
        .flat_map(Result::unwrap)
        .collect();

    let distinct: HashSet<_> = claimed.iter().collect();
    assert_eq!(
        distinct.len(),
        claimed.len(),
        "no message claimed twice on {}",
        test_db.backend_name()
    );
    assert_eq!(claimed.len(), 30, "every message claimed once");
}

#[tokio::test]
async fn two_simultaneous_claims_of_one_message_give_it_to_one() {
    let test_db = TestDatabase::new().await;
    test_db.db.enqueue_mail(&mail(1)).await.unwrap();

    for _ in 0..5 {
        let (a, b) = tokio::join!(
            test_db.db.claim_due(10, LEASE),
            test_db.db.claim_due(10, LEASE)
        );
        let total = a.unwrap().len() + b.unwrap().len();
        assert!(total <= 1, "on {}", test_db.backend_name());
    }
}

#[tokio::test]
async fn a_failed_attempt_is_retried_later_with_growing_delays() {
    let test_db = TestDatabase::new().await;
    test_db.db.enqueue_mail(&mail(1)).await.unwrap();
    let mut now = Utc::now();

    let first = test_db.db.claim_due_at(now, 10, LEASE).await.unwrap();
    let outcome = test_db
        .db
        .mark_retry_at(now, &first[0], "451 try again later")
        .await
        .unwrap();
    assert_eq!(
        outcome,
        RetryOutcome::Scheduled(now + TimeDelta::seconds(30))
    );
    let record = &test_db.db.mail_records().await.unwrap()[0];
    assert_eq!(record.status, mail_queue::PENDING);
    assert_eq!(record.attempts, 1);
    assert_eq!(record.last_error.as_deref(), Some("451 try again later"));
    assert_eq!(record.locked_until, None);

    now += TimeDelta::seconds(29);
    assert!(
        test_db
            .db
            .claim_due_at(now, 10, LEASE)
            .await
            .unwrap()
            .is_empty(),
        "not due before its delay has passed"
    );

    now += TimeDelta::seconds(2);
    let second = test_db.db.claim_due_at(now, 10, LEASE).await.unwrap();
    assert_eq!(
        second.len(),
        1,
        "due after 30 s on {}",
        test_db.backend_name()
    );
    assert_eq!(second[0].attempt, 2);
    let outcome = test_db
        .db
        .mark_retry_at(now, &second[0], "connection refused")
        .await
        .unwrap();
    assert_eq!(
        outcome,
        RetryOutcome::Scheduled(now + TimeDelta::seconds(60)),
        "the delay doubles"
    );
}

#[tokio::test]
async fn a_message_fails_for_good_after_the_last_attempt() {
    let test_db = TestDatabase::new().await;
    test_db.db.enqueue_mail(&mail(1)).await.unwrap();
    let mut now = Utc::now();

    for attempt in 1..=MAX_ATTEMPTS {
        let claimed = test_db.db.claim_due_at(now, 10, LEASE).await.unwrap();
        assert_eq!(claimed.len(), 1, "attempt {attempt}");
        assert_eq!(claimed[0].attempt, attempt);
        let outcome = test_db
            .db
            .mark_retry_at(now, &claimed[0], "451 mailbox busy")
            .await
            .unwrap();
        if attempt < MAX_ATTEMPTS {
            assert!(matches!(outcome, RetryOutcome::Scheduled(_)));
        } else {
            assert_eq!(outcome, RetryOutcome::GaveUp);
        }
        now += TimeDelta::hours(2);
    }

    let record = &test_db.db.mail_records().await.unwrap()[0];
    assert_eq!(
        record.status,
        mail_queue::FAILED,
        "on {}",
        test_db.backend_name()
    );
    assert_eq!(record.attempts, MAX_ATTEMPTS);
    assert!(record
        .last_error
        .as_deref()
        .unwrap()
        .contains("451 mailbox busy"));
    assert!(test_db
        .db
        .claim_due_at(now + TimeDelta::days(1), 10, LEASE)
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn sent_and_permanently_failed_messages_are_done_and_lose_their_bodies() {
    let test_db = TestDatabase::new().await;
    test_db.db.enqueue_mail(&mail(1)).await.unwrap();
    test_db.db.enqueue_mail(&mail(2)).await.unwrap();
    let claimed = test_db.db.claim_due(10, LEASE).await.unwrap();
    assert_eq!(claimed.len(), 2);

    assert!(test_db.db.mark_sent(&claimed[0]).await.unwrap());
    assert!(test_db
        .db
        .mark_failed(&claimed[1], "550 no such user")
        .await
        .unwrap());

    let records = test_db.db.mail_records().await.unwrap();
    let by_id = |id| records.iter().find(|r| r.id == id).unwrap();
    assert_eq!(by_id(claimed[0].id).status, mail_queue::SENT);
    assert!(by_id(claimed[0].id).sent_at.is_some());
    assert_eq!(by_id(claimed[1].id).status, mail_queue::FAILED);
    assert_eq!(
        by_id(claimed[1].id).last_error.as_deref(),
        Some("550 no such user")
    );
    assert!(test_db
        .db
        .claim_due_at(Utc::now() + TimeDelta::days(1), 10, LEASE)
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn an_expired_lease_is_taken_over_and_the_old_claim_is_stale() {
    let test_db = TestDatabase::new().await;
    test_db.db.enqueue_mail(&mail(1)).await.unwrap();
    let now = Utc::now();
    let first = test_db.db.claim_due_at(now, 10, LEASE).await.unwrap();

    let later = now + TimeDelta::seconds(61);
    let second = test_db.db.claim_due_at(later, 10, LEASE).await.unwrap();

    assert_eq!(second.len(), 1, "taken over on {}", test_db.backend_name());
    assert_eq!(second[0].attempt, 2);
    assert!(
        !test_db.db.mark_sent(&first[0]).await.unwrap(),
        "the first worker's claim is no longer current"
    );
    assert_eq!(
        test_db
            .db
            .mark_retry_at(later, &first[0], "late")
            .await
            .unwrap(),
        RetryOutcome::Stale
    );
    assert!(test_db.db.mark_sent(&second[0]).await.unwrap());
    assert_eq!(
        test_db.db.mail_records().await.unwrap()[0].status,
        mail_queue::SENT
    );
}
