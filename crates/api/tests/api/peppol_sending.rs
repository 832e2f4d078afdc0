//! Sending over Peppol: two Haven installations over HTTP. Haven A (access point PXX000001)
//! finds the buyer through a static locator and posts AS4 to Haven B's `/as4` (PXX000002),
//! where the buyer receives. Delivery, the receiver's refusal, a receiver that is down, an
//! untrusted or revoked receiver certificate and an answer signed by someone else.

use reqwest::Method;
use serde_json::{json, Value};

use crate::{
    exchange::{
        active_party, invoice, receive_on, send, BUYER_CONTACT, BUYER_KVK, SELLER_CONTACT,
        SELLER_KVK,
    },
    helpers::{spawn_app_with, As4Files, Options, Session, SmlSettings, SmpFiles, TestApp},
};
use haven_peppol::testing::{Ca, Leaf};

/// The test network: one AP CA, the two access points' leaves, and files for the settings.
pub(crate) struct Network {
    pub ca: Ca,
    pub a: Leaf,
    pub b: Leaf,
    /// What `peppol_ap_trust_file` holds: the AP CA, or a root and the AP CA under it.
    pub trust_pem: String,
    dir: tempfile::TempDir,
}

impl Network {
    pub fn new() -> Self {
        let ca = Ca::new("HAVEN TEST AP CA");
        let trust_pem = ca.pem.clone();
        Self::issued_by(ca, trust_pem)
    }

    /// The access points' leaves issued by `ca`, trusted through `trust_pem`.
    pub fn issued_by(ca: Ca, trust_pem: String) -> Self {
        let a = ca.leaf_with_key("PXX000001", None, false, 2);
        let b = ca.leaf_with_key("PXX000002", None, false, 3);
        Self {
            ca,
            a,
            b,
            trust_pem,
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn file(&self, name: &str, content: &[u8]) -> std::path::PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, content).unwrap();
        path
    }

    pub fn files(&self, name: &str, leaf: &Leaf) -> As4Files {
        As4Files {
            key_file: self.file(&format!("{name}-key.pem"), leaf.key_pem().as_bytes()),
            certificate_file: self.file(&format!("{name}.pem"), leaf.pem.as_bytes()),
            trust_file: self.file("ap-ca.pem", self.trust_pem.as_bytes()),
        }
    }

    /// Haven B, receiving as PXX000002 on `port` (0: any).
    pub async fn haven_b(&self, port: u16) -> TestApp {
        spawn_app_with(Options {
            peppol_as4: Some(self.files("b", &self.b)),
            port,
            ..Options::default()
        })
        .await
    }

    /// Haven A, sending as PXX000001; the buyer's access point is at `url` with the
    /// certificate `certificate` (PEM).
    pub async fn haven_a(&self, url: &str, certificate: &str) -> TestApp {
        self.haven_a_on(0, url, certificate).await
    }

    /// [`Network::haven_a`] listening on `port` (0: any).
    pub async fn haven_a_on(&self, port: u16, url: &str, certificate: &str) -> TestApp {
        let certificate_file = self.file("endpoint.pem", certificate.as_bytes());
        spawn_app_with(Options {
            peppol_as4: Some(self.files("a", &self.a)),
            peppol_static_endpoints: Some(format!(
                "0106:{BUYER_KVK} {url} {}",
                certificate_file.display()
            )),
            port,
            ..Options::default()
        })
        .await
    }
}

/// The buyer on Haven B, active; receiving when `receiving`.
pub(crate) async fn buyer_on(b: &TestApp, receiving: bool) -> (Session, String) {
    let buyer = b.register_admin("bob@buyer.example").await;
    let party = active_party(b, &buyer, BUYER_KVK, BUYER_CONTACT).await;
    if receiving {
        receive_on(b, &buyer, &party).await;
    }
    (buyer, party)
}

/// The seller on Haven A sends invoice `number` to the buyer; returns the outbox path.
pub(crate) async fn seller_sends(a: &TestApp, number: &str) -> (Session, String) {
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

pub(crate) async fn wait_for(app: &TestApp, token: &str, path: &str, statuses: &[&str]) -> Value {
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

pub(crate) async fn events(app: &TestApp, token: &str, location: &str) -> Vec<Value> {
    app.get_json(&format!("{location}/events"), token).await["items"]
        .as_array()
        .unwrap()
        .clone()
}

pub(crate) fn kinds(events: &[Value]) -> Vec<&str> {
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

pub(crate) async fn inbox(b: &TestApp, buyer: &Session, party: &str) -> Vec<Value> {
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
    // A posted the message from a spool file, stored as its evidence: B, which keeps what
    // was posted to it, holds it under the same hash. The file is gone from A's spool.
    let received: Vec<String> = walk(&b.data_dir.join("documents"));
    assert!(
        received
            .iter()
            .any(|name| name.contains(&hash("message sha256:"))),
        "B keeps the message A keeps, byte for byte"
    );
    assert_eq!(
        std::fs::read_dir(a.data_dir.join("spool")).unwrap().count(),
        0,
        "nothing stays in A's spool"
    );

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

    // The refused exchange is the document's evidence: the message and B's signed error.
    let exchanges = a
        .get_json(&format!("{location}/peppol-exchanges"), &seller.token)
        .await;
    let exchange = &exchanges["items"][0];
    assert_eq!(
        exchanges["items"].as_array().unwrap().len(),
        1,
        "{exchanges}"
    );
    assert_eq!(exchange["messageId"], message_id(failed).as_str());
    let refusal = exchange["refusal"].as_str().unwrap();
    assert!(refusal.starts_with("EBMS:0004"), "{refusal}");
    assert!(refusal.contains("PEPPOL:NOT_SERVICED"), "{refusal}");
    assert!(
        details.contains(exchange["receiptSha256"].as_str().unwrap()),
        "{details}"
    );
    let signal = a
        .send(
            Method::GET,
            &format!(
                "{location}/peppol-exchanges/{}/receipt",
                exchange["id"].as_str().unwrap()
            ),
            None,
            &seller.token,
        )
        .await;
    assert_eq!(signal.status().as_u16(), 200);
    let signal = signal.bytes().await.unwrap();
    let digest = {
        use sha2::Digest as _;
        hex::encode(sha2::Sha256::digest(&signal))
    };
    assert_eq!(digest, exchange["receiptSha256"].as_str().unwrap());
    assert!(String::from_utf8_lossy(&signal).contains("EBMS:0004"));
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
async fn a_receiver_certificate_its_ca_has_revoked_fails_the_document_before_sending() {
    let network = Network::new();
    let b = network.haven_b(0).await;
    let (buyer, buyer_party) = buyer_on(&b, true).await;
    // B's certificate as the SMP would publish it, naming the CA's OCSP responder (on
    // loopback, exempt in the test settings); the CA has revoked it.
    let revocation = network.ca.revocation_server().await;
    let revoked = network.ca.leaf_with_sources(
        "PXX000002",
        3,
        &haven_peppol::testing::Sources {
            ocsp: Some(revocation.ocsp_url()),
            crl: None,
        },
    );
    revocation.revoke(&revoked);
    let a = network.haven_a(&b.url("/as4"), &revoked.pem).await;
    let (seller, location) = seller_sends(&a, "INV-PEPPOL-REVOKED").await;

    let sent = wait_for(&a, &seller.token, &location, &["delivered", "failed"]).await;
    assert_eq!(sent["status"], "failed", "{sent}");
    let history = events(&a, &seller.token, &location).await;
    assert_eq!(kinds(&history), ["failed", "validated", "accepted"]);
    let details = history[0]["details"].as_str().unwrap();
    assert!(details.contains("Not sent over Peppol"), "{details}");
    assert!(details.contains("revoked"), "{details}");
    assert!(
        revocation
            .ocsp_requests
            .load(std::sync::atomic::Ordering::SeqCst)
            >= 1
    );
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

/// The independent Python AS4 implementation as the receiving access point (PXX000003),
/// behind a small HTTP server that hands each request to `peer.py receive` and answers with
/// the peer's signal. `served` is the participants it receives for; `results` what it said.
struct PythonPeer {
    url: String,
    served: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    results: std::sync::Arc<std::sync::Mutex<Vec<Value>>>,
}

/// What the peer's HTTP front needs for each request.
struct PeerFiles {
    python: std::path::PathBuf,
    script: std::path::PathBuf,
    key: std::path::PathBuf,
    certificate: std::path::PathBuf,
    root: std::path::PathBuf,
    served: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    results: std::sync::Arc<std::sync::Mutex<Vec<Value>>>,
}

/// One posted message: `peer.py receive` on it, answered with the peer's signal.
async fn peer_receives(
    req: actix_web::HttpRequest,
    body: actix_web::web::Bytes,
    files: actix_web::web::Data<PeerFiles>,
) -> actix_web::HttpResponse {
    use base64::{engine::general_purpose::STANDARD, Engine as _};
    let dir = tempfile::tempdir().unwrap();
    let content_type = req
        .headers()
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let headers = dir.path().join("headers.json");
    std::fs::write(
        &headers,
        json!({"Content-Type": content_type, "Mime-Version": "1.0"}).to_string(),
    )
    .unwrap();
    let body_file = dir.path().join("body");
    std::fs::write(&body_file, &body).unwrap();
    let config = dir.path().join("config.json");
    let served = files.served.lock().unwrap().clone();
    std::fs::write(
        &config,
        json!({
            "key": files.key, "certificate": files.certificate, "party_id": "PXX000003",
            "root": files.root, "served": served, "headers": headers, "body": body_file,
        })
        .to_string(),
    )
    .unwrap();
    let (python, script) = (files.python.clone(), files.script.clone());
    // The peer runs off the server's runtime.
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(python)
            .arg(script)
            .arg("receive")
            .arg(config)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let result: Value = serde_json::from_slice(&output.stdout).unwrap();
    let signal = STANDARD.decode(result["signal"].as_str().unwrap()).unwrap();
    let signal_type = result["signal_content_type"]
        .as_str()
        .unwrap_or("application/soap+xml")
        .to_owned();
    files.results.lock().unwrap().push(result);
    drop(dir);
    actix_web::HttpResponse::Ok()
        .content_type(signal_type)
        .body(signal)
}

async fn python_peer(python: std::path::PathBuf, network: &Network, leaf: &Leaf) -> PythonPeer {
    use actix_web::{web, App, HttpServer};

    let served = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let results = std::sync::Arc::new(std::sync::Mutex::new(Vec::<Value>::new()));
    let files = web::Data::new(PeerFiles {
        python,
        script: std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../peppol/tests/as4_peer/peer.py"),
        key: network.file("peer.key", leaf.key_pem().as_bytes()),
        certificate: network.file("peer.pem", leaf.pem.as_bytes()),
        root: network.file("peer-ca.pem", network.ca.pem.as_bytes()),
        served: served.clone(),
        results: results.clone(),
    });
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(files.clone())
            .default_service(web::to(peer_receives))
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    tokio::spawn(server);
    PythonPeer {
        url: format!("http://127.0.0.1:{port}/as4"),
        served,
        results,
    }
}

#[tokio::test]
async fn haven_delivers_to_the_python_as4_implementation_and_reads_its_refusal() {
    let Some(python) = crate::peppol::as4_python() else {
        return;
    };
    let network = Network::new();
    let leaf = network.ca.leaf_with_key("PXX000003", None, false, 4);
    let peer = python_peer(python, &network, &leaf).await;
    peer.served
        .lock()
        .unwrap()
        .push(format!("0106:{BUYER_KVK}"));
    let a = network.haven_a(&peer.url, &leaf.pem).await;
    let (seller, location) = seller_sends(&a, "INV-PY-OUT-1").await;

    let sent = wait_for(&a, &seller.token, &location, &["delivered", "failed"]).await;
    assert_eq!(sent["status"], "delivered", "{sent}");
    assert_eq!(sent["channel"], "peppol");
    let history = events(&a, &seller.token, &location).await;
    let id = message_id(&history[0]);
    let result = peer.results.lock().unwrap()[0].clone();
    assert_eq!(result["successful"], true, "{result}");
    assert_eq!(result["message_id"], id.as_str());
    assert_eq!(result["sender"], format!("0106:{SELLER_KVK}"));
    assert_eq!(result["recipient"], format!("0106:{BUYER_KVK}"));
    let sbd = {
        use base64::{engine::general_purpose::STANDARD, Engine as _};
        String::from_utf8(STANDARD.decode(result["sbd"].as_str().unwrap()).unwrap()).unwrap()
    };
    assert!(sbd.contains("INV-PY-OUT-1"), "{sbd}");
    assert!(sbd.contains("COUNTRY_C1"), "{sbd}");

    // The peer stops serving the buyer: its NOT_SERVICED error fails the next invoice.
    peer.served.lock().unwrap().clear();
    let response = send(
        &a,
        &seller.token,
        &format!("0106:{SELLER_KVK}"),
        invoice("INV-PY-OUT-2", SELLER_KVK, BUYER_KVK, None),
        None,
    )
    .await;
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let failed = wait_for(&a, &seller.token, &location, &["delivered", "failed"]).await;
    assert_eq!(failed["status"], "failed", "{failed}");
    let history = events(&a, &seller.token, &location).await;
    let details = history[0]["details"].as_str().unwrap();
    assert!(details.contains("EBMS:0004"), "{details}");
    assert!(details.contains("NOT_SERVICED"), "{details}");
}

/// Forwards posts to `target`; the answer to the first one is lost (502 instead), as when a
/// connection breaks after the receiver stored the message.
struct LossyProxy {
    target: String,
    forwarded: std::sync::atomic::AtomicUsize,
}

async fn lossy_forward(
    req: actix_web::HttpRequest,
    body: actix_web::web::Bytes,
    proxy: actix_web::web::Data<LossyProxy>,
) -> actix_web::HttpResponse {
    let content_type = req
        .headers()
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let answer = reqwest::Client::new()
        .post(&proxy.target)
        .header("content-type", content_type)
        .body(body.to_vec())
        .send()
        .await
        .unwrap();
    let answer_type = answer.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    let answer_body = answer.bytes().await.unwrap();
    let n = proxy
        .forwarded
        .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    if n == 0 {
        return actix_web::HttpResponse::BadGateway().finish();
    }
    actix_web::HttpResponse::Ok()
        .content_type(answer_type)
        .body(answer_body)
}

#[tokio::test]
async fn a_lost_answer_is_sent_again_as_the_same_message_and_stored_once() {
    use actix_web::{web, App, HttpServer};
    let network = Network::new();
    let b = network.haven_b(0).await;
    let (buyer, buyer_party) = buyer_on(&b, true).await;
    let proxy = web::Data::new(LossyProxy {
        target: b.url("/as4"),
        forwarded: std::sync::atomic::AtomicUsize::new(0),
    });
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let shared = proxy.clone();
    tokio::spawn(
        HttpServer::new(move || {
            App::new()
                .app_data(shared.clone())
                .default_service(web::to(lossy_forward))
        })
        .workers(1)
        .listen(listener)
        .unwrap()
        .run(),
    );
    let a = network
        .haven_a(&format!("http://127.0.0.1:{port}/as4"), &network.b.pem)
        .await;
    let (seller, location) = seller_sends(&a, "INV-PEPPOL-6").await;

    let retrying = wait_for(&a, &seller.token, &location, &["retrying", "failed"]).await;
    assert_eq!(retrying["status"], "retrying", "{retrying}");
    // B has it already, though A does not know.
    assert_eq!(inbox(&b, &buyer, &buyer_party).await.len(), 1);
    let history = events(&a, &seller.token, &location).await;
    let first = message_id(&history[0]);

    a.make_jobs_due("deliver_document").await;
    let sent = wait_for(&a, &seller.token, &location, &["delivered", "failed"]).await;
    assert_eq!(sent["status"], "delivered", "{sent}");
    let history = events(&a, &seller.token, &location).await;
    assert_eq!(message_id(&history[0]), first, "the same MessageId");
    assert_eq!(
        proxy.forwarded.load(std::sync::atomic::Ordering::SeqCst),
        2,
        "B got the message twice"
    );
    let items = inbox(&b, &buyer, &buyer_party).await;
    assert_eq!(items.len(), 1, "stored once: {items:?}");
}

/// Haven B with its own SMP, the buyer receiving there, an SML (a DNS server in the test) that
/// points the buyer's name at B's SMP, and Haven A finding receivers through it.
pub(crate) struct ThroughSml {
    pub a: TestApp,
    pub b: TestApp,
    pub buyer: Session,
    pub buyer_party: String,
    _dns: haven_peppol::testing::DnsServer,
    _network: Network,
}

impl ThroughSml {
    /// A's `peppol_smp_trust_file`.
    pub(crate) fn smp_trust_file(&self) -> std::path::PathBuf {
        self._network.dir.path().join("smp-ca.pem")
    }
}

pub(crate) async fn through_sml() -> ThroughSml {
    let smp_ca = Ca::new("HAVEN TEST SMP CA");
    let smp = smp_ca.leaf("PXX000009", None, false);
    through_sml_in(Network::new(), &smp, &smp_ca.pem).await
}

/// [`through_sml`] in `network`, B's SMP signing with `smp`, A trusting `smp_trust` (PEM).
pub(crate) async fn through_sml_in(network: Network, smp: &Leaf, smp_trust: &str) -> ThroughSml {
    use haven_peppol::{
        identifiers::ParticipantIdentifier,
        sml::participant_hostname,
        testing::{DnsAnswer, DnsServer},
    };
    const ZONE: &str = "sml.haven.test";
    // B's SMP publishes B's AS4 address, so B's port is chosen first.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let b_files = network.files("b", &network.b);
    let b = spawn_app_with(Options {
        peppol_smp: Some(SmpFiles {
            key_file: network.file("smp-key.pem", smp.key_pem().as_bytes()),
            certificate_file: network.file("smp.pem", smp.pem.as_bytes()),
            ap_certificate_file: b_files.certificate_file.clone(),
            as4_url: format!("http://127.0.0.1:{port}/as4"),
        }),
        peppol_as4: Some(b_files),
        port,
        ..Options::default()
    })
    .await;
    let (buyer, buyer_party) = buyer_on(&b, true).await;
    // The SML: the buyer's name points at B's SMP; other names do not exist.
    let dns = DnsServer::start().await;
    dns.set(
        &participant_hostname(
            &ParticipantIdentifier::from_value(&buyer_party).unwrap(),
            ZONE,
        ),
        DnsAnswer::Naptr(vec![(
            100,
            10,
            "U",
            "Meta:SMP",
            format!("!^.*$!http://127.0.0.1:{port}/smp!"),
        )]),
    );
    let a = spawn_app_with(Options {
        peppol_as4: Some(network.files("a", &network.a)),
        peppol_sml: Some(SmlSettings {
            zone: ZONE.into(),
            dns_server: dns.addr,
            smp_trust_file: network.file("smp-ca.pem", smp_trust.as_bytes()),
        }),
        // Quick to take a changed trust file into use (a test replaces it).
        peppol_certificate_reload_secs: Some(1),
        ..Options::default()
    })
    .await;
    ThroughSml {
        a,
        b,
        buyer,
        buyer_party,
        _dns: dns,
        _network: network,
    }
}

#[tokio::test]
async fn haven_finds_the_other_haven_through_the_sml_and_its_smp_and_delivers() {
    let ThroughSml {
        a,
        b,
        buyer,
        buyer_party,
        ..
    } = through_sml().await;
    let (seller, location) = seller_sends(&a, "INV-PEPPOL-SML").await;

    let sent = wait_for(&a, &seller.token, &location, &["delivered", "failed"]).await;
    assert_eq!(sent["status"], "delivered", "{sent}");
    assert_eq!(sent["channel"], "peppol");
    let history = events(&a, &seller.token, &location).await;
    let details = history[0]["details"].as_str().unwrap();
    assert!(details.contains("from PXX000001 to PXX000002"), "{details}");
    let items = inbox(&b, &buyer, &buyer_party).await;
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0]["number"], "INV-PEPPOL-SML");

    let response = a
        .send(
            Method::POST,
            &format!("/api/v1/parties/0106:{SELLER_KVK}/sales-invoices/query-recipient"),
            Some(&json!({"receiverIds": ["0106:99999999", buyer_party]})),
            &seller.token,
        )
        .await;
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["best"]["receiverId"], buyer_party.as_str());
    assert_eq!(body["best"]["channel"], "peppol");
    assert_eq!(body["candidates"][0]["reachability"], "not_registered");
}

/// The test invoice as SI-UBL 2.0 (NLCIUS): the same document under the NLCIUS specification
/// identifier.
pub(crate) fn nlcius_invoice(number: &str) -> Vec<u8> {
    let xml = String::from_utf8(invoice(number, SELLER_KVK, BUYER_KVK, None)).unwrap();
    let bis = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0";
    assert!(xml.contains(bis));
    xml.replace(
        bis,
        "urn:cen.eu:en16931:2017#compliant#urn:fdc:nen.nl:nlcius:v1.0",
    )
    .into_bytes()
}

/// Chooses the invoice document types the (only) organization of `admin` receives.
pub(crate) async fn choose_document_types(app: &TestApp, admin: &Session, types: &[&str]) {
    let orgs = app.get_json("/api/v1/organizations", &admin.token).await;
    let id = orgs["items"][0]["id"].as_str().unwrap().to_owned();
    let response = app
        .send(
            Method::PUT,
            &format!("/api/v1/organizations/{id}/peppol-document-types"),
            Some(&json!({ "documentTypes": types })),
            &admin.token,
        )
        .await;
    assert_eq!(response.status().as_u16(), 200);
}

/// The document type values of this month's AS4 exchanges, as the reporting records hold them
/// (what the SBDH said).
async fn exchanged_document_types(app: &TestApp) -> Vec<String> {
    use haven_domain::peppol::reporting::{ReportingMonth, ReportingRecords as _};
    app.database()
        .exchange_counts(ReportingMonth::of(chrono::Utc::now()))
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.document_type.value)
        .collect()
}

#[tokio::test]
async fn an_nlcius_invoice_travels_under_the_si_ubl_document_type_to_a_buyer_that_takes_it() {
    let ThroughSml {
        a,
        b,
        buyer,
        buyer_party,
        ..
    } = through_sml().await;
    // A Dutch buyer takes SI-UBL 2.0 unless it chose otherwise.
    let (seller, location) = seller_sends_body(&a, nlcius_invoice("INV-NLCIUS-1")).await;
    let sent = wait_for(&a, &seller.token, &location, &["delivered", "failed"]).await;
    assert_eq!(sent["status"], "delivered", "{sent}");
    assert_eq!(sent["channel"], "peppol");
    let items = inbox(&b, &buyer, &buyer_party).await;
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0]["number"], "INV-NLCIUS-1");
    // Both sides exchanged it under the SI-UBL 2.0 invoice type (the SBDH's), not BIS Billing's.
    for app in [&a, &b] {
        assert_eq!(
            exchanged_document_types(app).await,
            [haven_peppol::identifiers::NLCIUS_INVOICE],
            "{}",
            app.backend
        );
    }
    let response = a
        .send(
            Method::POST,
            &format!("/api/v1/parties/0106:{SELLER_KVK}/sales-invoices/query-recipient"),
            Some(&json!({"receiverIds": [buyer_party], "documentType": "nlcius_invoice"})),
            &seller.token,
        )
        .await;
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["best"]["reachability"], "deliverable", "{body}");
}

#[tokio::test]
async fn an_nlcius_invoice_is_not_sent_over_peppol_to_a_buyer_that_takes_only_bis_billing() {
    let ThroughSml {
        a,
        b,
        buyer,
        buyer_party,
        ..
    } = through_sml().await;
    choose_document_types(
        &b,
        &buyer,
        &["bis_billing_invoice", "bis_billing_credit_note"],
    )
    .await;
    let seller = a.register_admin("ada@seller.example").await;
    let seller_party = active_party(&a, &seller, SELLER_KVK, SELLER_CONTACT).await;
    // Asking first: the buyer is there for BIS Billing, not for SI-UBL 2.0, and the answer
    // says which document type it is not registered for.
    let ask = |document_type: &'static str| {
        let (a, seller, seller_party, buyer_party) = (&a, &seller, &seller_party, &buyer_party);
        async move {
            let response = a
                .send(
                    Method::POST,
                    &format!("/api/v1/parties/{seller_party}/sales-invoices/query-recipient"),
                    Some(&json!({"receiverIds": [buyer_party], "documentType": document_type})),
                    &seller.token,
                )
                .await;
            assert_eq!(response.status().as_u16(), 200);
            response.json::<Value>().await.unwrap()
        }
    };
    let bis = ask("bis_billing_invoice").await;
    assert_eq!(bis["best"]["reachability"], "deliverable", "{bis}");
    let nlcius = ask("nlcius_invoice").await;
    assert!(nlcius["best"].is_null(), "{nlcius}");
    assert_eq!(nlcius["candidates"][0]["channel"], "peppol");
    assert_eq!(nlcius["candidates"][0]["reachability"], "not_registered");
    let reason = nlcius["candidates"][0]["reason"].as_str().unwrap();
    assert!(reason.contains("SI-UBL 2.0 (NLCIUS) invoice"), "{reason}");

    // Sending it: not over Peppol (the buyer has no email address to fall back to), and the
    // history says why; nothing reached B.
    let response = send(
        &a,
        &seller.token,
        &seller_party,
        nlcius_invoice("INV-NLCIUS-2"),
        None,
    )
    .await;
    assert_eq!(response.status().as_u16(), 202);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let failed = wait_for(&a, &seller.token, &location, &["delivered", "failed"]).await;
    assert_eq!(failed["status"], "failed", "{failed}");
    let history = events(&a, &seller.token, &location).await;
    let details = history[0]["details"].as_str().unwrap();
    assert!(
        details.contains("SI-UBL 2.0 (NLCIUS) invoice") && details.contains(&buyer_party),
        "{details}"
    );
    assert!(inbox(&b, &buyer, &buyer_party).await.is_empty());
}

#[tokio::test]
async fn an_access_point_refuses_a_document_type_the_buyer_did_not_choose() {
    // A sender that does not ask the SMP (here a static locator) still cannot deliver a
    // document type the buyer did not choose: B answers PEPPOL:NOT_SERVICED.
    let network = Network::new();
    let b = network.haven_b(0).await;
    let (buyer, buyer_party) = buyer_on(&b, true).await;
    choose_document_types(&b, &buyer, &["bis_billing_invoice"]).await;
    let a = network.haven_a(&b.url("/as4"), &network.b.pem).await;
    let (seller, location) = seller_sends_body(&a, nlcius_invoice("INV-NLCIUS-3")).await;
    let failed = wait_for(&a, &seller.token, &location, &["delivered", "failed"]).await;
    assert_eq!(failed["status"], "failed", "{failed}");
    let history = events(&a, &seller.token, &location).await;
    let details = history[0]["details"].as_str().unwrap();
    assert!(details.contains("PEPPOL:NOT_SERVICED"), "{details}");
    assert!(inbox(&b, &buyer, &buyer_party).await.is_empty());
}

/// The test invoice in CII (as the engine converts it), with `changes` (from, to) made.
pub(crate) fn cii_invoice(number: &str, changes: &[(&str, &str)]) -> Vec<u8> {
    let ubl = invoice(number, SELLER_KVK, BUYER_KVK, None);
    let mut xml =
        String::from_utf8(haven_einvoice::transform(&ubl, haven_einvoice::Syntax::Cii).unwrap())
            .unwrap();
    for (from, to) in changes {
        assert!(xml.contains(from), "{from} in the CII");
        xml = xml.replace(from, to);
    }
    xml.into_bytes()
}

/// The seller on Haven A sends `body`; returns the outbox path.
pub(crate) async fn seller_sends_body(a: &TestApp, body: Vec<u8>) -> (Session, String) {
    let seller = a.register_admin("ada@seller.example").await;
    let party = active_party(a, &seller, SELLER_KVK, SELLER_CONTACT).await;
    let response = send(a, &seller.token, &party, body, None).await;
    assert_eq!(response.status().as_u16(), 202);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    (seller, location)
}

async fn download(app: &TestApp, token: &str, path: &str) -> Vec<u8> {
    let response = app
        .send(Method::GET, &format!("{path}/download"), None, token)
        .await;
    assert_eq!(response.status().as_u16(), 200);
    response.bytes().await.unwrap().to_vec()
}

/// The name of the root element (after the XML declaration and comments).
fn root_element(xml: &[u8]) -> String {
    let xml = std::str::from_utf8(xml).unwrap();
    let mut rest = xml;
    loop {
        rest = rest.trim_start();
        if rest.starts_with("<?") || rest.starts_with("<!--") {
            let end = if rest.starts_with("<?") { "?>" } else { "-->" };
            rest = &rest[rest.find(end).unwrap() + end.len()..];
        } else {
            break;
        }
    }
    let tag = rest.trim_start_matches('<');
    tag[..tag.find([' ', '>', '\n']).unwrap()].to_owned()
}

#[tokio::test]
async fn a_cii_invoice_goes_over_peppol_in_its_ubl_form_and_the_original_stays() {
    let network = Network::new();
    let b = network.haven_b(0).await;
    let (buyer, buyer_party) = buyer_on(&b, true).await;
    let a = network.haven_a(&b.url("/as4"), &network.b.pem).await;
    let original = cii_invoice("INV-PEPPOL-CII", &[]);
    let (seller, location) = seller_sends_body(&a, original.clone()).await;

    let sent = wait_for(&a, &seller.token, &location, &["delivered", "failed"]).await;
    assert_eq!(sent["status"], "delivered", "{sent}");
    assert_eq!(sent["channel"], "peppol");
    let history = events(&a, &seller.token, &location).await;
    assert_eq!(kinds(&history), ["delivered", "validated", "accepted"]);
    let details = history[0]["details"].as_str().unwrap();
    let label = "UBL sent sha256:";
    let start = details.find(label).expect(details) + label.len();
    let converted = details[start..start + 64].to_owned();
    assert!(
        details.contains("(made from the CII original)"),
        "{details}"
    );
    assert!(details.contains("message sha256:"), "{details}");
    // The UBL form is in A's document store; the seller's document keeps its original.
    let stored = walk(&a.data_dir.join("documents"))
        .into_iter()
        .find(|name| name.ends_with(&converted))
        .expect("the UBL sent is stored");
    let stored = std::fs::read(stored).unwrap();
    assert_eq!(
        hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&stored)),
        converted
    );
    assert_eq!(download(&a, &seller.token, &location).await, original);

    // B received the UBL form A names (as it stood in the SBD, without its XML declaration):
    // its original is UBL with the same business terms, and valid.
    let items = inbox(&b, &buyer, &buyer_party).await;
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0]["number"], "INV-PEPPOL-CII");
    assert_eq!(items[0]["channel"], "peppol");
    let received = download(
        &b,
        &buyer.token,
        &format!(
            "/api/v1/parties/{buyer_party}/purchase-invoices/{}",
            items[0]["id"].as_str().unwrap()
        ),
    )
    .await;
    assert_eq!(root_element(&original), "rsm:CrossIndustryInvoice");
    assert_eq!(root_element(&stored), "Invoice");
    assert_eq!(root_element(&received), "Invoice");
    assert_eq!(
        haven_einvoice::compare_business_terms(&stored, &received),
        Some(vec![])
    );
    assert_eq!(
        haven_einvoice::compare_business_terms(&original, &received),
        Some(vec![]),
        "nothing of the CII was lost"
    );
    let report = haven_einvoice::validate(&received, &haven_einvoice::ValidateOptions::default());
    assert!(report.valid, "{:?}", report.findings);
    assert_eq!(
        report.document.unwrap().detected_profile,
        Some(haven_einvoice::Profile::PeppolBis3)
    );
}

#[tokio::test]
async fn a_cii_invoice_the_peppol_rules_refuse_fails_at_once_and_nothing_is_posted() {
    let network = Network::new();
    let b = network.haven_b(0).await;
    let (buyer, buyer_party) = buyer_on(&b, true).await;
    let a = network.haven_a(&b.url("/as4"), &network.b.pem).await;
    // Valid EN 16931, but not Peppol BIS Billing 3.0: not relabelled, refused.
    let original = cii_invoice(
        "INV-PEPPOL-EN16931",
        &[(
            "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0",
            "urn:cen.eu:en16931:2017",
        )],
    );
    let (seller, location) = seller_sends_body(&a, original).await;

    let sent = wait_for(&a, &seller.token, &location, &["delivered", "failed"]).await;
    assert_eq!(sent["status"], "failed", "{sent}");
    let history = events(&a, &seller.token, &location).await;
    assert_eq!(kinds(&history), ["failed", "validated", "accepted"]);
    let failed = &history[0];
    assert_eq!(failed["attempt"], 1);
    let details = failed["details"].as_str().unwrap();
    assert!(details.contains("Not sent over Peppol"), "{details}");
    assert!(details.contains("PEPPOL-EN16931-R004"), "{details}");
    assert!(
        !details.contains("AS4 message"),
        "nothing was posted: {details}"
    );
    assert!(inbox(&b, &buyer, &buyer_party).await.is_empty());
}
