use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "partner_grants")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub partnership_id: Uuid,
    pub organization_id: Uuid,
    pub user_id: Uuid,
    #[sea_orm(column_type = "Text")]
    pub user_name: String,
    #[sea_orm(column_type = "Text")]
    pub user_email: String,
    /// `member` or `administrator`.
    pub role: String,
    /// `offered`, `active` or `revoked`.
    pub status: String,
    /// 1 while offered or active, NULL once revoked (backs the unique index).
    pub live: Option<i16>,
    #[sea_orm(column_type = "Text")]
    pub offered_by_email: String,
    pub created_at: DateTimeUtc,
    pub accepted_at: Option<DateTimeUtc>,
    pub revoked_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
