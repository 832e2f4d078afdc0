//! Organizations, their identifiers (participant ids), members and status history.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
    EnvironmentId,
    StatutoryName,
    TradeNames,
    Street,
    HouseNumber,
    PostalCode,
    City,
    Country,
    ContactName,
    ContactEmail,
    KvkNumber,
    Status,
    ActivationMethod,
    ActivationCodeHash,
    ActivationCodeExpiresAt,
    ActivationAttempts,
    RegisterSnapshot,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum OrganizationIdentifiers {
    Table,
    Id,
    OrganizationId,
    Kind,
    Scheme,
    Value,
    SendEnabled,
    ReceiveEnabled,
    /// `scheme:value` while registered; unique across the installation (one address on the
    /// network belongs to one organization).
    ParticipantId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum OrganizationMembers {
    Table,
    OrganizationId,
    UserId,
    Role,
    CreatedAt,
}

#[derive(DeriveIden)]
enum OrganizationEvents {
    Table,
    Id,
    OrganizationId,
    Event,
    Status,
    ActorEmail,
    Note,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Environments {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

fn cascade(
    from: (impl IntoIden + 'static, impl IntoIden + 'static),
    to: (impl IntoIden + 'static, impl IntoIden + 'static),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Organizations::Table)
                    .col(
                        ColumnDef::new(Organizations::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(Organizations::EnvironmentId)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Organizations::StatutoryName)
                            .string()
                            .not_null(),
                    )
                    .col(ColumnDef::new(Organizations::TradeNames).text().not_null())
                    .col(ColumnDef::new(Organizations::Street).string().null())
                    .col(ColumnDef::new(Organizations::HouseNumber).string().null())
                    .col(ColumnDef::new(Organizations::PostalCode).string().null())
                    .col(ColumnDef::new(Organizations::City).string().null())
                    .col(ColumnDef::new(Organizations::Country).string().not_null())
                    .col(ColumnDef::new(Organizations::ContactName).string().null())
                    .col(ColumnDef::new(Organizations::ContactEmail).string().null())
                    .col(ColumnDef::new(Organizations::KvkNumber).string().null())
                    .col(ColumnDef::new(Organizations::Status).string().not_null())
                    .col(
                        ColumnDef::new(Organizations::ActivationMethod)
                            .string()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Organizations::ActivationCodeHash)
                            .string()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Organizations::ActivationCodeExpiresAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Organizations::ActivationAttempts)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(
                        ColumnDef::new(Organizations::RegisterSnapshot)
                            .text()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Organizations::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Organizations::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(&mut cascade(
                        (Organizations::Table, Organizations::EnvironmentId),
                        (Environments::Table, Environments::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        // One KvK number once per environment (NULLs, for foreign organizations, never clash).
        manager
            .create_index(
                Index::create()
                    .name("uq_organizations_environment_kvk")
                    .table(Organizations::Table)
                    .col(Organizations::EnvironmentId)
                    .col(Organizations::KvkNumber)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(OrganizationIdentifiers::Table)
                    .col(
                        ColumnDef::new(OrganizationIdentifiers::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(OrganizationIdentifiers::OrganizationId)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(OrganizationIdentifiers::Kind)
                            .string()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(OrganizationIdentifiers::Scheme)
                            .string()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(OrganizationIdentifiers::Value)
                            .string()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(OrganizationIdentifiers::SendEnabled)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(
                        ColumnDef::new(OrganizationIdentifiers::ReceiveEnabled)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(
                        ColumnDef::new(OrganizationIdentifiers::ParticipantId)
                            .string()
                            .null()
                            .unique_key(),
                    )
                    .col(
                        ColumnDef::new(OrganizationIdentifiers::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(&mut cascade(
                        (
                            OrganizationIdentifiers::Table,
                            OrganizationIdentifiers::OrganizationId,
                        ),
                        (Organizations::Table, Organizations::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_organization_identifiers_scheme_value")
                    .table(OrganizationIdentifiers::Table)
                    .col(OrganizationIdentifiers::OrganizationId)
                    .col(OrganizationIdentifiers::Scheme)
                    .col(OrganizationIdentifiers::Value)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(OrganizationMembers::Table)
                    .col(
                        ColumnDef::new(OrganizationMembers::OrganizationId)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(OrganizationMembers::UserId)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(OrganizationMembers::Role)
                            .string()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(OrganizationMembers::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(OrganizationMembers::OrganizationId)
                            .col(OrganizationMembers::UserId),
                    )
                    .foreign_key(&mut cascade(
                        (
                            OrganizationMembers::Table,
                            OrganizationMembers::OrganizationId,
                        ),
                        (Organizations::Table, Organizations::Id),
                    ))
                    .foreign_key(&mut cascade(
                        (OrganizationMembers::Table, OrganizationMembers::UserId),
                        (Users::Table, Users::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(OrganizationEvents::Table)
                    .col(
                        ColumnDef::new(OrganizationEvents::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(OrganizationEvents::OrganizationId)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(OrganizationEvents::Event)
                            .string()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(OrganizationEvents::Status)
                            .string()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(OrganizationEvents::ActorEmail)
                            .string()
                            .null(),
                    )
                    .col(ColumnDef::new(OrganizationEvents::Note).text().null())
                    .col(
                        ColumnDef::new(OrganizationEvents::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(&mut cascade(
                        (
                            OrganizationEvents::Table,
                            OrganizationEvents::OrganizationId,
                        ),
                        (Organizations::Table, Organizations::Id),
                    ))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            OrganizationEvents::Table.into_iden(),
            OrganizationMembers::Table.into_iden(),
            OrganizationIdentifiers::Table.into_iden(),
            Organizations::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
