//! Partners: authorisation requests between an accountant's environment and a client's,
//! partnerships, and the access a client grants partner users on its organizations.

use actix_web::{delete, get, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use haven_domain::{
    mail::Language,
    organizations::{policy::OrgAction, policy::OrgRole, service::authorize},
    partners::{
        records::{
            GrantStatus, PartnerGrant, PartnerRequest, Partnership, PartnershipStatus,
            RequestStatus,
        },
        service::{self, GrantInput, NewRequestInput},
        store::RequestSide,
    },
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::auth::client_info;
use super::paging::{page_of, PageParams};
use crate::{
    auth::Authenticated,
    error::{ApiError, ErrorBody},
    extractors::JsonBody,
    state::AppState,
};

const TAG: &str = "partners";

page_of!(
    PartnerRequestPage,
    PartnerRequestDto,
    "One page of authorisation requests, newest first."
);
page_of!(
    PartnershipPage,
    PartnershipDto,
    "One page of partnerships, newest first."
);
page_of!(
    PartnerGrantPage,
    PartnerGrantDto,
    "One page of partner access grants, newest first."
);

/// Which side of a request or partnership the caller's environment is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PartnerSide {
    /// The accountant's side: sent the request, works for the client.
    Partner,
    /// The client's side: answered the request, owns the organization.
    Client,
}

/// An authorisation request as either side sees it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PartnerRequestDto {
    pub id: Uuid,
    /// The caller's side: `partner` sent it, `client` received it.
    pub side: PartnerSide,
    /// The environment that asks for authorisation.
    pub requester_environment_name: String,
    pub requested_by_name: String,
    pub requested_by_email: String,
    pub client_name: String,
    pub client_email: String,
    /// The software package the accountant works with.
    pub software: String,
    #[schema(example = "12345678")]
    pub kvk_number: String,
    pub language: Language,
    /// Where it stands now (a pending request past its expiry is `expired`).
    pub status: RequestStatus,
    /// The client's environment, once a user of it opened the link.
    pub client_environment_name: Option<String>,
    /// The partnership its acceptance created.
    pub partnership_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
    pub answered_by_email: Option<String>,
}

impl PartnerRequestDto {
    fn of(r: PartnerRequest, environment_id: Uuid) -> Self {
        let status = r.status_at(Utc::now());
        Self {
            id: r.id,
            side: if r.requester_environment_id == environment_id {
                PartnerSide::Partner
            } else {
                PartnerSide::Client
            },
            requester_environment_name: r.requester_environment_name,
            requested_by_name: r.requested_by_name,
            requested_by_email: r.requested_by_email,
            client_name: r.client_name,
            client_email: r.client_email,
            software: r.software,
            kvk_number: r.kvk_number,
            language: r.language,
            status,
            client_environment_name: r.client_environment_name,
            partnership_id: r.partnership_id,
            created_at: r.created_at,
            expires_at: r.expires_at,
            answered_at: r.answered_at,
            answered_by_email: r.answered_by_email,
        }
    }
}

/// A partnership between an accountant's environment and a client's, for one organization.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PartnershipDto {
    pub id: Uuid,
    /// The caller's side.
    pub side: PartnerSide,
    pub request_id: Uuid,
    /// The accountant's environment.
    pub partner_environment_name: String,
    pub client_environment_name: String,
    /// The client's organization it is for.
    pub organization_id: Uuid,
    pub organization_name: String,
    #[schema(example = "12345678")]
    pub kvk_number: String,
    pub software: String,
    pub status: PartnershipStatus,
    pub created_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub ended_by_email: Option<String>,
}

impl PartnershipDto {
    fn of(p: Partnership, environment_id: Uuid) -> Self {
        Self {
            id: p.id,
            side: if p.partner_environment_id == environment_id {
                PartnerSide::Partner
            } else {
                PartnerSide::Client
            },
            request_id: p.request_id,
            partner_environment_name: p.partner_environment_name,
            client_environment_name: p.client_environment_name,
            organization_id: p.organization_id,
            organization_name: p.organization_name,
            kvk_number: p.kvk_number,
            software: p.software,
            status: p.status,
            created_at: p.created_at,
            ended_at: p.ended_at,
            ended_by_email: p.ended_by_email,
        }
    }
}

/// Access to a client's organization for one partner user.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PartnerGrantDto {
    pub id: Uuid,
    pub partnership_id: Uuid,
    pub organization_id: Uuid,
    pub organization_name: String,
    /// The partner user's environment.
    pub partner_environment_name: String,
    pub user_id: Uuid,
    pub user_name: String,
    pub user_email: String,
    pub role: OrgRole,
    pub status: GrantStatus,
    pub offered_by_email: String,
    pub created_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<PartnerGrant> for PartnerGrantDto {
    fn from(g: PartnerGrant) -> Self {
        Self {
            id: g.id,
            partnership_id: g.partnership_id,
            organization_id: g.organization_id,
            organization_name: g.organization_name,
            partner_environment_name: g.partner_environment_name,
            user_id: g.user_id,
            user_name: g.user_name,
            user_email: g.user_email,
            role: g.role,
            status: g.status,
            offered_by_email: g.offered_by_email,
            created_at: g.created_at,
            accepted_at: g.accepted_at,
            revoked_at: g.revoked_at,
        }
    }
}

/// A new authorisation request.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreatePartnerRequest {
    #[schema(min_length = 1, max_length = 100, example = "Bakkerij De Korenschoof")]
    pub client_name: String,
    /// Where the link goes.
    #[schema(max_length = 254, example = "finance@korenschoof.example")]
    pub client_email: String,
    /// The software package the accountant will use for the client.
    #[schema(min_length = 1, max_length = 100, example = "Exact Online")]
    pub software: String,
    /// The organization's KvK number: eight digits (spaces and dots are ignored).
    #[schema(example = "12345678")]
    pub kvk_number: String,
    /// The language of the email (default `nl`).
    pub language: Option<Language>,
}

/// The token of an emailed link.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OpenPartnerRequest {
    #[schema(max_length = 100)]
    pub token: String,
}

/// Which requests to list.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RequestListSide {
    /// Sent by the caller's environment.
    Sent,
    /// Received (opened) by the caller's environment.
    Received,
}

#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct RequestListQuery {
    /// `sent` (default) or `received`.
    #[param(inline)]
    pub side: Option<RequestListSide>,
    /// Page size (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// The `nextCursor` of the previous page; omit for the first.
    pub before: Option<String>,
}

/// Access offered to a user of a partner environment.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreatePartnerGrant {
    /// An active partnership of this organization.
    pub partnership_id: Uuid,
    /// The partner user's sign-in address.
    #[schema(max_length = 254, example = "piet@accountants.example")]
    pub user_email: String,
    pub role: OrgRole,
}

/// Send an authorisation request to a client (relationship managers).
///
/// The client gets an email with a link (valid `partner_request_days`); opening it while
/// signed in ties the request to their environment, where they accept or decline it.
#[utoipa::path(tag = TAG, operation_id = "createPartnerRequest", security(("bearer" = [])),
    request_body = CreatePartnerRequest,
    responses(
        (status = CREATED, body = PartnerRequestDto),
        (status = BAD_REQUEST, description = "An empty or too long name, an invalid email address or a KvK number that is not eight digits.", body = ErrorBody),
        (status = FORBIDDEN, description = "Not a relationship manager (Advanced or Administrator role, or the relationship-manager flag).", body = ErrorBody),
        (status = TOO_MANY_REQUESTS, description = "The environment sent `partner_requests_per_hour` requests this hour; wait for `Retry-After` seconds.", body = ErrorBody)))]
#[post("/partner-requests")]
async fn create_request(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    body: JsonBody<CreatePartnerRequest>,
) -> Result<HttpResponse, ApiError> {
    service::require_relationship_manager(&auth.actor)?;
    // Emails go to any address: the number an environment sends is limited.
    state
        .partner_request_limiter
        .check(&auth.actor.environment_id.to_string())
        .map_err(|retry_after_secs| ApiError::TooManyRequests { retry_after_secs })?;
    let client = client_info(&req);
    let caller = auth.caller(&client);
    let body = body.into_inner();
    let request = service::send_request(
        &state.db,
        &state.db,
        &state.partner_settings,
        &state.links,
        &caller,
        NewRequestInput {
            client_name: body.client_name,
            client_email: body.client_email,
            software: body.software,
            kvk_number: body.kvk_number,
            language: body.language,
        },
    )
    .await?;
    Ok(HttpResponse::Created().json(PartnerRequestDto::of(request, auth.actor.environment_id)))
}

/// The environment's sent or received authorisation requests.
#[utoipa::path(tag = TAG, operation_id = "listPartnerRequests", security(("bearer" = [])),
    params(RequestListQuery),
    responses(
        (status = OK, body = PartnerRequestPage),
        (status = FORBIDDEN, description = "Not a relationship manager.", body = ErrorBody)))]
#[get("/partner-requests")]
async fn list_requests(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    query: web::Query<RequestListQuery>,
) -> Result<web::Json<PartnerRequestPage>, ApiError> {
    let client = client_info(&req);
    let caller = auth.caller(&client);
    let query = query.into_inner();
    let side = match query.side.unwrap_or(RequestListSide::Sent) {
        RequestListSide::Sent => RequestSide::Sent,
        RequestListSide::Received => RequestSide::Received,
    };
    let page = PageParams {
        limit: query.limit,
        before: query.before,
    };
    let page = service::list_requests(&state.db, &caller, side, &page.into()).await?;
    let environment_id = auth.actor.environment_id;
    Ok(web::Json(PartnerRequestPage::from_page(page, |r| {
        PartnerRequestDto::of(r, environment_id)
    })))
}

/// One authorisation request the environment sent or received.
#[utoipa::path(tag = TAG, operation_id = "getPartnerRequest", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The request.")),
    responses(
        (status = OK, body = PartnerRequestDto),
        (status = FORBIDDEN, description = "Not a relationship manager.", body = ErrorBody),
        (status = NOT_FOUND, description = "The environment neither sent nor received this request.", body = ErrorBody)))]
#[get("/partner-requests/{id}")]
async fn get_request(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
) -> Result<web::Json<PartnerRequestDto>, ApiError> {
    let client = client_info(&req);
    let caller = auth.caller(&client);
    let request = service::get_request(&state.db, &caller, *path).await?;
    Ok(web::Json(PartnerRequestDto::of(
        request,
        auth.actor.environment_id,
    )))
}

/// Open the emailed link: the request becomes one of the environment's received requests.
///
/// The first environment to open it keeps it; it is shown whatever its status, so a link
/// opened again says what became of it.
#[utoipa::path(tag = TAG, operation_id = "openPartnerRequest", security(("bearer" = [])),
    request_body = OpenPartnerRequest,
    responses(
        (status = OK, body = PartnerRequestDto),
        (status = BAD_REQUEST, description = "The link's token is unknown (`token_invalid`).", body = ErrorBody),
        (status = FORBIDDEN, description = "Not a relationship manager.", body = ErrorBody),
        (status = CONFLICT, description = "The caller's environment sent it (`own_partner_request`), another environment opened it (`partner_request_taken`), or it can no longer be answered (`partner_request_expired`, `partner_request_answered`).", body = ErrorBody)))]
#[post("/partner-requests/open")]
async fn open_request(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    body: JsonBody<OpenPartnerRequest>,
) -> Result<web::Json<PartnerRequestDto>, ApiError> {
    let client = client_info(&req);
    let caller = auth.caller(&client);
    let request = service::open_request(&state.db, &state.db, &caller, &body.token).await?;
    Ok(web::Json(PartnerRequestDto::of(
        request,
        auth.actor.environment_id,
    )))
}

/// Accept a received request: creates the partnership for the organization with its KvK
/// number (Organization Administrators of that organization).
#[utoipa::path(tag = TAG, operation_id = "acceptPartnerRequest", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The request.")),
    responses(
        (status = OK, description = "Accepted; the new partnership.", body = PartnershipDto),
        (status = FORBIDDEN, description = "Not a relationship manager, or not an Organization Administrator of the organization.", body = ErrorBody),
        (status = NOT_FOUND, description = "The environment did not receive this request.", body = ErrorBody),
        (status = CONFLICT, description = "`partner_organization_missing`: the environment has no organization with the request's KvK number; `partner_request_expired`, `partner_request_answered`: it can no longer be answered; `partnership_exists`: already partners for this organization.", body = ErrorBody)))]
#[post("/partner-requests/{id}/accept")]
async fn accept_request(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
) -> Result<web::Json<PartnershipDto>, ApiError> {
    let client = client_info(&req);
    let caller = auth.caller(&client);
    let partnership = service::accept_request(&state.db, &caller, *path).await?;
    Ok(web::Json(PartnershipDto::of(
        partnership,
        auth.actor.environment_id,
    )))
}

/// Decline a received request.
#[utoipa::path(tag = TAG, operation_id = "declinePartnerRequest", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The request.")),
    responses(
        (status = OK, description = "Declined.", body = PartnerRequestDto),
        (status = FORBIDDEN, description = "Not a relationship manager.", body = ErrorBody),
        (status = NOT_FOUND, description = "The environment did not receive this request.", body = ErrorBody),
        (status = CONFLICT, description = "It can no longer be answered (`partner_request_expired`, `partner_request_answered`).", body = ErrorBody)))]
#[post("/partner-requests/{id}/decline")]
async fn decline_request(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
) -> Result<web::Json<PartnerRequestDto>, ApiError> {
    let client = client_info(&req);
    let caller = auth.caller(&client);
    let request = service::decline_request(&state.db, &caller, *path).await?;
    Ok(web::Json(PartnerRequestDto::of(
        request,
        auth.actor.environment_id,
    )))
}

/// Withdraw a sent request that is still pending.
#[utoipa::path(tag = TAG, operation_id = "withdrawPartnerRequest", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The request.")),
    responses(
        (status = OK, description = "Withdrawn.", body = PartnerRequestDto),
        (status = FORBIDDEN, description = "Not a relationship manager, or the caller's environment received rather than sent it.", body = ErrorBody),
        (status = NOT_FOUND, description = "The environment neither sent nor received this request.", body = ErrorBody),
        (status = CONFLICT, description = "Already answered or expired (`partner_request_answered`, `partner_request_expired`).", body = ErrorBody)))]
#[post("/partner-requests/{id}/withdraw")]
async fn withdraw_request(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
) -> Result<web::Json<PartnerRequestDto>, ApiError> {
    let client = client_info(&req);
    let caller = auth.caller(&client);
    let request = service::withdraw_request(&state.db, &caller, *path).await?;
    Ok(web::Json(PartnerRequestDto::of(
        request,
        auth.actor.environment_id,
    )))
}

/// The partnerships the environment is a side of.
#[utoipa::path(tag = TAG, operation_id = "listPartnerships", security(("bearer" = [])),
    params(PageParams),
    responses((status = OK, body = PartnershipPage)))]
#[get("/partnerships")]
async fn list_partnerships(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    page: web::Query<PageParams>,
) -> Result<web::Json<PartnershipPage>, ApiError> {
    let client = client_info(&req);
    let caller = auth.caller(&client);
    let page = service::list_partnerships(&state.db, &caller, &page.into_inner().into()).await?;
    let environment_id = auth.actor.environment_id;
    Ok(web::Json(PartnershipPage::from_page(page, |p| {
        PartnershipDto::of(p, environment_id)
    })))
}

/// One partnership the environment is a side of.
#[utoipa::path(tag = TAG, operation_id = "getPartnership", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The partnership.")),
    responses(
        (status = OK, body = PartnershipDto),
        (status = NOT_FOUND, description = "The environment is not a side of this partnership.", body = ErrorBody)))]
#[get("/partnerships/{id}")]
async fn get_partnership(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
) -> Result<web::Json<PartnershipDto>, ApiError> {
    let client = client_info(&req);
    let caller = auth.caller(&client);
    let partnership = service::get_partnership(&state.db, &caller, *path).await?;
    Ok(web::Json(PartnershipDto::of(
        partnership,
        auth.actor.environment_id,
    )))
}

/// End a partnership (either side): its grants and the connection keys created through it
/// stop working on the next request.
#[utoipa::path(tag = TAG, operation_id = "endPartnership", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The partnership.")),
    responses(
        (status = OK, description = "Ended.", body = PartnershipDto),
        (status = FORBIDDEN, description = "Not a relationship manager.", body = ErrorBody),
        (status = NOT_FOUND, description = "The environment is not a side of this partnership.", body = ErrorBody),
        (status = CONFLICT, description = "Already ended (`partnership_not_active`).", body = ErrorBody)))]
#[post("/partnerships/{id}/end")]
async fn end_partnership(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
) -> Result<web::Json<PartnershipDto>, ApiError> {
    let client = client_info(&req);
    let caller = auth.caller(&client);
    let partnership = service::end_partnership(&state.db, &caller, *path).await?;
    Ok(web::Json(PartnershipDto::of(
        partnership,
        auth.actor.environment_id,
    )))
}

/// The access the organization granted to partner users (its members may see it).
#[utoipa::path(tag = TAG, operation_id = "listPartnerAccess", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The organization."), PageParams),
    responses(
        (status = OK, body = PartnerGrantPage),
        (status = NOT_FOUND, description = "No such organization for the caller.", body = ErrorBody)))]
#[get("/organizations/{id}/partner-access")]
async fn list_organization_grants(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
    page: web::Query<PageParams>,
) -> Result<web::Json<PartnerGrantPage>, ApiError> {
    let client = client_info(&req);
    let caller = auth.caller(&client);
    let org = authorize(&state.db, &caller, *path, OrgAction::View).await?;
    let page =
        service::list_organization_grants(&state.db, &org, &page.into_inner().into()).await?;
    Ok(web::Json(PartnerGrantPage::from_page(page, Into::into)))
}

/// Offer a partner user access to the organization (its own Organization Administrators);
/// it starts when the user accepts.
#[utoipa::path(tag = TAG, operation_id = "createPartnerAccess", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The organization.")),
    request_body = CreatePartnerGrant,
    responses(
        (status = CREATED, description = "Offered.", body = PartnerGrantDto),
        (status = BAD_REQUEST, description = "No partnership of this organization with that id (`unknown_partnership`), or no active user with that address in the partner's environment (`unknown_partner_user`).", body = ErrorBody),
        (status = FORBIDDEN, description = "Not an Organization Administrator of the client, or a partner user.", body = ErrorBody),
        (status = NOT_FOUND, description = "No such organization for the caller.", body = ErrorBody),
        (status = CONFLICT, description = "The partnership has ended (`partnership_not_active`) or the user already has access or an offer (`grant_exists`).", body = ErrorBody)))]
#[post("/organizations/{id}/partner-access")]
async fn create_grant(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
    body: JsonBody<CreatePartnerGrant>,
) -> Result<HttpResponse, ApiError> {
    let client = client_info(&req);
    let caller = auth.caller(&client);
    let org = authorize(&state.db, &caller, *path, OrgAction::ManageMembers).await?;
    let body = body.into_inner();
    let grant = service::offer_grant(
        &state.db,
        &caller,
        &org,
        GrantInput {
            partnership_id: body.partnership_id,
            user_email: body.user_email,
            role: body.role,
        },
    )
    .await?;
    Ok(HttpResponse::Created().json(PartnerGrantDto::from(grant)))
}

/// Revoke a partner user's access (or the offer of it): it ends on their next request.
#[utoipa::path(tag = TAG, operation_id = "revokePartnerAccess", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The organization."), ("grantId" = Uuid, Path)),
    responses(
        (status = NO_CONTENT, description = "Revoked."),
        (status = FORBIDDEN, description = "Not an Organization Administrator of the client, or a partner user.", body = ErrorBody),
        (status = NOT_FOUND, description = "No such organization or grant for the caller.", body = ErrorBody),
        (status = CONFLICT, description = "Already revoked (`grant_revoked`).", body = ErrorBody)))]
#[delete("/organizations/{id}/partner-access/{grantId}")]
async fn revoke_grant(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (organization_id, id) = path.into_inner();
    let client = client_info(&req);
    let caller = auth.caller(&client);
    let org = authorize(
        &state.db,
        &caller,
        organization_id,
        OrgAction::ManageMembers,
    )
    .await?;
    service::revoke_grant(&state.db, &caller, &org, id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The access clients granted the signed-in user.
#[utoipa::path(tag = TAG, operation_id = "listMyPartnerAccess", security(("bearer" = [])),
    params(PageParams),
    responses((status = OK, body = PartnerGrantPage)))]
#[get("/me/partner-access")]
async fn my_grants(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    page: web::Query<PageParams>,
) -> Result<web::Json<PartnerGrantPage>, ApiError> {
    let client = client_info(&req);
    let caller = auth.caller(&client);
    let page = service::my_grants(&state.db, &caller, &page.into_inner().into()).await?;
    Ok(web::Json(PartnerGrantPage::from_page(page, Into::into)))
}

/// Accept access a client offered the signed-in user.
#[utoipa::path(tag = TAG, operation_id = "acceptPartnerAccess", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The grant.")),
    responses(
        (status = OK, description = "Accepted: the client's organization is now reachable.", body = PartnerGrantDto),
        (status = NOT_FOUND, description = "No such grant for the signed-in user.", body = ErrorBody),
        (status = CONFLICT, description = "Not offered any more (`grant_not_offered`) or the partnership ended (`partnership_not_active`).", body = ErrorBody)))]
#[post("/me/partner-access/{id}/accept")]
async fn accept_grant(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
) -> Result<web::Json<PartnerGrantDto>, ApiError> {
    let client = client_info(&req);
    let caller = auth.caller(&client);
    let grant = service::accept_grant(&state.db, &caller, *path).await?;
    Ok(web::Json(grant.into()))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_request)
        .service(list_requests)
        .service(open_request)
        .service(get_request)
        .service(accept_request)
        .service(decline_request)
        .service(withdraw_request)
        .service(list_partnerships)
        .service(get_partnership)
        .service(end_partnership)
        .service(list_organization_grants)
        .service(create_grant)
        .service(revoke_grant)
        .service(my_grants)
        .service(accept_grant);
}
