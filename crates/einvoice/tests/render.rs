//! Rendering invoices for people (HTML and PDF) and taking out the attached PDF.
#![allow(clippy::unwrap_used)]

use base64::Engine;
use haven_einvoice::{embedded_pdf, render_html, render_pdf, Lang, RenderError, STYLESHEET};

const UBL: &str = include_str!("fixtures/peppol-minimal.xml");
const CII: &str = include_str!("fixtures/cii-minimal.xml");

/// A small PDF standing in for the seller's own print of the invoice.
const SELLER_PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n";

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Replace exactly one occurrence, so a changed fixture fails loudly instead of silently
/// testing less.
fn edit(xml: &str, from: &str, to: &str) -> String {
    assert_eq!(xml.matches(from).count(), 1, "{from}");
    xml.replacen(from, to, 1)
}

/// The UBL fixture with markup-like text, characters outside WinAnsi, more parties'
/// details, an allowance, attachments (a CSV first, then the PDF, split over lines as
/// producers do) and `lines` invoice lines.
fn rich_ubl(lines: usize) -> String {
    let mut x = edit(
        UBL,
        "<cbc:BuyerReference>PO-77</cbc:BuyerReference>",
        "<cbc:Note>Let op: &lt;script&gt;alert('x')&lt;/script&gt; &amp; \"zo\"</cbc:Note>\
         <cbc:BuyerReference>PO-77</cbc:BuyerReference>\
         <cac:OrderReference><cbc:ID>ORD-5</cbc:ID></cac:OrderReference>",
    );
    let pdf64 = b64(SELLER_PDF);
    let (a, b) = pdf64.split_at(pdf64.len() / 2);
    x = edit(
        &x,
        "<cac:AccountingSupplierParty>",
        &format!(
            "<cac:AdditionalDocumentReference><cbc:ID>ATT-CSV</cbc:ID><cac:Attachment>\
             <cbc:EmbeddedDocumentBinaryObject mimeCode=\"text/csv\" filename=\"uren.csv\">{}</cbc:EmbeddedDocumentBinaryObject>\
             </cac:Attachment></cac:AdditionalDocumentReference>\
             <cac:AdditionalDocumentReference><cbc:ID>ATT-PDF</cbc:ID><cac:Attachment>\
             <cbc:EmbeddedDocumentBinaryObject mimeCode=\"application/pdf\" filename=\"factuur-origineel.pdf\">{a}\n  {b}</cbc:EmbeddedDocumentBinaryObject>\
             </cac:Attachment></cac:AdditionalDocumentReference>\
             <cac:AccountingSupplierParty>",
            b64(b"uur;8\n")
        ),
    );
    x = edit(
        &x,
        "<cbc:RegistrationName>Haven Leverancier BV</cbc:RegistrationName>",
        "<cbc:RegistrationName>Ærø &amp; Zonen &lt;BV&gt; 中</cbc:RegistrationName>",
    );
    x = edit(
        &x,
        "<cac:PartyLegalEntity>\n        <cbc:RegistrationName>Haven Afnemer BV",
        "<cac:Contact><cbc:Name>Piet</cbc:Name><cbc:ElectronicMail>piet@afnemer.example</cbc:ElectronicMail></cac:Contact>\
         <cac:PartyLegalEntity>\n        <cbc:RegistrationName>Haven Afnemer BV",
    );
    x = edit(
        &x,
        "<cac:TaxTotal>",
        "<cac:PaymentTerms><cbc:Note>Betaling binnen 30 dagen</cbc:Note></cac:PaymentTerms>\
         <cac:AllowanceCharge><cbc:ChargeIndicator>true</cbc:ChargeIndicator>\
         <cbc:AllowanceChargeReason>Vracht</cbc:AllowanceChargeReason>\
         <cbc:Amount currencyID=\"EUR\">0.00</cbc:Amount>\
         <cac:TaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>21</cbc:Percent><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:TaxCategory>\
         </cac:AllowanceCharge><cac:TaxTotal>",
    );
    let start = x.find("<cac:InvoiceLine>").unwrap();
    let end = x.find("</Invoice>").unwrap();
    let line = x[start..end].to_string();
    let mut all = String::new();
    for i in 1..=lines {
        let l = edit(
            &line,
            "<cbc:ID>1</cbc:ID>",
            &format!("<cbc:ID>{i}</cbc:ID>"),
        );
        all.push_str(&edit(
            &l,
            "<cbc:Name>Dienst</cbc:Name>",
            &format!(
                "<cbc:Description>Werkzaamheden volgens offerte, inclusief voorbereiding, reistijd en rapportage</cbc:Description>\
                 <cbc:Name>Dienst regel {i}</cbc:Name>"
            ),
        ));
    }
    format!("{}{all}{}", &x[..start], &x[end..])
}

#[test]
fn html_shows_the_invoice_with_every_value_escaped() {
    let xml = rich_ubl(2);
    let html = render_html(xml.as_bytes(), Lang::Nl).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<html lang=\"nl\">"));
    assert!(html.trim_end().ends_with("</html>"));
    for shown in [
        "Factuur HAVEN-0001",
        "01-03-2025",
        "31-03-2025",
        "Handelsfactuur (380)",
        "PO-77",
        "ORD-5",
        "Ærø &amp; Zonen &lt;BV&gt; 中",
        "Havenstraat 1",
        "3011 AA Rotterdam",
        "NL001234567B01",
        "12345678 (0106)",
        "piet@afnemer.example",
        "Dienst regel 2",
        "2 st.",
        "EUR 100,00",
        "Standaard 21%",
        "Toeslag",
        "Vracht",
        "EUR 200,00",
        "EUR 42,00",
        "Te betalen",
        "EUR 242,00",
        "Overboeking",
        "NL91ABNA0417164300",
        "Betaling binnen 30 dagen",
        "Let op: &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;zo&quot;",
        "uren.csv (text/csv)",
        "factuur-origineel.pdf (application/pdf)",
    ] {
        assert!(html.contains(shown), "missing {shown}");
    }
    // Nothing active, nothing loaded from elsewhere, styles only in the one element.
    let lower = html.to_ascii_lowercase();
    for banned in [
        "<script", "<link", " src=", " href=", " style=", "http://", "https://", "<iframe", "<img",
    ] {
        assert!(!lower.contains(banned), "found {banned}");
    }
    assert_eq!(html.matches("<style>").count(), 1);
    let css = &html[html.find("<style>").unwrap() + 7..html.find("</style>").unwrap()];
    assert_eq!(css, STYLESHEET);
}

#[test]
fn english_labels_and_number_format() {
    let html = render_html(rich_ubl(1).as_bytes(), Lang::En).unwrap();
    assert!(html.contains("<html lang=\"en\">"));
    for shown in [
        "Invoice HAVEN-0001",
        "2025-03-01",
        "Amount due",
        "EUR 242.00",
        "Credit transfer",
        "Standard 21%",
        "Charge",
    ] {
        assert!(html.contains(shown), "missing {shown}");
    }
    assert!(!html.contains("Te betalen"));
}

#[test]
fn cii_and_credit_notes_render() {
    let html = render_html(CII.as_bytes(), Lang::En).unwrap();
    for shown in [
        "Invoice HAVEN-CII-1",
        "2026-01-05",
        "2026-02-04",
        "Haven Test Seller GmbH",
        "München",
        "EUR 119.00",
        "DE02120300000000202051",
        "SEPA credit transfer",
        "Thank you",
    ] {
        assert!(html.contains(shown), "missing {shown}");
    }
    let credit = edit(
        CII,
        "<ram:TypeCode>380</ram:TypeCode>",
        "<ram:TypeCode>381</ram:TypeCode>",
    );
    let html = render_html(credit.as_bytes(), Lang::Nl).unwrap();
    assert!(html.contains("<h1>Creditnota HAVEN-CII-1</h1>"));
}

#[test]
fn what_is_no_invoice_is_an_error() {
    assert!(matches!(
        render_html(b"<Order xmlns=\"urn:x\"/>", Lang::Nl),
        Err(RenderError::NotAnInvoice(name)) if name == "Order"
    ));
    assert!(matches!(
        render_html(b"<Invoice", Lang::Nl),
        Err(RenderError::Xml(_))
    ));
    assert!(matches!(
        render_pdf(b"", Lang::En),
        Err(RenderError::Xml(_))
    ));
    let doctype = format!(
        "<!DOCTYPE x [<!ENTITY e \"e\">]>{}",
        &UBL[UBL.find("<Invoice").unwrap()..]
    );
    assert!(matches!(
        render_html(doctype.as_bytes(), Lang::Nl),
        Err(RenderError::Xml(_))
    ));
}

fn pdf_text(pdf: &[u8]) -> (usize, Vec<String>) {
    let doc = lopdf::Document::load_mem(pdf).unwrap();
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    let texts = pages
        .iter()
        .map(|p| doc.extract_text(&[*p]).unwrap())
        .collect();
    (pages.len(), texts)
}

#[test]
fn pdf_holds_the_same_content_as_text() {
    let pdf = render_pdf(rich_ubl(2).as_bytes(), Lang::Nl).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    // Only the base-14 fonts, none embedded.
    assert!(!pdf.windows(9).any(|w| w == b"/FontFile"));
    let (pages, texts) = pdf_text(&pdf);
    assert_eq!(pages, 1);
    let text = &texts[0];
    for shown in [
        "Factuur HAVEN-0001",
        "EUR 242,00",
        "Te betalen",
        "NL91ABNA0417164300",
        "Dienst regel 2",
        // WinAnsi has Æ and ø; the CJK character becomes a question mark.
        "Ærø & Zonen <BV> ?",
        "Pagina 1 / 1",
    ] {
        assert!(text.contains(shown), "missing {shown} in\n{text}");
    }
    let en = render_pdf(CII.as_bytes(), Lang::En).unwrap();
    let (_, texts) = pdf_text(&en);
    assert!(
        texts[0].contains("HAVEN-CII-1") && texts[0].contains("EUR 119.00"),
        "{}",
        texts[0]
    );
}

#[test]
fn a_long_invoice_paginates() {
    let pdf = render_pdf(rich_ubl(500).as_bytes(), Lang::En).unwrap();
    let (pages, texts) = pdf_text(&pdf);
    assert!(pages > 10, "{pages} pages");
    for (i, t) in texts.iter().enumerate() {
        assert!(
            t.contains(&format!("Page {} / {pages}", i + 1)),
            "page {i}: {t}"
        );
    }
    // The table header is repeated on the pages the lines continue on.
    assert!(texts[1].contains("Quantity") && texts[1].contains("Description"));
    let all = texts.concat();
    assert!(all.contains("Dienst regel 1\n") || all.contains("Dienst regel 1 "));
    assert!(all.contains("Dienst regel 500"));
    assert!(texts.last().unwrap().contains("Amount due"));
}

#[test]
fn the_attached_pdf_is_taken_out() {
    let file = embedded_pdf(rich_ubl(1).as_bytes()).unwrap();
    assert_eq!(file.bytes, SELLER_PDF);
    assert_eq!(file.filename.as_deref(), Some("factuur-origineel.pdf"));
    assert_eq!(file.mime, "application/pdf");

    let cii = edit(
        CII,
        "</ram:ApplicableHeaderTradeAgreement>",
        &format!(
            "<ram:AdditionalReferencedDocument><ram:IssuerAssignedID>BON-1</ram:IssuerAssignedID>\
             <ram:TypeCode>916</ram:TypeCode>\
             <ram:AttachmentBinaryObject mimeCode=\"application/pdf\">{}</ram:AttachmentBinaryObject>\
             </ram:AdditionalReferencedDocument></ram:ApplicableHeaderTradeAgreement>",
            b64(SELLER_PDF)
        ),
    );
    let file = embedded_pdf(cii.as_bytes()).unwrap();
    assert_eq!(file.bytes, SELLER_PDF);
    // Without a filename the document reference names it.
    assert_eq!(file.filename.as_deref(), Some("BON-1"));

    assert_eq!(embedded_pdf(UBL.as_bytes()), None);
    assert_eq!(embedded_pdf(CII.as_bytes()), None);
    let broken = edit(
        &cii,
        "<ram:AttachmentBinaryObject mimeCode=\"application/pdf\">",
        "<ram:AttachmentBinaryObject mimeCode=\"application/pdf\">!!",
    );
    assert_eq!(embedded_pdf(broken.as_bytes()), None);
    assert_eq!(embedded_pdf(b"not xml"), None);
}

#[test]
fn a_huge_unbroken_note_is_cut_over_pages() {
    let note = "Q".repeat(100_000);
    let xml = edit(
        UBL,
        "<cbc:BuyerReference>",
        &format!("<cbc:Note>{note}</cbc:Note><cbc:BuyerReference>"),
    );
    let started = std::time::Instant::now();
    let pdf = render_pdf(xml.as_bytes(), Lang::Nl).unwrap();
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    let (pages, texts) = pdf_text(&pdf);
    assert!(pages > 3, "{pages}");
    let qs: usize = texts.iter().map(|t| t.matches('Q').count()).sum();
    assert_eq!(qs, note.len());
}

/// A minimal hybrid PDF: the invoice XML as an embedded file.
fn hybrid(xml: &[u8]) -> Vec<u8> {
    let mut out = b"%PDF-1.7\n".to_vec();
    out.extend_from_slice(
        format!(
            "1 0 obj\n<< /Type /Catalog /Names << /EmbeddedFiles << /Names [(factur-x.xml) 2 0 R] >> >> >>\nendobj\n\
             2 0 obj\n<< /Type /Filespec /F (factur-x.xml) /EF << /F 3 0 R >> >>\nendobj\n\
             3 0 obj\n<< /Type /EmbeddedFile /Length {} >>\nstream\n",
            xml.len()
        )
        .as_bytes(),
    );
    out.extend_from_slice(xml);
    out.extend_from_slice(b"\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n");
    out
}

#[test]
fn a_hybrid_pdf_renders_its_embedded_invoice() {
    let html = render_html(&hybrid(CII.as_bytes()), Lang::En).unwrap();
    assert!(html.contains("Invoice HAVEN-CII-1"));
    assert!(matches!(
        render_html(b"%PDF-1.7\ntrailer\n<< >>\n%%EOF\n", Lang::En),
        Err(RenderError::Pdf(_))
    ));
}
