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

fn operations(spec: &serde_json::Value) -> Vec<(String, String, serde_json::Value)> {
    let mut all = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            all.push((method.clone(), path.clone(), operation.clone()));
        }
    }
    all
}

#[test]
fn every_secured_operation_lists_401_and_403_and_every_response_is_described() {
    let spec: serde_json::Value = serde_json::from_str(&haven_api::openapi::spec_json()).unwrap();
    for (method, path, operation) in operations(&spec) {
        let responses = operation["responses"].as_object().unwrap();
        if operation
            .get("security")
            .and_then(|s| s.as_array())
            .is_some_and(|s| !s.is_empty())
        {
            for status in ["401", "403"] {
                assert!(
                    responses.contains_key(status),
                    "{method} {path} lacks {status}"
                );
            }
        }
        if operation.get("requestBody").is_some() {
            for status in ["400", "413", "415"] {
                assert!(
                    responses.contains_key(status),
                    "{method} {path} lacks {status}"
                );
            }
        }
        if path.contains('{') {
            for status in ["400", "404"] {
                assert!(
                    responses.contains_key(status),
                    "{method} {path} lacks {status}"
                );
            }
        }
        for (status, response) in responses {
            let description = response["description"].as_str().unwrap_or_default();
            assert!(
                !description.is_empty(),
                "{method} {path} {status} has no description"
            );
        }
    }
}

#[test]
fn no_rust_doc_links_leak_into_descriptions() {
    let json = haven_api::openapi::spec_json();
    for marker in ["[`", "`]", "crate::", "Self::"] {
        assert!(!json.contains(marker), "the document contains {marker:?}");
    }
}

/// A field that names a closed set (a role, a status, a kind…) is an enum, so that generated
/// clients get a union instead of a string.
#[test]
fn closed_set_fields_are_enums() {
    let spec: serde_json::Value = serde_json::from_str(&haven_api::openapi::spec_json()).unwrap();
    let schemas = spec["components"]["schemas"].as_object().unwrap();
    let closed = [
        "role",
        "myRole",
        "status",
        "language",
        "kind",
        "action",
        "event",
        "method",
        "database",
        "activationMethod",
    ];
    let is_enum = |property: &serde_json::Value| -> bool {
        let direct = |p: &serde_json::Value| p.get("enum").is_some() || p.get("$ref").is_some();
        direct(property)
            || ["oneOf", "anyOf", "allOf"]
                .iter()
                .any(|k| property[k].as_array().is_some_and(|v| v.iter().any(direct)))
    };
    let mut checked = 0;
    for (name, schema) in schemas {
        let Some(properties) = schema["properties"].as_object() else {
            continue;
        };
        for (field, property) in properties {
            // Validation details carry the code of the rule that failed; those are open-ended.
            if !closed.contains(&field.as_str()) || name == "ErrorDetail" || name == "Finding" {
                continue;
            }
            checked += 1;
            assert!(
                is_enum(property),
                "{name}.{field} is not an enum: {property}"
            );
        }
    }
    assert!(checked >= 20, "only {checked} closed-set fields found");
    assert_eq!(
        spec["components"]["schemas"]["ErrorBody"]["properties"]["code"]["$ref"],
        "#/components/schemas/ErrorCode"
    );
    let codes = spec["components"]["schemas"]["ErrorCode"]["enum"]
        .as_array()
        .unwrap();
    for code in [
        "email_taken",
        "last_administrator",
        "organization_limit_reached",
        "participant_id_taken",
        "already_exists",
    ] {
        assert!(codes.iter().any(|c| c == code), "{code} is not documented");
    }
}
