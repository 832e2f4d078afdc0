//! Organizations: add (from the business register), identifiers with Send/Receive switches,
//! activation, members, and the participant ids a caller may act for.

use actix_web::{delete, get, patch, post, put, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use haven_domain::{
    accounts::Action,
    organizations::{
        identifiers::IdentifierKind,
        policy::{self, OrgAction, OrgRole},
        records::{
            ActivationMethod, Address, Member, OrgEvent, OrgEventKind, OrgIdentifier, OrgStatus,
            Organization,
        },
        service::{self, AddOrganization, OrganizationView},
        store::OrganizationChange,
    },
    peppol::document_types::InvoiceDocumentType,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use super::auth::client_info;
use super::paging::{page_of, PageParams};
use crate::extractors::JsonBody;
use crate::{
    auth::Authenticated,
    error::{validate_body, ApiError, ErrorBody, ErrorDetail},
    state::AppState,
};

const TAG: &str = "organizations";

page_of!(
    OrganizationPage,
    OrganizationDto,
    "One page of organizations, by statutory name."
);
page_of!(
    OrgEventPage,
    OrgEventDto,
    "One page of an organization's status history, newest first."
);
page_of!(
    MemberPage,
    MemberDto,
    "One page of an organization's members, by name."
);

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
    #[schema(value_type = IdentifierKind)]
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
    pub status: OrgStatus,
    /// Whether its receiving participant ids are listed in the Peppol Directory.
    pub directory_listed: bool,
    /// How activation was requested, while it is.
    pub activation_method: Option<ActivationMethod>,
    /// The caller's role here (environment Administrators act as `administrator` everywhere).
    pub my_role: Option<OrgRole>,
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
            status: org.status,
            directory_listed: org.directory_listed,
            activation_method: org.activation_method,
            my_role: role,
            identifiers: identifiers.iter().map(IdentifierDto::from).collect(),
            created_at: org.created_at,
        }
    }
}

impl From<OrganizationView> for OrganizationDto {
    fn from(v: OrganizationView) -> Self {
        Self::new(&v.organization, v.role, &v.identifiers)
    }
}

/// The organizations the caller can see: all of the environment for its Administrators,
/// otherwise those they are a member of.
#[utoipa::path(tag = TAG, operation_id = "listOrganizations", security(("bearer" = [])), params(PageParams), responses((status = OK, body = OrganizationPage), (status = UNAUTHORIZED, body = ErrorBody)))]
#[get("/organizations")]
async fn list_organizations(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    page: web::Query<PageParams>,
) -> Result<web::Json<OrganizationPage>, ApiError> {
    let client = client_info(&req);
    let query = page.into_inner().into();
    let views = service::list_organizations(&state.db, &auth.caller(&client), &query).await?;
    Ok(web::Json(OrganizationPage::from_page(
        views,
        OrganizationDto::from,
    )))
}

#[derive(Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase")]
pub struct IdentifierInput {
    #[schema(value_type = IdentifierKind, example = "oin")]
    pub kind: String,
    /// As people paste it: spaces, dots and a spreadsheet's leading apostrophe are removed.
    #[schema(example = "00000001234567890000")]
    #[validate(length(max = 100))]
    #[schema(max_length = 100)]
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
    #[schema(max_length = 200)]
    pub statutory_name: Option<String>,
    #[serde(default)]
    pub trade_names: Vec<String>,
    pub address: Option<AddressDto>,
    /// ISO 3166-1 alpha-2; default `NL`.
    #[schema(example = "NL")]
    pub country: Option<String>,
    #[validate(length(max = 100))]
    #[schema(max_length = 100)]
    pub contact_name: Option<String>,
    #[validate(length(max = 254))]
    #[schema(max_length = 254)]
    #[schema(format = Email)]
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
    body: JsonBody<CreateOrganizationRequest>,
) -> Result<HttpResponse, ApiError> {
    auth.actor.require(Action::ManageEnvironment)?;
    validate_body(&*body)?;
    let body = body.into_inner();
    let input = AddOrganization {
        kvk_number: body.kvk_number,
        statutory_name: body.statutory_name,
        trade_names: body.trade_names,
        address: body.address.map(Address::from),
        country: body.country,
        contact_name: body.contact_name,
        contact_email: body.contact_email,
        identifiers: body.identifiers.into_iter().map(Into::into).collect(),
    };
    let client = client_info(&req);
    let view = service::add_organization(
        &state.db,
        &state.registry,
        &state.organization_settings,
        &auth.caller(&client),
        input,
    )
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            "Location",
            format!("/api/v1/organizations/{}", view.organization.id),
        ))
        .json(OrganizationDto::from(view)))
}

impl From<IdentifierInput> for service::IdentifierInput {
    fn from(i: IdentifierInput) -> Self {
        Self {
            kind: i.kind,
            value: i.value,
            scheme: i.scheme,
        }
    }
}

/// One organization with its identifiers.
#[utoipa::path(tag = TAG, operation_id = "getOrganization", security(("bearer" = [])), params(("id" = Uuid, Path)), responses((status = OK, body = OrganizationDto), (status = NOT_FOUND, body = ErrorBody)))]
#[get("/organizations/{id}")]
async fn get_organization(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
) -> Result<web::Json<OrganizationDto>, ApiError> {
    let client = client_info(&req);
    let org = service::authorize(&state.db, &auth.caller(&client), *path, OrgAction::View).await?;
    let view = service::get_organization(&state.db, &org).await?;
    Ok(web::Json(view.into()))
}

#[derive(Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase")]
pub struct UpdateOrganizationRequest {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub statutory_name: Option<String>,
    pub trade_names: Option<Vec<String>>,
    pub address: Option<AddressDto>,
    #[validate(length(max = 100))]
    #[schema(max_length = 100)]
    pub contact_name: Option<String>,
    #[validate(length(max = 254))]
    #[schema(max_length = 254)]
    #[schema(format = Email)]
    pub contact_email: Option<String>,
    /// List the organization's receiving participant ids in the Peppol Directory (its
    /// business card is published and the Directory told).
    pub directory_listed: Option<bool>,
}

/// Change an organization's details (Organization Administrators).
#[utoipa::path(tag = TAG, operation_id = "updateOrganization", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = UpdateOrganizationRequest, responses((status = OK, body = OrganizationDto), (status = BAD_REQUEST, body = ErrorBody), (status = FORBIDDEN, body = ErrorBody), (status = NOT_FOUND, body = ErrorBody)))]
#[patch("/organizations/{id}")]
async fn update_organization(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
    body: JsonBody<UpdateOrganizationRequest>,
) -> Result<web::Json<OrganizationDto>, ApiError> {
    let client = client_info(&req);
    let caller = auth.caller(&client);
    // Who may change it is answered before what is wrong with the change.
    let org = service::authorize(&state.db, &caller, *path, OrgAction::ManageDetails).await?;
    validate_body(&*body)?;
    let body = body.into_inner();
    let change = OrganizationChange {
        statutory_name: body.statutory_name,
        trade_names: body.trade_names,
        address: body.address.map(Address::from),
        contact_name: body.contact_name.map(Some),
        contact_email: body.contact_email.map(Some),
        directory_listed: body.directory_listed,
        document_types: None,
        directory_details: None,
    };
    let view = service::update_organization(&state.db, &caller, &org, change).await?;
    Ok(web::Json(view.into()))
}

/// The invoice document types an organization receives on its receiving participant ids.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PeppolDocumentTypes {
    /// The chosen types, at least one. Haven's SMP publishes exactly these (and the Peppol
    /// Invoice Response 3.0, which is always published), and only these are taken over Peppol
    /// and from organizations on this installation. Until chosen: BIS Billing 3.0 invoice and
    /// credit note, plus the SI-UBL 2.0 (NLCIUS) invoice and credit note for a Dutch
    /// organization.
    #[schema(min_items = 1, max_items = 5)]
    pub document_types: Vec<InvoiceDocumentType>,
}

/// The invoice document types the organization is to receive.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SetPeppolDocumentTypes {
    /// At least one; each type once (repeats are ignored).
    #[serde(default)]
    #[schema(min_items = 1, max_items = 5)]
    pub document_types: Vec<InvoiceDocumentType>,
}

/// The Peppol document types the organization receives.
#[utoipa::path(tag = TAG, operation_id = "getPeppolDocumentTypes", security(("bearer" = [])), params(("id" = Uuid, Path)), responses((status = OK, body = PeppolDocumentTypes), (status = NOT_FOUND, description = "No such organization for the caller.", body = ErrorBody)))]
#[get("/organizations/{id}/peppol-document-types")]
async fn get_document_types(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
) -> Result<web::Json<PeppolDocumentTypes>, ApiError> {
    let client = client_info(&req);
    let org = service::authorize(&state.db, &auth.caller(&client), *path, OrgAction::View).await?;
    Ok(web::Json(PeppolDocumentTypes {
        document_types: service::document_types(&org)?,
    }))
}

/// Choose the Peppol document types the organization receives (Organization Administrators).
/// The SMP publishes the new set at once and the Peppol Directory is told again.
#[utoipa::path(tag = TAG, operation_id = "setPeppolDocumentTypes", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = SetPeppolDocumentTypes, responses((status = OK, body = PeppolDocumentTypes), (status = BAD_REQUEST, description = "No type chosen (`documentTypes`), an unknown type, or another field.", body = ErrorBody), (status = FORBIDDEN, description = "The caller may see the organization but not change it.", body = ErrorBody), (status = NOT_FOUND, description = "No such organization for the caller.", body = ErrorBody)))]
#[put("/organizations/{id}/peppol-document-types")]
async fn set_document_types(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
    body: JsonBody<SetPeppolDocumentTypes>,
) -> Result<web::Json<PeppolDocumentTypes>, ApiError> {
    let client = client_info(&req);
    let caller = auth.caller(&client);
    // Who may change it is answered before what is wrong with the change.
    let org = service::authorize(&state.db, &caller, *path, OrgAction::ManageDetails).await?;
    let types = body.into_inner().document_types;
    let document_types = service::set_document_types(&state.db, &caller, &org, types).await?;
    Ok(web::Json(PeppolDocumentTypes { document_types }))
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrgEventDto {
    pub event: OrgEventKind,
    /// The status the organization had after the event.
    pub status: OrgStatus,
    pub actor_email: Option<String>,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<&OrgEvent> for OrgEventDto {
    fn from(e: &OrgEvent) -> Self {
        Self {
            event: e.event,
            status: e.status,
            actor_email: e.actor_email.clone(),
            note: e.note.clone(),
            created_at: e.created_at,
        }
    }
}

/// The organization's status history, oldest first.
#[utoipa::path(tag = TAG, operation_id = "getOrganizationHistory", security(("bearer" = [])), params(("id" = Uuid, Path), PageParams), responses((status = OK, body = OrgEventPage), (status = NOT_FOUND, body = ErrorBody)))]
#[get("/organizations/{id}/history")]
async fn get_history(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
    page: web::Query<PageParams>,
) -> Result<web::Json<OrgEventPage>, ApiError> {
    let client = client_info(&req);
    let org = service::authorize(&state.db, &auth.caller(&client), *path, OrgAction::View).await?;
    let events = service::history(&state.db, &org, &page.into_inner().into()).await?;
    Ok(web::Json(OrgEventPage::from_page(events, |e| {
        OrgEventDto::from(&e)
    })))
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
    body: JsonBody<IdentifierInput>,
) -> Result<HttpResponse, ApiError> {
    let client = client_info(&req);
    let caller = auth.caller(&client);
    let org = service::authorize(&state.db, &caller, *path, OrgAction::ManageDetails).await?;
    validate_body(&*body)?;
    let added = service::add_identifier(&state.db, &caller, &org, body.into_inner().into()).await?;
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
    let client = client_info(&req);
    let caller = auth.caller(&client);
    let org = service::authorize(
        &state.db,
        &caller,
        organization_id,
        OrgAction::ManageDetails,
    )
    .await?;
    service::remove_identifier(&state.db, &caller, &org, identifier_id).await?;
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
    body: JsonBody<SwitchesRequest>,
) -> Result<web::Json<IdentifierDto>, ApiError> {
    let (organization_id, identifier_id) = path.into_inner();
    let client = client_info(&req);
    let caller = auth.caller(&client);
    let org = service::authorize(
        &state.db,
        &caller,
        organization_id,
        OrgAction::ManageDetails,
    )
    .await?;
    let identifier = service::set_identifier_switches(
        &state.db,
        &state.db,
        &state.organization_settings,
        &caller,
        &org,
        identifier_id,
        service::Switches {
            send: body.send,
            receive: body.receive,
        },
    )
    .await?;
    Ok(web::Json(IdentifierDto::from(&identifier)))
}

#[derive(Deserialize, ToSchema)]
pub struct ActivationRequest {
    /// `email_code`: a code goes to the contact address the business register has on file;
    /// `operator_review`: a platform operator checks the register data against what was entered.
    #[schema(value_type = ActivationMethod, example = "email_code")]
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
    body: JsonBody<ActivationRequest>,
) -> Result<web::Json<OrganizationDto>, ApiError> {
    let client = client_info(&req);
    let caller = auth.caller(&client);
    let org = service::authorize(&state.db, &caller, *path, OrgAction::ManageDetails).await?;
    let method = ActivationMethod::parse(&body.method).ok_or_else(|| {
        ApiError::Validation(vec![ErrorDetail::field(
            "method",
            "invalid_method",
            "Choose email_code or operator_review.",
        )])
    })?;
    let view =
        service::request_activation(&state.db, &state.registry, &caller, &org, method).await?;
    Ok(web::Json(view.into()))
}

#[derive(Deserialize, ToSchema, Validate)]
pub struct ActivationCodeRequest {
    #[schema(example = "123456")]
    #[validate(length(max = 12))]
    #[schema(max_length = 12)]
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
    body: JsonBody<ActivationCodeRequest>,
) -> Result<web::Json<OrganizationDto>, ApiError> {
    let client = client_info(&req);
    let caller = auth.caller(&client);
    let org = service::authorize(&state.db, &caller, *path, OrgAction::ManageDetails).await?;
    validate_body(&*body)?;
    let view = service::enter_activation_code(&state.db, &caller, &org, &body.code).await?;
    Ok(web::Json(view.into()))
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
    let client = client_info(&req);
    let caller = auth.caller(&client);
    let org = service::authorize(&state.db, &caller, *path, OrgAction::ManageDetails).await?;
    let view = service::deactivate(&state.db, &caller, &org).await?;
    Ok(web::Json(view.into()))
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MemberDto {
    pub user_id: Uuid,
    pub name: String,
    pub email: String,
    pub role: OrgRole,
    pub added_at: DateTime<Utc>,
}

impl From<&Member> for MemberDto {
    fn from(m: &Member) -> Self {
        Self {
            user_id: m.user_id,
            name: m.name.clone(),
            email: m.email.clone(),
            role: m.role,
            added_at: m.added_at,
        }
    }
}

/// The organization's members.
#[utoipa::path(tag = TAG, operation_id = "listMembers", security(("bearer" = [])), params(("id" = Uuid, Path), PageParams), responses((status = OK, body = MemberPage), (status = NOT_FOUND, body = ErrorBody)))]
#[get("/organizations/{id}/members")]
async fn list_members(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
    page: web::Query<PageParams>,
) -> Result<web::Json<MemberPage>, ApiError> {
    let client = client_info(&req);
    let org = service::authorize(&state.db, &auth.caller(&client), *path, OrgAction::View).await?;
    let members = service::list_members(&state.db, &org, &page.into_inner().into()).await?;
    Ok(web::Json(MemberPage::from_page(members, |m| {
        MemberDto::from(&m)
    })))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AddMemberRequest {
    /// A user of the same environment.
    pub user_id: Uuid,
    /// Default `member`.
    #[schema(value_type = Option<OrgRole>)]
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
    body: JsonBody<AddMemberRequest>,
) -> Result<HttpResponse, ApiError> {
    let client = client_info(&req);
    let caller = auth.caller(&client);
    let org = service::authorize(&state.db, &caller, *path, OrgAction::ManageMembers).await?;
    let role = parse_org_role(body.role.as_deref())?;
    let member = service::add_member(&state.db, &caller, &org, body.user_id, role).await?;
    Ok(HttpResponse::Created().json(MemberDto::from(&member)))
}

#[derive(Deserialize, ToSchema)]
pub struct ChangeMemberRequest {
    #[schema(value_type = OrgRole)]
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
    body: JsonBody<ChangeMemberRequest>,
) -> Result<web::Json<MemberDto>, ApiError> {
    let (organization_id, user_id) = path.into_inner();
    let client = client_info(&req);
    let caller = auth.caller(&client);
    let org = service::authorize(
        &state.db,
        &caller,
        organization_id,
        OrgAction::ManageMembers,
    )
    .await?;
    let role = parse_org_role(Some(&body.role))?;
    let member = service::change_member(&state.db, &caller, &org, user_id, role).await?;
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
    let client = client_info(&req);
    let caller = auth.caller(&client);
    let org = service::authorize(
        &state.db,
        &caller,
        organization_id,
        OrgAction::ManageMembers,
    )
    .await?;
    service::remove_member(&state.db, &caller, &org, user_id).await?;
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
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
    query: web::Query<CandidateQuery>,
) -> Result<web::Json<Vec<MemberDto>>, ApiError> {
    let client = client_info(&req);
    let caller = auth.caller(&client);
    let org = service::authorize(&state.db, &caller, *path, OrgAction::ManageMembers).await?;
    let users =
        service::member_candidates(&state.db, &state.db, &caller, &org, query.q.as_deref()).await?;
    Ok(web::Json(
        users
            .iter()
            .map(|u| MemberDto {
                user_id: u.id,
                name: u.name.clone(),
                email: u.email.clone(),
                role: OrgRole::Member,
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
    /// What the caller may do: `view`, `send`, `manage_details`, `manage_members`, `manage_connection_keys`, `manage_hooks`.
    pub permissions: Vec<&'static str>,
    /// A client's organization, reached through partner access (never `manage_members` or
    /// `manage_hooks`).
    // `default` keeps it optional in the spec: older clients and their fixtures lack it.
    #[serde(default)]
    pub partner: bool,
}

/// The participant ids the caller may act for: the registered identifiers of the active
/// organizations they can see, with their permissions.
#[utoipa::path(tag = TAG, operation_id = "listMyParties", security(("bearer" = [])), responses((status = OK, body = [PartyDto]), (status = UNAUTHORIZED, body = ErrorBody)))]
#[get("/me/parties")]
async fn my_parties(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
) -> Result<web::Json<Vec<PartyDto>>, ApiError> {
    let client = client_info(&req);
    let parties = service::my_parties(&state.db, &auth.caller(&client)).await?;
    Ok(web::Json(
        parties
            .into_iter()
            .map(|p| PartyDto {
                party_id: p.identifier.participant_id(),
                organization_id: p.organization_id,
                organization_name: p.organization_name,
                send: p.identifier.send_enabled,
                receive: p.identifier.receive_enabled,
                permissions: policy::permissions(p.role)
                    .into_iter()
                    .filter(|permission| {
                        !p.partner || !matches!(*permission, "manage_members" | "manage_hooks")
                    })
                    .collect(),
                partner: p.partner,
            })
            .collect(),
    ))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_organizations)
        .service(create_organization)
        .service(get_organization)
        .service(update_organization)
        .service(get_document_types)
        .service(set_document_types)
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
