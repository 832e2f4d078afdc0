//! BR-CL-*: code list membership (CEN 1.3.16 lists, compiled into `codelists::data`).
//!
//! The official rules match elements wherever they occur in the document (not only at the
//! EN 16931 positions), so this family makes one pass over every element instead of going
//! through the model.

use crate::codelists::{contains, data};
use crate::detect::Syntax;
use crate::rules::{fatal, Ctx, Rule};
use crate::xml::{Doc, NodeId, Ns};

pub static RULES: &[Rule] = &[
    fatal("BR-CL-01", "BT-3", "The document type code must be a UNTDID 1001 invoice or credit note code"),
    fatal("BR-CL-03", "", "The currency of an amount must be an ISO 4217 alpha-3 code"),
    fatal("BR-CL-04", "BT-5", "The invoice currency code must be an ISO 4217 alpha-3 code"),
    fatal("BR-CL-05", "BT-6", "The VAT accounting currency code must be an ISO 4217 alpha-3 code"),
    fatal("BR-CL-06", "BT-8", "The VAT point date code must be a UNTDID 2005 code (UBL: 3, 35, 432; CII: 5, 29, 72)"),
    fatal("BR-CL-07", "BT-18", "The scheme of the object identifier must be a UNTDID 1153 code"),
    fatal("BR-CL-08", "BT-21", "The invoice note subject code must be a UNTDID 4451 code"),
    fatal("BR-CL-10", "BT-29", "The scheme of a party identifier must be an ISO 6523 ICD code"),
    fatal("BR-CL-11", "BT-30", "The scheme of a legal registration identifier must be an ISO 6523 ICD code"),
    fatal("BR-CL-13", "BT-158", "The scheme of an item classification identifier must be a UNTDID 7143 code"),
    fatal("BR-CL-14", "BT-40", "A country code must be an ISO 3166-1 alpha-2 code"),
    fatal("BR-CL-15", "BT-159", "The item country of origin must be an ISO 3166-1 alpha-2 code"),
    fatal("BR-CL-16", "BT-81", "The payment means code must be a UNTDID 4461 code"),
    fatal("BR-CL-17", "BT-118", "A VAT category code must be a UNTDID 5305 code used in EN 16931"),
    fatal("BR-CL-18", "BT-151", "The invoiced item VAT category code must be a UNTDID 5305 code used in EN 16931"),
    fatal("BR-CL-19", "BT-98", "An allowance reason code must be a UNTDID 5189 code"),
    fatal("BR-CL-20", "BT-105", "A charge reason code must be a UNTDID 7161 code"),
    fatal("BR-CL-21", "BT-157", "The scheme of an item standard identifier must be an ISO 6523 ICD code"),
    fatal("BR-CL-22", "BT-121", "A VAT exemption reason code must be a CEF VATEX code"),
    fatal("BR-CL-23", "BT-130", "A unit of measure must be a UN/ECE Recommendation 20 or 21 code"),
    fatal("BR-CL-24", "BT-125", "An attachment MIME code must be one of application/pdf, image/png, image/jpeg, text/csv, xlsx or ods"),
    fatal("BR-CL-25", "BT-34", "The scheme of an electronic address must be a CEF EAS code"),
    fatal("BR-CL-26", "BT-71", "The scheme of a deliver-to location identifier must be an ISO 6523 ICD code"),
];

const MIME: &[&str] = &[
    "application/pdf",
    "image/png",
    "image/jpeg",
    "text/csv",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.oasis.opendocument.spreadsheet",
];

/// `normalize-space(v)` is a single code of `list`.
fn coded(list: &[&str], v: &str) -> bool {
    if !v.bytes().any(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n')) {
        return contains(list, v);
    }
    let v = v.trim_matches(xml_ws);
    !v.contains(xml_ws) && contains(list, v)
}

fn xml_ws(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

fn parent_is(doc: &Doc<'_>, n: NodeId, ns: Ns, name: &str) -> bool {
    doc.parent(n).is_some_and(|p| doc.is(p, ns, name))
}

fn has_ancestor(doc: &Doc<'_>, n: NodeId, ns: Ns, name: &str) -> bool {
    let mut cur = doc.parent(n);
    while let Some(p) = cur {
        if doc.is(p, ns, name) {
            return true;
        }
        cur = doc.parent(p);
    }
    false
}

/// `xs:boolean` value of the allowance/charge indicator next to `n` (UBL and CII).
fn charge_indicator(doc: &Doc<'_>, ac: NodeId, syntax: Syntax) -> Option<bool> {
    let v = match syntax {
        Syntax::Ubl => doc.kid(ac, Ns::Cbc, "ChargeIndicator").map(|i| doc.text(i)),
        Syntax::Cii => doc
            .at(ac, &[(Ns::Ram, "ChargeIndicator"), (Ns::Udt, "Indicator")])
            .map(|i| doc.text(i)),
    }?;
    match v {
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        _ => None,
    }
}

pub fn check(ctx: &mut Ctx<'_, '_>) {
    match ctx.syntax {
        Syntax::Ubl => check_ubl(ctx),
        Syntax::Cii => check_cii(ctx),
    }
}

fn attr_coded(ctx: &mut Ctx<'_, '_>, n: NodeId, attr: &str, list: &[&str], id: &'static str) {
    if let Some(v) = ctx.doc.attr(n, attr) {
        if !coded(list, v) {
            ctx.fail_with(id, Some(n), format!("'{v}'"));
        }
    }
}

fn text_coded(ctx: &mut Ctx<'_, '_>, n: NodeId, list: &[&str], id: &'static str) {
    let v = ctx.doc.raw_text(n);
    if !coded(list, v) {
        let v = v.trim().to_string();
        ctx.fail_with(id, Some(n), format!("'{v}'"));
    }
}

fn mime(ctx: &mut Ctx<'_, '_>, n: NodeId) {
    if let Some(v) = ctx.doc.attr(n, "mimeCode") {
        if !MIME.contains(&v) {
            ctx.fail_with("BR-CL-24", Some(n), format!("'{v}'"));
        }
    }
}

fn exemption_code(ctx: &mut Ctx<'_, '_>, n: NodeId, list: &[&str]) {
    let v = ctx.doc.raw_text(n);
    let t = v.trim_matches(xml_ws);
    if t.contains(xml_ws) || !contains(list, &t.to_uppercase()) {
        ctx.fail_with("BR-CL-22", Some(n), format!("'{}'", v.trim()));
    }
}

fn check_ubl(ctx: &mut Ctx<'_, '_>) {
    use Ns::{Cac, Cbc};
    let doc = ctx.doc;
    let root = doc.root();
    for i in 0..doc.nodes.len() {
        let Ok(n) = NodeId::try_from(i) else { break };
        let Some(node) = doc.node(n) else { break };
        if node.ns != Cbc {
            continue;
        }
        match node.name {
            "InvoiceTypeCode" => text_coded(ctx, n, data::CEN_UBL_BR_CL_01, "BR-CL-01"),
            "CreditNoteTypeCode" => text_coded(ctx, n, data::CEN_UBL_BR_CL_01_2, "BR-CL-01"),
            "Amount"
            | "BaseAmount"
            | "PriceAmount"
            | "TaxAmount"
            | "TaxableAmount"
            | "LineExtensionAmount"
            | "TaxExclusiveAmount"
            | "TaxInclusiveAmount"
            | "AllowanceTotalAmount"
            | "ChargeTotalAmount"
            | "PrepaidAmount"
            | "PayableRoundingAmount"
            | "PayableAmount" => {
                let v = doc.attr(n, "currencyID").unwrap_or("");
                if !coded(data::CEN_UBL_BR_CL_03, v) {
                    ctx.fail_with("BR-CL-03", Some(n), format!("'{v}'"));
                }
            }
            "DocumentCurrencyCode" => text_coded(ctx, n, data::CEN_UBL_BR_CL_04, "BR-CL-04"),
            "TaxCurrencyCode" => text_coded(ctx, n, data::CEN_UBL_BR_CL_05, "BR-CL-05"),
            "DescriptionCode" if parent_is(doc, n, Cac, "InvoicePeriod") => {
                text_coded(ctx, n, data::CEN_UBL_BR_CL_06, "BR-CL-06");
            }
            "Note" if doc.parent(n) == Some(root) => {
                // "#CODE#text": a three-letter code between the first two '#' is checked.
                let v = doc.raw_text(n);
                let code = v
                    .split_once('#')
                    .and_then(|(_, rest)| rest.split_once('#'))
                    .map(|(code, _)| code);
                if let Some(code) = code.filter(|c| c.chars().count() == 3) {
                    if !contains(data::CEN_UBL_BR_CL_08, code) {
                        ctx.fail_with("BR-CL-08", Some(n), format!("'{code}'"));
                    }
                }
            }
            "ID" => {
                let Some(p) = doc.parent(n) else { continue };
                let Some(pn) = doc.node(p) else { continue };
                if pn.ns != Cac {
                    continue;
                }
                match pn.name {
                    "AdditionalDocumentReference" | "DocumentReference"
                        if doc
                            .kids(p, Cbc, "DocumentTypeCode")
                            .any(|c| doc.raw_text(c) == "130") =>
                    {
                        attr_coded(ctx, n, "schemeID", data::CEN_UBL_BR_CL_07, "BR-CL-07");
                    }
                    "PartyIdentification" => {
                        if let Some(v) = doc.attr(n, "schemeID") {
                            let sepa = coded(&["SEPA"], v)
                                && (has_ancestor(doc, n, Cac, "AccountingSupplierParty")
                                    || has_ancestor(doc, n, Cac, "PayeeParty"));
                            if !sepa && !coded(data::CEN_UBL_BR_CL_10, v) {
                                ctx.fail_with("BR-CL-10", Some(n), format!("'{v}'"));
                            }
                        }
                    }
                    "StandardItemIdentification" => {
                        attr_coded(ctx, n, "schemeID", data::CEN_UBL_BR_CL_21, "BR-CL-21");
                    }
                    "DeliveryLocation" => {
                        attr_coded(ctx, n, "schemeID", data::CEN_UBL_BR_CL_26, "BR-CL-26");
                    }
                    "TaxCategory" => text_coded(ctx, n, data::CEN_CII_BR_CL_17, "BR-CL-17"),
                    "ClassifiedTaxCategory" => {
                        text_coded(ctx, n, data::CEN_CII_BR_CL_18, "BR-CL-18");
                    }
                    _ => {}
                }
            }
            "CompanyID" if parent_is(doc, n, Cac, "PartyLegalEntity") => {
                attr_coded(ctx, n, "schemeID", data::CEN_UBL_BR_CL_11, "BR-CL-11");
            }
            "ItemClassificationCode" if parent_is(doc, n, Cac, "CommodityClassification") => {
                attr_coded(ctx, n, "listID", data::CEN_UBL_BR_CL_13, "BR-CL-13");
            }
            "IdentificationCode" if parent_is(doc, n, Cac, "Country") => {
                text_coded(ctx, n, data::CEN_UBL_BR_CL_14, "BR-CL-14");
            }
            "IdentificationCode" if parent_is(doc, n, Cac, "OriginCountry") => {
                text_coded(ctx, n, data::CEN_UBL_BR_CL_15, "BR-CL-15");
            }
            "PaymentMeansCode" if parent_is(doc, n, Cac, "PaymentMeans") => {
                text_coded(ctx, n, data::CEN_CII_BR_CL_16, "BR-CL-16");
            }
            "AllowanceChargeReasonCode" => {
                let Some(p) = doc.parent(n).filter(|p| doc.is(*p, Cac, "AllowanceCharge")) else {
                    continue;
                };
                match charge_indicator(doc, p, Syntax::Ubl) {
                    Some(false) => text_coded(ctx, n, data::CEN_UBL_BR_CL_19, "BR-CL-19"),
                    Some(true) => text_coded(ctx, n, data::CEN_UBL_BR_CL_20, "BR-CL-20"),
                    None => {}
                }
            }
            "TaxExemptionReasonCode" => exemption_code(ctx, n, data::CEN_UBL_BR_CL_22),
            "InvoicedQuantity" | "BaseQuantity" | "CreditedQuantity" => {
                attr_coded(ctx, n, "unitCode", data::CEN_UBL_BR_CL_23, "BR-CL-23");
            }
            "EmbeddedDocumentBinaryObject" => mime(ctx, n),
            "EndpointID" => attr_coded(ctx, n, "schemeID", data::CEN_UBL_BR_CL_25, "BR-CL-25"),
            _ => {}
        }
    }
}

fn check_cii(ctx: &mut Ctx<'_, '_>) {
    use Ns::{Ram, Rsm};
    let doc = ctx.doc;
    for i in 0..doc.nodes.len() {
        let Ok(n) = NodeId::try_from(i) else { break };
        let Some(node) = doc.node(n) else { break };
        if node.ns != Ram {
            continue;
        }
        match node.name {
            "TypeCode" if parent_is(doc, n, Rsm, "ExchangedDocument") => {
                text_coded(ctx, n, data::CEN_CII_BR_CL_01, "BR-CL-01");
            }
            "TypeCode" if parent_is(doc, n, Ram, "SpecifiedTradeSettlementPaymentMeans") => {
                text_coded(ctx, n, data::CEN_CII_BR_CL_16, "BR-CL-16");
            }
            "TaxTotalAmount" => {
                attr_coded(ctx, n, "currencyID", data::CEN_CII_BR_CL_03, "BR-CL-03")
            }
            "InvoiceCurrencyCode" => text_coded(ctx, n, data::CEN_CII_BR_CL_04, "BR-CL-04"),
            "TaxCurrencyCode" => text_coded(ctx, n, data::CEN_CII_BR_CL_05, "BR-CL-05"),
            "DueDateTypeCode" => text_coded(ctx, n, data::CEN_CII_BR_CL_06, "BR-CL-06"),
            "ReferenceTypeCode" => text_coded(ctx, n, data::CEN_CII_BR_CL_07, "BR-CL-07"),
            "SubjectCode" => text_coded(ctx, n, data::CEN_CII_BR_CL_08, "BR-CL-08"),
            "GlobalID" if doc.attr(n, "schemeID").is_some() => {
                if !has_ancestor(doc, n, Ram, "SpecifiedTradeProduct")
                    && !has_ancestor(doc, n, Ram, "ShipToTradeParty")
                {
                    attr_coded(ctx, n, "schemeID", data::CEN_CII_BR_CL_10, "BR-CL-10");
                } else if parent_is(doc, n, Ram, "SpecifiedTradeProduct") {
                    attr_coded(ctx, n, "schemeID", data::CEN_CII_BR_CL_21, "BR-CL-21");
                } else if parent_is(doc, n, Ram, "ShipToTradeParty")
                    && doc
                        .parent(n)
                        .is_some_and(|p| parent_is(doc, p, Ram, "ApplicableHeaderTradeDelivery"))
                {
                    attr_coded(ctx, n, "schemeID", data::CEN_CII_BR_CL_26, "BR-CL-26");
                }
            }
            "ID" if doc.attr(n, "schemeID").is_some()
                && !has_ancestor(doc, n, Ram, "SpecifiedTaxRegistration") =>
            {
                attr_coded(ctx, n, "schemeID", data::CEN_CII_BR_CL_11, "BR-CL-11");
            }
            "ID" if parent_is(doc, n, Ram, "OriginTradeCountry") => {
                text_coded(ctx, n, data::CEN_CII_BR_CL_15, "BR-CL-15");
            }
            "ClassCode" => attr_coded(ctx, n, "listID", data::CEN_CII_BR_CL_13, "BR-CL-13"),
            "CountryID" => text_coded(ctx, n, data::CEN_CII_BR_CL_14, "BR-CL-14"),
            "CategoryCode" if parent_is(doc, n, Ram, "CategoryTradeTax") => {
                text_coded(ctx, n, data::CEN_CII_BR_CL_17, "BR-CL-17");
            }
            "CategoryCode" if parent_is(doc, n, Ram, "ApplicableTradeTax") => {
                text_coded(ctx, n, data::CEN_CII_BR_CL_18, "BR-CL-18");
            }
            "ReasonCode" => {
                let Some(p) = doc
                    .parent(n)
                    .filter(|p| doc.is(*p, Ram, "SpecifiedTradeAllowanceCharge"))
                else {
                    continue;
                };
                match charge_indicator(doc, p, Syntax::Cii) {
                    Some(false) => text_coded(ctx, n, data::CEN_CII_BR_CL_19, "BR-CL-19"),
                    Some(true) => text_coded(ctx, n, data::CEN_CII_BR_CL_20, "BR-CL-20"),
                    None => {}
                }
            }
            "ExemptionReasonCode" => exemption_code(ctx, n, data::CEN_CII_BR_CL_22),
            "BasisQuantity" | "BilledQuantity" => {
                attr_coded(ctx, n, "unitCode", data::CEN_CII_BR_CL_23, "BR-CL-23");
            }
            "AttachmentBinaryObject" => mime(ctx, n),
            "URIID" if parent_is(doc, n, Ram, "URIUniversalCommunication") => {
                attr_coded(ctx, n, "schemeID", data::CEN_CII_BR_CL_25, "BR-CL-25");
            }
            _ => {}
        }
    }
}
