//! Authentication: short-lived access tokens (JWT), rotating refresh tokens in an HttpOnly
//! cookie, and the extractor that turns a bearer token into the acting user.

pub mod cookies;
pub mod extractor;
pub mod tokens;

pub use extractor::Authenticated;
