//! Email intake over HTTP: the inbound-email endpoint for mail servers, an organization's
//! intake addresses and log, and its trusted senders.

use actix_web::{delete, get, http::header, post, put, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use haven_domain::{
    accounts::secrets,
    intake::{
        authentication::SenderVerdict,
        records::{
            IntakeItem, IntakeMessage, IntakePurpose, IntakeReason, IntakeStatus, IntakeTransport,
            ItemOutcome, TrustedSender, TrustedSenderKind, TrustedSenderStatus,
        },
        service::{self, Envelope, TrustedSenderInput},
    },
    mail::Language,
    organizations::{policy::OrgAction, service::authorize},
    DomainError,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::{
    auth::client_info,
    documents::{announced_length, read_body, BinaryFile},
    paging::{page_of, PageParams},
};
use crate::{
    auth::Authenticated,
    error::{ApiError, ErrorBody, ErrorCode, ErrorDetail},
    extractors::JsonBody,
    state::AppState,
};

const TAG: &str = "intake";

page_of!(
    IntakeMessagePage,
    IntakeMessageDto,
    "One page of an organization's intake log, newest first."
);
page_of!(
    TrustedSenderPage,
    TrustedSenderDto,
    "One page of an organization's trusted senders, newest first."
);

/// An organization's intake addresses and the limits that apply.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IntakeOverviewDto {
    /// Mail purchase invoices here: they land in the inbox. Null until the organization is
    /// active.
    #[schema(example = "90000016.inkoop@intake.haven.example")]
    pub purchase_address: Option<String>,
    /// Mail sales invoices here: they are sent on to the buyer. Null until the organization
    /// is active.
    #[schema(example = "90000016.verkoop@intake.haven.example")]
    pub sales_address: Option<String>,
    pub max_message_bytes: u64,
    pub max_attachment_bytes: u64,
    pub max_invoices_per_message: usize,
    /// Valid sales invoices by email become drafts a person sends from the drafts, instead of
    /// being sent on at once (the default).
    pub sales_as_drafts: bool,
}

/// The organization's intake preferences.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IntakePreferencesRequest {
    /// Keep valid sales invoices by email as drafts (`true`) or send them on at once (`false`).
    pub sales_as_drafts: bool,
}

/// One message of the intake log.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IntakeMessageDto {
    pub id: Uuid,
    pub purpose: IntakePurpose,
    /// The intake address it came to.
    pub recipient: String,
    /// The From address (null until the message is read, or when it has none).
    pub sender: Option<String>,
    pub subject: Option<String>,
    pub transport: IntakeTransport,
    pub size_bytes: u64,
    pub status: IntakeStatus,
    /// Why the message as a whole was refused.
    pub reason: Option<IntakeReason>,
    /// Whether a rejection notice was mailed back.
    pub replied: bool,
    pub received_at: DateTime<Utc>,
    pub processed_at: Option<DateTime<Utc>>,
    /// SPF, DKIM and DMARC of the sender as checked when the message arrived; null when
    /// sender authentication is off.
    pub sender_verdict: Option<SenderVerdict>,
}

impl From<IntakeMessage> for IntakeMessageDto {
    fn from(m: IntakeMessage) -> Self {
        Self {
            id: m.id,
            purpose: m.purpose,
            recipient: m.recipient,
            sender: m.sender,
            subject: m.subject,
            transport: m.transport,
            size_bytes: m.size_bytes,
            status: m.status,
            reason: m.reason,
            replied: m.replied,
            received_at: m.received_at,
            processed_at: m.processed_at,
            sender_verdict: m.sender_verdict,
        }
    }
}

/// What became of one attachment.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IntakeItemDto {
    /// Its place among the message's attachments, from 0.
    pub position: u32,
    pub filename: Option<String>,
    pub content_type: String,
    pub size_bytes: u64,
    pub outcome: ItemOutcome,
    pub reason: Option<IntakeReason>,
    /// Rule ids and what to fix, or what was missing.
    pub detail: Option<String>,
    /// The document it became.
    pub document_id: Option<Uuid>,
    /// The draft it became (a PDF with text only, recognised; a person completes it).
    pub draft_id: Option<Uuid>,
}

impl From<IntakeItem> for IntakeItemDto {
    fn from(i: IntakeItem) -> Self {
        Self {
            position: i.position,
            filename: i.filename,
            content_type: i.content_type,
            size_bytes: i.size_bytes,
            outcome: i.outcome,
            reason: i.reason,
            detail: i.detail,
            document_id: i.document_id,
            draft_id: i.draft_id,
        }
    }
}

/// One message with what became of each attachment.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IntakeMessageDetailDto {
    pub message: IntakeMessageDto,
    pub items: Vec<IntakeItemDto>,
}

/// An address or domain allowed to mail invoices to the organization.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TrustedSenderDto {
    pub id: Uuid,
    pub kind: TrustedSenderKind,
    /// The address, or the domain (every address at it).
    #[schema(example = "facturen@leverancier.nl")]
    pub value: String,
    /// Receives the invitation and the rejection notices.
    pub contact_email: String,
    pub language: Language,
    pub status: TrustedSenderStatus,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<TrustedSender> for TrustedSenderDto {
    fn from(s: TrustedSender) -> Self {
        Self {
            id: s.id,
            kind: s.kind,
            value: s.value,
            contact_email: s.contact_email,
            language: s.language,
            status: s.status,
            created_by: s.created_by,
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

/// A new trusted sender; it starts as a draft.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AddTrustedSenderRequest {
    pub kind: TrustedSenderKind,
    /// An address, or a domain for every address at it.
    #[schema(max_length = 254, example = "facturen@leverancier.nl")]
    pub value: String,
    #[schema(max_length = 254, example = "administratie@leverancier.nl")]
    pub contact_email: String,
    /// The language of the invitation and the rejection notices (default Dutch).
    pub language: Option<Language>,
}

/// The status to set by hand.
#[derive(Deserialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum SettableSenderStatus {
    Active,
    Inactive,
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SenderStatusRequest {
    pub status: SettableSenderStatus,
}

/// The token from the invitation's link.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConfirmSenderRequest {
    #[schema(max_length = 200)]
    pub token: String,
}

/// What the confirmation link confirmed.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConfirmedSenderDto {
    pub kind: TrustedSenderKind,
    pub value: String,
}

/// The envelope of a message handed over by a mail server.
#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct InboundParams {
    /// The envelope recipients, comma-separated; when absent, `Delivered-To`, `X-Original-To`,
    /// `To` and `Cc` of the message are used.
    #[param(example = "90000016.verkoop@intake.haven.example")]
    pub recipients: Option<String>,
    /// The envelope sender (`MAIL FROM`); empty for a bounce.
    pub sender: Option<String>,
}

/// The messages created, one per intake address the message was for.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InboundAccepted {
    pub message_ids: Vec<Uuid>,
}

/// Hand over one email message for intake.
///
/// For installations that receive mail in their own mail server (Postfix, a mail provider's
/// webhook) and pipe it to Haven instead of running the built-in SMTP receiver. The body is
/// the raw RFC 5322 message. Authenticate with the configured `inbound_email_secret` as a
/// bearer token; while no secret is configured the endpoint is off and answers 401 to every
/// request. The message is stored
/// and its processing queued before the answer: 202 means it cannot be lost any more.
/// Messages up to `intake_max_message_bytes` are taken, even above the general body limit.
#[utoipa::path(tag = TAG, operation_id = "receiveInboundEmail", security(("inboundEmail" = [])),
    params(InboundParams),
    request_body(content((BinaryFile = "message/rfc822"), (BinaryFile = "application/octet-stream"))),
    responses(
        (status = ACCEPTED, description = "Stored; processing is queued.", body = InboundAccepted),
        (status = BAD_REQUEST, description = "An empty body.", body = ErrorBody),
        (status = UNAUTHORIZED, description = "No or a wrong shared secret, or inbound email is not configured on this installation.", body = ErrorBody),
        (status = PAYLOAD_TOO_LARGE, description = "Larger than `intake_max_message_bytes` (this endpoint's limit, instead of `max_body_bytes`).", body = ErrorBody),
        (status = UNPROCESSABLE_ENTITY, description = "No recipient is an intake address of an active organization (`unknown_recipient`).", body = ErrorBody),
        (status = SERVICE_UNAVAILABLE, description = "Not stored, try again later (`service_unavailable`): the DNS of the sender's domain could not be read while sender authentication is enforced, or the document store is unreachable. A piping mail server should defer the message (a temporary failure).", body = ErrorBody)))]
#[post("/inbound-email")]
async fn inbound_email(
    req: HttpRequest,
    state: web::Data<AppState>,
    params: web::Query<InboundParams>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    // Without a configured secret no request can authenticate: the endpoint is off.
    let configured = state.inbound_email_secret.as_deref().unwrap_or_default();
    let presented = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if configured.is_empty() || !secrets::secret_matches(presented.trim(), configured) {
        return Err(ApiError::Unauthenticated(ErrorCode::Unauthenticated));
    }
    let essence = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    if !matches!(
        essence.as_str(),
        "message/rfc822" | "application/octet-stream"
    ) {
        return Err(ApiError::UnsupportedMediaType {
            expected: "message/rfc822 or application/octet-stream",
        });
    }
    let limit = usize::try_from(state.intake.max_message_bytes).unwrap_or(usize::MAX);
    let raw = read_body(payload, limit, announced_length(&req)).await?;
    if raw.is_empty() {
        return Err(ApiError::BadRequest {
            message: "The request has no message; send the raw message as the body.".into(),
            details: vec![ErrorDetail::field(
                "body",
                "empty_body",
                "The body is empty.",
            )],
        });
    }
    let params = params.into_inner();
    let recipients: Vec<String> = match params.recipients {
        Some(list) => list
            .split(',')
            .map(|r| r.trim().to_owned())
            .filter(|r| !r.is_empty())
            .collect(),
        None => haven_mailbox::reader::header_recipients(&raw),
    };
    let envelope = Envelope {
        from: params.sender.unwrap_or_default(),
        recipients,
        transport: IntakeTransport::Http,
        client: None,
    };
    let ids = service::accept_message(
        &state.db,
        &state.blobs,
        &state.intake_authenticator,
        &state.intake,
        &envelope,
        &raw,
    )
    .await
    .map_err(|e| match e {
        DomainError::NotFound { .. } => ApiError::Unprocessable {
            message:
                "No recipient of the message is an intake address of an active organization here."
                    .into(),
            details: vec![ErrorDetail::field(
                "recipients",
                "unknown_recipient",
                "Name an intake address, such as 12345678.inkoop@ followed by the intake domain.",
            )],
        },
        other => other.into(),
    })?;
    state.job_waker.notify_one();
    Ok(HttpResponse::Accepted().json(InboundAccepted { message_ids: ids }))
}

/// The organization's intake addresses and limits.
#[utoipa::path(tag = TAG, operation_id = "getIntake", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The organization.")),
    responses(
        (status = OK, body = IntakeOverviewDto),
        (status = FORBIDDEN, description = "A connection key's token.", body = ErrorBody),
        (status = NOT_FOUND, description = "No such organization for the caller.", body = ErrorBody)))]
#[get("/organizations/{id}/intake")]
async fn get_intake(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
) -> Result<web::Json<IntakeOverviewDto>, ApiError> {
    let client = client_info(&req);
    let caller = auth.caller(&client);
    let org = authorize(&state.db, &caller, *path, OrgAction::View).await?;
    overview(&state, &org).await.map(web::Json)
}

async fn overview(
    state: &AppState,
    org: &haven_domain::organizations::service::Authorized,
) -> Result<IntakeOverviewDto, ApiError> {
    let addresses = service::intake_addresses(&state.intake, org);
    Ok(IntakeOverviewDto {
        purchase_address: addresses.as_ref().map(|a| a.purchase.clone()),
        sales_address: addresses.map(|a| a.sales),
        max_message_bytes: state.intake.max_message_bytes,
        max_attachment_bytes: state.intake.max_attachment_bytes,
        max_invoices_per_message: state.intake.max_invoices,
        sales_as_drafts: service::sales_as_drafts(&state.db, org).await?,
    })
}

/// Set the organization's intake preferences (Organization Administrators): whether valid
/// sales invoices by email are sent on at once or kept as drafts.
#[utoipa::path(tag = TAG, operation_id = "setIntakePreferences", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The organization.")),
    request_body = IntakePreferencesRequest,
    responses(
        (status = OK, body = IntakeOverviewDto),
        (status = BAD_REQUEST, description = "A malformed body.", body = ErrorBody),
        (status = FORBIDDEN, description = "Not an Organization Administrator, or a connection key's token.", body = ErrorBody),
        (status = NOT_FOUND, description = "No such organization for the caller.", body = ErrorBody)))]
#[put("/organizations/{id}/intake")]
async fn set_preferences(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
    body: JsonBody<IntakePreferencesRequest>,
) -> Result<web::Json<IntakeOverviewDto>, ApiError> {
    let client = client_info(&req);
    let caller = auth.caller(&client);
    let org = authorize(&state.db, &caller, *path, OrgAction::View).await?;
    service::set_sales_as_drafts(&state.db, &caller, &org, body.sales_as_drafts).await?;
    overview(&state, &org).await.map(web::Json)
}

/// The organization's intake log: every message with its status.
#[utoipa::path(tag = TAG, operation_id = "listIntakeMessages", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The organization."), PageParams),
    responses(
        (status = OK, body = IntakeMessagePage),
        (status = FORBIDDEN, description = "A connection key's token.", body = ErrorBody),
        (status = NOT_FOUND, description = "No such organization for the caller.", body = ErrorBody)))]
#[get("/organizations/{id}/intake/messages")]
async fn list_messages(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
    page: web::Query<PageParams>,
) -> Result<web::Json<IntakeMessagePage>, ApiError> {
    let client = client_info(&req);
    let caller = auth.caller(&client);
    let org = authorize(&state.db, &caller, *path, OrgAction::View).await?;
    let page = service::list_messages(&state.db, &org, &page.into_inner().into()).await?;
    Ok(web::Json(IntakeMessagePage::from_page(page, Into::into)))
}

/// One message of the intake log, with what became of each attachment.
#[utoipa::path(tag = TAG, operation_id = "getIntakeMessage", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The organization."), ("messageId" = Uuid, Path)),
    responses(
        (status = OK, body = IntakeMessageDetailDto),
        (status = FORBIDDEN, description = "A connection key's token.", body = ErrorBody),
        (status = NOT_FOUND, description = "No such organization or message for the caller.", body = ErrorBody)))]
#[get("/organizations/{id}/intake/messages/{messageId}")]
async fn get_message(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<web::Json<IntakeMessageDetailDto>, ApiError> {
    let (organization_id, id) = path.into_inner();
    let client = client_info(&req);
    let caller = auth.caller(&client);
    let org = authorize(&state.db, &caller, organization_id, OrgAction::View).await?;
    let (message, items) = service::get_message(&state.db, &org, id).await?;
    Ok(web::Json(IntakeMessageDetailDto {
        message: message.into(),
        items: items.into_iter().map(Into::into).collect(),
    }))
}

/// The organization's trusted senders.
#[utoipa::path(tag = TAG, operation_id = "listTrustedSenders", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The organization."), PageParams),
    responses(
        (status = OK, body = TrustedSenderPage),
        (status = FORBIDDEN, description = "A connection key's token.", body = ErrorBody),
        (status = NOT_FOUND, description = "No such organization for the caller.", body = ErrorBody)))]
#[get("/organizations/{id}/trusted-senders")]
async fn list_senders(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
    page: web::Query<PageParams>,
) -> Result<web::Json<TrustedSenderPage>, ApiError> {
    let client = client_info(&req);
    let caller = auth.caller(&client);
    let org = authorize(&state.db, &caller, *path, OrgAction::View).await?;
    let page = service::list_trusted_senders(&state.db, &org, &page.into_inner().into()).await?;
    Ok(web::Json(TrustedSenderPage::from_page(page, Into::into)))
}

/// Trust an address or a whole domain to mail invoices (Organization Administrators).
///
/// It starts as a draft: activate it, or invite its contact, who confirms with the emailed
/// link.
#[utoipa::path(tag = TAG, operation_id = "addTrustedSender", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The organization.")),
    request_body = AddTrustedSenderRequest,
    responses(
        (status = CREATED, body = TrustedSenderDto),
        (status = BAD_REQUEST, description = "Not an address or domain, the intake domain itself, or a bad contact address.", body = ErrorBody),
        (status = FORBIDDEN, description = "Not an Organization Administrator, or a connection key's token.", body = ErrorBody),
        (status = NOT_FOUND, description = "No such organization for the caller.", body = ErrorBody),
        (status = CONFLICT, description = "Already a trusted sender of the organization (`trusted_sender_exists`).", body = ErrorBody)))]
#[post("/organizations/{id}/trusted-senders")]
async fn add_sender(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
    body: JsonBody<AddTrustedSenderRequest>,
) -> Result<HttpResponse, ApiError> {
    let client = client_info(&req);
    let caller = auth.caller(&client);
    let org = authorize(&state.db, &caller, *path, OrgAction::View).await?;
    let body = body.into_inner();
    let sender = service::add_trusted_sender(
        &state.db,
        &state.intake,
        &caller,
        &org,
        TrustedSenderInput {
            kind: body.kind,
            value: body.value,
            contact_email: body.contact_email,
            language: body.language.unwrap_or_default(),
        },
    )
    .await?;
    Ok(HttpResponse::Created().json(TrustedSenderDto::from(sender)))
}

/// Mail the contact a link to confirm the sender; it is `invited` until they do.
#[utoipa::path(tag = TAG, operation_id = "inviteTrustedSender", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The organization."), ("senderId" = Uuid, Path)),
    responses(
        (status = OK, body = TrustedSenderDto),
        (status = FORBIDDEN, description = "Not an Organization Administrator, or a connection key's token.", body = ErrorBody),
        (status = NOT_FOUND, description = "No such organization or trusted sender for the caller.", body = ErrorBody),
        (status = CONFLICT, description = "Already active (`trusted_sender_status`), or the organization is not active.", body = ErrorBody)))]
#[post("/organizations/{id}/trusted-senders/{senderId}/invite")]
async fn invite_sender(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<web::Json<TrustedSenderDto>, ApiError> {
    let (organization_id, id) = path.into_inner();
    let client = client_info(&req);
    let caller = auth.caller(&client);
    let org = authorize(&state.db, &caller, organization_id, OrgAction::View).await?;
    let sender =
        service::invite_trusted_sender(&state.db, &state.intake, &caller, &org, id).await?;
    state.job_waker.notify_one();
    Ok(web::Json(sender.into()))
}

/// Switch a trusted sender on or off.
#[utoipa::path(tag = TAG, operation_id = "setTrustedSenderStatus", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The organization."), ("senderId" = Uuid, Path)),
    request_body = SenderStatusRequest,
    responses(
        (status = OK, body = TrustedSenderDto),
        (status = FORBIDDEN, description = "Not an Organization Administrator, or a connection key's token.", body = ErrorBody),
        (status = NOT_FOUND, description = "No such organization or trusted sender for the caller.", body = ErrorBody),
        (status = CONFLICT, description = "It already has that status (`trusted_sender_status`).", body = ErrorBody)))]
#[put("/organizations/{id}/trusted-senders/{senderId}/status")]
async fn set_sender_status(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(Uuid, Uuid)>,
    body: JsonBody<SenderStatusRequest>,
) -> Result<web::Json<TrustedSenderDto>, ApiError> {
    let (organization_id, id) = path.into_inner();
    let client = client_info(&req);
    let caller = auth.caller(&client);
    let org = authorize(&state.db, &caller, organization_id, OrgAction::View).await?;
    let to = match body.status {
        SettableSenderStatus::Active => TrustedSenderStatus::Active,
        SettableSenderStatus::Inactive => TrustedSenderStatus::Inactive,
    };
    let sender = service::set_trusted_sender_status(&state.db, &caller, &org, id, to).await?;
    Ok(web::Json(sender.into()))
}

/// Remove a trusted sender; its mail is no longer processed.
#[utoipa::path(tag = TAG, operation_id = "removeTrustedSender", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The organization."), ("senderId" = Uuid, Path)),
    responses(
        (status = NO_CONTENT, description = "Removed."),
        (status = FORBIDDEN, description = "Not an Organization Administrator, or a connection key's token.", body = ErrorBody),
        (status = NOT_FOUND, description = "No such organization or trusted sender for the caller.", body = ErrorBody)))]
#[delete("/organizations/{id}/trusted-senders/{senderId}")]
async fn remove_sender(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (organization_id, id) = path.into_inner();
    let client = client_info(&req);
    let caller = auth.caller(&client);
    let org = authorize(&state.db, &caller, organization_id, OrgAction::View).await?;
    service::remove_trusted_sender(&state.db, &caller, &org, id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Confirm a trusted sender with the link from the invitation (no account needed).
#[utoipa::path(tag = TAG, operation_id = "confirmTrustedSender",
    request_body = ConfirmSenderRequest,
    responses(
        (status = OK, description = "Confirmed: mail from the sender is processed now.", body = ConfirmedSenderDto),
        (status = BAD_REQUEST, description = "The link is unknown, used or expired.", body = ErrorBody)))]
#[post("/trusted-senders/confirm")]
async fn confirm_sender(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: JsonBody<ConfirmSenderRequest>,
) -> Result<web::Json<ConfirmedSenderDto>, ApiError> {
    let client = client_info(&req);
    let sender = service::confirm_trusted_sender(&state.db, &client, &body.token).await?;
    Ok(web::Json(ConfirmedSenderDto {
        kind: sender.kind,
        value: sender.value,
    }))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(inbound_email)
        .service(get_intake)
        .service(set_preferences)
        .service(list_messages)
        .service(get_message)
        .service(list_senders)
        .service(add_sender)
        .service(invite_sender)
        .service(set_sender_status)
        .service(remove_sender)
        .service(confirm_sender);
}
