//! Receiving an AS4 UserMessage (C3): unpack the MIME, check the signature, its coverage and
//! the signer's certificate, decrypt, decompress within a cap, read the SBDH and check the
//! ebMS header against it. The outcome is what to answer: a receipt for a [`Received`]
//! message, an ebMS error for an [`As4Error`] (see [`super::signal`]).

use std::{
    io::{Read, Write as _},
    ops::Range,
    path::Path,
};

use base64::{engine::general_purpose::STANDARD, Engine as _};
use flate2::read::GzDecoder;
use roxmltree::{Document, Node};
use rsa::sha2::{Digest as _, Sha256};

use super::{
    child_named, children_named, common_name,
    gcm::{GcmDecryptor, IV_LEN, TAG_LEN},
    mime::{self, ReadAt},
    trimmed_text, wss, ApKey, As4Error, EbmsCode, AES128_GCM, ATTACHMENT_CONTENT_ONLY, EBMS,
    MGF1_SHA256, NOT_SERVICED, PARTY_ID_TYPE, RSA_OAEP, SOAP12, WSSE, XENC, XENC11,
};
use crate::{
    identifiers::{
        DocumentTypeIdentifier, ParticipantIdentifier, ProcessIdentifier, DOCUMENT_TYPE_SCHEME,
        PARTICIPANT_SCHEME, PROCESS_SCHEME,
    },
    sbdh::{self, Sbdh},
    xmldsig::{TrustAnchors, DSIG_NAMESPACE, SHA256},
};

/// What a receiving access point needs.
pub struct ReceiverConfig<'a> {
    /// Our access point key: decrypts, and its certificate must be the one encrypted to.
    pub key: &'a ApKey,
    /// The key of our previous certificate during a rollover: decrypts what is encrypted to
    /// that certificate (the receipt is still signed with `key`).
    pub previous: Option<&'a ApKey>,
    /// The AP CA(s) a sender's certificate must be issued by.
    pub ap_trust: &'a TrustAnchors,
    /// The largest decompressed payload accepted (EBMS:0303 beyond).
    pub max_decompressed: u64,
    /// Unix seconds, for certificate validity.
    pub now: i64,
}

/// A message accepted (its receipt is built by [`super::signal::receipt`]).
#[derive(Debug, Clone)]
pub struct Received {
    pub message_id: String,
    pub conversation_id: String,
    /// The seat ids of the sending (C2) and receiving (C3) access points.
    pub from_party: String,
    pub to_party: String,
    /// The SBD's header, checked.
    pub header: Sbdh,
    /// The business document standing on its own (with the namespace declarations it
    /// inherited from the envelope).
    pub document: Vec<u8>,
    /// The sender's certificate (DER).
    pub signer: Vec<u8>,
    /// The references of the message's signature, for the receipt's non-repudiation part.
    pub references: Vec<wss::SignedReference>,
}

/// A message not accepted: the error to answer with, and the MessageId and the sending access
/// point's seat id (its From PartyId) when they were readable.
#[derive(Debug, Clone)]
pub struct Rejected {
    pub message_id: Option<String>,
    pub sender_access_point: Option<String>,
    /// Whether the message's signature verified and its signer is the sending access point
    /// under a trusted AP CA: only then is `sender_access_point` known rather than claimed.
    pub authenticated: bool,
    /// Whether the receiver failed rather than the message: its spool files could not be
    /// read or written. Not the sender's doing, so not to be answered with `error` (which
    /// would be final) but with a failure the sender retries.
    pub internal: bool,
    pub error: As4Error,
}

impl Rejected {
    fn unread(error: As4Error) -> Self {
        Self {
            message_id: None,
            sender_access_point: None,
            authenticated: false,
            internal: false,
            error,
        }
    }
}

/// A refusal from [`check`], whether the sender was authenticated when it was found, and
/// whether it is the receiver's own failure ([`Rejected::internal`]).
struct Failure {
    error: As4Error,
    authenticated: bool,
    internal: bool,
}

impl Failure {
    fn internal(detail: impl std::fmt::Display) -> Self {
        Self {
            error: error(
                EbmsCode::Other,
                format!("the message could not be spooled: {detail}"),
            ),
            authenticated: false,
            internal: true,
        }
    }
}

impl From<As4Error> for Failure {
    fn from(error: As4Error) -> Self {
        Self {
            error,
            authenticated: false,
            internal: false,
        }
    }
}

fn error(code: EbmsCode, detail: impl Into<String>) -> As4Error {
    As4Error::new(code, detail)
}

/// Receives one UserMessage posted as `body`, held in memory. The payload is unpacked into
/// a spool file in the system's temporary directory; see [`receive_from`].
///
/// # Errors
/// A [`Rejected`] with the ebMS error to answer.
pub fn receive(
    content_type: &str,
    body: &[u8],
    config: &ReceiverConfig<'_>,
    serves: &dyn Fn(&ParticipantIdentifier, &DocumentTypeIdentifier, &ProcessIdentifier) -> bool,
) -> Result<Received, Rejected> {
    receive_from(
        content_type,
        body,
        0..body.len() as u64,
        &std::env::temp_dir(),
        config,
        serves,
    )
}

/// Receives one UserMessage whose body is at `body` in `source` (the spool file the server
/// wrote it to as it arrived). `serves` says whether the receiving participant takes the
/// document type in the process; when not, the answer is EBMS:0004 with PEPPOL:NOT_SERVICED.
///
/// Only the SOAP envelope (at most [`MAX_ENVELOPE_BYTES`]) and the business document are held
/// in memory: the MIME parts are found by reading the body a piece at a time, and the payload
/// is decrypted, hashed for its signed digest and gunzipped as it is read, into an anonymous
/// spool file in `spool_dir`, whose header is then read and whose business document is the
/// one buffer of the payload's size. Nothing of it is acted on before the AES-GCM tag and the
/// signed digest have been checked. `source` is only read.
///
/// # Errors
/// A [`Rejected`] with the ebMS error to answer; [`Rejected::internal`] when this receiver
/// could not read or write its own files.
#[tracing::instrument(skip_all, fields(message_id))]
pub fn receive_from(
    content_type: &str,
    source: &(impl ReadAt + ?Sized),
    body: Range<u64>,
    spool_dir: &Path,
    config: &ReceiverConfig<'_>,
    serves: &dyn Fn(&ParticipantIdentifier, &DocumentTypeIdentifier, &ProcessIdentifier) -> bool,
) -> Result<Received, Rejected> {
    let mut parts = mime::scan(content_type, source, body).map_err(Rejected::unread)?;
    let Some(root) = parts
        .iter()
        .position(|p| p.head().media_type() == "application/soap+xml")
    else {
        return Err(Rejected::unread(error(
            EbmsCode::MimeInconsistency,
            "no application/soap+xml part",
        )));
    };
    let root = parts.remove(root);
    let attachments = parts;
    let envelope = read_envelope(source, &root).map_err(Rejected::unread)?;
    let text = std::str::from_utf8(&envelope).map_err(|_| {
        Rejected::unread(error(EbmsCode::InvalidHeader, "the SOAP part is not UTF-8"))
    })?;
    let doc = Document::parse(text).map_err(|e| {
        Rejected::unread(error(
            EbmsCode::InvalidHeader,
            format!("the SOAP envelope is not well-formed XML without a DTD: {e}"),
        ))
    })?;
    // Claimed until the signature says otherwise.
    let (message_id, sender_access_point) = envelope_ids(&doc);
    if let Some(id) = &message_id {
        tracing::Span::current().record("message_id", id.as_str());
    }
    let posted = Spooled { source, spool_dir };
    check(&doc, attachments, &posted, config, serves).map_err(|failure| {
        let error = failure.error;
        if failure.internal {
            tracing::warn!(detail = %error.detail, "AS4 message not read: this receiver's files failed");
        } else {
            tracing::info!(code = error.code.code(), detail = %error.detail, "AS4 message refused");
        }
        Rejected {
            message_id: message_id.clone(),
            sender_access_point: sender_access_point.clone(),
            authenticated: failure.authenticated,
            internal: failure.internal,
            error,
        }
    })
}

/// The MessageId and From PartyId a message claims, read from `start`, the first bytes of its
/// body, when its SOAP envelope is the first MIME part and complete among them: what the
/// record of a message refused unread (too large) can name. Nothing of it is verified.
#[must_use]
pub fn claimed_ids(content_type: &str, start: &[u8]) -> (Option<String>, Option<String>) {
    let find = |needle: &[u8], from: usize| {
        start
            .get(from..)?
            .windows(needle.len())
            .position(|w| w == needle)
            .map(|i| i + from)
    };
    let envelope = (|| {
        if mime::media_type(content_type) != "multipart/related" {
            return None;
        }
        let delimiter = format!("--{}", mime::parameter(content_type, "boundary")?);
        let first = find(delimiter.as_bytes(), 0)?;
        let head_end = find(b"\r\n\r\n", first)? + 4;
        let end = find(format!("\r\n{delimiter}").as_bytes(), head_end)?;
        std::str::from_utf8(&start[head_end..end]).ok()
    })();
    envelope
        .and_then(|text| Document::parse(text).ok())
        .map_or((None, None), |doc| envelope_ids(&doc))
}

/// The MessageId and the From PartyId of the envelope's UserMessage, when not empty.
fn envelope_ids(doc: &Document<'_>) -> (Option<String>, Option<String>) {
    let user_message = doc
        .descendants()
        .find(|n| n.has_tag_name((EBMS, "UserMessage")));
    let message_id = user_message
        .and_then(|u| child_named(u, EBMS, "MessageInfo"))
        .and_then(|i| child_named(i, EBMS, "MessageId"))
        .map(trimmed_text)
        .filter(|id| !id.is_empty());
    let from = user_message
        .and_then(|u| child_named(u, EBMS, "PartyInfo"))
        .and_then(|p| child_named(p, EBMS, "From"))
        .and_then(|f| child_named(f, EBMS, "PartyId"))
        .map(trimmed_text)
        .filter(|id| !id.is_empty());
    (message_id, from)
}

/// Most bytes of the SOAP envelope, which is read into memory (EBMS:0009 beyond).
pub const MAX_ENVELOPE_BYTES: u64 = 1024 * 1024;

/// The SOAP part's content, read whole (it is small: headers, no payload).
fn read_envelope(
    source: &(impl ReadAt + ?Sized),
    part: &mime::SpooledPart,
) -> Result<Vec<u8>, As4Error> {
    let length = part.content.end - part.content.start;
    // Base64 is a third longer than what it carries.
    let allowed = if part.base64 {
        MAX_ENVELOPE_BYTES / 3 * 4 + MAX_ENVELOPE_BYTES / 8
    } else {
        MAX_ENVELOPE_BYTES
    };
    if length > allowed {
        return Err(error(
            EbmsCode::InvalidHeader,
            format!("the SOAP envelope is larger than {MAX_ENVELOPE_BYTES} bytes"),
        ));
    }
    let mut content = vec![0u8; usize::try_from(length).unwrap_or(0)];
    let n = source
        .read_at(&mut content, part.content.start)
        .map_err(|e| {
            error(
                EbmsCode::MimeInconsistency,
                format!("the message cannot be read: {e}"),
            )
        })?;
    content.truncate(n);
    if !part.base64 {
        return Ok(content);
    }
    content.retain(|b| !b.is_ascii_whitespace());
    STANDARD
        .decode(content)
        .map_err(|_| error(EbmsCode::MimeInconsistency, "a base64 part does not decode"))
}

/// The posted message being read, and where its payload is unpacked.
struct Spooled<'p, S: ReadAt + ?Sized> {
    source: &'p S,
    spool_dir: &'p Path,
}

fn check(
    doc: &Document<'_>,
    attachments: Vec<mime::SpooledPart>,
    posted: &Spooled<'_, impl ReadAt + ?Sized>,
    config: &ReceiverConfig<'_>,
    serves: &dyn Fn(&ParticipantIdentifier, &DocumentTypeIdentifier, &ProcessIdentifier) -> bool,
) -> Result<Received, Failure> {
    let envelope = doc.root_element();
    if !envelope.has_tag_name((SOAP12, "Envelope")) {
        return Err(error(EbmsCode::InvalidHeader, "not a SOAP 1.2 envelope").into());
    }
    let header = child_named(envelope, SOAP12, "Header")
        .ok_or_else(|| error(EbmsCode::InvalidHeader, "no SOAP header"))?;
    let body = child_named(envelope, SOAP12, "Body")
        .ok_or_else(|| error(EbmsCode::InvalidHeader, "no SOAP body"))?;
    let messaging = single(header, EBMS, "Messaging")?;
    let security = single(header, WSSE, "Security")?;
    let user_message = single(messaging, EBMS, "UserMessage")?;
    let message = UserMessage::read(user_message)?;

    // 1. The signature: algorithms, element digests, value; it must cover Messaging, Body and
    //    every payload.
    let verified = wss::verify(doc, security)?;
    for (node, what) in [(messaging, "eb:Messaging"), (body, "the SOAP Body")] {
        let covered = node
            .attributes()
            .find(|a| a.name() == "Id")
            .is_some_and(|id| verified.covers_element(id.value()));
        if !covered {
            return Err(error(
                EbmsCode::PolicyNoncompliance,
                format!("the signature does not cover {what}"),
            )
            .into());
        }
    }
    // 2. The signer: issued by the AP CA, valid now, its CN the From PartyId.
    config
        .ap_trust
        .check(&verified.signer, config.now)
        .map_err(|e| error(EbmsCode::FailedAuthentication, e.to_string()))?;
    let signer_cn =
        common_name(&verified.signer).map_err(|e| error(EbmsCode::FailedAuthentication, e))?;
    if !super::is_seat_id(&signer_cn) {
        return Err(error(
            EbmsCode::FailedAuthentication,
            format!("the signing certificate's CN {signer_cn} is not a Peppol seat id"),
        )
        .into());
    }
    if signer_cn != message.from_party {
        return Err(error(
            EbmsCode::FailedAuthentication,
            format!(
                "the signing certificate is {signer_cn}'s, the message says it is from {}",
                message.from_party
            ),
        )
        .into());
    }
    // From here on the sender is known: what is refused is the authenticated sender's.
    check_signed(
        doc,
        attachments,
        posted,
        config,
        serves,
        message,
        verified,
        security,
    )
    .map_err(|failure| Failure {
        authenticated: true,
        ..failure
    })
}

/// The checks of a message whose signer is its From party.
#[allow(clippy::too_many_arguments)]
fn check_signed(
    doc: &Document<'_>,
    attachments: Vec<mime::SpooledPart>,
    posted: &Spooled<'_, impl ReadAt + ?Sized>,
    config: &ReceiverConfig<'_>,
    serves: &dyn Fn(&ParticipantIdentifier, &DocumentTypeIdentifier, &ProcessIdentifier) -> bool,
    message: UserMessage,
    verified: wss::Verified,
    security: Node<'_, '_>,
) -> Result<Received, Failure> {
    if message.to_party != config.key.seat_id() {
        return Err(error(
            EbmsCode::ValueInconsistent,
            format!(
                "the message is addressed to the access point {}, not to this one",
                message.to_party
            ),
        )
        .into());
    }

    // 3. Exactly one payload, the one PartInfo names.
    let Ok([attachment]) = <[mime::SpooledPart; 1]>::try_from(attachments) else {
        return Err(error(
            EbmsCode::MimeInconsistency,
            "a Peppol message carries exactly one attachment",
        )
        .into());
    };
    let content_id = attachment.head().content_id().ok_or_else(|| {
        error(
            EbmsCode::MimeInconsistency,
            "the attachment has no Content-ID",
        )
    })?;
    if message.part_href != format!("cid:{content_id}") {
        return Err(error(
            EbmsCode::ValueInconsistent,
            "the PartInfo does not name the attachment",
        )
        .into());
    }
    if message.compression.as_deref() != Some("application/gzip") {
        return Err(error(
            EbmsCode::PolicyNoncompliance,
            "the payload must be gzip-compressed",
        )
        .into());
    }

    // 4. Decrypt, check the signed digest of the compressed bytes, decompress within the cap,
    //    as the payload is read.
    let key = session_key(doc, security, &content_id, config)?;
    let reference = signed_digest(&verified, &content_id)?;
    let mut sbd = open_payload(
        posted,
        &attachment,
        &key,
        &reference,
        config.max_decompressed,
    )?;

    // 5. The SBDH, and the ebMS header against it.
    let document = sbdh::read_received(&mut sbd).map_err(|e| match e {
        sbdh::SbdhError::Unreadable(detail) => Failure::internal(detail),
        e => error(EbmsCode::Other, e.to_string()).into(),
    })?;
    drop(sbd);
    let sbdh = &document.header;
    let same = |property: &Option<(String, Option<String>)>,
                participant: &ParticipantIdentifier| {
        property.as_ref().is_some_and(|(value, scheme)| {
            scheme.as_deref() == Some(PARTICIPANT_SCHEME)
                && ParticipantIdentifier::from_value(value).is_ok_and(|p| &p == participant)
        })
    };
    if !same(&message.original_sender, &sbdh.sender) {
        return Err(error(
            EbmsCode::Other,
            "the originalSender property is not the SBDH Sender",
        )
        .into());
    }
    if !same(&message.final_recipient, &sbdh.receiver) {
        return Err(error(
            EbmsCode::Other,
            "the finalRecipient property is not the SBDH Receiver",
        )
        .into());
    }
    if message.service_type.as_deref() != Some(PROCESS_SCHEME)
        || message.service != sbdh.process.value()
    {
        return Err(error(EbmsCode::Other, "the Service is not the SBDH process").into());
    }
    if message.action != sbdh.document_type.to_string()
        && message.action != format!("{DOCUMENT_TYPE_SCHEME}::{}", sbdh.document_type.value())
    {
        return Err(error(EbmsCode::Other, "the Action is not the SBDH document type").into());
    }
    if !serves(&sbdh.receiver, &sbdh.document_type, &sbdh.process) {
        return Err(error(EbmsCode::Other, NOT_SERVICED).into());
    }
    Ok(Received {
        message_id: message.message_id,
        conversation_id: message.conversation_id,
        from_party: message.from_party,
        to_party: message.to_party,
        header: document.header,
        document: document.document,
        signer: verified.signer,
        references: verified.references,
    })
}

fn single<'a, 'i: 'a>(
    parent: Node<'a, 'i>,
    namespace: &'static str,
    local: &'static str,
) -> Result<Node<'a, 'i>, As4Error> {
    let mut found = children_named(parent, namespace, local);
    match (found.next(), found.next()) {
        (Some(node), None) => Ok(node),
        (None, _) => Err(error(EbmsCode::InvalidHeader, format!("no {local}"))),
        (Some(_), Some(_)) => Err(error(
            EbmsCode::InvalidHeader,
            format!("more than one {local}"),
        )),
    }
}

/// The fields of a UserMessage Haven checks.
struct UserMessage {
    message_id: String,
    from_party: String,
    to_party: String,
    service: String,
    service_type: Option<String>,
    action: String,
    conversation_id: String,
    original_sender: Option<(String, Option<String>)>,
    final_recipient: Option<(String, Option<String>)>,
    part_href: String,
    compression: Option<String>,
}

impl UserMessage {
    fn read(user_message: Node<'_, '_>) -> Result<Self, As4Error> {
        let text_at = |path: &[&'static str]| -> Result<Node<'_, '_>, As4Error> {
            let mut node = user_message;
            for local in path {
                node = single(node, EBMS, local)?;
            }
            Ok(node)
        };
        let message_id = trimmed_text(text_at(&["MessageInfo", "MessageId"])?);
        if message_id.is_empty() {
            return Err(error(EbmsCode::InvalidHeader, "the MessageId is empty"));
        }
        let party = |side: &'static str| -> Result<String, As4Error> {
            let party_id = text_at(&["PartyInfo", side, "PartyId"])?;
            if party_id.attribute("type") != Some(PARTY_ID_TYPE) {
                return Err(error(
                    EbmsCode::InvalidHeader,
                    format!("the {side} PartyId's type must be {PARTY_ID_TYPE}"),
                ));
            }
            Ok(trimmed_text(party_id))
        };
        let collaboration = text_at(&["CollaborationInfo"])?;
        let service = single(collaboration, EBMS, "Service")?;
        let properties: Vec<Node<'_, '_>> = child_named(user_message, EBMS, "MessageProperties")
            .map(|p| children_named(p, EBMS, "Property").collect())
            .unwrap_or_default();
        let property = |name: &str| {
            properties
                .iter()
                .find(|p| p.attribute("name") == Some(name))
                .map(|p| (trimmed_text(*p), p.attribute("type").map(str::to_owned)))
        };
        let payload_info = text_at(&["PayloadInfo"])?;
        let part_info = single(payload_info, EBMS, "PartInfo")?;
        let compression = child_named(part_info, EBMS, "PartProperties")
            .into_iter()
            .flat_map(|p| children_named(p, EBMS, "Property"))
            .find(|p| p.attribute("name") == Some("CompressionType"))
            .map(trimmed_text);
        Ok(Self {
            message_id,
            from_party: party("From")?,
            to_party: party("To")?,
            service: trimmed_text(service),
            service_type: service.attribute("type").map(str::to_owned),
            action: trimmed_text(single(collaboration, EBMS, "Action")?),
            conversation_id: trimmed_text(single(collaboration, EBMS, "ConversationId")?),
            original_sender: property("originalSender"),
            final_recipient: property("finalRecipient"),
            part_href: part_info.attribute("href").unwrap_or("").to_owned(),
            compression,
        })
    }
}

fn decryption(detail: impl Into<String>) -> As4Error {
    error(EbmsCode::FailedDecryption, detail)
}

fn policy(detail: impl Into<String>) -> As4Error {
    error(EbmsCode::PolicyNoncompliance, detail)
}

/// The AES-128 key the attachment `content_id` is encrypted with: the EncryptedData naming
/// it (AES-128-GCM), the EncryptedKey it points at (RSA-OAEP with SHA-256 and MGF1-SHA-256,
/// to our certificate), unwrapped with our key.
fn session_key(
    doc: &Document<'_>,
    security: Node<'_, '_>,
    content_id: &str,
    config: &ReceiverConfig<'_>,
) -> Result<[u8; 16], As4Error> {
    let uri = format!("cid:{content_id}");
    let encrypted_data = children_named(security, XENC, "EncryptedData")
        .find(|d| {
            child_named(*d, XENC, "CipherData")
                .and_then(|c| child_named(c, XENC, "CipherReference"))
                .and_then(|r| r.attribute("URI"))
                == Some(uri.as_str())
        })
        .ok_or_else(|| policy("the payload is not encrypted"))?;
    if encrypted_data.attribute("Type") != Some(ATTACHMENT_CONTENT_ONLY) {
        return Err(policy(
            "the EncryptedData must be of type Attachment-Content-Only",
        ));
    }
    let data_algorithm = child_named(encrypted_data, XENC, "EncryptionMethod")
        .and_then(|m| m.attribute("Algorithm"))
        .unwrap_or("");
    if data_algorithm != AES128_GCM {
        return Err(policy(format!(
            "payload encryption {data_algorithm} (only AES-128-GCM is accepted)"
        )));
    }
    let data_id = encrypted_data.attribute("Id").unwrap_or("");
    let encrypted_key = children_named(security, XENC, "EncryptedKey")
        .find(|k| {
            child_named(*k, XENC, "ReferenceList")
                .into_iter()
                .flat_map(|l| children_named(l, XENC, "DataReference"))
                .any(|r| r.attribute("URI") == Some(format!("#{data_id}").as_str()))
        })
        .ok_or_else(|| policy("no EncryptedKey for the payload"))?;
    let method = child_named(encrypted_key, XENC, "EncryptionMethod")
        .ok_or_else(|| policy("the EncryptedKey has no EncryptionMethod"))?;
    if method.attribute("Algorithm") != Some(RSA_OAEP) {
        return Err(policy("key transport must be RSA-OAEP (xmlenc11#rsa-oaep)"));
    }
    let digest =
        child_named(method, DSIG_NAMESPACE, "DigestMethod").and_then(|d| d.attribute("Algorithm"));
    let mgf = child_named(method, XENC11, "MGF").and_then(|d| d.attribute("Algorithm"));
    if digest != Some(SHA256) || mgf != Some(MGF1_SHA256) {
        return Err(policy("RSA-OAEP must use SHA-256 and MGF1 with SHA-256"));
    }
    // The key must be encrypted to our certificate, named by a BinarySecurityToken.
    let bst_id = child_named(encrypted_key, DSIG_NAMESPACE, "KeyInfo")
        .and_then(|k| child_named(k, WSSE, "SecurityTokenReference"))
        .and_then(|s| child_named(s, WSSE, "Reference"))
        .and_then(|r| r.attribute("URI"))
        .and_then(|u| u.strip_prefix('#'))
        .ok_or_else(|| {
            policy("the EncryptedKey does not name the certificate it is encrypted to")
        })?;
    let recipient = wss::binary_security_token(doc, bst_id)?;
    // Our current certificate, or during a rollover the previous one, which senders may
    // still have from a cached SMP answer.
    let key = super::decryption_key(config.key, config.previous, &recipient).ok_or_else(|| {
        decryption(if config.previous.is_some() {
            "the message is encrypted to a certificate that is neither this access point's current nor its previous one"
        } else {
            "the message is encrypted to another certificate than this access point's"
        })
    })?;
    let wrapped = child_named(encrypted_key, XENC, "CipherData")
        .and_then(|c| child_named(c, XENC, "CipherValue"))
        .map(|v| {
            v.text()
                .unwrap_or("")
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect::<String>()
        })
        .and_then(|t| STANDARD.decode(t).ok())
        .ok_or_else(|| policy("the EncryptedKey has no readable CipherValue"))?;
    let session_key = key
        .decrypting
        .oaep_decrypt::<Sha256>(&wrapped)
        .map_err(|_| decryption("the session key does not decrypt"))?;
    <[u8; 16]>::try_from(session_key.as_slice())
        .map_err(|_| decryption("the session key is not an AES-128 key"))
}

/// The digest the signature gives the attachment `content_id` (of its content as signed:
/// compressed, not yet encrypted).
///
/// # Errors
/// EBMS:0101 when the attachment is not signed.
fn signed_digest(verified: &wss::Verified, content_id: &str) -> Result<String, As4Error> {
    let uri = format!("cid:{content_id}");
    verified
        .references
        .iter()
        .find(|r| r.uri == uri)
        .map(|r| r.digest_value.clone())
        .ok_or_else(|| {
            error(
                EbmsCode::FailedAuthentication,
                format!("the attachment {uri} is not signed"),
            )
        })
}

/// Bytes of the payload read at a time.
const PIECE: usize = 64 * 1024;

/// Decrypts, hashes and gunzips the attachment as it is read from the posted message, into
/// an anonymous spool file (gone when closed, even after a crash) that is returned at its
/// start. Whatever gunzip makes of it, the whole payload is decrypted, so that the AES-GCM
/// tag and then the signed digest are checked before anything else is said of it: a changed
/// payload is EBMS:0102 or EBMS:0101, never a gzip error. Gunzip stops at `cap` bytes
/// (EBMS:0303), so a small payload that would decompress without end costs no more than
/// `cap` of disk and the time to read it.
fn open_payload(
    posted: &Spooled<'_, impl ReadAt + ?Sized>,
    attachment: &mime::SpooledPart,
    key: &[u8; 16],
    signed_digest: &str,
    cap: u64,
) -> Result<std::fs::File, Failure> {
    let section = Section {
        source: posted.source,
        at: attachment.content.start,
        end: attachment.content.end,
    };
    let mut encrypted: Box<dyn Read + '_> = if attachment.base64 {
        Box::new(base64::read::DecoderReader::new(
            NoWhitespace(section),
            &STANDARD,
        ))
    } else {
        Box::new(section)
    };
    let mut iv = [0u8; IV_LEN];
    if let Err(e) = encrypted.read_exact(&mut iv) {
        return Err(match e.kind() {
            std::io::ErrorKind::UnexpectedEof => {
                decryption("the encrypted payload is too short").into()
            }
            _ => unreadable_payload(e, attachment.base64),
        });
    }
    let mut plain = Decrypting {
        source: encrypted,
        gcm: GcmDecryptor::new(key, &iv),
        digest: Sha256::new(),
        ready: Vec::with_capacity(PIECE + TAG_LEN),
        given: 0,
        tail: Vec::with_capacity(TAG_LEN),
        piece: vec![0u8; PIECE],
        failed: None,
        ended: false,
    };
    let mut sbd = tempfile::tempfile_in(posted.spool_dir).map_err(Failure::internal)?;
    let unpacked = {
        let mut out = std::io::BufWriter::with_capacity(PIECE, &mut sbd);
        let unpacked = gunzip(&mut plain, &mut out, cap)?;
        out.flush().map_err(Failure::internal)?;
        unpacked
    };
    if let Some(e) = plain.failed.take() {
        return Err(unreadable_payload(e, attachment.base64));
    }
    // The rest of the payload, when gunzip stopped early, for the tag and the digest.
    if let Err(e) = std::io::copy(&mut plain, &mut std::io::sink()) {
        return Err(plain.failed.take().map_or_else(
            || Failure::internal(&e),
            |e| unreadable_payload(e, attachment.base64),
        ));
    }
    let digest = plain.finish()?;
    if STANDARD.encode(digest) != signed_digest {
        return Err(error(
            EbmsCode::FailedAuthentication,
            format!(
                "the digest of cid:{} does not match: it was changed",
                attachment.head().content_id().unwrap_or_default()
            ),
        )
        .into());
    }
    unpacked?;
    std::io::Seek::rewind(&mut sbd).map_err(Failure::internal)?;
    Ok(sbd)
}

/// A read of the attachment failed: a base64 part that does not decode is the sender's
/// doing, anything else this receiver's.
fn unreadable_payload(e: std::io::Error, base64: bool) -> Failure {
    if base64 && e.kind() == std::io::ErrorKind::InvalidData {
        error(EbmsCode::MimeInconsistency, "a base64 part does not decode").into()
    } else {
        Failure::internal(e)
    }
}

/// Gunzips what `plain` gives into `out`, at most `cap` bytes. The outer result is this
/// receiver's failure (writing the spool file); the inner one says whether the payload
/// unpacked (EBMS:0303 when not gzip or over the cap).
fn gunzip(
    plain: &mut impl Read,
    out: &mut impl std::io::Write,
    cap: u64,
) -> Result<Result<(), As4Error>, Failure> {
    let mut decoder = GzDecoder::new(plain);
    let mut piece = vec![0u8; PIECE];
    let mut total: u64 = 0;
    loop {
        match decoder.read(&mut piece) {
            Ok(0) => return Ok(Ok(())),
            Ok(n) => {
                total += n as u64;
                if total > cap {
                    return Ok(Err(error(
                        EbmsCode::DecompressionFailure,
                        format!("the payload decompresses to more than {cap} bytes"),
                    )));
                }
                out.write_all(&piece[..n]).map_err(Failure::internal)?;
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            // A read error of the payload itself is told apart by the caller.
            Err(e) => {
                return Ok(Err(error(
                    EbmsCode::DecompressionFailure,
                    format!("the payload does not decompress: {e}"),
                )))
            }
        }
    }
}

/// A range of the posted message, read a piece at a time.
struct Section<'s, S: ReadAt + ?Sized> {
    source: &'s S,
    at: u64,
    end: u64,
}

impl<S: ReadAt + ?Sized> Read for Section<'_, S> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let left = usize::try_from(self.end - self.at).unwrap_or(usize::MAX);
        let want = buf.len().min(left);
        if want == 0 {
            return Ok(0);
        }
        let n = self.source.read_at(&mut buf[..want], self.at)?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        self.at += n as u64;
        Ok(n)
    }
}

/// Base64 text without its line breaks, for the decoder.
struct NoWhitespace<R>(R);

impl<R: Read> Read for NoWhitespace<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            let n = self.0.read(buf)?;
            if n == 0 {
                return Ok(0);
            }
            let mut kept = 0;
            for i in 0..n {
                if !buf[i].is_ascii_whitespace() {
                    buf[kept] = buf[i];
                    kept += 1;
                }
            }
            if kept > 0 {
                return Ok(kept);
            }
        }
    }
}

/// The plaintext of an AES-128-GCM payload (`IV ‖ ciphertext ‖ tag`, the IV already read)
/// as it is read, hashed with SHA-256 on the way. The last [`TAG_LEN`] bytes are held back
/// until the end, where [`Decrypting::finish`] checks them as the tag: until then what it
/// gives out is not authenticated. A read error of the source is kept in `failed`, so that
/// the caller can tell it from an error of whoever reads from this.
struct Decrypting<R> {
    source: R,
    gcm: GcmDecryptor,
    digest: Sha256,
    /// Plaintext ready to be given out, from `given` on.
    ready: Vec<u8>,
    given: usize,
    /// The last bytes read, which may be the tag.
    tail: Vec<u8>,
    piece: Vec<u8>,
    failed: Option<std::io::Error>,
    ended: bool,
}

impl<R: Read> Read for Decrypting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            if self.given < self.ready.len() {
                let n = buf.len().min(self.ready.len() - self.given);
                buf[..n].copy_from_slice(&self.ready[self.given..self.given + n]);
                self.given += n;
                return Ok(n);
            }
            if self.ended || buf.is_empty() {
                return Ok(0);
            }
            let n = match self.source.read(&mut self.piece) {
                Ok(0) => {
                    self.ended = true;
                    continue;
                }
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    let kind = e.kind();
                    self.failed = Some(e);
                    return Err(std::io::Error::new(kind, "the payload could not be read"));
                }
            };
            self.ready.clear();
            self.given = 0;
            self.ready.extend_from_slice(&self.tail);
            self.ready.extend_from_slice(&self.piece[..n]);
            let keep = self.ready.len().saturating_sub(TAG_LEN);
            self.tail.clear();
            self.tail.extend_from_slice(&self.ready[keep..]);
            self.ready.truncate(keep);
            self.gcm.update(&mut self.ready);
            self.digest.update(&self.ready);
        }
    }
}

impl<R> Decrypting<R> {
    /// Checks the tag after the whole payload was read, and gives the SHA-256 of the
    /// plaintext.
    fn finish(self) -> Result<[u8; 32], Failure> {
        if self.tail.len() < TAG_LEN {
            return Err(decryption("the encrypted payload is too short").into());
        }
        self.gcm.finish(&self.tail).map_err(|_| {
            decryption("the payload does not decrypt (wrong key or changed ciphertext)")
        })?;
        Ok(self.digest.finalize().into())
    }
}

/// Gunzips `compressed`, refusing more than `cap` bytes of output.
///
/// # Errors
/// EBMS:0303 when it is not gzip or decompresses to more than `cap`.
pub fn decompress(compressed: &[u8], cap: u64) -> Result<Vec<u8>, As4Error> {
    let mut out = Vec::new();
    GzDecoder::new(compressed)
        .take(cap.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(|e| {
            error(
                EbmsCode::DecompressionFailure,
                format!("the payload does not decompress: {e}"),
            )
        })?;
    if out.len() as u64 > cap {
        return Err(error(
            EbmsCode::DecompressionFailure,
            format!("the payload decompresses to more than {cap} bytes"),
        ));
    }
    Ok(out)
}
