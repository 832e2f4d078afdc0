//! A stable-toolchain mutation fuzzer for `validate()` and `transform()` (no nightly, no
//! sanitizers): real invoices (Haven's fixtures, plus the public corpus when present) are
//! mutated with bit flips, truncations, splices, element duplication and deletion, and
//! hostile values in text and attributes, then fed to both entry points under
//! `catch_unwind` with a per-input time limit.
//!
//! Ignored by default. Run it in release mode for a while:
//!
//! ```text
//! HAVEN_FUZZ_SECS=600 cargo test --release -p haven-einvoice --test mutation_fuzz -- --ignored --nocapture
//! ```
//!
//! Inputs that panic, report `HAVEN-INTERNAL` or take longer than `HAVEN_FUZZ_SLOW_MS`
//! (default 2000) are written to `$HAVEN_FUZZ_OUT` (default: the system temp dir) and fail
//! the test. `HAVEN_FUZZ_SEED` makes a run reproducible.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use haven_einvoice::{transform, validate, Profile, Syntax, ValidateOptions};

/// Where the last panic happened (set by the quiet panic hook; `validate` swallows the
/// panic itself and only reports `HAVEN-INTERNAL`).
static LAST_PANIC: Mutex<Option<String>> = Mutex::new(None);

fn take_last_panic() -> String {
    LAST_PANIC
        .lock()
        .ok()
        .and_then(|mut g| g.take())
        .unwrap_or_else(|| "?".to_string())
}

/// xorshift64*: reproducible without extra crates.
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
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
}

const HOSTILE: &[&str] = &[
    "",
    " ",
    "0",
    "-0",
    "+1",
    "-1",
    ".5",
    "5.",
    "1e3",
    "NaN",
    "INF",
    "-INF",
    "79228162514264337593543950335",
    "-79228162514264337593543950335",
    "79228162514264337593543950336",
    "0.0000000000000000000000000001",
    "0.00000000000000000000000000001",
    "99999999999999999999999999999999999999",
    "1.005",
    "-0.005",
    "2025-02-30",
    "20250230",
    "9999-99-99",
    "GACCOUNT",
    "NL",
    "S",
    "AE",
    "O",
    "380",
    "381",
    "384",
    "0106",
    "9944",
    "urn:cen.eu:en16931:2017#compliant#urn:fdc:nen.nl:nlcius:v1.0#conformant#urn:fdc:nen.nl:gaccount:v1.0",
    "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0",
    "urn:cen.eu:en16931:2017#compliant#urn:fdc:nen.nl:nlcius:v1.0",
    "urn:cen.eu:en16931:2017",
    "&amp;&lt;&#x10FFFF;",
    "\u{1F600}\u{0301}ß",
    "<![CDATA[x]]>",
];

fn corpus() -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = Vec::new();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let testdata = haven_testdata::invoices_path();
    let mut files = Vec::new();
    collect(&fixtures, &mut files);
    collect(&testdata, &mut files);
    files.sort();
    for f in files {
        if let Ok(b) = std::fs::read(&f) {
            if b.len() <= 4_000_000 {
                out.push(b);
            }
        }
    }
    out
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out);
        } else if p
            .extension()
            .is_some_and(|x| x.eq_ignore_ascii_case("xml") || x.eq_ignore_ascii_case("pdf"))
        {
            out.push(p);
        }
    }
}

/// Byte ranges of elements `<x ...>...</x>` found by a cheap scan (good enough to cut,
/// duplicate and move whole elements; malformed results are welcome too).
fn element_at(b: &[u8], rng: &mut Rng) -> Option<(usize, usize)> {
    for _ in 0..8 {
        let start = rng.below(b.len());
        let open = start + b[start..].iter().position(|&c| c == b'<')?;
        let name_end = open
            + 1
            + b[open + 1..]
                .iter()
                .position(|&c| c == b'>' || c == b' ' || c == b'/')?;
        let name = &b[open + 1..name_end];
        if name.is_empty() || matches!(name[0], b'/' | b'?' | b'!') {
            continue;
        }
        let mut close = b"</".to_vec();
        close.extend_from_slice(name);
        close.push(b'>');
        if let Some(p) = b[name_end..].windows(close.len()).position(|w| w == close) {
            return Some((open, name_end + p + close.len()));
        }
    }
    None
}

/// Byte range of the text between `>` and the next `<` (element text), or of an
/// attribute value between quotes.
fn value_at(b: &[u8], rng: &mut Rng) -> Option<(usize, usize)> {
    let start = rng.below(b.len());
    if rng.below(2) == 0 {
        let gt = start + b[start..].iter().position(|&c| c == b'>')? + 1;
        let lt = gt + b[gt..].iter().position(|&c| c == b'<')?;
        Some((gt, lt))
    } else {
        let q = start + b[start..].iter().position(|&c| c == b'"')? + 1;
        let e = q + b[q..].iter().position(|&c| c == b'"')?;
        Some((q, e))
    }
}

fn mutate(base: &[u8], other: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut b = base.to_vec();
    for _ in 0..1 + rng.below(4) {
        if b.is_empty() {
            b.extend_from_slice(other);
            continue;
        }
        match rng.below(10) {
            0 => {
                let at = rng.below(b.len());
                b[at] ^= 1 << rng.below(8);
            }
            1 => {
                let at = rng.below(b.len());
                b.truncate(at);
            }
            2 => {
                // Splice: a prefix of this document with a suffix of another.
                let at = rng.below(b.len());
                let from = rng.below(other.len().max(1));
                b.truncate(at);
                b.extend_from_slice(other.get(from..).unwrap_or_default());
            }
            3 | 4 => {
                if let Some((s, e)) = element_at(&b, rng) {
                    let el = b[s..e].to_vec();
                    let times = *rng.pick(&[1usize, 1, 2, 5, 50]);
                    for _ in 0..times {
                        b.splice(e..e, el.iter().copied());
                    }
                }
            }
            5 => {
                if let Some((s, e)) = element_at(&b, rng) {
                    b.drain(s..e);
                }
            }
            6 => {
                // Move an element of another document into this one.
                if let Some((s, e)) = element_at(other, rng) {
                    let at = rng.below(b.len());
                    if let Some(gt) = b[at..].iter().position(|&c| c == b'>') {
                        let p = at + gt + 1;
                        b.splice(p..p, other[s..e].iter().copied());
                    }
                }
            }
            7 | 8 => {
                if let Some((s, e)) = value_at(&b, rng) {
                    let v = rng.pick(HOSTILE).as_bytes().to_vec();
                    b.splice(s..e, v);
                }
            }
            _ => {
                let at = rng.below(b.len());
                let tok = rng.pick(&["<", ">", "&", "\"", "</a>", "<a>", "\u{0}", "\r\n"]);
                b.splice(at..at, tok.bytes());
            }
        }
    }
    b
}

const PROFILES: [Option<Profile>; 6] = [
    None,
    Some(Profile::En16931),
    Some(Profile::PeppolBis3),
    Some(Profile::NlciusUbl),
    Some(Profile::NlciusCii),
    Some(Profile::NlGaccount),
];

/// Run everything on one input; `Err` describes a failure.
fn exercise(input: &[u8], profile: Option<Profile>) -> Result<(), String> {
    let r =
        catch_unwind(AssertUnwindSafe(|| {
            let report = validate(
                input,
                &ValidateOptions {
                    required_profile: profile,
                    ..ValidateOptions::default()
                },
            );
            if report
                .findings
                .iter()
                .any(|f| f.rule_id == "HAVEN-INTERNAL")
            {
                return Err(format!("validate: panic at {}", take_last_panic()));
            }
            for target in [Syntax::Ubl, Syntax::Cii] {
                if let Ok(out) = transform(input, target) {
                    let back = validate(
                        &out,
                        &ValidateOptions {
                            required_profile: Some(Profile::En16931),
                            ..ValidateOptions::default()
                        },
                    );
                    if back.findings.iter().any(|f| {
                        f.rule_id.starts_with("HAVEN-XML") || f.rule_id == "HAVEN-INTERNAL"
                    }) {
                        return Err(format!("transform to {target:?} wrote unreadable output"));
                    }
                }
            }
            Ok(())
        }));
    match r {
        Ok(x) => x,
        Err(_) => Err(format!("transform: panic at {}", take_last_panic())),
    }
}

#[test]
#[ignore = "long-running; see the module docs"]
fn mutation_fuzz() {
    let secs: u64 = std::env::var("HAVEN_FUZZ_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    let slow = Duration::from_millis(
        std::env::var("HAVEN_FUZZ_SLOW_MS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(2000),
    );
    let seed: u64 = std::env::var("HAVEN_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5EED_1234_ABCD);
    let out_dir =
        std::env::var("HAVEN_FUZZ_OUT").map_or_else(|_| std::env::temp_dir(), PathBuf::from);
    let corpus = corpus();
    assert!(!corpus.is_empty());
    let mut rng = Rng(seed | 1);
    let deadline = Instant::now() + Duration::from_secs(secs);
    let mut execs = 0u64;
    // Distinct problems (panic location, or "slow"): first input and how often seen.
    let mut failures: BTreeMap<String, (String, u64)> = BTreeMap::new();
    let mut slowest = Duration::ZERO;
    // Quiet the default hook; remember where each panic happened instead.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|info| {
        let at = info
            .location()
            .map_or_else(|| "?".to_string(), |l| format!("{}:{}", l.file(), l.line()));
        let msg = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if let Ok(mut g) = LAST_PANIC.lock() {
            *g = Some(format!("{at} ({msg})"));
        }
    }));
    while Instant::now() < deadline {
        let base = rng.pick(&corpus);
        let other = rng.pick(&corpus);
        let input = mutate(base, other, &mut rng);
        let profile = *rng.pick(&PROFILES);
        let t = Instant::now();
        let res = exercise(&input, profile);
        let took = t.elapsed();
        slowest = slowest.max(took);
        execs += 1;
        let problem = match res {
            Err(e) => Some(e),
            Ok(()) if took > slow => Some("slow input".to_string()),
            Ok(()) => None,
        };
        if let Some(p) = problem {
            let seen = failures.entry(p).or_insert_with(|| {
                let path = out_dir.join(format!("haven-fuzz-{seed:x}-{execs}.bin"));
                let _ = std::fs::write(&path, &input);
                (format!("{profile:?} {took:?} -> {}", path.display()), 0)
            });
            seen.1 += 1;
        }
    }
    std::panic::set_hook(hook);
    println!(
        "mutation_fuzz: {execs} inputs (x validate + 2 transforms) in {secs}s from {} seeds, slowest {slowest:?}, {} distinct problems",
        corpus.len(),
        failures.len()
    );
    let list: Vec<String> = failures
        .iter()
        .map(|(p, (first, n))| format!("{p}: {n}x, first {first}"))
        .collect();
    assert!(failures.is_empty(), "{}", list.join("\n"));
}
