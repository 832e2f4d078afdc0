//! Building the configured `SmpLocator` from settings, checking them on the way so that a bad
//! value stops the start with a sentence rather than failing at the first delivery.

use std::{
    collections::HashMap,
    net::SocketAddr,
    path::{Path, PathBuf},
    sync::Arc,
    time::Duration,
};

use haven_domain::peppol::discovery::{EndpointQuery, LocateError, PeppolEndpoint, SmpLocator};
use x509_parser::pem::Pem;

use crate::{
    http::HostRules,
    identifiers::{ParticipantIdentifier, TRANSPORT_PROFILE_AS4},
    locator::{NetworkLocator, StaticLocator},
    revocation::RevocationChecker,
    sml::{DnsTiming, Sml, PRODUCTION_ZONE, TEST_ZONE},
    smp::SmpClient,
    xmldsig::TrustAnchors,
};

/// Which locator to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocatorKind {
    /// No discovery: Peppol is not set up.
    None,
    /// SML (DNS) and SMP.
    Network,
    /// The configured map.
    Static,
}

impl LocatorKind {
    /// # Errors
    /// For a name other than `none`, `sml` or `static`.
    pub fn parse(text: &str) -> Result<Self, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "" | "none" => Ok(Self::None),
            "sml" => Ok(Self::Network),
            "static" => Ok(Self::Static),
            other => Err(format!(
                "{other:?} is not a Peppol locator: use none, sml or static"
            )),
        }
    }
}

/// The SML DNS zone: `production`, `test`, or a zone name (a local SML).
///
/// # Errors
/// When the text is not a DNS name.
pub fn parse_zone(text: &str) -> Result<String, String> {
    let text = text.trim().trim_end_matches('.').to_ascii_lowercase();
    match text.as_str() {
        "production" => Ok(PRODUCTION_ZONE.to_owned()),
        "test" => Ok(TEST_ZONE.to_owned()),
        zone => {
            let labels_ok = !zone.is_empty()
                && zone.split('.').all(|l| {
                    !l.is_empty()
                        && l.len() <= 63
                        && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                });
            if labels_ok {
                Ok(zone.to_owned())
            } else {
                Err(format!(
                    "{zone:?} is not an SML zone: use production, test or a DNS name"
                ))
            }
        }
    }
}

/// Comma-separated `address:port` name servers; empty for the system's resolver.
///
/// # Errors
/// For an entry that is not an address with a port.
pub fn parse_dns_servers(text: &str) -> Result<Vec<SocketAddr>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<SocketAddr>().map_err(|_| {
                format!("{s:?} is not a name server address with port, e.g. 127.0.0.1:53")
            })
        })
        .collect()
}

/// Comma-separated entries `participant url certificate-file`, e.g.
/// `0106:12345678 https://ap.example/as4 /etc/haven/ap.pem`; the participant with or without
/// its scheme. Each certificate file holds the access point's certificate in PEM (first
/// block) or DER.
///
/// # Errors
/// For an entry with a bad participant, URL or certificate.
pub fn parse_static_endpoints(
    text: &str,
) -> Result<HashMap<ParticipantIdentifier, PeppolEndpoint>, String> {
    let mut endpoints = HashMap::new();
    for entry in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let parts: Vec<&str> = entry.split_whitespace().collect();
        let [participant, url, certificate] = parts.as_slice() else {
            return Err(format!(
                "{entry:?}: an entry is a participant, a URL and a certificate file, separated by spaces"
            ));
        };
        let participant = if participant.contains("::") {
            ParticipantIdentifier::parse(participant)
        } else {
            ParticipantIdentifier::from_value(participant)
        }
        .map_err(|e| format!("{entry:?}: {e}"))?;
        let parsed =
            reqwest::Url::parse(url).map_err(|_| format!("{entry:?}: {url} is not a URL"))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(format!("{entry:?}: {url} is not an http(s) URL"));
        }
        let certificate =
            read_certificate(Path::new(certificate)).map_err(|e| format!("{entry:?}: {e}"))?;
        if endpoints
            .insert(
                participant.clone(),
                PeppolEndpoint {
                    url: (*url).to_owned(),
                    transport_profile: TRANSPORT_PROFILE_AS4.to_owned(),
                    certificate,
                },
            )
            .is_some()
        {
            return Err(format!("{participant} is listed twice"));
        }
    }
    Ok(endpoints)
}

fn read_certificate(path: &Path) -> Result<Vec<u8>, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let der = match Pem::iter_from_buffer(&bytes).next() {
        Some(Ok(pem)) => pem.contents,
        _ => bytes,
    };
    use x509_parser::prelude::FromDer;
    x509_parser::certificate::X509Certificate::from_der(&der)
        .map_err(|_| format!("{} holds no X.509 certificate", path.display()))?;
    Ok(der)
}

/// Everything discovery needs, from the settings.
#[derive(Debug, Clone)]
pub struct DiscoverySettings {
    pub locator: LocatorKind,
    /// The SML zone (already resolved from `production`/`test`).
    pub zone: String,
    /// Name servers to ask; empty for the system's.
    pub dns_servers: Vec<SocketAddr>,
    pub dns_timeout: Duration,
    /// PEM file with the certificates SMP signatures must chain to (the Peppol SMP CA).
    pub smp_trust_file: Option<PathBuf>,
    /// Hosts an SMP may be reached at over plain http and at internal addresses.
    pub smp_insecure_hosts: Vec<String>,
    /// How long answers are kept.
    pub cache_ttl: Duration,
    /// For the static locator.
    pub static_endpoints: String,
}

/// The configured locator.
pub enum Locator {
    Network(Box<NetworkLocator>),
    Static(StaticLocator),
}

impl SmpLocator for Locator {
    async fn find_endpoint(&self, query: &EndpointQuery) -> Result<PeppolEndpoint, LocateError> {
        match self {
            Self::Network(l) => l.find_endpoint(query).await,
            Self::Static(l) => l.find_endpoint(query).await,
        }
    }
}

impl DiscoverySettings {
    /// The locator these settings describe; `None` when discovery is off. With `revocation`,
    /// the network locator checks SMP certificates for revocation too.
    ///
    /// # Errors
    /// A sentence naming the setting that is wrong.
    pub fn build(
        &self,
        revocation: Option<Arc<RevocationChecker>>,
    ) -> Result<Option<Locator>, String> {
        match self.locator {
            LocatorKind::None => Ok(None),
            LocatorKind::Static => {
                let endpoints = parse_static_endpoints(&self.static_endpoints)
                    .map_err(|e| format!("peppol_static_endpoints: {e}"))?;
                Ok(Some(Locator::Static(StaticLocator::new(endpoints))))
            }
            LocatorKind::Network => {
                let path = self.smp_trust_file.as_ref().ok_or(
                    "peppol_smp_trust_file: the sml locator needs the SMP CA certificates to check SMP signatures",
                )?;
                let pem = std::fs::read(path).map_err(|e| {
                    format!("peppol_smp_trust_file: cannot read {}: {e}", path.display())
                })?;
                let anchors = TrustAnchors::from_pem(&pem)
                    .map_err(|e| format!("peppol_smp_trust_file: {}: {e}", path.display()))?;
                let timing = DnsTiming {
                    timeout: self.dns_timeout,
                    attempts: 2,
                };
                let sml = if self.dns_servers.is_empty() {
                    Sml::with_system_resolver(&self.zone, timing)
                } else {
                    Sml::with_name_servers(&self.zone, &self.dns_servers, timing)
                }
                .map_err(|e| format!("peppol_dns_servers: {e}"))?;
                let rules = HostRules {
                    insecure_hosts: self.smp_insecure_hosts.clone(),
                };
                let mut smp = SmpClient::new(anchors, rules)?;
                if let Some(checker) = revocation {
                    smp = smp.with_revocation(checker);
                }
                Ok(Some(Locator::Network(Box::new(NetworkLocator::new(
                    sml,
                    smp,
                    self.cache_ttl,
                )))))
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn zones_have_names_for_the_two_networks_and_take_a_local_one() {
        assert_eq!(parse_zone("production").unwrap(), PRODUCTION_ZONE);
        assert_eq!(parse_zone(" TEST ").unwrap(), TEST_ZONE);
        assert_eq!(parse_zone("sml.local.").unwrap(), "sml.local");
        assert!(parse_zone("").is_err());
        assert!(parse_zone("bad zone").is_err());
        assert!(parse_zone("a..b").is_err());
    }

    #[test]
    fn locators_and_name_servers_parse_or_say_what_is_wrong() {
        assert_eq!(LocatorKind::parse("").unwrap(), LocatorKind::None);
        assert_eq!(LocatorKind::parse("SML").unwrap(), LocatorKind::Network);
        assert_eq!(LocatorKind::parse("static").unwrap(), LocatorKind::Static);
        assert!(LocatorKind::parse("dns").is_err());
        assert_eq!(
            parse_dns_servers("127.0.0.1:5353, [::1]:53").unwrap().len(),
            2
        );
        assert!(parse_dns_servers("").unwrap().is_empty());
        assert!(parse_dns_servers("127.0.0.1").is_err());
    }

    #[test]
    fn static_entries_need_a_participant_a_url_and_a_certificate() {
        assert!(parse_static_endpoints("").unwrap().is_empty());
        assert!(parse_static_endpoints("0106:12345678 https://ap.example").is_err());
        assert!(parse_static_endpoints("0106:1234 5678 https://ap.example /x.pem").is_err());
        let missing = parse_static_endpoints("0106:12345678 https://ap.example /nonexistent.pem");
        assert!(missing.unwrap_err().contains("cannot read"));
        assert!(parse_static_endpoints("0106:12345678 ftp://ap.example /x.pem").is_err());
    }

    #[test]
    fn the_network_locator_needs_a_trust_file() {
        let settings = DiscoverySettings {
            locator: LocatorKind::Network,
            zone: TEST_ZONE.into(),
            dns_servers: vec![],
            dns_timeout: Duration::from_secs(1),
            smp_trust_file: None,
            smp_insecure_hosts: vec![],
            cache_ttl: Duration::from_secs(60),
            static_endpoints: String::new(),
        };
        assert!(settings
            .build(None)
            .err()
            .unwrap()
            .contains("peppol_smp_trust_file"));
        let off = DiscoverySettings {
            locator: LocatorKind::None,
            ..settings
        };
        assert!(off.build(None).unwrap().is_none());
    }
}
