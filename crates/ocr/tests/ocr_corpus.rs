//! OCR accuracy on the recognition corpus: the text PDFs of the known invoices (the same
//! layouts the text test reads) are rasterized with pdftoppm into page images, as a scanner
//! would deliver them, read by Tesseract through the adapter, laid out and recognised, and
//! every field is compared with what is known.
//!
//! The share that is right is recorded in `tests/ocr-accuracy.json`; the test fails when it
//! drops below that level (`HAVEN_UPDATE_BASELINE=1` records a new one). Without Tesseract
//! or pdftoppm it says so and passes, except under CI (`CI` set), where it fails.
#![allow(clippy::unwrap_used)]

#[path = "../../einvoice/tests/corpus/mod.rs"]
mod corpus;

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use corpus::{layouts, score, CORPUS};
use haven_domain::intake::ocr::{Ocr, ScanKind};
use haven_einvoice::recognition::{recognize, text_from_tsv};
use haven_ocr::{OcrConfig, Tesseract};

/// Whether the programs are here; under CI their absence is a failure.
fn tools_present() -> bool {
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

/// The first page of `pdf` as a grey PNG at 300 dpi, as a scanner makes it.
fn scan_of(pdf: &[u8]) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.pdf");
    std::fs::write(&input, pdf).unwrap();
    let out = dir.path().join("page");
    let status = Command::new("pdftoppm")
        .args(["-r", "300", "-gray", "-png", "-singlefile"])
        .arg(&input)
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    std::fs::read(out.with_extension("png")).unwrap()
}

fn accuracy_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ocr-accuracy.json")
}

/// Rounded down to four decimals, so that the recorded level is never above what was reached.
fn ratio(right: usize, total: usize) -> f64 {
    (right as f64 / total as f64 * 10_000.0).floor() / 10_000.0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ocr_accuracy_on_the_scanned_corpus_holds_its_level() {
    if !tools_present() {
        return;
    }
    let ocr = Tesseract::new(OcrConfig::default());
    let mut per_layout = serde_json::Map::new();
    let (mut total, mut right) = (0, 0);
    let mut report = Vec::new();
    for (name, layout) in layouts() {
        let (mut layout_total, mut layout_right) = (0, 0);
        for known in CORPUS {
            let image = scan_of(&layout(known));
            let scanned = ocr.scan(image, ScanKind::Image).await.unwrap();
            assert!(scanned
                .pdf
                .as_deref()
                .is_some_and(|p| p.starts_with(b"%PDF-")));
            let found = recognize(&text_from_tsv(&scanned.pages));
            let mut misses = Vec::new();
            let (t, r) = score(&known.fields(), &found, &mut misses);
            layout_total += t;
            layout_right += r;
            for miss in misses {
                report.push(format!("{name} {}: {miss}", known.number));
            }
        }
        per_layout.insert(
            name.into(),
            serde_json::json!(ratio(layout_right, layout_total)),
        );
        total += layout_total;
        right += layout_right;
    }
    let achieved = ratio(right, total);
    println!(
        "OCR recognition: {right} of {total} fields right ({achieved}); misses:\n{}",
        report.join("\n")
    );
    let record = serde_json::json!({
        "fields": total,
        "correct": right,
        "accuracy": achieved,
        "layouts": per_layout,
    });
    if std::env::var("HAVEN_UPDATE_BASELINE").is_ok() {
        std::fs::write(
            accuracy_path(),
            serde_json::to_string_pretty(&record).unwrap() + "\n",
        )
        .unwrap();
    }
    let recorded: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(accuracy_path()).unwrap()).unwrap();
    let level = recorded["accuracy"].as_f64().unwrap();
    assert!(
        achieved >= level,
        "OCR accuracy dropped from the recorded {level} to {achieved}:\n{}",
        report.join("\n")
    );
}

#[tokio::test]
async fn a_scanned_pdf_is_rasterized_and_read_up_to_the_page_limit() {
    if !tools_present() {
        return;
    }
    // The text PDF stands in for a scan: the adapter rasterizes whatever the PDF shows.
    let pdf = (corpus::layouts()[0].1)(&CORPUS[0]);
    let ocr = Tesseract::new(OcrConfig {
        max_pages: 1,
        ..OcrConfig::default()
    });
    let scanned = ocr.scan(pdf, ScanKind::Pdf).await.unwrap();
    assert_eq!(scanned.pages.len(), 1);
    assert!(scanned.pdf.is_none());
    let text = text_from_tsv(&scanned.pages).to_text();
    assert!(text.contains("2026-0042"), "{text}");

    let broken = ocr
        .scan(b"%PDF-1.7 not really".to_vec(), ScanKind::Pdf)
        .await
        .unwrap_err();
    assert!(
        matches!(broken, haven_domain::intake::ocr::OcrError::Failed(_)),
        "{broken:?}"
    );
}

#[tokio::test]
async fn a_scan_that_takes_too_long_is_stopped() {
    if !tools_present() {
        return;
    }
    let ocr = Tesseract::new(OcrConfig {
        timeout: std::time::Duration::from_millis(1),
        ..OcrConfig::default()
    });
    let image = scan_of(&(corpus::layouts()[1].1)(&CORPUS[1]));
    let error = ocr.scan(image, ScanKind::Image).await.unwrap_err();
    assert_eq!(error, haven_domain::intake::ocr::OcrError::TimedOut(0));
}
