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
