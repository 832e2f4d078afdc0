//! The installation: one running Haven deployment, shared by every instance that uses the same
//! database. Its id is created once, on first start, and never changes; it identifies the
//! deployment in logs, support requests and (later) Peppol registrations.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::DomainResult;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Installation {
    pub id: Uuid,
    pub created_at: DateTime<Utc>,
}

/// Port: where the installation record lives.
pub trait InstallationRepository {
    /// Returns the installation, creating it when the database has none yet.
    /// Several instances starting at once must all end up with the same record.
    ///
    /// # Errors
    /// [`crate::DomainError::Unexpected`] when the store cannot be reached.
    fn get_or_create(&self)
        -> impl std::future::Future<Output = DomainResult<Installation>> + Send;
}

/// Port: a cheap round trip to the store, for readiness checks.
pub trait StoreHealth {
    /// # Errors
    /// [`crate::DomainError::Unexpected`] when the store does not answer.
    fn ping(&self) -> impl std::future::Future<Output = DomainResult<()>> + Send;
}
