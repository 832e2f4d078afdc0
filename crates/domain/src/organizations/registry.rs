//! Port: the business register. "Add organization" searches the Dutch Handelsregister (KvK)
//! by KvK number or by name and place, and prefills its form from the chosen company's
//! basic profile.
//!
//! Adapters live in `haven-registry`: a client for the KvK API and an embedded offline
//! register of fictitious companies (the default, used in development and tests).

use serde::{Deserialize, Serialize};

/// What to search for. At least one field should be set; adapters answer
/// [`RegistryError::Rejected`] for an empty query.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistryQuery {
    /// Exact, 8 digits.
    pub kvk_number: Option<String>,
    /// Whole words of the (trade) name, in order, case-insensitive (accents count).
    pub name: Option<String>,
    /// Place of establishment, case-insensitive.
    pub place: Option<String>,
    /// Which page of hits, from 1; 0 means the first.
    pub page: u32,
    /// Hits per page, 1–100 (the KvK API's range); 0 means [`DEFAULT_HITS_PER_PAGE`].
    pub per_page: u32,
}

/// Hits per page when none is asked for.
pub const DEFAULT_HITS_PER_PAGE: u32 = 20;
/// The most hits per page the KvK API gives.
pub const MAX_HITS_PER_PAGE: u32 = 100;

impl RegistryQuery {
    /// The page asked for, from 1.
    #[must_use]
    pub fn page_number(&self) -> u32 {
        self.page.max(1)
    }

    /// The page size asked for, within 1–100.
    #[must_use]
    pub fn page_size(&self) -> u32 {
        match self.per_page {
            0 => DEFAULT_HITS_PER_PAGE,
            n => n.min(MAX_HITS_PER_PAGE),
        }
    }
}

/// One page of search hits, and whether the register has more.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegistrySearchPage {
    pub hits: Vec<RegistrySearchHit>,
    pub has_more: bool,
}

impl RegistryQuery {
    /// True when no field holds anything but whitespace.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        [&self.kvk_number, &self.name, &self.place]
            .iter()
            .all(|f| f.as_deref().is_none_or(|v| v.trim().is_empty()))
    }
}

/// What a search hit is, in the register's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum RegistryHitKind {
    /// The main establishment (`hoofdvestiging`).
    MainEstablishment,
    /// A branch (`nevenvestiging`).
    Branch,
    /// The legal entity itself, without an establishment (`rechtspersoon`).
    LegalEntity,
}

impl RegistryHitKind {
    /// The KvK API's `type` value: `hoofdvestiging`, `nevenvestiging`, `rechtspersoon`.
    #[must_use]
    pub fn from_kvk(raw: &str) -> Option<Self> {
        match raw.to_ascii_lowercase().as_str() {
            "hoofdvestiging" => Some(Self::MainEstablishment),
            "nevenvestiging" => Some(Self::Branch),
            "rechtspersoon" => Some(Self::LegalEntity),
            _ => None,
        }
    }

    #[must_use]
    pub fn as_kvk(self) -> &'static str {
        match self {
            Self::MainEstablishment => "hoofdvestiging",
            Self::Branch => "nevenvestiging",
            Self::LegalEntity => "rechtspersoon",
        }
    }
}

/// One search result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistrySearchHit {
    pub kvk_number: String,
    pub establishment_number: Option<String>,
    pub name: String,
    pub place: Option<String>,
    pub kind: RegistryHitKind,
}

/// A Dutch address as the register has it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistryAddress {
    pub street: String,
    /// House number with letter and addition, e.g. `12`, `12A`, `12-3`.
    pub house_number: String,
    pub postal_code: String,
    pub city: String,
    /// ISO 3166-1 alpha-2; `NL` for the Dutch register.
    pub country: String,
}

/// A company's basic profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistryCompany {
    pub kvk_number: String,
    /// The main establishment's number, when there is one.
    pub establishment_number: Option<String>,
    pub statutory_name: String,
    /// In the register's order.
    pub trade_names: Vec<String>,
    /// E.g. `Besloten Vennootschap`, `Eenmanszaak`.
    pub legal_form: Option<String>,
    /// The visiting address (`bezoekadres`) of the main establishment.
    pub address: Option<RegistryAddress>,
    /// The registered contact address activation codes are sent to. The real KvK API has no
    /// such field, so with it this is `None` and activation falls back to operator review;
    /// the offline register and the test server provide one.
    pub contact_email: Option<String>,
    pub rsin: Option<String>,
}

/// Why the register gave no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistryError {
    /// No company with that KvK number.
    #[error("the business register has no such company")]
    NotFound,
    /// The register could not be reached or did not answer properly. The message is for the
    /// user: the register could not be reached; try again later or enter the details by hand.
    #[error("{0}")]
    Unavailable(String),
    /// The query was not acceptable (empty, malformed KvK number); the message says why.
    #[error("{0}")]
    Rejected(String),
}

impl RegistryError {
    /// The register's answer about a KvK number, in the terms every use case speaks: an
    /// unknown company, a number it refused (on `kvkNumber`), or an outage (503, logged).
    #[must_use]
    pub fn into_domain_error(self) -> crate::DomainError {
        use crate::DomainError;
        match self {
            Self::NotFound => DomainError::not_found("company", "kvkNumber"),
            Self::Rejected(message) => {
                DomainError::field("kvkNumber", "rejected_by_register", message)
            }
            Self::Unavailable(message) => DomainError::Unavailable {
                service: crate::ExternalService::BusinessRegister,
                message,
            },
        }
    }
}

/// The business register. Implemented by `haven_registry::Registry` (KvK API or offline).
#[allow(async_fn_in_trait)]
pub trait BusinessRegistry {
    /// The page of companies matching the query that the query asks for; no hits when nothing
    /// matches.
    async fn search(&self, query: &RegistryQuery) -> Result<RegistrySearchPage, RegistryError>;

    /// The basic profile of the company with this 8-digit KvK number.
    async fn profile(&self, kvk_number: &str) -> Result<RegistryCompany, RegistryError>;

    /// Whether profiles carry a contact address that an activation code can be sent to. The
    /// real KvK Basisprofiel has none, so with it only operator review can activate.
    fn shares_contact_email(&self) -> bool;
}

/// The ways to activate an organization this installation offers.
#[must_use]
pub fn offered_activation_methods<R: BusinessRegistry>(
    registry: &R,
) -> Vec<super::records::ActivationMethod> {
    use super::records::ActivationMethod;
    if registry.shares_contact_email() {
        vec![
            ActivationMethod::EmailCode,
            ActivationMethod::OperatorReview,
        ]
    } else {
        vec![ActivationMethod::OperatorReview]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_query_is_recognised() {
        assert!(RegistryQuery::default().is_empty());
        let blank = RegistryQuery {
            name: Some("  ".into()),
            ..RegistryQuery::default()
        };
        assert!(blank.is_empty());
        let named = RegistryQuery {
            name: Some("Tulp".into()),
            ..RegistryQuery::default()
        };
        assert!(!named.is_empty());
    }

    #[test]
    fn hit_kinds_map_to_the_kvk_words() {
        for kind in [
            RegistryHitKind::MainEstablishment,
            RegistryHitKind::Branch,
            RegistryHitKind::LegalEntity,
        ] {
            assert_eq!(RegistryHitKind::from_kvk(kind.as_kvk()), Some(kind));
        }
        assert_eq!(
            RegistryHitKind::from_kvk("Hoofdvestiging"),
            Some(RegistryHitKind::MainEstablishment)
        );
        assert_eq!(RegistryHitKind::from_kvk("iets"), None);
    }
}
