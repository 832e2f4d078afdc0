//! Accounts: environments (tenants), users with platform roles, sessions, and the policy that
//! decides who may do what.

pub mod audit_action;
pub mod auth_context;
pub mod caller;
pub mod environment;
pub mod password;
pub mod policy;
pub mod profile;
pub mod records;
pub mod secrets;
pub mod sign_in;
pub mod store;
pub mod totp;
pub mod types;
pub mod users;

pub use audit_action::AuditAction;
pub use caller::{Caller, Operators, PartyCaller};
pub use policy::{Action, Actor};
pub use types::{EmailAddress, PersonName, Role, UserStatus};
