//! Renewing the access point's certificate without breaking receiving: a previous key kept for
//! what senders still encrypt to the old certificate, and renewed files taken into use by the
//! running server (AS4 over HTTP, the SMP, the operators' certificate list and the
//! installation's audit log).

use std::time::Duration;

use chrono::Utc;
use haven_peppol::{
    as4::{
        send::{build_user_message, MessageOptions, Outgoing},
        signal::{verify_answer, Answer},
    },
    http::HostRules,
    identifiers::{DocumentTypeIdentifier, ParticipantIdentifier, ProcessIdentifier},
    sbdh::{self, Sbdh},
    smp::SmpClient,
    testing::{Ca, Leaf},
    xmldsig::TrustAnchors,
};
use serde_json::Value;

use crate::{
    exchange::{invoice, two_parties, BUYER_KVK, SELLER_KVK},
    helpers::{spawn_app_with, As4Files, Options, SmpFiles, TestApp},
    peppol_sending::{buyer_on, inbox, seller_sends, through_sml_in, wait_for, Network},
};

const OPERATOR: &str = "operator@haven.test";

/// An AS4 message from PXX000001 (`signer`) with an invoice to `receiver`, encrypted to
/// `recipient` (DER).
fn message(signer: &Leaf, recipient: &[u8], receiver: &str, number: &str) -> Outgoing {
    let header = Sbdh {
        sender: ParticipantIdentifier::from_value(&format!("0106:{SELLER_KVK}")).unwrap(),
        receiver: ParticipantIdentifier::from_value(receiver).unwrap(),
        document_type: DocumentTypeIdentifier::bis_billing_invoice(),
        process: ProcessIdentifier::billing(),
        country_c1: "NL".into(),
        instance_identifier: uuid::Uuid::new_v4().to_string(),
        created: Utc::now(),
    };
    let document = invoice(number, SELLER_KVK, BUYER_KVK, None);
    let sbd = sbdh::write(&header, &document).unwrap();
    build_user_message(
        &sbd,
        &signer.ap_key(),
        recipient,
        &MessageOptions::default(),
    )
    .unwrap()
}

/// Posts `message` to the app's `/as4`: the answer as its sender checks it against `signer`.
async fn post(app: &TestApp, message: &Outgoing, signer: &[u8]) -> Answer {
    let response = reqwest::Client::new()
        .post(app.url("/as4"))
        .header("content-type", &message.content_type)
        .body(message.body().to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    let body = response.bytes().await.unwrap();
    verify_answer(&content_type, &body, message, signer).unwrap()
}

/// The serial number as the operators' list shows it (hexadecimal, no leading zero bytes).
fn serial(leaf: &Leaf) -> String {
    leaf.serial
        .iter()
        .skip_while(|b| **b == 0)
        .map(|b| format!("{b:02x}"))
        .collect()
}

async fn certificates(app: &TestApp, token: &str) -> Vec<Value> {
    let list = app.get_json("/api/v1/operator/certificates", token).await;
    list["items"].as_array().unwrap().clone()
}

/// The installation's audit events of `action`, waiting up to 20 seconds for the first.
async fn wait_for_events(app: &TestApp, token: &str, action: &str) -> Vec<Value> {
    for _ in 0..400 {
        let page = app.get_json("/api/v1/operator/audit-events", token).await;
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
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no {action} event in the installation's audit log");
}

#[tokio::test]
async fn after_a_renewal_a_sender_with_the_old_certificate_still_delivers() {
    let network = Network::new();
    // B renewed: a new key and certificate as current, the old pair as previous.
    let renewed = network.ca.leaf_with_key("PXX000002", None, false, 5);
    let old = network.files("b-old", &network.b);
    let b = spawn_app_with(Options {
        peppol_as4: Some(network.files("b", &renewed)),
        peppol_ap_previous: Some((old.key_file, old.certificate_file)),
        ..Options::default()
    })
    .await;
    let (buyer, buyer_party) = buyer_on(&b, true).await;
    // A still has B's old certificate (a cached SMP answer, here its static locator).
    let a = network.haven_a(&b.url("/as4"), &network.b.pem).await;
    let (seller, location) = seller_sends(&a, "INV-ROLLOVER-1").await;

    // B decrypts with the previous key and signs the receipt with the new one, which A takes
    // as its renewed certificate: delivered.
    let sent = wait_for(
        &a,
        &seller.token,
        &location,
        &["delivered", "failed", "retrying"],
    )
    .await;
    assert_eq!(sent["status"], "delivered", "{sent}");
    let received = inbox(&b, &buyer, &buyer_party).await;
    assert_eq!(received.len(), 1);
    assert_eq!(received[0]["number"], "INV-ROLLOVER-1");

    // B's receipt for a message to the old certificate verifies against the new one.
    let to_old = message(&network.a, &network.b.der, &buyer_party, "INV-ROLLOVER-2");
    assert_eq!(post(&b, &to_old, &renewed.der).await, Answer::Receipt);

    // Operators see both certificates; the previous one as such.
    let operator = b.register_admin(OPERATOR).await;
    let listed = certificates(&b, &operator.token).await;
    let by_purpose = |purpose: &str| {
        listed
            .iter()
            .find(|c| c["purpose"] == purpose)
            .unwrap_or_else(|| panic!("no {purpose} in {listed:?}"))
            .clone()
    };
    assert_eq!(
        by_purpose("access_point")["serialNumber"],
        serial(&renewed).as_str()
    );
    assert_eq!(
        by_purpose("access_point_previous")["serialNumber"],
        serial(&network.b).as_str()
    );
    assert_eq!(
        by_purpose("access_point_previous")["subject"],
        "CN=PXX000002"
    );
}

#[tokio::test]
async fn without_the_previous_key_a_message_to_the_old_certificate_gets_an_ebms_error() {
    let network = Network::new();
    let renewed = network.ca.leaf_with_key("PXX000002", None, false, 5);
    let b = spawn_app_with(Options {
        peppol_as4: Some(network.files("b", &renewed)),
        ..Options::default()
    })
    .await;
    let (buyer, buyer_party) = buyer_on(&b, true).await;
    let to_old = message(&network.a, &network.b.der, &buyer_party, "INV-ROLLOVER-3");
    match post(&b, &to_old, &renewed.der).await {
        Answer::Error { code, detail } => {
            assert_eq!(code, "EBMS:0102", "{detail}");
            assert!(detail.contains("another certificate"), "{detail}");
        }
        Answer::Receipt => panic!("a message B cannot decrypt was acknowledged"),
    }
    // A, holding the old certificate, does not take an error signed by another certificate
    // as final: it tries again (by then, in the network, with the new certificate).
    let a = network.haven_a(&b.url("/as4"), &network.b.pem).await;
    let (seller, location) = seller_sends(&a, "INV-ROLLOVER-4").await;
    let sent = wait_for(
        &a,
        &seller.token,
        &location,
        &["delivered", "failed", "retrying"],
    )
    .await;
    assert_eq!(sent["status"], "retrying", "{sent}");
    assert!(inbox(&b, &buyer, &buyer_party).await.is_empty());
}

/// One installation receiving and publishing as PXX000002, looking at its files every second.
struct Renewing {
    app: TestApp,
    ca: Ca,
    smp_client: SmpClient,
    sender: Leaf,
    old: Leaf,
    files: As4Files,
    _dir: tempfile::TempDir,
}

async fn renewing() -> Renewing {
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::new("HAVEN TEST AP CA");
    let old = ca.leaf_with_key("PXX000002", None, false, 3);
    let sender = ca.leaf_with_key("PXX000001", None, false, 2);
    let smp_ca = Ca::new("HAVEN TEST SMP CA");
    let smp = smp_ca.leaf("PXX000001", None, false);
    let path = |name: &str| dir.path().join(name);
    for (name, text) in [
        ("ap-key.pem", old.key_pem()),
        ("ap.pem", old.pem.clone()),
        ("ap-ca.pem", ca.pem.clone()),
        ("smp-key.pem", smp.key_pem()),
        ("smp.pem", smp.pem.clone()),
    ] {
        std::fs::write(path(name), text).unwrap();
    }
    let files = As4Files {
        key_file: path("ap-key.pem"),
        certificate_file: path("ap.pem"),
        trust_file: path("ap-ca.pem"),
    };
    let app = spawn_app_with(Options {
        peppol_as4: Some(files.clone()),
        peppol_smp: Some(SmpFiles {
            key_file: path("smp-key.pem"),
            certificate_file: path("smp.pem"),
            ap_certificate_file: path("ap.pem"),
            as4_url: "https://ap.haven.test/as4".into(),
        }),
        peppol_certificate_reload_secs: Some(1),
        ..Options::default()
    })
    .await;
    let smp_client = SmpClient::new(
        TrustAnchors::from_der(vec![smp_ca.der.clone()]).unwrap(),
        HostRules {
            insecure_hosts: vec!["127.0.0.1".into()],
        },
    )
    .unwrap();
    Renewing {
        app,
        ca,
        smp_client,
        sender,
        old,
        files,
        _dir: dir,
    }
}

impl Renewing {
    /// The certificate Haven's SMP publishes for `participant`.
    async fn published(&self, participant: &str) -> Vec<u8> {
        self.smp_client
            .endpoint(
                &self.app.url("/smp"),
                &ParticipantIdentifier::from_value(participant).unwrap(),
                &DocumentTypeIdentifier::bis_billing_invoice(),
                &ProcessIdentifier::billing(),
                Utc::now(),
            )
            .await
            .unwrap()
            .certificate
    }

    /// Writes `content` to `path` as an operator should: a new file renamed over the old.
    fn replace(path: &std::path::Path, content: &[u8]) {
        let next = path.with_extension("new");
        std::fs::write(&next, content).unwrap();
        std::fs::rename(&next, path).unwrap();
    }
}

#[tokio::test]
async fn renewed_files_are_taken_into_use_without_a_restart() {
    let env = renewing().await;
    let app = &env.app;
    let (_, _, _, buyer_party) = two_parties(app).await;
    let operator = app.register_admin(OPERATOR).await;
    assert_eq!(env.published(&buyer_party).await, env.old.der);

    let renewed = env.ca.leaf_with_key("PXX000002", None, false, 5);
    // The certificate first, then the key: a look in between finds a pair that does not
    // belong together and keeps the old one.
    Renewing::replace(&env.files.certificate_file, renewed.pem.as_bytes());
    Renewing::replace(&env.files.key_file, renewed.key_pem().as_bytes());

    let events = wait_for_events(app, &operator.token, "peppol.certificate_renewed").await;
    let event = events
        .iter()
        .find(|e| e["details"]["purpose"] == "access_point")
        .unwrap_or_else(|| panic!("{events:?}"));
    assert_eq!(
        event["details"]["oldSerialNumber"],
        serial(&env.old).as_str()
    );
    assert_eq!(
        event["details"]["newSerialNumber"],
        serial(&renewed).as_str()
    );
    assert_eq!(event["targetType"], "certificate");

    // The SMP publishes the new certificate, the receiver decrypts with the new key and signs
    // its receipt with it, and operators see it.
    assert_eq!(env.published(&buyer_party).await, renewed.der);
    let to_new = message(&env.sender, &renewed.der, &buyer_party, "INV-RENEWED-1");
    assert_eq!(post(app, &to_new, &renewed.der).await, Answer::Receipt);
    let listed = certificates(app, &operator.token).await;
    let ap = listed
        .iter()
        .find(|c| c["purpose"] == "access_point")
        .unwrap();
    assert_eq!(ap["serialNumber"], serial(&renewed).as_str());
}

#[tokio::test]
async fn a_broken_replacement_keeps_the_old_key_and_is_in_the_audit_log() {
    let env = renewing().await;
    let app = &env.app;
    let (_, _, _, buyer_party) = two_parties(app).await;
    let operator = app.register_admin(OPERATOR).await;

    Renewing::replace(&env.files.key_file, b"not a key");
    let events = wait_for_events(app, &operator.token, "peppol.certificate_reload_failed").await;
    let reason = events[0]["details"]["reason"].as_str().unwrap();
    assert!(reason.contains("peppol_ap_key_file"), "{reason}");
    assert!(reason.contains("PRIVATE KEY"), "{reason}");

    // The old key and certificate are still in use everywhere.
    assert_eq!(env.published(&buyer_party).await, env.old.der);
    let to_old = message(&env.sender, &env.old.der, &buyer_party, "INV-KEPT-1");
    assert_eq!(post(app, &to_old, &env.old.der).await, Answer::Receipt);
    let listed = certificates(app, &operator.token).await;
    assert_eq!(listed[0]["serialNumber"], serial(&env.old).as_str());
    // Nothing was renewed.
    let page = app
        .get_json("/api/v1/operator/audit-events", &operator.token)
        .await;
    assert!(
        !page["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "peppol.certificate_renewed"),
        "{page}"
    );
}

#[tokio::test]
async fn a_changed_trust_file_is_taken_into_use_and_a_broken_one_keeps_the_old() {
    let env = renewing().await;
    let app = &env.app;
    let (_, _, _, buyer_party) = two_parties(app).await;
    let operator = app.register_admin(OPERATOR).await;
    // A sender under a CA the trust file does not hold yet.
    let other_ca = Ca::new("HAVEN TEST AP CA 2");
    let stranger = other_ca.leaf_with_key("PXX000001", None, false, 2);
    let from_stranger = |number: &str| message(&stranger, &env.old.der, &buyer_party, number);
    match post(app, &from_stranger("INV-TRUST-1"), &env.old.der).await {
        Answer::Error { code, .. } => assert_eq!(code, "EBMS:0101"),
        Answer::Receipt => panic!("a sender of an untrusted CA was acknowledged"),
    }

    // The operator adds the CA: taken into use, and in the audit log.
    Renewing::replace(
        &env.files.trust_file,
        format!("{}{}", env.ca.pem, other_ca.pem).as_bytes(),
    );
    let events = wait_for_events(app, &operator.token, "peppol.trust_renewed").await;
    assert_eq!(events[0]["details"]["setting"], "peppol_ap_trust_file");
    assert_eq!(events[0]["targetType"], "setting");
    let anchors = events[0]["details"]["anchors"].to_string();
    assert!(anchors.contains("HAVEN TEST AP CA 2"), "{anchors}");
    assert_eq!(
        post(app, &from_stranger("INV-TRUST-2"), &env.old.der).await,
        Answer::Receipt
    );

    // A broken file, and one that no longer covers Haven's own certificate: both refused,
    // recorded, and the trust in use stays.
    for (content, says) in [
        (b"not a certificate".to_vec(), "peppol_ap_trust_file"),
        (other_ca.pem.as_bytes().to_vec(), "peppol_ap_trust_file"),
    ] {
        let before = app
            .get_json("/api/v1/operator/audit-events", &operator.token)
            .await["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "peppol.certificate_reload_failed")
            .count();
        Renewing::replace(&env.files.trust_file, &content);
        let mut failed = Vec::new();
        for _ in 0..400 {
            failed =
                wait_for_events(app, &operator.token, "peppol.certificate_reload_failed").await;
            if failed.len() > before {
                break;
            }
            failed.clear();
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(!failed.is_empty(), "no new reload failure for {says}");
        let reason = failed[0]["details"]["reason"].as_str().unwrap();
        assert!(reason.contains(says), "{reason}");
        assert_eq!(
            post(app, &from_stranger("INV-TRUST-3"), &env.old.der).await,
            Answer::Receipt
        );
    }
    // Only the one good change was recorded as renewed trust.
    assert_eq!(
        wait_for_events(app, &operator.token, "peppol.trust_renewed")
            .await
            .len(),
        1
    );
}

#[tokio::test]
async fn a_changed_smp_trust_file_is_used_for_the_next_lookup() {
    // A trusts another SMP CA than the one B's SMP certificate is under.
    let smp_ca = Ca::new("HAVEN TEST SMP CA");
    let smp = smp_ca.leaf("PXX000009", None, false);
    let wrong = Ca::new("OTHER SMP CA");
    let env = through_sml_in(Network::new(), &smp, &wrong.pem).await;
    let operator = env.a.register_admin(OPERATOR).await;
    let (seller, location) = seller_sends(&env.a, "INV-SMP-TRUST-1").await;
    let sent = wait_for(
        &env.a,
        &seller.token,
        &location,
        &["delivered", "failed", "retrying"],
    )
    .await;
    assert_eq!(sent["status"], "retrying", "{sent}");

    // The operator puts the right SMP CA in the file: recorded, and the next lookup verifies.
    Renewing::replace(&env.smp_trust_file(), smp_ca.pem.as_bytes());
    let events = wait_for_events(&env.a, &operator.token, "peppol.trust_renewed").await;
    assert_eq!(events[0]["details"]["setting"], "peppol_smp_trust_file");
    let party = location
        .split("/parties/")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap()
        .to_owned();
    let response = crate::exchange::send(
        &env.a,
        &seller.token,
        &party,
        invoice("INV-SMP-TRUST-2", SELLER_KVK, BUYER_KVK, None),
        None,
    )
    .await;
    assert_eq!(response.status().as_u16(), 202);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let sent = wait_for(&env.a, &seller.token, &location, &["delivered", "failed"]).await;
    assert_eq!(sent["status"], "delivered", "{sent}");
    let received = inbox(&env.b, &env.buyer, &env.buyer_party).await;
    assert!(
        received.iter().any(|i| i["number"] == "INV-SMP-TRUST-2"),
        "{received:?}"
    );
}
