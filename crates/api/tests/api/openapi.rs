use crate::helpers::spawn_app;

/// The committed spec is what the code generates; `make openapi` refreshes it.
#[test]
fn the_committed_openapi_document_is_current() {
    let committed_path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../openapi/openapi.json");
    let committed = std::fs::read_to_string(committed_path).expect("openapi/openapi.json exists");

    let generated = haven_api::openapi::spec_json();

    assert!(
        committed == generated,
        "openapi/openapi.json is stale: run `make openapi` and commit the result"
    );
}

#[tokio::test]
async fn the_server_serves_the_same_document() {
    let app = spawn_app().await;

    let response = app.get("/api/openapi.json").await;

    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        response.text().await.unwrap(),
        haven_api::openapi::spec_json()
    );
}

#[test]
fn every_operation_has_a_summary_tag_and_operation_id() {
    let spec: serde_json::Value = serde_json::from_str(&haven_api::openapi::spec_json()).unwrap();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            for key in ["summary", "tags", "operationId"] {
                assert!(operation.get(key).is_some(), "{method} {path} lacks {key}");
            }
        }
    }
}
