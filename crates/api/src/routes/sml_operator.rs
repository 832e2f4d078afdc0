//! The SML as platform operators look after it: the SML's list of participant ids under
//! Haven's SMP compared with Haven's records, its repair, and announcing the next SMP
//! certificate (`PrepareChangeCertificate`).

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use haven_domain::peppol::{
    certificates::CertificatePurpose,
    sml_comparison::{self, CappedList, SmlComparison, SmlRepair},
    smp_certificate::{self, Announcement},
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::auth::client_info;
use crate::{
    auth::Authenticated,
    error::{ApiError, ErrorBody},
    extractors::JsonBody,
    state::AppState,
};

const TAG: &str = "operator";

/// Participant ids (`scheme:value`, lower case, sorted): at most the first 100, and how many
/// there are in all.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ParticipantIdList {
    #[schema(max_items = 100)]
    pub items: Vec<String>,
    pub total: usize,
}

impl From<CappedList> for ParticipantIdList {
    fn from(list: CappedList) -> Self {
        Self {
            items: list.items,
            total: list.total,
        }
    }
}

/// The SML's list of participant ids under Haven's SMP id against Haven's records.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SmlComparisonDto {
    /// Participant ids the SML lists under Haven's SMP id.
    pub in_sml: usize,
    /// Of those, the ones Haven publishes: in agreement.
    pub in_agreement: usize,
    /// Listed by the SML under Haven's SMP id but not published here: a repair deletes them.
    pub only_in_sml: ParticipantIdList,
    /// Recorded as registered here but not in the SML's list, and no migration key was made
    /// here: a repair creates them again (or forgets those no longer published).
    pub missing: ParticipantIdList,
    /// Recorded as registered here but not in the SML's list after a migration key was made
    /// here: another provider took them over. A repair marks them `moved`.
    pub moved: ParticipantIdList,
}

impl From<SmlComparison> for SmlComparisonDto {
    fn from(c: SmlComparison) -> Self {
        Self {
            in_sml: c.in_sml,
            in_agreement: c.in_agreement,
            only_in_sml: c.only_in_sml.into(),
            missing: c.missing.into(),
            moved: c.moved.into(),
        }
    }
}

/// What a repair queued or recorded, and the comparison it acted on.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SmlRepairDto {
    /// `sml_register` jobs queued: missing participant ids Haven still publishes.
    pub created_again: usize,
    /// `sml_unregister` jobs queued: ids only in the SML, and missing ids no longer published.
    pub deleted: usize,
    /// Participant ids now recorded as `moved` (taken over by another provider).
    pub marked_moved: usize,
    /// The difference found before the repair.
    pub comparison: SmlComparisonDto,
}

impl From<SmlRepair> for SmlRepairDto {
    fn from(r: SmlRepair) -> Self {
        Self {
            created_again: r.created_again,
            deleted: r.deleted,
            marked_moved: r.marked_moved,
            comparison: r.comparison.into(),
        }
    }
}

/// Compare the SML's participant ids under Haven's SMP with Haven's records (platform
/// operators only). Reads every page of the SML's `List`.
#[utoipa::path(
    tag = TAG,
    operation_id = "getSmlComparison",
    security(("bearer" = [])),
    responses(
        (status = OK, body = SmlComparisonDto),
        (status = UNAUTHORIZED, body = ErrorBody),
        (status = FORBIDDEN, description = "Two-factor authentication is required first, or a connection key's token.", body = ErrorBody),
        (status = NOT_FOUND, description = "Not an operator.", body = ErrorBody),
        (status = CONFLICT, description = "`sml_registration_off`: this installation does not register with the SML.", body = ErrorBody),
        (status = SERVICE_UNAVAILABLE, description = "The SML cannot be reached or did not give its list.", body = ErrorBody),
    )
)]
#[get("/operator/sml/comparison")]
async fn get_comparison(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
) -> Result<web::Json<SmlComparisonDto>, ApiError> {
    let client = client_info(&req);
    let comparison = sml_comparison::compare(
        &state.operators,
        &auth.caller(&client),
        &state.db,
        state.sml_client().as_deref(),
    )
    .await?;
    Ok(web::Json(comparison.into()))
}

/// Repair the difference between the SML and Haven's records (platform operators only):
/// queues jobs that delete the ids only in the SML and create the missing ones again, and
/// marks the ids another provider took over as `moved`. Audited as `peppol.sml_repaired`.
#[utoipa::path(
    tag = TAG,
    operation_id = "reconcileSml",
    security(("bearer" = [])),
    responses(
        (status = ACCEPTED, description = "The jobs are queued; the SML changes as they run.", body = SmlRepairDto),
        (status = UNAUTHORIZED, body = ErrorBody),
        (status = FORBIDDEN, description = "Two-factor authentication is required first, or a connection key's token.", body = ErrorBody),
        (status = NOT_FOUND, description = "Not an operator.", body = ErrorBody),
        (status = CONFLICT, description = "`sml_registration_off`: this installation does not register with the SML.", body = ErrorBody),
        (status = SERVICE_UNAVAILABLE, description = "The SML cannot be reached or did not give its list; nothing was changed.", body = ErrorBody),
    )
)]
#[post("/operator/sml/reconcile")]
async fn reconcile(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
) -> Result<HttpResponse, ApiError> {
    let client = client_info(&req);
    let repair = sml_comparison::repair(
        &state.operators,
        &auth.caller(&client),
        &state.db,
        state.sml_client().as_deref(),
    )
    .await?;
    state.job_waker.notify_one();
    Ok(HttpResponse::Accepted().json(SmlRepairDto::from(repair)))
}

/// The day the SML switches to the next SMP certificate.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CertificateChangeRequest {
    /// Today or later (UTC). From this day the SML accepts only the new certificate from
    /// Haven's SMP: replace the SMP key and certificate files by then and restart.
    #[schema(example = "2027-01-31")]
    pub migration_date: NaiveDate,
}

/// The next SMP certificate as announced to the SML.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CertificateChangeDto {
    pub subject: String,
    pub issuer: String,
    /// Hexadecimal.
    pub serial_number: String,
    pub not_after: DateTime<Utc>,
    pub migration_date: NaiveDate,
}

impl From<Announcement> for CertificateChangeDto {
    fn from(a: Announcement) -> Self {
        Self {
            subject: a.certificate.subject,
            issuer: a.certificate.issuer,
            serial_number: a.certificate.serial_number,
            not_after: a.certificate.not_after,
            migration_date: a.migration_date,
        }
    }
}

/// Announce the next SMP certificate to the SML (platform operators only): the certificate in
/// `peppol_smp_next_certificate_file`, checked against the SMP CA, goes to the SML's
/// `PrepareChangeCertificate` with the migration date. Audited as
/// `peppol.smp_certificate_change_announced`.
#[utoipa::path(
    tag = TAG,
    operation_id = "announceSmpCertificateChange",
    security(("bearer" = [])),
    request_body = CertificateChangeRequest,
    responses(
        (status = OK, body = CertificateChangeDto),
        (status = BAD_REQUEST, description = "`validation_failed`: `migrationDate` is in the past (`past`).", body = ErrorBody),
        (status = UNAUTHORIZED, body = ErrorBody),
        (status = FORBIDDEN, description = "Two-factor authentication is required first, or a connection key's token.", body = ErrorBody),
        (status = NOT_FOUND, description = "Not an operator.", body = ErrorBody),
        (status = CONFLICT, description = "`sml_registration_off`; `smp_next_certificate_missing`: no next SMP certificate is configured; `smp_next_certificate_invalid`: it cannot be read, is not issued by the SMP CA, has expired or ends before the migration date, is the current one, or the SML refused it.", body = ErrorBody),
        (status = SERVICE_UNAVAILABLE, description = "The SML cannot be reached; nothing was announced.", body = ErrorBody),
    )
)]
#[post("/operator/sml/certificate-change")]
async fn announce_certificate_change(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    body: JsonBody<CertificateChangeRequest>,
) -> Result<web::Json<CertificateChangeDto>, ApiError> {
    let client = client_info(&req);
    let certificates = state.certificates.load();
    let current = certificates
        .iter()
        .find(|c| c.purpose == CertificatePurpose::Smp);
    let announced = smp_certificate::announce_next_certificate(
        &state.operators,
        &auth.caller(&client),
        &state.db,
        state.sml_client().as_deref(),
        &state.next_smp_certificate,
        current,
        body.migration_date,
        Utc::now(),
    )
    .await?;
    Ok(web::Json(announced.into()))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_comparison)
        .service(reconcile)
        .service(announce_certificate_change);
}
