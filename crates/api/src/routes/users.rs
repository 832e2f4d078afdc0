//! Administrators manage the environment's users: invite, roles, (de)activate, remove.

use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::Utc;
use haven_domain::{
    accounts::{
        records::{NewAuditEvent, TokenKind},
        secrets::{hash_token, new_token},
        store::{AccountStore, NewEmailToken, NewUser, UserChange},
        types::FieldErrors,
        Action, EmailAddress, PersonName, Role,
    },
    mail::{render, Language, MailTemplate},
};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use super::{
    account_dto::UserDto,
    auth::{client_info, InvitationPayload},
};
use crate::{
    auth::Authenticated,
    error::{validate_body, ApiError, ErrorBody, ErrorDetail},
    state::AppState,
};

const TAG: &str = "users";

fn parse_role(field: &str, value: &str) -> Result<Role, ApiError> {
    Role::parse(value).ok_or_else(|| {
        ApiError::Validation(vec![ErrorDetail::field(
            field,
            "invalid_role",
            "Choose basic, advanced or administrator.",
        )])
    })
}

/// The environment's users and open invitations.
#[utoipa::path(tag = TAG, operation_id = "listUsers", security(("bearer" = [])), responses((status = OK, body = [UserDto]), (status = FORBIDDEN, body = ErrorBody), (status = UNAUTHORIZED, body = ErrorBody)))]
#[get("/users")]
async fn list_users(
    state: web::Data<AppState>,
    auth: Authenticated,
) -> Result<web::Json<Vec<UserDto>>, ApiError> {
    auth.actor.require(Action::ListUsers)?;
    let users = state.db.list_users(auth.actor.environment_id).await?;
    Ok(web::Json(users.iter().map(UserDto::from).collect()))
}

#[derive(Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase")]
pub struct InviteUserRequest {
    #[schema(example = "piet@jansen.nl")]
    #[validate(length(max = 254))]
    pub email: String,
    /// Starting role: `basic` (default), `advanced` or `administrator`.
    #[schema(example = "basic")]
    pub role: Option<String>,
    /// Shown until the invitee chooses their own.
    #[schema(example = "Piet Jansen")]
    #[validate(length(max = 100))]
    pub name: Option<String>,
    /// Language of the invitation email: `nl` (default) or `en`.
    pub language: Option<String>,
}

/// Invite someone by email.
///
/// Creates the user with status `invited` and emails a link (valid 72 hours) where they choose
/// their name and password. The new user has no organization access until added to one.
#[utoipa::path(
    tag = TAG,
    operation_id = "inviteUser",
    security(("bearer" = [])),
    request_body = InviteUserRequest,
    responses(
        (status = CREATED, body = UserDto),
        (status = BAD_REQUEST, body = ErrorBody),
        (status = FORBIDDEN, body = ErrorBody),
        (status = CONFLICT, description = "The address is already used by an account.", body = ErrorBody),
    )
)]
#[post("/users/invitations")]
async fn invite_user(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    body: web::Json<InviteUserRequest>,
) -> Result<HttpResponse, ApiError> {
    auth.actor.require(Action::ManageUsers)?;
    validate_body(&*body)?;
    let mut errors = FieldErrors::default();
    let email = errors.check(EmailAddress::parse("email", &body.email));
    let name = body
        .name
        .as_deref()
        .and_then(|n| errors.check(PersonName::parse("name", n)));
    errors.finish()?;
    let email =
        email.ok_or_else(|| ApiError::Internal(anyhow::anyhow!("validated email missing")))?;
    let role = body
        .role
        .as_deref()
        .map_or(Ok(Role::Basic), |r| parse_role("role", r))?;
    let language = body
        .language
        .as_deref()
        .and_then(Language::parse)
        .unwrap_or(auth.user.language);
    if state.db.email_in_use(email.as_str()).await? {
        return Err(ApiError::Conflict(
            "This email address is already used by an account.".into(),
        ));
    }
    let env = state
        .db
        .find_environment(auth.actor.environment_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let (token, token_row) = invitation_token(&auth, env.id, email.as_str())?;
    let mail = render(
        email.as_str(),
        &MailTemplate::Invitation {
            inviter_name: auth.user.name.clone(),
            environment_name: env.name.clone(),
            link: state.link("/invitation", Some(&token)),
            valid_hours: 72,
        },
        language,
    );
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
    let user = state
        .db
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
            NewAuditEvent::new("user.invited", &client_info(&req))
                .by(&auth.user)
                .details(serde_json::json!({ "email": email.as_str(), "role": role.as_str() })),
        )
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/users/{}", user.id)))
        .json(UserDto::from(&user)))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdateUserRequest {
    /// `basic`, `advanced` or `administrator`; effective on the user's next request.
    #[schema(example = "advanced")]
    pub role: Option<String>,
    /// Needed to handle accountants' authorisation requests and partnerships.
    pub relationship_manager: Option<bool>,
}

/// Change a user's role or relationship-manager flag.
///
/// The last active Administrator cannot be demoted (409).
#[utoipa::path(
    tag = TAG,
    operation_id = "updateUser",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body = UpdateUserRequest,
    responses(
        (status = OK, body = UserDto),
        (status = BAD_REQUEST, body = ErrorBody),
        (status = FORBIDDEN, body = ErrorBody),
        (status = NOT_FOUND, body = ErrorBody),
        (status = CONFLICT, description = "It would leave no active administrator.", body = ErrorBody),
    )
)]
#[patch("/users/{id}")]
async fn update_user(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
    body: web::Json<UpdateUserRequest>,
) -> Result<web::Json<UserDto>, ApiError> {
    auth.actor.require(Action::ManageUsers)?;
    let role = body
        .role
        .as_deref()
        .map(|r| parse_role("role", r))
        .transpose()?;
    if body.relationship_manager.is_some() {
        auth.actor.require(Action::GrantRelationshipManager)?;
    }
    let user = state
        .db
        .change_user(
            auth.actor.environment_id,
            *path,
            UserChange {
                role,
                relationship_manager: body.relationship_manager,
            },
            NewAuditEvent::new("user.role_changed", &client_info(&req))
                .by(&auth.user)
                .details(serde_json::json!({
                    "role": role.map(Role::as_str),
                    "relationshipManager": body.relationship_manager,
                })),
        )
        .await?;
    Ok(web::Json(UserDto::from(&user)))
}

/// Deactivate a user: they can no longer log in and their sessions end.
#[utoipa::path(tag = TAG, operation_id = "deactivateUser", security(("bearer" = [])), params(("id" = Uuid, Path)), responses((status = OK, body = UserDto), (status = FORBIDDEN, body = ErrorBody), (status = NOT_FOUND, body = ErrorBody), (status = CONFLICT, body = ErrorBody)))]
#[post("/users/{id}/deactivate")]
async fn deactivate_user(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
) -> Result<web::Json<UserDto>, ApiError> {
    auth.actor.require(Action::ManageUsers)?;
    let event = NewAuditEvent::new("user.deactivated", &client_info(&req)).by(&auth.user);
    let user = state
        .db
        .set_user_active(auth.actor.environment_id, *path, false, event)
        .await?;
    Ok(web::Json(UserDto::from(&user)))
}

/// Reactivate a deactivated user.
#[utoipa::path(tag = TAG, operation_id = "reactivateUser", security(("bearer" = [])), params(("id" = Uuid, Path)), responses((status = OK, body = UserDto), (status = FORBIDDEN, body = ErrorBody), (status = NOT_FOUND, body = ErrorBody), (status = CONFLICT, body = ErrorBody)))]
#[post("/users/{id}/reactivate")]
async fn reactivate_user(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
) -> Result<web::Json<UserDto>, ApiError> {
    auth.actor.require(Action::ManageUsers)?;
    let event = NewAuditEvent::new("user.reactivated", &client_info(&req)).by(&auth.user);
    let user = state
        .db
        .set_user_active(auth.actor.environment_id, *path, true, event)
        .await?;
    Ok(web::Json(UserDto::from(&user)))
}

/// Remove a user (or withdraw an invitation) for good.
#[utoipa::path(tag = TAG, operation_id = "removeUser", security(("bearer" = [])), params(("id" = Uuid, Path)), responses((status = NO_CONTENT), (status = FORBIDDEN, body = ErrorBody), (status = NOT_FOUND, body = ErrorBody), (status = CONFLICT, description = "It would leave no active administrator.", body = ErrorBody)))]
#[delete("/users/{id}")]
async fn remove_user(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    auth.actor.require(Action::ManageUsers)?;
    let event = NewAuditEvent::new("user.removed", &client_info(&req)).by(&auth.user);
    state
        .db
        .remove_user(auth.actor.environment_id, *path, event)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase")]
pub struct AddUserRequest {
    #[schema(example = "piet@jansen.nl")]
    #[validate(length(max = 254))]
    pub email: String,
    #[schema(example = "Piet Jansen")]
    #[validate(length(max = 100))]
    pub name: String,
    /// `basic` (default), `advanced` or `administrator`.
    pub role: Option<String>,
    /// Language of the user's emails: `nl` (default) or `en`.
    pub language: Option<String>,
}

/// Add a user directly.
///
/// Like an invitation, but the Administrator already fills in the name; the user gets an email
/// to choose a password (valid 72 hours) and is `invited` until they do.
#[utoipa::path(tag = TAG, operation_id = "addUser", security(("bearer" = [])), request_body = AddUserRequest, responses((status = CREATED, body = UserDto), (status = BAD_REQUEST, body = ErrorBody), (status = FORBIDDEN, body = ErrorBody), (status = CONFLICT, body = ErrorBody)))]
#[post("/users")]
async fn add_user(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    body: web::Json<AddUserRequest>,
) -> Result<HttpResponse, ApiError> {
    auth.actor.require(Action::ManageUsers)?;
    validate_body(&*body)?;
    let mut errors = FieldErrors::default();
    let email = errors.check(EmailAddress::parse("email", &body.email));
    let name = errors.check(PersonName::parse("name", &body.name));
    errors.finish()?;
    let (Some(email), Some(name)) = (email, name) else {
        return Err(ApiError::Internal(anyhow::anyhow!(
            "validated fields missing"
        )));
    };
    let role = body
        .role
        .as_deref()
        .map_or(Ok(Role::Basic), |r| parse_role("role", r))?;
    let language = body
        .language
        .as_deref()
        .and_then(Language::parse)
        .unwrap_or(auth.user.language);
    if state.db.email_in_use(email.as_str()).await? {
        return Err(ApiError::Conflict(
            "This email address is already used by an account.".into(),
        ));
    }
    let env = state
        .db
        .find_environment(auth.actor.environment_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let (token, new_token_row) = invitation_token(&auth, env.id, email.as_str())?;
    let mail = render(
        email.as_str(),
        &MailTemplate::SetPassword {
            environment_name: env.name.clone(),
            link: state.link("/invitation", Some(&token)),
            valid_hours: 72,
        },
        language,
    );
    let user = state
        .db
        .create_invited_user(
            env.id,
            NewUser {
                email: email.as_str().to_owned(),
                name: name.into_inner(),
                password_hash: None,
                role,
                language,
            },
            new_token_row,
            mail,
            NewAuditEvent::new("user.added", &client_info(&req))
                .by(&auth.user)
                .details(serde_json::json!({ "email": email.as_str(), "role": role.as_str() })),
        )
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/users/{}", user.id)))
        .json(UserDto::from(&user)))
}

/// A fresh invitation link and the row that stores it.
fn invitation_token(
    auth: &Authenticated,
    environment_id: Uuid,
    email: &str,
) -> Result<(String, NewEmailToken), ApiError> {
    let token = new_token();
    let payload = serde_json::to_string(&InvitationPayload {
        environment_id,
        inviter_name: auth.user.name.clone(),
    })
    .map_err(|e| ApiError::Internal(e.into()))?;
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

/// Send an invited user a new invitation link; earlier links stop working.
#[utoipa::path(tag = TAG, operation_id = "resendInvitation", security(("bearer" = [])), params(("id" = Uuid, Path)), responses((status = NO_CONTENT), (status = FORBIDDEN, body = ErrorBody), (status = NOT_FOUND, body = ErrorBody), (status = CONFLICT, description = "The user has already joined.", body = ErrorBody)))]
#[post("/users/{id}/invitation/resend")]
async fn resend_invitation(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    auth.actor.require(Action::ManageUsers)?;
    let invitee = state
        .db
        .find_user(auth.actor.environment_id, *path)
        .await?
        .ok_or(ApiError::NotFound)?;
    let env = state
        .db
        .find_environment(auth.actor.environment_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let (token, mut row) = invitation_token(&auth, env.id, &invitee.email)?;
    row.user_id = Some(invitee.id);
    let mail = render(
        &invitee.email,
        &MailTemplate::Invitation {
            inviter_name: auth.user.name.clone(),
            environment_name: env.name.clone(),
            link: state.link("/invitation", Some(&token)),
            valid_hours: 72,
        },
        invitee.language,
    );
    let event = NewAuditEvent::new("user.invitation_resent", &client_info(&req)).by(&auth.user);
    state
        .db
        .renew_invitation(env.id, invitee.id, row, mail, event)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Withdraw an invitation that has not been accepted.
#[utoipa::path(tag = TAG, operation_id = "withdrawInvitation", security(("bearer" = [])), params(("id" = Uuid, Path)), responses((status = NO_CONTENT), (status = FORBIDDEN, body = ErrorBody), (status = NOT_FOUND, body = ErrorBody), (status = CONFLICT, description = "The user has already joined.", body = ErrorBody)))]
#[delete("/users/{id}/invitation")]
async fn withdraw_invitation(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    auth.actor.require(Action::ManageUsers)?;
    let event = NewAuditEvent::new("user.invitation_withdrawn", &client_info(&req)).by(&auth.user);
    state
        .db
        .withdraw_invitation(auth.actor.environment_id, *path, event)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// An additional address that waits for an Administrator.
#[derive(serde::Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EmailApprovalDto {
    pub id: Uuid,
    pub user_id: Uuid,
    pub user_name: String,
    #[schema(example = "jan@privemail.nl")]
    pub email: String,
    pub created_at: chrono::DateTime<Utc>,
}

/// Additional addresses on other domains waiting for approval.
#[utoipa::path(tag = TAG, operation_id = "listEmailApprovals", security(("bearer" = [])), responses((status = OK, body = [EmailApprovalDto]), (status = FORBIDDEN, body = ErrorBody)))]
#[get("/users/email-approvals")]
async fn list_email_approvals(
    state: web::Data<AppState>,
    auth: Authenticated,
) -> Result<web::Json<Vec<EmailApprovalDto>>, ApiError> {
    auth.actor.require(Action::ApproveEmailAddresses)?;
    let pending = state
        .db
        .pending_email_approvals(auth.actor.environment_id)
        .await?;
    Ok(web::Json(
        pending
            .into_iter()
            .map(|(address, owner)| EmailApprovalDto {
                id: address.id,
                user_id: owner.id,
                user_name: owner.name,
                email: address.email,
                created_at: address.created_at,
            })
            .collect(),
    ))
}

/// Approve an additional address: it becomes a login alias and trusted sender.
#[utoipa::path(tag = TAG, operation_id = "approveEmail", security(("bearer" = [])), params(("id" = Uuid, Path)), responses((status = NO_CONTENT), (status = FORBIDDEN, body = ErrorBody), (status = NOT_FOUND, body = ErrorBody)))]
#[post("/users/email-approvals/{id}/approve")]
async fn approve_email(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    auth.actor.require(Action::ApproveEmailAddresses)?;
    let event = NewAuditEvent::new("additional_email.approved", &client_info(&req)).by(&auth.user);
    state
        .db
        .decide_email_approval(auth.actor.environment_id, *path, true, event)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Reject an additional address: it is removed.
#[utoipa::path(tag = TAG, operation_id = "rejectEmail", security(("bearer" = [])), params(("id" = Uuid, Path)), responses((status = NO_CONTENT), (status = FORBIDDEN, body = ErrorBody), (status = NOT_FOUND, body = ErrorBody)))]
#[post("/users/email-approvals/{id}/reject")]
async fn reject_email(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    auth.actor.require(Action::ApproveEmailAddresses)?;
    let event = NewAuditEvent::new("additional_email.rejected", &client_info(&req)).by(&auth.user);
    state
        .db
        .decide_email_approval(auth.actor.environment_id, *path, false, event)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

pub fn configure(cfg: &mut ServiceConfig) {
    // The literal `email-approvals` paths come before `/users/{id}` ones.
    cfg.service(list_email_approvals)
        .service(approve_email)
        .service(reject_email)
        .service(list_users)
        .service(add_user)
        .service(invite_user)
        .service(resend_invitation)
        .service(withdraw_invitation)
        .service(update_user)
        .service(deactivate_user)
        .service(reactivate_user)
        .service(remove_user);
}
