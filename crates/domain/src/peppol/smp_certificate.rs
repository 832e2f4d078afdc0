//! Renewing the SMP certificate at the SML. The SML knows Haven's SMP by the TLS client
//! certificate it presents, so a new SMP certificate must be announced before it is used:
//! BDMSL's `PrepareChangeCertificate` names the next certificate and the day (the migration
//! date) from which the SML takes it, and only it, for our SMP id.

use std::future::Future;

use chrono::{DateTime, NaiveDate, Utc};

use crate::{
    accounts::{audit_action::AuditAction, caller::Caller, store::AuditLog, Operators},
    peppol::{certificates::InstalledCertificate, registration::SmlError},
    ConflictCode, DomainError, DomainResult, ExternalService, FieldError,
};

/// BDMSL's `PrepareChangeCertificate` for our SMP.
pub trait SmlCertificateChange: Send + Sync {
    /// Announces `certificate_pem` as the SMP's certificate from `migration_date` on.
    fn prepare_change_certificate(
        &self,
        certificate_pem: &str,
        migration_date: NaiveDate,
    ) -> impl Future<Output = Result<(), SmlError>> + Send;
}

/// The next SMP certificate as configured, read and described by the adapter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CandidateCertificate {
    /// The certificate as PEM, as the SML takes it.
    pub pem: String,
    pub certificate: InstalledCertificate,
    /// Whether it is issued by the SMP CA (the trust anchors) and valid now; why not.
    pub trusted: Result<(), String>,
}

/// Where the next SMP certificate is configured (`peppol_smp_next_certificate_file`).
pub trait NextSmpCertificate: Send + Sync {
    /// The configured next certificate, `None` when none is configured.
    ///
    /// # Errors
    /// Why it cannot be read (a sentence naming the setting, not the file's path).
    fn next_certificate(&self) -> Result<Option<CandidateCertificate>, String>;
}

/// The certificate announced and the day the SML switches to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Announcement {
    pub certificate: InstalledCertificate,
    pub migration_date: NaiveDate,
}

fn invalid(message: String) -> DomainError {
    DomainError::conflict(ConflictCode::SmpNextCertificateInvalid, message)
}

/// Checks the configured next SMP certificate and announces it to the SML with
/// `migration_date` (today or later, UTC), for platform operators. The certificate must be
/// issued by the SMP CA, valid now and still on the migration date, and not the current SMP
/// certificate (`current`). Recorded as `peppol.smp_certificate_change_announced` in the
/// installation's audit log. From that date the SML accepts only the new certificate, so
/// the SMP's key and certificate files must be replaced by then (and Haven restarted, since
/// the SML client's TLS identity is read at start).
///
/// # Errors
/// `NotFound` for non-operators, `Forbidden` for an operator without two-factor
/// authentication; `Validation` on `migrationDate` for a day in the past; `Conflict` when
/// registration is off (`sml_registration_off`), no next certificate is configured
/// (`smp_next_certificate_missing`) or it cannot be announced (`smp_next_certificate_invalid`,
/// also when the SML refuses it); `Unavailable` when the SML cannot be reached.
#[allow(clippy::too_many_arguments)]
#[tracing::instrument(name = "peppol.smp_certificate_announce", skip_all, fields(%migration_date))]
pub async fn announce_next_certificate<L, G, N>(
    operators: &Operators,
    caller: &Caller<'_>,
    log: &L,
    registry: Option<&G>,
    next: &N,
    current: Option<&InstalledCertificate>,
    migration_date: NaiveDate,
    now: DateTime<Utc>,
) -> DomainResult<Announcement>
where
    L: AuditLog,
    G: SmlCertificateChange,
    N: NextSmpCertificate,
{
    operators.require(caller)?;
    let registry = registry.ok_or_else(|| {
        DomainError::conflict(
            ConflictCode::SmlRegistrationOff,
            "This installation does not register with the Peppol SML, so there is no certificate to announce there.".into(),
        )
    })?;
    if migration_date < now.date_naive() {
        return Err(DomainError::Validation(vec![FieldError {
            field: "migrationDate".into(),
            code: "past",
            message: "The migration date is today or a later day (UTC).".into(),
        }]));
    }
    let candidate = next
        .next_certificate()
        .map_err(invalid)?
        .ok_or_else(|| {
            DomainError::conflict(
                ConflictCode::SmpNextCertificateMissing,
                "No next SMP certificate is configured: set peppol_smp_next_certificate_file to the new certificate's PEM file.".into(),
            )
        })?;
    check(&candidate, current, migration_date, now)?;
    match registry
        .prepare_change_certificate(&candidate.pem, migration_date)
        .await
    {
        Ok(()) => {}
        Err(SmlError::Unavailable(message)) => {
            return Err(DomainError::Unavailable {
                service: ExternalService::Sml,
                message,
            })
        }
        Err(refusal) => {
            tracing::warn!(%refusal, "the SML refused the next SMP certificate");
            return Err(invalid(format!(
                "The Peppol SML did not accept the next SMP certificate: {refusal}"
            )));
        }
    }
    let c = &candidate.certificate;
    let mut event = caller.audit(AuditAction::PeppolSmpCertificateChangeAnnounced);
    // The installation's log: the SMP is no environment's.
    event.environment_id = None;
    event.target = Some(("certificate", c.serial_number.clone()));
    event.details = serde_json::json!({
        "serialNumber": c.serial_number,
        "subject": c.subject,
        "issuer": c.issuer,
        "notAfter": c.not_after.to_rfc3339(),
        "migrationDate": migration_date.to_string(),
        "currentSerialNumber": current.map(|c| c.serial_number.clone()),
    });
    log.notify(None, event).await?;
    Ok(Announcement {
        certificate: candidate.certificate,
        migration_date,
    })
}

/// The rules a next SMP certificate must pass before the SML hears of it.
fn check(
    candidate: &CandidateCertificate,
    current: Option<&InstalledCertificate>,
    migration_date: NaiveDate,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    let c = &candidate.certificate;
    if c.not_after <= now {
        return Err(invalid("The next SMP certificate has expired.".into()));
    }
    if let Err(why) = &candidate.trusted {
        return Err(invalid(format!(
            "The next SMP certificate is not usable under the SMP CA: {why}."
        )));
    }
    if c.not_after.date_naive() <= migration_date {
        return Err(invalid(
            "The next SMP certificate ends before the migration date.".into(),
        ));
    }
    if current.is_some_and(|cur| cur.serial_number == c.serial_number && cur.issuer == c.issuer) {
        return Err(invalid(
            "The next SMP certificate is the current one: configure the renewed certificate."
                .into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::peppol::certificates::CertificatePurpose;

    fn candidate(serial: &str, days: i64, trusted: Result<(), String>) -> CandidateCertificate {
        let now = Utc::now();
        CandidateCertificate {
            pem: "PEM".into(),
            certificate: InstalledCertificate {
                purpose: CertificatePurpose::Smp,
                subject: "CN=SMP".into(),
                issuer: "CN=SMP CA".into(),
                serial_number: serial.into(),
                not_before: now - chrono::TimeDelta::days(1),
                not_after: now + chrono::TimeDelta::days(days),
            },
            trusted,
        }
    }

    fn code(result: DomainResult<()>) -> Option<ConflictCode> {
        match result {
            Err(DomainError::Conflict { code, .. }) => Some(code),
            _ => None,
        }
    }

    #[test]
    fn the_next_certificate_must_be_trusted_current_enough_and_new() {
        let now = Utc::now();
        let today = now.date_naive();
        let current = candidate("01", 30, Ok(())).certificate;
        assert!(check(&candidate("02", 400, Ok(())), Some(&current), today, now).is_ok());
        let invalid = Some(ConflictCode::SmpNextCertificateInvalid);
        assert_eq!(
            code(check(
                &candidate("02", -1, Ok(())),
                Some(&current),
                today,
                now
            )),
            invalid
        );
        assert_eq!(
            code(check(
                &candidate("02", 400, Err("foreign CA".into())),
                Some(&current),
                today,
                now
            )),
            invalid
        );
        assert_eq!(
            code(check(
                &candidate("01", 400, Ok(())),
                Some(&current),
                today,
                now
            )),
            invalid
        );
        let late = today + chrono::TimeDelta::days(500);
        assert_eq!(
            code(check(
                &candidate("02", 400, Ok(())),
                Some(&current),
                late,
                now
            )),
            invalid
        );
    }
}
