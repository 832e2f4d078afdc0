//! The embedded offline register: fictitious companies from `data/offline-register.json`,
//! searched in memory. The default register, for development, demos and tests.

use haven_domain::organizations::registry::{
    BusinessRegistry, RegistryCompany, RegistryError, RegistryQuery, RegistrySearchPage,
};

use crate::{check_kvk_number, check_query, data, wire::Basisprofiel};

pub struct OfflineRegister {
    profiles: Vec<Basisprofiel>,
}

impl std::fmt::Debug for OfflineRegister {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OfflineRegister")
            .field("companies", &self.profiles.len())
            .finish()
    }
}

impl OfflineRegister {
    /// The register of the embedded data file.
    ///
    /// # Errors
    /// When the embedded file does not parse (a build defect; a unit test guards it).
    pub fn new() -> anyhow::Result<Self> {
        Ok(Self {
            profiles: data::load()?,
        })
    }

    /// A register of other data in the same format (`{"basisprofielen": [...]}`).
    ///
    /// # Errors
    /// When the JSON does not have that format.
    pub fn from_json(json: &str) -> anyhow::Result<Self> {
        Ok(Self {
            profiles: data::parse(json)?,
        })
    }

    /// How many companies the register holds.
    #[must_use]
    pub fn len(&self) -> usize {
        self.profiles.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.profiles.is_empty()
    }
}

impl BusinessRegistry for OfflineRegister {
    /// The development data has a made-up contact address for every company.
    fn shares_contact_email(&self) -> bool {
        true
    }

    async fn search(&self, query: &RegistryQuery) -> Result<RegistrySearchPage, RegistryError> {
        let q = check_query(query)?;
        let all: Vec<_> = data::search(
            &self.profiles,
            q.kvk_number.as_deref(),
            q.name.as_deref(),
            q.place.as_deref(),
        )
        .iter()
        .filter_map(|r| r.to_hit())
        .collect();
        let size = query.page_size() as usize;
        let skip = (query.page_number() as usize - 1) * size;
        Ok(RegistrySearchPage {
            has_more: all.len() > skip + size,
            hits: all.into_iter().skip(skip).take(size).collect(),
        })
    }

    async fn profile(&self, kvk_number: &str) -> Result<RegistryCompany, RegistryError> {
        let kvk_number = check_kvk_number(kvk_number)?;
        data::find(&self.profiles, &kvk_number)
            .map(Basisprofiel::to_company)
            .ok_or(RegistryError::NotFound)
    }
}
