//! GET /metrics: off by default, Prometheus text when enabled, optionally behind a token.

use crate::helpers::{assert_error_body, spawn_app, spawn_app_with, Options, TestApp};

async fn spawn_with_metrics(token: Option<&str>) -> TestApp {
    spawn_app_with(Options {
        metrics_enabled: true,
        metrics_token: token.map(str::to_owned),
        ..Options::default()
    })
    .await
}

async fn scrape(app: &TestApp, token: Option<&str>) -> reqwest::Response {
    let mut request = app.client.get(app.url("/metrics"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

/// The value of the sample whose line starts with `series` (name and labels), or 0.
fn sample(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .map_or(0.0, |value| value.trim().parse().unwrap())
}

#[tokio::test]
async fn metrics_are_not_served_unless_enabled() {
    let app = spawn_app().await;

    assert_error_body(app.get("/metrics").await, 404, "not_found").await;
}

#[tokio::test]
async fn request_counters_and_durations_move_by_matched_route() {
    let app = spawn_with_metrics(None).await;
    let me = r#"haven_http_requests_total{route="/api/v1/me",method="GET",status="401"}"#;
    let user = r#"haven_http_requests_total{route="/api/v1/organizations/{id}",method="GET",status="401"}"#;
    let before = scrape(&app, None).await.text().await.unwrap();

    for _ in 0..3 {
        app.get("/api/v1/me").await;
    }
    app.get("/api/v1/organizations/7f0c7a4e-5b8e-4a51-9d7e-0d6c1c1a2b3c")
        .await;
    app.get("/api/v1/organizations/0b9a0f52-1c7e-4d8e-a3f2-6a1b2c3d4e5f")
        .await;
    let response = scrape(&app, None).await;

    assert_eq!(response.status().as_u16(), 200);
    let content_type = response.headers()["content-type"].to_str().unwrap();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    let after = response.text().await.unwrap();
    assert_eq!(sample(&after, me) - sample(&before, me), 3.0, "{after}");
    // Two different ids, one series: the route pattern, not the path, is the label.
    assert_eq!(sample(&after, user) - sample(&before, user), 2.0, "{after}");
    assert!(!after.contains("7f0c7a4e"), "{after}");
    let count = r#"haven_http_request_duration_seconds_count{route="/api/v1/me",method="GET"}"#;
    assert_eq!(
        sample(&after, count) - sample(&before, count),
        3.0,
        "{after}"
    );
    assert!(
        after.contains(r#"haven_http_request_duration_seconds_bucket{route="/api/v1/me",method="GET",le="+Inf"}"#),
        "{after}"
    );
    assert!(after.contains("# TYPE haven_http_request_duration_seconds histogram"));
}

#[tokio::test]
async fn unknown_paths_share_one_series() {
    let app = spawn_with_metrics(None).await;

    app.get("/api/v1/no-such-thing/1").await;
    app.get("/api/v1/no-such-thing/2").await;
    let text = scrape(&app, None).await.text().await.unwrap();

    assert!(!text.contains("no-such-thing"), "{text}");
    assert!(
        sample(
            &text,
            r#"haven_http_requests_total{route="unmatched",method="GET",status="404"}"#
        ) >= 2.0,
        "{text}"
    );
}

#[tokio::test]
async fn sent_mail_is_counted_and_the_queue_depth_shown() {
    let app = spawn_with_metrics(None).await;
    let sent = r#"haven_jobs_finished_total{kind="email",outcome="succeeded"}"#;
    let done = r#"haven_job_queue_depth{kind="email",status="succeeded"}"#;
    let before = sample(&scrape(&app, None).await.text().await.unwrap(), sent);

    app.register_admin("ada@example.com").await;

    // The mail is in the outbox; the worker records its outcome just after writing it.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let text = loop {
        let text = scrape(&app, None).await.text().await.unwrap();
        if sample(&text, sent) > before && sample(&text, done) >= 1.0 {
            break text;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the sent mail was not counted: {text}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert!(text.contains(r#"haven_jobs_finished_total{kind="email",outcome="dead"}"#));
}

#[tokio::test]
async fn a_configured_token_is_required() {
    let app = spawn_with_metrics(Some("scrape-secret-0123456789")).await;

    assert_error_body(scrape(&app, None).await, 401, "unauthenticated").await;
    assert_error_body(scrape(&app, Some("wrong")).await, 401, "unauthenticated").await;
    let response = scrape(&app, Some("scrape-secret-0123456789")).await;
    assert_eq!(response.status().as_u16(), 200);
    assert!(response
        .text()
        .await
        .unwrap()
        .contains("# TYPE haven_http_requests_total counter"));
}

#[tokio::test]
async fn metrics_are_not_part_of_the_api_and_the_fallbacks_still_answer() {
    let app = spawn_with_metrics(None).await;

    // A wrong method on /metrics is refused with the error body.
    let response = app.client.post(app.url("/metrics")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 405);
    // The spec-driven 405 under /api and the SPA fallback are untouched.
    assert_error_body(
        app.client
            .delete(app.url("/api/v1/me"))
            .send()
            .await
            .unwrap(),
        405,
        "method_not_allowed",
    )
    .await;
    assert_error_body(app.get("/api/metrics").await, 404, "not_found").await;
    let page = app.get("/metrics/dashboard").await;
    assert_eq!(page.status().as_u16(), 200);
    let spec: serde_json::Value = app.get("/api/openapi.json").await.json().await.unwrap();
    assert!(spec["paths"].get("/metrics").is_none());
}
