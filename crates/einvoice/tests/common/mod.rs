//! Where the tests find the public corpus, and what they do when it is missing.
//!
//! The corpus is not part of this repository. `HAVEN_TESTDATA` names its `invoices` folder;
//! without it the sibling checkout is used. A test that needs the corpus skips when it is
//! absent, except under CI (`CI` set, and not `false` or `0`): there a missing corpus fails
//! the test, so that CI can never pass without having run it.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use haven_einvoice::rules::registry::{CenRelease, RuleSet};
use haven_einvoice::Syntax;

/// The corpus's `invoices` folder (holding `expected.json`), wherever it is.
pub fn invoices_path() -> PathBuf {
    match std::env::var("HAVEN_TESTDATA") {
        Ok(p) => PathBuf::from(p),
        Err(_) => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata/invoices"),
    }
}

/// Whether the tests run under CI.
pub fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// `dir` when it holds `marker`; otherwise `None` (skip) or, under CI, a failure.
fn required(test: &str, dir: PathBuf, marker: &str) -> Option<PathBuf> {
    if dir.join(marker).exists() {
        return Some(dir);
    }
    assert!(
        !under_ci(),
        "{test}: the corpus is required under CI but {} is missing (set HAVEN_TESTDATA)",
        dir.join(marker).display()
    );
    println!(
        "{test}: corpus not found at {} (set HAVEN_TESTDATA); skipping",
        dir.display()
    );
    None
}

/// The invoice corpus (with `expected.json`).
pub fn invoices(test: &str) -> Option<PathBuf> {
    required(test, invoices_path(), "expected.json")
}

/// The official rule id tables (`*.tsv`), next to the invoice corpus.
pub fn rule_tables(test: &str) -> Option<PathBuf> {
    required(
        test,
        invoices_path().join("../rules"),
        "CEN-EN16931-UBL-1.3.16.tsv",
    )
}

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

/// The rule set and syntax a rule table describes, from its file name.
pub fn tsv_rule_set(file: &str) -> Option<(RuleSet, Syntax)> {
    Some(match file {
        f if f.starts_with("CEN-EN16931-UBL") => (RuleSet::Cen(CenRelease::V1_3_16), Syntax::Ubl),
        f if f.starts_with("CEN-EN16931-CII") => (RuleSet::Cen(CenRelease::V1_3_16), Syntax::Cii),
        f if f.starts_with("PEPPOL-EN16931-UBL") => (RuleSet::Peppol, Syntax::Ubl),
        f if f.starts_with("PEPPOL-EN16931-CII") => (RuleSet::Peppol, Syntax::Cii),
        f if f.starts_with("NLCIUS-SI-UBL") => (RuleSet::SiUbl, Syntax::Ubl),
        f if f.starts_with("NLCIUS-CII") => (RuleSet::NlciusCii, Syntax::Cii),
        f if f.starts_with("NL-gaccount") => (RuleSet::NlGaccount, Syntax::Ubl),
        _ => return None,
    })
}
