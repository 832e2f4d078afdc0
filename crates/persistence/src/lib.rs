//! sea-orm adapters for the ports defined in `haven-domain`.
//!
//! One code path serves SQLite (the embedded default) and PostgreSQL (production): only the
//! sea-query DSL is used, never raw SQL, apart from the backend-specific connection set-up in
//! [`db`].

mod convert;
pub mod db;
mod entities;
mod error;
pub mod jobs;
mod keyset;
pub mod mail_queue;
mod repositories;
#[cfg(feature = "test-support")]
pub mod testing;

pub use db::{Backend, Database};
