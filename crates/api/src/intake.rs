//! The SMTP entrance of email intake: the receiver from `haven-mailbox`, started from the
//! settings, with a sink that calls the intake use cases.

use std::sync::Arc;

use anyhow::Context;
use haven_domain::intake::{
    records::IntakeTransport,
    service::{accept_message, is_intake_address, Envelope, IntakeSettings},
};
use haven_mailbox::{
    authentication::MailAuthenticator,
    smtp::{serve, MailSink, SinkError, SmtpClient, SmtpSettings},
};
use haven_persistence::Database;
use tokio::{net::TcpListener, sync::Notify, task::JoinHandle};
use tokio_util::sync::CancellationToken;

use crate::config::Settings;

/// Hands accepted messages to [`accept_message`] and wakes the job worker.
struct IntakeSink {
    db: Database,
    blobs: haven_storage::Storage,
    authenticator: MailAuthenticator,
    settings: IntakeSettings,
    wake: Arc<Notify>,
}

impl MailSink for IntakeSink {
    async fn accepts(&self, recipient: &str) -> Result<bool, SinkError> {
        is_intake_address(&self.db, &self.settings, recipient)
            .await
            .map_err(|e| SinkError(e.to_string()))
    }

    async fn deliver(
        &self,
        client: &SmtpClient,
        envelope_from: &str,
        recipients: &[String],
        raw: Vec<u8>,
    ) -> Result<(), SinkError> {
        let envelope = Envelope {
            from: envelope_from.to_owned(),
            recipients: recipients.to_vec(),
            transport: IntakeTransport::Smtp,
            client: Some((client.ip, client.helo.clone())),
        };
        accept_message(
            &self.db,
            &self.blobs,
            &self.authenticator,
            &self.settings,
            &envelope,
            &raw,
        )
        .await
        .map_err(|e| SinkError(e.to_string()))?;
        self.wake.notify_one();
        Ok(())
    }
}

/// The running SMTP receiver.
pub struct SmtpReceiver {
    port: u16,
    stop: CancellationToken,
    handle: JoinHandle<()>,
}

impl SmtpReceiver {
    /// Binds and starts the receiver when `smtp_intake_enabled` is set.
    ///
    /// # Errors
    /// When the address cannot be bound.
    pub async fn start(
        settings: &Settings,
        intake: IntakeSettings,
        authenticator: MailAuthenticator,
        db: Database,
        blobs: haven_storage::Storage,
        wake: Arc<Notify>,
    ) -> anyhow::Result<Option<Self>> {
        if !settings.smtp_intake_enabled {
            return Ok(None);
        }
        let tls = settings.smtp_intake_tls()?;
        let listener = TcpListener::bind((
            settings.smtp_intake_host.as_str(),
            settings.smtp_intake_port,
        ))
        .await
        .with_context(|| {
            format!(
                "could not listen for SMTP on {}:{}",
                settings.smtp_intake_host, settings.smtp_intake_port
            )
        })?;
        let port = listener.local_addr()?.port();
        let smtp = SmtpSettings {
            hostname: intake.scheme.domain().to_owned(),
            max_message_bytes: usize::try_from(intake.max_message_bytes).unwrap_or(usize::MAX),
            require_tls: settings.smtp_intake_require_tls,
            tls,
            ..SmtpSettings::default()
        };
        let sink = Arc::new(IntakeSink {
            db,
            blobs,
            authenticator,
            settings: intake,
            wake,
        });
        let stop = CancellationToken::new();
        let handle = tokio::spawn(serve(listener, smtp, sink, stop.clone()));
        tracing::info!(
            address = %format!("{}:{port}", settings.smtp_intake_host),
            starttls = settings.smtp_intake_tls_certificate_file.is_some(),
            require_tls = settings.smtp_intake_require_tls,
            "SMTP intake is listening"
        );
        Ok(Some(Self { port, stop, handle }))
    }

    #[must_use]
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops accepting connections; sessions in progress finish on their own.
    pub async fn stop(self) {
        self.stop.cancel();
        let _ = self.handle.await;
    }
}
