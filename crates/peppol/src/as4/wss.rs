//! The WS-Security signature of AS4 messages and signals: exclusive C14N, RSA-SHA256, SHA-256
//! digests over elements named by `wsu:Id` and over attachments (SwA
//! Attachment-Content-Signature-Transform), the key as a BinarySecurityToken referenced from
//! `KeyInfo`. Making one and checking one.

use std::collections::HashMap;

use base64::{engine::general_purpose::STANDARD, Engine as _};
use roxmltree::{Document, Node};
use sha2::{Digest, Sha256};

use super::{
    child_named, children_named, trimmed_text, As4Error, EbmsCode, ATTACHMENT_CONTENT_SIGNATURE,
    WSSE, X509V3,
};
use crate::{
    c14n::{self, canonicalize, Method},
    sbdh::escape,
    xmldsig::{verify_rsa_sha256, SigningKey, DSIG_NAMESPACE, RSA_SHA256, SHA256},
};

/// One `ds:Reference` of a signature, as the non-repudiation information compares them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SignedReference {
    pub uri: String,
    pub transforms: Vec<String>,
    pub digest_method: String,
    /// Base64, as written.
    pub digest_value: String,
}

impl SignedReference {
    /// The reference as a `ds:Reference` element (the `ds` prefix must be bound).
    #[must_use]
    pub fn to_xml(&self) -> String {
        let transforms: String = self
            .transforms
            .iter()
            .map(|t| format!("<ds:Transform Algorithm=\"{}\"/>", escape(t)))
            .collect();
        format!(
            "<ds:Reference URI=\"{}\"><ds:Transforms>{transforms}</ds:Transforms><ds:DigestMethod Algorithm=\"{}\"/><ds:DigestValue>{}</ds:DigestValue></ds:Reference>",
            escape(&self.uri),
            escape(&self.digest_method),
            escape(&self.digest_value)
        )
    }

    /// Reads a `ds:Reference` element.
    #[must_use]
    pub fn from_node(reference: Node<'_, '_>) -> Self {
        let transforms = child_named(reference, DSIG_NAMESPACE, "Transforms")
            .map(|t| {
                children_named(t, DSIG_NAMESPACE, "Transform")
                    .map(|t| t.attribute("Algorithm").unwrap_or("").to_owned())
                    .collect()
            })
            .unwrap_or_default();
        Self {
            uri: reference.attribute("URI").unwrap_or("").to_owned(),
            transforms,
            digest_method: child_named(reference, DSIG_NAMESPACE, "DigestMethod")
                .and_then(|m| m.attribute("Algorithm"))
                .unwrap_or("")
                .to_owned(),
            digest_value: child_named(reference, DSIG_NAMESPACE, "DigestValue")
                .map(|v| {
                    trimmed_text(v)
                        .chars()
                        .filter(|c| !c.is_whitespace())
                        .collect()
                })
                .unwrap_or_default(),
        }
    }

    /// The same reference, compared as a set member (transforms in any order).
    #[must_use]
    pub fn comparable(&self) -> Self {
        let mut copy = self.clone();
        copy.transforms.sort();
        copy
    }
}

/// The element whose attribute with the local name `Id` (`wsu:Id`, `Id`) is `id`; an id held
/// twice is refused (signature wrapping).
fn element_by_id<'a, 'i>(doc: &'a Document<'i>, id: &str) -> Result<Node<'a, 'i>, As4Error> {
    let mut found = doc
        .descendants()
        .filter(|n| n.is_element() && n.attributes().any(|a| a.name() == "Id" && a.value() == id));
    match (found.next(), found.next()) {
        (Some(node), None) => Ok(node),
        (None, _) => Err(As4Error::new(
            EbmsCode::FailedAuthentication,
            format!("the signature references #{id}, which is not in the message"),
        )),
        (Some(_), Some(_)) => Err(As4Error::new(
            EbmsCode::FailedAuthentication,
            format!("the id {id} occurs more than once"),
        )),
    }
}

fn exclusive() -> Method {
    Method::Exclusive {
        inclusive_prefixes: vec![],
    }
}

/// Makes the `ds:Signature` for `envelope` (the SOAP envelope without it): a reference per
/// element id (exclusive C14N) and per attachment (Content-ID, the SHA-256 of its content,
/// which the caller computes as it writes the content out), the key named by the
/// BinarySecurityToken `bst_id`. The `wsse` prefix must be bound where it is put.
///
/// # Errors
/// When the envelope does not parse, an id is not in it, or the key cannot sign.
pub fn sign(
    envelope: &str,
    element_ids: &[&str],
    attachments: &[(&str, [u8; 32])],
    key: &SigningKey,
    bst_id: &str,
) -> Result<(String, Vec<SignedReference>), String> {
    let doc = Document::parse(envelope).map_err(|e| e.to_string())?;
    let mut references = Vec::new();
    for id in element_ids {
        let node = element_by_id(&doc, id).map_err(|e| e.detail)?;
        references.push(SignedReference {
            uri: format!("#{id}"),
            transforms: vec![c14n::EXCLUSIVE.to_owned()],
            digest_method: SHA256.to_owned(),
            digest_value: STANDARD.encode(Sha256::digest(canonicalize(node, None, &exclusive()))),
        });
    }
    for (cid, sha256) in attachments {
        references.push(SignedReference {
            uri: format!("cid:{cid}"),
            transforms: vec![ATTACHMENT_CONTENT_SIGNATURE.to_owned()],
            digest_method: SHA256.to_owned(),
            digest_value: STANDARD.encode(sha256),
        });
    }
    let reference_xml: String = references.iter().map(SignedReference::to_xml).collect();
    let signed_info = format!(
        "<ds:SignedInfo xmlns:ds=\"{DSIG_NAMESPACE}\"><ds:CanonicalizationMethod Algorithm=\"{}\"/><ds:SignatureMethod Algorithm=\"{RSA_SHA256}\"/>{reference_xml}</ds:SignedInfo>",
        c14n::EXCLUSIVE
    );
    // Exclusive C14N of SignedInfo does not depend on where it stands: only `ds` is used.
    let parsed = Document::parse(&signed_info).map_err(|e| e.to_string())?;
    let value = key.sign_rsa_sha256(&canonicalize(parsed.root_element(), None, &exclusive()))?;
    let signature = format!(
        "<ds:Signature xmlns:ds=\"{DSIG_NAMESPACE}\" Id=\"SIG-{sig_id}\">{signed_info}<ds:SignatureValue>{value}</ds:SignatureValue><ds:KeyInfo><wsse:SecurityTokenReference><wsse:Reference URI=\"#{bst_id}\" ValueType=\"{X509V3}\"/></wsse:SecurityTokenReference></ds:KeyInfo></ds:Signature>",
        sig_id = super::new_id(),
        value = STANDARD.encode(value),
    );
    Ok((signature, references))
}

/// A checked signature.
#[derive(Debug, Clone)]
pub struct Verified {
    /// The signer's certificate (DER), from the BinarySecurityToken.
    pub signer: Vec<u8>,
    /// Every reference, in order; those to elements are checked, those to attachments
    /// (`cid:`) are left to [`check_attachment`].
    pub references: Vec<SignedReference>,
}

impl Verified {
    /// Whether a reference names `#id`.
    #[must_use]
    pub fn covers_element(&self, id: &str) -> bool {
        self.references.iter().any(|r| r.uri == format!("#{id}"))
    }
}

fn policy(detail: impl Into<String>) -> As4Error {
    As4Error::new(EbmsCode::PolicyNoncompliance, detail)
}

fn failed(detail: impl Into<String>) -> As4Error {
    As4Error::new(EbmsCode::FailedAuthentication, detail)
}

fn base64_text(node: Option<Node<'_, '_>>) -> Option<Vec<u8>> {
    let text: String = node?
        .text()?
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    STANDARD.decode(text).ok()
}

/// Checks the one `ds:Signature` in `security` (the `wsse:Security` header): algorithms
/// (EBMS:0103 when others), the digests of the referenced elements and the signature value
/// with the certificate of the referenced BinarySecurityToken (EBMS:0101 when wrong). Whether
/// the certificate is trusted is the caller's question.
///
/// # Errors
/// The ebMS error to answer with.
pub fn verify(doc: &Document<'_>, security: Node<'_, '_>) -> Result<Verified, As4Error> {
    let signatures: Vec<Node<'_, '_>> =
        children_named(security, DSIG_NAMESPACE, "Signature").collect();
    let signature = match signatures.as_slice() {
        [] => return Err(policy("the message is not signed")),
        [one] => *one,
        _ => return Err(policy("the message has more than one signature")),
    };
    let signed_info = child_named(signature, DSIG_NAMESPACE, "SignedInfo")
        .ok_or_else(|| policy("the signature has no SignedInfo"))?;
    let c14n_node = child_named(signed_info, DSIG_NAMESPACE, "CanonicalizationMethod")
        .ok_or_else(|| policy("no CanonicalizationMethod"))?;
    if c14n_node.attribute("Algorithm") != Some(c14n::EXCLUSIVE) {
        return Err(policy(
            "SignedInfo must be canonicalized with exclusive C14N",
        ));
    }
    let method = Method::Exclusive {
        inclusive_prefixes: prefix_list(c14n_node),
    };
    let algorithm = child_named(signed_info, DSIG_NAMESPACE, "SignatureMethod")
        .and_then(|m| m.attribute("Algorithm"))
        .unwrap_or("");
    if algorithm != RSA_SHA256 {
        return Err(policy(format!(
            "signature method {algorithm} (only RSA-SHA256 is accepted)"
        )));
    }
    let mut references = Vec::new();
    for node in children_named(signed_info, DSIG_NAMESPACE, "Reference") {
        let reference = SignedReference::from_node(node);
        if reference.digest_method != SHA256 {
            return Err(policy(format!(
                "digest method {} (only SHA-256 is accepted)",
                reference.digest_method
            )));
        }
        if let Some(id) = reference.uri.strip_prefix('#') {
            let transforms: Vec<Node<'_, '_>> = child_named(node, DSIG_NAMESPACE, "Transforms")
                .map(|t| children_named(t, DSIG_NAMESPACE, "Transform").collect())
                .unwrap_or_default();
            let [transform] = transforms.as_slice() else {
                return Err(policy(
                    "an element reference must have exactly one transform",
                ));
            };
            if transform.attribute("Algorithm") != Some(c14n::EXCLUSIVE) {
                return Err(policy("an element reference must use exclusive C14N"));
            }
            let target = element_by_id(doc, id)?;
            let method = Method::Exclusive {
                inclusive_prefixes: prefix_list(*transform),
            };
            let digest = STANDARD.encode(Sha256::digest(canonicalize(target, None, &method)));
            if digest != reference.digest_value {
                return Err(failed(format!(
                    "the digest of #{id} does not match: it was changed"
                )));
            }
        } else if reference.uri.starts_with("cid:") {
            if reference.transforms != [ATTACHMENT_CONTENT_SIGNATURE] {
                return Err(policy(
                    "an attachment reference must use the Attachment-Content-Signature-Transform",
                ));
            }
        } else {
            return Err(policy(format!(
                "unsupported reference URI {}",
                reference.uri
            )));
        }
        references.push(reference);
    }
    if references.is_empty() {
        return Err(policy("the signature has no references"));
    }
    // KeyInfo: a direct reference to a BinarySecurityToken holding one X.509 certificate.
    let bst_uri = child_named(signature, DSIG_NAMESPACE, "KeyInfo")
        .and_then(|k| child_named(k, WSSE, "SecurityTokenReference"))
        .and_then(|s| child_named(s, WSSE, "Reference"))
        .and_then(|r| r.attribute("URI"))
        .and_then(|u| u.strip_prefix('#'))
        .ok_or_else(|| {
            policy("the signature's KeyInfo is not a reference to a BinarySecurityToken")
        })?;
    let signer = binary_security_token(doc, bst_uri)?;
    let value = base64_text(child_named(signature, DSIG_NAMESPACE, "SignatureValue"))
        .ok_or_else(|| policy("no readable SignatureValue"))?;
    if !verify_rsa_sha256(&signer, &canonicalize(signed_info, None, &method), &value) {
        return Err(failed("the signature value does not verify"));
    }
    Ok(Verified { signer, references })
}

/// The certificate (DER) in the BinarySecurityToken with the id `id`.
///
/// # Errors
/// EBMS:0103 when it is missing or not one X.509 v3 certificate.
pub fn binary_security_token(doc: &Document<'_>, id: &str) -> Result<Vec<u8>, As4Error> {
    let bst = element_by_id(doc, id)?;
    if !bst.has_tag_name((WSSE, "BinarySecurityToken")) {
        return Err(policy(format!("#{id} is not a BinarySecurityToken")));
    }
    if bst.attribute("ValueType") != Some(X509V3) {
        return Err(policy(
            "the BinarySecurityToken must hold one X.509 v3 certificate",
        ));
    }
    base64_text(Some(bst)).ok_or_else(|| policy("the BinarySecurityToken is not base64"))
}

fn prefix_list(node: Node<'_, '_>) -> Vec<String> {
    node.children()
        .find(|n| n.tag_name().name() == "InclusiveNamespaces")
        .and_then(|n| n.attribute("PrefixList"))
        .map(|list| list.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default()
}

/// Checks the digest of a signed attachment (its content as signed: compressed, not yet
/// encrypted) against the signature's reference `cid:<content_id>`.
///
/// # Errors
/// EBMS:0101 when the digest differs or the attachment is not signed.
pub fn check_attachment(
    verified: &Verified,
    content_id: &str,
    content: &[u8],
) -> Result<(), As4Error> {
    let uri = format!("cid:{content_id}");
    let reference = verified
        .references
        .iter()
        .find(|r| r.uri == uri)
        .ok_or_else(|| failed(format!("the attachment {uri} is not signed")))?;
    if STANDARD.encode(Sha256::digest(content)) != reference.digest_value {
        return Err(failed(format!(
            "the digest of {uri} does not match: it was changed"
        )));
    }
    Ok(())
}

/// The references of a signature, as a comparable set.
#[must_use]
pub fn reference_set(references: &[SignedReference]) -> Vec<SignedReference> {
    let mut set: Vec<SignedReference> =
        references.iter().map(SignedReference::comparable).collect();
    set.sort();
    set
}

/// Attachments by Content-ID.
pub type Attachments = HashMap<String, Vec<u8>>;
