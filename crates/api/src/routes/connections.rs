//! Connection keys of an organization (Organization Administrators), their usage log, and the
//! OAuth 2.0 token endpoint (client credentials) that accounting software calls.

use actix_web::{delete, get, http::header, post, web, HttpRequest, HttpResponse};
use base64::Engine;
use chrono::{DateTime, Utc};
use haven_domain::{
    connections::{
        records::{Connection, ConnectionStatus, IssuedSecret, Scope, UsageEntry},
        service::{self, ClientCheck, ClientCredentials, NewConnectionInput},
    },
    organizations::{policy::OrgAction, service::authorize},
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::auth::client_info;
use super::paging::{page_of, PageParams};
use crate::{
    auth::{tokens, Authenticated},
    error::{ApiError, ErrorBody},
    extractors::JsonBody,
    state::AppState,
};

const TAG: &str = "connections";

page_of!(
    ConnectionPage,
    ConnectionDto,
    "One page of an organization's connections, newest first."
);
page_of!(
    UsagePage,
    UsageEntryDto,
    "One page of a connection's usage log, newest first."
);

/// A connection key of an organization; the secret is never in here.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionDto {
    pub id: Uuid,
    pub organization_id: Uuid,
    /// The public half of the key: `client_id` at the token endpoint.
    #[schema(example = "hvn_3f9a0c5e7b2d4e6f8a1b3c5d7e9f0a2b")]
    pub client_id: String,
    pub name: String,
    /// The software package it is for.
    pub software: String,
    pub scopes: Vec<Scope>,
    pub status: ConnectionStatus,
    pub created_by_name: String,
    pub created_by_email: String,
    pub created_at: DateTime<Utc>,
    /// Last token obtained or call made (to the minute).
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<Connection> for ConnectionDto {
    fn from(c: Connection) -> Self {
        Self {
            id: c.id,
            organization_id: c.organization_id,
            client_id: c.client_id,
            name: c.name,
            software: c.software,
            scopes: c.scopes,
            status: c.status,
            created_by_name: c.created_by_name,
            created_by_email: c.created_by_email,
            created_at: c.created_at,
            last_used_at: c.last_used_at,
            revoked_at: c.revoked_at,
        }
    }
}

/// A connection with its secret: shown this once, never again.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IssuedConnectionDto {
    pub connection: ConnectionDto,
    /// The secret (`client_secret` at the token endpoint). Store it now: it cannot be shown
    /// again, only replaced.
    pub client_secret: String,
}

impl From<IssuedSecret> for IssuedConnectionDto {
    fn from(issued: IssuedSecret) -> Self {
        Self {
            connection: issued.connection.into(),
            client_secret: issued.client_secret,
        }
    }
}

/// A new connection.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateConnectionRequest {
    /// A name to recognise it by.
    #[schema(min_length = 1, max_length = 100, example = "Bookkeeping")]
    pub name: String,
    /// The software package it is for.
    #[schema(min_length = 1, max_length = 100, example = "Exact Online")]
    pub software: String,
    /// At least one.
    #[schema(min_items = 1)]
    pub scopes: Vec<Scope>,
}

/// The HTTP method of a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum HttpMethod {
    Get,
    Head,
    Post,
    Put,
    Patch,
    Delete,
    Options,
    /// Anything else.
    Other,
}

impl HttpMethod {
    fn parse(method: &str) -> Self {
        match method {
            "GET" => Self::Get,
            "HEAD" => Self::Head,
            "POST" => Self::Post,
            "PUT" => Self::Put,
            "PATCH" => Self::Patch,
            "DELETE" => Self::Delete,
            "OPTIONS" => Self::Options,
            _ => Self::Other,
        }
    }
}

/// One call made with a connection's token.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UsageEntryDto {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub method: HttpMethod,
    /// The operation's path template.
    #[schema(example = "/api/v1/parties/{partyId}/sales-invoices")]
    pub endpoint: String,
    /// The HTTP status code of the answer.
    #[schema(example = 202)]
    pub status_code: u16,
    pub duration_ms: u32,
}

impl From<UsageEntry> for UsageEntryDto {
    fn from(u: UsageEntry) -> Self {
        Self {
            id: u.id,
            at: u.at,
            method: HttpMethod::parse(&u.method),
            endpoint: u.endpoint,
            status_code: u.status,
            duration_ms: u.duration_ms,
        }
    }
}

/// The organization's connection keys (Organization Administrators).
#[utoipa::path(tag = TAG, operation_id = "listConnections", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The organization."), PageParams),
    responses(
        (status = OK, body = ConnectionPage),
        (status = FORBIDDEN, description = "Not an Organization Administrator, or a connection key's token.", body = ErrorBody),
        (status = NOT_FOUND, description = "No such organization for the caller.", body = ErrorBody)))]
#[get("/organizations/{id}/connections")]
async fn list_connections(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
    page: web::Query<PageParams>,
) -> Result<web::Json<ConnectionPage>, ApiError> {
    let client = client_info(&req);
    let caller = auth.caller(&client);
    let org = authorize(&state.db, &caller, *path, OrgAction::ManageConnectionKeys).await?;
    let page = service::list_connections(&state.db, &org, &page.into_inner().into()).await?;
    Ok(web::Json(ConnectionPage::from_page(page, Into::into)))
}

/// Create a connection key for a software package.
///
/// The answer holds the client id and the secret; the secret is shown this once (only its
/// hash is kept). Give both to the software, which exchanges them at `POST /connect/token`.
#[utoipa::path(tag = TAG, operation_id = "createConnection", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The organization.")),
    request_body = CreateConnectionRequest,
    responses(
        (status = CREATED, body = IssuedConnectionDto),
        (status = BAD_REQUEST, description = "A name or software name that is empty or too long, or no scopes.", body = ErrorBody),
        (status = FORBIDDEN, description = "Not an Organization Administrator, or a connection key's token.", body = ErrorBody),
        (status = NOT_FOUND, description = "No such organization for the caller.", body = ErrorBody)))]
#[post("/organizations/{id}/connections")]
async fn create_connection(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
    body: JsonBody<CreateConnectionRequest>,
) -> Result<HttpResponse, ApiError> {
    let client = client_info(&req);
    let caller = auth.caller(&client);
    let org = authorize(&state.db, &caller, *path, OrgAction::ManageConnectionKeys).await?;
    let body = body.into_inner();
    let issued = service::create_connection(
        &state.db,
        &caller,
        &org,
        NewConnectionInput {
            name: body.name,
            software: body.software,
            scopes: body.scopes,
        },
    )
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(IssuedConnectionDto::from(issued)))
}

/// One connection key.
#[utoipa::path(tag = TAG, operation_id = "getConnection", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The organization."), ("connectionId" = Uuid, Path)),
    responses(
        (status = OK, body = ConnectionDto),
        (status = FORBIDDEN, description = "Not an Organization Administrator, or a connection key's token.", body = ErrorBody),
        (status = NOT_FOUND, description = "No such organization or connection for the caller.", body = ErrorBody)))]
#[get("/organizations/{id}/connections/{connectionId}")]
async fn get_connection(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<web::Json<ConnectionDto>, ApiError> {
    let (organization_id, id) = path.into_inner();
    let client = client_info(&req);
    let caller = auth.caller(&client);
    let org = authorize(
        &state.db,
        &caller,
        organization_id,
        OrgAction::ManageConnectionKeys,
    )
    .await?;
    Ok(web::Json(
        service::get_connection(&state.db, &org, id).await?.into(),
    ))
}

/// Revoke a connection key: its tokens stop working on their next request.
#[utoipa::path(tag = TAG, operation_id = "revokeConnection", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The organization."), ("connectionId" = Uuid, Path)),
    responses(
        (status = OK, description = "Revoked.", body = ConnectionDto),
        (status = FORBIDDEN, description = "Not an Organization Administrator, or a connection key's token.", body = ErrorBody),
        (status = NOT_FOUND, description = "No such organization or connection for the caller.", body = ErrorBody),
        (status = CONFLICT, description = "Already revoked (`connection_not_active`).", body = ErrorBody)))]
#[post("/organizations/{id}/connections/{connectionId}/revoke")]
async fn revoke_connection(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<web::Json<ConnectionDto>, ApiError> {
    let (organization_id, id) = path.into_inner();
    let client = client_info(&req);
    let caller = auth.caller(&client);
    let org = authorize(
        &state.db,
        &caller,
        organization_id,
        OrgAction::ManageConnectionKeys,
    )
    .await?;
    let connection = service::revoke_connection(&state.db, &caller, &org, id).await?;
    Ok(web::Json(connection.into()))
}

/// Issue a new secret: the old one, and every token obtained with it, stop at once.
#[utoipa::path(tag = TAG, operation_id = "regenerateConnectionSecret", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The organization."), ("connectionId" = Uuid, Path)),
    responses(
        (status = OK, description = "The new secret, shown this once.", body = IssuedConnectionDto),
        (status = FORBIDDEN, description = "Not an Organization Administrator, or a connection key's token.", body = ErrorBody),
        (status = NOT_FOUND, description = "No such organization or connection for the caller.", body = ErrorBody),
        (status = CONFLICT, description = "The connection is revoked (`connection_not_active`).", body = ErrorBody)))]
#[post("/organizations/{id}/connections/{connectionId}/secret")]
async fn regenerate_secret(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (organization_id, id) = path.into_inner();
    let client = client_info(&req);
    let caller = auth.caller(&client);
    let org = authorize(
        &state.db,
        &caller,
        organization_id,
        OrgAction::ManageConnectionKeys,
    )
    .await?;
    let issued = service::regenerate_secret(&state.db, &caller, &org, id).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(IssuedConnectionDto::from(issued)))
}

/// Delete a revoked connection key and its usage log.
#[utoipa::path(tag = TAG, operation_id = "deleteConnection", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The organization."), ("connectionId" = Uuid, Path)),
    responses(
        (status = NO_CONTENT, description = "Deleted."),
        (status = FORBIDDEN, description = "Not an Organization Administrator, or a connection key's token.", body = ErrorBody),
        (status = NOT_FOUND, description = "No such organization or connection for the caller.", body = ErrorBody),
        (status = CONFLICT, description = "Still active: revoke it first (`connection_not_revoked`).", body = ErrorBody)))]
#[delete("/organizations/{id}/connections/{connectionId}")]
async fn delete_connection(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (organization_id, id) = path.into_inner();
    let client = client_info(&req);
    let caller = auth.caller(&client);
    let org = authorize(
        &state.db,
        &caller,
        organization_id,
        OrgAction::ManageConnectionKeys,
    )
    .await?;
    service::delete_connection(&state.db, &caller, &org, id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The calls made with a connection key in the last 30 days.
#[utoipa::path(tag = TAG, operation_id = "listConnectionUsage", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The organization."), ("connectionId" = Uuid, Path), PageParams),
    responses(
        (status = OK, body = UsagePage),
        (status = FORBIDDEN, description = "Not an Organization Administrator, or a connection key's token.", body = ErrorBody),
        (status = NOT_FOUND, description = "No such organization or connection for the caller.", body = ErrorBody)))]
#[get("/organizations/{id}/connections/{connectionId}/usage")]
async fn list_usage(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(Uuid, Uuid)>,
    page: web::Query<PageParams>,
) -> Result<web::Json<UsagePage>, ApiError> {
    let (organization_id, id) = path.into_inner();
    let client = client_info(&req);
    let caller = auth.caller(&client);
    let org = authorize(
        &state.db,
        &caller,
        organization_id,
        OrgAction::ManageConnectionKeys,
    )
    .await?;
    let page = service::list_usage(&state.db, &org, id, &page.into_inner().into()).await?;
    Ok(web::Json(UsagePage::from_page(page, Into::into)))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_connections)
        .service(create_connection)
        .service(get_connection)
        .service(revoke_connection)
        .service(regenerate_secret)
        .service(delete_connection)
        .service(list_usage);
}

pub fn configure_token(cfg: &mut ServiceConfig) {
    cfg.service(token);
}

/// The token request (RFC 6749 §4.4), form-encoded.
#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct ClientCredentialsRequest {
    grant_type: GrantType,
    /// The connection's client id (or send it with HTTP Basic authentication instead).
    client_id: Option<String>,
    /// The connection's secret (or send it with HTTP Basic authentication instead).
    client_secret: Option<String>,
    /// Space-separated scopes to narrow the token to (`send`, `receive`, `document_status`,
    /// `webhooks`); default all of the connection's.
    #[schema(
        example = "send receive",
        pattern = r"^ *((send|receive|document_status|webhooks)( +|$))* *$"
    )]
    scope: Option<String>,
}

/// The OAuth grant this endpoint supports.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum GrantType {
    ClientCredentials,
}

/// A bearer token for the connection.
#[derive(Serialize, ToSchema)]
pub struct ConnectionTokenResponse {
    pub access_token: String,
    /// Always `Bearer`.
    #[schema(example = "Bearer")]
    pub token_type: String,
    /// Seconds the token is valid: 3600.
    #[schema(example = 3600)]
    pub expires_in: i64,
    /// The token's scopes, space-separated.
    #[schema(example = "send receive")]
    pub scope: String,
}

/// The error codes of RFC 6749 §5.2 this endpoint uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OAuthErrorCode {
    /// A missing or repeated parameter, a body that is not form-encoded, or credentials both
    /// in the body and in the `Authorization` header.
    InvalidRequest,
    /// Unknown client id, wrong secret, or a revoked connection.
    InvalidClient,
    /// A `grant_type` other than `client_credentials`.
    UnsupportedGrantType,
    /// A scope that does not exist or that the connection does not have.
    InvalidScope,
}

/// An error of the token endpoint, as RFC 6749 §5.2 shapes it.
#[derive(Debug, Serialize, ToSchema)]
pub struct OAuthError {
    pub error: OAuthErrorCode,
    pub error_description: String,
}

fn oauth_error(code: OAuthErrorCode, description: &str, basic: bool) -> HttpResponse {
    let mut response = if code == OAuthErrorCode::InvalidClient {
        HttpResponse::Unauthorized()
    } else {
        HttpResponse::BadRequest()
    };
    response
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"));
    if basic && code == OAuthErrorCode::InvalidClient {
        response.insert_header((header::WWW_AUTHENTICATE, "Basic realm=\"haven\""));
    }
    response.json(OAuthError {
        error: code,
        error_description: description.to_owned(),
    })
}

/// Client id and secret from `Authorization: Basic` (each form-encoded, RFC 6749 §2.3.1):
/// `None` without a Basic header (another scheme is no client authentication), `Some(None)`
/// for one that cannot be read.
fn basic_credentials(req: &HttpRequest) -> Option<Option<(String, String)>> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let parsed = (|| {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(encoded.trim())
            .ok()?;
        let decoded = String::from_utf8(decoded).ok()?;
        let (id, secret) = decoded.split_once(':')?;
        let unescape = |s: &str| -> String {
            form_urlencoded::parse(format!("v={s}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        };
        Some((unescape(id), unescape(secret)))
    })();
    Some(parsed)
}

/// Get an access token for a connection key (OAuth 2.0 client credentials).
///
/// Send `grant_type=client_credentials` form-encoded, with the client id and secret either in
/// the body (`client_id`, `client_secret`) or with HTTP Basic authentication, not both. The
/// token is a bearer token for one hour, for the participant ids of the connection's
/// organization and within its scopes (narrow them with `scope`). Errors follow RFC 6749 §5.2.
/// Rate limited per client id and per address.
#[utoipa::path(tag = TAG, operation_id = "getConnectionToken",
    request_body(content = ClientCredentialsRequest, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = OK, description = "A bearer token (`Cache-Control: no-store`).", body = ConnectionTokenResponse),
        (status = BAD_REQUEST, description = "`invalid_request`, `unsupported_grant_type` or `invalid_scope`.", body = OAuthError),
        (status = UNAUTHORIZED, description = "`invalid_client`: unknown client id, wrong secret or a revoked connection (`WWW-Authenticate: Basic` when Basic was used).", body = OAuthError),
        (status = PAYLOAD_TOO_LARGE, description = "The body is larger than the configured limit.", body = ErrorBody),
        (status = TOO_MANY_REQUESTS, description = "Too many token requests for this client id or from this address; wait for `Retry-After` seconds.", body = ErrorBody)))]
#[post("/token")]
async fn token(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    use OAuthErrorCode::{InvalidClient, InvalidRequest, InvalidScope, UnsupportedGrantType};
    let client = client_info(&req);
    let address = client.ip.clone().unwrap_or_default();
    state
        .token_ip_limiter
        .check(&address)
        .map_err(|retry_after_secs| ApiError::TooManyRequests { retry_after_secs })?;
    let basic = basic_credentials(&req);
    let used_basic = basic.is_some();
    let form_encoded = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            v.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
    if !form_encoded {
        return Ok(oauth_error(
            InvalidRequest,
            "Send the parameters form-encoded (Content-Type: application/x-www-form-urlencoded).",
            used_basic,
        ));
    }
    let mut params = std::collections::HashMap::new();
    for (name, value) in form_urlencoded::parse(&body) {
        if params
            .insert(name.into_owned(), value.into_owned())
            .is_some()
        {
            return Ok(oauth_error(
                InvalidRequest,
                "A parameter was sent more than once.",
                used_basic,
            ));
        }
    }
    match params.get("grant_type").map(String::as_str) {
        None | Some("") => {
            return Ok(oauth_error(
                InvalidRequest,
                "grant_type is missing; send grant_type=client_credentials.",
                used_basic,
            ))
        }
        Some("client_credentials") => {}
        Some(_) => {
            return Ok(oauth_error(
                UnsupportedGrantType,
                "Only grant_type=client_credentials is supported.",
                used_basic,
            ))
        }
    }
    let in_body = params.contains_key("client_id") || params.contains_key("client_secret");
    let (client_id, client_secret) = match basic {
        Some(_) if in_body => {
            return Ok(oauth_error(InvalidRequest, "Send the client credentials either in the Authorization header or in the body, not both.", used_basic))
        }
        Some(Some(pair)) => pair,
        Some(None) => {
            return Ok(oauth_error(InvalidClient, "The Authorization header is not usable HTTP Basic authentication.", used_basic))
        }
        None => match (params.remove("client_id"), params.remove("client_secret")) {
            (Some(id), Some(secret)) if !id.is_empty() && !secret.is_empty() => (id, secret),
            _ => {
                return Ok(oauth_error(InvalidClient, "Send client_id and client_secret.", used_basic))
            }
        },
    };
    state
        .token_client_limiter
        .check(&client_id)
        .map_err(|retry_after_secs| ApiError::TooManyRequests { retry_after_secs })?;
    let credentials = ClientCredentials {
        client_id,
        client_secret,
        scope: params.remove("scope"),
    };
    let grant =
        match service::authenticate_client(&state.db, &credentials, &client, Utc::now()).await? {
            ClientCheck::Granted(grant) => grant,
            ClientCheck::InvalidClient => {
                return Ok(oauth_error(
                    InvalidClient,
                    "The client id or secret is wrong, or the connection was revoked.",
                    used_basic,
                ))
            }
            ClientCheck::InvalidScope => return Ok(oauth_error(
                InvalidScope,
                "Ask only for scopes the connection has: send, receive, document_status, webhooks.",
                used_basic,
            )),
        };
    let scope = Scope::join(&grant.scopes);
    let access_token = tokens::issue_connection(
        &state.signing_key,
        grant.connection.id,
        grant.connection.environment_id,
        grant.connection.organization_id,
        grant.generation,
        &scope,
    )
    .map_err(ApiError::Internal)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(ConnectionTokenResponse {
            access_token,
            token_type: "Bearer".into(),
            expires_in: tokens::CONNECTION_TOKEN_SECONDS,
            scope,
        }))
}
