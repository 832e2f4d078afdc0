//! A corpus of known invoices and the text PDFs made of them in several layouts (Dutch and
//! English labels, label and value in one cell or in columns, a header row above the values,
//! both number notations, dates in numbers and in words, and the engine's own rendering),
//! with the field-by-field score of what recognition found. Shared by the text accuracy test
//! here and the OCR accuracy test of `haven-ocr`, which scans the same PDFs as images.
#![allow(dead_code, clippy::unwrap_used, clippy::too_many_lines)]

use haven_einvoice::recognition::{compose_invoice, InvoiceFields, Party, VatLine};
use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str};
use rust_decimal::Decimal;

/// A known invoice: what the recognizer should find.
pub struct Known {
    pub seller: &'static str,
    pub kvk: &'static str,
    pub vat: &'static str,
    pub street: &'static str,
    pub postcode: &'static str,
    pub city: &'static str,
    pub number: &'static str,
    pub issue: (u32, u32, u32),
    pub due: (u32, u32, u32),
    /// (rate, taxable amount in cents)
    pub rates: &'static [(u32, i64)],
    pub iban: &'static str,
    pub reference: &'static str,
}

pub const CORPUS: &[Known] = &[
    Known {
        seller: "Bakkerij De Korenschoof B.V.",
        kvk: "12345678",
        vat: "NL001234567B01",
        street: "Havenstraat 1",
        postcode: "3011 AA",
        city: "Rotterdam",
        number: "2026-0042",
        issue: (2026, 12, 4),
        due: (2027, 1, 3),
        rates: &[(21, 100_000)],
        iban: "NL91ABNA0417164300",
        reference: "PO-77",
    },
    Known {
        seller: "Northwind Trading Ltd",
        kvk: "87654321",
        vat: "NL009876543B02",
        street: "Keizersgracht 100",
        postcode: "1015 AA",
        city: "Amsterdam",
        number: "INV/2026/17",
        issue: (2026, 3, 1),
        due: (2026, 3, 31),
        rates: &[(21, 123_456), (9, 50_000)],
        iban: "NL02ABNA0123456789",
        reference: "ORDER 4711",
    },
    Known {
        seller: "Installatiebedrijf Van Dam V.O.F.",
        kvk: "55512345",
        vat: "NL123456789B01",
        street: "Dorpsstraat 12",
        postcode: "9711 BC",
        city: "Groningen",
        number: "F12345",
        issue: (2025, 5, 14),
        due: (2025, 6, 13),
        rates: &[(9, 1_234_599)],
        iban: "NL20INGB0001234567",
        reference: "Project Zuid",
    },
    Known {
        seller: "Cloudwerk B.V.",
        kvk: "70001234",
        vat: "NL860001234B01",
        street: "Stationsplein 5",
        postcode: "3511 ED",
        city: "Utrecht",
        number: "CW-000981",
        issue: (2026, 1, 31),
        due: (2026, 2, 14),
        rates: &[(21, 4_999), (0, 10_000)],
        iban: "NL44RABO0123456789",
        reference: "K-2026-01",
    },
    Known {
        seller: "Drukkerij Het Anker N.V.",
        kvk: "33344455",
        vat: "NL001122334B55",
        street: "Industrieweg 77",
        postcode: "5611 AB",
        city: "Eindhoven",
        number: "2025/1187",
        issue: (2025, 10, 2),
        due: (2025, 11, 1),
        rates: &[(21, 25_000_000)],
        iban: "NL39RABO0300065264",
        reference: "INK-88231",
    },
    Known {
        seller: "Green Leaf Consultancy Ltd",
        kvk: "81234567",
        vat: "NL812345678B01",
        street: "Laan van Meerdervoort 9",
        postcode: "2517 AA",
        city: "Den Haag",
        number: "GL-2026-007",
        issue: (2026, 7, 9),
        due: (2026, 8, 8),
        rates: &[(21, 87_550), (9, 12_345)],
        iban: "NL91ABNA0417164300",
        reference: "Workshop Q3",
    },
];

impl Known {
    pub fn lines(&self) -> Vec<VatLine> {
        self.rates
            .iter()
            .map(|&(rate, cents)| {
                let taxable = Decimal::new(cents, 2);
                let tax = (taxable * Decimal::from(rate) / Decimal::ONE_HUNDRED).round_dp(2);
                VatLine {
                    rate: Decimal::from(rate),
                    taxable_amount: Some(taxable),
                    tax_amount: tax,
                }
            })
            .collect()
    }
    pub fn net(&self) -> Decimal {
        self.lines().iter().filter_map(|l| l.taxable_amount).sum()
    }
    pub fn vat_total(&self) -> Decimal {
        self.lines().iter().map(|l| l.tax_amount).sum()
    }
    pub fn payable(&self) -> Decimal {
        self.net() + self.vat_total()
    }
    pub fn iso(date: (u32, u32, u32)) -> String {
        format!("{:04}-{:02}-{:02}", date.0, date.1, date.2)
    }
    pub fn iban_grouped(&self) -> String {
        self.iban
            .as_bytes()
            .chunks(4)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect::<Vec<_>>()
            .join(" ")
    }
    /// The fields as a person would complete them (the buyer side from the organization).
    pub fn fields(&self) -> InvoiceFields {
        InvoiceFields {
            seller_name: Some(self.seller.into()),
            seller_kvk: Some(self.kvk.into()),
            seller_vat: Some(self.vat.into()),
            seller_street: Some(self.street.into()),
            seller_postal_code: Some(self.postcode.into()),
            seller_city: Some(self.city.into()),
            seller_country: Some("NL".into()),
            invoice_number: Some(self.number.into()),
            issue_date: Some(Self::iso(self.issue)),
            due_date: Some(Self::iso(self.due)),
            currency: Some("EUR".into()),
            net_total: Some(self.net()),
            vat_total: Some(self.vat_total()),
            payable: Some(self.payable()),
            vat_breakdown: self.lines(),
            iban: Some(self.iban.into()),
            buyer_reference: Some(self.reference.into()),
            ..InvoiceFields::default()
        }
    }
}

/// Amounts as people print them.
pub fn dutch(amount: Decimal) -> String {
    let english = english(amount);
    english
        .chars()
        .map(|c| match c {
            ',' => '.',
            '.' => ',',
            c => c,
        })
        .collect()
}

pub fn english(amount: Decimal) -> String {
    let mut value = amount.round_dp(2);
    value.rescale(2);
    let text = value.abs().to_string();
    let (whole, fraction) = text.split_once('.').unwrap();
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!(
        "{}{grouped}.{fraction}",
        if amount.is_sign_negative() { "-" } else { "" }
    )
}

pub const MONTHS_NL: [&str; 12] = [
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
];
pub const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// How a run of text is written into the content stream, so that extraction meets the
/// operators producers use.
#[derive(Clone, Copy)]
pub enum Ops {
    /// `BT /F1 s Tf x y Td (..) Tj ET`
    Td,
    /// `BT /F1 1 Tf s 0 0 s x y Tm [(..) -20 (..)] TJ ET`: scaled text matrix, kerned array.
    Tm,
}

pub struct Sheet {
    ops: Ops,
    items: Vec<(f32, f32, f32, String)>,
}

/// Helvetica's widths are not needed: right-aligned columns use an estimate, as a cheap
/// producer would.
pub fn estimate(text: &str, size: f32) -> f32 {
    text.chars().count() as f32 * size * 0.52
}

impl Sheet {
    fn new(ops: Ops) -> Sheet {
        Sheet {
            ops,
            items: Vec::new(),
        }
    }
    fn at(&mut self, x: f32, y: f32, text: impl Into<String>) -> &mut Self {
        self.items.push((x, y, 10.0, text.into()));
        self
    }
    fn big(&mut self, x: f32, y: f32, text: impl Into<String>) -> &mut Self {
        self.items.push((x, y, 18.0, text.into()));
        self
    }
    fn right(&mut self, right_x: f32, y: f32, text: impl Into<String>) -> &mut Self {
        let text = text.into();
        let x = right_x - estimate(&text, 10.0);
        self.items.push((x, y, 10.0, text));
        self
    }
    fn pdf(&self) -> Vec<u8> {
        let mut content = Content::new();
        // Producers write in any order; so do we (bottom first), to show order is not relied on.
        for (x, y, size, text) in self.items.iter().rev() {
            let bytes: Vec<u8> = text
                .chars()
                .map(|c| {
                    if c == '€' {
                        0x80
                    } else {
                        u8::try_from(u32::from(c)).unwrap_or(b'?')
                    }
                })
                .collect();
            content.begin_text();
            match self.ops {
                Ops::Td => {
                    content
                        .set_font(Name(b"F1"), *size)
                        .next_line(*x, *y)
                        .show(Str(&bytes));
                }
                Ops::Tm => {
                    content
                        .set_font(Name(b"F1"), 1.0)
                        .set_text_matrix([*size, 0.0, 0.0, *size, *x, *y]);
                    let split = bytes.len() / 2;
                    let mut array = content.show_positioned();
                    let mut items = array.items();
                    items.show(Str(&bytes[..split]));
                    items.adjust(-10.0);
                    items.show(Str(&bytes[split..]));
                }
            }
            content.end_text();
        }
        let mut pdf = Pdf::new();
        let (catalog, tree, page, font, stream) = (
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
        p.resources().fonts().pair(Name(b"F1"), font);
        p.finish();
        pdf.type1_font(font)
            .base_font(Name(b"Helvetica"))
            .encoding_predefined(Name(b"WinAnsiEncoding"));
        pdf.stream(stream, &content.finish());
        pdf.finish()
    }
}

/// Dutch, `Label: value` in one cell, seller letterhead on top, `1.234,56`, `dd-mm-yyyy`.
pub fn layout_dutch_inline(k: &Known) -> Vec<u8> {
    let mut s = Sheet::new(Ops::Td);
    s.big(50.0, 790.0, k.seller)
        .at(
            50.0,
            770.0,
            format!("{}, {} {}", k.street, k.postcode, k.city),
        )
        .at(
            50.0,
            756.0,
            format!("KvK: {}   BTW-nummer: {}", k.kvk, k.vat),
        );
    s.big(50.0, 700.0, "FACTUUR")
        .at(50.0, 670.0, "Aan: Haven Afnemer BV")
        .at(50.0, 656.0, "Kade 2")
        .at(50.0, 642.0, "3511 AB Utrecht")
        .at(330.0, 670.0, format!("Factuurnummer: {}", k.number))
        .at(
            330.0,
            656.0,
            format!(
                "Factuurdatum: {:02}-{:02}-{}",
                k.issue.2, k.issue.1, k.issue.0
            ),
        )
        .at(
            330.0,
            642.0,
            format!("Vervaldatum: {:02}-{:02}-{}", k.due.2, k.due.1, k.due.0),
        )
        .at(330.0, 628.0, format!("Uw referentie: {}", k.reference));
    let mut y = 560.0;
    s.at(50.0, y, "Omschrijving").right(540.0, y, "Bedrag");
    for (i, line) in k.lines().iter().enumerate() {
        y -= 16.0;
        s.at(
            50.0,
            y,
            format!("Werkzaamheden deel {} ({}% btw)", i + 1, line.rate),
        )
        .right(
            540.0,
            y,
            format!("€ {}", dutch(line.taxable_amount.unwrap())),
        );
    }
    y -= 30.0;
    s.at(330.0, y, "Subtotaal")
        .right(540.0, y, format!("€ {}", dutch(k.net())));
    for line in k.lines() {
        y -= 16.0;
        s.at(
            330.0,
            y,
            format!(
                "BTW {}% over € {}",
                line.rate,
                dutch(line.taxable_amount.unwrap())
            ),
        )
        .right(540.0, y, format!("€ {}", dutch(line.tax_amount)));
    }
    y -= 16.0;
    s.at(330.0, y, "Totaal te betalen")
        .right(540.0, y, format!("€ {}", dutch(k.payable())));
    s.at(
        50.0,
        100.0,
        format!(
            "Wij verzoeken u het bedrag voor de vervaldatum over te maken op IBAN {} t.n.v. {}.",
            k.iban_grouped(),
            k.seller
        ),
    );
    s.pdf()
}

/// English, labels and values in two columns, buyer first, seller identity in the footer,
/// `1,234.56`, `December 4, 2026`, kerned text arrays.
pub fn layout_english_columns(k: &Known) -> Vec<u8> {
    let mut s = Sheet::new(Ops::Tm);
    s.big(400.0, 790.0, "INVOICE");
    s.at(50.0, 790.0, "From:").at(110.0, 790.0, k.seller);
    s.at(110.0, 776.0, k.street)
        .at(110.0, 762.0, format!("{} {}", k.postcode, k.city));
    s.at(50.0, 720.0, "Bill to:")
        .at(110.0, 720.0, "Haven Afnemer BV")
        .at(110.0, 706.0, "Kade 2")
        .at(110.0, 692.0, "3511 AB Utrecht")
        .at(110.0, 678.0, "VAT NL008765432B01");
    let date = |d: (u32, u32, u32)| format!("{} {}, {}", MONTHS_EN[d.1 as usize - 1], d.2, d.0);
    let rows = [
        ("Invoice number", k.number.to_owned()),
        ("Invoice date", date(k.issue)),
        ("Due date", date(k.due)),
        ("Your reference", k.reference.to_owned()),
        ("Currency", "EUR".to_owned()),
    ];
    let mut y = 640.0;
    for (label, value) in rows {
        s.at(330.0, y, label).at(440.0, y, value);
        y -= 14.0;
    }
    y -= 40.0;
    s.at(50.0, y, "Description")
        .right(450.0, y, "VAT")
        .right(540.0, y, "Amount");
    for (i, line) in k.lines().iter().enumerate() {
        y -= 16.0;
        s.at(50.0, y, format!("Services, part {}", i + 1))
            .right(450.0, y, format!("{}%", line.rate))
            .right(540.0, y, english(line.taxable_amount.unwrap()));
    }
    y -= 30.0;
    s.at(330.0, y, "Net amount")
        .right(540.0, y, english(k.net()));
    for line in k.lines() {
        y -= 16.0;
        s.at(330.0, y, format!("VAT {}%", line.rate))
            .right(470.0, y, english(line.taxable_amount.unwrap()))
            .right(540.0, y, english(line.tax_amount));
    }
    y -= 16.0;
    s.at(330.0, y, "Total VAT")
        .right(540.0, y, english(k.vat_total()));
    y -= 16.0;
    s.at(330.0, y, "Amount due")
        .right(540.0, y, format!("EUR {}", english(k.payable())));
    s.at(
        50.0,
        80.0,
        format!(
            "{} - Chamber of Commerce {} - VAT number {}",
            k.seller, k.kvk, k.vat
        ),
    );
    s.at(
        50.0,
        66.0,
        format!("Bank account (IBAN): {}", k.iban_grouped()),
    );
    s.pdf()
}

/// Dutch, a header row of labels with the values in the row below, `€ 1 234,56`, dates in
/// words, `Totaal excl./incl. btw`.
pub fn layout_dutch_table(k: &Known) -> Vec<u8> {
    let mut s = Sheet::new(Ops::Td);
    let date = |d: (u32, u32, u32)| format!("{} {} {}", d.2, MONTHS_NL[d.1 as usize - 1], d.0);
    let spaced = |a: Decimal| dutch(a).replace('.', " ");
    s.at(50.0, 800.0, "Factuur");
    s.big(50.0, 780.0, k.seller);
    s.at(50.0, 760.0, k.street)
        .at(50.0, 746.0, format!("{}  {}", k.postcode, k.city));
    s.at(380.0, 760.0, format!("K.v.K. {}", k.kvk))
        .at(380.0, 746.0, format!("Btw-id {}", k.vat))
        .at(380.0, 732.0, format!("Iban {}", k.iban));
    s.at(50.0, 690.0, "Factuuradres")
        .at(50.0, 676.0, "Haven Afnemer BV")
        .at(50.0, 662.0, "Kade 2, 3511 AB Utrecht");
    let heads = ["Factuurnummer", "Factuurdatum", "Vervaldatum", "Uw kenmerk"];
    let values = [
        k.number.to_owned(),
        date(k.issue),
        date(k.due),
        k.reference.to_owned(),
    ];
    for (i, (head, value)) in heads.iter().zip(values).enumerate() {
        let x = 50.0 + 130.0 * i as f32;
        s.at(x, 620.0, *head).at(x, 606.0, value);
    }
    let mut y = 560.0;
    s.at(50.0, y, "Omschrijving")
        .at(300.0, y, "Btw")
        .right(540.0, y, "Bedrag");
    for (i, line) in k.lines().iter().enumerate() {
        y -= 16.0;
        s.at(50.0, y, format!("Levering {}", i + 1))
            .at(300.0, y, format!("{}%", line.rate))
            .right(
                540.0,
                y,
                format!("€ {}", spaced(line.taxable_amount.unwrap())),
            );
    }
    y -= 30.0;
    s.at(330.0, y, "Totaal excl. btw")
        .right(540.0, y, format!("€ {}", spaced(k.net())));
    for line in k.lines() {
        y -= 16.0;
        s.at(330.0, y, format!("{}% btw", line.rate)).right(
            540.0,
            y,
            format!("€ {}", spaced(line.tax_amount)),
        );
    }
    y -= 16.0;
    s.at(330.0, y, "Totaal btw")
        .right(540.0, y, format!("€ {}", spaced(k.vat_total())));
    y -= 16.0;
    s.at(330.0, y, "Totaal incl. btw")
        .right(540.0, y, format!("€ {}", spaced(k.payable())));
    s.pdf()
}

/// English, ISO dates, `Invoice #`, `Tax 9%`, supplier labelled, amounts without grouping.
pub fn layout_english_compact(k: &Known) -> Vec<u8> {
    let mut s = Sheet::new(Ops::Td);
    s.big(50.0, 790.0, format!("Invoice # {}", k.number));
    s.at(50.0, 760.0, format!("Supplier: {}", k.seller))
        .at(
            50.0,
            746.0,
            format!("{}, {} {}, NL", k.street, k.postcode, k.city),
        )
        .at(50.0, 732.0, format!("CoC no. {}   VAT ID {}", k.kvk, k.vat))
        .at(50.0, 718.0, format!("IBAN {}", k.iban_grouped()));
    s.at(350.0, 760.0, "Customer: Haven Afnemer BV")
        .at(350.0, 746.0, "Kade 2, 3511 AB Utrecht");
    s.at(50.0, 690.0, format!("Issue date: {}", Known::iso(k.issue)))
        .at(50.0, 676.0, format!("Payment due: {}", Known::iso(k.due)))
        .at(50.0, 662.0, format!("PO number: {}", k.reference));
    let mut y = 600.0;
    let plain = |a: Decimal| {
        let mut v = a;
        v.rescale(2);
        v.to_string()
    };
    s.at(350.0, y, "Subtotal").right(540.0, y, plain(k.net()));
    for line in k.lines() {
        y -= 14.0;
        s.at(
            350.0,
            y,
            format!(
                "Tax {}% on {}",
                line.rate,
                plain(line.taxable_amount.unwrap())
            ),
        )
        .right(540.0, y, plain(line.tax_amount));
    }
    y -= 14.0;
    s.at(350.0, y, "Total due (EUR)")
        .right(540.0, y, plain(k.payable()));
    s.pdf()
}

/// The engine's own rendering (`render_pdf`) of the invoice made from the known fields.
pub fn layout_rendered(k: &Known, lang: haven_einvoice::Lang) -> Vec<u8> {
    let fields = InvoiceFields {
        buyer_name: Some("Haven Afnemer BV".into()),
        buyer_kvk: Some("87654321".into()),
        buyer_street: Some("Kade 2".into()),
        buyer_postal_code: Some("3511 AB".into()),
        buyer_city: Some("Utrecht".into()),
        ..k.fields()
    };
    let xml = compose_invoice(
        &fields,
        &Party::seller_from(&fields).unwrap(),
        &Party::buyer_from(&fields).unwrap(),
        None,
    )
    .unwrap();
    haven_einvoice::render_pdf(&xml, lang).unwrap()
}

/// Compares what was recognised with what is known, field by field; each VAT rate is one
/// field (rate, taxable and tax amount all right).
pub fn score(
    known: &InvoiceFields,
    found: &InvoiceFields,
    misses: &mut Vec<String>,
) -> (usize, usize) {
    let mut total = 0;
    let mut right = 0;
    let mut compare = |name: &str, ok: bool, detail: String| {
        total += 1;
        if ok {
            right += 1;
        } else {
            misses.push(format!("{name}: {detail}"));
        }
    };
    macro_rules! field {
        ($name:ident) => {
            compare(
                stringify!($name),
                known.$name == found.$name,
                format!("expected {:?}, found {:?}", known.$name, found.$name),
            )
        };
    }
    field!(seller_name);
    field!(seller_kvk);
    field!(seller_vat);
    field!(invoice_number);
    field!(issue_date);
    field!(due_date);
    field!(currency);
    field!(net_total);
    field!(vat_total);
    field!(payable);
    field!(iban);
    field!(buyer_reference);
    for line in &known.vat_breakdown {
        compare(
            "vat_breakdown",
            found.vat_breakdown.contains(line),
            format!("{line:?} not in {:?}", found.vat_breakdown),
        );
    }
    (total, right)
}

/// A layout: its name and how it makes a PDF of a known invoice.
pub type Layout = (&'static str, fn(&Known) -> Vec<u8>);

/// Every layout of the corpus.
pub fn layouts() -> [Layout; 6] {
    [
        ("dutch_inline", layout_dutch_inline),
        ("english_columns", layout_english_columns),
        ("dutch_table", layout_dutch_table),
        ("english_compact", layout_english_compact),
        ("rendered_nl", |k| {
            layout_rendered(k, haven_einvoice::Lang::Nl)
        }),
        ("rendered_en", |k| {
            layout_rendered(k, haven_einvoice::Lang::En)
        }),
    ]
}
