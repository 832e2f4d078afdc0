//! The EN 16931 semantic model (business terms BT-n, groups BG-n) as typed Rust.
//!
//! Both UBL and CII map onto these types. Values borrow their text from the parsed
//! document and keep the element they came from ([`NodeId`]), so a finding can point at
//! the exact location without the model copying strings.

pub mod cii;
pub mod ubl;

use std::str::FromStr;

use rust_decimal::Decimal;

use crate::xml::{Doc, NodeId};

/// A text value with its source element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Text<'d> {
    pub value: &'d str,
    pub node: NodeId,
}

/// An identifier with its optional scheme (`@schemeID`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Id<'d> {
    pub value: &'d str,
    pub scheme: Option<&'d str>,
    pub node: NodeId,
}

/// A decimal value (amount, quantity, percentage) with its unit or currency attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Num<'d> {
    /// `None` when the text is not a decimal number.
    pub value: Option<Decimal>,
    pub raw: &'d str,
    /// `@currencyID` for amounts, `@unitCode` for quantities.
    pub unit: Option<&'d str>,
    pub node: NodeId,
}

impl Num<'_> {
    /// The value, treating an unparsable number as zero (as the official artefacts'
    /// numeric casts effectively do once the schema check has failed).
    pub fn dec(&self) -> Decimal {
        self.value.unwrap_or_default()
    }
}

/// Parse an XML Schema decimal (no exponent, optional sign, optional fraction).
pub fn parse_decimal(s: &str) -> Option<Decimal> {
    let s = crate::xml::trim(s);
    if s.is_empty() || s.contains(['e', 'E']) {
        return None;
    }
    let s2 = s.strip_prefix('+').unwrap_or(s);
    Decimal::from_str(s2).ok()
}

/// Number of fraction digits as written (BR-DEC rules count written decimals).
pub fn written_decimals(raw: &str) -> usize {
    crate::xml::trim(raw)
        .split_once('.')
        .map_or(0, |(_, f)| f.len())
}

#[derive(Debug, Clone, Default)]
pub struct Address<'d> {
    pub node: Option<NodeId>,
    pub line1: Option<Text<'d>>,
    pub line2: Option<Text<'d>>,
    pub line3: Option<Text<'d>>,
    pub city: Option<Text<'d>>,
    pub postcode: Option<Text<'d>>,
    pub subdivision: Option<Text<'d>>,
    pub country: Option<Text<'d>>,
}

#[derive(Debug, Clone, Default)]
pub struct Contact<'d> {
    pub node: Option<NodeId>,
    pub name: Option<Text<'d>>,
    pub phone: Option<Text<'d>>,
    pub email: Option<Text<'d>>,
}

/// Seller (BG-4), buyer (BG-7), payee (BG-10) or tax representative (BG-11).
#[derive(Debug, Clone, Default)]
pub struct Party<'d> {
    pub node: Option<NodeId>,
    /// BT-27 / BT-44 / BT-59 / BT-62.
    pub name: Option<Text<'d>>,
    /// BT-28 / BT-45.
    pub trading_name: Option<Text<'d>>,
    /// BT-29 / BT-46 / BT-60 (several allowed for the seller).
    pub ids: Vec<Id<'d>>,
    /// BT-30 / BT-47 / BT-61.
    pub legal_id: Option<Id<'d>>,
    /// All legal registration ids found (UBL-SR-11 etc. need the count).
    pub legal_ids: Vec<Id<'d>>,
    /// BT-31 / BT-48 / BT-63.
    pub vat_id: Option<Text<'d>>,
    /// BT-32 (tax registration id other than VAT).
    pub tax_reg_id: Option<Text<'d>>,
    /// BT-33.
    pub legal_form: Option<Text<'d>>,
    /// BT-34 / BT-49.
    pub endpoint: Option<Id<'d>>,
    /// BG-5 / BG-8 / BG-12.
    pub address: Option<Address<'d>>,
    /// BG-6 / BG-9.
    pub contact: Option<Contact<'d>>,
}

/// Document or line level allowance (BG-20/BG-27) or charge (BG-21/BG-28).
#[derive(Debug, Clone)]
pub struct AllowanceCharge<'d> {
    pub node: NodeId,
    /// `None` when the indicator is neither true nor false.
    pub is_charge: Option<bool>,
    pub indicator: Option<Text<'d>>,
    pub amount: Option<Num<'d>>,
    pub base_amount: Option<Num<'d>>,
    pub percentage: Option<Num<'d>>,
    pub vat_category: Option<Text<'d>>,
    pub vat_rate: Option<Num<'d>>,
    pub reason: Option<Text<'d>>,
    pub reason_code: Option<Text<'d>>,
}

/// VAT breakdown (BG-23).
#[derive(Debug, Clone)]
pub struct VatBreakdown<'d> {
    pub node: NodeId,
    pub taxable_amount: Option<Num<'d>>,
    pub tax_amount: Option<Num<'d>>,
    pub category: Option<Text<'d>>,
    pub rate: Option<Num<'d>>,
    pub exemption_reason: Option<Text<'d>>,
    pub exemption_reason_code: Option<Text<'d>>,
}

#[derive(Debug, Clone, Default)]
pub struct Period<'d> {
    pub node: Option<NodeId>,
    pub start: Option<Text<'d>>,
    pub end: Option<Text<'d>>,
    /// BT-8 (UBL: InvoicePeriod/DescriptionCode).
    pub description_code: Option<Text<'d>>,
}

#[derive(Debug, Clone)]
pub struct PaymentMeans<'d> {
    pub node: NodeId,
    /// BT-81.
    pub code: Option<Text<'d>>,
    pub code_name: Option<&'d str>,
    /// BT-82.
    pub text: Option<Text<'d>>,
    /// BT-83.
    pub remittance: Option<Text<'d>>,
    /// BG-17: (BT-84 account id, BT-85 name, BT-86 provider).
    pub accounts: Vec<(Option<Text<'d>>, Option<Text<'d>>, Option<Text<'d>>)>,
    /// BG-18 BT-87 card number.
    pub card: Option<Text<'d>>,
    /// BG-19 BT-89 mandate reference.
    pub mandate: Option<Text<'d>>,
    /// BT-91 debited account.
    pub debited_account: Option<Text<'d>>,
}

#[derive(Debug, Clone)]
pub struct Attachment<'d> {
    pub node: NodeId,
    pub id: Option<Text<'d>>,
    pub type_code: Option<Text<'d>>,
    pub mime: Option<&'d str>,
    pub filename: Option<&'d str>,
    pub uri: Option<Text<'d>>,
    pub has_content: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Price<'d> {
    pub node: Option<NodeId>,
    /// BT-146.
    pub net: Option<Num<'d>>,
    /// BT-147.
    pub discount: Option<Num<'d>>,
    /// BT-148.
    pub gross: Option<Num<'d>>,
    /// BT-149 with its unit BT-150.
    pub base_quantity: Option<Num<'d>>,
    /// Price-level allowances/charges (UBL allows them syntactically; EN only allowances).
    pub allowances: Vec<AllowanceCharge<'d>>,
}

/// Invoice line (BG-25).
#[derive(Debug, Clone, Default)]
pub struct Line<'d> {
    pub node: NodeId,
    pub id: Option<Text<'d>>,
    pub note: Option<Text<'d>>,
    pub object_id: Option<Id<'d>>,
    /// BT-129 with unit BT-130.
    pub quantity: Option<Num<'d>>,
    /// BT-131.
    pub net_amount: Option<Num<'d>>,
    pub order_line_ref: Option<Text<'d>>,
    pub accounting_ref: Option<Text<'d>>,
    pub period: Option<Period<'d>>,
    pub allowances_charges: Vec<AllowanceCharge<'d>>,
    pub price: Price<'d>,
    /// BT-151.
    pub vat_category: Option<Text<'d>>,
    /// BT-152.
    pub vat_rate: Option<Num<'d>>,
    /// BT-153.
    pub item_name: Option<Text<'d>>,
    pub item_description: Option<Text<'d>>,
    pub seller_item_id: Option<Text<'d>>,
    pub buyer_item_id: Option<Text<'d>>,
    /// BT-157.
    pub standard_id: Option<Id<'d>>,
    /// BT-158 with `@listID`.
    pub classifications: Vec<Id<'d>>,
    /// BT-159.
    pub origin_country: Option<Text<'d>>,
}

/// Document totals (BG-22).
#[derive(Debug, Clone, Default)]
pub struct Totals<'d> {
    pub node: Option<NodeId>,
    pub line_net: Option<Num<'d>>,
    pub allowances: Option<Num<'d>>,
    pub charges: Option<Num<'d>>,
    pub without_vat: Option<Num<'d>>,
    /// BT-110: VAT total in document currency.
    pub vat: Option<Num<'d>>,
    /// BT-111: VAT total in accounting currency.
    pub vat_accounting: Option<Num<'d>>,
    pub with_vat: Option<Num<'d>>,
    pub prepaid: Option<Num<'d>>,
    pub rounding: Option<Num<'d>>,
    pub payable: Option<Num<'d>>,
}

/// A whole invoice or credit note in EN 16931 terms.
#[derive(Debug, Clone, Default)]
pub struct Invoice<'d> {
    pub root: NodeId,
    /// BT-1.
    pub number: Option<Text<'d>>,
    /// BT-2.
    pub issue_date: Option<Text<'d>>,
    /// BT-3.
    pub type_code: Option<Text<'d>>,
    /// BT-5.
    pub currency: Option<Text<'d>>,
    /// BT-6.
    pub tax_currency: Option<Text<'d>>,
    /// BT-7.
    pub tax_point_date: Option<Text<'d>>,
    /// BT-8, the VAT point date code (UBL: InvoicePeriod/DescriptionCode, also in
    /// `period`; CII: the first DueDateTypeCode of the header VAT breakdowns).
    pub tax_point_date_code: Option<Text<'d>>,
    /// BT-9.
    pub due_date: Option<Text<'d>>,
    /// BT-10.
    pub buyer_reference: Option<Text<'d>>,
    pub project_ref: Option<Text<'d>>,
    pub contract_ref: Option<Text<'d>>,
    /// BT-13.
    pub order_ref: Option<Text<'d>>,
    pub sales_order_ref: Option<Text<'d>>,
    pub receiving_advice_ref: Option<Text<'d>>,
    pub despatch_advice_ref: Option<Text<'d>>,
    pub tender_ref: Option<Text<'d>>,
    pub invoiced_object: Option<Id<'d>>,
    pub accounting_ref: Option<Text<'d>>,
    /// BT-20.
    pub payment_terms: Option<Text<'d>>,
    /// BT-22 notes.
    pub notes: Vec<Text<'d>>,
    /// BT-23.
    pub profile_id: Option<Text<'d>>,
    /// BT-24.
    pub customization_id: Option<Text<'d>>,
    /// BG-3: (BT-25 id, BT-26 date).
    pub preceding_invoices: Vec<(Option<Text<'d>>, Option<Text<'d>>)>,
    pub seller: Party<'d>,
    pub buyer: Party<'d>,
    pub payee: Option<Party<'d>>,
    pub tax_representative: Option<Party<'d>>,
    /// BG-13 delivery: (BT-72 date, BT-80 country, node).
    pub delivery_date: Option<Text<'d>>,
    pub delivery_country: Option<Text<'d>>,
    pub delivery_node: Option<NodeId>,
    /// BG-14.
    pub period: Option<Period<'d>>,
    pub payment_means: Vec<PaymentMeans<'d>>,
    pub allowances_charges: Vec<AllowanceCharge<'d>>,
    pub totals: Totals<'d>,
    /// BT-110 candidates: every document-level tax total amount with its currency.
    pub tax_totals: Vec<Num<'d>>,
    pub vat_breakdown: Vec<VatBreakdown<'d>>,
    pub attachments: Vec<Attachment<'d>>,
    pub lines: Vec<Line<'d>>,
}

/// Small helpers shared by the syntax mappings.
pub(crate) fn text<'d>(doc: &'d Doc<'_>, node: Option<NodeId>) -> Option<Text<'d>> {
    node.map(|n| Text {
        value: doc.text(n),
        node: n,
    })
}

pub(crate) fn id<'d>(doc: &'d Doc<'_>, node: Option<NodeId>) -> Option<Id<'d>> {
    node.map(|n| Id {
        value: doc.text(n),
        scheme: doc.attr(n, "schemeID"),
        node: n,
    })
}

pub(crate) fn num<'d>(doc: &'d Doc<'_>, node: Option<NodeId>, unit_attr: &str) -> Option<Num<'d>> {
    node.map(|n| {
        let raw = doc.text(n);
        Num {
            value: parse_decimal(raw),
            raw,
            unit: doc.attr(n, unit_attr),
            node: n,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals() {
        assert_eq!(parse_decimal(" 10.50 "), Some(Decimal::new(1050, 2)));
        assert_eq!(parse_decimal("+1"), Some(Decimal::ONE));
        assert_eq!(parse_decimal("1e3"), None);
        assert_eq!(parse_decimal("abc"), None);
        assert_eq!(written_decimals("1.234"), 3);
        assert_eq!(written_decimals("12"), 0);
    }
}
