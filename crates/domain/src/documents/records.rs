//! Documents as the domain sees them: the closed sets of their life and the records kept.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::blobs::ContentHash;

/// A closed set stored and shown by snake_case name (the serde derives are spelled out, so the
/// invoking module need not import serde).
macro_rules! named_enum {
    ($(#[$meta:meta])* pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        pub enum $name { $($(#[$vmeta])* $variant,)+ }

        impl $name {
            pub const ALL: &'static [Self] = &[$(Self::$variant,)+];

            #[must_use]
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text,)+ }
            }

            #[must_use]
            pub fn parse(value: &str) -> Option<Self> {
                match value { $($text => Some(Self::$variant),)+ _ => None }
            }
        }
    };
}
pub(crate) use named_enum;

named_enum! {
    /// Which way a document travels for the organization that holds it.
    pub enum Direction {
        /// Sent by the organization: its outbox (sales invoices).
        Outgoing = "outgoing",
        /// Received by the organization: its inbox (purchase invoices).
        Incoming = "incoming",
    }
}

named_enum! {
    /// What kind of business document it is.
    pub enum DocumentKind {
        Invoice = "invoice",
        CreditNote = "credit_note",
        /// A Peppol Invoice Response (UBL ApplicationResponse) about an invoice.
        InvoiceResponse = "invoice_response",
    }
}

named_enum! {
    /// Where a document is in its life. Outgoing documents run Pending → Validated → Routed →
    /// Delivered or Failed, with Retrying between attempts; incoming ones start Received (or
    /// Duplicate) and move as the buyer works on them.
    pub enum DocumentStatus {
        /// Outgoing: accepted, not yet validated (documents from intake that validate later).
        Pending = "pending",
        /// Outgoing: valid and waiting for routing.
        Validated = "validated",
        /// Outgoing: a channel was chosen and delivery is under way.
        Routed = "routed",
        /// Outgoing: a delivery attempt failed for a passing reason; another follows.
        Retrying = "retrying",
        /// Outgoing: handed to the receiver (their inbox, their access point, their mailbox).
        Delivered = "delivered",
        /// Outgoing: could not be delivered; nothing more is tried unless it is resent.
        Failed = "failed",
        /// Incoming: new in the inbox.
        Received = "received",
        /// Incoming: fetched through the API by the accounting software.
        Downloaded = "downloaded",
        /// Incoming: viewed in the web app.
        Opened = "opened",
        /// Incoming: the buyer is checking it.
        UnderReview = "under_review",
        Approved = "approved",
        Paid = "paid",
        Rejected = "rejected",
        /// Incoming: the same seller, number, issue date and total as an earlier document.
        Duplicate = "duplicate",
    }
}

impl DocumentStatus {
    /// Statuses a person may set on an incoming document by hand.
    pub const MANUAL_INCOMING: [Self; 7] = [
        Self::Received,
        Self::Opened,
        Self::UnderReview,
        Self::Approved,
        Self::Paid,
        Self::Rejected,
        Self::Downloaded,
    ];

    /// Whether delivery of an outgoing document has ended (nothing more is attempted).
    #[must_use]
    pub fn delivery_finished(self) -> bool {
        matches!(self, Self::Delivered | Self::Failed)
    }
}

named_enum! {
    /// How a document reached (or will reach) its receiver.
    pub enum Channel {
        /// The receiver is an organization on this installation: straight into its inbox.
        Internal = "internal",
        /// Over the Peppol network (AS4).
        Peppol = "peppol",
        /// By email with a private link.
        Email = "email",
        /// Uploaded through the API or the web app (how an outgoing document came in).
        Api = "api",
        /// Mailed to an organization's intake address by a trusted sender (how a document came
        /// in).
        EmailIntake = "email_intake",
    }
}

named_enum! {
    /// The buyer's answer in a Peppol Invoice Response (UNCL4343 subset).
    pub enum ResponseCode {
        /// Acknowledged: received and readable.
        Ab = "ab",
        /// In process.
        Ip = "ip",
        /// Under query: more information is needed before it can be processed.
        Uq = "uq",
        /// Conditionally accepted.
        Ca = "ca",
        /// Rejected.
        Re = "re",
        /// Accepted: approved for payment.
        Ap = "ap",
        /// Fully paid.
        Pd = "pd",
    }
}

impl ResponseCode {
    /// The code as the UNCL4343 list writes it.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Self::Ab => "AB",
            Self::Ip => "IP",
            Self::Uq => "UQ",
            Self::Ca => "CA",
            Self::Re => "RE",
            Self::Ap => "AP",
            Self::Pd => "PD",
        }
    }

    /// Whether the Invoice Response rules require a status reason with this code.
    #[must_use]
    pub fn needs_reason(self) -> bool {
        matches!(self, Self::Uq | Self::Ca | Self::Re)
    }

    /// The inbox status that follows when the buyer answers with this code.
    #[must_use]
    pub fn inbox_status(self) -> Option<DocumentStatus> {
        match self {
            Self::Ab => None,
            Self::Ip | Self::Uq | Self::Ca => Some(DocumentStatus::UnderReview),
            Self::Re => Some(DocumentStatus::Rejected),
            Self::Ap => Some(DocumentStatus::Approved),
            Self::Pd => Some(DocumentStatus::Paid),
        }
    }
}

named_enum! {
    /// What a document's history records.
    pub enum DocumentEventKind {
        /// Accepted from the sender (API, web app, email, network).
        Accepted = "accepted",
        Validated = "validated",
        /// A receiver id and channel were chosen.
        Routed = "routed",
        /// A delivery attempt failed; another follows.
        AttemptFailed = "attempt_failed",
        /// A channel could not be used for this receiver; the next one is tried.
        ChannelSkipped = "channel_skipped",
        Delivered = "delivered",
        Failed = "failed",
        /// Sent again on request.
        Resent = "resent",
        /// Arrived in this inbox.
        Received = "received",
        /// Recognised as a copy of an earlier document.
        MarkedDuplicate = "marked_duplicate",
        /// A person said it is not a duplicate.
        MarkedOriginal = "marked_original",
        Downloaded = "downloaded",
        Opened = "opened",
        /// The private email link was opened.
        LinkOpened = "link_opened",
        StatusChanged = "status_changed",
        /// The buyer's Invoice Response was sent (inbox) or received (outbox).
        ResponseSent = "response_sent",
        ResponseReceived = "response_received",
        Shared = "shared",
        Deleted = "deleted",
        /// The original bytes were removed by retention; metadata and history stay.
        Purged = "purged",
    }
}

/// The parties and figures stored with a document (from its summary), for lists and search.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocumentFacts {
    pub number: Option<String>,
    pub issue_date: Option<String>,
    pub due_date: Option<String>,
    pub currency: Option<String>,
    /// BT-115, the amount due, as a decimal string.
    pub payable_amount: Option<String>,
    /// BT-112, as a decimal string.
    pub total_amount: Option<String>,
    /// The declared profile's name (`peppol_bis3`, `nlcius_ubl`, …) when known.
    pub profile: Option<String>,
    /// `ubl` or `cii`.
    pub syntax: String,
    pub seller_name: Option<String>,
    /// `scheme:value` of BT-34.
    pub seller_endpoint: Option<String>,
    pub buyer_name: Option<String>,
    /// `scheme:value` of BT-49.
    pub buyer_endpoint: Option<String>,
    /// `scheme:value` of BT-47 (scheme may be empty).
    pub buyer_legal_id: Option<String>,
    pub buyer_vat_id: Option<String>,
    pub buyer_email: Option<String>,
    pub buyer_reference: Option<String>,
}

/// A stored document: metadata, status and where its bytes are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub id: Uuid,
    pub environment_id: Uuid,
    /// The organization that holds it: the seller for outgoing, the buyer for incoming.
    pub organization_id: Uuid,
    pub direction: Direction,
    pub kind: DocumentKind,
    pub status: DocumentStatus,
    /// For outgoing: the channel it was (or is being) delivered over; for incoming: how it came.
    pub channel: Option<Channel>,
    /// The participant id it was sent from or for (`scheme:value`).
    pub party_id: String,
    /// The receiver id delivery chose or was asked to use.
    pub receiver_id: Option<String>,
    pub facts: DocumentFacts,
    pub content_hash: ContentHash,
    /// `application/xml` or `application/pdf`.
    pub content_type: String,
    pub size_bytes: u64,
    pub idempotency_key: Option<String>,
    /// Set when an earlier document has the same seller, number, issue date and total.
    pub duplicate_of: Option<Uuid>,
    /// Incoming: the outgoing document it is a copy of (internal delivery); a response: the
    /// invoice it answers.
    pub related_id: Option<Uuid>,
    /// The last Invoice Response code: received (outgoing) or sent (incoming).
    pub response: Option<ResponseCode>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Deleted from the inbox: hidden from lists; metadata and history stay.
    pub deleted_at: Option<DateTime<Utc>>,
    /// The bytes were removed by retention.
    pub purged_at: Option<DateTime<Utc>>,
}

/// One line of a document's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentEvent {
    pub id: Uuid,
    pub document_id: Uuid,
    pub event: DocumentEventKind,
    /// The status after the event.
    pub status: DocumentStatus,
    pub channel: Option<Channel>,
    pub details: Option<String>,
    /// The delivery attempt it belongs to, from 1.
    pub attempt: Option<u32>,
    pub actor_email: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// A history line to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDocumentEvent {
    pub event: DocumentEventKind,
    pub channel: Option<Channel>,
    pub details: Option<String>,
    pub attempt: Option<u32>,
    pub actor_email: Option<String>,
}

impl NewDocumentEvent {
    #[must_use]
    pub fn new(event: DocumentEventKind) -> Self {
        Self {
            event,
            channel: None,
            details: None,
            attempt: None,
            actor_email: None,
        }
    }

    #[must_use]
    pub fn channel(mut self, channel: Channel) -> Self {
        self.channel = Some(channel);
        self
    }

    #[must_use]
    pub fn details(mut self, details: impl Into<String>) -> Self {
        self.details = Some(details.into());
        self
    }

    #[must_use]
    pub fn attempt(mut self, attempt: u32) -> Self {
        self.attempt = Some(attempt);
        self
    }

    #[must_use]
    pub fn by(mut self, email: Option<&str>) -> Self {
        self.actor_email = email.map(str::to_owned);
        self
    }
}

named_enum! {
    /// What a usage record counts (billable events).
    pub enum UsageKind {
        /// A document sent through the API or the web app.
        SentApi = "sent_api",
        /// A document sent by email intake.
        SentEmail = "sent_email",
        /// A document received into an inbox.
        Received = "received",
        /// A PDF turned into an e-invoice.
        PdfConverted = "pdf_converted",
    }
}
