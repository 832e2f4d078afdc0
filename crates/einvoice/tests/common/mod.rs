//! What the conformance tests share: the corpus (found by `haven-testdata`) and its rule
//! tables.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::path::Path;

// Not every test binary that includes this module uses both.
#[allow(unused_imports)]
pub use haven_testdata::{invoices, rule_tables};

use haven_einvoice::rules::registry::RuleSet;
use haven_einvoice::rules::releases::{nearest_implemented, ReleaseId, CATALOGUE};
use haven_einvoice::Syntax;

/// The ids of one official rule table, by flag.
pub struct TsvRules {
    pub fatal: BTreeSet<String>,
    pub warning: BTreeSet<String>,
}

/// Read a `*.tsv` rule table (`id<TAB>flag`, `#` comments, one header line).
pub fn read_tsv(path: &Path) -> TsvRules {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut r = TsvRules {
        fatal: BTreeSet::new(),
        warning: BTreeSet::new(),
    };
    for line in text.lines().filter(|l| !l.starts_with('#')).skip(1) {
        let mut parts = line.split('\t');
        let (Some(id), Some(flag)) = (parts.next(), parts.next()) else {
            continue;
        };
        if flag.trim() == "fatal" {
            r.fatal.insert(id.trim().to_string());
        } else {
            r.warning.insert(id.trim().to_string());
        }
    }
    r
}

/// What a rule table (`<artefact>-<syntax>-<version>.tsv`) describes.
pub struct TsvRuleSet {
    /// The catalogue release the table's artefact version belongs to.
    pub release: ReleaseId,
    pub syntax: Syntax,
    /// The rule set implementing that artefact in that release, or, when the release is not
    /// implemented, in the nearest implemented release (`implemented` is then false).
    pub set: RuleSet,
    pub implemented: bool,
}

/// The release, rule set and syntax a rule table describes, from its file name; `Err` says
/// why there is none (an unknown artefact, or a version no catalogue release has).
pub fn tsv_rule_set(file: &str) -> Result<TsvRuleSet, String> {
    const PREFIXES: &[(&str, &str, Syntax)] = &[
        ("CEN-EN16931-UBL-", "CEN", Syntax::Ubl),
        ("CEN-EN16931-CII-", "CEN", Syntax::Cii),
        ("PEPPOL-EN16931-UBL-", "Peppol", Syntax::Ubl),
        ("PEPPOL-EN16931-CII-", "Peppol", Syntax::Cii),
        ("NLCIUS-SI-UBL-", "SI-UBL", Syntax::Ubl),
        ("NLCIUS-CII-", "NLCIUS-CII", Syntax::Cii),
        ("NL-gaccount-", "G-account", Syntax::Ubl),
    ];
    let (artefact, syntax, version) = PREFIXES
        .iter()
        .find_map(|(p, a, s)| file.strip_prefix(p).map(|v| (*a, *s, v)))
        .ok_or_else(|| format!("{file}: no artefact is mapped to this table"))?;
    let release = CATALOGUE
        .iter()
        .find(|r| r.artefacts.contains(&(artefact, version)))
        .ok_or_else(|| {
            format!(
                "{file}: no release in the catalogue (rules/releases.rs) has {artefact} {version}"
            )
        })?;
    let implemented = release.id.implemented();
    let nearest = nearest_implemented(release)
        .ok_or_else(|| format!("{file}: no release of its layer is implemented"))?;
    let set = *RuleSet::ALL
        .iter()
        .find(|s| s.release() == nearest && s.name() == artefact)
        .ok_or_else(|| format!("{file}: no rule set implements {artefact}"))?;
    Ok(TsvRuleSet {
        release: release.id,
        syntax,
        set,
        implemented,
    })
}
