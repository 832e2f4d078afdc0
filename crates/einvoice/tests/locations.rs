//! Locations of findings stay cheap: a rule that fires on every invoice line of a large
//! invoice must not make reporting quadratic (line/column and path used to be computed by
//! scanning from the start of the document and over every sibling, per finding).
#![allow(clippy::unwrap_used)]

use haven_einvoice::xml::{parse, Limits, Locator};
use haven_einvoice::{validate, Severity, ValidateOptions};

const BASE: &str = include_str!("fixtures/peppol-minimal.xml");

/// The fixture with `n` lines (totals kept consistent); with `bad`, every line has two
/// notes (UBL-SR-34 fails on every line).
fn with_lines(n: usize, bad: bool) -> String {
    let start = BASE.find("<cac:InvoiceLine>").unwrap();
    let end = BASE.find("</Invoice>").unwrap();
    let mut line = BASE[start..end].to_string();
    if bad {
        line = line.replacen(
            "</cbc:ID>",
            "</cbc:ID><cbc:Note>a</cbc:Note><cbc:Note>b</cbc:Note>",
            1,
        );
    }
    let mut body = String::with_capacity(line.len() * n);
    for i in 0..n {
        body.push_str(&line.replacen(
            "<cbc:ID>1</cbc:ID>",
            &format!("<cbc:ID>{}</cbc:ID>", i + 1),
            1,
        ));
    }
    let net = format!("{}.00", 200 * n);
    let tax = format!("{}.00", 42 * n);
    let gross = format!("{}.00", 242 * n);
    BASE[..start]
        .replace(">200.00<", &format!(">{net}<"))
        .replace(">42.00<", &format!(">{tax}<"))
        .replace(">242.00<", &format!(">{gross}<"))
        + &body
        + "</Invoice>\n"
}

/// Validate an `n`-line invoice with a finding on every line and check the findings.
fn finding_per_line(n: usize) {
    let xml = with_lines(n, true);
    let r = validate(xml.as_bytes(), &ValidateOptions::default());
    let per_line: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.rule_id == "UBL-SR-34")
        .collect();
    assert_eq!(per_line.len(), n);
    assert_eq!(r.findings.len(), n, "{:?}", r.findings.first());
    // The first line's start tag is on the last (indented) line of this prefix.
    let first_line = BASE[..BASE.find("<cac:InvoiceLine>").unwrap()]
        .lines()
        .count();
    let lines_per_invoice_line = 14;
    for (i, f) in per_line.iter().enumerate() {
        assert_eq!(
            f.location.as_deref(),
            Some(format!("/Invoice/cac:InvoiceLine[{}]", i + 1).as_str())
        );
        assert_eq!(f.line, Some(first_line + i * lines_per_invoice_line));
        assert_eq!(f.severity, Severity::Fatal);
    }
}

#[test]
fn a_finding_on_each_of_20000_lines_is_reported_in_linear_time() {
    finding_per_line(20_000);
}

/// Release-mode check: `cargo test --release -p haven-einvoice --test locations -- --ignored`.
#[test]
#[ignore]
fn a_finding_on_each_of_100000_lines_is_reported_quickly() {
    let t = std::time::Instant::now();
    finding_per_line(100_000);
    assert!(t.elapsed().as_secs() < 10, "{:?}", t.elapsed());
}

/// Locating every element of a large document visits each byte and each sibling a
/// bounded number of times.
#[test]
fn locating_every_element_is_linear() {
    for minified in [false, true] {
        let mut xml = with_lines(5_000, false);
        if minified {
            xml = xml.replace('\n', " ");
        }
        let doc = parse(xml.as_bytes(), &Limits::default()).unwrap();
        let mut loc = Locator::new();
        for id in 0..doc.nodes.len() {
            let _ = loc.path(&doc, id as u32);
            let _ = loc.line_col(&doc, id as u32);
        }
        // Column scans are bounded by the checkpoint spacing (about a kilobyte) per
        // element; sibling positions cost two visits per element.
        assert!(
            loc.work() < 1_200 * doc.nodes.len() as u64 + 2 * xml.len() as u64,
            "minified={minified}: work {} for {} bytes, {} elements",
            loc.work(),
            xml.len(),
            doc.nodes.len()
        );
    }
}

/// The indexed locations agree with the direct (scanning) ones, including columns after
/// multi-byte characters, long lines and repeated or unique sibling names.
#[test]
fn locator_agrees_with_direct_computation() {
    let mut xml = with_lines(40, false);
    xml = xml.replace("Dienst", "Dienst é ü — ✓");
    let long = xml.replace('\n', " ");
    let mixed = xml.replacen('\n', " ", 30);
    let crlf = xml.replace('\n', "\r\n");
    for x in [&xml, &long, &mixed, &crlf] {
        let doc = parse(x.as_bytes(), &Limits::default()).unwrap();
        let mut loc = Locator::new();
        // Out of order on purpose.
        let mut ids: Vec<u32> = (0..doc.nodes.len() as u32).collect();
        ids.reverse();
        ids.rotate_left(17);
        for id in ids {
            assert_eq!(loc.path(&doc, id), doc.path(id));
            assert_eq!(loc.line_col(&doc, id), doc.line_col(id), "node {id}");
        }
        for off in (0..=x.len()).step_by(37) {
            if x.is_char_boundary(off) {
                assert_eq!(
                    loc.line_col_at(x, off),
                    haven_einvoice::xml::line_col(x, off),
                    "offset {off}"
                );
            }
        }
    }
}
