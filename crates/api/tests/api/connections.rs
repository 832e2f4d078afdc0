//! Connection keys: managing them, the OAuth token endpoint (RFC 6749), what a connection's
//! token may and may not reach, rate limits and the usage log.

use reqwest::Method;
use serde_json::{json, Value};

use crate::exchange::{
    active_party, invoice, send, BUYER_CONTACT, BUYER_KVK, SELLER_CONTACT, SELLER_KVK,
};
use crate::helpers::{assert_error_body, spawn_app, spawn_app_with, Options, Session, TestApp};

const OTHER_KVK: &str = "90000067";
const OTHER_CONTACT: &str = "finance@polderdata.example";

/// The id of the organization that holds `party`, as its administrator sees it.
pub(crate) async fn organization_of(app: &TestApp, admin: &Session, party: &str) -> String {
    let orgs = app.get_json("/api/v1/organizations", &admin.token).await;
    orgs["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| {
            o["identifiers"]
                .as_array()
                .unwrap()
                .iter()
                .any(|i| i["participantId"] == party)
        })
        .map(|o| o["id"].as_str().unwrap().to_owned())
        .expect("the party's organization")
}

/// Creates a connection with `scopes`; returns (connection, client id, secret).
pub(crate) async fn create(
    app: &TestApp,
    admin: &Session,
    org_id: &str,
    scopes: &[&str],
) -> (Value, String, String) {
    let response = app
        .send(
            Method::POST,
            &format!("/api/v1/organizations/{org_id}/connections"),
            Some(&json!({"name": "Books", "software": "Ledger Pro", "scopes": scopes})),
            &admin.token,
        )
        .await;
    assert_eq!(response.status().as_u16(), 201);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.unwrap();
    let id = body["connection"]["clientId"].as_str().unwrap().to_owned();
    let secret = body["clientSecret"].as_str().unwrap().to_owned();
    (body["connection"].clone(), id, secret)
}

async fn token_request(app: &TestApp, form: &[(&str, &str)]) -> reqwest::Response {
    app.client
        .post(app.url("/connect/token"))
        .form(form)
        .send()
        .await
        .unwrap()
}

/// A token for the client (all its scopes).
pub(crate) async fn token(app: &TestApp, client_id: &str, secret: &str) -> String {
    let response = token_request(
        app,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", client_id),
            ("client_secret", secret),
        ],
    )
    .await;
    assert_eq!(response.status().as_u16(), 200, "token");
    let body: Value = response.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

async fn oauth_error(
    response: reqwest::Response,
    status: u16,
    error: &str,
) -> reqwest::header::HeaderMap {
    assert_eq!(response.status().as_u16(), status, "status");
    let headers = response.headers().clone();
    assert_eq!(headers["cache-control"], "no-store");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], error, "{body}");
    assert!(body["error_description"]
        .as_str()
        .is_some_and(|d| !d.is_empty()));
    headers
}

/// Environment A with Tulpenveld (the connection's organization) active.
async fn setup(app: &TestApp) -> (Session, String, String) {
    let admin = app.register_admin("ada@alpha.example").await;
    let party = active_party(app, &admin, SELLER_KVK, SELLER_CONTACT).await;
    let org_id = organization_of(app, &admin, &party).await;
    (admin, party, org_id)
}

#[tokio::test]
async fn an_administrator_creates_lists_revokes_and_deletes_a_connection() {
    let app = spawn_app().await;
    let (admin, _, org_id) = setup(&app).await;
    let base = format!("/api/v1/organizations/{org_id}/connections");

    let (connection, client_id, secret) = create(&app, &admin, &org_id, &["receive", "send"]).await;
    assert!(client_id.starts_with("hvn_"));
    assert_eq!(secret.len(), 43, "256 bits, base64url");
    assert_eq!(connection["scopes"], json!(["send", "receive"]));
    assert_eq!(connection["status"], "active");
    assert_eq!(connection["createdByEmail"], "ada@alpha.example");
    assert!(connection["lastUsedAt"].is_null());

    let list = app.get_json(&base, &admin.token).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert!(
        !list.to_string().contains(&secret),
        "the secret is shown once"
    );
    let id = connection["id"].as_str().unwrap();
    let one = app.get_json(&format!("{base}/{id}"), &admin.token).await;
    assert_eq!(one["clientId"], client_id.as_str());

    // Only a revoked connection can be deleted.
    let response = app
        .send(Method::DELETE, &format!("{base}/{id}"), None, &admin.token)
        .await;
    assert_error_body(response, 409, "connection_not_revoked").await;
    let response = app
        .send(
            Method::POST,
            &format!("{base}/{id}/revoke"),
            None,
            &admin.token,
        )
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let revoked: Value = response.json().await.unwrap();
    assert_eq!(revoked["status"], "revoked");
    assert!(revoked["revokedAt"].is_string());
    let response = app
        .send(
            Method::POST,
            &format!("{base}/{id}/revoke"),
            None,
            &admin.token,
        )
        .await;
    assert_error_body(response, 409, "connection_not_active").await;
    let response = app
        .send(
            Method::POST,
            &format!("{base}/{id}/secret"),
            None,
            &admin.token,
        )
        .await;
    assert_error_body(response, 409, "connection_not_active").await;
    let response = app
        .send(Method::DELETE, &format!("{base}/{id}"), None, &admin.token)
        .await;
    assert_eq!(response.status().as_u16(), 204);
    let response = app
        .send(Method::GET, &format!("{base}/{id}"), None, &admin.token)
        .await;
    assert_error_body(response, 404, "not_found").await;

    let audit = app.get_json("/api/v1/audit-events", &admin.token).await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for action in [
        "connection.created",
        "connection.revoked",
        "connection.deleted",
    ] {
        assert!(actions.contains(&action), "{action} in {actions:?}");
    }
    assert!(!audit.to_string().contains(&secret));
}

#[tokio::test]
async fn only_organization_administrators_manage_connections_and_input_is_checked() {
    let app = spawn_app().await;
    let (admin, _, org_id) = setup(&app).await;
    let base = format!("/api/v1/organizations/{org_id}/connections");
    let member = app
        .invite_and_accept(&admin, "bob@alpha.example", "basic")
        .await;
    app.send(
        Method::POST,
        &format!("/api/v1/organizations/{org_id}/members"),
        Some(&json!({"userId": member.id(), "role": "member"})),
        &admin.token,
    )
    .await;
    let outsider = app
        .invite_and_accept(&admin, "carl@alpha.example", "basic")
        .await;
    let body = json!({"name": "Books", "software": "Ledger", "scopes": ["send"]});

    let response = app
        .send(Method::POST, &base, Some(&body), &member.token)
        .await;
    assert_error_body(response, 403, "forbidden").await;
    let response = app.send(Method::GET, &base, None, &member.token).await;
    assert_error_body(response, 403, "forbidden").await;
    let response = app.send(Method::GET, &base, None, &outsider.token).await;
    assert_error_body(response, 404, "not_found").await;

    for (bad, field) in [
        (
            json!({"name": " ", "software": "Ledger", "scopes": ["send"]}),
            "name",
        ),
        (
            json!({"name": "Books", "software": "x".repeat(101), "scopes": ["send"]}),
            "software",
        ),
        (
            json!({"name": "Books", "software": "Ledger", "scopes": []}),
            "scopes",
        ),
    ] {
        let response = app
            .send(Method::POST, &base, Some(&bad), &admin.token)
            .await;
        let error = assert_error_body(response, 400, "validation_failed").await;
        assert_eq!(error["details"][0]["field"], field, "{error}");
    }
    let response = app
        .send(
            Method::POST,
            &base,
            Some(&json!({"name": "B", "software": "L", "scopes": ["admin"]})),
            &admin.token,
        )
        .await;
    assert_eq!(response.status().as_u16(), 400, "an unknown scope");
    let list = app.get_json(&base, &admin.token).await;
    assert!(
        list["items"].as_array().unwrap().is_empty(),
        "nothing was created"
    );
}

#[tokio::test]
async fn the_token_endpoint_answers_as_rfc_6749_says() {
    let app = spawn_app().await;
    let (admin, _, org_id) = setup(&app).await;
    let (_, client_id, secret) = create(&app, &admin, &org_id, &["send", "receive"]).await;

    // Credentials in the body.
    let response = token_request(
        &app,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &client_id),
            ("client_secret", &secret),
        ],
    )
    .await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(body["scope"], "send receive");
    assert!(body["access_token"].as_str().unwrap().len() > 40);

    // HTTP Basic, narrowed to one scope.
    let response = app
        .client
        .post(app.url("/connect/token"))
        .basic_auth(&client_id, Some(&secret))
        .form(&[("grant_type", "client_credentials"), ("scope", "receive")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["scope"], "receive");

    // Another Authorization scheme is no client authentication: the body's credentials count.
    let response = app
        .client
        .post(app.url("/connect/token"))
        .bearer_auth("something-else")
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", &client_id),
            ("client_secret", &secret),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    // Only POST: other methods get 405 with `Allow`, like the API's paths.
    let response = app.get("/connect/token").await;
    assert_eq!(response.headers()["allow"], "POST");
    assert_error_body(response, 405, "method_not_allowed").await;

    // Both at once.
    let response = app
        .client
        .post(app.url("/connect/token"))
        .basic_auth(&client_id, Some(&secret))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", &client_id),
            ("client_secret", &secret),
        ])
        .send()
        .await
        .unwrap();
    oauth_error(response, 400, "invalid_request").await;
    // A wrong secret over Basic: 401 with the challenge.
    let response = app
        .client
        .post(app.url("/connect/token"))
        .basic_auth(&client_id, Some("wrong"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    let headers = oauth_error(response, 401, "invalid_client").await;
    assert!(headers["www-authenticate"]
        .to_str()
        .unwrap()
        .starts_with("Basic"));
    // A wrong secret and an unknown client in the body: 401 without it.
    let response = token_request(
        &app,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &client_id),
            ("client_secret", "wrong"),
        ],
    )
    .await;
    let headers = oauth_error(response, 401, "invalid_client").await;
    assert!(headers.get("www-authenticate").is_none());
    let response = token_request(
        &app,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", "hvn_unknown"),
            ("client_secret", &secret),
        ],
    )
    .await;
    oauth_error(response, 401, "invalid_client").await;
    let response = token_request(
        &app,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &client_id),
        ],
    )
    .await;
    oauth_error(response, 401, "invalid_client").await;
    // Grant types and parameters.
    let response = token_request(
        &app,
        &[
            ("grant_type", "password"),
            ("client_id", &client_id),
            ("client_secret", &secret),
        ],
    )
    .await;
    oauth_error(response, 400, "unsupported_grant_type").await;
    let response = token_request(
        &app,
        &[("client_id", &client_id), ("client_secret", &secret)],
    )
    .await;
    oauth_error(response, 400, "invalid_request").await;
    let response = app
        .client
        .post(app.url("/connect/token"))
        .json(&json!({"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}))
        .send()
        .await
        .unwrap();
    oauth_error(response, 400, "invalid_request").await;
    let response = app
        .client
        .post(app.url("/connect/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("grant_type=client_credentials&grant_type=client_credentials&client_id={client_id}&client_secret={secret}"))
        .send()
        .await
        .unwrap();
    oauth_error(response, 400, "invalid_request").await;
    // Scopes beyond the connection's, or not scopes at all.
    for scope in ["send webhooks", "everything"] {
        let response = token_request(
            &app,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &client_id),
                ("client_secret", &secret),
                ("scope", scope),
            ],
        )
        .await;
        oauth_error(response, 400, "invalid_scope").await;
    }

    // Failed client authentications are in the environment's audit log, secrets are not.
    let audit = app
        .get_json(
            "/api/v1/audit-events?action=connection.authentication_failed",
            &admin.token,
        )
        .await;
    assert_eq!(audit["items"].as_array().unwrap().len(), 2, "{audit}");
    assert!(!audit.to_string().contains(&secret));
    // And the connection shows it was used.
    let list = app
        .get_json(
            &format!("/api/v1/organizations/{org_id}/connections"),
            &admin.token,
        )
        .await;
    assert!(list["items"][0]["lastUsedAt"].is_string());
}

#[tokio::test]
async fn a_token_sends_an_invoice_and_reads_its_outbox_but_nothing_else() {
    let app = spawn_app().await;
    let (admin, party, org_id) = setup(&app).await;
    let (connection, client_id, secret) = create(&app, &admin, &org_id, &["send"]).await;
    let bearer = token(&app, &client_id, &secret).await;

    let response = send(
        &app,
        &bearer,
        &party,
        invoice("API-1", SELLER_KVK, BUYER_KVK, Some("ap@buyer.example")),
        None,
    )
    .await;
    assert_eq!(response.status().as_u16(), 202);
    let sent: Value = response.json().await.unwrap();
    let id = sent["documentId"].as_str().unwrap();
    let outbox = app
        .get_json(&format!("/api/v1/parties/{party}/sales-invoices"), &bearer)
        .await;
    assert_eq!(outbox["items"][0]["id"], id);
    let history = app
        .get_json(
            &format!("/api/v1/parties/{party}/sales-invoices/{id}/events"),
            &bearer,
        )
        .await;
    let by: Vec<String> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["actorEmail"].as_str().map(str::to_owned))
        .collect();
    assert!(
        by.iter().any(|b| b.contains(&client_id)),
        "the history names the connection: {history}"
    );

    // The person's and the environment's operations refuse the token with a clear code.
    for path in [
        "/api/v1/me",
        "/api/v1/organizations",
        "/api/v1/users",
        "/api/v1/environment",
        &format!("/api/v1/organizations/{org_id}/connections"),
        "/api/v1/shared-with-me",
    ] {
        let response = app.send(Method::GET, path, None, &bearer).await;
        assert_error_body(response, 403, "connection_not_allowed").await;
    }
    let connection_id = connection["id"].as_str().unwrap();
    let response = app
        .send(
            Method::POST,
            &format!("/api/v1/organizations/{org_id}/connections/{connection_id}/revoke"),
            None,
            &bearer,
        )
        .await;
    assert_error_body(response, 403, "connection_not_allowed").await;
    let response = app
        .send(
            Method::POST,
            &format!("/api/v1/parties/{party}/sales-invoices/{id}/shares"),
            Some(&json!({"userId": admin.id(), "access": "view"})),
            &bearer,
        )
        .await;
    assert_error_body(response, 403, "connection_not_allowed").await;
}

#[tokio::test]
async fn every_denial_of_a_token_is_proven() {
    let app = spawn_app().await;
    let (admin, party, org_id) = setup(&app).await;
    let base = format!("/api/v1/organizations/{org_id}/connections");
    // Another organization of the same environment, and another environment.
    let other_party = active_party(&app, &admin, OTHER_KVK, OTHER_CONTACT).await;
    let intruder = app.register_admin("eve@beta.example").await;
    let foreign_party = active_party(&app, &intruder, BUYER_KVK, BUYER_CONTACT).await;
    let foreign_org = organization_of(&app, &intruder, &foreign_party).await;
    let (_, foreign_id, foreign_secret) =
        create(&app, &intruder, &foreign_org, &["send", "receive"]).await;
    let foreign_token = token(&app, &foreign_id, &foreign_secret).await;

    let (connection, client_id, secret) = create(&app, &admin, &org_id, &["receive"]).await;
    let bearer = token(&app, &client_id, &secret).await;
    let inbox = |p: &str| format!("/api/v1/parties/{p}/purchase-invoices");

    // Its own party within its scope.
    app.get_json(&inbox(&party), &bearer).await;
    // Another organization's party, in its environment or another: not found.
    let response = app
        .send(Method::GET, &inbox(&other_party), None, &bearer)
        .await;
    assert_error_body(response, 404, "not_found").await;
    let response = app
        .send(Method::GET, &inbox(&party), None, &foreign_token)
        .await;
    assert_error_body(response, 404, "not_found").await;
    // A scope it lacks.
    let response = send(
        &app,
        &bearer,
        &party,
        invoice("X-1", SELLER_KVK, BUYER_KVK, None),
        None,
    )
    .await;
    assert_error_body(response, 403, "scope_missing").await;
    let response = app
        .send(
            Method::GET,
            &format!("/api/v1/parties/{party}/sales-invoices"),
            None,
            &bearer,
        )
        .await;
    assert_error_body(response, 403, "scope_missing").await;
    let response = app
        .send(
            Method::POST,
            &format!(
                "/api/v1/parties/{party}/purchase-invoices/{}/status",
                uuid::Uuid::new_v4()
            ),
            Some(&json!({"status": "approved"})),
            &bearer,
        )
        .await;
    assert_error_body(response, 403, "scope_missing").await;
    // A tampered token, and an expired one signed with the real key.
    let mut tampered = bearer.clone();
    tampered.insert(tampered.len() - 2, 'x');
    let response = app.send(Method::GET, &inbox(&party), None, &tampered).await;
    assert_error_body(response, 401, "unauthenticated").await;
    let key = haven_api::secrets::SigningKey::load_or_generate(None, &app.data_dir).unwrap();
    let claims = haven_api::auth::tokens::verify_connection(&key, &bearer).unwrap();
    let expired = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &haven_api::auth::tokens::ConnectionClaims {
            iat: 1,
            exp: 2,
            ..claims
        },
        &jsonwebtoken::EncodingKey::from_secret(key.as_bytes()),
    )
    .unwrap();
    let response = app.send(Method::GET, &inbox(&party), None, &expired).await;
    assert_error_body(response, 401, "token_expired").await;
    // A person's session without access to the organization.
    let outsider = app
        .invite_and_accept(&admin, "carl@alpha.example", "basic")
        .await;
    let response = app
        .send(Method::GET, &inbox(&party), None, &outsider.token)
        .await;
    assert_error_body(response, 404, "not_found").await;

    // A regenerated secret ends the old secret and its tokens at once.
    let id = connection["id"].as_str().unwrap();
    let response = app
        .send(
            Method::POST,
            &format!("{base}/{id}/secret"),
            None,
            &admin.token,
        )
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let regenerated: Value = response.json().await.unwrap();
    let new_secret = regenerated["clientSecret"].as_str().unwrap().to_owned();
    assert_ne!(new_secret, secret);
    assert_eq!(regenerated["connection"]["clientId"], client_id.as_str());
    let response = app.send(Method::GET, &inbox(&party), None, &bearer).await;
    assert_error_body(response, 401, "connection_invalid").await;
    let response = token_request(
        &app,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &client_id),
            ("client_secret", &secret),
        ],
    )
    .await;
    oauth_error(response, 401, "invalid_client").await;
    let bearer = token(&app, &client_id, &new_secret).await;
    app.get_json(&inbox(&party), &bearer).await;

    // Revoked: the next request is refused, and no new token is given.
    let response = app
        .send(
            Method::POST,
            &format!("{base}/{id}/revoke"),
            None,
            &admin.token,
        )
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let response = app.send(Method::GET, &inbox(&party), None, &bearer).await;
    assert_error_body(response, 401, "connection_invalid").await;
    let response = token_request(
        &app,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &client_id),
            ("client_secret", &new_secret),
        ],
    )
    .await;
    oauth_error(response, 401, "invalid_client").await;
    // Deleted: still refused.
    let response = app
        .send(Method::DELETE, &format!("{base}/{id}"), None, &admin.token)
        .await;
    assert_eq!(response.status().as_u16(), 204);
    let response = app.send(Method::GET, &inbox(&party), None, &bearer).await;
    assert_error_body(response, 401, "connection_invalid").await;
}

#[tokio::test]
async fn calls_are_rate_limited_per_connection_and_logged() {
    let app = spawn_app_with(Options {
        connection_requests_per_minute: Some(3),
        token_requests_per_minute_per_client: Some(2),
        ..Options::default()
    })
    .await;
    let (admin, party, org_id) = setup(&app).await;
    let (connection, client_id, secret) = create(&app, &admin, &org_id, &["send"]).await;
    let bearer = token(&app, &client_id, &secret).await;
    let outbox = format!("/api/v1/parties/{party}/sales-invoices");

    for _ in 0..3 {
        app.get_json(&outbox, &bearer).await;
    }
    let response = app.send(Method::GET, &outbox, None, &bearer).await;
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after));
    assert_error_body(response, 429, "too_many_requests").await;
    // The person's own calls are not counted against the connection.
    app.get_json(&outbox, &admin.token).await;
    // The token endpoint, per client id.
    token(&app, &client_id, &secret).await;
    let response = token_request(
        &app,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &client_id),
            ("client_secret", &secret),
        ],
    )
    .await;
    assert_eq!(response.status().as_u16(), 429);
    assert!(response.headers().get("retry-after").is_some());

    // The usage log has the four calls, newest first, with route templates; written off the
    // request path, so it is polled.
    let id = connection["id"].as_str().unwrap();
    let path = format!("/api/v1/organizations/{org_id}/connections/{id}/usage");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let usage = loop {
        let usage = app.get_json(&path, &admin.token).await;
        if usage["items"].as_array().unwrap().len() >= 4 {
            break usage;
        }
        assert!(std::time::Instant::now() < deadline, "usage log: {usage}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    let items = usage["items"].as_array().unwrap();
    assert_eq!(items.len(), 4, "{usage}");
    assert_eq!(items[0]["statusCode"], 429);
    assert!(items[1..].iter().all(|i| i["statusCode"] == 200));
    assert!(items.iter().all(|i| i["method"] == "GET"
        && i["endpoint"] == "/api/v1/parties/{partyId}/sales-invoices"
        && i["durationMs"].is_u64()));
    let page = app.get_json(&format!("{path}?limit=2"), &admin.token).await;
    let next = page["nextCursor"].as_str().unwrap();
    let rest = app
        .get_json(&format!("{path}?limit=2&before={next}"), &admin.token)
        .await;
    assert_eq!(rest["items"].as_array().unwrap().len(), 2);
    assert!(rest["nextCursor"].is_null());
}

#[tokio::test]
async fn the_usage_log_is_purged_after_30_days_by_a_daily_job() {
    use haven_domain::connections::{records::UsageEntry, service::purge_usage, store::UsageLog};
    let app = spawn_app().await;
    let (admin, _, org_id) = setup(&app).await;
    let (connection, _, _) = create(&app, &admin, &org_id, &["send"]).await;
    let connection_id: uuid::Uuid = connection["id"].as_str().unwrap().parse().unwrap();
    let now = chrono::Utc::now();
    let entry = |days: i64| UsageEntry {
        id: uuid::Uuid::new_v4(),
        connection_id,
        at: now - chrono::TimeDelta::days(days),
        method: "GET".into(),
        endpoint: "/api/v1/parties/{partyId}/sales-invoices".into(),
        status: 200,
        duration_ms: 3,
    };
    app.database()
        .append_usage(vec![entry(31), entry(29)])
        .await
        .unwrap();

    assert_eq!(purge_usage(app.database(), now).await.unwrap(), 1);
    let usage = app
        .get_json(
            &format!("/api/v1/organizations/{org_id}/connections/{connection_id}/usage"),
            &admin.token,
        )
        .await;
    assert_eq!(usage["items"].as_array().unwrap().len(), 1);
    let jobs = haven_domain::jobs::JobAdmin::list_jobs(
        app.database(),
        &haven_domain::jobs::JobQuery {
            limit: 50,
            kind: Some(haven_domain::jobs::JobKind::PurgeConnectionUsage),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    // Today's run (or, once it ran, also tomorrow's): one per day however many instances.
    assert!(!jobs.is_empty() && jobs.len() <= 2, "{jobs:?}");
}
