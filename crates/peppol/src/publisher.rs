//! Haven's own SMP, the documents it serves (SMP 1.x): the service group of a participant and
//! the signed service metadata of one document type, naming Haven's AS4 endpoint and access
//! point certificate, signed with the configured SMP key. Which participants are served is
//! the domain's decision; this module only writes the XML.

use base64::{engine::general_purpose::STANDARD, Engine as _};
use haven_domain::peppol::publishing::{BusinessCard, Publication};

use crate::{
    identifiers::{
        percent_decode, DocumentTypeIdentifier, ParticipantIdentifier, ProcessIdentifier,
        DOCUMENT_TYPE_SCHEME, PARTICIPANT_SCHEME, PROCESS_SCHEME, TRANSPORT_PROFILE_AS4,
    },
    smp::{IDS_NAMESPACE, SMP_NAMESPACE, WSA_NAMESPACE},
    xmldsig::{sign_enveloped, SigningKey},
};

/// The document types Haven receives and publishes for a participant: for one that receives,
/// the invoice document types its organization chose (BIS Billing 3.0, SI-UBL 2.0, …) and the
/// Invoice Response 3.0 (buyers elsewhere answering invoices sent from here); for a seller that
/// only sends, the Invoice Response 3.0 alone. Each with its process.
#[must_use]
pub fn published_document_types(
    publication: &Publication,
) -> Vec<(DocumentTypeIdentifier, ProcessIdentifier)> {
    publication
        .document_types()
        .into_iter()
        .filter_map(|t| {
            Some((
                DocumentTypeIdentifier::from_value(t.value()).ok()?,
                ProcessIdentifier::from_value(t.process()).ok()?,
            ))
        })
        .collect()
}

/// What the SMP publishes about Haven's access point.
pub struct Publisher {
    /// The SMP's base URL as senders reach it (the `href`s of service groups start with it).
    pub base_url: String,
    /// The AS4 endpoint URL senders deliver to.
    pub endpoint_url: String,
    /// The access point's certificate (DER) senders encrypt to.
    pub ap_certificate: Vec<u8>,
    /// The SMP certificate's key.
    pub key: SigningKey,
    /// Contact URL published with the endpoint.
    pub contact_url: String,
}

/// One path segment of an SMP request, decoded into an identifier; `None` when it is not one.
#[must_use]
pub fn participant_from_path(segment: &str) -> Option<ParticipantIdentifier> {
    ParticipantIdentifier::parse(&percent_decode(segment)?).ok()
}

/// As [`participant_from_path`] for a document type.
#[must_use]
pub fn document_type_from_path(segment: &str) -> Option<DocumentTypeIdentifier> {
    DocumentTypeIdentifier::parse(&percent_decode(segment)?).ok()
}

impl Publisher {
    /// The service group: the participant and one reference per published document type.
    #[must_use]
    pub fn service_group(
        &self,
        participant: &ParticipantIdentifier,
        publication: &Publication,
    ) -> String {
        let base = self.base_url.trim_end_matches('/');
        let references: String = published_document_types(publication)
            .iter()
            .map(|(doc, _)| {
                format!(
                    "<ServiceMetadataReference href=\"{}\"/>",
                    escape(&format!(
                        "{base}/{}/services/{}",
                        participant.url_encoded(),
                        doc.url_encoded()
                    ))
                )
            })
            .collect();
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ServiceGroup xmlns=\"{SMP_NAMESPACE}\" xmlns:ids=\"{IDS_NAMESPACE}\"><ids:ParticipantIdentifier scheme=\"{PARTICIPANT_SCHEME}\">{}</ids:ParticipantIdentifier><ServiceMetadataReferenceCollection>{references}</ServiceMetadataReferenceCollection></ServiceGroup>",
            escape(participant.value())
        )
    }

    /// The signed service metadata for a published document type; `None` for another one.
    ///
    /// # Errors
    /// When signing fails.
    pub fn signed_metadata(
        &self,
        participant: &ParticipantIdentifier,
        publication: &Publication,
        document_type: &DocumentTypeIdentifier,
    ) -> Result<Option<String>, String> {
        let Some(process) = published_document_types(publication)
            .into_iter()
            .find_map(|(doc, process)| (doc == *document_type).then_some(process))
        else {
            return Ok(None);
        };
        let xml = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<SignedServiceMetadata xmlns=\"{SMP_NAMESPACE}\" xmlns:ids=\"{IDS_NAMESPACE}\" xmlns:wsa=\"{WSA_NAMESPACE}\"><ServiceMetadata><ServiceInformation><ids:ParticipantIdentifier scheme=\"{PARTICIPANT_SCHEME}\">{participant}</ids:ParticipantIdentifier><ids:DocumentIdentifier scheme=\"{DOCUMENT_TYPE_SCHEME}\">{document}</ids:DocumentIdentifier><ProcessList><Process><ids:ProcessIdentifier scheme=\"{PROCESS_SCHEME}\">{process}</ids:ProcessIdentifier><ServiceEndpointList><Endpoint transportProfile=\"{TRANSPORT_PROFILE_AS4}\"><wsa:EndpointReference><wsa:Address>{url}</wsa:Address></wsa:EndpointReference><RequireBusinessLevelSignature>false</RequireBusinessLevelSignature><Certificate>{certificate}</Certificate><ServiceDescription>Haven access point</ServiceDescription><TechnicalContactUrl>{contact}</TechnicalContactUrl></Endpoint></ServiceEndpointList></Process></ProcessList></ServiceInformation></ServiceMetadata></SignedServiceMetadata>",
            participant = escape(participant.value()),
            document = escape(document_type.value()),
            process = escape(process.value()),
            url = escape(&self.endpoint_url),
            certificate = STANDARD.encode(&self.ap_certificate),
            contact = escape(&self.contact_url),
        );
        sign_enveloped(&xml, &self.key).map(Some)
    }
}

/// The namespace of the Peppol Directory business card, version 3 (2018-06-21).
pub const BUSINESS_CARD_NAMESPACE: &str = "http://www.peppol.eu/schema/pd/businesscard/20180621/";

/// The Peppol Directory business card of a published participant: the participant and one
/// business entity, its elements in the order of the schema (`Name`+ — the statutory name,
/// then the organization's names in other languages with their `language` —, `CountryCode`,
/// `GeographicalInformation`, `Identifier`*, `WebsiteURI`*, `Contact`* with `Type`, `Name`,
/// `PhoneNumber` and `Email` as given, `AdditionalInformation`) and the activation date as
/// `registrationDate`. Not signed: the Directory fetches it over TLS from the SMP.
#[must_use]
pub fn business_card(participant: &ParticipantIdentifier, card: &BusinessCard) -> String {
    let registration = card
        .registration_date
        .map(|d| format!(" registrationDate=\"{}\"", d.format("%Y-%m-%d")))
        .unwrap_or_default();
    let mut entity = format!(
        "<BusinessEntity{registration}><Name>{}</Name>",
        escape(card.name.trim()),
    );
    for other in &card.details.other_names {
        entity.push_str(&format!(
            "<Name language=\"{}\">{}</Name>",
            escape(&other.language),
            escape(&other.name)
        ));
    }
    entity.push_str(&format!(
        "<CountryCode>{}</CountryCode>",
        escape(&card.country.to_ascii_uppercase())
    ));
    if let Some(address) = &card.address {
        entity.push_str(&format!(
            "<GeographicalInformation>{}</GeographicalInformation>",
            escape(address)
        ));
    }
    for (scheme, value) in &card.identifiers {
        entity.push_str(&format!(
            "<Identifier scheme=\"{}\">{}</Identifier>",
            escape(scheme),
            escape(value)
        ));
    }
    for site in &card.details.websites {
        entity.push_str(&format!("<WebsiteURI>{}</WebsiteURI>", escape(site)));
    }
    for contact in &card.details.contacts {
        entity.push_str("<Contact>");
        for (element, value) in [
            ("Type", &contact.purpose),
            ("Name", &contact.name),
            ("PhoneNumber", &contact.phone),
            ("Email", &contact.email),
        ] {
            if let Some(value) = value {
                entity.push_str(&format!("<{element}>{}</{element}>", escape(value)));
            }
        }
        entity.push_str("</Contact>");
    }
    if let Some(text) = &card.details.additional_information {
        entity.push_str(&format!(
            "<AdditionalInformation>{}</AdditionalInformation>",
            escape(text)
        ));
    }
    entity.push_str("</BusinessEntity>");
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<BusinessCard xmlns=\"{BUSINESS_CARD_NAMESPACE}\"><ParticipantIdentifier scheme=\"{PARTICIPANT_SCHEME}\">{}</ParticipantIdentifier>{entity}</BusinessCard>",
        escape(participant.value())
    )
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use haven_domain::peppol::directory_details::{
        DirectoryContact, DirectoryDetails, LocalizedName,
    };

    #[test]
    fn path_segments_decode_into_identifiers_encoded_or_not() {
        let encoded = participant_from_path("iso6523-actorid-upis%3A%3A0106%3A12345678").unwrap();
        let plain = participant_from_path("iso6523-actorid-upis::0106:12345678").unwrap();
        assert_eq!(encoded, plain);
        assert!(participant_from_path("0106%3A12345678").is_none());
        assert!(participant_from_path("%zz").is_none());
        let doc = DocumentTypeIdentifier::bis_billing_invoice();
        assert_eq!(document_type_from_path(&doc.url_encoded()), Some(doc));
    }

    fn card() -> BusinessCard {
        BusinessCard {
            participant_id: "0106:12345678".into(),
            name: "Bakker & Zonen <B.V.>".into(),
            country: "nl".into(),
            address: Some("Dorpsstraat 1, 1234 AB \"Ons\" Dorp".into()),
            identifiers: vec![
                ("0106".into(), "12345678".into()),
                ("9944".into(), "NL123456789B01".into()),
            ],
            registration_date: chrono::NaiveDate::from_ymd_opt(2026, 12, 1),
            details: DirectoryDetails::default(),
        }
    }

    #[test]
    fn the_organizations_additions_follow_the_identifiers_in_schema_order() {
        let participant = participant_from_path("iso6523-actorid-upis::0106:12345678").unwrap();
        let with_details = BusinessCard {
            details: DirectoryDetails {
                other_names: vec![LocalizedName {
                    language: "en".into(),
                    name: "Baker & Sons".into(),
                }],
                websites: vec!["https://bakker.example.nl/?a=1&b=2".into()],
                contacts: vec![
                    DirectoryContact {
                        purpose: Some("Invoices".into()),
                        email: Some("facturen@bakker.example.nl".into()),
                        ..DirectoryContact::default()
                    },
                    DirectoryContact {
                        name: Some("Support".into()),
                        phone: Some("+31 20 123 4567".into()),
                        ..DirectoryContact::default()
                    },
                ],
                additional_information: Some("Bread <daily>".into()),
            },
            ..card()
        };
        let xml = business_card(&participant, &with_details);
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let entity = children(doc.root_element())[1];
        let fields = children(entity);
        let names: Vec<&str> = fields.iter().map(|n| n.tag_name().name()).collect();
        assert_eq!(
            names,
            [
                "Name",
                "Name",
                "CountryCode",
                "GeographicalInformation",
                "Identifier",
                "Identifier",
                "WebsiteURI",
                "Contact",
                "Contact",
                "AdditionalInformation"
            ]
        );
        assert_eq!(fields[0].attribute("language"), None);
        assert_eq!(fields[1].attribute("language"), Some("en"));
        assert_eq!(fields[1].text(), Some("Baker & Sons"));
        assert_eq!(fields[6].text(), Some("https://bakker.example.nl/?a=1&b=2"));
        let contact = |node| {
            children(node)
                .iter()
                .map(|c| (c.tag_name().name(), c.text().unwrap_or_default().to_owned()))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            contact(fields[7]),
            [
                ("Type", "Invoices".to_owned()),
                ("Email", "facturen@bakker.example.nl".to_owned())
            ]
        );
        assert_eq!(
            contact(fields[8]),
            [
                ("Name", "Support".to_owned()),
                ("PhoneNumber", "+31 20 123 4567".to_owned())
            ]
        );
        assert_eq!(fields[9].text(), Some("Bread <daily>"));
    }

    /// The child elements of `node` by local name, each checked to be in the card namespace.
    fn children<'a>(node: roxmltree::Node<'a, 'a>) -> Vec<roxmltree::Node<'a, 'a>> {
        node.children()
            .filter(roxmltree::Node::is_element)
            .inspect(|c| assert_eq!(c.tag_name().namespace(), Some(BUSINESS_CARD_NAMESPACE)))
            .collect()
    }

    #[test]
    fn the_business_card_follows_the_schema_order_and_escapes_text() {
        let participant = participant_from_path("iso6523-actorid-upis::0106:12345678").unwrap();
        let xml = business_card(&participant, &card());
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "BusinessCard");
        assert_eq!(root.tag_name().namespace(), Some(BUSINESS_CARD_NAMESPACE));
        let top = children(root);
        let names: Vec<&str> = top.iter().map(|n| n.tag_name().name()).collect();
        assert_eq!(names, ["ParticipantIdentifier", "BusinessEntity"]);
        assert_eq!(top[0].attribute("scheme"), Some(PARTICIPANT_SCHEME));
        assert_eq!(top[0].text(), Some("0106:12345678"));
        let entity = top[1];
        assert_eq!(entity.attribute("registrationDate"), Some("2026-12-01"));
        let fields = children(entity);
        let names: Vec<&str> = fields.iter().map(|n| n.tag_name().name()).collect();
        assert_eq!(
            names,
            [
                "Name",
                "CountryCode",
                "GeographicalInformation",
                "Identifier",
                "Identifier"
            ]
        );
        assert_eq!(fields[0].text(), Some("Bakker & Zonen <B.V.>"));
        assert_eq!(fields[1].text(), Some("NL"));
        assert_eq!(
            fields[2].text(),
            Some("Dorpsstraat 1, 1234 AB \"Ons\" Dorp")
        );
        assert_eq!(fields[3].attribute("scheme"), Some("0106"));
        assert_eq!(fields[4].attribute("scheme"), Some("9944"));
        assert_eq!(fields[4].text(), Some("NL123456789B01"));
        assert!(xml.contains("Bakker &amp; Zonen &lt;B.V.&gt;"), "{xml}");
    }

    #[test]
    fn what_is_unknown_is_left_out() {
        let participant = participant_from_path("iso6523-actorid-upis::0106:12345678").unwrap();
        let bare = BusinessCard {
            address: None,
            identifiers: Vec::new(),
            registration_date: None,
            ..card()
        };
        let xml = business_card(&participant, &bare);
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let entity = doc
            .descendants()
            .find(|n| n.has_tag_name((BUSINESS_CARD_NAMESPACE, "BusinessEntity")))
            .unwrap();
        assert_eq!(entity.attribute("registrationDate"), None);
        let names: Vec<&str> = children(entity)
            .iter()
            .map(|n| n.tag_name().name())
            .collect();
        assert_eq!(names, ["Name", "CountryCode"]);
    }
}
