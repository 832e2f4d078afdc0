//! Peppol Reporting for platform operators: the months with reporting data, and each month's
//! Transaction Statistics Report (TSR) and End User Statistics Report (EUSR) as the XML that
//! goes to OpenPeppol.

use actix_web::{get, http::header, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use haven_domain::{
    peppol::{
        certificates::{CertificatePurpose, InstalledCertificate},
        report_sending::{
            self, MonthReports, MonthsContext, ReportEvidencePart, ReportKind, ReportSending,
            SendState,
        },
        reporting::{self, ReportFile, ReportRequest, ReportingMonth},
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

/// A calendar month (UTC) to report on, how many messages it counts, and where its reports
/// stand in being sent to OpenPeppol.
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
    /// The Transaction Statistics Report.
    pub tsr: ReportSendingDto,
    /// The End User Statistics Report.
    pub eusr: ReportSendingDto,
}

impl From<MonthReports> for ReportingMonthDto {
    fn from(m: MonthReports) -> Self {
        Self {
            month: m.month.to_string(),
            incoming: m.incoming,
            outgoing: m.outgoing,
            tsr: m.tsr.into(),
            eusr: m.eusr.into(),
        }
    }
}

/// Where a month's report stands in being sent to OpenPeppol over the Peppol network.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReportSendingDto {
    pub state: SendState,
    /// The AS4 MessageId of the latest send.
    pub message_id: Option<String>,
    /// When OpenPeppol's access point answered with a receipt.
    pub sent_at: Option<DateTime<Utc>>,
    /// Why it failed, or why the last attempt got no receipt.
    pub reason: Option<String>,
    /// SHA-256 of the message as posted and of the receipt (evidence kept in the document
    /// store).
    pub message_sha256: Option<String>,
    pub receipt_sha256: Option<String>,
}

impl From<ReportSending> for ReportSendingDto {
    fn from(s: ReportSending) -> Self {
        Self {
            state: s.state,
            message_id: s.message_id,
            sent_at: s.sent_at,
            reason: s.reason,
            message_sha256: s.message_hash,
            receipt_sha256: s.receipt_hash,
        }
    }
}

/// A month's reports as queued for sending.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MonthSendingDto {
    /// `YYYY-MM`.
    #[schema(example = "2026-11", pattern = "^[0-9]{4}-[0-9]{2}$")]
    pub month: String,
    pub tsr: ReportSendingDto,
    pub eusr: ReportSendingDto,
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

/// The months to report on, newest first (platform operators only): every month from the
/// first one Haven could exchange in (the earlier of the first month with an exchange and
/// the month the access point certificate became valid) to the current one, with the
/// sending state of each report.
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
    let certificates = state.certificates.load();
    let since = access_point(&certificates).map(|c| ReportingMonth::of(c.not_before));
    let page = report_sending::list_report_months(
        &state.db,
        &state.operators,
        &auth.caller(&client),
        params.into_inner().into(),
        MonthsContext {
            since,
            now: Utc::now(),
        },
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
        own_seat: access_point(certificates).and_then(InstalledCertificate::common_name),
        now: chrono::Utc::now(),
    }
}

/// The access point's certificate among the installation's current ones.
fn access_point(certificates: &[InstalledCertificate]) -> Option<&InstalledCertificate> {
    certificates
        .iter()
        .find(|c| c.purpose == CertificatePurpose::AccessPoint)
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

/// Sends the month's reports to OpenPeppol now, or again after a failure (platform operators
/// only): each report that is neither sent nor on its way gets a new send job (a new AS4
/// message). The answer is where both reports stand then.
#[utoipa::path(
    tag = TAG,
    operation_id = "sendPeppolReports",
    security(("bearer" = [])),
    params(MonthPath),
    responses(
        (status = ACCEPTED, description = "Queued (a report already sent or on its way is left as it is).", body = MonthSendingDto),
        (status = UNAUTHORIZED, body = ErrorBody),
        (status = FORBIDDEN, description = "Two-factor authentication is required first, or a connection key's token.", body = ErrorBody),
        (status = NOT_FOUND, description = "Not an operator.", body = ErrorBody),
        (status = CONFLICT, description = "Both reports of the month were sent (`report_already_sent`), sending is switched off on this installation (`peppol_reporting_off`), or the month has not ended (`month_not_ended`: the current month or a later one).", body = ErrorBody),
        (status = UNPROCESSABLE_ENTITY, description = "The month is not `YYYY-MM`.", body = ErrorBody),
    )
)]
#[post("/operator/peppol-reports/{month}/send")]
async fn send_now(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<MonthPath>,
) -> Result<HttpResponse, ApiError> {
    let client = client_info(&req);
    let sendings = report_sending::send_reports_now(
        &state.db,
        &state.operators,
        &auth.caller(&client),
        &path.month,
        state.peppol_reporting_send,
        Utc::now(),
    )
    .await
    .map_err(unprocessable)?;
    state.job_waker.notify_one();
    let mut sendings = sendings.into_iter();
    let (Some(tsr), Some(eusr)) = (sendings.next(), sendings.next()) else {
        return Err(DomainError::Unexpected(anyhow::anyhow!("no sending states")).into());
    };
    Ok(HttpResponse::Accepted().json(MonthSendingDto {
        month: tsr.month.to_string(),
        tsr: tsr.into(),
        eusr: eusr.into(),
    }))
}

/// A report's stored evidence: the month, the report and which blob.
#[derive(serde::Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct EvidencePath {
    /// The calendar month, `YYYY-MM` (year 0001 to 9999, month 01 to 12).
    #[param(
        example = "2026-11",
        pattern = "^([0-9]{3}[1-9]|[0-9]{2}[1-9][0-9]|[0-9][1-9][0-9]{2}|[1-9][0-9]{3})-(0[1-9]|1[0-2])$"
    )]
    pub month: String,
    #[param(inline)]
    pub report: ReportKind,
    #[param(inline)]
    pub part: ReportEvidencePart,
}

/// Download the evidence of a report's latest send to OpenPeppol (platform operators only):
/// the AS4 message as posted, or the signed receipt (for a refused report, the signed ebMS
/// error), byte for byte as its SHA-256 is listed.
#[utoipa::path(
    tag = TAG,
    operation_id = "downloadPeppolReportEvidence",
    security(("bearer" = [])),
    params(EvidencePath),
    responses(
        (status = OK, description = "The stored bytes, as an attachment.", content((crate::routes::documents::BinaryFile = "application/octet-stream"))),
        (status = UNAUTHORIZED, body = ErrorBody),
        (status = FORBIDDEN, description = "Two-factor authentication is required first, or a connection key's token.", body = ErrorBody),
        (status = NOT_FOUND, description = "The report has no such evidence (not sent, or no access point answered), or not an operator.", body = ErrorBody),
        (status = UNPROCESSABLE_ENTITY, description = "The month is not `YYYY-MM`.", body = ErrorBody),
    )
)]
#[get("/operator/peppol-reports/{month}/{report}/evidence/{part}")]
async fn report_evidence(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<EvidencePath>,
) -> Result<HttpResponse, ApiError> {
    let client = client_info(&req);
    let bytes = report_sending::report_evidence(
        &state.db,
        &state.blobs,
        &state.operators,
        &auth.caller(&client),
        &path.month,
        path.report,
        path.part,
    )
    .await
    .map_err(unprocessable)?;
    let part = match path.part {
        ReportEvidencePart::Message => "message",
        ReportEvidencePart::Receipt => "receipt",
    };
    Ok(HttpResponse::Ok()
        .content_type("application/octet-stream")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"{}-{}-{part}.mime\"",
                path.report.as_str(),
                path.month
            ),
        ))
        .body(bytes))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(send_now)
        .service(list_months)
        .service(transaction_statistics)
        .service(end_user_statistics)
        .service(report_evidence);
}
