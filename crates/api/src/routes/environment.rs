//! The environment (tenant): its settings, the receiving choice, and the audit log.

use actix_web::{get, patch, put, web, HttpRequest};
use chrono::{DateTime, Utc};
use haven_domain::accounts::{
    records::{AuditQuery, NewAuditEvent},
    store::{AccountStore, EnvironmentChange},
    Action, EmailAddress,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use super::{account_dto::EnvironmentDto, auth::client_info};
use crate::{
    auth::Authenticated,
    error::{validate_body, ApiError, ErrorBody, ErrorDetail},
    state::AppState,
};

const TAG: &str = "environment";

/// Mail providers whose domain nobody can claim for auto-join.
const SHARED_MAIL_DOMAINS: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "outlook.com",
    "hotmail.com",
    "live.com",
    "live.nl",
    "hotmail.nl",
    "yahoo.com",
    "icloud.com",
    "me.com",
    "ziggo.nl",
    "kpnmail.nl",
    "planet.nl",
    "xs4all.nl",
    "proton.me",
    "protonmail.com",
    "gmx.com",
    "gmx.net",
    "aol.com",
];

/// The environment's settings.
#[utoipa::path(tag = TAG, operation_id = "getEnvironment", security(("bearer" = [])), responses((status = OK, body = EnvironmentDto), (status = UNAUTHORIZED, body = ErrorBody)))]
#[get("/environment")]
async fn get_environment(
    state: web::Data<AppState>,
    auth: Authenticated,
) -> Result<web::Json<EnvironmentDto>, ApiError> {
    auth.actor.require(Action::ViewEnvironment)?;
    let env = state
        .db
        .find_environment(auth.actor.environment_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(web::Json(EnvironmentDto::new(&env, &state.receiving_price)))
}

#[derive(Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase")]
pub struct UpdateEnvironmentRequest {
    #[schema(example = "Jansen Installaties")]
    #[validate(length(min = 1, max = 100))]
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
    body: web::Json<UpdateEnvironmentRequest>,
) -> Result<web::Json<EnvironmentDto>, ApiError> {
    auth.actor.require(Action::ManageEnvironment)?;
    validate_body(&*body)?;
    let auto_join_domain = match &body.auto_join_domain {
        None => None,
        Some(None) => Some(None),
        Some(Some(domain)) if domain.trim().is_empty() => Some(None),
        Some(Some(domain)) => {
            let domain = domain.trim().trim_start_matches('@').to_lowercase();
            let own = EmailAddress::from_trusted(auth.user.email.clone());
            if SHARED_MAIL_DOMAINS.contains(&domain.as_str()) {
                return Err(ApiError::Validation(vec![ErrorDetail::field(
                    "autoJoinDomain",
                    "shared_domain",
                    "A public mail provider's domain cannot be used for auto-join.",
                )]));
            }
            if own.domain() != domain {
                return Err(ApiError::Validation(vec![ErrorDetail::field(
                    "autoJoinDomain",
                    "unverified_domain",
                    "Use the domain of your own verified address.",
                )]));
            }
            Some(Some(domain))
        }
    };
    let name = body.name.as_ref().map(|n| n.trim().to_owned());
    let event = NewAuditEvent::new("environment.settings_changed", &client_info(&req))
        .by(&auth.user)
        .details(serde_json::json!({
            "name": name,
            "autoJoinDomain": auto_join_domain,
            "requireTwoFactor": body.require_two_factor,
        }));
    let env = state
        .db
        .update_environment(
            auth.actor.environment_id,
            EnvironmentChange {
                name,
                auto_join_domain,
                require_two_factor: body.require_two_factor,
            },
            event,
        )
        .await?;
    Ok(web::Json(EnvironmentDto::new(&env, &state.receiving_price)))
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
    body: web::Json<ReceivingRequest>,
) -> Result<web::Json<EnvironmentDto>, ApiError> {
    auth.actor.require(Action::ManageEnvironment)?;
    if body.enabled && !body.acknowledge_price {
        return Err(ApiError::Validation(vec![ErrorDetail::field(
            "acknowledgePrice",
            "acknowledgement_required",
            format!(
                "Receiving costs €{} per document; confirm that you accept this.",
                state.receiving_price
            ),
        )]));
    }
    let event = NewAuditEvent::new("environment.receiving_changed", &client_info(&req))
        .by(&auth.user)
        .details(serde_json::json!({ "enabled": body.enabled, "pricePerDocument": state.receiving_price }));
    let env = state
        .db
        .set_receiving(auth.actor.environment_id, body.enabled, event)
        .await?;
    Ok(web::Json(EnvironmentDto::new(&env, &state.receiving_price)))
}

#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
pub struct AuditParams {
    /// Only this action, e.g. `login.failed`.
    pub action: Option<String>,
    /// Only events by this user.
    pub actor_id: Option<Uuid>,
    /// From this time (inclusive, RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Until this time (exclusive, RFC 3339).
    pub to: Option<DateTime<Utc>>,
    /// Page size, 1–200 (default 50).
    pub limit: Option<u64>,
    /// `nextCursor` of the previous page.
    pub before: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditEventDto {
    pub id: Uuid,
    #[schema(example = "user.role_changed")]
    pub action: String,
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

/// The environment's security audit log, newest first (Administrators).
#[utoipa::path(tag = TAG, operation_id = "listAuditEvents", security(("bearer" = [])), params(AuditParams), responses((status = OK, body = AuditPage), (status = BAD_REQUEST, body = ErrorBody), (status = FORBIDDEN, body = ErrorBody)))]
#[get("/audit-events")]
async fn list_audit_events(
    state: web::Data<AppState>,
    auth: Authenticated,
    params: web::Query<AuditParams>,
) -> Result<web::Json<AuditPage>, ApiError> {
    auth.actor.require(Action::ViewAuditLog)?;
    let limit = params.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::Validation(vec![ErrorDetail::field(
            "limit",
            "out_of_range",
            "Choose a page size from 1 to 200.",
        )]));
    }
    let before = match params.before.as_deref() {
        None => None,
        Some(cursor) => Some(parse_cursor(cursor).ok_or_else(|| {
            ApiError::Validation(vec![ErrorDetail::field(
                "before",
                "invalid_cursor",
                "Use the nextCursor of a previous page.",
            )])
        })?),
    };
    let events = state
        .db
        .list_audit_events(
            auth.actor.environment_id,
            AuditQuery {
                action: params.action.clone(),
                actor_id: params.actor_id,
                from: params.from,
                to: params.to,
                before,
                limit: limit + 1,
            },
        )
        .await?;
    let has_more = events.len() as u64 > limit;
    let items: Vec<AuditEventDto> = events
        .into_iter()
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
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
        .collect();
    let next_cursor = if has_more {
        items
            .last()
            .map(|e| format!("{}_{}", e.created_at.timestamp_micros(), e.id))
    } else {
        None
    };
    Ok(web::Json(AuditPage { items, next_cursor }))
}

fn parse_cursor(cursor: &str) -> Option<(DateTime<Utc>, Uuid)> {
    let (micros, id) = cursor.split_once('_')?;
    Some((
        DateTime::from_timestamp_micros(micros.parse().ok()?)?,
        Uuid::parse_str(id).ok()?,
    ))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_environment)
        .service(update_environment)
        .service(set_receiving)
        .service(list_audit_events);
}
