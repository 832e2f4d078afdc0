//! Peppol national rules for Norway (NO-R), Denmark (DK-R), Sweden (SE-R), Italy (IT-R)
//! (both syntaxes) and Iceland (IS-R, UBL only).

use rust_decimal::Decimal;

use super::tree::{self, all, filled, is_number, len, norm, number, text};
use super::{common, supplier_country};
use crate::detect::Syntax;
use crate::rules::{fatal, val, warning, Ctx, Rule};
use crate::xml::{NodeId, Ns};

use Ns::{Cac, Cbc, Ram};

pub static RULES: &[Rule] = &[
    fatal("NO-R-001", "BT-31", "Norwegian seller VAT id must be 'NO' + 9 digit organisation number (valid MOD11) + 'MVA'"),
    warning("NO-R-002", "BT-32", "Norwegian seller should state 'Foretaksregisteret' as tax registration"),
    fatal("DK-R-002", "BT-30", "Danish seller: legal registration id (CVR) must be given"),
    warning("DK-R-003", "BT-158", "Danish seller and buyer: item classification with list 'TST' should use UNSPSC version 19.05.01 or 26.08.01"),
    fatal("DK-R-004", "BT-97", "Danish seller and buyer: with reason code ZZZ the allowance/charge reason must be a 4-digit tax category or contain '#' (not first or last)"),
    fatal("DK-R-005", "BT-81", "Danish seller and buyer: payment means code must be one of 1, 10, 31, 42, 48, 49, 50, 58, 59, 93, 97"),
    fatal("DK-R-006", "BG-17", "Danish seller and buyer: payment means 31 or 42 need account number and bank registration (branch) number"),
    fatal("DK-R-007", "BG-19", "Danish seller and buyer: payment means 49 needs a mandate reference and a debited account"),
    fatal("DK-R-008", "BT-83", "Danish seller and buyer: payment means 50 (Giro) needs a payment id starting 01#, 04# or 15# and a 7-8 digit giro account"),
    fatal("DK-R-009", "BT-83", "Danish seller and buyer: payment means 50 with payment id 04# or 15# needs the 16 digit instruction id (19 characters)"),
    fatal("DK-R-010", "BT-83", "Danish seller and buyer: payment means 93 (FIK) needs a payment id starting 71#, 73# or 75# and an 8 character creditor number"),
    fatal("DK-R-011", "BT-83", "Danish seller and buyer: payment means 93 with payment id 71# or 75# needs the 15-16 digit instruction id"),
    fatal("DK-R-013", "BT-29", "Danish seller and buyer: party identifiers must carry a scheme"),
    fatal("DK-R-014", "BT-30", "Danish seller: legal registration id must use scheme 0184 (CVR)"),
    fatal("DK-R-016", "BT-115", "Danish seller and buyer: a credit note must not have a negative amount due"),
    fatal("SE-R-001", "BT-31", "Swedish seller VAT id must be 14 characters"),
    fatal("SE-R-002", "BT-31", "Swedish seller VAT id must be numeric after the country prefix"),
    fatal("SE-R-003", "BT-30", "Swedish seller organisation number must be numeric"),
    fatal("SE-R-004", "BT-30", "Swedish seller organisation number must be 10 digits"),
    fatal("SE-R-005", "BT-32", "Swedish seller tax registration must read 'Godkänd för F-skatt'"),
    fatal("SE-R-006", "BT-152", "Swedish seller: standard VAT rate must be 25, 12 or 6"),
    warning("SE-R-007", "BT-84", "Swedish seller using Plusgiro: account id should be numeric"),
    warning("SE-R-008", "BT-84", "Swedish seller using Bankgiro: account id should be numeric"),
    warning("SE-R-009", "BT-84", "Swedish seller using Bankgiro: account id should have 7 or 8 characters"),
    warning("SE-R-010", "BT-84", "Swedish seller using Plusgiro: account id should have 2 to 8 characters"),
    warning("SE-R-011", "BT-81", "Swedish seller: indicate Bankgiro/Plusgiro with payment means 30 and branch id SE:BANKGIRO or SE:PLUSGIRO"),
    warning("SE-R-012", "BT-81", "Swedish seller and buyer: domestic credit transfer should use payment means 30"),
    fatal("SE-R-013", "BT-30", "Swedish seller organisation number has an invalid check digit"),
    fatal("IT-R-001", "BT-32", "Italian seller: tax registration id must be 11 to 16 upper-case letters or digits"),
    fatal("IT-R-002", "BT-35", "Italian seller: address line 1 must be given"),
    fatal("IT-R-003", "BT-37", "Italian seller: city must be given"),
    fatal("IT-R-004", "BT-38", "Italian seller: post code must be given"),
];

pub static UBL_ONLY: &[Rule] = &[
    warning(
        "IS-R-001",
        "BT-3",
        "Icelandic seller: type code should be 380 or 381",
    ),
    fatal(
        "IS-R-002",
        "BT-30",
        "Icelandic seller: legal id (kennitala, scheme 0196) must be given",
    ),
    fatal(
        "IS-R-003",
        "BG-5",
        "Icelandic seller: address must have street name and post code",
    ),
    fatal(
        "IS-R-004",
        "BT-47",
        "Icelandic seller and buyer: buyer legal id (kennitala, scheme 0196) must be given",
    ),
    fatal(
        "IS-R-005",
        "BG-8",
        "Icelandic seller and buyer: buyer address must have street name and post code",
    ),
    fatal(
        "IS-R-006",
        "BT-84",
        "Icelandic seller: payment means 9 needs a 12 digit account id",
    ),
    fatal(
        "IS-R-007",
        "BT-84",
        "Icelandic seller: payment means 42 needs a 12 digit account id",
    ),
    fatal(
        "IS-R-008",
        "BT-122",
        "Icelandic seller: the EINDAGI reference id must be a date YYYY-MM-DD",
    ),
    fatal(
        "IS-R-009",
        "BT-9",
        "Icelandic seller: an EINDAGI reference requires a payment due date",
    ),
    fatal(
        "IS-R-010",
        "BT-9",
        "Icelandic seller: the EINDAGI date must not be before the payment due date",
    ),
];

pub fn check(ctx: &mut Ctx<'_, '_>) {
    match ctx.syntax {
        Syntax::Ubl => {
            let sup = tree::ubl_party(ctx.doc, true);
            let cus = tree::ubl_party(ctx.doc, false);
            let country = supplier_country(ctx);
            if country == "NO" {
                no_ubl(ctx, sup);
            }
            if country == "IT" {
                it_ubl(ctx, sup);
            }
            dk_ubl(ctx, sup, cus);
            se_ubl(ctx, sup, cus);
            is_ubl(ctx, sup, cus);
        }
        Syntax::Cii => {
            let doc = ctx.doc;
            let sup = tree::cii_party(doc, "SellerTradeParty");
            let cus = tree::cii_party(doc, "BuyerTradeParty");
            let country = cii_supplier_country(ctx, sup);
            if country == "NO" {
                no_cii(ctx, sup);
            }
            if country == "IT" {
                it_cii(ctx, sup);
            }
            dk_cii(ctx, sup, cus);
            se_cii(ctx, sup, cus);
        }
    }
}

/// The Peppol CII schematron keys VAT ids on `@schemeID = 'VAT'`.
fn cii_supplier_country(ctx: &Ctx<'_, '_>, sup: Option<NodeId>) -> String {
    let doc = ctx.doc;
    let prefix = |p: Option<NodeId>| {
        p.and_then(|p| tree::cii_tax_ids(doc, p, "VAT").first().copied())
            .map(|i| doc.raw_text(i).chars().take(2).collect::<String>())
            .filter(|s| !s.is_empty())
            .map(|s| norm(&s).to_uppercase())
    };
    prefix(sup)
        .or_else(|| prefix(tree::cii_party(doc, "SellerTaxRepresentativeTradeParty")))
        .or_else(|| tree::cii_postal(doc, sup).map(|c| norm(c).to_uppercase()))
        .unwrap_or_else(|| "XX".into())
}

fn no_vat_ok(v: &str) -> bool {
    v.starts_with("NO")
        && v.len() == 14
        && v.ends_with("MVA")
        && v.get(2..11)
            .is_some_and(|d| d.bytes().all(|b| b.is_ascii_digit()) && common::mod11(d))
}

fn no_ubl(ctx: &mut Ctx<'_, '_>, sup: Option<NodeId>) {
    let doc = ctx.doc;
    let Some(p) = sup else { return };
    if let Some(v) = tree::ubl_vat_ids(doc, p).first() {
        ctx.check(no_vat_ok(doc.raw_text(*v)), "NO-R-001", Some(p));
    }
    let tax = doc
        .kids(p, Cac, "PartyTaxScheme")
        .find(|t| text(doc, *t, &[(Cac, "TaxScheme"), (Cbc, "ID")]) == Some("TAX"))
        .and_then(|t| doc.kid(t, Cbc, "CompanyID"))
        .map(|c| doc.text(c));
    ctx.check(tax == Some("Foretaksregisteret"), "NO-R-002", Some(p));
}

fn no_cii(ctx: &mut Ctx<'_, '_>, sup: Option<NodeId>) {
    let doc = ctx.doc;
    let Some(p) = sup else { return };
    let fc = tree::cii_tax_ids(doc, p, "FC")
        .iter()
        .any(|i| norm(doc.raw_text(*i)) == "Foretaksregisteret");
    ctx.check(fc, "NO-R-002", Some(p));
    if let Some(v) = tree::cii_tax_ids(doc, p, "VAT").first() {
        let v = doc.raw_text(*v);
        ctx.check(!v.starts_with("NO") || no_vat_ok(v), "NO-R-001", Some(p));
    }
}

fn it_ubl(ctx: &mut Ctx<'_, '_>, sup: Option<NodeId>) {
    let doc = ctx.doc;
    let Some(p) = sup else { return };
    for pts in doc.kids(p, Cac, "PartyTaxScheme") {
        let scheme = text(doc, pts, &[(Cac, "TaxScheme"), (Cbc, "ID")]).unwrap_or("");
        if norm(scheme) != "VAT" {
            let id = text(doc, pts, &[(Cbc, "CompanyID")]).unwrap_or("");
            ctx.check(it_tax_id(&norm(id)), "IT-R-001", Some(pts));
        }
    }
    it_address(ctx, p, [(Cac, "PostalAddress"), (Cbc, "StreetName")]);
}

fn it_tax_id(s: &str) -> bool {
    (11..=16).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

fn it_address(ctx: &mut Ctx<'_, '_>, p: NodeId, street: [(Ns, &str); 2]) {
    let doc = ctx.doc;
    let (addr_ns, addr, city, zip) = if ctx.syntax == Syntax::Ubl {
        (Cac, "PostalAddress", (Cbc, "CityName"), (Cbc, "PostalZone"))
    } else {
        (
            Ram,
            "PostalTradeAddress",
            (Ram, "CityName"),
            (Ram, "PostcodeCode"),
        )
    };
    ctx.check(tree::first(doc, p, &street).is_some(), "IT-R-002", Some(p));
    ctx.check(
        tree::first(doc, p, &[(addr_ns, addr), city]).is_some(),
        "IT-R-003",
        Some(p),
    );
    ctx.check(
        tree::first(doc, p, &[(addr_ns, addr), zip]).is_some(),
        "IT-R-004",
        Some(p),
    );
}

fn it_cii(ctx: &mut Ctx<'_, '_>, sup: Option<NodeId>) {
    let doc = ctx.doc;
    let Some(p) = sup else { return };
    for reg in doc.kids(p, Ram, "SpecifiedTaxRegistration") {
        let ids: Vec<NodeId> = doc.kids(reg, Ram, "ID").collect();
        let other = ids
            .iter()
            .any(|i| norm(doc.attr(*i, "schemeID").unwrap_or("")) != "FC");
        let fc = ids
            .iter()
            .find(|i| norm(doc.attr(**i, "schemeID").unwrap_or("")) == "FC")
            .map(|i| norm(doc.raw_text(*i)));
        ctx.check(
            other || fc.as_deref().is_some_and(it_tax_id),
            "IT-R-001",
            Some(reg),
        );
    }
    it_address(ctx, p, [(Ram, "PostalTradeAddress"), (Ram, "LineOne")]);
}

/// DK-R-004 reason test: a 4-digit tax category, or containing '#' not at either end.
fn dk_reason_ok(reason: Option<&str>) -> bool {
    let Some(r) = reason else { return false };
    let n = norm(r);
    let four = len(&n) == 4 && {
        let v = number(r);
        (0.0..=9999.0).contains(&v)
    };
    four || (r.contains('#') && !r.starts_with('#') && !r.ends_with('#'))
}

fn prefix3(s: &str) -> String {
    s.chars().take(3).collect()
}

fn dk_ubl(ctx: &mut Ctx<'_, '_>, sup: Option<NodeId>, cus: Option<NodeId>) {
    let doc = ctx.doc;
    let inv = ctx.inv;
    let root = doc.root();
    // The Danish pattern concatenates the raw country codes.
    if tree::ubl_postal(doc, sup) != Some("DK") {
        return;
    }
    let dk_dk = tree::ubl_postal(doc, cus) == Some("DK");
    let legal: Vec<NodeId> = sup
        .map(|p| all(doc, p, &[(Cac, "PartyLegalEntity"), (Cbc, "CompanyID")]))
        .unwrap_or_default();
    ctx.check(
        legal.first().is_some_and(|l| !doc.text(*l).is_empty()),
        "DK-R-002",
        sup,
    );
    if let Some(l) = legal.first() {
        ctx.check(
            doc.attr(*l, "schemeID").map(norm).as_deref() == Some("0184"),
            "DK-R-014",
            Some(*l),
        );
    }
    if ctx.is_credit_note() && dk_dk {
        ctx.check(
            val(&inv.totals.payable) >= Decimal::ZERO,
            "DK-R-016",
            inv.totals.node,
        );
    }
    if !dk_dk {
        return;
    }
    for party in [sup, cus].into_iter().flatten() {
        for pi in doc.kids(party, Cac, "PartyIdentification") {
            if let Some(id) = doc.kid(pi, Cbc, "ID") {
                ctx.check(
                    !norm(doc.attr(id, "schemeID").unwrap_or("")).is_empty(),
                    "DK-R-013",
                    Some(id),
                );
            }
        }
    }
    if !ctx.is_credit_note() {
        for pm in doc.kids(root, Cac, "PaymentMeans") {
            let code = text(doc, pm, &[(Cbc, "PaymentMeansCode")]).unwrap_or("");
            let pid = text(doc, pm, &[(Cbc, "PaymentID")]).unwrap_or("");
            let acct = text(doc, pm, &[(Cac, "PayeeFinancialAccount"), (Cbc, "ID")]);
            dk_payment(ctx, pm, code, pid, acct, |ctx, code| {
                let doc = ctx.doc;
                match code {
                    "31" | "42" => {
                        acct.is_some_and(|a| !a.is_empty())
                            && filled(
                                doc,
                                pm,
                                &[
                                    (Cac, "PayeeFinancialAccount"),
                                    (Cac, "FinancialInstitutionBranch"),
                                    (Cbc, "ID"),
                                ],
                            )
                    }
                    _ => {
                        filled(doc, pm, &[(Cac, "PaymentMandate"), (Cbc, "ID")])
                            && filled(
                                doc,
                                pm,
                                &[
                                    (Cac, "PaymentMandate"),
                                    (Cac, "PayerFinancialAccount"),
                                    (Cbc, "ID"),
                                ],
                            )
                    }
                }
            });
        }
    }
    let line_name = if ctx.is_credit_note() {
        "CreditNoteLine"
    } else {
        "InvoiceLine"
    };
    for line in doc.kids(root, Cac, line_name) {
        let codes = all(
            doc,
            line,
            &[
                (Cac, "Item"),
                (Cac, "CommodityClassification"),
                (Cbc, "ItemClassificationCode"),
            ],
        );
        dk_classification(ctx, line, &codes);
    }
    for n in 0..doc.nodes.len() {
        let Ok(n) = u32::try_from(n) else { break };
        if doc.is(n, Cac, "AllowanceCharge")
            && text(doc, n, &[(Cbc, "AllowanceChargeReasonCode")]) == Some("ZZZ")
        {
            let reason = doc
                .kid(n, Cbc, "AllowanceChargeReason")
                .map(|r| doc.raw_text(r));
            ctx.check(dk_reason_ok(reason), "DK-R-004", Some(n));
        }
    }
}

fn dk_classification(ctx: &mut Ctx<'_, '_>, line: NodeId, codes: &[NodeId]) {
    let doc = ctx.doc;
    let tst = codes.iter().any(|c| doc.attr(*c, "listID") == Some("TST"));
    let version_ok = codes.iter().any(|c| {
        matches!(
            doc.attr(*c, "listVersionID"),
            Some("19.05.01" | "19.0501" | "26.08.01" | "26.0801")
        )
    });
    ctx.check(!tst || version_ok, "DK-R-003", Some(line));
}

/// DK-R-005..011 on one payment means. `mandate_ok` answers DK-R-006 (codes 31/42) and
/// DK-R-007 (code 49), whose element paths differ per syntax.
fn dk_payment(
    ctx: &mut Ctx<'_, '_>,
    pm: NodeId,
    code: &str,
    pid: &str,
    acct: Option<&str>,
    mandate_ok: impl Fn(&Ctx<'_, '_>, &str) -> bool,
) {
    const CODES: &[&str] = &[
        "1", "10", "31", "42", "48", "49", "50", "58", "59", "93", "97",
    ];
    ctx.check(CODES.contains(&code), "DK-R-005", Some(pm));
    if code == "31" || code == "42" {
        let ok = mandate_ok(ctx, code);
        ctx.check(ok, "DK-R-006", Some(pm));
    }
    if code == "49" {
        let ok = mandate_ok(ctx, code);
        ctx.check(ok, "DK-R-007", Some(pm));
    }
    let p = prefix3(pid);
    let ubl = ctx.syntax == Syntax::Ubl;
    if code == "50" {
        let acct_ok = if ubl {
            acct.is_some_and(|a| {
                (7..=8).contains(&a.len()) && a.bytes().all(|b| b.is_ascii_digit())
            })
        } else {
            acct.is_some_and(|a| len(a) == 7)
        };
        ctx.check(
            matches!(p.as_str(), "01#" | "04#" | "15#") && acct_ok,
            "DK-R-008",
            Some(pm),
        );
        ctx.check(
            !matches!(p.as_str(), "04#" | "15#") || len(pid) == 19,
            "DK-R-009",
            Some(pm),
        );
    }
    if code == "93" {
        ctx.check(
            matches!(p.as_str(), "71#" | "73#" | "75#") && acct.is_some_and(|a| len(a) == 8),
            "DK-R-010",
            Some(pm),
        );
        ctx.check(
            !matches!(p.as_str(), "71#" | "75#") || matches!(len(pid), 18 | 19),
            "DK-R-011",
            Some(pm),
        );
    }
}

fn dk_cii(ctx: &mut Ctx<'_, '_>, sup: Option<NodeId>, cus: Option<NodeId>) {
    let doc = ctx.doc;
    let inv = ctx.inv;
    if tree::cii_postal(doc, sup) != Some("DK") {
        return;
    }
    let dk_cus = tree::cii_postal(doc, cus) == Some("DK");
    let legal =
        sup.and_then(|p| tree::first(doc, p, &[(Ram, "SpecifiedLegalOrganization"), (Ram, "ID")]));
    ctx.check(
        legal.is_some_and(|l| !doc.text(l).is_empty()),
        "DK-R-002",
        sup,
    );
    if let Some(l) = legal {
        ctx.check(
            doc.attr(l, "schemeID").map(norm).as_deref() == Some("0184"),
            "DK-R-014",
            Some(l),
        );
    }
    let settlement = tree::cii_settlement(doc);
    if dk_cus {
        if inv.type_code.map(|t| t.value) == Some("381") {
            ctx.check(
                val(&inv.totals.payable) >= Decimal::ZERO,
                "DK-R-016",
                inv.totals.node,
            );
        }
        for party in [sup, cus].into_iter().flatten() {
            if let Some(g) = doc.kid(party, Ram, "GlobalID") {
                ctx.check(
                    !norm(doc.attr(g, "schemeID").unwrap_or("")).is_empty(),
                    "DK-R-013",
                    Some(g),
                );
            }
        }
        if let Some(s) = settlement {
            for ac in doc.kids(s, Ram, "SpecifiedTradeAllowanceCharge") {
                if text(doc, ac, &[(Ram, "ReasonCode")]) == Some("ZZZ") {
                    let reason = doc.kid(ac, Ram, "Reason").map(|r| doc.raw_text(r));
                    ctx.check(dk_reason_ok(reason), "DK-R-004", Some(ac));
                }
            }
        }
    }
    if !dk_cus {
        return;
    }
    if let Some(s) = settlement {
        let pid = text(doc, s, &[(Ram, "PaymentReference")]).unwrap_or("");
        let creditor = filled(doc, s, &[(Ram, "CreditorReferenceID")]);
        for pm in doc.kids(s, Ram, "SpecifiedTradeSettlementPaymentMeans") {
            let code = text(doc, pm, &[(Ram, "TypeCode")]).unwrap_or("");
            let acct = text(
                doc,
                pm,
                &[(Ram, "PayeePartyCreditorFinancialAccount"), (Ram, "IBANID")],
            );
            dk_payment(ctx, pm, code, pid, acct, |ctx, code| {
                let doc = ctx.doc;
                if code == "49" {
                    // The official path looks for the mandate inside the payment means.
                    creditor
                        && filled(
                            doc,
                            pm,
                            &[
                                (Ram, "SpecifiedTradePaymentTerms"),
                                (Ram, "DirectDebitMandateID"),
                            ],
                        )
                } else {
                    acct.is_some_and(|a| !a.is_empty())
                        && filled(
                            doc,
                            pm,
                            &[
                                (Ram, "PayeeSpecifiedCreditorFinancialInstitution"),
                                (Ram, "BICID"),
                            ],
                        )
                }
            });
        }
    }
    let lines = doc
        .kid(doc.root(), Ns::Rsm, "SupplyChainTradeTransaction")
        .map(|t| {
            doc.kids(t, Ram, "IncludedSupplyChainTradeLineItem")
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    for line in lines {
        let codes = all(
            doc,
            line,
            &[
                (Ram, "SpecifiedTradeProduct"),
                (Ram, "DesignatedProductClassification"),
                (Ram, "ClassCode"),
            ],
        );
        dk_classification(ctx, line, &codes);
    }
}

fn se_ubl(ctx: &mut Ctx<'_, '_>, sup: Option<NodeId>, cus: Option<NodeId>) {
    let doc = ctx.doc;
    let Some(p) = sup else { return };
    if tree::ubl_postal(doc, sup) != Some("SE") {
        return;
    }
    let vats = tree::ubl_vat_ids(doc, p);
    let se_vat = vats.iter().any(|v| doc.raw_text(*v).starts_with("SE"));
    if se_vat {
        if let Some(v) = vats.first() {
            se_vat_checks(ctx, *v);
        }
    }
    let legal = all(doc, p, &[(Cac, "PartyLegalEntity"), (Cbc, "CompanyID")]);
    for l in &legal {
        se_orgnr(ctx, *l);
    }
    if !legal.is_empty() {
        for pts in doc.kids(p, Cac, "PartyTaxScheme") {
            let scheme = text(doc, pts, &[(Cac, "TaxScheme"), (Cbc, "ID")]).unwrap_or("");
            if norm(scheme).to_uppercase() != "VAT" {
                for c in doc.kids(pts, Cbc, "CompanyID") {
                    se_fskatt(ctx, c);
                }
            }
        }
    }
    if se_vat {
        for n in 0..doc.nodes.len() {
            let Ok(n) = u32::try_from(n) else { break };
            if (doc.is(n, Cac, "TaxCategory") || doc.is(n, Cac, "ClassifiedTaxCategory"))
                && text(doc, n, &[(Cbc, "ID")]) == Some("S")
            {
                let rate = text(doc, n, &[(Cbc, "Percent")]).map_or(f64::NAN, number);
                se_rate(ctx, n, rate);
            }
        }
    }
    let se_cus = tree::ubl_postal(doc, cus) == Some("SE");
    for pm in doc.kids(doc.root(), Cac, "PaymentMeans") {
        let code = text(doc, pm, &[(Cbc, "PaymentMeansCode")]).unwrap_or("");
        let branch = text(
            doc,
            pm,
            &[
                (Cac, "PayeeFinancialAccount"),
                (Cac, "FinancialInstitutionBranch"),
                (Cbc, "ID"),
            ],
        );
        let accounts = all(doc, pm, &[(Cac, "PayeeFinancialAccount"), (Cbc, "ID")]);
        se_payment(ctx, pm, code, branch, &accounts, se_cus);
    }
}

fn se_vat_checks(ctx: &mut Ctx<'_, '_>, v: NodeId) {
    let raw = ctx.doc.raw_text(v);
    ctx.check(len(&norm(raw)) == 14, "SE-R-001", Some(v));
    let digits: String = raw.chars().skip(2).take(12).collect();
    ctx.check(is_number(&digits), "SE-R-002", Some(v));
}

fn se_orgnr(ctx: &mut Ctx<'_, '_>, l: NodeId) {
    let raw = ctx.doc.raw_text(l);
    let v = norm(raw);
    ctx.check(is_number(raw), "SE-R-003", Some(l));
    ctx.check(len(&v) == 10, "SE-R-004", Some(l));
    ctx.check(
        v.bytes().all(|b| b.is_ascii_digit()) && common::se_orgnr(&v),
        "SE-R-013",
        Some(l),
    );
}

fn se_fskatt(ctx: &mut Ctx<'_, '_>, n: NodeId) {
    let v = norm(ctx.doc.raw_text(n)).to_uppercase();
    ctx.check(v == "GODKÄND FÖR F-SKATT", "SE-R-005", Some(n));
}

fn se_rate(ctx: &mut Ctx<'_, '_>, n: NodeId, rate: f64) {
    let ok = [25.0, 12.0, 6.0]
        .iter()
        .any(|r| (rate - r).abs() < f64::EPSILON);
    ctx.check(ok, "SE-R-006", Some(n));
}

fn se_payment(
    ctx: &mut Ctx<'_, '_>,
    pm: NodeId,
    code: &str,
    branch: Option<&str>,
    accounts: &[NodeId],
    se_cus: bool,
) {
    let doc = ctx.doc;
    let code_n = norm(code);
    let branch = branch.map(norm);
    if code_n == "30" && branch.as_deref() == Some("SE:PLUSGIRO") {
        for a in accounts {
            let v = norm(doc.raw_text(*a));
            ctx.check(is_number(&v), "SE-R-007", Some(*a));
            ctx.check((2..=8).contains(&len(&v)), "SE-R-010", Some(*a));
        }
    }
    if code_n == "30" && branch.as_deref() == Some("SE:BANKGIRO") {
        for a in accounts {
            let v = norm(doc.raw_text(*a));
            ctx.check(is_number(&v), "SE-R-008", Some(*a));
            ctx.check(matches!(len(&v), 7 | 8), "SE-R-009", Some(*a));
        }
    }
    let exact = if ctx.syntax == Syntax::Ubl {
        code.to_string()
    } else {
        code_n.clone()
    };
    if exact == "50" || exact == "56" {
        ctx.fail("SE-R-011", Some(pm));
    }
    if se_cus && exact == "31" {
        ctx.fail("SE-R-012", Some(pm));
    }
}

fn se_cii(ctx: &mut Ctx<'_, '_>, sup: Option<NodeId>, cus: Option<NodeId>) {
    let doc = ctx.doc;
    let Some(p) = sup else { return };
    if tree::cii_postal(doc, sup) != Some("SE") {
        return;
    }
    let vats = tree::cii_tax_ids(doc, p, "VAT");
    let se_vat = vats.iter().any(|v| doc.raw_text(*v).starts_with("SE"));
    if se_vat {
        if let Some(v) = vats.first() {
            se_vat_checks(ctx, *v);
        }
    }
    let legal = tree::first(doc, p, &[(Ram, "SpecifiedLegalOrganization"), (Ram, "ID")]);
    if let Some(l) = legal {
        se_orgnr(ctx, l);
        for fc in tree::cii_tax_ids(doc, p, "FC") {
            se_fskatt(ctx, fc);
        }
    }
    if se_vat {
        for n in 0..doc.nodes.len() {
            let Ok(n) = u32::try_from(n) else { break };
            if doc.is(n, Ram, "ApplicableTradeTax") || doc.is(n, Ram, "CategoryTradeTax") {
                let rate = text(doc, n, &[(Ram, "RateApplicablePercent")]).map_or(f64::NAN, number);
                se_rate(ctx, n, rate);
            }
        }
    }
    let se_cus = tree::cii_postal(doc, cus) == Some("SE");
    if let Some(s) = tree::cii_settlement(doc) {
        for pm in doc.kids(s, Ram, "SpecifiedTradeSettlementPaymentMeans") {
            let code = text(doc, pm, &[(Ram, "TypeCode")]).unwrap_or("");
            let branch = text(
                doc,
                pm,
                &[
                    (Ram, "PayeeSpecifiedCreditorFinancialInstitution"),
                    (Ram, "BICID"),
                ],
            );
            let accounts = all(
                doc,
                pm,
                &[
                    (Ram, "PayeePartyCreditorFinancialAccount"),
                    (Ram, "ProprietaryID"),
                ],
            );
            se_payment(ctx, pm, code, branch, &accounts, se_cus);
        }
    }
}

fn is_ubl(ctx: &mut Ctx<'_, '_>, sup: Option<NodeId>, cus: Option<NodeId>) {
    let doc = ctx.doc;
    let root = doc.root();
    if tree::ubl_postal(doc, sup) != Some("IS") {
        return;
    }
    let r = Some(root);
    let tc = text(doc, root, &[(Cbc, "InvoiceTypeCode")])
        .or_else(|| text(doc, root, &[(Cbc, "CreditNoteTypeCode")]))
        .map(norm)
        .unwrap_or_default();
    ctx.check(tc == "380" || tc == "381", "IS-R-001", r);
    let kennitala = |p: Option<NodeId>| {
        p.is_some_and(|p| {
            all(doc, p, &[(Cac, "PartyLegalEntity"), (Cbc, "CompanyID")])
                .iter()
                .any(|c| doc.attr(*c, "schemeID") == Some("0196"))
        })
    };
    let street_zip = |p: Option<NodeId>| {
        p.is_some_and(|p| {
            tree::first(doc, p, &[(Cac, "PostalAddress"), (Cbc, "StreetName")]).is_some()
                && tree::first(doc, p, &[(Cac, "PostalAddress"), (Cbc, "PostalZone")]).is_some()
        })
    };
    ctx.check(kennitala(sup), "IS-R-002", sup.or(r));
    ctx.check(street_zip(sup), "IS-R-003", sup.or(r));
    if tree::ubl_postal(doc, cus) == Some("IS") {
        ctx.check(kennitala(cus), "IS-R-004", cus.or(r));
        ctx.check(street_zip(cus), "IS-R-005", cus.or(r));
    }
    for (code, rule) in [("9", "IS-R-006"), ("42", "IS-R-007")] {
        let pms: Vec<NodeId> = doc
            .kids(root, Cac, "PaymentMeans")
            .filter(|pm| text(doc, *pm, &[(Cbc, "PaymentMeansCode")]) == Some(code))
            .collect();
        if let Some(pm) = pms.first() {
            let acct = pms.iter().find_map(|pm| {
                tree::first(doc, *pm, &[(Cac, "PayeeFinancialAccount"), (Cbc, "ID")])
            });
            ctx.check(
                acct.is_some_and(|a| len(&norm(doc.raw_text(a))) == 12),
                rule,
                Some(*pm),
            );
        }
    }
    let eindagi = doc
        .kids(root, Cac, "AdditionalDocumentReference")
        .find(|a| {
            doc.kids(*a, Cbc, "DocumentDescription")
                .any(|d| doc.raw_text(d) == "EINDAGI")
        });
    if let Some(e) = eindagi {
        let id = doc.kid(e, Cbc, "ID").map(|i| doc.raw_text(i)).unwrap_or("");
        ctx.check(
            len(id) == 10 && super::core::is_iso_date(id),
            "IS-R-008",
            Some(e),
        );
        let due = doc.kid(root, Cbc, "DueDate").map(|d| doc.raw_text(d));
        ctx.check(due.is_some(), "IS-R-009", Some(e));
        ctx.check(due.is_some_and(|d| d <= id), "IS-R-010", Some(e));
    }
}
