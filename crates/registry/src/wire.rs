//! The KvK API's JSON shapes (Zoeken v2, Basisprofiel v1, the `fout` error body) and their
//! mapping onto the domain's registry types. Only the fields Haven uses are declared; the
//! real API sends many more, which are ignored.
//!
//! Two fields are our test-data extensions, absent from the real API: `emailadres` on a
//! basisprofiel (the registered contact address activation codes go to) and
//! `nevenvestigingen` (a company's branches, in the shape of Zoeken results) in the data file.

use haven_domain::organizations::registry::{
    RegistryAddress, RegistryCompany, RegistryHitKind, RegistrySearchHit,
};
use serde::{Deserialize, Serialize};

/// `GET /api/v2/zoeken`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ZoekResultaten {
    #[serde(default)]
    pub pagina: u32,
    #[serde(default)]
    pub resultaten_per_pagina: u32,
    #[serde(default)]
    pub totaal: u32,
    #[serde(default)]
    pub resultaten: Vec<ZoekResultaat>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ZoekResultaat {
    pub kvk_nummer: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vestigingsnummer: Option<String>,
    pub naam: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adres: Option<ZoekAdres>,
    #[serde(rename = "type")]
    pub kind: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ZoekAdres {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub binnenlands_adres: Option<BinnenlandsAdres>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct BinnenlandsAdres {
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub straatnaam: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plaats: Option<String>,
}

/// `GET /api/v1/basisprofielen/{kvkNummer}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Basisprofiel {
    pub kvk_nummer: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub naam: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statutaire_naam: Option<String>,
    #[serde(default)]
    pub handelsnamen: Vec<Handelsnaam>,
    #[serde(rename = "_embedded", default, skip_serializing_if = "Option::is_none")]
    pub embedded: Option<Embedded>,
    /// Test-data extension: not in the real API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emailadres: Option<String>,
    /// Test-data extension, only in the data file (never served).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nevenvestigingen: Vec<Nevenvestiging>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Handelsnaam {
    pub naam: String,
    #[serde(default)]
    pub volgorde: u32,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Embedded {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hoofdvestiging: Option<Vestiging>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eigenaar: Option<Eigenaar>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Vestiging {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vestigingsnummer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eerste_handelsnaam: Option<String>,
    #[serde(default)]
    pub adressen: Vec<Adres>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Eigenaar {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rechtsvorm: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uitgebreide_rechtsvorm: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rsin: Option<String>,
    /// Present when the company has no establishment (e.g. a foundation).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub adressen: Vec<Adres>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Adres {
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub straatnaam: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub huisnummer: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub huisletter: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub huisnummer_toevoeging: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postcode: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plaats: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub land: Option<String>,
}

/// Test-data extension: a branch of a company.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Nevenvestiging {
    pub vestigingsnummer: String,
    pub naam: String,
    #[serde(default)]
    pub adres: Option<ZoekAdres>,
}

/// The KvK API's error body: `{"fout": [{"code": "IPD5200", "omschrijving": "…"}]}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Fout {
    pub fout: Vec<FoutRegel>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct FoutRegel {
    pub code: String,
    pub omschrijving: String,
}

impl Fout {
    #[cfg(feature = "test-support")]
    pub fn new(code: &str, omschrijving: &str) -> Self {
        Self {
            fout: vec![FoutRegel {
                code: code.to_owned(),
                omschrijving: omschrijving.to_owned(),
            }],
        }
    }

    pub fn describe(&self) -> String {
        self.fout
            .iter()
            .map(|f| format!("{} ({})", f.omschrijving, f.code))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

impl ZoekResultaat {
    pub fn plaats(&self) -> Option<&str> {
        self.adres
            .as_ref()?
            .binnenlands_adres
            .as_ref()?
            .plaats
            .as_deref()
    }

    /// `None` for a result type Haven does not know.
    pub fn to_hit(&self) -> Option<RegistrySearchHit> {
        Some(RegistrySearchHit {
            kvk_number: self.kvk_nummer.clone(),
            establishment_number: self.vestigingsnummer.clone(),
            name: self.naam.clone(),
            place: self.plaats().map(str::to_owned),
            kind: RegistryHitKind::from_kvk(&self.kind)?,
        })
    }
}

fn non_empty(s: Option<&String>) -> Option<String> {
    s.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

impl Adres {
    /// A Dutch address; `None` for foreign or incomplete ones.
    fn to_address(&self) -> Option<RegistryAddress> {
        let dutch = self
            .land
            .as_deref()
            .is_none_or(|l| l.eq_ignore_ascii_case("Nederland") || l.eq_ignore_ascii_case("NL"));
        if !dutch {
            return None;
        }
        let mut house_number = self.huisnummer.map(|n| n.to_string()).unwrap_or_default();
        if let Some(letter) = non_empty(self.huisletter.as_ref()) {
            house_number.push_str(&letter);
        }
        if let Some(addition) = non_empty(self.huisnummer_toevoeging.as_ref()) {
            house_number.push('-');
            house_number.push_str(&addition);
        }
        Some(RegistryAddress {
            street: non_empty(self.straatnaam.as_ref())?,
            house_number,
            postal_code: non_empty(self.postcode.as_ref())?,
            city: non_empty(self.plaats.as_ref())?,
            country: "NL".to_owned(),
        })
    }
}

/// The visiting address (`bezoekadres`) when there is one, else the first usable address.
fn pick_address(adressen: &[Adres]) -> Option<RegistryAddress> {
    let visiting = adressen
        .iter()
        .filter(|a| a.kind.as_deref() == Some("bezoekadres"))
        .find_map(Adres::to_address);
    visiting.or_else(|| adressen.iter().find_map(Adres::to_address))
}

impl Basisprofiel {
    fn hoofdvestiging(&self) -> Option<&Vestiging> {
        self.embedded.as_ref()?.hoofdvestiging.as_ref()
    }

    fn eigenaar(&self) -> Option<&Eigenaar> {
        self.embedded.as_ref()?.eigenaar.as_ref()
    }

    /// The statutory name, or for a sole proprietorship (which has none) the registered name.
    fn statutory_name(&self) -> String {
        non_empty(self.statutaire_naam.as_ref())
            .or_else(|| non_empty(self.naam.as_ref()))
            .or_else(|| self.sorted_trade_names().into_iter().next())
            .unwrap_or_else(|| self.kvk_nummer.clone())
    }

    fn sorted_trade_names(&self) -> Vec<String> {
        let mut names: Vec<&Handelsnaam> = self.handelsnamen.iter().collect();
        names.sort_by_key(|h| h.volgorde);
        names
            .into_iter()
            .filter_map(|h| non_empty(Some(&h.naam)))
            .collect()
    }

    pub fn to_company(&self) -> RegistryCompany {
        let main = self.hoofdvestiging();
        let owner = self.eigenaar();
        let address = main
            .and_then(|v| pick_address(&v.adressen))
            .or_else(|| owner.and_then(|o| pick_address(&o.adressen)));
        RegistryCompany {
            kvk_number: self.kvk_nummer.clone(),
            establishment_number: main.and_then(|v| non_empty(v.vestigingsnummer.as_ref())),
            statutory_name: self.statutory_name(),
            trade_names: self.sorted_trade_names(),
            legal_form: owner.and_then(|o| {
                non_empty(o.uitgebreide_rechtsvorm.as_ref())
                    .or_else(|| non_empty(o.rechtsvorm.as_ref()))
            }),
            address,
            contact_email: non_empty(self.emailadres.as_ref()),
            rsin: owner.and_then(|o| non_empty(o.rsin.as_ref())),
        }
    }

    /// The Zoeken results this company yields: its main establishment (or, without one, the
    /// legal entity) and its branches.
    pub fn search_results(&self) -> Vec<ZoekResultaat> {
        let main = self.hoofdvestiging();
        let place_of = |adressen: &[Adres]| -> Option<ZoekAdres> {
            let a = adressen
                .iter()
                .find(|a| a.kind.as_deref() == Some("bezoekadres"))
                .or_else(|| adressen.first())?;
            Some(ZoekAdres {
                binnenlands_adres: Some(BinnenlandsAdres {
                    kind: a.kind.clone(),
                    straatnaam: a.straatnaam.clone(),
                    plaats: a.plaats.clone(),
                }),
            })
        };
        let first = match main {
            Some(v) => ZoekResultaat {
                kvk_nummer: self.kvk_nummer.clone(),
                vestigingsnummer: v.vestigingsnummer.clone(),
                naam: non_empty(v.eerste_handelsnaam.as_ref())
                    .unwrap_or_else(|| self.statutory_name()),
                adres: place_of(&v.adressen),
                kind: RegistryHitKind::MainEstablishment.as_kvk().to_owned(),
            },
            None => ZoekResultaat {
                kvk_nummer: self.kvk_nummer.clone(),
                vestigingsnummer: None,
                naam: self.statutory_name(),
                adres: self.eigenaar().and_then(|o| place_of(&o.adressen)),
                kind: RegistryHitKind::LegalEntity.as_kvk().to_owned(),
            },
        };
        let branches = self.nevenvestigingen.iter().map(|n| ZoekResultaat {
            kvk_nummer: self.kvk_nummer.clone(),
            vestigingsnummer: Some(n.vestigingsnummer.clone()),
            naam: n.naam.clone(),
            adres: n.adres.clone(),
            kind: RegistryHitKind::Branch.as_kvk().to_owned(),
        });
        std::iter::once(first).chain(branches).collect()
    }

    /// Every name the company is known by, for name search.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.naam
            .iter()
            .chain(self.statutaire_naam.iter())
            .map(String::as_str)
            .chain(self.handelsnamen.iter().map(|h| h.naam.as_str()))
    }
}
