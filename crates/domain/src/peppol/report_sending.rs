//! Sending the monthly Peppol reports (TSR and EUSR) to OpenPeppol over the Peppol network, as
//! both specifications require: once per reporting period, also for a month without exchanges,
//! within the submitting period after the month (OpenPeppol's rule: from the 1st to the 15th
//! of the next month), to OpenPeppol's participant id and to no one else.
//!
//! A report is one AS4 message, sent by the `send_peppol_report` job over the same ports as
//! the document exchange's Peppol channel: the receiver's access point from the
//! [`SmpLocator`], the message through [`As4Outbound`] (receipt checked, the same MessageId at
//! every attempt of a job, no retry after an ebMS error). Where each month's reports stand is
//! kept through [`ReportSendings`]; a failure is written to the installation's audit log.

use std::{future::Future, sync::Arc};

use chrono::{DateTime, Datelike, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    discovery::{EndpointQuery, LocateError, SmpLocator},
    reporting::{self, ReportingMonth, ReportingRecords},
    sending::{
        As4Answer, As4Outbound, Outbound, SendError, DOCUMENT_TYPE_SCHEME, PARTICIPANT_SCHEME,
        PROCESS_SCHEME,
    },
};
use crate::{
    accounts::{
        records::{ClientInfo, NewAuditEvent},
        AuditAction, Caller, Operators,
    },
    documents::blobs::{ContentHash, DocumentStore},
    jobs::{JobError, JobKind, NewJob},
    paging::{Keyset, Page, PageQuery},
    ConflictCode, DomainError, DomainResult,
};

/// OpenPeppol AISBL's participant id, where the reports go (its Belgian VAT number under the
/// `9925` scheme); OpenPeppol registers it on the production network only.
pub const OPENPEPPOL_RECEIVER: &str = "9925:be0848934496";
/// The TSR 1.0 document type (Peppol code lists, "Peppol Network Report").
pub const TSR_DOCUMENT_TYPE: &str = "urn:fdc:peppol:transaction-statistics-report:1.0::TransactionStatisticsReport##urn:fdc:peppol.eu:edec:trns:transaction-statistics-reporting:1.0::1.0";
/// The EUSR 1.1 document type.
pub const EUSR_DOCUMENT_TYPE: &str = "urn:fdc:peppol:end-user-statistics-report:1.1::EndUserStatisticsReport##urn:fdc:peppol.eu:edec:trns:end-user-statistics-report:1.1::1.1";
/// The process of both reports.
pub const REPORTING_PROCESS: &str = reporting::REPORTING_PROFILE_ID;
/// The participant scheme of service providers (SPIS, `0242`): the sender of the reports is
/// the service provider itself, `0242:` and the six digits of its seat id.
pub const SERVICE_PROVIDER_SCHEME: &str = "0242";
/// The last day of the month after the reporting period on which OpenPeppol processes a
/// report; later ones are not processed.
pub const LAST_SUBMISSION_DAY: u32 = 15;

/// One of the two monthly reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum ReportKind {
    /// Transaction Statistics Report.
    Tsr,
    /// End User Statistics Report.
    Eusr,
}

impl ReportKind {
    pub const ALL: [Self; 2] = [Self::Tsr, Self::Eusr];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Tsr => "tsr",
            Self::Eusr => "eusr",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The document type it travels under.
    #[must_use]
    pub fn document_type(self) -> &'static str {
        match self {
            Self::Tsr => TSR_DOCUMENT_TYPE,
            Self::Eusr => EUSR_DOCUMENT_TYPE,
        }
    }
}

/// Where a month's report stands in being sent to OpenPeppol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SendState {
    /// Not sent (sending is off, the month has not ended, or its job has not run yet).
    NotSent,
    /// Queued, being sent or waiting for its next attempt.
    Pending,
    /// OpenPeppol's access point answered with a signed receipt.
    Sent,
    /// Refused, or not acknowledged by the last attempt: the reason says why.
    Failed,
}

impl SendState {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotSent => "not_sent",
            Self::Pending => "pending",
            Self::Sent => "sent",
            Self::Failed => "failed",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        [Self::NotSent, Self::Pending, Self::Sent, Self::Failed]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// The recorded sending of one month's report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportSending {
    pub month: ReportingMonth,
    pub report: ReportKind,
    pub state: SendState,
    /// 0 for the automatic send, then one more for each resend an operator asked for.
    pub round: u32,
    /// The AS4 MessageId of the round's message.
    pub message_id: Option<String>,
    /// Why it failed, or why the last attempt did not get a receipt.
    pub reason: Option<String>,
    /// SHA-256 of the message as posted and of the receipt, in the document store.
    pub message_hash: Option<String>,
    pub receipt_hash: Option<String>,
    /// When the receipt came.
    pub sent_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

impl ReportSending {
    /// A report nothing was recorded for.
    #[must_use]
    pub fn not_sent(month: ReportingMonth, report: ReportKind, now: DateTime<Utc>) -> Self {
        Self {
            month,
            report,
            state: SendState::NotSent,
            round: 0,
            message_id: None,
            reason: None,
            message_hash: None,
            receipt_hash: None,
            sent_at: None,
            updated_at: now,
        }
    }
}

/// The payload of a `send_peppol_report` job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportJob {
    /// `YYYY-MM`.
    pub month: String,
    pub report: ReportKind,
    pub round: u32,
}

/// The job that sends `report` of `month` in `round`, keyed by report, month and round, so
/// that however many instances or restarts queue it, it is sent once per round.
#[must_use]
pub fn report_job(
    month: ReportingMonth,
    report: ReportKind,
    round: u32,
    run_at: Option<DateTime<Utc>>,
) -> NewJob {
    let key = if round == 0 {
        format!("peppol-report:{}:{month}", report.as_str())
    } else {
        format!("peppol-report:{}:{month}:{round}", report.as_str())
    };
    let mut job = NewJob::new(
        JobKind::SendPeppolReport,
        serde_json::to_value(ReportJob {
            month: month.to_string(),
            report,
            round,
        })
        .unwrap_or_default(),
    )
    .idempotency_key(key);
    if let Some(at) = run_at {
        job = job.run_at(at);
    }
    job
}

/// When the automatic send of `month` runs: half an hour into the month after it.
#[must_use]
pub fn send_time(month: ReportingMonth) -> DateTime<Utc> {
    month
        .succ()
        .first_day()
        .and_hms_opt(0, 30, 0)
        .map_or_else(Utc::now, |t| t.and_utc())
}

/// The automatic sends to queue at start: the current month's (to run once it ends) and, while
/// its submitting period lasts, the previous month's (to run now).
#[must_use]
pub fn jobs_at_start(now: DateTime<Utc>) -> Vec<NewJob> {
    let current = ReportingMonth::of(now);
    let mut jobs = Vec::new();
    for report in ReportKind::ALL {
        if now.day() <= LAST_SUBMISSION_DAY {
            jobs.push(report_job(current.pred(), report, 0, None));
        }
        jobs.push(report_job(current, report, 0, Some(send_time(current))));
    }
    jobs
}

/// Port: where the months' reports stand, and their jobs.
pub trait ReportSendings: Send + Sync {
    /// The recorded sendings of the months from `from` to `to` (both included).
    fn report_sendings(
        &self,
        from: ReportingMonth,
        to: ReportingMonth,
    ) -> impl Future<Output = DomainResult<Vec<ReportSending>>> + Send;

    /// Records where a report stands (one row per month and report).
    fn record_report_sending(
        &self,
        sending: &ReportSending,
    ) -> impl Future<Output = DomainResult<()>> + Send;

    /// Records a report as failed together with the audit event that tells operators, in one
    /// transaction: a failure is never recorded without its event, nor audited twice.
    fn record_report_failure(
        &self,
        sending: &ReportSending,
        audit: NewAuditEvent,
    ) -> impl Future<Output = DomainResult<()>> + Send;

    /// Queues a new round for each of `month`'s reports that is neither sent nor pending
    /// (marked pending, its job queued, in one transaction) and returns the month's sendings
    /// as they are then.
    fn queue_report_round(
        &self,
        month: ReportingMonth,
    ) -> impl Future<Output = DomainResult<Vec<ReportSending>>> + Send;

    /// Queues `job` (a job with a key that exists already is not queued again).
    fn queue_report_job(&self, job: NewJob) -> impl Future<Output = DomainResult<()>> + Send;
}

/// One month of the reports list: its counts and where each report stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthReports {
    pub month: ReportingMonth,
    pub incoming: u64,
    pub outgoing: u64,
    pub tsr: ReportSending,
    pub eusr: ReportSending,
}

/// What the list of months needs besides the records.
#[derive(Debug, Clone, Copy)]
pub struct MonthsContext {
    /// The month the access point certificate became valid: the installation could exchange
    /// from then on. `None` without an access point certificate.
    pub since: Option<ReportingMonth>,
    pub now: DateTime<Utc>,
}

/// The months to report on, newest first (platform operators only): every month from the
/// first one Haven could exchange in (the earlier of the first month with an exchange and the
/// month the access point certificate became valid) to the current one, with or without
/// exchanges, as a report is due for each; with each report's sending state.
///
/// # Errors
/// `NotFound` for non-operators, `Forbidden` for an operator without two-factor
/// authentication, `Validation` for a page size outside 1–200 or a foreign cursor.
#[tracing::instrument(name = "peppol.reporting.months", skip_all)]
pub async fn list_report_months<S: ReportingRecords + ReportSendings>(
    store: &S,
    operators: &Operators,
    caller: &Caller<'_>,
    query: PageQuery,
    context: MonthsContext,
) -> DomainResult<Page<MonthReports>> {
    operators.require(caller)?;
    let page = Keyset::<ReportingMonth>::parse(query.limit, query.before.as_deref())?;
    let current = ReportingMonth::of(context.now);
    let first_exchange = store.first_reporting_month().await?;
    let first = match (first_exchange, context.since) {
        (Some(a), Some(b)) => a.min(b),
        (a, b) => match a.or(b) {
            Some(first) => first,
            None => return Ok(page.page(Vec::new(), |m: &MonthReports| (m.month, Uuid::nil()))),
        },
    };
    let top = match page.before {
        Some((before, _)) => before.pred().min(current),
        None => current,
    };
    let mut months = Vec::new();
    let mut month = top;
    while month >= first && (months.len() as u64) < page.fetch() {
        months.push(month);
        month = month.pred();
    }
    let (Some(newest), Some(oldest)) = (months.first().copied(), months.last().copied()) else {
        return Ok(page.page(Vec::new(), |m: &MonthReports| (m.month, Uuid::nil())));
    };
    let counts = store
        .reporting_months(Some(newest.succ()), page.fetch())
        .await?;
    let sendings = store.report_sendings(oldest, newest).await?;
    let sending = |month: ReportingMonth, report: ReportKind| {
        sendings
            .iter()
            .find(|s| s.month == month && s.report == report)
            .cloned()
            .unwrap_or_else(|| ReportSending::not_sent(month, report, context.now))
    };
    let items = months
        .into_iter()
        .map(|month| {
            let count = counts.iter().find(|c| c.month == month);
            MonthReports {
                month,
                incoming: count.map_or(0, |c| c.incoming),
                outgoing: count.map_or(0, |c| c.outgoing),
                tsr: sending(month, ReportKind::Tsr),
                eusr: sending(month, ReportKind::Eusr),
            }
        })
        .collect();
    Ok(page.page(items, |m| (m.month, Uuid::nil())))
}

/// An operator's "send now" (or "send again" after a failure) of a month's reports: queues a
/// new round for each report that is neither sent nor on its way.
///
/// # Errors
/// As [`list_report_months`]; `Validation` (field `month`) for a malformed month or one that
/// has not ended; `Conflict` `peppol_reporting_off` when sending is off, `report_already_sent`
/// when both reports are sent.
#[tracing::instrument(name = "peppol.reporting.send_now", skip_all, fields(month = %month))]
pub async fn send_reports_now<S: ReportSendings>(
    store: &S,
    operators: &Operators,
    caller: &Caller<'_>,
    month: &str,
    enabled: bool,
    now: DateTime<Utc>,
) -> DomainResult<Vec<ReportSending>> {
    operators.require(caller)?;
    let month = ReportingMonth::parse(month)?;
    if month >= ReportingMonth::of(now) {
        return Err(DomainError::conflict(
            ConflictCode::MonthNotEnded,
            "A month's reports are sent once it has ended.".into(),
        ));
    }
    if !enabled {
        return Err(DomainError::conflict(
            ConflictCode::PeppolReportingOff,
            "Sending the Peppol reports is switched off (peppol_reporting_send).".into(),
        ));
    }
    let before = store.report_sendings(month, month).await?;
    let sent = |report: ReportKind| {
        before
            .iter()
            .any(|s| s.report == report && s.state == SendState::Sent)
    };
    if ReportKind::ALL.into_iter().all(sent) {
        return Err(DomainError::conflict(
            ConflictCode::ReportAlreadySent,
            "Both reports of this month were sent.".into(),
        ));
    }
    let after = store.queue_report_round(month).await?;
    tracing::info!(operator = %caller.user.id, "an operator queued the month's Peppol reports");
    Ok(ReportKind::ALL
        .into_iter()
        .map(|report| {
            after
                .iter()
                .find(|s| s.report == report)
                .cloned()
                .unwrap_or_else(|| ReportSending::not_sent(month, report, now))
        })
        .collect())
}

/// Which stored blob of a report's sending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum ReportEvidencePart {
    /// The AS4 message as posted: `Content-Type: …`, a blank line, the MIME body.
    Message,
    /// The signed receipt in the same form; for a refused report, the signed ebMS error.
    Receipt,
}

/// The stored evidence of the latest send of `month`'s `report` to OpenPeppol (platform
/// operators only), byte for byte as its SHA-256 is listed: what an auditor asks for to see
/// that a report was delivered, or how it was refused.
///
/// # Errors
/// As [`list_report_months`]; `Validation` (field `month`) for a malformed month; `NotFound`
/// when the report has no such evidence (never sent, or its attempts got no answer);
/// `Unavailable`/`Unexpected` when the document store cannot give it.
#[tracing::instrument(
    name = "peppol.reporting.evidence",
    skip(store, blobs, operators, caller)
)]
pub async fn report_evidence<S: ReportSendings, B: DocumentStore>(
    store: &S,
    blobs: &B,
    operators: &Operators,
    caller: &Caller<'_>,
    month: &str,
    report: ReportKind,
    part: ReportEvidencePart,
) -> DomainResult<Vec<u8>> {
    operators.require(caller)?;
    let month = ReportingMonth::parse(month)?;
    let sendings = store.report_sendings(month, month).await?;
    let hash = sendings
        .into_iter()
        .find(|s| s.report == report)
        .and_then(|s| match part {
            ReportEvidencePart::Message => s.message_hash,
            ReportEvidencePart::Receipt => s.receipt_hash,
        })
        .and_then(|hash| ContentHash::parse(&hash))
        .ok_or_else(|| {
            DomainError::not_found("report evidence", format!("{}-{month}", report.as_str()))
        })?;
    blobs.get(&hash).await
}

/// The sender of the reports: the service provider's participant id, `0242:` and the six
/// digits of its seat id (`PXX000001` → `0242:000001`).
#[must_use]
pub fn service_provider_id(seat: &str) -> Option<String> {
    let bytes = seat.as_bytes();
    let valid = bytes.len() == 9
        && bytes[0] == b'P'
        && bytes[1..3].iter().all(u8::is_ascii_uppercase)
        && bytes[3..].iter().all(u8::is_ascii_digit);
    valid.then(|| format!("{SERVICE_PROVIDER_SCHEME}:{}", &seat[3..]))
}

/// The ports and settings of the sending job.
pub struct ReportSender<'a, S, B, L, O> {
    pub store: &'a S,
    pub blobs: &'a B,
    pub locator: &'a L,
    pub outbound: &'a O,
    /// Our seat id (the access point certificate's CN).
    pub own_seat: &'a str,
    /// The service provider's country (`COUNTRY_C1`): the access point certificate's.
    pub country: Option<&'a str>,
}

/// A claimed `send_peppol_report` job as the use case needs it.
#[derive(Debug, Clone, Copy)]
pub struct ReportAttempt {
    /// The job's id: the MessageId and InstanceIdentifier are made from it, the same at
    /// every attempt.
    pub job_id: Uuid,
    pub attempt: u32,
    pub max_attempts: u32,
}

/// The MessageId of the message that carries a report round.
#[must_use]
pub fn message_id(job_id: Uuid) -> String {
    format!("{job_id}@haven")
}

/// Sends one month's report to OpenPeppol and records the outcome. A report already sent, or
/// superseded by a newer round, is not sent again.
///
/// # Errors
/// `Retry` for what may pass (lookup failed, no answer, 5xx, an unsigned answer; also the
/// last attempt, after which the report is `failed`), `Permanent` for a refusal (an ebMS
/// error, an untrusted certificate, OpenPeppol not found, our own seat id or country
/// missing): the report is `failed` and the installation's audit log says why.
#[tracing::instrument(name = "peppol.reporting.send", skip_all, fields(month = %job.month, report = job.report.as_str(), message_id))]
pub async fn send_report<S, B, L, O>(
    ports: &ReportSender<'_, S, B, L, O>,
    job: &ReportJob,
    attempt: ReportAttempt,
    now: DateTime<Utc>,
) -> Result<(), JobError>
where
    S: ReportingRecords + ReportSendings,
    B: DocumentStore,
    L: SmpLocator,
    O: As4Outbound,
{
    let retry = |e: DomainError| JobError::Retry(e.to_string());
    let month = ReportingMonth::parse(&job.month)
        .map_err(|_| JobError::Permanent(format!("not a month: {}", job.month)))?;
    if month >= ReportingMonth::of(now) {
        return Err(JobError::Permanent(format!("{month} has not ended")));
    }
    let recorded = ports
        .store
        .report_sendings(month, month)
        .await
        .map_err(retry)?
        .into_iter()
        .find(|s| s.report == job.report);
    if let Some(recorded) = &recorded {
        if recorded.state == SendState::Sent || recorded.round > job.round {
            tracing::info!(
                state = recorded.state.as_str(),
                round = recorded.round,
                "the report was sent or is sent in a newer round"
            );
            return Ok(());
        }
    }
    let message_id = message_id(attempt.job_id);
    tracing::Span::current().record("message_id", message_id.as_str());
    let mut sending = ReportSending {
        state: SendState::Pending,
        round: job.round,
        message_id: Some(message_id.clone()),
        updated_at: now,
        ..ReportSending::not_sent(month, job.report, now)
    };
    if let Some(recorded) = recorded.filter(|r| r.round == job.round) {
        sending.reason = recorded.reason;
    }
    ports
        .store
        .record_report_sending(&sending)
        .await
        .map_err(retry)?;

    match exchange(ports, month, job.report, &message_id, attempt.job_id).await {
        Ok((message_hash, receipt_hash, at)) => {
            sending.state = SendState::Sent;
            sending.reason = None;
            sending.message_hash = Some(message_hash);
            sending.receipt_hash = Some(receipt_hash);
            sending.sent_at = Some(at);
            sending.updated_at = Utc::now();
            ports
                .store
                .record_report_sending(&sending)
                .await
                .map_err(retry)?;
            tracing::info!("the report was sent to OpenPeppol");
            Ok(())
        }
        Err(Failure::Passing(why)) if attempt.attempt < attempt.max_attempts => {
            sending.reason = Some(why.clone());
            sending.updated_at = Utc::now();
            ports
                .store
                .record_report_sending(&sending)
                .await
                .map_err(retry)?;
            Err(JobError::Retry(why))
        }
        Err(failure) => {
            let (why, refused, error) = match failure {
                Failure::Passing(why) => (why.clone(), false, JobError::Retry(why)),
                Failure::Final(why, evidence) => {
                    if let Some((message, signal)) = evidence {
                        sending.message_hash = Some(message);
                        sending.receipt_hash = Some(signal);
                    }
                    (why.clone(), true, JobError::Permanent(why))
                }
            };
            sending.state = SendState::Failed;
            sending.reason = Some(why.clone());
            sending.updated_at = Utc::now();
            ports
                .store
                .record_report_failure(&sending, failure_event(&sending, &why, refused))
                .await
                .map_err(retry)?;
            Err(error)
        }
    }
}

/// Why a report was not acknowledged: passing (another attempt may get a receipt) or final,
/// with the evidence of a refusal that was answered (message and signal hashes).
enum Failure {
    Passing(String),
    Final(String, Option<(String, String)>),
}

/// Builds the report, finds OpenPeppol's access point and sends it; returns the hashes of the
/// message and receipt in the document store and when the receipt came.
async fn exchange<S, B, L, O>(
    ports: &ReportSender<'_, S, B, L, O>,
    month: ReportingMonth,
    report: ReportKind,
    message_id: &str,
    job_id: Uuid,
) -> Result<(String, String, DateTime<Utc>), Failure>
where
    S: ReportingRecords,
    B: DocumentStore,
    L: SmpLocator,
    O: As4Outbound,
{
    let passing = |e: DomainError| Failure::Passing(e.to_string());
    let sender = service_provider_id(ports.own_seat).ok_or_else(|| {
        Failure::Final(
            format!("our seat id {:?} is not a Peppol seat id", ports.own_seat),
            None,
        )
    })?;
    let country = ports.country.ok_or_else(|| {
        Failure::Final(
            "the access point certificate names no country (C=) for COUNTRY_C1".into(),
            None,
        )
    })?;
    let counts = ports.store.exchange_counts(month).await.map_err(passing)?;
    let reporter = reporting::reporter_seat(&counts).unwrap_or_else(|| ports.own_seat.to_owned());
    let xml = match report {
        ReportKind::Tsr => reporting::transaction_statistics_report(month, &reporter, &counts),
        ReportKind::Eusr => {
            let activity = ports
                .store
                .end_user_activity(month)
                .await
                .map_err(passing)?;
            reporting::end_user_statistics_report(month, &reporter, &activity)
        }
    };
    let query = EndpointQuery {
        participant: format!("{PARTICIPANT_SCHEME}::{OPENPEPPOL_RECEIVER}"),
        document_type: format!("{DOCUMENT_TYPE_SCHEME}::{}", report.document_type()),
        process: format!("{PROCESS_SCHEME}::{REPORTING_PROCESS}"),
    };
    let endpoint = match ports.locator.find_endpoint(&query).await {
        Ok(endpoint) => endpoint,
        Err(LocateError::NotRegistered(why) | LocateError::InvalidQuery(why)) => {
            return Err(Failure::Final(
                format!("OpenPeppol ({OPENPEPPOL_RECEIVER}) is not found on this network: {why}"),
                None,
            ))
        }
        Err(LocateError::Failed(why)) => {
            return Err(Failure::Passing(format!(
                "OpenPeppol ({OPENPEPPOL_RECEIVER}) could not be looked up: {why}"
            )))
        }
    };
    let outbound = Outbound {
        sender: &sender,
        receiver: OPENPEPPOL_RECEIVER,
        document_type: report.document_type(),
        process: REPORTING_PROCESS,
        instance_identifier: job_id.to_string(),
        message_id: message_id.to_owned(),
        document: Arc::new(xml.into_bytes()),
        country_c1: Some(country.to_owned()),
    };
    let exchanged = match ports.outbound.send(&endpoint, &outbound).await {
        Ok(exchanged) => exchanged,
        Err(SendError::Transient(why)) => {
            return Err(Failure::Passing(format!("AS4 message {message_id}: {why}")))
        }
        Err(SendError::Refused(why)) => {
            return Err(Failure::Final(format!("not sent: {why}"), None))
        }
        Err(SendError::Rejected(why)) => {
            return Err(Failure::Final(
                format!("AS4 message {message_id}: {why}"),
                None,
            ))
        }
    };
    // The evidence first: a receipt whose evidence could not be kept is sent again (the same
    // MessageId, which the receiver recognises).
    let message_hash = exchanged
        .message
        .store(ports.blobs)
        .await
        .map_err(passing)?
        .to_string();
    let signal_hash = ports
        .blobs
        .put(&exchanged.signal)
        .await
        .map_err(passing)?
        .to_string();
    match exchanged.answer {
        As4Answer::Receipt => Ok((message_hash, signal_hash, exchanged.answered_at)),
        As4Answer::Error { code, detail } => Err(Failure::Final(
            format!("OpenPeppol's access point refused AS4 message {message_id}: {code} {detail}"),
            Some((message_hash, signal_hash)),
        )),
    }
}

/// The installation's audit event of a failed report (operators read failures there), and a
/// warning in the log.
fn failure_event(sending: &ReportSending, reason: &str, refused: bool) -> NewAuditEvent {
    tracing::warn!(
        month = %sending.month,
        report = sending.report.as_str(),
        refused,
        reason,
        "a Peppol report could not be sent to OpenPeppol"
    );
    let mut event = NewAuditEvent::new(AuditAction::PeppolReportSendFailed, &ClientInfo::default());
    event.target = Some((
        "peppol_report",
        format!("{}-{}", sending.report.as_str(), sending.month),
    ));
    event.details = serde_json::json!({
        "month": sending.month.to_string(),
        "report": sending.report.as_str(),
        "messageId": sending.message_id,
        "refused": refused,
        "reason": reason,
    });
    event
}

/// When the first automatic send after `month` is due, for the next month's job queued by a
/// run (`send_time` of the month after).
#[must_use]
pub fn next_month_jobs(month: ReportingMonth) -> Vec<NewJob> {
    let next = month.succ();
    ReportKind::ALL
        .into_iter()
        .map(|report| report_job(next, report, 0, Some(send_time(next))))
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn month(text: &str) -> ReportingMonth {
        ReportingMonth::parse(text).unwrap()
    }

    #[test]
    fn the_sender_is_the_service_provider_under_spis() {
        assert_eq!(
            service_provider_id("PXX000001").as_deref(),
            Some("0242:000001")
        );
        assert_eq!(
            service_provider_id("POP000123").as_deref(),
            Some("0242:000123")
        );
        for not_a_seat in [
            "",
            "PXX00001",
            "pxx000001",
            "PXX0000012",
            "XXX000001",
            "PX1000001",
        ] {
            assert_eq!(service_provider_id(not_a_seat), None, "{not_a_seat}");
        }
    }

    #[test]
    fn jobs_are_keyed_per_report_month_and_round() {
        let job = report_job(month("2026-11"), ReportKind::Tsr, 0, None);
        assert_eq!(job.kind, JobKind::SendPeppolReport);
        assert_eq!(
            job.idempotency_key.as_deref(),
            Some("peppol-report:tsr:2026-11")
        );
        let again = report_job(month("2026-11"), ReportKind::Eusr, 2, None);
        assert_eq!(
            again.idempotency_key.as_deref(),
            Some("peppol-report:eusr:2026-11:2")
        );
        let payload: ReportJob = serde_json::from_value(again.payload).unwrap();
        assert_eq!(
            payload,
            ReportJob {
                month: "2026-11".into(),
                report: ReportKind::Eusr,
                round: 2
            }
        );
    }

    #[test]
    fn the_start_queues_the_previous_month_only_within_its_submitting_period() {
        let at = |text: &str| DateTime::parse_from_rfc3339(text).unwrap().to_utc();
        let keys = |jobs: Vec<NewJob>| -> Vec<String> {
            jobs.into_iter()
                .map(|j| j.idempotency_key.unwrap())
                .collect()
        };
        assert_eq!(
            keys(jobs_at_start(at("2027-01-15T23:59:00Z"))),
            [
                "peppol-report:tsr:2026-12",
                "peppol-report:tsr:2027-01",
                "peppol-report:eusr:2026-12",
                "peppol-report:eusr:2027-01"
            ]
        );
        let late = jobs_at_start(at("2027-01-16T00:00:00Z"));
        assert_eq!(
            keys(late.clone()),
            ["peppol-report:tsr:2027-01", "peppol-report:eusr:2027-01"]
        );
        // The current month's jobs wait until half an hour into the next month.
        assert_eq!(late[0].run_at, Some(at("2027-02-01T00:30:00Z")));
        assert_eq!(send_time(month("2026-12")), at("2027-01-01T00:30:00Z"));
    }

    #[test]
    fn months_step_over_years() {
        assert_eq!(month("2027-01").pred(), month("2026-12"));
        assert_eq!(month("2026-12").succ(), month("2027-01"));
        assert_eq!(month("2026-06").succ().pred(), month("2026-06"));
    }
}
