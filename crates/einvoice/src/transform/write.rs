//! Writing [`Semantic`] as UBL 2.1 or CII D16B, elements in schema order.

use super::*;

/// Minimal XML writer: escapes text and attributes, skips absent optional values.
struct W {
    out: String,
    depth: usize,
}

fn escape(s: &str, out: &mut String, attr: bool) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attr => out.push_str("&quot;"),
            '\n' if attr => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' if attr => out.push_str("&#9;"),
            c => out.push(c),
        }
    }
}

impl W {
    fn new() -> W {
        W {
            out: String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"),
            depth: 0,
        }
    }
    fn indent(&mut self) {
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
    }
    fn open_attrs(&mut self, name: &str, attrs: &[(&str, Option<&str>)]) {
        self.indent();
        self.out.push('<');
        self.out.push_str(name);
        for (k, v) in attrs {
            if let Some(v) = v {
                self.out.push(' ');
                self.out.push_str(k);
                self.out.push_str("=\"");
                escape(v, &mut self.out, true);
                self.out.push('"');
            }
        }
    }
    fn open(&mut self, name: &str) {
        self.open_attrs(name, &[]);
        self.out.push_str(">\n");
        self.depth += 1;
    }
    fn close(&mut self, name: &str) {
        self.depth = self.depth.saturating_sub(1);
        self.indent();
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push_str(">\n");
    }
    /// `<name attrs>value</name>` when `value` is present.
    fn leaf_a(&mut self, name: &str, value: Option<&str>, attrs: &[(&str, Option<&str>)]) {
        let Some(v) = value else { return };
        self.open_attrs(name, attrs);
        self.out.push('>');
        escape(v, &mut self.out, false);
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push_str(">\n");
    }
    fn leaf(&mut self, name: &str, value: Option<&str>) {
        self.leaf_a(name, value, &[]);
    }
}

fn o(s: &Option<String>) -> Option<&str> {
    s.as_deref()
}

/// `YYYY-MM-DD` to `YYYYMMDD` (anything else is kept as written).
fn to_102(s: &str) -> String {
    let b = s.as_bytes();
    if b.len() == 10 && b[4] == b'-' && b[7] == b'-' {
        format!("{}{}{}", &s[..4], &s[5..7], &s[8..])
    } else {
        s.to_string()
    }
}

/// BT-8 is UNTDID 2005 in UBL (3, 35, 432) and UNTDID 2475 in CII (5, 29, 72).
fn tax_point_code(code: &Option<String>, to_cii: bool) -> Option<String> {
    const PAIRS: [(&str, &str); 3] = [("3", "5"), ("35", "29"), ("432", "72")];
    code.as_deref().map(|c| {
        PAIRS
            .iter()
            .find(|(u, k)| if to_cii { *u == c } else { *k == c })
            .map_or(c, |(u, k)| if to_cii { k } else { u })
            .to_string()
    })
}

fn looks_like_iban(s: &str) -> bool {
    let b: Vec<u8> = s.bytes().filter(|c| !c.is_ascii_whitespace()).collect();
    b.len() >= 15
        && b.len() <= 34
        && b[0].is_ascii_uppercase()
        && b[1].is_ascii_uppercase()
        && b[2].is_ascii_digit()
        && b[3].is_ascii_digit()
        && b.iter().all(u8::is_ascii_alphanumeric)
}

// ---------------------------------------------------------------- UBL

const UBL_INV: &str = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2";
const UBL_CN: &str = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2";
const CAC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2";
const CBC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2";

struct Ubl<'s> {
    w: W,
    cur: Option<&'s str>,
}

impl<'s> Ubl<'s> {
    fn amount(&mut self, name: &str, v: Option<&str>) {
        let cur = self.cur;
        self.w.leaf_a(name, v, &[("currencyID", cur)]);
    }

    fn address(&mut self, tag: &str, a: &Option<Address>) {
        let Some(a) = a else { return };
        self.w.open(tag);
        self.w.leaf("cbc:StreetName", o(&a.line1));
        self.w.leaf("cbc:AdditionalStreetName", o(&a.line2));
        self.w.leaf("cbc:CityName", o(&a.city));
        self.w.leaf("cbc:PostalZone", o(&a.zip));
        self.w.leaf("cbc:CountrySubentity", o(&a.subdivision));
        if a.line3.is_some() {
            self.w.open("cac:AddressLine");
            self.w.leaf("cbc:Line", o(&a.line3));
            self.w.close("cac:AddressLine");
        }
        if a.country.is_some() {
            self.w.open("cac:Country");
            self.w.leaf("cbc:IdentificationCode", o(&a.country));
            self.w.close("cac:Country");
        }
        self.w.close(tag);
    }

    fn tax_scheme(&mut self, id: &str) {
        self.w.open("cac:TaxScheme");
        self.w.leaf("cbc:ID", Some(id));
        self.w.close("cac:TaxScheme");
    }

    fn id_group(&mut self, tag: &str, id: &Ident) {
        self.w.open(tag);
        self.w
            .leaf_a("cbc:ID", Some(&id.0), &[("schemeID", o(&id.1))]);
        self.w.close(tag);
    }

    /// Seller and buyer (`full`), or payee / tax representative (name as PartyName).
    fn party(&mut self, p: &Party, full: bool, sepa: Option<&str>) {
        self.w.open("cac:Party");
        if let Some(e) = &p.endpoint {
            self.w
                .leaf_a("cbc:EndpointID", Some(&e.0), &[("schemeID", o(&e.1))]);
        }
        for id in &p.ids {
            self.id_group("cac:PartyIdentification", id);
        }
        if let Some(c) = sepa {
            self.id_group(
                "cac:PartyIdentification",
                &(c.to_string(), Some("SEPA".to_string())),
            );
        }
        let party_name = if full { &p.trading_name } else { &p.name };
        if party_name.is_some() {
            self.w.open("cac:PartyName");
            self.w.leaf("cbc:Name", o(party_name));
            self.w.close("cac:PartyName");
        }
        self.address("cac:PostalAddress", &p.address);
        if let Some(v) = &p.vat_id {
            self.w.open("cac:PartyTaxScheme");
            self.w.leaf("cbc:CompanyID", Some(v));
            self.tax_scheme("VAT");
            self.w.close("cac:PartyTaxScheme");
        }
        if let Some(v) = &p.tax_reg_id {
            self.w.open("cac:PartyTaxScheme");
            self.w.leaf("cbc:CompanyID", Some(v));
            self.tax_scheme("TAX");
            self.w.close("cac:PartyTaxScheme");
        }
        let legal_name = if full { &p.name } else { &None };
        if legal_name.is_some() || p.legal_id.is_some() || p.legal_info.is_some() {
            self.w.open("cac:PartyLegalEntity");
            self.w.leaf("cbc:RegistrationName", o(legal_name));
            if let Some(l) = &p.legal_id {
                self.w
                    .leaf_a("cbc:CompanyID", Some(&l.0), &[("schemeID", o(&l.1))]);
            }
            self.w.leaf("cbc:CompanyLegalForm", o(&p.legal_info));
            self.w.close("cac:PartyLegalEntity");
        }
        if let Some(c) = &p.contact {
            self.w.open("cac:Contact");
            self.w.leaf("cbc:Name", o(&c.name));
            self.w.leaf("cbc:Telephone", o(&c.phone));
            self.w.leaf("cbc:ElectronicMail", o(&c.email));
            self.w.close("cac:Contact");
        }
        self.w.close("cac:Party");
    }

    fn category(&mut self, tag: &str, cat: &Option<String>, rate: &Option<String>) {
        self.w.open(tag);
        self.w.leaf("cbc:ID", o(cat));
        self.w.leaf("cbc:Percent", o(rate));
        self.tax_scheme("VAT");
        self.w.close(tag);
    }

    fn allowance_charge(&mut self, a: &AllowanceCharge, with_tax: bool) {
        self.w.open("cac:AllowanceCharge");
        self.w.leaf(
            "cbc:ChargeIndicator",
            Some(if a.charge { "true" } else { "false" }),
        );
        self.w
            .leaf("cbc:AllowanceChargeReasonCode", o(&a.reason_code));
        self.w.leaf("cbc:AllowanceChargeReason", o(&a.reason));
        self.w.leaf("cbc:MultiplierFactorNumeric", o(&a.percent));
        self.amount("cbc:Amount", o(&a.amount));
        self.amount("cbc:BaseAmount", o(&a.base));
        if with_tax && (a.category.is_some() || a.rate.is_some()) {
            self.category("cac:TaxCategory", &a.category, &a.rate);
        }
        self.w.close("cac:AllowanceCharge");
    }

    fn doc_ref(&mut self, tag: &str, id: &Option<String>) {
        if id.is_some() {
            self.w.open(tag);
            self.w.leaf("cbc:ID", o(id));
            self.w.close(tag);
        }
    }
}

pub(crate) fn ubl(s: &Semantic, credit_source: bool) -> String {
    let credit = credit_source
        || s.type_code
            .as_deref()
            .is_some_and(|t| CREDIT_NOTE_CODES.contains(&t));
    let (root, line_tag, qty_tag) = if credit {
        ("CreditNote", "cac:CreditNoteLine", "cbc:CreditedQuantity")
    } else {
        ("Invoice", "cac:InvoiceLine", "cbc:InvoicedQuantity")
    };
    let mut u = Ubl {
        w: W::new(),
        cur: s.currency.as_deref(),
    };
    u.w.out.push_str(&format!(
        "<{root} xmlns=\"{}\" xmlns:cac=\"{CAC}\" xmlns:cbc=\"{CBC}\">\n",
        if credit { UBL_CN } else { UBL_INV }
    ));
    u.w.depth = 1;
    u.w.leaf("cbc:CustomizationID", o(&s.customization));
    u.w.leaf("cbc:ProfileID", o(&s.profile));
    u.w.leaf("cbc:ID", o(&s.number));
    u.w.leaf("cbc:IssueDate", o(&s.issue_date));
    if credit {
        u.w.leaf("cbc:TaxPointDate", o(&s.tax_point_date));
        u.w.leaf("cbc:CreditNoteTypeCode", o(&s.type_code));
    } else {
        u.w.leaf("cbc:DueDate", o(&s.due_date));
        u.w.leaf("cbc:InvoiceTypeCode", o(&s.type_code));
    }
    for (subject, text) in &s.notes {
        let note = match subject {
            Some(c) => format!("#{c}#{text}"),
            None => text.clone(),
        };
        u.w.leaf("cbc:Note", Some(&note));
    }
    if !credit {
        u.w.leaf("cbc:TaxPointDate", o(&s.tax_point_date));
    }
    u.w.leaf("cbc:DocumentCurrencyCode", o(&s.currency));
    u.w.leaf("cbc:TaxCurrencyCode", o(&s.tax_currency));
    u.w.leaf("cbc:AccountingCost", o(&s.accounting));
    u.w.leaf("cbc:BuyerReference", o(&s.buyer_reference));
    if s.period.is_some() || s.tax_point_code.is_some() {
        u.w.open("cac:InvoicePeriod");
        if let Some((a, b)) = &s.period {
            u.w.leaf("cbc:StartDate", o(a));
            u.w.leaf("cbc:EndDate", o(b));
        }
        u.w.leaf(
            "cbc:DescriptionCode",
            o(&tax_point_code(&s.tax_point_code, false)),
        );
        u.w.close("cac:InvoicePeriod");
    }
    if s.order.is_some() || s.sales_order.is_some() {
        u.w.open("cac:OrderReference");
        // cbc:ID is mandatory in UBL; "NA" marks a sales order without purchase order.
        u.w.leaf(
            "cbc:ID",
            Some(s.order.as_deref().unwrap_or(ORDER_PLACEHOLDER)),
        );
        u.w.leaf("cbc:SalesOrderID", o(&s.sales_order));
        u.w.close("cac:OrderReference");
    }
    for (id, date) in &s.preceding {
        u.w.open("cac:BillingReference");
        u.w.open("cac:InvoiceDocumentReference");
        u.w.leaf("cbc:ID", o(id));
        u.w.leaf("cbc:IssueDate", o(date));
        u.w.close("cac:InvoiceDocumentReference");
        u.w.close("cac:BillingReference");
    }
    u.doc_ref("cac:DespatchDocumentReference", &s.despatch_advice);
    u.doc_ref("cac:ReceiptDocumentReference", &s.receiving_advice);
    if !credit {
        u.doc_ref("cac:OriginatorDocumentReference", &s.tender);
    }
    u.doc_ref("cac:ContractDocumentReference", &s.contract);
    if let Some((id, scheme)) = &s.invoiced_object {
        u.w.open("cac:AdditionalDocumentReference");
        u.w.leaf_a("cbc:ID", Some(id), &[("schemeID", o(scheme))]);
        u.w.leaf("cbc:DocumentTypeCode", Some("130"));
        u.w.close("cac:AdditionalDocumentReference");
    }
    if credit && s.project.is_some() {
        u.w.open("cac:AdditionalDocumentReference");
        u.w.leaf("cbc:ID", o(&s.project));
        u.w.leaf("cbc:DocumentTypeCode", Some("50"));
        u.w.close("cac:AdditionalDocumentReference");
    }
    for a in &s.attachments {
        u.w.open("cac:AdditionalDocumentReference");
        u.w.leaf("cbc:ID", o(&a.id));
        u.w.leaf("cbc:DocumentDescription", o(&a.description));
        if a.binary.is_some() || a.uri.is_some() {
            u.w.open("cac:Attachment");
            if let Some((content, mime, file)) = &a.binary {
                u.w.leaf_a(
                    "cbc:EmbeddedDocumentBinaryObject",
                    Some(content),
                    &[("mimeCode", o(mime)), ("filename", o(file))],
                );
            }
            if a.uri.is_some() {
                u.w.open("cac:ExternalReference");
                u.w.leaf("cbc:URI", o(&a.uri));
                u.w.close("cac:ExternalReference");
            }
            u.w.close("cac:Attachment");
        }
        u.w.close("cac:AdditionalDocumentReference");
    }
    if credit {
        u.doc_ref("cac:OriginatorDocumentReference", &s.tender);
    } else {
        u.doc_ref("cac:ProjectReference", &s.project);
    }
    // BT-90 goes with the payee when there is one, else with the seller.
    let sepa = s.creditor_id.as_deref();
    u.w.open("cac:AccountingSupplierParty");
    u.party(&s.seller, true, if s.payee.is_none() { sepa } else { None });
    u.w.close("cac:AccountingSupplierParty");
    u.w.open("cac:AccountingCustomerParty");
    u.party(&s.buyer, true, None);
    u.w.close("cac:AccountingCustomerParty");
    if let Some(p) = &s.payee {
        // PayeeParty is a cac:Party itself: write its content under that name.
        let mut inner = Ubl {
            w: W {
                out: String::new(),
                depth: u.w.depth,
            },
            cur: u.cur,
        };
        inner.party(p, false, sepa);
        u.w.out
            .push_str(&inner.w.out.replace("cac:Party>", "cac:PayeeParty>"));
    }
    if let Some(p) = &s.tax_representative {
        let mut inner = Ubl {
            w: W {
                out: String::new(),
                depth: u.w.depth,
            },
            cur: u.cur,
        };
        inner.party(p, false, None);
        u.w.out.push_str(
            &inner
                .w
                .out
                .replace("cac:Party>", "cac:TaxRepresentativeParty>"),
        );
    }
    if let Some(d) = &s.delivery {
        u.w.open("cac:Delivery");
        u.w.leaf("cbc:ActualDeliveryDate", o(&d.date));
        if d.location.is_some() || d.address.is_some() {
            u.w.open("cac:DeliveryLocation");
            if let Some((id, scheme)) = &d.location {
                u.w.leaf_a("cbc:ID", Some(id), &[("schemeID", o(scheme))]);
            }
            u.address("cac:Address", &d.address);
            u.w.close("cac:DeliveryLocation");
        }
        if d.name.is_some() {
            u.w.open("cac:DeliveryParty");
            u.w.open("cac:PartyName");
            u.w.leaf("cbc:Name", o(&d.name));
            u.w.close("cac:PartyName");
            u.w.close("cac:DeliveryParty");
        }
        u.w.close("cac:Delivery");
    }
    for (i, pm) in s.payment_means.iter().enumerate() {
        u.w.open("cac:PaymentMeans");
        u.w.leaf_a(
            "cbc:PaymentMeansCode",
            Some(pm.code.as_deref().unwrap_or("1")),
            &[("name", o(&pm.text))],
        );
        if credit && i == 0 {
            u.w.leaf("cbc:PaymentDueDate", o(&s.due_date));
        }
        u.w.leaf("cbc:PaymentID", o(&pm.remittance));
        if let Some((pan, holder)) = &pm.card {
            u.w.open("cac:CardAccount");
            u.w.leaf("cbc:PrimaryAccountNumberID", o(pan));
            u.w.leaf("cbc:NetworkID", Some(CARD_NETWORK_PLACEHOLDER));
            u.w.leaf("cbc:HolderName", o(holder));
            u.w.close("cac:CardAccount");
        }
        if let Some((id, name, branch)) = &pm.account {
            u.w.open("cac:PayeeFinancialAccount");
            u.w.leaf("cbc:ID", o(id));
            u.w.leaf("cbc:Name", o(name));
            if branch.is_some() {
                u.w.open("cac:FinancialInstitutionBranch");
                u.w.leaf("cbc:ID", o(branch));
                u.w.close("cac:FinancialInstitutionBranch");
            }
            u.w.close("cac:PayeeFinancialAccount");
        }
        if let Some((id, debited)) = &pm.mandate {
            u.w.open("cac:PaymentMandate");
            u.w.leaf("cbc:ID", o(id));
            if debited.is_some() {
                u.w.open("cac:PayerFinancialAccount");
                u.w.leaf("cbc:ID", o(debited));
                u.w.close("cac:PayerFinancialAccount");
            }
            u.w.close("cac:PaymentMandate");
        }
        u.w.close("cac:PaymentMeans");
    }
    if credit && s.payment_means.is_empty() && s.due_date.is_some() {
        // A credit note keeps its due date in a payment means without a code.
        u.w.open("cac:PaymentMeans");
        u.w.leaf("cbc:PaymentMeansCode", Some("1"));
        u.w.leaf("cbc:PaymentDueDate", o(&s.due_date));
        u.w.close("cac:PaymentMeans");
    }
    if s.payment_terms.is_some() {
        u.w.open("cac:PaymentTerms");
        u.w.leaf("cbc:Note", o(&s.payment_terms));
        u.w.close("cac:PaymentTerms");
    }
    for a in &s.allowances_charges {
        u.allowance_charge(a, true);
    }
    u.w.open("cac:TaxTotal");
    u.amount(
        "cbc:TaxAmount",
        Some(s.totals.vat.as_deref().unwrap_or("0.00")),
    );
    for v in &s.vat_breakdown {
        u.w.open("cac:TaxSubtotal");
        u.amount("cbc:TaxableAmount", o(&v.taxable));
        u.amount("cbc:TaxAmount", o(&v.tax));
        u.w.open("cac:TaxCategory");
        u.w.leaf("cbc:ID", o(&v.category));
        u.w.leaf("cbc:Percent", o(&v.rate));
        u.w.leaf("cbc:TaxExemptionReasonCode", o(&v.exemption_code));
        u.w.leaf("cbc:TaxExemptionReason", o(&v.exemption_reason));
        u.tax_scheme("VAT");
        u.w.close("cac:TaxCategory");
        u.w.close("cac:TaxSubtotal");
    }
    u.w.close("cac:TaxTotal");
    if let Some(v) = &s.totals.vat_accounting {
        u.w.open("cac:TaxTotal");
        let tcur = s.tax_currency.as_deref();
        u.w.leaf_a("cbc:TaxAmount", Some(v), &[("currencyID", tcur)]);
        u.w.close("cac:TaxTotal");
    }
    let t = &s.totals;
    u.w.open("cac:LegalMonetaryTotal");
    u.amount("cbc:LineExtensionAmount", o(&t.line_net));
    u.amount("cbc:TaxExclusiveAmount", o(&t.without_vat));
    u.amount("cbc:TaxInclusiveAmount", o(&t.with_vat));
    u.amount("cbc:AllowanceTotalAmount", o(&t.allowances));
    u.amount("cbc:ChargeTotalAmount", o(&t.charges));
    u.amount("cbc:PrepaidAmount", o(&t.prepaid));
    u.amount("cbc:PayableRoundingAmount", o(&t.rounding));
    u.amount("cbc:PayableAmount", o(&t.payable));
    u.w.close("cac:LegalMonetaryTotal");
    for l in &s.lines {
        u.w.open(line_tag);
        u.w.leaf("cbc:ID", o(&l.id));
        u.w.leaf("cbc:Note", o(&l.note));
        u.w.leaf_a(qty_tag, o(&l.quantity), &[("unitCode", o(&l.unit))]);
        u.amount("cbc:LineExtensionAmount", o(&l.net));
        u.w.leaf("cbc:AccountingCost", o(&l.accounting));
        if l.start.is_some() || l.end.is_some() {
            u.w.open("cac:InvoicePeriod");
            u.w.leaf("cbc:StartDate", o(&l.start));
            u.w.leaf("cbc:EndDate", o(&l.end));
            u.w.close("cac:InvoicePeriod");
        }
        if l.order_line.is_some() {
            u.w.open("cac:OrderLineReference");
            u.w.leaf("cbc:LineID", o(&l.order_line));
            u.w.close("cac:OrderLineReference");
        }
        if let Some((id, scheme)) = &l.object {
            u.w.open("cac:DocumentReference");
            u.w.leaf_a("cbc:ID", Some(id), &[("schemeID", o(scheme))]);
            u.w.leaf("cbc:DocumentTypeCode", Some("130"));
            u.w.close("cac:DocumentReference");
        }
        for a in &l.allowances_charges {
            u.allowance_charge(a, false);
        }
        u.w.open("cac:Item");
        u.w.leaf("cbc:Description", o(&l.description));
        u.w.leaf("cbc:Name", o(&l.name));
        if l.buyer_id.is_some() {
            u.w.open("cac:BuyersItemIdentification");
            u.w.leaf("cbc:ID", o(&l.buyer_id));
            u.w.close("cac:BuyersItemIdentification");
        }
        if l.seller_id.is_some() {
            u.w.open("cac:SellersItemIdentification");
            u.w.leaf("cbc:ID", o(&l.seller_id));
            u.w.close("cac:SellersItemIdentification");
        }
        if let Some(id) = &l.standard_id {
            u.id_group("cac:StandardItemIdentification", id);
        }
        if l.origin.is_some() {
            u.w.open("cac:OriginCountry");
            u.w.leaf("cbc:IdentificationCode", o(&l.origin));
            u.w.close("cac:OriginCountry");
        }
        for (code, list, version) in &l.classifications {
            u.w.open("cac:CommodityClassification");
            u.w.leaf_a(
                "cbc:ItemClassificationCode",
                Some(code),
                &[("listID", o(list)), ("listVersionID", o(version))],
            );
            u.w.close("cac:CommodityClassification");
        }
        u.category("cac:ClassifiedTaxCategory", &l.category, &l.rate);
        for (name, value) in &l.attributes {
            u.w.open("cac:AdditionalItemProperty");
            u.w.leaf("cbc:Name", Some(name));
            u.w.leaf("cbc:Value", Some(value));
            u.w.close("cac:AdditionalItemProperty");
        }
        u.w.close("cac:Item");
        u.w.open("cac:Price");
        u.amount("cbc:PriceAmount", o(&l.price));
        u.w.leaf_a(
            "cbc:BaseQuantity",
            o(&l.base_quantity),
            &[("unitCode", o(&l.base_unit))],
        );
        if l.discount.is_some() || l.gross.is_some() {
            u.allowance_charge(
                &AllowanceCharge {
                    charge: false,
                    amount: l.discount.clone().or_else(|| Some("0.00".into())),
                    base: l.gross.clone(),
                    ..AllowanceCharge::default()
                },
                false,
            );
        }
        u.w.close("cac:Price");
        u.w.close(line_tag);
    }
    u.w.depth = 0;
    u.w.out.push_str(&format!("</{root}>\n"));
    u.w.out
}

// ---------------------------------------------------------------- CII

const RSM: &str = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100";
const RAM: &str =
    "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100";
const QDT: &str = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100";
const UDT: &str = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100";

struct Cii<'s> {
    w: W,
    cur: Option<&'s str>,
}

impl Cii<'_> {
    fn amount(&mut self, name: &str, v: Option<&str>) {
        self.w.leaf(name, v);
    }
    fn date(&mut self, tag: &str, inner: &str, v: Option<&str>) {
        let Some(v) = v else { return };
        self.w.open(tag);
        self.w
            .leaf_a(inner, Some(&to_102(v)), &[("format", Some("102"))]);
        self.w.close(tag);
    }
    fn id_doc(&mut self, tag: &str, id: &Option<String>) {
        if id.is_some() {
            self.w.open(tag);
            self.w.leaf("ram:IssuerAssignedID", o(id));
            self.w.close(tag);
        }
    }
    fn address(&mut self, a: &Option<Address>) {
        let Some(a) = a else { return };
        self.w.open("ram:PostalTradeAddress");
        self.w.leaf("ram:PostcodeCode", o(&a.zip));
        self.w.leaf("ram:LineOne", o(&a.line1));
        self.w.leaf("ram:LineTwo", o(&a.line2));
        self.w.leaf("ram:LineThree", o(&a.line3));
        self.w.leaf("ram:CityName", o(&a.city));
        self.w.leaf("ram:CountryID", o(&a.country));
        self.w.leaf("ram:CountrySubDivisionName", o(&a.subdivision));
        self.w.close("ram:PostalTradeAddress");
    }
    fn party(&mut self, tag: &str, p: &Party) {
        self.w.open(tag);
        for (id, scheme) in &p.ids {
            if scheme.is_none() {
                self.w.leaf("ram:ID", Some(id));
            }
        }
        for (id, scheme) in &p.ids {
            if scheme.is_some() {
                self.w
                    .leaf_a("ram:GlobalID", Some(id), &[("schemeID", o(scheme))]);
            }
        }
        self.w.leaf("ram:Name", o(&p.name));
        self.w.leaf("ram:Description", o(&p.legal_info));
        if p.legal_id.is_some() || p.trading_name.is_some() {
            self.w.open("ram:SpecifiedLegalOrganization");
            if let Some((id, scheme)) = &p.legal_id {
                self.w
                    .leaf_a("ram:ID", Some(id), &[("schemeID", o(scheme))]);
            }
            self.w.leaf("ram:TradingBusinessName", o(&p.trading_name));
            self.w.close("ram:SpecifiedLegalOrganization");
        }
        if let Some(c) = &p.contact {
            self.w.open("ram:DefinedTradeContact");
            self.w.leaf("ram:PersonName", o(&c.name));
            if c.phone.is_some() {
                self.w.open("ram:TelephoneUniversalCommunication");
                self.w.leaf("ram:CompleteNumber", o(&c.phone));
                self.w.close("ram:TelephoneUniversalCommunication");
            }
            if c.email.is_some() {
                self.w.open("ram:EmailURIUniversalCommunication");
                self.w.leaf("ram:URIID", o(&c.email));
                self.w.close("ram:EmailURIUniversalCommunication");
            }
            self.w.close("ram:DefinedTradeContact");
        }
        self.address(&p.address);
        if let Some((id, scheme)) = &p.endpoint {
            self.w.open("ram:URIUniversalCommunication");
            self.w
                .leaf_a("ram:URIID", Some(id), &[("schemeID", o(scheme))]);
            self.w.close("ram:URIUniversalCommunication");
        }
        for (v, scheme) in [(&p.vat_id, "VA"), (&p.tax_reg_id, "FC")] {
            if v.is_some() {
                self.w.open("ram:SpecifiedTaxRegistration");
                self.w.leaf_a("ram:ID", o(v), &[("schemeID", Some(scheme))]);
                self.w.close("ram:SpecifiedTaxRegistration");
            }
        }
        self.w.close(tag);
    }
    fn allowance_charge(&mut self, tag: &str, a: &AllowanceCharge, with_tax: bool) {
        self.w.open(tag);
        self.w.open("ram:ChargeIndicator");
        self.w.leaf(
            "udt:Indicator",
            Some(if a.charge { "true" } else { "false" }),
        );
        self.w.close("ram:ChargeIndicator");
        self.w.leaf("ram:CalculationPercent", o(&a.percent));
        self.amount("ram:BasisAmount", o(&a.base));
        self.amount("ram:ActualAmount", o(&a.amount));
        self.w.leaf("ram:ReasonCode", o(&a.reason_code));
        self.w.leaf("ram:Reason", o(&a.reason));
        if with_tax && (a.category.is_some() || a.rate.is_some()) {
            self.w.open("ram:CategoryTradeTax");
            self.w.leaf("ram:TypeCode", Some("VAT"));
            self.w.leaf("ram:CategoryCode", o(&a.category));
            self.w.leaf("ram:RateApplicablePercent", o(&a.rate));
            self.w.close("ram:CategoryTradeTax");
        }
        self.w.close(tag);
    }
    fn period(&mut self, start: &Option<String>, end: &Option<String>) {
        if start.is_none() && end.is_none() {
            return;
        }
        self.w.open("ram:BillingSpecifiedPeriod");
        self.date("ram:StartDateTime", "udt:DateTimeString", o(start));
        self.date("ram:EndDateTime", "udt:DateTimeString", o(end));
        self.w.close("ram:BillingSpecifiedPeriod");
    }
}

pub(crate) fn cii(s: &Semantic) -> String {
    let mut c = Cii {
        w: W::new(),
        cur: s.currency.as_deref(),
    };
    c.w.out.push_str(&format!(
        "<rsm:CrossIndustryInvoice xmlns:rsm=\"{RSM}\" xmlns:ram=\"{RAM}\" xmlns:qdt=\"{QDT}\" xmlns:udt=\"{UDT}\">\n"
    ));
    c.w.depth = 1;
    c.w.open("rsm:ExchangedDocumentContext");
    if s.profile.is_some() {
        c.w.open("ram:BusinessProcessSpecifiedDocumentContextParameter");
        c.w.leaf("ram:ID", o(&s.profile));
        c.w.close("ram:BusinessProcessSpecifiedDocumentContextParameter");
    }
    c.w.open("ram:GuidelineSpecifiedDocumentContextParameter");
    c.w.leaf("ram:ID", o(&s.customization));
    c.w.close("ram:GuidelineSpecifiedDocumentContextParameter");
    c.w.close("rsm:ExchangedDocumentContext");

    c.w.open("rsm:ExchangedDocument");
    c.w.leaf("ram:ID", o(&s.number));
    c.w.leaf("ram:TypeCode", o(&s.type_code));
    c.date("ram:IssueDateTime", "udt:DateTimeString", o(&s.issue_date));
    for (subject, text) in &s.notes {
        c.w.open("ram:IncludedNote");
        c.w.leaf("ram:Content", Some(text));
        c.w.leaf("ram:SubjectCode", o(subject));
        c.w.close("ram:IncludedNote");
    }
    c.w.close("rsm:ExchangedDocument");

    c.w.open("rsm:SupplyChainTradeTransaction");
    for l in &s.lines {
        c.w.open("ram:IncludedSupplyChainTradeLineItem");
        c.w.open("ram:AssociatedDocumentLineDocument");
        c.w.leaf("ram:LineID", o(&l.id));
        if l.note.is_some() {
            c.w.open("ram:IncludedNote");
            c.w.leaf("ram:Content", o(&l.note));
            c.w.close("ram:IncludedNote");
        }
        c.w.close("ram:AssociatedDocumentLineDocument");
        c.w.open("ram:SpecifiedTradeProduct");
        if let Some((id, scheme)) = &l.standard_id {
            c.w.leaf_a("ram:GlobalID", Some(id), &[("schemeID", o(scheme))]);
        }
        c.w.leaf("ram:SellerAssignedID", o(&l.seller_id));
        c.w.leaf("ram:BuyerAssignedID", o(&l.buyer_id));
        c.w.leaf("ram:Name", o(&l.name));
        c.w.leaf("ram:Description", o(&l.description));
        for (name, value) in &l.attributes {
            c.w.open("ram:ApplicableProductCharacteristic");
            c.w.leaf("ram:Description", Some(name));
            c.w.leaf("ram:Value", Some(value));
            c.w.close("ram:ApplicableProductCharacteristic");
        }
        for (code, list, version) in &l.classifications {
            c.w.open("ram:DesignatedProductClassification");
            c.w.leaf_a(
                "ram:ClassCode",
                Some(code),
                &[("listID", o(list)), ("listVersionID", o(version))],
            );
            c.w.close("ram:DesignatedProductClassification");
        }
        if l.origin.is_some() {
            c.w.open("ram:OriginTradeCountry");
            c.w.leaf("ram:ID", o(&l.origin));
            c.w.close("ram:OriginTradeCountry");
        }
        c.w.close("ram:SpecifiedTradeProduct");
        c.w.open("ram:SpecifiedLineTradeAgreement");
        if l.order_line.is_some() {
            c.w.open("ram:BuyerOrderReferencedDocument");
            c.w.leaf("ram:LineID", o(&l.order_line));
            c.w.close("ram:BuyerOrderReferencedDocument");
        }
        if l.gross.is_some() || l.discount.is_some() {
            c.w.open("ram:GrossPriceProductTradePrice");
            c.amount("ram:ChargeAmount", o(&l.gross));
            if l.discount.is_some() {
                c.allowance_charge(
                    "ram:AppliedTradeAllowanceCharge",
                    &AllowanceCharge {
                        charge: false,
                        amount: l.discount.clone(),
                        ..AllowanceCharge::default()
                    },
                    false,
                );
            }
            c.w.close("ram:GrossPriceProductTradePrice");
        }
        c.w.open("ram:NetPriceProductTradePrice");
        c.amount("ram:ChargeAmount", o(&l.price));
        // BT-149/BT-150 bind to the net price only.
        c.w.leaf_a(
            "ram:BasisQuantity",
            o(&l.base_quantity),
            &[("unitCode", o(&l.base_unit))],
        );
        c.w.close("ram:NetPriceProductTradePrice");
        c.w.close("ram:SpecifiedLineTradeAgreement");
        c.w.open("ram:SpecifiedLineTradeDelivery");
        c.w.leaf_a(
            "ram:BilledQuantity",
            o(&l.quantity),
            &[("unitCode", o(&l.unit))],
        );
        c.w.close("ram:SpecifiedLineTradeDelivery");
        c.w.open("ram:SpecifiedLineTradeSettlement");
        c.w.open("ram:ApplicableTradeTax");
        c.w.leaf("ram:TypeCode", Some("VAT"));
        c.w.leaf("ram:CategoryCode", o(&l.category));
        c.w.leaf("ram:RateApplicablePercent", o(&l.rate));
        c.w.close("ram:ApplicableTradeTax");
        c.period(&l.start, &l.end);
        for a in &l.allowances_charges {
            c.allowance_charge("ram:SpecifiedTradeAllowanceCharge", a, false);
        }
        c.w.open("ram:SpecifiedTradeSettlementLineMonetarySummation");
        c.amount("ram:LineTotalAmount", o(&l.net));
        c.w.close("ram:SpecifiedTradeSettlementLineMonetarySummation");
        if let Some((id, scheme)) = &l.object {
            c.w.open("ram:AdditionalReferencedDocument");
            c.w.leaf("ram:IssuerAssignedID", Some(id));
            c.w.leaf("ram:TypeCode", Some("130"));
            c.w.leaf("ram:ReferenceTypeCode", o(scheme));
            c.w.close("ram:AdditionalReferencedDocument");
        }
        if l.accounting.is_some() {
            c.w.open("ram:ReceivableSpecifiedTradeAccountingAccount");
            c.w.leaf("ram:ID", o(&l.accounting));
            c.w.close("ram:ReceivableSpecifiedTradeAccountingAccount");
        }
        c.w.close("ram:SpecifiedLineTradeSettlement");
        c.w.close("ram:IncludedSupplyChainTradeLineItem");
    }

    c.w.open("ram:ApplicableHeaderTradeAgreement");
    c.w.leaf("ram:BuyerReference", o(&s.buyer_reference));
    c.party("ram:SellerTradeParty", &s.seller);
    c.party("ram:BuyerTradeParty", &s.buyer);
    if let Some(p) = &s.tax_representative {
        c.party("ram:SellerTaxRepresentativeTradeParty", p);
    }
    c.id_doc("ram:SellerOrderReferencedDocument", &s.sales_order);
    c.id_doc("ram:BuyerOrderReferencedDocument", &s.order);
    c.id_doc("ram:ContractReferencedDocument", &s.contract);
    for a in &s.attachments {
        c.w.open("ram:AdditionalReferencedDocument");
        c.w.leaf("ram:IssuerAssignedID", o(&a.id));
        c.w.leaf("ram:URIID", o(&a.uri));
        c.w.leaf("ram:TypeCode", Some("916"));
        c.w.leaf("ram:Name", o(&a.description));
        if let Some((content, mime, file)) = &a.binary {
            c.w.leaf_a(
                "ram:AttachmentBinaryObject",
                Some(content),
                &[("mimeCode", o(mime)), ("filename", o(file))],
            );
        }
        c.w.close("ram:AdditionalReferencedDocument");
    }
    if s.tender.is_some() {
        c.w.open("ram:AdditionalReferencedDocument");
        c.w.leaf("ram:IssuerAssignedID", o(&s.tender));
        c.w.leaf("ram:TypeCode", Some("50"));
        c.w.close("ram:AdditionalReferencedDocument");
    }
    if let Some((id, scheme)) = &s.invoiced_object {
        c.w.open("ram:AdditionalReferencedDocument");
        c.w.leaf("ram:IssuerAssignedID", Some(id));
        c.w.leaf("ram:TypeCode", Some("130"));
        c.w.leaf("ram:ReferenceTypeCode", o(scheme));
        c.w.close("ram:AdditionalReferencedDocument");
    }
    if s.project.is_some() {
        c.w.open("ram:SpecifiedProcuringProject");
        c.w.leaf("ram:ID", o(&s.project));
        c.w.leaf("ram:Name", Some(PROJECT_NAME_PLACEHOLDER));
        c.w.close("ram:SpecifiedProcuringProject");
    }
    c.w.close("ram:ApplicableHeaderTradeAgreement");

    c.w.open("ram:ApplicableHeaderTradeDelivery");
    if let Some(d) = &s.delivery {
        if d.location.is_some() || d.name.is_some() || d.address.is_some() {
            c.w.open("ram:ShipToTradeParty");
            if let Some((id, scheme)) = &d.location {
                if scheme.is_some() {
                    c.w.leaf_a("ram:GlobalID", Some(id), &[("schemeID", o(scheme))]);
                } else {
                    c.w.leaf("ram:ID", Some(id));
                }
            }
            c.w.leaf("ram:Name", o(&d.name));
            c.address(&d.address);
            c.w.close("ram:ShipToTradeParty");
        }
        if d.date.is_some() {
            c.w.open("ram:ActualDeliverySupplyChainEvent");
            c.date("ram:OccurrenceDateTime", "udt:DateTimeString", o(&d.date));
            c.w.close("ram:ActualDeliverySupplyChainEvent");
        }
    }
    c.id_doc("ram:DespatchAdviceReferencedDocument", &s.despatch_advice);
    c.id_doc("ram:ReceivingAdviceReferencedDocument", &s.receiving_advice);
    c.w.close("ram:ApplicableHeaderTradeDelivery");

    c.w.open("ram:ApplicableHeaderTradeSettlement");
    c.w.leaf("ram:CreditorReferenceID", o(&s.creditor_id));
    let remittance = s.payment_means.iter().find_map(|p| p.remittance.clone());
    c.w.leaf("ram:PaymentReference", o(&remittance));
    c.w.leaf("ram:TaxCurrencyCode", o(&s.tax_currency));
    c.w.leaf("ram:InvoiceCurrencyCode", o(&s.currency));
    if let Some(p) = &s.payee {
        c.party("ram:PayeeTradeParty", p);
    }
    for pm in s.payment_means.iter().filter(|p| p.code.is_some()) {
        c.w.open("ram:SpecifiedTradeSettlementPaymentMeans");
        c.w.leaf("ram:TypeCode", o(&pm.code));
        c.w.leaf("ram:Information", o(&pm.text));
        if let Some((pan, holder)) = &pm.card {
            c.w.open("ram:ApplicableTradeSettlementFinancialCard");
            c.w.leaf("ram:ID", o(pan));
            c.w.leaf("ram:CardholderName", o(holder));
            c.w.close("ram:ApplicableTradeSettlementFinancialCard");
        }
        if let Some((_, Some(debited))) = &pm.mandate {
            c.w.open("ram:PayerPartyDebtorFinancialAccount");
            c.w.leaf("ram:IBANID", Some(debited));
            c.w.close("ram:PayerPartyDebtorFinancialAccount");
        }
        if let Some((id, name, bic)) = &pm.account {
            if id.is_some() || name.is_some() {
                c.w.open("ram:PayeePartyCreditorFinancialAccount");
                let iban = id.as_deref().is_some_and(looks_like_iban);
                if iban {
                    c.w.leaf("ram:IBANID", o(id));
                }
                c.w.leaf("ram:AccountName", o(name));
                if !iban {
                    c.w.leaf("ram:ProprietaryID", o(id));
                }
                c.w.close("ram:PayeePartyCreditorFinancialAccount");
            }
            if bic.is_some() {
                c.w.open("ram:PayeeSpecifiedCreditorFinancialInstitution");
                c.w.leaf("ram:BICID", o(bic));
                c.w.close("ram:PayeeSpecifiedCreditorFinancialInstitution");
            }
        }
        c.w.close("ram:SpecifiedTradeSettlementPaymentMeans");
    }
    for (i, v) in s.vat_breakdown.iter().enumerate() {
        c.w.open("ram:ApplicableTradeTax");
        c.amount("ram:CalculatedAmount", o(&v.tax));
        c.w.leaf("ram:TypeCode", Some("VAT"));
        c.w.leaf("ram:ExemptionReason", o(&v.exemption_reason));
        c.amount("ram:BasisAmount", o(&v.taxable));
        c.w.leaf("ram:CategoryCode", o(&v.category));
        c.w.leaf("ram:ExemptionReasonCode", o(&v.exemption_code));
        if i == 0 {
            c.date("ram:TaxPointDate", "udt:DateString", o(&s.tax_point_date));
            c.w.leaf(
                "ram:DueDateTypeCode",
                o(&tax_point_code(&s.tax_point_code, true)),
            );
        }
        c.w.leaf("ram:RateApplicablePercent", o(&v.rate));
        c.w.close("ram:ApplicableTradeTax");
    }
    if let Some((a, b)) = &s.period {
        c.period(a, b);
    }
    for a in &s.allowances_charges {
        c.allowance_charge("ram:SpecifiedTradeAllowanceCharge", a, true);
    }
    let mandate = s
        .payment_means
        .iter()
        .find_map(|p| p.mandate.as_ref().and_then(|m| m.0.clone()));
    if s.payment_terms.is_some() || s.due_date.is_some() || mandate.is_some() {
        c.w.open("ram:SpecifiedTradePaymentTerms");
        c.w.leaf("ram:Description", o(&s.payment_terms));
        c.date("ram:DueDateDateTime", "udt:DateTimeString", o(&s.due_date));
        c.w.leaf("ram:DirectDebitMandateID", o(&mandate));
        c.w.close("ram:SpecifiedTradePaymentTerms");
    }
    let t = &s.totals;
    c.w.open("ram:SpecifiedTradeSettlementHeaderMonetarySummation");
    c.amount("ram:LineTotalAmount", o(&t.line_net));
    c.amount("ram:ChargeTotalAmount", o(&t.charges));
    c.amount("ram:AllowanceTotalAmount", o(&t.allowances));
    c.amount("ram:TaxBasisTotalAmount", o(&t.without_vat));
    let cur = c.cur;
    c.w.leaf_a("ram:TaxTotalAmount", o(&t.vat), &[("currencyID", cur)]);
    c.w.leaf_a(
        "ram:TaxTotalAmount",
        o(&t.vat_accounting),
        &[("currencyID", o(&s.tax_currency))],
    );
    c.amount("ram:RoundingAmount", o(&t.rounding));
    c.amount("ram:GrandTotalAmount", o(&t.with_vat));
    c.amount("ram:TotalPrepaidAmount", o(&t.prepaid));
    c.amount("ram:DuePayableAmount", o(&t.payable));
    c.w.close("ram:SpecifiedTradeSettlementHeaderMonetarySummation");
    for (id, date) in &s.preceding {
        c.w.open("ram:InvoiceReferencedDocument");
        c.w.leaf("ram:IssuerAssignedID", o(id));
        c.date("ram:FormattedIssueDateTime", "qdt:DateTimeString", o(date));
        c.w.close("ram:InvoiceReferencedDocument");
    }
    if s.accounting.is_some() {
        c.w.open("ram:ReceivableSpecifiedTradeAccountingAccount");
        c.w.leaf("ram:ID", o(&s.accounting));
        c.w.close("ram:ReceivableSpecifiedTradeAccountingAccount");
    }
    c.w.close("ram:ApplicableHeaderTradeSettlement");
    c.w.close("rsm:SupplyChainTradeTransaction");
    c.w.depth = 0;
    c.w.out.push_str("</rsm:CrossIndustryInvoice>\n");
    c.w.out
}
