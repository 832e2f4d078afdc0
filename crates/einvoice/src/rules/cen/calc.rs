//! BR-CO-*: conditions and calculations; BR-DEC-*: at most two decimals in amounts.

use rust_decimal::Decimal;

use crate::model::{written_decimals, Num};
use crate::rules::arith::{self, abs_diff};
use crate::rules::registry::CenRelease;
use crate::rules::{fatal, sum, val, xpath_round2, Ctx, Rule};

pub static RULES: &[Rule] = &[
    fatal("BR-CO-03", "BT-7", "VAT point date and VAT point date code are mutually exclusive"),
    fatal("BR-CO-04", "BT-151", "Each invoice line must be categorised with a VAT category code"),
    fatal("BR-CO-10", "BT-106", "Sum of invoice line net amounts must equal the sum of all line net amounts"),
    fatal("BR-CO-11", "BT-107", "Sum of allowances on document level must equal the sum of all document level allowance amounts"),
    fatal("BR-CO-12", "BT-108", "Sum of charges on document level must equal the sum of all document level charge amounts"),
    fatal("BR-CO-13", "BT-109", "Total without VAT must equal line total - allowances + charges"),
    fatal("BR-CO-14", "BT-110", "Invoice total VAT amount must equal the sum of the VAT breakdown tax amounts"),
    fatal("BR-CO-15", "BT-112", "Total with VAT must equal total without VAT + total VAT amount"),
    fatal("BR-CO-16", "BT-115", "Amount due must equal total with VAT - paid amount + rounding amount"),
    fatal("BR-CO-17", "BT-117", "VAT category tax amount must equal taxable amount * VAT rate / 100, rounded to two decimals"),
    fatal("BR-CO-18", "BG-23", "An invoice must have at least one VAT breakdown"),
    fatal("BR-CO-19", "BG-14", "An invoicing period must have a start date or an end date"),
    fatal("BR-CO-20", "BG-26", "A line period must have a start date or an end date"),
    fatal("BR-CO-21", "BT-97", "Each document level allowance must have a reason or a reason code"),
    fatal("BR-CO-22", "BT-104", "Each document level charge must have a reason or a reason code"),
    fatal("BR-CO-23", "BT-139", "Each line allowance must have a reason or a reason code"),
    fatal("BR-CO-24", "BT-144", "Each line charge must have a reason or a reason code"),
    fatal("BR-CO-26", "BT-31", "The seller must be identified by a seller id, legal registration id or VAT id"),
    fatal("BR-DEC-01", "BT-92", "Document level allowance amount: at most 2 decimals"),
    fatal("BR-DEC-02", "BT-93", "Document level allowance base amount: at most 2 decimals"),
    fatal("BR-DEC-05", "BT-99", "Document level charge amount: at most 2 decimals"),
    fatal("BR-DEC-06", "BT-100", "Document level charge base amount: at most 2 decimals"),
    fatal("BR-DEC-09", "BT-106", "Sum of line net amounts: at most 2 decimals"),
    fatal("BR-DEC-10", "BT-107", "Sum of allowances: at most 2 decimals"),
    fatal("BR-DEC-11", "BT-108", "Sum of charges: at most 2 decimals"),
    fatal("BR-DEC-12", "BT-109", "Total without VAT: at most 2 decimals"),
    fatal("BR-DEC-13", "BT-110", "Total VAT amount: at most 2 decimals"),
    fatal("BR-DEC-14", "BT-112", "Total with VAT: at most 2 decimals"),
    fatal("BR-DEC-15", "BT-111", "Total VAT amount in accounting currency: at most 2 decimals"),
    fatal("BR-DEC-16", "BT-113", "Paid amount: at most 2 decimals"),
    fatal("BR-DEC-17", "BT-114", "Rounding amount: at most 2 decimals"),
    fatal("BR-DEC-18", "BT-115", "Amount due: at most 2 decimals"),
    fatal("BR-DEC-19", "BT-116", "VAT category taxable amount: at most 2 decimals"),
    fatal("BR-DEC-20", "BT-117", "VAT category tax amount: at most 2 decimals"),
    fatal("BR-DEC-23", "BT-131", "Line net amount: at most 2 decimals"),
    fatal("BR-DEC-24", "BT-136", "Line allowance amount: at most 2 decimals"),
    fatal("BR-DEC-25", "BT-137", "Line allowance base amount: at most 2 decimals"),
    fatal("BR-DEC-27", "BT-141", "Line charge amount: at most 2 decimals"),
    fatal("BR-DEC-28", "BT-142", "Line charge base amount: at most 2 decimals"),
];

fn dec2(ctx: &mut Ctx<'_, '_>, n: &Option<Num<'_>>, id: &'static str) {
    if let Some(n) = n {
        ctx.check(written_decimals(n.raw) <= 2, id, Some(n.node));
    }
}

/// `expected` is `None` when the calculation is out of the decimal range: the rule then
/// does not hold (see [`arith`]).
fn eq_calc(ctx: &mut Ctx<'_, '_>, id: &'static str, actual: &Num<'_>, expected: Option<Decimal>) {
    if expected != Some(actual.dec()) {
        ctx.fail_calc_checked(id, Some(actual.node), expected, Some(actual.dec()));
    }
}

pub fn check(ctx: &mut Ctx<'_, '_>) {
    let inv = ctx.inv;
    let root = Some(inv.root);
    let t = &inv.totals;

    // BR-CO-03: tax point date vs. its code. UBL: once, on the document. CII: on each header
    // VAT breakdown, with both looked up anywhere in the document (`//ram:TaxPointDate`,
    // `//ram:DueDateTypeCode`), as the artefact does.
    match ctx.syntax {
        crate::detect::Syntax::Ubl => ctx.check(
            !(inv.tax_point_date.is_some() && inv.tax_point_date_code.is_some()),
            "BR-CO-03",
            root,
        ),
        crate::detect::Syntax::Cii => {
            let doc = ctx.doc;
            let anywhere = |name: &str| {
                doc.descendants(inv.root)
                    .any(|n| doc.is(n, crate::xml::Ns::Ram, name))
            };
            if anywhere("TaxPointDate") && anywhere("DueDateTypeCode") {
                for b in &inv.vat_breakdown {
                    ctx.fail("BR-CO-03", Some(b.node));
                }
            }
        }
    }

    let doc_allowances: Vec<_> = inv
        .allowances_charges
        .iter()
        .filter(|a| a.is_charge == Some(false))
        .collect();
    let doc_charges: Vec<_> = inv
        .allowances_charges
        .iter()
        .filter(|a| a.is_charge == Some(true))
        .collect();

    if t.node.is_some() {
        if let Some(ln) = &t.line_net {
            let s = sum(inv.lines.iter().filter_map(|l| l.net_amount.as_ref())).map(xpath_round2);
            eq_calc(ctx, "BR-CO-10", ln, s);
        }
        let sa = sum(doc_allowances.iter().filter_map(|a| a.amount.as_ref())).map(xpath_round2);
        match &t.allowances {
            Some(a) => eq_calc(ctx, "BR-CO-11", a, sa),
            None if !doc_allowances.is_empty() => ctx.fail("BR-CO-11", t.node),
            None => {}
        }
        let sc = sum(doc_charges.iter().filter_map(|a| a.amount.as_ref())).map(xpath_round2);
        match &t.charges {
            Some(c) => eq_calc(ctx, "BR-CO-12", c, sc),
            None if !doc_charges.is_empty() => ctx.fail("BR-CO-12", t.node),
            None => {}
        }
        if let Some(wv) = &t.without_vat {
            let exp = arith::sum([val(&t.line_net), val(&t.charges), -val(&t.allowances)])
                .map(xpath_round2);
            eq_calc(ctx, "BR-CO-13", wv, exp);
        }
        if let Some(p) = &t.payable {
            let exp = arith::sum([val(&t.with_vat), -val(&t.prepaid), val(&t.rounding)])
                .map(xpath_round2);
            eq_calc(ctx, "BR-CO-16", p, exp);
        }
    }
    // BR-CO-14. UBL: each TaxTotal against its own subtotals (a repeated TaxTotal is
    // BR-CO-15's and PEPPOL-EN16931-R053's to report, not this rule's). CII: each total VAT
    // amount in the invoice currency against all breakdowns.
    let doc = ctx.doc;
    match ctx.syntax {
        crate::detect::Syntax::Ubl => {
            for tt in doc.kids(inv.root, crate::xml::Ns::Cac, "TaxTotal") {
                let own: Vec<_> = inv
                    .vat_breakdown
                    .iter()
                    .filter(|b| doc.parent(b.node) == Some(tt))
                    .collect();
                if own.is_empty() {
                    continue;
                }
                let s = sum(own.iter().filter_map(|b| b.tax_amount.as_ref())).map(xpath_round2);
                match inv
                    .tax_totals
                    .iter()
                    .find(|a| doc.parent(a.node) == Some(tt))
                {
                    Some(amount) => eq_calc(ctx, "BR-CO-14", amount, s),
                    // No TaxAmount to compare: the artefact's comparison is false.
                    None => ctx.fail("BR-CO-14", Some(tt)),
                }
            }
        }
        crate::detect::Syntax::Cii => {
            let cur = inv.currency.map(|c| c.value);
            let s = sum(inv
                .vat_breakdown
                .iter()
                .filter_map(|b| b.tax_amount.as_ref()))
            .map(xpath_round2);
            for amount in inv
                .tax_totals
                .iter()
                .filter(|a| cur.is_some() && a.unit == cur)
            {
                eq_calc(ctx, "BR-CO-14", amount, s);
            }
        }
    }
    // BR-CO-15: exactly one VAT total in the invoice currency, and the total with VAT adds up.
    let cur = inv.currency.map(|c| c.value);
    let in_cur: Vec<&Num<'_>> = inv
        .tax_totals
        .iter()
        .filter(|a| a.unit == cur || (ctx.syntax == crate::detect::Syntax::Cii && a.unit.is_none()))
        .collect();
    if cur.is_some() {
        let ok_count = in_cur.len() == 1;
        let exp =
            arith::sum(std::iter::once(val(&t.without_vat)).chain(in_cur.iter().map(|a| a.dec())))
                .map(xpath_round2);
        let with_vat = val(&t.with_vat);
        // CII also accepts a total with VAT equal to the total without VAT (no VAT at all).
        let cii_no_vat =
            ctx.syntax == crate::detect::Syntax::Cii && with_vat == val(&t.without_vat);
        if cii_no_vat {
        } else if !ok_count {
            ctx.fail_with(
                "BR-CO-15",
                t.node.or(root),
                format!("{} VAT totals in the invoice currency", in_cur.len()),
            );
        } else if exp != Some(with_vat) {
            ctx.fail_calc_checked(
                "BR-CO-15",
                t.with_vat.map(|w| w.node).or(t.node),
                exp,
                Some(with_vat),
            );
        }
    }
    // BR-CO-17.
    for b in &inv.vat_breakdown {
        let tax = b.tax_amount.as_ref().map_or(Decimal::ZERO, Num::dec);
        let ok = match &b.rate {
            Some(r) if r.dec().round() == Decimal::ZERO => tax.round() == Decimal::ZERO,
            Some(r) => {
                let taxable = b
                    .taxable_amount
                    .as_ref()
                    .map_or(Decimal::ZERO, Num::dec)
                    .abs();
                let exp = arith::mul(taxable, r.dec() / Decimal::ONE_HUNDRED).map(xpath_round2);
                // |tax| - 1 < exp < |tax| + 1; an out-of-range exp or difference fails.
                let diff = exp.and_then(|e| abs_diff(tax.abs(), e));
                // The CII artefact accepts a deviation of exactly 1, the UBL one does not.
                if ctx.syntax == crate::detect::Syntax::Cii {
                    diff.is_some_and(|d| d <= Decimal::ONE)
                } else {
                    diff.is_some_and(|d| d < Decimal::ONE)
                }
            }
            None => tax.round() == Decimal::ZERO,
        };
        if !ok {
            let exp = b.rate.as_ref().map_or(Some(Decimal::ZERO), |r| {
                arith::percent_of(val(&b.taxable_amount), r.dec()).map(xpath_round2)
            });
            ctx.fail_calc_checked("BR-CO-17", Some(b.node), exp, Some(tax));
        }
    }
    ctx.check(!inv.vat_breakdown.is_empty(), "BR-CO-18", root);
    if let Some(p) = &inv.period {
        ctx.check(
            p.start.is_some() || p.end.is_some() || p.description_code.is_some(),
            "BR-CO-19",
            p.node,
        );
    }
    for l in &inv.lines {
        ctx.check(l.vat_category.is_some(), "BR-CO-04", Some(l.node));
        if let Some(p) = &l.period {
            ctx.check(p.start.is_some() || p.end.is_some(), "BR-CO-20", p.node);
        }
        dec2(ctx, &l.net_amount, "BR-DEC-23");
        for ac in &l.allowances_charges {
            let has = ac.reason.is_some() || ac.reason_code.is_some();
            match ac.is_charge {
                Some(false) => {
                    ctx.check(has, "BR-CO-23", Some(ac.node));
                    dec2(ctx, &ac.amount, "BR-DEC-24");
                    dec2(ctx, &ac.base_amount, "BR-DEC-25");
                }
                Some(true) => {
                    ctx.check(has, "BR-CO-24", Some(ac.node));
                    dec2(ctx, &ac.amount, "BR-DEC-27");
                    dec2(ctx, &ac.base_amount, "BR-DEC-28");
                }
                None => {}
            }
        }
    }
    for ac in &inv.allowances_charges {
        let has = ac.reason.is_some() || ac.reason_code.is_some();
        match ac.is_charge {
            Some(false) => {
                ctx.check(has, "BR-CO-21", Some(ac.node));
                dec2(ctx, &ac.amount, "BR-DEC-01");
                dec2(ctx, &ac.base_amount, "BR-DEC-02");
            }
            Some(true) => {
                ctx.check(has, "BR-CO-22", Some(ac.node));
                dec2(ctx, &ac.amount, "BR-DEC-05");
                dec2(ctx, &ac.base_amount, "BR-DEC-06");
            }
            None => {}
        }
    }
    if inv.seller.node.is_some() {
        let s = &inv.seller;
        // UBL 1.3.16 does not count a SEPA creditor id; UBL 1.3.15 and CII count any id.
        let skip_sepa = ctx.syntax == crate::detect::Syntax::Ubl && ctx.cen == CenRelease::V1_3_16;
        let ids = s
            .ids
            .iter()
            .any(|i| !(skip_sepa && i.scheme == Some("SEPA")));
        ctx.check(
            s.vat_id.is_some() || ids || !s.legal_ids.is_empty(),
            "BR-CO-26",
            s.node,
        );
    }
    dec2(ctx, &t.line_net, "BR-DEC-09");
    dec2(ctx, &t.allowances, "BR-DEC-10");
    dec2(ctx, &t.charges, "BR-DEC-11");
    dec2(ctx, &t.without_vat, "BR-DEC-12");
    dec2(ctx, &t.vat, "BR-DEC-13");
    dec2(ctx, &t.with_vat, "BR-DEC-14");
    br_dec_15(ctx);
    dec2(ctx, &t.prepaid, "BR-DEC-16");
    dec2(ctx, &t.rounding, "BR-DEC-17");
    dec2(ctx, &t.payable, "BR-DEC-18");
    for b in &inv.vat_breakdown {
        dec2(ctx, &b.taxable_amount, "BR-DEC-19");
        dec2(ctx, &b.tax_amount, "BR-DEC-20");
    }
}

/// BR-DEC-15 as each artefact tests it. UBL: the predicate
/// `TaxAmount[@currencyID = cbc:TaxCurrencyCode]` looks for a TaxCurrencyCode child of the
/// TaxAmount, which never exists, so the rule never fires (Haven advises instead). CII:
/// with a VAT accounting currency, some VAT total must be in it with at most two
/// significant decimals, so a missing one fails too.
fn br_dec_15(ctx: &mut Ctx<'_, '_>) {
    let inv = ctx.inv;
    let Some(tcur) = inv.tax_currency.map(|c| c.value) else {
        return;
    };
    match ctx.syntax {
        crate::detect::Syntax::Ubl => {
            if let Some(acc) = &inv.totals.vat_accounting {
                if written_decimals(acc.raw) > 2 {
                    ctx.advise("HAVEN-Q-BR-DEC-15", Some(acc.node));
                }
            }
        }
        crate::detect::Syntax::Cii => {
            if inv.tax_totals.is_empty() {
                return;
            }
            let ok = inv.tax_totals.iter().any(|a| {
                a.unit == Some(tcur) && a.value.is_some_and(|v| v.normalize().scale() <= 2)
            });
            ctx.check(ok, "BR-DEC-15", inv.totals.node);
        }
    }
}
