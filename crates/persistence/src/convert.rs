//! Entity rows to domain values.

use haven_domain::{
    accounts::{
        records::{Environment, Session, User},
        Role, UserStatus,
    },
    installation::Installation,
    mail::Language,
    DomainResult,
};

use crate::entities::{environment, installation, session, user};

impl From<installation::Model> for Installation {
    fn from(row: installation::Model) -> Self {
        Self {
            id: row.id,
            created_at: row.created_at,
        }
    }
}

pub(crate) fn to_user(m: user::Model) -> DomainResult<User> {
    Ok(User {
        id: m.id,
        environment_id: m.environment_id,
        email: m.email,
        name: m.name,
        password_hash: m.password_hash,
        role: Role::parse(&m.role).ok_or_else(|| crate::repositories::corrupt("role"))?,
        relationship_manager: m.relationship_manager,
        status: UserStatus::parse(&m.status)
            .ok_or_else(|| crate::repositories::corrupt("status"))?,
        language: Language::parse(&m.language)
            .ok_or_else(|| crate::repositories::corrupt("language"))?,
        phone: m.phone,
        totp_secret: m.totp_secret,
        totp_enabled: m.totp_enabled,
        totp_last_step: m.totp_last_step,
        created_at: m.created_at,
        last_login_at: m.last_login_at,
    })
}

pub(crate) fn to_environment(m: environment::Model) -> Environment {
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

pub(crate) fn to_session(m: session::Model) -> Session {
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
