//! Conformance against the public corpus (../shared/testdata) and its official expectations.
//!
//! A ratchet: the agreeing documents per layer, the passing vefa expectations and the
//! implemented-rule counts are recorded in `tests/conformance-baseline.json`; the test
//! fails when any of them drops. Run with `HAVEN_UPDATE_BASELINE=1` to record new levels.
//! When the corpus is absent the test says so and passes, except under CI (see `common`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use haven_einvoice::rules::registry::implemented;
use haven_einvoice::{validate, Profile, ReleaseId, Severity, ValidateOptions, ValidationReport};
use serde_json::{json, Value};

fn baseline_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance-baseline.json")
}

/// Official ids without an `id` attribute are reported as "?" in expected.json.
fn official_id(id: &str) -> &str {
    match id {
        "SI-V20-INV-R000" | "BII2-T10-R001" | "SI-INV-R000" => "?",
        other => other,
    }
}

/// Profile, release and compared rule set of a layer: each layer is the verdict of one
/// release, so it is requested whatever the documents' issue dates.
fn layer_profile(layer: &str) -> Option<(Profile, ReleaseId, Option<&'static str>)> {
    match layer {
        "CEN-1.3.16" => Some((Profile::En16931, ReleaseId::Cen1_3_16, Some("CEN 1.3.16"))),
        "PEPPOL-3.0.19" => Some((
            Profile::PeppolBis3,
            ReleaseId::Peppol3_0_19,
            Some("Peppol 3.0.19"),
        )),
        // The Dutch artefacts include their own copy of the CEN rules: compare everything.
        "NL-SI-UBL-2.0" => Some((Profile::NlciusUbl, ReleaseId::Nlcius2_0_3_12, None)),
        "NL-CII-1.0" => Some((Profile::NlciusCii, ReleaseId::Nlcius2_0_3_12, None)),
        _ => None,
    }
}

fn ids(report: &ValidationReport, sev: Severity, rule_set: Option<&str>) -> BTreeSet<String> {
    report
        .findings
        .iter()
        .filter(|f| f.severity == sev && f.rule_set != "Haven")
        .filter(|f| rule_set.is_none_or(|rs| f.rule_set == rs))
        .map(|f| official_id(&f.rule_id).to_string())
        .collect()
}

fn expected_ids(v: &Value, key: &str) -> BTreeSet<String> {
    v.get(key)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// Bytes to validate: XML or PDF as is (`validate` takes the XML out of a hybrid PDF).
fn document_bytes(path: &Path) -> Option<Vec<u8>> {
    std::fs::read(path).ok()
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect_files(&p, out);
        } else if p.extension().is_some_and(|x| x.eq_ignore_ascii_case("xml")) {
            out.push(p);
        }
    }
}

/// vefa testSet: (expectation kind, rule id, embedded document) per test.
fn vefa_tests(text: &str) -> Vec<(String, String, String)> {
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
                out.push((kind.to_string(), id, doc.to_string()));
                rest = &after[end..];
            }
        }
    }
    out
}

#[test]
fn conformance() {
    let Some(dir) = common::invoices("conformance") else {
        return;
    };
    let expected_text = std::fs::read_to_string(dir.join("expected.json")).unwrap();
    let expected: BTreeMap<String, BTreeMap<String, Value>> =
        serde_json::from_str(&expected_text).unwrap();

    // Per layer: agreeing documents.
    let mut agree: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut total: BTreeMap<String, usize> = BTreeMap::new();
    let mut mismatches = Vec::new();
    for (file, layers) in &expected {
        let bytes = document_bytes(&dir.join(file));
        for (layer, exp) in layers {
            let Some((profile, release, rs)) = layer_profile(layer) else {
                continue;
            };
            *total.entry(layer.clone()).or_default() += 1;
            let Some(bytes) = &bytes else {
                mismatches.push(format!("{layer} {file}: not read"));
                continue;
            };
            let opts = ValidateOptions {
                required_profile: Some(profile),
                rule_set: Some(release),
                ..ValidateOptions::default()
            };
            let report = validate(bytes, &opts);
            let (gf, gw) = (
                ids(&report, Severity::Fatal, rs),
                ids(&report, Severity::Warning, rs),
            );
            let (ef, ew) = (expected_ids(exp, "fatal"), expected_ids(exp, "warning"));
            if gf == ef && gw == ew {
                agree.entry(layer.clone()).or_default().insert(file.clone());
            } else {
                let d = |a: &BTreeSet<String>, b: &BTreeSet<String>| {
                    a.difference(b).cloned().collect::<Vec<_>>().join(",")
                };
                mismatches.push(format!(
                    "{layer} {file}: fatal missing [{}] extra [{}]; warning missing [{}] extra [{}]",
                    d(&ef, &gf),
                    d(&gf, &ef),
                    d(&ew, &gw),
                    d(&gw, &ew)
                ));
            }
        }
    }

    // vefa test sets.
    let mut files = Vec::new();
    collect_files(&dir, &mut files);
    files.sort();
    let (mut vefa_pass, mut vefa_total) = (0usize, 0usize);
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap_or_default();
        if !text.contains("http://difi.no/xsd/vefa/validator/1.0") {
            continue;
        }
        for (kind, id, doc) in vefa_tests(&text) {
            vefa_total += 1;
            // The vefa tests of the CEN repository at its 1.3.16 tag.
            let opts = ValidateOptions {
                required_profile: Some(Profile::En16931),
                rule_set: Some(ReleaseId::Cen1_3_16),
                ..ValidateOptions::default()
            };
            let r = validate(doc.as_bytes(), &opts);
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
                vefa_pass += 1;
            } else {
                mismatches.push(format!(
                    "vefa {} expects {kind} {id}",
                    f.file_name().unwrap_or_default().to_string_lossy()
                ));
            }
        }
    }

    // Coverage from the rule catalogues.
    let rules_dir = dir.join("../rules");
    let mut coverage: BTreeMap<String, Value> = BTreeMap::new();
    println!("\n{:<28} {:>9} {:>9}", "rule set", "fatal", "warning");
    if let Ok(rd) = std::fs::read_dir(&rules_dir) {
        let mut tsvs: Vec<_> = rd
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "tsv"))
            .collect();
        tsvs.sort();
        for p in tsvs {
            let name = p
                .file_stem()
                .unwrap_or_default()
                .to_string_lossy()
                .to_string();
            let listed = common::read_tsv(&p);
            let ours: BTreeSet<String> = common::tsv_rule_set(&name)
                .map(|t| {
                    implemented(t.set, t.syntax)
                        .iter()
                        .map(|r| r.id.to_string())
                        .collect()
                })
                .unwrap_or_default();
            let f = listed.fatal.intersection(&ours).count();
            let w = listed.warning.intersection(&ours).count();
            println!(
                "{:<28} {:>4}/{:<4} {:>4}/{:<4}",
                name,
                f,
                listed.fatal.len(),
                w,
                listed.warning.len()
            );
            coverage.insert(name, json!({"fatal": f, "warning": w}));
        }
    }

    println!("\n{:<16} {:>8}", "layer", "agree");
    for (layer, n) in &total {
        let a = agree.get(layer).map_or(0, BTreeSet::len);
        println!("{layer:<16} {a:>3}/{n:<3}");
    }
    println!("{:<16} {vefa_pass:>3}/{vefa_total:<3}", "vefa tests");
    println!("\nmismatches:");
    for m in &mismatches {
        println!("  {m}");
    }

    let current = json!({
        "layers": agree.iter().map(|(k, v)| (k.clone(), json!(v))).collect::<BTreeMap<_, _>>(),
        "vefaPassing": vefa_pass,
        "coverage": coverage,
    });
    if std::env::var("HAVEN_UPDATE_BASELINE").is_ok() {
        std::fs::write(
            baseline_path(),
            serde_json::to_string_pretty(&current).unwrap() + "\n",
        )
        .unwrap();
        println!("baseline written to {}", baseline_path().display());
        return;
    }
    let Ok(base_text) = std::fs::read_to_string(baseline_path()) else {
        println!("no baseline yet; run with HAVEN_UPDATE_BASELINE=1 to record one");
        return;
    };
    let base: Value = serde_json::from_str(&base_text).unwrap();
    let mut regressions = Vec::new();
    if let Some(layers) = base.get("layers").and_then(Value::as_object) {
        for (layer, docs) in layers {
            for d in docs
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                if !agree.get(layer).is_some_and(|s| s.contains(d)) {
                    regressions.push(format!("{layer}: {d} no longer agrees"));
                }
            }
        }
    }
    if base.get("vefaPassing").and_then(Value::as_u64).unwrap_or(0) > vefa_pass as u64 {
        regressions.push(format!("vefa passing dropped to {vefa_pass}"));
    }
    if let Some(cov) = base.get("coverage").and_then(Value::as_object) {
        for (name, v) in cov {
            for sev in ["fatal", "warning"] {
                let was = v.get(sev).and_then(Value::as_u64).unwrap_or(0);
                let now = coverage
                    .get(name)
                    .and_then(|c| c.get(sev))
                    .and_then(Value::as_u64)
                    .unwrap_or(0);
                if now < was {
                    regressions.push(format!("coverage {name} {sev}: {now} < {was}"));
                }
            }
        }
    }
    assert!(
        regressions.is_empty(),
        "conformance dropped below the baseline:\n{}",
        regressions.join("\n")
    );
}
