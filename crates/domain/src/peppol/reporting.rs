//! Peppol Reporting: every production access point reports to OpenPeppol once a month, with a
//! Transaction Statistics Report (TSR 1.0.2: XML Schema 1.0, Schematron 1.0.4) and an End
//! User Statistics Report (EUSR 1.1.1: XML Schema 1.1, Schematron 1.1.4). Both are built here
//! from one record per AS4 message exchanged with a receipt ([`ExchangeRecord`]), which the
//! sending and receiving use cases hand to the store with the exchange's own state change.
//!
//! Only exchanges that ended with a positive transport acknowledgement are counted; sent ones
//! (C2) count as outgoing, received ones (C3) as incoming. Reports themselves (their document
//! types) are never counted, as both specifications require.

use std::{
    collections::{BTreeMap, BTreeSet},
    fmt,
    future::Future,
};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use uuid::Uuid;

use crate::{
    accounts::{Caller, Operators},
    paging::CursorKey,
    DomainError, DomainResult,
};

/// The TSR's XML namespace.
pub const TSR_NAMESPACE: &str = "urn:fdc:peppol:transaction-statistics-report:1.0";
/// The TSR's `CustomizationID` (SCH-TSR-01).
pub const TSR_CUSTOMIZATION_ID: &str =
    "urn:fdc:peppol.eu:edec:trns:transaction-statistics-reporting:1.0";
/// The EUSR's XML namespace.
pub const EUSR_NAMESPACE: &str = "urn:fdc:peppol:end-user-statistics-report:1.1";
/// The EUSR's `CustomizationID` (SCH-EUSR-01).
pub const EUSR_CUSTOMIZATION_ID: &str =
    "urn:fdc:peppol.eu:edec:trns:end-user-statistics-report:1.1";
/// The `ProfileID` of both reports (SCH-TSR-02, SCH-EUSR-02).
pub const REPORTING_PROFILE_ID: &str = "urn:fdc:peppol.eu:edec:bis:reporting:1.0";
/// The scheme of a service provider's id: its AP certificate's subject CN, the seat id.
pub const SEAT_ID_SCHEME: &str = "CertSubjectCN";
/// The `schemeID` of a transport protocol key.
const TRANSPORT_SCHEME: &str = "Peppol";
/// The TSR's country code for "unknown" (allowed in TSR only, not in EUSR).
const UNKNOWN_COUNTRY: &str = "ZZ";
/// Document type values of the reports themselves, which are not counted.
const REPORT_DOCUMENT_TYPES: [&str; 2] = [
    "urn:fdc:peppol:transaction-statistics-report:",
    "urn:fdc:peppol:end-user-statistics-report:",
];

/// Whether a message went out (Haven as C2) or came in (Haven as C3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Direction {
    Outgoing,
    Incoming,
}

impl Direction {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Outgoing => "outgoing",
            Self::Incoming => "incoming",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "outgoing" => Some(Self::Outgoing),
            "incoming" => Some(Self::Incoming),
            _ => None,
        }
    }
}

/// An identifier with its scheme, as Peppol writes them (`busdox-docid-qns` and a document
/// type, `iso6523-actorid-upis` and `0106:12345678`, …).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SchemedId {
    pub scheme: String,
    pub value: String,
}

impl SchemedId {
    #[must_use]
    pub fn new(scheme: &str, value: &str) -> Self {
        Self {
            scheme: scheme.to_owned(),
            value: value.to_owned(),
        }
    }
}

/// What the reports need of one AS4 message that was acknowledged with a receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExchangeRecord {
    pub direction: Direction,
    /// When the receipt was sent (incoming) or received (outgoing).
    pub exchanged_at: DateTime<Utc>,
    pub message_id: String,
    /// Our seat id and the other access point's (the CNs of the AP certificates).
    pub our_seat: String,
    pub their_seat: String,
    /// The SBDH sender (C1) and receiver (C4).
    pub sender: SchemedId,
    pub receiver: SchemedId,
    pub document_type: SchemedId,
    pub process: SchemedId,
    /// The transport profile (`peppol-transport-as4-v2_0`).
    pub transport_profile: String,
    /// `COUNTRY_C1` of the SBDH.
    pub country_c1: String,
    /// The receiver's (C4) country: known only on the receiving side (the receiving
    /// organization's country); `None` for outgoing messages.
    pub country_c4: Option<String>,
    /// Our end user: the organization that sent (outgoing) or received (incoming). An end
    /// user is counted once however many participant ids it has.
    pub end_user_id: Uuid,
}

impl ExchangeRecord {
    /// The calendar month (UTC) the exchange is reported in.
    #[must_use]
    pub fn month(&self) -> ReportingMonth {
        ReportingMonth::of(self.exchanged_at)
    }

    /// Our end user's country ([`end_user_country`]).
    #[must_use]
    pub fn end_user_country(&self) -> &str {
        end_user_country(self.direction, &self.country_c1, self.country_c4.as_deref())
    }
}

/// Our end user's country: C1's for what we sent, C4's for what we received.
#[must_use]
pub fn end_user_country<'a>(
    direction: Direction,
    country_c1: &'a str,
    country_c4: Option<&'a str>,
) -> &'a str {
    match direction {
        Direction::Outgoing => country_c1,
        Direction::Incoming => country_c4.unwrap_or(UNKNOWN_COUNTRY),
    }
}

/// A calendar month: the reporting period, from 00:00:00 UTC of its first day to 23:59:59 UTC
/// of its last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReportingMonth {
    year: i32,
    month: u32,
}

impl ReportingMonth {
    /// The month `at` falls in, in UTC.
    #[must_use]
    pub fn of(at: DateTime<Utc>) -> Self {
        Self {
            year: at.year(),
            month: at.month(),
        }
    }

    /// `YYYY-MM`, as the API and the store write it.
    ///
    /// # Errors
    /// `Validation` on the field `month` for anything else.
    pub fn parse(text: &str) -> DomainResult<Self> {
        let invalid = || {
            DomainError::field(
                "month",
                "invalid_month",
                "Give a month as YYYY-MM, e.g. 2026-01.",
            )
        };
        let (year, month) = text.split_once('-').ok_or_else(invalid)?;
        if year.len() != 4
            || month.len() != 2
            || !(year.bytes().chain(month.bytes())).all(|b| b.is_ascii_digit())
        {
            return Err(invalid());
        }
        let year: i32 = year.parse().map_err(|_| invalid())?;
        let month: u32 = month.parse().map_err(|_| invalid())?;
        if year < 1 || !(1..=12).contains(&month) {
            return Err(invalid());
        }
        Ok(Self { year, month })
    }

    /// The month before.
    #[must_use]
    pub fn pred(self) -> Self {
        if self.month == 1 {
            Self {
                year: self.year - 1,
                month: 12,
            }
        } else {
            Self {
                year: self.year,
                month: self.month - 1,
            }
        }
    }

    /// The month after.
    #[must_use]
    pub fn succ(self) -> Self {
        if self.month == 12 {
            Self {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Self {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    /// The first day of the month.
    #[must_use]
    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or_default()
    }

    /// The last day of the month.
    #[must_use]
    pub fn last_day(self) -> NaiveDate {
        let (year, month) = if self.month == 12 {
            (self.year + 1, 1)
        } else {
            (self.year, self.month + 1)
        };
        NaiveDate::from_ymd_opt(year, month, 1)
            .and_then(|d| d.pred_opt())
            .unwrap_or_default()
    }
}

impl fmt::Display for ReportingMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl CursorKey for ReportingMonth {
    fn encode(&self) -> String {
        self.to_string()
    }

    fn decode(raw: &str) -> Option<Self> {
        Self::parse(raw).ok()
    }
}

/// A month with reporting data and how many messages it counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthSummary {
    pub month: ReportingMonth,
    pub incoming: u64,
    pub outgoing: u64,
}

/// The exchanges of a month, counted per everything the TSR groups by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExchangeCount {
    pub direction: Direction,
    pub our_seat: String,
    pub their_seat: String,
    pub transport_profile: String,
    pub document_type: SchemedId,
    pub process: SchemedId,
    pub country_c1: String,
    pub country_c4: Option<String>,
    pub count: u64,
}

/// That an end user sent or received a document type in a process in a month: the distinct
/// facts the EUSR counts.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EndUserActivity {
    pub end_user_id: Uuid,
    pub direction: Direction,
    pub document_type: SchemedId,
    pub process: SchemedId,
    /// The end user's country ([`ExchangeRecord::end_user_country`]).
    pub country: String,
}

/// Port: the reporting records, written by the document and received-message stores with the
/// exchange they record.
pub trait ReportingRecords: Send + Sync {
    /// Months with records, newest first, before `before` when given; at most `limit`.
    fn reporting_months(
        &self,
        before: Option<ReportingMonth>,
        limit: u64,
    ) -> impl Future<Output = DomainResult<Vec<MonthSummary>>> + Send;

    /// The oldest month with records, if any.
    fn first_reporting_month(
        &self,
    ) -> impl Future<Output = DomainResult<Option<ReportingMonth>>> + Send;

    /// The month's records counted per [`ExchangeCount`] key.
    fn exchange_counts(
        &self,
        month: ReportingMonth,
    ) -> impl Future<Output = DomainResult<Vec<ExchangeCount>>> + Send;

    /// The month's distinct [`EndUserActivity`] facts.
    fn end_user_activity(
        &self,
        month: ReportingMonth,
    ) -> impl Future<Output = DomainResult<Vec<EndUserActivity>>> + Send;
}

/// A report for download: its file name and XML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportFile {
    pub file_name: String,
    pub xml: String,
}

/// Which month a report is asked for, and who reports when the month has no exchanges.
#[derive(Debug, Clone, Copy)]
pub struct ReportRequest<'a> {
    /// `YYYY-MM`, as given.
    pub month: &'a str,
    /// Our seat id (the access point certificate's subject CN), the reporter of a month
    /// without exchanges; `None` when the installation has no access point certificate.
    pub own_seat: Option<&'a str>,
    /// Now: months after this one have no report yet.
    pub now: DateTime<Utc>,
}

/// The month of `request` and its reporter: the seat id of its exchanges, or for a past or
/// current month without any, our own (the specifications require a report every month, and
/// their Schematron allows an empty one: totals of zero and no subtotals).
fn month_and_reporter(
    request: &ReportRequest<'_>,
    counts: &[ExchangeCount],
) -> DomainResult<(ReportingMonth, String)> {
    let month = ReportingMonth::parse(request.month)?;
    if let Some(seat) = reporter_seat(counts) {
        return Ok((month, seat));
    }
    if month > ReportingMonth::of(request.now) {
        return Err(no_data(month));
    }
    request
        .own_seat
        .map(|seat| (month, seat.to_owned()))
        .ok_or_else(|| no_data(month))
}

/// The Transaction Statistics Report of the month asked for (platform operators only): empty
/// (totals of zero) for a past or current month without exchanges.
///
/// # Errors
/// As [`list_reporting_months`]; `Validation` for a malformed month, `NotFound` for a future
/// month without records, or one without records on an installation without an access point
/// certificate.
#[tracing::instrument(name = "peppol.reporting.tsr", skip_all, fields(month = %request.month))]
pub async fn transaction_statistics<S: ReportingRecords>(
    store: &S,
    operators: &Operators,
    caller: &Caller<'_>,
    request: ReportRequest<'_>,
) -> DomainResult<ReportFile> {
    operators.require(caller)?;
    let month = ReportingMonth::parse(request.month)?;
    let counts = store.exchange_counts(month).await?;
    let (month, reporter) = month_and_reporter(&request, &counts)?;
    Ok(ReportFile {
        file_name: format!("tsr-{month}.xml"),
        xml: transaction_statistics_report(month, &reporter, &counts),
    })
}

/// The End User Statistics Report of `month` (platform operators only).
///
/// # Errors
/// As [`transaction_statistics`].
#[tracing::instrument(name = "peppol.reporting.eusr", skip_all, fields(month = %request.month))]
pub async fn end_user_statistics<S: ReportingRecords>(
    store: &S,
    operators: &Operators,
    caller: &Caller<'_>,
    request: ReportRequest<'_>,
) -> DomainResult<ReportFile> {
    operators.require(caller)?;
    let month = ReportingMonth::parse(request.month)?;
    let counts = store.exchange_counts(month).await?;
    let (month, reporter) = month_and_reporter(&request, &counts)?;
    let activity = store.end_user_activity(month).await?;
    Ok(ReportFile {
        file_name: format!("eusr-{month}.xml"),
        xml: end_user_statistics_report(month, &reporter, &activity),
    })
}

fn no_data(month: ReportingMonth) -> DomainError {
    DomainError::not_found("reporting month", month)
}

/// The reporter: our seat id in the month's exchanges; should the certificate have changed
/// seat within the month, the one with the most exchanges (then the smallest).
pub(crate) fn reporter_seat(counts: &[ExchangeCount]) -> Option<String> {
    let mut per_seat: BTreeMap<&str, u64> = BTreeMap::new();
    for c in counts {
        *per_seat.entry(&c.our_seat).or_default() += c.count;
    }
    per_seat
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))
        .map(|(seat, _)| seat.to_owned())
}

fn is_report(document_type: &SchemedId) -> bool {
    REPORT_DOCUMENT_TYPES
        .iter()
        .any(|prefix| document_type.value.starts_with(prefix))
}

/// Incoming and outgoing counts.
#[derive(Debug, Clone, Copy, Default)]
struct InOut {
    incoming: u64,
    outgoing: u64,
}

impl InOut {
    fn add(&mut self, direction: Direction, n: u64) {
        match direction {
            Direction::Incoming => self.incoming += n,
            Direction::Outgoing => self.outgoing += n,
        }
    }
}

/// The TSR XML for `month`: the total, and the subtotals per transport protocol (`PerTP`), per
/// other service provider, dataset type and process (`PerSP-DT-PR`), and, for incoming
/// messages only (the outgoing count there is always 0), also per sender and receiver country
/// (`PerSP-DT-PR-CC`). Subtotals come in a stable order; none is empty.
#[must_use]
pub fn transaction_statistics_report(
    month: ReportingMonth,
    reporter: &str,
    counts: &[ExchangeCount],
) -> String {
    let counts: Vec<&ExchangeCount> = counts
        .iter()
        .filter(|c| !is_report(&c.document_type))
        .collect();
    let mut total = InOut::default();
    let mut per_tp: BTreeMap<&str, InOut> = BTreeMap::new();
    let mut per_sp_dt_pr: BTreeMap<(&str, &SchemedId, &SchemedId), InOut> = BTreeMap::new();
    let mut per_cc: BTreeMap<(&str, &SchemedId, &SchemedId, &str, &str), u64> = BTreeMap::new();
    for c in &counts {
        total.add(c.direction, c.count);
        per_tp
            .entry(&c.transport_profile)
            .or_default()
            .add(c.direction, c.count);
        per_sp_dt_pr
            .entry((&c.their_seat, &c.document_type, &c.process))
            .or_default()
            .add(c.direction, c.count);
        if c.direction == Direction::Incoming {
            let receiver_country = c.country_c4.as_deref().unwrap_or(UNKNOWN_COUNTRY);
            *per_cc
                .entry((
                    &c.their_seat,
                    &c.document_type,
                    &c.process,
                    &c.country_c1,
                    receiver_country,
                ))
                .or_default() += c.count;
        }
    }
    let mut xml = Xml::start("TransactionStatisticsReport", TSR_NAMESPACE);
    xml.header(TSR_CUSTOMIZATION_ID, month, reporter);
    xml.open("Total");
    xml.counts(total);
    xml.close("Total");
    for (tp, n) in per_tp {
        xml.open_typed("Subtotal", "PerTP");
        xml.key("TP", TRANSPORT_SCHEME, tp);
        xml.counts(n);
        xml.close("Subtotal");
    }
    for ((sp, dt, pr), n) in per_sp_dt_pr {
        xml.open_typed("Subtotal", "PerSP-DT-PR");
        xml.key("SP", SEAT_ID_SCHEME, sp);
        xml.key("DT", &dt.scheme, &dt.value);
        xml.key("PR", &pr.scheme, &pr.value);
        xml.counts(n);
        xml.close("Subtotal");
    }
    for ((sp, dt, pr, sender_country, receiver_country), n) in per_cc {
        xml.open_typed("Subtotal", "PerSP-DT-PR-CC");
        xml.key("SP", SEAT_ID_SCHEME, sp);
        xml.key("DT", &dt.scheme, &dt.value);
        xml.key("PR", &pr.scheme, &pr.value);
        xml.key("CC", "SenderCountry", sender_country);
        xml.key("CC", "ReceiverCountry", receiver_country);
        xml.counts(InOut {
            incoming: n,
            outgoing: 0,
        });
        xml.close("Subtotal");
    }
    xml.finish("TransactionStatisticsReport")
}

/// Distinct end users that sent, received, and sent or received.
#[derive(Debug, Default)]
struct EndUsers {
    sending: BTreeSet<Uuid>,
    receiving: BTreeSet<Uuid>,
    either: BTreeSet<Uuid>,
}

impl EndUsers {
    fn add(&mut self, fact: &EndUserActivity) {
        match fact.direction {
            Direction::Outgoing => self.sending.insert(fact.end_user_id),
            Direction::Incoming => self.receiving.insert(fact.end_user_id),
        };
        self.either.insert(fact.end_user_id);
    }
}

/// The EUSR XML for `month`: the full set of distinct end users that sent, received, and sent
/// or received, and the subsets per dataset type and process (`PerDT-PR`), per dataset type,
/// process and end user country (`PerDT-PR-EUC`), per dataset type and end user country
/// (`PerDT-EUC`) and per end user country (`PerEUC`). An end user is an organization, counted
/// once whatever the number of its participant ids.
#[must_use]
pub fn end_user_statistics_report(
    month: ReportingMonth,
    reporter: &str,
    activity: &[EndUserActivity],
) -> String {
    let mut full = EndUsers::default();
    let mut per_dt_pr: BTreeMap<(&SchemedId, &SchemedId), EndUsers> = BTreeMap::new();
    let mut per_dt_pr_euc: BTreeMap<(&SchemedId, &SchemedId, &str), EndUsers> = BTreeMap::new();
    let mut per_dt_euc: BTreeMap<(&SchemedId, &str), EndUsers> = BTreeMap::new();
    let mut per_euc: BTreeMap<&str, EndUsers> = BTreeMap::new();
    for fact in activity.iter().filter(|f| !is_report(&f.document_type)) {
        full.add(fact);
        per_dt_pr
            .entry((&fact.document_type, &fact.process))
            .or_default()
            .add(fact);
        per_dt_pr_euc
            .entry((&fact.document_type, &fact.process, &fact.country))
            .or_default()
            .add(fact);
        per_dt_euc
            .entry((&fact.document_type, &fact.country))
            .or_default()
            .add(fact);
        per_euc.entry(&fact.country).or_default().add(fact);
    }
    let mut xml = Xml::start("EndUserStatisticsReport", EUSR_NAMESPACE);
    xml.header(EUSR_CUSTOMIZATION_ID, month, reporter);
    xml.open("FullSet");
    xml.end_users(&full);
    xml.close("FullSet");
    for ((dt, pr), users) in &per_dt_pr {
        xml.open_typed("Subset", "PerDT-PR");
        xml.key("DT", &dt.scheme, &dt.value);
        xml.key("PR", &pr.scheme, &pr.value);
        xml.end_users(users);
        xml.close("Subset");
    }
    for ((dt, pr, country), users) in &per_dt_pr_euc {
        xml.open_typed("Subset", "PerDT-PR-EUC");
        xml.key("DT", &dt.scheme, &dt.value);
        xml.key("PR", &pr.scheme, &pr.value);
        xml.key("CC", "EndUserCountry", country);
        xml.end_users(users);
        xml.close("Subset");
    }
    for ((dt, country), users) in &per_dt_euc {
        xml.open_typed("Subset", "PerDT-EUC");
        xml.key("DT", &dt.scheme, &dt.value);
        xml.key("CC", "EndUserCountry", country);
        xml.end_users(users);
        xml.close("Subset");
    }
    for (country, users) in &per_euc {
        xml.open_typed("Subset", "PerEUC");
        xml.key("CC", "EndUserCountry", country);
        xml.end_users(users);
        xml.close("Subset");
    }
    xml.finish("EndUserStatisticsReport")
}

/// The few XML shapes both reports are made of, indented by two spaces.
struct Xml {
    out: String,
    depth: usize,
}

impl Xml {
    fn start(root: &str, namespace: &str) -> Self {
        let out =
            format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<{root} xmlns=\"{namespace}\">\n");
        Self { out, depth: 1 }
    }

    fn indent(&mut self) {
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
    }

    fn open(&mut self, name: &str) {
        self.indent();
        self.out.push_str(&format!("<{name}>\n"));
        self.depth += 1;
    }

    fn open_typed(&mut self, name: &str, kind: &str) {
        self.indent();
        self.out.push_str(&format!("<{name} type=\"{kind}\">\n"));
        self.depth += 1;
    }

    fn close(&mut self, name: &str) {
        self.depth -= 1;
        self.indent();
        self.out.push_str(&format!("</{name}>\n"));
    }

    fn leaf(&mut self, name: &str, value: &str) {
        self.indent();
        self.out
            .push_str(&format!("<{name}>{}</{name}>\n", escape(value)));
    }

    fn key(&mut self, meta_scheme: &str, scheme: &str, value: &str) {
        self.indent();
        self.out.push_str(&format!(
            "<Key metaSchemeID=\"{}\" schemeID=\"{}\">{}</Key>\n",
            escape(meta_scheme),
            escape(scheme),
            escape(value)
        ));
    }

    fn header(&mut self, customization: &str, month: ReportingMonth, reporter: &str) {
        self.leaf("CustomizationID", customization);
        self.leaf("ProfileID", REPORTING_PROFILE_ID);
        self.open("Header");
        self.open("ReportPeriod");
        self.leaf(
            "StartDate",
            &month.first_day().format("%Y-%m-%d").to_string(),
        );
        self.leaf("EndDate", &month.last_day().format("%Y-%m-%d").to_string());
        self.close("ReportPeriod");
        self.indent();
        self.out.push_str(&format!(
            "<ReporterID schemeID=\"{SEAT_ID_SCHEME}\">{}</ReporterID>\n",
            escape(reporter)
        ));
        self.close("Header");
    }

    fn counts(&mut self, n: InOut) {
        self.leaf("Incoming", &n.incoming.to_string());
        self.leaf("Outgoing", &n.outgoing.to_string());
    }

    fn end_users(&mut self, users: &EndUsers) {
        self.leaf("SendingEndUsers", &users.sending.len().to_string());
        self.leaf("ReceivingEndUsers", &users.receiving.len().to_string());
        self.leaf(
            "SendingOrReceivingEndUsers",
            &users.either.len().to_string(),
        );
    }

    fn finish(mut self, root: &str) -> String {
        self.out.push_str(&format!("</{root}>\n"));
        self.out
    }
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}
