//! One row per AS4 message Haven sent (C2) or received (C3) with a receipt: what the monthly
//! Peppol reports (TSR and EUSR) are counted from. Written in the transaction that records
//! the exchange (the delivered status, the received-message row), never changed after.
//! `period` is the UTC month (`YYYY-MM`) of `exchanged_at`, so both databases group and page
//! by it with the same query. No foreign key to the organization: a report of a past month
//! must still count an organization that was removed since.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PeppolExchanges {
    Table,
    Id,
    Direction,
    Period,
    ExchangedAt,
    MessageId,
    OurSeat,
    TheirSeat,
    SenderScheme,
    SenderId,
    ReceiverScheme,
    ReceiverId,
    DocumentTypeScheme,
    DocumentType,
    ProcessScheme,
    Process,
    TransportProfile,
    CountryC1,
    CountryC4,
    EndUserId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let text = |col: PeppolExchanges| ColumnDef::new(col).text().not_null().to_owned();
        let country = |col: PeppolExchanges| ColumnDef::new(col).string_len(2).to_owned();
        manager
            .create_table(
                Table::create()
                    .table(PeppolExchanges::Table)
                    .col(
                        ColumnDef::new(PeppolExchanges::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(PeppolExchanges::Direction)
                            .string_len(8)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PeppolExchanges::Period)
                            .string_len(7)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PeppolExchanges::ExchangedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(text(PeppolExchanges::MessageId))
                    .col(text(PeppolExchanges::OurSeat))
                    .col(text(PeppolExchanges::TheirSeat))
                    .col(text(PeppolExchanges::SenderScheme))
                    .col(text(PeppolExchanges::SenderId))
                    .col(text(PeppolExchanges::ReceiverScheme))
                    .col(text(PeppolExchanges::ReceiverId))
                    .col(text(PeppolExchanges::DocumentTypeScheme))
                    .col(text(PeppolExchanges::DocumentType))
                    .col(text(PeppolExchanges::ProcessScheme))
                    .col(text(PeppolExchanges::Process))
                    .col(text(PeppolExchanges::TransportProfile))
                    .col(country(PeppolExchanges::CountryC1).not_null())
                    .col(country(PeppolExchanges::CountryC4).null())
                    .col(ColumnDef::new(PeppolExchanges::EndUserId).uuid().not_null())
                    .to_owned(),
            )
            .await?;
        // A message is counted once: by its direction, the other access point and MessageId.
        manager
            .create_index(
                Index::create()
                    .name("uq_peppol_exchanges_message")
                    .table(PeppolExchanges::Table)
                    .col(PeppolExchanges::Direction)
                    .col(PeppolExchanges::TheirSeat)
                    .col(PeppolExchanges::MessageId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_peppol_exchanges_period")
                    .table(PeppolExchanges::Table)
                    .col(PeppolExchanges::Period)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PeppolExchanges::Table).to_owned())
            .await
    }
}
