//! Email intake end to end: messages through `POST /api/v1/inbound-email` and the SMTP
//! receiver, trust, what each attachment becomes, rejection notices, the intake log and
//! trusted senders.

use lettre::{
    message::{header::ContentType, Attachment, MultiPart, SinglePart},
    transport::smtp::client::{Certificate, Tls, TlsParameters},
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
};
use reqwest::Method;
use serde_json::{json, Value};

use crate::{
    exchange::{
        active_party, invoice, receive_on, two_parties, BUYER_KVK, SELLER_CONTACT, SELLER_KVK,
    },
    helpers::{assert_error_body, spawn_app_with, Options, Session, TestApp},
    hooks::{create_hook, Receiver},
};

pub(crate) const SECRET: &str = "inbound-secret-for-the-tests-0123456789";
pub(crate) const DOMAIN: &str = "intake.haven.test";

pub(crate) async fn app() -> TestApp {
    spawn_app_with(Options {
        inbound_email_secret: Some(SECRET.into()),
        ..Options::default()
    })
    .await
}

/// A message from `from` to `to` with the given attachments (name, type, bytes).
pub(crate) fn mail(
    from: &str,
    to: &str,
    subject: &str,
    files: &[(&str, &str, Vec<u8>)],
) -> Vec<u8> {
    let mut body = MultiPart::mixed().singlepart(SinglePart::plain("See attached.".to_owned()));
    for (name, content_type, bytes) in files {
        body = body.singlepart(
            Attachment::new((*name).to_owned())
                .body(bytes.clone(), ContentType::parse(content_type).unwrap()),
        );
    }
    Message::builder()
        .from(from.parse().unwrap())
        .to(to.parse().unwrap())
        .subject(subject)
        .multipart(body)
        .unwrap()
        .formatted()
}

pub(crate) async fn hand_over(app: &TestApp, raw: Vec<u8>, query: &str) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/api/v1/inbound-email{query}")))
        .bearer_auth(SECRET)
        .header("content-type", "message/rfc822")
        .body(raw)
        .send()
        .await
        .unwrap()
}

pub(crate) async fn organization_id(app: &TestApp, admin: &Session) -> String {
    let orgs = app.get_json("/api/v1/organizations", &admin.token).await;
    orgs["items"][0]["id"].as_str().unwrap().to_owned()
}

/// Polls the intake message until it is processed one way or another.
pub(crate) async fn processed(app: &TestApp, admin: &Session, org: &str, message: &str) -> Value {
    let path = format!("/api/v1/organizations/{org}/intake/messages/{message}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let detail = app.get_json(&path, &admin.token).await;
        if detail["message"]["status"] != "received" {
            return detail;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "still received: {detail}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

pub(crate) async fn accepted_id(response: reqwest::Response) -> String {
    assert_eq!(response.status().as_u16(), 202);
    let body: Value = response.json().await.unwrap();
    let ids = body["messageIds"].as_array().unwrap();
    assert_eq!(ids.len(), 1, "{body}");
    ids[0].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_inbound_endpoint_needs_the_shared_secret_and_refuses_everyone_without_one() {
    let app = app().await;
    let raw = mail(
        "a@b.nl",
        &format!("{SELLER_KVK}.verkoop@{DOMAIN}"),
        "x",
        &[],
    );
    for auth in [None, Some("wrong-secret")] {
        let mut request = app
            .client
            .post(app.url("/api/v1/inbound-email"))
            .header("content-type", "message/rfc822")
            .body(raw.clone());
        if let Some(auth) = auth {
            request = request.bearer_auth(auth);
        }
        let response = request.send().await.unwrap();
        assert_error_body(response, 401, "unauthenticated").await;
    }
    let response = app
        .client
        .post(app.url("/api/v1/inbound-email"))
        .bearer_auth(SECRET)
        .header("content-type", "text/plain")
        .body(raw.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 415);
    // No intake address among the recipients: 422, nothing stored.
    let response = hand_over(&app, mail("a@b.nl", "someone@elsewhere.test", "x", &[]), "").await;
    assert_error_body(response, 422, "unprocessable").await;

    let off = spawn_app_with(Options::default()).await;
    let response = off
        .client
        .post(off.url("/api/v1/inbound-email"))
        .bearer_auth(SECRET)
        .header("content-type", "message/rfc822")
        .body(raw)
        .send()
        .await
        .unwrap();
    assert_error_body(response, 401, "unauthenticated").await;
}

#[tokio::test]
async fn a_members_sales_invoice_by_email_is_sent_on_and_logged() {
    let app = app().await;
    let (seller, seller_party, buyer, buyer_party) = two_parties(&app).await;
    let org = organization_id(&app, &seller).await;
    let intake = app
        .get_json(
            &format!("/api/v1/organizations/{org}/intake"),
            &seller.token,
        )
        .await;
    let sales = format!("{SELLER_KVK}.verkoop@{DOMAIN}");
    assert_eq!(intake["salesAddress"], sales.as_str());
    assert_eq!(
        intake["purchaseAddress"],
        format!("{SELLER_KVK}.inkoop@{DOMAIN}")
    );

    let xml = invoice("MAIL-1", SELLER_KVK, BUYER_KVK, None);
    let raw = mail(
        "Ada <ADA@seller.example>",
        &sales,
        "Invoice MAIL-1",
        &[
            ("logo.png", "image/png", b"\x89PNG\r\n\x1a\nsmall".to_vec()),
            ("MAIL-1.xml", "application/xml", xml.clone()),
        ],
    );
    let message = accepted_id(hand_over(&app, raw, "").await).await;
    let detail = processed(&app, &seller, &org, &message).await;
    assert_eq!(detail["message"]["status"], "processed", "{detail}");
    assert_eq!(detail["message"]["sender"], "ada@seller.example");
    assert_eq!(detail["message"]["subject"], "Invoice MAIL-1");
    assert_eq!(detail["message"]["transport"], "http");
    let items = detail["items"].as_array().unwrap();
    assert_eq!(items[0]["outcome"], "ignored");
    assert_eq!(items[0]["reason"], "small_image");
    assert_eq!(items[1]["outcome"], "document");
    let document = items[1]["documentId"].as_str().unwrap();

    // The outbox shows it as submitted by email; it reaches the buyer's inbox.
    let history = app
        .get_json(
            &format!("/api/v1/parties/{seller_party}/sales-invoices/{document}/events"),
            &seller.token,
        )
        .await;
    let accepted = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["event"] == "accepted")
        .unwrap_or_else(|| panic!("{history}"));
    assert_eq!(accepted["channel"], "email_intake");
    assert_eq!(accepted["actorEmail"], "email from ada@seller.example");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let inbox = app
            .get_json(
                &format!("/api/v1/parties/{buyer_party}/purchase-invoices"),
                &buyer.token,
            )
            .await;
        if inbox["items"].as_array().unwrap().len() == 1 {
            assert_eq!(inbox["items"][0]["number"], "MAIL-1");
            break;
        }
        assert!(std::time::Instant::now() < deadline, "not delivered");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }

    // The same file again: already processed, and the sender is told.
    let again = mail(
        "ada@seller.example",
        &sales,
        "Again",
        &[("MAIL-1.xml", "application/xml", xml)],
    );
    let message = accepted_id(hand_over(&app, again, "").await).await;
    let detail = processed(&app, &seller, &org, &message).await;
    assert_eq!(detail["message"]["status"], "rejected");
    assert_eq!(detail["items"][0]["reason"], "already_processed");
    assert_eq!(detail["message"]["replied"], true);
    let notice = app.mail("ada@seller.example", 1).await;
    assert!(notice.subject.contains("Again"), "{}", notice.subject);
    assert!(notice.text.contains("MAIL-1.xml"), "{}", notice.text);

    // The log lists both, newest first.
    let log = app
        .get_json(
            &format!("/api/v1/organizations/{org}/intake/messages"),
            &seller.token,
        )
        .await;
    assert_eq!(log["items"].as_array().unwrap().len(), 2);
    assert_eq!(log["items"][0]["id"], message.as_str());
}

#[tokio::test]
async fn mail_from_strangers_and_from_our_own_domain_is_not_processed() {
    let app = app().await;
    let (seller, _, _, _) = two_parties(&app).await;
    let org = organization_id(&app, &seller).await;
    let sales = format!("{SELLER_KVK}.verkoop@{DOMAIN}");
    let xml = invoice("X-1", SELLER_KVK, BUYER_KVK, None);

    let stranger = mail(
        "mallory@evil.example",
        &sales,
        "Pay me",
        &[("x.xml", "application/xml", xml.clone())],
    );
    let message = accepted_id(hand_over(&app, stranger, "").await).await;
    let detail = processed(&app, &seller, &org, &message).await;
    assert_eq!(detail["message"]["status"], "rejected");
    assert_eq!(detail["message"]["reason"], "untrusted_sender");
    assert!(
        detail["items"].as_array().unwrap().is_empty(),
        "nothing looked at"
    );
    let notice = app.mail("mallory@evil.example", 0).await;
    // A stranger's language is unknown: the notice is in the installation's default, Dutch.
    assert!(
        notice.text.contains("geen vertrouwde afzender"),
        "{}",
        notice.text
    );

    // Our own domain: never processed, never answered (no mail loops).
    let own = mail(
        &format!("noreply@{DOMAIN}"),
        &sales,
        "Loop",
        &[("x.xml", "application/xml", xml)],
    );
    let message = accepted_id(hand_over(&app, own, "").await).await;
    let detail = processed(&app, &seller, &org, &message).await;
    assert_eq!(detail["message"]["reason"], "loop_protection");
    assert_eq!(detail["message"]["replied"], false);
}

#[tokio::test]
async fn an_invalid_invoice_is_rejected_with_its_rule_ids_and_nothing_is_sent() {
    let app = app().await;
    let (seller, seller_party, _, _) = two_parties(&app).await;
    let org = organization_id(&app, &seller).await;
    let sales = format!("{SELLER_KVK}.verkoop@{DOMAIN}");
    let broken = String::from_utf8(invoice("BAD-1", SELLER_KVK, BUYER_KVK, None))
        .unwrap()
        .replace("<cbc:IssueDate>", "<cbc:IssueDate>not-a-date")
        .into_bytes();
    let raw = mail(
        "ada@seller.example",
        &sales,
        "Broken",
        &[
            ("BAD-1.xml", "application/xml", broken),
            ("notes.txt", "text/plain", b"hello".to_vec()),
        ],
    );
    let message = accepted_id(hand_over(&app, raw, "").await).await;
    let detail = processed(&app, &seller, &org, &message).await;
    assert_eq!(detail["message"]["status"], "rejected", "{detail}");
    assert_eq!(detail["items"][0]["reason"], "validation_failed");
    let rules = detail["items"][0]["detail"].as_str().unwrap();
    assert!(rules.contains(':'), "rule ids and messages: {rules}");
    assert_eq!(detail["items"][1]["reason"], "not_a_candidate");
    let notice = app.mail("ada@seller.example", 1).await;
    let first_rule = rules.split(':').next().unwrap();
    assert!(notice.text.contains(first_rule), "{}", notice.text);
    let outbox = app
        .get_json(
            &format!("/api/v1/parties/{seller_party}/sales-invoices"),
            &seller.token,
        )
        .await;
    assert!(
        outbox["items"].as_array().unwrap().is_empty(),
        "nothing sent"
    );
}

#[tokio::test]
async fn a_trusted_domain_mails_purchase_invoices_into_the_inbox() {
    let app = app().await;
    let buyer = app.register_admin("bob@buyer.example").await;
    let party = active_party(&app, &buyer, SELLER_KVK, SELLER_CONTACT).await;
    let org = organization_id(&app, &buyer).await;
    let base = format!("/api/v1/organizations/{org}/trusted-senders");
    let purchase = format!("{SELLER_KVK}.inkoop@{DOMAIN}");
    let xml = invoice("SUP-7", BUYER_KVK, SELLER_KVK, None);

    // Bad input first: each field says what is wrong, nothing is added.
    let response = app
        .send(
            Method::POST,
            &base,
            Some(&json!({"kind": "domain", "value": "not a domain", "contactEmail": "nope"})),
            &buyer.token,
        )
        .await;
    let body = assert_error_body(response, 400, "validation_failed").await;
    let fields: Vec<_> = body["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].clone())
        .collect();
    assert_eq!(fields, [json!("value"), json!("contactEmail")]);
    let response = app
        .send(
            Method::POST,
            &base,
            Some(&json!({"kind": "domain", "value": DOMAIN, "contactEmail": "a@b.nl"})),
            &buyer.token,
        )
        .await;
    assert_error_body(response, 400, "validation_failed").await;

    let response = app
        .send(
            Method::POST,
            &base,
            Some(&json!({"kind": "domain", "value": "@Leverancier.NL", "contactEmail": "admin@leverancier.nl", "language": "en"})),
            &buyer.token,
        )
        .await;
    assert_eq!(response.status().as_u16(), 201);
    let sender: Value = response.json().await.unwrap();
    assert_eq!(sender["value"], "leverancier.nl");
    assert_eq!(sender["status"], "draft");
    let sender_id = sender["id"].as_str().unwrap();
    let response = app
        .send(
            Method::POST,
            &base,
            Some(&json!({"kind": "domain", "value": "leverancier.nl", "contactEmail": "x@leverancier.nl"})),
            &buyer.token,
        )
        .await;
    assert_error_body(response, 409, "trusted_sender_exists").await;

    // A draft is not trusted yet.
    let raw = mail(
        "facturen@leverancier.nl",
        &purchase,
        "SUP-7",
        &[("SUP-7.xml", "application/xml", xml.clone())],
    );
    let message = accepted_id(hand_over(&app, raw.clone(), "").await).await;
    let detail = processed(&app, &buyer, &org, &message).await;
    assert_eq!(detail["message"]["reason"], "untrusted_sender");

    // Invited, then confirmed by the contact with the emailed link (once).
    let response = app
        .send(
            Method::POST,
            &format!("{base}/{sender_id}/invite"),
            None,
            &buyer.token,
        )
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let invitation = app.mail("admin@leverancier.nl", 0).await;
    assert!(invitation.text.contains(&purchase), "{}", invitation.text);
    let token = app
        .link_token("admin@leverancier.nl", 0, "/trusted-sender")
        .await;
    let response = app
        .post_json(
            "/api/v1/trusted-senders/confirm",
            &json!({"token": token}),
            None,
        )
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let response = app
        .post_json(
            "/api/v1/trusted-senders/confirm",
            &json!({"token": token}),
            None,
        )
        .await;
    assert_eq!(response.status().as_u16(), 400, "the link works once");

    // Receiving is off: the invoice is refused with that reason, the contact hears of it.
    let message = accepted_id(hand_over(&app, raw.clone(), "").await).await;
    let detail = processed(&app, &buyer, &org, &message).await;
    assert_eq!(detail["items"][0]["reason"], "receiving_off", "{detail}");
    app.mail("admin@leverancier.nl", 1).await;

    receive_on(&app, &buyer, &party).await;
    let message = accepted_id(hand_over(&app, raw, "").await).await;
    let detail = processed(&app, &buyer, &org, &message).await;
    assert_eq!(detail["message"]["status"], "processed", "{detail}");
    let inbox = app
        .get_json(
            &format!("/api/v1/parties/{party}/purchase-invoices"),
            &buyer.token,
        )
        .await;
    assert_eq!(inbox["items"][0]["number"], "SUP-7");
    assert_eq!(inbox["items"][0]["id"], detail["items"][0]["documentId"]);

    // Switched off: no longer trusted.
    let response = app
        .send(
            Method::PUT,
            &format!("{base}/{sender_id}/status"),
            Some(&json!({"status": "inactive"})),
            &buyer.token,
        )
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let raw = mail(
        "facturen@leverancier.nl",
        &purchase,
        "SUP-8",
        &[(
            "SUP-8.xml",
            "application/xml",
            invoice("SUP-8", BUYER_KVK, SELLER_KVK, None),
        )],
    );
    let message = accepted_id(hand_over(&app, raw, "").await).await;
    let detail = processed(&app, &buyer, &org, &message).await;
    assert_eq!(detail["message"]["reason"], "untrusted_sender");

    // Every change is in the audit log.
    let audit = app
        .get_json("/api/v1/audit-events?limit=200", &buyer.token)
        .await;
    let actions: Vec<_> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect();
    for action in [
        "trusted_sender.added",
        "trusted_sender.invited",
        "trusted_sender.confirmed",
        "trusted_sender.status_changed",
    ] {
        assert!(
            actions.iter().any(|a| a == action),
            "{action} in {actions:?}"
        );
    }

    let response = app
        .send(
            Method::DELETE,
            &format!("{base}/{sender_id}"),
            None,
            &buyer.token,
        )
        .await;
    assert_eq!(response.status().as_u16(), 204);
}

#[tokio::test]
async fn intake_is_the_organizations_own_business() {
    let app = app().await;
    let (seller, _, buyer, _) = two_parties(&app).await;
    let org = organization_id(&app, &seller).await;
    let member = app
        .invite_and_accept(&seller, "mia@seller.example", "basic")
        .await;
    for path in [
        format!("/api/v1/organizations/{org}/intake"),
        format!("/api/v1/organizations/{org}/intake/messages"),
        format!("/api/v1/organizations/{org}/trusted-senders"),
    ] {
        let response = app.send(Method::GET, &path, None, &buyer.token).await;
        assert_eq!(
            response.status().as_u16(),
            404,
            "{path} from another environment"
        );
    }
    let response = app
        .send(
            Method::POST,
            &format!("/api/v1/organizations/{org}/trusted-senders"),
            Some(&json!({"kind": "address", "value": "a@b.nl", "contactEmail": "a@b.nl"})),
            &buyer.token,
        )
        .await;
    assert_eq!(response.status().as_u16(), 404);
    // A user without access to the organization is not trusted for it either.
    let raw = mail(
        "mia@seller.example",
        &format!("{SELLER_KVK}.verkoop@{DOMAIN}"),
        "x",
        &[(
            "x.xml",
            "application/xml",
            invoice("M-1", SELLER_KVK, BUYER_KVK, None),
        )],
    );
    let message = accepted_id(hand_over(&app, raw, "").await).await;
    let detail = processed(&app, &seller, &org, &message).await;
    assert_eq!(detail["message"]["reason"], "untrusted_sender");
    let response = app
        .send(
            Method::POST,
            &format!("/api/v1/organizations/{org}/trusted-senders"),
            Some(&json!({"kind": "address", "value": "a@b.nl", "contactEmail": "a@b.nl"})),
            &member.token,
        )
        .await;
    assert_eq!(
        response.status().as_u16(),
        404,
        "not a member of the organization"
    );
}

#[tokio::test]
async fn the_smtp_receiver_refuses_unknown_addresses_and_queues_known_ones() {
    let app = spawn_app_with(Options {
        smtp_intake: true,
        ..Options::default()
    })
    .await;
    let (seller, seller_party, _, _) = two_parties(&app).await;
    let org = organization_id(&app, &seller).await;
    let port = app.smtp_port.expect("the receiver runs");
    let client = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
        .port(port)
        .build();
    let unknown = Message::builder()
        .from("ada@seller.example".parse().unwrap())
        .to(format!("99999999.verkoop@{DOMAIN}").parse().unwrap())
        .subject("x")
        .body("x".to_owned())
        .unwrap();
    let error = client.send(unknown).await.unwrap_err();
    assert!(error.is_permanent(), "{error}");

    let xml = invoice("SMTP-1", SELLER_KVK, BUYER_KVK, None);
    let message = Message::builder()
        .from("ada@seller.example".parse().unwrap())
        .to(format!("{SELLER_KVK}.verkoop@{DOMAIN}").parse().unwrap())
        .subject("SMTP-1")
        .multipart(
            MultiPart::mixed().singlepart(
                Attachment::new("SMTP-1.xml".into())
                    .body(xml, ContentType::parse("application/xml").unwrap()),
            ),
        )
        .unwrap();
    client.send(message).await.unwrap();
    let log = app
        .get_json(
            &format!("/api/v1/organizations/{org}/intake/messages"),
            &seller.token,
        )
        .await;
    let id = log["items"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(log["items"][0]["transport"], "smtp");
    let detail = processed(&app, &seller, &org, &id).await;
    assert_eq!(detail["message"]["status"], "processed", "{detail}");
    let outbox = app
        .get_json(
            &format!("/api/v1/parties/{seller_party}/sales-invoices"),
            &seller.token,
        )
        .await;
    assert_eq!(outbox["items"][0]["number"], "SMTP-1");
}

#[tokio::test]
async fn the_smtp_receiver_takes_mail_over_starttls_and_can_require_it() {
    let dir = tempfile::tempdir().unwrap();
    let rcgen::CertifiedKey { cert, signing_key } =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let (certificate_file, key_file) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&certificate_file, cert.pem()).unwrap();
    std::fs::write(&key_file, signing_key.serialize_pem()).unwrap();
    let app = spawn_app_with(Options {
        smtp_intake: true,
        smtp_intake_tls: Some((certificate_file, key_file, true)),
        ..Options::default()
    })
    .await;
    let (seller, _, _, _) = two_parties(&app).await;
    let org = organization_id(&app, &seller).await;
    let port = app.smtp_port.expect("the receiver runs");
    let message = |number: &str| {
        Message::builder()
            .from("ada@seller.example".parse().unwrap())
            .to(format!("{SELLER_KVK}.verkoop@{DOMAIN}").parse().unwrap())
            .subject(number)
            .multipart(MultiPart::mixed().singlepart(
                Attachment::new(format!("{number}.xml")).body(
                    invoice(number, SELLER_KVK, BUYER_KVK, None),
                    ContentType::parse("application/xml").unwrap(),
                ),
            ))
            .unwrap()
    };

    // In the clear: refused, since TLS is required.
    let plain = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
        .port(port)
        .build();
    let error = plain.send(message("TLS-0")).await.unwrap_err();
    assert!(error.is_permanent(), "{error}");

    // Over STARTTLS, trusting the test's certificate: accepted and processed.
    let tls = TlsParameters::builder("localhost".to_owned())
        .add_root_certificate(Certificate::from_pem(cert.pem().as_bytes()).unwrap())
        .build()
        .unwrap();
    let client = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
        .port(port)
        .tls(Tls::Required(tls))
        .build();
    client.send(message("TLS-1")).await.unwrap();
    let log = app
        .get_json(
            &format!("/api/v1/organizations/{org}/intake/messages"),
            &seller.token,
        )
        .await;
    let items = log["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{log}");
    let id = items[0]["id"].as_str().unwrap().to_owned();
    // The subject is read from the message when it is processed, not when it is stored.
    let detail = processed(&app, &seller, &org, &id).await;
    assert_eq!(detail["message"]["subject"], "TLS-1");
    assert_eq!(detail["message"]["status"], "processed", "{detail}");
}

/// Implicit TLS (RFC 8314) beside STARTTLS: a message over the TLS port is stored and
/// processed as one over STARTTLS is, with the same recipient check.
#[tokio::test]
async fn the_smtp_receiver_takes_mail_over_implicit_tls_like_over_starttls() {
    let dir = tempfile::tempdir().unwrap();
    let rcgen::CertifiedKey { cert, signing_key } =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let (certificate_file, key_file) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&certificate_file, cert.pem()).unwrap();
    std::fs::write(&key_file, signing_key.serialize_pem()).unwrap();
    let app = spawn_app_with(Options {
        smtp_intake: true,
        smtp_intake_tls: Some((certificate_file, key_file, true)),
        smtp_intake_implicit_tls: true,
        ..Options::default()
    })
    .await;
    let (seller, seller_party, _, _) = two_parties(&app).await;
    let org = organization_id(&app, &seller).await;
    let tls_port = app.smtp_implicit_tls_port.expect("the TLS listener runs");
    assert_ne!(Some(tls_port), app.smtp_port);
    let tls = TlsParameters::builder("localhost".to_owned())
        .add_root_certificate(Certificate::from_pem(cert.pem().as_bytes()).unwrap())
        .build()
        .unwrap();
    let client = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
        .port(tls_port)
        .tls(Tls::Wrapper(tls))
        .build();
    let message = |to: String, number: &str| {
        Message::builder()
            .from("ada@seller.example".parse().unwrap())
            .to(to.parse().unwrap())
            .subject(number)
            .multipart(MultiPart::mixed().singlepart(
                Attachment::new(format!("{number}.xml")).body(
                    invoice(number, SELLER_KVK, BUYER_KVK, None),
                    ContentType::parse("application/xml").unwrap(),
                ),
            ))
            .unwrap()
    };
    let unknown = client
        .send(message(format!("99999999.verkoop@{DOMAIN}"), "TLS-0"))
        .await
        .unwrap_err();
    assert!(unknown.is_permanent(), "{unknown}");

    client
        .send(message(format!("{SELLER_KVK}.verkoop@{DOMAIN}"), "SMTPS-1"))
        .await
        .unwrap();
    let log = app
        .get_json(
            &format!("/api/v1/organizations/{org}/intake/messages"),
            &seller.token,
        )
        .await;
    let items = log["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "only the known address's message: {log}");
    assert_eq!(items[0]["transport"], "smtp");
    let id = items[0]["id"].as_str().unwrap().to_owned();
    let detail = processed(&app, &seller, &org, &id).await;
    assert_eq!(detail["message"]["subject"], "SMTPS-1");
    assert_eq!(detail["message"]["status"], "processed", "{detail}");
    let outbox = app
        .get_json(
            &format!("/api/v1/parties/{seller_party}/sales-invoices"),
            &seller.token,
        )
        .await;
    assert_eq!(outbox["items"][0]["number"], "SMTPS-1");
}

/// A purchase invoice mailed to the inbox address that cannot be taken in is an
/// `InvoiceReceivedError` for the organization's webhooks (a sales mail's rejection is not:
/// only its sender hears of it).
#[tokio::test]
async fn a_purchase_invoice_that_cannot_be_taken_in_raises_invoice_received_error() {
    let app = app().await;
    let (seller, seller_party, _, _) = two_parties(&app).await;
    let org = organization_id(&app, &seller).await;
    let receiver = Receiver::start(&[]).await;
    create_hook(
        &app,
        &seller.token,
        "/api/v1/environment/hooks",
        &receiver.url(),
        &["InvoiceReceived*"],
    )
    .await;
    let broken = String::from_utf8(invoice("SUP-9", BUYER_KVK, SELLER_KVK, None))
        .unwrap()
        .replace("<cbc:IssueDate>", "<cbc:IssueDate>not-a-date")
        .into_bytes();
    let files = [("SUP-9.xml", "application/xml", broken)];

    let sales = mail(
        "ada@seller.example",
        &format!("{SELLER_KVK}.verkoop@{DOMAIN}"),
        "Broken sale",
        &files,
    );
    let sale = accepted_id(hand_over(&app, sales, "").await).await;
    assert_eq!(
        processed(&app, &seller, &org, &sale).await["message"]["status"],
        "rejected"
    );
    let purchase = mail(
        "ada@seller.example",
        &format!("{SELLER_KVK}.inkoop@{DOMAIN}"),
        "Broken purchase",
        &files,
    );
    let message = accepted_id(hand_over(&app, purchase, "").await).await;
    let detail = processed(&app, &seller, &org, &message).await;
    assert_eq!(detail["message"]["status"], "rejected", "{detail}");

    let got = receiver.wait_for(1).await;
    let event = got[0].json();
    assert_eq!(event["topic"], "InvoiceReceivedError");
    assert_eq!(event["partyId"], seller_party.as_str());
    assert!(event["documentId"].is_null());
    let details: Value = serde_json::from_str(event["details"].as_str().unwrap()).unwrap();
    assert_eq!(details["intakeMessageId"], message.as_str());
    assert_eq!(details["file"], "SUP-9.xml");
    assert_eq!(details["reason"], "validation_failed");
    assert_eq!(details["sender"], "ada@seller.example");
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(receiver.got().len(), 1, "the sales mail raised nothing");
}

/// The inbound-email endpoint takes messages up to `intake_max_message_bytes`, like the SMTP
/// receiver, even when that is above the general body limit; above it, 413 with the usual
/// error body, whether the length is announced or the body is streamed.
#[tokio::test]
async fn the_inbound_endpoint_has_the_intake_message_limit_not_the_general_one() {
    const GENERAL: usize = 4 * 1024;
    const INTAKE: u64 = 32 * 1024;
    let app = spawn_app_with(Options {
        inbound_email_secret: Some(SECRET.into()),
        max_body_bytes: GENERAL,
        intake_max_message_bytes: Some(INTAKE),
        ..Options::default()
    })
    .await;
    let (seller, _, _, _) = two_parties(&app).await;
    let org = organization_id(&app, &seller).await;
    let sales = format!("{SELLER_KVK}.verkoop@{DOMAIN}");
    // A plain-text message of exactly `size` bytes (no invoice in it).
    let message = |size: usize| {
        let mut raw = format!(
            "From: ada@seller.example\r\nTo: {sales}\r\nSubject: Size\r\n\
             Content-Type: text/plain\r\n\r\n"
        )
        .into_bytes();
        while raw.len() < size {
            let line = (size - raw.len()).min(78);
            raw.extend(std::iter::repeat_n(b'x', line.saturating_sub(2)));
            raw.extend_from_slice(&b"\r\n"[..line.min(2)]);
        }
        raw
    };

    // Above the general limit, below the intake limit: stored.
    let under = message(16 * 1024);
    assert!(under.len() > GENERAL);
    let id = accepted_id(hand_over(&app, under, "").await).await;
    let detail = processed(&app, &seller, &org, &id).await;
    assert_eq!(detail["message"]["reason"], "no_invoice", "{detail}");

    // Above the intake limit: 413 when announced, and when streamed without a length.
    let over = message(40 * 1024);
    assert!(over.len() as u64 > INTAKE);
    let body = assert_error_body(
        hand_over(&app, over.clone(), "").await,
        413,
        "payload_too_large",
    )
    .await;
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains(&INTAKE.to_string()),
        "{body}"
    );
    let answer = chunked_post(&app, "/api/v1/inbound-email", &over).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("\"payload_too_large\""), "{answer}");
    let log = app
        .get_json(
            &format!("/api/v1/organizations/{org}/intake/messages"),
            &seller.token,
        )
        .await;
    assert_eq!(
        log["items"].as_array().unwrap().len(),
        1,
        "nothing more stored"
    );

    // Other endpoints keep the general limit.
    let response = app
        .client
        .post(app.url("/api/v1/validate"))
        .header("content-type", "application/xml")
        .body(vec![b' '; GENERAL + 1])
        .send()
        .await
        .unwrap();
    assert_error_body(response, 413, "payload_too_large").await;
}

/// POSTs `body` with chunked transfer encoding (no announced length) and returns the raw
/// answer.
async fn chunked_post(app: &TestApp, path: &str, body: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = app.address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {SECRET}\r\n\
         Content-Type: message/rfc822\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    for chunk in body.chunks(1024) {
        let sent = async {
            stream
                .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
                .await?;
            stream.write_all(chunk).await?;
            stream.write_all(b"\r\n").await
        };
        // The server may answer and close before the whole body is sent.
        if sent.await.is_err() {
            break;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    String::from_utf8_lossy(&answer).into_owned()
}
