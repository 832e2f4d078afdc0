//! The SML's `List` against Haven's records, its repair, and announcing the next SMP
//! certificate (`PrepareChangeCertificate`), through the operator API against the fake SML.

use std::time::Duration;

use haven_peppol::{sml_manage::SmlManageClient, testing::Ca};
use reqwest::Method;
use serde_json::{json, Value};

use crate::{
    exchange::{active_party, BUYER_CONTACT, BUYER_KVK, SELLER_CONTACT, SELLER_KVK},
    helpers::{Options, TestApp},
    sml::{
        app_with_sml_and, identifier_path, migration_key, other_provider, registrations,
        switch_off, wait_for_state, wait_until, Network, OPERATOR, SMP_ID,
    },
};

const COMPARISON: &str = "/api/v1/operator/sml/comparison";
const RECONCILE: &str = "/api/v1/operator/sml/reconcile";
const CERTIFICATE_CHANGE: &str = "/api/v1/operator/sml/certificate-change";

async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    body: Option<&Value>,
    token: &str,
) -> (u16, Value) {
    let response = app.send(method, path, body, token).await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The installation's audit events of `action`, as operators read them.
async fn installation_events(app: &TestApp, token: &str, action: &str) -> Vec<Value> {
    let page = app.get_json("/api/v1/operator/audit-events", token).await;
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == action)
        .cloned()
        .collect()
}

#[tokio::test]
async fn the_comparison_reads_every_page_and_a_repair_brings_sml_and_records_together() {
    let net = app_with_sml_and(true, |_, _, _| {}).await;
    let app = &net.app;
    wait_until(|| net.sml.smp_address(SMP_ID).is_some()).await;
    net.sml.set_page_size(2);
    let operator = app.register_admin(OPERATOR).await;
    // The buyer's id will be lost by the SML; the seller's taken over by another provider.
    let buyer_admin = app.register_admin("ada@buyer.example").await;
    let buyer = active_party(app, &buyer_admin, BUYER_KVK, BUYER_CONTACT).await;
    wait_for_state(app, &buyer_admin, "registered").await;
    let seller_admin = app.register_admin("sam@seller.example").await;
    let seller = active_party(app, &seller_admin, SELLER_KVK, SELLER_CONTACT).await;
    wait_for_state(app, &seller_admin, "registered").await;

    // All in agreement: two ids on one page of two, then a stale id makes a second page.
    let (status, body) = call(app, Method::GET, COMPARISON, None, &operator.token).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["inSml"].as_u64(), body["inAgreement"].as_u64()),
        (Some(2), Some(2))
    );
    let stale = ["0106:00000001", "0106:00000002", "0106:00000003"];
    for id in stale {
        net.sml.add_participant(id, SMP_ID);
    }
    net.sml.remove_participant(&buyer);
    let path = identifier_path(app, &seller_admin, &seller).await;
    let (status, _) = migration_key(app, &seller_admin, &path).await;
    assert_eq!(status, 200);
    let key = net.sml.migration_key(&seller).unwrap();
    other_provider(&net)
        .migrate_raw(&seller, &key)
        .await
        .unwrap();

    let before = net.sml.requests.load(std::sync::atomic::Ordering::SeqCst);
    let (status, body) = call(app, Method::GET, COMPARISON, None, &operator.token).await;
    assert_eq!(status, 200, "{body}");
    // Three ids in pages of two: two List calls.
    assert_eq!(
        net.sml.requests.load(std::sync::atomic::Ordering::SeqCst) - before,
        2
    );
    assert_eq!(
        body,
        json!({
            "inSml": 3,
            "inAgreement": 0,
            "onlyInSml": { "items": stale, "total": 3 },
            "missing": { "items": [buyer], "total": 1 },
            "moved": { "items": [seller], "total": 1 },
        })
    );

    // Only operators: others do not see the page at all, and no token is 401.
    for (method, path) in [(Method::GET, COMPARISON), (Method::POST, RECONCILE)] {
        let (status, body) = call(app, method.clone(), path, None, &buyer_admin.token).await;
        assert_eq!((status, body["code"].as_str()), (404, Some("not_found")));
        let response = app
            .client
            .request(method, app.url(path))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 401);
    }

    let (status, body) = call(app, Method::POST, RECONCILE, None, &operator.token).await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(
        (
            &body["createdAgain"],
            &body["deleted"],
            &body["markedMoved"]
        ),
        (&json!(1), &json!(3), &json!(1))
    );
    assert_eq!(body["comparison"]["missing"]["items"], json!([buyer]));
    // The jobs create the lost id again and delete the stale ones.
    wait_until(|| {
        net.sml.smp_of(&buyer).as_deref() == Some(SMP_ID)
            && stale.iter().all(|id| net.sml.smp_of(id).is_none())
    })
    .await;
    wait_for_state(app, &buyer_admin, "registered").await;
    // The seller's organization sees where its id is now, and Haven leaves it alone.
    assert_eq!(
        registrations(app, &seller_admin).await["items"][0]["state"],
        "moved"
    );
    assert_eq!(net.sml.smp_of(&seller).as_deref(), Some("OTHER-SMP"));
    let events = installation_events(app, &operator.token, "peppol.sml_repaired").await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["details"]["moved"], json!([seller]));
    assert_eq!(events[0]["details"]["createdAgain"], json!([buyer]));
    assert_eq!(events[0]["actorEmail"], OPERATOR);

    let (status, body) = call(app, Method::GET, COMPARISON, None, &operator.token).await;
    assert_eq!(status, 200);
    assert_eq!(
        (body["inSml"].as_u64(), body["inAgreement"].as_u64()),
        (Some(1), Some(1))
    );
    for list in ["onlyInSml", "missing", "moved"] {
        assert_eq!(body[list]["total"], 0, "{body}");
    }
    // A second repair has nothing to do and records nothing.
    let (status, body) = call(app, Method::POST, RECONCILE, None, &operator.token).await;
    assert_eq!(status, 202);
    assert_eq!(body["deleted"], 0);
    assert_eq!(
        installation_events(app, &operator.token, "peppol.sml_repaired")
            .await
            .len(),
        1
    );

    // The seller stops publishing the id: its record goes without asking the SML to delete
    // what another provider holds (which it would refuse).
    switch_off(app, &seller_admin, &seller).await;
    for _ in 0..200 {
        if registrations(app, &seller_admin).await["items"] == json!([]) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(registrations(app, &seller_admin).await["items"], json!([]));
    assert_eq!(net.sml.smp_of(&seller).as_deref(), Some("OTHER-SMP"));
    assert!(
        installation_events(app, &operator.token, "peppol.sml_registration_failed")
            .await
            .is_empty()
    );
}

/// An app whose next SMP certificate is `next` (PEM written to a file), checked against the
/// SMP CA (or `trust`, when given).
async fn app_with_next(next: impl FnOnce(&Ca) -> String, trust: Option<Ca>) -> Network {
    app_with_sml_and(true, |options: &mut Options, dir, smp_ca| {
        let next_file = dir.join("smp-next.pem");
        std::fs::write(&next_file, next(smp_ca)).unwrap();
        let trust_file = dir.join("smp-ca.pem");
        std::fs::write(&trust_file, &trust.as_ref().unwrap_or(smp_ca).pem).unwrap();
        options.peppol_smp_next_certificate = Some((next_file, trust_file));
        // Renewed SMP key files are taken into use within a second.
        options.peppol_certificate_reload_secs = Some(1);
    })
    .await
}

fn client_with(net: &Network, leaf: &haven_peppol::testing::Leaf) -> SmlManageClient {
    SmlManageClient::new(&haven_peppol::sml_manage::SmlManageConfig {
        base_url: net.sml.base.clone(),
        smp_id: SMP_ID.into(),
        certificate_pem: leaf.pem.clone(),
        key_pem: leaf.key_pem(),
        extra_roots_pem: vec![net.sml.tls_ca_pem.clone()],
        timeout: Duration::from_secs(5),
    })
    .unwrap()
}

#[tokio::test]
async fn the_next_smp_certificate_is_announced_and_replaces_the_old_one_from_its_date() {
    let next = std::sync::Mutex::new(None);
    let net = app_with_next(
        |ca| {
            let leaf = ca.leaf_with_key("PXX000001", None, false, 2);
            let pem = leaf.pem.clone();
            *next.lock().unwrap() = Some(leaf);
            pem
        },
        None,
    )
    .await;
    let next = next.lock().unwrap().take().unwrap();
    let app = &net.app;
    wait_until(|| net.sml.smp_address(SMP_ID).is_some()).await;
    let operator = app.register_admin(OPERATOR).await;
    let today = chrono::Utc::now().date_naive();
    let tomorrow = today + chrono::TimeDelta::days(1);

    let past = json!({ "migrationDate": (today - chrono::TimeDelta::days(1)).to_string() });
    let (status, body) = announce(app, &past, &operator.token).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("validation_failed")),
        "{body}"
    );
    assert_eq!(body["details"][0]["field"], "migrationDate");
    let stranger = app.register_admin("eve@elsewhere.example").await;
    let date = json!({ "migrationDate": tomorrow.to_string() });
    let (status, _) = announce(app, &date, &stranger.token).await;
    assert_eq!(status, 404);
    assert_eq!(net.sml.next_certificate(SMP_ID), None);

    let (status, body) = announce(app, &date, &operator.token).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["migrationDate"], tomorrow.to_string());
    assert_eq!(body["subject"], "CN=PXX000001");
    assert_eq!(
        net.sml.next_certificate(SMP_ID),
        Some((next.der.clone(), tomorrow))
    );
    let events = installation_events(
        app,
        &operator.token,
        "peppol.smp_certificate_change_announced",
    )
    .await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["targetId"], body["serialNumber"]);
    assert_eq!(events[0]["details"]["migrationDate"], tomorrow.to_string());

    // Until the date the SML knows Haven by the old certificate, and refuses the new one.
    let (status, _) = call(app, Method::GET, COMPARISON, None, &operator.token).await;
    assert_eq!(status, 200);
    assert!(client_with(&net, &next)
        .list_participants_raw()
        .await
        .is_err());
    assert!(client_with(&net, &net.smp)
        .list_participants_raw()
        .await
        .is_ok());
    // From the date on only the new one.
    net.sml.set_today(tomorrow);
    assert!(client_with(&net, &next)
        .list_participants_raw()
        .await
        .is_ok());
    let refused = client_with(&net, &net.smp).list_participants_raw().await;
    assert!(
        matches!(
            &refused,
            Err(haven_peppol::sml_manage::ManageError::Fault {
                kind: haven_peppol::sml_manage::FaultKind::Unauthorized,
                ..
            })
        ),
        "{refused:?}"
    );
    // Haven, still on the old certificate until the renewed files are in place, cannot read
    // the list.
    let (status, body) = call(app, Method::GET, COMPARISON, None, &operator.token).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (503, Some("service_unavailable"))
    );
    // The renewed SMP key and certificate replace the SML client's TLS identity without a
    // restart: the SML lets Haven in again.
    std::fs::write(net.dir.path().join("smp-key.pem"), next.key_pem()).unwrap();
    std::fs::write(net.dir.path().join("smp.pem"), &next.pem).unwrap();
    let mut answered = (0, Value::Null);
    for _ in 0..100 {
        answered = call(app, Method::GET, COMPARISON, None, &operator.token).await;
        if answered.0 == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(answered.0, 200, "{}", answered.1);
    assert_eq!(
        installation_events(app, &operator.token, "peppol.certificate_renewed")
            .await
            .len(),
        1
    );
}

#[tokio::test]
async fn the_daily_run_compares_with_the_sml_and_repairs_on_its_own() {
    let net = app_with_sml_and(true, |_, _, _| {}).await;
    let app = &net.app;
    wait_until(|| net.sml.smp_address(SMP_ID).is_some()).await;
    let operator = app.register_admin(OPERATOR).await;
    let admin = app.register_admin("ada@buyer.example").await;
    let party = active_party(app, &admin, BUYER_KVK, BUYER_CONTACT).await;
    wait_for_state(app, &admin, "registered").await;
    // The SML lost our id and holds one Haven does not publish.
    let stale = "0106:00000009";
    net.sml.add_participant(stale, SMP_ID);
    net.sml.remove_participant(&party);

    // The run the daily schedule queues (a key of its own, as another day's run).
    app.database()
        .enqueue_job(
            haven_domain::jobs::NewJob::new(haven_domain::jobs::JobKind::SmlReconcile, json!({}))
                .idempotency_key("sml-reconcile:test-day"),
        )
        .await
        .unwrap();
    wait_until(|| {
        net.sml.smp_of(&party).as_deref() == Some(SMP_ID) && net.sml.smp_of(stale).is_none()
    })
    .await;
    wait_for_state(app, &admin, "registered").await;
    let events = installation_events(app, &operator.token, "peppol.sml_repaired").await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["details"]["scheduled"], true);
    assert_eq!(events[0]["details"]["createdAgain"], json!([party]));
    assert_eq!(events[0]["details"]["deleted"], json!([stale]));
    assert_eq!(events[0]["actorEmail"], Value::Null);
}

/// Announces the next SMP certificate for `date` as `operator`: the status and error code.
async fn announce(app: &TestApp, date: &Value, operator: &str) -> (u16, Value) {
    call(app, Method::POST, CERTIFICATE_CHANGE, Some(date), operator).await
}

fn code(answer: &(u16, Value)) -> (u16, Option<&str>) {
    (answer.0, answer.1["code"].as_str())
}

#[tokio::test]
async fn a_next_certificate_that_is_missing_foreign_or_current_is_refused_with_409() {
    const INVALID: (u16, Option<&str>) = (409, Some("smp_next_certificate_invalid"));
    // The current certificate again.
    let net = app_with_next(|_| String::new(), None).await;
    let next_file = net.dir.path().join("smp-next.pem");
    std::fs::write(&next_file, &net.smp.pem).unwrap();
    let operator = net.app.register_admin(OPERATOR).await;
    let date = json!({ "migrationDate": chrono::Utc::now().date_naive().to_string() });
    let answer = announce(&net.app, &date, &operator.token).await;
    assert_eq!(code(&answer), INVALID, "{}", answer.1);
    // Not a certificate at all, and a file that is not there (whose path is not told).
    std::fs::write(&next_file, "garbage").unwrap();
    assert_eq!(
        code(&announce(&net.app, &date, &operator.token).await),
        INVALID
    );
    std::fs::remove_file(&next_file).unwrap();
    let answer = announce(&net.app, &date, &operator.token).await;
    assert_eq!(code(&answer), INVALID);
    assert!(!answer.1["message"]
        .as_str()
        .unwrap()
        .contains(net.dir.path().to_str().unwrap()));

    // Issued by another CA than the SMP CA.
    let foreign = app_with_next(
        |_| Ca::new("Foreign CA").leaf("PXX000001", None, false).pem,
        None,
    )
    .await;
    let operator = foreign.app.register_admin(OPERATOR).await;
    assert_eq!(
        code(&announce(&foreign.app, &date, &operator.token).await),
        INVALID
    );
    assert_eq!(foreign.sml.next_certificate(SMP_ID), None);

    // None configured.
    let none = app_with_sml_and(true, |_, _, _| {}).await;
    let operator = none.app.register_admin(OPERATOR).await;
    assert_eq!(
        code(&announce(&none.app, &date, &operator.token).await),
        (409, Some("smp_next_certificate_missing"))
    );
    // The SML cannot be reached: 503 for all three.
    const DOWN: (u16, Option<&str>) = (503, Some("service_unavailable"));
    none.sml.set_down(true);
    for (method, path) in [(Method::GET, COMPARISON), (Method::POST, RECONCILE)] {
        let answer = call(&none.app, method, path, None, &operator.token).await;
        assert_eq!(code(&answer), DOWN, "{path}");
    }
    let net = app_with_next(|ca| ca.leaf_with_key("PXX000001", None, false, 2).pem, None).await;
    net.sml.set_down(true);
    let operator = net.app.register_admin(OPERATOR).await;
    assert_eq!(
        code(&announce(&net.app, &date, &operator.token).await),
        DOWN
    );
}

#[tokio::test]
async fn without_sml_registration_the_operator_routes_answer_409() {
    let net = app_with_sml_and(false, |_, _, _| {}).await;
    let operator = net.app.register_admin(OPERATOR).await;
    let date = json!({ "migrationDate": chrono::Utc::now().date_naive().to_string() });
    for (method, path, body) in [
        (Method::GET, COMPARISON, None),
        (Method::POST, RECONCILE, None),
        (Method::POST, CERTIFICATE_CHANGE, Some(&date)),
    ] {
        let (status, found) = call(&net.app, method, path, body, &operator.token).await;
        assert_eq!(
            (status, found["code"].as_str()),
            (409, Some("sml_registration_off")),
            "{path}"
        );
    }
    assert_eq!(
        net.sml.requests.load(std::sync::atomic::Ordering::SeqCst),
        0
    );
}
