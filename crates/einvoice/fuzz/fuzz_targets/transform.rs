//! `transform` to both syntaxes. Whatever converts must be well-formed, detectable XML that
//! validates without an internal error and converts back without panicking.
#![no_main]

use haven_einvoice::{transform, validate, Profile, Syntax, ValidateOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for (to, back) in [(Syntax::Ubl, Syntax::Cii), (Syntax::Cii, Syntax::Ubl)] {
        let Ok(out) = transform(data, to) else {
            continue;
        };
        let r = validate(
            &out,
            &ValidateOptions {
                required_profile: Some(Profile::En16931),
                ..ValidateOptions::default()
            },
        );
        assert!(
            !r.findings.iter().any(|f| f.rule_id.starts_with("HAVEN-")
                && f.rule_id != "HAVEN-PROFILE-PARTIAL"),
            "converted output is not a readable invoice: {:?}",
            r.findings.iter().map(|f| &f.rule_id).collect::<Vec<_>>()
        );
        assert_eq!(r.document.map(|d| d.syntax), Some(to));
        let _ = transform(&out, back);
    }
});
