//! The two `SmpLocator` adapters: through the SML and the participant's SMP (the network),
//! and a static map from configuration (local installations, tests).

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

use chrono::Utc;
use haven_domain::peppol::discovery::{EndpointQuery, LocateError, PeppolEndpoint, SmpLocator};

use crate::{
    identifiers::{DocumentTypeIdentifier, ParticipantIdentifier, ProcessIdentifier},
    sml::Sml,
    smp::SmpClient,
};

/// The identifiers of a query, checked by the Peppol policy.
struct Checked {
    participant: ParticipantIdentifier,
    document_type: DocumentTypeIdentifier,
    process: ProcessIdentifier,
}

fn check(query: &EndpointQuery) -> Result<Checked, LocateError> {
    let invalid = |e: crate::identifiers::IdentifierError| LocateError::InvalidQuery(e.to_string());
    Ok(Checked {
        participant: ParticipantIdentifier::parse(&query.participant).map_err(invalid)?,
        document_type: DocumentTypeIdentifier::parse(&query.document_type).map_err(invalid)?,
        process: ProcessIdentifier::parse(&query.process).map_err(invalid)?,
    })
}

/// When an answer was got, and the answer.
type Cached = (Instant, Result<PeppolEndpoint, LocateError>);

type CacheKey = (
    ParticipantIdentifier,
    DocumentTypeIdentifier,
    ProcessIdentifier,
);

/// The network: the SML names the SMP, the SMP names the endpoint. Answers ("found" and "not
/// registered") are kept for a while; failures are not, so the next try asks again.
pub struct NetworkLocator {
    sml: Sml,
    smp: SmpClient,
    ttl: Duration,
    cache: Mutex<HashMap<CacheKey, Cached>>,
}

impl NetworkLocator {
    /// The SMP client's trust anchors, shared (see [`SmpClient::anchors`]).
    #[must_use]
    pub fn smp_anchors(&self) -> crate::rollover::Swappable<crate::xmldsig::TrustAnchors> {
        self.smp.anchors()
    }

    #[must_use]
    pub fn new(sml: Sml, smp: SmpClient, ttl: Duration) -> Self {
        Self {
            sml,
            smp,
            ttl,
            cache: Mutex::new(HashMap::new()),
        }
    }

    fn cached(&self, key: &CacheKey) -> Option<Result<PeppolEndpoint, LocateError>> {
        let cache = self.cache.lock().ok()?;
        cache
            .get(key)
            .filter(|(at, _)| at.elapsed() < self.ttl)
            .map(|(_, answer)| answer.clone())
    }

    fn remember(&self, key: CacheKey, answer: &Result<PeppolEndpoint, LocateError>) {
        if matches!(answer, Err(LocateError::Failed(_))) || self.ttl.is_zero() {
            return;
        }
        if let Ok(mut cache) = self.cache.lock() {
            cache.retain(|_, (at, _)| at.elapsed() < self.ttl);
            cache.insert(key, (Instant::now(), answer.clone()));
        }
    }
}

impl SmpLocator for NetworkLocator {
    #[tracing::instrument(name = "peppol.find_endpoint", skip(self, query), fields(participant = %query.participant))]
    async fn find_endpoint(&self, query: &EndpointQuery) -> Result<PeppolEndpoint, LocateError> {
        let ids = check(query)?;
        let key = (
            ids.participant.clone(),
            ids.document_type.clone(),
            ids.process.clone(),
        );
        if let Some(answer) = self.cached(&key) {
            return answer;
        }
        let answer = async {
            let smp = self.sml.smp_url(&ids.participant).await?;
            self.smp
                .endpoint(
                    &smp,
                    &ids.participant,
                    &ids.document_type,
                    &ids.process,
                    Utc::now(),
                )
                .await
        }
        .await;
        self.remember(key, &answer);
        answer
    }
}

/// A fixed map from participant to endpoint, whatever the document type and process: for an
/// installation that exchanges with known access points only, and for tests.
#[derive(Debug, Clone, Default)]
pub struct StaticLocator {
    endpoints: HashMap<ParticipantIdentifier, PeppolEndpoint>,
}

impl StaticLocator {
    #[must_use]
    pub fn new(endpoints: HashMap<ParticipantIdentifier, PeppolEndpoint>) -> Self {
        Self { endpoints }
    }

    #[must_use]
    pub fn len(&self) -> usize {
        self.endpoints.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.endpoints.is_empty()
    }
}

impl SmpLocator for StaticLocator {
    async fn find_endpoint(&self, query: &EndpointQuery) -> Result<PeppolEndpoint, LocateError> {
        let ids = check(query)?;
        self.endpoints
            .get(&ids.participant)
            .cloned()
            .ok_or_else(|| {
                LocateError::NotRegistered(format!(
                    "{} is not in the configured Peppol endpoints",
                    ids.participant
                ))
            })
    }
}
