//! Receiving email for intake.
//!
//! - [`reader::MimeReader`]: the domain's `MessageReader` port on mail-parser: sender,
//!   subject, automatic-reply markers and every attachment, those of forwarded messages
//!   included.
//! - [`smtp`]: a small SMTP receiver (RFC 5321) that asks a [`smtp::MailSink`] whether a
//!   recipient is known (550 otherwise), enforces the size limit while the data arrives, and
//!   answers 250 only once the sink has stored the message.

pub mod reader;
pub mod smtp;
