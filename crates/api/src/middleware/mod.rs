//! Cross-cutting request handling.

pub mod request_context;
pub mod security_headers;
