//! Haven's own SMP: which participants it publishes, and what their Peppol Directory business
//! card says.

use chrono::NaiveDate;

use super::document_types::{InvoiceDocumentType, PeppolDocumentType};
use crate::{
    documents::store::DocumentRecords,
    organizations::{identifiers::scheme, records::OrgEventKind, store::OrganizationStore},
    DomainResult,
};

/// What Haven's SMP publishes for a participant id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Publication {
    /// The organization receives on the id: the invoice document types it chose, and the
    /// Invoice Response 3.0.
    Receiving(Vec<InvoiceDocumentType>),
    /// Only the Invoice Response 3.0: the organization sends from the id but does not receive
    /// on it, and still gets the answers to the invoices it sent.
    InvoiceResponses,
}

/// What Haven's SMP publishes for `participant_id` (`scheme:value`, any case): the document
/// types the organization chose (and the Invoice Response) for a participant id registered
/// here whose organization is active and receives on it, the
/// Invoice Response alone when it only sends from it (`PartyRecord::receives_responses`), and
/// nothing (`None`) otherwise: the SMP answers 404, saying nothing about why.
///
/// # Errors
/// When the records cannot be read.
#[tracing::instrument(name = "peppol.publication", skip(records))]
pub async fn publication<R: DocumentRecords>(
    records: &R,
    participant_id: &str,
) -> DomainResult<Option<Publication>> {
    Ok(records.find_party(participant_id).await?.and_then(|party| {
        if party.receives() {
            Some(Publication::Receiving(party.document_types))
        } else if party.receives_responses() {
            Some(Publication::InvoiceResponses)
        } else {
            None
        }
    }))
}

impl Publication {
    /// The document types published, in the order of the service group: the invoice types
    /// chosen, then the Invoice Response.
    #[must_use]
    pub fn document_types(&self) -> Vec<PeppolDocumentType> {
        match self {
            Self::Receiving(types) => types
                .iter()
                .copied()
                .map(PeppolDocumentType::Invoice)
                .chain([PeppolDocumentType::InvoiceResponse])
                .collect(),
            Self::InvoiceResponses => vec![PeppolDocumentType::InvoiceResponse],
        }
    }
}

/// Whether Haven's SMP publishes `participant_id` at all ([`publication`]): what the SML
/// registration follows.
///
/// # Errors
/// When the records cannot be read.
pub async fn is_published<R: DocumentRecords>(
    records: &R,
    participant_id: &str,
) -> DomainResult<bool> {
    Ok(publication(records, participant_id).await?.is_some())
}

/// What the Peppol Directory shows of a participant: the one business entity behind it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusinessCard {
    /// The participant id as registered (`scheme:value`).
    pub participant_id: String,
    /// The organization's statutory (legal) name.
    pub name: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    /// The address on one line, when the organization has one.
    pub address: Option<String>,
    /// The organization's other identifiers as (ISO 6523 ICD scheme, value): its KvK number
    /// and the identifiers it registered, except the participant id itself.
    pub identifiers: Vec<(String, String)>,
    /// When the organization was activated here (last activation).
    pub registration_date: Option<NaiveDate>,
    /// What the organization added: other names, websites, contacts, a free text.
    pub details: super::directory_details::DirectoryDetails,
}

/// The business card of `participant_id` when Haven's SMP publishes everything for it (the
/// organization receives on it: a seller that only gets Invoice Responses is not listed, as
/// it takes no invoices) and its organization is listed in the Directory; `None` otherwise,
/// with no reason given.
///
/// # Errors
/// When the records cannot be read.
#[tracing::instrument(name = "peppol.business_card", skip(records, organizations))]
pub async fn business_card<R: DocumentRecords, S: OrganizationStore>(
    records: &R,
    organizations: &S,
    participant_id: &str,
) -> DomainResult<Option<BusinessCard>> {
    let Some(party) = records.find_party(participant_id).await? else {
        return Ok(None);
    };
    if !party.receives() {
        return Ok(None);
    }
    let Some(org) = organizations
        .find_organization_anywhere(party.organization_id)
        .await?
    else {
        return Ok(None);
    };
    if !org.directory_listed {
        return Ok(None);
    }
    let kvk = org
        .kvk_number
        .iter()
        .map(|kvk| (scheme::KVK.to_owned(), kvk.clone()));
    let registered = organizations
        .list_identifiers(org.id)
        .await?
        .into_iter()
        .map(|i| (i.scheme, i.value));
    let mut identifiers: Vec<(String, String)> = Vec::new();
    for pair in kvk.chain(registered) {
        let own = format!("{}:{}", pair.0, pair.1).eq_ignore_ascii_case(&party.participant_id);
        if !own && !identifiers.contains(&pair) {
            identifiers.push(pair);
        }
    }
    let registration_date = organizations
        .list_events(org.id)
        .await?
        .iter()
        .filter(|e| e.event == OrgEventKind::Activated)
        .map(|e| e.created_at.date_naive())
        .next_back();
    Ok(Some(BusinessCard {
        participant_id: party.participant_id,
        name: org.statutory_name,
        country: org.country,
        address: one_line(&org.address),
        identifiers,
        registration_date,
        details: org.directory_details,
    }))
}

/// `Street 12, 1234 AB City`, leaving out what is missing; `None` when nothing is known.
fn one_line(address: &crate::organizations::records::Address) -> Option<String> {
    let join = |parts: [&Option<String>; 2]| {
        let parts: Vec<&str> = parts
            .iter()
            .filter_map(|p| p.as_deref().map(str::trim).filter(|p| !p.is_empty()))
            .collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    };
    let lines: Vec<String> = [
        join([&address.street, &address.house_number]),
        join([&address.postal_code, &address.city]),
    ]
    .into_iter()
    .flatten()
    .collect();
    (!lines.is_empty()).then(|| lines.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::organizations::records::Address;

    #[test]
    fn the_address_is_one_line_of_what_is_known() {
        let full = Address {
            street: Some("Keizersgracht".into()),
            house_number: Some("1a".into()),
            postal_code: Some("1015 AA".into()),
            city: Some("Amsterdam".into()),
        };
        assert_eq!(
            one_line(&full).as_deref(),
            Some("Keizersgracht 1a, 1015 AA Amsterdam")
        );
        let city_only = Address {
            city: Some("Utrecht".into()),
            street: Some("  ".into()),
            ..Address::default()
        };
        assert_eq!(one_line(&city_only).as_deref(), Some("Utrecht"));
        assert_eq!(one_line(&Address::default()), None);
    }
}
