//! Who performs a use case: every entrance (a request with a session, later a connection key
//! or an email) turns its credentials into a [`Caller`] before it calls the domain.

use super::{
    records::{ClientInfo, NewAuditEvent, User},
    Actor,
};

/// The authenticated user, what they may do, and where the request came from.
#[derive(Debug, Clone, Copy)]
pub struct Caller<'a> {
    pub actor: &'a Actor,
    pub user: &'a User,
    pub client: &'a ClientInfo,
}

impl<'a> Caller<'a> {
    #[must_use]
    pub fn new(actor: &'a Actor, user: &'a User, client: &'a ClientInfo) -> Self {
        Self {
            actor,
            user,
            client,
        }
    }

    /// An audit event of this caller's environment, attributed to them.
    #[must_use]
    pub fn audit(&self, action: &'static str) -> NewAuditEvent {
        NewAuditEvent::new(action, self.client).by(self.user)
    }
}
