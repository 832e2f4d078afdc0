use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "organizations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub environment_id: Uuid,
    pub statutory_name: String,
    #[sea_orm(column_type = "Text")]
    pub trade_names: String,
    pub street: Option<String>,
    pub house_number: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    pub country: String,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub kvk_number: Option<String>,
    pub status: String,
    pub activation_method: Option<String>,
    pub activation_code_hash: Option<String>,
    pub activation_code_expires_at: Option<DateTimeUtc>,
    pub activation_attempts: i32,
    #[sea_orm(column_type = "Text")]
    pub register_snapshot: Option<String>,
    /// Intake: sales invoices by email become drafts instead of being sent at once.
    pub intake_sales_drafts: bool,
    /// Peppol Directory: the business card of its receiving ids is served and indexed.
    pub directory_listed: bool,
    /// The invoice document types it chose to receive (comma-separated); none: its country's
    /// default.
    #[sea_orm(column_type = "Text")]
    pub peppol_document_types: Option<String>,
    /// Its additions to the Peppol Directory business card (JSON); none: nothing added.
    #[sea_orm(column_type = "Text")]
    pub directory_details: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
