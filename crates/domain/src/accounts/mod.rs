//! Accounts: environments (tenants), users with platform roles, sessions, and the policy that
//! decides who may do what.

pub mod auth_context;
pub mod password;
pub mod policy;
pub mod records;
pub mod secrets;
pub mod store;
pub mod totp;
pub mod types;

pub use policy::{Action, Actor};
pub use types::{EmailAddress, PersonName, Role, UserStatus};
