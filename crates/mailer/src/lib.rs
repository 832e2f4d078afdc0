//! Delivery of outgoing email: the network adapter at the edge of Haven, and the only crate
//! that speaks SMTP.
//!
//! Messages are rendered by the domain (`haven_domain::mail::render`) and queued as email jobs
//! in the transaction of the change that caused them. The job worker (`haven-jobs`) runs them
//! with [`EmailHandler`], which hands each message to a [`Transport`]: temporary failures (4xx,
//! connection and TLS errors) are retried by the queue with backoff, permanent ones (5xx, an
//! unusable address) make the job dead.
//!
//! Two transports: [`SmtpConfig`] (lettre over rustls; no TLS, STARTTLS or implicit TLS) for
//! production, and [`FileOutbox`], which writes each message as an RFC 5322 `.eml` file, for
//! development and tests. Message bodies carry single-use links: they are never logged.

mod handler;
mod hook;
mod message;
#[cfg(feature = "test-support")]
pub mod testing;
mod transport;

pub use handler::EmailHandler;
pub use hook::{build_hook_message, HookMailTransport};
pub use message::build_message;
pub use transport::{FileOutbox, SendError, SmtpConfig, TlsMode, Transport};

/// The part of an address after `@`, which is all of a recipient that logs may show.
#[must_use]
pub fn recipient_domain(address: &str) -> &str {
    address
        .rsplit_once('@')
        .map_or("<none>", |(_, domain)| domain.trim_end_matches('>'))
}
