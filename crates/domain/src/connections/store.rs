//! Ports: the connections and their usage log. Every method that changes a connection is one
//! transaction with its audit event; a change that depends on the status is a conditional
//! write whose row count is the answer, so concurrent requests cannot both pass.

use std::future::Future;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::records::{Connection, NewConnection, UsageEntry};
use crate::{accounts::records::NewAuditEvent, paging::PageRequest, DomainResult};

/// A connection with what only the token endpoint and the per-request check need.
#[derive(Debug, Clone)]
pub struct StoredConnection {
    pub connection: Connection,
    /// Hex SHA-256 of the current secret.
    pub secret_hash: String,
    /// Counts regenerations; a token names the generation it was issued for.
    pub generation: i32,
    /// It was created through a partnership that has ended since: it no longer works.
    pub partnership_ended: bool,
}

/// Port: connections.
pub trait ConnectionStore: Send + Sync {
    /// Stores a new active connection and its audit event.
    fn create_connection(
        &self,
        new: NewConnection,
        audit: NewAuditEvent,
    ) -> impl Future<Output = DomainResult<Connection>> + Send;

    /// One page of an organization's connections, newest first.
    fn list_connections(
        &self,
        organization_id: Uuid,
        page: &PageRequest,
    ) -> impl Future<Output = DomainResult<Vec<Connection>>> + Send;

    /// A connection of the organization.
    fn find_connection(
        &self,
        organization_id: Uuid,
        id: Uuid,
    ) -> impl Future<Output = DomainResult<Option<Connection>>> + Send;

    /// A connection by its public client id, with its secret's hash.
    fn find_by_client_id(
        &self,
        client_id: &str,
    ) -> impl Future<Output = DomainResult<Option<StoredConnection>>> + Send;

    /// A connection by id, with its secret's hash (read for every request a token makes).
    fn stored_connection(
        &self,
        id: Uuid,
    ) -> impl Future<Output = DomainResult<Option<StoredConnection>>> + Send;

    /// Active → revoked, with the audit event; `None` when it was not active (any more).
    fn revoke_connection(
        &self,
        id: Uuid,
        audit: NewAuditEvent,
    ) -> impl Future<Output = DomainResult<Option<Connection>>> + Send;

    /// Deletes a revoked connection (and its usage log) with the audit event; `false` when it
    /// is not revoked.
    fn delete_connection(
        &self,
        id: Uuid,
        audit: NewAuditEvent,
    ) -> impl Future<Output = DomainResult<bool>> + Send;

    /// Replaces the secret of an active connection and moves it to the next generation (so
    /// that tokens of the old secret stop), with the audit event; `None` when not active.
    fn replace_secret(
        &self,
        id: Uuid,
        secret_hash: String,
        audit: NewAuditEvent,
    ) -> impl Future<Output = DomainResult<Option<Connection>>> + Send;

    /// Sets the last-used time when the stored one is older than a minute (or unset).
    fn touch_connection(
        &self,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> impl Future<Output = DomainResult<()>> + Send;
}

/// Port: the usage log of connections.
pub trait UsageLog: Send + Sync {
    /// Appends entries (a batch; the API collects them off the request path).
    fn append_usage(
        &self,
        entries: Vec<UsageEntry>,
    ) -> impl Future<Output = DomainResult<()>> + Send;

    /// One page of a connection's usage, newest first.
    fn list_usage(
        &self,
        connection_id: Uuid,
        page: &PageRequest,
    ) -> impl Future<Output = DomainResult<Vec<UsageEntry>>> + Send;

    /// Removes entries older than `before`; how many.
    fn purge_usage(&self, before: DateTime<Utc>) -> impl Future<Output = DomainResult<u64>> + Send;
}
