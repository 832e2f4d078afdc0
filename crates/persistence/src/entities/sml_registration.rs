use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sml_registrations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub participant_id: String,
    pub state: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub reason: Option<String>,
    pub updated_at: DateTimeUtc,
    /// When a migration key for another provider was set in the SML (NULL: never here).
    pub migration_prepared_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
