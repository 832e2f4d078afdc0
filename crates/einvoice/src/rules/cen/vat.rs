//! VAT category families BR-S/Z/E/AE/IC/G/O/AF/AG: each category code has the same
//! pattern of ten-odd rules (breakdown present, party ids, rate, taxable amount, tax
//! amount, exemption reason), so they are driven by one table here.

use rust_decimal::Decimal;

use crate::model::{AllowanceCharge, Invoice, Num, Text};
use crate::rules::arith::{self, abs_diff};
use crate::rules::{fatal, Ctx, Rule};

/// How a category constrains its rate and exemption reason.
#[derive(Clone, Copy, PartialEq, Eq)]
enum RateRule {
    Positive,
    Zero,
    Absent,
    NonNegative,
}

struct Cat {
    code: &'static str,
    prefix: &'static str,
    rate: RateRule,
    /// Tax amount must be 0 (otherwise: taxable * rate).
    zero_tax: bool,
    /// Exemption reason must be present (true) or absent (false); None = unconstrained.
    reason: Option<bool>,
    /// Breakdown count when used: true = at least one (one per rate), false = exactly one.
    many: bool,
}

static CATS: &[Cat] = &[
    Cat {
        code: "S",
        prefix: "BR-S",
        rate: RateRule::Positive,
        zero_tax: false,
        reason: Some(false),
        many: true,
    },
    Cat {
        code: "Z",
        prefix: "BR-Z",
        rate: RateRule::Zero,
        zero_tax: true,
        reason: Some(false),
        many: false,
    },
    Cat {
        code: "E",
        prefix: "BR-E",
        rate: RateRule::Zero,
        zero_tax: true,
        reason: Some(true),
        many: false,
    },
    Cat {
        code: "AE",
        prefix: "BR-AE",
        rate: RateRule::Zero,
        zero_tax: true,
        reason: Some(true),
        many: false,
    },
    Cat {
        code: "K",
        prefix: "BR-IC",
        rate: RateRule::Zero,
        zero_tax: true,
        reason: Some(true),
        many: false,
    },
    Cat {
        code: "G",
        prefix: "BR-G",
        rate: RateRule::Zero,
        zero_tax: true,
        reason: Some(true),
        many: false,
    },
    Cat {
        code: "O",
        prefix: "BR-O",
        rate: RateRule::Absent,
        zero_tax: true,
        reason: Some(true),
        many: false,
    },
    Cat {
        code: "L",
        prefix: "BR-AF",
        rate: RateRule::NonNegative,
        zero_tax: false,
        reason: Some(false),
        many: true,
    },
    Cat {
        code: "M",
        prefix: "BR-AG",
        rate: RateRule::NonNegative,
        zero_tax: false,
        reason: Some(false),
        many: true,
    },
];

macro_rules! family {
    ($p:literal, $name:literal, $bt_rate:literal) => {
        [
            fatal(
                concat!($p, "-01"),
                "BG-23",
                concat!(
                    "An invoice using VAT category '",
                    $name,
                    "' on a line, allowance or charge must have a matching VAT breakdown"
                ),
            ),
            fatal(
                concat!($p, "-02"),
                "BT-31",
                concat!(
                    "Lines with VAT category '",
                    $name,
                    "' require the party VAT identifiers this category demands"
                ),
            ),
            fatal(
                concat!($p, "-03"),
                "BT-31",
                concat!(
                    "Document allowances with VAT category '",
                    $name,
                    "' require the party VAT identifiers this category demands"
                ),
            ),
            fatal(
                concat!($p, "-04"),
                "BT-31",
                concat!(
                    "Document charges with VAT category '",
                    $name,
                    "' require the party VAT identifiers this category demands"
                ),
            ),
            fatal(
                concat!($p, "-05"),
                "BT-152",
                concat!(
                    "Line VAT rate does not fit VAT category '",
                    $name,
                    "' (",
                    $bt_rate,
                    ")"
                ),
            ),
            fatal(
                concat!($p, "-06"),
                "BT-96",
                concat!(
                    "Allowance VAT rate does not fit VAT category '",
                    $name,
                    "' (",
                    $bt_rate,
                    ")"
                ),
            ),
            fatal(
                concat!($p, "-07"),
                "BT-103",
                concat!(
                    "Charge VAT rate does not fit VAT category '",
                    $name,
                    "' (",
                    $bt_rate,
                    ")"
                ),
            ),
            fatal(
                concat!($p, "-08"),
                "BT-116",
                concat!(
                    "Taxable amount of VAT category '",
                    $name,
                    "' must equal its line net amounts + charges - allowances"
                ),
            ),
            fatal(
                concat!($p, "-09"),
                "BT-117",
                concat!("Tax amount of VAT category '", $name, "' is wrong"),
            ),
            fatal(
                concat!($p, "-10"),
                "BT-120",
                concat!(
                    "Exemption reason of VAT category '",
                    $name,
                    "' is missing or not allowed"
                ),
            ),
        ]
    };
}

const S: [Rule; 10] = family!("BR-S", "S", "must be greater than zero");
const Z: [Rule; 10] = family!("BR-Z", "Z", "must be zero");
const E: [Rule; 10] = family!("BR-E", "E", "must be zero");
const AE: [Rule; 10] = family!("BR-AE", "AE", "must be zero");
const G: [Rule; 10] = family!("BR-G", "G", "must be zero");
const O: [Rule; 10] = family!("BR-O", "O", "must be absent");
const AF: [Rule; 10] = family!("BR-AF", "L", "must be zero or more");
const AG: [Rule; 10] = family!("BR-AG", "M", "must be zero or more");
const IC: [Rule; 10] = family!("BR-IC", "K", "must be zero");

pub static RULES: &[Rule] = &{
    let mut out = [S[0]; 92];
    let fams = [S, Z, E, AE, G, O, AF, AG, IC];
    let mut i = 0;
    let mut f = 0;
    while f < fams.len() {
        let mut j = 0;
        while j < 10 {
            out[i] = fams[f][j];
            i += 1;
            j += 1;
        }
        f += 1;
    }
    out[90] = fatal(
        "BR-O-11",
        "BG-23",
        "An invoice with VAT category 'O' must not have any other VAT breakdown",
    );
    out[91] = fatal(
        "BR-IC-11",
        "BT-72",
        "An intra-community supply requires an actual delivery date or an invoicing period",
    );
    out
};

fn is(t: &Option<Text<'_>>, code: &str) -> bool {
    t.is_some_and(|t| t.value == code)
}

fn rid(prefix: &str, n: u8) -> &'static str {
    // The ids are static strings in RULES; find the one with this prefix and number
    // ("{prefix}-{n:02}", compared in place: this runs once per line).
    let digits = [b'0' + (n / 10) % 10, b'0' + n % 10];
    RULES
        .iter()
        .find(|r| {
            let id = r.id.as_bytes();
            id.len() == prefix.len() + 3
                && id.ends_with(&digits)
                && id.get(prefix.len()) == Some(&b'-')
                && id.starts_with(prefix.as_bytes())
        })
        .map_or("BR-S-01", |r| r.id)
}

fn rate_ok(rule: RateRule, rate: &Option<Num<'_>>) -> bool {
    match rule {
        RateRule::Positive => rate.as_ref().is_some_and(|r| r.dec() > Decimal::ZERO),
        RateRule::Zero => rate.as_ref().is_some_and(|r| r.dec() == Decimal::ZERO),
        RateRule::NonNegative => rate.as_ref().is_some_and(|r| r.dec() >= Decimal::ZERO),
        RateRule::Absent => rate.is_none(),
    }
}

/// Party identifier requirement of a category (rules -02..-04).
fn parties_ok(code: &str, inv: &Invoice<'_>) -> bool {
    let seller_vat = inv.seller.vat_id.is_some();
    let seller_any = seller_vat || inv.seller.tax_reg_id.is_some();
    let rep_vat = inv
        .tax_representative
        .as_ref()
        .is_some_and(|t| t.vat_id.is_some());
    let buyer_vat = inv.buyer.vat_id.is_some();
    match code {
        "S" | "Z" | "E" | "L" | "M" => seller_any || rep_vat,
        "AE" => (seller_any || rep_vat) && (buyer_vat || !inv.buyer.legal_ids.is_empty()),
        "K" => (seller_vat || rep_vat) && buyer_vat,
        "G" => seller_vat || rep_vat,
        "O" => !seller_vat && !rep_vat && !buyer_vat,
        _ => true,
    }
}

/// Document level charges (positive) and allowances (negated) of a category, and rate when
/// given: the terms that add to the line net amounts in the VAT-08 calculation.
fn signed_acs<'a>(
    acs: &'a [AllowanceCharge<'a>],
    code: &'a str,
    rate: Option<Decimal>,
) -> impl Iterator<Item = Decimal> + 'a {
    acs.iter()
        .filter(move |a| is(&a.vat_category, code))
        .filter(move |a| rate.is_none() || a.vat_rate.as_ref().map(Num::dec) == rate)
        .filter_map(|a| match (a.is_charge, &a.amount) {
            (Some(true), Some(n)) => Some(n.dec()),
            (Some(false), Some(n)) => Some(-n.dec()),
            _ => None,
        })
}

pub fn check(ctx: &mut Ctx<'_, '_>) {
    let inv = ctx.inv;
    let root = Some(inv.root);
    for c in CATS {
        let lines: Vec<_> = inv
            .lines
            .iter()
            .filter(|l| is(&l.vat_category, c.code))
            .collect();
        let allowances: Vec<_> = inv
            .allowances_charges
            .iter()
            .filter(|a| a.is_charge == Some(false) && is(&a.vat_category, c.code))
            .collect();
        let charges: Vec<_> = inv
            .allowances_charges
            .iter()
            .filter(|a| a.is_charge == Some(true) && is(&a.vat_category, c.code))
            .collect();
        let breakdowns: Vec<_> = inv
            .vat_breakdown
            .iter()
            .filter(|b| is(&b.category, c.code))
            .collect();
        let used = !lines.is_empty() || !allowances.is_empty() || !charges.is_empty();
        // -01: breakdown present exactly when the category is used.
        let ok01 = if used {
            if c.many {
                !breakdowns.is_empty()
            } else {
                breakdowns.len() == 1
            }
        } else {
            breakdowns.is_empty()
        };
        ctx.check(ok01, rid(c.prefix, 1), root);
        // -02..-04: party identifiers.
        let parties = parties_ok(c.code, inv);
        if !lines.is_empty() {
            ctx.check(parties, rid(c.prefix, 2), root);
        }
        if !allowances.is_empty() {
            ctx.check(parties, rid(c.prefix, 3), root);
        }
        if !charges.is_empty() {
            ctx.check(parties, rid(c.prefix, 4), root);
        }
        // -05..-07: rates.
        for l in &lines {
            ctx.check(rate_ok(c.rate, &l.vat_rate), rid(c.prefix, 5), Some(l.node));
        }
        for a in &allowances {
            ctx.check(rate_ok(c.rate, &a.vat_rate), rid(c.prefix, 6), Some(a.node));
        }
        for a in &charges {
            ctx.check(rate_ok(c.rate, &a.vat_rate), rid(c.prefix, 7), Some(a.node));
        }
        // -08..-10 per breakdown.
        for b in &breakdowns {
            let taxable = b.taxable_amount.as_ref().map_or(Decimal::ZERO, Num::dec);
            let tax = b.tax_amount.as_ref().map_or(Decimal::ZERO, Num::dec);
            if c.many {
                // Per rate: S/L/M have one breakdown per rate; tolerance of 1 as in the official rule.
                let rate = b.rate.as_ref().map(Num::dec);
                let nets = inv
                    .lines
                    .iter()
                    .filter(|l| {
                        is(&l.vat_category, c.code) && l.vat_rate.as_ref().map(Num::dec) == rate
                    })
                    .filter_map(|l| l.net_amount.as_ref())
                    .map(Num::dec);
                // `None`: out of the decimal range, the rule does not hold (see `arith`).
                let exp = arith::sum(nets.chain(signed_acs(&inv.allowances_charges, c.code, rate)));
                let used_rate = inv.lines.iter().any(|l| {
                    is(&l.vat_category, c.code) && l.vat_rate.as_ref().map(Num::dec) == rate
                }) || inv.allowances_charges.iter().any(|a| {
                    is(&a.vat_category, c.code) && a.vat_rate.as_ref().map(Num::dec) == rate
                });
                // taxable - 1 < exp < taxable + 1.
                let close = |exp: Option<Decimal>, actual: Decimal| {
                    exp.and_then(|e| abs_diff(actual, e))
                        .is_some_and(|d| d < Decimal::ONE)
                };
                let ok = rate.is_none() || (used_rate && close(exp, taxable));
                if !ok {
                    ctx.fail_calc_checked(rid(c.prefix, 8), Some(b.node), exp, Some(taxable));
                }
                if let Some(r) = rate {
                    let exp_tax = arith::mul(taxable.abs(), r / Decimal::ONE_HUNDRED)
                        .map(crate::rules::xpath_round2);
                    if !close(exp_tax, tax.abs()) {
                        ctx.fail_calc_checked(rid(c.prefix, 9), Some(b.node), exp_tax, Some(tax));
                    }
                }
            } else {
                let nets = lines
                    .iter()
                    .filter_map(|l| l.net_amount.as_ref())
                    .map(Num::dec);
                let exp = arith::sum(nets.chain(signed_acs(&inv.allowances_charges, c.code, None)));
                if !inv.lines.is_empty() && exp != Some(taxable) {
                    ctx.fail_calc_checked(rid(c.prefix, 8), Some(b.node), exp, Some(taxable));
                }
                if c.zero_tax && tax != Decimal::ZERO {
                    ctx.fail_calc(rid(c.prefix, 9), Some(b.node), Decimal::ZERO, tax);
                }
            }
            let has_reason = b.exemption_reason.is_some() || b.exemption_reason_code.is_some();
            match c.reason {
                Some(true) => ctx.check(has_reason, rid(c.prefix, 10), Some(b.node)),
                Some(false) => ctx.check(!has_reason, rid(c.prefix, 10), Some(b.node)),
                None => {}
            }
        }
    }
    // BR-O-11: category O excludes every other breakdown.
    if inv.vat_breakdown.iter().any(|b| is(&b.category, "O")) {
        ctx.check(
            inv.vat_breakdown.iter().all(|b| is(&b.category, "O")),
            "BR-O-11",
            root,
        );
    }
    // BR-IC-11: intra-community supply needs a delivery date or invoicing period.
    if inv.vat_breakdown.iter().any(|b| is(&b.category, "K")) {
        // UBL: a delivery date of more than one character or a period with any content;
        // CII: a delivery date or a period start or end date.
        let date = inv
            .delivery_date
            .is_some_and(|d| d.value.chars().count() > 1);
        let period = inv.period.as_ref().is_some_and(|p| match ctx.syntax {
            crate::detect::Syntax::Ubl => p.node.is_some_and(|n| ctx.doc.has_children(n)),
            crate::detect::Syntax::Cii => p.start.is_some() || p.end.is_some(),
        });
        ctx.check(date || period, "BR-IC-11", root);
    }
}
