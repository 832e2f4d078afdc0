//! Syntax-bound rules: UBL-SR-* (single occurrence restrictions in UBL) and CII-SR-*.

use crate::detect::Syntax;
use crate::rules::{fatal, warning, Ctx, Rule};
use crate::xml::{NodeId, Ns};

pub static UBL_RULES: &[Rule] = &[
    fatal(
        "UBL-SR-01",
        "BT-12",
        "Contract identifier must occur at most once",
    ),
    fatal(
        "UBL-SR-02",
        "BT-16",
        "Despatch advice reference must occur at most once",
    ),
    fatal(
        "UBL-SR-03",
        "BT-15",
        "Receiving advice reference must occur at most once",
    ),
    fatal(
        "UBL-SR-04",
        "BT-17",
        "Tender or lot reference must occur at most once",
    ),
    fatal(
        "UBL-SR-05",
        "BT-19",
        "Buyer accounting reference must occur at most once",
    ),
    fatal(
        "UBL-SR-06",
        "BT-11",
        "Project reference must occur at most once",
    ),
    fatal("UBL-SR-08", "BG-10", "Payee must occur at most once"),
    fatal("UBL-SR-09", "BT-27", "Seller name must occur at most once"),
    fatal(
        "UBL-SR-10",
        "BT-28",
        "Seller trading name must occur at most once",
    ),
    fatal(
        "UBL-SR-11",
        "BT-30",
        "Seller legal registration identifier must occur at most once",
    ),
    fatal(
        "UBL-SR-12",
        "BT-31",
        "Seller VAT identifier must occur at most once",
    ),
    fatal("UBL-SR-16", "BT-44", "Buyer name must occur at most once"),
    fatal(
        "UBL-SR-17",
        "BT-47",
        "Buyer legal registration identifier must occur at most once",
    ),
    fatal(
        "UBL-SR-24",
        "BG-13",
        "Deliver to information must occur at most once",
    ),
    fatal(
        "UBL-SR-47",
        "BT-81",
        "All payment means in one invoice must have the same payment means code",
    ),
    warning(
        "UBL-CR-561",
        "",
        "An invoice line should not include a TaxTotal",
    ),
];

pub static CII_RULES: &[Rule] = &[];

fn count(ctx: &Ctx<'_, '_>, from: NodeId, path: &[&str]) -> usize {
    let doc = ctx.doc;
    let mut cur = vec![from];
    for step in path {
        let (ns, name) = match step.split_once(':') {
            Some(("cac", n)) => (Ns::Cac, n),
            Some((_, n)) => (Ns::Cbc, n),
            None => (Ns::Cbc, *step),
        };
        cur = cur.iter().flat_map(|c| doc.kids(*c, ns, name)).collect();
    }
    cur.len()
}

pub fn check(ctx: &mut Ctx<'_, '_>) {
    if ctx.syntax != Syntax::Ubl {
        return;
    }
    let r = ctx.inv.root;
    let root = Some(r);
    let sp = "cac:AccountingSupplierParty";
    let bp = "cac:AccountingCustomerParty";
    let checks: &[(&'static str, &[&str])] = &[
        ("UBL-SR-01", &["cac:ContractDocumentReference", "ID"]),
        ("UBL-SR-02", &["cac:DespatchDocumentReference", "ID"]),
        ("UBL-SR-03", &["cac:ReceiptDocumentReference", "ID"]),
        ("UBL-SR-05", &["AccountingCost"]),
        ("UBL-SR-06", &["cac:ProjectReference", "ID"]),
        ("UBL-SR-08", &["cac:PayeeParty"]),
        (
            "UBL-SR-09",
            &[sp, "cac:Party", "cac:PartyLegalEntity", "RegistrationName"],
        ),
        ("UBL-SR-10", &[sp, "cac:Party", "cac:PartyName", "Name"]),
        (
            "UBL-SR-11",
            &[sp, "cac:Party", "cac:PartyLegalEntity", "CompanyID"],
        ),
        (
            "UBL-SR-16",
            &[bp, "cac:Party", "cac:PartyLegalEntity", "RegistrationName"],
        ),
        (
            "UBL-SR-17",
            &[bp, "cac:Party", "cac:PartyLegalEntity", "CompanyID"],
        ),
        ("UBL-SR-24", &["cac:Delivery"]),
    ];
    for (id, path) in checks {
        if count(ctx, r, path) > 1 {
            ctx.fail(id, root);
        }
    }
    let doc = ctx.doc;
    // UBL-SR-12: VAT-scheme tax registrations of the seller.
    if let Some(p) = doc.at(
        r,
        &[(Ns::Cac, "AccountingSupplierParty"), (Ns::Cac, "Party")],
    ) {
        let vat = doc
            .kids(p, Ns::Cac, "PartyTaxScheme")
            .filter(|t| {
                doc.at(*t, &[(Ns::Cac, "TaxScheme"), (Ns::Cbc, "ID")])
                    .is_some_and(|i| doc.text(i) == "VAT")
            })
            .filter(|t| doc.kid(*t, Ns::Cbc, "CompanyID").is_some())
            .count();
        ctx.check(vat <= 1, "UBL-SR-12", Some(p));
    }
    // UBL-SR-04: tender references are additional documents with type code 50.
    let tenders = doc
        .kids(r, Ns::Cac, "AdditionalDocumentReference")
        .filter(|a| {
            doc.kid(*a, Ns::Cbc, "DocumentTypeCode")
                .is_some_and(|c| doc.text(c) == "50")
        })
        .count();
    ctx.check(tenders <= 1, "UBL-SR-04", root);
    // UBL-SR-47: distinct payment means codes.
    let mut codes: Vec<&str> = ctx
        .inv
        .payment_means
        .iter()
        .filter_map(|p| p.code.map(|c| c.value))
        .collect();
    codes.sort_unstable();
    codes.dedup();
    ctx.check(codes.len() <= 1, "UBL-SR-47", root);
    // UBL-CR-561: line-level TaxTotal is not part of EN 16931.
    for l in &ctx.inv.lines {
        if let Some(t) = doc.kid(l.node, Ns::Cac, "TaxTotal") {
            ctx.fail("UBL-CR-561", Some(t));
        }
    }
}
