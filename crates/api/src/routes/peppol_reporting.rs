//! Peppol Reporting for platform operators: the months with reporting data, and each month's
//! Transaction Statistics Report (TSR) and End User Statistics Report (EUSR) as the XML that
//! goes to OpenPeppol.

use actix_web::{get, http::header, web, HttpRequest, HttpResponse};
use haven_domain::{
    peppol::{
        certificates::{CertificatePurpose, InstalledCertificate},
        reporting::{self, MonthSummary, ReportFile, ReportRequest},
    },
    DomainError,
};
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use super::{
    auth::client_info,
    documents::BinaryFile,
    paging::{page_of, PageParams},
};
use crate::{
    auth::Authenticated,
    error::{ApiError, ErrorBody},
    state::AppState,
};

const TAG: &str = "peppol-reporting";

page_of!(
    ReportingMonthPage,
    ReportingMonthDto,
    "One page of months with Peppol reporting data, newest first."
);

/// A calendar month (UTC) with messages to report, and how many.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReportingMonthDto {
    /// `YYYY-MM`.
    #[schema(example = "2026-11", pattern = "^[0-9]{4}-[0-9]{2}$")]
    pub month: String,
    /// AS4 messages received here (C3) with a receipt.
    pub incoming: u64,
    /// AS4 messages sent from here (C2) and acknowledged with a receipt.
    pub outgoing: u64,
}

impl From<MonthSummary> for ReportingMonthDto {
    fn from(m: MonthSummary) -> Self {
        Self {
            month: m.month.to_string(),
            incoming: m.incoming,
            outgoing: m.outgoing,
        }
    }
}

/// The month of a report.
#[derive(serde::Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct MonthPath {
    /// The calendar month, `YYYY-MM` (year 0001 to 9999, month 01 to 12).
    #[param(
        example = "2026-11",
        pattern = "^([0-9]{3}[1-9]|[0-9]{2}[1-9][0-9]|[0-9][1-9][0-9]{2}|[1-9][0-9]{3})-(0[1-9]|1[0-2])$"
    )]
    pub month: String,
}

/// Months with Peppol reporting data, newest first (platform operators only).
#[utoipa::path(
    tag = TAG,
    operation_id = "listPeppolReportingMonths",
    security(("bearer" = [])),
    params(PageParams),
    responses(
        (status = OK, body = ReportingMonthPage),
        (status = BAD_REQUEST, body = ErrorBody),
        (status = UNAUTHORIZED, body = ErrorBody),
        (status = FORBIDDEN, description = "Two-factor authentication is required first, or a connection key's token.", body = ErrorBody),
        (status = NOT_FOUND, description = "Not an operator.", body = ErrorBody),
    )
)]
#[get("/operator/peppol-reports")]
async fn list_months(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    params: web::Query<PageParams>,
) -> Result<web::Json<ReportingMonthPage>, ApiError> {
    let client = client_info(&req);
    let page = reporting::list_reporting_months(
        &state.db,
        &state.operators,
        &auth.caller(&client),
        params.into_inner().into(),
    )
    .await?;
    Ok(web::Json(ReportingMonthPage::from_page(page, Into::into)))
}

/// A malformed month is a well-formed request the server cannot make a report of.
fn unprocessable(e: DomainError) -> ApiError {
    match e {
        DomainError::Validation(fields) => ApiError::Unprocessable {
            message: "The month is not a calendar month; see details.".into(),
            details: fields
                .into_iter()
                .map(|f| crate::error::ErrorDetail::field(f.field, f.code, f.message))
                .collect(),
        },
        e => e.into(),
    }
}

/// The report asked for: the month, and our seat id (the access point certificate's CN), the
/// reporter of a month without exchanges; `certificates` are those of the moment.
fn request<'a>(certificates: &'a [InstalledCertificate], month: &'a str) -> ReportRequest<'a> {
    ReportRequest {
        month,
        own_seat: certificates
            .iter()
            .find(|c| c.purpose == CertificatePurpose::AccessPoint)
            .and_then(|c| c.common_name()),
        now: chrono::Utc::now(),
    }
}

fn xml_file(file: ReportFile) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/xml; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}\"", file.file_name),
        ))
        .body(file.xml)
}

/// The month's Transaction Statistics Report (TSR 1.0.2) as XML (platform operators only).
#[utoipa::path(
    tag = TAG,
    operation_id = "getPeppolTransactionStatisticsReport",
    security(("bearer" = [])),
    params(MonthPath),
    responses(
        (status = OK, description = "The report, as an attachment `tsr-YYYY-MM.xml`.", content((BinaryFile = "application/xml"))),
        (status = UNAUTHORIZED, body = ErrorBody),
        (status = FORBIDDEN, description = "Two-factor authentication is required first, or a connection key's token.", body = ErrorBody),
        (status = NOT_FOUND, description = "A month after the current one (or, without an access point certificate, a month without exchanges), or not an operator. A past or current month without exchanges has an empty report.", body = ErrorBody),
        (status = UNPROCESSABLE_ENTITY, description = "The month is not `YYYY-MM`.", body = ErrorBody),
    )
)]
#[get("/operator/peppol-reports/{month}/tsr")]
async fn transaction_statistics(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<MonthPath>,
) -> Result<HttpResponse, ApiError> {
    let client = client_info(&req);
    let certificates = state.certificates.load();
    let file = reporting::transaction_statistics(
        &state.db,
        &state.operators,
        &auth.caller(&client),
        request(&certificates, &path.month),
    )
    .await
    .map_err(unprocessable)?;
    Ok(xml_file(file))
}

/// The month's End User Statistics Report (EUSR 1.1.1) as XML (platform operators only).
#[utoipa::path(
    tag = TAG,
    operation_id = "getPeppolEndUserStatisticsReport",
    security(("bearer" = [])),
    params(MonthPath),
    responses(
        (status = OK, description = "The report, as an attachment `eusr-YYYY-MM.xml`.", content((BinaryFile = "application/xml"))),
        (status = UNAUTHORIZED, body = ErrorBody),
        (status = FORBIDDEN, description = "Two-factor authentication is required first, or a connection key's token.", body = ErrorBody),
        (status = NOT_FOUND, description = "A month after the current one (or, without an access point certificate, a month without exchanges), or not an operator. A past or current month without exchanges has an empty report.", body = ErrorBody),
        (status = UNPROCESSABLE_ENTITY, description = "The month is not `YYYY-MM`.", body = ErrorBody),
    )
)]
#[get("/operator/peppol-reports/{month}/eusr")]
async fn end_user_statistics(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<MonthPath>,
) -> Result<HttpResponse, ApiError> {
    let client = client_info(&req);
    let certificates = state.certificates.load();
    let file = reporting::end_user_statistics(
        &state.db,
        &state.operators,
        &auth.caller(&client),
        request(&certificates, &path.month),
    )
    .await
    .map_err(unprocessable)?;
    Ok(xml_file(file))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_months)
        .service(transaction_statistics)
        .service(end_user_statistics);
}
