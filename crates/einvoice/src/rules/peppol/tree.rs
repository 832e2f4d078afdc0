//! Small XPath-like helpers over the parsed tree for the Peppol national rules, which are
//! written against document structure rather than the EN 16931 model.

use crate::xml::{Doc, NodeId, Ns};

/// Every node reached by following `path` from `n` (all matches at every step).
pub fn all(doc: &Doc<'_>, n: NodeId, path: &[(Ns, &str)]) -> Vec<NodeId> {
    let mut cur = vec![n];
    for (ns, name) in path {
        let mut next = Vec::new();
        for c in cur {
            next.extend(doc.kids(c, *ns, name));
        }
        if next.is_empty() {
            return next;
        }
        cur = next;
    }
    cur
}

/// Text of the first node reached by `path` (first match at each step, like `Doc::at`,
/// but backtracking so that e.g. the second `PartyTaxScheme` is found when only it matches).
pub fn first(doc: &Doc<'_>, n: NodeId, path: &[(Ns, &str)]) -> Option<NodeId> {
    all(doc, n, path).into_iter().next()
}

/// Trimmed text of the first node reached by `path`.
pub fn text<'x>(doc: &'x Doc<'_>, n: NodeId, path: &[(Ns, &str)]) -> Option<&'x str> {
    first(doc, n, path).map(|x| doc.text(x))
}

/// True when the first node reached by `path` exists and has non-blank text.
pub fn filled(doc: &Doc<'_>, n: NodeId, path: &[(Ns, &str)]) -> bool {
    text(doc, n, path).is_some_and(|t| !t.is_empty())
}

/// XPath `normalize-space`.
pub fn norm(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// XPath `string(number(s)) != 'NaN'`: a decimal or double literal.
pub fn is_number(s: &str) -> bool {
    let t = s.trim();
    if t.is_empty()
        || t.chars()
            .any(|c| c.is_ascii_alphabetic() && c != 'e' && c != 'E')
    {
        return t == "INF" || t == "-INF";
    }
    t.parse::<f64>().is_ok_and(|v| !v.is_nan())
}

/// XPath `number(s)` (NaN when not a number).
pub fn number(s: &str) -> f64 {
    if is_number(s) {
        s.trim().parse::<f64>().unwrap_or(f64::NAN)
    } else {
        f64::NAN
    }
}

/// Number of characters (XPath `string-length`).
pub fn len(s: &str) -> usize {
    s.chars().count()
}

/// Postal country of the party reached by `party_path` from the root, trimmed as written.
pub fn ubl_party(doc: &Doc<'_>, supplier: bool) -> Option<NodeId> {
    let which = if supplier {
        "AccountingSupplierParty"
    } else {
        "AccountingCustomerParty"
    };
    doc.at(doc.root(), &[(Ns::Cac, which), (Ns::Cac, "Party")])
}

pub fn ubl_postal<'x>(doc: &'x Doc<'_>, party: Option<NodeId>) -> Option<&'x str> {
    party.and_then(|p| {
        text(
            doc,
            p,
            &[
                (Ns::Cac, "PostalAddress"),
                (Ns::Cac, "Country"),
                (Ns::Cbc, "IdentificationCode"),
            ],
        )
    })
}

/// `cac:PartyTaxScheme[cac:TaxScheme/cbc:ID = 'VAT']/cbc:CompanyID` of a UBL party.
pub fn ubl_vat_ids(doc: &Doc<'_>, party: NodeId) -> Vec<NodeId> {
    doc.kids(party, Ns::Cac, "PartyTaxScheme")
        .filter(|t| {
            all(doc, *t, &[(Ns::Cac, "TaxScheme"), (Ns::Cbc, "ID")])
                .iter()
                .any(|i| doc.text(*i) == "VAT")
        })
        .flat_map(|t| doc.kids(t, Ns::Cbc, "CompanyID").collect::<Vec<_>>())
        .collect()
}

/// CII header trade agreement and settlement.
pub fn cii_agreement(doc: &Doc<'_>) -> Option<NodeId> {
    doc.at(
        doc.root(),
        &[
            (Ns::Rsm, "SupplyChainTradeTransaction"),
            (Ns::Ram, "ApplicableHeaderTradeAgreement"),
        ],
    )
}

pub fn cii_settlement(doc: &Doc<'_>) -> Option<NodeId> {
    doc.at(
        doc.root(),
        &[
            (Ns::Rsm, "SupplyChainTradeTransaction"),
            (Ns::Ram, "ApplicableHeaderTradeSettlement"),
        ],
    )
}

pub fn cii_party(doc: &Doc<'_>, name: &str) -> Option<NodeId> {
    cii_agreement(doc).and_then(|a| doc.kid(a, Ns::Ram, name))
}

pub fn cii_postal<'x>(doc: &'x Doc<'_>, party: Option<NodeId>) -> Option<&'x str> {
    party.and_then(|p| {
        text(
            doc,
            p,
            &[(Ns::Ram, "PostalTradeAddress"), (Ns::Ram, "CountryID")],
        )
    })
}

/// `ram:SpecifiedTaxRegistration/ram:ID[@schemeID = scheme]` of a CII party.
pub fn cii_tax_ids(doc: &Doc<'_>, party: NodeId, scheme: &str) -> Vec<NodeId> {
    all(
        doc,
        party,
        &[(Ns::Ram, "SpecifiedTaxRegistration"), (Ns::Ram, "ID")],
    )
    .into_iter()
    .filter(|i| doc.attr(*i, "schemeID") == Some(scheme))
    .collect()
}

/// Greek TIN check digit (weights 256..2 over the first eight digits, mod 11 mod 10).
pub fn greek_tin(s: &str) -> bool {
    let d: Vec<char> = s.chars().collect();
    if d.len() < 9 {
        return false;
    }
    let mut sum = 0u32;
    for (i, c) in d[..8].iter().enumerate() {
        let Some(v) = c.to_digit(10) else {
            return false;
        };
        sum += v << (8 - i);
    }
    d[8].to_digit(10) == Some((sum % 11) % 10)
}

/// IBAN shape and MOD97 check as the German rules compute it.
pub fn iban(raw: &str) -> bool {
    let s: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    let b = s.as_bytes();
    if b.len() < 4 || b.len() > 34 {
        return false;
    }
    if !(b[0].is_ascii_uppercase()
        && b[1].is_ascii_uppercase()
        && b[2].is_ascii_digit()
        && b[3].is_ascii_digit()
        && b[4..].iter().all(u8::is_ascii_alphanumeric))
    {
        return false;
    }
    let mut rem: u64 = 0;
    for c in b[4..].iter().chain(b[..4].iter()) {
        let v = if *c > 64 {
            u64::from(*c) - 55
        } else {
            u64::from(*c) - 48
        };
        let digits = if v >= 10 { 100 } else { 10 };
        rem = (rem * digits + v) % 97;
    }
    rem == 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        assert!(greek_tin("094259216"));
        assert!(!greek_tin("094259217"));
        assert!(iban("DE75 5121 0800 1245 1261 99"));
        assert!(!iban("DE76512108001245126199"));
        assert!(is_number(" 12 "));
        assert!(!is_number("12a"));
        assert!(!is_number("NaN"));
        assert_eq!(norm("  a \n b "), "a b");
    }
}
