//! `PartyAuth`: the caller of a `/parties/{partyId}/…` operation, a person with a session or
//! accounting software with a connection's token. A connection is read again for every
//! request (revoked, deleted or regenerated: 401 at once) and rate limited per connection.

use std::{future::Future, pin::Pin};

use actix_web::{dev::Payload, FromRequest, HttpMessage, HttpRequest};
use chrono::Utc;
use haven_domain::{
    accounts::{records::ClientInfo, PartyCaller},
    connections::{
        records::{ConnectionGrant, Scope},
        service::{grant_for_request, TokenClaims},
    },
};

use super::{
    extractor::{load_session, read_token, state_and_token, Presented},
    Authenticated,
};
use crate::error::{ApiError, ErrorCode};

/// The connection a request was made with; the request-context middleware writes the usage
/// log entry from it once the response is known.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionUse {
    pub connection_id: uuid::Uuid,
}

pub enum PartyAuth {
    User(Box<Authenticated>),
    Connection(ConnectionGrant),
}

impl PartyAuth {
    /// The caller a party use case acts for.
    #[must_use]
    pub fn caller<'a>(&'a self, client: &'a ClientInfo) -> PartyCaller<'a> {
        match self {
            Self::User(auth) => PartyCaller::User(auth.caller(client)),
            Self::Connection(grant) => PartyCaller::Connection { grant, client },
        }
    }
}

impl FromRequest for PartyAuth {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let (state, bearer) = state_and_token(req);
        let req = req.clone();
        Box::pin(async move {
            let state =
                state.ok_or_else(|| ApiError::Internal(anyhow::anyhow!("app state missing")))?;
            let token = bearer.ok_or(ApiError::Unauthenticated(ErrorCode::Unauthenticated))?;
            let claims = match read_token(&state, &token)? {
                Presented::Session(claims) => {
                    return Ok(Self::User(Box::new(load_session(&state, claims).await?)))
                }
                Presented::Connection(claims) => claims,
            };
            tracing::Span::current().record("connection_id", tracing::field::display(claims.sub));
            // From here on the call is the connection's, refused or not: it goes into its log.
            req.extensions_mut().insert(ConnectionUse {
                connection_id: claims.sub,
            });
            let claims = TokenClaims {
                connection_id: claims.sub,
                environment_id: claims.env,
                organization_id: claims.org,
                generation: claims.gen,
                scopes: Scope::split(&claims.scope).unwrap_or_default(),
            };
            let grant = grant_for_request(&state.db, &claims, Utc::now())
                .await?
                .ok_or(ApiError::Unauthenticated(ErrorCode::ConnectionInvalid))?;
            state
                .connection_limiter
                .check(&grant.connection_id.to_string())
                .map_err(|retry_after_secs| ApiError::TooManyRequests { retry_after_secs })?;
            Ok(Self::Connection(grant))
        })
    }
}
