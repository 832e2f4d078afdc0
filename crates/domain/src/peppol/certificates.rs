//! The installation's own Peppol certificates (the access point's and the SMP's) and when they
//! run out. A Peppol certificate is valid for two years and its renewal goes through
//! OpenPeppol, which takes days, so operators are warned well before the end: on their page in
//! the web app, in the log, and daily in the installation's audit log.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::{
    accounts::{
        records::{ClientInfo, NewAuditEvent},
        store::AuditLog,
        AuditAction, Caller, Operators,
    },
    DomainResult,
};

/// What a certificate of the installation is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CertificatePurpose {
    /// Signs and decrypts AS4 messages (`peppol_ap_certificate_file`).
    AccessPoint,
    /// The access point's previous certificate during a rollover: its key still decrypts
    /// messages encrypted to it (`peppol_ap_previous_certificate_file`).
    AccessPointPrevious,
    /// Signs the SMP's service metadata (`peppol_smp_certificate_file`).
    Smp,
}

impl CertificatePurpose {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AccessPoint => "access_point",
            Self::AccessPointPrevious => "access_point_previous",
            Self::Smp => "smp",
        }
    }
}

/// Where a certificate stands on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ExpiryState {
    Valid,
    /// Ends within the warning period (`peppol_certificate_warning_days`).
    ExpiresSoon,
    /// Ended: other access points refuse what it signs.
    Expired,
    /// Starts later (a replacement installed early).
    NotYetValid,
}

/// One certificate the installation uses, as read from its configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstalledCertificate {
    pub purpose: CertificatePurpose,
    pub subject: String,
    pub issuer: String,
    /// Hexadecimal, as certificate viewers show it.
    pub serial_number: String,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
}

impl InstalledCertificate {
    /// The subject's common name (`CN=` of the subject as written, e.g. `CN=PXX000001, O=…`):
    /// for a Peppol certificate, the seat id.
    #[must_use]
    pub fn common_name(&self) -> Option<&str> {
        self.subject
            .split(',')
            .map(str::trim)
            .find_map(|part| part.strip_prefix("CN="))
            .map(str::trim)
            .filter(|cn| !cn.is_empty())
    }

    /// The subject's country (`C=`), upper case: for a Peppol certificate, the service
    /// provider's country.
    #[must_use]
    pub fn country(&self) -> Option<String> {
        self.subject
            .split(',')
            .map(str::trim)
            .find_map(|part| part.strip_prefix("C="))
            .map(|c| c.trim().to_ascii_uppercase())
            .filter(|c| c.len() == 2 && c.bytes().all(|b| b.is_ascii_alphabetic()))
    }

    #[must_use]
    pub fn state(&self, now: DateTime<Utc>, warning: TimeDelta) -> ExpiryState {
        if now < self.not_before {
            ExpiryState::NotYetValid
        } else if now >= self.not_after {
            ExpiryState::Expired
        } else if self.not_after - now <= warning {
            ExpiryState::ExpiresSoon
        } else {
            ExpiryState::Valid
        }
    }

    /// Whole days until the end (0 on its last day, negative once it ended).
    #[must_use]
    pub fn days_left(&self, now: DateTime<Utc>) -> i64 {
        let left = self.not_after - now;
        if left < TimeDelta::zero() {
            // Rounded away from zero: a certificate that ended an hour ago ended "1 day ago".
            -((-left).num_seconds() + 86_399) / 86_400
        } else {
            left.num_days()
        }
    }
}

/// A certificate with its state, as operators see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateStatus {
    pub certificate: InstalledCertificate,
    pub state: ExpiryState,
    pub days_left: i64,
}

/// The certificates with their state at `now`.
#[must_use]
pub fn statuses(
    certificates: &[InstalledCertificate],
    now: DateTime<Utc>,
    warning: TimeDelta,
) -> Vec<CertificateStatus> {
    certificates
        .iter()
        .map(|c| CertificateStatus {
            certificate: c.clone(),
            state: c.state(now, warning),
            days_left: c.days_left(now),
        })
        .collect()
}

/// The installation's certificates with their state, for platform operators.
///
/// # Errors
/// `NotFound` for anyone but an operator, `Forbidden` for an operator without two-factor
/// authentication yet.
pub fn certificates_for_operator(
    operators: &Operators,
    caller: &Caller<'_>,
    certificates: &[InstalledCertificate],
    now: DateTime<Utc>,
    warning: TimeDelta,
) -> DomainResult<Vec<CertificateStatus>> {
    operators.require(caller)?;
    Ok(statuses(certificates, now, warning))
}

/// Writes a warning to the installation's audit log (and the log) for every certificate that
/// ends within `warning` or has ended. Run daily; returns how many warnings it wrote.
///
/// # Errors
/// When the audit log cannot be written.
#[tracing::instrument(name = "peppol.check_certificates", skip_all)]
pub async fn warn_of_expiry<L: AuditLog>(
    log: &L,
    certificates: &[InstalledCertificate],
    now: DateTime<Utc>,
    warning: TimeDelta,
) -> DomainResult<usize> {
    let mut warned = 0;
    for status in statuses(certificates, now, warning) {
        // The previous certificate of a rollover is meant to run out.
        if status.certificate.purpose == CertificatePurpose::AccessPointPrevious {
            continue;
        }
        let action = match status.state {
            ExpiryState::ExpiresSoon => AuditAction::PeppolCertificateExpiresSoon,
            ExpiryState::Expired => AuditAction::PeppolCertificateExpired,
            ExpiryState::Valid | ExpiryState::NotYetValid => continue,
        };
        let c = &status.certificate;
        tracing::warn!(
            purpose = c.purpose.as_str(),
            subject = %c.subject,
            not_after = %c.not_after,
            days_left = status.days_left,
            "a Peppol certificate of this installation {}",
            if status.state == ExpiryState::Expired { "has expired" } else { "expires soon" }
        );
        let mut event = NewAuditEvent::new(action, &ClientInfo::default());
        event.target = Some(("certificate", c.serial_number.clone()));
        event.details = serde_json::json!({
            "purpose": c.purpose.as_str(),
            "subject": c.subject,
            "issuer": c.issuer,
            "notAfter": c.not_after.to_rfc3339(),
            "daysLeft": status.days_left,
        });
        log.notify(None, event).await?;
        warned += 1;
    }
    Ok(warned)
}

/// Records a reload of the key and certificate files that took renewed certificates into use:
/// one `peppol.certificate_renewed` event in the installation's audit log (and a log line)
/// per purpose whose certificate changed, with the old and new serial numbers. Returns how
/// many it wrote.
///
/// # Errors
/// When the audit log cannot be written.
#[tracing::instrument(name = "peppol.certificates_reloaded", skip_all)]
pub async fn record_renewal<L: AuditLog>(
    log: &L,
    before: &[InstalledCertificate],
    after: &[InstalledCertificate],
) -> DomainResult<usize> {
    let mut recorded = 0;
    for new in after {
        let old = before.iter().find(|c| c.purpose == new.purpose);
        if old.is_some_and(|old| old.serial_number == new.serial_number && old.issuer == new.issuer)
        {
            continue;
        }
        let old_serial = old.map(|c| c.serial_number.clone());
        tracing::info!(
            purpose = new.purpose.as_str(),
            old_serial = old_serial.as_deref().unwrap_or("none"),
            new_serial = %new.serial_number,
            not_after = %new.not_after,
            "a renewed Peppol certificate of this installation is in use"
        );
        let mut event = NewAuditEvent::new(
            AuditAction::PeppolCertificateRenewed,
            &ClientInfo::default(),
        );
        event.target = Some(("certificate", new.serial_number.clone()));
        event.details = serde_json::json!({
            "purpose": new.purpose.as_str(),
            "oldSerialNumber": old_serial,
            "newSerialNumber": new.serial_number,
            "subject": new.subject,
            "issuer": new.issuer,
            "notAfter": new.not_after.to_rfc3339(),
        });
        log.notify(None, event).await?;
        recorded += 1;
    }
    // A previous certificate that was removed (the rollover is over) is a change too.
    for old in before {
        if after.iter().all(|c| c.purpose != old.purpose) {
            tracing::info!(
                purpose = old.purpose.as_str(),
                old_serial = %old.serial_number,
                "a Peppol certificate of this installation is no longer in use"
            );
            let mut event = NewAuditEvent::new(
                AuditAction::PeppolCertificateRenewed,
                &ClientInfo::default(),
            );
            event.target = Some(("certificate", old.serial_number.clone()));
            event.details = serde_json::json!({
                "purpose": old.purpose.as_str(),
                "oldSerialNumber": old.serial_number,
                "newSerialNumber": null,
            });
            log.notify(None, event).await?;
            recorded += 1;
        }
    }
    Ok(recorded)
}

/// What a trust file holds, by the subjects of its certificates, for the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustFile {
    /// The setting that names the file (`peppol_ap_trust_file`, `peppol_smp_trust_file`).
    pub setting: &'static str,
    /// The subjects of its trust anchors.
    pub anchors: Vec<String>,
    /// The subjects of its intermediate CAs.
    pub intermediates: Vec<String>,
}

/// Records that a changed trust file was taken into use: `peppol.trust_renewed` in the
/// installation's audit log (and a log line) with the setting and the anchors and
/// intermediates it now holds. A security event: what Peppol certificates are believed
/// changed.
///
/// # Errors
/// When the audit log cannot be written.
#[tracing::instrument(name = "peppol.trust_reloaded", skip_all, fields(setting = trust.setting))]
pub async fn record_trust_renewal<L: AuditLog>(log: &L, trust: &TrustFile) -> DomainResult<()> {
    tracing::warn!(
        anchors = ?trust.anchors,
        intermediates = ?trust.intermediates,
        "a changed Peppol trust file is in use"
    );
    let mut event = NewAuditEvent::new(AuditAction::PeppolTrustRenewed, &ClientInfo::default());
    event.target = Some(("setting", trust.setting.to_owned()));
    event.details = serde_json::json!({
        "setting": trust.setting,
        "anchors": trust.anchors,
        "intermediates": trust.intermediates,
    });
    log.notify(None, event).await
}

/// Records that renewed key or certificate files could not be taken into use (the ones in
/// use stay): an error in the log and `peppol.certificate_reload_failed` in the
/// installation's audit log with the reason, which names the setting.
///
/// # Errors
/// When the audit log cannot be written.
#[tracing::instrument(name = "peppol.certificates_reload_failed", skip_all)]
pub async fn record_reload_failure<L: AuditLog>(log: &L, reason: &str) -> DomainResult<()> {
    tracing::error!(
        %reason,
        "renewed Peppol key or certificate files are not usable; the ones in use stay"
    );
    let mut event = NewAuditEvent::new(
        AuditAction::PeppolCertificateReloadFailed,
        &ClientInfo::default(),
    );
    event.details = serde_json::json!({ "reason": reason });
    log.notify(None, event).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn certificate(not_before: DateTime<Utc>, not_after: DateTime<Utc>) -> InstalledCertificate {
        InstalledCertificate {
            purpose: CertificatePurpose::AccessPoint,
            subject: "CN=POP000001".into(),
            issuer: "CN=Test AP CA".into(),
            serial_number: "01".into(),
            not_before,
            not_after,
        }
    }

    #[test]
    fn the_country_is_the_subjects_c() {
        let mut cert = certificate(Utc::now(), Utc::now());
        assert_eq!(cert.country(), None);
        cert.subject = "C=nl, O=Haven B.V., CN=PNL000001".into();
        assert_eq!(cert.country().as_deref(), Some("NL"));
        assert_eq!(cert.common_name(), Some("PNL000001"));
        cert.subject = "C=NLD, CN=PNL000001".into();
        assert_eq!(cert.country(), None);
    }

    #[test]
    fn the_state_follows_the_validity_and_the_warning_period() {
        let now = DateTime::parse_from_rfc3339("2026-12-06T12:00:00Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default();
        let warning = TimeDelta::days(30);
        let day = TimeDelta::days(1);
        let of = |from: TimeDelta, to: TimeDelta| certificate(now + from, now + to);
        assert_eq!(of(-day, day * 31).state(now, warning), ExpiryState::Valid);
        assert_eq!(
            of(-day, day * 30).state(now, warning),
            ExpiryState::ExpiresSoon
        );
        assert_eq!(
            of(-day, TimeDelta::hours(1)).state(now, warning),
            ExpiryState::ExpiresSoon
        );
        assert_eq!(
            of(-day * 2, TimeDelta::zero()).state(now, warning),
            ExpiryState::Expired
        );
        assert_eq!(
            of(day, day * 700).state(now, warning),
            ExpiryState::NotYetValid
        );

        assert_eq!(of(-day, day * 31).days_left(now), 31);
        assert_eq!(of(-day, TimeDelta::hours(1)).days_left(now), 0);
        assert_eq!(of(-day * 2, -TimeDelta::hours(1)).days_left(now), -1);
        assert_eq!(of(-day * 9, -day * 2).days_left(now), -2);
    }
}
