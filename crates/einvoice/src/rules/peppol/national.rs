//! Peppol national rules: NL (both syntaxes), NO, DK, SE (UBL).

use rust_decimal::Decimal;

use super::{common, postal, supplier_country};
use crate::detect::Syntax;
use crate::model::{Address, Party};
use crate::rules::{fatal, val, warning, Ctx, Rule};
use crate::xml::Ns;

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

pub static UBL_ONLY: &[Rule] = &[
    fatal(
        "NO-R-001",
        "BT-31",
        "Norwegian seller VAT id must be 'NO' + 9 digit organisation number (valid MOD11) + 'MVA'",
    ),
    warning(
        "NO-R-002",
        "BT-32",
        "Norwegian seller should state 'Foretaksregisteret' as tax registration",
    ),
    fatal(
        "DK-R-002",
        "BT-30",
        "Danish seller: legal registration id must be given",
    ),
    fatal(
        "DK-R-014",
        "BT-30",
        "Danish seller: legal registration id must use scheme 0184 (CVR)",
    ),
    fatal(
        "DK-R-016",
        "BT-115",
        "Danish credit note to a Danish buyer must not have a negative amount due",
    ),
    fatal(
        "SE-R-001",
        "BT-31",
        "Swedish seller VAT id must be 14 characters",
    ),
    fatal(
        "SE-R-002",
        "BT-31",
        "Swedish seller VAT id must be numeric after the country prefix",
    ),
    fatal(
        "SE-R-003",
        "BT-30",
        "Swedish seller organisation number must be numeric",
    ),
    fatal(
        "SE-R-004",
        "BT-30",
        "Swedish seller organisation number must be 10 digits",
    ),
    fatal(
        "SE-R-013",
        "BT-30",
        "Swedish seller organisation number has an invalid check digit",
    ),
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
    if !ubl {
        return;
    }
    let doc = ctx.doc;
    // Norway keys on the derived supplier country (VAT prefix first).
    if supplier_country(ctx) == "NO" {
        if let Some(p) = inv.seller.node {
            let vat = doc
                .kids(p, Ns::Cac, "PartyTaxScheme")
                .find(|t| {
                    doc.at(*t, &[(Ns::Cac, "TaxScheme"), (Ns::Cbc, "ID")])
                        .is_some_and(|i| doc.text(i) == "VAT")
                })
                .and_then(|t| doc.kid(t, Ns::Cbc, "CompanyID"))
                .map(|c| doc.raw_text(c));
            if let Some(v) = vat {
                let ok = v.starts_with("NO")
                    && v.len() == 14
                    && v.ends_with("MVA")
                    && v.get(2..11)
                        .is_some_and(|d| d.bytes().all(|b| b.is_ascii_digit()) && common::mod11(d));
                ctx.check(ok, "NO-R-001", Some(p));
            }
            let tax = doc
                .kids(p, Ns::Cac, "PartyTaxScheme")
                .find(|t| {
                    doc.at(*t, &[(Ns::Cac, "TaxScheme"), (Ns::Cbc, "ID")])
                        .is_some_and(|i| doc.text(i) == "TAX")
                })
                .and_then(|t| doc.kid(t, Ns::Cbc, "CompanyID"))
                .map(|c| doc.text(c));
            ctx.check(tax == Some("Foretaksregisteret"), "NO-R-002", Some(p));
        }
    }
    let s_country = postal(&inv.seller);
    if s_country.as_deref() == Some("DK") {
        let legal = inv.seller.legal_ids.first();
        ctx.check(
            legal.is_some_and(|l| !l.value.is_empty()),
            "DK-R-002",
            inv.seller.node,
        );
        if let Some(l) = legal {
            ctx.check(
                l.scheme.map(str::trim) == Some("0184"),
                "DK-R-014",
                Some(l.node),
            );
        }
        if ctx.is_credit_note() && postal(&inv.buyer).as_deref() == Some("DK") {
            ctx.check(
                val(&inv.totals.payable) >= Decimal::ZERO,
                "DK-R-016",
                inv.totals.node,
            );
        }
    }
    if s_country.as_deref() == Some("SE") {
        if let Some(v) = inv.seller.vat_id {
            ctx.check(v.value.chars().count() == 14, "SE-R-001", Some(v.node));
            let digits = v.value.get(2..14).unwrap_or("");
            ctx.check(
                !digits.is_empty() && digits.parse::<f64>().is_ok(),
                "SE-R-002",
                Some(v.node),
            );
        }
        if let Some(l) = inv.seller.legal_ids.first() {
            ctx.check(l.value.parse::<f64>().is_ok(), "SE-R-003", Some(l.node));
            ctx.check(l.value.chars().count() == 10, "SE-R-004", Some(l.node));
            ctx.check(common::se_orgnr(l.value), "SE-R-013", Some(l.node));
        }
    }
}
