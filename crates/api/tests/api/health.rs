use crate::helpers::spawn_app;

#[tokio::test]
async fn health_answers_ok() {
    let app = spawn_app().await;

    let response = app.get("/api/health").await;

    assert_eq!(response.status().as_u16(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
}

#[tokio::test]
async fn ready_answers_ready_when_the_database_is_reachable() {
    let app = spawn_app().await;

    let response = app.get("/api/ready").await;

    assert_eq!(response.status().as_u16(), 200, "on {}", app.backend);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ready");
}

#[tokio::test]
async fn system_info_names_the_version_database_and_a_stable_installation_id() {
    let app = spawn_app().await;

    let first: serde_json::Value = app.get("/api/v1/system/info").await.json().await.unwrap();
    let second: serde_json::Value = app.get("/api/v1/system/info").await.json().await.unwrap();

    assert_eq!(first["name"], "Haven");
    assert_eq!(first["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(first["database"], app.backend);
    assert!(uuid::Uuid::parse_str(first["installationId"].as_str().unwrap()).is_ok());
    assert_eq!(first["installationId"], second["installationId"]);
}

#[tokio::test]
async fn a_caller_supplied_request_id_is_echoed() {
    let app = spawn_app().await;

    let response = app
        .client
        .get(app.url("/api/health"))
        .header("x-request-id", "abc-123.4")
        .send()
        .await
        .unwrap();

    assert_eq!(response.headers()["x-request-id"], "abc-123.4");
}

#[tokio::test]
async fn an_unusable_request_id_is_replaced_by_a_generated_one() {
    let app = spawn_app().await;

    let response = app
        .client
        .get(app.url("/api/health"))
        .header("x-request-id", "x".repeat(500))
        .send()
        .await
        .unwrap();

    let id = response.headers()["x-request-id"].to_str().unwrap();
    assert!(uuid::Uuid::parse_str(id).is_ok(), "generated id, got {id}");
}

#[tokio::test]
async fn a_signing_key_is_generated_in_the_data_directory_on_first_start() {
    let app = spawn_app().await;

    let key_file = haven_api::secrets::key_path(&app.data_dir);

    assert!(key_file.is_file(), "{} exists", key_file.display());
}
