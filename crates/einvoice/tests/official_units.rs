//! Runs the official per-rule unit test sets (vefa `testSet` files, e.g. the Peppol
//! `rules/unit-*` folders or the NL `testset` folders) against our rule sets.
//!
//! The files are not part of this repository. Point `HAVEN_OFFICIAL_UNITS` at a folder
//! (searched recursively) and run
//! `cargo test -p haven-einvoice --test official_units -- --nocapture`.
//! Set `HAVEN_OFFICIAL_UNITS_STRICT=1` to fail on any disagreement. Without the variable
//! the test sets of the public corpus are run, strictly (they all agree); without the
//! corpus the test skips, except under CI where it fails (see `common`).
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};

use haven_einvoice::{validate, Profile, Severity, ValidateOptions};

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|x| x.eq_ignore_ascii_case("xml")) {
            out.push(p);
        }
    }
}

/// (expectation kind, rule id, embedded document) per test.
fn tests_of(text: &str) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for chunk in text.split("<test>").skip(1) {
        let Some((body, _)) = chunk.split_once("</test>") else {
            continue;
        };
        let Some((assert, doc)) = body.split_once("</assert>") else {
            continue;
        };
        for kind in ["success", "error", "warning"] {
            let open = format!("<{kind}");
            let mut rest = assert;
            while let Some(i) = rest.find(&open) {
                let after = &rest[i..];
                let Some(gt) = after.find('>') else { break };
                let Some(end) = after.find(&format!("</{kind}>")) else {
                    break;
                };
                let id = after[gt + 1..end].trim().to_string();
                out.push((kind.to_string(), id, doc.trim().to_string()));
                rest = &after[end..];
            }
        }
    }
    out
}

fn profile_for(text: &str, path: &Path) -> Profile {
    let p = path.to_string_lossy();
    if p.contains("SI-UBL") || text.contains("nlcius") && !text.contains("CrossIndustryInvoice") {
        Profile::NlciusUbl
    } else if p.contains("NLCIUS-CII") {
        Profile::NlciusCii
    } else {
        Profile::PeppolBis3
    }
}

#[test]
fn official_unit_tests() {
    let (dir, strict) = match std::env::var("HAVEN_OFFICIAL_UNITS") {
        Ok(d) => (
            PathBuf::from(d),
            std::env::var("HAVEN_OFFICIAL_UNITS_STRICT").is_ok(),
        ),
        Err(_) => match common::invoices("official_units") {
            Some(d) => (d, true),
            None => return,
        },
    };
    let mut files = Vec::new();
    collect(&dir, &mut files);
    files.sort();
    let (mut pass, mut total) = (0usize, 0usize);
    let mut failures = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap_or_default();
        if !text.contains("http://difi.no/xsd/vefa/validator/1.0") {
            continue;
        }
        let profile = profile_for(&text, f);
        for (n, (kind, id, doc)) in tests_of(&text).into_iter().enumerate() {
            total += 1;
            let r = validate(
                doc.as_bytes(),
                &ValidateOptions {
                    required_profile: Some(profile),
                    ..ValidateOptions::default()
                },
            );
            let fired = |sev: Severity| {
                r.findings
                    .iter()
                    .any(|x| x.rule_id == id && x.severity == sev)
            };
            let ok = match kind.as_str() {
                "success" => !fired(Severity::Fatal) && !fired(Severity::Warning),
                "error" => fired(Severity::Fatal),
                _ => fired(Severity::Warning),
            };
            if ok {
                pass += 1;
            } else {
                let engine: Vec<_> = r
                    .findings
                    .iter()
                    .filter(|x| x.rule_set == "Haven")
                    .map(|x| x.message.clone())
                    .collect();
                failures.push(format!(
                    "{} test #{}: expects {kind} {id}{}",
                    f.file_name().unwrap_or_default().to_string_lossy(),
                    n + 1,
                    if engine.is_empty() {
                        String::new()
                    } else {
                        format!(" (engine: {})", engine.join("; "))
                    }
                ));
            }
        }
    }
    for m in &failures {
        println!("  {m}");
    }
    println!("official unit tests: {pass}/{total} agree");
    assert!(total > 0, "no vefa test sets found in {}", dir.display());
    if strict {
        assert!(failures.is_empty());
    }
}
