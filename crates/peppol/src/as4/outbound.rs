//! The domain's `As4Outbound` port over this module: Haven's AS4 sending side (C2). Checks
//! the receiving access point's certificate, wraps the document in an SBDH, builds the signed
//! and encrypted UserMessage in a spool file, posts it from there over the SSRF-safe client
//! and checks the signed answer; the file is the evidence the domain stores.

use std::{
    io::SeekFrom,
    path::{Path, PathBuf},
    sync::Arc,
    time::Duration,
};

use chrono::Utc;
use haven_domain::peppol::{
    discovery::PeppolEndpoint,
    sending::{As4Answer, As4Outbound, Exchange, Outbound, SendError, SentMessage, SpooledFile},
};
use tokio::io::AsyncSeekExt as _;
use tokio_util::io::ReaderStream;

use super::{
    off_the_worker,
    send::{
        build_spooled, check_receiver_certificate, BuildError, MessageOptions, Spooled,
        SPOOL_PREFIX,
    },
    signal::{verify_answer_during_rollover, Answer},
    ApKey, ApKeys,
};
use crate::{
    http::{self, HostRules},
    identifiers::{DocumentTypeIdentifier, ParticipantIdentifier, ProcessIdentifier},
    revocation::{Refused, RevocationChecker},
    rollover::Swappable,
    sbdh::{self, Sbdh},
    xmldsig::TrustAnchors,
};

/// How long one post may take, connection and answer included.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(30);
/// The largest answer read: signals are a few kilobytes.
const MAX_ANSWER: usize = 1024 * 1024;
/// The size of the pieces the body is read from its file and posted in.
const POST_PIECE: usize = 64 * 1024;
/// The slowest upload a post is given time for beyond its timeout: the timeout is meant for
/// the connection and the answer, and a 50 MB message to an access point behind a slow link
/// would otherwise fail at every attempt.
const SLOWEST_UPLOAD_BYTES_PER_SEC: u64 = 256 * 1024;
/// The time a post of `body_len` bytes is given: `timeout` plus its upload at the slowest
/// rate allowed for.
fn post_timeout(timeout: Duration, body_len: u64) -> Duration {
    timeout + Duration::from_secs(body_len / SLOWEST_UPLOAD_BYTES_PER_SEC)
}

/// A spool file this old was left by a run that stopped while sending (building and posting
/// a message take seconds, a minute at most): no sender is using it any more.
const STALE_SPOOL: Duration = Duration::from_secs(60 * 60);

/// Sends for this access point: its key, the AP CA(s) receivers' certificates must be issued
/// by, the HTTP client with the address rules, and the revocation check of receivers'
/// certificates (none unless [`As4Sender::with_revocation`]), and the directory messages are
/// spooled to (the system's temporary directory unless [`As4Sender::with_spool_dir`]).
pub struct As4Sender {
    /// Shared with the receiver, and replaced while running when the files are renewed.
    keys: Swappable<ApKeys>,
    /// Shared with the receiver, and replaced while running when the trust file changes.
    ap_trust: Swappable<TrustAnchors>,
    rules: HostRules,
    client: reqwest::Client,
    revocation: Option<Arc<RevocationChecker>>,
    spool_dir: PathBuf,
    /// What a post of a small message may take, connection and answer included.
    timeout: Duration,
}

impl As4Sender {
    /// # Errors
    /// When the HTTP client cannot be built.
    pub fn new(
        key: ApKey,
        ap_trust: TrustAnchors,
        rules: HostRules,
        timeout: Duration,
    ) -> Result<Self, String> {
        let client = http::client(&rules, timeout)?;
        Ok(Self {
            keys: Swappable::new(ApKeys::new(key)),
            ap_trust: Swappable::new(ap_trust),
            rules,
            client,
            revocation: None,
            spool_dir: std::env::temp_dir(),
            timeout,
        })
    }

    /// Builds messages in files of `dir` (made when missing): a message is as large as its
    /// document, and is posted and handed over as evidence from there rather than memory.
    /// Removes the files a sender left there over an hour ago: a run that stopped while
    /// sending does not remove its own, and no attempt takes that long.
    #[must_use]
    pub fn with_spool_dir(mut self, dir: PathBuf) -> Self {
        let removed = remove_stale(&dir, STALE_SPOOL);
        if removed > 0 {
            tracing::info!(removed, "removed AS4 spool files a stopped run left");
        }
        self.spool_dir = dir;
        self
    }

    /// Checks each receiver's certificate with `checker` before sending.
    #[must_use]
    pub fn with_revocation(mut self, checker: Arc<RevocationChecker>) -> Self {
        self.revocation = Some(checker);
        self
    }

    /// Checks receivers' certificates against `trust`, shared with the receiver so that a
    /// reload of the trust file changes both at once.
    #[must_use]
    pub fn with_trust(mut self, trust: Swappable<TrustAnchors>) -> Self {
        self.ap_trust = trust;
        self
    }

    /// Signs with `keys` (the current key), shared with the receiver so that a reload
    /// renews both at once.
    #[must_use]
    pub fn with_keys(mut self, keys: Swappable<ApKeys>) -> Self {
        self.keys = keys;
        self
    }

    /// The seat id of the current key.
    #[must_use]
    pub fn seat_id(&self) -> String {
        self.keys.load().current.seat_id().to_owned()
    }
}

impl As4Outbound for As4Sender {
    #[tracing::instrument(name = "as4.send", skip_all, fields(message_id = %outbound.message_id, url = %endpoint.url))]
    async fn send(
        &self,
        endpoint: &PeppolEndpoint,
        outbound: &Outbound<'_>,
    ) -> Result<Exchange, SendError> {
        let refused = |why: String| SendError::Refused(why);
        let now = Utc::now();
        // The certificate comes from the receiver's SMP: it must be a Peppol AP certificate
        // before anything is encrypted to it.
        let their_seat = check_receiver_certificate(
            &endpoint.certificate,
            &self.ap_trust.load(),
            now.timestamp(),
        )
        .map_err(|e| refused(e.to_string()))?;
        self.check_revocation(&endpoint.certificate).await?;
        let url = self
            .rules
            .admit(&endpoint.url)
            .map_err(|e| refused(format!("the access point's address: {e}")))?;
        let participant = |id: &str| {
            ParticipantIdentifier::from_value(id).map_err(|e| refused(format!("{id}: {e}")))
        };
        let header = Sbdh {
            sender: participant(outbound.sender)?,
            receiver: participant(outbound.receiver)?,
            document_type: DocumentTypeIdentifier::from_value(outbound.document_type)
                .map_err(|e| refused(e.to_string()))?,
            process: ProcessIdentifier::from_value(outbound.process)
                .map_err(|e| refused(e.to_string()))?,
            country_c1: match &outbound.country_c1 {
                Some(country) => country.clone(),
                None => country_c1(&outbound.document, outbound.sender).ok_or_else(|| {
                    refused("the sender's country (COUNTRY_C1) is not in the document".into())
                })?,
            },
            instance_identifier: outbound.instance_identifier.clone(),
            created: now,
        };
        let header_country = header.country_c1.clone();
        let options = MessageOptions {
            message_id: Some(outbound.message_id.clone()),
            conversation_id: Some(outbound.instance_identifier.clone()),
        };
        // The SBD, gzip, signing and encryption on the blocking pool, off the job worker's
        // thread, into a spool file. The SBD is not written out: its parts go straight into
        // gzip. The keys of this moment sign the message and carry its seat id.
        let keys = self.keys.load();
        let our_seat = keys.current.seat_id().to_owned();
        let (key, certificate, document, spool_dir) = (
            keys,
            endpoint.certificate.clone(),
            Arc::clone(&outbound.document),
            self.spool_dir.clone(),
        );
        let message = off_the_worker(move || {
            let sbd = sbdh::wrap(&header, &document).map_err(|e| refused(e.to_string()))?;
            build_spooled(&sbd, &key.current, &certificate, &options, &spool_dir).map_err(|e| {
                match e {
                    // The disk, not the message: another attempt may find room.
                    BuildError::Spool(_) => SendError::Transient(e.to_string()),
                    _ => refused(e.to_string()),
                }
            })
        })
        .await
        .map_err(SendError::Transient)??;
        let (spooled, message) = message.take_evidence();
        let message = Arc::new(message);

        // The body is posted from the file a piece at a time, with its length announced.
        let body_start = message.body_start as u64;
        let mut file = tokio::fs::File::from_std(spooled.file.reopen().map_err(spool_failed)?);
        file.seek(SeekFrom::Start(body_start))
            .await
            .map_err(spool_failed)?;
        let body = reqwest::Body::wrap_stream(ReaderStream::with_capacity(file, POST_PIECE));
        let body_len = spooled.len.saturating_sub(body_start);
        let response = self
            .client
            .post(url)
            .timeout(post_timeout(self.timeout, body_len))
            .header(reqwest::header::CONTENT_TYPE, &message.content_type)
            .header(reqwest::header::CONTENT_LENGTH, body_len)
            .body(body)
            .send()
            .await
            .map_err(|e| SendError::Transient(http::describe(&e)))?;
        let status = response.status();
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let body = read_capped(response).await?;
        let answered_at = Utc::now();
        let checked = {
            let (message, certificate) = (Arc::clone(&message), endpoint.certificate.clone());
            let (content_type, body) = (content_type.clone(), body.clone());
            let trust = self.ap_trust.load();
            off_the_worker(move || {
                verify_answer_during_rollover(
                    &content_type,
                    &body,
                    &message,
                    &certificate,
                    &trust,
                    Utc::now().timestamp(),
                )
            })
            .await
            .map_err(SendError::Transient)?
        };
        let answer = match checked {
            Ok(Answer::Receipt) => As4Answer::Receipt,
            Ok(Answer::Error { code, detail }) => As4Answer::Error { code, detail },
            Err(invalid) => {
                let passing = status.is_success()
                    || status.is_server_error()
                    || status == reqwest::StatusCode::TOO_MANY_REQUESTS
                    || status == reqwest::StatusCode::REQUEST_TIMEOUT;
                return Err(if passing {
                    SendError::Transient(format!("HTTP {}: {invalid}", status.as_u16()))
                } else {
                    SendError::Rejected(format!("HTTP {} without a valid signal", status.as_u16()))
                });
            }
        };
        Ok(Exchange {
            message_id: message.message_id.clone(),
            our_seat,
            their_seat,
            answer,
            answered_at,
            country_c1: header_country,
            // The file posted from is the evidence; it goes once the domain has stored it.
            message: evidence(spooled),
            signal: mime_evidence(&content_type, &body),
        })
    }
}

impl As4Sender {
    /// The receiver's certificate under the revocation policy: revoked is final (the
    /// certificate will not come back); unknown under `hard` is passing, as the responder may
    /// answer at the next attempt.
    async fn check_revocation(&self, certificate: &[u8]) -> Result<(), SendError> {
        let (Some(checker), Ok(path)) = (
            &self.revocation,
            self.ap_trust
                .load()
                .path(certificate, Utc::now().timestamp()),
        ) else {
            return Ok(());
        };
        match checker.check_path(&path).await {
            Ok(()) => Ok(()),
            Err(refused @ Refused::Revoked(_)) => Err(SendError::Refused(format!(
                "the receiving access point's certificate is not accepted: {refused}"
            ))),
            Err(refused @ Refused::Unknown(_)) => Err(SendError::Transient(format!(
                "the receiving access point's certificate is not accepted yet: {refused}"
            ))),
        }
    }
}

/// Removes the sender's files in `dir` last changed more than `age` ago, and returns how many
/// went; other files (the receiver's), and any that cannot be read or removed, stay.
fn remove_stale(dir: &Path, age: Duration) -> usize {
    super::spool::remove_left(dir, SPOOL_PREFIX, Some(age)).unwrap_or(0)
}

/// The spool file, handed over to the domain: it is removed when the domain drops it.
fn evidence(spooled: Spooled) -> SentMessage {
    let file = spooled.file.into_temp_path();
    SentMessage::File(SpooledFile::new(file.to_path_buf(), file))
}

/// A spool file that could not be read back: passing (the disk), and not described to the
/// document's readers beyond its kind.
fn spool_failed(e: std::io::Error) -> SendError {
    tracing::warn!(error = %e, "an AS4 spool file could not be read");
    SendError::Transient(format!(
        "the message could not be read back from the spool: {}",
        e.kind()
    ))
}

/// A message kept as evidence: its Content-Type header, a blank line, the body as sent.
fn mime_evidence(content_type: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!("Content-Type: {content_type}\r\n\r\n").into_bytes();
    out.extend_from_slice(body);
    out
}

async fn read_capped(mut response: reqwest::Response) -> Result<Vec<u8>, SendError> {
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| SendError::Transient(http::describe(&e)))?
    {
        if body.len() + chunk.len() > MAX_ANSWER {
            return Err(SendError::Transient(
                "the answer is larger than a signal can be".into(),
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// `COUNTRY_C1`, the country of the sender (C1): the seller's country (BT-40) in an invoice
/// or credit note; otherwise the country the sender's identifier scheme belongs to.
fn country_c1(document: &[u8], sender: &str) -> Option<String> {
    supplier_country(document).or_else(|| {
        let scheme = sender.split_once(':')?.0;
        let country = match scheme {
            "0106" | "0190" | "9944" => "NL",
            "0208" | "9925" => "BE",
            "9930" => "DE",
            _ => return None,
        };
        Some(country.to_owned())
    })
}

const CAC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2";
const CBC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2";

/// `AccountingSupplierParty/Party/PostalAddress/Country/IdentificationCode` of a UBL document.
fn supplier_country(document: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(document).ok()?;
    let doc = roxmltree::Document::parse(text).ok()?;
    let path = [
        (CAC, "AccountingSupplierParty"),
        (CAC, "Party"),
        (CAC, "PostalAddress"),
        (CAC, "Country"),
        (CBC, "IdentificationCode"),
    ];
    let mut node = doc.root_element();
    for (namespace, name) in path {
        node = node
            .children()
            .find(|n| n.tag_name().namespace() == Some(namespace) && n.tag_name().name() == name)?;
    }
    let code = node.text()?.trim().to_ascii_uppercase();
    (code.len() == 2 && code.bytes().all(|b| b.is_ascii_alphanumeric())).then_some(code)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::time::SystemTime;

    use super::*;

    #[test]
    fn files_a_stopped_run_left_are_removed_and_no_others() {
        let dir = tempfile::tempdir().unwrap();
        let file = |name: &str, age: Duration| {
            let path = dir.path().join(name);
            let file = std::fs::File::create(&path).unwrap();
            file.set_modified(SystemTime::now() - age).unwrap();
            path
        };
        let hour = Duration::from_secs(3600);
        let left = file("as4-send-a1b2", 2 * hour);
        let left_gzip = file("as4-send-gzip-c3d4", 25 * hour);
        let sending = file("as4-send-e5f6", Duration::from_secs(5));
        let received = file("as4-receive-g7h8", 2 * hour);
        assert_eq!(remove_stale(dir.path(), hour), 2);
        assert!(!left.exists() && !left_gzip.exists());
        assert!(sending.exists(), "a file of a send under way stays");
        assert!(
            received.exists(),
            "the receiver's files are not the sender's to remove"
        );
        assert_eq!(remove_stale(&dir.path().join("missing"), hour), 0);
    }

    #[test]
    fn the_sender_country_comes_from_the_seller_address_or_the_scheme() {
        let ubl = format!(
            "<Invoice xmlns=\"urn:x\" xmlns:cac=\"{CAC}\" xmlns:cbc=\"{CBC}\"><cac:AccountingSupplierParty><cac:Party><cac:PostalAddress><cac:Country><cbc:IdentificationCode> be </cbc:IdentificationCode></cac:Country></cac:PostalAddress></cac:Party></cac:AccountingSupplierParty></Invoice>"
        );
        assert_eq!(country_c1(ubl.as_bytes(), "0106:1").unwrap(), "BE");
        assert_eq!(country_c1(b"<x/>", "0106:12345678").unwrap(), "NL");
        assert_eq!(country_c1(b"<x/>", "9930:DE1").unwrap(), "DE");
        assert_eq!(country_c1(b"<x/>", "0088:123"), None);
        assert_eq!(country_c1(b"not xml", "0088:123"), None);
    }
}
