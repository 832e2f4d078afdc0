use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "peppol_incoming_refusals")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub reason: String,
    pub refused_at: DateTimeUtc,
    #[sea_orm(column_type = "Text", nullable)]
    pub sender_access_point: Option<String>,
    pub sender_verified: bool,
    #[sea_orm(column_type = "Text", nullable)]
    pub message_id: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub ebms_code: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub peppol_code: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    pub message_hash: Option<String>,
    pub message_truncated: bool,
    pub signal_hash: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
