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
    smtp::{serve_listeners, Entry, MailSink, SinkError, SmtpClient, SmtpSettings},
};
use haven_persistence::Database;
use tokio::{net::TcpListener, sync::Notify, task::JoinHandle};
use tokio_util::sync::CancellationToken;

use crate::config::Settings;

/// Hands accepted messages to [`accept_message`] and wakes the job worker.
struct IntakeSink {
    db: Database,
    blobs: haven_storage::Storage,
    /// `None` when senders are not checked (`intake_sender_authentication = "off"`).
    authenticator: Option<MailAuthenticator>,
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
    implicit_tls_port: Option<u16>,
    stop: CancellationToken,
    handle: JoinHandle<()>,
}

/// Binds `host:port` for the receiver, saying which setting to look at when it fails.
async fn bind(host: &str, port: u16, what: &str) -> anyhow::Result<TcpListener> {
    TcpListener::bind((host, port))
        .await
        .with_context(|| format!("could not listen for {what} on {host}:{port}"))
}

impl SmtpReceiver {
    /// Binds and starts the receiver when `smtp_intake_enabled` is set: the plain listener
    /// (STARTTLS when a certificate is configured) and, with `smtp_intake_implicit_tls`, the
    /// implicit-TLS one beside it.
    ///
    /// # Errors
    /// When an address cannot be bound, or the TLS settings do not go together.
    pub async fn start(
        settings: &Settings,
        intake: IntakeSettings,
        authenticator: Option<MailAuthenticator>,
        db: Database,
        blobs: haven_storage::Storage,
        wake: Arc<Notify>,
    ) -> anyhow::Result<Option<Self>> {
        if !settings.smtp_intake_enabled {
            anyhow::ensure!(
                !settings.smtp_intake_implicit_tls,
                "smtp_intake_implicit_tls needs smtp_intake_enabled"
            );
            return Ok(None);
        }
        let tls = settings.smtp_intake_tls().await?;
        let plain = bind(
            &settings.smtp_intake_host,
            settings.smtp_intake_port,
            "SMTP",
        )
        .await?;
        let port = plain.local_addr()?.port();
        let mut listeners = vec![(plain, Entry::Plain)];
        let mut implicit_tls_port = None;
        if settings.smtp_intake_implicit_tls {
            // `smtp_intake_tls` has refused implicit TLS without a certificate.
            let certificate = tls
                .clone()
                .context("smtp_intake_implicit_tls needs a certificate")?;
            let listener = bind(
                &settings.smtp_intake_implicit_tls_host,
                settings.smtp_intake_implicit_tls_port,
                "SMTP with implicit TLS",
            )
            .await?;
            implicit_tls_port = Some(listener.local_addr()?.port());
            listeners.push((listener, Entry::ImplicitTls(certificate)));
        }
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
        let handle = tokio::spawn(serve_listeners(listeners, smtp, sink, stop.clone()));
        tracing::info!(
            address = %format!("{}:{port}", settings.smtp_intake_host),
            starttls = settings.smtp_intake_tls_certificate_file.is_some(),
            require_tls = settings.smtp_intake_require_tls,
            implicit_tls_address = ?implicit_tls_port
                .map(|port| format!("{}:{port}", settings.smtp_intake_implicit_tls_host)),
            "SMTP intake is listening"
        );
        Ok(Some(Self {
            port,
            implicit_tls_port,
            stop,
            handle,
        }))
    }

    #[must_use]
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port of the implicit-TLS listener, when it runs.
    #[must_use]
    pub fn implicit_tls_port(&self) -> Option<u16> {
        self.implicit_tls_port
    }

    /// Stops accepting connections; sessions in progress finish on their own.
    pub async fn stop(self) {
        self.stop.cancel();
        let _ = self.handle.await;
    }
}
