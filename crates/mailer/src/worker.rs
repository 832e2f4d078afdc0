//! The delivery worker: drains the durable queue into a [`Transport`].
//!
//! Each round claims a batch of due messages (for a lease, so that several instances can share
//! one queue), sends them one by one and records each outcome. Then it waits for the poll
//! interval, or less when someone calls [`WorkerOptions::wake`]'s `notify_one`. It stops when
//! the shutdown token is cancelled, after the message it is sending; messages it had claimed
//! but not started stay leased until the lease ends and are then claimed again.

use std::{sync::Arc, time::Duration};

use haven_domain::mail::{MailQueue, QueuedMail, RetryOutcome};
use lettre::message::Mailbox;
use tokio::{sync::Notify, task::JoinHandle};
use tokio_util::sync::CancellationToken;

use crate::{build_message, recipient_domain, SendError, Transport};

/// How the worker behaves.
#[derive(Debug, Clone)]
pub struct WorkerOptions {
    /// The `From` of every message.
    pub from: Mailbox,
    /// Time between two looks at the queue when it is idle.
    pub poll_interval: Duration,
    /// Messages claimed per round.
    pub batch_size: u32,
    /// How long a claim lasts; longer than a batch can take (batch size × SMTP timeout).
    pub lease: Duration,
    /// Poke (`notify_one`) after queueing a message to have it sent without waiting for the poll.
    pub wake: Arc<Notify>,
}

impl WorkerOptions {
    /// Defaults (poll every second, batches of 10, a 5-minute lease) sending as `from`, e.g.
    /// `Haven <no-reply@example.com>`.
    ///
    /// # Errors
    /// When `from` is not a valid mailbox.
    pub fn new(from: &str) -> Result<Self, lettre::address::AddressError> {
        Ok(Self {
            from: from.parse()?,
            poll_interval: Duration::from_secs(1),
            batch_size: 10,
            lease: Duration::from_secs(300),
            wake: Arc::new(Notify::new()),
        })
    }

    #[must_use]
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval;
        self
    }
}

/// Starts the worker on the current tokio runtime. It runs until `shutdown` is cancelled;
/// await the handle to know it has stopped.
pub fn spawn_delivery_worker<Q>(
    queue: Q,
    transport: Transport,
    options: WorkerOptions,
    shutdown: CancellationToken,
) -> JoinHandle<()>
where
    Q: MailQueue + Send + Sync + 'static,
{
    tokio::spawn(async move {
        tracing::debug!(?transport, "mail delivery worker started");
        while !shutdown.is_cancelled() {
            let full_batch = match deliver_due(&queue, &transport, &options, &shutdown).await {
                Ok(claimed) => claimed >= options.batch_size as usize,
                Err(err) => {
                    tracing::warn!(error = %err, "could not claim queued emails");
                    false
                }
            };
            if full_batch {
                continue;
            }
            tokio::select! {
                () = shutdown.cancelled() => break,
                () = tokio::time::sleep(options.poll_interval) => {}
                () = options.wake.notified() => {}
            }
        }
        tracing::debug!("mail delivery worker stopped");
    })
}

/// One round: claims due messages and delivers them. Returns how many were claimed.
///
/// # Errors
/// When the queue cannot be read.
pub async fn deliver_due<Q: MailQueue>(
    queue: &Q,
    transport: &Transport,
    options: &WorkerOptions,
    shutdown: &CancellationToken,
) -> haven_domain::DomainResult<usize> {
    let batch = queue.claim_due(options.batch_size, options.lease).await?;
    let claimed = batch.len();
    for mail in batch {
        if shutdown.is_cancelled() {
            break;
        }
        deliver_one(queue, transport, &options.from, &mail).await;
    }
    Ok(claimed)
}

async fn deliver_one<Q: MailQueue>(
    queue: &Q,
    transport: &Transport,
    from: &Mailbox,
    queued: &QueuedMail,
) {
    let id = queued.id;
    let domain = recipient_domain(&queued.mail.to);
    let attempt = queued.attempt;
    let result = match build_message(from, &queued.mail, id) {
        Ok(message) => transport.send(&message, id).await,
        Err(err) => Err(err),
    };
    let recorded = match &result {
        Ok(()) => {
            tracing::info!(mail.id = %id, mail.recipient_domain = domain, attempt, "email sent");
            queue.mark_sent(queued).await.map(|_| ())
        }
        Err(SendError::Permanent(reason)) => {
            tracing::warn!(
                mail.id = %id, mail.recipient_domain = domain, attempt, reason = %reason,
                "email rejected permanently; giving up"
            );
            queue.mark_failed(queued, reason).await.map(|_| ())
        }
        Err(SendError::Temporary(reason)) => {
            queue
                .mark_retry(queued, reason)
                .await
                .map(|outcome| match outcome {
                    RetryOutcome::Scheduled(at) => tracing::info!(
                        mail.id = %id, mail.recipient_domain = domain, attempt, reason = %reason,
                        next_attempt_at = %at, "email not sent; will retry"
                    ),
                    RetryOutcome::GaveUp => tracing::warn!(
                        mail.id = %id, mail.recipient_domain = domain, attempt, reason = %reason,
                        "email not sent after the last attempt; giving up"
                    ),
                    RetryOutcome::Stale => {}
                })
        }
    };
    if let Err(err) = recorded {
        tracing::warn!(
            mail.id = %id, error = %err,
            "could not record the delivery outcome; the message is retried when its lease ends"
        );
    }
}
