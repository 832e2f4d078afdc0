//! EN 16931 conditions (BR-51, BR-54, BR-55, BR-57, BR-B, BR-CO-09, BR-IC-11/12, BR-O-12..14,
//! BR-06..10 without parties) on Haven's own fixtures, mutated per case.
#![allow(clippy::unwrap_used)]

use haven_einvoice::{validate, Profile, Severity, ValidateOptions, ValidationReport};

const UBL: &str = include_str!("fixtures/peppol-minimal.xml");
const CII: &str = include_str!("fixtures/cii-minimal.xml");

fn run(xml: &str) -> ValidationReport {
    validate(
        xml.as_bytes(),
        &ValidateOptions {
            required_profile: Some(Profile::En16931),
            ..ValidateOptions::default()
        },
    )
}

fn ids(r: &ValidationReport, sev: Severity) -> Vec<String> {
    r.findings
        .iter()
        .filter(|f| f.severity == sev)
        .map(|f| f.rule_id.clone())
        .collect()
}

fn mutate(base: &str, from: &str, to: &str) -> String {
    assert!(base.contains(from), "fixture lacks {from}");
    base.replacen(from, to, 1)
}

fn fires(xml: &str, id: &str) -> bool {
    ids(&run(xml), Severity::Fatal).iter().any(|f| f == id)
}

const UBL_ITEM_NAME: &str = "<cbc:Name>Dienst</cbc:Name>";
const UBL_PAYEE_ACCOUNT: &str = "<cac:PayeeFinancialAccount>";

#[test]
fn item_attributes_need_name_and_value() {
    let prop = |inner: &str| {
        format!("{UBL_ITEM_NAME}<cac:AdditionalItemProperty>{inner}</cac:AdditionalItemProperty>")
    };
    // AdditionalItemProperty follows ClassifiedTaxCategory in the schema, but our rules do
    // not depend on element order.
    let ok = mutate(
        UBL,
        UBL_ITEM_NAME,
        &prop("<cbc:Name>Colour</cbc:Name><cbc:Value>Red</cbc:Value>"),
    );
    assert!(!fires(&ok, "BR-54"));
    let bad = mutate(UBL, UBL_ITEM_NAME, &prop("<cbc:Name>Colour</cbc:Name>"));
    assert!(fires(&bad, "BR-54"));
    let charac = |inner: &str| {
        format!("<ram:Name>Garden hose</ram:Name><ram:ApplicableProductCharacteristic>{inner}</ram:ApplicableProductCharacteristic>")
    };
    let name = "<ram:Name>Garden hose</ram:Name>";
    assert!(!fires(
        &mutate(
            CII,
            name,
            &charac("<ram:Description>Length</ram:Description><ram:Value>20 m</ram:Value>")
        ),
        "BR-54"
    ));
    assert!(fires(
        &mutate(CII, name, &charac("<ram:Value>20 m</ram:Value>")),
        "BR-54"
    ));
}

#[test]
fn deliver_to_country_and_intra_community() {
    let delivery = |addr: &str| {
        format!("<cac:Delivery><cbc:ActualDeliveryDate>2026-01-02</cbc:ActualDeliveryDate><cac:DeliveryLocation><cac:Address>{addr}</cac:Address></cac:DeliveryLocation></cac:Delivery>{UBL_PAYEE_ACCOUNT}")
    };
    let with = |addr: &str| {
        mutate(
            UBL,
            "<cac:PaymentMeans>",
            &format!(
                "{}<cac:PaymentMeans>",
                delivery(addr).replace(UBL_PAYEE_ACCOUNT, "")
            ),
        )
    };
    assert!(fires(&with("<cbc:CityName>Gent</cbc:CityName>"), "BR-57"));
    assert!(!fires(
        &with("<cac:Country><cbc:IdentificationCode>BE</cbc:IdentificationCode></cac:Country>"),
        "BR-57"
    ));
    // CII: ship-to address without a country.
    let ship = "<ram:ApplicableHeaderTradeDelivery>";
    let bad = mutate(CII, ship, "<ram:ApplicableHeaderTradeDelivery><ram:ShipToTradeParty><ram:PostalTradeAddress><ram:CityName>Gent</ram:CityName></ram:PostalTradeAddress></ram:ShipToTradeParty>");
    assert!(fires(&bad, "BR-57"));
    // Intra-community supply (K) in CII without a deliver-to country or date.
    let k = CII.replace(
        "<ram:CategoryCode>S</ram:CategoryCode>",
        "<ram:CategoryCode>K</ram:CategoryCode>",
    );
    let r = run(&k);
    let f = ids(&r, Severity::Fatal);
    assert!(f.contains(&"BR-IC-12".to_string()), "{f:?}");
    assert!(!f.contains(&"BR-IC-11".to_string()), "{f:?}");
    let no_date = k.replace("<ram:ActualDeliverySupplyChainEvent><ram:OccurrenceDateTime><udt:DateTimeString format=\"102\">20260102</udt:DateTimeString></ram:OccurrenceDateTime></ram:ActualDeliverySupplyChainEvent>", "");
    assert!(fires(&no_date, "BR-IC-11"));
}

#[test]
fn preceding_invoice_reference_needs_an_id() {
    let at = "<cac:AccountingSupplierParty>";
    let bad = mutate(UBL, at, &format!("<cac:BillingReference><cac:InvoiceDocumentReference><cbc:IssueDate>2025-12-01</cbc:IssueDate></cac:InvoiceDocumentReference></cac:BillingReference>{at}"));
    assert!(fires(&bad, "BR-55"));
    let bad = mutate(
        UBL,
        at,
        &format!("<cac:BillingReference></cac:BillingReference>{at}"),
    );
    assert!(fires(&bad, "BR-55"));
    let ok = mutate(UBL, at, &format!("<cac:BillingReference><cac:InvoiceDocumentReference><cbc:ID>INV-1</cbc:ID></cac:InvoiceDocumentReference></cac:BillingReference>{at}"));
    assert!(!fires(&ok, "BR-55"));
}

#[test]
fn card_number_length_is_warning_in_ubl_and_fatal_in_cii() {
    let card = |n: &str| {
        format!("<cac:CardAccount><cbc:PrimaryAccountNumberID>{n}</cbc:PrimaryAccountNumberID><cbc:NetworkID>VISA</cbc:NetworkID></cac:CardAccount>{UBL_PAYEE_ACCOUNT}")
    };
    let r = run(&mutate(UBL, UBL_PAYEE_ACCOUNT, &card("1234567890123456")));
    assert!(ids(&r, Severity::Warning).contains(&"BR-51".to_string()));
    assert!(!ids(&r, Severity::Fatal).contains(&"BR-51".to_string()));
    let r = run(&mutate(UBL, UBL_PAYEE_ACCOUNT, &card("3456")));
    assert!(!ids(&r, Severity::Warning).contains(&"BR-51".to_string()));
    let acc = "<ram:PayeePartyCreditorFinancialAccount>";
    let cii_card = |n: &str| {
        format!("<ram:ApplicableTradeSettlementFinancialCard><ram:ID>{n}</ram:ID></ram:ApplicableTradeSettlementFinancialCard>{acc}")
    };
    assert!(fires(
        &mutate(CII, acc, &cii_card("1234 5678 9012")),
        "BR-51"
    ));
    assert!(!fires(&mutate(CII, acc, &cii_card("9012")), "BR-51"));
}

#[test]
fn vat_identifier_prefix() {
    let vat = "<cbc:CompanyID>NL001234567B01</cbc:CompanyID>";
    assert!(fires(
        &mutate(UBL, vat, "<cbc:CompanyID>QQ001234567B01</cbc:CompanyID>"),
        "BR-CO-09"
    ));
    assert!(!fires(
        &mutate(UBL, vat, "<cbc:CompanyID>EL001234567</cbc:CompanyID>"),
        "BR-CO-09"
    ));
    let cii = "<ram:ID schemeID=\"VA\">DE123456789</ram:ID>";
    assert!(fires(
        &mutate(CII, cii, "<ram:ID schemeID=\"VA\">123456789</ram:ID>"),
        "BR-CO-09"
    ));
    assert!(!fires(
        &mutate(CII, cii, "<ram:ID schemeID=\"VA\">EL123456789</ram:ID>"),
        "BR-CO-09"
    ));
}

#[test]
fn split_payment_and_not_subject_to_vat() {
    // B in a German invoice: not domestic Italian.
    let b = CII.replacen(
        "<ram:CategoryCode>S</ram:CategoryCode>",
        "<ram:CategoryCode>B</ram:CategoryCode>",
        1,
    );
    let f = ids(&run(&b), Severity::Fatal);
    assert!(
        f.contains(&"BR-B-01".to_string()) && f.contains(&"BR-B-02".to_string()),
        "{f:?}"
    );
    let it = b.replace(
        "<ram:CountryID>DE</ram:CountryID>",
        "<ram:CountryID>IT</ram:CountryID>",
    );
    let f = ids(&run(&it), Severity::Fatal);
    assert!(!f.contains(&"BR-B-01".to_string()), "{f:?}");
    // An O breakdown next to a line in S.
    let o = mutate(
        UBL,
        "<cbc:ID>S</cbc:ID>\n        <cbc:Percent>21</cbc:Percent>",
        "<cbc:ID>O</cbc:ID>",
    );
    assert!(fires(&o, "BR-O-12"));
}

#[test]
fn missing_parties_are_reported_from_the_root() {
    let start = UBL.find("<cac:AccountingSupplierParty>").unwrap();
    let end = UBL.find("</cac:AccountingSupplierParty>").unwrap()
        + "</cac:AccountingSupplierParty>".len();
    let no_seller = format!("{}{}", &UBL[..start], &UBL[end..]);
    let f = ids(&run(&no_seller), Severity::Fatal);
    assert!(
        f.contains(&"BR-06".to_string()) && f.contains(&"BR-08".to_string()),
        "{f:?}"
    );
}
