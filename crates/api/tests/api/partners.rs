//! Partners: authorisation requests, partnerships, grants to partner users, what partner
//! access reaches, and that ending a partnership stops its access and its connection keys on
//! the very next request.

use reqwest::Method;
use serde_json::{json, Value};

use crate::exchange::{
    active_party, invoice, send, BUYER_CONTACT, BUYER_KVK, SELLER_CONTACT, SELLER_KVK,
};
use crate::helpers::{assert_error_body, spawn_app, spawn_app_with, Options, Session, TestApp};
use crate::races::{fire, request, spawn_racing_app};

const CLIENT_EMAIL: &str = "carl@client.example";

/// The token of the newest authorisation-request link mailed to `address`.
pub(crate) async fn request_token(app: &TestApp, address: &str, count: usize) -> String {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let links: Vec<String> = haven_mailer::testing::outbox_for(&app.outbox(), address)
            .into_iter()
            .filter_map(|m| m.link_starting_with("http://haven.test/partners?token="))
            .collect();
        if links.len() >= count {
            return links[count - 1].split("token=").nth(1).unwrap().to_owned();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no partner request mail #{count} to {address}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

async fn org_with_kvk(app: &TestApp, admin: &Session, kvk: &str) -> String {
    let orgs = app.get_json("/api/v1/organizations", &admin.token).await;
    orgs["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["kvkNumber"] == kvk)
        .map(|o| o["id"].as_str().unwrap().to_owned())
        .expect("the organization")
}

async fn post(app: &TestApp, path: &str, body: Option<Value>, who: &Session) -> reqwest::Response {
    app.send(Method::POST, path, body.as_ref(), &who.token)
        .await
}

async fn json_of(response: reqwest::Response, status: u16) -> Value {
    let code = response.status().as_u16();
    let text = response.text().await.unwrap();
    assert_eq!(code, status, "{text}");
    serde_json::from_str(&text).unwrap()
}

async fn send_request(app: &TestApp, from: &Session, kvk: &str) -> reqwest::Response {
    post(
        app,
        "/api/v1/partner-requests",
        Some(json!({
            "clientName": "Carl Client",
            "clientEmail": CLIENT_EMAIL,
            "software": "Ledger Pro",
            "kvkNumber": kvk,
            "language": "en",
        })),
        from,
    )
    .await
}

/// An accountant's environment, a client's with an active organization, a request the
/// client opened (pending).
struct Parties {
    accountant: Session,
    client: Session,
    org_id: String,
    party: String,
    request_id: String,
}

async fn opened_request(app: &TestApp) -> Parties {
    let accountant = app.register_admin("anna@accountants.example").await;
    let client = app.register_admin(CLIENT_EMAIL).await;
    let party = active_party(app, &client, SELLER_KVK, SELLER_CONTACT).await;
    let org_id = org_with_kvk(app, &client, SELLER_KVK).await;
    let sent = json_of(send_request(app, &accountant, SELLER_KVK).await, 201).await;
    assert_eq!(sent["status"], "pending");
    assert_eq!(sent["side"], "partner");
    let token = request_token(app, CLIENT_EMAIL, 1).await;
    let opened = json_of(
        post(
            app,
            "/api/v1/partner-requests/open",
            Some(json!({"token": token})),
            &client,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(opened["id"], sent["id"]);
    assert_eq!(opened["side"], "client");
    Parties {
        accountant,
        client,
        org_id,
        party,
        request_id: sent["id"].as_str().unwrap().to_owned(),
    }
}

/// As [`opened_request`], accepted; returns the partnership id too.
async fn partnership(app: &TestApp) -> (Parties, String) {
    let parties = opened_request(app).await;
    let partnership = json_of(
        post(
            app,
            &format!("/api/v1/partner-requests/{}/accept", parties.request_id),
            None,
            &parties.client,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(partnership["status"], "active");
    assert_eq!(partnership["side"], "client");
    assert_eq!(partnership["organizationId"], parties.org_id.as_str());
    let id = partnership["id"].as_str().unwrap().to_owned();
    (parties, id)
}

/// A user of the accountant's environment with an accepted grant of `role`.
async fn partner_user(
    app: &TestApp,
    parties: &Parties,
    partnership_id: &str,
    email: &str,
    role: &str,
) -> (Session, String) {
    let user = app
        .invite_and_accept(&parties.accountant, email, "basic")
        .await;
    let grant = json_of(
        post(
            app,
            &format!("/api/v1/organizations/{}/partner-access", parties.org_id),
            Some(json!({"partnershipId": partnership_id, "userEmail": email, "role": role})),
            &parties.client,
        )
        .await,
        201,
    )
    .await;
    assert_eq!(grant["status"], "offered");
    let grant_id = grant["id"].as_str().unwrap().to_owned();
    // Offered is not yet access.
    let response = app
        .send(
            Method::GET,
            &format!("/api/v1/organizations/{}", parties.org_id),
            None,
            &user.token,
        )
        .await;
    assert_error_body(response, 404, "not_found").await;
    let mine = app.get_json("/api/v1/me/partner-access", &user.token).await;
    assert_eq!(mine["items"][0]["id"], grant_id.as_str());
    let accepted = json_of(
        post(
            app,
            &format!("/api/v1/me/partner-access/{grant_id}/accept"),
            None,
            &user,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(accepted["status"], "active");
    (user, grant_id)
}

async fn token_for(app: &TestApp, client_id: &str, secret: &str) -> reqwest::Response {
    app.client
        .post(app.url("/connect/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", client_id),
            ("client_secret", secret),
        ])
        .send()
        .await
        .unwrap()
}

/// Creates a connection key for the organization as `who` and gets a token with it:
/// (client id, secret, access token).
async fn key_with_token(
    app: &TestApp,
    org_id: &str,
    who: &Session,
    name: &str,
    scopes: &[&str],
) -> (String, String, String) {
    let created = json_of(
        post(
            app,
            &format!("/api/v1/organizations/{org_id}/connections"),
            Some(json!({"name": name, "software": "Ledger Pro", "scopes": scopes})),
            who,
        )
        .await,
        201,
    )
    .await;
    let client_id = created["connection"]["clientId"]
        .as_str()
        .unwrap()
        .to_owned();
    let secret = created["clientSecret"].as_str().unwrap().to_owned();
    let token: Value = token_for(app, &client_id, &secret)
        .await
        .json()
        .await
        .unwrap();
    let token = token["access_token"].as_str().unwrap().to_owned();
    (client_id, secret, token)
}

async fn audit_actions(app: &TestApp, admin: &Session) -> Vec<Value> {
    app.get_json("/api/v1/audit-events?limit=200", &admin.token)
        .await["items"]
        .as_array()
        .unwrap()
        .clone()
}

fn has_event(events: &[Value], action: &str) -> bool {
    events.iter().any(|e| e["action"] == action)
}

#[tokio::test]
async fn a_partner_key_works_until_the_client_ends_the_partnership_then_stops_at_once() {
    let app = spawn_app().await;
    let (parties, partnership_id) = partnership(&app).await;
    let (piet, _) = partner_user(
        &app,
        &parties,
        &partnership_id,
        "piet@accountants.example",
        "administrator",
    )
    .await;

    // The client's party is among the partner user's parties, without member management.
    let mine = app.get_json("/api/v1/me/parties", &piet.token).await;
    let reached: Vec<&Value> = mine
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["partyId"] == parties.party.as_str())
        .collect();
    assert_eq!(reached.len(), 1, "{mine}");
    assert_eq!(reached[0]["partner"], true);
    assert_eq!(
        reached[0]["permissions"],
        json!(["view", "send", "manage_details", "manage_connection_keys"])
    );
    // The partner user reaches the client's organization with the granted role…
    let org = app
        .get_json(
            &format!("/api/v1/organizations/{}", parties.org_id),
            &piet.token,
        )
        .await;
    assert_eq!(org["myRole"], "administrator");
    // …but not webhooks: neither a party webhook nor a key that could make one.
    let response = post(
        &app,
        &format!("/api/v1/organizations/{}/connections", parties.org_id),
        Some(json!({"name": "Hooks", "software": "Ledger Pro", "scopes": ["send", "webhooks"]})),
        &piet,
    )
    .await;
    let body = assert_error_body(response, 400, "validation_failed").await;
    assert_eq!(body["details"][0]["code"], "partner_scope");
    let response = post(
        &app,
        &format!("/api/v1/parties/{}/hooks", parties.party),
        Some(json!({"target": "https://books.example.com/events", "topics": ["*"]})),
        &piet,
    )
    .await;
    assert_error_body(response, 403, "forbidden").await;
    // …and creates a connection key for it.
    let (client_id, secret, token) =
        key_with_token(&app, &parties.org_id, &piet, "Books", &["send", "receive"]).await;
    let response = send(
        &app,
        &token,
        &parties.party,
        invoice("P-1", SELLER_KVK, BUYER_KVK, Some("ap@buyer.example")),
        None,
    )
    .await;
    assert_eq!(
        response.status().as_u16(),
        202,
        "sent with the partner's key"
    );
    let outbox = app
        .get_json(
            &format!("/api/v1/parties/{}/sales-invoices", parties.party),
            &piet.token,
        )
        .await;
    assert_eq!(outbox["items"].as_array().unwrap().len(), 1);

    // A second organization of the client, not granted: neither the partner user nor the key
    // reaches it.
    let other_party = active_party(&app, &parties.client, BUYER_KVK, BUYER_CONTACT).await;
    let other_org = org_with_kvk(&app, &parties.client, BUYER_KVK).await;
    for path in [
        format!("/api/v1/organizations/{other_org}"),
        format!("/api/v1/parties/{other_party}/sales-invoices"),
    ] {
        let response = app.send(Method::GET, &path, None, &piet.token).await;
        assert_error_body(response, 404, "not_found").await;
    }
    let response = send(
        &app,
        &token,
        &other_party,
        invoice("P-X", BUYER_KVK, SELLER_KVK, None),
        None,
    )
    .await;
    assert_error_body(response, 404, "not_found").await;

    // The key's creation is in the client's log, naming the partner user and environment.
    let client_log = audit_actions(&app, &parties.client).await;
    let created_event = client_log
        .iter()
        .find(|e| e["action"] == "connection.created")
        .expect("connection.created in the client's log");
    assert_eq!(created_event["actorEmail"], "piet@accountants.example");
    assert_eq!(
        created_event["details"]["actorEnvironmentId"],
        parties.accountant.me["environment"]["id"]
    );
    assert_eq!(
        created_event["details"]["partnershipId"],
        partnership_id.as_str()
    );

    // The client ends the partnership.
    let ended = json_of(
        post(
            &app,
            &format!("/api/v1/partnerships/{partnership_id}/end"),
            None,
            &parties.client,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(ended["status"], "ended");

    // The token issued before is refused on its very next request…
    let response = send(
        &app,
        &token,
        &parties.party,
        invoice("P-2", SELLER_KVK, BUYER_KVK, Some("ap@buyer.example")),
        None,
    )
    .await;
    assert_error_body(response, 401, "connection_invalid").await;
    // …no new token can be had…
    let response = token_for(&app, &client_id, &secret).await;
    assert_eq!(response.status().as_u16(), 401);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "invalid_client");
    // …and the partner user's session no longer reaches the organization or its party.
    for path in [
        format!("/api/v1/organizations/{}", parties.org_id),
        format!("/api/v1/organizations/{}/connections", parties.org_id),
        format!("/api/v1/parties/{}/sales-invoices", parties.party),
    ] {
        let response = app.send(Method::GET, &path, None, &piet.token).await;
        assert_error_body(response, 404, "not_found").await;
    }
    let mine = app.get_json("/api/v1/me/parties", &piet.token).await;
    assert!(mine.as_array().unwrap().is_empty(), "{mine}");
    // The client sees the key revoked; nothing else was sent.
    let keys = app
        .get_json(
            &format!("/api/v1/organizations/{}/connections", parties.org_id),
            &parties.client.token,
        )
        .await;
    assert_eq!(keys["items"][0]["status"], "revoked");
    let outbox = app
        .get_json(
            &format!("/api/v1/parties/{}/sales-invoices", parties.party),
            &parties.client.token,
        )
        .await;
    assert_eq!(outbox["items"].as_array().unwrap().len(), 1);
    // Grants went with it; ending twice is a conflict.
    let grants = app
        .get_json(
            &format!("/api/v1/organizations/{}/partner-access", parties.org_id),
            &parties.client.token,
        )
        .await;
    assert_eq!(grants["items"][0]["status"], "revoked");
    let response = post(
        &app,
        &format!("/api/v1/partnerships/{partnership_id}/end"),
        None,
        &parties.accountant,
    )
    .await;
    assert_error_body(response, 409, "partnership_not_active").await;

    // Both environments' logs have the whole story.
    let accountant_log = audit_actions(&app, &parties.accountant).await;
    let client_log = audit_actions(&app, &parties.client).await;
    for action in [
        "partner_request.received",
        "partner_request.accepted",
        "partner_grant.offered",
        "partner_grant.accepted",
        "partnership.ended",
    ] {
        assert!(has_event(&accountant_log, action), "accountant: {action}");
        assert!(has_event(&client_log, action), "client: {action}");
    }
    assert!(has_event(&accountant_log, "partner_request.sent"));
    assert!(has_event(&client_log, "connection.authentication_failed"));
}

#[tokio::test]
async fn the_accountant_can_end_it_too_and_a_member_grant_reaches_documents_but_not_keys() {
    let app = spawn_app().await;
    let (parties, partnership_id) = partnership(&app).await;
    let (mia, grant_id) = partner_user(
        &app,
        &parties,
        &partnership_id,
        "mia@accountants.example",
        "member",
    )
    .await;
    let org_path = format!("/api/v1/organizations/{}", parties.org_id);

    let org = app.get_json(&org_path, &mia.token).await;
    assert_eq!(org["myRole"], "member");
    app.get_json(
        &format!("/api/v1/parties/{}/sales-invoices", parties.party),
        &mia.token,
    )
    .await;
    // A member grant cannot manage keys, and no partner grant manages members or grants.
    let response = post(
        &app,
        &format!("{org_path}/connections"),
        Some(json!({"name": "Books", "software": "Ledger", "scopes": ["send"]})),
        &mia,
    )
    .await;
    assert_error_body(response, 403, "forbidden").await;
    let response = post(
        &app,
        &format!("{org_path}/partner-access"),
        Some(json!({"partnershipId": partnership_id, "userEmail": "mia@accountants.example", "role": "administrator"})),
        &mia,
    )
    .await;
    assert_error_body(response, 403, "forbidden").await;
    let response = post(
        &app,
        &format!("{org_path}/members"),
        Some(json!({"userId": mia.id(), "role": "administrator"})),
        &mia,
    )
    .await;
    assert_error_body(response, 403, "forbidden").await;

    // The client revokes the grant: gone on the next request.
    let response = app
        .send(
            Method::DELETE,
            &format!("{org_path}/partner-access/{grant_id}"),
            None,
            &parties.client.token,
        )
        .await;
    assert_eq!(response.status().as_u16(), 204);
    let response = app.send(Method::GET, &org_path, None, &mia.token).await;
    assert_error_body(response, 404, "not_found").await;
    let response = app
        .send(
            Method::DELETE,
            &format!("{org_path}/partner-access/{grant_id}"),
            None,
            &parties.client.token,
        )
        .await;
    assert_error_body(response, 409, "grant_revoked").await;

    // The accountant's side ends the partnership; offering access afterwards is refused.
    let ended = json_of(
        post(
            &app,
            &format!("/api/v1/partnerships/{partnership_id}/end"),
            None,
            &parties.accountant,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(ended["side"], "partner");
    let response = post(
        &app,
        &format!("{org_path}/partner-access"),
        Some(json!({"partnershipId": partnership_id, "userEmail": "mia@accountants.example", "role": "member"})),
        &parties.client,
    )
    .await;
    assert_error_body(response, 409, "partnership_not_active").await;
}

#[tokio::test]
async fn revoking_one_grant_stops_the_keys_its_user_made_and_no_others() {
    let app = spawn_app().await;
    let (parties, partnership_id) = partnership(&app).await;
    let (piet, piet_grant) = partner_user(
        &app,
        &parties,
        &partnership_id,
        "piet@accountants.example",
        "administrator",
    )
    .await;
    let (kees, _) = partner_user(
        &app,
        &parties,
        &partnership_id,
        "kees@accountants.example",
        "administrator",
    )
    .await;
    let org_path = format!("/api/v1/organizations/{}", parties.org_id);
    let mut tokens = Vec::new();
    for (who, name) in [
        (&piet, "Piet's books"),
        (&kees, "Kees's books"),
        (&parties.client, "Own books"),
    ] {
        let (client_id, secret, token) =
            key_with_token(&app, &parties.org_id, who, name, &["send"]).await;
        tokens.push((name, client_id, secret, token));
    }

    let response = app
        .send(
            Method::DELETE,
            &format!("{org_path}/partner-access/{piet_grant}"),
            None,
            &parties.client.token,
        )
        .await;
    assert_eq!(response.status().as_u16(), 204);

    // Piet's key stops at once, token and secret alike; Kees's and the client's own go on.
    for (number, (name, client_id, secret, token)) in tokens.iter().enumerate() {
        let response = send(
            &app,
            token,
            &parties.party,
            invoice(
                &format!("R-{number}"),
                SELLER_KVK,
                BUYER_KVK,
                Some("ap@buyer.example"),
            ),
            None,
        )
        .await;
        let issued = token_for(&app, client_id, secret).await.status().as_u16();
        if *name == "Piet's books" {
            assert_error_body(response, 401, "connection_invalid").await;
            assert_eq!(issued, 401, "no new token for {name}");
        } else {
            assert_eq!(response.status().as_u16(), 202, "{name} still sends");
            assert_eq!(issued, 200, "{name} still gets tokens");
        }
    }
    let keys = app
        .get_json(&format!("{org_path}/connections"), &parties.client.token)
        .await;
    let statuses: std::collections::BTreeMap<String, String> = keys["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            (
                k["name"].as_str().unwrap().to_owned(),
                k["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(statuses["Piet's books"], "revoked", "{keys}");
    assert_eq!(statuses["Kees's books"], "active", "{keys}");
    assert_eq!(statuses["Own books"], "active", "{keys}");
}

#[tokio::test]
async fn grants_refuse_unknown_users_duplicates_and_other_peoples_offers() {
    let app = spawn_app().await;
    let (parties, partnership_id) = partnership(&app).await;
    let org_path = format!("/api/v1/organizations/{}/partner-access", parties.org_id);
    let offer = |email: &str| json!({"partnershipId": partnership_id, "userEmail": email, "role": "member"});

    // Only users of the partner's environment, by their address.
    let response = post(
        &app,
        &org_path,
        Some(offer("nobody@accountants.example")),
        &parties.client,
    )
    .await;
    let body = assert_error_body(response, 400, "validation_failed").await;
    assert_eq!(body["details"][0]["code"], "unknown_partner_user");
    let response = post(&app, &org_path, Some(offer(CLIENT_EMAIL)), &parties.client).await;
    assert_error_body(response, 400, "validation_failed").await;
    let response = post(
        &app,
        &org_path,
        Some(json!({"partnershipId": uuid::Uuid::new_v4(), "userEmail": "anna@accountants.example", "role": "member"})),
        &parties.client,
    )
    .await;
    let body = assert_error_body(response, 400, "validation_failed").await;
    assert_eq!(body["details"][0]["field"], "partnershipId");

    let grant = json_of(
        post(
            &app,
            &org_path,
            Some(offer("anna@accountants.example")),
            &parties.client,
        )
        .await,
        201,
    )
    .await;
    let grant_id = grant["id"].as_str().unwrap();
    let response = post(
        &app,
        &org_path,
        Some(offer("anna@accountants.example")),
        &parties.client,
    )
    .await;
    assert_error_body(response, 409, "grant_exists").await;

    // Nobody but the offered user accepts it.
    let response = post(
        &app,
        &format!("/api/v1/me/partner-access/{grant_id}/accept"),
        None,
        &parties.client,
    )
    .await;
    assert_error_body(response, 404, "not_found").await;
    json_of(
        post(
            &app,
            &format!("/api/v1/me/partner-access/{grant_id}/accept"),
            None,
            &parties.accountant,
        )
        .await,
        200,
    )
    .await;
    let response = post(
        &app,
        &format!("/api/v1/me/partner-access/{grant_id}/accept"),
        None,
        &parties.accountant,
    )
    .await;
    assert_error_body(response, 409, "grant_not_offered").await;
    // The accountant's own Administrator role gives nothing beyond the grant: a member.
    let org = app
        .get_json(
            &format!("/api/v1/organizations/{}", parties.org_id),
            &parties.accountant.token,
        )
        .await;
    assert_eq!(org["myRole"], "member");
    // A third environment sees none of it.
    let third = app.register_admin("tess@third.example").await;
    let response = app.send(Method::GET, &org_path, None, &third.token).await;
    assert_error_body(response, 404, "not_found").await;
    let mine = app
        .get_json("/api/v1/me/partner-access", &third.token)
        .await;
    assert!(mine["items"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn requests_are_validated_and_answered_once_by_the_right_side() {
    let app = spawn_app().await;
    let parties = opened_request(&app).await;
    let request_path = format!("/api/v1/partner-requests/{}", parties.request_id);

    // Field-level validation.
    let response = post(
        &app,
        "/api/v1/partner-requests",
        Some(json!({"clientName": " ", "clientEmail": "carl", "software": "Ledger", "kvkNumber": "1234567"})),
        &parties.accountant,
    )
    .await;
    let body = assert_error_body(response, 400, "validation_failed").await;
    let fields: Vec<&str> = body["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["clientName", "clientEmail", "kvkNumber"]);
    // A Basic user is no relationship manager.
    let basic = app
        .invite_and_accept(&parties.accountant, "bas@accountants.example", "basic")
        .await;
    let response = send_request(&app, &basic, SELLER_KVK).await;
    assert_error_body(response, 403, "forbidden").await;
    let response = app
        .send(Method::GET, "/api/v1/partner-requests", None, &basic.token)
        .await;
    assert_error_body(response, 403, "forbidden").await;

    // The sender cannot open, accept or decline its own request.
    let token = request_token(&app, CLIENT_EMAIL, 1).await;
    let response = post(
        &app,
        "/api/v1/partner-requests/open",
        Some(json!({"token": token})),
        &parties.accountant,
    )
    .await;
    assert_error_body(response, 409, "own_partner_request").await;
    for answer in ["accept", "decline"] {
        let response = post(
            &app,
            &format!("{request_path}/{answer}"),
            None,
            &parties.accountant,
        )
        .await;
        assert_error_body(response, 404, "not_found").await;
    }
    // A third environment cannot take it over, nor see it.
    let third = app.register_admin("tess@third.example").await;
    let response = post(
        &app,
        "/api/v1/partner-requests/open",
        Some(json!({"token": token})),
        &third,
    )
    .await;
    assert_error_body(response, 409, "partner_request_taken").await;
    let response = app
        .send(Method::GET, &request_path, None, &third.token)
        .await;
    assert_error_body(response, 404, "not_found").await;
    let response = post(
        &app,
        "/api/v1/partner-requests/open",
        Some(json!({"token": "not-a-token"})),
        &third,
    )
    .await;
    assert_error_body(response, 400, "token_invalid").await;
    // The client cannot withdraw what it received.
    let response = post(
        &app,
        &format!("{request_path}/withdraw"),
        None,
        &parties.client,
    )
    .await;
    assert_error_body(response, 403, "forbidden").await;

    // Declined once; every later answer is a conflict and changes nothing.
    let declined = json_of(
        post(
            &app,
            &format!("{request_path}/decline"),
            None,
            &parties.client,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(declined["status"], "declined");
    assert_eq!(declined["answeredByEmail"], CLIENT_EMAIL);
    for (who, answer) in [
        (&parties.client, "accept"),
        (&parties.client, "decline"),
        (&parties.accountant, "withdraw"),
    ] {
        let response = post(&app, &format!("{request_path}/{answer}"), None, who).await;
        assert_error_body(response, 409, "partner_request_answered").await;
    }
    let partnerships = app
        .get_json("/api/v1/partnerships", &parties.client.token)
        .await;
    assert!(partnerships["items"].as_array().unwrap().is_empty());
    let seen = app.get_json(&request_path, &parties.accountant.token).await;
    assert_eq!(seen["status"], "declined");
    assert!(has_event(
        &audit_actions(&app, &parties.accountant).await,
        "partner_request.declined"
    ));
    assert!(has_event(
        &audit_actions(&app, &parties.client).await,
        "partner_request.declined"
    ));
}

#[tokio::test]
async fn accepting_needs_the_organization_and_its_administrator() {
    let app = spawn_app().await;
    let accountant = app.register_admin("anna@accountants.example").await;
    let client = app.register_admin(CLIENT_EMAIL).await;
    let sent = json_of(send_request(&app, &accountant, "1234 5678").await, 201).await;
    assert_eq!(sent["kvkNumber"], "12345678");
    let token = request_token(&app, CLIENT_EMAIL, 1).await;
    json_of(
        post(
            &app,
            "/api/v1/partner-requests/open",
            Some(json!({"token": token})),
            &client,
        )
        .await,
        200,
    )
    .await;
    let id = sent["id"].as_str().unwrap();
    // Opening again is harmless: the same request.
    let again = json_of(
        post(
            &app,
            "/api/v1/partner-requests/open",
            Some(json!({"token": token})),
            &client,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(again["id"], id);
    let response = post(
        &app,
        &format!("/api/v1/partner-requests/{id}/accept"),
        None,
        &client,
    )
    .await;
    assert_error_body(response, 409, "partner_organization_missing").await;
    let received = app
        .get_json("/api/v1/partner-requests?side=received", &client.token)
        .await;
    assert_eq!(received["items"][0]["status"], "pending");

    // An Advanced colleague who is no administrator of the organization may not accept.
    let withdrawn = json_of(
        post(
            &app,
            &format!("/api/v1/partner-requests/{id}/withdraw"),
            None,
            &accountant,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(withdrawn["status"], "withdrawn");
    active_party(&app, &client, SELLER_KVK, SELLER_CONTACT).await;
    let advanced = app
        .invite_and_accept(&client, "adam@client.example", "advanced")
        .await;
    json_of(send_request(&app, &accountant, SELLER_KVK).await, 201).await;
    let token = request_token(&app, CLIENT_EMAIL, 2).await;
    let opened = json_of(
        post(
            &app,
            "/api/v1/partner-requests/open",
            Some(json!({"token": token})),
            &advanced,
        )
        .await,
        200,
    )
    .await;
    let id = opened["id"].as_str().unwrap();
    let response = post(
        &app,
        &format!("/api/v1/partner-requests/{id}/accept"),
        None,
        &advanced,
    )
    .await;
    assert_error_body(response, 404, "not_found").await;
    json_of(
        post(
            &app,
            &format!("/api/v1/partner-requests/{id}/accept"),
            None,
            &client,
        )
        .await,
        200,
    )
    .await;
}

#[tokio::test]
async fn an_expired_request_cannot_be_answered_and_the_job_records_it_in_both_logs() {
    let app = spawn_app().await;
    let parties = opened_request(&app).await;
    let request_path = format!("/api/v1/partner-requests/{}", parties.request_id);

    let expired = haven_domain::partners::service::expire_requests(
        app.database(),
        chrono::Utc::now() + chrono::TimeDelta::days(15),
    )
    .await
    .unwrap();
    assert_eq!(expired, 1);
    let seen = app.get_json(&request_path, &parties.client.token).await;
    assert_eq!(seen["status"], "expired");
    for answer in ["accept", "decline"] {
        let response = post(
            &app,
            &format!("{request_path}/{answer}"),
            None,
            &parties.client,
        )
        .await;
        assert_error_body(response, 409, "partner_request_expired").await;
    }
    let response = post(
        &app,
        &format!("{request_path}/withdraw"),
        None,
        &parties.accountant,
    )
    .await;
    assert_error_body(response, 409, "partner_request_expired").await;
    assert!(has_event(
        &audit_actions(&app, &parties.accountant).await,
        "partner_request.expired"
    ));
    assert!(has_event(
        &audit_actions(&app, &parties.client).await,
        "partner_request.expired"
    ));
    // A second run finds nothing more.
    let again = haven_domain::partners::service::expire_requests(
        app.database(),
        chrono::Utc::now() + chrono::TimeDelta::days(15),
    )
    .await
    .unwrap();
    assert_eq!(again, 0);
}

#[tokio::test]
async fn of_concurrent_accepts_and_declines_exactly_one_wins() {
    let app = spawn_racing_app(None).await;
    let parties = opened_request(&app).await;
    let path = format!("/api/v1/partner-requests/{}", parties.request_id);
    // Half accept, half decline: still exactly one answer may win.
    let requests = (0..8)
        .map(|i| {
            let answer = if i % 2 == 0 { "accept" } else { "decline" };
            request(
                &app,
                Method::POST,
                &format!("{path}/{answer}"),
                None,
                &parties.client.token,
            )
        })
        .collect();
    let statuses: Vec<u16> = fire(&app.client, requests)
        .await
        .into_iter()
        .map(|(s, _)| s)
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        7,
        "{statuses:?}"
    );
    let partnerships = app
        .get_json("/api/v1/partnerships", &parties.client.token)
        .await;
    let answered = app.get_json(&path, &parties.client.token).await;
    let expected = usize::from(answered["status"] == "accepted");
    assert_eq!(partnerships["items"].as_array().unwrap().len(), expected);
}

#[tokio::test]
async fn of_concurrent_ends_from_both_sides_exactly_one_wins() {
    let app = spawn_racing_app(None).await;
    let (parties, partnership_id) = partnership(&app).await;
    let path = format!("/api/v1/partnerships/{partnership_id}/end");
    let requests = (0..8)
        .map(|i| {
            let side = if i % 2 == 0 {
                &parties.client
            } else {
                &parties.accountant
            };
            request(&app, Method::POST, &path, None, &side.token)
        })
        .collect();
    let statuses: Vec<u16> = fire(&app.client, requests)
        .await
        .into_iter()
        .map(|(s, _)| s)
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    let ended = audit_actions(&app, &parties.client)
        .await
        .into_iter()
        .filter(|e| e["action"] == "partnership.ended")
        .count();
    assert_eq!(ended, 1, "one end, one event");
}

#[tokio::test]
async fn sending_is_rate_limited_per_environment() {
    let app = spawn_app_with(Options {
        partner_requests_per_hour: Some(2),
        ..Options::default()
    })
    .await;
    let accountant = app.register_admin("anna@accountants.example").await;
    let other = app.register_admin("otto@other.example").await;
    for _ in 0..2 {
        json_of(send_request(&app, &accountant, SELLER_KVK).await, 201).await;
    }
    let response = send_request(&app, &accountant, SELLER_KVK).await;
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry_after > 0 && retry_after <= 3600);
    assert_error_body(response, 429, "too_many_requests").await;
    // Another environment has its own budget.
    json_of(send_request(&app, &other, SELLER_KVK).await, 201).await;
    let sent = app
        .get_json("/api/v1/partner-requests?side=sent", &accountant.token)
        .await;
    assert_eq!(sent["items"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn lists_are_paged_and_each_side_sees_its_own() {
    let app = spawn_app().await;
    let (parties, partnership_id) = partnership(&app).await;
    json_of(
        send_request(&app, &parties.accountant, BUYER_KVK).await,
        201,
    )
    .await;

    let first = app
        .get_json(
            "/api/v1/partner-requests?side=sent&limit=1",
            &parties.accountant.token,
        )
        .await;
    assert_eq!(first["items"].as_array().unwrap().len(), 1);
    assert_eq!(first["items"][0]["kvkNumber"], BUYER_KVK, "newest first");
    let cursor = first["nextCursor"].as_str().expect("a second page");
    let second = app
        .get_json(
            &format!("/api/v1/partner-requests?side=sent&limit=1&before={cursor}"),
            &parties.accountant.token,
        )
        .await;
    assert_eq!(second["items"][0]["id"], parties.request_id.as_str());
    assert_eq!(second["items"][0]["status"], "accepted");
    assert_eq!(second["items"][0]["partnershipId"], partnership_id.as_str());
    assert!(second["nextCursor"].is_null());

    let received = app
        .get_json(
            "/api/v1/partner-requests?side=received",
            &parties.client.token,
        )
        .await;
    assert_eq!(
        received["items"].as_array().unwrap().len(),
        1,
        "only the opened one"
    );
    let received = app
        .get_json(
            "/api/v1/partner-requests?side=received",
            &parties.accountant.token,
        )
        .await;
    assert!(received["items"].as_array().unwrap().is_empty());
    let response = app
        .send(
            Method::GET,
            "/api/v1/partner-requests?side=both",
            None,
            &parties.client.token,
        )
        .await;
    assert_error_body(response, 400, "bad_request").await;

    for (who, side) in [
        (&parties.accountant, "partner"),
        (&parties.client, "client"),
    ] {
        let list = app.get_json("/api/v1/partnerships", &who.token).await;
        assert_eq!(list["items"][0]["side"], side);
        let one = app
            .get_json(
                &format!("/api/v1/partnerships/{partnership_id}"),
                &who.token,
            )
            .await;
        assert_eq!(
            one["organizationName"],
            list["items"][0]["organizationName"]
        );
    }
    let third = app.register_admin("tess@third.example").await;
    assert!(
        app.get_json("/api/v1/partnerships", &third.token).await["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let response = app
        .send(
            Method::GET,
            &format!("/api/v1/partnerships/{partnership_id}"),
            None,
            &third.token,
        )
        .await;
    assert_error_body(response, 404, "not_found").await;
    let response = post(
        &app,
        &format!("/api/v1/partnerships/{partnership_id}/end"),
        None,
        &third,
    )
    .await;
    assert_error_body(response, 404, "not_found").await;
}

#[tokio::test]
async fn the_email_carries_the_link_and_who_asks() {
    let app = spawn_app().await;
    let accountant = app.register_admin("anna@accountants.example").await;
    json_of(send_request(&app, &accountant, SELLER_KVK).await, 201).await;
    request_token(&app, CLIENT_EMAIL, 1).await;
    let mails = haven_mailer::testing::outbox_for(&app.outbox(), CLIENT_EMAIL);
    let mail = mails.last().expect("the request mail");
    assert!(mail.text.contains("Ada Admin"), "{}", mail.text);
    assert!(mail.text.contains(SELLER_KVK));
    assert!(mail.text.contains("Ledger Pro"));
}

#[tokio::test]
async fn one_active_partnership_per_accountant_and_organization_until_it_ends() {
    let app = spawn_app().await;
    let (parties, partnership_id) = partnership(&app).await;
    // A second request for the same organization from the same accountant.
    let second = json_of(
        send_request(&app, &parties.accountant, SELLER_KVK).await,
        201,
    )
    .await;
    let token = request_token(&app, CLIENT_EMAIL, 2).await;
    json_of(
        post(
            &app,
            "/api/v1/partner-requests/open",
            Some(json!({"token": token})),
            &parties.client,
        )
        .await,
        200,
    )
    .await;
    let accept = format!(
        "/api/v1/partner-requests/{}/accept",
        second["id"].as_str().unwrap()
    );
    let response = post(&app, &accept, None, &parties.client).await;
    assert_error_body(response, 409, "partnership_exists").await;
    // Nothing changed: the request is still pending, one partnership.
    let seen = app
        .get_json(
            &format!(
                "/api/v1/partner-requests/{}",
                second["id"].as_str().unwrap()
            ),
            &parties.client.token,
        )
        .await;
    assert_eq!(seen["status"], "pending");
    let list = app
        .get_json("/api/v1/partnerships", &parties.client.token)
        .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);

    // Once the first has ended, the second may start.
    json_of(
        post(
            &app,
            &format!("/api/v1/partnerships/{partnership_id}/end"),
            None,
            &parties.client,
        )
        .await,
        200,
    )
    .await;
    let started = json_of(post(&app, &accept, None, &parties.client).await, 200).await;
    assert_eq!(started["status"], "active");
    let list = app
        .get_json("/api/v1/partnerships", &parties.client.token)
        .await;
    let statuses: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["active", "ended"]);
}
