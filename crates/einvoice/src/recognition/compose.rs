//! A Peppol BIS Billing 3.0 UBL invoice made from completed fields: the header, both
//! parties, payment by credit transfer to the IBAN, the VAT breakdown and one invoice line
//! per VAT rate (the PDF stays the visual for the detail).

use std::fmt::Write as _;

use rust_decimal::Decimal;

use super::{check, problem, FieldProblem, InvoiceFields};

/// One side of the invoice as the UBL needs it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Party {
    pub name: String,
    /// The electronic address (BT-34 / BT-49): EAS scheme and value (`0106`, `12345678`).
    pub endpoint: (String, String),
    pub kvk: Option<String>,
    pub vat: Option<String>,
    pub street: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub country: String,
}

impl Party {
    /// The seller as the fields name it; `None` with the problems when something it needs is
    /// missing. The endpoint is the KvK number (0106) or else a Dutch VAT number (9944).
    ///
    /// # Errors
    /// The missing fields, by name.
    pub fn seller_from(fields: &InvoiceFields) -> Result<Party, Vec<FieldProblem>> {
        side(
            "seller",
            fields.seller_name.as_deref(),
            fields.seller_kvk.as_deref(),
            fields.seller_vat.as_deref(),
            [
                &fields.seller_street,
                &fields.seller_postal_code,
                &fields.seller_city,
            ],
            fields.seller_country.as_deref(),
        )
    }

    /// The buyer as the fields name it (see [`Party::seller_from`]).
    ///
    /// # Errors
    /// The missing fields, by name.
    pub fn buyer_from(fields: &InvoiceFields) -> Result<Party, Vec<FieldProblem>> {
        side(
            "buyer",
            fields.buyer_name.as_deref(),
            fields.buyer_kvk.as_deref(),
            fields.buyer_vat.as_deref(),
            [
                &fields.buyer_street,
                &fields.buyer_postal_code,
                &fields.buyer_city,
            ],
            fields.buyer_country.as_deref(),
        )
    }
}

fn side(
    prefix: &str,
    name: Option<&str>,
    kvk: Option<&str>,
    vat: Option<&str>,
    [street, postal_code, city]: [&Option<String>; 3],
    country: Option<&str>,
) -> Result<Party, Vec<FieldProblem>> {
    let mut problems = Vec::new();
    if name.is_none() {
        problems.push(problem(
            format!("{prefix}Name"),
            "required",
            "The name is required.",
        ));
    }
    let endpoint = match (kvk, vat) {
        (Some(kvk), _) => Some(("0106".to_owned(), kvk.to_owned())),
        (None, Some(vat)) if vat.starts_with("NL") => Some(("9944".to_owned(), vat.to_owned())),
        _ => None,
    };
    if endpoint.is_none() {
        problems.push(problem(
            format!("{prefix}Kvk"),
            "required",
            "A KvK number (or a Dutch VAT number) is needed as the Peppol address.",
        ));
    }
    let country = country
        .map(str::to_owned)
        .or_else(|| vat.map(|v| v[..2].to_owned()))
        .unwrap_or_else(|| "NL".to_owned());
    if country == "NL" {
        // Peppol's Dutch rules (NL-R-002, NL-R-004) want the whole address.
        for (field, value) in [
            ("Street", street),
            ("PostalCode", postal_code),
            ("City", city),
        ] {
            if value.is_none() {
                problems.push(problem(
                    format!("{prefix}{field}"),
                    "required",
                    "A Dutch address needs street, postal code and city.",
                ));
            }
        }
    }
    match (name, endpoint) {
        (Some(name), Some(endpoint)) if problems.is_empty() => Ok(Party {
            name: name.to_owned(),
            endpoint,
            kvk: kvk.map(str::to_owned),
            vat: vat.map(str::to_owned),
            street: street.clone(),
            postal_code: postal_code.clone(),
            city: city.clone(),
            country,
        }),
        _ => Err(problems),
    }
}

/// The PDF the fields were read from, embedded in the invoice as its visual (BG-24).
#[derive(Debug, Clone, Copy)]
pub struct Visual<'a> {
    pub filename: &'a str,
    pub pdf: &'a [u8],
}

/// The UBL invoice for completed fields, `seller` and `buyer` as they go on it, with the PDF
/// it was read from when there is one.
///
/// # Errors
/// The fields that are missing or wrong, by name; the caller validates the result with the
/// engine for the rest (totals that do not add up, for example).
pub fn compose_invoice(
    fields: &InvoiceFields,
    seller: &Party,
    buyer: &Party,
    visual: Option<Visual<'_>>,
) -> Result<Vec<u8>, Vec<FieldProblem>> {
    let mut problems = check(fields);
    let required = |name: &str, present: bool, problems: &mut Vec<FieldProblem>| {
        if !present {
            problems.push(problem(
                name,
                "required",
                "Required to complete the invoice.",
            ));
        }
    };
    required(
        "invoiceNumber",
        fields.invoice_number.is_some(),
        &mut problems,
    );
    required("issueDate", fields.issue_date.is_some(), &mut problems);
    required("payable", fields.payable.is_some(), &mut problems);
    required(
        "vatBreakdown",
        !fields.vat_breakdown.is_empty(),
        &mut problems,
    );
    required(
        "buyerReference",
        fields.buyer_reference.is_some(),
        &mut problems,
    );
    for (i, line) in fields.vat_breakdown.iter().enumerate() {
        required(
            &format!("vatBreakdown[{i}].taxableAmount"),
            line.taxable_amount.is_some(),
            &mut problems,
        );
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let currency = fields.currency.as_deref().unwrap_or("EUR");
    let money = |value: Decimal| {
        let mut v = value.round_dp(2);
        v.rescale(2);
        format!(r#"currencyID="{currency}">{v}"#)
    };
    let lines_total: Decimal = fields
        .vat_breakdown
        .iter()
        .filter_map(|l| l.taxable_amount)
        .sum();
    let vat_total: Decimal = fields.vat_breakdown.iter().map(|l| l.tax_amount).sum();
    let inclusive = lines_total + vat_total;
    let payable = fields.payable.unwrap_or(inclusive);

    let mut x = String::with_capacity(4096);
    x.push_str(concat!(
        r#"<?xml version="1.0" encoding="UTF-8"?>"#,
        "\n",
        r#"<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" "#,
        r#"xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" "#,
        r#"xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">"#,
        "\n",
        "<cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0</cbc:CustomizationID>\n",
        "<cbc:ProfileID>urn:fdc:peppol.eu:2017:poacc:billing:01:1.0</cbc:ProfileID>\n",
    ));
    let e = escape;
    let _ = writeln!(
        x,
        "<cbc:ID>{}</cbc:ID>",
        e(fields.invoice_number.as_deref().unwrap_or_default())
    );
    let _ = writeln!(
        x,
        "<cbc:IssueDate>{}</cbc:IssueDate>",
        e(fields.issue_date.as_deref().unwrap_or_default())
    );
    if let Some(due) = &fields.due_date {
        let _ = writeln!(x, "<cbc:DueDate>{}</cbc:DueDate>", e(due));
    }
    x.push_str("<cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>\n");
    let _ = writeln!(
        x,
        "<cbc:DocumentCurrencyCode>{}</cbc:DocumentCurrencyCode>",
        e(currency)
    );
    if let Some(reference) = &fields.buyer_reference {
        let _ = writeln!(
            x,
            "<cbc:BuyerReference>{}</cbc:BuyerReference>",
            e(reference)
        );
    }
    if let Some(visual) = visual {
        use base64::Engine as _;
        let _ = writeln!(
            x,
            "<cac:AdditionalDocumentReference>\n<cbc:ID>{}</cbc:ID>\n<cbc:DocumentDescription>Original PDF</cbc:DocumentDescription>\n<cac:Attachment><cbc:EmbeddedDocumentBinaryObject mimeCode=\"application/pdf\" filename=\"{}\">{}</cbc:EmbeddedDocumentBinaryObject></cac:Attachment>\n</cac:AdditionalDocumentReference>",
            e(visual.filename),
            e(visual.filename),
            base64::engine::general_purpose::STANDARD.encode(visual.pdf)
        );
    }
    party(&mut x, "AccountingSupplierParty", seller);
    party(&mut x, "AccountingCustomerParty", buyer);
    x.push_str("<cac:PaymentMeans>\n<cbc:PaymentMeansCode>58</cbc:PaymentMeansCode>\n");
    if let Some(iban) = &fields.iban {
        let _ = writeln!(
            x,
            "<cac:PayeeFinancialAccount><cbc:ID>{}</cbc:ID></cac:PayeeFinancialAccount>",
            e(iban)
        );
    }
    x.push_str("</cac:PaymentMeans>\n");
    let _ = writeln!(
        x,
        "<cac:TaxTotal>\n<cbc:TaxAmount {}</cbc:TaxAmount>",
        money(vat_total)
    );
    for line in &fields.vat_breakdown {
        let _ = writeln!(
            x,
            "<cac:TaxSubtotal>\n<cbc:TaxableAmount {}</cbc:TaxableAmount>\n<cbc:TaxAmount {}</cbc:TaxAmount>",
            money(line.taxable_amount.unwrap_or_default()),
            money(line.tax_amount)
        );
        category(&mut x, "TaxCategory", line.rate);
        x.push_str("</cac:TaxSubtotal>\n");
    }
    x.push_str("</cac:TaxTotal>\n<cac:LegalMonetaryTotal>\n");
    let _ = writeln!(
        x,
        "<cbc:LineExtensionAmount {}</cbc:LineExtensionAmount>",
        money(lines_total)
    );
    let _ = writeln!(
        x,
        "<cbc:TaxExclusiveAmount {}</cbc:TaxExclusiveAmount>",
        money(lines_total)
    );
    let _ = writeln!(
        x,
        "<cbc:TaxInclusiveAmount {}</cbc:TaxInclusiveAmount>",
        money(inclusive)
    );
    if payable != inclusive {
        // Paid before (a deposit): what is left is the amount due (BR-CO-16).
        let _ = writeln!(
            x,
            "<cbc:PrepaidAmount {}</cbc:PrepaidAmount>",
            money(inclusive - payable)
        );
    }
    let _ = writeln!(
        x,
        "<cbc:PayableAmount {}</cbc:PayableAmount>",
        money(payable)
    );
    x.push_str("</cac:LegalMonetaryTotal>\n");
    let description = format!(
        "Invoice {}",
        fields.invoice_number.as_deref().unwrap_or_default()
    );
    for (i, line) in fields.vat_breakdown.iter().enumerate() {
        let net = line.taxable_amount.unwrap_or_default();
        let _ = writeln!(
            x,
            "<cac:InvoiceLine>\n<cbc:ID>{}</cbc:ID>\n<cbc:InvoicedQuantity unitCode=\"C62\">1</cbc:InvoicedQuantity>\n<cbc:LineExtensionAmount {}</cbc:LineExtensionAmount>\n<cac:Item>\n<cbc:Name>{}</cbc:Name>",
            i + 1,
            money(net),
            e(&description)
        );
        category(&mut x, "ClassifiedTaxCategory", line.rate);
        let _ = writeln!(
            x,
            "</cac:Item>\n<cac:Price><cbc:PriceAmount {}</cbc:PriceAmount></cac:Price>\n</cac:InvoiceLine>",
            money(net)
        );
    }
    x.push_str("</Invoice>\n");
    Ok(x.into_bytes())
}

/// Standard rate when there is a rate, zero-rated (`Z`) at 0 %.
fn category(x: &mut String, element: &str, rate: Decimal) {
    let code = if rate.is_zero() { "Z" } else { "S" };
    let _ = writeln!(
        x,
        "<cac:{element}><cbc:ID>{code}</cbc:ID><cbc:Percent>{}</cbc:Percent><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:{element}>",
        rate.normalize()
    );
}

fn party(x: &mut String, role: &str, p: &Party) {
    let e = escape;
    let _ = writeln!(
        x,
        "<cac:{role}>\n<cac:Party>\n<cbc:EndpointID schemeID=\"{}\">{}</cbc:EndpointID>\n<cac:PostalAddress>",
        e(&p.endpoint.0),
        e(&p.endpoint.1)
    );
    if let Some(street) = &p.street {
        let _ = writeln!(x, "<cbc:StreetName>{}</cbc:StreetName>", e(street));
    }
    if let Some(city) = &p.city {
        let _ = writeln!(x, "<cbc:CityName>{}</cbc:CityName>", e(city));
    }
    if let Some(postal_code) = &p.postal_code {
        let _ = writeln!(x, "<cbc:PostalZone>{}</cbc:PostalZone>", e(postal_code));
    }
    let _ = writeln!(
        x,
        "<cac:Country><cbc:IdentificationCode>{}</cbc:IdentificationCode></cac:Country>\n</cac:PostalAddress>",
        e(&p.country)
    );
    if let Some(vat) = &p.vat {
        let _ = writeln!(
            x,
            "<cac:PartyTaxScheme><cbc:CompanyID>{}</cbc:CompanyID><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>",
            e(vat)
        );
    }
    let _ = writeln!(
        x,
        "<cac:PartyLegalEntity>\n<cbc:RegistrationName>{}</cbc:RegistrationName>",
        e(&p.name)
    );
    if let Some(kvk) = &p.kvk {
        let _ = writeln!(
            x,
            "<cbc:CompanyID schemeID=\"0106\">{}</cbc:CompanyID>",
            e(kvk)
        );
    }
    let _ = writeln!(x, "</cac:PartyLegalEntity>\n</cac:Party>\n</cac:{role}>");
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::recognition::VatLine;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    pub(crate) fn complete() -> InvoiceFields {
        InvoiceFields {
            seller_name: Some("Haven Leverancier B.V.".into()),
            seller_kvk: Some("12345678".into()),
            seller_vat: Some("NL001234567B01".into()),
            seller_street: Some("Havenstraat 1".into()),
            seller_postal_code: Some("3011 AA".into()),
            seller_city: Some("Rotterdam".into()),
            buyer_name: Some("Haven Afnemer BV".into()),
            buyer_kvk: Some("87654321".into()),
            buyer_street: Some("Kade 2".into()),
            buyer_postal_code: Some("3511 AB".into()),
            buyer_city: Some("Utrecht".into()),
            invoice_number: Some("2026-0042".into()),
            issue_date: Some("2026-12-04".into()),
            due_date: Some("2027-01-03".into()),
            currency: Some("EUR".into()),
            net_total: Some(d("1500.00")),
            vat_total: Some(d("255.00")),
            payable: Some(d("1755.00")),
            vat_breakdown: vec![
                VatLine {
                    rate: d("21"),
                    taxable_amount: Some(d("1000")),
                    tax_amount: d("210"),
                },
                VatLine {
                    rate: d("9"),
                    taxable_amount: Some(d("500")),
                    tax_amount: d("45"),
                },
            ],
            iban: Some("NL91ABNA0417164300".into()),
            buyer_reference: Some("PO-77 & co".into()),
            ..InvoiceFields::default()
        }
    }

    #[test]
    fn completed_fields_make_a_valid_peppol_invoice() {
        let fields = complete();
        let seller = Party::seller_from(&fields).unwrap();
        let buyer = Party::buyer_from(&fields).unwrap();
        let pdf = b"%PDF-1.4 the original";
        let xml = compose_invoice(
            &fields,
            &seller,
            &buyer,
            Some(Visual {
                filename: "f.pdf",
                pdf,
            }),
        )
        .unwrap();
        let report = crate::validate(&xml, &crate::ValidateOptions::default());
        let fatal: Vec<_> = report
            .findings
            .iter()
            .filter(|f| f.severity == crate::Severity::Fatal)
            .map(|f| format!("{} {}", f.rule_id, f.message))
            .collect();
        assert!(
            report.valid,
            "{fatal:#?}\n{}",
            String::from_utf8_lossy(&xml)
        );
        let text = String::from_utf8(xml).unwrap();
        assert!(text.contains("<cbc:BuyerReference>PO-77 &amp; co</cbc:BuyerReference>"));
        assert!(text.contains(r#"<cbc:PayableAmount currencyID="EUR">1755.00</cbc:PayableAmount>"#));
    }

    #[test]
    fn missing_essentials_are_named() {
        let fields = InvoiceFields {
            vat_breakdown: vec![VatLine {
                rate: d("21"),
                taxable_amount: None,
                tax_amount: d("1"),
            }],
            ..InvoiceFields::default()
        };
        let problems: Vec<String> =
            compose_invoice(&fields, &Party::default(), &Party::default(), None)
                .unwrap_err()
                .into_iter()
                .map(|p| p.field)
                .collect();
        assert_eq!(
            problems,
            [
                "invoiceNumber",
                "issueDate",
                "payable",
                "buyerReference",
                "vatBreakdown[0].taxableAmount"
            ]
        );
        let seller: Vec<String> = Party::seller_from(&InvoiceFields::default())
            .unwrap_err()
            .into_iter()
            .map(|p| p.field)
            .collect();
        assert_eq!(
            seller,
            [
                "sellerName",
                "sellerKvk",
                "sellerStreet",
                "sellerPostalCode",
                "sellerCity"
            ]
        );
    }
}
