//! Outgoing email as jobs of kind [`JobKind::Email`] on the job queue ([`crate::jobs`]).
//!
//! [`enqueue`] takes any connection, so a repository can queue a message inside its own
//! transaction: the message exists exactly when the change that caused it was committed. The
//! payload is the rendered [`OutgoingMail`]; its bodies (which hold single-use links) are
//! erased when the job succeeds or dies.

use haven_domain::{
    jobs::{JobKind, NewJob},
    mail::OutgoingMail,
    DomainResult,
};
use sea_orm::{ConnectionTrait, DbErr};

use crate::{error::map_db_err, jobs, Database};

/// Queues a message for delivery on `conn`, which may be a transaction: call this inside the
/// transaction of the change that causes the message.
///
/// # Errors
/// The database error, for the caller's transaction to handle.
pub async fn enqueue<C: ConnectionTrait>(conn: &C, mail: &OutgoingMail) -> Result<(), DbErr> {
    jobs::enqueue(conn, email_job(mail)?).await.map(|_| ())
}

/// The job that delivers `mail`.
///
/// # Errors
/// When the message cannot be represented as JSON (it always can).
pub fn email_job(mail: &OutgoingMail) -> Result<NewJob, DbErr> {
    let payload = serde_json::to_value(mail)
        .map_err(|e| DbErr::Custom(format!("could not encode an email job: {e}")))?;
    Ok(NewJob::new(JobKind::Email, payload))
}

impl Database {
    /// Queues a message on its own (outside any other transaction).
    ///
    /// # Errors
    /// [`haven_domain::DomainError::Unexpected`] when the store cannot be reached.
    pub async fn enqueue_mail(&self, mail: &OutgoingMail) -> DomainResult<()> {
        enqueue(self.write_conn(), mail)
            .await
            .map_err(|e| map_db_err(e, "queueing an email"))
    }
}
