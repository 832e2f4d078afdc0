//! Where Haven and the official validators disagreed on held-out documents, and the
//! artefact behaviour behind each case (docs/rule-quirks.md). Each case has its own fixture
//! under tests/fixtures/quirks; small variations are made by string replacement.
#![allow(clippy::unwrap_used)]

use haven_einvoice::{
    validate, Finding, Profile, ReleaseId, Severity, ValidateOptions, ValidationReport,
};

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/quirks/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap()
}

fn run(xml: &str, profile: Option<Profile>) -> ValidationReport {
    validate(
        xml.as_bytes(),
        &ValidateOptions {
            required_profile: profile,
            ..ValidateOptions::default()
        },
    )
}

/// EN 16931 alone in release 1.3.16, whatever the issue date (the fixtures are dated when
/// 1.3.15 was in force).
fn run_cen_1_3_16(xml: &str) -> ValidationReport {
    validate(
        xml.as_bytes(),
        &ValidateOptions {
            required_profile: Some(Profile::En16931),
            rule_set: Some(ReleaseId::Cen1_3_16),
            ..ValidateOptions::default()
        },
    )
}

fn find<'r>(r: &'r ValidationReport, id: &str) -> Option<&'r Finding> {
    r.findings.iter().find(|f| f.rule_id == id)
}

fn has(r: &ValidationReport, id: &str) -> bool {
    find(r, id).is_some()
}

fn edit(xml: &str, from: &str, to: &str) -> String {
    assert!(xml.contains(from), "fixture does not contain {from}");
    xml.replacen(from, to, 1)
}

fn fatal_ids(r: &ValidationReport) -> Vec<&str> {
    r.findings
        .iter()
        .filter(|f| f.severity == Severity::Fatal)
        .map(|f| f.rule_id.as_str())
        .collect()
}

/// An advisory: a warning under Haven's own rule set, never an official verdict.
fn assert_advisory(r: &ValidationReport, id: &str) {
    let f = find(r, id).unwrap_or_else(|| panic!("{id} missing: {:#?}", r.findings));
    assert_eq!(f.severity, Severity::Warning);
    assert_eq!(f.rule_set, "Haven");
    assert!(f.line.is_some(), "{id} should point at the element");
}

#[test]
fn nlcius_runs_cen_1_3_15_which_still_has_br_co_25() {
    let ubl = fixture("nlcius-ubl-no-payment-terms.xml");
    let r = run(&ubl, None);
    assert_eq!(r.rule_set_labels(), ["CEN 1.3.15", "SI-UBL 2.0.3.12"]);
    assert_eq!(fatal_ids(&r), vec!["BR-CO-25"], "{:#?}", r.findings);
    assert_eq!(find(&r, "BR-CO-25").unwrap().rule_set, "CEN 1.3.15");
    // CEN 1.3.16 removed the rule.
    let r = run_cen_1_3_16(&ubl);
    assert!(r.valid, "{:#?}", r.findings);
    // A due date or payment terms anywhere satisfy it; a zero amount due needs neither.
    let with_terms = edit(
        &ubl,
        "  <cac:TaxTotal>",
        "  <cac:PaymentTerms><cbc:Note>30 days</cbc:Note></cac:PaymentTerms>\n  <cac:TaxTotal>",
    );
    assert!(run(&with_terms, None).valid);
    let with_due = edit(
        &ubl,
        "<cbc:InvoiceTypeCode>",
        "<cbc:DueDate>2025-03-31</cbc:DueDate>\n  <cbc:InvoiceTypeCode>",
    );
    assert!(run(&with_due, None).valid);
    let nothing_due = ubl.replace(
        "<cbc:PayableAmount currencyID=\"EUR\">242.00",
        "<cbc:PayableAmount currencyID=\"EUR\">0.00",
    );
    assert!(!has(&run(&nothing_due, None), "BR-CO-25"));

    let cii = fixture("nlcius-cii-no-payment-terms.xml");
    let r = run(&cii, None);
    assert_eq!(r.rule_set_labels(), ["CEN 1.3.15", "NLCIUS-CII 1.0.3.12"]);
    assert_eq!(fatal_ids(&r), vec!["BR-CO-25"], "{:#?}", r.findings);
    assert!(run_cen_1_3_16(&cii).valid);
    let base = run(&fixture("nlcius-cii-minimal.xml"), None);
    assert!(base.valid, "{:#?}", base.findings);
    assert!(base.findings.is_empty(), "{:#?}", base.findings);
}

#[test]
fn peppol_cii_never_reports_p0100_but_haven_advises() {
    let xml = fixture("peppol-cii-self-billed-389.xml");
    let r = run(&xml, None);
    // Issued 2026-01-05, under Peppol 3.0.19: its validator bundles CEN 1.3.14.1 (not
    // implemented; the nearest, 1.3.15, is applied).
    assert_eq!(r.rule_set_labels(), ["CEN 1.3.15", "Peppol 3.0.19"]);
    assert!(!has(&r, "PEPPOL-EN16931-P0100"), "{:#?}", r.findings);
    assert_advisory(&r, "HAVEN-Q-P0100");
    assert!(r.valid, "{:#?}", r.findings);
    let ok = run(&edit(&xml, "<ram:TypeCode>389", "<ram:TypeCode>380"), None);
    assert!(!has(&ok, "HAVEN-Q-P0100"));
    // The UBL artefact does check it.
    let ubl = include_str!("fixtures/peppol-minimal.xml")
        .replace("<cbc:InvoiceTypeCode>380", "<cbc:InvoiceTypeCode>389");
    let r = run(&ubl, None);
    assert!(has(&r, "PEPPOL-EN16931-P0100"));
    assert!(!has(&r, "HAVEN-Q-P0100"));
}

#[test]
fn a_repeated_tax_total_is_br_co_15_and_r053_not_br_co_14() {
    let xml = fixture("ubl-tax-total-twice.xml");
    let r = run(&xml, None);
    assert!(has(&r, "BR-CO-15"), "{:#?}", r.findings);
    assert!(has(&r, "PEPPOL-EN16931-R053"));
    assert!(!has(&r, "BR-CO-14"), "{:#?}", r.findings);
    // Each TaxTotal is still checked against its own subtotals.
    let wrong_second = {
        let head = "  <cac:TaxTotal>\n    <cbc:TaxAmount currencyID=\"EUR\">";
        let i = xml.rfind(head).unwrap() + head.len();
        format!("{}41.00{}", &xml[..i], &xml[i + 5..])
    };
    let r = run(&wrong_second, None);
    let f = find(&r, "BR-CO-14").unwrap_or_else(|| panic!("{:#?}", r.findings));
    assert_eq!(f.expected.as_deref(), Some("42"));
    assert_eq!(f.actual.as_deref(), Some("41"));
}

#[test]
fn cii_reads_the_tax_point_date_code_for_br_co_03() {
    let xml = fixture("cii-tax-point-date-and-code.xml");
    let r = run(&xml, None);
    assert_eq!(fatal_ids(&r), vec!["BR-CO-03"], "{:#?}", r.findings);
    assert!(find(&r, "BR-CO-03")
        .unwrap()
        .location
        .as_deref()
        .unwrap()
        .ends_with("ram:ApplicableTradeTax"));
    let code_only = edit(
        &xml,
        "<ram:TaxPointDate><udt:DateString format=\"102\">20260102</udt:DateString></ram:TaxPointDate>",
        "",
    );
    assert!(run(&code_only, None).valid);
    let date_only = edit(&xml, "<ram:DueDateTypeCode>5</ram:DueDateTypeCode>", "");
    assert!(run(&date_only, None).valid);
}

#[test]
fn nlcius_cii_reports_tax_point_elements_where_they_are() {
    let xml = edit(
        &fixture("nlcius-cii-minimal.xml"),
        "<ram:CategoryCode>S</ram:CategoryCode>\n        <ram:RateApplicablePercent>21",
        "<ram:CategoryCode>S</ram:CategoryCode>\n        <ram:DueDateTypeCode>5</ram:DueDateTypeCode>\n        <ram:RateApplicablePercent>21",
    );
    let r = run(&xml, None);
    let f = find(&r, "BR-NL-21").unwrap_or_else(|| panic!("{:#?}", r.findings));
    assert_eq!(f.severity, Severity::Warning);
    assert!(f
        .location
        .as_deref()
        .unwrap()
        .ends_with("ram:DueDateTypeCode"));
}

#[test]
fn cii_br_61_needs_the_account_element() {
    let xml = fixture("cii-credit-transfer-without-account.xml");
    let r = run_cen_1_3_16(&xml);
    assert_eq!(fatal_ids(&r), vec!["CII-SR-470"], "{:#?}", r.findings);
    // An account element without an identifier: BR-61 (and CII-SR-470).
    let empty_account = edit(
        &xml,
        "<ram:TypeCode>58</ram:TypeCode>",
        "<ram:TypeCode>58</ram:TypeCode>\n        <ram:PayeePartyCreditorFinancialAccount><ram:AccountName>Haven</ram:AccountName></ram:PayeePartyCreditorFinancialAccount>",
    );
    let r = run_cen_1_3_16(&empty_account);
    assert!(has(&r, "BR-61"), "{:#?}", r.findings);
    assert!(has(&r, "CII-SR-470"));
    // CEN 1.3.15 (NLCIUS) has no CII-SR-470: nothing official fires, Haven advises.
    let nl = edit(
        &fixture("nlcius-cii-minimal.xml"),
        "<ram:PayeePartyCreditorFinancialAccount><ram:IBANID>NL91ABNA0417164300</ram:IBANID></ram:PayeePartyCreditorFinancialAccount>",
        "",
    );
    let r = run(&nl, None);
    assert!(r.valid, "{:#?}", r.findings);
    assert!(!has(&r, "BR-61") && !has(&r, "CII-SR-470"));
    assert_advisory(&r, "HAVEN-Q-BR-61");
}

#[test]
fn tax_currency_without_vat_total_in_it() {
    let xml = fixture("peppol-cii-tax-currency-without-total.xml");
    let r = run(&xml, None);
    for id in ["BR-DEC-15", "PEPPOL-EN16931-R055", "BR-53"] {
        let f = find(&r, id).unwrap_or_else(|| panic!("{id}: {:#?}", r.findings));
        assert_eq!(f.severity, Severity::Fatal);
    }
    let with_total = edit(
        &xml,
        "<ram:TaxTotalAmount currencyID=\"EUR\">19.00</ram:TaxTotalAmount>",
        "<ram:TaxTotalAmount currencyID=\"EUR\">19.00</ram:TaxTotalAmount>\n        <ram:TaxTotalAmount currencyID=\"USD\">20.50</ram:TaxTotalAmount>",
    );
    let r = run(&with_total, None);
    assert!(
        !has(&r, "BR-DEC-15") && !has(&r, "PEPPOL-EN16931-R055"),
        "{:#?}",
        r.findings
    );
    // Opposite signs are R055's own case; three decimals BR-DEC-15's.
    let negative = with_total.replace(">20.50<", ">-20.50<");
    assert!(has(&run(&negative, None), "PEPPOL-EN16931-R055"));
    let three = with_total.replace(">20.50<", ">20.505<");
    assert!(has(&run(&three, None), "BR-DEC-15"));
}

#[test]
fn ubl_br_dec_15_never_fires_and_haven_advises() {
    let xml = include_str!("fixtures/peppol-minimal.xml")
        .replace(
            "<cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>",
            "<cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>\n  <cbc:TaxCurrencyCode>USD</cbc:TaxCurrencyCode>",
        )
        .replace(
            "  <cac:LegalMonetaryTotal>",
            "  <cac:TaxTotal><cbc:TaxAmount currencyID=\"USD\">45.123</cbc:TaxAmount></cac:TaxTotal>\n  <cac:LegalMonetaryTotal>",
        );
    let r = run_cen_1_3_16(&xml);
    assert!(!has(&r, "BR-DEC-15"), "{:#?}", r.findings);
    assert_advisory(&r, "HAVEN-Q-BR-DEC-15");
}

#[test]
fn nlcius_cii_shadowed_rules_never_fire() {
    let xml = fixture("nlcius-cii-corrective-384.xml");
    let r = run(&xml, None);
    assert!(!has(&r, "BR-NL-9"), "{:#?}", r.findings);
    assert_advisory(&r, "HAVEN-Q-BR-NL-9");
    assert!(r.valid, "{:#?}", r.findings);
    // A reference to the corrected invoice: no advice.
    let referenced = edit(
        &xml,
        "      <ram:SpecifiedTradeSettlementHeaderMonetarySummation>",
        "      <ram:SpecifiedTradeSettlementHeaderMonetarySummation>",
    )
    .replace(
        "    </ram:ApplicableHeaderTradeSettlement>",
        "      <ram:InvoiceReferencedDocument><ram:IssuerAssignedID>HAVEN-0</ram:IssuerAssignedID></ram:InvoiceReferencedDocument>\n    </ram:ApplicableHeaderTradeSettlement>",
    );
    assert!(!has(&run(&referenced, None), "HAVEN-Q-BR-NL-9"));
    // BR-NL-31 has BR-NL-12's context in NLCIUS-CII.
    let provider = edit(
        &fixture("nlcius-cii-minimal.xml"),
        "</ram:PayeePartyCreditorFinancialAccount>",
        "</ram:PayeePartyCreditorFinancialAccount>\n        <ram:PayeeSpecifiedCreditorFinancialInstitution><ram:BICID>ABNANL2A</ram:BICID></ram:PayeeSpecifiedCreditorFinancialInstitution>",
    );
    let r = run(&provider, None);
    assert!(!has(&r, "BR-NL-31"), "{:#?}", r.findings);
    assert_advisory(&r, "HAVEN-Q-BR-NL-31");
    // SI-UBL checks BR-NL-9 itself.
    let ubl = include_str!("fixtures/peppol-minimal.xml")
        .replace(
            "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0",
            "urn:cen.eu:en16931:2017#compliant#urn:fdc:nen.nl:nlcius:v1.0",
        )
        .replace("<cbc:InvoiceTypeCode>380", "<cbc:InvoiceTypeCode>384");
    assert!(has(&run(&ubl, None), "BR-NL-9"));
}

#[test]
fn si_ubl_checks_the_type_code_for_dutch_suppliers_only() {
    let nl = include_str!("fixtures/peppol-minimal.xml")
        .replace(
            "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0",
            "urn:cen.eu:en16931:2017#compliant#urn:fdc:nen.nl:nlcius:v1.0",
        )
        .replace("<cbc:InvoiceTypeCode>380", "<cbc:InvoiceTypeCode>382");
    assert!(has(&run(&nl, None), "BR-NL-7"));
    let foreign = nl.replacen(
        "<cbc:IdentificationCode>NL</cbc:IdentificationCode>",
        "<cbc:IdentificationCode>BE</cbc:IdentificationCode>",
        1,
    );
    let r = run(&foreign, None);
    assert!(!has(&r, "BR-NL-7"), "{:#?}", r.findings);
}

#[test]
fn cen_1_3_15_does_not_report_rules_added_in_1_3_16() {
    // Two amounts due: CII-SR-487 exists in 1.3.16 only.
    let twice = "<ram:DuePayableAmount>121.00</ram:DuePayableAmount>";
    let nl = edit(
        &fixture("nlcius-cii-minimal.xml"),
        twice,
        &format!("{twice}{twice}"),
    );
    assert!(!has(&run(&nl, None), "CII-SR-487"));
    assert!(has(&run_cen_1_3_16(&nl), "CII-SR-487"));
}
