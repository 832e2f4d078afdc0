//! XRechnung documents (KoSIT's CIUS of EN 16931), in UBL and CII, of every release's
//! specification identifier: recognised as XRechnung and validated against the EN 16931 core
//! rules (Haven has no German national rule set), never refused as an unknown profile.
#![allow(clippy::unwrap_used)]

use haven_einvoice::{validate, Profile, Severity, Syntax, ValidateOptions, ValidationReport};

const UBL: &str = include_str!("fixtures/peppol-minimal.xml");
const CII: &str = include_str!("fixtures/cii-minimal.xml");
const PEPPOL_ID: &str =
    "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0";

/// BT-24 of XRechnung from 1.0 to 3.0, with and without the XRechnung extension.
const XRECHNUNG_IDS: &[&str] = &[
    "urn:cen.eu:en16931:2017:compliant:xoev-de:kosit:standard:xrechnung_1.1",
    "urn:cen.eu:en16931:2017#compliant#urn:xoev-de:kosit:standard:xrechnung_1.2",
    "urn:cen.eu:en16931:2017#compliant#urn:xoev-de:kosit:standard:xrechnung_2.1",
    "urn:cen.eu:en16931:2017#compliant#urn:xoev-de:kosit:standard:xrechnung_2.2#conformant#urn:xoev-de:kosit:extension:xrechnung_2.2",
    "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_2.3",
    "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0",
    "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0#conformant#urn:xeinkauf.de:kosit:extension:xrechnung_3.0",
];

/// The minimal UBL or CII fixture declaring `id` as its specification identifier.
fn declaring(syntax: Syntax, id: &str) -> String {
    match syntax {
        Syntax::Ubl => UBL.replace(PEPPOL_ID, id),
        Syntax::Cii => CII.replace(
            "<ram:ID>urn:cen.eu:en16931:2017</ram:ID>",
            &format!("<ram:ID>{id}</ram:ID>"),
        ),
    }
}

fn assert_xrechnung(report: &ValidationReport, case: &str) {
    let document = report.document.as_ref().unwrap();
    assert_eq!(
        document.detected_profile,
        Some(Profile::XRechnung),
        "{case}"
    );
    assert_eq!(
        document.validated_profile,
        Some(Profile::XRechnung),
        "{case}"
    );
    assert!(
        report
            .findings
            .iter()
            .all(|f| f.rule_id != "HAVEN-PROFILE-UNKNOWN"),
        "{case}: {:?}",
        report.findings
    );
    // Only the EN 16931 core rules ran, and the report says that the German rules did not.
    assert_eq!(
        report.rule_set_labels().len(),
        1,
        "{case}: {:?}",
        report.rule_sets
    );
    assert_eq!(report.rule_sets[0].name, "CEN", "{case}");
    let partial = report
        .findings
        .iter()
        .find(|f| f.rule_id == "HAVEN-PROFILE-PARTIAL")
        .unwrap_or_else(|| panic!("{case}: {:?}", report.findings));
    assert_eq!(partial.severity, Severity::Information);
    assert!(partial.message.contains("XRechnung"), "{}", partial.message);
}

#[test]
fn xrechnung_of_every_release_is_recognised_in_ubl_and_cii() {
    for syntax in [Syntax::Ubl, Syntax::Cii] {
        for id in XRECHNUNG_IDS {
            let xml = declaring(syntax, id);
            assert!(xml.contains(id), "the fixture declares {id}");
            let report = validate(xml.as_bytes(), &ValidateOptions::default());
            let case = format!("{syntax:?} {id}");
            assert_xrechnung(&report, &case);
            assert_eq!(report.document.as_ref().unwrap().syntax, syntax);
            assert!(report.valid, "{case}: {:?}", report.findings);
        }
    }
}

/// The check is of the rules, not a pass for anything that says XRechnung: a document
/// breaking an EN 16931 rule is still refused.
#[test]
fn an_xrechnung_breaking_an_en16931_rule_is_invalid() {
    let id = XRECHNUNG_IDS[1];
    let broken = declaring(Syntax::Ubl, id)
        .replace("<cbc:IssueDate>", "<cbc:IssueDateX>")
        .replace("</cbc:IssueDate>", "</cbc:IssueDateX>");
    let report = validate(broken.as_bytes(), &ValidateOptions::default());
    assert_xrechnung(&report, id);
    assert!(!report.valid);
    assert!(report.findings.iter().any(|f| f.rule_id == "BR-03"));
}

/// Unknown identifiers that merely resemble XRechnung stay unknown.
#[test]
fn look_alikes_are_not_xrechnung() {
    let id = "urn:cen.eu:en16931:2017#compliant#urn:example.de:xrechnung_3.0";
    let report = validate(
        declaring(Syntax::Ubl, id).as_bytes(),
        &ValidateOptions::default(),
    );
    assert_eq!(report.document.unwrap().detected_profile, None);
    assert!(report
        .findings
        .iter()
        .any(|f| f.rule_id == "HAVEN-PROFILE-UNKNOWN"));
}

/// The corpus's XRechnung samples: `invalidXRechnung.pdf` (mustangproject) declares
/// XRechnung 1.2 and is recognised as such, with the EN 16931 verdict of the official CEN
/// artefacts (`expected.json`; it is "invalid" only under the German rules, which Haven does
/// not apply). `XRechnung-O.xml` (CEN examples) declares plain EN 16931.
#[test]
fn the_corpus_xrechnung_samples_are_recognised() {
    let Some(corpus) = haven_testdata::invoices("the_corpus_xrechnung_samples_are_recognised")
    else {
        return;
    };
    let expected: serde_json::Value =
        serde_json::from_slice(&std::fs::read(corpus.join("expected.json")).unwrap()).unwrap();
    let file = "mustangproject/validator/src/test/resources/invalidXRechnung.pdf";
    let report = validate(
        &std::fs::read(corpus.join(file)).unwrap(),
        &ValidateOptions::default(),
    );
    assert_xrechnung(&report, file);
    let document = report.document.as_ref().unwrap();
    assert!(document
        .customization_id
        .as_deref()
        .unwrap()
        .contains("xrechnung_1.2"));
    let official_fatal = expected[file]["CEN-1.3.16"]["fatal"]
        .as_array()
        .map_or(0, Vec::len);
    assert_eq!(report.valid, official_fatal == 0, "{:?}", report.findings);

    let file = "eInvoicing-EN16931/cii/examples/XRechnung-O.xml";
    let report = validate(
        &std::fs::read(corpus.join(file)).unwrap(),
        &ValidateOptions::default(),
    );
    let document = report.document.as_ref().unwrap();
    assert_eq!(document.detected_profile, Some(Profile::En16931));
    assert_eq!(document.syntax, Syntax::Cii);
}
