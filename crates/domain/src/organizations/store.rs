//! Port: where organizations live. Each method is one transaction, including its audit event
//! and status-history entry.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{
    policy::OrgRole,
    records::{
        ActivationMethod, Address, Member, OrgEvent, OrgIdentifier, OrgStatus, Organization,
    },
};
use crate::{accounts::records::NewAuditEvent, mail::OutgoingMail, DomainResult};

#[derive(Debug, Clone)]
pub struct NewOrganization {
    pub statutory_name: String,
    pub trade_names: Vec<String>,
    pub address: Address,
    pub country: String,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub kvk_number: Option<String>,
    pub register_snapshot: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewIdentifier {
    pub kind: String,
    pub scheme: String,
    pub value: String,
}

#[derive(Debug, Clone, Default)]
pub struct OrganizationChange {
    pub statutory_name: Option<String>,
    pub trade_names: Option<Vec<String>>,
    pub address: Option<Address>,
    pub contact_name: Option<Option<String>>,
    pub contact_email: Option<Option<String>>,
    /// Listed in the Peppol Directory.
    pub directory_listed: Option<bool>,
    /// The invoice document types it receives over Peppol (and here).
    pub document_types: Option<Vec<crate::peppol::document_types::InvoiceDocumentType>>,
    /// Its additions to the Peppol Directory business card.
    pub directory_details: Option<crate::peppol::directory_details::DirectoryDetails>,
}

/// A step to record in the status history.
#[derive(Debug, Clone)]
pub struct NewOrgEvent {
    pub event: super::records::OrgEventKind,
    pub actor_email: Option<String>,
    pub note: Option<String>,
}

/// The outcome of entering an activation code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeOutcome {
    Activated(Box<Organization>),
    Wrong { attempts_left: u32 },
    Expired,
    NoCodePending,
}

/// The conflict when an environment already has `limit` organizations.
#[must_use]
pub fn organization_limit_reached(limit: u64) -> crate::DomainError {
    crate::DomainError::conflict(crate::ConflictCode::OrganizationLimitReached, format!(
        "Your environment has reached its limit of {limit} organizations; remove one or ask your provider to raise the limit."
    ))
}

/// Most activation codes one request may try.
pub const MAX_CODE_ATTEMPTS: u32 = 5;

#[allow(async_fn_in_trait)]
pub trait OrganizationStore {
    async fn count_organizations(&self, environment_id: Uuid) -> DomainResult<u64>;
    /// Creates the organization with its identifiers; the creator becomes its Organization
    /// Administrator. `Conflict` when the environment already has this KvK number or already
    /// has `limit` organizations (checked in the same transaction as the insert).
    #[allow(clippy::too_many_arguments)] // one atomic unit: everything it writes comes in
    async fn create_organization(
        &self,
        environment_id: Uuid,
        creator_id: Uuid,
        limit: u64,
        organization: NewOrganization,
        identifiers: Vec<NewIdentifier>,
        event: NewOrgEvent,
        audit: NewAuditEvent,
    ) -> DomainResult<Organization>;
    /// Organizations of the environment with the user's membership role; `all` lists every one
    /// (environment Administrators), otherwise only those the user is a member of.
    async fn list_organizations(
        &self,
        environment_id: Uuid,
        user_id: Uuid,
        all: bool,
    ) -> DomainResult<Vec<(Organization, Option<OrgRole>)>>;
    /// One page of [`OrganizationStore::list_organizations`], by (statutory name, id).
    async fn list_organizations_page(
        &self,
        environment_id: Uuid,
        user_id: Uuid,
        all: bool,
        page: &crate::paging::NamePage,
    ) -> DomainResult<Vec<(Organization, Option<OrgRole>)>>;
    async fn find_organization(
        &self,
        environment_id: Uuid,
        organization_id: Uuid,
    ) -> DomainResult<Option<Organization>>;
    async fn membership(
        &self,
        organization_id: Uuid,
        user_id: Uuid,
    ) -> DomainResult<Option<OrgRole>>;
    /// [`OrganizationStore::find_organization`] with the user's membership role in it, in one
    /// read: every organization-scoped request asks both.
    async fn find_organization_with_role(
        &self,
        environment_id: Uuid,
        organization_id: Uuid,
        user_id: Uuid,
    ) -> DomainResult<Option<(Organization, Option<OrgRole>)>>;
    /// The access a user of `environment_id` has to another environment's organization
    /// through an accepted grant in an active partnership, if any.
    async fn partner_access(
        &self,
        user_id: Uuid,
        environment_id: Uuid,
        organization_id: Uuid,
    ) -> DomainResult<Option<crate::partners::PartnerAccess>>;
    /// The other environments' organizations a user of `environment_id` reaches through
    /// accepted grants in active partnerships, with that access.
    async fn partner_organizations(
        &self,
        user_id: Uuid,
        environment_id: Uuid,
    ) -> DomainResult<Vec<(Organization, crate::partners::PartnerAccess)>>;
    async fn update_organization(
        &self,
        organization_id: Uuid,
        change: OrganizationChange,
        audit: NewAuditEvent,
    ) -> DomainResult<Organization>;

    async fn list_identifiers(&self, organization_id: Uuid) -> DomainResult<Vec<OrgIdentifier>>;
    /// Adds an identifier; on an active organization it is registered at once (`Conflict` when
    /// another organization holds the participant id).
    async fn add_identifier(
        &self,
        organization_id: Uuid,
        identifier: NewIdentifier,
        audit: NewAuditEvent,
    ) -> DomainResult<OrgIdentifier>;
    async fn remove_identifier(
        &self,
        organization_id: Uuid,
        identifier_id: Uuid,
        audit: NewAuditEvent,
    ) -> DomainResult<()>;
    async fn set_identifier_switches(
        &self,
        organization_id: Uuid,
        identifier_id: Uuid,
        send: Option<bool>,
        receive: Option<bool>,
        audit: NewAuditEvent,
    ) -> DomainResult<OrgIdentifier>;

    /// Moves to `ActivationRequested` with this method; for codes, stores the code's hash and
    /// queues the mail.
    async fn request_activation(
        &self,
        organization_id: Uuid,
        method: ActivationMethod,
        code: Option<(String, DateTime<Utc>)>,
        mail: Option<OutgoingMail>,
        event: NewOrgEvent,
        audit: NewAuditEvent,
    ) -> DomainResult<Organization>;
    async fn enter_activation_code(
        &self,
        organization_id: Uuid,
        code_hash: &str,
        now: DateTime<Utc>,
        event: NewOrgEvent,
        audit: NewAuditEvent,
    ) -> DomainResult<CodeOutcome>;
    /// Activates (operator approval): registers every identifier as a participant id.
    async fn activate(
        &self,
        organization_id: Uuid,
        event: NewOrgEvent,
        audit: NewAuditEvent,
    ) -> DomainResult<Organization>;
    /// Back to `Added` (operator rejection), with the reason in the history.
    async fn reject_activation(
        &self,
        organization_id: Uuid,
        event: NewOrgEvent,
        audit: NewAuditEvent,
    ) -> DomainResult<Organization>;
    /// Deactivates or suspends: every Send/Receive switch goes off and participant ids are freed.
    async fn stop_organization(
        &self,
        organization_id: Uuid,
        status: OrgStatus,
        event: NewOrgEvent,
        audit: NewAuditEvent,
    ) -> DomainResult<Organization>;
    async fn list_events(&self, organization_id: Uuid) -> DomainResult<Vec<OrgEvent>>;
    /// One page of the status history, newest first.
    async fn list_events_page(
        &self,
        organization_id: Uuid,
        page: &crate::paging::PageRequest,
    ) -> DomainResult<Vec<OrgEvent>>;
    /// Organizations waiting for operator review, across environments, longest waiting first
    /// (by the time of their last change, then id).
    async fn review_queue(
        &self,
        page: &crate::paging::PageRequest,
    ) -> DomainResult<Vec<Organization>>;
    /// Any organization, for operators.
    async fn find_organization_anywhere(
        &self,
        organization_id: Uuid,
    ) -> DomainResult<Option<Organization>>;

    async fn list_members(&self, organization_id: Uuid) -> DomainResult<Vec<Member>>;
    /// Adds a user of the same environment. `Conflict` when already a member.
    async fn add_member(
        &self,
        environment_id: Uuid,
        organization_id: Uuid,
        user_id: Uuid,
        role: OrgRole,
        audit: NewAuditEvent,
    ) -> DomainResult<Member>;
    async fn change_member(
        &self,
        organization_id: Uuid,
        user_id: Uuid,
        role: OrgRole,
        audit: NewAuditEvent,
    ) -> DomainResult<Member>;
    async fn remove_member(
        &self,
        organization_id: Uuid,
        user_id: Uuid,
        audit: NewAuditEvent,
    ) -> DomainResult<()>;
}
