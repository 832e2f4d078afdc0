//! What the account store holds, as the domain sees it.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::types::{Role, UserStatus};
use crate::mail::Language;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Environment {
    pub id: Uuid,
    pub name: String,
    pub auto_join_domain: Option<String>,
    pub require_two_factor: bool,
    pub receiving_enabled: bool,
    /// Whether an Administrator answered the "do you want to receive" question.
    pub receiving_decided: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: Uuid,
    pub environment_id: Uuid,
    pub email: String,
    pub name: String,
    pub password_hash: Option<String>,
    pub role: Role,
    pub relationship_manager: bool,
    pub status: UserStatus,
    pub language: Language,
    pub phone: Option<String>,
    /// Encrypted TOTP secret; present from enrolment, used once `totp_enabled`.
    pub totp_secret: Option<String>,
    pub totp_enabled: bool,
    /// The last TOTP time step accepted, so a code cannot be used twice.
    pub totp_last_step: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub last_login_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub id: Uuid,
    pub user_id: Uuid,
    pub user_agent: Option<String>,
    pub ip: Option<String>,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl Session {
    #[must_use]
    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && self.expires_at > now
    }
}

/// What a single-use email link is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Registration,
    Invitation,
    PasswordReset,
    AdditionalEmail,
}

impl TokenKind {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Registration => "registration",
            Self::Invitation => "invitation",
            Self::PasswordReset => "password_reset",
            Self::AdditionalEmail => "additional_email",
        }
    }

    #[must_use]
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "registration" => Some(Self::Registration),
            "invitation" => Some(Self::Invitation),
            "password_reset" => Some(Self::PasswordReset),
            "additional_email" => Some(Self::AdditionalEmail),
            _ => None,
        }
    }

    /// How long a link of this kind stays valid.
    #[must_use]
    pub fn lifetime(self) -> chrono::TimeDelta {
        match self {
            Self::Registration | Self::AdditionalEmail => chrono::TimeDelta::hours(24),
            Self::Invitation => chrono::TimeDelta::hours(72),
            Self::PasswordReset => chrono::TimeDelta::minutes(60),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailToken {
    pub id: Uuid,
    pub kind: TokenKind,
    pub user_id: Option<Uuid>,
    pub email: String,
    /// Kind-specific JSON (e.g. the pending registration's name and password hash).
    pub payload: Option<String>,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
}

/// Why a single-use link cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenProblem {
    Unknown,
    Expired,
    Used,
}

impl EmailToken {
    /// # Errors
    /// Which problem the token has, if any.
    pub fn check_usable(&self, kind: TokenKind, now: DateTime<Utc>) -> Result<(), TokenProblem> {
        if self.kind != kind {
            Err(TokenProblem::Unknown)
        } else if self.used_at.is_some() {
            Err(TokenProblem::Used)
        } else if self.expires_at <= now {
            Err(TokenProblem::Expired)
        } else {
            Ok(())
        }
    }
}

/// An extra address of a user: a login alias and trusted sender once active.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdditionalEmail {
    pub id: Uuid,
    pub user_id: Uuid,
    pub email: String,
    pub status: AdditionalEmailStatus,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum AdditionalEmailStatus {
    /// Waiting for the owner to click the emailed link.
    Unverified,
    /// Verified, on another domain than the user's primary address: waits for an Administrator.
    PendingApproval,
    Active,
}

impl AdditionalEmailStatus {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unverified => "unverified",
            Self::PendingApproval => "pending_approval",
            Self::Active => "active",
        }
    }

    #[must_use]
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "unverified" => Some(Self::Unverified),
            "pending_approval" => Some(Self::PendingApproval),
            "active" => Some(Self::Active),
            _ => None,
        }
    }
}

/// Who did something and from where, for the audit log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientInfo {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    pub id: Uuid,
    pub environment_id: Option<Uuid>,
    pub actor_id: Option<Uuid>,
    pub actor_email: Option<String>,
    pub action: super::AuditAction,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub details: serde_json::Value,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// A security event to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAuditEvent {
    pub environment_id: Option<Uuid>,
    pub actor_id: Option<Uuid>,
    pub actor_email: Option<String>,
    pub action: super::AuditAction,
    pub target: Option<(&'static str, String)>,
    pub details: serde_json::Value,
    pub client: ClientInfo,
}

impl NewAuditEvent {
    #[must_use]
    pub fn new(action: super::AuditAction, client: &ClientInfo) -> Self {
        Self {
            environment_id: None,
            actor_id: None,
            actor_email: None,
            action,
            target: None,
            details: serde_json::Value::Object(serde_json::Map::new()),
            client: client.clone(),
        }
    }

    #[must_use]
    pub fn by(mut self, user: &User) -> Self {
        self.environment_id = Some(user.environment_id);
        self.actor_id = Some(user.id);
        self.actor_email = Some(user.email.clone());
        self
    }

    #[must_use]
    pub fn in_environment(mut self, environment_id: Uuid) -> Self {
        self.environment_id = Some(environment_id);
        self
    }

    #[must_use]
    pub fn email(mut self, email: &str) -> Self {
        self.actor_email = Some(email.to_owned());
        self
    }

    #[must_use]
    pub fn target(mut self, kind: &'static str, id: impl ToString) -> Self {
        self.target = Some((kind, id.to_string()));
        self
    }

    #[must_use]
    pub fn details(mut self, details: serde_json::Value) -> Self {
        self.details = details;
        self
    }

    /// Files the event in the log of the environment that owns the organization acted on. A
    /// partner user's action on a client's organization so reaches the client's log, with
    /// the partner's environment as `actorEnvironmentId` (call after [`Self::details`]).
    #[must_use]
    pub fn on_organization(mut self, organization_environment_id: Uuid) -> Self {
        if let Some(own) = self
            .environment_id
            .filter(|own| *own != organization_environment_id)
        {
            if let serde_json::Value::Object(map) = &mut self.details {
                map.insert("actorEnvironmentId".into(), own.to_string().into());
            }
            self.environment_id = Some(organization_environment_id);
        }
        self
    }
}

/// Filters for reading the audit log, newest first.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub action: Option<super::AuditAction>,
    pub actor_id: Option<Uuid>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// Only events strictly older than this one (cursor).
    pub before: Option<(DateTime<Utc>, Uuid)>,
    pub limit: u64,
}

/// The outcome of presenting a refresh token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefreshOutcome {
    /// A new token was issued for this live session of this user.
    Rotated { session: Session, user: Box<User> },
    /// The token had been rotated before: someone replayed it. The session is now revoked.
    Reused { user_id: Uuid },
    /// Unknown token, or the session ended.
    Invalid,
}

/// The administrator invariant: an environment always keeps an active Administrator.
///
/// # Errors
/// [`crate::DomainError::Conflict`] when the change would leave none.
pub fn ensure_an_administrator_remains(
    active_administrators_after: u64,
) -> crate::DomainResult<()> {
    if active_administrators_after == 0 {
        Err(crate::DomainError::conflict(crate::ConflictCode::LastAdministrator,
            "This is the last active administrator of the environment; make someone else administrator first.".into(),
        ))
    } else {
        Ok(())
    }
}
