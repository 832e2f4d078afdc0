//! Where each month's Peppol reports (TSR and EUSR) stand in being sent to OpenPeppol over
//! the Peppol network: `pending` (queued, being sent or retried), `sent` (a signed receipt
//! came) or `failed` with the reason; the AS4 MessageId of the latest round, when the receipt
//! came, and the SHA-256 of the message as posted and of the receipt, which name blobs in the
//! document store. `round` counts the operator's resends (each one a job of its own). One row
//! per month and report, from the first send on.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PeppolReportSendings {
    Table,
    Month,
    Report,
    State,
    Round,
    MessageId,
    Reason,
    MessageHash,
    ReceiptHash,
    SentAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let hash = |col: PeppolReportSendings| ColumnDef::new(col).string_len(64).null().to_owned();
        manager
            .create_table(
                Table::create()
                    .table(PeppolReportSendings::Table)
                    .col(
                        ColumnDef::new(PeppolReportSendings::Month)
                            .string_len(7)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PeppolReportSendings::Report)
                            .string_len(4)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PeppolReportSendings::State)
                            .string_len(10)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PeppolReportSendings::Round)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(
                        ColumnDef::new(PeppolReportSendings::MessageId)
                            .text()
                            .null(),
                    )
                    .col(ColumnDef::new(PeppolReportSendings::Reason).text().null())
                    .col(hash(PeppolReportSendings::MessageHash))
                    .col(hash(PeppolReportSendings::ReceiptHash))
                    .col(
                        ColumnDef::new(PeppolReportSendings::SentAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(PeppolReportSendings::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(PeppolReportSendings::Month)
                            .col(PeppolReportSendings::Report),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PeppolReportSendings::Table).to_owned())
            .await
    }
}
