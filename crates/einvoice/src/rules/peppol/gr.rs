//! Peppol Greek rules GR-R-* / GR-S-* (UBL only).

use super::tree::{self, greek_tin, norm, text};
use super::{customer_country, supplier_country};
use crate::rules::{fatal, warning, Ctx, Rule};
use crate::xml::{NodeId, Ns};

use Ns::{Cac, Cbc};

pub static RULES: &[Rule] = &[
    fatal("GR-R-001-1", "BT-1", "Greek seller: the invoice number must have 6 segments separated by '|'"),
    fatal("GR-R-001-2", "BT-1", "Greek seller: the first invoice number segment must be a valid TIN equal to the seller's or tax representative's"),
    fatal("GR-R-001-3", "BT-1", "Greek seller: the second invoice number segment must be the issue date as DD/MM/YYYY"),
    fatal("GR-R-001-4", "BT-1", "Greek seller: the third invoice number segment must be a non-negative integer"),
    fatal("GR-R-001-5", "BT-1", "Greek seller: the fourth invoice number segment must be a Greek document type (1.1, 1.6, 2.1, 2.4, 5.1, 5.2)"),
    fatal("GR-R-001-6", "BT-1", "Greek seller: the fifth invoice number segment must not be empty"),
    fatal("GR-R-001-7", "BT-1", "Greek seller: the sixth invoice number segment must not be empty"),
    fatal("GR-R-002", "BT-28", "Greek seller: the seller name (trading name) must be given"),
    fatal("GR-R-003", "BT-31", "Greek seller: the VAT id must start with 'EL' followed by a valid TIN"),
    fatal("GR-R-004-1", "BG-24", "Greek seller: exactly one MARK number reference (description '##M.AR.K##') must be given"),
    fatal("GR-R-004-2", "BG-24", "Greek seller: the MARK number must be a positive integer"),
    fatal("GR-R-005", "BT-45", "Greek seller: the buyer name (trading name) must be given"),
    fatal("GR-R-006", "BT-48", "Greek seller and buyer: exactly one buyer VAT id starting with 'EL' and a valid TIN must be given"),
    warning("GR-S-008-1", "BG-24", "Greek seller: one invoice URL reference (description '##INVOICE|URL##') should be given"),
    fatal("GR-R-008-2", "BG-24", "Greek seller: at most one invoice URL reference may be given"),
    fatal("GR-R-008-3", "BT-124", "Greek seller: the invoice URL reference must carry an external URI"),
    fatal("GR-R-009", "BT-34", "Greek seller: the electronic address must be a valid TIN with scheme 9933"),
    fatal("GR-R-010", "BT-49", "Greek seller and buyer: the buyer electronic address must be a valid TIN with scheme 9933"),
    warning("GR-S-011", "BT-31", "Greek seller: exactly one seller VAT id starting with 'EL' and a valid TIN should be given"),
];

const MARK: &str = "##M.AR.K##";
const URL: &str = "##INVOICE|URL##";

fn greek(c: &str) -> bool {
    c == "GR" || c == "EL"
}

/// `count(VAT ids) = 1 and substring(.,1,2) = 'EL' and TIN(substring(.,3))`.
fn single_el_vat(doc: &crate::xml::Doc<'_>, party: NodeId) -> bool {
    let v = vat_ids_trimmed_scheme(doc, party);
    v.len() == 1
        && v.first().is_some_and(|n| {
            let s = doc.raw_text(*n);
            s.starts_with("EL") && greek_tin(s.get(2..).unwrap_or(""))
        })
}

/// VAT ids where the tax scheme id is 'VAT' after whitespace normalisation.
fn vat_ids_trimmed_scheme(doc: &crate::xml::Doc<'_>, party: NodeId) -> Vec<NodeId> {
    doc.kids(party, Cac, "PartyTaxScheme")
        .filter(|t| {
            text(doc, *t, &[(Cac, "TaxScheme"), (Cbc, "ID")])
                .map(norm)
                .as_deref()
                == Some("VAT")
        })
        .flat_map(|t| doc.kids(t, Cbc, "CompanyID").collect::<Vec<_>>())
        .collect()
}

fn date_segment_ok(seg: &str, issue: &str) -> bool {
    let parts: Vec<&str> = seg.split('/').collect();
    let iso: Vec<&str> = issue.split('-').collect();
    if parts.len() < 3 || iso.len() < 3 || norm(seg).is_empty() {
        return false;
    }
    if parts[0] != iso[2] || parts[1] != iso[1] || parts[2] != iso[0] {
        return false;
    }
    // The segment must also start like DD/MM/YYYY with a plausible day, month and century.
    let day = parts[0].parse::<u32>().unwrap_or(0);
    let month = parts[1].parse::<u32>().unwrap_or(0);
    (1..=31).contains(&day)
        && (1..=12).contains(&month)
        && parts[0].len() <= 2
        && parts[1].len() <= 2
        && (parts[2].starts_with("19") || parts[2].starts_with("20"))
        && parts[2].len() >= 4
        && parts[2].bytes().take(4).all(|b| b.is_ascii_digit())
}

pub fn check(ctx: &mut Ctx<'_, '_>) {
    let doc = ctx.doc;
    let root = doc.root();
    let sup_c = supplier_country(ctx);
    let cus_c = customer_country(ctx);
    let sup = tree::ubl_party(doc, true);
    let cus = tree::ubl_party(doc, false);
    // GR-R-009 uses the seller's own VAT prefix or postal country (no tax representative).
    let acct_country = sup
        .and_then(|p| tree::ubl_vat_ids(doc, p).first().copied())
        .map(|v| doc.raw_text(v).chars().take(2).collect::<String>())
        .filter(|s| !s.is_empty())
        .map(|s| norm(&s).to_uppercase())
        .or_else(|| tree::ubl_postal(doc, sup).map(|c| norm(c).to_uppercase()))
        .unwrap_or_else(|| "XX".into());
    if greek(&acct_country) {
        if let Some(e) = sup.and_then(|p| doc.kid(p, Cbc, "EndpointID")) {
            ctx.check(
                doc.attr(e, "schemeID") == Some("9933") && greek_tin(doc.raw_text(e)),
                "GR-R-009",
                Some(e),
            );
        }
    }
    if !greek(&sup_c) {
        return;
    }
    if let Some(id) = doc.kid(root, Cbc, "ID") {
        id_segments(ctx, id, sup);
    }
    if let Some(p) = sup {
        let name = text(doc, p, &[(Cac, "PartyName"), (Cbc, "Name")]).unwrap_or("");
        ctx.check(!doc_text_empty(name), "GR-R-002", Some(p));
        ctx.check(single_el_vat(doc, p), "GR-S-011", Some(p));
        for v in vat_ids_trimmed_scheme(doc, p) {
            let s = doc.raw_text(v);
            ctx.check(
                s.starts_with("EL") && greek_tin(s.get(2..).unwrap_or("")),
                "GR-R-003",
                Some(v),
            );
        }
    }
    if let Some(p) = cus {
        let name = text(doc, p, &[(Cac, "PartyName"), (Cbc, "Name")]).unwrap_or("");
        ctx.check(!doc_text_empty(name), "GR-R-005", Some(p));
    }
    let refs: Vec<NodeId> = doc.kids(root, Cac, "AdditionalDocumentReference").collect();
    let described = |r: NodeId, d: &str| {
        doc.kids(r, Cbc, "DocumentDescription")
            .any(|x| doc.raw_text(x) == d)
    };
    let postal_gr = tree::ubl_postal(doc, sup) == Some("GR");
    if postal_gr {
        let marks: Vec<NodeId> = refs
            .iter()
            .copied()
            .filter(|r| described(*r, MARK))
            .collect();
        let urls = refs.iter().filter(|r| described(**r, URL)).count();
        ctx.check(marks.len() == 1, "GR-R-004-1", Some(root));
        ctx.check(urls == 1, "GR-S-008-1", Some(root));
        ctx.check(urls <= 1, "GR-R-008-2", Some(root));
        for m in marks {
            for id in doc.kids(m, Cbc, "ID") {
                let ok = doc
                    .raw_text(id)
                    .bytes()
                    .next()
                    .is_some_and(|b| (b'1'..=b'9').contains(&b));
                ctx.check(ok, "GR-R-004-2", Some(id));
            }
        }
    }
    for r in refs.iter().copied().filter(|r| described(*r, URL)) {
        let uri = text(
            doc,
            r,
            &[
                (Cac, "Attachment"),
                (Cac, "ExternalReference"),
                (Cbc, "URI"),
            ],
        )
        .unwrap_or("");
        ctx.check(!uri.is_empty(), "GR-R-008-3", Some(r));
    }
    if greek(&cus_c) {
        if let Some(p) = cus {
            ctx.check(single_el_vat(doc, p), "GR-R-006", Some(p));
            if let Some(e) = doc.kid(p, Cbc, "EndpointID") {
                ctx.check(
                    doc.attr(e, "schemeID") == Some("9933") && greek_tin(doc.raw_text(e)),
                    "GR-R-010",
                    Some(e),
                );
            }
        }
    }
}

fn doc_text_empty(s: &str) -> bool {
    s.is_empty()
}

fn id_segments(ctx: &mut Ctx<'_, '_>, id: NodeId, sup: Option<NodeId>) {
    let doc = ctx.doc;
    let raw = doc.raw_text(id);
    let seg: Vec<&str> = raw.split('|').collect();
    let get = |i: usize| seg.get(i).copied().unwrap_or("");
    let n = Some(id);
    ctx.check(seg.len() == 6, "GR-R-001-1", n);
    let s1 = get(0);
    let vat_tail = |p: Option<NodeId>| -> Vec<String> {
        p.map(|p| {
            tree::ubl_vat_ids(doc, p)
                .iter()
                .map(|v| doc.raw_text(*v).chars().skip(2).take(9).collect())
                .collect()
        })
        .unwrap_or_default()
    };
    let rep = doc.kid(doc.root(), Cac, "TaxRepresentativeParty");
    let matches_party = vat_tail(sup)
        .iter()
        .chain(vat_tail(rep).iter())
        .any(|t| t == s1);
    ctx.check(
        norm(s1).chars().count() == 9 && greek_tin(s1) && matches_party,
        "GR-R-001-2",
        n,
    );
    let issue = text(doc, doc.root(), &[(Cbc, "IssueDate")]).unwrap_or("");
    ctx.check(date_segment_ok(get(1), issue), "GR-R-001-3", n);
    let s3 = get(2);
    let s3t = s3.trim();
    let int_ok = !norm(s3).is_empty()
        && !s3t.is_empty()
        && s3t
            .strip_prefix('+')
            .unwrap_or(s3t)
            .bytes()
            .all(|b| b.is_ascii_digit());
    ctx.check(int_ok, "GR-R-001-4", n);
    let s4 = get(3);
    ctx.check(
        !norm(s4).is_empty() && ["1.1", "1.6", "2.1", "2.4", "5.1", "5.2"].contains(&s4),
        "GR-R-001-5",
        n,
    );
    ctx.check(!get(4).is_empty(), "GR-R-001-6", n);
    ctx.check(!get(5).is_empty(), "GR-R-001-7", n);
}
