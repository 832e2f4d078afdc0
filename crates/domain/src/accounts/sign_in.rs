//! Getting in: registration and its confirmation, login with throttling and a second factor,
//! refresh-token rotation, logging out, password reset, accepting an invitation and
//! confirming an additional address. These are the use cases of callers who are not (yet)
//! signed in; they never tell whether an address has an account.

use std::future::Future;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    password,
    profile::{AdditionalEmailPayload, SecretSealer},
    records::{
        AdditionalEmailStatus, ClientInfo, EmailToken, Environment, NewAuditEvent, RefreshOutcome,
        Session, TokenKind, TokenProblem, User,
    },
    secrets::{hash_token, new_token, normalise_recovery_code},
    store::{
        AdditionalEmails, AuditLog, Directory, Invitations, LoginAttempt, LoginThrottle,
        NewEmailToken, NewSession, NewUser, RegistrationTarget, SecondFactor, Sessions, SignUps,
    },
    totp,
    types::FieldErrors,
    users::InvitationPayload,
    Caller, EmailAddress, PersonName, Role, UserStatus,
};
use crate::{
    links::Links,
    mail::{render, Language, MailTemplate},
    DomainError, DomainResult,
};

/// How long a session (and its refresh token) lives without being refreshed.
pub const SESSION_DAYS: i64 = 30;

/// Port: checks a password against its stored hash away from the request's thread: the hash
/// is deliberately slow, and on a shared worker it would hold up other requests.
pub trait PasswordChecker {
    /// `stored` is `None` for an unknown address; the check then takes as long anyway.
    fn check(
        &self,
        presented: String,
        stored: Option<String>,
    ) -> impl Future<Output = DomainResult<bool>> + Send;
}

/// A session that was just opened, with the refresh secret to hand to the client once.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub user: User,
    pub session: Session,
    pub refresh_secret: String,
}

/// A new session for this client, and the secret of its first refresh token.
fn new_session(client: &ClientInfo) -> (NewSession, String) {
    let secret = new_token();
    (
        NewSession {
            user_agent: client.user_agent.clone(),
            ip: client.ip.clone(),
            expires_at: Utc::now() + TimeDelta::days(SESSION_DAYS),
            refresh_token_hash: hash_token(&secret),
        },
        secret,
    )
}

fn link_problem(problem: TokenProblem) -> DomainError {
    DomainError::LinkToken(problem)
}

/// The stored link a presented token stands for, when it is of this kind and still usable.
async fn usable_token<A: SignUps>(
    accounts: &A,
    token: &str,
    kind: TokenKind,
) -> DomainResult<EmailToken> {
    let found = accounts
        .find_email_token(&hash_token(token.trim()))
        .await?
        .ok_or(link_problem(TokenProblem::Unknown))?;
    found.check_usable(kind, Utc::now()).map_err(link_problem)?;
    Ok(found)
}

fn payload<T: for<'de> Deserialize<'de>>(token: &EmailToken) -> DomainResult<T> {
    token
        .payload
        .as_deref()
        .and_then(|p| serde_json::from_str(p).ok())
        .ok_or(link_problem(TokenProblem::Unknown))
}

/// What a registration link remembers until it is confirmed.
#[derive(Serialize, Deserialize)]
struct PendingRegistration {
    name: String,
    password_hash: String,
    language: Language,
}

/// A registration as entered.
#[derive(Debug, Clone)]
pub struct Registration {
    pub email: String,
    pub password: String,
    pub name: String,
    pub language: Option<String>,
}

/// Parses an optional language code.
///
/// # Errors
/// `Validation` on `language` for anything but nl or en.
pub fn parse_language(value: Option<&str>) -> DomainResult<Option<Language>> {
    match value {
        None => Ok(None),
        Some(code) => Language::parse(code)
            .map(Some)
            .ok_or_else(|| DomainError::field("language", "invalid_language", "Choose nl or en.")),
    }
}

/// Registers: mails a confirmation link, or, for an address that already has an account, a
/// message saying so (the answer to the caller is the same either way).
///
/// # Errors
/// `Validation` per field (address, name, password policy, language).
#[tracing::instrument(name = "register", skip_all)]
pub async fn register<A: Directory + AuditLog + SignUps>(
    accounts: &A,
    links: &Links,
    client: &ClientInfo,
    input: Registration,
) -> DomainResult<()> {
    let mut errors = FieldErrors::default();
    let email = errors.check(EmailAddress::parse("email", &input.email));
    let name = errors.check(PersonName::parse("name", &input.name));
    if let Some(email) = &email {
        errors.check(password::check_policy(
            "password",
            &input.password,
            Some(email.as_str()),
        ));
    }
    let language = parse_language(input.language.as_deref())?.unwrap_or_default();
    errors.finish()?;
    let (Some(email), Some(name)) = (email, name) else {
        return Err(DomainError::Unexpected(anyhow::anyhow!(
            "validated fields missing"
        )));
    };
    if accounts.email_in_use(email.as_str()).await? {
        let mail = render(
            email.as_str(),
            &MailTemplate::AlreadyRegistered {
                login_link: links.to("/login", None),
                reset_link: links.to("/forgot-password", None),
            },
            language,
        );
        let audit = NewAuditEvent::new(
            crate::accounts::AuditAction::RegistrationExistingAddress,
            client,
        )
        .email(email.as_str());
        return accounts.notify(Some(mail), audit).await;
    }
    let password_hash = password::hash(&input.password).map_err(DomainError::Unexpected)?;
    let token = new_token();
    let payload = serde_json::to_string(&PendingRegistration {
        name: name.into_inner(),
        password_hash,
        language,
    })
    .map_err(|e| DomainError::Unexpected(e.into()))?;
    let mail = render(
        email.as_str(),
        &MailTemplate::VerifyRegistration {
            link: links.to("/verify-email", Some(&token)),
            valid_hours: 24,
        },
        language,
    );
    accounts
        .create_email_token(
            NewEmailToken {
                kind: TokenKind::Registration,
                token_hash: hash_token(&token),
                user_id: None,
                email: email.as_str().to_owned(),
                payload: Some(payload),
                expires_at: Utc::now() + TokenKind::Registration.lifetime(),
            },
            mail,
            NewAuditEvent::new(crate::accounts::AuditAction::RegistrationRequested, client)
                .email(email.as_str()),
        )
        .await
}

/// Confirms a registration: the person joins the environment that auto-joins their domain
/// as a Basic user, or gets a new environment as its first Administrator; a session opens.
///
/// # Errors
/// `LinkToken` for an unusable link, `Conflict` when the address got an account meanwhile.
#[tracing::instrument(name = "confirm registration", skip_all)]
pub async fn confirm_registration<A: Directory + SignUps>(
    accounts: &A,
    client: &ClientInfo,
    token: &str,
) -> DomainResult<SignedIn> {
    let token = usable_token(accounts, token, TokenKind::Registration).await?;
    let pending: PendingRegistration = token
        .payload
        .as_deref()
        .and_then(|p| serde_json::from_str(p).ok())
        .ok_or_else(|| {
            DomainError::Unexpected(anyhow::anyhow!("registration token without payload"))
        })?;
    let email = EmailAddress::from_trusted(token.email.clone());
    let (target, role) = match accounts
        .find_environment_for_auto_join(email.domain())
        .await?
    {
        Some(env) => (
            RegistrationTarget::Join {
                environment_id: env.id,
            },
            Role::Basic,
        ),
        None => (
            RegistrationTarget::NewEnvironment {
                name: pending.name.clone(),
            },
            Role::Administrator,
        ),
    };
    let (session, refresh_secret) = new_session(client);
    let (user, session) = accounts
        .complete_registration(
            token.id,
            target,
            NewUser {
                email: token.email,
                name: pending.name,
                password_hash: Some(pending.password_hash),
                role,
                language: pending.language,
            },
            session,
            NewAuditEvent::new(crate::accounts::AuditAction::RegistrationCompleted, client),
        )
        .await?;
    Ok(SignedIn {
        user,
        session,
        refresh_secret,
    })
}

/// Why a login did not open a session.
#[derive(Debug, thiserror::Error)]
pub enum LoginFailure {
    /// Too many failures for the account or the address: wait this long.
    #[error("throttled for {retry_after_secs} s")]
    Throttled { retry_after_secs: u64 },
    /// Unknown address or wrong password (never said which).
    #[error("invalid credentials")]
    InvalidCredentials,
    #[error("deactivated account")]
    Deactivated,
    /// The password was right; the second factor is needed.
    #[error("two-factor code required")]
    TwoFactorRequired,
    #[error("wrong two-factor code")]
    InvalidTwoFactorCode,
    #[error(transparent)]
    Domain(#[from] DomainError),
}

/// A login as entered.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub email: String,
    pub password: String,
    /// The authenticator code, or a recovery code.
    pub code: Option<String>,
}

/// Logs in: the attempt is counted against the account and the address before the
/// (deliberately slow) password check, so once a key is locked, attempts arriving at the same
/// time are refused without being evaluated. An attempt that did not fail is given back.
///
/// # Errors
/// A [`LoginFailure`].
#[tracing::instrument(name = "login", skip_all)]
pub async fn login<
    A: Directory + AuditLog + LoginThrottle + SecondFactor + Sessions,
    B: SecretSealer,
    P: PasswordChecker,
>(
    accounts: &A,
    sealer: &B,
    passwords: &P,
    client: &ClientInfo,
    credentials: Credentials,
) -> Result<SignedIn, LoginFailure> {
    let email = credentials.email.trim().to_lowercase();
    let account_key = format!("account:{email}");
    let keys = vec![
        account_key.clone(),
        format!("ip:{}", client.ip.as_deref().unwrap_or("unknown")),
    ];
    let reservation = match accounts.reserve_login_attempt(&keys, Utc::now()).await? {
        LoginAttempt::Throttled { retry_after_secs } => {
            return Err(LoginFailure::Throttled { retry_after_secs })
        }
        LoginAttempt::Reserved(reservation) => reservation,
    };
    let user = accounts.find_user_by_login_email(&email).await?;
    let stored = user.as_ref().and_then(|u| u.password_hash.clone());
    let password_ok = passwords.check(credentials.password, stored).await?;
    let known = user.as_ref().map(|u| (u.environment_id, u.id));
    let Some(user) = user.filter(|_| password_ok) else {
        // Already counted by the reservation. A failure against a known account belongs to
        // its environment's log, where its Administrators see it.
        let mut audit =
            NewAuditEvent::new(crate::accounts::AuditAction::LoginFailed, client).email(&email);
        if let Some((environment_id, user_id)) = known {
            audit = audit.in_environment(environment_id).target("user", user_id);
        }
        accounts.notify(None, audit).await?;
        return Err(LoginFailure::InvalidCredentials);
    };
    if user.status != UserStatus::Active {
        accounts.release_login_attempt(&reservation).await?;
        return Err(LoginFailure::Deactivated);
    }
    if user.totp_enabled {
        let Some(code) = credentials
            .code
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
        else {
            accounts.release_login_attempt(&reservation).await?;
            return Err(LoginFailure::TwoFactorRequired);
        };
        if !second_factor_ok(accounts, sealer, &user, code).await? {
            let audit =
                NewAuditEvent::new(crate::accounts::AuditAction::LoginTwoFactorFailed, client)
                    .by(&user);
            accounts.notify(None, audit).await?;
            return Err(LoginFailure::InvalidTwoFactorCode);
        }
    }
    accounts.release_login_attempt(&reservation).await?;
    accounts.clear_throttle(&account_key).await?;
    let (new, refresh_secret) = new_session(client);
    let session = accounts
        .open_session(
            user.id,
            new,
            NewAuditEvent::new(crate::accounts::AuditAction::LoginSucceeded, client).by(&user),
        )
        .await?;
    Ok(SignedIn {
        user,
        session,
        refresh_secret,
    })
}

/// A six-digit code from the authenticator (each time step usable once), or a recovery code
/// (each usable once).
async fn second_factor_ok<A: SecondFactor, B: SecretSealer>(
    accounts: &A,
    sealer: &B,
    user: &User,
    code: &str,
) -> DomainResult<bool> {
    let digits: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if digits.len() == 6 && digits.chars().all(|c| c.is_ascii_digit()) {
        let Some(sealed) = user.totp_secret.as_deref() else {
            return Ok(false);
        };
        let secret = sealer.open(sealed).map_err(DomainError::Unexpected)?;
        let now = u64::try_from(Utc::now().timestamp()).unwrap_or(0);
        return match totp::matching_step(&secret, &digits, now) {
            Some(step) => {
                accounts
                    .accept_totp_step(user.id, i64::try_from(step).unwrap_or(i64::MAX))
                    .await
            }
            None => Ok(false),
        };
    }
    accounts
        .use_recovery_code(user.id, &hash_token(&normalise_recovery_code(code)))
        .await
}

/// Rotates a refresh token (`<session id>.<secret>`): a new secret for a live session of an
/// active user. `None` for anything else; a replayed, already rotated token has ended its
/// session in the store.
///
/// # Errors
/// The store's error.
#[tracing::instrument(name = "refresh session", skip_all)]
pub async fn refresh<A: Sessions>(
    accounts: &A,
    client: &ClientInfo,
    presented: &str,
    now: DateTime<Utc>,
) -> DomainResult<Option<SignedIn>> {
    let Some((session_id, secret)) = presented
        .split_once('.')
        .and_then(|(id, secret)| Uuid::parse_str(id).ok().map(|id| (id, secret)))
    else {
        return Ok(None);
    };
    let refresh_secret = new_token();
    let outcome = accounts
        .rotate_refresh_token(
            session_id,
            &hash_token(secret),
            &hash_token(&refresh_secret),
            now,
            client,
        )
        .await?;
    Ok(match outcome {
        RefreshOutcome::Rotated { session, user } if user.status == UserStatus::Active => {
            Some(SignedIn {
                user: *user,
                session,
                refresh_secret,
            })
        }
        RefreshOutcome::Rotated { .. }
        | RefreshOutcome::Reused { .. }
        | RefreshOutcome::Invalid => None,
    })
}

/// Ends the caller's session, or all their sessions.
///
/// # Errors
/// The store's error.
#[tracing::instrument(name = "logout", skip_all, fields(user_id = %caller.user.id, everywhere))]
pub async fn logout<A: Sessions>(
    accounts: &A,
    caller: &Caller<'_>,
    everywhere: bool,
) -> DomainResult<()> {
    if everywhere {
        accounts
            .revoke_all_sessions(
                caller.user.id,
                None,
                caller.audit(crate::accounts::AuditAction::LogoutAllSessions),
            )
            .await
    } else {
        accounts
            .revoke_session(
                caller.user.id,
                caller.actor.session_id,
                caller.audit(crate::accounts::AuditAction::Logout),
            )
            .await
    }
}

/// Mails a reset link to an active account's address; silent for any other address.
///
/// # Errors
/// The store's error.
#[tracing::instrument(name = "forgot password", skip_all)]
pub async fn forgot_password<A: Directory + SignUps>(
    accounts: &A,
    links: &Links,
    client: &ClientInfo,
    email: &str,
) -> DomainResult<()> {
    // Saying that an address is malformed tells nothing about whether it has an account.
    let email =
        EmailAddress::parse("email", email).map_err(|e| DomainError::Validation(vec![e]))?;
    let email = email.as_str().to_owned();
    let Some(user) = accounts.find_user_by_login_email(&email).await? else {
        return Ok(());
    };
    if user.status != UserStatus::Active {
        return Ok(());
    }
    let token = new_token();
    let mail = render(
        &email,
        &MailTemplate::PasswordReset {
            link: links.to("/reset-password", Some(&token)),
            valid_minutes: 60,
        },
        user.language,
    );
    accounts
        .create_email_token(
            NewEmailToken {
                kind: TokenKind::PasswordReset,
                token_hash: hash_token(&token),
                user_id: Some(user.id),
                email,
                payload: None,
                expires_at: Utc::now() + TokenKind::PasswordReset.lifetime(),
            },
            mail,
            NewAuditEvent::new(crate::accounts::AuditAction::PasswordResetRequested, client)
                .by(&user),
        )
        .await
}

/// Sets a new password with a reset link; every session of the user ends.
///
/// # Errors
/// `LinkToken` for an unusable link, `Validation` for a weak password.
#[tracing::instrument(name = "reset password", skip_all)]
pub async fn reset_password<A: Directory + SignUps>(
    accounts: &A,
    client: &ClientInfo,
    token: &str,
    new_password: &str,
) -> DomainResult<()> {
    let token = usable_token(accounts, token, TokenKind::PasswordReset).await?;
    password::check_policy("password", new_password, Some(&token.email))?;
    let user_id = token.user_id.ok_or(link_problem(TokenProblem::Unknown))?;
    let Some(user) = accounts
        .find_user_by_login_email(&token.email)
        .await?
        .filter(|u| u.id == user_id)
    else {
        return Err(link_problem(TokenProblem::Unknown));
    };
    let hash = password::hash(new_password).map_err(DomainError::Unexpected)?;
    let mail = render(&user.email, &MailTemplate::PasswordChanged, user.language);
    accounts
        .reset_password(
            token.id,
            user.id,
            hash,
            mail,
            NewAuditEvent::new(crate::accounts::AuditAction::PasswordReset, client).by(&user),
        )
        .await
}

/// What an invitation link shows before it is accepted.
#[derive(Debug, Clone)]
pub struct InvitationView {
    pub email: String,
    pub environment: Environment,
    pub inviter_name: String,
}

/// The invitation a link stands for.
///
/// # Errors
/// `LinkToken` for an unusable link.
pub async fn invitation<A: Directory + SignUps>(
    accounts: &A,
    token: &str,
) -> DomainResult<InvitationView> {
    let token = usable_token(accounts, token, TokenKind::Invitation).await?;
    let invitation: InvitationPayload = payload(&token)?;
    let environment = accounts
        .find_environment(invitation.environment_id)
        .await?
        .ok_or(link_problem(TokenProblem::Unknown))?;
    Ok(InvitationView {
        email: token.email,
        environment,
        inviter_name: invitation.inviter_name,
    })
}

/// Accepts an invitation: the invitee chooses a name and password and is signed in.
///
/// # Errors
/// `LinkToken` for an unusable link, `Validation` per field, `Conflict` when the invitation
/// was accepted or withdrawn meanwhile.
#[tracing::instrument(name = "accept invitation", skip_all)]
pub async fn accept_invitation<A: SignUps + Invitations>(
    accounts: &A,
    client: &ClientInfo,
    token: &str,
    name: &str,
    new_password: &str,
) -> DomainResult<SignedIn> {
    let token = usable_token(accounts, token, TokenKind::Invitation).await?;
    let mut errors = FieldErrors::default();
    let name = errors.check(PersonName::parse("name", name));
    errors.check(password::check_policy(
        "password",
        new_password,
        Some(&token.email),
    ));
    errors.finish()?;
    let name =
        name.ok_or_else(|| DomainError::Unexpected(anyhow::anyhow!("validated name missing")))?;
    let user_id = token.user_id.ok_or(link_problem(TokenProblem::Unknown))?;
    let hash = password::hash(new_password).map_err(DomainError::Unexpected)?;
    let (session, refresh_secret) = new_session(client);
    let (user, session) = accounts
        .accept_invitation(
            token.id,
            user_id,
            name.into_inner(),
            hash,
            session,
            NewAuditEvent::new(crate::accounts::AuditAction::InvitationAccepted, client),
        )
        .await?;
    Ok(SignedIn {
        user,
        session,
        refresh_secret,
    })
}

/// Confirms an additional address with its link: active at once on the primary address's
/// domain, otherwise it waits for an Administrator.
///
/// # Errors
/// `LinkToken` for an unusable link, `Conflict` when another account took the address.
#[tracing::instrument(name = "verify additional email", skip_all)]
pub async fn verify_additional_email<A: SignUps + AdditionalEmails>(
    accounts: &A,
    client: &ClientInfo,
    token: &str,
) -> DomainResult<()> {
    let token = usable_token(accounts, token, TokenKind::AdditionalEmail).await?;
    let user_id = token.user_id.ok_or(link_problem(TokenProblem::Unknown))?;
    let payload: AdditionalEmailPayload = payload(&token)?;
    let status = if payload.same_domain {
        AdditionalEmailStatus::Active
    } else {
        AdditionalEmailStatus::PendingApproval
    };
    let audit = NewAuditEvent::new(
        crate::accounts::AuditAction::AdditionalEmailVerified,
        client,
    )
    .email(&token.email)
    .details(serde_json::json!({ "email": token.email, "status": status.as_str() }));
    accounts
        .verify_additional_email(token.id, user_id, &token.email, status, audit)
        .await
}
