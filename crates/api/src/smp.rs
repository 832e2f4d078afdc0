//! Haven's SMP (Peppol SMP 1.x read side): `GET /smp/{participant}` (the service group) and
//! `GET /smp/{participant}/services/{document type}` (signed service metadata) for every
//! participant id whose organization is active and receives on it (every document type), or
//! sends from it (the Invoice Response only); 404 for anything else.
//! Public and unauthenticated, as the SMP specification requires, and outside `/api` (it is a
//! Peppol interface, not part of Haven's API). Served only when the SMP is configured.
//!
//! `GET /smp/businesscard/{participant}` is the participant's Peppol Directory business card
//! (the Directory's convention, not SMP 1.x), for published participants whose organization
//! is listed in the Directory; 404 otherwise.

use actix_web::{web, HttpRequest, HttpResponse};
use haven_domain::peppol::publishing::{business_card, publication};
use haven_peppol::{
    publisher::{document_type_from_path, participant_from_path, Publisher},
    rollover::Swappable,
};

use crate::{error::ApiError, state::AppState};

/// Where the SMP is mounted.
pub const SMP_PATH: &str = "/smp";

/// The configured SMP; replaced while running when the SMP key or the published AP
/// certificate is renewed on disk.
#[derive(Clone)]
pub struct Smp(pub Swappable<Publisher>);

/// Answers both SMP resources; the path is read raw, since identifiers arrive percent-encoded
/// (`iso6523-actorid-upis%3A%3A0106%3A12345678`) or not.
pub async fn serve(
    req: HttpRequest,
    state: web::Data<AppState>,
    smp: web::Data<Smp>,
) -> Result<HttpResponse, ApiError> {
    let rest = req
        .uri()
        .path()
        .strip_prefix(SMP_PATH)
        .and_then(|p| p.strip_prefix('/'))
        .unwrap_or_default();
    let segments: Vec<&str> = rest.split('/').collect();
    if let ["businesscard", participant] = segments.as_slice() {
        return serve_business_card(&state, participant).await;
    }
    let (participant, document_type) = match segments.as_slice() {
        [participant] => (*participant, None),
        [participant, "services", document_type] => (*participant, Some(*document_type)),
        _ => return Err(ApiError::NotFound),
    };
    let participant = participant_from_path(participant).ok_or(ApiError::NotFound)?;
    let published = publication(&state.db, participant.value())
        .await?
        .ok_or(ApiError::NotFound)?;
    let publisher = smp.0.load();
    let xml = match document_type {
        None => publisher.service_group(&participant, &published),
        Some(segment) => {
            let document_type = document_type_from_path(segment).ok_or(ApiError::NotFound)?;
            publisher
                .signed_metadata(&participant, &published, &document_type)
                .map_err(|e| {
                    ApiError::Internal(anyhow::anyhow!(e).context("signing SMP metadata"))
                })?
                .ok_or(ApiError::NotFound)?
        }
    };
    Ok(HttpResponse::Ok()
        .content_type("text/xml; charset=utf-8")
        .body(xml))
}

/// The business card of a published, listed participant.
async fn serve_business_card(state: &AppState, segment: &str) -> Result<HttpResponse, ApiError> {
    let participant = participant_from_path(segment).ok_or(ApiError::NotFound)?;
    let card = business_card(&state.db, &state.db, participant.value())
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(HttpResponse::Ok()
        .content_type("text/xml; charset=utf-8")
        .body(haven_peppol::publisher::business_card(&participant, &card)))
}
