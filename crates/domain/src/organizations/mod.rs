//! Organizations: the companies and public bodies that send and receive e-invoices on Haven.
//!
//! - [`identifiers`]: the numbers an organization is known by (KvK, OIN, VAT, GLN, …), their
//!   validation and normalisation, and the Peppol participant identifiers made from them.
//! - [`registry`]: the port to the business register (the Dutch KvK Handelsregister) that
//!   "Add organization" searches to prefill its form.
//! - [`policy`], [`records`], [`store`]: roles, the organization records and their port.
//! - [`service`]: the use cases every entrance calls.

pub mod identifiers;
pub mod policy;
pub mod records;
pub mod registry;
pub mod review;
pub mod service;
pub mod store;
