//! Incoming AS4 messages Haven refused (and MessageIds that came again with other bytes), for
//! the installation's operators: who sent it when that could be read, the MessageId, the ebMS
//! error answered and why, and the hashes of the message as it arrived (all of it, or the
//! first bytes of an unauthenticated sender's) and of the signal that answered it, in the
//! document store. Listed newest first, by reason or not; retention removes them by age.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PeppolIncomingRefusals {
    Table,
    Id,
    Reason,
    RefusedAt,
    SenderAccessPoint,
    SenderVerified,
    MessageId,
    EbmsCode,
    PeppolCode,
    Description,
    MessageHash,
    MessageTruncated,
    SignalHash,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let hash =
            |col: PeppolIncomingRefusals| ColumnDef::new(col).string_len(64).null().to_owned();
        let text = |col: PeppolIncomingRefusals| ColumnDef::new(col).text().null().to_owned();
        manager
            .create_table(
                Table::create()
                    .table(PeppolIncomingRefusals::Table)
                    .col(
                        ColumnDef::new(PeppolIncomingRefusals::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(PeppolIncomingRefusals::Reason)
                            .string_len(32)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PeppolIncomingRefusals::RefusedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(text(PeppolIncomingRefusals::SenderAccessPoint))
                    .col(
                        ColumnDef::new(PeppolIncomingRefusals::SenderVerified)
                            .boolean()
                            .not_null(),
                    )
                    .col(text(PeppolIncomingRefusals::MessageId))
                    .col(text(PeppolIncomingRefusals::EbmsCode))
                    .col(text(PeppolIncomingRefusals::PeppolCode))
                    .col(
                        ColumnDef::new(PeppolIncomingRefusals::Description)
                            .text()
                            .not_null(),
                    )
                    .col(hash(PeppolIncomingRefusals::MessageHash))
                    .col(
                        ColumnDef::new(PeppolIncomingRefusals::MessageTruncated)
                            .boolean()
                            .not_null(),
                    )
                    .col(hash(PeppolIncomingRefusals::SignalHash))
                    .to_owned(),
            )
            .await?;
        // Newest first, all or of one reason; retention and the hourly cap read by time too.
        manager
            .create_index(
                Index::create()
                    .name("idx_peppol_incoming_refusals_time")
                    .table(PeppolIncomingRefusals::Table)
                    .col(PeppolIncomingRefusals::RefusedAt)
                    .col(PeppolIncomingRefusals::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_peppol_incoming_refusals_reason")
                    .table(PeppolIncomingRefusals::Table)
                    .col(PeppolIncomingRefusals::Reason)
                    .col(PeppolIncomingRefusals::RefusedAt)
                    .col(PeppolIncomingRefusals::Id)
                    .to_owned(),
            )
            .await?;
        // Whether a blob is still named (retention).
        manager
            .create_index(
                Index::create()
                    .name("idx_peppol_incoming_refusals_message")
                    .table(PeppolIncomingRefusals::Table)
                    .col(PeppolIncomingRefusals::MessageHash)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_peppol_incoming_refusals_signal")
                    .table(PeppolIncomingRefusals::Table)
                    .col(PeppolIncomingRefusals::SignalHash)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(PeppolIncomingRefusals::Table)
                    .to_owned(),
            )
            .await
    }
}
