//! The one place where database errors become domain errors.

use haven_domain::DomainError;
use sea_orm::{DbErr, SqlErr};

/// Maps a sea-orm error: a unique violation is a generic conflict, a missing row is not-found, and
/// everything else is unexpected, with `context` saying what we were doing.
pub(crate) fn map_db_err(err: DbErr, context: &'static str) -> DomainError {
    if let Some(SqlErr::UniqueConstraintViolation(detail)) = err.sql_err() {
        // The database's sentence names tables and constraints: it goes to the log only.
        tracing::info!(%detail, context, "unique violation without a business rule of its own");
        return DomainError::conflict(
            haven_domain::ConflictCode::AlreadyExists,
            "This conflicts with something that already exists; reload and try again.".into(),
        );
    }
    if let DbErr::RecordNotFound(what) = &err {
        return DomainError::NotFound {
            entity: "record",
            id: what.clone(),
        };
    }
    DomainError::Unexpected(anyhow::Error::new(err).context(context))
}
