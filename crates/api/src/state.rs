//! What every handler can reach.

use haven_domain::installation::Installation;
use haven_persistence::Database;

use crate::secrets::SigningKey;

pub struct AppState {
    pub db: Database,
    pub installation: Installation,
    /// Signs access tokens. Loaded (or generated) at start so that a misconfigured key fails
    /// the start, not the first login; read by the accounts feature.
    #[allow(dead_code)]
    pub signing_key: SigningKey,
}
