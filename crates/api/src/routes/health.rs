//! Liveness and readiness, for load balancers and orchestrators.

use actix_web::{get, web, HttpResponse};
use haven_domain::installation::StoreHealth;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::{error::ApiError, state::AppState};

const TAG: &str = "health";

#[derive(Serialize, ToSchema)]
pub struct HealthStatus {
    /// `ok` from liveness, `ready` from readiness.
    pub status: Health,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Health {
    Ok,
    Ready,
}

/// Liveness: the process is up and serving HTTP.
///
/// Answers 200 as long as the server runs; it does not touch the database.
#[utoipa::path(tag = TAG, operation_id = "health", responses((status = OK, body = HealthStatus)))]
#[get("/health")]
async fn health() -> web::Json<HealthStatus> {
    web::Json(HealthStatus { status: Health::Ok })
}

/// Readiness: the database answers.
///
/// Answers 503 with the error body while the database cannot be reached.
#[utoipa::path(
    tag = TAG,
    operation_id = "ready",
    responses(
        (status = OK, body = HealthStatus),
        (status = SERVICE_UNAVAILABLE, body = crate::error::ErrorBody),
    )
)]
#[get("/ready")]
async fn ready(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    match state.db.ping().await {
        Ok(()) => Ok(HttpResponse::Ok().json(HealthStatus {
            status: Health::Ready,
        })),
        Err(err) => {
            tracing::warn!(error.cause_chain = ?err, "readiness check failed");
            Err(ApiError::Unavailable)
        }
    }
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(health).service(ready);
}
