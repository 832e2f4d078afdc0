use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "partner_requests")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub requester_environment_id: Uuid,
    #[sea_orm(column_type = "Text")]
    pub requester_environment_name: String,
    pub requested_by: Option<Uuid>,
    #[sea_orm(column_type = "Text")]
    pub requested_by_name: String,
    #[sea_orm(column_type = "Text")]
    pub requested_by_email: String,
    #[sea_orm(column_type = "Text")]
    pub client_name: String,
    #[sea_orm(column_type = "Text")]
    pub client_email: String,
    #[sea_orm(column_type = "Text")]
    pub software: String,
    pub kvk_number: String,
    pub language: String,
    /// Hex SHA-256 of the emailed link's token.
    pub token_hash: String,
    /// `pending`, `accepted`, `declined`, `withdrawn` or `expired`.
    pub status: String,
    pub client_environment_id: Option<Uuid>,
    #[sea_orm(column_type = "Text", nullable)]
    pub client_environment_name: Option<String>,
    pub partnership_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    pub answered_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text", nullable)]
    pub answered_by_email: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
