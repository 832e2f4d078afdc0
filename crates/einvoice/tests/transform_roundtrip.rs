//! UBL <-> CII conversion: every convertible document of the public corpus (and our own
//! fixtures) survives UBL -> CII -> UBL and CII -> UBL -> CII without new fatal EN 16931
//! findings and with its totals unchanged.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};

use haven_einvoice::model::{cii, ubl, Invoice};
use haven_einvoice::xml::{parse, Limits};
use haven_einvoice::{
    detect, transform, validate, Profile, Severity, Syntax, TransformError, ValidateOptions,
};

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

fn cen_fatal(xml: &[u8]) -> Vec<String> {
    let r = validate(
        xml,
        &ValidateOptions {
            required_profile: Some(Profile::En16931),
            ..ValidateOptions::default()
        },
    );
    let mut v: Vec<String> = r
        .findings
        .into_iter()
        .filter(|f| f.severity == Severity::Fatal)
        .map(|f| format!("{} {}", f.rule_id, f.message))
        .collect();
    v.sort();
    v
}

/// (line net, VAT total, total with VAT, amount due, line count) as decimals.
fn totals(xml: &[u8]) -> (String, String, String, String, usize) {
    let doc = parse(xml, &Limits::default()).unwrap();
    let det = detect::detect(&doc).unwrap();
    let inv: Invoice<'_> = match det.syntax {
        Syntax::Ubl => ubl::map(&doc),
        Syntax::Cii => cii::map(&doc),
    };
    let d = |n: &Option<haven_einvoice::model::Num<'_>>| {
        n.as_ref()
            .and_then(|n| n.value)
            .map(|v| v.normalize().to_string())
            .unwrap_or_default()
    };
    // UBL always carries a VAT total; an absent BT-110 (category O) becomes 0.
    let vat = Some(d(&inv.totals.vat)).filter(|v| !v.is_empty());
    (
        d(&inv.totals.line_net),
        vat.unwrap_or_else(|| "0".into()),
        d(&inv.totals.with_vat),
        d(&inv.totals.payable),
        inv.lines.len(),
    )
}

fn syntax_of(xml: &[u8]) -> Option<Syntax> {
    let doc = parse(xml, &Limits::default()).ok()?;
    detect::detect(&doc).map(|d| d.syntax)
}

/// Round trip through the other syntax; `Ok(None)` when the source is not convertible.
fn roundtrip(name: &str, xml: &[u8]) -> Result<Option<()>, String> {
    let Some(src) = syntax_of(xml) else {
        return Ok(None);
    };
    let other = match src {
        Syntax::Ubl => Syntax::Cii,
        Syntax::Cii => Syntax::Ubl,
    };
    let mid = match transform(xml, other) {
        Ok(m) => m,
        Err(TransformError::InvalidSource { .. } | TransformError::NotRepresentable { .. }) => {
            return Ok(None)
        }
        Err(e) => return Err(format!("{name}: {e}")),
    };
    let back = transform(&mid, src).map_err(|e| format!("{name}: second leg: {e}"))?;
    let t0 = totals(xml);
    for (leg, out) in [("converted", &mid), ("round trip", &back)] {
        let fatal = cen_fatal(out);
        if !fatal.is_empty() {
            return Err(format!(
                "{name}: {leg} has fatal findings: {fatal:?}\n{}",
                String::from_utf8_lossy(out)
            ));
        }
        if totals(out) != t0 {
            return Err(format!(
                "{name}: {leg} totals {:?} differ from {:?}",
                totals(out),
                t0
            ));
        }
    }
    // Idempotent after one round: converting the round trip again gives the same bytes.
    let again = transform(&back, other).map_err(|e| format!("{name}: third leg: {e}"))?;
    if again != mid {
        return Err(format!("{name}: conversion is not stable"));
    }
    Ok(Some(()))
}

#[test]
fn own_fixtures_round_trip() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut files = Vec::new();
    collect(&dir, &mut files);
    let mut done = 0;
    for f in files {
        let bytes = std::fs::read(&f).unwrap();
        if let Some(()) = roundtrip(&f.display().to_string(), &bytes).unwrap() {
            done += 1;
        }
    }
    assert!(done >= 1);
}

#[test]
fn corpus_round_trips() {
    let Some(dir) = common::invoices("corpus_round_trips") else {
        return;
    };
    let mut files = Vec::new();
    collect(&dir, &mut files);
    files.sort();
    let (mut ok, mut skipped) = (0, 0);
    let mut failures = Vec::new();
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        if bytes
            .windows(36)
            .any(|w| w == b"http://difi.no/xsd/vefa/validator/1.0")
        {
            continue;
        }
        match roundtrip(&f.display().to_string(), &bytes) {
            Ok(Some(())) => ok += 1,
            Ok(None) => skipped += 1,
            Err(e) => failures.push(e),
        }
    }
    println!(
        "round trips: {ok} ok, {skipped} not convertible (invalid source), {} failed",
        failures.len()
    );
    for f in &failures {
        println!("{}", f.chars().take(3000).collect::<String>());
    }
    assert!(ok > 0, "no corpus document was converted");
    assert!(failures.is_empty(), "{} round trips failed", failures.len());
}

#[test]
fn escaping_and_errors() {
    let base = include_str!("fixtures/peppol-minimal.xml");
    let x = base.replace(
        "<cbc:Name>Dienst</cbc:Name>",
        "<cbc:Name>Dienst &amp; &lt;onderhoud&gt; \"A\"</cbc:Name>",
    );
    let cii = transform(x.as_bytes(), Syntax::Cii).unwrap();
    let s = String::from_utf8(cii.clone()).unwrap();
    assert!(s.contains("<ram:Name>Dienst &amp; &lt;onderhoud&gt; \"A\"</ram:Name>"));
    let back = String::from_utf8(transform(&cii, Syntax::Ubl).unwrap()).unwrap();
    assert!(back.contains("<cbc:Name>Dienst &amp; &lt;onderhoud&gt; \"A\"</cbc:Name>"));
    assert!(back.contains(
        "<cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0</cbc:CustomizationID>"
    ));
    let e = transform(b"not xml", Syntax::Ubl).unwrap_err();
    let json = serde_json::to_value(&e).unwrap();
    assert_eq!(json["kind"], "unreadable");
    assert!(json["message"].as_str().is_some());
}
