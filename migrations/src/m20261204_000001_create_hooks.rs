use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Webhooks of a party (`organization_id` and `party_id` set) or of the whole environment
/// (both null). Secrets are sealed (they must be recovered to sign); during a rotation's
/// overlap the previous one signs too. `drain_scheduled` says a delivery job of this hook is
/// queued or running: writers of deliveries lock the row and queue one when it is false, the
/// job clears it under the same lock when nothing is pending, so no delivery is left behind.
#[derive(DeriveIden)]
enum Hooks {
    Table,
    Id,
    EnvironmentId,
    OrganizationId,
    PartyId,
    Target,
    Topics,
    Active,
    Description,
    SecretSealed,
    PreviousSecretSealed,
    PreviousSecretUntil,
    DrainScheduled,
    CreatedAt,
    UpdatedAt,
}

/// The outbox: one row per event, written in the transaction of the change that causes it;
/// its id is the stable event id receivers see.
#[derive(DeriveIden)]
enum HookEvents {
    Table,
    Id,
    EnvironmentId,
    OrganizationId,
    PartyId,
    DocumentId,
    Topic,
    Message,
    Details,
    AboutHookId,
    CreatedAt,
}

/// One event on its way to one hook.
#[derive(DeriveIden)]
enum HookDeliveries {
    Table,
    Id,
    HookId,
    EventId,
    Status,
    Attempts,
    NextAttemptAt,
    RedeliveryOf,
    CreatedAt,
    FinishedAt,
}

/// Every attempt of a delivery: the log owners read.
#[derive(DeriveIden)]
enum HookAttempts {
    Table,
    Id,
    DeliveryId,
    Attempt,
    At,
    StatusCode,
    DurationMs,
    Error,
    RequestBody,
    ResponseBody,
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
}

fn at(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Hooks::Table)
                    .col(ColumnDef::new(Hooks::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Hooks::EnvironmentId).uuid().not_null())
                    .col(ColumnDef::new(Hooks::OrganizationId).uuid().null())
                    .col(ColumnDef::new(Hooks::PartyId).text().null())
                    .col(ColumnDef::new(Hooks::Target).text().not_null())
                    .col(ColumnDef::new(Hooks::Topics).text().not_null())
                    .col(ColumnDef::new(Hooks::Active).boolean().not_null())
                    .col(ColumnDef::new(Hooks::Description).text().not_null())
                    .col(ColumnDef::new(Hooks::SecretSealed).text().not_null())
                    .col(ColumnDef::new(Hooks::PreviousSecretSealed).text().null())
                    .col(
                        ColumnDef::new(Hooks::PreviousSecretUntil)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Hooks::DrainScheduled)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(at(Hooks::CreatedAt))
                    .col(at(Hooks::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Hooks::Table, Hooks::OrganizationId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_hooks_owner")
                    .table(Hooks::Table)
                    .col(Hooks::EnvironmentId)
                    .col(Hooks::OrganizationId)
                    .col(Hooks::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(HookEvents::Table)
                    .col(
                        ColumnDef::new(HookEvents::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(HookEvents::EnvironmentId).uuid().not_null())
                    .col(ColumnDef::new(HookEvents::OrganizationId).uuid().null())
                    .col(ColumnDef::new(HookEvents::PartyId).text().null())
                    .col(ColumnDef::new(HookEvents::DocumentId).uuid().null())
                    .col(ColumnDef::new(HookEvents::Topic).string_len(40).not_null())
                    .col(ColumnDef::new(HookEvents::Message).text().not_null())
                    .col(ColumnDef::new(HookEvents::Details).text().null())
                    .col(ColumnDef::new(HookEvents::AboutHookId).uuid().null())
                    .col(at(HookEvents::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_hook_events_created")
                    .table(HookEvents::Table)
                    .col(HookEvents::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(HookDeliveries::Table)
                    .col(
                        ColumnDef::new(HookDeliveries::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(HookDeliveries::HookId).uuid().not_null())
                    .col(ColumnDef::new(HookDeliveries::EventId).uuid().not_null())
                    .col(
                        ColumnDef::new(HookDeliveries::Status)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(HookDeliveries::Attempts)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(
                        ColumnDef::new(HookDeliveries::NextAttemptAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(ColumnDef::new(HookDeliveries::RedeliveryOf).uuid().null())
                    .col(at(HookDeliveries::CreatedAt))
                    .col(
                        ColumnDef::new(HookDeliveries::FinishedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(HookDeliveries::Table, HookDeliveries::HookId)
                            .to(Hooks::Table, Hooks::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(HookDeliveries::Table, HookDeliveries::EventId)
                            .to(HookEvents::Table, HookEvents::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // The log of a hook, newest first, and its next pending delivery, oldest first.
        manager
            .create_index(
                Index::create()
                    .name("idx_hook_deliveries_hook")
                    .table(HookDeliveries::Table)
                    .col(HookDeliveries::HookId)
                    .col(HookDeliveries::Status)
                    .col(HookDeliveries::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_hook_deliveries_log")
                    .table(HookDeliveries::Table)
                    .col(HookDeliveries::HookId)
                    .col(HookDeliveries::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_hook_deliveries_event")
                    .table(HookDeliveries::Table)
                    .col(HookDeliveries::EventId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(HookAttempts::Table)
                    .col(
                        ColumnDef::new(HookAttempts::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(HookAttempts::DeliveryId).uuid().not_null())
                    .col(ColumnDef::new(HookAttempts::Attempt).integer().not_null())
                    .col(at(HookAttempts::At))
                    .col(ColumnDef::new(HookAttempts::StatusCode).integer().null())
                    .col(
                        ColumnDef::new(HookAttempts::DurationMs)
                            .integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(HookAttempts::Error).text().null())
                    .col(ColumnDef::new(HookAttempts::RequestBody).text().not_null())
                    .col(ColumnDef::new(HookAttempts::ResponseBody).text().null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(HookAttempts::Table, HookAttempts::DeliveryId)
                            .to(HookDeliveries::Table, HookDeliveries::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_hook_attempts_delivery")
                    .table(HookAttempts::Table)
                    .col(HookAttempts::DeliveryId)
                    .col(HookAttempts::Attempt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            HookAttempts::Table.into_iden(),
            HookDeliveries::Table.into_iden(),
            HookEvents::Table.into_iden(),
            Hooks::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
