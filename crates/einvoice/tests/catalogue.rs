//! The rule tables against the official rule id tables (`testdata/rules/*.tsv`): every
//! official id is implemented with the official flag, no table has an id the official set
//! does not have, and every rule carries our own message. Fails listing, per rule set, the
//! ids that are missing, extra or flagged differently.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};

use haven_einvoice::rules::quirks;
use haven_einvoice::rules::registry::{implemented, CenRelease, RuleSet};
use haven_einvoice::{Severity, Syntax};

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
        let (set, syntax) = common::tsv_rule_set(&name)
            .unwrap_or_else(|| panic!("{name}: no rule set is mapped to this table"));
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
