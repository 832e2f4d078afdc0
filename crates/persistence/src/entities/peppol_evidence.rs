use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "peppol_evidence")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub document_id: Uuid,
    pub direction: String,
    #[sea_orm(column_type = "Text")]
    pub message_id: String,
    #[sea_orm(column_type = "Text")]
    pub sending_seat: String,
    #[sea_orm(column_type = "Text")]
    pub receiving_seat: String,
    pub exchanged_at: DateTimeUtc,
    pub message_hash: String,
    pub signal_hash: String,
    pub ubl_hash: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub refusal: Option<String>,
    pub purged_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
