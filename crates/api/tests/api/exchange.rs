//! Document exchange end to end: send through the API, route inside the installation or by
//! email, the outbox and inbox, statuses and history, idempotency, isolation.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{assert_error_body, spawn_app, Session, TestApp};

/// Tulpenveld (seller) and Zeewind (buyer) in the offline register, with their contacts.
pub(crate) const SELLER_KVK: &str = "90000016";
pub(crate) const SELLER_CONTACT: &str = "facturen@tulpenveld-installatie.example";
pub(crate) const BUYER_KVK: &str = "90000032";
pub(crate) const BUYER_CONTACT: &str = "administratie@zeewind-logistiek.example";

/// Our valid Peppol BIS 3 fixture, from `seller` to `buyer` (KvK numbers), numbered `number`,
/// optionally with the buyer's contact email.
pub(crate) fn invoice(
    number: &str,
    seller: &str,
    buyer: &str,
    buyer_email: Option<&str>,
) -> Vec<u8> {
    let xml = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../einvoice/tests/fixtures/peppol-minimal.xml"
    ))
    .unwrap();
    let mut xml = xml
        .replace("HAVEN-0001", number)
        .replace("12345678", seller)
        .replace("87654321", buyer);
    if let Some(email) = buyer_email {
        xml = xml.replacen(
            "      </cac:PartyLegalEntity>\n    </cac:Party>\n  </cac:AccountingCustomerParty>",
            &format!("      </cac:PartyLegalEntity>\n      <cac:Contact><cbc:ElectronicMail>{email}</cbc:ElectronicMail></cac:Contact>\n    </cac:Party>\n  </cac:AccountingCustomerParty>"),
            1,
        );
        assert!(xml.contains(email), "contact inserted");
    }
    xml.into_bytes()
}

/// Adds the organization with `kvk`, activates it by the code mailed to `contact`, and
/// returns its participant id.
pub(crate) async fn active_party(
    app: &TestApp,
    admin: &Session,
    kvk: &str,
    contact: &str,
) -> String {
    let org: Value = app
        .send(
            Method::POST,
            "/api/v1/organizations",
            Some(&json!({"kvkNumber": kvk})),
            &admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    let id = org["id"].as_str().unwrap().to_owned();
    app.activate_by_code(admin, &id, contact, 0).await;
    format!("0106:{kvk}")
}

/// Opts the environment in to receiving and switches Receive on for the party's identifier.
pub(crate) async fn receive_on(app: &TestApp, admin: &Session, party: &str) {
    app.send(
        Method::PUT,
        "/api/v1/environment/receiving",
        Some(&json!({"enabled": true, "acknowledgePrice": true})),
        &admin.token,
    )
    .await;
    let orgs = app.get_json("/api/v1/organizations", &admin.token).await;
    for org in orgs["items"].as_array().unwrap() {
        for identifier in org["identifiers"].as_array().unwrap() {
            if identifier["participantId"] == party {
                let path = format!(
                    "/api/v1/organizations/{}/identifiers/{}",
                    org["id"].as_str().unwrap(),
                    identifier["id"].as_str().unwrap()
                );
                let response = app
                    .send(
                        Method::PATCH,
                        &path,
                        Some(&json!({"receive": true})),
                        &admin.token,
                    )
                    .await;
                assert_eq!(response.status().as_u16(), 200, "receive on");
            }
        }
    }
}

pub(crate) async fn send(
    app: &TestApp,
    token: &str,
    party: &str,
    body: Vec<u8>,
    key: Option<&str>,
) -> reqwest::Response {
    let mut request = app
        .client
        .post(app.url(&format!("/api/v1/parties/{party}/sales-invoices")))
        .bearer_auth(token)
        .header("content-type", "application/xml")
        .body(body);
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    request.send().await.unwrap()
}

/// Polls the outbox document until its status is one of `statuses`.
async fn wait_for_status(app: &TestApp, token: &str, path: &str, statuses: &[&str]) -> Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let document = app.get_json(path, token).await;
        if statuses.iter().any(|s| document["status"] == *s) {
            return document;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "status stayed {}",
            document["status"]
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Two environments on one installation: the seller's and the buyer's, both active, the
/// buyer receiving.
pub(crate) async fn two_parties(app: &TestApp) -> (Session, String, Session, String) {
    let seller = app.register_admin("ada@seller.example").await;
    let seller_party = active_party(app, &seller, SELLER_KVK, SELLER_CONTACT).await;
    let buyer = app.register_admin("bob@buyer.example").await;
    let buyer_party = active_party(app, &buyer, BUYER_KVK, BUYER_CONTACT).await;
    receive_on(app, &buyer, &buyer_party).await;
    (seller, seller_party, buyer, buyer_party)
}

#[tokio::test]
async fn an_invoice_to_an_organization_on_the_installation_lands_in_its_inbox() {
    let app = spawn_app().await;
    let (seller, seller_party, buyer, buyer_party) = two_parties(&app).await;

    let response = send(
        &app,
        &seller.token,
        &seller_party,
        invoice("INV-1", SELLER_KVK, BUYER_KVK, None),
        None,
    )
    .await;
    assert_eq!(response.status().as_u16(), 202);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let accepted: Value = response.json().await.unwrap();
    let id = accepted["documentId"].as_str().unwrap();
    assert_eq!(
        location,
        format!("/api/v1/parties/{seller_party}/sales-invoices/{id}")
    );

    let sent = wait_for_status(&app, &seller.token, &location, &["delivered", "failed"]).await;
    assert_eq!(sent["status"], "delivered", "{sent}");
    assert_eq!(sent["channel"], "internal");
    assert_eq!(sent["receiverId"], buyer_party.as_str());
    assert_eq!(sent["number"], "INV-1");
    assert_eq!(sent["payableAmount"], "242");

    let inbox = app
        .get_json(
            &format!("/api/v1/parties/{buyer_party}/purchase-invoices"),
            &buyer.token,
        )
        .await;
    let items = inbox["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{inbox}");
    assert_eq!(items[0]["status"], "received");
    assert_eq!(items[0]["number"], "INV-1");
    let received = items[0]["id"].as_str().unwrap();

    // The buyer downloads the original: the same bytes, and the invoice becomes Downloaded.
    let download = app
        .send(
            Method::GET,
            &format!("/api/v1/parties/{buyer_party}/purchase-invoices/{received}/download"),
            None,
            &buyer.token,
        )
        .await;
    assert_eq!(download.status().as_u16(), 200);
    assert_eq!(
        download.bytes().await.unwrap().as_ref(),
        invoice("INV-1", SELLER_KVK, BUYER_KVK, None).as_slice()
    );
    let after = app
        .get_json(
            &format!("/api/v1/parties/{buyer_party}/purchase-invoices/{received}"),
            &buyer.token,
        )
        .await;
    assert_eq!(after["status"], "downloaded");

    // The buyer approves; the history says who.
    let approved = app
        .send(
            Method::POST,
            &format!("/api/v1/parties/{buyer_party}/purchase-invoices/{received}/status"),
            Some(&json!({"status": "approved", "note": "ok"})),
            &buyer.token,
        )
        .await;
    assert_eq!(approved.status().as_u16(), 200);
    let events = app
        .get_json(
            &format!("/api/v1/parties/{buyer_party}/purchase-invoices/{received}/events"),
            &buyer.token,
        )
        .await;
    let kinds: Vec<&str> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["status_changed", "downloaded", "received"]);
    assert_eq!(events["items"][0]["actorEmail"], "bob@buyer.example");

    // The seller's history: accepted, validated, delivered.
    let history = app
        .get_json(&format!("{location}/events"), &seller.token)
        .await;
    let kinds: Vec<&str> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["delivered", "validated", "accepted"]);

    // Converted downloads and renderings.
    let cii = app
        .send(
            Method::GET,
            &format!("{location}/download?format=cii"),
            None,
            &seller.token,
        )
        .await;
    assert_eq!(cii.status().as_u16(), 200);
    assert!(String::from_utf8_lossy(&cii.bytes().await.unwrap()).contains("CrossIndustryInvoice"));
    let html = app
        .send(
            Method::GET,
            &format!("{location}/download?format=html&lang=en"),
            None,
            &seller.token,
        )
        .await;
    assert_eq!(html.status().as_u16(), 200);
    assert!(html.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("sandbox"));
    assert!(html.text().await.unwrap().contains("INV-1"));
    let pdf = app
        .send(
            Method::GET,
            &format!("{location}/download?format=pdf"),
            None,
            &seller.token,
        )
        .await;
    assert_eq!(pdf.status().as_u16(), 200);
    assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF"));
}

#[tokio::test]
async fn an_invoice_to_a_buyer_elsewhere_goes_by_email_with_a_private_link() {
    let app = spawn_app().await;
    let seller = app.register_admin("ada@seller.example").await;
    let party = active_party(&app, &seller, SELLER_KVK, SELLER_CONTACT).await;

    let response = send(
        &app,
        &seller.token,
        &party,
        invoice(
            "INV-9",
            SELLER_KVK,
            "87654321",
            Some("ap@buyer-elsewhere.example"),
        ),
        None,
    )
    .await;
    assert_eq!(response.status().as_u16(), 202);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let sent = wait_for_status(&app, &seller.token, &location, &["delivered", "failed"]).await;
    assert_eq!(sent["status"], "delivered", "{sent}");
    assert_eq!(sent["channel"], "email");

    // Peppol is not configured: the history says so rather than pretending.
    let history = app
        .get_json(&format!("{location}/events"), &seller.token)
        .await;
    assert!(history["items"][0]["details"]
        .as_str()
        .unwrap()
        .contains("ap@buyer-elsewhere.example"));

    let token = app
        .link_token("ap@buyer-elsewhere.example", 0, "/shared-invoice")
        .await;
    let opened = app
        .client
        .get(app.url("/api/v1/shared-invoice"))
        .header("Haven-Link-Token", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(opened.status().as_u16(), 200);
    let shared: Value = opened.json().await.unwrap();
    assert_eq!(shared["document"]["number"], "INV-9");
    let xml = app
        .client
        .get(app.url("/api/v1/shared-invoice/download"))
        .header("Haven-Link-Token", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(xml.status().as_u16(), 200);
    assert!(String::from_utf8_lossy(&xml.bytes().await.unwrap()).contains("INV-9"));
    let history = app
        .get_json(&format!("{location}/events"), &seller.token)
        .await;
    assert_eq!(history["items"][0]["event"], "link_opened");

    let wrong = app
        .client
        .get(app.url("/api/v1/shared-invoice"))
        .header("Haven-Link-Token", "nope")
        .send()
        .await
        .unwrap();
    assert_error_body(wrong, 400, "token_invalid").await;
}

#[tokio::test]
async fn without_a_way_to_the_buyer_the_document_fails_and_says_why() {
    let app = spawn_app().await;
    let seller = app.register_admin("ada@seller.example").await;
    let party = active_party(&app, &seller, SELLER_KVK, SELLER_CONTACT).await;

    let response = send(
        &app,
        &seller.token,
        &party,
        invoice("INV-2", SELLER_KVK, "87654321", None),
        None,
    )
    .await;
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let failed = wait_for_status(&app, &seller.token, &location, &["delivered", "failed"]).await;
    assert_eq!(failed["status"], "failed");
    let history = app
        .get_json(&format!("{location}/events"), &seller.token)
        .await;
    let why = history["items"][0]["details"].as_str().unwrap();
    assert!(why.contains("not on this installation"), "{why}");
    assert!(why.contains("Peppol delivery is not configured"), "{why}");
    assert!(why.contains("BT-58"), "{why}");

    // Resend is accepted once delivery has ended, and recorded.
    let resent = app
        .send(
            Method::POST,
            &format!("{location}/resend"),
            Some(&json!({})),
            &seller.token,
        )
        .await;
    assert_eq!(resent.status().as_u16(), 202);
    let again = wait_for_status(&app, &seller.token, &location, &["failed"]).await;
    assert_eq!(again["status"], "failed");
    let history = app
        .get_json(&format!("{location}/events"), &seller.token)
        .await;
    assert!(history["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["event"] == "resent"));
}

#[tokio::test]
async fn an_invalid_document_is_400_with_the_report_and_nothing_is_stored() {
    let app = spawn_app().await;
    let seller = app.register_admin("ada@seller.example").await;
    let party = active_party(&app, &seller, SELLER_KVK, SELLER_CONTACT).await;
    let broken = String::from_utf8(invoice("INV-3", SELLER_KVK, BUYER_KVK, None))
        .unwrap()
        .replace(
            "<cbc:PayableAmount currencyID=\"EUR\">242.00</cbc:PayableAmount>",
            "<cbc:PayableAmount currencyID=\"EUR\">241.00</cbc:PayableAmount>",
        );

    let response = send(&app, &seller.token, &party, broken.into_bytes(), None).await;
    let body = assert_error_body(response, 400, "invalid_document").await;
    assert_eq!(body["report"]["valid"], false);
    assert!(
        body["details"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["code"] == "BR-CO-16"),
        "{body}"
    );

    let outbox = app
        .get_json(
            &format!("/api/v1/parties/{party}/sales-invoices"),
            &seller.token,
        )
        .await;
    assert_eq!(outbox["items"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn a_seller_address_that_is_not_the_callers_is_403_naming_it() {
    let app = spawn_app().await;
    let seller = app.register_admin("ada@seller.example").await;
    let party = active_party(&app, &seller, SELLER_KVK, SELLER_CONTACT).await;

    let response = send(
        &app,
        &seller.token,
        &party,
        invoice("INV-4", "11112222", BUYER_KVK, None),
        None,
    )
    .await;
    let body = assert_error_body(response, 403, "forbidden").await;
    assert!(
        body["message"].as_str().unwrap().contains("0106:11112222"),
        "{body}"
    );
}

#[tokio::test]
async fn unknown_and_foreign_parties_are_404_and_documents_stay_in_their_environment() {
    let app = spawn_app().await;
    let (seller, seller_party, buyer, buyer_party) = two_parties(&app).await;
    let response = send(
        &app,
        &seller.token,
        &seller_party,
        invoice("INV-5", SELLER_KVK, BUYER_KVK, None),
        None,
    )
    .await;
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    wait_for_status(&app, &seller.token, &location, &["delivered"]).await;

    // The buyer cannot send as, list or read the seller's party.
    let as_seller = send(
        &app,
        &buyer.token,
        &seller_party,
        invoice("INV-6", SELLER_KVK, BUYER_KVK, None),
        None,
    )
    .await;
    assert_error_body(as_seller, 404, "not_found").await;
    let list = app
        .send(
            Method::GET,
            &format!("/api/v1/parties/{seller_party}/sales-invoices"),
            None,
            &buyer.token,
        )
        .await;
    assert_error_body(list, 404, "not_found").await;
    let read = app.send(Method::GET, &location, None, &buyer.token).await;
    assert_error_body(read, 404, "not_found").await;
    // The seller cannot reach the buyer's inbox.
    let inbox = app
        .send(
            Method::GET,
            &format!("/api/v1/parties/{buyer_party}/purchase-invoices"),
            None,
            &seller.token,
        )
        .await;
    assert_error_body(inbox, 404, "not_found").await;
    // An outbox id is not an inbox id.
    let id = location.rsplit('/').next().unwrap();
    let crossed = app
        .send(
            Method::GET,
            &format!("/api/v1/parties/{seller_party}/purchase-invoices/{id}"),
            None,
            &seller.token,
        )
        .await;
    assert_error_body(crossed, 404, "not_found").await;
    let unknown = send(
        &app,
        &seller.token,
        "0106:99999999",
        invoice("INV-7", SELLER_KVK, BUYER_KVK, None),
        None,
    )
    .await;
    assert_error_body(unknown, 404, "not_found").await;
    let anonymous = app
        .client
        .post(app.url(&format!("/api/v1/parties/{seller_party}/sales-invoices")))
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status().as_u16(), 401);
}

#[tokio::test]
async fn the_same_idempotency_key_sends_once_even_when_requests_race() {
    let app = spawn_app().await;
    let seller = app.register_admin("ada@seller.example").await;
    let party = active_party(&app, &seller, SELLER_KVK, SELLER_CONTACT).await;
    let key = uuid::Uuid::new_v4().to_string();
    let body = invoice("INV-8", SELLER_KVK, BUYER_KVK, None);

    let racers = (0..6).map(|_| send(&app, &seller.token, &party, body.clone(), Some(&key)));
    let responses = futures_util::future::join_all(racers).await;
    let mut accepted = Vec::new();
    let mut conflicts = Vec::new();
    for response in responses {
        match response.status().as_u16() {
            202 => accepted.push(
                response.json::<Value>().await.unwrap()["documentId"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            ),
            409 => conflicts.push(
                assert_error_body(response, 409, "document_exists").await["documentId"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            ),
            other => panic!("unexpected status {other}"),
        }
    }
    assert_eq!(accepted.len(), 1, "exactly one stored");
    assert!(
        conflicts.iter().all(|id| *id == accepted[0]),
        "conflicts name the original"
    );
    let outbox = app
        .get_json(
            &format!("/api/v1/parties/{party}/sales-invoices"),
            &seller.token,
        )
        .await;
    assert_eq!(outbox["items"].as_array().unwrap().len(), 1);

    // The eConnect header is an alias; a malformed key is a field error.
    let alias = app
        .client
        .post(app.url(&format!("/api/v1/parties/{party}/sales-invoices")))
        .bearer_auth(&seller.token)
        .header("content-type", "application/xml")
        .header("X-EConnect-DocumentId", &key)
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_error_body(alias, 409, "document_exists").await;
    let malformed = send(
        &app,
        &seller.token,
        &party,
        body.clone(),
        Some("not-a-uuid"),
    )
    .await;
    assert_error_body(malformed, 400, "validation_failed").await;

    // Another key for the same invoice is accepted, flagged as a possible duplicate.
    let twin = send(
        &app,
        &seller.token,
        &party,
        body,
        Some(&uuid::Uuid::new_v4().to_string()),
    )
    .await;
    assert_eq!(twin.status().as_u16(), 202);
    let twin: Value = twin.json().await.unwrap();
    assert_eq!(twin["possibleDuplicateOf"], accepted[0].as_str());
}

#[tokio::test]
async fn a_second_copy_in_the_inbox_is_a_duplicate_until_marked_original() {
    let app = spawn_app().await;
    let (seller, seller_party, buyer, buyer_party) = two_parties(&app).await;
    for _ in 0..2 {
        let response = send(
            &app,
            &seller.token,
            &seller_party,
            invoice("INV-10", SELLER_KVK, BUYER_KVK, None),
            None,
        )
        .await;
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        wait_for_status(&app, &seller.token, &location, &["delivered"]).await;
    }
    let inbox = app
        .get_json(
            &format!("/api/v1/parties/{buyer_party}/purchase-invoices"),
            &buyer.token,
        )
        .await;
    let statuses: Vec<&str> = inbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["duplicate", "received"]);
    let newest = inbox["items"][0]["id"].as_str().unwrap();
    let filtered = app
        .get_json(
            &format!("/api/v1/parties/{buyer_party}/purchase-invoices?status=duplicate"),
            &buyer.token,
        )
        .await;
    assert_eq!(filtered["items"].as_array().unwrap().len(), 1);

    let original = app
        .send(
            Method::POST,
            &format!("/api/v1/parties/{buyer_party}/purchase-invoices/{newest}/status"),
            Some(&json!({"status": "received"})),
            &buyer.token,
        )
        .await;
    assert_eq!(original.status().as_u16(), 200);
    let original: Value = original.json().await.unwrap();
    assert_eq!(original["status"], "received");
    assert!(original["possibleDuplicateOf"].is_null());

    // Deleting hides it from the inbox; it is gone for the API too.
    let deleted = app
        .send(
            Method::DELETE,
            &format!("/api/v1/parties/{buyer_party}/purchase-invoices/{newest}"),
            None,
            &buyer.token,
        )
        .await;
    assert_eq!(deleted.status().as_u16(), 204);
    let inbox = app
        .get_json(
            &format!("/api/v1/parties/{buyer_party}/purchase-invoices"),
            &buyer.token,
        )
        .await;
    assert_eq!(inbox["items"].as_array().unwrap().len(), 1);
    let bad = app
        .send(
            Method::POST,
            &format!(
                "/api/v1/parties/{buyer_party}/purchase-invoices/{}/status",
                inbox["items"][0]["id"].as_str().unwrap()
            ),
            Some(&json!({"status": "delivered"})),
            &buyer.token,
        )
        .await;
    assert_error_body(bad, 400, "validation_failed").await;
}

#[tokio::test]
async fn query_recipient_keeps_not_registered_apart_and_finds_the_best_id() {
    let app = spawn_app().await;
    let (seller, seller_party, _buyer, buyer_party) = two_parties(&app).await;
    let response = app
        .send(
            Method::POST,
            &format!("/api/v1/parties/{seller_party}/sales-invoices/query-recipient"),
            Some(&json!({"receiverIds": ["0106:87654321", buyer_party]})),
            &seller.token,
        )
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["best"]["receiverId"], buyer_party.as_str());
    assert_eq!(body["best"]["channel"], "internal");
    assert_eq!(body["candidates"][0]["reachability"], "not_registered");
    assert!(body["candidates"][0]["reason"]
        .as_str()
        .unwrap()
        .contains("Peppol delivery is not configured"));

    let empty = app
        .send(
            Method::POST,
            &format!("/api/v1/parties/{seller_party}/sales-invoices/query-recipient"),
            Some(&json!({"receiverIds": []})),
            &seller.token,
        )
        .await;
    assert_error_body(empty, 400, "validation_failed").await;
}

#[tokio::test]
async fn the_buyers_invoice_response_reaches_the_sellers_outbox() {
    let app = spawn_app().await;
    let (seller, seller_party, buyer, buyer_party) = two_parties(&app).await;
    let response = send(
        &app,
        &seller.token,
        &seller_party,
        invoice("INV-11", SELLER_KVK, BUYER_KVK, None),
        None,
    )
    .await;
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    wait_for_status(&app, &seller.token, &location, &["delivered"]).await;
    let inbox = app
        .get_json(
            &format!("/api/v1/parties/{buyer_party}/purchase-invoices"),
            &buyer.token,
        )
        .await;
    let received = inbox["items"][0]["id"].as_str().unwrap().to_owned();
    let respond = |body: Value| {
        let path = format!("/api/v1/parties/{buyer_party}/purchase-invoices/{received}/responses");
        let token = buyer.token.clone();
        let app = &app;
        async move { app.send(Method::POST, &path, Some(&body), &token).await }
    };

    // A rejection needs a reason; codes come from the official lists.
    let no_reason = respond(json!({"code": "re"})).await;
    assert_error_body(no_reason, 400, "validation_failed").await;
    let unknown = respond(json!({"code": "re", "reasons": [{"code": "XYZ"}]})).await;
    let body = assert_error_body(unknown, 400, "validation_failed").await;
    assert_eq!(body["details"][0]["field"], "reasons[0].code");

    let approved = respond(json!({"code": "ap", "note": "Approved for payment"})).await;
    assert_eq!(approved.status().as_u16(), 202);
    let approved: Value = approved.json().await.unwrap();
    assert_eq!(approved["status"], "approved");
    assert_eq!(approved["response"], "ap");

    // The seller's outbox invoice shows the answer, and its history says from whom.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let sent = app.get_json(&location, &seller.token).await;
        if sent["response"] == "ap" {
            assert_eq!(sent["status"], "delivered");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no response arrived: {sent}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let history = app
        .get_json(&format!("{location}/events"), &seller.token)
        .await;
    assert_eq!(history["items"][0]["event"], "response_received");
    assert!(history["items"][0]["details"]
        .as_str()
        .unwrap()
        .starts_with("AP from"));
    // Responses are not listed as sales invoices of the buyer.
    let buyer_outbox = app
        .get_json(
            &format!("/api/v1/parties/{buyer_party}/sales-invoices"),
            &buyer.token,
        )
        .await;
    assert_eq!(buyer_outbox["items"].as_array().unwrap().len(), 0);
    let buyer_history = app
        .get_json(
            &format!("/api/v1/parties/{buyer_party}/purchase-invoices/{received}/events"),
            &buyer.token,
        )
        .await;
    assert_eq!(buyer_history["items"][0]["event"], "response_sent");
}

#[tokio::test]
async fn usage_counts_what_was_sent_and_received_at_the_price_of_the_day() {
    let app = spawn_app().await;
    let (seller, seller_party, buyer, _buyer_party) = two_parties(&app).await;
    for number in ["INV-20", "INV-21"] {
        let response = send(
            &app,
            &seller.token,
            &seller_party,
            invoice(number, SELLER_KVK, BUYER_KVK, None),
            None,
        )
        .await;
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        wait_for_status(&app, &seller.token, &location, &["delivered"]).await;
    }

    let sent = app
        .get_json("/api/v1/environment/usage", &seller.token)
        .await;
    assert_eq!(sent["lines"].as_array().unwrap().len(), 1, "{sent}");
    assert_eq!(sent["lines"][0]["kind"], "sent_api");
    assert_eq!(sent["lines"][0]["count"], 2);
    let received = app
        .get_json("/api/v1/environment/usage", &buyer.token)
        .await;
    assert_eq!(received["lines"][0]["kind"], "received");
    assert_eq!(received["lines"][0]["count"], 2);
    assert_eq!(received["lines"][0]["amount"], "0.68");
    assert_eq!(received["total"], "0.68");

    let csv = app
        .send(
            Method::GET,
            "/api/v1/environment/usage/export",
            None,
            &buyer.token,
        )
        .await;
    assert_eq!(csv.status().as_u16(), 200);
    assert!(csv.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let text = csv.text().await.unwrap();
    assert!(
        text.starts_with("month,organization_id,organization,kind,count,amount_eur\n"),
        "{text}"
    );
    assert!(
        text.contains("\"Zeewind Logistiek B.V.\",received,2,0.68"),
        "{text}"
    );

    let reversed = app
        .send(
            Method::GET,
            "/api/v1/environment/usage?from=2026-12-01T00:00:00Z&until=2026-11-01T00:00:00Z",
            None,
            &buyer.token,
        )
        .await;
    assert_error_body(reversed, 400, "validation_failed").await;
    let member = app
        .invite_and_accept(&buyer, "carl@example.com", "basic")
        .await;
    let forbidden = app
        .send(
            Method::GET,
            "/api/v1/environment/usage",
            None,
            &member.token,
        )
        .await;
    assert_error_body(forbidden, 403, "forbidden").await;
}

#[tokio::test]
async fn retention_removes_originals_but_keeps_details_history_and_shared_bytes() {
    use haven_domain::documents::retention::{parse_rules, purge_expired};
    let app = spawn_app().await;
    let (seller, seller_party, buyer, buyer_party) = two_parties(&app).await;
    let response = send(
        &app,
        &seller.token,
        &seller_party,
        invoice("INV-30", SELLER_KVK, BUYER_KVK, None),
        None,
    )
    .await;
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    wait_for_status(&app, &seller.token, &location, &["delivered"]).await;
    let store = haven_storage::FsStore::new(app.data_dir.join("documents"));
    let blobs = haven_storage::Storage::Fs(store);
    let later = chrono::Utc::now() + chrono::TimeDelta::days(2);

    // The daily run is scheduled at start.
    let jobs = haven_domain::jobs::JobAdmin::list_jobs(
        app.database(),
        &haven_domain::jobs::JobQuery {
            kind: Some(haven_domain::jobs::JobKind::PurgeDocuments),
            limit: 10,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    // Today's run (03:00 has passed, or is due) and, once it ran, tomorrow's.
    assert!(!jobs.is_empty() && jobs.len() <= 2, "{jobs:?}");
    let keys: Vec<String> = jobs
        .iter()
        .filter_map(|j| j.idempotency_key.clone())
        .collect();
    assert!(
        keys.contains(&format!("purge:{}", chrono::Utc::now().date_naive())),
        "{keys:?}"
    );

    // Too young for the rule: nothing happens.
    let rules = parse_rules("outgoing:delivered=1").unwrap();
    assert!(
        purge_expired(app.database(), &blobs, &rules, chrono::Utc::now())
            .await
            .unwrap()
            .is_empty()
    );

    // The seller's original goes; the buyer's copy shares the bytes, which stay.
    let purged = purge_expired(app.database(), &blobs, &rules, later)
        .await
        .unwrap();
    assert_eq!(purged.len(), 1);
    let sent = app.get_json(&location, &seller.token).await;
    assert_eq!(sent["purged"], true);
    assert_eq!(sent["number"], "INV-30");
    let gone = app
        .send(
            Method::GET,
            &format!("{location}/download"),
            None,
            &seller.token,
        )
        .await;
    assert_error_body(gone, 409, "document_purged").await;
    let history = app
        .get_json(&format!("{location}/events"), &seller.token)
        .await;
    assert_eq!(history["items"][0]["event"], "purged");
    let inbox = app
        .get_json(
            &format!("/api/v1/parties/{buyer_party}/purchase-invoices"),
            &buyer.token,
        )
        .await;
    let received = inbox["items"][0]["id"].as_str().unwrap();
    let copy = app
        .send(
            Method::GET,
            &format!("/api/v1/parties/{buyer_party}/purchase-invoices/{received}/download"),
            None,
            &buyer.token,
        )
        .await;
    assert_eq!(copy.status().as_u16(), 200);

    // Once no document needs them, the bytes are deleted too; a second run finds nothing.
    let rules = parse_rules("incoming:*=1").unwrap();
    assert_eq!(
        purge_expired(app.database(), &blobs, &rules, later)
            .await
            .unwrap()
            .len(),
        1
    );
    let files = walk(&app.data_dir.join("documents"));
    assert!(files.is_empty(), "bytes left: {files:?}");
    assert!(purge_expired(app.database(), &blobs, &rules, later)
        .await
        .unwrap()
        .is_empty());
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[tokio::test]
async fn a_document_shared_with_a_colleague_is_theirs_to_view_or_download_as_granted() {
    let app = spawn_app().await;
    let (seller, seller_party, buyer, _) = two_parties(&app).await;
    let colleague = app
        .invite_and_accept(&seller, "dora@example.com", "basic")
        .await;
    let response = send(
        &app,
        &seller.token,
        &seller_party,
        invoice("INV-40", SELLER_KVK, BUYER_KVK, None),
        None,
    )
    .await;
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let id = location.rsplit('/').next().unwrap().to_owned();

    // Not a member: the party is not theirs.
    let before = app
        .send(Method::GET, &location, None, &colleague.token)
        .await;
    assert_error_body(before, 404, "not_found").await;
    let shared = app
        .send(
            Method::POST,
            &format!("{location}/shares"),
            Some(&json!({"userId": colleague.id(), "access": "view"})),
            &seller.token,
        )
        .await;
    assert_eq!(shared.status().as_u16(), 204);

    let mine = app
        .get_json("/api/v1/shared-with-me", &colleague.token)
        .await;
    assert_eq!(mine["items"][0]["document"]["number"], "INV-40");
    assert_eq!(mine["items"][0]["access"], "view");
    assert_eq!(mine["items"][0]["sharedBy"], "ada@seller.example");
    let html = app
        .send(
            Method::GET,
            &format!("/api/v1/shared-with-me/{id}/download?format=html"),
            None,
            &colleague.token,
        )
        .await;
    assert_eq!(html.status().as_u16(), 200);
    let original = app
        .send(
            Method::GET,
            &format!("/api/v1/shared-with-me/{id}/download"),
            None,
            &colleague.token,
        )
        .await;
    assert_error_body(original, 403, "forbidden").await;

    // Full access: the files too. The history records both shares.
    app.send(
        Method::POST,
        &format!("{location}/shares"),
        Some(&json!({"userId": colleague.id(), "access": "full"})),
        &seller.token,
    )
    .await;
    let original = app
        .send(
            Method::GET,
            &format!("/api/v1/shared-with-me/{id}/download"),
            None,
            &colleague.token,
        )
        .await;
    assert_eq!(original.status().as_u16(), 200);
    let history = app
        .get_json(&format!("{location}/events"), &seller.token)
        .await;
    let shares = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event"] == "shared")
        .count();
    assert_eq!(shares, 2);

    // Only users of the same environment; nobody else sees it.
    let outsider = app
        .send(
            Method::POST,
            &format!("{location}/shares"),
            Some(&json!({"userId": buyer.id(), "access": "view"})),
            &seller.token,
        )
        .await;
    assert_error_body(outsider, 400, "validation_failed").await;
    let foreign = app
        .send(
            Method::GET,
            &format!("/api/v1/shared-with-me/{id}"),
            None,
            &buyer.token,
        )
        .await;
    assert_error_body(foreign, 404, "not_found").await;
}
