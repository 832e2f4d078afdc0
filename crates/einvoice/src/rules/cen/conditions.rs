//! Remaining EN 16931 conditions: item attributes (BR-54), deliver-to country (BR-57,
//! BR-IC-12), preceding invoice references (BR-55), card numbers (BR-51), VAT identifier
//! prefixes (BR-CO-09), split payment (BR-B-01/02) and "not subject to VAT" exclusivity
//! (BR-O-12..14).
//!
//! Several of these look at elements wherever they occur, as the official rules do, so
//! they read the document tree; each is one pass over the elements.

use crate::codelists::{contains, data};
use crate::detect::Syntax;
use crate::rules::{fatal, warning, Ctx, Rule};
use crate::xml::{Doc, NodeId, Ns};

macro_rules! common_rules {
    ($br51:expr) => {
        &[
            $br51,
            fatal("BR-54", "BT-160", "Each item attribute must have a name and a value"),
            fatal(
                "BR-57",
                "BT-80",
                "Each deliver-to address must contain a country code",
            ),
            fatal(
                "BR-B-01",
                "BT-151",
                "Split payment (VAT category 'B') is only allowed for domestic Italian invoices: every country code must be IT",
            ),
            fatal(
                "BR-B-02",
                "BT-151",
                "An invoice using split payment (VAT category 'B') must not use the standard rate category 'S'",
            ),
            // In CEN 1.3.16 the four reason code/text consistency rules are declared with a
            // test of true(): they never fail. They are listed so reports and coverage say so.
            fatal(
                "BR-CO-05",
                "BT-98",
                "Document level allowance reason code and reason must describe the same reason",
            ),
            fatal(
                "BR-CO-06",
                "BT-105",
                "Document level charge reason code and reason must describe the same reason",
            ),
            fatal(
                "BR-CO-07",
                "BT-140",
                "Line allowance reason code and reason must describe the same reason",
            ),
            fatal(
                "BR-CO-08",
                "BT-145",
                "Line charge reason code and reason must describe the same reason",
            ),
            fatal(
                "BR-CO-09",
                "BT-31",
                "A VAT identifier must start with an ISO 3166-1 alpha-2 country prefix (Greece: EL)",
            ),
            fatal(
                "BR-IC-12",
                "BT-80",
                "An intra-community supply (VAT category 'K') requires the deliver-to country code",
            ),
            fatal(
                "BR-O-12",
                "BT-151",
                "An invoice with VAT category 'O' must not have lines with another VAT category",
            ),
            fatal(
                "BR-O-13",
                "BT-95",
                "An invoice with VAT category 'O' must not have document allowances with another VAT category",
            ),
            fatal(
                "BR-O-14",
                "BT-102",
                "An invoice with VAT category 'O' must not have document charges with another VAT category",
            ),
        ]
    };
}

pub static UBL_RULES: &[Rule] = common_rules!(warning(
    "BR-51",
    "BT-87",
    "Only the last 4 to 6 digits of a payment card number should be given (at most 10 characters)"
));
pub static CII_RULES: &[Rule] = common_rules!(fatal(
    "BR-51",
    "BT-87",
    "Only the last 4 to 6 digits of a payment card number may be given (at most 10 characters)"
));

fn norm_len(s: &str) -> usize {
    s.split([' ', '\t', '\r', '\n'])
        .filter(|p| !p.is_empty())
        .map(|p| p.chars().count() + 1)
        .sum::<usize>()
        .saturating_sub(1)
}

fn is_vat_scheme(doc: &Doc<'_>, n: NodeId) -> bool {
    doc.at(n, &[(Ns::Cac, "TaxScheme"), (Ns::Cbc, "ID")])
        .is_some_and(|i| doc.text(i).eq_ignore_ascii_case("VAT"))
}

pub fn check(ctx: &mut Ctx<'_, '_>) {
    match ctx.syntax {
        Syntax::Ubl => check_ubl(ctx),
        Syntax::Cii => check_cii(ctx),
    }
    check_o(ctx);
}

/// BR-O-12..14 (UBL and the line part of CII) from the model.
fn check_o(ctx: &mut Ctx<'_, '_>) {
    let inv = ctx.inv;
    let is_o = |c: &Option<crate::model::Text<'_>>| c.is_some_and(|c| c.value == "O");
    let other = |c: &Option<crate::model::Text<'_>>| c.is_some_and(|c| c.value != "O");
    let Some(o) = inv.vat_breakdown.iter().find(|b| is_o(&b.category)) else {
        return;
    };
    let node = Some(o.node);
    match ctx.syntax {
        Syntax::Ubl => {
            if inv.lines.iter().any(|l| other(&l.vat_category)) {
                ctx.fail("BR-O-12", node);
            }
            let acs = &inv.allowances_charges;
            if acs
                .iter()
                .any(|a| a.is_charge == Some(false) && other(&a.vat_category))
            {
                ctx.fail("BR-O-13", node);
            }
            if acs
                .iter()
                .any(|a| a.is_charge == Some(true) && other(&a.vat_category))
            {
                ctx.fail("BR-O-14", node);
            }
        }
        Syntax::Cii => {
            // Any trade tax (line or header) with another category; any allowance or
            // charge tax with another category counts for both BR-O-13 and BR-O-14.
            let doc = ctx.doc;
            let (mut tax, mut ac) = (false, false);
            for i in 0..doc.nodes.len() {
                let Ok(n) = NodeId::try_from(i) else { break };
                let Some(node) = doc.node(n) else { break };
                if node.ns != Ns::Ram {
                    continue;
                }
                let differs = || {
                    doc.kids(n, Ns::Ram, "CategoryCode")
                        .any(|c| doc.raw_text(c) != "O")
                };
                match node.name {
                    "ApplicableTradeTax" if !tax => tax = differs(),
                    "CategoryTradeTax" if !ac => ac = differs(),
                    _ => {}
                }
            }
            if tax {
                ctx.fail("BR-O-12", node);
            }
            if ac {
                ctx.fail("BR-O-13", node);
                ctx.fail("BR-O-14", node);
            }
        }
    }
}

fn check_ubl(ctx: &mut Ctx<'_, '_>) {
    use Ns::{Cac, Cbc};
    let doc = ctx.doc;
    let root = doc.root();
    // Country codes and VAT categories anywhere, for BR-B-01/02.
    let mut non_it_country = false;
    let mut b_any = false;
    for i in 0..doc.nodes.len() {
        let Ok(n) = NodeId::try_from(i) else { break };
        let Some(node) = doc.node(n) else { break };
        match (node.ns, node.name) {
            (Cac, "AdditionalItemProperty") => {
                let ok = doc.kid(n, Cbc, "Name").is_some() && doc.kid(n, Cbc, "Value").is_some();
                ctx.check(ok, "BR-54", Some(n));
            }
            (Cac, "Address")
                if doc
                    .parent(n)
                    .is_some_and(|p| doc.is(p, Cac, "DeliveryLocation"))
                    && doc
                        .parent(n)
                        .and_then(|p| doc.parent(p))
                        .is_some_and(|d| doc.is(d, Cac, "Delivery")) =>
            {
                let ok = doc
                    .at(n, &[(Cac, "Country"), (Cbc, "IdentificationCode")])
                    .is_some();
                ctx.check(ok, "BR-57", Some(n));
            }
            (Cac, "BillingReference") => {
                let ok = doc
                    .at(n, &[(Cac, "InvoiceDocumentReference"), (Cbc, "ID")])
                    .is_some();
                // A reference without its ID is reported by the core family (the model keeps
                // it); here only a billing reference without any invoice reference.
                if !ok && doc.kid(n, Cac, "InvoiceDocumentReference").is_none() {
                    ctx.fail("BR-55", Some(n));
                }
            }
            (Cbc, "PrimaryAccountNumberID")
                if doc.parent(n).is_some_and(|p| {
                    doc.is(p, Cac, "CardAccount")
                        && doc
                            .parent(p)
                            .is_some_and(|pm| doc.is(pm, Cac, "PaymentMeans"))
                }) =>
            {
                ctx.check(norm_len(doc.raw_text(n)) <= 10, "BR-51", Some(n));
            }
            (Cac, "PartyTaxScheme") if is_vat_scheme(doc, n) => {
                // The official test takes the first two characters and looks them up in the
                // space-separated code string, so an empty identifier passes.
                let id = doc.kid(n, Cbc, "CompanyID").map_or("", |c| doc.raw_text(c));
                let prefix: String = id.chars().take(2).collect();
                let ok = in_code_string(data::CEN_UBL_BR_CL_14, &["EL"], &prefix);
                ctx.check(ok, "BR-CO-09", Some(n));
            }
            (Cbc, "IdentificationCode") => non_it_country |= doc.raw_text(n) != "IT",
            (Cbc, "ID")
                if doc.parent(n).is_some_and(|p| {
                    doc.is(p, Cac, "TaxCategory") || doc.is(p, Cac, "ClassifiedTaxCategory")
                }) =>
            {
                b_any |= doc.raw_text(n) == "B";
            }
            _ => {}
        }
    }
    if b_any && non_it_country {
        ctx.fail("BR-B-01", Some(root));
    }
    // BR-B-02: categories of the breakdown, document allowances/charges and lines.
    let inv = ctx.inv;
    let cats = inv
        .vat_breakdown
        .iter()
        .map(|b| b.category)
        .chain(inv.allowances_charges.iter().map(|a| a.vat_category))
        .chain(inv.lines.iter().map(|l| l.vat_category));
    let (mut b, mut s) = (false, false);
    for c in cats.flatten() {
        b |= c.value == "B";
        s |= c.value == "S";
    }
    if b && s {
        ctx.fail("BR-B-02", Some(root));
    }
    // BR-IC-12: intra-community supply needs the deliver-to country.
    if inv
        .vat_breakdown
        .iter()
        .any(|b| b.category.is_some_and(|c| c.value == "K"))
    {
        let ok = inv
            .delivery_country
            .is_some_and(|c| c.value.chars().count() > 1);
        ctx.check(ok, "BR-IC-12", Some(root));
    }
}

/// XPath `contains(' A B C ', p)` over the code string built from `list` plus `extra`.
fn in_code_string(list: &[&str], extra: &[&str], p: &str) -> bool {
    let mut s = String::with_capacity(list.len() * 3 + 8);
    s.push(' ');
    for c in list.iter().chain(extra) {
        s.push_str(c);
        s.push(' ');
    }
    s.contains(p)
}

fn check_cii(ctx: &mut Ctx<'_, '_>) {
    use Ns::Ram;
    let doc = ctx.doc;
    let root = doc.root();
    let mut non_it_country = false;
    let (mut b_any, mut s_any) = (false, false);
    for i in 0..doc.nodes.len() {
        let Ok(n) = NodeId::try_from(i) else { break };
        let Some(node) = doc.node(n) else { break };
        if node.ns != Ram {
            continue;
        }
        match node.name {
            "ApplicableProductCharacteristic" => {
                let ok =
                    doc.kid(n, Ram, "Description").is_some() && doc.kid(n, Ram, "Value").is_some();
                ctx.check(ok, "BR-54", Some(n));
            }
            "ApplicableTradeSettlementFinancialCard" => {
                let len = doc
                    .kid(n, Ram, "ID")
                    .map_or(0, |i| norm_len(doc.raw_text(i)));
                ctx.check(len <= 10, "BR-51", Some(n));
            }
            "ID" if doc.attr(n, "schemeID") == Some("VA")
                && doc
                    .parent(n)
                    .is_some_and(|p| doc.is(p, Ram, "SpecifiedTaxRegistration")) =>
            {
                let prefix: String = doc.raw_text(n).chars().take(2).collect();
                let ok = prefix == "EL"
                    || prefix == "AN"
                    || (prefix != "SS" && contains(data::CEN_CII_BR_CL_14, &prefix));
                ctx.check(ok, "BR-CO-09", Some(n));
            }
            "CountryID" => non_it_country |= doc.raw_text(n) != "IT",
            "CategoryCode" => {
                let v = doc.raw_text(n);
                b_any |= v == "B";
                s_any |= v == "S";
            }
            _ => {}
        }
    }
    if b_any && non_it_country {
        ctx.fail("BR-B-01", Some(root));
    }
    if b_any && s_any {
        ctx.fail("BR-B-02", Some(root));
    }
    // BR-57 and BR-IC-12 on the header delivery.
    let del = doc.at(
        root,
        &[
            (Ns::Rsm, "SupplyChainTradeTransaction"),
            (Ram, "ApplicableHeaderTradeDelivery"),
        ],
    );
    let ship_addr =
        del.and_then(|d| doc.at(d, &[(Ram, "ShipToTradeParty"), (Ram, "PostalTradeAddress")]));
    let ship_country = ship_addr.and_then(|a| doc.kid(a, Ram, "CountryID"));
    if let Some(a) = ship_addr {
        let ok = ship_country.is_some_and(|c| !doc.text(c).is_empty());
        ctx.check(ok, "BR-57", Some(a));
    }
    let k_breakdowns: Vec<NodeId> = ctx
        .inv
        .vat_breakdown
        .iter()
        .filter(|b| b.category.is_some_and(|c| c.value == "K"))
        .map(|b| b.node)
        .collect();
    for b in k_breakdowns {
        let is_vat = doc
            .kid(b, Ram, "TypeCode")
            .is_some_and(|t| doc.text(t).eq_ignore_ascii_case("VAT"));
        if is_vat {
            ctx.check(ship_country.is_some(), "BR-IC-12", Some(b));
        }
    }
}
