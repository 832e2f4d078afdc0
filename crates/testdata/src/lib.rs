//! Where the tests find the public invoice corpus, and what they do when it is missing.
//!
//! The corpus is not part of this repository. `HAVEN_TESTDATA` names its `invoices` folder;
//! without it the checkout next to this repository's is used. A test that needs the corpus
//! skips when it is absent, except under CI (`CI` set, and not `false` or `0`): there a missing
//! corpus fails the test, so that CI can never pass without having run it.
//!
//! Every crate's tests find the corpus through here, so its place is written once.

use std::path::{Path, PathBuf};

/// The corpus's `invoices` folder (holding `expected.json`), wherever it is.
#[must_use]
pub fn invoices_path() -> PathBuf {
    match std::env::var("HAVEN_TESTDATA") {
        Ok(p) => PathBuf::from(p),
        Err(_) => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata/invoices"),
    }
}

/// Whether the tests run under CI.
#[must_use]
pub fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// `dir` when it holds `marker`; otherwise `None` (skip) or, under CI, a failure.
///
/// # Panics
/// Under CI when `marker` is missing: the test must not pass without the corpus.
#[must_use]
pub fn required(test: &str, dir: PathBuf, marker: &str) -> Option<PathBuf> {
    if dir.join(marker).exists() {
        return Some(dir);
    }
    assert!(
        !under_ci(),
        "{test}: the corpus is required under CI but {} is missing (set HAVEN_TESTDATA)",
        dir.join(marker).display()
    );
    println!(
        "{test}: corpus not found at {} (set HAVEN_TESTDATA); skipping",
        dir.display()
    );
    None
}

/// The invoice corpus (with `expected.json`), or `None` when a test should skip.
///
/// # Panics
/// Under CI when the corpus is missing.
#[must_use]
pub fn invoices(test: &str) -> Option<PathBuf> {
    required(test, invoices_path(), "expected.json")
}

/// The official rule id tables (`*.tsv`), next to the invoice corpus.
///
/// # Panics
/// Under CI when they are missing.
#[must_use]
pub fn rule_tables(test: &str) -> Option<PathBuf> {
    required(
        test,
        invoices_path().join("../rules"),
        "CEN-EN16931-UBL-1.3.16.tsv",
    )
}

/// The files under `dir` (recursively) whose names end in `extension` (case-insensitive),
/// relative to `dir` with `/` separators, sorted.
#[must_use]
pub fn files_with_extension(dir: &Path, extension: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                todo.push(path);
            } else if path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| e.eq_ignore_ascii_case(extension))
            {
                if let Ok(relative) = path.strip_prefix(dir) {
                    let parts: Vec<_> = relative
                        .components()
                        .map(|c| c.as_os_str().to_string_lossy().into_owned())
                        .collect();
                    found.push(parts.join("/"));
                }
            }
        }
    }
    found.sort();
    found
}
