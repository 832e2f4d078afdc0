//! Response shapes shared by the account endpoints.

use chrono::{DateTime, Utc};
use haven_domain::{
    accounts::{
        records::{Environment, Session, User},
        Operators, Role, UserStatus,
    },
    mail::Language,
};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// The receiving choice and what it costs.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReceivingDto {
    /// Whether the environment receives e-invoices.
    pub enabled: bool,
    /// Whether an Administrator has answered the question yet.
    pub decided: bool,
    /// Price per received document (decimal string).
    #[schema(example = "0.34")]
    pub price_per_document: String,
    #[schema(example = "EUR")]
    pub currency: &'static str,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EnvironmentDto {
    pub id: Uuid,
    #[schema(example = "Jansen Installaties")]
    pub name: String,
    /// Sign-ups from this verified domain join as Basic users; null when off.
    #[schema(example = "jansen.nl")]
    pub auto_join_domain: Option<String>,
    /// Users must enrol in two-factor authentication.
    pub require_two_factor: bool,
    pub receiving: ReceivingDto,
}

impl EnvironmentDto {
    #[must_use]
    pub fn new(env: &Environment, price: &str) -> Self {
        Self {
            id: env.id,
            name: env.name.clone(),
            auto_join_domain: env.auto_join_domain.clone(),
            require_two_factor: env.require_two_factor,
            receiving: ReceivingDto {
                enabled: env.receiving_enabled,
                decided: env.receiving_decided,
                price_per_document: price.to_owned(),
                currency: "EUR",
            },
        }
    }
}

/// The signed-in user, with their environment.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MeDto {
    pub id: Uuid,
    #[schema(example = "jan@jansen.nl")]
    pub email: String,
    #[schema(example = "Jan Jansen")]
    pub name: String,
    pub language: Language,
    pub phone: Option<String>,
    pub role: Role,
    pub relationship_manager: bool,
    pub status: UserStatus,
    pub two_factor_enabled: bool,
    pub environment: EnvironmentDto,
    /// An Administrator who has not yet answered whether the environment receives e-invoices.
    pub needs_receiving_decision: bool,
    /// The environment requires two-factor authentication and this user has not enrolled.
    pub two_factor_setup_required: bool,
    /// A platform operator of this installation: reviews activation requests and looks after
    /// background jobs, across environments.
    pub platform_operator: bool,
}

impl MeDto {
    #[must_use]
    pub fn new(user: &User, env: &Environment, price: &str, operators: &Operators) -> Self {
        Self {
            id: user.id,
            email: user.email.clone(),
            name: user.name.clone(),
            language: user.language,
            phone: user.phone.clone(),
            role: user.role,
            relationship_manager: user.relationship_manager,
            status: user.status,
            two_factor_enabled: user.totp_enabled,
            environment: EnvironmentDto::new(env, price),
            needs_receiving_decision: user.role == haven_domain::accounts::Role::Administrator
                && !env.receiving_decided,
            two_factor_setup_required: env.require_two_factor && !user.totp_enabled,
            platform_operator: operators.includes(&user.email),
        }
    }
}

/// A user as Administrators see them.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserDto {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub relationship_manager: bool,
    pub status: UserStatus,
    pub two_factor_enabled: bool,
    pub created_at: DateTime<Utc>,
    pub last_login_at: Option<DateTime<Utc>>,
}

impl From<&User> for UserDto {
    fn from(user: &User) -> Self {
        Self {
            id: user.id,
            email: user.email.clone(),
            name: user.name.clone(),
            role: user.role,
            relationship_manager: user.relationship_manager,
            status: user.status,
            two_factor_enabled: user.totp_enabled,
            created_at: user.created_at,
            last_login_at: user.last_login_at,
        }
    }
}

/// Tokens after a successful login, registration or invitation.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LoginResponse {
    /// Send as `Authorization: Bearer <token>`; valid for `expiresIn` seconds. The refresh
    /// token is set as an HttpOnly cookie.
    pub access_token: String,
    #[schema(example = "Bearer")]
    pub token_type: &'static str,
    #[schema(example = 900)]
    pub expires_in: i64,
    pub user: MeDto,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionDto {
    pub id: Uuid,
    #[schema(example = "Mozilla/5.0 (X11; Linux x86_64)")]
    pub user_agent: Option<String>,
    #[schema(example = "192.0.2.10")]
    pub ip: Option<String>,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    /// The session this request belongs to.
    pub current: bool,
}

impl SessionDto {
    #[must_use]
    pub fn new(session: &Session, current: Uuid) -> Self {
        Self {
            id: session.id,
            user_agent: session.user_agent.clone(),
            ip: session.ip.clone(),
            created_at: session.created_at,
            last_seen_at: session.last_seen_at,
            current: session.id == current,
        }
    }
}

/// A plain acknowledgement.
#[derive(Serialize, ToSchema)]
pub struct Accepted {
    #[schema(example = "If the address can be used, we sent it an email.")]
    pub message: &'static str,
}
