//! Tenant isolation: a user of another environment reaches nothing of this one. The test walks
//! every operation of the OpenAPI document, so a new endpoint cannot forget it.

use std::collections::HashMap;

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, PASSWORD};

#[tokio::test]
async fn every_operation_answers_404_or_nothing_foreign_to_a_user_of_another_environment() {
    let app = spawn_app().await;
    // Environment A with a colleague, a session, an additional address pending approval.
    let admin = app.register_admin("ada@alpha.example").await;
    let colleague = app
        .invite_and_accept(&admin, "bob@alpha.example", "basic")
        .await;
    app.send(
        Method::POST,
        "/api/v1/me/emails",
        Some(&json!({"email": "bob@private.example"})),
        &colleague.token,
    )
    .await;
    let token = app
        .link_token("bob@private.example", 0, "/verify-additional-email")
        .await;
    app.post_json(
        "/api/v1/auth/verify-additional-email",
        &json!({"token": token}),
        None,
    )
    .await;
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
    let approval_id = approvals[0]["id"].as_str().unwrap().to_owned();
    let emails: Value = app
        .send(Method::GET, "/api/v1/me/emails", None, &colleague.token)
        .await
        .json()
        .await
        .unwrap();
    let email_id = emails[0]["id"].as_str().unwrap().to_owned();
    let sessions: Value = app
        .send(Method::GET, "/api/v1/me/sessions", None, &colleague.token)
        .await
        .json()
        .await
        .unwrap();
    let session_id = sessions[0]["id"].as_str().unwrap().to_owned();
    // An active organization with a member.
    let org: Value = app
        .send(
            Method::POST,
            "/api/v1/organizations",
            Some(&json!({"kvkNumber": "90000016"})),
            &admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    let org_id = org["id"].as_str().unwrap().to_owned();
    let identifier_id = org["identifiers"][0]["id"].as_str().unwrap().to_owned();
    app.send(
        Method::POST,
        &format!("/api/v1/organizations/{org_id}/members"),
        Some(&json!({"userId": colleague.id()})),
        &admin.token,
    )
    .await;
    // Activated, so that its participant id is a party with an outbox and an inbox.
    app.activate_by_code(
        &admin,
        &org_id,
        "facturen@tulpenveld-installatie.example",
        0,
    )
    .await;

    // A connection key of the organization.
    let connection: Value = app
        .send(
            Method::POST,
            &format!("/api/v1/organizations/{org_id}/connections"),
            Some(&json!({"name": "Books", "software": "Ledger", "scopes": ["send"]})),
            &admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    let connection_id = connection["connection"]["id"].as_str().unwrap().to_owned();

    // An environment hook of A.
    let hook: Value = app
        .send(
            Method::POST,
            "/api/v1/environment/hooks",
            Some(&json!({"target": "https://books.example.com/events", "topics": ["*"]})),
            &admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    let hook_id = hook["hook"]["id"].as_str().unwrap().to_owned();

    // A trusted sender of the organization's email intake.
    let trusted: Value = app
        .send(
            Method::POST,
            &format!("/api/v1/organizations/{org_id}/trusted-senders"),
            Some(&json!({"kind": "domain", "value": "supplier.example", "contactEmail": "ap@supplier.example"})),
            &admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    let sender_id = trusted["id"].as_str().unwrap().to_owned();

    // A partnership: environment P (an accountant) asked for A's organization, A accepted and
    // gave P's administrator access.
    let partner = app.register_admin("pat@partner.example").await;
    let request: Value = app
        .send(
            Method::POST,
            "/api/v1/partner-requests",
            Some(&json!({"clientName": "Ada", "clientEmail": "ada@alpha.example", "software": "Ledger", "kvkNumber": "90000016"})),
            &partner.token,
        )
        .await
        .json()
        .await
        .unwrap();
    let request_id = request["id"].as_str().unwrap().to_owned();
    let request_token = crate::partners::request_token(&app, "ada@alpha.example", 1).await;
    app.post_json(
        "/api/v1/partner-requests/open",
        &json!({"token": request_token}),
        Some(&admin.token),
    )
    .await;
    let partnership: Value = app
        .send(
            Method::POST,
            &format!("/api/v1/partner-requests/{request_id}/accept"),
            None,
            &admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    let partnership_id = partnership["id"].as_str().unwrap().to_owned();
    let grant: Value = app
        .send(
            Method::POST,
            &format!("/api/v1/organizations/{org_id}/partner-access"),
            Some(&json!({"partnershipId": partnership_id, "userEmail": "pat@partner.example", "role": "member"})),
            &admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    let grant_id = grant["id"].as_str().unwrap().to_owned();

    // A background job (environment A's registration email), for the operators' job paths.
    let job_id = haven_domain::jobs::JobAdmin::list_jobs(
        app.database(),
        &haven_domain::jobs::JobQuery {
            limit: 1,
            ..Default::default()
        },
    )
    .await
    .unwrap()[0]
        .id
        .to_string();
    // Environment B's administrator is the intruder.
    let intruder = app.register_admin("eve@beta.example").await;

    // Which foreign id to put into each kind of path.
    let foreign_ids: HashMap<&str, String> = HashMap::from([
        ("/api/v1/users/{id}", colleague.id()),
        ("/api/v1/me/sessions/{id}", session_id),
        ("/api/v1/me/emails/{id}", email_id),
        ("/api/v1/users/email-approvals/{id}", approval_id),
        ("/api/v1/organizations/{id}", org_id.clone()),
        ("/api/v1/partner-requests/{id}", request_id),
        ("/api/v1/partnerships/{id}", partnership_id),
        ("/api/v1/me/partner-access/{id}", grant_id.clone()),
        ("/api/v1/operator/organizations/{id}", org_id.clone()),
        ("/api/v1/operator/jobs/{id}", job_id),
        // Installation-wide, for operators only: a month is no one's id.
        (
            "/api/v1/operator/peppol-reports/{month}",
            chrono::Utc::now().format("%Y-%m").to_string(),
        ),
        // Installation-wide, for operators only: a refused AS4 message is no environment's.
        (
            "/api/v1/operator/peppol/incoming-refusals/{id}",
            uuid::Uuid::new_v4().to_string(),
        ),
        ("/api/v1/environment/hooks/{id}", hook_id),
        // Party paths: the party is A's; the document id does not matter behind it.
        (
            "/api/v1/parties/{partyId}",
            uuid::Uuid::new_v4().to_string(),
        ),
        (
            "/api/v1/shared-with-me/{id}",
            uuid::Uuid::new_v4().to_string(),
        ),
    ]);
    // Second parameters, by name.
    let inner_ids: HashMap<&str, String> = HashMap::from([
        ("{identifierId}", identifier_id),
        ("{userId}", colleague.id()),
        ("{partyId}", "0106:90000016".to_owned()),
        ("{connectionId}", connection_id),
        ("{grantId}", grant_id),
        ("{deliveryId}", uuid::Uuid::new_v4().to_string()),
        ("{senderId}", sender_id),
        // The organization is A's; the message id does not matter behind it.
        ("{messageId}", uuid::Uuid::new_v4().to_string()),
        ("{draftId}", uuid::Uuid::new_v4().to_string()),
        // The document is A's; the exchange and its part do not matter behind it.
        ("{exchangeId}", uuid::Uuid::new_v4().to_string()),
        ("{part}", "message".to_owned()),
        // The month is not reported on by a user of another environment; the report kind
        // does not matter behind it.
        ("{report}", "tsr".to_owned()),
    ]);
    // Public, token-addressed paths (the token is the secret) and public register data.
    let token_addressed = [
        "/api/v1/auth/invitations/{token}",
        "/api/v1/business-register/companies/{kvkNumber}",
    ];
    let a_markers = [
        "alpha.example",
        admin.me["environment"]["id"].as_str().unwrap(),
    ];

    let spec: Value = app.get("/api/openapi.json").await.json().await.unwrap();
    let mut walked = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        if token_addressed.contains(&path.as_str()) {
            continue;
        }
        for (method, operation) in item.as_object().unwrap() {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let secured = operation.get("security").is_some();
            if path.contains('{') {
                let (template, id) = foreign_ids
                    .iter()
                    .find(|(prefix, _)| path.starts_with(*prefix))
                    .unwrap_or_else(|| panic!("{method} {path}: add a foreign id for this kind of path to the isolation test"));
                let mut concrete = path.replace("{id}", id).replace("{month}", id);
                for (name, value) in &inner_ids {
                    concrete = concrete.replace(name, value);
                }
                assert!(
                    !concrete.contains('{'),
                    "{path}: add its parameter to the isolation test"
                );
                assert!(
                    template.contains("{id}")
                        || template.contains("{partyId}")
                        || template.contains("{month}")
                );
                // A well-formed body, so that only the foreign id can be the reason for a refusal.
                let body = match path.rsplit('/').next().unwrap_or_default() {
                    "activation" => json!({"method": "operator_review"}),
                    "code" => json!({"code": "123456"}),
                    "members" => json!({"userId": colleague.id(), "role": "member"}),
                    "identifiers" => json!({"kind": "gln", "value": "8712345678906"}),
                    "{userId}" if method == Method::PATCH => json!({"role": "member"}),
                    "query-recipient" => json!({"receiverIds": ["0106:90000016"]}),
                    "migration" => json!({"migrationKey": "aB3$dE6%gH9!"}),
                    "status" if path.contains("trusted-senders") => json!({"status": "inactive"}),
                    "status" => json!({"status": "approved"}),
                    "trusted-senders" => {
                        json!({"kind": "address", "value": "eve@beta.example", "contactEmail": "eve@beta.example"})
                    }
                    "responses" => json!({"code": "ap"}),
                    "intake" => json!({"salesAsDrafts": true}),
                    "shares" => json!({"userId": colleague.id(), "access": "view"}),
                    "partner-access" => {
                        json!({"partnershipId": uuid::Uuid::new_v4(), "userEmail": "eve@beta.example", "role": "member"})
                    }
                    "connections" => {
                        json!({"name": "Mine", "software": "Ledger", "scopes": ["send"]})
                    }
                    "hooks" => json!({"target": "https://mine.example.com/", "topics": ["*"]}),
                    _ => json!({}),
                };
                let response = app
                    .send(method.clone(), &concrete, Some(&body), &intruder.token)
                    .await;
                let status = response.status().as_u16();
                let text = response.text().await.unwrap();
                assert_eq!(
                    status, 404,
                    "{method} {path} must not find a foreign resource: {text}"
                );
                walked += 1;
            } else if secured && method == Method::GET {
                let response = app.send(method.clone(), path, None, &intruder.token).await;
                let text = response.text().await.unwrap();
                for marker in a_markers {
                    assert!(
                        !text.contains(marker),
                        "{method} {path} leaked {marker}: {text}"
                    );
                }
                walked += 1;
            }
        }
    }
    assert!(walked >= 10, "walked {walked} operations");
    // And nothing changed in environment A.
    let users: Value = app
        .send(Method::GET, "/api/v1/users", None, &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(users["items"].as_array().unwrap().len(), 2);
    assert!(users["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|u| u["status"] == "active" && u["role"] != "administrator"
            || u["email"] == "ada@alpha.example"));
    assert_eq!(
        app.login("bob@alpha.example", PASSWORD)
            .await
            .status()
            .as_u16(),
        200
    );
}
