//! Black-box tests of the HTTP API: a real server on a free port, a real database per test
//! (SQLite by default, PostgreSQL when HAVEN_TEST_DATABASE_URL is set), spoken to with reqwest.
#![allow(clippy::unwrap_used)]

mod accounts;
mod accounts_more;
mod certificates;
mod connections;
mod documents;
mod drafts;
mod errors;
mod exchange;
mod health;
mod helpers;
mod hooks;
mod intake;
mod intake_authentication;
mod intake_corpus;
mod intake_notices;
mod integration_guide;
mod isolation;
mod jobs;
mod mail_hooks;
mod metrics;
mod ocr;
mod openapi;
mod organizations;
mod paging;
mod partners;
mod peppol;
mod peppol_chains;
mod peppol_directory;
mod peppol_directory_details;
mod peppol_document_types;
mod peppol_evidence;
mod peppol_report_sending;
mod peppol_reporting;
mod peppol_responses;
mod peppol_rollover;
mod peppol_sending;
mod races;
mod security_headers;
mod sml;
mod sml_list;
mod smtp_relay;
mod spa;
