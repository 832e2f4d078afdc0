//! Ports: the document records (metadata, statuses, history) as use cases need them. Every
//! method that changes something is one transaction that also writes its history lines, its
//! usage records and the jobs it causes, so a crash leaves either all or nothing.

use std::future::Future;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{
    blobs::ContentHash,
    records::{
        Channel, Direction, Document, DocumentEvent, DocumentFacts, DocumentKind, DocumentStatus,
        NewDocumentEvent, ResponseCode, UsageKind,
    },
};
use crate::{
    jobs::NewJob,
    mail::OutgoingMail,
    organizations::records::OrgStatus,
    paging::PageRequest,
    peppol::{evidence::NewEvidence, reporting::ExchangeRecord},
    DomainResult,
};

/// A registered participant id on this installation and what its organization allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartyRecord {
    /// `scheme:value`.
    pub participant_id: String,
    pub organization_id: Uuid,
    pub environment_id: Uuid,
    pub organization_name: String,
    pub organization_status: OrgStatus,
    pub send_enabled: bool,
    pub receive_enabled: bool,
    /// The organization's country (ISO 3166-1 alpha-2): the end user's country in the Peppol
    /// reports.
    pub organization_country: String,
    /// The invoice document types the organization receives (its choice, or its country's
    /// default: `peppol::document_types::accepted_document_types`).
    pub document_types: Vec<crate::peppol::document_types::InvoiceDocumentType>,
}

impl PartyRecord {
    /// Whether documents addressed to this id go into an inbox here: the organization is
    /// active and has receiving on for the id.
    #[must_use]
    pub fn receives(&self) -> bool {
        self.organization_status == OrgStatus::Active && self.receive_enabled
    }

    /// Whether Invoice Responses addressed to this id are taken here: the organization is
    /// active and receives on the id, or sends from it (a seller that does not receive
    /// invoices still gets the answers to the invoices it sent).
    #[must_use]
    pub fn receives_responses(&self) -> bool {
        self.organization_status == OrgStatus::Active && (self.receive_enabled || self.send_enabled)
    }

    /// Whether a document of `document_type` addressed to this id is taken here: an invoice
    /// type the organization chose, where it [`receives`](Self::receives); an Invoice Response
    /// where it [`receives_responses`](Self::receives_responses).
    #[must_use]
    pub fn accepts(
        &self,
        document_type: crate::peppol::document_types::PeppolDocumentType,
    ) -> bool {
        use crate::peppol::document_types::PeppolDocumentType;
        match document_type {
            PeppolDocumentType::InvoiceResponse => self.receives_responses(),
            PeppolDocumentType::Invoice(t) => self.receives() && self.document_types.contains(&t),
        }
    }
}

/// A billable event, priced when it happens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUsage {
    pub kind: UsageKind,
    /// The configured price at this moment, as a decimal string in euros.
    pub price: String,
}

/// A document to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDocument {
    pub id: Uuid,
    pub environment_id: Uuid,
    pub organization_id: Uuid,
    pub direction: Direction,
    pub kind: DocumentKind,
    pub status: DocumentStatus,
    pub channel: Option<Channel>,
    pub party_id: String,
    pub receiver_id: Option<String>,
    pub facts: DocumentFacts,
    pub content_hash: ContentHash,
    pub content_type: String,
    pub size_bytes: u64,
    pub idempotency_key: Option<String>,
    pub related_id: Option<Uuid>,
    /// For an Invoice Response: its code.
    pub response: Option<ResponseCode>,
    /// For an incoming document that did not come from an outgoing one here: what makes a
    /// repeated handover of the same document store it once (e.g. `intake:<message>:<n>`).
    pub handover_key: Option<String>,
    /// What the "received" history line adds to "From <seller>": how it came (the network's
    /// message id and access points, say).
    pub received_note: Option<String>,
}

/// What storing an outgoing document came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Accepted {
    Stored(Box<Document>),
    /// The idempotency key was used before, for this document.
    Replayed {
        original_id: Uuid,
    },
}

/// What storing an incoming document came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Received {
    Stored(Box<Document>),
    /// This delivery was stored before (a repeated delivery job): the original it came from,
    /// or for a handover key the document stored the first time.
    AlreadyThere(Uuid),
}

/// A list of documents as asked for.
#[derive(Debug, Clone)]
pub struct DocumentQuery {
    pub environment_id: Uuid,
    pub direction: Direction,
    /// Only these organizations (the ones the caller may see).
    pub organization_ids: Vec<Uuid>,
    pub status: Option<DocumentStatus>,
    pub channel: Option<Channel>,
    /// Created at or after.
    pub from: Option<DateTime<Utc>>,
    /// Created before.
    pub until: Option<DateTime<Utc>>,
    /// Matches the number or the other party's name (contains, case-insensitive) or the
    /// amount due (exactly).
    pub search: Option<String>,
    pub page: PageRequest,
}

/// A change of status with the history line that explains it.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusChange {
    pub to: DocumentStatus,
    /// Only when the document is in one of these (compare-and-set); any when empty.
    pub from: Vec<DocumentStatus>,
    pub event: NewDocumentEvent,
    pub channel: Option<Channel>,
    pub receiver_id: Option<String>,
    pub response: Option<ResponseCode>,
    /// Jobs to enqueue with the change.
    pub jobs: Vec<NewJob>,
    /// The Peppol exchange the change records (a delivery acknowledged with an AS4 receipt),
    /// written with it for the Peppol reports; only when the change is made.
    pub exchange: Option<ExchangeRecord>,
    /// The evidence of that exchange (the blobs' hashes), written with it; only when the
    /// change is made.
    pub evidence: Option<NewEvidence>,
}

impl StatusChange {
    #[must_use]
    pub fn new(to: DocumentStatus, event: NewDocumentEvent) -> Self {
        Self {
            to,
            from: Vec::new(),
            event,
            channel: None,
            receiver_id: None,
            response: None,
            jobs: Vec::new(),
            exchange: None,
            evidence: None,
        }
    }

    #[must_use]
    pub fn only_from(mut self, from: &[DocumentStatus]) -> Self {
        self.from = from.to_vec();
        self
    }
}

/// A private link to one document for someone without an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewShareLink {
    pub document_id: Uuid,
    /// SHA-256 of the token in the link; the token itself is only in the email.
    pub token_hash: String,
    pub expires_at: DateTime<Utc>,
}

/// A document a private link leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedDocument {
    pub document: Document,
    pub expires_at: DateTime<Utc>,
    /// Whether this was the first time the link was opened.
    pub first_open: bool,
}

/// Port: the documents of an organization as its people and its software see them.
pub trait DocumentRecords: Send + Sync {
    /// A registered participant id (`scheme:value`, compared case-insensitively).
    fn find_party(
        &self,
        participant_id: &str,
    ) -> impl Future<Output = DomainResult<Option<PartyRecord>>> + Send;

    /// Stores an outgoing document, its first history lines, its usage record and `jobs`,
    /// in one transaction. The same (organization, idempotency key) twice is
    /// [`Accepted::Replayed`], decided by a unique constraint so that racing requests store
    /// one document. An earlier document with the same seller, number, issue date and total
    /// makes this one a possible duplicate (`duplicate_of`).
    fn accept_outgoing(
        &self,
        document: NewDocument,
        events: Vec<NewDocumentEvent>,
        usage: NewUsage,
        jobs: Vec<NewJob>,
    ) -> impl Future<Output = DomainResult<Accepted>> + Send;

    /// Stores an incoming document for the receiving organization (status Received, or
    /// Duplicate when an earlier incoming document of that organization has the same seller,
    /// number, issue date and total), with its history and usage record, and marks the
    /// outgoing original (when `document.related_id` names one) with `outgoing_change`, in one
    /// transaction. A second delivery of the same original to the same organization is
    /// [`Received::AlreadyThere`].
    fn accept_incoming(
        &self,
        document: NewDocument,
        usage: NewUsage,
        outgoing_change: Option<StatusChange>,
    ) -> impl Future<Output = DomainResult<Received>> + Send;

    /// Stores an outgoing Invoice Response like [`DocumentRecords::accept_outgoing`] and, in
    /// the same transaction, applies `invoice_change` to the purchase invoice it answers.
    fn accept_response(
        &self,
        response: NewDocument,
        events: Vec<NewDocumentEvent>,
        usage: NewUsage,
        jobs: Vec<NewJob>,
        invoice_id: Uuid,
        invoice_change: StatusChange,
    ) -> impl Future<Output = DomainResult<Accepted>> + Send;

    /// Hands an Invoice Response over inside the installation: marks the response delivered
    /// and records it on the seller's invoice, in one transaction; `false` when the response
    /// was delivered before (a repeated job).
    fn deliver_response(
        &self,
        response_id: Uuid,
        response_change: StatusChange,
        invoice_id: Uuid,
        invoice_change: StatusChange,
    ) -> impl Future<Output = DomainResult<bool>> + Send;

    /// Stores an Invoice Response that came from outside the installation (incoming, for the
    /// seller; `response.related_id` is the outgoing invoice it answers) with its "received"
    /// history line, and applies `invoice_change` to that invoice (whose history line raises
    /// `InvoiceResponseReceived`), in one transaction. A second handover with the same
    /// `handover_key` is [`Received::AlreadyThere`] and changes nothing.
    fn accept_received_response(
        &self,
        response: NewDocument,
        invoice_change: StatusChange,
    ) -> impl Future<Output = DomainResult<Received>> + Send;

    /// The outgoing documents (invoices and credit notes) of an organization with this
    /// number, newest first (at most 20).
    fn sent_with_number(
        &self,
        organization_id: Uuid,
        number: &str,
    ) -> impl Future<Output = DomainResult<Vec<Document>>> + Send;

    /// One document of the environment, deleted ones included.
    fn find_document(
        &self,
        environment_id: Uuid,
        id: Uuid,
    ) -> impl Future<Output = DomainResult<Option<Document>>> + Send;

    /// A document by id alone, for jobs (which act for no caller).
    fn document_for_job(
        &self,
        id: Uuid,
    ) -> impl Future<Output = DomainResult<Option<Document>>> + Send;

    /// One page of documents, newest first; deleted ones are left out.
    fn list_documents(
        &self,
        query: &DocumentQuery,
    ) -> impl Future<Output = DomainResult<Vec<Document>>> + Send;

    /// One page of a document's history, newest first.
    fn list_events(
        &self,
        document_id: Uuid,
        page: &PageRequest,
    ) -> impl Future<Output = DomainResult<Vec<DocumentEvent>>> + Send;

    /// Changes the status and writes the history line (and the jobs), atomically; `None`
    /// when the document was not in one of `change.from`.
    fn change_status(
        &self,
        id: Uuid,
        change: StatusChange,
    ) -> impl Future<Output = DomainResult<Option<Document>>> + Send;

    /// Writes a history line without changing the status.
    fn add_event(
        &self,
        id: Uuid,
        event: NewDocumentEvent,
    ) -> impl Future<Output = DomainResult<()>> + Send;

    /// Hides a document from lists (metadata and history stay) and writes the history line.
    fn delete_document(
        &self,
        id: Uuid,
        event: NewDocumentEvent,
    ) -> impl Future<Output = DomainResult<()>> + Send;

    /// Marks an outgoing document Delivered over email: stores the private link, queues the
    /// message, writes the history line, in one transaction (`None` when it was already
    /// delivered or failed).
    fn deliver_by_email(
        &self,
        id: Uuid,
        link: NewShareLink,
        mail: OutgoingMail,
        change: StatusChange,
    ) -> impl Future<Output = DomainResult<Option<Document>>> + Send;

    /// The document behind a private link that has not expired; records the opening.
    fn open_share_link(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> impl Future<Output = DomainResult<Option<SharedDocument>>> + Send;
}
