//! A Peppol-shaped test PKI and documents for the AS4 tests, made at test time.
#![allow(dead_code, clippy::unwrap_used)]

use chrono::Utc;
use haven_peppol::{
    identifiers::{
        DocumentTypeIdentifier, ParticipantIdentifier, ProcessIdentifier, BIS_BILLING_INVOICE,
    },
    sbdh::{self, Sbdh},
    testing::{Ca, Leaf},
    xmldsig::TrustAnchors,
};

pub const INVOICE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"><cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0</cbc:CustomizationID><cbc:ID>INV-2026-001</cbc:ID><cbc:Note>Ünïcode &amp; more</cbc:Note></Invoice>"#;

/// The AP CA and its leaves (C2 = Haven-A, C3 = Haven-B, the Python peer), and a foreign CA
/// with a leaf claiming a Peppol seat id.
pub struct Pki {
    pub ap_ca: Ca,
    pub c2: Leaf,
    pub c3: Leaf,
    pub peer: Leaf,
    pub foreign: Leaf,
    pub expired: Leaf,
}

impl Pki {
    pub fn new() -> Self {
        let ap_ca = Ca::new("HAVEN TEST AP CA");
        let foreign_ca = Ca::new("FOREIGN AP CA");
        Self {
            c2: ap_ca.leaf_with_key("PXX000001", None, false, 2),
            c3: ap_ca.leaf_with_key("PXX000002", None, false, 3),
            peer: ap_ca.leaf_with_key("PXX000003", None, false, 4),
            expired: ap_ca.leaf_with_key("PXX000008", None, true, 2),
            foreign: foreign_ca.leaf_with_key("PXX000001", None, false, 2),
            ap_ca,
        }
    }

    pub fn trust(&self) -> TrustAnchors {
        TrustAnchors::from_der(vec![self.ap_ca.der.clone()]).unwrap()
    }
}

pub fn participant(value: &str) -> ParticipantIdentifier {
    ParticipantIdentifier::from_value(value).unwrap()
}

pub fn header(sender: &str, receiver: &str) -> Sbdh {
    Sbdh {
        sender: participant(sender),
        receiver: participant(receiver),
        document_type: DocumentTypeIdentifier::from_value(BIS_BILLING_INVOICE).unwrap(),
        process: ProcessIdentifier::billing(),
        country_c1: "NL".into(),
        instance_identifier: uuid::Uuid::new_v4().to_string(),
        created: Utc::now(),
    }
}

/// An SBD with the test invoice from `sender` to `receiver`.
pub fn sbd(sender: &str, receiver: &str) -> Vec<u8> {
    sbdh::write(&header(sender, receiver), INVOICE.as_bytes()).unwrap()
}
