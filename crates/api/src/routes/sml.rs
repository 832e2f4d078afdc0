//! Where an organization's participant ids are in the SML (Peppol network registration).

use actix_web::{get, web, HttpRequest};
use haven_domain::{
    organizations::{policy::OrgAction, service},
    peppol::registration::{organization_registrations, SmlRegistration, SmlState},
};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::auth::client_info;
use crate::{
    auth::Authenticated,
    error::{ApiError, ErrorBody},
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

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_sml_registrations);
}
