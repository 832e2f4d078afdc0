//! Document exchange: e-invoices sent and received by organizations, their delivery, statuses
//! and history.
//!
//! - [`sending`]: hand in a document (validated, stored, queued);
//! - [`receiving`]: take in a document from outside for an organization's inbox;
//! - [`delivery`]: the delivery job and the channels behind the `DeliveryChannel` port;
//! - [`service`]: outbox and inbox, downloads, status changes, resend, private links;
//! - [`store`] and [`blobs`]: the ports for the records and the bytes.

pub mod blobs;
pub mod delivery;
pub mod receiving;
pub mod records;
pub mod responses;
pub mod retention;
pub mod sending;
pub mod service;
pub mod sharing;
pub mod store;
pub mod usage;
