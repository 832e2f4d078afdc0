//! The language of a hook's messages: mail hooks (`mailto:` targets) write in the language of
//! the person who created the hook. Existing hooks get Dutch, the platform's default.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Hooks {
    Table,
    Language,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Hooks::Table)
                    .add_column(
                        ColumnDef::new(Hooks::Language)
                            .string_len(8)
                            .not_null()
                            .default("nl"),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Hooks::Table)
                    .drop_column(Hooks::Language)
                    .to_owned(),
            )
            .await
    }
}
