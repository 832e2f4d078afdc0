//! The environment (tenant): its settings, the receiving choice, and the audit log.

use actix_web::{get, patch, put, web, HttpRequest};
use chrono::{DateTime, Utc};
use haven_domain::accounts::{
    environment::{self, AuditFilter},
    store::EnvironmentChange,
    Action, AuditAction,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use super::{account_dto::EnvironmentDto, auth::client_info};
use crate::extractors::JsonBody;
use crate::{
    auth::Authenticated,
    error::{validate_body, ApiError, ErrorBody},
    state::AppState,
};

const TAG: &str = "environment";

/// The environment's settings.
#[utoipa::path(tag = TAG, operation_id = "getEnvironment", security(("bearer" = [])), responses((status = OK, body = EnvironmentDto), (status = UNAUTHORIZED, body = ErrorBody)))]
#[get("/environment")]
async fn get_environment(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
) -> Result<web::Json<EnvironmentDto>, ApiError> {
    let client = client_info(&req);
    let env = environment::get_environment(&state.db, &auth.caller(&client)).await?;
    Ok(web::Json(EnvironmentDto::new(
        &env,
        state.receiving_price(),
    )))
}

#[derive(Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase")]
pub struct UpdateEnvironmentRequest {
    #[schema(example = "Jansen Installaties")]
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub name: Option<String>,
    /// Let people who register with an address on this domain join as Basic users. Must be the
    /// domain of your own address; `null` or an empty string switches it off.
    #[schema(example = "jansen.nl")]
    #[serde(default, deserialize_with = "double_option")]
    pub auto_join_domain: Option<Option<String>>,
    /// Require every user to enrol in two-factor authentication.
    pub require_two_factor: Option<bool>,
}

/// Distinguishes an absent field (leave as is) from `null` (clear).
fn double_option<'de, D: serde::Deserializer<'de>>(
    de: D,
) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(de).map(Some)
}

/// Change the environment's name, auto-join domain or two-factor requirement (Administrators).
#[utoipa::path(tag = TAG, operation_id = "updateEnvironment", security(("bearer" = [])), request_body = UpdateEnvironmentRequest, responses((status = OK, body = EnvironmentDto), (status = BAD_REQUEST, body = ErrorBody), (status = FORBIDDEN, body = ErrorBody)))]
#[patch("/environment")]
async fn update_environment(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    body: JsonBody<UpdateEnvironmentRequest>,
) -> Result<web::Json<EnvironmentDto>, ApiError> {
    auth.actor.require(Action::ManageEnvironment)?;
    validate_body(&*body)?;
    let body = body.into_inner();
    let change = EnvironmentChange {
        name: body.name,
        auto_join_domain: body.auto_join_domain,
        require_two_factor: body.require_two_factor,
    };
    let client = client_info(&req);
    let env = environment::update_environment(&state.db, &auth.caller(&client), change).await?;
    Ok(web::Json(EnvironmentDto::new(
        &env,
        state.receiving_price(),
    )))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReceivingRequest {
    pub enabled: bool,
    /// Must be true to switch receiving on: the environment pays per received document.
    #[serde(default)]
    pub acknowledge_price: bool,
}

/// Choose whether the environment receives e-invoices (Administrators).
///
/// Receiving costs the configured price per received document, so switching it on needs an
/// explicit acknowledgement. Either answer counts as the decision asked for at first login.
#[utoipa::path(tag = TAG, operation_id = "setReceiving", security(("bearer" = [])), request_body = ReceivingRequest, responses((status = OK, body = EnvironmentDto), (status = BAD_REQUEST, body = ErrorBody), (status = FORBIDDEN, body = ErrorBody)))]
#[put("/environment/receiving")]
async fn set_receiving(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    body: JsonBody<ReceivingRequest>,
) -> Result<web::Json<EnvironmentDto>, ApiError> {
    let client = client_info(&req);
    let env = environment::set_receiving(
        &state.db,
        &auth.caller(&client),
        state.receiving_price(),
        body.enabled,
        body.acknowledge_price,
    )
    .await?;
    Ok(web::Json(EnvironmentDto::new(
        &env,
        state.receiving_price(),
    )))
}

#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
pub struct AuditParams {
    /// Only this action.
    pub action: Option<AuditAction>,
    /// Only events by this user.
    pub actor_id: Option<Uuid>,
    /// From this time (inclusive, RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Until this time (exclusive, RFC 3339).
    pub to: Option<DateTime<Utc>>,
    /// Page size (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// `nextCursor` of the previous page.
    pub before: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditEventDto {
    pub id: Uuid,
    pub action: AuditAction,
    pub actor_id: Option<Uuid>,
    pub actor_email: Option<String>,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditPage {
    pub items: Vec<AuditEventDto>,
    /// Pass as `before` for the next (older) page; null on the last page.
    pub next_cursor: Option<String>,
}

impl From<AuditParams> for AuditFilter {
    fn from(params: AuditParams) -> Self {
        Self {
            action: params.action,
            actor_id: params.actor_id,
            from: params.from,
            to: params.to,
            limit: params.limit,
            before: params.before,
        }
    }
}

impl From<environment::AuditPage> for AuditPage {
    fn from(page: environment::AuditPage) -> Self {
        Self {
            items: page
                .items
                .into_iter()
                .map(|e| AuditEventDto {
                    id: e.id,
                    action: e.action,
                    actor_id: e.actor_id,
                    actor_email: e.actor_email,
                    target_type: e.target_type,
                    target_id: e.target_id,
                    details: e.details,
                    ip: e.ip,
                    user_agent: e.user_agent,
                    created_at: e.created_at,
                })
                .collect(),
            next_cursor: page.next_cursor,
        }
    }
}

/// The environment's security audit log, newest first (Administrators).
#[utoipa::path(tag = TAG, operation_id = "listAuditEvents", security(("bearer" = [])), params(AuditParams), responses((status = OK, body = AuditPage), (status = BAD_REQUEST, body = ErrorBody), (status = FORBIDDEN, body = ErrorBody)))]
#[get("/audit-events")]
async fn list_audit_events(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    params: web::Query<AuditParams>,
) -> Result<web::Json<AuditPage>, ApiError> {
    let client = client_info(&req);
    let page = environment::audit_log(&state.db, &auth.caller(&client), params.into_inner().into())
        .await?;
    Ok(web::Json(page.into()))
}

/// The installation's own audit log, newest first: events that belong to no environment,
/// such as warnings about the access point's and SMP's certificates (platform operators
/// only).
#[utoipa::path(
    tag = "operator",
    operation_id = "listInstallationAuditEvents",
    security(("bearer" = [])),
    params(AuditParams),
    responses(
        (status = OK, body = AuditPage),
        (status = BAD_REQUEST, body = ErrorBody),
        (status = UNAUTHORIZED, body = ErrorBody),
        (status = FORBIDDEN, description = "Two-factor authentication is required first.", body = ErrorBody),
        (status = NOT_FOUND, description = "Not an operator.", body = ErrorBody),
    )
)]
#[get("/operator/audit-events")]
async fn list_installation_audit_events(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    params: web::Query<AuditParams>,
) -> Result<web::Json<AuditPage>, ApiError> {
    let client = client_info(&req);
    let page = environment::installation_audit_log(
        &state.db,
        &state.operators,
        &auth.caller(&client),
        params.into_inner().into(),
    )
    .await?;
    Ok(web::Json(page.into()))
}

/// Every action the audit log records, for filtering (Administrators).
#[utoipa::path(tag = TAG, operation_id = "listAuditActions", security(("bearer" = [])), responses((status = OK, body = [AuditAction])))]
#[get("/audit-events/actions")]
async fn list_audit_actions(auth: Authenticated) -> Result<web::Json<Vec<AuditAction>>, ApiError> {
    auth.actor.require(Action::ViewAuditLog)?;
    Ok(web::Json(AuditAction::ALL.to_vec()))
}

/// The period of a usage report.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UsageParams {
    /// Start, inclusive (RFC 3339); default the first day of the month eleven months ago.
    pub from: Option<DateTime<Utc>>,
    /// End, exclusive (RFC 3339); default now. At most 400 days after `from`.
    pub until: Option<DateTime<Utc>>,
}

/// One month, organization and kind of billable event.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UsageLineDto {
    /// `YYYY-MM`.
    #[schema(example = "2026-12")]
    pub month: String,
    pub organization_id: Uuid,
    pub organization_name: String,
    pub kind: haven_domain::documents::records::UsageKind,
    pub count: u64,
    /// The sum of the prices in force when each event happened, in euros (decimal string).
    #[schema(example = "3.40")]
    pub amount: String,
}

/// The environment's usage in a period. A report, bounded by months × organizations × kinds,
/// so it is not paged.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UsageReportDto {
    pub from: DateTime<Utc>,
    pub until: DateTime<Utc>,
    pub lines: Vec<UsageLineDto>,
    /// The sum of all lines, in euros.
    pub total: String,
}

fn usage_period(params: &UsageParams) -> (DateTime<Utc>, DateTime<Utc>) {
    use chrono::{Datelike, TimeZone};
    let until = params.until.unwrap_or_else(Utc::now);
    let from = params.from.unwrap_or_else(|| {
        let months_back = until.year() * 12 + i32::try_from(until.month0()).unwrap_or(0) - 11;
        Utc.with_ymd_and_hms(
            months_back.div_euclid(12),
            u32::try_from(months_back.rem_euclid(12)).unwrap_or(0) + 1,
            1,
            0,
            0,
            0,
        )
        .single()
        .unwrap_or(until)
    });
    (from, until)
}

async fn usage_lines(
    req: &HttpRequest,
    state: &AppState,
    auth: &Authenticated,
    params: &UsageParams,
) -> Result<
    (
        DateTime<Utc>,
        DateTime<Utc>,
        Vec<haven_domain::documents::usage::UsageLine>,
    ),
    ApiError,
> {
    let client = client_info(req);
    let (from, until) = usage_period(params);
    let lines =
        haven_domain::documents::usage::usage_report(&state.db, &auth.caller(&client), from, until)
            .await?;
    Ok((from, until, lines))
}

/// Usage per month and organization: documents sent and received, PDFs converted, each at the
/// price in force when it happened. Administrators only.
#[utoipa::path(tag = TAG, operation_id = "getUsage", security(("bearer" = [])), params(UsageParams),
    responses((status = OK, body = UsageReportDto), (status = BAD_REQUEST, description = "A reversed period or one over 400 days.", body = ErrorBody), (status = FORBIDDEN, description = "Not an Administrator.", body = ErrorBody)))]
#[get("/environment/usage")]
async fn get_usage(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    params: web::Query<UsageParams>,
) -> Result<web::Json<UsageReportDto>, ApiError> {
    let (from, until, lines) = usage_lines(&req, &state, &auth, &params).await?;
    let total: rust_decimal::Decimal = lines.iter().map(|l| l.amount).sum();
    Ok(web::Json(UsageReportDto {
        from,
        until,
        total: total.round_dp(2).to_string(),
        lines: lines
            .into_iter()
            .map(|l| UsageLineDto {
                month: l.month,
                organization_id: l.organization_id,
                organization_name: l.organization_name,
                kind: l.kind,
                count: l.count,
                amount: l.amount.round_dp(2).to_string(),
            })
            .collect(),
    }))
}

/// The usage report as CSV (one line per month, organization and kind).
#[utoipa::path(tag = TAG, operation_id = "exportUsage", security(("bearer" = [])), params(UsageParams),
    responses((status = OK, description = "CSV with a header line.", content_type = "text/csv", body = String), (status = BAD_REQUEST, description = "A reversed period or one over 400 days.", body = ErrorBody), (status = FORBIDDEN, description = "Not an Administrator.", body = ErrorBody)))]
#[get("/environment/usage/export")]
async fn export_usage(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    params: web::Query<UsageParams>,
) -> Result<actix_web::HttpResponse, ApiError> {
    let (from, _, lines) = usage_lines(&req, &state, &auth, &params).await?;
    Ok(actix_web::HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"haven-usage-{}.csv\"",
                from.format("%Y-%m")
            ),
        ))
        .body(haven_domain::documents::usage::usage_csv(&lines)))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_usage)
        .service(export_usage)
        .service(get_environment)
        .service(update_environment)
        .service(set_receiving)
        .service(list_audit_actions)
        .service(list_audit_events)
        .service(list_installation_audit_events);
}
