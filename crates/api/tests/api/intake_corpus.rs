//! The public Factur-X / ZUGFeRD PDFs of the shared corpus through email intake, by both
//! entrances (the SMTP receiver, spoken to with lettre, and `POST /api/v1/inbound-email`).
//!
//! Data-driven over the PDFs present: what each one should come to is Haven's verdict, which
//! `POST /api/v1/validate` gives and which must equal the official one of `expected.json` for
//! the rule sets Haven applies. A valid one lands in the inbox of the organization whose
//! purchase address it was mailed to, with the PDF as the document's original (its visual);
//! at the sales address it is refused, as its seller is not the organization. An invalid one
//! is refused, and the rejection mail names its rule ids. (Today: `invoice_EN16931.pdf` is a
//! valid EN 16931 Factur-X; `invalidXRechnung.pdf` declares XRechnung 1.2, which Haven
//! recognises and checks against the EN 16931 core rules, which it passes: it is invalid
//! only under the German national rules, which Haven does not apply.)

use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use serde_json::Value;

use crate::{
    exchange::{receive_on, two_parties, BUYER_KVK, SELLER_KVK},
    helpers::{spawn_app_with, Options, Session, TestApp},
    intake::{accepted_id, hand_over, mail, organization_id, processed, DOMAIN, SECRET},
};

/// The layer of `expected.json` an applied rule set's verdict is recorded under.
fn layer_of(rule_set: &str) -> Option<&'static str> {
    match rule_set {
        "CEN" => Some("CEN-1.3.16"),
        "Peppol" => Some("PEPPOL-3.0.19"),
        "NLCIUS-CII" => Some("NL-CII-1.0"),
        "SI-UBL" => Some("NL-SI-UBL-2.0"),
        _ => None,
    }
}

/// The fatal rule ids Haven finds in `file` (what a rejection lists), checked against the
/// official verdict of `expected.json` for the rule sets Haven applies. A document whose
/// specification identifier Haven does not support has no rule set applied: it is refused
/// for that (`HAVEN-PROFILE-UNKNOWN`) whatever the official verdict under its own rules.
async fn fatal_ids(
    app: &TestApp,
    token: &str,
    expected: &Value,
    file: &str,
    pdf: &[u8],
) -> Vec<String> {
    let response = app
        .client
        .post(app.url("/api/v1/validate"))
        .bearer_auth(token)
        .header("content-type", "application/pdf")
        .body(pdf.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200, "{file}");
    let report: Value = response.json().await.unwrap();
    let found: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "fatal")
        .map(|f| f["ruleId"].as_str().unwrap().to_owned())
        .collect();
    let layers = expected
        .get(file)
        .unwrap_or_else(|| panic!("{file} has no entry in expected.json"));
    let applied: Vec<&str> = report["ruleSets"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| layer_of(r["name"].as_str().unwrap_or_default()))
        .collect();
    if applied.is_empty() {
        assert_eq!(report["valid"], false, "{file}: {report}");
        assert!(
            found.iter().all(|id| id.starts_with("HAVEN-")),
            "{file}: {report}"
        );
        return found;
    }
    let official: Vec<&str> = applied
        .iter()
        .flat_map(|layer| {
            layers[*layer]["fatal"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
        })
        .collect();
    // Intake is judged by Haven's verdict; it must be the official one on these files.
    assert_eq!(
        report["valid"].as_bool(),
        Some(official.is_empty()),
        "{file}: Haven's verdict differs from the official one ({official:?}): {report}"
    );
    found
}

/// The rejection notice to `to` whose subject names `subject`.
async fn notice(app: &TestApp, to: &str, subject: &str) -> haven_mailer::testing::OutboxMail {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let found = haven_mailer::testing::outbox_for(&app.data_dir.join("outbox"), to)
            .into_iter()
            .find(|m| m.subject.contains(subject));
        if let Some(mail) = found {
            return mail;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no notice about {subject} to {to}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// The message id of the newest intake message of the organization, once there is one with
/// `subject`.
async fn logged(app: &TestApp, admin: &Session, org: &str, subject: &str) -> String {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let log = app
            .get_json(
                &format!("/api/v1/organizations/{org}/intake/messages"),
                &admin.token,
            )
            .await;
        let found = log["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["subject"] == subject)
            .and_then(|m| m["id"].as_str().map(str::to_owned));
        if let Some(id) = found {
            return id;
        }
        assert!(std::time::Instant::now() < deadline, "{subject} not logged");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn the_public_factur_x_pdfs_go_through_both_entrances() {
    let Some(corpus) =
        haven_testdata::invoices("the_public_factur_x_pdfs_go_through_both_entrances")
    else {
        return;
    };
    let expected: Value =
        serde_json::from_slice(&std::fs::read(corpus.join("expected.json")).unwrap()).unwrap();
    let pdfs = haven_testdata::files_with_extension(&corpus, "pdf");
    assert!(!pdfs.is_empty(), "the corpus holds Factur-X PDFs");

    let app = spawn_app_with(Options {
        inbound_email_secret: Some(SECRET.into()),
        smtp_intake: true,
        ..Options::default()
    })
    .await;
    // Over HTTP to the seller organization's addresses, over SMTP to the buyer's: each
    // organization sees each file once (a second time would be "already processed").
    let (seller, seller_party, buyer, buyer_party) = two_parties(&app).await;
    receive_on(&app, &seller, &seller_party).await;
    let seller_org = organization_id(&app, &seller).await;
    let buyer_org = organization_id(&app, &buyer).await;
    let smtp = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
        .port(app.smtp_port.expect("the receiver runs"))
        .build();

    for file in &pdfs {
        let bytes = std::fs::read(corpus.join(file)).unwrap();
        let name = file.rsplit('/').next().unwrap();
        let fatal = fatal_ids(&app, &seller.token, &expected, file, &bytes).await;
        let files = [(name, "application/pdf", bytes.clone())];

        // Sales address, over HTTP (first: a refused file is no document, so the purchase
        // below is not "already processed"). A valid invoice is not sent, since its seller is
        // not the organization; an invalid one is refused for its rules first.
        let subject = format!("HTTP sales {file}");
        let raw = mail(
            "ada@seller.example",
            &format!("{SELLER_KVK}.verkoop@{DOMAIN}"),
            &subject,
            &files,
        );
        let id = accepted_id(hand_over(&app, raw, "").await).await;
        let sale = processed(&app, &seller, &seller_org, &id).await;
        assert_eq!(sale["message"]["status"], "rejected", "{file}: {sale}");
        let item = &sale["items"][0];
        let text = notice(&app, "ada@seller.example", &subject).await.text;
        if fatal.is_empty() {
            assert_eq!(item["reason"], "not_allowed", "{file}: {sale}");
        } else {
            assert_eq!(item["reason"], "validation_failed", "{file}: {sale}");
            check_notice(&text, file, name, &fatal);
        }

        // Purchase address, over HTTP.
        let subject = format!("HTTP purchase {file}");
        let raw = mail(
            "ada@seller.example",
            &format!("{SELLER_KVK}.inkoop@{DOMAIN}"),
            &subject,
            &files,
        );
        let id = accepted_id(hand_over(&app, raw, "").await).await;
        let http = processed(&app, &seller, &seller_org, &id).await;
        assert_eq!(http["message"]["transport"], "http");
        check_purchase(&app, &seller, &seller_party, &http, file, &bytes, &fatal).await;
        if !fatal.is_empty() {
            let text = notice(&app, "ada@seller.example", &subject).await.text;
            check_notice(&text, file, name, &fatal);
        }

        // Purchase address, over SMTP.
        let subject = format!("SMTP purchase {file}");
        let raw = mail(
            "bob@buyer.example",
            &format!("{BUYER_KVK}.inkoop@{DOMAIN}"),
            &subject,
            &files,
        );
        let envelope = lettre::address::Envelope::new(
            Some("bob@buyer.example".parse().unwrap()),
            vec![format!("{BUYER_KVK}.inkoop@{DOMAIN}").parse().unwrap()],
        )
        .unwrap();
        smtp.send_raw(&envelope, &raw).await.unwrap();
        let id = logged(&app, &buyer, &buyer_org, &subject).await;
        let over_smtp = processed(&app, &buyer, &buyer_org, &id).await;
        assert_eq!(over_smtp["message"]["transport"], "smtp");
        check_purchase(&app, &buyer, &buyer_party, &over_smtp, file, &bytes, &fatal).await;
        if !fatal.is_empty() {
            let text = notice(&app, "bob@buyer.example", &subject).await.text;
            check_notice(&text, file, name, &fatal);
        }
    }
    let outbox = app
        .get_json(
            &format!("/api/v1/parties/{seller_party}/sales-invoices"),
            &seller.token,
        )
        .await;
    assert!(
        outbox["items"].as_array().unwrap().is_empty(),
        "nothing was sent: {outbox}"
    );
}

/// A valid file became a received document whose original is the PDF as mailed; an invalid
/// one was refused with its rule ids.
async fn check_purchase(
    app: &TestApp,
    admin: &Session,
    party: &str,
    detail: &Value,
    file: &str,
    pdf: &[u8],
    fatal: &[String],
) {
    let item = &detail["items"][0];
    if fatal.is_empty() {
        assert_eq!(detail["message"]["status"], "processed", "{file}: {detail}");
        assert_eq!(item["outcome"], "document", "{file}: {detail}");
        let document = item["documentId"].as_str().unwrap();
        let found = app
            .get_json(
                &format!("/api/v1/parties/{party}/purchase-invoices/{document}"),
                &admin.token,
            )
            .await;
        assert_eq!(found["id"], document, "{file}: {found}");
        for format in ["original", "pdf"] {
            let response = app
                .client
                .get(app.url(&format!(
                    "/api/v1/parties/{party}/purchase-invoices/{document}/download?format={format}"
                )))
                .bearer_auth(&admin.token)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status().as_u16(), 200, "{file} {format}");
            assert_eq!(
                response.headers()["content-type"],
                "application/pdf",
                "{file} {format}"
            );
            let body = response.bytes().await.unwrap();
            assert!(
                body.as_ref() == pdf,
                "{file} {format}: the PDF as mailed is the visual"
            );
        }
    } else {
        assert_eq!(detail["message"]["status"], "rejected", "{file}: {detail}");
        assert_eq!(item["outcome"], "rejected", "{file}: {detail}");
        assert_eq!(item["reason"], "validation_failed", "{file}: {detail}");
        let listed = item["detail"].as_str().unwrap_or_default();
        for id in fatal.iter().take(10) {
            assert!(listed.contains(id.as_str()), "{file}: {id} in {listed}");
        }
    }
}

/// The notice names the file and each official rule id that fired (up to the ten it lists).
fn check_notice(text: &str, file: &str, name: &str, fatal: &[String]) {
    assert!(text.contains(name), "{file}: the file in {text}");
    for id in fatal.iter().take(10) {
        assert!(text.contains(id.as_str()), "{file}: {id} in {text}");
    }
}
