//! The Peppol Directory: the business card Haven's SMP serves for published, listed
//! participants, and the calls to a fake Directory indexer (HTTPS on 127.0.0.1 requiring the
//! SMP certificate as client certificate, fetching the card back from the SMP on every
//! index call), on SQLite and PostgreSQL.

use std::time::Duration;

use haven_peppol::{
    publisher::BUSINESS_CARD_NAMESPACE,
    testing::{Ca, DirectoryCall, DirectoryServer},
};
use reqwest::Method;
use serde_json::{json, Value};

use crate::{
    exchange::{active_party, receive_on, BUYER_CONTACT, BUYER_KVK},
    helpers::{assert_error_body, spawn_app_with, Options, Session, SmpFiles, TestApp},
};

const SMP_CN: &str = "PXX000001";

pub(crate) struct Directory {
    pub(crate) app: TestApp,
    pub(crate) directory: DirectoryServer,
    _dir: tempfile::TempDir,
}

/// An app serving its SMP (certificate `PXX000001` of a test SMP CA) and telling a fake
/// Directory, which accepts clients of that CA and reads cards back from the app's SMP.
pub(crate) async fn app_with_directory() -> Directory {
    let dir = tempfile::tempdir().unwrap();
    let smp_ca = Ca::new("HAVEN TEST SMP CA");
    let smp = smp_ca.leaf(SMP_CN, None, false);
    let ap = Ca::new("HAVEN TEST AP CA").leaf("PXX000002", None, false);
    let tls_ca = Ca::new("HAVEN TEST DIRECTORY TLS CA");
    let directory = DirectoryServer::start(&tls_ca, &smp_ca.der).await;
    let files = SmpFiles {
        key_file: dir.path().join("smp-key.pem"),
        certificate_file: dir.path().join("smp.pem"),
        ap_certificate_file: dir.path().join("ap.pem"),
        as4_url: "https://ap.haven.test/as4".into(),
    };
    let directory_ca = dir.path().join("directory-ca.pem");
    std::fs::write(&files.key_file, smp.key_pem()).unwrap();
    std::fs::write(&files.certificate_file, &smp.pem).unwrap();
    std::fs::write(&files.ap_certificate_file, &ap.pem).unwrap();
    std::fs::write(&directory_ca, &tls_ca.pem).unwrap();
    let app = spawn_app_with(Options {
        peppol_smp: Some(files),
        peppol_directory: Some((directory.base.clone(), directory_ca)),
        ..Options::default()
    })
    .await;
    directory.set_smp(&app.url("/smp"));
    Directory {
        app,
        directory,
        _dir: dir,
    }
}

pub(crate) fn card_path(party: &str) -> String {
    format!(
        "/smp/businesscard/iso6523-actorid-upis%3A%3A{}",
        party.replace(':', "%3A")
    )
}

/// The children of `parent` in the business card namespace named `name`.
pub(crate) fn element<'a, 'i>(
    parent: roxmltree::Node<'a, 'i>,
    name: &str,
) -> Vec<roxmltree::Node<'a, 'i>> {
    parent
        .children()
        .filter(|n| n.has_tag_name((BUSINESS_CARD_NAMESPACE, name)))
        .collect()
}

async fn organization(app: &TestApp, admin: &Session) -> Value {
    let orgs = app.get_json("/api/v1/organizations", &admin.token).await;
    orgs["items"][0].clone()
}

async fn update(app: &TestApp, admin: &Session, org: &Value, change: Value) -> Value {
    let response = app
        .send(
            Method::PATCH,
            &format!("/api/v1/organizations/{}", org["id"].as_str().unwrap()),
            Some(&change),
            &admin.token,
        )
        .await;
    assert_eq!(response.status().as_u16(), 200, "PATCH {change}");
    response.json().await.unwrap()
}

/// Waits until the Directory has recorded `n` calls.
pub(crate) async fn calls(directory: &DirectoryServer, n: usize) -> Vec<DirectoryCall> {
    for _ in 0..400 {
        let calls = directory.calls();
        if calls.len() >= n {
            return calls;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the Directory got {:?}, not {n} calls", directory.calls());
}

#[tokio::test]
async fn a_published_participant_has_a_business_card_naming_its_organization() {
    let Directory { app, .. } = app_with_directory().await;
    let admin = app.register_admin("ada@buyer.example").await;
    let party = active_party(&app, &admin, BUYER_KVK, BUYER_CONTACT).await;
    let org = organization(&app, &admin).await;
    assert_eq!(org["directoryListed"], true, "listed by default: {org}");

    // Active but not receiving: not published, so no card.
    assert_error_body(app.get(&card_path(&party)).await, 404, "not_found").await;

    receive_on(&app, &admin, &party).await;
    let added = app
        .send(
            Method::POST,
            &format!(
                "/api/v1/organizations/{}/identifiers",
                org["id"].as_str().unwrap()
            ),
            Some(&json!({"kind": "oin", "value": "00000001234567890000"})),
            &admin.token,
        )
        .await;
    assert_eq!(added.status().as_u16(), 201);
    let response = app.get(&card_path(&party)).await;
    assert_eq!(response.status().as_u16(), 200, "on {}", app.backend);
    assert!(response
        .headers()
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("text/xml"));
    let xml = response.text().await.unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let root = doc.root_element();
    assert!(
        root.has_tag_name((BUSINESS_CARD_NAMESPACE, "BusinessCard")),
        "{xml}"
    );
    let participant = element(root, "ParticipantIdentifier")[0];
    assert_eq!(
        participant.attribute("scheme"),
        Some("iso6523-actorid-upis")
    );
    assert_eq!(participant.text(), Some(party.as_str()));
    let entities = element(root, "BusinessEntity");
    assert_eq!(entities.len(), 1, "{xml}");
    let entity = entities[0];
    assert_eq!(
        element(entity, "Name")[0].text(),
        org["statutoryName"].as_str(),
        "{xml}"
    );
    assert_eq!(element(entity, "CountryCode")[0].text(), Some("NL"));
    let today = chrono::Utc::now().date_naive().to_string();
    assert_eq!(entity.attribute("registrationDate"), Some(today.as_str()));
    // The other identifiers, not the participant id itself.
    let identifiers: Vec<(Option<&str>, Option<&str>)> = element(entity, "Identifier")
        .iter()
        .map(|i| (i.attribute("scheme"), i.text()))
        .collect();
    assert_eq!(
        identifiers,
        [(Some("0190"), Some("00000001234567890000"))],
        "{xml}"
    );

    // Unencoded and upper case, like the other SMP routes.
    let plain = app
        .get(&format!("/smp/businesscard/ISO6523-ACTORID-UPIS::{party}"))
        .await;
    assert_eq!(plain.status().as_u16(), 200);

    // Unknown participants and other shapes are not found.
    for path in [
        "/smp/businesscard/iso6523-actorid-upis%3A%3A0106%3A99999999",
        "/smp/businesscard/not-an-identifier",
        "/smp/businesscard",
    ] {
        assert_error_body(app.get(path).await, 404, "not_found").await;
    }

    // Opted out of the Directory: no card, while the SMP still publishes the participant.
    let changed = update(&app, &admin, &org, json!({"directoryListed": false})).await;
    assert_eq!(changed["directoryListed"], false);
    assert_error_body(app.get(&card_path(&party)).await, 404, "not_found").await;
    let group = app
        .get(&format!(
            "/smp/iso6523-actorid-upis%3A%3A{}",
            party.replace(':', "%3A")
        ))
        .await;
    assert_eq!(group.status().as_u16(), 200);
}

#[tokio::test]
async fn the_directory_is_told_when_a_card_appears_changes_and_goes() {
    let Directory { app, directory, .. } = app_with_directory().await;
    let admin = app.register_admin("ada@buyer.example").await;
    let party = active_party(&app, &admin, BUYER_KVK, BUYER_CONTACT).await;
    let org = organization(&app, &admin).await;
    let full = format!("iso6523-actorid-upis::{party}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        directory.calls().is_empty(),
        "not receiving, not published: {:?}",
        directory.calls()
    );

    // Receive on: indexed, with the SMP certificate, and the card read back names the
    // organization.
    receive_on(&app, &admin, &party).await;
    let got = calls(&directory, 1).await;
    assert_eq!(got[0].method, "PUT", "on {}", app.backend);
    assert_eq!(got[0].participant, full);
    assert_eq!(got[0].client.as_deref(), Some(SMP_CN));
    assert_eq!(
        got[0].card,
        Some(Ok(org["statutoryName"].as_str().unwrap().to_owned()))
    );

    // A new name: indexed again, and the Directory reads the new name.
    update(
        &app,
        &admin,
        &org,
        json!({"statutoryName": "Zeewind Nieuw B.V."}),
    )
    .await;
    let got = calls(&directory, 2).await;
    assert_eq!(got[1].method, "PUT");
    assert_eq!(got[1].card, Some(Ok("Zeewind Nieuw B.V.".to_owned())));

    // Other document types: indexed again (the Directory reads them from the service group).
    crate::peppol_sending::choose_document_types(&app, &admin, &["bis_billing_invoice"]).await;
    let got = calls(&directory, 3).await;
    assert_eq!(got[2].method, "PUT");
    assert_eq!(got[2].participant, full);

    // Opted out: removed.
    update(&app, &admin, &org, json!({"directoryListed": false})).await;
    let got = calls(&directory, 4).await;
    assert_eq!(got[3].method, "DELETE");
    assert_eq!(got[3].participant, full);
    assert_eq!(got[3].client.as_deref(), Some(SMP_CN));

    // Changes of an organization that is not listed tell the Directory nothing.
    update(
        &app,
        &admin,
        &org,
        json!({"statutoryName": "Zeewind Stil B.V."}),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(directory.calls().len(), 4, "{:?}", directory.calls());

    // Listed again, then Receive off: indexed, then removed.
    update(&app, &admin, &org, json!({"directoryListed": true})).await;
    let got = calls(&directory, 5).await;
    assert_eq!(got[4].method, "PUT");
    assert_eq!(got[4].card, Some(Ok("Zeewind Stil B.V.".to_owned())));
    let identifier = org["identifiers"][0]["id"].as_str().unwrap();
    let response = app
        .send(
            Method::PATCH,
            &format!(
                "/api/v1/organizations/{}/identifiers/{identifier}",
                org["id"].as_str().unwrap()
            ),
            Some(&json!({"receive": false})),
            &admin.token,
        )
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let got = calls(&directory, 6).await;
    assert_eq!(got[5].method, "DELETE");
    assert_eq!(got[5].participant, full);
}

#[tokio::test]
async fn a_directory_that_is_down_is_tried_again() {
    let Directory { app, directory, .. } = app_with_directory().await;
    // The operator (who may list jobs) runs the organization too.
    let admin = app.register_admin("operator@haven.test").await;
    let party = active_party(&app, &admin, BUYER_KVK, BUYER_CONTACT).await;
    directory.set_down(true);
    receive_on(&app, &admin, &party).await;

    let mut job = Value::Null;
    for _ in 0..400 {
        let page = app
            .get_json("/api/v1/operator/jobs?kind=directory_index", &admin.token)
            .await;
        job = page["items"][0].clone();
        if job["attempts"] == 1 && job["status"] == "queued" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(
        job["status"], "queued",
        "waiting for another attempt: {job}"
    );
    assert_eq!(job["attempts"], 1, "{job}");
    assert!(
        job["lastError"]
            .as_str()
            .unwrap_or_default()
            .contains("503"),
        "{job}"
    );
    assert!(directory.calls().is_empty());

    directory.set_down(false);
    app.make_jobs_due("directory_index").await;
    let got = calls(&directory, 1).await;
    assert_eq!(got[0].method, "PUT", "on {}", app.backend);
    assert_eq!(got[0].participant, format!("iso6523-actorid-upis::{party}"));
    assert!(matches!(got[0].card, Some(Ok(_))), "{got:?}");
}

/// The installation's audit events of `action` as operators read them, waiting for one.
async fn installation_events(app: &TestApp, operator: &Session, action: &str) -> Vec<Value> {
    for _ in 0..400 {
        let page = app
            .get_json("/api/v1/operator/audit-events", &operator.token)
            .await;
        let found: Vec<Value> = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == action)
            .cloned()
            .collect();
        if !found.is_empty() {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("no {action} in the installation audit log");
}

#[tokio::test]
async fn a_directory_that_refuses_is_a_permanent_failure_in_the_installation_audit_log() {
    let Directory { app, directory, .. } = app_with_directory().await;
    let admin = app.register_admin("operator@haven.test").await;
    let party = active_party(&app, &admin, BUYER_KVK, BUYER_CONTACT).await;
    directory.set_refusing(true);
    receive_on(&app, &admin, &party).await;

    let events = installation_events(&app, &admin, "peppol.directory_refused").await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["targetType"], "participant");
    assert_eq!(events[0]["targetId"], party);
    assert_eq!(events[0]["details"]["operation"], "index");
    assert!(
        events[0]["details"]["reason"]
            .as_str()
            .unwrap()
            .contains("403"),
        "{events:?}"
    );
    // Dead after one attempt, not retried. The event is written by the job before the worker
    // marks the job dead, so the status may lag behind it for a moment.
    let mut page = Value::Null;
    for _ in 0..400 {
        page = app
            .get_json("/api/v1/operator/jobs?kind=directory_index", &admin.token)
            .await;
        if page["items"][0]["status"] != "running" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(page["items"][0]["status"], "dead", "{page}");
    assert_eq!(page["items"][0]["attempts"], 1, "{page}");
    assert!(directory.calls().is_empty());
}

#[tokio::test]
async fn every_listed_participant_is_indexed_once_a_directory_is_configured() {
    let Directory { app, directory, .. } = app_with_directory().await;
    let admin = app.register_admin("operator@haven.test").await;
    // At start the run for this Directory was queued, and found nobody to index.
    let mut all = Value::Null;
    for _ in 0..400 {
        all = app
            .get_json(
                "/api/v1/operator/jobs?kind=directory_index_all",
                &admin.token,
            )
            .await;
        if all["items"][0]["status"] == "succeeded" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(all["items"].as_array().unwrap().len(), 1, "{all}");
    assert_eq!(all["items"][0]["status"], "succeeded", "{all}");

    // A participant listed while the Directory refused (as for one listed before a Directory
    // was configured: its index job did not reach it).
    directory.set_refusing(true);
    let party = active_party(&app, &admin, BUYER_KVK, BUYER_CONTACT).await;
    receive_on(&app, &admin, &party).await;
    installation_events(&app, &admin, "peppol.directory_refused").await;
    assert!(directory.calls().is_empty());
    directory.set_refusing(false);

    // The run for a newly configured Directory (keyed by it, so once) indexes it.
    app.database()
        .enqueue_job(
            haven_domain::jobs::NewJob::new(
                haven_domain::jobs::JobKind::DirectoryIndexAll,
                json!({}),
            )
            .idempotency_key("directory-index-all:https://another-directory.test"),
        )
        .await
        .unwrap();
    let got = calls(&directory, 1).await;
    assert_eq!(got[0].method, "PUT", "on {}", app.backend);
    assert_eq!(got[0].participant, format!("iso6523-actorid-upis::{party}"));
    assert!(matches!(got[0].card, Some(Ok(_))), "{got:?}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(directory.calls().len(), 1, "{:?}", directory.calls());
}
