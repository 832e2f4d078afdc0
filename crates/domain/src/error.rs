//! The business errors every port and service speaks.

use std::fmt;

/// What went wrong, in business terms. Adapters map their own failures onto these cases;
/// only [`DomainError::Unexpected`] carries an internal cause, which is logged and never shown.
#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    #[error("{entity} {id} was not found")]
    NotFound { entity: &'static str, id: String },
    /// The request breaks a business rule given the current state; `code` says which.
    #[error("conflict ({code:?}): {message}")]
    Conflict { code: ConflictCode, message: String },
    #[error("not allowed: {0}")]
    Forbidden(String),
    /// A connection's token lacks the scope this needs.
    #[error("missing scope {0:?}")]
    MissingScope(crate::connections::Scope),
    #[error("invalid input")]
    Validation(Vec<FieldError>),
    /// A single-use link that cannot be used (unknown, expired or used).
    #[error("unusable link: {0:?}")]
    LinkToken(crate::accounts::records::TokenProblem),
    /// A service outside Haven did not answer; the message is logged, never shown.
    #[error("{service:?} is unavailable: {message}")]
    Unavailable {
        service: ExternalService,
        message: String,
    },
    #[error("an unexpected error occurred")]
    Unexpected(#[source] anyhow::Error),
}

/// Which business rule a [`DomainError::Conflict`] is about: stable, so clients can switch on
/// it and translate it, while the message stays a sentence for people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConflictCode {
    /// A unique value that no rule below names (a race the rules did not foresee).
    AlreadyExists,
    EmailTaken,
    LastAdministrator,
    OrganizationLimitReached,
    /// Another organization on the platform holds this participant id.
    ParticipantIdTaken,
    /// The environment already has an organization with this KvK number.
    OrganizationExists,
    IdentifierExists,
    AlreadyMember,
    /// The organization's status does not allow requesting activation.
    ActivationNotAllowed,
    NoPendingActivation,
    NoActivationCodePending,
    /// No emailed code is possible (foreign organization, no address in the register).
    ActivationCodeUnavailable,
    OrganizationNotActive,
    ReceivingNotEnabled,
    InvitationClosed,
    UserNotJoined,
    UserAlreadyJoined,
    EmailVerificationClosed,
    TwoFactorEnabled,
    TwoFactorSetupNotStarted,
    TwoFactorRequiredByEnvironment,
    TokenUsed,
    JobNotDead,
    /// Retention removed the document's original bytes.
    DocumentPurged,
    /// Retention removed the evidence blobs of a Peppol exchange with the document.
    EvidencePurged,
    /// The bytes of a refused incoming AS4 message were not kept (an unauthenticated sender
    /// past the hourly cap, or a message that could not be held).
    RefusedMessageNotKept,
    /// The document is still being delivered.
    DeliveryInProgress,
    /// The connection is revoked (it can only be deleted).
    ConnectionNotActive,
    /// Only a revoked connection can be deleted.
    ConnectionNotRevoked,
    /// The organization already trusts this address or domain.
    TrustedSenderExists,
    /// The trusted sender's status does not allow the change.
    TrustedSenderStatus,
    /// The authorisation request was already answered or withdrawn.
    PartnerRequestAnswered,
    /// The authorisation request expired before it was answered.
    PartnerRequestExpired,
    /// Another environment opened the authorisation request's link first.
    PartnerRequestTaken,
    /// An environment cannot answer its own authorisation request.
    OwnPartnerRequest,
    /// The client's environment has no organization with the request's KvK number.
    PartnerOrganizationMissing,
    /// The two environments already have an active partnership for this organization.
    PartnershipExists,
    /// The partnership has ended.
    PartnershipNotActive,
    /// The user already has an offered or active grant on this organization.
    GrantExists,
    /// Only an offered grant can be accepted.
    GrantNotOffered,
    /// The grant is already revoked.
    GrantRevoked,
    /// The intake draft was completed or discarded already.
    DraftNotOpen,
    /// The intake draft holds a valid invoice as mailed: it is sent as it is, its fields
    /// cannot be changed.
    DraftIsInvoice,
    /// The installation does not register participant ids with the Peppol SML.
    SmlRegistrationOff,
    /// The participant id is not registered in the SML under Haven's SMP.
    SmlNotRegistered,
    /// Haven's SMP does not publish the participant id (organization not active, or neither
    /// Send nor Receive on).
    IdentifierNotOnPeppol,
    /// Sending the Peppol reports to OpenPeppol is switched off.
    PeppolReportingOff,
    /// The month's Peppol reports were sent already.
    ReportAlreadySent,
    /// A month's Peppol reports are sent once the month has ended.
    MonthNotEnded,
    /// No next SMP certificate is configured (`peppol_smp_next_certificate_file`).
    SmpNextCertificateMissing,
    /// The configured next SMP certificate cannot be announced (unreadable, not under the SMP
    /// CA, expired, or the current one).
    SmpNextCertificateInvalid,
}

/// The outside services a use case may depend on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExternalService {
    /// The Dutch business register (KvK).
    BusinessRegister,
    /// The S3-compatible object storage that holds document blobs.
    ObjectStorage,
    /// The DNS of a sender's domain (SPF, DKIM and DMARC records of intake mail).
    SenderDns,
    /// The Peppol SML's management interface.
    Sml,
}

impl DomainError {
    /// A validation failure of one field.
    #[must_use]
    pub fn field(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError {
            field: field.into(),
            code,
            message: message.into(),
        }])
    }

    /// A business-rule conflict.
    #[must_use]
    pub fn conflict(code: ConflictCode, message: String) -> Self {
        Self::Conflict { code, message }
    }

    #[must_use]
    pub fn not_found(entity: &'static str, id: impl ToString) -> Self {
        Self::NotFound {
            entity,
            id: id.to_string(),
        }
    }
}

/// One field that failed validation, with a stable machine code and a sentence for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub code: &'static str,
    pub message: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

pub type DomainResult<T> = Result<T, DomainError>;
