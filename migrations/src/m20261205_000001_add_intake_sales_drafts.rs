//! Sales invoices by email kept as drafts: a per-organization intake preference (off: they
//! are sent on at once, as before), and on a draft the valid invoice as mailed, which
//! completing the draft sends unchanged.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Organizations {
    Table,
    IntakeSalesDrafts,
}

#[derive(DeriveIden)]
enum IntakeDrafts {
    Table,
    InvoiceHash,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one at a time.
        manager
            .alter_table(
                Table::alter()
                    .table(Organizations::Table)
                    .add_column(
                        ColumnDef::new(Organizations::IntakeSalesDrafts)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(IntakeDrafts::Table)
                    .add_column(
                        ColumnDef::new(IntakeDrafts::InvoiceHash)
                            .string_len(64)
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
                    .table(IntakeDrafts::Table)
                    .drop_column(IntakeDrafts::InvoiceHash)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Organizations::Table)
                    .drop_column(Organizations::IntakeSalesDrafts)
                    .to_owned(),
            )
            .await
    }
}
