//! Email intake: organizations' purchase and sales invoices submitted by email from trusted
//! addresses.
//!
//! - [`addresses`]: the two intake addresses of an organization and reading them back;
//! - [`service`]: accepting a message (the SMTP receiver and the inbound-email endpoint), the
//!   intake log and trusted senders;
//! - [`processing`]: the job that reads a message and turns its attachments into documents
//!   through the send and receive use cases, or rejections mailed to the sender;
//! - [`drafts`]: PDFs with text, and scans and images read by OCR ([`ocr`], a port),
//!   recognised into drafts a person checks, corrects and completes into an invoice;
//! - [`authentication`]: SPF, DKIM and DMARC of the sender (a port), checked at acceptance
//!   and applied before trust;
//! - [`reading`] and [`store`]: the ports for parsing mail and keeping intake's records.

pub mod addresses;
pub mod authentication;
pub mod drafts;
pub mod ocr;
pub mod processing;
pub mod reading;
pub mod records;
pub mod service;
pub mod store;
