//! Authentication: short-lived access tokens (JWT), rotating refresh tokens in an HttpOnly
//! cookie, and the extractor that turns a bearer token into the acting user.

pub mod cookies;
pub mod extractor;
pub mod party;
pub mod tokens;

pub use extractor::Authenticated;
pub use party::PartyAuth;

impl Authenticated {
    /// The caller a use case acts for, with the client the request came from.
    #[must_use]
    pub fn caller<'a>(
        &'a self,
        client: &'a haven_domain::accounts::records::ClientInfo,
    ) -> haven_domain::accounts::Caller<'a> {
        haven_domain::accounts::Caller::new(&self.actor, &self.user, client)
    }
}
