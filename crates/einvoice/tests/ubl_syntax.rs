//! UBL syntax rules (UBL-SR, UBL-DT, fatal UBL-CR) on Haven's own UBL fixture.
#![allow(clippy::unwrap_used)]

use haven_einvoice::{validate, Profile, Severity, ValidateOptions, ValidationReport};

const UBL: &str = include_str!("fixtures/peppol-minimal.xml");

fn run(xml: &str) -> ValidationReport {
    validate(
        xml.as_bytes(),
        &ValidateOptions {
            required_profile: Some(Profile::En16931),
            ..ValidateOptions::default()
        },
    )
}

fn has(xml: &str, id: &str, sev: Severity) -> bool {
    run(xml)
        .findings
        .iter()
        .any(|f| f.rule_id == id && f.severity == sev)
}

fn mutate(from: &str, to: &str) -> String {
    assert!(UBL.contains(from), "fixture lacks {from}");
    UBL.replacen(from, to, 1)
}

const BEFORE_SELLER: &str = "<cac:AccountingSupplierParty>";
const BEFORE_PAYMENT: &str = "<cac:PaymentMeans>";

#[test]
fn fixture_has_no_syntax_findings() {
    let r = run(UBL);
    assert!(r.findings.is_empty(), "{:?}", r.findings);
}

#[test]
fn additional_documents() {
    let adr = |inner: &str| {
        mutate(BEFORE_SELLER, &format!("<cac:AdditionalDocumentReference><cbc:ID>D1</cbc:ID>{inner}</cac:AdditionalDocumentReference>{BEFORE_SELLER}"))
    };
    assert!(!has(&adr(""), "UBL-SR-43", Severity::Fatal));
    assert!(has(
        &adr("<cbc:DocumentTypeCode>916</cbc:DocumentTypeCode>"),
        "UBL-SR-43",
        Severity::Fatal
    ));
    assert!(!has(
        &adr("<cbc:DocumentTypeCode>130</cbc:DocumentTypeCode>"),
        "UBL-SR-43",
        Severity::Fatal
    ));
    let object_with_text = adr("<cbc:DocumentTypeCode>130</cbc:DocumentTypeCode><cbc:DocumentDescription>x</cbc:DocumentDescription>");
    assert!(has(&object_with_text, "UBL-CR-673", Severity::Fatal));
    let no_mime = adr("<cac:Attachment><cbc:EmbeddedDocumentBinaryObject filename=\"a.pdf\">AA==</cbc:EmbeddedDocumentBinaryObject></cac:Attachment>");
    assert!(has(&no_mime, "UBL-DT-06", Severity::Fatal));
    assert!(!has(&no_mime, "UBL-DT-07", Severity::Fatal));
}

#[test]
fn lines_need_exactly_one_vat_category() {
    let start = UBL.find("<cac:ClassifiedTaxCategory>").unwrap();
    let end =
        UBL.find("</cac:ClassifiedTaxCategory>").unwrap() + "</cac:ClassifiedTaxCategory>".len();
    let twice = format!("{}{}{}", &UBL[..end], &UBL[start..end], &UBL[end..]);
    assert!(has(&twice, "UBL-SR-48", Severity::Fatal));
}

#[test]
fn payee_must_differ_from_seller() {
    let payee = |name: &str| {
        mutate(BEFORE_PAYMENT, &format!("<cac:PayeeParty><cac:PartyName><cbc:Name>{name}</cbc:Name></cac:PartyName></cac:PayeeParty>{BEFORE_PAYMENT}"))
    };
    assert!(has(
        &payee("Haven Leverancier BV"),
        "UBL-SR-19",
        Severity::Fatal
    ));
    assert!(!has(&payee("Factor NV"), "UBL-SR-19", Severity::Fatal));
}

#[test]
fn payment_references_and_codes() {
    let pm = |id: &str| {
        format!("<cac:PaymentMeans><cbc:PaymentMeansCode>30</cbc:PaymentMeansCode><cbc:PaymentID>{id}</cbc:PaymentID><cac:PayeeFinancialAccount><cbc:ID>NL91ABNA0417164300</cbc:ID></cac:PayeeFinancialAccount></cac:PaymentMeans>")
    };
    let two = mutate(
        BEFORE_PAYMENT,
        &format!("{}{}{BEFORE_PAYMENT}", pm("A"), pm("B")),
    );
    assert!(has(&two, "UBL-SR-44", Severity::Fatal));
    let same = mutate(
        BEFORE_PAYMENT,
        &format!("{}{}{BEFORE_PAYMENT}", pm("A"), pm("A")),
    );
    assert!(!has(&same, "UBL-SR-44", Severity::Fatal));
}

#[test]
fn data_types() {
    let three = mutate(
        "<cbc:PayableAmount currencyID=\"EUR\">242.00</cbc:PayableAmount>",
        "<cbc:PayableAmount currencyID=\"EUR\">242.000</cbc:PayableAmount>",
    );
    assert!(has(&three, "UBL-DT-01", Severity::Fatal));
    let price = mutate(
        "<cbc:PriceAmount currencyID=\"EUR\">100.00</cbc:PriceAmount>",
        "<cbc:PriceAmount currencyID=\"EUR\">100.0000</cbc:PriceAmount>",
    );
    assert!(!has(&price, "UBL-DT-01", Severity::Fatal));
    let scheme_name = mutate(
        "<cbc:EndpointID schemeID=\"0106\">",
        "<cbc:EndpointID schemeID=\"0106\" schemeName=\"KvK\">",
    );
    assert!(has(&scheme_name, "UBL-DT-08", Severity::Warning));
    let code_name = mutate(
        "<cbc:PaymentMeansCode>30</cbc:PaymentMeansCode>",
        "<cbc:PaymentMeansCode name=\"Credit transfer\">30</cbc:PaymentMeansCode>",
    );
    assert!(!has(&code_name, "UBL-DT-18", Severity::Warning));
}
