//! Receiving email for intake.
//!
//! - [`reader::MimeReader`]: the domain's `MessageReader` port on mail-parser: sender,
//!   subject, automatic-reply markers and every attachment, those of forwarded messages
//!   included.
//! - [`authentication::MailAuthenticator`]: the domain's `SenderAuthenticator` port on
//!   mail-auth: SPF, DKIM and DMARC of a message, or the receiving server's
//!   `Authentication-Results` when it is the trusted one.
//! - [`smtp`]: a small SMTP receiver (RFC 5321) that asks a [`smtp::MailSink`] whether a
//!   recipient is known (550 otherwise), enforces the size limit while the data arrives, and
//!   answers 250 only once the sink has stored the message.

pub mod authentication;
pub mod reader;
pub mod smtp;
#[cfg(feature = "test-support")]
pub mod testing;
