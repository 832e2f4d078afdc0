//! Registration, login, sessions and the emailed single-use links.

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::{TimeDelta, Utc};
use haven_domain::{
    accounts::{
        password,
        records::{
            AdditionalEmailStatus, ClientInfo, NewAuditEvent, RefreshOutcome, Session, TokenKind,
            User,
        },
        secrets::{hash_token, new_token, normalise_recovery_code},
        store::{
            AccountStore, LoginAttempt, NewEmailToken, NewSession, NewUser, RegistrationTarget,
        },
        totp, EmailAddress, PersonName, Role, UserStatus,
    },
    mail::{render, Language, MailTemplate},
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

use super::account_dto::{Accepted, LoginResponse, MeDto};
use crate::{
    auth::{
        cookies::{cleared_refresh_cookie, refresh_cookie, REFRESH_COOKIE, SESSION_DAYS},
        tokens, Authenticated,
    },
    error::{validate_body, ApiError, ErrorBody},
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

/// A new session for this client, and the refresh token to hand out (`<session>.<secret>`
/// once the session id is known).
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

/// 200 with a fresh access token, and the refresh cookie.
async fn signed_in(
    state: &AppState,
    user: &User,
    session: &Session,
    refresh_secret: &str,
) -> Result<HttpResponse, ApiError> {
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
            user: MeDto::new(user, &environment, &state.receiving_price),
        }))
}

fn parse_language(value: Option<&str>) -> Result<Option<Language>, ApiError> {
    match value {
        None => Ok(None),
        Some(code) => Language::parse(code).map(Some).ok_or_else(|| {
            ApiError::Validation(vec![crate::error::ErrorDetail::field(
                "language",
                "invalid_language",
                "Choose nl or en.",
            )])
        }),
    }
}

/// Looks up a link token and checks it is usable for `kind`.
async fn usable_token(
    state: &AppState,
    token: &str,
    kind: TokenKind,
) -> Result<haven_domain::accounts::records::EmailToken, ApiError> {
    let found = state
        .db
        .find_email_token(&hash_token(token.trim()))
        .await?
        .ok_or(ApiError::LinkToken("token_invalid"))?;
    found.check_usable(kind, Utc::now())?;
    Ok(found)
}

#[derive(Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase")]
pub struct RegisterRequest {
    #[schema(example = "jan@jansen.nl")]
    #[validate(length(max = 254))]
    pub email: String,
    #[schema(example = "correct horse battery staple")]
    #[validate(length(max = 256))]
    pub password: String,
    #[schema(example = "Jan Jansen")]
    #[validate(length(max = 100))]
    pub name: String,
    /// `nl` (default) or `en`: the language of the emails and the web app.
    #[schema(example = "nl")]
    pub language: Option<String>,
}

/// What a pending registration remembers until the address is confirmed.
#[derive(Serialize, Deserialize)]
struct PendingRegistration {
    name: String,
    password_hash: String,
    language: Language,
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
    body: web::Json<RegisterRequest>,
) -> Result<HttpResponse, ApiError> {
    validate_body(&*body)?;
    let mut errors = haven_domain::accounts::types::FieldErrors::default();
    let email = errors.check(EmailAddress::parse("email", &body.email));
    let name = errors.check(PersonName::parse("name", &body.name));
    if let Some(email) = &email {
        errors.check(password::check_policy(
            "password",
            &body.password,
            Some(email.as_str()),
        ));
    }
    let language = parse_language(body.language.as_deref())?.unwrap_or_default();
    errors.finish()?;
    let (Some(email), Some(name)) = (email, name) else {
        return Err(ApiError::Internal(anyhow::anyhow!(
            "validated fields missing"
        )));
    };
    let client = client_info(&req);
    if state.db.email_in_use(email.as_str()).await? {
        let mail = render(
            email.as_str(),
            &MailTemplate::AlreadyRegistered {
                login_link: state.link("/login", None),
                reset_link: state.link("/forgot-password", None),
            },
            language,
        );
        state
            .db
            .notify(
                Some(mail),
                NewAuditEvent::new("registration.existing_address", &client).email(email.as_str()),
            )
            .await?;
    } else {
        let password_hash = password::hash(&body.password).map_err(ApiError::Internal)?;
        let token = new_token();
        let payload = serde_json::to_string(&PendingRegistration {
            name: name.into_inner(),
            password_hash,
            language,
        })
        .map_err(|e| ApiError::Internal(e.into()))?;
        let mail = render(
            email.as_str(),
            &MailTemplate::VerifyRegistration {
                link: state.link("/verify-email", Some(&token)),
                valid_hours: 24,
            },
            language,
        );
        state
            .db
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
                NewAuditEvent::new("registration.requested", &client).email(email.as_str()),
            )
            .await?;
    }
    Ok(HttpResponse::Accepted().json(Accepted {
        message: "Check your mailbox: we sent a link to confirm your address.",
    }))
}

#[derive(Deserialize, ToSchema, Validate)]
pub struct TokenRequest {
    /// The token from the emailed link.
    #[validate(length(min = 1, max = 200))]
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
    body: web::Json<TokenRequest>,
) -> Result<HttpResponse, ApiError> {
    validate_body(&*body)?;
    let token = usable_token(&state, &body.token, TokenKind::Registration).await?;
    let pending: PendingRegistration = token
        .payload
        .as_deref()
        .and_then(|p| serde_json::from_str(p).ok())
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("registration token without payload")))?;
    let email = EmailAddress::from_trusted(token.email.clone());
    let (target, role) = match state
        .db
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
    let client = client_info(&req);
    let (session, secret) = new_session(&client);
    let (user, session) = state
        .db
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
            NewAuditEvent::new("registration.completed", &client),
        )
        .await?;
    signed_in(&state, &user, &session, &secret).await
}

#[derive(Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase")]
pub struct LoginRequest {
    /// The primary address or any verified additional address.
    #[schema(example = "jan@jansen.nl")]
    #[validate(length(max = 254))]
    pub email: String,
    #[validate(length(max = 256))]
    pub password: String,
    /// When two-factor authentication is on: the 6-digit code from the app, or a recovery code.
    #[schema(example = "123456")]
    #[validate(length(max = 40))]
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
    body: web::Json<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    validate_body(&*body)?;
    let client = client_info(&req);
    let email = body.email.trim().to_lowercase();
    let account_key = format!("account:{email}");
    let keys = vec![
        account_key.clone(),
        format!("ip:{}", client.ip.as_deref().unwrap_or("unknown")),
    ];
    // The attempt is counted before the (deliberately slow) password check, so once a key is
    // locked, attempts arriving at the same time are refused without being evaluated.
    let reservation = match state.db.reserve_login_attempt(&keys, Utc::now()).await? {
        LoginAttempt::Throttled { retry_after_secs } => {
            return Err(ApiError::TooManyRequests { retry_after_secs })
        }
        LoginAttempt::Reserved(reservation) => reservation,
    };
    let user = state.db.find_user_by_login_email(&email).await?;
    // Off the async worker: a slow hash there would stall every request sharing the worker,
    // including ones holding a database transaction.
    let presented = body.password.clone();
    let stored = user.as_ref().and_then(|u| u.password_hash.clone());
    let password_ok = web::block(move || match stored {
        Some(hash) => password::verify(&presented, &hash),
        None => {
            password::verify_dummy(&presented);
            false
        }
    })
    .await
    .map_err(|e| ApiError::Internal(anyhow::anyhow!("checking a password: {e}")))?;
    let Some(user) = user.filter(|_| password_ok) else {
        // Already counted by the reservation.
        state
            .db
            .notify(
                None,
                NewAuditEvent::new("login.failed", &client).email(&email),
            )
            .await?;
        return Err(ApiError::Unauthenticated("invalid_credentials"));
    };
    if user.status != UserStatus::Active {
        state.db.release_login_attempt(&reservation).await?;
        return Err(ApiError::Forbidden(
            "This account is deactivated; ask an administrator of your environment.".into(),
        ));
    }
    if user.totp_enabled {
        let Some(code) = body
            .code
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
        else {
            state.db.release_login_attempt(&reservation).await?;
            return Err(ApiError::Unauthenticated("two_factor_required"));
        };
        if !second_factor_ok(&state, &user, code).await? {
            state
                .db
                .notify(
                    None,
                    NewAuditEvent::new("login.two_factor_failed", &client).by(&user),
                )
                .await?;
            return Err(ApiError::Unauthenticated("invalid_two_factor_code"));
        }
    }
    state.db.release_login_attempt(&reservation).await?;
    state.db.clear_throttle(&account_key).await?;
    let (new, secret) = new_session(&client);
    let session = state
        .db
        .open_session(
            user.id,
            new,
            NewAuditEvent::new("login.succeeded", &client).by(&user),
        )
        .await?;
    signed_in(&state, &user, &session, &secret).await
}

/// A TOTP code (each time step once) or an unused recovery code.
async fn second_factor_ok(state: &AppState, user: &User, code: &str) -> Result<bool, ApiError> {
    let digits: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if digits.len() == 6 && digits.chars().all(|c| c.is_ascii_digit()) {
        let Some(sealed) = user.totp_secret.as_deref() else {
            return Ok(false);
        };
        let secret = state.sealing.open(sealed).map_err(ApiError::Internal)?;
        let now = u64::try_from(Utc::now().timestamp()).unwrap_or(0);
        return match totp::matching_step(&secret, &digits, now) {
            Some(step) => Ok(state
                .db
                .accept_totp_step(user.id, i64::try_from(step).unwrap_or(i64::MAX))
                .await?),
            None => Ok(false),
        };
    }
    Ok(state
        .db
        .use_recovery_code(user.id, &hash_token(&normalise_recovery_code(code)))
        .await?)
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
    let unauthenticated = || -> Result<HttpResponse, ApiError> {
        let mut response =
            actix_web::ResponseError::error_response(&ApiError::Unauthenticated("unauthenticated"));
        let _ = response.add_cookie(&cleared_refresh_cookie());
        Ok(response)
    };
    let Some(cookie) = req.cookie(REFRESH_COOKIE) else {
        return unauthenticated();
    };
    let Some((session_id, secret)) = cookie.value().split_once('.').and_then(|(id, secret)| {
        uuid::Uuid::parse_str(id)
            .ok()
            .map(|id| (id, secret.to_owned()))
    }) else {
        return unauthenticated();
    };
    let new_secret = new_token();
    match state
        .db
        .rotate_refresh_token(
            session_id,
            &hash_token(&secret),
            &hash_token(&new_secret),
            Utc::now(),
        )
        .await?
    {
        RefreshOutcome::Rotated { session, user } if user.status == UserStatus::Active => {
            signed_in(&state, &user, &session, &new_secret).await
        }
        RefreshOutcome::Rotated { .. }
        | RefreshOutcome::Reused { .. }
        | RefreshOutcome::Invalid => unauthenticated(),
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
    let event = NewAuditEvent::new("logout", &client_info(&req)).by(&auth.user);
    state
        .db
        .revoke_session(auth.user.id, auth.session.id, event)
        .await?;
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
    let event = NewAuditEvent::new("logout.all_sessions", &client_info(&req)).by(&auth.user);
    state
        .db
        .revoke_all_sessions(auth.user.id, None, event)
        .await?;
    Ok(HttpResponse::NoContent()
        .cookie(cleared_refresh_cookie())
        .finish())
}

#[derive(Deserialize, ToSchema, Validate)]
pub struct ForgotPasswordRequest {
    #[schema(example = "jan@jansen.nl")]
    #[validate(length(max = 254))]
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
    body: web::Json<ForgotPasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    validate_body(&*body)?;
    let email = body.email.trim().to_lowercase();
    let client = client_info(&req);
    if let Some(user) = state.db.find_user_by_login_email(&email).await? {
        if user.status == UserStatus::Active {
            let token = new_token();
            let mail = render(
                &email,
                &MailTemplate::PasswordReset {
                    link: state.link("/reset-password", Some(&token)),
                    valid_minutes: 60,
                },
                user.language,
            );
            state
                .db
                .create_email_token(
                    NewEmailToken {
                        kind: TokenKind::PasswordReset,
                        token_hash: hash_token(&token),
                        user_id: Some(user.id),
                        email: email.clone(),
                        payload: None,
                        expires_at: Utc::now() + TokenKind::PasswordReset.lifetime(),
                    },
                    mail,
                    NewAuditEvent::new("password.reset_requested", &client).by(&user),
                )
                .await?;
        }
    }
    Ok(HttpResponse::Accepted().json(Accepted {
        message:
            "If the address belongs to an account, we sent it a link to choose a new password.",
    }))
}

#[derive(Deserialize, ToSchema, Validate)]
pub struct ResetPasswordRequest {
    #[validate(length(min = 1, max = 200))]
    pub token: String,
    #[validate(length(max = 256))]
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
    body: web::Json<ResetPasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    validate_body(&*body)?;
    let token = usable_token(&state, &body.token, TokenKind::PasswordReset).await?;
    password::check_policy("password", &body.password, Some(&token.email))?;
    let user_id = token.user_id.ok_or(ApiError::LinkToken("token_invalid"))?;
    let Some(user) = state
        .db
        .find_user_by_login_email(&token.email)
        .await?
        .filter(|u| u.id == user_id)
    else {
        return Err(ApiError::LinkToken("token_invalid"));
    };
    let hash = password::hash(&body.password).map_err(ApiError::Internal)?;
    let mail = render(&user.email, &MailTemplate::PasswordChanged, user.language);
    state
        .db
        .reset_password(
            token.id,
            user.id,
            hash,
            mail,
            NewAuditEvent::new("password.reset", &client_info(&req)).by(&user),
        )
        .await?;
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
    let token = usable_token(&state, &path, TokenKind::Invitation).await?;
    let invitation: InvitationPayload = token
        .payload
        .as_deref()
        .and_then(|p| serde_json::from_str(p).ok())
        .ok_or(ApiError::LinkToken("token_invalid"))?;
    let environment = state
        .db
        .find_environment(invitation.environment_id)
        .await?
        .ok_or(ApiError::LinkToken("token_invalid"))?;
    Ok(web::Json(InvitationInfo {
        email: token.email,
        environment_name: environment.name,
        inviter_name: invitation.inviter_name,
    }))
}

pub use haven_domain::accounts::users::InvitationPayload;

#[derive(Deserialize, ToSchema, Validate)]
pub struct AcceptInvitationRequest {
    #[validate(length(min = 1, max = 200))]
    pub token: String,
    #[validate(length(max = 100))]
    pub name: String,
    #[validate(length(max = 256))]
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
    body: web::Json<AcceptInvitationRequest>,
) -> Result<HttpResponse, ApiError> {
    validate_body(&*body)?;
    let token = usable_token(&state, &body.token, TokenKind::Invitation).await?;
    let mut errors = haven_domain::accounts::types::FieldErrors::default();
    let name = errors.check(PersonName::parse("name", &body.name));
    errors.check(password::check_policy(
        "password",
        &body.password,
        Some(&token.email),
    ));
    errors.finish()?;
    let name = name.ok_or_else(|| ApiError::Internal(anyhow::anyhow!("validated name missing")))?;
    let user_id = token.user_id.ok_or(ApiError::LinkToken("token_invalid"))?;
    let hash = password::hash(&body.password).map_err(ApiError::Internal)?;
    let client = client_info(&req);
    let (session, secret) = new_session(&client);
    let (user, session) = state
        .db
        .accept_invitation(
            token.id,
            user_id,
            name.into_inner(),
            hash,
            session,
            NewAuditEvent::new("invitation.accepted", &client),
        )
        .await?;
    signed_in(&state, &user, &session, &secret).await
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
    body: web::Json<TokenRequest>,
) -> Result<HttpResponse, ApiError> {
    validate_body(&*body)?;
    let token = usable_token(&state, &body.token, TokenKind::AdditionalEmail).await?;
    let user_id = token.user_id.ok_or(ApiError::LinkToken("token_invalid"))?;
    let payload: super::me::AdditionalEmailPayload = token
        .payload
        .as_deref()
        .and_then(|p| serde_json::from_str(p).ok())
        .ok_or(ApiError::LinkToken("token_invalid"))?;
    let status = if payload.same_domain {
        AdditionalEmailStatus::Active
    } else {
        AdditionalEmailStatus::PendingApproval
    };
    let event = NewAuditEvent::new("additional_email.verified", &client_info(&req))
        .email(&token.email)
        .details(serde_json::json!({ "email": token.email, "status": status.as_str() }));
    state
        .db
        .verify_additional_email(token.id, user_id, &token.email, status, event)
        .await?;
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
