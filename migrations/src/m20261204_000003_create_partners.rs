use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Authorisation requests an accountant's environment sends to a client: the emailed link's
/// token is kept only as its SHA-256. The client environment is set when a user of it opens
/// the link; the request then shows among that environment's received requests.
#[derive(DeriveIden)]
enum PartnerRequests {
    Table,
    Id,
    RequesterEnvironmentId,
    RequesterEnvironmentName,
    RequestedBy,
    RequestedByName,
    RequestedByEmail,
    ClientName,
    ClientEmail,
    Software,
    KvkNumber,
    Language,
    TokenHash,
    Status,
    ClientEnvironmentId,
    ClientEnvironmentName,
    PartnershipId,
    CreatedAt,
    ExpiresAt,
    AnsweredAt,
    AnsweredByEmail,
}

/// A partnership between the accountant's environment and the client's, for one of the
/// client's organizations. `live` is 1 while active and NULL once ended: the unique index
/// over it allows one active partnership per accountant and organization (NULLs are
/// distinct on both databases), however many ended ones.
#[derive(DeriveIden)]
enum Partnerships {
    Table,
    Id,
    RequestId,
    PartnerEnvironmentId,
    PartnerEnvironmentName,
    ClientEnvironmentId,
    ClientEnvironmentName,
    OrganizationId,
    OrganizationName,
    KvkNumber,
    Software,
    Status,
    Live,
    CreatedAt,
    EndedAt,
    EndedByEmail,
}

/// Access the client gives one user of the partner's environment to the organization:
/// offered, then active once the user accepts, or revoked. `live` as for partnerships: one
/// offered or active grant per organization and user.
#[derive(DeriveIden)]
enum PartnerGrants {
    Table,
    Id,
    PartnershipId,
    OrganizationId,
    UserId,
    UserName,
    UserEmail,
    Role,
    Status,
    Live,
    OfferedByEmail,
    CreatedAt,
    AcceptedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

fn text(column: impl IntoIden) -> ColumnDef {
    ColumnDef::new(column).text().not_null().to_owned()
}

fn moment(column: impl IntoIden) -> ColumnDef {
    ColumnDef::new(column)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

fn maybe_moment(column: impl IntoIden) -> ColumnDef {
    ColumnDef::new(column)
        .timestamp_with_time_zone()
        .null()
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PartnerRequests::Table)
                    .col(
                        ColumnDef::new(PartnerRequests::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(PartnerRequests::RequesterEnvironmentId)
                            .uuid()
                            .not_null(),
                    )
                    .col(text(PartnerRequests::RequesterEnvironmentName))
                    .col(ColumnDef::new(PartnerRequests::RequestedBy).uuid().null())
                    .col(text(PartnerRequests::RequestedByName))
                    .col(text(PartnerRequests::RequestedByEmail))
                    .col(text(PartnerRequests::ClientName))
                    .col(text(PartnerRequests::ClientEmail))
                    .col(text(PartnerRequests::Software))
                    .col(
                        ColumnDef::new(PartnerRequests::KvkNumber)
                            .string_len(8)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PartnerRequests::Language)
                            .string_len(2)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PartnerRequests::TokenHash)
                            .string_len(64)
                            .not_null()
                            .unique_key(),
                    )
                    .col(
                        ColumnDef::new(PartnerRequests::Status)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PartnerRequests::ClientEnvironmentId)
                            .uuid()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(PartnerRequests::ClientEnvironmentName)
                            .text()
                            .null(),
                    )
                    .col(ColumnDef::new(PartnerRequests::PartnershipId).uuid().null())
                    .col(moment(PartnerRequests::CreatedAt))
                    .col(moment(PartnerRequests::ExpiresAt))
                    .col(maybe_moment(PartnerRequests::AnsweredAt))
                    .col(
                        ColumnDef::new(PartnerRequests::AnsweredByEmail)
                            .text()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            (
                "idx_partner_requests_requester",
                PartnerRequests::RequesterEnvironmentId,
            ),
            (
                "idx_partner_requests_client",
                PartnerRequests::ClientEnvironmentId,
            ),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(PartnerRequests::Table)
                        .col(column)
                        .col(PartnerRequests::CreatedAt)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("idx_partner_requests_expiry")
                    .table(PartnerRequests::Table)
                    .col(PartnerRequests::Status)
                    .col(PartnerRequests::ExpiresAt)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Partnerships::Table)
                    .col(
                        ColumnDef::new(Partnerships::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Partnerships::RequestId).uuid().not_null())
                    .col(
                        ColumnDef::new(Partnerships::PartnerEnvironmentId)
                            .uuid()
                            .not_null(),
                    )
                    .col(text(Partnerships::PartnerEnvironmentName))
                    .col(
                        ColumnDef::new(Partnerships::ClientEnvironmentId)
                            .uuid()
                            .not_null(),
                    )
                    .col(text(Partnerships::ClientEnvironmentName))
                    .col(
                        ColumnDef::new(Partnerships::OrganizationId)
                            .uuid()
                            .not_null(),
                    )
                    .col(text(Partnerships::OrganizationName))
                    .col(
                        ColumnDef::new(Partnerships::KvkNumber)
                            .string_len(8)
                            .not_null(),
                    )
                    .col(text(Partnerships::Software))
                    .col(
                        ColumnDef::new(Partnerships::Status)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Partnerships::Live).small_integer().null())
                    .col(moment(Partnerships::CreatedAt))
                    .col(maybe_moment(Partnerships::EndedAt))
                    .col(ColumnDef::new(Partnerships::EndedByEmail).text().null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(Partnerships::Table, Partnerships::OrganizationId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_partnerships_one_active")
                    .table(Partnerships::Table)
                    .col(Partnerships::PartnerEnvironmentId)
                    .col(Partnerships::OrganizationId)
                    .col(Partnerships::Live)
                    .unique()
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            (
                "idx_partnerships_partner",
                Partnerships::PartnerEnvironmentId,
            ),
            ("idx_partnerships_client", Partnerships::ClientEnvironmentId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Partnerships::Table)
                        .col(column)
                        .col(Partnerships::CreatedAt)
                        .to_owned(),
                )
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(PartnerGrants::Table)
                    .col(
                        ColumnDef::new(PartnerGrants::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(PartnerGrants::PartnershipId)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PartnerGrants::OrganizationId)
                            .uuid()
                            .not_null(),
                    )
                    .col(ColumnDef::new(PartnerGrants::UserId).uuid().not_null())
                    .col(text(PartnerGrants::UserName))
                    .col(text(PartnerGrants::UserEmail))
                    .col(
                        ColumnDef::new(PartnerGrants::Role)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PartnerGrants::Status)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(ColumnDef::new(PartnerGrants::Live).small_integer().null())
                    .col(text(PartnerGrants::OfferedByEmail))
                    .col(moment(PartnerGrants::CreatedAt))
                    .col(maybe_moment(PartnerGrants::AcceptedAt))
                    .col(maybe_moment(PartnerGrants::RevokedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(PartnerGrants::Table, PartnerGrants::PartnershipId)
                            .to(Partnerships::Table, Partnerships::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(PartnerGrants::Table, PartnerGrants::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_partner_grants_one_live")
                    .table(PartnerGrants::Table)
                    .col(PartnerGrants::OrganizationId)
                    .col(PartnerGrants::UserId)
                    .col(PartnerGrants::Live)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_partner_grants_user")
                    .table(PartnerGrants::Table)
                    .col(PartnerGrants::UserId)
                    .col(PartnerGrants::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_partner_grants_partnership")
                    .table(PartnerGrants::Table)
                    .col(PartnerGrants::PartnershipId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            PartnerGrants::Table.into_iden(),
            Partnerships::Table.into_iden(),
            PartnerRequests::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
