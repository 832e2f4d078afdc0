//! POST /api/v1/validate and /api/v1/transform: bad input gets a clear 4xx or a report with
//! one fatal finding, never a 500.

use serde_json::Value;

use crate::helpers::{assert_error_body, spawn_app, TestApp};

/// Our own fixture: a small valid Peppol BIS 3 invoice.
fn valid_invoice() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../einvoice/tests/fixtures/peppol-minimal.xml"
    ))
    .unwrap()
}

/// A signed-in user's token (the document tools need an authenticated caller).
async fn token(app: &TestApp) -> String {
    if let Some(token) = app.cached_token.get() {
        return token.clone();
    }
    let token = app.register_admin("tools@example.com").await.token;
    let _ = app.cached_token.set(token.clone());
    token
}

async fn post_validate(
    app: &TestApp,
    query: &str,
    content_type: &str,
    body: Vec<u8>,
) -> reqwest::Response {
    let token = token(app).await;
    app.client
        .post(app.url(&format!("/api/v1/validate{query}")))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
}

fn fatal_ids(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "fatal")
        .map(|f| f["ruleId"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_valid_peppol_invoice_gets_a_valid_report_with_the_rule_set_versions() {
    let app = spawn_app().await;

    let response = post_validate(&app, "", "application/xml", valid_invoice()).await;

    assert_eq!(response.status().as_u16(), 200);
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["valid"], true, "{report}");
    // The fixture is issued 2025-03-01, before Peppol 3.0.19 was mandatory: 3.0.19 and the CEN
    // release its validator bundles (1.3.14.1, not implemented: 1.3.15).
    assert_eq!(
        rule_sets(&report),
        [
            ["cen-1.3.15", "CEN", "1.3.15"],
            ["peppol-3.0.19", "Peppol", "3.0.19"]
        ]
    );
    assert_eq!(report["ruleSets"][0]["selectedBy"], "bundled");
    assert_eq!(report["ruleSets"][1]["selectedBy"], "issueDate");
    assert!(report["ruleSets"][1]["note"]
        .as_str()
        .unwrap()
        .contains("2025-03-01"));
}

/// `[id, name, version]` of each rule set the report lists.
fn rule_sets(report: &Value) -> Vec<[String; 3]> {
    report["ruleSets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let field = |k: &str| s[k].as_str().unwrap().to_owned();
            [field("id"), field("name"), field("version")]
        })
        .collect()
}

#[tokio::test]
async fn a_named_rule_set_overrides_the_issue_date() {
    let app = spawn_app().await;

    let response = post_validate(
        &app,
        "?ruleset=cen-1.3.16",
        "application/xml",
        valid_invoice(),
    )
    .await;

    assert_eq!(response.status().as_u16(), 200);
    let report: Value = response.json().await.unwrap();
    assert_eq!(
        rule_sets(&report),
        [
            ["cen-1.3.16", "CEN", "1.3.16"],
            ["peppol-3.0.19", "Peppol", "3.0.19"]
        ]
    );
    assert_eq!(report["ruleSets"][0]["selectedBy"], "requested");
    let findings = report["findings"].as_array().unwrap();
    assert!(
        findings.iter().all(|f| f["ruleSet"] != "CEN 1.3.15"),
        "{report}"
    );
}

#[tokio::test]
async fn an_unknown_or_unimplemented_rule_set_is_a_field_error() {
    let app = spawn_app().await;

    for (query, code) in [
        ("?ruleset=cen-9.9", "unknown_ruleset"),
        ("?ruleset=peppol-3.0.21", "ruleset_not_implemented"),
    ] {
        let response = post_validate(&app, query, "application/xml", valid_invoice()).await;

        let body = assert_error_body(response, 400, "validation_failed").await;
        assert_eq!(body["details"][0]["field"], "ruleset", "{query}");
        assert_eq!(body["details"][0]["code"], code, "{query}");
        let message = body["details"][0]["message"].as_str().unwrap();
        assert!(
            message.contains("cen-1.3.15, cen-1.3.16, peppol-3.0.19, nlcius-2.0.3.12"),
            "{message}"
        );
    }
}

#[tokio::test]
async fn a_rule_set_of_another_layer_gets_one_fatal_finding() {
    let app = spawn_app().await;

    let report: Value = post_validate(
        &app,
        "?profile=en16931&ruleset=nlcius-2.0.3.12",
        "application/xml",
        valid_invoice(),
    )
    .await
    .json()
    .await
    .unwrap();

    assert_eq!(report["valid"], false);
    assert_eq!(fatal_ids(&report), ["HAVEN-RULESET-NOT-APPLICABLE"]);
    assert_eq!(report["ruleSets"], serde_json::json!([]));
}

#[tokio::test]
async fn the_rule_set_catalogue_lists_every_release() {
    let app = spawn_app().await;
    let token = token(&app).await;

    let response = app
        .client
        .get(app.url("/api/v1/rulesets"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();

    assert_eq!(response.status().as_u16(), 200);
    let list: Value = response.json().await.unwrap();
    let list = list.as_array().unwrap();
    let entry = |id: &str| list.iter().find(|r| r["id"] == id).unwrap().clone();
    assert_eq!(
        entry("peppol-3.0.19"),
        serde_json::json!({
            "id": "peppol-3.0.19",
            "layer": "peppol",
            "name": "Peppol BIS Billing",
            "version": "3.0.19",
            "effectiveFrom": "2025-08-25",
            "effectiveUntil": "2026-02-22",
            "bundles": "cen-1.3.14.1",
            "implemented": true
        })
    );
    assert_eq!(entry("peppol-3.0.21")["implemented"], false);
    assert!(entry("cen-1.3.16").get("effectiveUntil").is_none());
    assert_eq!(list.iter().filter(|r| r["implemented"] == true).count(), 4);

    let anonymous = app
        .client
        .get(app.url("/api/v1/rulesets"))
        .send()
        .await
        .unwrap();
    assert_error_body(anonymous, 401, "unauthenticated").await;
}

#[tokio::test]
async fn a_calculation_error_is_reported_with_rule_id_term_location_and_values() {
    let app = spawn_app().await;
    let broken = String::from_utf8(valid_invoice()).unwrap().replacen(
        "<cbc:PayableAmount currencyID=\"EUR\">",
        "<cbc:PayableAmount currencyID=\"EUR\">9",
        1,
    );

    let report: Value = post_validate(&app, "", "application/xml", broken.into_bytes())
        .await
        .json()
        .await
        .unwrap();

    assert_eq!(report["valid"], false);
    let finding = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["ruleId"] == "BR-CO-16")
        .unwrap_or_else(|| panic!("BR-CO-16 in {report}"));
    assert_eq!(finding["severity"], "fatal");
    assert!(
        finding["location"]
            .as_str()
            .unwrap()
            .contains("PayableAmount"),
        "{finding}"
    );
    assert!(
        finding["expected"].is_string() && finding["actual"].is_string(),
        "{finding}"
    );
}

#[tokio::test]
async fn the_document_can_be_sent_as_a_multipart_file() {
    let app = spawn_app().await;
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(valid_invoice()).file_name("invoice.xml"),
    );

    let response = app
        .client
        .post(app.url("/api/v1/validate"))
        .bearer_auth(token(&app).await)
        .multipart(form)
        .send()
        .await
        .unwrap();

    assert_eq!(response.status().as_u16(), 200);
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["valid"], true, "{report}");
}

#[tokio::test]
async fn a_multipart_body_without_a_file_part_is_400() {
    let app = spawn_app().await;
    let form = reqwest::multipart::Form::new().text("note", "no file here");

    let response = app
        .client
        .post(app.url("/api/v1/validate"))
        .bearer_auth(token(&app).await)
        .multipart(form)
        .send()
        .await
        .unwrap();

    let body = assert_error_body(response, 400, "bad_request").await;
    assert_eq!(body["details"][0]["field"], "file");
}

#[tokio::test]
async fn a_required_profile_is_applied_besides_the_declared_one() {
    let app = spawn_app().await;

    let report: Value = post_validate(&app, "?profile=nlcius", "application/xml", valid_invoice())
        .await
        .json()
        .await
        .unwrap();

    let names: Vec<_> = rule_sets(&report).into_iter().map(|[_, n, _]| n).collect();
    assert_eq!(names, ["CEN", "SI-UBL"], "{report}");
}

#[tokio::test]
async fn an_unknown_profile_is_a_field_error() {
    let app = spawn_app().await;

    let response =
        post_validate(&app, "?profile=martian", "application/xml", valid_invoice()).await;

    let body = assert_error_body(response, 400, "validation_failed").await;
    assert_eq!(body["details"][0]["field"], "profile");
    assert_eq!(body["details"][0]["code"], "unknown_profile");
}

#[tokio::test]
async fn bad_documents_get_one_fatal_finding_never_a_500() {
    let app = spawn_app().await;
    let deep = format!("{}{}", "<a>".repeat(10_000), "</a>".repeat(10_000));
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("not xml", b"this is not xml".to_vec()),
        (
            "html",
            b"<!DOCTYPE html><html><body>hi</body></html>".to_vec(),
        ),
        (
            "doctype with entity",
            b"<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e \"boom\">]><Invoice>&e;</Invoice>"
                .to_vec(),
        ),
        (
            "wrong namespace",
            b"<Invoice xmlns=\"urn:example:not-ubl\"><ID>1</ID></Invoice>".to_vec(),
        ),
        ("truncated", valid_invoice()[..400].to_vec()),
        ("deep nesting", deep.into_bytes()),
        ("a pdf without an invoice", b"%PDF-1.4\n%%EOF\n".to_vec()),
    ];
    for (name, body) in cases {
        let response = post_validate(&app, "", "application/xml", body).await;
        assert_eq!(response.status().as_u16(), 200, "{name}");
        let report: Value = response.json().await.unwrap();
        assert_eq!(report["valid"], false, "{name}: {report}");
        assert_eq!(
            fatal_ids(&report).len(),
            1,
            "{name}: exactly one fatal finding in {report}"
        );
    }
}

#[tokio::test]
async fn an_empty_body_is_400() {
    let app = spawn_app().await;

    let response = post_validate(&app, "", "application/xml", Vec::new()).await;

    let body = assert_error_body(response, 400, "bad_request").await;
    assert_eq!(body["details"][0]["code"], "empty_body");
}

#[tokio::test]
async fn an_unsupported_content_type_is_415() {
    let app = spawn_app().await;

    let response = post_validate(&app, "", "application/json", b"{}".to_vec()).await;

    assert_error_body(response, 415, "unsupported_media_type").await;
}

#[tokio::test]
async fn a_30_megabyte_document_is_413() {
    let app = spawn_app().await;

    let response = post_validate(&app, "", "application/xml", vec![b' '; 30 * 1024 * 1024]).await;

    assert_error_body(response, 413, "payload_too_large").await;
}

#[tokio::test]
async fn transform_needs_a_known_target() {
    let app = spawn_app().await;

    let token = token(&app).await;
    let response = app
        .client
        .post(app.url("/api/v1/transform?target=pdf"))
        .bearer_auth(token)
        .header("content-type", "application/xml")
        .body(valid_invoice())
        .send()
        .await
        .unwrap();

    let body = assert_error_body(response, 400, "validation_failed").await;
    assert_eq!(body["details"][0]["field"], "target");
}

#[tokio::test]
async fn transform_of_something_that_is_not_an_invoice_is_422() {
    let app = spawn_app().await;

    let token = token(&app).await;
    let response = app
        .client
        .post(app.url("/api/v1/transform?target=cii"))
        .bearer_auth(token)
        .header("content-type", "application/xml")
        .body("<note>hello</note>")
        .send()
        .await
        .unwrap();

    let body = assert_error_body(response, 422, "unprocessable").await;
    assert_eq!(body["details"][0]["code"], "not_an_invoice");
}

#[tokio::test]
async fn a_valid_ubl_invoice_converts_to_cii_that_validates() {
    let app = spawn_app().await;
    let token = token(&app).await;

    let response = app
        .client
        .post(app.url("/api/v1/transform?target=cii"))
        .bearer_auth(&token)
        .header("content-type", "application/xml")
        .body(valid_invoice())
        .send()
        .await
        .unwrap();

    assert_eq!(response.status().as_u16(), 200);
    let cii = response.bytes().await.unwrap().to_vec();
    assert!(String::from_utf8_lossy(&cii).contains("CrossIndustryInvoice"));
    let report: Value = app
        .client
        .post(app.url("/api/v1/validate"))
        .bearer_auth(&token)
        .header("content-type", "application/xml")
        .body(cii)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(report["valid"], true, "{report}");
}

#[tokio::test]
async fn the_document_tools_need_an_authenticated_caller() {
    let app = spawn_app().await;

    for path in ["/api/v1/validate", "/api/v1/transform?target=cii"] {
        let response = app
            .client
            .post(app.url(path))
            .header("content-type", "application/xml")
            .body(valid_invoice())
            .send()
            .await
            .unwrap();
        assert_error_body(response, 401, "unauthenticated").await;
    }
}

#[tokio::test]
async fn a_conversion_says_what_it_could_not_carry() {
    let app = spawn_app().await;
    let token = token(&app).await;
    // Our fixture with a UBL extension, which CII has no place for.
    let source = String::from_utf8(valid_invoice()).unwrap();
    let with_extension = source.replacen(
        "<cbc:CustomizationID>",
        "<ext:UBLExtensions xmlns:ext=\"urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2\"><ext:UBLExtension><ext:ExtensionContent><Note xmlns=\"urn:example:haven\">x</Note></ext:ExtensionContent></ext:UBLExtension></ext:UBLExtensions><cbc:CustomizationID>",
        1,
    );
    assert_ne!(source, with_extension, "the fixture has a CustomizationID");

    let as_json: Value = app
        .client
        .post(app.url("/api/v1/transform?target=cii"))
        .bearer_auth(&token)
        .header("content-type", "application/xml")
        .header("accept", "application/json")
        .body(with_extension.clone())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let as_xml = app
        .client
        .post(app.url("/api/v1/transform?target=cii"))
        .bearer_auth(&token)
        .header("content-type", "application/xml")
        .body(with_extension)
        .send()
        .await
        .unwrap();

    assert!(as_json["document"]
        .as_str()
        .unwrap()
        .contains("CrossIndustryInvoice"));
    let not_carried = as_json["notCarried"].as_array().unwrap();
    assert!(
        not_carried.iter().any(|n| n["kind"] == "extension"),
        "{not_carried:?}"
    );
    assert_eq!(as_xml.status().as_u16(), 200);
    let count: usize = as_xml.headers()["haven-not-carried"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(count, not_carried.len());
}
