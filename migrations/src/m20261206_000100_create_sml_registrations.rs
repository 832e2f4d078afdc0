//! Where each participant id is in the SML, as Haven last learnt it: `pending` (a create or
//! delete is queued or being retried), `registered`, or `failed` with the reason. A row
//! exists from the first job until the participant id is deleted from the SML again.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SmlRegistrations {
    Table,
    ParticipantId,
    State,
    Reason,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SmlRegistrations::Table)
                    .col(
                        ColumnDef::new(SmlRegistrations::ParticipantId)
                            .string_len(160)
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(SmlRegistrations::State)
                            .string_len(20)
                            .not_null(),
                    )
                    .col(ColumnDef::new(SmlRegistrations::Reason).text().null())
                    .col(
                        ColumnDef::new(SmlRegistrations::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SmlRegistrations::Table).to_owned())
            .await
    }
}
