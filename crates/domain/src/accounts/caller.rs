//! Who performs a use case: every entrance (a request with a session, later a connection key
//! or an email) turns its credentials into a [`Caller`] before it calls the domain.

use uuid::Uuid;

use crate::{connections::ConnectionGrant, DomainError, DomainResult};

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
    pub fn audit(&self, action: super::AuditAction) -> NewAuditEvent {
        NewAuditEvent::new(action, self.client).by(self.user)
    }
}

/// Who acts for a participant id (the `/parties/{partyId}/…` operations): a person with a
/// session, accounting software with a connection's token, or a trusted sender's email. Only these use cases take it;
/// everything else takes a [`Caller`], so a connection cannot reach them by construction.
#[derive(Debug, Clone, Copy)]
pub enum PartyCaller<'a> {
    User(Caller<'a>),
    Connection {
        grant: &'a ConnectionGrant,
        client: &'a ClientInfo,
    },
    /// A trusted sender mailing an organization's intake address; email intake established
    /// the trust before it calls a use case.
    Email {
        environment_id: Uuid,
        sender: &'a str,
    },
}

impl PartyCaller<'_> {
    /// The environment the caller acts in.
    #[must_use]
    pub fn environment_id(&self) -> Uuid {
        match self {
            Self::User(caller) => caller.actor.environment_id,
            Self::Connection { grant, .. } => grant.environment_id,
            Self::Email { environment_id, .. } => *environment_id,
        }
    }

    /// How a document's history names the caller: the person's address or the connection.
    #[must_use]
    pub fn by(&self) -> String {
        match self {
            Self::User(caller) => caller.user.email.clone(),
            Self::Connection { grant, .. } => grant.label(),
            Self::Email { sender, .. } => format!("email from {sender}"),
        }
    }
}

impl<'a> From<Caller<'a>> for PartyCaller<'a> {
    fn from(caller: Caller<'a>) -> Self {
        Self::User(caller)
    }
}

/// The installation's platform operators, by address (lower case). Operators review
/// activations and look after background jobs, across environments.
#[derive(Debug, Clone, Default)]
pub struct Operators(pub Vec<String>);

impl Operators {
    /// Whether this address is an operator's.
    #[must_use]
    pub fn includes(&self, email: &str) -> bool {
        self.0.iter().any(|o| o == email)
    }

    /// Operators are an installation-level role: to everyone else their pages do not exist,
    /// so a non-operator gets `NotFound`; an operator who still has to enrol in two-factor
    /// authentication gets `Forbidden`.
    ///
    /// # Errors
    /// `NotFound` or `Forbidden` as above.
    pub fn require(&self, caller: &Caller<'_>) -> DomainResult<()> {
        if !self.includes(&caller.user.email) {
            return Err(DomainError::not_found("page", "operator"));
        }
        if caller.actor.two_factor_pending {
            return Err(DomainError::Forbidden(
                "Set up two-factor authentication first.".into(),
            ));
        }
        Ok(())
    }
}
