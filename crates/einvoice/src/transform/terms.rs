//! Business-term view of a document, for comparing two invoices term by term.
//!
//! Written straight from the EN 16931-3-2 (UBL) and EN 16931-3-3 (CII) syntax bindings and
//! independent of the converter's reader, so that a conversion can be checked against it.
//! Every value is keyed by its place in the semantic model, e.g. `BG-25[2]/BG-31/BT-153`
//! (positions 1-based, in document order). Values are compared as follows:
//! - text and identifiers exactly as written (after XML line-end normalisation);
//! - codes, amounts, quantities and percentages without surrounding whitespace;
//! - dates as `YYYY-MM-DD` (CII format 102 converted);
//! - BT-8 in UNTDID 2005 (the CII UNTDID 2475 codes 5, 29, 72 read as 3, 35, 432);
//! - a UBL note `#ABC#text` is subject code `ABC` (BT-21) and text (BT-22);
//! - identifier lists without a fixed order in one syntax (BT-29, BT-46, BT-60) sorted;
//! - BG-16 is one group: BT-83, BT-89, BT-90 and BT-91 as sets of distinct values.
//!
//! Values a syntax needs where the model has nothing are not counted: a UBL `NA` order
//! reference beside a sales order reference, a zero VAT total (BT-110) and a zero price
//! discount (BT-147).

use std::collections::{BTreeMap, BTreeSet};

use crate::detect::Syntax;
use crate::xml::{Doc, NodeId, Ns};

use Ns::{Cac, Cbc, Ram, Rsm, Udt};

/// One business term that differs between two documents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TermDifference {
    /// Place in the model, e.g. `BG-4/BT-27`.
    pub key: String,
    pub left: Option<String>,
    pub right: Option<String>,
}

/// Business terms of a parsed UBL or CII invoice: model place -> value.
pub fn business_terms(xml: &[u8]) -> Option<BTreeMap<String, String>> {
    let doc = crate::xml::parse(xml, &crate::xml::Limits::default()).ok()?;
    let det = crate::detect::detect(&doc)?;
    let mut t = T {
        d: &doc,
        out: BTreeMap::new(),
    };
    match det.syntax {
        Syntax::Ubl => ubl(&mut t),
        Syntax::Cii => cii(&mut t),
    }
    let mut out = t.out;
    // Syntax fillers without a business term (see the module documentation).
    if out.contains_key("BT-14") && out.get("BT-13").map(String::as_str) == Some("NA") {
        out.remove("BT-13");
    }
    out.retain(|k, v| {
        let zero = crate::model::parse_decimal(v).is_some_and(|x| x.is_zero());
        !(zero && (k == "BT-110" || k.ends_with("/BT-147")))
    });
    Some(out)
}

/// Terms that differ between two documents (in either syntax); `None` when one of them
/// is not a readable UBL or CII invoice.
pub fn compare_business_terms(left: &[u8], right: &[u8]) -> Option<Vec<TermDifference>> {
    let (a, b) = (business_terms(left)?, business_terms(right)?);
    let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    Some(
        keys.into_iter()
            .filter(|k| a.get(*k) != b.get(*k))
            .map(|k| TermDifference {
                key: k.clone(),
                left: a.get(k).cloned(),
                right: b.get(k).cloned(),
            })
            .collect(),
    )
}

struct T<'x, 'd> {
    d: &'x Doc<'d>,
    out: BTreeMap<String, String>,
}

impl T<'_, '_> {
    /// All nodes reached by `path` from `n`, following every match at every step.
    fn all(&self, n: Option<NodeId>, path: &[(Ns, &str)]) -> Vec<NodeId> {
        let mut cur: Vec<NodeId> = n.into_iter().collect();
        for (ns, name) in path {
            cur = cur
                .into_iter()
                .flat_map(|c| self.d.kids(c, *ns, name).collect::<Vec<_>>())
                .collect();
        }
        cur
    }
    fn one(&self, n: Option<NodeId>, path: &[(Ns, &str)]) -> Option<NodeId> {
        n.and_then(|n| self.d.at(n, path))
    }
    fn put(&mut self, key: String, v: Option<String>) {
        if let Some(v) = v {
            self.out.insert(key, v);
        }
    }
    /// Text or identifier, exactly as written.
    fn text(&mut self, key: &str, n: Option<NodeId>, path: &[(Ns, &str)]) {
        let v = self.one(n, path).map(|x| self.d.raw_text(x).to_string());
        self.put(key.to_string(), v);
    }
    /// Identifier, exactly, with its scheme attribute as `key-1`.
    fn id(&mut self, key: &str, n: Option<NodeId>, path: &[(Ns, &str)], scheme: &str) {
        if let Some(x) = self.one(n, path) {
            self.put(key.to_string(), Some(self.d.raw_text(x).to_string()));
            let s = self.d.attr(x, scheme).map(str::to_string);
            self.put(format!("{key}-1"), s);
        }
    }
    /// Code, amount, quantity or percentage.
    fn code(&mut self, key: &str, n: Option<NodeId>, path: &[(Ns, &str)]) {
        let v = self.one(n, path).map(|x| self.d.text(x).to_string());
        self.put(key.to_string(), v);
    }
    fn attr(&mut self, key: &str, n: Option<NodeId>, path: &[(Ns, &str)], attr: &str) {
        let v = self
            .one(n, path)
            .and_then(|x| self.d.attr(x, attr))
            .map(str::to_string);
        self.put(key.to_string(), v);
    }
    /// CII date: the `DateTimeString`/`DateString` child in format 102.
    fn date102(&mut self, key: &str, n: Option<NodeId>, path: &[(Ns, &str)]) {
        let v = self
            .one(n, path)
            .and_then(|x| self.d.children(x).next())
            .map(|c| iso(self.d.text(c)));
        self.put(key.to_string(), v);
    }
    fn set(&mut self, key: &str, values: Vec<String>) {
        let distinct: BTreeSet<String> = values.into_iter().collect();
        if !distinct.is_empty() {
            let joined: Vec<String> = distinct.into_iter().collect();
            self.out.insert(key.to_string(), joined.join("\u{1f}"));
        }
    }
    fn list(&mut self, key: &str, mut values: Vec<String>) {
        values.sort();
        for (i, v) in values.into_iter().enumerate() {
            self.out.insert(format!("{key}[{}]", i + 1), v);
        }
    }
    fn texts(&self, nodes: &[NodeId]) -> Vec<String> {
        nodes
            .iter()
            .map(|n| self.d.raw_text(*n).to_string())
            .collect()
    }
}

fn iso(s: &str) -> String {
    if s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit()) {
        format!("{}-{}-{}", &s[..4], &s[4..6], &s[6..])
    } else {
        s.to_string()
    }
}

/// A UBL note `#ABC#text`: subject code `ABC` and the text after it.
fn subject_and_text(note: &str) -> (Option<String>, String) {
    let code = note
        .get(1..4)
        .filter(|c| c.bytes().all(|b| b.is_ascii_uppercase()));
    match (note.starts_with('#'), code, note.get(4..5)) {
        (true, Some(c), Some("#")) => (Some(c.to_string()), note[5..].to_string()),
        _ => (None, note.to_string()),
    }
}

fn is_true(t: &T<'_, '_>, n: NodeId, path: &[(Ns, &str)]) -> bool {
    t.one(Some(n), path).map(|x| t.d.text(x)) == Some("true")
}

// ---------------------------------------------------------------- UBL

fn ubl_address(t: &mut T<'_, '_>, g: &str, a: Option<NodeId>, bts: [&str; 7]) {
    if a.is_none() {
        return;
    }
    t.text(&format!("{g}/{}", bts[0]), a, &[(Cbc, "StreetName")]);
    t.text(
        &format!("{g}/{}", bts[1]),
        a,
        &[(Cbc, "AdditionalStreetName")],
    );
    t.text(
        &format!("{g}/{}", bts[2]),
        a,
        &[(Cac, "AddressLine"), (Cbc, "Line")],
    );
    t.text(&format!("{g}/{}", bts[3]), a, &[(Cbc, "CityName")]);
    t.text(&format!("{g}/{}", bts[4]), a, &[(Cbc, "PostalZone")]);
    t.text(&format!("{g}/{}", bts[5]), a, &[(Cbc, "CountrySubentity")]);
    t.code(
        &format!("{g}/{}", bts[6]),
        a,
        &[(Cac, "Country"), (Cbc, "IdentificationCode")],
    );
}

fn ubl_contact(t: &mut T<'_, '_>, g: &str, p: Option<NodeId>, bts: [&str; 3]) {
    let c = t.one(p, &[(Cac, "Contact")]);
    t.text(&format!("{g}/{}", bts[0]), c, &[(Cbc, "Name")]);
    t.text(&format!("{g}/{}", bts[1]), c, &[(Cbc, "Telephone")]);
    t.text(&format!("{g}/{}", bts[2]), c, &[(Cbc, "ElectronicMail")]);
}

/// `PartyTaxScheme/CompanyID` whose tax scheme is (`vat`) or is not VAT.
fn ubl_tax_id(t: &T<'_, '_>, p: Option<NodeId>, vat: bool) -> Option<String> {
    t.all(p, &[(Cac, "PartyTaxScheme")])
        .into_iter()
        .find(|s| {
            let scheme = t.one(Some(*s), &[(Cac, "TaxScheme"), (Cbc, "ID")]);
            (scheme.map(|x| t.d.text(x)) == Some("VAT")) == vat
        })
        .and_then(|s| t.one(Some(s), &[(Cbc, "CompanyID")]))
        .map(|x| t.d.raw_text(x).to_string())
}

/// `PartyIdentification/ID` values (with scheme), SEPA ones (BT-90) apart.
fn ubl_party_ids(t: &T<'_, '_>, p: Option<NodeId>) -> (Vec<String>, Vec<String>) {
    let (mut ids, mut sepa) = (Vec::new(), Vec::new());
    for i in t.all(p, &[(Cac, "PartyIdentification"), (Cbc, "ID")]) {
        let scheme = t.d.attr(i, "schemeID");
        if scheme == Some("SEPA") {
            sepa.push(t.d.raw_text(i).to_string());
        } else {
            ids.push(format!("{} ({})", t.d.raw_text(i), scheme.unwrap_or("")));
        }
    }
    (ids, sepa)
}

fn ubl_ac(t: &mut T<'_, '_>, prefix: &str, n: NodeId, doc_level: bool) {
    let n = Some(n);
    let (bt_a, bt_c) = if doc_level {
        (
            ["92", "93", "94", "95", "96", "97", "98"],
            ["99", "100", "101", "102", "103", "104", "105"],
        )
    } else {
        (
            ["136", "137", "138", "", "", "139", "140"],
            ["141", "142", "143", "", "", "144", "145"],
        )
    };
    let charge = n.is_some_and(|x| is_true(t, x, &[(Cbc, "ChargeIndicator")]));
    let b = if charge { bt_c } else { bt_a };
    t.code(&format!("{prefix}/BT-{}", b[0]), n, &[(Cbc, "Amount")]);
    t.code(&format!("{prefix}/BT-{}", b[1]), n, &[(Cbc, "BaseAmount")]);
    t.code(
        &format!("{prefix}/BT-{}", b[2]),
        n,
        &[(Cbc, "MultiplierFactorNumeric")],
    );
    if doc_level {
        t.code(
            &format!("{prefix}/BT-{}", b[3]),
            n,
            &[(Cac, "TaxCategory"), (Cbc, "ID")],
        );
        t.code(
            &format!("{prefix}/BT-{}", b[4]),
            n,
            &[(Cac, "TaxCategory"), (Cbc, "Percent")],
        );
    }
    t.text(
        &format!("{prefix}/BT-{}", b[5]),
        n,
        &[(Cbc, "AllowanceChargeReason")],
    );
    t.code(
        &format!("{prefix}/BT-{}", b[6]),
        n,
        &[(Cbc, "AllowanceChargeReasonCode")],
    );
}

/// Allowances and charges of `parent`, numbered separately (BG-20/21, BG-27/28).
fn ubl_acs(t: &mut T<'_, '_>, prefix: &str, parent: Option<NodeId>, doc_level: bool) {
    let (ga, gc) = if doc_level {
        ("BG-20", "BG-21")
    } else {
        ("BG-27", "BG-28")
    };
    let (mut na, mut nc) = (0, 0);
    for a in t.all(parent, &[(Cac, "AllowanceCharge")]) {
        let g = if is_true(t, a, &[(Cbc, "ChargeIndicator")]) {
            nc += 1;
            format!("{prefix}{gc}[{nc}]")
        } else {
            na += 1;
            format!("{prefix}{ga}[{na}]")
        };
        ubl_ac(t, &g, a, doc_level);
    }
}

fn ubl(t: &mut T<'_, '_>) {
    let d = t.d;
    let root = Some(d.root());
    let credit = d.name(d.root()) == "CreditNote";
    t.text("BT-1", root, &[(Cbc, "ID")]);
    t.code("BT-2", root, &[(Cbc, "IssueDate")]);
    let type_code = if credit {
        "CreditNoteTypeCode"
    } else {
        "InvoiceTypeCode"
    };
    t.code("BT-3", root, &[(Cbc, type_code)]);
    t.code("BT-5", root, &[(Cbc, "DocumentCurrencyCode")]);
    t.code("BT-6", root, &[(Cbc, "TaxCurrencyCode")]);
    t.code("BT-7", root, &[(Cbc, "TaxPointDate")]);
    t.code(
        "BT-8",
        root,
        &[(Cac, "InvoicePeriod"), (Cbc, "DescriptionCode")],
    );
    t.code("BT-9", root, &[(Cbc, "DueDate")]);
    if credit {
        let due = t
            .all(root, &[(Cac, "PaymentMeans"), (Cbc, "PaymentDueDate")])
            .first()
            .map(|x| d.text(*x).to_string());
        t.put("BT-9".into(), due);
    }
    t.text("BT-10", root, &[(Cbc, "BuyerReference")]);
    t.text("BT-11", root, &[(Cac, "ProjectReference"), (Cbc, "ID")]);
    t.text(
        "BT-12",
        root,
        &[(Cac, "ContractDocumentReference"), (Cbc, "ID")],
    );
    t.text("BT-13", root, &[(Cac, "OrderReference"), (Cbc, "ID")]);
    t.text(
        "BT-14",
        root,
        &[(Cac, "OrderReference"), (Cbc, "SalesOrderID")],
    );
    t.text(
        "BT-15",
        root,
        &[(Cac, "ReceiptDocumentReference"), (Cbc, "ID")],
    );
    t.text(
        "BT-16",
        root,
        &[(Cac, "DespatchDocumentReference"), (Cbc, "ID")],
    );
    t.text(
        "BT-17",
        root,
        &[(Cac, "OriginatorDocumentReference"), (Cbc, "ID")],
    );
    t.text("BT-19", root, &[(Cbc, "AccountingCost")]);
    let terms = t.all(root, &[(Cac, "PaymentTerms"), (Cbc, "Note")]);
    for (i, v) in t.texts(&terms).into_iter().enumerate() {
        t.out.insert(format!("BT-20[{}]", i + 1), v);
    }
    let notes = t.all(root, &[(Cbc, "Note")]);
    for (i, n) in t.texts(&notes).into_iter().enumerate() {
        let (code, text) = subject_and_text(&n);
        t.put(format!("BG-1[{}]/BT-21", i + 1), code);
        t.put(format!("BG-1[{}]/BT-22", i + 1), Some(text));
    }
    t.text("BG-2/BT-23", root, &[(Cbc, "ProfileID")]);
    t.text("BG-2/BT-24", root, &[(Cbc, "CustomizationID")]);
    let refs = t.all(
        root,
        &[(Cac, "BillingReference"), (Cac, "InvoiceDocumentReference")],
    );
    for (i, r) in refs.into_iter().enumerate() {
        t.text(&format!("BG-3[{}]/BT-25", i + 1), Some(r), &[(Cbc, "ID")]);
        t.code(
            &format!("BG-3[{}]/BT-26", i + 1),
            Some(r),
            &[(Cbc, "IssueDate")],
        );
    }
    let mut attachments = 0;
    for a in t.all(root, &[(Cac, "AdditionalDocumentReference")]) {
        let a = Some(a);
        let code = t
            .one(a, &[(Cbc, "DocumentTypeCode")])
            .map(|x| d.text(x).to_string());
        match code.as_deref() {
            Some("130") => t.id("BT-18", a, &[(Cbc, "ID")], "schemeID"),
            Some("50") if credit => t.text("BT-11", a, &[(Cbc, "ID")]),
            _ => {
                attachments += 1;
                let g = format!("BG-24[{attachments}]");
                t.text(&format!("{g}/BT-122"), a, &[(Cbc, "ID")]);
                t.text(&format!("{g}/BT-123"), a, &[(Cbc, "DocumentDescription")]);
                t.text(
                    &format!("{g}/BT-124"),
                    a,
                    &[
                        (Cac, "Attachment"),
                        (Cac, "ExternalReference"),
                        (Cbc, "URI"),
                    ],
                );
                let bin = [(Cac, "Attachment"), (Cbc, "EmbeddedDocumentBinaryObject")];
                t.text(&format!("{g}/BT-125"), a, &bin);
                t.attr(&format!("{g}/BT-125-1"), a, &bin, "mimeCode");
                t.attr(&format!("{g}/BT-125-2"), a, &bin, "filename");
            }
        }
    }
    // BG-4 seller.
    let s = t.one(root, &[(Cac, "AccountingSupplierParty"), (Cac, "Party")]);
    let mut sepa = Vec::new();
    t.text(
        "BG-4/BT-27",
        s,
        &[(Cac, "PartyLegalEntity"), (Cbc, "RegistrationName")],
    );
    t.text("BG-4/BT-28", s, &[(Cac, "PartyName"), (Cbc, "Name")]);
    let (ids, sp) = ubl_party_ids(t, s);
    t.list("BG-4/BT-29", ids);
    sepa.extend(sp);
    t.id(
        "BG-4/BT-30",
        s,
        &[(Cac, "PartyLegalEntity"), (Cbc, "CompanyID")],
        "schemeID",
    );
    let v = ubl_tax_id(t, s, true);
    t.put("BG-4/BT-31".into(), v);
    let v = ubl_tax_id(t, s, false);
    t.put("BG-4/BT-32".into(), v);
    t.text(
        "BG-4/BT-33",
        s,
        &[(Cac, "PartyLegalEntity"), (Cbc, "CompanyLegalForm")],
    );
    t.id("BG-4/BT-34", s, &[(Cbc, "EndpointID")], "schemeID");
    let a = t.one(s, &[(Cac, "PostalAddress")]);
    ubl_address(
        t,
        "BG-4/BG-5",
        a,
        [
            "BT-35", "BT-36", "BT-162", "BT-37", "BT-38", "BT-39", "BT-40",
        ],
    );
    ubl_contact(t, "BG-4/BG-6", s, ["BT-41", "BT-42", "BT-43"]);
    // BG-7 buyer.
    let b = t.one(root, &[(Cac, "AccountingCustomerParty"), (Cac, "Party")]);
    t.text(
        "BG-7/BT-44",
        b,
        &[(Cac, "PartyLegalEntity"), (Cbc, "RegistrationName")],
    );
    t.text("BG-7/BT-45", b, &[(Cac, "PartyName"), (Cbc, "Name")]);
    let (mut ids, sp) = ubl_party_ids(t, b);
    ids.extend(sp.into_iter().map(|v| format!("{v} (SEPA)")));
    t.list("BG-7/BT-46", ids);
    t.id(
        "BG-7/BT-47",
        b,
        &[(Cac, "PartyLegalEntity"), (Cbc, "CompanyID")],
        "schemeID",
    );
    let v = ubl_tax_id(t, b, true);
    t.put("BG-7/BT-48".into(), v);
    t.id("BG-7/BT-49", b, &[(Cbc, "EndpointID")], "schemeID");
    let a = t.one(b, &[(Cac, "PostalAddress")]);
    ubl_address(
        t,
        "BG-7/BG-8",
        a,
        [
            "BT-50", "BT-51", "BT-163", "BT-52", "BT-53", "BT-54", "BT-55",
        ],
    );
    ubl_contact(t, "BG-7/BG-9", b, ["BT-56", "BT-57", "BT-58"]);
    // BG-10 payee.
    let p = t.one(root, &[(Cac, "PayeeParty")]);
    t.text("BG-10/BT-59", p, &[(Cac, "PartyName"), (Cbc, "Name")]);
    let (ids, sp) = ubl_party_ids(t, p);
    t.list("BG-10/BT-60", ids);
    sepa.extend(sp);
    t.id(
        "BG-10/BT-61",
        p,
        &[(Cac, "PartyLegalEntity"), (Cbc, "CompanyID")],
        "schemeID",
    );
    // BG-11 tax representative.
    let r = t.one(root, &[(Cac, "TaxRepresentativeParty")]);
    t.text("BG-11/BT-62", r, &[(Cac, "PartyName"), (Cbc, "Name")]);
    let v = ubl_tax_id(t, r, true);
    t.put("BG-11/BT-63".into(), v);
    let a = t.one(r, &[(Cac, "PostalAddress")]);
    ubl_address(
        t,
        "BG-11/BG-12",
        a,
        [
            "BT-64", "BT-65", "BT-164", "BT-66", "BT-67", "BT-68", "BT-69",
        ],
    );
    // BG-13 delivery.
    let del = t.one(root, &[(Cac, "Delivery")]);
    t.text(
        "BG-13/BT-70",
        del,
        &[(Cac, "DeliveryParty"), (Cac, "PartyName"), (Cbc, "Name")],
    );
    t.id(
        "BG-13/BT-71",
        del,
        &[(Cac, "DeliveryLocation"), (Cbc, "ID")],
        "schemeID",
    );
    t.code("BG-13/BT-72", del, &[(Cbc, "ActualDeliveryDate")]);
    let a = t.one(del, &[(Cac, "DeliveryLocation"), (Cac, "Address")]);
    ubl_address(
        t,
        "BG-13/BG-15",
        a,
        [
            "BT-75", "BT-76", "BT-165", "BT-77", "BT-78", "BT-79", "BT-80",
        ],
    );
    let per = t.one(root, &[(Cac, "InvoicePeriod")]);
    t.code("BG-14/BT-73", per, &[(Cbc, "StartDate")]);
    t.code("BG-14/BT-74", per, &[(Cbc, "EndDate")]);
    // BG-16 payment instructions.
    let (mut remit, mut mandates, mut debited) = (Vec::new(), Vec::new(), Vec::new());
    for (i, pm) in t
        .all(root, &[(Cac, "PaymentMeans")])
        .into_iter()
        .enumerate()
    {
        let g = format!("BG-16[{}]", i + 1);
        let pm = Some(pm);
        t.code(&format!("{g}/BT-81"), pm, &[(Cbc, "PaymentMeansCode")]);
        t.attr(
            &format!("{g}/BT-82"),
            pm,
            &[(Cbc, "PaymentMeansCode")],
            "name",
        );
        remit.extend(t.texts(&t.all(pm, &[(Cbc, "PaymentID")])));
        for (k, acc) in t
            .all(pm, &[(Cac, "PayeeFinancialAccount")])
            .into_iter()
            .enumerate()
        {
            let a = Some(acc);
            let g = format!("{g}/BG-17[{}]", k + 1);
            t.text(&format!("{g}/BT-84"), a, &[(Cbc, "ID")]);
            t.text(&format!("{g}/BT-85"), a, &[(Cbc, "Name")]);
            t.text(
                &format!("{g}/BT-86"),
                a,
                &[(Cac, "FinancialInstitutionBranch"), (Cbc, "ID")],
            );
        }
        let card = t.one(pm, &[(Cac, "CardAccount")]);
        t.text(
            &format!("{g}/BG-18/BT-87"),
            card,
            &[(Cbc, "PrimaryAccountNumberID")],
        );
        t.text(&format!("{g}/BG-18/BT-88"), card, &[(Cbc, "HolderName")]);
        mandates.extend(t.texts(&t.all(pm, &[(Cac, "PaymentMandate"), (Cbc, "ID")])));
        debited.extend(t.texts(&t.all(
            pm,
            &[
                (Cac, "PaymentMandate"),
                (Cac, "PayerFinancialAccount"),
                (Cbc, "ID"),
            ],
        )));
    }
    t.set("BG-16/BT-83", remit);
    t.set("BG-19/BT-89", mandates);
    t.set("BG-19/BT-90", sepa);
    t.set("BG-19/BT-91", debited);
    ubl_acs(t, "", root, true);
    // BG-22 totals.
    let m = t.one(root, &[(Cac, "LegalMonetaryTotal")]);
    for (bt, name) in [
        ("BT-106", "LineExtensionAmount"),
        ("BT-107", "AllowanceTotalAmount"),
        ("BT-108", "ChargeTotalAmount"),
        ("BT-109", "TaxExclusiveAmount"),
        ("BT-112", "TaxInclusiveAmount"),
        ("BT-113", "PrepaidAmount"),
        ("BT-114", "PayableRoundingAmount"),
        ("BT-115", "PayableAmount"),
    ] {
        t.code(bt, m, &[(Cbc, name)]);
    }
    let cur = t
        .one(root, &[(Cbc, "DocumentCurrencyCode")])
        .map(|x| d.text(x));
    let tcur = t.one(root, &[(Cbc, "TaxCurrencyCode")]).map(|x| d.text(x));
    for amount in t.all(root, &[(Cac, "TaxTotal"), (Cbc, "TaxAmount")]) {
        let unit = d.attr(amount, "currencyID");
        let key = if unit == cur {
            "BT-110"
        } else if unit == tcur {
            "BT-111"
        } else {
            continue;
        };
        if !t.out.contains_key(key) {
            t.out.insert(key.into(), d.text(amount).to_string());
        }
    }
    let subs = t.all(root, &[(Cac, "TaxTotal"), (Cac, "TaxSubtotal")]);
    for (i, st) in subs.into_iter().enumerate() {
        let g = format!("BG-23[{}]", i + 1);
        let st = Some(st);
        let cat = t.one(st, &[(Cac, "TaxCategory")]);
        t.code(&format!("{g}/BT-116"), st, &[(Cbc, "TaxableAmount")]);
        t.code(&format!("{g}/BT-117"), st, &[(Cbc, "TaxAmount")]);
        t.code(&format!("{g}/BT-118"), cat, &[(Cbc, "ID")]);
        t.code(&format!("{g}/BT-119"), cat, &[(Cbc, "Percent")]);
        t.text(&format!("{g}/BT-120"), cat, &[(Cbc, "TaxExemptionReason")]);
        t.code(
            &format!("{g}/BT-121"),
            cat,
            &[(Cbc, "TaxExemptionReasonCode")],
        );
    }
    // BG-25 lines.
    let (line, qty) = if credit {
        ("CreditNoteLine", "CreditedQuantity")
    } else {
        ("InvoiceLine", "InvoicedQuantity")
    };
    for (i, l) in t.all(root, &[(Cac, line)]).into_iter().enumerate() {
        let g = format!("BG-25[{}]", i + 1);
        let l = Some(l);
        t.text(&format!("{g}/BT-126"), l, &[(Cbc, "ID")]);
        let notes = t.all(l, &[(Cbc, "Note")]);
        for (k, v) in t.texts(&notes).into_iter().enumerate() {
            t.out.insert(format!("{g}/BT-127[{}]", k + 1), v);
        }
        for r in t.all(l, &[(Cac, "DocumentReference")]) {
            let code = t.one(Some(r), &[(Cbc, "DocumentTypeCode")]);
            if code.map(|x| d.text(x)) == Some("130") {
                t.id(&format!("{g}/BT-128"), Some(r), &[(Cbc, "ID")], "schemeID");
            }
        }
        t.code(&format!("{g}/BT-129"), l, &[(Cbc, qty)]);
        t.attr(&format!("{g}/BT-130"), l, &[(Cbc, qty)], "unitCode");
        t.code(&format!("{g}/BT-131"), l, &[(Cbc, "LineExtensionAmount")]);
        t.text(
            &format!("{g}/BT-132"),
            l,
            &[(Cac, "OrderLineReference"), (Cbc, "LineID")],
        );
        t.text(&format!("{g}/BT-133"), l, &[(Cbc, "AccountingCost")]);
        let per = t.one(l, &[(Cac, "InvoicePeriod")]);
        t.code(&format!("{g}/BG-26/BT-134"), per, &[(Cbc, "StartDate")]);
        t.code(&format!("{g}/BG-26/BT-135"), per, &[(Cbc, "EndDate")]);
        ubl_acs(t, &format!("{g}/"), l, false);
        let price = t.one(l, &[(Cac, "Price")]);
        t.code(&format!("{g}/BG-29/BT-146"), price, &[(Cbc, "PriceAmount")]);
        let discount = t
            .all(price, &[(Cac, "AllowanceCharge")])
            .into_iter()
            .find(|a| !is_true(t, *a, &[(Cbc, "ChargeIndicator")]));
        t.code(&format!("{g}/BG-29/BT-147"), discount, &[(Cbc, "Amount")]);
        t.code(
            &format!("{g}/BG-29/BT-148"),
            discount,
            &[(Cbc, "BaseAmount")],
        );
        t.code(
            &format!("{g}/BG-29/BT-149"),
            price,
            &[(Cbc, "BaseQuantity")],
        );
        t.attr(
            &format!("{g}/BG-29/BT-150"),
            price,
            &[(Cbc, "BaseQuantity")],
            "unitCode",
        );
        let item = t.one(l, &[(Cac, "Item")]);
        let cat = t.one(item, &[(Cac, "ClassifiedTaxCategory")]);
        t.code(&format!("{g}/BG-30/BT-151"), cat, &[(Cbc, "ID")]);
        t.code(&format!("{g}/BG-30/BT-152"), cat, &[(Cbc, "Percent")]);
        t.text(&format!("{g}/BG-31/BT-153"), item, &[(Cbc, "Name")]);
        t.text(&format!("{g}/BG-31/BT-154"), item, &[(Cbc, "Description")]);
        t.text(
            &format!("{g}/BG-31/BT-155"),
            item,
            &[(Cac, "SellersItemIdentification"), (Cbc, "ID")],
        );
        t.text(
            &format!("{g}/BG-31/BT-156"),
            item,
            &[(Cac, "BuyersItemIdentification"), (Cbc, "ID")],
        );
        t.id(
            &format!("{g}/BG-31/BT-157"),
            item,
            &[(Cac, "StandardItemIdentification"), (Cbc, "ID")],
            "schemeID",
        );
        let classes = t.all(
            item,
            &[
                (Cac, "CommodityClassification"),
                (Cbc, "ItemClassificationCode"),
            ],
        );
        for (k, c) in classes.into_iter().enumerate() {
            let key = format!("{g}/BG-31/BT-158[{}]", k + 1);
            t.code(&key, Some(c), &[]);
            t.attr(&format!("{key}-1"), Some(c), &[], "listID");
            t.attr(&format!("{key}-2"), Some(c), &[], "listVersionID");
        }
        t.code(
            &format!("{g}/BG-31/BT-159"),
            item,
            &[(Cac, "OriginCountry"), (Cbc, "IdentificationCode")],
        );
        let props = t.all(item, &[(Cac, "AdditionalItemProperty")]);
        for (k, p) in props.into_iter().enumerate() {
            let pg = format!("{g}/BG-32[{}]", k + 1);
            t.text(&format!("{pg}/BT-160"), Some(p), &[(Cbc, "Name")]);
            t.text(&format!("{pg}/BT-161"), Some(p), &[(Cbc, "Value")]);
        }
    }
}

// ---------------------------------------------------------------- CII

fn cii_address(t: &mut T<'_, '_>, g: &str, a: Option<NodeId>, bts: [&str; 7]) {
    if a.is_none() {
        return;
    }
    for (bt, name) in bts.iter().zip([
        "LineOne",
        "LineTwo",
        "LineThree",
        "CityName",
        "PostcodeCode",
        "CountrySubDivisionName",
    ]) {
        t.text(&format!("{g}/{bt}"), a, &[(Ram, name)]);
    }
    t.code(&format!("{g}/{}", bts[6]), a, &[(Ram, "CountryID")]);
}

fn cii_contact(t: &mut T<'_, '_>, g: &str, p: Option<NodeId>, bts: [&str; 3]) {
    let c = t.one(p, &[(Ram, "DefinedTradeContact")]);
    t.text(&format!("{g}/{}", bts[0]), c, &[(Ram, "DepartmentName")]);
    t.text(&format!("{g}/{}", bts[0]), c, &[(Ram, "PersonName")]);
    t.text(
        &format!("{g}/{}", bts[1]),
        c,
        &[
            (Ram, "TelephoneUniversalCommunication"),
            (Ram, "CompleteNumber"),
        ],
    );
    t.text(
        &format!("{g}/{}", bts[2]),
        c,
        &[(Ram, "EmailURIUniversalCommunication"), (Ram, "URIID")],
    );
}

/// `ram:ID` and `ram:GlobalID` of a trade party, with scheme.
fn cii_party_ids(t: &T<'_, '_>, p: Option<NodeId>) -> Vec<String> {
    let mut ids: Vec<NodeId> = t.all(p, &[(Ram, "ID")]);
    ids.extend(t.all(p, &[(Ram, "GlobalID")]));
    ids.into_iter()
        .map(|i| {
            format!(
                "{} ({})",
                t.d.raw_text(i),
                t.d.attr(i, "schemeID").unwrap_or("")
            )
        })
        .collect()
}

fn cii_tax_id(t: &T<'_, '_>, p: Option<NodeId>, scheme: &str) -> Option<String> {
    t.all(p, &[(Ram, "SpecifiedTaxRegistration"), (Ram, "ID")])
        .into_iter()
        .find(|i| t.d.attr(*i, "schemeID") == Some(scheme))
        .map(|i| t.d.raw_text(i).to_string())
}

fn cii_acs(t: &mut T<'_, '_>, prefix: &str, parent: Option<NodeId>, doc_level: bool) {
    let (ga, gc) = if doc_level {
        ("BG-20", "BG-21")
    } else {
        ("BG-27", "BG-28")
    };
    let (bt_a, bt_c) = if doc_level {
        (
            ["92", "93", "94", "95", "96", "97", "98"],
            ["99", "100", "101", "102", "103", "104", "105"],
        )
    } else {
        (
            ["136", "137", "138", "", "", "139", "140"],
            ["141", "142", "143", "", "", "144", "145"],
        )
    };
    let (mut na, mut nc) = (0, 0);
    for a in t.all(parent, &[(Ram, "SpecifiedTradeAllowanceCharge")]) {
        let charge = is_true(t, a, &[(Ram, "ChargeIndicator"), (Udt, "Indicator")]);
        let (g, b) = if charge {
            nc += 1;
            (format!("{prefix}{gc}[{nc}]"), bt_c)
        } else {
            na += 1;
            (format!("{prefix}{ga}[{na}]"), bt_a)
        };
        let a = Some(a);
        t.code(&format!("{g}/BT-{}", b[0]), a, &[(Ram, "ActualAmount")]);
        t.code(&format!("{g}/BT-{}", b[1]), a, &[(Ram, "BasisAmount")]);
        t.code(
            &format!("{g}/BT-{}", b[2]),
            a,
            &[(Ram, "CalculationPercent")],
        );
        if doc_level {
            t.code(
                &format!("{g}/BT-{}", b[3]),
                a,
                &[(Ram, "CategoryTradeTax"), (Ram, "CategoryCode")],
            );
            t.code(
                &format!("{g}/BT-{}", b[4]),
                a,
                &[(Ram, "CategoryTradeTax"), (Ram, "RateApplicablePercent")],
            );
        }
        t.text(&format!("{g}/BT-{}", b[5]), a, &[(Ram, "Reason")]);
        t.code(&format!("{g}/BT-{}", b[6]), a, &[(Ram, "ReasonCode")]);
    }
}

fn cii(t: &mut T<'_, '_>) {
    let d = t.d;
    let root = Some(d.root());
    let ctx = t.one(root, &[(Rsm, "ExchangedDocumentContext")]);
    let ed = t.one(root, &[(Rsm, "ExchangedDocument")]);
    let tx = t.one(root, &[(Rsm, "SupplyChainTradeTransaction")]);
    let agr = t.one(tx, &[(Ram, "ApplicableHeaderTradeAgreement")]);
    let del = t.one(tx, &[(Ram, "ApplicableHeaderTradeDelivery")]);
    let set = t.one(tx, &[(Ram, "ApplicableHeaderTradeSettlement")]);
    t.text("BT-1", ed, &[(Ram, "ID")]);
    t.date102("BT-2", ed, &[(Ram, "IssueDateTime")]);
    t.code("BT-3", ed, &[(Ram, "TypeCode")]);
    t.code("BT-5", set, &[(Ram, "InvoiceCurrencyCode")]);
    t.code("BT-6", set, &[(Ram, "TaxCurrencyCode")]);
    let taxes = t.all(set, &[(Ram, "ApplicableTradeTax")]);
    if let Some(first) = taxes
        .iter()
        .copied()
        .find(|x| d.kid(*x, Ram, "TaxPointDate").is_some())
    {
        t.date102("BT-7", Some(first), &[(Ram, "TaxPointDate")]);
    }
    if let Some(code) = taxes.iter().find_map(|x| d.kid(*x, Ram, "DueDateTypeCode")) {
        let v = match d.text(code) {
            "5" => "3",
            "29" => "35",
            "72" => "432",
            other => other,
        };
        t.out.insert("BT-8".into(), v.to_string());
    }
    let terms = t.all(set, &[(Ram, "SpecifiedTradePaymentTerms")]);
    if let Some(due) = terms
        .iter()
        .find(|x| d.kid(**x, Ram, "DueDateDateTime").is_some())
    {
        t.date102("BT-9", Some(*due), &[(Ram, "DueDateDateTime")]);
    }
    t.text("BT-10", agr, &[(Ram, "BuyerReference")]);
    t.text(
        "BT-11",
        agr,
        &[(Ram, "SpecifiedProcuringProject"), (Ram, "ID")],
    );
    let issuer = (Ram, "IssuerAssignedID");
    t.text("BT-12", agr, &[(Ram, "ContractReferencedDocument"), issuer]);
    t.text(
        "BT-13",
        agr,
        &[(Ram, "BuyerOrderReferencedDocument"), issuer],
    );
    t.text(
        "BT-14",
        agr,
        &[(Ram, "SellerOrderReferencedDocument"), issuer],
    );
    t.text(
        "BT-15",
        del,
        &[(Ram, "ReceivingAdviceReferencedDocument"), issuer],
    );
    t.text(
        "BT-16",
        del,
        &[(Ram, "DespatchAdviceReferencedDocument"), issuer],
    );
    t.text(
        "BT-19",
        set,
        &[
            (Ram, "ReceivableSpecifiedTradeAccountingAccount"),
            (Ram, "ID"),
        ],
    );
    let descr = t.all(
        set,
        &[(Ram, "SpecifiedTradePaymentTerms"), (Ram, "Description")],
    );
    for (i, v) in t.texts(&descr).into_iter().enumerate() {
        t.out.insert(format!("BT-20[{}]", i + 1), v);
    }
    for (i, n) in t.all(ed, &[(Ram, "IncludedNote")]).into_iter().enumerate() {
        t.code(
            &format!("BG-1[{}]/BT-21", i + 1),
            Some(n),
            &[(Ram, "SubjectCode")],
        );
        t.text(
            &format!("BG-1[{}]/BT-22", i + 1),
            Some(n),
            &[(Ram, "Content")],
        );
    }
    t.text(
        "BG-2/BT-23",
        ctx,
        &[
            (Ram, "BusinessProcessSpecifiedDocumentContextParameter"),
            (Ram, "ID"),
        ],
    );
    t.text(
        "BG-2/BT-24",
        ctx,
        &[
            (Ram, "GuidelineSpecifiedDocumentContextParameter"),
            (Ram, "ID"),
        ],
    );
    for (i, r) in t
        .all(set, &[(Ram, "InvoiceReferencedDocument")])
        .into_iter()
        .enumerate()
    {
        t.text(&format!("BG-3[{}]/BT-25", i + 1), Some(r), &[issuer]);
        t.date102(
            &format!("BG-3[{}]/BT-26", i + 1),
            Some(r),
            &[(Ram, "FormattedIssueDateTime")],
        );
    }
    let mut attachments = 0;
    for a in t.all(agr, &[(Ram, "AdditionalReferencedDocument")]) {
        let a = Some(a);
        let code = t
            .one(a, &[(Ram, "TypeCode")])
            .map(|x| d.text(x).to_string());
        match code.as_deref() {
            Some("50") => t.text("BT-17", a, &[issuer]),
            Some("130") => {
                t.text("BT-18", a, &[issuer]);
                t.code("BT-18-1", a, &[(Ram, "ReferenceTypeCode")]);
            }
            Some("916") => {
                attachments += 1;
                let g = format!("BG-24[{attachments}]");
                t.text(&format!("{g}/BT-122"), a, &[issuer]);
                t.text(&format!("{g}/BT-123"), a, &[(Ram, "Name")]);
                t.text(&format!("{g}/BT-124"), a, &[(Ram, "URIID")]);
                let bin = [(Ram, "AttachmentBinaryObject")];
                t.text(&format!("{g}/BT-125"), a, &bin);
                t.attr(&format!("{g}/BT-125-1"), a, &bin, "mimeCode");
                t.attr(&format!("{g}/BT-125-2"), a, &bin, "filename");
            }
            _ => {}
        }
    }
    // BG-4 seller.
    let s = t.one(agr, &[(Ram, "SellerTradeParty")]);
    let slo = [(Ram, "SpecifiedLegalOrganization")];
    t.text("BG-4/BT-27", s, &[(Ram, "Name")]);
    t.text("BG-4/BT-28", s, &[slo[0], (Ram, "TradingBusinessName")]);
    let ids = cii_party_ids(t, s);
    t.list("BG-4/BT-29", ids);
    t.id("BG-4/BT-30", s, &[slo[0], (Ram, "ID")], "schemeID");
    let v = cii_tax_id(t, s, "VA");
    t.put("BG-4/BT-31".into(), v);
    let v = cii_tax_id(t, s, "FC");
    t.put("BG-4/BT-32".into(), v);
    t.text("BG-4/BT-33", s, &[(Ram, "Description")]);
    t.id(
        "BG-4/BT-34",
        s,
        &[(Ram, "URIUniversalCommunication"), (Ram, "URIID")],
        "schemeID",
    );
    let a = t.one(s, &[(Ram, "PostalTradeAddress")]);
    cii_address(
        t,
        "BG-4/BG-5",
        a,
        [
            "BT-35", "BT-36", "BT-162", "BT-37", "BT-38", "BT-39", "BT-40",
        ],
    );
    cii_contact(t, "BG-4/BG-6", s, ["BT-41", "BT-42", "BT-43"]);
    // BG-7 buyer.
    let b = t.one(agr, &[(Ram, "BuyerTradeParty")]);
    t.text("BG-7/BT-44", b, &[(Ram, "Name")]);
    t.text("BG-7/BT-45", b, &[slo[0], (Ram, "TradingBusinessName")]);
    let ids = cii_party_ids(t, b);
    t.list("BG-7/BT-46", ids);
    t.id("BG-7/BT-47", b, &[slo[0], (Ram, "ID")], "schemeID");
    let v = cii_tax_id(t, b, "VA");
    t.put("BG-7/BT-48".into(), v);
    t.id(
        "BG-7/BT-49",
        b,
        &[(Ram, "URIUniversalCommunication"), (Ram, "URIID")],
        "schemeID",
    );
    let a = t.one(b, &[(Ram, "PostalTradeAddress")]);
    cii_address(
        t,
        "BG-7/BG-8",
        a,
        [
            "BT-50", "BT-51", "BT-163", "BT-52", "BT-53", "BT-54", "BT-55",
        ],
    );
    cii_contact(t, "BG-7/BG-9", b, ["BT-56", "BT-57", "BT-58"]);
    // BG-10 payee.
    let p = t.one(set, &[(Ram, "PayeeTradeParty")]);
    t.text("BG-10/BT-59", p, &[(Ram, "Name")]);
    let ids = cii_party_ids(t, p);
    t.list("BG-10/BT-60", ids);
    t.id("BG-10/BT-61", p, &[slo[0], (Ram, "ID")], "schemeID");
    // BG-11 tax representative.
    let r = t.one(agr, &[(Ram, "SellerTaxRepresentativeTradeParty")]);
    t.text("BG-11/BT-62", r, &[(Ram, "Name")]);
    let v = cii_tax_id(t, r, "VA");
    t.put("BG-11/BT-63".into(), v);
    let a = t.one(r, &[(Ram, "PostalTradeAddress")]);
    cii_address(
        t,
        "BG-11/BG-12",
        a,
        [
            "BT-64", "BT-65", "BT-164", "BT-66", "BT-67", "BT-68", "BT-69",
        ],
    );
    // BG-13 delivery.
    let ship = t.one(del, &[(Ram, "ShipToTradeParty")]);
    t.text("BG-13/BT-70", ship, &[(Ram, "Name")]);
    if t.one(ship, &[(Ram, "GlobalID")]).is_some() {
        t.id("BG-13/BT-71", ship, &[(Ram, "GlobalID")], "schemeID");
    } else {
        t.id("BG-13/BT-71", ship, &[(Ram, "ID")], "schemeID");
    }
    t.date102(
        "BG-13/BT-72",
        del,
        &[
            (Ram, "ActualDeliverySupplyChainEvent"),
            (Ram, "OccurrenceDateTime"),
        ],
    );
    let a = t.one(ship, &[(Ram, "PostalTradeAddress")]);
    cii_address(
        t,
        "BG-13/BG-15",
        a,
        [
            "BT-75", "BT-76", "BT-165", "BT-77", "BT-78", "BT-79", "BT-80",
        ],
    );
    let per = t.one(set, &[(Ram, "BillingSpecifiedPeriod")]);
    t.date102("BG-14/BT-73", per, &[(Ram, "StartDateTime")]);
    t.date102("BG-14/BT-74", per, &[(Ram, "EndDateTime")]);
    // BG-16 payment instructions.
    let mut debited = Vec::new();
    for (i, pm) in t
        .all(set, &[(Ram, "SpecifiedTradeSettlementPaymentMeans")])
        .into_iter()
        .enumerate()
    {
        let g = format!("BG-16[{}]", i + 1);
        let pm = Some(pm);
        t.code(&format!("{g}/BT-81"), pm, &[(Ram, "TypeCode")]);
        t.text(&format!("{g}/BT-82"), pm, &[(Ram, "Information")]);
        let acc = t.one(pm, &[(Ram, "PayeePartyCreditorFinancialAccount")]);
        let bic = t.one(
            pm,
            &[
                (Ram, "PayeeSpecifiedCreditorFinancialInstitution"),
                (Ram, "BICID"),
            ],
        );
        if acc.is_some() || bic.is_some() {
            let g = format!("{g}/BG-17[1]");
            t.text(&format!("{g}/BT-84"), acc, &[(Ram, "ProprietaryID")]);
            t.text(&format!("{g}/BT-84"), acc, &[(Ram, "IBANID")]);
            t.text(&format!("{g}/BT-85"), acc, &[(Ram, "AccountName")]);
            t.text(&format!("{g}/BT-86"), bic, &[]);
        }
        let card = t.one(pm, &[(Ram, "ApplicableTradeSettlementFinancialCard")]);
        t.text(&format!("{g}/BG-18/BT-87"), card, &[(Ram, "ID")]);
        t.text(
            &format!("{g}/BG-18/BT-88"),
            card,
            &[(Ram, "CardholderName")],
        );
        debited.extend(t.texts(&t.all(
            pm,
            &[(Ram, "PayerPartyDebtorFinancialAccount"), (Ram, "IBANID")],
        )));
    }
    let v = t.texts(&t.all(set, &[(Ram, "PaymentReference")]));
    t.set("BG-16/BT-83", v);
    let v = t.texts(&t.all(
        set,
        &[
            (Ram, "SpecifiedTradePaymentTerms"),
            (Ram, "DirectDebitMandateID"),
        ],
    ));
    t.set("BG-19/BT-89", v);
    let v = t.texts(&t.all(set, &[(Ram, "CreditorReferenceID")]));
    t.set("BG-19/BT-90", v);
    t.set("BG-19/BT-91", debited);
    cii_acs(t, "", set, true);
    // BG-22 totals.
    let m = t.one(
        set,
        &[(Ram, "SpecifiedTradeSettlementHeaderMonetarySummation")],
    );
    for (bt, name) in [
        ("BT-106", "LineTotalAmount"),
        ("BT-107", "AllowanceTotalAmount"),
        ("BT-108", "ChargeTotalAmount"),
        ("BT-109", "TaxBasisTotalAmount"),
        ("BT-112", "GrandTotalAmount"),
        ("BT-113", "TotalPrepaidAmount"),
        ("BT-114", "RoundingAmount"),
        ("BT-115", "DuePayableAmount"),
    ] {
        t.code(bt, m, &[(Ram, name)]);
    }
    let cur = t
        .one(set, &[(Ram, "InvoiceCurrencyCode")])
        .map(|x| d.text(x));
    let tcur = t.one(set, &[(Ram, "TaxCurrencyCode")]).map(|x| d.text(x));
    for amount in t.all(m, &[(Ram, "TaxTotalAmount")]) {
        let unit = d.attr(amount, "currencyID");
        let key = if unit == cur {
            "BT-110"
        } else if unit == tcur {
            "BT-111"
        } else {
            continue;
        };
        if !t.out.contains_key(key) {
            t.out.insert(key.into(), d.text(amount).to_string());
        }
    }
    for (i, tt) in taxes.into_iter().enumerate() {
        let g = format!("BG-23[{}]", i + 1);
        let tt = Some(tt);
        t.code(&format!("{g}/BT-116"), tt, &[(Ram, "BasisAmount")]);
        t.code(&format!("{g}/BT-117"), tt, &[(Ram, "CalculatedAmount")]);
        t.code(&format!("{g}/BT-118"), tt, &[(Ram, "CategoryCode")]);
        t.code(
            &format!("{g}/BT-119"),
            tt,
            &[(Ram, "RateApplicablePercent")],
        );
        t.text(&format!("{g}/BT-120"), tt, &[(Ram, "ExemptionReason")]);
        t.code(&format!("{g}/BT-121"), tt, &[(Ram, "ExemptionReasonCode")]);
    }
    // BG-25 lines.
    let lines = t.all(tx, &[(Ram, "IncludedSupplyChainTradeLineItem")]);
    for (i, l) in lines.into_iter().enumerate() {
        let g = format!("BG-25[{}]", i + 1);
        let l = Some(l);
        let doc = t.one(l, &[(Ram, "AssociatedDocumentLineDocument")]);
        let la = t.one(l, &[(Ram, "SpecifiedLineTradeAgreement")]);
        let ls = t.one(l, &[(Ram, "SpecifiedLineTradeSettlement")]);
        let prod = t.one(l, &[(Ram, "SpecifiedTradeProduct")]);
        t.text(&format!("{g}/BT-126"), doc, &[(Ram, "LineID")]);
        let notes = t.all(doc, &[(Ram, "IncludedNote"), (Ram, "Content")]);
        for (k, v) in t.texts(&notes).into_iter().enumerate() {
            t.out.insert(format!("{g}/BT-127[{}]", k + 1), v);
        }
        for r in t.all(ls, &[(Ram, "AdditionalReferencedDocument")]) {
            let code = t.one(Some(r), &[(Ram, "TypeCode")]);
            if code.map(|x| d.text(x)) == Some("130") {
                t.text(&format!("{g}/BT-128"), Some(r), &[issuer]);
                t.code(
                    &format!("{g}/BT-128-1"),
                    Some(r),
                    &[(Ram, "ReferenceTypeCode")],
                );
            }
        }
        let q = [(Ram, "SpecifiedLineTradeDelivery"), (Ram, "BilledQuantity")];
        t.code(&format!("{g}/BT-129"), l, &q);
        t.attr(&format!("{g}/BT-130"), l, &q, "unitCode");
        t.code(
            &format!("{g}/BT-131"),
            ls,
            &[
                (Ram, "SpecifiedTradeSettlementLineMonetarySummation"),
                (Ram, "LineTotalAmount"),
            ],
        );
        t.text(
            &format!("{g}/BT-132"),
            la,
            &[(Ram, "BuyerOrderReferencedDocument"), (Ram, "LineID")],
        );
        t.text(
            &format!("{g}/BT-133"),
            ls,
            &[
                (Ram, "ReceivableSpecifiedTradeAccountingAccount"),
                (Ram, "ID"),
            ],
        );
        let per = t.one(ls, &[(Ram, "BillingSpecifiedPeriod")]);
        t.date102(&format!("{g}/BG-26/BT-134"), per, &[(Ram, "StartDateTime")]);
        t.date102(&format!("{g}/BG-26/BT-135"), per, &[(Ram, "EndDateTime")]);
        cii_acs(t, &format!("{g}/"), ls, false);
        let net = t.one(la, &[(Ram, "NetPriceProductTradePrice")]);
        let gross = t.one(la, &[(Ram, "GrossPriceProductTradePrice")]);
        t.code(&format!("{g}/BG-29/BT-146"), net, &[(Ram, "ChargeAmount")]);
        t.code(
            &format!("{g}/BG-29/BT-147"),
            gross,
            &[(Ram, "AppliedTradeAllowanceCharge"), (Ram, "ActualAmount")],
        );
        t.code(
            &format!("{g}/BG-29/BT-148"),
            gross,
            &[(Ram, "ChargeAmount")],
        );
        t.code(&format!("{g}/BG-29/BT-149"), net, &[(Ram, "BasisQuantity")]);
        t.attr(
            &format!("{g}/BG-29/BT-150"),
            net,
            &[(Ram, "BasisQuantity")],
            "unitCode",
        );
        let tax = t.one(ls, &[(Ram, "ApplicableTradeTax")]);
        t.code(&format!("{g}/BG-30/BT-151"), tax, &[(Ram, "CategoryCode")]);
        t.code(
            &format!("{g}/BG-30/BT-152"),
            tax,
            &[(Ram, "RateApplicablePercent")],
        );
        t.text(&format!("{g}/BG-31/BT-153"), prod, &[(Ram, "Name")]);
        t.text(&format!("{g}/BG-31/BT-154"), prod, &[(Ram, "Description")]);
        t.text(
            &format!("{g}/BG-31/BT-155"),
            prod,
            &[(Ram, "SellerAssignedID")],
        );
        t.text(
            &format!("{g}/BG-31/BT-156"),
            prod,
            &[(Ram, "BuyerAssignedID")],
        );
        t.id(
            &format!("{g}/BG-31/BT-157"),
            prod,
            &[(Ram, "GlobalID")],
            "schemeID",
        );
        let classes = t.all(
            prod,
            &[(Ram, "DesignatedProductClassification"), (Ram, "ClassCode")],
        );
        for (k, c) in classes.into_iter().enumerate() {
            let key = format!("{g}/BG-31/BT-158[{}]", k + 1);
            t.code(&key, Some(c), &[]);
            t.attr(&format!("{key}-1"), Some(c), &[], "listID");
            t.attr(&format!("{key}-2"), Some(c), &[], "listVersionID");
        }
        t.code(
            &format!("{g}/BG-31/BT-159"),
            prod,
            &[(Ram, "OriginTradeCountry"), (Ram, "ID")],
        );
        let props = t.all(prod, &[(Ram, "ApplicableProductCharacteristic")]);
        for (k, p) in props.into_iter().enumerate() {
            let pg = format!("{g}/BG-32[{}]", k + 1);
            t.text(&format!("{pg}/BT-160"), Some(p), &[(Ram, "Description")]);
            t.text(&format!("{pg}/BT-161"), Some(p), &[(Ram, "Value")]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const UBL: &str = include_str!("../../tests/fixtures/peppol-minimal.xml");

    #[test]
    fn reads_terms_and_sees_differences() {
        let t = business_terms(UBL.as_bytes()).unwrap_or_default();
        assert_eq!(t.get("BT-1").map(String::as_str), Some("HAVEN-0001"));
        assert!(t.keys().any(|k| k.starts_with("BG-25[1]/BG-31/BT-153")));
        let changed = UBL.replace(
            "<cbc:ID>HAVEN-0001</cbc:ID>",
            "<cbc:ID>HAVEN-0001 </cbc:ID>",
        );
        let diff = compare_business_terms(UBL.as_bytes(), changed.as_bytes()).unwrap_or_default();
        assert_eq!(diff.len(), 1);
        assert_eq!(diff[0].key, "BT-1");
        assert_eq!(diff[0].right.as_deref(), Some("HAVEN-0001 "));
        assert_eq!(compare_business_terms(b"<a/>", UBL.as_bytes()), None);
    }
}
