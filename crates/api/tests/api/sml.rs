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

pub(crate) const SMP_ID: &str = "HAVEN-TEST";
pub(crate) const OPERATOR: &str = "operator@haven.test";
const ZONE: &str = "participant.sml.haven.test";

pub(crate) struct Network {
    pub(crate) app: TestApp,
    pub(crate) sml: FakeSml,
    /// The CA of SMP certificates the fake SML lets in (another provider's SMP too).
    pub(crate) smp_ca: Ca,
    /// Haven's SMP certificate (the SML client's TLS identity).
    pub(crate) smp: haven_peppol::testing::Leaf,
    pub(crate) dir: tempfile::TempDir,
}

async fn app_with_sml(registration: bool) -> Network {
    app_with_sml_and(registration, |_, _, _| {}).await
}

/// As [`app_with_sml`], with `more` changing the options (given the test's directory and the
/// SMP CA) before the app starts.
pub(crate) async fn app_with_sml_and(
    registration: bool,
    more: impl FnOnce(&mut Options, &std::path::Path, &Ca),
) -> Network {
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
    let mut options = Options {
        peppol_smp: Some(files),
        peppol_sml_registration: registration.then(|| SmlRegistrationSettings {
            url: sml.base.clone(),
            smp_id: SMP_ID.into(),
            trust_file,
        }),
        ..Options::default()
    };
    more(&mut options, dir.path(), &smp_ca);
    let app = spawn_app_with(options).await;
    Network {
        app,
        sml,
        smp_ca,
        smp,
        dir,
    }
}

pub(crate) async fn organization_id(app: &TestApp, admin: &Session) -> String {
    let orgs = app.get_json("/api/v1/organizations", &admin.token).await;
    orgs["items"][0]["id"].as_str().unwrap().to_owned()
}

pub(crate) async fn registrations(app: &TestApp, admin: &Session) -> Value {
    let id = organization_id(app, admin).await;
    app.get_json(
        &format!("/api/v1/organizations/{id}/sml-registrations"),
        &admin.token,
    )
    .await
}

/// Polls the registrations until the first one has `state` (the job runs in the background).
pub(crate) async fn wait_for_state(app: &TestApp, admin: &Session, state: &str) -> Value {
    for _ in 0..200 {
        let found = registrations(app, admin).await;
        if found["items"][0]["state"] == state {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("never {state}: {}", registrations(app, admin).await);
}

pub(crate) async fn wait_until(mut done: impl FnMut() -> bool) {
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
pub(crate) async fn switch_off(app: &TestApp, admin: &Session, party: &str) {
    switch(
        app,
        admin,
        party,
        json!({ "send": false, "receive": false }),
    )
    .await;
}

pub(crate) async fn switch(app: &TestApp, admin: &Session, party: &str, change: Value) {
    let path = identifier_path(app, admin, party).await;
    let response = app
        .send(Method::PATCH, &path, Some(&change), &admin.token)
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
pub(crate) async fn sml_failures(app: &TestApp, operator: &Session, count: usize) -> Vec<Value> {
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
    // Activation (Send on) and Receive on may each have queued a create: one event per
    // refused create, all about this participant.
    let events = sml_failures(app, &operator, 1).await;
    assert!(
        events.iter().all(|e| e["targetId"] == party.as_str()),
        "{events:?}"
    );
    assert_eq!(events[0]["targetType"], "participant");
    assert_eq!(events[0]["targetId"], party);
    assert_eq!(events[0]["details"]["operation"], "create");
    assert_eq!(events[0]["details"]["refused"], true);
    assert!(events[0]["details"]["reason"]
        .as_str()
        .unwrap()
        .contains("not accepted"));
    // Not retried: each create job is dead after its one attempt (the second may still be
    // running when the first has failed).
    let mut jobs = Value::Null;
    for _ in 0..200 {
        jobs = app
            .get_json("/api/v1/operator/jobs?kind=sml_register", &operator.token)
            .await;
        if jobs["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|j| j["status"] == "dead")
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let jobs = jobs["items"].as_array().unwrap();
    assert!(!jobs.is_empty());
    for job in jobs {
        assert_eq!(job["status"], "dead", "{job}");
        assert_eq!(job["attempts"], 1, "{job}");
    }
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

// Moving a participant id between providers: the SML's PrepareToMigrate and Migrate.

const MIGRATION_KEY: &str = "aB3$dE6%gH9!kM";

/// The organization's identifier id of `party`.
pub(crate) async fn identifier_path(app: &TestApp, admin: &Session, party: &str) -> String {
    let orgs = app.get_json("/api/v1/organizations", &admin.token).await;
    let org = &orgs["items"][0];
    let identifier = org["identifiers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["participantId"] == party)
        .unwrap();
    format!(
        "/api/v1/organizations/{}/identifiers/{}",
        org["id"].as_str().unwrap(),
        identifier["id"].as_str().unwrap()
    )
}

async fn migrate(app: &TestApp, session: &Session, path: &str, key: &str) -> (u16, Value) {
    let response = app
        .send(
            Method::POST,
            &format!("{path}/migration"),
            Some(&json!({ "migrationKey": key })),
            &session.token,
        )
        .await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

pub(crate) async fn migration_key(app: &TestApp, session: &Session, path: &str) -> (u16, Value) {
    let response = app
        .send(
            Method::POST,
            &format!("{path}/migration-key"),
            None,
            &session.token,
        )
        .await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

/// Another provider's SMP client, with a certificate of the same SMP CA.
pub(crate) fn other_provider(net: &Network) -> haven_peppol::sml_manage::SmlManageClient {
    let leaf = net.smp_ca.leaf("POTHER0001", None, false);
    net.sml
        .add_smp("OTHER-SMP", &leaf.der, "https://smp.other.example");
    haven_peppol::sml_manage::SmlManageClient::new(&haven_peppol::sml_manage::SmlManageConfig {
        base_url: net.sml.base.clone(),
        smp_id: "OTHER-SMP".into(),
        certificate_pem: leaf.pem.clone(),
        key_pem: leaf.key_pem(),
        extra_roots_pem: vec![net.sml.tls_ca_pem.clone()],
        timeout: Duration::from_secs(5),
    })
    .unwrap()
}

fn field_code(body: &Value) -> (&str, &str) {
    let detail = &body["details"][0];
    (
        detail["field"].as_str().unwrap(),
        detail["code"].as_str().unwrap(),
    )
}

#[tokio::test]
async fn a_participant_of_another_provider_moves_here_with_its_migration_key() {
    let net = app_with_sml(true).await;
    let app = &net.app;
    let party = format!("0106:{BUYER_KVK}");
    net.sml.add_participant(&party, "SOMEONE-ELSE");
    net.sml.set_migration_key(&party, MIGRATION_KEY);
    let admin = app.register_admin("ada@buyer.example").await;
    let party = active_party(app, &admin, BUYER_KVK, BUYER_CONTACT).await;
    receive_on(app, &admin, &party).await;
    wait_for_state(app, &admin, "failed").await;
    let path = identifier_path(app, &admin, &party).await;

    // A key that breaks the SML's rule never reaches the SML; one it does not know is refused.
    let before = net.sml.requests.load(std::sync::atomic::Ordering::SeqCst);
    let (status, body) = migrate(app, &admin, &path, "short").await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(field_code(&body), ("migrationKey", "format"));
    assert_eq!(
        net.sml.requests.load(std::sync::atomic::Ordering::SeqCst),
        before
    );
    let (status, body) = migrate(app, &admin, &path, "Zz9$Yy8%Xx7!").await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(field_code(&body), ("migrationKey", "rejected"));
    assert_eq!(net.sml.smp_of(&party).as_deref(), Some("SOMEONE-ELSE"));

    // Another environment cannot move it.
    let stranger = app.register_admin("eve@elsewhere.example").await;
    let (status, _) = migrate(app, &stranger, &path, MIGRATION_KEY).await;
    assert_eq!(status, 404);

    let (status, body) = migrate(app, &admin, &path, MIGRATION_KEY).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({ "participantId": party, "state": "registered", "reason": null })
    );
    assert_eq!(net.sml.smp_of(&party).as_deref(), Some(SMP_ID));
    assert_eq!(net.sml.migration_key(&party), None);
    assert_eq!(
        registrations(app, &admin).await["items"][0]["state"],
        "registered"
    );
    let events = app
        .get_json(
            "/api/v1/audit-events?action=peppol.migration_completed",
            &admin.token,
        )
        .await;
    assert_eq!(events["items"][0]["targetId"], party.as_str(), "{events}");
    // The key was used: presenting it again is refused.
    let (status, body) = migrate(app, &admin, &path, MIGRATION_KEY).await;
    assert_eq!(status, 400);
    assert_eq!(field_code(&body), ("migrationKey", "rejected"));
}

#[tokio::test]
async fn a_migration_key_lets_another_provider_take_the_participant_over() {
    let net = app_with_sml(true).await;
    let app = &net.app;
    let admin = app.register_admin("ada@buyer.example").await;
    let party = active_party(app, &admin, BUYER_KVK, BUYER_CONTACT).await;
    receive_on(app, &admin, &party).await;
    wait_for_state(app, &admin, "registered").await;
    let path = identifier_path(app, &admin, &party).await;

    let stranger = app.register_admin("eve@elsewhere.example").await;
    let (status, _) = migration_key(app, &stranger, &path).await;
    assert_eq!(status, 404);

    let (status, body) = migration_key(app, &admin, &path).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["participantId"], party.as_str());
    let key = body["migrationKey"].as_str().unwrap().to_owned();
    assert!(
        haven_domain::peppol::migration::is_valid_migration_key(&key),
        "{key}"
    );
    assert_eq!(net.sml.migration_key(&party).as_deref(), Some(key.as_str()));
    // The audit event names the participant id, never the key.
    let events = app
        .get_json(
            "/api/v1/audit-events?action=peppol.migration_key_created",
            &admin.token,
        )
        .await;
    assert_eq!(events["items"][0]["targetId"], party.as_str(), "{events}");
    assert!(!events.to_string().contains(&key));

    // The new provider presents the key over the SML's own interface.
    let other = other_provider(&net);
    other.migrate_raw(&party, &key).await.unwrap();
    assert_eq!(net.sml.smp_of(&party).as_deref(), Some("OTHER-SMP"));
}

#[tokio::test]
async fn migrations_need_registration_a_published_id_and_a_reachable_sml() {
    let off = app_with_sml(false).await;
    let admin = off.app.register_admin("ada@buyer.example").await;
    let party = active_party(&off.app, &admin, BUYER_KVK, BUYER_CONTACT).await;
    let path = identifier_path(&off.app, &admin, &party).await;
    let (status, body) = migration_key(&off.app, &admin, &path).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("sml_registration_off"))
    );
    let (status, body) = migrate(&off.app, &admin, &path, MIGRATION_KEY).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("sml_registration_off"))
    );

    let net = app_with_sml(true).await;
    let app = &net.app;
    wait_until(|| net.sml.smp_address(SMP_ID).is_some()).await;
    let admin = app.register_admin("ada@buyer.example").await;
    let party = active_party(app, &admin, BUYER_KVK, BUYER_CONTACT).await;
    wait_for_state(app, &admin, "registered").await;
    let path = identifier_path(app, &admin, &party).await;
    // The SML cannot be reached: 503, and nothing changed.
    net.sml.set_down(true);
    let (status, body) = migration_key(app, &admin, &path).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (503, Some("service_unavailable"))
    );
    let (status, body) = migrate(app, &admin, &path, MIGRATION_KEY).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (503, Some("service_unavailable"))
    );
    net.sml.set_down(false);
    // No longer published: the SML cannot point here, and there is nothing to hand over.
    switch_off(app, &admin, &party).await;
    wait_until(|| net.sml.smp_of(&party).is_none()).await;
    let (status, body) = migrate(app, &admin, &path, MIGRATION_KEY).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("identifier_not_on_peppol"))
    );
    let (status, body) = migration_key(app, &admin, &path).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("sml_not_registered"))
    );
}
