//! Environments (tenants), users, single-use email tokens, sessions with rotating refresh
//! tokens, two-factor recovery codes, additional email addresses, login throttling and the
//! security audit log.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Environments {
    Table,
    Id,
    Name,
    AutoJoinDomain,
    RequireTwoFactor,
    ReceivingEnabled,
    ReceivingDecided,
    ReceivingAcknowledgedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    EnvironmentId,
    Email,
    Name,
    PasswordHash,
    Role,
    RelationshipManager,
    Status,
    Language,
    Phone,
    TotpSecret,
    TotpEnabled,
    TotpLastStep,
    CreatedAt,
    UpdatedAt,
    LastLoginAt,
}

#[derive(DeriveIden)]
enum EmailTokens {
    Table,
    Id,
    Kind,
    TokenHash,
    UserId,
    Email,
    Payload,
    ExpiresAt,
    UsedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    UserId,
    UserAgent,
    Ip,
    CreatedAt,
    LastSeenAt,
    ExpiresAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum RefreshTokens {
    Table,
    Id,
    SessionId,
    TokenHash,
    CreatedAt,
    RotatedAt,
}

#[derive(DeriveIden)]
enum RecoveryCodes {
    Table,
    Id,
    UserId,
    CodeHash,
    UsedAt,
}

#[derive(DeriveIden)]
enum AdditionalEmails {
    Table,
    Id,
    UserId,
    Email,
    Status,
    CreatedAt,
    VerifiedAt,
    ApprovedAt,
}

#[derive(DeriveIden)]
enum LoginThrottles {
    Table,
    Key,
    Failures,
    WindowStartedAt,
    LockedUntil,
}

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    Id,
    EnvironmentId,
    ActorId,
    ActorEmail,
    Action,
    TargetType,
    TargetId,
    Details,
    Ip,
    UserAgent,
    CreatedAt,
}

fn id(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .uuid()
        .not_null()
        .primary_key()
        .to_owned()
}

fn timestamp(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

fn optional_timestamp(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .null()
        .to_owned()
}

fn foreign_key(
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
                    .table(Environments::Table)
                    .col(id(Environments::Id))
                    .col(ColumnDef::new(Environments::Name).string().not_null())
                    .col(ColumnDef::new(Environments::AutoJoinDomain).string().null())
                    .col(
                        ColumnDef::new(Environments::RequireTwoFactor)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(
                        ColumnDef::new(Environments::ReceivingEnabled)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(
                        ColumnDef::new(Environments::ReceivingDecided)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(optional_timestamp(Environments::ReceivingAcknowledgedAt))
                    .col(timestamp(Environments::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(id(Users::Id))
                    .col(ColumnDef::new(Users::EnvironmentId).uuid().not_null())
                    .col(
                        ColumnDef::new(Users::Email)
                            .string()
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(Users::Name).string().not_null())
                    .col(ColumnDef::new(Users::PasswordHash).string().null())
                    .col(ColumnDef::new(Users::Role).string().not_null())
                    .col(
                        ColumnDef::new(Users::RelationshipManager)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(ColumnDef::new(Users::Status).string().not_null())
                    .col(ColumnDef::new(Users::Language).string().not_null())
                    .col(ColumnDef::new(Users::Phone).string().null())
                    .col(ColumnDef::new(Users::TotpSecret).string().null())
                    .col(
                        ColumnDef::new(Users::TotpEnabled)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(ColumnDef::new(Users::TotpLastStep).big_integer().null())
                    .col(timestamp(Users::CreatedAt))
                    .col(timestamp(Users::UpdatedAt))
                    .col(optional_timestamp(Users::LastLoginAt))
                    .foreign_key(&mut foreign_key(
                        (Users::Table, Users::EnvironmentId),
                        (Environments::Table, Environments::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_users_environment")
                    .table(Users::Table)
                    .col(Users::EnvironmentId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(EmailTokens::Table)
                    .col(id(EmailTokens::Id))
                    .col(ColumnDef::new(EmailTokens::Kind).string().not_null())
                    .col(
                        ColumnDef::new(EmailTokens::TokenHash)
                            .string()
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(EmailTokens::UserId).uuid().null())
                    .col(ColumnDef::new(EmailTokens::Email).string().not_null())
                    .col(ColumnDef::new(EmailTokens::Payload).text().null())
                    .col(timestamp(EmailTokens::ExpiresAt))
                    .col(optional_timestamp(EmailTokens::UsedAt))
                    .col(timestamp(EmailTokens::CreatedAt))
                    .foreign_key(&mut foreign_key(
                        (EmailTokens::Table, EmailTokens::UserId),
                        (Users::Table, Users::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Sessions::Table)
                    .col(id(Sessions::Id))
                    .col(ColumnDef::new(Sessions::UserId).uuid().not_null())
                    .col(ColumnDef::new(Sessions::UserAgent).string().null())
                    .col(ColumnDef::new(Sessions::Ip).string().null())
                    .col(timestamp(Sessions::CreatedAt))
                    .col(timestamp(Sessions::LastSeenAt))
                    .col(timestamp(Sessions::ExpiresAt))
                    .col(optional_timestamp(Sessions::RevokedAt))
                    .foreign_key(&mut foreign_key(
                        (Sessions::Table, Sessions::UserId),
                        (Users::Table, Users::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_sessions_user")
                    .table(Sessions::Table)
                    .col(Sessions::UserId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RefreshTokens::Table)
                    .col(id(RefreshTokens::Id))
                    .col(ColumnDef::new(RefreshTokens::SessionId).uuid().not_null())
                    .col(
                        ColumnDef::new(RefreshTokens::TokenHash)
                            .string()
                            .not_null()
                            .unique_key(),
                    )
                    .col(timestamp(RefreshTokens::CreatedAt))
                    .col(optional_timestamp(RefreshTokens::RotatedAt))
                    .foreign_key(&mut foreign_key(
                        (RefreshTokens::Table, RefreshTokens::SessionId),
                        (Sessions::Table, Sessions::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RecoveryCodes::Table)
                    .col(id(RecoveryCodes::Id))
                    .col(ColumnDef::new(RecoveryCodes::UserId).uuid().not_null())
                    .col(ColumnDef::new(RecoveryCodes::CodeHash).string().not_null())
                    .col(optional_timestamp(RecoveryCodes::UsedAt))
                    .foreign_key(&mut foreign_key(
                        (RecoveryCodes::Table, RecoveryCodes::UserId),
                        (Users::Table, Users::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AdditionalEmails::Table)
                    .col(id(AdditionalEmails::Id))
                    .col(ColumnDef::new(AdditionalEmails::UserId).uuid().not_null())
                    .col(
                        ColumnDef::new(AdditionalEmails::Email)
                            .string()
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(AdditionalEmails::Status).string().not_null())
                    .col(timestamp(AdditionalEmails::CreatedAt))
                    .col(optional_timestamp(AdditionalEmails::VerifiedAt))
                    .col(optional_timestamp(AdditionalEmails::ApprovedAt))
                    .foreign_key(&mut foreign_key(
                        (AdditionalEmails::Table, AdditionalEmails::UserId),
                        (Users::Table, Users::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(LoginThrottles::Table)
                    .col(
                        ColumnDef::new(LoginThrottles::Key)
                            .string()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(LoginThrottles::Failures)
                            .integer()
                            .not_null(),
                    )
                    .col(timestamp(LoginThrottles::WindowStartedAt))
                    .col(optional_timestamp(LoginThrottles::LockedUntil))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AuditEvents::Table)
                    .col(id(AuditEvents::Id))
                    .col(ColumnDef::new(AuditEvents::EnvironmentId).uuid().null())
                    .col(ColumnDef::new(AuditEvents::ActorId).uuid().null())
                    .col(ColumnDef::new(AuditEvents::ActorEmail).string().null())
                    .col(ColumnDef::new(AuditEvents::Action).string().not_null())
                    .col(ColumnDef::new(AuditEvents::TargetType).string().null())
                    .col(ColumnDef::new(AuditEvents::TargetId).string().null())
                    .col(ColumnDef::new(AuditEvents::Details).text().not_null())
                    .col(ColumnDef::new(AuditEvents::Ip).string().null())
                    .col(ColumnDef::new(AuditEvents::UserAgent).string().null())
                    .col(timestamp(AuditEvents::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_audit_events_environment_time")
                    .table(AuditEvents::Table)
                    .col(AuditEvents::EnvironmentId)
                    .col(AuditEvents::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AuditEvents::Table.into_iden(),
            LoginThrottles::Table.into_iden(),
            AdditionalEmails::Table.into_iden(),
            RecoveryCodes::Table.into_iden(),
            RefreshTokens::Table.into_iden(),
            Sessions::Table.into_iden(),
            EmailTokens::Table.into_iden(),
            Users::Table.into_iden(),
            Environments::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
