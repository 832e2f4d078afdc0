//! The built `haven` binary as an operator runs it: configured by environment and file,
//! serving HTTP, and stopping cleanly on SIGTERM.
#![allow(clippy::unwrap_used)]

use std::{path::PathBuf, process::Command};

use haven_e2e::{haven_bin, Running};
use haven_persistence::testing::TestDatabase;

#[tokio::test]
async fn the_binary_serves_the_api_on_the_configured_port_and_database() {
    let db = TestDatabase::new().await;
    let server = Running::start(&db, &[]).await;

    let ready = reqwest::get(server.url("/api/ready")).await.unwrap();
    let info: serde_json::Value = reqwest::get(server.url("/api/v1/system/info"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    assert_eq!(ready.status().as_u16(), 200);
    assert_eq!(info["database"], db.backend_name());
}

#[tokio::test]
async fn sigterm_stops_the_server_cleanly_and_closes_the_pool() {
    let db = TestDatabase::new().await;
    let mut server = Running::start(&db, &[]).await;

    let status = server.terminate();
    let log = server.stderr();

    assert!(status.success(), "exit status {status}; log:\n{log}");
    assert!(log.contains("closing the database pool"), "log:\n{log}");
}

#[tokio::test]
async fn unknown_settings_are_warned_about_and_secrets_never_logged() {
    let db = TestDatabase::new().await;
    let secret = "do-not-log-this-secret-0123456789abcdef";
    let mut server = Running::start(
        &db,
        &[
            ("HAVEN_LSITEN", "x"),
            ("HAVEN_JWT_SECRET", secret),
            ("HAVEN_LOG_LEVEL", "debug"),
        ],
    )
    .await;

    server.terminate();
    let log = server.stderr();

    assert!(
        log.contains("ignoring unknown setting HAVEN_LSITEN"),
        "log:\n{log}"
    );
    assert!(
        !log.contains(secret),
        "the signing key leaked into the log:\n{log}"
    );
}

#[tokio::test]
async fn a_config_file_can_switch_to_json_logs() {
    let db = TestDatabase::new().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("haven.toml");
    std::fs::write(&file, "log_format = \"json\"\n").unwrap();
    let mut server = Running::start(&db, &[("HAVEN_CONFIG", file.to_str().unwrap())]).await;

    reqwest::get(server.url("/api/health")).await.unwrap();
    server.terminate();
    let log = server.stderr();

    let access_line = log
        .lines()
        .find(|line| line.contains("request handled"))
        .unwrap_or_else(|| panic!("no access log line in:\n{log}"));
    let entry: serde_json::Value = serde_json::from_str(access_line).unwrap();
    assert_eq!(entry["status"], 200);
    assert!(
        entry["request_id"].is_string() || entry["span"]["request_id"].is_string(),
        "{entry}"
    );
}

#[test]
fn openapi_check_accepts_the_committed_document() {
    let committed = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../openapi/openapi.json");

    let status = Command::new(haven_bin())
        .args(["openapi", "--check", "--output"])
        .arg(&committed)
        .status()
        .unwrap();

    assert!(status.success());
}

#[test]
fn openapi_check_rejects_a_stale_document() {
    let dir = tempfile::tempdir().unwrap();
    let stale = dir.path().join("openapi.json");
    std::fs::write(&stale, "{}\n").unwrap();

    let output = Command::new(haven_bin())
        .args(["openapi", "--check", "--output"])
        .arg(&stale)
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("stale"));
}

#[test]
fn an_invalid_configuration_exits_with_status_2_and_says_why() {
    let output = Command::new(haven_bin())
        .env("HAVEN_PORT", "not-a-port")
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("invalid configuration"));
}

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../crates/einvoice/tests/fixtures/peppol-minimal.xml")
}

#[test]
fn validate_exits_0_for_a_valid_invoice_and_prints_the_rule_sets() {
    let output = Command::new(haven_bin())
        .arg("validate")
        .arg(fixture())
        .output()
        .unwrap();

    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    // Issued 2025-03-01: Peppol 3.0.19 with the CEN release its validator bundles (1.3.14.1,
    // which Haven does not implement: the nearest, 1.3.15, with a note).
    assert!(
        stdout.contains("valid (CEN 1.3.15 + Peppol 3.0.19)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("note    CEN 1.3.14.1 is bundled by"),
        "{stdout}"
    );
}

#[test]
fn validate_applies_the_rule_set_named_with_ruleset() {
    let output = Command::new(haven_bin())
        .args(["validate", "--ruleset", "cen-1.3.16"])
        .arg(fixture())
        .output()
        .unwrap();

    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("valid (CEN 1.3.16 + Peppol 3.0.19)"),
        "{stdout}"
    );

    let output = Command::new(haven_bin())
        .args(["validate", "--json", "--ruleset", "cen-1.3.16"])
        .arg(fixture())
        .output()
        .unwrap();
    let reports: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let first = &reports[0]["report"]["ruleSets"][0];
    assert_eq!(first["id"], "cen-1.3.16");
    assert_eq!(first["selectedBy"], "requested");
}

#[test]
fn validate_refuses_an_unknown_rule_set_and_lists_the_known_ones() {
    for (name, says) in [
        ("cen-0.1", "unknown rule set"),
        ("peppol-3.0.21", "rule set not implemented"),
    ] {
        let output = Command::new(haven_bin())
            .args(["validate", "--ruleset", name])
            .arg(fixture())
            .output()
            .unwrap();

        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(says), "{stderr}");
        assert!(
            stderr.contains("cen-1.3.15, cen-1.3.16, peppol-3.0.19, nlcius-2.0.3.12"),
            "{stderr}"
        );
    }
}

#[test]
fn validate_exits_1_for_an_invalid_invoice_and_names_the_rule() {
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.xml");
    let text = std::fs::read_to_string(fixture()).unwrap().replacen(
        "<cbc:PayableAmount currencyID=\"EUR\">",
        "<cbc:PayableAmount currencyID=\"EUR\">9",
        1,
    );
    std::fs::write(&broken, text).unwrap();

    let output = Command::new(haven_bin())
        .arg("validate")
        .arg(&broken)
        .output()
        .unwrap();

    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("INVALID") && stdout.contains("BR-CO-16"),
        "{stdout}"
    );
}

#[test]
fn validate_json_output_is_one_array_of_reports() {
    let output = Command::new(haven_bin())
        .args(["validate", "--json"])
        .arg(fixture())
        .arg(fixture())
        .output()
        .unwrap();

    let reports: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(reports.as_array().unwrap().len(), 2);
    assert_eq!(reports[0]["report"]["valid"], true);
}

#[test]
fn validate_exits_2_when_a_file_cannot_be_read() {
    let output = Command::new(haven_bin())
        .args(["validate", "/nonexistent/invoice.xml"])
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("could not read"));
}
