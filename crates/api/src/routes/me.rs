//! The signed-in user's own account: profile, password, two-factor, sessions.

use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use haven_domain::{
    accounts::{
        password,
        records::{AdditionalEmail, NewAuditEvent, TokenKind},
        secrets::{hash_token, new_recovery_codes, new_token, normalise_recovery_code},
        store::{AccountStore, NewEmailToken},
        totp,
        types::{parse_phone, FieldErrors},
        Action, EmailAddress, PersonName,
    },
    mail::{render, Language, MailTemplate},
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use super::{
    account_dto::{MeDto, SessionDto},
    auth::client_info,
};
use crate::{
    auth::Authenticated,
    error::{validate_body, ApiError, ErrorBody, ErrorDetail},
    state::AppState,
};

const TAG: &str = "me";

async fn me_dto(
    state: &AppState,
    auth: &Authenticated,
    user: &haven_domain::accounts::records::User,
) -> Result<MeDto, ApiError> {
    let env = state
        .db
        .find_environment(auth.actor.environment_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(MeDto::new(user, &env, &state.receiving_price))
}

/// The signed-in user.
#[utoipa::path(tag = TAG, operation_id = "getMe", security(("bearer" = [])), responses((status = OK, body = MeDto), (status = UNAUTHORIZED, body = ErrorBody)))]
#[get("/me")]
async fn get_me(
    state: web::Data<AppState>,
    auth: Authenticated,
) -> Result<web::Json<MeDto>, ApiError> {
    auth.actor.require(Action::ManageOwnAccount)?;
    // The environment was read with the session; no second query.
    Ok(web::Json(MeDto::new(
        &auth.user,
        &auth.environment,
        &state.receiving_price,
    )))
}

#[derive(Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase")]
pub struct UpdateMeRequest {
    #[schema(example = "Jan Jansen")]
    #[validate(length(max = 100))]
    pub name: Option<String>,
    /// `nl` or `en`.
    #[schema(example = "en")]
    pub language: Option<String>,
    /// Empty string clears it.
    #[schema(example = "+31 20 123 4567")]
    #[validate(length(max = 40))]
    pub phone: Option<String>,
}

/// Change personal data: name, language, phone.
#[utoipa::path(tag = TAG, operation_id = "updateMe", security(("bearer" = [])), request_body = UpdateMeRequest, responses((status = OK, body = MeDto), (status = BAD_REQUEST, body = ErrorBody), (status = UNAUTHORIZED, body = ErrorBody)))]
#[patch("/me")]
async fn update_me(
    state: web::Data<AppState>,
    auth: Authenticated,
    body: web::Json<UpdateMeRequest>,
) -> Result<web::Json<MeDto>, ApiError> {
    auth.actor.require(Action::ManageOwnAccount)?;
    validate_body(&*body)?;
    let mut errors = FieldErrors::default();
    let name = body
        .name
        .as_deref()
        .and_then(|n| errors.check(PersonName::parse("name", n)));
    let phone = body
        .phone
        .as_deref()
        .and_then(|p| errors.check(parse_phone("phone", p)));
    let language = match body.language.as_deref() {
        None => None,
        Some(code) => {
            let parsed = Language::parse(code);
            if parsed.is_none() {
                errors.push(haven_domain::FieldError {
                    field: "language".into(),
                    code: "invalid_language",
                    message: "Choose nl or en.".into(),
                });
            }
            parsed
        }
    };
    errors.finish()?;
    let user = state
        .db
        .update_profile(
            auth.user.id,
            name.map(PersonName::into_inner),
            language,
            phone,
        )
        .await?;
    Ok(web::Json(me_dto(&state, &auth, &user).await?))
}

#[derive(Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase")]
pub struct ChangePasswordRequest {
    #[validate(length(max = 256))]
    pub current_password: String,
    #[validate(length(max = 256))]
    pub new_password: String,
}

/// Change the password. Needs the current one; ends every other session.
#[utoipa::path(tag = TAG, operation_id = "changePassword", security(("bearer" = [])), request_body = ChangePasswordRequest, responses((status = NO_CONTENT), (status = BAD_REQUEST, body = ErrorBody), (status = UNAUTHORIZED, body = ErrorBody)))]
#[post("/me/password")]
async fn change_password(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    body: web::Json<ChangePasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    auth.actor.require(Action::ManageOwnAccount)?;
    validate_body(&*body)?;
    let current_ok = auth
        .user
        .password_hash
        .as_deref()
        .is_some_and(|hash| password::verify(&body.current_password, hash));
    if !current_ok {
        return Err(ApiError::Validation(vec![ErrorDetail::field(
            "currentPassword",
            "wrong_password",
            "The current password is not correct.",
        )]));
    }
    password::check_policy("newPassword", &body.new_password, Some(&auth.user.email))?;
    let hash = password::hash(&body.new_password).map_err(ApiError::Internal)?;
    let mail = render(
        &auth.user.email,
        &MailTemplate::PasswordChanged,
        auth.user.language,
    );
    state
        .db
        .change_password(
            auth.user.id,
            auth.session.id,
            hash,
            mail,
            NewAuditEvent::new("password.changed", &client_info(&req)).by(&auth.user),
        )
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// What an authenticator app needs to enrol.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TwoFactorSetup {
    /// The secret, base32, for typing in by hand.
    #[schema(example = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")]
    pub secret: String,
    /// The `otpauth://` URI the QR code encodes.
    pub otpauth_uri: String,
    /// The QR code as an SVG document.
    pub qr_svg: String,
}

/// Start enrolling in two-factor authentication.
///
/// Returns a new secret; 2FA is on only after `confirm` with a code from the app.
#[utoipa::path(tag = TAG, operation_id = "setupTwoFactor", security(("bearer" = [])), responses((status = OK, body = TwoFactorSetup), (status = CONFLICT, description = "Already enabled.", body = ErrorBody), (status = UNAUTHORIZED, body = ErrorBody)))]
#[post("/me/two-factor/setup")]
async fn setup_two_factor(
    state: web::Data<AppState>,
    auth: Authenticated,
) -> Result<web::Json<TwoFactorSetup>, ApiError> {
    auth.actor.require(Action::ManageOwnAccount)?;
    if auth.user.totp_enabled {
        return Err(ApiError::Conflict(
            "Two-factor authentication is already on; turn it off first to enrol again.".into(),
        ));
    }
    let secret = totp::new_secret();
    let uri = totp::otpauth_uri(&secret, &auth.user.email, "Haven");
    let qr_svg = qrcode::QrCode::new(uri.as_bytes())
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("QR code: {e}")))?
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .build();
    let sealed = state.sealing.seal(&secret).map_err(ApiError::Internal)?;
    state.db.store_totp_secret(auth.user.id, sealed).await?;
    Ok(web::Json(TwoFactorSetup {
        secret,
        otpauth_uri: uri,
        qr_svg,
    }))
}

#[derive(Deserialize, ToSchema, Validate)]
pub struct TwoFactorCode {
    /// The 6-digit code from the authenticator app.
    #[schema(example = "123456")]
    #[validate(length(max = 10))]
    pub code: String,
}

/// Ten single-use recovery codes, shown once.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RecoveryCodes {
    pub recovery_codes: Vec<String>,
}

/// Confirm enrolment with a code from the app; returns the recovery codes.
#[utoipa::path(tag = TAG, operation_id = "confirmTwoFactor", security(("bearer" = [])), request_body = TwoFactorCode, responses((status = OK, body = RecoveryCodes), (status = BAD_REQUEST, body = ErrorBody), (status = UNAUTHORIZED, body = ErrorBody)))]
#[post("/me/two-factor/confirm")]
async fn confirm_two_factor(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    body: web::Json<TwoFactorCode>,
) -> Result<web::Json<RecoveryCodes>, ApiError> {
    auth.actor.require(Action::ManageOwnAccount)?;
    validate_body(&*body)?;
    if auth.user.totp_enabled {
        return Err(ApiError::Conflict(
            "Two-factor authentication is already on.".into(),
        ));
    }
    let Some(sealed) = auth.user.totp_secret.as_deref() else {
        return Err(ApiError::Conflict("Start the set-up first.".into()));
    };
    let secret = state.sealing.open(sealed).map_err(ApiError::Internal)?;
    let now = u64::try_from(chrono::Utc::now().timestamp()).unwrap_or(0);
    let Some(step) = totp::matching_step(&secret, &body.code, now) else {
        return Err(ApiError::Validation(vec![ErrorDetail::field(
            "code",
            "invalid_code",
            "The code does not match; check the time on your phone and try the current code.",
        )]));
    };
    let codes = new_recovery_codes();
    let hashes = codes
        .iter()
        .map(|c| hash_token(&normalise_recovery_code(c)))
        .collect();
    let mail = render(
        &auth.user.email,
        &MailTemplate::TwoFactorChanged { enabled: true },
        auth.user.language,
    );
    state
        .db
        .enable_totp(
            auth.user.id,
            i64::try_from(step).unwrap_or(i64::MAX),
            hashes,
            mail,
            NewAuditEvent::new("two_factor.enabled", &client_info(&req)).by(&auth.user),
        )
        .await?;
    Ok(web::Json(RecoveryCodes {
        recovery_codes: codes,
    }))
}

#[derive(Deserialize, ToSchema, Validate)]
pub struct PasswordConfirmation {
    #[validate(length(max = 256))]
    pub password: String,
}

/// Turn two-factor authentication off (needs the password).
#[utoipa::path(tag = TAG, operation_id = "disableTwoFactor", security(("bearer" = [])), request_body = PasswordConfirmation, responses((status = NO_CONTENT), (status = BAD_REQUEST, body = ErrorBody), (status = CONFLICT, description = "The environment requires two-factor authentication.", body = ErrorBody), (status = UNAUTHORIZED, body = ErrorBody)))]
#[post("/me/two-factor/disable")]
async fn disable_two_factor(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    body: web::Json<PasswordConfirmation>,
) -> Result<HttpResponse, ApiError> {
    auth.actor.require(Action::ManageOwnAccount)?;
    validate_body(&*body)?;
    if !auth
        .user
        .password_hash
        .as_deref()
        .is_some_and(|h| password::verify(&body.password, h))
    {
        return Err(ApiError::Validation(vec![ErrorDetail::field(
            "password",
            "wrong_password",
            "The password is not correct.",
        )]));
    }
    let env = state
        .db
        .find_environment(auth.actor.environment_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    if env.require_two_factor {
        return Err(ApiError::Conflict(
            "Your environment requires two-factor authentication.".into(),
        ));
    }
    let mail = render(
        &auth.user.email,
        &MailTemplate::TwoFactorChanged { enabled: false },
        auth.user.language,
    );
    state
        .db
        .disable_totp(
            auth.user.id,
            mail,
            NewAuditEvent::new("two_factor.disabled", &client_info(&req)).by(&auth.user),
        )
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The user's open sessions (devices), most recently used first.
#[utoipa::path(tag = TAG, operation_id = "listSessions", security(("bearer" = [])), responses((status = OK, body = [SessionDto]), (status = UNAUTHORIZED, body = ErrorBody)))]
#[get("/me/sessions")]
async fn list_sessions(
    state: web::Data<AppState>,
    auth: Authenticated,
) -> Result<web::Json<Vec<SessionDto>>, ApiError> {
    auth.actor.require(Action::ManageOwnAccount)?;
    let sessions = state.db.list_sessions(auth.user.id).await?;
    Ok(web::Json(
        sessions
            .iter()
            .map(|s| SessionDto::new(s, auth.session.id))
            .collect(),
    ))
}

/// End one of the user's sessions.
#[utoipa::path(tag = TAG, operation_id = "revokeSession", security(("bearer" = [])), params(("id" = Uuid, Path)), responses((status = NO_CONTENT), (status = NOT_FOUND, body = ErrorBody), (status = UNAUTHORIZED, body = ErrorBody)))]
#[delete("/me/sessions/{id}")]
async fn revoke_session(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    auth.actor.require(Action::ManageOwnAccount)?;
    let event = NewAuditEvent::new("session.revoked", &client_info(&req)).by(&auth.user);
    state.db.revoke_session(auth.user.id, *path, event).await?;
    Ok(HttpResponse::NoContent().finish())
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_me)
        .service(update_me)
        .service(change_password)
        .service(setup_two_factor)
        .service(confirm_two_factor)
        .service(disable_two_factor)
        .service(list_sessions)
        .service(revoke_session)
        .service(list_my_emails)
        .service(add_my_email)
        .service(remove_my_email);
}

/// An additional address of the signed-in user.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AdditionalEmailDto {
    pub id: Uuid,
    #[schema(example = "facturen@jansen.nl")]
    pub email: String,
    /// `unverified`, `pending_approval` (another domain: waits for an Administrator) or `active`.
    #[schema(example = "active")]
    pub status: &'static str,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl From<&AdditionalEmail> for AdditionalEmailDto {
    fn from(e: &AdditionalEmail) -> Self {
        Self {
            id: e.id,
            email: e.email.clone(),
            status: e.status.as_str(),
            created_at: e.created_at,
        }
    }
}

/// The user's additional email addresses.
#[utoipa::path(tag = TAG, operation_id = "listMyEmails", security(("bearer" = [])), responses((status = OK, body = [AdditionalEmailDto]), (status = UNAUTHORIZED, body = ErrorBody)))]
#[get("/me/emails")]
async fn list_my_emails(
    state: web::Data<AppState>,
    auth: Authenticated,
) -> Result<web::Json<Vec<AdditionalEmailDto>>, ApiError> {
    auth.actor.require(Action::ManageOwnAccount)?;
    let emails = state.db.list_additional_emails(auth.user.id).await?;
    Ok(web::Json(
        emails.iter().map(AdditionalEmailDto::from).collect(),
    ))
}

#[derive(Deserialize, ToSchema, Validate)]
pub struct AddEmailRequest {
    #[schema(example = "facturen@jansen.nl")]
    #[validate(length(max = 254))]
    pub email: String,
}

/// What an additional-address link remembers.
#[derive(Serialize, Deserialize)]
pub struct AdditionalEmailPayload {
    /// Same domain as the primary address: active at once, else it needs approval.
    pub same_domain: bool,
}

/// Add an additional email address.
///
/// Sends a verification link (valid 24 hours) to the address. Once verified it is a login alias
/// and a trusted sender for invoices by email; an address on another domain than the primary
/// one needs an Administrator's approval first. 409 when any account uses the address.
#[utoipa::path(tag = TAG, operation_id = "addMyEmail", security(("bearer" = [])), request_body = AddEmailRequest, responses((status = CREATED, body = AdditionalEmailDto), (status = BAD_REQUEST, body = ErrorBody), (status = CONFLICT, body = ErrorBody), (status = UNAUTHORIZED, body = ErrorBody)))]
#[post("/me/emails")]
async fn add_my_email(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    body: web::Json<AddEmailRequest>,
) -> Result<HttpResponse, ApiError> {
    auth.actor.require(Action::ManageOwnAccount)?;
    validate_body(&*body)?;
    let email = EmailAddress::parse("email", &body.email)?;
    let primary = EmailAddress::from_trusted(auth.user.email.clone());
    let token = new_token();
    let payload = serde_json::to_string(&AdditionalEmailPayload {
        same_domain: primary.domain() == email.domain(),
    })
    .map_err(|e| ApiError::Internal(e.into()))?;
    let mail = render(
        email.as_str(),
        &MailTemplate::VerifyAdditionalEmail {
            email: email.as_str().to_owned(),
            link: state.link("/verify-additional-email", Some(&token)),
            valid_hours: 24,
        },
        auth.user.language,
    );
    let added = state
        .db
        .add_additional_email(
            auth.user.id,
            email.as_str().to_owned(),
            NewEmailToken {
                kind: TokenKind::AdditionalEmail,
                token_hash: hash_token(&token),
                user_id: Some(auth.user.id),
                email: email.as_str().to_owned(),
                payload: Some(payload),
                expires_at: chrono::Utc::now() + TokenKind::AdditionalEmail.lifetime(),
            },
            mail,
            NewAuditEvent::new("additional_email.added", &client_info(&req))
                .by(&auth.user)
                .details(serde_json::json!({ "email": email.as_str() })),
        )
        .await?;
    Ok(HttpResponse::Created().json(AdditionalEmailDto::from(&added)))
}

/// Remove an additional address.
#[utoipa::path(tag = TAG, operation_id = "removeMyEmail", security(("bearer" = [])), params(("id" = Uuid, Path)), responses((status = NO_CONTENT), (status = NOT_FOUND, body = ErrorBody), (status = UNAUTHORIZED, body = ErrorBody)))]
#[delete("/me/emails/{id}")]
async fn remove_my_email(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    auth.actor.require(Action::ManageOwnAccount)?;
    let event = NewAuditEvent::new("additional_email.removed", &client_info(&req)).by(&auth.user);
    state
        .db
        .remove_additional_email(auth.user.id, *path, event)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
