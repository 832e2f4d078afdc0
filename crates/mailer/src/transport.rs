//! Where messages go: an SMTP server, or `.eml` files in a directory.

use std::{
    fmt,
    path::{Path, PathBuf},
    sync::{
        atomic::{AtomicI64, Ordering},
        Arc,
    },
    time::Duration,
};

use chrono::Utc;
use lettre::{
    transport::smtp::{
        authentication::Credentials,
        client::{Tls, TlsParameters},
    },
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Why a message was not delivered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Worth another attempt later: a 4xx reply, no connection, a timeout, a TLS failure, a
    /// full disk.
    #[error("temporary failure: {0}")]
    Temporary(String),
    /// Will never succeed: a 5xx reply or an unusable address.
    #[error("permanent failure: {0}")]
    Permanent(String),
}

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TlsMode {
    /// Plain text; only for a relay on the same host or a test server.
    None,
    /// Connect in plain text and upgrade with STARTTLS, which is required (usually port 587).
    #[default]
    Starttls,
    /// TLS from the first byte (SMTPS, usually port 465).
    Tls,
}

/// An SMTP relay to submit messages to.
#[derive(Clone)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub tls: TlsMode,
    pub username: Option<String>,
    pub password: Option<String>,
    /// Limit for each SMTP command, connecting included.
    pub timeout: Duration,
}

impl fmt::Debug for SmtpConfig {
    // Hand-written so that the password never reaches a log line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<set>"))
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// Where the delivery worker hands messages.
#[derive(Clone)]
pub enum Transport {
    Smtp(Arc<AsyncSmtpTransport<Tokio1Executor>>),
    Outbox(FileOutbox),
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Smtp(_) => f.write_str("Transport::Smtp"),
            Self::Outbox(outbox) => f.debug_tuple("Transport::Outbox").field(outbox).finish(),
        }
    }
}

impl Transport {
    /// An SMTP transport. Nothing is connected until the first message.
    ///
    /// # Errors
    /// When the TLS parameters for `host` cannot be built.
    pub fn smtp(config: &SmtpConfig) -> Result<Self, lettre::transport::smtp::Error> {
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host)
            .port(config.port)
            .timeout(Some(config.timeout));
        builder = match config.tls {
            TlsMode::None => builder.tls(Tls::None),
            TlsMode::Starttls => {
                builder.tls(Tls::Required(TlsParameters::new(config.host.clone())?))
            }
            TlsMode::Tls => builder.tls(Tls::Wrapper(TlsParameters::new(config.host.clone())?)),
        };
        if let Some(username) = &config.username {
            builder = builder.credentials(Credentials::new(
                username.clone(),
                config.password.clone().unwrap_or_default(),
            ));
        }
        Ok(Self::Smtp(Arc::new(builder.build())))
    }

    /// A file outbox in `dir`, created when missing.
    ///
    /// # Errors
    /// When the directory cannot be created.
    pub fn outbox(dir: impl Into<PathBuf>) -> std::io::Result<Self> {
        FileOutbox::new(dir).map(Self::Outbox)
    }

    /// Delivers one message; `id` is the queue id (used in the file name of the outbox).
    ///
    /// # Errors
    /// [`SendError`] saying whether another attempt may succeed.
    pub async fn send(&self, message: &Message, id: Uuid) -> Result<(), SendError> {
        match self {
            Self::Smtp(smtp) => smtp.send(message.clone()).await.map(|_| ()).map_err(|e| {
                if e.is_permanent() {
                    SendError::Permanent(e.to_string())
                } else {
                    SendError::Temporary(e.to_string())
                }
            }),
            Self::Outbox(outbox) => {
                outbox.write(message, id).await.map(|_| ()).map_err(|e| {
                    SendError::Temporary(format!("could not write to the outbox: {e}"))
                })
            }
        }
    }
}

/// Writes each message as `<unix-micros>-<id>.eml` (RFC 5322, as it would go over SMTP) into a
/// directory. Names sort in the order the messages were written, and each file appears whole:
/// it is written under a hidden temporary name first and then renamed.
#[derive(Debug, Clone)]
pub struct FileOutbox {
    dir: PathBuf,
    last_micros: Arc<AtomicI64>,
}

impl FileOutbox {
    /// # Errors
    /// When the directory cannot be created.
    pub fn new(dir: impl Into<PathBuf>) -> std::io::Result<Self> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir)?;
        Ok(Self {
            dir,
            last_micros: Arc::new(AtomicI64::new(0)),
        })
    }

    #[must_use]
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes the message and returns the file's path.
    ///
    /// # Errors
    /// When the file cannot be written or renamed.
    pub async fn write(&self, message: &Message, id: Uuid) -> std::io::Result<PathBuf> {
        let micros = self.next_micros();
        let name = format!("{micros:016}-{id}.eml");
        let temporary = self.dir.join(format!(".{name}.tmp"));
        let path = self.dir.join(name);
        tokio::fs::write(&temporary, message.formatted()).await?;
        if let Err(err) = tokio::fs::rename(&temporary, &path).await {
            let _ = tokio::fs::remove_file(&temporary).await;
            return Err(err);
        }
        Ok(path)
    }

    /// The current time in microseconds, strictly increasing within this outbox so that two
    /// messages written in the same instant still sort in order.
    fn next_micros(&self) -> i64 {
        let now = Utc::now().timestamp_micros();
        let previous = self
            .last_micros
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |last| {
                Some(now.max(last + 1))
            })
            .unwrap_or(now);
        now.max(previous + 1)
    }
}
