//! Detection of syntax, document type and profile (specification identifier, BT-24).

use std::fmt;
use std::str::FromStr;

use serde::Serialize;
use utoipa::ToSchema;

use crate::xml::{Doc, Ns};

/// The XML syntax of the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum Syntax {
    /// OASIS UBL 2.1 (Invoice or CreditNote).
    Ubl,
    /// UN/CEFACT Cross Industry Invoice D16B.
    Cii,
}

/// Invoice or credit note.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum DocumentType {
    Invoice,
    CreditNote,
}

/// A profile (CIUS or extension) that decides which rule sets apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum Profile {
    /// Peppol BIS Billing 3.0.
    PeppolBis3,
    /// NLCIUS in UBL (SI-UBL 2.0).
    NlciusUbl,
    /// NLCIUS in CII.
    NlciusCii,
    /// SI-UBL 2.0 with the Dutch G-account extension (UBL only).
    NlGaccount,
    /// Plain EN 16931 (also the Factur-X / ZUGFeRD "EN 16931" profile).
    En16931,
    /// German XRechnung (KoSIT) CIUS.
    XRechnung,
    /// Factur-X / ZUGFeRD 2 MINIMUM (not EN 16931 compliant).
    FacturXMinimum,
    /// Factur-X / ZUGFeRD 2 BASIC WL (not EN 16931 compliant).
    FacturXBasicWl,
    /// Factur-X / ZUGFeRD 2 BASIC.
    FacturXBasic,
    /// Factur-X / ZUGFeRD 2 EXTENDED.
    FacturXExtended,
    /// ZUGFeRD 1.0 (old CII identifiers).
    Zugferd1,
}

impl Profile {
    /// Human name of the profile.
    pub fn name(self) -> &'static str {
        match self {
            Profile::PeppolBis3 => "Peppol BIS Billing 3.0",
            Profile::NlciusUbl => "NLCIUS / SI-UBL 2.0",
            Profile::NlciusCii => "NLCIUS-CII 1.0",
            Profile::NlGaccount => "NLCIUS / SI-UBL 2.0 G-account",
            Profile::En16931 => "EN 16931",
            Profile::XRechnung => "XRechnung",
            Profile::FacturXMinimum => "Factur-X MINIMUM",
            Profile::FacturXBasicWl => "Factur-X BASIC WL",
            Profile::FacturXBasic => "Factur-X BASIC",
            Profile::FacturXExtended => "Factur-X EXTENDED",
            Profile::Zugferd1 => "ZUGFeRD 1.0",
        }
    }

    /// Whether the engine can validate documents of this profile at all.
    pub fn is_validatable(self) -> bool {
        !matches!(self, Profile::FacturXMinimum | Profile::FacturXBasicWl)
    }

    /// Pick the syntax-specific variant (NLCIUS exists as SI-UBL and as NLCIUS-CII).
    pub fn for_syntax(self, syntax: Syntax) -> Profile {
        match (self, syntax) {
            (Profile::NlciusUbl, Syntax::Cii) => Profile::NlciusCii,
            (Profile::NlciusCii, Syntax::Ubl) => Profile::NlciusUbl,
            (Profile::NlGaccount, Syntax::Cii) => Profile::NlciusCii,
            (p, _) => p,
        }
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Error for an unknown `?profile=` value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown profile '{0}'; use one of: peppol, nlcius, nlcius-cii, en16931, xrechnung, facturx-basic, facturx-extended")]
pub struct UnknownProfile(pub String);

impl FromStr for Profile {
    type Err = UnknownProfile;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let k = s.trim().to_ascii_lowercase().replace(['_', ' '], "-");
        Ok(match k.as_str() {
            "peppol" | "peppol-bis" | "peppol-bis-3" | "peppolbis3" | "peppol-bis3" => {
                Profile::PeppolBis3
            }
            "nlcius" | "si-ubl" | "si-ubl-2" | "si-ubl-2.0" | "nlcius-ubl" => Profile::NlciusUbl,
            "nlcius-cii" => Profile::NlciusCii,
            "nlcius-gaccount" | "gaccount" | "g-account" => Profile::NlGaccount,
            "en16931" | "en-16931" | "cen" => Profile::En16931,
            "xrechnung" => Profile::XRechnung,
            "facturx-minimum" | "factur-x-minimum" => Profile::FacturXMinimum,
            "facturx-basicwl" | "factur-x-basicwl" | "facturx-basic-wl" => Profile::FacturXBasicWl,
            "facturx-basic" | "factur-x-basic" => Profile::FacturXBasic,
            "facturx-extended" | "factur-x-extended" => Profile::FacturXExtended,
            "facturx" | "factur-x" | "facturx-en16931" | "zugferd" => Profile::En16931,
            "zugferd1" | "zugferd-1" => Profile::Zugferd1,
            _ => return Err(UnknownProfile(s.to_string())),
        })
    }
}

pub const PEPPOL_BIS3_ID: &str =
    "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0";
pub const NLCIUS_ID: &str = "urn:cen.eu:en16931:2017#compliant#urn:fdc:nen.nl:nlcius:v1.0";
pub const EN16931_ID: &str = "urn:cen.eu:en16931:2017";
/// Marks the Dutch G-account extension on NLCIUS (official artefact: starts with
/// [`NLCIUS_ID`] and contains this).
pub const GACCOUNT_MARKER: &str = "#conformant#urn:fdc:nen.nl:gaccount:v1.0";

/// What marks KoSIT's XRechnung CIUS in BT-24, by the releases that used it:
/// `urn:cen.eu:en16931:2017:compliant:xoev-de:kosit:standard:xrechnung_1.1` (1.0 and 1.1,
/// written with colons), `urn:cen.eu:en16931:2017#compliant#urn:xoev-de:kosit:standard:xrechnung_1.2`
/// (1.2 to 2.2) and `urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_2.3`
/// (2.3, 3.0 and later). An identifier of the XRechnung extension starts with one of these.
const XRECHNUNG_MARKERS: &[&str] = &[
    "xoev-de:kosit:standard:xrechnung",
    "xeinkauf.de:kosit:xrechnung",
];

/// BT-24 of a document using the XRechnung extension (2.x: `xoev-de`, 2.3 on: `xeinkauf.de`).
pub const XRECHNUNG_EXTENSION_MARKERS: &[&str] = &[
    "urn:xoev-de:kosit:extension:xrechnung",
    "urn:xeinkauf.de:kosit:extension:xrechnung",
];

/// Whether BT-24 names XRechnung, of any release.
fn is_xrechnung(id: &str) -> bool {
    XRECHNUNG_MARKERS
        .iter()
        .chain(XRECHNUNG_EXTENSION_MARKERS)
        .any(|marker| id.contains(marker))
}

/// Outcome of reading BT-24: a known profile, or an identifier we do not know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProfileMatch {
    Known(Profile),
    Missing,
    Unknown(String),
}

/// Recognise a profile from the specification identifier (BT-24).
pub fn profile_from_customization(id: Option<&str>, syntax: Syntax) -> ProfileMatch {
    let Some(id) = id.map(str::trim).filter(|s| !s.is_empty()) else {
        return ProfileMatch::Missing;
    };
    let p = if id.starts_with(PEPPOL_BIS3_ID) {
        Profile::PeppolBis3
    } else if id.starts_with(NLCIUS_ID) && id.contains(GACCOUNT_MARKER) {
        Profile::NlGaccount.for_syntax(syntax)
    } else if id.starts_with(NLCIUS_ID) {
        Profile::NlciusUbl.for_syntax(syntax)
    } else if is_xrechnung(id) {
        Profile::XRechnung
    } else if id.contains("factur-x.eu:1p0:minimum") || id.contains("zugferd.de:2p0:minimum") {
        Profile::FacturXMinimum
    } else if id.contains("factur-x.eu:1p0:basicwl") || id.contains("zugferd.de:2p0:basicwl") {
        Profile::FacturXBasicWl
    } else if id.contains("factur-x.eu:1p0:basic") || id.contains("zugferd.de:2p0:basic") {
        Profile::FacturXBasic
    } else if id.contains("factur-x.eu:1p0:extended") || id.contains("zugferd.de:2p0:extended") {
        Profile::FacturXExtended
    } else if id.starts_with("urn:ferd:CrossIndustryDocument:invoice:1p0") {
        Profile::Zugferd1
    } else if id == EN16931_ID
        || id == "urn:cen.eu:en16931:2017#compliant#urn:factur-x.eu:1p0:en16931"
    {
        Profile::En16931
    } else {
        return ProfileMatch::Unknown(id.to_string());
    };
    ProfileMatch::Known(p)
}

/// Syntax, type and identifiers read from the document head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detected<'d> {
    pub syntax: Syntax,
    pub document_type: DocumentType,
    pub customization_id: Option<&'d str>,
    pub profile_id: Option<&'d str>,
}

/// Detect the syntax from the root element; `None` when the root is not an invoice.
pub fn detect<'d>(doc: &'d Doc<'_>) -> Option<Detected<'d>> {
    let root = doc.root();
    let text = |id: Option<u32>| id.map(|n| doc.text(n));
    if doc.is(root, Ns::UblInvoice, "Invoice") || doc.is(root, Ns::UblCreditNote, "CreditNote") {
        let document_type = if doc.name(root) == "Invoice" {
            DocumentType::Invoice
        } else {
            DocumentType::CreditNote
        };
        return Some(Detected {
            syntax: Syntax::Ubl,
            document_type,
            customization_id: text(doc.kid(root, Ns::Cbc, "CustomizationID")),
            profile_id: text(doc.kid(root, Ns::Cbc, "ProfileID")),
        });
    }
    if doc.is(root, Ns::Rsm, "CrossIndustryInvoice") {
        let ctx = doc.kid(root, Ns::Rsm, "ExchangedDocumentContext");
        let cust = ctx.and_then(|c| {
            doc.at(
                c,
                &[
                    (Ns::Ram, "GuidelineSpecifiedDocumentContextParameter"),
                    (Ns::Ram, "ID"),
                ],
            )
        });
        let prof = ctx.and_then(|c| {
            doc.at(
                c,
                &[
                    (Ns::Ram, "BusinessProcessSpecifiedDocumentContextParameter"),
                    (Ns::Ram, "ID"),
                ],
            )
        });
        let tc = doc
            .at(
                root,
                &[(Ns::Rsm, "ExchangedDocument"), (Ns::Ram, "TypeCode")],
            )
            .map(|n| doc.text(n));
        let document_type = match tc {
            Some(
                "381" | "396" | "81" | "83" | "532" | "261" | "262" | "296" | "308" | "420" | "458",
            ) => DocumentType::CreditNote,
            _ => DocumentType::Invoice,
        };
        return Some(Detected {
            syntax: Syntax::Cii,
            document_type,
            customization_id: text(cust),
            profile_id: text(prof),
        });
    }
    None
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn profiles_from_ids() {
        use ProfileMatch::*;
        assert_eq!(
            profile_from_customization(Some(PEPPOL_BIS3_ID), Syntax::Ubl),
            Known(Profile::PeppolBis3)
        );
        assert_eq!(
            profile_from_customization(Some(NLCIUS_ID), Syntax::Cii),
            Known(Profile::NlciusCii)
        );
        assert_eq!(
            profile_from_customization(Some("urn:cen.eu:en16931:2017"), Syntax::Cii),
            Known(Profile::En16931)
        );
        assert_eq!(
            profile_from_customization(
                Some("urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0"),
                Syntax::Ubl
            ),
            Known(Profile::XRechnung)
        );
        // Every release's identifier, in UBL and CII, base CIUS and extension.
        for id in [
            "urn:cen.eu:en16931:2017:compliant:xoev-de:kosit:standard:xrechnung_1.1",
            "urn:cen.eu:en16931:2017#compliant#urn:xoev-de:kosit:standard:xrechnung_1.2",
            "urn:cen.eu:en16931:2017#compliant#urn:xoev-de:kosit:standard:xrechnung_2.0",
            "urn:cen.eu:en16931:2017#compliant#urn:xoev-de:kosit:standard:xrechnung_2.2#conformant#urn:xoev-de:kosit:extension:xrechnung_2.2",
            "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_2.3",
            "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0#conformant#urn:xeinkauf.de:kosit:extension:xrechnung_3.0",
        ] {
            for syntax in [Syntax::Ubl, Syntax::Cii] {
                assert_eq!(
                    profile_from_customization(Some(id), syntax),
                    Known(Profile::XRechnung),
                    "{id}"
                );
            }
        }
        assert_eq!(
            profile_from_customization(Some("urn:factur-x.eu:1p0:minimum"), Syntax::Cii),
            Known(Profile::FacturXMinimum)
        );
        assert_eq!(profile_from_customization(None, Syntax::Ubl), Missing);
        assert_eq!(
            profile_from_customization(Some("urn:foo"), Syntax::Ubl),
            Unknown("urn:foo".into())
        );
        assert_eq!("peppol".parse::<Profile>().unwrap(), Profile::PeppolBis3);
        assert_eq!("NLCIUS".parse::<Profile>().unwrap(), Profile::NlciusUbl);
        assert!("bogus".parse::<Profile>().is_err());
    }
}
