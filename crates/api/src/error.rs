//! One error body for every failure.
//!
//! What the caller reads (a stable `code` and a sentence to act on) is kept apart from the
//! cause, which goes to the log only.

use actix_web::{
    http::{header, StatusCode},
    HttpResponse, ResponseError,
};
use chrono::{SecondsFormat, Utc};
use haven_domain::{ConflictCode, DomainError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::middleware::request_context;

/// Every `code` an error body can carry. Clients switch on it (and translate it); the set only
/// grows, and a client should treat a code it does not know like the status alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// Malformed request (JSON syntax, a path id that is not a UUID, a missing part).
    BadRequest,
    /// One or more fields are invalid; see `details`.
    ValidationFailed,
    /// No valid access token (or refresh cookie) was sent.
    Unauthenticated,
    /// The access token has expired; refresh it.
    TokenExpired,
    InvalidCredentials,
    /// The account has two-factor authentication: send `code` too.
    TwoFactorRequired,
    InvalidTwoFactorCode,
    /// The emailed link's token is unknown or mistyped.
    TokenInvalid,
    /// The emailed link was already used.
    TokenUsed,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    /// A conflict with no more specific code.
    Conflict,
    /// Something with these details already exists.
    AlreadyExists,
    EmailTaken,
    /// The change would leave the environment without an active Administrator.
    LastAdministrator,
    OrganizationLimitReached,
    /// Another organization on the platform holds this Peppol participant id.
    ParticipantIdTaken,
    /// The environment already has an organization with this KvK number.
    OrganizationExists,
    IdentifierExists,
    AlreadyMember,
    ActivationNotAllowed,
    NoPendingActivation,
    NoActivationCodePending,
    /// No activation code can be emailed for this organization; use operator review.
    ActivationCodeUnavailable,
    OrganizationNotActive,
    /// The environment has not opted in to receiving e-invoices.
    ReceivingNotEnabled,
    InvitationClosed,
    UserNotJoined,
    UserAlreadyJoined,
    EmailVerificationClosed,
    TwoFactorEnabled,
    TwoFactorSetupNotStarted,
    TwoFactorRequiredByEnvironment,
    /// Only a dead job can be retried.
    JobNotDead,
    /// Retention removed the document's original bytes.
    DocumentPurged,
    /// Retention removed the evidence blobs of a Peppol exchange with the document.
    EvidencePurged,
    /// The bytes of a refused incoming AS4 message were not kept.
    RefusedMessageNotKept,
    /// The document is still being delivered.
    DeliveryInProgress,
    /// The idempotency key was used before; `documentId` names the document it sent.
    DocumentExists,
    /// Not a valid e-invoice; `report` has the findings.
    InvalidDocument,
    PayloadTooLarge,
    UnsupportedMediaType,
    /// Well-formed but cannot be processed (e.g. an invalid e-invoice); see `details`.
    Unprocessable,
    /// Rate limited: wait for `Retry-After` seconds.
    TooManyRequests,
    /// A connection key's token was sent to an operation that needs a person's session.
    ConnectionNotAllowed,
    /// The connection key's token lacks the scope this operation needs.
    ScopeMissing,
    /// The connection key was revoked, deleted or given a new secret: get a new token.
    ConnectionInvalid,
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
    /// Add the organization with the request's KvK number to your environment first.
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
    /// The intake draft holds a valid invoice as mailed; it is sent as it is.
    DraftIsInvoice,
    /// This installation does not register participant ids with the Peppol SML.
    SmlRegistrationOff,
    /// The participant id is not registered in the Peppol SML under this installation's SMP.
    SmlNotRegistered,
    /// The participant id is not on the Peppol network from here: activate the organization and
    /// switch Send or Receive on for it.
    IdentifierNotOnPeppol,
    /// Sending the Peppol reports to OpenPeppol is switched off (`peppol_reporting_send`).
    PeppolReportingOff,
    /// The month's Peppol reports were sent already.
    ReportAlreadySent,
    /// The month has not ended: its Peppol reports cannot be sent yet.
    MonthNotEnded,
    /// No next SMP certificate is configured (`peppol_smp_next_certificate_file`).
    SmpNextCertificateMissing,
    /// The configured next SMP certificate cannot be announced: unreadable, not issued by the
    /// SMP CA, expired, or the current certificate.
    SmpNextCertificateInvalid,
    ServiceUnavailable,
    /// The business register (KvK) cannot be reached.
    RegisterUnavailable,
    InternalError,
}

impl From<ConflictCode> for ErrorCode {
    fn from(code: ConflictCode) -> Self {
        match code {
            ConflictCode::AlreadyExists => Self::AlreadyExists,
            ConflictCode::EmailTaken => Self::EmailTaken,
            ConflictCode::LastAdministrator => Self::LastAdministrator,
            ConflictCode::OrganizationLimitReached => Self::OrganizationLimitReached,
            ConflictCode::ParticipantIdTaken => Self::ParticipantIdTaken,
            ConflictCode::OrganizationExists => Self::OrganizationExists,
            ConflictCode::IdentifierExists => Self::IdentifierExists,
            ConflictCode::AlreadyMember => Self::AlreadyMember,
            ConflictCode::ActivationNotAllowed => Self::ActivationNotAllowed,
            ConflictCode::NoPendingActivation => Self::NoPendingActivation,
            ConflictCode::NoActivationCodePending => Self::NoActivationCodePending,
            ConflictCode::ActivationCodeUnavailable => Self::ActivationCodeUnavailable,
            ConflictCode::OrganizationNotActive => Self::OrganizationNotActive,
            ConflictCode::ReceivingNotEnabled => Self::ReceivingNotEnabled,
            ConflictCode::InvitationClosed => Self::InvitationClosed,
            ConflictCode::UserNotJoined => Self::UserNotJoined,
            ConflictCode::UserAlreadyJoined => Self::UserAlreadyJoined,
            ConflictCode::EmailVerificationClosed => Self::EmailVerificationClosed,
            ConflictCode::TwoFactorEnabled => Self::TwoFactorEnabled,
            ConflictCode::TwoFactorSetupNotStarted => Self::TwoFactorSetupNotStarted,
            ConflictCode::TwoFactorRequiredByEnvironment => Self::TwoFactorRequiredByEnvironment,
            ConflictCode::TokenUsed => Self::TokenUsed,
            ConflictCode::JobNotDead => Self::JobNotDead,
            ConflictCode::DocumentPurged => Self::DocumentPurged,
            ConflictCode::EvidencePurged => Self::EvidencePurged,
            ConflictCode::RefusedMessageNotKept => Self::RefusedMessageNotKept,
            ConflictCode::DeliveryInProgress => Self::DeliveryInProgress,
            ConflictCode::ConnectionNotActive => Self::ConnectionNotActive,
            ConflictCode::ConnectionNotRevoked => Self::ConnectionNotRevoked,
            ConflictCode::TrustedSenderExists => Self::TrustedSenderExists,
            ConflictCode::TrustedSenderStatus => Self::TrustedSenderStatus,
            ConflictCode::PartnerRequestAnswered => Self::PartnerRequestAnswered,
            ConflictCode::PartnerRequestExpired => Self::PartnerRequestExpired,
            ConflictCode::PartnerRequestTaken => Self::PartnerRequestTaken,
            ConflictCode::OwnPartnerRequest => Self::OwnPartnerRequest,
            ConflictCode::PartnerOrganizationMissing => Self::PartnerOrganizationMissing,
            ConflictCode::PartnershipExists => Self::PartnershipExists,
            ConflictCode::PartnershipNotActive => Self::PartnershipNotActive,
            ConflictCode::GrantExists => Self::GrantExists,
            ConflictCode::GrantNotOffered => Self::GrantNotOffered,
            ConflictCode::GrantRevoked => Self::GrantRevoked,
            ConflictCode::DraftNotOpen => Self::DraftNotOpen,
            ConflictCode::DraftIsInvoice => Self::DraftIsInvoice,
            ConflictCode::SmlRegistrationOff => Self::SmlRegistrationOff,
            ConflictCode::SmlNotRegistered => Self::SmlNotRegistered,
            ConflictCode::IdentifierNotOnPeppol => Self::IdentifierNotOnPeppol,
            ConflictCode::PeppolReportingOff => Self::PeppolReportingOff,
            ConflictCode::ReportAlreadySent => Self::ReportAlreadySent,
            ConflictCode::MonthNotEnded => Self::MonthNotEnded,
            ConflictCode::SmpNextCertificateMissing => Self::SmpNextCertificateMissing,
            ConflictCode::SmpNextCertificateInvalid => Self::SmpNextCertificateInvalid,
        }
    }
}

/// The JSON body of every error response.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    /// Stable machine-readable code; clients switch on this, never on the message.
    pub code: ErrorCode,
    /// What went wrong and what to do about it, for a person.
    #[schema(example = "No resource exists at this address.")]
    pub message: String,
    /// The request's id (from `X-Request-Id` or generated); quote it to support.
    #[schema(example = "3f0c2a8e-5d1b-4c55-9a55-0f1f7c3a9b21")]
    pub request_id: String,
    /// When the error occurred (RFC 3339, UTC).
    #[schema(example = "2026-11-26T12:00:00.000Z")]
    pub date_time: String,
    /// Field-level or positional details; empty when there are none.
    pub details: Vec<ErrorDetail>,
    /// With `document_exists`: the document the idempotency key sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document_id: Option<uuid::Uuid>,
    /// With `invalid_document`: the full validation report.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report: Option<Box<haven_einvoice::ValidationReport>>,
}

/// One detail of an error: which field or position, and what is wrong with it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ErrorDetail {
    /// The field (JSON path or parameter name) the detail is about, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "email")]
    pub field: Option<String>,
    /// Stable machine-readable code for this detail.
    #[schema(example = "invalid_format")]
    pub code: String,
    #[schema(example = "Must be a valid email address.")]
    pub message: String,
    /// 1-based line in the body, for syntax errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// 1-based column in the body, for syntax errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
}

impl ErrorDetail {
    #[must_use]
    pub fn field(
        field: impl Into<String>,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            field: Some(field.into()),
            code: code.into(),
            message: message.into(),
            line: None,
            column: None,
        }
    }
}

/// Every way a request can fail, each with a fixed status and code.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("bad request: {message}")]
    BadRequest {
        message: String,
        details: Vec<ErrorDetail>,
    },
    #[error("validation failed")]
    Validation(Vec<ErrorDetail>),
    /// 401; the code says why (`unauthenticated`, `token_expired`, `invalid_credentials`, …).
    #[error("unauthenticated: {0:?}")]
    Unauthenticated(ErrorCode),
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// 403 with a more specific code than `forbidden`.
    #[error("refused ({code:?}): {message}")]
    Refused { code: ErrorCode, message: String },
    #[error("not found")]
    NotFound,
    #[error("method not allowed")]
    MethodNotAllowed { allowed: Vec<&'static str> },
    #[error("conflict ({code:?}): {message}")]
    Conflict { code: ErrorCode, message: String },
    #[error("payload too large")]
    PayloadTooLarge { limit: usize },
    #[error("unsupported media type")]
    UnsupportedMediaType { expected: &'static str },
    #[error("unprocessable: {message}")]
    Unprocessable {
        message: String,
        details: Vec<ErrorDetail>,
    },
    #[error("unusable link: {0:?}")]
    LinkToken(ErrorCode),
    /// 409: the idempotency key already sent this document.
    #[error("document exists: {id}")]
    DocumentExists { id: uuid::Uuid, location: String },
    /// 400: the document is not a valid e-invoice.
    #[error("invalid document")]
    InvalidDocument(Box<haven_einvoice::ValidationReport>),
    #[error("too many requests")]
    TooManyRequests { retry_after_secs: u64 },
    #[error("service unavailable")]
    Unavailable,
    #[error("business register unavailable")]
    RegisterUnavailable,
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    #[must_use]
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::BadRequest { .. } => ErrorCode::BadRequest,
            Self::Validation(_) => ErrorCode::ValidationFailed,
            Self::Unauthenticated(code)
            | Self::LinkToken(code)
            | Self::Conflict { code, .. }
            | Self::Refused { code, .. } => *code,
            Self::Forbidden(_) => ErrorCode::Forbidden,
            Self::DocumentExists { .. } => ErrorCode::DocumentExists,
            Self::InvalidDocument(_) => ErrorCode::InvalidDocument,
            Self::NotFound => ErrorCode::NotFound,
            Self::MethodNotAllowed { .. } => ErrorCode::MethodNotAllowed,
            Self::PayloadTooLarge { .. } => ErrorCode::PayloadTooLarge,
            Self::UnsupportedMediaType { .. } => ErrorCode::UnsupportedMediaType,
            Self::Unprocessable { .. } => ErrorCode::Unprocessable,
            Self::TooManyRequests { .. } => ErrorCode::TooManyRequests,
            Self::Unavailable => ErrorCode::ServiceUnavailable,
            Self::RegisterUnavailable => ErrorCode::RegisterUnavailable,
            Self::Internal(_) => ErrorCode::InternalError,
        }
    }

    fn public_message(&self) -> String {
        match self {
            Self::BadRequest { message, .. } => message.clone(),
            Self::Validation(_) => "The request has invalid fields; see details.".into(),
            Self::Unauthenticated(code) => match code {
                ErrorCode::InvalidCredentials => {
                    "The email address or password is incorrect.".into()
                }
                ErrorCode::TwoFactorRequired => "Enter the code from your authenticator app.".into(),
                ErrorCode::InvalidTwoFactorCode => {
                    "The two-factor code is incorrect or already used.".into()
                }
                ErrorCode::TokenExpired => {
                    "Your session has expired; log in again (software: get a new token).".into()
                }
                ErrorCode::ConnectionInvalid => "This connection key was revoked, deleted or given a new secret; get a new token with valid credentials.".into(),
                _ => "Log in to continue.".into(),
            },
            Self::Forbidden(message) => message.clone(),
            Self::DocumentExists { id, .. } => format!(
                "This idempotency key was used before: it sent document {id}. Use a new key for a new document."
            ),
            Self::InvalidDocument(report) => {
                let fatal = report
                    .findings
                    .iter()
                    .filter(|f| f.severity == haven_einvoice::Severity::Fatal)
                    .count();
                format!("The document is not a valid e-invoice: {fatal} fatal finding(s); see report. Nothing was stored.")
            }
            Self::NotFound => "No resource exists at this address.".into(),
            Self::MethodNotAllowed { allowed } if allowed.is_empty() => {
                "This address does not accept this method.".into()
            }
            Self::MethodNotAllowed { allowed } => format!(
                "This address does not accept this method; allowed: {}.",
                allowed.join(", ")
            ),
            Self::Conflict { message, .. }
            | Self::Unprocessable { message, .. }
            | Self::Refused { message, .. } => message.clone(),
            Self::PayloadTooLarge { limit } => {
                format!("The request body is larger than the limit of {limit} bytes.")
            }
            Self::UnsupportedMediaType { expected } => {
                format!("Unsupported Content-Type; send {expected}.")
            }
            Self::LinkToken(code) => match code {
                ErrorCode::TokenExpired => "This link has expired; ask for a new one.".into(),
                ErrorCode::TokenUsed => "This link was already used.".into(),
                _ => "This link is not valid; check that you copied all of it.".into(),
            },
            Self::TooManyRequests { retry_after_secs } => {
                format!("Too many attempts; try again in {retry_after_secs} seconds.")
            }
            Self::RegisterUnavailable => "The business register cannot be reached right now; try again in a moment, or enter the organization by hand.".into(),
            Self::Unavailable => {
                "The service is temporarily unavailable; try again shortly.".into()
            }
            Self::Internal(_) => {
                "Something went wrong on our side. Quote the request id when contacting support."
                    .into()
            }
        }
    }

    fn details(&self) -> Vec<ErrorDetail> {
        match self {
            Self::BadRequest { details, .. }
            | Self::Validation(details)
            | Self::Unprocessable { details, .. } => details.clone(),
            Self::InvalidDocument(report) => report
                .findings
                .iter()
                .filter(|f| f.severity == haven_einvoice::Severity::Fatal)
                .map(|f| {
                    ErrorDetail::field(
                        f.location.clone().unwrap_or_else(|| "document".into()),
                        f.rule_id.clone(),
                        f.message.clone(),
                    )
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The closest error for a bare status produced outside our handlers.
    #[must_use]
    pub fn for_status(status: StatusCode, body_limit: usize) -> Self {
        match status.as_u16() {
            404 => Self::NotFound,
            405 => Self::MethodNotAllowed {
                allowed: Vec::new(),
            },
            413 => Self::PayloadTooLarge { limit: body_limit },
            415 => Self::UnsupportedMediaType {
                expected: "a supported content type",
            },
            503 => Self::Unavailable,
            s if s >= 500 => Self::Internal(anyhow::anyhow!(
                "component answered {status} without a body"
            )),
            _ => Self::BadRequest {
                message: "The request could not be processed.".into(),
                details: Vec::new(),
            },
        }
    }

    /// The body this error renders as, stamped with the current request id and time.
    #[must_use]
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            code: self.code(),
            message: self.public_message(),
            request_id: request_context::current_request_id(),
            date_time: Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true),
            details: self.details(),
            document_id: match self {
                Self::DocumentExists { id, .. } => Some(*id),
                _ => None,
            },
            report: match self {
                Self::InvalidDocument(report) => Some(report.clone()),
                _ => None,
            },
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest { .. } | Self::Validation(_) | Self::InvalidDocument(_) => {
                StatusCode::BAD_REQUEST
            }
            Self::DocumentExists { .. } => StatusCode::CONFLICT,
            Self::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) | Self::Refused { .. } => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::LinkToken(_) => StatusCode::BAD_REQUEST,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable | Self::RegisterUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let Self::Internal(cause) = self {
            // The cause chain is logged once, here at the boundary, and never sent.
            tracing::error!(error.cause_chain = %format!("{cause:#}"), "request failed with an internal error");
        }
        let mut response = HttpResponse::build(self.status_code());
        if let Self::MethodNotAllowed { allowed } = self {
            if !allowed.is_empty() {
                response.insert_header((header::ALLOW, allowed.join(", ")));
            }
        }
        if let Self::TooManyRequests { retry_after_secs } = self {
            response.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
        }
        if let Self::DocumentExists { location, .. } = self {
            response.insert_header((header::LOCATION, location.clone()));
        }
        if let Self::Unauthenticated(_) = self {
            response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        response.json(self.body())
    }
}

impl From<DomainError> for ApiError {
    fn from(err: DomainError) -> Self {
        match err {
            DomainError::NotFound { .. } => Self::NotFound,
            DomainError::Conflict { code, message } => Self::Conflict {
                code: code.into(),
                message,
            },
            DomainError::Forbidden(message) => Self::Forbidden(message),
            DomainError::MissingScope(scope) => Self::Refused {
                code: ErrorCode::ScopeMissing,
                message: format!(
                    "This connection key has no `{}` scope; an Organization Administrator can create one that has.",
                    scope.as_str()
                ),
            },
            DomainError::Validation(fields) => Self::Validation(
                fields
                    .into_iter()
                    .map(|f| ErrorDetail::field(f.field, f.code, f.message))
                    .collect(),
            ),
            DomainError::LinkToken(problem) => problem.into(),
            DomainError::Unavailable { service, message } => {
                tracing::warn!(?service, %message, "an outside service is unavailable");
                match service {
                    haven_domain::ExternalService::BusinessRegister => Self::RegisterUnavailable,
                    haven_domain::ExternalService::ObjectStorage
                    | haven_domain::ExternalService::SenderDns
                    | haven_domain::ExternalService::Sml => Self::Unavailable,
                }
            }
            DomainError::Unexpected(cause) => Self::Internal(cause),
        }
    }
}

impl From<haven_domain::accounts::records::TokenProblem> for ApiError {
    fn from(problem: haven_domain::accounts::records::TokenProblem) -> Self {
        use haven_domain::accounts::records::TokenProblem;
        Self::LinkToken(match problem {
            TokenProblem::Unknown => ErrorCode::TokenInvalid,
            TokenProblem::Expired => ErrorCode::TokenExpired,
            TokenProblem::Used => ErrorCode::TokenUsed,
        })
    }
}

impl From<haven_domain::FieldError> for ApiError {
    fn from(err: haven_domain::FieldError) -> Self {
        Self::Validation(vec![ErrorDetail::field(err.field, err.code, err.message)])
    }
}

/// Runs the `validator` rules of a request body and reports every failing field.
///
/// # Errors
/// [`ApiError::Validation`] listing each field.
pub fn validate_body<T: validator::Validate>(body: &T) -> Result<(), ApiError> {
    body.validate().map_err(|errors| {
        let mut details: Vec<ErrorDetail> = errors
            .field_errors()
            .into_iter()
            .flat_map(|(field, errs)| {
                errs.iter().map(move |e| {
                    let message = e.message.as_ref().map_or_else(
                        || format!("The value of {field} is not valid ({}).", e.code),
                        ToString::to_string,
                    );
                    ErrorDetail::field(field.to_string(), e.code.to_string(), message)
                })
            })
            .collect();
        details.sort_by(|a, b| a.field.cmp(&b.field));
        ApiError::Validation(details)
    })
}
