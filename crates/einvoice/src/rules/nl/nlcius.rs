//! BR-NL-*: the Dutch CIUS. Most rules apply only when the document declares NLCIUS and
//! the supplier's postal country is NL, exactly as the official artefacts gate them.

use rust_decimal::Decimal;

use crate::detect::{Syntax, NLCIUS_ID};
use crate::rules::peppol::postal;
use crate::rules::{fatal, val, warning, Ctx, Rule};
use crate::xml::Ns;

pub static RULES: &[Rule] = &[
    fatal(
        "BR-NL-1",
        "BT-30",
        "Dutch supplier: seller legal registration id must use scheme 0106 (KvK) or 0190 (OIN)",
    ),
    fatal(
        "BR-NL-2",
        "BT-10",
        "Dutch supplier: a buyer reference or purchase order reference is required",
    ),
    fatal(
        "BR-NL-3",
        "BG-5",
        "Dutch supplier: seller address must have street, city and post code",
    ),
    fatal(
        "BR-NL-4",
        "BG-8",
        "Dutch buyer: buyer address must have street, city and post code",
    ),
    fatal(
        "BR-NL-5",
        "BG-12",
        "Dutch tax representative: address must have street, city and post code",
    ),
    fatal("BR-NL-7", "BT-3", "Type code must be 380, 381, 384 or 389"),
    fatal(
        "BR-NL-9",
        "BG-3",
        "A corrective invoice (384) must reference the invoice it corrects",
    ),
    fatal(
        "BR-NL-10",
        "BT-47",
        "Dutch buyer: buyer legal registration id must use scheme 0106 (KvK) or 0190 (OIN)",
    ),
    fatal(
        "BR-NL-11",
        "BG-16",
        "Payment means are required when an amount is due",
    ),
    fatal(
        "BR-NL-12",
        "BT-81",
        "Payment means code must be 30, 48, 49, 57, 58 or 59",
    ),
    fatal(
        "BR-NL-13",
        "BT-132",
        "An order line reference requires a purchase order reference",
    ),
    warning(
        "BR-NL-19",
        "BT-6",
        "VAT accounting currency should not be used",
    ),
    warning("BR-NL-20", "BT-7", "VAT point date should not be used"),
    warning("BR-NL-21", "BT-8", "VAT point date code should not be used"),
    warning(
        "BR-NL-24",
        "BT-26",
        "Preceding invoice issue date should not be used",
    ),
    warning(
        "BR-NL-25",
        "BT-32",
        "Seller tax registration other than VAT should not be used",
    ),
    warning(
        "BR-NL-26",
        "BT-33",
        "Seller additional legal information should not be used",
    ),
    warning("BR-NL-29", "BT-82", "Payment means text should not be used"),
    warning(
        "BR-NL-30",
        "BT-85",
        "Payment account name should not be used",
    ),
    warning(
        "BR-NL-31",
        "BT-86",
        "Payment service provider should not be given with SEPA payment means",
    ),
    warning(
        "BR-NL-33",
        "BT-111",
        "VAT total in accounting currency should not be used",
    ),
    warning(
        "BR-NL-35",
        "BT-121",
        "VAT exemption reason code should not be used",
    ),
    warning(
        "BR-NL-27-1",
        "BT-162",
        "Seller address line 3 should not be used",
    ),
    warning(
        "BR-NL-27-2",
        "BT-163",
        "Buyer address line 3 should not be used",
    ),
    warning(
        "BR-NL-27-3",
        "BT-165",
        "Tax representative address line 3 should not be used",
    ),
    warning(
        "BR-NL-27-4",
        "BT-164",
        "Deliver-to address line 3 should not be used",
    ),
    warning(
        "BR-NL-28-1",
        "BT-39",
        "Seller country subdivision should not be used",
    ),
    warning(
        "BR-NL-28-2",
        "BT-54",
        "Buyer country subdivision should not be used",
    ),
    warning(
        "BR-NL-28-3",
        "BT-68",
        "Tax representative country subdivision should not be used",
    ),
    warning(
        "BR-NL-28-4",
        "BT-79",
        "Deliver-to country subdivision should not be used",
    ),
];

pub static UBL_ONLY: &[Rule] = &[
    fatal(
        "BR-NL-8",
        "BT-3",
        "Type code 381 requires a CreditNote document; 380, 384 and 389 an Invoice document",
    ),
    fatal(
        "SI-V20-INV-R000",
        "BT-24",
        "Document is not tagged as SI-UBL 2.0 (NLCIUS); check the specification identifier",
    ),
    fatal(
        "BII2-T10-R001",
        "BT-24",
        "A specification identifier (CustomizationID) is required",
    ),
    warning("SI-UBL-2", "", "Document should not contain empty elements"),
    // The official file reuses BR-NL-32-1..3 for both the allowance (BR-NL-32) and the
    // charge (BR-NL-34) reason code; within its single pattern the document-level context
    // matches every reason code first, so only BR-NL-32-1 is ever reported.
    warning(
        "BR-NL-32-1",
        "BT-98",
        "Allowance or charge reason codes should not be used",
    ),
    warning(
        "BR-NL-32-2",
        "BT-140",
        "Line allowance or charge reason codes should not be used",
    ),
    warning(
        "BR-NL-32-3",
        "BT-140",
        "Credit note line allowance or charge reason codes should not be used",
    ),
];

pub static CII_ONLY: &[Rule] = &[
    warning(
        "BR-NL-22",
        "BT-21",
        "Invoice note subject code should not be used",
    ),
    warning(
        "BR-NL-23",
        "BT-23",
        "Business process type should not be used",
    ),
    warning(
        "empty-element-check",
        "",
        "Document should not contain empty elements",
    ),
    warning(
        "BR-NL-32-and-34",
        "BT-98",
        "Allowance or charge reason codes should not be used (document and line level)",
    ),
];

/// The official NLCIUS files are one schematron pattern: an element is checked only by the
/// first rule whose context matches it. For leaf elements this decides between a
/// "discouraged element" warning and the empty-element check that comes last.
/// Returns `Some(Some(id))` when the element is one of the discouraged elements reported
/// here, `Some(None)` when an earlier rule (checked elsewhere) claims it, `None` otherwise.
fn claimed(
    doc: &crate::xml::Doc<'_>,
    n: u32,
    ubl: bool,
    s: bool,
    si: bool,
) -> Option<Option<&'static str>> {
    let name = doc.name(n);
    let up = |k: usize| {
        let mut cur = Some(n);
        for _ in 0..k {
            cur = cur.and_then(|c| doc.parent(c));
        }
        cur.map_or("", |c| doc.name(c))
    };
    if ubl {
        if si && name == "LineID" && up(1) == "OrderLineReference" {
            return Some(None);
        }
        if !s {
            return None;
        }
        let party = |addr_up: usize| -> Option<usize> {
            match (up(addr_up), up(addr_up + 1), up(addr_up + 2)) {
                ("PostalAddress", "Party", "AccountingSupplierParty") => Some(0),
                ("PostalAddress", "Party", "AccountingCustomerParty") => Some(1),
                ("PostalAddress", "TaxRepresentativeParty", _) => Some(2),
                ("Address", "DeliveryLocation", "Delivery") => Some(3),
                _ => None,
            }
        };
        const L27: [&str; 4] = ["BR-NL-27-1", "BR-NL-27-2", "BR-NL-27-3", "BR-NL-27-4"];
        const L28: [&str; 4] = ["BR-NL-28-1", "BR-NL-28-2", "BR-NL-28-3", "BR-NL-28-4"];
        return match name {
            "Line" if up(1) == "AddressLine" => party(2).map(|i| Some(L27[i])),
            "CountrySubentity" => party(1).map(|i| Some(L28[i])),
            "AllowanceChargeReasonCode" if up(1) == "AllowanceCharge" => Some(Some("BR-NL-32-1")),
            // Reported on every occurrence (relative contexts, line periods included).
            "TaxPointDate" => Some(Some("BR-NL-20")),
            "DescriptionCode" if up(1) == "InvoicePeriod" => Some(Some("BR-NL-21")),
            "InvoiceTypeCode" | "CreditNoteTypeCode" | "TaxCurrencyCode" => Some(None),
            "IssueDate" if up(1) == "InvoiceDocumentReference" && up(2) == "BillingReference" => {
                Some(None)
            }
            "CompanyLegalForm"
                if up(1) == "PartyLegalEntity" && up(3) == "AccountingSupplierParty" =>
            {
                Some(None)
            }
            "PaymentMeansCode" if up(1) == "PaymentMeans" => Some(None),
            "Name" if up(1) == "PayeeFinancialAccount" && up(2) == "PaymentMeans" => Some(None),
            "TaxAmount" if up(1) == "TaxTotal" => Some(None),
            "TaxExemptionReasonCode" if up(1) == "TaxCategory" && up(2) == "TaxSubtotal" => {
                Some(None)
            }
            _ => None,
        };
    }
    if si
        && ((name == "TypeCode" && up(1) == "ExchangedDocument")
            || (name == "LineID" && up(1) == "BuyerOrderReferencedDocument"))
    {
        return Some(None);
    }
    if !s {
        return None;
    }
    let party = || match (up(1), up(2)) {
        ("PostalTradeAddress", "SellerTradeParty") => Some(0),
        ("PostalTradeAddress", "BuyerTradeParty") => Some(1),
        ("PostalTradeAddress", "SellerTaxRepresentativeTradeParty") => Some(2),
        ("PostalTradeAddress", "ShipToTradeParty") => Some(3),
        _ => None,
    };
    const C27: [&str; 4] = ["BR-NL-27-1", "BR-NL-27-2", "BR-NL-27-3", "BR-NL-27-4"];
    const C28: [&str; 4] = ["BR-NL-28-1", "BR-NL-28-2", "BR-NL-28-3", "BR-NL-28-4"];
    match name {
        "LineThree" => party().map(|i| Some(C27[i])),
        "CountrySubDivisionName" => party().map(|i| Some(C28[i])),
        "ReasonCode" if up(1) == "SpecifiedTradeAllowanceCharge" => Some(Some("BR-NL-32-and-34")),
        // Both are reported on every occurrence, wherever it is (relative contexts).
        "DueDateTypeCode" => Some(Some("BR-NL-21")),
        "DateString" if up(1) == "TaxPointDate" => Some(Some("BR-NL-20")),
        "TaxCurrencyCode" | "SubjectCode" | "AccountName" => Some(None),
        "ID" if up(1) == "BusinessProcessSpecifiedDocumentContextParameter" => Some(None),
        "DateTimeString"
            if up(1) == "FormattedIssueDateTime" && up(2) == "InvoiceReferencedDocument" =>
        {
            Some(None)
        }
        "Description" if up(1) == "SellerTradeParty" => Some(None),
        "Information" if up(1) == "SpecifiedTradeSettlementPaymentMeans" => Some(None),
        "TaxTotalAmount" if up(1) == "SpecifiedTradeSettlementHeaderMonetarySummation" => {
            Some(None)
        }
        "ExemptionReasonCode" if up(1) == "ApplicableTradeTax" => Some(None),
        _ => None,
    }
}

fn kvk_oin(ids: &[crate::model::Id<'_>]) -> bool {
    ids.iter()
        .any(|i| matches!(i.scheme, Some("0106" | "0190")))
        && ids.iter().any(|i| !i.value.is_empty())
}

pub fn check(ctx: &mut Ctx<'_, '_>) {
    let inv = ctx.inv;
    let doc = ctx.doc;
    let ubl = ctx.syntax == Syntax::Ubl;
    let root = Some(inv.root);
    let cust = inv.customization_id.map(|c| c.value);
    let si = if ubl {
        cust.is_some_and(|c| c.contains("#compliant#urn:fdc:nen.nl:nlcius:v1.0"))
    } else {
        cust.is_some_and(|c| c == NLCIUS_ID || c == "urn:cen.eu:en16931:2017#compliant#urn:fdc:nen.nl:nlcius:v1.0#conformant#urn:fdc:nen.nl:gaccount:v1.0")
    };
    // Empty elements (not gated on the profile).
    let empty_id = if ubl {
        "SI-UBL-2"
    } else {
        "empty-element-check"
    };
    let s_early = si && postal(&inv.seller).as_deref().unwrap_or("XX") == "NL";
    for i in 0..doc.nodes.len() {
        let Ok(n) = u32::try_from(i) else { break };
        let leaf = !doc.has_children(n);
        if !leaf {
            continue;
        }
        match claimed(doc, n, ubl, s_early, si) {
            Some(Some(id)) => {
                ctx.fail(id, Some(n));
                continue;
            }
            Some(None) => continue,
            None => {}
        }
        if doc.text(n).is_empty() {
            ctx.fail_with(
                empty_id,
                Some(n),
                format!("empty element {}{}", doc.ns(n).prefix(), doc.name(n)),
            );
        }
    }
    if ubl {
        match cust {
            None => ctx.fail("BII2-T10-R001", root),
            Some(c) if !c.starts_with(NLCIUS_ID) => {
                ctx.fail_with("SI-V20-INV-R000", root, format!("found '{c}'"))
            }
            _ => {}
        }
    }
    let s = si && postal(&inv.seller).as_deref().unwrap_or("XX") == "NL";
    let buyer_nl = postal(&inv.buyer).as_deref() == Some("NL");
    if s {
        if let Some(sp) = inv.seller.node {
            // UBL checks every supplier party; CII only a present legal organisation.
            if ubl || doc.kid(sp, Ns::Ram, "SpecifiedLegalOrganization").is_some() {
                ctx.check(kvk_oin(&inv.seller.legal_ids), "BR-NL-1", Some(sp));
            }
        }
        ctx.check(
            inv.buyer_reference.is_some() || inv.order_ref.is_some(),
            "BR-NL-2",
            root,
        );
        if let Some(a) = &inv.seller.address {
            ctx.check(
                a.line1.is_some() && a.city.is_some() && a.postcode.is_some(),
                "BR-NL-3",
                a.node,
            );
        }
        if let Some(a) = &inv.buyer.address {
            let not_nl = a.country.map(|c| c.value) != Some("NL");
            ctx.check(
                not_nl || (a.line1.is_some() && a.city.is_some() && a.postcode.is_some()),
                "BR-NL-4",
                a.node,
            );
        }
        if let Some(a) = inv
            .tax_representative
            .as_ref()
            .and_then(|t| t.address.as_ref())
        {
            let not_nl = a.country.map(|c| c.value) != Some("NL");
            ctx.check(
                not_nl || (a.line1.is_some() && a.city.is_some() && a.postcode.is_some()),
                "BR-NL-5",
                a.node,
            );
        }
        if let Some(tc) = inv.type_code {
            let v = tc.value;
            if ubl {
                ctx.check(v != "381" || ctx.is_credit_note(), "BR-NL-8", Some(tc.node));
                ctx.check(
                    v == "381" || !ctx.is_credit_note(),
                    "BR-NL-8",
                    Some(tc.node),
                );
            }
            let has_ref = inv.preceding_invoices.iter().any(|(id, _)| id.is_some());
            if v == "384" && !has_ref {
                if ubl {
                    ctx.fail("BR-NL-9", Some(tc.node));
                } else {
                    // NLCIUS-CII gives BR-NL-9 the context of BR-NL-7, which comes first in
                    // the same pattern, so the official rule never runs.
                    ctx.advise("HAVEN-Q-BR-NL-9", Some(tc.node));
                }
            }
        }
        if let Some(bp) = inv.buyer.node {
            // UBL checks a present PartyLegalEntity; CII every buyer party.
            if !ubl || doc.kid(bp, Ns::Cac, "PartyLegalEntity").is_some() {
                ctx.check(
                    !buyer_nl || kvk_oin(&inv.buyer.legal_ids),
                    "BR-NL-10",
                    Some(bp),
                );
            }
        }
        if inv.totals.node.is_some() && !(ubl && ctx.is_credit_note()) {
            let due = val(&inv.totals.payable);
            let cii_credit = !ubl && inv.type_code.map(|t| t.value) == Some("381");
            ctx.check(
                due <= Decimal::ZERO || cii_credit || !inv.payment_means.is_empty(),
                "BR-NL-11",
                inv.totals.node,
            );
        }
        for pm in &inv.payment_means {
            let code = pm.code.map(|c| c.value);
            ctx.check(
                matches!(code, Some("30" | "48" | "49" | "57" | "58" | "59")),
                "BR-NL-12",
                Some(pm.node),
            );
            if matches!(code, Some("58" | "59")) && pm.accounts.iter().any(|a| a.2.is_some()) {
                if ubl {
                    ctx.fail("BR-NL-31", Some(pm.node));
                } else {
                    // NLCIUS-CII: BR-NL-12 has the same context first, so BR-NL-31 never runs.
                    ctx.advise("HAVEN-Q-BR-NL-31", Some(pm.node));
                }
            }
            if !ubl && pm.text.is_some() {
                ctx.fail("BR-NL-29", Some(pm.node));
            }
            if ubl && pm.code_name.is_some() {
                ctx.fail("BR-NL-29", pm.code.map(|c| c.node));
            }
            for a in &pm.accounts {
                if let Some(n) = a.1 {
                    ctx.fail("BR-NL-30", Some(n.node));
                }
            }
        }
        if let Some(t) = inv.tax_currency {
            ctx.fail("BR-NL-19", Some(t.node));
        }
        // BR-NL-20 and BR-NL-21 are reported per element in the document sweep above.
        for (_, date) in &inv.preceding_invoices {
            if let Some(d) = date {
                ctx.fail("BR-NL-24", Some(d.node));
            }
        }
        if let Some(t) = inv.seller.tax_reg_id {
            ctx.fail("BR-NL-25", Some(t.node));
        }
        if let Some(t) = inv.seller.legal_form {
            ctx.fail("BR-NL-26", Some(t.node));
        }
        let cur = inv.currency.map(|c| c.value);
        for t in &inv.tax_totals {
            ctx.check(t.unit == cur, "BR-NL-33", Some(t.node));
        }
        for b in &inv.vat_breakdown {
            if let Some(c) = b.exemption_reason_code {
                ctx.fail("BR-NL-35", Some(c.node));
            }
        }
    }
    // BR-NL-7: SI-UBL gates it on a Dutch supplier, NLCIUS-CII on the profile alone.
    let br_nl_7 = if ubl { s } else { si };
    if let Some(tc) = inv.type_code.filter(|_| br_nl_7) {
        ctx.check(
            matches!(tc.value, "380" | "381" | "384" | "389"),
            "BR-NL-7",
            Some(tc.node),
        );
    }
    if si && inv.order_ref.is_none() {
        for l in &inv.lines {
            if let Some(r) = l.order_line_ref {
                ctx.fail("BR-NL-13", Some(r.node));
            }
        }
    }
}
