//! `Authenticated`: the user a request acts as, loaded fresh for every request so that a role
//! change, deactivation or ended session takes effect at once.

use std::{future::Future, pin::Pin};

use actix_web::{dev::Payload, http::header, web, FromRequest, HttpMessage, HttpRequest};
use chrono::Utc;
use haven_domain::accounts::{
    auth_context::{AuthContext, AuthContextStore},
    records::{Environment, Session, User},
    store::Sessions,
    Actor, UserStatus,
};
use tracing::Instrument;

use super::tokens::{self, TokenError};
use crate::{
    error::{ApiError, ErrorCode},
    state::AppState,
};

pub struct Authenticated {
    pub actor: Actor,
    pub user: User,
    pub session: Session,
    /// The caller's environment as read with the session and the user.
    pub environment: Environment,
}

/// The bearer token of a request, if it sent one.
fn bearer_token(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .map(str::to_owned)
}

/// A verified token: a person's session or a connection's.
pub(crate) enum Presented {
    Session(tokens::Claims),
    Connection(tokens::ConnectionClaims),
}

/// Verifies the token's signature, type and expiry (nothing is loaded yet).
pub(crate) fn read_token(state: &AppState, token: &str) -> Result<Presented, ApiError> {
    match tokens::verify(&state.signing_key, token) {
        Ok(claims) => Ok(Presented::Session(claims)),
        Err(TokenError::Expired) => Err(ApiError::Unauthenticated(ErrorCode::TokenExpired)),
        Err(TokenError::Invalid) => match tokens::verify_connection(&state.signing_key, token) {
            Ok(claims) => Ok(Presented::Connection(claims)),
            Err(TokenError::Expired) => Err(ApiError::Unauthenticated(ErrorCode::TokenExpired)),
            Err(TokenError::Invalid) => Err(ApiError::Unauthenticated(ErrorCode::Unauthenticated)),
        },
    }
}

/// The state and the bearer token of a request, or why there are none.
pub(crate) fn state_and_token(req: &HttpRequest) -> (Option<web::Data<AppState>>, Option<String>) {
    (
        req.app_data::<web::Data<AppState>>().cloned(),
        bearer_token(req),
    )
}

impl FromRequest for Authenticated {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let (state, bearer) = state_and_token(req);
        let req = req.clone();
        Box::pin(async move {
            let state =
                state.ok_or_else(|| ApiError::Internal(anyhow::anyhow!("app state missing")))?;
            let token = bearer.ok_or(ApiError::Unauthenticated(ErrorCode::Unauthenticated))?;
            match read_token(&state, &token)? {
                Presented::Session(claims) => load_session(&state, claims).await,
                Presented::Connection(claims) => {
                    // The refusal goes into the connection's usage log: its owners see the
                    // software knocking on the wrong door.
                    req.extensions_mut().insert(super::party::ConnectionUse {
                        connection_id: claims.sub,
                    });
                    Err(ApiError::Refused {
                    code: ErrorCode::ConnectionNotAllowed,
                    message: "A connection key's token only reaches the /parties/{partyId}/… operations; this one needs a person's session.".into(),
                    })
                }
            }
        })
    }
}

/// Loads the session, user and environment of verified session claims.
pub(crate) async fn load_session(
    state: &AppState,
    claims: tokens::Claims,
) -> Result<Authenticated, ApiError> {
    // The request's span (see `request_context`), which gets the caller's ids so that every
    // later line of the request names them.
    let request_span = tracing::Span::current();
    // Ids only; the token itself never goes into a span or a log line.
    let span = tracing::debug_span!(
        "authenticate",
        user_id = tracing::field::Empty,
        environment_id = tracing::field::Empty,
        session_id = tracing::field::Empty,
    );
    async move {
        let span = tracing::Span::current();
        span.record("user_id", tracing::field::display(claims.sub));
        span.record("environment_id", tracing::field::display(claims.env));
        span.record("session_id", tracing::field::display(claims.sid));
        request_span.record("user_id", tracing::field::display(claims.sub));
        request_span.record("session_id", tracing::field::display(claims.sid));
        let now = Utc::now();
        // Session, user and environment as they are now, in one query: no cache, so a
        // revocation, deactivation or role change applies to the very next request.
        let AuthContext {
            session,
            user,
            environment,
        } = state
            .db
            .load_auth_context(claims.sid, claims.sub, claims.env)
            .await?
            .filter(|c| c.session.is_live(now) && c.user.status == UserStatus::Active)
            .ok_or(ApiError::Unauthenticated(ErrorCode::Unauthenticated))?;
        // Writes at most once a minute per session.
        state.db.touch_session(&session, now).await?;
        Ok(Authenticated {
            actor: Actor {
                user_id: user.id,
                environment_id: user.environment_id,
                session_id: session.id,
                role: user.role,
                relationship_manager: user.relationship_manager,
                two_factor_pending: environment.require_two_factor && !user.totp_enabled,
            },
            user,
            session,
            environment,
        })
    }
    .instrument(span)
    .await
}
