//! The handler of email jobs: builds the message from the job's payload and hands it to a
//! [`Transport`]. Temporary failures (4xx, connection, TLS, a full disk) are retried by the
//! queue with the email kind's backoff; permanent ones (5xx, an unusable address) make the job
//! dead at once.

use haven_domain::{
    jobs::{ClaimedJob, HandlerFuture, JobError, JobHandler, JobKind},
    mail::OutgoingMail,
};
use lettre::message::Mailbox;

use crate::{build_message, recipient_domain, SendError, Transport};

/// Delivers jobs of kind [`JobKind::Email`].
#[derive(Debug, Clone)]
pub struct EmailHandler {
    transport: Transport,
    from: Mailbox,
}

impl EmailHandler {
    /// Sends as `from`, e.g. `Haven <no-reply@example.com>`.
    ///
    /// # Errors
    /// When `from` is not a valid mailbox.
    pub fn new(transport: Transport, from: &str) -> Result<Self, lettre::address::AddressError> {
        Ok(Self {
            transport,
            from: from.parse()?,
        })
    }

    async fn deliver(&self, job: &ClaimedJob) -> Result<(), JobError> {
        let mail: OutgoingMail = serde_json::from_value(job.payload.clone())
            .map_err(|e| JobError::Permanent(format!("not an email payload: {e}")))?;
        if mail.text_body.is_empty() && mail.html_body.is_empty() {
            // A finished job's bodies are erased; an operator retried it. Its links would be
            // stale anyway: the person asks again.
            return Err(JobError::Permanent(
                "the message's content was erased when the job finished; it cannot be sent again"
                    .into(),
            ));
        }
        let domain = recipient_domain(&mail.to);
        let sent = match build_message(&self.from, &mail, job.id) {
            Ok(message) => self.transport.send(&message, job.id).await,
            Err(err) => Err(err),
        };
        match sent {
            Ok(()) => {
                tracing::info!(mail.recipient_domain = domain, "email sent");
                Ok(())
            }
            Err(SendError::Permanent(reason)) => Err(JobError::Permanent(reason)),
            Err(SendError::Temporary(reason)) => Err(JobError::Retry(reason)),
        }
    }
}

impl JobHandler for EmailHandler {
    fn kind(&self) -> JobKind {
        JobKind::Email
    }

    fn run<'a>(&'a self, job: &'a ClaimedJob) -> HandlerFuture<'a> {
        Box::pin(self.deliver(job))
    }
}
