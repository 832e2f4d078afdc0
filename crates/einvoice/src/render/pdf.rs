//! The PDF rendering: A4 pages set in the standard Helvetica fonts with WinAnsi encoding,
//! so no font is embedded; text that WinAnsi cannot show is replaced by `?`. Long text
//! wraps within its column and the lines table continues on new pages (with its header
//! repeated).

use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

use super::{view, Field, Lang, RenderError, View};

const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const LEFT: f32 = 50.0;
const RIGHT: f32 = PAGE_W - 50.0;
const TOP: f32 = PAGE_H - 50.0;
/// Content stops here; the page number goes below.
const BOTTOM: f32 = 60.0;
const SIZE: f32 = 9.0;
const SMALL: f32 = 8.0;

const REGULAR: Name<'static> = Name(b"F1");
const BOLD: Name<'static> = Name(b"F2");

/// Advance widths (per 1000 units) of Helvetica for the printable ASCII characters, from
/// the font's published metrics.
const HELVETICA: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278,
    278, // ' '..'/'
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584,
    556, // '0'..'?'
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722,
    778, // '@'..'O'
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469,
    556, // 'P'..'_'
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556,
    556, // '`'..'o'
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, // 'p'..'~'
];

/// The WinAnsi byte for a character, `?` when it has none.
fn winansi_byte(c: char) -> u8 {
    let special = match c {
        '€' => 0x80,
        '‚' => 0x82,
        'ƒ' => 0x83,
        '„' => 0x84,
        '…' => 0x85,
        '†' => 0x86,
        '‡' => 0x87,
        'ˆ' => 0x88,
        '‰' => 0x89,
        'Š' => 0x8A,
        '‹' => 0x8B,
        'Œ' => 0x8C,
        'Ž' => 0x8E,
        '\u{2018}' => 0x91,
        '\u{2019}' => 0x92,
        '\u{201C}' => 0x93,
        '\u{201D}' => 0x94,
        '•' => 0x95,
        '–' => 0x96,
        '—' => 0x97,
        '˜' => 0x98,
        '™' => 0x99,
        'š' => 0x9A,
        '›' => 0x9B,
        'œ' => 0x9C,
        'ž' => 0x9E,
        'Ÿ' => 0x9F,
        _ => 0,
    };
    if special != 0 {
        return special;
    }
    match u32::from(c) {
        0x20..=0x7E | 0xA0..=0xFF => u8::try_from(u32::from(c)).unwrap_or(b'?'),
        // Tabs and stray control characters become spaces; they have no glyph.
        0x09 | 0x0A | 0x0D => b' ',
        _ => b'?',
    }
}

fn winansi(s: &str) -> Vec<u8> {
    s.chars().map(winansi_byte).collect()
}

/// Width of one character in points. Characters outside ASCII count as a digit's width,
/// and bold as a little wider than regular: close enough for wrapping and alignment.
fn char_width(c: char, bold: bool, size: f32) -> f32 {
    let units = HELVETICA
        .get(usize::from(winansi_byte(c).wrapping_sub(32)))
        .copied()
        .unwrap_or(556u16);
    let w = f32::from(units) * size / 1000.0;
    if bold {
        w * 1.07
    } else {
        w
    }
}

fn width(s: &str, bold: bool, size: f32) -> f32 {
    s.chars().map(|c| char_width(c, bold, size)).sum()
}

/// Greedy word wrap to `max` points; a word longer than a line is broken. Linear in the
/// text's length, so a long unbroken value cannot make it slow.
fn wrap(text: &str, bold: bool, size: f32, max: f32) -> Vec<String> {
    let space = char_width(' ', bold, size);
    let mut lines = Vec::new();
    for para in text.split('\n') {
        let mut line = String::new();
        let mut line_w = 0.0;
        for word in para.split_whitespace() {
            let word_w = width(word, bold, size);
            if !line.is_empty() && line_w + space + word_w <= max {
                line.push(' ');
                line.push_str(word);
                line_w += space + word_w;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
                line_w = 0.0;
            }
            // The word starts a line; break it where it does not fit.
            for c in word.chars() {
                let cw = char_width(c, bold, size);
                if !line.is_empty() && line_w + cw > max {
                    lines.push(std::mem::take(&mut line));
                    line_w = 0.0;
                }
                line.push(c);
                line_w += cw;
            }
        }
        lines.push(line);
    }
    // Keep at least one (possibly empty) line so a row keeps its height.
    while lines.len() > 1 && lines.last().is_some_and(String::is_empty) {
        lines.pop();
    }
    lines
}

/// A table column: left edge, width, right-aligned.
#[derive(Clone, Copy)]
struct Col {
    x: f32,
    w: f32,
    right: bool,
}

/// A cell's lines with their font.
struct Cell {
    lines: Vec<(String, bool, f32)>,
}

impl Cell {
    fn text(s: &str, bold: bool, size: f32, col: Col) -> Cell {
        Cell {
            lines: wrap(s, bold, size, col.w)
                .into_iter()
                .map(|l| (l, bold, size))
                .collect(),
        }
    }
}

/// Pages being laid out, top to bottom.
struct Layout {
    pages: Vec<Content>,
    y: f32,
    /// Header cells repeated when a table continues on a new page.
    table_head: Option<(Vec<Col>, Vec<String>)>,
}

impl Layout {
    fn new() -> Layout {
        Layout {
            pages: vec![Content::new()],
            y: TOP,
            table_head: None,
        }
    }

    fn page(&mut self) -> &mut Content {
        if self.pages.is_empty() {
            self.pages.push(Content::new());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    fn text_at(&mut self, x: f32, y: f32, s: &str, bold: bool, size: f32) {
        if s.is_empty() {
            return;
        }
        let bytes = winansi(s);
        self.page()
            .begin_text()
            .set_font(if bold { BOLD } else { REGULAR }, size)
            .next_line(x, y)
            .show(Str(&bytes))
            .end_text();
    }

    fn new_page(&mut self) {
        self.pages.push(Content::new());
        self.y = TOP;
        if let Some((cols, titles)) = self.table_head.clone() {
            self.head_row(&cols, &titles);
        }
    }

    /// Room for `h` points, else a new page.
    fn need(&mut self, h: f32) {
        if self.y - h < BOTTOM {
            self.new_page();
        }
    }

    fn rule(&mut self, from: f32, to: f32, gray: f32) {
        let y = self.y + 2.0;
        self.page()
            .set_stroke_gray(gray)
            .set_line_width(0.5)
            .move_to(from, y)
            .line_to(to, y)
            .stroke();
    }

    fn title(&mut self, s: &str) {
        for line in wrap(s, true, 18.0, RIGHT - LEFT) {
            self.need(24.0);
            self.y -= 18.0;
            self.text_at(LEFT, self.y, &line, true, 18.0);
            self.y -= 6.0;
        }
        self.y -= 6.0;
    }

    fn heading(&mut self, s: &str) {
        self.need(40.0);
        self.y -= 14.0;
        self.text_at(LEFT, self.y, s, true, 11.0);
        self.y -= 4.0;
        self.rule(LEFT, RIGHT, 0.7);
        self.y -= 4.0;
    }

    /// One table row: every cell wrapped in its column, the row as high as its tallest cell.
    fn row(&mut self, cols: &[Col], cells: &[Cell]) {
        let lead = |size: f32| size * 1.25;
        let height = cells
            .iter()
            .map(|c| c.lines.iter().map(|(_, _, s)| lead(*s)).sum::<f32>())
            .fold(0.0, f32::max);
        // A row taller than a page is cut into parts that each fit on one.
        if height > TOP - BOTTOM {
            let tallest = cells
                .iter()
                .flat_map(|c| c.lines.iter().map(|(_, _, s)| lead(*s)))
                .fold(lead(SIZE), f32::max);
            let take = (((TOP - BOTTOM) / tallest).floor() as usize)
                .saturating_sub(2)
                .max(1);
            let mut rest: Vec<Vec<(String, bool, f32)>> =
                cells.iter().map(|c| c.lines.clone()).collect();
            while rest.iter().any(|l| !l.is_empty()) {
                let part: Vec<Cell> = rest
                    .iter_mut()
                    .map(|l| Cell {
                        lines: l.drain(..take.min(l.len())).collect(),
                    })
                    .collect();
                self.row(cols, &part);
            }
            return;
        }
        self.need(height + 2.0);
        let top = self.y;
        for (col, cell) in cols.iter().zip(cells) {
            let mut y = top;
            for (line, bold, size) in &cell.lines {
                y -= lead(*size);
                let x = if col.right {
                    col.x + col.w - width(line, *bold, *size)
                } else {
                    col.x
                };
                self.text_at(x, y + 2.0, line, *bold, *size);
            }
        }
        self.y = top - height - 2.0;
    }

    fn head_row(&mut self, cols: &[Col], titles: &[String]) {
        let cells: Vec<Cell> = cols
            .iter()
            .zip(titles)
            .map(|(c, t)| Cell::text(t, true, SMALL, *c))
            .collect();
        self.row(cols, &cells);
        self.rule(LEFT, RIGHT, 0.7);
    }

    fn table(&mut self, cols: &[Col], titles: &[&str], rows: Vec<Vec<Cell>>) {
        let titles: Vec<String> = titles.iter().map(|t| t.to_string()).collect();
        self.need(30.0);
        self.head_row(cols, &titles);
        self.table_head = Some((cols.to_vec(), titles));
        for r in rows {
            self.row(cols, &r);
        }
        self.table_head = None;
    }

    /// Label and value pairs in two columns.
    fn fields(&mut self, items: &[Field], x: f32, w: f32) {
        let label_w = 120.0_f32.min(w / 2.0);
        let cols = [
            Col {
                x,
                w: label_w - 6.0,
                right: false,
            },
            Col {
                x: x + label_w,
                w: w - label_w,
                right: false,
            },
        ];
        for (label, value) in items {
            let cells = [
                Cell::text(label, true, SIZE, cols[0]),
                Cell::text(value, false, SIZE, cols[1]),
            ];
            self.row(&cols, &cells);
        }
    }

    fn paragraph(&mut self, s: &str) {
        let col = Col {
            x: LEFT,
            w: RIGHT - LEFT,
            right: false,
        };
        self.row(&[col], &[Cell::text(s, false, SIZE, col)]);
        self.y -= 4.0;
    }
}

fn lay_out(v: &View) -> Layout {
    let l = v.l;
    let mut p = Layout::new();
    p.title(format!("{} {}", v.title, v.number).trim());
    p.fields(&v.header, LEFT, RIGHT - LEFT);
    if !v.references.is_empty() {
        p.heading(l.references);
        p.fields(&v.references, LEFT, RIGHT - LEFT);
    }
    // Parties two by two, side by side.
    let half = (RIGHT - LEFT - 20.0) / 2.0;
    for pair in v.parties.chunks(2) {
        let cols: Vec<Col> = (0..pair.len())
            .map(|i| Col {
                x: LEFT + i as f32 * (half + 20.0),
                w: half,
                right: false,
            })
            .collect();
        p.need(40.0);
        p.y -= 6.0;
        let heads: Vec<Cell> = pair
            .iter()
            .zip(&cols)
            .map(|(party, c)| Cell::text(party.role, true, 11.0, *c))
            .collect();
        p.row(&cols, &heads);
        p.rule(LEFT, RIGHT, 0.7);
        let blocks: Vec<Cell> = pair
            .iter()
            .zip(&cols)
            .map(|(party, c)| {
                let mut lines = Vec::new();
                let mut add = |s: &str, bold: bool| {
                    lines.extend(
                        wrap(s, bold, SIZE, c.w)
                            .into_iter()
                            .map(|t| (t, bold, SIZE)),
                    );
                };
                add(&party.name, true);
                for line in &party.lines {
                    add(line, false);
                }
                for (label, value) in &party.details {
                    add(&format!("{label}: {value}"), false);
                }
                Cell { lines }
            })
            .collect();
        p.row(&cols, &blocks);
    }

    p.heading(l.lines);
    let col = |x: f32, w: f32, right: bool| Col { x, w, right };
    let cols = [
        col(LEFT, 24.0, false),
        col(LEFT + 28.0, 190.0, false),
        col(LEFT + 222.0, 56.0, true),
        col(LEFT + 282.0, 68.0, true),
        col(LEFT + 354.0, 72.0, true),
        col(LEFT + 430.0, RIGHT - LEFT - 430.0, true),
    ];
    let rows = v
        .lines
        .iter()
        .map(|line| {
            let mut desc = Cell::text(&line.name, true, SIZE, cols[1]);
            for d in &line.details {
                desc.lines.extend(
                    wrap(d, false, SMALL, cols[1].w)
                        .into_iter()
                        .map(|t| (t, false, SMALL)),
                );
            }
            vec![
                Cell::text(&line.id, false, SIZE, cols[0]),
                desc,
                Cell::text(&line.quantity, false, SIZE, cols[2]),
                Cell::text(&line.price, false, SIZE, cols[3]),
                Cell::text(&line.net, false, SIZE, cols[4]),
                Cell::text(&line.vat, false, SIZE, cols[5]),
            ]
        })
        .collect();
    p.table(
        &cols,
        &[
            l.line_no,
            l.description,
            l.quantity,
            l.price,
            l.net_amount,
            l.vat,
        ],
        rows,
    );

    if !v.allowances.is_empty() {
        p.heading(l.allowances_charges);
        let cols = [
            col(LEFT, 60.0, false),
            col(LEFT + 64.0, 160.0, false),
            col(LEFT + 228.0, 100.0, true),
            col(LEFT + 332.0, 80.0, true),
            col(LEFT + 416.0, RIGHT - LEFT - 416.0, true),
        ];
        let rows = v
            .allowances
            .iter()
            .map(|a| {
                vec![
                    Cell::text(a.kind, false, SIZE, cols[0]),
                    Cell::text(&a.reason, false, SIZE, cols[1]),
                    Cell::text(&a.base, false, SIZE, cols[2]),
                    Cell::text(&a.amount, false, SIZE, cols[3]),
                    Cell::text(&a.vat, false, SIZE, cols[4]),
                ]
            })
            .collect();
        p.table(&cols, &["", l.reason, l.base, l.amount, l.vat], rows);
    }

    if !v.vat.is_empty() {
        p.heading(l.vat_breakdown);
        let cols = [
            col(LEFT, 130.0, false),
            col(LEFT + 134.0, 100.0, true),
            col(LEFT + 238.0, 100.0, true),
            col(LEFT + 350.0, RIGHT - LEFT - 350.0, false),
        ];
        let rows = v
            .vat
            .iter()
            .map(|b| {
                vec![
                    Cell::text(&b.category, false, SIZE, cols[0]),
                    Cell::text(&b.taxable, false, SIZE, cols[1]),
                    Cell::text(&b.tax, false, SIZE, cols[2]),
                    Cell::text(&b.exemption, false, SIZE, cols[3]),
                ]
            })
            .collect();
        p.table(
            &cols,
            &[l.category, l.taxable_amount, l.tax_amount, l.exemption],
            rows,
        );
    }

    p.heading(l.totals);
    let cols = [
        col(RIGHT - 300.0, 180.0, false),
        col(RIGHT - 116.0, 116.0, true),
    ];
    let last = v.totals.len().saturating_sub(1);
    for (i, (label, value)) in v.totals.iter().enumerate() {
        let due = i == last && *label == l.payable;
        if due {
            p.rule(RIGHT - 300.0, RIGHT, 0.0);
        }
        p.row(
            &cols,
            &[
                Cell::text(label, due, SIZE, cols[0]),
                Cell::text(value, due, SIZE, cols[1]),
            ],
        );
    }

    if !v.payment.is_empty() {
        p.heading(l.payment);
        p.fields(&v.payment, LEFT, RIGHT - LEFT);
    }
    if !v.notes.is_empty() {
        p.heading(l.notes);
        for n in &v.notes {
            p.paragraph(n);
        }
    }
    if !v.attachments.is_empty() {
        p.heading(l.attachments);
        for a in &v.attachments {
            p.paragraph(&format!("• {a}"));
        }
    }
    p
}

/// Write the laid-out pages, with a page number on each.
fn write(v: &View, mut layout: Layout) -> Vec<u8> {
    let total = layout.pages.len();
    let footer_label = v.l.page;
    for (i, page) in layout.pages.iter_mut().enumerate() {
        let s = format!(
            "{} {}  ·  {footer_label} {} / {total}",
            v.title,
            v.number,
            i + 1
        );
        let bytes = winansi(&s);
        let x = RIGHT - width(&s, false, SMALL);
        page.set_fill_gray(0.35)
            .begin_text()
            .set_font(REGULAR, SMALL)
            .next_line(x, 30.0)
            .show(Str(&bytes))
            .end_text();
    }

    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let regular = Ref::new(3);
    let bold = Ref::new(4);
    let info = Ref::new(5);
    let first_page = 6;
    let page_ids: Vec<Ref> = (0..total)
        .map(|i| Ref::new(first_page + 2 * i as i32))
        .collect();

    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree)
        .kids(page_ids.iter().copied())
        .count(total as i32);
    for (id, name) in [(regular, "Helvetica"), (bold, "Helvetica-Bold")] {
        pdf.type1_font(id)
            .base_font(Name(name.as_bytes()))
            .encoding_predefined(Name(b"WinAnsiEncoding"));
    }
    let title = format!("{} {}", v.title, v.number);
    pdf.document_info(info)
        .title(TextStr(title.trim()))
        .producer(TextStr("Haven"));
    for (page_id, content) in page_ids.iter().zip(layout.pages) {
        let content_id = Ref::new(page_id.get() + 1);
        let mut page = pdf.page(*page_id);
        page.parent(tree)
            .media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H))
            .contents(content_id);
        let mut resources = page.resources();
        resources.fonts().pair(REGULAR, regular).pair(BOLD, bold);
        resources.finish();
        page.finish();
        let raw = content.finish();
        let packed = miniz_oxide::deflate::compress_to_vec_zlib(raw.as_slice(), 6);
        pdf.stream(content_id, &packed).filter(Filter::FlateDecode);
    }
    pdf.finish()
}

/// A generated PDF of the invoice or credit note (the same content as [`super::render_html`]).
pub fn render_pdf(bytes: &[u8], lang: Lang) -> Result<Vec<u8>, RenderError> {
    let _span = tracing::debug_span!("render_pdf", bytes = bytes.len(), ?lang).entered();
    let v = view(bytes, lang)?;
    let layout = lay_out(&v);
    Ok(write(&v, layout))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn winansi_replaces_what_it_cannot_show() {
        assert_eq!(winansi("é€–"), vec![0xE9, 0x80, 0x96]);
        assert_eq!(winansi("Ω中"), b"??".to_vec());
        assert_eq!(winansi("a\tb"), b"a b".to_vec());
    }

    #[test]
    fn wrap_keeps_lines_within_the_width() {
        let text = "Een lange omschrijving van het geleverde werk, met een heel-lang-woord-zonder-spaties-dat-gebroken-moet-worden erin";
        let lines = wrap(text, false, SIZE, 100.0);
        assert!(lines.len() > 3, "{lines:?}");
        assert!(
            lines.iter().all(|l| width(l, false, SIZE) <= 100.0),
            "{lines:?}"
        );
        let joined: String = lines.concat();
        assert_eq!(joined.replace(' ', ""), text.replace(' ', ""));
        assert_eq!(wrap("", false, SIZE, 100.0), vec![String::new()]);
    }
}
