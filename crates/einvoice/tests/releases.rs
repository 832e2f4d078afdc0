//! Which rule-set releases a document gets: per layer the one in force on its issue date
//! (BT-2), the current one without a readable date, or the one the caller names; a Peppol or
//! NLCIUS release brings the CEN release its validator bundles. The report lists them.
#![allow(clippy::unwrap_used)]

use haven_einvoice::{
    validate, Profile, ReleaseId, Selection, Severity, ValidateOptions, ValidationReport,
};
use serde_json::json;

const UBL: &str = include_str!("fixtures/peppol-minimal.xml");
const CII: &str = include_str!("fixtures/cii-minimal.xml");

/// The Peppol fixture issued on `date`, without a due date: CEN 1.3.15 then reports BR-CO-25
/// (removed in 1.3.16), so the verdict shows which CEN release ran.
fn ubl_issued(date: &str) -> String {
    UBL.replacen("2025-03-01", date, 1)
        .replacen("  <cbc:DueDate>2025-03-31</cbc:DueDate>\n", "", 1)
}

fn run(xml: &str, profile: Option<Profile>, rule_set: Option<ReleaseId>) -> ValidationReport {
    validate(
        xml.as_bytes(),
        &ValidateOptions {
            required_profile: profile,
            rule_set,
            ..ValidateOptions::default()
        },
    )
}

fn has(r: &ValidationReport, id: &str) -> bool {
    r.findings.iter().any(|f| f.rule_id == id)
}

#[test]
fn the_fixture_without_a_due_date_differs_between_cen_releases() {
    assert!(UBL.contains("<cbc:IssueDate>2025-03-01</cbc:IssueDate>"));
    let xml = ubl_issued("2026-09-01");
    assert!(!xml.contains("DueDate") && !xml.contains("PaymentTerms"));
    let old = run(&xml, Some(Profile::En16931), Some(ReleaseId::Cen1_3_15));
    assert!(has(&old, "BR-CO-25"), "{:#?}", old.findings);
    let new = run(&xml, Some(Profile::En16931), Some(ReleaseId::Cen1_3_16));
    assert!(new.valid, "{:#?}", new.findings);
}

#[test]
fn cen_alone_changes_release_on_its_publication_date() {
    let before = run(&ubl_issued("2026-04-09"), Some(Profile::En16931), None);
    assert_eq!(before.rule_set_labels(), ["CEN 1.3.15"]);
    assert_eq!(before.rule_sets[0].selected_by, Selection::IssueDate);
    assert_eq!(before.rule_sets[0].note, None);
    assert!(has(&before, "BR-CO-25"));
    let after = run(&ubl_issued("2026-04-10"), Some(Profile::En16931), None);
    assert_eq!(after.rule_set_labels(), ["CEN 1.3.16"]);
    assert!(after.valid, "{:#?}", after.findings);
    // CII writes the date as format 102.
    let cii = |d: &str| run(&CII.replacen(">20260105<", d, 1), None, None);
    assert_eq!(cii(">20260409<").rule_set_labels(), ["CEN 1.3.15"]);
    assert_eq!(cii(">20260410<").rule_set_labels(), ["CEN 1.3.16"]);
}

#[test]
fn peppol_brings_the_cen_release_its_validator_bundles() {
    // Peppol 3.0.20 (mandatory 2026-02-23 .. 2026-08-23) bundles CEN 1.3.15; 3.0.21 bundles
    // 1.3.16. Haven implements the Peppol rules of 3.0.19 and says so.
    let before = run(&ubl_issued("2026-08-23"), None, None);
    assert_eq!(before.rule_set_labels(), ["CEN 1.3.15", "Peppol 3.0.19"]);
    assert_eq!(before.rule_sets[0].selected_by, Selection::Bundled);
    assert!(has(&before, "BR-CO-25"));
    let note = before.rule_sets[1].note.as_deref().unwrap();
    assert!(
        note.starts_with("Peppol BIS Billing 3.0.20 is in force on the issue date 2026-08-23"),
        "{note}"
    );
    let after = run(&ubl_issued("2026-08-24"), None, None);
    assert_eq!(after.rule_set_labels(), ["CEN 1.3.16", "Peppol 3.0.19"]);
    assert!(after.valid, "{:#?}", after.findings);
    // Under Peppol 3.0.19 itself (until 2026-02-22): its CEN 1.3.14.1 is not implemented.
    let r = run(&ubl_issued("2025-12-01"), None, None);
    assert_eq!(r.rule_set_labels(), ["CEN 1.3.15", "Peppol 3.0.19"]);
    assert_eq!(r.rule_sets[1].note, None);
    assert!(r.rule_sets[0]
        .note
        .as_deref()
        .unwrap()
        .starts_with("CEN 1.3.14.1 is bundled by Peppol BIS Billing 3.0.19"));
}

#[test]
fn nlcius_keeps_cen_1_3_15_whatever_the_date() {
    let nl = |date: &str| {
        ubl_issued(date).replace(
            "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0",
            "urn:cen.eu:en16931:2017#compliant#urn:fdc:nen.nl:nlcius:v1.0",
        )
    };
    for date in ["2019-06-01", "2025-12-01", "2026-02-23", "2030-01-01"] {
        let r = run(&nl(date), None, None);
        assert_eq!(
            r.rule_set_labels(),
            ["CEN 1.3.15", "SI-UBL 2.0.3.12"],
            "{date}"
        );
        assert!(has(&r, "BR-CO-25"), "{date}");
    }
}

#[test]
fn without_a_readable_issue_date_the_current_release_applies() {
    for xml in [
        UBL.replacen("<cbc:IssueDate>2025-03-01</cbc:IssueDate>", "", 1),
        UBL.replacen("2025-03-01", "2025-02-30", 1),
        UBL.replacen("2025-03-01", "1 March 2025", 1),
    ] {
        let r = run(&xml, None, None);
        assert_eq!(r.rule_set_labels(), ["CEN 1.3.16", "Peppol 3.0.19"]);
        assert_eq!(r.rule_sets[0].selected_by, Selection::Bundled);
        assert_eq!(r.rule_sets[1].selected_by, Selection::Current);
        assert!(r.rule_sets[1]
            .note
            .as_deref()
            .unwrap()
            .starts_with("Peppol BIS Billing 3.0.21 is the current release"));
    }
}

#[test]
fn a_named_release_overrides_the_issue_date() {
    let xml = ubl_issued("2026-09-01");
    let r = run(&xml, None, Some(ReleaseId::Cen1_3_15));
    assert_eq!(r.rule_set_labels(), ["CEN 1.3.15", "Peppol 3.0.19"]);
    assert_eq!(r.rule_sets[0].selected_by, Selection::Requested);
    assert_eq!(r.rule_sets[1].selected_by, Selection::IssueDate);
    assert!(has(&r, "BR-CO-25"));
    // A Peppol release brings its own CEN release.
    let r = run(&xml, None, Some(ReleaseId::Peppol3_0_19));
    assert_eq!(r.rule_set_labels(), ["CEN 1.3.15", "Peppol 3.0.19"]);
    assert_eq!(r.rule_sets[1].selected_by, Selection::Requested);
    // Not implemented: the nearest implemented one, with a note.
    let r = run(&xml, None, Some(ReleaseId::Peppol3_0_21));
    assert_eq!(r.rule_set_labels(), ["CEN 1.3.16", "Peppol 3.0.19"]);
    assert!(r.rule_sets[1]
        .note
        .as_deref()
        .unwrap()
        .starts_with("Peppol BIS Billing 3.0.21 is requested"));
}

#[test]
fn a_named_release_of_another_layer_is_refused() {
    let r = run(
        &ubl_issued("2026-09-01"),
        Some(Profile::En16931),
        Some(ReleaseId::Nlcius2_0_3_12),
    );
    assert!(!r.valid);
    assert!(r.rule_sets.is_empty());
    assert_eq!(r.findings.len(), 1);
    let f = &r.findings[0];
    assert_eq!(f.rule_id, "HAVEN-RULESET-NOT-APPLICABLE");
    assert_eq!(f.severity, Severity::Fatal);
    assert!(
        f.message.contains("nlcius-2.0.3.12") && f.message.ends_with("cen-1.3.15, cen-1.3.16"),
        "{}",
        f.message
    );
}

#[test]
fn the_report_lists_the_releases_and_findings_name_them() {
    let r = run(
        &ubl_issued("2026-09-01").replace("<cbc:Name>Dienst</cbc:Name>", ""),
        None,
        None,
    );
    let v = serde_json::to_value(&r).unwrap();
    assert_eq!(
        v["ruleSets"],
        json!([
            {"id": "cen-1.3.16", "name": "CEN", "version": "1.3.16", "selectedBy": "bundled"},
            {
                "id": "peppol-3.0.19",
                "name": "Peppol",
                "version": "3.0.19",
                "selectedBy": "issueDate",
                "note": "Peppol BIS Billing 3.0.21 is in force on the issue date 2026-09-01; Haven does not implement it and applied Peppol BIS Billing 3.0.19 instead"
            }
        ])
    );
    let labels = r.rule_set_labels();
    assert!(!r.findings.is_empty());
    for f in &r.findings {
        assert!(labels.contains(&f.rule_set), "{f:?}");
    }
}
