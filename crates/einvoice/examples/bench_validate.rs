//! Validation benchmark: generated Peppol BIS invoices, fully parsed and validated
//! against CEN + Peppol on one core.
//!
//! Run: `cargo run --release -p haven-einvoice --example bench_validate`
//!
//! Prints documents/second for a typical 10-line invoice, then time and peak memory for
//! 10, 1,000, 10,000 and 100,000 lines. Each size runs in a child process (this binary
//! with `--size N`); peak memory is the growth of the child's peak resident set
//! (`VmHWM` in /proc/self/status) across `validate`, i.e. what validation needs on top of
//! the document itself.
//!
//! Profiling: `bench_validate --repeat TIMES LINES` validates one generated invoice
//! `TIMES` times and prints nothing (e.g. `valgrind --tool=callgrind ... --repeat 200 10`).
//! `bench_validate --print LINES` writes the generated invoice to standard output (the API
//! benchmark, `make bench-api`, posts it).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::process::Command;
use std::time::{Duration, Instant};

use haven_einvoice::{validate, ValidateOptions};

const HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0</cbc:CustomizationID>
  <cbc:ProfileID>urn:fdc:peppol.eu:2017:poacc:billing:01:1.0</cbc:ProfileID>
  <cbc:ID>BENCH-1</cbc:ID>
  <cbc:IssueDate>2025-03-01</cbc:IssueDate>
  <cbc:DueDate>2025-03-31</cbc:DueDate>
  <cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>
  <cbc:Note>Generated benchmark invoice</cbc:Note>
  <cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>
  <cbc:BuyerReference>PO-77</cbc:BuyerReference>
  <cac:InvoicePeriod><cbc:StartDate>2025-02-01</cbc:StartDate><cbc:EndDate>2025-02-28</cbc:EndDate></cac:InvoicePeriod>
  <cac:OrderReference><cbc:ID>PO-77</cbc:ID></cac:OrderReference>
  <cac:AccountingSupplierParty>
    <cac:Party>
      <cbc:EndpointID schemeID="0106">12345678</cbc:EndpointID>
      <cac:PartyName><cbc:Name>Haven Leverancier</cbc:Name></cac:PartyName>
      <cac:PostalAddress>
        <cbc:StreetName>Havenstraat 1</cbc:StreetName>
        <cbc:CityName>Rotterdam</cbc:CityName>
        <cbc:PostalZone>3011 AA</cbc:PostalZone>
        <cac:Country><cbc:IdentificationCode>NL</cbc:IdentificationCode></cac:Country>
      </cac:PostalAddress>
      <cac:PartyTaxScheme><cbc:CompanyID>NL001234567B01</cbc:CompanyID><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>
      <cac:PartyLegalEntity><cbc:RegistrationName>Haven Leverancier BV</cbc:RegistrationName><cbc:CompanyID schemeID="0106">12345678</cbc:CompanyID></cac:PartyLegalEntity>
      <cac:Contact><cbc:Name>Sales</cbc:Name><cbc:Telephone>+31 10 1234567</cbc:Telephone><cbc:ElectronicMail>sales@example.nl</cbc:ElectronicMail></cac:Contact>
    </cac:Party>
  </cac:AccountingSupplierParty>
  <cac:AccountingCustomerParty>
    <cac:Party>
      <cbc:EndpointID schemeID="0106">87654321</cbc:EndpointID>
      <cac:PostalAddress>
        <cbc:StreetName>Kade 2</cbc:StreetName>
        <cbc:CityName>Utrecht</cbc:CityName>
        <cbc:PostalZone>3511 AB</cbc:PostalZone>
        <cac:Country><cbc:IdentificationCode>NL</cbc:IdentificationCode></cac:Country>
      </cac:PostalAddress>
      <cac:PartyLegalEntity><cbc:RegistrationName>Haven Afnemer BV</cbc:RegistrationName><cbc:CompanyID schemeID="0106">87654321</cbc:CompanyID></cac:PartyLegalEntity>
    </cac:Party>
  </cac:AccountingCustomerParty>
  <cac:PaymentMeans>
    <cbc:PaymentMeansCode>30</cbc:PaymentMeansCode>
    <cbc:PaymentID>BENCH-1</cbc:PaymentID>
    <cac:PayeeFinancialAccount><cbc:ID>NL91ABNA0417164300</cbc:ID></cac:PayeeFinancialAccount>
  </cac:PaymentMeans>
  <cac:PaymentTerms><cbc:Note>30 days</cbc:Note></cac:PaymentTerms>
"#;

/// A Peppol invoice with `n` lines of 2 x 100.00 at 21 % (totals consistent).
fn invoice(n: usize) -> String {
    let net = 200 * n;
    let tax = 42 * n;
    let mut s = String::with_capacity(1_500 + n * 900);
    s.push_str(HEAD);
    s.push_str(&format!(
        r#"  <cac:TaxTotal>
    <cbc:TaxAmount currencyID="EUR">{tax}.00</cbc:TaxAmount>
    <cac:TaxSubtotal>
      <cbc:TaxableAmount currencyID="EUR">{net}.00</cbc:TaxableAmount>
      <cbc:TaxAmount currencyID="EUR">{tax}.00</cbc:TaxAmount>
      <cac:TaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>21</cbc:Percent><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:TaxCategory>
    </cac:TaxSubtotal>
  </cac:TaxTotal>
  <cac:LegalMonetaryTotal>
    <cbc:LineExtensionAmount currencyID="EUR">{net}.00</cbc:LineExtensionAmount>
    <cbc:TaxExclusiveAmount currencyID="EUR">{net}.00</cbc:TaxExclusiveAmount>
    <cbc:TaxInclusiveAmount currencyID="EUR">{}.00</cbc:TaxInclusiveAmount>
    <cbc:PayableAmount currencyID="EUR">{}.00</cbc:PayableAmount>
  </cac:LegalMonetaryTotal>
"#,
        net + tax,
        net + tax
    ));
    for i in 1..=n {
        s.push_str(&format!(
            r#"  <cac:InvoiceLine>
    <cbc:ID>{i}</cbc:ID>
    <cbc:InvoicedQuantity unitCode="C62">2</cbc:InvoicedQuantity>
    <cbc:LineExtensionAmount currencyID="EUR">200.00</cbc:LineExtensionAmount>
    <cac:OrderLineReference><cbc:LineID>{i}</cbc:LineID></cac:OrderLineReference>
    <cac:Item>
      <cbc:Description>Maintenance service, item {i}</cbc:Description>
      <cbc:Name>Service {i}</cbc:Name>
      <cac:SellersItemIdentification><cbc:ID>SKU-{i}</cbc:ID></cac:SellersItemIdentification>
      <cac:ClassifiedTaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>21</cbc:Percent><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:ClassifiedTaxCategory>
    </cac:Item>
    <cac:Price><cbc:PriceAmount currencyID="EUR">100.00</cbc:PriceAmount><cbc:BaseQuantity unitCode="C62">1</cbc:BaseQuantity></cac:Price>
  </cac:InvoiceLine>
"#
        ));
    }
    s.push_str("</Invoice>\n");
    s
}

fn vm_hwm_kib() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    s.lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn vm_hwm_kib_or_zero() -> u64 {
    vm_hwm_kib().unwrap_or(0)
}

/// Nanoseconds this thread has spent on a CPU (first field of
/// /proc/thread-self/schedstat): unlike wall time it does not grow while other
/// processes hold the cores, so it is the fairer figure on a shared machine.
fn cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// Child mode: validate one generated document and print
/// "bytes wall_micros peak_kib parity cpu_micros".
fn child(lines: usize) {
    let opts = ValidateOptions::default();
    let doc = invoice(lines);
    // Touch the input once so its pages count in the baseline.
    let sum: u64 = doc.bytes().map(u64::from).sum();
    let before = vm_hwm_kib_or_zero();
    let cpu = cpu_ns();
    let t = Instant::now();
    let r = validate(doc.as_bytes(), &opts);
    let dt = t.elapsed();
    let cpu = cpu_ns().saturating_sub(cpu);
    let after = vm_hwm_kib_or_zero();
    assert!(r.valid, "{lines} lines: {:?}", r.findings.first());
    println!(
        "{} {} {} {} {}",
        doc.len(),
        dt.as_micros(),
        after.saturating_sub(before),
        sum % 2,
        cpu / 1000
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let (Some("--size"), Some(n)) = (args.get(1).map(String::as_str), args.get(2)) {
        child(n.parse().expect("line count"));
        return;
    }
    if let (Some("--print"), Some(n)) = (args.get(1).map(String::as_str), args.get(2)) {
        print!("{}", invoice(n.parse().expect("line count")));
        return;
    }
    // Profiling mode (e.g. under callgrind): validate a `lines`-line invoice `times` times.
    if let (Some("--repeat"), Some(times), Some(lines)) =
        (args.get(1).map(String::as_str), args.get(2), args.get(3))
    {
        let doc = invoice(lines.parse().expect("line count"));
        let opts = ValidateOptions::default();
        for _ in 0..times.parse::<u64>().expect("repeat count") {
            assert!(validate(doc.as_bytes(), &opts).valid);
        }
        return;
    }
    let opts = ValidateOptions::default();
    let small = invoice(10);
    let r = validate(small.as_bytes(), &opts);
    assert!(
        r.valid,
        "generated invoice must be valid: {:#?}",
        r.findings
    );
    assert!(r.findings.is_empty(), "{:#?}", r.findings);

    // Throughput on one core (this process is single-threaded).
    let budget = Duration::from_secs(2);
    let cpu = cpu_ns();
    let t = Instant::now();
    let mut n = 0u64;
    while t.elapsed() < budget {
        for _ in 0..100 {
            let _ = validate(small.as_bytes(), &opts);
        }
        n += 100;
    }
    let per_sec = n as f64 / t.elapsed().as_secs_f64();
    let cpu_s = cpu_ns().saturating_sub(cpu) as f64 / 1e9;
    let per_cpu_sec = if cpu_s > 0.0 { n as f64 / cpu_s } else { 0.0 };
    println!(
        "10-line invoice ({} bytes): {per_sec:.0} docs/s wall, {per_cpu_sec:.0} docs/s per CPU-second (one core; target >= 10000)",
        small.len()
    );

    println!(
        "\n{:>8} {:>12} {:>11} {:>11} {:>12} {:>8}  target",
        "lines", "bytes", "wall", "cpu", "peak mem", "x size"
    );
    let exe = std::env::current_exe().expect("own path");
    for lines in [10usize, 1_000, 10_000, 100_000] {
        let out = Command::new(&exe)
            .args(["--size", &lines.to_string()])
            .output()
            .expect("run child");
        let text = String::from_utf8_lossy(&out.stdout);
        let v: Vec<u64> = text
            .split_whitespace()
            .filter_map(|x| x.parse().ok())
            .collect();
        let (Some(bytes), Some(us), Some(kib), Some(cpu_us)) =
            (v.first(), v.get(1), v.get(2), v.get(4))
        else {
            println!(
                "{lines:>8} child failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            continue;
        };
        let target = match lines {
            10_000 => "< 50 ms, < 5x",
            100_000 => "< 500 ms, < 5x",
            _ => "< 5x",
        };
        println!(
            "{lines:>8} {bytes:>12} {:>9.2}ms {:>9.2}ms {kib:>9}KiB {:>8.2}  {target}",
            *us as f64 / 1000.0,
            *cpu_us as f64 / 1000.0,
            (*kib * 1024) as f64 / *bytes as f64
        );
    }
}
