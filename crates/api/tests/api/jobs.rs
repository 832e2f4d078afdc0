//! Operators' view of background jobs: listing with filters and pages, retrying a dead job, and
//! everyone else finding nothing.

use std::time::Duration;

use haven_domain::mail::OutgoingMail;
use reqwest::Method;
use serde_json::Value;

use crate::helpers::{assert_error_body, spawn_app, Session, TestApp};

const OPERATOR: &str = "operator@haven.test";

/// An email job that dies at once: the address cannot be used (a permanent failure).
async fn enqueue_undeliverable_mail(app: &TestApp) {
    app.database()
        .enqueue_mail(&OutgoingMail {
            to: "not an address".into(),
            subject: "Hello".into(),
            text_body: "https://haven.test/secret-link".into(),
            html_body: "<p>https://haven.test/secret-link</p>".into(),
        })
        .await
        .unwrap();
}

async fn list(app: &TestApp, session: &Session, query: &str) -> Value {
    let response = app
        .send(
            Method::GET,
            &format!("/api/v1/operator/jobs{query}"),
            None,
            &session.token,
        )
        .await;
    assert_eq!(response.status().as_u16(), 200, "GET jobs{query}");
    response.json().await.unwrap()
}

async fn wait_for_dead_email(app: &TestApp, operator: &Session) -> Value {
    for _ in 0..400 {
        let page = list(app, operator, "?status=dead&kind=email").await;
        if let Some(job) = page["items"].as_array().unwrap().first() {
            return job.clone();
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("no dead email job appeared");
}

#[tokio::test]
async fn an_operator_sees_a_dead_job_and_queues_it_again() {
    let app = spawn_app().await;
    let operator = app.register_admin(OPERATOR).await;
    enqueue_undeliverable_mail(&app).await;

    let dead = wait_for_dead_email(&app, &operator).await;
    assert_eq!(dead["status"], "dead", "on {}", app.backend);
    assert_eq!(dead["kind"], "email");
    assert_eq!(dead["attempts"], 1, "a permanent failure is not retried");
    assert!(dead["lastError"].as_str().unwrap().contains("address"));
    assert!(
        !dead.to_string().contains("secret-link"),
        "payloads are never shown: {dead}"
    );
    let id = dead["id"].as_str().unwrap().to_owned();

    let response = app
        .send(
            Method::POST,
            &format!("/api/v1/operator/jobs/{id}/retry"),
            None,
            &operator.token,
        )
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let retried: Value = response.json().await.unwrap();
    assert_eq!(retried["id"], id.as_str());
    assert_eq!(retried["status"], "queued");
    assert_eq!(retried["attempts"], 0);

    // It runs again (and dies again: its content was erased when it died first).
    let again = wait_for_dead_email(&app, &operator).await;
    assert_eq!(again["id"], id.as_str());
    assert_eq!(again["attempts"], 1);
}

#[tokio::test]
async fn retrying_a_job_that_is_not_dead_is_409_and_an_unknown_one_404() {
    let app = spawn_app().await;
    let operator = app.register_admin(OPERATOR).await;
    // The registration email of the operator, delivered.
    app.mail(OPERATOR, 0).await;
    let mut succeeded = Value::Null;
    for _ in 0..400 {
        let page = list(&app, &operator, "?status=succeeded").await;
        if let Some(job) = page["items"].as_array().unwrap().first() {
            succeeded = job.clone();
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let id = succeeded["id"].as_str().expect("a succeeded job");

    let response = app
        .send(
            Method::POST,
            &format!("/api/v1/operator/jobs/{id}/retry"),
            None,
            &operator.token,
        )
        .await;
    assert_error_body(response, 409, "job_not_dead").await;
    let response = app
        .send(
            Method::POST,
            &format!("/api/v1/operator/jobs/{}/retry", uuid::Uuid::new_v4()),
            None,
            &operator.token,
        )
        .await;
    assert_error_body(response, 404, "not_found").await;
}

#[tokio::test]
async fn the_list_pages_with_a_cursor_and_refuses_bad_filters() {
    let app = spawn_app().await;
    let operator = app.register_admin(OPERATOR).await;
    for _ in 0..3 {
        enqueue_undeliverable_mail(&app).await;
    }

    let mut seen = Vec::new();
    let mut query = "?limit=2".to_owned();
    loop {
        let page = list(&app, &operator, &query).await;
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|j| j["id"].as_str().unwrap().to_owned()),
        );
        match page["nextCursor"].as_str() {
            Some(cursor) => query = format!("?limit=2&before={cursor}"),
            None => break,
        }
    }
    let all = list(&app, &operator, "?limit=200").await;
    let all: Vec<String> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["id"].as_str().unwrap().to_owned())
        .collect();
    assert!(all.len() >= 4, "the registration email and three more");
    assert_eq!(seen, all, "every job once, newest first, across pages");

    for bad in [
        "?status=exploded",
        "?kind=fax",
        "?limit=0",
        "?before=yesterday",
    ] {
        let response = app
            .send(
                Method::GET,
                &format!("/api/v1/operator/jobs{bad}"),
                None,
                &operator.token,
            )
            .await;
        assert_eq!(response.status().as_u16(), 400, "{bad}");
    }
}

#[tokio::test]
async fn to_anyone_but_an_operator_the_jobs_do_not_exist() {
    let app = spawn_app().await;
    let operator = app.register_admin(OPERATOR).await;
    enqueue_undeliverable_mail(&app).await;
    let dead = wait_for_dead_email(&app, &operator).await;
    let id = dead["id"].as_str().unwrap();
    let admin = app.register_admin("ada@alpha.example").await;

    let response = app
        .send(Method::GET, "/api/v1/operator/jobs", None, &admin.token)
        .await;
    assert_error_body(response, 404, "not_found").await;
    let response = app
        .send(
            Method::POST,
            &format!("/api/v1/operator/jobs/{id}/retry"),
            None,
            &admin.token,
        )
        .await;
    assert_error_body(response, 404, "not_found").await;

    let response = app.get("/api/v1/operator/jobs").await;
    assert_eq!(response.status().as_u16(), 401);
    let response = app
        .client
        .post(app.url(&format!("/api/v1/operator/jobs/{id}/retry")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 401);
    // Still dead: nothing was retried.
    let still = wait_for_dead_email(&app, &operator).await;
    assert_eq!(still["attempts"], 1);
    assert!(still["finishedAt"].is_string());
}

#[tokio::test]
async fn an_operator_who_must_still_enrol_in_two_factor_gets_403() {
    let app = spawn_app().await;
    let operator = app.register_admin(OPERATOR).await;
    app.send(
        Method::PATCH,
        "/api/v1/environment",
        Some(&serde_json::json!({"requireTwoFactor": true})),
        &operator.token,
    )
    .await;

    let response = app
        .send(Method::GET, "/api/v1/operator/jobs", None, &operator.token)
        .await;
    let body = assert_error_body(response, 403, "forbidden").await;
    assert!(body["message"].as_str().unwrap().contains("two-factor"));
    let response = app
        .send(
            Method::POST,
            &format!("/api/v1/operator/jobs/{}/retry", uuid::Uuid::new_v4()),
            None,
            &operator.token,
        )
        .await;
    assert_error_body(response, 403, "forbidden").await;
}
