//! Haven's platform rules.
//!
//! This crate knows what an installation, an environment or an organization *is* and what may
//! happen to it. It defines ports (repository traits) for what it needs from the outside world;
//! the `persistence` crate implements them. It never depends on a web framework or an ORM.

pub mod accounts;
pub mod connections;
pub mod documents;
pub mod error;
pub mod hooks;
pub mod installation;
pub mod intake;
pub mod jobs;
pub mod links;
pub mod mail;
pub mod organizations;
pub mod paging;
pub mod partners;
pub mod peppol;

pub use error::{ConflictCode, DomainError, DomainResult, ExternalService, FieldError};
