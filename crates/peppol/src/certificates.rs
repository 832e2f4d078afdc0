//! Reads what operators need to know of the installation's own certificates.

use chrono::{DateTime, Utc};
use haven_domain::peppol::certificates::{CertificatePurpose, InstalledCertificate};
use x509_parser::prelude::{FromDer, X509Certificate};

/// The subject, issuer, serial number and validity of a DER certificate.
///
/// # Errors
/// When `der` is not an X.509 certificate or its dates are out of range.
pub fn describe(purpose: CertificatePurpose, der: &[u8]) -> Result<InstalledCertificate, String> {
    let (_, cert) =
        X509Certificate::from_der(der).map_err(|e| format!("not an X.509 certificate: {e}"))?;
    let time = |t: x509_parser::time::ASN1Time| {
        DateTime::<Utc>::from_timestamp(t.timestamp(), 0)
            .ok_or_else(|| "a validity date is out of range".to_owned())
    };
    Ok(InstalledCertificate {
        purpose,
        subject: cert.subject().to_string(),
        issuer: cert.issuer().to_string(),
        serial_number: cert.raw_serial_as_string().replace(':', ""),
        not_before: time(cert.validity().not_before)?,
        not_after: time(cert.validity().not_after)?,
    })
}

/// The next SMP certificate from its PEM file (`peppol_smp_next_certificate_file`), read
/// when asked so that a file put in place after the start counts, and judged against the SMP
/// CA (`anchors`; without them nothing is trusted).
pub struct NextCertificateFile {
    pub path: Option<std::path::PathBuf>,
    pub anchors: Option<crate::xmldsig::TrustAnchors>,
}

impl haven_domain::peppol::smp_certificate::NextSmpCertificate for NextCertificateFile {
    fn next_certificate(
        &self,
    ) -> Result<Option<haven_domain::peppol::smp_certificate::CandidateCertificate>, String> {
        let Some(path) = &self.path else {
            return Ok(None);
        };
        // The path stays in the log; the answer names the setting.
        let pem = std::fs::read(path).map_err(|e| {
            tracing::warn!(path = %path.display(), error = %e, "the next SMP certificate cannot be read");
            "peppol_smp_next_certificate_file cannot be read".to_owned()
        })?;
        let der = crate::xmldsig::first_certificate(&pem)
            .map_err(|e| format!("peppol_smp_next_certificate_file holds no certificate: {e}"))?;
        let certificate = describe(CertificatePurpose::Smp, &der)?;
        let trusted = match &self.anchors {
            None => Err("no SMP CA is configured (peppol_smp_trust_file)".to_owned()),
            Some(anchors) => anchors
                .check(&der, Utc::now().timestamp())
                .map_err(|e| e.to_string()),
        };
        // Only the certificate itself goes to the SML, never anything else in the file.
        let pem = x509_parser::pem::Pem {
            label: "CERTIFICATE".into(),
            contents: der,
        };
        Ok(Some(
            haven_domain::peppol::smp_certificate::CandidateCertificate {
                pem: pem_text(&pem),
                certificate,
                trusted,
            },
        ))
    }
}

/// A PEM block as text, 64 characters a line.
fn pem_text(pem: &x509_parser::pem::Pem) -> String {
    use base64::Engine as _;
    let encoded = base64::engine::general_purpose::STANDARD.encode(&pem.contents);
    let mut text = format!("-----BEGIN {}-----\n", pem.label);
    for line in encoded.as_bytes().chunks(64) {
        text.push_str(&String::from_utf8_lossy(line));
        text.push('\n');
    }
    text.push_str(&format!("-----END {}-----\n", pem.label));
    text
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::testing::Ca;

    #[test]
    fn a_leaf_is_described_with_its_validity() {
        let ca = Ca::new("Test AP CA");
        let expired = ca.leaf("POP000099", None, true);
        let described = describe(CertificatePurpose::AccessPoint, &expired.der).unwrap();
        assert_eq!(described.subject, "CN=POP000099");
        assert_eq!(described.issuer, "CN=Test AP CA");
        assert_eq!(
            described.not_after.to_rfc3339(),
            "2020-01-01T00:00:00+00:00"
        );
        let serial: String = expired
            .serial
            .iter()
            .skip_while(|b| **b == 0)
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(described.serial_number, serial);
        assert!(describe(CertificatePurpose::Smp, b"not a certificate").is_err());
    }

    #[test]
    fn the_next_certificate_is_read_and_judged_against_the_smp_ca() {
        use haven_domain::peppol::smp_certificate::NextSmpCertificate as _;
        let ca = Ca::new("Test SMP CA");
        let leaf = ca.leaf("SMP2", None, false);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("next.pem");
        std::fs::write(&path, format!("{}{}", leaf.key_pem(), leaf.pem)).unwrap();
        let anchors = crate::xmldsig::TrustAnchors::from_pem(ca.pem.as_bytes()).unwrap();
        let file = NextCertificateFile {
            path: Some(path.clone()),
            anchors: Some(anchors),
        };
        let next = file.next_certificate().unwrap().unwrap();
        assert_eq!(next.trusted, Ok(()));
        assert_eq!(next.certificate.subject, "CN=SMP2");
        // The key beside it in the file is not passed on.
        assert!(!next.pem.contains("PRIVATE"));
        assert_eq!(
            crate::xmldsig::first_certificate(next.pem.as_bytes()).unwrap(),
            leaf.der
        );
        let foreign = NextCertificateFile {
            path: Some(path),
            anchors: Some(
                crate::xmldsig::TrustAnchors::from_pem(Ca::new("Other").pem.as_bytes()).unwrap(),
            ),
        };
        assert!(foreign
            .next_certificate()
            .unwrap()
            .unwrap()
            .trusted
            .is_err());
        let none = NextCertificateFile {
            path: None,
            anchors: None,
        };
        assert_eq!(none.next_certificate(), Ok(None));
        let missing = NextCertificateFile {
            path: Some(dir.path().join("absent.pem")),
            anchors: None,
        };
        let error = missing.next_certificate().unwrap_err();
        assert!(!error.contains("absent.pem"), "{error}");
    }
}
