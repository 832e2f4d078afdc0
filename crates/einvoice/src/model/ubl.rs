//! UBL 2.1 Invoice / CreditNote -> EN 16931 model.

use super::*;
use crate::xml::Ns::{Cac, Cbc};

struct M<'x, 'd> {
    d: &'x Doc<'d>,
}

impl<'x, 'd> M<'x, 'd> {
    fn k(&self, n: NodeId, ns: crate::xml::Ns, name: &str) -> Option<NodeId> {
        self.d.kid(n, ns, name)
    }
    fn cbc(&self, n: NodeId, name: &str) -> Option<Text<'x>> {
        text(self.d, self.d.kid(n, Cbc, name))
    }
    fn path(&self, n: NodeId, p: &[(crate::xml::Ns, &str)]) -> Option<NodeId> {
        self.d.at(n, p)
    }
    fn tpath(&self, n: NodeId, p: &[(crate::xml::Ns, &str)]) -> Option<Text<'x>> {
        text(self.d, self.d.at(n, p))
    }
    fn amount(&self, n: NodeId, name: &str) -> Option<Num<'x>> {
        num(self.d, self.d.kid(n, Cbc, name), "currencyID")
    }

    fn address(&self, n: Option<NodeId>) -> Option<Address<'x>> {
        let n = n?;
        Some(Address {
            node: Some(n),
            line1: self.cbc(n, "StreetName"),
            line2: self.cbc(n, "AdditionalStreetName"),
            line3: self.tpath(n, &[(Cac, "AddressLine"), (Cbc, "Line")]),
            city: self.cbc(n, "CityName"),
            postcode: self.cbc(n, "PostalZone"),
            subdivision: self.cbc(n, "CountrySubentity"),
            country: self.tpath(n, &[(Cac, "Country"), (Cbc, "IdentificationCode")]),
        })
    }

    fn party(&self, p: Option<NodeId>) -> Party<'x> {
        let Some(p) = p else { return Party::default() };
        let d = self.d;
        let mut party = Party {
            node: Some(p),
            ..Party::default()
        };
        party.endpoint = id(d, d.kid(p, Cbc, "EndpointID"));
        party.ids = d
            .kids(p, Cac, "PartyIdentification")
            .filter_map(|pi| id(d, d.kid(pi, Cbc, "ID")))
            .collect();
        party.trading_name = self.tpath(p, &[(Cac, "PartyName"), (Cbc, "Name")]);
        party.address = self.address(self.k(p, Cac, "PostalAddress"));
        for pts in d.kids(p, Cac, "PartyTaxScheme") {
            let scheme = self
                .tpath(pts, &[(Cac, "TaxScheme"), (Cbc, "ID")])
                .map(|t| t.value);
            let cid = self.cbc(pts, "CompanyID");
            if scheme == Some("VAT") {
                if party.vat_id.is_none() {
                    party.vat_id = cid;
                }
            } else if party.tax_reg_id.is_none() {
                party.tax_reg_id = cid;
            }
        }
        for le in d.kids(p, Cac, "PartyLegalEntity") {
            if party.name.is_none() {
                party.name = self.cbc(le, "RegistrationName");
            }
            for c in d.kids(le, Cbc, "CompanyID") {
                if let Some(i) = id(d, Some(c)) {
                    party.legal_ids.push(i);
                }
            }
            if party.legal_form.is_none() {
                party.legal_form = self.cbc(le, "CompanyLegalForm");
            }
        }
        party.legal_id = party.legal_ids.first().copied();
        party.contact = self.k(p, Cac, "Contact").map(|c| Contact {
            node: Some(c),
            name: self.cbc(c, "Name"),
            phone: self.cbc(c, "Telephone"),
            email: self.cbc(c, "ElectronicMail"),
        });
        party
    }

    fn allowance_charge(&self, n: NodeId) -> AllowanceCharge<'x> {
        let indicator = self.cbc(n, "ChargeIndicator");
        let is_charge = match indicator.map(|t| t.value) {
            Some("true" | "1") => Some(true),
            Some("false" | "0") => Some(false),
            _ => None,
        };
        let cat = self.k(n, Cac, "TaxCategory");
        AllowanceCharge {
            node: n,
            is_charge,
            indicator,
            amount: self.amount(n, "Amount"),
            base_amount: self.amount(n, "BaseAmount"),
            percentage: num(self.d, self.k(n, Cbc, "MultiplierFactorNumeric"), ""),
            vat_category: cat.and_then(|c| self.cbc(c, "ID")),
            vat_rate: cat.and_then(|c| num(self.d, self.k(c, Cbc, "Percent"), "")),
            reason: self.cbc(n, "AllowanceChargeReason"),
            reason_code: self.cbc(n, "AllowanceChargeReasonCode"),
        }
    }

    fn period(&self, n: Option<NodeId>) -> Option<Period<'x>> {
        let n = n?;
        Some(Period {
            node: Some(n),
            start: self.cbc(n, "StartDate"),
            end: self.cbc(n, "EndDate"),
            description_code: self.cbc(n, "DescriptionCode"),
        })
    }

    fn line(&self, n: NodeId, credit: bool) -> Line<'x> {
        let d = self.d;
        // One pass over the line's children (the first of each name, as `kid` would
        // find it) instead of one walk per looked-up name.
        let qty_name = if credit {
            "CreditedQuantity"
        } else {
            "InvoicedQuantity"
        };
        let mut k = LineKids::default();
        for c in d.children(n) {
            let Some(node) = d.node(c) else { continue };
            let slot = match (node.ns, node.name) {
                (Cbc, "ID") => &mut k.id,
                (Cbc, "Note") => &mut k.note,
                (Cac, "DocumentReference") => &mut k.doc_ref,
                (Cbc, name) if name == qty_name => &mut k.quantity,
                (Cbc, "LineExtensionAmount") => &mut k.net_amount,
                (Cac, "OrderLineReference") => &mut k.order_line_ref,
                (Cbc, "AccountingCost") => &mut k.accounting_cost,
                (Cac, "InvoicePeriod") => &mut k.period,
                (Cac, "AllowanceCharge") => &mut k.allowance_charge,
                (Cac, "Item") => &mut k.item,
                (Cac, "Price") => &mut k.price,
                _ => continue,
            };
            slot.get_or_insert(c);
        }
        let item = k.item;
        let mut i = ItemKids::default();
        if let Some(it) = item {
            for c in d.children(it) {
                let Some(node) = d.node(c) else { continue };
                let slot = match (node.ns, node.name) {
                    (Cbc, "Name") => &mut i.name,
                    (Cbc, "Description") => &mut i.description,
                    (Cac, "SellersItemIdentification") => &mut i.sellers_id,
                    (Cac, "BuyersItemIdentification") => &mut i.buyers_id,
                    (Cac, "StandardItemIdentification") => &mut i.standard_id,
                    (Cac, "OriginCountry") => &mut i.origin_country,
                    (Cac, "CommodityClassification") => &mut i.classification,
                    (Cac, "ClassifiedTaxCategory") => &mut i.tax_category,
                    _ => continue,
                };
                slot.get_or_insert(c);
            }
        }
        let price = k.price;
        let cat = i.tax_category;
        let mut line = Line {
            node: n,
            id: text(d, k.id),
            note: text(d, k.note),
            object_id: id(d, k.doc_ref.and_then(|r| d.kid(r, Cbc, "ID"))),
            quantity: num(d, k.quantity, "unitCode"),
            net_amount: num(d, k.net_amount, "currencyID"),
            order_line_ref: text(d, k.order_line_ref.and_then(|r| d.kid(r, Cbc, "LineID"))),
            accounting_ref: text(d, k.accounting_cost),
            period: self.period(k.period),
            allowances_charges: match k.allowance_charge {
                Some(_) => d
                    .kids(n, Cac, "AllowanceCharge")
                    .map(|a| self.allowance_charge(a))
                    .collect(),
                None => Vec::new(),
            },
            vat_category: cat.and_then(|c| self.cbc(c, "ID")),
            vat_rate: cat.and_then(|c| num(d, self.k(c, Cbc, "Percent"), "")),
            ..Line::default()
        };
        if item.is_some() {
            line.item_name = text(d, i.name);
            line.item_description = text(d, i.description);
            line.seller_item_id = text(d, i.sellers_id.and_then(|c| d.kid(c, Cbc, "ID")));
            line.buyer_item_id = text(d, i.buyers_id.and_then(|c| d.kid(c, Cbc, "ID")));
            line.standard_id = id(d, i.standard_id.and_then(|c| d.kid(c, Cbc, "ID")));
            line.origin_country = text(
                d,
                i.origin_country
                    .and_then(|c| d.kid(c, Cbc, "IdentificationCode")),
            );
            if let (Some(it), Some(_)) = (item, i.classification) {
                line.classifications = d
                    .kids(it, Cac, "CommodityClassification")
                    .filter_map(|c| d.kid(c, Cbc, "ItemClassificationCode"))
                    .map(|c| Id {
                        value: d.text(c),
                        scheme: d.attr(c, "listID"),
                        node: c,
                    })
                    .collect();
            }
        }
        if let Some(p) = price {
            let allowances: Vec<_> = d
                .kids(p, Cac, "AllowanceCharge")
                .map(|a| self.allowance_charge(a))
                .collect();
            line.price = Price {
                node: Some(p),
                net: self.amount(p, "PriceAmount"),
                discount: allowances.first().and_then(|a| a.amount),
                gross: allowances.first().and_then(|a| a.base_amount),
                base_quantity: num(d, self.k(p, Cbc, "BaseQuantity"), "unitCode"),
                allowances,
            };
        }
        line
    }
}

/// First child of each name an invoice line's mapping needs.
#[derive(Default)]
struct LineKids {
    id: Option<NodeId>,
    note: Option<NodeId>,
    doc_ref: Option<NodeId>,
    quantity: Option<NodeId>,
    net_amount: Option<NodeId>,
    order_line_ref: Option<NodeId>,
    accounting_cost: Option<NodeId>,
    period: Option<NodeId>,
    allowance_charge: Option<NodeId>,
    item: Option<NodeId>,
    price: Option<NodeId>,
}

/// First child of each name of a line's `cac:Item` the mapping needs.
#[derive(Default)]
struct ItemKids {
    name: Option<NodeId>,
    description: Option<NodeId>,
    sellers_id: Option<NodeId>,
    buyers_id: Option<NodeId>,
    standard_id: Option<NodeId>,
    origin_country: Option<NodeId>,
    classification: Option<NodeId>,
    tax_category: Option<NodeId>,
}

/// Map a UBL document (root element `Invoice` or `CreditNote`) to the model.
pub fn map<'x>(d: &'x Doc<'_>) -> Invoice<'x> {
    let m = M { d };
    let r = d.root();
    let credit = d.name(r) == "CreditNote";
    let mut inv = Invoice {
        root: r,
        ..Invoice::default()
    };
    inv.customization_id = m.cbc(r, "CustomizationID");
    inv.profile_id = m.cbc(r, "ProfileID");
    inv.number = m.cbc(r, "ID");
    inv.issue_date = m.cbc(r, "IssueDate");
    inv.type_code = m.cbc(
        r,
        if credit {
            "CreditNoteTypeCode"
        } else {
            "InvoiceTypeCode"
        },
    );
    inv.currency = m.cbc(r, "DocumentCurrencyCode");
    inv.tax_currency = m.cbc(r, "TaxCurrencyCode");
    inv.tax_point_date = m.cbc(r, "TaxPointDate");
    inv.due_date = m.cbc(r, "DueDate");
    inv.buyer_reference = m.cbc(r, "BuyerReference");
    inv.accounting_ref = m.cbc(r, "AccountingCost");
    inv.notes = d
        .kids(r, Cbc, "Note")
        .filter_map(|n| text(d, Some(n)))
        .collect();
    inv.period = m.period(m.k(r, Cac, "InvoicePeriod"));
    inv.tax_point_date_code = inv.period.as_ref().and_then(|p| p.description_code);
    inv.order_ref = m.tpath(r, &[(Cac, "OrderReference"), (Cbc, "ID")]);
    inv.sales_order_ref = m.tpath(r, &[(Cac, "OrderReference"), (Cbc, "SalesOrderID")]);
    inv.preceding_invoices = d
        .kids(r, Cac, "BillingReference")
        .filter_map(|b| d.kid(b, Cac, "InvoiceDocumentReference"))
        .map(|i| (m.cbc(i, "ID"), m.cbc(i, "IssueDate")))
        .collect();
    inv.despatch_advice_ref = m.tpath(r, &[(Cac, "DespatchDocumentReference"), (Cbc, "ID")]);
    inv.receiving_advice_ref = m.tpath(r, &[(Cac, "ReceiptDocumentReference"), (Cbc, "ID")]);
    inv.tender_ref = m.tpath(r, &[(Cac, "OriginatorDocumentReference"), (Cbc, "ID")]);
    inv.contract_ref = m.tpath(r, &[(Cac, "ContractDocumentReference"), (Cbc, "ID")]);
    inv.project_ref = m.tpath(r, &[(Cac, "ProjectReference"), (Cbc, "ID")]);
    for a in d.kids(r, Cac, "AdditionalDocumentReference") {
        let type_code = m.cbc(a, "DocumentTypeCode");
        if type_code.map(|t| t.value) == Some("130") {
            if inv.invoiced_object.is_none() {
                inv.invoiced_object = id(d, d.kid(a, Cbc, "ID"));
            }
            continue;
        }
        let att = d.kid(a, Cac, "Attachment");
        let bin = att.and_then(|x| d.kid(x, Cbc, "EmbeddedDocumentBinaryObject"));
        inv.attachments.push(Attachment {
            node: a,
            id: m.cbc(a, "ID"),
            type_code,
            mime: bin.and_then(|b| d.attr(b, "mimeCode")),
            filename: bin.and_then(|b| d.attr(b, "filename")),
            uri: att.and_then(|x| m.tpath(x, &[(Cac, "ExternalReference"), (Cbc, "URI")])),
            has_content: bin.is_some(),
        });
    }
    inv.seller = m.party(m.path(r, &[(Cac, "AccountingSupplierParty"), (Cac, "Party")]));
    inv.buyer = m.party(m.path(r, &[(Cac, "AccountingCustomerParty"), (Cac, "Party")]));
    inv.payee = m.k(r, Cac, "PayeeParty").map(|p| {
        let mut party = m.party(Some(p));
        if party.name.is_none() {
            party.name = party.trading_name.take();
        }
        party
    });
    inv.tax_representative = m.k(r, Cac, "TaxRepresentativeParty").map(|p| {
        let mut party = m.party(Some(p));
        if party.name.is_none() {
            party.name = party.trading_name.take();
        }
        party
    });
    if let Some(del) = m.k(r, Cac, "Delivery") {
        inv.delivery_node = Some(del);
        inv.delivery_date = m.cbc(del, "ActualDeliveryDate");
        inv.delivery_country = m.tpath(
            del,
            &[
                (Cac, "DeliveryLocation"),
                (Cac, "Address"),
                (Cac, "Country"),
                (Cbc, "IdentificationCode"),
            ],
        );
    }
    for pm in d.kids(r, Cac, "PaymentMeans") {
        let code_node = d.kid(pm, Cbc, "PaymentMeansCode");
        if credit && inv.due_date.is_none() {
            inv.due_date = m.cbc(pm, "PaymentDueDate");
        }
        inv.payment_means.push(PaymentMeans {
            node: pm,
            code: text(d, code_node),
            code_name: code_node.and_then(|c| d.attr(c, "name")),
            text: code_node
                .and_then(|c| d.attr(c, "name"))
                .map(|v| Text { value: v, node: pm }),
            remittance: m.cbc(pm, "PaymentID"),
            accounts: d
                .kids(pm, Cac, "PayeeFinancialAccount")
                .map(|a| {
                    (
                        m.cbc(a, "ID"),
                        m.cbc(a, "Name"),
                        m.tpath(a, &[(Cac, "FinancialInstitutionBranch"), (Cbc, "ID")]),
                    )
                })
                .collect(),
            card: m.tpath(pm, &[(Cac, "CardAccount"), (Cbc, "PrimaryAccountNumberID")]),
            mandate: m.tpath(pm, &[(Cac, "PaymentMandate"), (Cbc, "ID")]),
            debited_account: m.tpath(
                pm,
                &[
                    (Cac, "PaymentMandate"),
                    (Cac, "PayerFinancialAccount"),
                    (Cbc, "ID"),
                ],
            ),
        });
    }
    inv.payment_terms = m.tpath(r, &[(Cac, "PaymentTerms"), (Cbc, "Note")]);
    inv.allowances_charges = d
        .kids(r, Cac, "AllowanceCharge")
        .map(|a| m.allowance_charge(a))
        .collect();
    let cur = inv.currency.map(|c| c.value);
    let tcur = inv.tax_currency.map(|c| c.value);
    for tt in d.kids(r, Cac, "TaxTotal") {
        if let Some(a) = m.amount(tt, "TaxAmount") {
            inv.tax_totals.push(a);
            if a.unit == cur && inv.totals.vat.is_none() {
                inv.totals.vat = Some(a);
            } else if tcur.is_some() && a.unit == tcur && inv.totals.vat_accounting.is_none() {
                inv.totals.vat_accounting = Some(a);
            }
        }
        for st in d.kids(tt, Cac, "TaxSubtotal") {
            let cat = d.kid(st, Cac, "TaxCategory");
            inv.vat_breakdown.push(VatBreakdown {
                node: st,
                taxable_amount: m.amount(st, "TaxableAmount"),
                tax_amount: m.amount(st, "TaxAmount"),
                category: cat.and_then(|c| m.cbc(c, "ID")),
                rate: cat.and_then(|c| num(d, d.kid(c, Cbc, "Percent"), "")),
                exemption_reason: cat.and_then(|c| m.cbc(c, "TaxExemptionReason")),
                exemption_reason_code: cat.and_then(|c| m.cbc(c, "TaxExemptionReasonCode")),
            });
        }
    }
    if let Some(t) = m.k(r, Cac, "LegalMonetaryTotal") {
        inv.totals.node = Some(t);
        inv.totals.line_net = m.amount(t, "LineExtensionAmount");
        inv.totals.allowances = m.amount(t, "AllowanceTotalAmount");
        inv.totals.charges = m.amount(t, "ChargeTotalAmount");
        inv.totals.without_vat = m.amount(t, "TaxExclusiveAmount");
        inv.totals.with_vat = m.amount(t, "TaxInclusiveAmount");
        inv.totals.prepaid = m.amount(t, "PrepaidAmount");
        inv.totals.rounding = m.amount(t, "PayableRoundingAmount");
        inv.totals.payable = m.amount(t, "PayableAmount");
    }
    let line_name = if credit {
        "CreditNoteLine"
    } else {
        "InvoiceLine"
    };
    inv.lines = d
        .kids(r, Cac, line_name)
        .map(|l| m.line(l, credit))
        .collect();
    inv
}
