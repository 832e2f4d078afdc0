//! CII syntax rules (CII-SR, CII-DT) on Haven's own CII fixture: each family fires on a
//! small mutation and stays quiet on the fixture and on the allowed variants.
#![allow(clippy::unwrap_used)]

use haven_einvoice::{validate, Profile, ReleaseId, Severity, ValidateOptions, ValidationReport};

const CII: &str = include_str!("fixtures/cii-minimal.xml");

/// The CEN 1.3.16 rules (the fixture's issue date falls under 1.3.15).
fn run(xml: &str) -> ValidationReport {
    validate(
        xml.as_bytes(),
        &ValidateOptions {
            required_profile: Some(Profile::En16931),
            rule_set: Some(ReleaseId::Cen1_3_16),
            ..ValidateOptions::default()
        },
    )
}

fn fired(xml: &str, id: &str) -> Option<Severity> {
    run(xml)
        .findings
        .iter()
        .find(|f| f.rule_id == id)
        .map(|f| f.severity)
}

fn fatal(xml: &str, id: &str) -> bool {
    fired(xml, id) == Some(Severity::Fatal)
}

fn warns(xml: &str, id: &str) -> bool {
    fired(xml, id) == Some(Severity::Warning)
}

fn quiet(xml: &str, id: &str) -> bool {
    fired(xml, id).is_none()
}

/// The fixture with the first occurrence of `from` replaced by `to`.
fn mutate(from: &str, to: &str) -> String {
    assert!(CII.contains(from), "fixture lacks {from}");
    CII.replacen(from, to, 1)
}

/// Insert `what` right before the first occurrence of `anchor`.
fn before(anchor: &str, what: &str) -> String {
    mutate(anchor, &format!("{what}{anchor}"))
}

const LINE_PRICE: &str = "<ram:NetPriceProductTradePrice><ram:ChargeAmount>10.00</ram:ChargeAmount></ram:NetPriceProductTradePrice>";
const HEADER_TAX: &str =
    "<ram:ApplicableTradeTax>\n        <ram:CalculatedAmount>19.00</ram:CalculatedAmount>";
const LINE_TAX_TYPE: &str =
    "<ram:TypeCode>VAT</ram:TypeCode>\n          <ram:CategoryCode>S</ram:CategoryCode>";
const PAYMENT_TERMS: &str = "<ram:SpecifiedTradePaymentTerms>";
const SELLER_ADDRESS: &str = "<ram:PostalTradeAddress><ram:PostcodeCode>10115</ram:PostcodeCode>";

#[test]
fn fixture_has_no_syntax_findings() {
    let r = run(CII);
    let syntax: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.rule_id.starts_with("CII-"))
        .collect();
    assert!(syntax.is_empty(), "{syntax:?}");
    assert!(r.valid, "{:?}", r.findings);
}

#[test]
fn document_context_and_header() {
    let guideline = "<ram:GuidelineSpecifiedDocumentContextParameter>\n      <ram:ID>urn:cen.eu:en16931:2017</ram:ID>";
    let two_ids = mutate(
        guideline,
        &format!("{guideline}<ram:ID>urn:cen.eu:en16931:2017</ram:ID>"),
    );
    assert!(fatal(&two_ids, "CII-SR-010"));
    assert!(quiet(&two_ids, "CII-SR-009"));
    let two_params = before(
        "<ram:GuidelineSpecifiedDocumentContextParameter>",
        "<ram:GuidelineSpecifiedDocumentContextParameter><ram:ID>x</ram:ID></ram:GuidelineSpecifiedDocumentContextParameter>",
    );
    assert!(fatal(&two_params, "CII-SR-009"));
    assert!(fatal(&two_params, "CII-SR-010"));

    let two_types = before(
        "<ram:TypeCode>380</ram:TypeCode>",
        "<ram:TypeCode>380</ram:TypeCode>",
    );
    assert!(fatal(&two_types, "CII-SR-014"));

    let lang = mutate(
        "<rsm:CrossIndustryInvoice ",
        "<rsm:CrossIndustryInvoice languageID=\"en\" ",
    );
    assert!(fatal(&lang, "CII-DT-013"));
    assert!(quiet(&lang, "CII-DT-014"));
}

#[test]
fn identifiers_and_type_codes() {
    // Invoice number: no attributes at all, and only the 001..007 group applies.
    let scheme = mutate(
        "<ram:ID>HAVEN-CII-1</ram:ID>",
        "<ram:ID schemeID=\"X\" schemeName=\"n\">HAVEN-CII-1</ram:ID>",
    );
    assert!(fatal(&scheme, "CII-DT-005"));
    assert!(fatal(&scheme, "CII-DT-001"));
    assert!(quiet(&scheme, "CII-DT-101"));
    // Other identifiers: schemeID is fine, schemeName is not.
    let legal = mutate(
        "<ram:ID schemeID=\"0002\">HRB12345</ram:ID>",
        "<ram:ID schemeID=\"0002\" schemeURI=\"u\">HRB12345</ram:ID>",
    );
    assert!(fatal(&legal, "CII-DT-104"));
    assert!(quiet(&legal, "CII-DT-005"));
    assert!(quiet(CII, "CII-DT-101"));

    let named = mutate(
        "<ram:TypeCode>380</ram:TypeCode>",
        "<ram:TypeCode name=\"Invoice\" listID=\"UNCL1001\">380</ram:TypeCode>",
    );
    assert!(fatal(&named, "CII-DT-008"));
    // The general type-code context is matched first, so these never apply (as upstream).
    assert!(quiet(&named, "CII-DT-010"));
}

#[test]
fn product() {
    let no_scheme = mutate("<ram:GlobalID schemeID=\"0160\">", "<ram:GlobalID>");
    assert!(fatal(&no_scheme, "CII-SR-046"));
    let one_with_scheme = before(
        "<ram:GlobalID schemeID=\"0160\">",
        "<ram:GlobalID>4012345000009</ram:GlobalID>",
    );
    assert!(quiet(&one_with_scheme, "CII-SR-046"));

    let origin = mutate(
        "<ram:OriginTradeCountry><ram:ID>DE</ram:ID>",
        "<ram:OriginTradeCountry><ram:ID>DE</ram:ID><ram:ID>FR</ram:ID>",
    );
    assert!(fatal(&origin, "CII-SR-090"));

    let characteristic = |inner: &str| {
        before(
            "<ram:DesignatedProductClassification>",
            &format!("<ram:ApplicableProductCharacteristic>{inner}</ram:ApplicableProductCharacteristic>"),
        )
    };
    let complete =
        characteristic("<ram:Description>Colour</ram:Description><ram:Value>Green</ram:Value>");
    assert!(quiet(&complete, "CII-SR-069"));
    assert!(quiet(&complete, "CII-SR-072"));
    let no_value = characteristic("<ram:Description>Colour</ram:Description>");
    assert!(fatal(&no_value, "CII-SR-072"));
    assert!(quiet(&no_value, "CII-SR-069"));
}

#[test]
fn line_prices_and_allowances() {
    let two_prices = mutate(
        LINE_PRICE,
        &format!("{LINE_PRICE}<ram:NetPriceProductTradePrice><ram:ChargeAmount>10.00</ram:ChargeAmount></ram:NetPriceProductTradePrice>"),
    );
    assert!(fatal(&two_prices, "CII-SR-441"));
    assert!(fatal(&two_prices, "CII-SR-439"));
    let gross = |inner: &str| {
        before(
            LINE_PRICE,
            &format!("<ram:GrossPriceProductTradePrice><ram:ChargeAmount>12.00</ram:ChargeAmount><ram:AppliedTradeAllowanceCharge><ram:ChargeIndicator><udt:Indicator>false</udt:Indicator></ram:ChargeIndicator>{inner}</ram:AppliedTradeAllowanceCharge></ram:GrossPriceProductTradePrice>"),
        )
    };
    let one = gross("<ram:ActualAmount>2.00</ram:ActualAmount>");
    assert!(quiet(&one, "CII-SR-440"));
    let two =
        gross("<ram:ActualAmount>2.00</ram:ActualAmount><ram:ActualAmount>2.00</ram:ActualAmount>");
    assert!(fatal(&two, "CII-SR-440"));

    let allowance = |inner: &str| {
        before(
            HEADER_TAX,
            &format!(
                "<ram:SpecifiedTradeAllowanceCharge>{inner}</ram:SpecifiedTradeAllowanceCharge>"
            ),
        )
    };
    let tax = "<ram:CategoryTradeTax><ram:TypeCode>VAT</ram:TypeCode><ram:CategoryCode>S</ram:CategoryCode><ram:RateApplicablePercent>19</ram:RateApplicablePercent></ram:CategoryTradeTax>";
    let indicator =
        "<ram:ChargeIndicator><udt:Indicator>false</udt:Indicator></ram:ChargeIndicator>";
    let amount = "<ram:ActualAmount>0.00</ram:ActualAmount>";
    let good = allowance(&format!(
        "{indicator}{amount}<ram:Reason>Discount</ram:Reason>{tax}"
    ));
    for id in ["CII-SR-463", "CII-SR-471", "CII-SR-472", "CII-SR-473"] {
        assert!(quiet(&good, id), "{id}");
    }
    assert!(fatal(
        &allowance(&format!("{amount}<ram:Reason>Discount</ram:Reason>{tax}")),
        "CII-SR-463"
    ));
    let doubled = allowance(&format!("{indicator}{amount}{amount}{tax}{tax}"));
    assert!(fatal(&doubled, "CII-SR-473"));
    assert!(fatal(&doubled, "CII-SR-472"));
}

#[test]
fn parties() {
    let second_uri = before(
        "<ram:SpecifiedTaxRegistration><ram:ID schemeID=\"VA\">",
        "<ram:URIUniversalCommunication><ram:URIID schemeID=\"EM\">a@b.de</ram:URIID></ram:URIUniversalCommunication>",
    );
    assert!(fatal(&second_uri, "CII-SR-459"));
    assert!(quiet(&second_uri, "CII-SR-460"));
    let contact =
        "<ram:DefinedTradeContact><ram:PersonName>A</ram:PersonName></ram:DefinedTradeContact>";
    let buyer_contact = mutate(
        "<ram:Name>Haven Test Buyer AG</ram:Name>",
        &format!("<ram:Name>Haven Test Buyer AG</ram:Name>{contact}"),
    );
    assert!(quiet(&buyer_contact, "CII-SR-456"));
    let two_contacts = mutate(
        "<ram:Name>Haven Test Buyer AG</ram:Name>",
        &format!("<ram:Name>Haven Test Buyer AG</ram:Name>{contact}{contact}"),
    );
    assert!(fatal(&two_contacts, "CII-SR-456"));
    assert!(quiet(&two_contacts, "CII-SR-455"));
}

#[test]
fn settlement() {
    let means = |code: &str, info: &str| {
        before(
            HEADER_TAX,
            &format!("<ram:SpecifiedTradeSettlementPaymentMeans><ram:TypeCode>{code}</ram:TypeCode><ram:Information>{info}</ram:Information><ram:PayeePartyCreditorFinancialAccount><ram:ProprietaryID>12345</ram:ProprietaryID></ram:PayeePartyCreditorFinancialAccount></ram:SpecifiedTradeSettlementPaymentMeans>"),
        )
    };
    // The fixture's payment means has no text; a second one with a text is one text only.
    let same = means(" 58 ", "Transfer");
    assert!(quiet(&same, "CII-SR-467"));
    assert!(quiet(&same, "CII-SR-468"));
    assert!(quiet(&same, "CII-SR-470"));
    assert!(fatal(&means("30", "Transfer"), "CII-SR-467"));

    let no_account = mutate(
        "<ram:PayeePartyCreditorFinancialAccount><ram:IBANID>DE02120300000000202051</ram:IBANID></ram:PayeePartyCreditorFinancialAccount>",
        "",
    );
    assert!(fatal(&no_account, "CII-SR-470"));
    let direct_debit = no_account.replacen(
        "<ram:TypeCode>58</ram:TypeCode>",
        "<ram:TypeCode>59</ram:TypeCode>",
        1,
    );
    assert!(quiet(&direct_debit, "CII-SR-470"));

    let reference = "<ram:PaymentReference>R1</ram:PaymentReference>";
    let one_ref = mutate(
        "<ram:InvoiceCurrencyCode>",
        &format!("{reference}<ram:InvoiceCurrencyCode>"),
    );
    assert!(quiet(&one_ref, "CII-SR-469"));
    let two_refs = mutate(
        "<ram:InvoiceCurrencyCode>",
        &format!("{reference}{reference}<ram:InvoiceCurrencyCode>"),
    );
    assert!(fatal(&two_refs, "CII-SR-469"));

    let point_dates = mutate(
        "<ram:CategoryCode>S</ram:CategoryCode>\n        <ram:RateApplicablePercent>19</ram:RateApplicablePercent>",
        "<ram:CategoryCode>S</ram:CategoryCode><ram:TaxPointDate><udt:DateString format=\"102\">20260101</udt:DateString></ram:TaxPointDate><ram:TaxPointDate><udt:DateString format=\"102\">20260101</udt:DateString></ram:TaxPointDate>\n        <ram:RateApplicablePercent>19</ram:RateApplicablePercent>",
    );
    assert!(fatal(&point_dates, "CII-SR-461"));

    // DueDateTypeCode: one value across the document (lines included).
    let header_code = mutate(
        "<ram:CategoryCode>S</ram:CategoryCode>\n        <ram:RateApplicablePercent>19</ram:RateApplicablePercent>",
        "<ram:CategoryCode>S</ram:CategoryCode><ram:DueDateTypeCode>5</ram:DueDateTypeCode>\n        <ram:RateApplicablePercent>19</ram:RateApplicablePercent>",
    );
    assert!(quiet(&header_code, "CII-SR-462"));
    assert!(quiet(&header_code, "CII-DT-058"));
    let line_code = header_code.replacen(
        LINE_TAX_TYPE,
        "<ram:TypeCode>VAT</ram:TypeCode><ram:DueDateTypeCode>29</ram:DueDateTypeCode>\n          <ram:CategoryCode>S</ram:CategoryCode>",
        1,
    );
    assert!(fatal(&line_code, "CII-SR-462"));
    assert!(warns(&line_code, "CII-DT-058"));

    let totals = mutate(
        "<ram:GrandTotalAmount>119.00</ram:GrandTotalAmount>",
        "<ram:GrandTotalAmount>119.00</ram:GrandTotalAmount><ram:GrandTotalAmount>119.00</ram:GrandTotalAmount>",
    );
    assert!(fatal(&totals, "CII-SR-482"));
    assert!(quiet(&totals, "CII-SR-477"));
}

#[test]
fn referenced_documents() {
    let agreement_end = "</ram:ApplicableHeaderTradeAgreement>";
    let add = |inner: &str| {
        before(
            agreement_end,
            &format!("<ram:AdditionalReferencedDocument><ram:IssuerAssignedID>D1</ram:IssuerAssignedID>{inner}</ram:AdditionalReferencedDocument>"),
        )
    };
    let supporting = add("<ram:URIID>https://example.org/d1</ram:URIID><ram:TypeCode>916</ram:TypeCode><ram:Name>Timesheet</ram:Name>");
    for id in ["CII-DT-015", "CII-DT-018", "CII-DT-021"] {
        assert!(quiet(&supporting, id), "{id}");
    }
    let object = add("<ram:URIID>https://example.org/d1</ram:URIID><ram:TypeCode>130</ram:TypeCode><ram:ReferenceTypeCode>AAA</ram:ReferenceTypeCode>");
    assert!(fatal(&object, "CII-DT-015"));
    assert!(quiet(&object, "CII-DT-018"));
    assert!(quiet(&object, "CII-DT-024"));
    assert!(fatal(
        &add("<ram:TypeCode>751</ram:TypeCode>"),
        "CII-DT-018"
    ));

    let order = |inner: &str| {
        before(
            agreement_end,
            &format!("<ram:BuyerOrderReferencedDocument><ram:IssuerAssignedID>PO1</ram:IssuerAssignedID>{inner}</ram:BuyerOrderReferencedDocument>"),
        )
    };
    assert!(fatal(
        &order("<ram:TypeCode>130</ram:TypeCode>"),
        "CII-DT-018"
    ));
    assert!(fatal(
        &order("<ram:FormattedIssueDateTime><qdt:DateTimeString format=\"102\">20260101</qdt:DateTimeString></ram:FormattedIssueDateTime>"),
        "CII-DT-027"
    ));
    assert!(fatal(
        &order("<ram:StatusCode>1</ram:StatusCode>"),
        "CII-DT-016"
    ));

    let preceding = before(
        "<ram:SpecifiedTradePaymentTerms>",
        "<ram:InvoiceReferencedDocument><ram:IssuerAssignedID>I0</ram:IssuerAssignedID><ram:FormattedIssueDateTime><qdt:DateTimeString format=\"102\">20251201</qdt:DateTimeString></ram:FormattedIssueDateTime></ram:InvoiceReferencedDocument>",
    );
    assert!(quiet(&preceding, "CII-DT-027"));
}

#[test]
fn amounts_and_quantities() {
    let currency = mutate(
        "<ram:GrandTotalAmount>119.00</ram:GrandTotalAmount>",
        "<ram:GrandTotalAmount currencyID=\"EUR\">119.00</ram:GrandTotalAmount>",
    );
    assert!(fatal(&currency, "CII-DT-031"));
    // The fixture's TaxTotalAmount carries currencyID, which is allowed.
    assert!(quiet(CII, "CII-DT-031"));

    let list = mutate(
        "<ram:BilledQuantity unitCode=\"C62\">",
        "<ram:BilledQuantity unitCode=\"C62\" unitCodeListID=\"Rec20\">",
    );
    assert!(fatal(&list, "CII-DT-034"));

    let basis = mutate(
        "<ram:ChargeAmount>10.00</ram:ChargeAmount></ram:NetPriceProductTradePrice>",
        "<ram:ChargeAmount>10.00</ram:ChargeAmount><ram:BasisQuantity unitCode=\"C62\">1</ram:BasisQuantity></ram:NetPriceProductTradePrice>",
    );
    assert!(quiet(&basis, "CII-DT-033"));
    let no_billed_unit = basis.replacen(
        "<ram:BilledQuantity unitCode=\"C62\">",
        "<ram:BilledQuantity>",
        1,
    );
    assert!(fatal(&no_billed_unit, "CII-DT-033"));
}

#[test]
fn trade_taxes() {
    let gst = mutate(
        LINE_TAX_TYPE,
        "<ram:TypeCode>GST</ram:TypeCode>\n          <ram:CategoryCode>S</ram:CategoryCode>",
    );
    assert!(fatal(&gst, "CII-DT-037"));

    let line_extras = mutate(
        LINE_TAX_TYPE,
        "<ram:TypeCode>VAT</ram:TypeCode><ram:CalculatedRate>19</ram:CalculatedRate><ram:BasisAmount>100.00</ram:BasisAmount>\n          <ram:CategoryCode listID=\"5305\">S</ram:CategoryCode>",
    );
    assert!(warns(&line_extras, "CII-DT-038"));
    assert!(warns(&line_extras, "CII-DT-041"));
    assert!(warns(&line_extras, "CII-DT-045"));
    // The header VAT breakdown may have a BasisAmount (the fixture has one).
    assert!(quiet(CII, "CII-DT-041"));

    let header_format = mutate(
        "<ram:RateApplicablePercent>19</ram:RateApplicablePercent>\n      </ram:ApplicableTradeTax>\n      <ram:SpecifiedTradePaymentTerms>",
        "<ram:RateApplicablePercent format=\"x\">19</ram:RateApplicablePercent>\n      </ram:ApplicableTradeTax>\n      <ram:SpecifiedTradePaymentTerms>",
    );
    assert!(warns(&header_format, "CII-DT-059"));
    // Category code attributes are only discouraged on the lines.
    let header_list = mutate(
        "<ram:BasisAmount>100.00</ram:BasisAmount>\n        <ram:CategoryCode>S</ram:CategoryCode>",
        "<ram:BasisAmount>100.00</ram:BasisAmount>\n        <ram:CategoryCode listID=\"5305\">S</ram:CategoryCode>",
    );
    assert!(quiet(&header_list, "CII-DT-045"));

    let allowance_reason = before(
        HEADER_TAX,
        "<ram:SpecifiedTradeAllowanceCharge><ram:ChargeIndicator><udt:Indicator>false</udt:Indicator></ram:ChargeIndicator><ram:ActualAmount>0.00</ram:ActualAmount><ram:Reason>Discount</ram:Reason><ram:CategoryTradeTax><ram:TypeCode>VAT</ram:TypeCode><ram:ExemptionReason>x</ram:ExemptionReason><ram:CategoryCode>S</ram:CategoryCode><ram:RateApplicablePercent>19</ram:RateApplicablePercent></ram:CategoryTradeTax></ram:SpecifiedTradeAllowanceCharge>",
    );
    assert!(warns(&allowance_reason, "CII-DT-098"));
    assert!(quiet(&allowance_reason, "CII-DT-052"));
}

#[test]
fn periods_addresses_dates() {
    let period = |inner: &str| {
        before(
            PAYMENT_TERMS,
            &format!("<ram:BillingSpecifiedPeriod>{inner}</ram:BillingSpecifiedPeriod>"),
        )
    };
    let plain = period("<ram:StartDateTime><udt:DateTimeString format=\"102\">20260101</udt:DateTimeString></ram:StartDateTime>");
    assert!(quiet(&plain, "CII-DT-068"));
    assert!(fatal(
        &period("<ram:StartDateTime><udt:DateTime>2026-01-01T00:00:00</udt:DateTime></ram:StartDateTime>"),
        "CII-DT-068"
    ));
    assert!(fatal(
        &period("<ram:Description>January</ram:Description><ram:StartDateTime><udt:DateTimeString format=\"102\">20260101</udt:DateTimeString></ram:StartDateTime>"),
        "CII-DT-071"
    ));

    let street = mutate(
        SELLER_ADDRESS,
        "<ram:PostalTradeAddress><ram:StreetName>Main</ram:StreetName><ram:PostcodeCode>10115</ram:PostcodeCode>",
    );
    assert!(fatal(&street, "CII-DT-088"));
    let buyer_box = mutate(
        "<ram:PostalTradeAddress><ram:PostcodeCode>80331</ram:PostcodeCode>",
        "<ram:PostalTradeAddress><ram:PostcodeCode>80331</ram:PostcodeCode><ram:PostOfficeBox>12</ram:PostOfficeBox>",
    );
    assert!(fatal(&buyer_box, "CII-DT-083"));
    assert!(quiet(&buyer_box, "CII-DT-088"));

    let dashed = mutate(">20260105<", ">2026-01-05<");
    assert!(fatal(&dashed, "CII-DT-097"));
    let bad_month = mutate(">20260105<", ">20261305<");
    assert!(fatal(&bad_month, "CII-DT-097"));
    let other_format = mutate(
        "<udt:DateTimeString format=\"102\">20260105<",
        "<udt:DateTimeString format=\"610\">202601<",
    );
    assert!(quiet(&other_format, "CII-DT-097"));
}

/// The fixture with `n` copies of its line, each with `extra` put before the line's VAT
/// category code (totals are not kept consistent; only the syntax pass matters here).
fn with_lines(n: usize, extra: &str) -> String {
    let start = CII.find("<ram:IncludedSupplyChainTradeLineItem>").unwrap();
    let end = CII.find("<ram:ApplicableHeaderTradeAgreement>").unwrap();
    let line = CII[start..end].replacen(
        LINE_TAX_TYPE,
        &format!("<ram:TypeCode>VAT</ram:TypeCode>{extra}<ram:CategoryCode>S</ram:CategoryCode>"),
        1,
    );
    let mut out = String::with_capacity(CII.len() + line.len() * n);
    out.push_str(&CII[..start]);
    for _ in 0..n {
        out.push_str(&line);
    }
    out.push_str(&CII[end..]);
    out
}

/// Throughput of the CII rules on 100,000 lines (run with `--release -- --ignored
/// --nocapture`). A finding on every line is left out on purpose: reporting a finding costs
/// time proportional to its offset in the document (line/column and path lookup in the
/// shared reporting code), so 100,000 findings are quadratic whatever the rule does.
#[test]
#[ignore]
fn hundred_thousand_lines() {
    let xml = with_lines(100_000, "");
    let t = std::time::Instant::now();
    let r = run(&xml);
    println!(
        "100000 CII lines ({} MB): {:?}, {} findings",
        xml.len() / 1_000_000,
        t.elapsed(),
        r.findings.len()
    );
}
