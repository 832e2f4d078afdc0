//! The certificates a Peppol AP or SMP certificate must chain to, and the path from such a
//! certificate to them.
//!
//! Real Peppol certificates come in three levels: the Peppol Root CA issues the Access Point
//! CA and the SMP CA, which issue the AP and SMP certificates. An AS4 message and an SMP
//! signature carry only the leaf, so the CAs between the leaf and the root come from the
//! operator's trust file. A trust file therefore holds one or more certificates, read as
//! follows: a certificate that another certificate in the file issued (and that is not
//! self-signed) is an **intermediate**, checked on every path like the leaf (signature,
//! validity, CA, revocation); every other certificate is a **trust anchor**, believed as
//! configured. A file with only the issuing CA (the form Haven took before) is one anchor;
//! a file with the root and the AP CA makes the root the anchor and the AP CA an
//! intermediate.

use std::sync::Arc;

use x509_parser::{certificate::X509Certificate, pem::Pem, prelude::FromDer, time::ASN1Time};

use crate::xmldsig::SignatureError;

/// The longest path built: leaf, at most this many intermediates, anchor. Peppol's has one.
const MAX_INTERMEDIATES: usize = 4;

/// Certificates a signer's certificate must chain to: trust anchors and the intermediate CAs
/// between them and the leaves (see the module's comment).
///
/// Shared, not copied, by each path verified under it (`CertPath` keeps it for the indirect
/// CRL issuers it names), so a path costs no copy of the file per message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustAnchors {
    anchors: Arc<[Vec<u8>]>,
    intermediates: Arc<[Vec<u8>]>,
}

/// A verified path: the leaf first, then each issuer, the trust anchor last; with the trust
/// it was built under (an indirect CRL's issuer is looked up there).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertPath(pub Vec<Vec<u8>>, TrustAnchors);

impl CertPath {
    /// Each certificate that is not the anchor with its issuer, leaf first: what revocation
    /// is checked for.
    pub fn issued(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        self.0
            .windows(2)
            .map(|pair| (pair[0].as_slice(), pair[1].as_slice()))
    }

    /// The trust the path was built under.
    #[must_use]
    pub fn trust(&self) -> &TrustAnchors {
        &self.1
    }

    /// The leaf (DER).
    #[must_use]
    pub fn leaf(&self) -> &[u8] {
        self.0.first().map_or(&[], Vec::as_slice)
    }
}

impl TrustAnchors {
    /// From PEM text holding one or more certificates.
    ///
    /// # Errors
    /// When the text holds no certificate, one that does not parse, or no trust anchor.
    pub fn from_pem(pem: &[u8]) -> Result<Self, String> {
        let mut certificates = Vec::new();
        for block in Pem::iter_from_buffer(pem) {
            let block = block.map_err(|e| format!("not a PEM certificate: {e}"))?;
            block
                .parse_x509()
                .map_err(|e| format!("not an X.509 certificate: {e}"))?;
            certificates.push(block.contents);
        }
        if certificates.is_empty() {
            return Err("no certificate found".into());
        }
        Self::from_der(certificates)
    }

    /// From DER certificates, sorted into anchors and intermediates.
    ///
    /// # Errors
    /// When one does not parse, or none is an anchor.
    pub fn from_der(certificates: Vec<Vec<u8>>) -> Result<Self, String> {
        let mut parsed = Vec::with_capacity(certificates.len());
        for der in &certificates {
            let (_, cert) = X509Certificate::from_der(der)
                .map_err(|e| format!("not an X.509 certificate: {e}"))?;
            parsed.push(cert);
        }
        let (mut anchors, mut intermediates) = (Vec::new(), Vec::new());
        for (index, cert) in parsed.iter().enumerate() {
            let self_signed = signed_by(cert, cert);
            let issued_here = parsed
                .iter()
                .enumerate()
                .any(|(other, issuer)| other != index && signed_by(cert, issuer));
            let der = certificates[index].clone();
            if issued_here && !self_signed {
                intermediates.push(der);
            } else {
                anchors.push(der);
            }
        }
        if anchors.is_empty() && !certificates.is_empty() {
            return Err(
                "no trust anchor: every certificate is issued by another one in the file".into(),
            );
        }
        Ok(Self {
            anchors: anchors.into(),
            intermediates: intermediates.into(),
        })
    }

    /// Every certificate of the file, anchors first.
    pub fn certificates(&self) -> impl Iterator<Item = &[u8]> {
        self.anchors
            .iter()
            .chain(self.intermediates.iter())
            .map(Vec::as_slice)
    }

    /// The subjects of the anchors and of the intermediates, for the audit log.
    #[must_use]
    pub fn subjects(&self) -> (Vec<String>, Vec<String>) {
        let subjects = |certificates: &[Vec<u8>]| {
            certificates
                .iter()
                .filter_map(|der| X509Certificate::from_der(der).ok())
                .map(|(_, cert)| cert.subject().to_string())
                .collect()
        };
        (subjects(&self.anchors), subjects(&self.intermediates))
    }

    /// How many anchors and intermediates there are.
    #[must_use]
    pub fn counts(&self) -> (usize, usize) {
        (self.anchors.len(), self.intermediates.len())
    }

    /// Whether `leaf` (DER) chains to an anchor, every certificate valid at `now` (seconds).
    ///
    /// # Errors
    /// Why not.
    pub fn check(&self, leaf: &[u8], now: i64) -> Result<(), SignatureError> {
        self.path(leaf, now).map(|_| ())
    }

    /// The path from `leaf` (DER) to an anchor, checked at `now` (Unix seconds): each
    /// certificate signed by the next, all valid at `now`, every issuer a CA allowed to sign
    /// certificates (basicConstraints CA, its path length, keyUsage keyCertSign).
    ///
    /// # Errors
    /// Why no path is found (the last candidate issuer refused, and why).
    pub fn path(&self, leaf: &[u8], now: i64) -> Result<CertPath, SignatureError> {
        let untrusted = |why: &str| SignatureError::Untrusted(why.to_owned());
        let (_, cert) =
            X509Certificate::from_der(leaf).map_err(|_| untrusted("it does not parse"))?;
        let time = ASN1Time::from_timestamp(now).map_err(|_| untrusted("bad time"))?;
        if !cert.validity().is_valid_at(time) {
            return Err(untrusted("it is expired or not yet valid"));
        }
        let mut path = vec![leaf.to_vec()];
        let mut best: Option<String> = None;
        if self.extend(&mut path, time, &mut best) {
            return Ok(CertPath(path, self.clone()));
        }
        Err(SignatureError::Untrusted(best.unwrap_or_else(|| {
            "it is not issued by a configured trust anchor".to_owned()
        })))
    }

    /// Extends `path` (whose last certificate is checked) to an anchor, depth first;
    /// `why` keeps the reason a candidate issuer was refused.
    fn extend(&self, path: &mut Vec<Vec<u8>>, time: ASN1Time, why: &mut Option<String>) -> bool {
        // The child is parsed from its own copy, so the path can grow under it.
        let Some(last) = path.last().cloned() else {
            return false;
        };
        let Ok((_, child)) = X509Certificate::from_der(&last) else {
            return false;
        };
        // Intermediates between the child and here; this issuer's pathLen bounds them.
        let below = path.len() - 1;
        for anchor in self.anchors.iter() {
            let Ok((_, issuer)) = X509Certificate::from_der(anchor) else {
                continue;
            };
            if !signed_by(&child, &issuer) {
                continue;
            }
            match issuer_allowed(&issuer, below, time, true) {
                Ok(()) => {
                    path.push(anchor.clone());
                    return true;
                }
                Err(e) => *why = Some(format!("its issuer {}: {e}", issuer.subject())),
            }
        }
        if below >= MAX_INTERMEDIATES {
            return false;
        }
        for intermediate in self.intermediates.iter() {
            if path.contains(intermediate) {
                continue;
            }
            let Ok((_, issuer)) = X509Certificate::from_der(intermediate) else {
                continue;
            };
            if !signed_by(&child, &issuer) {
                continue;
            }
            if let Err(e) = issuer_allowed(&issuer, below, time, false) {
                *why = Some(format!("the intermediate CA {}: {e}", issuer.subject()));
                continue;
            }
            path.push(intermediate.clone());
            if self.extend(path, time, why) {
                return true;
            }
            path.pop();
        }
        false
    }
}

/// Whether `cert` names `issuer` as its issuer and `issuer`'s key verifies its signature.
fn signed_by(cert: &X509Certificate<'_>, issuer: &X509Certificate<'_>) -> bool {
    issuer.subject().as_raw() == cert.issuer().as_raw()
        && cert.verify_signature(Some(issuer.public_key())).is_ok()
}

/// Whether `issuer` may have issued a certificate with `below` intermediates under it, at
/// `time`. An anchor is believed as configured: without basicConstraints or keyUsage it
/// passes, but what it does say is kept (CA, path length, keyCertSign). An intermediate
/// must say it is a CA and may sign certificates.
fn issuer_allowed(
    issuer: &X509Certificate<'_>,
    below: usize,
    time: ASN1Time,
    anchor: bool,
) -> Result<(), String> {
    if !issuer.validity().is_valid_at(time) {
        return Err("expired or not yet valid".into());
    }
    let constraints = issuer
        .basic_constraints()
        .map_err(|_| "its basicConstraints do not parse".to_owned())?;
    match constraints {
        Some(c) if !c.value.ca => return Err("not a CA (basicConstraints CA is false)".into()),
        Some(c) => {
            if let Some(limit) = c.value.path_len_constraint {
                if usize::try_from(limit).is_ok_and(|limit| below > limit) {
                    return Err(format!(
                        "its path length constraint ({limit}) allows fewer CAs below it"
                    ));
                }
            }
        }
        None if !anchor => return Err("not a CA (no basicConstraints)".into()),
        None => {}
    }
    let usage = issuer
        .key_usage()
        .map_err(|_| "its keyUsage does not parse".to_owned())?;
    match usage {
        Some(u) if !u.value.key_cert_sign() => {
            Err("its keyUsage does not allow signing certificates (keyCertSign)".into())
        }
        None if !anchor => Err("no keyUsage with keyCertSign".into()),
        _ => Ok(()),
    }
}
