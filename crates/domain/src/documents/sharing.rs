//! Sharing a document with another user of the environment who has no access to its
//! organization: `view` (details, history, rendering) or `full` (also the files).

use std::future::Future;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{
    records::named_enum,
    records::{Direction, Document, DocumentEventKind, NewDocumentEvent},
    service::find_document,
    store::DocumentRecords,
};
use crate::{
    accounts::{store::Directory, Caller, PartyCaller},
    connections::PartyAction,
    organizations::store::OrganizationStore,
    paging::{Page, PageQuery, PageRequest},
    DomainError, DomainResult,
};

named_enum! {
    /// What a share allows.
    pub enum ShareAccess {
        /// Details, history and the readable rendering.
        View = "view",
        /// Also the original and converted files.
        Full = "full",
    }
}

/// A document shared with the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedWithMe {
    pub document: Document,
    pub access: ShareAccess,
    pub shared_by: String,
    pub shared_at: DateTime<Utc>,
}

/// Port: shares.
pub trait DocumentShares: Send + Sync {
    /// Shares (or changes the access of an existing share) and writes the history line, in
    /// one transaction.
    fn share(
        &self,
        document_id: Uuid,
        user_id: Uuid,
        access: ShareAccess,
        shared_by: &str,
        event: NewDocumentEvent,
    ) -> impl Future<Output = DomainResult<()>> + Send;

    /// The caller's share of a document, if any.
    fn share_of(
        &self,
        document_id: Uuid,
        user_id: Uuid,
    ) -> impl Future<Output = DomainResult<Option<SharedWithMe>>> + Send;

    /// One page of the documents shared with a user, newest share first.
    fn shared_with(
        &self,
        user_id: Uuid,
        page: &PageRequest,
    ) -> impl Future<Output = DomainResult<Vec<SharedWithMe>>> + Send;
}

/// Shares a document of the party with another user of the environment.
///
/// # Errors
/// As [`find_document`]; `Validation` when the user is not of this environment or is the
/// caller.
#[tracing::instrument(name = "share document", skip_all, fields(document_id = %id, user_id = %user_id))]
#[allow(clippy::too_many_arguments)]
pub async fn share<R, O, D, S>(
    records: &R,
    organizations: &O,
    directory: &D,
    shares: &S,
    caller: &Caller<'_>,
    party_id: &str,
    direction: Direction,
    id: Uuid,
    user_id: Uuid,
    access: ShareAccess,
) -> DomainResult<()>
where
    R: DocumentRecords,
    O: OrganizationStore,
    D: Directory,
    S: DocumentShares,
{
    let (_, document) = find_document(
        records,
        organizations,
        &PartyCaller::User(*caller),
        party_id,
        direction,
        id,
        PartyAction::Share,
    )
    .await?;
    let user = directory
        .find_user(caller.actor.environment_id, user_id)
        .await?
        .filter(|u| u.id != caller.user.id)
        .ok_or_else(|| {
            DomainError::field(
                "userId",
                "unknown_user",
                "Choose another user of your environment.",
            )
        })?;
    let event = NewDocumentEvent::new(DocumentEventKind::Shared)
        .details(format!("Shared with {} ({})", user.email, access.as_str()))
        .by(Some(&caller.user.email));
    shares
        .share(document.id, user.id, access, &caller.user.email, event)
        .await
}

/// One page of the documents shared with the caller.
///
/// # Errors
/// `Validation` for the page; a store's error.
pub async fn shared_with_me<S: DocumentShares>(
    shares: &S,
    caller: &Caller<'_>,
    page: &PageQuery,
) -> DomainResult<Page<SharedWithMe>> {
    let page = PageRequest::parse(page.limit, page.before.as_deref())?;
    let rows = shares.shared_with(caller.user.id, &page).await?;
    Ok(page.page(rows, |s| (s.shared_at, s.document.id)))
}

/// A document shared with the caller, when the share allows `needs_full`.
///
/// # Errors
/// `NotFound` without a share (or a deleted document), `Forbidden` when a view share asks
/// for the files.
pub async fn shared_document<S: DocumentShares>(
    shares: &S,
    caller: &Caller<'_>,
    id: Uuid,
    needs_full: bool,
) -> DomainResult<SharedWithMe> {
    let shared = shares
        .share_of(id, caller.user.id)
        .await?
        .filter(|s| {
            s.document.environment_id == caller.actor.environment_id
                && s.document.deleted_at.is_none()
        })
        .ok_or_else(|| DomainError::not_found("document", id))?;
    if needs_full && shared.access != ShareAccess::Full {
        return Err(DomainError::Forbidden(
            "This document was shared with you to view; ask for full access to download its files."
                .into(),
        ));
    }
    Ok(shared)
}
