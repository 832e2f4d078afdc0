//! Peppol identifiers by the Policy for use of Identifiers (PFUOI 4.x): participant, document
//! type and process identifiers, each written `scheme::value`, and the percent-encoding SMP
//! paths use for them.
//!
//! Only the schemes Peppol uses today are accepted: `iso6523-actorid-upis` for participants,
//! `busdox-docid-qns` for document types (the `peppol-doctype-wildcard` scheme of PINT has its
//! own matching rules and is not supported yet) and `cenbii-procid-ubl` for processes.

use std::fmt;

/// The participant identifier scheme (ISO 6523 actor ids; the only active one).
pub const PARTICIPANT_SCHEME: &str = "iso6523-actorid-upis";
/// The document type identifier scheme for document types named by root element and
/// customization.
pub const DOCUMENT_TYPE_SCHEME: &str = "busdox-docid-qns";
/// The process identifier scheme.
pub const PROCESS_SCHEME: &str = "cenbii-procid-ubl";
/// The AS4 transport profile of the Peppol AS4 profile 2.0 (the only active one).
pub const TRANSPORT_PROFILE_AS4: &str = "peppol-transport-as4-v2_0";

// The BIS Billing 3.0 values are the domain's (its Peppol channel asks for them): one source.
/// Document type value of a Peppol BIS Billing 3.0 invoice.
pub const BIS_BILLING_INVOICE: &str = haven_domain::peppol::sending::BIS_BILLING_INVOICE;
/// Document type value of a Peppol BIS Billing 3.0 credit note.
pub const BIS_BILLING_CREDIT_NOTE: &str = haven_domain::peppol::sending::BIS_BILLING_CREDIT_NOTE;
/// Process value of Peppol BIS Billing 3.0.
pub const BILLING_PROCESS: &str = haven_domain::peppol::sending::BILLING_PROCESS;
/// Document type value of a Peppol Invoice Response 3.0.
pub const INVOICE_RESPONSE: &str = haven_domain::peppol::sending::INVOICE_RESPONSE;
/// Process value of Peppol Invoice Response 3.0.
pub const INVOICE_RESPONSE_PROCESS: &str = haven_domain::peppol::sending::INVOICE_RESPONSE_PROCESS;
/// Document type value of an SI-UBL 2.0 (NLCIUS) invoice (process [`BILLING_PROCESS`]).
pub const NLCIUS_INVOICE: &str = haven_domain::peppol::document_types::NLCIUS_INVOICE;
/// Document type value of an SI-UBL 2.0 (NLCIUS) credit note (process [`BILLING_PROCESS`]).
pub const NLCIUS_CREDIT_NOTE: &str = haven_domain::peppol::document_types::NLCIUS_CREDIT_NOTE;
/// Document type value of an SI-UBL 2.0 invoice with the G-account extension.
pub const NLCIUS_GACCOUNT_INVOICE: &str =
    haven_domain::peppol::document_types::NLCIUS_GACCOUNT_INVOICE;

/// Longest participant value: a 4-digit scheme code, a colon and at most 130 characters.
pub const MAX_PARTICIPANT_VALUE: usize = 135;
/// Longest document type value.
pub const MAX_DOCUMENT_TYPE_VALUE: usize = 500;
/// Longest process value.
pub const MAX_PROCESS_VALUE: usize = 200;
/// Longest identifier scheme.
pub const MAX_SCHEME: usize = 25;

/// Why a text is not a valid identifier; the message is a sentence for people.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentifierError {
    #[error("{kind} identifier must be written scheme::value")]
    NoScheme { kind: &'static str },
    #[error("{scheme:?} is not a {kind} identifier scheme Peppol uses (expected {expected})")]
    WrongScheme {
        kind: &'static str,
        scheme: String,
        expected: &'static str,
    },
    #[error("the {kind} identifier value is empty")]
    Empty { kind: &'static str },
    #[error("the {kind} identifier value is longer than {max} characters")]
    TooLong { kind: &'static str, max: usize },
    #[error("a participant identifier value is a 4-digit scheme code, a colon and the identifier, e.g. 0106:12345678")]
    ParticipantFormat,
    #[error(
        "{0:?} may not appear in a participant identifier (allowed: letters, digits, - . _ ~)"
    )]
    ParticipantCharacter(char),
    #[error(
        "{0:?} may not appear in a {1} identifier value (ISO 8859-1 without control characters)"
    )]
    ValueCharacter(char, &'static str),
}

/// A participant identifier in the `iso6523-actorid-upis` scheme. The value is
/// case-insensitive (PFUOI), so it is kept in lower case: compare and hash it as it is.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ParticipantIdentifier {
    value: String,
}

impl ParticipantIdentifier {
    /// A participant from its value alone (`0106:12345678`), the scheme being implied.
    ///
    /// # Errors
    /// When the value breaks the format, charset or length rules.
    pub fn from_value(value: &str) -> Result<Self, IdentifierError> {
        let value = value.trim();
        if value.is_empty() {
            return Err(IdentifierError::Empty {
                kind: "participant",
            });
        }
        if value.chars().count() > MAX_PARTICIPANT_VALUE {
            return Err(IdentifierError::TooLong {
                kind: "participant",
                max: MAX_PARTICIPANT_VALUE,
            });
        }
        let (code, local) = value
            .split_once(':')
            .ok_or(IdentifierError::ParticipantFormat)?;
        if code.len() != 4 || !code.bytes().all(|b| b.is_ascii_digit()) || local.is_empty() {
            return Err(IdentifierError::ParticipantFormat);
        }
        if let Some(c) = local
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~')))
        {
            return Err(IdentifierError::ParticipantCharacter(c));
        }
        Ok(Self {
            value: value.to_ascii_lowercase(),
        })
    }

    /// Parses `iso6523-actorid-upis::0106:12345678`; the scheme is case-insensitive too.
    ///
    /// # Errors
    /// When the scheme is missing or another one, or the value is invalid.
    pub fn parse(text: &str) -> Result<Self, IdentifierError> {
        let (scheme, value) = split(text.trim(), "participant")?;
        if !scheme.eq_ignore_ascii_case(PARTICIPANT_SCHEME) {
            return Err(IdentifierError::WrongScheme {
                kind: "participant",
                scheme: scheme.to_owned(),
                expected: PARTICIPANT_SCHEME,
            });
        }
        Self::from_value(value)
    }

    /// The scheme, `iso6523-actorid-upis`.
    #[must_use]
    pub fn scheme(&self) -> &'static str {
        PARTICIPANT_SCHEME
    }

    /// The lower-case value, `0106:12345678`.
    #[must_use]
    pub fn value(&self) -> &str {
        &self.value
    }

    /// `scheme::value`, percent-encoded for an SMP path segment.
    #[must_use]
    pub fn url_encoded(&self) -> String {
        percent_encode(&self.to_string())
    }
}

impl fmt::Display for ParticipantIdentifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{PARTICIPANT_SCHEME}::{}", self.value)
    }
}

/// A document type identifier in the `busdox-docid-qns` scheme; case-sensitive.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DocumentTypeIdentifier {
    value: String,
}

impl DocumentTypeIdentifier {
    /// # Errors
    /// When the value is empty, too long or has characters outside ISO 8859-1.
    pub fn from_value(value: &str) -> Result<Self, IdentifierError> {
        check_value(value, "document type", MAX_DOCUMENT_TYPE_VALUE)?;
        Ok(Self {
            value: value.to_owned(),
        })
    }

    /// Parses `busdox-docid-qns::<value>`.
    ///
    /// # Errors
    /// When the scheme is missing or another one, or the value is invalid.
    pub fn parse(text: &str) -> Result<Self, IdentifierError> {
        let (scheme, value) = split(text.trim(), "document type")?;
        if scheme != DOCUMENT_TYPE_SCHEME {
            return Err(IdentifierError::WrongScheme {
                kind: "document type",
                scheme: scheme.to_owned(),
                expected: DOCUMENT_TYPE_SCHEME,
            });
        }
        Self::from_value(value)
    }

    /// The Peppol BIS Billing 3.0 invoice.
    #[must_use]
    pub fn bis_billing_invoice() -> Self {
        Self {
            value: BIS_BILLING_INVOICE.to_owned(),
        }
    }

    /// The Peppol BIS Billing 3.0 credit note.
    #[must_use]
    pub fn bis_billing_credit_note() -> Self {
        Self {
            value: BIS_BILLING_CREDIT_NOTE.to_owned(),
        }
    }

    /// The Peppol Invoice Response 3.0.
    #[must_use]
    pub fn invoice_response() -> Self {
        Self {
            value: INVOICE_RESPONSE.to_owned(),
        }
    }

    /// The SI-UBL 2.0 (NLCIUS) invoice.
    #[must_use]
    pub fn nlcius_invoice() -> Self {
        Self {
            value: NLCIUS_INVOICE.to_owned(),
        }
    }

    /// The SI-UBL 2.0 (NLCIUS) credit note.
    #[must_use]
    pub fn nlcius_credit_note() -> Self {
        Self {
            value: NLCIUS_CREDIT_NOTE.to_owned(),
        }
    }

    #[must_use]
    pub fn scheme(&self) -> &'static str {
        DOCUMENT_TYPE_SCHEME
    }

    #[must_use]
    pub fn value(&self) -> &str {
        &self.value
    }

    /// `scheme::value`, percent-encoded for an SMP path segment.
    #[must_use]
    pub fn url_encoded(&self) -> String {
        percent_encode(&self.to_string())
    }
}

impl fmt::Display for DocumentTypeIdentifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{DOCUMENT_TYPE_SCHEME}::{}", self.value)
    }
}

/// A process identifier in the `cenbii-procid-ubl` scheme; case-sensitive.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProcessIdentifier {
    value: String,
}

impl ProcessIdentifier {
    /// # Errors
    /// When the value is empty, too long or has characters outside ISO 8859-1.
    pub fn from_value(value: &str) -> Result<Self, IdentifierError> {
        check_value(value, "process", MAX_PROCESS_VALUE)?;
        Ok(Self {
            value: value.to_owned(),
        })
    }

    /// Parses `cenbii-procid-ubl::<value>`.
    ///
    /// # Errors
    /// When the scheme is missing or another one, or the value is invalid.
    pub fn parse(text: &str) -> Result<Self, IdentifierError> {
        let (scheme, value) = split(text.trim(), "process")?;
        if scheme != PROCESS_SCHEME {
            return Err(IdentifierError::WrongScheme {
                kind: "process",
                scheme: scheme.to_owned(),
                expected: PROCESS_SCHEME,
            });
        }
        Self::from_value(value)
    }

    /// The Peppol BIS Billing 3.0 process.
    #[must_use]
    pub fn billing() -> Self {
        Self {
            value: BILLING_PROCESS.to_owned(),
        }
    }

    /// The Peppol Invoice Response 3.0 process.
    #[must_use]
    pub fn invoice_response() -> Self {
        Self {
            value: INVOICE_RESPONSE_PROCESS.to_owned(),
        }
    }

    #[must_use]
    pub fn scheme(&self) -> &'static str {
        PROCESS_SCHEME
    }

    #[must_use]
    pub fn value(&self) -> &str {
        &self.value
    }
}

impl fmt::Display for ProcessIdentifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{PROCESS_SCHEME}::{}", self.value)
    }
}

/// Splits `scheme::value` at the first `::` and checks the scheme's form
/// (`[a-z0-9]+-[a-z0-9]+-[a-z0-9]+`, at most 25 characters, case aside).
fn split<'a>(text: &'a str, kind: &'static str) -> Result<(&'a str, &'a str), IdentifierError> {
    let (scheme, value) = text
        .split_once("::")
        .ok_or(IdentifierError::NoScheme { kind })?;
    let parts: Vec<&str> = scheme.split('-').collect();
    let well_formed = scheme.len() <= MAX_SCHEME
        && parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric()));
    if !well_formed {
        return Err(IdentifierError::NoScheme { kind });
    }
    Ok((scheme, value))
}

fn check_value(value: &str, kind: &'static str, max: usize) -> Result<(), IdentifierError> {
    if value.is_empty() {
        return Err(IdentifierError::Empty { kind });
    }
    if value.chars().count() > max {
        return Err(IdentifierError::TooLong { kind, max });
    }
    if let Some(c) = value
        .chars()
        .find(|c| u32::from(*c) > 0xFF || c.is_control())
    {
        return Err(IdentifierError::ValueCharacter(c, kind));
    }
    Ok(())
}

/// Percent-encodes a whole identifier for one URL path segment as SMPs expect: every byte but
/// the unreserved `A-Z a-z 0-9 - . _ ~` becomes `%XX` (so `::` is `%3A%3A` and `#` is `%23`).
#[must_use]
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Decodes `%XX` escapes (either case) in a path segment; `None` for a broken escape or bytes
/// that are not UTF-8. A `+` stays a `+`: it is not a space in a path.
#[must_use]
pub fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn participant_values_are_lower_cased_and_compare_case_insensitively() {
        let upper = ParticipantIdentifier::parse("iso6523-actorid-upis::0088:123ABC").unwrap();
        let lower = ParticipantIdentifier::parse("ISO6523-ACTORID-UPIS::0088:123abc").unwrap();
        assert_eq!(upper, lower);
        assert_eq!(upper.value(), "0088:123abc");
        assert_eq!(upper.to_string(), "iso6523-actorid-upis::0088:123abc");
        assert_eq!(
            ParticipantIdentifier::from_value(" 0106:12345678 ")
                .unwrap()
                .to_string(),
            "iso6523-actorid-upis::0106:12345678"
        );
    }

    #[test]
    fn participant_format_charset_and_length_are_enforced() {
        use IdentifierError as E;
        let value = |v: &str| ParticipantIdentifier::from_value(v);
        assert_eq!(
            value(""),
            Err(E::Empty {
                kind: "participant"
            })
        );
        assert_eq!(value("12345678"), Err(E::ParticipantFormat));
        assert_eq!(value("106:12345678"), Err(E::ParticipantFormat));
        assert_eq!(value("01a6:12345678"), Err(E::ParticipantFormat));
        assert_eq!(value("0106:"), Err(E::ParticipantFormat));
        assert_eq!(value("0106:1234 5678"), Err(E::ParticipantCharacter(' ')));
        assert_eq!(value("0106:12/34"), Err(E::ParticipantCharacter('/')));
        assert_eq!(value("0106:ab:cd"), Err(E::ParticipantCharacter(':')));
        assert_eq!(
            value("0106:caf\u{e9}"),
            Err(E::ParticipantCharacter('\u{e9}'))
        );
        assert!(value("9915:a-b.c_d~e").is_ok());
        let longest = format!("0106:{}", "a".repeat(130));
        assert!(value(&longest).is_ok());
        assert_eq!(
            value(&format!("{longest}a")),
            Err(E::TooLong {
                kind: "participant",
                max: 135
            })
        );
    }

    #[test]
    fn schemes_must_be_present_well_formed_and_the_right_one() {
        assert!(matches!(
            ParticipantIdentifier::parse("0106:12345678"),
            Err(IdentifierError::NoScheme { .. })
        ));
        assert!(matches!(
            ParticipantIdentifier::parse("iso6523-actorid::0106:12345678"),
            Err(IdentifierError::NoScheme { .. })
        ));
        assert!(matches!(
            ParticipantIdentifier::parse("busdox-actorid-upis::0106:12345678"),
            Err(IdentifierError::WrongScheme { .. })
        ));
        assert!(matches!(
            DocumentTypeIdentifier::parse("peppol-doctype-wildcard::urn:x"),
            Err(IdentifierError::WrongScheme { .. })
        ));
        // Document and process schemes are case-sensitive, like their values.
        assert!(matches!(
            ProcessIdentifier::parse(&format!("CENBII-procid-ubl::{BILLING_PROCESS}")),
            Err(IdentifierError::WrongScheme { .. })
        ));
    }

    #[test]
    fn the_si_ubl_document_types_are_valid_identifiers_and_url_encode() {
        for value in [NLCIUS_INVOICE, NLCIUS_CREDIT_NOTE, NLCIUS_GACCOUNT_INVOICE] {
            let doc = DocumentTypeIdentifier::parse(&format!("busdox-docid-qns::{value}")).unwrap();
            assert_eq!(doc.value(), value);
        }
        assert_eq!(
            DocumentTypeIdentifier::nlcius_invoice().to_string(),
            "busdox-docid-qns::urn:oasis:names:specification:ubl:schema:xsd:Invoice-2::Invoice##urn:cen.eu:en16931:2017#compliant#urn:fdc:nen.nl:nlcius:v1.0::2.1"
        );
        assert_eq!(
            DocumentTypeIdentifier::nlcius_credit_note().url_encoded(),
            "busdox-docid-qns%3A%3Aurn%3Aoasis%3Anames%3Aspecification%3Aubl%3Aschema%3Axsd%3ACreditNote-2%3A%3ACreditNote%23%23urn%3Acen.eu%3Aen16931%3A2017%23compliant%23urn%3Afdc%3Anen.nl%3Anlcius%3Av1.0%3A%3A2.1"
        );
        assert_ne!(
            DocumentTypeIdentifier::nlcius_invoice(),
            DocumentTypeIdentifier::bis_billing_invoice()
        );
    }

    #[test]
    fn document_types_and_processes_keep_their_case_and_format_as_scheme_value() {
        let text = format!("busdox-docid-qns::{BIS_BILLING_INVOICE}");
        let doc = DocumentTypeIdentifier::parse(&text).unwrap();
        assert_eq!(doc, DocumentTypeIdentifier::bis_billing_invoice());
        assert_eq!(doc.to_string(), text);
        let other_case = DocumentTypeIdentifier::parse(&text.replace("Invoice-2", "invoice-2"));
        assert_ne!(other_case.unwrap(), doc);
        let process = ProcessIdentifier::parse(&format!("cenbii-procid-ubl::{BILLING_PROCESS}"));
        assert_eq!(process.unwrap(), ProcessIdentifier::billing());
        assert_eq!(
            ProcessIdentifier::billing().to_string(),
            "cenbii-procid-ubl::urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
        );
        assert_ne!(
            DocumentTypeIdentifier::bis_billing_credit_note(),
            DocumentTypeIdentifier::bis_billing_invoice()
        );
    }

    #[test]
    fn document_type_and_process_values_have_limits() {
        assert!(DocumentTypeIdentifier::from_value(&"x".repeat(500)).is_ok());
        assert!(matches!(
            DocumentTypeIdentifier::from_value(&"x".repeat(501)),
            Err(IdentifierError::TooLong { max: 500, .. })
        ));
        assert!(ProcessIdentifier::from_value(&"x".repeat(200)).is_ok());
        assert!(matches!(
            ProcessIdentifier::from_value(&"x".repeat(201)),
            Err(IdentifierError::TooLong { max: 200, .. })
        ));
        assert!(matches!(
            ProcessIdentifier::from_value(""),
            Err(IdentifierError::Empty { .. })
        ));
        // ISO 8859-1 is allowed, beyond it and control characters are not.
        assert!(DocumentTypeIdentifier::from_value("urn:caf\u{e9}").is_ok());
        assert_eq!(
            DocumentTypeIdentifier::from_value("urn:\u{20ac}"),
            Err(IdentifierError::ValueCharacter('\u{20ac}', "document type"))
        );
        assert!(DocumentTypeIdentifier::from_value("urn:a\nb").is_err());
    }

    #[test]
    fn smp_paths_percent_encode_the_whole_identifier() {
        let participant = ParticipantIdentifier::from_value("0106:12345678").unwrap();
        assert_eq!(
            participant.url_encoded(),
            "iso6523-actorid-upis%3A%3A0106%3A12345678"
        );
        assert_eq!(
            DocumentTypeIdentifier::bis_billing_invoice().url_encoded(),
            "busdox-docid-qns%3A%3Aurn%3Aoasis%3Anames%3Aspecification%3Aubl%3Aschema%3Axsd%3AInvoice-2%3A%3AInvoice%23%23urn%3Acen.eu%3Aen16931%3A2017%23compliant%23urn%3Afdc%3Apeppol.eu%3A2017%3Apoacc%3Abilling%3A3.0%3A%3A2.1"
        );
        assert_eq!(percent_encode("a/b c+é"), "a%2Fb%20c%2B%C3%A9");
    }

    #[test]
    fn percent_decoding_reverses_the_encoding_and_refuses_broken_escapes() {
        let doc = DocumentTypeIdentifier::bis_billing_invoice();
        assert_eq!(percent_decode(&doc.url_encoded()).unwrap(), doc.to_string());
        assert_eq!(percent_decode("a%3a%3Ab").unwrap(), "a::b");
        assert_eq!(percent_decode("a+b").unwrap(), "a+b");
        assert_eq!(percent_decode("a%3"), None);
        assert_eq!(percent_decode("a%zz"), None);
        assert_eq!(percent_decode("%FF"), None);
    }
}
