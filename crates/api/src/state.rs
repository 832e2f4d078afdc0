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
