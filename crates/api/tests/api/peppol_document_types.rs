//! The invoice document types an organization receives: read by those who see it, chosen by
//! its administrators, refused to others and invisible to other environments.

use reqwest::Method;
use serde_json::{json, Value};

use crate::{
    exchange::{active_party, BUYER_CONTACT, BUYER_KVK},
    helpers::{assert_error_body, spawn_app, Audience, Session, TestApp},
};

async fn org_id(app: &TestApp, admin: &Session) -> String {
    let orgs = app.get_json("/api/v1/organizations", &admin.token).await;
    orgs["items"][0]["id"].as_str().unwrap().to_owned()
}

fn path(id: &str) -> String {
    format!("/api/v1/organizations/{id}/peppol-document-types")
}

async fn put(app: &TestApp, token: &str, id: &str, body: &Value) -> reqwest::Response {
    app.send(Method::PUT, &path(id), Some(body), token).await
}

#[tokio::test]
async fn administrators_choose_the_document_types_and_a_dutch_organization_starts_with_si_ubl() {
    let app = spawn_app().await;
    let admin = app.register_admin("ada@buyer.example").await;
    active_party(&app, &admin, BUYER_KVK, BUYER_CONTACT).await;
    let id = org_id(&app, &admin).await;

    let default = app.get_json(&path(&id), &admin.token).await;
    assert_eq!(
        default,
        json!({"documentTypes": [
            "bis_billing_invoice",
            "bis_billing_credit_note",
            "nlcius_invoice",
            "nlcius_credit_note"
        ]})
    );

    // Kept in a fixed order, once each.
    let response = put(
        &app,
        &admin.token,
        &id,
        &json!({"documentTypes": ["nlcius_gaccount_invoice", "bis_billing_invoice", "nlcius_gaccount_invoice"]}),
    )
    .await;
    assert_eq!(response.status().as_u16(), 200);
    let chosen: Value = response.json().await.unwrap();
    let expected = json!({"documentTypes": ["bis_billing_invoice", "nlcius_gaccount_invoice"]});
    assert_eq!(chosen, expected);
    assert_eq!(app.get_json(&path(&id), &admin.token).await, expected);

    // The change is in the environment's audit log.
    let audit = app.get_json("/api/v1/audit-events", &admin.token).await;
    assert!(
        audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "organization.updated"),
        "{audit}"
    );
}

#[tokio::test]
async fn an_empty_or_unknown_choice_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let admin = app.register_admin("ada@buyer.example").await;
    active_party(&app, &admin, BUYER_KVK, BUYER_CONTACT).await;
    let id = org_id(&app, &admin).await;
    let before = app.get_json(&path(&id), &admin.token).await;

    let empty = put(&app, &admin.token, &id, &json!({"documentTypes": []})).await;
    let body = assert_error_body(empty, 400, "validation_failed").await;
    assert_eq!(body["details"][0]["field"], "documentTypes", "{body}");
    for wrong in [
        json!({"documentTypes": ["pint_invoice"]}),
        json!({"documentTypes": ["invoice_response"]}),
        json!({"documentTypes": "bis_billing_invoice"}),
        json!({}),
        json!({"documentTypes": ["bis_billing_invoice"], "other": true}),
    ] {
        let response = put(&app, &admin.token, &id, &wrong).await;
        assert_eq!(response.status().as_u16(), 400, "{wrong}");
    }
    assert_eq!(app.get_json(&path(&id), &admin.token).await, before);
}

#[tokio::test]
async fn members_read_the_choice_others_do_not_see_it_and_nobody_else_changes_it() {
    let app = spawn_app().await;
    let admin = app.register_admin("ada@buyer.example").await;
    active_party(&app, &admin, BUYER_KVK, BUYER_CONTACT).await;
    let id = org_id(&app, &admin).await;
    let Audience {
        member,
        outsider,
        stranger,
    } = app.organization_audience(&admin, &id).await;
    let choice = json!({"documentTypes": ["bis_billing_invoice"]});

    // A Member reads it but may not change it.
    let read = app.send(Method::GET, &path(&id), None, &member.token).await;
    assert_eq!(read.status().as_u16(), 200);
    assert_error_body(
        put(&app, &member.token, &id, &choice).await,
        403,
        "forbidden",
    )
    .await;

    // A user of the environment who is no member, and an Administrator of another environment,
    // do not see the organization.
    for token in [&outsider.token, &stranger.token] {
        assert_error_body(
            app.send(Method::GET, &path(&id), None, token).await,
            404,
            "not_found",
        )
        .await;
        assert_error_body(put(&app, token, &id, &choice).await, 404, "not_found").await;
    }
    assert_error_body(
        app.send(
            Method::GET,
            &path(&uuid::Uuid::new_v4().to_string()),
            None,
            &admin.token,
        )
        .await,
        404,
        "not_found",
    )
    .await;

    // Without a token.
    let anonymous = reqwest::Client::new()
        .put(app.url(&path(&id)))
        .json(&choice)
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status().as_u16(), 401);

    // Nothing changed.
    assert_eq!(
        app.get_json(&path(&id), &admin.token).await["documentTypes"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
}
