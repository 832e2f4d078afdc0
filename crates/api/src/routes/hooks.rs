//! Webhooks of a party (Organization Administrators, or a connection key with the `webhooks`
//! scope) and of the environment (Administrators): create, read, change, delete, test (ping),
//! rotate the secret, the delivery log and redelivery. Each handler finds out whose hooks the
//! caller manages, then calls one use case.

use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use haven_domain::{
    hooks::{
        records::{Delivery, DeliveryAttempt, DeliveryStatus, Hook, HookOwner, Topic},
        service::{self, HookInput, HookManager, HookUpdate, IssuedHookSecret},
    },
    mail::Language,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::auth::client_info;
use super::paging::{page_of, PageParams};
use crate::{
    auth::{Authenticated, PartyAuth},
    error::{ApiError, ErrorBody},
    extractors::JsonBody,
    state::AppState,
};

const TAG: &str = "hooks";

page_of!(HookPage, HookDto, "One page of hooks, newest first.");
page_of!(
    DeliveryPage,
    DeliveryDto,
    "One page of a hook's deliveries with every attempt, newest first."
);

/// A webhook; its secret is never in here.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct HookDto {
    pub id: Uuid,
    /// The participant id whose events it gets; null for an environment hook (every party).
    pub party_id: Option<String>,
    /// Where events are POSTed (`https://…`).
    #[schema(example = "https://books.example.com/haven/events")]
    pub target: String,
    /// Topics and patterns (`*`, `*Sent`, `Invoice*`).
    #[schema(example = json!(["InvoiceReceived", "*Sent"]))]
    pub topics: Vec<String>,
    /// Off: no new events are queued for it; queued ones wait until it is on again.
    pub active: bool,
    pub description: String,
    /// The language of a mail hook's messages.
    pub language: Language,
    /// During a rotation's overlap: until when the previous secret still signs too.
    pub previous_secret_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Hook> for HookDto {
    fn from(h: Hook) -> Self {
        Self {
            id: h.id,
            party_id: match h.owner {
                HookOwner::Party { party_id, .. } => Some(party_id),
                HookOwner::Environment => None,
            },
            target: h.target,
            topics: h.topics.iter().map(|t| t.as_str().to_owned()).collect(),
            active: h.active,
            description: h.description,
            language: h.language,
            previous_secret_until: h.previous_secret_until,
            created_at: h.created_at,
            updated_at: h.updated_at,
        }
    }
}

/// A hook with its signing secret, shown this once.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IssuedHookDto {
    pub hook: HookDto,
    /// The HMAC-SHA256 key of `X-Signature` (the whole string); it cannot be shown again.
    #[schema(example = "whsec_4q7Yc1mZ0bJd8n2Xw5pLr9tVa3sKe6hGu0fNi1oQ2yE")]
    pub secret: String,
}

impl From<IssuedHookSecret> for IssuedHookDto {
    fn from(issued: IssuedHookSecret) -> Self {
        Self {
            hook: issued.hook.into(),
            secret: issued.secret,
        }
    }
}

/// A new hook.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateHookRequest {
    /// `https://…` (plain http only for hosts the installation allows), or
    /// `mailto:address` for a mail hook, optionally with `?format=ubl` or `?format=cii` to
    /// have the document attached in that syntax. One plain address: no display name, list
    /// or other parameter. Stored with `mailto:` and the address's domain in lower case.
    #[schema(example = "https://books.example.com/haven/events", max_length = 2000)]
    pub target: String,
    /// One to 20 topics or patterns: a topic's name, `*`, or a name with `*` at its start or
    /// end (`*Sent`, `Invoice*`).
    #[schema(example = json!(["InvoiceReceived", "*Sent"]))]
    pub topics: Vec<String>,
    /// Default on.
    #[serde(default = "on")]
    pub active: bool,
    #[schema(max_length = 200)]
    pub description: Option<String>,
    /// The language of a mail hook's messages; default the language of the person creating
    /// it (Dutch for a connection key). HTTP deliveries are JSON and have none.
    pub language: Option<Language>,
}

fn on() -> bool {
    true
}

/// Changes to a hook; a field left out stays as it is.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateHookRequest {
    #[schema(max_length = 2000)]
    pub target: Option<String>,
    pub topics: Option<Vec<String>>,
    pub active: Option<bool>,
    #[schema(max_length = 200)]
    pub description: Option<String>,
    pub language: Option<Language>,
}

/// How long the previous secret keeps signing after a rotation.
#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct RotateParams {
    /// Minutes, 0 to 10080 (a week); default 1440 (a day). 0 stops the old secret at once.
    #[param(minimum = 0, maximum = 10080)]
    pub overlap_minutes: Option<u32>,
}

/// A delivery queued by a ping or a redelivery.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct QueuedDeliveryDto {
    /// Find it in the hook's delivery log.
    pub delivery_id: Uuid,
}

/// One try to hand an event over.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryAttemptDto {
    /// From 1.
    pub attempt: u32,
    pub at: DateTime<Utc>,
    /// The receiver's HTTP status; null when none came (refused, time-out, not allowed) and
    /// for mail hooks.
    pub status_code: Option<u16>,
    pub duration_ms: u32,
    pub error: Option<String>,
    /// The JSON body as sent (and signed); for a mail hook the message's recipient, subject,
    /// headers, attachment (name, type, size) and plain text.
    pub request_body: String,
    /// The first kilobyte of the receiver's answer; for a mail hook what the mail server did.
    pub response_body: Option<String>,
}

impl From<DeliveryAttempt> for DeliveryAttemptDto {
    fn from(a: DeliveryAttempt) -> Self {
        Self {
            attempt: a.attempt,
            at: a.at,
            status_code: a.status_code,
            duration_ms: a.duration_ms,
            error: a.error,
            request_body: a.request_body,
            response_body: a.response_body,
        }
    }
}

/// One event on its way to the hook.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryDto {
    pub id: Uuid,
    /// The event's id (`id` in the body, `X-Hook-Event-Id`; `X-Haven-Event-Id` in a mail
    /// hook's message): the same for every attempt and redelivery.
    pub event_id: Uuid,
    pub topic: Topic,
    pub document_id: Option<Uuid>,
    pub message: String,
    pub status: DeliveryStatus,
    pub attempts: u32,
    /// When pending: the next attempt (null: as soon as possible).
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// For a manual redelivery: the delivery it repeats.
    pub redelivery_of: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    /// Every attempt, first to last.
    pub attempt_log: Vec<DeliveryAttemptDto>,
}

impl From<Delivery> for DeliveryDto {
    fn from(d: Delivery) -> Self {
        Self {
            id: d.id,
            event_id: d.event.id,
            topic: d.event.topic,
            document_id: d.event.document_id,
            message: d.event.message,
            status: d.status,
            attempts: d.attempts,
            next_attempt_at: d.next_attempt_at,
            redelivery_of: d.redelivery_of,
            created_at: d.created_at,
            attempt_log: d.attempt_log.into_iter().map(Into::into).collect(),
        }
    }
}

fn input(body: CreateHookRequest) -> HookInput {
    HookInput {
        target: body.target,
        topics: body.topics,
        active: body.active,
        description: body.description,
        language: body.language,
    }
}

fn update(body: UpdateHookRequest) -> HookUpdate {
    HookUpdate {
        target: body.target,
        topics: body.topics,
        active: body.active,
        description: body.description,
        language: body.language,
    }
}

async fn party_manager(
    req: &HttpRequest,
    state: &AppState,
    auth: &PartyAuth,
    party_id: &str,
) -> Result<HookManager, ApiError> {
    let client = client_info(req);
    Ok(
        service::authorize_party_hooks(&state.db, &state.db, &auth.caller(&client), party_id)
            .await?,
    )
}

fn environment_manager(req: &HttpRequest, auth: &Authenticated) -> Result<HookManager, ApiError> {
    let client = client_info(req);
    Ok(service::authorize_environment_hooks(&auth.caller(&client))?)
}

async fn create(
    state: &AppState,
    manager: &HookManager,
    body: CreateHookRequest,
) -> Result<HttpResponse, ApiError> {
    let issued = service::create_hook(
        &state.db,
        &state.sealing,
        &state.hook_settings,
        manager,
        input(body),
    )
    .await?;
    Ok(HttpResponse::Created().json(IssuedHookDto::from(issued)))
}

async fn ping(state: &AppState, manager: &HookManager, id: Uuid) -> Result<HttpResponse, ApiError> {
    let delivery_id = service::ping_hook(&state.db, manager, id).await?;
    state.job_waker.notify_one();
    Ok(HttpResponse::Accepted().json(QueuedDeliveryDto { delivery_id }))
}

async fn redeliver(
    state: &AppState,
    manager: &HookManager,
    id: Uuid,
    delivery: Uuid,
) -> Result<HttpResponse, ApiError> {
    let delivery_id = service::redeliver(&state.db, manager, id, delivery).await?;
    state.job_waker.notify_one();
    Ok(HttpResponse::Accepted().json(QueuedDeliveryDto { delivery_id }))
}

// ---- A party's hooks ----

/// The party's webhooks, newest first.
#[utoipa::path(tag = TAG, operation_id = "listPartyHooks", security(("bearer" = [])),
    params(("partyId" = String, Path), PageParams),
    responses(
        (status = OK, body = HookPage),
        (status = BAD_REQUEST, description = "A malformed page size or cursor.", body = ErrorBody),
        (status = FORBIDDEN, description = "Not an Organization Administrator, or a connection key without the `webhooks` scope (`scope_missing`).", body = ErrorBody),
        (status = NOT_FOUND, description = "No such party for the caller.", body = ErrorBody),
        (status = TOO_MANY_REQUESTS, description = "The connection key made too many calls this minute.", body = ErrorBody)))]
#[get("/parties/{partyId}/hooks")]
async fn list_party_hooks(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: PartyAuth,
    path: web::Path<String>,
    page: web::Query<PageParams>,
) -> Result<web::Json<HookPage>, ApiError> {
    let manager = party_manager(&req, &state, &auth, &path).await?;
    let page = service::list_hooks(&state.db, &manager, &page.into_inner().into()).await?;
    Ok(web::Json(HookPage::from_page(page, Into::into)))
}

/// Create a webhook for the party's events; the answer holds its signing secret, once.
#[utoipa::path(tag = TAG, operation_id = "createPartyHook", security(("bearer" = [])),
    params(("partyId" = String, Path)),
    request_body = CreateHookRequest,
    responses(
        (status = CREATED, description = "Created; the secret is shown this once.", body = IssuedHookDto),
        (status = BAD_REQUEST, description = "A target that is not allowed or topics that match nothing; `details` names the field.", body = ErrorBody),
        (status = FORBIDDEN, description = "Not an Organization Administrator, or a connection key without the `webhooks` scope (`scope_missing`).", body = ErrorBody),
        (status = NOT_FOUND, description = "No such party for the caller.", body = ErrorBody),
        (status = TOO_MANY_REQUESTS, description = "The connection key made too many calls this minute.", body = ErrorBody)))]
#[post("/parties/{partyId}/hooks")]
async fn create_party_hook(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: PartyAuth,
    path: web::Path<String>,
    body: JsonBody<CreateHookRequest>,
) -> Result<HttpResponse, ApiError> {
    let manager = party_manager(&req, &state, &auth, &path).await?;
    create(&state, &manager, body.into_inner()).await
}

/// One of the party's webhooks.
#[utoipa::path(tag = TAG, operation_id = "getPartyHook", security(("bearer" = [])),
    params(("partyId" = String, Path), ("id" = Uuid, Path)),
    responses(
        (status = OK, body = HookDto),
        (status = FORBIDDEN, description = "Not an Organization Administrator, or a connection key without the `webhooks` scope (`scope_missing`).", body = ErrorBody),
        (status = NOT_FOUND, description = "No such party or hook for the caller.", body = ErrorBody),
        (status = TOO_MANY_REQUESTS, description = "The connection key made too many calls this minute.", body = ErrorBody)))]
#[get("/parties/{partyId}/hooks/{id}")]
async fn get_party_hook(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: PartyAuth,
    path: web::Path<(String, Uuid)>,
) -> Result<web::Json<HookDto>, ApiError> {
    let (party, id) = path.into_inner();
    let manager = party_manager(&req, &state, &auth, &party).await?;
    Ok(web::Json(
        service::get_hook(&state.db, &manager, id).await?.into(),
    ))
}

/// Change a webhook. Deliveries under way are kept and go to the new target.
#[utoipa::path(tag = TAG, operation_id = "updatePartyHook", security(("bearer" = [])),
    params(("partyId" = String, Path), ("id" = Uuid, Path)),
    request_body = UpdateHookRequest,
    responses(
        (status = OK, body = HookDto),
        (status = BAD_REQUEST, description = "A target that is not allowed or topics that match nothing; `details` names the field.", body = ErrorBody),
        (status = FORBIDDEN, description = "Not an Organization Administrator, or a connection key without the `webhooks` scope (`scope_missing`).", body = ErrorBody),
        (status = NOT_FOUND, description = "No such party or hook for the caller.", body = ErrorBody),
        (status = TOO_MANY_REQUESTS, description = "The connection key made too many calls this minute.", body = ErrorBody)))]
#[patch("/parties/{partyId}/hooks/{id}")]
async fn update_party_hook(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: PartyAuth,
    path: web::Path<(String, Uuid)>,
    body: JsonBody<UpdateHookRequest>,
) -> Result<web::Json<HookDto>, ApiError> {
    let (party, id) = path.into_inner();
    let manager = party_manager(&req, &state, &auth, &party).await?;
    let hook = service::update_hook(
        &state.db,
        &state.hook_settings,
        &manager,
        id,
        update(body.into_inner()),
    )
    .await?;
    Ok(web::Json(hook.into()))
}

/// Delete a webhook and its delivery log.
#[utoipa::path(tag = TAG, operation_id = "deletePartyHook", security(("bearer" = [])),
    params(("partyId" = String, Path), ("id" = Uuid, Path)),
    responses(
        (status = NO_CONTENT, description = "Deleted."),
        (status = FORBIDDEN, description = "Not an Organization Administrator, or a connection key without the `webhooks` scope (`scope_missing`).", body = ErrorBody),
        (status = NOT_FOUND, description = "No such party or hook for the caller.", body = ErrorBody),
        (status = TOO_MANY_REQUESTS, description = "The connection key made too many calls this minute.", body = ErrorBody)))]
#[delete("/parties/{partyId}/hooks/{id}")]
async fn delete_party_hook(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: PartyAuth,
    path: web::Path<(String, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (party, id) = path.into_inner();
    let manager = party_manager(&req, &state, &auth, &party).await?;
    service::delete_hook(&state.db, &manager, id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Send a test event (topic `Ping`) to this hook; see the result in its delivery log.
#[utoipa::path(tag = TAG, operation_id = "pingPartyHook", security(("bearer" = [])),
    params(("partyId" = String, Path), ("id" = Uuid, Path)),
    responses(
        (status = ACCEPTED, description = "Queued.", body = QueuedDeliveryDto),
        (status = FORBIDDEN, description = "Not an Organization Administrator, or a connection key without the `webhooks` scope (`scope_missing`).", body = ErrorBody),
        (status = NOT_FOUND, description = "No such party or hook for the caller.", body = ErrorBody),
        (status = TOO_MANY_REQUESTS, description = "The connection key made too many calls this minute.", body = ErrorBody)))]
#[post("/parties/{partyId}/hooks/{id}/ping")]
async fn ping_party_hook(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: PartyAuth,
    path: web::Path<(String, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (party, id) = path.into_inner();
    let manager = party_manager(&req, &state, &auth, &party).await?;
    ping(&state, &manager, id).await
}

/// Replace the signing secret. The previous one keeps signing (a second `sha256=` value in
/// `X-Signature`) for the overlap, so the receiver can switch without losing events.
#[utoipa::path(tag = TAG, operation_id = "rotatePartyHookSecret", security(("bearer" = [])),
    params(("partyId" = String, Path), ("id" = Uuid, Path), RotateParams),
    responses(
        (status = OK, description = "The new secret, shown this once.", body = IssuedHookDto),
        (status = BAD_REQUEST, description = "An overlap outside 0–10080 minutes.", body = ErrorBody),
        (status = FORBIDDEN, description = "Not an Organization Administrator, or a connection key without the `webhooks` scope (`scope_missing`).", body = ErrorBody),
        (status = NOT_FOUND, description = "No such party or hook for the caller.", body = ErrorBody),
        (status = TOO_MANY_REQUESTS, description = "The connection key made too many calls this minute.", body = ErrorBody)))]
#[post("/parties/{partyId}/hooks/{id}/rotate-secret")]
async fn rotate_party_hook_secret(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: PartyAuth,
    path: web::Path<(String, Uuid)>,
    query: web::Query<RotateParams>,
) -> Result<web::Json<IssuedHookDto>, ApiError> {
    let (party, id) = path.into_inner();
    let manager = party_manager(&req, &state, &auth, &party).await?;
    let issued = service::rotate_secret(
        &state.db,
        &state.sealing,
        &manager,
        id,
        query.overlap_minutes,
    )
    .await?;
    Ok(web::Json(issued.into()))
}

/// The hook's delivery log: every event sent to it with every attempt, newest first, kept 30
/// days.
#[utoipa::path(tag = TAG, operation_id = "listPartyHookDeliveries", security(("bearer" = [])),
    params(("partyId" = String, Path), ("id" = Uuid, Path), PageParams),
    responses(
        (status = OK, body = DeliveryPage),
        (status = BAD_REQUEST, description = "A malformed page size or cursor.", body = ErrorBody),
        (status = FORBIDDEN, description = "Not an Organization Administrator, or a connection key without the `webhooks` scope (`scope_missing`).", body = ErrorBody),
        (status = NOT_FOUND, description = "No such party or hook for the caller.", body = ErrorBody),
        (status = TOO_MANY_REQUESTS, description = "The connection key made too many calls this minute.", body = ErrorBody)))]
#[get("/parties/{partyId}/hooks/{id}/deliveries")]
async fn list_party_hook_deliveries(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: PartyAuth,
    path: web::Path<(String, Uuid)>,
    page: web::Query<PageParams>,
) -> Result<web::Json<DeliveryPage>, ApiError> {
    let (party, id) = path.into_inner();
    let manager = party_manager(&req, &state, &auth, &party).await?;
    let page = service::list_deliveries(&state.db, &manager, id, &page.into_inner().into()).await?;
    Ok(web::Json(DeliveryPage::from_page(page, Into::into)))
}

/// Send a past delivery's event again (same event id), as a new delivery.
#[utoipa::path(tag = TAG, operation_id = "redeliverPartyHookDelivery", security(("bearer" = [])),
    params(("partyId" = String, Path), ("id" = Uuid, Path), ("deliveryId" = Uuid, Path)),
    responses(
        (status = ACCEPTED, description = "Queued.", body = QueuedDeliveryDto),
        (status = FORBIDDEN, description = "Not an Organization Administrator, or a connection key without the `webhooks` scope (`scope_missing`).", body = ErrorBody),
        (status = NOT_FOUND, description = "No such party, hook or delivery for the caller.", body = ErrorBody),
        (status = TOO_MANY_REQUESTS, description = "The connection key made too many calls this minute.", body = ErrorBody)))]
#[post("/parties/{partyId}/hooks/{id}/deliveries/{deliveryId}/redeliver")]
async fn redeliver_party_hook_delivery(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: PartyAuth,
    path: web::Path<(String, Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (party, id, delivery) = path.into_inner();
    let manager = party_manager(&req, &state, &auth, &party).await?;
    redeliver(&state, &manager, id, delivery).await
}

// ---- The environment's hooks ----

/// The environment's webhooks (every party's events), newest first. Administrators.
#[utoipa::path(tag = TAG, operation_id = "listEnvironmentHooks", security(("bearer" = [])),
    params(PageParams),
    responses(
        (status = OK, body = HookPage),
        (status = BAD_REQUEST, description = "A malformed page size or cursor.", body = ErrorBody),
        (status = FORBIDDEN, description = "Not an Administrator, or a connection key's token.", body = ErrorBody)))]
#[get("/environment/hooks")]
async fn list_environment_hooks(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    page: web::Query<PageParams>,
) -> Result<web::Json<HookPage>, ApiError> {
    let manager = environment_manager(&req, &auth)?;
    let page = service::list_hooks(&state.db, &manager, &page.into_inner().into()).await?;
    Ok(web::Json(HookPage::from_page(page, Into::into)))
}

/// Create a webhook for every party's events; the answer holds its signing secret, once.
#[utoipa::path(tag = TAG, operation_id = "createEnvironmentHook", security(("bearer" = [])),
    request_body = CreateHookRequest,
    responses(
        (status = CREATED, description = "Created; the secret is shown this once.", body = IssuedHookDto),
        (status = BAD_REQUEST, description = "A target that is not allowed or topics that match nothing; `details` names the field.", body = ErrorBody),
        (status = FORBIDDEN, description = "Not an Administrator, or a connection key's token.", body = ErrorBody)))]
#[post("/environment/hooks")]
async fn create_environment_hook(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    body: JsonBody<CreateHookRequest>,
) -> Result<HttpResponse, ApiError> {
    let manager = environment_manager(&req, &auth)?;
    create(&state, &manager, body.into_inner()).await
}

/// One of the environment's webhooks.
#[utoipa::path(tag = TAG, operation_id = "getEnvironmentHook", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = OK, body = HookDto),
        (status = FORBIDDEN, description = "Not an Administrator, or a connection key's token.", body = ErrorBody),
        (status = NOT_FOUND, description = "No such environment hook.", body = ErrorBody)))]
#[get("/environment/hooks/{id}")]
async fn get_environment_hook(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
) -> Result<web::Json<HookDto>, ApiError> {
    let manager = environment_manager(&req, &auth)?;
    Ok(web::Json(
        service::get_hook(&state.db, &manager, *path).await?.into(),
    ))
}

/// Change an environment webhook. Deliveries under way are kept and go to the new target.
#[utoipa::path(tag = TAG, operation_id = "updateEnvironmentHook", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body = UpdateHookRequest,
    responses(
        (status = OK, body = HookDto),
        (status = BAD_REQUEST, description = "A target that is not allowed or topics that match nothing; `details` names the field.", body = ErrorBody),
        (status = FORBIDDEN, description = "Not an Administrator, or a connection key's token.", body = ErrorBody),
        (status = NOT_FOUND, description = "No such environment hook.", body = ErrorBody)))]
#[patch("/environment/hooks/{id}")]
async fn update_environment_hook(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
    body: JsonBody<UpdateHookRequest>,
) -> Result<web::Json<HookDto>, ApiError> {
    let manager = environment_manager(&req, &auth)?;
    let hook = service::update_hook(
        &state.db,
        &state.hook_settings,
        &manager,
        *path,
        update(body.into_inner()),
    )
    .await?;
    Ok(web::Json(hook.into()))
}

/// Delete an environment webhook and its delivery log.
#[utoipa::path(tag = TAG, operation_id = "deleteEnvironmentHook", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = NO_CONTENT, description = "Deleted."),
        (status = FORBIDDEN, description = "Not an Administrator, or a connection key's token.", body = ErrorBody),
        (status = NOT_FOUND, description = "No such environment hook.", body = ErrorBody)))]
#[delete("/environment/hooks/{id}")]
async fn delete_environment_hook(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let manager = environment_manager(&req, &auth)?;
    service::delete_hook(&state.db, &manager, *path).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Send a test event (topic `Ping`) to this hook; see the result in its delivery log.
#[utoipa::path(tag = TAG, operation_id = "pingEnvironmentHook", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = ACCEPTED, description = "Queued.", body = QueuedDeliveryDto),
        (status = FORBIDDEN, description = "Not an Administrator, or a connection key's token.", body = ErrorBody),
        (status = NOT_FOUND, description = "No such environment hook.", body = ErrorBody)))]
#[post("/environment/hooks/{id}/ping")]
async fn ping_environment_hook(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let manager = environment_manager(&req, &auth)?;
    ping(&state, &manager, *path).await
}

/// Replace the signing secret; the previous one keeps signing for the overlap.
#[utoipa::path(tag = TAG, operation_id = "rotateEnvironmentHookSecret", security(("bearer" = [])),
    params(("id" = Uuid, Path), RotateParams),
    responses(
        (status = OK, description = "The new secret, shown this once.", body = IssuedHookDto),
        (status = BAD_REQUEST, description = "An overlap outside 0–10080 minutes.", body = ErrorBody),
        (status = FORBIDDEN, description = "Not an Administrator, or a connection key's token.", body = ErrorBody),
        (status = NOT_FOUND, description = "No such environment hook.", body = ErrorBody)))]
#[post("/environment/hooks/{id}/rotate-secret")]
async fn rotate_environment_hook_secret(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
    query: web::Query<RotateParams>,
) -> Result<web::Json<IssuedHookDto>, ApiError> {
    let manager = environment_manager(&req, &auth)?;
    let issued = service::rotate_secret(
        &state.db,
        &state.sealing,
        &manager,
        *path,
        query.overlap_minutes,
    )
    .await?;
    Ok(web::Json(issued.into()))
}

/// The hook's delivery log, newest first, kept 30 days.
#[utoipa::path(tag = TAG, operation_id = "listEnvironmentHookDeliveries", security(("bearer" = [])),
    params(("id" = Uuid, Path), PageParams),
    responses(
        (status = OK, body = DeliveryPage),
        (status = BAD_REQUEST, description = "A malformed page size or cursor.", body = ErrorBody),
        (status = FORBIDDEN, description = "Not an Administrator, or a connection key's token.", body = ErrorBody),
        (status = NOT_FOUND, description = "No such environment hook.", body = ErrorBody)))]
#[get("/environment/hooks/{id}/deliveries")]
async fn list_environment_hook_deliveries(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
    page: web::Query<PageParams>,
) -> Result<web::Json<DeliveryPage>, ApiError> {
    let manager = environment_manager(&req, &auth)?;
    let page =
        service::list_deliveries(&state.db, &manager, *path, &page.into_inner().into()).await?;
    Ok(web::Json(DeliveryPage::from_page(page, Into::into)))
}

/// Send a past delivery's event again (same event id), as a new delivery.
#[utoipa::path(tag = TAG, operation_id = "redeliverEnvironmentHookDelivery", security(("bearer" = [])),
    params(("id" = Uuid, Path), ("deliveryId" = Uuid, Path)),
    responses(
        (status = ACCEPTED, description = "Queued.", body = QueuedDeliveryDto),
        (status = FORBIDDEN, description = "Not an Administrator, or a connection key's token.", body = ErrorBody),
        (status = NOT_FOUND, description = "No such environment hook or delivery.", body = ErrorBody)))]
#[post("/environment/hooks/{id}/deliveries/{deliveryId}/redeliver")]
async fn redeliver_environment_hook_delivery(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let manager = environment_manager(&req, &auth)?;
    let (id, delivery) = path.into_inner();
    redeliver(&state, &manager, id, delivery).await
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_party_hooks)
        .service(create_party_hook)
        .service(get_party_hook)
        .service(update_party_hook)
        .service(delete_party_hook)
        .service(ping_party_hook)
        .service(rotate_party_hook_secret)
        .service(list_party_hook_deliveries)
        .service(redeliver_party_hook_delivery)
        .service(list_environment_hooks)
        .service(create_environment_hook)
        .service(get_environment_hook)
        .service(update_environment_hook)
        .service(delete_environment_hook)
        .service(ping_environment_hook)
        .service(rotate_environment_hook_secret)
        .service(list_environment_hook_deliveries)
        .service(redeliver_environment_hook_delivery);
}
