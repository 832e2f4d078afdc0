//! Reading UBL and CII trees into [`Semantic`].

use super::*;
use crate::xml::{Doc, NodeId, Ns};

use Ns::{Cac, Cbc, Ram, Rsm, Udt};

struct R<'x, 'd> {
    d: &'x Doc<'d>,
}

impl R<'_, '_> {
    fn at(&self, n: Option<NodeId>, path: &[(Ns, &str)]) -> Option<NodeId> {
        n.and_then(|n| self.d.at(n, path))
    }
    fn t(&self, n: Option<NodeId>, path: &[(Ns, &str)]) -> Option<String> {
        self.at(n, path).map(|x| self.d.text(x).to_string())
    }
    fn a(&self, n: Option<NodeId>, path: &[(Ns, &str)], attr: &str) -> Option<String> {
        self.at(n, path)
            .and_then(|x| self.d.attr(x, attr))
            .map(str::to_string)
    }
    fn ident(&self, n: Option<NodeId>, path: &[(Ns, &str)]) -> Option<Ident> {
        self.at(n, path).map(|x| {
            (
                self.d.text(x).to_string(),
                self.d.attr(x, "schemeID").map(str::to_string),
            )
        })
    }
    fn kids(&self, n: Option<NodeId>, ns: Ns, name: &str) -> Vec<NodeId> {
        n.map(|n| self.d.kids(n, ns, name).collect())
            .unwrap_or_default()
    }
    /// CII `udt:DateTimeString` / `qdt:DateTimeString` / `udt:DateString` (format 102) as ISO.
    fn date(&self, n: Option<NodeId>, path: &[(Ns, &str)]) -> Option<String> {
        let x = self.at(n, path)?;
        let s = self
            .d
            .children(x)
            .next()
            .map(|c| self.d.text(c))
            .unwrap_or("");
        Some(from_102(s))
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
        line1: r.t(a, &[(Cbc, "StreetName")]),
        line2: r.t(a, &[(Cbc, "AdditionalStreetName")]),
        line3: r.t(a, &[(Cac, "AddressLine"), (Cbc, "Line")]),
        city: r.t(a, &[(Cbc, "CityName")]),
        zip: r.t(a, &[(Cbc, "PostalZone")]),
        subdivision: r.t(a, &[(Cbc, "CountrySubentity")]),
        country: r.t(a, &[(Cac, "Country"), (Cbc, "IdentificationCode")]),
    })
}

fn ubl_party(r: &R<'_, '_>, p: Option<NodeId>, creditor: &mut Option<String>) -> Party {
    let mut party = Party {
        endpoint: r.ident(p, &[(Cbc, "EndpointID")]),
        trading_name: r.t(p, &[(Cac, "PartyName"), (Cbc, "Name")]),
        address: ubl_address(r, r.at(p, &[(Cac, "PostalAddress")])),
        name: r.t(p, &[(Cac, "PartyLegalEntity"), (Cbc, "RegistrationName")]),
        legal_id: r.ident(p, &[(Cac, "PartyLegalEntity"), (Cbc, "CompanyID")]),
        legal_info: r.t(p, &[(Cac, "PartyLegalEntity"), (Cbc, "CompanyLegalForm")]),
        ..Party::default()
    };
    for pi in r.kids(p, Cac, "PartyIdentification") {
        if let Some(id) = r.ident(Some(pi), &[(Cbc, "ID")]) {
            if id.1.as_deref() == Some("SEPA") {
                if creditor.is_none() {
                    *creditor = Some(id.0);
                }
            } else {
                party.ids.push(id);
            }
        }
    }
    for pts in r.kids(p, Cac, "PartyTaxScheme") {
        let cid = r.t(Some(pts), &[(Cbc, "CompanyID")]);
        if r.t(Some(pts), &[(Cac, "TaxScheme"), (Cbc, "ID")])
            .as_deref()
            == Some("VAT")
        {
            party.vat_id = party.vat_id.or(cid);
        } else {
            party.tax_reg_id = party.tax_reg_id.or(cid);
        }
    }
    party.contact = r.at(p, &[(Cac, "Contact")]).map(|c| Contact {
        name: r.t(Some(c), &[(Cbc, "Name")]),
        phone: r.t(Some(c), &[(Cbc, "Telephone")]),
        email: r.t(Some(c), &[(Cbc, "ElectronicMail")]),
    });
    party
}

fn ubl_ac(r: &R<'_, '_>, n: NodeId) -> AllowanceCharge {
    let n = Some(n);
    AllowanceCharge {
        charge: r.t(n, &[(Cbc, "ChargeIndicator")]).as_deref() == Some("true"),
        amount: r.t(n, &[(Cbc, "Amount")]),
        base: r.t(n, &[(Cbc, "BaseAmount")]),
        percent: r.t(n, &[(Cbc, "MultiplierFactorNumeric")]),
        category: r.t(n, &[(Cac, "TaxCategory"), (Cbc, "ID")]),
        rate: r.t(n, &[(Cac, "TaxCategory"), (Cbc, "Percent")]),
        reason: r.t(n, &[(Cbc, "AllowanceChargeReason")]),
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

pub(crate) fn ubl(d: &Doc<'_>) -> Semantic {
    let r = R { d };
    let root = Some(d.root());
    let credit = d.name(d.root()) == "CreditNote";
    let mut s = Semantic {
        customization: r.t(root, &[(Cbc, "CustomizationID")]),
        profile: r.t(root, &[(Cbc, "ProfileID")]),
        number: r.t(root, &[(Cbc, "ID")]),
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
        accounting: r.t(root, &[(Cbc, "AccountingCost")]),
        buyer_reference: r.t(root, &[(Cbc, "BuyerReference")]),
        order: r.t(root, &[(Cac, "OrderReference"), (Cbc, "ID")]),
        sales_order: r.t(root, &[(Cac, "OrderReference"), (Cbc, "SalesOrderID")]),
        despatch_advice: r.t(root, &[(Cac, "DespatchDocumentReference"), (Cbc, "ID")]),
        receiving_advice: r.t(root, &[(Cac, "ReceiptDocumentReference"), (Cbc, "ID")]),
        tender: r.t(root, &[(Cac, "OriginatorDocumentReference"), (Cbc, "ID")]),
        contract: r.t(root, &[(Cac, "ContractDocumentReference"), (Cbc, "ID")]),
        project: r.t(root, &[(Cac, "ProjectReference"), (Cbc, "ID")]),
        payment_terms: r.t(root, &[(Cac, "PaymentTerms"), (Cbc, "Note")]),
        ..Semantic::default()
    };
    s.notes = r
        .kids(root, Cbc, "Note")
        .into_iter()
        .map(|n| split_note(d.text(n)))
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
        .map(|b| {
            let i = r.at(Some(b), &[(Cac, "InvoiceDocumentReference")]);
            (r.t(i, &[(Cbc, "ID")]), r.t(i, &[(Cbc, "IssueDate")]))
        })
        .collect();
    for a in r.kids(root, Cac, "AdditionalDocumentReference") {
        let a = Some(a);
        match r.t(a, &[(Cbc, "DocumentTypeCode")]).as_deref() {
            Some("130") => s.invoiced_object = r.ident(a, &[(Cbc, "ID")]),
            Some("50") if credit => s.project = r.t(a, &[(Cbc, "ID")]),
            _ => {
                let bin = r.at(
                    a,
                    &[(Cac, "Attachment"), (Cbc, "EmbeddedDocumentBinaryObject")],
                );
                s.attachments.push(Attachment {
                    id: r.t(a, &[(Cbc, "ID")]),
                    description: r.t(a, &[(Cbc, "DocumentDescription")]),
                    uri: r.t(
                        a,
                        &[
                            (Cac, "Attachment"),
                            (Cac, "ExternalReference"),
                            (Cbc, "URI"),
                        ],
                    ),
                    binary: bin.map(|b| {
                        (
                            d.text(b).to_string(),
                            d.attr(b, "mimeCode").map(str::to_string),
                            d.attr(b, "filename").map(str::to_string),
                        )
                    }),
                });
            }
        }
    }
    let mut creditor = None;
    s.seller = ubl_party(
        &r,
        r.at(root, &[(Cac, "AccountingSupplierParty"), (Cac, "Party")]),
        &mut creditor,
    );
    s.buyer = ubl_party(
        &r,
        r.at(root, &[(Cac, "AccountingCustomerParty"), (Cac, "Party")]),
        &mut None,
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
        .map(|p| named(ubl_party(&r, Some(p), &mut creditor)));
    s.tax_representative = r
        .at(root, &[(Cac, "TaxRepresentativeParty")])
        .map(|p| named(ubl_party(&r, Some(p), &mut None)));
    s.creditor_id = creditor;
    if let Some(del) = r.at(root, &[(Cac, "Delivery")]) {
        let del = Some(del);
        s.delivery = some_if(Delivery {
            name: r.t(
                del,
                &[(Cac, "DeliveryParty"), (Cac, "PartyName"), (Cbc, "Name")],
            ),
            location: r.ident(del, &[(Cac, "DeliveryLocation"), (Cbc, "ID")]),
            date: r.t(del, &[(Cbc, "ActualDeliveryDate")]),
            address: ubl_address(
                &r,
                r.at(del, &[(Cac, "DeliveryLocation"), (Cac, "Address")]),
            ),
        });
    }
    for pm in r.kids(root, Cac, "PaymentMeans") {
        let pm = Some(pm);
        if credit && s.due_date.is_none() {
            s.due_date = r.t(pm, &[(Cbc, "PaymentDueDate")]);
        }
        let acct = r.at(pm, &[(Cac, "PayeeFinancialAccount")]).map(|a| {
            let a = Some(a);
            (
                r.t(a, &[(Cbc, "ID")]),
                r.t(a, &[(Cbc, "Name")]),
                r.t(a, &[(Cac, "FinancialInstitutionBranch"), (Cbc, "ID")]),
            )
        });
        let card = r.at(pm, &[(Cac, "CardAccount")]).map(|c| {
            let c = Some(c);
            (
                r.t(c, &[(Cbc, "PrimaryAccountNumberID")]),
                r.t(c, &[(Cbc, "HolderName")]),
            )
        });
        let mandate = r.at(pm, &[(Cac, "PaymentMandate")]).map(|m| {
            let m = Some(m);
            (
                r.t(m, &[(Cbc, "ID")]),
                r.t(m, &[(Cac, "PayerFinancialAccount"), (Cbc, "ID")]),
            )
        });
        s.payment_means.push(PaymentMeans {
            code: r.t(pm, &[(Cbc, "PaymentMeansCode")]),
            text: r.a(pm, &[(Cbc, "PaymentMeansCode")], "name"),
            remittance: r.t(pm, &[(Cbc, "PaymentID")]),
            account: acct,
            card,
            mandate,
        });
    }
    s.allowances_charges = r
        .kids(root, Cac, "AllowanceCharge")
        .into_iter()
        .map(|a| ubl_ac(&r, a))
        .collect();
    let cur = s.currency.clone();
    for tt in r.kids(root, Cac, "TaxTotal") {
        let amount = r.at(Some(tt), &[(Cbc, "TaxAmount")]);
        let unit = amount
            .and_then(|a| d.attr(a, "currencyID"))
            .map(str::to_string);
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
            s.vat_breakdown.push(VatBreakdown {
                taxable: r.t(st, &[(Cbc, "TaxableAmount")]),
                tax: r.t(st, &[(Cbc, "TaxAmount")]),
                category: r.t(cat, &[(Cbc, "ID")]),
                rate: r.t(cat, &[(Cbc, "Percent")]),
                exemption_reason: r.t(cat, &[(Cbc, "TaxExemptionReason")]),
                exemption_code: r.t(cat, &[(Cbc, "TaxExemptionReasonCode")]),
            });
        }
    }
    if let Some(t) = r.at(root, &[(Cac, "LegalMonetaryTotal")]) {
        let t = Some(t);
        let tt = &mut s.totals;
        tt.line_net = r.t(t, &[(Cbc, "LineExtensionAmount")]);
        tt.allowances = r.t(t, &[(Cbc, "AllowanceTotalAmount")]);
        tt.charges = r.t(t, &[(Cbc, "ChargeTotalAmount")]);
        tt.without_vat = r.t(t, &[(Cbc, "TaxExclusiveAmount")]);
        tt.with_vat = r.t(t, &[(Cbc, "TaxInclusiveAmount")]);
        tt.prepaid = r.t(t, &[(Cbc, "PrepaidAmount")]);
        tt.rounding = r.t(t, &[(Cbc, "PayableRoundingAmount")]);
        tt.payable = r.t(t, &[(Cbc, "PayableAmount")]);
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
        let obj = r
            .kids(l, Cac, "DocumentReference")
            .into_iter()
            .next()
            .and_then(|x| r.ident(Some(x), &[(Cbc, "ID")]));
        let period = r.at(l, &[(Cac, "InvoicePeriod")]);
        s.lines.push(Line {
            id: r.t(l, &[(Cbc, "ID")]),
            note: r.t(l, &[(Cbc, "Note")]),
            object: obj,
            quantity: r.t(l, &[(Cbc, qty_name)]),
            unit: r.a(l, &[(Cbc, qty_name)], "unitCode"),
            net: r.t(l, &[(Cbc, "LineExtensionAmount")]),
            order_line: r.t(l, &[(Cac, "OrderLineReference"), (Cbc, "LineID")]),
            accounting: r.t(l, &[(Cbc, "AccountingCost")]),
            start: r.t(period, &[(Cbc, "StartDate")]),
            end: r.t(period, &[(Cbc, "EndDate")]),
            allowances_charges: r
                .kids(l, Cac, "AllowanceCharge")
                .into_iter()
                .map(|a| ubl_ac(&r, a))
                .collect(),
            price: r.t(price, &[(Cbc, "PriceAmount")]),
            discount: r.t(pac, &[(Cbc, "Amount")]),
            gross: r.t(pac, &[(Cbc, "BaseAmount")]),
            base_quantity: r.t(price, &[(Cbc, "BaseQuantity")]),
            base_unit: r.a(price, &[(Cbc, "BaseQuantity")], "unitCode"),
            category: r.t(item, &[(Cac, "ClassifiedTaxCategory"), (Cbc, "ID")]),
            rate: r.t(item, &[(Cac, "ClassifiedTaxCategory"), (Cbc, "Percent")]),
            name: r.t(item, &[(Cbc, "Name")]),
            description: r.t(item, &[(Cbc, "Description")]),
            seller_id: r.t(item, &[(Cac, "SellersItemIdentification"), (Cbc, "ID")]),
            buyer_id: r.t(item, &[(Cac, "BuyersItemIdentification"), (Cbc, "ID")]),
            standard_id: r.ident(item, &[(Cac, "StandardItemIdentification"), (Cbc, "ID")]),
            classifications: r
                .kids(item, Cac, "CommodityClassification")
                .into_iter()
                .filter_map(|c| d.kid(c, Cbc, "ItemClassificationCode"))
                .map(|c| {
                    (
                        d.text(c).to_string(),
                        d.attr(c, "listID").map(str::to_string),
                        d.attr(c, "listVersionID").map(str::to_string),
                    )
                })
                .collect(),
            origin: r.t(item, &[(Cac, "OriginCountry"), (Cbc, "IdentificationCode")]),
            attributes: r
                .kids(item, Cac, "AdditionalItemProperty")
                .into_iter()
                .map(|p| {
                    (
                        r.t(Some(p), &[(Cbc, "Name")]).unwrap_or_default(),
                        r.t(Some(p), &[(Cbc, "Value")]).unwrap_or_default(),
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
        line1: r.t(a, &[(Ram, "LineOne")]),
        line2: r.t(a, &[(Ram, "LineTwo")]),
        line3: r.t(a, &[(Ram, "LineThree")]),
        city: r.t(a, &[(Ram, "CityName")]),
        zip: r.t(a, &[(Ram, "PostcodeCode")]),
        subdivision: r.t(a, &[(Ram, "CountrySubDivisionName")]),
        country: r.t(a, &[(Ram, "CountryID")]),
    })
}

fn cii_party(r: &R<'_, '_>, p: Option<NodeId>) -> Party {
    let d = r.d;
    let mut party = Party {
        name: r.t(p, &[(Ram, "Name")]),
        legal_info: r.t(p, &[(Ram, "Description")]),
        legal_id: r.ident(p, &[(Ram, "SpecifiedLegalOrganization"), (Ram, "ID")]),
        trading_name: r.t(
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
                party.ids.push((
                    d.text(c).to_string(),
                    d.attr(c, "schemeID").map(str::to_string),
                ));
            }
        }
    }
    for reg in r.kids(p, Ram, "SpecifiedTaxRegistration") {
        if let Some(i) = d.kid(reg, Ram, "ID") {
            let v = Some(d.text(i).to_string());
            match d.attr(i, "schemeID") {
                Some("VA") => party.vat_id = party.vat_id.take().or(v),
                _ => party.tax_reg_id = party.tax_reg_id.take().or(v),
            }
        }
    }
    party.contact = r.at(p, &[(Ram, "DefinedTradeContact")]).map(|c| {
        let c = Some(c);
        Contact {
            name: r.t(c, &[(Ram, "PersonName")]),
            phone: r.t(
                c,
                &[
                    (Ram, "TelephoneUniversalCommunication"),
                    (Ram, "CompleteNumber"),
                ],
            ),
            email: r.t(
                c,
                &[(Ram, "EmailURIUniversalCommunication"), (Ram, "URIID")],
            ),
        }
    });
    party
}

fn cii_ac(r: &R<'_, '_>, n: NodeId) -> AllowanceCharge {
    let n = Some(n);
    AllowanceCharge {
        charge: r
            .t(n, &[(Ram, "ChargeIndicator"), (Udt, "Indicator")])
            .as_deref()
            == Some("true"),
        amount: r.t(n, &[(Ram, "ActualAmount")]),
        base: r.t(n, &[(Ram, "BasisAmount")]),
        percent: r.t(n, &[(Ram, "CalculationPercent")]),
        category: r.t(n, &[(Ram, "CategoryTradeTax"), (Ram, "CategoryCode")]),
        rate: r.t(
            n,
            &[(Ram, "CategoryTradeTax"), (Ram, "RateApplicablePercent")],
        ),
        reason: r.t(n, &[(Ram, "Reason")]),
        reason_code: r.t(n, &[(Ram, "ReasonCode")]),
    }
}

pub(crate) fn cii(d: &Doc<'_>) -> Semantic {
    let r = R { d };
    let root = Some(d.root());
    let ctxp = r.at(root, &[(Rsm, "ExchangedDocumentContext")]);
    let ed = r.at(root, &[(Rsm, "ExchangedDocument")]);
    let tx = r.at(root, &[(Rsm, "SupplyChainTradeTransaction")]);
    let agr = r.at(tx, &[(Ram, "ApplicableHeaderTradeAgreement")]);
    let del = r.at(tx, &[(Ram, "ApplicableHeaderTradeDelivery")]);
    let set = r.at(tx, &[(Ram, "ApplicableHeaderTradeSettlement")]);
    let terms = r.at(set, &[(Ram, "SpecifiedTradePaymentTerms")]);
    let mut s = Semantic {
        profile: r.t(
            ctxp,
            &[
                (Ram, "BusinessProcessSpecifiedDocumentContextParameter"),
                (Ram, "ID"),
            ],
        ),
        customization: r.t(
            ctxp,
            &[
                (Ram, "GuidelineSpecifiedDocumentContextParameter"),
                (Ram, "ID"),
            ],
        ),
        number: r.t(ed, &[(Ram, "ID")]),
        type_code: r.t(ed, &[(Ram, "TypeCode")]),
        issue_date: r.date(ed, &[(Ram, "IssueDateTime")]),
        buyer_reference: r.t(agr, &[(Ram, "BuyerReference")]),
        sales_order: r.t(
            agr,
            &[
                (Ram, "SellerOrderReferencedDocument"),
                (Ram, "IssuerAssignedID"),
            ],
        ),
        order: r.t(
            agr,
            &[
                (Ram, "BuyerOrderReferencedDocument"),
                (Ram, "IssuerAssignedID"),
            ],
        ),
        contract: r.t(
            agr,
            &[
                (Ram, "ContractReferencedDocument"),
                (Ram, "IssuerAssignedID"),
            ],
        ),
        project: r.t(agr, &[(Ram, "SpecifiedProcuringProject"), (Ram, "ID")]),
        despatch_advice: r.t(
            del,
            &[
                (Ram, "DespatchAdviceReferencedDocument"),
                (Ram, "IssuerAssignedID"),
            ],
        ),
        receiving_advice: r.t(
            del,
            &[
                (Ram, "ReceivingAdviceReferencedDocument"),
                (Ram, "IssuerAssignedID"),
            ],
        ),
        creditor_id: r.t(set, &[(Ram, "CreditorReferenceID")]),
        tax_currency: r.t(set, &[(Ram, "TaxCurrencyCode")]),
        currency: r.t(set, &[(Ram, "InvoiceCurrencyCode")]),
        payment_terms: r.t(terms, &[(Ram, "Description")]),
        due_date: r.date(terms, &[(Ram, "DueDateDateTime")]),
        accounting: r.t(
            set,
            &[
                (Ram, "ReceivableSpecifiedTradeAccountingAccount"),
                (Ram, "ID"),
            ],
        ),
        ..Semantic::default()
    };
    s.notes = r
        .kids(ed, Ram, "IncludedNote")
        .into_iter()
        .map(|n| {
            (
                r.t(Some(n), &[(Ram, "SubjectCode")]),
                r.t(Some(n), &[(Ram, "Content")]).unwrap_or_default(),
            )
        })
        .collect();
    for a in r.kids(agr, Ram, "AdditionalReferencedDocument") {
        let a = Some(a);
        match r.t(a, &[(Ram, "TypeCode")]).as_deref() {
            Some("130") => {
                s.invoiced_object = r
                    .t(a, &[(Ram, "IssuerAssignedID")])
                    .map(|id| (id, r.t(a, &[(Ram, "ReferenceTypeCode")])));
            }
            Some("50") => s.tender = r.t(a, &[(Ram, "IssuerAssignedID")]),
            _ => {
                let bin = r.at(a, &[(Ram, "AttachmentBinaryObject")]);
                s.attachments.push(Attachment {
                    id: r.t(a, &[(Ram, "IssuerAssignedID")]),
                    description: r.t(a, &[(Ram, "Name")]),
                    uri: r.t(a, &[(Ram, "URIID")]),
                    binary: bin.map(|b| {
                        (
                            d.text(b).to_string(),
                            d.attr(b, "mimeCode").map(str::to_string),
                            d.attr(b, "filename").map(str::to_string),
                        )
                    }),
                });
            }
        }
    }
    s.seller = cii_party(&r, r.at(agr, &[(Ram, "SellerTradeParty")]));
    s.buyer = cii_party(&r, r.at(agr, &[(Ram, "BuyerTradeParty")]));
    s.tax_representative = r
        .at(agr, &[(Ram, "SellerTaxRepresentativeTradeParty")])
        .map(|p| cii_party(&r, Some(p)));
    s.payee = r
        .at(set, &[(Ram, "PayeeTradeParty")])
        .map(|p| cii_party(&r, Some(p)));
    let ship = r.at(del, &[(Ram, "ShipToTradeParty")]);
    s.delivery = some_if(Delivery {
        name: r.t(ship, &[(Ram, "Name")]),
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
        address: cii_address(&r, r.at(ship, &[(Ram, "PostalTradeAddress")])),
    });
    let remittance = r.t(set, &[(Ram, "PaymentReference")]);
    let mandate_id = r.t(terms, &[(Ram, "DirectDebitMandateID")]);
    for pm in r.kids(set, Ram, "SpecifiedTradeSettlementPaymentMeans") {
        let pm = Some(pm);
        let acct = r.at(pm, &[(Ram, "PayeePartyCreditorFinancialAccount")]);
        let bic = r.t(
            pm,
            &[
                (Ram, "PayeeSpecifiedCreditorFinancialInstitution"),
                (Ram, "BICID"),
            ],
        );
        let debtor = r.t(
            pm,
            &[(Ram, "PayerPartyDebtorFinancialAccount"), (Ram, "IBANID")],
        );
        let card = r.at(pm, &[(Ram, "ApplicableTradeSettlementFinancialCard")]);
        let code = r.t(pm, &[(Ram, "TypeCode")]);
        let direct_debit = debtor.is_some() || matches!(code.as_deref(), Some("49" | "59"));
        s.payment_means.push(PaymentMeans {
            code,
            text: r.t(pm, &[(Ram, "Information")]),
            remittance: remittance.clone(),
            account: (acct.is_some() || bic.is_some()).then(|| {
                (
                    r.t(acct, &[(Ram, "IBANID")])
                        .or_else(|| r.t(acct, &[(Ram, "ProprietaryID")])),
                    r.t(acct, &[(Ram, "AccountName")]),
                    bic,
                )
            }),
            card: card.map(|c| {
                let c = Some(c);
                (r.t(c, &[(Ram, "ID")]), r.t(c, &[(Ram, "CardholderName")]))
            }),
            mandate: (direct_debit && (debtor.is_some() || mandate_id.is_some()))
                .then(|| (mandate_id.clone(), debtor)),
        });
    }
    if s.payment_means.is_empty() && remittance.is_some() {
        s.payment_means.push(PaymentMeans {
            remittance,
            ..PaymentMeans::default()
        });
    }
    let cur = s.currency.clone();
    for (i, tt) in r
        .kids(set, Ram, "ApplicableTradeTax")
        .into_iter()
        .enumerate()
    {
        let tt = Some(tt);
        if i == 0 {
            s.tax_point_date = r.date(tt, &[(Ram, "TaxPointDate")]);
            s.tax_point_code = r.t(tt, &[(Ram, "DueDateTypeCode")]);
        }
        s.vat_breakdown.push(VatBreakdown {
            taxable: r.t(tt, &[(Ram, "BasisAmount")]),
            tax: r.t(tt, &[(Ram, "CalculatedAmount")]),
            category: r.t(tt, &[(Ram, "CategoryCode")]),
            rate: r.t(tt, &[(Ram, "RateApplicablePercent")]),
            exemption_reason: r.t(tt, &[(Ram, "ExemptionReason")]),
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
        .map(|a| cii_ac(&r, a))
        .collect();
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
            let unit = d.attr(ta, "currencyID").map(str::to_string);
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
                r.t(i, &[(Ram, "IssuerAssignedID")]),
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
        let obj = r.at(ls, &[(Ram, "AdditionalReferencedDocument")]);
        let base = r
            .at(net, &[(Ram, "BasisQuantity")])
            .or_else(|| r.at(gross, &[(Ram, "BasisQuantity")]));
        s.lines.push(Line {
            id: r.t(doc_line, &[(Ram, "LineID")]),
            note: r.t(doc_line, &[(Ram, "IncludedNote"), (Ram, "Content")]),
            object: r
                .t(obj, &[(Ram, "IssuerAssignedID")])
                .map(|id| (id, r.t(obj, &[(Ram, "ReferenceTypeCode")]))),
            quantity: qty.map(|q| d.text(q).to_string()),
            unit: qty.and_then(|q| d.attr(q, "unitCode")).map(str::to_string),
            net: r.t(
                ls,
                &[
                    (Ram, "SpecifiedTradeSettlementLineMonetarySummation"),
                    (Ram, "LineTotalAmount"),
                ],
            ),
            order_line: r.t(
                la,
                &[(Ram, "BuyerOrderReferencedDocument"), (Ram, "LineID")],
            ),
            accounting: r.t(
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
                .map(|a| cii_ac(&r, a))
                .collect(),
            price: r.t(net, &[(Ram, "ChargeAmount")]),
            discount: r.t(
                gross,
                &[(Ram, "AppliedTradeAllowanceCharge"), (Ram, "ActualAmount")],
            ),
            gross: r.t(gross, &[(Ram, "ChargeAmount")]),
            base_quantity: base.map(|b| d.text(b).to_string()),
            base_unit: base.and_then(|b| d.attr(b, "unitCode")).map(str::to_string),
            category: r.t(ls, &[(Ram, "ApplicableTradeTax"), (Ram, "CategoryCode")]),
            rate: r.t(
                ls,
                &[(Ram, "ApplicableTradeTax"), (Ram, "RateApplicablePercent")],
            ),
            name: r.t(prod, &[(Ram, "Name")]),
            description: r.t(prod, &[(Ram, "Description")]),
            seller_id: r.t(prod, &[(Ram, "SellerAssignedID")]),
            buyer_id: r.t(prod, &[(Ram, "BuyerAssignedID")]),
            standard_id: r.ident(prod, &[(Ram, "GlobalID")]),
            classifications: r
                .kids(prod, Ram, "DesignatedProductClassification")
                .into_iter()
                .filter_map(|c| d.kid(c, Ram, "ClassCode"))
                .map(|c| {
                    (
                        d.text(c).to_string(),
                        d.attr(c, "listID").map(str::to_string),
                        d.attr(c, "listVersionID").map(str::to_string),
                    )
                })
                .collect(),
            origin: r.t(prod, &[(Ram, "OriginTradeCountry"), (Ram, "ID")]),
            attributes: r
                .kids(prod, Ram, "ApplicableProductCharacteristic")
                .into_iter()
                .map(|p| {
                    (
                        r.t(Some(p), &[(Ram, "Description")]).unwrap_or_default(),
                        r.t(Some(p), &[(Ram, "Value")]).unwrap_or_default(),
                    )
                })
                .collect(),
        });
    }
    s
}
