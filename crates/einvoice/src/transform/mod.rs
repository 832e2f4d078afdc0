//! UBL 2.1 <-> UN/CEFACT CII D16B conversion through the EN 16931 semantic model.
//!
//! The source is read into [`Semantic`], an owned, syntax-neutral copy of every business
//! term EN 16931 defines (values kept exactly as written, dates converted between
//! `YYYY-MM-DD` and `YYYYMMDD`), and written out in the target syntax in schema order.
//! Elements outside EN 16931 (extensions, CIUS-specific data) are not carried over.
//!
//! Conventions where the syntaxes differ:
//! - UBL has no invoice note subject code (BT-21): a CII note with a subject code becomes
//!   the UBL note `#CODE#text`, and such a UBL note is split again on the way back.
//! - CII payment accounts are IBAN or proprietary: an account id that looks like an IBAN
//!   is written as `IBANID`, anything else as `ProprietaryID`.
//! - A CII document whose type code is a credit note code (81, 83, 381, 396, 532) becomes a
//!   UBL `CreditNote`; every other type code a UBL `Invoice`.

mod read;
mod terms;
mod write;

pub use terms::{business_terms, compare_business_terms, TermDifference};

use serde::Serialize;
use utoipa::ToSchema;

use crate::detect::Syntax;
use crate::report::Severity;
use crate::{validate, ValidateOptions};

/// Why a document could not be converted. Serialisable so an API can return it as a 422.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TransformError {
    /// Not well-formed XML, refused by the safe parser, or not UTF-8.
    #[error("the document could not be read: {message}")]
    Unreadable { message: String },
    /// Well-formed, but not a UBL 2.1 Invoice/CreditNote or CII D16B invoice.
    #[error("not an e-invoice: {message}")]
    NotAnInvoice { message: String },
    /// The source breaks EN 16931 rules, so a faithful conversion cannot be guaranteed.
    #[error("the document is not valid under EN 16931 ({}): {message}", rule_ids.join(", "))]
    InvalidSource {
        message: String,
        /// The fatal EN 16931 rule ids found in the source.
        rule_ids: Vec<String>,
    },
    /// The document uses a profile that is not EN 16931 compliant (e.g. Factur-X MINIMUM).
    #[error("the document cannot be represented in the target syntax: {message}")]
    NotRepresentable { message: String },
}

impl TransformError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            TransformError::Unreadable { .. } => "unreadable",
            TransformError::NotAnInvoice { .. } => "not_an_invoice",
            TransformError::InvalidSource { .. } => "invalid_source",
            TransformError::NotRepresentable { .. } => "not_representable",
        }
    }
}

/// Identifier with optional scheme (`@schemeID`, `@listID`, ...).
pub(crate) type Ident = (String, Option<String>);

#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Address {
    pub line1: Option<String>,
    pub line2: Option<String>,
    pub line3: Option<String>,
    pub city: Option<String>,
    pub zip: Option<String>,
    pub subdivision: Option<String>,
    pub country: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Contact {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Party {
    pub name: Option<String>,
    pub trading_name: Option<String>,
    pub ids: Vec<Ident>,
    pub legal_id: Option<Ident>,
    pub vat_id: Option<String>,
    pub tax_reg_id: Option<String>,
    pub legal_info: Option<String>,
    pub endpoint: Option<Ident>,
    pub address: Option<Address>,
    pub contact: Option<Contact>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct AllowanceCharge {
    pub charge: bool,
    pub amount: Option<String>,
    pub base: Option<String>,
    pub percent: Option<String>,
    pub category: Option<String>,
    pub rate: Option<String>,
    pub reason: Option<String>,
    pub reason_code: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct VatBreakdown {
    pub taxable: Option<String>,
    pub tax: Option<String>,
    pub category: Option<String>,
    pub rate: Option<String>,
    pub exemption_reason: Option<String>,
    pub exemption_code: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct PaymentMeans {
    pub code: Option<String>,
    pub text: Option<String>,
    pub remittance: Option<String>,
    /// BG-17: account id, account name, service provider id.
    pub account: Option<(Option<String>, Option<String>, Option<String>)>,
    /// BG-18: primary account number, holder name.
    pub card: Option<(Option<String>, Option<String>)>,
    /// BG-19: mandate reference, debited account.
    pub mandate: Option<(Option<String>, Option<String>)>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Attachment {
    pub id: Option<String>,
    pub description: Option<String>,
    pub uri: Option<String>,
    /// Embedded content: base64 text, MIME code, file name.
    pub binary: Option<(String, Option<String>, Option<String>)>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Delivery {
    pub name: Option<String>,
    pub location: Option<Ident>,
    pub date: Option<String>,
    pub address: Option<Address>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Totals {
    pub line_net: Option<String>,
    pub allowances: Option<String>,
    pub charges: Option<String>,
    pub without_vat: Option<String>,
    pub vat: Option<String>,
    pub vat_accounting: Option<String>,
    pub with_vat: Option<String>,
    pub prepaid: Option<String>,
    pub rounding: Option<String>,
    pub payable: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Line {
    pub id: Option<String>,
    pub note: Option<String>,
    pub object: Option<Ident>,
    pub quantity: Option<String>,
    pub unit: Option<String>,
    pub net: Option<String>,
    pub order_line: Option<String>,
    pub accounting: Option<String>,
    pub start: Option<String>,
    pub end: Option<String>,
    pub allowances_charges: Vec<AllowanceCharge>,
    pub price: Option<String>,
    pub discount: Option<String>,
    pub gross: Option<String>,
    pub base_quantity: Option<String>,
    pub base_unit: Option<String>,
    pub category: Option<String>,
    pub rate: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub seller_id: Option<String>,
    pub buyer_id: Option<String>,
    pub standard_id: Option<Ident>,
    /// BT-158 with list id and list version.
    pub classifications: Vec<(String, Option<String>, Option<String>)>,
    pub origin: Option<String>,
    /// BG-32: attribute name and value.
    pub attributes: Vec<(String, String)>,
}

/// The whole document in EN 16931 terms, values as written.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Semantic {
    pub number: Option<String>,
    /// ISO `YYYY-MM-DD` dates throughout.
    pub issue_date: Option<String>,
    pub type_code: Option<String>,
    pub currency: Option<String>,
    pub tax_currency: Option<String>,
    pub tax_point_date: Option<String>,
    pub tax_point_code: Option<String>,
    pub due_date: Option<String>,
    pub buyer_reference: Option<String>,
    pub project: Option<String>,
    pub contract: Option<String>,
    pub order: Option<String>,
    pub sales_order: Option<String>,
    pub receiving_advice: Option<String>,
    pub despatch_advice: Option<String>,
    pub tender: Option<String>,
    pub invoiced_object: Option<Ident>,
    pub accounting: Option<String>,
    pub payment_terms: Option<String>,
    /// BG-1: subject code, text.
    pub notes: Vec<(Option<String>, String)>,
    pub profile: Option<String>,
    pub customization: Option<String>,
    pub preceding: Vec<(Option<String>, Option<String>)>,
    pub seller: Party,
    pub buyer: Party,
    pub payee: Option<Party>,
    pub tax_representative: Option<Party>,
    pub delivery: Option<Delivery>,
    pub period: Option<(Option<String>, Option<String>)>,
    /// BT-90 bank assigned creditor id.
    pub creditor_id: Option<String>,
    pub payment_means: Vec<PaymentMeans>,
    pub allowances_charges: Vec<AllowanceCharge>,
    pub totals: Totals,
    pub vat_breakdown: Vec<VatBreakdown>,
    pub attachments: Vec<Attachment>,
    pub lines: Vec<Line>,
}

pub(crate) const CREDIT_NOTE_CODES: &[&str] = &["81", "83", "381", "396", "532"];

/// Convert `xml` (UBL 2.1 Invoice/CreditNote or CII D16B) to `target`.
///
/// The source must be readable and free of fatal EN 16931 findings; the output is written
/// from the EN 16931 model, in schema element order, with the specification identifier
/// (BT-24) and business process (BT-23) kept.
pub fn transform(xml: &[u8], target: Syntax) -> Result<Vec<u8>, TransformError> {
    let doc = crate::xml::parse(xml, &crate::xml::Limits::default()).map_err(|e| {
        TransformError::Unreadable {
            message: format!("{} (line {}, column {})", e.message, e.line, e.column),
        }
    })?;
    let Some(det) = crate::detect::detect(&doc) else {
        return Err(TransformError::NotAnInvoice {
            message: format!(
                "root element '{}' is not a UBL 2.1 Invoice or CreditNote or a CII D16B CrossIndustryInvoice",
                doc.name(doc.root())
            ),
        });
    };
    if let crate::detect::ProfileMatch::Known(p) =
        crate::detect::profile_from_customization(det.customization_id, det.syntax)
    {
        if !p.is_validatable() {
            return Err(TransformError::NotRepresentable {
                message: format!(
                    "{} documents do not carry the EN 16931 core and cannot be converted",
                    p.name()
                ),
            });
        }
    }
    let report = validate(
        xml,
        &ValidateOptions {
            required_profile: Some(crate::Profile::En16931),
            ..ValidateOptions::default()
        },
    );
    let fatal: Vec<String> = report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Fatal)
        .map(|f| f.rule_id.clone())
        .collect();
    if !fatal.is_empty() {
        let first = report
            .findings
            .iter()
            .find(|f| f.severity == Severity::Fatal)
            .map(|f| f.message.clone())
            .unwrap_or_default();
        let mut ids = fatal;
        ids.dedup();
        return Err(TransformError::InvalidSource {
            message: format!("fix the source first; first problem: {first}"),
            rule_ids: ids,
        });
    }
    let sem = match det.syntax {
        Syntax::Ubl => read::ubl(&doc),
        Syntax::Cii => read::cii(&doc),
    };
    let credit_source = det.document_type == crate::DocumentType::CreditNote;
    Ok(match target {
        Syntax::Ubl => write::ubl(&sem, credit_source),
        Syntax::Cii => write::cii(&sem),
    }
    .into_bytes())
}

/// Convert without the EN 16931 gate (used by tests and by [`transform`]).
#[cfg(test)]
pub(crate) fn roundtrip_semantic(xml: &[u8]) -> Option<Semantic> {
    let doc = crate::xml::parse(xml, &crate::xml::Limits::default()).ok()?;
    let det = crate::detect::detect(&doc)?;
    Some(match det.syntax {
        Syntax::Ubl => read::ubl(&doc),
        Syntax::Cii => read::cii(&doc),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const UBL: &str = include_str!("../../tests/fixtures/peppol-minimal.xml");

    #[test]
    fn ubl_cii_ubl_keeps_the_model() {
        let cii = transform(UBL.as_bytes(), Syntax::Cii).unwrap_or_default();
        let back = transform(&cii, Syntax::Ubl).unwrap_or_default();
        let a = roundtrip_semantic(UBL.as_bytes());
        let b = roundtrip_semantic(&cii);
        let c = roundtrip_semantic(&back);
        assert!(a.is_some());
        assert_eq!(a, b);
        assert_eq!(b, c);
    }

    #[test]
    fn errors_are_typed() {
        assert_eq!(
            transform(b"<a>", Syntax::Cii).map_err(|e| e.code()),
            Err("unreadable")
        );
        assert_eq!(
            transform(b"<a/>", Syntax::Cii).map_err(|e| e.code()),
            Err("not_an_invoice")
        );
        let broken = UBL.replace("<cbc:ID>HAVEN-0001</cbc:ID>", "");
        let e = transform(broken.as_bytes(), Syntax::Cii);
        assert!(
            matches!(e, Err(TransformError::InvalidSource { ref rule_ids, .. }) if rule_ids.contains(&"BR-02".to_string()))
        );
    }
}
