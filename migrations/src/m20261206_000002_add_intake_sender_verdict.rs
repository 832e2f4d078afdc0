//! Sender authentication of intake mail: the verdict (SPF, DKIM, DMARC) checked when a message
//! is accepted, kept with the message as JSON text (null when it was not checked).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum IntakeMessages {
    Table,
    SenderVerdict,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(IntakeMessages::Table)
                    .add_column(ColumnDef::new(IntakeMessages::SenderVerdict).text().null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(IntakeMessages::Table)
                    .drop_column(IntakeMessages::SenderVerdict)
                    .to_owned(),
            )
            .await
    }
}
