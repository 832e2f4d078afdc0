//! When a migration key for another provider was set in the SML for a participant id
//! (`PrepareToMigrate`). Comparing the SML's list with our records then tells an id another
//! provider took over (`moved`) from one the SML lost (created again). NULL: no key was made
//! here, as for every existing row.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SmlRegistrations {
    Table,
    MigrationPreparedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(SmlRegistrations::Table)
                    .add_column(
                        ColumnDef::new(SmlRegistrations::MigrationPreparedAt)
                            .timestamp_with_time_zone()
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
                    .table(SmlRegistrations::Table)
                    .drop_column(SmlRegistrations::MigrationPreparedAt)
                    .to_owned(),
            )
            .await
    }
}
