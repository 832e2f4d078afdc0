use std::path::PathBuf;

use haven_api::{Application, Settings};
use haven_persistence::testing::TestDatabase;

pub struct TestApp {
    pub address: String,
    /// A token some tests reuse across calls.
    pub cached_token: std::sync::OnceLock<String>,
    pub client: reqwest::Client,
    pub data_dir: PathBuf,
    pub backend: &'static str,
    /// The SMTP intake receiver's port, when `Options::smtp_intake` started it.
    pub smtp_port: Option<u16>,
    /// The port of its implicit-TLS listener, when `Options::smtp_intake_implicit_tls` asked
    /// for one.
    pub smtp_implicit_tls_port: Option<u16>,
    /// The SMTP server email goes to, when `Options::smtp_relay` asked for one.
    pub relay: Option<crate::smtp_relay::SmtpRelay>,
    _db: TestDatabase,
    _dirs: Vec<tempfile::TempDir>,
}

/// Marker text of the fake SPA build the tests serve.
pub const INDEX_HTML: &str = "<!doctype html><title>Haven test SPA</title>";
pub const API_DOCS_HTML: &str = "<!doctype html><title>Haven API reference (test)</title>";

pub struct Options {
    pub max_body_bytes: usize,
    pub with_spa: bool,
    pub operator_emails: String,
    /// `(kind, base url)` of the business register; default the offline one.
    pub business_register: Option<(String, String)>,
    /// Pool size; 2 by default, which serialises most requests. Race tests want more.
    pub database_max_connections: u32,
    /// HTTP worker threads.
    pub workers: usize,
    /// `max_organizations_per_environment`; the built-in default when `None`.
    pub max_organizations: Option<u64>,
    pub metrics_enabled: bool,
    pub metrics_token: Option<String>,
    /// `connection_requests_per_minute`; the built-in default when `None`.
    pub connection_requests_per_minute: Option<u32>,
    /// `token_requests_per_minute_per_client`; the built-in default when `None`.
    pub token_requests_per_minute_per_client: Option<u32>,
    /// `partner_requests_per_hour`; the built-in default when `None`.
    pub partner_requests_per_hour: Option<u32>,
    /// `hook_retry_schedule`; seconds by default, so that retries happen within a test.
    pub hook_retry_schedule: String,
    /// `hook_insecure_hosts`: the tests' receivers listen on 127.0.0.1 over plain http.
    pub hook_insecure_hosts: String,
    /// `inbound_email_secret`.
    pub inbound_email_secret: Option<String>,
    /// Starts the SMTP intake receiver on a free port.
    pub smtp_intake: bool,
    /// Sends email over SMTP to a relay the test starts (which also writes every message into
    /// the outbox directory), instead of writing the outbox itself.
    pub smtp_relay: bool,
    /// `hook_mails_per_hour`; the built-in default when `None`.
    pub hook_mails_per_hour: Option<u32>,
    /// Serves Haven's SMP with these files and AS4 URL.
    pub peppol_smp: Option<SmpFiles>,
    /// `ocr_command`; the built-in default (`tesseract`) when `None`.
    pub ocr_command: Option<String>,
    /// STARTTLS on the SMTP intake receiver: certificate and key files (PEM), and whether
    /// TLS is required before MAIL.
    pub smtp_intake_tls: Option<(PathBuf, PathBuf, bool)>,
    /// Also starts the receiver's implicit-TLS listener (needs `smtp_intake_tls`).
    pub smtp_intake_implicit_tls: bool,
    /// Receives AS4 messages with these files.
    pub peppol_as4: Option<As4Files>,
    /// Sends over Peppol (with the `peppol_as4` key) to these `peppol_static_endpoints`,
    /// allowing plain http to 127.0.0.1.
    pub peppol_static_endpoints: Option<String>,
    /// Finds Peppol receivers through this SML zone and DNS server and their SMPs (signed by
    /// the CA in the trust file), allowing plain http to 127.0.0.1.
    pub peppol_sml: Option<SmlSettings>,
    /// The port to listen on; 0 for a free one.
    pub port: u16,
    /// `intake_max_message_bytes`; the built-in default when `None`.
    pub intake_max_message_bytes: Option<u64>,
    /// `intake_max_invoices`; the built-in default when `None`.
    pub intake_max_invoices: Option<u32>,
    /// `intake_ocr_budget_seconds`; the built-in default when `None`.
    pub intake_ocr_budget_seconds: Option<u64>,
    /// `peppol_as4_requests_per_minute_per_ip`; the built-in default when `None`.
    pub peppol_as4_requests_per_minute_per_ip: Option<u32>,
    /// `peppol_as4_max_decompressed_bytes`; the built-in default when `None`.
    pub peppol_as4_max_decompressed_bytes: Option<u64>,
    /// `peppol_directory` and `peppol_directory_ca_file`: a fake Directory's base URL and the
    /// CA of its server certificate.
    pub peppol_directory: Option<(String, PathBuf)>,
    /// `intake_sender_authentication`; `off` when `None`, not the built-in `enforce`: the
    /// intake tests mail from made-up domains on 127.0.0.1 without DKIM, which no DNS
    /// vouches for. The sender authentication tests set it with their own DNS server.
    pub intake_sender_authentication: Option<String>,
    /// `intake_dns_servers`: the tests' DNS server publishing SPF, DKIM and DMARC records.
    pub intake_dns_server: Option<std::net::SocketAddr>,
    /// `intake_authserv_id`.
    pub intake_authserv_id: Option<String>,
    /// Registers participants in this SML (with the `peppol_smp` key and certificate).
    pub peppol_sml_registration: Option<SmlRegistrationSettings>,
    /// `peppol_ap_previous_key_file` and `peppol_ap_previous_certificate_file`.
    pub peppol_ap_previous: Option<(PathBuf, PathBuf)>,
    /// `peppol_certificate_reload_secs`; the built-in default when `None`.
    pub peppol_certificate_reload_secs: Option<u64>,
    /// `peppol_reporting_send`.
    pub peppol_reporting_send: bool,
    /// `peppol_smp_next_certificate_file` and the `peppol_smp_trust_file` it is checked
    /// against (when `peppol_sml` does not set that).
    pub peppol_smp_next_certificate: Option<(PathBuf, PathBuf)>,
}

/// The settings of SML registration.
#[derive(Clone)]
pub struct SmlRegistrationSettings {
    pub url: String,
    pub smp_id: String,
    /// The CA of the SML's TLS certificate.
    pub trust_file: PathBuf,
}

/// The settings of the `sml` locator.
#[derive(Clone)]
pub struct SmlSettings {
    pub zone: String,
    pub dns_server: std::net::SocketAddr,
    pub smp_trust_file: PathBuf,
}

/// The settings of Haven's AS4 receiving.
#[derive(Clone)]
pub struct As4Files {
    pub key_file: PathBuf,
    pub certificate_file: PathBuf,
    pub trust_file: PathBuf,
}

/// The settings of Haven's own SMP.
#[derive(Clone)]
pub struct SmpFiles {
    pub key_file: PathBuf,
    pub certificate_file: PathBuf,
    pub ap_certificate_file: PathBuf,
    pub as4_url: String,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            max_body_bytes: 25 * 1024 * 1024,
            with_spa: true,
            operator_emails: "operator@haven.test".into(),
            business_register: None,
            database_max_connections: 2,
            workers: 1,
            max_organizations: None,
            metrics_enabled: false,
            metrics_token: None,
            peppol_directory: None,
            connection_requests_per_minute: None,
            token_requests_per_minute_per_client: None,
            partner_requests_per_hour: None,
            hook_retry_schedule: "1s,1s".into(),
            hook_insecure_hosts: "127.0.0.1".into(),
            inbound_email_secret: None,
            smtp_intake: false,
            smtp_relay: false,
            hook_mails_per_hour: None,
            peppol_smp: None,
            ocr_command: None,
            smtp_intake_tls: None,
            smtp_intake_implicit_tls: false,
            peppol_as4: None,
            peppol_static_endpoints: None,
            peppol_sml: None,
            port: 0,
            intake_max_message_bytes: None,
            intake_max_invoices: None,
            intake_ocr_budget_seconds: None,
            peppol_as4_requests_per_minute_per_ip: None,
            peppol_as4_max_decompressed_bytes: None,
            intake_sender_authentication: None,
            intake_dns_server: None,
            intake_authserv_id: None,
            peppol_sml_registration: None,
            peppol_ap_previous: None,
            peppol_certificate_reload_secs: None,
            peppol_reporting_send: false,
            peppol_smp_next_certificate: None,
        }
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(Options::default()).await
}

pub async fn spawn_app_with(options: Options) -> TestApp {
    let db = TestDatabase::new().await;
    let data_dir = tempfile::tempdir().unwrap();
    let static_dir = tempfile::tempdir().unwrap();
    if options.with_spa {
        std::fs::write(static_dir.path().join("index.html"), INDEX_HTML).unwrap();
        std::fs::write(static_dir.path().join("api-docs.html"), API_DOCS_HTML).unwrap();
        std::fs::create_dir(static_dir.path().join("assets")).unwrap();
        std::fs::write(
            static_dir.path().join("assets/app.js"),
            "console.log('haven')",
        )
        .unwrap();
    }
    let relay = if options.smtp_relay {
        let relay = crate::smtp_relay::SmtpRelay::start().await;
        relay.write_into(data_dir.path().join("outbox"));
        Some(relay)
    } else {
        None
    };
    let settings = Settings {
        port: options.port,
        smtp_host: relay.as_ref().map(|_| "127.0.0.1".to_owned()),
        smtp_port: relay.as_ref().map_or(587, |r| r.port),
        smtp_tls: haven_mailer::TlsMode::None,
        hook_mails_per_hour: options
            .hook_mails_per_hour
            .unwrap_or(Settings::default().hook_mails_per_hour),
        database_url: Some(db.url.clone()),
        database_max_connections: options.database_max_connections,
        data_dir: data_dir.path().to_owned(),
        static_dir: static_dir.path().to_owned(),
        max_body_bytes: options.max_body_bytes,
        workers: options.workers,
        mail_poll_interval_ms: 20,
        public_url: "http://haven.test".into(),
        operator_emails: options.operator_emails.clone(),
        business_register: options
            .business_register
            .as_ref()
            .map_or_else(|| "offline".to_owned(), |(kind, _)| kind.clone()),
        kvk_api_url: options
            .business_register
            .as_ref()
            .map_or_else(|| "https://api.kvk.nl".to_owned(), |(_, url)| url.clone()),
        kvk_api_key: options
            .business_register
            .as_ref()
            .map(|_| haven_registry::testing::FAKE_API_KEY.to_owned()),
        max_organizations_per_environment: options
            .max_organizations
            .unwrap_or(Settings::default().max_organizations_per_environment),
        metrics_enabled: options.metrics_enabled,
        metrics_token: options.metrics_token.clone(),
        connection_requests_per_minute: options
            .connection_requests_per_minute
            .unwrap_or(Settings::default().connection_requests_per_minute),
        token_requests_per_minute_per_client: options
            .token_requests_per_minute_per_client
            .unwrap_or(Settings::default().token_requests_per_minute_per_client),
        partner_requests_per_hour: options
            .partner_requests_per_hour
            .unwrap_or(Settings::default().partner_requests_per_hour),
        hook_retry_schedule: options.hook_retry_schedule.clone(),
        hook_insecure_hosts: options.hook_insecure_hosts.clone(),
        inbound_email_secret: options.inbound_email_secret.clone(),
        smtp_intake_enabled: options.smtp_intake,
        smtp_intake_port: 0,
        smtp_intake_tls_certificate_file: options.smtp_intake_tls.as_ref().map(|t| t.0.clone()),
        smtp_intake_tls_key_file: options.smtp_intake_tls.as_ref().map(|t| t.1.clone()),
        smtp_intake_require_tls: options.smtp_intake_tls.as_ref().is_some_and(|t| t.2),
        smtp_intake_implicit_tls: options.smtp_intake_implicit_tls,
        smtp_intake_implicit_tls_port: 0,
        intake_domain: "intake.haven.test".into(),
        intake_max_message_bytes: options
            .intake_max_message_bytes
            .unwrap_or(Settings::default().intake_max_message_bytes),
        intake_max_invoices: options
            .intake_max_invoices
            .unwrap_or(Settings::default().intake_max_invoices),
        intake_ocr_budget_seconds: options
            .intake_ocr_budget_seconds
            .unwrap_or(Settings::default().intake_ocr_budget_seconds),
        peppol_as4_requests_per_minute_per_ip: options
            .peppol_as4_requests_per_minute_per_ip
            .unwrap_or(Settings::default().peppol_as4_requests_per_minute_per_ip),
        peppol_as4_max_decompressed_bytes: options
            .peppol_as4_max_decompressed_bytes
            .unwrap_or(Settings::default().peppol_as4_max_decompressed_bytes),
        intake_sender_authentication: options
            .intake_sender_authentication
            .clone()
            .unwrap_or_else(|| "off".into()),
        intake_dns_servers: options
            .intake_dns_server
            .map(|a| a.to_string())
            .unwrap_or_default(),
        intake_authserv_id: options.intake_authserv_id.clone().unwrap_or_default(),
        ocr_command: options
            .ocr_command
            .clone()
            .unwrap_or(Settings::default().ocr_command),
        peppol_smp_key_file: options.peppol_smp.as_ref().map(|s| s.key_file.clone()),
        peppol_smp_certificate_file: options
            .peppol_smp
            .as_ref()
            .map(|s| s.certificate_file.clone()),
        peppol_ap_certificate_file: options
            .peppol_smp
            .as_ref()
            .map(|s| s.ap_certificate_file.clone())
            .or_else(|| {
                options
                    .peppol_as4
                    .as_ref()
                    .map(|a| a.certificate_file.clone())
            }),
        peppol_ap_key_file: options.peppol_as4.as_ref().map(|a| a.key_file.clone()),
        peppol_ap_trust_file: options.peppol_as4.as_ref().map(|a| a.trust_file.clone()),
        peppol_as4_url: options.peppol_smp.as_ref().map(|s| s.as4_url.clone()),
        peppol_locator: if options.peppol_static_endpoints.is_some() {
            "static".into()
        } else if options.peppol_sml.is_some() {
            "sml".into()
        } else {
            "none".into()
        },
        peppol_sml_zone: options
            .peppol_sml
            .as_ref()
            .map_or_else(|| "production".to_owned(), |s| s.zone.clone()),
        peppol_dns_servers: options
            .peppol_sml
            .as_ref()
            .map(|s| s.dns_server.to_string())
            .unwrap_or_default(),
        peppol_smp_trust_file: options
            .peppol_sml
            .as_ref()
            .map(|s| s.smp_trust_file.clone())
            .or_else(|| {
                options
                    .peppol_smp_next_certificate
                    .as_ref()
                    .map(|(_, trust)| trust.clone())
            }),
        peppol_smp_next_certificate_file: options
            .peppol_smp_next_certificate
            .as_ref()
            .map(|(next, _)| next.clone()),
        peppol_smp_insecure_hosts: "127.0.0.1".into(),
        peppol_static_endpoints: options.peppol_static_endpoints.clone().unwrap_or_default(),
        peppol_as4_insecure_hosts: "127.0.0.1".into(),
        peppol_revocation_insecure_hosts: "127.0.0.1".into(),
        peppol_as4_timeout_secs: 10,
        peppol_sml_registration: options.peppol_sml_registration.is_some(),
        peppol_reporting_send: options.peppol_reporting_send,
        peppol_sml_url: options
            .peppol_sml_registration
            .as_ref()
            .map_or_else(|| "production".to_owned(), |s| s.url.clone()),
        peppol_smp_id: options
            .peppol_sml_registration
            .as_ref()
            .map(|s| s.smp_id.clone()),
        peppol_sml_trust_file: options
            .peppol_sml_registration
            .as_ref()
            .map(|s| s.trust_file.clone()),
        peppol_directory: options
            .peppol_directory
            .as_ref()
            .map(|(url, _)| url.clone())
            .unwrap_or_default(),
        peppol_directory_ca_file: options.peppol_directory.as_ref().map(|(_, ca)| ca.clone()),
        peppol_ap_previous_key_file: options.peppol_ap_previous.as_ref().map(|p| p.0.clone()),
        peppol_ap_previous_certificate_file: options
            .peppol_ap_previous
            .as_ref()
            .map(|p| p.1.clone()),
        peppol_certificate_reload_secs: options
            .peppol_certificate_reload_secs
            .unwrap_or(Settings::default().peppol_certificate_reload_secs),
        ..Settings::default()
    };
    if std::env::var_os("TEST_LOG").is_some() {
        haven_api::telemetry::init(haven_api::config::LogFormat::Pretty, "debug");
    }
    let app = Application::build(settings).await.expect("the app builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    let smtp_port = app.smtp_port();
    let smtp_implicit_tls_port = app.smtp_implicit_tls_port();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        cached_token: std::sync::OnceLock::new(),
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        data_dir: data_dir.path().to_owned(),
        backend: db.backend_name(),
        smtp_port,
        smtp_implicit_tls_port,
        relay,
        _db: db,
        _dirs: vec![data_dir, static_dir],
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// Makes the queued jobs of `kind` due now (their backoff is minutes).
    pub async fn make_jobs_due(&self, kind: &str) {
        self._db.make_jobs_due(kind).await;
    }

    /// Makes the queued jobs of `kind` due now, at their last attempt.
    pub async fn make_jobs_due_for_the_last_time(&self, kind: &str) {
        self._db.make_jobs_due_for_the_last_time(kind).await;
    }

    /// The app's database through a pool of its own (as a second instance would see it), to
    /// set up states the API cannot reach, such as a job that died.
    pub fn database(&self) -> &haven_persistence::Database {
        &self._db.db
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }
}

/// Asserts the shape every error body has, and returns it.
pub async fn assert_error_body(
    response: reqwest::Response,
    status: u16,
    code: &str,
) -> serde_json::Value {
    assert_eq!(response.status().as_u16(), status, "status");
    let request_id = response
        .headers()
        .get("x-request-id")
        .expect("x-request-id header")
        .to_str()
        .unwrap()
        .to_owned();
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        content_type.starts_with("application/json"),
        "content type {content_type}"
    );
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["code"], code, "code in {body}");
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "message in {body}"
    );
    assert_eq!(
        body["requestId"],
        request_id.as_str(),
        "request id in {body}"
    );
    assert!(
        chrono::DateTime::parse_from_rfc3339(body["dateTime"].as_str().unwrap()).is_ok(),
        "dateTime in {body}"
    );
    assert!(body["details"].is_array(), "details in {body}");
    body
}

pub const PASSWORD: &str = "correct horse battery staple";

/// A signed-in user, as the tests drive them.
/// See [`TestApp::organization_audience`].
pub struct Audience {
    pub member: Session,
    pub outsider: Session,
    pub stranger: Session,
}

pub struct Session {
    pub token: String,
    pub refresh_cookie: String,
    pub me: serde_json::Value,
}

impl Session {
    pub fn id(&self) -> String {
        self.me["id"].as_str().unwrap().to_owned()
    }
}

impl TestApp {
    pub async fn post_json(
        &self,
        path: &str,
        body: &serde_json::Value,
        token: Option<&str>,
    ) -> reqwest::Response {
        let mut request = self.client.post(self.url(path)).json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.unwrap()
    }

    /// GETs `path` as `token`'s user, expecting 200, and returns the JSON body.
    pub async fn get_json(&self, path: &str, token: &str) -> serde_json::Value {
        let response = self.send(reqwest::Method::GET, path, None, token).await;
        assert_eq!(response.status().as_u16(), 200, "GET {path}");
        response.json().await.unwrap()
    }

    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&serde_json::Value>,
        token: &str,
    ) -> reqwest::Response {
        let mut request = self
            .client
            .request(method, self.url(path))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(body);
        }
        request.send().await.unwrap()
    }

    pub fn outbox(&self) -> PathBuf {
        self.data_dir.join("outbox")
    }

    /// Waits for the `nth` (0-based) message to `address` and returns it.
    pub async fn mail(&self, address: &str, nth: usize) -> haven_mailer::testing::OutboxMail {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
        loop {
            let mails = haven_mailer::testing::outbox_for(&self.outbox(), address);
            if let Some(mail) = mails.into_iter().nth(nth) {
                return mail;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no mail #{nth} to {address}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    /// The token of the link in the `nth` message to `address` whose path is `path`.
    pub async fn link_token(&self, address: &str, nth: usize, path: &str) -> String {
        let mail = self.mail(address, nth).await;
        let link = mail
            .link_starting_with(&format!("http://haven.test{path}?token="))
            .unwrap_or_else(|| panic!("no {path} link in {}", mail.text));
        link.split("token=").nth(1).unwrap().to_owned()
    }

    /// Registers and confirms a new environment; returns its Administrator's session.
    pub async fn register_admin(&self, email: &str) -> Session {
        let response = self
            .post_json("/api/v1/auth/register", &serde_json::json!({"email": email, "password": PASSWORD, "name": "Ada Admin", "language": "en"}), None)
            .await;
        assert_eq!(response.status().as_u16(), 202);
        let token = self.link_token(email, 0, "/verify-email").await;
        let response = self
            .post_json(
                "/api/v1/auth/verify-email",
                &serde_json::json!({"token": token}),
                None,
            )
            .await;
        assert_eq!(response.status().as_u16(), 200);
        session_from(response).await
    }

    pub async fn login(&self, email: &str, password: &str) -> reqwest::Response {
        self.post_json(
            "/api/v1/auth/login",
            &serde_json::json!({"email": email, "password": password}),
            None,
        )
        .await
    }

    /// The people an organization's page is tested against, besides `admin` (who made it):
    /// a Member of organization `org_id`, a user of the same environment outside it, and an
    /// Administrator of another environment.
    pub async fn organization_audience(&self, admin: &Session, org_id: &str) -> Audience {
        let member = self
            .invite_and_accept(admin, "bob@buyer.example", "basic")
            .await;
        let added = self
            .post_json(
                &format!("/api/v1/organizations/{org_id}/members"),
                &serde_json::json!({"userId": member.id(), "role": "member"}),
                Some(&admin.token),
            )
            .await;
        assert_eq!(added.status().as_u16(), 201);
        let outsider = self
            .invite_and_accept(admin, "carl@buyer.example", "basic")
            .await;
        let stranger = self.register_admin("eve@elsewhere.example").await;
        Audience {
            member,
            outsider,
            stranger,
        }
    }

    /// Invites `email` and accepts the invitation; returns the new user's session.
    pub async fn invite_and_accept(&self, admin: &Session, email: &str, role: &str) -> Session {
        let response = self
            .post_json(
                "/api/v1/users/invitations",
                &serde_json::json!({"email": email, "role": role}),
                Some(&admin.token),
            )
            .await;
        assert_eq!(response.status().as_u16(), 201);
        let token = self.link_token(email, 0, "/invitation").await;
        let response = self
            .post_json(
                "/api/v1/auth/accept-invitation",
                &serde_json::json!({"token": token, "name": "Colleague", "password": PASSWORD}),
                None,
            )
            .await;
        assert_eq!(response.status().as_u16(), 200);
        session_from(response).await
    }
}

pub async fn session_from(response: reqwest::Response) -> Session {
    let refresh_cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("haven_refresh="))
        .expect("refresh cookie");
    let body: serde_json::Value = response.json().await.unwrap();
    Session {
        token: body["accessToken"].as_str().unwrap().to_owned(),
        refresh_cookie,
        me: body["user"].clone(),
    }
}

impl TestApp {
    /// Activates an organization by the code mailed to the register's `contact` (its `nth`
    /// message there), and returns the organization as the last call answered it.
    pub async fn activate_by_code(
        &self,
        admin: &Session,
        org_id: &str,
        contact: &str,
        nth: usize,
    ) -> serde_json::Value {
        let response = self
            .send(
                reqwest::Method::POST,
                &format!("/api/v1/organizations/{org_id}/activation"),
                Some(&serde_json::json!({"method": "email_code"})),
                &admin.token,
            )
            .await;
        assert_eq!(response.status().as_u16(), 200, "activation requested");
        let code: String = self
            .mail(contact, nth)
            .await
            .text
            .lines()
            .find(|l| l.contains("code:") || l.contains("Activatiecode:"))
            .expect("a code in the mail")
            .chars()
            .filter(char::is_ascii_digit)
            .collect();
        let response = self
            .send(
                reqwest::Method::POST,
                &format!("/api/v1/organizations/{org_id}/activation/code"),
                Some(&serde_json::json!({"code": code})),
                &admin.token,
            )
            .await;
        assert_eq!(response.status().as_u16(), 200, "activation");
        response.json().await.unwrap()
    }
}
