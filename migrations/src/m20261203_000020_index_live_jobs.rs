//! An index of the live jobs (queued or running) by `run_at`, for the claim. The claim asks for
//! "queued and due, or running with an ended lease, oldest first"; with only the
//! `(status, run_at)` index the database read every live job and sorted them on each claim, so
//! a backlog of thousands made every claim cost milliseconds. This partial index is read in
//! `run_at` order and the claim stops after the jobs it takes; finished jobs, which are most of
//! the table, are not in it.

use sea_orm_migration::prelude::*;

const LIVE_INDEX: &str = "idx_jobs_live_run_at";

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Jobs {
    Table,
    Status,
    RunAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(LIVE_INDEX)
                    .table(Jobs::Table)
                    .col(Jobs::RunAt)
                    .and_where(Expr::col(Jobs::Status).is_in(["queued", "running"]))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(LIVE_INDEX).table(Jobs::Table).to_owned())
            .await
    }
}
