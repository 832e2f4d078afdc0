//! What requests, partnerships and grants are, as the domain sees them.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{documents::records::named_enum, mail::Language, organizations::policy::OrgRole};

named_enum! {
    /// Where an authorisation request stands.
    pub enum RequestStatus {
        /// Sent, not answered yet.
        Pending = "pending",
        /// The client accepted: a partnership exists.
        Accepted = "accepted",
        /// The client declined.
        Declined = "declined",
        /// The sender withdrew it before it was answered.
        Withdrawn = "withdrawn",
        /// Not answered within its lifetime.
        Expired = "expired",
    }
}

named_enum! {
    /// Whether a partnership still gives access.
    pub enum PartnershipStatus {
        Active = "active",
        /// Ended by either side: its grants and connection keys no longer work.
        Ended = "ended",
    }
}

named_enum! {
    /// Where a grant of access to a partner user stands.
    pub enum GrantStatus {
        /// Offered by the client; the partner user has not accepted yet.
        Offered = "offered",
        /// Accepted: the partner user acts on the organization with the granted role.
        Active = "active",
        /// Revoked by the client, or ended with the partnership.
        Revoked = "revoked",
    }
}

/// An authorisation request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnerRequest {
    pub id: Uuid,
    /// The accountant's environment, which sent it.
    pub requester_environment_id: Uuid,
    pub requester_environment_name: String,
    pub requested_by_name: String,
    pub requested_by_email: String,
    pub client_name: String,
    pub client_email: String,
    pub software: String,
    pub kvk_number: String,
    pub language: Language,
    /// As stored; see [`PartnerRequest::status_at`] for what it is now.
    pub status: RequestStatus,
    /// The client's environment, once a user of it opened the link.
    pub client_environment_id: Option<Uuid>,
    pub client_environment_name: Option<String>,
    pub partnership_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
    pub answered_by_email: Option<String>,
}

impl PartnerRequest {
    /// The status at `now`: a pending request past its expiry is expired, whether or not the
    /// periodic job has marked it yet.
    #[must_use]
    pub fn status_at(&self, now: DateTime<Utc>) -> RequestStatus {
        if self.status == RequestStatus::Pending && self.expires_at <= now {
            RequestStatus::Expired
        } else {
            self.status
        }
    }

    /// Whether `environment_id` is one of its two sides.
    #[must_use]
    pub fn involves(&self, environment_id: Uuid) -> bool {
        self.requester_environment_id == environment_id
            || self.client_environment_id == Some(environment_id)
    }
}

/// A new request as the store writes it.
#[derive(Debug, Clone)]
pub struct NewPartnerRequest {
    pub id: Uuid,
    pub requester_environment_id: Uuid,
    pub requester_environment_name: String,
    pub requested_by: Uuid,
    pub requested_by_name: String,
    pub requested_by_email: String,
    pub client_name: String,
    pub client_email: String,
    pub software: String,
    pub kvk_number: String,
    pub language: Language,
    pub token_hash: String,
    pub expires_at: DateTime<Utc>,
}

/// A partnership between an accountant's environment and a client's, for one organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partnership {
    pub id: Uuid,
    pub request_id: Uuid,
    /// The accountant's environment.
    pub partner_environment_id: Uuid,
    pub partner_environment_name: String,
    pub client_environment_id: Uuid,
    pub client_environment_name: String,
    pub organization_id: Uuid,
    pub organization_name: String,
    pub kvk_number: String,
    pub software: String,
    pub status: PartnershipStatus,
    pub created_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub ended_by_email: Option<String>,
}

impl Partnership {
    /// The other side's environment, as seen from `environment_id`.
    #[must_use]
    pub fn other_side(&self, environment_id: Uuid) -> Uuid {
        if self.partner_environment_id == environment_id {
            self.client_environment_id
        } else {
            self.partner_environment_id
        }
    }

    #[must_use]
    pub fn involves(&self, environment_id: Uuid) -> bool {
        self.partner_environment_id == environment_id
            || self.client_environment_id == environment_id
    }
}

/// Access to a client's organization for one user of the partner's environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnerGrant {
    pub id: Uuid,
    pub partnership_id: Uuid,
    pub organization_id: Uuid,
    pub organization_name: String,
    pub partner_environment_id: Uuid,
    pub partner_environment_name: String,
    pub client_environment_id: Uuid,
    pub user_id: Uuid,
    pub user_name: String,
    pub user_email: String,
    pub role: OrgRole,
    pub status: GrantStatus,
    pub offered_by_email: String,
    pub created_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A grant the store is to write: the partner user is looked up by address in the
/// partnership's partner environment.
#[derive(Debug, Clone)]
pub struct NewGrant {
    pub id: Uuid,
    pub partnership_id: Uuid,
    pub organization_id: Uuid,
    pub user_email: String,
    pub role: OrgRole,
    pub offered_by_email: String,
}

/// What an accepted grant in an active partnership gives a user on a client's organization:
/// the role, and the partnership it comes through (recorded on connection keys they create).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartnerAccess {
    pub role: OrgRole,
    pub partnership_id: Uuid,
    pub partner_environment_id: Uuid,
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;

    use super::*;

    fn request(status: RequestStatus, expires_at: DateTime<Utc>) -> PartnerRequest {
        PartnerRequest {
            id: Uuid::nil(),
            requester_environment_id: Uuid::from_u128(1),
            requester_environment_name: "Accountants".into(),
            requested_by_name: "Anna".into(),
            requested_by_email: "anna@accountants.example".into(),
            client_name: "Carl".into(),
            client_email: "carl@client.example".into(),
            software: "Ledger".into(),
            kvk_number: "90000016".into(),
            language: Language::En,
            status,
            client_environment_id: Some(Uuid::from_u128(2)),
            client_environment_name: None,
            partnership_id: None,
            created_at: expires_at - TimeDelta::days(14),
            expires_at,
            answered_at: None,
            answered_by_email: None,
        }
    }

    #[test]
    fn a_pending_request_past_its_expiry_is_expired_before_the_job_marks_it() {
        let now = Utc::now();
        assert_eq!(
            request(RequestStatus::Pending, now + TimeDelta::seconds(1)).status_at(now),
            RequestStatus::Pending
        );
        assert_eq!(
            request(RequestStatus::Pending, now).status_at(now),
            RequestStatus::Expired
        );
        // An answered request keeps its answer, however old.
        assert_eq!(
            request(RequestStatus::Declined, now - TimeDelta::days(1)).status_at(now),
            RequestStatus::Declined
        );
    }

    #[test]
    fn both_sides_and_no_third_are_involved() {
        let r = request(RequestStatus::Pending, Utc::now());
        assert!(r.involves(Uuid::from_u128(1)));
        assert!(r.involves(Uuid::from_u128(2)));
        assert!(!r.involves(Uuid::from_u128(3)));
    }
}
