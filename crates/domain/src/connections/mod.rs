//! Connection keys: how accounting software reaches the API for one organization.
//!
//! An Organization Administrator creates a *connection* for a named software package: a public
//! client id and a secret that is shown once (only its SHA-256 is stored), with a set of
//! [`Scope`]s. The software trades the pair for a one-hour bearer token at `POST
//! /connect/token` ([`service::authenticate_client`]); with it, it acts for the participant
//! ids of that organization within those scopes ([`policy`]), and nowhere else. A revoked or
//! deleted connection, or one whose secret was regenerated, stops working on the next request.

pub mod policy;
pub mod records;
pub mod service;
pub mod store;

pub use policy::PartyAction;
pub use records::{Connection, ConnectionGrant, ConnectionStatus, Scope};
