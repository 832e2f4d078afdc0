//! Peppol national rules for the Netherlands: NL-R-001..009 (both syntaxes).

use rust_decimal::Decimal;

use super::postal;
use crate::detect::Syntax;
use crate::model::{Address, Party};
use crate::rules::{fatal, val, Ctx, Rule};

pub static RULES: &[Rule] = &[
    fatal("NL-R-001", "BG-3", "Dutch supplier: a credit note must reference the invoice it corrects"),
    fatal("NL-R-002", "BG-5", "Dutch supplier: seller address must have street, city and post code"),
    fatal("NL-R-003", "BT-30", "Dutch supplier: seller legal registration id must use scheme 0106 (KvK) or 0190 (OIN)"),
    fatal("NL-R-004", "BG-8", "Dutch supplier and buyer: buyer address must have street, city and post code"),
    fatal("NL-R-005", "BT-47", "Dutch supplier and buyer: buyer legal registration id must use scheme 0106 (KvK) or 0190 (OIN)"),
    fatal("NL-R-006", "BG-12", "Dutch supplier and tax representative: representative address must have street, city and post code"),
    fatal("NL-R-007", "BG-16", "Dutch supplier: payment means are required when an amount is due"),
    fatal("NL-R-008", "BT-81", "Dutch supplier and buyer: payment means code must be 30, 48, 49, 57, 58 or 59"),
    fatal("NL-R-009", "BT-132", "Dutch supplier: an order line reference requires a purchase order reference"),
];

fn street_city_zip(ctx: &mut Ctx<'_, '_>, a: &Option<Address<'_>>, rule: &'static str) {
    if let Some(a) = a {
        ctx.check(
            a.line1.is_some() && a.city.is_some() && a.postcode.is_some(),
            rule,
            a.node,
        );
    }
}

fn kvk_oin(ctx: &mut Ctx<'_, '_>, p: &Party<'_>, rule: &'static str) {
    for id in &p.legal_ids {
        let ok = matches!(id.scheme.map(str::trim), Some("0106" | "0190")) && !id.value.is_empty();
        ctx.check(ok, rule, Some(id.node));
    }
}

pub fn check(ctx: &mut Ctx<'_, '_>) {
    let inv = ctx.inv;
    let s_nl = postal(&inv.seller).as_deref() == Some("NL");
    let c_nl = postal(&inv.buyer).as_deref() == Some("NL");
    let ubl = ctx.syntax == Syntax::Ubl;
    if s_nl {
        let credit = if ubl {
            ctx.is_credit_note()
        } else {
            matches!(
                inv.type_code.map(|t| t.value),
                Some("81" | "83" | "381" | "396" | "532")
            )
        };
        if credit {
            let has = inv.preceding_invoices.iter().any(|(id, _)| id.is_some());
            ctx.check(has, "NL-R-001", inv.type_code.map(|t| t.node));
        }
        street_city_zip(ctx, &inv.seller.address, "NL-R-002");
        kvk_oin(ctx, &inv.seller, "NL-R-003");
        if c_nl {
            street_city_zip(ctx, &inv.buyer.address, "NL-R-004");
            kvk_oin(ctx, &inv.buyer, "NL-R-005");
        }
        if let Some(tr) = &inv.tax_representative {
            if postal(tr).as_deref() == Some("NL") {
                street_city_zip(ctx, &tr.address, "NL-R-006");
            }
        }
        if inv.totals.node.is_some() {
            let due = val(&inv.totals.payable);
            let credit381 = if ubl {
                ctx.is_credit_note()
            } else {
                inv.type_code.map(|t| t.value) == Some("381")
            };
            let ok = (!credit381 && due <= Decimal::ZERO)
                || (credit381 && due >= Decimal::ZERO)
                || !inv.payment_means.is_empty();
            ctx.check(ok, "NL-R-007", inv.totals.node);
        }
        if c_nl {
            for pm in &inv.payment_means {
                let ok = matches!(
                    pm.code.map(|c| c.value),
                    Some("30" | "48" | "49" | "57" | "58" | "59")
                );
                ctx.check(ok, "NL-R-008", Some(pm.node));
            }
        }
        if inv.order_ref.is_none() {
            for l in &inv.lines {
                if let Some(r) = l.order_line_ref {
                    ctx.fail("NL-R-009", Some(r.node));
                }
            }
        }
    }
}
