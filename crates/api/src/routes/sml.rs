//! Where an organization's participant ids are in the SML (Peppol network registration).

use actix_web::{get, post, web, HttpRequest};
use haven_domain::{
    organizations::{policy::OrgAction, service},
    peppol::{
        migration,
        registration::{organization_registrations, SmlRegistration, SmlState},
    },
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

/// One participant id's registration in the SML.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = SmlRegistration)]
pub struct SmlRegistrationDto {
    /// `scheme:value`, lower case.
    pub participant_id: String,
    /// `registered`; `pending` (queued or being retried); `failed` (see `reason`);
    /// `not_registering` (this installation does not register with the SML).
    pub state: SmlState,
    /// Why it failed, or why the last attempt did.
    pub reason: Option<String>,
}

impl From<SmlRegistration> for SmlRegistrationDto {
    fn from(r: SmlRegistration) -> Self {
        Self {
            participant_id: r.participant_id,
            state: r.state,
            reason: r.reason,
        }
    }
}

/// The SML registrations of an organization's receiving participant ids.
#[derive(Serialize, ToSchema)]
#[schema(as = SmlRegistrations)]
pub struct SmlRegistrationsDto {
    pub items: Vec<SmlRegistrationDto>,
}

/// Where the participant ids this organization receives on are in the SML: the Peppol
/// network finds them only once they are registered.
#[utoipa::path(tag = TAG, operation_id = "getSmlRegistrations", security(("bearer" = [])), params(("id" = Uuid, Path)), responses((status = OK, body = SmlRegistrationsDto), (status = NOT_FOUND, body = ErrorBody)))]
#[get("/organizations/{id}/sml-registrations")]
async fn get_sml_registrations(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
) -> Result<web::Json<SmlRegistrationsDto>, ApiError> {
    let client = client_info(&req);
    let org = service::authorize(&state.db, &auth.caller(&client), *path, OrgAction::View).await?;
    let items =
        organization_registrations(&state.db, &state.db, &org, state.sml_registration).await?;
    Ok(web::Json(SmlRegistrationsDto {
        items: items.into_iter().map(Into::into).collect(),
    }))
}

/// A migration key for another Peppol provider.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = MigrationKey)]
pub struct MigrationKeyDto {
    /// `scheme:value`, lower case.
    pub participant_id: String,
    /// Give this to the new provider: with it their SMP takes the participant id over in the
    /// SML. Shown once; Haven does not keep it.
    pub migration_key: String,
}

/// Let another Peppol provider take this participant id over (Organization Administrators).
///
/// Sets a new migration key in the SML for the identifier, which Haven's SMP must have
/// registered, and answers it once. Until the new provider presents it, nothing changes:
/// documents keep arriving here.
#[utoipa::path(tag = TAG, operation_id = "createMigrationKey", security(("bearer" = [])), params(("id" = Uuid, Path), ("identifierId" = Uuid, Path)), responses((status = OK, body = MigrationKeyDto), (status = FORBIDDEN, body = ErrorBody), (status = NOT_FOUND, body = ErrorBody, description = "No such organization, or the identifier is not its participant id"), (status = CONFLICT, body = ErrorBody, description = "`sml_registration_off`, or `sml_not_registered`: the participant id is not registered in the SML under Haven's SMP"), (status = SERVICE_UNAVAILABLE, body = ErrorBody, description = "The SML cannot be reached")))]
#[post("/organizations/{id}/identifiers/{identifierId}/migration-key")]
async fn create_migration_key(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<web::Json<MigrationKeyDto>, ApiError> {
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
    let created = migration::create_migration_key(
        &state.db,
        &state.db,
        state.sml_client().as_deref(),
        &caller,
        &org,
        identifier_id,
    )
    .await?;
    Ok(web::Json(MigrationKeyDto {
        participant_id: created.participant_id,
        migration_key: created.key,
    }))
}

/// The key another provider gave to move a participant id here.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MigrationRequest {
    /// 8 to 24 characters: at least two capitals, two lower case letters, two digits and two
    /// of `@#$%()[]{}*^_-!~|+=`.
    #[schema(example = "aB3$dE6%gH9!")]
    pub migration_key: String,
}

/// Move this participant id here from another Peppol provider (Organization Administrators).
///
/// Presents the migration key the previous provider set in the SML; afterwards the SML
/// points senders at Haven's SMP. The organization must be active with Send or Receive on for
/// the identifier.
#[utoipa::path(tag = TAG, operation_id = "migrateIdentifier", security(("bearer" = [])), params(("id" = Uuid, Path), ("identifierId" = Uuid, Path)), request_body = MigrationRequest, responses((status = OK, body = SmlRegistrationDto), (status = FORBIDDEN, body = ErrorBody), (status = NOT_FOUND, body = ErrorBody, description = "No such organization, or the identifier is not its participant id"), (status = CONFLICT, body = ErrorBody, description = "`sml_registration_off`, or `identifier_not_on_peppol`: Haven does not publish the participant id"), (status = BAD_REQUEST, body = ErrorBody, description = "`validation_failed`: `migrationKey` does not follow the SML's rule (`format`) or the SML did not accept it (`rejected`)"), (status = SERVICE_UNAVAILABLE, body = ErrorBody, description = "The SML cannot be reached")))]
#[post("/organizations/{id}/identifiers/{identifierId}/migration")]
async fn migrate_identifier(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(Uuid, Uuid)>,
    body: JsonBody<MigrationRequest>,
) -> Result<web::Json<SmlRegistrationDto>, ApiError> {
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
    let participant_id = migration::migrate_in(
        &state.db,
        &state.db,
        state.sml_client().as_deref(),
        &caller,
        &org,
        identifier_id,
        &body.migration_key,
    )
    .await?;
    Ok(web::Json(SmlRegistrationDto {
        participant_id,
        state: SmlState::Registered,
        reason: None,
    }))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_sml_registrations)
        .service(create_migration_key)
        .service(migrate_identifier);
}
