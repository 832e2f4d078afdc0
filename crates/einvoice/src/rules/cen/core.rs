//! BR-01..BR-65: presence and cardinality of the mandatory business terms.

use crate::detect::Syntax;
use crate::model::{Party, Text};
use crate::rules::registry::CenRelease;
use crate::rules::{fatal, Ctx, Rule};
use crate::xml::Ns;

pub static RULES: &[Rule] = &[
    fatal(
        "BR-01",
        "BT-24",
        "An invoice must have a specification identifier",
    ),
    fatal("BR-02", "BT-1", "An invoice must have an invoice number"),
    fatal("BR-03", "BT-2", "An invoice must have an issue date"),
    fatal("BR-04", "BT-3", "An invoice must have an invoice type code"),
    fatal(
        "BR-05",
        "BT-5",
        "An invoice must have an invoice currency code",
    ),
    fatal("BR-06", "BT-27", "An invoice must contain the seller name"),
    fatal("BR-07", "BT-44", "An invoice must contain the buyer name"),
    fatal(
        "BR-08",
        "BG-5",
        "An invoice must contain the seller postal address",
    ),
    fatal(
        "BR-09",
        "BT-40",
        "The seller postal address must contain a country code",
    ),
    fatal(
        "BR-10",
        "BG-8",
        "An invoice must contain the buyer postal address",
    ),
    fatal(
        "BR-11",
        "BT-55",
        "The buyer postal address must contain a country code",
    ),
    fatal(
        "BR-12",
        "BT-106",
        "An invoice must have the sum of invoice line net amounts",
    ),
    fatal(
        "BR-13",
        "BT-109",
        "An invoice must have the total amount without VAT",
    ),
    fatal(
        "BR-14",
        "BT-112",
        "An invoice must have the total amount with VAT",
    ),
    fatal(
        "BR-15",
        "BT-115",
        "An invoice must have the amount due for payment",
    ),
    fatal(
        "BR-16",
        "BG-25",
        "An invoice must have at least one invoice line",
    ),
    fatal(
        "BR-17",
        "BT-59",
        "The payee name must be given when the payee differs from the seller",
    ),
    fatal(
        "BR-18",
        "BT-62",
        "The seller tax representative name must be given",
    ),
    fatal(
        "BR-19",
        "BG-12",
        "The seller tax representative postal address must be given",
    ),
    fatal(
        "BR-20",
        "BT-69",
        "The seller tax representative postal address must contain a country code",
    ),
    fatal(
        "BR-21",
        "BT-126",
        "Each invoice line must have an identifier",
    ),
    fatal(
        "BR-22",
        "BT-129",
        "Each invoice line must have an invoiced quantity",
    ),
    fatal(
        "BR-23",
        "BT-130",
        "An invoiced quantity must have a unit of measure",
    ),
    fatal(
        "BR-24",
        "BT-131",
        "Each invoice line must have a line net amount",
    ),
    fatal(
        "BR-25",
        "BT-153",
        "Each invoice line must contain the item name",
    ),
    fatal(
        "BR-26",
        "BT-146",
        "Each invoice line must contain the item net price",
    ),
    fatal("BR-27", "BT-146", "The item net price must not be negative"),
    fatal(
        "BR-28",
        "BT-148",
        "The item gross price must not be negative",
    ),
    fatal(
        "BR-29",
        "BG-14",
        "The invoicing period end date must not be before its start date",
    ),
    fatal(
        "BR-30",
        "BG-26",
        "The line period end date must not be before its start date",
    ),
    fatal(
        "BR-31",
        "BT-92",
        "Each document level allowance must have an amount",
    ),
    fatal(
        "BR-32",
        "BT-95",
        "Each document level allowance must have a VAT category code",
    ),
    fatal(
        "BR-33",
        "BT-97",
        "Each document level allowance must have a reason or reason code",
    ),
    fatal(
        "BR-36",
        "BT-99",
        "Each document level charge must have an amount",
    ),
    fatal(
        "BR-37",
        "BT-102",
        "Each document level charge must have a VAT category code",
    ),
    fatal(
        "BR-38",
        "BT-104",
        "Each document level charge must have a reason or reason code",
    ),
    fatal("BR-41", "BT-136", "Each line allowance must have an amount"),
    fatal(
        "BR-42",
        "BT-139",
        "Each line allowance must have a reason or reason code",
    ),
    fatal("BR-43", "BT-141", "Each line charge must have an amount"),
    fatal(
        "BR-44",
        "BT-144",
        "Each line charge must have a reason or reason code",
    ),
    fatal(
        "BR-45",
        "BT-116",
        "Each VAT breakdown must have a taxable amount",
    ),
    fatal(
        "BR-46",
        "BT-117",
        "Each VAT breakdown must have a tax amount",
    ),
    fatal(
        "BR-47",
        "BT-118",
        "Each VAT breakdown must have a VAT category code",
    ),
    fatal(
        "BR-48",
        "BT-119",
        "Each VAT breakdown must have a VAT rate, except category O",
    ),
    fatal(
        "BR-49",
        "BT-81",
        "A payment instruction must have a payment means type code",
    ),
    fatal(
        "BR-50",
        "BT-84",
        "A payment account identifier must be given for credit transfer",
    ),
    fatal(
        "BR-52",
        "BT-122",
        "Each additional supporting document must have a reference",
    ),
    fatal(
        "BR-53",
        "BT-111",
        "VAT total in accounting currency must be given when a VAT accounting currency is given",
    ),
    fatal(
        "BR-55",
        "BT-25",
        "Each preceding invoice reference must contain the preceding invoice number",
    ),
    fatal(
        "BR-56",
        "BT-63",
        "The seller tax representative must have a VAT identifier",
    ),
    fatal(
        "BR-61",
        "BT-84",
        "For credit transfer (payment means 30, 58) the payment account identifier must be given",
    ),
    fatal(
        "BR-62",
        "BT-34",
        "The seller electronic address must have a scheme identifier",
    ),
    fatal(
        "BR-63",
        "BT-49",
        "The buyer electronic address must have a scheme identifier",
    ),
    fatal(
        "BR-64",
        "BT-157",
        "The item standard identifier must have a scheme identifier",
    ),
    fatal(
        "BR-65",
        "BT-158",
        "The item classification identifier must have a scheme identifier",
    ),
];

fn present(t: &Option<Text<'_>>) -> bool {
    t.is_some_and(|t| !t.value.is_empty())
}

fn country(p: &Party<'_>) -> bool {
    p.address.as_ref().is_some_and(|a| present(&a.country))
}

pub fn check(ctx: &mut Ctx<'_, '_>) {
    let inv = ctx.inv;
    let root = Some(inv.root);
    ctx.check(present(&inv.customization_id), "BR-01", root);
    ctx.check(present(&inv.number), "BR-02", root);
    ctx.check(present(&inv.issue_date), "BR-03", root);
    ctx.check(present(&inv.type_code), "BR-04", root);
    ctx.check(present(&inv.currency), "BR-05", root);
    // Checked from the document root: a missing party lacks its name and address too.
    ctx.check(present(&inv.seller.name), "BR-06", inv.seller.node.or(root));
    ctx.check(
        inv.seller.address.is_some(),
        "BR-08",
        inv.seller.node.or(root),
    );
    ctx.check(present(&inv.buyer.name), "BR-07", inv.buyer.node.or(root));
    ctx.check(
        inv.buyer.address.is_some(),
        "BR-10",
        inv.buyer.node.or(root),
    );
    if let Some(a) = &inv.seller.address {
        ctx.check(country(&inv.seller), "BR-09", a.node);
    }
    if let Some(a) = &inv.buyer.address {
        ctx.check(country(&inv.buyer), "BR-11", a.node);
    }
    if inv.totals.node.is_some() {
        let t = &inv.totals;
        ctx.check(t.line_net.is_some(), "BR-12", t.node);
        ctx.check(t.without_vat.is_some(), "BR-13", t.node);
        ctx.check(t.with_vat.is_some(), "BR-14", t.node);
        ctx.check(t.payable.is_some(), "BR-15", t.node);
    }
    if let Some(p) = &inv.payee {
        ctx.check(present(&p.name), "BR-17", p.node);
    }
    if let Some(p) = &inv.tax_representative {
        ctx.check(present(&p.name), "BR-18", p.node);
        ctx.check(p.address.is_some(), "BR-19", p.node);
        if let Some(a) = &p.address {
            ctx.check(present(&a.country), "BR-20", a.node);
        }
        ctx.check(p.vat_id.is_some(), "BR-56", p.node);
    }
    for l in &inv.lines {
        let n = Some(l.node);
        ctx.check(present(&l.id), "BR-21", n);
        ctx.check(l.quantity.is_some(), "BR-22", n);
        if let Some(q) = &l.quantity {
            ctx.check(q.unit.is_some(), "BR-23", Some(q.node));
        }
        ctx.check(l.net_amount.is_some(), "BR-24", n);
        ctx.check(present(&l.item_name), "BR-25", n);
        ctx.check(l.price.net.is_some(), "BR-26", n);
        if let Some(p) = &l.price.net {
            ctx.check(
                p.dec() >= rust_decimal::Decimal::ZERO,
                "BR-27",
                Some(p.node),
            );
        }
        if let Some(g) = &l.price.gross {
            ctx.check(
                g.dec() >= rust_decimal::Decimal::ZERO,
                "BR-28",
                Some(g.node),
            );
        }
        if let Some(p) = &l.period {
            if let (Some(s), Some(e)) = (p.start, p.end) {
                ctx.check(e.value >= s.value, "BR-30", p.node);
            }
        }
        for ac in &l.allowances_charges {
            let has_reason = ac.reason.is_some() || ac.reason_code.is_some();
            match ac.is_charge {
                Some(false) => {
                    ctx.check(ac.amount.is_some(), "BR-41", Some(ac.node));
                    ctx.check(has_reason, "BR-42", Some(ac.node));
                }
                Some(true) => {
                    ctx.check(ac.amount.is_some(), "BR-43", Some(ac.node));
                    ctx.check(has_reason, "BR-44", Some(ac.node));
                }
                None => {}
            }
        }
        if let Some(s) = &l.standard_id {
            ctx.check(s.scheme.is_some(), "BR-64", Some(s.node));
        }
        for c in &l.classifications {
            ctx.check(c.scheme.is_some(), "BR-65", Some(c.node));
        }
    }
    if inv.lines.is_empty() {
        ctx.fail("BR-16", root);
    }
    if let Some(p) = &inv.period {
        if let (Some(s), Some(e)) = (p.start, p.end) {
            ctx.check(e.value >= s.value, "BR-29", p.node);
        }
    }
    for ac in &inv.allowances_charges {
        let has_reason = ac.reason.is_some() || ac.reason_code.is_some();
        match ac.is_charge {
            Some(false) => {
                ctx.check(ac.amount.is_some(), "BR-31", Some(ac.node));
                ctx.check(ac.vat_category.is_some(), "BR-32", Some(ac.node));
                ctx.check(has_reason, "BR-33", Some(ac.node));
            }
            Some(true) => {
                ctx.check(ac.amount.is_some(), "BR-36", Some(ac.node));
                ctx.check(ac.vat_category.is_some(), "BR-37", Some(ac.node));
                ctx.check(has_reason, "BR-38", Some(ac.node));
            }
            None => {}
        }
    }
    for b in &inv.vat_breakdown {
        let n = Some(b.node);
        ctx.check(b.taxable_amount.is_some(), "BR-45", n);
        ctx.check(b.tax_amount.is_some(), "BR-46", n);
        ctx.check(b.category.is_some(), "BR-47", n);
        if b.category.map(|c| c.value) != Some("O") {
            ctx.check(b.rate.is_some(), "BR-48", n);
        }
    }
    for pm in &inv.payment_means {
        ctx.check(pm.code.is_some(), "BR-49", Some(pm.node));
        let transfer = matches!(pm.code.map(|c| c.value), Some("30" | "58"));
        if transfer && ctx.syntax == Syntax::Ubl {
            ctx.check(
                pm.accounts.iter().any(|a| a.0.is_some()),
                "BR-61",
                Some(pm.node),
            );
        } else if transfer {
            // The CII artefact checks BR-61 on each creditor account element, so without one
            // it stays silent (1.3.16 reports CII-SR-470 instead; 1.3.15 nothing at all).
            let doc = ctx.doc;
            let mut accounts = doc
                .kids(pm.node, Ns::Ram, "PayeePartyCreditorFinancialAccount")
                .peekable();
            if accounts.peek().is_none() && ctx.cen == CenRelease::V1_3_15 {
                ctx.advise("HAVEN-Q-BR-61", Some(pm.node));
            }
            for a in accounts {
                let has_id = doc.kid(a, Ns::Ram, "IBANID").is_some()
                    || doc.kid(a, Ns::Ram, "ProprietaryID").is_some();
                ctx.check(has_id, "BR-61", Some(a));
            }
        }
        for a in &pm.accounts {
            if a.0.is_none() && (a.1.is_some() || a.2.is_some()) {
                ctx.fail("BR-50", Some(pm.node));
            }
        }
    }
    for a in &inv.attachments {
        ctx.check(a.id.is_some(), "BR-52", Some(a.node));
    }
    if let Some(tc) = inv.tax_currency {
        ctx.check(
            inv.tax_totals.iter().any(|t| t.unit == Some(tc.value)),
            "BR-53",
            root,
        );
    }
    for (id, _) in &inv.preceding_invoices {
        ctx.check(present(id), "BR-55", root);
    }
    if let Some(e) = &inv.seller.endpoint {
        ctx.check(e.scheme.is_some(), "BR-62", Some(e.node));
    }
    if let Some(e) = &inv.buyer.endpoint {
        ctx.check(e.scheme.is_some(), "BR-63", Some(e.node));
    }
}
