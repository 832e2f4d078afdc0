//! Starting and stopping the outgoing-mail delivery worker from the settings.

use std::{sync::Arc, time::Duration};

use anyhow::Context;
use haven_mailer::{spawn_delivery_worker, SmtpConfig, Transport, WorkerOptions};
use haven_persistence::Database;
use tokio::{sync::Notify, task::JoinHandle};
use tokio_util::sync::CancellationToken;

use crate::{config::Settings, metrics::mail::CountingMailQueue};

/// Time for an in-flight delivery to finish on shutdown before the worker is abandoned.
const STOP_TIMEOUT: Duration = Duration::from_secs(15);
/// Limit for each SMTP command.
const SMTP_TIMEOUT: Duration = Duration::from_secs(20);

/// The running delivery worker.
pub struct MailWorker {
    shutdown: CancellationToken,
    handle: JoinHandle<()>,
    wake: Arc<Notify>,
}

impl MailWorker {
    /// Starts the worker: SMTP when `smtp_host` is set, else the file outbox in the data
    /// directory.
    ///
    /// # Errors
    /// When `mail_from` is not a mailbox, the SMTP settings are unusable, or the outbox
    /// directory cannot be created.
    pub fn start(settings: &Settings, db: Database) -> anyhow::Result<Self> {
        let options = WorkerOptions::new(&settings.mail_from)
            .with_context(|| format!("mail_from {:?} is not an email address", settings.mail_from))?
            .poll_interval(Duration::from_millis(
                settings.mail_poll_interval_ms.max(10),
            ));
        let transport = match &settings.smtp_host {
            Some(host) => {
                tracing::info!(smtp_host = %host, smtp_port = settings.smtp_port, smtp_tls = ?settings.smtp_tls, "sending email over SMTP");
                Transport::smtp(&SmtpConfig {
                    host: host.clone(),
                    port: settings.smtp_port,
                    tls: settings.smtp_tls,
                    username: settings.smtp_username.clone(),
                    password: settings.smtp_password.clone(),
                    timeout: SMTP_TIMEOUT,
                })
                .context("could not set up the SMTP transport")?
            }
            None => {
                let dir = settings.outbox_dir();
                tracing::info!(outbox = %dir.display(), "no smtp_host: writing email as files into the outbox");
                Transport::outbox(&dir).with_context(|| {
                    format!("could not create the mail outbox {}", dir.display())
                })?
            }
        };
        let wake = options.wake.clone();
        let shutdown = CancellationToken::new();
        let handle =
            spawn_delivery_worker(CountingMailQueue(db), transport, options, shutdown.clone());
        Ok(Self {
            shutdown,
            handle,
            wake,
        })
    }

    /// Poke after queueing a message to have it sent without waiting for the next poll.
    #[must_use]
    pub fn waker(&self) -> Arc<Notify> {
        self.wake.clone()
    }

    /// Stops the worker after the message it is sending, if any.
    pub async fn stop(self) {
        self.shutdown.cancel();
        match tokio::time::timeout(STOP_TIMEOUT, self.handle).await {
            Ok(Ok(())) => {}
            Ok(Err(err)) => tracing::warn!(error = %err, "the mail worker ended abnormally"),
            Err(_) => tracing::warn!("the mail worker did not stop in time"),
        }
    }
}
