//! The Peppol network as the domain sees it: ports that the `haven-peppol` adapter implements
//! and the decisions around them. Identifier rules, DNS, HTTP and XML signatures live in that
//! adapter, not here.

pub mod certificates;
pub mod directory;
pub mod directory_details;
pub mod discovery;
pub mod document_types;
pub mod evidence;
pub mod migration;
pub mod publishing;
pub mod receiving;
pub mod refusals;
pub mod registration;
pub mod report_sending;
pub mod reporting;
pub mod sending;
pub mod sml_comparison;
pub mod smp_certificate;
