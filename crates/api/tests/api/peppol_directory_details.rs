//! What an organization adds to its Peppol Directory business card: shown on the card Haven's
//! SMP serves and read again by the Directory; checked field by field; changed only by the
//! organization's administrators and invisible to other environments.

use reqwest::Method;
use serde_json::{json, Value};

use crate::{
    exchange::{active_party, receive_on, BUYER_CONTACT, BUYER_KVK},
    helpers::{assert_error_body, spawn_app, Audience, TestApp},
    peppol_directory::{app_with_directory, calls, card_path, element, Directory},
};
use haven_peppol::publisher::BUSINESS_CARD_NAMESPACE;

fn path(id: &str) -> String {
    format!("/api/v1/organizations/{id}/directory-details")
}

async fn org_id(app: &TestApp, token: &str) -> String {
    let orgs = app.get_json("/api/v1/organizations", token).await;
    orgs["items"][0]["id"].as_str().unwrap().to_owned()
}

async fn put(app: &TestApp, token: &str, id: &str, body: &Value) -> reqwest::Response {
    app.send(Method::PUT, &path(id), Some(body), token).await
}

fn nothing_added() -> Value {
    json!({"otherNames": [], "websites": [], "contacts": [], "additionalInformation": null})
}

#[tokio::test]
async fn added_details_are_on_the_business_card_and_the_directory_reads_it_again() {
    let Directory { app, directory, .. } = app_with_directory().await;
    let admin = app.register_admin("ada@buyer.example").await;
    let party = active_party(&app, &admin, BUYER_KVK, BUYER_CONTACT).await;
    receive_on(&app, &admin, &party).await;
    calls(&directory, 1).await;
    let id = org_id(&app, &admin.token).await;
    assert_eq!(
        app.get_json(&path(&id), &admin.token).await,
        nothing_added()
    );

    let response = put(
        &app,
        &admin.token,
        &id,
        &json!({
            "otherNames": [{"language": " EN ", "name": " Sea Wind Ltd. "}],
            "websites": ["www.zeewind.example.nl", "https://www.zeewind.example.nl"],
            "contacts": [
                {"purpose": "Invoices", "email": "Facturen@Zeewind.example.NL"},
                {"name": "Support", "phone": "+31 20 123 4567"}
            ],
            "additionalInformation": "Invoices in EUR only & <quoted>"
        }),
    )
    .await;
    assert_eq!(response.status().as_u16(), 200);
    let saved: Value = response.json().await.unwrap();
    let expected = json!({
        "otherNames": [{"language": "en", "name": "Sea Wind Ltd."}],
        "websites": ["https://www.zeewind.example.nl"],
        "contacts": [
            {"purpose": "Invoices", "name": null, "phone": null, "email": "facturen@zeewind.example.nl"},
            {"purpose": null, "name": "Support", "phone": "+31 20 123 4567", "email": null}
        ],
        "additionalInformation": "Invoices in EUR only & <quoted>"
    });
    assert_eq!(saved, expected);
    assert_eq!(app.get_json(&path(&id), &admin.token).await, expected);

    // The card the SMP serves carries them, in the schema's places.
    let card = app.get(&card_path(&party)).await;
    assert_eq!(card.status().as_u16(), 200);
    let xml = card.text().await.unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let entity = element(doc.root_element(), "BusinessEntity")[0];
    let names = element(entity, "Name");
    assert_eq!(names.len(), 2, "{xml}");
    assert_eq!(names[1].attribute("language"), Some("en"));
    assert_eq!(names[1].text(), Some("Sea Wind Ltd."));
    let sites = element(entity, "WebsiteURI");
    assert_eq!(sites.len(), 1);
    assert_eq!(sites[0].text(), Some("https://www.zeewind.example.nl"));
    let contacts = element(entity, "Contact");
    assert_eq!(contacts.len(), 2);
    let email = contacts[0]
        .children()
        .find(|n| n.has_tag_name((BUSINESS_CARD_NAMESPACE, "Email")))
        .and_then(|n| n.text());
    assert_eq!(email, Some("facturen@zeewind.example.nl"));
    assert_eq!(
        element(entity, "AdditionalInformation")[0].text(),
        Some("Invoices in EUR only & <quoted>")
    );

    // The Directory was told to read the card again.
    let got = calls(&directory, 2).await;
    assert_eq!(got[1].method, "PUT");
    assert_eq!(got[1].participant, format!("iso6523-actorid-upis::{party}"));

    // Clearing them takes them off the card.
    let response = put(&app, &admin.token, &id, &json!({})).await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.json::<Value>().await.unwrap(), nothing_added());
    let xml = app.get(&card_path(&party)).await.text().await.unwrap();
    assert!(
        !xml.contains("WebsiteURI") && !xml.contains("Contact"),
        "{xml}"
    );

    let audit = app.get_json("/api/v1/audit-events", &admin.token).await;
    let updates = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "organization.updated")
        .count();
    assert!(updates >= 2, "{audit}");
}

#[tokio::test]
async fn wrong_details_are_refused_field_by_field_and_change_nothing() {
    let app = spawn_app().await;
    let admin = app.register_admin("ada@buyer.example").await;
    active_party(&app, &admin, BUYER_KVK, BUYER_CONTACT).await;
    let id = org_id(&app, &admin.token).await;
    let kept = json!({"websites": ["https://www.zeewind.example.nl"]});
    assert_eq!(
        put(&app, &admin.token, &id, &kept).await.status().as_u16(),
        200
    );
    let before = app.get_json(&path(&id), &admin.token).await;

    let response = put(
        &app,
        &admin.token,
        &id,
        &json!({
            "otherNames": [{"language": "xx", "name": "A"}, {"language": "fr", "name": ""}],
            "websites": ["ftp://zeewind.example.nl", "https://user:secret@zeewind.example.nl"],
            "contacts": [{"purpose": "Sales"}, {"email": "not an address", "phone": "call us"}],
            "additionalInformation": "x".repeat(1001)
        }),
    )
    .await;
    let body = assert_error_body(response, 400, "validation_failed").await;
    let mut fields: Vec<String> = body["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            format!(
                "{} {}",
                d["field"].as_str().unwrap(),
                d["code"].as_str().unwrap()
            )
        })
        .collect();
    fields.sort();
    assert_eq!(
        fields,
        [
            "additionalInformation too_long",
            "contacts[0] required",
            "contacts[1].email invalid_email",
            "contacts[1].phone invalid_phone",
            "otherNames[0].language invalid_language",
            "otherNames[1].name required",
            "websites[0] invalid_url",
            "websites[1] invalid_url",
        ],
        "{body}"
    );
    // No internal text, and the secret in the address is not echoed.
    assert!(!body.to_string().contains("secret"), "{body}");

    let six: Vec<String> = (0..6).map(|i| format!("https://s{i}.example.nl")).collect();
    for wrong in [
        json!({"websites": six}),
        json!({"websites": "https://www.zeewind.example.nl"}),
        json!({"contacts": [{"phone": "+31 20 123 4567", "fax": "1"}]}),
        json!({"homepage": "https://www.zeewind.example.nl"}),
    ] {
        let response = put(&app, &admin.token, &id, &wrong).await;
        assert_eq!(response.status().as_u16(), 400, "{wrong}");
    }
    assert_eq!(app.get_json(&path(&id), &admin.token).await, before);
}

#[tokio::test]
async fn members_read_the_details_others_do_not_see_them_and_nobody_else_changes_them() {
    let app = spawn_app().await;
    let admin = app.register_admin("ada@buyer.example").await;
    active_party(&app, &admin, BUYER_KVK, BUYER_CONTACT).await;
    let id = org_id(&app, &admin.token).await;
    let Audience {
        member,
        outsider,
        stranger,
    } = app.organization_audience(&admin, &id).await;
    let change = json!({"websites": ["https://evil.example.com"]});

    let read = app.send(Method::GET, &path(&id), None, &member.token).await;
    assert_eq!(read.status().as_u16(), 200);
    assert_error_body(
        put(&app, &member.token, &id, &change).await,
        403,
        "forbidden",
    )
    .await;
    for token in [&outsider.token, &stranger.token] {
        assert_error_body(
            app.send(Method::GET, &path(&id), None, token).await,
            404,
            "not_found",
        )
        .await;
        assert_error_body(put(&app, token, &id, &change).await, 404, "not_found").await;
    }
    let anonymous = reqwest::Client::new()
        .put(app.url(&path(&id)))
        .json(&change)
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status().as_u16(), 401);
    assert_eq!(
        app.get_json(&path(&id), &admin.token).await,
        nothing_added()
    );
}
