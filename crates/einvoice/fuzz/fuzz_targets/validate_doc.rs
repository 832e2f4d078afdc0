//! Whole documents into `validate`, once with the declared profile and once with a profile
//! forced by the input length, so that every rule set (CEN, Peppol, SI-UBL, G-account,
//! NLCIUS-CII) sees every document that parses. Seed the corpus with real invoices.
//!
//! `validate` catches panics itself and reports `HAVEN-INTERNAL`; the panic hook installed
//! by libfuzzer-sys aborts first, so a panic anywhere is a crash here. The assertions below
//! also hold the report to its contract.
#![no_main]

use haven_einvoice::{validate, Profile, Severity, ValidateOptions, ValidationReport};
use libfuzzer_sys::fuzz_target;

const PROFILES: [Profile; 9] = [
    Profile::PeppolBis3,
    Profile::NlciusUbl,
    Profile::NlciusCii,
    Profile::NlGaccount,
    Profile::En16931,
    Profile::XRechnung,
    Profile::FacturXBasic,
    Profile::FacturXExtended,
    Profile::Zugferd1,
];

fn check(r: &ValidationReport) {
    assert!(
        !r.findings.iter().any(|f| f.rule_id == "HAVEN-INTERNAL"),
        "internal error"
    );
    let fatal = r.findings.iter().any(|f| f.severity == Severity::Fatal);
    assert_eq!(r.valid, !fatal, "valid flag disagrees with the findings");
    // The report must serialise (the API sends it as JSON).
    assert!(serde_json::to_vec(r).is_ok());
}

fuzz_target!(|data: &[u8]| {
    check(&validate(data, &ValidateOptions::default()));
    let forced = PROFILES[data.len() % PROFILES.len()];
    check(&validate(
        data,
        &ValidateOptions {
            required_profile: Some(forced),
            ..ValidateOptions::default()
        },
    ));
});
