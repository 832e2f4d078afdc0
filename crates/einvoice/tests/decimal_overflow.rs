//! Calculations beyond the decimal range (~7.9e28): never a panic, and the rule that needed
//! the calculation reports that it does not hold, with the computed value shown as
//! "too large" (the official artefacts compute with arbitrary precision, so such a result
//! cannot equal any amount the document states). See `rules::arith`.
#![allow(clippy::unwrap_used)]

use haven_einvoice::{validate, Finding, Profile, Severity, ValidateOptions, ValidationReport};

const PEPPOL: &str = include_str!("fixtures/peppol-minimal.xml");
const GACCOUNT: &str = include_str!("fixtures/gaccount-minimal.xml");
const CII: &str = include_str!("fixtures/cii-minimal.xml");
const MAX: &str = "79228162514264337593543950335";

fn run(xml: &str, profile: Option<Profile>) -> ValidationReport {
    let r = validate(
        xml.as_bytes(),
        &ValidateOptions {
            required_profile: profile,
            ..ValidateOptions::default()
        },
    );
    assert!(
        !r.findings
            .iter()
            .any(|f| f.rule_id.starts_with("HAVEN-INTERNAL")),
        "{:#?}",
        r.findings
    );
    r
}

fn find<'r>(r: &'r ValidationReport, id: &str) -> Option<&'r Finding> {
    r.findings.iter().find(|f| f.rule_id == id)
}

/// `id` is reported as failed, with expected and actual as given.
fn fails(r: &ValidationReport, id: &str, expected: &str, actual: &str) {
    let f = find(r, id).unwrap_or_else(|| panic!("{id} not reported: {:#?}", r.findings));
    assert_eq!(f.severity, Severity::Fatal, "{f:#?}");
    assert_eq!(
        (f.expected.as_deref(), f.actual.as_deref()),
        (Some(expected), Some(actual)),
        "{f:#?}"
    );
    assert!(!r.valid);
}

fn replace_once(xml: &str, from: &str, to: &str) -> String {
    assert!(xml.contains(from), "fixture does not contain {from}");
    xml.replacen(from, to, 1)
}

/// The Peppol fixture with its invoice line twice, the line net amount set to `net`.
fn two_lines(net: &str) -> String {
    let start = PEPPOL.find("  <cac:InvoiceLine>").unwrap();
    let end = PEPPOL.find("</Invoice>").unwrap();
    let line = PEPPOL[start..end].replace(
        "<cbc:LineExtensionAmount currencyID=\"EUR\">200.00<",
        &format!("<cbc:LineExtensionAmount currencyID=\"EUR\">{net}<"),
    );
    format!("{}{line}{line}</Invoice>", &PEPPOL[..start])
}

#[test]
fn cen_sums_out_of_range_fail_their_rule() {
    // BR-CO-10 (line net amounts) and BR-S-08 (taxable amount per rate).
    let r = run(&two_lines(MAX), None);
    fails(&r, "BR-CO-10", "too large", "200");
    fails(&r, "BR-S-08", "too large", "200");
    // BR-CO-15: total without VAT + VAT total.
    let huge_tax = PEPPOL.replacen(">42.00<", &format!(">{MAX}<"), 2);
    fails(&run(&huge_tax, None), "BR-CO-15", "too large", "242");
    // BR-CO-16: total with VAT - paid amount + rounding.
    let prepaid = replace_once(
        &PEPPOL.replace(">242.00</cbc:TaxInclusiveAmount>", &format!(">{MAX}</cbc:TaxInclusiveAmount>")),
        "    <cbc:PayableAmount",
        &format!("    <cbc:PrepaidAmount currencyID=\"EUR\">-{MAX}</cbc:PrepaidAmount>\n    <cbc:PayableAmount"),
    );
    fails(&run(&prepaid, None), "BR-CO-16", "too large", "242");
}

#[test]
fn cen_intermediate_overflow_is_not_a_failure() {
    // MAX - (-1) + (-1) = MAX: only the intermediate result is out of range.
    let xml = replace_once(
        &PEPPOL
            .replace(
                ">242.00</cbc:TaxInclusiveAmount>",
                &format!(">{MAX}</cbc:TaxInclusiveAmount>"),
            )
            .replace(
                ">242.00</cbc:PayableAmount>",
                &format!(">{MAX}</cbc:PayableAmount>"),
            ),
        "    <cbc:PayableAmount",
        "    <cbc:PrepaidAmount currencyID=\"EUR\">-1</cbc:PrepaidAmount>\n    \
         <cbc:PayableRoundingAmount currencyID=\"EUR\">-1</cbc:PayableRoundingAmount>\n    \
         <cbc:PayableAmount",
    );
    let r = run(&xml, None);
    assert!(find(&r, "BR-CO-16").is_none(), "{:#?}", r.findings);
    // Lines of MAX, MAX, -MAX and -MAX add up to 0.
    let start = PEPPOL.find("  <cac:InvoiceLine>").unwrap();
    let end = PEPPOL.find("</Invoice>").unwrap();
    let line = |net: &str| PEPPOL[start..end].replace(">200.00<", &format!(">{net}<"));
    let neg = format!("-{MAX}");
    let head = replace_once(
        &PEPPOL[..start],
        "<cbc:LineExtensionAmount currencyID=\"EUR\">200.00<",
        "<cbc:LineExtensionAmount currencyID=\"EUR\">0.00<",
    );
    let xml = format!(
        "{head}{}{}{}{}</Invoice>",
        line(MAX),
        line(MAX),
        line(&neg),
        line(&neg)
    );
    let r = run(&xml, None);
    assert!(find(&r, "BR-CO-10").is_none(), "{:#?}", r.findings);
}

#[test]
fn cen_vat_products_out_of_range_fail_their_rule() {
    // Taxable amount x 150 %: BR-CO-17 and BR-S-09.
    let xml = replace_once(
        &replace_once(
            PEPPOL,
            "<cbc:TaxableAmount currencyID=\"EUR\">200.00<",
            &format!("<cbc:TaxableAmount currencyID=\"EUR\">{MAX}<"),
        ),
        "<cbc:Percent>21</cbc:Percent>",
        "<cbc:Percent>150</cbc:Percent>",
    );
    let r = run(&xml, None);
    fails(&r, "BR-CO-17", "too large", "42");
    fails(&r, "BR-S-09", "too large", "42");
    // A product that fits once divided by 100 is computed, not reported as too large.
    let half = xml.replace(
        "<cbc:Percent>150</cbc:Percent>",
        "<cbc:Percent>50</cbc:Percent>",
    );
    let r = run(&half, None);
    let f = find(&r, "BR-CO-17").unwrap();
    assert_ne!(f.expected.as_deref(), Some("too large"), "{f:#?}");
}

#[test]
fn peppol_calculations_out_of_range_fail_their_rule() {
    let peppol = Some(Profile::PeppolBis3);
    // R120: quantity x price.
    let qty = replace_once(
        PEPPOL,
        "unitCode=\"C62\">2<",
        &format!("unitCode=\"C62\">{MAX}<"),
    );
    fails(
        &run(&qty, peppol),
        "PEPPOL-EN16931-R120",
        "too large",
        "200",
    );
    // R120: price / base quantity.
    let base = replace_once(
        PEPPOL,
        "100.00</cbc:PriceAmount>",
        "100.00</cbc:PriceAmount><cbc:BaseQuantity unitCode=\"C62\">0.0000000000000000000000000001</cbc:BaseQuantity>",
    );
    fails(
        &run(&base, peppol),
        "PEPPOL-EN16931-R120",
        "too large",
        "200",
    );
    // R046: gross price - price discount.
    let discount = replace_once(
        PEPPOL,
        "100.00</cbc:PriceAmount>",
        &format!(
            "100.00</cbc:PriceAmount><cac:AllowanceCharge><cbc:ChargeIndicator>false</cbc:ChargeIndicator>\
             <cbc:Amount currencyID=\"EUR\">{MAX}</cbc:Amount>\
             <cbc:BaseAmount currencyID=\"EUR\">-{MAX}</cbc:BaseAmount></cac:AllowanceCharge>"
        ),
    );
    fails(
        &run(&discount, peppol),
        "PEPPOL-EN16931-R046",
        "too large",
        "100",
    );
    // R040: base amount x percentage.
    let allowance = replace_once(
        PEPPOL,
        "  <cac:TaxTotal>",
        &format!(
            "  <cac:AllowanceCharge>
    <cbc:ChargeIndicator>false</cbc:ChargeIndicator>
    <cbc:AllowanceChargeReason>Discount</cbc:AllowanceChargeReason>
    <cbc:MultiplierFactorNumeric>200</cbc:MultiplierFactorNumeric>
    <cbc:Amount currencyID=\"EUR\">10.00</cbc:Amount>
    <cbc:BaseAmount currencyID=\"EUR\">{MAX}</cbc:BaseAmount>
    <cac:TaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>21</cbc:Percent><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:TaxCategory>
  </cac:AllowanceCharge>
  <cac:TaxTotal>"
        ),
    );
    fails(
        &run(&allowance, peppol),
        "PEPPOL-EN16931-R040",
        "too large",
        "10",
    );
    // A difference out of range exceeds the tolerance (computed MAX, stated -MAX).
    let opposite = allowance
        .replace(
            ">200</cbc:MultiplierFactorNumeric>",
            ">100</cbc:MultiplierFactorNumeric>",
        )
        .replace(">10.00</cbc:Amount>", &format!(">-{MAX}</cbc:Amount>"));
    let r = run(&opposite, peppol);
    fails(&r, "PEPPOL-EN16931-R040", MAX, &format!("-{MAX}"));
}

#[test]
fn gaccount_payment_sum_out_of_range_fails_br_ga_3() {
    let xml = GACCOUNT
        .replace(">200.00</cbc:Amount>", &format!(">{MAX}</cbc:Amount>"))
        .replace(">42.00</cbc:Amount>", &format!(">{MAX}</cbc:Amount>"));
    assert_ne!(xml, GACCOUNT);
    // BR-GA-3 compares the amount due (expected) with the payments (actual).
    fails(&run(&xml, None), "BR-GA-3", "242", "too large");
}

#[test]
fn every_profile_survives_extreme_values() {
    let ubl = PEPPOL
        .replace(">200.00<", &format!(">{MAX}<"))
        .replace(">242.00<", &format!(">-{MAX}<"))
        .replace(">42.00<", &format!(">{MAX}<"))
        .replace(">21<", &format!(">{MAX}<"))
        .replace(">100.00<", &format!(">-{MAX}<"))
        .replace(">2<", ">0.0000000000000000000000000001<");
    let cii = CII
        .replace(">100.00<", &format!(">{MAX}<"))
        .replace(">119.00<", &format!(">-{MAX}<"))
        .replace(">19.00<", &format!(">{MAX}<"))
        .replace(">19<", &format!(">{MAX}<"))
        .replace(">10.00<", &format!(">-{MAX}<"))
        .replace(">10<", ">0.0000000000000000000000000001<");
    let ga = GACCOUNT.replace(">200.00<", &format!(">{MAX}<"));
    for p in [
        None,
        Some(Profile::En16931),
        Some(Profile::PeppolBis3),
        Some(Profile::NlciusUbl),
        Some(Profile::NlciusCii),
        Some(Profile::NlGaccount),
        Some(Profile::XRechnung),
    ] {
        for xml in [
            &ubl,
            &cii,
            &ga,
            &two_lines(MAX),
            &two_lines(&format!("-{MAX}")),
        ] {
            run(xml, p);
        }
    }
}
