//! SML discovery: which SMP publishes a participant, found in DNS by U-NAPTR (PFUOI 4.4
//! policy 7, SML 1.3): the SHA-256/Base32 name of the participant value under the scheme and
//! the network's zone, a NAPTR record with flag `U` and service `Meta:SMP`, and its
//! replace-everything regular expression giving the SMP's base URL. The legacy MD5/CNAME
//! names are forbidden since 2025-11-01 and are not looked up.

use std::{net::SocketAddr, time::Duration};

use data_encoding::BASE32_NOPAD;
use haven_domain::peppol::discovery::LocateError;
use hickory_resolver::{
    config::{ConnectionConfig, NameServerConfig, ResolverConfig, ResolverOpts},
    net::runtime::TokioRuntimeProvider,
    proto::rr::{Name, RData, RecordType},
    TokioResolver,
};
use sha2::{Digest, Sha256};

use crate::identifiers::ParticipantIdentifier;

/// The DNS zone of the Peppol production SML.
pub const PRODUCTION_ZONE: &str = "participant.sml.prod.tech.peppol.org";
/// The DNS zone of the Peppol test SML.
pub const TEST_ZONE: &str = "participant.sml.test.tech.peppol.org";

/// The service of the NAPTR records that point at an SMP.
pub const SMP_SERVICE: &str = "Meta:SMP";

/// The DNS name of a participant in an SML zone: the lower-case, unpadded Base32 of the
/// SHA-256 of the lower-case value (scheme excluded), then the scheme, then the zone.
#[must_use]
pub fn participant_hostname(participant: &ParticipantIdentifier, zone: &str) -> String {
    let digest = Sha256::digest(participant.value().to_lowercase().as_bytes());
    let label = BASE32_NOPAD.encode(&digest).to_ascii_lowercase();
    format!(
        "{label}.{}.{}",
        participant.scheme().to_ascii_lowercase(),
        zone.trim_end_matches('.').to_ascii_lowercase()
    )
}

/// One NAPTR record as read from DNS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Naptr {
    pub order: u16,
    pub preference: u16,
    pub flags: String,
    pub services: String,
    pub regexp: String,
    pub replacement: String,
}

/// The SMP base URL from a participant's NAPTR records: records with flag `U` and service
/// `Meta:SMP` in order, then preference; the first whose regular expression is the
/// replace-everything form gives the URL (without a trailing `/`). `None` when no record
/// qualifies.
#[must_use]
pub fn smp_url_from_records(records: &[Naptr]) -> Option<String> {
    let mut usable: Vec<&Naptr> = records
        .iter()
        .filter(|r| {
            r.flags.eq_ignore_ascii_case("U") && r.services.eq_ignore_ascii_case(SMP_SERVICE)
        })
        .collect();
    usable.sort_by_key(|r| (r.order, r.preference));
    usable
        .into_iter()
        .find_map(|r| replace_everything(&r.regexp))
        .map(|url| url.trim_end_matches('/').to_owned())
}

/// Applies a U-NAPTR regular expression. RFC 4848 allows only expressions that match the
/// whole input and replace it with a fixed URI (`!^.*$!https://smp.example!`), so only that
/// form is understood: any delimiter, the pattern `.*` or `^.*$`, a replacement without
/// back-references that is an http(s) URL, and no flags but `i`. Everything else is refused.
#[must_use]
pub fn replace_everything(regexp: &str) -> Option<String> {
    let delimiter = regexp.chars().next()?;
    if delimiter.is_ascii_alphanumeric() || delimiter == '\\' {
        return None;
    }
    let parts: Vec<&str> = regexp[delimiter.len_utf8()..].split(delimiter).collect();
    let [pattern, replacement, flags] = parts.as_slice() else {
        return None;
    };
    if !matches!(*pattern, ".*" | "^.*$") || !(flags.is_empty() || *flags == "i") {
        return None;
    }
    let lower = replacement.to_ascii_lowercase();
    let is_url = lower.starts_with("https://") || lower.starts_with("http://");
    if !is_url || replacement.contains('\\') || replacement.chars().any(char::is_whitespace) {
        return None;
    }
    Some((*replacement).to_owned())
}

/// How long one DNS question may take, and how often it is asked.
#[derive(Debug, Clone, Copy)]
pub struct DnsTiming {
    pub timeout: Duration,
    pub attempts: usize,
}

impl Default for DnsTiming {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(5),
            attempts: 2,
        }
    }
}

/// The SML seen through DNS: finds the SMP of a participant in one zone. The resolver caches
/// answers for their DNS TTL, negative answers included.
#[derive(Clone)]
pub struct Sml {
    resolver: TokioResolver,
    zone: String,
}

impl Sml {
    /// With the system's resolver configuration (`/etc/resolv.conf`).
    ///
    /// # Errors
    /// When the system configuration cannot be read.
    pub fn with_system_resolver(zone: &str, timing: DnsTiming) -> Result<Self, String> {
        let mut builder = TokioResolver::builder_tokio()
            .map_err(|e| format!("cannot read the system's DNS configuration: {e}"))?;
        apply(builder.options_mut(), timing);
        Ok(Self {
            resolver: builder.build().map_err(|e| e.to_string())?,
            zone: zone.to_owned(),
        })
    }

    /// Asking these name servers only (a local zone, tests), over UDP with TCP for long answers.
    ///
    /// # Errors
    /// When the resolver cannot be built.
    pub fn with_name_servers(
        zone: &str,
        servers: &[SocketAddr],
        timing: DnsTiming,
    ) -> Result<Self, String> {
        let name_servers = servers
            .iter()
            .map(|server| {
                let mut udp = ConnectionConfig::udp();
                udp.port = server.port();
                let mut tcp = ConnectionConfig::tcp();
                tcp.port = server.port();
                NameServerConfig::new(server.ip(), true, vec![udp, tcp])
            })
            .collect();
        let config = ResolverConfig::from_name_servers(name_servers);
        let mut builder =
            TokioResolver::builder_with_config(config, TokioRuntimeProvider::default());
        apply(builder.options_mut(), timing);
        Ok(Self {
            resolver: builder.build().map_err(|e| e.to_string())?,
            zone: zone.to_owned(),
        })
    }

    #[must_use]
    pub fn zone(&self) -> &str {
        &self.zone
    }

    /// The base URL of the participant's SMP. NXDOMAIN, an empty answer and records with no
    /// usable SMP entry are "not registered"; SERVFAIL, refusals and time-outs are "lookup
    /// failed".
    ///
    /// # Errors
    /// As above.
    #[tracing::instrument(skip(self), fields(participant = %participant, zone = %self.zone))]
    pub async fn smp_url(
        &self,
        participant: &ParticipantIdentifier,
    ) -> Result<String, LocateError> {
        let host = participant_hostname(participant, &self.zone);
        let name = Name::from_ascii(format!("{host}."))
            .map_err(|e| LocateError::Failed(format!("{host} is not a DNS name: {e}")))?;
        let lookup = match self.resolver.lookup(name, RecordType::NAPTR).await {
            Ok(lookup) => lookup,
            Err(e) if e.is_no_records_found() => {
                return Err(LocateError::NotRegistered(format!(
                    "{participant} is not registered in the SML ({host} has no NAPTR record)"
                )))
            }
            Err(e) => {
                tracing::warn!(error = %e, "SML lookup failed");
                return Err(LocateError::Failed(format!(
                    "the SML lookup of {participant} failed: {e}"
                )));
            }
        };
        let records: Vec<Naptr> = lookup
            .answers()
            .iter()
            .filter_map(|record| match &record.data {
                RData::NAPTR(naptr) => Some(Naptr {
                    order: naptr.order,
                    preference: naptr.preference,
                    flags: String::from_utf8_lossy(&naptr.flags).into_owned(),
                    services: String::from_utf8_lossy(&naptr.services).into_owned(),
                    regexp: String::from_utf8_lossy(&naptr.regexp).into_owned(),
                    replacement: naptr.replacement.to_string(),
                }),
                _ => None,
            })
            .collect();
        smp_url_from_records(&records).ok_or_else(|| {
            LocateError::NotRegistered(format!(
                "{participant} has no usable Meta:SMP record in the SML"
            ))
        })
    }
}

fn apply(options: &mut ResolverOpts, timing: DnsTiming) {
    options.timeout = timing.timeout;
    options.attempts = timing.attempts;
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn host(value: &str) -> String {
        participant_hostname(
            &ParticipantIdentifier::from_value(value).unwrap(),
            "zone.test",
        )
    }

    #[test]
    fn hostnames_match_the_published_test_vectors() {
        for (value, label) in [
            (
                "0088:123abc",
                "y7dzfxaf3d4cjz4kcgrxtec6twvcga4ky7zwa5boif6mswd4tdrq",
            ),
            (
                "0088:123ABC",
                "y7dzfxaf3d4cjz4kcgrxtec6twvcga4ky7zwa5boif6mswd4tdrq",
            ),
            (
                "9915:test",
                "eh5boavaktmbgzyh2a63dz4qov33fvp5nsdvqklucfraayoodw6a",
            ),
            (
                "0010:5798000000001",
                "xukhfqabqziki3ykvr2fhr4snfa3pf5vpq6k4tonv3lmvsy5arvq",
            ),
            (
                "0088:1234567890123",
                "sjsyvccmqyjxk3weuapffq4x3umcrf4qryherj4vovhmonh7gccq",
            ),
            (
                "0106:12345678",
                "ke4w67iqg2gnwnfgnshca7gmurfsabuojiefuewx3vnocmdpnifq",
            ),
        ] {
            assert_eq!(
                host(value),
                format!("{label}.iso6523-actorid-upis.zone.test")
            );
        }
        let test = ParticipantIdentifier::from_value("9915:test").unwrap();
        assert_eq!(
            participant_hostname(&test, TEST_ZONE),
            "eh5boavaktmbgzyh2a63dz4qov33fvp5nsdvqklucfraayoodw6a.iso6523-actorid-upis.participant.sml.test.tech.peppol.org"
        );
        assert!(participant_hostname(&test, "Local.Zone.").ends_with(".local.zone"));
    }

    fn naptr(order: u16, preference: u16, flags: &str, services: &str, regexp: &str) -> Naptr {
        Naptr {
            order,
            preference,
            flags: flags.into(),
            services: services.into(),
            regexp: regexp.into(),
            replacement: ".".into(),
        }
    }

    #[test]
    fn records_are_filtered_by_flag_and_service_and_taken_in_order_then_preference() {
        let records = [
            naptr(100, 10, "S", "Meta:SMP", "!.*!https://s-flag.example!"),
            naptr(100, 10, "U", "Meta:Other", "!.*!https://other.example!"),
            naptr(200, 1, "U", "Meta:SMP", "!.*!https://later-order.example!"),
            naptr(
                100,
                20,
                "U",
                "Meta:SMP",
                "!.*!https://worse-preference.example!",
            ),
            naptr(100, 10, "u", "meta:smp", "!^.*$!https://smp.example/path/!"),
        ];
        assert_eq!(
            smp_url_from_records(&records).as_deref(),
            Some("https://smp.example/path")
        );
        assert_eq!(smp_url_from_records(&records[..2]), None);
        assert_eq!(
            smp_url_from_records(&records[..3]).as_deref(),
            Some("https://later-order.example")
        );
    }

    #[test]
    fn a_record_with_an_unsupported_regexp_is_skipped_for_the_next() {
        let records = [
            naptr(10, 10, "U", "Meta:SMP", "!^(.*)$!https://\\1.example!"),
            naptr(20, 10, "U", "Meta:SMP", "!.*!https://fallback.example!"),
        ];
        assert_eq!(
            smp_url_from_records(&records).as_deref(),
            Some("https://fallback.example")
        );
    }

    #[test]
    fn only_the_replace_everything_form_is_applied() {
        assert_eq!(
            replace_everything("!.*!https://smp.example!").as_deref(),
            Some("https://smp.example")
        );
        assert_eq!(
            replace_everything("#^.*$#http://127.0.0.1:8080/smp#i").as_deref(),
            Some("http://127.0.0.1:8080/smp")
        );
        for refused in [
            "",
            "!.*!https://smp.example",
            "!0106.*!https://smp.example!",
            "!^(.*)$!https://\\1!",
            "!.*!https://smp.example!g",
            "!.*!ftp://smp.example!",
            "!.*!smp.example!",
            "!.*!https://a b!",
            "a.*ahttps://smp.examplea",
            "!.*!https://x!y!",
        ] {
            assert_eq!(replace_everything(refused), None, "{refused}");
        }
    }
}
