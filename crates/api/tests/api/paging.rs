//! Growing lists come in cursor pages: every item once, in order, whatever the page size.

use reqwest::Method;
use serde_json::Value;

use crate::helpers::{assert_error_body, spawn_app, TestApp};

async fn all_pages(app: &TestApp, path: &str, token: &str, limit: u64) -> Vec<Vec<Value>> {
    let mut pages = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let url = match &cursor {
            None => format!("{path}?limit={limit}"),
            Some(c) => format!("{path}?limit={limit}&before={c}"),
        };
        let response = app.send(Method::GET, &url, None, token).await;
        assert_eq!(response.status().as_u16(), 200, "{url}");
        let page: Value = response.json().await.unwrap();
        pages.push(page["items"].as_array().unwrap().clone());
        match page["nextCursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
        assert!(pages.len() < 20, "paging does not end");
    }
    pages
}

#[tokio::test]
async fn users_come_in_pages_by_name_each_exactly_once() {
    let app = spawn_app().await;
    let admin = app.register_admin("ada@example.com").await;
    for (email, name) in [
        ("zoe@example.com", "Zoë Zwart"),
        ("bob@example.com", "Bob_Bakker"),
        ("cy@example.com", "Cy"),
    ] {
        let response = app
            .post_json(
                "/api/v1/users",
                &serde_json::json!({"email": email, "name": name}),
                Some(&admin.token),
            )
            .await;
        assert_eq!(response.status().as_u16(), 201);
    }

    let pages = all_pages(&app, "/api/v1/users", &admin.token, 2).await;

    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), vec![2, 2]);
    let names: Vec<&str> = pages
        .iter()
        .flatten()
        .map(|u| u["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["Ada Admin", "Bob_Bakker", "Cy", "Zoë Zwart"]);
}

#[tokio::test]
async fn the_status_history_pages_newest_first() {
    let app = spawn_app().await;
    let admin = app.register_admin("ada@example.com").await;
    let org: Value = app
        .post_json(
            "/api/v1/organizations",
            &serde_json::json!({"statutoryName": "Haven Test B.V.", "country": "BE", "address": {"street": "Kade", "houseNumber": "1", "postalCode": "1000", "city": "Brussel"}}),
            Some(&admin.token),
        )
        .await
        .json()
        .await
        .unwrap();
    let id = org["id"].as_str().unwrap();
    let activation = app
        .send(
            Method::POST,
            &format!("/api/v1/organizations/{id}/activation"),
            Some(&serde_json::json!({"method": "operator_review"})),
            &admin.token,
        )
        .await;
    assert_eq!(
        activation.status().as_u16(),
        200,
        "{}",
        activation.text().await.unwrap()
    );

    let pages = all_pages(
        &app,
        &format!("/api/v1/organizations/{id}/history"),
        &admin.token,
        1,
    )
    .await;

    let events: Vec<&str> = pages
        .iter()
        .flatten()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(events, vec!["activation_requested", "added"]);
}

#[tokio::test]
async fn page_sizes_and_cursors_from_elsewhere_are_field_errors() {
    let app = spawn_app().await;
    let admin = app.register_admin("ada@example.com").await;

    for path in [
        "/api/v1/users?limit=0",
        "/api/v1/organizations?limit=201",
        "/api/v1/users?before=not-a-cursor",
        "/api/v1/organizations?before=x_y",
    ] {
        let response = app.send(Method::GET, path, None, &admin.token).await;
        let body = assert_error_body(response, 400, "validation_failed").await;
        assert!(
            ["limit", "before"].contains(&body["details"][0]["field"].as_str().unwrap()),
            "{path}: {body}"
        );
    }
}
