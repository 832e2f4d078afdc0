//! The rule tables against the official rule id tables (`testdata/rules/*.tsv`): every
//! official id is implemented with the official flag, no table has an id the official set
//! does not have, and every rule carries our own message. Fails listing, per rule set, the
//! ids that are missing, extra or flagged differently. Each table is matched to its release
//! in the catalogue (`rules/releases.rs`) by artefact and version; a table of a release not
//! implemented yet is compared with the nearest implemented release, which lists what
//! adopting it takes.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};

use haven_einvoice::rules::quirks;
use haven_einvoice::rules::registry::{implemented, CenRelease, RuleSet};
use haven_einvoice::{ReleaseId, Severity, Syntax};

/// Ids the official artefacts report that the shared tables do not list: asserts without an
/// `id` attribute (reported under these ids), and one assert the table omits.
const NOT_IN_TABLES: &[(&str, &str)] = &[
    ("NLCIUS-SI-UBL-2.0.3.12", "SI-V20-INV-R000"),
    ("NLCIUS-SI-UBL-2.0.3.12", "BII2-T10-R001"),
    ("CEN-EN16931-UBL-1.3.16", "UBL-CR-561"),
];

#[test]
fn rule_tables_match_the_official_catalogues() {
    let Some(dir) = common::rule_tables("catalogue") else {
        return;
    };
    let mut tsvs: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "tsv"))
        .collect();
    tsvs.sort();
    assert!(!tsvs.is_empty(), "no rule tables in {}", dir.display());
    let mut problems = Vec::new();
    for path in &tsvs {
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        let table = match common::tsv_rule_set(&name) {
            Ok(t) => t,
            Err(e) => {
                problems.push(e);
                continue;
            }
        };
        let (set, syntax) = (table.set, table.syntax);
        // A release in the catalogue that Haven does not implement yet: its differences from
        // the nearest implemented one are what adopting it takes.
        if !table.implemented {
            problems.push(format!(
                "{name}: release {} is not implemented; compared with {}",
                table.release,
                set.release()
            ));
        }
        let official = common::read_tsv(path);
        let rules = implemented(set, syntax);
        let ours: BTreeMap<&str, Severity> = rules.iter().map(|r| (r.id, r.severity)).collect();
        let listed: BTreeSet<&str> = official
            .fatal
            .iter()
            .chain(official.warning.iter())
            .map(String::as_str)
            .collect();
        let missing: Vec<&str> = listed
            .iter()
            .copied()
            .filter(|id| !ours.contains_key(id))
            .collect();
        let extra: Vec<&str> = ours
            .keys()
            .copied()
            .filter(|id| !listed.contains(id) && !NOT_IN_TABLES.contains(&(name.as_str(), *id)))
            .collect();
        let flag: Vec<String> = ours
            .iter()
            .filter_map(|(id, sev)| {
                let want = if official.fatal.contains(*id) {
                    Severity::Fatal
                } else if official.warning.contains(*id) {
                    Severity::Warning
                } else {
                    return None;
                };
                (*sev != want).then(|| format!("{id} ({sev:?}, official {want:?})"))
            })
            .collect();
        let mut seen = BTreeSet::new();
        let duplicate: Vec<&str> = rules
            .iter()
            .map(|r| r.id)
            .filter(|id| !seen.insert(*id))
            .collect();
        // Our own wording: present, and not the artefact's "[ID]-..." text.
        let message: Vec<&str> = rules
            .iter()
            .filter(|r| {
                r.message.trim().is_empty() || r.message.starts_with(&format!("[{}]", r.id))
            })
            .map(|r| r.id)
            .collect();
        println!(
            "{name:<28} {} official, {} implemented, {} missing",
            listed.len(),
            ours.len(),
            missing.len()
        );
        for (what, ids) in [
            ("missing", missing.join(", ")),
            ("not in the official set", extra.join(", ")),
            ("wrong flag", flag.join(", ")),
            ("listed twice", duplicate.join(", ")),
            ("without our own message", message.join(", ")),
        ] {
            if !ids.is_empty() {
                problems.push(format!("{name}: {what}: {ids}"));
            }
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

/// CEN 1.3.15 is not in the official tables here: it is 1.3.16 with BR-CO-25 and without
/// the rules 1.3.16 added.
#[test]
fn cen_1_3_15_differs_from_1_3_16_only_where_the_releases_do() {
    for syntax in [Syntax::Ubl, Syntax::Cii] {
        let ids = |r| -> BTreeSet<&str> {
            implemented(RuleSet::Cen(r), syntax)
                .iter()
                .map(|r| r.id)
                .collect()
        };
        let (old, new) = (ids(CenRelease::V1_3_15), ids(CenRelease::V1_3_16));
        let only_old: Vec<_> = old.difference(&new).copied().collect();
        assert_eq!(only_old, ["BR-CO-25"], "{syntax:?}");
        let only_new: Vec<_> = new.difference(&old).copied().collect();
        match syntax {
            Syntax::Ubl => assert_eq!(only_new, ["UBL-SR-56"]),
            Syntax::Cii => {
                assert!(only_new.contains(&"CII-SR-470") && only_new.contains(&"CII-SR-494"));
                assert!(only_new.iter().all(|id| id.starts_with("CII-SR-")));
            }
        }
    }
}

/// Haven's advisory ids are warnings under their own prefix and never official ids.
#[test]
fn advisories_are_haven_warnings() {
    for r in quirks::RULES {
        assert!(r.id.starts_with("HAVEN-Q-"), "{}", r.id);
        assert_eq!(r.severity, Severity::Warning, "{}", r.id);
        assert!(!r.message.is_empty());
    }
}

/// A rule table finds its release by artefact and version: an implemented release gets its
/// own rule set, a catalogued but unimplemented one the nearest implemented (flagged), and a
/// version the catalogue lacks is an error that says so.
#[test]
fn rule_tables_map_to_catalogue_releases() {
    let t = common::tsv_rule_set("CEN-EN16931-CII-1.3.15").unwrap();
    assert_eq!(t.release, ReleaseId::Cen1_3_15);
    assert_eq!(
        (t.set, t.syntax),
        (RuleSet::Cen(CenRelease::V1_3_15), Syntax::Cii)
    );
    assert!(t.implemented);
    let t = common::tsv_rule_set("NL-gaccount-1.0.2.12").unwrap();
    assert_eq!(
        (t.release, t.set, t.syntax),
        (ReleaseId::Nlcius2_0_3_12, RuleSet::NlGaccount, Syntax::Ubl)
    );
    let t = common::tsv_rule_set("PEPPOL-EN16931-UBL-3.0.21").unwrap();
    assert_eq!(t.release, ReleaseId::Peppol3_0_21);
    assert_eq!(t.set, RuleSet::Peppol);
    assert!(!t.implemented);
    let t = common::tsv_rule_set("CEN-EN16931-UBL-1.3.14.1").unwrap();
    assert_eq!(t.set, RuleSet::Cen(CenRelease::V1_3_15));
    assert!(!t.implemented);
    let e = common::tsv_rule_set("PEPPOL-EN16931-CII-3.0.99")
        .err()
        .unwrap();
    assert!(e.contains("catalogue"), "{e}");
    assert!(common::tsv_rule_set("XRECHNUNG-3.0.2").is_err());
}
