use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "documents")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub environment_id: Uuid,
    pub organization_id: Uuid,
    pub direction: String,
    pub kind: String,
    pub status: String,
    pub channel: Option<String>,
    pub party_id: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub receiver_id: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub number: Option<String>,
    pub issue_date: Option<String>,
    pub due_date: Option<String>,
    pub currency: Option<String>,
    pub payable_amount: Option<String>,
    pub total_amount: Option<String>,
    pub profile: Option<String>,
    pub syntax: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub seller_name: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub seller_endpoint: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub buyer_name: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub buyer_endpoint: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub buyer_legal_id: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub buyer_vat_id: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub buyer_email: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub buyer_reference: Option<String>,
    pub content_hash: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub idempotency_key: Option<String>,
    pub delivery_key: Option<String>,
    pub duplicate_of: Option<Uuid>,
    pub related_id: Option<Uuid>,
    pub response: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub deleted_at: Option<DateTimeUtc>,
    pub purged_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
