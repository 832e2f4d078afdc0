//! The embedded data file of fictitious companies and the search over it that both the
//! offline register and the fake KvK server use.

use serde::Deserialize;

use crate::wire::{Basisprofiel, ZoekResultaat};

/// `data/offline-register.json`, compiled in.
const DATA: &str = include_str!("../data/offline-register.json");

#[derive(Deserialize)]
struct DataFile {
    basisprofielen: Vec<Basisprofiel>,
}

/// The companies of the embedded data file.
pub(crate) fn load() -> anyhow::Result<Vec<Basisprofiel>> {
    parse(DATA)
}

pub(crate) fn parse(json: &str) -> anyhow::Result<Vec<Basisprofiel>> {
    let file: DataFile = serde_json::from_str(json)
        .map_err(|e| anyhow::anyhow!("the offline register's data file is not valid: {e}"))?;
    Ok(file.basisprofielen)
}

/// Lower case without the diacritics Dutch names carry, so `cooperatie` finds `Coöperatie`.
pub(crate) fn fold(s: &str) -> String {
    s.trim()
        .chars()
        .map(|c| match c {
            'á' | 'à' | 'ä' | 'â' | 'Á' | 'À' | 'Ä' | 'Â' => 'a',
            'é' | 'è' | 'ë' | 'ê' | 'É' | 'È' | 'Ë' | 'Ê' => 'e',
            'í' | 'ì' | 'ï' | 'î' | 'Í' | 'Ì' | 'Ï' | 'Î' => 'i',
            'ó' | 'ò' | 'ö' | 'ô' | 'Ó' | 'Ò' | 'Ö' | 'Ô' => 'o',
            'ú' | 'ù' | 'ü' | 'û' | 'Ú' | 'Ù' | 'Ü' | 'Û' => 'u',
            'ç' | 'Ç' => 'c',
            other => other,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// Zoeken over the data: `kvk_nummer` exact, `naam` a case-insensitive part of the result's
/// or the company's names, `plaats` the result's place, case-insensitive.
pub(crate) fn search(
    profiles: &[Basisprofiel],
    kvk_nummer: Option<&str>,
    naam: Option<&str>,
    plaats: Option<&str>,
) -> Vec<ZoekResultaat> {
    let naam = naam.map(fold).filter(|n| !n.is_empty());
    let plaats = plaats.map(fold).filter(|p| !p.is_empty());
    // Borrowed once, so the nested closures capture a `Copy` value.
    let naam = naam.as_deref();
    profiles
        .iter()
        .filter(|p| kvk_nummer.is_none_or(|k| p.kvk_nummer == k.trim()))
        .flat_map(|p| {
            let company_matches = naam.is_none_or(|n| p.names().any(|name| fold(name).contains(n)));
            p.search_results()
                .into_iter()
                .filter(move |r| company_matches || naam.is_some_and(|n| fold(&r.naam).contains(n)))
        })
        .filter(|r| {
            plaats
                .as_deref()
                .is_none_or(|want| r.plaats().is_some_and(|have| fold(have) == want))
        })
        .collect()
}

pub(crate) fn find<'a>(profiles: &'a [Basisprofiel], kvk_nummer: &str) -> Option<&'a Basisprofiel> {
    profiles.iter().find(|p| p.kvk_nummer == kvk_nummer)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use haven_domain::organizations::identifiers::{Identifier, IdentifierKind};

    use super::*;

    #[test]
    fn the_data_file_is_valid_and_its_numbers_are_well_formed() {
        let profiles = load().unwrap();
        assert!(profiles.len() >= 15, "{}", profiles.len());
        let mut seen = std::collections::HashSet::new();
        for p in &profiles {
            assert!(
                seen.insert(p.kvk_nummer.clone()),
                "duplicate {}",
                p.kvk_nummer
            );
            Identifier::parse("kvk", IdentifierKind::Kvk, &p.kvk_nummer, None).unwrap();
            assert!(p.kvk_nummer.starts_with('9'), "{}", p.kvk_nummer);
            let company = p.to_company();
            assert!(company.address.is_some(), "{} has no address", p.kvk_nummer);
            let email = company.contact_email.unwrap();
            assert!(email.ends_with(".example"), "{email}");
            for r in p.search_results() {
                if let Some(v) = &r.vestigingsnummer {
                    Identifier::parse("v", IdentifierKind::KvkEstablishment, v, None).unwrap();
                }
                assert!(r.to_hit().is_some());
            }
        }
    }

    #[test]
    fn folding_ignores_case_and_diacritics() {
        assert_eq!(fold(" Coöperatie Zuiderzon "), "cooperatie zuiderzon");
        assert_eq!(fold("CAFÉ"), "cafe");
    }
}
