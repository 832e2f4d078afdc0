//! What a connection is, as the domain sees it.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::documents::records::named_enum;

named_enum! {
    /// What a connection may do for its organization's participant ids.
    pub enum Scope {
        /// Send sales invoices and read the outbox (status, history, downloads).
        Send = "send",
        /// Read and download purchase invoices (the inbox), and remove them from it.
        Receive = "receive",
        /// Change the status of purchase invoices and answer them (Invoice Responses).
        DocumentStatus = "document_status",
        /// Manage the party's webhooks and read their delivery log.
        Webhooks = "webhooks",
    }
}

impl Scope {
    /// Scopes as OAuth writes them: space-separated, in the order of [`Scope::ALL`].
    #[must_use]
    pub fn join(scopes: &[Scope]) -> String {
        Scope::ALL
            .iter()
            .filter(|s| scopes.contains(s))
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Parses a space-separated list; `None` when one of them is not a scope.
    #[must_use]
    pub fn split(text: &str) -> Option<Vec<Scope>> {
        let mut scopes = Vec::new();
        for word in text.split_ascii_whitespace() {
            let scope = Scope::parse(word)?;
            if !scopes.contains(&scope) {
                scopes.push(scope);
            }
        }
        Some(
            Scope::ALL
                .iter()
                .copied()
                .filter(|s| scopes.contains(s))
                .collect(),
        )
    }
}

named_enum! {
    /// Whether a connection still works.
    pub enum ConnectionStatus {
        /// Tokens can be obtained and used.
        Active = "active",
        /// Stopped; it can only be deleted.
        Revoked = "revoked",
    }
}

/// A connection of an organization, without its secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    pub id: Uuid,
    pub environment_id: Uuid,
    pub organization_id: Uuid,
    /// The public half of the key pair.
    pub client_id: String,
    pub name: String,
    /// The software package it is for.
    pub software: String,
    pub scopes: Vec<Scope>,
    pub status: ConnectionStatus,
    /// Who created it (name and address as they were then).
    pub created_by: Option<Uuid>,
    pub created_by_name: String,
    pub created_by_email: String,
    pub created_at: DateTime<Utc>,
    /// When a token was last obtained or used with it (written at most once a minute).
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// The partnership it was created through, if any: it stops when that ends.
    pub partnership_id: Option<Uuid>,
}

/// A new connection as the store writes it.
#[derive(Debug, Clone)]
pub struct NewConnection {
    pub id: Uuid,
    pub environment_id: Uuid,
    pub organization_id: Uuid,
    pub client_id: String,
    /// Hex SHA-256 of the secret.
    pub secret_hash: String,
    pub name: String,
    pub software: String,
    pub scopes: Vec<Scope>,
    pub created_by: Uuid,
    pub created_by_name: String,
    pub created_by_email: String,
    /// Set when a partner user creates it for a client's organization.
    pub partnership_id: Option<Uuid>,
}

/// A connection as a bearer token presents it: what the request may act for. Made only from
/// a verified token whose connection was read again for this very request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionGrant {
    pub connection_id: Uuid,
    pub environment_id: Uuid,
    pub organization_id: Uuid,
    pub client_id: String,
    pub name: String,
    /// The scopes of the token (a subset of the connection's).
    pub scopes: Vec<Scope>,
}

impl ConnectionGrant {
    /// How the history and audit log name the connection.
    #[must_use]
    pub fn label(&self) -> String {
        format!("connection {} ({})", self.name, self.client_id)
    }
}

/// A connection with the secret of a create or regenerate: shown once, never again.
#[derive(Debug, Clone)]
pub struct IssuedSecret {
    pub connection: Connection,
    pub client_secret: String,
}

/// One API call made with a connection's token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageEntry {
    pub id: Uuid,
    pub connection_id: Uuid,
    pub at: DateTime<Utc>,
    pub method: String,
    /// The route template, e.g. `/api/v1/parties/{partyId}/sales-invoices`.
    pub endpoint: String,
    pub status: u16,
    pub duration_ms: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_split_and_join_in_a_fixed_order() {
        assert_eq!(
            Scope::split("receive  send receive"),
            Some(vec![Scope::Send, Scope::Receive])
        );
        assert_eq!(Scope::split(""), Some(vec![]));
        assert_eq!(Scope::split("send admin"), None);
        assert_eq!(
            Scope::join(&[Scope::Webhooks, Scope::Send]),
            "send webhooks"
        );
    }
}
