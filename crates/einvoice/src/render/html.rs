//! The HTML rendering: one self-contained document, no scripts, no external resources,
//! no `style` attributes; all styling in one `<style>` element whose content is
//! [`STYLESHEET`], so a Content-Security-Policy can allow exactly its hash.

use super::{view, Field, Lang, RenderError, View};

/// The content of the rendering's only `<style>` element.
pub const STYLESHEET: &str = "\
body{font-family:Helvetica,Arial,sans-serif;font-size:14px;color:#1d1d1f;margin:0;background:#f4f4f6}\
main{max-width:960px;margin:24px auto;background:#fff;padding:32px;border:1px solid #ddd}\
h1{font-size:24px;margin:0 0 16px}\
h2{font-size:16px;margin:24px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}\
table{border-collapse:collapse;width:100%}\
th,td{text-align:left;vertical-align:top;padding:4px 8px 4px 0}\
th{font-weight:600;color:#555}\
td.num,th.num{text-align:right;white-space:nowrap}\
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:0}\
dt{color:#555}\
dd{margin:0}\
.parties{display:grid;grid-template-columns:repeat(auto-fit,minmax(260px,1fr));gap:16px}\
.party h2{margin-top:8px}\
.name{font-weight:600}\
.detail{color:#555;font-size:12px}\
.lines tbody tr{border-top:1px solid #eee}\
.totals{margin-left:auto;width:auto;min-width:50%}\
.totals tr.due td{font-weight:700;border-top:2px solid #1d1d1f}\
.note{white-space:pre-wrap}\
@media print{body{background:#fff}main{border:0;margin:0;max-width:none}}";

/// Escape text for HTML element content and quoted attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn fields(out: &mut String, items: &[Field]) {
    out.push_str("<dl>");
    for (label, value) in items {
        out.push_str(&format!("<dt>{}</dt><dd>{}</dd>", esc(label), esc(value)));
    }
    out.push_str("</dl>");
}

fn section(out: &mut String, title: &str) {
    out.push_str(&format!("<h2>{}</h2>", esc(title)));
}

/// Table header cells; `num` columns are right-aligned.
fn head(out: &mut String, cols: &[(&str, bool)]) {
    out.push_str("<thead><tr>");
    for (c, num) in cols {
        let class = if *num { " class=\"num\"" } else { "" };
        out.push_str(&format!("<th{class}>{}</th>", esc(c)));
    }
    out.push_str("</tr></thead>");
}

fn cell(out: &mut String, value: &str, num: bool) {
    let class = if num { " class=\"num\"" } else { "" };
    out.push_str(&format!("<td{class}>{}</td>", esc(value)));
}

fn write(v: &View) -> String {
    let l = v.l;
    let mut o = String::with_capacity(16 * 1024);
    let title = format!("{} {}", v.title, v.number);
    o.push_str(&format!(
        "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><style>{STYLESHEET}</style></head><body><main>",
        l.lang,
        esc(title.trim())
    ));
    o.push_str(&format!("<h1>{}</h1>", esc(title.trim())));
    fields(&mut o, &v.header);
    if !v.references.is_empty() {
        section(&mut o, l.references);
        fields(&mut o, &v.references);
    }
    o.push_str("<div class=\"parties\">");
    for p in &v.parties {
        o.push_str("<section class=\"party\">");
        section(&mut o, p.role);
        o.push_str(&format!("<div class=\"name\">{}</div>", esc(&p.name)));
        for line in &p.lines {
            o.push_str(&format!("<div>{}</div>", esc(line)));
        }
        fields(&mut o, &p.details);
        o.push_str("</section>");
    }
    o.push_str("</div>");

    section(&mut o, l.lines);
    o.push_str("<table class=\"lines\">");
    head(
        &mut o,
        &[
            (l.line_no, false),
            (l.description, false),
            (l.quantity, true),
            (l.price, true),
            (l.net_amount, true),
            (l.vat, true),
        ],
    );
    o.push_str("<tbody>");
    for line in &v.lines {
        o.push_str("<tr>");
        cell(&mut o, &line.id, false);
        o.push_str(&format!(
            "<td><div class=\"name\">{}</div>",
            esc(&line.name)
        ));
        for d in &line.details {
            o.push_str(&format!("<div class=\"detail\">{}</div>", esc(d)));
        }
        o.push_str("</td>");
        cell(&mut o, &line.quantity, true);
        cell(&mut o, &line.price, true);
        cell(&mut o, &line.net, true);
        cell(&mut o, &line.vat, true);
        o.push_str("</tr>");
    }
    o.push_str("</tbody></table>");

    if !v.allowances.is_empty() {
        section(&mut o, l.allowances_charges);
        o.push_str("<table>");
        head(
            &mut o,
            &[
                ("", false),
                (l.reason, false),
                (l.base, true),
                (l.amount, true),
                (l.vat, true),
            ],
        );
        o.push_str("<tbody>");
        for a in &v.allowances {
            o.push_str("<tr>");
            cell(&mut o, a.kind, false);
            cell(&mut o, &a.reason, false);
            cell(&mut o, &a.base, true);
            cell(&mut o, &a.amount, true);
            cell(&mut o, &a.vat, true);
            o.push_str("</tr>");
        }
        o.push_str("</tbody></table>");
    }

    if !v.vat.is_empty() {
        section(&mut o, l.vat_breakdown);
        o.push_str("<table>");
        head(
            &mut o,
            &[
                (l.category, false),
                (l.taxable_amount, true),
                (l.tax_amount, true),
                (l.exemption, false),
            ],
        );
        o.push_str("<tbody>");
        for b in &v.vat {
            o.push_str("<tr>");
            cell(&mut o, &b.category, false);
            cell(&mut o, &b.taxable, true);
            cell(&mut o, &b.tax, true);
            cell(&mut o, &b.exemption, false);
            o.push_str("</tr>");
        }
        o.push_str("</tbody></table>");
    }

    section(&mut o, l.totals);
    o.push_str("<table class=\"totals\"><tbody>");
    let last = v.totals.len().saturating_sub(1);
    for (i, (label, value)) in v.totals.iter().enumerate() {
        let class = if i == last && *label == l.payable {
            " class=\"due\""
        } else {
            ""
        };
        o.push_str(&format!(
            "<tr{class}><td>{}</td><td class=\"num\">{}</td></tr>",
            esc(label),
            esc(value)
        ));
    }
    o.push_str("</tbody></table>");

    if !v.payment.is_empty() {
        section(&mut o, l.payment);
        fields(&mut o, &v.payment);
    }
    if !v.notes.is_empty() {
        section(&mut o, l.notes);
        for n in &v.notes {
            o.push_str(&format!("<p class=\"note\">{}</p>", esc(n)));
        }
    }
    if !v.attachments.is_empty() {
        section(&mut o, l.attachments);
        o.push_str("<ul>");
        for a in &v.attachments {
            o.push_str(&format!("<li>{}</li>", esc(a)));
        }
        o.push_str("</ul>");
    }
    o.push_str("</main></body></html>\n");
    o
}

/// A complete HTML document showing the invoice or credit note (UBL, CII, or a hybrid PDF
/// with the XML embedded). Every value from the document is escaped.
pub fn render_html(bytes: &[u8], lang: Lang) -> Result<String, RenderError> {
    let _span = tracing::debug_span!("render_html", bytes = bytes.len(), ?lang).entered();
    view(bytes, lang).map(|v| write(&v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            esc("<script>alert('x')</script> & \"y\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;y&quot;"
        );
    }

    #[test]
    fn stylesheet_needs_nothing_from_outside() {
        assert!(!STYLESHEET.contains("url("));
        assert!(!STYLESHEET.contains("@import"));
        assert!(!STYLESHEET.contains('<'));
    }
}
