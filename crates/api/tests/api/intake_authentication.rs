//! Sender authentication of intake mail (SPF, DKIM, DMARC) end to end: a DNS server on
//! 127.0.0.1 publishes the sender domain's SPF, DKIM key and DMARC policy; messages go through
//! the real SMTP receiver and `POST /api/v1/inbound-email`, signed with the published key or
//! not.

use haven_mailbox::testing::{DkimKey, TxtDnsServer};
use lettre::{address::Envelope, AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use serde_json::Value;

use crate::{
    exchange::{invoice, two_parties, BUYER_KVK, SELLER_KVK},
    helpers::{spawn_app_with, Options, Session, TestApp},
    intake::{accepted_id, hand_over, mail, organization_id, processed, DOMAIN, SECRET},
};

/// The seller's users mail from this domain (`ada@seller.example`, a trusted address).
const SENDER_DOMAIN: &str = "seller.example";
const SENDER: &str = "ada@seller.example";

/// The DNS of the sender's domain: SPF allows a server that is not 127.0.0.1 (so SPF fails
/// for the tests' connections), the DKIM key signs, and DMARC has `policy`.
async fn sender_dns(policy: &str) -> (TxtDnsServer, DkimKey) {
    let dns = TxtDnsServer::start().await;
    dns.set_txt(SENDER_DOMAIN, &["v=spf1 ip4:192.0.2.10 -all"]);
    dns.set_txt(
        &format!("_dmarc.{SENDER_DOMAIN}"),
        &[&format!("v=DMARC1; p={policy}")],
    );
    let key = DkimKey::generate(SENDER_DOMAIN, "haven2026");
    key.publish(&dns);
    (dns, key)
}

async fn smtp_app(mode: &str, dns: &TxtDnsServer) -> TestApp {
    spawn_app_with(Options {
        smtp_intake: true,
        inbound_email_secret: Some(SECRET.into()),
        intake_sender_authentication: Some(mode.into()),
        intake_dns_server: Some(dns.addr),
        intake_authserv_id: Some("mx.haven.test".into()),
        ..Options::default()
    })
    .await
}

fn sales_mail(number: &str) -> Vec<u8> {
    mail(
        SENDER,
        &format!("{SELLER_KVK}.verkoop@{DOMAIN}"),
        number,
        &[(
            &format!("{number}.xml"),
            "application/xml",
            invoice(number, SELLER_KVK, BUYER_KVK, None),
        )],
    )
}

/// An SMTP client of the app's receiver, and the envelope from `SENDER` to the seller's sales
/// address.
fn smtp_to_sales(app: &TestApp) -> (AsyncSmtpTransport<Tokio1Executor>, Envelope) {
    let client = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
        .port(app.smtp_port.expect("the receiver runs"))
        .build();
    let envelope = Envelope::new(
        Some(SENDER.parse().unwrap()),
        vec![format!("{SELLER_KVK}.verkoop@{DOMAIN}").parse().unwrap()],
    )
    .unwrap();
    (client, envelope)
}

/// Mails `raw` over SMTP from `SENDER` and returns the processed intake message.
async fn over_smtp(app: &TestApp, seller: &Session, org: &str, raw: &[u8]) -> Value {
    let (client, envelope) = smtp_to_sales(app);
    let before = log_len(app, seller, org).await;
    client.send_raw(&envelope, raw).await.unwrap();
    let log = app
        .get_json(
            &format!("/api/v1/organizations/{org}/intake/messages"),
            &seller.token,
        )
        .await;
    assert_eq!(log["items"].as_array().unwrap().len(), before + 1, "{log}");
    let id = log["items"][0]["id"].as_str().unwrap().to_owned();
    processed(app, seller, org, &id).await
}

async fn log_len(app: &TestApp, seller: &Session, org: &str) -> usize {
    app.get_json(
        &format!("/api/v1/organizations/{org}/intake/messages"),
        &seller.token,
    )
    .await["items"]
        .as_array()
        .unwrap()
        .len()
}

async fn audit_actions(app: &TestApp, admin: &Session) -> Vec<String> {
    app.get_json("/api/v1/audit-events?limit=200", &admin.token)
        .await["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn enforced_authentication_takes_signed_mail_and_refuses_forgeries_without_a_reply() {
    let (dns, key) = sender_dns("reject").await;
    let app = smtp_app("enforce", &dns).await;
    let (seller, seller_party, _, _) = two_parties(&app).await;
    let org = organization_id(&app, &seller).await;

    // Signed by the domain's published key: DKIM passes aligned, so DMARC passes although
    // SPF fails for 127.0.0.1.
    let detail = over_smtp(&app, &seller, &org, &key.sign(&sales_mail("AUTH-1"))).await;
    assert_eq!(detail["message"]["status"], "processed", "{detail}");
    assert!(detail["items"][0]["documentId"].is_string(), "{detail}");
    let verdict = &detail["message"]["senderVerdict"];
    assert_eq!(verdict["source"], "checked", "{verdict}");
    assert_eq!(verdict["fromDomain"], SENDER_DOMAIN);
    assert_eq!(verdict["spf"], "fail", "{verdict}");
    assert_eq!(verdict["spfDomain"], SENDER_DOMAIN);
    assert_eq!(verdict["dkim"][0]["domain"], SENDER_DOMAIN);
    assert_eq!(verdict["dkim"][0]["result"], "pass", "{verdict}");
    assert_eq!(verdict["dkim"][0]["aligned"], true);
    assert_eq!(verdict["dmarc"], "pass");
    assert_eq!(verdict["dmarcPolicy"], "reject");
    assert_eq!(verdict["authenticated"], true);
    assert!(!audit_actions(&app, &seller)
        .await
        .iter()
        .any(|a| a == "intake.sender_not_authenticated"));

    // The same trusted From without a signature, from an address SPF does not allow:
    // refused, logged with the reason, and not answered (the address may be forged).
    let detail = over_smtp(&app, &seller, &org, &sales_mail("AUTH-2")).await;
    assert_eq!(detail["message"]["status"], "rejected", "{detail}");
    assert_eq!(detail["message"]["reason"], "sender_not_authenticated");
    assert_eq!(detail["message"]["replied"], false);
    assert!(detail["items"].as_array().unwrap().is_empty(), "{detail}");
    let verdict = &detail["message"]["senderVerdict"];
    assert_eq!(verdict["dkim"], serde_json::json!([]));
    assert_eq!(verdict["dmarc"], "fail", "{verdict}");
    assert_eq!(verdict["authenticated"], false);
    assert!(audit_actions(&app, &seller)
        .await
        .iter()
        .any(|a| a == "intake.sender_not_authenticated"));

    // Signed, then the body altered on the way: the body hash no longer matches.
    let signed = String::from_utf8(key.sign(&sales_mail("AUTH-3"))).unwrap();
    let altered = signed.replacen("See attached.", "See attached!", 1);
    assert_ne!(signed, altered);
    let detail = over_smtp(&app, &seller, &org, altered.as_bytes()).await;
    assert_eq!(
        detail["message"]["reason"], "sender_not_authenticated",
        "{detail}"
    );
    assert_eq!(detail["message"]["replied"], false);
    assert_eq!(
        detail["message"]["senderVerdict"]["dkim"][0]["result"],
        "fail"
    );
    let sent = app
        .get_json(
            &format!("/api/v1/parties/{seller_party}/sales-invoices"),
            &seller.token,
        )
        .await;
    let numbers: Vec<_> = sent["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["number"].clone())
        .collect();
    assert_eq!(numbers, vec![Value::from("AUTH-1")], "{sent}");

    // A stranger whose domain nothing vouches for: rejected as untrusted, but not answered
    // either (without enforcement a notice goes out, see intake.rs).
    let stranger = mail(
        "mallory@evil.example",
        &format!("{SELLER_KVK}.verkoop@{DOMAIN}"),
        "Pay me",
        &[(
            "x.xml",
            "application/xml",
            invoice("AUTH-4", SELLER_KVK, BUYER_KVK, None),
        )],
    );
    let id = accepted_id(hand_over(&app, stranger, "").await).await;
    let detail = processed(&app, &seller, &org, &id).await;
    assert_eq!(detail["message"]["reason"], "untrusted_sender", "{detail}");
    assert_eq!(detail["message"]["replied"], false);
    assert_eq!(detail["message"]["senderVerdict"]["dmarcPolicy"], "absent");
    assert!(!numbers.contains(&Value::from("AUTH-2")), "{sent}");
    assert!(!numbers.contains(&Value::from("AUTH-3")), "{sent}");
}

/// DNS trouble is no verdict: under `enforce` the message is deferred (SMTP 451), nothing is
/// stored, and the sender's server delivers it when the DNS answers again.
#[tokio::test]
async fn a_sender_domain_whose_dns_fails_is_deferred_and_accepted_on_retry() {
    let (dns, key) = sender_dns("reject").await;
    let app = smtp_app("enforce", &dns).await;
    let (seller, _, _, _) = two_parties(&app).await;
    let org = organization_id(&app, &seller).await;
    let (client, envelope) = smtp_to_sales(&app);
    let signed = key.sign(&sales_mail("AUTH-DNS"));

    dns.set_failing(true);
    let refused = client
        .send_raw(&envelope, &signed)
        .await
        .expect_err("deferred while the DNS fails");
    assert!(
        refused.is_transient(),
        "a 4xx, for the sender to retry: {refused}"
    );
    assert_eq!(log_len(&app, &seller, &org).await, 0, "nothing stored");

    dns.set_failing(false);
    let detail = over_smtp(&app, &seller, &org, &signed).await;
    assert_eq!(detail["message"]["status"], "processed", "{detail}");
    assert_eq!(detail["message"]["senderVerdict"]["authenticated"], true);
}

#[tokio::test]
async fn report_mode_records_the_verdict_and_processes_as_before() {
    let (dns, _key) = sender_dns("none").await;
    let app = smtp_app("report", &dns).await;
    let (seller, _, _, _) = two_parties(&app).await;
    let org = organization_id(&app, &seller).await;

    let detail = over_smtp(&app, &seller, &org, &sales_mail("REPORT-1")).await;
    assert_eq!(detail["message"]["status"], "processed", "{detail}");
    let verdict = &detail["message"]["senderVerdict"];
    assert_eq!(verdict["spf"], "fail", "{verdict}");
    assert_eq!(verdict["dmarc"], "fail", "{verdict}");
    assert_eq!(verdict["dmarcPolicy"], "none");
    assert_eq!(verdict["authenticated"], false);
}

#[tokio::test]
async fn the_inbound_endpoint_believes_only_the_configured_receiving_server() {
    let (dns, key) = sender_dns("reject").await;
    let app = smtp_app("enforce", &dns).await;
    let (seller, _, _, _) = two_parties(&app).await;
    let org = organization_id(&app, &seller).await;
    let with_results = |authserv_id: &str, number: &str| {
        let mut raw = format!(
            "Authentication-Results: {authserv_id}; spf=pass smtp.mailfrom={SENDER};\r\n dmarc=pass (p=reject) header.from={SENDER_DOMAIN}\r\n"
        )
        .into_bytes();
        raw.extend_from_slice(&sales_mail(number));
        raw
    };

    // The configured server vouches for the sender: processed on its word.
    let id = accepted_id(hand_over(&app, with_results("mx.haven.test", "AR-1"), "").await).await;
    let detail = processed(&app, &seller, &org, &id).await;
    assert_eq!(detail["message"]["status"], "processed", "{detail}");
    let verdict = &detail["message"]["senderVerdict"];
    assert_eq!(verdict["source"], "receiving_server", "{verdict}");
    assert_eq!(verdict["spf"], "pass");
    assert_eq!(verdict["dmarc"], "pass");
    assert_eq!(verdict["dmarcPolicy"], "reject");
    assert_eq!(verdict["authenticated"], true);

    // Another server's header (the sender can write one itself) is not believed: Haven
    // checks DKIM, finds no signature, and refuses.
    let id = accepted_id(hand_over(&app, with_results("mx.evil.test", "AR-2"), "").await).await;
    let detail = processed(&app, &seller, &org, &id).await;
    assert_eq!(
        detail["message"]["reason"], "sender_not_authenticated",
        "{detail}"
    );
    assert_eq!(detail["message"]["senderVerdict"]["source"], "checked");
    assert_eq!(detail["message"]["replied"], false);

    // Without a header Haven checks itself: a valid DKIM signature of the From domain is
    // enough (no SPF without the connecting address).
    let id = accepted_id(hand_over(&app, key.sign(&sales_mail("AR-3")), "").await).await;
    let detail = processed(&app, &seller, &org, &id).await;
    assert_eq!(detail["message"]["status"], "processed", "{detail}");
    let verdict = &detail["message"]["senderVerdict"];
    assert_eq!(verdict["spf"], "none", "{verdict}");
    assert_eq!(verdict["dmarc"], "pass", "{verdict}");
}
