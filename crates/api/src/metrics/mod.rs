//! Prometheus metrics: what the server counts and `GET /metrics` in the text exposition format.
//!
//! One process-wide registry, so that any code can count without being handed a handle:
//! the request middleware records every request ([`observe_request`]), background work
//! records finished jobs ([`job_finished`]) and the job queue reports its depth
//! ([`set_job_queue_depth`]). Label values are bounded: routes are the matched route
//! patterns (`/api/v1/users/{id}`), never raw paths; methods outside the standard set count as
//! `other`; job kinds and outcomes are names chosen in code.
//!
//! The endpoint is off unless `metrics_enabled` is set, and can require a bearer token
//! (`metrics_token`). It lives outside `/api`: it is for operators, not part of the API.

use std::{
    collections::BTreeMap,
    fmt::Write as _,
    sync::{LazyLock, Mutex, MutexGuard, PoisonError},
    time::Duration,
};

use actix_web::{
    http::{header, Method},
    web, HttpRequest, HttpResponse,
};

use crate::error::{ApiError, ErrorCode};

pub mod jobs;

/// Upper bounds (seconds) of the request duration histogram's buckets.
const DURATION_BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Label used for requests that matched no route (404s, the web app's files and pages).
pub const UNMATCHED_ROUTE: &str = "unmatched";

#[derive(Default)]
struct RouteSeries {
    /// Requests per status code.
    by_status: BTreeMap<u16, u64>,
    /// Per bucket of [`DURATION_BUCKETS`], not cumulative (summed when rendered).
    buckets: [u64; DURATION_BUCKETS.len()],
    count: u64,
    sum_seconds: f64,
}

#[derive(Default)]
struct Registry {
    /// Keyed by (route pattern, method).
    requests: Mutex<BTreeMap<(String, &'static str), RouteSeries>>,
    /// Keyed by (kind, outcome).
    jobs: Mutex<BTreeMap<(String, String), u64>>,
    /// Keyed by (kind, status).
    queue_depth: Mutex<BTreeMap<(String, String), u64>>,
}

static REGISTRY: LazyLock<Registry> = LazyLock::new(|| {
    let registry = Registry::default();
    // Mail outcomes are shown from the start, so a dashboard sees 0 rather than nothing.
    {
        let mut jobs = lock(&registry.jobs);
        // Email outcomes are there from the start, so an alert on failed mail has a series.
        for outcome in [JobOutcome::Succeeded, JobOutcome::Retried, JobOutcome::Dead] {
            jobs.insert(("email".to_owned(), outcome.as_str().to_owned()), 0);
        }
    }
    registry
});

/// Counting never fails: a panic elsewhere while holding a lock leaves plain numbers behind,
/// which are still good to use.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// How a background job ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobOutcome {
    /// Done (for email: handed to the SMTP relay or written to the outbox).
    Succeeded,
    /// Failed this time; it will be tried again.
    Retried,
    /// Failed for good (permanent error or out of attempts).
    Dead,
}

impl JobOutcome {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Succeeded => "succeeded",
            Self::Retried => "retried",
            Self::Dead => "dead",
        }
    }
}

/// Counts a finished job, e.g. `job_finished("email", JobOutcome::Succeeded)`. `kind` must come from
/// a fixed set of names in code (it becomes a label value).
pub fn job_finished(kind: &str, outcome: JobOutcome) {
    *lock(&REGISTRY.jobs)
        .entry((kind.to_owned(), outcome.as_str().to_owned()))
        .or_default() += 1;
}

/// Reports how many jobs of `kind` are in `status` (`queued`, `running`, `succeeded`, `dead`)
/// now; `/metrics` asks the queue at every scrape.
pub fn set_job_queue_depth(kind: &str, status: &str, depth: u64) {
    lock(&REGISTRY.queue_depth).insert((kind.to_owned(), status.to_owned()), depth);
}

/// Records one handled request. `route` is the matched route pattern, or `None` when no
/// route matched.
pub fn observe_request(method: &Method, route: Option<String>, status: u16, elapsed: Duration) {
    let route = route
        .filter(|r| !r.is_empty())
        .unwrap_or_else(|| UNMATCHED_ROUTE.to_owned());
    let seconds = elapsed.as_secs_f64();
    let bucket = DURATION_BUCKETS
        .iter()
        .position(|bound| seconds <= *bound)
        .unwrap_or(DURATION_BUCKETS.len());
    let mut requests = lock(&REGISTRY.requests);
    let series = requests.entry((route, method_label(method))).or_default();
    *series.by_status.entry(status).or_default() += 1;
    if let Some(slot) = series.buckets.get_mut(bucket) {
        *slot += 1;
    }
    series.count += 1;
    series.sum_seconds += seconds;
}

fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// Everything counted so far, in the Prometheus text exposition format (version 0.0.4).
#[must_use]
pub fn render() -> String {
    let mut out = String::with_capacity(4096);
    {
        let requests = lock(&REGISTRY.requests);
        out.push_str("# HELP haven_http_requests_total HTTP requests handled, by matched route, method and status.\n");
        out.push_str("# TYPE haven_http_requests_total counter\n");
        for ((route, method), series) in requests.iter() {
            for (status, count) in &series.by_status {
                let _ = writeln!(
                    out,
                    "haven_http_requests_total{{route=\"{}\",method=\"{method}\",status=\"{status}\"}} {count}",
                    escape(route)
                );
            }
        }
        out.push_str("# HELP haven_http_request_duration_seconds Time from receiving a request to its response, by matched route and method.\n");
        out.push_str("# TYPE haven_http_request_duration_seconds histogram\n");
        for ((route, method), series) in requests.iter() {
            let labels = format!("route=\"{}\",method=\"{method}\"", escape(route));
            let mut cumulative = 0;
            for (bound, count) in DURATION_BUCKETS.iter().zip(series.buckets) {
                cumulative += count;
                let _ = writeln!(
                    out,
                    "haven_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {cumulative}"
                );
            }
            let _ = writeln!(
                out,
                "haven_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                series.count
            );
            let _ = writeln!(
                out,
                "haven_http_request_duration_seconds_sum{{{labels}}} {}",
                series.sum_seconds
            );
            let _ = writeln!(
                out,
                "haven_http_request_duration_seconds_count{{{labels}}} {}",
                series.count
            );
        }
    }
    out.push_str("# HELP haven_jobs_finished_total Background jobs finished, by kind (mail, ...) and outcome (sent, retried, failed).\n");
    out.push_str("# TYPE haven_jobs_finished_total counter\n");
    for ((kind, outcome), count) in lock(&REGISTRY.jobs).iter() {
        let _ = writeln!(
            out,
            "haven_jobs_finished_total{{kind=\"{}\",outcome=\"{}\"}} {count}",
            escape(kind),
            escape(outcome)
        );
    }
    out.push_str("# HELP haven_job_queue_depth Jobs in the queue, by kind and status, as last reported by the queue.\n");
    out.push_str("# TYPE haven_job_queue_depth gauge\n");
    for ((kind, status), depth) in lock(&REGISTRY.queue_depth).iter() {
        let _ = writeln!(
            out,
            "haven_job_queue_depth{{kind=\"{}\",status=\"{}\"}} {depth}",
            escape(kind),
            escape(status)
        );
    }
    out
}

/// Label values escape backslash, double quote and line feed.
fn escape(value: &str) -> std::borrow::Cow<'_, str> {
    if !value.contains(['\\', '"', '\n']) {
        return value.into();
    }
    let mut escaped = String::with_capacity(value.len() + 8);
    for c in value.chars() {
        match c {
            '\\' => escaped.push_str("\\\\"),
            '"' => escaped.push_str("\\\""),
            '\n' => escaped.push_str("\\n"),
            c => escaped.push(c),
        }
    }
    escaped.into()
}

/// Who may read the metrics.
pub struct MetricsAccess {
    /// When set, scrapers must send `Authorization: Bearer <token>`.
    pub token: Option<String>,
}

/// `GET /metrics` when enabled.
///
/// # Errors
/// 401 when a token is configured and the request does not carry it.
pub async fn serve(
    req: HttpRequest,
    access: web::Data<MetricsAccess>,
    state: web::Data<crate::state::AppState>,
) -> Result<HttpResponse, ApiError> {
    if let Some(expected) = &access.token {
        let presented = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim)
            .unwrap_or_default();
        if !constant_time_eq(presented.as_bytes(), expected.as_bytes()) {
            return Err(ApiError::Unauthenticated(ErrorCode::Unauthenticated));
        }
    }
    // The queue's depth as it is now; a scrape that cannot read it still shows the rest.
    match haven_domain::jobs::JobAdmin::job_counts(&state.db).await {
        Ok(counts) => {
            for count in counts {
                set_job_queue_depth(count.kind.as_str(), count.status.as_str(), count.count);
            }
        }
        Err(err) => tracing::warn!(error = %err, "could not read the job queue's depth"),
    }
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(render()))
}

/// `/metrics` when disabled: the same 404 as any path that does not exist.
///
/// # Errors
/// Always.
pub async fn disabled() -> Result<HttpResponse, ApiError> {
    Err(ApiError::NotFound)
}

/// Compares without stopping at the first difference, so timing tells nothing about how much
/// of a guessed token was right.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape("/api/v1/me"), "/api/v1/me");
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }

    #[test]
    fn tokens_compare_equal_only_when_identical() {
        assert!(constant_time_eq(b"secret", b"secret"));
        assert!(!constant_time_eq(b"secret", b"secreT"));
        assert!(!constant_time_eq(b"secret", b"secret2"));
        assert!(!constant_time_eq(b"", b"x"));
    }

    #[test]
    fn a_request_lands_in_its_bucket_and_the_rendering_is_cumulative() {
        let route = "/test/metrics/{id}".to_owned();
        observe_request(
            &Method::GET,
            Some(route.clone()),
            200,
            Duration::from_millis(3),
        );
        observe_request(&Method::GET, Some(route), 404, Duration::from_millis(30));
        observe_request(
            &Method::from_bytes(b"BREW").unwrap_or(Method::GET),
            None,
            404,
            Duration::ZERO,
        );
        job_finished("test-job", JobOutcome::Retried);
        set_job_queue_depth("test-job", "queued", 7);

        let text = render();

        let has = |line: &str| text.lines().any(|l| l == line);
        assert!(has("haven_http_requests_total{route=\"/test/metrics/{id}\",method=\"GET\",status=\"200\"} 1"), "{text}");
        assert!(has("haven_http_requests_total{route=\"/test/metrics/{id}\",method=\"GET\",status=\"404\"} 1"), "{text}");
        assert!(has("haven_http_request_duration_seconds_bucket{route=\"/test/metrics/{id}\",method=\"GET\",le=\"0.001\"} 0"), "{text}");
        assert!(has("haven_http_request_duration_seconds_bucket{route=\"/test/metrics/{id}\",method=\"GET\",le=\"0.005\"} 1"), "{text}");
        assert!(has("haven_http_request_duration_seconds_bucket{route=\"/test/metrics/{id}\",method=\"GET\",le=\"0.05\"} 2"), "{text}");
        assert!(has("haven_http_request_duration_seconds_bucket{route=\"/test/metrics/{id}\",method=\"GET\",le=\"+Inf\"} 2"), "{text}");
        assert!(has("haven_http_request_duration_seconds_count{route=\"/test/metrics/{id}\",method=\"GET\"} 2"), "{text}");
        assert!(
            text.contains("route=\"unmatched\",method=\"other\",status=\"404\"}"),
            "{text}"
        );
        assert!(
            has("haven_jobs_finished_total{kind=\"test-job\",outcome=\"retried\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("haven_jobs_finished_total{kind=\"email\",outcome=\"dead\"}"),
            "{text}"
        );
        assert!(
            has("haven_job_queue_depth{kind=\"test-job\",status=\"queued\"} 7"),
            "{text}"
        );
    }
}
