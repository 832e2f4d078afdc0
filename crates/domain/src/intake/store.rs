//! Port: where intake keeps messages, their outcomes and the trusted senders.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use haven_einvoice::recognition::InvoiceFields;

use super::authentication::SenderVerdict;
use super::records::{
    Draft, DraftStatus, IntakeItem, IntakeMessage, IntakePurpose, IntakeReason, IntakeStatus,
    IntakeTransport, TrustedSender, TrustedSenderStatus,
};
use crate::{
    accounts::records::NewAuditEvent,
    documents::store::PartyRecord,
    hooks::records::NewHookEvent,
    jobs::NewJob,
    mail::{Language, OutgoingMail},
    organizations::records::Organization,
    paging::PageRequest,
    DomainResult,
};

/// The organization an intake address leads to, with its registered participant ids.
#[derive(Debug, Clone)]
pub struct IntakeTarget {
    pub organization: Organization,
    pub parties: Vec<PartyRecord>,
    /// The organization's preference: valid sales invoices by email become drafts a person
    /// sends, instead of being sent at once.
    pub sales_as_drafts: bool,
}

/// A message accepted for one intake address, before it is read.
#[derive(Debug, Clone)]
pub struct NewIntakeMessage {
    pub id: Uuid,
    pub environment_id: Uuid,
    pub organization_id: Uuid,
    pub purpose: IntakePurpose,
    pub recipient: String,
    pub envelope_from: String,
    pub transport: IntakeTransport,
    pub raw_hash: String,
    pub size_bytes: u64,
    pub received_at: DateTime<Utc>,
    /// SPF, DKIM and DMARC as checked at acceptance; `None` when not checked.
    pub sender_verdict: Option<SenderVerdict>,
}

/// Why a sender may submit to an organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trust {
    /// A verified address (primary or additional) of a user of the environment who may act
    /// for the organization.
    User {
        email: String,
        language: Language,
    },
    /// An active trusted-sender entry (the address itself or its domain).
    Sender(Box<TrustedSender>),
    None,
}

/// What processing a message came to.
#[derive(Debug, Clone)]
pub struct Finished {
    pub status: IntakeStatus,
    pub reason: Option<IntakeReason>,
    pub sender: Option<String>,
    pub subject: Option<String>,
    pub header_message_id: Option<String>,
    pub items: Vec<IntakeItem>,
    /// Rejection notices to mail, queued in the same transaction.
    pub replies: Vec<OutgoingMail>,
    /// Drafts recognised from PDFs with text only, stored in the same transaction (their
    /// PDFs are in the document store already).
    pub drafts: Vec<Draft>,
    /// Webhook events the outcome raises (`InvoiceReceivedError` for purchase invoices that
    /// could not be taken in), written in the same transaction.
    pub events: Vec<NewHookEvent>,
    /// A security event for the environment's audit log (mail refused because its sender
    /// was not authenticated), written in the same transaction.
    pub audit: Option<NewAuditEvent>,
    pub processed_at: DateTime<Utc>,
}

/// A trusted sender about to be added.
#[derive(Debug, Clone)]
pub struct NewTrustedSender {
    pub sender: TrustedSender,
    pub audit: NewAuditEvent,
}

/// An invitation to confirm a trusted sender: the stored token hash and the message.
#[derive(Debug, Clone)]
pub struct SenderInvitation {
    pub token_hash: String,
    pub expires_at: DateTime<Utc>,
    pub mail: OutgoingMail,
}

#[allow(async_fn_in_trait)]
pub trait IntakeStore {
    /// The organization holding the registered participant id `0106:<kvk>`.
    async fn intake_target(&self, kvk: &str) -> DomainResult<Option<IntakeTarget>>;

    /// The target of an organization by id (for processing a stored message).
    async fn intake_target_of(&self, organization_id: Uuid) -> DomainResult<Option<IntakeTarget>>;

    /// Stores the message row and queues its processing, in one transaction.
    async fn record_message(&self, message: NewIntakeMessage, job: NewJob) -> DomainResult<()>;

    /// A message by id alone, for the processing job.
    async fn message_for_job(&self, id: Uuid) -> DomainResult<Option<IntakeMessage>>;

    /// Whether and why `sender` (lower case) may submit to the organization.
    async fn trust(
        &self,
        environment_id: Uuid,
        organization_id: Uuid,
        sender: &str,
    ) -> DomainResult<Trust>;

    /// The document an earlier message of the organization made from the same bytes.
    async fn processed_before(
        &self,
        organization_id: Uuid,
        content_hash: &str,
        except_message: Uuid,
    ) -> DomainResult<Option<Uuid>>;

    /// The draft an earlier message of the organization made from the same bytes, unless it
    /// was discarded.
    async fn drafted_before(
        &self,
        organization_id: Uuid,
        pdf_hash: &str,
        except_message: Uuid,
    ) -> DomainResult<Option<Uuid>>;

    /// Takes one of the `limit` rejection notices `sender` may get in the window starting at
    /// `window_start`; `false` when they are used up. Atomic under concurrent workers.
    async fn take_reply_slot(
        &self,
        sender: &str,
        window_start: DateTime<Utc>,
        limit: u32,
    ) -> DomainResult<bool>;

    /// Records the outcome, the items and the replies, in one transaction, only while the
    /// message is still `received`; `false` when it was finished before (a repeated job).
    async fn finish_message(&self, id: Uuid, finished: Finished) -> DomainResult<bool>;

    /// One page of an organization's messages, newest first.
    async fn list_messages(
        &self,
        organization_id: Uuid,
        page: &PageRequest,
    ) -> DomainResult<Vec<IntakeMessage>>;

    async fn find_message(
        &self,
        organization_id: Uuid,
        id: Uuid,
    ) -> DomainResult<Option<IntakeMessage>>;

    async fn message_items(&self, message_id: Uuid) -> DomainResult<Vec<IntakeItem>>;

    async fn list_trusted_senders(
        &self,
        organization_id: Uuid,
        page: &PageRequest,
    ) -> DomainResult<Vec<TrustedSender>>;

    async fn find_trusted_sender(
        &self,
        organization_id: Uuid,
        id: Uuid,
    ) -> DomainResult<Option<TrustedSender>>;

    /// `Conflict` when the organization already has this address or domain.
    async fn add_trusted_sender(&self, new: NewTrustedSender) -> DomainResult<TrustedSender>;

    /// Stores the invitation's token, sets `invited` and queues the message, in one
    /// transaction, only from one of `from`; `None` when the status was another.
    async fn invite_trusted_sender(
        &self,
        id: Uuid,
        from: &[TrustedSenderStatus],
        invitation: SenderInvitation,
        audit: NewAuditEvent,
    ) -> DomainResult<Option<TrustedSender>>;

    /// Uses an invitation token once: an invited sender whose token has not expired becomes
    /// active (the token is cleared in the same statement). `None` otherwise.
    async fn confirm_trusted_sender(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
        audit: impl Fn(&TrustedSender) -> NewAuditEvent,
    ) -> DomainResult<Option<TrustedSender>>;

    /// Changes the status from one of `from` to `to` (with its audit event); `None` when it
    /// was another.
    async fn set_trusted_sender_status(
        &self,
        id: Uuid,
        from: &[TrustedSenderStatus],
        to: TrustedSenderStatus,
        audit: NewAuditEvent,
    ) -> DomainResult<Option<TrustedSender>>;

    /// Removes the entry (with its audit event); `false` when it was gone.
    async fn delete_trusted_sender(&self, id: Uuid, audit: NewAuditEvent) -> DomainResult<bool>;

    /// Sets whether the organization's sales invoices by email become drafts (with its audit
    /// event, in one transaction).
    async fn set_sales_as_drafts(
        &self,
        organization_id: Uuid,
        on: bool,
        audit: NewAuditEvent,
    ) -> DomainResult<()>;
}

/// Port: the drafts recognised from intake PDFs, as people check and complete them.
#[allow(async_fn_in_trait)]
pub trait DraftStore {
    /// One page of the organization's drafts, newest first; only those with `status` when
    /// one is given.
    async fn list_drafts(
        &self,
        organization_id: Uuid,
        status: Option<DraftStatus>,
        page: &PageRequest,
    ) -> DomainResult<Vec<Draft>>;

    async fn find_draft(&self, organization_id: Uuid, id: Uuid) -> DomainResult<Option<Draft>>;

    /// Saves the fields while the draft is open; `None` when it is not (any more).
    async fn save_draft_fields(
        &self,
        id: Uuid,
        fields: &InvoiceFields,
        now: DateTime<Utc>,
    ) -> DomainResult<Option<Draft>>;

    /// Moves an open draft to `to` (completed with its document, or discarded) in one
    /// conditional statement; `None` when it was not open, so only one of two concurrent
    /// calls succeeds.
    async fn finish_draft(
        &self,
        id: Uuid,
        to: DraftStatus,
        document_id: Option<Uuid>,
        by: &str,
        now: DateTime<Utc>,
    ) -> DomainResult<Option<Draft>>;
}
