//! Building the AS4 UserMessage a sending access point (C2) posts: the SBD gzipped, signed
//! (Messaging, Body, attachment) and encrypted to the receiving access point's certificate.

use std::io::Write as _;

use aes_gcm::{aead::AeadInPlace, Aes128Gcm, KeyInit, Nonce};
use base64::{engine::general_purpose::STANDARD, Engine as _};
use chrono::{SecondsFormat, Utc};
use flate2::{write::GzEncoder, Compression};
use ring::rand::{SecureRandom, SystemRandom};
use rsa::{pkcs8::DecodePublicKey, sha2::Sha256, PublicKey};
use x509_parser::{certificate::X509Certificate, prelude::FromDer};

use super::{
    common_name, mime, new_id, wss, ApKey, AES128_GCM, AGREEMENT, ATTACHMENT_CIPHERTEXT,
    ATTACHMENT_CONTENT_ONLY, BASE64_BINARY, EBMS, ENCRYPTED_KEY_TOKEN, INITIATOR, MGF1_SHA256,
    PARTY_ID_TYPE, RESPONDER, RSA_OAEP, SOAP12, WSSE, WSSE11, WSU, X509V3, XENC, XENC11,
};
use crate::{
    identifiers::{PARTICIPANT_SCHEME, PROCESS_SCHEME},
    sbdh::{self, escape},
    xmldsig::{TrustAnchors, DSIG_NAMESPACE, SHA256},
};

/// Why a message could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    #[error("the SBD is not valid: {0}")]
    Sbd(#[from] sbdh::SbdhError),
    #[error("the receiver's certificate is not usable: {0}")]
    ReceiverCertificate(String),
    #[error("building the message failed: {0}")]
    Failed(String),
}

/// A built message, ready to post, and what the receipt must acknowledge.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub message_id: String,
    pub conversation_id: String,
    /// The HTTP Content-Type (`multipart/related; …`).
    pub content_type: String,
    /// The message in the form it is kept as evidence: `Content-Type: …`, a blank line, and
    /// the body to post ([`Outgoing::body`]), so that the evidence is no copy of the body.
    pub evidence: Vec<u8>,
    /// Where the body starts in `evidence`.
    pub body_start: usize,
    /// The references the message's signature holds; a receipt must name exactly these.
    pub references: Vec<wss::SignedReference>,
    /// The seat id of the receiving access point (its certificate's CN).
    pub to_party: String,
}

impl Outgoing {
    /// The HTTP body to post.
    #[must_use]
    pub fn body(&self) -> &[u8] {
        &self.evidence[self.body_start..]
    }
}

/// Checks a receiving access point's certificate (DER, from the SMP) before encrypting to
/// it: issued by one of the AP CAs in `ap_trust`, both valid at `now` (Unix seconds), with a
/// seat id as its CN, which it returns (the message's `To` PartyId).
///
/// # Errors
/// `ReceiverCertificate` saying why not.
pub fn check_receiver_certificate(
    certificate: &[u8],
    ap_trust: &TrustAnchors,
    now: i64,
) -> Result<String, BuildError> {
    ap_trust
        .check(certificate, now)
        .map_err(|e| BuildError::ReceiverCertificate(e.to_string()))?;
    let seat_id = common_name(certificate).map_err(BuildError::ReceiverCertificate)?;
    if !super::is_seat_id(&seat_id) {
        return Err(BuildError::ReceiverCertificate(format!(
            "its CN {seat_id} is not a Peppol seat id"
        )));
    }
    Ok(seat_id)
}

/// Options of a message; `None` makes fresh ids. Re-sending after a transport failure uses
/// the same message id.
#[derive(Debug, Clone, Default)]
pub struct MessageOptions {
    pub message_id: Option<String>,
    pub conversation_id: Option<String>,
}

/// Builds the UserMessage carrying `sbd` (an SBD: see [`sbdh::write`]) from `key`'s access
/// point to the one holding `receiver_certificate` (DER, from the SMP). originalSender and
/// finalRecipient, Service and Action come from the SBDH. Check the certificate with
/// [`check_receiver_certificate`] first.
///
/// # Errors
/// When the SBD is invalid, the certificate is not an RSA certificate with a CN, or a
/// cryptographic step fails.
#[tracing::instrument(skip_all, fields(message_id))]
pub fn build_user_message(
    sbd: &[u8],
    key: &ApKey,
    receiver_certificate: &[u8],
    options: &MessageOptions,
) -> Result<Outgoing, BuildError> {
    let header = sbdh::parse_header(sbd)?;
    let compressed = gzip(|gzip| gzip.write_all(sbd))?;
    build(
        &Properties::of(&header),
        compressed,
        key,
        key.seat_id(),
        receiver_certificate,
        options,
    )
}

/// As [`build_user_message`] for an SBD that is not written out: its header, the business
/// document and the closing tag go straight into gzip, so that the SBD never takes a buffer
/// of its own. The header is read back with every check of [`sbdh::parse_header`].
///
/// # Errors
/// As [`build_user_message`].
#[tracing::instrument(skip_all, fields(message_id))]
pub fn build_wrapped(
    sbd: &sbdh::Wrapped<'_>,
    key: &ApKey,
    receiver_certificate: &[u8],
    options: &MessageOptions,
) -> Result<Outgoing, BuildError> {
    let header = sbd.read_header()?;
    let compressed = gzip(|gzip| sbd.write_to(gzip))?;
    build(
        &Properties::of(&header),
        compressed,
        key,
        key.seat_id(),
        receiver_certificate,
        options,
    )
}

/// What `write` writes, gzipped.
fn gzip(
    write: impl FnOnce(&mut GzEncoder<Vec<u8>>) -> std::io::Result<()>,
) -> Result<Vec<u8>, BuildError> {
    let failed = |e: std::io::Error| BuildError::Failed(e.to_string());
    let mut gzip = GzEncoder::new(Vec::new(), Compression::default());
    write(&mut gzip).map_err(failed)?;
    gzip.finish().map_err(failed)
}

/// The ebMS header fields that come from the SBDH.
#[derive(Debug, Clone)]
pub struct Properties {
    pub original_sender: String,
    pub final_recipient: String,
    /// The process identifier's value (`Service`).
    pub process: String,
    /// `busdox-docid-qns::` and the document type's value (`Action`).
    pub action: String,
}

impl Properties {
    fn of(header: &sbdh::Sbdh) -> Self {
        Self {
            original_sender: header.sender.value().to_owned(),
            final_recipient: header.receiver.value().to_owned(),
            process: header.process.value().to_owned(),
            action: header.document_type.to_string(),
        }
    }
}

/// Builds a message from its parts as given, without checking them against each other: for
/// tests that need a message a correct sender would not make (wrong properties, a payload
/// that is not gzip, a From PartyId other than the signer's seat id).
///
/// # Errors
/// As [`build_user_message`].
#[cfg(feature = "test-support")]
pub fn build_from_parts(
    properties: &Properties,
    compressed: &[u8],
    key: &ApKey,
    receiver_certificate: &[u8],
    options: &MessageOptions,
    from_party: Option<&str>,
) -> Result<Outgoing, BuildError> {
    let from_party = from_party.unwrap_or(key.seat_id());
    build(
        properties,
        compressed.to_vec(),
        key,
        from_party,
        receiver_certificate,
        options,
    )
}

fn build(
    properties: &Properties,
    compressed: Vec<u8>,
    key: &ApKey,
    from_party: &str,
    receiver_certificate: &[u8],
    options: &MessageOptions,
) -> Result<Outgoing, BuildError> {
    let to_party = common_name(receiver_certificate).map_err(BuildError::ReceiverCertificate)?;
    let (_, cert) = X509Certificate::from_der(receiver_certificate)
        .map_err(|e| BuildError::ReceiverCertificate(e.to_string()))?;
    let receiver_key = PublicKey::from_public_key_der(cert.public_key().raw)
        .map_err(|e| BuildError::ReceiverCertificate(format!("not an RSA key: {e}")))?;
    let failed = |e: String| BuildError::Failed(e);

    let message_id = options
        .message_id
        .clone()
        .unwrap_or_else(|| format!("{}@haven", new_id()));
    tracing::Span::current().record("message_id", message_id.as_str());
    let conversation_id = options.conversation_id.clone().unwrap_or_else(new_id);
    let messaging_id = format!("_M-{}", new_id());
    let body_id = format!("_B-{}", new_id());
    let signer_bst = format!("X509-{}", new_id());
    let receiver_bst = format!("X509-{}", new_id());
    let encrypted_key_id = format!("EK-{}", new_id());
    let encrypted_data_id = format!("ED-{}", new_id());
    let cid = format!("{}@haven", new_id());

    // Signed over the compressed bytes, which are then encrypted (AS4 profile order).
    let random = SystemRandom::new();
    let mut session_key = [0u8; 16];
    let mut iv = [0u8; 12];
    random
        .fill(&mut session_key)
        .map_err(|_| failed("no randomness".into()))?;
    random
        .fill(&mut iv)
        .map_err(|_| failed("no randomness".into()))?;
    let cipher = Aes128Gcm::new_from_slice(&session_key).map_err(|e| failed(e.to_string()))?;
    let wrapped_key = receiver_key
        .oaep_encrypt::<Sha256>(&session_key)
        .map_err(|e| failed(e.to_string()))?;

    let messaging = format!(
        "<eb:Messaging wsu:Id=\"{messaging_id}\" S12:mustUnderstand=\"true\"><eb:UserMessage>\
<eb:MessageInfo><eb:Timestamp>{timestamp}</eb:Timestamp><eb:MessageId>{message_id_x}</eb:MessageId></eb:MessageInfo>\
<eb:PartyInfo><eb:From><eb:PartyId type=\"{PARTY_ID_TYPE}\">{from}</eb:PartyId><eb:Role>{INITIATOR}</eb:Role></eb:From>\
<eb:To><eb:PartyId type=\"{PARTY_ID_TYPE}\">{to}</eb:PartyId><eb:Role>{RESPONDER}</eb:Role></eb:To></eb:PartyInfo>\
<eb:CollaborationInfo><eb:AgreementRef>{AGREEMENT}</eb:AgreementRef><eb:Service type=\"{PROCESS_SCHEME}\">{process}</eb:Service>\
<eb:Action>{action}</eb:Action><eb:ConversationId>{conversation}</eb:ConversationId></eb:CollaborationInfo>\
<eb:MessageProperties><eb:Property name=\"originalSender\" type=\"{PARTICIPANT_SCHEME}\">{sender}</eb:Property>\
<eb:Property name=\"finalRecipient\" type=\"{PARTICIPANT_SCHEME}\">{receiver}</eb:Property></eb:MessageProperties>\
<eb:PayloadInfo><eb:PartInfo href=\"cid:{cid}\"><eb:PartProperties><eb:Property name=\"MimeType\">application/xml</eb:Property>\
<eb:Property name=\"CompressionType\">application/gzip</eb:Property></eb:PartProperties></eb:PartInfo></eb:PayloadInfo>\
</eb:UserMessage></eb:Messaging>",
        timestamp = Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true),
        message_id_x = escape(&message_id),
        from = escape(from_party),
        to = escape(&to_party),
        process = escape(&properties.process),
        action = escape(&properties.action),
        conversation = escape(&conversation_id),
        sender = escape(&properties.original_sender),
        receiver = escape(&properties.final_recipient),
    );
    let security_head = format!(
        "<wsse:Security xmlns:wsse=\"{WSSE}\" xmlns:wsse11=\"{WSSE11}\" xmlns:ds=\"{DSIG_NAMESPACE}\" xmlns:xenc=\"{XENC}\" xmlns:xenc11=\"{XENC11}\" S12:mustUnderstand=\"true\">\
<wsse:BinarySecurityToken EncodingType=\"{BASE64_BINARY}\" ValueType=\"{X509V3}\" wsu:Id=\"{receiver_bst}\">{receiver_cert}</wsse:BinarySecurityToken>\
<wsse:BinarySecurityToken EncodingType=\"{BASE64_BINARY}\" ValueType=\"{X509V3}\" wsu:Id=\"{signer_bst}\">{signer_cert}</wsse:BinarySecurityToken>\
<xenc:EncryptedKey Id=\"{encrypted_key_id}\"><xenc:EncryptionMethod Algorithm=\"{RSA_OAEP}\"><ds:DigestMethod Algorithm=\"{SHA256}\"/><xenc11:MGF Algorithm=\"{MGF1_SHA256}\"/></xenc:EncryptionMethod>\
<ds:KeyInfo><wsse:SecurityTokenReference><wsse:Reference URI=\"#{receiver_bst}\" ValueType=\"{X509V3}\"/></wsse:SecurityTokenReference></ds:KeyInfo>\
<xenc:CipherData><xenc:CipherValue>{wrapped}</xenc:CipherValue></xenc:CipherData>\
<xenc:ReferenceList><xenc:DataReference URI=\"#{encrypted_data_id}\"/></xenc:ReferenceList></xenc:EncryptedKey>\
<xenc:EncryptedData Id=\"{encrypted_data_id}\" MimeType=\"application/gzip\" Type=\"{ATTACHMENT_CONTENT_ONLY}\"><xenc:EncryptionMethod Algorithm=\"{AES128_GCM}\"/>\
<ds:KeyInfo><wsse:SecurityTokenReference wsse11:TokenType=\"{ENCRYPTED_KEY_TOKEN}\"><wsse:Reference URI=\"#{encrypted_key_id}\"/></wsse:SecurityTokenReference></ds:KeyInfo>\
<xenc:CipherData><xenc:CipherReference URI=\"cid:{cid}\"><xenc:Transforms><ds:Transform Algorithm=\"{ATTACHMENT_CIPHERTEXT}\"/></xenc:Transforms></xenc:CipherReference></xenc:CipherData></xenc:EncryptedData>",
        receiver_cert = STANDARD.encode(receiver_certificate),
        signer_cert = STANDARD.encode(key.certificate()),
        wrapped = STANDARD.encode(wrapped_key),
    );
    let envelope = |signature: &str| {
        format!(
            "<S12:Envelope xmlns:S12=\"{SOAP12}\" xmlns:wsu=\"{WSU}\" xmlns:eb=\"{EBMS}\"><S12:Header>{security_head}{signature}</wsse:Security>{messaging}</S12:Header><S12:Body wsu:Id=\"{body_id}\"/></S12:Envelope>"
        )
    };
    let (signature, references) = wss::sign(
        &envelope(""),
        &[&messaging_id, &body_id],
        &[(&cid, &compressed)],
        &key.signing,
        &signer_bst,
    )
    .map_err(failed)?;
    // The payload is the one large thing here: it is encrypted where it lies, and the MIME
    // body (kept as evidence, with its Content-Type in front) is put together around it in
    // its own buffer, rather than in second and third buffers of its size.
    let framing = mime::Framing::new();
    let content_type = framing.content_type();
    let mut lead = format!("Content-Type: {content_type}\r\n\r\n").into_bytes();
    let body_start = lead.len();
    lead.extend_from_slice(framing.head(&envelope(&signature), &cid).as_bytes());
    lead.extend_from_slice(&iv);
    let tail = framing.tail();
    let mut evidence = compressed;
    evidence.reserve_exact(lead.len() + 16 + tail.len());
    let tag = cipher
        .encrypt_in_place_detached(Nonce::from_slice(&iv), b"", &mut evidence)
        .map_err(|e| failed(e.to_string()))?;
    evidence.extend_from_slice(&tag);
    evidence.extend_from_slice(tail.as_bytes());
    evidence.splice(0..0, lead);
    Ok(Outgoing {
        message_id,
        conversation_id,
        content_type,
        evidence,
        body_start,
        references,
        to_party,
    })
}
