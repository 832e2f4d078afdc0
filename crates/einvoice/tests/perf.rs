//! Throughput check (ignored by default; run with
//! `cargo test --release -p haven-einvoice --test perf -- --ignored --nocapture`).
#![allow(clippy::unwrap_used)]

use std::time::Instant;

use haven_einvoice::{validate, ValidateOptions};

const BASE: &str = include_str!("fixtures/peppol-minimal.xml");

/// The fixture with `n` lines (totals kept consistent).
fn with_lines(n: usize) -> String {
    let start = BASE.find("<cac:InvoiceLine>").unwrap();
    let end = BASE.find("</Invoice>").unwrap();
    let line = &BASE[start..end];
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

#[test]
#[ignore]
fn throughput() {
    let opts = ValidateOptions::default();
    let small = with_lines(10);
    assert!(validate(small.as_bytes(), &opts).valid);
    let n = 5000;
    let t = Instant::now();
    for _ in 0..n {
        let _ = validate(small.as_bytes(), &opts);
    }
    let per_sec = n as f64 / t.elapsed().as_secs_f64();
    println!(
        "10-line invoice ({} bytes): {per_sec:.0} docs/s",
        small.len()
    );

    let big = with_lines(100_000);
    let t = Instant::now();
    let r = validate(big.as_bytes(), &opts);
    println!(
        "100000-line invoice ({} MB): {:?}, valid={}",
        big.len() / 1_000_000,
        t.elapsed(),
        r.valid
    );
}
