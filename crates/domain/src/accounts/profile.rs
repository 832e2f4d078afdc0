//! The signed-in user's own account: profile, password, two-factor authentication, sessions
//! and additional addresses.

use chrono::Utc;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    password,
    records::{AdditionalEmail, Session, TokenKind, User},
    secrets::{hash_token, new_recovery_codes, new_token, normalise_recovery_code},
    store::{AdditionalEmails, Directory, NewEmailToken, Profiles, SecondFactor, Sessions},
    totp,
    types::{parse_phone, FieldErrors},
    Action, Caller, EmailAddress, PersonName,
};
use crate::{
    links::Links,
    mail::{render, Language, MailTemplate},
    DomainError, DomainResult, FieldError,
};

/// Port: encrypts secrets that must be read back (TOTP secrets), as opposed to those only
/// ever compared, which are hashed.
pub trait SecretSealer {
    /// # Errors
    /// When encryption fails.
    fn seal(&self, plaintext: &str) -> anyhow::Result<String>;
    /// # Errors
    /// When the sealed value was not made with this key or was tampered with.
    fn open(&self, sealed: &str) -> anyhow::Result<String>;
}

/// What an additional-address verification token remembers.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AdditionalEmailPayload {
    /// Same domain as the primary address: active once verified, else an Administrator decides.
    pub same_domain: bool,
}

/// Changes to one's own profile, as entered.
#[derive(Debug, Clone, Default)]
pub struct ProfileChange {
    pub name: Option<String>,
    pub language: Option<String>,
    pub phone: Option<String>,
}

/// Changes one's name, language or phone number.
///
/// # Errors
/// `Forbidden`, `Validation` per field.
#[tracing::instrument(name = "update profile", skip_all, fields(user_id = %caller.user.id))]
pub async fn update_profile<A: Profiles>(
    accounts: &A,
    caller: &Caller<'_>,
    change: ProfileChange,
) -> DomainResult<User> {
    caller.actor.require(Action::ManageOwnAccount)?;
    let mut errors = FieldErrors::default();
    let name = change
        .name
        .as_deref()
        .and_then(|n| errors.check(PersonName::parse("name", n)));
    let phone = change
        .phone
        .as_deref()
        .and_then(|p| errors.check(parse_phone("phone", p)));
    let language = match change.language.as_deref() {
        None => None,
        Some(code) => {
            let parsed = Language::parse(code);
            if parsed.is_none() {
                errors.push(FieldError {
                    field: "language".into(),
                    code: "invalid_language",
                    message: "Choose nl or en.".into(),
                });
            }
            parsed
        }
    };
    errors.finish()?;
    accounts
        .update_profile(
            caller.user.id,
            name.map(PersonName::into_inner),
            language,
            phone,
        )
        .await
}

fn password_matches(user: &User, candidate: &str) -> bool {
    user.password_hash
        .as_deref()
        .is_some_and(|hash| password::verify(candidate, hash))
}

/// Sets a new password after checking the current one; the user's other sessions end.
///
/// # Errors
/// `Forbidden`, `Validation` for a wrong current password or a weak new one.
#[tracing::instrument(name = "change password", skip_all, fields(user_id = %caller.user.id))]
pub async fn change_password<A: Profiles>(
    accounts: &A,
    caller: &Caller<'_>,
    current_password: &str,
    new_password: &str,
) -> DomainResult<()> {
    caller.actor.require(Action::ManageOwnAccount)?;
    if !password_matches(caller.user, current_password) {
        return Err(DomainError::field(
            "currentPassword",
            "wrong_password",
            "The current password is not correct.",
        ));
    }
    password::check_policy("newPassword", new_password, Some(&caller.user.email))?;
    let hash = password::hash(new_password).map_err(DomainError::Unexpected)?;
    let mail = render(
        &caller.user.email,
        &MailTemplate::PasswordChanged,
        caller.user.language,
    );
    accounts
        .change_password(
            caller.user.id,
            caller.actor.session_id,
            hash,
            mail,
            caller.audit(crate::accounts::AuditAction::PasswordChanged),
        )
        .await
}

/// A TOTP secret to show once, for an authenticator app.
#[derive(Debug, Clone)]
pub struct TwoFactorEnrolment {
    pub secret: String,
    pub otpauth_uri: String,
}

/// Starts enrolment: a new secret is stored (encrypted) and returned to be scanned.
///
/// # Errors
/// `Forbidden`, `Conflict` when two-factor authentication is already on.
#[tracing::instrument(name = "start two-factor", skip_all, fields(user_id = %caller.user.id))]
pub async fn start_two_factor<A: SecondFactor, B: SecretSealer>(
    accounts: &A,
    sealer: &B,
    caller: &Caller<'_>,
) -> DomainResult<TwoFactorEnrolment> {
    caller.actor.require(Action::ManageOwnAccount)?;
    if caller.user.totp_enabled {
        return Err(DomainError::conflict(
            crate::ConflictCode::TwoFactorEnabled,
            "Two-factor authentication is already on; turn it off first to enrol again.".into(),
        ));
    }
    let secret = totp::new_secret();
    let otpauth_uri = totp::otpauth_uri(&secret, &caller.user.email, "Haven");
    let sealed = sealer.seal(&secret).map_err(DomainError::Unexpected)?;
    accounts.store_totp_secret(caller.user.id, sealed).await?;
    Ok(TwoFactorEnrolment {
        secret,
        otpauth_uri,
    })
}

/// Confirms enrolment with a current code; returns the recovery codes, shown once.
///
/// # Errors
/// `Forbidden`, `Conflict` when already on or not started, `Validation` for a wrong code.
#[tracing::instrument(name = "confirm two-factor", skip_all, fields(user_id = %caller.user.id))]
pub async fn confirm_two_factor<A: SecondFactor, B: SecretSealer>(
    accounts: &A,
    sealer: &B,
    caller: &Caller<'_>,
    code: &str,
) -> DomainResult<Vec<String>> {
    caller.actor.require(Action::ManageOwnAccount)?;
    if caller.user.totp_enabled {
        return Err(DomainError::conflict(
            crate::ConflictCode::TwoFactorEnabled,
            "Two-factor authentication is already on.".into(),
        ));
    }
    let Some(sealed) = caller.user.totp_secret.as_deref() else {
        return Err(DomainError::conflict(
            crate::ConflictCode::TwoFactorSetupNotStarted,
            "Start the set-up first.".into(),
        ));
    };
    let secret = sealer.open(sealed).map_err(DomainError::Unexpected)?;
    let now = u64::try_from(Utc::now().timestamp()).unwrap_or(0);
    let Some(step) = totp::matching_step(&secret, code, now) else {
        return Err(DomainError::field(
            "code",
            "invalid_code",
            "The code does not match; check the time on your phone and try the current code.",
        ));
    };
    let codes = new_recovery_codes();
    let hashes = codes
        .iter()
        .map(|c| hash_token(&normalise_recovery_code(c)))
        .collect();
    let mail = render(
        &caller.user.email,
        &MailTemplate::TwoFactorChanged { enabled: true },
        caller.user.language,
    );
    accounts
        .enable_totp(
            caller.user.id,
            i64::try_from(step).unwrap_or(i64::MAX),
            hashes,
            mail,
            caller.audit(crate::accounts::AuditAction::TwoFactorEnabled),
        )
        .await?;
    Ok(codes)
}

/// Switches two-factor authentication off, after the password, unless the environment
/// requires it.
///
/// # Errors
/// `Forbidden`, `Validation` for a wrong password, `Conflict` when the environment requires it.
#[tracing::instrument(name = "disable two-factor", skip_all, fields(user_id = %caller.user.id))]
pub async fn disable_two_factor<A: Directory + SecondFactor>(
    accounts: &A,
    caller: &Caller<'_>,
    password: &str,
) -> DomainResult<()> {
    caller.actor.require(Action::ManageOwnAccount)?;
    if !password_matches(caller.user, password) {
        return Err(DomainError::field(
            "password",
            "wrong_password",
            "The password is not correct.",
        ));
    }
    let env = accounts
        .find_environment(caller.actor.environment_id)
        .await?
        .ok_or_else(|| DomainError::not_found("environment", caller.actor.environment_id))?;
    if env.require_two_factor {
        return Err(DomainError::conflict(
            crate::ConflictCode::TwoFactorRequiredByEnvironment,
            "Your environment requires two-factor authentication.".into(),
        ));
    }
    let mail = render(
        &caller.user.email,
        &MailTemplate::TwoFactorChanged { enabled: false },
        caller.user.language,
    );
    accounts
        .disable_totp(
            caller.user.id,
            mail,
            caller.audit(crate::accounts::AuditAction::TwoFactorDisabled),
        )
        .await
}

/// One's own sessions.
///
/// # Errors
/// `Forbidden` or the store's error.
pub async fn list_sessions<A: Sessions>(
    accounts: &A,
    caller: &Caller<'_>,
) -> DomainResult<Vec<Session>> {
    caller.actor.require(Action::ManageOwnAccount)?;
    accounts.list_sessions(caller.user.id).await
}

/// Ends one of one's own sessions.
///
/// # Errors
/// `Forbidden`, `NotFound` when it is not theirs.
#[tracing::instrument(name = "revoke session", skip_all, fields(user_id = %caller.user.id, %session_id))]
pub async fn revoke_session<A: Sessions>(
    accounts: &A,
    caller: &Caller<'_>,
    session_id: Uuid,
) -> DomainResult<()> {
    caller.actor.require(Action::ManageOwnAccount)?;
    accounts
        .revoke_session(
            caller.user.id,
            session_id,
            caller.audit(crate::accounts::AuditAction::SessionRevoked),
        )
        .await
}

/// One's additional addresses.
///
/// # Errors
/// `Forbidden` or the store's error.
pub async fn list_additional_emails<A: AdditionalEmails>(
    accounts: &A,
    caller: &Caller<'_>,
) -> DomainResult<Vec<AdditionalEmail>> {
    caller.actor.require(Action::ManageOwnAccount)?;
    accounts.list_additional_emails(caller.user.id).await
}

/// Adds an unverified address and mails it a verification link (valid 24 hours).
///
/// # Errors
/// `Forbidden`, `Validation` for a malformed address, `Conflict` when any account uses it.
#[tracing::instrument(name = "add additional email", skip_all, fields(user_id = %caller.user.id))]
pub async fn add_additional_email<A: AdditionalEmails>(
    accounts: &A,
    links: &Links,
    caller: &Caller<'_>,
    email: &str,
) -> DomainResult<AdditionalEmail> {
    caller.actor.require(Action::ManageOwnAccount)?;
    let email = EmailAddress::parse("email", email)?;
    let primary = EmailAddress::from_trusted(caller.user.email.clone());
    let token = new_token();
    let payload = serde_json::to_string(&AdditionalEmailPayload {
        same_domain: primary.domain() == email.domain(),
    })
    .map_err(|e| DomainError::Unexpected(e.into()))?;
    let mail = render(
        email.as_str(),
        &MailTemplate::VerifyAdditionalEmail {
            email: email.as_str().to_owned(),
            link: links.to("/verify-additional-email", Some(&token)),
            valid_hours: 24,
        },
        caller.user.language,
    );
    accounts
        .add_additional_email(
            caller.user.id,
            email.as_str().to_owned(),
            NewEmailToken {
                kind: TokenKind::AdditionalEmail,
                token_hash: hash_token(&token),
                user_id: Some(caller.user.id),
                email: email.as_str().to_owned(),
                payload: Some(payload),
                expires_at: Utc::now() + TokenKind::AdditionalEmail.lifetime(),
            },
            mail,
            caller
                .audit(crate::accounts::AuditAction::AdditionalEmailAdded)
                .details(serde_json::json!({ "email": email.as_str() })),
        )
        .await
}

/// Removes one of one's additional addresses.
///
/// # Errors
/// `Forbidden`, `NotFound` when it is not theirs.
#[tracing::instrument(name = "remove additional email", skip_all, fields(user_id = %caller.user.id, %address_id))]
pub async fn remove_additional_email<A: AdditionalEmails>(
    accounts: &A,
    caller: &Caller<'_>,
    address_id: Uuid,
) -> DomainResult<()> {
    caller.actor.require(Action::ManageOwnAccount)?;
    accounts
        .remove_additional_email(
            caller.user.id,
            address_id,
            caller.audit(crate::accounts::AuditAction::AdditionalEmailRemoved),
        )
        .await
}
