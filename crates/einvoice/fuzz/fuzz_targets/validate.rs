//! `cargo +nightly fuzz run validate` from crates/einvoice: any input must give a report, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = haven_einvoice::validate(data, &haven_einvoice::ValidateOptions::default());
});
