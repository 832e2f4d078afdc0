use sea_orm_migration::{
    prelude::*,
    sea_orm::{
        prelude::{DateTimeUtc, Uuid},
        ConnectionTrait,
    },
};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// One durable queue for every background job (email delivery first). `status`: queued →
/// running → succeeded, or back to queued with a later `run_at`, or dead. `locked_until` and
/// `locked_by` are the lease of the worker that claimed the job; `attempts` counts claims and
/// is the claim's token. `idempotency_key` is unique (NULLs excepted) so a job can be enqueued
/// at most once per key. The payload is JSON text (one representation on both databases).
///
/// Replaces `outbound_emails`: its undelivered rows become email jobs, then it is dropped.
#[derive(DeriveIden)]
enum Jobs {
    Table,
    Id,
    Kind,
    Payload,
    IdempotencyKey,
    Status,
    Attempts,
    MaxAttempts,
    RunAt,
    LockedUntil,
    LockedBy,
    LastError,
    CreatedAt,
    FinishedAt,
}

#[derive(DeriveIden)]
enum OutboundEmails {
    Table,
    Id,
    Recipient,
    Subject,
    TextBody,
    HtmlBody,
    Status,
    Attempts,
    NextAttemptAt,
    LockedUntil,
    LastError,
    CreatedAt,
}

const DUE_INDEX: &str = "idx_jobs_status_run_at";
const LIST_INDEX: &str = "idx_jobs_created_at_id";
const KEY_INDEX: &str = "idx_jobs_idempotency_key";
/// The email kind's attempt limit when the rows were moved (as the mail queue had it).
const EMAIL_MAX_ATTEMPTS: i32 = 8;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Jobs::Table)
                    .col(ColumnDef::new(Jobs::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Jobs::Kind).string_len(32).not_null())
                    .col(ColumnDef::new(Jobs::Payload).text().not_null())
                    .col(ColumnDef::new(Jobs::IdempotencyKey).string_len(200))
                    .col(ColumnDef::new(Jobs::Status).string_len(16).not_null())
                    .col(
                        ColumnDef::new(Jobs::Attempts)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(ColumnDef::new(Jobs::MaxAttempts).integer().not_null())
                    .col(
                        ColumnDef::new(Jobs::RunAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(Jobs::LockedUntil).timestamp_with_time_zone())
                    .col(ColumnDef::new(Jobs::LockedBy).string_len(100))
                    .col(ColumnDef::new(Jobs::LastError).text())
                    .col(
                        ColumnDef::new(Jobs::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(Jobs::FinishedAt).timestamp_with_time_zone())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(DUE_INDEX)
                    .table(Jobs::Table)
                    .col(Jobs::Status)
                    .col(Jobs::RunAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(LIST_INDEX)
                    .table(Jobs::Table)
                    .col(Jobs::CreatedAt)
                    .col(Jobs::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(KEY_INDEX)
                    .table(Jobs::Table)
                    .col(Jobs::IdempotencyKey)
                    .unique()
                    .to_owned(),
            )
            .await?;
        move_undelivered_emails(manager).await?;
        manager
            .drop_table(Table::drop().table(OutboundEmails::Table).to_owned())
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Jobs::Table).to_owned())
            .await?;
        crate::m20261126_000002_create_outbound_emails::Migration
            .up(manager)
            .await
    }
}

/// Pending and in-flight messages become queued and running email jobs (a running one is
/// claimed again when its lease ends); failed ones become dead jobs. Sent ones are history and
/// go with the table.
async fn move_undelivered_emails(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let conn = manager.get_connection();
    let backend = conn.get_database_backend();
    let select = Query::select()
        .columns([
            OutboundEmails::Id,
            OutboundEmails::Recipient,
            OutboundEmails::Subject,
            OutboundEmails::TextBody,
            OutboundEmails::HtmlBody,
            OutboundEmails::Status,
            OutboundEmails::Attempts,
            OutboundEmails::NextAttemptAt,
            OutboundEmails::LockedUntil,
            OutboundEmails::LastError,
            OutboundEmails::CreatedAt,
        ])
        .from(OutboundEmails::Table)
        .and_where(Expr::col(OutboundEmails::Status).is_in(["pending", "sending", "failed"]))
        .to_owned();
    for row in conn.query_all(backend.build(&select)).await? {
        let status: String = row.try_get("", "status")?;
        let status = match status.as_str() {
            "pending" => "queued",
            "sending" => "running",
            _ => "dead",
        };
        let payload = serde_json::json!({
            "to": row.try_get::<String>("", "recipient")?,
            "subject": row.try_get::<String>("", "subject")?,
            "text_body": row.try_get::<String>("", "text_body")?,
            "html_body": row.try_get::<String>("", "html_body")?,
        });
        let created_at: DateTimeUtc = row.try_get("", "created_at")?;
        let finished_at = (status == "dead").then_some(created_at);
        let mut insert = Query::insert();
        insert
            .into_table(Jobs::Table)
            .columns([
                Jobs::Id,
                Jobs::Kind,
                Jobs::Payload,
                Jobs::Status,
                Jobs::Attempts,
                Jobs::MaxAttempts,
                Jobs::RunAt,
                Jobs::LockedUntil,
                Jobs::LastError,
                Jobs::CreatedAt,
                Jobs::FinishedAt,
            ])
            .values([
                row.try_get::<Uuid>("", "id")?.into(),
                "email".into(),
                payload.to_string().into(),
                status.into(),
                row.try_get::<i32>("", "attempts")?.into(),
                EMAIL_MAX_ATTEMPTS.into(),
                row.try_get::<DateTimeUtc>("", "next_attempt_at")?.into(),
                row.try_get::<Option<DateTimeUtc>>("", "locked_until")?
                    .into(),
                row.try_get::<Option<String>>("", "last_error")?.into(),
                created_at.into(),
                finished_at.into(),
            ])
            .map_err(|e| DbErr::Custom(e.to_string()))?;
        conn.execute(backend.build(&insert)).await?;
    }
    Ok(())
}
