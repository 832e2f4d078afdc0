//! Mail hooks (`mailto:` targets) end to end: email goes over SMTP to a real SMTP server the
//! test starts; the messages, their attachments and headers, the delivery log, retries, the
//! hourly limit and the validation of targets.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{json, Value};

use crate::exchange::{
    active_party, invoice, receive_on, send, BUYER_CONTACT, BUYER_KVK, SELLER_CONTACT, SELLER_KVK,
};
use crate::helpers::{assert_error_body, spawn_app_with, Options, Session, TestApp};
use crate::hooks::{create_hook, wait_for_delivery, Receiver};

async fn app_with_relay() -> TestApp {
    spawn_app_with(Options {
        smtp_relay: true,
        ..Options::default()
    })
    .await
}

fn relay(app: &TestApp) -> &crate::smtp_relay::SmtpRelay {
    app.relay.as_ref().expect("started with a relay")
}

async fn two_parties(app: &TestApp) -> (Session, String, String) {
    let admin = app.register_admin("ada@alpha.example").await;
    let seller = active_party(app, &admin, SELLER_KVK, SELLER_CONTACT).await;
    let buyer = active_party(app, &admin, BUYER_KVK, BUYER_CONTACT).await;
    receive_on(app, &admin, &buyer).await;
    (admin, seller, buyer)
}

/// An Administrator who reads Haven in Dutch.
async fn dutch_admin(app: &TestApp) -> Session {
    let admin = app.register_admin("ada@alpha.example").await;
    let response = app
        .send(
            Method::PATCH,
            "/api/v1/me",
            Some(&json!({"language": "nl"})),
            &admin.token,
        )
        .await;
    assert_eq!(response.status().as_u16(), 200);
    admin
}

fn log_of(path: &str, hook: &Value) -> String {
    format!("{path}/{}/deliveries", hook["id"].as_str().unwrap())
}

fn hooks_of(party: &str) -> String {
    format!("/api/v1/parties/{party}/hooks")
}

/// The syntax the platform's validator reads in `bytes`.
fn syntax_of(bytes: &[u8]) -> String {
    let report = haven_einvoice::validate(bytes, &haven_einvoice::ValidateOptions::default());
    let document = report.document.expect("read as an invoice");
    serde_json::to_value(document.syntax)
        .unwrap()
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn mail_hooks_get_every_event_with_the_document_attached_original_or_converted() {
    let app = app_with_relay().await;
    let (admin, seller, buyer) = two_parties(&app).await;
    let (seller_hook, _) = create_hook(
        &app,
        &admin.token,
        &hooks_of(&seller),
        "MAILTO:Books@Seller.Example",
        &["InvoiceSent"],
    )
    .await;
    assert_eq!(
        seller_hook["target"], "mailto:Books@seller.example",
        "stored in one spelling"
    );
    let (buyer_hook, _) = create_hook(
        &app,
        &admin.token,
        &hooks_of(&buyer),
        "mailto:inbox@buyer.example?format=cii",
        &["InvoiceReceived"],
    )
    .await;
    assert_eq!(
        buyer_hook["target"],
        "mailto:inbox@buyer.example?format=cii"
    );

    let sent = invoice("MAIL-1", SELLER_KVK, BUYER_KVK, None);
    let response = send(&app, &admin.token, &seller, sent.clone(), None).await;
    assert_eq!(response.status().as_u16(), 202);

    // The seller's hook: the original UBL, byte for byte.
    let mails = relay(&app).wait_for("Books@seller.example", 1).await;
    let mail = &mails[0];
    assert!(mail.subject.contains("InvoiceSent"), "{}", mail.subject);
    assert!(mail.subject.contains("MAIL-1"), "{}", mail.subject);
    let event_id = mail.header("X-Haven-Event-Id").expect("event id header");
    assert!(mail.text.contains(event_id), "the event id is in the body");
    assert_eq!(mail.header("X-Haven-Topic"), Some("InvoiceSent"));
    assert_eq!(mail.header("Auto-Submitted"), Some("auto-generated"));
    assert_eq!(mail.attachments.len(), 1);
    assert_eq!(mail.attachments[0].name, "MAIL-1.xml");
    assert_eq!(mail.attachments[0].content_type, "application/xml");
    assert_eq!(mail.attachments[0].bytes, sent, "the original bytes");
    assert!(
        mail.text.contains("was delivered"),
        "English: {}",
        mail.text
    );

    // The buyer's hook: converted to CII, which the validator reads as CII.
    let mails = relay(&app).wait_for("inbox@buyer.example", 1).await;
    let mail = &mails[0];
    assert!(mail.subject.contains("InvoiceReceived"), "{}", mail.subject);
    assert_eq!(mail.attachments.len(), 1);
    assert_eq!(mail.attachments[0].name, "MAIL-1-cii.xml");
    assert_eq!(syntax_of(&sent), "ubl");
    assert_eq!(syntax_of(&mail.attachments[0].bytes), "cii");
    assert!(mail.text.contains("converted to CII"), "{}", mail.text);

    // The delivery log: one attempt, delivered, no HTTP status, the message as sent.
    let delivery = wait_for_delivery(
        &app,
        &admin.token,
        &log_of(&hooks_of(&seller), &seller_hook),
        "delivered",
    )
    .await;
    assert_eq!(delivery["eventId"], event_id);
    assert_eq!(delivery["attempts"], 1);
    let attempt = &delivery["attemptLog"][0];
    assert!(attempt["statusCode"].is_null(), "{attempt}");
    assert!(attempt["error"].is_null(), "{attempt}");
    let logged = attempt["requestBody"].as_str().unwrap();
    assert!(logged.contains("To: Books@seller.example"), "{logged}");
    assert!(logged.contains("Attachment: MAIL-1.xml"), "{logged}");
    assert!(
        logged.contains(&format!("X-Haven-Event-Id: {event_id}")),
        "{logged}"
    );
    assert_eq!(relay(&app).mail_to("Books@seller.example").len(), 1);
}

#[tokio::test]
async fn ping_on_a_mail_hook_sends_a_message_without_attachment_in_the_creators_language() {
    let app = app_with_relay().await;
    let admin = dutch_admin(&app).await;
    let path = "/api/v1/environment/hooks";
    let (hook, _) = create_hook(
        &app,
        &admin.token,
        path,
        "mailto:alerts@alpha.example",
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
    let mails = relay(&app).wait_for("alerts@alpha.example", 1).await;
    let mail = &mails[0];
    assert!(mail.subject.contains("Ping"), "{}", mail.subject);
    assert!(mail.attachments.is_empty());
    assert!(
        mail.text.contains("testgebeurtenis"),
        "Dutch: {}",
        mail.text
    );
    let delivery = wait_for_delivery(&app, &admin.token, &log_of(path, &hook), "delivered").await;
    assert_eq!(delivery["topic"], "Ping");
    assert_eq!(
        mail.header("X-Haven-Event-Id"),
        delivery["eventId"].as_str()
    );
}

#[tokio::test]
async fn a_mail_hooks_language_is_chosen_when_made_and_changed_later() {
    let app = app_with_relay().await;
    let admin = dutch_admin(&app).await;
    let path = "/api/v1/environment/hooks";
    // A Dutch user makes a hook for an English-speaking bookkeeper.
    let response = app
        .send(
            Method::POST,
            path,
            Some(
                &json!({"target": "mailto:books@alpha.example", "topics": ["*"], "language": "en"}),
            ),
            &admin.token,
        )
        .await;
    assert_eq!(response.status().as_u16(), 201);
    let created: Value = response.json().await.unwrap();
    let hook = &created["hook"];
    assert_eq!(hook["language"], "en");
    let hook_path = format!("{path}/{}", hook["id"].as_str().unwrap());
    let ping = |expected: usize| {
        let app = &app;
        let token = admin.token.clone();
        let hook_path = hook_path.clone();
        async move {
            let response = app
                .send(Method::POST, &format!("{hook_path}/ping"), None, &token)
                .await;
            assert_eq!(response.status().as_u16(), 202);
            let mails = relay(app).wait_for("books@alpha.example", expected).await;
            mails[expected - 1].text.clone()
        }
    };
    let text = ping(1).await;
    assert!(text.contains("A test event"), "English: {text}");

    // Changed to Dutch: the next message is Dutch; other fields stay as they were.
    let changed = app
        .send(
            Method::PATCH,
            &hook_path,
            Some(&json!({"language": "nl"})),
            &admin.token,
        )
        .await;
    assert_eq!(changed.status().as_u16(), 200);
    let changed: Value = changed.json().await.unwrap();
    assert_eq!(changed["language"], "nl");
    assert_eq!(changed["target"], "mailto:books@alpha.example");
    let text = ping(2).await;
    assert!(text.contains("testgebeurtenis"), "Dutch: {text}");

    // Only the languages there are.
    let response = app
        .send(
            Method::PATCH,
            &hook_path,
            Some(&json!({"language": "de"})),
            &admin.token,
        )
        .await;
    let body = assert_error_body(response, 400, "bad_request").await;
    assert_eq!(body["details"][0]["code"], "invalid_value");
    let hook: Value = app.get_json(&hook_path, &admin.token).await;
    assert_eq!(hook["language"], "nl");
}

#[tokio::test]
async fn a_busy_mail_server_is_tried_again_and_a_refused_address_fails_with_hook_sent_error() {
    let app = app_with_relay().await;
    let admin = app.register_admin("ada@alpha.example").await;
    let path = "/api/v1/environment/hooks";
    let watcher = Receiver::start(&[]).await;
    create_hook(&app, &admin.token, path, &watcher.url(), &["HookSent*"]).await;

    // 451 once: the delivery waits for its retry (1 s in the tests) and then goes through.
    relay(&app)
        .state
        .busy
        .store(1, std::sync::atomic::Ordering::SeqCst);
    let (busy_hook, _) = create_hook(
        &app,
        &admin.token,
        path,
        "mailto:busy@alpha.example",
        &["*"],
    )
    .await;
    let ping_path = |hook: &Value| format!("{path}/{}/ping", hook["id"].as_str().unwrap());
    app.send(Method::POST, &ping_path(&busy_hook), None, &admin.token)
        .await;
    let delivery =
        wait_for_delivery(&app, &admin.token, &log_of(path, &busy_hook), "delivered").await;
    assert_eq!(delivery["attempts"], 2);
    let first = &delivery["attemptLog"][0];
    assert!(first["statusCode"].is_null());
    assert!(
        first["error"]
            .as_str()
            .unwrap()
            .contains("could not take the message now"),
        "{first}"
    );
    assert_eq!(relay(&app).mail_to("busy@alpha.example").len(), 1);

    // 550 for the address: failed at the first attempt; a ping raises no HookSent event (it
    // is about the hook itself), so the refusal is checked on a document-less event only in
    // the log.
    relay(&app)
        .state
        .refused
        .lock()
        .unwrap()
        .push("gone@alpha.example".into());
    let (gone_hook, _) = create_hook(
        &app,
        &admin.token,
        path,
        "mailto:gone@alpha.example",
        &["*"],
    )
    .await;
    app.send(Method::POST, &ping_path(&gone_hook), None, &admin.token)
        .await;
    let delivery = wait_for_delivery(&app, &admin.token, &log_of(path, &gone_hook), "failed").await;
    assert_eq!(delivery["attempts"], 1, "a refusal is final");
    let error = delivery["attemptLog"][0]["error"].as_str().unwrap();
    assert!(error.contains("refused"), "{error}");
    assert!(watcher.got().is_empty(), "pings raise no HookSent events");
}

#[tokio::test]
async fn a_refused_document_event_raises_hook_sent_error_for_the_other_hooks() {
    let app = app_with_relay().await;
    let (admin, seller, _) = two_parties(&app).await;
    relay(&app)
        .state
        .refused
        .lock()
        .unwrap()
        .push("gone@seller.example".into());
    let watcher = Receiver::start(&[]).await;
    create_hook(
        &app,
        &admin.token,
        "/api/v1/environment/hooks",
        &watcher.url(),
        &["HookSentError"],
    )
    .await;
    let (hook, _) = create_hook(
        &app,
        &admin.token,
        &hooks_of(&seller),
        "mailto:gone@seller.example",
        &["InvoiceSent"],
    )
    .await;
    let response = send(
        &app,
        &admin.token,
        &seller,
        invoice("MAIL-2", SELLER_KVK, BUYER_KVK, None),
        None,
    )
    .await;
    assert_eq!(response.status().as_u16(), 202);
    let delivery = wait_for_delivery(
        &app,
        &admin.token,
        &log_of(&hooks_of(&seller), &hook),
        "failed",
    )
    .await;
    let got = watcher.wait_for(1).await;
    let event = got[0].json();
    assert_eq!(event["topic"], "HookSentError");
    let details: Value = serde_json::from_str(event["details"].as_str().unwrap()).unwrap();
    assert_eq!(details["hookId"], hook["id"]);
    assert_eq!(details["eventId"], delivery["eventId"]);
}

#[tokio::test]
async fn mail_hooks_of_an_environment_send_at_most_the_hourly_limit_and_then_wait() {
    let app = spawn_app_with(Options {
        smtp_relay: true,
        hook_mails_per_hour: Some(1),
        ..Options::default()
    })
    .await;
    let admin = app.register_admin("ada@alpha.example").await;
    let path = "/api/v1/environment/hooks";
    let (hook, _) = create_hook(
        &app,
        &admin.token,
        path,
        "mailto:alerts@alpha.example",
        &["*"],
    )
    .await;
    let ping = format!("{path}/{}/ping", hook["id"].as_str().unwrap());
    app.send(Method::POST, &ping, None, &admin.token).await;
    wait_for_delivery(&app, &admin.token, &log_of(path, &hook), "delivered").await;
    app.send(Method::POST, &ping, None, &admin.token).await;
    // The second waits, pending without an attempt, for the hour to pass.
    let deadline = Instant::now() + Duration::from_secs(3);
    while Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let page = app.get_json(&log_of(path, &hook), &admin.token).await;
    let newest = &page["items"][0];
    assert_eq!(newest["status"], "pending", "{newest}");
    assert_eq!(newest["attempts"], 0);
    assert_eq!(relay(&app).mail_to("alerts@alpha.example").len(), 1);
}

#[tokio::test]
async fn invalid_mail_targets_are_refused_with_the_field_named() {
    let app = app_with_relay().await;
    let admin = app.register_admin("ada@alpha.example").await;
    let path = "/api/v1/environment/hooks";
    for target in [
        "mailto:",
        "mailto:nobody",
        "mailto:a@example.com,b@example.com",
        "mailto:a@example.com?cc=b@example.com",
        "mailto:a@example.com?format=cii&bcc=b@example.com",
        "mailto:a@example.com?format=pdf",
        "mailto:a%0D%0ABcc:b@example.com",
        "mailto:Name <a@example.com>",
        "mailto:someone@intake.haven.test",
    ] {
        let response = app
            .send(
                Method::POST,
                path,
                Some(&json!({"target": target, "topics": ["*"]})),
                &admin.token,
            )
            .await;
        let body = assert_error_body(response, 400, "validation_failed").await;
        assert_eq!(body["details"][0]["field"], "target", "{target}: {body}");
        assert!(
            !body["details"][0]["message"].as_str().unwrap().is_empty(),
            "{body}"
        );
    }
    // A change to a bad target is refused the same way and leaves the hook as it was.
    let (hook, _) = create_hook(&app, &admin.token, path, "mailto:ok@alpha.example", &["*"]).await;
    let one = format!("{path}/{}", hook["id"].as_str().unwrap());
    let response = app
        .send(
            Method::PATCH,
            &one,
            Some(&json!({"target": "mailto:ok@alpha.example?subject=hi"})),
            &admin.token,
        )
        .await;
    let body = assert_error_body(response, 400, "validation_failed").await;
    assert_eq!(body["details"][0]["field"], "target");
    assert_eq!(
        app.get_json(&one, &admin.token).await["target"],
        "mailto:ok@alpha.example"
    );
}
