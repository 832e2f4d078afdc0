//! The invoice document types an organization receives over Peppol, as it chose them
//! (comma-separated names, `haven_domain::peppol::document_types::to_stored`). Empty (NULL)
//! until it chooses: then the default of its country applies (BIS Billing 3.0, and SI-UBL 2.0
//! for Dutch organizations), so existing organizations keep receiving what they did and Dutch
//! ones become reachable for SI-UBL 2.0 senders too.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Organizations {
    Table,
    PeppolDocumentTypes,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Organizations::Table)
                    .add_column(
                        ColumnDef::new(Organizations::PeppolDocumentTypes)
                            .text()
                            .null(),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Organizations::Table)
                    .drop_column(Organizations::PeppolDocumentTypes)
                    .to_owned(),
            )
            .await
    }
}
