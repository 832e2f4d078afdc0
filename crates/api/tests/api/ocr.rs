//! Scans by email: an image of an invoice and a scanned PDF (page images, no text) mailed to
//! an intake address are read by Tesseract and become drafts with the same fields a text PDF
//! gives; where Tesseract is not installed they are rejected saying so.
//!
//! The scans are made here from the test's own text PDF with pdftoppm. Without Tesseract the
//! OCR test says so and passes, except under CI (`CI` set), where it fails.

use std::{process::Command, time::Duration};

use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref};
use reqwest::Method;
use serde_json::{json, Value};

use crate::{
    drafts::{complete, drafts_path, text_pdf, tulpenveld_invoice},
    exchange::{two_parties, BUYER_KVK, SELLER_KVK},
    helpers::{spawn_app_with, Options, Session, TestApp},
    intake::{accepted_id, app, hand_over, mail, organization_id, DOMAIN, SECRET},
};

/// Whether Tesseract and pdftoppm are here; under CI their absence is a failure.
fn ocr_installed() -> bool {
    let present = ["tesseract", "pdftoppm"].iter().all(|program| {
        Command::new(program)
            .arg("-v")
            .output()
            .is_ok_and(|o| o.status.success() || !o.stderr.is_empty())
    });
    if !present {
        assert!(
            std::env::var_os("CI").is_none(),
            "tesseract and pdftoppm are required under CI (scripts/ensure-tesseract installs them)"
        );
        eprintln!("skipped: tesseract or pdftoppm is not installed (scripts/ensure-tesseract)");
    }
    present
}

/// The first page of `pdf` as an image at 300 dpi, as a scanner makes it (`png` or `jpeg`).
fn scanned(pdf: &[u8], format: &str) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.pdf");
    std::fs::write(&input, pdf).unwrap();
    let out = dir.path().join("page");
    let status = Command::new("pdftoppm")
        .args(["-r", "300", "-gray", &format!("-{format}"), "-singlefile"])
        .arg(&input)
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    let extension = if format == "jpeg" { "jpg" } else { "png" };
    std::fs::read(out.with_extension(extension)).unwrap()
}

/// Width, height and components of a baseline JPEG (its SOF0 segment).
fn jpeg_frame(jpeg: &[u8]) -> (i32, i32, u8) {
    let at = jpeg.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
    let height = i32::from(u16::from_be_bytes([jpeg[at + 5], jpeg[at + 6]]));
    let width = i32::from(u16::from_be_bytes([jpeg[at + 7], jpeg[at + 8]]));
    (width, height, jpeg[at + 9])
}

/// A PDF whose one A4 page is the JPEG `image` and nothing else: what a scanner mails.
fn scan_pdf(image: &[u8]) -> Vec<u8> {
    let (width, height, components) = jpeg_frame(image);
    let mut pdf = Pdf::new();
    let (catalog, tree, page, picture, stream) = (
        Ref::new(1),
        Ref::new(2),
        Ref::new(3),
        Ref::new(4),
        Ref::new(5),
    );
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree).kids([page]).count(1);
    let mut p = pdf.page(page);
    p.parent(tree)
        .media_box(Rect::new(0.0, 0.0, 595.0, 842.0))
        .contents(stream);
    p.resources().x_objects().pair(Name(b"Im1"), picture);
    p.finish();
    let mut xobject = pdf.image_xobject(picture, image);
    xobject.filter(Filter::DctDecode);
    xobject.width(width).height(height);
    if components == 1 {
        xobject.color_space().device_gray();
    } else {
        xobject.color_space().device_rgb();
    }
    xobject.bits_per_component(8);
    xobject.finish();
    let mut content = Content::new();
    content
        .save_state()
        .transform([595.0, 0.0, 0.0, 842.0, 0.0, 0.0])
        .x_object(Name(b"Im1"))
        .restore_state();
    pdf.stream(stream, &content.finish());
    pdf.finish()
}

/// Waits (OCR takes seconds a page) until the message is processed.
async fn processed_slowly(app: &TestApp, session: &Session, org: &str, message: &str) -> Value {
    let path = format!("/api/v1/organizations/{org}/intake/messages/{message}");
    let deadline = std::time::Instant::now() + Duration::from_secs(240);
    loop {
        let detail = app.get_json(&path, &session.token).await;
        if detail["message"]["status"] != "received" {
            return detail;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "still received: {detail}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn assert_tulpenveld_fields(fields: &Value, number: &str) {
    assert_eq!(fields["sellerName"], "Tulpenveld Installatietechniek B.V.");
    assert_eq!(fields["sellerKvk"], SELLER_KVK);
    assert_eq!(fields["sellerVat"], "NL001234567B01");
    assert_eq!(fields["invoiceNumber"], number);
    assert_eq!(fields["issueDate"], "2026-12-04");
    assert_eq!(fields["dueDate"], "2027-01-03");
    assert_eq!(fields["netTotal"], "1000.00");
    assert_eq!(fields["vatTotal"], "210.00");
    assert_eq!(fields["payable"], "1210.00");
    assert_eq!(
        fields["vatBreakdown"],
        json!([{"rate": "21", "taxableAmount": "1000.00", "taxAmount": "210.00"}])
    );
    assert_eq!(fields["iban"], "NL91ABNA0417164300");
    assert_eq!(fields["buyerReference"], "PO-77");
}

#[tokio::test]
async fn an_image_and_a_scanned_pdf_by_email_become_drafts_with_the_fields() {
    if !ocr_installed() {
        return;
    }
    let app = app().await;
    let (_, _, buyer, buyer_party) = two_parties(&app).await;
    let org = organization_id(&app, &buyer).await;
    let purchase = format!("{BUYER_KVK}.inkoop@{DOMAIN}");
    let photo = scanned(&tulpenveld_invoice("2026-0042"), "png");
    let jpeg = scanned(&tulpenveld_invoice("2026-0043"), "jpeg");
    let scan = scan_pdf(&jpeg);
    assert!(
        haven_einvoice::recognition::extract_text(&scan).is_err(),
        "the scan has no text of its own"
    );
    let raw = mail(
        "bob@buyer.example",
        &purchase,
        "Scans",
        &[
            ("foto.png", "image/png", photo),
            ("scan.pdf", "application/pdf", scan.clone()),
            ("leeg.pdf", "application/pdf", text_pdf(&[])),
        ],
    );
    let message = accepted_id(hand_over(&app, raw, "").await).await;
    let detail = processed_slowly(&app, &buyer, &org, &message).await;
    assert_eq!(detail["message"]["status"], "partly_processed", "{detail}");
    // A blank page: OCR finds nothing to read.
    assert_eq!(detail["items"][2]["outcome"], "rejected", "{detail}");
    assert_eq!(detail["items"][2]["reason"], "not_an_invoice", "{detail}");
    let mut drafts = Vec::new();
    for (item, number) in detail["items"]
        .as_array()
        .unwrap()
        .iter()
        .zip(["2026-0042", "2026-0043"])
    {
        assert_eq!(item["outcome"], "draft", "{detail}");
        let id = item["draftId"].as_str().unwrap();
        let path = format!("{}/{id}", drafts_path(&org));
        let draft = app.get_json(&path, &buyer.token).await;
        assert_tulpenveld_fields(&draft["fields"], number);
        drafts.push((path, draft));
    }

    // The image's draft shows a PDF of it; the scanned PDF is kept as it came.
    let (image_path, image_draft) = &drafts[0];
    assert_eq!(image_draft["filename"], "foto.pdf");
    let response = app
        .send(
            Method::GET,
            &format!("{image_path}/pdf"),
            None,
            &buyer.token,
        )
        .await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.headers()["content-type"], "application/pdf");
    assert!(response.bytes().await.unwrap().starts_with(b"%PDF-"));
    let response = app
        .send(
            Method::GET,
            &format!("{}/pdf", drafts[1].0),
            None,
            &buyer.token,
        )
        .await;
    assert_eq!(response.bytes().await.unwrap().to_vec(), scan);

    // Completed like any draft: the image's invoice lands in the inbox.
    let response = complete(&app, &buyer.token, image_path).await;
    assert_eq!(
        response.status().as_u16(),
        200,
        "{}",
        response.text().await.unwrap()
    );
    let inbox = app
        .get_json(
            &format!("/api/v1/parties/{buyer_party}/purchase-invoices"),
            &buyer.token,
        )
        .await;
    assert_eq!(inbox["items"][0]["number"], "2026-0042", "{inbox}");
}

#[tokio::test]
async fn scans_are_rejected_saying_tesseract_is_missing_where_it_is() {
    let app = spawn_app_with(Options {
        inbound_email_secret: Some(SECRET.into()),
        ocr_command: Some("/nonexistent/tesseract".into()),
        ..Options::default()
    })
    .await;
    let (_, _, buyer, _) = two_parties(&app).await;
    let org = organization_id(&app, &buyer).await;
    let purchase = format!("{BUYER_KVK}.inkoop@{DOMAIN}");
    // Big enough not to be taken for a logo; only the PNG header matters before OCR.
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    png.extend(2480u32.to_be_bytes());
    png.extend(3508u32.to_be_bytes());
    png.resize(20 * 1024, 0);
    let raw = mail(
        "bob@buyer.example",
        &purchase,
        "Scans",
        &[
            ("foto.png", "image/png", png),
            ("scan.pdf", "application/pdf", text_pdf(&[])),
        ],
    );
    let message = accepted_id(hand_over(&app, raw, "").await).await;
    let detail = processed_slowly(&app, &buyer, &org, &message).await;
    assert_eq!(detail["message"]["status"], "rejected", "{detail}");
    for item in detail["items"].as_array().unwrap() {
        assert_eq!(item["reason"], "recognition_unavailable", "{detail}");
        let why = item["detail"].as_str().unwrap();
        assert!(
            why.contains("Tesseract (tesseract-ocr) is not installed"),
            "{why}"
        );
    }
    let list = app.get_json(&drafts_path(&org), &buyer.token).await;
    assert_eq!(list["items"], json!([]));
}

/// A stand-in for Tesseract that takes a second per file and then fails, like a slow scan
/// that cannot be read: enough to measure a message's time without Tesseract.
fn slow_tesseract(dir: &std::path::Path) -> String {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join("slow-tesseract");
    std::fs::write(
        &path,
        "#!/bin/sh\ncase \"$1\" in --list-langs) printf 'List of available languages (2):\\neng\\nnld\\n'; exit 0;; esac\nsleep 1\necho 'slow-tesseract: unreadable' >&2\nexit 1\n",
    )
    .unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path.to_string_lossy().into_owned()
}

/// A PNG header of an A4 page at 300 dpi, padded to 20 KiB (above the logo floor), unique by
/// `n`; only its header is read before OCR.
fn png(n: u8) -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    png.extend(2480u32.to_be_bytes());
    png.extend(3508u32.to_be_bytes());
    png.push(n);
    png.resize(20 * 1024, 0);
    png
}

/// The scans of one message share `intake_ocr_budget_seconds`: once it is used up, the files
/// left are rejected saying so, and the message is finished within the budget instead of
/// outlasting the job's lease. With time enough, every scan is read.
#[tokio::test]
async fn the_scans_of_one_message_share_a_time_budget() {
    let dir = tempfile::tempdir().unwrap();
    let tesseract = slow_tesseract(dir.path());
    let scans: Vec<(String, Vec<u8>)> = (0..5).map(|n| (format!("scan-{n}.png"), png(n))).collect();
    let files: Vec<(&str, &str, Vec<u8>)> = scans
        .iter()
        .map(|(name, bytes)| (name.as_str(), "image/png", bytes.clone()))
        .collect();
    for (budget, cut) in [(2, true), (60, false)] {
        let app = spawn_app_with(Options {
            inbound_email_secret: Some(SECRET.into()),
            ocr_command: Some(tesseract.clone()),
            intake_ocr_budget_seconds: Some(budget),
            ..Options::default()
        })
        .await;
        let (_, _, buyer, _) = two_parties(&app).await;
        let org = organization_id(&app, &buyer).await;
        let raw = mail(
            "bob@buyer.example",
            &format!("{BUYER_KVK}.inkoop@{DOMAIN}"),
            "Scans",
            &files,
        );
        let message = accepted_id(hand_over(&app, raw, "").await).await;
        let detail = processed_slowly(&app, &buyer, &org, &message).await;
        assert_eq!(detail["message"]["status"], "rejected", "{detail}");
        let details: Vec<&str> = detail["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|item| {
                assert_eq!(item["reason"], "recognition_unavailable", "{detail}");
                item["detail"].as_str().unwrap()
            })
            .collect();
        let over_budget = |d: &str| d.contains("was used up before this file");
        // The first scan is always read (and fails as the stand-in does).
        assert!(
            details[0].contains("slow-tesseract: unreadable"),
            "{detail}"
        );
        if cut {
            // Five scans of a second each cannot all fit in two seconds.
            assert!(over_budget(details[4]), "{detail}");
            assert!(
                details.iter().filter(|d| over_budget(d)).count() >= 2,
                "{detail}"
            );
        } else {
            assert!(!details.iter().any(|d| over_budget(d)), "{detail}");
        }
    }
}
