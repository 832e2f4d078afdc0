//! Access tokens: HS256 JWTs valid for 15 minutes, naming the user, environment and session.

use chrono::Utc;
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::secrets::SigningKey;

pub const ACCESS_TOKEN_SECONDS: i64 = 15 * 60;
const ISSUER: &str = "haven";

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    /// The user.
    pub sub: Uuid,
    /// The user's environment.
    pub env: Uuid,
    /// The session the token belongs to; ending the session ends the token.
    pub sid: Uuid,
    pub iat: i64,
    pub exp: i64,
    pub iss: String,
}

/// Signs an access token.
///
/// # Errors
/// Only when signing fails, which would be a programming error.
pub fn issue(
    key: &SigningKey,
    user_id: Uuid,
    environment_id: Uuid,
    session_id: Uuid,
) -> anyhow::Result<String> {
    let now = Utc::now().timestamp();
    let claims = Claims {
        sub: user_id,
        env: environment_id,
        sid: session_id,
        iat: now,
        exp: now + ACCESS_TOKEN_SECONDS,
        iss: ISSUER.to_owned(),
    };
    Ok(encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(key.as_bytes()),
    )?)
}

/// A connection's access token lives this long.
pub const CONNECTION_TOKEN_SECONDS: i64 = 60 * 60;
/// The `typ` claim of a connection's token, which a session token never has.
const CONNECTION_TYPE: &str = "connection";

/// What a connection's access token says. It has no `sid`, so it never verifies as a session
/// token, and a session token (no `org`, `gen`, `typ`) never verifies as one of these.
#[derive(Debug, Serialize, Deserialize)]
pub struct ConnectionClaims {
    /// The connection.
    pub sub: Uuid,
    pub env: Uuid,
    /// The organization whose participant ids it acts for.
    pub org: Uuid,
    /// The secret generation the token was issued for (regenerating ends it).
    pub gen: i32,
    /// Space-separated scopes.
    pub scope: String,
    pub typ: String,
    pub iat: i64,
    pub exp: i64,
    pub iss: String,
}

/// Signs a connection's access token (one hour).
///
/// # Errors
/// Only when signing fails, which would be a programming error.
pub fn issue_connection(
    key: &SigningKey,
    connection_id: Uuid,
    environment_id: Uuid,
    organization_id: Uuid,
    generation: i32,
    scope: &str,
) -> anyhow::Result<String> {
    let now = Utc::now().timestamp();
    let claims = ConnectionClaims {
        sub: connection_id,
        env: environment_id,
        org: organization_id,
        gen: generation,
        scope: scope.to_owned(),
        typ: CONNECTION_TYPE.to_owned(),
        iat: now,
        exp: now + CONNECTION_TOKEN_SECONDS,
        iss: ISSUER.to_owned(),
    };
    Ok(encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(key.as_bytes()),
    )?)
}

/// Checks a connection's token like [`verify`] does a session's, and its type.
///
/// # Errors
/// [`TokenError::Expired`] or [`TokenError::Invalid`].
pub fn verify_connection(key: &SigningKey, token: &str) -> Result<ConnectionClaims, TokenError> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_issuer(&[ISSUER]);
    validation.leeway = 0;
    validation.set_required_spec_claims(&["exp", "iss", "sub"]);
    decode::<ConnectionClaims>(
        token,
        &DecodingKey::from_secret(key.as_bytes()),
        &validation,
    )
    .map_err(|e| match e.kind() {
        jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
        _ => TokenError::Invalid,
    })
    .and_then(|data| {
        if data.claims.typ == CONNECTION_TYPE {
            Ok(data.claims)
        } else {
            Err(TokenError::Invalid)
        }
    })
}

/// Why a presented token was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum TokenError {
    Expired,
    Invalid,
}

/// Checks signature, algorithm, issuer and expiry (no leeway).
///
/// # Errors
/// [`TokenError::Expired`] or [`TokenError::Invalid`].
pub fn verify(key: &SigningKey, token: &str) -> Result<Claims, TokenError> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_issuer(&[ISSUER]);
    validation.leeway = 0;
    validation.set_required_spec_claims(&["exp", "iss", "sub"]);
    decode::<Claims>(
        token,
        &DecodingKey::from_secret(key.as_bytes()),
        &validation,
    )
    .map(|data| data.claims)
    .map_err(|e| match e.kind() {
        jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
        _ => TokenError::Invalid,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn key() -> SigningKey {
        SigningKey::from_bytes(vec![7; 64])
    }

    #[test]
    fn an_issued_token_verifies_and_names_the_session() {
        let (user, env, session) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());

        let claims = verify(&key(), &issue(&key(), user, env, session).unwrap()).unwrap();

        assert_eq!((claims.sub, claims.env, claims.sid), (user, env, session));
        assert_eq!(claims.exp - claims.iat, 900);
    }

    #[test]
    fn a_token_signed_with_another_key_or_tampered_is_invalid() {
        let token = issue(&key(), Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4()).unwrap();
        let other = SigningKey::from_bytes(vec![8; 64]);

        assert_eq!(verify(&other, &token).err(), Some(TokenError::Invalid));
        assert_eq!(
            verify(&key(), &format!("{token}x")).err(),
            Some(TokenError::Invalid)
        );
        assert_eq!(
            verify(&key(), "not.a.token").err(),
            Some(TokenError::Invalid)
        );
    }

    #[test]
    fn session_and_connection_tokens_are_never_taken_for_each_other() {
        let (a, b, c) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        let session = issue(&key(), a, b, c).unwrap();
        let connection = issue_connection(&key(), a, b, c, 0, "send").unwrap();

        assert_eq!(verify(&key(), &connection).err(), Some(TokenError::Invalid));
        assert_eq!(
            verify_connection(&key(), &session).err(),
            Some(TokenError::Invalid)
        );
        let claims = verify_connection(&key(), &connection).unwrap();
        assert_eq!((claims.sub, claims.org, claims.gen), (a, c, 0));
        assert_eq!(claims.exp - claims.iat, 3600);
    }

    #[test]
    fn an_expired_token_is_expired() {
        let claims = Claims {
            sub: Uuid::new_v4(),
            env: Uuid::new_v4(),
            sid: Uuid::new_v4(),
            iat: 1,
            exp: 2,
            iss: ISSUER.into(),
        };
        let token = encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(key().as_bytes()),
        )
        .unwrap();

        assert_eq!(verify(&key(), &token).err(), Some(TokenError::Expired));
    }
}
