use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Documents sent and received by organizations. The bytes live in the document store under
/// `content_hash`; a row is written only after its bytes are stored, so no row names bytes
/// that are not there. `idempotency_key` is unique per organization (NULLs excepted): racing
/// requests with one key store one document. `delivery_key` (`<outgoing id>:<organization>`)
/// makes an internal delivery land once however often its job runs. Amounts are decimal text.
#[derive(DeriveIden)]
enum Documents {
    Table,
    Id,
    EnvironmentId,
    OrganizationId,
    Direction,
    Kind,
    Status,
    Channel,
    PartyId,
    ReceiverId,
    Number,
    IssueDate,
    DueDate,
    Currency,
    PayableAmount,
    TotalAmount,
    Profile,
    Syntax,
    SellerName,
    SellerEndpoint,
    BuyerName,
    BuyerEndpoint,
    BuyerLegalId,
    BuyerVatId,
    BuyerEmail,
    BuyerReference,
    ContentHash,
    ContentType,
    SizeBytes,
    IdempotencyKey,
    DeliveryKey,
    DuplicateOf,
    RelatedId,
    Response,
    CreatedAt,
    UpdatedAt,
    DeletedAt,
    PurgedAt,
}

/// The append-only history of a document.
#[derive(DeriveIden)]
enum DocumentEvents {
    Table,
    Id,
    DocumentId,
    Event,
    Status,
    Channel,
    Details,
    Attempt,
    ActorEmail,
    CreatedAt,
}

/// Private links of email delivery: only the SHA-256 of the token is kept.
#[derive(DeriveIden)]
enum DocumentLinks {
    Table,
    TokenHash,
    DocumentId,
    ExpiresAt,
    OpenedAt,
    CreatedAt,
}

/// Billable events with the price in force when they happened.
#[derive(DeriveIden)]
enum UsageRecords {
    Table,
    Id,
    EnvironmentId,
    OrganizationId,
    DocumentId,
    Kind,
    Price,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
}

fn text(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).text().null().to_owned()
}

fn time(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
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
                    .table(Documents::Table)
                    .col(
                        ColumnDef::new(Documents::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Documents::EnvironmentId).uuid().not_null())
                    .col(ColumnDef::new(Documents::OrganizationId).uuid().not_null())
                    .col(
                        ColumnDef::new(Documents::Direction)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Documents::Kind).string_len(32).not_null())
                    .col(ColumnDef::new(Documents::Status).string_len(32).not_null())
                    .col(ColumnDef::new(Documents::Channel).string_len(16).null())
                    .col(
                        ColumnDef::new(Documents::PartyId)
                            .string_len(200)
                            .not_null(),
                    )
                    .col(text(Documents::ReceiverId))
                    .col(text(Documents::Number))
                    .col(ColumnDef::new(Documents::IssueDate).string_len(32).null())
                    .col(ColumnDef::new(Documents::DueDate).string_len(32).null())
                    .col(ColumnDef::new(Documents::Currency).string_len(8).null())
                    .col(
                        ColumnDef::new(Documents::PayableAmount)
                            .string_len(64)
                            .null(),
                    )
                    .col(ColumnDef::new(Documents::TotalAmount).string_len(64).null())
                    .col(ColumnDef::new(Documents::Profile).string_len(64).null())
                    .col(ColumnDef::new(Documents::Syntax).string_len(8).not_null())
                    .col(text(Documents::SellerName))
                    .col(text(Documents::SellerEndpoint))
                    .col(text(Documents::BuyerName))
                    .col(text(Documents::BuyerEndpoint))
                    .col(text(Documents::BuyerLegalId))
                    .col(text(Documents::BuyerVatId))
                    .col(text(Documents::BuyerEmail))
                    .col(text(Documents::BuyerReference))
                    .col(
                        ColumnDef::new(Documents::ContentHash)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Documents::ContentType)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Documents::SizeBytes)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Documents::IdempotencyKey)
                            .string_len(64)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Documents::DeliveryKey)
                            .string_len(100)
                            .null(),
                    )
                    .col(ColumnDef::new(Documents::DuplicateOf).uuid().null())
                    .col(ColumnDef::new(Documents::RelatedId).uuid().null())
                    .col(ColumnDef::new(Documents::Response).string_len(8).null())
                    .col(
                        ColumnDef::new(Documents::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Documents::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(time(Documents::DeletedAt))
                    .col(time(Documents::PurgedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Documents::Table, Documents::OrganizationId)
                            .to(Organizations::Table, Organizations::Id),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, unique, cols) in [
            (
                "uq_documents_idempotency",
                true,
                vec![Documents::OrganizationId, Documents::IdempotencyKey],
            ),
            (
                "uq_documents_delivery_key",
                true,
                vec![Documents::DeliveryKey],
            ),
            (
                "idx_documents_list",
                false,
                vec![
                    Documents::OrganizationId,
                    Documents::Direction,
                    Documents::CreatedAt,
                    Documents::Id,
                ],
            ),
            (
                "idx_documents_duplicates",
                false,
                vec![
                    Documents::OrganizationId,
                    Documents::Direction,
                    Documents::Number,
                    Documents::IssueDate,
                ],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(Documents::Table);
            for col in cols {
                index.col(col);
            }
            if unique {
                index.unique();
            }
            manager.create_index(index.to_owned()).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(DocumentEvents::Table)
                    .col(
                        ColumnDef::new(DocumentEvents::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(DocumentEvents::DocumentId).uuid().not_null())
                    .col(
                        ColumnDef::new(DocumentEvents::Event)
                            .string_len(32)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(DocumentEvents::Status)
                            .string_len(32)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(DocumentEvents::Channel)
                            .string_len(16)
                            .null(),
                    )
                    .col(text(DocumentEvents::Details))
                    .col(ColumnDef::new(DocumentEvents::Attempt).integer().null())
                    .col(text(DocumentEvents::ActorEmail))
                    .col(
                        ColumnDef::new(DocumentEvents::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(DocumentEvents::Table, DocumentEvents::DocumentId)
                            .to(Documents::Table, Documents::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_document_events_document")
                    .table(DocumentEvents::Table)
                    .col(DocumentEvents::DocumentId)
                    .col(DocumentEvents::CreatedAt)
                    .col(DocumentEvents::Id)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(DocumentLinks::Table)
                    .col(
                        ColumnDef::new(DocumentLinks::TokenHash)
                            .string_len(64)
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(DocumentLinks::DocumentId).uuid().not_null())
                    .col(
                        ColumnDef::new(DocumentLinks::ExpiresAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(time(DocumentLinks::OpenedAt))
                    .col(
                        ColumnDef::new(DocumentLinks::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(DocumentLinks::Table, DocumentLinks::DocumentId)
                            .to(Documents::Table, Documents::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(UsageRecords::Table)
                    .col(
                        ColumnDef::new(UsageRecords::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(UsageRecords::EnvironmentId)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(UsageRecords::OrganizationId)
                            .uuid()
                            .not_null(),
                    )
                    .col(ColumnDef::new(UsageRecords::DocumentId).uuid().null())
                    .col(ColumnDef::new(UsageRecords::Kind).string_len(32).not_null())
                    .col(
                        ColumnDef::new(UsageRecords::Price)
                            .string_len(32)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(UsageRecords::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_usage_records_environment")
                    .table(UsageRecords::Table)
                    .col(UsageRecords::EnvironmentId)
                    .col(UsageRecords::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            UsageRecords::Table.into_iden(),
            DocumentLinks::Table.into_iden(),
            DocumentEvents::Table.into_iden(),
            Documents::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
