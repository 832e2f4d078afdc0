//! Ports: hooks for the people and software that manage them, and their deliveries for the
//! job that sends them. Every change is one transaction with its audit event; whatever makes
//! a delivery pending also makes sure a delivery job for its hook exists.

use std::future::Future;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::records::{
    AttemptRecord, Delivery, Hook, HookChange, HookOwner, NewHook, NewHookEvent, SigningHook,
};
use crate::{accounts::records::NewAuditEvent, paging::PageRequest, DomainResult};

/// Port: hooks as their owners manage them.
pub trait HookAdmin: Send + Sync {
    /// Stores a new hook and its audit event.
    fn create_hook(
        &self,
        new: NewHook,
        audit: NewAuditEvent,
    ) -> impl Future<Output = DomainResult<Hook>> + Send;

    /// One page of an owner's hooks, newest first.
    fn list_hooks(
        &self,
        environment_id: Uuid,
        owner: &HookOwner,
        page: &PageRequest,
    ) -> impl Future<Output = DomainResult<Vec<Hook>>> + Send;

    /// A hook of the environment (the use case checks the owner).
    fn find_hook(
        &self,
        environment_id: Uuid,
        id: Uuid,
    ) -> impl Future<Output = DomainResult<Option<Hook>>> + Send;

    /// Applies the change with its audit event. Deliveries already pending stay and go to the
    /// hook's new target; switching a hook on again resumes them. `None`: it is gone.
    fn update_hook(
        &self,
        id: Uuid,
        change: HookChange,
        audit: NewAuditEvent,
    ) -> impl Future<Output = DomainResult<Option<Hook>>> + Send;

    /// Deletes the hook with its deliveries, and writes the audit event; `false`: it was gone.
    fn delete_hook(
        &self,
        id: Uuid,
        audit: NewAuditEvent,
    ) -> impl Future<Output = DomainResult<bool>> + Send;

    /// Makes `secret_sealed` the signing secret; the current one keeps signing until
    /// `previous_until` (or stops at once when `None`). `None`: the hook is gone.
    fn rotate_secret(
        &self,
        id: Uuid,
        secret_sealed: String,
        previous_until: Option<DateTime<Utc>>,
        audit: NewAuditEvent,
    ) -> impl Future<Output = DomainResult<Option<Hook>>> + Send;

    /// Writes `event` and a pending delivery of it to this hook only (a ping), with the audit
    /// event; returns the delivery's id.
    fn queue_single(
        &self,
        hook_id: Uuid,
        event: NewHookEvent,
        audit: NewAuditEvent,
    ) -> impl Future<Output = DomainResult<Uuid>> + Send;

    /// Queues the event of `delivery_id` to its hook once more, as a new delivery, with the
    /// audit event; `None` when that hook has no such delivery.
    fn redeliver(
        &self,
        hook_id: Uuid,
        delivery_id: Uuid,
        audit: NewAuditEvent,
    ) -> impl Future<Output = DomainResult<Option<Uuid>>> + Send;

    /// One page of a hook's deliveries with their attempts, newest first.
    fn list_deliveries(
        &self,
        hook_id: Uuid,
        page: &PageRequest,
    ) -> impl Future<Output = DomainResult<Vec<Delivery>>> + Send;
}

/// Port: what the delivery job needs.
pub trait HookDeliveries: Send + Sync {
    /// The hook with its sealed secrets; `None` once deleted.
    fn signing_hook(
        &self,
        id: Uuid,
    ) -> impl Future<Output = DomainResult<Option<SigningHook>>> + Send;

    /// The hook's oldest pending deliveries, oldest first, at most `limit` (without their
    /// attempt logs).
    fn next_pending(
        &self,
        hook_id: Uuid,
        limit: u32,
    ) -> impl Future<Output = DomainResult<Vec<Delivery>>> + Send;

    /// Writes attempts and their deliveries' new states (and the hook events they raise), all
    /// at once.
    fn record_attempts(
        &self,
        records: Vec<AttemptRecord>,
    ) -> impl Future<Output = DomainResult<()>> + Send;

    /// Ends the hook's delivery job when nothing is pending (or the hook is off): `true`.
    /// `false` when a delivery became pending meanwhile; the job goes on.
    fn finish_draining(&self, hook_id: Uuid) -> impl Future<Output = DomainResult<bool>> + Send;

    /// Queues the next delivery job of the hook for `at`; `key` makes a repeated call (a job
    /// run twice) queue it once.
    fn continue_draining(
        &self,
        hook_id: Uuid,
        at: DateTime<Utc>,
        key: String,
    ) -> impl Future<Output = DomainResult<()>> + Send;

    /// When the mail hooks (`mailto:` targets) of the environment made their attempts since
    /// `since`, newest first, at most `limit` of them: what the hourly mail limit counts.
    fn mail_attempts_since(
        &self,
        environment_id: Uuid,
        since: DateTime<Utc>,
        limit: u32,
    ) -> impl Future<Output = DomainResult<Vec<DateTime<Utc>>>> + Send;

    /// Removes finished deliveries (with their attempts) and events created before `before`;
    /// returns how many deliveries went.
    fn purge_deliveries(
        &self,
        before: DateTime<Utc>,
    ) -> impl Future<Output = DomainResult<u64>> + Send;
}

/// Port: writing a webhook event that no stored change carries (a document refused before
/// anything was stored); it is delivered like every other event.
pub trait HookEvents: Send + Sync {
    fn raise_event(&self, event: NewHookEvent) -> impl Future<Output = DomainResult<()>> + Send;
}
