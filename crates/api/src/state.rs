//! What every handler can reach.

use std::sync::Arc;

use haven_domain::installation::Installation;
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
    /// Price per received document, shown when an Administrator decides about receiving.
    pub receiving_price: String,
    /// The business register (KvK API or the embedded offline register).
    pub registry: haven_registry::Registry,
    /// Platform operators' addresses (lower case).
    pub operators: Vec<String>,
    /// Most organizations per environment.
    pub max_organizations: u64,
    /// Wakes the job worker (after queueing a job it should run at once).
    pub job_waker: Arc<tokio::sync::Notify>,
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
