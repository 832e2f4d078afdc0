//! The installation's own Peppol certificates as platform operators see them: what each is
//! for, whose it is, and how long it has left.

use actix_web::{get, web, HttpRequest};
use chrono::{DateTime, Utc};
use haven_domain::peppol::certificates::{
    certificates_for_operator, CertificatePurpose, CertificateStatus, ExpiryState,
};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::auth::client_info;
use crate::{
    auth::Authenticated,
    error::{ApiError, ErrorBody},
    state::AppState,
};

const TAG: &str = "operator";

/// One certificate of the installation.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CertificateDto {
    pub purpose: CertificatePurpose,
    /// The subject's distinguished name (the access point's CN is its seat id).
    pub subject: String,
    pub issuer: String,
    /// Hexadecimal.
    pub serial_number: String,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
    pub state: ExpiryState,
    /// Whole days until `notAfter`; negative once it has passed.
    pub days_left: i64,
}

impl From<CertificateStatus> for CertificateDto {
    fn from(status: CertificateStatus) -> Self {
        let c = status.certificate;
        Self {
            purpose: c.purpose,
            subject: c.subject,
            issuer: c.issuer,
            serial_number: c.serial_number,
            not_before: c.not_before,
            not_after: c.not_after,
            state: status.state,
            days_left: status.days_left,
        }
    }
}

/// The installation's certificates: at most one per purpose, so never more than a page.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CertificateList {
    /// Empty when no access point or SMP is configured.
    pub items: Vec<CertificateDto>,
    /// Days before the end from which a certificate counts as expiring soon.
    pub warning_days: i64,
}

/// The access point's and the SMP's certificates with their expiry (platform operators only).
#[utoipa::path(
    tag = TAG,
    operation_id = "listCertificates",
    security(("bearer" = [])),
    responses(
        (status = OK, body = CertificateList),
        (status = UNAUTHORIZED, body = ErrorBody),
        (status = FORBIDDEN, description = "Two-factor authentication is required first.", body = ErrorBody),
        (status = NOT_FOUND, description = "Not an operator.", body = ErrorBody),
    )
)]
#[get("/operator/certificates")]
async fn list_certificates(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
) -> Result<web::Json<CertificateList>, ApiError> {
    let client = client_info(&req);
    let statuses = certificates_for_operator(
        &state.operators,
        &auth.caller(&client),
        &state.certificates.load(),
        Utc::now(),
        state.certificate_warning,
    )?;
    Ok(web::Json(CertificateList {
        items: statuses.into_iter().map(CertificateDto::from).collect(),
        warning_days: state.certificate_warning.num_days(),
    }))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_certificates);
}
