//! Rule family tests on Haven's own hand-written fixture, mutated per case.
#![allow(clippy::unwrap_used)]

use haven_einvoice::{validate, Profile, Severity, ValidateOptions, ValidationReport};

const BASE: &str = include_str!("fixtures/peppol-minimal.xml");

fn run(xml: &str, profile: Option<Profile>) -> ValidationReport {
    validate(
        xml.as_bytes(),
        &ValidateOptions {
            required_profile: profile,
            ..ValidateOptions::default()
        },
    )
}

fn fired(r: &ValidationReport) -> Vec<&str> {
    r.findings.iter().map(|f| f.rule_id.as_str()).collect()
}

fn mutate(from: &str, to: &str) -> String {
    assert!(BASE.contains(from), "fixture does not contain {from}");
    BASE.replacen(from, to, 1)
}

#[test]
fn fixture_is_valid_under_every_layer() {
    for p in [None, Some(Profile::PeppolBis3), Some(Profile::En16931)] {
        let r = run(BASE, p);
        assert!(r.valid, "{p:?}: {:#?}", r.findings);
    }
    let r = run(BASE, None);
    // Issued 2025-03-01, before Peppol 3.0.19 was mandatory: 3.0.19 with the CEN release its
    // validator bundles (1.3.14.1, not implemented: 1.3.15).
    assert_eq!(r.rule_set_labels(), ["CEN 1.3.15", "Peppol 3.0.19"]);
    assert_eq!(
        r.document.unwrap().detected_profile,
        Some(Profile::PeppolBis3)
    );
}

#[test]
fn cen_core_presence() {
    let r = run(&mutate("<cbc:ID>HAVEN-0001</cbc:ID>", ""), None);
    assert!(fired(&r).contains(&"BR-02"));
    let r = run(&mutate("<cbc:Name>Dienst</cbc:Name>", ""), None);
    assert!(fired(&r).contains(&"BR-25"));
}

#[test]
fn cen_calculations_report_expected_and_actual() {
    let r = run(
        &mutate(
            "<cbc:TaxInclusiveAmount currencyID=\"EUR\">242.00",
            "<cbc:TaxInclusiveAmount currencyID=\"EUR\">243.00",
        ),
        None,
    );
    let f = r.findings.iter().find(|f| f.rule_id == "BR-CO-15").unwrap();
    assert_eq!(f.expected.as_deref(), Some("242"));
    assert_eq!(f.actual.as_deref(), Some("243"));
    assert_eq!(f.severity, Severity::Fatal);
    assert!(f
        .location
        .as_deref()
        .unwrap()
        .ends_with("cbc:TaxInclusiveAmount"));
    let r = run(&mutate("<cbc:LineExtensionAmount currencyID=\"EUR\">200.00</cbc:LineExtensionAmount>\n    <cbc:TaxExclusiveAmount", "<cbc:LineExtensionAmount currencyID=\"EUR\">200.001</cbc:LineExtensionAmount>\n    <cbc:TaxExclusiveAmount"), None);
    assert!(fired(&r).contains(&"BR-DEC-09"));
}

#[test]
fn vat_category_families() {
    let r = run(
        &mutate(
            "<cbc:TaxAmount currencyID=\"EUR\">42.00</cbc:TaxAmount>\n      <cac:TaxCategory>",
            "<cbc:TaxAmount currencyID=\"EUR\">40.00</cbc:TaxAmount>\n      <cac:TaxCategory>",
        ),
        None,
    );
    assert!(fired(&r).contains(&"BR-S-09"));
    assert!(fired(&r).contains(&"BR-CO-17"));
}

#[test]
fn peppol_core_and_check_digits() {
    let r = run(
        &mutate("<cbc:BuyerReference>PO-77</cbc:BuyerReference>", ""),
        None,
    );
    assert!(fired(&r).contains(&"PEPPOL-EN16931-R003"));
    let r = run(
        &mutate(
            "<cbc:EndpointID schemeID=\"0106\">12345678</cbc:EndpointID>",
            "<cbc:EndpointID schemeID=\"0088\">1234567890123</cbc:EndpointID>",
        ),
        None,
    );
    assert!(fired(&r).contains(&"PEPPOL-COMMON-R040"));
    let r = run(
        &mutate(
            "<cbc:PriceAmount currencyID=\"EUR\">100.00",
            "<cbc:PriceAmount currencyID=\"EUR\">90.00",
        ),
        None,
    );
    assert!(fired(&r).contains(&"PEPPOL-EN16931-R120"));
}

#[test]
fn peppol_national_nl() {
    let r = run(
        &mutate(
            "<cbc:CompanyID schemeID=\"0106\">12345678</cbc:CompanyID>",
            "<cbc:CompanyID schemeID=\"0183\">12345678</cbc:CompanyID>",
        ),
        None,
    );
    assert!(fired(&r).contains(&"NL-R-003"));
    let r = run(
        &mutate(
            "<cbc:PaymentMeansCode>30</cbc:PaymentMeansCode>",
            "<cbc:PaymentMeansCode>10</cbc:PaymentMeansCode>",
        ),
        None,
    );
    assert!(fired(&r).contains(&"NL-R-008"));
}

#[test]
fn nlcius_rules() {
    let nl = mutate(
        "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0",
        "urn:cen.eu:en16931:2017#compliant#urn:fdc:nen.nl:nlcius:v1.0",
    );
    let r = run(&nl, None);
    assert!(r.valid, "{:#?}", r.findings);
    assert_eq!(r.rule_set_labels(), ["CEN 1.3.15", "SI-UBL 2.0.3.12"]);
    let r = run(
        &nl.replace("<cbc:InvoiceTypeCode>380", "<cbc:InvoiceTypeCode>382"),
        None,
    );
    assert!(fired(&r).contains(&"BR-NL-7"));
    let r = run(BASE, Some(Profile::NlciusUbl));
    assert!(fired(&r).contains(&"SI-V20-INV-R000"));
}

#[test]
fn unknown_specification_gives_one_finding() {
    let r = run(
        &mutate(
            "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0",
            "urn:example:unknown",
        ),
        None,
    );
    assert_eq!(r.findings.len(), 1);
    assert_eq!(r.findings[0].rule_id, "HAVEN-PROFILE-UNKNOWN");
    assert!(r.findings[0].message.contains("urn:example:unknown"));
    assert!(!r.valid);
}

#[test]
fn report_serialises_camel_case() {
    let r = run(
        &mutate("<cbc:BuyerReference>PO-77</cbc:BuyerReference>", ""),
        None,
    );
    let v = serde_json::to_value(&r).unwrap();
    assert!(v.get("ruleSets").is_some());
    let f = &v["findings"][0];
    assert!(f.get("ruleId").is_some() && f.get("ruleSet").is_some());
    assert_eq!(v["document"]["detectedProfile"], "peppolBis3");
}
