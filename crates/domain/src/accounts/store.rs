//! Port: where accounts live. Every method is one atomic unit: it commits entirely (including
//! the email it queues and the audit event it records) or not at all.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{
    records::{
        AdditionalEmail, AdditionalEmailStatus, AuditEvent, AuditQuery, ClientInfo, EmailToken,
        Environment, NewAuditEvent, RefreshOutcome, Session, User,
    },
    types::Role,
};
use crate::{
    mail::{Language, OutgoingMail},
    DomainResult,
};

/// The answer to reserving a login attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginAttempt {
    /// A key is locked: no attempt may be evaluated for this many seconds.
    Throttled { retry_after_secs: u64 },
    /// The attempt is counted as a failure until released.
    Reserved(AttemptReservation),
}

/// What one reserved attempt changed, so that it can be taken back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptReservation {
    /// Each key, with the lock this attempt set on it (if it set one).
    pub keys: Vec<(String, Option<DateTime<Utc>>)>,
}

/// A user to create.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: String,
    pub name: String,
    pub password_hash: Option<String>,
    pub role: Role,
    pub language: Language,
}

/// A session to open, with the hash of its first refresh token.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub user_agent: Option<String>,
    pub ip: Option<String>,
    pub expires_at: DateTime<Utc>,
    pub refresh_token_hash: String,
}

/// A single-use link to store (its mail is queued in the same transaction).
#[derive(Debug, Clone)]
pub struct NewEmailToken {
    pub kind: super::records::TokenKind,
    pub token_hash: String,
    pub user_id: Option<Uuid>,
    pub email: String,
    pub payload: Option<String>,
    pub expires_at: DateTime<Utc>,
}

/// Where a verified registration goes.
#[derive(Debug, Clone)]
pub enum RegistrationTarget {
    /// A new environment with this name; the user becomes its first Administrator.
    NewEnvironment { name: String },
    /// An existing environment with auto-join for the user's domain; the user joins as Basic.
    Join { environment_id: Uuid },
}

/// Changes to a user's role and flags.
#[derive(Debug, Clone, Default)]
pub struct UserChange {
    pub role: Option<Role>,
    pub relationship_manager: Option<bool>,
}

#[derive(Debug, Clone, Default)]
pub struct EnvironmentChange {
    pub name: Option<String>,
    /// `Some(None)` clears the domain.
    pub auto_join_domain: Option<Option<String>>,
    pub require_two_factor: Option<bool>,
}

/// Port: who is who: users and environments as others look them up.
#[allow(async_fn_in_trait)]
pub trait Directory {
    /// Whether any account uses the address, as primary or additional address.
    async fn email_in_use(&self, email: &str) -> DomainResult<bool>;
    /// The user who logs in with this address: primary, or an active additional address.
    async fn find_user_by_login_email(&self, email: &str) -> DomainResult<Option<User>>;
    async fn find_user(&self, environment_id: Uuid, user_id: Uuid) -> DomainResult<Option<User>>;
    async fn list_users(&self, environment_id: Uuid) -> DomainResult<Vec<User>>;
    /// One page of the environment's users by (name, id); `page.fetch()` rows at most.
    async fn list_users_page(
        &self,
        environment_id: Uuid,
        page: &crate::paging::NamePage,
    ) -> DomainResult<Vec<User>>;
    async fn find_environment(&self, environment_id: Uuid) -> DomainResult<Option<Environment>>;
    async fn find_environment_for_auto_join(
        &self,
        domain: &str,
    ) -> DomainResult<Option<Environment>>;
}

/// Port: the environment's security log, and messages that come with no other change.
#[allow(async_fn_in_trait)]
pub trait AuditLog {
    /// Queues a mail and records an event (no other change).
    async fn notify(&self, mail: Option<OutgoingMail>, audit: NewAuditEvent) -> DomainResult<()>;
    /// The events of `environment_id`, or with `None` the installation's own (events of no
    /// environment, such as certificate warnings).
    async fn list_audit_events(
        &self,
        environment_id: Option<Uuid>,
        query: AuditQuery,
    ) -> DomainResult<Vec<AuditEvent>>;
}

/// Port: registration and password-reset links.
#[allow(async_fn_in_trait)]
pub trait SignUps {
    /// Stores a link token and queues its mail and audit event.
    async fn create_email_token(
        &self,
        token: NewEmailToken,
        mail: OutgoingMail,
        audit: NewAuditEvent,
    ) -> DomainResult<()>;
    async fn find_email_token(&self, token_hash: &str) -> DomainResult<Option<EmailToken>>;
    /// Uses a registration token: creates the user (and environment) and a first session.
    /// `Conflict` when the token was used meanwhile or the address was taken.
    async fn complete_registration(
        &self,
        token_id: Uuid,
        target: RegistrationTarget,
        user: NewUser,
        session: NewSession,
        audit: NewAuditEvent,
    ) -> DomainResult<(User, Session)>;
    /// Uses a reset token: sets the password and ends every session.
    async fn reset_password(
        &self,
        token_id: Uuid,
        user_id: Uuid,
        password_hash: String,
        mail: OutgoingMail,
        audit: NewAuditEvent,
    ) -> DomainResult<()>;
}

/// Port: bringing people into an environment by an emailed link.
#[allow(async_fn_in_trait)]
pub trait Invitations {
    /// Creates an invited user with its invitation token, mail and event.
    async fn create_invited_user(
        &self,
        environment_id: Uuid,
        user: NewUser,
        token: NewEmailToken,
        mail: OutgoingMail,
        audit: NewAuditEvent,
    ) -> DomainResult<User>;
    /// Uses an invitation token: sets name and password, activates, opens a session.
    async fn accept_invitation(
        &self,
        token_id: Uuid,
        user_id: Uuid,
        name: String,
        password_hash: String,
        session: NewSession,
        audit: NewAuditEvent,
    ) -> DomainResult<(User, Session)>;
    /// Replaces the open invitation links of an invited user by a new one and queues its mail.
    async fn renew_invitation(
        &self,
        environment_id: Uuid,
        user_id: Uuid,
        token: NewEmailToken,
        mail: OutgoingMail,
        audit: NewAuditEvent,
    ) -> DomainResult<()>;
    /// Removes a user who has not accepted their invitation yet.
    async fn withdraw_invitation(
        &self,
        environment_id: Uuid,
        user_id: Uuid,
        audit: NewAuditEvent,
    ) -> DomainResult<()>;
}

/// Port: signed-in sessions and their rotating refresh tokens.
#[allow(async_fn_in_trait)]
pub trait Sessions {
    /// Opens a session after a successful login.
    async fn open_session(
        &self,
        user_id: Uuid,
        session: NewSession,
        audit: NewAuditEvent,
    ) -> DomainResult<Session>;
    async fn find_session(&self, session_id: Uuid) -> DomainResult<Option<Session>>;
    /// Marks the session as seen now (at most once a minute).
    async fn touch_session(&self, session: &Session, now: DateTime<Utc>) -> DomainResult<()>;
    /// A replayed (already rotated) token ends the session and is audited in the owner's
    /// environment with `client`.
    async fn rotate_refresh_token(
        &self,
        session_id: Uuid,
        presented_hash: &str,
        new_hash: &str,
        now: DateTime<Utc>,
        client: &ClientInfo,
    ) -> DomainResult<RefreshOutcome>;
    async fn list_sessions(&self, user_id: Uuid) -> DomainResult<Vec<Session>>;
    /// Ends one of the user's sessions; `NotFound` when it is not theirs.
    async fn revoke_session(
        &self,
        user_id: Uuid,
        session_id: Uuid,
        audit: NewAuditEvent,
    ) -> DomainResult<()>;
    /// Ends all the user's sessions except `keep`.
    async fn revoke_all_sessions(
        &self,
        user_id: Uuid,
        keep: Option<Uuid>,
        audit: NewAuditEvent,
    ) -> DomainResult<()>;
}

/// Port: counting failed logins per account and address, atomically.
#[allow(async_fn_in_trait)]
pub trait LoginThrottle {
    /// Reserves a login attempt on these throttle keys before the password is checked: unless a
    /// key is locked, the attempt is counted as a failure at once (and may set the lock for the
    /// attempts after it), atomically, so concurrent attempts cannot all pass one check.
    async fn reserve_login_attempt(
        &self,
        keys: &[String],
        now: DateTime<Utc>,
    ) -> DomainResult<LoginAttempt>;
    /// Takes back a reserved attempt that did not fail (the count, and the lock it set).
    async fn release_login_attempt(&self, reservation: &AttemptReservation) -> DomainResult<()>;
    async fn clear_throttle(&self, key: &str) -> DomainResult<()>;
}

/// Port: a user's own profile and password.
#[allow(async_fn_in_trait)]
pub trait Profiles {
    async fn update_profile(
        &self,
        user_id: Uuid,
        name: Option<String>,
        language: Option<Language>,
        phone: Option<Option<String>>,
    ) -> DomainResult<User>;
    /// Sets a new password and ends the user's other sessions.
    async fn change_password(
        &self,
        user_id: Uuid,
        keep_session: Uuid,
        password_hash: String,
        mail: OutgoingMail,
        audit: NewAuditEvent,
    ) -> DomainResult<()>;
}

/// Port: two-factor authentication: TOTP secrets, time steps and recovery codes.
#[allow(async_fn_in_trait)]
pub trait SecondFactor {
    async fn store_totp_secret(&self, user_id: Uuid, encrypted_secret: String) -> DomainResult<()>;
    /// Switches 2FA on with these recovery-code hashes.
    async fn enable_totp(
        &self,
        user_id: Uuid,
        step: i64,
        recovery_code_hashes: Vec<String>,
        mail: OutgoingMail,
        audit: NewAuditEvent,
    ) -> DomainResult<()>;
    async fn disable_totp(
        &self,
        user_id: Uuid,
        mail: OutgoingMail,
        audit: NewAuditEvent,
    ) -> DomainResult<()>;
    /// Records an accepted TOTP step; false when it was not newer than the last one (replay).
    async fn accept_totp_step(&self, user_id: Uuid, step: i64) -> DomainResult<bool>;
    /// Uses a recovery code; false when unknown or used.
    async fn use_recovery_code(&self, user_id: Uuid, code_hash: &str) -> DomainResult<bool>;
}

/// Port: administrators' changes to users; each keeps an active Administrator.
#[allow(async_fn_in_trait)]
pub trait UserAdministration {
    /// Changes role/flags, keeping an active Administrator.
    async fn change_user(
        &self,
        environment_id: Uuid,
        user_id: Uuid,
        change: UserChange,
        audit: NewAuditEvent,
    ) -> DomainResult<User>;
    /// Deactivates (ending sessions) or reactivates, keeping an active Administrator.
    async fn set_user_active(
        &self,
        environment_id: Uuid,
        user_id: Uuid,
        active: bool,
        audit: NewAuditEvent,
    ) -> DomainResult<User>;
    /// Removes the user, keeping an active Administrator.
    async fn remove_user(
        &self,
        environment_id: Uuid,
        user_id: Uuid,
        audit: NewAuditEvent,
    ) -> DomainResult<()>;
}

/// Port: the environment's settings and its receiving choice.
#[allow(async_fn_in_trait)]
pub trait EnvironmentSettings {
    async fn update_environment(
        &self,
        environment_id: Uuid,
        change: EnvironmentChange,
        audit: NewAuditEvent,
    ) -> DomainResult<Environment>;
    async fn set_receiving(
        &self,
        environment_id: Uuid,
        enabled: bool,
        audit: NewAuditEvent,
    ) -> DomainResult<Environment>;
}

/// Port: users' additional addresses and their approval.
#[allow(async_fn_in_trait)]
pub trait AdditionalEmails {
    async fn list_additional_emails(&self, user_id: Uuid) -> DomainResult<Vec<AdditionalEmail>>;
    /// Adds an unverified address (Conflict when any account uses it) with its link token.
    async fn add_additional_email(
        &self,
        user_id: Uuid,
        email: String,
        token: NewEmailToken,
        mail: OutgoingMail,
        audit: NewAuditEvent,
    ) -> DomainResult<AdditionalEmail>;
    /// Uses the verification link: the address becomes `status`.
    async fn verify_additional_email(
        &self,
        token_id: Uuid,
        user_id: Uuid,
        email: &str,
        status: AdditionalEmailStatus,
        audit: NewAuditEvent,
    ) -> DomainResult<()>;
    async fn remove_additional_email(
        &self,
        user_id: Uuid,
        id: Uuid,
        audit: NewAuditEvent,
    ) -> DomainResult<()>;
    /// Verified addresses in the environment that wait for an Administrator, with their owners.
    async fn pending_email_approvals(
        &self,
        environment_id: Uuid,
    ) -> DomainResult<Vec<(AdditionalEmail, User)>>;
    /// Approves (active) or rejects (deleted) a pending address of the environment.
    async fn decide_email_approval(
        &self,
        environment_id: Uuid,
        id: Uuid,
        approve: bool,
        audit: NewAuditEvent,
    ) -> DomainResult<()>;
}

/// Every account port at once, for adapters that implement them all and callers that
/// need most of them. Use cases name the role-sized ports they use instead.
pub trait AccountStore:
    Directory
    + AuditLog
    + SignUps
    + Invitations
    + Sessions
    + LoginThrottle
    + Profiles
    + SecondFactor
    + UserAdministration
    + EnvironmentSettings
    + AdditionalEmails
{
}

impl<
        T: Directory
            + AuditLog
            + SignUps
            + Invitations
            + Sessions
            + LoginThrottle
            + Profiles
            + SecondFactor
            + UserAdministration
            + EnvironmentSettings
            + AdditionalEmails,
    > AccountStore for T
{
}
