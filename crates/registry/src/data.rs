//! The embedded data file of fictitious companies and the search over it that both the
//! offline register and the fake KvK server use.

use serde::Deserialize;

use crate::wire::{Basisprofiel, Handelsnaam, ZoekResultaat};

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

/// The words of a name as name search compares them: runs of letters and digits, lower case.
/// Spaces and punctuation only separate words (`B.V.` is `b`, `v`); diacritics are kept.
fn words(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Whether the query's words occur in `name` as whole words, in order and adjacent.
fn name_matches(query: &[String], name: &str) -> bool {
    !query.is_empty() && words(name).windows(query.len()).any(|w| w == query)
}

/// Zoeken over the data, held to what the real Zoeken API v2 promises so that tests never
/// count on a match production would not give:
///
/// - `kvkNummer`: exact.
/// - `naam`: whole words, case-insensitive, against the result's name and the company's
///   names (registered, statutory, trade names; Zoeken 2.1.0 added "alternative" names).
///   KvK's FAQ warns that Zoeken "does not work like a Google search engine", and its test
///   environment's example `naam=test` finds "Test BV Donald": words match regardless of
///   case, but a fragment (`tulpen` for "Tulpenveld") or a spelling without the diacritics
///   (`cooperatie` for "Coöperatie") is not promised, so the fake finds neither. Where the
///   documentation is silent, the stricter reading: the words as a phrase, in order.
/// - `plaats`: the result's place, whole and case-insensitive.
///
/// A result found through a trade name other than its own name shows that trade name, as
/// the API documents for `naam` ("if you searched for a name that is not the statutory or
/// first trade name, we will show the trade name you used").
pub(crate) fn search(
    profiles: &[Basisprofiel],
    kvk_nummer: Option<&str>,
    naam: Option<&str>,
    plaats: Option<&str>,
) -> Vec<ZoekResultaat> {
    let naam = naam.map(words);
    let plaats = plaats.map(|p| p.trim().to_lowercase());
    // Borrowed once, so the nested closures capture a `Copy` value.
    let naam = naam.as_deref();
    profiles
        .iter()
        .filter(|p| kvk_nummer.is_none_or(|k| p.kvk_nummer == k.trim()))
        .flat_map(|p| {
            let company_matches = naam.is_none_or(|n| p.names().any(|name| name_matches(n, name)));
            let shown_name = naam.and_then(|n| shown_trade_name(p, n));
            p.search_results()
                .into_iter()
                .enumerate()
                .filter(move |(_, r)| {
                    company_matches || naam.is_some_and(|n| name_matches(n, &r.naam))
                })
                .map(move |(i, mut r)| {
                    // Only the company's own result (main establishment or legal entity)
                    // carries its trade names; a branch keeps its name.
                    let own_name_matches = naam.is_none_or(|n| name_matches(n, &r.naam));
                    if i == 0 && !own_name_matches {
                        if let Some(name) = shown_name {
                            r.naam = name.to_owned();
                        }
                    }
                    r
                })
        })
        .filter(|r| {
            plaats.as_deref().is_none_or(|want| {
                r.plaats()
                    .is_some_and(|have| have.trim().to_lowercase() == want)
            })
        })
        .collect()
}

/// The trade name to show when only a later trade name matched, not the registered or
/// statutory name or the first trade name.
fn shown_trade_name<'a>(profile: &'a Basisprofiel, naam: &[String]) -> Option<&'a str> {
    let mut trade_names: Vec<&Handelsnaam> = profile.handelsnamen.iter().collect();
    trade_names.sort_by_key(|h| h.volgorde);
    let usual = profile
        .naam
        .iter()
        .chain(profile.statutaire_naam.iter())
        .map(String::as_str)
        .chain(trade_names.first().map(|h| h.naam.as_str()));
    if usual.into_iter().any(|name| name_matches(naam, name)) {
        return None;
    }
    trade_names
        .iter()
        .skip(1)
        .map(|h| h.naam.as_str())
        .find(|name| name_matches(naam, name))
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
    fn names_are_compared_word_by_word() {
        assert_eq!(
            words(" Coöperatie Zuiderzon U.A. "),
            ["coöperatie", "zuiderzon", "u", "a"]
        );
        assert_eq!(words("Molenaar & Zonen"), ["molenaar", "zonen"]);
        let query = words("ZONEN bouw");
        assert!(name_matches(&query, "Molenaar & Zonen Bouw B.V."));
        assert!(!name_matches(&query, "Bouw en Zonen"), "order counts");
        assert!(
            !name_matches(&words("zone"), "Molenaar & Zonen"),
            "whole words only"
        );
        assert!(!name_matches(&words("cooperatie"), "Coöperatie Zuiderzon"));
        assert!(
            !name_matches(&words("&"), "Molenaar & Zonen"),
            "no words, no match"
        );
    }
}
