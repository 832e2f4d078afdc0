//! Intake drafts over HTTP: invoices recognised in PDFs with text only, which members of the
//! organization check next to the PDF, correct, and complete (or discard).

use actix_web::{get, http::header, post, put, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use haven_domain::{
    intake::{
        drafts::{self, DraftPorts},
        records::{Draft, DraftStatus, IntakePurpose, InvoiceFields},
    },
    organizations::{policy::OrgAction, service::authorize},
    DomainError,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::{
    auth::client_info,
    documents::BinaryFile,
    paging::{page_of, PageParams},
};
use crate::{
    auth::Authenticated,
    error::{ApiError, ErrorBody, ErrorDetail},
    extractors::JsonBody,
    inspector::BlockingInspector,
    state::AppState,
};

const TAG: &str = "intake";

page_of!(
    DraftPage,
    DraftDto,
    "One page of an organization's intake drafts, newest first."
);

/// An invoice recognised in a PDF, as it stands.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DraftDto {
    pub id: Uuid,
    /// The intake message it came in, and its attachment's position there.
    pub message_id: Uuid,
    pub position: u32,
    /// Purchase: the organization is the buyer (completing puts it in the inbox); sales: the
    /// seller (completing sends it).
    pub purpose: IntakePurpose,
    pub status: DraftStatus,
    pub filename: Option<String>,
    pub pdf_size: u64,
    /// A valid invoice as mailed, kept as a draft (the organization's preference for sales
    /// invoices by email): completing sends it unchanged, and its fields cannot be changed
    /// (`draft_is_invoice`); they only describe it.
    pub from_invoice: bool,
    pub fields: InvoiceFields,
    /// The document completing it made.
    pub document_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// Who completed or discarded it.
    pub finished_by: Option<String>,
}

impl From<Draft> for DraftDto {
    fn from(d: Draft) -> Self {
        Self {
            id: d.id,
            message_id: d.message_id,
            position: d.position,
            purpose: d.purpose,
            status: d.status,
            filename: d.filename,
            pdf_size: d.pdf_size,
            from_invoice: d.invoice_hash.is_some(),
            fields: d.fields,
            document_id: d.document_id,
            created_at: d.created_at,
            updated_at: d.updated_at,
            finished_at: d.finished_at,
            finished_by: d.finished_by,
        }
    }
}

/// Which drafts to list.
#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct DraftFilter {
    /// Only drafts with this status.
    pub status: Option<DraftStatus>,
}

/// Field problems of a draft are 422 with one detail per field (the request itself was
/// well-formed).
fn unprocessable(e: DomainError) -> ApiError {
    match e {
        DomainError::Validation(fields) => ApiError::Unprocessable {
            message: "Some fields of the draft are missing or wrong; see details.".into(),
            details: fields
                .into_iter()
                .map(|f| ErrorDetail::field(f.field, f.code, f.message))
                .collect(),
        },
        other => other.into(),
    }
}

/// The organization's drafts.
#[utoipa::path(tag = TAG, operation_id = "listIntakeDrafts", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The organization."), DraftFilter, PageParams),
    responses(
        (status = OK, body = DraftPage),
        (status = FORBIDDEN, description = "A connection key's token.", body = ErrorBody),
        (status = NOT_FOUND, description = "No such organization for the caller.", body = ErrorBody)))]
#[get("/organizations/{id}/intake/drafts")]
async fn list_drafts(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
    filter: web::Query<DraftFilter>,
    page: web::Query<PageParams>,
) -> Result<web::Json<DraftPage>, ApiError> {
    let client = client_info(&req);
    let caller = auth.caller(&client);
    let org = authorize(&state.db, &caller, *path, OrgAction::View).await?;
    let page =
        drafts::list_drafts(&state.db, &org, filter.status, &page.into_inner().into()).await?;
    Ok(web::Json(DraftPage::from_page(page, Into::into)))
}

/// One draft with its recognised fields.
#[utoipa::path(tag = TAG, operation_id = "getIntakeDraft", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The organization."), ("draftId" = Uuid, Path)),
    responses(
        (status = OK, body = DraftDto),
        (status = FORBIDDEN, description = "A connection key's token.", body = ErrorBody),
        (status = NOT_FOUND, description = "No such organization or draft for the caller.", body = ErrorBody)))]
#[get("/organizations/{id}/intake/drafts/{draftId}")]
async fn get_draft(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<web::Json<DraftDto>, ApiError> {
    let (organization_id, id) = path.into_inner();
    let client = client_info(&req);
    let caller = auth.caller(&client);
    let org = authorize(&state.db, &caller, organization_id, OrgAction::View).await?;
    Ok(web::Json(
        drafts::get_draft(&state.db, &org, id).await?.into(),
    ))
}

/// The PDF the draft was recognised from.
#[utoipa::path(tag = TAG, operation_id = "getIntakeDraftPdf", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The organization."), ("draftId" = Uuid, Path)),
    responses(
        (status = OK, description = "The PDF as it was mailed.", content((BinaryFile = "application/pdf"))),
        (status = FORBIDDEN, description = "A connection key's token.", body = ErrorBody),
        (status = NOT_FOUND, description = "No such organization or draft for the caller.", body = ErrorBody)))]
#[get("/organizations/{id}/intake/drafts/{draftId}/pdf")]
async fn get_draft_pdf(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (organization_id, id) = path.into_inner();
    let client = client_info(&req);
    let caller = auth.caller(&client);
    let org = authorize(&state.db, &caller, organization_id, OrgAction::View).await?;
    let (_, bytes) = drafts::draft_pdf(&state.db, &state.blobs, &org, id).await?;
    // The file came from outside: offered for download, never rendered as our page.
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"draft-{id}.pdf\""),
        ))
        .body(bytes))
}

/// Save corrected fields (members and Organization Administrators). The whole set is
/// replaced; each filled field is checked for its form (dates as `YYYY-MM-DD`, amounts with at
/// most two decimals, KvK and VAT numbers, the IBAN's check digits).
#[utoipa::path(tag = TAG, operation_id = "updateIntakeDraft", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The organization."), ("draftId" = Uuid, Path)),
    request_body = InvoiceFields,
    responses(
        (status = OK, body = DraftDto),
        (status = FORBIDDEN, description = "Only viewing the organization, or a connection key's token.", body = ErrorBody),
        (status = NOT_FOUND, description = "No such organization or draft for the caller.", body = ErrorBody),
        (status = CONFLICT, description = "The draft was completed or discarded (`draft_not_open`).", body = ErrorBody),
        (status = UNPROCESSABLE_ENTITY, description = "Fields in the wrong form; one detail per field.", body = ErrorBody)))]
#[put("/organizations/{id}/intake/drafts/{draftId}/fields")]
async fn update_draft(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(Uuid, Uuid)>,
    body: JsonBody<InvoiceFields>,
) -> Result<web::Json<DraftDto>, ApiError> {
    let (organization_id, id) = path.into_inner();
    let client = client_info(&req);
    let caller = auth.caller(&client);
    let org = authorize(&state.db, &caller, organization_id, OrgAction::View).await?;
    let draft = drafts::update_draft(&state.db, &org, id, body.into_inner())
        .await
        .map_err(unprocessable)?;
    Ok(web::Json(draft.into()))
}

/// Complete the draft: a Peppol BIS Billing 3.0 invoice is made from its fields (with the
/// organization's own details on its side), validated, and handed on: a purchase invoice
/// into the inbox, a sales invoice sent to the buyer. Completing twice makes one document.
#[utoipa::path(tag = TAG, operation_id = "completeIntakeDraft", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The organization."), ("draftId" = Uuid, Path)),
    responses(
        (status = OK, description = "Completed; `documentId` names the document.", body = DraftDto),
        (status = FORBIDDEN, description = "Only viewing the organization, sending switched off, or a connection key's token.", body = ErrorBody),
        (status = NOT_FOUND, description = "No such organization or draft for the caller.", body = ErrorBody),
        (status = CONFLICT, description = "Completed or discarded already (`draft_not_open`), the organization is not active, or receiving is off.", body = ErrorBody),
        (status = UNPROCESSABLE_ENTITY, description = "Fields missing or wrong, or the invoice breaks rules (`invoice` details with the rule ids).", body = ErrorBody)))]
#[post("/organizations/{id}/intake/drafts/{draftId}/complete")]
async fn complete_draft(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<web::Json<DraftDto>, ApiError> {
    let (organization_id, id) = path.into_inner();
    let client = client_info(&req);
    let caller = auth.caller(&client);
    let org = authorize(&state.db, &caller, organization_id, OrgAction::View).await?;
    let ports = DraftPorts {
        intake: &state.db,
        drafts: &state.db,
        records: &state.db,
        blobs: &state.blobs,
        inspector: &BlockingInspector,
        send: &state.send_settings,
    };
    let draft = drafts::complete_draft(&ports, &caller, &org, id)
        .await
        .map_err(unprocessable)?;
    state.job_waker.notify_one();
    Ok(web::Json(draft.into()))
}

/// Discard the draft; it stays listed as discarded.
#[utoipa::path(tag = TAG, operation_id = "discardIntakeDraft", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The organization."), ("draftId" = Uuid, Path)),
    responses(
        (status = OK, body = DraftDto),
        (status = FORBIDDEN, description = "Only viewing the organization, or a connection key's token.", body = ErrorBody),
        (status = NOT_FOUND, description = "No such organization or draft for the caller.", body = ErrorBody),
        (status = CONFLICT, description = "Completed or discarded already (`draft_not_open`).", body = ErrorBody)))]
#[post("/organizations/{id}/intake/drafts/{draftId}/discard")]
async fn discard_draft(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<web::Json<DraftDto>, ApiError> {
    let (organization_id, id) = path.into_inner();
    let client = client_info(&req);
    let caller = auth.caller(&client);
    let org = authorize(&state.db, &caller, organization_id, OrgAction::View).await?;
    Ok(web::Json(
        drafts::discard_draft(&state.db, &caller, &org, id)
            .await?
            .into(),
    ))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_drafts)
        .service(get_draft)
        .service(get_draft_pdf)
        .service(update_draft)
        .service(complete_draft)
        .service(discard_draft);
}
