//! The business-register search that prefills "Add organization", and the platform operators'
//! activation review queue.

use actix_web::{get, post, web, HttpRequest};
use haven_domain::{
    accounts::{records::NewAuditEvent, store::AccountStore, Action},
    organizations::{
        records::{OrgStatus, Organization},
        registry::{BusinessRegistry, RegistryCompany, RegistryQuery, RegistrySearchHit},
        store::{NewOrgEvent, OrganizationStore},
    },
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use super::{
    auth::client_info,
    organizations::{AddressDto, IdentifierDto},
};
use crate::{
    auth::Authenticated,
    error::{validate_body, ApiError, ErrorBody, ErrorDetail},
    state::AppState,
};

const REGISTER_TAG: &str = "business-register";
const OPERATOR_TAG: &str = "operator";

#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
pub struct RegisterSearchParams {
    /// Exact KvK number (8 digits).
    pub kvk_number: Option<String>,
    /// (Part of) the name.
    pub name: Option<String>,
    /// Place of establishment, to narrow a name search.
    pub place: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RegisterHitDto {
    #[schema(example = "90000001")]
    pub kvk_number: String,
    pub establishment_number: Option<String>,
    pub name: String,
    pub place: Option<String>,
    /// `hoofdvestiging`, `nevenvestiging` or `rechtspersoon`, as the register says.
    pub kind: String,
}

impl From<RegistrySearchHit> for RegisterHitDto {
    fn from(h: RegistrySearchHit) -> Self {
        Self {
            kvk_number: h.kvk_number,
            establishment_number: h.establishment_number,
            name: h.name,
            place: h.place,
            kind: h.kind.as_kvk().to_owned(),
        }
    }
}

/// Search the Dutch business register (KvK) by number, or by name and place.
#[utoipa::path(
    tag = REGISTER_TAG,
    operation_id = "searchBusinessRegister",
    security(("bearer" = [])),
    params(RegisterSearchParams),
    responses(
        (status = OK, body = [RegisterHitDto]),
        (status = BAD_REQUEST, body = ErrorBody),
        (status = SERVICE_UNAVAILABLE, description = "The register cannot be reached.", body = ErrorBody),
    )
)]
#[get("/business-register/search")]
async fn search_register(
    state: web::Data<AppState>,
    auth: Authenticated,
    params: web::Query<RegisterSearchParams>,
) -> Result<web::Json<Vec<RegisterHitDto>>, ApiError> {
    auth.actor.require(Action::ManageEnvironment)?;
    let clean = |v: &Option<String>| {
        v.as_ref()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
    };
    let query = RegistryQuery {
        kvk_number: clean(&params.kvk_number).map(|n| n.replace([' ', '.'], "")),
        name: clean(&params.name),
        place: clean(&params.place),
    };
    if query.kvk_number.is_none() && query.name.is_none() {
        return Err(ApiError::Validation(vec![ErrorDetail::field(
            "name",
            "required",
            "Search by KvK number or by name.",
        )]));
    }
    if let Some(number) = &query.kvk_number {
        if number.len() != 8 || !number.chars().all(|c| c.is_ascii_digit()) {
            return Err(ApiError::Validation(vec![ErrorDetail::field(
                "kvkNumber",
                "invalid_kvk",
                "A KvK number has 8 digits, e.g. 12345678.",
            )]));
        }
    }
    let hits = state
        .registry
        .search(&query)
        .await
        .map_err(super::organizations::registry_error)?;
    Ok(web::Json(
        hits.into_iter().map(RegisterHitDto::from).collect(),
    ))
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RegisterCompanyDto {
    pub kvk_number: String,
    pub establishment_number: Option<String>,
    pub statutory_name: String,
    pub trade_names: Vec<String>,
    pub legal_form: Option<String>,
    pub address: Option<AddressDto>,
    /// Whether the register has a contact address, so activation by emailed code is possible
    /// (the address itself is not shown).
    pub has_contact_email: bool,
}

impl From<RegistryCompany> for RegisterCompanyDto {
    fn from(c: RegistryCompany) -> Self {
        Self {
            kvk_number: c.kvk_number,
            establishment_number: c.establishment_number,
            statutory_name: c.statutory_name,
            trade_names: c.trade_names,
            legal_form: c.legal_form,
            address: c.address.map(|a| AddressDto {
                street: Some(a.street),
                house_number: Some(a.house_number),
                postal_code: Some(a.postal_code),
                city: Some(a.city),
            }),
            has_contact_email: c.contact_email.is_some(),
        }
    }
}

/// The register's basic profile of one company, to prefill the form.
#[utoipa::path(
    tag = REGISTER_TAG,
    operation_id = "getRegisterCompany",
    security(("bearer" = [])),
    params(("kvkNumber" = String, Path, description = "8-digit KvK number")),
    responses((status = OK, body = RegisterCompanyDto), (status = NOT_FOUND, body = ErrorBody), (status = SERVICE_UNAVAILABLE, body = ErrorBody))
)]
#[get("/business-register/companies/{kvkNumber}")]
async fn get_register_company(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
) -> Result<web::Json<RegisterCompanyDto>, ApiError> {
    auth.actor.require(Action::ManageEnvironment)?;
    let company = state
        .registry
        .profile(path.trim())
        .await
        .map_err(super::organizations::registry_error)?;
    Ok(web::Json(RegisterCompanyDto::from(company)))
}

fn require_operator(state: &AppState, auth: &Authenticated) -> Result<(), ApiError> {
    if state.operators.iter().any(|o| o == &auth.user.email) && !auth.actor.two_factor_pending {
        Ok(())
    } else {
        // Operators are an installation-level role; to everyone else these pages do not exist.
        Err(ApiError::NotFound)
    }
}

/// One activation request as the operator reviews it: what was entered next to what the
/// register says.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReviewItemDto {
    pub organization_id: Uuid,
    pub environment_name: String,
    pub statutory_name: String,
    pub trade_names: Vec<String>,
    pub address: AddressDto,
    pub country: String,
    pub kvk_number: Option<String>,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub identifiers: Vec<IdentifierDto>,
    /// What the business register said when the organization was added; null for
    /// organizations entered by hand.
    #[schema(value_type = Option<Object>, nullable = true)]
    pub register: Option<serde_json::Value>,
    pub requested_at: chrono::DateTime<chrono::Utc>,
}

async fn review_item(state: &AppState, org: Organization) -> Result<ReviewItemDto, ApiError> {
    let environment_name = state
        .db
        .find_environment(org.environment_id)
        .await?
        .map(|e| e.name)
        .unwrap_or_default();
    let identifiers = state.db.list_identifiers(org.id).await?;
    let requested_at = state
        .db
        .list_events(org.id)
        .await?
        .into_iter()
        .rev()
        .find(|e| e.status == OrgStatus::ActivationRequested)
        .map_or(org.created_at, |e| e.created_at);
    Ok(ReviewItemDto {
        organization_id: org.id,
        environment_name,
        statutory_name: org.statutory_name.clone(),
        trade_names: org.trade_names.clone(),
        address: AddressDto::from(&org.address),
        country: org.country.clone(),
        kvk_number: org.kvk_number.clone(),
        contact_name: org.contact_name.clone(),
        contact_email: org.contact_email.clone(),
        identifiers: identifiers.iter().map(IdentifierDto::from).collect(),
        register: org
            .register_snapshot
            .as_deref()
            .and_then(|s| serde_json::from_str(s).ok()),
        requested_at,
    })
}

/// The activation review queue (platform operators only).
#[utoipa::path(tag = OPERATOR_TAG, operation_id = "listActivationRequests", security(("bearer" = [])), responses((status = OK, body = [ReviewItemDto]), (status = NOT_FOUND, description = "Not an operator.", body = ErrorBody)))]
#[get("/operator/activation-requests")]
async fn list_activation_requests(
    state: web::Data<AppState>,
    auth: Authenticated,
) -> Result<web::Json<Vec<ReviewItemDto>>, ApiError> {
    require_operator(&state, &auth)?;
    let mut items = Vec::new();
    for org in state.db.review_queue().await? {
        items.push(review_item(&state, org).await?);
    }
    Ok(web::Json(items))
}

#[derive(Deserialize, ToSchema, Validate)]
pub struct ReviewDecision {
    /// Why: shown to the organization in its status history. Required to reject or suspend.
    #[validate(length(max = 1000))]
    pub note: Option<String>,
}

async fn decide(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    organization_id: Uuid,
    body: ReviewDecision,
    decision: &'static str,
) -> Result<web::Json<ReviewItemDto>, ApiError> {
    require_operator(&state, &auth)?;
    validate_body(&body)?;
    let org = state
        .db
        .find_organization_anywhere(organization_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let note = body
        .note
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty());
    if decision != "approve" && note.is_none() {
        return Err(ApiError::Validation(vec![ErrorDetail::field(
            "note",
            "required",
            "Say why, so the organization knows what to fix.",
        )]));
    }
    let event = NewOrgEvent {
        event: match decision {
            "approve" => "activated",
            "reject" => "rejected",
            _ => "suspended",
        },
        actor_email: Some("platform operator".into()),
        note,
    };
    let mut audit = NewAuditEvent::new(
        match decision {
            "approve" => "organization.activation_approved",
            "reject" => "organization.activation_rejected",
            _ => "organization.suspended",
        },
        &client_info(&req),
    );
    audit.actor_email = Some(auth.user.email.clone());
    let updated = match decision {
        "approve" => state.db.activate(org.id, event, audit).await?,
        "reject" => state.db.reject_activation(org.id, event, audit).await?,
        _ => {
            state
                .db
                .stop_organization(org.id, OrgStatus::Suspended, event, audit)
                .await?
        }
    };
    Ok(web::Json(review_item(&state, updated).await?))
}

/// Approve an activation request: the organization becomes active and its identifiers are
/// registered as participant ids (409 when another organization holds one).
#[utoipa::path(tag = OPERATOR_TAG, operation_id = "approveActivation", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = ReviewDecision, responses((status = OK, body = ReviewItemDto), (status = NOT_FOUND, body = ErrorBody), (status = CONFLICT, body = ErrorBody)))]
#[post("/operator/organizations/{id}/approve")]
async fn approve(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
    body: web::Json<ReviewDecision>,
) -> Result<web::Json<ReviewItemDto>, ApiError> {
    decide(req, state, auth, *path, body.into_inner(), "approve").await
}

/// Reject an activation request, with the reason.
#[utoipa::path(tag = OPERATOR_TAG, operation_id = "rejectActivation", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = ReviewDecision, responses((status = OK, body = ReviewItemDto), (status = BAD_REQUEST, body = ErrorBody), (status = NOT_FOUND, body = ErrorBody), (status = CONFLICT, body = ErrorBody)))]
#[post("/operator/organizations/{id}/reject")]
async fn reject(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
    body: web::Json<ReviewDecision>,
) -> Result<web::Json<ReviewItemDto>, ApiError> {
    decide(req, state, auth, *path, body.into_inner(), "reject").await
}

/// Suspend an organization, with the reason: it stops sending and receiving.
#[utoipa::path(tag = OPERATOR_TAG, operation_id = "suspendOrganization", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = ReviewDecision, responses((status = OK, body = ReviewItemDto), (status = BAD_REQUEST, body = ErrorBody), (status = NOT_FOUND, body = ErrorBody)))]
#[post("/operator/organizations/{id}/suspend")]
async fn suspend(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
    body: web::Json<ReviewDecision>,
) -> Result<web::Json<ReviewItemDto>, ApiError> {
    decide(req, state, auth, *path, body.into_inner(), "suspend").await
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(search_register)
        .service(get_register_company)
        .service(list_activation_requests)
        .service(approve)
        .service(reject)
        .service(suspend);
}
