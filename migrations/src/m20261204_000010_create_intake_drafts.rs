use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Invoices recognised in PDFs without structured data, waiting for a person to complete
/// them. `fields` is the JSON of the recognised (then corrected) fields; the PDF itself is in
/// the document store under `pdf_hash`. One draft per attachment of an intake message
/// (unique `message_id`, `position`), so a repeated processing job cannot make a second.
#[derive(DeriveIden)]
enum IntakeDrafts {
    Table,
    Id,
    EnvironmentId,
    OrganizationId,
    MessageId,
    Position,
    Purpose,
    Status,
    Filename,
    PdfHash,
    PdfSize,
    Fields,
    DocumentId,
    CreatedAt,
    UpdatedAt,
    FinishedAt,
    FinishedBy,
}

#[derive(DeriveIden)]
enum IntakeItems {
    Table,
    DraftId,
}

#[derive(DeriveIden)]
enum IntakeMessages {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let at = |col: IntakeDrafts| {
            ColumnDef::new(col)
                .timestamp_with_time_zone()
                .not_null()
                .to_owned()
        };
        manager
            .create_table(
                Table::create()
                    .table(IntakeDrafts::Table)
                    .col(
                        ColumnDef::new(IntakeDrafts::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(IntakeDrafts::EnvironmentId)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(IntakeDrafts::OrganizationId)
                            .uuid()
                            .not_null(),
                    )
                    .col(ColumnDef::new(IntakeDrafts::MessageId).uuid().not_null())
                    .col(ColumnDef::new(IntakeDrafts::Position).integer().not_null())
                    .col(
                        ColumnDef::new(IntakeDrafts::Purpose)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(IntakeDrafts::Status)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(ColumnDef::new(IntakeDrafts::Filename).text().null())
                    .col(
                        ColumnDef::new(IntakeDrafts::PdfHash)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(IntakeDrafts::PdfSize)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(IntakeDrafts::Fields).text().not_null())
                    .col(ColumnDef::new(IntakeDrafts::DocumentId).uuid().null())
                    .col(at(IntakeDrafts::CreatedAt))
                    .col(at(IntakeDrafts::UpdatedAt))
                    .col(
                        ColumnDef::new(IntakeDrafts::FinishedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(ColumnDef::new(IntakeDrafts::FinishedBy).text().null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(IntakeDrafts::Table, IntakeDrafts::OrganizationId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(IntakeDrafts::Table, IntakeDrafts::MessageId)
                            .to(IntakeMessages::Table, IntakeMessages::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_intake_drafts_item")
                    .table(IntakeDrafts::Table)
                    .col(IntakeDrafts::MessageId)
                    .col(IntakeDrafts::Position)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_intake_drafts_organization")
                    .table(IntakeDrafts::Table)
                    .col(IntakeDrafts::OrganizationId)
                    .col(IntakeDrafts::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(IntakeItems::Table)
                    .add_column(ColumnDef::new(IntakeItems::DraftId).uuid().null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(IntakeItems::Table)
                    .drop_column(IntakeItems::DraftId)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(IntakeDrafts::Table).to_owned())
            .await
    }
}
