//! PEPPOL-COMMON-R040..R050: check digits of party identifiers by scheme.

use crate::rules::{fatal, warning, Ctx, Rule};
use crate::xml::Ns;

pub static RULES: &[Rule] = &[
    fatal("PEPPOL-COMMON-R040", "", "GLN (scheme 0088) must be numeric with a valid check digit"),
    fatal("PEPPOL-COMMON-R041", "", "Norwegian organisation number (scheme 0192) must be 9 digits with a valid MOD11 check digit"),
    fatal("PEPPOL-COMMON-R042", "", "Danish CVR number (scheme 0184) must be 8 digits, optionally prefixed with DK"),
    fatal("PEPPOL-COMMON-R043", "", "Belgian enterprise number (scheme 0208) must be 10 digits with a valid MOD97 check"),
    warning("PEPPOL-COMMON-R044", "", "Italian IPA code (scheme 0201) must be 6 alphanumeric characters"),
    warning("PEPPOL-COMMON-R045", "", "Italian tax code (scheme 0210) is not a valid codice fiscale"),
    warning("PEPPOL-COMMON-R046", "", "Italian tax code (scheme 9907) is not a valid codice fiscale"),
    warning("PEPPOL-COMMON-R047", "", "Italian VAT number (scheme 0211) is not a valid partita IVA"),
    fatal("PEPPOL-COMMON-R049", "", "Swedish organisation number (scheme 0007) must be 10 digits with a valid Luhn check digit"),
    fatal("PEPPOL-COMMON-R050", "", "Australian Business Number (scheme 0151) must be 11 digits with a valid ABN checksum"),
];

/// The UBL artefact has R048 commented out; only the CII artefact checks it.
pub static CII_ONLY: &[Rule] = &[warning(
    "PEPPOL-COMMON-R048",
    "",
    "Italian VAT number (scheme 9906) is not a valid partita IVA",
)];

fn digits(s: &str) -> Option<Vec<u32>> {
    if s.is_empty() {
        return None;
    }
    s.chars().map(|c| c.to_digit(10)).collect()
}

/// GS1 check digit (weights 3,1 from the right, excluding the check digit).
pub fn gln(s: &str) -> bool {
    let Some(d) = digits(s) else { return false };
    let (body, check) = d.split_at(d.len() - 1);
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, v)| v * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    (10 - sum % 10) % 10 == check[0]
}

/// MOD11 with weights 2..7 from the right (Norwegian organisation numbers).
pub fn mod11(s: &str) -> bool {
    let Some(d) = digits(s) else { return false };
    if d.iter().all(|v| *v == 0) {
        return false;
    }
    let (body, check) = d.split_at(d.len() - 1);
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, v)| v * ((i as u32 % 6) + 2))
        .sum();
    (11 - sum % 11) % 11 == check[0]
}

/// Belgian enterprise number: last two digits = 97 - (first eight mod 97).
pub fn mod97_0208(s: &str) -> bool {
    if s.len() != 10 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let (Ok(body), Ok(check)) = (s[..8].parse::<u64>(), s[8..].parse::<u64>()) else {
        return false;
    };
    97 - body % 97 == check
}

/// Luhn check over the first nine digits (Swedish organisation numbers).
pub fn se_orgnr(s: &str) -> bool {
    let Some(d) = digits(s) else { return false };
    if d.len() < 10 {
        return false;
    }
    let main = &d[..9];
    let sum: u32 = main
        .iter()
        .rev()
        .enumerate()
        .map(|(i, v)| {
            if i % 2 == 0 {
                let x = v * 2;
                x % 10 + x / 10
            } else {
                *v
            }
        })
        .sum();
    (10 - sum % 10) % 10 == d[9]
}

/// Australian Business Number checksum.
pub fn abn(s: &str) -> bool {
    let Some(d) = digits(s) else { return false };
    if d.len() != 11 || d[0] == 0 {
        return false;
    }
    const W: [u32; 11] = [10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19];
    let sum: u32 = d
        .iter()
        .enumerate()
        .map(|(i, v)| (if i == 0 { v - 1 } else { *v }) * W[i])
        .sum();
    sum.is_multiple_of(89)
}

fn ipa(s: &str) -> bool {
    s.len() == 6 && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Italian codice fiscale: 16 characters (person) or 11 digits (company).
fn codice_fiscale(s: &str) -> bool {
    let s = s.trim();
    if s.len() == 11 {
        return piva(s);
    }
    if s.len() != 16 || !s.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return false;
    }
    const ODD: [u32; 36] = [
        1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3,
        6, 8, 12, 14, 16, 10, 22, 25, 24, 23,
    ];
    let up = s.to_ascii_uppercase();
    let b = up.as_bytes();
    let idx = |c: u8| {
        if c.is_ascii_digit() {
            (c - b'0') as usize
        } else {
            (c - b'A') as usize + 10
        }
    };
    let mut sum = 0u32;
    for (i, c) in b[..15].iter().enumerate() {
        let k = idx(*c);
        sum += if i % 2 == 0 {
            ODD.get(k).copied().unwrap_or(0)
        } else if k < 10 {
            k as u32
        } else {
            (k - 10) as u32
        };
    }
    b[15] == b'A' + (sum % 26) as u8
}

/// Italian partita IVA: 11 digits with a Luhn-like check (optionally prefixed "IT").
fn piva(s: &str) -> bool {
    let s = s.strip_prefix("IT").unwrap_or(s);
    let Some(d) = digits(s) else { return false };
    if d.len() != 11 {
        return false;
    }
    let mut sum = 0;
    for (i, v) in d[..10].iter().enumerate() {
        sum += if i % 2 == 0 {
            *v
        } else {
            let x = v * 2;
            if x > 9 {
                x - 9
            } else {
                x
            }
        };
    }
    (10 - sum % 10) % 10 == d[10]
}

fn scheme_ok(rule: &str, v: &str) -> bool {
    match rule {
        "PEPPOL-COMMON-R040" => gln(v),
        "PEPPOL-COMMON-R041" => v.len() == 9 && mod11(v),
        "PEPPOL-COMMON-R042" => {
            (v.len() == 10 && v.starts_with("DK") && v[2..].bytes().all(|b| b.is_ascii_digit()))
                || (v.len() == 8 && v.bytes().all(|b| b.is_ascii_digit()))
        }
        "PEPPOL-COMMON-R043" => mod97_0208(v),
        "PEPPOL-COMMON-R044" => ipa(v),
        "PEPPOL-COMMON-R045" | "PEPPOL-COMMON-R046" => codice_fiscale(v),
        "PEPPOL-COMMON-R047" | "PEPPOL-COMMON-R048" => piva(v),
        "PEPPOL-COMMON-R049" => v.len() == 10 && se_orgnr(v),
        "PEPPOL-COMMON-R050" => abn(v),
        _ => true,
    }
}

pub fn check(ctx: &mut Ctx<'_, '_>) {
    let doc = ctx.doc;
    for n in 0..doc.nodes.len() {
        let Ok(n) = u32::try_from(n) else { break };
        let Some(scheme) = doc.attr(n, "schemeID") else {
            continue;
        };
        let name = doc.name(n);
        let ns = doc.ns(n);
        // Which elements the schematron looks at: endpoint, party identification and
        // legal registration ids (UBL), or URIID / ID / GlobalID (CII).
        let (is_endpoint, eligible) = match ns {
            Ns::Cbc => {
                let parent = doc.parent(n).map(|p| doc.name(p));
                (
                    name == "EndpointID",
                    name == "EndpointID"
                        || name == "CompanyID"
                        || (name == "ID" && parent == Some("PartyIdentification")),
                )
            }
            Ns::Ram => (name == "URIID", matches!(name, "URIID" | "ID" | "GlobalID")),
            _ => (false, false),
        };
        if !eligible {
            continue;
        }
        let rule = match scheme {
            "0088" => "PEPPOL-COMMON-R040",
            "0192" => "PEPPOL-COMMON-R041",
            "0184" => "PEPPOL-COMMON-R042",
            "0208" => "PEPPOL-COMMON-R043",
            "0201" => "PEPPOL-COMMON-R044",
            "0210" => "PEPPOL-COMMON-R045",
            "9907" if is_endpoint => "PEPPOL-COMMON-R046",
            "0211" => "PEPPOL-COMMON-R047",
            "9906" if is_endpoint && ctx.syntax == crate::detect::Syntax::Cii => {
                "PEPPOL-COMMON-R048"
            }
            "0007" => "PEPPOL-COMMON-R049",
            "0151" => "PEPPOL-COMMON-R050",
            _ => continue,
        };
        // R042 uses the raw string; the others normalise whitespace.
        let v = if rule == "PEPPOL-COMMON-R042" {
            doc.raw_text(n)
        } else {
            doc.text(n)
        };
        if !scheme_ok(rule, v) {
            ctx.fail_with(rule, Some(n), format!("value '{v}'"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_digits() {
        assert!(gln("7300010000001"));
        assert!(gln("5790000435975"));
        assert!(!gln("5790000435976"));
        assert!(mod11("974760673"));
        assert!(!mod11("974760674"));
        assert!(mod97_0208("0417497106"));
        assert!(!mod97_0208("0417497107"));
        assert!(se_orgnr("5560360793"));
        assert!(!se_orgnr("5560360794"));
        assert!(abn("51824753556"));
        assert!(!abn("51824753557"));
        assert!(piva("01234567897"));
        assert!(ipa("UFY9MH"));
    }
}
