//! Organizations: add (from the business register), identifiers with Send/Receive switches,
//! activation, members, and the participant ids a caller may act for.

use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, TimeDelta, Utc};
use haven_domain::{
    accounts::{records::NewAuditEvent, secrets::hash_token, store::AccountStore, Action, Role},
    mail::{render, MailTemplate},
    organizations::{
        identifiers::{Identifier, IdentifierKind},
        policy::{self, OrgAction, OrgRole},
        records::{
            ActivationMethod, Address, Member, OrgEvent, OrgIdentifier, OrgStatus, Organization,
        },
        registry::{BusinessRegistry, RegistryError},
        store::{
            CodeOutcome, NewIdentifier, NewOrgEvent, NewOrganization, OrganizationChange,
            OrganizationStore,
        },
    },
    DomainError,
};
use rand::Rng;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use super::auth::client_info;
use crate::{
    auth::Authenticated,
    error::{validate_body, ApiError, ErrorBody, ErrorDetail},
    state::AppState,
};

const TAG: &str = "organizations";
const CODE_MINUTES: i64 = 30;

#[derive(Serialize, Deserialize, ToSchema, Default, Clone)]
#[serde(rename_all = "camelCase")]
pub struct AddressDto {
    #[schema(example = "Keizersgracht")]
    pub street: Option<String>,
    #[schema(example = "100")]
    pub house_number: Option<String>,
    #[schema(example = "1015 AA")]
    pub postal_code: Option<String>,
    #[schema(example = "Amsterdam")]
    pub city: Option<String>,
}

impl From<&Address> for AddressDto {
    fn from(a: &Address) -> Self {
        Self {
            street: a.street.clone(),
            house_number: a.house_number.clone(),
            postal_code: a.postal_code.clone(),
            city: a.city.clone(),
        }
    }
}

impl From<AddressDto> for Address {
    fn from(a: AddressDto) -> Self {
        let clean = |v: Option<String>| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        Self {
            street: clean(a.street),
            house_number: clean(a.house_number),
            postal_code: clean(a.postal_code),
            city: clean(a.city),
        }
    }
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IdentifierDto {
    pub id: Uuid,
    /// `kvk`, `kvk_establishment`, `oin`, `vat`, `be_enterprise`, `gln` or `other`.
    #[schema(example = "kvk")]
    pub kind: String,
    /// ISO 6523 scheme code.
    #[schema(example = "0106")]
    pub scheme: String,
    #[schema(example = "90000001")]
    pub value: String,
    /// The Peppol participant id, `scheme:value`.
    #[schema(example = "0106:90000001")]
    pub participant_id: String,
    pub send: bool,
    pub receive: bool,
    /// Registered on the network for this organization (while it is active).
    pub registered: bool,
}

impl From<&OrgIdentifier> for IdentifierDto {
    fn from(i: &OrgIdentifier) -> Self {
        Self {
            id: i.id,
            kind: i.kind.clone(),
            scheme: i.scheme.clone(),
            value: i.value.clone(),
            participant_id: i.participant_id(),
            send: i.send_enabled,
            receive: i.receive_enabled,
            registered: i.registered,
        }
    }
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrganizationDto {
    pub id: Uuid,
    #[schema(example = "Voorbeeld Installatietechniek B.V.")]
    pub statutory_name: String,
    pub trade_names: Vec<String>,
    pub address: AddressDto,
    #[schema(example = "NL")]
    pub country: String,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    #[schema(example = "90000001")]
    pub kvk_number: Option<String>,
    /// `added`, `activation_requested`, `active`, `suspended` or `deactivated`.
    #[schema(example = "active")]
    pub status: &'static str,
    /// `email_code` or `operator_review` while activation is requested.
    pub activation_method: Option<&'static str>,
    /// The caller's role here: `member` or `administrator` (environment Administrators act as
    /// `administrator` everywhere).
    pub my_role: Option<&'static str>,
    pub identifiers: Vec<IdentifierDto>,
    pub created_at: DateTime<Utc>,
}

impl OrganizationDto {
    fn new(org: &Organization, role: Option<OrgRole>, identifiers: &[OrgIdentifier]) -> Self {
        Self {
            id: org.id,
            statutory_name: org.statutory_name.clone(),
            trade_names: org.trade_names.clone(),
            address: AddressDto::from(&org.address),
            country: org.country.clone(),
            contact_name: org.contact_name.clone(),
            contact_email: org.contact_email.clone(),
            kvk_number: org.kvk_number.clone(),
            status: org.status.as_str(),
            activation_method: org.activation_method.map(ActivationMethod::as_str),
            my_role: role.map(OrgRole::as_str),
            identifiers: identifiers.iter().map(IdentifierDto::from).collect(),
            created_at: org.created_at,
        }
    }
}

/// Loads an organization of the caller's environment and checks the action: a foreign or
/// invisible organization is 404, a visible one without the right role 403.
async fn authorize(
    state: &AppState,
    auth: &Authenticated,
    organization_id: Uuid,
    action: OrgAction,
) -> Result<(Organization, OrgRole), ApiError> {
    let org = state
        .db
        .find_organization(auth.actor.environment_id, organization_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let membership = state.db.membership(org.id, auth.user.id).await?;
    let role = policy::require(&auth.actor, membership, action, org.id)?;
    Ok((org, role))
}

async fn dto(
    state: &AppState,
    org: &Organization,
    role: Option<OrgRole>,
) -> Result<OrganizationDto, ApiError> {
    let identifiers = state.db.list_identifiers(org.id).await?;
    Ok(OrganizationDto::new(org, role, &identifiers))
}

fn event(name: &'static str, auth: &Authenticated, note: Option<String>) -> NewOrgEvent {
    NewOrgEvent {
        event: name,
        actor_email: Some(auth.user.email.clone()),
        note,
    }
}

pub(crate) fn registry_error(err: RegistryError) -> ApiError {
    match err {
        RegistryError::NotFound => ApiError::NotFound,
        RegistryError::Rejected(message) => ApiError::BadRequest {
            message,
            details: Vec::new(),
        },
        RegistryError::Unavailable(message) => {
            tracing::warn!(%message, "business register unavailable");
            ApiError::RegisterUnavailable
        }
    }
}

/// The organizations the caller can see: all of the environment for its Administrators,
/// otherwise those they are a member of.
#[utoipa::path(tag = TAG, operation_id = "listOrganizations", security(("bearer" = [])), responses((status = OK, body = [OrganizationDto]), (status = UNAUTHORIZED, body = ErrorBody)))]
#[get("/organizations")]
async fn list_organizations(
    state: web::Data<AppState>,
    auth: Authenticated,
) -> Result<web::Json<Vec<OrganizationDto>>, ApiError> {
    auth.actor.require(Action::ViewEnvironment)?;
    let all = auth.actor.role == Role::Administrator;
    let orgs = state
        .db
        .list_organizations(auth.actor.environment_id, auth.user.id, all)
        .await?;
    let mut out = Vec::with_capacity(orgs.len());
    for (org, membership) in orgs {
        out.push(
            dto(
                &state,
                &org,
                policy::effective_role(&auth.actor, membership),
            )
            .await?,
        );
    }
    Ok(web::Json(out))
}

#[derive(Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase")]
pub struct IdentifierInput {
    /// `kvk`, `kvk_establishment`, `oin`, `vat`, `be_enterprise`, `gln` or `other`.
    #[schema(example = "oin")]
    pub kind: String,
    /// As people paste it: spaces, dots and a spreadsheet's leading apostrophe are removed.
    #[schema(example = "00000001234567890000")]
    #[validate(length(max = 100))]
    pub value: String,
    /// The ISO 6523 scheme code, for `other`.
    #[schema(example = "0060")]
    pub scheme: Option<String>,
}

#[derive(Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase")]
pub struct CreateOrganizationRequest {
    /// Dutch organizations: the KvK number; name and address then come from the business register.
    #[schema(example = "90000001")]
    pub kvk_number: Option<String>,
    #[schema(example = "Voorbeeld Installatietechniek B.V.")]
    #[validate(length(max = 200))]
    pub statutory_name: Option<String>,
    #[serde(default)]
    pub trade_names: Vec<String>,
    pub address: Option<AddressDto>,
    /// ISO 3166-1 alpha-2; default `NL`.
    #[schema(example = "NL")]
    pub country: Option<String>,
    #[validate(length(max = 100))]
    pub contact_name: Option<String>,
    #[validate(length(max = 254))]
    pub contact_email: Option<String>,
    /// Further identifiers (OIN, VAT, GLN, …). The KvK number is added as `0106:<KvK>` itself.
    #[serde(default)]
    #[validate(nested)]
    pub identifiers: Vec<IdentifierInput>,
}

/// Add an organization (environment Administrators).
///
/// For a Dutch organization give the KvK number: the business register is consulted, its data
/// prefills what you leave out and is kept for the activation review. Organizations from other
/// countries are entered by hand. The creator becomes its Organization Administrator. The
/// organization can send and receive only after activation.
#[utoipa::path(
    tag = TAG,
    operation_id = "createOrganization",
    security(("bearer" = [])),
    request_body = CreateOrganizationRequest,
    responses(
        (status = CREATED, body = OrganizationDto),
        (status = BAD_REQUEST, description = "Invalid fields or identifiers; KvK number not in the register.", body = ErrorBody),
        (status = FORBIDDEN, body = ErrorBody),
        (status = CONFLICT, description = "The KvK number is already in the environment, or the limit is reached.", body = ErrorBody),
        (status = SERVICE_UNAVAILABLE, description = "The business register cannot be reached.", body = ErrorBody),
    )
)]
#[post("/organizations")]
async fn create_organization(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    body: web::Json<CreateOrganizationRequest>,
) -> Result<HttpResponse, ApiError> {
    auth.actor.require(Action::ManageEnvironment)?;
    validate_body(&*body)?;
    let body = body.into_inner();
    let country = body
        .country
        .as_deref()
        .map_or("NL".to_owned(), |c| c.trim().to_uppercase());
    let mut details = Vec::new();
    if country.len() != 2 || !country.chars().all(|c| c.is_ascii_uppercase()) {
        details.push(ErrorDetail::field(
            "country",
            "invalid_country",
            "Use a two-letter country code such as NL or BE.",
        ));
    }
    let mut identifiers: Vec<Identifier> = Vec::new();
    let kvk = match body
        .kvk_number
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
    {
        Some(raw) => match Identifier::parse("kvkNumber", IdentifierKind::Kvk, raw, None) {
            Ok(identifier) => {
                let number = identifier.value().to_owned();
                identifiers.push(identifier);
                Some(number)
            }
            Err(err) => {
                details.push(ErrorDetail::field(err.field, err.code, err.message));
                None
            }
        },
        None if country == "NL" => {
            details.push(ErrorDetail::field(
                "kvkNumber",
                "required",
                "A Dutch organization needs its KvK number.",
            ));
            None
        }
        None => None,
    };
    for (index, input) in body.identifiers.iter().enumerate() {
        let field = format!("identifiers[{index}].value");
        match IdentifierKind::parse(&input.kind) {
            None => details.push(ErrorDetail::field(
                format!("identifiers[{index}].kind"),
                "invalid_kind",
                "Choose kvk, kvk_establishment, oin, vat, be_enterprise, gln or other.",
            )),
            Some(kind) => {
                match Identifier::parse(&field, kind, &input.value, input.scheme.as_deref()) {
                    Ok(identifier)
                        if identifiers.iter().any(|i| {
                            i.scheme() == identifier.scheme() && i.value() == identifier.value()
                        }) => {}
                    Ok(identifier) => identifiers.push(identifier),
                    Err(err) => details.push(ErrorDetail::field(err.field, err.code, err.message)),
                }
            }
        }
    }
    if !details.is_empty() {
        return Err(ApiError::Validation(details));
    }
    let limit = state.max_organizations;
    if state
        .db
        .count_organizations(auth.actor.environment_id)
        .await?
        >= limit
    {
        return Err(ApiError::Conflict(format!(
            "Your environment has reached its limit of {limit} organizations; remove one or ask your provider to raise the limit."
        )));
    }
    // The register's word, when there is one: prefills and is kept for the activation review.
    let company = match &kvk {
        Some(number) => match state.registry.profile(number).await {
            Ok(company) => Some(company),
            Err(RegistryError::NotFound) => {
                return Err(ApiError::Validation(vec![ErrorDetail::field(
                    "kvkNumber",
                    "not_in_register",
                    format!(
                        "KvK number {number} is not in the business register; check the number."
                    ),
                )]))
            }
            Err(err) => return Err(registry_error(err)),
        },
        None => None,
    };
    let statutory_name = body
        .statutory_name
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty())
        .or_else(|| company.as_ref().map(|c| c.statutory_name.clone()));
    let Some(statutory_name) = statutory_name else {
        return Err(ApiError::Validation(vec![ErrorDetail::field(
            "statutoryName",
            "required",
            "Enter the statutory name.",
        )]));
    };
    let address = match (body.address, &company) {
        (Some(address), _) => Address::from(address),
        (None, Some(company)) => company
            .address
            .as_ref()
            .map(|a| Address {
                street: Some(a.street.clone()),
                house_number: Some(a.house_number.clone()),
                postal_code: Some(a.postal_code.clone()),
                city: Some(a.city.clone()),
            })
            .unwrap_or_default(),
        (None, None) => Address::default(),
    };
    let trade_names = if body.trade_names.is_empty() {
        company
            .as_ref()
            .map(|c| c.trade_names.clone())
            .unwrap_or_default()
    } else {
        body.trade_names
            .into_iter()
            .map(|n| n.trim().to_owned())
            .filter(|n| !n.is_empty())
            .collect()
    };
    let snapshot = company.as_ref().and_then(|c| serde_json::to_string(c).ok());
    let org = state
        .db
        .create_organization(
            auth.actor.environment_id,
            auth.user.id,
            limit,
            NewOrganization {
                statutory_name,
                trade_names,
                address,
                country,
                contact_name: body
                    .contact_name
                    .map(|n| n.trim().to_owned())
                    .filter(|n| !n.is_empty()),
                contact_email: body
                    .contact_email
                    .map(|e| e.trim().to_lowercase())
                    .filter(|e| !e.is_empty()),
                kvk_number: kvk,
                register_snapshot: snapshot,
            },
            identifiers
                .into_iter()
                .map(|i| NewIdentifier {
                    kind: i.kind().as_str().to_owned(),
                    scheme: i.scheme().to_owned(),
                    value: i.value().to_owned(),
                })
                .collect(),
            event("added", &auth, None),
            NewAuditEvent::new("organization.added", &client_info(&req)).by(&auth.user),
        )
        .await?;
    let body = dto(&state, &org, Some(OrgRole::Administrator)).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/organizations/{}", org.id)))
        .json(body))
}

/// One organization with its identifiers.
#[utoipa::path(tag = TAG, operation_id = "getOrganization", security(("bearer" = [])), params(("id" = Uuid, Path)), responses((status = OK, body = OrganizationDto), (status = NOT_FOUND, body = ErrorBody)))]
#[get("/organizations/{id}")]
async fn get_organization(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
) -> Result<web::Json<OrganizationDto>, ApiError> {
    let (org, role) = authorize(&state, &auth, *path, OrgAction::View).await?;
    Ok(web::Json(dto(&state, &org, Some(role)).await?))
}

#[derive(Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase")]
pub struct UpdateOrganizationRequest {
    #[validate(length(min = 1, max = 200))]
    pub statutory_name: Option<String>,
    pub trade_names: Option<Vec<String>>,
    pub address: Option<AddressDto>,
    #[validate(length(max = 100))]
    pub contact_name: Option<String>,
    #[validate(length(max = 254))]
    pub contact_email: Option<String>,
}

/// Change an organization's details (Organization Administrators).
#[utoipa::path(tag = TAG, operation_id = "updateOrganization", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = UpdateOrganizationRequest, responses((status = OK, body = OrganizationDto), (status = BAD_REQUEST, body = ErrorBody), (status = FORBIDDEN, body = ErrorBody), (status = NOT_FOUND, body = ErrorBody)))]
#[patch("/organizations/{id}")]
async fn update_organization(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
    body: web::Json<UpdateOrganizationRequest>,
) -> Result<web::Json<OrganizationDto>, ApiError> {
    let (org, role) = authorize(&state, &auth, *path, OrgAction::ManageDetails).await?;
    validate_body(&*body)?;
    let body = body.into_inner();
    let blank_to_none = |v: String| Some(v.trim().to_owned()).filter(|s| !s.is_empty());
    let updated = state
        .db
        .update_organization(
            org.id,
            OrganizationChange {
                statutory_name: body.statutory_name.map(|n| n.trim().to_owned()),
                trade_names: body.trade_names,
                address: body.address.map(Address::from),
                contact_name: body.contact_name.map(blank_to_none),
                contact_email: body.contact_email.map(blank_to_none),
            },
            NewAuditEvent::new("organization.updated", &client_info(&req)).by(&auth.user),
        )
        .await?;
    Ok(web::Json(dto(&state, &updated, Some(role)).await?))
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrgEventDto {
    /// `added`, `activation_requested`, `activation_code_sent`, `activated`, `rejected`, `deactivated`, `suspended`.
    pub event: String,
    pub status: &'static str,
    pub actor_email: Option<String>,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<&OrgEvent> for OrgEventDto {
    fn from(e: &OrgEvent) -> Self {
        Self {
            event: e.event.clone(),
            status: e.status.as_str(),
            actor_email: e.actor_email.clone(),
            note: e.note.clone(),
            created_at: e.created_at,
        }
    }
}

/// The organization's status history, oldest first.
#[utoipa::path(tag = TAG, operation_id = "getOrganizationHistory", security(("bearer" = [])), params(("id" = Uuid, Path)), responses((status = OK, body = [OrgEventDto]), (status = NOT_FOUND, body = ErrorBody)))]
#[get("/organizations/{id}/history")]
async fn get_history(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
) -> Result<web::Json<Vec<OrgEventDto>>, ApiError> {
    let (org, _) = authorize(&state, &auth, *path, OrgAction::View).await?;
    let events = state.db.list_events(org.id).await?;
    Ok(web::Json(events.iter().map(OrgEventDto::from).collect()))
}

/// Add an identifier (Organization Administrators). On an active organization it is registered
/// as a participant id at once (409 when another organization holds it).
#[utoipa::path(tag = TAG, operation_id = "addIdentifier", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = IdentifierInput, responses((status = CREATED, body = IdentifierDto), (status = BAD_REQUEST, body = ErrorBody), (status = FORBIDDEN, body = ErrorBody), (status = NOT_FOUND, body = ErrorBody), (status = CONFLICT, body = ErrorBody)))]
#[post("/organizations/{id}/identifiers")]
async fn add_identifier(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
    body: web::Json<IdentifierInput>,
) -> Result<HttpResponse, ApiError> {
    let (org, _) = authorize(&state, &auth, *path, OrgAction::ManageDetails).await?;
    validate_body(&*body)?;
    let kind = IdentifierKind::parse(&body.kind).ok_or_else(|| {
        ApiError::Validation(vec![ErrorDetail::field(
            "kind",
            "invalid_kind",
            "Choose kvk, kvk_establishment, oin, vat, be_enterprise, gln or other.",
        )])
    })?;
    let identifier = Identifier::parse("value", kind, &body.value, body.scheme.as_deref())?;
    let added = state
        .db
        .add_identifier(
            org.id,
            NewIdentifier {
                kind: identifier.kind().as_str().to_owned(),
                scheme: identifier.scheme().to_owned(),
                value: identifier.value().to_owned(),
            },
            NewAuditEvent::new("organization.identifier_added", &client_info(&req)).by(&auth.user),
        )
        .await?;
    Ok(HttpResponse::Created().json(IdentifierDto::from(&added)))
}

/// Remove an identifier (Organization Administrators).
#[utoipa::path(tag = TAG, operation_id = "removeIdentifier", security(("bearer" = [])), params(("id" = Uuid, Path), ("identifierId" = Uuid, Path)), responses((status = NO_CONTENT), (status = FORBIDDEN, body = ErrorBody), (status = NOT_FOUND, body = ErrorBody)))]
#[delete("/organizations/{id}/identifiers/{identifierId}")]
async fn remove_identifier(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (organization_id, identifier_id) = path.into_inner();
    let (org, _) = authorize(&state, &auth, organization_id, OrgAction::ManageDetails).await?;
    let event =
        NewAuditEvent::new("organization.identifier_removed", &client_info(&req)).by(&auth.user);
    state
        .db
        .remove_identifier(org.id, identifier_id, event)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, ToSchema)]
pub struct SwitchesRequest {
    /// Send documents with this identifier.
    pub send: Option<bool>,
    /// Receive documents on this identifier; needs the environment to have opted in to receiving.
    pub receive: Option<bool>,
}

/// Switch sending or receiving for one identifier (Organization Administrators).
///
/// Only an active organization sends or receives; receiving can be switched on only when the
/// environment chose to receive e-invoices (it costs money per document).
#[utoipa::path(tag = TAG, operation_id = "setIdentifierSwitches", security(("bearer" = [])), params(("id" = Uuid, Path), ("identifierId" = Uuid, Path)), request_body = SwitchesRequest, responses((status = OK, body = IdentifierDto), (status = FORBIDDEN, body = ErrorBody), (status = NOT_FOUND, body = ErrorBody), (status = CONFLICT, body = ErrorBody)))]
#[patch("/organizations/{id}/identifiers/{identifierId}")]
async fn set_switches(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(Uuid, Uuid)>,
    body: web::Json<SwitchesRequest>,
) -> Result<web::Json<IdentifierDto>, ApiError> {
    let (organization_id, identifier_id) = path.into_inner();
    let (org, _) = authorize(&state, &auth, organization_id, OrgAction::ManageDetails).await?;
    let switching_on = body.send == Some(true) || body.receive == Some(true);
    if switching_on && org.status != OrgStatus::Active {
        return Err(ApiError::Conflict(
            "Activate the organization first: only active organizations send or receive.".into(),
        ));
    }
    if body.receive == Some(true) {
        let env = state
            .db
            .find_environment(auth.actor.environment_id)
            .await?
            .ok_or(ApiError::NotFound)?;
        if !env.receiving_enabled {
            return Err(ApiError::Conflict(format!(
                "Your environment has not chosen to receive e-invoices (€{} per document); an Administrator can switch it on in the environment settings.",
                state.receiving_price
            )));
        }
    }
    let event =
        NewAuditEvent::new("organization.identifier_switched", &client_info(&req)).by(&auth.user);
    let identifier = state
        .db
        .set_identifier_switches(org.id, identifier_id, body.send, body.receive, event)
        .await?;
    Ok(web::Json(IdentifierDto::from(&identifier)))
}

#[derive(Deserialize, ToSchema)]
pub struct ActivationRequest {
    /// `email_code`: a code goes to the contact address the business register has on file;
    /// `operator_review`: a platform operator checks the register data against what was entered.
    #[schema(example = "email_code")]
    pub method: String,
}

/// Request activation (Organization Administrators).
#[utoipa::path(
    tag = TAG,
    operation_id = "requestActivation",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body = ActivationRequest,
    responses(
        (status = OK, body = OrganizationDto),
        (status = BAD_REQUEST, body = ErrorBody),
        (status = FORBIDDEN, body = ErrorBody),
        (status = NOT_FOUND, body = ErrorBody),
        (status = CONFLICT, description = "Already active, or the register has no contact address for a code.", body = ErrorBody),
        (status = SERVICE_UNAVAILABLE, description = "The business register cannot be reached.", body = ErrorBody),
    )
)]
#[post("/organizations/{id}/activation")]
async fn request_activation(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
    body: web::Json<ActivationRequest>,
) -> Result<web::Json<OrganizationDto>, ApiError> {
    let (org, role) = authorize(&state, &auth, *path, OrgAction::ManageDetails).await?;
    let method = ActivationMethod::parse(&body.method).ok_or_else(|| {
        ApiError::Validation(vec![ErrorDetail::field(
            "method",
            "invalid_method",
            "Choose email_code or operator_review.",
        )])
    })?;
    let audit = NewAuditEvent::new("organization.activation_requested", &client_info(&req))
        .by(&auth.user)
        .details(serde_json::json!({ "method": method.as_str() }));
    let updated = match method {
        ActivationMethod::OperatorReview => {
            state
                .db
                .request_activation(
                    org.id,
                    method,
                    None,
                    None,
                    event(
                        "activation_requested",
                        &auth,
                        Some("Waiting for review by a platform operator.".into()),
                    ),
                    audit,
                )
                .await?
        }
        ActivationMethod::EmailCode => {
            let Some(kvk) = org.kvk_number.as_deref() else {
                return Err(ApiError::Conflict("A code can only be sent to the register's address of a Dutch organization; choose operator review.".into()));
            };
            let company = state.registry.profile(kvk).await.map_err(registry_error)?;
            let Some(contact) = company.contact_email else {
                return Err(ApiError::Conflict("The business register has no contact address for this organization; choose operator review.".into()));
            };
            let code = format!("{:06}", rand::rngs::OsRng.gen_range(0..1_000_000));
            let mail = render(
                &contact,
                &MailTemplate::ActivationCode {
                    organization_name: org.statutory_name.clone(),
                    code: code.clone(),
                    valid_minutes: u32::try_from(CODE_MINUTES).unwrap_or(30),
                    requested_by: auth.user.name.clone(),
                },
                auth.user.language,
            );
            let note = format!(
                "Code sent to {} (the address in the business register).",
                mask_email(&contact)
            );
            state
                .db
                .request_activation(
                    org.id,
                    method,
                    Some((
                        hash_token(&code),
                        Utc::now() + TimeDelta::minutes(CODE_MINUTES),
                    )),
                    Some(mail),
                    event("activation_code_sent", &auth, Some(note)),
                    audit,
                )
                .await?
        }
    };
    Ok(web::Json(dto(&state, &updated, Some(role)).await?))
}

/// `j***@example.nl`: enough to recognise, not enough to harvest.
fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => format!("{}***@{domain}", local.chars().next().unwrap_or('*')),
        None => "***".into(),
    }
}

#[derive(Deserialize, ToSchema, Validate)]
pub struct ActivationCodeRequest {
    #[schema(example = "123456")]
    #[validate(length(max = 12))]
    pub code: String,
}

/// Enter the emailed activation code (Organization Administrators). At most 5 attempts per code.
#[utoipa::path(tag = TAG, operation_id = "enterActivationCode", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = ActivationCodeRequest, responses((status = OK, body = OrganizationDto), (status = BAD_REQUEST, description = "Wrong or expired code.", body = ErrorBody), (status = FORBIDDEN, body = ErrorBody), (status = NOT_FOUND, body = ErrorBody), (status = CONFLICT, body = ErrorBody)))]
#[post("/organizations/{id}/activation/code")]
async fn enter_code(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
    body: web::Json<ActivationCodeRequest>,
) -> Result<web::Json<OrganizationDto>, ApiError> {
    let (org, role) = authorize(&state, &auth, *path, OrgAction::ManageDetails).await?;
    validate_body(&*body)?;
    let code: String = body.code.chars().filter(char::is_ascii_digit).collect();
    let audit = NewAuditEvent::new("organization.activated", &client_info(&req))
        .by(&auth.user)
        .details(serde_json::json!({ "method": "email_code" }));
    match state
        .db
        .enter_activation_code(
            org.id,
            &hash_token(&code),
            Utc::now(),
            event("activated", &auth, None),
            audit,
        )
        .await?
    {
        CodeOutcome::Activated(org) => Ok(web::Json(dto(&state, &org, Some(role)).await?)),
        CodeOutcome::Wrong { attempts_left } => {
            Err(ApiError::Validation(vec![ErrorDetail::field(
                "code",
                "wrong_code",
                if attempts_left == 0 {
                    "The code is not correct and no attempts are left; request a new code."
                        .to_owned()
                } else {
                    format!("The code is not correct; {attempts_left} attempts left.")
                },
            )]))
        }
        CodeOutcome::Expired => Err(ApiError::Validation(vec![ErrorDetail::field(
            "code",
            "code_expired",
            "The code has expired; request a new one.",
        )])),
        CodeOutcome::NoCodePending => Err(ApiError::Conflict(
            "No activation code is pending for this organization; request one first.".into(),
        )),
    }
}

/// Deactivate an organization (Organization Administrators): sending and receiving stop for
/// every identifier and its participant ids are released.
#[utoipa::path(tag = TAG, operation_id = "deactivateOrganization", security(("bearer" = [])), params(("id" = Uuid, Path)), responses((status = OK, body = OrganizationDto), (status = FORBIDDEN, body = ErrorBody), (status = NOT_FOUND, body = ErrorBody)))]
#[post("/organizations/{id}/deactivate")]
async fn deactivate(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
) -> Result<web::Json<OrganizationDto>, ApiError> {
    let (org, role) = authorize(&state, &auth, *path, OrgAction::ManageDetails).await?;
    let audit = NewAuditEvent::new("organization.deactivated", &client_info(&req)).by(&auth.user);
    let updated = state
        .db
        .stop_organization(
            org.id,
            OrgStatus::Deactivated,
            event("deactivated", &auth, None),
            audit,
        )
        .await?;
    Ok(web::Json(dto(&state, &updated, Some(role)).await?))
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MemberDto {
    pub user_id: Uuid,
    pub name: String,
    pub email: String,
    /// `member` or `administrator`.
    pub role: &'static str,
    pub added_at: DateTime<Utc>,
}

impl From<&Member> for MemberDto {
    fn from(m: &Member) -> Self {
        Self {
            user_id: m.user_id,
            name: m.name.clone(),
            email: m.email.clone(),
            role: m.role.as_str(),
            added_at: m.added_at,
        }
    }
}

/// The organization's members.
#[utoipa::path(tag = TAG, operation_id = "listMembers", security(("bearer" = [])), params(("id" = Uuid, Path)), responses((status = OK, body = [MemberDto]), (status = NOT_FOUND, body = ErrorBody)))]
#[get("/organizations/{id}/members")]
async fn list_members(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
) -> Result<web::Json<Vec<MemberDto>>, ApiError> {
    let (org, _) = authorize(&state, &auth, *path, OrgAction::View).await?;
    let members = state.db.list_members(org.id).await?;
    Ok(web::Json(members.iter().map(MemberDto::from).collect()))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AddMemberRequest {
    /// A user of the same environment.
    pub user_id: Uuid,
    /// `member` (default) or `administrator`.
    pub role: Option<String>,
}

fn parse_org_role(value: Option<&str>) -> Result<OrgRole, ApiError> {
    match value {
        None => Ok(OrgRole::Member),
        Some(v) => OrgRole::parse(v).ok_or_else(|| {
            ApiError::Validation(vec![ErrorDetail::field(
                "role",
                "invalid_role",
                "Choose member or administrator.",
            )])
        }),
    }
}

/// Add a user of the environment as member (Organization Administrators).
#[utoipa::path(tag = TAG, operation_id = "addMember", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = AddMemberRequest, responses((status = CREATED, body = MemberDto), (status = BAD_REQUEST, body = ErrorBody), (status = FORBIDDEN, body = ErrorBody), (status = NOT_FOUND, body = ErrorBody), (status = CONFLICT, body = ErrorBody)))]
#[post("/organizations/{id}/members")]
async fn add_member(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
    body: web::Json<AddMemberRequest>,
) -> Result<HttpResponse, ApiError> {
    let (org, _) = authorize(&state, &auth, *path, OrgAction::ManageMembers).await?;
    let role = parse_org_role(body.role.as_deref())?;
    let event = NewAuditEvent::new("organization.member_added", &client_info(&req)).by(&auth.user);
    let member = state
        .db
        .add_member(auth.actor.environment_id, org.id, body.user_id, role, event)
        .await
        .map_err(|e| match e {
            DomainError::NotFound { .. } => ApiError::Validation(vec![ErrorDetail::field(
                "userId",
                "unknown_user",
                "No such user in your environment.",
            )]),
            other => other.into(),
        })?;
    Ok(HttpResponse::Created().json(MemberDto::from(&member)))
}

#[derive(Deserialize, ToSchema)]
pub struct ChangeMemberRequest {
    /// `member` or `administrator`.
    pub role: String,
}

/// Change a member's role (Organization Administrators).
#[utoipa::path(tag = TAG, operation_id = "changeMember", security(("bearer" = [])), params(("id" = Uuid, Path), ("userId" = Uuid, Path)), request_body = ChangeMemberRequest, responses((status = OK, body = MemberDto), (status = BAD_REQUEST, body = ErrorBody), (status = FORBIDDEN, body = ErrorBody), (status = NOT_FOUND, body = ErrorBody)))]
#[patch("/organizations/{id}/members/{userId}")]
async fn change_member(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(Uuid, Uuid)>,
    body: web::Json<ChangeMemberRequest>,
) -> Result<web::Json<MemberDto>, ApiError> {
    let (organization_id, user_id) = path.into_inner();
    let (org, _) = authorize(&state, &auth, organization_id, OrgAction::ManageMembers).await?;
    let role = parse_org_role(Some(&body.role))?;
    let event =
        NewAuditEvent::new("organization.member_changed", &client_info(&req)).by(&auth.user);
    let member = state.db.change_member(org.id, user_id, role, event).await?;
    Ok(web::Json(MemberDto::from(&member)))
}

/// Remove a member (Organization Administrators).
#[utoipa::path(tag = TAG, operation_id = "removeMember", security(("bearer" = [])), params(("id" = Uuid, Path), ("userId" = Uuid, Path)), responses((status = NO_CONTENT), (status = FORBIDDEN, body = ErrorBody), (status = NOT_FOUND, body = ErrorBody)))]
#[delete("/organizations/{id}/members/{userId}")]
async fn remove_member(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (organization_id, user_id) = path.into_inner();
    let (org, _) = authorize(&state, &auth, organization_id, OrgAction::ManageMembers).await?;
    let event =
        NewAuditEvent::new("organization.member_removed", &client_info(&req)).by(&auth.user);
    state.db.remove_member(org.id, user_id, event).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct CandidateQuery {
    /// Part of a name or address.
    pub q: Option<String>,
}

/// Users of the environment who could be added as members (Organization Administrators).
#[utoipa::path(tag = TAG, operation_id = "listMemberCandidates", security(("bearer" = [])), params(("id" = Uuid, Path), CandidateQuery), responses((status = OK, body = [MemberDto]), (status = FORBIDDEN, body = ErrorBody), (status = NOT_FOUND, body = ErrorBody)))]
#[get("/organizations/{id}/member-candidates")]
async fn member_candidates(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
    query: web::Query<CandidateQuery>,
) -> Result<web::Json<Vec<MemberDto>>, ApiError> {
    let (org, _) = authorize(&state, &auth, *path, OrgAction::ManageMembers).await?;
    let members: std::collections::HashSet<Uuid> = state
        .db
        .list_members(org.id)
        .await?
        .into_iter()
        .map(|m| m.user_id)
        .collect();
    let needle = query.q.as_deref().unwrap_or("").trim().to_lowercase();
    let users = state.db.list_users(auth.actor.environment_id).await?;
    Ok(web::Json(
        users
            .iter()
            .filter(|u| !members.contains(&u.id))
            .filter(|u| {
                needle.is_empty()
                    || u.name.to_lowercase().contains(&needle)
                    || u.email.contains(&needle)
            })
            .take(50)
            .map(|u| MemberDto {
                user_id: u.id,
                name: u.name.clone(),
                email: u.email.clone(),
                role: "member",
                added_at: u.created_at,
            })
            .collect(),
    ))
}

/// A participant id the caller may act for.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PartyDto {
    /// `scheme:value`; URL-encode it in paths.
    #[schema(example = "0106:90000001")]
    pub party_id: String,
    pub organization_id: Uuid,
    pub organization_name: String,
    pub send: bool,
    pub receive: bool,
    /// What the caller may do: `view`, `send`, `manage_details`, `manage_members`, `manage_connection_keys`.
    pub permissions: Vec<&'static str>,
}

/// The participant ids the caller may act for: the registered identifiers of the active
/// organizations they can see, with their permissions.
#[utoipa::path(tag = TAG, operation_id = "listMyParties", security(("bearer" = [])), responses((status = OK, body = [PartyDto]), (status = UNAUTHORIZED, body = ErrorBody)))]
#[get("/me/parties")]
async fn my_parties(
    state: web::Data<AppState>,
    auth: Authenticated,
) -> Result<web::Json<Vec<PartyDto>>, ApiError> {
    auth.actor.require(Action::ManageOwnAccount)?;
    let all = auth.actor.role == Role::Administrator;
    let orgs = state
        .db
        .list_organizations(auth.actor.environment_id, auth.user.id, all)
        .await?;
    let mut parties = Vec::new();
    for (org, membership) in orgs
        .into_iter()
        .filter(|(o, _)| o.status == OrgStatus::Active)
    {
        let Some(role) = policy::effective_role(&auth.actor, membership) else {
            continue;
        };
        for identifier in state
            .db
            .list_identifiers(org.id)
            .await?
            .into_iter()
            .filter(|i| i.registered)
        {
            parties.push(PartyDto {
                party_id: identifier.participant_id(),
                organization_id: org.id,
                organization_name: org.statutory_name.clone(),
                send: identifier.send_enabled,
                receive: identifier.receive_enabled,
                permissions: policy::permissions(role),
            });
        }
    }
    Ok(web::Json(parties))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_organizations)
        .service(create_organization)
        .service(get_organization)
        .service(update_organization)
        .service(get_history)
        .service(add_identifier)
        .service(remove_identifier)
        .service(set_switches)
        .service(request_activation)
        .service(enter_code)
        .service(deactivate)
        .service(list_members)
        .service(add_member)
        .service(change_member)
        .service(remove_member)
        .service(member_candidates)
        .service(my_parties);
}
