//! The AS4 messages Haven acknowledged, one per sending access point and MessageId: the
//! document each brought and the hashes of the evidence in the document store (the message as
//! posted and the receipt that answered it). A MessageId sent again is answered with the
//! same receipt; the unique index lets two deliveries at the same instant record one row.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PeppolReceivedMessages {
    Table,
    Id,
    SenderAccessPoint,
    MessageId,
    DocumentId,
    MessageHash,
    ReceiptHash,
    ReceivedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let hash =
            |col: PeppolReceivedMessages| ColumnDef::new(col).string_len(64).not_null().to_owned();
        manager
            .create_table(
                Table::create()
                    .table(PeppolReceivedMessages::Table)
                    .col(
                        ColumnDef::new(PeppolReceivedMessages::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(PeppolReceivedMessages::SenderAccessPoint)
                            .text()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PeppolReceivedMessages::MessageId)
                            .text()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PeppolReceivedMessages::DocumentId)
                            .uuid()
                            .null(),
                    )
                    .col(hash(PeppolReceivedMessages::MessageHash))
                    .col(hash(PeppolReceivedMessages::ReceiptHash))
                    .col(
                        ColumnDef::new(PeppolReceivedMessages::ReceivedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_peppol_received_messages_message")
                    .table(PeppolReceivedMessages::Table)
                    .col(PeppolReceivedMessages::SenderAccessPoint)
                    .col(PeppolReceivedMessages::MessageId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_peppol_received_messages_document")
                    .table(PeppolReceivedMessages::Table)
                    .col(PeppolReceivedMessages::DocumentId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(PeppolReceivedMessages::Table)
                    .to_owned(),
            )
            .await
    }
}
