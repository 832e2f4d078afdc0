use std::path::PathBuf;

use haven_api::{Application, Settings};
use haven_persistence::testing::TestDatabase;

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub data_dir: PathBuf,
    pub backend: &'static str,
    _db: TestDatabase,
    _dirs: Vec<tempfile::TempDir>,
}

/// Marker text of the fake SPA build the tests serve.
pub const INDEX_HTML: &str = "<!doctype html><title>Haven test SPA</title>";
pub const API_DOCS_HTML: &str = "<!doctype html><title>Haven API reference (test)</title>";

pub struct Options {
    pub max_body_bytes: usize,
    pub with_spa: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            max_body_bytes: 25 * 1024 * 1024,
            with_spa: true,
        }
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(Options::default()).await
}

pub async fn spawn_app_with(options: Options) -> TestApp {
    let db = TestDatabase::new().await;
    let data_dir = tempfile::tempdir().unwrap();
    let static_dir = tempfile::tempdir().unwrap();
    if options.with_spa {
        std::fs::write(static_dir.path().join("index.html"), INDEX_HTML).unwrap();
        std::fs::write(static_dir.path().join("api-docs.html"), API_DOCS_HTML).unwrap();
        std::fs::create_dir(static_dir.path().join("assets")).unwrap();
        std::fs::write(
            static_dir.path().join("assets/app.js"),
            "console.log('haven')",
        )
        .unwrap();
    }
    let settings = Settings {
        port: 0,
        database_url: Some(db.url.clone()),
        database_max_connections: 2,
        data_dir: data_dir.path().to_owned(),
        static_dir: static_dir.path().to_owned(),
        max_body_bytes: options.max_body_bytes,
        workers: 1,
        ..Settings::default()
    };
    if std::env::var_os("TEST_LOG").is_some() {
        haven_api::telemetry::init(haven_api::config::LogFormat::Pretty, "debug");
    }
    let app = Application::build(settings).await.expect("the app builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        data_dir: data_dir.path().to_owned(),
        backend: db.backend_name(),
        _db: db,
        _dirs: vec![data_dir, static_dir],
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }
}

/// Asserts the shape every error body has, and returns it.
pub async fn assert_error_body(
    response: reqwest::Response,
    status: u16,
    code: &str,
) -> serde_json::Value {
    assert_eq!(response.status().as_u16(), status, "status");
    let request_id = response
        .headers()
        .get("x-request-id")
        .expect("x-request-id header")
        .to_str()
        .unwrap()
        .to_owned();
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        content_type.starts_with("application/json"),
        "content type {content_type}"
    );
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["code"], code, "code in {body}");
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "message in {body}"
    );
    assert_eq!(
        body["requestId"],
        request_id.as_str(),
        "request id in {body}"
    );
    assert!(
        chrono::DateTime::parse_from_rfc3339(body["dateTime"].as_str().unwrap()).is_ok(),
        "dateTime in {body}"
    );
    assert!(body["details"].is_array(), "details in {body}");
    body
}
