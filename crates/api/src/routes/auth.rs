//! Registration, login, sessions and the emailed single-use links.

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::Utc;
use haven_domain::{
    accounts::{
        password,
        records::ClientInfo,
        sign_in::{self, Credentials, LoginFailure, PasswordChecker, Registration, SignedIn},
        store::Directory,
    },
    mail::Language,
    DomainError, DomainResult,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

use super::account_dto::{Accepted, LoginResponse, MeDto};
use crate::extractors::JsonBody;
use crate::{
    auth::{
        cookies::{cleared_refresh_cookie, refresh_cookie, REFRESH_COOKIE},
        tokens, Authenticated,
    },
    error::{validate_body, ApiError, ErrorBody, ErrorCode},
    state::AppState,
};

const TAG: &str = "auth";

/// The caller's address and browser, for sessions and the audit log.
pub fn client_info(req: &HttpRequest) -> ClientInfo {
    ClientInfo {
        ip: req.peer_addr().map(|a| a.ip().to_string()),
        user_agent: req
            .headers()
            .get(actix_web::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.chars().take(300).collect()),
    }
}

/// 200 with a fresh access token, and the refresh cookie.
async fn signed_in(state: &AppState, signed_in: SignedIn) -> Result<HttpResponse, ApiError> {
    let SignedIn {
        user,
        session,
        refresh_secret,
    } = signed_in;
    let environment = state
        .db
        .find_environment(user.environment_id)
        .await?
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("user without environment")))?;
    let access_token = tokens::issue(&state.signing_key, user.id, user.environment_id, session.id)
        .map_err(ApiError::Internal)?;
    Ok(HttpResponse::Ok()
        .cookie(refresh_cookie(format!("{}.{refresh_secret}", session.id)))
        .json(LoginResponse {
            access_token,
            token_type: "Bearer",
            expires_in: tokens::ACCESS_TOKEN_SECONDS,
            user: MeDto::new(
                &user,
                &environment,
                state.receiving_price(),
                &state.operators,
            ),
        }))
}

#[derive(Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase")]
pub struct RegisterRequest {
    #[schema(example = "jan@jansen.nl")]
    #[validate(length(max = 254))]
    #[schema(max_length = 254)]
    #[schema(format = Email)]
    pub email: String,
    #[schema(example = "correct horse battery staple")]
    #[validate(length(max = 256))]
    #[schema(max_length = 256)]
    #[schema(min_length = 12)]
    pub password: String,
    #[schema(example = "Jan Jansen")]
    #[validate(length(max = 100))]
    #[schema(max_length = 100)]
    /// A person's name: not blank, no control characters.
    #[schema(
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
    )]
    pub name: String,
    /// The language of the emails and the web app; default `nl`.
    #[schema(value_type = Option<Language>, example = "nl")]
    pub language: Option<String>,
}

/// Register.
///
/// Sends a confirmation link to the address. The answer is the same whether or not the address
/// already has an account (its owner gets an email saying so), so registration never reveals
/// which addresses are known. Confirming creates a new environment with this person as its
/// first Administrator.
#[utoipa::path(
    tag = TAG,
    operation_id = "register",
    request_body = RegisterRequest,
    responses(
        (status = ACCEPTED, body = Accepted),
        (status = BAD_REQUEST, description = "Invalid fields (password policy, email format).", body = ErrorBody),
    )
)]
#[post("/auth/register")]
async fn register(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: JsonBody<RegisterRequest>,
) -> Result<HttpResponse, ApiError> {
    validate_body(&*body)?;
    let body = body.into_inner();
    let registration = Registration {
        email: body.email,
        password: body.password,
        name: body.name,
        language: body.language,
    };
    sign_in::register(&state.db, &state.links, &client_info(&req), registration).await?;
    Ok(HttpResponse::Accepted().json(Accepted {
        message: "Check your mailbox: we sent a link to confirm your address.",
    }))
}

#[derive(Deserialize, ToSchema, Validate)]
pub struct TokenRequest {
    /// The token from the emailed link.
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub token: String,
}

/// Confirm a registration.
///
/// Uses the emailed link: creates the environment with this person as Administrator (or, when
/// an environment has auto-join switched on for the address's domain, adds them to it as a
/// Basic user) and signs them in.
#[utoipa::path(
    tag = TAG,
    operation_id = "verifyEmail",
    request_body = TokenRequest,
    responses(
        (status = OK, body = LoginResponse),
        (status = BAD_REQUEST, description = "`token_invalid`, `token_expired` or `token_used`.", body = ErrorBody),
        (status = CONFLICT, description = "The address got an account meanwhile.", body = ErrorBody),
    )
)]
#[post("/auth/verify-email")]
async fn verify_email(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: JsonBody<TokenRequest>,
) -> Result<HttpResponse, ApiError> {
    validate_body(&*body)?;
    let session = sign_in::confirm_registration(&state.db, &client_info(&req), &body.token).await?;
    signed_in(&state, session).await
}

#[derive(Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase")]
pub struct LoginRequest {
    /// The primary address or any verified additional address.
    #[schema(example = "jan@jansen.nl")]
    #[validate(length(max = 254))]
    #[schema(max_length = 254)]
    #[schema(format = Email)]
    pub email: String,
    #[validate(length(max = 256))]
    #[schema(max_length = 256)]
    pub password: String,
    /// When two-factor authentication is on: the 6-digit code from the app, or a recovery code.
    #[schema(example = "123456")]
    #[validate(length(max = 40))]
    #[schema(max_length = 40)]
    pub code: Option<String>,
}

/// Log in.
///
/// Returns a 15-minute access token and sets the refresh token as an HttpOnly cookie. A wrong
/// address and a wrong password give the same answer. With two-factor authentication on, the
/// first attempt without `code` answers 401 `two_factor_required`. Repeated failures per
/// account and per address are slowed down with growing waits (429 with Retry-After).
#[utoipa::path(
    tag = TAG,
    operation_id = "login",
    request_body = LoginRequest,
    responses(
        (status = OK, body = LoginResponse),
        (status = UNAUTHORIZED, description = "`invalid_credentials`, `two_factor_required` or `invalid_two_factor_code`.", body = ErrorBody),
        (status = FORBIDDEN, description = "The account is deactivated.", body = ErrorBody),
        (status = TOO_MANY_REQUESTS, description = "Too many failed attempts for this account or address.", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait before the next attempt."))),
    )
)]
#[post("/auth/login")]
async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: JsonBody<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    validate_body(&*body)?;
    let body = body.into_inner();
    let credentials = Credentials {
        email: body.email,
        password: body.password,
        code: body.code,
    };
    let client = client_info(&req);
    match sign_in::login(
        &state.db,
        &state.sealing,
        &OffWorkerPasswordChecker,
        &client,
        credentials,
    )
    .await
    {
        Ok(session) => signed_in(&state, session).await,
        Err(failure) => Err(match failure {
            LoginFailure::Throttled { retry_after_secs } => {
                ApiError::TooManyRequests { retry_after_secs }
            }
            LoginFailure::InvalidCredentials => {
                ApiError::Unauthenticated(ErrorCode::InvalidCredentials)
            }
            LoginFailure::TwoFactorRequired => {
                ApiError::Unauthenticated(ErrorCode::TwoFactorRequired)
            }
            LoginFailure::InvalidTwoFactorCode => {
                ApiError::Unauthenticated(ErrorCode::InvalidTwoFactorCode)
            }
            LoginFailure::Deactivated => ApiError::Forbidden(
                "This account is deactivated; ask an administrator of your environment.".into(),
            ),
            LoginFailure::Domain(err) => err.into(),
        }),
    }
}

/// Runs the password hash on actix's blocking pool: a slow hash on the async worker would
/// stall every request sharing it, including ones holding a database transaction.
struct OffWorkerPasswordChecker;

impl PasswordChecker for OffWorkerPasswordChecker {
    async fn check(&self, presented: String, stored: Option<String>) -> DomainResult<bool> {
        web::block(move || match stored {
            Some(hash) => password::verify(&presented, &hash),
            None => {
                password::verify_dummy(&presented);
                false
            }
        })
        .await
        .map_err(|e| DomainError::Unexpected(anyhow::anyhow!("checking a password: {e}")))
    }
}

/// Refresh the access token.
///
/// Uses the refresh cookie: issues a new access token and a new refresh token (the old one stops
/// working). Presenting an already-rotated refresh token ends the whole session, since it means
/// the token was copied.
#[utoipa::path(
    tag = TAG,
    operation_id = "refreshToken",
    responses(
        (status = OK, body = LoginResponse),
        (status = UNAUTHORIZED, body = ErrorBody),
    )
)]
#[post("/auth/refresh")]
async fn refresh(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let presented = req.cookie(REFRESH_COOKIE).map(|c| c.value().to_owned());
    let rotated = match presented {
        Some(presented) => {
            sign_in::refresh(&state.db, &client_info(&req), &presented, Utc::now()).await?
        }
        None => None,
    };
    match rotated {
        Some(session) => signed_in(&state, session).await,
        None => {
            let mut response = actix_web::ResponseError::error_response(
                &ApiError::Unauthenticated(ErrorCode::Unauthenticated),
            );
            let _ = response.add_cookie(&cleared_refresh_cookie());
            Ok(response)
        }
    }
}

/// Log out of this session.
#[utoipa::path(tag = TAG, operation_id = "logout", security(("bearer" = [])), responses((status = NO_CONTENT), (status = UNAUTHORIZED, body = ErrorBody)))]
#[post("/auth/logout")]
async fn logout(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
) -> Result<HttpResponse, ApiError> {
    let client = client_info(&req);
    sign_in::logout(&state.db, &auth.caller(&client), false).await?;
    Ok(HttpResponse::NoContent()
        .cookie(cleared_refresh_cookie())
        .finish())
}

/// Log out of every session, on every device.
#[utoipa::path(tag = TAG, operation_id = "logoutAll", security(("bearer" = [])), responses((status = NO_CONTENT), (status = UNAUTHORIZED, body = ErrorBody)))]
#[post("/auth/logout-all")]
async fn logout_all(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
) -> Result<HttpResponse, ApiError> {
    let client = client_info(&req);
    sign_in::logout(&state.db, &auth.caller(&client), true).await?;
    Ok(HttpResponse::NoContent()
        .cookie(cleared_refresh_cookie())
        .finish())
}

#[derive(Deserialize, ToSchema, Validate)]
pub struct ForgotPasswordRequest {
    #[schema(example = "jan@jansen.nl")]
    #[validate(length(max = 254))]
    #[schema(max_length = 254)]
    #[schema(format = Email)]
    pub email: String,
}

/// Ask for a password-reset link.
///
/// Always answers 202: whether the address is known is not revealed.
#[utoipa::path(tag = TAG, operation_id = "forgotPassword", request_body = ForgotPasswordRequest, responses((status = ACCEPTED, body = Accepted), (status = BAD_REQUEST, body = ErrorBody)))]
#[post("/auth/forgot-password")]
async fn forgot_password(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: JsonBody<ForgotPasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    validate_body(&*body)?;
    sign_in::forgot_password(&state.db, &state.links, &client_info(&req), &body.email).await?;
    Ok(HttpResponse::Accepted().json(Accepted {
        message:
            "If the address belongs to an account, we sent it a link to choose a new password.",
    }))
}

#[derive(Deserialize, ToSchema, Validate)]
pub struct ResetPasswordRequest {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub token: String,
    #[validate(length(max = 256))]
    #[schema(max_length = 256)]
    #[schema(min_length = 12)]
    pub password: String,
}

/// Choose a new password with the emailed link. Ends every session of the account.
#[utoipa::path(
    tag = TAG,
    operation_id = "resetPassword",
    request_body = ResetPasswordRequest,
    responses((status = NO_CONTENT), (status = BAD_REQUEST, description = "Password policy, or `token_invalid` / `token_expired` / `token_used`.", body = ErrorBody))
)]
#[post("/auth/reset-password")]
async fn reset_password(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: JsonBody<ResetPasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    validate_body(&*body)?;
    sign_in::reset_password(&state.db, &client_info(&req), &body.token, &body.password).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// What the invitation page shows before the invitee accepts.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InvitationInfo {
    pub email: String,
    pub environment_name: String,
    pub inviter_name: String,
}

/// Look at an invitation.
#[utoipa::path(
    tag = TAG,
    operation_id = "getInvitation",
    params(("token" = String, Path, description = "The token from the invitation link.")),
    responses((status = OK, body = InvitationInfo), (status = BAD_REQUEST, description = "`token_invalid`, `token_expired` or `token_used`.", body = ErrorBody))
)]
#[get("/auth/invitations/{token}")]
async fn get_invitation(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<web::Json<InvitationInfo>, ApiError> {
    let invitation = sign_in::invitation(&state.db, &path).await?;
    Ok(web::Json(InvitationInfo {
        email: invitation.email,
        environment_name: invitation.environment.name,
        inviter_name: invitation.inviter_name,
    }))
}

#[derive(Deserialize, ToSchema, Validate)]
pub struct AcceptInvitationRequest {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub token: String,
    #[validate(length(max = 100))]
    #[schema(max_length = 100)]
    /// A person's name: not blank, no control characters.
    #[schema(
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
    )]
    pub name: String,
    #[validate(length(max = 256))]
    #[schema(max_length = 256)]
    #[schema(min_length = 12)]
    pub password: String,
}

/// Accept an invitation: choose name and password, and sign in.
#[utoipa::path(
    tag = TAG,
    operation_id = "acceptInvitation",
    request_body = AcceptInvitationRequest,
    responses(
        (status = OK, body = LoginResponse),
        (status = BAD_REQUEST, body = ErrorBody),
        (status = CONFLICT, description = "Already accepted or withdrawn.", body = ErrorBody),
    )
)]
#[post("/auth/accept-invitation")]
async fn accept_invitation(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: JsonBody<AcceptInvitationRequest>,
) -> Result<HttpResponse, ApiError> {
    validate_body(&*body)?;
    let session = sign_in::accept_invitation(
        &state.db,
        &client_info(&req),
        &body.token,
        &body.name,
        &body.password,
    )
    .await?;
    signed_in(&state, session).await
}

/// Confirm an additional email address with the emailed link.
///
/// The address becomes active, or waits for an Administrator's approval when it is on another
/// domain than the account's primary address.
#[utoipa::path(
    tag = TAG,
    operation_id = "verifyAdditionalEmail",
    request_body = TokenRequest,
    responses((status = NO_CONTENT), (status = BAD_REQUEST, description = "`token_invalid`, `token_expired` or `token_used`.", body = ErrorBody), (status = CONFLICT, body = ErrorBody))
)]
#[post("/auth/verify-additional-email")]
async fn verify_additional_email(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: JsonBody<TokenRequest>,
) -> Result<HttpResponse, ApiError> {
    validate_body(&*body)?;
    sign_in::verify_additional_email(&state.db, &client_info(&req), &body.token).await?;
    Ok(HttpResponse::NoContent().finish())
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(register)
        .service(verify_email)
        .service(login)
        .service(refresh)
        .service(logout)
        .service(logout_all)
        .service(forgot_password)
        .service(reset_password)
        .service(get_invitation)
        .service(accept_invitation)
        .service(verify_additional_email);
}
