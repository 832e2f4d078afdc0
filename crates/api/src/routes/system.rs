//! Facts about this installation that clients show (version, database kind).

use actix_web::{get, web};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use haven_domain::organizations::{
    records::ActivationMethod, registry::offered_activation_methods,
};
use haven_persistence::Backend;

use crate::state::AppState;

const TAG: &str = "system";

/// What is running here.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SystemInfo {
    #[schema(example = "Haven")]
    pub name: &'static str,
    /// Version of the server.
    #[schema(example = "0.1.0")]
    pub version: &'static str,
    /// The database engine in use.
    pub database: DatabaseKind,
    /// How organizations can be activated here. Without `email_code` the business register
    /// shares no contact addresses (the real KvK API), and operator review is the route.
    pub activation_methods: Vec<ActivationMethod>,
    /// Identifies this deployment; stable across restarts and shared by every instance.
    #[schema(example = "0f9a3c1e-8f2b-4d6a-9a55-7b2c1e0d4f11")]
    pub installation_id: uuid::Uuid,
}

/// The database engines Haven runs on.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DatabaseKind {
    Sqlite,
    Postgres,
}

/// Server version and installation facts.
#[utoipa::path(tag = TAG, operation_id = "getSystemInfo", responses((status = OK, body = SystemInfo)))]
#[get("/system/info")]
async fn get_system_info(state: web::Data<AppState>) -> web::Json<SystemInfo> {
    web::Json(SystemInfo {
        name: "Haven",
        version: env!("CARGO_PKG_VERSION"),
        database: match state.db.backend() {
            Backend::Sqlite => DatabaseKind::Sqlite,
            Backend::Postgres => DatabaseKind::Postgres,
        },
        activation_methods: offered_activation_methods(&state.registry),
        installation_id: state.installation.id,
    })
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_system_info);
}
