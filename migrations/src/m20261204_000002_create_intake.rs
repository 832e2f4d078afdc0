//! Email intake: the messages that arrived at an organization's intake addresses, what became
//! of each attachment, the senders an Organization Administrator trusts, and a counter that
//! bounds the rejections mailed to one sender.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// An address or a whole domain allowed to submit invoices to one organization's intake.
#[derive(DeriveIden)]
enum TrustedSenders {
    Table,
    Id,
    EnvironmentId,
    OrganizationId,
    /// `address` or `domain`.
    Kind,
    /// The address or the domain, lower case.
    Value,
    /// Receives the invitation and the rejections of mail from this sender.
    ContactEmail,
    Language,
    Status,
    /// SHA-256 of the single-use token in the invitation.
    InviteTokenHash,
    InviteExpiresAt,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

/// One message accepted for one intake address, raw bytes in the document store.
#[derive(DeriveIden)]
enum IntakeMessages {
    Table,
    Id,
    EnvironmentId,
    OrganizationId,
    /// `purchase` or `sales`.
    Purpose,
    Recipient,
    /// The SMTP envelope sender (empty for bounces).
    EnvelopeFrom,
    /// `smtp` or `http`.
    Transport,
    RawHash,
    SizeBytes,
    /// Read from the message when it is processed.
    Sender,
    Subject,
    HeaderMessageId,
    Status,
    Reason,
    /// Whether a rejection was mailed back.
    Replied,
    ReceivedAt,
    ProcessedAt,
}

/// What became of one attachment of a message.
#[derive(DeriveIden)]
enum IntakeItems {
    Table,
    Id,
    MessageId,
    Position,
    Filename,
    ContentType,
    SizeBytes,
    ContentHash,
    Outcome,
    Reason,
    Detail,
    DocumentId,
}

/// Rejections mailed to a sender per hour: a conditional increment bounds them however many
/// workers reject at once.
#[derive(DeriveIden)]
enum IntakeReplyCounters {
    Table,
    Sender,
    WindowStart,
    Count,
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
}

fn uuid_pk<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col)
        .uuid()
        .not_null()
        .primary_key()
        .to_owned()
}

fn at<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

fn organization_fk<T: IntoIden + 'static>(table: T, col: T) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, col)
        .to(Organizations::Table, Organizations::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(TrustedSenders::Table)
                    .col(uuid_pk(TrustedSenders::Id))
                    .col(
                        ColumnDef::new(TrustedSenders::EnvironmentId)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(TrustedSenders::OrganizationId)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(TrustedSenders::Kind)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(ColumnDef::new(TrustedSenders::Value).text().not_null())
                    .col(
                        ColumnDef::new(TrustedSenders::ContactEmail)
                            .text()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(TrustedSenders::Language)
                            .string_len(8)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(TrustedSenders::Status)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(TrustedSenders::InviteTokenHash)
                            .string_len(64)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(TrustedSenders::InviteExpiresAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(ColumnDef::new(TrustedSenders::CreatedBy).text().not_null())
                    .col(at(TrustedSenders::CreatedAt))
                    .col(at(TrustedSenders::UpdatedAt))
                    .foreign_key(&mut organization_fk(
                        TrustedSenders::Table,
                        TrustedSenders::OrganizationId,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_trusted_senders_organization_value")
                    .table(TrustedSenders::Table)
                    .col(TrustedSenders::OrganizationId)
                    .col(TrustedSenders::Kind)
                    .col(TrustedSenders::Value)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_trusted_senders_invite")
                    .table(TrustedSenders::Table)
                    .col(TrustedSenders::InviteTokenHash)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(IntakeMessages::Table)
                    .col(uuid_pk(IntakeMessages::Id))
                    .col(
                        ColumnDef::new(IntakeMessages::EnvironmentId)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(IntakeMessages::OrganizationId)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(IntakeMessages::Purpose)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(ColumnDef::new(IntakeMessages::Recipient).text().not_null())
                    .col(
                        ColumnDef::new(IntakeMessages::EnvelopeFrom)
                            .text()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(IntakeMessages::Transport)
                            .string_len(8)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(IntakeMessages::RawHash)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(IntakeMessages::SizeBytes)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(IntakeMessages::Sender).text().null())
                    .col(ColumnDef::new(IntakeMessages::Subject).text().null())
                    .col(
                        ColumnDef::new(IntakeMessages::HeaderMessageId)
                            .text()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(IntakeMessages::Status)
                            .string_len(24)
                            .not_null(),
                    )
                    .col(ColumnDef::new(IntakeMessages::Reason).string_len(32).null())
                    .col(
                        ColumnDef::new(IntakeMessages::Replied)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(at(IntakeMessages::ReceivedAt))
                    .col(
                        ColumnDef::new(IntakeMessages::ProcessedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .foreign_key(&mut organization_fk(
                        IntakeMessages::Table,
                        IntakeMessages::OrganizationId,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_intake_messages_organization")
                    .table(IntakeMessages::Table)
                    .col(IntakeMessages::OrganizationId)
                    .col(IntakeMessages::ReceivedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(IntakeItems::Table)
                    .col(uuid_pk(IntakeItems::Id))
                    .col(ColumnDef::new(IntakeItems::MessageId).uuid().not_null())
                    .col(ColumnDef::new(IntakeItems::Position).integer().not_null())
                    .col(ColumnDef::new(IntakeItems::Filename).text().null())
                    .col(ColumnDef::new(IntakeItems::ContentType).text().not_null())
                    .col(
                        ColumnDef::new(IntakeItems::SizeBytes)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(IntakeItems::ContentHash)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(IntakeItems::Outcome)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(ColumnDef::new(IntakeItems::Reason).string_len(32).null())
                    .col(ColumnDef::new(IntakeItems::Detail).text().null())
                    .col(ColumnDef::new(IntakeItems::DocumentId).uuid().null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(IntakeItems::Table, IntakeItems::MessageId)
                            .to(IntakeMessages::Table, IntakeMessages::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_intake_items_position")
                    .table(IntakeItems::Table)
                    .col(IntakeItems::MessageId)
                    .col(IntakeItems::Position)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_intake_items_hash")
                    .table(IntakeItems::Table)
                    .col(IntakeItems::ContentHash)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(IntakeReplyCounters::Table)
                    .col(
                        ColumnDef::new(IntakeReplyCounters::Sender)
                            .text()
                            .not_null(),
                    )
                    .col(at(IntakeReplyCounters::WindowStart))
                    .col(
                        ColumnDef::new(IntakeReplyCounters::Count)
                            .integer()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(IntakeReplyCounters::Sender)
                            .col(IntakeReplyCounters::WindowStart),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            IntakeReplyCounters::Table.into_iden(),
            IntakeItems::Table.into_iden(),
            IntakeMessages::Table.into_iden(),
            TrustedSenders::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
