//! A readable rendering of an invoice or credit note, for people: HTML ([`render_html`])
//! and a generated PDF ([`render_pdf`]), in Dutch or English.
//!
//! Both read the document into one [`View`] (every value already formatted as text, with
//! its currency), so the two renderings show the same content.

mod html;
mod labels;
mod pdf;

use std::borrow::Cow;

use rust_decimal::Decimal;

use crate::model::{self, Address, AllowanceCharge, Invoice, Num, Party, Text};
use crate::{detect, xml, DocumentType, Syntax};

pub use html::{render_html, STYLESHEET};
pub use pdf::render_pdf;

use labels::Labels;

/// The language of the labels (the document's own text is shown as written).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    #[default]
    Nl,
    En,
}

/// Why a document could not be rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    #[error("not a readable XML document: {0}")]
    Xml(String),
    #[error("the PDF holds no readable invoice: {0}")]
    Pdf(String),
    #[error("not an invoice or credit note: root element '{0}'")]
    NotAnInvoice(String),
    #[error("the PDF could not be written: {0}")]
    Write(String),
}

/// A label with its value.
pub(crate) type Field = (&'static str, String);

/// A party block.
#[derive(Debug, Clone, Default)]
pub(crate) struct PartyView {
    pub role: &'static str,
    pub name: String,
    /// Trading name and address, one line each.
    pub lines: Vec<String>,
    pub details: Vec<Field>,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct LineView {
    pub id: String,
    pub name: String,
    /// Description, identifiers, period, note, line allowances: one per entry.
    pub details: Vec<String>,
    pub quantity: String,
    pub price: String,
    pub net: String,
    pub vat: String,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct AllowanceView {
    pub kind: &'static str,
    pub reason: String,
    pub base: String,
    pub amount: String,
    pub vat: String,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct VatView {
    pub category: String,
    pub taxable: String,
    pub tax: String,
    pub exemption: String,
}

/// Everything shown, formatted, in display order.
#[derive(Debug, Clone)]
pub(crate) struct View {
    pub l: &'static Labels,
    pub title: String,
    pub number: String,
    pub header: Vec<Field>,
    pub references: Vec<Field>,
    pub parties: Vec<PartyView>,
    pub lines: Vec<LineView>,
    pub allowances: Vec<AllowanceView>,
    pub vat: Vec<VatView>,
    /// The last one (the amount due) is emphasised.
    pub totals: Vec<Field>,
    pub payment: Vec<Field>,
    pub notes: Vec<String>,
    pub attachments: Vec<String>,
}

/// The invoice XML: the bytes themselves, or the XML embedded in a hybrid PDF.
fn invoice_xml(bytes: &[u8]) -> Result<Cow<'_, [u8]>, RenderError> {
    if !crate::pdf::is_pdf(bytes) {
        return Ok(Cow::Borrowed(bytes));
    }
    crate::pdf::extract_invoice(bytes, &crate::pdf::PdfLimits::default())
        .map(|e| Cow::Owned(e.xml))
        .map_err(|e| RenderError::Pdf(e.to_string()))
}

/// Parse and map the document, then format it.
pub(crate) fn view(bytes: &[u8], lang: Lang) -> Result<View, RenderError> {
    let xml_bytes = invoice_xml(bytes)?;
    let doc = xml::parse(&xml_bytes, &xml::Limits::default()).map_err(|e| {
        RenderError::Xml(format!(
            "{} (line {}, column {})",
            e.message, e.line, e.column
        ))
    })?;
    let Some(det) = detect::detect(&doc) else {
        return Err(RenderError::NotAnInvoice(doc.name(doc.root()).to_string()));
    };
    let inv = match det.syntax {
        Syntax::Ubl => model::ubl::map(&doc),
        Syntax::Cii => model::cii::map(&doc),
    };
    Ok(Formatter::new(lang, &inv).view(&inv, det.document_type))
}

fn txt(t: Option<&Text<'_>>) -> Option<String> {
    t.map(|t| t.value.trim())
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

fn push(out: &mut Vec<Field>, label: &'static str, value: Option<String>) {
    if let Some(v) = value.filter(|v| !v.trim().is_empty()) {
        out.push((label, v));
    }
}

struct Formatter {
    lang: Lang,
    l: &'static Labels,
    currency: Option<String>,
}

impl Formatter {
    fn new(lang: Lang, inv: &Invoice<'_>) -> Formatter {
        Formatter {
            lang,
            l: labels::labels(lang),
            currency: txt(inv.currency.as_ref()),
        }
    }

    /// `1234.5` as `1.234,50` (Dutch) or `1,234.50` (English), at least two decimals.
    fn number(&self, d: Decimal, min_scale: u32) -> String {
        let mut d = d.normalize();
        if d.scale() < min_scale {
            d.rescale(min_scale);
        }
        let s = d.abs().to_string();
        let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
        let (group, point) = match self.lang {
            Lang::Nl => ('.', ','),
            Lang::En => (',', '.'),
        };
        let mut out = String::new();
        if d.is_sign_negative() && !d.is_zero() {
            out.push('-');
        }
        for (i, c) in int.chars().enumerate() {
            if i > 0 && (int.len() - i) % 3 == 0 {
                out.push(group);
            }
            out.push(c);
        }
        if !frac.is_empty() {
            out.push(point);
            out.push_str(frac);
        }
        out
    }

    /// An amount with its currency (the document currency when the element has none).
    fn amount(&self, n: Option<&Num<'_>>) -> Option<String> {
        let n = n?;
        let cur = n
            .unit
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .map(str::to_string)
            .or_else(|| self.currency.clone());
        let value = match n.value {
            Some(v) => self.number(v, 2),
            None => n.raw.trim().to_string(),
        };
        if value.is_empty() {
            return None;
        }
        Some(match cur {
            Some(c) => format!("{c} {value}"),
            None => value,
        })
    }

    fn plain(&self, n: Option<&Num<'_>>) -> Option<String> {
        let n = n?;
        Some(match n.value {
            Some(v) => self.number(v, 0),
            None => n.raw.trim().to_string(),
        })
        .filter(|s| !s.is_empty())
    }

    fn percent(&self, n: Option<&Num<'_>>) -> Option<String> {
        self.plain(n).map(|p| format!("{p}%"))
    }

    /// ISO (or CII `102`) dates shown as `30-11-2026` in Dutch, as ISO in English.
    fn date(&self, t: Option<&Text<'_>>) -> Option<String> {
        let raw = txt(t)?;
        if crate::Date::parse(&raw).is_none() {
            return Some(raw);
        }
        let iso = if raw.len() == 8 {
            format!("{}-{}-{}", &raw[..4], &raw[4..6], &raw[6..])
        } else {
            raw.get(..10).unwrap_or(&raw).to_string()
        };
        Some(match self.lang {
            Lang::En => iso,
            Lang::Nl => {
                let parts: Vec<&str> = iso.split('-').collect();
                match parts.as_slice() {
                    [y, m, d] => format!("{d}-{m}-{y}"),
                    _ => iso,
                }
            }
        })
    }

    fn period(&self, p: Option<&model::Period<'_>>) -> Option<String> {
        let p = p?;
        match (self.date(p.start.as_ref()), self.date(p.end.as_ref())) {
            (Some(s), Some(e)) => Some(format!("{s} – {e}")),
            (Some(s), None) => Some(format!("{s} –")),
            (None, Some(e)) => Some(format!("– {e}")),
            (None, None) => None,
        }
    }

    fn vat(&self, category: Option<&Text<'_>>, rate: Option<&Num<'_>>) -> String {
        let cat = txt(category);
        let name = cat.as_deref().map(|c| labels::vat_category(self.lang, c));
        match (name, self.percent(rate)) {
            (Some(n), Some(r)) => format!("{n} {r}"),
            (Some(n), None) => n,
            (None, Some(r)) => r,
            (None, None) => String::new(),
        }
    }

    fn address(&self, a: Option<&Address<'_>>) -> Vec<String> {
        let Some(a) = a else { return Vec::new() };
        let mut out: Vec<String> = [&a.line1, &a.line2, &a.line3]
            .into_iter()
            .filter_map(|t| txt(t.as_ref()))
            .collect();
        let city = [txt(a.postcode.as_ref()), txt(a.city.as_ref())]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        if !city.is_empty() {
            out.push(city);
        }
        let region = [txt(a.subdivision.as_ref()), txt(a.country.as_ref())]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", ");
        if !region.is_empty() {
            out.push(region);
        }
        out
    }

    fn party(&self, role: &'static str, p: &Party<'_>) -> PartyView {
        let l = self.l;
        let name = txt(p.name.as_ref())
            .or_else(|| txt(p.trading_name.as_ref()))
            .unwrap_or_default();
        let mut lines = Vec::new();
        if let Some(t) = txt(p.trading_name.as_ref()).filter(|t| *t != name) {
            lines.push(t);
        }
        lines.extend(self.address(p.address.as_ref()));
        let with_scheme = |id: &model::Id<'_>| {
            let v = id.value.trim();
            match id.scheme.map(str::trim).filter(|s| !s.is_empty()) {
                Some(s) => format!("{v} ({s})"),
                None => v.to_string(),
            }
        };
        let mut details = Vec::new();
        push(&mut details, l.vat_id, txt(p.vat_id.as_ref()));
        push(&mut details, l.tax_registration, txt(p.tax_reg_id.as_ref()));
        push(
            &mut details,
            l.legal_id,
            p.legal_id.as_ref().map(with_scheme),
        );
        for id in &p.ids {
            push(&mut details, l.party_id, Some(with_scheme(id)));
        }
        push(&mut details, l.legal_form, txt(p.legal_form.as_ref()));
        push(
            &mut details,
            l.endpoint,
            p.endpoint.as_ref().map(with_scheme),
        );
        if let Some(c) = &p.contact {
            push(&mut details, l.contact, txt(c.name.as_ref()));
            push(&mut details, l.phone, txt(c.phone.as_ref()));
            push(&mut details, l.email, txt(c.email.as_ref()));
        }
        PartyView {
            role,
            name,
            lines,
            details,
        }
    }

    fn allowance(&self, a: &AllowanceCharge<'_>) -> AllowanceView {
        let l = self.l;
        let reason = [txt(a.reason.as_ref()), txt(a.reason_code.as_ref())]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" / ");
        let base = match (
            self.percent(a.percentage.as_ref()),
            self.amount(a.base_amount.as_ref()),
        ) {
            (Some(p), Some(b)) => format!("{p} × {b}"),
            (Some(p), None) => p,
            (None, Some(b)) => b,
            (None, None) => String::new(),
        };
        AllowanceView {
            kind: if a.is_charge == Some(true) {
                l.charge
            } else {
                l.allowance
            },
            reason,
            base,
            amount: self.amount(a.amount.as_ref()).unwrap_or_default(),
            vat: self.vat(a.vat_category.as_ref(), a.vat_rate.as_ref()),
        }
    }

    fn line(&self, line: &model::Line<'_>) -> LineView {
        let l = self.l;
        let mut details = Vec::new();
        if let Some(d) = txt(line.item_description.as_ref()) {
            details.push(d);
        }
        let labelled = |label: &str, v: Option<String>| v.map(|v| format!("{label}: {v}"));
        details.extend(labelled(
            l.seller_item_id,
            txt(line.seller_item_id.as_ref()),
        ));
        details.extend(labelled(l.buyer_item_id, txt(line.buyer_item_id.as_ref())));
        details.extend(labelled(
            l.standard_item_id,
            line.standard_id
                .as_ref()
                .map(|i| i.value.trim().to_string()),
        ));
        details.extend(labelled(l.period, self.period(line.period.as_ref())));
        details.extend(labelled(l.order_line, txt(line.order_line_ref.as_ref())));
        details.extend(labelled(l.note, txt(line.note.as_ref())));
        for a in &line.allowances_charges {
            let v = self.allowance(a);
            let what = [v.reason, v.amount]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            details.push(format!("{}: {what}", v.kind));
        }
        let unit = line
            .quantity
            .as_ref()
            .and_then(|q| q.unit)
            .map(|u| labels::unit(self.lang, u.trim()));
        let quantity = match (self.plain(line.quantity.as_ref()), unit) {
            (Some(q), Some(u)) => format!("{q} {u}"),
            (Some(q), None) => q,
            _ => String::new(),
        };
        let mut price = self.amount(line.price.net.as_ref()).unwrap_or_default();
        if let Some(bq) = self.plain(line.price.base_quantity.as_ref()) {
            if line.price.base_quantity.as_ref().and_then(|b| b.value) != Some(Decimal::ONE) {
                price = format!("{price} / {bq}");
            }
        }
        LineView {
            id: txt(line.id.as_ref()).unwrap_or_default(),
            name: txt(line.item_name.as_ref()).unwrap_or_default(),
            details,
            quantity,
            price,
            net: self.amount(line.net_amount.as_ref()).unwrap_or_default(),
            vat: self.vat(line.vat_category.as_ref(), line.vat_rate.as_ref()),
        }
    }

    fn view(&self, inv: &Invoice<'_>, doc_type: DocumentType) -> View {
        let l = self.l;
        let type_code = txt(inv.type_code.as_ref());
        let title = match doc_type {
            DocumentType::Invoice => l.invoice,
            DocumentType::CreditNote => l.credit_note,
        }
        .to_string();
        let mut header = Vec::new();
        push(&mut header, l.number, txt(inv.number.as_ref()));
        push(
            &mut header,
            l.issue_date,
            self.date(inv.issue_date.as_ref()),
        );
        push(&mut header, l.due_date, self.date(inv.due_date.as_ref()));
        push(
            &mut header,
            l.type_code,
            type_code
                .as_deref()
                .map(|c| labels::type_code(self.lang, c)),
        );
        push(&mut header, l.currency, self.currency.clone());
        push(
            &mut header,
            l.tax_point_date,
            self.date(inv.tax_point_date.as_ref()),
        );
        push(&mut header, l.period, self.period(inv.period.as_ref()));
        push(
            &mut header,
            l.delivery_date,
            self.date(inv.delivery_date.as_ref()),
        );
        push(
            &mut header,
            l.delivery_country,
            txt(inv.delivery_country.as_ref()),
        );

        let mut references = Vec::new();
        push(
            &mut references,
            l.buyer_reference,
            txt(inv.buyer_reference.as_ref()),
        );
        push(&mut references, l.order, txt(inv.order_ref.as_ref()));
        push(
            &mut references,
            l.sales_order,
            txt(inv.sales_order_ref.as_ref()),
        );
        push(&mut references, l.contract, txt(inv.contract_ref.as_ref()));
        push(&mut references, l.project, txt(inv.project_ref.as_ref()));
        push(
            &mut references,
            l.despatch_advice,
            txt(inv.despatch_advice_ref.as_ref()),
        );
        push(
            &mut references,
            l.receiving_advice,
            txt(inv.receiving_advice_ref.as_ref()),
        );
        push(&mut references, l.tender, txt(inv.tender_ref.as_ref()));
        push(
            &mut references,
            l.invoiced_object,
            inv.invoiced_object
                .as_ref()
                .map(|i| i.value.trim().to_string()),
        );
        push(
            &mut references,
            l.accounting_reference,
            txt(inv.accounting_ref.as_ref()),
        );
        for (id, date) in &inv.preceding_invoices {
            let v = match (txt(id.as_ref()), self.date(date.as_ref())) {
                (Some(i), Some(d)) => Some(format!("{i} ({d})")),
                (i, _) => i,
            };
            push(&mut references, l.preceding_invoice, v);
        }

        let mut parties = vec![
            self.party(l.seller, &inv.seller),
            self.party(l.buyer, &inv.buyer),
        ];
        if let Some(p) = &inv.payee {
            parties.push(self.party(l.payee, p));
        }
        if let Some(p) = &inv.tax_representative {
            parties.push(self.party(l.tax_representative, p));
        }

        let vat = inv
            .vat_breakdown
            .iter()
            .map(|b| VatView {
                category: self.vat(b.category.as_ref(), b.rate.as_ref()),
                taxable: self.amount(b.taxable_amount.as_ref()).unwrap_or_default(),
                tax: self.amount(b.tax_amount.as_ref()).unwrap_or_default(),
                exemption: [
                    txt(b.exemption_reason.as_ref()),
                    txt(b.exemption_reason_code.as_ref()),
                ]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" / "),
            })
            .collect();

        let t = &inv.totals;
        let mut totals = Vec::new();
        push(&mut totals, l.line_total, self.amount(t.line_net.as_ref()));
        push(
            &mut totals,
            l.allowances_total,
            self.amount(t.allowances.as_ref()),
        );
        push(
            &mut totals,
            l.charges_total,
            self.amount(t.charges.as_ref()),
        );
        push(
            &mut totals,
            l.total_without_vat,
            self.amount(t.without_vat.as_ref()),
        );
        push(&mut totals, l.total_vat, self.amount(t.vat.as_ref()));
        push(
            &mut totals,
            l.total_vat_accounting,
            self.amount(t.vat_accounting.as_ref()),
        );
        push(
            &mut totals,
            l.total_with_vat,
            self.amount(t.with_vat.as_ref()),
        );
        push(&mut totals, l.prepaid, self.amount(t.prepaid.as_ref()));
        push(&mut totals, l.rounding, self.amount(t.rounding.as_ref()));
        push(&mut totals, l.payable, self.amount(t.payable.as_ref()));

        let mut payment = Vec::new();
        for pm in &inv.payment_means {
            let code = txt(pm.code.as_ref());
            let means = match (
                code.as_deref().map(|c| labels::payment_means(self.lang, c)),
                pm.code_name,
            ) {
                (Some(c), Some(n)) if !n.trim().is_empty() && n.trim() != c => {
                    Some(format!("{c} ({})", n.trim()))
                }
                (Some(c), _) => Some(c),
                (None, n) => n.map(|n| n.trim().to_string()),
            };
            push(&mut payment, l.payment_means, means);
            push(&mut payment, l.payment_id, txt(pm.remittance.as_ref()));
            for (account, name, bic) in &pm.accounts {
                push(&mut payment, l.account, txt(account.as_ref()));
                push(&mut payment, l.account_name, txt(name.as_ref()));
                push(&mut payment, l.bic, txt(bic.as_ref()));
            }
            push(&mut payment, l.card, txt(pm.card.as_ref()));
            push(&mut payment, l.mandate, txt(pm.mandate.as_ref()));
            push(
                &mut payment,
                l.debited_account,
                txt(pm.debited_account.as_ref()),
            );
        }
        push(
            &mut payment,
            l.payment_terms,
            txt(inv.payment_terms.as_ref()),
        );

        let attachments = inv
            .attachments
            .iter()
            .filter_map(|a| {
                let name = a
                    .filename
                    .map(|f| f.trim().to_string())
                    .filter(|f| !f.is_empty())
                    .or_else(|| txt(a.id.as_ref()))
                    .or_else(|| txt(a.uri.as_ref()))?;
                let mut parts = vec![name];
                if let Some(m) = a.mime.map(str::trim).filter(|m| !m.is_empty()) {
                    parts.push(format!("({m})"));
                }
                if let Some(u) = txt(a.uri.as_ref()).filter(|u| *u != parts[0]) {
                    parts.push(u);
                }
                Some(parts.join(" "))
            })
            .collect();

        View {
            l,
            title,
            number: txt(inv.number.as_ref()).unwrap_or_default(),
            header,
            references,
            parties,
            lines: inv.lines.iter().map(|line| self.line(line)).collect(),
            allowances: inv
                .allowances_charges
                .iter()
                .map(|a| self.allowance(a))
                .collect(),
            vat,
            totals,
            payment,
            notes: inv.notes.iter().filter_map(|n| txt(Some(n))).collect(),
            attachments,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_follow_the_language() {
        let nl = Formatter {
            lang: Lang::Nl,
            l: labels::labels(Lang::Nl),
            currency: None,
        };
        let en = Formatter {
            lang: Lang::En,
            l: labels::labels(Lang::En),
            currency: None,
        };
        let d = Decimal::new(-12345675, 3);
        assert_eq!(nl.number(d, 2), "-12.345,675");
        assert_eq!(en.number(d, 2), "-12,345.675");
        assert_eq!(en.number(Decimal::new(100, 0), 2), "100.00");
        assert_eq!(en.number(Decimal::new(1000000, 0), 0), "1,000,000");
        assert_eq!(nl.number(Decimal::new(5, 1), 0), "0,5");
    }
}
