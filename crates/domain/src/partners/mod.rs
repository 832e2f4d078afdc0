//! Partners: accountants and other intermediaries acting for their clients.
//!
//! An environment's relationship manager sends an *authorisation request* to a client (name,
//! email, software package, the organization's KvK number). The client opens the emailed link
//! (registering first if they are new), which ties the request to their environment, and
//! accepts or declines. Accepting creates a *partnership* between the two environments for
//! that organization. In it, the client's Organization Administrators offer *grants* to
//! users of the partner's environment (Member or Organization Administrator); once the user
//! accepts, `organizations::service::authorize` lets them act on the organization with that
//! role. Either side can end the partnership: every grant and every connection key created
//! through it stops on the next request.

pub mod records;
pub mod service;
pub mod store;

pub use records::{
    GrantStatus, PartnerAccess, PartnerGrant, PartnerRequest, Partnership, PartnershipStatus,
    RequestStatus,
};
