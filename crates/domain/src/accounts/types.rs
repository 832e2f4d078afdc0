//! Value types that parse, not validate: once constructed they are valid.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{error::FieldError, DomainError};

/// A lower-cased, syntactically plausible email address. Comparison is case-insensitive
/// because the stored form is lower case.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EmailAddress(String);

impl EmailAddress {
    /// # Errors
    /// A validation error on `field` when the address is not plausible.
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let value = raw.trim().to_lowercase();
        let invalid = |message: &str| FieldError {
            field: field.to_owned(),
            code: "invalid_email",
            message: message.to_owned(),
        };
        if value.len() > 254 {
            return Err(invalid("An email address has at most 254 characters."));
        }
        let Some((local, domain)) = value.rsplit_once('@') else {
            return Err(invalid("Enter an email address like name@example.com."));
        };
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local
                .chars()
                .any(|c| c.is_whitespace() || c == '@' || c.is_control());
        if !(domain_ok && local_ok) {
            return Err(invalid("Enter an email address like name@example.com."));
        }
        Ok(Self(value))
    }

    #[must_use]
    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(_, d)| d)
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// For values read back from storage, which were parsed before they were stored.
    #[must_use]
    pub fn from_trusted(value: String) -> Self {
        Self(value)
    }
}

impl AsRef<str> for EmailAddress {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A person's display name: trimmed, 1–100 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonName(String);

impl PersonName {
    /// # Errors
    /// A validation error on `field` when empty, too long or containing control characters.
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let value = raw.trim();
        let error = |message: &str| FieldError {
            field: field.to_owned(),
            code: "invalid_name",
            message: message.to_owned(),
        };
        if value.is_empty() {
            return Err(error("Enter a name."));
        }
        if value.chars().count() > 100 {
            return Err(error("A name has at most 100 characters."));
        }
        if value.chars().any(char::is_control) {
            return Err(error("A name cannot contain control characters."));
        }
        Ok(Self(value.to_owned()))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    #[must_use]
    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A phone number as people write it: digits with an optional leading `+`, spaces and dashes
/// allowed, 6–20 digits.
///
/// # Errors
/// A validation error on `field` otherwise.
pub fn parse_phone(field: &str, raw: &str) -> Result<Option<String>, FieldError> {
    let value = raw.trim();
    if value.is_empty() {
        return Ok(None);
    }
    let digits = value.chars().filter(char::is_ascii_digit).count();
    let allowed = value
        .chars()
        .enumerate()
        .all(|(i, c)| c.is_ascii_digit() || c == ' ' || c == '-' || (c == '+' && i == 0));
    if !allowed || !(6..=20).contains(&digits) {
        return Err(FieldError {
            field: field.to_owned(),
            code: "invalid_phone",
            message: "Enter a phone number of 6 to 20 digits, optionally starting with +.".into(),
        });
    }
    Ok(Some(value.to_owned()))
}

/// The platform role of a user in their environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Role {
    /// Works with documents of the organizations they are a member of.
    Basic,
    /// Basic, plus creating partnerships with other environments.
    Advanced,
    /// Everything in the environment: users, organizations, roles, settings.
    Administrator,
}

impl Role {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Basic => "basic",
            Self::Advanced => "advanced",
            Self::Administrator => "administrator",
        }
    }

    #[must_use]
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "basic" => Some(Self::Basic),
            "advanced" => Some(Self::Advanced),
            "administrator" => Some(Self::Administrator),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum UserStatus {
    Invited,
    Active,
    Deactivated,
}

impl UserStatus {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Invited => "invited",
            Self::Active => "active",
            Self::Deactivated => "deactivated",
        }
    }

    #[must_use]
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "invited" => Some(Self::Invited),
            "active" => Some(Self::Active),
            "deactivated" => Some(Self::Deactivated),
            _ => None,
        }
    }
}

/// Collects field errors so a request reports all of them at once.
#[derive(Debug, Default)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    /// Keeps the value, or records its error.
    pub fn check<T>(&mut self, result: Result<T, FieldError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(err) => {
                self.0.push(err);
                None
            }
        }
    }

    pub fn push(&mut self, err: FieldError) {
        self.0.push(err);
    }

    /// # Errors
    /// [`DomainError::Validation`] when any field failed.
    pub fn finish(self) -> Result<(), DomainError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(DomainError::Validation(self.0))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_addresses_are_trimmed_and_lower_cased() {
        let email = EmailAddress::parse("email", "  Jan.Jansen@Example.NL ").ok();
        assert_eq!(
            email.map(|e| e.as_str().to_owned()),
            Some("jan.jansen@example.nl".into())
        );
    }

    #[test]
    fn implausible_email_addresses_are_refused() {
        for raw in [
            "",
            "jan",
            "jan@",
            "@example.nl",
            "jan@example",
            "jan@exa mple.nl",
            "a b@example.nl",
            "jan@.nl",
        ] {
            assert!(
                EmailAddress::parse("email", raw).is_err(),
                "{raw:?} should be refused"
            );
        }
    }

    #[test]
    fn the_domain_of_an_address() {
        let email = EmailAddress::parse("email", "a@sub.example.nl").ok();
        assert_eq!(
            email.as_ref().map(EmailAddress::domain),
            Some("sub.example.nl")
        );
    }

    #[test]
    fn names_must_be_present_and_reasonable() {
        assert!(PersonName::parse("name", "  ").is_err());
        assert!(PersonName::parse("name", &"x".repeat(101)).is_err());
        assert_eq!(
            PersonName::parse("name", " Jan ")
                .ok()
                .map(PersonName::into_inner),
            Some("Jan".into())
        );
    }

    #[test]
    fn phone_numbers() {
        assert_eq!(
            parse_phone("phone", "+31 6 1234 5678").ok().flatten(),
            Some("+31 6 1234 5678".into())
        );
        assert_eq!(parse_phone("phone", "").ok().flatten(), None);
        assert!(parse_phone("phone", "call me").is_err());
        assert!(parse_phone("phone", "12+34567").is_err());
    }
}
