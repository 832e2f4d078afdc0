//! SML registration: the participant ids Haven's SMP publishes (receiving ones, and sending
//! ones for the Invoice Response) are created in the SML (the fake one, over HTTPS with the
//! SMP certificate as client certificate) by jobs, and deleted when they stop being
//! published; the organization's page shows where each one is. Refusals, and an SML still
//! unreachable at the last attempt, are in the installation's audit log.

use std::time::Duration;

use haven_peppol::{
    identifiers::ParticipantIdentifier,
    sml::{DnsTiming, Sml},
    sml_fake::FakeSml,
    sml_manage::FaultKind,
    testing::{Ca, DnsServer},
};
use reqwest::Method;
use serde_json::{json, Value};

use crate::{
    exchange::{active_party, receive_on, BUYER_CONTACT, BUYER_KVK},
    helpers::{spawn_app_with, Options, Session, SmlRegistrationSettings, SmpFiles, TestApp},
};

const SMP_ID: &str = "HAVEN-TEST";
const OPERATOR: &str = "operator@haven.test";
const ZONE: &str = "participant.sml.haven.test";

struct Network {
    app: TestApp,
    sml: FakeSml,
    _dir: tempfile::TempDir,
}

async fn app_with_sml(registration: bool) -> Network {
    let dir = tempfile::tempdir().unwrap();
    let smp_ca = Ca::new("HAVEN TEST SMP CA");
    let smp = smp_ca.leaf("PXX000001", None, false);
    let ap = Ca::new("HAVEN TEST AP CA").leaf("PXX000002", None, false);
    let files = SmpFiles {
        key_file: dir.path().join("smp-key.pem"),
        certificate_file: dir.path().join("smp.pem"),
        ap_certificate_file: dir.path().join("ap.pem"),
        as4_url: "https://ap.haven.test/as4".into(),
    };
    std::fs::write(&files.key_file, smp.key_pem()).unwrap();
    std::fs::write(&files.certificate_file, &smp.pem).unwrap();
    std::fs::write(&files.ap_certificate_file, &ap.pem).unwrap();
    let sml = FakeSml::start(&smp_ca).await;
    let trust_file = dir.path().join("sml-ca.pem");
    std::fs::write(&trust_file, &sml.tls_ca_pem).unwrap();
    let app = spawn_app_with(Options {
        peppol_smp: Some(files),
        peppol_sml_registration: registration.then(|| SmlRegistrationSettings {
            url: sml.base.clone(),
            smp_id: SMP_ID.into(),
            trust_file,
        }),
        ..Options::default()
    })
    .await;
    Network {
        app,
        sml,
        _dir: dir,
    }
}

async fn organization_id(app: &TestApp, admin: &Session) -> String {
    let orgs = app.get_json("/api/v1/organizations", &admin.token).await;
    orgs["items"][0]["id"].as_str().unwrap().to_owned()
}

async fn registrations(app: &TestApp, admin: &Session) -> Value {
    let id = organization_id(app, admin).await;
    app.get_json(
        &format!("/api/v1/organizations/{id}/sml-registrations"),
        &admin.token,
    )
    .await
}

/// Polls the registrations until the first one has `state` (the job runs in the background).
async fn wait_for_state(app: &TestApp, admin: &Session, state: &str) -> Value {
    for _ in 0..200 {
        let found = registrations(app, admin).await;
        if found["items"][0]["state"] == state {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("never {state}: {}", registrations(app, admin).await);
}

async fn wait_until(mut done: impl FnMut() -> bool) {
    for _ in 0..200 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the SML never got there");
}

async fn switch_receive(app: &TestApp, admin: &Session, party: &str, on: bool) {
    switch(app, admin, party, json!({ "receive": on })).await;
}

/// Switches Send and Receive off: the participant id is no longer published.
async fn switch_off(app: &TestApp, admin: &Session, party: &str) {
    switch(
        app,
        admin,
        party,
        json!({ "send": false, "receive": false }),
    )
    .await;
}

async fn switch(app: &TestApp, admin: &Session, party: &str, change: Value) {
    let orgs = app.get_json("/api/v1/organizations", &admin.token).await;
    let org = &orgs["items"][0];
    let identifier = org["identifiers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["participantId"] == party)
        .unwrap();
    let response = app
        .send(
            Method::PATCH,
            &format!(
                "/api/v1/organizations/{}/identifiers/{}",
                org["id"].as_str().unwrap(),
                identifier["id"].as_str().unwrap()
            ),
            Some(&change),
            &admin.token,
        )
        .await;
    assert_eq!(response.status().as_u16(), 200);
}

#[tokio::test]
async fn receiving_registers_the_participant_and_stopping_removes_it() {
    let net = app_with_sml(true).await;
    let app = &net.app;
    // The start-up reconcile registers the SMP itself, with its public URL.
    wait_until(|| net.sml.smp_address(SMP_ID).is_some()).await;
    assert!(net.sml.smp_address(SMP_ID).unwrap().ends_with("/smp"));
    let dns = DnsServer::start().await;
    net.sml.publish_into(dns.clone(), ZONE);

    let admin = app.register_admin("ada@buyer.example").await;
    let party = active_party(app, &admin, BUYER_KVK, BUYER_CONTACT).await;
    // Active and sending (as activation leaves it): published for the Invoice Response, so
    // registered already; receiving keeps it so.
    wait_for_state(app, &admin, "registered").await;
    receive_on(app, &admin, &party).await;
    let found = wait_for_state(app, &admin, "registered").await;
    assert_eq!(
        found["items"],
        json!([{ "participantId": party, "state": "registered", "reason": null }])
    );
    assert_eq!(net.sml.smp_of(&party).as_deref(), Some(SMP_ID));
    // The whole loop: the SML's zone now leads a sender to our SMP.
    let lookup = Sml::with_name_servers(
        ZONE,
        &[dns.addr],
        DnsTiming {
            timeout: Duration::from_secs(1),
            attempts: 1,
        },
    )
    .unwrap();
    let url = lookup
        .smp_url(&ParticipantIdentifier::from_value(&party).unwrap())
        .await
        .unwrap();
    assert_eq!(url, net.sml.smp_address(SMP_ID).unwrap());

    // Receive off, Send on: still published (for the Invoice Response), still registered.
    switch_receive(app, &admin, &party, false).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(net.sml.smp_of(&party).as_deref(), Some(SMP_ID));
    // Both off: no longer published, deleted.
    switch_off(app, &admin, &party).await;
    wait_until(|| net.sml.smp_of(&party).is_none()).await;
    assert_eq!(registrations(app, &admin).await["items"], json!([]));
}

#[tokio::test]
async fn deactivating_the_organization_removes_its_participants() {
    let net = app_with_sml(true).await;
    let app = &net.app;
    let admin = app.register_admin("ada@buyer.example").await;
    let party = active_party(app, &admin, BUYER_KVK, BUYER_CONTACT).await;
    receive_on(app, &admin, &party).await;
    wait_for_state(app, &admin, "registered").await;
    let id = organization_id(app, &admin).await;
    let response = app
        .send(
            Method::POST,
            &format!("/api/v1/organizations/{id}/deactivate"),
            None,
            &admin.token,
        )
        .await;
    assert_eq!(response.status().as_u16(), 200);
    wait_until(|| net.sml.smp_of(&party).is_none()).await;
}

#[tokio::test]
async fn an_sml_that_is_down_leaves_the_registration_pending_until_it_is_back() {
    let net = app_with_sml(true).await;
    let app = &net.app;
    wait_until(|| net.sml.smp_address(SMP_ID).is_some()).await;
    net.sml.set_down(true);
    let admin = app.register_admin("ada@buyer.example").await;
    let party = active_party(app, &admin, BUYER_KVK, BUYER_CONTACT).await;
    receive_on(app, &admin, &party).await;
    // The job ran and failed: pending, with the reason, and queued again.
    let found = loop {
        let found = registrations(app, &admin).await;
        if found["items"][0]["reason"].is_string() {
            break found;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(found["items"][0]["state"], "pending");
    assert!(
        found["items"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("503"),
        "{found}"
    );
    assert_eq!(net.sml.smp_of(&party), None);

    net.sml.set_down(false);
    app.make_jobs_due("sml_register").await;
    wait_for_state(app, &admin, "registered").await;
    assert_eq!(net.sml.smp_of(&party).as_deref(), Some(SMP_ID));
}

#[tokio::test]
async fn a_participant_of_another_smp_fails_with_the_reason() {
    let net = app_with_sml(true).await;
    let app = &net.app;
    net.sml
        .add_participant(&format!("0106:{BUYER_KVK}"), "SOMEONE-ELSE");
    let admin = app.register_admin("ada@buyer.example").await;
    let party = active_party(app, &admin, BUYER_KVK, BUYER_CONTACT).await;
    receive_on(app, &admin, &party).await;
    let found = wait_for_state(app, &admin, "failed").await;
    assert!(
        found["items"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("another SMP"),
        "{found}"
    );
    assert_eq!(net.sml.smp_of(&party).as_deref(), Some("SOMEONE-ELSE"));
}

#[tokio::test]
async fn without_registration_nothing_is_called_and_the_state_says_so() {
    let net = app_with_sml(false).await;
    let app = &net.app;
    let admin = app.register_admin("ada@buyer.example").await;
    let party = active_party(app, &admin, BUYER_KVK, BUYER_CONTACT).await;
    receive_on(app, &admin, &party).await;
    // Give a job the chance to run, had one called the SML.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        registrations(app, &admin).await["items"],
        json!([{ "participantId": party, "state": "not_registering", "reason": null }])
    );
    assert_eq!(
        net.sml.requests.load(std::sync::atomic::Ordering::SeqCst),
        0
    );
}

/// The installation's SML failures as operators read them, waiting until `count` are there.
async fn sml_failures(app: &TestApp, operator: &Session, count: usize) -> Vec<Value> {
    for _ in 0..200 {
        let page = app
            .get_json("/api/v1/operator/audit-events", &operator.token)
            .await;
        let found: Vec<Value> = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "peppol.sml_registration_failed")
            .cloned()
            .collect();
        if found.len() >= count {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("fewer than {count} SML failures in the installation audit log");
}

#[tokio::test]
async fn a_refused_create_is_failed_and_in_the_installation_audit_log() {
    let net = app_with_sml(true).await;
    let app = &net.app;
    wait_until(|| net.sml.smp_address(SMP_ID).is_some()).await;
    net.sml.refuse_participants(Some((
        FaultKind::BadRequest,
        "The participant identifier is not accepted",
    )));
    let operator = app.register_admin(OPERATOR).await;
    let admin = app.register_admin("ada@buyer.example").await;
    let party = active_party(app, &admin, BUYER_KVK, BUYER_CONTACT).await;
    receive_on(app, &admin, &party).await;
    let found = wait_for_state(app, &admin, "failed").await;
    assert!(
        found["items"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("not accepted"),
        "{found}"
    );
    let events = sml_failures(app, &operator, 1).await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["targetType"], "participant");
    assert_eq!(events[0]["targetId"], party);
    assert_eq!(events[0]["details"]["operation"], "create");
    assert_eq!(events[0]["details"]["refused"], true);
    assert!(events[0]["details"]["reason"]
        .as_str()
        .unwrap()
        .contains("not accepted"));
    // Not retried: the job is dead at once.
    let jobs = app
        .get_json("/api/v1/operator/jobs?kind=sml_register", &operator.token)
        .await;
    assert_eq!(jobs["items"][0]["status"], "dead", "{jobs}");
    // The organization's people do not see the installation's log.
    let theirs = app
        .send(
            Method::GET,
            "/api/v1/audit-events?action=peppol.sml_registration_failed",
            None,
            &admin.token,
        )
        .await;
    let theirs: Value = theirs.json().await.unwrap();
    assert_eq!(theirs["items"], json!([]), "{theirs}");
}

#[tokio::test]
async fn a_refused_delete_stays_listed_as_failed_and_is_in_the_audit_log() {
    let net = app_with_sml(true).await;
    let app = &net.app;
    let operator = app.register_admin(OPERATOR).await;
    let admin = app.register_admin("ada@buyer.example").await;
    let party = active_party(app, &admin, BUYER_KVK, BUYER_CONTACT).await;
    receive_on(app, &admin, &party).await;
    wait_for_state(app, &admin, "registered").await;
    net.sml.refuse_participants(Some((
        FaultKind::Unauthorized,
        "The certificate is not that of the SMP",
    )));
    switch_off(app, &admin, &party).await;
    let found = wait_for_state(app, &admin, "failed").await;
    assert_eq!(found["items"][0]["participantId"], party);
    let events = sml_failures(app, &operator, 1).await;
    assert_eq!(events[0]["details"]["operation"], "delete");
    assert_eq!(events[0]["details"]["refused"], true);
    // Still in the SML: the refusal changed nothing there.
    assert_eq!(net.sml.smp_of(&party).as_deref(), Some(SMP_ID));
}

#[tokio::test]
async fn an_sml_unreachable_at_the_last_attempt_is_failed_and_in_the_audit_log() {
    let net = app_with_sml(true).await;
    let app = &net.app;
    wait_until(|| net.sml.smp_address(SMP_ID).is_some()).await;
    net.sml.set_down(true);
    let operator = app.register_admin(OPERATOR).await;
    let admin = app.register_admin("ada@buyer.example").await;
    let party = active_party(app, &admin, BUYER_KVK, BUYER_CONTACT).await;
    receive_on(app, &admin, &party).await;
    // The first attempt leaves it pending with the reason, and nothing in the audit log.
    loop {
        let found = registrations(app, &admin).await;
        if found["items"][0]["reason"].is_string() {
            assert_eq!(found["items"][0]["state"], "pending");
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let page = app
        .get_json("/api/v1/operator/audit-events", &operator.token)
        .await;
    assert!(
        !page["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "peppol.sml_registration_failed"),
        "{page}"
    );

    app.make_jobs_due_for_the_last_time("sml_register").await;
    let found = wait_for_state(app, &admin, "failed").await;
    assert!(
        found["items"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("503"),
        "{found}"
    );
    let events = sml_failures(app, &operator, 1).await;
    assert_eq!(events[0]["details"]["operation"], "create");
    assert_eq!(events[0]["details"]["refused"], false);
    assert_eq!(events[0]["targetId"], party);
}
