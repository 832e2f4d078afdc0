//! The business-register search that prefills "Add organization", and the platform operators'
//! activation review queue.

use actix_web::{get, post, web, HttpRequest};
use haven_domain::organizations::{
    registry::{RegistryCompany, RegistryHitKind, RegistryQuery, RegistrySearchHit},
    review::{self, Decision, ReviewItem},
};
use haven_domain::paging::PageQuery;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use super::paging::{page_of, PageParams};
use super::{
    auth::client_info,
    organizations::{AddressDto, IdentifierDto},
};
use crate::extractors::JsonBody;
use crate::{
    auth::Authenticated,
    error::{validate_body, ApiError, ErrorBody},
    state::AppState,
};

const REGISTER_TAG: &str = "business-register";
const OPERATOR_TAG: &str = "operator";

#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
pub struct RegisterSearchParams {
    /// Exact KvK number (8 digits); empty means not given.
    #[param(pattern = "^([0-9]{8})?$")]
    pub kvk_number: Option<String>,
    /// Whole words of the (trade) name, in the order given; case-insensitive, accents count.
    pub name: Option<String>,
    /// Place of establishment, to narrow a name search.
    pub place: Option<String>,
    /// Hits per page (default 20; the register gives at most 100).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u64>,
    /// The `nextCursor` of the previous page; omit for the first.
    pub before: Option<String>,
}

page_of!(
    RegisterHitPage,
    RegisterHitDto,
    "One page of register search hits, in the register's order."
);

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RegisterHitDto {
    #[schema(example = "90000001")]
    pub kvk_number: String,
    pub establishment_number: Option<String>,
    pub name: String,
    pub place: Option<String>,
    /// The register's own word for what the hit is.
    pub kind: RegisterHitKind,
}

/// What a register hit is, in the register's words: the main establishment, a branch, or the
/// legal entity without an establishment.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RegisterHitKind {
    Hoofdvestiging,
    Nevenvestiging,
    Rechtspersoon,
}

impl From<RegistryHitKind> for RegisterHitKind {
    fn from(kind: RegistryHitKind) -> Self {
        match kind {
            RegistryHitKind::MainEstablishment => Self::Hoofdvestiging,
            RegistryHitKind::Branch => Self::Nevenvestiging,
            RegistryHitKind::LegalEntity => Self::Rechtspersoon,
        }
    }
}

impl From<RegistrySearchHit> for RegisterHitDto {
    fn from(h: RegistrySearchHit) -> Self {
        Self {
            kvk_number: h.kvk_number,
            establishment_number: h.establishment_number,
            name: h.name,
            place: h.place,
            kind: h.kind.into(),
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
        (status = OK, body = RegisterHitPage),
        (status = BAD_REQUEST, body = ErrorBody),
        (status = SERVICE_UNAVAILABLE, description = "The register cannot be reached.", body = ErrorBody),
    )
)]
#[get("/business-register/search")]
async fn search_register(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    params: web::Query<RegisterSearchParams>,
) -> Result<web::Json<RegisterHitPage>, ApiError> {
    let params = params.into_inner();
    let query = RegistryQuery {
        kvk_number: params.kvk_number,
        name: params.name,
        place: params.place,
        ..RegistryQuery::default()
    };
    let page = PageQuery {
        limit: params.limit,
        before: params.before,
    };
    let client = client_info(&req);
    let hits =
        review::search_register(&state.registry, &auth.caller(&client), query, &page).await?;
    Ok(web::Json(RegisterHitPage::from_page(
        hits,
        RegisterHitDto::from,
    )))
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
    params(("kvkNumber" = String, Path, description = "8-digit KvK number", pattern = "^[0-9]{8}$")),
    responses((status = OK, body = RegisterCompanyDto), (status = NOT_FOUND, body = ErrorBody), (status = SERVICE_UNAVAILABLE, body = ErrorBody))
)]
#[get("/business-register/companies/{kvkNumber}")]
async fn get_register_company(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
) -> Result<web::Json<RegisterCompanyDto>, ApiError> {
    let client = client_info(&req);
    let company = review::register_profile(&state.registry, &auth.caller(&client), &path).await?;
    Ok(web::Json(RegisterCompanyDto::from(company)))
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

fn review_item(item: ReviewItem) -> ReviewItemDto {
    let org = item.organization;
    ReviewItemDto {
        organization_id: org.id,
        environment_name: item.environment_name,
        statutory_name: org.statutory_name,
        trade_names: org.trade_names,
        address: AddressDto::from(&org.address),
        country: org.country,
        kvk_number: org.kvk_number,
        contact_name: org.contact_name,
        contact_email: org.contact_email,
        identifiers: item.identifiers.iter().map(IdentifierDto::from).collect(),
        register: org
            .register_snapshot
            .as_deref()
            .and_then(|s| serde_json::from_str(s).ok()),
        requested_at: item.requested_at,
    }
}

page_of!(
    ReviewItemPage,
    ReviewItemDto,
    "One page of the review queue, longest waiting first."
);

/// The activation review queue, longest waiting first (platform operators only).
#[utoipa::path(tag = OPERATOR_TAG, operation_id = "listActivationRequests", security(("bearer" = [])), params(PageParams), responses((status = OK, body = ReviewItemPage), (status = FORBIDDEN, description = "An operator who has not set up two-factor authentication yet.", body = ErrorBody), (status = NOT_FOUND, description = "Not an operator.", body = ErrorBody)))]
#[get("/operator/activation-requests")]
async fn list_activation_requests(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    page: web::Query<PageParams>,
) -> Result<web::Json<ReviewItemPage>, ApiError> {
    let client = client_info(&req);
    let query = page.into_inner().into();
    let items = review::review_queue(
        &state.db,
        &state.db,
        &state.operators,
        &auth.caller(&client),
        &query,
    )
    .await?;
    Ok(web::Json(ReviewItemPage::from_page(items, review_item)))
}

#[derive(Deserialize, ToSchema, Validate)]
pub struct ReviewDecision {
    /// Why: shown to the organization in its status history. Required to reject or suspend.
    #[validate(length(max = 1000))]
    #[schema(max_length = 1000)]
    pub note: Option<String>,
}

async fn decide(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    organization_id: Uuid,
    body: ReviewDecision,
    decision: Decision,
) -> Result<web::Json<ReviewItemDto>, ApiError> {
    let client = client_info(&req);
    let caller = auth.caller(&client);
    state.operators.require(&caller)?;
    validate_body(&body)?;
    let item = review::decide(
        &state.db,
        &state.db,
        &state.operators,
        &caller,
        organization_id,
        decision,
        body.note,
    )
    .await?;
    Ok(web::Json(review_item(item)))
}

/// Approve an activation request: the organization becomes active and its identifiers are
/// registered as participant ids (409 when another organization holds one).
#[utoipa::path(tag = OPERATOR_TAG, operation_id = "approveActivation", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = ReviewDecision, responses((status = OK, body = ReviewItemDto), (status = FORBIDDEN, description = "An operator who has not set up two-factor authentication yet.", body = ErrorBody), (status = NOT_FOUND, body = ErrorBody), (status = CONFLICT, body = ErrorBody)))]
#[post("/operator/organizations/{id}/approve")]
async fn approve(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
    body: JsonBody<ReviewDecision>,
) -> Result<web::Json<ReviewItemDto>, ApiError> {
    decide(
        req,
        state,
        auth,
        *path,
        body.into_inner(),
        Decision::Approve,
    )
    .await
}

/// Reject an activation request, with the reason.
#[utoipa::path(tag = OPERATOR_TAG, operation_id = "rejectActivation", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = ReviewDecision, responses((status = OK, body = ReviewItemDto), (status = BAD_REQUEST, body = ErrorBody), (status = FORBIDDEN, description = "An operator who has not set up two-factor authentication yet.", body = ErrorBody), (status = NOT_FOUND, body = ErrorBody), (status = CONFLICT, body = ErrorBody)))]
#[post("/operator/organizations/{id}/reject")]
async fn reject(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
    body: JsonBody<ReviewDecision>,
) -> Result<web::Json<ReviewItemDto>, ApiError> {
    decide(req, state, auth, *path, body.into_inner(), Decision::Reject).await
}

/// Suspend an organization, with the reason: it stops sending and receiving.
#[utoipa::path(tag = OPERATOR_TAG, operation_id = "suspendOrganization", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = ReviewDecision, responses((status = OK, body = ReviewItemDto), (status = BAD_REQUEST, body = ErrorBody), (status = FORBIDDEN, description = "An operator who has not set up two-factor authentication yet.", body = ErrorBody), (status = NOT_FOUND, body = ErrorBody)))]
#[post("/operator/organizations/{id}/suspend")]
async fn suspend(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
    body: JsonBody<ReviewDecision>,
) -> Result<web::Json<ReviewItemDto>, ApiError> {
    decide(
        req,
        state,
        auth,
        *path,
        body.into_inner(),
        Decision::Suspend,
    )
    .await
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(search_register)
        .service(get_register_company)
        .service(list_activation_requests)
        .service(approve)
        .service(reject)
        .service(suspend);
}
