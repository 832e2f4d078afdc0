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
}
