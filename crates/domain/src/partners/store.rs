//! Port: requests, partnerships and grants. Every change is one transaction with its audit
//! events (one per environment involved) and, for a new request, its email; a change that
//! depends on a status is a conditional write whose row count is the answer, so of two
//! concurrent answers exactly one wins.

use std::future::Future;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::records::{NewGrant, NewPartnerRequest, PartnerGrant, PartnerRequest, Partnership};
use crate::{
    accounts::records::NewAuditEvent, mail::OutgoingMail, organizations::records::Organization,
    paging::PageRequest, DomainResult,
};

/// Which of an environment's requests to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestSide {
    /// Those it sent.
    Sent,
    /// Those sent to it (opened by one of its users).
    Received,
}

/// How a pending request is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Decline,
    Withdraw,
    Expire,
}

/// Port: partners.
pub trait PartnerStore: Send + Sync {
    /// Stores a pending request, queues its email and records the audit event.
    fn create_request(
        &self,
        new: NewPartnerRequest,
        mail: OutgoingMail,
        audit: NewAuditEvent,
    ) -> impl Future<Output = DomainResult<PartnerRequest>> + Send;

    fn find_request(
        &self,
        id: Uuid,
    ) -> impl Future<Output = DomainResult<Option<PartnerRequest>>> + Send;

    /// The request whose link token has this hash.
    fn find_request_by_token(
        &self,
        token_hash: &str,
    ) -> impl Future<Output = DomainResult<Option<PartnerRequest>>> + Send;

    /// One page of an environment's sent or received requests, newest first.
    fn list_requests(
        &self,
        side: RequestSide,
        environment_id: Uuid,
        page: &PageRequest,
    ) -> impl Future<Output = DomainResult<Vec<PartnerRequest>>> + Send;

    /// Ties a request nobody opened yet to the client's environment, with the audit events;
    /// `false` when another environment was first.
    fn claim_request(
        &self,
        id: Uuid,
        client_environment_id: Uuid,
        client_environment_name: &str,
        audits: Vec<NewAuditEvent>,
    ) -> impl Future<Output = DomainResult<bool>> + Send;

    /// Pending and unexpired at `now` → accepted, and the partnership for `organization`
    /// created, with the audit events; `None` when the request was no longer pending.
    fn accept_request(
        &self,
        id: Uuid,
        organization: &Organization,
        now: DateTime<Utc>,
        answered_by_email: &str,
        audits: Vec<NewAuditEvent>,
    ) -> impl Future<Output = DomainResult<Option<Partnership>>> + Send;

    /// Pending (and for decline and withdraw, unexpired at `now`) → declined, withdrawn or
    /// expired, with the audit events; `None` when it was no longer pending.
    fn close_request(
        &self,
        id: Uuid,
        answer: Answer,
        now: DateTime<Utc>,
        by_email: Option<&str>,
        audits: Vec<NewAuditEvent>,
    ) -> impl Future<Output = DomainResult<Option<PartnerRequest>>> + Send;

    /// Pending requests past their expiry (at most `limit`), for the periodic job.
    fn requests_due_for_expiry(
        &self,
        now: DateTime<Utc>,
        limit: u64,
    ) -> impl Future<Output = DomainResult<Vec<PartnerRequest>>> + Send;

    /// The organization with this KvK number in the environment, if any.
    fn organization_by_kvk(
        &self,
        environment_id: Uuid,
        kvk_number: &str,
    ) -> impl Future<Output = DomainResult<Option<Organization>>> + Send;

    fn find_partnership(
        &self,
        id: Uuid,
    ) -> impl Future<Output = DomainResult<Option<Partnership>>> + Send;

    /// One page of the partnerships an environment is a side of, newest first.
    fn list_partnerships(
        &self,
        environment_id: Uuid,
        page: &PageRequest,
    ) -> impl Future<Output = DomainResult<Vec<Partnership>>> + Send;

    /// Active → ended; in the same transaction its live grants are revoked and the
    /// connection keys created through it revoked. `None` when it was not active.
    fn end_partnership(
        &self,
        id: Uuid,
        now: DateTime<Utc>,
        by_email: &str,
        audits: Vec<NewAuditEvent>,
    ) -> impl Future<Output = DomainResult<Option<Partnership>>> + Send;

    /// Offers a grant to the user of the partnership's partner environment with this
    /// address. `NotFound` (entity `user`) when there is none; `Conflict` when the user
    /// already has a live grant on the organization; `None` when the partnership is no
    /// longer active.
    fn offer_grant(
        &self,
        new: NewGrant,
        audits: Vec<NewAuditEvent>,
    ) -> impl Future<Output = DomainResult<Option<PartnerGrant>>> + Send;

    fn find_grant(
        &self,
        id: Uuid,
    ) -> impl Future<Output = DomainResult<Option<PartnerGrant>>> + Send;

    /// One page of an organization's grants, newest first.
    fn list_organization_grants(
        &self,
        organization_id: Uuid,
        page: &PageRequest,
    ) -> impl Future<Output = DomainResult<Vec<PartnerGrant>>> + Send;

    /// One page of a user's grants, newest first.
    fn list_user_grants(
        &self,
        user_id: Uuid,
        page: &PageRequest,
    ) -> impl Future<Output = DomainResult<Vec<PartnerGrant>>> + Send;

    /// Offered → active while the partnership is active; `None` otherwise.
    fn accept_grant(
        &self,
        id: Uuid,
        now: DateTime<Utc>,
        audits: Vec<NewAuditEvent>,
    ) -> impl Future<Output = DomainResult<Option<PartnerGrant>>> + Send;

    /// Offered or active → revoked; `None` when it was already revoked.
    fn revoke_grant(
        &self,
        id: Uuid,
        now: DateTime<Utc>,
        audits: Vec<NewAuditEvent>,
    ) -> impl Future<Output = DomainResult<Option<PartnerGrant>>> + Send;
}
