//! Peppol German rules DE-R-* (UBL only; they apply when seller and buyer postal
//! addresses are both in Germany).

use super::tree::{self, all, filled, norm, text};
use crate::rules::{fatal, warning, Ctx, Rule};
use crate::xml::{NodeId, Ns};

use Ns::{Cac, Cbc};

pub static RULES: &[Rule] = &[
    fatal("DE-R-001", "BG-16", "German seller and buyer: payment instructions must be given"),
    fatal("DE-R-002", "BG-6", "German seller and buyer: seller contact must be given"),
    fatal("DE-R-003", "BT-37", "German seller and buyer: seller city must be given"),
    fatal("DE-R-004", "BT-38", "German seller and buyer: seller post code must be given"),
    fatal("DE-R-005", "BT-41", "German seller and buyer: seller contact point must be given"),
    fatal("DE-R-006", "BT-42", "German seller and buyer: seller contact telephone must be given"),
    fatal("DE-R-007", "BT-43", "German seller and buyer: seller contact e-mail must be given"),
    fatal("DE-R-008", "BT-52", "German seller and buyer: buyer city must be given"),
    fatal("DE-R-009", "BT-53", "German seller and buyer: buyer post code must be given"),
    fatal("DE-R-010", "BT-77", "German seller and buyer: deliver-to city must be given with a deliver-to address"),
    fatal("DE-R-011", "BT-78", "German seller and buyer: deliver-to post code must be given with a deliver-to address"),
    fatal("DE-R-014", "BT-119", "German seller and buyer: VAT category rate must be given in every VAT breakdown"),
    fatal("DE-R-015", "BT-10", "German seller and buyer: buyer reference must be given"),
    fatal("DE-R-016", "BT-31", "German seller and buyer: with VAT categories S, Z, E, AE, K, G, L or M the seller VAT id, tax registration id or tax representative must be given"),
    warning("DE-R-017", "BT-3", "German seller and buyer: type code should be 326, 380, 384, 389, 381, 875, 876 or 877"),
    fatal("DE-R-018", "BT-20", "German seller and buyer: cash discount (Skonto) lines in the payment terms must follow '#SKONTO#TAGE=n#PROZENT=n.nn#[BASISBETRAG=n.nn#]' and end with a line break"),
    warning("DE-R-019", "BT-84", "German seller and buyer: with SEPA credit transfer (58) the account should be a valid IBAN"),
    warning("DE-R-020", "BT-91", "German seller and buyer: with SEPA direct debit (59) the debited account should be a valid IBAN"),
    fatal("DE-R-022", "BT-125", "German seller and buyer: attached documents must have unique file names"),
    fatal("DE-R-023-1", "BG-17", "German seller and buyer: credit transfer (30, 58) requires the credit transfer group"),
    fatal("DE-R-023-2", "BG-18", "German seller and buyer: credit transfer (30, 58) must not carry card or direct debit information"),
    fatal("DE-R-024-1", "BG-18", "German seller and buyer: payment card (48, 54, 55) requires the card information"),
    fatal("DE-R-024-2", "BG-17", "German seller and buyer: payment card (48, 54, 55) must not carry credit transfer or direct debit information"),
    fatal("DE-R-025-1", "BG-19", "German seller and buyer: direct debit (59) requires the direct debit group"),
    fatal("DE-R-025-2", "BG-17", "German seller and buyer: direct debit (59) must not carry credit transfer or card information"),
    warning("DE-R-026", "BG-3", "German seller and buyer: a corrected invoice (384) should reference the preceding invoice"),
    warning("DE-R-027", "BT-42", "German seller and buyer: seller telephone should contain at least 3 digits"),
    warning("DE-R-028", "BT-43", "German seller and buyer: seller e-mail address should be well-formed"),
    fatal("DE-R-030", "BT-90", "German seller and buyer: direct debit requires the bank assigned creditor identifier (scheme SEPA)"),
    fatal("DE-R-031", "BT-91", "German seller and buyer: direct debit requires the debited account identifier"),
];

fn is_de(doc: &crate::xml::Doc<'_>, party: Option<NodeId>) -> bool {
    tree::ubl_postal(doc, party).is_some_and(|c| norm(c).to_uppercase() == "DE")
}

pub fn check(ctx: &mut Ctx<'_, '_>) {
    let doc = ctx.doc;
    let root = doc.root();
    let sup = tree::ubl_party(doc, true);
    let cus = tree::ubl_party(doc, false);
    if !(is_de(doc, sup) && is_de(doc, cus)) {
        return;
    }
    let r = Some(root);
    let pms: Vec<NodeId> = doc.kids(root, Cac, "PaymentMeans").collect();
    ctx.check(!pms.is_empty(), "DE-R-001", r);
    ctx.check(filled(doc, root, &[(Cbc, "BuyerReference")]), "DE-R-015", r);

    // DE-R-016: VAT categories in use require a seller VAT/tax id or a representative.
    const CODES: &[&str] = &["S", "Z", "E", "AE", "K", "G", "L", "M"];
    let mut cats = Vec::new();
    for ac in doc.kids(root, Cac, "AllowanceCharge") {
        if doc
            .kid(ac, Cbc, "ChargeIndicator")
            .is_some_and(|i| matches!(doc.raw_text(i), "true" | "false"))
        {
            cats.extend(all(doc, ac, &[(Cac, "TaxCategory"), (Cbc, "ID")]));
        }
    }
    for line in doc
        .children(root)
        .filter(|c| doc.is(*c, Cac, "InvoiceLine") || doc.is(*c, Cac, "CreditNoteLine"))
    {
        cats.extend(all(
            doc,
            line,
            &[(Cac, "Item"), (Cac, "ClassifiedTaxCategory"), (Cbc, "ID")],
        ));
    }
    let used = cats.iter().any(|c| CODES.contains(&doc.raw_text(*c)));
    if used {
        let has_id = sup.is_some_and(|p| {
            all(doc, p, &[(Cac, "PartyTaxScheme"), (Cbc, "CompanyID")])
                .iter()
                .any(|c| !doc.text(*c).is_empty())
        });
        let rep = doc.kid(root, Cac, "TaxRepresentativeParty").is_some();
        ctx.check(has_id || rep, "DE-R-016", r);
    }

    let tc = doc
        .kid(root, Cbc, "InvoiceTypeCode")
        .or_else(|| doc.kid(root, Cbc, "CreditNoteTypeCode"));
    let tcv = tc.map(|t| doc.raw_text(t)).unwrap_or("");
    ctx.check(
        ["326", "380", "384", "389", "381", "875", "876", "877"].contains(&tcv),
        "DE-R-017",
        tc.or(r),
    );
    if tcv.trim().parse::<f64>().ok() == Some(384.0) {
        ctx.check(
            tree::first(
                doc,
                root,
                &[(Cac, "BillingReference"), (Cac, "InvoiceDocumentReference")],
            )
            .is_some(),
            "DE-R-026",
            tc,
        );
    }
    if let Some(note) = tree::first(doc, root, &[(Cac, "PaymentTerms"), (Cbc, "Note")]) {
        ctx.check(skonto_ok(doc.raw_text(note)), "DE-R-018", Some(note));
    }

    // DE-R-022: unique attachment file names.
    let mut seen: Vec<&str> = Vec::new();
    for adr in doc.kids(root, Cac, "AdditionalDocumentReference") {
        let names: Vec<&str> = all(
            doc,
            adr,
            &[(Cac, "Attachment"), (Cbc, "EmbeddedDocumentBinaryObject")],
        )
        .iter()
        .filter_map(|b| doc.attr(*b, "filename"))
        .collect();
        if names.iter().any(|n| seen.contains(n)) {
            ctx.fail("DE-R-022", Some(adr));
        }
        seen.extend(names);
    }

    let mandates: Vec<NodeId> = pms
        .iter()
        .flat_map(|pm| doc.kids(*pm, Cac, "PaymentMandate").collect::<Vec<_>>())
        .collect();
    if !mandates.is_empty() {
        let sepa = |p: Option<NodeId>| {
            p.is_some_and(|p| {
                all(doc, p, &[(Cac, "PartyIdentification"), (Cbc, "ID")])
                    .iter()
                    .any(|i| doc.attr(*i, "schemeID") == Some("SEPA"))
            })
        };
        ctx.check(
            sepa(sup) || sepa(doc.kid(root, Cac, "PayeeParty")),
            "DE-R-030",
            r,
        );
        ctx.check(
            mandates.iter().any(|m| {
                tree::first(doc, *m, &[(Cac, "PayerFinancialAccount"), (Cbc, "ID")]).is_some()
            }),
            "DE-R-031",
            r,
        );
    }

    // Parties and addresses.
    if let Some(asp) = doc.kid(root, Cac, "AccountingSupplierParty") {
        let contact = tree::first(doc, asp, &[(Cac, "Party"), (Cac, "Contact")]);
        ctx.check(contact.is_some(), "DE-R-002", Some(asp));
    }
    if let Some(p) = sup {
        if let Some(a) = doc.kid(p, Cac, "PostalAddress") {
            ctx.check(filled(doc, a, &[(Cbc, "CityName")]), "DE-R-003", Some(a));
            ctx.check(filled(doc, a, &[(Cbc, "PostalZone")]), "DE-R-004", Some(a));
        }
        for c in doc.kids(p, Cac, "Contact") {
            ctx.check(filled(doc, c, &[(Cbc, "Name")]), "DE-R-005", Some(c));
            ctx.check(filled(doc, c, &[(Cbc, "Telephone")]), "DE-R-006", Some(c));
            ctx.check(
                filled(doc, c, &[(Cbc, "ElectronicMail")]),
                "DE-R-007",
                Some(c),
            );
            let phone = text(doc, c, &[(Cbc, "Telephone")])
                .map(norm)
                .unwrap_or_default();
            ctx.check(
                phone.chars().filter(char::is_ascii_digit).count() >= 3,
                "DE-R-027",
                Some(c),
            );
            let mail = text(doc, c, &[(Cbc, "ElectronicMail")])
                .map(norm)
                .unwrap_or_default();
            ctx.check(email_ok(&mail), "DE-R-028", Some(c));
        }
    }
    if let Some(a) = cus.and_then(|p| doc.kid(p, Cac, "PostalAddress")) {
        ctx.check(filled(doc, a, &[(Cbc, "CityName")]), "DE-R-008", Some(a));
        ctx.check(filled(doc, a, &[(Cbc, "PostalZone")]), "DE-R-009", Some(a));
    }
    for a in all(
        doc,
        root,
        &[
            (Cac, "Delivery"),
            (Cac, "DeliveryLocation"),
            (Cac, "Address"),
        ],
    ) {
        ctx.check(filled(doc, a, &[(Cbc, "CityName")]), "DE-R-010", Some(a));
        ctx.check(filled(doc, a, &[(Cbc, "PostalZone")]), "DE-R-011", Some(a));
    }
    for st in all(doc, root, &[(Cac, "TaxTotal"), (Cac, "TaxSubtotal")]) {
        ctx.check(
            filled(doc, st, &[(Cac, "TaxCategory"), (Cbc, "Percent")]),
            "DE-R-014",
            Some(st),
        );
    }

    // Payment means groups.
    for pm in pms {
        let codes: Vec<f64> = doc
            .kids(pm, Cbc, "PaymentMeansCode")
            .filter_map(|c| doc.text(c).parse::<f64>().ok())
            .collect();
        let is = |v: f64| codes.iter().any(|c| (*c - v).abs() < f64::EPSILON);
        let literal = |v: &str| {
            doc.kids(pm, Cbc, "PaymentMeansCode")
                .any(|c| doc.raw_text(c) == v)
        };
        let has = |name: &str| doc.kid(pm, Cac, name).is_some();
        if is(30.0) || is(58.0) {
            if literal("58") {
                let acct = text(doc, pm, &[(Cac, "PayeeFinancialAccount"), (Cbc, "ID")]);
                ctx.check(acct.is_some_and(tree::iban), "DE-R-019", Some(pm));
            }
            ctx.check(has("PayeeFinancialAccount"), "DE-R-023-1", Some(pm));
            ctx.check(
                !has("CardAccount") && !has("PaymentMandate"),
                "DE-R-023-2",
                Some(pm),
            );
        }
        if is(48.0) || is(54.0) || is(55.0) {
            ctx.check(has("CardAccount"), "DE-R-024-1", Some(pm));
            ctx.check(
                !has("PayeeFinancialAccount") && !has("PaymentMandate"),
                "DE-R-024-2",
                Some(pm),
            );
        }
        if is(59.0) {
            if literal("59") {
                let acct = text(
                    doc,
                    pm,
                    &[
                        (Cac, "PaymentMandate"),
                        (Cac, "PayerFinancialAccount"),
                        (Cbc, "ID"),
                    ],
                );
                ctx.check(acct.is_some_and(tree::iban), "DE-R-020", Some(pm));
            }
            ctx.check(has("PaymentMandate"), "DE-R-025-1", Some(pm));
            ctx.check(
                !has("PayeeFinancialAccount") && !has("CardAccount"),
                "DE-R-025-2",
                Some(pm),
            );
        }
    }
}

/// `#SKONTO#TAGE=n#PROZENT=n.nn#` with an optional `BASISBETRAG=[-]n.nn#` segment.
fn skonto_line(line: &str) -> bool {
    // The official pattern is not anchored at the start: look for any occurrence.
    line.match_indices("#SKONTO#TAGE=").any(|(i, _)| {
        let rest = &line[i + "#SKONTO#TAGE=".len()..];
        let (days, rest) = split_digits(rest);
        if days.is_empty() {
            return false;
        }
        let Some(rest) = rest.strip_prefix("#PROZENT=") else {
            return false;
        };
        let Some(rest) = amount(rest) else {
            return false;
        };
        if rest == "#" {
            return true;
        }
        let Some(rest) = rest.strip_prefix("#BASISBETRAG=") else {
            return false;
        };
        let rest = rest.strip_prefix('-').unwrap_or(rest);
        amount(rest) == Some("#")
    })
}

fn split_digits(s: &str) -> (&str, &str) {
    let n = s.bytes().take_while(u8::is_ascii_digit).count();
    s.split_at(n)
}

/// `[0-9]+\.[0-9]{2}` at the start; returns the remainder.
fn amount(s: &str) -> Option<&str> {
    let (int, rest) = split_digits(s);
    let rest = rest.strip_prefix('.')?;
    let (frac, rest) = split_digits(rest);
    (!int.is_empty() && frac.len() == 2).then_some(rest)
}

pub fn skonto_ok(note: &str) -> bool {
    let lines: Vec<&str> = note.split('\n').collect();
    let hashed: Vec<String> = lines
        .iter()
        .map(|l| norm(l.strip_suffix('\r').unwrap_or(l)))
        .filter(|l| l.starts_with('#'))
        .collect();
    if hashed.is_empty() {
        return true;
    }
    if !hashed.iter().all(|l| skonto_line(l)) {
        return false;
    }
    // After the last '#...#' run on a line, the text must continue with a line break.
    let tail = note
        .split('\n')
        .enumerate()
        .filter(|(_, l)| l.matches('#').count() >= 2)
        .last()
        .map(|(i, l)| {
            let after_hash = l.rfind('#').map_or("", |p| &l[p + 1..]);
            let rest: Vec<&str> = note.split('\n').skip(i + 1).collect();
            if rest.is_empty() {
                after_hash.to_string()
            } else {
                format!("{after_hash}\n{}", rest.join("\n"))
            }
        })
        .unwrap_or_else(|| note.to_string());
    let ws: String = tail.chars().take_while(|c| c.is_whitespace()).collect();
    ws.contains('\n')
}

/// The e-mail shape of the German rules: local part of allowed characters in dot-separated
/// atoms, one '@', and a domain of at least two labels.
pub fn email_ok(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    const SPECIAL: &str = "!#$%&\"*+/=?^_`{|}~-";
    let atom_ok = |a: &str| {
        !a.is_empty()
            && a.chars()
                .all(|c| c.is_ascii_alphanumeric() || SPECIAL.contains(c))
    };
    let label_ok = |l: &str| {
        let b = l.as_bytes();
        !b.is_empty()
            && b[0].is_ascii_alphanumeric()
            && b[b.len() - 1].is_ascii_alphanumeric()
            && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
    };
    let labels: Vec<&str> = domain.split('.').collect();
    local.split('.').all(atom_ok) && labels.len() >= 2 && labels.iter().all(|l| label_ok(l))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skonto_and_email() {
        assert!(skonto_ok("#SKONTO#TAGE=14#PROZENT=2.00#\n"));
        assert!(skonto_ok(
            "#SKONTO#TAGE=7#PROZENT=3.00#BASISBETRAG=100.00#\n#SKONTO#TAGE=14#PROZENT=2.00#\n"
        ));
        assert!(!skonto_ok("#SKONTO#TAGE=14#PROZENT=2.00#"));
        assert!(!skonto_ok("#SKONTO#TAGE=14#PROZENT=2#\n"));
        assert!(skonto_ok("Zahlbar in 30 Tagen"));
        assert!(email_ok("a.b@example.de"));
        assert!(!email_ok("a@b"));
        assert!(!email_ok("a@@b.de"));
    }
}
