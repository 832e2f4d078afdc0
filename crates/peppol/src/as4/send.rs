//! Building the AS4 UserMessage a sending access point (C2) posts: the SBD gzipped, signed
//! (Messaging, Body, attachment) and encrypted to the receiving access point's certificate.

use std::{
    io::{BufWriter, Read, Seek as _, Write},
    path::Path,
};

use base64::{engine::general_purpose::STANDARD, Engine as _};
use chrono::{SecondsFormat, Utc};
use flate2::{write::GzEncoder, Compression};
use ring::rand::{SecureRandom, SystemRandom};
use rsa::{pkcs8::DecodePublicKey, PublicKey};
use sha2::{Digest as _, Sha256};
use tempfile::NamedTempFile;
use x509_parser::{certificate::X509Certificate, prelude::FromDer};

use super::{
    common_name,
    gcm::{GcmEncryptor, IV_LEN, TAG_LEN},
    mime, new_id, wss, ApKey, AES128_GCM, AGREEMENT, ATTACHMENT_CIPHERTEXT,
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
    /// The spool directory could not take the message (full, not writable): passing.
    #[error("the message could not be spooled: {0}")]
    Spool(String),
}

/// A built message, ready to post, and what the receipt must acknowledge. Its evidence is
/// held in memory (`Vec<u8>`, [`build_user_message`]) or in a spool file ([`Spooled`],
/// [`build_spooled`], what the sender posts from).
#[derive(Debug, Clone)]
pub struct Outgoing<E = Vec<u8>> {
    pub message_id: String,
    pub conversation_id: String,
    /// The HTTP Content-Type (`multipart/related; …`).
    pub content_type: String,
    /// The message in the form it is kept as evidence: `Content-Type: …`, a blank line, and
    /// the body to post, so that the evidence is no copy of the body.
    pub evidence: E,
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

impl<E> Outgoing<E> {
    /// The evidence, and the message without it (what the answer is checked against).
    #[must_use]
    pub fn take_evidence(self) -> (E, Outgoing<()>) {
        let Self {
            message_id,
            conversation_id,
            content_type,
            evidence,
            body_start,
            references,
            to_party,
        } = self;
        let rest = Outgoing {
            message_id,
            conversation_id,
            content_type,
            evidence: (),
            body_start,
            references,
            to_party,
        };
        (evidence, rest)
    }
}

/// A message's evidence form in a file of the spool directory, which goes when this is
/// dropped.
#[derive(Debug)]
pub struct Spooled {
    pub file: NamedTempFile,
    /// The file's length: the body's is this less `body_start`.
    pub len: u64,
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
/// point to the one holding `receiver_certificate` (DER, from the SMP), in memory: for small
/// messages and tests (the sender spools, [`build_spooled`]). originalSender and
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
    let failed = |e: std::io::Error| BuildError::Failed(e.to_string());
    let mut gzip = GzEncoder::new(Vec::new(), Compression::default());
    gzip.write_all(sbd).map_err(failed)?;
    let compressed = gzip.finish().map_err(failed)?;
    build(
        &Properties::of(&header),
        &compressed,
        key,
        key.seat_id(),
        receiver_certificate,
        options,
    )
}

/// As [`build_user_message`] for an SBD that is not written out, through files of
/// `spool_dir` rather than memory, so that a message costs a bounded working set whatever
/// the document's size: the SBD's header, document and closing tag go into gzip and the
/// gzipped bytes into a spool file, their SHA-256 (which the signature needs before anything
/// is encrypted) taken on the way; then the MIME body is written to a second file around
/// that one encrypted a piece at a time, and the first file is removed. The header is read
/// back with every check of [`sbdh::parse_header`].
///
/// # Errors
/// As [`build_user_message`]; [`BuildError::Spool`] when a spool file cannot be written.
#[tracing::instrument(skip_all, fields(message_id))]
pub fn build_spooled(
    sbd: &sbdh::Wrapped<'_>,
    key: &ApKey,
    receiver_certificate: &[u8],
    options: &MessageOptions,
    spool_dir: &Path,
) -> Result<Outgoing<Spooled>, BuildError> {
    let header = sbd.read_header()?;
    // Said by kind only: the error's text may name paths of the server.
    let spool = |e: std::io::Error| {
        tracing::warn!(error = %e, "an AS4 message could not be spooled");
        BuildError::Spool(e.kind().to_string())
    };
    std::fs::create_dir_all(spool_dir).map_err(spool)?;
    let temp = |prefix: &str| {
        tempfile::Builder::new()
            .prefix(prefix)
            .tempfile_in(spool_dir)
            .map_err(spool)
    };
    let mut gzipped = temp(&format!("{SPOOL_PREFIX}gzip-"))?;
    let sha256 = {
        let mut gzip = GzEncoder::new(
            Hashing::new(BufWriter::with_capacity(PIECE, gzipped.as_file_mut())),
            Compression::default(),
        );
        sbd.write_to(&mut gzip).map_err(spool)?;
        let (mut file, sha256) = gzip.finish().map_err(spool)?.finish();
        file.flush().map_err(spool)?;
        sha256
    };
    let frame = frame(
        &Properties::of(&header),
        sha256,
        key,
        key.seat_id(),
        receiver_certificate,
        options,
    )?;
    let mut evidence = temp(SPOOL_PREFIX)?;
    let len = {
        let mut out = Counting::new(BufWriter::with_capacity(PIECE, evidence.as_file_mut()));
        let payload = gzipped.as_file_mut();
        payload.rewind().map_err(spool)?;
        write_body(&frame, payload, &mut out).map_err(spool)?;
        out.flush().map_err(spool)?;
        out.count
    };
    // The gzipped payload is in the body now.
    drop(gzipped);
    Ok(frame.into_outgoing(Spooled {
        file: evidence,
        len,
    }))
}

/// How the names of the sender's spool files begin.
pub const SPOOL_PREFIX: &str = "as4-send-";

/// The size of the pieces a payload is read, encrypted and written in.
const PIECE: usize = 64 * 1024;

/// A writer that takes the SHA-256 of what goes through it.
struct Hashing<W> {
    inner: W,
    sha256: Sha256,
}

impl<W: Write> Hashing<W> {
    fn new(inner: W) -> Self {
        Self {
            inner,
            sha256: Sha256::new(),
        }
    }

    fn finish(self) -> (W, [u8; 32]) {
        (self.inner, self.sha256.finalize().into())
    }
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let written = self.inner.write(buf)?;
        self.sha256.update(&buf[..written]);
        Ok(written)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// A writer that counts what goes through it.
struct Counting<W> {
    inner: W,
    count: u64,
}

impl<W: Write> Counting<W> {
    fn new(inner: W) -> Self {
        Self { inner, count: 0 }
    }
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let written = self.inner.write(buf)?;
        self.count += written as u64;
        Ok(written)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
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
        compressed,
        key,
        from_party,
        receiver_certificate,
        options,
    )
}

/// The message around `compressed`, in memory.
fn build(
    properties: &Properties,
    compressed: &[u8],
    key: &ApKey,
    from_party: &str,
    receiver_certificate: &[u8],
    options: &MessageOptions,
) -> Result<Outgoing, BuildError> {
    let frame = frame(
        properties,
        Sha256::digest(compressed).into(),
        key,
        from_party,
        receiver_certificate,
        options,
    )?;
    let mut evidence = Vec::with_capacity(
        frame.lead.len() + IV_LEN + compressed.len() + TAG_LEN + frame.tail.len(),
    );
    write_body(&frame, &mut &compressed[..], &mut evidence)
        .map_err(|e| BuildError::Failed(e.to_string()))?;
    Ok(frame.into_outgoing(evidence))
}

/// Everything of a message but its encrypted payload: made once the payload's digest is
/// known, before any of it is encrypted.
struct Frame {
    message_id: String,
    conversation_id: String,
    content_type: String,
    references: Vec<wss::SignedReference>,
    to_party: String,
    /// `Content-Type: …`, a blank line, then the body up to the attachment's content.
    lead: Vec<u8>,
    body_start: usize,
    session_key: [u8; 16],
    iv: [u8; IV_LEN],
    /// What follows the attachment's content.
    tail: String,
}

impl Frame {
    fn into_outgoing<E>(self, evidence: E) -> Outgoing<E> {
        Outgoing {
            message_id: self.message_id,
            conversation_id: self.conversation_id,
            content_type: self.content_type,
            evidence,
            body_start: self.body_start,
            references: self.references,
            to_party: self.to_party,
        }
    }
}

/// Writes the evidence form of the message: the lead, the IV, the payload read from
/// `payload` encrypted with AES-128-GCM a piece at a time, the tag and the tail.
fn write_body(frame: &Frame, payload: &mut impl Read, out: &mut impl Write) -> std::io::Result<()> {
    out.write_all(&frame.lead)?;
    out.write_all(&frame.iv)?;
    let mut encryptor = GcmEncryptor::new(&frame.session_key, &frame.iv);
    let mut piece = vec![0u8; PIECE];
    loop {
        let n = match payload.read(&mut piece) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let piece = &mut piece[..n];
        encryptor.update(piece);
        out.write_all(piece)?;
    }
    out.write_all(&encryptor.finish())?;
    out.write_all(frame.tail.as_bytes())
}

/// Makes the ids, the session key and IV, the envelope and its signature, with the
/// attachment's reference digest `payload_sha256` (of the compressed payload: the AS4
/// profile signs before it encrypts).
fn frame(
    properties: &Properties,
    payload_sha256: [u8; 32],
    key: &ApKey,
    from_party: &str,
    receiver_certificate: &[u8],
    options: &MessageOptions,
) -> Result<Frame, BuildError> {
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

    let random = SystemRandom::new();
    let mut session_key = [0u8; 16];
    let mut iv = [0u8; IV_LEN];
    random
        .fill(&mut session_key)
        .map_err(|_| failed("no randomness".into()))?;
    random
        .fill(&mut iv)
        .map_err(|_| failed("no randomness".into()))?;
    let wrapped_key = receiver_key
        .oaep_encrypt::<rsa::sha2::Sha256>(&session_key)
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
        &[(&cid, payload_sha256)],
        &key.signing,
        &signer_bst,
    )
    .map_err(failed)?;
    let framing = mime::Framing::new();
    let content_type = framing.content_type();
    let mut lead = format!("Content-Type: {content_type}\r\n\r\n").into_bytes();
    let body_start = lead.len();
    lead.extend_from_slice(framing.head(&envelope(&signature), &cid).as_bytes());
    Ok(Frame {
        message_id,
        conversation_id,
        content_type,
        references,
        to_party,
        lead,
        body_start,
        session_key,
        iv,
        tail: framing.tail(),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use aes_gcm::{aead::AeadInPlace, Aes128Gcm, KeyInit, Nonce};

    use super::*;
    use crate::{
        identifiers::{
            DocumentTypeIdentifier, ParticipantIdentifier, ProcessIdentifier, BIS_BILLING_INVOICE,
        },
        testing::Ca,
    };

    /// Bytes gzip cannot shrink much, as an embedded PDF.
    fn noise(len: usize) -> Vec<u8> {
        let mut state: u64 = 0x2545_F491_4F6C_DD1D;
        (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            })
            .collect()
    }

    /// A reader that gives at most `most` bytes a read, as a file or socket may.
    struct Trickle<'a> {
        data: &'a [u8],
        most: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.most.min(buf.len()).min(self.data.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    fn properties() -> Properties {
        Properties {
            original_sender: "0208:0000000001".into(),
            final_recipient: "0208:0000000002".into(),
            process: "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0".into(),
            action: format!("busdox-docid-qns::{BIS_BILLING_INVOICE}"),
        }
    }

    #[test]
    fn the_body_written_a_piece_at_a_time_is_the_whole_buffer_encryption() {
        let ca = Ca::new("HAVEN TEST AP CA");
        let (c2, c3) = (
            ca.leaf_with_key("PXX000001", None, false, 2),
            ca.leaf_with_key("PXX000002", None, false, 3),
        );
        let key = c2.ap_key();
        // Longer than several pieces and not a whole number of them or of AES blocks.
        let compressed = noise(3 * PIECE + 1234);
        let frame = frame(
            &properties(),
            Sha256::digest(&compressed).into(),
            &key,
            key.seat_id(),
            &c3.der,
            &MessageOptions::default(),
        )
        .unwrap();
        let mut streamed = Vec::new();
        write_body(
            &frame,
            &mut Trickle {
                data: &compressed,
                most: 7000,
            },
            &mut streamed,
        )
        .unwrap();

        // What the sender made before it streamed: the payload encrypted in one buffer with
        // the same key and IV, the IV in front, the tag behind, the MIME parts around.
        let mut whole = compressed.clone();
        let tag = Aes128Gcm::new_from_slice(&frame.session_key)
            .unwrap()
            .encrypt_in_place_detached(Nonce::from_slice(&frame.iv), b"", &mut whole)
            .unwrap();
        let mut expected = frame.lead.clone();
        expected.extend_from_slice(&frame.iv);
        expected.extend_from_slice(&whole);
        expected.extend_from_slice(&tag);
        expected.extend_from_slice(frame.tail.as_bytes());
        assert!(streamed == expected, "the streamed body differs");
        assert!(streamed
            .starts_with(format!("Content-Type: {}\r\n\r\n", frame.content_type).as_bytes()));
    }

    #[test]
    fn a_spooled_message_leaves_one_file_that_goes_when_dropped() {
        let ca = Ca::new("HAVEN TEST AP CA");
        let (c2, c3) = (
            ca.leaf_with_key("PXX000001", None, false, 2),
            ca.leaf_with_key("PXX000002", None, false, 3),
        );
        let spool = tempfile::tempdir().unwrap();
        let dir = spool.path().join("spool");
        let header = sbdh::Sbdh {
            sender: ParticipantIdentifier::from_value("0208:0000000001").unwrap(),
            receiver: ParticipantIdentifier::from_value("0208:0000000002").unwrap(),
            document_type: DocumentTypeIdentifier::from_value(BIS_BILLING_INVOICE).unwrap(),
            process: ProcessIdentifier::billing(),
            country_c1: "NL".into(),
            instance_identifier: "a5f1c1d0-0000-4000-8000-000000000001".into(),
            created: Utc::now(),
        };
        let document = format!(
            "<Invoice xmlns=\"urn:oasis:names:specification:ubl:schema:xsd:Invoice-2\"><Note>{}</Note></Invoice>",
            STANDARD.encode(noise(300_000))
        );
        let sbd = sbdh::wrap(&header, document.as_bytes()).unwrap();
        let message = build_spooled(
            &sbd,
            &c2.ap_key(),
            &c3.der,
            &MessageOptions::default(),
            &dir,
        )
        .unwrap();
        let files: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
        assert_eq!(files.len(), 1, "the gzipped payload's file is gone");
        let written = std::fs::read(message.evidence.file.path()).unwrap();
        assert_eq!(written.len() as u64, message.evidence.len);
        assert!(written
            .starts_with(format!("Content-Type: {}\r\n\r\n", message.content_type).as_bytes()));
        assert!(written.len() > 300_000, "the payload is in the file");
        drop(message);
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
    }
}
