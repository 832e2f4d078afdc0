use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Connection keys: per organization, a client id and the SHA-256 of a secret shown once, the
/// scopes, and a generation that moves when the secret is regenerated (tokens name it).
/// `partnership_id` is for connections created through a partnership, which stop with it.
#[derive(DeriveIden)]
enum Connections {
    Table,
    Id,
    EnvironmentId,
    OrganizationId,
    ClientId,
    SecretHash,
    Generation,
    Name,
    Software,
    Scopes,
    Status,
    CreatedBy,
    CreatedByName,
    CreatedByEmail,
    CreatedAt,
    LastUsedAt,
    RevokedAt,
    PartnershipId,
}

/// One API call made with a connection's token, kept 30 days. No foreign key: entries are
/// written in batches after the response, and one for a connection deleted in between must not
/// fail the batch; deleting a connection deletes its entries.
#[derive(DeriveIden)]
enum ConnectionUsage {
    Table,
    Id,
    ConnectionId,
    At,
    Method,
    Endpoint,
    Status,
    DurationMs,
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Connections::Table)
                    .col(
                        ColumnDef::new(Connections::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Connections::EnvironmentId).uuid().not_null())
                    .col(
                        ColumnDef::new(Connections::OrganizationId)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Connections::ClientId)
                            .string_len(64)
                            .not_null()
                            .unique_key(),
                    )
                    .col(
                        ColumnDef::new(Connections::SecretHash)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Connections::Generation)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(ColumnDef::new(Connections::Name).text().not_null())
                    .col(ColumnDef::new(Connections::Software).text().not_null())
                    .col(ColumnDef::new(Connections::Scopes).text().not_null())
                    .col(
                        ColumnDef::new(Connections::Status)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Connections::CreatedBy).uuid().null())
                    .col(ColumnDef::new(Connections::CreatedByName).text().not_null())
                    .col(
                        ColumnDef::new(Connections::CreatedByEmail)
                            .text()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Connections::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Connections::LastUsedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Connections::RevokedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(ColumnDef::new(Connections::PartnershipId).uuid().null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(Connections::Table, Connections::OrganizationId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_connections_organization")
                    .table(Connections::Table)
                    .col(Connections::OrganizationId)
                    .col(Connections::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_connections_partnership")
                    .table(Connections::Table)
                    .col(Connections::PartnershipId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ConnectionUsage::Table)
                    .col(
                        ColumnDef::new(ConnectionUsage::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(ConnectionUsage::ConnectionId)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ConnectionUsage::At)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ConnectionUsage::Method)
                            .string_len(10)
                            .not_null(),
                    )
                    .col(ColumnDef::new(ConnectionUsage::Endpoint).text().not_null())
                    .col(ColumnDef::new(ConnectionUsage::Status).integer().not_null())
                    .col(
                        ColumnDef::new(ConnectionUsage::DurationMs)
                            .integer()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_connection_usage_connection")
                    .table(ConnectionUsage::Table)
                    .col(ConnectionUsage::ConnectionId)
                    .col(ConnectionUsage::At)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_connection_usage_at")
                    .table(ConnectionUsage::Table)
                    .col(ConnectionUsage::At)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ConnectionUsage::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Connections::Table).to_owned())
            .await
    }
}
