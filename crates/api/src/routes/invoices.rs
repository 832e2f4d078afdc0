//! Document exchange: sending sales invoices, the outbox and the inbox of a party, and the
//! private links of email delivery. Each handler turns the request into a use case call.

use actix_web::{delete, get, http::header, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use haven_domain::connections::PartyAction;
use haven_domain::documents::{
    delivery::{InternalChannel, Reach},
    records::{
        Channel, Direction, Document, DocumentEvent, DocumentEventKind, DocumentKind,
        DocumentStatus, ResponseCode,
    },
    sending::{self, SendOutcome, SendRequest},
    service::{self, ListFilter, RecipientCheck},
};
use haven_domain::peppol::document_types::InvoiceDocumentType;
use haven_einvoice::Syntax;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::auth::client_info;
use super::documents::read_document;
use super::paging::{page_of, PageParams};
use crate::{
    auth::{Authenticated, PartyAuth},
    error::{ApiError, ErrorBody},
    extractors::JsonBody,
    state::AppState,
};

const TAG: &str = "invoices";

page_of!(
    DocumentPage,
    DocumentDto,
    "One page of documents, newest first."
);
page_of!(
    DocumentEventPage,
    DocumentEventDto,
    "One page of a document's history, newest first."
);

/// A party (seller or buyer) as the document names it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DocumentPartyDto {
    pub name: Option<String>,
    /// The electronic address (BT-34 / BT-49), `scheme:value`.
    #[schema(example = "0106:12345678")]
    pub endpoint: Option<String>,
}

/// A document in an outbox or inbox: its facts, status and delivery.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DocumentDto {
    /// The track-and-trace id.
    pub id: Uuid,
    /// The participant id it was sent from (outbox) or received on (inbox).
    pub party_id: String,
    pub direction: Direction,
    pub kind: DocumentKind,
    pub status: DocumentStatus,
    /// The delivery channel (outbox) or how it arrived (inbox); null until routed.
    pub channel: Option<Channel>,
    /// The receiver id or address delivery used.
    pub receiver_id: Option<String>,
    /// BT-1.
    pub number: Option<String>,
    /// BT-2, `YYYY-MM-DD`.
    pub issue_date: Option<String>,
    /// BT-9.
    pub due_date: Option<String>,
    /// BT-5.
    pub currency: Option<String>,
    /// BT-115, the amount due, as a decimal string.
    #[schema(example = "1210.00")]
    pub payable_amount: Option<String>,
    /// BT-112, the total with VAT, as a decimal string.
    pub total_amount: Option<String>,
    /// The declared profile, when known.
    pub profile: Option<String>,
    /// `ubl` or `cii`.
    pub syntax: String,
    pub seller: DocumentPartyDto,
    pub buyer: DocumentPartyDto,
    /// BT-10.
    pub buyer_reference: Option<String>,
    /// `application/xml`, or `application/pdf` for a hybrid PDF.
    pub content_type: String,
    pub size_bytes: u64,
    /// An earlier document with the same seller, number, issue date and total.
    pub possible_duplicate_of: Option<Uuid>,
    /// The last Invoice Response code: received (outbox) or sent (inbox).
    pub response: Option<ResponseCode>,
    /// Retention removed the original bytes; details and history remain.
    pub purged: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&Document> for DocumentDto {
    fn from(d: &Document) -> Self {
        let f = &d.facts;
        Self {
            id: d.id,
            party_id: d.party_id.clone(),
            direction: d.direction,
            kind: d.kind,
            status: d.status,
            channel: d.channel,
            receiver_id: d.receiver_id.clone(),
            number: f.number.clone(),
            issue_date: f.issue_date.clone(),
            due_date: f.due_date.clone(),
            currency: f.currency.clone(),
            payable_amount: f.payable_amount.clone(),
            total_amount: f.total_amount.clone(),
            profile: f.profile.clone(),
            syntax: f.syntax.clone(),
            seller: DocumentPartyDto {
                name: f.seller_name.clone(),
                endpoint: f.seller_endpoint.clone(),
            },
            buyer: DocumentPartyDto {
                name: f.buyer_name.clone(),
                endpoint: f.buyer_endpoint.clone(),
            },
            buyer_reference: f.buyer_reference.clone(),
            content_type: d.content_type.clone(),
            size_bytes: d.size_bytes,
            possible_duplicate_of: d.duplicate_of,
            response: d.response,
            purged: d.purged_at.is_some(),
            created_at: d.created_at,
            updated_at: d.updated_at,
        }
    }
}

/// One line of a document's history.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DocumentEventDto {
    pub id: Uuid,
    pub event: DocumentEventKind,
    /// The status after the event.
    pub status: DocumentStatus,
    pub channel: Option<Channel>,
    pub details: Option<String>,
    /// The delivery attempt, from 1.
    pub attempt: Option<u32>,
    pub actor_email: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<DocumentEvent> for DocumentEventDto {
    fn from(e: DocumentEvent) -> Self {
        Self {
            id: e.id,
            event: e.event,
            status: e.status,
            channel: e.channel,
            details: e.details,
            attempt: e.attempt,
            actor_email: e.actor_email,
            created_at: e.created_at,
        }
    }
}

/// The accepted document.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SendResult {
    /// The track-and-trace id.
    pub document_id: Uuid,
    pub status: DocumentStatus,
    /// Set when an earlier document has the same seller, number, issue date and total: the
    /// document was accepted anyway.
    pub possible_duplicate_of: Option<Uuid>,
}

fn idempotency_key(req: &HttpRequest) -> Option<String> {
    ["Idempotency-Key", "X-EConnect-DocumentId"]
        .iter()
        .find_map(|name| req.headers().get(*name))
        .map(|v| v.to_str().unwrap_or("\u{fffd}").to_owned())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)]
struct SendHeaders {
    /// A UUID that makes a retried request send once: the same key again answers 409 with
    /// the original document's id. `X-EConnect-DocumentId` is accepted as an alias.
    #[param(rename = "Idempotency-Key")]
    idempotency_key: Option<Uuid>,
}

/// Send a sales invoice or credit note.
///
/// The document (UBL or CII XML, or a Factur-X PDF) is detected and validated; fatal findings
/// answer 400 with the full report in `report` and nothing is stored. The seller electronic
/// address (BT-34) must be a party of the same organization with sending on. The document is
/// then stored and queued for delivery: to an organization on this installation, over the
/// Peppol network, or by email to the buyer's contact address. The answer is 202 with the
/// document id (the track-and-trace id) and a `Location` header.
#[utoipa::path(
    tag = TAG,
    operation_id = "sendSalesInvoice",
    security(("bearer" = [])),
    params(("partyId" = String, Path, description = "The sending participant id, `scheme:value`.", example = "0106:12345678"), SendHeaders),
    request_body(
        description = "The document: raw XML/PDF, or multipart with a `file` part.",
        content(
            (crate::routes::documents::BinaryFile = "application/xml"),
            (crate::routes::documents::BinaryFile = "application/pdf"),
            (crate::routes::documents::UploadForm = "multipart/form-data"),
        ),
    ),
    responses(
        (status = ACCEPTED, description = "Stored and queued for delivery.", body = SendResult, headers(("Location" = String, description = "The document's address."))),
        (status = BAD_REQUEST, description = "Not a valid e-invoice (`invalid_document`, with `report`), an empty body or a malformed idempotency key.", body = ErrorBody),
        (status = FORBIDDEN, description = "The caller may not send for this party, sending is off, or the seller address in the document is not theirs.", body = ErrorBody),
        (status = NOT_FOUND, description = "No such party for the caller.", body = ErrorBody),
        (status = CONFLICT, description = "The idempotency key was used before (`document_exists`, with `documentId`), or the organization is not active.", body = ErrorBody),
    )
)]
#[post("/parties/{partyId}/sales-invoices")]
async fn send_sales_invoice(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: PartyAuth,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let client = client_info(&req);
    let caller = auth.caller(&client);
    let party_id = path.into_inner();
    // Who may send is checked before the body is read, so a stranger learns nothing from it.
    let access = sending::authorize_party(
        &state.db,
        &state.db,
        &caller,
        &party_id,
        PartyAction::SendInvoices,
    )
    .await?;
    let bytes = read_document(&req, payload).await?;
    let outcome = sending::send_sales_invoice(
        &state.db,
        &state.blobs,
        &crate::inspector::BlockingInspector,
        &state.send_settings,
        &caller,
        &access,
        SendRequest {
            bytes,
            idempotency_key: idempotency_key(&req),
        },
    )
    .await?;
    match outcome {
        SendOutcome::Accepted(document) => {
            state.job_waker.notify_one();
            Ok(HttpResponse::Accepted()
                .insert_header((header::LOCATION, location(&party_id, document.id)))
                .json(SendResult {
                    document_id: document.id,
                    status: document.status,
                    possible_duplicate_of: document.duplicate_of,
                }))
        }
        SendOutcome::AlreadySent { original_id } => Err(ApiError::DocumentExists {
            id: original_id,
            location: location(&party_id, original_id),
        }),
        SendOutcome::Rejected(report) => Err(ApiError::InvalidDocument(report)),
    }
}

fn location(party_id: &str, id: Uuid) -> String {
    format!("/api/v1/parties/{party_id}/sales-invoices/{id}")
}

/// The candidate receiver ids to check.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct QueryRecipientRequest {
    /// The buyer's ids as `scheme:value` (KvK `0106:…`, OIN `0190:…`, VAT `9944:NL…`, GLN `0088:…`).
    #[schema(example = json!(["0106:87654321", "9944:NL123456789B01"]), min_items = 1, max_items = 20)]
    pub receiver_ids: Vec<String>,
    /// The document type to be sent (the SMP is asked for it, and organizations here choose
    /// which they receive): `bis_billing_invoice` unless given.
    #[serde(default)]
    pub document_type: Option<InvoiceDocumentType>,
}

/// Whether a candidate id can be reached.
#[derive(Serialize, ToSchema, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Reachability {
    Deliverable,
    /// Known not to be there (no such participant, or receiving is off).
    NotRegistered,
    /// Asking failed; the id may be reachable.
    LookupFailed,
    /// The channel cannot be used on this installation.
    Unavailable,
}

/// One candidate id's answer.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RecipientCheckDto {
    pub receiver_id: String,
    /// The channel that answered.
    pub channel: Option<Channel>,
    pub reachability: Reachability,
    /// Why not, for people.
    pub reason: Option<String>,
}

impl From<RecipientCheck> for RecipientCheckDto {
    fn from(c: RecipientCheck) -> Self {
        let (reachability, reason) = match c.reach {
            Reach::Deliverable => (Reachability::Deliverable, None),
            Reach::NotRegistered(why) => (Reachability::NotRegistered, Some(why)),
            Reach::LookupFailed(why) => (Reachability::LookupFailed, Some(why)),
            Reach::Unavailable(why) => (Reachability::Unavailable, Some(why)),
        };
        Self {
            receiver_id: c.receiver_id,
            channel: c.channel,
            reachability,
            reason,
        }
    }
}

/// The best deliverable id and every candidate's answer.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct QueryRecipientResult {
    /// The first deliverable candidate; null when none is.
    pub best: Option<RecipientCheckDto>,
    pub candidates: Vec<RecipientCheckDto>,
}

/// Check which of the buyer's ids can receive.
///
/// For each candidate id: can it be reached on this installation or over the Peppol network?
/// "Not registered" is kept apart from "lookup failed".
#[utoipa::path(
    tag = TAG,
    operation_id = "querySalesInvoiceRecipient",
    security(("bearer" = [])),
    params(("partyId" = String, Path, description = "The sending participant id.")),
    request_body = QueryRecipientRequest,
    responses(
        (status = OK, body = QueryRecipientResult),
        (status = BAD_REQUEST, description = "No ids, more than 20, or malformed ones.", body = ErrorBody),
        (status = FORBIDDEN, body = ErrorBody),
        (status = NOT_FOUND, description = "No such party for the caller.", body = ErrorBody),
    )
)]
#[post("/parties/{partyId}/sales-invoices/query-recipient")]
async fn query_recipient(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: PartyAuth,
    path: web::Path<String>,
    body: JsonBody<QueryRecipientRequest>,
) -> Result<web::Json<QueryRecipientResult>, ApiError> {
    let client = client_info(&req);
    let internal = InternalChannel {
        records: &state.db,
        received_price: String::new(),
    };
    let caller = auth.caller(&client);
    let body = body.into_inner();
    let ids = body.receiver_ids;
    let document_type = body
        .document_type
        .unwrap_or(InvoiceDocumentType::BisBillingInvoice);
    // Asking sends nothing, so no delivery is named.
    let peppol = state
        .peppol
        .as_deref()
        .map(|network| network.channel(&state.db, &state.blobs, Uuid::nil()));
    let (best, checks) = service::query_recipient(
        &state.db,
        &state.db,
        &internal,
        &peppol,
        &caller,
        &path,
        &ids,
        document_type,
    )
    .await?;
    Ok(web::Json(QueryRecipientResult {
        best: best.map(Into::into),
        candidates: checks.into_iter().map(Into::into).collect(),
    }))
}

/// Filters of the outbox and inbox lists.
#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    pub status: Option<DocumentStatus>,
    pub channel: Option<Channel>,
    /// Created at or after (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Created before (RFC 3339).
    pub until: Option<DateTime<Utc>>,
    /// The number or the other party's name (contains), or the amount (exactly).
    #[param(max_length = 200)]
    pub search: Option<String>,
}

impl From<ListParams> for ListFilter {
    fn from(p: ListParams) -> Self {
        Self {
            status: p.status,
            channel: p.channel,
            from: p.from,
            until: p.until,
            search: p.search.map(|s| s.chars().take(200).collect()),
        }
    }
}

async fn list(
    req: &HttpRequest,
    state: &AppState,
    auth: &PartyAuth,
    party_id: &str,
    direction: Direction,
    filter: ListParams,
    page: PageParams,
) -> Result<web::Json<DocumentPage>, ApiError> {
    let client = client_info(req);
    let page = service::list_documents(
        &state.db,
        &state.db,
        &auth.caller(&client),
        party_id,
        direction,
        filter.into(),
        &page.into(),
    )
    .await?;
    Ok(web::Json(DocumentPage::from_page(page, |d| (&d).into())))
}

/// The party's outbox: sales invoices and credit notes sent, newest first.
#[utoipa::path(tag = TAG, operation_id = "listSalesInvoices", security(("bearer" = [])),
    params(("partyId" = String, Path), ListParams, PageParams),
    responses((status = OK, body = DocumentPage), (status = BAD_REQUEST, description = "A malformed filter, page size or cursor.", body = ErrorBody), (status = NOT_FOUND, description = "No such party for the caller.", body = ErrorBody)))]
#[get("/parties/{partyId}/sales-invoices")]
async fn list_sales_invoices(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: PartyAuth,
    path: web::Path<String>,
    filter: web::Query<ListParams>,
    page: web::Query<PageParams>,
) -> Result<web::Json<DocumentPage>, ApiError> {
    list(
        &req,
        &state,
        &auth,
        &path,
        Direction::Outgoing,
        filter.into_inner(),
        page.into_inner(),
    )
    .await
}

/// The party's inbox: purchase invoices and credit notes received, newest first.
#[utoipa::path(tag = TAG, operation_id = "listPurchaseInvoices", security(("bearer" = [])),
    params(("partyId" = String, Path), ListParams, PageParams),
    responses((status = OK, body = DocumentPage), (status = BAD_REQUEST, description = "A malformed filter, page size or cursor.", body = ErrorBody), (status = NOT_FOUND, description = "No such party for the caller.", body = ErrorBody)))]
#[get("/parties/{partyId}/purchase-invoices")]
async fn list_purchase_invoices(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: PartyAuth,
    path: web::Path<String>,
    filter: web::Query<ListParams>,
    page: web::Query<PageParams>,
) -> Result<web::Json<DocumentPage>, ApiError> {
    list(
        &req,
        &state,
        &auth,
        &path,
        Direction::Incoming,
        filter.into_inner(),
        page.into_inner(),
    )
    .await
}

async fn get_one(
    req: &HttpRequest,
    state: &AppState,
    auth: &PartyAuth,
    party_id: &str,
    id: Uuid,
    direction: Direction,
) -> Result<web::Json<DocumentDto>, ApiError> {
    let client = client_info(req);
    let (_, document) = service::find_document(
        &state.db,
        &state.db,
        &auth.caller(&client),
        party_id,
        direction,
        id,
        PartyAction::read(direction),
    )
    .await?;
    Ok(web::Json((&document).into()))
}

/// One sales invoice: its facts and current status.
#[utoipa::path(tag = TAG, operation_id = "getSalesInvoice", security(("bearer" = [])),
    params(("partyId" = String, Path), ("id" = Uuid, Path)),
    responses((status = OK, body = DocumentDto), (status = NOT_FOUND, description = "No such party or document for the caller.", body = ErrorBody)))]
#[get("/parties/{partyId}/sales-invoices/{id}")]
async fn get_sales_invoice(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: PartyAuth,
    path: web::Path<(String, Uuid)>,
) -> Result<web::Json<DocumentDto>, ApiError> {
    let (party, id) = path.into_inner();
    get_one(&req, &state, &auth, &party, id, Direction::Outgoing).await
}

/// One purchase invoice: its facts and current status.
#[utoipa::path(tag = TAG, operation_id = "getPurchaseInvoice", security(("bearer" = [])),
    params(("partyId" = String, Path), ("id" = Uuid, Path)),
    responses((status = OK, body = DocumentDto), (status = NOT_FOUND, description = "No such party or document for the caller.", body = ErrorBody)))]
#[get("/parties/{partyId}/purchase-invoices/{id}")]
async fn get_purchase_invoice(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: PartyAuth,
    path: web::Path<(String, Uuid)>,
) -> Result<web::Json<DocumentDto>, ApiError> {
    let (party, id) = path.into_inner();
    get_one(&req, &state, &auth, &party, id, Direction::Incoming).await
}

async fn events(
    req: &HttpRequest,
    state: &AppState,
    auth: &PartyAuth,
    party_id: &str,
    id: Uuid,
    direction: Direction,
    page: PageParams,
) -> Result<web::Json<DocumentEventPage>, ApiError> {
    let client = client_info(req);
    let page = service::history(
        &state.db,
        &state.db,
        &auth.caller(&client),
        party_id,
        direction,
        id,
        &page.into(),
    )
    .await?;
    Ok(web::Json(DocumentEventPage::from_page(page, Into::into)))
}

/// A sales invoice's history, newest first.
#[utoipa::path(tag = TAG, operation_id = "getSalesInvoiceEvents", security(("bearer" = [])),
    params(("partyId" = String, Path), ("id" = Uuid, Path), PageParams),
    responses((status = OK, body = DocumentEventPage), (status = BAD_REQUEST, description = "A malformed page size or cursor.", body = ErrorBody), (status = NOT_FOUND, description = "No such party or document for the caller.", body = ErrorBody)))]
#[get("/parties/{partyId}/sales-invoices/{id}/events")]
async fn sales_invoice_events(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: PartyAuth,
    path: web::Path<(String, Uuid)>,
    page: web::Query<PageParams>,
) -> Result<web::Json<DocumentEventPage>, ApiError> {
    let (party, id) = path.into_inner();
    events(
        &req,
        &state,
        &auth,
        &party,
        id,
        Direction::Outgoing,
        page.into_inner(),
    )
    .await
}

/// A purchase invoice's history, newest first.
#[utoipa::path(tag = TAG, operation_id = "getPurchaseInvoiceEvents", security(("bearer" = [])),
    params(("partyId" = String, Path), ("id" = Uuid, Path), PageParams),
    responses((status = OK, body = DocumentEventPage), (status = BAD_REQUEST, description = "A malformed page size or cursor.", body = ErrorBody), (status = NOT_FOUND, description = "No such party or document for the caller.", body = ErrorBody)))]
#[get("/parties/{partyId}/purchase-invoices/{id}/events")]
async fn purchase_invoice_events(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: PartyAuth,
    path: web::Path<(String, Uuid)>,
    page: web::Query<PageParams>,
) -> Result<web::Json<DocumentEventPage>, ApiError> {
    let (party, id) = path.into_inner();
    events(
        &req,
        &state,
        &auth,
        &party,
        id,
        Direction::Incoming,
        page.into_inner(),
    )
    .await
}

/// The form of a download.
#[derive(Deserialize, ToSchema, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum DownloadFormat {
    /// The bytes as received (the default).
    Original,
    /// Converted to UBL 2.1 by the engine.
    Ubl,
    /// Converted to UN/CEFACT CII D16B by the engine.
    Cii,
    /// A PDF: the one the document carries (BT-125, or the hybrid PDF itself), otherwise
    /// one generated by the server.
    Pdf,
    /// A readable HTML rendering (self-contained; shown framed by the web app).
    Html,
}

/// The language of a rendering.
#[derive(Deserialize, ToSchema, Clone, Copy, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum RenderLanguage {
    #[default]
    Nl,
    En,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DownloadParams {
    /// `original` (default), `ubl`, `cii`, `pdf` or `html`.
    #[param(inline)]
    pub format: Option<DownloadFormat>,
    /// The language of `pdf` and `html` renderings (default `nl`).
    #[param(inline)]
    pub lang: Option<RenderLanguage>,
}

/// The bytes of a document in the asked form, with their content type and file extension.
async fn in_format(
    document: &Document,
    bytes: Vec<u8>,
    format: Option<DownloadFormat>,
    lang: Option<RenderLanguage>,
) -> Result<(Vec<u8>, String, &'static str), ApiError> {
    use haven_einvoice::render::Lang;
    let lang = match lang.unwrap_or_default() {
        RenderLanguage::Nl => Lang::Nl,
        RenderLanguage::En => Lang::En,
    };
    let format = format.unwrap_or(DownloadFormat::Original);
    if format == DownloadFormat::Original {
        let ext = if document.content_type == "application/pdf" {
            "pdf"
        } else {
            "xml"
        };
        return Ok((bytes, document.content_type.clone(), ext));
    }
    if format == DownloadFormat::Pdf && document.content_type == "application/pdf" {
        return Ok((bytes, "application/pdf".into(), "pdf"));
    }
    let converted = web::block(move || -> Result<(Vec<u8>, String, &'static str), String> {
        match format {
            DownloadFormat::Ubl | DownloadFormat::Cii => {
                let syntax = if format == DownloadFormat::Ubl {
                    Syntax::Ubl
                } else {
                    Syntax::Cii
                };
                haven_einvoice::transform(&bytes, syntax)
                    .map(|x| (x, "application/xml".to_owned(), "xml"))
                    .map_err(|e| e.to_string())
            }
            DownloadFormat::Pdf => match haven_einvoice::embedded_pdf(&bytes) {
                Some(file) => Ok((file.bytes, "application/pdf".to_owned(), "pdf")),
                None => haven_einvoice::render_pdf(&bytes, lang)
                    .map(|x| (x, "application/pdf".to_owned(), "pdf"))
                    .map_err(|e| e.to_string()),
            },
            DownloadFormat::Html | DownloadFormat::Original => {
                haven_einvoice::render_html(&bytes, lang)
                    .map(|x| {
                        (
                            x.into_bytes(),
                            "text/html; charset=utf-8".to_owned(),
                            "html",
                        )
                    })
                    .map_err(|e| e.to_string())
            }
        }
    })
    .await
    .map_err(|e| ApiError::Internal(anyhow::anyhow!("conversion task failed: {e}")))?;
    converted.map_err(|e| ApiError::Unprocessable {
        message: format!("The document cannot be converted: {e}"),
        details: Vec::new(),
    })
}

/// A download response. An HTML rendering may load nothing but its own stylesheet, runs
/// sandboxed, and may be framed only by the web app.
fn file_response(
    bytes: Vec<u8>,
    content_type: String,
    name: &str,
    extension: &str,
) -> HttpResponse {
    use base64::Engine;
    use sha2::Digest;
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut response = HttpResponse::Ok();
    response.content_type(content_type);
    if extension == "html" {
        let hash = base64::engine::general_purpose::STANDARD
            .encode(sha2::Sha256::digest(haven_einvoice::STYLESHEET.as_bytes()));
        response
            .insert_header((
                header::CONTENT_SECURITY_POLICY,
                format!("default-src 'none'; style-src 'sha256-{hash}'; frame-ancestors 'self'; sandbox"),
            ))
            .insert_header((header::X_FRAME_OPTIONS, "SAMEORIGIN"))
            .insert_header((header::CONTENT_DISPOSITION, format!("inline; filename=\"{safe}.html\"")));
    } else {
        response.insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{safe}.{extension}\""),
        ));
    }
    response.body(bytes)
}

#[allow(clippy::too_many_arguments)]
async fn download(
    req: &HttpRequest,
    state: &AppState,
    auth: &PartyAuth,
    party_id: &str,
    id: Uuid,
    direction: Direction,
    format: Option<DownloadFormat>,
    lang: Option<RenderLanguage>,
) -> Result<HttpResponse, ApiError> {
    let client = client_info(req);
    let (document, bytes) = service::download(
        &state.db,
        &state.db,
        &state.blobs,
        &auth.caller(&client),
        party_id,
        direction,
        id,
    )
    .await?;
    let name = document
        .facts
        .number
        .clone()
        .unwrap_or_else(|| document.id.to_string());
    let (bytes, content_type, extension) = in_format(&document, bytes, format, lang).await?;
    Ok(file_response(bytes, content_type, &name, extension))
}

/// Download a sales invoice: the original, or converted to UBL or CII.
#[utoipa::path(tag = TAG, operation_id = "downloadSalesInvoice", security(("bearer" = [])),
    params(("partyId" = String, Path), ("id" = Uuid, Path), DownloadParams),
    responses(
        (status = OK, description = "The document.", content((crate::routes::documents::BinaryFile = "application/xml"), (crate::routes::documents::BinaryFile = "application/pdf"), (String = "text/html"))),
        (status = NOT_FOUND, description = "No such party or document for the caller.", body = ErrorBody),
        (status = CONFLICT, description = "Retention removed the original (`document_purged`).", body = ErrorBody),
        (status = UNPROCESSABLE_ENTITY, description = "The document cannot be converted to that syntax.", body = ErrorBody)))]
#[get("/parties/{partyId}/sales-invoices/{id}/download")]
async fn download_sales_invoice(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: PartyAuth,
    path: web::Path<(String, Uuid)>,
    query: web::Query<DownloadParams>,
) -> Result<HttpResponse, ApiError> {
    let (party, id) = path.into_inner();
    download(
        &req,
        &state,
        &auth,
        &party,
        id,
        Direction::Outgoing,
        query.format,
        query.lang,
    )
    .await
}

/// Download a purchase invoice: the original, or converted to UBL or CII. A new invoice
/// becomes Downloaded.
#[utoipa::path(tag = TAG, operation_id = "downloadPurchaseInvoice", security(("bearer" = [])),
    params(("partyId" = String, Path), ("id" = Uuid, Path), DownloadParams),
    responses(
        (status = OK, description = "The document.", content((crate::routes::documents::BinaryFile = "application/xml"), (crate::routes::documents::BinaryFile = "application/pdf"), (String = "text/html"))),
        (status = NOT_FOUND, description = "No such party or document for the caller.", body = ErrorBody),
        (status = CONFLICT, description = "Retention removed the original (`document_purged`).", body = ErrorBody),
        (status = UNPROCESSABLE_ENTITY, description = "The document cannot be converted to that syntax.", body = ErrorBody)))]
#[get("/parties/{partyId}/purchase-invoices/{id}/download")]
async fn download_purchase_invoice(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: PartyAuth,
    path: web::Path<(String, Uuid)>,
    query: web::Query<DownloadParams>,
) -> Result<HttpResponse, ApiError> {
    let (party, id) = path.into_inner();
    download(
        &req,
        &state,
        &auth,
        &party,
        id,
        Direction::Incoming,
        query.format,
        query.lang,
    )
    .await
}

/// Send a document again.
#[derive(Deserialize, ToSchema, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ResendRequest {
    /// Try this receiver id (`scheme:value`) first.
    #[schema(example = "0106:87654321")]
    pub receiver_id: Option<String>,
}

/// Resend a delivered or failed sales invoice, optionally to another receiver id first.
#[utoipa::path(tag = TAG, operation_id = "resendSalesInvoice", security(("bearer" = [])),
    params(("partyId" = String, Path), ("id" = Uuid, Path)),
    request_body = ResendRequest,
    responses(
        (status = ACCEPTED, description = "Queued for delivery again.", body = DocumentDto),
        (status = BAD_REQUEST, description = "A malformed receiver id.", body = ErrorBody),
        (status = FORBIDDEN, body = ErrorBody),
        (status = NOT_FOUND, description = "No such party or document for the caller.", body = ErrorBody),
        (status = CONFLICT, description = "Delivery is still under way (`delivery_in_progress`).", body = ErrorBody)))]
#[post("/parties/{partyId}/sales-invoices/{id}/resend")]
async fn resend_sales_invoice(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: PartyAuth,
    path: web::Path<(String, Uuid)>,
    body: JsonBody<ResendRequest>,
) -> Result<HttpResponse, ApiError> {
    let client = client_info(&req);
    let (party, id) = path.into_inner();
    let document = service::resend(
        &state.db,
        &state.db,
        &state.send_settings.delivery,
        &auth.caller(&client),
        &party,
        id,
        body.into_inner().receiver_id,
    )
    .await?;
    state.job_waker.notify_one();
    Ok(HttpResponse::Accepted().json(DocumentDto::from(&document)))
}

/// A status set by hand.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StatusRequest {
    /// `received` (also: "this duplicate is the original"), `downloaded`, `opened`,
    /// `under_review`, `approved`, `paid` or `rejected`.
    pub status: DocumentStatus,
    /// Kept in the history.
    #[schema(max_length = 1000)]
    pub note: Option<String>,
}

/// Set a purchase invoice's status; the history records who and why.
#[utoipa::path(tag = TAG, operation_id = "setPurchaseInvoiceStatus", security(("bearer" = [])),
    params(("partyId" = String, Path), ("id" = Uuid, Path)),
    request_body = StatusRequest,
    responses(
        (status = OK, body = DocumentDto),
        (status = BAD_REQUEST, description = "A status that cannot be set by hand, or a note over 1000 characters.", body = ErrorBody),
        (status = FORBIDDEN, body = ErrorBody),
        (status = NOT_FOUND, description = "No such party or document for the caller.", body = ErrorBody)))]
#[post("/parties/{partyId}/purchase-invoices/{id}/status")]
async fn set_purchase_invoice_status(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: PartyAuth,
    path: web::Path<(String, Uuid)>,
    body: JsonBody<StatusRequest>,
) -> Result<web::Json<DocumentDto>, ApiError> {
    let client = client_info(&req);
    let (party, id) = path.into_inner();
    let body = body.into_inner();
    let document = service::change_status(
        &state.db,
        &state.db,
        &auth.caller(&client),
        &party,
        id,
        body.status,
        body.note,
    )
    .await?;
    Ok(web::Json((&document).into()))
}

/// A reason or action code of an Invoice Response, with an optional text.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClarificationDto {
    /// A code of `OPStatusReason` (reasons: NON, REF, LEG, REC, QUA, DEL, PRI, QTY, ITM,
    /// PAY, UNR, FIN, PPD, OTH) or `OPStatusAction` (actions: NOA, PIN, NIN, CNF, CNP, CNA, OTH).
    #[schema(example = "REF", max_length = 3)]
    pub code: String,
    #[schema(max_length = 1000)]
    pub text: Option<String>,
}

/// The buyer's answer to a purchase invoice.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RespondRequest {
    /// AB acknowledged, IP in process, UQ under query, CA conditionally accepted, RE rejected,
    /// AP accepted, PD paid. UQ, CA and RE need a reason.
    pub code: ResponseCode,
    #[serde(default)]
    pub reasons: Vec<ClarificationDto>,
    #[serde(default)]
    pub actions: Vec<ClarificationDto>,
    #[schema(max_length = 1000)]
    pub note: Option<String>,
}

/// Answer a purchase invoice with a Peppol Invoice Response.
///
/// The response is a UBL ApplicationResponse (Peppol Invoice Response 3.0), sent back to the
/// seller through the same channels; the invoice's status follows the code (AP approved, RE
/// rejected, PD paid, IP/UQ/CA under review) and the seller's outbox shows it.
#[utoipa::path(tag = TAG, operation_id = "respondToPurchaseInvoice", security(("bearer" = [])),
    params(("partyId" = String, Path), ("id" = Uuid, Path)),
    request_body = RespondRequest,
    responses(
        (status = ACCEPTED, description = "The response is queued for the seller; the invoice as it is now.", body = DocumentDto),
        (status = BAD_REQUEST, description = "A code outside the lists, or a missing reason for UQ, CA or RE.", body = ErrorBody),
        (status = FORBIDDEN, body = ErrorBody),
        (status = NOT_FOUND, description = "No such party or document for the caller.", body = ErrorBody)))]
#[post("/parties/{partyId}/purchase-invoices/{id}/responses")]
async fn respond_to_purchase_invoice(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: PartyAuth,
    path: web::Path<(String, Uuid)>,
    body: JsonBody<RespondRequest>,
) -> Result<HttpResponse, ApiError> {
    use haven_domain::documents::responses::{self, ClarificationInput, RespondInput};
    let client = client_info(&req);
    let (party, id) = path.into_inner();
    let body = body.into_inner();
    let clarify = |items: Vec<ClarificationDto>| {
        items
            .into_iter()
            .map(|c| ClarificationInput {
                code: c.code,
                text: c.text,
            })
            .collect()
    };
    let input = RespondInput {
        code: body.code,
        reasons: clarify(body.reasons),
        actions: clarify(body.actions),
        note: body.note,
    };
    let document = responses::respond(
        &state.db,
        &state.db,
        &state.blobs,
        &state.send_settings.delivery,
        &auth.caller(&client),
        &party,
        id,
        input,
    )
    .await?;
    state.job_waker.notify_one();
    Ok(HttpResponse::Accepted().json(DocumentDto::from(&document)))
}

/// Delete a purchase invoice from the inbox; its details and history are kept.
#[utoipa::path(tag = TAG, operation_id = "deletePurchaseInvoice", security(("bearer" = [])),
    params(("partyId" = String, Path), ("id" = Uuid, Path)),
    responses(
        (status = NO_CONTENT, description = "Removed from the inbox."),
        (status = FORBIDDEN, body = ErrorBody),
        (status = NOT_FOUND, description = "No such party or document for the caller.", body = ErrorBody)))]
#[delete("/parties/{partyId}/purchase-invoices/{id}")]
async fn delete_purchase_invoice(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: PartyAuth,
    path: web::Path<(String, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let client = client_info(&req);
    let (party, id) = path.into_inner();
    service::delete(&state.db, &state.db, &auth.caller(&client), &party, id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Mark a purchase invoice opened (the web app calls this when a person views it).
#[utoipa::path(tag = TAG, operation_id = "openPurchaseInvoice", security(("bearer" = [])),
    params(("partyId" = String, Path), ("id" = Uuid, Path)),
    responses(
        (status = OK, body = DocumentDto),
        (status = NOT_FOUND, description = "No such party or document for the caller.", body = ErrorBody)))]
#[post("/parties/{partyId}/purchase-invoices/{id}/opened")]
async fn open_purchase_invoice(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: PartyAuth,
    path: web::Path<(String, Uuid)>,
) -> Result<web::Json<DocumentDto>, ApiError> {
    let client = client_info(&req);
    let caller = auth.caller(&client);
    let (party, id) = path.into_inner();
    let (_, document) = service::find_document(
        &state.db,
        &state.db,
        &caller,
        &party,
        Direction::Incoming,
        id,
        PartyAction::ReadReceived,
    )
    .await?;
    service::mark_opened(&state.db, &caller, &document).await?;
    get_one(&req, &state, &auth, &party, id, Direction::Incoming).await
}

/// The header that carries a private link's token (kept out of paths and logs).
const LINK_TOKEN_HEADER: &str = "Haven-Link-Token";

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)]
struct LinkTokenHeader {
    /// The token from the link in the invoice email.
    #[param(rename = "Haven-Link-Token")]
    token: String,
}

fn link_token(req: &HttpRequest) -> Result<String, ApiError> {
    req.headers()
        .get(LINK_TOKEN_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .filter(|t| !t.is_empty() && t.len() <= 200)
        .ok_or_else(|| haven_domain::accounts::records::TokenProblem::Unknown.into())
}

/// An invoice behind a private email link.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SharedInvoiceDto {
    pub document: DocumentDto,
    /// Until when the link works.
    pub expires_at: DateTime<Utc>,
}

/// Open an invoice from the private link in an invoice email (no account needed). The first
/// opening is recorded in the sender's history.
#[utoipa::path(tag = TAG, operation_id = "openSharedInvoice",
    params(LinkTokenHeader),
    responses(
        (status = OK, body = SharedInvoiceDto),
        (status = BAD_REQUEST, description = "The link is unknown or expired (`token_invalid`).", body = ErrorBody)))]
#[get("/shared-invoice")]
async fn open_shared_invoice(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<web::Json<SharedInvoiceDto>, ApiError> {
    let shared = service::open_shared(&state.db, &link_token(&req)?).await?;
    Ok(web::Json(SharedInvoiceDto {
        document: (&shared.document).into(),
        expires_at: shared.expires_at,
    }))
}

/// Download the invoice behind a private link: the original, or converted.
#[utoipa::path(tag = TAG, operation_id = "downloadSharedInvoice",
    params(LinkTokenHeader, DownloadParams),
    responses(
        (status = OK, description = "The document.", content((crate::routes::documents::BinaryFile = "application/xml"), (crate::routes::documents::BinaryFile = "application/pdf"), (String = "text/html"))),
        (status = BAD_REQUEST, description = "The link is unknown or expired (`token_invalid`).", body = ErrorBody),
        (status = UNPROCESSABLE_ENTITY, description = "The document cannot be converted to that syntax.", body = ErrorBody)))]
#[get("/shared-invoice/download")]
async fn download_shared_invoice(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<DownloadParams>,
) -> Result<HttpResponse, ApiError> {
    use haven_domain::documents::blobs::DocumentStore;
    let shared = service::open_shared(&state.db, &link_token(&req)?).await?;
    let bytes = state.blobs.get(&shared.document.content_hash).await?;
    let name = shared
        .document
        .facts
        .number
        .clone()
        .unwrap_or_else(|| "invoice".into());
    let (bytes, content_type, extension) =
        in_format(&shared.document, bytes, query.format, query.lang).await?;
    Ok(file_response(bytes, content_type, &name, extension))
}

/// Share with a user of the environment.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ShareRequest {
    pub user_id: Uuid,
    pub access: haven_domain::documents::sharing::ShareAccess,
}

async fn share(
    req: &HttpRequest,
    state: &AppState,
    auth: &Authenticated,
    party_id: &str,
    id: Uuid,
    direction: Direction,
    body: ShareRequest,
) -> Result<HttpResponse, ApiError> {
    let client = client_info(req);
    haven_domain::documents::sharing::share(
        &state.db,
        &state.db,
        &state.db,
        &state.db,
        &auth.caller(&client),
        party_id,
        direction,
        id,
        body.user_id,
        body.access,
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Share a sales invoice with a user of the environment (view, or full access to the files);
/// the history records it.
#[utoipa::path(tag = TAG, operation_id = "shareSalesInvoice", security(("bearer" = [])),
    params(("partyId" = String, Path), ("id" = Uuid, Path)), request_body = ShareRequest,
    responses((status = NO_CONTENT, description = "Shared."), (status = BAD_REQUEST, description = "Not a user of this environment, or the caller.", body = ErrorBody), (status = FORBIDDEN, body = ErrorBody), (status = NOT_FOUND, description = "No such party or document for the caller.", body = ErrorBody)))]
#[post("/parties/{partyId}/sales-invoices/{id}/shares")]
async fn share_sales_invoice(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(String, Uuid)>,
    body: JsonBody<ShareRequest>,
) -> Result<HttpResponse, ApiError> {
    let (party, id) = path.into_inner();
    share(
        &req,
        &state,
        &auth,
        &party,
        id,
        Direction::Outgoing,
        body.into_inner(),
    )
    .await
}

/// Share a purchase invoice with a user of the environment (view, or full access to the
/// files); the history records it.
#[utoipa::path(tag = TAG, operation_id = "sharePurchaseInvoice", security(("bearer" = [])),
    params(("partyId" = String, Path), ("id" = Uuid, Path)), request_body = ShareRequest,
    responses((status = NO_CONTENT, description = "Shared."), (status = BAD_REQUEST, description = "Not a user of this environment, or the caller.", body = ErrorBody), (status = FORBIDDEN, body = ErrorBody), (status = NOT_FOUND, description = "No such party or document for the caller.", body = ErrorBody)))]
#[post("/parties/{partyId}/purchase-invoices/{id}/shares")]
async fn share_purchase_invoice(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(String, Uuid)>,
    body: JsonBody<ShareRequest>,
) -> Result<HttpResponse, ApiError> {
    let (party, id) = path.into_inner();
    share(
        &req,
        &state,
        &auth,
        &party,
        id,
        Direction::Incoming,
        body.into_inner(),
    )
    .await
}

/// A document shared with the caller.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SharedDocumentDto {
    pub document: DocumentDto,
    pub access: haven_domain::documents::sharing::ShareAccess,
    pub shared_by: String,
    pub shared_at: DateTime<Utc>,
}

impl From<haven_domain::documents::sharing::SharedWithMe> for SharedDocumentDto {
    fn from(s: haven_domain::documents::sharing::SharedWithMe) -> Self {
        Self {
            document: (&s.document).into(),
            access: s.access,
            shared_by: s.shared_by,
            shared_at: s.shared_at,
        }
    }
}

page_of!(
    SharedDocumentPage,
    SharedDocumentDto,
    "One page of the documents shared with the caller, newest share first."
);

/// The documents other users shared with the caller.
#[utoipa::path(tag = TAG, operation_id = "listSharedWithMe", security(("bearer" = [])), params(PageParams),
    responses((status = OK, body = SharedDocumentPage), (status = BAD_REQUEST, description = "A malformed page size or cursor.", body = ErrorBody)))]
#[get("/shared-with-me")]
async fn list_shared_with_me(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    page: web::Query<PageParams>,
) -> Result<web::Json<SharedDocumentPage>, ApiError> {
    let client = client_info(&req);
    let page = haven_domain::documents::sharing::shared_with_me(
        &state.db,
        &auth.caller(&client),
        &page.into_inner().into(),
    )
    .await?;
    Ok(web::Json(SharedDocumentPage::from_page(page, Into::into)))
}

/// One document shared with the caller.
#[utoipa::path(tag = TAG, operation_id = "getSharedWithMe", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = OK, body = SharedDocumentDto), (status = NOT_FOUND, description = "Not shared with the caller.", body = ErrorBody)))]
#[get("/shared-with-me/{id}")]
async fn get_shared_with_me(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
) -> Result<web::Json<SharedDocumentDto>, ApiError> {
    let client = client_info(&req);
    let shared = haven_domain::documents::sharing::shared_document(
        &state.db,
        &auth.caller(&client),
        *path,
        false,
    )
    .await?;
    Ok(web::Json(shared.into()))
}

/// A document shared with the caller as a file: the rendering (`html`, `pdf`) with view
/// access, the original and converted files (`original`, `ubl`, `cii`) with full access.
#[utoipa::path(tag = TAG, operation_id = "downloadSharedWithMe", security(("bearer" = [])), params(("id" = Uuid, Path), DownloadParams),
    responses(
        (status = OK, description = "The document.", content((crate::routes::documents::BinaryFile = "application/xml"), (crate::routes::documents::BinaryFile = "application/pdf"), (String = "text/html"))),
        (status = FORBIDDEN, description = "A view share asked for the files.", body = ErrorBody),
        (status = NOT_FOUND, description = "Not shared with the caller.", body = ErrorBody),
        (status = CONFLICT, description = "Retention removed the original (`document_purged`).", body = ErrorBody),
        (status = UNPROCESSABLE_ENTITY, description = "The document cannot be converted to that syntax.", body = ErrorBody)))]
#[get("/shared-with-me/{id}/download")]
async fn download_shared_with_me(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
    query: web::Query<DownloadParams>,
) -> Result<HttpResponse, ApiError> {
    let client = client_info(&req);
    let files = !matches!(
        query.format,
        Some(DownloadFormat::Html | DownloadFormat::Pdf)
    );
    let shared = haven_domain::documents::sharing::shared_document(
        &state.db,
        &auth.caller(&client),
        *path,
        files,
    )
    .await?;
    let bytes = service::original_bytes(&state.blobs, &shared.document).await?;
    let name = shared
        .document
        .facts
        .number
        .clone()
        .unwrap_or_else(|| shared.document.id.to_string());
    let (bytes, content_type, extension) =
        in_format(&shared.document, bytes, query.format, query.lang).await?;
    Ok(file_response(bytes, content_type, &name, extension))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(share_sales_invoice)
        .service(share_purchase_invoice)
        .service(list_shared_with_me)
        .service(get_shared_with_me)
        .service(download_shared_with_me);
    // query-recipient before {id}, so that it is not taken for an id.
    cfg.service(query_recipient)
        .service(send_sales_invoice)
        .service(list_sales_invoices)
        .service(get_sales_invoice)
        .service(sales_invoice_events)
        .service(download_sales_invoice)
        .service(resend_sales_invoice)
        .service(list_purchase_invoices)
        .service(get_purchase_invoice)
        .service(purchase_invoice_events)
        .service(download_purchase_invoice)
        .service(set_purchase_invoice_status)
        .service(delete_purchase_invoice)
        .service(open_purchase_invoice)
        .service(respond_to_purchase_invoice)
        .service(open_shared_invoice)
        .service(download_shared_invoice);
}
