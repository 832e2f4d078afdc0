use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "intake_items")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub message_id: Uuid,
    pub position: i32,
    #[sea_orm(column_type = "Text", nullable)]
    pub filename: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub content_type: String,
    pub size_bytes: i64,
    pub content_hash: String,
    pub outcome: String,
    pub reason: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub detail: Option<String>,
    pub document_id: Option<Uuid>,
    pub draft_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
