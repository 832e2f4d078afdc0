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

/// Where a hybrid PDF lists its invoice attachment.
#[derive(Debug, Clone, Copy)]
enum Listing {
    /// In the catalogue's `/Names /EmbeddedFiles` name tree (and `/AF`), as PDF/A-3 wants.
    NameTree,
    /// Only in the catalogue's associated files (`/AF`).
    AssociatedFilesOnly,
    /// Only in `/AF`, with the file specification packed into a compressed object stream.
    InObjectStream,
}

/// Which names the file specification carries.
#[derive(Debug, Clone, Copy)]
enum NameKeys {
    /// `/F` and `/UF`.
    Both,
    /// Only the older `/F`.
    F,
    /// Only `/UF`, as a PDF text string in UTF-16BE with its byte order mark.
    UfUtf16,
}

/// A PDF with two attachments: `name` holding `data` (which does not look like an invoice, so
/// it can only be found by its name) and, listed first, `decoy.xml` holding a UBL invoice,
/// which is what a search by content would find instead.
fn hybrid_pdf(
    name: &str,
    data: &[u8],
    listing: Listing,
    keys: NameKeys,
    compress: bool,
) -> Vec<u8> {
    let stream = |body: &[u8]| -> (String, Vec<u8>) {
        if compress {
            let z = miniz_oxide::deflate::compress_to_vec_zlib(body, 6);
            (format!("/Filter /FlateDecode /Length {}", z.len()), z)
        } else {
            (format!("/Length {}", body.len()), body.to_vec())
        }
    };
    let names = match keys {
        NameKeys::Both => format!("/F ({name}) /UF ({name})"),
        NameKeys::F => format!("/F ({name})"),
        NameKeys::UfUtf16 => {
            let hex: String = name
                .encode_utf16()
                .flat_map(u16::to_be_bytes)
                .map(|b| format!("{b:02X}"))
                .collect();
            format!("/UF <FEFF{hex}>")
        }
    };
    let invoice_spec =
        format!("<< /Type /Filespec {names} /AFRelationship /Alternative /EF << /F 5 0 R >> >>");
    let decoy_spec = "<< /Type /Filespec /F (decoy.xml) /UF (decoy.xml) /AFRelationship /Supplement /EF << /F 4 0 R >> >>";
    let catalog = match listing {
        Listing::NameTree => format!(
            "<< /Type /Catalog /Names << /EmbeddedFiles << /Names [(decoy.xml) 3 0 R ({name}) 2 0 R] >> >> /AF [3 0 R 2 0 R] >>"
        ),
        Listing::AssociatedFilesOnly | Listing::InObjectStream => {
            "<< /Type /Catalog /AF [3 0 R 2 0 R] >>".to_owned()
        }
    };
    let mut out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut object = |number: u32, dictionary: &str, body: Option<&[u8]>| {
        out.extend_from_slice(format!("{number} 0 obj\n{dictionary}").as_bytes());
        if let Some(body) = body {
            out.extend_from_slice(b"\nstream\n");
            out.extend_from_slice(body);
            out.extend_from_slice(b"\nendstream");
        }
        out.extend_from_slice(b"\nendobj\n");
    };
    object(1, &catalog, None);
    if let Listing::InObjectStream = listing {
        // Object 2 lives only inside object stream 6.
        let header = "2 0 ";
        let packed = format!("{header}{invoice_spec}");
        let (filter, body) = stream(packed.as_bytes());
        object(
            6,
            &format!("<< /Type /ObjStm /N 1 /First {} {filter} >>", header.len()),
            Some(&body),
        );
    } else {
        object(2, &invoice_spec, None);
    }
    object(3, decoy_spec, None);
    let (filter, body) = stream(XML.as_bytes());
    object(
        4,
        &format!("<< /Type /EmbeddedFile /Subtype /text#2Fxml {filter} >>"),
        Some(&body),
    );
    let (filter, body) = stream(data);
    object(
        5,
        &format!("<< /Type /EmbeddedFile /Subtype /text#2Fxml {filter} >>"),
        Some(&body),
    );
    out.extend_from_slice(b"trailer\n<< /Root 1 0 R >>\n%%EOF\n");
    out
}

/// Every official attachment name is found by its name, wherever and however the PDF keeps
/// it: Factur-X 1.0 (`factur-x.xml`), ZUGFeRD 2.0 (`zugferd-invoice.xml`), ZUGFeRD 1.0
/// (`ZUGFeRD-invoice.xml`, in that case) and ZUGFeRD 2.1+ / XRechnung (`xrechnung.xml`).
#[test]
fn every_official_attachment_name_is_found_in_every_layout() {
    use haven_einvoice::pdf::{extract_invoice, PdfLimits};
    let names = [
        "factur-x.xml",
        "zugferd-invoice.xml",
        "ZUGFeRD-invoice.xml",
        "xrechnung.xml",
    ];
    let listings = [
        Listing::NameTree,
        Listing::AssociatedFilesOnly,
        Listing::InObjectStream,
    ];
    let keys = [NameKeys::Both, NameKeys::F, NameKeys::UfUtf16];
    for name in names {
        for listing in listings {
            for key in keys {
                for compress in [true, false] {
                    let data = format!("<found-by-name>{name}</found-by-name>");
                    let pdf = hybrid_pdf(name, data.as_bytes(), listing, key, compress);
                    let case = format!("{name} {listing:?} {key:?} compressed={compress}");
                    let found = extract_invoice(&pdf, &PdfLimits::default())
                        .unwrap_or_else(|e| panic!("{case}: {e}"));
                    assert_eq!(found.filename.as_deref(), Some(name), "{case}");
                    assert_eq!(found.xml, data.as_bytes(), "{case}");
                }
            }
        }
    }
}

/// The names are what identifies the invoice: a PDF whose only XML attachment has another
/// name is searched by content (the decoy here), and one without any invoice names what it
/// holds.
#[test]
fn other_attachment_names_are_not_taken_for_the_invoice() {
    use haven_einvoice::pdf::{extract_invoice, PdfError, PdfLimits};
    for other in ["factur-x.xml.bak", "invoice.xml", "zugferd.xml"] {
        let pdf = hybrid_pdf(other, b"<x/>", Listing::NameTree, NameKeys::Both, true);
        let found = extract_invoice(&pdf, &PdfLimits::default()).unwrap();
        assert_eq!(found.filename.as_deref(), Some("decoy.xml"), "{other}");
    }
    let pdf = hybrid("notes.txt", b"no invoice");
    assert_eq!(
        extract_invoice(&pdf, &PdfLimits::default()),
        Err(PdfError::NoInvoice(vec!["notes.txt".to_owned()]))
    );
}

/// Each official name carries a real invoice through `validate` too, compressed or not and
/// listed only in `/AF`.
#[test]
fn an_invoice_under_each_official_name_is_validated() {
    for name in [
        "factur-x.xml",
        "zugferd-invoice.xml",
        "ZUGFeRD-invoice.xml",
        "xrechnung.xml",
    ] {
        for compress in [true, false] {
            let pdf = hybrid_pdf(
                name,
                XML.as_bytes(),
                Listing::AssociatedFilesOnly,
                NameKeys::F,
                compress,
            );
            let report = validate(&pdf, &opts());
            assert!(report.valid, "{name}: {:?}", report.findings);
            let container = report.document.unwrap().embedded_in.unwrap();
            assert_eq!(container.attachment.as_deref(), Some(name));
        }
    }
}
