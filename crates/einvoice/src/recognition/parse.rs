//! Reading the values on an invoice as people write them: amounts in Dutch and English
//! notation, dates in numbers or words, and identifiers with their check digits.

use rust_decimal::Decimal;

/// An amount as printed: `1.234,56`, `1,234.56`, `€ 1 234,56`, `-12,00`, `1234.5`, `EUR 12`.
/// The last separator followed by one or two digits is the decimal mark; other separators
/// group thousands.
#[must_use]
pub fn amount(text: &str) -> Option<Decimal> {
    let trimmed = text.trim();
    let negative = trimmed.starts_with('-')
        || trimmed.ends_with('-')
        || (trimmed.starts_with('(') && trimmed.ends_with(')'))
        || trimmed.contains("- ")
        || trimmed.contains("-€")
        || trimmed.contains("€ -")
        || trimmed.contains("€-");
    let body: String = trimmed
        .chars()
        .filter(|c| c.is_ascii_digit() || matches!(c, '.' | ',' | '\''))
        .collect();
    let body = body.trim_matches(|c| c == '.' || c == ',');
    if body.is_empty() || !body.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    let last_separator = body.rfind(['.', ',']);
    let (whole, fraction) = match last_separator {
        Some(at) if body.len() - at - 1 <= 2 => (&body[..at], &body[at + 1..]),
        _ => (body, ""),
    };
    let whole: String = whole.chars().filter(char::is_ascii_digit).collect();
    let number = if fraction.is_empty() {
        whole
    } else {
        format!("{whole}.{fraction}")
    };
    let value: Decimal = number.parse().ok()?;
    Some(if negative { -value } else { value })
}

/// Every amount-looking token in a line: digits with separators, at least one digit, and a
/// decimal part or a currency sign nearby. Percentages are left out.
#[must_use]
pub fn amounts_in(line: &str) -> Vec<Decimal> {
    tokens(line)
        .into_iter()
        .filter(|(_, after)| !after.trim_start().starts_with('%'))
        .filter(|(token, _)| has_decimals(token))
        .filter_map(|(token, _)| amount(token))
        .collect()
}

fn has_decimals(token: &str) -> bool {
    let digits = token.trim_start_matches('-');
    match digits.rfind(['.', ',']) {
        Some(at) => {
            let tail = &digits[at + 1..];
            tail.len() == 2 && tail.chars().all(|c| c.is_ascii_digit())
        }
        None => false,
    }
}

/// Number-like tokens (digits, `.`, `,`, a leading `-`) with the text after each.
fn tokens(line: &str) -> Vec<(&str, &str)> {
    let mut found = Vec::new();
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() {
            let mut start = i;
            if start > 0 && bytes[start - 1] == b'-' {
                start -= 1;
            }
            let mut end = i;
            while end < bytes.len()
                && (bytes[end].is_ascii_digit()
                    || ((bytes[end] == b'.' || bytes[end] == b',' || bytes[end] == b' ')
                        && end + 1 < bytes.len()
                        && bytes[end + 1].is_ascii_digit()
                        && (bytes[end] != b' ' || thousands_group(&bytes[end + 1..]))))
            {
                end += 1;
            }
            found.push((&line[start..end], &line[end..]));
            i = end;
        } else {
            i += 1;
        }
    }
    found
}

/// Whether a space before these bytes groups thousands (`1 234,56`): three digits then a
/// separator or the end.
fn thousands_group(rest: &[u8]) -> bool {
    rest.len() >= 3
        && rest[..3].iter().all(u8::is_ascii_digit)
        && rest.get(3).is_none_or(|c| matches!(c, b',' | b'.' | b' '))
}

/// A percentage in the line: `21%`, `21 %`, `9,0%`, `21.00 %`.
#[must_use]
pub fn percent_in(line: &str) -> Option<Decimal> {
    tokens(line)
        .into_iter()
        .find(|(_, after)| after.trim_start().starts_with('%'))
        .and_then(|(token, _)| {
            let normal = token.replace(',', ".");
            normal.parse::<Decimal>().ok().map(|d| d.normalize())
        })
}

const MONTHS: [(&str, u32); 32] = [
    ("januari", 1),
    ("january", 1),
    ("februari", 2),
    ("february", 2),
    ("maart", 3),
    ("march", 3),
    ("april", 4),
    ("mei", 5),
    ("may", 5),
    ("juni", 6),
    ("june", 6),
    ("juli", 7),
    ("july", 7),
    ("augustus", 8),
    ("august", 8),
    ("september", 9),
    ("oktober", 10),
    ("october", 10),
    ("november", 11),
    ("december", 12),
    ("jan", 1),
    ("feb", 2),
    ("mrt", 3),
    ("mar", 3),
    ("apr", 4),
    ("jun", 6),
    ("jul", 7),
    ("aug", 8),
    ("sep", 9),
    ("okt", 10),
    ("oct", 10),
    ("nov", 11),
];

fn month(word: &str) -> Option<u32> {
    let word = word.trim_end_matches('.').to_lowercase();
    if word == "dec" {
        return Some(12);
    }
    if word == "sept" {
        return Some(9);
    }
    MONTHS
        .iter()
        .find(|(name, _)| *name == word)
        .map(|(_, m)| *m)
}

/// The first date in the text as ISO 8601 (`YYYY-MM-DD`): `2026-12-04`, `04-12-2026`,
/// `4/12/2026`, `04.12.2026`, `4 december 2026`, `4 Dec. 2026`, `December 4, 2026`.
/// Numeric dates are read day first, as in the Netherlands and Britain.
#[must_use]
pub fn date(text: &str) -> Option<String> {
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .collect();
    for (i, word) in words.iter().enumerate() {
        let clean = word.trim_matches(|c: char| !c.is_ascii_alphanumeric());
        if let Some(found) = numeric_date(clean) {
            return Some(found);
        }
        let number = |w: Option<&&str>| {
            w.map(|w| w.trim_matches(|c: char| !c.is_ascii_digit()))
                .and_then(|w| w.parse::<u32>().ok())
        };
        if let Some(m) = month(clean) {
            // `4 december 2026`
            if let (Some(d), Some(y)) = (
                i.checked_sub(1).and_then(|p| number(words.get(p))),
                number(words.get(i + 1)),
            ) {
                if let Some(found) = iso(y, m, d) {
                    return Some(found);
                }
            }
            // `December 4, 2026`
            if let (Some(d), Some(y)) = (number(words.get(i + 1)), number(words.get(i + 2))) {
                if let Some(found) = iso(y, m, d) {
                    return Some(found);
                }
            }
        }
    }
    None
}

fn numeric_date(word: &str) -> Option<String> {
    let parts: Vec<&str> = word.split(['-', '/', '.']).collect();
    let [a, b, c] = parts[..] else { return None };
    if !parts
        .iter()
        .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
    {
        return None;
    }
    let (a_n, b_n, c_n): (u32, u32, u32) = (a.parse().ok()?, b.parse().ok()?, c.parse().ok()?);
    if a.len() == 4 {
        iso(a_n, b_n, c_n)
    } else if c.len() == 4 {
        iso(c_n, b_n, a_n).or_else(|| iso(c_n, a_n, b_n))
    } else if c.len() == 2 {
        iso(2000 + c_n, b_n, a_n)
    } else {
        None
    }
}

fn iso(year: u32, month: u32, day: u32) -> Option<String> {
    valid_date(year, month, day).then(|| format!("{year:04}-{month:02}-{day:02}"))
}

/// Whether the day exists (Gregorian calendar, years 1900–2199).
#[must_use]
pub fn valid_date(year: u32, month: u32, day: u32) -> bool {
    let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1900..2200).contains(&year) && (1..=days).contains(&day)
}

/// Whether `text` is an ISO 8601 calendar date (`YYYY-MM-DD`) that exists.
#[must_use]
pub fn is_iso_date(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    match parts[..] {
        [y, m, d] if y.len() == 4 && m.len() == 2 && d.len() == 2 => {
            match (y.parse(), m.parse(), d.parse()) {
                (Ok(y), Ok(m), Ok(d)) => valid_date(y, m, d),
                _ => false,
            }
        }
        _ => false,
    }
}

/// Whether an IBAN (without spaces, upper case) has a valid ISO 13616 check (mod 97 = 1).
#[must_use]
pub fn iban_valid(iban: &str) -> bool {
    if !(15..=34).contains(&iban.len())
        || !iban
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        || !iban[..2].chars().all(|c| c.is_ascii_uppercase())
        || !iban[2..4].chars().all(|c| c.is_ascii_digit())
    {
        return false;
    }
    let rearranged = iban[4..].chars().chain(iban[..4].chars());
    let mut remainder: u32 = 0;
    for c in rearranged {
        let value = c.to_digit(36).unwrap_or(0);
        remainder = if value >= 10 {
            (remainder * 100 + value) % 97
        } else {
            (remainder * 10 + value) % 97
        };
    }
    remainder == 1
}

/// The first IBAN with a valid check in the text (spaces inside it allowed, as printed in
/// groups of four).
#[must_use]
pub fn iban_in(text: &str) -> Option<String> {
    let upper = text.to_uppercase();
    let chars: Vec<char> = upper.chars().collect();
    for start in 0..chars.len() {
        if !(chars[start].is_ascii_uppercase()
            && start + 1 < chars.len()
            && chars[start + 1].is_ascii_uppercase())
            || (start > 0 && chars[start - 1].is_ascii_alphanumeric())
        {
            continue;
        }
        let mut candidate = String::new();
        for &c in &chars[start..] {
            if c.is_ascii_alphanumeric() {
                candidate.push(c);
            } else if c != ' ' {
                break;
            }
            if candidate.len() > 34 {
                break;
            }
        }
        // The longest prefix that checks: what follows the IBAN may be glued to it.
        for end in (15..=candidate.len().min(34)).rev() {
            if iban_valid(&candidate[..end]) {
                return Some(candidate[..end].to_owned());
            }
        }
    }
    None
}

/// A Dutch VAT number (`NL` + 9 digits + `B` + 2 digits), or another EU one after a VAT
/// label, normalised without spaces or dots.
#[must_use]
pub fn vat_in(text: &str) -> Option<String> {
    let compact: String = text
        .to_uppercase()
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '-'))
        .collect();
    let chars: Vec<char> = compact.chars().collect();
    for start in 0..chars.len().saturating_sub(13) {
        let window: String = chars[start..start + 14].iter().collect();
        let bytes = window.as_bytes();
        if window.starts_with("NL")
            && bytes[2..11].iter().all(u8::is_ascii_digit)
            && bytes[11] == b'B'
            && bytes[12..14].iter().all(u8::is_ascii_digit)
        {
            return Some(window);
        }
    }
    None
}

/// An 8-digit KvK number in the text.
#[must_use]
pub fn kvk_in(text: &str) -> Option<String> {
    let compact: String = text.chars().filter(|c| !matches!(c, ' ' | '.')).collect();
    let bytes = compact.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() {
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            if i - start == 8 {
                return Some(compact[start..i].to_owned());
            }
        } else {
            i += 1;
        }
    }
    None
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn amounts_in_dutch_and_english_notation() {
        assert_eq!(amount("1.234,56"), Some(d("1234.56")));
        assert_eq!(amount("1,234.56"), Some(d("1234.56")));
        assert_eq!(amount("€ 1 234,56"), Some(d("1234.56")));
        assert_eq!(amount("EUR 1.234.567,8"), Some(d("1234567.8")));
        assert_eq!(amount("-12,00"), Some(d("-12.00")));
        assert_eq!(amount("12,00-"), Some(d("-12.00")));
        assert_eq!(amount("(12.00)"), Some(d("-12.00")));
        assert_eq!(amount("1.234"), Some(d("1234")));
        assert_eq!(amount("42"), Some(d("42")));
        assert_eq!(amount("€"), None);
        assert_eq!(
            amounts_in("BTW 21% over € 1.000,00   € 210,00"),
            vec![d("1000.00"), d("210.00")]
        );
        assert_eq!(amounts_in("Total 1 234,56 EUR"), vec![d("1234.56")]);
        assert_eq!(percent_in("BTW 21%"), Some(d("21")));
        assert_eq!(percent_in("VAT 9,0 %"), Some(d("9")));
        assert_eq!(percent_in("VAT 5.5 % of 100.00"), Some(d("5.5")));
    }

    #[test]
    fn dates_in_numbers_and_words() {
        assert_eq!(date("2026-12-04").as_deref(), Some("2026-12-04"));
        assert_eq!(date("Datum: 04-12-2026").as_deref(), Some("2026-12-04"));
        assert_eq!(date("4/12/2026").as_deref(), Some("2026-12-04"));
        assert_eq!(date("04.12.2026").as_deref(), Some("2026-12-04"));
        assert_eq!(date("04-12-26").as_deref(), Some("2026-12-04"));
        assert_eq!(date("4 december 2026").as_deref(), Some("2026-12-04"));
        assert_eq!(date("4 mei 2026").as_deref(), Some("2026-05-04"));
        assert_eq!(date("14 Oct. 2026").as_deref(), Some("2026-10-14"));
        assert_eq!(date("December 4, 2026").as_deref(), Some("2026-12-04"));
        assert_eq!(date("1 maart 2025").as_deref(), Some("2025-03-01"));
        // A US month-first date that cannot be day-first is still read.
        assert_eq!(date("12/31/2026").as_deref(), Some("2026-12-31"));
        assert_eq!(date("31-02-2026"), None);
        assert_eq!(date("no date here"), None);
        assert!(is_iso_date("2024-02-29"));
        assert!(!is_iso_date("2023-02-29"));
        assert!(!is_iso_date("4-12-2026"));
    }

    #[test]
    fn ibans_are_checked_with_mod_97() {
        assert!(iban_valid("NL91ABNA0417164300"));
        assert!(!iban_valid("NL92ABNA0417164300"));
        assert!(iban_valid("GB29NWBK60161331926819"));
        assert_eq!(
            iban_in("IBAN: NL91 ABNA 0417 1643 00 t.n.v. Haven").as_deref(),
            Some("NL91ABNA0417164300")
        );
        assert_eq!(iban_in("IBAN NL92 ABNA 0417 1643 00"), None);
        assert_eq!(
            iban_in("NL91ABNA0417164300BIC").as_deref(),
            Some("NL91ABNA0417164300")
        );
    }

    #[test]
    fn identifiers_are_found_in_their_printed_forms() {
        assert_eq!(
            vat_in("BTW-nr: NL 0012.34.567.B01").as_deref(),
            Some("NL001234567B01")
        );
        assert_eq!(
            vat_in("VAT NL001234567B01").as_deref(),
            Some("NL001234567B01")
        );
        assert_eq!(vat_in("NL001234567X01"), None);
        assert_eq!(kvk_in("KvK 1234 5678").as_deref(), Some("12345678"));
        assert_eq!(kvk_in("KvK 123456789"), None);
    }
}
