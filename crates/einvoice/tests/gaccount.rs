//! The Dutch G-account extension (BR-GA-0..7, G-account 1.0.2.12) on Haven's own minimal
//! G-account invoice, mutated per case: each rule fires on a broken variant and stays quiet
//! on the valid fixture.
#![allow(clippy::unwrap_used)]

use haven_einvoice::detect::{profile_from_customization, ProfileMatch, NLCIUS_ID};
use haven_einvoice::{validate, Profile, Severity, Syntax, ValidateOptions, ValidationReport};

const BASE: &str = include_str!("fixtures/gaccount-minimal.xml");
const PEPPOL: &str = include_str!("fixtures/peppol-minimal.xml");
const GA_ID: &str =
    "urn:cen.eu:en16931:2017#compliant#urn:fdc:nen.nl:nlcius:v1.0#conformant#urn:fdc:nen.nl:gaccount:v1.0";
const RULE_SET: &str = "G-account 1.0.2.12";

fn run(xml: &str, profile: Option<Profile>) -> ValidationReport {
    validate(
        xml.as_bytes(),
        &ValidateOptions {
            required_profile: profile,
            ..ValidateOptions::default()
        },
    )
}

/// Ids reported by the G-account rule set.
fn ga(r: &ValidationReport) -> Vec<&str> {
    r.findings
        .iter()
        .filter(|f| f.rule_set == RULE_SET)
        .map(|f| f.rule_id.as_str())
        .collect()
}

fn mutate(from: &str, to: &str) -> String {
    assert!(BASE.contains(from), "fixture does not contain {from}");
    BASE.replacen(from, to, 1)
}

const TERMS_GA: &str = "  <cac:PaymentTerms>
    <cbc:PaymentMeansID>GACCOUNT</cbc:PaymentMeansID>
    <cbc:Amount currencyID=\"EUR\">42.00</cbc:Amount>
  </cac:PaymentTerms>
";

const MEANS_GA: &str = "  <cac:PaymentMeans>
    <cbc:ID>GACCOUNT</cbc:ID>
    <cbc:PaymentMeansCode>30</cbc:PaymentMeansCode>
    <cac:PayeeFinancialAccount><cbc:ID>NL02INGB0990000001</cbc:ID></cac:PayeeFinancialAccount>
  </cac:PaymentMeans>
";

#[test]
fn fixture_is_valid_and_selects_the_extension() {
    let r = run(BASE, None);
    assert!(r.valid, "{:#?}", r.findings);
    assert!(
        r.findings.iter().all(|f| f.severity != Severity::Warning),
        "{:#?}",
        r.findings
    );
    assert_eq!(
        r.rule_set_labels(),
        ["CEN 1.3.15", "SI-UBL 2.0.3.12", "G-account 1.0.2.12"]
    );
    let info = r.document.unwrap();
    assert_eq!(info.detected_profile, Some(Profile::NlGaccount));
    assert_eq!(info.validated_profile, Some(Profile::NlGaccount));
    // Chosen explicitly, the same.
    let r = run(BASE, Some(Profile::NlGaccount));
    assert!(r.valid, "{:#?}", r.findings);
}

#[test]
fn detection_follows_the_official_selection() {
    let ubl = |id: &str| profile_from_customization(Some(id), Syntax::Ubl);
    assert_eq!(ubl(GA_ID), ProfileMatch::Known(Profile::NlGaccount));
    // Other extensions after the marker still select it (starts with NLCIUS, contains marker).
    assert_eq!(
        ubl(&format!("{GA_ID}#conformant#urn:example:more")),
        ProfileMatch::Known(Profile::NlGaccount)
    );
    assert_eq!(ubl(NLCIUS_ID), ProfileMatch::Known(Profile::NlciusUbl));
    // The marker on a non-NLCIUS identifier does not make it a G-account invoice.
    assert!(!matches!(
        ubl("urn:cen.eu:en16931:2017#conformant#urn:fdc:nen.nl:gaccount:v1.0"),
        ProfileMatch::Known(Profile::NlGaccount)
    ));
    // The extension is UBL only: in CII the identifier stays NLCIUS-CII.
    assert_eq!(
        profile_from_customization(Some(GA_ID), Syntax::Cii),
        ProfileMatch::Known(Profile::NlciusCii)
    );
    assert_eq!(
        "nlcius-gaccount".parse::<Profile>().unwrap(),
        Profile::NlGaccount
    );
    assert_eq!(
        Profile::NlGaccount.for_syntax(Syntax::Cii),
        Profile::NlciusCii
    );
    // A plain NLCIUS invoice is not checked against the extension.
    let plain = mutate(GA_ID, NLCIUS_ID);
    let r = run(&plain, None);
    assert_eq!(r.rule_set_labels(), ["CEN 1.3.15", "SI-UBL 2.0.3.12"]);
    assert!(ga(&r).is_empty());
}

#[test]
fn br_ga_0_customization_must_declare_the_extension() {
    assert!(!ga(&run(BASE, None)).contains(&"BR-GA-0"));
    // Only reachable when the extension is required explicitly.
    let r = run(&mutate(GA_ID, NLCIUS_ID), Some(Profile::NlGaccount));
    assert_eq!(ga(&r), vec!["BR-GA-0"]);
    assert!(!r.valid);
    let r = run(PEPPOL, Some(Profile::NlGaccount));
    assert!(ga(&r).contains(&"BR-GA-0"));
    // The Peppol identifier also fails the SI-UBL version check.
    assert!(r.findings.iter().any(|f| f.rule_id == "SI-V20-INV-R000"));
}

#[test]
fn br_ga_1_exactly_two_payment_terms() {
    assert!(!ga(&run(BASE, None)).contains(&"BR-GA-1"));
    let one = mutate(TERMS_GA, "");
    let r = run(&one, None);
    assert!(ga(&r).contains(&"BR-GA-1"), "{:?}", ga(&r));
    let three = mutate(TERMS_GA, &format!("{TERMS_GA}{TERMS_GA}"));
    assert!(ga(&run(&three, None)).contains(&"BR-GA-1"));
}

#[test]
fn br_ga_2_exactly_two_payment_instructions() {
    assert!(!ga(&run(BASE, None)).contains(&"BR-GA-2"));
    let one = mutate(MEANS_GA, "");
    let r = run(&one, None);
    assert!(ga(&r).contains(&"BR-GA-2"), "{:?}", ga(&r));
    let three = mutate(
        MEANS_GA,
        &format!("{MEANS_GA}{}", MEANS_GA.replace("GACCOUNT", "EXTRA")),
    );
    let r = run(&three, None);
    assert_eq!(ga(&r), vec!["BR-GA-2"]);
}

#[test]
fn br_ga_3_payment_amounts_add_up_to_amount_due() {
    assert!(!ga(&run(BASE, None)).contains(&"BR-GA-3"));
    let off = mutate(
        "<cbc:Amount currencyID=\"EUR\">42.00</cbc:Amount>",
        "<cbc:Amount currencyID=\"EUR\">41.99</cbc:Amount>",
    );
    let r = run(&off, None);
    assert_eq!(ga(&r), vec!["BR-GA-3"]);
    let f = r.findings.iter().find(|f| f.rule_id == "BR-GA-3").unwrap();
    assert_eq!(f.expected.as_deref(), Some("242"));
    assert_eq!(f.actual.as_deref(), Some("241.99"));
    // Trailing zeros and whitespace do not matter: it is a decimal comparison.
    let same = mutate(
        "<cbc:Amount currencyID=\"EUR\">42.00</cbc:Amount>",
        "<cbc:Amount currencyID=\"EUR\"> 42.0 </cbc:Amount>",
    );
    assert!(ga(&run(&same, None)).is_empty());
    // A payment term without an amount counts as nothing.
    let missing = mutate("<cbc:Amount currencyID=\"EUR\">42.00</cbc:Amount>", "");
    assert_eq!(ga(&run(&missing, None)), vec!["BR-GA-3"]);
    // An unreadable amount fails the rule instead of counting as zero.
    let junk = mutate(
        "<cbc:Amount currencyID=\"EUR\">42.00</cbc:Amount>",
        "<cbc:Amount currencyID=\"EUR\">4x</cbc:Amount>",
    );
    assert!(ga(&run(&junk, None)).contains(&"BR-GA-3"));
}

#[test]
fn br_ga_4_each_term_references_one_instruction() {
    assert!(!ga(&run(BASE, None)).contains(&"BR-GA-4"));
    let none = mutate("<cbc:PaymentMeansID>GACCOUNT</cbc:PaymentMeansID>", "");
    assert_eq!(ga(&run(&none, None)), vec!["BR-GA-4"]);
    let two = mutate(
        "<cbc:PaymentMeansID>GACCOUNT</cbc:PaymentMeansID>",
        "<cbc:PaymentMeansID>GACCOUNT</cbc:PaymentMeansID><cbc:PaymentMeansID>REGULAR</cbc:PaymentMeansID>",
    );
    assert_eq!(ga(&run(&two, None)), vec!["BR-GA-4"]);
}

#[test]
fn br_ga_5_each_instruction_has_one_id() {
    assert!(!ga(&run(BASE, None)).contains(&"BR-GA-5"));
    let none = mutate("<cbc:ID>REGULAR</cbc:ID>", "");
    let r = run(&none, None);
    // The REGULAR reference then points nowhere as well.
    assert_eq!(ga(&r), vec!["BR-GA-6", "BR-GA-5"]);
    let two = mutate(
        "<cbc:ID>REGULAR</cbc:ID>",
        "<cbc:ID>REGULAR</cbc:ID><cbc:ID>OTHER</cbc:ID>",
    );
    assert_eq!(ga(&run(&two, None)), vec!["BR-GA-5"]);
}

#[test]
fn br_ga_6_references_must_exist() {
    assert!(!ga(&run(BASE, None)).contains(&"BR-GA-6"));
    let dangling = mutate(
        "<cbc:PaymentMeansID>REGULAR</cbc:PaymentMeansID>",
        "<cbc:PaymentMeansID>NOPE</cbc:PaymentMeansID>",
    );
    let r = run(&dangling, None);
    assert_eq!(ga(&r), vec!["BR-GA-6"]);
    let f = r.findings.iter().find(|f| f.rule_id == "BR-GA-6").unwrap();
    assert!(f.message.contains("NOPE"), "{}", f.message);
    // Exact comparison, as in the official artefact.
    let case = mutate(
        "<cbc:PaymentMeansID>REGULAR</cbc:PaymentMeansID>",
        "<cbc:PaymentMeansID>regular</cbc:PaymentMeansID>",
    );
    assert_eq!(ga(&run(&case, None)), vec!["BR-GA-6"]);
}

#[test]
fn br_ga_7_exactly_one_gaccount_instruction() {
    assert!(!ga(&run(BASE, None)).contains(&"BR-GA-7"));
    // No instruction named GACCOUNT (references renamed along, so only BR-GA-7 fires).
    let none = BASE.replace(">GACCOUNT<", ">BLOCKED<");
    assert_eq!(ga(&run(&none, None)), vec!["BR-GA-7"]);
    // Two of them.
    let two = mutate("<cbc:ID>REGULAR</cbc:ID>", "<cbc:ID>GACCOUNT</cbc:ID>");
    let r = run(&two, None);
    assert!(ga(&r).contains(&"BR-GA-7"), "{:?}", ga(&r));
    // Padded text is not the identifier.
    let padded = BASE.replace(">GACCOUNT<", "> GACCOUNT <");
    assert!(ga(&run(&padded, None)).contains(&"BR-GA-7"));
}

#[test]
fn credit_notes_are_only_checked_on_the_identifier() {
    // The official structural rules have an Invoice context; a CreditNote only gets BR-GA-0.
    let cn = BASE
        .replace(
            "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
            "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
        )
        .replace("<Invoice ", "<CreditNote ")
        .replace("</Invoice>", "</CreditNote>")
        .replace("InvoiceTypeCode", "CreditNoteTypeCode")
        .replace(">380<", ">381<")
        .replace(TERMS_GA, "");
    let r = run(&cn, None);
    assert_eq!(
        r.document.as_ref().unwrap().detected_profile,
        Some(Profile::NlGaccount)
    );
    assert!(ga(&r).is_empty(), "{:?}", ga(&r));
}

#[test]
fn every_rule_is_registered_with_its_official_severity() {
    use haven_einvoice::rules::registry::{implemented, RuleSet};
    let rules = implemented(RuleSet::NlGaccount, Syntax::Ubl);
    let ids: Vec<&str> = rules.iter().map(|r| r.id).collect();
    assert_eq!(
        ids,
        ["BR-GA-0", "BR-GA-1", "BR-GA-2", "BR-GA-3", "BR-GA-4", "BR-GA-5", "BR-GA-6", "BR-GA-7"]
    );
    assert!(rules.iter().all(|r| r.severity == Severity::Fatal));
    assert!(implemented(RuleSet::NlGaccount, Syntax::Cii).is_empty());
    assert_eq!(RuleSet::NlGaccount.label(), "G-account 1.0.2.12");
}
