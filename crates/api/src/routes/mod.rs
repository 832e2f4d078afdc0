//! HTTP resources. Each module exposes `configure`, mounted by [`crate::app`].

pub mod account_dto;
pub mod auth;
pub mod certificates;
pub mod connections;
pub mod directory_details;
pub mod documents;
pub mod drafts;
pub mod environment;
pub mod fallback;
pub mod health;
pub mod hooks;
pub mod intake;
pub mod invoices;
pub mod jobs;
pub mod me;
pub mod operator;
pub mod organizations;
pub mod paging;
pub mod partners;
pub mod peppol_evidence;
pub mod peppol_refusals;
pub mod peppol_reporting;
pub mod sml;
pub mod sml_operator;
pub mod system;
pub mod users;
