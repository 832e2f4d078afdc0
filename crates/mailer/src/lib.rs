//! Delivery of outgoing email: the network adapter at the edge of Haven, and the only crate
//! that speaks SMTP.
//!
//! Messages are rendered by the domain (`haven_domain::mail::render`) and queued in the
//! database in the transaction of the change that caused them. The [delivery worker](worker)
//! claims due messages from the queue (any [`haven_domain::mail::MailQueue`]), hands them to a
//! [`Transport`] and records the outcome: temporary failures (4xx, connection and TLS errors)
//! are retried with backoff, permanent ones (5xx, an unusable address) are given up.
//!
//! Two transports: [`SmtpConfig`] (lettre over rustls; no TLS, STARTTLS or implicit TLS) for
//! production, and [`FileOutbox`], which writes each message as an RFC 5322 `.eml` file, for
//! development and tests. Message bodies carry single-use links: they are never logged.

mod message;
#[cfg(feature = "test-support")]
pub mod testing;
mod transport;
pub mod worker;

pub use message::build_message;
pub use transport::{FileOutbox, SendError, SmtpConfig, TlsMode, Transport};
pub use worker::{spawn_delivery_worker, WorkerOptions};

/// The part of an address after `@`, which is all of a recipient that logs may show.
#[must_use]
pub fn recipient_domain(address: &str) -> &str {
    address
        .rsplit_once('@')
        .map_or("<none>", |(_, domain)| domain.trim_end_matches('>'))
}
