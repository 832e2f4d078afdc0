//! Per-request context: the request id, the body size guard and the access log.
//!
//! The request id is taken from `X-Request-Id` when the caller sends a sensible one, otherwise
//! generated. It is echoed on the response, attached to every log line of the request, and put
//! into error bodies (through a task-local, so errors need no access to the request).

use std::time::Instant;

use actix_web::{
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
    error::InternalError,
    http::header::{self, HeaderName, HeaderValue},
    middleware::Next,
    web, Error, HttpMessage, ResponseError,
};
use tracing::Instrument;

use super::security_headers::SecurityHeaders;
use crate::{auth::party::ConnectionUse, error::ApiError, metrics, state::AppState};
use haven_domain::connections::records::UsageEntry;

pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");
const MAX_REQUEST_ID_LEN: usize = 128;

tokio::task_local! {
    static REQUEST_ID: String;
}

/// The id of the request being handled, or `"-"` outside a request.
#[must_use]
pub fn current_request_id() -> String {
    REQUEST_ID
        .try_with(Clone::clone)
        .unwrap_or_else(|_| "-".to_owned())
}

/// The request id, also available to handlers as a request extension.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// Limits that apply before routing: `max_body_bytes` for every request, except the
/// inbound-email endpoint, which takes whole mail messages up to `intake_max_message_bytes`
/// (as the SMTP receiver does), whatever the general limit, and the AS4 endpoint, which
/// applies `max_body_bytes` itself as it spools.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit {
    pub default: usize,
    pub inbound_email: usize,
}

/// The path of the inbound-email endpoint, which has its own body limit.
pub const INBOUND_EMAIL_PATH: &str = "/api/v1/inbound-email";

impl BodyLimit {
    /// The limit for a request to `path`.
    #[must_use]
    pub fn for_path(&self, path: &str) -> usize {
        if path == INBOUND_EMAIL_PATH {
            self.inbound_email
        } else if path == crate::as4::AS4_PATH {
            // The AS4 endpoint spools what it takes and refuses a larger message itself,
            // with a signed ebMS error and a record of it.
            usize::MAX
        } else {
            self.default
        }
    }
}

fn accepted_request_id(req: &ServiceRequest) -> Option<String> {
    let value = req.headers().get(&REQUEST_ID_HEADER)?.to_str().ok()?;
    let sensible = !value.is_empty()
        && value.len() <= MAX_REQUEST_ID_LEN
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b));
    sensible.then(|| value.to_owned())
}

/// The middleware function; mounted with `actix_web::middleware::from_fn`.
///
/// # Errors
/// Only when the framework itself fails; the error then carries a response already rendered
/// with our body.
pub async fn request_context(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse, Error> {
    let started = Instant::now();
    let request_id = accepted_request_id(&req).unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    req.extensions_mut().insert(RequestId(request_id.clone()));
    // `route` (the matched pattern) and the caller's ids are filled in once known; the
    // authentication extractor records `user_id` and `session_id` here.
    let span = tracing::info_span!(
        "request",
        request_id = %request_id,
        method = %req.method(),
        path = %req.path(),
        route = tracing::field::Empty,
        user_id = tracing::field::Empty,
        session_id = tracing::field::Empty,
        connection_id = tracing::field::Empty,
    );
    let method = req.method().clone();
    let security = req
        .app_data::<web::Data<SecurityHeaders>>()
        .map(|h| h.get_ref().clone());

    let limit = req
        .app_data::<web::Data<BodyLimit>>()
        .map(|l| l.for_path(req.path()));
    let declared_length = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());

    let outcome = REQUEST_ID
        .scope(request_id.clone(), async move {
            // Refuse an announced oversize body before anyone reads it.
            if let (Some(limit), Some(length)) = (limit, declared_length) {
                if length > limit as u64 {
                    let err = ApiError::PayloadTooLarge { limit };
                    return Ok(req.into_response(err.error_response()));
                }
            }
            match next.call(req).await {
                Ok(response) => Ok(ensure_json_error_body(
                    response.map_into_boxed_body(),
                    limit,
                )),
                // Handlers' errors arrive as responses already; an error here comes from the
                // framework. Render it now, inside the request's scope, so the body carries
                // the request id.
                Err(err) => Err((err.error_response(), err)),
            }
        })
        .instrument(span.clone())
        .await;

    let log = |status: u16, route: Option<String>| {
        let elapsed = started.elapsed();
        let duration_ms = elapsed.as_secs_f64() * 1000.0;
        if let Some(route) = &route {
            span.record("route", route.as_str());
        }
        metrics::observe_request(&method, route, status, elapsed);
        span.in_scope(|| {
            tracing::info!(
                target: "haven::access",
                status,
                duration_ms = format_args!("{duration_ms:.2}"),
                "request handled"
            );
        });
    };
    let header_value = HeaderValue::from_str(&request_id).ok();
    match outcome {
        Ok(mut response) => {
            if let Some(value) = header_value {
                response.headers_mut().insert(REQUEST_ID_HEADER, value);
            }
            if let Some(security) = &security {
                security.apply(response.headers_mut());
            }
            log(
                response.status().as_u16(),
                response.request().match_pattern(),
            );
            record_connection_use(&response, started);
            Ok(response)
        }
        Err((mut response, cause)) => {
            if let Some(value) = header_value {
                response.headers_mut().insert(REQUEST_ID_HEADER, value);
            }
            if let Some(security) = &security {
                security.apply(response.headers_mut());
            }
            // A framework failure: the request, and so its route, is gone.
            log(response.status().as_u16(), None);
            Err(InternalError::from_response(cause, response).into())
        }
    }
}

/// A call made with a connection's token goes into the connection's usage log (written in
/// batches off the request path, see `usage_log`).
fn record_connection_use(response: &ServiceResponse, started: Instant) {
    let request = response.request();
    let Some(used) = request.extensions().get::<ConnectionUse>().copied() else {
        return;
    };
    let Some(state) = request.app_data::<web::Data<AppState>>() else {
        return;
    };
    state.usage.record(UsageEntry {
        id: uuid::Uuid::new_v4(),
        connection_id: used.connection_id,
        at: chrono::Utc::now(),
        method: request.method().as_str().to_owned(),
        endpoint: request
            .match_pattern()
            .unwrap_or_else(|| request.path().to_owned()),
        status: response.status().as_u16(),
        duration_ms: u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX),
    });
}

/// Failures produced by framework parts we do not control (a file service, a stray extractor)
/// come as plain text; replace them with our error body so every error looks the same.
fn ensure_json_error_body(response: ServiceResponse, limit: Option<usize>) -> ServiceResponse {
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let replacement = ApiError::for_status(status, limit.unwrap_or_default());
    response.into_response(replacement.error_response())
}
