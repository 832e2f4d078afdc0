//! Organizations end to end: add from the business register, identifiers, activation by the
//! emailed code and by operator review, members and access, participant ids.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{
    assert_error_body, session_from, spawn_app, spawn_app_with, Options, Session, TestApp, PASSWORD,
};

/// Tulpenveld Installatietechniek B.V. in the offline register (contact facturen@…).
const KVK: &str = "90000016";
const REGISTER_CONTACT: &str = "facturen@tulpenveld-installatie.example";

async fn add_org(app: &TestApp, admin: &Session, body: Value) -> reqwest::Response {
    app.send(
        Method::POST,
        "/api/v1/organizations",
        Some(&body),
        &admin.token,
    )
    .await
}

async fn added(app: &TestApp, admin: &Session) -> Value {
    let response = add_org(app, admin, json!({"kvkNumber": KVK})).await;
    assert_eq!(response.status().as_u16(), 201);
    response.json().await.unwrap()
}

/// Activates the organization by the code mailed to the register's contact address.
async fn activate(app: &TestApp, admin: &Session, org_id: &str, nth_mail: usize) -> Value {
    app.activate_by_code(admin, org_id, REGISTER_CONTACT, nth_mail)
        .await
}

#[tokio::test]
async fn an_organization_added_by_kvk_number_is_prefilled_from_the_register() {
    let app = spawn_app().await;
    let admin = app.register_admin("ada@example.com").await;

    let org = added(&app, &admin).await;

    assert_eq!(org["statutoryName"], "Tulpenveld Installatietechniek B.V.");
    assert_eq!(org["address"]["city"], "Utrecht");
    assert_eq!(org["status"], "added");
    assert_eq!(org["myRole"], "administrator");
    assert_eq!(
        org["identifiers"][0]["participantId"],
        format!("0106:{KVK}")
    );
    assert_eq!(org["identifiers"][0]["registered"], false);
}

#[tokio::test]
async fn bad_identifiers_and_unknown_kvk_numbers_get_field_errors_and_change_nothing() {
    let app = spawn_app().await;
    let admin = app.register_admin("ada@example.com").await;

    let bad = add_org(&app, &admin, json!({"kvkNumber": KVK, "identifiers": [{"kind": "gln", "value": "8712345678904"}, {"kind": "oin", "value": "123"}]})).await;
    let unknown = add_org(&app, &admin, json!({"kvkNumber": "12345678"})).await;
    let missing = add_org(&app, &admin, json!({"statutoryName": "No Number B.V."})).await;

    let body = assert_error_body(bad, 400, "validation_failed").await;
    let fields: Vec<&str> = body["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap())
        .collect();
    assert!(fields.contains(&"identifiers[1].value"), "{body}");
    let body = assert_error_body(unknown, 400, "validation_failed").await;
    assert_eq!(body["details"][0]["code"], "not_in_register");
    assert_error_body(missing, 400, "validation_failed").await;
    let list: Value = app
        .send(Method::GET, "/api/v1/organizations", None, &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn pasted_identifiers_are_normalised() {
    let app = spawn_app().await;
    let admin = app.register_admin("ada@example.com").await;

    let response = add_org(&app, &admin, json!({"kvkNumber": "'9000 0016"})).await;

    assert_eq!(response.status().as_u16(), 201);
    let org: Value = response.json().await.unwrap();
    assert_eq!(org["kvkNumber"], KVK);
}

#[tokio::test]
async fn a_foreign_organization_is_entered_by_hand() {
    let app = spawn_app().await;
    let admin = app.register_admin("ada@example.com").await;

    let response = add_org(
        &app,
        &admin,
        json!({"country": "BE", "statutoryName": "Voorbeeld BV", "identifiers": [{"kind": "be_enterprise", "value": "0403.170.701"}]}),
    )
    .await;

    assert_eq!(response.status().as_u16(), 201);
    let org: Value = response.json().await.unwrap();
    assert_eq!(org["identifiers"][0]["participantId"], "0208:0403170701");
}

#[tokio::test]
async fn the_same_kvk_number_twice_in_an_environment_is_409() {
    let app = spawn_app().await;
    let admin = app.register_admin("ada@example.com").await;
    added(&app, &admin).await;

    let response = add_org(&app, &admin, json!({"kvkNumber": KVK})).await;

    assert_error_body(response, 409, "organization_exists").await;
}

#[tokio::test]
async fn only_environment_administrators_add_organizations() {
    let app = spawn_app().await;
    let admin = app.register_admin("ada@example.com").await;
    let basic = app
        .invite_and_accept(&admin, "bob@example.com", "basic")
        .await;

    let response = add_org(&app, &basic, json!({"kvkNumber": KVK})).await;

    assert_error_body(response, 403, "forbidden").await;
}

#[tokio::test]
async fn activation_by_the_emailed_code_registers_the_participant_ids() {
    let app = spawn_app().await;
    let admin = app.register_admin("ada@example.com").await;
    let org = added(&app, &admin).await;
    let id = org["id"].as_str().unwrap();
    app.send(
        Method::POST,
        &format!("/api/v1/organizations/{id}/activation"),
        Some(&json!({"method": "email_code"})),
        &admin.token,
    )
    .await;
    // Mails are delivered by concurrent jobs, in no promised order: let the first code arrive
    // before the second is asked for, so that mail #1 is the newer code.
    app.mail(REGISTER_CONTACT, 0).await;
    let wrong = app
        .send(
            Method::POST,
            &format!("/api/v1/organizations/{id}/activation/code"),
            Some(&json!({"code": "000000"})),
            &admin.token,
        )
        .await;
    let body = assert_error_body(wrong, 400, "validation_failed").await;
    assert!(
        body["details"][0]["message"]
            .as_str()
            .unwrap()
            .contains("4 attempts"),
        "{body}"
    );

    let active = activate(&app, &admin, id, 1).await;

    assert_eq!(active["status"], "active");
    assert_eq!(active["identifiers"][0]["registered"], true);
    assert_eq!(active["identifiers"][0]["send"], true);
    assert_eq!(active["identifiers"][0]["receive"], false);
    let history: Value = app
        .send(
            Method::GET,
            &format!("/api/v1/organizations/{id}/history"),
            None,
            &admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    let events: Vec<&str> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(events.last(), Some(&"added"), "newest first");
    assert!(
        events.contains(&"activation_code_sent") && events.contains(&"activated"),
        "{events:?}"
    );
    let parties: Value = app
        .send(Method::GET, "/api/v1/me/parties", None, &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(parties[0]["partyId"], format!("0106:{KVK}"));
    assert!(parties[0]["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p == "manage_members"));
}

#[tokio::test]
async fn a_participant_id_is_active_in_only_one_organization_of_the_installation() {
    let app = spawn_app().await;
    let first = app.register_admin("ada@example.com").await;
    let org = added(&app, &first).await;
    activate(&app, &first, org["id"].as_str().unwrap(), 0).await;
    let second = app.register_admin("eve@example.org").await;
    let copy = added(&app, &second).await;
    let copy_id = copy["id"].as_str().unwrap();
    app.send(
        Method::POST,
        &format!("/api/v1/organizations/{copy_id}/activation"),
        Some(&json!({"method": "operator_review"})),
        &second.token,
    )
    .await;
    let operator = app.register_admin("operator@haven.test").await;

    let response = app
        .send(
            Method::POST,
            &format!("/api/v1/operator/organizations/{copy_id}/approve"),
            Some(&json!({})),
            &operator.token,
        )
        .await;

    let body = assert_error_body(response, 409, "participant_id_taken").await;
    assert!(
        body["message"].as_str().unwrap().contains("transfer"),
        "{body}"
    );
    let still: Value = app
        .send(
            Method::GET,
            &format!("/api/v1/organizations/{copy_id}"),
            None,
            &second.token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(still["status"], "activation_requested", "nothing changed");
}

#[tokio::test]
async fn receiving_can_be_switched_on_only_after_the_environment_opted_in() {
    let app = spawn_app().await;
    let admin = app.register_admin("ada@example.com").await;
    let org = added(&app, &admin).await;
    let id = org["id"].as_str().unwrap();
    let identifier = org["identifiers"][0]["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/organizations/{id}/identifiers/{identifier}");

    let inactive = app
        .send(
            Method::PATCH,
            &path,
            Some(&json!({"receive": true})),
            &admin.token,
        )
        .await;
    assert_error_body(inactive, 409, "organization_not_active").await;
    activate(&app, &admin, id, 0).await;
    let not_opted_in = app
        .send(
            Method::PATCH,
            &path,
            Some(&json!({"receive": true})),
            &admin.token,
        )
        .await;
    assert_error_body(not_opted_in, 409, "receiving_not_enabled").await;
    app.send(
        Method::PUT,
        "/api/v1/environment/receiving",
        Some(&json!({"enabled": true, "acknowledgePrice": true})),
        &admin.token,
    )
    .await;
    let switched = app
        .send(
            Method::PATCH,
            &path,
            Some(&json!({"receive": true})),
            &admin.token,
        )
        .await;

    assert_eq!(switched.status().as_u16(), 200);
    let identifier: Value = switched.json().await.unwrap();
    assert_eq!(identifier["receive"], true);

    let deactivated: Value = app
        .send(
            Method::POST,
            &format!("/api/v1/organizations/{id}/deactivate"),
            None,
            &admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(deactivated["status"], "deactivated");
    assert_eq!(deactivated["identifiers"][0]["receive"], false);
    assert_eq!(deactivated["identifiers"][0]["send"], false);
    let parties: Value = app
        .send(Method::GET, "/api/v1/me/parties", None, &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(parties.as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn members_see_their_organization_and_other_users_do_not() {
    let app = spawn_app().await;
    let admin = app.register_admin("ada@example.com").await;
    let org = added(&app, &admin).await;
    let id = org["id"].as_str().unwrap();
    let member = app
        .invite_and_accept(&admin, "bob@example.com", "basic")
        .await;
    let outsider = app
        .invite_and_accept(&admin, "carl@example.com", "basic")
        .await;

    let candidates: Value = app
        .send(
            Method::GET,
            &format!("/api/v1/organizations/{id}/member-candidates?q=bob"),
            None,
            &admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(candidates.as_array().unwrap().len(), 1);
    let added_member = app
        .send(
            Method::POST,
            &format!("/api/v1/organizations/{id}/members"),
            Some(&json!({"userId": member.id(), "role": "member"})),
            &admin.token,
        )
        .await;
    assert_eq!(added_member.status().as_u16(), 201);

    let seen: Value = app
        .send(Method::GET, "/api/v1/organizations", None, &member.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(seen["items"][0]["myRole"], "member");
    let unseen: Value = app
        .send(Method::GET, "/api/v1/organizations", None, &outsider.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(unseen["items"].as_array().unwrap().len(), 0);
    assert_error_body(
        app.send(
            Method::GET,
            &format!("/api/v1/organizations/{id}"),
            None,
            &outsider.token,
        )
        .await,
        404,
        "not_found",
    )
    .await;
    // A Member may look but not manage.
    assert_error_body(
        app.send(
            Method::PATCH,
            &format!("/api/v1/organizations/{id}"),
            Some(&json!({"statutoryName": "X"})),
            &member.token,
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    assert_error_body(
        app.send(
            Method::POST,
            &format!("/api/v1/organizations/{id}/members"),
            Some(&json!({"userId": outsider.id()})),
            &member.token,
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    let duplicate = app
        .send(
            Method::POST,
            &format!("/api/v1/organizations/{id}/members"),
            Some(&json!({"userId": member.id()})),
            &admin.token,
        )
        .await;
    assert_error_body(duplicate, 409, "already_member").await;

    let promoted = app
        .send(
            Method::PATCH,
            &format!("/api/v1/organizations/{id}/members/{}", member.id()),
            Some(&json!({"role": "administrator"})),
            &admin.token,
        )
        .await;
    assert_eq!(promoted.status().as_u16(), 200);
    let renamed = app
        .send(
            Method::PATCH,
            &format!("/api/v1/organizations/{id}"),
            Some(&json!({"contactName": "Bob"})),
            &member.token,
        )
        .await;
    assert_eq!(
        renamed.status().as_u16(),
        200,
        "an Organization Administrator manages details"
    );
    let removed = app
        .send(
            Method::DELETE,
            &format!("/api/v1/organizations/{id}/members/{}", member.id()),
            None,
            &admin.token,
        )
        .await;
    assert_eq!(removed.status().as_u16(), 204);
    assert_error_body(
        app.send(
            Method::GET,
            &format!("/api/v1/organizations/{id}"),
            None,
            &member.token,
        )
        .await,
        404,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn operators_review_activation_requests_and_others_do_not_see_the_queue() {
    let app = spawn_app().await;
    let admin = app.register_admin("ada@example.com").await;
    let org = added(&app, &admin).await;
    let id = org["id"].as_str().unwrap();
    app.send(
        Method::POST,
        &format!("/api/v1/organizations/{id}/activation"),
        Some(&json!({"method": "operator_review"})),
        &admin.token,
    )
    .await;
    let operator = app.register_admin("operator@haven.test").await;

    assert_error_body(
        app.send(
            Method::GET,
            "/api/v1/operator/activation-requests",
            None,
            &admin.token,
        )
        .await,
        404,
        "not_found",
    )
    .await;
    let queue: Value = app
        .send(
            Method::GET,
            "/api/v1/operator/activation-requests",
            None,
            &operator.token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(queue["items"][0]["organizationId"], id);
    assert_eq!(
        queue["items"][0]["register"]["statutory_name"], "Tulpenveld Installatietechniek B.V.",
        "{}",
        queue["items"][0]
    );
    let reject_without_reason = app
        .send(
            Method::POST,
            &format!("/api/v1/operator/organizations/{id}/reject"),
            Some(&json!({})),
            &operator.token,
        )
        .await;
    assert_error_body(reject_without_reason, 400, "validation_failed").await;
    let approved = app
        .send(
            Method::POST,
            &format!("/api/v1/operator/organizations/{id}/approve"),
            Some(&json!({"note": "Matches the register."})),
            &operator.token,
        )
        .await;

    assert_eq!(approved.status().as_u16(), 200);
    let org: Value = app
        .send(
            Method::GET,
            &format!("/api/v1/organizations/{id}"),
            None,
            &admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(org["status"], "active");
    let events: Value = app
        .send(
            Method::GET,
            "/api/v1/audit-events?action=organization.activation_approved",
            None,
            &admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        events["items"].as_array().unwrap().len(),
        1,
        "the environment sees the approval in its audit log"
    );
}

#[tokio::test]
async fn the_register_search_finds_by_number_and_name() {
    let app = spawn_app().await;
    let admin = app.register_admin("ada@example.com").await;

    let by_number: Value = app
        .send(
            Method::GET,
            &format!("/api/v1/business-register/search?kvkNumber={KVK}"),
            None,
            &admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    let by_name: Value = app
        .send(
            Method::GET,
            "/api/v1/business-register/search?name=tulpenveld",
            None,
            &admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    let bad = app
        .send(
            Method::GET,
            "/api/v1/business-register/search?kvkNumber=123",
            None,
            &admin.token,
        )
        .await;
    let profile: Value = app
        .send(
            Method::GET,
            &format!("/api/v1/business-register/companies/{KVK}"),
            None,
            &admin.token,
        )
        .await
        .json()
        .await
        .unwrap();

    assert_eq!(by_number["items"][0]["kvkNumber"], KVK);
    assert!(by_name["items"].as_array().unwrap().len() >= 2, "{by_name}");
    assert_error_body(bad, 400, "validation_failed").await;
    assert_eq!(profile["hasContactEmail"], true);
    // One hit a page: the second page starts where the first ended.
    let first = app
        .get_json(
            "/api/v1/business-register/search?name=tulpenveld&limit=1",
            &admin.token,
        )
        .await;
    let cursor = first["nextCursor"].as_str().unwrap();
    let second = app
        .get_json(
            &format!("/api/v1/business-register/search?name=tulpenveld&limit=1&before={cursor}"),
            &admin.token,
        )
        .await;
    assert_eq!(first["items"][0], by_name["items"][0]);
    assert_eq!(second["items"][0], by_name["items"][1]);
    let too_many = app
        .send(
            Method::GET,
            "/api/v1/business-register/search?name=tulpenveld&limit=101",
            None,
            &admin.token,
        )
        .await;
    assert_error_body(too_many, 400, "validation_failed").await;
}

#[tokio::test]
async fn the_real_kvk_client_serves_the_search_through_an_api_in_the_kvk_format() {
    let fake = haven_registry::testing::FakeKvk::start().await.unwrap();
    let app = spawn_app_with(Options {
        business_register: Some(("kvk".into(), fake.base_url().to_owned())),
        ..Options::default()
    })
    .await;
    let admin = app.register_admin("ada@example.com").await;

    let hits: Value = app
        .send(
            Method::GET,
            &format!("/api/v1/business-register/search?kvkNumber={KVK}"),
            None,
            &admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    let org = add_org(&app, &admin, json!({"kvkNumber": KVK})).await;

    assert!(
        hits["items"][0]["name"]
            .as_str()
            .unwrap()
            .starts_with("Tulpenveld Installatietechniek"),
        "{hits}"
    );
    assert_eq!(org.status().as_u16(), 201);
}

#[tokio::test]
async fn an_unreachable_register_gives_a_clear_503_and_adds_nothing() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let app = spawn_app_with(Options {
        business_register: Some(("kvk".into(), format!("http://127.0.0.1:{port}"))),
        ..Options::default()
    })
    .await;
    let admin = app.register_admin("ada@example.com").await;

    let search = app
        .send(
            Method::GET,
            "/api/v1/business-register/search?name=tulpen",
            None,
            &admin.token,
        )
        .await;
    let add = add_org(&app, &admin, json!({"kvkNumber": KVK})).await;

    assert_error_body(search, 503, "register_unavailable").await;
    assert_error_body(add, 503, "register_unavailable").await;
    let list: Value = app
        .send(Method::GET, "/api/v1/organizations", None, &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 0);
    let _ = (session_from, PASSWORD);
}

#[tokio::test]
async fn me_says_who_is_a_platform_operator() {
    let app = spawn_app().await;
    let operator = app.register_admin("operator@haven.test").await;
    let ada = app.register_admin("ada@example.com").await;

    for (session, expected) in [(&operator, true), (&ada, false)] {
        assert_eq!(session.me["platformOperator"], expected, "at sign-in");
        let me: Value = app
            .send(Method::GET, "/api/v1/me", None, &session.token)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(me["platformOperator"], expected, "{me}");
    }
}

/// The real KvK Basisprofiel has no e-mail address: with it, no code can be emailed, and the
/// installation says so instead of offering a route that cannot work.
#[tokio::test]
async fn with_the_real_kvk_register_only_operator_review_activates() {
    let fake = haven_registry::testing::FakeKvk::start().await.unwrap();
    let app = spawn_app_with(Options {
        business_register: Some(("kvk".into(), fake.base_url().to_owned())),
        ..Options::default()
    })
    .await;
    let admin = app.register_admin("ada@example.com").await;
    let org: Value = add_org(&app, &admin, json!({"kvkNumber": KVK}))
        .await
        .json()
        .await
        .unwrap();
    let id = org["id"].as_str().unwrap();

    let info: Value = app.get("/api/v1/system/info").await.json().await.unwrap();
    let by_code = app
        .send(
            Method::POST,
            &format!("/api/v1/organizations/{id}/activation"),
            Some(&json!({"method": "email_code"})),
            &admin.token,
        )
        .await;

    assert_eq!(info["activationMethods"], json!(["operator_review"]));
    assert_error_body(by_code, 409, "activation_code_unavailable").await;
    let offline = spawn_app().await;
    let info: Value = offline
        .get("/api/v1/system/info")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        info["activationMethods"],
        json!(["email_code", "operator_review"])
    );
}
