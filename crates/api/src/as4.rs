//! Haven's Peppol AS4 receiving endpoint (C3): `POST /as4` takes a message from another
//! access point and answers, in the same HTTP response, with a signed receipt or ebMS error
//! (HTTP 200 either way, as the Peppol AS4 profile does). A Peppol interface: outside `/api`,
//! unauthenticated at the HTTP level (messages are signed), not in the OpenAPI document.
//! Served only when AS4 receiving is configured; the work is the domain's `receive_message`.
//!
//! The body is spooled to a file as it arrives (never held in memory), in the form it is kept
//! as evidence, and hashed on the way; a body over `max_body_bytes` is refused as it comes,
//! with a signed ebMS error, and recorded among the refused messages.

use std::path::{Path, PathBuf};

use actix_web::{http::header::CONTENT_TYPE, web, HttpRequest, HttpResponse};
use futures_util::StreamExt as _;
use haven_domain::{
    documents::blobs::ContentHash,
    peppol::{
        receiving::{receive_message, refuse_oversized, Posted},
        sending::PeppolChannel,
    },
};
use haven_peppol::as4::inbound::BlockingAs4Receiver;
use sha2::{Digest as _, Sha256};
use tokio::io::AsyncWriteExt as _;

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

/// The configured receiver, where it spools what is posted, and the most it takes.
pub struct As4 {
    pub receiver: BlockingAs4Receiver,
    pub spool_dir: PathBuf,
    pub max_body_bytes: u64,
}

/// The names of the spool files of messages being received (the directory is shared with
/// other spooling).
const SPOOL_PREFIX: &str = "as4-in-";
/// Bytes written to a spool file at a time.
const SPOOL_BUFFER: usize = 256 * 1024;

/// Makes the spool directory and removes the files of messages that were being received when
/// the server last stopped (their senders got no answer and send again).
///
/// # Errors
/// When the directory cannot be made or read.
pub fn prepare_spool(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    haven_peppol::as4::spool::remove_left(dir, SPOOL_PREFIX, None)?;
    Ok(())
}

/// What spooling a posted body gave.
enum Spooled {
    Whole(Posted),
    /// Over the limit: the start of it.
    TooLarge(Posted),
}

fn spool_failed(e: std::io::Error) -> ApiError {
    ApiError::Internal(anyhow::Error::new(e).context("spooling an AS4 message"))
}

/// Writes the body to a spool file as it arrives, behind its `Content-Type` line (the
/// evidence form), hashing it on the way; stops writing once it is over `limit` bytes.
async fn spool(
    payload: &mut web::Payload,
    dir: &Path,
    content_type: &str,
    limit: u64,
) -> Result<Spooled, ApiError> {
    let named = tempfile::Builder::new()
        .prefix(SPOOL_PREFIX)
        .tempfile_in(dir)
        .map_err(spool_failed)?;
    let (file, path) = named.into_parts();
    let mut out =
        tokio::io::BufWriter::with_capacity(SPOOL_BUFFER, tokio::fs::File::from_std(file));
    let header = format!("Content-Type: {content_type}\r\n\r\n");
    let body_start = header.len() as u64;
    let mut hash = Sha256::new();
    hash.update(header.as_bytes());
    out.write_all(header.as_bytes())
        .await
        .map_err(spool_failed)?;
    let mut body_len: u64 = 0;
    let mut over = false;
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::BadRequest {
            message: format!("the message could not be read: {e}"),
            details: Vec::new(),
        })?;
        body_len += chunk.len() as u64;
        if body_len > limit {
            // What is kept of it fits in what came until now.
            let room = usize::try_from(limit - (body_len - chunk.len() as u64)).unwrap_or(0);
            out.write_all(&chunk[..room.min(chunk.len())])
                .await
                .map_err(spool_failed)?;
            over = true;
            break;
        }
        hash.update(&chunk);
        out.write_all(&chunk).await.map_err(spool_failed)?;
    }
    out.flush().await.map_err(spool_failed)?;
    drop(out);
    if over {
        return Ok(Spooled::TooLarge(Posted::cut_off(
            content_type.to_owned(),
            path,
            body_start,
            body_start + limit,
        )));
    }
    Ok(Spooled::Whole(Posted::spooled(
        content_type.to_owned(),
        path,
        body_start,
        body_start + body_len,
        ContentHash::from_digest(hash.finalize().into()),
    )))
}

/// Reads and drops what is left of a body refused as too large, at most as much again as the
/// limit, so that the sender, still sending, reads the answer; past that the connection is
/// closed with the answer.
async fn drain(payload: &mut web::Payload, limit: u64) {
    let mut dropped: u64 = 0;
    while let Some(Ok(chunk)) = payload.next().await {
        dropped += chunk.len() as u64;
        if dropped > limit {
            break;
        }
    }
}

pub async fn receive(
    req: HttpRequest,
    mut payload: web::Payload,
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
    let signal = match spool(
        &mut payload,
        &as4.spool_dir,
        &content_type,
        as4.max_body_bytes,
    )
    .await?
    {
        Spooled::Whole(posted) => {
            receive_message(
                &state.db,
                &state.blobs,
                &BlockingInspector,
                &as4.receiver,
                state.receiving_price().to_owned(),
                posted,
            )
            .await?
        }
        Spooled::TooLarge(posted) => {
            tracing::info!(%address, limit = as4.max_body_bytes, "AS4 message over the size limit refused");
            drain(&mut payload, as4.max_body_bytes).await;
            refuse_oversized(
                &state.db,
                &state.blobs,
                &as4.receiver,
                posted,
                as4.max_body_bytes,
            )
            .await?
        }
    };
    Ok(HttpResponse::Ok()
        .content_type(signal.content_type)
        .body(signal.body))
}
