//! UN/CEFACT CII D16B CrossIndustryInvoice -> EN 16931 model.

use super::*;
use crate::xml::Ns::{self, Qdt, Ram, Rsm, Udt};

struct M<'x, 'd> {
    d: &'x Doc<'d>,
}

impl<'x, 'd> M<'x, 'd> {
    fn k(&self, n: Option<NodeId>, name: &str) -> Option<NodeId> {
        self.d.kid(n?, Ram, name)
    }
    fn p(&self, n: Option<NodeId>, path: &[&str]) -> Option<NodeId> {
        let mut cur = n?;
        for step in path {
            cur = self.d.kid(cur, Ram, step)?;
        }
        Some(cur)
    }
    fn t(&self, n: Option<NodeId>, path: &[&str]) -> Option<Text<'x>> {
        text(self.d, self.p(n, path))
    }
    fn amount(&self, n: Option<NodeId>, path: &[&str]) -> Option<Num<'x>> {
        num(self.d, self.p(n, path), "currencyID")
    }
    /// Date wrapped in a udt/qdt DateTimeString or DateString child.
    fn date(&self, n: Option<NodeId>, path: &[&str]) -> Option<Text<'x>> {
        let n = self.p(n, path)?;
        let d = self.d;
        let inner = d
            .kid(n, Udt, "DateTimeString")
            .or_else(|| d.kid(n, Udt, "DateString"))
            .or_else(|| d.kid(n, Qdt, "DateTimeString"));
        text(d, inner)
    }

    fn address(&self, n: Option<NodeId>) -> Option<Address<'x>> {
        let n = n?;
        Some(Address {
            node: Some(n),
            line1: self.t(Some(n), &["LineOne"]),
            line2: self.t(Some(n), &["LineTwo"]),
            line3: self.t(Some(n), &["LineThree"]),
            city: self.t(Some(n), &["CityName"]),
            postcode: self.t(Some(n), &["PostcodeCode"]),
            subdivision: self.t(Some(n), &["CountrySubDivisionName"]),
            country: self.t(Some(n), &["CountryID"]),
        })
    }

    fn party(&self, p: Option<NodeId>) -> Party<'x> {
        let Some(pn) = p else { return Party::default() };
        let d = self.d;
        let mut party = Party {
            node: Some(pn),
            ..Party::default()
        };
        party.name = self.t(p, &["Name"]);
        party.ids = d
            .children(pn)
            .filter(|c| d.is(*c, Ram, "ID") || d.is(*c, Ram, "GlobalID"))
            .filter_map(|c| id(d, Some(c)))
            .collect();
        let legal = self.k(p, "SpecifiedLegalOrganization");
        party.legal_ids = legal
            .into_iter()
            .flat_map(|l| d.kids(l, Ram, "ID"))
            .filter_map(|c| id(d, Some(c)))
            .collect();
        party.legal_id = party.legal_ids.first().copied();
        party.trading_name = self.t(legal, &["TradingBusinessName"]);
        party.legal_form = self.t(p, &["Description"]);
        party.address = self.address(self.k(p, "PostalTradeAddress"));
        party.endpoint = id(d, self.p(p, &["URIUniversalCommunication", "URIID"]));
        for reg in d.kids(pn, Ram, "SpecifiedTaxRegistration") {
            if let Some(i) = d.kid(reg, Ram, "ID") {
                match d.attr(i, "schemeID") {
                    Some("VA") if party.vat_id.is_none() => party.vat_id = text(d, Some(i)),
                    Some("FC") if party.tax_reg_id.is_none() => party.tax_reg_id = text(d, Some(i)),
                    _ => {}
                }
            }
        }
        party.contact = self.k(p, "DefinedTradeContact").map(|c| Contact {
            node: Some(c),
            name: self.t(Some(c), &["PersonName"]),
            phone: self.t(
                Some(c),
                &["TelephoneUniversalCommunication", "CompleteNumber"],
            ),
            email: self.t(Some(c), &["EmailURIUniversalCommunication", "URIID"]),
        });
        party
    }

    fn allowance_charge(&self, n: NodeId) -> AllowanceCharge<'x> {
        let d = self.d;
        let ind = self
            .p(Some(n), &["ChargeIndicator"])
            .and_then(|i| d.kid(i, Udt, "Indicator"));
        let indicator = text(d, ind);
        let is_charge = match indicator.map(|t| t.value) {
            Some("true" | "1") => Some(true),
            Some("false" | "0") => Some(false),
            _ => None,
        };
        let tax = self.k(Some(n), "CategoryTradeTax");
        AllowanceCharge {
            node: n,
            is_charge,
            indicator,
            amount: self.amount(Some(n), &["ActualAmount"]),
            base_amount: self.amount(Some(n), &["BasisAmount"]),
            percentage: num(d, self.k(Some(n), "CalculationPercent"), ""),
            vat_category: self.t(tax, &["CategoryCode"]),
            vat_rate: num(d, self.k(tax, "RateApplicablePercent"), ""),
            reason: self.t(Some(n), &["Reason"]),
            reason_code: self.t(Some(n), &["ReasonCode"]),
        }
    }

    fn period(&self, n: Option<NodeId>) -> Option<Period<'x>> {
        let n = n?;
        Some(Period {
            node: Some(n),
            start: self.date(Some(n), &["StartDateTime"]),
            end: self.date(Some(n), &["EndDateTime"]),
            description_code: None,
        })
    }

    fn line(&self, n: NodeId) -> Line<'x> {
        let d = self.d;
        let l = Some(n);
        let doc_line = self.k(l, "AssociatedDocumentLineDocument");
        let product = self.k(l, "SpecifiedTradeProduct");
        let agreement = self.k(l, "SpecifiedLineTradeAgreement");
        let settlement = self.k(l, "SpecifiedLineTradeSettlement");
        let tax = self.k(settlement, "ApplicableTradeTax");
        let gross = self.k(agreement, "GrossPriceProductTradePrice");
        let net = self.k(agreement, "NetPriceProductTradePrice");
        let price_allowances: Vec<_> = gross
            .into_iter()
            .flat_map(|g| d.kids(g, Ram, "AppliedTradeAllowanceCharge"))
            .map(|a| self.allowance_charge(a))
            .collect();
        Line {
            node: n,
            id: self.t(doc_line, &["LineID"]),
            note: self.t(doc_line, &["IncludedNote", "Content"]),
            object_id: settlement
                .into_iter()
                .flat_map(|s| d.kids(s, Ram, "AdditionalReferencedDocument"))
                .find_map(|a| id(d, d.kid(a, Ram, "IssuerAssignedID"))),
            quantity: num(
                d,
                self.p(l, &["SpecifiedLineTradeDelivery", "BilledQuantity"]),
                "unitCode",
            ),
            net_amount: self.amount(
                settlement,
                &[
                    "SpecifiedTradeSettlementLineMonetarySummation",
                    "LineTotalAmount",
                ],
            ),
            order_line_ref: self.t(agreement, &["BuyerOrderReferencedDocument", "LineID"]),
            accounting_ref: self.t(
                settlement,
                &["ReceivableSpecifiedTradeAccountingAccount", "ID"],
            ),
            period: self.period(self.k(settlement, "BillingSpecifiedPeriod")),
            allowances_charges: settlement
                .into_iter()
                .flat_map(|s| d.kids(s, Ram, "SpecifiedTradeAllowanceCharge"))
                .map(|a| self.allowance_charge(a))
                .collect(),
            price: Price {
                node: net,
                net: self.amount(net, &["ChargeAmount"]),
                discount: price_allowances.first().and_then(|a| a.amount),
                gross: self.amount(gross, &["ChargeAmount"]),
                base_quantity: num(d, self.k(net, "BasisQuantity"), "unitCode"),
                allowances: price_allowances,
            },
            vat_category: self.t(tax, &["CategoryCode"]),
            vat_rate: num(d, self.k(tax, "RateApplicablePercent"), ""),
            item_name: self.t(product, &["Name"]),
            item_description: self.t(product, &["Description"]),
            seller_item_id: self.t(product, &["SellerAssignedID"]),
            buyer_item_id: self.t(product, &["BuyerAssignedID"]),
            standard_id: id(d, self.k(product, "GlobalID")),
            classifications: product
                .into_iter()
                .flat_map(|p| d.kids(p, Ram, "DesignatedProductClassification"))
                .filter_map(|c| d.kid(c, Ram, "ClassCode"))
                .map(|c| Id {
                    value: d.text(c),
                    scheme: d.attr(c, "listID"),
                    node: c,
                })
                .collect(),
            origin_country: self.t(product, &["OriginTradeCountry", "ID"]),
        }
    }
}

fn rsm(d: &Doc<'_>, n: NodeId, name: &str) -> Option<NodeId> {
    d.kid(n, Ns::Rsm, name)
}

/// Map a CII CrossIndustryInvoice to the model.
pub fn map<'x>(d: &'x Doc<'_>) -> Invoice<'x> {
    let m = M { d };
    let r = d.root();
    let mut inv = Invoice {
        root: r,
        ..Invoice::default()
    };
    let ctx = rsm(d, r, "ExchangedDocumentContext");
    inv.customization_id = m.t(ctx, &["GuidelineSpecifiedDocumentContextParameter", "ID"]);
    inv.profile_id = m.t(
        ctx,
        &["BusinessProcessSpecifiedDocumentContextParameter", "ID"],
    );
    let ed = rsm(d, r, "ExchangedDocument");
    inv.number = m.t(ed, &["ID"]);
    inv.type_code = m.t(ed, &["TypeCode"]);
    inv.issue_date = m.date(ed, &["IssueDateTime"]);
    inv.notes = ed
        .into_iter()
        .flat_map(|e| d.kids(e, Ram, "IncludedNote"))
        .filter_map(|n| m.t(Some(n), &["Content"]))
        .collect();
    let tx = rsm(d, r, "SupplyChainTradeTransaction");
    let agr = m.k(tx, "ApplicableHeaderTradeAgreement");
    let del = m.k(tx, "ApplicableHeaderTradeDelivery");
    let set = m.k(tx, "ApplicableHeaderTradeSettlement");
    inv.buyer_reference = m.t(agr, &["BuyerReference"]);
    inv.seller = m.party(m.k(agr, "SellerTradeParty"));
    inv.buyer = m.party(m.k(agr, "BuyerTradeParty"));
    inv.tax_representative = m
        .k(agr, "SellerTaxRepresentativeTradeParty")
        .map(|p| m.party(Some(p)));
    inv.sales_order_ref = m.t(agr, &["SellerOrderReferencedDocument", "IssuerAssignedID"]);
    inv.order_ref = m.t(agr, &["BuyerOrderReferencedDocument", "IssuerAssignedID"]);
    inv.contract_ref = m.t(agr, &["ContractReferencedDocument", "IssuerAssignedID"]);
    inv.project_ref = m.t(agr, &["SpecifiedProcuringProject", "ID"]);
    for a in agr
        .into_iter()
        .flat_map(|a| d.kids(a, Ram, "AdditionalReferencedDocument"))
    {
        let type_code = m.t(Some(a), &["TypeCode"]);
        match type_code.map(|t| t.value) {
            Some("130") => {
                if inv.invoiced_object.is_none() {
                    inv.invoiced_object = id(d, d.kid(a, Ram, "IssuerAssignedID"));
                }
            }
            Some("50") => {
                if inv.tender_ref.is_none() {
                    inv.tender_ref = m.t(Some(a), &["IssuerAssignedID"]);
                }
            }
            _ => {
                let bin = d.kid(a, Ram, "AttachmentBinaryObject");
                inv.attachments.push(Attachment {
                    node: a,
                    id: m.t(Some(a), &["IssuerAssignedID"]),
                    type_code,
                    mime: bin.and_then(|b| d.attr(b, "mimeCode")),
                    filename: bin.and_then(|b| d.attr(b, "filename")),
                    uri: m.t(Some(a), &["URIID"]),
                    has_content: bin.is_some(),
                });
            }
        }
    }
    inv.delivery_node = del;
    inv.delivery_date = m.date(
        del,
        &["ActualDeliverySupplyChainEvent", "OccurrenceDateTime"],
    );
    inv.delivery_country = m.t(
        del,
        &["ShipToTradeParty", "PostalTradeAddress", "CountryID"],
    );
    inv.despatch_advice_ref = m.t(
        del,
        &["DespatchAdviceReferencedDocument", "IssuerAssignedID"],
    );
    inv.receiving_advice_ref = m.t(
        del,
        &["ReceivingAdviceReferencedDocument", "IssuerAssignedID"],
    );
    inv.currency = m.t(set, &["InvoiceCurrencyCode"]);
    inv.tax_currency = m.t(set, &["TaxCurrencyCode"]);
    inv.payee = m.k(set, "PayeeTradeParty").map(|p| m.party(Some(p)));
    let remittance = m.t(set, &["PaymentReference"]);
    let terms = m.k(set, "SpecifiedTradePaymentTerms");
    inv.payment_terms = m.t(terms, &["Description"]);
    inv.due_date = m.date(terms, &["DueDateDateTime"]);
    let mandate = m.t(terms, &["DirectDebitMandateID"]);
    for pm in set
        .into_iter()
        .flat_map(|s| d.kids(s, Ram, "SpecifiedTradeSettlementPaymentMeans"))
    {
        let p = Some(pm);
        let bic = m.t(p, &["PayeeSpecifiedCreditorFinancialInstitution", "BICID"]);
        inv.payment_means.push(PaymentMeans {
            node: pm,
            code: m.t(p, &["TypeCode"]),
            code_name: None,
            text: m.t(p, &["Information"]),
            remittance,
            accounts: d
                .kids(pm, Ram, "PayeePartyCreditorFinancialAccount")
                .map(|a| {
                    let acc = m
                        .t(Some(a), &["IBANID"])
                        .or_else(|| m.t(Some(a), &["ProprietaryID"]));
                    (acc, m.t(Some(a), &["AccountName"]), bic)
                })
                .collect(),
            card: m.t(p, &["ApplicableTradeSettlementFinancialCard", "ID"]),
            mandate,
            debited_account: m.t(p, &["PayerPartyDebtorFinancialAccount", "IBANID"]),
        });
    }
    for tax in set
        .into_iter()
        .flat_map(|s| d.kids(s, Ram, "ApplicableTradeTax"))
    {
        let t = Some(tax);
        if inv.tax_point_date.is_none() {
            inv.tax_point_date = m.date(t, &["TaxPointDate"]);
        }
        if inv.tax_point_date_code.is_none() {
            inv.tax_point_date_code = m.t(t, &["DueDateTypeCode"]);
        }
        inv.vat_breakdown.push(VatBreakdown {
            node: tax,
            taxable_amount: m.amount(t, &["BasisAmount"]),
            tax_amount: m.amount(t, &["CalculatedAmount"]),
            category: m.t(t, &["CategoryCode"]),
            rate: num(d, m.k(t, "RateApplicablePercent"), ""),
            exemption_reason: m.t(t, &["ExemptionReason"]),
            exemption_reason_code: m.t(t, &["ExemptionReasonCode"]),
        });
    }
    inv.period = m.period(m.k(set, "BillingSpecifiedPeriod"));
    inv.allowances_charges = set
        .into_iter()
        .flat_map(|s| d.kids(s, Ram, "SpecifiedTradeAllowanceCharge"))
        .map(|a| m.allowance_charge(a))
        .collect();
    let sum = m.k(set, "SpecifiedTradeSettlementHeaderMonetarySummation");
    inv.totals.node = sum;
    inv.totals.line_net = m.amount(sum, &["LineTotalAmount"]);
    inv.totals.charges = m.amount(sum, &["ChargeTotalAmount"]);
    inv.totals.allowances = m.amount(sum, &["AllowanceTotalAmount"]);
    inv.totals.without_vat = m.amount(sum, &["TaxBasisTotalAmount"]);
    inv.totals.with_vat = m.amount(sum, &["GrandTotalAmount"]);
    inv.totals.prepaid = m.amount(sum, &["TotalPrepaidAmount"]);
    inv.totals.rounding = m.amount(sum, &["RoundingAmount"]);
    inv.totals.payable = m.amount(sum, &["DuePayableAmount"]);
    let cur = inv.currency.map(|c| c.value);
    let tcur = inv.tax_currency.map(|c| c.value);
    for tt in sum
        .into_iter()
        .flat_map(|s| d.kids(s, Ram, "TaxTotalAmount"))
    {
        if let Some(a) = num(d, Some(tt), "currencyID") {
            inv.tax_totals.push(a);
            if (a.unit == cur || a.unit.is_none()) && inv.totals.vat.is_none() {
                inv.totals.vat = Some(a);
            } else if tcur.is_some() && a.unit == tcur && inv.totals.vat_accounting.is_none() {
                inv.totals.vat_accounting = Some(a);
            }
        }
    }
    inv.preceding_invoices = set
        .into_iter()
        .flat_map(|s| d.kids(s, Ram, "InvoiceReferencedDocument"))
        .map(|i| {
            (
                m.t(Some(i), &["IssuerAssignedID"]),
                m.date(Some(i), &["FormattedIssueDateTime"]),
            )
        })
        .collect();
    inv.accounting_ref = m.t(set, &["ReceivableSpecifiedTradeAccountingAccount", "ID"]);
    inv.lines = tx
        .into_iter()
        .flat_map(|t| d.kids(t, Ram, "IncludedSupplyChainTradeLineItem"))
        .map(|l| m.line(l))
        .collect();
    let _ = Rsm;
    inv
}
