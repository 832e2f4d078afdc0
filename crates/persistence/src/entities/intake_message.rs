use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "intake_messages")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub environment_id: Uuid,
    pub organization_id: Uuid,
    pub purpose: String,
    #[sea_orm(column_type = "Text")]
    pub recipient: String,
    #[sea_orm(column_type = "Text")]
    pub envelope_from: String,
    pub transport: String,
    pub raw_hash: String,
    pub size_bytes: i64,
    #[sea_orm(column_type = "Text", nullable)]
    pub sender: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub subject: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub header_message_id: Option<String>,
    pub status: String,
    pub reason: Option<String>,
    pub replied: bool,
    pub received_at: DateTimeUtc,
    pub processed_at: Option<DateTimeUtc>,
    /// The sender authentication verdict as JSON; null when not checked.
    #[sea_orm(column_type = "Text", nullable)]
    pub sender_verdict: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
