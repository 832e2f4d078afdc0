//! Additional addresses, adding users directly, invitation follow-ups, required two-factor.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{assert_error_body, session_from, spawn_app, PASSWORD};

#[tokio::test]
async fn an_additional_address_on_the_same_domain_becomes_a_login_alias() {
    let app = spawn_app().await;
    let admin = app.register_admin("ada@example.com").await;

    let added = app
        .send(
            Method::POST,
            "/api/v1/me/emails",
            Some(&json!({"email": "invoices@example.com"})),
            &admin.token,
        )
        .await;
    assert_eq!(added.status().as_u16(), 201);
    assert_error_body(
        app.login("invoices@example.com", PASSWORD).await,
        401,
        "invalid_credentials",
    )
    .await;
    let token = app
        .link_token("invoices@example.com", 0, "/verify-additional-email")
        .await;
    let verified = app
        .post_json(
            "/api/v1/auth/verify-additional-email",
            &json!({"token": token}),
            None,
        )
        .await;

    assert_eq!(verified.status().as_u16(), 204);
    let emails: Value = app
        .send(Method::GET, "/api/v1/me/emails", None, &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(emails[0]["status"], "active");
    let alias = session_from(app.login("invoices@example.com", PASSWORD).await).await;
    assert_eq!(alias.me["email"], "ada@example.com");
}

#[tokio::test]
async fn an_address_on_another_domain_needs_an_administrators_approval() {
    let app = spawn_app().await;
    let admin = app.register_admin("ada@example.com").await;
    let colleague = app
        .invite_and_accept(&admin, "bob@example.com", "basic")
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

    let emails: Value = app
        .send(Method::GET, "/api/v1/me/emails", None, &colleague.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(emails[0]["status"], "pending_approval");
    assert_error_body(
        app.login("bob@private.example", PASSWORD).await,
        401,
        "invalid_credentials",
    )
    .await;
    assert_error_body(
        app.send(
            Method::GET,
            "/api/v1/users/email-approvals",
            None,
            &colleague.token,
        )
        .await,
        403,
        "forbidden",
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
    assert_eq!(approvals[0]["email"], "bob@private.example");
    let id = approvals[0]["id"].as_str().unwrap();
    let approved = app
        .send(
            Method::POST,
            &format!("/api/v1/users/email-approvals/{id}/approve"),
            None,
            &admin.token,
        )
        .await;

    assert_eq!(approved.status().as_u16(), 204);
    assert_eq!(
        app.login("bob@private.example", PASSWORD)
            .await
            .status()
            .as_u16(),
        200
    );
}

#[tokio::test]
async fn an_address_used_by_any_account_cannot_be_added() {
    let app = spawn_app().await;
    let admin = app.register_admin("ada@example.com").await;
    app.register_admin("other@example.org").await;

    let primary = app
        .send(
            Method::POST,
            "/api/v1/me/emails",
            Some(&json!({"email": "other@example.org"})),
            &admin.token,
        )
        .await;
    let invalid = app
        .send(
            Method::POST,
            "/api/v1/me/emails",
            Some(&json!({"email": "nope"})),
            &admin.token,
        )
        .await;

    assert_error_body(primary, 409, "email_taken").await;
    assert_error_body(invalid, 400, "validation_failed").await;
}

#[tokio::test]
async fn an_additional_address_can_be_removed() {
    let app = spawn_app().await;
    let admin = app.register_admin("ada@example.com").await;
    let added: Value = app
        .send(
            Method::POST,
            "/api/v1/me/emails",
            Some(&json!({"email": "x@example.com"})),
            &admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    let path = format!("/api/v1/me/emails/{}", added["id"].as_str().unwrap());

    assert_eq!(
        app.send(Method::DELETE, &path, None, &admin.token)
            .await
            .status()
            .as_u16(),
        204
    );
    assert_error_body(
        app.send(Method::DELETE, &path, None, &admin.token).await,
        404,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn a_directly_added_user_chooses_a_password_from_the_email() {
    let app = spawn_app().await;
    let admin = app.register_admin("ada@example.com").await;

    let added = app
        .send(
            Method::POST,
            "/api/v1/users",
            Some(&json!({"email": "carl@example.com", "name": "Carl", "role": "advanced"})),
            &admin.token,
        )
        .await;
    assert_eq!(added.status().as_u16(), 201);
    let mail = app.mail("carl@example.com", 0).await;
    let token = app.link_token("carl@example.com", 0, "/invitation").await;
    let accepted = app
        .post_json(
            "/api/v1/auth/accept-invitation",
            &json!({"token": token, "name": "Carl C.", "password": PASSWORD}),
            None,
        )
        .await;

    assert!(
        mail.text.contains("password") || mail.text.contains("wachtwoord"),
        "{}",
        mail.text
    );
    assert_eq!(accepted.status().as_u16(), 200);
    let me: Value = accepted.json().await.unwrap();
    assert_eq!(me["user"]["role"], "advanced");
}

#[tokio::test]
async fn a_resent_invitation_replaces_the_old_link_and_a_withdrawn_one_is_gone() {
    let app = spawn_app().await;
    let admin = app.register_admin("ada@example.com").await;
    let invited: Value = app
        .send(
            Method::POST,
            "/api/v1/users/invitations",
            Some(&json!({"email": "dan@example.com"})),
            &admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    let id = invited["id"].as_str().unwrap();
    let old = app.link_token("dan@example.com", 0, "/invitation").await;

    let resent = app
        .send(
            Method::POST,
            &format!("/api/v1/users/{id}/invitation/resend"),
            None,
            &admin.token,
        )
        .await;
    assert_eq!(resent.status().as_u16(), 204);
    let new = app.link_token("dan@example.com", 1, "/invitation").await;
    assert_error_body(
        app.get(&format!("/api/v1/auth/invitations/{old}")).await,
        400,
        "token_used",
    )
    .await;
    assert_eq!(
        app.get(&format!("/api/v1/auth/invitations/{new}"))
            .await
            .status()
            .as_u16(),
        200
    );

    let withdrawn = app
        .send(
            Method::DELETE,
            &format!("/api/v1/users/{id}/invitation"),
            None,
            &admin.token,
        )
        .await;
    assert_eq!(withdrawn.status().as_u16(), 204);
    assert_error_body(
        app.get(&format!("/api/v1/auth/invitations/{new}")).await,
        400,
        "token_invalid",
    )
    .await;
    let again = app
        .send(
            Method::DELETE,
            &format!("/api/v1/users/{id}/invitation"),
            None,
            &admin.token,
        )
        .await;
    assert_error_body(again, 404, "not_found").await;
}

#[tokio::test]
async fn withdrawing_the_invitation_of_someone_who_joined_is_409() {
    let app = spawn_app().await;
    let admin = app.register_admin("ada@example.com").await;
    let colleague = app
        .invite_and_accept(&admin, "bob@example.com", "basic")
        .await;

    let response = app
        .send(
            Method::DELETE,
            &format!("/api/v1/users/{}/invitation", colleague.id()),
            None,
            &admin.token,
        )
        .await;

    assert_error_body(response, 409, "user_already_joined").await;
}

#[tokio::test]
async fn when_two_factor_is_required_an_unenrolled_user_can_only_manage_their_own_account() {
    let app = spawn_app().await;
    let admin = app.register_admin("ada@example.com").await;
    let colleague = app
        .invite_and_accept(&admin, "bob@example.com", "administrator")
        .await;
    app.send(
        Method::PATCH,
        "/api/v1/environment",
        Some(&json!({"requireTwoFactor": true})),
        &admin.token,
    )
    .await;

    let blocked = app
        .send(Method::GET, "/api/v1/users", None, &colleague.token)
        .await;
    let own = app
        .send(Method::GET, "/api/v1/me", None, &colleague.token)
        .await;

    let body = assert_error_body(blocked, 403, "forbidden").await;
    assert!(body["message"].as_str().unwrap().contains("two-factor"));
    let me: Value = own.json().await.unwrap();
    assert_eq!(me["twoFactorSetupRequired"], true);
    let setup = app
        .send(
            Method::POST,
            "/api/v1/me/two-factor/setup",
            None,
            &colleague.token,
        )
        .await;
    assert_eq!(setup.status().as_u16(), 200);
}
