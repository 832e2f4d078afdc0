use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "partnerships")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub request_id: Uuid,
    pub partner_environment_id: Uuid,
    #[sea_orm(column_type = "Text")]
    pub partner_environment_name: String,
    pub client_environment_id: Uuid,
    #[sea_orm(column_type = "Text")]
    pub client_environment_name: String,
    pub organization_id: Uuid,
    #[sea_orm(column_type = "Text")]
    pub organization_name: String,
    pub kvk_number: String,
    #[sea_orm(column_type = "Text")]
    pub software: String,
    /// `active` or `ended`.
    pub status: String,
    /// 1 while active, NULL once ended (backs the one-active-partnership unique index).
    pub live: Option<i16>,
    pub created_at: DateTimeUtc,
    pub ended_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text", nullable)]
    pub ended_by_email: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
