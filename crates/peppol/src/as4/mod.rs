//! The AS4 message layer of the Peppol AS4 profile 2.0.x (ebMS 3 One-Way/Push over SOAP 1.2
//! with WS-Security), as functions: build and sign a UserMessage around an SBD (C2), receive,
//! verify and decrypt one (C3), answer it with a signed receipt or ebMS error, and check that
//! answer on the sending side. The HTTP transport is left to the caller.
//!
//! Written by hand over primitives (see docs/peppol.md for why): exclusive C14N from
//! `c14n.rs`, RSA-SHA256 signatures with `ring`, RSA-OAEP (SHA-256, MGF1-SHA-256) key transport
//! with `rsa`, AES-128-GCM with `aes-gcm`, gzip with `flate2`, certificates with `x509-parser`.

pub mod gcm;
pub mod inbound;
pub mod mime;
pub mod outbound;
pub mod receive;
pub mod send;
pub mod signal;
pub mod spool;
pub mod wss;

use x509_parser::{certificate::X509Certificate, pem::Pem, prelude::FromDer};

use crate::xmldsig::SigningKey;

/// Runs `work` on the blocking pool: AS4 cryptography (RSA, AES, gzip, C14N) would otherwise
/// hold up the other tasks of the async worker it runs on. `Err` when the work panicked.
pub(crate) async fn off_the_worker<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, String> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| format!("AS4 work stopped: {e}"))
}

pub const SOAP12: &str = "http://www.w3.org/2003/05/soap-envelope";
pub const EBMS: &str = "http://docs.oasis-open.org/ebxml-msg/ebms/v3.0/ns/core/200704/";
pub const EBBP: &str = "http://docs.oasis-open.org/ebxml-bp/ebbp-signals-2.0";
pub const WSSE: &str =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd";
pub const WSSE11: &str = "http://docs.oasis-open.org/wss/oasis-wss-wssecurity-secext-1.1.xsd";
pub const WSU: &str =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd";
pub const XENC: &str = "http://www.w3.org/2001/04/xmlenc#";
pub const XENC11: &str = "http://www.w3.org/2009/xmlenc11#";

pub const X509V3: &str =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3";
pub const BASE64_BINARY: &str =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary";
pub const ENCRYPTED_KEY_TOKEN: &str =
    "http://docs.oasis-open.org/wss/oasis-wss-soap-message-security-1.1#EncryptedKey";
pub const RSA_OAEP: &str = "http://www.w3.org/2009/xmlenc11#rsa-oaep";
pub const MGF1_SHA256: &str = "http://www.w3.org/2009/xmlenc11#mgf1sha256";
pub const AES128_GCM: &str = "http://www.w3.org/2009/xmlenc11#aes128-gcm";
pub const ATTACHMENT_CONTENT_SIGNATURE: &str =
    "http://docs.oasis-open.org/wss/oasis-wss-SwAProfile-1.1#Attachment-Content-Signature-Transform";
pub const ATTACHMENT_CONTENT_ONLY: &str =
    "http://docs.oasis-open.org/wss/oasis-wss-SwAProfile-1.1#Attachment-Content-Only";
pub const ATTACHMENT_CIPHERTEXT: &str =
    "http://docs.oasis-open.org/wss/oasis-wss-SwAProfile-1.1#Attachment-Ciphertext-Transform";

/// `PartyId/@type` of Peppol access points (seat ids).
pub const PARTY_ID_TYPE: &str = "urn:fdc:peppol.eu:2017:identifiers:ap";
pub const AGREEMENT: &str = "urn:fdc:peppol.eu:2017:agreements:tia:ap_provider";
pub const INITIATOR: &str =
    "http://docs.oasis-open.org/ebxml-msg/ebms/v3.0/ns/core/200704/initiator";
pub const RESPONDER: &str =
    "http://docs.oasis-open.org/ebxml-msg/ebms/v3.0/ns/core/200704/responder";
/// The `ErrorDetail` of an EBMS:0004 for a participant, document type or process not served.
pub const NOT_SERVICED: &str = "PEPPOL:NOT_SERVICED";
/// The default cap on the decompressed payload.
pub const DEFAULT_MAX_DECOMPRESSED: u64 = 100 * 1024 * 1024;

/// The ebMS error codes Haven answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EbmsCode {
    ValueInconsistent,
    Other,
    MimeInconsistency,
    InvalidHeader,
    FailedAuthentication,
    FailedDecryption,
    PolicyNoncompliance,
    DecompressionFailure,
}

impl EbmsCode {
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Self::ValueInconsistent => "EBMS:0003",
            Self::Other => "EBMS:0004",
            Self::MimeInconsistency => "EBMS:0007",
            Self::InvalidHeader => "EBMS:0009",
            Self::FailedAuthentication => "EBMS:0101",
            Self::FailedDecryption => "EBMS:0102",
            Self::PolicyNoncompliance => "EBMS:0103",
            Self::DecompressionFailure => "EBMS:0303",
        }
    }

    #[must_use]
    pub fn short_description(self) -> &'static str {
        match self {
            Self::ValueInconsistent => "ValueInconsistent",
            Self::Other => "Other",
            Self::MimeInconsistency => "MimeInconsistency",
            Self::InvalidHeader => "InvalidHeader",
            Self::FailedAuthentication => "FailedAuthentication",
            Self::FailedDecryption => "FailedDecryption",
            Self::PolicyNoncompliance => "PolicyNoncompliance",
            Self::DecompressionFailure => "DecompressionFailure",
        }
    }

    #[must_use]
    pub fn category(self) -> &'static str {
        match self {
            Self::FailedAuthentication | Self::FailedDecryption | Self::PolicyNoncompliance => {
                "Processing"
            }
            Self::MimeInconsistency | Self::InvalidHeader => "Unpackaging",
            Self::DecompressionFailure => "Content",
            Self::ValueInconsistent | Self::Other => "Content",
        }
    }
}

/// An ebMS error: what a receiver answers when it does not accept a message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} {}: {detail}", code.code(), code.short_description())]
pub struct As4Error {
    pub code: EbmsCode,
    pub detail: String,
}

impl As4Error {
    pub fn new(code: EbmsCode, detail: impl Into<String>) -> Self {
        Self {
            code,
            detail: detail.into(),
        }
    }
}

/// An access point's key and certificate: signs what it sends, decrypts what it receives.
pub struct ApKey {
    signing: SigningKey,
    decrypting: rsa::PrivateKey,
    seat_id: String,
}

impl ApKey {
    /// From a PKCS#8 RSA key (DER) and its certificate (DER), whose CN is the seat id.
    ///
    /// # Errors
    /// When either does not parse or the certificate has no CN.
    pub fn new(pkcs8: &[u8], certificate: Vec<u8>) -> Result<Self, String> {
        use rsa::pkcs8::DecodePrivateKey;
        let seat_id = common_name(&certificate)?;
        let decrypting = rsa::PrivateKey::from_pkcs8_der(pkcs8)
            .map_err(|e| format!("not an RSA PKCS#8 key: {e}"))?;
        Ok(Self {
            signing: SigningKey::new(pkcs8, certificate)?,
            decrypting,
            seat_id,
        })
    }

    /// From PEM text: a `PRIVATE KEY` (PKCS#8) block and the certificate's block.
    ///
    /// # Errors
    /// When either is missing or does not parse.
    pub fn from_pem(key_pem: &[u8], certificate_pem: &[u8]) -> Result<Self, String> {
        let key = Pem::iter_from_buffer(key_pem)
            .filter_map(Result::ok)
            .find(|p| p.label == "PRIVATE KEY")
            .ok_or("no PKCS#8 PRIVATE KEY block")?;
        let certificate = crate::xmldsig::first_certificate(certificate_pem)?;
        Self::new(&key.contents, certificate)
    }

    #[must_use]
    pub fn certificate(&self) -> &[u8] {
        self.signing.certificate()
    }

    /// The seat id (`PXX000001`): the certificate's CN.
    #[must_use]
    pub fn seat_id(&self) -> &str {
        &self.seat_id
    }

    /// Whether the certificate's public key is the private key's: a renewed pair whose files
    /// do not belong together is refused before it replaces a working one.
    #[must_use]
    pub fn key_matches_certificate(&self) -> bool {
        use rsa::pkcs8::EncodePublicKey as _;
        let Ok(ours) = self.decrypting.to_public_key().to_public_key_der() else {
            return false;
        };
        X509Certificate::from_der(self.certificate())
            .is_ok_and(|(_, certificate)| certificate.public_key().raw == ours.as_bytes())
    }
}

/// The access point's keys of the moment: the current one signs and decrypts; during a
/// certificate rollover the previous one still decrypts what senders encrypted to the old
/// certificate (they may hold an SMP answer cached before the renewal).
pub struct ApKeys {
    pub current: ApKey,
    pub previous: Option<ApKey>,
}

impl ApKeys {
    /// The current key alone.
    #[must_use]
    pub fn new(current: ApKey) -> Self {
        Self {
            current,
            previous: None,
        }
    }

    /// The key whose certificate is `recipient` (the certificate a message's EncryptedKey
    /// names): the current one, else the previous one; `None` for any other certificate.
    #[must_use]
    pub fn for_recipient(&self, recipient: &[u8]) -> Option<&ApKey> {
        decryption_key(&self.current, self.previous.as_ref(), recipient)
    }
}

/// The key of `current` and `previous` whose certificate is `recipient`, the current one
/// first.
#[must_use]
pub fn decryption_key<'k>(
    current: &'k ApKey,
    previous: Option<&'k ApKey>,
    recipient: &[u8],
) -> Option<&'k ApKey> {
    std::iter::once(current)
        .chain(previous)
        .find(|key| key.certificate() == recipient)
}

/// The subject CN of a certificate (DER).
///
/// # Errors
/// When it does not parse or has no CN.
pub fn common_name(certificate: &[u8]) -> Result<String, String> {
    let (_, cert) = X509Certificate::from_der(certificate)
        .map_err(|e| format!("not an X.509 certificate: {e}"))?;
    let cn = cert
        .subject()
        .iter_common_name()
        .next()
        .and_then(|cn| cn.as_str().ok())
        .map(str::to_owned);
    cn.ok_or_else(|| "the certificate has no CN".to_owned())
}

/// Whether `id` has the form of a Peppol seat id (service provider id): `P`, two upper-case
/// letters, six digits (`PXX000001`).
#[must_use]
pub fn is_seat_id(id: &str) -> bool {
    let bytes = id.as_bytes();
    bytes.len() == 9
        && bytes[0] == b'P'
        && bytes[1..3].iter().all(u8::is_ascii_uppercase)
        && bytes[3..].iter().all(u8::is_ascii_digit)
}

/// A fresh id for messages and `wsu:Id`s.
pub(crate) fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// The element children of `node` with the name `(namespace, local)`.
pub(crate) fn children_named<'a, 'i: 'a>(
    node: roxmltree::Node<'a, 'i>,
    namespace: &'static str,
    local: &'static str,
) -> impl Iterator<Item = roxmltree::Node<'a, 'i>> + 'a {
    node.children()
        .filter(move |n| n.has_tag_name((namespace, local)))
}

pub(crate) fn child_named<'a, 'i: 'a>(
    node: roxmltree::Node<'a, 'i>,
    namespace: &'static str,
    local: &'static str,
) -> Option<roxmltree::Node<'a, 'i>> {
    children_named(node, namespace, local).next()
}

pub(crate) fn trimmed_text(node: roxmltree::Node<'_, '_>) -> String {
    node.text().unwrap_or("").trim().to_owned()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::testing::Ca;

    #[test]
    fn the_key_is_chosen_by_the_certificate_the_message_is_encrypted_to() {
        let ca = Ca::new("Test AP CA");
        // A renewal: the same seat id, a new key.
        let old = ca.leaf_with_key("PXX000002", None, false, 3);
        let new = ca.leaf_with_key("PXX000002", None, false, 4);
        let other = ca.leaf_with_key("PXX000003", None, false, 2);
        let rolling = ApKeys {
            current: new.ap_key(),
            previous: Some(old.ap_key()),
        };
        let chosen = |keys: &ApKeys, recipient: &[u8]| {
            keys.for_recipient(recipient)
                .map(|k| k.certificate().to_vec())
        };
        assert_eq!(chosen(&rolling, &new.der), Some(new.der.clone()));
        assert_eq!(chosen(&rolling, &old.der), Some(old.der.clone()));
        assert_eq!(chosen(&rolling, &other.der), None);
        // Without a previous key only the current certificate is ours.
        let alone = ApKeys::new(new.ap_key());
        assert_eq!(chosen(&alone, &new.der), Some(new.der.clone()));
        assert_eq!(chosen(&alone, &old.der), None);
        // The same certificate as current and previous (an operator who installed it twice)
        // is the current key.
        let twice = ApKeys {
            current: new.ap_key(),
            previous: Some(new.ap_key()),
        };
        assert!(std::ptr::eq(
            twice.for_recipient(&new.der).unwrap(),
            &twice.current
        ));
    }

    #[test]
    fn a_key_matches_only_its_own_certificate() {
        let ca = Ca::new("Test AP CA");
        let leaf = ca.leaf_with_key("PXX000002", None, false, 3);
        let renewed = ca.leaf_with_key("PXX000002", None, false, 4);
        assert!(leaf.ap_key().key_matches_certificate());
        let mismatched = ApKey::new(&leaf.pkcs8, renewed.der.clone()).unwrap();
        assert!(!mismatched.key_matches_certificate());
    }
}
