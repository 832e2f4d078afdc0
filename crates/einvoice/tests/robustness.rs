//! Never panic: random bytes and random mutations of a valid invoice go through `validate`.
#![allow(clippy::unwrap_used)]

use haven_einvoice::{validate, ValidateOptions};

const BASE: &str = include_str!("fixtures/peppol-minimal.xml");

/// Small deterministic PRNG (xorshift64*) so failures are reproducible without extra crates.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let opts = ValidateOptions::default();
    for _ in 0..2000 {
        let len = rng.below(300);
        let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        let r = validate(&bytes, &opts);
        assert!(!r.valid);
    }
}

#[test]
fn mutated_invoices_never_panic() {
    let mut rng = Rng(42);
    let opts = ValidateOptions::default();
    let alphabet = b"<>/&;=\"' :0123456789.-abcXYZ\n";
    for _ in 0..1500 {
        let mut bytes = BASE.as_bytes().to_vec();
        for _ in 0..1 + rng.below(8) {
            let at = rng.below(bytes.len());
            match rng.below(3) {
                0 => bytes[at] = alphabet[rng.below(alphabet.len())],
                1 => {
                    bytes.remove(at);
                }
                _ => bytes.insert(at, alphabet[rng.below(alphabet.len())]),
            }
        }
        let _ = validate(&bytes, &opts);
    }
}

#[test]
fn hostile_inputs_are_refused_cleanly() {
    let opts = ValidateOptions::default();
    let bomb = b"<?xml version=\"1.0\"?><!DOCTYPE l [<!ENTITY a \"aaaa\"><!ENTITY b \"&a;&a;&a;\">]><Invoice>&b;</Invoice>";
    let r = validate(bomb, &opts);
    assert_eq!(r.findings[0].rule_id, "HAVEN-XML-DOCTYPE");
    let xxe = b"<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><x>&e;</x>";
    assert_eq!(
        validate(xxe, &opts).findings[0].rule_id,
        "HAVEN-XML-DOCTYPE"
    );
    let deep = "<a>".repeat(10_000);
    assert_eq!(
        validate(deep.as_bytes(), &opts).findings[0].rule_id,
        "HAVEN-XML-LIMIT"
    );
    let r = validate(b"<Invoice>\n<broken></Invoice>", &opts);
    assert_eq!(r.findings[0].rule_id, "HAVEN-XML-MALFORMED");
    assert_eq!(r.findings[0].line, Some(2));
    let r = validate(b"<note>hi</note>", &opts);
    assert_eq!(r.findings[0].rule_id, "HAVEN-DOC-UNSUPPORTED");
}

/// No finding may be the engine's own internal error (a caught panic).
fn assert_no_internal(xml: &str, profile: Option<haven_einvoice::Profile>) {
    let r = validate(
        xml.as_bytes(),
        &ValidateOptions {
            required_profile: profile,
            ..ValidateOptions::default()
        },
    );
    assert!(
        !r.findings.iter().any(|f| f.rule_id == "HAVEN-INTERNAL"),
        "{:#?}",
        r.findings
    );
}

const MAX_DECIMAL: &str = "79228162514264337593543950335";

/// Found by fuzzing: two line amounts at the top of the decimal range made the sum in
/// BR-CO-10 overflow (`rules::sum`), and `xpath_round2` overflowed on `x * 100`.
#[test]
fn decimal_overflow_in_sums_is_not_a_panic() {
    let line_start = BASE.find("  <cac:InvoiceLine>").unwrap();
    let line_end = BASE.find("</Invoice>").unwrap();
    let line = BASE[line_start..line_end].replace(
        "<cbc:LineExtensionAmount currencyID=\"EUR\">200.00</cbc:LineExtensionAmount>",
        &format!(
            "<cbc:LineExtensionAmount currencyID=\"EUR\">{MAX_DECIMAL}</cbc:LineExtensionAmount>"
        ),
    );
    let two_huge_lines = format!("{}{line}{line}</Invoice>", &BASE[..line_start]);
    assert_no_internal(&two_huge_lines, None);
    let huge_total = BASE.replace(">242.00<", &format!(">{MAX_DECIMAL}<"));
    assert_no_internal(&huge_total, None);
    let tiny = BASE.replace(">2<", ">0.0000000000000000000000000001<");
    assert_no_internal(&tiny, None);
}

/// Found by the mutation fuzzer (a public NLCIUS sample with one VAT rate set to the
/// largest decimal): BR-CO-17 overflowed on taxable amount x rate.
#[test]
fn decimal_overflow_in_vat_rate_is_not_a_panic() {
    let huge_rate = BASE.replacen(">21<", &format!(">{MAX_DECIMAL}<"), 1);
    for p in [None, Some(haven_einvoice::Profile::NlciusCii)] {
        assert_no_internal(&huge_rate, p);
    }
}

/// Every amount, quantity and rate at the top (or bottom) of the decimal range: all rule
/// arithmetic goes through `rules::arith`, so nothing overflows into a panic.
#[test]
fn decimal_overflow_everywhere_is_not_a_panic() {
    let huge_everywhere = BASE
        .replace(">200.00<", &format!(">{MAX_DECIMAL}<"))
        .replace(">242.00<", &format!(">{MAX_DECIMAL}<"))
        .replace(">42.00<", &format!(">{MAX_DECIMAL}<"))
        .replace(">21<", &format!(">{MAX_DECIMAL}<"))
        .replace(">100.00<", &format!(">{MAX_DECIMAL}<"))
        .replace(">2<", &format!(">{MAX_DECIMAL}<"));
    for p in [None, Some(haven_einvoice::Profile::En16931)] {
        assert_no_internal(&huge_everywhere, p);
    }
    let negative = huge_everywhere.replace(MAX_DECIMAL, &format!("-{MAX_DECIMAL}"));
    assert_no_internal(&negative, None);
    // BR-CO-15 (rules/cen/calc.rs): net total + VAT total.
    let huge_tax = BASE.replacen(">42.00<", &format!(">{MAX_DECIMAL}<"), 2);
    assert_no_internal(&huge_tax, None);
}

/// Apply a few random byte edits.
fn mutate(rng: &mut Rng, base: &[u8]) -> Vec<u8> {
    let alphabet = b"<>/&;=\"' :0123456789.-abcXYZ\n";
    let mut bytes = base.to_vec();
    for _ in 0..1 + rng.below(8) {
        let at = rng.below(bytes.len());
        match rng.below(3) {
            0 => bytes[at] = alphabet[rng.below(alphabet.len())],
            1 => {
                bytes.remove(at);
            }
            _ => bytes.insert(at, alphabet[rng.below(alphabet.len())]),
        }
    }
    bytes
}

#[test]
fn mutated_invoices_render_or_fail_cleanly() {
    use haven_einvoice::{embedded_pdf, render_html, render_pdf, Lang};
    let mut rng = Rng(7);
    let mut rendered = 0;
    for i in 0..400 {
        let bytes = mutate(&mut rng, BASE.as_bytes());
        let lang = if i % 2 == 0 { Lang::Nl } else { Lang::En };
        if render_html(&bytes, lang).is_ok() {
            rendered += 1;
        }
        if let Ok(pdf) = render_pdf(&bytes, lang) {
            assert!(pdf.starts_with(b"%PDF-"));
        }
        assert_eq!(embedded_pdf(&bytes), None);
    }
    // Some edits leave a readable invoice; none rendering would mean the
    // loop tests nothing.
    assert!(rendered > 10, "{rendered}");
}

#[test]
fn mutated_invoice_responses_parse_or_fail_cleanly() {
    use haven_einvoice::invoice_response::{self as ir, ResponseCode};
    let response = ir::InvoiceResponse {
        id: "r1".into(),
        issue_date: "2026-12-03".into(),
        note: None,
        sender: ir::ResponseParty {
            endpoint: ir::Endpoint {
                scheme: "0106".into(),
                id: "12345678".into(),
            },
            name: "Koper".into(),
            identifier: None,
        },
        receiver: ir::ResponseParty {
            endpoint: ir::Endpoint {
                scheme: "0106".into(),
                id: "87654321".into(),
            },
            name: "Verkoper".into(),
            identifier: None,
        },
        code: ResponseCode::Ap,
        effective_date: None,
        clarifications: vec![],
        invoice: ir::InvoiceReference {
            id: "INV-1".into(),
            issue_date: None,
            type_code: "380".into(),
        },
    };
    let base = ir::build(&response).unwrap();
    let mut rng = Rng(11);
    let mut flagged = 0;
    for _ in 0..1000 {
        let bytes = mutate(&mut rng, base.as_bytes());
        let _ = ir::parse(&bytes);
        if !ir::validate_response(&bytes).is_empty() {
            flagged += 1;
        }
    }
    assert!(flagged > 100, "{flagged}");
}
