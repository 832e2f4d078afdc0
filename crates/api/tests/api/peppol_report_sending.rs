//! Sending the monthly Peppol reports to OpenPeppol over AS4. Haven (access point PXX000001,
//! in NL) finds OpenPeppol's participant id through a static locator and posts to a stand-in
//! for OpenPeppol's access point (PXX000002): an AS4 receiver built from the adapter crate
//! (signature, decryption, SBDH checks, signed receipt or ebMS error), which records what it
//! opened and can answer 503 first, or refuse. On SQLite and PostgreSQL.

use std::sync::{Arc, Mutex};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use haven_domain::peppol::receiving::{As4Inbound as _, Posted, Refusal};
use haven_peppol::{
    as4::inbound::{As4Receiver, BlockingAs4Receiver},
    http::HostRules,
    revocation::{Policy, RevocationChecker},
    testing::{Ca, Leaf},
    xmldsig::TrustAnchors,
};
use reqwest::Method;
use serde_json::Value;

use crate::{
    connections::{create, organization_of, token},
    exchange::{active_party, SELLER_CONTACT, SELLER_KVK},
    helpers::{assert_error_body, spawn_app_with, As4Files, Options, Session, TestApp},
};

const OPERATOR: &str = "operator@haven.test";
/// A month long past: neither the current nor the previous one, which the start schedules.
const MONTH: &str = "2025-06";
const TSR: &str = "urn:fdc:peppol:transaction-statistics-report:1.0::TransactionStatisticsReport##urn:fdc:peppol.eu:edec:trns:transaction-statistics-reporting:1.0::1.0";
const EUSR: &str = "urn:fdc:peppol:end-user-statistics-report:1.1::EndUserStatisticsReport##urn:fdc:peppol.eu:edec:trns:end-user-statistics-report:1.1::1.1";

/// How the stand-in answers.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Accept,
    /// 503 for the first post of each MessageId, a receipt for the next.
    BusyFirst,
    /// A signed ebMS error.
    Refuse,
    /// 503, always.
    Down,
}

/// One message the stand-in opened.
#[derive(Clone, Debug)]
struct Opened {
    message_id: String,
    sender: String,
    receiver: String,
    document_type: String,
    process: String,
    country_c1: String,
    document: String,
    /// What was answered: 503, `receipt` or `error`.
    answer: String,
}

struct StandIn {
    receiver: BlockingAs4Receiver,
    mode: Mutex<Mode>,
    opened: Mutex<Vec<Opened>>,
}

async fn stand_in_receive(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<StandIn>,
) -> HttpResponse {
    let content_type = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let posted = Posted::from_body(content_type, body.to_vec()).unwrap();
    let (inbound, opened, _) = match state.receiver.open(posted).await.unwrap() {
        Ok(opened) => opened,
        Err((failed, _)) => {
            let signal = state.receiver.answer_failed(&failed).await.unwrap();
            return HttpResponse::Ok()
                .content_type(signal.content_type)
                .body(signal.body);
        }
    };
    let mode = *state.mode.lock().unwrap();
    let seen_before = state
        .opened
        .lock()
        .unwrap()
        .iter()
        .any(|o| o.message_id == inbound.message_id);
    let (answer, response) = match mode {
        Mode::BusyFirst if !seen_before => ("503", None),
        Mode::Down => ("503", None),
        Mode::Refuse => (
            "error",
            Some(
                state
                    .receiver
                    .refuse(
                        &opened,
                        Refusal::Invalid("the report is refused (test)".into()),
                    )
                    .await
                    .unwrap(),
            ),
        ),
        _ => (
            "receipt",
            Some(state.receiver.receipt(&opened).await.unwrap()),
        ),
    };
    state.opened.lock().unwrap().push(Opened {
        message_id: inbound.message_id.clone(),
        sender: inbound.sender.clone(),
        receiver: inbound.receiver.clone(),
        document_type: inbound.document_type.value.clone(),
        process: inbound.process.value.clone(),
        country_c1: inbound.country_c1.clone(),
        document: String::from_utf8_lossy(&inbound.document).into_owned(),
        answer: answer.to_owned(),
    });
    match response {
        None => HttpResponse::ServiceUnavailable().finish(),
        Some(signal) => HttpResponse::Ok()
            .content_type(signal.content_type)
            .body(signal.body),
    }
}

/// The test network: the AP CA, Haven's leaf (in NL) and the stand-in's.
struct Reporting {
    ca: Ca,
    haven: Leaf,
    openpeppol: Leaf,
    dir: tempfile::TempDir,
}

impl Reporting {
    fn new() -> Self {
        let ca = Ca::new("HAVEN TEST AP CA");
        Self {
            haven: ca.leaf_in_country("PXX000001", "NL", 2),
            openpeppol: ca.leaf_with_key("PXX000002", None, false, 3),
            ca,
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn file(&self, name: &str, content: &[u8]) -> std::path::PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, content).unwrap();
        path
    }

    /// Starts the stand-in; returns it and its AS4 URL.
    fn stand_in(&self, mode: Mode) -> (web::Data<StandIn>, String) {
        let checker = RevocationChecker::new(
            Policy::Off,
            HostRules {
                insecure_hosts: vec!["127.0.0.1".into()],
            },
            std::time::Duration::from_secs(3),
        )
        .unwrap();
        let receiver = BlockingAs4Receiver(Arc::new(As4Receiver {
            keys: haven_peppol::rollover::Swappable::new(haven_peppol::as4::ApKeys::new(
                self.openpeppol.ap_key(),
            )),
            ap_trust: haven_peppol::rollover::Swappable::new(
                TrustAnchors::from_pem(self.ca.pem.as_bytes()).unwrap(),
            ),
            max_decompressed: haven_peppol::as4::DEFAULT_MAX_DECOMPRESSED,
            revocation: Arc::new(checker),
            spool_dir: std::env::temp_dir(),
        }));
        let state = web::Data::new(StandIn {
            receiver,
            mode: Mutex::new(mode),
            opened: Mutex::new(Vec::new()),
        });
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let shared = state.clone();
        tokio::spawn(
            HttpServer::new(move || {
                App::new()
                    .app_data(shared.clone())
                    .default_service(web::to(stand_in_receive))
            })
            .workers(1)
            .listen(listener)
            .unwrap()
            .run(),
        );
        (state, format!("http://127.0.0.1:{port}/as4"))
    }

    /// Haven, sending its reports (when `send`) to OpenPeppol's id at `url`.
    async fn haven(&self, url: &str, send: bool) -> TestApp {
        let endpoint = self.file("openpeppol.pem", self.openpeppol.pem.as_bytes());
        spawn_app_with(Options {
            peppol_as4: Some(As4Files {
                key_file: self.file("haven-key.pem", self.haven.key_pem().as_bytes()),
                certificate_file: self.file("haven.pem", self.haven.pem.as_bytes()),
                trust_file: self.file("ap-ca.pem", self.ca.pem.as_bytes()),
            }),
            peppol_static_endpoints: Some(format!(
                "9925:be0848934496 {url} {}",
                endpoint.display()
            )),
            peppol_reporting_send: send,
            ..Options::default()
        })
        .await
    }
}

async fn send_now(app: &TestApp, token: &str, month: &str) -> reqwest::Response {
    app.send(
        Method::POST,
        &format!("/api/v1/operator/peppol-reports/{month}/send"),
        None,
        token,
    )
    .await
}

/// The month's item of the list (it pages through until it is found).
async fn month_item(app: &TestApp, operator: &Session, month: &str) -> Value {
    let mut path = "/api/v1/operator/peppol-reports?limit=200".to_owned();
    loop {
        let page = app.get_json(&path, &operator.token).await;
        if let Some(item) = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["month"] == month)
        {
            return item.clone();
        }
        let next = page["nextCursor"].as_str().expect("the month is listed");
        path = format!("/api/v1/operator/peppol-reports?limit=200&before={next}");
    }
}

/// Waits until both reports of `month` are in one of `states`.
async fn wait_for_states(app: &TestApp, operator: &Session, month: &str, states: &[&str]) -> Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let item = month_item(app, operator, month).await;
        if states.iter().any(|s| item["tsr"]["state"] == *s)
            && states.iter().any(|s| item["eusr"]["state"] == *s)
        {
            return item;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "states stayed {item} on {}",
            app.backend
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// How many times the stand-in was posted the message `message_id`.
fn posts_of(stand_in: &StandIn, message_id: &str) -> usize {
    stand_in
        .opened
        .lock()
        .unwrap()
        .iter()
        .filter(|o| o.message_id == message_id)
        .count()
}

/// The installation's `peppol.report_send_failed` events of `MONTH`.
async fn report_failures(app: &TestApp, operator: &Session) -> Vec<Value> {
    let events = app
        .get_json("/api/v1/operator/audit-events?limit=200", &operator.token)
        .await;
    events["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "peppol.report_send_failed" && e["details"]["month"] == MONTH)
        .cloned()
        .collect()
}

fn of_month<'a>(opened: &'a [Opened], month: &str) -> Vec<&'a Opened> {
    let start = format!("<StartDate>{month}-01</StartDate>");
    opened
        .iter()
        .filter(|o| o.document.contains(&start))
        .collect()
}

/// Downloads a report's stored evidence.
async fn evidence(
    app: &TestApp,
    token: &str,
    month: &str,
    report: &str,
    part: &str,
) -> reqwest::Response {
    app.send(
        reqwest::Method::GET,
        &format!("/api/v1/operator/peppol-reports/{month}/{report}/evidence/{part}"),
        None,
        token,
    )
    .await
}

/// The evidence's bytes, checked against the SHA-256 the months list gives for it.
async fn evidence_bytes(
    app: &TestApp,
    token: &str,
    sending: &Value,
    report: &str,
    part: &str,
) -> String {
    let response = evidence(app, token, MONTH, report, part).await;
    assert_eq!(response.status().as_u16(), 200, "{report} {part}");
    assert_eq!(
        response.headers()["content-disposition"],
        format!("attachment; filename=\"{report}-{MONTH}-{part}.mime\"").as_str()
    );
    let bytes = response.bytes().await.unwrap();
    use sha2::Digest;
    let listed = if part == "message" {
        "messageSha256"
    } else {
        "receiptSha256"
    };
    assert_eq!(
        hex::encode(sha2::Sha256::digest(&bytes)),
        sending[listed].as_str().unwrap(),
        "{report} {part}"
    );
    String::from_utf8_lossy(&bytes).into_owned()
}

#[tokio::test]
async fn the_reports_go_to_openpeppol_over_as4_and_a_busy_receiver_gets_the_same_message_again() {
    let network = Reporting::new();
    let (stand_in, url) = network.stand_in(Mode::BusyFirst);
    let app = network.haven(&url, true).await;
    let operator = app.register_admin(OPERATOR).await;

    let response = send_now(&app, &operator.token, MONTH).await;
    assert_eq!(response.status().as_u16(), 202);
    let queued: Value = response.json().await.unwrap();
    assert_eq!(queued["month"], MONTH);
    assert_eq!(queued["tsr"]["state"], "pending", "{queued}");
    assert_eq!(queued["eusr"]["state"], "pending", "{queued}");

    // The first post of each message is answered 503: pending, with the reason.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let busy = of_month(&stand_in.opened.lock().unwrap(), MONTH).len();
        let item = month_item(&app, &operator, MONTH).await;
        if busy == 2 && item["tsr"]["reason"].is_string() && item["eusr"]["reason"].is_string() {
            assert_eq!(item["tsr"]["state"], "pending", "{item}");
            assert!(
                item["tsr"]["reason"].as_str().unwrap().contains("503"),
                "{item}"
            );
            break;
        }
        assert!(std::time::Instant::now() < deadline, "no 503 seen: {item}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }

    app.make_jobs_due("send_peppol_report").await;
    let item = wait_for_states(&app, &operator, MONTH, &["sent", "failed"]).await;
    for (report, document_type) in [("tsr", TSR), ("eusr", EUSR)] {
        let sending = &item[report];
        assert_eq!(sending["state"], "sent", "{item}");
        assert!(sending["sentAt"].is_string(), "{item}");
        assert_eq!(sending["reason"], Value::Null, "{item}");
        let message_id = sending["messageId"].as_str().unwrap();
        let opened = stand_in.opened.lock().unwrap().clone();
        let posts: Vec<&Opened> = opened
            .iter()
            .filter(|o| o.message_id == message_id)
            .collect();
        // The same message twice: 503, then the receipt.
        assert_eq!(
            posts.iter().map(|o| o.answer.as_str()).collect::<Vec<_>>(),
            ["503", "receipt"],
            "{report}"
        );
        let post = posts[1];
        assert_eq!(post.document_type, document_type);
        assert_eq!(post.process, "urn:fdc:peppol.eu:edec:bis:reporting:1.0");
        assert_eq!(post.receiver, "9925:be0848934496");
        assert_eq!(post.sender, "0242:000001");
        assert_eq!(post.country_c1, "NL");
        assert!(
            post.document
                .contains("<ReporterID schemeID=\"CertSubjectCN\">PXX000001</ReporterID>"),
            "{}",
            post.document
        );
        assert!(
            post.document.contains("<EndDate>2025-06-30</EndDate>"),
            "{}",
            post.document
        );
        assert_eq!(
            sending["messageSha256"].as_str().map(str::len),
            Some(64),
            "{item}"
        );
        assert_eq!(sending["receiptSha256"].as_str().map(str::len), Some(64));

        // The evidence downloads byte for byte as listed.
        let message = evidence_bytes(&app, &operator.token, sending, report, "message").await;
        assert!(message.starts_with("Content-Type: "), "{report}");
        assert!(message.contains(message_id), "{report}");
        let receipt = evidence_bytes(&app, &operator.token, sending, report, "receipt").await;
        assert!(receipt.contains("Receipt"), "{report}: {receipt}");
    }

    // Sent: asking again is a conflict, and nothing more is posted.
    let before = of_month(&stand_in.opened.lock().unwrap(), MONTH).len();
    assert_eq!(before, 4, "two messages, each posted twice");
    let response = send_now(&app, &operator.token, MONTH).await;
    assert_error_body(response, 409, "report_already_sent").await;
    app.make_jobs_due("send_peppol_report").await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let after = of_month(&stand_in.opened.lock().unwrap(), MONTH).len();
    assert_eq!(after, before);
}

#[tokio::test]
async fn a_refusal_fails_the_report_at_once_with_an_audit_event_and_a_resend_goes_out() {
    let network = Reporting::new();
    let (stand_in, url) = network.stand_in(Mode::Refuse);
    let app = network.haven(&url, true).await;
    let operator = app.register_admin(OPERATOR).await;

    let response = send_now(&app, &operator.token, MONTH).await;
    assert_eq!(response.status().as_u16(), 202);
    let item = wait_for_states(&app, &operator, MONTH, &["sent", "failed"]).await;
    for report in ["tsr", "eusr"] {
        assert_eq!(item[report]["state"], "failed", "{item}");
        let reason = item[report]["reason"].as_str().unwrap();
        assert!(reason.contains("EBMS:0004"), "{reason}");
        assert!(reason.contains("refused (test)"), "{reason}");
        // Once: an ebMS error is not retried.
        let message_id = item[report]["messageId"].as_str().unwrap();
        let posts = posts_of(&stand_in, message_id);
        assert_eq!(posts, 1, "{report}");
        // The signed ebMS error is kept as the evidence of the refusal.
        let error = evidence_bytes(&app, &operator.token, &item[report], report, "receipt").await;
        assert!(error.contains("EBMS:0004"), "{report}: {error}");
    }
    let first_tsr = item["tsr"]["messageId"].as_str().unwrap().to_owned();
    app.make_jobs_due("send_peppol_report").await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let still = posts_of(&stand_in, &first_tsr);
    assert_eq!(still, 1, "no retry after an ebMS error");

    // In the installation's audit log, with the month, report and reason.
    let failures = report_failures(&app, &operator).await;
    assert_eq!(failures.len(), 2, "{failures:?}");
    assert!(failures.iter().all(|e| e["details"]["refused"] == true
        && e["details"]["reason"]
            .as_str()
            .unwrap()
            .contains("EBMS:0004")));

    // Sent again once the receiver takes it: a new message.
    *stand_in.mode.lock().unwrap() = Mode::Accept;
    let response = send_now(&app, &operator.token, MONTH).await;
    assert_eq!(response.status().as_u16(), 202);
    let item = wait_for_states(&app, &operator, MONTH, &["sent", "failed"]).await;
    assert_eq!(item["tsr"]["state"], "sent", "{item}");
    assert_eq!(item["eusr"]["state"], "sent", "{item}");
    assert_ne!(item["tsr"]["messageId"], first_tsr.as_str());
}

#[tokio::test]
async fn only_operators_send_and_only_months_that_ended() {
    let network = Reporting::new();
    let (_stand_in, url) = network.stand_in(Mode::Accept);
    let app = network.haven(&url, true).await;
    let path = format!("/api/v1/operator/peppol-reports/{MONTH}/send");

    let response = app.post_json(&path, &serde_json::json!({}), None).await;
    assert_error_body(response, 401, "unauthenticated").await;
    let admin = app.register_admin("ada@alpha.example").await;
    let response = send_now(&app, &admin.token, MONTH).await;
    assert_error_body(response, 404, "not_found").await;
    let party = active_party(&app, &admin, SELLER_KVK, SELLER_CONTACT).await;
    let org_id = organization_of(&app, &admin, &party).await;
    let (_, client_id, secret) = create(&app, &admin, &org_id, &["send"]).await;
    let bearer = token(&app, &client_id, &secret).await;
    let response = send_now(&app, &bearer, MONTH).await;
    assert_error_body(response, 403, "connection_not_allowed").await;

    let operator = app.register_admin(OPERATOR).await;
    let now = chrono::Utc::now().date_naive();
    let this_month = now.format("%Y-%m").to_string();
    let next_month = (now - chrono::Days::new(u64::from(chrono::Datelike::day(&now)) - 1)
        + chrono::Months::new(1))
    .format("%Y-%m")
    .to_string();
    for month in [this_month.as_str(), next_month.as_str()] {
        let response = send_now(&app, &operator.token, month).await;
        assert_error_body(response, 409, "month_not_ended").await;
    }
    for bad in ["2020-13", "june"] {
        let response = send_now(&app, &operator.token, bad).await;
        let body = assert_error_body(response, 422, "unprocessable").await;
        assert_eq!(body["details"][0]["code"], "invalid_month", "{body}");
    }

    // Every month from the certificate's first to now is listed, exchanges or not.
    let page = app
        .get_json("/api/v1/operator/peppol-reports?limit=3", &operator.token)
        .await;
    assert_eq!(page["items"][0]["month"], this_month.as_str(), "{page}");
    assert_eq!(page["items"][0]["incoming"], 0);
    assert_eq!(page["items"].as_array().unwrap().len(), 3);
    assert!(page["nextCursor"].is_string(), "{page}");
    let item = month_item(&app, &operator, "2020-01").await;
    assert_eq!(item["tsr"]["state"], "not_sent", "{item}");
    assert_eq!(item["eusr"]["state"], "not_sent", "{item}");

    // Evidence: only operators, only what was sent, only well-formed months and parts.
    for (token, status) in [(&admin.token, 404), (&bearer, 403)] {
        let response = evidence(&app, token, MONTH, "tsr", "message").await;
        assert_eq!(response.status().as_u16(), status);
    }
    let response = evidence(&app, &operator.token, "2020-01", "tsr", "message").await;
    assert_error_body(response, 404, "not_found").await;
    let response = evidence(&app, &operator.token, "2020-13", "eusr", "receipt").await;
    assert_error_body(response, 422, "unprocessable").await;
    for (report, part) in [("vat", "message"), ("tsr", "ubl")] {
        let response = evidence(&app, &operator.token, MONTH, report, part).await;
        let status = response.status().as_u16();
        assert!(status == 400 || status == 404, "{report}/{part}: {status}");
    }

    // An installation that does not send says so.
    let quiet = network.haven(&url, false).await;
    let operator = quiet.register_admin(OPERATOR).await;
    let response = send_now(&quiet, &operator.token, MONTH).await;
    assert_error_body(response, 409, "peppol_reporting_off").await;
}

#[tokio::test]
async fn a_receiver_down_until_the_last_attempt_fails_the_report_with_an_audit_event() {
    let network = Reporting::new();
    let (stand_in, url) = network.stand_in(Mode::Down);
    let app = network.haven(&url, true).await;
    let operator = app.register_admin(OPERATOR).await;

    let response = send_now(&app, &operator.token, MONTH).await;
    assert_eq!(response.status().as_u16(), 202);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let item = month_item(&app, &operator, MONTH).await;
        if item["tsr"]["reason"].is_string() && item["eusr"]["reason"].is_string() {
            assert_eq!(item["tsr"]["state"], "pending", "{item}");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no attempt seen: {item}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // Both jobs back in the queue (an attempt's outcome is recorded after its reason).
    loop {
        let running = app
            .get_json(
                "/api/v1/operator/jobs?kind=send_peppol_report&status=running",
                &operator.token,
            )
            .await;
        if running["items"].as_array().unwrap().is_empty() {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "still running: {running}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }

    app.make_jobs_due_for_the_last_time("send_peppol_report")
        .await;
    let item = wait_for_states(&app, &operator, MONTH, &["sent", "failed"]).await;
    for report in ["tsr", "eusr"] {
        assert_eq!(item[report]["state"], "failed", "{item}");
        assert!(
            item[report]["reason"].as_str().unwrap().contains("503"),
            "{item}"
        );
        // Every attempt was the same message.
        let message_id = item[report]["messageId"].as_str().unwrap();
        let posts = posts_of(&stand_in, message_id);
        assert_eq!(posts, 2, "{report}");
    }
    let failures = report_failures(&app, &operator).await;
    assert_eq!(failures.len(), 2, "{failures:?}");
    assert!(failures.iter().all(|e| e["details"]["refused"] == false));
}
