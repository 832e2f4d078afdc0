//! Administrators manage the environment's users: invitations and direct adds, roles,
//! deactivation and removal, and approval of additional addresses on other domains.
//!
//! The rule that an environment keeps an active Administrator is enforced by the store inside
//! the transaction of each change; these use cases check who may ask.

use chrono::Utc;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    records::{AdditionalEmail, TokenKind, User},
    secrets::{hash_token, new_token},
    store::{
        AdditionalEmails, Directory, Invitations, NewEmailToken, NewUser, UserAdministration,
        UserChange,
    },
    types::FieldErrors,
    Action, Caller, EmailAddress, PersonName, Role,
};
use crate::{
    links::Links,
    mail::{render, MailTemplate},
    DomainError, DomainResult, FieldError,
};

/// Hours an invitation link stays valid (as [`TokenKind::Invitation`] says).
const INVITATION_HOURS: u32 = 72;

/// What an invitation token remembers.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InvitationPayload {
    pub environment_id: Uuid,
    pub inviter_name: String,
}

/// How a new user is brought in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Welcome {
    /// An invitation: the invitee chooses their name and password.
    Invitation,
    /// Added directly with a name; the user only chooses a password.
    SetPassword,
}

/// A person to bring into the environment, as the Administrator entered them.
#[derive(Debug, Clone)]
pub struct NewMember {
    pub email: String,
    /// Required for [`Welcome::SetPassword`]; for an invitation a placeholder until the
    /// invitee chooses their own.
    pub name: Option<String>,
    pub role: Option<String>,
    pub language: Option<String>,
}

/// Parses a platform role.
///
/// # Errors
/// `Validation` on `field` for anything but basic, advanced or administrator.
pub fn parse_role(field: &str, value: &str) -> DomainResult<Role> {
    Role::parse(value).ok_or_else(|| {
        DomainError::field(
            field,
            "invalid_role",
            "Choose basic, advanced or administrator.",
        )
    })
}

/// The environment's users and open invitations.
///
/// # Errors
/// `Forbidden` or the store's error.
pub async fn list_users<A: Directory>(
    accounts: &A,
    caller: &Caller<'_>,
    query: &crate::paging::PageQuery,
) -> DomainResult<crate::paging::Page<User>> {
    caller.actor.require(Action::ListUsers)?;
    let page = crate::paging::NamePage::parse(query.limit, query.before.as_deref())?;
    let users = accounts
        .list_users_page(caller.actor.environment_id, &page)
        .await?;
    Ok(page.page(users, |u| (u.name.clone(), u.id)))
}

/// Creates the user with status `invited` and emails a link (valid 72 hours) to choose a
/// password (and, for an invitation, a name). The new user has no organization access yet.
///
/// # Errors
/// `Forbidden`; `Validation` per field; `Conflict` when any account uses the address.
#[tracing::instrument(name = "bring in user", skip_all, fields(environment_id = %caller.actor.environment_id, ?welcome))]
pub async fn bring_in_user<A: Directory + Invitations>(
    accounts: &A,
    links: &Links,
    caller: &Caller<'_>,
    welcome: Welcome,
    input: NewMember,
) -> DomainResult<User> {
    caller.actor.require(Action::ManageUsers)?;
    let mut errors = FieldErrors::default();
    let email = errors.check(EmailAddress::parse("email", &input.email));
    let name = match (welcome, input.name.as_deref()) {
        (Welcome::SetPassword, name) => {
            errors.check(PersonName::parse("name", name.unwrap_or_default()))
        }
        (Welcome::Invitation, Some(name)) => errors.check(PersonName::parse("name", name)),
        (Welcome::Invitation, None) => None,
    };
    errors.finish()?;
    let email = email.ok_or_else(|| missing("email"))?;
    let role = input
        .role
        .as_deref()
        .map_or(Ok(Role::Basic), |r| parse_role("role", r))?;
    let language = crate::accounts::sign_in::parse_language(input.language.as_deref())?
        .unwrap_or(caller.user.language);
    if accounts.email_in_use(email.as_str()).await? {
        return Err(DomainError::conflict(
            crate::ConflictCode::EmailTaken,
            "This email address is already used by an account.".into(),
        ));
    }
    let env = accounts
        .find_environment(caller.actor.environment_id)
        .await?
        .ok_or_else(|| DomainError::not_found("environment", caller.actor.environment_id))?;
    let (token, token_row) = invitation_token(caller, env.id, email.as_str())?;
    let link = links.to("/invitation", Some(&token));
    let (template, audit_action) = match welcome {
        Welcome::Invitation => (
            MailTemplate::Invitation {
                inviter_name: caller.user.name.clone(),
                environment_name: env.name.clone(),
                link,
                valid_hours: INVITATION_HOURS,
            },
            crate::accounts::AuditAction::UserInvited,
        ),
        Welcome::SetPassword => (
            MailTemplate::SetPassword {
                environment_name: env.name.clone(),
                link,
                valid_hours: INVITATION_HOURS,
            },
            crate::accounts::AuditAction::UserAdded,
        ),
    };
    let mail = render(email.as_str(), &template, language);
    // Until an invitee chooses a name, the part of the address before the @ stands in.
    let display_name = name.map_or_else(
        || {
            email
                .as_str()
                .split('@')
                .next()
                .unwrap_or_default()
                .to_owned()
        },
        PersonName::into_inner,
    );
    accounts
        .create_invited_user(
            env.id,
            NewUser {
                email: email.as_str().to_owned(),
                name: display_name,
                password_hash: None,
                role,
                language,
            },
            token_row,
            mail,
            caller
                .audit(audit_action)
                .details(serde_json::json!({ "email": email.as_str(), "role": role.as_str() })),
        )
        .await
}

fn missing(field: &str) -> DomainError {
    DomainError::Unexpected(anyhow::anyhow!("validated field {field} missing"))
}

/// A fresh invitation link and the row that stores it.
fn invitation_token(
    caller: &Caller<'_>,
    environment_id: Uuid,
    email: &str,
) -> DomainResult<(String, NewEmailToken)> {
    let token = new_token();
    let payload = serde_json::to_string(&InvitationPayload {
        environment_id,
        inviter_name: caller.user.name.clone(),
    })
    .map_err(|e| DomainError::Unexpected(e.into()))?;
    let row = NewEmailToken {
        kind: TokenKind::Invitation,
        token_hash: hash_token(&token),
        user_id: None,
        email: email.to_owned(),
        payload: Some(payload),
        expires_at: Utc::now() + TokenKind::Invitation.lifetime(),
    };
    Ok((token, row))
}

/// Changes a user's role or relationship-manager flag; effective on their next request.
///
/// # Errors
/// `Forbidden`, `NotFound`, `Conflict` when no active Administrator would remain.
#[tracing::instrument(name = "change user", skip_all, fields(%user_id))]
pub async fn change_user<A: UserAdministration>(
    accounts: &A,
    caller: &Caller<'_>,
    user_id: Uuid,
    change: UserChange,
) -> DomainResult<User> {
    caller.actor.require(Action::ManageUsers)?;
    if change.relationship_manager.is_some() {
        caller.actor.require(Action::GrantRelationshipManager)?;
    }
    let audit = caller
        .audit(crate::accounts::AuditAction::UserRoleChanged)
        .details(serde_json::json!({
            "role": change.role.map(Role::as_str),
            "relationshipManager": change.relationship_manager,
        }));
    accounts
        .change_user(caller.actor.environment_id, user_id, change, audit)
        .await
}

/// Deactivates (their sessions end at once) or reactivates a user.
///
/// # Errors
/// `Forbidden`, `NotFound`, `Conflict` when no active Administrator would remain.
#[tracing::instrument(name = "set user active", skip_all, fields(%user_id, active))]
pub async fn set_user_active<A: UserAdministration>(
    accounts: &A,
    caller: &Caller<'_>,
    user_id: Uuid,
    active: bool,
) -> DomainResult<User> {
    caller.actor.require(Action::ManageUsers)?;
    let action = if active {
        crate::accounts::AuditAction::UserReactivated
    } else {
        crate::accounts::AuditAction::UserDeactivated
    };
    accounts
        .set_user_active(
            caller.actor.environment_id,
            user_id,
            active,
            caller.audit(action),
        )
        .await
}

/// Removes a user for good.
///
/// # Errors
/// `Forbidden`, `NotFound`, `Conflict` when no active Administrator would remain.
#[tracing::instrument(name = "remove user", skip_all, fields(%user_id))]
pub async fn remove_user<A: UserAdministration>(
    accounts: &A,
    caller: &Caller<'_>,
    user_id: Uuid,
) -> DomainResult<()> {
    caller.actor.require(Action::ManageUsers)?;
    accounts
        .remove_user(
            caller.actor.environment_id,
            user_id,
            caller.audit(crate::accounts::AuditAction::UserRemoved),
        )
        .await
}

/// Sends an invited user a new link; earlier links stop working.
///
/// # Errors
/// `Forbidden`, `NotFound`, `Conflict` when the user has already joined.
#[tracing::instrument(name = "resend invitation", skip_all, fields(%user_id))]
pub async fn resend_invitation<A: Directory + Invitations>(
    accounts: &A,
    links: &Links,
    caller: &Caller<'_>,
    user_id: Uuid,
) -> DomainResult<()> {
    caller.actor.require(Action::ManageUsers)?;
    let invitee = accounts
        .find_user(caller.actor.environment_id, user_id)
        .await?
        .ok_or_else(|| DomainError::not_found("user", user_id))?;
    let env = accounts
        .find_environment(caller.actor.environment_id)
        .await?
        .ok_or_else(|| DomainError::not_found("environment", caller.actor.environment_id))?;
    let (token, mut row) = invitation_token(caller, env.id, &invitee.email)?;
    row.user_id = Some(invitee.id);
    let mail = render(
        &invitee.email,
        &MailTemplate::Invitation {
            inviter_name: caller.user.name.clone(),
            environment_name: env.name.clone(),
            link: links.to("/invitation", Some(&token)),
            valid_hours: INVITATION_HOURS,
        },
        invitee.language,
    );
    accounts
        .renew_invitation(
            env.id,
            invitee.id,
            row,
            mail,
            caller.audit(crate::accounts::AuditAction::UserInvitationResent),
        )
        .await
}

/// Withdraws an invitation that has not been accepted.
///
/// # Errors
/// `Forbidden`, `NotFound`, `Conflict` when the user has already joined.
#[tracing::instrument(name = "withdraw invitation", skip_all, fields(%user_id))]
pub async fn withdraw_invitation<A: Invitations>(
    accounts: &A,
    caller: &Caller<'_>,
    user_id: Uuid,
) -> DomainResult<()> {
    caller.actor.require(Action::ManageUsers)?;
    accounts
        .withdraw_invitation(
            caller.actor.environment_id,
            user_id,
            caller.audit(crate::accounts::AuditAction::UserInvitationWithdrawn),
        )
        .await
}

/// Additional addresses on other domains that wait for an Administrator, with their owners.
///
/// # Errors
/// `Forbidden` or the store's error.
pub async fn pending_email_approvals<A: AdditionalEmails>(
    accounts: &A,
    caller: &Caller<'_>,
) -> DomainResult<Vec<(AdditionalEmail, User)>> {
    caller.actor.require(Action::ApproveEmailAddresses)?;
    accounts
        .pending_email_approvals(caller.actor.environment_id)
        .await
}

/// Approves (a login alias and trusted sender from then on) or rejects (removed) an address.
///
/// # Errors
/// `Forbidden`, `NotFound`.
#[tracing::instrument(name = "decide email approval", skip_all, fields(%address_id, approve))]
pub async fn decide_email_approval<A: AdditionalEmails>(
    accounts: &A,
    caller: &Caller<'_>,
    address_id: Uuid,
    approve: bool,
) -> DomainResult<()> {
    caller.actor.require(Action::ApproveEmailAddresses)?;
    let action = if approve {
        crate::accounts::AuditAction::AdditionalEmailApproved
    } else {
        crate::accounts::AuditAction::AdditionalEmailRejected
    };
    accounts
        .decide_email_approval(
            caller.actor.environment_id,
            address_id,
            approve,
            caller.audit(action),
        )
        .await
}

impl From<FieldError> for DomainError {
    fn from(err: FieldError) -> Self {
        Self::Validation(vec![err])
    }
}
