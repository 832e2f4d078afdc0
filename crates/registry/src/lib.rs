//! The business register adapters behind the domain's
//! [`BusinessRegistry`](haven_domain::organizations::registry::BusinessRegistry) port.
//!
//! This is the network adapter at the edge: the only crate that talks to the KvK API.
//!
//! - [`KvkClient`]: the KvK API (Zoeken v2, Basisprofiel v1), with time-outs and retries.
//! - [`OfflineRegister`]: fictitious companies compiled in from `data/offline-register.json`,
//!   shaped like the KvK API's answers; the default.
//! - [`Registry`]: either of them, chosen by configuration.
//! - `testing::FakeKvk` (feature `test-support`): an in-process HTTP server that serves the
//!   offline data in the KvK API's format, so tests exercise the real client.

pub mod kvk;
pub mod offline;
#[cfg(feature = "test-support")]
pub mod testing;

mod data;
mod wire;

use haven_domain::organizations::{
    identifiers::{Identifier, IdentifierKind},
    registry::{
        BusinessRegistry, RegistryCompany, RegistryError, RegistryQuery, RegistrySearchPage,
    },
};
pub use kvk::{KvkClient, KvkClientOptions};
pub use offline::OfflineRegister;

/// The KvK API's production base URL.
pub const DEFAULT_KVK_API_URL: &str = "https://api.kvk.nl";

/// The configured business register.
#[derive(Debug)]
pub enum Registry {
    Kvk(KvkClient),
    Offline(OfflineRegister),
}

impl Registry {
    /// The register named by the `business_register` setting: `offline` (the default) or
    /// `kvk` (needs `kvk_api_key`; `kvk_api_url` defaults to [`DEFAULT_KVK_API_URL`]).
    ///
    /// # Errors
    /// An unknown kind, a missing API key or an unusable URL, in words naming the setting.
    pub fn from_config(
        kind: &str,
        base_url: Option<&str>,
        api_key: Option<&str>,
    ) -> anyhow::Result<Registry> {
        Self::from_config_with(kind, base_url, api_key, KvkClientOptions::default())
    }

    /// As [`Registry::from_config`], with the KvK client's time-outs, retries and trust roots.
    ///
    /// # Errors
    /// As [`Registry::from_config`].
    pub fn from_config_with(
        kind: &str,
        base_url: Option<&str>,
        api_key: Option<&str>,
        options: KvkClientOptions,
    ) -> anyhow::Result<Registry> {
        match kind.trim().to_ascii_lowercase().as_str() {
            "offline" => Ok(Self::Offline(OfflineRegister::new()?)),
            "kvk" => {
                let api_key = api_key.map(str::trim).filter(|k| !k.is_empty()).ok_or_else(|| {
                    anyhow::anyhow!(
                        "business_register = \"kvk\" needs an API key: set kvk_api_key (HAVEN_KVK_API_KEY)"
                    )
                })?;
                let base_url = base_url
                    .map(str::trim)
                    .filter(|u| !u.is_empty())
                    .unwrap_or(DEFAULT_KVK_API_URL);
                Ok(Self::Kvk(KvkClient::with_options(
                    base_url, api_key, options,
                )?))
            }
            other => {
                anyhow::bail!("unknown business_register {other:?}: use \"offline\" or \"kvk\"")
            }
        }
    }

    /// `"kvk"` or `"offline"`.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Kvk(_) => "kvk",
            Self::Offline(_) => "offline",
        }
    }
}

impl BusinessRegistry for Registry {
    fn shares_contact_email(&self) -> bool {
        match self {
            Self::Kvk(c) => c.shares_contact_email(),
            Self::Offline(o) => o.shares_contact_email(),
        }
    }

    async fn search(&self, query: &RegistryQuery) -> Result<RegistrySearchPage, RegistryError> {
        match self {
            Self::Kvk(c) => c.search(query).await,
            Self::Offline(o) => o.search(query).await,
        }
    }

    async fn profile(&self, kvk_number: &str) -> Result<RegistryCompany, RegistryError> {
        match self {
            Self::Kvk(c) => c.profile(kvk_number).await,
            Self::Offline(o) => o.profile(kvk_number).await,
        }
    }
}

/// A query with its fields trimmed, the KvK number normalised, blanks dropped.
pub(crate) struct CheckedQuery {
    pub kvk_number: Option<String>,
    pub name: Option<String>,
    pub place: Option<String>,
}

/// The same rules for every adapter: something to search for, a well-formed KvK number, and
/// a place only together with a name or number.
pub(crate) fn check_query(query: &RegistryQuery) -> Result<CheckedQuery, RegistryError> {
    let clean = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let kvk_number = clean(&query.kvk_number)
        .map(|k| check_kvk_number(&k))
        .transpose()?;
    let name = clean(&query.name);
    let place = clean(&query.place);
    if kvk_number.is_none() && name.is_none() {
        return Err(RegistryError::Rejected(if place.is_some() {
            "Add a name or a KvK number to search with a place.".to_owned()
        } else {
            "Search by KvK number, or by name (and place).".to_owned()
        }));
    }
    if name.as_deref().is_some_and(|n| n.chars().count() > 200) {
        return Err(RegistryError::Rejected(
            "A name to search for has at most 200 characters.".to_owned(),
        ));
    }
    Ok(CheckedQuery {
        kvk_number,
        name,
        place,
    })
}

/// The KvK number normalised (`' 1234 5678` → `12345678`), or why it is not one.
pub(crate) fn check_kvk_number(raw: &str) -> Result<String, RegistryError> {
    Identifier::parse("kvkNumber", IdentifierKind::Kvk, raw, None)
        .map(|id| id.value().to_owned())
        .map_err(|e| RegistryError::Rejected(e.message))
}
