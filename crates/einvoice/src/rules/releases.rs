//! The catalogue of rule-set releases: which release of each layer (CEN, Peppol, NLCIUS) is in
//! force when, which CEN release a Peppol or Dutch release bundles, and how the engine picks
//! the releases for a document (by its issue date, BT-2, unless the caller names one).
//!
//! The catalogue is data: adding a release is adding an entry here (see "Releases" in
//! docs/rule-quirks.md). Which releases are implemented is not data but follows from the code:
//! a release is implemented when a [`RuleSet`](super::registry::RuleSet) implements it.
//!
//! Dates are taken from the official release notes:
//! - CEN: the "News and noteworthy" list of github.com/ConnectingEurope/eInvoicing-EN16931
//!   (README): 1.3.14.1 on 2025-04-16, 1.3.14.2 on 2025-06-15, 1.3.15 on 2025-10-20,
//!   1.3.16 on 2026-04-10. CEN artefacts have no mandatory date: a release counts from its
//!   publication until the next one.
//! - Peppol BIS Billing 3.0 (docs.peppol.eu/poacc/billing/3.0/release-notes, sources in
//!   github.com/OpenPEPPOL/peppol-bis-invoice-3 guide/release-notes): 3.0.19 published
//!   2025-05-21, mandatory from 2025-08-25, with CEN 1.3.14.1 (rules/sch/README.md);
//!   3.0.20 (November 2025) mandatory from 2026-02-23, with CEN 1.3.15; 3.0.21 (May 2026)
//!   mandatory from 2026-08-24, with CEN 1.3.16 (the 3.0.22 notes: "1.3.16 ... unchanged
//!   since v3.0.21"). A Peppol release counts from its mandatory date: until then the
//!   previous one is what receivers must accept.
//! - NLCIUS (github.com/peppolautoriteit-nl/validation, Changelog and the CenPC434/README
//!   of each release): the May 2025 release (SI-UBL 2.0.3.11, G-account 1.0.2.11,
//!   NLCIUS-CII 1.0.3.11 after the hotfix of 2025-06-16, CEN 1.3.14.2 after that hotfix) in
//!   effect from 2025-08-25; the November 2025 release (SI-UBL 2.0.3.12, G-account 1.0.2.12,
//!   NLCIUS-CII 1.0.3.12, CEN 1.3.15) in effect from 2026-02-23.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;
use utoipa::ToSchema;

/// The layers a profile chains: the EN 16931 rules, then at most one CIUS on top.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum Layer {
    /// EN 16931 validation artefacts (CEN/TC 434).
    Cen,
    /// Peppol BIS Billing 3.0.
    Peppol,
    /// The Dutch NLCIUS: SI-UBL 2.0, NLCIUS-CII and the G-account extension.
    Nlcius,
}

impl Layer {
    fn name(self) -> &'static str {
        match self {
            Layer::Cen => "CEN",
            Layer::Peppol => "Peppol BIS Billing",
            Layer::Nlcius => "NLCIUS",
        }
    }
}

/// A rule-set release Haven knows of (implemented or not).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, ToSchema)]
pub enum ReleaseId {
    #[serde(rename = "cen-1.3.14.1")]
    Cen1_3_14_1,
    #[serde(rename = "cen-1.3.14.2")]
    Cen1_3_14_2,
    #[serde(rename = "cen-1.3.15")]
    Cen1_3_15,
    #[serde(rename = "cen-1.3.16")]
    Cen1_3_16,
    #[serde(rename = "peppol-3.0.19")]
    Peppol3_0_19,
    #[serde(rename = "peppol-3.0.20")]
    Peppol3_0_20,
    #[serde(rename = "peppol-3.0.21")]
    Peppol3_0_21,
    #[serde(rename = "nlcius-2.0.3.11")]
    Nlcius2_0_3_11,
    #[serde(rename = "nlcius-2.0.3.12")]
    Nlcius2_0_3_12,
}

/// A calendar date (proleptic Gregorian), as the releases and BT-2 use it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

impl Date {
    pub const fn new(year: u16, month: u8, day: u8) -> Date {
        Date { year, month, day }
    }

    fn days_in_month(year: u16, month: u8) -> u8 {
        match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if year.is_multiple_of(4)
                && (!year.is_multiple_of(100) || year.is_multiple_of(400)) =>
            {
                29
            }
            2 => 28,
            _ => 0,
        }
    }

    fn checked(year: u16, month: u8, day: u8) -> Option<Date> {
        (year > 0 && day >= 1 && day <= Date::days_in_month(year, month)).then_some(Date {
            year,
            month,
            day,
        })
    }

    /// An issue date as UBL (`xs:date`: `2026-03-01`, optionally with a time zone) or CII
    /// (format 102: `20260301`) writes it; `None` for anything else.
    pub fn parse(text: &str) -> Option<Date> {
        let s = text.trim();
        let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
        let (y, m, d, rest) = if s.len() >= 10 && s.as_bytes()[4] == b'-' && s.as_bytes()[7] == b'-'
        {
            (s.get(0..4)?, s.get(5..7)?, s.get(8..10)?, s.get(10..)?)
        } else if s.len() == 8 {
            (s.get(0..4)?, s.get(4..6)?, s.get(6..8)?, "")
        } else {
            return None;
        };
        if !(digits(y) && digits(m) && digits(d)) {
            return None;
        }
        // xs:date allows a time zone: `Z` or `+hh:mm` / `-hh:mm`.
        let zone_ok = rest.is_empty()
            || rest == "Z"
            || (rest.len() == 6
                && matches!(rest.as_bytes()[0], b'+' | b'-')
                && rest.as_bytes()[3] == b':'
                && digits(&rest[1..3])
                && digits(&rest[4..6]));
        if !zone_ok {
            return None;
        }
        Date::checked(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
    }

    /// The day after this one.
    pub fn next(self) -> Date {
        if self.day < Date::days_in_month(self.year, self.month) {
            Date::new(self.year, self.month, self.day + 1)
        } else if self.month < 12 {
            Date::new(self.year, self.month + 1, 1)
        } else {
            Date::new(self.year.saturating_add(1), 1, 1)
        }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// One release of one layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Release {
    pub id: ReleaseId,
    /// The id as written in requests and reports, e.g. `cen-1.3.16`.
    pub slug: &'static str,
    pub layer: Layer,
    pub version: &'static str,
    /// First day in force: publication (CEN) or mandatory date (Peppol, NLCIUS).
    pub effective_from: Date,
    /// Last day in force; `None` while no successor is known.
    pub effective_until: Option<Date>,
    /// The CEN release the official validator of this release bundles.
    pub bundles: Option<ReleaseId>,
    /// The artefacts of this release with their own versions, as findings name them.
    pub artefacts: &'static [(&'static str, &'static str)],
}

impl Release {
    /// e.g. "CEN 1.3.16", "Peppol BIS Billing 3.0.19", "NLCIUS 2.0.3.12".
    pub fn label(&self) -> String {
        format!("{} {}", self.layer.name(), self.version)
    }

    pub fn name(&self) -> &'static str {
        self.layer.name()
    }

    fn in_force_on(&self, date: Date) -> bool {
        self.effective_from <= date && self.effective_until.is_none_or(|u| date <= u)
    }
}

/// Per layer, oldest first, without gaps: each release ends the day before the next starts.
pub static CATALOGUE: &[Release] = &[
    Release {
        id: ReleaseId::Cen1_3_14_1,
        slug: "cen-1.3.14.1",
        layer: Layer::Cen,
        version: "1.3.14.1",
        effective_from: Date::new(2025, 4, 16),
        effective_until: Some(Date::new(2025, 6, 14)),
        bundles: None,
        artefacts: &[("CEN", "1.3.14.1")],
    },
    Release {
        id: ReleaseId::Cen1_3_14_2,
        slug: "cen-1.3.14.2",
        layer: Layer::Cen,
        version: "1.3.14.2",
        effective_from: Date::new(2025, 6, 15),
        effective_until: Some(Date::new(2025, 10, 19)),
        bundles: None,
        artefacts: &[("CEN", "1.3.14.2")],
    },
    Release {
        id: ReleaseId::Cen1_3_15,
        slug: "cen-1.3.15",
        layer: Layer::Cen,
        version: "1.3.15",
        effective_from: Date::new(2025, 10, 20),
        effective_until: Some(Date::new(2026, 4, 9)),
        bundles: None,
        artefacts: &[("CEN", "1.3.15")],
    },
    Release {
        id: ReleaseId::Cen1_3_16,
        slug: "cen-1.3.16",
        layer: Layer::Cen,
        version: "1.3.16",
        effective_from: Date::new(2026, 4, 10),
        effective_until: None,
        bundles: None,
        artefacts: &[("CEN", "1.3.16")],
    },
    Release {
        id: ReleaseId::Peppol3_0_19,
        slug: "peppol-3.0.19",
        layer: Layer::Peppol,
        version: "3.0.19",
        effective_from: Date::new(2025, 8, 25),
        effective_until: Some(Date::new(2026, 2, 22)),
        bundles: Some(ReleaseId::Cen1_3_14_1),
        artefacts: &[("Peppol", "3.0.19")],
    },
    Release {
        id: ReleaseId::Peppol3_0_20,
        slug: "peppol-3.0.20",
        layer: Layer::Peppol,
        version: "3.0.20",
        effective_from: Date::new(2026, 2, 23),
        effective_until: Some(Date::new(2026, 8, 23)),
        bundles: Some(ReleaseId::Cen1_3_15),
        artefacts: &[("Peppol", "3.0.20")],
    },
    Release {
        id: ReleaseId::Peppol3_0_21,
        slug: "peppol-3.0.21",
        layer: Layer::Peppol,
        version: "3.0.21",
        effective_from: Date::new(2026, 8, 24),
        effective_until: None,
        bundles: Some(ReleaseId::Cen1_3_16),
        artefacts: &[("Peppol", "3.0.21")],
    },
    Release {
        id: ReleaseId::Nlcius2_0_3_11,
        slug: "nlcius-2.0.3.11",
        layer: Layer::Nlcius,
        version: "2.0.3.11",
        effective_from: Date::new(2025, 8, 25),
        effective_until: Some(Date::new(2026, 2, 22)),
        bundles: Some(ReleaseId::Cen1_3_14_2),
        artefacts: &[
            ("SI-UBL", "2.0.3.11"),
            ("NLCIUS-CII", "1.0.3.11"),
            ("G-account", "1.0.2.11"),
        ],
    },
    Release {
        id: ReleaseId::Nlcius2_0_3_12,
        slug: "nlcius-2.0.3.12",
        layer: Layer::Nlcius,
        version: "2.0.3.12",
        effective_from: Date::new(2026, 2, 23),
        effective_until: None,
        bundles: Some(ReleaseId::Cen1_3_15),
        artefacts: &[
            ("SI-UBL", "2.0.3.12"),
            ("NLCIUS-CII", "1.0.3.12"),
            ("G-account", "1.0.2.12"),
        ],
    },
];

impl ReleaseId {
    /// Its catalogue entry.
    pub fn release(self) -> &'static Release {
        // Every id has an entry (tested); the fallback only keeps this total.
        CATALOGUE
            .iter()
            .find(|r| r.id == self)
            .unwrap_or(&CATALOGUE[0])
    }

    pub fn as_str(self) -> &'static str {
        self.release().slug
    }

    pub fn layer(self) -> Layer {
        self.release().layer
    }

    /// Whether Haven implements this release (some rule set of the registry does).
    pub fn implemented(self) -> bool {
        super::registry::RuleSet::ALL
            .iter()
            .any(|s| s.release() == self)
    }
}

impl fmt::Display for ReleaseId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A release id that is not in the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown rule-set release '{0}'")]
pub struct UnknownRelease(pub String);

impl FromStr for ReleaseId {
    type Err = UnknownRelease;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let k = s.trim().to_ascii_lowercase();
        CATALOGUE
            .iter()
            .find(|r| r.slug == k)
            .map(|r| r.id)
            .ok_or_else(|| UnknownRelease(s.to_string()))
    }
}

/// The ids a caller may name: the implemented releases.
pub fn selectable() -> Vec<ReleaseId> {
    CATALOGUE
        .iter()
        .map(|r| r.id)
        .filter(|id| id.implemented())
        .collect()
}

/// The newest implemented release of a layer.
pub fn current_implemented(layer: Layer) -> Option<ReleaseId> {
    of_layer(layer)
        .rev()
        .map(|r| r.id)
        .find(|id| id.implemented())
}

fn of_layer(layer: Layer) -> impl DoubleEndedIterator<Item = &'static Release> {
    CATALOGUE.iter().filter(move |r| r.layer == layer)
}

/// The release of `layer` in force on `date`, or the current one (the newest known) when
/// there is no date.
pub fn in_force(layer: Layer, date: Option<Date>) -> Option<&'static Release> {
    match date {
        Some(d) => of_layer(layer).find(|r| r.in_force_on(d)),
        None => of_layer(layer).last(),
    }
}

/// The implemented release of the same layer closest to `wanted` in release order (the
/// newer one on a tie); `wanted` itself when implemented.
pub fn nearest_implemented(wanted: &Release) -> Option<ReleaseId> {
    let list: Vec<&Release> = of_layer(wanted.layer).collect();
    let at = list.iter().position(|r| r.id == wanted.id)?;
    list.iter()
        .enumerate()
        .filter(|(_, r)| r.id.implemented())
        .min_by_key(|(i, _)| (i.abs_diff(at), std::cmp::Reverse(*i)))
        .map(|(_, r)| r.id)
}

/// How a release came to be applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum Selection {
    /// In force on the document's issue date (BT-2).
    IssueDate,
    /// The current release: the document has no readable issue date.
    Current,
    /// Named by the caller.
    Requested,
    /// The CEN release the chosen Peppol or NLCIUS release bundles.
    Bundled,
}

/// The release applied for one layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub layer: Layer,
    /// Always an implemented release.
    pub release: ReleaseId,
    pub selected_by: Selection,
    /// Set when the release that should apply is not implemented: what it was, and that
    /// the nearest implemented one was applied instead.
    pub note: Option<String>,
}

/// A requested release whose layer the profile does not apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotApplicable {
    pub requested: ReleaseId,
}

/// The release wanted for a layer, and why.
struct Wanted {
    release: Option<&'static Release>,
    why: Selection,
}

/// Pick the release of each of `layers` (CEN first) for a document issued on `issue_date`,
/// or the `requested` one for its layer. A Peppol or NLCIUS release fixes the CEN release
/// under it to the one its official validator bundles, unless CEN is the layer requested.
pub fn choose(
    layers: &[Layer],
    issue_date: Option<Date>,
    requested: Option<ReleaseId>,
) -> Result<Vec<Choice>, NotApplicable> {
    if let Some(r) = requested {
        if !layers.contains(&r.layer()) {
            return Err(NotApplicable { requested: r });
        }
    }
    let by_date = if issue_date.is_some() {
        Selection::IssueDate
    } else {
        Selection::Current
    };
    let wanted = |layer: Layer| match requested.filter(|r| r.layer() == layer) {
        Some(r) => Wanted {
            release: Some(r.release()),
            why: Selection::Requested,
        },
        None => Wanted {
            release: in_force(layer, issue_date),
            why: by_date,
        },
    };
    let mut cius = Vec::new();
    for &layer in layers.iter().filter(|l| **l != Layer::Cen) {
        let w = wanted(layer);
        if let Some(choice) = resolve(layer, &w, issue_date, None) {
            // The validator of the release that should apply brings its CEN release; when no
            // release is known for the date, that of the one applied instead.
            let bundled = w
                .release
                .or(Some(choice.release.release()))
                .and_then(|r| r.bundles.map(|b| (b, r)));
            cius.push((choice, bundled));
        }
    }
    let mut out = Vec::new();
    if layers.contains(&Layer::Cen) {
        let cen_requested = requested.is_some_and(|r| r.layer() == Layer::Cen);
        let bundle = cius.iter().find_map(|(_, b)| *b);
        let choice = match bundle {
            Some((cen, by)) if !cen_requested => resolve(
                Layer::Cen,
                &Wanted {
                    release: Some(cen.release()),
                    why: Selection::Bundled,
                },
                issue_date,
                Some(by),
            ),
            _ => resolve(Layer::Cen, &wanted(Layer::Cen), issue_date, None),
        };
        out.extend(choice);
    }
    out.extend(cius.into_iter().map(|(c, _)| c));
    Ok(out)
}

/// The implemented release for what is wanted, with a note when it differs.
fn resolve(
    layer: Layer,
    wanted: &Wanted,
    issue_date: Option<Date>,
    bundled_by: Option<&Release>,
) -> Option<Choice> {
    let choice = |release, note| Choice {
        layer,
        release,
        selected_by: wanted.why,
        note,
    };
    match wanted.release {
        Some(r) if r.id.implemented() => Some(choice(r.id, None)),
        Some(r) => {
            let used = nearest_implemented(r)?;
            let reason = match (wanted.why, issue_date, bundled_by) {
                (Selection::Bundled, _, Some(by)) => format!("bundled by {}", by.label()),
                (Selection::Requested, _, _) => "requested".to_string(),
                (_, Some(d), _) => format!("in force on the issue date {d}"),
                _ => "the current release".to_string(),
            };
            let note = format!(
                "{} is {reason}; Haven does not implement it and applied {} instead",
                r.label(),
                used.release().label()
            );
            Some(choice(used, Some(note)))
        }
        None => {
            // Only a date outside the catalogue gets here: before the first known release,
            // or after the last one's end.
            let d = issue_date?;
            let first = of_layer(layer).next()?;
            let used = if d < first.effective_from {
                of_layer(layer).map(|r| r.id).find(|id| id.implemented())
            } else {
                current_implemented(layer)
            }?;
            let note = format!(
                "no {} release Haven knows of was in force on the issue date {d}; applied {} instead",
                layer.name(),
                used.release().label()
            );
            Some(choice(used, Some(note)))
        }
    }
}

/// A catalogue entry as listed to callers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReleaseInfo {
    pub id: ReleaseId,
    pub layer: Layer,
    /// e.g. `CEN`, `Peppol BIS Billing`, `NLCIUS`.
    pub name: String,
    /// e.g. `1.3.16`.
    pub version: String,
    /// First day in force (`YYYY-MM-DD`): publication for CEN, the mandatory date for Peppol
    /// and NLCIUS.
    #[schema(format = Date)]
    pub effective_from: String,
    /// Last day in force; absent while no successor is known.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = Date)]
    pub effective_until: Option<String>,
    /// The CEN release the official validator of this release bundles.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bundles: Option<ReleaseId>,
    /// Whether Haven implements it (only these can be requested).
    pub implemented: bool,
}

/// The whole catalogue, per layer oldest first.
pub fn catalogue() -> Vec<ReleaseInfo> {
    CATALOGUE
        .iter()
        .map(|r| ReleaseInfo {
            id: r.id,
            layer: r.layer,
            name: r.name().to_string(),
            version: r.version.to_string(),
            effective_from: r.effective_from.to_string(),
            effective_until: r.effective_until.map(|d| d.to_string()),
            bundles: r.bundles,
            implemented: r.id.implemented(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [ReleaseId; 9] = [
        ReleaseId::Cen1_3_14_1,
        ReleaseId::Cen1_3_14_2,
        ReleaseId::Cen1_3_15,
        ReleaseId::Cen1_3_16,
        ReleaseId::Peppol3_0_19,
        ReleaseId::Peppol3_0_20,
        ReleaseId::Peppol3_0_21,
        ReleaseId::Nlcius2_0_3_11,
        ReleaseId::Nlcius2_0_3_12,
    ];

    #[test]
    fn every_id_has_one_entry_and_serialises_as_its_slug() {
        assert_eq!(CATALOGUE.len(), ALL.len());
        for id in ALL {
            assert_eq!(CATALOGUE.iter().filter(|r| r.id == id).count(), 1, "{id:?}");
            let r = id.release();
            assert_eq!(r.id, id);
            assert_eq!(r.slug.parse::<ReleaseId>(), Ok(id));
            let layer = match r.layer {
                Layer::Cen => "cen",
                Layer::Peppol => "peppol",
                Layer::Nlcius => "nlcius",
            };
            assert_eq!(r.slug, format!("{layer}-{}", r.version));
            let json = serde_json::to_string(&id).ok();
            assert_eq!(json.as_deref(), Some(format!("\"{}\"", r.slug).as_str()));
        }
        assert!("peppol-3.0.18".parse::<ReleaseId>().is_err());
    }

    #[test]
    fn each_layer_is_gapless_and_ordered() {
        for layer in [Layer::Cen, Layer::Peppol, Layer::Nlcius] {
            let list: Vec<_> = of_layer(layer).collect();
            for pair in list.windows(2) {
                let until = pair[0].effective_until;
                assert_eq!(
                    until.map(Date::next),
                    Some(pair[1].effective_from),
                    "{}",
                    pair[0].slug
                );
            }
            assert!(list.last().is_some_and(|r| r.effective_until.is_none()));
            for r in &list {
                assert!(r.effective_until.is_none_or(|u| r.effective_from <= u));
                assert!(r.bundles.is_none_or(|b| b.layer() == Layer::Cen));
                assert_eq!(r.bundles.is_some(), layer != Layer::Cen, "{}", r.slug);
            }
        }
    }

    #[test]
    fn dates_parse_as_ubl_and_cii_write_them() {
        let d = Some(Date::new(2026, 2, 23));
        assert_eq!(Date::parse("2026-02-23"), d);
        assert_eq!(Date::parse(" 2026-02-23 "), d);
        assert_eq!(Date::parse("2026-02-23Z"), d);
        assert_eq!(Date::parse("2026-02-23+01:00"), d);
        assert_eq!(Date::parse("20260223"), d);
        for bad in [
            "",
            "2026-02-30",
            "2026-13-01",
            "20260230",
            "2026-2-23",
            "23-02-2026",
            "2026-02-23T10:00",
            "2026-02-23+1",
            "abcdefgh",
            "2026-02-2x",
            "0000-01-01",
        ] {
            assert_eq!(Date::parse(bad), None, "{bad}");
        }
        assert_eq!(Date::parse("2024-02-29"), Some(Date::new(2024, 2, 29)));
        assert_eq!(Date::parse("2100-02-29"), None);
        assert_eq!(Date::new(2025, 12, 31).next(), Date::new(2026, 1, 1));
        assert_eq!(Date::new(2024, 2, 28).next(), Date::new(2024, 2, 29));
        assert_eq!(Date::new(2026, 2, 22).to_string(), "2026-02-22");
    }

    #[test]
    fn the_release_in_force_changes_on_the_boundary() {
        let on = |y, m, d| in_force(Layer::Peppol, Some(Date::new(y, m, d))).map(|r| r.id);
        assert_eq!(on(2026, 2, 22), Some(ReleaseId::Peppol3_0_19));
        assert_eq!(on(2026, 2, 23), Some(ReleaseId::Peppol3_0_20));
        assert_eq!(on(2025, 8, 24), None);
        assert_eq!(on(2099, 1, 1), Some(ReleaseId::Peppol3_0_21));
        assert_eq!(
            in_force(Layer::Cen, None).map(|r| r.id),
            Some(ReleaseId::Cen1_3_16)
        );
    }

    fn picked(
        layers: &[Layer],
        date: Option<Date>,
        requested: Option<ReleaseId>,
    ) -> Vec<(ReleaseId, Selection, bool)> {
        choose(layers, date, requested)
            .unwrap_or_default()
            .into_iter()
            .map(|c| (c.release, c.selected_by, c.note.is_some()))
            .collect()
    }

    #[test]
    fn cen_alone_follows_its_publication_dates() {
        use ReleaseId::*;
        let cen = [Layer::Cen];
        let on = |y, m, d| picked(&cen, Some(Date::new(y, m, d)), None);
        assert_eq!(on(2026, 4, 9), [(Cen1_3_15, Selection::IssueDate, false)]);
        assert_eq!(on(2026, 4, 10), [(Cen1_3_16, Selection::IssueDate, false)]);
        // 1.3.14.2 is in force but not implemented: the nearest implemented is 1.3.15.
        assert_eq!(on(2025, 7, 1), [(Cen1_3_15, Selection::IssueDate, true)]);
        // Before the catalogue: the earliest implemented.
        assert_eq!(on(2019, 1, 1), [(Cen1_3_15, Selection::IssueDate, true)]);
        assert_eq!(
            picked(&cen, None, None),
            [(Cen1_3_16, Selection::Current, false)]
        );
        assert_eq!(
            picked(&cen, Some(Date::new(2026, 5, 1)), Some(Cen1_3_15)),
            [(Cen1_3_15, Selection::Requested, false)]
        );
    }

    #[test]
    fn a_cius_release_brings_the_cen_release_it_bundles() {
        use ReleaseId::*;
        let peppol = [Layer::Cen, Layer::Peppol];
        let on = |y, m, d| picked(&peppol, Some(Date::new(y, m, d)), None);
        // 3.0.21 (CEN 1.3.16) is in force from 2026-08-24; Haven implements 3.0.19.
        assert_eq!(
            on(2026, 8, 24),
            [
                (Cen1_3_16, Selection::Bundled, false),
                (Peppol3_0_19, Selection::IssueDate, true)
            ]
        );
        assert_eq!(
            on(2026, 8, 23),
            [
                (Cen1_3_15, Selection::Bundled, false),
                (Peppol3_0_19, Selection::IssueDate, true)
            ]
        );
        // 3.0.19 bundles 1.3.14.1, which Haven does not implement.
        assert_eq!(
            on(2025, 9, 1),
            [
                (Cen1_3_15, Selection::Bundled, true),
                (Peppol3_0_19, Selection::IssueDate, false)
            ]
        );
        // Without a date, the current release and its bundle.
        assert_eq!(
            picked(&peppol, None, None),
            [
                (Cen1_3_16, Selection::Bundled, false),
                (Peppol3_0_19, Selection::Current, true)
            ]
        );
        // The Dutch validator runs CEN 1.3.15 whatever the date.
        let nl = [Layer::Cen, Layer::Nlcius];
        for date in [
            None,
            Some(Date::new(2019, 1, 1)),
            Some(Date::new(2025, 9, 1)),
        ] {
            assert_eq!(picked(&nl, date, None)[0].0, Cen1_3_15, "{date:?}");
            assert_eq!(picked(&nl, date, None)[1].0, Nlcius2_0_3_12, "{date:?}");
        }
        // A requested CEN release wins over the bundle; a requested CIUS release brings its own.
        assert_eq!(
            picked(&peppol, Some(Date::new(2025, 9, 1)), Some(Cen1_3_16))[0],
            (Cen1_3_16, Selection::Requested, false)
        );
        assert_eq!(
            picked(&peppol, Some(Date::new(2026, 9, 1)), Some(Peppol3_0_19)),
            [
                (Cen1_3_15, Selection::Bundled, true),
                (Peppol3_0_19, Selection::Requested, false)
            ]
        );
    }

    #[test]
    fn notes_say_what_was_in_force_and_what_was_applied() {
        let c = choose(
            &[Layer::Cen, Layer::Peppol],
            Some(Date::new(2026, 3, 1)),
            None,
        )
        .unwrap_or_default();
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].note, None);
        assert_eq!(
            c[1].note.as_deref(),
            Some("Peppol BIS Billing 3.0.20 is in force on the issue date 2026-03-01; Haven does not implement it and applied Peppol BIS Billing 3.0.19 instead")
        );
        let c = choose(&[Layer::Cen], Some(Date::new(2020, 1, 1)), None).unwrap_or_default();
        assert_eq!(
            c[0].note.as_deref(),
            Some("no CEN release Haven knows of was in force on the issue date 2020-01-01; applied CEN 1.3.15 instead")
        );
    }

    #[test]
    fn a_requested_release_must_belong_to_the_profile() {
        assert_eq!(
            choose(&[Layer::Cen], None, Some(ReleaseId::Peppol3_0_19)),
            Err(NotApplicable {
                requested: ReleaseId::Peppol3_0_19
            })
        );
    }

    #[test]
    fn only_implemented_releases_are_selectable() {
        assert_eq!(
            selectable(),
            [
                ReleaseId::Cen1_3_15,
                ReleaseId::Cen1_3_16,
                ReleaseId::Peppol3_0_19,
                ReleaseId::Nlcius2_0_3_12
            ]
        );
        let listed = catalogue();
        assert_eq!(listed.len(), CATALOGUE.len());
        assert!(listed
            .iter()
            .any(|r| r.id == ReleaseId::Peppol3_0_21 && !r.implemented));
    }
}
