use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "intake_drafts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub environment_id: Uuid,
    pub organization_id: Uuid,
    pub message_id: Uuid,
    pub position: i32,
    pub purpose: String,
    pub status: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub filename: Option<String>,
    pub pdf_hash: String,
    pub pdf_size: i64,
    /// A valid invoice as mailed (a sales invoice kept as a draft), in the document store.
    pub invoice_hash: Option<String>,
    /// The fields as JSON.
    #[sea_orm(column_type = "Text")]
    pub fields: String,
    pub document_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text", nullable)]
    pub finished_by: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
