use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "connections")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub environment_id: Uuid,
    pub organization_id: Uuid,
    pub client_id: String,
    /// Hex SHA-256 of the secret.
    pub secret_hash: String,
    pub generation: i32,
    #[sea_orm(column_type = "Text")]
    pub name: String,
    #[sea_orm(column_type = "Text")]
    pub software: String,
    /// Space-separated scopes.
    #[sea_orm(column_type = "Text")]
    pub scopes: String,
    /// `active` or `revoked`.
    pub status: String,
    pub created_by: Option<Uuid>,
    #[sea_orm(column_type = "Text")]
    pub created_by_name: String,
    #[sea_orm(column_type = "Text")]
    pub created_by_email: String,
    pub created_at: DateTimeUtc,
    pub last_used_at: Option<DateTimeUtc>,
    pub revoked_at: Option<DateTimeUtc>,
    pub partnership_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
