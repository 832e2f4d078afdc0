//! A key and its certificate chain from the operator's files: PEM (a PKCS#8 `PRIVATE KEY`
//! block and the certificates) or one PKCS#12 file with its password, the form a CA or a Java
//! keystore usually hands over. The rest of the crate takes the PEM form, so a PKCS#12 file
//! is turned into it once, at start.

use base64::{engine::general_purpose::STANDARD, Engine as _};
use p12_keystore::{error::Error as Pkcs12Error, Pkcs12Archive};
use x509_parser::{certificate::X509Certificate, prelude::FromDer};

/// A private key (PKCS#8 DER) and the certificates that go with it, the key's own first.
pub struct KeyAndChain {
    pkcs8: Vec<u8>,
    chain: Vec<Vec<u8>>,
}

impl std::fmt::Debug for KeyAndChain {
    // Never the key itself.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyAndChain")
            .field("certificates", &self.chain.len())
            .finish_non_exhaustive()
    }
}

impl KeyAndChain {
    /// Reads a PKCS#12 file's content: the one private key in it and the certificate whose
    /// public key is that key's, then the other certificates (its chain) in file order.
    ///
    /// # Errors
    /// A sentence for a wrong password, a file that is not PKCS#12, one without a private key
    /// or with several, or without the key's certificate.
    pub fn from_pkcs12(data: &[u8], password: &str) -> Result<Self, String> {
        let archive = Pkcs12Archive::from_pkcs12(data, password).map_err(|e| match e {
            // The MAC is computed from the password; an archive without one fails to decrypt.
            Pkcs12Error::MacError(_) | Pkcs12Error::UnpadError | Pkcs12Error::Pkcs5Error(_) => {
                "the password is wrong (or the file is damaged)".to_owned()
            }
            Pkcs12Error::DerError(_) | Pkcs12Error::InvalidVersion => {
                "not a PKCS#12 file".to_owned()
            }
            other => format!("the PKCS#12 file cannot be read: {other}"),
        })?;
        let [key] = archive.keys.as_slice() else {
            return Err(if archive.keys.is_empty() {
                "the PKCS#12 file holds no private key".to_owned()
            } else {
                format!(
                    "the PKCS#12 file holds {} private keys; it must hold one",
                    archive.keys.len()
                )
            });
        };
        let pkcs8 = key.key.as_der().to_vec();
        let public = public_key_of(&pkcs8)?;
        let mut certificates: Vec<Vec<u8>> = archive
            .certs
            .iter()
            .map(|bag| bag.cert.as_der().to_vec())
            .collect();
        let own = certificates
            .iter()
            .position(|der| certificate_key(der).as_deref() == Some(public.as_slice()))
            .ok_or("the PKCS#12 file holds no certificate for its private key")?;
        let leaf = certificates.remove(own);
        let mut chain = vec![leaf];
        chain.extend(certificates);
        Ok(Self { pkcs8, chain })
    }

    /// The private key as a PKCS#8 PEM block.
    #[must_use]
    pub fn key_pem(&self) -> String {
        pem_block("PRIVATE KEY", &self.pkcs8)
    }

    /// The certificates as PEM blocks, the key's own first.
    #[must_use]
    pub fn certificates_pem(&self) -> String {
        self.chain
            .iter()
            .map(|der| pem_block("CERTIFICATE", der))
            .collect()
    }

    /// The private key, PKCS#8 DER.
    #[must_use]
    pub fn pkcs8(&self) -> &[u8] {
        &self.pkcs8
    }

    /// The key's own certificate, DER.
    #[must_use]
    pub fn certificate(&self) -> &[u8] {
        &self.chain[0]
    }
}

/// The SubjectPublicKeyInfo (DER) of a PKCS#8 key; RSA only, as Peppol's keys are.
fn public_key_of(pkcs8: &[u8]) -> Result<Vec<u8>, String> {
    use rsa::pkcs8::{DecodePrivateKey as _, EncodePublicKey as _};
    let key = rsa::PrivateKey::from_pkcs8_der(pkcs8)
        .map_err(|e| format!("the private key is not an RSA PKCS#8 key: {e}"))?;
    key.to_public_key()
        .to_public_key_der()
        .map(|der| der.as_bytes().to_vec())
        .map_err(|e| format!("the private key's public part: {e}"))
}

/// The SubjectPublicKeyInfo (DER) of a certificate.
fn certificate_key(certificate: &[u8]) -> Option<Vec<u8>> {
    let (_, parsed) = X509Certificate::from_der(certificate).ok()?;
    Some(parsed.public_key().raw.to_vec())
}

fn pem_block(label: &str, der: &[u8]) -> String {
    let encoded = STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in encoded.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}
