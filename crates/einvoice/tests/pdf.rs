//! Hybrid PDFs (Factur-X / ZUGFeRD / XRechnung): `validate` takes the embedded XML out.
#![allow(clippy::unwrap_used)]

use haven_einvoice::{validate, ContainerFormat, Profile, Severity, ValidateOptions};

const XML: &str = include_str!("fixtures/peppol-minimal.xml");

/// A minimal PDF with one embedded file (Flate-compressed), built by hand.
fn hybrid(name: &str, data: &[u8]) -> Vec<u8> {
    let z = miniz_oxide::deflate::compress_to_vec_zlib(data, 6);
    let mut out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    out.extend_from_slice(
        format!(
            "1 0 obj\n<< /Type /Catalog /Names << /EmbeddedFiles << /Names [({name}) 2 0 R] >> >> /AF [2 0 R] >>\nendobj\n\
             2 0 obj\n<< /Type /Filespec /F ({name}) /UF ({name}) /AFRelationship /Alternative /EF << /F 3 0 R /UF 3 0 R >> >>\nendobj\n\
             3 0 obj\n<< /Type /EmbeddedFile /Subtype /text#2Fxml /Filter /FlateDecode /Length {} >>\nstream\n",
            z.len()
        )
        .as_bytes(),
    );
    out.extend_from_slice(&z);
    out.extend_from_slice(b"\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n");
    out
}

fn opts() -> ValidateOptions {
    ValidateOptions {
        required_profile: Some(Profile::PeppolBis3),
        ..ValidateOptions::default()
    }
}

#[test]
fn validates_the_embedded_xml() {
    let pdf = hybrid("factur-x.xml", XML.as_bytes());
    let from_pdf = validate(&pdf, &opts());
    let from_xml = validate(XML.as_bytes(), &opts());
    assert!(from_pdf.valid, "{:?}", from_pdf.findings);
    assert_eq!(from_pdf.findings, from_xml.findings);
    let c = from_pdf.document.unwrap().embedded_in.unwrap();
    assert_eq!(c.format, ContainerFormat::Pdf);
    assert_eq!(c.attachment.as_deref(), Some("factur-x.xml"));
    assert_eq!(c.xml_bytes, XML.len());
    assert!(from_xml.document.unwrap().embedded_in.is_none());
}

#[test]
fn finds_other_names_and_reports_rule_failures() {
    let bad = XML
        .replace("<cbc:IssueDate>", "<cbc:IssueDateX>")
        .replace("</cbc:IssueDate>", "</cbc:IssueDateX>");
    let r = validate(&hybrid("ZUGFeRD-invoice.xml", bad.as_bytes()), &opts());
    assert!(r.findings.iter().any(|f| f.rule_id == "BR-03"));
    let r = validate(&hybrid("xrechnung.xml", XML.as_bytes()), &opts());
    assert!(r.valid);
}

#[test]
fn pdf_without_invoice_gives_one_fatal_finding() {
    let r = validate(&hybrid("delivery-note.txt", b"not an invoice"), &opts());
    assert!(!r.valid);
    assert_eq!(r.findings.len(), 1);
    assert_eq!(r.findings[0].rule_id, "HAVEN-PDF-NO-INVOICE");
    assert_eq!(r.findings[0].severity, Severity::Fatal);
    assert!(r.findings[0].message.contains("delivery-note.txt"));
    let r = validate(b"%PDF-1.4\n%%EOF\n", &opts());
    assert_eq!(r.findings.len(), 1);
    assert_eq!(r.findings[0].rule_id, "HAVEN-PDF-NO-INVOICE");
}

#[test]
fn truncated_pdfs_never_panic() {
    let pdf = hybrid("factur-x.xml", XML.as_bytes());
    for cut in (0..pdf.len()).step_by(7) {
        let r = validate(&pdf[..cut], &opts());
        assert!(r.findings.iter().all(|f| f.rule_id != "HAVEN-INTERNAL"));
    }
}
