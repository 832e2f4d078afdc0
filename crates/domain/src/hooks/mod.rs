//! Webhooks: every document event a party (or the environment) subscribed to is pushed to the
//! customer's software, signed, retried and logged.
//!
//! - [`records`]: topics and patterns, hooks, events, deliveries and attempts;
//! - [`target`]: where hooks may send (the transport rules, SSRF protection);
//! - [`service`]: the use cases of the people and software that manage hooks;
//! - [`delivery`]: the job that sends one hook's deliveries, and the `HookTransport` port;
//! - [`mail`]: mail hooks (`mailto:` targets): the message, its attachment, and the
//!   `HookMailer` and `HookDocuments` ports;
//! - [`store`]: the ports.
//!
//! Events are written by the persistence layer in the transaction of the document change that
//! causes them, with a pending delivery to every matching hook (the outbox).

pub mod delivery;
pub mod mail;
pub mod records;
pub mod service;
pub mod store;
pub mod target;

/// How long deliveries and their attempts are kept.
pub const LOG_DAYS: i64 = 30;
