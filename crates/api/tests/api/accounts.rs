//! Registration, login, sessions, users, environment settings and the audit log, end to end
//! through HTTP with the real outbox.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{assert_error_body, session_from, spawn_app, PASSWORD};

#[tokio::test]
async fn registering_and_confirming_creates_an_environment_with_an_administrator() {
    let app = spawn_app().await;

    let admin = app.register_admin("ada@example.com").await;

    assert_eq!(admin.me["role"], "administrator");
    assert_eq!(admin.me["status"], "active");
    assert_eq!(admin.me["needsReceivingDecision"], true);
    assert_eq!(admin.me["environment"]["receiving"]["enabled"], false);
    assert!(
        admin.refresh_cookie.contains("HttpOnly") && admin.refresh_cookie.contains("Secure"),
        "{}",
        admin.refresh_cookie
    );
    assert!(
        admin.refresh_cookie.contains("SameSite=Strict"),
        "{}",
        admin.refresh_cookie
    );
    let me: Value = app
        .send(Method::GET, "/api/v1/me", None, &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["email"], "ada@example.com");
}

#[tokio::test]
async fn registering_a_known_address_answers_the_same_and_mails_the_owner() {
    let app = spawn_app().await;
    app.register_admin("ada@example.com").await;

    let response = app
        .post_json("/api/v1/auth/register", &json!({"email": "ADA@example.com", "password": PASSWORD, "name": "Someone", "language": "en"}), None)
        .await;

    assert_eq!(response.status().as_u16(), 202);
    let notice = app.mail("ada@example.com", 1).await;
    assert!(notice.subject.contains("already"), "{}", notice.subject);
}

#[tokio::test]
async fn registration_reports_every_invalid_field() {
    let app = spawn_app().await;

    let response = app
        .post_json(
            "/api/v1/auth/register",
            &json!({"email": "not-an-address", "password": "short", "name": " "}),
            None,
        )
        .await;

    let body = assert_error_body(response, 400, "validation_failed").await;
    let fields: Vec<&str> = body["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"email") && fields.contains(&"name"),
        "{body}"
    );
}

#[tokio::test]
async fn common_passwords_are_refused() {
    let app = spawn_app().await;

    let response = app
        .post_json(
            "/api/v1/auth/register",
            &json!({"email": "a@example.com", "password": "Password1234", "name": "A"}),
            None,
        )
        .await;

    let body = assert_error_body(response, 400, "validation_failed").await;
    assert_eq!(body["details"][0]["code"], "password_too_common");
}

#[tokio::test]
async fn a_confirmation_link_works_once() {
    let app = spawn_app().await;
    app.post_json(
        "/api/v1/auth/register",
        &json!({"email": "a@example.com", "password": PASSWORD, "name": "A"}),
        None,
    )
    .await;
    let token = app.link_token("a@example.com", 0, "/verify-email").await;

    let first = app
        .post_json("/api/v1/auth/verify-email", &json!({"token": token}), None)
        .await;
    let second = app
        .post_json("/api/v1/auth/verify-email", &json!({"token": token}), None)
        .await;
    let bogus = app
        .post_json("/api/v1/auth/verify-email", &json!({"token": "nope"}), None)
        .await;

    assert_eq!(first.status().as_u16(), 200);
    assert_error_body(second, 400, "token_used").await;
    assert_error_body(bogus, 400, "token_invalid").await;
}

#[tokio::test]
async fn wrong_password_and_unknown_address_get_the_same_answer() {
    let app = spawn_app().await;
    app.register_admin("ada@example.com").await;

    let wrong = assert_error_body(
        app.login("ada@example.com", "wrong password here").await,
        401,
        "invalid_credentials",
    )
    .await;
    let unknown = assert_error_body(
        app.login("nobody@example.com", PASSWORD).await,
        401,
        "invalid_credentials",
    )
    .await;

    assert_eq!(wrong["message"], unknown["message"]);
}

#[tokio::test]
async fn repeated_failures_are_throttled_with_retry_after() {
    let app = spawn_app().await;
    app.register_admin("ada@example.com").await;

    for _ in 0..6 {
        app.login("ada@example.com", "wrong password here").await;
    }
    let response = app.login("ada@example.com", PASSWORD).await;

    assert_eq!(response.status().as_u16(), 429);
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry_after >= 1);
    assert_error_body(response, 429, "too_many_requests").await;
}

#[tokio::test]
async fn login_gives_a_working_access_token() {
    let app = spawn_app().await;
    app.register_admin("ada@example.com").await;

    let session = session_from(app.login("Ada@Example.com", PASSWORD).await).await;

    let response = app
        .send(Method::GET, "/api/v1/me", None, &session.token)
        .await;
    assert_eq!(response.status().as_u16(), 200);
}

#[tokio::test]
async fn requests_without_or_with_a_bad_token_are_401() {
    let app = spawn_app().await;

    assert_error_body(app.get("/api/v1/me").await, 401, "unauthenticated").await;
    assert_error_body(
        app.send(Method::GET, "/api/v1/me", None, "garbage").await,
        401,
        "unauthenticated",
    )
    .await;
}

#[tokio::test]
async fn a_refresh_token_rotates_and_replaying_it_ends_the_session() {
    let app = spawn_app().await;
    let admin = app.register_admin("ada@example.com").await;
    let cookie = admin.refresh_cookie.split(';').next().unwrap().to_owned();

    let first = app
        .client
        .post(app.url("/api/v1/auth/refresh"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(first.status().as_u16(), 200);
    let rotated = session_from(first).await;
    let replay = app
        .client
        .post(app.url("/api/v1/auth/refresh"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();

    assert_error_body(replay, 401, "unauthenticated").await;
    let after = app
        .send(Method::GET, "/api/v1/me", None, &rotated.token)
        .await;
    assert_eq!(after.status().as_u16(), 401, "the whole session ended");
}

#[tokio::test]
async fn logout_ends_the_session() {
    let app = spawn_app().await;
    let admin = app.register_admin("ada@example.com").await;

    let response = app
        .send(Method::POST, "/api/v1/auth/logout", None, &admin.token)
        .await;

    assert_eq!(response.status().as_u16(), 204);
    assert_eq!(
        app.send(Method::GET, "/api/v1/me", None, &admin.token)
            .await
            .status()
            .as_u16(),
        401
    );
}

#[tokio::test]
async fn sessions_are_listed_and_can_be_revoked() {
    let app = spawn_app().await;
    let admin = app.register_admin("ada@example.com").await;
    let other = session_from(app.login("ada@example.com", PASSWORD).await).await;

    let sessions: Value = app
        .send(Method::GET, "/api/v1/me/sessions", None, &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(sessions.as_array().unwrap().len(), 2);
    let other_id = sessions
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["current"] == false)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let revoke = app
        .send(
            Method::DELETE,
            &format!("/api/v1/me/sessions/{other_id}"),
            None,
            &admin.token,
        )
        .await;

    assert_eq!(revoke.status().as_u16(), 204);
    assert_eq!(
        app.send(Method::GET, "/api/v1/me", None, &other.token)
            .await
            .status()
            .as_u16(),
        401
    );
}

#[tokio::test]
async fn profile_changes_are_validated_and_saved() {
    let app = spawn_app().await;
    let admin = app.register_admin("ada@example.com").await;

    let bad = app
        .send(
            Method::PATCH,
            "/api/v1/me",
            Some(&json!({"language": "fr", "phone": "call me"})),
            &admin.token,
        )
        .await;
    let good = app
        .send(
            Method::PATCH,
            "/api/v1/me",
            Some(&json!({"name": "Ada L.", "language": "nl", "phone": "+31 20 123 4567"})),
            &admin.token,
        )
        .await;

    let body = assert_error_body(bad, 400, "validation_failed").await;
    assert_eq!(body["details"].as_array().unwrap().len(), 2);
    let me: Value = good.json().await.unwrap();
    assert_eq!(
        (me["name"].as_str(), me["language"].as_str()),
        (Some("Ada L."), Some("nl"))
    );
}

#[tokio::test]
async fn changing_the_password_needs_the_current_one_and_ends_other_sessions() {
    let app = spawn_app().await;
    let admin = app.register_admin("ada@example.com").await;
    let other = session_from(app.login("ada@example.com", PASSWORD).await).await;

    let wrong = app
        .send(
            Method::POST,
            "/api/v1/me/password",
            Some(&json!({"currentPassword": "nope", "newPassword": "another good passphrase"})),
            &admin.token,
        )
        .await;
    let right = app
        .send(
            Method::POST,
            "/api/v1/me/password",
            Some(&json!({"currentPassword": PASSWORD, "newPassword": "another good passphrase"})),
            &admin.token,
        )
        .await;

    assert_error_body(wrong, 400, "validation_failed").await;
    assert_eq!(right.status().as_u16(), 204);
    assert_eq!(
        app.send(Method::GET, "/api/v1/me", None, &other.token)
            .await
            .status()
            .as_u16(),
        401
    );
    assert_eq!(
        app.send(Method::GET, "/api/v1/me", None, &admin.token)
            .await
            .status()
            .as_u16(),
        200
    );
    assert_eq!(
        app.login("ada@example.com", "another good passphrase")
            .await
            .status()
            .as_u16(),
        200
    );
}

#[tokio::test]
async fn a_forgotten_password_is_reset_by_the_emailed_link_and_all_sessions_end() {
    let app = spawn_app().await;
    let admin = app.register_admin("ada@example.com").await;

    let forgot = app
        .post_json(
            "/api/v1/auth/forgot-password",
            &json!({"email": "ada@example.com"}),
            None,
        )
        .await;
    let unknown = app
        .post_json(
            "/api/v1/auth/forgot-password",
            &json!({"email": "nobody@example.com"}),
            None,
        )
        .await;
    assert_eq!(
        (forgot.status().as_u16(), unknown.status().as_u16()),
        (202, 202)
    );
    let token = app
        .link_token("ada@example.com", 1, "/reset-password")
        .await;
    let reset = app
        .post_json(
            "/api/v1/auth/reset-password",
            &json!({"token": token, "password": "a brand new passphrase"}),
            None,
        )
        .await;

    assert_eq!(reset.status().as_u16(), 204);
    assert_eq!(
        app.send(Method::GET, "/api/v1/me", None, &admin.token)
            .await
            .status()
            .as_u16(),
        401
    );
    assert_eq!(
        app.login("ada@example.com", "a brand new passphrase")
            .await
            .status()
            .as_u16(),
        200
    );
    let again = app
        .post_json(
            "/api/v1/auth/reset-password",
            &json!({"token": token, "password": "yet another passphrase"}),
            None,
        )
        .await;
    assert_error_body(again, 400, "token_used").await;
}

#[tokio::test]
async fn an_invited_colleague_accepts_and_the_administrator_changes_their_role() {
    let app = spawn_app().await;
    let admin = app.register_admin("ada@example.com").await;

    let colleague = app
        .invite_and_accept(&admin, "bob@example.com", "basic")
        .await;
    assert_eq!(colleague.me["role"], "basic");
    assert_error_body(
        app.send(Method::GET, "/api/v1/users", None, &colleague.token)
            .await,
        403,
        "forbidden",
    )
    .await;

    let changed = app
        .send(
            Method::PATCH,
            &format!("/api/v1/users/{}", colleague.id()),
            Some(&json!({"role": "administrator"})),
            &admin.token,
        )
        .await;
    assert_eq!(changed.status().as_u16(), 200);
    let users = app
        .send(Method::GET, "/api/v1/users", None, &colleague.token)
        .await;
    assert_eq!(
        users.status().as_u16(),
        200,
        "the new role applies on the very next request"
    );
    let users: Value = users.json().await.unwrap();
    assert_eq!(users["items"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn the_invitation_page_shows_who_invited_whom() {
    let app = spawn_app().await;
    let admin = app.register_admin("ada@example.com").await;
    app.post_json(
        "/api/v1/users/invitations",
        &json!({"email": "bob@example.com"}),
        Some(&admin.token),
    )
    .await;
    let token = app.link_token("bob@example.com", 0, "/invitation").await;

    let info: Value = app
        .get(&format!("/api/v1/auth/invitations/{token}"))
        .await
        .json()
        .await
        .unwrap();

    assert_eq!(info["email"], "bob@example.com");
    assert_eq!(info["inviterName"], "Ada Admin");
}

#[tokio::test]
async fn inviting_an_address_in_use_is_409() {
    let app = spawn_app().await;
    let admin = app.register_admin("ada@example.com").await;

    let response = app
        .post_json(
            "/api/v1/users/invitations",
            &json!({"email": "ada@example.com"}),
            Some(&admin.token),
        )
        .await;

    assert_error_body(response, 409, "email_taken").await;
}

#[tokio::test]
async fn the_last_active_administrator_cannot_be_demoted_deactivated_or_removed() {
    let app = spawn_app().await;
    let admin = app.register_admin("ada@example.com").await;
    let path = format!("/api/v1/users/{}", admin.id());

    let demote = app
        .send(
            Method::PATCH,
            &path,
            Some(&json!({"role": "basic"})),
            &admin.token,
        )
        .await;
    let deactivate = app
        .send(
            Method::POST,
            &format!("{path}/deactivate"),
            None,
            &admin.token,
        )
        .await;
    let remove = app.send(Method::DELETE, &path, None, &admin.token).await;

    assert_error_body(demote, 409, "last_administrator").await;
    assert_error_body(deactivate, 409, "last_administrator").await;
    assert_error_body(remove, 409, "last_administrator").await;
}

#[tokio::test]
async fn a_deactivated_user_is_locked_out_until_reactivated() {
    let app = spawn_app().await;
    let admin = app.register_admin("ada@example.com").await;
    let colleague = app
        .invite_and_accept(&admin, "bob@example.com", "basic")
        .await;
    let path = format!("/api/v1/users/{}", colleague.id());

    let deactivated: Value = app
        .send(
            Method::POST,
            &format!("{path}/deactivate"),
            None,
            &admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(deactivated["status"], "deactivated");
    assert_eq!(
        app.send(Method::GET, "/api/v1/me", None, &colleague.token)
            .await
            .status()
            .as_u16(),
        401
    );
    assert_error_body(
        app.login("bob@example.com", PASSWORD).await,
        403,
        "forbidden",
    )
    .await;

    app.send(
        Method::POST,
        &format!("{path}/reactivate"),
        None,
        &admin.token,
    )
    .await;
    assert_eq!(
        app.login("bob@example.com", PASSWORD)
            .await
            .status()
            .as_u16(),
        200
    );
}

#[tokio::test]
async fn a_user_of_another_environment_gets_404_for_foreign_users() {
    let app = spawn_app().await;
    let admin = app.register_admin("ada@example.com").await;
    let colleague = app
        .invite_and_accept(&admin, "bob@example.com", "basic")
        .await;
    let stranger = app.register_admin("eve@example.org").await;
    let path = format!("/api/v1/users/{}", colleague.id());

    let cases = [
        app.send(
            Method::PATCH,
            &path,
            Some(&json!({"role": "administrator"})),
            &stranger.token,
        )
        .await,
        app.send(
            Method::POST,
            &format!("{path}/deactivate"),
            None,
            &stranger.token,
        )
        .await,
        app.send(
            Method::POST,
            &format!("{path}/reactivate"),
            None,
            &stranger.token,
        )
        .await,
        app.send(Method::DELETE, &path, None, &stranger.token).await,
    ];
    for response in cases {
        assert_error_body(response, 404, "not_found").await;
    }
    let users: Value = app
        .send(Method::GET, "/api/v1/users", None, &stranger.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        users["items"].as_array().unwrap().len(),
        1,
        "only their own environment"
    );
    let events: Value = app
        .send(Method::GET, "/api/v1/audit-events", None, &stranger.token)
        .await
        .json()
        .await
        .unwrap();
    assert!(events["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["actorEmail"] != "ada@example.com"));
}

#[tokio::test]
async fn two_factor_enrolment_then_login_needs_a_code() {
    let app = spawn_app().await;
    let admin = app.register_admin("ada@example.com").await;

    let setup: Value = app
        .send(
            Method::POST,
            "/api/v1/me/two-factor/setup",
            None,
            &admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(setup["otpauthUri"]
        .as_str()
        .unwrap()
        .starts_with("otpauth://totp/Haven:"));
    assert!(setup["qrSvg"].as_str().unwrap().contains("<svg"));
    let secret = setup["secret"].as_str().unwrap();
    let now = u64::try_from(chrono::Utc::now().timestamp()).unwrap();
    let code = haven_domain::accounts::totp::code_at(secret, now).unwrap();
    let wrong = app
        .send(
            Method::POST,
            "/api/v1/me/two-factor/confirm",
            Some(&json!({"code": "000000"})),
            &admin.token,
        )
        .await;
    let confirmed = app
        .send(
            Method::POST,
            "/api/v1/me/two-factor/confirm",
            Some(&json!({"code": code})),
            &admin.token,
        )
        .await;
    assert_error_body(wrong, 400, "validation_failed").await;
    let codes: Value = confirmed.json().await.unwrap();
    let recovery = codes["recoveryCodes"].as_array().unwrap();
    assert_eq!(recovery.len(), 10);

    assert_error_body(
        app.login("ada@example.com", PASSWORD).await,
        401,
        "two_factor_required",
    )
    .await;
    let replayed = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": "ada@example.com", "password": PASSWORD, "code": code}),
            None,
        )
        .await;
    assert_error_body(replayed, 401, "invalid_two_factor_code").await;
    let with_recovery = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": "ada@example.com", "password": PASSWORD, "code": recovery[0]}),
            None,
        )
        .await;
    assert_eq!(with_recovery.status().as_u16(), 200);
    let reused = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": "ada@example.com", "password": PASSWORD, "code": recovery[0]}),
            None,
        )
        .await;
    assert_error_body(reused, 401, "invalid_two_factor_code").await;
}

#[tokio::test]
async fn receiving_needs_an_explicit_price_acknowledgement() {
    let app = spawn_app().await;
    let admin = app.register_admin("ada@example.com").await;

    let unacknowledged = app
        .send(
            Method::PUT,
            "/api/v1/environment/receiving",
            Some(&json!({"enabled": true})),
            &admin.token,
        )
        .await;
    let acknowledged = app
        .send(
            Method::PUT,
            "/api/v1/environment/receiving",
            Some(&json!({"enabled": true, "acknowledgePrice": true})),
            &admin.token,
        )
        .await;

    let body = assert_error_body(unacknowledged, 400, "validation_failed").await;
    assert_eq!(body["details"][0]["field"], "acknowledgePrice");
    let env: Value = acknowledged.json().await.unwrap();
    assert_eq!(env["receiving"]["enabled"], true);
    let me: Value = app
        .send(Method::GET, "/api/v1/me", None, &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["needsReceivingDecision"], false);
}

#[tokio::test]
async fn only_administrators_change_environment_settings() {
    let app = spawn_app().await;
    let admin = app.register_admin("ada@example.com").await;
    let colleague = app
        .invite_and_accept(&admin, "bob@example.com", "advanced")
        .await;

    let forbidden = app
        .send(
            Method::PATCH,
            "/api/v1/environment",
            Some(&json!({"name": "Mine"})),
            &colleague.token,
        )
        .await;
    let allowed = app
        .send(
            Method::PATCH,
            "/api/v1/environment",
            Some(&json!({"name": "Ada's company", "requireTwoFactor": true})),
            &admin.token,
        )
        .await;

    assert_error_body(forbidden, 403, "forbidden").await;
    let env: Value = allowed.json().await.unwrap();
    assert_eq!(env["name"], "Ada's company");
    let me: Value = app
        .send(Method::GET, "/api/v1/me", None, &colleague.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["twoFactorSetupRequired"], true);
}

#[tokio::test]
async fn auto_join_adds_later_sign_ups_from_the_domain_as_basic_users() {
    let app = spawn_app().await;
    let admin = app.register_admin("ada@example.com").await;
    let shared = app
        .send(
            Method::PATCH,
            "/api/v1/environment",
            Some(&json!({"autoJoinDomain": "gmail.com"})),
            &admin.token,
        )
        .await;
    let foreign = app
        .send(
            Method::PATCH,
            "/api/v1/environment",
            Some(&json!({"autoJoinDomain": "other.org"})),
            &admin.token,
        )
        .await;
    assert_error_body(shared, 400, "validation_failed").await;
    assert_error_body(foreign, 400, "validation_failed").await;
    app.send(
        Method::PATCH,
        "/api/v1/environment",
        Some(&json!({"autoJoinDomain": "example.com"})),
        &admin.token,
    )
    .await;

    let joiner = app.register_admin("carol@example.com").await;

    assert_eq!(joiner.me["role"], "basic");
    assert_eq!(
        joiner.me["environment"]["id"],
        admin.me["environment"]["id"]
    );
}

#[tokio::test]
async fn the_audit_log_records_security_events_and_filters_them() {
    let app = spawn_app().await;
    let admin = app.register_admin("ada@example.com").await;
    app.login("ada@example.com", "wrong password here").await;
    app.login("ada@example.com", PASSWORD).await;

    let all: Value = app
        .send(Method::GET, "/api/v1/audit-events", None, &admin.token)
        .await
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"registration.completed") && actions.contains(&"login.succeeded"),
        "{actions:?}"
    );

    let filtered: Value = app
        .send(
            Method::GET,
            "/api/v1/audit-events?action=login.succeeded&limit=1",
            None,
            &admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(filtered["items"].as_array().unwrap().len(), 1);
    assert!(
        filtered["nextCursor"].is_null(),
        "only one login.succeeded event"
    );
    let bad = app
        .send(
            Method::GET,
            "/api/v1/audit-events?limit=0",
            None,
            &admin.token,
        )
        .await;
    assert_error_body(bad, 400, "validation_failed").await;
}

#[tokio::test]
async fn a_failed_login_and_a_replayed_refresh_token_reach_the_owners_audit_log() {
    let app = spawn_app().await;
    let admin = app.register_admin("ada@example.com").await;
    let other = app.register_admin("bob@example.com").await;
    let cookie = admin.refresh_cookie.split(';').next().unwrap().to_owned();
    let refresh = || {
        app.client
            .post(app.url("/api/v1/auth/refresh"))
            .header("cookie", &cookie)
            .header("user-agent", "replayer/1.0")
            .send()
    };
    app.login("ada@example.com", "wrong password here").await;
    assert_eq!(refresh().await.unwrap().status().as_u16(), 200);
    assert_eq!(refresh().await.unwrap().status().as_u16(), 401);
    // The replay ended Ada's session; she signs in again to read her log.
    let admin = session_from(app.login("ada@example.com", PASSWORD).await).await;

    let log = |token: String| {
        let app = &app;
        async move {
            let page: Value = app
                .send(Method::GET, "/api/v1/audit-events", None, &token)
                .await
                .json()
                .await
                .unwrap();
            page["items"].as_array().unwrap().clone()
        }
    };
    let events = log(admin.token.clone()).await;
    let find = |action: &str| {
        events
            .iter()
            .find(|e| e["action"] == action)
            .unwrap_or_else(|| panic!("no {action} in {events:?}"))
            .clone()
    };
    let failed = find("login.failed");
    assert_eq!(failed["actorEmail"], "ada@example.com");
    assert_eq!(failed["targetId"], admin.me["id"]);
    assert!(failed["ip"].as_str().is_some_and(|ip| !ip.is_empty()));
    let replayed = find("session.refresh_token_reused");
    assert_eq!(replayed["actorEmail"], "ada@example.com");
    assert_eq!(replayed["userAgent"], "replayer/1.0");
    assert!(replayed["ip"].as_str().is_some_and(|ip| !ip.is_empty()));

    // Another environment sees none of it.
    let foreign = log(other.token.clone()).await;
    assert!(
        foreign
            .iter()
            .all(|e| e["action"] != "login.failed" && e["action"] != "session.refresh_token_reused"),
        "{foreign:?}"
    );
}
