//! Receiving an AS4 UserMessage (C3): unpack the MIME, check the signature, its coverage and
//! the signer's certificate, decrypt, decompress within a cap, read the SBDH and check the
//! ebMS header against it. The outcome is what to answer: a receipt for a [`Received`]
//! message, an ebMS error for an [`As4Error`] (see [`super::signal`]).

use std::io::Read as _;

use aes_gcm::{aead::AeadInPlace, Aes128Gcm, KeyInit, Nonce};
use base64::{engine::general_purpose::STANDARD, Engine as _};
use flate2::read::GzDecoder;
use roxmltree::{Document, Node};
use rsa::sha2::Sha256;

use super::{
    child_named, children_named, common_name, mime, trimmed_text, wss, ApKey, As4Error, EbmsCode,
    AES128_GCM, ATTACHMENT_CONTENT_ONLY, EBMS, MGF1_SHA256, NOT_SERVICED, PARTY_ID_TYPE, RSA_OAEP,
    SOAP12, WSSE, XENC, XENC11,
};
use crate::{
    identifiers::{
        DocumentTypeIdentifier, ParticipantIdentifier, ProcessIdentifier, DOCUMENT_TYPE_SCHEME,
        PARTICIPANT_SCHEME, PROCESS_SCHEME,
    },
    sbdh::{self, ParsedSbd},
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
    /// The SBD as sent (decrypted and decompressed).
    pub sbd: Vec<u8>,
    /// Its header, and where the business document is in it ([`ParsedSbd::into_document`]
    /// makes the document of `sbd` without a copy).
    pub document: ParsedSbd,
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
    pub error: As4Error,
}

impl Rejected {
    fn unread(error: As4Error) -> Self {
        Self {
            message_id: None,
            sender_access_point: None,
            authenticated: false,
            error,
        }
    }
}

/// A refusal from [`check`], and whether the sender was authenticated when it was found.
struct Failure {
    error: As4Error,
    authenticated: bool,
}

impl From<As4Error> for Failure {
    fn from(error: As4Error) -> Self {
        Self {
            error,
            authenticated: false,
        }
    }
}

fn error(code: EbmsCode, detail: impl Into<String>) -> As4Error {
    As4Error::new(code, detail)
}

/// Receives one UserMessage. `serves` says whether the receiving participant takes the
/// document type in the process; when not, the answer is EBMS:0004 with PEPPOL:NOT_SERVICED.
///
/// The payload is decrypted where it lies in `body`, and encrypted again there once it is
/// unpacked, which gives back the very bytes that were posted: `body` is left as it came (to
/// be kept as evidence), and neither the attachment nor its decrypted form takes a buffer of
/// its own.
///
/// # Errors
/// A [`Rejected`] with the ebMS error to answer.
#[tracing::instrument(skip_all, fields(message_id))]
pub fn receive(
    content_type: &str,
    body: &mut [u8],
    config: &ReceiverConfig<'_>,
    serves: &dyn Fn(&ParticipantIdentifier, &DocumentTypeIdentifier, &ProcessIdentifier) -> bool,
) -> Result<Received, Rejected> {
    let mut parts = mime::split(content_type, body).map_err(Rejected::unread)?;
    let Some(root) = parts
        .iter()
        .position(|p| p.head().media_type() == "application/soap+xml")
    else {
        return Err(Rejected::unread(error(
            EbmsCode::MimeInconsistency,
            "no application/soap+xml part",
        )));
    };
    // The envelope (a few kilobytes) is read from a copy of its own, so that the payload
    // can be decrypted where it lies in the body.
    let root = parts.remove(root).to_part(body);
    let attachments = parts;
    let text = std::str::from_utf8(&root.content).map_err(|_| {
        Rejected::unread(error(EbmsCode::InvalidHeader, "the SOAP part is not UTF-8"))
    })?;
    let doc = Document::parse(text).map_err(|e| {
        Rejected::unread(error(
            EbmsCode::InvalidHeader,
            format!("the SOAP envelope is not well-formed XML without a DTD: {e}"),
        ))
    })?;
    let user_message = doc
        .descendants()
        .find(|n| n.has_tag_name((EBMS, "UserMessage")));
    let message_id = user_message
        .and_then(|u| child_named(u, EBMS, "MessageInfo"))
        .and_then(|i| child_named(i, EBMS, "MessageId"))
        .map(trimmed_text)
        .filter(|id| !id.is_empty());
    // Claimed until the signature says otherwise.
    let sender_access_point = user_message
        .and_then(|u| child_named(u, EBMS, "PartyInfo"))
        .and_then(|p| child_named(p, EBMS, "From"))
        .and_then(|f| child_named(f, EBMS, "PartyId"))
        .map(trimmed_text)
        .filter(|id| !id.is_empty());
    if let Some(id) = &message_id {
        tracing::Span::current().record("message_id", id.as_str());
    }
    check(&doc, attachments, body, config, serves).map_err(|failure| {
        let error = failure.error;
        tracing::info!(code = error.code.code(), detail = %error.detail, "AS4 message refused");
        Rejected {
            message_id: message_id.clone(),
            sender_access_point: sender_access_point.clone(),
            authenticated: failure.authenticated,
            error,
        }
    })
}

fn check(
    doc: &Document<'_>,
    attachments: Vec<mime::PartAt>,
    posted: &mut [u8],
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
    .map_err(|error| Failure {
        error,
        authenticated: true,
    })
}

/// The checks of a message whose signer is its From party.
#[allow(clippy::too_many_arguments)]
fn check_signed(
    doc: &Document<'_>,
    attachments: Vec<mime::PartAt>,
    posted: &mut [u8],
    config: &ReceiverConfig<'_>,
    serves: &dyn Fn(&ParticipantIdentifier, &DocumentTypeIdentifier, &ProcessIdentifier) -> bool,
    message: UserMessage,
    verified: wss::Verified,
    security: Node<'_, '_>,
) -> Result<Received, As4Error> {
    if message.to_party != config.key.seat_id() {
        return Err(error(
            EbmsCode::ValueInconsistent,
            format!(
                "the message is addressed to the access point {}, not to this one",
                message.to_party
            ),
        ));
    }

    // 3. Exactly one payload, the one PartInfo names.
    let Ok([attachment]) = <[mime::PartAt; 1]>::try_from(attachments) else {
        return Err(error(
            EbmsCode::MimeInconsistency,
            "a Peppol message carries exactly one attachment",
        ));
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
        ));
    }
    if message.compression.as_deref() != Some("application/gzip") {
        return Err(error(
            EbmsCode::PolicyNoncompliance,
            "the payload must be gzip-compressed",
        ));
    }

    // 4. Decrypt, check the signed digest of the compressed bytes, decompress within the cap.
    let mut decoded;
    let content: &mut [u8] = match attachment.content {
        mime::Content::At(range) => &mut posted[range],
        mime::Content::Decoded(bytes) => {
            decoded = bytes;
            &mut decoded
        }
    };
    let compressed = decrypt(doc, security, &content_id, content, config)?;
    wss::check_attachment(&verified, &content_id, compressed.plain)?;
    let sbd = decompress(compressed.plain, config.max_decompressed)?;
    // Encrypted again: the body is as posted.
    drop(compressed);

    // 5. The SBDH, and the ebMS header against it.
    let document = sbdh::parse_received(&sbd).map_err(|e| error(EbmsCode::Other, e.to_string()))?;
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
        ));
    }
    if !same(&message.final_recipient, &sbdh.receiver) {
        return Err(error(
            EbmsCode::Other,
            "the finalRecipient property is not the SBDH Receiver",
        ));
    }
    if message.service_type.as_deref() != Some(PROCESS_SCHEME)
        || message.service != sbdh.process.value()
    {
        return Err(error(
            EbmsCode::Other,
            "the Service is not the SBDH process",
        ));
    }
    if message.action != sbdh.document_type.to_string()
        && message.action != format!("{DOCUMENT_TYPE_SCHEME}::{}", sbdh.document_type.value())
    {
        return Err(error(
            EbmsCode::Other,
            "the Action is not the SBDH document type",
        ));
    }
    if !serves(&sbdh.receiver, &sbdh.document_type, &sbdh.process) {
        return Err(error(EbmsCode::Other, NOT_SERVICED));
    }
    Ok(Received {
        message_id: message.message_id,
        conversation_id: message.conversation_id,
        from_party: message.from_party,
        to_party: message.to_party,
        sbd,
        document,
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

/// A payload decrypted where it lies (between its IV and its GCM tag). Dropped, it is
/// encrypted again with the same key and IV, which gives back the ciphertext as it came: the
/// posted body is left unchanged without a copy of the payload.
struct Decrypted<'b> {
    cipher: Aes128Gcm,
    iv: [u8; 12],
    plain: &'b mut [u8],
}

impl Drop for Decrypted<'_> {
    fn drop(&mut self) {
        // Not failing: the length was accepted when decrypting, and the tag it makes is the
        // one that is still in place after the ciphertext.
        let _ = self
            .cipher
            .encrypt_in_place_detached(Nonce::from_slice(&self.iv), b"", self.plain);
    }
}

/// Decrypts the attachment `content_id` where it lies in `content`: the EncryptedData naming
/// it, the EncryptedKey it points at (RSA-OAEP with SHA-256 and MGF1-SHA-256, to our
/// certificate), AES-128-GCM. `content` is unchanged when decryption fails.
fn decrypt<'b>(
    doc: &Document<'_>,
    security: Node<'_, '_>,
    content_id: &str,
    content: &'b mut [u8],
    config: &ReceiverConfig<'_>,
) -> Result<Decrypted<'b>, As4Error> {
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
    if session_key.len() != 16 {
        return Err(decryption("the session key is not an AES-128 key"));
    }
    if content.len() < 12 + 16 {
        return Err(decryption("the encrypted payload is too short"));
    }
    let cipher =
        Aes128Gcm::new_from_slice(&session_key).map_err(|_| decryption("bad session key"))?;
    // In place: IV first, GCM tag last, the ciphertext between them becomes the plaintext
    // (only once the tag is found right: a failed decryption leaves it as it is).
    let iv: [u8; 12] = content[..12].try_into().map_err(|_| decryption("no IV"))?;
    let tag_at = content.len() - 16;
    let tag = aes_gcm::Tag::clone_from_slice(&content[tag_at..]);
    let plain = &mut content[12..tag_at];
    cipher
        .decrypt_in_place_detached(Nonce::from_slice(&iv), b"", plain, &tag)
        .map_err(|_| {
            decryption("the payload does not decrypt (wrong key or changed ciphertext)")
        })?;
    Ok(Decrypted { cipher, iv, plain })
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
