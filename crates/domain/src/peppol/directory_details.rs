//! What an organization adds to its Peppol Directory business card beyond what Haven knows of
//! it anyway (name, country, address, identifiers): its name in other languages, websites,
//! public contact points and a free text. The Directory shows and searches these, so senders
//! find the organization by what they know of it.
//!
//! The limits follow the business card schema (version 2018-06-21: `Name` with an ISO 639-1
//! `language`, `WebsiteURI` as `xs:anyURI`, `Contact` with `Type`, `Name`, `PhoneNumber` and
//! `Email`, one `AdditionalInformation`) and what a card shown on a search page can hold.

use serde::{Deserialize, Serialize};

use crate::{
    accounts::{types::FieldErrors, EmailAddress},
    error::FieldError,
    DomainResult,
};

/// At most this many entries of each list.
pub const MAX_ENTRIES: usize = 5;
/// Characters of a name, a contact's type or name.
pub const MAX_NAME: usize = 200;
/// Characters of a website address.
pub const MAX_WEBSITE: usize = 500;
/// Characters of a phone number.
pub const MAX_PHONE: usize = 50;
/// Characters of the additional information.
pub const MAX_ADDITIONAL: usize = 1000;

/// The organization's name in one more language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalizedName {
    /// ISO 639-1, lower case (`en`, `fr`).
    pub language: String,
    pub name: String,
}

/// A public contact point; at least one of name, phone number and email is given.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectoryContact {
    /// What it is for, in the organization's words ("Invoices", "Support").
    pub purpose: Option<String>,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// The organization's additions to its business card. Empty until it adds something.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectoryDetails {
    #[serde(default)]
    pub other_names: Vec<LocalizedName>,
    #[serde(default)]
    pub websites: Vec<String>,
    #[serde(default)]
    pub contacts: Vec<DirectoryContact>,
    #[serde(default)]
    pub additional_information: Option<String>,
}

impl DirectoryDetails {
    /// The stored form (JSON); `None` when there is nothing to store.
    #[must_use]
    pub fn to_stored(&self) -> Option<String> {
        (*self != Self::default())
            .then(|| serde_json::to_string(self).ok())
            .flatten()
    }

    /// Reads the stored form; what cannot be read counts as nothing added (it was written by
    /// [`Self::to_stored`], so this only happens after a manual edit of the database).
    #[must_use]
    pub fn from_stored(stored: Option<&str>) -> Self {
        stored
            .and_then(|s| serde_json::from_str(s).ok())
            .unwrap_or_default()
    }

    /// Checks and tidies what a person entered: text trimmed, empty optional fields dropped,
    /// language codes and email addresses lower-cased. Every problem is reported at once,
    /// on the field it concerns (`otherNames[1].language`, `contacts[0].email`).
    ///
    /// # Errors
    /// `Validation` with one entry per problem.
    pub fn checked(self) -> DomainResult<Self> {
        let mut errors = FieldErrors::default();
        for (list, len) in [
            ("otherNames", self.other_names.len()),
            ("websites", self.websites.len()),
            ("contacts", self.contacts.len()),
        ] {
            if len > MAX_ENTRIES {
                errors.push(error(
                    list,
                    "too_many",
                    format!("At most {MAX_ENTRIES} entries."),
                ));
            }
        }

        let mut other_names = Vec::new();
        for (i, entry) in self.other_names.into_iter().enumerate() {
            let field = format!("otherNames[{i}]");
            let language = entry.language.trim().to_ascii_lowercase();
            if !is_iso_639_1(&language) {
                errors.push(error(
                    &format!("{field}.language"),
                    "invalid_language",
                    "Choose a language by its two-letter ISO 639-1 code, such as en or fr.".into(),
                ));
            } else if other_names
                .iter()
                .any(|n: &LocalizedName| n.language == language)
            {
                errors.push(error(
                    &format!("{field}.language"),
                    "duplicate",
                    "Give one name per language.".into(),
                ));
            }
            let name = errors.check(text(&format!("{field}.name"), &entry.name, MAX_NAME));
            if let Some(Some(name)) = name {
                other_names.push(LocalizedName { language, name });
            } else if name.is_some() {
                errors.push(error(
                    &format!("{field}.name"),
                    "required",
                    "Enter the name.".into(),
                ));
            }
        }

        let mut websites = Vec::new();
        for (i, raw) in self.websites.iter().enumerate() {
            if let Some(site) = errors.check(website(&format!("websites[{i}]"), raw)) {
                if !websites.contains(&site) {
                    websites.push(site);
                }
            }
        }

        let mut contacts = Vec::new();
        for (i, c) in self.contacts.into_iter().enumerate() {
            let field = format!("contacts[{i}]");
            let purpose = errors.check(optional_text(
                &format!("{field}.purpose"),
                c.purpose,
                MAX_NAME,
            ));
            let name = errors.check(optional_text(&format!("{field}.name"), c.name, MAX_NAME));
            let phone = errors.check(phone(&format!("{field}.phone"), c.phone));
            let email = errors.check(email(&format!("{field}.email"), c.email));
            let (Some(purpose), Some(name), Some(phone), Some(email)) =
                (purpose, name, phone, email)
            else {
                continue;
            };
            if name.is_none() && phone.is_none() && email.is_none() {
                errors.push(error(
                    &field,
                    "required",
                    "Give a contact a name, a phone number or an email address.".into(),
                ));
                continue;
            }
            contacts.push(DirectoryContact {
                purpose,
                name,
                phone,
                email,
            });
        }

        let additional_information = errors
            .check(optional_text(
                "additionalInformation",
                self.additional_information,
                MAX_ADDITIONAL,
            ))
            .flatten();
        errors.finish()?;
        Ok(Self {
            other_names,
            websites,
            contacts,
            additional_information,
        })
    }
}

fn error(field: &str, code: &'static str, message: String) -> FieldError {
    FieldError {
        field: field.to_owned(),
        code,
        message,
    }
}

/// Trimmed text of at most `max` characters without control characters (line breaks are
/// allowed only in the additional information); `None` when empty.
fn text(field: &str, raw: &str, max: usize) -> Result<Option<String>, FieldError> {
    let value = raw.trim();
    if value.chars().count() > max {
        return Err(error(
            field,
            "too_long",
            format!("At most {max} characters."),
        ));
    }
    let multiline = max == MAX_ADDITIONAL;
    if value
        .chars()
        .any(|c| c.is_control() && !(multiline && (c == '\n' || c == '\r' || c == '\t')))
    {
        return Err(error(
            field,
            "invalid_characters",
            "Control characters are not allowed.".into(),
        ));
    }
    Ok((!value.is_empty()).then(|| value.to_owned()))
}

fn optional_text(
    field: &str,
    raw: Option<String>,
    max: usize,
) -> Result<Option<String>, FieldError> {
    raw.map_or(Ok(None), |raw| text(field, &raw, max))
}

/// An absolute `https` or `http` address with a host, as people type it (a bare
/// `www.example.nl` gets `https://`).
fn website(field: &str, raw: &str) -> Result<String, FieldError> {
    let invalid = || {
        error(
            field,
            "invalid_url",
            "Enter a web address such as https://www.example.nl.".into(),
        )
    };
    let value = raw.trim();
    if value.chars().count() > MAX_WEBSITE {
        return Err(error(
            field,
            "too_long",
            format!("At most {MAX_WEBSITE} characters."),
        ));
    }
    let lower = value.to_ascii_lowercase();
    let with_scheme = if lower.starts_with("https://") || lower.starts_with("http://") {
        value.to_owned()
    } else if lower.contains("://") {
        return Err(invalid());
    } else {
        format!("https://{value}")
    };
    let rest = with_scheme.split_once("://").map_or("", |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority.split(':').next().unwrap_or_default();
    let host_ok = host.contains('.')
        && !host.starts_with('.')
        && !host.ends_with('.')
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
    // Credentials in a published address (`user:pw@host`) are a mistake at best.
    if !host_ok
        || authority.contains('@')
        || with_scheme
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '"' || c == '<' || c == '>')
    {
        return Err(invalid());
    }
    Ok(with_scheme)
}

/// Digits with the usual separators and an optional leading `+`.
fn phone(field: &str, raw: Option<String>) -> Result<Option<String>, FieldError> {
    let Some(value) = text(field, raw.as_deref().unwrap_or_default(), MAX_PHONE)? else {
        return Ok(None);
    };
    let digits = value.chars().filter(char::is_ascii_digit).count();
    let allowed = value
        .chars()
        .enumerate()
        .all(|(i, c)| c.is_ascii_digit() || " -./()".contains(c) || (c == '+' && i == 0));
    if !allowed || digits < 3 {
        return Err(error(
            field,
            "invalid_phone",
            "Enter a phone number such as +31 20 123 4567.".into(),
        ));
    }
    Ok(Some(value))
}

fn email(field: &str, raw: Option<String>) -> Result<Option<String>, FieldError> {
    match raw.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(value) => EmailAddress::parse(field, value).map(|e| Some(e.as_str().to_owned())),
    }
}

/// The two-letter codes of ISO 639-1.
const ISO_639_1: &str = "aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce \
ch co cr cs cu cv cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he \
hi ho hr ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw \
ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj \
om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta \
te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu";

/// The language codes a name may carry (ISO 639-1, lower case, in alphabetical order).
pub fn language_codes() -> impl Iterator<Item = &'static str> {
    ISO_639_1.split_ascii_whitespace()
}

fn is_iso_639_1(code: &str) -> bool {
    code.len() == 2 && language_codes().any(|c| c == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(result: DomainResult<DirectoryDetails>) -> Vec<(String, &'static str)> {
        match result {
            Err(crate::DomainError::Validation(errors)) => {
                errors.into_iter().map(|e| (e.field, e.code)).collect()
            }
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn entered_details_are_tidied() {
        let details = DirectoryDetails {
            other_names: vec![LocalizedName {
                language: " EN ".into(),
                name: " Example Installations ".into(),
            }],
            websites: vec![
                "www.example.nl".into(),
                "https://www.example.nl".into(),
                "http://shop.example.nl/path?q=1".into(),
            ],
            contacts: vec![DirectoryContact {
                purpose: Some(" Invoices ".into()),
                name: Some(String::new()),
                phone: Some("+31 (0)20-123 45 67".into()),
                email: Some(" Facturen@Example.NL ".into()),
            }],
            additional_information: Some("  Line one\nline two ".into()),
        };
        let checked = details.checked().expect("valid");
        assert_eq!(checked.other_names[0].language, "en");
        assert_eq!(checked.other_names[0].name, "Example Installations");
        assert_eq!(
            checked.websites,
            vec!["https://www.example.nl", "http://shop.example.nl/path?q=1"]
        );
        assert_eq!(checked.contacts[0].purpose.as_deref(), Some("Invoices"));
        assert_eq!(checked.contacts[0].name, None);
        assert_eq!(
            checked.contacts[0].email.as_deref(),
            Some("facturen@example.nl")
        );
        assert_eq!(
            checked.additional_information.as_deref(),
            Some("Line one\nline two")
        );
        assert_eq!(
            DirectoryDetails::from_stored(checked.to_stored().as_deref()),
            checked
        );
        assert_eq!(DirectoryDetails::default().to_stored(), None);
    }

    #[test]
    fn every_problem_is_named_on_its_field() {
        let details = DirectoryDetails {
            other_names: vec![
                LocalizedName {
                    language: "english".into(),
                    name: "A".into(),
                },
                LocalizedName {
                    language: "fr".into(),
                    name: "  ".into(),
                },
                LocalizedName {
                    language: "de".into(),
                    name: "B".into(),
                },
                LocalizedName {
                    language: "DE".into(),
                    name: "C".into(),
                },
            ],
            websites: vec![
                "ftp://example.nl".into(),
                "https://user:pw@example.nl".into(),
                "https://localhost".into(),
                "javascript:alert(1)".into(),
            ],
            contacts: vec![
                DirectoryContact {
                    purpose: Some("Sales".into()),
                    ..DirectoryContact::default()
                },
                DirectoryContact {
                    phone: Some("call me".into()),
                    email: Some("not-an-address".into()),
                    ..DirectoryContact::default()
                },
            ],
            additional_information: Some("x".repeat(MAX_ADDITIONAL + 1)),
        };
        let mut found = fields(details.checked());
        found.sort();
        assert_eq!(
            found,
            vec![
                ("additionalInformation".to_owned(), "too_long"),
                ("contacts[0]".to_owned(), "required"),
                ("contacts[1].email".to_owned(), "invalid_email"),
                ("contacts[1].phone".to_owned(), "invalid_phone"),
                ("otherNames[0].language".to_owned(), "invalid_language"),
                ("otherNames[1].name".to_owned(), "required"),
                ("otherNames[3].language".to_owned(), "duplicate"),
                ("websites[0]".to_owned(), "invalid_url"),
                ("websites[1]".to_owned(), "invalid_url"),
                ("websites[2]".to_owned(), "invalid_url"),
                ("websites[3]".to_owned(), "invalid_url"),
            ]
        );
    }

    #[test]
    fn lists_are_capped() {
        let details = DirectoryDetails {
            websites: (0..=MAX_ENTRIES)
                .map(|i| format!("https://site{i}.example.nl"))
                .collect(),
            ..DirectoryDetails::default()
        };
        assert_eq!(
            fields(details.checked()),
            vec![("websites".to_owned(), "too_many")]
        );
    }

    #[test]
    fn the_language_list_is_iso_639_1() {
        let codes: Vec<&str> = ISO_639_1.split_ascii_whitespace().collect();
        assert_eq!(codes.len(), 184);
        assert!(codes.iter().all(|c| c.len() == 2));
        assert!(codes.windows(2).all(|w| w[0] < w[1]), "sorted, no repeats");
        assert!(is_iso_639_1("nl") && is_iso_639_1("en") && !is_iso_639_1("xx"));
    }
}
