//! Peppol national and remaining core rules on Haven's own minimal invoice, mutated per case.
#![allow(clippy::unwrap_used)]

use haven_einvoice::{validate, Profile, Severity, ValidateOptions};

const BASE: &str = include_str!("fixtures/peppol-minimal.xml");

fn ids(xml: &str) -> Vec<(String, Severity)> {
    validate(
        xml.as_bytes(),
        &ValidateOptions {
            required_profile: Some(Profile::PeppolBis3),
            ..ValidateOptions::default()
        },
    )
    .findings
    .into_iter()
    .map(|f| (f.rule_id, f.severity))
    .collect()
}

fn has(xml: &str, id: &str) -> bool {
    ids(xml).iter().any(|(i, _)| i == id)
}

/// Replace every occurrence (the fixture repeats some values for seller and buyer).
fn with(pairs: &[(&str, &str)]) -> String {
    let mut s = BASE.to_string();
    for (from, to) in pairs {
        assert!(s.contains(from), "fixture does not contain {from}");
        s = s.replacen(from, to, 1);
    }
    s
}

const NL: &str = "<cbc:IdentificationCode>NL</cbc:IdentificationCode>";

fn countries(seller: &str, buyer: &str) -> Vec<(String, String)> {
    vec![
        (
            NL.to_string(),
            format!("<cbc:IdentificationCode>{seller}</cbc:IdentificationCode>"),
        ),
        (
            NL.to_string(),
            format!("<cbc:IdentificationCode>{buyer}</cbc:IdentificationCode>"),
        ),
    ]
}

fn with_countries(seller: &str, buyer: &str, extra: &[(&str, &str)]) -> String {
    let c = countries(seller, buyer);
    let mut pairs: Vec<(&str, &str)> = c.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    pairs.extend_from_slice(extra);
    with(&pairs)
}

const SELLER_VAT: &str = "<cbc:CompanyID>NL001234567B01</cbc:CompanyID>";

#[test]
fn base_fixture_has_no_national_findings() {
    let found = ids(BASE);
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn allowance_base_and_percentage_come_together() {
    let ac = "<cac:AllowanceCharge><cbc:ChargeIndicator>false</cbc:ChargeIndicator><cbc:AllowanceChargeReason>Korting</cbc:AllowanceChargeReason><cbc:MultiplierFactorNumeric>10</cbc:MultiplierFactorNumeric><cbc:Amount currencyID=\"EUR\">0.00</cbc:Amount><cac:TaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>21</cbc:Percent><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:TaxCategory></cac:AllowanceCharge>\n  <cac:TaxTotal>";
    let x = with(&[("<cac:TaxTotal>", ac)]);
    assert!(has(&x, "PEPPOL-EN16931-R041"));
    let x = x.replace(
        "<cbc:MultiplierFactorNumeric>10</cbc:MultiplierFactorNumeric>",
        "<cbc:BaseAmount currencyID=\"EUR\">10.00</cbc:BaseAmount>",
    );
    assert!(has(&x, "PEPPOL-EN16931-R042"));
    assert!(!has(&x, "PEPPOL-EN16931-R041"));
}

#[test]
fn german_rules() {
    let x = with_countries(
        "DE",
        "DE",
        &[(
            "<cbc:DueDate>",
            "<cbc:Note>a</cbc:Note><cbc:Note>b</cbc:Note><cbc:DueDate>",
        )],
    );
    // Two notes are fine between German parties; the seller contact is required.
    assert!(!has(&x, "PEPPOL-EN16931-R002"));
    assert!(has(&x, "DE-R-002"));
    assert!(!has(&x, "DE-R-001"));
    let contact = "<cac:Contact><cbc:Name>Max</cbc:Name><cbc:Telephone>12</cbc:Telephone><cbc:ElectronicMail>max@@x</cbc:ElectronicMail></cac:Contact></cac:Party>\n  </cac:AccountingSupplierParty>";
    let x = with_countries(
        "DE",
        "DE",
        &[("</cac:Party>\n  </cac:AccountingSupplierParty>", contact)],
    );
    let found = ids(&x);
    assert!(found.contains(&("DE-R-027".into(), Severity::Warning)));
    assert!(found.contains(&("DE-R-028".into(), Severity::Warning)));
    assert!(!found.contains(&("DE-R-023-1".into(), Severity::Fatal)));
    let x = with_countries(
        "DE",
        "DE",
        &[("<cac:PayeeFinancialAccount><cbc:ID>NL91ABNA0417164300</cbc:ID></cac:PayeeFinancialAccount>", "")],
    );
    assert!(has(&x, "DE-R-023-1"));
    // Not both German: no DE rules.
    let x = with_countries("DE", "NL", &[]);
    assert!(!ids(&x).iter().any(|(i, _)| i.starts_with("DE-R")));
}

#[test]
fn swedish_rules() {
    let x = with_countries(
        "SE",
        "SE",
        &[
            (SELLER_VAT, "<cbc:CompanyID>SE55603607930</cbc:CompanyID>"),
            (
                "<cbc:CompanyID schemeID=\"0106\">12345678</cbc:CompanyID>",
                "<cbc:CompanyID>5560360794</cbc:CompanyID>",
            ),
            (
                "<cbc:PaymentMeansCode>30</cbc:PaymentMeansCode>",
                "<cbc:PaymentMeansCode>31</cbc:PaymentMeansCode>",
            ),
        ],
    );
    let found = ids(&x);
    for want in ["SE-R-001", "SE-R-006", "SE-R-012", "SE-R-013"] {
        assert!(found.iter().any(|(i, _)| i == want), "{want}: {found:?}");
    }
}

#[test]
fn danish_rules() {
    // Code 30 is not among the Danish payment means codes.
    assert!(has(&with_countries("DK", "DK", &[]), "DK-R-005"));
    let x = with_countries(
        "DK",
        "DK",
        &[(
            "<cbc:PaymentMeansCode>30</cbc:PaymentMeansCode>",
            "<cbc:PaymentMeansCode>93</cbc:PaymentMeansCode><cbc:PaymentID>71#12</cbc:PaymentID>",
        )],
    );
    let found = ids(&x);
    for want in ["DK-R-010", "DK-R-011", "DK-R-014"] {
        assert!(found.iter().any(|(i, _)| i == want), "{want}: {found:?}");
    }
}

#[test]
fn norwegian_italian_icelandic_rules() {
    let x = with_countries(
        "NO",
        "NL",
        &[(SELLER_VAT, "<cbc:CompanyID>NO123456789MVA</cbc:CompanyID>")],
    );
    assert!(has(&x, "NO-R-001"));
    let x = with_countries(
        "IT",
        "NL",
        &[
            (SELLER_VAT, "<cbc:CompanyID>IT01234567897</cbc:CompanyID>"),
            ("<cbc:StreetName>Havenstraat 1</cbc:StreetName>", ""),
        ],
    );
    assert!(has(&x, "IT-R-002"));
    let x = with_countries(
        "IS",
        "IS",
        &[("<cbc:InvoiceTypeCode>380", "<cbc:InvoiceTypeCode>393")],
    );
    let found = ids(&x);
    assert!(found.contains(&("IS-R-001".into(), Severity::Warning)));
    assert!(found.contains(&("IS-R-002".into(), Severity::Fatal)));
    assert!(found.contains(&("IS-R-004".into(), Severity::Fatal)));
}

#[test]
fn greek_rules() {
    let x = with_countries(
        "GR",
        "GR",
        &[
            (SELLER_VAT, "<cbc:CompanyID>EL094259216</cbc:CompanyID>"),
            (
                "<cbc:ID>HAVEN-0001</cbc:ID>",
                "<cbc:ID>094259216|01/03/2025|1|1.1|A|B</cbc:ID>",
            ),
        ],
    );
    let found = ids(&x);
    assert!(
        !found.iter().any(|(i, _)| i.starts_with("GR-R-001")),
        "{found:?}"
    );
    for want in ["GR-R-002", "GR-R-004-1", "GR-R-005", "GR-R-006", "GR-R-009"] {
        assert!(found.iter().any(|(i, _)| i == want), "{want}: {found:?}");
    }
    let x = x.replace("|01/03/2025|", "|02/03/2025|");
    assert!(has(&x, "GR-R-001-3"));
}
