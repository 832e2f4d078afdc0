//! UBL 2.1 <-> UN/CEFACT CII D16B conversion through the EN 16931 semantic model.
//!
//! The source is read into [`Semantic`], an owned, syntax-neutral copy of every business
//! term EN 16931 defines (values kept exactly as written, dates converted between
//! `YYYY-MM-DD` and `YYYYMMDD`), and written out in the target syntax in schema order.
//! Text and identifiers are kept byte for byte (whitespace and line breaks included);
//! codes, amounts, quantities and dates without surrounding whitespace. Elements outside
//! EN 16931 (extensions, CIUS-specific data, syntax-only elements) are not carried over:
//! [`transform_with_report`] lists each one.
//!
//! Conventions where the syntaxes differ:
//! - UBL has no invoice note subject code (BT-21): a CII note with a subject code becomes
//!   the UBL note `#CODE#text`, and such a UBL note is split again on the way back.
//! - CII payment accounts are IBAN or proprietary: an account id that looks like an IBAN
//!   is written as `IBANID`, anything else as `ProprietaryID`.
//! - A CII document whose type code is a credit note code (81, 83, 381, 396, 532) becomes a
//!   UBL `CreditNote`; every other type code a UBL `Invoice`.
//! - UBL needs a purchase order id next to a sales order id (BT-14): a missing BT-13 is
//!   written as `NA`, and `NA` beside a sales order id reads as no BT-13.
//! - A CII seller or buyer contact point (BT-41/BT-56) may be `ram:DepartmentName`; it is
//!   written as `ram:PersonName` (its binding) and UBL `cbc:Name`.
//! - BT-149/BT-150 are the CII net price's `ram:BasisQuantity`; a gross price basis
//!   quantity that differs from it has no business term and is reported as not carried.

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

/// What kind of source content a conversion could not carry over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NotCarriedKind {
    /// Extension content: UBL extensions, elements of other namespaces, XRechnung
    /// sub-invoice lines, or anything left over in an XRechnung extension document.
    Extension,
    /// An element of the syntax without an EN 16931 business term (or a repetition the
    /// model has no room for).
    Element,
    /// An attribute without a business term (e.g. `@listID` on a type code).
    Attribute,
}

/// Source content the conversion did not carry into the target document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct NotCarried {
    pub kind: NotCarriedKind,
    /// Location in the source, e.g. `/Invoice/cac:InvoiceLine[2]/cac:SubInvoiceLine`
    /// (an attribute ends in `/@name`). A listed element stands for its whole subtree.
    pub path: String,
    /// 1-based line of the element's start tag in the source.
    pub line: usize,
}

/// A converted document and what of the source it could not carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transformed {
    /// The target document, UTF-8 XML.
    pub document: Vec<u8>,
    /// Source content without a place in the target, in document order.
    pub not_carried: Vec<NotCarried>,
}

/// Placeholder UBL needs for BT-13 when only a sales order id (BT-14) is known.
pub(crate) const ORDER_PLACEHOLDER: &str = "NA";
/// Placeholder for the card network UBL requires and EN 16931 does not have.
pub(crate) const CARD_NETWORK_PLACEHOLDER: &str = "NA";
/// Placeholder for the project name CII requires and EN 16931 does not have.
pub(crate) const PROJECT_NAME_PLACEHOLDER: &str = "Project reference";

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
    transform_with_report(xml, target).map(|t| t.document)
}

/// [`transform`], also listing the source content the target does not carry.
pub fn transform_with_report(xml: &[u8], target: Syntax) -> Result<Transformed, TransformError> {
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
        // The G-account split (payment terms per payment means) has no CII binding, and
        // without it the document breaks the G-account rules it claims (BR-GA-*).
        if p == crate::Profile::NlGaccount && target != det.syntax {
            return Err(TransformError::NotRepresentable {
                message: format!(
                    "the {} extension exists only in UBL and cannot be carried to CII",
                    p.name()
                ),
            });
        }
    }
    let report = validate(
        xml,
        &ValidateOptions {
            required_profile: Some(crate::Profile::En16931),
            // The source must meet the current EN 16931 rules, whatever its issue date.
            rule_set: crate::rules::releases::current_implemented(crate::Layer::Cen),
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
    let r = read::R::new(&doc);
    let sem = match det.syntax {
        Syntax::Ubl => read::ubl(&r),
        Syntax::Cii => read::cii(&r),
    };
    let extension_doc = sem.customization.as_deref().is_some_and(|c| {
        crate::detect::XRECHNUNG_EXTENSION_MARKERS
            .iter()
            .any(|marker| c.contains(marker))
    });
    let credit_source = det.document_type == crate::DocumentType::CreditNote;
    let document = match target {
        Syntax::Ubl => write::ubl(&sem, credit_source),
        Syntax::Cii => write::cii(&sem),
    }
    .into_bytes();
    Ok(Transformed {
        document,
        not_carried: r.not_carried(extension_doc),
    })
}

/// Convert without the EN 16931 gate (used by tests and by [`transform`]).
#[cfg(test)]
pub(crate) fn roundtrip_semantic(xml: &[u8]) -> Option<Semantic> {
    let doc = crate::xml::parse(xml, &crate::xml::Limits::default()).ok()?;
    let det = crate::detect::detect(&doc)?;
    let r = read::R::new(&doc);
    Some(match det.syntax {
        Syntax::Ubl => read::ubl(&r),
        Syntax::Cii => read::cii(&r),
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

    /// UBL -> CII -> UBL of `ubl`: (CII, UBL back, report of the first leg).
    fn both_ways(ubl: &str) -> (String, String, Vec<NotCarried>) {
        let first = transform_with_report(ubl.as_bytes(), Syntax::Cii).unwrap_or_else(|e| {
            panic!("{e}");
        });
        let back = transform(&first.document, Syntax::Ubl).unwrap_or_default();
        let text = |b: Vec<u8>| String::from_utf8(b).unwrap_or_default();
        (text(first.document), text(back), first.not_carried)
    }

    fn no_differences(a: &str, b: &str) {
        let diff = compare_business_terms(a.as_bytes(), b.as_bytes());
        assert_eq!(diff, Some(vec![]), "{a}\n---\n{b}");
    }

    #[test]
    fn free_text_is_kept_byte_for_byte() {
        let src = UBL
            .replace(
                "<cbc:BuyerReference>",
                "<cbc:Note>\n  First line\r\n\tsecond &amp; last  \n</cbc:Note>\n<cbc:Note>#AAI#coded note&#13;\n</cbc:Note>\n<cbc:BuyerReference>",
            )
            .replace(
                "<cac:TaxTotal>",
                "<cac:PaymentTerms><cbc:Note>#SKONTO#TAGE=7#PROZENT=2.00#\n</cbc:Note></cac:PaymentTerms>\n<cac:TaxTotal>",
            )
            .replace(
                "<cbc:Name>Dienst</cbc:Name>",
                "<cbc:Description> Line one\n line two </cbc:Description><cbc:Name>Dienst</cbc:Name>",
            );
        let (cii, back, _) = both_ways(&src);
        assert!(cii.contains("<ram:Content>\n  First line\n\tsecond &amp; last  \n</ram:Content>"));
        assert!(cii.contains("<ram:Content>coded note&#13;\n</ram:Content>"));
        assert!(cii.contains("<ram:SubjectCode>AAI</ram:SubjectCode>"));
        assert!(cii.contains("<ram:Description>#SKONTO#TAGE=7#PROZENT=2.00#\n</ram:Description>"));
        assert!(cii.contains("<ram:Description> Line one\n line two </ram:Description>"));
        assert!(back.contains("<cbc:Note>#SKONTO#TAGE=7#PROZENT=2.00#\n</cbc:Note>"));
        no_differences(&src, &cii);
        no_differences(&src, &back);
    }

    #[test]
    fn every_preceding_invoice_reference_is_kept() {
        let refs = "<cac:BillingReference><cac:InvoiceDocumentReference><cbc:ID>R-1</cbc:ID><cbc:IssueDate>2025-01-01</cbc:IssueDate></cac:InvoiceDocumentReference></cac:BillingReference>\n<cac:BillingReference><cac:InvoiceDocumentReference><cbc:ID>R-2</cbc:ID></cac:InvoiceDocumentReference></cac:BillingReference>\n<cac:AccountingSupplierParty>";
        let src = UBL.replacen("<cac:AccountingSupplierParty>", refs, 1);
        let (cii, back, _) = both_ways(&src);
        assert_eq!(cii.matches("<ram:InvoiceReferencedDocument>").count(), 2);
        assert_eq!(back.matches("<cac:BillingReference>").count(), 2);
        no_differences(&src, &cii);
        no_differences(&src, &back);
    }

    #[test]
    fn department_name_is_the_contact_point() {
        let (cii, _, _) = both_ways(UBL);
        let with_contact = cii.replacen(
            "<ram:PostalTradeAddress>",
            "<ram:DefinedTradeContact>\n<ram:DepartmentName>Sales\n</ram:DepartmentName>\n</ram:DefinedTradeContact>\n<ram:PostalTradeAddress>",
            1,
        );
        let t = transform_with_report(with_contact.as_bytes(), Syntax::Ubl)
            .unwrap_or_else(|e| panic!("{e}"));
        let ubl = String::from_utf8(t.document).unwrap_or_default();
        assert!(ubl.contains("<cac:Contact>\n        <cbc:Name>Sales\n</cbc:Name>"));
        assert!(t.not_carried.is_empty(), "{:?}", t.not_carried);
        let again = String::from_utf8(transform(ubl.as_bytes(), Syntax::Cii).unwrap_or_default())
            .unwrap_or_default();
        assert!(again.contains("<ram:PersonName>Sales\n</ram:PersonName>"));
        no_differences(&with_contact, &ubl);
        no_differences(&with_contact, &again);
    }

    #[test]
    fn creditor_identifier_is_kept() {
        let src = UBL.replacen(
            "<cac:PostalAddress>",
            "<cac:PartyIdentification><cbc:ID schemeID=\"SEPA\">DE98ZZZ09999999999</cbc:ID></cac:PartyIdentification>\n<cac:PostalAddress>",
            1,
        );
        let (cii, back, nc) = both_ways(&src);
        assert!(
            cii.contains("<ram:CreditorReferenceID>DE98ZZZ09999999999</ram:CreditorReferenceID>")
        );
        assert!(back.contains("<cbc:ID schemeID=\"SEPA\">DE98ZZZ09999999999</cbc:ID>"));
        assert!(nc.is_empty(), "{nc:?}");
        no_differences(&src, &back);
    }

    #[test]
    fn base_quantity_only_from_the_net_price() {
        let src = UBL.replacen(
            "</cbc:PriceAmount>",
            "</cbc:PriceAmount><cbc:BaseQuantity unitCode=\"C62\">1</cbc:BaseQuantity><cac:AllowanceCharge><cbc:ChargeIndicator>false</cbc:ChargeIndicator><cbc:Amount currencyID=\"EUR\">0.00</cbc:Amount><cbc:BaseAmount currencyID=\"EUR\">100.00</cbc:BaseAmount></cac:AllowanceCharge>",
            1,
        );
        let (cii, back, _) = both_ways(&src);
        assert_eq!(cii.matches("<ram:BasisQuantity").count(), 1);
        no_differences(&src, &back);
        // A gross price basis quantity alone is no BT-149: not invented, but reported.
        let gross_only = cii
            .replace("<ram:BasisQuantity unitCode=\"C62\">1</ram:BasisQuantity>", "")
            .replace(
                "<ram:ChargeAmount>100.00</ram:ChargeAmount>\n          <ram:AppliedTradeAllowanceCharge>",
                "<ram:ChargeAmount>100.00</ram:ChargeAmount><ram:BasisQuantity unitCode=\"C62\">1</ram:BasisQuantity>\n          <ram:AppliedTradeAllowanceCharge>",
            );
        assert_eq!(
            gross_only.matches("<ram:BasisQuantity").count(),
            1,
            "{gross_only}"
        );
        let t = transform_with_report(gross_only.as_bytes(), Syntax::Ubl)
            .unwrap_or_else(|e| panic!("{e}"));
        let ubl = String::from_utf8(t.document).unwrap_or_default();
        assert!(!ubl.contains("BaseQuantity"));
        assert_eq!(t.not_carried.len(), 1);
        assert!(t.not_carried[0]
            .path
            .ends_with("ram:GrossPriceProductTradePrice/ram:BasisQuantity"));
        no_differences(&gross_only, &ubl);
    }

    #[test]
    fn extension_content_is_reported() {
        let src = UBL
            .replacen(
                "<cbc:CustomizationID>",
                "<ext:UBLExtensions xmlns:ext=\"urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2\"><ext:UBLExtension/></ext:UBLExtensions>\n<cbc:UBLVersionID>2.1</cbc:UBLVersionID>\n<cbc:CustomizationID>",
                1,
            )
            .replacen(
                "<cbc:InvoiceTypeCode>",
                "<cbc:InvoiceTypeCode listID=\"UNCL1001\">",
                1,
            )
            .replacen(
                "</cac:Price>",
                "</cac:Price>\n<cac:SubInvoiceLine><cbc:ID>1.1</cbc:ID></cac:SubInvoiceLine>",
                1,
            );
        let t =
            transform_with_report(src.as_bytes(), Syntax::Cii).unwrap_or_else(|e| panic!("{e}"));
        let got: Vec<(NotCarriedKind, &str)> = t
            .not_carried
            .iter()
            .map(|n| (n.kind, n.path.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                (NotCarriedKind::Extension, "/Invoice/ext:UBLExtensions"),
                (NotCarriedKind::Element, "/Invoice/cbc:UBLVersionID"),
                (
                    NotCarriedKind::Attribute,
                    "/Invoice/cbc:InvoiceTypeCode/@listID"
                ),
                (
                    NotCarriedKind::Extension,
                    "/Invoice/cac:InvoiceLine/cac:SubInvoiceLine"
                ),
            ]
        );
        assert!(t.not_carried.iter().all(|n| n.line > 1));
        // The converted document itself carries every business term of the source.
        no_differences(&src, &String::from_utf8(t.document).unwrap_or_default());
        let clean = transform_with_report(UBL.as_bytes(), Syntax::Cii).map(|t| t.not_carried);
        assert_eq!(clean, Ok(vec![]));
    }

    #[test]
    fn g_account_documents_stay_ubl() {
        let ga = include_str!("../../tests/fixtures/gaccount-minimal.xml");
        let e = transform(ga.as_bytes(), Syntax::Cii).map_err(|e| e.code());
        assert_eq!(e, Err("not_representable"));
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
