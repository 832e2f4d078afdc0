//! CEN release 1.3.15, as the Dutch validator bundles it (SI-UBL 2.0.3.12, the G-account
//! extension 1.0.2.12 and NLCIUS-CII 1.0.3.12 copy its rules verbatim).
//!
//! The CEN families implement 1.3.16. Relative to it, 1.3.15 still has BR-CO-25 (removed in
//! 1.3.16), lacks the rules 1.3.16 added, and counts a SEPA creditor id for BR-CO-26 in UBL
//! (see `calc`). Other 1.3.15 differences are listed in docs/rule-quirks.md. Rule code asks
//! `ctx.cen` where the releases differ; everything else is shared.

use super::{Ctx, Rule};
use crate::detect::Syntax;
use crate::rules::fatal;
use crate::rules::registry::CenRelease;
use crate::xml::{Doc, Ns};

/// Rules of 1.3.15 that 1.3.16 no longer has.
pub static RULES: &[Rule] = &[fatal(
    "BR-CO-25",
    "BT-115",
    "A positive amount due requires a payment due date or payment terms",
)];

pub static UBL_TABLES: &[&[Rule]] = &[
    super::core::RULES,
    super::calc::RULES,
    super::vat::RULES,
    super::codes::RULES,
    super::conditions::UBL_RULES,
    super::syntax::UBL_RULES,
    RULES,
];
pub static CII_TABLES: &[&[Rule]] = &[
    super::core::RULES,
    super::calc::RULES,
    super::vat::RULES,
    super::codes::RULES,
    super::conditions::CII_RULES,
    super::syntax::CII_RULES,
    super::cii_syntax::RULES,
    RULES,
];

/// Rules that 1.3.16 added, and CII-SR-464, whose 1.3.15 test is always true.
const NOT_IN_1_3_15: &[&str] = &[
    "UBL-SR-56",
    "CII-SR-464",
    "CII-SR-467",
    "CII-SR-468",
    "CII-SR-469",
    "CII-SR-470",
    "CII-SR-471",
    "CII-SR-472",
    "CII-SR-473",
    "CII-SR-474",
    "CII-SR-475",
    "CII-SR-476",
    "CII-SR-477",
    "CII-SR-478",
    "CII-SR-479",
    "CII-SR-480",
    "CII-SR-481",
    "CII-SR-482",
    "CII-SR-483",
    "CII-SR-484",
    "CII-SR-485",
    "CII-SR-486",
    "CII-SR-487",
    "CII-SR-488",
    "CII-SR-489",
    "CII-SR-490",
    "CII-SR-491",
    "CII-SR-492",
    "CII-SR-493",
    "CII-SR-494",
];

/// Whether rule `id` exists in the given release.
pub fn in_release(id: &str, release: CenRelease) -> bool {
    match release {
        CenRelease::V1_3_16 => !RULES.iter().any(|r| r.id == id),
        CenRelease::V1_3_15 => !NOT_IN_1_3_15.contains(&id),
    }
}

/// Any element `name` in namespace `ns` anywhere in the document (XPath `//ns:name`).
fn anywhere(doc: &Doc<'_>, ns: Ns, name: &str, parent: Option<(Ns, &str)>) -> bool {
    doc.descendants(doc.root()).any(|n| {
        doc.is(n, ns, name)
            && parent
                .is_none_or(|(pns, pname)| doc.parent(n).is_some_and(|p| doc.is(p, pns, pname)))
    })
}

/// The 1.3.15-only rules; afterwards drops what 1.3.15 does not report.
pub fn check(ctx: &mut Ctx<'_, '_>, first_finding: usize) {
    if ctx.cen != CenRelease::V1_3_15 {
        return;
    }
    // Findings of rules 1.3.15 does not have (this rule set's findings only).
    let mut i = first_finding;
    while i < ctx.findings.len() {
        if NOT_IN_1_3_15.contains(&ctx.findings[i].rule_id.as_str()) {
            ctx.findings.remove(i);
        } else {
            i += 1;
        }
    }
    br_co_25(ctx);
}

/// BR-CO-25. UBL: context `/ubl:Invoice/cac:LegalMonetaryTotal/cbc:PayableAmount` (not
/// credit notes), due date and terms looked up anywhere (`//cbc:DueDate`,
/// `//cac:PaymentTerms/cbc:Note`). CII: once per document, `number(//ram:DuePayableAmount)`
/// with `//ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime` or `.../ram:Description`.
fn br_co_25(ctx: &mut Ctx<'_, '_>) {
    let (doc, inv) = (ctx.doc, ctx.inv);
    let Some(payable) = inv.totals.payable.as_ref() else {
        return;
    };
    // A value the artefact cannot read as a number stops it (UBL) or compares as NaN (CII):
    // neither reports BR-CO-25.
    let Some(amount) = payable.value else {
        return;
    };
    if amount <= rust_decimal::Decimal::ZERO {
        return;
    }
    let covered = match ctx.syntax {
        Syntax::Ubl => {
            if ctx.is_credit_note() {
                return;
            }
            anywhere(doc, Ns::Cbc, "DueDate", None)
                || anywhere(doc, Ns::Cbc, "Note", Some((Ns::Cac, "PaymentTerms")))
        }
        Syntax::Cii => {
            let terms = Some((Ns::Ram, "SpecifiedTradePaymentTerms"));
            anywhere(doc, Ns::Ram, "DueDateDateTime", terms)
                || anywhere(doc, Ns::Ram, "Description", terms)
        }
    };
    let node = match ctx.syntax {
        Syntax::Ubl => Some(payable.node),
        Syntax::Cii => Some(inv.root),
    };
    ctx.check(covered, "BR-CO-25", node);
}
