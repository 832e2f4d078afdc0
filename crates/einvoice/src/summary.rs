//! The few facts about a document that a platform stores and searches by: its number, dates,
//! currency, totals and the two parties with their addresses on the network. Taken from the
//! same parse as the validation, so a stored document is read once.

use rust_decimal::Decimal;

use crate::{
    model::{Id, Invoice, Num, Party, Text},
    DocumentType, Profile, Syntax,
};

/// An identifier with its scheme (an EAS code for endpoints, an ICD for legal ids), as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemeId {
    pub scheme: Option<String>,
    pub value: String,
}

/// A seller or buyer as the document names it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PartySummary {
    /// BT-27 / BT-44 (the registration name), else the trading name.
    pub name: Option<String>,
    /// BT-34 / BT-49: the electronic address.
    pub endpoint: Option<SchemeId>,
    /// BT-30 / BT-47: the legal registration id.
    pub legal_id: Option<SchemeId>,
    /// BT-31 / BT-48.
    pub vat_id: Option<String>,
    /// BT-43 / BT-58: the contact's email.
    pub email: Option<String>,
}

/// What a platform keeps about a document besides its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceSummary {
    pub syntax: Syntax,
    pub document_type: DocumentType,
    /// The profile the document declares (BT-24), when Haven knows it.
    pub profile: Option<Profile>,
    /// BT-1.
    pub number: Option<String>,
    /// BT-2, as written (`YYYY-MM-DD` after conversion from CII's `102` format).
    pub issue_date: Option<String>,
    /// BT-9.
    pub due_date: Option<String>,
    /// BT-3.
    pub type_code: Option<String>,
    /// BT-5.
    pub currency: Option<String>,
    /// BT-109.
    pub total_without_vat: Option<Decimal>,
    /// BT-110.
    pub total_vat: Option<Decimal>,
    /// BT-112.
    pub total_with_vat: Option<Decimal>,
    /// BT-115: the amount due.
    pub payable: Option<Decimal>,
    /// BT-10.
    pub buyer_reference: Option<String>,
    pub seller: PartySummary,
    pub buyer: PartySummary,
}

fn owned(text: Option<&Text<'_>>) -> Option<String> {
    text.map(|t| t.value.trim())
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

fn scheme_id(id: Option<&Id<'_>>) -> Option<SchemeId> {
    id.map(|i| SchemeId {
        scheme: i
            .scheme
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty()),
        value: i.value.trim().to_owned(),
    })
    .filter(|i| !i.value.is_empty())
}

fn amount(num: Option<&Num<'_>>) -> Option<Decimal> {
    num.and_then(|n| n.value)
}

/// CII writes dates as `20261203` (format `102`); the summary uses ISO dates throughout.
fn iso_date(raw: Option<String>) -> Option<String> {
    raw.map(|d| {
        if d.len() == 8 && d.bytes().all(|b| b.is_ascii_digit()) {
            format!("{}-{}-{}", &d[..4], &d[4..6], &d[6..])
        } else {
            d
        }
    })
}

fn party(p: &Party<'_>) -> PartySummary {
    PartySummary {
        name: owned(p.name.as_ref()).or_else(|| owned(p.trading_name.as_ref())),
        endpoint: scheme_id(p.endpoint.as_ref()),
        legal_id: scheme_id(p.legal_id.as_ref()),
        vat_id: owned(p.vat_id.as_ref()),
        email: owned(p.contact.as_ref().and_then(|c| c.email.as_ref())),
    }
}

pub(crate) fn summarize(
    inv: &Invoice<'_>,
    syntax: Syntax,
    document_type: DocumentType,
    profile: Option<Profile>,
) -> InvoiceSummary {
    InvoiceSummary {
        syntax,
        document_type,
        profile,
        number: owned(inv.number.as_ref()),
        issue_date: iso_date(owned(inv.issue_date.as_ref())),
        due_date: iso_date(owned(inv.due_date.as_ref())),
        type_code: owned(inv.type_code.as_ref()),
        currency: owned(inv.currency.as_ref()),
        total_without_vat: amount(inv.totals.without_vat.as_ref()),
        total_vat: amount(inv.totals.vat.as_ref()),
        total_with_vat: amount(inv.totals.with_vat.as_ref()),
        payable: amount(inv.totals.payable.as_ref()),
        buyer_reference: owned(inv.buyer_reference.as_ref()),
        seller: party(&inv.seller),
        buyer: party(&inv.buyer),
    }
}
