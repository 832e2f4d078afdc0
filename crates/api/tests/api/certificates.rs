//! The installation's own Peppol certificates: operators see each with the days it has left,
//! and a daily check writes a warning for each that expires soon or has expired to the
//! installation's audit log, which only operators read.

use std::time::Duration;

use haven_peppol::testing::Ca;
use reqwest::Method;
use serde_json::Value;

use crate::helpers::{
    assert_error_body, spawn_app, spawn_app_with, As4Files, Options, SmpFiles, TestApp,
};

const OPERATOR: &str = "operator@haven.test";

/// An installation whose access point certificate ends in 10 days and whose SMP certificate
/// has ended.
async fn app_with_ageing_certificates() -> (TestApp, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let ap_ca = Ca::new("HAVEN TEST AP CA");
    let ap = ap_ca.leaf_ending_in("PXX000002", 10);
    let smp = Ca::new("HAVEN TEST SMP CA").leaf("PXX000001", None, true);
    let path = |name: &str| dir.path().join(name);
    for (name, text) in [
        ("ap-key.pem", ap.key_pem()),
        ("ap.pem", ap.pem.clone()),
        ("ap-ca.pem", ap_ca.pem.clone()),
        ("smp-key.pem", smp.key_pem()),
        ("smp.pem", smp.pem.clone()),
    ] {
        std::fs::write(path(name), text).unwrap();
    }
    let app = spawn_app_with(Options {
        peppol_as4: Some(As4Files {
            key_file: path("ap-key.pem"),
            certificate_file: path("ap.pem"),
            trust_file: path("ap-ca.pem"),
        }),
        peppol_smp: Some(SmpFiles {
            key_file: path("smp-key.pem"),
            certificate_file: path("smp.pem"),
            ap_certificate_file: path("ap.pem"),
            as4_url: "https://ap.haven.test/as4".into(),
        }),
        ..Options::default()
    })
    .await;
    (app, dir)
}

async fn get(app: &TestApp, path: &str, token: &str) -> (u16, Value) {
    let response = app.send(Method::GET, path, None, token).await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The installation's certificate warnings, waiting until `count` are there.
async fn installation_events(app: &TestApp, token: &str, count: usize) -> Vec<Value> {
    for _ in 0..400 {
        let (status, page) = get(app, "/api/v1/operator/audit-events", token).await;
        assert_eq!(status, 200, "{page}");
        let items: Vec<Value> = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"].as_str().unwrap().starts_with("peppol."))
            .cloned()
            .collect();
        if items.len() >= count {
            return items;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("fewer than {count} installation audit events appeared");
}

#[tokio::test]
async fn operators_see_how_long_each_certificate_has_left() {
    let (app, _dir) = app_with_ageing_certificates().await;
    let operator = app.register_admin(OPERATOR).await;
    let (status, list) = get(&app, "/api/v1/operator/certificates", &operator.token).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["warningDays"], 30);
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{list}");
    let ap = &items[0];
    assert_eq!(ap["purpose"], "access_point");
    assert_eq!(ap["subject"], "CN=PXX000002");
    assert_eq!(ap["issuer"], "CN=HAVEN TEST AP CA");
    assert_eq!(ap["state"], "expires_soon");
    let left = ap["daysLeft"].as_i64().unwrap();
    assert!((9..=10).contains(&left), "{ap}");
    let smp = &items[1];
    assert_eq!(smp["purpose"], "smp");
    assert_eq!(smp["state"], "expired");
    assert_eq!(smp["notAfter"], "2020-01-01T00:00:00Z");
    assert!(smp["daysLeft"].as_i64().unwrap() < -2000, "{smp}");
}

#[tokio::test]
async fn the_daily_check_warns_once_in_the_installation_audit_log() {
    let (app, _dir) = app_with_ageing_certificates().await;
    let operator = app.register_admin(OPERATOR).await;
    let events = installation_events(&app, &operator.token, 2).await;
    let mut actions: Vec<(String, String)> = events
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_owned(),
                e["details"]["purpose"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    actions.sort();
    assert_eq!(
        actions,
        [
            ("peppol.certificate_expired".into(), "smp".into()),
            (
                "peppol.certificate_expires_soon".into(),
                "access_point".into()
            ),
        ]
    );
    let soon = events
        .iter()
        .find(|e| e["action"] == "peppol.certificate_expires_soon")
        .unwrap();
    assert_eq!(soon["targetType"], "certificate");
    assert_eq!(soon["details"]["subject"], "CN=PXX000002");

    // Tomorrow's check is queued; today's does not run again (one warning a day).
    let (_, jobs) = get(
        &app,
        "/api/v1/operator/jobs?kind=check_certificates",
        &operator.token,
    )
    .await;
    let statuses: Vec<&str> = jobs["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["status"].as_str().unwrap())
        .collect();
    assert!(statuses.contains(&"queued"), "{jobs}");
    assert_eq!(statuses.len(), 2, "{jobs}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(installation_events(&app, &operator.token, 2).await.len(), 2);

    // The environment's own audit log does not carry installation events.
    let (_, own) = get(
        &app,
        "/api/v1/audit-events?action=peppol.certificate_expired",
        &operator.token,
    )
    .await;
    assert_eq!(own["items"], serde_json::json!([]), "{own}");
}

#[tokio::test]
async fn only_operators_see_certificates_and_the_installation_audit_log() {
    let (app, _dir) = app_with_ageing_certificates().await;
    let admin = app.register_admin("admin@customer.test").await;
    for path in [
        "/api/v1/operator/certificates",
        "/api/v1/operator/audit-events",
    ] {
        let response = app.send(Method::GET, path, None, &admin.token).await;
        assert_error_body(response, 404, "not_found").await;
        let anonymous = app.get(path).await;
        assert_error_body(anonymous, 401, "unauthenticated").await;
    }
    let operator = app.register_admin(OPERATOR).await;
    let (status, body) = get(
        &app,
        "/api/v1/operator/audit-events?limit=0",
        &operator.token,
    )
    .await;
    assert_eq!(status, 400, "{body}");
}

#[tokio::test]
async fn without_peppol_there_is_nothing_to_watch() {
    let app = spawn_app().await;
    let operator = app.register_admin(OPERATOR).await;
    let (status, list) = get(&app, "/api/v1/operator/certificates", &operator.token).await;
    assert_eq!(status, 200);
    assert_eq!(list["items"], serde_json::json!([]));
    let (_, jobs) = get(
        &app,
        "/api/v1/operator/jobs?kind=check_certificates",
        &operator.token,
    )
    .await;
    assert_eq!(jobs["items"], serde_json::json!([]), "no check is queued");
}
