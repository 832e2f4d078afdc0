//! Retention: after a configured time, the original bytes of documents are removed; their
//! metadata and history stay. Rules are per direction and status; without rules everything is
//! kept. A daily job applies them.

use std::future::Future;

use chrono::{DateTime, TimeDelta, Utc};
use uuid::Uuid;

use super::{
    blobs::{ContentHash, DocumentStore},
    records::{Direction, Document, DocumentEventKind, DocumentStatus, NewDocumentEvent},
};
use crate::{peppol::refusals::IncomingRefusal, DomainResult};

/// Keep documents of `direction` (and `status`, or any) for `days`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionRule {
    pub direction: Direction,
    pub status: Option<DocumentStatus>,
    pub days: u32,
}

/// Parses `outgoing:delivered=3650, outgoing:*=730, incoming:*=3650` (the setting
/// `retention`); an empty text is no rules (keep everything).
///
/// # Errors
/// A sentence naming the part that is not a rule.
pub fn parse_rules(spec: &str) -> Result<Vec<RetentionRule>, String> {
    spec.split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| {
            let bad =
                || format!("retention rule {part:?} is not <outgoing|incoming>:<status|*>=<days>");
            let (scope, days) = part.split_once('=').ok_or_else(bad)?;
            let (direction, status) = scope.trim().split_once(':').ok_or_else(bad)?;
            let direction = Direction::parse(direction.trim()).ok_or_else(bad)?;
            let status = match status.trim() {
                "*" => None,
                name => Some(DocumentStatus::parse(name).ok_or_else(bad)?),
            };
            let days: u32 = days.trim().parse().map_err(|_| bad())?;
            if days == 0 {
                return Err(format!(
                    "retention rule {part:?}: keep documents at least one day"
                ));
            }
            Ok(RetentionRule {
                direction,
                status,
                days,
            })
        })
        .collect()
}

/// Port: what retention needs from the records.
pub trait RetentionRecords: Send + Sync {
    /// Documents not purged yet, of `direction` (and `status`), created before `before`.
    fn expired(
        &self,
        direction: Direction,
        status: Option<DocumentStatus>,
        before: DateTime<Utc>,
        limit: u64,
    ) -> impl Future<Output = DomainResult<Vec<Document>>> + Send;

    /// Marks the document purged, with the evidence of its Peppol exchanges, deletes the
    /// record of the AS4 messages that brought it (their receipts are evidence that goes with
    /// it), and writes its history line; `false` when it already was.
    fn mark_purged(
        &self,
        id: Uuid,
        event: NewDocumentEvent,
    ) -> impl Future<Output = DomainResult<bool>> + Send;

    /// Whether a document, Peppol evidence that is not purged or the record of a refused AS4
    /// message still names these bytes (a
    /// received copy shares the bytes of the sent original, or of the UBL form sent; both
    /// sides of an exchange within one installation keep the same message and receipt).
    fn bytes_in_use(&self, hash: &ContentHash) -> impl Future<Output = DomainResult<bool>> + Send;

    /// The blobs the purged evidence of the document's Peppol exchanges names.
    fn purged_evidence(
        &self,
        document_id: Uuid,
    ) -> impl Future<Output = DomainResult<Vec<ContentHash>>> + Send;

    /// Records of refused incoming AS4 messages from before `before`.
    fn expired_refusals(
        &self,
        before: DateTime<Utc>,
        limit: u64,
    ) -> impl Future<Output = DomainResult<Vec<IncomingRefusal>>> + Send;

    /// Deletes a refusal's record; `false` when it was gone.
    fn delete_refusal(&self, id: Uuid) -> impl Future<Output = DomainResult<bool>> + Send;
}

/// Most documents one run purges per rule (the next run goes on).
const BATCH: u64 = 500;

/// Applies the rules at `now`: each expired document is marked purged first, with the evidence
/// of its Peppol exchanges (so no row ever claims bytes that are gone), then its bytes and the
/// evidence blobs are deleted when no other document or evidence needs them. The records of
/// refused incoming AS4 messages, which have no status, go after the days of the rule for
/// every incoming document (`incoming:*`), with their blobs. Returns the ids of the documents
/// purged.
///
/// # Errors
/// A store's error; what was purged before it stays purged.
#[tracing::instrument(name = "purge expired documents", skip_all, fields(rules = rules.len(), purged))]
pub async fn purge_expired<R: RetentionRecords, B: DocumentStore>(
    records: &R,
    blobs: &B,
    rules: &[RetentionRule],
    now: DateTime<Utc>,
) -> DomainResult<Vec<Uuid>> {
    let mut purged = Vec::new();
    for rule in rules {
        let before = now - TimeDelta::days(i64::from(rule.days));
        for document in records
            .expired(rule.direction, rule.status, before, BATCH)
            .await?
        {
            let event = NewDocumentEvent::new(DocumentEventKind::Purged).details(format!(
                "Original removed after {} days under the retention policy",
                rule.days
            ));
            if !records.mark_purged(document.id, event).await? {
                continue;
            }
            if !records.bytes_in_use(&document.content_hash).await? {
                blobs.delete(&document.content_hash).await?;
            }
            for hash in records.purged_evidence(document.id).await? {
                if !records.bytes_in_use(&hash).await? {
                    blobs.delete(&hash).await?;
                }
            }
            tracing::info!(document_id = %document.id, direction = rule.direction.as_str(), "purged a document's original");
            purged.push(document.id);
        }
    }
    let refusal_rule = rules
        .iter()
        .find(|r| r.direction == Direction::Incoming && r.status.is_none());
    if let Some(rule) = refusal_rule {
        let before = now - TimeDelta::days(i64::from(rule.days));
        let mut removed = 0_usize;
        for refusal in records.expired_refusals(before, BATCH).await? {
            // The record first, so that none names bytes that are gone.
            if !records.delete_refusal(refusal.id).await? {
                continue;
            }
            let hashes = [refusal.record.message_hash, refusal.record.signal_hash];
            for hash in hashes.into_iter().flatten() {
                if !records.bytes_in_use(&hash).await? {
                    blobs.delete(&hash).await?;
                }
            }
            removed += 1;
        }
        if removed > 0 {
            tracing::info!(removed, "removed expired records of refused AS4 messages");
        }
    }
    tracing::Span::current().record("purged", purged.len());
    Ok(purged)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn rules_parse_and_bad_ones_are_named() {
        let rules = parse_rules("outgoing:delivered=3650, incoming:*=30").unwrap();
        assert_eq!(
            rules[0],
            RetentionRule {
                direction: Direction::Outgoing,
                status: Some(DocumentStatus::Delivered),
                days: 3650
            }
        );
        assert_eq!(rules[1].status, None);
        assert!(parse_rules("").unwrap().is_empty());
        assert!(parse_rules("sideways:*=3")
            .unwrap_err()
            .contains("sideways"));
        assert!(parse_rules("incoming:*=0").is_err());
    }
}
