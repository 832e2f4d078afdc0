//! OCR of scanned invoices: the domain's [`Ocr`] port on Tesseract.
//!
//! Tesseract and poppler's `pdftoppm` run as processes (never in the async executor's
//! threads: tokio's process API waits for them), one scan at a time per instance, in a
//! temporary directory that is removed afterwards, each scan within a time limit (the
//! processes are killed when it passes) and a page limit. Images are checked for their pixel
//! size before Tesseract sees them, and PDF pages are rasterized to at most A4 at 300 dpi,
//! so a small file cannot ask for gigabytes of pixels.
//!
//! Where Tesseract is not installed the port answers [`OcrError::NotInstalled`], and intake
//! rejects scans saying so.

use std::{
    ffi::OsString,
    path::{Path, PathBuf},
    process::Stdio,
    sync::Arc,
    time::Duration,
};

use haven_domain::intake::ocr::{Ocr, OcrError, ScanKind, Scanned};
use tokio::{process::Command, sync::Semaphore, time::Instant};

/// The long side of a rasterized page in pixels: A4 at 300 dpi, which Tesseract reads best.
const PAGE_PIXELS: u32 = 3508;
/// Most pixels an image may have (about 100 megapixels, a page at 1200 dpi).
const MAX_IMAGE_PIXELS: u64 = 100_000_000;

/// How OCR runs.
#[derive(Debug, Clone)]
pub struct OcrConfig {
    /// The `tesseract` program (a name on `PATH` or a path).
    pub tesseract: PathBuf,
    /// The `pdftoppm` program (poppler-utils), which rasterizes scanned PDFs.
    pub rasterizer: PathBuf,
    /// Tesseract's languages (`nld+eng`).
    pub languages: String,
    /// The longest one scan may take, all pages together.
    pub timeout: Duration,
    /// The first pages of a PDF that are read.
    pub max_pages: u32,
}

impl Default for OcrConfig {
    fn default() -> Self {
        OcrConfig {
            tesseract: "tesseract".into(),
            rasterizer: "pdftoppm".into(),
            languages: "nld+eng".into(),
            timeout: Duration::from_secs(120),
            max_pages: 5,
        }
    }
}

/// The [`Ocr`] port on Tesseract.
#[derive(Debug, Clone)]
pub struct Tesseract {
    config: Arc<OcrConfig>,
    /// OCR takes a core while it runs: one scan at a time per instance.
    running: Arc<Semaphore>,
}

impl Tesseract {
    #[must_use]
    pub fn new(config: OcrConfig) -> Tesseract {
        Tesseract {
            config: Arc::new(config),
            running: Arc::new(Semaphore::new(1)),
        }
    }

    /// The languages Tesseract has, for the start-up log; an error when it is not there.
    ///
    /// # Errors
    /// [`OcrError::NotInstalled`] without Tesseract, else [`OcrError::Failed`].
    pub async fn languages(&self) -> Result<Vec<String>, OcrError> {
        let output = run(
            &self.config.tesseract,
            &["--list-langs".into()],
            Instant::now() + Duration::from_secs(10),
            10,
        )
        .await?;
        Ok(String::from_utf8_lossy(&output)
            .lines()
            .skip(1)
            .map(|l| l.trim().to_owned())
            .filter(|l| !l.is_empty())
            .collect())
    }

    async fn pages_of_pdf(
        &self,
        dir: &Path,
        bytes: &[u8],
        deadline: Instant,
    ) -> Result<Vec<PathBuf>, OcrError> {
        let input = dir.join("scan.pdf");
        tokio::fs::write(&input, bytes).await.map_err(failed)?;
        let prefix = dir.join("page");
        let args: Vec<OsString> = vec![
            "-gray".into(),
            "-png".into(),
            "-scale-to".into(),
            PAGE_PIXELS.to_string().into(),
            "-f".into(),
            "1".into(),
            "-l".into(),
            self.config.max_pages.max(1).to_string().into(),
            input.into(),
            prefix.into(),
        ];
        run(&self.config.rasterizer, &args, deadline, self.seconds()).await?;
        let mut pages = Vec::new();
        let mut entries = tokio::fs::read_dir(dir).await.map_err(failed)?;
        while let Some(entry) = entries.next_entry().await.map_err(failed)? {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with("page-") && name.ends_with(".png") {
                pages.push(entry.path());
            }
        }
        // pdftoppm pads the page numbers, so the names sort in page order.
        pages.sort();
        if pages.is_empty() {
            return Err(OcrError::Failed("the PDF has no pages".into()));
        }
        Ok(pages)
    }

    fn seconds(&self) -> u64 {
        self.config.timeout.as_secs()
    }
}

impl Ocr for Tesseract {
    async fn scan(&self, bytes: Vec<u8>, kind: ScanKind) -> Result<Scanned, OcrError> {
        let deadline = std::time::Instant::now() + self.config.timeout;
        self.scan_until(bytes, kind, deadline).await
    }

    #[tracing::instrument(name = "ocr scan", skip_all, fields(?kind, size = bytes.len(), pages))]
    async fn scan_until(
        &self,
        bytes: Vec<u8>,
        kind: ScanKind,
        until: std::time::Instant,
    ) -> Result<Scanned, OcrError> {
        // The caller's deadline counts from now, including the wait for another scan.
        let deadline = Instant::from_std(until);
        let _permit = tokio::time::timeout_at(deadline, self.running.acquire())
            .await
            .map_err(|_| OcrError::TimedOut(self.seconds()))?
            .map_err(|_| OcrError::Failed("OCR is shutting down".into()))?;
        let deadline = deadline.min(Instant::now() + self.config.timeout);
        let dir = tempfile::tempdir().map_err(failed)?;
        let images = match kind {
            ScanKind::Image => {
                check_image_size(&bytes)?;
                let path = dir.path().join("image");
                tokio::fs::write(&path, &bytes).await.map_err(failed)?;
                vec![path]
            }
            ScanKind::Pdf => self.pages_of_pdf(dir.path(), &bytes, deadline).await?,
        };
        tracing::Span::current().record("pages", images.len());
        let mut scanned = Scanned::default();
        for (index, image) in images.iter().enumerate() {
            let base = dir.path().join(format!("ocr-{index}"));
            let mut args: Vec<OsString> = vec![
                image.into(),
                base.clone().into(),
                "-l".into(),
                self.config.languages.clone().into(),
                "tsv".into(),
            ];
            if kind == ScanKind::Image {
                args.push("pdf".into());
            }
            run(&self.config.tesseract, &args, deadline, self.seconds()).await?;
            let tsv = tokio::fs::read(base.with_extension("tsv"))
                .await
                .map_err(failed)?;
            scanned
                .pages
                .push(String::from_utf8_lossy(&tsv).into_owned());
            if kind == ScanKind::Image {
                scanned.pdf = Some(
                    tokio::fs::read(base.with_extension("pdf"))
                        .await
                        .map_err(failed)?,
                );
            }
        }
        Ok(scanned)
    }
}

fn failed(e: impl std::fmt::Display) -> OcrError {
    OcrError::Failed(e.to_string())
}

/// Runs `program` until `deadline` (killing it then) and returns its standard output.
async fn run(
    program: &Path,
    args: &[OsString],
    deadline: Instant,
    seconds: u64,
) -> Result<Vec<u8>, OcrError> {
    let name = program.file_name().map_or_else(
        || program.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Tesseract would start a thread per core; the instance runs one scan at a time.
        .env("OMP_THREAD_LIMIT", "1")
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => OcrError::NotInstalled(installed_name(&name)),
            _ => OcrError::Failed(format!("{name} could not be started: {e}")),
        })?;
    let output = tokio::time::timeout_at(deadline, child.wait_with_output())
        .await
        .map_err(|_| OcrError::TimedOut(seconds))?
        .map_err(failed)?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let last = stderr
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("");
        return Err(OcrError::Failed(format!("{name} failed: {}", last.trim())));
    }
    Ok(output.stdout)
}

/// What an operator installs: the program's package.
fn installed_name(program: &str) -> String {
    match program {
        "tesseract" => "Tesseract (tesseract-ocr)".into(),
        "pdftoppm" => "pdftoppm (poppler-utils)".into(),
        other => other.into(),
    }
}

/// Refuses images whose header announces more pixels than a page needs.
fn check_image_size(bytes: &[u8]) -> Result<(), OcrError> {
    let Some((width, height)) = image_size(bytes) else {
        return Err(OcrError::Failed("not a JPEG or PNG image".into()));
    };
    if u64::from(width) * u64::from(height) > MAX_IMAGE_PIXELS || width == 0 || height == 0 {
        return Err(OcrError::Failed(format!(
            "the image is {width} × {height} pixels; at most {MAX_IMAGE_PIXELS} pixels are read"
        )));
    }
    Ok(())
}

/// Width and height from a PNG's IHDR or a JPEG's start-of-frame segment.
fn image_size(bytes: &[u8]) -> Option<(u32, u32)> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") && bytes.get(12..16) == Some(b"IHDR") {
        let width = u32::from_be_bytes(bytes.get(16..20)?.try_into().ok()?);
        let height = u32::from_be_bytes(bytes.get(20..24)?.try_into().ok()?);
        return Some((width, height));
    }
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    let mut at = 2;
    while at + 4 <= bytes.len() {
        if bytes[at] != 0xFF {
            return None;
        }
        let marker = bytes[at + 1];
        // Fill bytes and markers without a length.
        if marker == 0xFF {
            at += 1;
            continue;
        }
        if marker == 0x01 || (0xD0..=0xD7).contains(&marker) {
            at += 2;
            continue;
        }
        let length = usize::from(u16::from_be_bytes([bytes[at + 2], bytes[at + 3]]));
        let start_of_frame =
            (0xC0..=0xCF).contains(&marker) && ![0xC4, 0xC8, 0xCC].contains(&marker);
        if start_of_frame {
            let height = u16::from_be_bytes([*bytes.get(at + 5)?, *bytes.get(at + 6)?]);
            let width = u16::from_be_bytes([*bytes.get(at + 7)?, *bytes.get(at + 8)?]);
            return Some((u32::from(width), u32::from(height)));
        }
        at += 2 + length;
    }
    None
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn image_sizes_come_from_the_headers() {
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        png.extend(2480u32.to_be_bytes());
        png.extend(3508u32.to_be_bytes());
        assert_eq!(image_size(&png), Some((2480, 3508)));
        let jpeg = [
            0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x4A, 0x46, 0xFF, 0xC0, 0x00, 0x11, 0x08, 0x0D,
            0xB4, 0x09, 0xB0,
        ];
        assert_eq!(image_size(&jpeg), Some((0x09B0, 0x0DB4)));
        assert_eq!(image_size(b"GIF89a"), None);
        let mut bomb = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        bomb.extend(60_000u32.to_be_bytes());
        bomb.extend(60_000u32.to_be_bytes());
        assert!(matches!(check_image_size(&bomb), Err(OcrError::Failed(_))));
    }

    #[tokio::test]
    async fn a_missing_program_is_not_installed() {
        let ocr = Tesseract::new(OcrConfig {
            tesseract: "/nonexistent/tesseract".into(),
            ..OcrConfig::default()
        });
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        png.extend(10u32.to_be_bytes());
        png.extend(10u32.to_be_bytes());
        let error = ocr.scan(png, ScanKind::Image).await.unwrap_err();
        assert_eq!(
            error,
            OcrError::NotInstalled("Tesseract (tesseract-ocr)".into())
        );
        assert!(error.to_string().contains("not installed"));
    }
}
