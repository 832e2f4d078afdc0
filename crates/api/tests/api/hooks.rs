//! Webhooks end to end, with a real HTTP receiver on 127.0.0.1 started by each test: signed
//! events for document changes, retries, the transport rules, who may manage hooks, rotation,
//! ping and redelivery, and the delivery log.

use std::{
    collections::VecDeque,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc, Mutex,
    },
    time::{Duration, Instant},
};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use hmac::{Hmac, Mac};
use reqwest::Method;
use serde_json::{json, Value};

use crate::connections::{create as create_connection, organization_of, token};
use crate::exchange::{
    active_party, invoice, receive_on, send, BUYER_CONTACT, BUYER_KVK, SELLER_CONTACT, SELLER_KVK,
};
use crate::helpers::{assert_error_body, spawn_app, spawn_app_with, Options, Session, TestApp};

/// One request the receiver got.
#[derive(Debug, Clone)]
pub(crate) struct Got {
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Got {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

#[derive(Default)]
struct Shared {
    got: Mutex<Vec<Got>>,
    /// Statuses to answer, in order; 200 once they are used up.
    script: Mutex<VecDeque<u16>>,
    /// How long to take over each answer.
    delay: Duration,
    /// Requests being answered now, and the most there ever were at once.
    in_flight: AtomicUsize,
    most_in_flight: AtomicUsize,
}

/// A webhook receiver on 127.0.0.1 that records what it gets and answers as scripted.
pub(crate) struct Receiver {
    pub port: u16,
    shared: Arc<Shared>,
}

async fn receive(
    req: HttpRequest,
    body: web::Bytes,
    shared: web::Data<Arc<Shared>>,
) -> HttpResponse {
    let headers = req
        .headers()
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_owned(),
                v.to_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    shared.got.lock().unwrap().push(Got {
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    });
    let now = shared.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    shared.most_in_flight.fetch_max(now, Ordering::SeqCst);
    tokio::time::sleep(shared.delay).await;
    shared.in_flight.fetch_sub(1, Ordering::SeqCst);
    let status = shared.script.lock().unwrap().pop_front().unwrap_or(200);
    let mut response = HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap());
    if (300..400).contains(&status) {
        response.insert_header(("Location", "/elsewhere"));
    }
    response.body("thanks")
}

impl Receiver {
    pub async fn start(script: &[u16]) -> Self {
        Self::start_with(script, Duration::ZERO).await
    }

    /// A receiver that takes `delay` over each answer.
    pub async fn start_with(script: &[u16], delay: Duration) -> Self {
        let shared = Arc::new(Shared {
            delay,
            ..Shared::default()
        });
        shared.script.lock().unwrap().extend(script);
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let data = web::Data::new(shared.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .default_service(web::to(receive))
        })
        .workers(1)
        .listen(listener)
        .unwrap()
        .run();
        tokio::spawn(server);
        Self { port, shared }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/events", self.port)
    }

    pub fn got(&self) -> Vec<Got> {
        self.shared.got.lock().unwrap().clone()
    }

    /// Waits until at least `n` requests came, and returns them.
    pub async fn wait_for(&self, n: usize) -> Vec<Got> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let got = self.got();
            if got.len() >= n {
                return got;
            }
            assert!(
                Instant::now() < deadline,
                "only {} of {n} requests came",
                got.len()
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

/// `sha256=<hex>` of `body` under `secret`, computed here (not with the code under test).
fn signature(secret: &str, body: &str) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body.as_bytes());
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Creates a hook at `path` (`/api/v1/parties/{p}/hooks` or `/api/v1/environment/hooks`);
/// returns (hook, secret).
pub(crate) async fn create_hook(
    app: &TestApp,
    token: &str,
    path: &str,
    target: &str,
    topics: &[&str],
) -> (Value, String) {
    let response = app
        .send(
            Method::POST,
            path,
            Some(&json!({"target": target, "topics": topics, "description": "Books"})),
            token,
        )
        .await;
    assert_eq!(response.status().as_u16(), 201, "hook created");
    let body: Value = response.json().await.unwrap();
    (
        body["hook"].clone(),
        body["secret"].as_str().unwrap().to_owned(),
    )
}

fn hooks_of(party: &str) -> String {
    format!("/api/v1/parties/{party}/hooks")
}

/// Polls a hook's delivery log until its newest delivery has `status`.
pub(crate) async fn wait_for_delivery(
    app: &TestApp,
    token: &str,
    log: &str,
    status: &str,
) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let page = app.get_json(log, token).await;
        if let Some(first) = page["items"].as_array().and_then(|i| i.first()) {
            if first["status"] == status {
                return first.clone();
            }
        }
        assert!(Instant::now() < deadline, "no {status} delivery in {page}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Seller and buyer active in one environment, the buyer receiving.
async fn two_parties(app: &TestApp) -> (Session, String, String) {
    let admin = app.register_admin("ada@alpha.example").await;
    let seller = active_party(app, &admin, SELLER_KVK, SELLER_CONTACT).await;
    let buyer = active_party(app, &admin, BUYER_KVK, BUYER_CONTACT).await;
    receive_on(app, &admin, &buyer).await;
    (admin, seller, buyer)
}

#[tokio::test]
async fn document_events_reach_the_hooks_of_their_party_signed() {
    let app = spawn_app().await;
    let (admin, seller, buyer) = two_parties(&app).await;
    let sales = Receiver::start(&[]).await;
    let purchases = Receiver::start(&[]).await;
    let everything = Receiver::start(&[]).await;
    let (seller_hook, seller_secret) = create_hook(
        &app,
        &admin.token,
        &hooks_of(&seller),
        &sales.url(),
        &["*Sent"],
    )
    .await;
    let (buyer_hook, buyer_secret) = create_hook(
        &app,
        &admin.token,
        &hooks_of(&buyer),
        &purchases.url(),
        &["InvoiceReceived"],
    )
    .await;
    let (env_hook, _) = create_hook(
        &app,
        &admin.token,
        "/api/v1/environment/hooks",
        &everything.url(),
        &["Invoice*"],
    )
    .await;
    assert_eq!(seller_hook["partyId"], seller.as_str());
    assert!(env_hook["partyId"].is_null());

    let response = send(
        &app,
        &admin.token,
        &seller,
        invoice("HOOK-1", SELLER_KVK, BUYER_KVK, None),
        None,
    )
    .await;
    assert_eq!(response.status().as_u16(), 202);
    let document: Value = response.json().await.unwrap();
    let document_id = document["documentId"].as_str().unwrap();

    let got = sales.wait_for(1).await;
    let event = got[0].json();
    assert_eq!(event["topic"], "InvoiceSent");
    assert_eq!(event["partyId"], seller.as_str());
    assert_eq!(event["hookId"], seller_hook["id"]);
    assert_eq!(event["documentId"], document_id);
    assert!(event["message"].as_str().unwrap().contains("HOOK-1"));
    for field in ["id", "createdOn", "sentOn"] {
        assert!(event[field].is_string(), "{field} in {event}");
    }
    assert_eq!(got[0].header("x-hook-event-id"), event["id"].as_str());
    assert_eq!(got[0].header("x-hook-topic"), Some("InvoiceSent"));
    assert_eq!(
        got[0].header("x-signature").unwrap(),
        signature(&seller_secret, &got[0].body),
        "the signature is the HMAC of the raw body"
    );
    let timestamp: i64 = got[0].header("x-hook-timestamp").unwrap().parse().unwrap();
    assert!((chrono::Utc::now().timestamp() - timestamp).abs() < 60);

    let got = purchases.wait_for(1).await;
    let event = got[0].json();
    assert_eq!(event["topic"], "InvoiceReceived");
    assert_eq!(event["partyId"], buyer.as_str());
    assert_ne!(event["documentId"], document_id, "the buyer's own copy");
    assert_eq!(
        got[0].header("x-signature").unwrap(),
        signature(&buyer_secret, &got[0].body)
    );
    assert_eq!(buyer_hook["topics"], json!(["InvoiceReceived"]));

    // The environment hook gets both parties' events; the two hooks only their own.
    let got = everything.wait_for(2).await;
    let mut topics: Vec<String> = got
        .iter()
        .map(|g| g.json()["topic"].as_str().unwrap().to_owned())
        .collect();
    topics.sort();
    assert_eq!(topics, ["InvoiceReceived", "InvoiceSent"]);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sales.got().len(), 1);
    assert_eq!(purchases.got().len(), 1);

    // The log shows the attempt.
    let log = format!(
        "{}/{}/deliveries",
        hooks_of(&seller),
        seller_hook["id"].as_str().unwrap()
    );
    let delivery = wait_for_delivery(&app, &admin.token, &log, "delivered").await;
    assert_eq!(delivery["topic"], "InvoiceSent");
    assert_eq!(delivery["attempts"], 1);
    assert_eq!(delivery["attemptLog"][0]["statusCode"], 200);
    assert_eq!(delivery["attemptLog"][0]["responseBody"], "thanks");
    assert_eq!(
        delivery["attemptLog"][0]["requestBody"].as_str().unwrap(),
        sales.got()[0].body
    );
}

#[tokio::test]
async fn a_receiver_that_fails_twice_gets_the_event_on_the_third_attempt() {
    let app = spawn_app().await;
    let (admin, seller, _) = two_parties(&app).await;
    let flaky = Receiver::start(&[500, 503]).await;
    let watcher = Receiver::start(&[]).await;
    let (hook, secret) = create_hook(
        &app,
        &admin.token,
        &hooks_of(&seller),
        &flaky.url(),
        &["InvoiceSent"],
    )
    .await;
    create_hook(
        &app,
        &admin.token,
        "/api/v1/environment/hooks",
        &watcher.url(),
        &["HookSentRetry"],
    )
    .await;

    send(
        &app,
        &admin.token,
        &seller,
        invoice("HOOK-2", SELLER_KVK, BUYER_KVK, None),
        None,
    )
    .await;
    let got = flaky.wait_for(3).await;
    let ids: Vec<Value> = got.iter().map(|g| g.json()["id"].clone()).collect();
    assert!(
        ids.iter().all(|id| *id == ids[0]),
        "one event id for every attempt: {ids:?}"
    );
    for g in &got {
        assert_eq!(
            g.header("x-signature").unwrap(),
            signature(&secret, &g.body)
        );
    }
    let log = format!(
        "{}/{}/deliveries",
        hooks_of(&seller),
        hook["id"].as_str().unwrap()
    );
    let delivery = wait_for_delivery(&app, &admin.token, &log, "delivered").await;
    assert_eq!(delivery["attempts"], 3);
    let codes: Vec<Value> = delivery["attemptLog"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["statusCode"].clone())
        .collect();
    assert_eq!(codes, [json!(500), json!(503), json!(200)]);

    // Each retry raised HookSentRetry for the hooks that follow hooks.
    let retries = watcher.wait_for(2).await;
    assert!(retries.iter().all(|g| g.json()["topic"] == "HookSentRetry"));
    let details: Value =
        serde_json::from_str(retries[0].json()["details"].as_str().unwrap()).unwrap();
    assert_eq!(details["hookId"], hook["id"]);
}

#[tokio::test]
async fn a_final_answer_fails_at_once_and_raises_hook_sent_error() {
    let app = spawn_app().await;
    let (admin, seller, _) = two_parties(&app).await;
    let gone = Receiver::start(&[410]).await;
    let moved = Receiver::start(&[302]).await;
    let watcher = Receiver::start(&[]).await;
    let (gone_hook, _) = create_hook(
        &app,
        &admin.token,
        &hooks_of(&seller),
        &gone.url(),
        &["InvoiceSent"],
    )
    .await;
    let (moved_hook, _) = create_hook(
        &app,
        &admin.token,
        &hooks_of(&seller),
        &moved.url(),
        &["InvoiceSent"],
    )
    .await;
    create_hook(
        &app,
        &admin.token,
        "/api/v1/environment/hooks",
        &watcher.url(),
        &["HookSentError"],
    )
    .await;

    send(
        &app,
        &admin.token,
        &seller,
        invoice("HOOK-3", SELLER_KVK, BUYER_KVK, None),
        None,
    )
    .await;
    for hook in [&gone_hook, &moved_hook] {
        let log = format!(
            "{}/{}/deliveries",
            hooks_of(&seller),
            hook["id"].as_str().unwrap()
        );
        let delivery = wait_for_delivery(&app, &admin.token, &log, "failed").await;
        assert_eq!(delivery["attempts"], 1, "no retry after a final answer");
    }
    let moved_log = format!(
        "{}/{}/deliveries",
        hooks_of(&seller),
        moved_hook["id"].as_str().unwrap()
    );
    let delivery = wait_for_delivery(&app, &admin.token, &moved_log, "failed").await;
    assert!(delivery["attemptLog"][0]["error"]
        .as_str()
        .unwrap()
        .contains("redirect"));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(moved.got().len(), 1, "the redirect was not followed");
    let errors = watcher.wait_for(2).await;
    assert!(errors.iter().all(|g| g.json()["topic"] == "HookSentError"));
}

#[tokio::test]
async fn targets_must_be_https_and_public_when_saved_and_when_sent() {
    let app = spawn_app().await;
    let (admin, seller, _) = two_parties(&app).await;
    let path = hooks_of(&seller);
    for target in [
        "http://example.com/hook",
        "https://10.0.0.1/hook",
        "https://[::1]/hook",
        "https://[::ffff:192.168.0.1]/hook",
        "https://user:secret@example.com/hook",
        "ftp://example.com/",
        "http://localhost/hook",
        "mailto:books@example.com?cc=someone@example.com",
    ] {
        let response = app
            .send(
                Method::POST,
                &path,
                Some(&json!({"target": target, "topics": ["*"]})),
                &admin.token,
            )
            .await;
        let body = assert_error_body(response, 400, "validation_failed").await;
        assert_eq!(body["details"][0]["field"], "target", "{target}: {body}");
    }
    for topics in [
        json!([]),
        json!(["Nothing"]),
        json!(["In*voice"]),
        json!(["Ping"]),
    ] {
        let response = app
            .send(
                Method::POST,
                &path,
                Some(&json!({"target": "https://example.com/h", "topics": topics})),
                &admin.token,
            )
            .await;
        assert_error_body(response, 400, "validation_failed").await;
    }

    // A name is resolved at delivery, and one that resolves to loopback is refused then.
    let receiver = Receiver::start(&[]).await;
    let (hook, _) = create_hook(
        &app,
        &admin.token,
        &path,
        &format!("https://localhost:{}/events", receiver.port),
        &["*"],
    )
    .await;
    let ping = app
        .send(
            Method::POST,
            &format!("{path}/{}/ping", hook["id"].as_str().unwrap()),
            None,
            &admin.token,
        )
        .await;
    assert_eq!(ping.status().as_u16(), 202);
    let log = format!("{path}/{}/deliveries", hook["id"].as_str().unwrap());
    let delivery = wait_for_delivery(&app, &admin.token, &log, "failed").await;
    assert!(
        delivery["attemptLog"][0]["error"]
            .as_str()
            .unwrap()
            .contains("private, loopback"),
        "{delivery}"
    );
    assert!(delivery["attemptLog"][0]["statusCode"].is_null());
    assert!(
        receiver.got().is_empty(),
        "nothing reached the loopback receiver"
    );
}

#[tokio::test]
async fn ping_rotation_with_overlap_and_redelivery() {
    let app = spawn_app().await;
    let (admin, seller, _) = two_parties(&app).await;
    let receiver = Receiver::start(&[]).await;
    let path = hooks_of(&seller);
    let (hook, old_secret) = create_hook(
        &app,
        &admin.token,
        &path,
        &receiver.url(),
        &["InvoiceReceived"],
    )
    .await;
    let hook_path = format!("{path}/{}", hook["id"].as_str().unwrap());

    let response = app
        .send(
            Method::POST,
            &format!("{hook_path}/ping"),
            None,
            &admin.token,
        )
        .await;
    assert_eq!(response.status().as_u16(), 202);
    let ping = receiver.wait_for(1).await[0].clone();
    assert_eq!(ping.json()["topic"], "Ping");
    assert_eq!(
        ping.header("x-signature").unwrap(),
        signature(&old_secret, &ping.body)
    );

    let response = app
        .send(
            Method::POST,
            &format!("{hook_path}/rotate-secret?overlapMinutes=60"),
            None,
            &admin.token,
        )
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let rotated: Value = response.json().await.unwrap();
    let new_secret = rotated["secret"].as_str().unwrap().to_owned();
    assert_ne!(new_secret, old_secret);
    assert!(rotated["hook"]["previousSecretUntil"].is_string());
    app.send(
        Method::POST,
        &format!("{hook_path}/ping"),
        None,
        &admin.token,
    )
    .await;
    let second = receiver.wait_for(2).await[1].clone();
    assert_eq!(
        second.header("x-signature").unwrap(),
        format!(
            "{}, {}",
            signature(&new_secret, &second.body),
            signature(&old_secret, &second.body)
        ),
        "both secrets sign during the overlap, the new one first"
    );

    // Without overlap the old secret stops at once.
    let rotated: Value = app
        .send(
            Method::POST,
            &format!("{hook_path}/rotate-secret?overlapMinutes=0"),
            None,
            &admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    let newest = rotated["secret"].as_str().unwrap().to_owned();
    app.send(
        Method::POST,
        &format!("{hook_path}/ping"),
        None,
        &admin.token,
    )
    .await;
    let third = receiver.wait_for(3).await[2].clone();
    assert_eq!(
        third.header("x-signature").unwrap(),
        signature(&newest, &third.body)
    );
    let response = app
        .send(
            Method::POST,
            &format!("{hook_path}/rotate-secret?overlapMinutes=999999"),
            None,
            &admin.token,
        )
        .await;
    assert_error_body(response, 400, "validation_failed").await;

    // Redelivery of the first ping: the same event id again.
    let log = app
        .get_json(&format!("{hook_path}/deliveries"), &admin.token)
        .await;
    let first = log["items"].as_array().unwrap().last().unwrap();
    let response = app
        .send(
            Method::POST,
            &format!(
                "{hook_path}/deliveries/{}/redeliver",
                first["id"].as_str().unwrap()
            ),
            None,
            &admin.token,
        )
        .await;
    assert_eq!(response.status().as_u16(), 202);
    let again = receiver.wait_for(4).await[3].clone();
    assert_eq!(again.json()["id"], ping.json()["id"]);
    let response = app
        .send(
            Method::POST,
            &format!("{hook_path}/deliveries/{}/redeliver", uuid::Uuid::new_v4()),
            None,
            &admin.token,
        )
        .await;
    assert_error_body(response, 404, "not_found").await;

    // Paged log, newest first.
    let page = app
        .get_json(&format!("{hook_path}/deliveries?limit=2"), &admin.token)
        .await;
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    assert!(page["nextCursor"].is_string());

    // The audit log has every change.
    let audit = app
        .get_json("/api/v1/audit-events?limit=100", &admin.token)
        .await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    for action in [
        "hook.created",
        "hook.pinged",
        "hook.secret_rotated",
        "hook.redelivered",
    ] {
        assert!(actions.contains(&action), "{action} in {actions:?}");
    }
}

#[tokio::test]
async fn updating_a_hook_keeps_its_events_and_deleting_removes_it() {
    let app = spawn_app().await;
    let (admin, seller, _) = two_parties(&app).await;
    let old = Receiver::start(&[]).await;
    let new = Receiver::start(&[]).await;
    let path = hooks_of(&seller);
    let (hook, _) = create_hook(&app, &admin.token, &path, &old.url(), &["InvoiceSent"]).await;
    let hook_path = format!("{path}/{}", hook["id"].as_str().unwrap());

    // Off: events wait; on again with a new target: they go there.
    let response = app
        .send(
            Method::PATCH,
            &hook_path,
            Some(&json!({"active": false})),
            &admin.token,
        )
        .await;
    assert_eq!(response.status().as_u16(), 200);
    send(
        &app,
        &admin.token,
        &seller,
        invoice("HOOK-4", SELLER_KVK, BUYER_KVK, None),
        None,
    )
    .await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert!(old.got().is_empty());
    let response = app
        .send(
            Method::PATCH,
            &hook_path,
            Some(&json!({"active": true, "target": new.url(), "topics": ["*Sent", "InvoiceSent"]})),
            &admin.token,
        )
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let updated: Value = response.json().await.unwrap();
    assert_eq!(updated["target"], new.url());
    assert_eq!(updated["topics"], json!(["*Sent", "InvoiceSent"]));
    // The event written while the hook was off: wait, a hook switched off queues nothing.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(new.got().is_empty(), "an inactive hook gets no events");
    send(
        &app,
        &admin.token,
        &seller,
        invoice("HOOK-5", SELLER_KVK, BUYER_KVK, None),
        None,
    )
    .await;
    assert!(new.wait_for(1).await[0].body.contains("HOOK-5"));

    let response = app
        .send(
            Method::PATCH,
            &hook_path,
            Some(&json!({"target": "http://example.com/"})),
            &admin.token,
        )
        .await;
    assert_error_body(response, 400, "validation_failed").await;
    let response = app
        .send(
            Method::PATCH,
            &hook_path,
            Some(&json!({"colour": "red"})),
            &admin.token,
        )
        .await;
    assert_eq!(response.status().as_u16(), 400);

    let list = app.get_json(&path, &admin.token).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    let response = app
        .send(Method::DELETE, &hook_path, None, &admin.token)
        .await;
    assert_eq!(response.status().as_u16(), 204);
    let response = app.send(Method::GET, &hook_path, None, &admin.token).await;
    assert_error_body(response, 404, "not_found").await;
}

#[tokio::test]
async fn only_organization_administrators_and_scoped_connections_manage_party_hooks() {
    let app = spawn_app().await;
    let (admin, seller, buyer) = two_parties(&app).await;
    let org_id = organization_of(&app, &admin, &seller).await;
    let path = hooks_of(&seller);
    let body = json!({"target": "https://books.example.com/events", "topics": ["*"]});

    // A member of the organization who is not its administrator.
    let member = app
        .invite_and_accept(&admin, "bob@alpha.example", "basic")
        .await;
    app.send(
        Method::POST,
        &format!("/api/v1/organizations/{org_id}/members"),
        Some(&json!({"userId": member.id(), "role": "member"})),
        &admin.token,
    )
    .await;
    let response = app.send(Method::GET, &path, None, &member.token).await;
    assert_error_body(response, 403, "forbidden").await;
    // Environment hooks are for Administrators.
    let response = app
        .send(
            Method::GET,
            "/api/v1/environment/hooks",
            None,
            &member.token,
        )
        .await;
    assert_error_body(response, 403, "forbidden").await;

    // A connection without the scope, with it, and of another organization.
    let (_, client, secret) = create_connection(&app, &admin, &org_id, &["send"]).await;
    let unscoped = token(&app, &client, &secret).await;
    let response = app.send(Method::POST, &path, Some(&body), &unscoped).await;
    assert_error_body(response, 403, "scope_missing").await;
    let (_, client, secret) = create_connection(&app, &admin, &org_id, &["webhooks"]).await;
    let scoped = token(&app, &client, &secret).await;
    let response = app.send(Method::POST, &path, Some(&body), &scoped).await;
    assert_eq!(response.status().as_u16(), 201);
    let created: Value = response.json().await.unwrap();
    let list = app.get_json(&path, &scoped).await;
    assert_eq!(list["items"][0]["id"], created["hook"]["id"]);
    let response = app
        .send(Method::GET, &hooks_of(&buyer), None, &scoped)
        .await;
    assert_error_body(response, 404, "not_found").await;
    let response = app
        .send(Method::GET, "/api/v1/environment/hooks", None, &scoped)
        .await;
    assert_eq!(response.status().as_u16(), 403);
    // The connection's change is in the audit log under its name.
    let audit = app
        .get_json("/api/v1/audit-events?limit=100", &admin.token)
        .await;
    assert!(
        audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "hook.created"
                && e["actorEmail"]
                    .as_str()
                    .is_some_and(|a| a.contains(&client))),
        "{audit}"
    );

    // A hook of one party is not reachable through another party of the same environment.
    let id = created["hook"]["id"].as_str().unwrap();
    let response = app
        .send(
            Method::GET,
            &format!("{}/{id}", hooks_of(&buyer)),
            None,
            &admin.token,
        )
        .await;
    assert_error_body(response, 404, "not_found").await;
    // Nor is an environment hook through a party, or the other way round.
    let response = app
        .send(
            Method::GET,
            &format!("/api/v1/environment/hooks/{id}"),
            None,
            &admin.token,
        )
        .await;
    assert_error_body(response, 404, "not_found").await;
}

/// The receiver helper of docs/webhooks.md, as written there.
fn receiver_helper() -> String {
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/webhooks.md"
    ))
    .unwrap();
    let start = doc.find("```python\n").expect("a python block") + "```python\n".len();
    let end = start + doc[start..].find("\n```").unwrap();
    doc[start..end].to_owned()
}

/// Runs the helper on a request; whether it accepted it.
async fn helper_accepts(secrets: &str, signature: &str, body: &str) -> bool {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("hook_check.py");
    std::fs::write(&script, receiver_helper()).unwrap();
    let (secrets, signature, body) = (secrets.to_owned(), signature.to_owned(), body.to_owned());
    tokio::task::spawn_blocking(move || {
        use std::io::Write as _;
        let mut child = std::process::Command::new("python3")
            .arg(&script)
            .env("HOOK_SECRETS", secrets)
            .env("X_SIGNATURE", signature)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("python3 runs");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(body.as_bytes())
            .unwrap();
        let output = child.wait_with_output().unwrap();
        let said = String::from_utf8_lossy(&output.stdout).trim().to_owned();
        assert_eq!(said == "accepted", output.status.success(), "{said}");
        output.status.success()
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn the_documented_receiver_helper_accepts_real_deliveries_and_nothing_else() {
    let app = spawn_app().await;
    let (admin, seller, _) = two_parties(&app).await;
    let receiver = Receiver::start(&[]).await;
    let path = hooks_of(&seller);
    let (hook, secret) = create_hook(&app, &admin.token, &path, &receiver.url(), &["*"]).await;
    let hook_path = format!("{path}/{}", hook["id"].as_str().unwrap());
    app.send(
        Method::POST,
        &format!("{hook_path}/ping"),
        None,
        &admin.token,
    )
    .await;
    let got = receiver.wait_for(1).await[0].clone();
    let signature_header = got.header("x-signature").unwrap().to_owned();
    assert!(
        helper_accepts(&secret, &signature_header, &got.body).await,
        "a real delivery"
    );
    assert!(
        !helper_accepts("whsec_other", &signature_header, &got.body).await,
        "another secret"
    );
    let tampered = got.body.replace("Ping", "Pong");
    assert!(
        !helper_accepts(&secret, &signature_header, &tampered).await,
        "a changed body"
    );

    // Signed with the right secret, but sent more than five minutes ago: a replay.
    let mut old = got.json();
    old["sentOn"] = json!((chrono::Utc::now() - chrono::TimeDelta::minutes(6)).to_rfc3339());
    let old = old.to_string();
    assert!(
        !helper_accepts(&secret, &signature(&secret, &old), &old).await,
        "too old"
    );

    // During a rotation's overlap either secret is enough.
    let rotated: Value = app
        .send(
            Method::POST,
            &format!("{hook_path}/rotate-secret"),
            None,
            &admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    app.send(
        Method::POST,
        &format!("{hook_path}/ping"),
        None,
        &admin.token,
    )
    .await;
    let got = receiver.wait_for(2).await[1].clone();
    let header = got.header("x-signature").unwrap();
    assert!(
        helper_accepts(&secret, header, &got.body).await,
        "the old secret"
    );
    assert!(
        helper_accepts(rotated["secret"].as_str().unwrap(), header, &got.body).await,
        "the new one"
    );
}

#[tokio::test]
async fn events_queued_at_the_same_instant_go_to_a_hook_one_at_a_time_none_lost() {
    const PINGS: usize = 16;
    let app = spawn_app_with(Options {
        database_max_connections: 10,
        workers: 4,
        ..Options::default()
    })
    .await;
    let (admin, seller, _) = two_parties(&app).await;
    let receiver = Receiver::start_with(&[], Duration::from_millis(30)).await;
    let path = hooks_of(&seller);
    let (hook, _) = create_hook(&app, &admin.token, &path, &receiver.url(), &["*"]).await;
    let ping = format!("{path}/{}/ping", hook["id"].as_str().unwrap());
    // Every writer locks the hook row and at most one delivery job exists per hook.
    let barrier = Arc::new(tokio::sync::Barrier::new(PINGS));
    let pings = (0..PINGS).map(|_| {
        let (app, barrier, ping, token) =
            (&app, barrier.clone(), ping.clone(), admin.token.clone());
        async move {
            barrier.wait().await;
            app.send(Method::POST, &ping, None, &token)
                .await
                .status()
                .as_u16()
        }
    });
    let statuses = futures_util::future::join_all(pings).await;
    assert!(statuses.iter().all(|s| *s == 202), "{statuses:?}");
    let got = receiver.wait_for(PINGS).await;
    let mut ids: Vec<Value> = got.iter().map(|g| g.json()["id"].clone()).collect();
    ids.sort_by_key(ToString::to_string);
    ids.dedup();
    assert_eq!(ids.len(), PINGS, "every event once");
    assert_eq!(
        receiver.shared.most_in_flight.load(Ordering::SeqCst),
        1,
        "one request at a time to one hook"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.got().len(), PINGS, "none doubled");
}

/// Slow receivers hold their own hooks back and nothing else: with six hooks whose receiver
/// takes nine seconds over every answer busy at once, an invoice is still delivered and its
/// event reaches a healthy hook within seconds. (When every background step shared four
/// slots, the six slow pings took all four for nine seconds and the invoice waited behind
/// them.)
#[tokio::test]
async fn slow_receivers_do_not_hold_up_documents_or_other_hooks() {
    let app = spawn_app().await;
    let (admin, seller, buyer) = two_parties(&app).await;
    let slow = Receiver::start_with(&[], Duration::from_secs(9)).await;
    let healthy = Receiver::start(&[]).await;
    for _ in 0..6 {
        let (hook, _) = create_hook(
            &app,
            &admin.token,
            "/api/v1/environment/hooks",
            &slow.url(),
            &["InvoiceResponseReceived"],
        )
        .await;
        let ping = format!(
            "/api/v1/environment/hooks/{}/ping",
            hook["id"].as_str().unwrap()
        );
        let response = app.send(Method::POST, &ping, None, &admin.token).await;
        assert_eq!(response.status().as_u16(), 202);
    }
    create_hook(
        &app,
        &admin.token,
        &hooks_of(&seller),
        &healthy.url(),
        &["InvoiceSent"],
    )
    .await;
    // Every slow ping is being answered before the invoice goes out.
    slow.wait_for(6).await;

    let sent_at = Instant::now();
    let response = send(
        &app,
        &admin.token,
        &seller,
        invoice("HOOK-SLOW-1", SELLER_KVK, BUYER_KVK, None),
        None,
    )
    .await;
    assert_eq!(response.status().as_u16(), 202);
    let got = healthy.wait_for(1).await;
    let waited = sent_at.elapsed();
    assert_eq!(got[0].json()["topic"], "InvoiceSent");
    assert!(
        waited < Duration::from_secs(5),
        "the healthy hook waited {waited:?} behind the slow ones"
    );
    let inbox = app
        .get_json(
            &format!("/api/v1/parties/{buyer}/purchase-invoices"),
            &admin.token,
        )
        .await;
    assert_eq!(inbox["items"].as_array().unwrap().len(), 1, "{inbox}");
}
