//! Invariants under concurrency: many requests released at the same instant, repeated a few
//! rounds, on whichever database the suite runs against. Each test fails when the invariant is
//! checked by reading and then writing without a lock (PostgreSQL at READ COMMITTED lets two
//! such transactions both pass the check).

use std::{net::IpAddr, sync::Arc};

use reqwest::{Client, Method, Request};
use serde_json::{json, Value};
use tokio::sync::Barrier;

use crate::helpers::{session_from, spawn_app_with, Options, Session, TestApp, PASSWORD};

/// Tulpenveld Installatietechniek B.V. in the offline register (contact facturen@…).
const KVK: &str = "90000016";
const REGISTER_CONTACT: &str = "facturen@tulpenveld-installatie.example";

/// A server with a pool large enough that requests really run at the same time.
pub(crate) async fn spawn_racing_app(max_organizations: Option<u64>) -> TestApp {
    spawn_app_with(Options {
        database_max_connections: 16,
        workers: 2,
        max_organizations,
        ..Options::default()
    })
    .await
}

/// Sends every request at the same instant; returns each status with its JSON body (or Null).
pub(crate) async fn fire(client: &Client, requests: Vec<Request>) -> Vec<(u16, Value)> {
    let barrier = Arc::new(Barrier::new(requests.len()));
    let tasks: Vec<_> = requests
        .into_iter()
        .map(|request| {
            let client = client.clone();
            let barrier = barrier.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                let response = client.execute(request).await.unwrap();
                let status = response.status().as_u16();
                let body = response.json::<Value>().await.unwrap_or(Value::Null);
                (status, body)
            })
        })
        .collect();
    let mut results = Vec::with_capacity(tasks.len());
    for task in tasks {
        results.push(task.await.unwrap());
    }
    results
}

pub(crate) fn request(
    app: &TestApp,
    method: Method,
    path: &str,
    body: Option<&Value>,
    token: &str,
) -> Request {
    let mut builder = app.client.request(method, app.url(path)).bearer_auth(token);
    if let Some(body) = body {
        builder = builder.json(body);
    }
    builder.build().unwrap()
}

/// Active Administrators as seen by whichever of `sessions` may still list users (none may:
/// then nobody can administer the environment, which counts as zero).
async fn active_administrators(app: &TestApp, sessions: &[&Session]) -> usize {
    for session in sessions {
        let response = app
            .send(Method::GET, "/api/v1/users", None, &session.token)
            .await;
        if response.status().as_u16() == 200 {
            let body: Value = response.json().await.unwrap();
            let users = body
                .as_array()
                .or_else(|| body["items"].as_array())
                .expect("a list of users")
                .clone();
            return users
                .iter()
                .filter(|u| u["role"] == "administrator" && u["status"] == "active")
                .count();
        }
    }
    0
}

#[tokio::test]
async fn two_administrators_acting_on_each_other_at_once_keep_an_active_administrator() {
    let app = spawn_racing_app(None).await;
    for round in 0..6 {
        let a = app.register_admin(&format!("a{round}@example.com")).await;
        let b = app
            .invite_and_accept(&a, &format!("b{round}@example.com"), "administrator")
            .await;
        let kind = ["demote", "deactivate", "remove"][round % 3];
        let against = |actor: &Session, target: &Session| match kind {
            "demote" => request(
                &app,
                Method::PATCH,
                &format!("/api/v1/users/{}", target.id()),
                Some(&json!({"role": "basic"})),
                &actor.token,
            ),
            "deactivate" => request(
                &app,
                Method::POST,
                &format!("/api/v1/users/{}/deactivate", target.id()),
                None,
                &actor.token,
            ),
            _ => request(
                &app,
                Method::DELETE,
                &format!("/api/v1/users/{}", target.id()),
                None,
                &actor.token,
            ),
        };
        let mut requests = Vec::new();
        for _ in 0..4 {
            requests.push(against(&a, &b));
            requests.push(against(&b, &a));
        }

        let results = fire(&app.client, requests).await;

        for (status, body) in &results {
            assert!(
                [200, 204, 401, 403, 404, 409].contains(status),
                "round {round} ({kind}): unexpected {status} {body}"
            );
        }
        let remaining = active_administrators(&app, &[&a, &b]).await;
        assert!(
            remaining >= 1,
            "round {round} ({kind}): no active administrator left; answers {:?}",
            results.iter().map(|(s, _)| s).collect::<Vec<_>>()
        );
    }
}

/// The code in the `nth` activation mail to the register's contact address.
async fn mailed_code(app: &TestApp, nth: usize) -> String {
    let mail = app.mail(REGISTER_CONTACT, nth).await;
    mail.text
        .lines()
        .find(|l| l.contains("code:") || l.contains("Activatiecode:"))
        .unwrap()
        .chars()
        .filter(char::is_ascii_digit)
        .collect()
}

#[tokio::test]
async fn concurrent_wrong_activation_codes_are_evaluated_at_most_five_times() {
    let app = spawn_racing_app(None).await;
    let admin = app.register_admin("ada@example.com").await;
    let response = app
        .send(
            Method::POST,
            "/api/v1/organizations",
            Some(&json!({"kvkNumber": KVK})),
            &admin.token,
        )
        .await;
    assert_eq!(response.status().as_u16(), 201);
    let org: Value = response.json().await.unwrap();
    let id = org["id"].as_str().unwrap().to_owned();
    let activation = format!("/api/v1/organizations/{id}/activation");
    let enter = format!("{activation}/code");

    for round in 0..3 {
        let response = app
            .send(
                Method::POST,
                &activation,
                Some(&json!({"method": "email_code"})),
                &admin.token,
            )
            .await;
        assert_eq!(response.status().as_u16(), 200, "round {round}: request");
        let right = mailed_code(&app, round).await;
        let wrong = if right == "000000" {
            "111111"
        } else {
            "000000"
        };
        let requests = (0..30)
            .map(|_| {
                request(
                    &app,
                    Method::POST,
                    &enter,
                    Some(&json!({"code": wrong})),
                    &admin.token,
                )
            })
            .collect();

        let results = fire(&app.client, requests).await;

        let evaluated = results
            .iter()
            .filter(|(status, body)| *status == 400 && body["details"][0]["code"] == "wrong_code")
            .count();
        for (status, body) in &results {
            assert!(
                *status == 409 || (*status == 400 && body["details"][0]["code"] == "wrong_code"),
                "round {round}: unexpected {status} {body}"
            );
        }
        assert!(
            evaluated <= 5,
            "round {round}: {evaluated} wrong codes were evaluated"
        );
        let late = app
            .send(
                Method::POST,
                &enter,
                Some(&json!({"code": right})),
                &admin.token,
            )
            .await;
        assert_eq!(
            late.status().as_u16(),
            409,
            "round {round}: the right code still worked after the lock-out"
        );
    }
}

/// A client whose requests come from `ip` (any 127.x.y.z reaches the server on loopback), so
/// that each round starts with a fresh per-address throttle.
fn client_from(ip: [u8; 4]) -> Client {
    Client::builder()
        .local_address(IpAddr::from(ip))
        .build()
        .unwrap()
}

#[tokio::test]
async fn concurrent_wrong_passwords_are_evaluated_only_until_the_lock() {
    let app = spawn_racing_app(None).await;
    app.register_admin("ada@example.com").await;
    for round in 0..3u8 {
        let client = client_from([127, 0, 0, 10 + round]);
        // A known account, then unknown ones: both must be throttled the same way.
        let email = if round == 0 {
            "ada@example.com".to_owned()
        } else {
            format!("nobody{round}@example.com")
        };
        let requests = (0..30)
            .map(|_| {
                client
                    .post(app.url("/api/v1/auth/login"))
                    .json(&json!({"email": email, "password": "not the password at all"}))
                    .build()
                    .unwrap()
            })
            .collect();

        let results = fire(&client, requests).await;

        let evaluated = results.iter().filter(|(status, _)| *status == 401).count();
        for (status, body) in &results {
            assert!(
                *status == 401 || *status == 429,
                "round {round}: unexpected {status} {body}"
            );
        }
        // Five free failures, then the sixth sets the lock.
        assert!(
            evaluated <= 6,
            "round {round}: {evaluated} passwords were evaluated before the lock"
        );
    }
    // Another address does not get round the account's lock.
    let fresh = client_from([127, 0, 0, 20]);
    let response = fresh
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": "nobody1@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status().as_u16(),
        429,
        "the account key stays locked"
    );
}

#[tokio::test]
async fn organizations_created_at_once_stay_within_the_limit() {
    let app = spawn_racing_app(Some(3)).await;
    for round in 0..3 {
        let admin = app.register_admin(&format!("ada{round}@example.com")).await;
        let requests = (0..10)
            .map(|n| {
                request(
                    &app,
                    Method::POST,
                    "/api/v1/organizations",
                    Some(&json!({"country": "BE", "statutoryName": format!("Voorbeeld {n} BV")})),
                    &admin.token,
                )
            })
            .collect();

        let results = fire(&app.client, requests).await;

        let created = results.iter().filter(|(status, _)| *status == 201).count();
        for (status, body) in &results {
            assert!(
                *status == 201
                    || (*status == 409 && body["message"].as_str().unwrap().contains("limit of 3")),
                "round {round}: unexpected {status} {body}"
            );
        }
        let listed: Value = app
            .send(Method::GET, "/api/v1/organizations", None, &admin.token)
            .await
            .json()
            .await
            .unwrap();
        let listed = listed
            .as_array()
            .or_else(|| listed["items"].as_array())
            .expect("a list of organizations")
            .len();
        assert!(
            created <= 3 && listed <= 3,
            "round {round}: {created} created, {listed} listed with a limit of 3"
        );
    }
}

#[tokio::test]
async fn a_refresh_token_replayed_at_once_always_ends_the_session() {
    let app = spawn_racing_app(None).await;
    app.register_admin("ada@example.com").await;
    for round in 0..8 {
        let session = session_from(app.login("ada@example.com", PASSWORD).await).await;
        let cookie = session.refresh_cookie.split(';').next().unwrap().to_owned();
        let requests = (0..8)
            .map(|_| {
                app.client
                    .post(app.url("/api/v1/auth/refresh"))
                    .header("cookie", &cookie)
                    .build()
                    .unwrap()
            })
            .collect();

        let results = fire(&app.client, requests).await;

        let mut tokens = vec![session.token.clone()];
        for (status, body) in &results {
            match status {
                200 => tokens.push(body["accessToken"].as_str().unwrap().to_owned()),
                401 => {}
                _ => panic!("round {round}: unexpected {status} {body}"),
            }
        }
        assert!(tokens.len() <= 2, "round {round}: one rotation at most");
        for token in &tokens {
            let me = app.send(Method::GET, "/api/v1/me", None, token).await;
            assert_eq!(
                me.status().as_u16(),
                401,
                "round {round}: the session survived a replayed refresh token"
            );
        }
    }
}

#[tokio::test]
async fn an_address_approved_and_rejected_at_once_is_decided_once() {
    let app = spawn_racing_app(None).await;
    let admin = app.register_admin("ada@example.com").await;
    let colleague = app
        .invite_and_accept(&admin, "bob@example.com", "basic")
        .await;
    for round in 0..4 {
        let address = format!("bob{round}@private.example");
        let added = app
            .send(
                Method::POST,
                "/api/v1/me/emails",
                Some(&json!({"email": address})),
                &colleague.token,
            )
            .await;
        assert_eq!(added.status().as_u16(), 201, "round {round}: add");
        let token = app
            .link_token(&address, 0, "/verify-additional-email")
            .await;
        let verified = app
            .post_json(
                "/api/v1/auth/verify-additional-email",
                &json!({"token": token}),
                None,
            )
            .await;
        assert_eq!(verified.status().as_u16(), 204, "round {round}: verify");
        let approvals: Value = app
            .send(
                Method::GET,
                "/api/v1/users/email-approvals",
                None,
                &admin.token,
            )
            .await
            .json()
            .await
            .unwrap();
        let id = approvals[0]["id"].as_str().unwrap().to_owned();
        let requests = (0..8)
            .map(|n| {
                let decision = if n % 2 == 0 { "approve" } else { "reject" };
                request(
                    &app,
                    Method::POST,
                    &format!("/api/v1/users/email-approvals/{id}/{decision}"),
                    None,
                    &admin.token,
                )
            })
            .collect();

        let results = fire(&app.client, requests).await;

        let decided = results.iter().filter(|(status, _)| *status == 204).count();
        for (status, body) in &results {
            assert!(
                *status == 204 || *status == 404,
                "round {round}: unexpected {status} {body}"
            );
        }
        assert_eq!(decided, 1, "round {round}: {decided} decisions succeeded");
    }
}

/// A connection revoked, regenerated and deleted by many requests at once: exactly one revoke
/// and one delete succeed, a regenerate never revives a revoked connection, and the secret
/// that counts is the last one handed out before the revoke.
#[tokio::test]
async fn a_connection_revoked_and_deleted_at_once_changes_once() {
    let app = spawn_racing_app(None).await;
    let admin = app.register_admin("ada@alpha.example").await;
    let org: Value = app
        .send(
            Method::POST,
            "/api/v1/organizations",
            Some(&json!({"kvkNumber": KVK})),
            &admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    let org_id = org["id"].as_str().unwrap();
    let base = format!("/api/v1/organizations/{org_id}/connections");
    for _ in 0..3 {
        let created: Value = app
            .send(
                Method::POST,
                &base,
                Some(&json!({"name": "Books", "software": "Ledger", "scopes": ["send"]})),
                &admin.token,
            )
            .await
            .json()
            .await
            .unwrap();
        let id = created["connection"]["id"].as_str().unwrap();
        let mut requests = Vec::new();
        for i in 0..12 {
            let action = if i % 3 == 0 { "secret" } else { "revoke" };
            requests.push(request(
                &app,
                Method::POST,
                &format!("{base}/{id}/{action}"),
                None,
                &admin.token,
            ));
        }
        let results = fire(&app.client, requests).await;
        let revoked = results
            .iter()
            .filter(|(s, b)| *s == 200 && b["status"] == "revoked")
            .count();
        assert_eq!(revoked, 1, "{results:?}");
        assert!(results
            .iter()
            .all(|(s, b)| *s == 200 || b["code"] == "connection_not_active"));
        // Regenerations that lost to the revoke did not reactivate it.
        let now = app.get_json(&format!("{base}/{id}"), &admin.token).await;
        assert_eq!(now["status"], "revoked");

        let requests = (0..10)
            .map(|_| {
                request(
                    &app,
                    Method::DELETE,
                    &format!("{base}/{id}"),
                    None,
                    &admin.token,
                )
            })
            .collect();
        let results = fire(&app.client, requests).await;
        assert_eq!(
            results.iter().filter(|(s, _)| *s == 204).count(),
            1,
            "{results:?}"
        );
        assert!(results
            .iter()
            .all(|(s, _)| *s == 204 || *s == 409 || *s == 404));
    }
    let audit = app
        .get_json(
            "/api/v1/audit-events?action=connection.deleted",
            &admin.token,
        )
        .await;
    assert_eq!(audit["items"].as_array().unwrap().len(), 3);
}
