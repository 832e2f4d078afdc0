//! Syntax-bound rules of the UBL binding: UBL-SR-* (single occurrence and structure
//! restrictions), UBL-DT-* (data type restrictions) and the fatal / line-level UBL-CR-*
//! ("element not used") rules. Numbering and contexts follow CEN 1.3.16.
//!
//! One pass over the elements evaluates the per-element rules; the document-level counts
//! follow fixed paths from the root.

use crate::detect::Syntax;
use crate::rules::{fatal, warning, Ctx, Rule};
use crate::xml::{Doc, NodeId, Ns};

pub static UBL_RULES: &[Rule] = &[
    fatal("UBL-SR-01", "BT-12", "Contract identifier must occur at most once"),
    fatal("UBL-SR-02", "BT-15", "Receiving advice reference must occur at most once"),
    fatal("UBL-SR-03", "BT-16", "Despatch advice reference must occur at most once"),
    fatal("UBL-SR-04", "BT-18", "Invoiced object identifier must occur at most once"),
    fatal("UBL-SR-05", "BT-20", "Payment terms must occur at most once"),
    fatal("UBL-SR-06", "BG-3", "A billing reference must contain at most one preceding invoice reference"),
    fatal("UBL-SR-07", "BT-25", "A billing reference must contain the preceding invoice number"),
    fatal("UBL-SR-08", "BG-14", "Invoicing period must occur at most once"),
    fatal("UBL-SR-09", "BT-27", "Seller name must occur at most once"),
    fatal("UBL-SR-10", "BT-28", "Seller trading name must occur at most once"),
    fatal("UBL-SR-11", "BT-30", "Seller legal registration identifier must occur at most once"),
    fatal("UBL-SR-12", "BT-31", "Seller VAT identifier must occur at most once"),
    fatal("UBL-SR-13", "BT-32", "Seller tax registration identifier must occur at most once"),
    fatal("UBL-SR-14", "BT-33", "Seller additional legal information must occur at most once"),
    fatal("UBL-SR-15", "BT-44", "Buyer name must occur at most once"),
    fatal("UBL-SR-16", "BT-46", "Buyer identifier must occur at most once"),
    fatal("UBL-SR-17", "BT-47", "Buyer legal registration identifier must occur at most once"),
    fatal("UBL-SR-18", "BT-48", "Buyer VAT identifier must occur at most once"),
    fatal("UBL-SR-19", "BT-59", "Payee name must occur at most once, and only when the payee differs from the seller"),
    fatal("UBL-SR-20", "BT-60", "Payee identifier must occur at most once, and only when the payee differs from the seller"),
    fatal("UBL-SR-21", "BT-61", "Payee legal registration identifier must occur at most once, and only when the payee differs from the seller"),
    fatal("UBL-SR-22", "BT-62", "Seller tax representative name must occur at most once"),
    fatal("UBL-SR-23", "BT-63", "Seller tax representative VAT identifier must occur at most once"),
    fatal("UBL-SR-24", "BG-13", "Deliver to information must occur at most once"),
    fatal("UBL-SR-25", "BT-70", "Deliver to party name must occur at most once"),
    fatal("UBL-SR-26", "BT-83", "Payment reference must occur at most once per payment instruction"),
    fatal("UBL-SR-27", "BT-81", "Payment means code must occur at most once per payment instruction"),
    fatal("UBL-SR-28", "BT-89", "Mandate reference identifier must occur at most once per payment instruction"),
    fatal("UBL-SR-29", "BT-90", "Bank assigned creditor identifier (SEPA) must occur at most once"),
    fatal("UBL-SR-30", "BT-97", "Document level allowance reason must occur at most once"),
    fatal("UBL-SR-31", "BT-104", "Document level charge reason must occur at most once"),
    fatal("UBL-SR-32", "BT-120", "VAT exemption reason text must occur at most once per VAT breakdown"),
    fatal("UBL-SR-33", "BT-123", "Supporting document description must occur at most once"),
    fatal("UBL-SR-34", "BT-127", "Invoice line note must occur at most once"),
    fatal("UBL-SR-35", "BT-132", "Referenced purchase order line reference must occur at most once"),
    fatal("UBL-SR-36", "BG-26", "Invoice line period must occur at most once"),
    fatal("UBL-SR-37", "BT-147", "Item price discount must occur at most once"),
    fatal("UBL-SR-39", "BT-11", "Project reference must occur at most once"),
    fatal("UBL-SR-40", "BT-45", "Buyer trade name must occur at most once"),
    fatal("UBL-SR-42", "BT-31", "A seller may have at most two tax registrations (VAT and one other)"),
    fatal("UBL-SR-43", "BG-24", "A supporting document with a scheme or type code must be an invoiced object reference (130), or a tender reference (50) in a credit note"),
    fatal("UBL-SR-44", "BT-83", "An invoice may have only one distinct payment reference"),
    fatal("UBL-SR-45", "BT-9", "Due date must occur at most once"),
    fatal("UBL-SR-46", "BT-82", "Payment means text must occur at most once"),
    fatal("UBL-SR-47", "BT-81", "All payment means in one invoice must have the same payment means code"),
    fatal("UBL-SR-48", "BG-30", "Each invoice line must have exactly one VAT category (ClassifiedTaxCategory)"),
    fatal("UBL-SR-49", "BT-8", "Value added tax point date code must occur at most once"),
    fatal("UBL-SR-50", "BT-154", "Item description must occur at most once"),
    fatal("UBL-SR-51", "BT-162", "An address may contain at most one address line (AddressLine)"),
    fatal("UBL-SR-52", "BT-128", "An invoice line may contain at most one document reference (invoice line object identifier)"),
    fatal("UBL-SR-53", "BT-31", "A party tax scheme must contain both a tax scheme identifier and a company identifier"),
    fatal("UBL-SR-54", "BG-18", "Payment card information must occur at most once"),
    fatal("UBL-SR-55", "BG-19", "Direct debit (payment mandate) must occur at most once"),
    fatal("UBL-SR-56", "BT-17", "Tender or lot reference must occur at most once"),
    fatal("UBL-DT-01", "", "Amounts must not have more than two decimals (prices excepted)"),
    fatal("UBL-DT-06", "BT-125", "A binary object must have a MIME code"),
    fatal("UBL-DT-07", "BT-125", "A binary object must have a file name"),
    warning("UBL-DT-08", "", "The attribute schemeName should not be used"),
    warning("UBL-DT-09", "", "The attribute schemeAgencyName should not be used"),
    warning("UBL-DT-10", "", "The attribute schemeDataURI should not be used"),
    warning("UBL-DT-11", "", "The attribute schemeURI should not be used"),
    warning("UBL-DT-12", "", "The attribute format should not be used"),
    warning("UBL-DT-13", "", "The attribute unitCodeListIdentifier should not be used"),
    warning("UBL-DT-14", "", "The attribute unitCodeListAgencyIdentifier should not be used"),
    warning("UBL-DT-15", "", "The attribute unitCodeListAgencyName should not be used"),
    warning("UBL-DT-16", "", "The attribute listAgencyName should not be used"),
    warning("UBL-DT-17", "", "The attribute listName should not be used"),
    warning("UBL-DT-18", "", "The attribute name should only be used on the payment means code"),
    warning("UBL-DT-19", "", "The attribute languageID should not be used"),
    warning("UBL-DT-20", "", "The attribute listURI should not be used"),
    warning("UBL-DT-21", "", "The attribute listSchemeURI should not be used"),
    warning("UBL-DT-22", "", "The attribute languageLocaleID should not be used"),
    warning("UBL-DT-23", "", "The attribute uri should not be used"),
    warning("UBL-DT-24", "", "The attribute currencyCodeListVersionID should not be used"),
    warning("UBL-DT-25", "", "The attribute characterSetCode should not be used"),
    warning("UBL-DT-26", "", "The attribute encodingCode should not be used"),
    warning("UBL-DT-27", "", "The attribute schemeAgencyID should not be used"),
    warning("UBL-DT-28", "", "The attribute listAgencyID should not be used"),
    fatal("UBL-CR-666", "BT-18", "An invoiced object reference (type 130) must not carry an attachment"),
    fatal("UBL-CR-673", "BT-18", "An invoiced object reference (type 130) must not carry a document description"),
    warning("UBL-CR-561", "", "An invoice line should not include a TaxTotal"),
];

pub static CII_RULES: &[Rule] = &[];

/// Attributes the UBL-DT warnings discourage, with their rule ids.
const DISCOURAGED_ATTRS: &[(&str, &str)] = &[
    ("schemeName", "UBL-DT-08"),
    ("schemeAgencyName", "UBL-DT-09"),
    ("schemeDataURI", "UBL-DT-10"),
    ("schemeURI", "UBL-DT-11"),
    ("format", "UBL-DT-12"),
    ("unitCodeListIdentifier", "UBL-DT-13"),
    ("unitCodeListAgencyIdentifier", "UBL-DT-14"),
    ("unitCodeListAgencyName", "UBL-DT-15"),
    ("listAgencyName", "UBL-DT-16"),
    ("listName", "UBL-DT-17"),
    ("languageID", "UBL-DT-19"),
    ("listURI", "UBL-DT-20"),
    ("listSchemeURI", "UBL-DT-21"),
    ("languageLocaleID", "UBL-DT-22"),
    ("uri", "UBL-DT-23"),
    ("currencyCodeListVersionID", "UBL-DT-24"),
    ("characterSetCode", "UBL-DT-25"),
    ("encodingCode", "UBL-DT-26"),
    ("schemeAgencyID", "UBL-DT-27"),
    ("listAgencyID", "UBL-DT-28"),
];

/// Parse "cac:Name" / "Name" (cbc) path steps.
fn step(s: &str) -> (Ns, &str) {
    match s.split_once(':') {
        Some(("cac", n)) => (Ns::Cac, n),
        Some((_, n)) => (Ns::Cbc, n),
        None => (Ns::Cbc, s),
    }
}

/// Elements at `path` below `from` (every match at every step, like an XPath path).
fn select(doc: &Doc<'_>, from: NodeId, path: &[&str]) -> Vec<NodeId> {
    let mut cur = vec![from];
    for s in path {
        let (ns, name) = step(s);
        cur = cur.iter().flat_map(|c| doc.kids(*c, ns, name)).collect();
    }
    cur
}

/// `count(path)`: the same as `select(..).len()` without building the node lists
/// (every element has one parent, so the paths never overlap).
fn count(doc: &Doc<'_>, from: NodeId, path: &[&str]) -> usize {
    match path.split_first() {
        None => 1,
        Some((s, rest)) => {
            let (ns, name) = step(s);
            doc.kids(from, ns, name).map(|c| count(doc, c, rest)).sum()
        }
    }
}

/// `TaxScheme/upper-case(cbc:ID)` values of a PartyTaxScheme.
fn tax_scheme_is_vat(doc: &Doc<'_>, pts: NodeId) -> Option<bool> {
    doc.at(pts, &[(Ns::Cac, "TaxScheme"), (Ns::Cbc, "ID")])
        .map(|i| doc.raw_text(i).to_uppercase() == "VAT")
}

fn indicator(doc: &Doc<'_>, ac: NodeId) -> Option<bool> {
    match doc.kid(ac, Ns::Cbc, "ChargeIndicator").map(|i| doc.text(i)) {
        Some("true" | "1") => Some(true),
        Some("false" | "0") => Some(false),
        _ => None,
    }
}

fn has_type_code(doc: &Doc<'_>, n: NodeId, code: &str) -> bool {
    doc.kids(n, Ns::Cbc, "DocumentTypeCode")
        .any(|c| doc.raw_text(c) == code)
}

pub fn check(ctx: &mut Ctx<'_, '_>) {
    if ctx.syntax != Syntax::Ubl {
        return;
    }
    check_root(ctx);
    check_elements(ctx);
}

fn check_root(ctx: &mut Ctx<'_, '_>) {
    let doc = ctx.doc;
    let r = ctx.inv.root;
    let root = Some(r);
    let sp = "cac:AccountingSupplierParty";
    let bp = "cac:AccountingCustomerParty";
    let at_most_one: &[(&'static str, &[&str])] = &[
        ("UBL-SR-01", &["cac:ContractDocumentReference", "ID"]),
        ("UBL-SR-02", &["cac:ReceiptDocumentReference", "ID"]),
        ("UBL-SR-03", &["cac:DespatchDocumentReference", "ID"]),
        ("UBL-SR-05", &["cac:PaymentTerms", "Note"]),
        ("UBL-SR-08", &["cac:InvoicePeriod"]),
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
            "UBL-SR-14",
            &[sp, "cac:Party", "cac:PartyLegalEntity", "CompanyLegalForm"],
        ),
        (
            "UBL-SR-15",
            &[bp, "cac:Party", "cac:PartyLegalEntity", "RegistrationName"],
        ),
        (
            "UBL-SR-16",
            &[bp, "cac:Party", "cac:PartyIdentification", "ID"],
        ),
        (
            "UBL-SR-17",
            &[bp, "cac:Party", "cac:PartyLegalEntity", "CompanyID"],
        ),
        ("UBL-SR-24", &["cac:Delivery"]),
        ("UBL-SR-39", &["cac:ProjectReference", "ID"]),
        ("UBL-SR-40", &[bp, "cac:Party", "cac:PartyName", "Name"]),
        ("UBL-SR-45", &["cac:PaymentMeans", "PaymentDueDate"]),
        ("UBL-SR-49", &["cac:InvoicePeriod", "DescriptionCode"]),
        ("UBL-SR-54", &["cac:PaymentMeans", "cac:CardAccount"]),
        ("UBL-SR-55", &["cac:PaymentMeans", "cac:PaymentMandate"]),
        ("UBL-SR-56", &["cac:OriginatorDocumentReference", "ID"]),
    ];
    for (id, path) in at_most_one {
        if count(doc, r, path) > 1 {
            ctx.fail(id, root);
        }
    }
    // UBL-SR-04: invoiced object identifiers (additional documents of type 130).
    let objects: usize = doc
        .kids(r, Ns::Cac, "AdditionalDocumentReference")
        .filter(|a| has_type_code(doc, *a, "130"))
        .map(|a| doc.kids(a, Ns::Cbc, "ID").count())
        .sum();
    ctx.check(objects <= 1, "UBL-SR-04", root);
    // UBL-SR-12/13/18: VAT and other tax registrations of seller and buyer.
    let regs = |party: &str, vat: bool| -> usize {
        select(doc, r, &[party, "cac:Party", "cac:PartyTaxScheme"])
            .into_iter()
            .filter(|p| tax_scheme_is_vat(doc, *p) == Some(vat))
            .map(|p| doc.kids(p, Ns::Cbc, "CompanyID").count())
            .sum()
    };
    ctx.check(regs(sp, true) <= 1, "UBL-SR-12", root);
    ctx.check(regs(sp, false) <= 1, "UBL-SR-13", root);
    ctx.check(regs(bp, true) <= 1, "UBL-SR-18", root);
    // UBL-SR-46: payment means text (the name attribute of the code).
    let names = select(doc, r, &["cac:PaymentMeans", "PaymentMeansCode"])
        .into_iter()
        .filter(|c| doc.attr(*c, "name").is_some())
        .count();
    ctx.check(names <= 1, "UBL-SR-46", root);
    // UBL-CR-561: line-level TaxTotal is not part of EN 16931.
    for l in &ctx.inv.lines {
        if doc.kid(l.node, Ns::Cac, "TaxTotal").is_some() {
            ctx.fail("UBL-CR-561", root);
            break;
        }
    }
}

fn check_elements(ctx: &mut Ctx<'_, '_>) {
    use Ns::{Cac, Cbc};
    let doc = ctx.doc;
    let r = ctx.inv.root;
    let credit_note = ctx.is_credit_note();
    let mut payment_ids: Vec<&str> = Vec::new();
    let mut means_codes: Vec<&str> = Vec::new();
    let mut sepa = 0usize;
    let (mut objects_with_attachment, mut objects_with_description) = (false, false);
    let mut attrs_seen = [false; DISCOURAGED_ATTRS.len()];
    let (mut names, mut code_names) = (0usize, 0usize);
    for i in 0..doc.nodes.len() {
        let Ok(n) = NodeId::try_from(i) else { break };
        let Some(node) = doc.node(n) else { break };
        for (k, _) in doc.attrs(n) {
            if let Some(p) = DISCOURAGED_ATTRS.iter().position(|(a, _)| a == k) {
                if let Some(seen) = attrs_seen.get_mut(p) {
                    *seen = true;
                }
            }
            if *k == "name" {
                names += 1;
                if node.ns == Cbc && node.name == "PaymentMeansCode" {
                    code_names += 1;
                }
            }
        }
        let some = Some(n);
        match (node.ns, node.name) {
            (Cbc, name) if name.ends_with("Amount") && !name.ends_with("PriceAmount") => {
                let in_price_ac = doc.parent(n).is_some_and(|ac| {
                    doc.is(ac, Cac, "AllowanceCharge")
                        && doc.parent(ac).is_some_and(|p| doc.is(p, Cac, "Price"))
                });
                if !in_price_ac {
                    let raw = doc.raw_text(n);
                    let decimals = raw.split_once('.').map_or(0, |(_, f)| f.chars().count());
                    ctx.check(decimals <= 2, "UBL-DT-01", some);
                }
            }
            (_, name) if name.ends_with("BinaryObject") => {
                ctx.check(doc.attr(n, "mimeCode").is_some(), "UBL-DT-06", some);
                ctx.check(doc.attr(n, "filename").is_some(), "UBL-DT-07", some);
            }
            (Cbc, "PaymentID") => payment_ids.push(doc.raw_text(n)),
            (Cbc, "PaymentMeansCode") => means_codes.push(doc.raw_text(n)),
            (Cbc, "ID")
                if doc
                    .attr(n, "schemeID")
                    .is_some_and(|s| s.to_uppercase() == "SEPA")
                    && doc
                        .parent(n)
                        .is_some_and(|p| doc.is(p, Cac, "PartyIdentification")) =>
            {
                sepa += 1;
            }
            (Cac, "PostalAddress" | "Address") => {
                ctx.check(
                    doc.kids(n, Cac, "AddressLine").count() <= 1,
                    "UBL-SR-51",
                    some,
                );
            }
            (Cac, "AccountingSupplierParty") => {
                if let Some(p) = doc.kid(n, Cac, "Party") {
                    ctx.check(
                        doc.kids(p, Cac, "PartyTaxScheme").count() <= 2,
                        "UBL-SR-42",
                        Some(p),
                    );
                }
            }
            (Cac, "AdditionalDocumentReference") => {
                ctx.check(
                    doc.kids(n, Cbc, "DocumentDescription").count() <= 1,
                    "UBL-SR-33",
                    some,
                );
                let is_object = has_type_code(doc, n, "130");
                let ok = is_object
                    || (credit_note && has_type_code(doc, n, "50"))
                    || (!doc
                        .kids(n, Cbc, "ID")
                        .any(|i| doc.attr(i, "schemeID").is_some())
                        && doc.kid(n, Cbc, "DocumentTypeCode").is_none());
                ctx.check(ok, "UBL-SR-43", some);
                if is_object {
                    objects_with_attachment |= doc.kid(n, Cac, "Attachment").is_some();
                    objects_with_description |= doc.kid(n, Cbc, "DocumentDescription").is_some();
                }
            }
            (Cac, "Delivery") => {
                let c = count(doc, n, &["cac:DeliveryParty", "cac:PartyName", "Name"]);
                ctx.check(c <= 1, "UBL-SR-25", some);
            }
            (Cac, "AllowanceCharge") => {
                let c = doc.kids(n, Cbc, "AllowanceChargeReason").count();
                match indicator(doc, n) {
                    Some(false) => ctx.check(c <= 1, "UBL-SR-30", some),
                    Some(true) => ctx.check(c <= 1, "UBL-SR-31", some),
                    None => {}
                }
            }
            (Cac, "PartyTaxScheme") => {
                let ok = doc.at(n, &[(Cac, "TaxScheme"), (Cbc, "ID")]).is_some()
                    && doc.kid(n, Cbc, "CompanyID").is_some();
                ctx.check(ok, "UBL-SR-53", some);
            }
            (Cac, "InvoiceLine" | "CreditNoteLine") => check_line_counts(ctx, n),
            (Cac, "PayeeParty") => check_payee(ctx, n, r),
            (Cac, "PaymentMeans") => {
                ctx.check(
                    doc.kids(n, Cbc, "PaymentID").count() <= 1,
                    "UBL-SR-26",
                    some,
                );
                ctx.check(
                    doc.kids(n, Cbc, "PaymentMeansCode").count() <= 1,
                    "UBL-SR-27",
                    some,
                );
                ctx.check(
                    count(doc, n, &["cac:PaymentMandate", "ID"]) <= 1,
                    "UBL-SR-28",
                    some,
                );
            }
            (Cac, "BillingReference") => {
                ctx.check(
                    doc.kids(n, Cac, "InvoiceDocumentReference").count() <= 1,
                    "UBL-SR-06",
                    some,
                );
                ctx.check(
                    count(doc, n, &["cac:InvoiceDocumentReference", "ID"]) > 0,
                    "UBL-SR-07",
                    some,
                );
            }
            (Cac, "TaxRepresentativeParty") => {
                ctx.check(
                    count(doc, n, &["cac:PartyName", "Name"]) <= 1,
                    "UBL-SR-22",
                    some,
                );
                ctx.check(
                    count(doc, n, &["cac:PartyTaxScheme", "CompanyID"]) <= 1,
                    "UBL-SR-23",
                    some,
                );
            }
            (Cac, "TaxSubtotal") => {
                ctx.check(
                    count(doc, n, &["cac:TaxCategory", "TaxExemptionReason"]) <= 1,
                    "UBL-SR-32",
                    some,
                );
            }
            _ => {}
        }
    }
    let root = Some(r);
    ctx.check(sepa <= 1, "UBL-SR-29", root);
    let distinct = |v: &mut Vec<&str>| {
        v.sort_unstable();
        v.dedup();
        v.len()
    };
    ctx.check(distinct(&mut payment_ids) <= 1, "UBL-SR-44", root);
    ctx.check(distinct(&mut means_codes) <= 1, "UBL-SR-47", root);
    ctx.check(!objects_with_attachment, "UBL-CR-666", root);
    ctx.check(!objects_with_description, "UBL-CR-673", root);
    for (seen, (_, id)) in attrs_seen.iter().zip(DISCOURAGED_ATTRS) {
        if *seen {
            ctx.fail(id, root);
        }
    }
    ctx.check(names <= code_names, "UBL-DT-18", root);
}

/// UBL-SR-34..52 on one invoice line: the cardinalities, counted in one pass over the
/// line's children (and over the grandchildren that matter).
fn check_line_counts(ctx: &mut Ctx<'_, '_>, line: NodeId) {
    use Ns::{Cac, Cbc};
    let doc = ctx.doc;
    let (mut notes, mut order_line_ids, mut periods, mut price_ac_amounts) = (0, 0, 0, 0);
    let (mut tax_categories, mut descriptions, mut doc_refs) = (0, 0, 0);
    for c in doc.children(line) {
        let Some(node) = doc.node(c) else { continue };
        match (node.ns, node.name) {
            (Cbc, "Note") => notes += 1,
            (Cac, "OrderLineReference") => order_line_ids += doc.kids(c, Cbc, "LineID").count(),
            (Cac, "InvoicePeriod") => periods += 1,
            (Cac, "Price") => price_ac_amounts += count(doc, c, &["cac:AllowanceCharge", "Amount"]),
            (Cac, "Item") => {
                for g in doc.children(c) {
                    match doc.node(g).map(|g| (g.ns, g.name)) {
                        Some((Cac, "ClassifiedTaxCategory")) => tax_categories += 1,
                        Some((Cbc, "Description")) => descriptions += 1,
                        _ => {}
                    }
                }
            }
            (Cac, "DocumentReference") => doc_refs += 1,
            _ => {}
        }
    }
    let some = Some(line);
    ctx.check(notes <= 1, "UBL-SR-34", some);
    ctx.check(order_line_ids <= 1, "UBL-SR-35", some);
    ctx.check(periods <= 1, "UBL-SR-36", some);
    ctx.check(price_ac_amounts <= 1, "UBL-SR-37", some);
    ctx.check(tax_categories == 1, "UBL-SR-48", some);
    ctx.check(descriptions <= 1, "UBL-SR-50", some);
    ctx.check(doc_refs <= 1, "UBL-SR-52", some);
}

/// UBL-SR-19..21: the payee's counts, and the payee name must differ from the seller name
/// (as in the official test, a payee without a name fails the comparison).
fn check_payee(ctx: &mut Ctx<'_, '_>, payee: NodeId, root: NodeId) {
    let doc = ctx.doc;
    let names: Vec<&str> = select(doc, payee, &["cac:PartyName", "Name"])
        .into_iter()
        .map(|n| doc.raw_text(n))
        .collect();
    let seller: Vec<&str> = select(
        doc,
        root,
        &[
            "cac:AccountingSupplierParty",
            "cac:Party",
            "cac:PartyLegalEntity",
            "RegistrationName",
        ],
    )
    .into_iter()
    .map(|n| doc.raw_text(n))
    .collect();
    // XPath 2.0 general comparison: true when some pair differs.
    let differs = names.iter().any(|a| seller.iter().any(|b| a != b));
    let ids = select(doc, payee, &["cac:PartyIdentification", "ID"])
        .into_iter()
        .filter(|i| {
            doc.attr(*i, "schemeID")
                .is_none_or(|s| s.to_uppercase() != "SEPA")
        })
        .count();
    let legal = count(doc, payee, &["cac:PartyLegalEntity", "CompanyID"]);
    let some = Some(payee);
    ctx.check(names.len() <= 1 && differs, "UBL-SR-19", some);
    ctx.check(ids <= 1 && differs, "UBL-SR-20", some);
    ctx.check(legal <= 1 && differs, "UBL-SR-21", some);
}
