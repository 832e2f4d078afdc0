//! The hook delivery job against in-memory fakes: what a database test cannot force (a store
//! that fails after the request went out, a clock far ahead) and the order of its steps.

#![allow(clippy::unwrap_used)] // a test fails loudly, which is what it is for

use std::{sync::Mutex, time::Duration};

use chrono::{DateTime, Utc};
use haven_domain::{
    accounts::profile::SecretSealer,
    hooks::{
        delivery::{drain_hook, HookChannels, HookRequest, HookTransport, TransportOutcome},
        mail::{EventDocument, HookDocuments, HookMail, HookMailer},
        records::{
            AttemptRecord, Delivery, DeliveryStatus, Hook, HookEvent, HookOwner, SigningHook,
            Topic, TopicPattern,
        },
        service::HookSettings,
        store::HookDeliveries,
    },
    jobs::{ClaimedJob, JobError, JobKind},
    DomainError, DomainResult,
};
use uuid::Uuid;

/// Seals nothing: the secret is its own sealed form.
struct Clear;

impl SecretSealer for Clear {
    fn seal(&self, plaintext: &str) -> anyhow::Result<String> {
        Ok(plaintext.to_owned())
    }

    fn open(&self, sealed: &str) -> anyhow::Result<String> {
        Ok(sealed.to_owned())
    }
}

/// One hook with its deliveries in memory; `fail_records` makes recording fail that often.
struct Store {
    hook: SigningHook,
    deliveries: Mutex<Vec<Delivery>>,
    recorded: Mutex<Vec<AttemptRecord>>,
    continued: Mutex<Vec<DateTime<Utc>>>,
    finished: Mutex<bool>,
    fail_records: Mutex<usize>,
    /// Calls of `record_attempts` that wrote something.
    writes: Mutex<usize>,
}

impl Store {
    fn new(events: usize) -> Self {
        let now = Utc::now();
        let hook = Hook {
            id: Uuid::new_v4(),
            environment_id: Uuid::new_v4(),
            owner: HookOwner::Party {
                organization_id: Uuid::new_v4(),
                party_id: "0106:90000016".into(),
            },
            target: "https://books.example.com/events".into(),
            topics: vec![TopicPattern::parse("*").unwrap()],
            active: true,
            description: String::new(),
            language: haven_domain::mail::Language::En,
            previous_secret_until: None,
            created_at: now,
            updated_at: now,
        };
        let deliveries = (0..events)
            .map(|n| Delivery {
                id: Uuid::new_v4(),
                hook_id: hook.id,
                event: HookEvent {
                    id: Uuid::new_v4(),
                    topic: Topic::InvoiceSent,
                    party_id: Some("0106:90000016".into()),
                    document_id: Some(Uuid::new_v4()),
                    message: format!("Document {n} was delivered."),
                    details: None,
                    created_at: now,
                },
                status: DeliveryStatus::Pending,
                attempts: 0,
                next_attempt_at: None,
                redelivery_of: None,
                created_at: now + chrono::TimeDelta::milliseconds(i64::try_from(n).unwrap()),
                attempt_log: Vec::new(),
            })
            .collect();
        Self {
            hook: SigningHook {
                hook,
                secret_sealed: "whsec_test".into(),
                previous_secret_sealed: None,
            },
            deliveries: Mutex::new(deliveries),
            recorded: Mutex::new(Vec::new()),
            continued: Mutex::new(Vec::new()),
            finished: Mutex::new(false),
            fail_records: Mutex::new(0),
            writes: Mutex::new(0),
        }
    }
}

impl HookDeliveries for Store {
    async fn signing_hook(&self, _id: Uuid) -> DomainResult<Option<SigningHook>> {
        Ok(Some(self.hook.clone()))
    }

    async fn next_pending(&self, _hook_id: Uuid, limit: u32) -> DomainResult<Vec<Delivery>> {
        let deliveries = self.deliveries.lock().unwrap();
        let mut pending: Vec<Delivery> = deliveries
            .iter()
            .filter(|d| d.status == DeliveryStatus::Pending)
            .cloned()
            .collect();
        pending.sort_by_key(|d| d.created_at);
        pending.truncate(usize::try_from(limit).unwrap());
        Ok(pending)
    }

    async fn record_attempts(&self, records: Vec<AttemptRecord>) -> DomainResult<()> {
        {
            let mut failing = self.fail_records.lock().unwrap();
            if *failing > 0 {
                *failing -= 1;
                return Err(DomainError::Unexpected(anyhow::anyhow!(
                    "the database went away"
                )));
            }
        }
        *self.writes.lock().unwrap() += 1;
        let mut deliveries = self.deliveries.lock().unwrap();
        for record in records {
            let delivery = deliveries
                .iter_mut()
                .find(|d| d.id == record.delivery_id)
                .unwrap();
            delivery.status = record.status;
            delivery.attempts = record.attempt;
            delivery.next_attempt_at = record.next_attempt_at;
            self.recorded.lock().unwrap().push(record);
        }
        Ok(())
    }

    async fn finish_draining(&self, _hook_id: Uuid) -> DomainResult<bool> {
        *self.finished.lock().unwrap() = true;
        Ok(true)
    }

    async fn continue_draining(
        &self,
        _hook_id: Uuid,
        at: DateTime<Utc>,
        _key: String,
    ) -> DomainResult<()> {
        self.continued.lock().unwrap().push(at);
        Ok(())
    }

    async fn mail_attempts_since(
        &self,
        _environment_id: Uuid,
        since: DateTime<Utc>,
        limit: u32,
    ) -> DomainResult<Vec<DateTime<Utc>>> {
        let mut times: Vec<DateTime<Utc>> = self
            .recorded
            .lock()
            .unwrap()
            .iter()
            .map(|r| r.at)
            .filter(|at| *at >= since)
            .collect();
        times.sort_unstable_by(|a, b| b.cmp(a));
        times.truncate(usize::try_from(limit).unwrap());
        Ok(times)
    }

    async fn purge_deliveries(&self, _before: DateTime<Utc>) -> DomainResult<u64> {
        Ok(0)
    }
}

/// Takes every message and keeps it.
#[derive(Default)]
struct Mailbox {
    sent: Mutex<Vec<HookMail>>,
}

impl HookMailer for Mailbox {
    async fn send(&self, mail: &HookMail) -> TransportOutcome {
        self.sent.lock().unwrap().push(mail.clone());
        TransportOutcome::Handed {
            reply: "250 accepted".into(),
        }
    }
}

/// Every document is a small UBL file.
struct Documents;

impl HookDocuments for Documents {
    async fn event_document(
        &self,
        _environment_id: Uuid,
        _id: Uuid,
    ) -> DomainResult<Option<EventDocument>> {
        Ok(Some(EventDocument {
            number: Some("F-1".into()),
            syntax: "ubl".into(),
            content_type: "application/xml".into(),
            bytes: Some(b"<Invoice/>".to_vec()),
        }))
    }
}

/// Answers with the statuses given, in order (200 after), and keeps the requests.
struct Scripted {
    statuses: Mutex<Vec<u16>>,
    requests: Mutex<Vec<HookRequest>>,
}

impl Scripted {
    fn new(statuses: &[u16]) -> Self {
        Self {
            statuses: Mutex::new(statuses.iter().rev().copied().collect()),
            requests: Mutex::new(Vec::new()),
        }
    }
}

impl HookTransport for Scripted {
    async fn deliver(&self, request: &HookRequest) -> TransportOutcome {
        self.requests.lock().unwrap().push(request.clone());
        TransportOutcome::Answered {
            status: self.statuses.lock().unwrap().pop().unwrap_or(200),
            body: "ok".into(),
        }
    }
}

fn job(hook_id: Uuid) -> ClaimedJob {
    ClaimedJob {
        id: Uuid::new_v4(),
        kind: JobKind::DeliverHook,
        payload: serde_json::json!({ "hook_id": hook_id }),
        attempt: 1,
        max_attempts: 20,
    }
}

fn channels<'a, T: HookTransport>(
    http: &'a T,
    mail: &'a Mailbox,
) -> HookChannels<'a, T, Mailbox, Documents> {
    HookChannels {
        http,
        mail,
        documents: &Documents,
    }
}

fn settings() -> HookSettings {
    HookSettings {
        retry_schedule: vec![Duration::from_secs(60), Duration::from_secs(300)],
        ..HookSettings::default()
    }
}

#[tokio::test]
async fn deliveries_go_out_oldest_first_and_the_job_ends_when_none_is_left() {
    let store = Store::new(3);
    let transport = Scripted::new(&[]);
    drain_hook(
        &store,
        &channels(&transport, &Mailbox::default()),
        &Clear,
        &settings(),
        &job(store.hook.hook.id),
    )
    .await
    .unwrap();
    let sent: Vec<String> = transport
        .requests
        .lock()
        .unwrap()
        .iter()
        .map(|r| {
            serde_json::from_str::<serde_json::Value>(&r.body).unwrap()["message"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(
        sent,
        [
            "Document 0 was delivered.",
            "Document 1 was delivered.",
            "Document 2 was delivered."
        ]
    );
    assert!(*store.finished.lock().unwrap());
    assert!(store.continued.lock().unwrap().is_empty());
}

/// A busy hook's events go out a page at a time, each page's attempts written at once; a
/// temporary failure ends the page there and holds back the rest.
#[tokio::test]
async fn attempts_are_recorded_a_page_at_a_time_up_to_a_temporary_failure() {
    let store = Store::new(5);
    let transport = Scripted::new(&[200, 200, 503]);
    drain_hook(
        &store,
        &channels(&transport, &Mailbox::default()),
        &Clear,
        &settings(),
        &job(store.hook.hook.id),
    )
    .await
    .unwrap();
    assert_eq!(transport.requests.lock().unwrap().len(), 3);
    assert_eq!(*store.writes.lock().unwrap(), 1, "one write for the page");
    let statuses: Vec<DeliveryStatus> = store
        .recorded
        .lock()
        .unwrap()
        .iter()
        .map(|r| r.status)
        .collect();
    assert_eq!(
        statuses,
        [
            DeliveryStatus::Delivered,
            DeliveryStatus::Delivered,
            DeliveryStatus::Pending
        ]
    );
    assert_eq!(
        store.continued.lock().unwrap().len(),
        1,
        "back at retry time"
    );
}

#[tokio::test]
async fn a_temporary_failure_holds_back_later_events_until_its_retry_time() {
    let store = Store::new(2);
    let transport = Scripted::new(&[503]);
    let before = Utc::now();
    drain_hook(
        &store,
        &channels(&transport, &Mailbox::default()),
        &Clear,
        &settings(),
        &job(store.hook.hook.id),
    )
    .await
    .unwrap();
    // One request: the second event waits behind the first, whose retry is a minute away.
    assert_eq!(transport.requests.lock().unwrap().len(), 1);
    let continued = store.continued.lock().unwrap().clone();
    assert_eq!(
        continued.len(),
        1,
        "the next job is queued for the retry time"
    );
    assert!(continued[0] >= before + chrono::TimeDelta::seconds(59));
    let recorded = store.recorded.lock().unwrap();
    assert_eq!(recorded[0].status, DeliveryStatus::Pending);
    assert_eq!(
        recorded[0].raise.as_ref().unwrap().topic,
        Topic::HookSentRetry
    );
    assert_eq!(
        recorded[0].raise.as_ref().unwrap().about_hook_id,
        Some(store.hook.hook.id)
    );
}

#[tokio::test]
async fn after_the_last_attempt_the_delivery_fails_with_hook_sent_error() {
    let store = Store::new(1);
    {
        let mut deliveries = store.deliveries.lock().unwrap();
        deliveries[0].attempts = 2; // the schedule has two waits: this is the third and last
    }
    let transport = Scripted::new(&[500]);
    drain_hook(
        &store,
        &channels(&transport, &Mailbox::default()),
        &Clear,
        &settings(),
        &job(store.hook.hook.id),
    )
    .await
    .unwrap();
    let recorded = store.recorded.lock().unwrap();
    assert_eq!(recorded[0].attempt, 3);
    assert_eq!(recorded[0].status, DeliveryStatus::Failed);
    assert_eq!(
        recorded[0].raise.as_ref().unwrap().topic,
        Topic::HookSentError
    );
}

#[tokio::test]
async fn when_the_outcome_cannot_be_recorded_the_job_retries_and_sends_again_with_the_same_id() {
    let store = Store::new(1);
    *store.fail_records.lock().unwrap() = 1;
    let transport = Scripted::new(&[]);
    let first = drain_hook(
        &store,
        &channels(&transport, &Mailbox::default()),
        &Clear,
        &settings(),
        &job(store.hook.hook.id),
    )
    .await;
    assert!(matches!(first, Err(JobError::Retry(_))), "{first:?}");
    drain_hook(
        &store,
        &channels(&transport, &Mailbox::default()),
        &Clear,
        &settings(),
        &job(store.hook.hook.id),
    )
    .await
    .unwrap();
    let requests = transport.requests.lock().unwrap();
    assert_eq!(requests.len(), 2, "at least once");
    assert_eq!(
        requests[0].event_id, requests[1].event_id,
        "the same event id"
    );
    assert_eq!(
        store.recorded.lock().unwrap()[0].status,
        DeliveryStatus::Delivered
    );
}

#[tokio::test]
async fn mail_hooks_send_one_message_per_event_until_the_hourly_limit_then_wait() {
    let mut store = Store::new(3);
    store.hook.hook.target = "mailto:books@example.com?format=ubl".into();
    let http = Scripted::new(&[]);
    let mailbox = Mailbox::default();
    let limited = HookSettings {
        mails_per_hour: 2,
        ..settings()
    };
    let before = Utc::now();
    drain_hook(
        &store,
        &channels(&http, &mailbox),
        &Clear,
        &limited,
        &job(store.hook.hook.id),
    )
    .await
    .unwrap();
    assert!(http.requests.lock().unwrap().is_empty(), "no HTTP for mail");
    let sent = mailbox.sent.lock().unwrap().clone();
    assert_eq!(sent.len(), 2, "the third waits for a free slot");
    assert_eq!(sent[0].to, "books@example.com");
    assert!(sent[0]
        .headers
        .iter()
        .any(|(name, value)| *name == "X-Haven-Event-Id" && !value.is_empty()));
    assert_eq!(
        sent[0].attachment.as_ref().unwrap().file_name,
        "F-1.xml",
        "the original when it is already UBL"
    );
    let recorded = store.recorded.lock().unwrap();
    assert_eq!(recorded[0].status, DeliveryStatus::Delivered);
    assert_eq!(recorded[0].status_code, None, "mail has no HTTP status");
    assert!(recorded[0]
        .request_body
        .contains("Subject: [Haven] InvoiceSent"));
    let continued = store.continued.lock().unwrap().clone();
    assert_eq!(continued.len(), 1);
    assert!(
        continued[0] >= before + chrono::TimeDelta::minutes(59),
        "the next job runs when the first message of the hour is an hour old"
    );
}
