//! Crashes at the dangerous points: an instance killed (SIGKILL) in the middle of a job or of
//! requests leaves the work to the next instance (after the job's lease), and it is done once,
//! not lost and not doubled. Runs on SQLite, and on PostgreSQL when `HAVEN_TEST_DATABASE_URL`
//! is set.
#![allow(clippy::unwrap_used)]

use std::{
    net::TcpListener,
    path::Path,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use haven_e2e::{
    exchange::{count, invoice, mail, Exchange, BUYER_KVK, SELLER_KVK},
    Running,
};
use haven_persistence::testing::TestDatabase;
use serde_json::Value;

/// An SMTP server that accepts connections and never says a word: a delivery to it hangs in
/// the middle of its job. Returns the port and how many connections it took.
fn silent_smtp_server() -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = accepted.clone();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            counter.fetch_add(1, Ordering::SeqCst);
            held.push(stream);
        }
    });
    (port, accepted)
}

fn emails_in(data_dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(data_dir.join("outbox")) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
        .map(|e| std::fs::read_to_string(e.path()).unwrap())
        .collect()
}

async fn wait_for(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn an_email_job_whose_instance_is_killed_mid_send_is_delivered_once_by_another() {
    let db = TestDatabase::new().await;
    let (smtp_port, connections) = silent_smtp_server();
    let smtp_port = smtp_port.to_string();
    let quick = [
        ("HAVEN_JOB_LEASE_SECS", "2"),
        ("HAVEN_MAIL_POLL_INTERVAL_MS", "50"),
    ];
    let mut first = Running::start(
        &db,
        &[
            quick[0],
            quick[1],
            ("HAVEN_SMTP_HOST", "127.0.0.1"),
            ("HAVEN_SMTP_PORT", smtp_port.as_str()),
            ("HAVEN_SMTP_TLS", "none"),
        ],
    )
    .await;

    let response = reqwest::Client::new()
        .post(first.url("/api/v1/auth/register"))
        .json(&serde_json::json!({
            "email": "crash@jansen.nl",
            "password": "correct horse battery staple 42",
            "name": "Crash Test",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 202);
    // The first instance has claimed the job and is waiting for the SMTP greeting.
    wait_for(
        "the first delivery attempt",
        Duration::from_secs(15),
        || connections.load(Ordering::SeqCst) >= 1,
    )
    .await;
    first.kill();

    // A second instance, delivering into its file outbox, takes the job over after its lease.
    let second = Running::start(&db, &quick).await;
    wait_for("the email in the outbox", Duration::from_secs(30), || {
        !emails_in(second.data_dir()).is_empty()
    })
    .await;
    // Several more poll rounds: nothing may be delivered a second time.
    tokio::time::sleep(Duration::from_secs(3)).await;

    let emails = emails_in(second.data_dir());
    assert_eq!(emails.len(), 1, "delivered exactly once: {emails:?}");
    assert!(emails[0].contains("crash@jansen.nl"), "{}", emails[0]);
    assert!(emails[0].contains("/verify-email?token="), "{}", emails[0]);
    assert!(emails_in(first.data_dir()).is_empty());
}

/// A short lease and a fast poll: a killed instance's jobs come back within seconds. Four job
/// slots, which the tests that hold the worker up fill.
const QUICK: [(&str, &str); 3] = [
    ("HAVEN_JOB_LEASE_SECS", "2"),
    ("HAVEN_MAIL_POLL_INTERVAL_MS", "50"),
    ("HAVEN_JOB_CONCURRENCY", "4"),
];
/// Jobs one instance runs at a time (`HAVEN_JOB_CONCURRENCY` in `QUICK`).
const WORKER_SLOTS: usize = 4;

/// Restarts `server` with its job worker held up: email goes over SMTP to a server that never
/// answers, and a registration per worker slot gives it an email job for each. The worker
/// claims in batches (once half its slots are free), so it hangs on all but the last, which
/// stays queued ahead of anything queued later. Jobs queued after this wait (for the SMTP
/// time-out, 20 s) instead of running; the tests check that they did.
async fn with_worker_held_up(
    server: Running,
    db: &TestDatabase,
    extra: &[(&str, &str)],
) -> Running {
    let (smtp_port, connections) = silent_smtp_server();
    let smtp_port = smtp_port.to_string();
    let mut env = vec![
        QUICK[0],
        QUICK[1],
        QUICK[2],
        ("HAVEN_SMTP_HOST", "127.0.0.1"),
        ("HAVEN_SMTP_PORT", smtp_port.as_str()),
        ("HAVEN_SMTP_TLS", "none"),
    ];
    env.extend_from_slice(extra);
    let held_up = server.restart(db, &env).await;
    let client = reqwest::Client::new();
    for slot in 0..WORKER_SLOTS {
        let response = client
            .post(held_up.url("/api/v1/auth/register"))
            .json(&serde_json::json!({
                "email": format!("slot{slot}@jam.example"),
                "password": "correct horse battery staple 42",
                "name": "Slot Filler",
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 202);
    }
    wait_for(
        "every worker slot to hang on SMTP",
        Duration::from_secs(15),
        || connections.load(Ordering::SeqCst) >= WORKER_SLOTS - 1,
    )
    .await;
    held_up
}

/// Polls the database until the count `sql` answers satisfies `done`; returns that count.
async fn wait_for_count(
    db: &TestDatabase,
    what: &str,
    timeout: Duration,
    sql: &str,
    done: impl Fn(i64) -> bool,
) -> i64 {
    let deadline = Instant::now() + timeout;
    loop {
        let n = count(db, sql).await;
        if done(n) {
            return n;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}: {n}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

const OUTGOING: &str = "SELECT COUNT(*) AS n FROM documents WHERE direction = 'outgoing'";
const DELIVERED: &str =
    "SELECT COUNT(*) AS n FROM documents WHERE direction = 'outgoing' AND status = 'delivered'";
const INCOMING: &str = "SELECT COUNT(*) AS n FROM documents WHERE direction = 'incoming'";
/// Outgoing documents that have not exactly one incoming copy.
const NOT_ONE_COPY: &str = "SELECT COUNT(*) AS n FROM documents o WHERE o.direction = 'outgoing' \
     AND (SELECT COUNT(*) FROM documents i WHERE i.related_id = o.id) <> 1";
/// Delivery jobs claimed by a worker and not finished.
const CLAIMED: &str =
    "SELECT COUNT(*) AS n FROM jobs WHERE kind = 'deliver_document' AND status = 'running'";
/// Delivery jobs not finished for good (queued again, or claimed).
const DELIVERIES_PENDING: &str = "SELECT COUNT(*) AS n FROM jobs \
     WHERE kind = 'deliver_document' AND status IN ('queued', 'running')";

/// The buyer's inbox, by invoice number, through the API.
async fn inbox_numbers(server: &Running, exchange: &Exchange) -> Vec<String> {
    let inbox: Value = reqwest::Client::new()
        .get(server.url(&format!(
            "/api/v1/parties/{}/purchase-invoices?limit=200",
            exchange.buyer_party
        )))
        .bearer_auth(&exchange.buyer_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut numbers: Vec<String> = inbox["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no inbox: {inbox}"))
        .iter()
        .map(|d| d["number"].as_str().unwrap().to_owned())
        .collect();
    numbers.sort();
    numbers
}

/// An outgoing document of the seller through the API.
async fn sales_invoice(
    server: &Running,
    exchange: &Exchange,
    id: &str,
    tail: &str,
) -> reqwest::Response {
    reqwest::Client::new()
        .get(server.url(&format!(
            "/api/v1/parties/{}/sales-invoices/{id}{tail}",
            exchange.seller_party
        )))
        .bearer_auth(&exchange.seller_token)
        .send()
        .await
        .unwrap()
}

/// What became of a send before the crash.
#[derive(Debug, Clone, PartialEq, Eq)]
enum FirstTry {
    /// 202 with this document id.
    Accepted(String),
    /// The connection broke with the request under way: stored or not, the client cannot know.
    CutOff,
    /// The instance was gone before the request was sent, or it was never sent at all.
    NotSent,
}

#[tokio::test]
async fn sends_cut_off_by_a_crash_are_stored_once_and_a_retry_with_the_same_key_completes_them() {
    const SENDS: usize = 200;
    // Clients sending one invoice after another, so that requests are under way at any moment:
    // a batch of simultaneous sends can all be answered by one group commit before the kill.
    const CLIENTS: usize = 12;
    // The instance is killed once this many have been answered.
    const ANSWERED_BEFORE_THE_CRASH: usize = 30;
    let db = TestDatabase::new().await;
    let mut first = Running::start(&db, &QUICK).await;
    let exchange = Arc::new(Exchange::set_up(&first).await);
    let invoices: Arc<Vec<(String, Vec<u8>)>> = Arc::new(
        (0..SENDS)
            .map(|i| {
                let key = uuid::Uuid::new_v4().to_string();
                (
                    key,
                    invoice(&format!("CRASH-{i:03}"), SELLER_KVK, BUYER_KVK, None),
                )
            })
            .collect(),
    );

    let client = reqwest::Client::new();
    let next = Arc::new(AtomicUsize::new(0));
    let answered = Arc::new(AtomicUsize::new(0));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let (client, exchange, invoices, next, answered) = (
                client.clone(),
                exchange.clone(),
                invoices.clone(),
                next.clone(),
                answered.clone(),
            );
            let url = first.url("");
            tokio::spawn(async move {
                let mut tries = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    if i >= SENDS {
                        return tries;
                    }
                    let (key, body) = &invoices[i];
                    let first_try = match exchange.send(&client, &url, body.clone(), key).await {
                        Ok((202, accepted)) => {
                            answered.fetch_add(1, Ordering::SeqCst);
                            let id = accepted["documentId"].as_str().unwrap();
                            FirstTry::Accepted(id.to_owned())
                        }
                        Ok((status, body)) => panic!("send {i} answered {status}: {body}"),
                        Err(e) if e.is_connect() => FirstTry::NotSent,
                        Err(_) => FirstTry::CutOff,
                    };
                    let stop = !matches!(first_try, FirstTry::Accepted(_));
                    tries.push((i, first_try));
                    if stop {
                        return tries;
                    }
                }
            })
        })
        .collect();
    wait_for(
        "the first sends to be accepted",
        Duration::from_secs(60),
        || answered.load(Ordering::SeqCst) >= ANSWERED_BEFORE_THE_CRASH,
    )
    .await;
    first.kill();
    let mut first_tries = vec![FirstTry::NotSent; SENDS];
    for sender in clients {
        for (i, first_try) in sender.await.unwrap() {
            first_tries[i] = first_try;
        }
    }
    let cut_off = first_tries
        .iter()
        .filter(|t| **t == FirstTry::CutOff)
        .count();
    assert!(
        cut_off > 0,
        "no request was under way when the instance died"
    );
    assert!(
        first_tries.contains(&FirstTry::NotSent),
        "every invoice was sent before the crash"
    );

    // The client retries every request with its key against the restarted installation.
    let second = first.restart(&db, &QUICK).await;
    let mut ids = Vec::new();
    for (i, first_try) in first_tries.iter().enumerate() {
        let (key, body) = &invoices[i];
        let (status, answer) = exchange
            .send(&client, &second.url(""), body.clone(), key)
            .await
            .unwrap();
        let id = answer["documentId"]
            .as_str()
            .unwrap_or_else(|| panic!("{answer}"))
            .to_owned();
        match (first_try, status) {
            (FirstTry::Accepted(original), 409) => {
                assert_eq!(answer["code"], "document_exists", "{answer}");
                assert_eq!(&id, original, "a 409 names the document the key stored");
            }
            (FirstTry::CutOff, 202) | (FirstTry::NotSent, 202) => {}
            (FirstTry::CutOff, 409) => assert_eq!(answer["code"], "document_exists", "{answer}"),
            (first_try, status) => panic!("send {i}: first {first_try:?}, then {status}: {answer}"),
        }
        ids.push(id);
    }
    let mut distinct = ids.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), SENDS, "one document per key");
    assert_eq!(
        count(&db, OUTGOING).await,
        SENDS as i64,
        "nothing stored twice"
    );

    // Each one's bytes are there, exactly as sent.
    for (id, (_, body)) in ids.iter().zip(invoices.iter()) {
        let download = sales_invoice(&second, &exchange, id, "/download").await;
        assert_eq!(download.status().as_u16(), 200, "download of {id}");
        assert_eq!(download.bytes().await.unwrap().as_ref(), body.as_slice());
    }

    // Each one ends in the buyer's inbox once.
    wait_for_count(
        &db,
        "every document delivered",
        Duration::from_secs(30),
        DELIVERED,
        |n| n == SENDS as i64,
    )
    .await;
    wait_for_count(
        &db,
        "no delivery left",
        Duration::from_secs(10),
        DELIVERIES_PENDING,
        |n| n == 0,
    )
    .await;
    let expected: Vec<String> = (0..SENDS).map(|i| format!("CRASH-{i:03}")).collect();
    assert_eq!(inbox_numbers(&second, &exchange).await, expected);
    assert_eq!(count(&db, INCOMING).await, SENDS as i64);
    assert_eq!(count(&db, NOT_ONE_COPY).await, 0);
}

/// Sends `invoices` (number, buyer email) one after another; returns the document ids.
async fn send_all(
    server: &Running,
    exchange: &Exchange,
    invoices: &[(String, Option<String>)],
) -> Vec<String> {
    let client = reqwest::Client::new();
    let mut ids = Vec::new();
    for (number, email) in invoices {
        let body = invoice(number, SELLER_KVK, BUYER_KVK, email.as_deref());
        let key = uuid::Uuid::new_v4().to_string();
        let (status, answer) = exchange
            .send(&client, &server.url(""), body, &key)
            .await
            .unwrap();
        assert_eq!(status, 202, "{answer}");
        ids.push(answer["documentId"].as_str().unwrap().to_owned());
    }
    ids
}

#[tokio::test]
async fn deliveries_cut_off_by_a_crash_land_once_each_after_the_lease() {
    // Enough that the instance is still busy when it is first frozen, a poll (10 ms) after
    // its first delivery: an internal delivery takes a few milliseconds.
    const DOCUMENTS: usize = 150;
    // Tries at freezing it with a delivery job claimed; nearly always the first succeeds.
    const STEPS: usize = 50;
    let db = TestDatabase::new().await;
    let first = Running::start(&db, &QUICK).await;
    let exchange = Exchange::set_up(&first).await;
    let held_up = with_worker_held_up(first, &db, &[]).await;
    let invoices: Vec<(String, Option<String>)> = (0..DOCUMENTS)
        .map(|i| (format!("QUEUED-{i:03}"), None))
        .collect();
    send_all(&held_up, &exchange, &invoices).await;
    assert_eq!(
        count(&db, INCOMING).await,
        0,
        "all queued, none delivered yet"
    );

    // An instance starts on the queue and dies in the middle of it: frozen (SIGSTOP) so its
    // state can be read without racing it, and let go for a moment at a time until it is
    // caught with some documents delivered and some delivery jobs claimed; then killed.
    let mut delivering = held_up.restart(&db, &QUICK).await;
    wait_for_count(
        &db,
        "the first deliveries",
        Duration::from_secs(20),
        INCOMING,
        |n| n >= 1,
    )
    .await;
    for _ in 0..STEPS {
        delivering.freeze();
        if count(&db, CLAIMED).await >= 1 {
            break;
        }
        delivering.thaw();
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    delivering.kill();
    // Read again once dead: a commit sent just before the freeze may have landed since.
    let delivered_at_crash = count(&db, INCOMING).await;
    let claimed_at_crash = count(&db, CLAIMED).await;
    assert!(
        delivered_at_crash < DOCUMENTS as i64,
        "the crash came after every delivery"
    );
    assert!(
        claimed_at_crash >= 1,
        "the crash caught no delivery job claimed"
    );

    // The next instance takes the claimed jobs over after their lease and runs the rest.
    let after = delivering.restart(&db, &QUICK).await;
    wait_for_count(
        &db,
        "every document delivered",
        Duration::from_secs(30),
        DELIVERED,
        |n| n == DOCUMENTS as i64,
    )
    .await;
    wait_for_count(
        &db,
        "no delivery left",
        Duration::from_secs(10),
        DELIVERIES_PENDING,
        |n| n == 0,
    )
    .await;
    let mut expected: Vec<String> = invoices.into_iter().map(|(number, _)| number).collect();
    expected.sort();
    assert_eq!(inbox_numbers(&after, &exchange).await, expected);
    assert_eq!(count(&db, INCOMING).await, DOCUMENTS as i64);
    assert_eq!(count(&db, NOT_ONE_COPY).await, 0);
    // One "delivered" line in each seller's history, one billed receipt per document.
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) AS n FROM document_events WHERE event = 'delivered'"
        )
        .await,
        DOCUMENTS as i64
    );
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) AS n FROM usage_records WHERE kind = 'received'"
        )
        .await,
        DOCUMENTS as i64
    );
}

#[tokio::test]
async fn documents_queued_for_a_receiver_that_is_deactivated_fail_naming_it_or_go_by_email() {
    let db = TestDatabase::new().await;
    let first = Running::start(&db, &QUICK).await;
    let exchange = Exchange::set_up(&first).await;
    let held_up = with_worker_held_up(first, &db, &[]).await;
    let without_email: Vec<(String, Option<String>)> =
        (0..3).map(|i| (format!("GONE-{i}"), None)).collect();
    let with_email: Vec<(String, Option<String>)> = (0..3)
        .map(|i| {
            (
                format!("MAILED-{i}"),
                Some(format!("ap{i}@zeewind-finance.example")),
            )
        })
        .collect();
    let to_fail = send_all(&held_up, &exchange, &without_email).await;
    let to_mail = send_all(&held_up, &exchange, &with_email).await;

    // The buyer leaves while the documents wait in the queue.
    let response = reqwest::Client::new()
        .post(held_up.url(&format!(
            "/api/v1/organizations/{}/deactivate",
            exchange.buyer_organization
        )))
        .bearer_auth(&exchange.buyer_token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200, "deactivate the buyer");
    assert_eq!(
        count(&db, "SELECT COUNT(*) AS n FROM documents WHERE direction = 'outgoing' AND status = 'validated'").await,
        6,
        "still queued when the buyer left"
    );

    let after = held_up.restart(&db, &QUICK).await;
    wait_for_count(
        &db,
        "every delivery to end",
        Duration::from_secs(30),
        DELIVERIES_PENDING,
        |n| n == 0,
    )
    .await;

    for id in &to_fail {
        let document: Value = sales_invoice(&after, &exchange, id, "")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(document["status"], "failed", "{document}");
        let history: Value = sales_invoice(&after, &exchange, id, "/events")
            .await
            .json()
            .await
            .unwrap();
        let latest = &history["items"][0];
        assert_eq!(latest["event"], "failed", "{history}");
        let why = latest["details"].as_str().unwrap();
        assert!(
            why.contains(&exchange.buyer_party),
            "the reason names the receiver: {why}"
        );
    }
    for (id, (_, email)) in to_mail.iter().zip(&with_email) {
        let email = email.as_deref().unwrap();
        let document: Value = sales_invoice(&after, &exchange, id, "")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(document["status"], "delivered", "{document}");
        assert_eq!(document["channel"], "email", "{document}");
        assert_eq!(document["receiverId"], email, "{document}");
        mail(&after, email, 0).await;
        let mails = haven_mailer::testing::outbox_for(&after.data_dir().join("outbox"), email);
        assert_eq!(mails.len(), 1, "one email to {email}");
    }
    assert_eq!(
        count(&db, INCOMING).await,
        0,
        "nothing reached the deactivated inbox"
    );
}

const INBOUND_SECRET: &str = "inbound-secret-for-the-crash-test-0123456789";
const PROCESSED: &str = "SELECT COUNT(*) AS n FROM intake_messages WHERE status <> 'received'";

/// A message from the seller's administrator to the seller's sales intake address with one
/// invoice attached.
fn intake_message(number: &str) -> Vec<u8> {
    let xml = String::from_utf8(invoice(number, SELLER_KVK, BUYER_KVK, None)).unwrap();
    format!(
        "From: Ada <ada@seller.example>\r\nTo: {SELLER_KVK}.verkoop@intake.localhost\r\n\
         Subject: {number}\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n\
         --b\r\nContent-Type: text/plain\r\n\r\nAttached.\r\n\
         --b\r\nContent-Type: application/xml; name=\"{number}.xml\"\r\n\
         Content-Disposition: attachment; filename=\"{number}.xml\"\r\n\r\n{xml}\r\n--b--\r\n"
    )
    .into_bytes()
}

#[tokio::test]
async fn intake_messages_accepted_before_a_crash_are_processed_once_after_it() {
    const MESSAGES: usize = 20;
    // The messages come from a made-up domain no DNS vouches for: sender authentication,
    // tested in the API tests with their own DNS server, is off here.
    let secret = ("HAVEN_INBOUND_EMAIL_SECRET", INBOUND_SECRET);
    let unchecked = ("HAVEN_INTAKE_SENDER_AUTHENTICATION", "off");
    let env = [QUICK[0], QUICK[1], QUICK[2], secret, unchecked];
    let db = TestDatabase::new().await;
    let first = Running::start(&db, &env).await;
    let exchange = Exchange::set_up(&first).await;
    // Accepted while no worker can process: 202 means stored with its job, nothing more.
    let held_up = with_worker_held_up(first, &db, &[secret, unchecked]).await;
    let client = reqwest::Client::new();
    for i in 0..MESSAGES {
        let response = client
            .post(held_up.url("/api/v1/inbound-email"))
            .bearer_auth(INBOUND_SECRET)
            .header("content-type", "message/rfc822")
            .body(intake_message(&format!("MAILED-{i:03}")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 202);
    }
    assert_eq!(
        count(&db, PROCESSED).await,
        0,
        "none processed before the crash"
    );
    assert_eq!(count(&db, OUTGOING).await, 0);

    // An instance starts on them and dies after the first; the next finishes the rest.
    let mut processing = held_up.restart(&db, &env).await;
    wait_for_count(
        &db,
        "the first processed message",
        Duration::from_secs(20),
        PROCESSED,
        |n| n >= 1,
    )
    .await;
    processing.kill();
    assert!(
        count(&db, PROCESSED).await < MESSAGES as i64,
        "the crash came after every message"
    );
    let after = processing.restart(&db, &env).await;
    wait_for_count(
        &db,
        "every message processed",
        Duration::from_secs(30),
        PROCESSED,
        |n| n == MESSAGES as i64,
    )
    .await;
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) AS n FROM intake_messages WHERE status = 'processed'"
        )
        .await,
        MESSAGES as i64,
        "every message became a document"
    );
    // Nothing doubled: one document per message, and each item names its own.
    assert_eq!(count(&db, OUTGOING).await, MESSAGES as i64);
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(DISTINCT document_id) AS n FROM intake_items WHERE outcome = 'document'"
        )
        .await,
        MESSAGES as i64
    );
    wait_for_count(
        &db,
        "every document delivered",
        Duration::from_secs(30),
        DELIVERED,
        |n| n == MESSAGES as i64,
    )
    .await;
    let expected: Vec<String> = (0..MESSAGES).map(|i| format!("MAILED-{i:03}")).collect();
    assert_eq!(inbox_numbers(&after, &exchange).await, expected);
}
