//! Sending over Peppol: two Haven installations over HTTP. Haven A (access point PXX000001)
//! finds the buyer through a static locator and posts AS4 to Haven B's `/as4` (PXX000002),
//! where the buyer receives. Delivery, the receiver's refusal, a receiver that is down, an
//! untrusted receiver certificate and an answer signed by someone else.

use reqwest::Method;
use serde_json::{json, Value};

use crate::{
    exchange::{
        active_party, invoice, receive_on, send, BUYER_CONTACT, BUYER_KVK, SELLER_CONTACT,
        SELLER_KVK,
    },
    helpers::{spawn_app_with, As4Files, Options, Session, TestApp},
};
use haven_peppol::testing::{Ca, Leaf};

/// The test network: one AP CA, the two access points' leaves, and files for the settings.
struct Network {
    ca: Ca,
    a: Leaf,
    b: Leaf,
    dir: tempfile::TempDir,
}

impl Network {
    fn new() -> Self {
        let ca = Ca::new("HAVEN TEST AP CA");
        let a = ca.leaf_with_key("PXX000001", None, false, 2);
        let b = ca.leaf_with_key("PXX000002", None, false, 3);
        Self {
            ca,
            a,
            b,
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn file(&self, name: &str, content: &[u8]) -> std::path::PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, content).unwrap();
        path
    }

    fn files(&self, name: &str, leaf: &Leaf) -> As4Files {
        As4Files {
            key_file: self.file(&format!("{name}-key.pem"), leaf.key_pem().as_bytes()),
            certificate_file: self.file(&format!("{name}.pem"), leaf.pem.as_bytes()),
            trust_file: self.file("ap-ca.pem", self.ca.pem.as_bytes()),
        }
    }

    /// Haven B, receiving as PXX000002 on `port` (0: any).
    async fn haven_b(&self, port: u16) -> TestApp {
        spawn_app_with(Options {
            peppol_as4: Some(self.files("b", &self.b)),
            port,
            ..Options::default()
        })
        .await
    }

    /// Haven A, sending as PXX000001; the buyer's access point is at `url` with the
    /// certificate `certificate` (PEM).
    async fn haven_a(&self, url: &str, certificate: &str) -> TestApp {
        let certificate_file = self.file("endpoint.pem", certificate.as_bytes());
        spawn_app_with(Options {
            peppol_as4: Some(self.files("a", &self.a)),
            peppol_static_endpoints: Some(format!(
                "0106:{BUYER_KVK} {url} {}",
                certificate_file.display()
            )),
            ..Options::default()
        })
        .await
    }
}

/// The buyer on Haven B, active; receiving when `receiving`.
async fn buyer_on(b: &TestApp, receiving: bool) -> (Session, String) {
    let buyer = b.register_admin("bob@buyer.example").await;
    let party = active_party(b, &buyer, BUYER_KVK, BUYER_CONTACT).await;
    if receiving {
        receive_on(b, &buyer, &party).await;
    }
    (buyer, party)
}

/// The seller on Haven A sends invoice `number` to the buyer; returns the outbox path.
async fn seller_sends(a: &TestApp, number: &str) -> (Session, String) {
    let seller = a.register_admin("ada@seller.example").await;
    let party = active_party(a, &seller, SELLER_KVK, SELLER_CONTACT).await;
    let response = send(
        a,
        &seller.token,
        &party,
        invoice(number, SELLER_KVK, BUYER_KVK, None),
        None,
    )
    .await;
    assert_eq!(response.status().as_u16(), 202);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    (seller, location)
}

async fn wait_for(app: &TestApp, token: &str, path: &str, statuses: &[&str]) -> Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let document = app.get_json(path, token).await;
        if statuses.iter().any(|s| document["status"] == *s) {
            return document;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "status stayed {} on {}",
            document["status"],
            app.backend
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

async fn events(app: &TestApp, token: &str, location: &str) -> Vec<Value> {
    app.get_json(&format!("{location}/events"), token).await["items"]
        .as_array()
        .unwrap()
        .clone()
}

fn kinds(events: &[Value]) -> Vec<&str> {
    events
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect()
}

/// The MessageId an event's details name (`AS4 message <id> …`).
fn message_id(event: &Value) -> String {
    let details = event["details"].as_str().unwrap();
    let start = details.find("AS4 message ").unwrap() + "AS4 message ".len();
    details[start..]
        .split([' ', ':', ','])
        .next()
        .unwrap()
        .to_owned()
}

async fn inbox(b: &TestApp, buyer: &Session, party: &str) -> Vec<Value> {
    b.get_json(
        &format!("/api/v1/parties/{party}/purchase-invoices"),
        &buyer.token,
    )
    .await["items"]
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn an_invoice_goes_from_one_haven_to_another_over_as4_with_the_receipt_as_evidence() {
    let network = Network::new();
    let b = network.haven_b(0).await;
    let (buyer, buyer_party) = buyer_on(&b, true).await;
    let a = network.haven_a(&b.url("/as4"), &network.b.pem).await;
    let (seller, location) = seller_sends(&a, "INV-PEPPOL-1").await;

    let sent = wait_for(&a, &seller.token, &location, &["delivered", "failed"]).await;
    assert_eq!(sent["status"], "delivered", "{sent}");
    assert_eq!(sent["channel"], "peppol");
    assert_eq!(sent["receiverId"], buyer_party.as_str());
    let history = events(&a, &seller.token, &location).await;
    assert_eq!(kinds(&history), ["delivered", "validated", "accepted"]);
    let delivered = &history[0];
    assert_eq!(delivered["channel"], "peppol");
    let details = delivered["details"].as_str().unwrap();
    let id = message_id(delivered);
    assert!(id.ends_with("@haven"), "{details}");
    for part in [
        "from PXX000001 to PXX000002",
        "answered at",
        "message sha256:",
        "signal sha256:",
    ] {
        assert!(details.contains(part), "{part} in {details}");
    }

    // The evidence is in A's document store under the hashes the history names.
    let hash = |label: &str| {
        let start = details.find(label).unwrap() + label.len();
        details[start..start + 64].to_owned()
    };
    let documents = a.data_dir.join("documents");
    let stored: Vec<String> = walk(&documents);
    for label in ["message sha256:", "signal sha256:"] {
        assert!(
            stored.iter().any(|name| name.contains(&hash(label))),
            "{label} is stored"
        );
    }

    let items = inbox(&b, &buyer, &buyer_party).await;
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0]["number"], "INV-PEPPOL-1");
    assert_eq!(items[0]["channel"], "peppol");

    // Asking before sending: the buyer is deliverable over Peppol, an unknown id is not there.
    let seller_party = format!("0106:{SELLER_KVK}");
    let response = a
        .send(
            Method::POST,
            &format!("/api/v1/parties/{seller_party}/sales-invoices/query-recipient"),
            Some(&json!({"receiverIds": ["0106:99999999", buyer_party]})),
            &seller.token,
        )
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["best"]["receiverId"], buyer_party.as_str());
    assert_eq!(body["best"]["channel"], "peppol");
    assert_eq!(body["best"]["reachability"], "deliverable");
    assert_eq!(body["candidates"][0]["channel"], "peppol");
    assert_eq!(body["candidates"][0]["reachability"], "not_registered");
}

fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            names.extend(walk(&path));
        } else {
            names.push(path.display().to_string());
        }
    }
    names
}

#[tokio::test]
async fn a_receiver_that_does_not_serve_the_buyer_fails_the_document_at_the_first_attempt() {
    let network = Network::new();
    let b = network.haven_b(0).await;
    // Active on B, but Receive is off: B answers PEPPOL:NOT_SERVICED.
    let (buyer, buyer_party) = buyer_on(&b, false).await;
    let a = network.haven_a(&b.url("/as4"), &network.b.pem).await;
    let (seller, location) = seller_sends(&a, "INV-PEPPOL-2").await;

    let sent = wait_for(&a, &seller.token, &location, &["delivered", "failed"]).await;
    assert_eq!(sent["status"], "failed", "{sent}");
    let history = events(&a, &seller.token, &location).await;
    assert_eq!(kinds(&history), ["failed", "validated", "accepted"]);
    let failed = &history[0];
    assert_eq!(failed["channel"], "peppol");
    assert_eq!(failed["attempt"], 1);
    let details = failed["details"].as_str().unwrap();
    assert!(details.contains("EBMS:0004"), "{details}");
    assert!(details.contains("PEPPOL:NOT_SERVICED"), "{details}");
    assert!(message_id(failed).ends_with("@haven"), "{details}");
    assert!(inbox(&b, &buyer, &buyer_party).await.is_empty());
}

#[tokio::test]
async fn a_receiver_that_is_down_gets_the_same_message_again_once_it_is_up() {
    let network = Network::new();
    // A port nobody listens on yet: B starts there later.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/as4");
    let a = network.haven_a(&url, &network.b.pem).await;
    let (seller, location) = seller_sends(&a, "INV-PEPPOL-3").await;

    let retrying = wait_for(&a, &seller.token, &location, &["retrying", "failed"]).await;
    assert_eq!(retrying["status"], "retrying", "{retrying}");
    let history = events(&a, &seller.token, &location).await;
    assert_eq!(history[0]["event"], "attempt_failed");
    assert_eq!(history[0]["channel"], "peppol");
    let first = message_id(&history[0]);

    let b = network.haven_b(port).await;
    let (buyer, buyer_party) = buyer_on(&b, true).await;
    a.make_jobs_due("deliver_document").await;
    let sent = wait_for(&a, &seller.token, &location, &["delivered", "failed"]).await;
    assert_eq!(sent["status"], "delivered", "{sent}");
    let history = events(&a, &seller.token, &location).await;
    assert_eq!(
        kinds(&history),
        ["delivered", "attempt_failed", "validated", "accepted"]
    );
    assert_eq!(history[0]["attempt"], 2);
    assert_eq!(
        message_id(&history[0]),
        first,
        "a retry keeps the MessageId"
    );
    let items = inbox(&b, &buyer, &buyer_party).await;
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0]["number"], "INV-PEPPOL-3");
}

#[tokio::test]
async fn a_receiver_certificate_from_another_ca_is_refused_before_sending() {
    let network = Network::new();
    let b = network.haven_b(0).await;
    let (buyer, buyer_party) = buyer_on(&b, true).await;
    let foreign = Ca::new("FOREIGN AP CA").leaf_with_key("PXX000002", None, false, 3);
    let a = network.haven_a(&b.url("/as4"), &foreign.pem).await;
    let (seller, location) = seller_sends(&a, "INV-PEPPOL-4").await;

    let sent = wait_for(&a, &seller.token, &location, &["delivered", "failed"]).await;
    assert_eq!(sent["status"], "failed", "{sent}");
    let history = events(&a, &seller.token, &location).await;
    assert_eq!(kinds(&history), ["failed", "validated", "accepted"]);
    let details = history[0]["details"].as_str().unwrap();
    assert!(details.contains("Not sent over Peppol"), "{details}");
    assert!(details.contains("certificate"), "{details}");
    assert!(inbox(&b, &buyer, &buyer_party).await.is_empty());
}

#[tokio::test]
async fn an_answer_not_signed_by_the_receivers_certificate_does_not_count() {
    let network = Network::new();
    let b = network.haven_b(0).await;
    let (buyer, buyer_party) = buyer_on(&b, true).await;
    // The locator names a certificate of the right CA and seat id but with another key: B
    // cannot decrypt, and its (genuine) answer is not signed by the certificate A expects.
    let impostor = network.ca.leaf_with_key("PXX000002", None, false, 4);
    let a = network.haven_a(&b.url("/as4"), &impostor.pem).await;
    let (seller, location) = seller_sends(&a, "INV-PEPPOL-5").await;

    let sent = wait_for(
        &a,
        &seller.token,
        &location,
        &["retrying", "delivered", "failed"],
    )
    .await;
    assert_eq!(sent["status"], "retrying", "{sent}");
    let history = events(&a, &seller.token, &location).await;
    assert_eq!(history[0]["event"], "attempt_failed");
    let details = history[0]["details"].as_str().unwrap();
    assert!(
        details.contains("not signed with the receiver's certificate"),
        "{details}"
    );
    assert!(inbox(&b, &buyer, &buyer_party).await.is_empty());
}
