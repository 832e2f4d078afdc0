//! The evidence of each AS4 exchange a document took part in, both directions: the MessageId,
//! the seat ids of the sending and receiving access points, when the answer came (or was
//! given), and the SHA-256 of the message and of the signal that answered it (and of the UBL
//! form sent, when the original was not UBL), which name blobs in the document store.
//! Written in the transaction that records the exchange (the `delivered` status change, the
//! received-message row). Retention removes the blobs with the document's original and sets
//! `purged_at`; the row stays.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PeppolEvidence {
    Table,
    Id,
    DocumentId,
    Direction,
    MessageId,
    SendingSeat,
    ReceivingSeat,
    ExchangedAt,
    MessageHash,
    SignalHash,
    UblHash,
    PurgedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let text = |col: PeppolEvidence| ColumnDef::new(col).text().not_null().to_owned();
        let hash = |col: PeppolEvidence| ColumnDef::new(col).string_len(64).to_owned();
        manager
            .create_table(
                Table::create()
                    .table(PeppolEvidence::Table)
                    .col(
                        ColumnDef::new(PeppolEvidence::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(PeppolEvidence::DocumentId).uuid().not_null())
                    .col(
                        ColumnDef::new(PeppolEvidence::Direction)
                            .string_len(8)
                            .not_null(),
                    )
                    .col(text(PeppolEvidence::MessageId))
                    .col(text(PeppolEvidence::SendingSeat))
                    .col(text(PeppolEvidence::ReceivingSeat))
                    .col(
                        ColumnDef::new(PeppolEvidence::ExchangedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(hash(PeppolEvidence::MessageHash).not_null())
                    .col(hash(PeppolEvidence::SignalHash).not_null())
                    .col(hash(PeppolEvidence::UblHash).null())
                    .col(
                        ColumnDef::new(PeppolEvidence::PurgedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_peppol_evidence_document")
                    .table(PeppolEvidence::Table)
                    .col(PeppolEvidence::DocumentId)
                    .col(PeppolEvidence::ExchangedAt)
                    .to_owned(),
            )
            .await?;
        // Retention asks whether a hash is still named by evidence it keeps.
        for (name, col) in [
            (
                "idx_peppol_evidence_message_hash",
                PeppolEvidence::MessageHash,
            ),
            (
                "idx_peppol_evidence_signal_hash",
                PeppolEvidence::SignalHash,
            ),
            ("idx_peppol_evidence_ubl_hash", PeppolEvidence::UblHash),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(PeppolEvidence::Table)
                        .col(col)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PeppolEvidence::Table).to_owned())
            .await
    }
}
