//! A real SMTP server for the tests that send through `smtp_host`: Haven's own SMTP receiver
//! (`haven_mailbox::smtp`) on 127.0.0.1 with a sink that keeps every message and also writes
//! it into the app's outbox directory, so the helpers that read mail from there (links in
//! registration mail) work unchanged. Recipients can be refused (550) and deliveries made to
//! fail for a while (451), to see how the platform handles an SMTP server's answers.

use std::{
    path::PathBuf,
    sync::{
        atomic::{AtomicU64, AtomicUsize, Ordering},
        Arc, Mutex,
    },
};

use haven_mailbox::smtp::{serve, MailSink, SinkError, SmtpClient, SmtpSettings};
use tokio_util::sync::CancellationToken;

#[derive(Default)]
pub struct RelayState {
    /// Every message accepted: (recipients, raw bytes).
    pub messages: Mutex<Vec<(Vec<String>, Vec<u8>)>>,
    /// Recipients answered 550 at `RCPT`.
    pub refused: Mutex<Vec<String>>,
    /// Deliveries still to answer 451 (after the data arrived).
    pub busy: AtomicUsize,
    outbox: Mutex<Option<PathBuf>>,
    written: AtomicU64,
}

struct Sink(Arc<RelayState>);

impl MailSink for Sink {
    async fn accepts(&self, recipient: &str) -> Result<bool, SinkError> {
        let refused = self.0.refused.lock().unwrap();
        Ok(!refused.iter().any(|r| r.eq_ignore_ascii_case(recipient)))
    }

    async fn deliver(
        &self,
        _client: &SmtpClient,
        _envelope_from: &str,
        recipients: &[String],
        raw: Vec<u8>,
    ) -> Result<(), SinkError> {
        let busy = self
            .0
            .busy
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        if busy {
            return Err(SinkError("busy, try again later".into()));
        }
        let outbox = self.0.outbox.lock().unwrap().clone();
        if let Some(dir) = outbox {
            std::fs::create_dir_all(&dir).unwrap();
            let n = self.0.written.fetch_add(1, Ordering::SeqCst);
            let micros = chrono::Utc::now().timestamp_micros();
            let name = format!("{micros:016}-relay-{n:06}.eml");
            let temporary = dir.join(format!(".{name}.tmp"));
            std::fs::write(&temporary, &raw).unwrap();
            std::fs::rename(&temporary, dir.join(name)).unwrap();
        }
        self.0
            .messages
            .lock()
            .unwrap()
            .push((recipients.to_vec(), raw));
        Ok(())
    }
}

/// The relay, running until dropped.
pub struct SmtpRelay {
    pub port: u16,
    pub state: Arc<RelayState>,
    stop: CancellationToken,
}

impl SmtpRelay {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(RelayState::default());
        let stop = CancellationToken::new();
        tokio::spawn(serve(
            listener,
            SmtpSettings {
                hostname: "relay.haven.test".into(),
                ..SmtpSettings::default()
            },
            Arc::new(Sink(state.clone())),
            stop.clone(),
        ));
        Self { port, state, stop }
    }

    /// Also writes every accepted message into `dir` as an `.eml` file.
    pub fn write_into(&self, dir: PathBuf) {
        *self.state.outbox.lock().unwrap() = Some(dir);
    }

    /// The messages accepted for `address`, decoded, oldest first.
    pub fn mail_to(&self, address: &str) -> Vec<haven_mailer::testing::OutboxMail> {
        self.state
            .messages
            .lock()
            .unwrap()
            .iter()
            .filter(|(to, _)| to.iter().any(|t| t.eq_ignore_ascii_case(address)))
            .filter_map(|(_, raw)| {
                haven_mailer::testing::parse_bytes(std::path::Path::new("smtp"), raw)
            })
            .collect()
    }

    /// Waits until `n` messages for `address` came (15 s at most) and returns them.
    pub async fn wait_for(
        &self,
        address: &str,
        n: usize,
    ) -> Vec<haven_mailer::testing::OutboxMail> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
        loop {
            let mails = self.mail_to(address);
            if mails.len() >= n {
                return mails;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "only {} of {n} messages to {address} came",
                mails.len()
            );
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
    }
}

impl Drop for SmtpRelay {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}
