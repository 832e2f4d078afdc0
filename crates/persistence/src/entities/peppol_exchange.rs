use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "peppol_exchanges")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub direction: String,
    pub period: String,
    pub exchanged_at: DateTimeUtc,
    #[sea_orm(column_type = "Text")]
    pub message_id: String,
    #[sea_orm(column_type = "Text")]
    pub our_seat: String,
    #[sea_orm(column_type = "Text")]
    pub their_seat: String,
    #[sea_orm(column_type = "Text")]
    pub sender_scheme: String,
    #[sea_orm(column_type = "Text")]
    pub sender_id: String,
    #[sea_orm(column_type = "Text")]
    pub receiver_scheme: String,
    #[sea_orm(column_type = "Text")]
    pub receiver_id: String,
    #[sea_orm(column_type = "Text")]
    pub document_type_scheme: String,
    #[sea_orm(column_type = "Text")]
    pub document_type: String,
    #[sea_orm(column_type = "Text")]
    pub process_scheme: String,
    #[sea_orm(column_type = "Text")]
    pub process: String,
    #[sea_orm(column_type = "Text")]
    pub transport_profile: String,
    pub country_c1: String,
    pub country_c4: Option<String>,
    pub end_user_id: Uuid,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
