//! Revocation checks of Peppol access point certificates: is a leaf the AP CA issued still
//! good? Asked over OCSP (RFC 6960, the responder named in the certificate's Authority
//! Information Access) and, when that gives no answer, the CRL (RFC 5280, the certificate's
//! CRL Distribution Point). An answer counts only when it is signed by the issuer (or, for
//! OCSP, by a responder certificate the issuer made for OCSP signing) and is current.
//!
//! Answers are cached until their `nextUpdate`, at most [`MAX_CACHE`]; an unknown status is
//! not cached (the next message asks again), except that a certificate names no source. The [`Policy`] says what an unknown status means.
//! Fetches go through the SSRF-safe client of [`crate::http`]: OCSP and CRL URLs are plain
//! http by custom (the answers are signed), but internal addresses are refused unless the
//! host is exempt. Parsing and signature checks run on the blocking pool.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use der::{Decode as _, Encode as _, Reader as _};
use sha2::Digest as _;
use x509_parser::{
    certificate::X509Certificate,
    extensions::{DistributionPointName, GeneralName, ParsedExtension},
    prelude::FromDer,
    revocation_list::CertificateRevocationList,
    time::ASN1Time,
    x509::{AlgorithmIdentifier, SubjectPublicKeyInfo},
};

use crate::{
    http::{self, HostRules},
    trust::{CertPath, TrustAnchors},
};

/// How long an answer without `nextUpdate` is kept, and the most any answer is kept.
pub const MAX_CACHE: Duration = Duration::from_secs(3600);
/// The most certificates whose status is kept.
const MAX_ENTRIES: usize = 10_000;
/// The most CRLs kept (one per CA and distribution point).
const MAX_CRLS: usize = 64;
/// The largest OCSP answer read.
const MAX_OCSP: usize = 64 * 1024;
/// The largest CRL read.
const MAX_CRL: usize = 20 * 1024 * 1024;
/// The clock difference tolerated on `thisUpdate` (an answer from the near future).
const SKEW_SECS: i64 = 300;
/// The default time-out of one OCSP or CRL fetch.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

const OID_SHA1: &str = "1.3.14.3.2.26";
const OID_SHA256: &str = "2.16.840.1.101.3.4.2.1";
const OID_OCSP_BASIC: &str = "1.3.6.1.5.5.7.48.1.1";
const OID_OCSP_NONCE: &str = "1.3.6.1.5.5.7.48.1.2";
/// The nonce's length: RFC 8954 has requesters send 32 octets (and allows 1 to 32).
const NONCE_LEN: usize = 32;

/// What an unknown revocation status means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// No checks.
    Off,
    /// Revoked is refused; unknown (no URL, responder down, bad answer) is accepted with a
    /// warning in the log.
    Soft,
    /// Anything but good is refused.
    Hard,
}

impl Policy {
    /// # Errors
    /// For a name other than `off`, `soft` or `hard`.
    pub fn parse(text: &str) -> Result<Self, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "off" => Ok(Self::Off),
            "" | "soft" => Ok(Self::Soft),
            "hard" => Ok(Self::Hard),
            other => Err(format!(
                "{other:?} is not a revocation policy: use off, soft or hard"
            )),
        }
    }
}

/// The revocation status of a certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    Good,
    /// Revoked, saying by which source and since when.
    Revoked(String),
    /// No trustworthy answer, saying why.
    Unknown(String),
}

/// Why a certificate is not accepted under the policy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("the certificate is revoked ({0})")]
    Revoked(String),
    #[error("the certificate's revocation status is unknown ({0})")]
    Unknown(String),
}

/// A CRL's URL and the SHA-256 of the issuer it was verified against.
type CrlKey = (String, Vec<u8>);

/// Checks certificates under a policy, with a cache.
pub struct RevocationChecker {
    policy: Policy,
    /// Whether an OCSP answer must echo the request's nonce (else one that does not is
    /// believed, as from responders that serve pre-produced answers).
    nonce_required: bool,
    rules: HostRules,
    client: reqwest::Client,
    cache: Mutex<HashMap<Vec<u8>, (Status, Instant)>>,
    /// Verified CRLs by URL and issuer, until their `nextUpdate` (at most [`MAX_CACHE`]): every
    /// certificate of a CA names the same CRL, which is fetched and parsed once for all.
    crls: Mutex<HashMap<CrlKey, (Arc<RevokedSerials>, Instant)>>,
    /// CRL fetches under way: a certificate whose CRL is being fetched for another waits for
    /// that fetch and takes its outcome, so a CA's CRL is fetched once however many of its
    /// certificates are checked at the same instant.
    flights: Mutex<HashMap<CrlKey, CrlFlight>>,
}

/// One fetch of a CRL, shared by everyone who needs it while it runs.
type CrlFlight = Arc<tokio::sync::OnceCell<Result<Arc<RevokedSerials>, String>>>;

impl RevocationChecker {
    /// `rules` says which hosts may be at internal addresses; `timeout` bounds each fetch.
    ///
    /// # Errors
    /// When the HTTP client cannot be built.
    pub fn new(policy: Policy, rules: HostRules, timeout: Duration) -> Result<Self, String> {
        Ok(Self {
            policy,
            nonce_required: false,
            client: http::client(&rules, timeout)?,
            rules,
            cache: Mutex::new(HashMap::new()),
            crls: Mutex::new(HashMap::new()),
            flights: Mutex::new(HashMap::new()),
        })
    }

    /// Refuses OCSP answers that do not echo the request's nonce (by default they are
    /// believed when they carry none, and refused when they carry another).
    #[must_use]
    pub fn with_nonce_required(mut self, required: bool) -> Self {
        self.nonce_required = required;
        self
    }

    #[must_use]
    pub fn policy(&self) -> Policy {
        self.policy
    }

    /// Applies the policy to `leaf` (DER) issued by `issuer` (DER): `Ok` to go on, with a
    /// warning logged for an unknown status under `soft`.
    ///
    /// # Errors
    /// Revoked, or unknown under `hard`.
    pub async fn check(&self, leaf: &[u8], issuer: &[u8]) -> Result<(), Refused> {
        self.check_with(leaf, issuer, None).await
    }

    /// [`RevocationChecker::check`], with the trust file that an indirect CRL's issuer must
    /// be found in.
    async fn check_with(
        &self,
        leaf: &[u8],
        issuer: &[u8],
        trust: Option<&TrustAnchors>,
    ) -> Result<(), Refused> {
        match self.policy {
            Policy::Off => Ok(()),
            policy => match self.status_with(leaf, issuer, trust).await {
                Status::Good => Ok(()),
                Status::Revoked(why) => Err(Refused::Revoked(why)),
                Status::Unknown(why) if policy == Policy::Hard => Err(Refused::Unknown(why)),
                Status::Unknown(why) => {
                    tracing::warn!(
                        subject = %subject(leaf),
                        reason = %why,
                        "certificate revocation status unknown; accepted (peppol_revocation = soft)"
                    );
                    Ok(())
                }
            },
        }
    }

    /// Applies the policy to every certificate of `path` but its trust anchor, leaf first:
    /// `Ok` when none is revoked (and, under `hard`, each is known good). A CA between the
    /// leaf and the anchor is named in the reason.
    ///
    /// # Errors
    /// The first certificate revoked, or unknown under `hard`.
    pub async fn check_path(&self, path: &CertPath) -> Result<(), Refused> {
        if self.policy == Policy::Off {
            return Ok(());
        }
        for (index, (certificate, issuer)) in path.issued().enumerate() {
            let whose = |why: String| {
                if index == 0 {
                    why
                } else {
                    format!("its CA {}: {why}", subject(certificate))
                }
            };
            self.check_with(certificate, issuer, Some(path.trust()))
                .await
                .map_err(|refused| match refused {
                    Refused::Revoked(why) => Refused::Revoked(whose(why)),
                    Refused::Unknown(why) => Refused::Unknown(whose(why)),
                })?;
        }
        Ok(())
    }

    /// The status of `leaf` (DER) issued by `issuer` (DER): OCSP first, then the CRL.
    pub async fn status(&self, leaf: &[u8], issuer: &[u8]) -> Status {
        self.status_with(leaf, issuer, None).await
    }

    /// [`RevocationChecker::status`]; an indirect CRL (a distribution point naming a CRL
    /// issuer other than the CA) is believed only when signed by a certificate of `trust`
    /// with a path of its own.
    pub async fn status_with(
        &self,
        leaf: &[u8],
        issuer: &[u8],
        trust: Option<&TrustAnchors>,
    ) -> Status {
        let target = match Target::read(leaf, issuer) {
            Ok(target) => target,
            Err(why) => return Status::Unknown(why),
        };
        if let Some(status) = self.cached(&target.cache_key) {
            return status;
        }
        let mut reasons = Vec::new();
        for url in &target.ocsp_urls {
            match self.ask_ocsp(url, &target).await {
                Ok((status, next_update)) => return self.keep(&target, status, next_update),
                Err(why) => reasons.push(format!("OCSP {url}: {why}")),
            }
        }
        for point in &target.crl_points {
            let url = &point.url;
            let answer = match crl_signer(point, &target, trust) {
                Ok(signer) => self.ask_crl(url, &target, signer.as_deref()).await,
                Err(why) => Err(why),
            };
            match answer {
                Ok((status, next_update)) => return self.keep(&target, status, next_update),
                Err(why) => reasons.push(format!("CRL {url}: {why}")),
            }
        }
        if reasons.is_empty() {
            // A fact of the certificate, kept like an answer.
            let none = Status::Unknown("the certificate names no OCSP responder and no CRL".into());
            self.keep(&target, none, None)
        } else {
            Status::Unknown(reasons.join("; "))
        }
    }

    fn cached(&self, key: &[u8]) -> Option<Status> {
        let cache = self
            .cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        cache
            .get(key)
            .filter(|(_, until)| *until > Instant::now())
            .map(|(status, _)| status.clone())
    }

    fn keep(&self, target: &Target, status: Status, next_update: Option<i64>) -> Status {
        let now = chrono::Utc::now().timestamp();
        let ttl = next_update
            .map(|next| Duration::from_secs(u64::try_from(next - now).unwrap_or(0)))
            .map_or(MAX_CACHE, |d| d.min(MAX_CACHE));
        let mut cache = self
            .cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if cache.len() >= MAX_ENTRIES {
            let now = Instant::now();
            cache.retain(|_, (_, until)| *until > now);
            if cache.len() >= MAX_ENTRIES {
                cache.clear();
            }
        }
        cache.insert(
            target.cache_key.clone(),
            (status.clone(), Instant::now() + ttl),
        );
        status
    }

    async fn fetch(&self, request: reqwest::RequestBuilder, cap: usize) -> Result<Vec<u8>, String> {
        let mut response = request.send().await.map_err(|e| http::describe(&e))?;
        if !response.status().is_success() {
            return Err(format!("HTTP {}", response.status().as_u16()));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| http::describe(&e))? {
            if body.len() + chunk.len() > cap {
                return Err(format!("the answer is larger than {cap} bytes"));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    async fn ask_ocsp(&self, url: &str, target: &Target) -> Result<(Status, Option<i64>), String> {
        let parsed = self.rules.admit_plain(url)?;
        let nonce = fresh_nonce()?;
        let request = ocsp_request(target, &nonce)?;
        let body = self
            .fetch(
                self.client
                    .post(parsed)
                    .header(reqwest::header::CONTENT_TYPE, "application/ocsp-request")
                    .header(reqwest::header::ACCEPT, "application/ocsp-response")
                    .body(request),
                MAX_OCSP,
            )
            .await?;
        let target = target.clone();
        let expected = Nonce {
            value: nonce,
            required: self.nonce_required,
        };
        crate::as4::off_the_worker(move || {
            read_ocsp(&body, &target, &expected, chrono::Utc::now().timestamp())
        })
        .await?
    }

    /// The status from the CRL at `url`, signed by the target's issuer or, for an indirect
    /// CRL, by `signer` (DER).
    async fn ask_crl(
        &self,
        url: &str,
        target: &Target,
        signer: Option<&[u8]>,
    ) -> Result<(Status, Option<i64>), String> {
        let signer = CrlSigner {
            der: signer.unwrap_or(&target.issuer).to_vec(),
            indirect: signer.is_some(),
        };
        let key = (url.to_owned(), sha256(&signer.der));
        let crl = match self.kept_crl(&key) {
            Some(crl) => crl,
            None => self.fetch_crl_joined(url, &signer, key).await?,
        };
        Ok((crl.status_of(target)?, Some(crl.next_update)))
    }

    fn kept_crl(&self, key: &CrlKey) -> Option<Arc<RevokedSerials>> {
        let crls = self
            .crls
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        crls.get(key)
            .filter(|(_, until)| *until > Instant::now())
            .map(|(crl, _)| Arc::clone(crl))
    }

    /// The CRL at `url` of the target's issuer, fetched by this call or by the one already
    /// fetching it (whose outcome, a failure too, is shared).
    async fn fetch_crl_joined(
        &self,
        url: &str,
        signer: &CrlSigner,
        key: CrlKey,
    ) -> Result<Arc<RevokedSerials>, String> {
        let flight = {
            let mut flights = self
                .flights
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            Arc::clone(flights.entry(key.clone()).or_default())
        };
        let outcome = flight
            .get_or_init(|| async {
                // A flight that ended just before this one began may have kept it.
                if let Some(crl) = self.kept_crl(&key) {
                    return Ok(crl);
                }
                let fetched = self.fetch_crl(url, signer).await;
                if let Ok(crl) = &fetched {
                    self.keep_crl(key.clone(), Arc::clone(crl));
                }
                fetched
            })
            .await
            .clone();
        // The flight is over: whoever comes next reads the cache or starts a new one.
        let mut flights = self
            .flights
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if flights
            .get(&key)
            .is_some_and(|running| Arc::ptr_eq(running, &flight))
        {
            flights.remove(&key);
        }
        outcome
    }

    /// The complete CRL at `url`, with the first delta CRL it names that can be read applied;
    /// when it names deltas and none can be read, no answer (it may be missing revocations).
    async fn fetch_crl(
        &self,
        url: &str,
        signer: &CrlSigner,
    ) -> Result<Arc<RevokedSerials>, String> {
        let crl = self.read_crl_at(url, signer, CrlKind::Complete).await?;
        if crl.freshest.is_empty() {
            return Ok(Arc::new(crl));
        }
        let mut reasons = Vec::new();
        for delta_url in crl.freshest.clone() {
            match self.read_crl_at(&delta_url, signer, CrlKind::Delta).await {
                Ok(delta) => return crl.apply(delta).map(Arc::new),
                Err(why) => reasons.push(format!("delta CRL {delta_url}: {why}")),
            }
        }
        Err(reasons.join("; "))
    }

    async fn read_crl_at(
        &self,
        url: &str,
        signer: &CrlSigner,
        kind: CrlKind,
    ) -> Result<RevokedSerials, String> {
        let parsed = self.rules.admit_plain(url)?;
        let body = self.fetch(self.client.get(parsed), MAX_CRL).await?;
        let signer = signer.clone();
        crate::as4::off_the_worker(move || {
            read_crl(&body, &signer, chrono::Utc::now().timestamp(), kind)
        })
        .await?
    }

    fn keep_crl(&self, key: CrlKey, crl: Arc<RevokedSerials>) {
        let ttl = u64::try_from(crl.next_update - chrono::Utc::now().timestamp())
            .map_or(Duration::ZERO, Duration::from_secs)
            .min(MAX_CACHE);
        let mut crls = self
            .crls
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if crls.len() >= MAX_CRLS {
            let now = Instant::now();
            crls.retain(|_, (_, until)| *until > now);
            if crls.len() >= MAX_CRLS {
                crls.clear();
            }
        }
        crls.insert(key, (crl, Instant::now() + ttl));
    }
}

fn subject(leaf: &[u8]) -> String {
    X509Certificate::from_der(leaf).map_or_else(|_| "?".into(), |(_, c)| c.subject().to_string())
}

/// What the checks need of a leaf and its issuer.
#[derive(Debug, Clone)]
struct Target {
    /// The leaf's serial number, without leading zeros.
    serial: Vec<u8>,
    /// Whether the certificate is a CA's (basicConstraints CA), for a CRL's scope.
    is_ca: bool,
    issuer: Vec<u8>,
    /// The issuer's name (raw DER), which an indirect CRL's entries name.
    issuer_name: Vec<u8>,
    ocsp_urls: Vec<String>,
    crl_points: Vec<CrlPoint>,
    cache_key: Vec<u8>,
}

/// A CRL distribution point: its URL and, when the CRL is signed by another than the CA
/// (an indirect CRL), that CRL issuer's name (raw DER).
#[derive(Debug, Clone)]
struct CrlPoint {
    url: String,
    crl_issuer: Option<Vec<u8>>,
}

/// Who signs a CRL: the CA itself, or for an indirect CRL a CRL issuer (DER).
#[derive(Debug, Clone)]
struct CrlSigner {
    der: Vec<u8>,
    indirect: bool,
}

/// The CRL issuer's certificate for `point`: `None` when the CA signs its CRL itself, else
/// a certificate of `trust` with that name, a path to an anchor and, when it has a keyUsage,
/// cRLSign.
fn crl_signer(
    point: &CrlPoint,
    target: &Target,
    trust: Option<&TrustAnchors>,
) -> Result<Option<Vec<u8>>, String> {
    let Some(name) = point
        .crl_issuer
        .as_ref()
        .filter(|name| **name != target.issuer_name)
    else {
        return Ok(None);
    };
    let trust = trust.ok_or("an indirect CRL, and no trust file to find its issuer in")?;
    let now = chrono::Utc::now().timestamp();
    trust
        .certificates()
        .find(|der| {
            X509Certificate::from_der(der).is_ok_and(|(_, cert)| {
                cert.subject().as_raw() == name.as_slice()
                    && cert
                        .key_usage()
                        .ok()
                        .flatten()
                        .is_none_or(|usage| usage.value.crl_sign())
                    && trust.check(der, now).is_ok()
            })
        })
        .map(|der| Some(der.to_vec()))
        .ok_or_else(|| {
            "the CRL issuer the certificate names is not a certificate of the trust file with a valid path and cRLSign".into()
        })
}

impl Target {
    fn read(leaf: &[u8], issuer: &[u8]) -> Result<Self, String> {
        let (_, cert) =
            X509Certificate::from_der(leaf).map_err(|e| format!("not a certificate: {e}"))?;
        let (_, issuer_cert) =
            X509Certificate::from_der(issuer).map_err(|e| format!("bad issuer: {e}"))?;
        if cert.issuer().as_raw() != issuer_cert.subject().as_raw() {
            return Err("the issuer given is not the certificate's issuer".into());
        }
        let mut ocsp_urls = Vec::new();
        let mut crl_points = Vec::new();
        for extension in cert.extensions() {
            match extension.parsed_extension() {
                ParsedExtension::AuthorityInfoAccess(aia) => {
                    for desc in aia.iter() {
                        if desc.access_method.to_id_string() == "1.3.6.1.5.5.7.48.1" {
                            if let GeneralName::URI(uri) = desc.access_location {
                                ocsp_urls.push(uri.to_owned());
                            }
                        }
                    }
                }
                ParsedExtension::CRLDistributionPoints(points) => {
                    for point in points.iter() {
                        let crl_issuer = point.crl_issuer.as_ref().and_then(|names| {
                            names.iter().find_map(|name| match name {
                                GeneralName::DirectoryName(dn) => Some(dn.as_raw().to_vec()),
                                _ => None,
                            })
                        });
                        if let Some(DistributionPointName::FullName(names)) =
                            &point.distribution_point
                        {
                            for name in names {
                                if let GeneralName::URI(uri) = name {
                                    crl_points.push(CrlPoint {
                                        url: (*uri).to_owned(),
                                        crl_issuer: crl_issuer.clone(),
                                    });
                                }
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        // Only http(s) sources are asked (no LDAP).
        let web = |u: &String| {
            let lower = u.to_ascii_lowercase();
            lower.starts_with("http://") || lower.starts_with("https://")
        };
        ocsp_urls.retain(web);
        crl_points.retain(|point| web(&point.url));
        let serial = trim_serial(cert.raw_serial()).to_vec();
        let is_ca = cert
            .basic_constraints()
            .ok()
            .flatten()
            .is_some_and(|c| c.value.ca);
        let issuer_hash = sha2::Sha256::digest(issuer).to_vec();
        let mut cache_key = issuer_hash.clone();
        cache_key.extend_from_slice(&serial);
        Ok(Self {
            serial,
            is_ca,
            issuer: issuer.to_vec(),
            issuer_name: issuer_cert.subject().as_raw().to_vec(),
            ocsp_urls,
            crl_points,
            cache_key,
        })
    }
}

fn trim_serial(serial: &[u8]) -> &[u8] {
    let start = serial
        .iter()
        .position(|b| *b != 0)
        .unwrap_or(serial.len().saturating_sub(1));
    &serial[start..]
}

fn sha1(data: &[u8]) -> Vec<u8> {
    ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, data)
        .as_ref()
        .to_vec()
}

fn sha256(data: &[u8]) -> Vec<u8> {
    sha2::Sha256::digest(data).to_vec()
}

fn to_unix(time: x509_ocsp::OcspGeneralizedTime) -> i64 {
    i64::try_from(time.0.to_unix_duration().as_secs()).unwrap_or(i64::MAX)
}

/// A nonce of [`NONCE_LEN`] random octets.
fn fresh_nonce() -> Result<Vec<u8>, String> {
    let mut nonce = vec![0u8; NONCE_LEN];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut nonce)
        .map_err(|_| "no random source for the OCSP nonce".to_owned())?;
    Ok(nonce)
}

/// The nonce an OCSP answer is to echo.
#[derive(Debug, Clone)]
struct Nonce {
    value: Vec<u8>,
    /// Whether an answer without it is refused.
    required: bool,
}

/// The DER OCSP request for the target: one CertID with SHA-1 (what RFC 5019 responders
/// are required to take), the nonce extension (RFC 8954), unsigned.
fn ocsp_request(target: &Target, nonce: &[u8]) -> Result<Vec<u8>, String> {
    let (_, issuer) =
        X509Certificate::from_der(&target.issuer).map_err(|e| format!("bad issuer: {e}"))?;
    let bad = |e: der::Error| format!("cannot encode the OCSP request: {e}");
    let cert_id = x509_ocsp::CertId {
        hash_algorithm: x509_cert::spki::AlgorithmIdentifierOwned {
            oid: der::oid::ObjectIdentifier::new_unwrap(OID_SHA1),
            parameters: Some(der::Any::null()),
        },
        issuer_name_hash: der::asn1::OctetString::new(sha1(issuer.subject().as_raw()))
            .map_err(bad)?,
        issuer_key_hash: der::asn1::OctetString::new(sha1(
            &issuer.public_key().subject_public_key.data,
        ))
        .map_err(bad)?,
        serial_number: x509_cert::serial_number::SerialNumber::new(&target.serial).map_err(bad)?,
    };
    x509_ocsp::OcspRequest {
        tbs_request: x509_ocsp::TbsRequest {
            version: x509_ocsp::Version::V1,
            requestor_name: None,
            request_list: vec![x509_ocsp::Request {
                req_cert: cert_id,
                single_request_extensions: None,
            }],
            // The extension's value is the DER of `Nonce ::= OCTET STRING`.
            request_extensions: Some(vec![x509_cert::ext::Extension {
                extn_id: der::oid::ObjectIdentifier::new_unwrap(OID_OCSP_NONCE),
                critical: false,
                extn_value: der::asn1::OctetString::new(
                    der::asn1::OctetString::new(nonce)
                        .and_then(|inner| inner.to_der())
                        .map_err(bad)?,
                )
                .map_err(bad)?,
            }]),
        },
        optional_signature: None,
    }
    .to_der()
    .map_err(bad)
}

/// Reads an OCSP response for the target at `now` (Unix seconds): the status and the
/// `nextUpdate`.
fn read_ocsp(
    body: &[u8],
    target: &Target,
    nonce: &Nonce,
    now: i64,
) -> Result<(Status, Option<i64>), String> {
    let response = x509_ocsp::OcspResponse::from_der(body)
        .map_err(|e| format!("not an OCSP response: {e}"))?;
    if response.response_status != x509_ocsp::OcspResponseStatus::Successful {
        return Err(format!(
            "the responder answered {:?}",
            response.response_status
        ));
    }
    let bytes = response
        .response_bytes
        .ok_or("a successful answer without a response")?;
    if bytes.response_type.to_string() != OID_OCSP_BASIC {
        return Err(format!(
            "response type {} is not basic",
            bytes.response_type
        ));
    }
    let raw = bytes.response.as_bytes();
    let basic = x509_ocsp::BasicOcspResponse::from_der(raw)
        .map_err(|e| format!("not a basic OCSP response: {e}"))?;
    // The signed bytes as sent, not re-encoded.
    let tbs = der::SliceReader::new(raw)
        .and_then(|mut r| {
            r.sequence(|inner| {
                let tbs = inner.tlv_bytes()?;
                while !inner.is_finished() {
                    inner.tlv_bytes()?;
                }
                Ok(tbs)
            })
        })
        .map_err(|e| format!("not a basic OCSP response: {e}"))?;
    let (_, issuer) =
        X509Certificate::from_der(&target.issuer).map_err(|e| format!("bad issuer: {e}"))?;

    // The signer: the issuer itself, or a responder certificate it issued for OCSP signing.
    let data = &basic.tbs_response_data;
    let names_issuer = match &data.responder_id {
        x509_ocsp::ResponderId::ByName(name) => {
            name.to_der().is_ok_and(|n| n == issuer.subject().as_raw())
        }
        x509_ocsp::ResponderId::ByKey(hash) => {
            hash.as_bytes() == sha1(&issuer.public_key().subject_public_key.data)
        }
    };
    let delegated: Vec<Vec<u8>> = basic
        .certs
        .iter()
        .flatten()
        .filter_map(|c| c.to_der().ok())
        .collect();
    let signature_algorithm = basic
        .signature_algorithm
        .to_der()
        .map_err(|e| format!("bad signature algorithm: {e}"))?;
    let (_, algorithm) = AlgorithmIdentifier::from_der(&signature_algorithm)
        .map_err(|e| format!("bad signature algorithm: {e}"))?;
    let signature = x509_parser::asn1_rs::BitString::new(0, basic.signature.raw_bytes());
    let verify = |key: &SubjectPublicKeyInfo<'_>| {
        x509_parser::verify::verify_signature(key, &algorithm, &signature, tbs).is_ok()
    };
    let signed = if names_issuer {
        verify(issuer.public_key())
    } else {
        delegated.iter().any(|der| {
            let Ok((_, responder)) = X509Certificate::from_der(der) else {
                return false;
            };
            let named = match &data.responder_id {
                x509_ocsp::ResponderId::ByName(name) => name
                    .to_der()
                    .is_ok_and(|n| n == responder.subject().as_raw()),
                x509_ocsp::ResponderId::ByKey(hash) => {
                    hash.as_bytes() == sha1(&responder.public_key().subject_public_key.data)
                }
            };
            let for_ocsp = responder
                .extended_key_usage()
                .ok()
                .flatten()
                .is_some_and(|eku| eku.value.ocsp_signing);
            let valid =
                ASN1Time::from_timestamp(now).is_ok_and(|t| responder.validity().is_valid_at(t));
            named
                && for_ocsp
                && valid
                && responder.issuer().as_raw() == issuer.subject().as_raw()
                && responder
                    .verify_signature(Some(issuer.public_key()))
                    .is_ok()
                && verify(responder.public_key())
        })
    };
    if !signed {
        return Err("the answer is not signed by the issuer or a responder it authorised".into());
    }
    check_nonce(data.response_extensions.as_deref(), nonce)?;

    // The answer about this certificate.
    let name_raw = issuer.subject().as_raw();
    let key_bits = &issuer.public_key().subject_public_key.data;
    let single = data
        .responses
        .iter()
        .find(|single| {
            let id = &single.cert_id;
            let hash: fn(&[u8]) -> Vec<u8> = match id.hash_algorithm.oid.to_string().as_str() {
                OID_SHA1 => sha1,
                OID_SHA256 => sha256,
                _ => return false,
            };
            id.issuer_name_hash.as_bytes() == hash(name_raw)
                && id.issuer_key_hash.as_bytes() == hash(key_bits)
                && trim_serial(id.serial_number.as_bytes()) == target.serial.as_slice()
        })
        .ok_or("the answer is not about this certificate")?;
    let this_update = to_unix(single.this_update);
    if this_update > now + SKEW_SECS {
        return Err("the answer's thisUpdate is in the future".into());
    }
    let next_update = single.next_update.map(to_unix);
    if next_update.is_some_and(|next| next < now) {
        return Err("the answer is out of date (nextUpdate has passed)".into());
    }
    let status = match &single.cert_status {
        x509_ocsp::CertStatus::Good(_) => Status::Good,
        x509_ocsp::CertStatus::Revoked(info) => {
            let since = chrono::DateTime::from_timestamp(to_unix(info.revocation_time), 0)
                .map_or_else(String::new, |t| format!(" since {}", t.to_rfc3339()));
            Status::Revoked(format!("OCSP{since}"))
        }
        x509_ocsp::CertStatus::Unknown(_) => {
            return Err("the responder does not know the certificate".into())
        }
    };
    Ok((status, next_update))
}

/// Whether the signed response's extensions echo the request's nonce: another nonce is
/// refused (a replayed or misdirected answer); none at all is refused only when required.
fn check_nonce(
    extensions: Option<&[x509_cert::ext::Extension]>,
    nonce: &Nonce,
) -> Result<(), String> {
    let echoed = extensions
        .into_iter()
        .flatten()
        .find(|e| e.extn_id.to_string() == OID_OCSP_NONCE);
    match echoed {
        None if nonce.required => Err("the answer does not echo the request's nonce".into()),
        None => Ok(()),
        Some(extension) => {
            let raw = extension.extn_value.as_bytes();
            // The value is the DER of an OCTET STRING; some older responders put the nonce
            // itself there, which is taken too.
            let inner = der::asn1::OctetString::from_der(raw).ok();
            let same = inner.is_some_and(|o| o.as_bytes() == nonce.value.as_slice())
                || raw == nonce.value.as_slice();
            if same {
                Ok(())
            } else {
                Err("the answer's nonce is not the request's".into())
            }
        }
    }
}

/// Which kind of CRL is expected at a URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CrlKind {
    /// A complete CRL (a CRL Distribution Point).
    Complete,
    /// A delta CRL (the FreshestCRL of a complete one).
    Delta,
}

const OID_DELTA_CRL_INDICATOR: &str = "2.5.29.27";
const OID_FRESHEST_CRL: &str = "2.5.29.46";
const OID_CERTIFICATE_ISSUER: &str = "2.5.29.29";
/// The CRL entry reason that takes a serial off the list again (RFC 5280 5.3.1).
const REMOVE_FROM_CRL: u8 = 8;

/// Reads a CRL of `issuer` at `now` (Unix seconds), verified, of the kind expected.
fn read_crl(
    body: &[u8],
    signer: &CrlSigner,
    now: i64,
    kind: CrlKind,
) -> Result<RevokedSerials, String> {
    let (_, crl) =
        CertificateRevocationList::from_der(body).map_err(|e| format!("not a CRL: {e}"))?;
    let (_, issuer) =
        X509Certificate::from_der(&signer.der).map_err(|e| format!("bad issuer: {e}"))?;
    if crl.issuer().as_raw() != issuer.subject().as_raw() {
        return Err("the CRL is of another issuer".into());
    }
    crl.verify_signature(issuer.public_key())
        .map_err(|_| "the CRL is not signed by the issuer")?;
    // A CRL that covers every reason: an Issuing Distribution Point may name the point and
    // limit it to user or to CA certificates (which certificates it speaks for is asked per
    // certificate), nothing narrower; other critical extensions are not read.
    let mut scope = Scope::All;
    let mut marked_indirect = false;
    let mut base_number = None;
    let mut freshest = Vec::new();
    for extension in crl.extensions() {
        match extension.oid.to_id_string().as_str() {
            OID_DELTA_CRL_INDICATOR => {
                let base = x509_cert::ext::pkix::crl::BaseCrlNumber::from_der(extension.value)
                    .map_err(|e| format!("a bad delta CRL indicator: {e}"))?;
                base_number = Some(trim_serial(base.0.as_bytes()).to_vec());
                continue;
            }
            OID_FRESHEST_CRL => {
                let points = x509_cert::ext::pkix::crl::FreshestCrl::from_der(extension.value)
                    .map_err(|e| format!("a bad FreshestCRL extension: {e}"))?;
                freshest = point_urls(&points.0);
                continue;
            }
            _ => {}
        }
        match extension.parsed_extension() {
            ParsedExtension::CRLNumber(_) | ParsedExtension::AuthorityKeyIdentifier(_) => {}
            ParsedExtension::IssuingDistributionPoint(point)
                if point.only_contains_attribute_certs
                    || point.only_some_reasons.is_some()
                    || (point.indirect_crl && !signer.indirect)
                    || (point.only_contains_ca_certs && point.only_contains_user_certs) =>
            {
                return Err("the CRL does not cover every reason for this certificate".into());
            }
            ParsedExtension::IssuingDistributionPoint(point) => {
                marked_indirect = point.indirect_crl;
                if point.only_contains_user_certs {
                    scope = Scope::Users;
                } else if point.only_contains_ca_certs {
                    scope = Scope::Cas;
                }
            }
            _ if extension.critical => {
                return Err("the CRL has a critical extension Haven does not read".into());
            }
            _ => {}
        }
    }
    if signer.indirect && !marked_indirect {
        return Err(
            "the CRL issuer's CRL is not marked indirect (Issuing Distribution Point)".into(),
        );
    }
    match (kind, &base_number) {
        (CrlKind::Complete, Some(_)) => {
            return Err("a delta CRL is served where the complete CRL belongs".into())
        }
        (CrlKind::Delta, None) => return Err("the delta CRL is not marked as one".into()),
        _ => {}
    }
    if crl.last_update().timestamp() > now + SKEW_SECS {
        return Err("the CRL's thisUpdate is in the future".into());
    }
    let next_update = crl
        .next_update()
        .map(|t| t.timestamp())
        .ok_or("the CRL has no nextUpdate")?;
    if next_update < now {
        return Err("the CRL is out of date (nextUpdate has passed)".into());
    }
    let mut revoked = HashMap::new();
    let mut removed = Vec::new();
    // In an indirect CRL an entry's certificateIssuer names the CA of it and the entries after
    // it; before the first, the CRL's issuer.
    let mut entry_issuer = crl.issuer().as_raw().to_vec();
    for entry in crl.iter_revoked_certificates() {
        let mut serial = trim_serial(entry.raw_serial()).to_vec();
        if signer.indirect {
            if let Some(named) = certificate_issuer(entry.extensions())? {
                entry_issuer = named;
            }
            serial = issuer_and_serial(&entry_issuer, &serial);
        }
        if entry
            .reason_code()
            .is_some_and(|(_, reason)| reason.0 == REMOVE_FROM_CRL)
        {
            removed.push(serial);
        } else {
            revoked.insert(serial, entry.revocation_date.timestamp());
        }
    }
    Ok(RevokedSerials {
        revoked,
        next_update,
        scope,
        number: crl
            .crl_number()
            .map(|n| trim_serial(&n.to_bytes_be()).to_vec()),
        base_number,
        freshest,
        removed,
        indirect: signer.indirect,
    })
}

/// The CA an indirect CRL's entry names (certificateIssuer, RFC 5280 5.3.3), as raw DER.
fn certificate_issuer(
    extensions: &[x509_parser::extensions::X509Extension<'_>],
) -> Result<Option<Vec<u8>>, String> {
    use x509_cert::ext::pkix::name::GeneralName as Name;
    let Some(extension) = extensions
        .iter()
        .find(|e| e.oid.to_id_string() == OID_CERTIFICATE_ISSUER)
    else {
        return Ok(None);
    };
    let names = x509_cert::ext::pkix::name::GeneralNames::from_der(extension.value)
        .map_err(|e| format!("a bad certificateIssuer in the CRL: {e}"))?;
    names
        .iter()
        .find_map(|name| match name {
            Name::DirectoryName(dn) => dn.to_der().ok(),
            _ => None,
        })
        .map(Some)
        .ok_or_else(|| "a certificateIssuer in the CRL without a directory name".into())
}

/// The key of an indirect CRL's entry: the CA's name (length first) and the serial.
fn issuer_and_serial(issuer: &[u8], serial: &[u8]) -> Vec<u8> {
    let mut key = u32::try_from(issuer.len())
        .unwrap_or(u32::MAX)
        .to_be_bytes()
        .to_vec();
    key.extend_from_slice(issuer);
    key.extend_from_slice(serial);
    key
}

/// The http(s) URLs of distribution points' full names.
fn point_urls(points: &[x509_cert::ext::pkix::crl::dp::DistributionPoint]) -> Vec<String> {
    use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
    points
        .iter()
        .filter_map(|point| match &point.distribution_point {
            Some(DistributionPointName::FullName(names)) => Some(names),
            _ => None,
        })
        .flatten()
        .filter_map(|name| match name {
            GeneralName::UniformResourceIdentifier(uri) => Some(uri.as_str().to_owned()),
            _ => None,
        })
        .filter(|url| {
            let lower = url.to_ascii_lowercase();
            lower.starts_with("http://") || lower.starts_with("https://")
        })
        .collect()
}

/// Compares two CRL numbers (big-endian, without leading zeros).
fn compare_numbers(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// Which certificates a CRL speaks for (its Issuing Distribution Point).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    All,
    Users,
    Cas,
}

/// What a verified CRL says: the serial numbers it lists (without leading zeros) with their
/// revocation times, and when it is to be replaced.
#[derive(Debug)]
struct RevokedSerials {
    revoked: HashMap<Vec<u8>, i64>,
    next_update: i64,
    scope: Scope,
    /// The CRL number, without leading zeros.
    number: Option<Vec<u8>>,
    /// For a delta CRL: the number of the complete CRL it is to be applied to.
    base_number: Option<Vec<u8>>,
    /// The delta CRLs (FreshestCRL) a complete CRL names.
    freshest: Vec<String>,
    /// For a delta CRL: serials taken off the list again (removeFromCRL).
    removed: Vec<Vec<u8>>,
    /// An indirect CRL: its entries are keyed by their CA's name and serial.
    indirect: bool,
}

impl RevokedSerials {
    /// This complete CRL brought up to date with `delta` (RFC 5280 5.2.4): the delta must be
    /// for this CRL or an older one and speak for the same certificates; a delta no newer
    /// than this CRL changes nothing.
    fn apply(mut self, delta: RevokedSerials) -> Result<Self, String> {
        let number = self
            .number
            .as_deref()
            .ok_or("the CRL names a delta CRL but has no CRL number")?;
        let base = delta.base_number.as_deref().unwrap_or_default();
        if compare_numbers(base, number).is_gt() {
            return Err("the delta CRL is for a newer complete CRL than the one served".into());
        }
        if delta.scope != self.scope {
            return Err("the delta CRL speaks for other certificates than the CRL".into());
        }
        let delta_number = delta.number.as_deref().unwrap_or_default();
        if compare_numbers(delta_number, number).is_le() {
            return Ok(self);
        }
        for serial in &delta.removed {
            self.revoked.remove(serial);
        }
        self.revoked.extend(delta.revoked);
        self.next_update = self.next_update.min(delta.next_update);
        Ok(self)
    }

    /// The target's status, when this CRL speaks for certificates of its kind.
    fn status_of(&self, target: &Target) -> Result<Status, String> {
        match (self.scope, target.is_ca) {
            (Scope::Users, true) => {
                return Err("the CRL is for end-entity certificates only".into())
            }
            (Scope::Cas, false) => return Err("the CRL is for CA certificates only".into()),
            _ => {}
        }
        let key = if self.indirect {
            issuer_and_serial(&target.issuer_name, &target.serial)
        } else {
            target.serial.clone()
        };
        Ok(match self.revoked.get(&key) {
            Some(&revoked_at) => {
                let since = chrono::DateTime::from_timestamp(revoked_at, 0)
                    .map_or_else(String::new, |t| format!(" since {}", t.to_rfc3339()));
                Status::Revoked(format!("CRL{since}"))
            }
            None => Status::Good,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn policies_parse_or_say_what_is_wrong() {
        assert_eq!(Policy::parse("off").unwrap(), Policy::Off);
        assert_eq!(Policy::parse(" SOFT ").unwrap(), Policy::Soft);
        assert_eq!(Policy::parse("").unwrap(), Policy::Soft);
        assert_eq!(Policy::parse("hard").unwrap(), Policy::Hard);
        assert!(Policy::parse("strict")
            .unwrap_err()
            .contains("off, soft or hard"));
    }

    #[test]
    fn serials_compare_without_leading_zeros() {
        assert_eq!(trim_serial(&[0, 0x80, 1]), &[0x80, 1]);
        assert_eq!(trim_serial(&[0]), &[0]);
        assert_eq!(trim_serial(&[5]), &[5]);
    }
}
