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
