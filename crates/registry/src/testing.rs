//! `FakeKvk`: an in-process HTTP server on `127.0.0.1:<free port>` that speaks the KvK API
//! (Zoeken v2, Basisprofiel v1, `fout` error bodies, the `apikey` header) over the offline
//! register's data, and can be told to fail: 503 for the next N requests, 429 with
//! `Retry-After`, `IPD1003` ("temporarily unable to get data"), or hang. Tests run the real
//! [`KvkClient`](crate::KvkClient) against it.

use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Mutex, PoisonError,
    },
    time::Duration,
};

use actix_web::{dev::ServerHandle, web, App, HttpRequest, HttpResponse, HttpServer};

use crate::{
    data,
    wire::{Basisprofiel, Fout, ZoekResultaten},
};

/// The API key the fake accepts.
pub const FAKE_API_KEY: &str = "fake-kvk-api-key";

#[derive(Default)]
struct Behaviour {
    unavailable: u32,
    rate_limited: u32,
    retry_after_secs: u64,
    /// Answers left with `IPD1003`, and their HTTP status.
    data_unavailable: u32,
    data_unavailable_status: u16,
    hang: bool,
}

struct Shared {
    profiles: Vec<Basisprofiel>,
    behaviour: Mutex<Behaviour>,
    requests: AtomicUsize,
}

pub struct FakeKvk {
    base_url: String,
    shared: web::Data<Shared>,
    handle: ServerHandle,
}

impl FakeKvk {
    /// Starts the server on a free port of 127.0.0.1. Call from within a Tokio runtime.
    ///
    /// # Errors
    /// When no port can be bound or the embedded data does not parse.
    pub async fn start() -> std::io::Result<Self> {
        let profiles = data::load().map_err(std::io::Error::other)?;
        let shared = web::Data::new(Shared {
            profiles,
            behaviour: Mutex::new(Behaviour::default()),
            requests: AtomicUsize::new(0),
        });
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        let port = listener.local_addr()?.port();
        let app_shared = shared.clone();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(app_shared.clone())
                .route("/api/v2/zoeken", web::get().to(zoeken))
                .route(
                    "/api/v1/basisprofielen/{kvk_nummer}",
                    web::get().to(basisprofiel),
                )
        })
        .workers(1)
        .disable_signals()
        .shutdown_timeout(0)
        .listen(listener)?
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        Ok(Self {
            base_url: format!("http://127.0.0.1:{port}"),
            shared,
            handle,
        })
    }

    /// `http://127.0.0.1:<port>`, to use as `kvk_api_url`.
    #[must_use]
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The key the server accepts in the `apikey` header.
    #[must_use]
    pub fn api_key(&self) -> &'static str {
        FAKE_API_KEY
    }

    /// The next `n` requests get 503 Service Unavailable.
    pub fn fail_next(&self, n: u32) {
        self.behaviour().unavailable = n;
    }

    /// The next `n` requests get 429 Too Many Requests with `Retry-After: <secs>`.
    pub fn rate_limit_next(&self, n: u32, retry_after_secs: u64) {
        let mut b = self.behaviour();
        b.rate_limited = n;
        b.retry_after_secs = retry_after_secs;
    }

    /// The next `n` requests with a valid key get the `fout` `IPD1003` ("temporarily unable to
    /// get data"; KvK asks to try again in a few minutes) with HTTP `status`. Error-code tables
    /// of KvK clients list it with 404; Zoeken 2.1.0 moved the condition here from `IPD9999`,
    /// a 500.
    pub fn data_unavailable_next(&self, n: u32, status: u16) {
        let mut b = self.behaviour();
        b.data_unavailable = n;
        b.data_unavailable_status = status;
    }

    /// From now on (or no longer), requests are accepted but never answered.
    pub fn hang(&self, hang: bool) {
        self.behaviour().hang = hang;
    }

    /// Requests received so far, failed ones included.
    #[must_use]
    pub fn requests(&self) -> usize {
        self.shared.requests.load(Ordering::SeqCst)
    }

    fn behaviour(&self) -> std::sync::MutexGuard<'_, Behaviour> {
        self.shared
            .behaviour
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for FakeKvk {
    fn drop(&mut self) {
        // Sends the stop command at once; the returned future only waits for completion.
        drop(self.handle.stop(false));
    }
}

fn fout(status: actix_web::http::StatusCode, code: &str, omschrijving: &str) -> HttpResponse {
    HttpResponse::build(status).json(Fout::new(code, omschrijving))
}

/// Counting, the configured failures, and the API key check every endpoint shares.
async fn gate(req: &HttpRequest, shared: &Shared) -> Option<HttpResponse> {
    shared.requests.fetch_add(1, Ordering::SeqCst);
    let (hang, unavailable, rate_limited) = {
        let mut b = shared
            .behaviour
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let unavailable = b.unavailable > 0;
        let rate_limited = !unavailable && b.rate_limited > 0;
        if unavailable {
            b.unavailable -= 1;
        } else if rate_limited {
            b.rate_limited -= 1;
        }
        (
            b.hang,
            unavailable,
            rate_limited.then_some(b.retry_after_secs),
        )
    };
    if hang {
        actix_web::rt::time::sleep(Duration::from_secs(3600)).await;
    }
    if unavailable {
        return Some(HttpResponse::ServiceUnavailable().body("Service Unavailable"));
    }
    if let Some(secs) = rate_limited {
        return Some(
            HttpResponse::TooManyRequests()
                .insert_header(("Retry-After", secs.to_string()))
                .body("Too Many Requests"),
        );
    }
    let key_ok = req
        .headers()
        .get("apikey")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|k| k == FAKE_API_KEY);
    if !key_ok {
        return Some(fout(
            actix_web::http::StatusCode::UNAUTHORIZED,
            "IPD0001",
            "Geen geldige API-key meegegeven.",
        ));
    }
    // After the key check: it is the register behind the gateway that cannot deliver.
    let data_unavailable = {
        let mut b = shared
            .behaviour
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let now = b.data_unavailable > 0;
        if now {
            b.data_unavailable -= 1;
        }
        now.then_some(b.data_unavailable_status)
    };
    if let Some(status) = data_unavailable {
        let status = actix_web::http::StatusCode::from_u16(status)
            .unwrap_or(actix_web::http::StatusCode::NOT_FOUND);
        return Some(fout(
            status,
            "IPD1003",
            "Op dit moment kunnen de gegevens niet worden opgehaald. Probeer het over 5 minuten opnieuw.",
        ));
    }
    None
}

async fn zoeken(
    req: HttpRequest,
    shared: web::Data<Shared>,
    query: web::Query<HashMap<String, String>>,
) -> HttpResponse {
    if let Some(refused) = gate(&req, &shared).await {
        return refused;
    }
    let kvk = query.get("kvkNummer").map(String::as_str);
    if kvk.is_some_and(|k| !(k.len() == 8 && k.bytes().all(|b| b.is_ascii_digit()))) {
        return fout(
            actix_web::http::StatusCode::BAD_REQUEST,
            "IPD0004",
            "Het KVK-nummer is ongeldig.",
        );
    }
    let page: usize = query
        .get("pagina")
        .and_then(|p| p.parse().ok())
        .unwrap_or(1)
        .max(1);
    let per_page: usize = query
        .get("resultatenPerPagina")
        .and_then(|p| p.parse().ok())
        .unwrap_or(10)
        .clamp(1, 100);
    let found = data::search(
        &shared.profiles,
        kvk,
        query.get("naam").map(String::as_str),
        query.get("plaats").map(String::as_str),
    );
    if found.is_empty() {
        return fout(
            actix_web::http::StatusCode::NOT_FOUND,
            "IPD5200",
            "Geen resultaten gevonden.",
        );
    }
    let total = found.len();
    let resultaten = found
        .into_iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .collect();
    HttpResponse::Ok().json(ZoekResultaten {
        pagina: u32::try_from(page).unwrap_or(u32::MAX),
        resultaten_per_pagina: u32::try_from(per_page).unwrap_or(u32::MAX),
        totaal: u32::try_from(total).unwrap_or(u32::MAX),
        resultaten,
    })
}

async fn basisprofiel(
    req: HttpRequest,
    shared: web::Data<Shared>,
    path: web::Path<String>,
) -> HttpResponse {
    if let Some(refused) = gate(&req, &shared).await {
        return refused;
    }
    let kvk = path.into_inner();
    if !(kvk.len() == 8 && kvk.bytes().all(|b| b.is_ascii_digit())) {
        return fout(
            actix_web::http::StatusCode::BAD_REQUEST,
            "IPD0004",
            "Het KVK-nummer is ongeldig.",
        );
    }
    match data::find(&shared.profiles, &kvk) {
        Some(profile) => {
            let mut served = profile.clone();
            // The branches list is a data-file extension; the API has a separate endpoint.
            served.nevenvestigingen.clear();
            HttpResponse::Ok().json(served)
        }
        None => fout(
            actix_web::http::StatusCode::NOT_FOUND,
            "IPD0005",
            "Het KVK-nummer is niet gevonden.",
        ),
    }
}
