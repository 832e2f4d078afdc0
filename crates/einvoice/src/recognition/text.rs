//! The text of a PDF, laid out in rows and cells as it is seen on the page.
//!
//! A page's content stream places each run of text at a position; the order of the
//! operators is whatever the producer chose. So runs are collected with their position
//! (the text matrix times the current transformation matrix), grouped into rows by their
//! baseline, sorted left to right, and runs that nearly touch are joined into one cell. A
//! label and its value in two columns are then two cells of one row, which is what the
//! recognizer looks for. Text in form XObjects is not read; scans and images are read by
//! OCR elsewhere, and their words join the same grouping ([`super::ocr`]).

use lopdf::{content::Content, Document, Encoding, Object};

/// Most pages read; an invoice is rarely longer.
const MAX_PAGES: u32 = 20;
/// Most text runs kept, against content streams crafted to exhaust memory.
const MAX_RUNS: usize = 50_000;

/// One piece of text on a page, its left edge at `x` (points).
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub x: f32,
    pub text: String,
}

/// Cells on one baseline, left to right.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Row {
    pub cells: Vec<Cell>,
}

impl Row {
    /// The row as one line, cells separated by a wide gap.
    #[must_use]
    pub fn line(&self) -> String {
        self.cells
            .iter()
            .map(|c| c.text.as_str())
            .collect::<Vec<_>>()
            .join("   ")
    }
}

/// The text of a document: its rows, page after page, top to bottom.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PdfText {
    pub rows: Vec<Row>,
}

impl PdfText {
    /// Builds text from plain lines (one cell each), for tests and for callers that have text
    /// from elsewhere.
    #[must_use]
    pub fn from_lines(text: &str) -> PdfText {
        PdfText {
            rows: text
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(|l| Row {
                    cells: l
                        .split("   ")
                        .map(str::trim)
                        .filter(|c| !c.is_empty())
                        .enumerate()
                        .map(|(i, c)| Cell {
                            x: i as f32 * 200.0,
                            text: c.to_owned(),
                        })
                        .collect(),
                })
                .collect(),
        }
    }

    /// All rows as lines of text.
    #[must_use]
    pub fn to_text(&self) -> String {
        self.rows
            .iter()
            .map(Row::line)
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn is_empty(&self) -> bool {
        self.rows
            .iter()
            .all(|r| r.cells.iter().all(|c| c.text.trim().is_empty()))
    }
}

/// Why no text could be taken from a PDF.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("the PDF is encrypted")]
    Encrypted,
    #[error("the PDF is signed; changing it into an invoice would break the signature")]
    Signed,
    #[error("the PDF could not be read")]
    Unreadable,
    #[error("the PDF has no text (a scan or an image); text recognition of scans is not offered")]
    NoText,
}

/// The text of the PDF `bytes`, as rows of cells.
///
/// # Errors
/// [`TextError`]: encrypted or signed documents, unreadable files, and PDFs without text.
pub fn extract_text(bytes: &[u8]) -> Result<PdfText, TextError> {
    let document = Document::load_mem(bytes).map_err(|e| match e {
        lopdf::Error::Decryption(_)
        | lopdf::Error::InvalidPassword
        | lopdf::Error::UnsupportedSecurityHandler(_) => TextError::Encrypted,
        _ => TextError::Unreadable,
    })?;
    if document.was_encrypted() || document.is_encrypted() {
        return Err(TextError::Encrypted);
    }
    if is_signed(&document) {
        return Err(TextError::Signed);
    }
    let mut text = PdfText::default();
    for (number, page) in document.get_pages() {
        if number > MAX_PAGES {
            break;
        }
        let runs = page_runs(&document, page);
        text.rows.extend(rows_of(runs));
    }
    if text.is_empty() {
        return Err(TextError::NoText);
    }
    Ok(text)
}

/// A signature dictionary (`/Type /Sig`, or a `/ByteRange` it signs) anywhere in the file.
fn is_signed(document: &Document) -> bool {
    document.objects.values().any(|object| {
        let dictionary = match object {
            Object::Dictionary(d) => d,
            Object::Stream(s) => &s.dict,
            _ => return false,
        };
        dictionary.has(b"ByteRange")
            || matches!(
                dictionary.get(b"Type").and_then(Object::as_name),
                Ok(b"Sig" | b"DocTimeStamp")
            )
    })
}

/// A run of text as placed: baseline `y`, left edge `x`, width, size, and text (points,
/// `y` upwards).
#[derive(Debug, Clone)]
pub(crate) struct Run {
    pub(crate) x: f32,
    pub(crate) y: f32,
    pub(crate) width: f32,
    pub(crate) size: f32,
    pub(crate) text: String,
}

type Matrix = [f32; 6];
const IDENTITY: Matrix = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];

fn multiply(a: &Matrix, b: &Matrix) -> Matrix {
    [
        a[0] * b[0] + a[1] * b[2],
        a[0] * b[1] + a[1] * b[3],
        a[2] * b[0] + a[3] * b[2],
        a[2] * b[1] + a[3] * b[3],
        a[4] * b[0] + a[5] * b[2] + b[4],
        a[4] * b[1] + a[5] * b[3] + b[5],
    ]
}

fn numbers(operands: &[Object]) -> Vec<f32> {
    operands.iter().filter_map(|o| o.as_float().ok()).collect()
}

/// The text state the runs need.
struct State {
    ctm: Matrix,
    stack: Vec<Matrix>,
    text_matrix: Matrix,
    line_matrix: Matrix,
    leading: f32,
    size: f32,
    font: Vec<u8>,
}

impl State {
    fn new_line(&mut self, tx: f32, ty: f32) {
        self.line_matrix = multiply(&[1.0, 0.0, 0.0, 1.0, tx, ty], &self.line_matrix);
        self.text_matrix = self.line_matrix;
    }

    fn place(&self) -> (f32, f32, f32) {
        let m = multiply(&self.text_matrix, &self.ctm);
        let scale = (m[2] * m[2] + m[3] * m[3]).sqrt();
        (m[4], m[5], (self.size * scale).abs())
    }
}

fn page_runs(document: &Document, page: lopdf::ObjectId) -> Vec<Run> {
    let Ok(fonts) = document.get_page_fonts(page) else {
        return Vec::new();
    };
    let encodings: Vec<(Vec<u8>, Encoding<'_>)> = fonts
        .into_iter()
        .filter_map(|(name, font)| font.get_font_encoding(document).ok().map(|e| (name, e)))
        .collect();
    let Ok(content) = document
        .get_page_content(page)
        .and_then(|data| Content::decode(&data))
    else {
        return Vec::new();
    };
    let mut state = State {
        ctm: IDENTITY,
        stack: Vec::new(),
        text_matrix: IDENTITY,
        line_matrix: IDENTITY,
        leading: 0.0,
        size: 12.0,
        font: Vec::new(),
    };
    let mut runs = Vec::new();
    for operation in &content.operations {
        if runs.len() >= MAX_RUNS {
            break;
        }
        let operands = &operation.operands;
        match operation.operator.as_str() {
            "q" => state.stack.push(state.ctm),
            "Q" => state.ctm = state.stack.pop().unwrap_or(IDENTITY),
            "cm" => {
                if let [a, b, c, d, e, f] = numbers(operands)[..] {
                    state.ctm = multiply(&[a, b, c, d, e, f], &state.ctm);
                }
            }
            "BT" => {
                state.text_matrix = IDENTITY;
                state.line_matrix = IDENTITY;
            }
            "Tf" => {
                if let Some(Ok(name)) = operands.first().map(Object::as_name) {
                    state.font = name.to_vec();
                }
                if let Some(size) = operands.get(1).and_then(|o| o.as_float().ok()) {
                    state.size = size;
                }
            }
            "TL" => {
                if let [leading] = numbers(operands)[..] {
                    state.leading = leading;
                }
            }
            "Td" => {
                if let [tx, ty] = numbers(operands)[..] {
                    state.new_line(tx, ty);
                }
            }
            "TD" => {
                if let [tx, ty] = numbers(operands)[..] {
                    state.leading = -ty;
                    state.new_line(tx, ty);
                }
            }
            "Tm" => {
                if let [a, b, c, d, e, f] = numbers(operands)[..] {
                    state.line_matrix = [a, b, c, d, e, f];
                    state.text_matrix = state.line_matrix;
                }
            }
            "T*" => state.new_line(0.0, -state.leading),
            "Tj" | "TJ" | "'" | "\"" => {
                if matches!(operation.operator.as_str(), "'" | "\"") {
                    state.new_line(0.0, -state.leading);
                }
                let encoding = encodings
                    .iter()
                    .find(|(name, _)| *name == state.font)
                    .map(|(_, e)| e);
                let Some(encoding) = encoding else { continue };
                let mut text = String::new();
                collect(&mut text, encoding, operands);
                let (x, y, size) = state.place();
                // The next run on this line starts after this one; without font metrics,
                // half an em per character is close enough to keep runs apart.
                let advance = text.chars().count() as f32 * state.size * 0.5;
                state.text_matrix =
                    multiply(&[1.0, 0.0, 0.0, 1.0, advance, 0.0], &state.text_matrix);
                if !text.trim().is_empty() {
                    // Without font metrics, half an em per character.
                    let width = text.chars().count() as f32 * size * 0.5;
                    runs.push(Run {
                        x,
                        y,
                        width,
                        size,
                        text,
                    });
                }
            }
            _ => {}
        }
    }
    runs
}

fn collect(text: &mut String, encoding: &Encoding<'_>, operands: &[Object]) {
    for operand in operands {
        match operand {
            Object::String(bytes, _) => {
                if let Ok(decoded) = Document::decode_text(encoding, bytes) {
                    text.push_str(&decoded);
                }
            }
            Object::Array(items) => collect(text, encoding, items),
            // A large negative kerning is a word space in a justified line.
            Object::Integer(i) if *i < -200 => text.push(' '),
            Object::Real(r) if *r < -200.0 => text.push(' '),
            _ => {}
        }
    }
}

/// Groups runs into rows by baseline (top of the page first) and joins the runs of a row
/// that nearly touch into cells.
pub(crate) fn rows_of(mut runs: Vec<Run>) -> Vec<Row> {
    runs.sort_by(|a, b| b.y.total_cmp(&a.y).then(a.x.total_cmp(&b.x)));
    let mut rows: Vec<(f32, Vec<Run>)> = Vec::new();
    for run in runs {
        let tolerance = (run.size * 0.3).max(1.0);
        match rows.last_mut() {
            Some((y, members)) if (*y - run.y).abs() <= tolerance => members.push(run),
            _ => rows.push((run.y, vec![run])),
        }
    }
    rows.into_iter()
        .map(|(_, mut members)| {
            members.sort_by(|a, b| a.x.total_cmp(&b.x));
            let mut cells: Vec<Cell> = Vec::new();
            let mut end = f32::MIN;
            for run in members {
                let gap = run.x - end;
                let width = run.width;
                match cells.last_mut() {
                    Some(cell) if gap < run.size * 1.2 => {
                        if gap > run.size * 0.15 && !cell.text.ends_with(' ') {
                            cell.text.push(' ');
                        }
                        cell.text.push_str(&run.text);
                    }
                    _ => cells.push(Cell {
                        x: run.x,
                        text: run.text.clone(),
                    }),
                }
                end = run.x + width;
            }
            for cell in &mut cells {
                cell.text = cell.text.split_whitespace().collect::<Vec<_>>().join(" ");
            }
            Row { cells }
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use lopdf::{dictionary, Stream};

    use super::*;

    /// A one-page PDF saying `text`, with `extra` added as an object of its own.
    fn pdf(text: &str, extra: Option<lopdf::Dictionary>) -> Vec<u8> {
        let mut doc = Document::with_version("1.7");
        let pages_id = doc.new_object_id();
        let font_id = doc.add_object(dictionary! {
            "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
            "Encoding" => "WinAnsiEncoding",
        });
        let content = format!("BT /F1 12 Tf 50 700 Td ({text}) Tj ET");
        let content_id = doc.add_object(Stream::new(dictionary! {}, content.into_bytes()));
        let page_id = doc.add_object(dictionary! {
            "Type" => "Page", "Parent" => pages_id, "Contents" => content_id,
            "Resources" => dictionary! { "Font" => dictionary! { "F1" => font_id } },
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        });
        doc.objects.insert(
            pages_id,
            Object::Dictionary(dictionary! {
                "Type" => "Pages", "Kids" => vec![page_id.into()], "Count" => 1,
            }),
        );
        let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
        doc.trailer.set("Root", catalog_id);
        if let Some(extra) = extra {
            doc.add_object(extra);
        }
        let mut out = Vec::new();
        doc.save_to(&mut out).unwrap();
        out
    }

    #[test]
    fn reads_text_and_refuses_signed_empty_and_broken_pdfs() {
        let text = extract_text(&pdf("Factuur 2026-1", None)).unwrap();
        assert_eq!(text.to_text(), "Factuur 2026-1");
        let signature = dictionary! {
            "Type" => "Sig", "Filter" => "Adobe.PPKLite",
            "ByteRange" => vec![0.into(), 10.into(), 20.into(), 30.into()],
        };
        assert_eq!(
            extract_text(&pdf("x", Some(signature))),
            Err(TextError::Signed)
        );
        assert_eq!(extract_text(&pdf(" ", None)), Err(TextError::NoText));
        assert_eq!(
            extract_text(b"%PDF-1.7\n garbage"),
            Err(TextError::Unreadable)
        );
    }

    #[test]
    fn runs_on_one_baseline_become_cells_of_one_row() {
        let runs = vec![
            Run {
                x: 300.0,
                y: 700.2,
                width: 30.0,
                size: 10.0,
                text: "2026-1".into(),
            },
            Run {
                x: 50.0,
                y: 700.0,
                width: 35.0,
                size: 10.0,
                text: "Factuur".into(),
            },
            Run {
                x: 90.0,
                y: 700.0,
                width: 30.0,
                size: 10.0,
                text: "nummer".into(),
            },
            Run {
                x: 50.0,
                y: 680.0,
                width: 25.0,
                size: 10.0,
                text: "Datum".into(),
            },
        ];
        let rows = rows_of(runs);
        assert_eq!(rows[0].line(), "Factuur nummer   2026-1");
        assert_eq!(rows[1].line(), "Datum");
    }
}
