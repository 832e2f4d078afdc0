//! The web app and the API reference are served by the same server.

use crate::helpers::{
    assert_error_body, spawn_app, spawn_app_with, Options, API_DOCS_HTML, INDEX_HTML,
};

#[tokio::test]
async fn the_spa_is_served_at_the_root() {
    let app = spawn_app().await;

    let response = app.get("/").await;

    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.text().await.unwrap(), INDEX_HTML);
}

#[tokio::test]
async fn client_side_routes_fall_back_to_index_html() {
    let app = spawn_app().await;

    let response = app.get("/organizations/42/members").await;

    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.text().await.unwrap(), INDEX_HTML);
}

#[tokio::test]
async fn static_assets_are_served_as_files() {
    let app = spawn_app().await;

    let response = app.get("/assets/app.js").await;

    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.text().await.unwrap(), "console.log('haven')");
}

#[tokio::test]
async fn the_api_reference_page_is_served_at_api_docs() {
    let app = spawn_app().await;

    let response = app.get("/api/docs").await;

    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.text().await.unwrap(), API_DOCS_HTML);
}

#[tokio::test]
async fn without_a_built_spa_the_api_still_works_and_pages_are_404() {
    let app = spawn_app_with(Options {
        with_spa: false,
        ..Options::default()
    })
    .await;

    assert_eq!(app.get("/api/health").await.status().as_u16(), 200);
    assert_error_body(app.get("/").await, 404, "not_found").await;
    assert_error_body(app.get("/api/docs").await, 404, "not_found").await;
}
