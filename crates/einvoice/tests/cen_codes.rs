//! BR-CL-* code list rules on Haven's own fixtures (UBL and CII), mutated per case.
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

fn cen_fatal(r: &ValidationReport) -> Vec<String> {
    r.findings
        .iter()
        .filter(|f| f.severity == Severity::Fatal)
        .map(|f| f.rule_id.clone())
        .collect()
}

fn mutate(base: &str, from: &str, to: &str) -> String {
    assert!(base.contains(from), "fixture lacks {from}");
    base.replacen(from, to, 1)
}

/// The mutation fires `id` (other rules may follow from the same change).
fn fires(base: &str, from: &str, to: &str, id: &str) {
    let r = run(&mutate(base, from, to));
    assert!(
        cen_fatal(&r).iter().any(|f| f == id),
        "{from} -> {to}: {:?}",
        r.findings
    );
}

#[test]
fn fixtures_pass_all_code_lists() {
    for x in [UBL, CII] {
        let r = run(x);
        assert!(r.valid, "{:?}", r.findings);
    }
}

#[test]
fn ubl_code_lists() {
    let it = "<cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>";
    fires(
        UBL,
        it,
        "<cbc:InvoiceTypeCode>381</cbc:InvoiceTypeCode>",
        "BR-CL-01",
    );
    fires(
        UBL,
        it,
        "<cbc:InvoiceTypeCode>38 0</cbc:InvoiceTypeCode>",
        "BR-CL-01",
    );
    let cur = "<cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>";
    fires(UBL, cur, "<cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode><cbc:TaxCurrencyCode>EURO</cbc:TaxCurrencyCode>", "BR-CL-05");
    fires(
        UBL,
        ">NL</cbc:IdentificationCode>",
        ">XX</cbc:IdentificationCode>",
        "BR-CL-14",
    );
    fires(
        UBL,
        "<cbc:PaymentMeansCode>30<",
        "<cbc:PaymentMeansCode>71<",
        "BR-CL-16",
    );
    fires(UBL, "unitCode=\"C62\"", "unitCode=\"PIECES\"", "BR-CL-23");
    fires(
        UBL,
        "<cbc:EndpointID schemeID=\"0106\">",
        "<cbc:EndpointID schemeID=\"XX\">",
        "BR-CL-25",
    );
    fires(
        UBL,
        "<cbc:CompanyID schemeID=\"0106\">",
        "<cbc:CompanyID schemeID=\"KVK\">",
        "BR-CL-11",
    );
    // A missing currency on an amount is reported too (the official test compares '' with the list).
    let r = run(&UBL.replacen(" currencyID=\"EUR\"", "", 1));
    assert!(cen_fatal(&r).contains(&"BR-CL-03".to_string()));
    // Note subject codes: only "#XXX#" with three letters is checked.
    fires(
        UBL,
        cur,
        &format!("<cbc:Note>#ZZY#Hello</cbc:Note>{cur}"),
        "BR-CL-08",
    );
    let r = run(&mutate(
        UBL,
        cur,
        &format!("<cbc:Note>#AAI#Hello #no# code</cbc:Note>{cur}"),
    ));
    assert!(r.valid, "{:?}", r.findings);
}

#[test]
fn cii_code_lists() {
    fires(
        CII,
        "<ram:TypeCode>380</ram:TypeCode>",
        "<ram:TypeCode>999</ram:TypeCode>",
        "BR-CL-01",
    );
    fires(CII, "currencyID=\"EUR\"", "currencyID=\"E\"", "BR-CL-03");
    fires(
        CII,
        "<ram:SubjectCode>AAI<",
        "<ram:SubjectCode>XYZ<",
        "BR-CL-08",
    );
    fires(
        CII,
        "<ram:GlobalID schemeID=\"0160\">",
        "<ram:GlobalID schemeID=\"GTIN\">",
        "BR-CL-21",
    );
    fires(
        CII,
        "<ram:ID schemeID=\"0002\">",
        "<ram:ID schemeID=\"HR\">",
        "BR-CL-11",
    );
    fires(CII, "listID=\"STI\"", "listID=\"XX\"", "BR-CL-13");
    fires(
        CII,
        "<ram:ID>DE</ram:ID>",
        "<ram:ID>GER</ram:ID>",
        "BR-CL-15",
    );
    fires(
        CII,
        "<ram:TypeCode>58</ram:TypeCode>",
        "<ram:TypeCode>100</ram:TypeCode>",
        "BR-CL-16",
    );
    fires(CII, "unitCode=\"C62\"", "unitCode=\"c62\"", "BR-CL-23");
    fires(
        CII,
        "<ram:URIID schemeID=\"9930\">",
        "<ram:URIID schemeID=\"9999\">",
        "BR-CL-25",
    );
    // Allowance reason codes: 5189 for allowances, 7161 for charges.
    let ac = |charge: bool, code: &str| {
        format!(
            "<ram:SpecifiedTradeAllowanceCharge><ram:ChargeIndicator><udt:Indicator>{charge}</udt:Indicator></ram:ChargeIndicator>\
             <ram:ActualAmount>0.00</ram:ActualAmount><ram:ReasonCode>{code}</ram:ReasonCode>\
             <ram:CategoryTradeTax><ram:TypeCode>VAT</ram:TypeCode><ram:CategoryCode>S</ram:CategoryCode><ram:RateApplicablePercent>19</ram:RateApplicablePercent></ram:CategoryTradeTax>\
             </ram:SpecifiedTradeAllowanceCharge><ram:SpecifiedTradePaymentTerms>"
        )
    };
    let terms = "<ram:SpecifiedTradePaymentTerms>";
    let totals = "<ram:TaxBasisTotalAmount>";
    let with_totals = |x: String| {
        x.replacen(
            totals,
            "<ram:ChargeTotalAmount>0.00</ram:ChargeTotalAmount><ram:AllowanceTotalAmount>0.00</ram:AllowanceTotalAmount><ram:TaxBasisTotalAmount>",
            1,
        )
    };
    let ok = run(&with_totals(mutate(CII, terms, &ac(false, "95"))));
    assert!(ok.valid, "{:?}", ok.findings);
    let bad = run(&with_totals(mutate(CII, terms, &ac(false, "FC"))));
    assert_eq!(cen_fatal(&bad), vec!["BR-CL-19"]);
    let ok = run(&with_totals(mutate(CII, terms, &ac(true, "FC"))));
    assert!(ok.valid, "{:?}", ok.findings);
    let bad = run(&with_totals(mutate(CII, terms, &ac(true, "95"))));
    assert_eq!(cen_fatal(&bad), vec!["BR-CL-20"]);
}
