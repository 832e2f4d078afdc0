//! Every failure answers with the one error body, never framework plain text.

use crate::helpers::{assert_error_body, spawn_app, spawn_app_with, Options};

#[tokio::test]
async fn an_unknown_api_route_is_404_with_the_error_body() {
    let app = spawn_app().await;

    for path in ["/api/nope", "/api/v1/nope", "/api/v1/system/info/extra"] {
        let response = app.get(path).await;
        assert_error_body(response, 404, "not_found").await;
    }
}

#[tokio::test]
async fn a_wrong_method_on_a_known_route_is_405_with_allow() {
    let app = spawn_app().await;

    let response = app
        .client
        .delete(app.url("/api/v1/system/info"))
        .send()
        .await
        .unwrap();

    assert_eq!(response.headers()["allow"], "GET, HEAD");
    let body = assert_error_body(response, 405, "method_not_allowed").await;
    assert!(body["message"].as_str().unwrap().contains("GET"));
}

#[tokio::test]
async fn a_body_over_the_limit_is_413_not_500() {
    let app = spawn_app_with(Options {
        max_body_bytes: 1024,
        ..Options::default()
    })
    .await;

    let response = app
        .client
        .post(app.url("/api/health"))
        .body(vec![b'x'; 4096])
        .send()
        .await
        .unwrap();

    let body = assert_error_body(response, 413, "payload_too_large").await;
    assert!(body["message"].as_str().unwrap().contains("1024"));
}

#[tokio::test]
async fn the_default_body_limit_is_25_megabytes() {
    let app = spawn_app().await;

    let response = app
        .client
        .post(app.url("/api/v1/system/info"))
        .body(vec![b'x'; 25 * 1024 * 1024 + 1])
        .send()
        .await
        .unwrap();

    assert_error_body(response, 413, "payload_too_large").await;
}

#[tokio::test]
async fn a_non_page_method_on_an_spa_route_is_405() {
    let app = spawn_app().await;

    let response = app
        .client
        .post(app.url("/organizations"))
        .send()
        .await
        .unwrap();

    assert_error_body(response, 405, "method_not_allowed").await;
}

#[tokio::test]
async fn a_wrong_method_on_a_literal_path_is_405_not_a_bad_id() {
    let app = spawn_app().await;
    let admin = app.register_admin("ada@example.com").await;

    for (method, path) in [
        (reqwest::Method::PATCH, "/api/v1/users/invitations"),
        (reqwest::Method::DELETE, "/api/v1/users/invitations"),
        (reqwest::Method::PATCH, "/api/v1/users/email-approvals"),
        (reqwest::Method::DELETE, "/api/v1/users/email-approvals"),
    ] {
        let response = app
            .send(
                method.clone(),
                path,
                Some(&serde_json::json!({})),
                &admin.token,
            )
            .await;
        let allow = response.headers()["allow"].to_str().unwrap().to_owned();
        assert_error_body(response, 405, "method_not_allowed").await;
        assert!(!allow.contains(method.as_str()), "{method} {path}: {allow}");
    }
    // A real id-shaped mistake is still a 400 about the id.
    let response = app
        .send(
            reqwest::Method::PATCH,
            "/api/v1/users/not-a-uuid",
            Some(&serde_json::json!({})),
            &admin.token,
        )
        .await;
    assert_error_body(response, 400, "bad_request").await;
}

#[tokio::test]
async fn a_json_array_is_refused_where_an_object_is_expected() {
    let app = spawn_app().await;
    let admin = app.register_admin("ada@example.com").await;

    let response = app
        .send(
            reqwest::Method::PATCH,
            "/api/v1/me",
            Some(&serde_json::json!(["Renamed", "nl", null])),
            &admin.token,
        )
        .await;

    let body = assert_error_body(response, 400, "bad_request").await;
    assert_eq!(body["details"][0]["code"], "invalid_value");
    let me = app.get_json("/api/v1/me", &admin.token).await;
    assert_eq!(me["name"], "Ada Admin", "nothing was changed");
}

#[tokio::test]
async fn the_audit_actions_are_listed_for_administrators_only() {
    let app = spawn_app().await;
    let admin = app.register_admin("ada@example.com").await;
    let basic = app
        .invite_and_accept(&admin, "bob@example.com", "basic")
        .await;

    let response = app
        .send(
            reqwest::Method::GET,
            "/api/v1/audit-events/actions",
            None,
            &admin.token,
        )
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let actions: Vec<String> = response.json().await.unwrap();
    assert!(actions.contains(&"login.failed".to_owned()));
    assert!(actions.contains(&"session.refresh_token_reused".to_owned()));
    let spec: serde_json::Value = serde_json::from_str(&haven_api::openapi::spec_json()).unwrap();
    let documented: Vec<String> =
        serde_json::from_value(spec["components"]["schemas"]["AuditAction"]["enum"].clone())
            .unwrap();
    assert_eq!(actions, documented);

    let forbidden = app
        .send(
            reqwest::Method::GET,
            "/api/v1/audit-events/actions",
            None,
            &basic.token,
        )
        .await;
    assert_error_body(forbidden, 403, "forbidden").await;
    let anonymous = app.get("/api/v1/audit-events/actions").await;
    assert_error_body(anonymous, 401, "unauthenticated").await;
}

#[tokio::test]
async fn an_unknown_audit_action_filter_is_400() {
    let app = spawn_app().await;
    let admin = app.register_admin("ada@example.com").await;

    let response = app
        .send(
            reqwest::Method::GET,
            "/api/v1/audit-events?action=user.flew_away",
            None,
            &admin.token,
        )
        .await;

    assert_error_body(response, 400, "bad_request").await;
    let filtered = app
        .send(
            reqwest::Method::GET,
            "/api/v1/audit-events?action=registration.completed",
            None,
            &admin.token,
        )
        .await;
    assert_eq!(filtered.status().as_u16(), 200);
    let page: serde_json::Value = filtered.json().await.unwrap();
    let items = page["items"].as_array().unwrap();
    assert!(!items.is_empty());
    assert!(items
        .iter()
        .all(|e| e["action"] == "registration.completed"));
}

#[tokio::test]
async fn a_malformed_address_for_a_password_reset_is_a_field_error() {
    let app = spawn_app().await;

    let response = app
        .post_json(
            "/api/v1/auth/forgot-password",
            &serde_json::json!({"email": ""}),
            None,
        )
        .await;

    let body = assert_error_body(response, 400, "validation_failed").await;
    assert_eq!(body["details"][0]["field"], "email");
}

#[tokio::test]
async fn adding_a_user_with_an_unknown_language_is_a_field_error_and_adds_nobody() {
    let app = spawn_app().await;
    let admin = app.register_admin("ada@example.com").await;

    let response = app
        .post_json(
            "/api/v1/users",
            &serde_json::json!({"email": "bob@example.com", "name": "Bob", "language": "S"}),
            Some(&admin.token),
        )
        .await;

    let body = assert_error_body(response, 400, "validation_failed").await;
    assert_eq!(body["details"][0]["field"], "language");
    let users = app.get_json("/api/v1/users", &admin.token).await;
    assert_eq!(users["items"].as_array().map(Vec::len), Some(1), "{users}");
}
