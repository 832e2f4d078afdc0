use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The durable queue of outgoing email. Rows are written in the transaction of the change
/// that caused them and delivered by a background worker (`status`: pending → sending → sent,
/// or back to pending with a later `next_attempt_at`, or failed). `locked_until` is the lease
/// of the worker that claimed the row; `last_error` is for operators only.
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
    SentAt,
}

const DUE_INDEX: &str = "idx_outbound_emails_status_next_attempt_at";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(OutboundEmails::Table)
                    .col(
                        ColumnDef::new(OutboundEmails::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(OutboundEmails::Recipient).text().not_null())
                    .col(ColumnDef::new(OutboundEmails::Subject).text().not_null())
                    .col(ColumnDef::new(OutboundEmails::TextBody).text().not_null())
                    .col(ColumnDef::new(OutboundEmails::HtmlBody).text().not_null())
                    .col(
                        ColumnDef::new(OutboundEmails::Status)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(OutboundEmails::Attempts)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(
                        ColumnDef::new(OutboundEmails::NextAttemptAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(OutboundEmails::LockedUntil).timestamp_with_time_zone())
                    .col(ColumnDef::new(OutboundEmails::LastError).text())
                    .col(
                        ColumnDef::new(OutboundEmails::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(OutboundEmails::SentAt).timestamp_with_time_zone())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(DUE_INDEX)
                    .table(OutboundEmails::Table)
                    .col(OutboundEmails::Status)
                    .col(OutboundEmails::NextAttemptAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name(DUE_INDEX)
                    .table(OutboundEmails::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(OutboundEmails::Table).to_owned())
            .await
    }
}
