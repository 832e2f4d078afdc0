//! Email jobs run by the job worker on a real database (SQLite, or PostgreSQL when HAVEN_TEST_DATABASE_URL
//! is set), and SMTP through lettre against a small in-process server that speaks the protocol
//! over TCP.

#![allow(clippy::unwrap_used)]

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use haven_domain::{
    jobs::{JobAdmin, JobQuery, JobRecord, JobStatus},
    mail::{render, Language, MailTemplate, OutgoingMail},
};
use haven_jobs::{spawn_worker, Registry, WorkerOptions};
use haven_mailer::{
    build_message, testing, EmailHandler, SendError, SmtpConfig, TlsMode, Transport,
};
use haven_persistence::{testing::TestDatabase, Database};
use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::TcpListener,
};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

const LINK: &str = "http://127.0.0.1:8080/reset?token=Zm9vYmFy-long-token-0123456789abcdef";

fn reset_mail(to: &str) -> OutgoingMail {
    render(
        to,
        &MailTemplate::PasswordReset {
            link: LINK.into(),
            valid_minutes: 30,
        },
        Language::En,
    )
}

fn options() -> WorkerOptions {
    WorkerOptions::default().poll_interval(Duration::from_millis(20))
}

/// The job worker with the email handler only.
fn spawn_delivery_worker(
    db: Database,
    transport: Transport,
    options: WorkerOptions,
    shutdown: CancellationToken,
) -> tokio::task::JoinHandle<()> {
    let handler = EmailHandler::new(transport, "Haven <no-reply@haven.invalid>").unwrap();
    spawn_worker(db, Registry::new().with(handler), options, shutdown)
}

async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..400 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("timed out waiting until {what}");
}

async fn only_job(test_db: &TestDatabase) -> JobRecord {
    let jobs = test_db
        .db
        .list_jobs(&JobQuery {
            limit: 10,
            ..JobQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(jobs.len(), 1);
    jobs[0].clone()
}

async fn status_of_only_mail(test_db: &TestDatabase) -> JobStatus {
    only_job(test_db).await.status
}

// ---- the worker and the file outbox ----

#[tokio::test]
async fn the_worker_delivers_a_queued_message_into_the_outbox() {
    let test_db = TestDatabase::new().await;
    let dir = tempfile::tempdir().unwrap();
    let shutdown = CancellationToken::new();
    let worker = spawn_delivery_worker(
        test_db.db.clone(),
        Transport::outbox(dir.path()).unwrap(),
        options(),
        shutdown.clone(),
    );

    test_db
        .db
        .enqueue_mail(&reset_mail("bob@example.org"))
        .await
        .unwrap();

    let mail = testing::wait_for_mail(dir.path(), "bob@example.org", Duration::from_secs(10))
        .await
        .expect("the message reaches the outbox");
    assert_eq!(
        mail.link_starting_with("http://127.0.0.1:8080/reset"),
        Some(LINK.to_owned())
    );
    eventually("the message is marked sent", || async {
        status_of_only_mail(&test_db).await == JobStatus::Succeeded
    })
    .await;

    shutdown.cancel();
    tokio::time::timeout(Duration::from_secs(5), worker)
        .await
        .expect("the worker stops when told")
        .unwrap();
    assert_eq!(testing::read_outbox(dir.path()).len(), 1, "sent once");
}

#[tokio::test]
async fn a_wake_up_sends_without_waiting_for_the_poll_and_shutdown_interrupts_the_wait() {
    let test_db = TestDatabase::new().await;
    let dir = tempfile::tempdir().unwrap();
    let shutdown = CancellationToken::new();
    let options = options().poll_interval(Duration::from_secs(3600));
    let wake = options.wake.clone();
    let worker = spawn_delivery_worker(
        test_db.db.clone(),
        Transport::outbox(dir.path()).unwrap(),
        options,
        shutdown.clone(),
    );
    // Let the worker finish its first (empty) round and start waiting.
    tokio::time::sleep(Duration::from_millis(100)).await;

    test_db
        .db
        .enqueue_mail(&reset_mail("carol@example.org"))
        .await
        .unwrap();
    wake.notify_one();

    assert!(
        testing::wait_for_mail(dir.path(), "carol@example.org", Duration::from_secs(10))
            .await
            .is_some(),
        "woken up, not after an hour"
    );
    shutdown.cancel();
    tokio::time::timeout(Duration::from_secs(5), worker)
        .await
        .expect("shutdown ends the hour-long wait")
        .unwrap();
}

// ---- SMTP ----

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Accept,
    /// 451 to RCPT TO: a temporary failure.
    DeferRecipient,
    /// 550 to RCPT TO: a permanent failure.
    RejectRecipient,
}

#[derive(Debug, Clone, Default)]
struct Received {
    mail_from: String,
    rcpt_to: Vec<String>,
    data: String,
}

/// A minimal SMTP server (RFC 5321 command/reply cycle, no extensions) on a free port.
struct FakeSmtp {
    port: u16,
    received: Arc<Mutex<Vec<Received>>>,
}

impl FakeSmtp {
    async fn start(mode: Mode) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let store = received.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let store = store.clone();
                tokio::spawn(async move {
                    let _ = serve(socket, mode, store).await;
                });
            }
        });
        Self { port, received }
    }

    fn config(&self) -> SmtpConfig {
        SmtpConfig {
            host: "127.0.0.1".into(),
            port: self.port,
            tls: TlsMode::None,
            username: None,
            password: None,
            timeout: Duration::from_secs(5),
        }
    }

    fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

async fn serve(
    socket: tokio::net::TcpStream,
    mode: Mode,
    store: Arc<Mutex<Vec<Received>>>,
) -> std::io::Result<()> {
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read);
    write.write_all(b"220 fake.test ESMTP ready\r\n").await?;
    let mut current = Received::default();
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_owned();
        let verb = command
            .split([' ', ':'])
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" => b"250-fake.test greets you\r\n250 8BITMIME\r\n",
            "HELO" | "NOOP" => b"250 OK\r\n",
            "RSET" => {
                current = Received::default();
                b"250 OK\r\n"
            }
            "MAIL" => {
                current.mail_from = command.clone();
                b"250 OK\r\n"
            }
            "RCPT" => match mode {
                Mode::Accept => {
                    current.rcpt_to.push(command.clone());
                    b"250 OK\r\n"
                }
                Mode::DeferRecipient => b"451 4.3.0 Mailbox temporarily unavailable\r\n",
                Mode::RejectRecipient => b"550 5.1.1 No such user here\r\n",
            },
            "DATA" => {
                write
                    .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                    .await?;
                let mut data = String::new();
                loop {
                    line.clear();
                    if lines.read_line(&mut line).await? == 0 {
                        return Ok(());
                    }
                    if line == ".\r\n" {
                        break;
                    }
                    // Undo dot-stuffing.
                    data.push_str(line.strip_prefix('.').unwrap_or(&line));
                }
                current.data = data;
                store.lock().unwrap().push(std::mem::take(&mut current));
                b"250 OK queued\r\n"
            }
            "QUIT" => {
                write.write_all(b"221 Bye\r\n").await?;
                return Ok(());
            }
            _ => b"502 Command not implemented\r\n",
        };
        write.write_all(reply).await?;
    }
}

fn from() -> lettre::message::Mailbox {
    "Haven <no-reply@haven.invalid>".parse().unwrap()
}

#[tokio::test]
async fn smtp_delivers_a_multipart_message_over_the_wire() {
    let server = FakeSmtp::start(Mode::Accept).await;
    let transport = Transport::smtp(&server.config()).unwrap();
    let mail = reset_mail("dave@example.net");
    let id = Uuid::new_v4();

    transport
        .send(&build_message(&from(), &mail, id).unwrap(), id)
        .await
        .unwrap();

    let received = server.received();
    assert_eq!(received.len(), 1);
    assert!(received[0].mail_from.contains("<no-reply@haven.invalid>"));
    assert_eq!(received[0].rcpt_to.len(), 1);
    assert!(received[0].rcpt_to[0].contains("<dave@example.net>"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("received.eml");
    std::fs::write(&path, &received[0].data).unwrap();
    let parsed = testing::parse_file(&path).unwrap();
    assert_eq!(parsed.subject, mail.subject);
    assert_eq!(parsed.links(), vec![LINK.to_owned()]);
    assert!(parsed.html.contains(LINK), "{}", parsed.html);
}

#[tokio::test]
async fn smtp_failures_are_classified_as_temporary_or_permanent() {
    let mail = reset_mail("erin@example.net");
    let id = Uuid::new_v4();
    let message = build_message(&from(), &mail, id).unwrap();

    let deferred = FakeSmtp::start(Mode::DeferRecipient).await;
    let err = Transport::smtp(&deferred.config())
        .unwrap()
        .send(&message, id)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, SendError::Temporary(m) if m.contains("451")),
        "{err:?}"
    );

    let rejected = FakeSmtp::start(Mode::RejectRecipient).await;
    let err = Transport::smtp(&rejected.config())
        .unwrap()
        .send(&message, id)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, SendError::Permanent(m) if m.contains("550")),
        "{err:?}"
    );

    // Nobody listening: a connection error, worth retrying.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let config = SmtpConfig {
        port: closed,
        ..deferred.config()
    };
    let err = Transport::smtp(&config)
        .unwrap()
        .send(&message, id)
        .await
        .unwrap_err();
    assert!(matches!(err, SendError::Temporary(_)), "{err:?}");
}

#[tokio::test]
async fn the_worker_sends_over_smtp_and_marks_the_message_sent() {
    let test_db = TestDatabase::new().await;
    let server = FakeSmtp::start(Mode::Accept).await;
    let shutdown = CancellationToken::new();
    let worker = spawn_delivery_worker(
        test_db.db.clone(),
        Transport::smtp(&server.config()).unwrap(),
        options(),
        shutdown.clone(),
    );

    test_db
        .db
        .enqueue_mail(&reset_mail("frank@example.net"))
        .await
        .unwrap();

    eventually("the message is marked sent", || async {
        status_of_only_mail(&test_db).await == JobStatus::Succeeded
    })
    .await;
    assert_eq!(server.received().len(), 1);
    shutdown.cancel();
    worker.await.unwrap();
}

#[tokio::test]
async fn the_worker_retries_a_deferred_message_later() {
    let test_db = TestDatabase::new().await;
    let server = FakeSmtp::start(Mode::DeferRecipient).await;
    let shutdown = CancellationToken::new();
    let worker = spawn_delivery_worker(
        test_db.db.clone(),
        Transport::smtp(&server.config()).unwrap(),
        options(),
        shutdown.clone(),
    );

    test_db
        .db
        .enqueue_mail(&reset_mail("gina@example.net"))
        .await
        .unwrap();

    eventually("the first attempt is recorded", || async {
        only_job(&test_db).await.attempts == 1
            && status_of_only_mail(&test_db).await == JobStatus::Queued
    })
    .await;
    let record = &only_job(&test_db).await;
    assert!(
        record.last_error.as_deref().unwrap().contains("451"),
        "{record:?}"
    );
    assert!(
        record.run_at > chrono::Utc::now() + chrono::TimeDelta::seconds(20),
        "retried after the backoff, not at once: {record:?}"
    );
    shutdown.cancel();
    worker.await.unwrap();
}

#[tokio::test]
async fn the_worker_gives_up_on_a_rejected_recipient() {
    let test_db = TestDatabase::new().await;
    let server = FakeSmtp::start(Mode::RejectRecipient).await;
    let shutdown = CancellationToken::new();
    let worker = spawn_delivery_worker(
        test_db.db.clone(),
        Transport::smtp(&server.config()).unwrap(),
        options(),
        shutdown.clone(),
    );

    test_db
        .db
        .enqueue_mail(&reset_mail("hank@example.net"))
        .await
        .unwrap();

    eventually("the job is dead", || async {
        status_of_only_mail(&test_db).await == JobStatus::Dead
    })
    .await;
    let record = &only_job(&test_db).await;
    assert_eq!(record.attempts, 1, "no retry after a permanent rejection");
    assert!(
        record.last_error.as_deref().unwrap().contains("550"),
        "{record:?}"
    );
    shutdown.cancel();
    worker.await.unwrap();
}
