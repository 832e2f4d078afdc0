//! Finding where a participant receives a document: the `SmpLocator` port.

use std::future::Future;

/// What a sender asks the network: where does this participant receive this document type in
/// this process? Each part is written `scheme::value`
/// (`iso6523-actorid-upis::0106:12345678`, `busdox-docid-qns::…`, `cenbii-procid-ubl::…`);
/// the adapter checks them by the Peppol identifier policy.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EndpointQuery {
    pub participant: String,
    pub document_type: String,
    pub process: String,
}

/// The access point that receives for the participant, as its SMP publishes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeppolEndpoint {
    /// The AS4 URL of the receiving access point.
    pub url: String,
    /// The transport profile the endpoint was chosen for (`peppol-transport-as4-v2_0`).
    pub transport_profile: String,
    /// The receiving access point's certificate (DER), which messages are encrypted to.
    pub certificate: Vec<u8>,
}

/// Why no endpoint came back. The two cases are kept apart because a sender acts differently:
/// "not registered" is an answer (try another channel, tell the user), "lookup failed" is a
/// failure (try again later).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LocateError {
    /// The participant is not in the network, or publishes no usable endpoint for this document
    /// type, process and transport profile (NXDOMAIN/NODATA, SMP 404, no active endpoint).
    #[error("not registered: {0}")]
    NotRegistered(String),
    /// The query itself is not a valid Peppol identifier triple.
    #[error("invalid query: {0}")]
    InvalidQuery(String),
    /// The lookup could not be completed (DNS SERVFAIL or time-out, SMP 5xx or time-out, an
    /// SMP answer that is malformed or not signed by a trusted SMP certificate).
    #[error("lookup failed: {0}")]
    Failed(String),
}

/// Finds the endpoint for a participant, document type and process. Implemented by
/// `haven_peppol` twice: through the SML (DNS) and the participant's SMP, and as a static map
/// from configuration for local installations and tests.
pub trait SmpLocator: Send + Sync {
    fn find_endpoint(
        &self,
        query: &EndpointQuery,
    ) -> impl Future<Output = Result<PeppolEndpoint, LocateError>> + Send;
}
