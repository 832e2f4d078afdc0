//! Implementations of the domain's repository traits on [`crate::Database`].

mod accounts;
mod auth_context;
mod connections;
mod documents;
mod evidence;
mod group_commit;
pub(crate) mod hooks;
mod installation;
mod intake;
mod intake_drafts;
mod organizations;
mod partners;
mod peppol_received;
mod peppol_refusals;
mod read_batch;
mod report_sending;
mod reporting;
pub(crate) mod sml;

pub use group_commit::GroupCommit;
pub(crate) use read_batch::BatchedReads;

use haven_domain::DomainError;
use sea_orm::DatabaseTransaction;

use crate::error::map_db_err;

/// Maps a database error with what we were doing, for `map_err`.
fn db<E: Into<sea_orm::DbErr>>(context: &'static str) -> impl Fn(E) -> DomainError {
    move |e| map_db_err(e.into(), context)
}

/// A stored value no code path writes: the row was changed behind our back.
pub(crate) fn corrupt(what: &str) -> DomainError {
    DomainError::Unexpected(anyhow::anyhow!("stored {what} has an unknown value"))
}

async fn commit(txn: DatabaseTransaction) -> haven_domain::DomainResult<()> {
    txn.commit().await.map_err(db("committing"))
}
