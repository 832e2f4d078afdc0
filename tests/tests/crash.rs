//! Crashes at the dangerous points: an instance killed (SIGKILL) in the middle of a job leaves
//! the job to another instance after its lease, and the work is done once, not lost and not
//! doubled. Runs on SQLite, and on PostgreSQL when `HAVEN_TEST_DATABASE_URL` is set.
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

use haven_e2e::Running;
use haven_persistence::testing::TestDatabase;

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
