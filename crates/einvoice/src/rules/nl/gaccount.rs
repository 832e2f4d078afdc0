//! BR-GA-*: the Dutch G-account extension 1.0.2.12 on SI-UBL 2.0 (UBL only).
//!
//! A G-account ("geblokkeerde rekening") invoice splits the amount due over two payment
//! instructions: one to the supplier's ordinary account and one to the blocked G-account
//! used for chain and reverse-charge liability. Each payment term carries the share paid
//! through it and points at its payment instruction by id.
//!
//! Gating follows the official artefact (`si-ubl-2.0-ext-gaccount.sch`): the extension
//! check on the specification identifier looks at every `cbc:CustomizationID`, the
//! structural checks look only at an `Invoice` root (a `CreditNote` is not checked by them).
//! Comparisons are exact string comparisons on the element text, as there.

use rust_decimal::Decimal;

use crate::model::parse_decimal;
use crate::rules::{arith, fatal, Ctx, Rule};
use crate::xml::{Doc, NodeId, Ns};

pub use crate::detect::GACCOUNT_MARKER;

/// The payment instruction id that marks the G-account instruction.
pub const GACCOUNT_MEANS_ID: &str = "GACCOUNT";

pub static RULES: &[Rule] = &[
    fatal(
        "BR-GA-0",
        "BT-24",
        "The specification identifier must declare the G-account extension (#conformant#urn:fdc:nen.nl:gaccount:v1.0)",
    ),
    fatal(
        "BR-GA-1",
        "NL-GA-01",
        "A G-account invoice must have exactly two payment terms",
    ),
    fatal(
        "BR-GA-2",
        "BG-16",
        "A G-account invoice must have exactly two payment instructions",
    ),
    fatal(
        "BR-GA-3",
        "BT-115",
        "The payment amounts of the payment terms must add up to the amount due for payment",
    ),
    fatal(
        "BR-GA-4",
        "NL-GA-02",
        "Every payment term must reference its payment instruction exactly once",
    ),
    fatal(
        "BR-GA-5",
        "NL-GA-04",
        "Every payment instruction must have exactly one identifier",
    ),
    fatal(
        "BR-GA-6",
        "NL-GA-02",
        "A payment term references a payment instruction id that does not exist",
    ),
    fatal(
        "BR-GA-7",
        "NL-GA-04",
        "Exactly one payment instruction must have the identifier GACCOUNT",
    ),
];

/// Whether a specification identifier declares the G-account extension. The official
/// validator selects the G-account artefact for identifiers that start with the NLCIUS
/// identifier and contain this marker.
pub fn declares_gaccount(customization_id: &str) -> bool {
    customization_id.contains(GACCOUNT_MARKER)
}

/// Every element with the given name anywhere in the document (XPath `//ns:name`).
fn everywhere<'x>(doc: &'x Doc<'_>, ns: Ns, name: &'x str) -> impl Iterator<Item = NodeId> + 'x {
    std::iter::once(doc.root())
        .chain(doc.descendants(doc.root()))
        .filter(move |n| doc.is(*n, ns, name))
}

/// `xs:decimal(.)` of an element; `None` when the text is not a decimal (the official
/// artefact stops with a cast error there, which we report as a failed rule).
fn decimal(doc: &Doc<'_>, n: NodeId) -> Option<Decimal> {
    parse_decimal(doc.raw_text(n))
}

pub fn check(ctx: &mut Ctx<'_, '_>) {
    let doc = ctx.doc;
    for c in everywhere(doc, Ns::Cbc, "CustomizationID") {
        ctx.check(declares_gaccount(doc.raw_text(c)), "BR-GA-0", Some(c));
    }
    let root = doc.root();
    if !doc.is(root, Ns::UblInvoice, "Invoice") {
        return;
    }
    let terms: Vec<NodeId> = doc.kids(root, Ns::Cac, "PaymentTerms").collect();
    let means: Vec<NodeId> = doc.kids(root, Ns::Cac, "PaymentMeans").collect();
    ctx.check(terms.len() == 2, "BR-GA-1", Some(root));
    ctx.check(means.len() == 2, "BR-GA-2", Some(root));

    // BR-GA-3: BT-115 equals the sum of the payment amounts. A missing or unreadable
    // amount due (or an unreadable payment amount) fails the rule.
    // `paid`: `None` when an amount is unreadable, `Some(None)` when the sum is out of the
    // decimal range (the rule then does not hold, see `arith`).
    let paid: Option<Option<Decimal>> = terms
        .iter()
        .flat_map(|t| doc.kids(*t, Ns::Cbc, "Amount"))
        .map(|a| decimal(doc, a))
        .collect::<Option<Vec<Decimal>>>()
        .map(arith::sum);
    let due: Vec<NodeId> = doc
        .kids(root, Ns::Cac, "LegalMonetaryTotal")
        .flat_map(|m| doc.kids(m, Ns::Cbc, "PayableAmount"))
        .collect();
    let balanced = paid
        .flatten()
        .is_some_and(|p| due.iter().any(|d| decimal(doc, *d) == Some(p)));
    if !balanced {
        let at = due
            .first()
            .copied()
            .or_else(|| doc.kid(root, Ns::Cac, "LegalMonetaryTotal"))
            .unwrap_or(root);
        match (paid, due.first().and_then(|d| decimal(doc, *d))) {
            (Some(p), Some(d)) => ctx.fail_calc_checked("BR-GA-3", Some(at), Some(d), p),
            _ => ctx.fail("BR-GA-3", Some(at)),
        }
    }

    let gaccount_ids = means
        .iter()
        .flat_map(|m| doc.kids(*m, Ns::Cbc, "ID"))
        .filter(|i| doc.raw_text(*i) == GACCOUNT_MEANS_ID)
        .count();
    ctx.check(gaccount_ids == 1, "BR-GA-7", Some(root));

    let means_ids: Vec<&str> = means
        .iter()
        .flat_map(|m| doc.kids(*m, Ns::Cbc, "ID"))
        .map(|i| doc.raw_text(i))
        // An empty element has no text node, so it matches no reference.
        .filter(|v| !v.is_empty())
        .collect();
    for t in &terms {
        let refs: Vec<NodeId> = doc.kids(*t, Ns::Cbc, "PaymentMeansID").collect();
        ctx.check(refs.len() == 1, "BR-GA-4", Some(*t));
        for r in refs {
            let v = doc.raw_text(r);
            if !means_ids.contains(&v) {
                ctx.fail_with("BR-GA-6", Some(r), format!("'{v}'"));
            }
        }
    }
    for m in &means {
        ctx.check(
            doc.kids(*m, Ns::Cbc, "ID").count() == 1,
            "BR-GA-5",
            Some(*m),
        );
    }
}
