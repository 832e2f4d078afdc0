//! The evidence of an AS4 exchange the receiving access point refused with a signed ebMS
//! error: the error's code and description, empty for an exchange answered with a receipt.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PeppolEvidence {
    Table,
    Refusal,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(PeppolEvidence::Table)
                    .add_column(ColumnDef::new(PeppolEvidence::Refusal).text().null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(PeppolEvidence::Table)
                    .drop_column(PeppolEvidence::Refusal)
                    .to_owned(),
            )
            .await
    }
}
