//! The evidence of a document's Peppol (AS4) exchanges: the list under a sales or purchase
//! invoice, and the stored blobs (the signed message, the receipt, the UBL form sent), with
//! the same authorization as the document's other pages.

use actix_web::{get, http::header, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use haven_domain::{
    documents::records::Direction,
    peppol::{
        evidence::{self, Evidence, EvidencePart},
        reporting,
    },
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::{
    auth::client_info,
    paging::{page_of, PageParams},
};
use crate::{
    auth::PartyAuth,
    error::{ApiError, ErrorBody},
    state::AppState,
};

const TAG: &str = "invoices";

page_of!(
    PeppolExchangePage,
    PeppolExchangeDto,
    "One page of a document's Peppol exchanges, newest first."
);

/// One AS4 message a document was sent or received in, answered with a receipt.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PeppolExchangeDto {
    pub id: Uuid,
    /// `outgoing`: Haven sent the message; `incoming`: Haven received it (for a sales
    /// invoice, the buyer's Invoice Response).
    pub direction: Direction,
    /// The AS4 MessageId.
    #[schema(example = "0b6d3f4e-3c1a-4c2e-9d7a-2f1e8c5b7a10@haven")]
    pub message_id: String,
    /// The seat id of the sending access point (its certificate's CN).
    #[schema(example = "PNL000001")]
    pub sending_access_point: String,
    /// The seat id of the receiving access point.
    #[schema(example = "PNL000002")]
    pub receiving_access_point: String,
    /// When the receipt (or the refusal) came (outgoing) or was given (incoming).
    pub receipt_at: DateTime<Utc>,
    /// SHA-256 (hex) of the stored message: its Content-Type header, a blank line and the
    /// body as posted (signed, and encrypted, MIME).
    pub message_sha256: String,
    /// SHA-256 (hex) of the stored receipt, in the same form; for a refused message, of the
    /// signed ebMS error that refused it.
    pub receipt_sha256: String,
    /// SHA-256 (hex) of the UBL form sent, when the original is CII or a PDF.
    pub ubl_sha256: Option<String>,
    /// The ebMS error code and description when the receiving access point refused the
    /// message (the document then failed); null when a receipt answered it.
    #[schema(example = "EBMS:0004 PEPPOL:NOT_SERVICED")]
    pub refusal: Option<String>,
    /// Whether the blobs are still stored; false once retention removed them with the
    /// document's original (their downloads then answer 409 `evidence_purged`).
    pub held: bool,
}

impl From<Evidence> for PeppolExchangeDto {
    fn from(e: Evidence) -> Self {
        let r = e.record;
        Self {
            id: e.id,
            direction: match r.direction {
                reporting::Direction::Outgoing => Direction::Outgoing,
                reporting::Direction::Incoming => Direction::Incoming,
            },
            message_id: r.message_id,
            sending_access_point: r.sending_seat,
            receiving_access_point: r.receiving_seat,
            receipt_at: r.exchanged_at,
            message_sha256: r.message_hash.to_string(),
            receipt_sha256: r.signal_hash.to_string(),
            ubl_sha256: r.ubl_hash.map(|h| h.to_string()),
            refusal: r.refusal,
            held: e.purged_at.is_none(),
        }
    }
}

/// Which stored blob of an exchange.
#[derive(Deserialize, ToSchema, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum PeppolEvidencePart {
    /// The message as posted: `Content-Type: …`, a blank line, the MIME body.
    Message,
    /// The receipt (signed ebMS signal), in the same form; for a refused message the signed
    /// ebMS error.
    Receipt,
    /// The UBL form sent (only when `ublSha256` is set).
    Ubl,
}

impl From<PeppolEvidencePart> for EvidencePart {
    fn from(p: PeppolEvidencePart) -> Self {
        match p {
            PeppolEvidencePart::Message => Self::Message,
            PeppolEvidencePart::Receipt => Self::Receipt,
            PeppolEvidencePart::Ubl => Self::Ubl,
        }
    }
}

async fn list(
    req: &HttpRequest,
    state: &AppState,
    auth: &PartyAuth,
    (party_id, id): (String, Uuid),
    direction: Direction,
    page: PageParams,
) -> Result<web::Json<PeppolExchangePage>, ApiError> {
    let client = client_info(req);
    let page = evidence::list_exchanges(
        &state.db,
        &state.db,
        &auth.caller(&client),
        &party_id,
        direction,
        id,
        &page.into(),
    )
    .await?;
    Ok(web::Json(PeppolExchangePage::from_page(page, Into::into)))
}

async fn download(
    req: &HttpRequest,
    state: &AppState,
    auth: &PartyAuth,
    (party_id, id, exchange_id, part): (String, Uuid, Uuid, PeppolEvidencePart),
    direction: Direction,
) -> Result<HttpResponse, ApiError> {
    let client = client_info(req);
    let (_, bytes) = evidence::evidence_bytes(
        &state.db,
        &state.db,
        &state.blobs,
        &auth.caller(&client),
        &party_id,
        direction,
        id,
        exchange_id,
        part.into(),
    )
    .await?;
    let (content_type, name) = match part {
        PeppolEvidencePart::Message => ("application/octet-stream", "message.mime"),
        PeppolEvidencePart::Receipt => ("application/octet-stream", "receipt.mime"),
        PeppolEvidencePart::Ubl => ("application/xml", "ubl.xml"),
    };
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"peppol-{exchange_id}-{name}\""),
        ))
        .body(bytes))
}

/// A sales invoice's Peppol exchanges, newest first: its delivery over AS4, and the buyer's
/// Invoice Responses received over AS4.
#[utoipa::path(tag = TAG, operation_id = "listSalesInvoicePeppolExchanges", security(("bearer" = [])),
    params(("partyId" = String, Path), ("id" = Uuid, Path), PageParams),
    responses((status = OK, body = PeppolExchangePage),
        (status = BAD_REQUEST, description = "A malformed page size or cursor.", body = ErrorBody),
        (status = NOT_FOUND, description = "No such party or document for the caller.", body = ErrorBody)))]
#[get("/parties/{partyId}/sales-invoices/{id}/peppol-exchanges")]
async fn sales_invoice_exchanges(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: PartyAuth,
    path: web::Path<(String, Uuid)>,
    page: web::Query<PageParams>,
) -> Result<web::Json<PeppolExchangePage>, ApiError> {
    list(
        &req,
        &state,
        &auth,
        path.into_inner(),
        Direction::Outgoing,
        page.into_inner(),
    )
    .await
}

/// A purchase invoice's Peppol exchanges: the AS4 message that brought it.
#[utoipa::path(tag = TAG, operation_id = "listPurchaseInvoicePeppolExchanges", security(("bearer" = [])),
    params(("partyId" = String, Path), ("id" = Uuid, Path), PageParams),
    responses((status = OK, body = PeppolExchangePage),
        (status = BAD_REQUEST, description = "A malformed page size or cursor.", body = ErrorBody),
        (status = NOT_FOUND, description = "No such party or document for the caller.", body = ErrorBody)))]
#[get("/parties/{partyId}/purchase-invoices/{id}/peppol-exchanges")]
async fn purchase_invoice_exchanges(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: PartyAuth,
    path: web::Path<(String, Uuid)>,
    page: web::Query<PageParams>,
) -> Result<web::Json<PeppolExchangePage>, ApiError> {
    list(
        &req,
        &state,
        &auth,
        path.into_inner(),
        Direction::Incoming,
        page.into_inner(),
    )
    .await
}

/// Download a stored blob of a sales invoice's Peppol exchange, byte for byte as its SHA-256
/// was listed.
#[utoipa::path(tag = TAG, operation_id = "downloadSalesInvoicePeppolEvidence", security(("bearer" = [])),
    params(("partyId" = String, Path), ("id" = Uuid, Path), ("exchangeId" = Uuid, Path), ("part" = PeppolEvidencePart, Path)),
    responses(
        (status = OK, description = "The stored bytes.", content((crate::routes::documents::BinaryFile = "application/octet-stream"), (crate::routes::documents::BinaryFile = "application/xml"))),
        (status = NOT_FOUND, description = "No such party, document or exchange for the caller, or the exchange has no such part.", body = ErrorBody),
        (status = CONFLICT, description = "Retention removed the evidence with the document's original (`evidence_purged`).", body = ErrorBody)))]
#[get("/parties/{partyId}/sales-invoices/{id}/peppol-exchanges/{exchangeId}/{part}")]
async fn download_sales_invoice_evidence(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: PartyAuth,
    path: web::Path<(String, Uuid, Uuid, PeppolEvidencePart)>,
) -> Result<HttpResponse, ApiError> {
    download(&req, &state, &auth, path.into_inner(), Direction::Outgoing).await
}

/// Download a stored blob of a purchase invoice's Peppol exchange, byte for byte as its
/// SHA-256 was listed.
#[utoipa::path(tag = TAG, operation_id = "downloadPurchaseInvoicePeppolEvidence", security(("bearer" = [])),
    params(("partyId" = String, Path), ("id" = Uuid, Path), ("exchangeId" = Uuid, Path), ("part" = PeppolEvidencePart, Path)),
    responses(
        (status = OK, description = "The stored bytes.", content((crate::routes::documents::BinaryFile = "application/octet-stream"), (crate::routes::documents::BinaryFile = "application/xml"))),
        (status = NOT_FOUND, description = "No such party, document or exchange for the caller, or the exchange has no such part.", body = ErrorBody),
        (status = CONFLICT, description = "Retention removed the evidence with the document's original (`evidence_purged`).", body = ErrorBody)))]
#[get("/parties/{partyId}/purchase-invoices/{id}/peppol-exchanges/{exchangeId}/{part}")]
async fn download_purchase_invoice_evidence(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: PartyAuth,
    path: web::Path<(String, Uuid, Uuid, PeppolEvidencePart)>,
) -> Result<HttpResponse, ApiError> {
    download(&req, &state, &auth, path.into_inner(), Direction::Incoming).await
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(sales_invoice_exchanges)
        .service(purchase_invoice_exchanges)
        .service(download_sales_invoice_evidence)
        .service(download_purchase_invoice_evidence);
}
