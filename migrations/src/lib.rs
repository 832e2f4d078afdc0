//! Haven's schema, one migration per file: `mYYYYMMDD_HHMMSS_<verb>_<object>.rs`.
//! Migrations use only the sea-query DSL so that SQLite and PostgreSQL share them.

pub use sea_orm_migration::prelude::*;

mod m20261126_000001_create_installation;
mod m20261126_000002_create_outbound_emails;
mod m20261126_000003_create_accounts;
mod m20261126_000004_create_organizations;
mod m20261202_000001_create_jobs;
mod m20261203_000001_create_documents;
mod m20261203_000002_create_document_shares;
mod m20261203_000010_create_connections;
mod m20261203_000020_index_live_jobs;
mod m20261204_000001_create_hooks;
mod m20261204_000002_create_intake;
mod m20261204_000003_create_partners;
mod m20261204_000010_create_intake_drafts;
mod m20261204_200000_add_hook_language;
mod m20261205_000001_add_intake_sales_drafts;
mod m20261206_000001_create_peppol_received_messages;
mod m20261206_000002_add_intake_sender_verdict;
mod m20261206_000100_create_sml_registrations;
mod m20261206_100000_add_directory_listed;
mod m20261206_200000_create_peppol_exchanges;
mod m20261206_300000_create_peppol_evidence;
mod m20261206_400000_add_evidence_refusal;
mod m20261206_410000_create_peppol_report_sendings;
mod m20261206_420000_add_peppol_document_types;
mod m20261207_100000_add_sml_migration_prepared;
mod m20261207_200000_create_peppol_incoming_refusals;
mod m20261207_400000_add_directory_details;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261126_000001_create_installation::Migration),
            Box::new(m20261126_000002_create_outbound_emails::Migration),
            Box::new(m20261126_000003_create_accounts::Migration),
            Box::new(m20261126_000004_create_organizations::Migration),
            Box::new(m20261202_000001_create_jobs::Migration),
            Box::new(m20261203_000001_create_documents::Migration),
            Box::new(m20261203_000002_create_document_shares::Migration),
            Box::new(m20261203_000010_create_connections::Migration),
            Box::new(m20261203_000020_index_live_jobs::Migration),
            Box::new(m20261204_000001_create_hooks::Migration),
            Box::new(m20261204_000002_create_intake::Migration),
            Box::new(m20261204_000003_create_partners::Migration),
            Box::new(m20261204_000010_create_intake_drafts::Migration),
            Box::new(m20261204_200000_add_hook_language::Migration),
            Box::new(m20261205_000001_add_intake_sales_drafts::Migration),
            Box::new(m20261206_000001_create_peppol_received_messages::Migration),
            Box::new(m20261206_000002_add_intake_sender_verdict::Migration),
            Box::new(m20261206_000100_create_sml_registrations::Migration),
            Box::new(m20261206_100000_add_directory_listed::Migration),
            Box::new(m20261206_200000_create_peppol_exchanges::Migration),
            Box::new(m20261206_300000_create_peppol_evidence::Migration),
            Box::new(m20261206_400000_add_evidence_refusal::Migration),
            Box::new(m20261206_410000_create_peppol_report_sendings::Migration),
            Box::new(m20261206_420000_add_peppol_document_types::Migration),
            Box::new(m20261207_100000_add_sml_migration_prepared::Migration),
            Box::new(m20261207_200000_create_peppol_incoming_refusals::Migration),
            Box::new(m20261207_400000_add_directory_details::Migration),
        ]
    }
}
