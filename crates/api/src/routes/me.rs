//! The signed-in user's own account: profile, password, two-factor, sessions.

use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use haven_domain::accounts::{
    profile::{self, ProfileChange},
    records::{AdditionalEmail, AdditionalEmailStatus},
    store::Directory,
    Action,
};
use haven_domain::mail::Language;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use super::{
    account_dto::{MeDto, SessionDto},
    auth::client_info,
};
use crate::extractors::JsonBody;
use crate::{
    auth::Authenticated,
    error::{validate_body, ApiError, ErrorBody},
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
    Ok(MeDto::new(
        user,
        &env,
        state.receiving_price(),
        &state.operators,
    ))
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
        state.receiving_price(),
        &state.operators,
    )))
}

#[derive(Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase")]
pub struct UpdateMeRequest {
    #[schema(example = "Jan Jansen")]
    #[validate(length(max = 100))]
    #[schema(max_length = 100)]
    /// A person's name: not blank, no control characters.
    #[schema(
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
    )]
    pub name: Option<String>,
    #[schema(value_type = Option<Language>, example = "en")]
    pub language: Option<String>,
    /// 6 to 20 digits, spaces and dashes, optionally after a leading `+`; an empty string clears it.
    #[schema(
        example = "+31 20 123 4567",
        pattern = r"^\s*(\+?(?:[ -]*[0-9]){6,20}[ -]*)?\s*$"
    )]
    #[validate(length(max = 40))]
    #[schema(max_length = 40)]
    pub phone: Option<String>,
}

/// Change personal data: name, language, phone.
#[utoipa::path(tag = TAG, operation_id = "updateMe", security(("bearer" = [])), request_body = UpdateMeRequest, responses((status = OK, body = MeDto), (status = BAD_REQUEST, body = ErrorBody), (status = UNAUTHORIZED, body = ErrorBody)))]
#[patch("/me")]
async fn update_me(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    body: JsonBody<UpdateMeRequest>,
) -> Result<web::Json<MeDto>, ApiError> {
    auth.actor.require(Action::ManageOwnAccount)?;
    validate_body(&*body)?;
    let body = body.into_inner();
    let change = ProfileChange {
        name: body.name,
        language: body.language,
        phone: body.phone,
    };
    let client = client_info(&req);
    let user = profile::update_profile(&state.db, &auth.caller(&client), change).await?;
    Ok(web::Json(me_dto(&state, &auth, &user).await?))
}

#[derive(Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase")]
pub struct ChangePasswordRequest {
    #[validate(length(max = 256))]
    #[schema(max_length = 256)]
    pub current_password: String,
    #[validate(length(max = 256))]
    #[schema(max_length = 256)]
    #[schema(min_length = 12)]
    pub new_password: String,
}

/// Change the password. Needs the current one; ends every other session.
#[utoipa::path(tag = TAG, operation_id = "changePassword", security(("bearer" = [])), request_body = ChangePasswordRequest, responses((status = NO_CONTENT), (status = BAD_REQUEST, body = ErrorBody), (status = UNAUTHORIZED, body = ErrorBody)))]
#[post("/me/password")]
async fn change_password(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    body: JsonBody<ChangePasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    auth.actor.require(Action::ManageOwnAccount)?;
    validate_body(&*body)?;
    let client = client_info(&req);
    profile::change_password(
        &state.db,
        &auth.caller(&client),
        &body.current_password,
        &body.new_password,
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
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
) -> Result<web::Json<TwoFactorSetup>, ApiError> {
    let client = client_info(&req);
    let enrolment =
        profile::start_two_factor(&state.db, &state.sealing, &auth.caller(&client)).await?;
    let qr_svg = qrcode::QrCode::new(enrolment.otpauth_uri.as_bytes())
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("QR code: {e}")))?
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .build();
    Ok(web::Json(TwoFactorSetup {
        secret: enrolment.secret,
        otpauth_uri: enrolment.otpauth_uri,
        qr_svg,
    }))
}

#[derive(Deserialize, ToSchema, Validate)]
pub struct TwoFactorCode {
    /// The 6-digit code from the authenticator app.
    #[schema(example = "123456")]
    #[validate(length(max = 10))]
    #[schema(max_length = 10)]
    pub code: String,
}

/// Ten single-use recovery codes, shown once.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RecoveryCodes {
    pub recovery_codes: Vec<String>,
}

/// Confirm enrolment with a code from the app; returns the recovery codes.
#[utoipa::path(tag = TAG, operation_id = "confirmTwoFactor", security(("bearer" = [])), request_body = TwoFactorCode, responses((status = OK, body = RecoveryCodes), (status = BAD_REQUEST, body = ErrorBody), (status = CONFLICT, description = "Already enabled (`two_factor_enabled`) or the set-up was not started (`two_factor_setup_not_started`).", body = ErrorBody), (status = UNAUTHORIZED, body = ErrorBody)))]
#[post("/me/two-factor/confirm")]
async fn confirm_two_factor(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    body: JsonBody<TwoFactorCode>,
) -> Result<web::Json<RecoveryCodes>, ApiError> {
    auth.actor.require(Action::ManageOwnAccount)?;
    validate_body(&*body)?;
    let client = client_info(&req);
    let recovery_codes =
        profile::confirm_two_factor(&state.db, &state.sealing, &auth.caller(&client), &body.code)
            .await?;
    Ok(web::Json(RecoveryCodes { recovery_codes }))
}

#[derive(Deserialize, ToSchema, Validate)]
pub struct PasswordConfirmation {
    #[validate(length(max = 256))]
    #[schema(max_length = 256)]
    pub password: String,
}

/// Turn two-factor authentication off (needs the password).
#[utoipa::path(tag = TAG, operation_id = "disableTwoFactor", security(("bearer" = [])), request_body = PasswordConfirmation, responses((status = NO_CONTENT), (status = BAD_REQUEST, body = ErrorBody), (status = CONFLICT, description = "The environment requires two-factor authentication.", body = ErrorBody), (status = UNAUTHORIZED, body = ErrorBody)))]
#[post("/me/two-factor/disable")]
async fn disable_two_factor(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    body: JsonBody<PasswordConfirmation>,
) -> Result<HttpResponse, ApiError> {
    auth.actor.require(Action::ManageOwnAccount)?;
    validate_body(&*body)?;
    let client = client_info(&req);
    profile::disable_two_factor(&state.db, &auth.caller(&client), &body.password).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The user's open sessions (devices), most recently used first.
#[utoipa::path(tag = TAG, operation_id = "listSessions", security(("bearer" = [])), responses((status = OK, body = [SessionDto]), (status = UNAUTHORIZED, body = ErrorBody)))]
#[get("/me/sessions")]
async fn list_sessions(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
) -> Result<web::Json<Vec<SessionDto>>, ApiError> {
    let client = client_info(&req);
    let sessions = profile::list_sessions(&state.db, &auth.caller(&client)).await?;
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
    let client = client_info(&req);
    profile::revoke_session(&state.db, &auth.caller(&client), *path).await?;
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
    /// `pending_approval`: on another domain than the primary address, waits for an Administrator.
    pub status: AdditionalEmailStatus,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl From<&AdditionalEmail> for AdditionalEmailDto {
    fn from(e: &AdditionalEmail) -> Self {
        Self {
            id: e.id,
            email: e.email.clone(),
            status: e.status,
            created_at: e.created_at,
        }
    }
}

/// The user's additional email addresses.
#[utoipa::path(tag = TAG, operation_id = "listMyEmails", security(("bearer" = [])), responses((status = OK, body = [AdditionalEmailDto]), (status = UNAUTHORIZED, body = ErrorBody)))]
#[get("/me/emails")]
async fn list_my_emails(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
) -> Result<web::Json<Vec<AdditionalEmailDto>>, ApiError> {
    let client = client_info(&req);
    let emails = profile::list_additional_emails(&state.db, &auth.caller(&client)).await?;
    Ok(web::Json(
        emails.iter().map(AdditionalEmailDto::from).collect(),
    ))
}

#[derive(Deserialize, ToSchema, Validate)]
pub struct AddEmailRequest {
    #[schema(example = "facturen@jansen.nl")]
    #[validate(length(max = 254))]
    #[schema(max_length = 254)]
    #[schema(format = Email)]
    pub email: String,
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
    body: JsonBody<AddEmailRequest>,
) -> Result<HttpResponse, ApiError> {
    auth.actor.require(Action::ManageOwnAccount)?;
    validate_body(&*body)?;
    let client = client_info(&req);
    let added =
        profile::add_additional_email(&state.db, &state.links, &auth.caller(&client), &body.email)
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
    let client = client_info(&req);
    profile::remove_additional_email(&state.db, &auth.caller(&client), *path).await?;
    Ok(HttpResponse::NoContent().finish())
}
