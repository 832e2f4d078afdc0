//! Recognition: the key fields of an invoice found in its text by their labels (Dutch and
//! English), with the identifiers checked where they carry a check.
//!
//! A label starts a cell (`Factuurnummer: 2024-001`); its value is the rest of that cell,
//! or else the next cell of the row, or else the cell below it (a table header). Of the
//! labels a cell starts with, the longest wins, so `Totaal excl. btw` is the net total and
//! not the total. What no label names is looked for by its form: the first IBAN whose
//! check is right, a Dutch VAT number, the company name at the top of the page.

use rust_decimal::Decimal;

use super::{
    parse::{amount, amounts_in, date, iban_in, kvk_in, percent_in, vat_in},
    text::PdfText,
    InvoiceFields, VatLine,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Label {
    InvoiceNumber,
    IssueDate,
    DueDate,
    NetTotal,
    VatTotal,
    Payable,
    BuyerReference,
    Kvk,
    VatId,
    Iban,
    Currency,
    Seller,
    Buyer,
    /// Known words that are none of the fields (`Totaal regels`), so that a shorter label
    /// (`Totaal`) does not take their value.
    Other,
}

/// Labels as they start a cell, lower case. The longest that matches wins.
const LABELS: &[(&str, Label)] = &[
    ("factuurnummer", Label::InvoiceNumber),
    ("factuurnr", Label::InvoiceNumber),
    ("factuur nr", Label::InvoiceNumber),
    ("factuur nummer", Label::InvoiceNumber),
    ("factuur-nr", Label::InvoiceNumber),
    ("notanummer", Label::InvoiceNumber),
    ("invoice number", Label::InvoiceNumber),
    ("invoice no", Label::InvoiceNumber),
    ("invoice nr", Label::InvoiceNumber),
    ("invoice #", Label::InvoiceNumber),
    ("invoice id", Label::InvoiceNumber),
    ("nummer", Label::InvoiceNumber),
    ("number", Label::InvoiceNumber),
    ("factuur", Label::InvoiceNumber),
    ("invoice", Label::InvoiceNumber),
    ("factuurdatum", Label::IssueDate),
    ("datum factuur", Label::IssueDate),
    ("datum", Label::IssueDate),
    ("invoice date", Label::IssueDate),
    ("date of issue", Label::IssueDate),
    ("issue date", Label::IssueDate),
    ("date issued", Label::IssueDate),
    ("date", Label::IssueDate),
    ("vervaldatum", Label::DueDate),
    ("uiterste betaaldatum", Label::DueDate),
    ("betalen voor", Label::DueDate),
    ("te betalen voor", Label::DueDate),
    ("betaaldatum", Label::DueDate),
    ("due date", Label::DueDate),
    ("payment due", Label::DueDate),
    ("payment due date", Label::DueDate),
    ("pay by", Label::DueDate),
    ("due", Label::DueDate),
    ("subtotaal", Label::NetTotal),
    ("totaal excl", Label::NetTotal),
    ("totaal exclusief", Label::NetTotal),
    ("totaal excl. btw", Label::NetTotal),
    ("bedrag excl", Label::NetTotal),
    ("netto", Label::NetTotal),
    ("nettobedrag", Label::NetTotal),
    ("subtotal", Label::NetTotal),
    ("net amount", Label::NetTotal),
    ("net total", Label::NetTotal),
    ("total excl", Label::NetTotal),
    ("total excluding", Label::NetTotal),
    ("total before", Label::NetTotal),
    ("total without", Label::NetTotal),
    ("totaal regels", Label::Other),
    ("som der regels", Label::Other),
    ("sum of lines", Label::Other),
    ("line total", Label::Other),
    ("lines total", Label::Other),
    ("totaal btw", Label::VatTotal),
    ("btw totaal", Label::VatTotal),
    ("btw-bedrag", Label::VatTotal),
    ("btw bedrag", Label::VatTotal),
    ("btw", Label::VatTotal),
    ("omzetbelasting", Label::VatTotal),
    ("total vat", Label::VatTotal),
    ("vat total", Label::VatTotal),
    ("vat amount", Label::VatTotal),
    ("vat", Label::VatTotal),
    ("total tax", Label::VatTotal),
    ("tax amount", Label::VatTotal),
    ("tax", Label::VatTotal),
    ("te betalen", Label::Payable),
    ("totaal te betalen", Label::Payable),
    ("totaal incl", Label::Payable),
    ("totaal inclusief", Label::Payable),
    ("totaalbedrag", Label::Payable),
    ("totaal", Label::Payable),
    ("openstaand bedrag", Label::Payable),
    ("amount due", Label::Payable),
    ("amount payable", Label::Payable),
    ("balance due", Label::Payable),
    ("total due", Label::Payable),
    ("total amount due", Label::Payable),
    ("total payable", Label::Payable),
    ("total incl", Label::Payable),
    ("total with vat", Label::Payable),
    ("total including", Label::Payable),
    ("total amount", Label::Payable),
    ("total", Label::Payable),
    ("uw referentie", Label::BuyerReference),
    ("uw kenmerk", Label::BuyerReference),
    ("uw ordernummer", Label::BuyerReference),
    ("referentie", Label::BuyerReference),
    ("kenmerk", Label::BuyerReference),
    ("inkoopordernummer", Label::BuyerReference),
    ("inkooporder", Label::BuyerReference),
    ("ordernummer", Label::BuyerReference),
    ("your reference", Label::BuyerReference),
    ("your ref", Label::BuyerReference),
    ("buyer reference", Label::BuyerReference),
    ("referentie koper", Label::BuyerReference),
    ("referentie afnemer", Label::BuyerReference),
    ("reference", Label::BuyerReference),
    ("purchase order", Label::BuyerReference),
    ("po number", Label::BuyerReference),
    ("order number", Label::BuyerReference),
    ("kvk", Label::Kvk),
    ("kvk-nummer", Label::Kvk),
    ("kvk nummer", Label::Kvk),
    ("kvk-nr", Label::Kvk),
    ("kvk nr", Label::Kvk),
    ("kamer van koophandel", Label::Kvk),
    ("handelsregister", Label::Kvk),
    ("chamber of commerce", Label::Kvk),
    ("coc", Label::Kvk),
    ("coc number", Label::Kvk),
    ("coc no", Label::Kvk),
    ("inschrijving", Label::Kvk),
    ("inschrijvingsnummer", Label::Kvk),
    ("registration", Label::Kvk),
    ("registration number", Label::Kvk),
    ("company registration", Label::Kvk),
    ("btw-nummer", Label::VatId),
    ("btw nummer", Label::VatId),
    ("btw-nr", Label::VatId),
    ("btw nr", Label::VatId),
    ("btw-id", Label::VatId),
    ("btw id", Label::VatId),
    ("btw-identificatienummer", Label::VatId),
    ("omzetbelastingnummer", Label::VatId),
    ("vat number", Label::VatId),
    ("vat no", Label::VatId),
    ("vat id", Label::VatId),
    ("vat reg", Label::VatId),
    ("vat registration number", Label::VatId),
    ("iban", Label::Iban),
    ("rekeningnummer", Label::Iban),
    ("bankrekening", Label::Iban),
    ("bank account", Label::Iban),
    ("account number", Label::Iban),
    ("valuta", Label::Currency),
    ("currency", Label::Currency),
    ("leverancier", Label::Seller),
    ("verkoper", Label::Seller),
    ("supplier", Label::Seller),
    ("seller", Label::Seller),
    ("from", Label::Seller),
    ("van", Label::Seller),
    ("aan", Label::Buyer),
    ("factuuradres", Label::Buyer),
    ("klant", Label::Buyer),
    ("afnemer", Label::Buyer),
    ("koper", Label::Buyer),
    ("bill to", Label::Buyer),
    ("billed to", Label::Buyer),
    ("invoice to", Label::Buyer),
    ("sold to", Label::Buyer),
    ("customer", Label::Buyer),
    ("buyer", Label::Buyer),
    ("to", Label::Buyer),
];

/// The label a cell starts with (longest first) and the rest of the cell after it.
fn label_of(text: &str) -> Option<(Label, &str)> {
    labelled(text).map(|(label, _, rest)| (label, rest))
}

/// [`label_of`] with the label's words.
fn labelled(text: &str) -> Option<(Label, &'static str, &str)> {
    let lower = text.to_lowercase();
    let mut best: Option<(&'static str, Label)> = None;
    for &(label, kind) in LABELS {
        if lower.starts_with(label)
            && lower[label.len()..]
                .chars()
                .next()
                .is_none_or(|c| !c.is_alphanumeric())
            && best.is_none_or(|(word, _)| label.len() > word.len())
        {
            best = Some((label, kind));
        }
    }
    let (word, kind) = best?;
    let len = word.len();
    // Lower-casing keeps byte lengths for the ASCII labels, but not always for what
    // follows; find the same place in the original text.
    let rest = text
        .char_indices()
        .nth(lower[..len].chars().count())
        .map_or("", |(at, _)| &text[at..]);
    let rest = rest.trim_start_matches(|c: char| {
        c.is_whitespace() || matches!(c, ':' | '.' | '#' | '-' | '(' | ')')
    });
    Some((kind, word, rest.trim()))
}

#[derive(Debug, Clone)]
struct Spot<'t> {
    row: usize,
    cell: usize,
    x: f32,
    text: &'t str,
}

/// Recognises the key fields in the text of an invoice.
#[must_use]
pub fn recognize(text: &PdfText) -> InvoiceFields {
    let spots: Vec<Spot<'_>> = text
        .rows
        .iter()
        .enumerate()
        .flat_map(|(row, r)| {
            r.cells.iter().enumerate().map(move |(cell, c)| Spot {
                row,
                cell,
                x: c.x,
                text: c.text.as_str(),
            })
        })
        .collect();
    let buyer_cells = buyer_block(text, &spots);
    let in_buyer = |s: &Spot<'_>| buyer_cells.contains(&(s.row, s.cell));

    let mut fields = InvoiceFields::default();
    let mut breakdown: Vec<VatLine> = Vec::new();
    // The length of the label each total was found by.
    let mut totals = [0usize; 3];
    for (index, spot) in spots.iter().enumerate() {
        if let Some(line) = vat_line(text, spot) {
            if !breakdown.contains(&line) {
                breakdown.push(line);
            }
            continue;
        }
        let Some((label, word, rest)) = labelled(spot.text) else {
            continue;
        };
        let value = |accept: &dyn Fn(&str) -> bool| -> Option<String> {
            if accept(rest) {
                return Some(rest.to_owned());
            }
            if label_value_inline_only(label, word) {
                return None;
            }
            // A total stands beside its label; under it is a column's header (`Btw-bedrag`).
            let below = !matches!(label, Label::NetTotal | Label::VatTotal | Label::Payable);
            value_beside(text, &spots, index, below, accept)
        };
        let buyer = in_buyer(spot);
        match label {
            Label::InvoiceNumber if fields.invoice_number.is_none() => {
                fields.invoice_number =
                    value(&|v| number_token(v).is_some()).and_then(|v| number_token(&v));
            }
            Label::IssueDate if fields.issue_date.is_none() => {
                fields.issue_date = value(&|v| date(v).is_some()).and_then(|v| date(&v));
            }
            Label::DueDate if fields.due_date.is_none() => {
                fields.due_date = value(&|v| date(v).is_some()).and_then(|v| date(&v));
            }
            // A more specific label overrides a total found by a vaguer one (`Te betalen`
            // after `Totaal`).
            Label::NetTotal if word.len() > totals[0] => {
                if let Some(found) = value(&|v| money(v).is_some()).and_then(|v| money(&v)) {
                    fields.net_total = Some(found);
                    totals[0] = word.len();
                }
            }
            Label::VatTotal if word.len() > totals[1] => {
                if let Some(found) = value(&|v| money(v).is_some() && percent_in(v).is_none())
                    .and_then(|v| money(&v))
                {
                    fields.vat_total = Some(found);
                    totals[1] = word.len();
                }
            }
            Label::Payable if word.len() > totals[2] => {
                if let Some(found) = value(&|v| money(v).is_some()).and_then(|v| money(&v)) {
                    fields.payable = Some(found);
                    totals[2] = word.len();
                }
            }
            Label::BuyerReference if fields.buyer_reference.is_none() => {
                fields.buyer_reference = value(&|v| !v.is_empty() && label_of(v).is_none());
            }
            Label::Kvk if fields.seller_kvk.is_none() && !buyer => {
                fields.seller_kvk = value(&|v| kvk_in(v).is_some()).and_then(|v| kvk_in(&v));
            }
            Label::VatId if fields.seller_vat.is_none() && !buyer => {
                fields.seller_vat = value(&|v| vat_in(v).is_some()).and_then(|v| vat_in(&v));
            }
            Label::Iban if fields.iban.is_none() => {
                fields.iban = value(&|v| iban_in(v).is_some()).and_then(|v| iban_in(&v));
            }
            Label::Currency if fields.currency.is_none() => {
                fields.currency =
                    value(&|v| currency_code(v).is_some()).and_then(|v| currency_code(&v));
            }
            Label::Seller if fields.seller_name.is_none() => {
                fields.seller_name = value(&|v| looks_like_name(v));
            }
            _ => {}
        }
    }

    // What no label named, by its form, outside the buyer's block.
    let outside = || spots.iter().filter(|s| !in_buyer(s));
    if fields.seller_vat.is_none() {
        fields.seller_vat = outside().find_map(|s| vat_in(s.text));
    }
    if fields.seller_kvk.is_none() {
        fields.seller_kvk = outside()
            .filter(|s| {
                let lower = s.text.to_lowercase();
                [
                    "kvk",
                    "coc",
                    "k.v.k",
                    "chamber of commerce",
                    "kamer van koophandel",
                    "handelsregister",
                ]
                .iter()
                .any(|w| lower.contains(w))
            })
            .find_map(|s| {
                let lower = s.text.to_lowercase();
                let at = [
                    "kvk",
                    "coc",
                    "k.v.k",
                    "chamber of commerce",
                    "kamer van koophandel",
                    "handelsregister",
                ]
                .iter()
                .filter_map(|w| lower.find(w))
                .min()
                .unwrap_or(0);
                s.text.get(at..).and_then(kvk_in)
            });
    }
    if fields.iban.is_none() {
        fields.iban = spots.iter().find_map(|s| iban_in(s.text));
    }
    if fields.seller_name.is_none() {
        fields.seller_name = seller_by_form(&spots, &in_buyer);
    }
    if fields.currency.is_none() {
        fields.currency = currency_of(&text.to_text());
    }
    if let Some((street, postal_code, city)) = seller_address(text, &spots, &in_buyer) {
        fields.seller_street = street;
        fields.seller_postal_code = Some(postal_code);
        fields.seller_city = Some(city);
        fields.seller_country = Some("NL".into());
    }
    if fields.issue_date.is_none() {
        fields.issue_date = spots
            .iter()
            .filter_map(|s| date(s.text))
            .find(|d| Some(d) != fields.due_date.as_ref());
    }
    if breakdown.is_empty() {
        breakdown.extend(implied_vat_line(&fields));
    }
    // Rates with only their tax amount: the taxable amount is the sum of the lines at that
    // rate, or with a single rate the net total.
    if breakdown.iter().any(|l| l.taxable_amount.is_none()) {
        let sums = line_sums_by_rate(text);
        for line in &mut breakdown {
            if line.taxable_amount.is_none() {
                line.taxable_amount = sums
                    .iter()
                    .find(|(rate, _)| *rate == line.rate)
                    .map(|(_, sum)| *sum);
            }
        }
    }
    if breakdown.len() == 1 && breakdown[0].taxable_amount.is_none() {
        breakdown[0].taxable_amount = fields.net_total;
    }
    if fields.vat_total.is_none() && !breakdown.is_empty() {
        fields.vat_total = Some(breakdown.iter().map(|l| l.tax_amount).sum());
    }
    if fields.net_total.is_none() {
        if let (Some(payable), Some(vat)) = (fields.payable, fields.vat_total) {
            fields.net_total = Some(payable - vat);
        }
    }
    fields.vat_breakdown = breakdown;
    fields
}

/// Labels too short or too common to take a value from elsewhere than their own cell.
fn label_value_inline_only(label: Label, word: &str) -> bool {
    label == Label::Buyer || matches!(word, "factuur" | "invoice")
}

/// The value for the label at `spots[index]` found beside it (the next cell of the row) or
/// under it (the nearest cell of the next row), when `accept` takes it.
fn value_beside(
    text: &PdfText,
    spots: &[Spot<'_>],
    index: usize,
    below: bool,
    accept: &dyn Fn(&str) -> bool,
) -> Option<String> {
    let spot = &spots[index];
    if let Some(next) = spots.get(index + 1).filter(|n| n.row == spot.row) {
        if label_of(next.text).is_none() && accept(next.text) {
            return Some(next.text.to_owned());
        }
    }
    if !below {
        return None;
    }
    let next_row = text.rows.get(spot.row + 1)?;
    let cell = next_row
        .cells
        .iter()
        .filter(|c| (c.x - spot.x).abs() < 60.0)
        .min_by(|a, b| (a.x - spot.x).abs().total_cmp(&(b.x - spot.x).abs()))?;
    (label_of(&cell.text).is_none() && accept(&cell.text)).then(|| cell.text.clone())
}

/// A row of the VAT breakdown: a VAT word and a rate, with the tax amount last and the
/// taxable amount before it (`BTW 21% over € 1.000,00   € 210,00`); amounts may stand in the
/// next cells of the row.
fn vat_line(text: &PdfText, spot: &Spot<'_>) -> Option<VatLine> {
    let row = &text.rows[spot.row];
    let lower = spot.text.to_lowercase();
    let words = ["btw", "vat", "tax", "omzetbelasting"];
    // `BTW 21%`, `21% btw`, or a category with its rate (`Standaard 21%`).
    let categories = [
        "standaard",
        "standard",
        "hoog",
        "laag",
        "verlaagd",
        "reduced",
        "nultarief",
        "zero",
    ];
    let rate_first = lower.split_once('%').is_some_and(|(rate, rest)| {
        rate.trim()
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ',' | '.'))
            && words.iter().any(|w| rest.trim_start().starts_with(w))
    });
    let starts = words
        .iter()
        .chain(categories.iter())
        .any(|w| lower.starts_with(w))
        || rate_first;
    if !starts || vat_in(spot.text).is_some() {
        return None;
    }
    let rate = percent_in(spot.text)?;
    let rest: String = row.cells[spot.cell..]
        .iter()
        .map(|c| c.text.as_str())
        .collect::<Vec<_>>()
        .join("   ");
    let amounts = amounts_in(&rest);
    let (taxable, tax) = match amounts[..] {
        [] => return None,
        [tax] => (None, tax),
        [taxable, .., tax] => (Some(taxable), tax),
    };
    Some(VatLine {
        rate,
        taxable_amount: taxable,
        tax_amount: tax,
    })
}

/// The invoice lines' amounts added up per VAT rate: rows with a cell that is only a rate
/// (`21%`) and an amount after it (the last one is the line's amount).
fn line_sums_by_rate(text: &PdfText) -> Vec<(Decimal, Decimal)> {
    let mut sums: Vec<(Decimal, Decimal)> = Vec::new();
    for row in &text.rows {
        let Some(at) = row.cells.iter().position(|c| {
            let t = c.text.trim();
            t.ends_with('%')
                && t[..t.len() - 1]
                    .trim()
                    .chars()
                    .all(|c| c.is_ascii_digit() || matches!(c, ',' | '.'))
        }) else {
            continue;
        };
        let Some(rate) = percent_in(&row.cells[at].text) else {
            continue;
        };
        let rest: Vec<&str> = row.cells[at + 1..]
            .iter()
            .map(|c| c.text.as_str())
            .collect();
        let Some(amount) = amounts_in(&rest.join("   ")).last().copied() else {
            continue;
        };
        match sums.iter_mut().find(|(r, _)| *r == rate) {
            Some((_, sum)) => *sum += amount,
            None => sums.push((rate, amount)),
        }
    }
    sums
}

/// With the net and VAT totals but no breakdown, a single rate follows when it is a round
/// percentage (an invoice with one rate that does not print it).
fn implied_vat_line(fields: &InvoiceFields) -> Option<VatLine> {
    let (net, vat) = (fields.net_total?, fields.vat_total?);
    if net.is_zero() {
        return None;
    }
    let rate = (vat * Decimal::ONE_HUNDRED / net).round_dp(1);
    (rate.fract().is_zero() && (net * rate / Decimal::ONE_HUNDRED).round_dp(2) == vat).then(|| {
        VatLine {
            rate: rate.normalize(),
            taxable_amount: Some(net),
            tax_amount: vat,
        }
    })
}

/// The money amount in a value: the last amount with decimals, or a plain number.
fn money(value: &str) -> Option<Decimal> {
    if let Some(last) = amounts_in(value).last() {
        return Some(*last);
    }
    let bare = ["EUR", "USD", "GBP", "CHF"]
        .iter()
        .fold(value.to_owned(), |v, code| v.replace(code, ""));
    let digits_only = bare
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | ',' | ' ' | '€' | '$' | '£' | '-'));
    if digits_only && value.chars().any(|c| c.is_ascii_digit()) && percent_in(value).is_none() {
        amount(value)
    } else {
        None
    }
}

/// An invoice number: the first token with a digit (`2024-001`, `INV/2024/17`).
fn number_token(value: &str) -> Option<String> {
    value
        .split_whitespace()
        .map(|t| t.trim_matches(|c: char| matches!(c, ',' | ';' | ':' | '.')))
        .find(|t| t.chars().any(|c| c.is_ascii_digit()) && date(t).is_none())
        .map(str::to_owned)
}

fn currency_code(value: &str) -> Option<String> {
    currency_of(value).or_else(|| {
        let word = value.split_whitespace().next()?;
        (word.len() == 3 && word.chars().all(|c| c.is_ascii_uppercase())).then(|| word.to_owned())
    })
}

/// The currency the text shows by sign or code; euro when both or neither.
fn currency_of(text: &str) -> Option<String> {
    let count =
        |needles: &[&str]| -> usize { needles.iter().map(|n| text.matches(n).count()).sum() };
    let candidates = [
        ("EUR", count(&["€", "EUR"])),
        ("USD", count(&["US$", "USD"])),
        ("GBP", count(&["£", "GBP"])),
        ("CHF", count(&["CHF"])),
    ];
    candidates
        .iter()
        .filter(|(_, n)| *n > 0)
        .max_by_key(|(_, n)| *n)
        .map(|(code, _)| (*code).to_owned())
}

/// Legal forms that end a company name.
const LEGAL_FORMS: &[&str] = &[
    "b.v.",
    "bv",
    "n.v.",
    "nv",
    "v.o.f.",
    "vof",
    "c.v.",
    "cv",
    "ltd",
    "ltd.",
    "limited",
    "gmbh",
    "inc",
    "inc.",
    "llc",
    "plc",
    "s.a.",
    "sa",
    "holding",
    "stichting",
    "coöperatie",
    "u.a.",
];

fn has_legal_form(text: &str) -> bool {
    let lower = text.to_lowercase();
    lower
        .split(|c: char| c.is_whitespace() || c == ',')
        .any(|w| LEGAL_FORMS.contains(&w))
        || lower.starts_with("stichting ")
}

fn looks_like_name(value: &str) -> bool {
    !value.is_empty()
        && value.chars().any(char::is_alphabetic)
        && label_of(value).is_none()
        && date(value).is_none()
        && vat_in(value).is_none()
        && iban_in(value).is_none()
}

/// Title words that head an invoice rather than name its sender.
const TITLES: &[&str] = &[
    "factuur",
    "invoice",
    "tax invoice",
    "creditnota",
    "credit note",
    "nota",
];

/// The seller by form: a company name with a legal form outside the buyer's block, else
/// the first line of the page that is not a title or a label.
fn seller_by_form(spots: &[Spot<'_>], in_buyer: &dyn Fn(&Spot<'_>) -> bool) -> Option<String> {
    let candidates = || {
        spots
            .iter()
            .filter(|s| !in_buyer(s) && looks_like_name(s.text))
            .filter(|s| !TITLES.contains(&s.text.to_lowercase().trim_end_matches(':')))
    };
    candidates()
        .find(|s| has_legal_form(s.text))
        .or_else(|| candidates().next())
        .map(|s| s.text.to_owned())
}

/// A Dutch postcode (`1234 AB`, `1234AB`) starting at byte `at`: its normalised form and
/// where it ends.
fn postcode_at(text: &str, at: usize) -> Option<(String, usize)> {
    let b = text.as_bytes();
    let digits = b.get(at..at + 4)?;
    if !digits.iter().all(u8::is_ascii_digit) || digits[0] == b'0' {
        return None;
    }
    let mut i = at + 4;
    if b.get(i) == Some(&b' ') {
        i += 1;
    }
    let letters = b.get(i..i + 2)?;
    let ends = b.get(i + 2).is_none_or(|c| !c.is_ascii_alphanumeric());
    let starts = at == 0 || !b[at - 1].is_ascii_alphanumeric();
    (letters.iter().all(u8::is_ascii_uppercase) && ends && starts)
        .then(|| (format!("{} {}", &text[at..at + 4], &text[i..i + 2]), i + 2))
}

/// The seller's Dutch address: the first cell outside the buyer's block with a postcode,
/// the city after it, the street before it in the same cell (`Havenstraat 1, 3011 AA
/// Rotterdam`) or in the cell above.
fn seller_address(
    text: &PdfText,
    spots: &[Spot<'_>],
    in_buyer: &dyn Fn(&Spot<'_>) -> bool,
) -> Option<(Option<String>, String, String)> {
    let street_like = |s: &str| {
        s.chars().any(|c| c.is_ascii_digit())
            && s.chars().any(char::is_alphabetic)
            && label_of(s).is_none()
    };
    for spot in spots.iter().filter(|s| !in_buyer(s)) {
        let cell = spot.text;
        let Some((at, (postal_code, end))) = (0..cell.len())
            .filter(|&i| cell.is_char_boundary(i))
            .find_map(|i| postcode_at(cell, i).map(|p| (i, p)))
        else {
            continue;
        };
        let city = cell[end..]
            .split([',', '|'])
            .next()
            .unwrap_or_default()
            .trim();
        let city = city.strip_suffix(" NL").unwrap_or(city).trim();
        if city.chars().count() < 2
            || !city
                .chars()
                .all(|c| c.is_alphabetic() || matches!(c, ' ' | '-' | '\'' | '.'))
        {
            continue;
        }
        let before = cell[..at].trim().trim_end_matches(',').trim();
        let street = if street_like(before) {
            Some(
                before
                    .rsplit(" - ")
                    .next()
                    .unwrap_or(before)
                    .trim()
                    .to_owned(),
            )
        } else {
            spot.row
                .checked_sub(1)
                .and_then(|row| text.rows.get(row))
                .and_then(|row| row.cells.iter().find(|c| (c.x - spot.x).abs() < 20.0))
                .map(|c| c.text.trim().to_owned())
                .filter(|s| street_like(s))
        };
        return Some((street, postal_code, city.to_owned()));
    }
    None
}

/// The cells of the buyer's address block: after a buyer label, the cells at the same left
/// edge in the next six rows (or the rest of the label's own cell and those under it).
fn buyer_block(text: &PdfText, spots: &[Spot<'_>]) -> Vec<(usize, usize)> {
    let mut cells = Vec::new();
    for spot in spots {
        if !matches!(label_of(spot.text), Some((Label::Buyer, _))) {
            continue;
        }
        cells.push((spot.row, spot.cell));
        let next_in_row = spot.cell + 1;
        let column_x = text.rows[spot.row]
            .cells
            .get(next_in_row)
            .filter(|c| c.x - spot.x < 150.0)
            .map_or(spot.x, |c| c.x);
        if text.rows[spot.row]
            .cells
            .get(next_in_row)
            .is_some_and(|c| c.x == column_x)
        {
            cells.push((spot.row, next_in_row));
        }
        // The block ends after six rows, or at a label of the invoice itself.
        'rows: for row in spot.row + 1..(spot.row + 7).min(text.rows.len()) {
            for (index, cell) in text.rows[row].cells.iter().enumerate() {
                if (cell.x - column_x).abs() < 20.0 || (cell.x - spot.x).abs() < 20.0 {
                    if label_of(&cell.text).is_some_and(|(label, _)| {
                        !matches!(label, Label::Kvk | Label::VatId | Label::VatTotal)
                    }) {
                        break 'rows;
                    }
                    cells.push((row, index));
                }
            }
        }
    }
    cells
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn a_dutch_invoice_with_labels_and_values_in_cells() {
        let text = PdfText::from_lines(
            "Bakkerij De Korenschoof B.V.\n\
             Havenstraat 1, 3011 AA Rotterdam\n\
             KvK: 12345678   BTW-nummer: NL001234567B01\n\
             Factuur\n\
             Aan:   Haven Afnemer BV\n\
             Kade 2\n\
             Factuurnummer:   2026-0042\n\
             Factuurdatum:   4 december 2026\n\
             Vervaldatum:   03-01-2027\n\
             Uw referentie:   PO-77\n\
             Subtotaal   € 1.000,00\n\
             BTW 21% over € 1.000,00   € 210,00\n\
             Totaal te betalen   € 1.210,00\n\
             Graag betalen op IBAN NL91 ABNA 0417 1643 00",
        );
        let fields = recognize(&text);
        assert_eq!(
            fields.seller_name.as_deref(),
            Some("Bakkerij De Korenschoof B.V.")
        );
        assert_eq!(fields.seller_kvk.as_deref(), Some("12345678"));
        assert_eq!(fields.seller_vat.as_deref(), Some("NL001234567B01"));
        assert_eq!(fields.invoice_number.as_deref(), Some("2026-0042"));
        assert_eq!(fields.issue_date.as_deref(), Some("2026-12-04"));
        assert_eq!(fields.due_date.as_deref(), Some("2027-01-03"));
        assert_eq!(fields.buyer_reference.as_deref(), Some("PO-77"));
        assert_eq!(fields.currency.as_deref(), Some("EUR"));
        assert_eq!(fields.net_total, Some(d("1000.00")));
        assert_eq!(fields.vat_total, Some(d("210.00")));
        assert_eq!(fields.payable, Some(d("1210.00")));
        assert_eq!(
            fields.vat_breakdown,
            vec![VatLine {
                rate: d("21"),
                taxable_amount: Some(d("1000.00")),
                tax_amount: d("210.00")
            }]
        );
        assert_eq!(fields.iban.as_deref(), Some("NL91ABNA0417164300"));
    }

    #[test]
    fn an_english_invoice_with_two_rates_and_a_header_row() {
        let text = PdfText::from_lines(
            "INVOICE\n\
             From: Northwind Trading Ltd\n\
             Bill to:   Haven Afnemer BV\n\
             VAT NL009999999B01\n\
             Invoice No.   Date of issue   Payment due\n\
             INV/2026/17   December 4, 2026   2026-12-31\n\
             Chamber of Commerce 87654321\n\
             Subtotal   1,500.00\n\
             VAT 21%   1,000.00   210.00\n\
             VAT 9%   500.00   45.00\n\
             Total VAT   255.00\n\
             Amount due   EUR 1,755.00\n\
             Your reference: ABC 123",
        );
        let fields = recognize(&text);
        assert_eq!(fields.seller_name.as_deref(), Some("Northwind Trading Ltd"));
        assert_eq!(
            fields.seller_vat, None,
            "the VAT number in the buyer's block is the buyer's"
        );
        assert_eq!(fields.seller_kvk.as_deref(), Some("87654321"));
        assert_eq!(fields.invoice_number.as_deref(), Some("INV/2026/17"));
        assert_eq!(fields.issue_date.as_deref(), Some("2026-12-04"));
        assert_eq!(fields.due_date.as_deref(), Some("2026-12-31"));
        assert_eq!(fields.net_total, Some(d("1500.00")));
        assert_eq!(fields.vat_total, Some(d("255.00")));
        assert_eq!(fields.payable, Some(d("1755.00")));
        assert_eq!(fields.vat_breakdown.len(), 2);
        assert_eq!(fields.vat_breakdown[1].rate, d("9"));
        assert_eq!(fields.vat_breakdown[1].taxable_amount, Some(d("500.00")));
        assert_eq!(fields.buyer_reference.as_deref(), Some("ABC 123"));
    }

    #[test]
    fn a_single_rate_is_implied_by_the_totals() {
        let text = PdfText::from_lines("Netto   100,00\nBTW   21,00\nTotaal   121,00");
        let fields = recognize(&text);
        assert_eq!(fields.vat_breakdown[0].rate, d("21"));
        assert_eq!(fields.payable, Some(d("121.00")));
    }

    #[test]
    fn text_without_an_invoice_yields_nothing_much() {
        let fields = recognize(&PdfText::from_lines("Algemene voorwaarden\nArtikel 1"));
        assert!(!fields.looks_like_an_invoice());
    }
}
