//! The words OCR found on scanned pages, laid out as rows and cells like the text of a PDF.
//!
//! Tesseract's TSV output names every word with its box in pixels. Each word becomes a run
//! placed on its line's baseline (the bottom of the line's box, so that descenders do not
//! split a row), in points of a page 595 points wide, and goes through the same grouping as
//! the runs of a text PDF ([`super::text`]): rows by baseline, cells by the gaps between
//! words. Tesseract's own blocks are not trusted for this: it often reads a label column and
//! a value column as two blocks, which the grouping by position puts back side by side.

use std::collections::HashMap;

use super::text::{rows_of, PdfText, Run};

/// The width of an A4 page in points: pixel positions are scaled to it, so that the
/// distances the recognizer allows (in points) mean the same on a scan as in a PDF.
const PAGE_WIDTH: f32 = 595.0;
/// Most words kept per page, against output that would exhaust memory.
const MAX_WORDS: usize = 20_000;
/// A word box is about this many times the font size high (ascenders and descenders).
const BOX_PER_SIZE: f32 = 1.15;

/// The text of scanned pages from Tesseract's TSV output, one string per page, in order.
#[must_use]
pub fn text_from_tsv(pages: &[String]) -> PdfText {
    let mut text = PdfText::default();
    for page in pages {
        text.rows.extend(rows_of(page_runs(page)));
    }
    text
}

struct Word<'a> {
    line: (u32, u32, u32),
    left: f32,
    width: f32,
    bottom: f32,
    height: f32,
    text: &'a str,
}

fn page_runs(tsv: &str) -> Vec<Run> {
    let mut scale = 1.0_f32;
    let mut lines: HashMap<(u32, u32, u32), (f32, f32)> = HashMap::new();
    let mut words = Vec::new();
    for row in tsv.lines() {
        let columns: Vec<&str> = row.splitn(12, '\t').collect();
        let [level, _page, block, paragraph, line, _word, left, top, width, height, confidence, word] =
            columns[..]
        else {
            continue;
        };
        let (Ok(level), Ok(left), Ok(top), Ok(width), Ok(height)) = (
            level.parse::<u8>(),
            left.parse::<f32>(),
            top.parse::<f32>(),
            width.parse::<f32>(),
            height.parse::<f32>(),
        ) else {
            // The header row, or a line that is not Tesseract's.
            continue;
        };
        let key = (
            block.parse().unwrap_or(0),
            paragraph.parse().unwrap_or(0),
            line.parse().unwrap_or(0),
        );
        match level {
            1 if width > 0.0 => scale = PAGE_WIDTH / width,
            4 => {
                lines.insert(key, (top + height, height));
            }
            5 if words.len() < MAX_WORDS
                && !word.trim().is_empty()
                && confidence.parse::<f32>().is_ok_and(|c| c >= 0.0) =>
            {
                words.push(Word {
                    line: key,
                    left,
                    width,
                    bottom: top + height,
                    height,
                    text: word.trim(),
                });
            }
            _ => {}
        }
    }
    words
        .into_iter()
        .map(|w| {
            let (bottom, height) = lines.get(&w.line).copied().unwrap_or((w.bottom, w.height));
            Run {
                x: w.left * scale,
                // Pixels run downwards, points upwards: the top of the page is the highest.
                y: -bottom * scale,
                width: w.width * scale,
                size: (height * scale / BOX_PER_SIZE).max(1.0),
                text: w.text.to_owned(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext";

    fn tsv(rows: &[&str]) -> String {
        let mut out = vec![HEADER.to_owned()];
        out.extend(rows.iter().map(|r| r.replace(' ', "\t")));
        out.join("\n")
    }

    #[test]
    fn words_of_two_blocks_on_one_line_become_cells_of_one_row() {
        // 2480 pixels wide (A4 at 300 dpi); a label in block 1, its value in block 2, and
        // the next label under it.
        let page = tsv(&[
            "1 1 0 0 0 0 0 0 2480 3508 -1 ",
            "4 1 1 1 1 0 200 400 600 50 -1 ",
            "5 1 1 1 1 1 200 400 330 50 96 Factuur",
            "5 1 1 1 1 2 560 400 240 42 95 nummer",
            "4 1 2 1 1 0 1400 402 300 48 -1 ",
            "5 1 2 1 1 1 1400 402 300 48 93 2026-0042",
            "4 1 1 1 2 0 200 470 300 50 -1 ",
            "5 1 1 1 2 1 200 470 300 50 91 Datum",
            "5 1 1 1 2 2 900 470 10 50 -1 ",
        ]);
        let text = text_from_tsv(&[page]);
        assert_eq!(text.to_text(), "Factuur nummer   2026-0042\nDatum");
        let first = &text.rows[0].cells;
        assert!((first[0].x - 200.0 * 595.0 / 2480.0).abs() < 0.01);
    }

    #[test]
    fn pages_follow_each_other_and_junk_is_skipped() {
        let one = tsv(&[
            "1 1 0 0 0 0 0 0 1000 1400 -1 ",
            "5 1 1 1 1 1 10 10 100 20 90 Eén",
        ]);
        let two = "garbage\nmore\tgarbage".to_owned();
        let three = tsv(&["5 1 1 1 1 1 10 10 100 20 90 Twee"]);
        assert_eq!(text_from_tsv(&[one, two, three]).to_text(), "Eén\nTwee");
    }
}
