//! The SMP client (Peppol SMP 1.x, the BusDox REST binding): the service group of a
//! participant and the signed service metadata of one document type, whose XML signature is
//! checked against the configured SMP trust anchors before anything in it is believed.

use std::{sync::Arc, time::Duration};

use base64::{engine::general_purpose::STANDARD, Engine as _};
use chrono::{DateTime, NaiveDateTime, Utc};
use haven_domain::peppol::discovery::{LocateError, PeppolEndpoint};
use roxmltree::{Document, Node, ParsingOptions};
use x509_parser::{certificate::X509Certificate, prelude::FromDer};

use crate::{
    http::{self, HostRules},
    identifiers::{
        DocumentTypeIdentifier, ParticipantIdentifier, ProcessIdentifier, DOCUMENT_TYPE_SCHEME,
        PARTICIPANT_SCHEME, PROCESS_SCHEME, TRANSPORT_PROFILE_AS4,
    },
    revocation::RevocationChecker,
    rollover::Swappable,
    xmldsig::{verify_enveloped, TrustAnchors},
};

pub const SMP_NAMESPACE: &str = "http://busdox.org/serviceMetadata/publishing/1.0/";
pub const IDS_NAMESPACE: &str = "http://busdox.org/transport/identifiers/1.0/";
pub const WSA_NAMESPACE: &str = "http://www.w3.org/2005/08/addressing";

/// The largest SMP answer read; real ones are a few kilobytes.
pub const MAX_RESPONSE_BYTES: usize = 1024 * 1024;
/// The longest an SMP call may take.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// The OID of the `UID` attribute (RFC 4519) a `Redirect`'s `CertificateUID` names.
const UID_OID: &str = "0.9.2342.19200300.100.1.1";

/// Reads SMPs.
#[derive(Clone)]
pub struct SmpClient {
    http: reqwest::Client,
    rules: HostRules,
    /// Replaced while running when `peppol_smp_trust_file` changes.
    anchors: Swappable<TrustAnchors>,
    /// Asks whether the SMP's signing certificate is revoked; none: not asked.
    revocation: Option<Arc<RevocationChecker>>,
}

impl SmpClient {
    /// # Errors
    /// When the HTTP client cannot be built.
    pub fn new(anchors: TrustAnchors, rules: HostRules) -> Result<Self, String> {
        Self::with_timeout(anchors, rules, TIMEOUT)
    }

    /// With another time-out (tests).
    ///
    /// # Errors
    /// When the HTTP client cannot be built.
    pub fn with_timeout(
        anchors: TrustAnchors,
        rules: HostRules,
        timeout: Duration,
    ) -> Result<Self, String> {
        Ok(Self {
            http: http::client(&rules, timeout)?,
            rules,
            anchors: Swappable::new(anchors),
            revocation: None,
        })
    }

    /// The trust anchors of the moment, shared: storing into it changes what this client
    /// trusts from the next answer on.
    #[must_use]
    pub fn anchors(&self) -> Swappable<TrustAnchors> {
        self.anchors.clone()
    }

    /// Checks the SMP's signing certificate for revocation under the checker's policy before
    /// an answer is believed.
    #[must_use]
    pub fn with_revocation(mut self, checker: Arc<RevocationChecker>) -> Self {
        self.revocation = Some(checker);
        self
    }

    /// The document types a participant's service group lists (the `href`s of its
    /// `ServiceMetadataReference`s). Service groups are not signed.
    ///
    /// # Errors
    /// `NotRegistered` on 404, `Failed` on anything else that is not a service group.
    #[tracing::instrument(skip(self), fields(participant = %participant))]
    pub async fn service_group(
        &self,
        smp_base: &str,
        participant: &ParticipantIdentifier,
    ) -> Result<Vec<String>, LocateError> {
        let url = format!(
            "{}/{}",
            smp_base.trim_end_matches('/'),
            participant.url_encoded()
        );
        let body = self.get(&url, participant).await?;
        let doc = parse(&body)?;
        let root = doc.root_element();
        if !root.has_tag_name((SMP_NAMESPACE, "ServiceGroup")) {
            return Err(malformed("the answer is not a ServiceGroup"));
        }
        let listed = child(root, IDS_NAMESPACE, "ParticipantIdentifier")
            .ok_or_else(|| malformed("the ServiceGroup names no participant"))?;
        if !same_participant(listed, participant) {
            return Err(malformed("the ServiceGroup is for another participant"));
        }
        Ok(root
            .descendants()
            .filter(|n| n.has_tag_name((SMP_NAMESPACE, "ServiceMetadataReference")))
            .filter_map(|n| n.attribute("href").map(str::to_owned))
            .collect())
    }

    /// The endpoint for the participant, document type and process with the AS4 transport
    /// profile, active at `now`, from the signed service metadata (following one `Redirect`).
    ///
    /// # Errors
    /// `NotRegistered` on 404 or when no active AS4 endpoint is published for the process;
    /// `Failed` when the SMP cannot be read or its answer is malformed or not signed by a
    /// trusted SMP certificate.
    #[tracing::instrument(skip(self), fields(participant = %participant, document_type = %document_type))]
    pub async fn endpoint(
        &self,
        smp_base: &str,
        participant: &ParticipantIdentifier,
        document_type: &DocumentTypeIdentifier,
        process: &ProcessIdentifier,
        now: DateTime<Utc>,
    ) -> Result<PeppolEndpoint, LocateError> {
        let mut url = metadata_url(smp_base, participant, document_type);
        let mut required_uid: Option<String> = None;
        for hop in 0..2 {
            let body = self.get(&url, participant).await?;
            let doc = parse(&body)?;
            let anchors = self.anchors.load();
            let verified = verify_enveloped(&doc, &anchors, now.timestamp()).map_err(|e| {
                tracing::warn!(error = %e, url, "SMP answer refused");
                LocateError::Failed(format!(
                    "the SMP answer for {participant} is not trusted: {e}"
                ))
            })?;
            if let Some(checker) = &self.revocation {
                checker
                    .check_path(&verified.path)
                    .await
                    .map_err(|refused| {
                        tracing::warn!(error = %refused, url, "SMP certificate refused");
                        LocateError::Failed(format!(
                            "the SMP answer for {participant} is not trusted: {refused}"
                        ))
                    })?;
            }
            if let Some(uid) = &required_uid {
                if !certificate_has_uid(&verified.signer, uid) {
                    return Err(LocateError::Failed(format!(
                        "the redirected SMP's certificate does not carry the UID {uid} the redirect named"
                    )));
                }
            }
            let root = doc.root_element();
            if !root.has_tag_name((SMP_NAMESPACE, "SignedServiceMetadata")) {
                return Err(malformed("the answer is not SignedServiceMetadata"));
            }
            let metadata = child(root, SMP_NAMESPACE, "ServiceMetadata")
                .ok_or_else(|| malformed("no ServiceMetadata"))?;
            if let Some(redirect) = child(metadata, SMP_NAMESPACE, "Redirect") {
                if hop > 0 {
                    return Err(LocateError::Failed(
                        "the SMP redirected a second time; a redirect is followed once".into(),
                    ));
                }
                url = redirect
                    .attribute("href")
                    .ok_or_else(|| malformed("a Redirect without href"))?
                    .to_owned();
                required_uid = child(redirect, SMP_NAMESPACE, "CertificateUID")
                    .and_then(|n| n.text())
                    .map(|t| t.trim().to_owned());
                continue;
            }
            let information = child(metadata, SMP_NAMESPACE, "ServiceInformation")
                .ok_or_else(|| malformed("neither ServiceInformation nor Redirect"))?;
            return pick_endpoint(information, participant, document_type, process, now);
        }
        Err(LocateError::Failed("redirect loop".into()))
    }

    async fn get(
        &self,
        url: &str,
        participant: &ParticipantIdentifier,
    ) -> Result<String, LocateError> {
        let admitted = self
            .rules
            .admit(url)
            .map_err(|e| LocateError::Failed(format!("the SMP address is refused: {e}")))?;
        let response = self
            .http
            .get(admitted)
            .header("Accept", "application/xml, text/xml")
            .send()
            .await
            .map_err(|e| {
                LocateError::Failed(format!("the SMP did not answer: {}", http::describe(&e)))
            })?;
        let status = response.status();
        if status == reqwest::StatusCode::NOT_FOUND {
            return Err(LocateError::NotRegistered(format!(
                "the SMP has no entry for {participant} at {url}"
            )));
        }
        if !status.is_success() {
            return Err(LocateError::Failed(format!("the SMP answered {status}")));
        }
        read_limited(response).await
    }
}

/// `{base}/{participant}/services/{document type}`, both percent-encoded.
#[must_use]
pub fn metadata_url(
    smp_base: &str,
    participant: &ParticipantIdentifier,
    document_type: &DocumentTypeIdentifier,
) -> String {
    format!(
        "{}/{}/services/{}",
        smp_base.trim_end_matches('/'),
        participant.url_encoded(),
        document_type.url_encoded()
    )
}

async fn read_limited(mut response: reqwest::Response) -> Result<String, LocateError> {
    if response
        .content_length()
        .is_some_and(|n| n > MAX_RESPONSE_BYTES as u64)
    {
        return Err(LocateError::Failed("the SMP answer is too large".into()));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| {
        LocateError::Failed(format!("the SMP answer broke off: {}", http::describe(&e)))
    })? {
        body.extend_from_slice(&chunk);
        if body.len() > MAX_RESPONSE_BYTES {
            return Err(LocateError::Failed("the SMP answer is too large".into()));
        }
    }
    String::from_utf8(body).map_err(|_| malformed("the answer is not UTF-8"))
}

fn parse(body: &str) -> Result<Document<'_>, LocateError> {
    let options = ParsingOptions {
        allow_dtd: false,
        nodes_limit: 100_000,
        ..ParsingOptions::default()
    };
    Document::parse_with_options(body, options)
        .map_err(|e| malformed(&format!("the answer is not XML without a DTD: {e}")))
}

fn malformed(why: &str) -> LocateError {
    LocateError::Failed(format!("malformed SMP answer: {why}"))
}

fn child<'a, 'i>(node: Node<'a, 'i>, namespace: &str, local: &str) -> Option<Node<'a, 'i>> {
    node.children().find(|n| n.has_tag_name((namespace, local)))
}

fn text_of<'a>(node: Node<'a, '_>) -> &'a str {
    node.text().unwrap_or_default().trim()
}

fn same_participant(node: Node<'_, '_>, participant: &ParticipantIdentifier) -> bool {
    node.attribute("scheme")
        .is_some_and(|s| s.eq_ignore_ascii_case(PARTICIPANT_SCHEME))
        && text_of(node).eq_ignore_ascii_case(participant.value())
}

fn pick_endpoint(
    information: Node<'_, '_>,
    participant: &ParticipantIdentifier,
    document_type: &DocumentTypeIdentifier,
    process: &ProcessIdentifier,
    now: DateTime<Utc>,
) -> Result<PeppolEndpoint, LocateError> {
    let listed = child(information, IDS_NAMESPACE, "ParticipantIdentifier")
        .ok_or_else(|| malformed("no ParticipantIdentifier"))?;
    if !same_participant(listed, participant) {
        return Err(malformed("the metadata is for another participant"));
    }
    let doc_id = child(information, IDS_NAMESPACE, "DocumentIdentifier")
        .ok_or_else(|| malformed("no DocumentIdentifier"))?;
    if doc_id.attribute("scheme") != Some(DOCUMENT_TYPE_SCHEME)
        || text_of(doc_id) != document_type.value()
    {
        return Err(malformed("the metadata is for another document type"));
    }
    let processes = child(information, SMP_NAMESPACE, "ProcessList")
        .ok_or_else(|| malformed("no ProcessList"))?;
    let matching = processes
        .children()
        .filter(|n| n.has_tag_name((SMP_NAMESPACE, "Process")))
        .find(|p| {
            child(*p, IDS_NAMESPACE, "ProcessIdentifier").is_some_and(|id| {
                id.attribute("scheme") == Some(PROCESS_SCHEME) && text_of(id) == process.value()
            })
        })
        .ok_or_else(|| {
            LocateError::NotRegistered(format!(
                "{participant} does not receive {document_type} in process {process}"
            ))
        })?;
    let endpoints = child(matching, SMP_NAMESPACE, "ServiceEndpointList")
        .ok_or_else(|| malformed("a Process without ServiceEndpointList"))?;
    let mut inactive = false;
    for endpoint in endpoints
        .children()
        .filter(|n| n.has_tag_name((SMP_NAMESPACE, "Endpoint")))
        .filter(|n| n.attribute("transportProfile") == Some(TRANSPORT_PROFILE_AS4))
    {
        let starts = optional_time(endpoint, "ServiceActivationDate")?;
        let ends = optional_time(endpoint, "ServiceExpirationDate")?;
        if starts.is_some_and(|s| now < s) || ends.is_some_and(|e| now >= e) {
            inactive = true;
            continue;
        }
        let url = child(endpoint, WSA_NAMESPACE, "EndpointReference")
            .and_then(|r| child(r, WSA_NAMESPACE, "Address"))
            .map(text_of)
            .filter(|a| !a.is_empty())
            .ok_or_else(|| malformed("an Endpoint without an address"))?;
        let certificate = child(endpoint, SMP_NAMESPACE, "Certificate")
            .map(text_of)
            .and_then(decode_certificate)
            .ok_or_else(|| malformed("an Endpoint without a readable Certificate"))?;
        return Ok(PeppolEndpoint {
            url: url.to_owned(),
            transport_profile: TRANSPORT_PROFILE_AS4.to_owned(),
            certificate,
        });
    }
    Err(LocateError::NotRegistered(if inactive {
        format!("the {TRANSPORT_PROFILE_AS4} endpoint of {participant} is not active now")
    } else {
        format!("{participant} publishes no {TRANSPORT_PROFILE_AS4} endpoint for {process}")
    }))
}

/// An `xs:dateTime`, with or without a zone (without: taken as UTC).
fn optional_time(
    endpoint: Node<'_, '_>,
    local: &str,
) -> Result<Option<DateTime<Utc>>, LocateError> {
    let Some(node) = child(endpoint, SMP_NAMESPACE, local) else {
        return Ok(None);
    };
    let text = text_of(node);
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Ok(Some(time.with_timezone(&Utc)));
    }
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
        .map(|t| Some(t.and_utc()))
        .map_err(|_| malformed(&format!("{local} {text:?} is not a date and time")))
}

/// The certificate as base64 DER, tolerating line breaks and PEM armour.
fn decode_certificate(text: &str) -> Option<Vec<u8>> {
    let body: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("-----"))
        .flat_map(|l| l.chars())
        .filter(|c| !c.is_whitespace())
        .collect();
    let der = STANDARD.decode(body).ok()?;
    X509Certificate::from_der(&der).ok()?;
    Some(der)
}

fn certificate_has_uid(der: &[u8], uid: &str) -> bool {
    let Ok((_, cert)) = X509Certificate::from_der(der) else {
        return false;
    };
    let carries = cert
        .subject()
        .iter_attributes()
        .any(|a| a.attr_type().to_id_string() == UID_OID && a.as_str().is_ok_and(|v| v == uid));
    carries
}
