//! The identifiers an organization is known by, and the Peppol participant identifiers made
//! from them.
//!
//! People paste these numbers from spreadsheets, PDFs and websites, and at the reference
//! platform a stray space, dot or a spreadsheet's leading apostrophe has misrouted invoices.
//! So every identifier is *normalised* first (spaces, non-breaking and zero-width spaces,
//! dots, dashes, a leading apostrophe or surrounding quotes are dropped; letters are
//! upper-cased) and anything else is *refused* with a field error that names the offending
//! character and says what the identifier should look like. Then the shape and, where the
//! scheme has one, the check digits are verified.
//!
//! | kind | scheme (ISO 6523 ICD / Peppol EAS) | shape | check |
//! |---|---|---|---|
//! | KvK number | `0106` | 8 digits | none since 2016 (the old eleven-test is not enforced) |
//! | KvK establishment number | `0217` | 12 digits | none |
//! | OIN | `0190` | 20 digits | none published (format only) |
//! | VAT number | `99xx` per country (`9944` NL, `9925` BE, …) | country prefix + number | NL and BE checked |
//! | Belgian enterprise number | `0208` | 10 digits, first 0 or 1 | mod 97 |
//! | GLN | `0088` | 13 digits | GS1 mod 10 |
//! | other | the given 4-digit code | letters, digits, `-`, `.`, `_`, `@`, `+` | none |
//!
//! Input may also be a participant identifier (`0106:12345678`,
//! `iso6523-actorid-upis::0106:12345678`) or one of the older textual forms
//! (`NL:KVK:12345678`, `NL:OIN:…`, `NL:VAT:…`, `BE:EN:…`, `BE:CBE:…`, `GLN:…`, `DE:VAT:…`).

use std::fmt;

use haven_einvoice::codelists::data::{PEPPOL_EAS, PEPPOL_ICD};
use serde::{Deserialize, Serialize};

use crate::FieldError;

/// The ISO 6523 ICD / Peppol EAS codes Haven gives a meaning to.
pub mod scheme {
    /// Dutch Chamber of Commerce (KvK) number.
    pub const KVK: &str = "0106";
    /// KvK establishment number (vestigingsnummer); an EAS code since Peppol code lists 3.0.19.
    pub const KVK_ESTABLISHMENT: &str = "0217";
    /// Dutch government organization identification number (OIN).
    pub const OIN: &str = "0190";
    /// Dutch VAT number (omzetbelastingnummer / btw-identificatienummer).
    pub const NL_VAT: &str = "9944";
    /// Belgian enterprise number (KBO/BCE ondernemingsnummer).
    pub const BE_ENTERPRISE: &str = "0208";
    /// Belgian VAT number.
    pub const BE_VAT: &str = "9925";
    /// GS1 Global Location Number.
    pub const GLN: &str = "0088";
    /// D-U-N-S number.
    pub const DUNS: &str = "0060";
    /// Legal Entity Identifier.
    pub const LEI: &str = "0199";
}

/// VAT number prefixes with their Peppol EAS scheme (the `99xx` "<country>:VAT" entries of the
/// EAS code list). Greece's VAT prefix is `EL`; `GR` is accepted on input and becomes `EL`.
const VAT_SCHEMES: &[(&str, &str)] = &[
    ("HU", "9910"),
    ("AT", "9914"),
    ("ES", "9920"),
    ("AD", "9922"),
    ("AL", "9923"),
    ("BA", "9924"),
    ("BE", "9925"),
    ("BG", "9926"),
    ("CH", "9927"),
    ("CY", "9928"),
    ("CZ", "9929"),
    ("DE", "9930"),
    ("EE", "9931"),
    ("GB", "9932"),
    ("EL", "9933"),
    ("HR", "9934"),
    ("IE", "9935"),
    ("LI", "9936"),
    ("LT", "9937"),
    ("LU", "9938"),
    ("LV", "9939"),
    ("MC", "9940"),
    ("ME", "9941"),
    ("MK", "9942"),
    ("MT", "9943"),
    ("NL", "9944"),
    ("PL", "9945"),
    ("PT", "9946"),
    ("RO", "9947"),
    ("RS", "9948"),
    ("SI", "9949"),
    ("SK", "9950"),
    ("SM", "9951"),
    ("TR", "9952"),
    ("VA", "9953"),
    ("FR", "9957"),
];

/// The Peppol EAS scheme for VAT numbers of a country (`"NL"` → `"9944"`), if there is one.
#[must_use]
pub fn vat_scheme_for_country(country: &str) -> Option<&'static str> {
    let country = country.to_ascii_uppercase();
    let country = if country == "GR" { "EL" } else { &country };
    VAT_SCHEMES
        .iter()
        .find(|(c, _)| *c == country)
        .map(|(_, s)| *s)
}

/// The VAT country prefix of a Peppol EAS VAT scheme (`"9944"` → `"NL"`), if it is one.
#[must_use]
pub fn vat_country_for_scheme(scheme: &str) -> Option<&'static str> {
    VAT_SCHEMES
        .iter()
        .find(|(_, s)| *s == scheme)
        .map(|(c, _)| *c)
}

/// What kind of identifier a number is. The API spells these `kvk`, `kvk_establishment`, `oin`,
/// `vat`, `be_enterprise`, `gln` and `other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum IdentifierKind {
    Kvk,
    KvkEstablishment,
    Oin,
    Vat,
    BeEnterprise,
    Gln,
    Other,
}

impl IdentifierKind {
    pub const ALL: [IdentifierKind; 7] = [
        IdentifierKind::Kvk,
        IdentifierKind::KvkEstablishment,
        IdentifierKind::Oin,
        IdentifierKind::Vat,
        IdentifierKind::BeEnterprise,
        IdentifierKind::Gln,
        IdentifierKind::Other,
    ];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Kvk => "kvk",
            Self::KvkEstablishment => "kvk_establishment",
            Self::Oin => "oin",
            Self::Vat => "vat",
            Self::BeEnterprise => "be_enterprise",
            Self::Gln => "gln",
            Self::Other => "other",
        }
    }

    /// The kind named by its API string (exact, lower case), or `None`.
    #[must_use]
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == raw)
    }

    /// The name people know it by, for messages ("KvK number").
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::Kvk => "KvK number",
            Self::KvkEstablishment => "KvK establishment number",
            Self::Oin => "OIN",
            Self::Vat => "VAT number",
            Self::BeEnterprise => "Belgian enterprise number",
            Self::Gln => "GLN",
            Self::Other => "identifier",
        }
    }

    /// The scheme every identifier of this kind has; `None` for VAT (one per country) and other.
    #[must_use]
    pub fn scheme(self) -> Option<&'static str> {
        match self {
            Self::Kvk => Some(scheme::KVK),
            Self::KvkEstablishment => Some(scheme::KVK_ESTABLISHMENT),
            Self::Oin => Some(scheme::OIN),
            Self::BeEnterprise => Some(scheme::BE_ENTERPRISE),
            Self::Gln => Some(scheme::GLN),
            Self::Vat | Self::Other => None,
        }
    }

    /// One sentence saying what a valid value looks like.
    #[must_use]
    pub fn shape(self) -> &'static str {
        match self {
            Self::Kvk => "A KvK number has 8 digits, e.g. 12345678.",
            Self::KvkEstablishment => {
                "A KvK establishment number (vestigingsnummer) has 12 digits, e.g. 000012345678."
            }
            Self::Oin => "An OIN has 20 digits, e.g. 00000001234567890000.",
            Self::Vat => {
                "A VAT number starts with its country code, e.g. NL123456782B01 or BE0403170701."
            }
            Self::BeEnterprise => {
                "A Belgian enterprise number has 10 digits starting with 0 or 1, e.g. 0403.170.701."
            }
            Self::Gln => "A GLN has 13 digits, e.g. 8712345678906.",
            Self::Other => {
                "An identifier has letters, digits, '-', '.', '_', '@' or '+', at most 50 of them."
            }
        }
    }

    /// The kind an identifier in `scheme` has (VAT schemes give `Vat`, unknown ones `Other`).
    #[must_use]
    pub fn for_scheme(scheme_code: &str) -> Self {
        match scheme_code {
            scheme::KVK => Self::Kvk,
            scheme::KVK_ESTABLISHMENT => Self::KvkEstablishment,
            scheme::OIN => Self::Oin,
            scheme::BE_ENTERPRISE => Self::BeEnterprise,
            scheme::GLN => Self::Gln,
            s if vat_country_for_scheme(s).is_some() => Self::Vat,
            _ => Self::Other,
        }
    }
}

impl fmt::Display for IdentifierKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A validated, normalised identifier of an organization.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Identifier {
    kind: IdentifierKind,
    /// The 4-digit ISO 6523 ICD / Peppol EAS code.
    scheme: String,
    /// The normalised value: digits for KvK/OIN/GLN/BE enterprise, `NL123456782B01` for VAT.
    value: String,
}

impl Identifier {
    /// Normalises and validates `raw` as an identifier of `kind`. `scheme_for_other` is the
    /// 4-digit scheme code and is required for [`IdentifierKind::Other`] (ignored otherwise).
    /// `raw` may also be a participant identifier or an older textual form
    /// (`0106:12345678`, `NL:KVK:12345678`); its scheme must then fit `kind`.
    ///
    /// When `kind` is `Other` but the scheme is one Haven knows (`0106`, `9944`, …), the
    /// value is validated by that scheme's rules and the identifier gets the specific kind.
    ///
    /// # Errors
    /// A [`FieldError`] on `field` whose message says what is wrong and what a valid value
    /// looks like. Codes: `required`, `invalid_character`, `invalid_format`,
    /// `invalid_check_digit`, `unknown_vat_country`, `unknown_scheme`, `scheme_mismatch`.
    pub fn parse(
        field: &str,
        kind: IdentifierKind,
        raw: &str,
        scheme_for_other: Option<&str>,
    ) -> Result<Self, FieldError> {
        if raw.contains(':') {
            let parsed = Self::parse_participant_id(field, raw)?;
            return match kind {
                IdentifierKind::Other => match scheme_for_other.map(str::trim) {
                    Some(s) if !s.is_empty() && s != parsed.scheme => Err(error(
                        field,
                        "scheme_mismatch",
                        format!(
                            "This identifier has scheme {}, not {s}. Enter the value without a prefix, or choose scheme {}.",
                            parsed.scheme, parsed.scheme
                        ),
                    )),
                    _ => Ok(parsed),
                },
                k if k == parsed.kind => Ok(parsed),
                k => Err(error(
                    field,
                    "scheme_mismatch",
                    format!(
                        "This is {} (scheme {}), not {}. {}",
                        k_a(parsed.kind),
                        parsed.scheme,
                        k_a(k),
                        k.shape()
                    ),
                )),
            };
        }
        match kind {
            IdentifierKind::Other => {
                let scheme_code = scheme_for_other.map(str::trim).unwrap_or_default();
                if scheme_code.is_empty() {
                    return Err(error(
                        field,
                        "required",
                        "Choose the identifier's scheme: its 4-digit ISO 6523 code, e.g. 0060 for a D-U-N-S number.".to_owned(),
                    ));
                }
                Self::for_scheme(field, scheme_code, raw)
            }
            IdentifierKind::Vat => parse_vat(field, raw, None),
            k => {
                let value = validate_fixed(field, k, raw)?;
                Ok(Self {
                    kind: k,
                    scheme: k.scheme().unwrap_or_default().to_owned(),
                    value,
                })
            }
        }
    }

    /// Parses a participant identifier (`0106:12345678`, `iso6523-actorid-upis::0106:12345678`)
    /// or an older textual form (`NL:KVK:12345678`, `NL:OIN:…`, `NL:VAT:…`, `BE:EN:…`,
    /// `BE:CBE:…`, `GLN:…`, `<country>:VAT:…`), case-insensitively, and validates the value
    /// by its scheme's rules when the scheme is one Haven knows.
    ///
    /// # Errors
    /// As [`Identifier::parse`].
    pub fn parse_participant_id(field: &str, raw: &str) -> Result<Self, FieldError> {
        let trimmed = strip_quotes(raw.trim());
        if trimmed.is_empty() {
            return Err(error(
                field,
                "required",
                "Enter a participant identifier, e.g. 0106:12345678.".to_owned(),
            ));
        }
        let body = strip_prefix_ignore_case(trimmed, "iso6523-actorid-upis::").unwrap_or(trimmed);
        let Some((label, value)) = body.rsplit_once(':') else {
            return Err(error(
                field,
                "invalid_format",
                "A participant identifier is a scheme code, a colon and the value, e.g. 0106:12345678.".to_owned(),
            ));
        };
        let label: String = label
            .chars()
            .filter(|c| !is_spacing(*c))
            .collect::<String>()
            .to_ascii_uppercase();
        let scheme_code = if label.len() == 4 && label.bytes().all(|b| b.is_ascii_digit()) {
            label
        } else if let Some(code) = textual_scheme(&label) {
            code.to_owned()
        } else {
            return Err(error(
                field,
                "unknown_scheme",
                format!(
                    "“{label}” is not an identifier scheme Haven knows. Use the 4-digit ISO 6523 code, e.g. 0106:12345678 for a KvK number."
                ),
            ));
        };
        Self::for_scheme(field, &scheme_code, value)
    }

    /// Validates `raw` by the rules of `scheme_code`, giving the identifier the kind of that
    /// scheme (unknown but listed schemes give `Other`).
    fn for_scheme(field: &str, scheme_code: &str, raw: &str) -> Result<Self, FieldError> {
        if !(scheme_code.len() == 4 && scheme_code.bytes().all(|b| b.is_ascii_digit())) {
            return Err(error(
                field,
                "unknown_scheme",
                format!(
                    "“{scheme_code}” is not a scheme code: a scheme code has 4 digits, e.g. 0106."
                ),
            ));
        }
        match IdentifierKind::for_scheme(scheme_code) {
            IdentifierKind::Vat => parse_vat(field, raw, vat_country_for_scheme(scheme_code)),
            IdentifierKind::Other => {
                if !PEPPOL_EAS.contains(&scheme_code) && !PEPPOL_ICD.contains(&scheme_code) {
                    return Err(error(
                        field,
                        "unknown_scheme",
                        format!("{scheme_code} is not in the ISO 6523 or Peppol EAS code lists."),
                    ));
                }
                let value = validate_other(field, raw)?;
                Ok(Self {
                    kind: IdentifierKind::Other,
                    scheme: scheme_code.to_owned(),
                    value,
                })
            }
            k => {
                let value = validate_fixed(field, k, raw)?;
                Ok(Self {
                    kind: k,
                    scheme: scheme_code.to_owned(),
                    value,
                })
            }
        }
    }

    /// For values read back from storage, which were parsed before they were stored.
    #[must_use]
    pub fn from_trusted(kind: IdentifierKind, scheme: String, value: String) -> Self {
        Self {
            kind,
            scheme,
            value,
        }
    }

    #[must_use]
    pub fn kind(&self) -> IdentifierKind {
        self.kind
    }

    /// The 4-digit ISO 6523 ICD / Peppol EAS code.
    #[must_use]
    pub fn scheme(&self) -> &str {
        &self.scheme
    }

    /// The normalised value.
    #[must_use]
    pub fn value(&self) -> &str {
        &self.value
    }

    /// The Peppol participant identifier this identifier becomes on activation.
    #[must_use]
    pub fn participant_id(&self) -> ParticipantId {
        ParticipantId {
            scheme: self.scheme.clone(),
            value: self.value.clone(),
        }
    }
}

/// A Peppol participant identifier in the `iso6523-actorid-upis` scheme: `0106:12345678`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ParticipantId {
    scheme: String,
    value: String,
}

impl ParticipantId {
    /// The identifier scheme of every participant identifier Haven uses.
    pub const IDENTIFIER_SCHEME: &'static str = "iso6523-actorid-upis";

    /// Parses `0106:12345678`, `iso6523-actorid-upis::0106:12345678` or a textual form such as
    /// `NL:KVK:12345678`, validating the value when the scheme is one Haven knows.
    ///
    /// # Errors
    /// A [`FieldError`] on the field `participantId`.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Identifier::parse_participant_id("participantId", raw).map(|i| i.participant_id())
    }

    /// For values read back from storage, which were parsed before they were stored.
    #[must_use]
    pub fn from_trusted(scheme: String, value: String) -> Self {
        Self { scheme, value }
    }

    #[must_use]
    pub fn scheme(&self) -> &str {
        &self.scheme
    }

    #[must_use]
    pub fn value(&self) -> &str {
        &self.value
    }

    /// The full form with the identifier scheme: `iso6523-actorid-upis::0106:12345678`.
    #[must_use]
    pub fn to_uri(&self) -> String {
        format!("{}::{self}", Self::IDENTIFIER_SCHEME)
    }
}

impl fmt::Display for ParticipantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.scheme, self.value)
    }
}

/// The kind's label with its article: "a KvK number", "an OIN".
fn k_a(kind: IdentifierKind) -> String {
    let label = kind.label();
    let article = if label.starts_with(['A', 'E', 'I', 'O', 'U', 'a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {label}")
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

fn error(field: &str, code: &'static str, message: String) -> FieldError {
    FieldError {
        field: field.to_owned(),
        code,
        message,
    }
}

/// Older textual scheme names and the numeric scheme they stand for.
fn textual_scheme(label: &str) -> Option<&'static str> {
    Some(match label {
        "NL:KVK" | "NL:KVKNR" => scheme::KVK,
        "NL:KVKV" | "NL:KVK:VESTIGING" | "NL:VESTIGING" => scheme::KVK_ESTABLISHMENT,
        "NL:OIN" | "NL:OINO" => scheme::OIN,
        "NL:VAT" | "NL:BTW" => scheme::NL_VAT,
        "BE:EN" | "BE:CBE" | "BE:KBO" | "BE:BCE" => scheme::BE_ENTERPRISE,
        "GLN" | "EAN" | "GS1:GLN" => scheme::GLN,
        "DUNS" => scheme::DUNS,
        "LEI" => scheme::LEI,
        other => {
            let country = other.strip_suffix(":VAT")?;
            return vat_scheme_for_country(country);
        }
    })
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    if head.eq_ignore_ascii_case(prefix) {
        s.get(prefix.len()..)
    } else {
        None
    }
}

const QUOTES: &[char] = &['\'', '"', '`', '‘', '’', '‚', '“', '”', '„'];

/// Drops a spreadsheet's leading apostrophe and quotes around the whole value.
fn strip_quotes(s: &str) -> &str {
    s.trim_start_matches(QUOTES).trim_end_matches(QUOTES).trim()
}

/// Spaces of every sort, including non-breaking and zero-width ones and a byte-order mark.
fn is_spacing(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\u{200b}'..='\u{200d}' | '\u{2060}' | '\u{feff}')
}

/// Dots and dashes people put between groups of digits.
fn is_separator(c: char) -> bool {
    matches!(c, '.' | '-' | '‐' | '‑' | '‒' | '–' | '—' | '·')
}

fn describe_char(c: char) -> String {
    if c.is_control() || c.is_whitespace() {
        format!("the character U+{:04X}", u32::from(c))
    } else {
        format!("“{c}”")
    }
}

/// Normalises pasted artefacts away: quotes around the value, spaces, dots and dashes;
/// upper-cases letters. Refuses any other character.
fn normalise(field: &str, kind: IdentifierKind, raw: &str) -> Result<String, FieldError> {
    let mut out = String::with_capacity(raw.len());
    for c in strip_quotes(raw.trim_matches(is_spacing)).chars() {
        if is_spacing(c) || is_separator(c) {
            continue;
        }
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_uppercase());
        } else {
            return Err(error(
                field,
                "invalid_character",
                format!(
                    "{} cannot be part of {}. {}",
                    describe_char(c),
                    k_a(kind),
                    kind.shape()
                ),
            ));
        }
    }
    if out.is_empty() {
        return Err(error(
            field,
            "required",
            format!("Enter the {}. {}", kind.label(), kind.shape()),
        ));
    }
    Ok(out)
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Validates the kinds with a fixed scheme; returns the normalised value.
fn validate_fixed(field: &str, kind: IdentifierKind, raw: &str) -> Result<String, FieldError> {
    let mut value = normalise(field, kind, raw)?;
    let invalid = |message: String| error(field, "invalid_format", message);
    if kind == IdentifierKind::BeEnterprise {
        // Often written as the VAT number: BE0403.170.701.
        if let Some(rest) = value.strip_prefix("BE") {
            value = rest.to_owned();
        }
        if value.len() == 9 && all_digits(&value) {
            // The older 9-digit form gets its leading 0.
            value.insert(0, '0');
        }
    }
    if !all_digits(&value) {
        let letter = value.chars().find(|c| !c.is_ascii_digit()).unwrap_or('?');
        return Err(error(
            field,
            "invalid_character",
            format!(
                "{} cannot be part of {}: it has digits only. {}",
                describe_char(letter),
                k_a(kind),
                kind.shape()
            ),
        ));
    }
    let expected = match kind {
        IdentifierKind::Kvk => 8,
        IdentifierKind::KvkEstablishment => 12,
        IdentifierKind::Oin => 20,
        IdentifierKind::BeEnterprise => 10,
        IdentifierKind::Gln => 13,
        IdentifierKind::Vat | IdentifierKind::Other => value.len(),
    };
    if value.len() != expected {
        let hint = match (kind, value.len()) {
            (IdentifierKind::Kvk, 12) => {
                " This looks like a KvK establishment number (vestigingsnummer)."
            }
            (IdentifierKind::KvkEstablishment, 8) => " This looks like a KvK number.",
            (_, n) if n + 1 == expected => {
                " Did a spreadsheet drop a leading 0? Store the number as text."
            }
            _ => "",
        };
        return Err(invalid(format!(
            "This has {} digits.{hint} {}",
            value.len(),
            kind.shape()
        )));
    }
    if value.bytes().all(|b| b == b'0') {
        return Err(invalid(format!(
            "{} is never all zeros. {}",
            capitalise(&k_a(kind)),
            kind.shape()
        )));
    }
    let check_ok = match kind {
        IdentifierKind::BeEnterprise => {
            if !value.starts_with(['0', '1']) {
                return Err(invalid(format!(
                    "A Belgian enterprise number starts with 0 or 1. {}",
                    kind.shape()
                )));
            }
            be_mod97_ok(&value)
        }
        IdentifierKind::Gln => gs1_check_ok(&value),
        // KvK numbers have had no check digit since 2016 (the eleven-test of older numbers is
        // not enforced); establishment numbers and OINs have no published check.
        _ => true,
    };
    if !check_ok {
        return Err(check_digit_error(field, kind));
    }
    Ok(value)
}

fn check_digit_error(field: &str, kind: IdentifierKind) -> FieldError {
    error(
        field,
        "invalid_check_digit",
        format!(
            "The check digits of this {} do not match; look for a typing error. {}",
            kind.label(),
            kind.shape()
        ),
    )
}

/// Validates a VAT number. `country` is the country the scheme demands (a value without a
/// prefix then gets it); `None` takes the country from the prefix.
fn parse_vat(
    field: &str,
    raw: &str,
    country: Option<&'static str>,
) -> Result<Identifier, FieldError> {
    let kind = IdentifierKind::Vat;
    let mut value = normalise(field, kind, raw)?;
    let has_prefix = value.len() >= 2 && value.as_bytes()[..2].iter().all(u8::is_ascii_alphabetic);
    if !has_prefix {
        match country {
            Some(c) => value.insert_str(0, c),
            None => {
                let hint = if value.len() == 12 && value.as_bytes().get(9) == Some(&b'B') {
                    " For a Dutch VAT number: NL followed by this number."
                } else {
                    ""
                };
                return Err(error(
                    field,
                    "invalid_format",
                    format!(
                        "This VAT number has no country code.{hint} {}",
                        kind.shape()
                    ),
                ));
            }
        }
    }
    if value.starts_with("GR") {
        value.replace_range(..2, "EL");
    }
    let prefix = &value[..2];
    let Some(scheme_code) = vat_scheme_for_country(prefix) else {
        return Err(error(
            field,
            "unknown_vat_country",
            format!(
                "“{prefix}” is not a country code whose VAT numbers can be reached over Peppol. {}",
                kind.shape()
            ),
        ));
    };
    if let Some(expected) = country {
        if expected != prefix {
            return Err(error(
                field,
                "scheme_mismatch",
                format!(
                    "This scheme is for {expected} VAT numbers, but this one starts with {prefix}."
                ),
            ));
        }
    }
    let body = &value[2..];
    match prefix {
        "NL" => validate_nl_vat(field, &value)?,
        "BE" => {
            let mut digits = body.to_owned();
            if digits.len() == 9 && all_digits(&digits) {
                digits.insert(0, '0');
            }
            let ok_shape =
                digits.len() == 10 && all_digits(&digits) && digits.starts_with(['0', '1']);
            if !ok_shape {
                return Err(error(
                    field,
                    "invalid_format",
                    "A Belgian VAT number is BE followed by the 10-digit enterprise number, e.g. BE0403170701.".to_owned(),
                ));
            }
            if !be_mod97_ok(&digits) {
                return Err(check_digit_error(field, kind));
            }
            value = format!("BE{digits}");
        }
        _ => {
            let ok = (2..=13).contains(&body.len()) && body.bytes().any(|b| b.is_ascii_digit());
            if !ok {
                return Err(error(
                    field,
                    "invalid_format",
                    format!(
                        "After the country code a VAT number has 2 to 13 letters and digits. {}",
                        kind.shape()
                    ),
                ));
            }
        }
    }
    Ok(Identifier {
        kind,
        scheme: scheme_code.to_owned(),
        value,
    })
}

/// A Dutch VAT number: `NL`, 9 digits, `B`, 2 digits.
///
/// Two check rules are in use, and a number is accepted when either holds:
/// - the eleven-test of the older numbers (the RSIN/fiscal-number based ones): the first 8
///   digits weighted 9 down to 2, summed, modulo 11, equal the 9th digit;
/// - the mod-97 rule of the numbers issued to sole proprietors since 2020: the whole string
///   with letters as numbers (A = 10 … Z = 35, so `NL` = 2321 and `B` = 11) is 1 modulo 97.
fn validate_nl_vat(field: &str, value: &str) -> Result<(), FieldError> {
    let b = value.as_bytes();
    let shape_ok = b.len() == 14
        && b[2..11].iter().all(u8::is_ascii_digit)
        && b[11] == b'B'
        && b[12..].iter().all(u8::is_ascii_digit);
    if !shape_ok {
        return Err(error(
            field,
            "invalid_format",
            "A Dutch VAT number is NL, 9 digits, B and 2 digits, e.g. NL123456782B01.".to_owned(),
        ));
    }
    let digits = &value[2..11];
    if digits.bytes().all(|d| d == b'0') || !(nl_eleven_test(digits) || iso7064_mod97_ok(value)) {
        return Err(check_digit_error(field, IdentifierKind::Vat));
    }
    Ok(())
}

fn digit(b: u8) -> u32 {
    u32::from(b - b'0')
}

/// The eleven-test of a 9-digit number: weights 9..2 on the first 8, modulo 11, is the 9th.
fn nl_eleven_test(nine: &str) -> bool {
    let b = nine.as_bytes();
    let sum: u32 = b[..8]
        .iter()
        .zip((2..=9).rev())
        .map(|(d, w)| digit(*d) * w)
        .sum();
    sum % 11 == digit(b[8])
}

/// ISO 7064 mod 97-10 over letters (A = 10 … Z = 35) and digits: the remainder must be 1.
fn iso7064_mod97_ok(s: &str) -> bool {
    let mut r: u32 = 0;
    for c in s.bytes() {
        r = if c.is_ascii_digit() {
            (r * 10 + digit(c)) % 97
        } else {
            (r * 100 + u32::from(c - b'A') + 10) % 97
        };
    }
    r == 1
}

/// Belgian enterprise number: the last two digits are 97 − (the first 8 modulo 97).
fn be_mod97_ok(ten: &str) -> bool {
    let (head, check) = ten.split_at(8);
    match (head.parse::<u64>(), check.parse::<u64>()) {
        (Ok(h), Ok(c)) => 97 - h % 97 == c,
        _ => false,
    }
}

/// GS1 mod 10: from the right, excluding the check digit, weights 3, 1, 3, …
fn gs1_check_ok(s: &str) -> bool {
    let b = s.as_bytes();
    let Some((check, body)) = b.split_last() else {
        return false;
    };
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| digit(*d) * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    (10 - sum % 10) % 10 == digit(*check)
}

/// Identifiers of schemes without rules of their own.
fn validate_other(field: &str, raw: &str) -> Result<String, FieldError> {
    let kind = IdentifierKind::Other;
    let mut out = String::with_capacity(raw.len());
    for c in strip_quotes(raw.trim_matches(is_spacing)).chars() {
        if is_spacing(c) {
            continue;
        }
        if c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '@' | '+') {
            out.push(c.to_ascii_uppercase());
        } else {
            return Err(error(
                field,
                "invalid_character",
                format!(
                    "{} cannot be part of an identifier. {}",
                    describe_char(c),
                    kind.shape()
                ),
            ));
        }
    }
    if out.is_empty() {
        return Err(error(
            field,
            "required",
            format!("Enter the identifier. {}", kind.shape()),
        ));
    }
    if out.len() > 50 {
        return Err(error(field, "invalid_format", kind.shape().to_owned()));
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use IdentifierKind as K;

    fn ok(kind: K, raw: &str) -> Identifier {
        match Identifier::parse("f", kind, raw, None) {
            Ok(id) => id,
            Err(e) => panic!("{kind} {raw:?} should be valid: {e}"),
        }
    }

    fn err(kind: K, raw: &str) -> FieldError {
        match Identifier::parse("f", kind, raw, None) {
            Ok(id) => panic!("{kind} {raw:?} should be refused, got {id:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn kinds_round_trip_through_their_api_strings() {
        for kind in K::ALL {
            assert_eq!(K::parse(kind.as_str()), Some(kind));
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
        }
        assert_eq!(K::parse("KVK"), None);
        assert_eq!(K::parse("btw"), None);
    }

    #[test]
    fn valid_identifiers_are_normalised_and_get_their_scheme() {
        let cases: &[(K, &str, &str, &str)] = &[
            (K::Kvk, "12345678", "0106", "12345678"),
            (K::Kvk, "' 1234 5678", "0106", "12345678"),
            (K::Kvk, "1234.5678", "0106", "12345678"),
            (K::Kvk, "\u{a0}12-34-56-78\u{a0}", "0106", "12345678"),
            (K::Kvk, "\"12345678\"", "0106", "12345678"),
            (K::Kvk, "\u{feff}1234\u{200b}5678", "0106", "12345678"),
            (K::Kvk, "\t12345678\n", "0106", "12345678"),
            (
                K::KvkEstablishment,
                "0000 1234 5678",
                "0217",
                "000012345678",
            ),
            (
                K::Oin,
                "00000001234567890000",
                "0190",
                "00000001234567890000",
            ),
            (
                K::Oin,
                "0000 0001 2345 6789 0000",
                "0190",
                "00000001234567890000",
            ),
            (K::Gln, "8712345678906", "0088", "8712345678906"),
            (K::Gln, "87 1234 5678 906", "0088", "8712345678906"),
            (K::Gln, "5400000000003", "0088", "5400000000003"),
            (K::BeEnterprise, "0403.170.701", "0208", "0403170701"),
            (K::BeEnterprise, "403170701", "0208", "0403170701"),
            (K::BeEnterprise, "BE 0403.170.701", "0208", "0403170701"),
            (K::BeEnterprise, "1000000021", "0208", "1000000021"),
            (K::Vat, "NL123456782B01", "9944", "NL123456782B01"),
            (K::Vat, "NL 123456782 B01", "9944", "NL123456782B01"),
            (K::Vat, "nl123456782b01", "9944", "NL123456782B01"),
            (K::Vat, "NL1234.56.782.B.01", "9944", "NL123456782B01"),
            (K::Vat, "'NL123456782B01", "9944", "NL123456782B01"),
            // Numbers under the 2020 mod-97 rule (which fail the eleven-test).
            (K::Vat, "NL100000024B01", "9944", "NL100000024B01"),
            (K::Vat, "NL100000012B12", "9944", "NL100000012B12"),
            (K::Vat, "BE0403170701", "9925", "BE0403170701"),
            (K::Vat, "BE 0403.170.701", "9925", "BE0403170701"),
            (K::Vat, "BE403170701", "9925", "BE0403170701"),
            (K::Vat, "DE123456789", "9930", "DE123456789"),
            (K::Vat, "FR 40 303 265 045", "9957", "FR40303265045"),
            (K::Vat, "GR123456789", "9933", "EL123456789"),
            (K::Vat, "EL123456789", "9933", "EL123456789"),
            (K::Vat, "ATU12345678", "9914", "ATU12345678"),
            (K::Vat, "CHE-123.456.789", "9927", "CHE123456789"),
        ];
        for (kind, raw, scheme, value) in cases {
            let id = ok(*kind, raw);
            assert_eq!(id.kind(), *kind, "{raw:?}");
            assert_eq!(id.scheme(), *scheme, "{raw:?}");
            assert_eq!(id.value(), *value, "{raw:?}");
            assert_eq!(id.participant_id().to_string(), format!("{scheme}:{value}"));
        }
    }

    #[test]
    fn invalid_identifiers_are_refused_with_a_code_and_the_expected_shape() {
        let cases: &[(K, &str, &str, &str)] = &[
            (K::Kvk, "", "required", "8 digits"),
            (K::Kvk, "  '  ", "required", "8 digits"),
            (K::Kvk, "1234567", "invalid_format", "leading 0"),
            (K::Kvk, "123456789", "invalid_format", "has 9 digits"),
            (K::Kvk, "000012345678", "invalid_format", "establishment"),
            (K::Kvk, "1234567A", "invalid_character", "“A”"),
            (K::Kvk, "1234/5678", "invalid_character", "“/”"),
            (K::Kvk, "1234,5678", "invalid_character", "“,”"),
            (K::Kvk, "1234\u{7}5678", "invalid_character", "U+0007"),
            (K::Kvk, "00000000", "invalid_format", "all zeros"),
            (
                K::KvkEstablishment,
                "12345678",
                "invalid_format",
                "looks like a KvK number",
            ),
            (K::Oin, "1234567890123456789", "invalid_format", "20 digits"),
            (
                K::Oin,
                "0000000123456789000A",
                "invalid_character",
                "20 digits",
            ),
            (K::Gln, "8712345678907", "invalid_check_digit", "13 digits"),
            (K::Gln, "871234567890", "invalid_format", "13 digits"),
            (
                K::BeEnterprise,
                "0403.170.702",
                "invalid_check_digit",
                "0403.170.701",
            ),
            (
                K::BeEnterprise,
                "2403170701",
                "invalid_format",
                "starts with 0 or 1",
            ),
            (K::BeEnterprise, "04031707", "invalid_format", "10 digits"),
            (K::Vat, "123456782B01", "invalid_format", "NL followed by"),
            (
                K::Vat,
                "NL123456783B01",
                "invalid_check_digit",
                "NL123456782B01",
            ),
            (
                K::Vat,
                "NL123456782",
                "invalid_format",
                "9 digits, B and 2 digits",
            ),
            (
                K::Vat,
                "NL123456782X01",
                "invalid_format",
                "9 digits, B and 2 digits",
            ),
            (
                K::Vat,
                "NL000000000B01",
                "invalid_check_digit",
                "NL123456782B01",
            ),
            (K::Vat, "US123456789", "unknown_vat_country", "“US”"),
            (K::Vat, "XX123456789", "unknown_vat_country", "country code"),
            (K::Vat, "BE0403170702", "invalid_check_digit", "VAT number"),
            (K::Vat, "BE12", "invalid_format", "BE0403170701"),
            (K::Vat, "DEABC", "invalid_format", "2 to 13"),
            (K::Vat, "NL123456782B01!", "invalid_character", "“!”"),
        ];
        for (kind, raw, code, fragment) in cases {
            let e = err(*kind, raw);
            assert_eq!(e.field, "f");
            assert_eq!(e.code, *code, "{kind} {raw:?}: {}", e.message);
            assert!(
                e.message.contains(fragment),
                "{kind} {raw:?}: {:?} lacks {fragment:?}",
                e.message
            );
        }
    }

    #[test]
    fn check_digit_helpers() {
        assert!(nl_eleven_test("123456782"));
        assert!(!nl_eleven_test("123456783"));
        assert!(iso7064_mod97_ok("NL100000024B01"));
        assert!(!iso7064_mod97_ok("NL123456782B01"));
        assert!(be_mod97_ok("0403170701"));
        assert!(be_mod97_ok("0202239159"));
        assert!(!be_mod97_ok("0202239158"));
        assert!(gs1_check_ok("8716900000010"));
        assert!(!gs1_check_ok("8716900000011"));
        // Every single-digit typo in a GLN is caught by the GS1 check.
        let gln = "8712345678906";
        for i in 0..gln.len() {
            for d in b'0'..=b'9' {
                let mut bytes = gln.as_bytes().to_vec();
                if bytes[i] == d {
                    continue;
                }
                bytes[i] = d;
                assert!(!gs1_check_ok(std::str::from_utf8(&bytes).unwrap()));
            }
        }
    }

    #[test]
    fn textual_and_participant_forms_are_accepted_on_input() {
        let cases: &[(&str, &str, K)] = &[
            ("0106:12345678", "0106:12345678", K::Kvk),
            (
                "iso6523-actorid-upis::0106:12345678",
                "0106:12345678",
                K::Kvk,
            ),
            (
                "ISO6523-ACTORID-UPIS::0106:1234 5678",
                "0106:12345678",
                K::Kvk,
            ),
            ("NL:KVK:12345678", "0106:12345678", K::Kvk),
            ("nl:kvk:12345678", "0106:12345678", K::Kvk),
            ("'NL:KVK:1234.5678", "0106:12345678", K::Kvk),
            (
                "NL:OIN:00000001234567890000",
                "0190:00000001234567890000",
                K::Oin,
            ),
            ("NL:VAT:NL123456782B01", "9944:NL123456782B01", K::Vat),
            ("9944:nl123456782b01", "9944:NL123456782B01", K::Vat),
            ("9925:0403170701", "9925:BE0403170701", K::Vat),
            ("BE:VAT:BE0403170701", "9925:BE0403170701", K::Vat),
            ("BE:EN:0403.170.701", "0208:0403170701", K::BeEnterprise),
            ("BE:CBE:0403170701", "0208:0403170701", K::BeEnterprise),
            ("0208:0403170701", "0208:0403170701", K::BeEnterprise),
            ("GLN:8712345678906", "0088:8712345678906", K::Gln),
            ("0088:8712345678906", "0088:8712345678906", K::Gln),
            (
                "0217:000012345678",
                "0217:000012345678",
                K::KvkEstablishment,
            ),
            ("DE:VAT:DE123456789", "9930:DE123456789", K::Vat),
            ("DUNS:123456789", "0060:123456789", K::Other),
            ("0204:991-12345-67", "0204:991-12345-67", K::Other),
        ];
        for (raw, expected, kind) in cases {
            let pid = ParticipantId::parse(raw).unwrap_or_else(|e| panic!("{raw}: {e}"));
            assert_eq!(pid.to_string(), *expected, "{raw}");
            let id = Identifier::parse_participant_id("f", raw).unwrap();
            assert_eq!(id.kind(), *kind, "{raw}");
        }
        // The same forms through Identifier::parse with a matching kind.
        assert_eq!(ok(K::Kvk, "NL:KVK:12345678").value(), "12345678");
        assert_eq!(ok(K::Vat, "NL:VAT:NL123456782B01").scheme(), "9944");
        assert_eq!(ok(K::Other, "0106:12345678").kind(), K::Kvk);
    }

    #[test]
    fn participant_ids_are_validated_by_their_scheme() {
        let cases: &[(&str, &str)] = &[
            ("0106:1234567", "invalid_format"),
            ("NL:KVK:1234567X", "invalid_character"),
            ("0088:8712345678907", "invalid_check_digit"),
            ("9944:NL123456783B01", "invalid_check_digit"),
            ("9944:BE0403170701", "scheme_mismatch"),
            ("0208:0403170702", "invalid_check_digit"),
            ("XX:KVK:12345678", "unknown_scheme"),
            ("US:VAT:123", "unknown_scheme"),
            ("0001:ABC", "unknown_scheme"),
            ("106:12345678", "unknown_scheme"),
            ("12345678", "invalid_format"),
            ("", "required"),
            ("0060:", "required"),
            ("0060:ABC DEF/1", "invalid_character"),
        ];
        for (raw, code) in cases {
            let e = ParticipantId::parse(raw).unwrap_err();
            assert_eq!(e.code, *code, "{raw}: {}", e.message);
            assert_eq!(e.field, "participantId");
        }
    }

    #[test]
    fn a_textual_form_must_fit_the_chosen_kind() {
        let e = err(K::Kvk, "NL:OIN:00000001234567890000");
        assert_eq!(e.code, "scheme_mismatch");
        assert!(e.message.contains("OIN"), "{}", e.message);
        assert!(e.message.contains("8 digits"), "{}", e.message);
        let e = Identifier::parse("f", K::Other, "0106:12345678", Some("0190")).unwrap_err();
        assert_eq!(e.code, "scheme_mismatch");
    }

    #[test]
    fn other_identifiers_need_a_listed_scheme() {
        let id = Identifier::parse("f", K::Other, " 12 345 6789 ", Some("0060")).unwrap();
        assert_eq!(
            (id.kind(), id.scheme(), id.value()),
            (K::Other, "0060", "123456789")
        );
        let id = Identifier::parse("f", K::Other, "04011000-1234512345-06", Some("0204")).unwrap();
        assert_eq!(id.value(), "04011000-1234512345-06");
        // A known scheme chosen as "other" gets that scheme's rules and kind.
        let id = Identifier::parse("f", K::Other, "1234 5678", Some("0106")).unwrap();
        assert_eq!(id.kind(), K::Kvk);
        let id = Identifier::parse("f", K::Other, "123456782B01", Some("9944")).unwrap();
        assert_eq!((id.kind(), id.value()), (K::Vat, "NL123456782B01"));
        let e = Identifier::parse("f", K::Other, "1234567", Some("0106")).unwrap_err();
        assert_eq!(e.code, "invalid_format");

        let cases: &[(Option<&str>, &str, &str)] = &[
            (None, "123", "required"),
            (Some(" "), "123", "required"),
            (Some("60"), "123", "unknown_scheme"),
            (Some("0001"), "123", "unknown_scheme"),
            (Some("0060"), "", "required"),
            (Some("0060"), "12/3", "invalid_character"),
            (Some("0060"), &"1".repeat(51), "invalid_format"),
        ];
        for (scheme_code, raw, code) in cases {
            let e = Identifier::parse("f", K::Other, raw, *scheme_code).unwrap_err();
            assert_eq!(e.code, *code, "{scheme_code:?} {raw:?}: {}", e.message);
        }
    }

    #[test]
    fn vat_schemes_are_peppol_eas_codes() {
        for (country, code) in VAT_SCHEMES {
            assert!(PEPPOL_EAS.contains(code), "{country} {code}");
            assert_eq!(vat_scheme_for_country(country), Some(*code));
            assert_eq!(vat_country_for_scheme(code), Some(*country));
        }
        for kind in K::ALL {
            if let Some(code) = kind.scheme() {
                assert!(PEPPOL_EAS.contains(&code), "{kind} {code}");
                assert_eq!(K::for_scheme(code), kind);
            }
        }
        assert_eq!(vat_scheme_for_country("gr"), Some("9933"));
        assert_eq!(vat_scheme_for_country("US"), None);
    }

    /// Round trips over many generated values: each valid identifier, written with pasted
    /// artefacts or as its participant identifier, parses back to itself.
    #[test]
    fn generated_identifiers_round_trip() {
        // A small deterministic generator (xorshift), enough for a proptest-like sweep.
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        fn digits(n: usize, next: &mut dyn FnMut() -> u64) -> String {
            (0..n)
                .map(|_| char::from(b'0' + (next() % 10) as u8))
                .collect()
        }
        let decorate = |s: &str, seed: u64| -> String {
            let mut out = String::new();
            if seed.is_multiple_of(3) {
                out.push('\'');
            }
            for (i, c) in s.chars().enumerate() {
                out.push(c);
                if i % 4 == 3 {
                    out.push([' ', '.', '-', '\u{a0}'][(seed as usize + i) % 4]);
                }
            }
            if seed.is_multiple_of(2) {
                out = out.to_lowercase();
            }
            out
        };
        for _ in 0..300 {
            let mut kvk = digits(8, &mut next);
            if kvk == "00000000" {
                kvk = "10000000".into();
            }
            let body12 = format!("{}0", digits(11, &mut next));
            let gln_body = digits(12, &mut next);
            let sum: u32 = gln_body
                .bytes()
                .rev()
                .enumerate()
                .map(|(i, d)| u32::from(d - b'0') * if i % 2 == 0 { 3 } else { 1 })
                .sum();
            let gln = format!("{gln_body}{}", (10 - sum % 10) % 10);
            let be_head = format!("0{}", digits(7, &mut next));
            let be_head = if be_head.bytes().all(|b| b == b'0') {
                "01000000".to_owned()
            } else {
                be_head
            };
            let be = format!("{be_head}{:02}", 97 - be_head.parse::<u64>().unwrap() % 97);
            let nl8 = digits(8, &mut next);
            let w: u32 = nl8
                .bytes()
                .zip((2..=9).rev())
                .map(|(d, w)| u32::from(d - b'0') * w)
                .sum();
            let nl_vat = if w % 11 < 10 {
                Some(format!("NL{nl8}{}B01", w % 11))
            } else {
                None
            };
            let mut samples = vec![
                (K::Kvk, kvk),
                (K::KvkEstablishment, body12),
                (K::Gln, gln),
                (K::BeEnterprise, be.clone()),
                (K::Vat, format!("BE{be}")),
            ];
            if let Some(v) = nl_vat {
                if v[2..11] != *"000000000" {
                    samples.push((K::Vat, v));
                }
            }
            for (kind, value) in samples {
                let seed = next();
                let id = ok(kind, &decorate(&value, seed));
                assert_eq!(id.value(), value);
                let pid = id.participant_id();
                let back = ParticipantId::parse(&pid.to_string()).unwrap();
                assert_eq!(back, pid);
                assert_eq!(ParticipantId::parse(&pid.to_uri()).unwrap(), pid);
                assert_eq!(
                    Identifier::parse_participant_id("f", &pid.to_string()).unwrap(),
                    id
                );
            }
        }
    }
}
