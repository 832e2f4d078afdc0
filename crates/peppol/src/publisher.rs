//! Haven's own SMP, the documents it serves (SMP 1.x): the service group of a participant and
//! the signed service metadata of one document type, naming Haven's AS4 endpoint and access
//! point certificate, signed with the configured SMP key. Which participants are served is
//! the domain's decision; this module only writes the XML.

use base64::{engine::general_purpose::STANDARD, Engine as _};

use crate::{
    identifiers::{
        percent_decode, DocumentTypeIdentifier, ParticipantIdentifier, ProcessIdentifier,
        DOCUMENT_TYPE_SCHEME, PARTICIPANT_SCHEME, PROCESS_SCHEME, TRANSPORT_PROFILE_AS4,
    },
    smp::{IDS_NAMESPACE, SMP_NAMESPACE, WSA_NAMESPACE},
    xmldsig::{sign_enveloped, SigningKey},
};

/// The document types Haven receives and publishes: the BIS Billing 3.0 invoice and credit
/// note, and the Invoice Response 3.0 (buyers elsewhere answering invoices sent from here).
#[must_use]
pub fn published_document_types() -> Vec<DocumentTypeIdentifier> {
    vec![
        DocumentTypeIdentifier::bis_billing_invoice(),
        DocumentTypeIdentifier::bis_billing_credit_note(),
        DocumentTypeIdentifier::invoice_response(),
    ]
}

/// The process a published document type is received in.
fn process_of(document_type: &DocumentTypeIdentifier) -> ProcessIdentifier {
    if *document_type == DocumentTypeIdentifier::invoice_response() {
        ProcessIdentifier::invoice_response()
    } else {
        ProcessIdentifier::billing()
    }
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
    pub fn service_group(&self, participant: &ParticipantIdentifier) -> String {
        let base = self.base_url.trim_end_matches('/');
        let references: String = published_document_types()
            .iter()
            .map(|doc| {
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
        document_type: &DocumentTypeIdentifier,
    ) -> Result<Option<String>, String> {
        if !published_document_types().contains(document_type) {
            return Ok(None);
        }
        let xml = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<SignedServiceMetadata xmlns=\"{SMP_NAMESPACE}\" xmlns:ids=\"{IDS_NAMESPACE}\" xmlns:wsa=\"{WSA_NAMESPACE}\"><ServiceMetadata><ServiceInformation><ids:ParticipantIdentifier scheme=\"{PARTICIPANT_SCHEME}\">{participant}</ids:ParticipantIdentifier><ids:DocumentIdentifier scheme=\"{DOCUMENT_TYPE_SCHEME}\">{document}</ids:DocumentIdentifier><ProcessList><Process><ids:ProcessIdentifier scheme=\"{PROCESS_SCHEME}\">{process}</ids:ProcessIdentifier><ServiceEndpointList><Endpoint transportProfile=\"{TRANSPORT_PROFILE_AS4}\"><wsa:EndpointReference><wsa:Address>{url}</wsa:Address></wsa:EndpointReference><RequireBusinessLevelSignature>false</RequireBusinessLevelSignature><Certificate>{certificate}</Certificate><ServiceDescription>Haven access point</ServiceDescription><TechnicalContactUrl>{contact}</TechnicalContactUrl></Endpoint></ServiceEndpointList></Process></ProcessList></ServiceInformation></ServiceMetadata></SignedServiceMetadata>",
            participant = escape(participant.value()),
            document = escape(document_type.value()),
            process = escape(process_of(document_type).value()),
            url = escape(&self.endpoint_url),
            certificate = STANDARD.encode(&self.ap_certificate),
            contact = escape(&self.contact_url),
        );
        sign_enveloped(&xml, &self.key).map(Some)
    }
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
}
