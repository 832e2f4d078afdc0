use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A document shared with one user of its environment: `view` (details, history, rendering)
/// or `full` (also the original and converted files). One share per document and user.
#[derive(DeriveIden)]
enum DocumentShares {
    Table,
    DocumentId,
    UserId,
    Access,
    SharedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Documents {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(DocumentShares::Table)
                    .col(ColumnDef::new(DocumentShares::DocumentId).uuid().not_null())
                    .col(ColumnDef::new(DocumentShares::UserId).uuid().not_null())
                    .col(
                        ColumnDef::new(DocumentShares::Access)
                            .string_len(8)
                            .not_null(),
                    )
                    .col(ColumnDef::new(DocumentShares::SharedBy).text().not_null())
                    .col(
                        ColumnDef::new(DocumentShares::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(DocumentShares::DocumentId)
                            .col(DocumentShares::UserId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(DocumentShares::Table, DocumentShares::DocumentId)
                            .to(Documents::Table, Documents::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_document_shares_user")
                    .table(DocumentShares::Table)
                    .col(DocumentShares::UserId)
                    .col(DocumentShares::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(DocumentShares::Table).to_owned())
            .await
    }
}
