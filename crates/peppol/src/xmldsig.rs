//! The enveloped XML signature SMPs put on `SignedServiceMetadata`: checking one against a
//! trust anchor, and making one (for tests and for Haven's own SMP).
//!
//! Accepted, as SMP 1.x signatures come: one `ds:Signature` as a child of the document
//! element; one `Reference` with `URI=""` whose transforms are `enveloped-signature`,
//! optionally followed by inclusive or exclusive c14n; SHA-256 digests; RSA-SHA256
//! (`xmldsig-more#rsa-sha256`); SignedInfo canonicalized inclusively (SMP 1.2+) or exclusively
//! (older SMPs); the signer's certificate in `KeyInfo/X509Data/X509Certificate`. SHA-1 is
//! refused. The certificate must chain to the configured trust anchors (`crate::trust`), every
//! certificate of the path valid at the time of checking; its revocation is the caller's.

use base64::{engine::general_purpose::STANDARD, Engine as _};
use ring::{
    rand::SystemRandom,
    signature::{RsaKeyPair, UnparsedPublicKey, RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256},
};
use roxmltree::{Document, Node};
use sha2::{Digest, Sha256};
use x509_parser::{certificate::X509Certificate, pem::Pem, prelude::FromDer};

use crate::c14n::{self, canonicalize, Method};

pub const DSIG_NAMESPACE: &str = "http://www.w3.org/2000/09/xmldsig#";
pub const RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
pub const SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";
pub const ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";

/// Why a signature was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the document has no enveloped signature")]
    Missing,
    #[error("the signature is not in the supported form: {0}")]
    Unsupported(String),
    #[error("the signed content was changed (digest mismatch)")]
    DigestMismatch,
    #[error("the signature value does not verify with the signer's certificate")]
    BadSignature,
    #[error("the signer's certificate is not trusted: {0}")]
    Untrusted(String),
}

pub use crate::trust::TrustAnchors;

/// The first certificate (DER) in PEM text.
///
/// # Errors
/// When there is none or it does not parse.
pub fn first_certificate(pem: &[u8]) -> Result<Vec<u8>, String> {
    let block = Pem::iter_from_buffer(pem)
        .filter_map(Result::ok)
        .find(|p| p.label == "CERTIFICATE")
        .ok_or("no CERTIFICATE block")?;
    X509Certificate::from_der(&block.contents)
        .map_err(|e| format!("not an X.509 certificate: {e}"))?;
    Ok(block.contents)
}

/// A verified signature: the signer's certificate (DER).
#[derive(Debug, Clone)]
pub struct Verified {
    pub signer: Vec<u8>,
    /// The signer's path to a trust anchor, for its revocation check.
    pub path: crate::trust::CertPath,
}

/// Checks the enveloped signature of `doc` against `anchors` at `now` (Unix seconds).
///
/// # Errors
/// A [`SignatureError`] saying what failed.
pub fn verify_enveloped(
    doc: &Document<'_>,
    anchors: &TrustAnchors,
    now: i64,
) -> Result<Verified, SignatureError> {
    let unsupported = |why: &str| SignatureError::Unsupported(why.to_owned());
    let root = doc.root_element();
    let signatures: Vec<Node<'_, '_>> = doc
        .descendants()
        .filter(|n| n.has_tag_name((DSIG_NAMESPACE, "Signature")))
        .collect();
    let signature = match signatures.as_slice() {
        [] => return Err(SignatureError::Missing),
        [one] if one.parent() == Some(root) => *one,
        [_] => {
            return Err(unsupported(
                "the signature is not a child of the document element",
            ))
        }
        _ => return Err(unsupported("the document has more than one signature")),
    };
    let signed_info = child(signature, "SignedInfo").ok_or_else(|| unsupported("no SignedInfo"))?;
    let c14n_method = method_of(
        child(signed_info, "CanonicalizationMethod")
            .ok_or_else(|| unsupported("no CanonicalizationMethod"))?,
    )?;
    let algorithm = child(signed_info, "SignatureMethod")
        .and_then(|m| m.attribute("Algorithm"))
        .ok_or_else(|| unsupported("no SignatureMethod"))?;
    if algorithm != RSA_SHA256 {
        return Err(SignatureError::Unsupported(format!(
            "signature method {algorithm} (only RSA-SHA256 is accepted)"
        )));
    }
    let references: Vec<Node<'_, '_>> = children(signed_info, "Reference").collect();
    let [reference] = references.as_slice() else {
        return Err(unsupported("SignedInfo must hold exactly one Reference"));
    };
    if reference.attribute("URI") != Some("") {
        return Err(unsupported(
            "the Reference must cover the whole document (URI=\"\")",
        ));
    }
    let reference_method = reference_method(*reference)?;
    let digest_method = child(*reference, "DigestMethod")
        .and_then(|m| m.attribute("Algorithm"))
        .ok_or_else(|| unsupported("no DigestMethod"))?;
    if digest_method != SHA256 {
        return Err(SignatureError::Unsupported(format!(
            "digest method {digest_method} (only SHA-256 is accepted)"
        )));
    }
    let expected_digest = base64_of(child(*reference, "DigestValue"))
        .ok_or_else(|| unsupported("no readable DigestValue"))?;
    let signature_value = base64_of(child(signature, "SignatureValue"))
        .ok_or_else(|| unsupported("no readable SignatureValue"))?;
    let certificate = child(signature, "KeyInfo")
        .and_then(|k| child(k, "X509Data"))
        .and_then(|d| child(d, "X509Certificate"))
        .and_then(|c| base64_of(Some(c)))
        .ok_or_else(|| unsupported("no X509Certificate in KeyInfo"))?;

    let digest = Sha256::digest(canonicalize(
        doc.root(),
        Some(signature.id()),
        &reference_method,
    ));
    if digest.as_slice() != expected_digest.as_slice() {
        return Err(SignatureError::DigestMismatch);
    }
    let (_, cert) = X509Certificate::from_der(&certificate)
        .map_err(|_| unsupported("the X509Certificate does not parse"))?;
    let key = UnparsedPublicKey::new(
        &RSA_PKCS1_2048_8192_SHA256,
        cert.public_key().subject_public_key.data.as_ref(),
    );
    key.verify(
        &canonicalize(signed_info, None, &c14n_method),
        &signature_value,
    )
    .map_err(|_| SignatureError::BadSignature)?;
    let path = anchors.path(&certificate, now)?;
    Ok(Verified {
        signer: certificate,
        path,
    })
}

/// The canonicalization of the reference: enveloped-signature, then at most one c14n
/// transform; inclusive c14n when none is named.
fn reference_method(reference: Node<'_, '_>) -> Result<Method, SignatureError> {
    let transforms: Vec<Node<'_, '_>> = child(reference, "Transforms")
        .map(|t| children(t, "Transform").collect())
        .unwrap_or_default();
    match transforms.as_slice() {
        [enveloped] if enveloped.attribute("Algorithm") == Some(ENVELOPED) => Ok(Method::Inclusive),
        [enveloped, c14n] if enveloped.attribute("Algorithm") == Some(ENVELOPED) => {
            method_of(*c14n)
        }
        _ => Err(SignatureError::Unsupported(
            "the Reference's transforms must be enveloped-signature and at most one c14n".into(),
        )),
    }
}

fn method_of(node: Node<'_, '_>) -> Result<Method, SignatureError> {
    let uri = node.attribute("Algorithm").unwrap_or_default();
    let prefixes = node
        .children()
        .find(|n| n.tag_name().name() == "InclusiveNamespaces")
        .and_then(|n| n.attribute("PrefixList"))
        .map(|list| list.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default();
    Method::from_uri(uri, prefixes)
        .ok_or_else(|| SignatureError::Unsupported(format!("canonicalization {uri}")))
}

fn child<'a, 'i>(node: Node<'a, 'i>, local: &str) -> Option<Node<'a, 'i>> {
    node.children()
        .find(|n| n.has_tag_name((DSIG_NAMESPACE, local)))
}

fn children<'a, 'i: 'a>(
    node: Node<'a, 'i>,
    local: &'static str,
) -> impl Iterator<Item = Node<'a, 'i>> + 'a {
    node.children()
        .filter(move |n| n.has_tag_name((DSIG_NAMESPACE, local)))
}

fn base64_of(node: Option<Node<'_, '_>>) -> Option<Vec<u8>> {
    let text: String = node?
        .text()?
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    STANDARD.decode(text).ok()
}

/// A private key (RSA, PKCS#8) and its certificate, for signing.
pub struct SigningKey {
    key: RsaKeyPair,
    certificate: Vec<u8>,
}

impl SigningKey {
    /// # Errors
    /// When the key is not an RSA PKCS#8 key or the certificate does not parse.
    pub fn new(pkcs8: &[u8], certificate: Vec<u8>) -> Result<Self, String> {
        let key = RsaKeyPair::from_pkcs8(pkcs8).map_err(|e| format!("not an RSA key: {e}"))?;
        X509Certificate::from_der(&certificate)
            .map_err(|e| format!("not an X.509 certificate: {e}"))?;
        Ok(Self { key, certificate })
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
        let certificate = Pem::iter_from_buffer(certificate_pem)
            .filter_map(Result::ok)
            .find(|p| p.label == "CERTIFICATE")
            .ok_or("no CERTIFICATE block")?;
        Self::new(&key.contents, certificate.contents)
    }

    #[must_use]
    pub fn certificate(&self) -> &[u8] {
        &self.certificate
    }

    /// An RSA PKCS#1 v1.5 signature with SHA-256 over `data`.
    ///
    /// # Errors
    /// When the key cannot sign.
    pub fn sign_rsa_sha256(&self, data: &[u8]) -> Result<Vec<u8>, String> {
        let mut value = vec![0; self.key.public().modulus_len()];
        self.key
            .sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), data, &mut value)
            .map_err(|e| format!("signing failed: {e}"))?;
        Ok(value)
    }
}

/// Whether `signature` is an RSA PKCS#1 v1.5 SHA-256 signature of `data` by the key of
/// `certificate` (DER).
#[must_use]
pub fn verify_rsa_sha256(certificate: &[u8], data: &[u8], signature: &[u8]) -> bool {
    let Ok((_, cert)) = X509Certificate::from_der(certificate) else {
        return false;
    };
    UnparsedPublicKey::new(
        &RSA_PKCS1_2048_8192_SHA256,
        cert.public_key().subject_public_key.data.as_ref(),
    )
    .verify(data, signature)
    .is_ok()
}

/// Puts an enveloped signature as the last child of the document element of `xml`, in the
/// form SMP 1.2+ uses: inclusive c14n, RSA-SHA256, SHA-256, the certificate in `KeyInfo`.
///
/// # Errors
/// When `xml` does not parse or the key cannot sign.
pub fn sign_enveloped(xml: &str, key: &SigningKey) -> Result<String, String> {
    sign_enveloped_with(xml, key, &Method::Inclusive)
}

/// As [`sign_enveloped`] with the given canonicalization; exclusive c14n is what SMPs before
/// SMP 1.2 used (then also named as a transform after `enveloped-signature`).
///
/// # Errors
/// When `xml` does not parse or the key cannot sign.
pub fn sign_enveloped_with(xml: &str, key: &SigningKey, method: &Method) -> Result<String, String> {
    let doc = Document::parse(xml).map_err(|e| e.to_string())?;
    let digest = Sha256::digest(canonicalize(doc.root(), None, method));
    let (c14n_uri, transforms) = match method {
        Method::Inclusive => (
            c14n::INCLUSIVE,
            format!("<ds:Transform Algorithm=\"{ENVELOPED}\"/>"),
        ),
        Method::Exclusive { .. } => (
            c14n::EXCLUSIVE,
            format!(
                "<ds:Transform Algorithm=\"{ENVELOPED}\"/><ds:Transform Algorithm=\"{}\"/>",
                c14n::EXCLUSIVE
            ),
        ),
    };
    let signed_info = format!(
        "<ds:SignedInfo><ds:CanonicalizationMethod Algorithm=\"{c14n_uri}\"/><ds:SignatureMethod Algorithm=\"{RSA_SHA256}\"/><ds:Reference URI=\"\"><ds:Transforms>{transforms}</ds:Transforms><ds:DigestMethod Algorithm=\"{SHA256}\"/><ds:DigestValue>{digest}</ds:DigestValue></ds:Reference></ds:SignedInfo>",
        digest = STANDARD.encode(digest),
    );
    let root_end = doc.root_element().range().end;
    let close = xml[..root_end]
        .rfind("</")
        .ok_or("the document element is empty")?;
    let (head, tail) = xml.split_at(close);
    let placeholder = "\u{0}SIGNATURE\u{0}";
    let signature = format!(
        "<ds:Signature xmlns:ds=\"{DSIG_NAMESPACE}\">{signed_info}<ds:SignatureValue>{placeholder}</ds:SignatureValue><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></ds:Signature>",
        cert = STANDARD.encode(&key.certificate),
    );
    // SignedInfo is canonicalized where it stands, with the namespaces it inherits there.
    let draft = format!("{head}{signature}{tail}");
    let draft_for_parse = draft.replace(placeholder, "");
    let parsed = Document::parse(&draft_for_parse).map_err(|e| e.to_string())?;
    let info = parsed
        .descendants()
        .find(|n| n.has_tag_name((DSIG_NAMESPACE, "SignedInfo")))
        .ok_or("SignedInfo vanished")?;
    let mut value = vec![0; key.key.public().modulus_len()];
    key.key
        .sign(
            &RSA_PKCS1_SHA256,
            &SystemRandom::new(),
            &canonicalize(info, None, method),
            &mut value,
        )
        .map_err(|e| format!("signing failed: {e}"))?;
    Ok(draft.replace(placeholder, &STANDARD.encode(value)))
}
