//! The one place the HTTP application is assembled: used by `main`, the tests and the spec
//! export alike.

use std::{net::TcpListener, path::PathBuf, sync::Arc, time::Duration};

use actix_files::{Files, NamedFile};
use actix_web::{
    dev::{fn_service, Server, ServiceRequest, ServiceResponse},
    http::Method,
    middleware::from_fn,
    web, App, HttpRequest, HttpResponse, HttpServer,
};
use anyhow::Context;
use haven_domain::installation::InstallationRepository;
use haven_persistence::Database;
use utoipa_actix_web::scope;

use crate::{
    config::{redact_url, Settings},
    error::ApiError,
    extractors,
    jobs::JobWorker,
    metrics::{self, MetricsAccess},
    middleware::{
        request_context::{request_context, BodyLimit},
        security_headers::SecurityHeaders,
    },
    openapi,
    rate_limit::RateLimiter,
    routes::{self, fallback::RouteTable},
    secrets::SigningKey,
    state::AppState,
    usage_log::UsageWriter,
};

/// Most sends stored in one transaction by the group commit.
const SEND_BATCH: usize = 32;

/// The documented API: everything under `/api` that appears in the OpenAPI document.
pub(crate) fn api_scope() -> scope::Scope<
    impl actix_web::dev::ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    scope::scope("/api")
        .configure(routes::health::configure)
        .service(
            scope::scope("/v1")
                .configure(routes::system::configure)
                .configure(routes::auth::configure)
                .configure(routes::me::configure)
                .configure(routes::users::configure)
                .configure(routes::environment::configure)
                .configure(routes::hooks::configure)
                .configure(routes::organizations::configure)
                .configure(routes::sml::configure)
                .configure(routes::directory_details::configure)
                .configure(routes::sml_operator::configure)
                .configure(routes::connections::configure)
                .configure(routes::partners::configure)
                .configure(routes::operator::configure)
                .configure(routes::jobs::configure)
                .configure(routes::certificates::configure)
                .configure(routes::peppol_reporting::configure)
                .configure(routes::peppol_evidence::configure)
                .configure(routes::peppol_refusals::configure)
                .configure(routes::documents::configure)
                .configure(routes::invoices::configure)
                .configure(routes::intake::configure)
                .configure(routes::drafts::configure),
        )
}

/// The OAuth token endpoint, outside `/api` as OAuth clients expect (`/connect/token`), yet
/// in the OpenAPI document.
pub(crate) fn connect_scope() -> scope::Scope<
    impl actix_web::dev::ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    scope::scope("/connect").configure(routes::connections::configure_token)
}

/// A built, bound, not yet running server.
pub struct Application {
    server: Server,
    port: u16,
    db: Database,
    job_worker: JobWorker,
    usage_writer: UsageWriter,
    smtp_receiver: Option<crate::intake::SmtpReceiver>,
    certificate_reloader: Option<crate::certificate_reload::CertificateReloader>,
}

impl Application {
    /// Connects and migrates the database, prepares secrets and binds the listener.
    ///
    /// # Errors
    /// When the data directory, the database or the port cannot be used.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        std::fs::create_dir_all(&settings.data_dir).with_context(|| {
            format!(
                "could not create the data directory {}",
                settings.data_dir.display()
            )
        })?;
        crate::as4::prepare_spool(&settings.spool_dir()).with_context(|| {
            format!(
                "could not prepare the spool directory {}",
                settings.spool_dir().display()
            )
        })?;
        let database_url = settings.database_url();
        tracing::info!(database = %redact_url(&database_url), "connecting to the database");
        // Concurrent sends are stored in shared transactions (group commit), one wait for
        // the disk per batch instead of one per document.
        let db = Database::connect(&database_url, settings.database_max_connections)
            .await?
            .with_group_commit(SEND_BATCH);
        let installation = db
            .get_or_create()
            .await
            .map_err(|e| anyhow::anyhow!(e).context("could not load the installation record"))?;
        let signing_key =
            SigningKey::load_or_generate(settings.jwt_secret.as_deref(), &settings.data_dir)?;

        let listener = TcpListener::bind((settings.host.as_str(), settings.port))
            .with_context(|| format!("could not listen on {}:{}", settings.host, settings.port))?;
        let port = listener.local_addr()?.port();

        let spec = openapi::spec();
        let routes = web::Data::new(RouteTable::from_openapi(&spec));
        let spec_json = web::Data::new(SpecJson(Arc::from(openapi::spec_json())));
        let job_waker = Arc::new(tokio::sync::Notify::new());
        let blobs = haven_storage::Storage::from_config(&settings.document_store_config()?)
            .map_err(|e| anyhow::anyhow!(e).context("could not set up the document store"))?;
        let send_settings = send_settings(&settings)?;
        let intake_settings = settings.intake_settings()?;
        let intake_authenticator = settings.intake_authenticator()?;
        log_ocr(&settings).await;
        let (usage, usage_writer) = UsageWriter::start(db.clone());
        let hook_settings = settings.hook_settings()?;
        // Discovery and the AS4 sender are checked at start so that a wrong setting stops
        // here, not at the first delivery.
        let peppol_discovery = settings.peppol_discovery()?;
        // One revocation checker: discovery, sending and receiving share its answers and CRLs.
        let revocation = settings.peppol_revocation_checker()?;
        let locator = peppol_discovery
            .build(Some(Arc::clone(&revocation)))
            .map_err(|e| anyhow::anyhow!(e).context("Peppol discovery is misconfigured"))?;
        // The access point's and the SMP's keys, shared by everything that uses them so that a
        // reload of renewed files replaces them everywhere at once.
        let key_files_seen = crate::certificate_reload::CertificateReloader::files_now(&settings);
        let mut peppol_keys = crate::certificate_reload::PeppolKeys::new(
            settings.peppol_key_material(false)?,
            crate::certificate_reload::SmpClients::from_settings(&settings)?,
        );
        // The SMP client trusts what the reload replaces.
        if let (Some(haven_peppol::config::Locator::Network(network)), Some(trust)) =
            (&locator, &peppol_keys.smp_trust)
        {
            let shared = network.smp_anchors();
            shared.store((*trust.load()).clone());
            peppol_keys.smp_trust = Some(shared);
        }
        let as4_sender = settings.peppol_as4_sender(&revocation)?.map(|sender| {
            let sender = match &peppol_keys.ap {
                Some(keys) => sender.with_keys(keys.clone()),
                None => sender,
            };
            match &peppol_keys.ap_trust {
                Some(trust) => sender.with_trust(trust.clone()),
                None => sender,
            }
        });
        let peppol = match (locator, as4_sender) {
            (Some(locator), Some(sender)) => {
                tracing::info!(
                    locator = ?peppol_discovery.locator,
                    zone = %peppol_discovery.zone,
                    seat_id = sender.seat_id(),
                    "Peppol delivery (AS4) is configured"
                );
                Some(Arc::new(crate::as4::PeppolNetwork { locator, sender }))
            }
            (Some(_), None) => {
                tracing::warn!(
                    "Peppol discovery is configured but the access point key (peppol_ap_key_file or peppol_ap_pkcs12_file) is not: documents are not sent over Peppol"
                );
                None
            }
            (None, _) => None,
        };
        if settings.peppol_reporting_send && peppol.is_none() {
            anyhow::bail!(
                "peppol_reporting_send needs AS4 sending: set the access point key (peppol_ap_key_file or peppol_ap_pkcs12_file) and a peppol_locator"
            );
        }
        let certificates = peppol_keys.certificates.clone();
        // One SML client (one TLS identity and connection pool) for the API and the jobs,
        // replaced when the SMP's key files are renewed.
        let sml = peppol_keys.sml.clone();
        let signing_key_sealing = signing_key.sealing_box();
        let state = web::Data::new(AppState {
            blobs: blobs.clone(),
            send_settings: send_settings.clone(),
            intake: intake_settings.clone(),
            intake_authenticator: intake_authenticator.clone(),
            inbound_email_secret: settings.inbound_email_secret.clone(),
            db: db.clone(),
            installation,
            sealing: signing_key_sealing.clone(),
            signing_key,
            links: haven_domain::links::Links::new(&settings.public_url),
            registry: business_register(&settings)?,
            operators: haven_domain::accounts::Operators(settings.operators()),
            organization_settings: haven_domain::organizations::service::OrganizationSettings {
                max_organizations: settings.max_organizations_per_environment,
                receiving_price: settings.receiving_price_per_document.clone(),
            },
            sml_registration: settings.peppol_sml_registration,
            sml: sml.clone(),
            next_smp_certificate: settings.peppol_next_smp_certificate()?,
            peppol_reporting_send: settings.peppol_reporting_send,
            job_waker: job_waker.clone(),
            connection_limiter: RateLimiter::per_minute(settings.connection_requests_per_minute),
            token_client_limiter: RateLimiter::per_minute(
                settings.token_requests_per_minute_per_client,
            ),
            token_ip_limiter: RateLimiter::per_minute(settings.token_requests_per_minute_per_ip),
            as4_ip_limiter: RateLimiter::per_minute(settings.peppol_as4_requests_per_minute_per_ip),
            partner_request_limiter: RateLimiter::per_hour(settings.partner_requests_per_hour),
            partner_settings: haven_domain::partners::service::PartnerSettings {
                request_days: settings.partner_request_days,
            },
            usage,
            hook_settings: hook_settings.clone(),
            certificates: certificates.clone(),
            certificate_warning: settings.peppol_certificate_warning(),
            peppol: peppol.clone(),
        });
        let body_limit = web::Data::new(BodyLimit {
            default: settings.max_body_bytes,
            inbound_email: usize::try_from(settings.intake_max_message_bytes).unwrap_or(usize::MAX),
        });
        let security_headers = web::Data::new(SecurityHeaders::new(&settings.public_url));
        let static_dir = web::Data::new(StaticDir(settings.static_dir.clone()));
        if !settings.static_dir.join("index.html").is_file() {
            tracing::warn!(
                static_dir = %settings.static_dir.display(),
                "the web app is not built there; serving the API only (run `make run` to build it)"
            );
        }
        let max_body = settings.max_body_bytes;
        let smp = peppol_keys
            .publisher
            .clone()
            .map(|publisher| web::Data::new(crate::smp::Smp(publisher)));
        let as4 = settings
            .peppol_as4_receiver(&revocation)?
            .map(|mut receiver| {
                if let Some(keys) = &peppol_keys.ap {
                    receiver.keys = keys.clone();
                }
                if let Some(trust) = &peppol_keys.ap_trust {
                    receiver.ap_trust = trust.clone();
                }
                web::Data::new(crate::as4::As4 {
                    receiver: haven_peppol::as4::inbound::BlockingAs4Receiver(Arc::new(receiver)),
                    spool_dir: settings.spool_dir(),
                    max_body_bytes: settings.max_body_bytes as u64,
                })
            });
        let metrics_access = settings.metrics_enabled.then(|| {
            web::Data::new(MetricsAccess {
                token: settings.metrics_token.clone(),
            })
        });

        let mut server = HttpServer::new(move || {
            let spa_dir = static_dir.0.clone();
            let app = App::new()
                .wrap(from_fn(request_context))
                .app_data(state.clone())
                .app_data(routes.clone())
                .app_data(spec_json.clone())
                .app_data(body_limit.clone())
                .app_data(security_headers.clone())
                .app_data(static_dir.clone())
                .configure(|cfg| extractors::configure(cfg, max_body))
                .service(connect_scope())
                .service(
                    api_scope()
                        .route("/openapi.json", web::get().to(get_openapi_json))
                        .route("/docs", web::get().to(get_api_docs)),
                );
            // Outside /api (not part of the API) and before the web app, whose fallback would
            // otherwise answer it with index.html.
            let app = match &smp {
                Some(smp) => app.app_data(smp.clone()).service(
                    web::scope(crate::smp::SMP_PATH)
                        .route("/{tail:.*}", web::get().to(crate::smp::serve)),
                ),
                None => app,
            };
            let app = match &as4 {
                Some(as4) => app
                    .app_data(as4.clone())
                    .route(crate::as4::AS4_PATH, web::post().to(crate::as4::receive)),
                None => app,
            };
            let app = match &metrics_access {
                Some(access) => app
                    .app_data(access.clone())
                    .route("/metrics", web::get().to(metrics::serve)),
                None => app.route("/metrics", web::to(metrics::disabled)),
            };
            let app = if spa_dir.join("index.html").is_file() {
                app.service(
                    Files::new("/", spa_dir)
                        .index_file("index.html")
                        .default_handler(fn_service(not_matched)),
                )
            } else {
                app
            };
            app.default_service(fn_service(not_matched))
        })
        .listen(listener)?
        .shutdown_timeout(settings.shutdown_timeout_secs);
        if settings.workers > 0 {
            server = server.workers(settings.workers);
        }
        let job_worker = JobWorker::start(
            &settings,
            db.clone(),
            job_waker.clone(),
            crate::jobs::DocumentJobs {
                send: send_settings,
                peppol,
                certificates: certificates.clone(),
                sml,
                directory: peppol_keys.directory.clone(),
            },
            intake_settings.clone(),
            blobs.clone(),
            crate::jobs::HookJobs {
                settings: hook_settings,
                sealing: signing_key_sealing,
            },
        )?;
        let smtp_receiver = crate::intake::SmtpReceiver::start(
            &settings,
            intake_settings,
            intake_authenticator,
            db.clone(),
            blobs.clone(),
            job_waker,
        )
        .await?;
        crate::jobs::schedule_purge(&db).await?;
        crate::jobs::schedule_usage_purge(&db).await?;
        crate::jobs::schedule_partner_expiry(&db).await?;
        crate::jobs::schedule_hook_purge(&db).await?;
        crate::jobs::schedule_sml_reconcile(&db, &settings).await?;
        crate::jobs::schedule_directory_index_all(&db, &settings).await?;
        crate::jobs::schedule_certificate_check(&db, &certificates.load()).await?;
        crate::jobs::schedule_report_sending(&db, settings.peppol_reporting_send).await?;
        let certificate_reloader = crate::certificate_reload::CertificateReloader::start(
            &settings,
            &peppol_keys,
            &db,
            key_files_seen,
        );
        let server = server.run();
        tracing::info!(address = %format!("http://{}:{port}", settings.host), "Haven is listening");
        Ok(Self {
            server,
            port,
            db,
            job_worker,
            usage_writer,
            smtp_receiver,
            certificate_reloader,
        })
    }

    #[must_use]
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port of the SMTP intake receiver, when it runs.
    #[must_use]
    pub fn smtp_port(&self) -> Option<u16> {
        self.smtp_receiver
            .as_ref()
            .map(crate::intake::SmtpReceiver::port)
    }

    /// The port of the SMTP intake receiver's implicit-TLS listener, when it runs.
    #[must_use]
    pub fn smtp_implicit_tls_port(&self) -> Option<u16> {
        self.smtp_receiver
            .as_ref()
            .and_then(crate::intake::SmtpReceiver::implicit_tls_port)
    }

    /// Serves until SIGINT/SIGTERM (actix stops accepting, lets in-flight requests finish),
    /// then closes the database pool.
    ///
    /// # Errors
    /// When the server fails or the pool cannot be closed cleanly.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        self.server.await.context("the HTTP server failed")?;
        if let Some(reloader) = self.certificate_reloader {
            reloader.stop();
        }
        if let Some(smtp) = self.smtp_receiver {
            smtp.stop().await;
        }
        tracing::info!("server stopped; stopping the job worker and closing the database pool");
        // Requests have finished: write the last usage log entries.
        self.usage_writer.stop().await;
        self.job_worker.stop().await;
        // Give background tasks a moment to release their connections.
        tokio::time::sleep(Duration::from_millis(10)).await;
        self.db.close().await
    }
}

/// Prices and delivery behaviour of document exchange.
fn send_settings(
    settings: &Settings,
) -> anyhow::Result<haven_domain::documents::sending::SendSettings> {
    use haven_domain::documents::{
        delivery::DeliverySettings,
        sending::{Prices, SendSettings},
    };
    Ok(SendSettings {
        prices: Prices {
            sent: settings.sending_price_per_document.clone(),
            received: settings.receiving_price_per_document.clone(),
        },
        delivery: DeliverySettings {
            max_attempts: settings.delivery_max_attempts.max(1),
            peppol_fallback: settings.peppol_fallback()?,
            link_days: settings.shared_link_days.max(1),
            links: haven_domain::links::Links::new(&settings.public_url),
            received_price: settings.receiving_price_per_document.clone(),
        },
    })
}

/// The configured business register; the KvK client may need an extra trusted root.
fn business_register(settings: &Settings) -> anyhow::Result<haven_registry::Registry> {
    let mut options = haven_registry::KvkClientOptions::default();
    // Read whatever the register kind, so that a wrong file never waits for a switch to kvk.
    if let Some(path) = &settings.kvk_ca_file {
        options.extra_root_certificates = haven_registry::kvk::read_ca_file(path)?;
    }
    haven_registry::Registry::from_config_with(
        &settings.business_register,
        Some(&settings.kvk_api_url),
        settings.kvk_api_key.as_deref(),
        options,
    )
}

struct SpecJson(Arc<str>);
struct StaticDir(PathBuf);

async fn get_openapi_json(spec: web::Data<SpecJson>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(spec.0.to_string())
}

/// The interactive API reference, a page of the web app build.
async fn get_api_docs(
    req: HttpRequest,
    dir: web::Data<StaticDir>,
) -> Result<HttpResponse, ApiError> {
    let page = dir.0.join("api-docs.html");
    let file = NamedFile::open_async(&page)
        .await
        .map_err(|_| ApiError::NotFound)?;
    Ok(file.into_response(&req))
}

/// Client-side routes of the SPA get `index.html`; anything else that matched nothing gets
/// the error body. Nested API scopes fall through to here too, so `/api/…` is answered as the
/// API would.
async fn not_matched(req: ServiceRequest) -> Result<ServiceResponse, actix_web::Error> {
    let (req, _) = req.into_parts();
    // The token endpoint lives outside /api but is in the API document (405 with `Allow` too).
    if req.path() == "/api"
        || req.path().starts_with("/api/")
        || req.path().starts_with("/connect/")
    {
        let routes = req
            .app_data::<web::Data<RouteTable>>()
            .cloned()
            .unwrap_or_default();
        let response = match routes::fallback::api_not_matched(req.clone(), routes).await {
            Ok(response) => response,
            Err(err) => actix_web::ResponseError::error_response(&err),
        };
        return Ok(ServiceResponse::new(req, response));
    }
    let is_page_request = matches!(*req.method(), Method::GET | Method::HEAD);
    let index = req
        .app_data::<web::Data<StaticDir>>()
        .map(|dir| dir.0.join("index.html"));
    let response = match index {
        Some(index) if is_page_request && index.is_file() => {
            match NamedFile::open_async(&index).await {
                Ok(file) => file.into_response(&req),
                Err(_) => actix_web::ResponseError::error_response(&ApiError::NotFound),
            }
        }
        _ if is_page_request => actix_web::ResponseError::error_response(&ApiError::NotFound),
        _ => actix_web::ResponseError::error_response(&ApiError::MethodNotAllowed {
            allowed: vec!["GET", "HEAD"],
        }),
    };
    Ok(ServiceResponse::new(req, response))
}

/// Says at start whether scans sent to intake can be read, so that an operator who expects
/// OCR sees why scans are rejected.
async fn log_ocr(settings: &Settings) {
    match haven_ocr::Tesseract::new(settings.ocr_config())
        .languages()
        .await
    {
        Ok(languages) => {
            let missing: Vec<&str> = ["nld", "eng"]
                .into_iter()
                .filter(|l| !languages.iter().any(|have| have == l))
                .collect();
            if missing.is_empty() {
                tracing::info!(
                    ?languages,
                    "OCR of scans and images: Tesseract is installed"
                );
            } else {
                tracing::warn!(
                    ?missing,
                    "OCR: Tesseract lacks language data (tesseract-ocr-nld, tesseract-ocr-eng)"
                );
            }
        }
        Err(e) => {
            tracing::info!(error = %e, "OCR of scans and images is not available; scans sent to intake are rejected")
        }
    }
}
