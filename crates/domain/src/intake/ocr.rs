//! Port: OCR of scanned PDFs and images, so that a scan becomes a draft like a PDF with text.
//!
//! The adapter (`haven-ocr`) runs Tesseract; an installation without it answers
//! [`OcrError::NotInstalled`], which intake turns into a clear rejection.

use std::future::Future;

/// What is to be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanKind {
    /// A PDF without text: its pages are rasterized first.
    Pdf,
    /// A JPEG or PNG.
    Image,
}

/// What OCR found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Scanned {
    /// Tesseract's TSV output (words with their boxes), one per page read, in order.
    pub pages: Vec<String>,
    /// For an image: a PDF of it, to show beside the draft and to keep as the invoice's
    /// visual (a PDF is kept as it came).
    pub pdf: Option<Vec<u8>>,
}

/// Why a scan could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OcrError {
    /// The program (Tesseract, or the PDF rasterizer) is not on this server.
    #[error("{0} is not installed on this server, so scans and images cannot be read")]
    NotInstalled(String),
    #[error("reading the scan took longer than {0} seconds")]
    TimedOut(u64),
    /// The file could not be turned into pages, or OCR failed on it.
    #[error("the scan could not be read: {0}")]
    Failed(String),
}

/// Port: reading the words of a scan.
pub trait Ocr: Send + Sync {
    /// The words on the pages of `bytes` (the first pages only, up to the adapter's limit).
    fn scan(
        &self,
        bytes: Vec<u8>,
        kind: ScanKind,
    ) -> impl Future<Output = Result<Scanned, OcrError>> + Send;

    /// As [`Ocr::scan`], but given up at `deadline` (what is left of a message's time for
    /// its scans) when that comes before the adapter's own limit. Without an override, the
    /// adapter's own limit alone applies.
    fn scan_until(
        &self,
        bytes: Vec<u8>,
        kind: ScanKind,
        deadline: std::time::Instant,
    ) -> impl Future<Output = Result<Scanned, OcrError>> + Send {
        let _ = deadline;
        self.scan(bytes, kind)
    }
}

/// No OCR at all: every scan is refused as not readable here.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoOcr;

impl Ocr for NoOcr {
    async fn scan(&self, _bytes: Vec<u8>, _kind: ScanKind) -> Result<Scanned, OcrError> {
        Err(OcrError::NotInstalled("Tesseract".into()))
    }
}
