//! The Peppol document types Haven sends and receives, and which one a document travels under.
//!
//! The document type identifier of a Peppol message (in the SBDH, the AS4 Action and the SMP
//! lookup) is the document's root namespace and element, its `cbc:CustomizationID` and the
//! syntax version (`<namespace>::<root>##<CustomizationID>::2.1`), taken from the Peppol code
//! list of document types. So an SI-UBL 2.0 (NLCIUS) invoice travels under the SI-UBL 2.0
//! document type, not under the BIS Billing 3.0 one, and a receiver must publish that type for
//! it to be sent over Peppol.
//!
//! Each organization chooses which invoice document types it receives
//! ([`InvoiceDocumentType`]); Haven's SMP publishes exactly those (and the Invoice Response,
//! which every receiving and sending participant takes), `/as4` refuses the others with
//! `PEPPOL:NOT_SERVICED`, and internal delivery honours the same choice.

use serde::{Deserialize, Serialize};

use crate::documents::records::{Document, DocumentKind};

use super::sending::{
    BILLING_PROCESS, BIS_BILLING_CREDIT_NOTE, BIS_BILLING_INVOICE, INVOICE_RESPONSE,
    INVOICE_RESPONSE_PROCESS,
};

/// SI-UBL 2.0 (NLCIUS) invoice, Peppol code list 4 (process [`BILLING_PROCESS`]).
pub const NLCIUS_INVOICE: &str = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2::Invoice##urn:cen.eu:en16931:2017#compliant#urn:fdc:nen.nl:nlcius:v1.0::2.1";
/// SI-UBL 2.0 (NLCIUS) credit note, Peppol code list 4 (process [`BILLING_PROCESS`]).
pub const NLCIUS_CREDIT_NOTE: &str = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2::CreditNote##urn:cen.eu:en16931:2017#compliant#urn:fdc:nen.nl:nlcius:v1.0::2.1";
/// SI-UBL 2.0 with the G-account extension (an invoice only), Peppol code list 7 (process
/// [`BILLING_PROCESS`]).
pub const NLCIUS_GACCOUNT_INVOICE: &str = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2::Invoice##urn:cen.eu:en16931:2017#compliant#urn:fdc:nen.nl:nlcius:v1.0#conformant#urn:fdc:nen.nl:gaccount:v1.0::2.1";

const UBL_INVOICE: &str = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2::Invoice";
const UBL_CREDIT_NOTE: &str =
    "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2::CreditNote";

/// An invoice or credit note document type an organization may receive over Peppol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum InvoiceDocumentType {
    /// Peppol BIS Billing 3.0 invoice.
    BisBillingInvoice,
    /// Peppol BIS Billing 3.0 credit note.
    BisBillingCreditNote,
    /// SI-UBL 2.0 (NLCIUS) invoice.
    NlciusInvoice,
    /// SI-UBL 2.0 (NLCIUS) credit note.
    NlciusCreditNote,
    /// SI-UBL 2.0 invoice with the G-account extension.
    NlciusGaccountInvoice,
}

impl InvoiceDocumentType {
    pub const ALL: [Self; 5] = [
        Self::BisBillingInvoice,
        Self::BisBillingCreditNote,
        Self::NlciusInvoice,
        Self::NlciusCreditNote,
        Self::NlciusGaccountInvoice,
    ];

    /// The document type identifier's value (scheme `busdox-docid-qns`).
    #[must_use]
    pub fn value(self) -> &'static str {
        match self {
            Self::BisBillingInvoice => BIS_BILLING_INVOICE,
            Self::BisBillingCreditNote => BIS_BILLING_CREDIT_NOTE,
            Self::NlciusInvoice => NLCIUS_INVOICE,
            Self::NlciusCreditNote => NLCIUS_CREDIT_NOTE,
            Self::NlciusGaccountInvoice => NLCIUS_GACCOUNT_INVOICE,
        }
    }

    /// The stored and API name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BisBillingInvoice => "bis_billing_invoice",
            Self::BisBillingCreditNote => "bis_billing_credit_note",
            Self::NlciusInvoice => "nlcius_invoice",
            Self::NlciusCreditNote => "nlcius_credit_note",
            Self::NlciusGaccountInvoice => "nlcius_gaccount_invoice",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// What people call it.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::BisBillingInvoice => "Peppol BIS Billing 3.0 invoice",
            Self::BisBillingCreditNote => "Peppol BIS Billing 3.0 credit note",
            Self::NlciusInvoice => "SI-UBL 2.0 (NLCIUS) invoice",
            Self::NlciusCreditNote => "SI-UBL 2.0 (NLCIUS) credit note",
            Self::NlciusGaccountInvoice => "SI-UBL 2.0 G-account invoice",
        }
    }

    #[must_use]
    pub fn kind(self) -> DocumentKind {
        match self {
            Self::BisBillingCreditNote | Self::NlciusCreditNote => DocumentKind::CreditNote,
            _ => DocumentKind::Invoice,
        }
    }

    /// The `cbc:CustomizationID` of its documents: the part between `##` and `::2.1`.
    #[must_use]
    pub fn customization_id(self) -> &'static str {
        let value = self.value();
        let start = value.find("##").map_or(0, |i| i + 2);
        let end = value.rfind("::").unwrap_or(value.len());
        &value[start..end]
    }
}

/// What an organization receives unless it chose otherwise: the BIS Billing 3.0 invoice and
/// credit note everywhere, which every Peppol receiver of invoices is expected to take, and for
/// a Dutch organization the SI-UBL 2.0 (NLCIUS) invoice and credit note too, which Dutch
/// senders (and their software) send and Haven validates and shows like BIS Billing.
/// The G-account extension is only taken by those who choose it.
#[must_use]
pub fn default_document_types(country: &str) -> Vec<InvoiceDocumentType> {
    let mut types = vec![
        InvoiceDocumentType::BisBillingInvoice,
        InvoiceDocumentType::BisBillingCreditNote,
    ];
    if country.eq_ignore_ascii_case("NL") {
        types.extend([
            InvoiceDocumentType::NlciusInvoice,
            InvoiceDocumentType::NlciusCreditNote,
        ]);
    }
    types
}

/// The stored form of an organization's choice: the names, comma-separated, in the order of
/// [`InvoiceDocumentType::ALL`].
#[must_use]
pub fn to_stored(types: &[InvoiceDocumentType]) -> String {
    let mut types = types.to_vec();
    types.sort_unstable();
    types.dedup();
    types
        .iter()
        .map(|t| t.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// What an organization receives: its stored choice, or (none stored, or nothing readable in
/// it) the default of its country.
#[must_use]
pub fn accepted_document_types(stored: Option<&str>, country: &str) -> Vec<InvoiceDocumentType> {
    let mut chosen: Vec<InvoiceDocumentType> = stored
        .unwrap_or_default()
        .split(',')
        .filter_map(|s| InvoiceDocumentType::parse(s.trim()))
        .collect();
    chosen.sort_unstable();
    chosen.dedup();
    if chosen.is_empty() {
        default_document_types(country)
    } else {
        chosen
    }
}

/// A Peppol document type Haven sends: an invoice or credit note type, or the Invoice Response
/// 3.0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PeppolDocumentType {
    Invoice(InvoiceDocumentType),
    InvoiceResponse,
}

impl PeppolDocumentType {
    /// The document type identifier's value (scheme `busdox-docid-qns`).
    #[must_use]
    pub fn value(self) -> &'static str {
        match self {
            Self::Invoice(t) => t.value(),
            Self::InvoiceResponse => INVOICE_RESPONSE,
        }
    }

    /// The process it travels in (scheme `cenbii-procid-ubl`): BIS Billing's for every invoice
    /// type (SI-UBL 2.0 included, as the code list says), the Invoice Response's own.
    #[must_use]
    pub fn process(self) -> &'static str {
        match self {
            Self::Invoice(_) => BILLING_PROCESS,
            Self::InvoiceResponse => INVOICE_RESPONSE_PROCESS,
        }
    }

    #[must_use]
    pub fn kind(self) -> DocumentKind {
        match self {
            Self::Invoice(t) => t.kind(),
            Self::InvoiceResponse => DocumentKind::InvoiceResponse,
        }
    }

    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::Invoice(t) => t.label(),
            Self::InvoiceResponse => "Peppol Invoice Response 3.0",
        }
    }

    /// The type whose identifier value is `value` (scheme `busdox-docid-qns`), compared to the
    /// letter; `None` for a type Haven does not take.
    #[must_use]
    pub fn from_value(value: &str) -> Option<Self> {
        InvoiceDocumentType::ALL
            .into_iter()
            .map(Self::Invoice)
            .chain([Self::InvoiceResponse])
            .find(|t| t.value() == value)
    }

    /// The type a document of `kind` travels under when nothing else is known: BIS Billing 3.0
    /// or the Invoice Response.
    #[must_use]
    pub fn bis(kind: DocumentKind) -> Self {
        match kind {
            DocumentKind::Invoice => Self::Invoice(InvoiceDocumentType::BisBillingInvoice),
            DocumentKind::CreditNote => Self::Invoice(InvoiceDocumentType::BisBillingCreditNote),
            DocumentKind::InvoiceResponse => Self::InvoiceResponse,
        }
    }

    /// The type a stored outgoing document will travel under, from its kind and the profile its
    /// specification identifier declared (`facts.profile`), before its UBL form is made: the
    /// SI-UBL 2.0 types for NLCIUS (UBL, or CII that becomes SI-UBL), the G-account type for a
    /// G-account invoice, BIS Billing 3.0 otherwise (whose rules then decide whether it may go).
    /// What goes is checked against the UBL itself ([`of_ubl`]) before it is sent.
    ///
    /// # Errors
    /// A document no Peppol document type carries (a G-account credit note), in words.
    pub fn of_document(document: &Document) -> Result<Self, String> {
        Self::of_profile(document.kind, document.facts.profile.as_deref())
    }

    /// [`Self::of_document`] from a kind and a profile name (as `facts.profile` holds it).
    ///
    /// # Errors
    /// A document no Peppol document type carries, in words.
    pub fn of_profile(kind: DocumentKind, profile: Option<&str>) -> Result<Self, String> {
        use InvoiceDocumentType as T;
        Ok(match (kind, profile) {
            (DocumentKind::InvoiceResponse, _) => Self::InvoiceResponse,
            (DocumentKind::Invoice, Some("nlciusUbl" | "nlciusCii")) => {
                Self::Invoice(T::NlciusInvoice)
            }
            (DocumentKind::CreditNote, Some("nlciusUbl" | "nlciusCii")) => {
                Self::Invoice(T::NlciusCreditNote)
            }
            (DocumentKind::Invoice, Some("nlGaccount")) => Self::Invoice(T::NlciusGaccountInvoice),
            (DocumentKind::CreditNote, Some("nlGaccount")) => {
                return Err(
                    "the Peppol code list has no document type for a G-account credit note".into(),
                )
            }
            (kind, _) => Self::bis(kind),
        })
    }

    /// The type a UBL document travels under, to the letter: its root element and namespace and
    /// its `cbc:CustomizationID` must be those of a type Haven sends (an `ApplicationResponse`
    /// is the Invoice Response).
    ///
    /// # Errors
    /// Not UBL XML, or a root and CustomizationID that are no Peppol document type Haven sends.
    pub fn of_ubl(ubl: &[u8]) -> Result<Self, String> {
        use haven_einvoice::{detect, xml, DocumentType, Syntax};
        let doc = xml::parse(ubl, &xml::Limits::default())
            .map_err(|_| "the document is not well-formed XML".to_owned())?;
        if haven_einvoice::invoice_response::is_invoice_response(ubl) {
            return Ok(Self::InvoiceResponse);
        }
        let detected = detect::detect(&doc)
            .filter(|d| d.syntax == Syntax::Ubl)
            .ok_or_else(|| "the document is not a UBL invoice or credit note".to_owned())?;
        let root = match detected.document_type {
            DocumentType::Invoice => UBL_INVOICE,
            DocumentType::CreditNote => UBL_CREDIT_NOTE,
        };
        let customization = detected.customization_id.map(str::trim).unwrap_or_default();
        InvoiceDocumentType::ALL
            .into_iter()
            .find(|t| t.value().starts_with(root) && t.customization_id() == customization)
            .map(Self::Invoice)
            .ok_or_else(|| {
                format!(
                    "its specification identifier (CustomizationID) '{customization}' is not one of a Peppol document type Haven sends (Peppol BIS Billing 3.0, SI-UBL 2.0)"
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_list_values_are_exact() {
        assert_eq!(
            NLCIUS_INVOICE,
            "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2::Invoice##urn:cen.eu:en16931:2017#compliant#urn:fdc:nen.nl:nlcius:v1.0::2.1"
        );
        assert_eq!(
            InvoiceDocumentType::NlciusCreditNote.customization_id(),
            "urn:cen.eu:en16931:2017#compliant#urn:fdc:nen.nl:nlcius:v1.0"
        );
        assert_eq!(
            InvoiceDocumentType::BisBillingInvoice.customization_id(),
            "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
        );
        assert_eq!(
            InvoiceDocumentType::NlciusGaccountInvoice.customization_id(),
            "urn:cen.eu:en16931:2017#compliant#urn:fdc:nen.nl:nlcius:v1.0#conformant#urn:fdc:nen.nl:gaccount:v1.0"
        );
        for t in InvoiceDocumentType::ALL {
            assert_eq!(InvoiceDocumentType::parse(t.as_str()), Some(t));
            assert_eq!(PeppolDocumentType::Invoice(t).process(), BILLING_PROCESS);
            let root = if t.kind() == DocumentKind::CreditNote {
                UBL_CREDIT_NOTE
            } else {
                UBL_INVOICE
            };
            assert!(t.value().starts_with(&format!("{root}##")), "{t:?}");
            assert!(t.value().ends_with("::2.1"));
        }
        assert_eq!(
            PeppolDocumentType::InvoiceResponse.process(),
            "urn:fdc:peppol.eu:poacc:bis:invoice_response:3"
        );
    }

    fn ubl(root: &str, customization: &str) -> Vec<u8> {
        let ns = if root == "Invoice" {
            "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
        } else {
            "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
        };
        format!(
            r#"<{root} xmlns="{ns}" xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"><cbc:CustomizationID>{customization}</cbc:CustomizationID><cbc:ID>1</cbc:ID></{root}>"#
        )
        .into_bytes()
    }

    #[test]
    fn a_ubl_document_travels_under_the_type_of_its_root_and_customization_id() {
        use InvoiceDocumentType as T;
        let bis = T::BisBillingInvoice.customization_id();
        let nlcius = T::NlciusInvoice.customization_id();
        assert_eq!(
            PeppolDocumentType::of_ubl(&ubl("Invoice", bis)),
            Ok(PeppolDocumentType::Invoice(T::BisBillingInvoice))
        );
        assert_eq!(
            PeppolDocumentType::of_ubl(&ubl("CreditNote", bis)),
            Ok(PeppolDocumentType::Invoice(T::BisBillingCreditNote))
        );
        assert_eq!(
            PeppolDocumentType::of_ubl(&ubl("Invoice", &format!(" {nlcius}\n"))),
            Ok(PeppolDocumentType::Invoice(T::NlciusInvoice))
        );
        assert_eq!(
            PeppolDocumentType::of_ubl(&ubl("CreditNote", nlcius)),
            Ok(PeppolDocumentType::Invoice(T::NlciusCreditNote))
        );
        assert_eq!(
            PeppolDocumentType::of_ubl(&ubl(
                "Invoice",
                T::NlciusGaccountInvoice.customization_id()
            )),
            Ok(PeppolDocumentType::Invoice(T::NlciusGaccountInvoice))
        );
        // No credit note type for the G-account extension, nor for other guidelines.
        for (root, id) in [
            ("CreditNote", T::NlciusGaccountInvoice.customization_id()),
            ("Invoice", "urn:cen.eu:en16931:2017"),
            (
                "Invoice",
                "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0",
            ),
            ("Invoice", ""),
        ] {
            let refused = PeppolDocumentType::of_ubl(&ubl(root, id)).expect_err("no such type");
            assert!(refused.contains("CustomizationID"), "{refused}");
        }
        assert!(PeppolDocumentType::of_ubl(b"<x/>").is_err());
        assert!(PeppolDocumentType::of_ubl(b"not xml").is_err());
    }

    #[test]
    fn the_profile_names_the_type_before_the_ubl_is_made() {
        use InvoiceDocumentType as T;
        let of = PeppolDocumentType::of_profile;
        assert_eq!(
            of(DocumentKind::Invoice, Some("peppolBis3")),
            Ok(PeppolDocumentType::Invoice(T::BisBillingInvoice))
        );
        assert_eq!(
            of(DocumentKind::Invoice, Some("nlciusCii")),
            Ok(PeppolDocumentType::Invoice(T::NlciusInvoice))
        );
        assert_eq!(
            of(DocumentKind::CreditNote, Some("nlciusUbl")),
            Ok(PeppolDocumentType::Invoice(T::NlciusCreditNote))
        );
        assert_eq!(
            of(DocumentKind::Invoice, Some("nlGaccount")),
            Ok(PeppolDocumentType::Invoice(T::NlciusGaccountInvoice))
        );
        assert!(of(DocumentKind::CreditNote, Some("nlGaccount")).is_err());
        assert_eq!(
            of(DocumentKind::CreditNote, None),
            Ok(PeppolDocumentType::Invoice(T::BisBillingCreditNote))
        );
        assert_eq!(
            of(DocumentKind::InvoiceResponse, Some("nlciusUbl")),
            Ok(PeppolDocumentType::InvoiceResponse)
        );
    }

    #[test]
    fn the_default_follows_the_country_and_a_choice_is_kept() {
        use InvoiceDocumentType as T;
        assert_eq!(
            accepted_document_types(None, "NL"),
            vec![
                T::BisBillingInvoice,
                T::BisBillingCreditNote,
                T::NlciusInvoice,
                T::NlciusCreditNote
            ]
        );
        assert_eq!(
            accepted_document_types(None, "BE"),
            vec![T::BisBillingInvoice, T::BisBillingCreditNote]
        );
        let stored = to_stored(&[T::NlciusInvoice, T::BisBillingInvoice, T::NlciusInvoice]);
        assert_eq!(stored, "bis_billing_invoice,nlcius_invoice");
        assert_eq!(
            accepted_document_types(Some(&stored), "BE"),
            vec![T::BisBillingInvoice, T::NlciusInvoice]
        );
        assert_eq!(
            accepted_document_types(Some("unknown"), "BE"),
            default_document_types("BE")
        );
    }
}
