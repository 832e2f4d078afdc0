//! Port: what an authenticated request needs to know about its caller, read in one go.
//!
//! Every authenticated request reads the caller's session, user and environment as they are
//! at that moment, so that ending a session, deactivating a user or changing a role or the
//! environment's two-factor requirement takes effect on the very next request. One read
//! instead of three keeps that guarantee at a third of the database round trips.

use uuid::Uuid;

use super::records::{Environment, Session, User};
use crate::DomainResult;

/// The caller's session, user and environment, read together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthContext {
    pub session: Session,
    pub user: User,
    pub environment: Environment,
}

#[allow(async_fn_in_trait)]
pub trait AuthContextStore {
    /// The session `session_id` with its user and the user's environment, when the session
    /// belongs to `user_id` and the user to `environment_id`; `None` otherwise. Whether the
    /// session is live and the user active is for the caller to judge.
    async fn load_auth_context(
        &self,
        session_id: Uuid,
        user_id: Uuid,
        environment_id: Uuid,
    ) -> DomainResult<Option<AuthContext>>;
}
