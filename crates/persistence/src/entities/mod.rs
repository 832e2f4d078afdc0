//! Table definitions in sea-orm's entity form. They mirror the migrations and hold no
//! behaviour; behaviour lives in `repositories/`.

pub mod additional_email;
pub mod audit_event;
pub mod connection;
pub mod connection_usage;
pub mod document;
pub mod document_event;
pub mod document_link;
pub mod document_share;
pub mod email_token;
pub mod environment;
pub mod hook;
pub mod hook_attempt;
pub mod hook_delivery;
pub mod hook_event;
pub mod installation;
pub mod intake_draft;
pub mod intake_item;
pub mod intake_message;
pub mod intake_reply_counter;
pub mod job;
pub mod login_throttle;
pub mod organization;
pub mod organization_event;
pub mod organization_identifier;
pub mod organization_member;
pub mod partner_grant;
pub mod partner_request;
pub mod partnership;
pub mod peppol_received_message;
pub mod recovery_code;
pub mod refresh_token;
pub mod session;
pub mod trusted_sender;
pub mod usage_record;
pub mod user;
