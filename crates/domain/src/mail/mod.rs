//! Outgoing email: which messages the platform sends, rendered in the recipient's language.
//!
//! Messages are rendered here (pure), queued as jobs of kind [`crate::jobs::JobKind::Email`]
//! by the persistence layer in the same transaction as the change that caused them, and
//! delivered by the job worker, so that sending never blocks or fails a request.

mod templates;

use serde::{Deserialize, Serialize};

pub use templates::{hook_event_sentence, intake_reason_text, render};

/// Languages the platform speaks (emails and the web app).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Language {
    #[default]
    Nl,
    En,
}

impl Language {
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Self::Nl => "nl",
            Self::En => "en",
        }
    }

    #[must_use]
    pub fn parse(code: &str) -> Option<Self> {
        match code {
            "nl" => Some(Self::Nl),
            "en" => Some(Self::En),
            _ => None,
        }
    }
}

/// Every message the platform sends. Links are absolute URLs built by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailTemplate {
    /// Confirm a registration; verifying creates the environment.
    VerifyRegistration { link: String, valid_hours: u32 },
    /// Someone registered with an address that already has an account (no enumeration: the
    /// request answers the same; the owner learns it here).
    AlreadyRegistered {
        login_link: String,
        reset_link: String,
    },
    /// An Administrator invited this address into their environment.
    Invitation {
        inviter_name: String,
        environment_name: String,
        link: String,
        valid_hours: u32,
    },
    /// An Administrator added this person directly; they choose a password.
    SetPassword {
        environment_name: String,
        link: String,
        valid_hours: u32,
    },
    /// Forgot-password link.
    PasswordReset { link: String, valid_minutes: u32 },
    /// The password was changed or reset (a notice, in case it was not them).
    PasswordChanged,
    /// Confirm an additional email address.
    VerifyAdditionalEmail {
        email: String,
        link: String,
        valid_hours: u32,
    },
    /// Two-factor authentication was switched on or off.
    TwoFactorChanged { enabled: bool },
    /// The code that proves control of an organization, sent to the address the business
    /// register has on file.
    ActivationCode {
        organization_name: String,
        code: String,
        valid_minutes: u32,
        requested_by: String,
    },
    /// An invoice for someone not reachable electronically: a private link to view and
    /// download it.
    InvoiceByEmail {
        seller_name: String,
        number: String,
        link: String,
        valid_days: u32,
    },
    /// An accountant's environment asks the client for authorisation to act for one of its
    /// organizations.
    PartnerRequest {
        requester_name: String,
        environment_name: String,
        client_name: String,
        software: String,
        kvk_number: String,
        link: String,
        valid_days: u32,
    },
    /// What of a message to an intake address could not be processed, and why (to the
    /// sender and the trusted sender's contact).
    IntakeRejected {
        organization_name: String,
        /// The intake address the message went to.
        address: String,
        subject: String,
        /// When the message as a whole was refused.
        reason: Option<crate::intake::records::IntakeReason>,
        files: Vec<RejectedFile>,
    },
    /// A trusted sender's contact confirms that the sender may mail invoices to an
    /// organization's intake addresses.
    TrustedSenderInvitation {
        organization_name: String,
        /// The address or domain trusted.
        sender: String,
        purchase_address: String,
        sales_address: String,
        link: String,
        valid_days: u32,
    },
    /// One event of a mail hook (a `mailto:` target), with the document attached when the
    /// event has one.
    HookEvent {
        topic: crate::hooks::records::Topic,
        /// The stable event id receivers deduplicate by.
        event_id: uuid::Uuid,
        party_id: Option<String>,
        document_id: Option<uuid::Uuid>,
        document_number: Option<String>,
        /// RFC 3339.
        created_on: String,
        /// The event's details (JSON), for events about hooks.
        details: Option<String>,
        attachment: HookAttachmentNote,
    },
}

/// What a mail hook's message says about its attachment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HookAttachmentNote {
    /// The event is not about a document (a ping, an event about a hook).
    NoDocument,
    /// The original as stored.
    Original { file_name: String },
    /// The document converted to the syntax the hook asked for (`UBL` or `CII`).
    Converted {
        file_name: String,
        syntax: &'static str,
    },
    /// Conversion was asked for but is not possible: the original is attached instead.
    NotConverted {
        file_name: String,
        syntax: &'static str,
        /// Why, in the converter's words.
        reason: String,
    },
    /// The document's bytes are no longer kept (retention) or it is gone.
    Unavailable,
}

/// One file a rejection notice is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedFile {
    pub name: String,
    pub reason: crate::intake::records::IntakeReason,
    /// Rule ids and what to fix, or what was missing.
    pub detail: Option<String>,
}

/// A message ready for the queue (the payload of an email job).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutgoingMail {
    pub to: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
}
