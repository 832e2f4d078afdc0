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
