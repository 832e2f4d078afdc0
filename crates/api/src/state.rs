//! What every handler can reach.

use haven_domain::{
    installation::Installation,
    organizations::{review::Operators, service::OrganizationSettings},
};
use haven_persistence::Database;

use crate::secrets::{SealingBox, SigningKey};

pub struct AppState {
    pub db: Database,
    pub installation: Installation,
    /// Signs access tokens.
    pub signing_key: SigningKey,
    /// Encrypts stored TOTP secrets.
    pub sealing: SealingBox,
    /// Base URL of the web app, for links in emails (no trailing slash).
    pub public_url: String,
    /// Links into the web app that emails carry.
    pub links: haven_domain::links::Links,
    /// Price per received document, shown when an Administrator decides about receiving.
    pub receiving_price: String,
    /// The business register (KvK API or the embedded offline register).
    pub registry: haven_registry::Registry,
    /// Platform operators' addresses (lower case).
    pub operators: Operators,
    /// Limits and prices of the organization use cases.
    pub organization_settings: OrganizationSettings,
}

impl AppState {
    /// An absolute link into the web app, optionally carrying a single-use token.
    #[must_use]
    pub fn link(&self, path: &str, token: Option<&str>) -> String {
        match token {
            Some(token) => format!("{}{path}?token={token}", self.public_url),
            None => format!("{}{path}", self.public_url),
        }
    }
}
