//! Incoming AS4 messages Haven refused, as platform operators see them: the list (newest
//! first, by reason) and the bytes kept of each message as it arrived.

use actix_web::{get, http::header, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use haven_domain::peppol::refusals::{
    list_refusals, refused_message, IncomingRefusal, RefusalFilter, RefusalReason,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::{auth::client_info, paging::page_of};
use crate::{
    auth::Authenticated,
    error::{ApiError, ErrorBody},
    state::AppState,
};

const TAG: &str = "operator";

/// One refused incoming message.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IncomingRefusalDto {
    pub id: Uuid,
    pub refused_at: DateTime<Utc>,
    pub reason: RefusalReason,
    /// The sending access point's seat id (its AS4 From PartyId), when it could be read.
    pub sender_access_point: Option<String>,
    /// Whether the message's signature verified with a trusted certificate of that seat id;
    /// false means the seat id is only what the message claims.
    pub sender_verified: bool,
    /// The AS4 MessageId, when it could be read.
    pub message_id: Option<String>,
    /// The ebMS error answered (`EBMS:0004`); null for a rebuilt MessageId, answered with a
    /// receipt.
    pub ebms_code: Option<String>,
    /// The Peppol code of the error's detail (`PEPPOL:NOT_SERVICED`), when it has one.
    pub peppol_code: Option<String>,
    /// Why, as the error's description said it.
    pub description: String,
    /// Whether the message's bytes were kept (see the download).
    pub message_kept: bool,
    /// Whether only the first 16 KiB were kept (an unauthenticated sender).
    pub message_truncated: bool,
    /// SHA-256 of the bytes kept, as the download gives them.
    pub message_sha256: Option<String>,
}

impl From<IncomingRefusal> for IncomingRefusalDto {
    fn from(r: IncomingRefusal) -> Self {
        let record = r.record;
        let (ebms_code, peppol_code) = record
            .error
            .map_or((None, None), |e| (Some(e.ebms_code), e.peppol_code));
        Self {
            id: r.id,
            refused_at: record.refused_at,
            reason: record.reason,
            sender_access_point: record.sender_access_point,
            sender_verified: record.sender_verified,
            message_id: record.message_id,
            ebms_code,
            peppol_code,
            description: record.description,
            message_kept: record.message_hash.is_some(),
            message_truncated: record.message_truncated,
            message_sha256: record.message_hash.map(|h| h.as_str().to_owned()),
        }
    }
}

page_of!(
    IncomingRefusalPage,
    IncomingRefusalDto,
    "One page of refused incoming AS4 messages, newest first."
);

#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct RefusalParams {
    /// Only refusals of this reason.
    pub reason: Option<RefusalReason>,
    /// Page size (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// The `nextCursor` of the previous page; omit for the first.
    pub before: Option<String>,
}

/// Incoming AS4 messages that were refused (and MessageIds that came again with other
/// content), newest first (platform operators only).
#[utoipa::path(
    tag = TAG,
    operation_id = "listIncomingPeppolRefusals",
    security(("bearer" = [])),
    params(RefusalParams),
    responses(
        (status = OK, body = IncomingRefusalPage),
        (status = BAD_REQUEST, description = "An unknown reason, or a malformed page size or cursor.", body = ErrorBody),
        (status = UNAUTHORIZED, description = "No valid access token.", body = ErrorBody),
        (status = FORBIDDEN, description = "Two-factor authentication is required first.", body = ErrorBody),
        (status = NOT_FOUND, description = "Not an operator.", body = ErrorBody),
    )
)]
#[get("/operator/peppol/incoming-refusals")]
async fn list_incoming_refusals(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    params: web::Query<RefusalParams>,
) -> Result<web::Json<IncomingRefusalPage>, ApiError> {
    let params = params.into_inner();
    let filter = RefusalFilter {
        reason: params.reason,
        limit: params.limit,
        before: params.before,
    };
    let client = client_info(&req);
    let page = list_refusals(&state.db, &state.operators, &auth.caller(&client), filter).await?;
    Ok(web::Json(IncomingRefusalPage::from_page(
        page,
        IncomingRefusalDto::from,
    )))
}

/// The bytes kept of a refused message as it arrived: its Content-Type header, a blank line
/// and the MIME body (or their first 16 KiB), hashing to the listed SHA-256 (platform
/// operators only).
#[utoipa::path(
    tag = TAG,
    operation_id = "downloadIncomingPeppolRefusalMessage",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The refusal's id")),
    responses(
        (status = OK, description = "The stored bytes.", content((crate::routes::documents::BinaryFile = "application/octet-stream"))),
        (status = UNAUTHORIZED, description = "No valid access token.", body = ErrorBody),
        (status = FORBIDDEN, description = "Two-factor authentication is required first.", body = ErrorBody),
        (status = NOT_FOUND, description = "No such refusal, or not an operator.", body = ErrorBody),
        (status = CONFLICT, description = "The message's bytes were not kept (`refused_message_not_kept`).", body = ErrorBody),
    )
)]
#[get("/operator/peppol/incoming-refusals/{id}/message")]
async fn download_incoming_refusal_message(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let client = client_info(&req);
    let id = path.into_inner();
    let bytes = refused_message(
        &state.db,
        &state.blobs,
        &state.operators,
        &auth.caller(&client),
        id,
    )
    .await?;
    Ok(HttpResponse::Ok()
        .content_type("application/octet-stream")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"peppol-refused-{id}.mime\""),
        ))
        .body(bytes))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_incoming_refusals)
        .service(download_incoming_refusal_message);
}
