//! Reading UBL and CII trees into [`Semantic`].

use std::cell::{Cell, RefCell};
use std::collections::HashSet;

use super::*;
use crate::xml::{Doc, NodeId, Ns};

use Ns::{Cac, Cbc, Ram, Rsm, Udt};

/// Reads values and records which elements and attributes it took, so that whatever it
/// did not take can be reported as not carried over.
pub(crate) struct R<'x, 'd> {
    pub d: &'x Doc<'d>,
    used: Vec<Cell<bool>>,
    used_attrs: RefCell<HashSet<(NodeId, String)>>,
}

impl<'x, 'd> R<'x, 'd> {
    pub fn new(d: &'x Doc<'d>) -> R<'x, 'd> {
        let n = d.nodes.len();
        let r = R {
            d,
            used: (0..n).map(|_| Cell::new(false)).collect(),
            used_attrs: RefCell::new(HashSet::new()),
        };
        r.mark(d.root());
        r
    }
    fn mark(&self, n: NodeId) {
        if let Some(c) = self.used.get(n as usize) {
            c.set(true);
        }
    }
    fn mark_attr(&self, n: NodeId, attr: &str) {
        if self.d.attr(n, attr).is_some() {
            self.used_attrs.borrow_mut().insert((n, attr.to_string()));
        }
    }
    /// First match of `path` below `n`; every step is recorded as taken.
    fn at(&self, n: Option<NodeId>, path: &[(Ns, &str)]) -> Option<NodeId> {
        let mut cur = n?;
        for (ns, name) in path {
            cur = self.d.kid(cur, *ns, name)?;
            self.mark(cur);
        }
        Some(cur)
    }
    /// Record a syntax element the writer regenerates, when it holds `expected`.
    fn touch(&self, n: Option<NodeId>, path: &[(Ns, &str)], expected: &str) {
        let Some(mut cur) = n else { return };
        for (ns, name) in path {
            let Some(next) = self.d.kid(cur, *ns, name) else {
                return;
            };
            cur = next;
        }
        if self.d.text(cur) == expected {
            self.at(n, path);
        }
    }
    /// Code, amount, quantity, percentage or indicator: surrounding whitespace dropped.
    fn t(&self, n: Option<NodeId>, path: &[(Ns, &str)]) -> Option<String> {
        self.at(n, path).map(|x| self.d.text(x).to_string())
    }
    /// Text or identifier: exactly as written (line ends normalised by the parser).
    fn x(&self, n: Option<NodeId>, path: &[(Ns, &str)]) -> Option<String> {
        self.at(n, path).map(|x| self.d.raw_text(x).to_string())
    }
    /// A UBL amount: its `@currencyID` is regenerated from the document currency.
    fn amt(&self, n: Option<NodeId>, path: &[(Ns, &str)]) -> Option<String> {
        let x = self.at(n, path)?;
        self.mark_attr(x, "currencyID");
        Some(self.d.text(x).to_string())
    }
    fn attr(&self, x: NodeId, attr: &str) -> Option<String> {
        self.mark_attr(x, attr);
        self.d.attr(x, attr).map(str::to_string)
    }
    fn a(&self, n: Option<NodeId>, path: &[(Ns, &str)], attr: &str) -> Option<String> {
        self.at(n, path).and_then(|x| self.attr(x, attr))
    }
    fn ident(&self, n: Option<NodeId>, path: &[(Ns, &str)]) -> Option<Ident> {
        self.at(n, path)
            .map(|x| (self.d.raw_text(x).to_string(), self.attr(x, "schemeID")))
    }
    fn kids(&self, n: Option<NodeId>, ns: Ns, name: &str) -> Vec<NodeId> {
        let v: Vec<NodeId> = n
            .map(|n| self.d.kids(n, ns, name).collect())
            .unwrap_or_default();
        for k in &v {
            self.mark(*k);
        }
        v
    }
    /// CII `udt:DateTimeString` / `qdt:DateTimeString` / `udt:DateString` (format 102) as ISO.
    fn date(&self, n: Option<NodeId>, path: &[(Ns, &str)]) -> Option<String> {
        let x = self.at(n, path)?;
        let inner = self.d.children(x).next();
        if let Some(c) = inner {
            self.mark(c);
            self.mark_attr(c, "format");
        }
        Some(from_102(inner.map_or("", |c| self.d.text(c))))
    }

    /// Everything in the source the reading did not take: the outermost element of each
    /// untaken subtree, and untaken attributes of taken elements.
    pub fn not_carried(&self, extension_doc: bool) -> Vec<NotCarried> {
        let d = self.d;
        let mut loc = crate::xml::Locator::new();
        let mut out = Vec::new();
        let used = |n: NodeId| self.used.get(n as usize).is_some_and(Cell::get);
        let attrs = self.used_attrs.borrow();
        let root = d.root();
        for n in std::iter::once(root).chain(d.descendants(root)) {
            if used(n) {
                for (name, _) in d.attrs(n) {
                    if !attrs.contains(&(n, (*name).to_string())) {
                        out.push(NotCarried {
                            kind: NotCarriedKind::Attribute,
                            path: format!("{}/@{name}", loc.path(d, n)),
                            line: loc.line_col(d, n).0,
                        });
                    }
                }
            } else if d.parent(n).is_some_and(used) {
                // UBL extensions, foreign namespaces, XRechnung sub-invoice lines and
                // anything left over in a document declaring the XRechnung extension.
                let extension = matches!(d.ns(n), Ns::Ext | Ns::Other)
                    || d.name(n) == "SubInvoiceLine"
                    || extension_doc;
                out.push(NotCarried {
                    kind: if extension {
                        NotCarriedKind::Extension
                    } else {
                        NotCarriedKind::Element
                    },
                    path: loc.path(d, n),
                    line: loc.line_col(d, n).0,
                });
            }
        }
        out
    }
}

/// `YYYYMMDD` to `YYYY-MM-DD` (anything else is kept as written).
pub(crate) fn from_102(s: &str) -> String {
    if s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit()) {
        format!("{}-{}-{}", &s[..4], &s[4..6], &s[6..])
    } else {
        s.to_string()
    }
}

fn some_if<T: Default + PartialEq>(v: T) -> Option<T> {
    (v != T::default()).then_some(v)
}

// ---------------------------------------------------------------- UBL

fn ubl_address(r: &R<'_, '_>, a: Option<NodeId>) -> Option<Address> {
    a?;
    Some(Address {
        line1: r.x(a, &[(Cbc, "StreetName")]),
        line2: r.x(a, &[(Cbc, "AdditionalStreetName")]),
        line3: r.x(a, &[(Cac, "AddressLine"), (Cbc, "Line")]),
        city: r.x(a, &[(Cbc, "CityName")]),
        zip: r.x(a, &[(Cbc, "PostalZone")]),
        subdivision: r.x(a, &[(Cbc, "CountrySubentity")]),
        country: r.t(a, &[(Cac, "Country"), (Cbc, "IdentificationCode")]),
    })
}

/// A party; a `SEPA` party identifier is BT-90 and goes to `creditor` when that is still
/// empty (left untaken otherwise, so that it is reported).
fn ubl_party(r: &R<'_, '_>, p: Option<NodeId>, creditor: Option<&mut Option<String>>) -> Party {
    let mut party = Party {
        endpoint: r.ident(p, &[(Cbc, "EndpointID")]),
        trading_name: r.x(p, &[(Cac, "PartyName"), (Cbc, "Name")]),
        address: ubl_address(r, r.at(p, &[(Cac, "PostalAddress")])),
        name: r.x(p, &[(Cac, "PartyLegalEntity"), (Cbc, "RegistrationName")]),
        legal_id: r.ident(p, &[(Cac, "PartyLegalEntity"), (Cbc, "CompanyID")]),
        legal_info: r.x(p, &[(Cac, "PartyLegalEntity"), (Cbc, "CompanyLegalForm")]),
        ..Party::default()
    };
    let mut creditor = creditor;
    for pi in p
        .map(|p| r.d.kids(p, Cac, "PartyIdentification").collect::<Vec<_>>())
        .unwrap_or_default()
    {
        let id = r.d.kid(pi, Cbc, "ID");
        if id.is_some_and(|i| r.d.attr(i, "schemeID") == Some("SEPA")) {
            if let Some(c) = creditor.as_deref_mut().filter(|c| c.is_none()) {
                r.mark(pi);
                *c = r.x(Some(pi), &[(Cbc, "ID")]);
                if let Some(i) = id {
                    r.mark_attr(i, "schemeID");
                }
            }
        } else if id.is_some() {
            r.mark(pi);
            if let Some(id) = r.ident(Some(pi), &[(Cbc, "ID")]) {
                party.ids.push(id);
            }
        }
    }
    for pts in r.kids(p, Cac, "PartyTaxScheme") {
        let scheme = r.t(Some(pts), &[(Cac, "TaxScheme"), (Cbc, "ID")]);
        if scheme.as_deref() == Some("VAT") {
            if party.vat_id.is_none() {
                party.vat_id = r.x(Some(pts), &[(Cbc, "CompanyID")]);
            }
        } else if party.tax_reg_id.is_none() {
            party.tax_reg_id = r.x(Some(pts), &[(Cbc, "CompanyID")]);
        }
    }
    party.contact = r.at(p, &[(Cac, "Contact")]).map(|c| Contact {
        name: r.x(Some(c), &[(Cbc, "Name")]),
        phone: r.x(Some(c), &[(Cbc, "Telephone")]),
        email: r.x(Some(c), &[(Cbc, "ElectronicMail")]),
    });
    party
}

fn ubl_ac(r: &R<'_, '_>, n: NodeId) -> AllowanceCharge {
    let n = Some(n);
    let cat = r.at(n, &[(Cac, "TaxCategory")]);
    r.touch(cat, &[(Cac, "TaxScheme"), (Cbc, "ID")], "VAT");
    AllowanceCharge {
        charge: r.t(n, &[(Cbc, "ChargeIndicator")]).as_deref() == Some("true"),
        amount: r.amt(n, &[(Cbc, "Amount")]),
        base: r.amt(n, &[(Cbc, "BaseAmount")]),
        percent: r.t(n, &[(Cbc, "MultiplierFactorNumeric")]),
        category: r.t(cat, &[(Cbc, "ID")]),
        rate: r.t(cat, &[(Cbc, "Percent")]),
        reason: r.x(n, &[(Cbc, "AllowanceChargeReason")]),
        reason_code: r.t(n, &[(Cbc, "AllowanceChargeReasonCode")]),
    }
}

/// `#CODE#text` note convention for the subject code.
fn split_note(s: &str) -> (Option<String>, String) {
    let b = s.as_bytes();
    if b.len() >= 5 && b[0] == b'#' && b[4] == b'#' && b[1..4].iter().all(u8::is_ascii_uppercase) {
        (Some(s[1..4].to_string()), s[5..].to_string())
    } else {
        (None, s.to_string())
    }
}

pub(crate) fn ubl(r: &R<'_, '_>) -> Semantic {
    let d = r.d;
    let root = Some(d.root());
    let credit = d.name(d.root()) == "CreditNote";
    let mut s = Semantic {
        customization: r.x(root, &[(Cbc, "CustomizationID")]),
        profile: r.x(root, &[(Cbc, "ProfileID")]),
        number: r.x(root, &[(Cbc, "ID")]),
        issue_date: r.t(root, &[(Cbc, "IssueDate")]),
        due_date: r.t(root, &[(Cbc, "DueDate")]),
        type_code: r.t(
            root,
            &[(
                Cbc,
                if credit {
                    "CreditNoteTypeCode"
                } else {
                    "InvoiceTypeCode"
                },
            )],
        ),
        tax_point_date: r.t(root, &[(Cbc, "TaxPointDate")]),
        currency: r.t(root, &[(Cbc, "DocumentCurrencyCode")]),
        tax_currency: r.t(root, &[(Cbc, "TaxCurrencyCode")]),
        accounting: r.x(root, &[(Cbc, "AccountingCost")]),
        buyer_reference: r.x(root, &[(Cbc, "BuyerReference")]),
        order: r.x(root, &[(Cac, "OrderReference"), (Cbc, "ID")]),
        sales_order: r.x(root, &[(Cac, "OrderReference"), (Cbc, "SalesOrderID")]),
        despatch_advice: r.x(root, &[(Cac, "DespatchDocumentReference"), (Cbc, "ID")]),
        receiving_advice: r.x(root, &[(Cac, "ReceiptDocumentReference"), (Cbc, "ID")]),
        tender: r.x(root, &[(Cac, "OriginatorDocumentReference"), (Cbc, "ID")]),
        contract: r.x(root, &[(Cac, "ContractDocumentReference"), (Cbc, "ID")]),
        project: r.x(root, &[(Cac, "ProjectReference"), (Cbc, "ID")]),
        payment_terms: r.x(root, &[(Cac, "PaymentTerms"), (Cbc, "Note")]),
        ..Semantic::default()
    };
    // "NA" is the placeholder UBL needs for a sales order without purchase order.
    if s.order.as_deref() == Some(ORDER_PLACEHOLDER) && s.sales_order.is_some() {
        s.order = None;
    }
    s.notes = r
        .kids(root, Cbc, "Note")
        .into_iter()
        .map(|n| split_note(d.raw_text(n)))
        .collect();
    if let Some(p) = r.at(root, &[(Cac, "InvoicePeriod")]) {
        let p = Some(p);
        s.tax_point_code = r.t(p, &[(Cbc, "DescriptionCode")]);
        let (a, b) = (r.t(p, &[(Cbc, "StartDate")]), r.t(p, &[(Cbc, "EndDate")]));
        if a.is_some() || b.is_some() {
            s.period = Some((a, b));
        }
    }
    s.preceding = r
        .kids(root, Cac, "BillingReference")
        .into_iter()
        .filter_map(|b| r.at(Some(b), &[(Cac, "InvoiceDocumentReference")]))
        .map(|i| {
            let i = Some(i);
            (r.x(i, &[(Cbc, "ID")]), r.t(i, &[(Cbc, "IssueDate")]))
        })
        .collect();
    for a in r.kids(root, Cac, "AdditionalDocumentReference") {
        let a = Some(a);
        match r.t(a, &[(Cbc, "DocumentTypeCode")]).as_deref() {
            Some("130") => s.invoiced_object = r.ident(a, &[(Cbc, "ID")]),
            Some("50") if credit => s.project = r.x(a, &[(Cbc, "ID")]),
            _ => {
                let bin = r.at(
                    a,
                    &[(Cac, "Attachment"), (Cbc, "EmbeddedDocumentBinaryObject")],
                );
                s.attachments.push(Attachment {
                    id: r.x(a, &[(Cbc, "ID")]),
                    description: r.x(a, &[(Cbc, "DocumentDescription")]),
                    uri: r.x(
                        a,
                        &[
                            (Cac, "Attachment"),
                            (Cac, "ExternalReference"),
                            (Cbc, "URI"),
                        ],
                    ),
                    binary: bin.map(|b| {
                        (
                            d.raw_text(b).to_string(),
                            r.attr(b, "mimeCode"),
                            r.attr(b, "filename"),
                        )
                    }),
                });
            }
        }
    }
    let mut creditor = None;
    s.seller = ubl_party(
        r,
        r.at(root, &[(Cac, "AccountingSupplierParty"), (Cac, "Party")]),
        Some(&mut creditor),
    );
    s.buyer = ubl_party(
        r,
        r.at(root, &[(Cac, "AccountingCustomerParty"), (Cac, "Party")]),
        None,
    );
    // Payee and tax representative names are PartyName/Name in UBL.
    let named = |mut p: Party| {
        if p.name.is_none() {
            p.name = p.trading_name.take();
        }
        p
    };
    s.payee = r
        .at(root, &[(Cac, "PayeeParty")])
        .map(|p| named(ubl_party(r, Some(p), Some(&mut creditor))));
    s.tax_representative = r
        .at(root, &[(Cac, "TaxRepresentativeParty")])
        .map(|p| named(ubl_party(r, Some(p), None)));
    s.creditor_id = creditor;
    if let Some(del) = r.at(root, &[(Cac, "Delivery")]) {
        let del = Some(del);
        s.delivery = some_if(Delivery {
            name: r.x(
                del,
                &[(Cac, "DeliveryParty"), (Cac, "PartyName"), (Cbc, "Name")],
            ),
            location: r.ident(del, &[(Cac, "DeliveryLocation"), (Cbc, "ID")]),
            date: r.t(del, &[(Cbc, "ActualDeliveryDate")]),
            address: ubl_address(r, r.at(del, &[(Cac, "DeliveryLocation"), (Cac, "Address")])),
        });
    }
    for pm in r.kids(root, Cac, "PaymentMeans") {
        let pm = Some(pm);
        if credit {
            let due = r.t(pm, &[(Cbc, "PaymentDueDate")]);
            s.due_date = s.due_date.take().or(due);
        }
        let acct = r.at(pm, &[(Cac, "PayeeFinancialAccount")]).map(|a| {
            let a = Some(a);
            (
                r.x(a, &[(Cbc, "ID")]),
                r.x(a, &[(Cbc, "Name")]),
                r.x(a, &[(Cac, "FinancialInstitutionBranch"), (Cbc, "ID")]),
            )
        });
        let card = r.at(pm, &[(Cac, "CardAccount")]).map(|c| {
            let c = Some(c);
            r.touch(c, &[(Cbc, "NetworkID")], CARD_NETWORK_PLACEHOLDER);
            (
                r.x(c, &[(Cbc, "PrimaryAccountNumberID")]),
                r.x(c, &[(Cbc, "HolderName")]),
            )
        });
        let mandate = r.at(pm, &[(Cac, "PaymentMandate")]).map(|m| {
            let m = Some(m);
            (
                r.x(m, &[(Cbc, "ID")]),
                r.x(m, &[(Cac, "PayerFinancialAccount"), (Cbc, "ID")]),
            )
        });
        s.payment_means.push(PaymentMeans {
            code: r.t(pm, &[(Cbc, "PaymentMeansCode")]),
            text: r.a(pm, &[(Cbc, "PaymentMeansCode")], "name"),
            remittance: r.x(pm, &[(Cbc, "PaymentID")]),
            account: acct,
            card,
            mandate,
        });
    }
    s.allowances_charges = r
        .kids(root, Cac, "AllowanceCharge")
        .into_iter()
        .map(|a| ubl_ac(r, a))
        .collect();
    let cur = s.currency.clone();
    for tt in r.kids(root, Cac, "TaxTotal") {
        let amount = r.at(Some(tt), &[(Cbc, "TaxAmount")]);
        let unit = amount.and_then(|a| r.attr(a, "currencyID"));
        let v = amount.map(|a| d.text(a).to_string());
        let subs = r.kids(Some(tt), Cac, "TaxSubtotal");
        if !subs.is_empty() || (unit == cur && s.totals.vat.is_none()) {
            s.totals.vat = s.totals.vat.take().or(v);
        } else {
            s.totals.vat_accounting = s.totals.vat_accounting.take().or(v);
        }
        for st in subs {
            let st = Some(st);
            let cat = r.at(st, &[(Cac, "TaxCategory")]);
            r.touch(cat, &[(Cac, "TaxScheme"), (Cbc, "ID")], "VAT");
            s.vat_breakdown.push(VatBreakdown {
                taxable: r.amt(st, &[(Cbc, "TaxableAmount")]),
                tax: r.amt(st, &[(Cbc, "TaxAmount")]),
                category: r.t(cat, &[(Cbc, "ID")]),
                rate: r.t(cat, &[(Cbc, "Percent")]),
                exemption_reason: r.x(cat, &[(Cbc, "TaxExemptionReason")]),
                exemption_code: r.t(cat, &[(Cbc, "TaxExemptionReasonCode")]),
            });
        }
    }
    if let Some(t) = r.at(root, &[(Cac, "LegalMonetaryTotal")]) {
        let t = Some(t);
        let tt = &mut s.totals;
        tt.line_net = r.amt(t, &[(Cbc, "LineExtensionAmount")]);
        tt.allowances = r.amt(t, &[(Cbc, "AllowanceTotalAmount")]);
        tt.charges = r.amt(t, &[(Cbc, "ChargeTotalAmount")]);
        tt.without_vat = r.amt(t, &[(Cbc, "TaxExclusiveAmount")]);
        tt.with_vat = r.amt(t, &[(Cbc, "TaxInclusiveAmount")]);
        tt.prepaid = r.amt(t, &[(Cbc, "PrepaidAmount")]);
        tt.rounding = r.amt(t, &[(Cbc, "PayableRoundingAmount")]);
        tt.payable = r.amt(t, &[(Cbc, "PayableAmount")]);
    }
    let (line_name, qty_name) = if credit {
        ("CreditNoteLine", "CreditedQuantity")
    } else {
        ("InvoiceLine", "InvoicedQuantity")
    };
    for l in r.kids(root, Cac, line_name) {
        let l = Some(l);
        let item = r.at(l, &[(Cac, "Item")]);
        let price = r.at(l, &[(Cac, "Price")]);
        let pac = r.at(price, &[(Cac, "AllowanceCharge")]);
        r.touch(pac, &[(Cbc, "ChargeIndicator")], "false");
        // BT-128 is the line's document reference of type 130.
        let obj = l
            .and_then(|x| {
                d.kids(x, Cac, "DocumentReference")
                    .find(|a| d.kid(*a, Cbc, "DocumentTypeCode").map(|c| d.text(c)) == Some("130"))
            })
            .inspect(|a| r.mark(*a));
        r.touch(obj, &[(Cbc, "DocumentTypeCode")], "130");
        let period = r.at(l, &[(Cac, "InvoicePeriod")]);
        let tax = r.at(item, &[(Cac, "ClassifiedTaxCategory")]);
        r.touch(tax, &[(Cac, "TaxScheme"), (Cbc, "ID")], "VAT");
        s.lines.push(Line {
            id: r.x(l, &[(Cbc, "ID")]),
            note: r.x(l, &[(Cbc, "Note")]),
            object: r.ident(obj, &[(Cbc, "ID")]),
            quantity: r.t(l, &[(Cbc, qty_name)]),
            unit: r.a(l, &[(Cbc, qty_name)], "unitCode"),
            net: r.amt(l, &[(Cbc, "LineExtensionAmount")]),
            order_line: r.x(l, &[(Cac, "OrderLineReference"), (Cbc, "LineID")]),
            accounting: r.x(l, &[(Cbc, "AccountingCost")]),
            start: r.t(period, &[(Cbc, "StartDate")]),
            end: r.t(period, &[(Cbc, "EndDate")]),
            allowances_charges: r
                .kids(l, Cac, "AllowanceCharge")
                .into_iter()
                .map(|a| ubl_ac(r, a))
                .collect(),
            price: r.amt(price, &[(Cbc, "PriceAmount")]),
            discount: r.amt(pac, &[(Cbc, "Amount")]),
            gross: r.amt(pac, &[(Cbc, "BaseAmount")]),
            base_quantity: r.t(price, &[(Cbc, "BaseQuantity")]),
            base_unit: r.a(price, &[(Cbc, "BaseQuantity")], "unitCode"),
            category: r.t(tax, &[(Cbc, "ID")]),
            rate: r.t(tax, &[(Cbc, "Percent")]),
            name: r.x(item, &[(Cbc, "Name")]),
            description: r.x(item, &[(Cbc, "Description")]),
            seller_id: r.x(item, &[(Cac, "SellersItemIdentification"), (Cbc, "ID")]),
            buyer_id: r.x(item, &[(Cac, "BuyersItemIdentification"), (Cbc, "ID")]),
            standard_id: r.ident(item, &[(Cac, "StandardItemIdentification"), (Cbc, "ID")]),
            classifications: r
                .kids(item, Cac, "CommodityClassification")
                .into_iter()
                .filter_map(|c| r.at(Some(c), &[(Cbc, "ItemClassificationCode")]))
                .map(|c| {
                    (
                        d.text(c).to_string(),
                        r.attr(c, "listID"),
                        r.attr(c, "listVersionID"),
                    )
                })
                .collect(),
            origin: r.t(item, &[(Cac, "OriginCountry"), (Cbc, "IdentificationCode")]),
            attributes: r
                .kids(item, Cac, "AdditionalItemProperty")
                .into_iter()
                .map(|p| {
                    (
                        r.x(Some(p), &[(Cbc, "Name")]).unwrap_or_default(),
                        r.x(Some(p), &[(Cbc, "Value")]).unwrap_or_default(),
                    )
                })
                .collect(),
        });
    }
    s
}

// ---------------------------------------------------------------- CII

fn cii_address(r: &R<'_, '_>, a: Option<NodeId>) -> Option<Address> {
    a?;
    Some(Address {
        line1: r.x(a, &[(Ram, "LineOne")]),
        line2: r.x(a, &[(Ram, "LineTwo")]),
        line3: r.x(a, &[(Ram, "LineThree")]),
        city: r.x(a, &[(Ram, "CityName")]),
        zip: r.x(a, &[(Ram, "PostcodeCode")]),
        subdivision: r.x(a, &[(Ram, "CountrySubDivisionName")]),
        country: r.t(a, &[(Ram, "CountryID")]),
    })
}

fn cii_party(r: &R<'_, '_>, p: Option<NodeId>) -> Party {
    let d = r.d;
    let mut party = Party {
        name: r.x(p, &[(Ram, "Name")]),
        legal_info: r.x(p, &[(Ram, "Description")]),
        legal_id: r.ident(p, &[(Ram, "SpecifiedLegalOrganization"), (Ram, "ID")]),
        trading_name: r.x(
            p,
            &[
                (Ram, "SpecifiedLegalOrganization"),
                (Ram, "TradingBusinessName"),
            ],
        ),
        address: cii_address(r, r.at(p, &[(Ram, "PostalTradeAddress")])),
        endpoint: r.ident(p, &[(Ram, "URIUniversalCommunication"), (Ram, "URIID")]),
        ..Party::default()
    };
    if let Some(pn) = p {
        for c in d.children(pn) {
            if d.is(c, Ram, "ID") || d.is(c, Ram, "GlobalID") {
                r.mark(c);
                party
                    .ids
                    .push((d.raw_text(c).to_string(), r.attr(c, "schemeID")));
            }
        }
    }
    for reg in r.kids(p, Ram, "SpecifiedTaxRegistration") {
        let Some(i) = r.at(Some(reg), &[(Ram, "ID")]) else {
            continue;
        };
        let v = Some(d.raw_text(i).to_string());
        match r.attr(i, "schemeID").as_deref() {
            Some("VA") => party.vat_id = party.vat_id.take().or(v),
            _ => party.tax_reg_id = party.tax_reg_id.take().or(v),
        }
    }
    party.contact = r.at(p, &[(Ram, "DefinedTradeContact")]).map(|c| {
        let c = Some(c);
        Contact {
            // BT-41/BT-56 is PersonName or DepartmentName (CII-SR-465/466 allow one).
            name: r
                .x(c, &[(Ram, "PersonName")])
                .or_else(|| r.x(c, &[(Ram, "DepartmentName")])),
            phone: r.x(
                c,
                &[
                    (Ram, "TelephoneUniversalCommunication"),
                    (Ram, "CompleteNumber"),
                ],
            ),
            email: r.x(
                c,
                &[(Ram, "EmailURIUniversalCommunication"), (Ram, "URIID")],
            ),
        }
    });
    party
}

fn cii_ac(r: &R<'_, '_>, n: NodeId) -> AllowanceCharge {
    let n = Some(n);
    let cat = r.at(n, &[(Ram, "CategoryTradeTax")]);
    r.touch(cat, &[(Ram, "TypeCode")], "VAT");
    AllowanceCharge {
        charge: r
            .t(n, &[(Ram, "ChargeIndicator"), (Udt, "Indicator")])
            .as_deref()
            == Some("true"),
        amount: r.t(n, &[(Ram, "ActualAmount")]),
        base: r.t(n, &[(Ram, "BasisAmount")]),
        percent: r.t(n, &[(Ram, "CalculationPercent")]),
        category: r.t(cat, &[(Ram, "CategoryCode")]),
        rate: r.t(cat, &[(Ram, "RateApplicablePercent")]),
        reason: r.x(n, &[(Ram, "Reason")]),
        reason_code: r.t(n, &[(Ram, "ReasonCode")]),
    }
}

pub(crate) fn cii(r: &R<'_, '_>) -> Semantic {
    let d = r.d;
    let root = Some(d.root());
    let ctxp = r.at(root, &[(Rsm, "ExchangedDocumentContext")]);
    let ed = r.at(root, &[(Rsm, "ExchangedDocument")]);
    let tx = r.at(root, &[(Rsm, "SupplyChainTradeTransaction")]);
    let agr = r.at(tx, &[(Ram, "ApplicableHeaderTradeAgreement")]);
    let del = r.at(tx, &[(Ram, "ApplicableHeaderTradeDelivery")]);
    let set = r.at(tx, &[(Ram, "ApplicableHeaderTradeSettlement")]);
    let terms = r.at(set, &[(Ram, "SpecifiedTradePaymentTerms")]);
    let mut s = Semantic {
        profile: r.x(
            ctxp,
            &[
                (Ram, "BusinessProcessSpecifiedDocumentContextParameter"),
                (Ram, "ID"),
            ],
        ),
        customization: r.x(
            ctxp,
            &[
                (Ram, "GuidelineSpecifiedDocumentContextParameter"),
                (Ram, "ID"),
            ],
        ),
        number: r.x(ed, &[(Ram, "ID")]),
        type_code: r.t(ed, &[(Ram, "TypeCode")]),
        issue_date: r.date(ed, &[(Ram, "IssueDateTime")]),
        buyer_reference: r.x(agr, &[(Ram, "BuyerReference")]),
        sales_order: r.x(
            agr,
            &[
                (Ram, "SellerOrderReferencedDocument"),
                (Ram, "IssuerAssignedID"),
            ],
        ),
        order: r.x(
            agr,
            &[
                (Ram, "BuyerOrderReferencedDocument"),
                (Ram, "IssuerAssignedID"),
            ],
        ),
        contract: r.x(
            agr,
            &[
                (Ram, "ContractReferencedDocument"),
                (Ram, "IssuerAssignedID"),
            ],
        ),
        project: r.x(agr, &[(Ram, "SpecifiedProcuringProject"), (Ram, "ID")]),
        despatch_advice: r.x(
            del,
            &[
                (Ram, "DespatchAdviceReferencedDocument"),
                (Ram, "IssuerAssignedID"),
            ],
        ),
        receiving_advice: r.x(
            del,
            &[
                (Ram, "ReceivingAdviceReferencedDocument"),
                (Ram, "IssuerAssignedID"),
            ],
        ),
        creditor_id: r.x(set, &[(Ram, "CreditorReferenceID")]),
        tax_currency: r.t(set, &[(Ram, "TaxCurrencyCode")]),
        currency: r.t(set, &[(Ram, "InvoiceCurrencyCode")]),
        payment_terms: r.x(terms, &[(Ram, "Description")]),
        due_date: r.date(terms, &[(Ram, "DueDateDateTime")]),
        accounting: r.x(
            set,
            &[
                (Ram, "ReceivableSpecifiedTradeAccountingAccount"),
                (Ram, "ID"),
            ],
        ),
        ..Semantic::default()
    };
    // The project name CII requires has no business term; the placeholder we write is ours.
    r.touch(
        agr,
        &[(Ram, "SpecifiedProcuringProject"), (Ram, "Name")],
        PROJECT_NAME_PLACEHOLDER,
    );
    s.notes = r
        .kids(ed, Ram, "IncludedNote")
        .into_iter()
        .map(|n| {
            (
                r.t(Some(n), &[(Ram, "SubjectCode")]),
                r.x(Some(n), &[(Ram, "Content")]).unwrap_or_default(),
            )
        })
        .collect();
    let refs: Vec<NodeId> = agr
        .map(|g| d.kids(g, Ram, "AdditionalReferencedDocument").collect())
        .unwrap_or_default();
    for a in refs {
        // Only the type codes EN 16931 binds (50, 130, 916); others stay unread.
        let code = d.kid(a, Ram, "TypeCode").map(|c| d.text(c));
        if !matches!(code, Some("50" | "130" | "916")) {
            continue;
        }
        r.mark(a);
        let a = Some(a);
        match r.t(a, &[(Ram, "TypeCode")]).as_deref() {
            Some("130") => {
                s.invoiced_object = r
                    .x(a, &[(Ram, "IssuerAssignedID")])
                    .map(|id| (id, r.t(a, &[(Ram, "ReferenceTypeCode")])));
            }
            Some("50") => s.tender = r.x(a, &[(Ram, "IssuerAssignedID")]),
            _ => {
                let bin = r.at(a, &[(Ram, "AttachmentBinaryObject")]);
                s.attachments.push(Attachment {
                    id: r.x(a, &[(Ram, "IssuerAssignedID")]),
                    description: r.x(a, &[(Ram, "Name")]),
                    uri: r.x(a, &[(Ram, "URIID")]),
                    binary: bin.map(|b| {
                        (
                            d.raw_text(b).to_string(),
                            r.attr(b, "mimeCode"),
                            r.attr(b, "filename"),
                        )
                    }),
                });
            }
        }
    }
    s.seller = cii_party(r, r.at(agr, &[(Ram, "SellerTradeParty")]));
    s.buyer = cii_party(r, r.at(agr, &[(Ram, "BuyerTradeParty")]));
    s.tax_representative = r
        .at(agr, &[(Ram, "SellerTaxRepresentativeTradeParty")])
        .map(|p| cii_party(r, Some(p)));
    s.payee = r
        .at(set, &[(Ram, "PayeeTradeParty")])
        .map(|p| cii_party(r, Some(p)));
    let ship = r.at(del, &[(Ram, "ShipToTradeParty")]);
    s.delivery = some_if(Delivery {
        name: r.x(ship, &[(Ram, "Name")]),
        location: r
            .ident(ship, &[(Ram, "GlobalID")])
            .or_else(|| r.ident(ship, &[(Ram, "ID")])),
        date: r.date(
            del,
            &[
                (Ram, "ActualDeliverySupplyChainEvent"),
                (Ram, "OccurrenceDateTime"),
            ],
        ),
        address: cii_address(r, r.at(ship, &[(Ram, "PostalTradeAddress")])),
    });
    let remittance = r.x(set, &[(Ram, "PaymentReference")]);
    let mandate_id = r.x(terms, &[(Ram, "DirectDebitMandateID")]);
    for pm in r.kids(set, Ram, "SpecifiedTradeSettlementPaymentMeans") {
        let pm = Some(pm);
        let acct = r.at(pm, &[(Ram, "PayeePartyCreditorFinancialAccount")]);
        let bic = r.x(
            pm,
            &[
                (Ram, "PayeeSpecifiedCreditorFinancialInstitution"),
                (Ram, "BICID"),
            ],
        );
        let debtor = r.x(
            pm,
            &[(Ram, "PayerPartyDebtorFinancialAccount"), (Ram, "IBANID")],
        );
        let card = r.at(pm, &[(Ram, "ApplicableTradeSettlementFinancialCard")]);
        let code = r.t(pm, &[(Ram, "TypeCode")]);
        let direct_debit = debtor.is_some() || matches!(code.as_deref(), Some("49" | "59"));
        s.payment_means.push(PaymentMeans {
            code,
            text: r.x(pm, &[(Ram, "Information")]),
            remittance: remittance.clone(),
            account: (acct.is_some() || bic.is_some()).then(|| {
                (
                    r.x(acct, &[(Ram, "IBANID")])
                        .or_else(|| r.x(acct, &[(Ram, "ProprietaryID")])),
                    r.x(acct, &[(Ram, "AccountName")]),
                    bic,
                )
            }),
            card: card.map(|c| {
                let c = Some(c);
                (r.x(c, &[(Ram, "ID")]), r.x(c, &[(Ram, "CardholderName")]))
            }),
            mandate: (direct_debit && (debtor.is_some() || mandate_id.is_some()))
                .then(|| (mandate_id.clone(), debtor)),
        });
    }
    // BT-89 without a direct debit means (UBL keeps it in a payment means): the first.
    if mandate_id.is_some() && s.payment_means.iter().all(|p| p.mandate.is_none()) {
        if let Some(first) = s.payment_means.first_mut() {
            first.mandate = Some((mandate_id.clone(), None));
        }
    }
    if s.payment_means.is_empty() && remittance.is_some() {
        s.payment_means.push(PaymentMeans {
            remittance,
            ..PaymentMeans::default()
        });
    }
    for (i, tt) in r
        .kids(set, Ram, "ApplicableTradeTax")
        .into_iter()
        .enumerate()
    {
        let tt = Some(tt);
        r.touch(tt, &[(Ram, "TypeCode")], "VAT");
        if i == 0 {
            s.tax_point_date = r.date(tt, &[(Ram, "TaxPointDate")]);
            s.tax_point_code = r.t(tt, &[(Ram, "DueDateTypeCode")]);
        } else {
            // BT-7/BT-8 are document level: a repetition of the same value is carried.
            if let Some(v) = &s.tax_point_date {
                let again = r.at(tt, &[(Ram, "TaxPointDate")]).map(|x| {
                    let c = d.children(x).next();
                    from_102(c.map_or("", |c| d.text(c)))
                });
                if again.as_ref() == Some(v) {
                    r.date(tt, &[(Ram, "TaxPointDate")]);
                }
            }
            if let Some(v) = &s.tax_point_code {
                r.touch(tt, &[(Ram, "DueDateTypeCode")], v);
            }
        }
        s.vat_breakdown.push(VatBreakdown {
            taxable: r.t(tt, &[(Ram, "BasisAmount")]),
            tax: r.t(tt, &[(Ram, "CalculatedAmount")]),
            category: r.t(tt, &[(Ram, "CategoryCode")]),
            rate: r.t(tt, &[(Ram, "RateApplicablePercent")]),
            exemption_reason: r.x(tt, &[(Ram, "ExemptionReason")]),
            exemption_code: r.t(tt, &[(Ram, "ExemptionReasonCode")]),
        });
    }
    if let Some(p) = r.at(set, &[(Ram, "BillingSpecifiedPeriod")]) {
        let p = Some(p);
        s.period = Some((
            r.date(p, &[(Ram, "StartDateTime")]),
            r.date(p, &[(Ram, "EndDateTime")]),
        ));
    }
    s.allowances_charges = r
        .kids(set, Ram, "SpecifiedTradeAllowanceCharge")
        .into_iter()
        .map(|a| cii_ac(r, a))
        .collect();
    let cur = s.currency.clone();
    if let Some(m) = r.at(
        set,
        &[(Ram, "SpecifiedTradeSettlementHeaderMonetarySummation")],
    ) {
        let m = Some(m);
        let t = &mut s.totals;
        t.line_net = r.t(m, &[(Ram, "LineTotalAmount")]);
        t.charges = r.t(m, &[(Ram, "ChargeTotalAmount")]);
        t.allowances = r.t(m, &[(Ram, "AllowanceTotalAmount")]);
        t.without_vat = r.t(m, &[(Ram, "TaxBasisTotalAmount")]);
        for ta in r.kids(m, Ram, "TaxTotalAmount") {
            let v = Some(d.text(ta).to_string());
            let unit = r.attr(ta, "currencyID");
            if (unit == cur || unit.is_none()) && t.vat.is_none() {
                t.vat = v;
            } else {
                t.vat_accounting = t.vat_accounting.take().or(v);
            }
        }
        t.rounding = r.t(m, &[(Ram, "RoundingAmount")]);
        t.with_vat = r.t(m, &[(Ram, "GrandTotalAmount")]);
        t.prepaid = r.t(m, &[(Ram, "TotalPrepaidAmount")]);
        t.payable = r.t(m, &[(Ram, "DuePayableAmount")]);
    }
    s.preceding = r
        .kids(set, Ram, "InvoiceReferencedDocument")
        .into_iter()
        .map(|i| {
            let i = Some(i);
            (
                r.x(i, &[(Ram, "IssuerAssignedID")]),
                r.date(i, &[(Ram, "FormattedIssueDateTime")]),
            )
        })
        .collect();
    for l in r.kids(tx, Ram, "IncludedSupplyChainTradeLineItem") {
        let l = Some(l);
        let doc_line = r.at(l, &[(Ram, "AssociatedDocumentLineDocument")]);
        let prod = r.at(l, &[(Ram, "SpecifiedTradeProduct")]);
        let la = r.at(l, &[(Ram, "SpecifiedLineTradeAgreement")]);
        let gross = r.at(la, &[(Ram, "GrossPriceProductTradePrice")]);
        let net = r.at(la, &[(Ram, "NetPriceProductTradePrice")]);
        let ls = r.at(l, &[(Ram, "SpecifiedLineTradeSettlement")]);
        let qty = r.at(
            l,
            &[(Ram, "SpecifiedLineTradeDelivery"), (Ram, "BilledQuantity")],
        );
        let period = r.at(ls, &[(Ram, "BillingSpecifiedPeriod")]);
        // BT-128 is the line's referenced document of type 130.
        let obj = ls
            .and_then(|x| {
                d.kids(x, Ram, "AdditionalReferencedDocument")
                    .find(|a| d.kid(*a, Ram, "TypeCode").map(|c| d.text(c)) == Some("130"))
            })
            .inspect(|a| r.mark(*a));
        r.touch(obj, &[(Ram, "TypeCode")], "130");
        let tax = r.at(ls, &[(Ram, "ApplicableTradeTax")]);
        r.touch(tax, &[(Ram, "TypeCode")], "VAT");
        let gross_ac = r.at(gross, &[(Ram, "AppliedTradeAllowanceCharge")]);
        r.touch(
            gross_ac,
            &[(Ram, "ChargeIndicator"), (Udt, "Indicator")],
            "false",
        );
        // BT-149/BT-150 are the net price's basis quantity. The gross price's own basis
        // quantity has no business term: carried only where it repeats the net one.
        let base = r.at(net, &[(Ram, "BasisQuantity")]);
        let text_unit = |b: NodeId| (d.text(b), d.attr(b, "unitCode"));
        if let (Some(b), Some(g)) = (base, gross.and_then(|g| d.kid(g, Ram, "BasisQuantity"))) {
            if text_unit(b) == text_unit(g) {
                r.a(gross, &[(Ram, "BasisQuantity")], "unitCode");
            }
        }
        s.lines.push(Line {
            id: r.x(doc_line, &[(Ram, "LineID")]),
            note: r.x(doc_line, &[(Ram, "IncludedNote"), (Ram, "Content")]),
            object: r
                .x(obj, &[(Ram, "IssuerAssignedID")])
                .map(|id| (id, r.t(obj, &[(Ram, "ReferenceTypeCode")]))),
            quantity: qty.map(|q| d.text(q).to_string()),
            unit: qty.and_then(|q| r.attr(q, "unitCode")),
            net: r.t(
                ls,
                &[
                    (Ram, "SpecifiedTradeSettlementLineMonetarySummation"),
                    (Ram, "LineTotalAmount"),
                ],
            ),
            order_line: r.x(
                la,
                &[(Ram, "BuyerOrderReferencedDocument"), (Ram, "LineID")],
            ),
            accounting: r.x(
                ls,
                &[
                    (Ram, "ReceivableSpecifiedTradeAccountingAccount"),
                    (Ram, "ID"),
                ],
            ),
            start: r.date(period, &[(Ram, "StartDateTime")]),
            end: r.date(period, &[(Ram, "EndDateTime")]),
            allowances_charges: r
                .kids(ls, Ram, "SpecifiedTradeAllowanceCharge")
                .into_iter()
                .map(|a| cii_ac(r, a))
                .collect(),
            price: r.t(net, &[(Ram, "ChargeAmount")]),
            discount: r.t(gross_ac, &[(Ram, "ActualAmount")]),
            gross: r.t(gross, &[(Ram, "ChargeAmount")]),
            base_quantity: base.map(|b| d.text(b).to_string()),
            base_unit: base.and_then(|b| r.attr(b, "unitCode")),
            category: r.t(tax, &[(Ram, "CategoryCode")]),
            rate: r.t(tax, &[(Ram, "RateApplicablePercent")]),
            name: r.x(prod, &[(Ram, "Name")]),
            description: r.x(prod, &[(Ram, "Description")]),
            seller_id: r.x(prod, &[(Ram, "SellerAssignedID")]),
            buyer_id: r.x(prod, &[(Ram, "BuyerAssignedID")]),
            standard_id: r.ident(prod, &[(Ram, "GlobalID")]),
            classifications: r
                .kids(prod, Ram, "DesignatedProductClassification")
                .into_iter()
                .filter_map(|c| r.at(Some(c), &[(Ram, "ClassCode")]))
                .map(|c| {
                    (
                        d.text(c).to_string(),
                        r.attr(c, "listID"),
                        r.attr(c, "listVersionID"),
                    )
                })
                .collect(),
            origin: r.t(prod, &[(Ram, "OriginTradeCountry"), (Ram, "ID")]),
            attributes: r
                .kids(prod, Ram, "ApplicableProductCharacteristic")
                .into_iter()
                .map(|p| {
                    (
                        r.x(Some(p), &[(Ram, "Description")]).unwrap_or_default(),
                        r.x(Some(p), &[(Ram, "Value")]).unwrap_or_default(),
                    )
                })
                .collect(),
        });
    }
    s
}
