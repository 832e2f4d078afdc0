//! Usage: the billable events of an environment (documents sent and received, PDFs
//! converted), each priced when it happened, summed per month and organization.

use std::{collections::BTreeMap, future::Future, str::FromStr};

use chrono::{DateTime, Datelike, Utc};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::records::UsageKind;
use crate::{
    accounts::{Action, Caller},
    DomainError, DomainResult,
};

/// One stored usage record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageRecord {
    pub organization_id: Uuid,
    pub organization_name: String,
    pub kind: UsageKind,
    /// Decimal text, in euros.
    pub price: String,
    pub created_at: DateTime<Utc>,
}

/// Port: the usage records of an environment.
pub trait UsageRecords: Send + Sync {
    /// The records created in `[from, until)`, oldest first.
    fn usage_between(
        &self,
        environment_id: Uuid,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> impl Future<Output = DomainResult<Vec<UsageRecord>>> + Send;
}

/// One line of the usage report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageLine {
    /// `YYYY-MM`.
    pub month: String,
    pub organization_id: Uuid,
    pub organization_name: String,
    pub kind: UsageKind,
    pub count: u64,
    /// The sum of the prices, in euros.
    pub amount: Decimal,
}

/// The longest period one report covers.
const MAX_DAYS: i64 = 400;

/// The environment's usage in `[from, until)` per month, organization and kind, for its
/// Administrators.
///
/// # Errors
/// `Forbidden` for other roles; `Validation` for a period that is reversed or over 400 days.
#[tracing::instrument(name = "usage report", skip_all, fields(environment_id = %caller.actor.environment_id))]
pub async fn usage_report<U: UsageRecords>(
    usage: &U,
    caller: &Caller<'_>,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> DomainResult<Vec<UsageLine>> {
    caller.actor.require(Action::ManageEnvironment)?;
    if from >= until {
        return Err(DomainError::field(
            "from",
            "after_until",
            "The start of the period is not before its end.",
        ));
    }
    if (until - from).num_days() > MAX_DAYS {
        return Err(DomainError::field(
            "until",
            "too_long",
            "Ask for at most 400 days at a time.",
        ));
    }
    let records = usage
        .usage_between(caller.actor.environment_id, from, until)
        .await?;
    let mut lines: BTreeMap<(String, String, Uuid, &'static str), UsageLine> = BTreeMap::new();
    for record in records {
        let month = format!(
            "{:04}-{:02}",
            record.created_at.year(),
            record.created_at.month()
        );
        let price = Decimal::from_str(&record.price).unwrap_or_default();
        let line = lines
            .entry((
                month.clone(),
                record.organization_name.clone(),
                record.organization_id,
                record.kind.as_str(),
            ))
            .or_insert_with(|| UsageLine {
                month,
                organization_id: record.organization_id,
                organization_name: record.organization_name.clone(),
                kind: record.kind,
                count: 0,
                amount: Decimal::ZERO,
            });
        line.count += 1;
        line.amount += price;
    }
    Ok(lines.into_values().collect())
}

/// The report as CSV (comma-separated, a header line, amounts with a dot), for spreadsheets.
#[must_use]
pub fn usage_csv(lines: &[UsageLine]) -> String {
    let quote = |s: &str| {
        // Formula injection: a cell that starts with = + - @ is text, not a formula.
        let s = if s.starts_with(['=', '+', '-', '@']) {
            format!("'{s}")
        } else {
            s.to_owned()
        };
        format!("\"{}\"", s.replace('"', "\"\""))
    };
    let mut csv = String::from("month,organization_id,organization,kind,count,amount_eur\n");
    for line in lines {
        csv.push_str(&format!(
            "{},{},{},{},{},{}\n",
            line.month,
            line.organization_id,
            quote(&line.organization_name),
            line.kind.as_str(),
            line.count,
            line.amount.round_dp(2)
        ));
    }
    csv
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_names_and_defuses_formulas() {
        let line = UsageLine {
            month: "2026-12".into(),
            organization_id: Uuid::nil(),
            organization_name: "=HYPERLINK(\"x\")".into(),
            kind: UsageKind::Received,
            count: 2,
            amount: Decimal::new(68, 2),
        };
        let csv = usage_csv(&[line]);
        assert!(csv.ends_with("2026-12,00000000-0000-0000-0000-000000000000,\"'=HYPERLINK(\"\"x\"\")\",received,2,0.68\n"), "{csv}");
    }
}
