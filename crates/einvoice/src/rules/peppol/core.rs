//! Peppol BIS 3.0 core restrictions: PEPPOL-EN16931-R*, P*, CL*, F001.

use rust_decimal::Decimal;

use super::postal;
use crate::codelists::{self, data};
use crate::detect::{Syntax, PEPPOL_BIS3_ID};
use crate::model::{AllowanceCharge, Num};
use crate::rules::arith::{self, abs_diff};
use crate::rules::{fatal, sum, val, xpath_round2, Ctx, Rule};
use crate::xml::Ns;

pub static RULES: &[Rule] = &[
    fatal("PEPPOL-EN16931-R001", "BT-23", "Business process (ProfileID) must be provided"),
    fatal("PEPPOL-EN16931-R002", "BT-22", "At most one invoice note is allowed (except when seller and buyer are both German)"),
    fatal("PEPPOL-EN16931-R003", "BT-10", "A buyer reference or a purchase order reference must be provided"),
    fatal("PEPPOL-EN16931-R004", "BT-24", "Specification identifier must start with 'urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0'"),
    fatal("PEPPOL-EN16931-R005", "BT-6", "VAT accounting currency must differ from the invoice currency when given"),
    fatal("PEPPOL-EN16931-R007", "BT-23", "Business process must have the form 'urn:fdc:peppol.eu:2017:poacc:billing:NN:1.0'"),
    fatal("PEPPOL-EN16931-R010", "BT-49", "Buyer electronic address must be provided"),
    fatal("PEPPOL-EN16931-R020", "BT-34", "Seller electronic address must be provided"),
    fatal("PEPPOL-EN16931-R040", "BG-20", "Allowance/charge amount must equal base amount * percentage / 100 (tolerance 0.02)"),
    fatal("PEPPOL-EN16931-R041", "BT-93", "Allowance/charge base amount must be given when a percentage is given"),
    fatal("PEPPOL-EN16931-R042", "BT-94", "Allowance/charge percentage must be given when a base amount is given"),
    fatal("PEPPOL-EN16931-R043", "BG-20", "Allowance/charge indicator must be 'true' or 'false'"),
    fatal("PEPPOL-EN16931-R053", "BT-110", "Exactly one VAT total amount in the invoice currency, with VAT breakdown, must be given"),
    fatal("PEPPOL-EN16931-R054", "BT-111", "A VAT total in accounting currency (without breakdown) must be given exactly when a VAT accounting currency is given"),
    fatal("PEPPOL-EN16931-R055", "BT-111", "VAT totals in invoice currency and accounting currency must have the same sign"),
    fatal("PEPPOL-EN16931-R061", "BT-89", "Direct debit (payment means 49 or 59) requires a mandate reference"),
    fatal("PEPPOL-EN16931-R080", "BT-17", "At most one tender or lot reference is allowed"),
    fatal("PEPPOL-EN16931-R100", "BT-128", "At most one invoiced object per line is allowed"),
    fatal("PEPPOL-EN16931-R101", "BT-128", "A line document reference may only be an invoiced object (type code 130)"),
    fatal("PEPPOL-EN16931-R110", "BT-134", "Line period start date must be within the invoice period"),
    fatal("PEPPOL-EN16931-R111", "BT-135", "Line period end date must be within the invoice period"),
    fatal("PEPPOL-EN16931-R120", "BT-131", "Line net amount must equal quantity * (net price / base quantity) + line charges - line allowances (tolerance 0.02)"),
    fatal("PEPPOL-EN16931-R121", "BT-149", "Price base quantity must be greater than zero"),
    fatal("PEPPOL-EN16931-R130", "BT-150", "Price base quantity unit must equal the invoiced quantity unit"),
    fatal("PEPPOL-EN16931-P0100", "BT-3", "Invoice type code is not allowed in Peppol BIS Billing profile 01"),
    fatal("PEPPOL-EN16931-CL001", "BT-125", "Attachment MIME code is not in the Peppol list"),
    fatal("PEPPOL-EN16931-CL002", "BT-98", "Allowance reason code is not in UNCL5189"),
    fatal("PEPPOL-EN16931-CL003", "BT-105", "Charge reason code is not in UNCL7161"),
    fatal("PEPPOL-EN16931-CL007", "BT-5", "Currency code is not in ISO 4217"),
    fatal("PEPPOL-EN16931-CL008", "BT-34", "Electronic address scheme is not in the EAS code list"),
    fatal("PEPPOL-EN16931-F001", "", "A date must be formatted YYYY-MM-DD (UBL) or YYYYMMDD with format 102 (CII)"),
];

pub static UBL_ONLY: &[Rule] = &[
    fatal(
        "PEPPOL-EN16931-R008",
        "",
        "Document must not contain empty elements",
    ),
    fatal(
        "PEPPOL-EN16931-R044",
        "BG-29",
        "Charges on price level are not allowed",
    ),
    fatal(
        "PEPPOL-EN16931-R046",
        "BT-146",
        "Net price must equal gross price minus price discount when a gross price is given",
    ),
    fatal(
        "PEPPOL-EN16931-R051",
        "BT-5",
        "All amounts must be in the invoice currency (except the VAT total in accounting currency)",
    ),
    fatal(
        "PEPPOL-EN16931-P0101",
        "BT-3",
        "Credit note type code is not allowed in Peppol BIS Billing profile 01",
    ),
    fatal(
        "PEPPOL-EN16931-P0104",
        "BT-121",
        "Exemption reason code VATEX-EU-G requires VAT category G",
    ),
    fatal(
        "PEPPOL-EN16931-P0105",
        "BT-121",
        "Exemption reason code VATEX-EU-O requires VAT category O",
    ),
    fatal(
        "PEPPOL-EN16931-P0106",
        "BT-121",
        "Exemption reason code VATEX-EU-IC requires VAT category K",
    ),
    fatal(
        "PEPPOL-EN16931-P0107",
        "BT-121",
        "Exemption reason code VATEX-EU-AE requires VAT category AE",
    ),
    fatal(
        "PEPPOL-EN16931-P0108",
        "BT-121",
        "Exemption reason code VATEX-EU-D requires VAT category E",
    ),
    fatal(
        "PEPPOL-EN16931-P0109",
        "BT-121",
        "Exemption reason code VATEX-EU-F requires VAT category E",
    ),
    fatal(
        "PEPPOL-EN16931-P0110",
        "BT-121",
        "Exemption reason code VATEX-EU-I requires VAT category E",
    ),
    fatal(
        "PEPPOL-EN16931-P0111",
        "BT-121",
        "Exemption reason code VATEX-EU-J requires VAT category E",
    ),
    fatal(
        "PEPPOL-EN16931-P0112",
        "BT-3",
        "Type codes 326 and 384 are only allowed when seller and buyer are both German",
    ),
    fatal(
        "PEPPOL-EN16931-CL006",
        "BT-8",
        "VAT point date code is not in UNCL2005",
    ),
];

pub static CII_ONLY: &[Rule] = &[fatal(
    "PEPPOL-EN16931-R006",
    "BT-18",
    "At most one invoiced object is allowed",
)];

/// The profile number NN from 'urn:fdc:peppol.eu:2017:poacc:billing:NN:1.0', if it matches.
pub fn profile_code(profile: Option<&str>) -> Option<String> {
    let p: String = profile?.split_whitespace().collect::<Vec<_>>().join(" ");
    const PAT: &str = "urn:fdc:peppol.eu:2017:poacc:billing:";
    let i = p.find(PAT)?;
    let rest = p.get(i + PAT.len()..)?;
    let b = rest.as_bytes();
    let ok = b.len() >= 6
        && b[0].is_ascii_digit()
        && b[1].is_ascii_digit()
        && &b[2..4] == b":1"
        && b[5] == b'0';
    if !ok {
        return None;
    }
    // The schematron takes the 7th ':'-separated token of the whole value.
    Some(p.split(':').nth(6).unwrap_or("").to_string())
}

fn de_de(ctx: &Ctx<'_, '_>) -> bool {
    postal(&ctx.inv.seller).as_deref() == Some("DE")
        && postal(&ctx.inv.buyer).as_deref() == Some("DE")
}

pub fn check(ctx: &mut Ctx<'_, '_>) {
    let inv = ctx.inv;
    let doc = ctx.doc;
    let ubl = ctx.syntax == Syntax::Ubl;
    let root = Some(inv.root);

    // Document head.
    ctx.check(inv.profile_id.is_some(), "PEPPOL-EN16931-R001", root);
    let profile = profile_code(inv.profile_id.map(|t| t.value));
    ctx.check(
        profile.is_some(),
        "PEPPOL-EN16931-R007",
        inv.profile_id.map(|t| t.node).or(root),
    );
    let cust = inv.customization_id.map(|t| t.value).unwrap_or("");
    if !cust.starts_with(PEPPOL_BIS3_ID) {
        let detail = if cust.is_empty() {
            "no specification identifier".to_string()
        } else {
            format!("found '{cust}'")
        };
        ctx.fail_with(
            "PEPPOL-EN16931-R004",
            inv.customization_id.map(|t| t.node).or(root),
            detail,
        );
    }
    if ubl {
        ctx.check(
            inv.notes.len() <= 1 || de_de(ctx),
            "PEPPOL-EN16931-R002",
            inv.notes.get(1).map(|n| n.node),
        );
    } else {
        let notes: Vec<u32> = doc
            .kid(inv.root, Ns::Rsm, "ExchangedDocument")
            .map(|e| doc.kids(e, Ns::Ram, "IncludedNote").collect())
            .unwrap_or_default();
        let subject = notes
            .iter()
            .any(|n| doc.kid(*n, Ns::Ram, "SubjectCode").is_some());
        ctx.check(
            notes.len() <= 1 && !subject,
            "PEPPOL-EN16931-R002",
            notes.first().copied().or(root),
        );
    }
    ctx.check(
        inv.buyer_reference.is_some() || inv.order_ref.is_some(),
        "PEPPOL-EN16931-R003",
        root,
    );
    if let (Some(t), Some(c)) = (inv.tax_currency, inv.currency) {
        ctx.check(t.value != c.value, "PEPPOL-EN16931-R005", Some(t.node));
    }
    if inv.buyer.node.is_some() {
        ctx.check(
            inv.buyer.endpoint.is_some(),
            "PEPPOL-EN16931-R010",
            inv.buyer.node,
        );
    }
    if inv.seller.node.is_some() {
        ctx.check(
            inv.seller.endpoint.is_some(),
            "PEPPOL-EN16931-R020",
            inv.seller.node,
        );
    }

    // Tax totals.
    let cur = inv.currency.map(|c| c.value);
    let tcur = inv.tax_currency.map(|c| c.value);
    if ubl {
        let with_sub = doc
            .kids(inv.root, Ns::Cac, "TaxTotal")
            .filter(|t| doc.kid(*t, Ns::Cac, "TaxSubtotal").is_some())
            .count();
        let without = doc.kids(inv.root, Ns::Cac, "TaxTotal").count() - with_sub;
        ctx.check(with_sub == 1, "PEPPOL-EN16931-R053", root);
        ctx.check(
            without == usize::from(tcur.is_some()),
            "PEPPOL-EN16931-R054",
            root,
        );
    } else {
        let in_doc = inv.tax_totals.iter().filter(|t| t.unit == cur).count();
        let other = inv.tax_totals.iter().filter(|t| t.unit != cur).count();
        ctx.check(in_doc == 1, "PEPPOL-EN16931-R053", inv.totals.node);
        ctx.check(
            other == usize::from(tcur.is_some()),
            "PEPPOL-EN16931-R054",
            inv.totals.node,
        );
    }
    if tcur.is_some() {
        // XPath general comparisons: true when any VAT total in that currency compares.
        // With no VAT total in the accounting currency neither branch holds and the rule
        // fails (the artefacts compare an empty sequence). UBL puts zero in both branches,
        // CII only in the non-negative one.
        let any = |unit: Option<&str>, f: &dyn Fn(Decimal) -> bool| {
            inv.tax_totals
                .iter()
                .filter(|t| t.unit == unit)
                .filter_map(|t| t.value)
                .any(f)
        };
        let neg = |d: Decimal| {
            if ubl {
                d <= Decimal::ZERO
            } else {
                d < Decimal::ZERO
            }
        };
        let non_neg = |d: Decimal| d >= Decimal::ZERO;
        let same_sign =
            (any(tcur, &neg) && any(cur, &neg)) || (any(tcur, &non_neg) && any(cur, &non_neg));
        ctx.check(same_sign, "PEPPOL-EN16931-R055", root);
    }

    // Allowances and charges (document and line level).
    let all_ac = inv
        .allowances_charges
        .iter()
        .chain(inv.lines.iter().flat_map(|l| l.allowances_charges.iter()));
    for ac in all_ac {
        check_ac(ctx, ac);
    }
    if !ubl {
        for ac in inv.lines.iter().flat_map(|l| l.price.allowances.iter()) {
            ctx.check(lit(ac).is_some(), "PEPPOL-EN16931-R043", Some(ac.node));
        }
    }

    // Payment means.
    for pm in &inv.payment_means {
        if matches!(pm.code.map(|c| c.value), Some("49" | "59")) {
            ctx.check(pm.mandate.is_some(), "PEPPOL-EN16931-R061", Some(pm.node));
        }
    }

    // Tender reference and invoiced object counts.
    if ubl {
        let tenders = doc
            .kids(inv.root, Ns::Cac, "AdditionalDocumentReference")
            .filter(|a| {
                doc.kid(*a, Ns::Cbc, "DocumentTypeCode")
                    .is_some_and(|c| doc.text(c) == "50")
            })
            .count();
        ctx.check(tenders <= 1, "PEPPOL-EN16931-R080", root);
    } else if let Some(agr) = doc.at(
        inv.root,
        &[
            (Ns::Rsm, "SupplyChainTradeTransaction"),
            (Ns::Ram, "ApplicableHeaderTradeAgreement"),
        ],
    ) {
        let count = |code: &str| {
            doc.kids(agr, Ns::Ram, "AdditionalReferencedDocument")
                .filter(|a| {
                    doc.kid(*a, Ns::Ram, "TypeCode")
                        .is_some_and(|c| doc.text(c) == code)
                })
                .count()
        };
        ctx.check(count("130") <= 1, "PEPPOL-EN16931-R006", Some(agr));
        ctx.check(count("50") <= 1, "PEPPOL-EN16931-R080", Some(agr));
    }

    // Lines.
    let doc_start = inv.period.as_ref().and_then(|p| p.start).map(|t| t.value);
    let doc_end = inv.period.as_ref().and_then(|p| p.end).map(|t| t.value);
    for line in &inv.lines {
        let l = line.node;
        let refs: Vec<u32> = if ubl {
            doc.kids(l, Ns::Cac, "DocumentReference").collect()
        } else {
            doc.kid(l, Ns::Ram, "SpecifiedLineTradeSettlement")
                .map(|s| {
                    doc.kids(s, Ns::Ram, "AdditionalReferencedDocument")
                        .collect()
                })
                .unwrap_or_default()
        };
        let code_of = |r: u32| {
            let k = if ubl {
                doc.kid(r, Ns::Cbc, "DocumentTypeCode")
            } else {
                doc.kid(r, Ns::Ram, "TypeCode")
            };
            k.map(|c| doc.text(c))
        };
        if ubl {
            ctx.check(refs.len() <= 1, "PEPPOL-EN16931-R100", Some(l));
        } else {
            ctx.check(
                refs.iter().filter(|r| code_of(**r) == Some("130")).count() <= 1,
                "PEPPOL-EN16931-R100",
                Some(l),
            );
        }
        // XPath general comparison: true when any reference has code 130.
        ctx.check(
            refs.is_empty() || refs.iter().any(|r| code_of(*r) == Some("130")),
            "PEPPOL-EN16931-R101",
            Some(l),
        );
        if let Some(p) = &line.period {
            if let (Some(ds), Some(s)) = (doc_start, p.start) {
                ctx.check(s.value >= ds, "PEPPOL-EN16931-R110", Some(s.node));
            }
            if let (Some(de), Some(e)) = (doc_end, p.end) {
                ctx.check(e.value <= de, "PEPPOL-EN16931-R111", Some(e.node));
            }
        }
        // R120: line net amount.
        let net = val(&line.net_amount);
        let qty = line.quantity.as_ref().map_or(Decimal::ONE, Num::dec);
        let price = val(&line.price.net);
        let base = line
            .price
            .base_quantity
            .as_ref()
            .map(Num::dec)
            .filter(|b| !b.is_zero())
            .unwrap_or(Decimal::ONE);
        let allowances = sum(line
            .allowances_charges
            .iter()
            .filter(|a| lit(a) == Some(false))
            .filter_map(|a| a.amount.as_ref()))
        .map(xpath_round2);
        let charges = sum(line
            .allowances_charges
            .iter()
            .filter(|a| lit(a) == Some(true))
            .filter_map(|a| a.amount.as_ref()))
        .map(xpath_round2);
        // `None`: out of the decimal range, the rule does not hold (see `arith`).
        let expected = arith::div(price, base)
            .and_then(|p| arith::mul(qty, p))
            .zip(charges.zip(allowances))
            .and_then(|(v, (c, a))| arith::sum([v, c, -a]));
        let at = Some(line.net_amount.map_or(l, |n| n.node));
        // An out-of-range difference exceeds the tolerance too.
        let diff = expected.and_then(|e| abs_diff(e, net));
        if diff.is_none_or(|d| d > Decimal::new(2, 2)) {
            ctx.fail_calc_checked("PEPPOL-EN16931-R120", at, expected, Some(net));
        }
        // Base quantity.
        let bases: Vec<&Num<'_>> = line.price.base_quantity.iter().collect();
        for b in &bases {
            ctx.check(b.dec() > Decimal::ZERO, "PEPPOL-EN16931-R121", Some(b.node));
            if let (Some(bu), Some(q)) = (b.unit, line.quantity.as_ref()) {
                ctx.check(Some(bu) == q.unit, "PEPPOL-EN16931-R130", Some(b.node));
            }
        }
        if !ubl {
            if let Some(g) = doc
                .kid(l, Ns::Ram, "SpecifiedLineTradeAgreement")
                .and_then(|a| {
                    doc.at(
                        a,
                        &[
                            (Ns::Ram, "GrossPriceProductTradePrice"),
                            (Ns::Ram, "BasisQuantity"),
                        ],
                    )
                })
            {
                let v = crate::model::parse_decimal(doc.text(g)).unwrap_or_default();
                ctx.check(v > Decimal::ZERO, "PEPPOL-EN16931-R121", Some(g));
                if let (Some(bu), Some(q)) = (doc.attr(g, "unitCode"), line.quantity.as_ref()) {
                    ctx.check(Some(bu) == q.unit, "PEPPOL-EN16931-R130", Some(g));
                }
            }
        }
        if ubl {
            for pa in &line.price.allowances {
                ctx.check(
                    pa.indicator.map(|t| t.value) == Some("false"),
                    "PEPPOL-EN16931-R044",
                    Some(pa.node),
                );
                if let Some(b) = &pa.base_amount {
                    let price = val(&line.price.net);
                    let exp = arith::sub(b.dec(), val(&pa.amount));
                    if exp != Some(price) {
                        ctx.fail_calc_checked(
                            "PEPPOL-EN16931-R046",
                            Some(pa.node),
                            exp,
                            Some(price),
                        );
                    }
                }
            }
        }
    }

    // Type codes.
    if let Some(tc) = inv.type_code {
        let v = tc.value;
        let p01 = profile.as_deref() == Some("01");
        const INV: &[&str] = &[
            "71", "80", "82", "84", "102", "218", "219", "326", "331", "380", "382", "383", "384",
            "386", "388", "393", "395", "553", "575", "623", "780", "817", "870", "875", "876",
            "877",
        ];
        const CN: &[&str] = &["381", "396", "81", "83", "532"];
        if ubl {
            if ctx.is_credit_note() {
                ctx.check(
                    !p01 || CN.contains(&v),
                    "PEPPOL-EN16931-P0101",
                    Some(tc.node),
                );
            } else {
                ctx.check(
                    !p01 || INV.contains(&v),
                    "PEPPOL-EN16931-P0100",
                    Some(tc.node),
                );
                ctx.check(
                    !(v == "326" || v == "384") || de_de(ctx),
                    "PEPPOL-EN16931-P0112",
                    Some(tc.node),
                );
            }
        } else if p01 && !INV.contains(&v) && !CN.contains(&v) {
            // The CII artefact's context is `ram:ExchangedDocument/ram:TypeCode`, but CII
            // puts ExchangedDocument in the rsm namespace: the official rule never fires.
            ctx.advise("HAVEN-Q-P0100", Some(tc.node));
        }
    }

    // Syntax-level sweeps over the whole tree.
    let eas_of_endpoint = |ctx: &mut Ctx<'_, '_>, n: u32| {
        if let Some(s) = doc.attr(n, "schemeID") {
            ctx.check(
                codelists::contains(data::PEPPOL_EAS, s),
                "PEPPOL-EN16931-CL008",
                Some(n),
            );
        }
    };
    if !ubl {
        for p in [inv.seller.endpoint, inv.buyer.endpoint]
            .into_iter()
            .flatten()
        {
            eas_of_endpoint(ctx, p.node);
        }
    }
    for idx in 0..doc.nodes.len() {
        let Ok(n) = u32::try_from(idx) else { break };
        let name = doc.name(n);
        match (doc.ns(n), ubl) {
            (Ns::Cbc, true) => {
                if !doc.has_children(n) && doc.text(n).is_empty() {
                    ctx.fail_with(
                        "PEPPOL-EN16931-R008",
                        Some(n),
                        format!("empty element cbc:{name}"),
                    );
                }
                match name {
                    "EndpointID" => eas_of_endpoint(ctx, n),
                    "EmbeddedDocumentBinaryObject" => {
                        if let Some(m) = doc.attr(n, "mimeCode") {
                            ctx.check(
                                codelists::contains(data::PEPPOL_MIME, m),
                                "PEPPOL-EN16931-CL001",
                                Some(n),
                            );
                        }
                    }
                    "AllowanceChargeReasonCode" => reason_code(ctx, n, true),
                    "DescriptionCode"
                        if doc
                            .parent(n)
                            .is_some_and(|p| doc.name(p) == "InvoicePeriod") =>
                    {
                        ctx.check(
                            codelists::contains(data::PEPPOL_UNCL2005, doc.text(n)),
                            "PEPPOL-EN16931-CL006",
                            Some(n),
                        );
                    }
                    "IssueDate" | "DueDate" | "TaxPointDate" | "StartDate" | "EndDate"
                    | "ActualDeliveryDate" => {
                        ctx.check(is_iso_date(doc.raw_text(n)), "PEPPOL-EN16931-F001", Some(n));
                    }
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
                        let c = doc.attr(n, "currencyID");
                        ctx.check(
                            c.is_some_and(|c| codelists::contains(data::PEPPOL_ISO4217, c)),
                            "PEPPOL-EN16931-CL007",
                            Some(n),
                        );
                        let exempt = name == "TaxAmount"
                            && doc.parent(n).is_some_and(|p| {
                                doc.name(p) == "TaxTotal"
                                    && doc.kid(p, Ns::Cac, "TaxSubtotal").is_none()
                            });
                        if !exempt {
                            ctx.check(c == cur, "PEPPOL-EN16931-R051", Some(n));
                        }
                    }
                    _ => {}
                }
            }
            (Ns::Cac, true) if name == "TaxCategory" => vatex_category(ctx, n),
            (Ns::Udt, false) if name == "DateTimeString" => {
                let t = doc.text(n);
                let ok = doc.attr(n, "format").map(str::trim) == Some("102")
                    && doc.raw_text(n).len() == 8
                    && t.as_bytes()
                        .windows(8)
                        .any(|w| w.starts_with(b"20") && w[2..].iter().all(u8::is_ascii_digit));
                ctx.check(ok, "PEPPOL-EN16931-F001", Some(n));
            }
            (Ns::Ram, false) => match name {
                "AttachmentBinaryObject" => {
                    if let Some(m) = doc.attr(n, "mimeCode") {
                        ctx.check(
                            codelists::contains(data::PEPPOL_MIME, m),
                            "PEPPOL-EN16931-CL001",
                            Some(n),
                        );
                    }
                }
                "ReasonCode"
                    if doc
                        .parent(n)
                        .is_some_and(|p| doc.name(p) == "SpecifiedTradeAllowanceCharge") =>
                {
                    reason_code(ctx, n, false)
                }
                "TaxTotalAmount" => {
                    if let Some(c) = doc.attr(n, "currencyID") {
                        ctx.check(
                            codelists::contains(data::PEPPOL_ISO4217, c),
                            "PEPPOL-EN16931-CL007",
                            Some(n),
                        );
                    }
                }
                _ => {}
            },
            _ => {}
        }
    }
}

fn check_ac(ctx: &mut Ctx<'_, '_>, ac: &AllowanceCharge<'_>) {
    // One schematron rule per context node: an allowance/charge caught by R041/R042 is not
    // checked for R040/R043.
    match (&ac.base_amount, &ac.percentage) {
        (None, Some(_)) => return ctx.fail("PEPPOL-EN16931-R041", Some(ac.node)),
        (Some(_), None) => return ctx.fail("PEPPOL-EN16931-R042", Some(ac.node)),
        _ => {}
    }
    if let (Some(b), Some(p)) = (&ac.base_amount, &ac.percentage) {
        let amount = val(&ac.amount);
        // `None`: out of the decimal range, the rule does not hold (see `arith`).
        let exp = arith::percent_of(b.dec(), p.dec());
        // An out-of-range difference exceeds the tolerance too.
        let diff = exp.and_then(|e| abs_diff(e, amount));
        if diff.is_none_or(|d| d > Decimal::new(2, 2)) {
            ctx.fail_calc_checked("PEPPOL-EN16931-R040", Some(ac.node), exp, Some(amount));
        }
    }
    ctx.check(lit(ac).is_some(), "PEPPOL-EN16931-R043", Some(ac.node));
}

/// Peppol compares the indicator text literally ('true' / 'false'), unlike CEN's xs:boolean.
fn lit(ac: &AllowanceCharge<'_>) -> Option<bool> {
    match ac.indicator.map(|t| t.value) {
        Some("true") => Some(true),
        Some("false") => Some(false),
        _ => None,
    }
}

/// CL002/CL003: the reason code list depends on the (exact, unnormalised) indicator.
fn reason_code(ctx: &mut Ctx<'_, '_>, n: u32, ubl: bool) {
    let doc = ctx.doc;
    let Some(ac) = doc.parent(n) else { return };
    let ind = if ubl {
        doc.kid(ac, Ns::Cbc, "ChargeIndicator")
            .map(|i| doc.raw_text(i))
    } else {
        doc.at(ac, &[(Ns::Ram, "ChargeIndicator"), (Ns::Udt, "Indicator")])
            .map(|i| doc.text(i))
    };
    let code = doc.text(n);
    match ind {
        Some("false") => ctx.check(
            codelists::contains(data::PEPPOL_UNCL5189, code),
            "PEPPOL-EN16931-CL002",
            Some(n),
        ),
        Some("true") => ctx.check(
            codelists::contains(data::PEPPOL_UNCL7161, code),
            "PEPPOL-EN16931-CL003",
            Some(n),
        ),
        _ => {}
    }
}

fn vatex_category(ctx: &mut Ctx<'_, '_>, n: u32) {
    let doc = ctx.doc;
    let Some(code) = doc.kid(n, Ns::Cbc, "TaxExemptionReasonCode") else {
        return;
    };
    let code = doc.raw_text(code).to_ascii_uppercase();
    let cat = doc.kid(n, Ns::Cbc, "ID").map(|c| doc.text(c)).unwrap_or("");
    let (rule, want) = match code.as_str() {
        "VATEX-EU-G" => ("PEPPOL-EN16931-P0104", "G"),
        "VATEX-EU-O" => ("PEPPOL-EN16931-P0105", "O"),
        "VATEX-EU-IC" => ("PEPPOL-EN16931-P0106", "K"),
        "VATEX-EU-AE" => ("PEPPOL-EN16931-P0107", "AE"),
        "VATEX-EU-D" => ("PEPPOL-EN16931-P0108", "E"),
        "VATEX-EU-F" => ("PEPPOL-EN16931-P0109", "E"),
        "VATEX-EU-I" => ("PEPPOL-EN16931-P0110", "E"),
        "VATEX-EU-J" => ("PEPPOL-EN16931-P0111", "E"),
        _ => return,
    };
    ctx.check(cat == want, rule, Some(n));
}

/// `YYYY-MM-DD` that is a real calendar date.
pub fn is_iso_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| {
        s.get(r)
            .filter(|x| x.bytes().all(|c| c.is_ascii_digit()))
            .and_then(|x| x.parse::<u32>().ok())
    };
    let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10)) else {
        return false;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    d >= 1 && d <= days
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_codes() {
        assert_eq!(
            profile_code(Some("urn:fdc:peppol.eu:2017:poacc:billing:01:1.0")).as_deref(),
            Some("01")
        );
        assert_eq!(
            profile_code(Some("urn:fdc:peppol.eu:2017:poacc:billing:1:1.0")),
            None
        );
        assert_eq!(profile_code(None), None);
        assert!(is_iso_date("2024-02-29"));
        assert!(!is_iso_date("2023-02-29"));
        assert!(!is_iso_date("20230101"));
    }
}
