//! Haven's Peppol AS4 receiving endpoint (C3): `POST /as4` takes a message from another
//! access point and answers, in the same HTTP response, with a signed receipt or ebMS error
//! (HTTP 200 either way, as the Peppol AS4 profile does). A Peppol interface: outside `/api`,
//! unauthenticated at the HTTP level (messages are signed), not in the OpenAPI document.
//! Served only when AS4 receiving is configured; the work is the domain's `receive_message`.

use actix_web::{http::header::CONTENT_TYPE, web, HttpRequest, HttpResponse};
use haven_domain::peppol::{
    receiving::{receive_message, Posted},
    sending::PeppolChannel,
};
use haven_peppol::as4::inbound::BlockingAs4Receiver;

use crate::{
    error::ApiError, inspector::BlockingInspector, routes::auth::client_info, state::AppState,
};

/// Where the endpoint is.
pub const AS4_PATH: &str = "/as4";

/// What sending over Peppol needs: where receivers are found and the AS4 sender. Present
/// only when both a locator and the access point's key are configured; without it the
/// document exchange's Peppol channel is `PeppolNotConfigured`.
pub struct PeppolNetwork {
    pub locator: haven_peppol::config::Locator,
    pub sender: haven_peppol::as4::outbound::As4Sender,
}

impl PeppolNetwork {
    /// The document exchange's Peppol channel over this network, for the delivery
    /// `delivery_id` (its AS4 MessageId is made from it; nil when only asking whether a
    /// receiver can be reached, which sends nothing).
    pub fn channel<'a, R, B>(
        &'a self,
        records: &'a R,
        blobs: &'a B,
        delivery_id: uuid::Uuid,
    ) -> PeppolChannel<
        'a,
        R,
        B,
        haven_peppol::config::Locator,
        haven_peppol::as4::outbound::As4Sender,
        BlockingInspector,
    > {
        PeppolChannel {
            records,
            blobs,
            locator: &self.locator,
            sender: &self.sender,
            forms: &BlockingInspector,
            delivery_id,
        }
    }
}

/// The configured receiver.
#[derive(Clone)]
pub struct As4(pub BlockingAs4Receiver);

pub async fn receive(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
    as4: web::Data<As4>,
) -> Result<HttpResponse, ApiError> {
    // Checked before any signature or decryption work: the endpoint is open to anyone.
    let address = client_info(&req).ip.unwrap_or_default();
    if let Err(retry_after_secs) = state.as4_ip_limiter.check(&address) {
        tracing::warn!(%address, "AS4 messages over the limit per address");
        return Err(ApiError::TooManyRequests { retry_after_secs });
    }
    let content_type = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    // actix's buffer becomes the message's own (no copy while nothing else shares it), with
    // the Content-Type line put in front of the body where it lies: the form the message is
    // kept in as evidence, so that neither the adapter nor the evidence needs a copy.
    let posted = Posted::from_body(content_type, Vec::from(body));
    let signal = receive_message(
        &state.db,
        &state.blobs,
        &BlockingInspector,
        &as4.0,
        state.receiving_price().to_owned(),
        posted,
    )
    .await?;
    Ok(HttpResponse::Ok()
        .content_type(signal.content_type)
        .body(signal.body))
}
