//! What an organization adds to its Peppol Directory business card.

use actix_web::{get, put, web, HttpRequest};
use haven_domain::{
    organizations::{policy::OrgAction, service},
    peppol::directory_details::{self, DirectoryContact, DirectoryDetails, LocalizedName},
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::auth::client_info;
use crate::{
    auth::Authenticated,
    error::{ApiError, ErrorBody},
    extractors::JsonBody,
    state::AppState,
};

const TAG: &str = "organizations";

/// An ISO 639-1 language code; the closed set is the standard's list, kept in the domain.
pub struct LanguageCode;

impl utoipa::PartialSchema for LanguageCode {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some("ISO 639-1, two lower-case letters."))
            .enum_values(Some(directory_details::language_codes()))
            .into()
    }
}

impl ToSchema for LanguageCode {}

/// The organization's name in another language.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = OtherName)]
pub struct OtherNameDto {
    /// ISO 639-1.
    #[schema(value_type = LanguageCode, example = "en")]
    pub language: String,
    #[schema(example = "Example Installations Ltd.", max_length = 200)]
    pub name: String,
}

/// A public contact point: at least one of `name`, `phone` and `email`.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = DirectoryContact)]
pub struct DirectoryContactDto {
    /// What it is for, in the organization's words.
    #[schema(example = "Invoices", max_length = 200)]
    pub purpose: Option<String>,
    #[schema(max_length = 200)]
    pub name: Option<String>,
    #[schema(example = "+31 20 123 4567", max_length = 50)]
    pub phone: Option<String>,
    #[schema(example = "facturen@example.nl", max_length = 254)]
    pub email: Option<String>,
}

/// What the organization adds to its Peppol Directory business card, next to its statutory
/// name, country, address and identifiers, which Haven writes there itself.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = DirectoryDetails)]
pub struct DirectoryDetailsDto {
    /// Its name in other languages, one per language.
    #[serde(default)]
    #[schema(max_items = 5)]
    pub other_names: Vec<OtherNameDto>,
    /// Web addresses (`https://…`; a bare `www.example.nl` gets `https://`).
    #[serde(default)]
    #[schema(max_items = 5, example = json!(["https://www.example.nl"]))]
    pub websites: Vec<String>,
    #[serde(default)]
    #[schema(max_items = 5)]
    pub contacts: Vec<DirectoryContactDto>,
    /// Anything else senders should know, shown as it is written.
    #[schema(max_length = 1000)]
    pub additional_information: Option<String>,
}

impl From<DirectoryDetails> for DirectoryDetailsDto {
    fn from(d: DirectoryDetails) -> Self {
        Self {
            other_names: d
                .other_names
                .into_iter()
                .map(|n| OtherNameDto {
                    language: n.language,
                    name: n.name,
                })
                .collect(),
            websites: d.websites,
            contacts: d
                .contacts
                .into_iter()
                .map(|c| DirectoryContactDto {
                    purpose: c.purpose,
                    name: c.name,
                    phone: c.phone,
                    email: c.email,
                })
                .collect(),
            additional_information: d.additional_information,
        }
    }
}

impl From<DirectoryDetailsDto> for DirectoryDetails {
    fn from(d: DirectoryDetailsDto) -> Self {
        Self {
            other_names: d
                .other_names
                .into_iter()
                .map(|n| LocalizedName {
                    language: n.language,
                    name: n.name,
                })
                .collect(),
            websites: d.websites,
            contacts: d
                .contacts
                .into_iter()
                .map(|c| DirectoryContact {
                    purpose: c.purpose,
                    name: c.name,
                    phone: c.phone,
                    email: c.email,
                })
                .collect(),
            additional_information: d.additional_information,
        }
    }
}

/// What the organization adds to its Peppol Directory business card.
#[utoipa::path(tag = TAG, operation_id = "getDirectoryDetails", security(("bearer" = [])), params(("id" = Uuid, Path)), responses((status = OK, body = DirectoryDetailsDto), (status = NOT_FOUND, description = "No such organization for the caller.", body = ErrorBody)))]
#[get("/organizations/{id}/directory-details")]
async fn get_directory_details(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
) -> Result<web::Json<DirectoryDetailsDto>, ApiError> {
    let client = client_info(&req);
    let org = service::authorize(&state.db, &auth.caller(&client), *path, OrgAction::View).await?;
    Ok(web::Json(service::directory_details(&org)?.into()))
}

/// Replace what the organization adds to its Peppol Directory business card (Organization
/// Administrators). Haven's SMP serves the new card at once and, while the organization is
/// listed, the Peppol Directory is told to read it again.
#[utoipa::path(tag = TAG, operation_id = "setDirectoryDetails", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = DirectoryDetailsDto, responses((status = OK, body = DirectoryDetailsDto), (status = BAD_REQUEST, description = "`validation_failed`, naming each field in error (`websites[0]`, `contacts[1].email`, `otherNames[0].language`), or an unknown field.", body = ErrorBody), (status = FORBIDDEN, description = "The caller may see the organization but not change it.", body = ErrorBody), (status = NOT_FOUND, description = "No such organization for the caller.", body = ErrorBody)))]
#[put("/organizations/{id}/directory-details")]
async fn set_directory_details(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
    body: JsonBody<DirectoryDetailsDto>,
) -> Result<web::Json<DirectoryDetailsDto>, ApiError> {
    let client = client_info(&req);
    let caller = auth.caller(&client);
    // Who may change it is answered before what is wrong with the change.
    let org = service::authorize(&state.db, &caller, *path, OrgAction::ManageDetails).await?;
    let details =
        service::set_directory_details(&state.db, &caller, &org, body.into_inner().into()).await?;
    Ok(web::Json(details.into()))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_directory_details)
        .service(set_directory_details);
}
