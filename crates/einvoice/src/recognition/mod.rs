//! Invoices from PDFs without structured data: the text of the PDF ([`text`]), the key
//! fields recognised in it ([`fields`]), their checks ([`check`]) and, once a person has
//! completed them, a Peppol BIS Billing 3.0 UBL invoice made from them ([`compose`]).
//!
//! Pure, like the rest of the crate: bytes in, fields out, fields in, XML out. Scanned
//! PDFs and images have no text to extract: an OCR adapter reads them, and [`ocr`] lays its
//! words out in the same rows and cells, for the same recognition.

pub mod compose;
pub mod fields;
pub mod ocr;
pub mod parse;
pub mod text;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use compose::{compose_invoice, Party, Visual};
pub use fields::recognize;
pub use ocr::text_from_tsv;
pub use text::{extract_text, PdfText, TextError};

/// One rate of the VAT breakdown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VatLine {
    /// The rate in percent (`21`, `9`, `0`).
    #[schema(pattern = r"^-?[0-9]{1,15}(\.[0-9]{1,6})?$", value_type = String, example = "21")]
    pub rate: Decimal,
    /// The amount the rate applies to.
    #[schema(pattern = r"^-?[0-9]{1,15}(\.[0-9]{1,6})?$", value_type = Option<String>, example = "1000.00")]
    pub taxable_amount: Option<Decimal>,
    /// The VAT at this rate.
    #[schema(pattern = r"^-?[0-9]{1,15}(\.[0-9]{1,6})?$", value_type = String, example = "210.00")]
    pub tax_amount: Decimal,
}

/// The key fields of an invoice, as recognised and then corrected by a person. Every field
/// may be missing until the invoice is completed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct InvoiceFields {
    pub seller_name: Option<String>,
    /// The seller's KvK number (8 digits).
    pub seller_kvk: Option<String>,
    /// The seller's VAT number (`NL` + 9 digits + `B` + 2 digits, or another EU one).
    pub seller_vat: Option<String>,
    pub seller_street: Option<String>,
    pub seller_postal_code: Option<String>,
    pub seller_city: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub seller_country: Option<String>,
    pub buyer_name: Option<String>,
    pub buyer_kvk: Option<String>,
    pub buyer_vat: Option<String>,
    pub buyer_street: Option<String>,
    pub buyer_postal_code: Option<String>,
    pub buyer_city: Option<String>,
    pub buyer_country: Option<String>,
    pub invoice_number: Option<String>,
    /// `YYYY-MM-DD`.
    pub issue_date: Option<String>,
    /// `YYYY-MM-DD`.
    pub due_date: Option<String>,
    /// ISO 4217 (`EUR`).
    pub currency: Option<String>,
    /// Total without VAT.
    #[schema(pattern = r"^-?[0-9]{1,15}(\.[0-9]{1,6})?$", value_type = Option<String>, example = "1000.00")]
    pub net_total: Option<Decimal>,
    #[schema(pattern = r"^-?[0-9]{1,15}(\.[0-9]{1,6})?$", value_type = Option<String>, example = "210.00")]
    pub vat_total: Option<Decimal>,
    /// The amount due.
    #[schema(pattern = r"^-?[0-9]{1,15}(\.[0-9]{1,6})?$", value_type = Option<String>, example = "1210.00")]
    pub payable: Option<Decimal>,
    pub vat_breakdown: Vec<VatLine>,
    /// The seller's account for payment (checked with ISO 13616 mod 97).
    pub iban: Option<String>,
    /// The buyer's reference (BT-10), or their purchase order number.
    pub buyer_reference: Option<String>,
}

impl InvoiceFields {
    /// Whether enough was recognised to take the text for an invoice: a number or a date,
    /// and an amount.
    #[must_use]
    pub fn looks_like_an_invoice(&self) -> bool {
        (self.invoice_number.is_some() || self.issue_date.is_some())
            && (self.payable.is_some() || self.net_total.is_some() || self.vat_total.is_some())
    }
}

/// One problem with one field: its name (camelCase, as in the API; `vatBreakdown[1].rate`),
/// a stable code and a sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    pub field: String,
    pub code: &'static str,
    pub message: String,
}

fn problem(
    field: impl Into<String>,
    code: &'static str,
    message: impl Into<String>,
) -> FieldProblem {
    FieldProblem {
        field: field.into(),
        code,
        message: message.into(),
    }
}

/// The form of every field that is filled: dates, amounts, identifiers with their checks.
/// Missing fields are fine here; [`compose_invoice`] asks for the ones an invoice needs.
#[must_use]
pub fn check(fields: &InvoiceFields) -> Vec<FieldProblem> {
    let mut problems = Vec::new();
    let text_fields = [
        ("sellerName", &fields.seller_name, 200),
        ("sellerStreet", &fields.seller_street, 200),
        ("sellerCity", &fields.seller_city, 100),
        ("sellerPostalCode", &fields.seller_postal_code, 20),
        ("buyerName", &fields.buyer_name, 200),
        ("buyerStreet", &fields.buyer_street, 200),
        ("buyerCity", &fields.buyer_city, 100),
        ("buyerPostalCode", &fields.buyer_postal_code, 20),
        ("invoiceNumber", &fields.invoice_number, 100),
        ("buyerReference", &fields.buyer_reference, 200),
    ];
    for (name, value, max) in text_fields {
        if let Some(value) = value {
            if value.trim().is_empty() {
                problems.push(problem(name, "blank", "Leave it out or fill it in."));
            } else if value.chars().count() > max {
                problems.push(problem(
                    name,
                    "too_long",
                    format!("At most {max} characters."),
                ));
            } else if value.chars().any(char::is_control) {
                problems.push(problem(
                    name,
                    "invalid",
                    "Control characters are not allowed.",
                ));
            }
        }
    }
    for (name, value) in [
        ("issueDate", &fields.issue_date),
        ("dueDate", &fields.due_date),
    ] {
        if value.as_deref().is_some_and(|d| !parse::is_iso_date(d)) {
            problems.push(problem(
                name,
                "invalid_date",
                "A date as YYYY-MM-DD that exists.",
            ));
        }
    }
    if let (Some(issue), Some(due)) = (&fields.issue_date, &fields.due_date) {
        if parse::is_iso_date(issue) && parse::is_iso_date(due) && due < issue {
            problems.push(problem(
                "dueDate",
                "before_issue_date",
                "The due date is before the issue date.",
            ));
        }
    }
    if let Some(currency) = &fields.currency {
        if !(currency.len() == 3 && currency.chars().all(|c| c.is_ascii_uppercase())) {
            problems.push(problem(
                "currency",
                "invalid_currency",
                "An ISO 4217 code such as EUR.",
            ));
        }
    }
    for (name, value) in [
        ("sellerKvk", &fields.seller_kvk),
        ("buyerKvk", &fields.buyer_kvk),
    ] {
        if value
            .as_deref()
            .is_some_and(|k| !(k.len() == 8 && k.chars().all(|c| c.is_ascii_digit())))
        {
            problems.push(problem(name, "invalid_kvk", "A KvK number has 8 digits."));
        }
    }
    for (name, value) in [
        ("sellerVat", &fields.seller_vat),
        ("buyerVat", &fields.buyer_vat),
    ] {
        if value.as_deref().is_some_and(|v| !vat_form(v)) {
            problems.push(problem(
                name,
                "invalid_vat",
                "A VAT number: a country code and its digits, such as NL001234567B01.",
            ));
        }
    }
    for (name, value) in [
        ("sellerCountry", &fields.seller_country),
        ("buyerCountry", &fields.buyer_country),
    ] {
        if value
            .as_deref()
            .is_some_and(|c| !(c.len() == 2 && c.chars().all(|c| c.is_ascii_uppercase())))
        {
            problems.push(problem(
                name,
                "invalid_country",
                "An ISO 3166 country code such as NL.",
            ));
        }
    }
    if fields
        .iban
        .as_deref()
        .is_some_and(|i| !parse::iban_valid(i))
    {
        problems.push(problem(
            "iban",
            "invalid_iban",
            "Not an IBAN: its check digits (mod 97) are wrong. Write it without spaces.",
        ));
    }
    for (name, value) in [
        ("netTotal", fields.net_total),
        ("vatTotal", fields.vat_total),
        ("payable", fields.payable),
    ] {
        if value.is_some_and(|v| v.scale() > 2 || v.abs() > Decimal::from(1_000_000_000_000i64)) {
            problems.push(problem(
                name,
                "invalid_amount",
                "An amount with at most 2 decimals.",
            ));
        }
    }
    if fields.vat_breakdown.len() > 10 {
        problems.push(problem("vatBreakdown", "too_many", "At most 10 VAT rates."));
    }
    for (i, line) in fields.vat_breakdown.iter().enumerate() {
        if line.rate.is_sign_negative() || line.rate > Decimal::ONE_HUNDRED || line.rate.scale() > 2
        {
            problems.push(problem(
                format!("vatBreakdown[{i}].rate"),
                "invalid_rate",
                "A rate from 0 to 100.",
            ));
        }
        if line.tax_amount.scale() > 2 {
            problems.push(problem(
                format!("vatBreakdown[{i}].taxAmount"),
                "invalid_amount",
                "An amount with at most 2 decimals.",
            ));
        }
        if line.taxable_amount.is_some_and(|a| a.scale() > 2) {
            problems.push(problem(
                format!("vatBreakdown[{i}].taxableAmount"),
                "invalid_amount",
                "An amount with at most 2 decimals.",
            ));
        }
    }
    problems
}

/// A VAT number's form: two letters, then 2 to 13 letters or digits.
fn vat_form(vat: &str) -> bool {
    let bytes = vat.as_bytes();
    (4..=15).contains(&bytes.len())
        && bytes[..2].iter().all(u8::is_ascii_uppercase)
        && bytes[2..]
            .iter()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        && (!vat.starts_with("NL") || parse::vat_in(vat).as_deref() == Some(vat))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn check_names_each_bad_field() {
        let fields = InvoiceFields {
            issue_date: Some("2026-02-30".into()),
            due_date: Some("04-12-2026".into()),
            currency: Some("euro".into()),
            seller_kvk: Some("1234".into()),
            seller_vat: Some("NL12".into()),
            iban: Some("NL92ABNA0417164300".into()),
            payable: Some("1.234".parse().unwrap()),
            vat_breakdown: vec![VatLine {
                rate: "121".parse().unwrap(),
                taxable_amount: None,
                tax_amount: "1".parse().unwrap(),
            }],
            invoice_number: Some("  ".into()),
            ..InvoiceFields::default()
        };
        let fields_named: Vec<String> = check(&fields).into_iter().map(|p| p.field).collect();
        assert_eq!(
            fields_named,
            [
                "invoiceNumber",
                "issueDate",
                "dueDate",
                "currency",
                "sellerKvk",
                "sellerVat",
                "iban",
                "payable",
                "vatBreakdown[0].rate"
            ]
        );
        assert!(check(&InvoiceFields::default()).is_empty());
    }

    #[test]
    fn fields_travel_as_camel_case_json_with_amounts_as_strings() {
        let json = r#"{"sellerName":"A BV","payable":"12.50","vatBreakdown":[{"rate":"21","taxableAmount":null,"taxAmount":"2.17"}]}"#;
        let fields: InvoiceFields = serde_json::from_str(json).unwrap();
        assert_eq!(fields.payable, Some("12.50".parse().unwrap()));
        let back = serde_json::to_value(&fields).unwrap();
        assert_eq!(back["payable"], "12.50");
        assert!(serde_json::from_str::<InvoiceFields>(r#"{"unknown":1}"#).is_err());
    }
}
