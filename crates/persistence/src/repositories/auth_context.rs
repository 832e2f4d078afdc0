//! The caller of an authenticated request: session, user and environment in one query.

use haven_domain::{
    accounts::{
        auth_context::{AuthContext, AuthContextStore},
        records::{Environment, Session, User},
        Role, UserStatus,
    },
    mail::Language,
    DomainResult,
};
use sea_orm::{ColumnTrait, EntityTrait, JoinType, QueryFilter, QuerySelect};
use uuid::Uuid;

use super::{corrupt, db};
use crate::{
    entities::{environment, session, user},
    Database,
};

impl AuthContextStore for Database {
    async fn load_auth_context(
        &self,
        session_id: Uuid,
        user_id: Uuid,
        environment_id: Uuid,
    ) -> DomainResult<Option<AuthContext>> {
        // Inner joins: a session whose user or environment is gone yields no row.
        let row = session::Entity::find_by_id(session_id)
            .join(
                JoinType::InnerJoin,
                session::Entity::belongs_to(user::Entity)
                    .from(session::Column::UserId)
                    .to(user::Column::Id)
                    .into(),
            )
            .join(
                JoinType::InnerJoin,
                user::Entity::belongs_to(environment::Entity)
                    .from(user::Column::EnvironmentId)
                    .to(environment::Column::Id)
                    .into(),
            )
            .filter(user::Column::Id.eq(user_id))
            .filter(user::Column::EnvironmentId.eq(environment_id))
            .select_also(user::Entity)
            .select_also(environment::Entity)
            .one(self.conn())
            .await
            .map_err(db("loading the caller"))?;
        let Some((session, Some(user), Some(environment))) = row else {
            return Ok(None);
        };
        Ok(Some(AuthContext {
            session: session_record(session),
            user: user_record(user)?,
            environment: environment_record(environment),
        }))
    }
}

// The row conversions below mirror those of the account store; they are kept here so this
// adapter stays independent of that (large, busy) file. A field added to a record fails to
// compile here until it is mapped.

fn session_record(m: session::Model) -> Session {
    Session {
        id: m.id,
        user_id: m.user_id,
        user_agent: m.user_agent,
        ip: m.ip,
        created_at: m.created_at,
        last_seen_at: m.last_seen_at,
        expires_at: m.expires_at,
        revoked_at: m.revoked_at,
    }
}

fn user_record(m: user::Model) -> DomainResult<User> {
    Ok(User {
        id: m.id,
        environment_id: m.environment_id,
        email: m.email,
        name: m.name,
        password_hash: m.password_hash,
        role: Role::parse(&m.role).ok_or_else(|| corrupt("role"))?,
        relationship_manager: m.relationship_manager,
        status: UserStatus::parse(&m.status).ok_or_else(|| corrupt("status"))?,
        language: Language::parse(&m.language).ok_or_else(|| corrupt("language"))?,
        phone: m.phone,
        totp_secret: m.totp_secret,
        totp_enabled: m.totp_enabled,
        totp_last_step: m.totp_last_step,
        created_at: m.created_at,
        last_login_at: m.last_login_at,
    })
}

fn environment_record(m: environment::Model) -> Environment {
    Environment {
        id: m.id,
        name: m.name,
        auto_join_domain: m.auto_join_domain,
        require_two_factor: m.require_two_factor,
        receiving_enabled: m.receiving_enabled,
        receiving_decided: m.receiving_decided,
        created_at: m.created_at,
    }
}
