//! `Authenticated`: the user a request acts as, loaded fresh for every request so that a role
//! change, deactivation or ended session takes effect at once.

use std::{future::Future, pin::Pin};

use actix_web::{dev::Payload, http::header, web, FromRequest, HttpRequest};
use chrono::Utc;
use haven_domain::accounts::{
    records::{Session, User},
    store::{Directory, Sessions},
    Actor, UserStatus,
};

use super::tokens::{self, TokenError};
use crate::{error::ApiError, state::AppState};

pub struct Authenticated {
    pub actor: Actor,
    pub user: User,
    pub session: Session,
}

impl FromRequest for Authenticated {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let bearer = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim)
            .map(str::to_owned);
        Box::pin(async move {
            let state =
                state.ok_or_else(|| ApiError::Internal(anyhow::anyhow!("app state missing")))?;
            let token = bearer.ok_or(ApiError::Unauthenticated("unauthenticated"))?;
            let claims = tokens::verify(&state.signing_key, &token).map_err(|e| match e {
                TokenError::Expired => ApiError::Unauthenticated("token_expired"),
                TokenError::Invalid => ApiError::Unauthenticated("unauthenticated"),
            })?;
            let now = Utc::now();
            let session = state
                .db
                .find_session(claims.sid)
                .await?
                .filter(|s| s.user_id == claims.sub && s.is_live(now))
                .ok_or(ApiError::Unauthenticated("unauthenticated"))?;
            let user = state
                .db
                .find_user(claims.env, claims.sub)
                .await?
                .filter(|u| u.status == UserStatus::Active)
                .ok_or(ApiError::Unauthenticated("unauthenticated"))?;
            let environment = state
                .db
                .find_environment(user.environment_id)
                .await?
                .ok_or(ApiError::Unauthenticated("unauthenticated"))?;
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
            })
        })
    }
}
