//! Incoming AS4 messages Haven did not take, for the installation's operators: each refusal
//! (and each MessageId that came again with other bytes) is recorded with the sending access
//! point when it could be named, the MessageId when it was readable, the ebMS error answered
//! and why, and the message as it arrived in the document store, so that an operator can see
//! what came. A message whose signature did not verify is anyone's: of it Haven keeps at most
//! [`UNVERIFIED_KEPT_BYTES`], and only for [`UNVERIFIED_KEPT_PER_HOUR`] messages an hour, so
//! that a flood of unauthenticated posts cannot fill the disk. Retention removes the records
//! and their blobs after the `incoming:*` rule's days.

use std::future::Future;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{
    accounts::{caller::Operators, Caller},
    documents::blobs::{ContentHash, DocumentStore},
    paging::{Page, PageRequest},
    ConflictCode, DomainError, DomainResult,
};

/// Most bytes kept of a message whose sender was not authenticated: enough for its MIME
/// headers and SOAP envelope.
pub const UNVERIFIED_KEPT_BYTES: usize = 16 * 1024;
/// Most messages of unauthenticated senders whose bytes are kept per hour; past it their
/// records have no blob.
pub const UNVERIFIED_KEPT_PER_HOUR: u64 = 1_000;
/// Longest MessageId or seat id kept (a sender writes what it likes there).
const ID_CHARS: usize = 256;
/// Longest description kept.
const DESCRIPTION_CHARS: usize = 1_000;

/// Why an incoming message was not taken (or, for `rebuilt_message_id`, answered without a
/// record of its own).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RefusalReason {
    /// Not a readable AS4 message: MIME packaging, the SOAP envelope or ebMS header, or
    /// addressed to another access point (EBMS:0003, EBMS:0007, EBMS:0009).
    Packaging,
    /// The signature does not verify, or its certificate is not trusted, expired, revoked or
    /// not the sending access point's (EBMS:0101).
    Authentication,
    /// Not encrypted to this access point's certificate, or not decryptable (EBMS:0102).
    Decryption,
    /// Unsigned, unencrypted or other algorithms than the Peppol AS4 profile's (EBMS:0103).
    SecurityPolicy,
    /// Not gzip, or larger than the cap once decompressed (EBMS:0303).
    Decompression,
    /// The SBDH is invalid, or does not match the ebMS header or the business document
    /// (EBMS:0004).
    Envelope,
    /// Nobody here receives the document type on the addressed id (EBMS:0004
    /// `PEPPOL:NOT_SERVICED`).
    NotServiced,
    /// The document fails validation, is not between the envelope's parties, or is an Invoice
    /// Response that answers nothing sent from here (EBMS:0004).
    InvalidDocument,
    /// A MessageId received before came again with other bytes: answered with a receipt of its
    /// own, while the record of the MessageId stays the first message's.
    RebuiltMessageId,
    /// Larger than the server takes (`max_body_bytes`): refused as it arrived, unread
    /// (EBMS:0004).
    TooLarge,
}

impl RefusalReason {
    pub const ALL: [Self; 10] = [
        Self::Packaging,
        Self::Authentication,
        Self::Decryption,
        Self::SecurityPolicy,
        Self::Decompression,
        Self::Envelope,
        Self::NotServiced,
        Self::InvalidDocument,
        Self::RebuiltMessageId,
        Self::TooLarge,
    ];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Packaging => "packaging",
            Self::Authentication => "authentication",
            Self::Decryption => "decryption",
            Self::SecurityPolicy => "security_policy",
            Self::Decompression => "decompression",
            Self::Envelope => "envelope",
            Self::NotServiced => "not_serviced",
            Self::InvalidDocument => "invalid_document",
            Self::RebuiltMessageId => "rebuilt_message_id",
            Self::TooLarge => "too_large",
        }
    }

    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == text)
    }
}

/// The error a refusal was answered with: the ebMS error code and, when it is one, the
/// Peppol code of its detail (`PEPPOL:NOT_SERVICED`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnsweredError {
    pub ebms_code: String,
    pub peppol_code: Option<String>,
}

/// A refused incoming message to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRefusal {
    pub reason: RefusalReason,
    pub refused_at: DateTime<Utc>,
    /// The sending access point's seat id, when it could be read.
    pub sender_access_point: Option<String>,
    /// Whether the message's signature verified with a trusted certificate of that seat id;
    /// otherwise the seat id is only what the message claims.
    pub sender_verified: bool,
    pub message_id: Option<String>,
    /// What was answered; none for a rebuilt MessageId, answered with a receipt.
    pub error: Option<AnsweredError>,
    /// Why, in a sentence (the error's description).
    pub description: String,
    /// The message as posted ([`super::receiving::evidence`] form), when kept.
    pub message_hash: Option<ContentHash>,
    /// Whether only the first [`UNVERIFIED_KEPT_BYTES`] of it are kept.
    pub message_truncated: bool,
    /// The signal that answered it (the ebMS error, or the receipt of a rebuilt MessageId).
    pub signal_hash: Option<ContentHash>,
}

impl NewRefusal {
    /// Cuts what the sender wrote to the lengths kept.
    #[must_use]
    pub fn bounded(mut self) -> Self {
        let cut = |text: &mut String, chars: usize| {
            if let Some((at, _)) = text.char_indices().nth(chars) {
                text.truncate(at);
            }
        };
        if let Some(id) = self.sender_access_point.as_mut() {
            cut(id, ID_CHARS);
        }
        if let Some(id) = self.message_id.as_mut() {
            cut(id, ID_CHARS);
        }
        cut(&mut self.description, DESCRIPTION_CHARS);
        self
    }
}

/// A recorded refusal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingRefusal {
    pub id: Uuid,
    pub record: NewRefusal,
}

/// Which refusals to list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusalQuery {
    pub reason: Option<RefusalReason>,
    pub before: Option<(DateTime<Utc>, Uuid)>,
    pub limit: u64,
}

/// Port: the record of refused incoming messages.
pub trait IncomingRefusals: Send + Sync {
    /// Records a refusal.
    ///
    /// # Errors
    /// When the record cannot be written.
    fn record_refusal(&self, refusal: NewRefusal) -> impl Future<Output = DomainResult<()>> + Send;

    /// How many refusals of unauthenticated senders with a kept message were recorded since
    /// `since`.
    ///
    /// # Errors
    /// When the records cannot be read.
    fn unverified_kept_since(
        &self,
        since: DateTime<Utc>,
    ) -> impl Future<Output = DomainResult<u64>> + Send;

    /// Refusals, newest first.
    ///
    /// # Errors
    /// When the records cannot be read.
    fn list_refusals(
        &self,
        query: &RefusalQuery,
    ) -> impl Future<Output = DomainResult<Vec<IncomingRefusal>>> + Send;

    /// One refusal.
    ///
    /// # Errors
    /// When the records cannot be read.
    fn find_refusal(
        &self,
        id: Uuid,
    ) -> impl Future<Output = DomainResult<Option<IncomingRefusal>>> + Send;
}

/// What is recorded of a refused message besides its bytes.
#[derive(Debug, Clone)]
pub struct RefusalNote {
    pub reason: RefusalReason,
    pub sender_access_point: Option<String>,
    pub sender_verified: bool,
    pub message_id: Option<String>,
    pub error: Option<AnsweredError>,
    pub description: String,
}

/// The message of a refusal: the posted message (its file, in the evidence form), or the
/// hash under which it is stored already, or nothing (it could not be held).
pub enum RefusedBytes<'a> {
    Posted(&'a super::receiving::Posted),
    Stored(ContentHash),
    None,
}

/// Records a refused message, keeping its bytes and the signal that answered it as the
/// sender's standing allows: all of an authenticated sender's message, the first
/// [`UNVERIFIED_KEPT_BYTES`] of anyone else's while fewer than [`UNVERIFIED_KEPT_PER_HOUR`]
/// were kept in the last hour, and otherwise none.
///
/// # Errors
/// When the record or the document store fails.
#[tracing::instrument(name = "peppol.record_refusal", skip_all, fields(reason = note.reason.as_str()))]
pub async fn record_refusal<R: IncomingRefusals, B: DocumentStore>(
    records: &R,
    blobs: &B,
    note: RefusalNote,
    message: RefusedBytes<'_>,
    signal: Option<&[u8]>,
) -> DomainResult<()> {
    let refused_at = Utc::now();
    let (message_hash, message_truncated) = match message {
        RefusedBytes::Stored(hash) => (Some(hash), false),
        RefusedBytes::None => (None, false),
        RefusedBytes::Posted(posted) if note.sender_verified && posted.is_complete() => {
            (Some(blobs.put_file(posted.path()).await?), false)
        }
        RefusedBytes::Posted(posted) => {
            let since = refused_at - TimeDelta::hours(1);
            if records.unverified_kept_since(since).await? < UNVERIFIED_KEPT_PER_HOUR {
                let kept = posted.head(UNVERIFIED_KEPT_BYTES).map_err(|e| {
                    DomainError::Unexpected(
                        anyhow::Error::new(e).context("reading a spooled AS4 message"),
                    )
                })?;
                let truncated = (kept.len() as u64) < posted.len() || !posted.is_complete();
                (Some(blobs.put(&kept).await?), truncated)
            } else {
                tracing::warn!("unauthenticated AS4 refusals over the hourly cap: bytes not kept");
                (None, false)
            }
        }
    };
    // The answer is kept with the message it answers, not alone.
    let signal_hash = match (signal, &message_hash) {
        (Some(signal), Some(_)) => Some(blobs.put(signal).await?),
        _ => None,
    };
    records
        .record_refusal(
            NewRefusal {
                reason: note.reason,
                refused_at,
                sender_access_point: note.sender_access_point,
                sender_verified: note.sender_verified,
                message_id: note.message_id,
                error: note.error,
                description: note.description,
                message_hash,
                message_truncated,
                signal_hash,
            }
            .bounded(),
        )
        .await
}

/// The operators' filter on the list.
#[derive(Debug, Clone, Default)]
pub struct RefusalFilter {
    pub reason: Option<RefusalReason>,
    pub limit: Option<u64>,
    pub before: Option<String>,
}

/// Refused incoming messages, newest first (platform operators only).
///
/// # Errors
/// `NotFound` for non-operators, `Forbidden` for an operator without two-factor
/// authentication, `Validation` for a page size outside 1–200 or a foreign cursor.
#[tracing::instrument(name = "peppol.list_refusals", skip_all)]
pub async fn list_refusals<R: IncomingRefusals>(
    records: &R,
    operators: &Operators,
    caller: &Caller<'_>,
    filter: RefusalFilter,
) -> DomainResult<Page<IncomingRefusal>> {
    operators.require(caller)?;
    let page = PageRequest::parse(filter.limit, filter.before.as_deref())?;
    let items = records
        .list_refusals(&RefusalQuery {
            reason: filter.reason,
            before: page.before,
            limit: page.fetch(),
        })
        .await?;
    Ok(page.page(items, |r| (r.record.refused_at, r.id)))
}

/// The bytes kept of a refused message (platform operators only): the posted message as
/// stored, its Content-Type header, a blank line and the body (or their first bytes).
///
/// # Errors
/// `NotFound` for non-operators and unknown refusals, `Forbidden` as for [`list_refusals`],
/// `Conflict` (`refused_message_not_kept`) when its bytes were not kept.
#[tracing::instrument(name = "peppol.refused_message", skip_all, fields(refusal_id = %id))]
pub async fn refused_message<R: IncomingRefusals, B: DocumentStore>(
    records: &R,
    blobs: &B,
    operators: &Operators,
    caller: &Caller<'_>,
    id: Uuid,
) -> DomainResult<Vec<u8>> {
    operators.require(caller)?;
    let refusal = records
        .find_refusal(id)
        .await?
        .ok_or_else(|| DomainError::not_found("incoming refusal", id))?;
    let not_kept = || {
        DomainError::conflict(
            ConflictCode::RefusedMessageNotKept,
            "The bytes of this message were not kept.".into(),
        )
    };
    let hash = refusal.record.message_hash.ok_or_else(not_kept)?;
    blobs.get(&hash).await.map_err(|e| match e {
        DomainError::NotFound { .. } => not_kept(),
        e => e,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn reasons_read_back_and_what_a_sender_wrote_is_cut() {
        for reason in RefusalReason::ALL {
            assert_eq!(RefusalReason::parse(reason.as_str()), Some(reason));
        }
        assert_eq!(RefusalReason::parse("other"), None);
        let long = NewRefusal {
            reason: RefusalReason::Packaging,
            refused_at: Utc::now(),
            sender_access_point: Some("P".repeat(300)),
            sender_verified: false,
            message_id: Some("é".repeat(300)),
            error: None,
            description: "x".repeat(2_000),
            message_hash: None,
            message_truncated: false,
            signal_hash: None,
        }
        .bounded();
        assert_eq!(long.sender_access_point.unwrap().chars().count(), 256);
        assert_eq!(long.message_id.unwrap().chars().count(), 256);
        assert_eq!(long.description.len(), 1_000);
    }
}
