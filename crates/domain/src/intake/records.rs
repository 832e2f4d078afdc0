//! Email intake as the domain sees it: the closed sets and the records kept.

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// The fields of a draft: the engine's recognition output, corrected by people.
pub use haven_einvoice::recognition::{InvoiceFields, VatLine};

use crate::{documents::records::named_enum, mail::Language};

named_enum! {
    /// Which of an organization's two intake addresses a message came to.
    pub enum IntakePurpose {
        /// Purchase invoices: they land in the organization's inbox.
        Purchase = "purchase",
        /// Sales invoices: they are sent on, like an upload through the API.
        Sales = "sales",
    }
}

named_enum! {
    /// How a message reached Haven.
    pub enum IntakeTransport {
        /// The built-in SMTP receiver.
        Smtp = "smtp",
        /// `POST /api/v1/inbound-email`, from a mail server or provider.
        Http = "http",
    }
}

named_enum! {
    /// Where a message stands.
    pub enum IntakeStatus {
        /// Stored; its processing is queued.
        Received = "received",
        /// Every invoice in it became a document.
        Processed = "processed",
        /// Some invoices became documents, others were rejected.
        PartlyProcessed = "partly_processed",
        /// Nothing in it became a document.
        Rejected = "rejected",
    }
}

named_enum! {
    /// What became of one attachment.
    pub enum ItemOutcome {
        /// It became a document (sent on, or into the inbox).
        Document = "document",
        /// A PDF with text only: its fields were recognised into a draft a person completes.
        Draft = "draft",
        /// It was an invoice candidate that could not be processed.
        Rejected = "rejected",
        /// Not looked at as an invoice (a logo, a signature, the PDF twin of an XML invoice).
        Ignored = "ignored",
    }
}

named_enum! {
    /// Why a message or an attachment was not processed, or why one was ignored.
    pub enum IntakeReason {
        /// The sender is not trusted for this organization.
        UntrustedSender = "untrusted_sender",
        /// The same file was processed for this organization before.
        AlreadyProcessed = "already_processed",
        /// The file could not be read (damaged, not what its type says).
        Unreadable = "unreadable",
        /// The file is not an invoice (an order, a reminder, another XML).
        NotAnInvoice = "not_an_invoice",
        /// A PDF that is encrypted or protected cannot be processed.
        EncryptedPdf = "encrypted_pdf",
        /// A signed PDF without an embedded invoice: making an invoice of it would not carry
        /// the signature.
        SignedPdf = "signed_pdf",
        /// The invoice breaks rules of EN 16931, Peppol BIS or NLCIUS.
        ValidationFailed = "validation_failed",
        /// A scanned PDF or an image: no structured data and no text; reading it needs OCR,
        /// which is not offered.
        RecognitionUnavailable = "recognition_unavailable",
        /// The organization may not send this invoice (seller address, sending switched off,
        /// organization not active).
        NotAllowed = "not_allowed",
        /// Purchase invoices need receiving switched on for the organization.
        ReceivingOff = "receiving_off",
        /// An attachment above the size limit.
        TooLarge = "too_large",
        /// More invoices in one message than allowed.
        TooManyInvoices = "too_many_invoices",
        /// The message has no invoice attachment.
        NoInvoice = "no_invoice",
        /// Mail from our own domain or an automatic reply: never processed, never answered.
        LoopProtection = "loop_protection",
        /// Ignored: an image below the size floor (a logo or a signature).
        SmallImage = "small_image",
        /// Ignored: a file type that cannot hold an invoice.
        NotACandidate = "not_a_candidate",
        /// Ignored: the PDF beside a valid XML invoice (the XML wins).
        VisualOfXml = "visual_of_xml",
        /// A valid sales invoice kept as a draft, as the organization prefers: a person sends
        /// it from the drafts.
        KeptAsDraft = "kept_as_draft",
        /// The `From` domain is not authenticated (SPF and DKIM do not pass for it, or its
        /// DMARC policy rejects the message) while sender authentication is enforced: refused
        /// without a reply, as the address may be forged.
        SenderNotAuthenticated = "sender_not_authenticated",
    }
}

named_enum! {
    /// Whether a trusted sender entry names one address or a whole domain.
    pub enum TrustedSenderKind {
        Address = "address",
        Domain = "domain",
    }
}

named_enum! {
    /// A trusted sender's life: added, invited (the contact confirms), active, switched off.
    pub enum TrustedSenderStatus {
        /// Added; not trusted yet.
        Draft = "draft",
        /// The contact was mailed a confirmation link; not trusted yet.
        Invited = "invited",
        /// Trusted: its mail is processed.
        Active = "active",
        /// Switched off by an Organization Administrator.
        Inactive = "inactive",
    }
}

/// An address or domain an Organization Administrator trusts for one organization's intake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedSender {
    pub id: Uuid,
    pub environment_id: Uuid,
    pub organization_id: Uuid,
    pub kind: TrustedSenderKind,
    /// The address or the domain, lower case.
    pub value: String,
    pub contact_email: String,
    pub language: Language,
    pub status: TrustedSenderStatus,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One message as the intake log shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntakeMessage {
    pub id: Uuid,
    pub environment_id: Uuid,
    pub organization_id: Uuid,
    pub purpose: IntakePurpose,
    pub recipient: String,
    pub envelope_from: String,
    pub transport: IntakeTransport,
    pub raw_hash: String,
    pub size_bytes: u64,
    pub sender: Option<String>,
    pub subject: Option<String>,
    pub status: IntakeStatus,
    pub reason: Option<IntakeReason>,
    /// Whether a rejection was mailed back.
    pub replied: bool,
    pub received_at: DateTime<Utc>,
    pub processed_at: Option<DateTime<Utc>>,
    /// SPF, DKIM and DMARC as checked at acceptance; `None` when not checked.
    pub sender_verdict: Option<super::authentication::SenderVerdict>,
}

/// What became of one attachment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntakeItem {
    pub position: u32,
    pub filename: Option<String>,
    pub content_type: String,
    pub size_bytes: u64,
    pub content_hash: String,
    pub outcome: ItemOutcome,
    pub reason: Option<IntakeReason>,
    /// For people: rule ids and what to fix, or what was missing.
    pub detail: Option<String>,
    pub document_id: Option<Uuid>,
    /// The draft recognised from a PDF with text only.
    pub draft_id: Option<Uuid>,
}

named_enum! {
    /// A draft's life: open until a person completes it (it becomes a document) or discards it.
    pub enum DraftStatus {
        /// Waiting to be checked and completed.
        Open = "open",
        /// Made into an invoice and handed on (sent, or into the inbox).
        Completed = "completed",
        /// Thrown away.
        Discarded = "discarded",
    }
}

/// An invoice recognised in a PDF with text only, waiting for a person to check and complete
/// it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub id: Uuid,
    pub environment_id: Uuid,
    pub organization_id: Uuid,
    /// The intake message and the attachment's position in it.
    pub message_id: Uuid,
    pub position: u32,
    /// Purchase: the organization is the buyer; sales: the seller.
    pub purpose: IntakePurpose,
    pub status: DraftStatus,
    pub filename: Option<String>,
    /// The PDF in the document store.
    pub pdf_hash: String,
    pub pdf_size: u64,
    /// A valid invoice as mailed (a sales invoice kept as a draft), in the document store:
    /// completing the draft sends it unchanged, and its fields only describe it.
    pub invoice_hash: Option<String>,
    pub fields: InvoiceFields,
    /// The document completing it made.
    pub document_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When it was completed or discarded, and by whom (an email address).
    pub finished_at: Option<DateTime<Utc>>,
    pub finished_by: Option<String>,
}
