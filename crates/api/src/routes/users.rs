//! Administrators manage the environment's users: invite, roles, (de)activate, remove.

use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::Utc;
use haven_domain::accounts::{
    store::UserChange,
    users::{self, NewMember, Welcome},
    Action,
};
use haven_domain::{accounts::Role, mail::Language};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use super::paging::{page_of, PageParams};
use super::{account_dto::UserDto, auth::client_info};
use crate::extractors::JsonBody;
use crate::{
    auth::Authenticated,
    error::{validate_body, ApiError, ErrorBody},
    state::AppState,
};

const TAG: &str = "users";

page_of!(UserPage, UserDto, "One page of users, by name.");

/// The environment's users and open invitations, by name.
#[utoipa::path(tag = TAG, operation_id = "listUsers", security(("bearer" = [])), params(PageParams), responses((status = OK, body = UserPage), (status = FORBIDDEN, body = ErrorBody), (status = UNAUTHORIZED, body = ErrorBody)))]
#[get("/users")]
async fn list_users(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    page: web::Query<PageParams>,
) -> Result<web::Json<UserPage>, ApiError> {
    let client = client_info(&req);
    let query = page.into_inner().into();
    let users = users::list_users(&state.db, &auth.caller(&client), &query).await?;
    Ok(web::Json(UserPage::from_page(users, |u| UserDto::from(&u))))
}

#[derive(Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase")]
pub struct InviteUserRequest {
    #[schema(example = "piet@jansen.nl")]
    #[validate(length(max = 254))]
    #[schema(max_length = 254)]
    #[schema(format = Email)]
    pub email: String,
    /// Starting role; default `basic`.
    #[schema(value_type = Option<Role>, example = "basic")]
    pub role: Option<String>,
    /// Shown until the invitee chooses their own.
    #[schema(example = "Piet Jansen")]
    #[validate(length(max = 100))]
    #[schema(max_length = 100)]
    /// A person's name: not blank, no control characters.
    #[schema(
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
    )]
    pub name: Option<String>,
    /// Language of the invitation email; default `nl`.
    #[schema(value_type = Option<Language>)]
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
    body: JsonBody<InviteUserRequest>,
) -> Result<HttpResponse, ApiError> {
    auth.actor.require(Action::ManageUsers)?;
    validate_body(&*body)?;
    let body = body.into_inner();
    let input = NewMember {
        email: body.email,
        name: body.name,
        role: body.role,
        language: body.language,
    };
    bring_in(&req, &state, &auth, Welcome::Invitation, input).await
}

/// Invitation and direct add differ only in the email and the audit action.
async fn bring_in(
    req: &HttpRequest,
    state: &AppState,
    auth: &Authenticated,
    welcome: Welcome,
    input: NewMember,
) -> Result<HttpResponse, ApiError> {
    let client = client_info(req);
    let user = users::bring_in_user(
        &state.db,
        &state.links,
        &auth.caller(&client),
        welcome,
        input,
    )
    .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/users/{}", user.id)))
        .json(UserDto::from(&user)))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdateUserRequest {
    /// Effective on the user's next request.
    #[schema(value_type = Option<Role>, example = "advanced")]
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
    body: JsonBody<UpdateUserRequest>,
) -> Result<web::Json<UserDto>, ApiError> {
    auth.actor.require(Action::ManageUsers)?;
    let role = body
        .role
        .as_deref()
        .map(|r| users::parse_role("role", r))
        .transpose()?;
    let change = UserChange {
        role,
        relationship_manager: body.relationship_manager,
    };
    let client = client_info(&req);
    let user = users::change_user(&state.db, &auth.caller(&client), *path, change).await?;
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
    let client = client_info(&req);
    let user = users::set_user_active(&state.db, &auth.caller(&client), *path, false).await?;
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
    let client = client_info(&req);
    let user = users::set_user_active(&state.db, &auth.caller(&client), *path, true).await?;
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
    let client = client_info(&req);
    users::remove_user(&state.db, &auth.caller(&client), *path).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase")]
pub struct AddUserRequest {
    #[schema(example = "piet@jansen.nl")]
    #[validate(length(max = 254))]
    #[schema(max_length = 254)]
    #[schema(format = Email)]
    pub email: String,
    #[schema(example = "Piet Jansen")]
    #[validate(length(max = 100))]
    #[schema(max_length = 100)]
    /// A person's name: not blank, no control characters.
    #[schema(
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
    )]
    pub name: String,
    /// Default `basic`.
    #[schema(value_type = Option<Role>)]
    pub role: Option<String>,
    /// Language of the user's emails; default `nl`.
    #[schema(value_type = Option<Language>)]
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
    body: JsonBody<AddUserRequest>,
) -> Result<HttpResponse, ApiError> {
    auth.actor.require(Action::ManageUsers)?;
    validate_body(&*body)?;
    let body = body.into_inner();
    let input = NewMember {
        email: body.email,
        name: Some(body.name),
        role: body.role,
        language: body.language,
    };
    bring_in(&req, &state, &auth, Welcome::SetPassword, input).await
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
    let client = client_info(&req);
    users::resend_invitation(&state.db, &state.links, &auth.caller(&client), *path).await?;
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
    let client = client_info(&req);
    users::withdraw_invitation(&state.db, &auth.caller(&client), *path).await?;
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
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
) -> Result<web::Json<Vec<EmailApprovalDto>>, ApiError> {
    let client = client_info(&req);
    let pending = users::pending_email_approvals(&state.db, &auth.caller(&client)).await?;
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
    let client = client_info(&req);
    users::decide_email_approval(&state.db, &auth.caller(&client), *path, true).await?;
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
    let client = client_info(&req);
    users::decide_email_approval(&state.db, &auth.caller(&client), *path, false).await?;
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
