//! Recording a reload of the installation's Peppol certificates in its audit log.
#![allow(clippy::unwrap_used)]

use std::sync::Mutex;

use chrono::{TimeDelta, Utc};
use haven_domain::{
    accounts::{
        records::{AuditEvent, AuditQuery, NewAuditEvent},
        store::AuditLog,
        AuditAction,
    },
    mail::OutgoingMail,
    peppol::certificates::{
        record_reload_failure, record_renewal, record_trust_renewal, CertificatePurpose,
        InstalledCertificate, TrustFile,
    },
    DomainResult,
};
use uuid::Uuid;

#[derive(Default)]
struct Log(Mutex<Vec<NewAuditEvent>>);

impl AuditLog for Log {
    async fn notify(&self, _: Option<OutgoingMail>, audit: NewAuditEvent) -> DomainResult<()> {
        self.0.lock().unwrap().push(audit);
        Ok(())
    }
    async fn list_audit_events(
        &self,
        _: Option<Uuid>,
        _: AuditQuery,
    ) -> DomainResult<Vec<AuditEvent>> {
        unreachable!("not used here")
    }
}

fn certificate(purpose: CertificatePurpose, serial: &str) -> InstalledCertificate {
    InstalledCertificate {
        purpose,
        subject: "CN=PXX000002".into(),
        issuer: "CN=Test AP CA".into(),
        serial_number: serial.into(),
        not_before: Utc::now() - TimeDelta::days(1),
        not_after: Utc::now() + TimeDelta::days(700),
    }
}

#[tokio::test]
async fn each_changed_certificate_is_one_renewed_event_with_the_old_and_new_serial() {
    use CertificatePurpose::{AccessPoint, AccessPointPrevious, Smp};
    let log = Log::default();
    let before = [certificate(AccessPoint, "0a"), certificate(Smp, "0b")];
    // Nothing changed: nothing recorded.
    assert_eq!(record_renewal(&log, &before, &before).await.unwrap(), 0);
    // The AP certificate renewed, the old one kept as previous; the SMP's unchanged.
    let after = [
        certificate(AccessPoint, "0c"),
        certificate(AccessPointPrevious, "0a"),
        certificate(Smp, "0b"),
    ];
    assert_eq!(record_renewal(&log, &before, &after).await.unwrap(), 2);
    // The previous one removed once the rollover is over.
    let done = [certificate(AccessPoint, "0c"), certificate(Smp, "0b")];
    assert_eq!(record_renewal(&log, &after, &done).await.unwrap(), 1);
    let events = log.0.lock().unwrap();
    let seen: Vec<(
        AuditAction,
        Option<String>,
        serde_json::Value,
        serde_json::Value,
    )> = events
        .iter()
        .map(|e| {
            (
                e.action,
                e.target.as_ref().map(|t| t.1.clone()),
                e.details["purpose"].clone(),
                e.details["oldSerialNumber"].clone(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (
                AuditAction::PeppolCertificateRenewed,
                Some("0c".into()),
                "access_point".into(),
                "0a".into()
            ),
            (
                AuditAction::PeppolCertificateRenewed,
                Some("0a".into()),
                "access_point_previous".into(),
                serde_json::Value::Null
            ),
            (
                AuditAction::PeppolCertificateRenewed,
                Some("0a".into()),
                "access_point_previous".into(),
                "0a".into()
            ),
        ]
    );
    assert_eq!(events[0].details["newSerialNumber"], "0c");
    assert_eq!(
        events[2].details["newSerialNumber"],
        serde_json::Value::Null
    );
    assert!(events.iter().all(|e| e.environment_id.is_none()));
}

#[tokio::test]
async fn a_failed_reload_is_recorded_with_its_reason() {
    let log = Log::default();
    record_reload_failure(&log, "peppol_ap_key_file: no PKCS#8 PRIVATE KEY block")
        .await
        .unwrap();
    let events = log.0.lock().unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].action, AuditAction::PeppolCertificateReloadFailed);
    assert_eq!(
        events[0].details["reason"],
        "peppol_ap_key_file: no PKCS#8 PRIVATE KEY block"
    );
}

#[tokio::test]
async fn a_changed_trust_file_is_recorded_with_its_anchors_and_intermediates() {
    let log = Log::default();
    let trust = TrustFile {
        setting: "peppol_smp_trust_file",
        anchors: vec!["CN=Test Root CA".into()],
        intermediates: vec!["CN=Test SMP CA".into()],
    };
    record_trust_renewal(&log, &trust).await.unwrap();
    let events = log.0.lock().unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].action, AuditAction::PeppolTrustRenewed);
    assert_eq!(
        events[0].target,
        Some(("setting", "peppol_smp_trust_file".to_owned()))
    );
    assert_eq!(events[0].details["anchors"][0], "CN=Test Root CA");
    assert_eq!(events[0].details["intermediates"][0], "CN=Test SMP CA");
    assert!(events[0].environment_id.is_none());
}
