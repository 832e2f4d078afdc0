//! Configuration: built-in defaults, then an optional TOML file, then `HAVEN_*` environment
//! variables, each layer overriding the one before.

use std::{
    path::{Path, PathBuf},
    sync::Arc,
};

use figment::{
    providers::{Format, Serialized, Toml},
    Figment,
};
pub use haven_mailer::TlsMode;
use serde::{Deserialize, Serialize};

/// Environment variable prefix for every setting (`HAVEN_PORT`, `HAVEN_DATABASE_URL`, …).
pub const ENV_PREFIX: &str = "HAVEN_";
/// Names the configuration file; defaults to `haven.toml` in the working directory when present.
pub const CONFIG_FILE_VAR: &str = "HAVEN_CONFIG";
const DEFAULT_CONFIG_FILE: &str = "haven.toml";
/// Variables with our prefix that are not settings but are read elsewhere.
const NON_SETTING_VARS: &[&str] = &[
    "HAVEN_CONFIG",
    "HAVEN_TEST_DATABASE_URL",
    "HAVEN_TESTDATA",
    "HAVEN_BIN",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Coloured, multi-line output for people at a terminal.
    Pretty,
    /// One JSON object per line, for log collectors.
    Json,
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Address to listen on.
    pub host: String,
    /// Port to listen on; 0 picks a free one.
    pub port: u16,
    /// `sqlite://…` or `postgres://…`. Defaults to a SQLite file in `data_dir`.
    pub database_url: Option<String>,
    /// Maximum pooled database connections.
    pub database_max_connections: u32,
    /// Where Haven keeps its files: the SQLite database, the generated signing key, the outbox.
    pub data_dir: PathBuf,
    /// The built SPA (`frontend/dist`). The API runs without it.
    pub static_dir: PathBuf,
    pub log_format: LogFormat,
    /// `tracing` filter directives, e.g. `info` or `haven_api=debug,info`.
    pub log_level: String,
    /// Largest accepted request body in bytes; larger bodies get 413.
    pub max_body_bytes: usize,
    /// HMAC key for access tokens. Generated and kept in `data_dir` when not set.
    pub jwt_secret: Option<String>,
    /// Seconds in-flight requests get to finish on shutdown.
    pub shutdown_timeout_secs: u64,
    /// HTTP worker threads; 0 means one per core.
    pub workers: usize,
    /// The address people reach Haven at; links in emails start with it.
    pub public_url: String,
    /// Price per received document (decimal, EUR), shown when choosing to receive.
    pub receiving_price_per_document: String,
    /// Platform operators (comma-separated email addresses): they review organization
    /// activations across all environments.
    pub operator_emails: String,
    /// Most organizations one environment may add.
    pub max_organizations_per_environment: u64,
    /// `offline` (embedded register of fictitious companies) or `kvk` (the KvK API).
    pub business_register: String,
    /// Base URL of the KvK API.
    pub kvk_api_url: String,
    /// API key for the KvK API (needed with `business_register = "kvk"`).
    pub kvk_api_key: Option<String>,
    /// Extra root certificates for the KvK API's TLS chain: a PEM file (one or more) or a DER
    /// file (one). Haven refuses to start when it holds no certificate.
    pub kvk_ca_file: Option<PathBuf>,
    /// The `From` of every email, e.g. `Haven <no-reply@example.com>`.
    pub mail_from: String,
    /// SMTP relay host. When unset, emails are written as `.eml` files into `<data_dir>/outbox`.
    pub smtp_host: Option<String>,
    pub smtp_port: u16,
    /// `starttls` (required upgrade), `tls` (implicit TLS, usually port 465) or `none`.
    pub smtp_tls: TlsMode,
    pub smtp_username: Option<String>,
    pub smtp_password: Option<String>,
    /// How often the job worker looks for due jobs (email and every other kind) when idle, in
    /// milliseconds. The name predates the job queue; it is kept so configurations keep working.
    pub mail_poll_interval_ms: u64,
    /// How long a claimed job belongs to the instance that claimed it, in seconds. A job whose
    /// instance died is run again by another one after this; it must exceed the longest run.
    pub job_lease_secs: u64,
    /// Background jobs one instance runs at a time, webhook deliveries apart (document
    /// delivery, email, intake, housekeeping). Concurrent deliveries store their received
    /// copies in shared transactions, so more slots mean fewer, larger commits.
    pub job_concurrency: u32,
    /// Webhook deliveries one instance runs at a time, on their own slots: they wait on other
    /// parties' servers rather than on this machine, and a slow or dead receiver must not take
    /// the slots that deliver documents.
    pub hook_concurrency: u32,
    /// Serve Prometheus metrics at `/metrics`.
    pub metrics_enabled: bool,
    /// When set, `/metrics` requires `Authorization: Bearer <metrics_token>`.
    pub metrics_token: Option<String>,
    /// Where document bytes live: `filesystem` (under `<data_dir>/documents`, one instance)
    /// or `s3` (S3-compatible object storage, for several instances; the `s3_*` settings).
    pub document_store: String,
    /// S3 endpoint for a non-AWS service (MinIO, Ceph, …); empty for AWS itself.
    pub s3_endpoint: Option<String>,
    pub s3_bucket: Option<String>,
    pub s3_region: String,
    pub s3_access_key_id: Option<String>,
    pub s3_secret_access_key: Option<String>,
    /// Put before `documents/` in every key, to share a bucket.
    pub s3_key_prefix: String,
    /// Plain HTTP to the S3 endpoint (a local test server only).
    pub s3_allow_http: bool,
    /// Price per document sent (usage records), in euros.
    pub sending_price_per_document: String,
    /// Delivery attempts before an outgoing document is marked failed.
    pub delivery_max_attempts: u32,
    /// For a receiver outside this installation while Peppol is not configured: `email`
    /// (fall through to the buyer's contact email) or `wait` (stay queued for the network).
    pub peppol_fallback: String,
    /// How a Peppol receiver's access point is found: `none` (Peppol is not set up), `sml`
    /// (the SML in DNS, then the participant's SMP) or `static` (`peppol_static_endpoints`).
    /// With `peppol_ap_key_file` set too, documents are delivered over Peppol (AS4).
    pub peppol_locator: String,
    /// The SML DNS zone: `production`, `test` or the name of a local zone.
    pub peppol_sml_zone: String,
    /// Name servers for SML lookups (comma-separated `address:port`); empty: the system's.
    pub peppol_dns_servers: String,
    /// How long one SML DNS question may take, in milliseconds.
    pub peppol_dns_timeout_ms: u64,
    /// PEM file with the certificates that SMP signing certificates must be issued by (the
    /// Peppol SMP CA of the network); required with `peppol_locator = "sml"`.
    pub peppol_smp_trust_file: Option<PathBuf>,
    /// Hosts an SMP may be reached at over plain http and at loopback or private addresses
    /// (comma-separated; a local SMP, tests).
    pub peppol_smp_insecure_hosts: String,
    /// Seconds a discovery answer (an endpoint, or "not registered") is kept.
    pub peppol_discovery_cache_secs: u64,
    /// With `peppol_locator = "static"`: comma-separated entries of a participant, the AS4
    /// URL of its access point and a file with that access point's certificate, separated by
    /// spaces (`0106:12345678 https://ap.example/as4 /etc/haven/ap.pem`).
    pub peppol_static_endpoints: String,
    /// Haven's own SMP: the SMP certificate's private key (PKCS#8 PEM). When set, Haven serves
    /// signed service metadata for its receiving participants at `<public_url>/smp`.
    pub peppol_smp_key_file: Option<PathBuf>,
    /// The SMP certificate (PEM) that signs the metadata.
    pub peppol_smp_certificate_file: Option<PathBuf>,
    /// Instead of `peppol_smp_key_file` and `peppol_smp_certificate_file`: a PKCS#12 file
    /// (`.p12`, `.pfx`) with the SMP key and its certificate chain.
    pub peppol_smp_pkcs12_file: Option<PathBuf>,
    /// The password of `peppol_smp_pkcs12_file` (a secret: never logged).
    pub peppol_smp_pkcs12_password: Option<String>,
    /// The access point certificate (PEM) the SMP publishes for senders to encrypt to.
    pub peppol_ap_certificate_file: Option<PathBuf>,
    /// The AS4 endpoint URL the SMP publishes.
    pub peppol_as4_url: Option<String>,
    /// AS4 receiving: the access point certificate's private key (PKCS#8 PEM). When set,
    /// Haven receives Peppol AS4 messages at `<public_url>/as4`; `peppol_ap_certificate_file`
    /// and `peppol_ap_trust_file` are then required.
    pub peppol_ap_key_file: Option<PathBuf>,
    /// Instead of `peppol_ap_key_file` and `peppol_ap_certificate_file`: a PKCS#12 file
    /// (`.p12`, `.pfx`) with the access point key and its certificate chain.
    pub peppol_ap_pkcs12_file: Option<PathBuf>,
    /// The password of `peppol_ap_pkcs12_file` (a secret: never logged).
    pub peppol_ap_pkcs12_password: Option<String>,
    /// PEM file with the AP CA certificates that senders' certificates must be issued by (the
    /// Peppol AP CA of the network).
    pub peppol_ap_trust_file: Option<PathBuf>,
    /// During a certificate rollover: the previous access point certificate's private key
    /// (PKCS#8 PEM), kept to decrypt messages senders still encrypt to the old certificate.
    pub peppol_ap_previous_key_file: Option<PathBuf>,
    /// The previous access point certificate (PEM), with `peppol_ap_previous_key_file`.
    pub peppol_ap_previous_certificate_file: Option<PathBuf>,
    /// Instead of the two above: a PKCS#12 file with the previous key and its certificate.
    pub peppol_ap_previous_pkcs12_file: Option<PathBuf>,
    /// The password of `peppol_ap_previous_pkcs12_file` (a secret: never logged).
    pub peppol_ap_previous_pkcs12_password: Option<String>,
    /// Seconds between two looks at the access point's and the SMP's key and certificate files;
    /// a renewed file is taken into use without a restart. 0: read at start only.
    pub peppol_certificate_reload_secs: u64,
    /// The largest payload an AS4 message may decompress to, in bytes.
    pub peppol_as4_max_decompressed_bytes: u64,
    /// Hosts a receiving access point may be posted to over plain http and at loopback or
    /// private addresses (comma-separated; a local access point, tests).
    pub peppol_as4_insecure_hosts: String,
    /// Seconds one AS4 post may take (connection and answer), from 10 to 30; a large message
    /// gets one more second per 256 KiB for its upload.
    pub peppol_as4_timeout_secs: u64,
    /// Revocation checks (OCSP, then CRL) of AP certificates, of senders when receiving and
    /// of receivers before sending: `off`; `soft` (revoked is refused, an unknown status is
    /// accepted with a warning); `hard` (anything but good is refused).
    pub peppol_revocation: String,
    /// Hosts an OCSP responder or CRL may be fetched from at loopback or private addresses
    /// (comma-separated; a local CA, tests). Plain http is allowed for all: answers are signed.
    pub peppol_revocation_insecure_hosts: String,
    /// Seconds one OCSP or CRL fetch may take, from 1 to 30.
    pub peppol_revocation_timeout_secs: u64,
    /// Whether an OCSP answer must echo the nonce Haven sends (RFC 8954). Off by default:
    /// responders that serve pre-produced answers (the lightweight profile of RFC 5019) leave
    /// it out; an answer with another nonce is refused either way.
    pub peppol_revocation_ocsp_nonce_required: bool,
    /// The Peppol Directory that Haven's SMP tells about its listed participants: empty (off),
    /// `production` (`https://directory.peppol.eu`), `test`
    /// (`https://test-directory.peppol.eu`) or an https base URL. Needs the SMP
    /// (`peppol_smp_key_file`), whose certificate is the TLS client certificate.
    pub peppol_directory: String,
    /// PEM file with certificate authorities the Directory's server certificate may be issued
    /// by, besides the public ones (a private Directory, tests).
    pub peppol_directory_ca_file: Option<PathBuf>,
    /// SML registration: when on, Haven creates the participant ids its SMP publishes in the
    /// SML and deletes those it stops publishing (jobs `sml_register`, `sml_unregister`,
    /// `sml_reconcile`), over mutual TLS with the SMP certificate. Off: nothing is called.
    pub peppol_sml_registration: bool,
    /// The SML's management interface: `production`, `test` (SMK) or an https base URL.
    pub peppol_sml_url: String,
    /// Haven's SMP id at the SML (required with `peppol_sml_registration`; never change it).
    pub peppol_smp_id: Option<String>,
    /// PEM file with extra CA certificates trusted for the SML's TLS certificate (a local SML,
    /// tests); the public roots are trusted as well.
    pub peppol_sml_trust_file: Option<PathBuf>,
    /// The SMP's next certificate (PEM), during a renewal: checked against
    /// `peppol_smp_trust_file` and announced to the SML (`PrepareChangeCertificate`) when an
    /// operator asks. Read when used, so it may be put in place while running.
    pub peppol_smp_next_certificate_file: Option<PathBuf>,
    /// Days before the end of the access point's or SMP's certificate from which operators
    /// are warned (their page, the log, the installation's audit log daily).
    pub peppol_certificate_warning_days: u32,
    /// Send each month's Peppol reports (TSR and EUSR) to OpenPeppol over the Peppol network
    /// once the month has ended (job `send_peppol_report`). Needs AS4 sending (the access
    /// point key and a locator). Off: the reports are only downloaded.
    pub peppol_reporting_send: bool,
    /// Days a private link in an invoice email stays valid.
    pub shared_link_days: u32,
    /// When the originals of documents are removed (metadata and history stay), per direction
    /// and status: `outgoing:delivered=3650, outgoing:*=730, incoming:*=3650`. Empty: keep
    /// everything.
    pub retention: String,
    /// Requests per minute one connection key may make (429 with `Retry-After` above it);
    /// 0: no limit. Counted per instance.
    pub connection_requests_per_minute: u32,
    /// Token requests per minute for one client id at `POST /connect/token`.
    pub token_requests_per_minute_per_client: u32,
    /// Token requests per minute from one address at `POST /connect/token`.
    pub token_requests_per_minute_per_ip: u32,
    /// AS4 messages per minute from one address at `POST /as4` (each costs RSA work before
    /// anything is known of its sender); 0: no limit.
    pub peppol_as4_requests_per_minute_per_ip: u32,
    /// Days an authorisation request (partners) waits for the client's answer.
    pub partner_request_days: u32,
    /// Authorisation requests one environment may send per hour (429 with `Retry-After`
    /// above it); 0: no limit. Counted per instance.
    pub partner_requests_per_hour: u32,
    /// Waits between the attempts of a webhook delivery, comma-separated, each a number with
    /// `s`, `m`, `h` or `d`: `1m,5m,30m,2h,6h,24h` (seven attempts in all).
    pub hook_retry_schedule: String,
    /// Hosts webhooks may call over plain http and at loopback or private addresses
    /// (comma-separated names or addresses; development and tests only).
    pub hook_insecure_hosts: String,
    /// Messages the mail hooks (`mailto:` targets) of one environment may send per hour
    /// together; deliveries beyond it wait for the next free slot. 0: no limit.
    pub hook_mails_per_hour: u32,
    /// The mail domain of organizations' intake addresses.
    pub intake_domain: String,
    /// Local part of the purchase-invoice address, with `{kvk}`.
    pub intake_purchase_pattern: String,
    /// Local part of the sales-invoice address, with `{kvk}`.
    pub intake_sales_pattern: String,
    /// Largest message intake accepts, in bytes.
    pub intake_max_message_bytes: u64,
    /// Largest attachment intake processes, in bytes.
    pub intake_max_attachment_bytes: u64,
    /// Most invoices in one message.
    pub intake_max_invoices: u32,
    /// Images smaller than this (bytes) are taken for logos and ignored.
    pub intake_image_floor_bytes: u64,
    /// Rejection notices one sender gets per hour at most.
    pub intake_replies_per_hour: u32,
    /// Days a trusted sender's confirmation link is valid.
    pub trusted_sender_invite_days: u32,
    /// The Tesseract program that reads scanned PDFs and images sent to intake (a name on
    /// `PATH` or a path); when it is not installed, scans are rejected saying so.
    pub ocr_command: String,
    /// The `pdftoppm` program (poppler-utils) that turns scanned PDFs into page images.
    pub ocr_rasterizer: String,
    /// The longest OCR of one file may take, in seconds (its processes are killed then).
    pub ocr_timeout_seconds: u64,
    /// The first pages of a scanned PDF that OCR reads.
    pub ocr_max_pages: u32,
    /// The longest reading of the PDFs and scans of one message may take, in seconds (at most
    /// four fifths of `job_lease_secs`, so that its processing ends within the job's lease);
    /// files left when it is used up are rejected saying so.
    pub intake_ocr_budget_seconds: u64,
    /// SPF, DKIM and DMARC of intake mail: `off` (not checked), `report` (checked and shown
    /// in the intake log) or `enforce` (mail whose `From` domain is not authenticated is
    /// refused without a reply).
    pub intake_sender_authentication: String,
    /// The authserv-id of the mail server in front of `POST /api/v1/inbound-email` whose
    /// `Authentication-Results` header is believed; empty: such headers are ignored and
    /// DKIM and DMARC are checked by Haven.
    pub intake_authserv_id: String,
    /// Name servers for the DNS questions of sender authentication (comma-separated
    /// `address:port`); empty: the system's.
    pub intake_dns_servers: String,
    /// Run the built-in SMTP receiver for intake.
    pub smtp_intake_enabled: bool,
    /// Address the SMTP receiver listens on.
    pub smtp_intake_host: String,
    /// Port the SMTP receiver listens on (0 picks a free one).
    pub smtp_intake_port: u16,
    /// PEM certificate chain (leaf first) for STARTTLS on the SMTP receiver; with
    /// `smtp_intake_tls_key_file`, STARTTLS is offered.
    pub smtp_intake_tls_certificate_file: Option<PathBuf>,
    /// PEM private key of that certificate.
    pub smtp_intake_tls_key_file: Option<PathBuf>,
    /// Refuse mail over the SMTP receiver until the client has started TLS (needs the
    /// certificate and key).
    pub smtp_intake_require_tls: bool,
    /// Also listen for SMTP with implicit TLS (RFC 8314: TLS from the first byte) with the
    /// same certificate, limits and checks (needs `smtp_intake_enabled`, the certificate and
    /// the key).
    pub smtp_intake_implicit_tls: bool,
    /// Address the implicit-TLS listener binds to.
    pub smtp_intake_implicit_tls_host: String,
    /// Port of the implicit-TLS listener (0 picks a free one).
    pub smtp_intake_implicit_tls_port: u16,
    /// Shared secret of `POST /api/v1/inbound-email` (at least 32 characters); the endpoint
    /// refuses every request (401) while it is not set.
    pub inbound_email_secret: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".into(),
            port: 8080,
            database_url: None,
            database_max_connections: 10,
            data_dir: PathBuf::from("data"),
            static_dir: PathBuf::from("frontend/dist"),
            log_format: LogFormat::Pretty,
            log_level: "info".into(),
            max_body_bytes: 25 * 1024 * 1024,
            jwt_secret: None,
            shutdown_timeout_secs: 30,
            workers: 0,
            public_url: "http://127.0.0.1:8080".into(),
            receiving_price_per_document: "0.34".into(),
            operator_emails: String::new(),
            max_organizations_per_environment: 25,
            business_register: "offline".into(),
            kvk_api_url: "https://api.kvk.nl".into(),
            kvk_api_key: None,
            kvk_ca_file: None,
            mail_from: "Haven <no-reply@haven.invalid>".into(),
            smtp_host: None,
            smtp_port: 587,
            smtp_tls: TlsMode::Starttls,
            smtp_username: None,
            smtp_password: None,
            mail_poll_interval_ms: 1000,
            job_lease_secs: 300,
            job_concurrency: 16,
            hook_concurrency: 16,
            metrics_enabled: false,
            metrics_token: None,
            document_store: "filesystem".into(),
            s3_endpoint: None,
            s3_bucket: None,
            s3_region: "us-east-1".into(),
            s3_access_key_id: None,
            s3_secret_access_key: None,
            s3_key_prefix: String::new(),
            s3_allow_http: false,
            peppol_directory: String::new(),
            peppol_directory_ca_file: None,
            sending_price_per_document: "0.00".into(),
            delivery_max_attempts: 8,
            peppol_fallback: "email".into(),
            peppol_locator: "none".into(),
            peppol_sml_zone: "production".into(),
            peppol_dns_servers: String::new(),
            peppol_dns_timeout_ms: 5000,
            peppol_smp_trust_file: None,
            peppol_smp_insecure_hosts: String::new(),
            peppol_discovery_cache_secs: 600,
            peppol_static_endpoints: String::new(),
            peppol_smp_key_file: None,
            peppol_smp_certificate_file: None,
            peppol_smp_pkcs12_file: None,
            peppol_smp_pkcs12_password: None,
            peppol_ap_certificate_file: None,
            peppol_as4_url: None,
            peppol_ap_key_file: None,
            peppol_ap_pkcs12_file: None,
            peppol_ap_pkcs12_password: None,
            peppol_ap_trust_file: None,
            peppol_ap_previous_key_file: None,
            peppol_ap_previous_certificate_file: None,
            peppol_ap_previous_pkcs12_file: None,
            peppol_ap_previous_pkcs12_password: None,
            peppol_certificate_reload_secs: 60,
            peppol_as4_max_decompressed_bytes: 100 * 1024 * 1024,
            peppol_as4_insecure_hosts: String::new(),
            peppol_as4_timeout_secs: 30,
            peppol_revocation: "soft".into(),
            peppol_revocation_insecure_hosts: String::new(),
            peppol_revocation_timeout_secs: 5,
            peppol_revocation_ocsp_nonce_required: false,
            peppol_sml_registration: false,
            peppol_sml_url: "production".into(),
            peppol_smp_id: None,
            peppol_sml_trust_file: None,
            peppol_smp_next_certificate_file: None,
            peppol_certificate_warning_days: 30,
            peppol_reporting_send: false,
            shared_link_days: 30,
            retention: String::new(),
            connection_requests_per_minute: 600,
            token_requests_per_minute_per_client: 20,
            token_requests_per_minute_per_ip: 60,
            peppol_as4_requests_per_minute_per_ip: 6000,
            partner_request_days: 14,
            partner_requests_per_hour: 20,
            hook_retry_schedule: "1m,5m,30m,2h,6h,24h".into(),
            hook_insecure_hosts: String::new(),
            hook_mails_per_hour: 100,
            intake_domain: "intake.localhost".into(),
            intake_purchase_pattern: "{kvk}.inkoop".into(),
            intake_sales_pattern: "{kvk}.verkoop".into(),
            intake_max_message_bytes: 35 * 1024 * 1024,
            intake_max_attachment_bytes: 10 * 1024 * 1024,
            intake_max_invoices: 50,
            intake_image_floor_bytes: 10 * 1024,
            intake_replies_per_hour: 5,
            trusted_sender_invite_days: 14,
            ocr_command: "tesseract".into(),
            ocr_rasterizer: "pdftoppm".into(),
            ocr_timeout_seconds: 120,
            ocr_max_pages: 5,
            intake_ocr_budget_seconds: 240,
            intake_sender_authentication: "enforce".into(),
            intake_authserv_id: String::new(),
            intake_dns_servers: String::new(),
            smtp_intake_enabled: false,
            smtp_intake_host: "127.0.0.1".into(),
            smtp_intake_port: 2525,
            smtp_intake_tls_certificate_file: None,
            smtp_intake_tls_key_file: None,
            smtp_intake_require_tls: false,
            smtp_intake_implicit_tls: false,
            smtp_intake_implicit_tls_host: "127.0.0.1".into(),
            smtp_intake_implicit_tls_port: 465,
            inbound_email_secret: None,
        }
    }
}

impl std::fmt::Debug for Settings {
    // Hand-written so that the signing key never reaches a log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("database", &redact_url(&self.database_url()))
            .field("data_dir", &self.data_dir)
            .field("static_dir", &self.static_dir)
            .field("log_format", &self.log_format)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("jwt_secret", &self.jwt_secret.as_ref().map(|_| "<set>"))
            .field("business_register", &self.business_register)
            .field("kvk_api_key", &self.kvk_api_key.as_ref().map(|_| "<set>"))
            .field("public_url", &self.public_url)
            .field("mail_from", &self.mail_from)
            .field("smtp_host", &self.smtp_host)
            .field("smtp_port", &self.smtp_port)
            .field("smtp_tls", &self.smtp_tls)
            .field("smtp_username", &self.smtp_username)
            .field(
                "smtp_password",
                &self.smtp_password.as_ref().map(|_| "<set>"),
            )
            .field("document_store", &self.document_store)
            .field("s3_endpoint", &self.s3_endpoint)
            .field("s3_bucket", &self.s3_bucket)
            .field(
                "s3_secret_access_key",
                &self.s3_secret_access_key.as_ref().map(|_| "<set>"),
            )
            .field(
                "inbound_email_secret",
                &self.inbound_email_secret.as_ref().map(|_| "<set>"),
            )
            .field(
                "peppol_ap_pkcs12_password",
                &self.peppol_ap_pkcs12_password.as_ref().map(|_| "<set>"),
            )
            .field(
                "peppol_ap_previous_pkcs12_password",
                &self
                    .peppol_ap_previous_pkcs12_password
                    .as_ref()
                    .map(|_| "<set>"),
            )
            .field(
                "peppol_smp_pkcs12_password",
                &self.peppol_smp_pkcs12_password.as_ref().map(|_| "<set>"),
            )
            .field("metrics_enabled", &self.metrics_enabled)
            .field(
                "metrics_token",
                &self.metrics_token.as_ref().map(|_| "<set>"),
            )
            .finish_non_exhaustive()
    }
}

/// The access point's keys, the SMP and the certificates they hold, read together.
pub struct PeppolKeyMaterial {
    pub ap_keys: Option<haven_peppol::as4::ApKeys>,
    /// `peppol_ap_trust_file`, with the AP key.
    pub ap_trust: Option<haven_peppol::xmldsig::TrustAnchors>,
    /// `peppol_smp_trust_file`, with the `sml` locator.
    pub smp_trust: Option<haven_peppol::xmldsig::TrustAnchors>,
    pub publisher: Option<haven_peppol::publisher::Publisher>,
    pub certificates: Vec<haven_domain::peppol::certificates::InstalledCertificate>,
}

/// A key and its certificates as PEM text, read from the PEM settings or a PKCS#12 file, and
/// which settings they came from (for the sentences of later checks).
struct PemKey {
    key: Vec<u8>,
    certificates: Vec<u8>,
    source: String,
}

impl PemKey {
    /// From `{prefix}_pkcs12_file` with `{prefix}_pkcs12_password`, or `{prefix}_key_file` with
    /// `{prefix}_certificate_file`; `None` when neither file is set. Only one form may be set.
    fn load(
        prefix: &str,
        key_file: Option<&PathBuf>,
        certificate_file: Option<&PathBuf>,
        pkcs12_file: Option<&PathBuf>,
        pkcs12_password: Option<&str>,
    ) -> anyhow::Result<Option<Self>> {
        let read = |name: String, path: &PathBuf| -> anyhow::Result<Vec<u8>> {
            std::fs::read(path)
                .map_err(|e| anyhow::anyhow!("{name}: cannot read {}: {e}", path.display()))
        };
        match (key_file, pkcs12_file) {
            (None, None) => Ok(None),
            (Some(_), Some(_)) => anyhow::bail!(
                "{prefix}_key_file and {prefix}_pkcs12_file are both set: use one of them"
            ),
            (Some(key_file), None) => {
                let certificate_file = certificate_file.ok_or_else(|| {
                    anyhow::anyhow!("{prefix}_certificate_file must be set with {prefix}_key_file")
                })?;
                Ok(Some(Self {
                    key: read(format!("{prefix}_key_file"), key_file)?,
                    certificates: read(format!("{prefix}_certificate_file"), certificate_file)?,
                    source: format!("{prefix}_key_file / {prefix}_certificate_file"),
                }))
            }
            (None, Some(pkcs12_file)) => {
                if certificate_file.is_some() {
                    anyhow::bail!(
                        "{prefix}_certificate_file is set with {prefix}_pkcs12_file, which holds the certificate: use one of them"
                    );
                }
                // An empty password is a password (some tools write such files); no setting
                // at all is more likely a mistake.
                let password = pkcs12_password.ok_or_else(|| {
                    anyhow::anyhow!(
                        "{prefix}_pkcs12_password must be set with {prefix}_pkcs12_file"
                    )
                })?;
                let name = format!("{prefix}_pkcs12_file");
                let data = read(name.clone(), pkcs12_file)?;
                let loaded = haven_peppol::keystore::KeyAndChain::from_pkcs12(&data, password)
                    .map_err(|e| anyhow::anyhow!("{name}: {}: {e}", pkcs12_file.display()))?;
                Ok(Some(Self {
                    key: loaded.key_pem().into_bytes(),
                    certificates: loaded.certificates_pem().into_bytes(),
                    source: name,
                }))
            }
        }
    }
}

/// The access point key of `pem`: it parses, its certificate belongs to it and names a seat id.
fn ap_key_of(pem: &PemKey) -> anyhow::Result<haven_peppol::as4::ApKey> {
    let key = haven_peppol::as4::ApKey::from_pem(&pem.key, &pem.certificates)
        .map_err(|e| anyhow::anyhow!("{}: {e}", pem.source))?;
    if !haven_peppol::as4::is_seat_id(key.seat_id()) {
        anyhow::bail!(
            "{}: the certificate's CN {} is not a Peppol seat id",
            pem.source,
            key.seat_id()
        );
    }
    if !key.key_matches_certificate() {
        anyhow::bail!(
            "{}: the private key is not the certificate's key",
            pem.source
        );
    }
    Ok(key)
}

/// `90s`, `5m`, `2h`, `1d` as a duration.
/// A comma-separated host list, trimmed and in lower case.
fn host_list(text: &str) -> Vec<String> {
    text.split(',')
        .map(|h| h.trim().to_ascii_lowercase())
        .filter(|h| !h.is_empty())
        .collect()
}

fn parse_wait(text: &str) -> anyhow::Result<std::time::Duration> {
    let split = text.len().saturating_sub(1);
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().map_err(|_| {
        anyhow::anyhow!("hook_retry_schedule: {text:?} is not a number with s, m, h or d")
    })?;
    let seconds = match unit {
        "s" => number,
        "m" => number * 60,
        "h" => number * 3600,
        "d" => number * 86_400,
        _ => anyhow::bail!("hook_retry_schedule: {text:?} needs a unit: s, m, h or d"),
    };
    Ok(std::time::Duration::from_secs(seconds))
}

/// The settings plus what loading them noticed (logged once logging is up).
#[derive(Debug)]
pub struct Loaded {
    pub settings: Settings,
    pub warnings: Vec<String>,
}

impl Settings {
    /// Loads the layers from the process environment.
    ///
    /// # Errors
    /// When the file cannot be parsed or a value has the wrong type.
    pub fn load() -> anyhow::Result<Loaded> {
        let vars: Vec<(String, String)> = std::env::vars().collect();
        let file = std::env::var_os(CONFIG_FILE_VAR).map(PathBuf::from);
        Self::load_from(file.as_deref(), &vars)
    }

    /// Loads the layers from an explicit file and variable list (testable without touching
    /// the process environment).
    ///
    /// # Errors
    /// When the named file is missing or unparsable, or a value has the wrong type.
    pub fn load_from(file: Option<&Path>, vars: &[(String, String)]) -> anyhow::Result<Loaded> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        match file {
            Some(path) => {
                anyhow::ensure!(
                    path.is_file(),
                    "configuration file {} not found",
                    path.display()
                );
                figment = figment.merge(Toml::file(path));
            }
            None if Path::new(DEFAULT_CONFIG_FILE).is_file() => {
                figment = figment.merge(Toml::file(DEFAULT_CONFIG_FILE));
            }
            None => {}
        }
        let known = setting_keys();
        let mut warnings = Vec::new();
        let mut env_values = Vec::new();
        for (name, value) in vars {
            let Some(key) = name.strip_prefix(ENV_PREFIX) else {
                continue;
            };
            if NON_SETTING_VARS.contains(&name.as_str()) {
                continue;
            }
            let key = key.to_ascii_lowercase();
            match known.iter().find(|(known_key, _)| *known_key == key) {
                Some((_, kind)) => env_values.push((key, env_value(*kind, value.clone()))),
                None => warnings.push(format!("ignoring unknown setting {name}")),
            }
        }
        let figment = env_values.into_iter().fold(figment, |f, (key, value)| {
            f.merge(Serialized::default(&key, value))
        });
        let settings: Settings = figment.extract()?;
        Ok(Loaded { settings, warnings })
    }

    /// The document store the settings choose.
    ///
    /// # Errors
    /// When the storage settings are incomplete or unknown.
    pub fn document_store_config(&self) -> anyhow::Result<haven_storage::StorageConfig> {
        use anyhow::Context;
        match self.document_store.as_str() {
            "filesystem" => Ok(haven_storage::StorageConfig::Filesystem {
                root: self.data_dir.join("documents"),
            }),
            "s3" => {
                let bucket = self
                    .s3_bucket
                    .as_deref()
                    .context("document_store = s3 needs s3_bucket")?;
                let key = self
                    .s3_access_key_id
                    .as_deref()
                    .context("document_store = s3 needs s3_access_key_id")?;
                let secret = self
                    .s3_secret_access_key
                    .as_deref()
                    .context("document_store = s3 needs s3_secret_access_key")?;
                let mut config = haven_storage::S3Config::new(bucket, key, secret);
                config.endpoint = self.s3_endpoint.clone().filter(|e| !e.is_empty());
                config.region = self.s3_region.clone();
                config.key_prefix = self.s3_key_prefix.clone();
                config.allow_http = self.s3_allow_http;
                Ok(haven_storage::StorageConfig::S3(config))
            }
            other => anyhow::bail!("document_store must be filesystem or s3, not {other:?}"),
        }
    }

    /// The behaviour of delivery for unconfigured Peppol, from `peppol_fallback`.
    ///
    /// # Errors
    /// For a value other than `email` or `wait`.
    pub fn peppol_fallback(
        &self,
    ) -> anyhow::Result<haven_domain::documents::delivery::PeppolFallback> {
        use haven_domain::documents::delivery::PeppolFallback;
        match self.peppol_fallback.as_str() {
            "email" => Ok(PeppolFallback::Email),
            "wait" => Ok(PeppolFallback::Wait),
            other => anyhow::bail!("peppol_fallback must be email or wait, not {other:?}"),
        }
    }

    /// Peppol discovery (how a receiver's access point is found), checked.
    ///
    /// # Errors
    /// When `peppol_locator`, `peppol_sml_zone` or `peppol_dns_servers` has a value that is
    /// not one of theirs.
    pub fn peppol_discovery(&self) -> anyhow::Result<haven_peppol::config::DiscoverySettings> {
        use haven_peppol::config::{parse_dns_servers, parse_zone, DiscoverySettings, LocatorKind};
        let locator = LocatorKind::parse(&self.peppol_locator)
            .map_err(|e| anyhow::anyhow!("peppol_locator: {e}"))?;
        let zone = parse_zone(&self.peppol_sml_zone)
            .map_err(|e| anyhow::anyhow!("peppol_sml_zone: {e}"))?;
        let dns_servers = parse_dns_servers(&self.peppol_dns_servers)
            .map_err(|e| anyhow::anyhow!("peppol_dns_servers: {e}"))?;
        Ok(DiscoverySettings {
            locator,
            zone,
            dns_servers,
            dns_timeout: std::time::Duration::from_millis(self.peppol_dns_timeout_ms.max(1)),
            smp_trust_file: self.peppol_smp_trust_file.clone(),
            smp_insecure_hosts: self
                .peppol_smp_insecure_hosts
                .split(',')
                .map(|h| h.trim().to_ascii_lowercase())
                .filter(|h| !h.is_empty())
                .collect(),
            cache_ttl: std::time::Duration::from_secs(self.peppol_discovery_cache_secs),
            static_endpoints: self.peppol_static_endpoints.clone(),
        })
    }

    /// The access point's key (PEM), from `peppol_ap_pkcs12_file` or `peppol_ap_key_file` with
    /// `peppol_ap_certificate_file`; `None` when neither is set.
    ///
    /// # Errors
    /// A sentence naming the setting that is missing, conflicting or whose file is unusable.
    fn peppol_ap_pem(&self) -> anyhow::Result<Option<PemKey>> {
        PemKey::load(
            "peppol_ap",
            self.peppol_ap_key_file.as_ref(),
            self.peppol_ap_certificate_file.as_ref(),
            self.peppol_ap_pkcs12_file.as_ref(),
            self.peppol_ap_pkcs12_password.as_deref(),
        )
    }

    /// The SMP key (PEM), from `peppol_smp_pkcs12_file` or `peppol_smp_key_file` with
    /// `peppol_smp_certificate_file`; `None` when neither is set.
    ///
    /// # Errors
    /// A sentence naming the setting that is missing, conflicting or whose file is unusable.
    fn peppol_smp_pem(&self) -> anyhow::Result<Option<PemKey>> {
        PemKey::load(
            "peppol_smp",
            self.peppol_smp_key_file.as_ref(),
            self.peppol_smp_certificate_file.as_ref(),
            self.peppol_smp_pkcs12_file.as_ref(),
            self.peppol_smp_pkcs12_password.as_deref(),
        )
    }

    /// The access point's keys (the current one, and the previous one of a rollover) and the
    /// AP CAs, for AS4 receiving and sending; `None` when neither `peppol_ap_key_file` nor
    /// `peppol_ap_pkcs12_file` is set.
    ///
    /// # Errors
    /// A sentence naming the setting that is missing or whose file does not read or parse,
    /// and for the previous key one whose certificate is not a valid AP certificate now.
    fn peppol_ap(
        &self,
    ) -> anyhow::Result<
        Option<(
            haven_peppol::as4::ApKeys,
            haven_peppol::xmldsig::TrustAnchors,
        )>,
    > {
        let previous = PemKey::load(
            "peppol_ap_previous",
            self.peppol_ap_previous_key_file.as_ref(),
            self.peppol_ap_previous_certificate_file.as_ref(),
            self.peppol_ap_previous_pkcs12_file.as_ref(),
            self.peppol_ap_previous_pkcs12_password.as_deref(),
        )?;
        let Some(pem) = self.peppol_ap_pem()? else {
            if previous.is_some() {
                anyhow::bail!(
                    "peppol_ap_previous_key_file (or peppol_ap_previous_pkcs12_file) is set without the current access point key (peppol_ap_key_file or peppol_ap_pkcs12_file)"
                );
            }
            return Ok(None);
        };
        let key = ap_key_of(&pem)?;
        let trust_file = self.peppol_ap_trust_file.as_ref().ok_or_else(|| {
            anyhow::anyhow!("peppol_ap_trust_file must be set with the access point key")
        })?;
        let trust_pem = std::fs::read(trust_file).map_err(|e| {
            anyhow::anyhow!(
                "peppol_ap_trust_file: cannot read {}: {e}",
                trust_file.display()
            )
        })?;
        let ap_trust = haven_peppol::xmldsig::TrustAnchors::from_pem(&trust_pem)
            .map_err(|e| anyhow::anyhow!("peppol_ap_trust_file: {e}"))?;
        let previous = match previous {
            None => None,
            Some(pem) => {
                let previous = ap_key_of(&pem)?;
                // Senders only encrypt to an AP certificate they accept, so a previous key is
                // of use only while its certificate is one.
                ap_trust
                    .check(previous.certificate(), chrono::Utc::now().timestamp())
                    .map_err(|e| {
                        anyhow::anyhow!(
                            "{}: not a valid access point certificate under peppol_ap_trust_file: {e}",
                            pem.source
                        )
                    })?;
                if previous.seat_id() != key.seat_id() {
                    anyhow::bail!(
                        "{}: the certificate is {}'s, the current access point certificate {}'s",
                        pem.source,
                        previous.seat_id(),
                        key.seat_id()
                    );
                }
                Some(previous)
            }
        };
        Ok(Some((
            haven_peppol::as4::ApKeys {
                current: key,
                previous,
            },
            ap_trust,
        )))
    }

    /// The installation's own certificates (the access point's, its previous one during a
    /// rollover, and the SMP's, where set), for the expiry warnings.
    ///
    /// # Errors
    /// As [`Settings::peppol_as4_sender`] and [`Settings::peppol_publisher`].
    pub fn peppol_certificates(
        &self,
    ) -> anyhow::Result<Vec<haven_domain::peppol::certificates::InstalledCertificate>> {
        Ok(self.peppol_key_material(false)?.certificates)
    }

    /// Every key and certificate file of the access point and the SMP, read and checked
    /// together: what a reload replaces at once. `renewal` also asks that the current access
    /// point certificate be valid now under `peppol_ap_trust_file`, as a replacement must be
    /// before it is taken into use.
    ///
    /// # Errors
    /// A sentence naming the setting whose file is missing, unreadable or unusable.
    pub fn peppol_key_material(&self, renewal: bool) -> anyhow::Result<PeppolKeyMaterial> {
        use haven_domain::peppol::certificates::CertificatePurpose;
        let describe = |purpose: CertificatePurpose, der: &[u8]| {
            haven_peppol::certificates::describe(purpose, der)
                .map_err(|e| anyhow::anyhow!("the {} certificate: {e}", purpose.as_str()))
        };
        let mut certificates = Vec::new();
        let ap = self.peppol_ap()?;
        if let Some((keys, trust)) = &ap {
            if renewal {
                trust
                    .check(keys.current.certificate(), chrono::Utc::now().timestamp())
                    .map_err(|e| {
                        anyhow::anyhow!(
                            "peppol_ap_key_file / peppol_ap_pkcs12_file: not a valid access point certificate under peppol_ap_trust_file: {e}"
                        )
                    })?;
            }
            certificates.push(describe(
                CertificatePurpose::AccessPoint,
                keys.current.certificate(),
            )?);
            if let Some(previous) = &keys.previous {
                certificates.push(describe(
                    CertificatePurpose::AccessPointPrevious,
                    previous.certificate(),
                )?);
            }
        }
        let publisher = self.peppol_publisher()?;
        if let Some(publisher) = &publisher {
            // An SMP-only installation still publishes the access point's certificate.
            if ap.is_none() {
                certificates.push(describe(
                    CertificatePurpose::AccessPoint,
                    &publisher.ap_certificate,
                )?);
            }
            certificates.push(describe(
                CertificatePurpose::Smp,
                publisher.key.certificate(),
            )?);
        }
        let smp_trust = self.peppol_smp_trust()?;
        let (ap_keys, ap_trust) =
            ap.map_or((None, None), |(keys, trust)| (Some(keys), Some(trust)));
        Ok(PeppolKeyMaterial {
            ap_keys,
            ap_trust,
            smp_trust,
            publisher,
            certificates,
        })
    }

    /// The SMP CAs (`peppol_smp_trust_file`) when the `sml` locator uses them, read as the
    /// locator reads them at start.
    ///
    /// # Errors
    /// A sentence naming the setting when the file cannot be read or holds no usable anchor.
    fn peppol_smp_trust(&self) -> anyhow::Result<Option<haven_peppol::xmldsig::TrustAnchors>> {
        let sml = haven_peppol::config::LocatorKind::parse(&self.peppol_locator)
            .is_ok_and(|kind| kind == haven_peppol::config::LocatorKind::Network);
        let (true, Some(path)) = (sml, &self.peppol_smp_trust_file) else {
            return Ok(None);
        };
        let pem = std::fs::read(path).map_err(|e| {
            anyhow::anyhow!("peppol_smp_trust_file: cannot read {}: {e}", path.display())
        })?;
        haven_peppol::xmldsig::TrustAnchors::from_pem(&pem)
            .map(Some)
            .map_err(|e| anyhow::anyhow!("peppol_smp_trust_file: {}: {e}", path.display()))
    }

    /// The files [`Settings::peppol_key_material`] reads, for noticing that one changed.
    #[must_use]
    pub fn peppol_key_files(&self) -> Vec<PathBuf> {
        [
            &self.peppol_ap_key_file,
            &self.peppol_ap_certificate_file,
            &self.peppol_ap_pkcs12_file,
            &self.peppol_ap_previous_key_file,
            &self.peppol_ap_previous_certificate_file,
            &self.peppol_ap_previous_pkcs12_file,
            &self.peppol_ap_trust_file,
            &self.peppol_smp_trust_file,
            &self.peppol_smp_key_file,
            &self.peppol_smp_certificate_file,
            &self.peppol_smp_pkcs12_file,
        ]
        .into_iter()
        .flatten()
        .cloned()
        .collect()
    }

    /// The warning period of [`Settings::peppol_certificate_warning_days`].
    #[must_use]
    pub fn peppol_certificate_warning(&self) -> chrono::TimeDelta {
        chrono::TimeDelta::days(i64::from(self.peppol_certificate_warning_days))
    }

    /// The revocation checker of AP and SMP certificates (`peppol_revocation`), one for the
    /// installation so that receiving, sending and discovery share its answers and CRLs.
    ///
    /// # Errors
    /// A sentence naming the setting when the policy is not one Haven knows or the time-out is
    /// out of range.
    pub fn peppol_revocation_checker(
        &self,
    ) -> anyhow::Result<Arc<haven_peppol::revocation::RevocationChecker>> {
        let policy = haven_peppol::revocation::Policy::parse(&self.peppol_revocation)
            .map_err(|e| anyhow::anyhow!("peppol_revocation: {e}"))?;
        if !(1..=30).contains(&self.peppol_revocation_timeout_secs) {
            anyhow::bail!(
                "peppol_revocation_timeout_secs must be from 1 to 30, not {}",
                self.peppol_revocation_timeout_secs
            );
        }
        let rules = haven_peppol::http::HostRules {
            insecure_hosts: host_list(&self.peppol_revocation_insecure_hosts),
        };
        haven_peppol::revocation::RevocationChecker::new(
            policy,
            rules,
            std::time::Duration::from_secs(self.peppol_revocation_timeout_secs),
        )
        .map(|checker| {
            Arc::new(checker.with_nonce_required(self.peppol_revocation_ocsp_nonce_required))
        })
        .map_err(|e| anyhow::anyhow!("peppol_revocation: {e}"))
    }

    /// Haven's AS4 receiving endpoint, when the access point key is set.
    ///
    /// # Errors
    /// A sentence naming the setting that is missing or whose file does not read or parse.
    pub fn peppol_as4_receiver(
        &self,
        revocation: &Arc<haven_peppol::revocation::RevocationChecker>,
    ) -> anyhow::Result<Option<haven_peppol::as4::inbound::As4Receiver>> {
        let Some((keys, ap_trust)) = self.peppol_ap()? else {
            return Ok(None);
        };
        if self.peppol_as4_max_decompressed_bytes == 0 {
            anyhow::bail!("peppol_as4_max_decompressed_bytes must be more than 0");
        }
        Ok(Some(haven_peppol::as4::inbound::As4Receiver {
            keys: haven_peppol::rollover::Swappable::new(keys),
            ap_trust: haven_peppol::rollover::Swappable::new(ap_trust),
            max_decompressed: self.peppol_as4_max_decompressed_bytes,
            revocation: Arc::clone(revocation),
            spool_dir: self.spool_dir(),
        }))
    }

    /// AS4 sending, when the access point key is set (the locator is configured apart).
    ///
    /// # Errors
    /// A sentence naming the setting that is missing or wrong.
    pub fn peppol_as4_sender(
        &self,
        revocation: &Arc<haven_peppol::revocation::RevocationChecker>,
    ) -> anyhow::Result<Option<haven_peppol::as4::outbound::As4Sender>> {
        if !(10..=30).contains(&self.peppol_as4_timeout_secs) {
            anyhow::bail!(
                "peppol_as4_timeout_secs must be from 10 to 30, not {}",
                self.peppol_as4_timeout_secs
            );
        }
        let Some((keys, ap_trust)) = self.peppol_ap()? else {
            return Ok(None);
        };
        let rules = haven_peppol::http::HostRules {
            insecure_hosts: host_list(&self.peppol_as4_insecure_hosts),
        };
        haven_peppol::as4::outbound::As4Sender::new(
            keys.current,
            ap_trust,
            rules,
            std::time::Duration::from_secs(self.peppol_as4_timeout_secs),
        )
        .map(|sender| {
            Some(
                sender
                    .with_revocation(Arc::clone(revocation))
                    .with_spool_dir(self.spool_dir()),
            )
        })
        .map_err(|e| anyhow::anyhow!("AS4 sending: {e}"))
    }

    /// Haven's own SMP, when `peppol_smp_key_file` or `peppol_smp_pkcs12_file` is set.
    ///
    /// # Errors
    /// When a file is missing or unreadable, or a setting the SMP needs is not set.
    pub fn peppol_publisher(&self) -> anyhow::Result<Option<haven_peppol::publisher::Publisher>> {
        let Some(smp) = self.peppol_smp_pem()? else {
            return Ok(None);
        };
        let key = haven_peppol::xmldsig::SigningKey::from_pem(&smp.key, &smp.certificates)
            .map_err(|e| anyhow::anyhow!("{}: {e}", smp.source))?;
        // The AP certificate alone (the AP may run elsewhere), else the configured AP key's.
        let ap_certificate = match (
            &self.peppol_ap_certificate_file,
            &self.peppol_ap_pkcs12_file,
        ) {
            (Some(path), _) => {
                let pem = std::fs::read(path).map_err(|e| {
                    anyhow::anyhow!(
                        "peppol_ap_certificate_file: cannot read {}: {e}",
                        path.display()
                    )
                })?;
                haven_peppol::xmldsig::first_certificate(&pem)
                    .map_err(|e| anyhow::anyhow!("peppol_ap_certificate_file: {e}"))?
            }
            (None, Some(_)) => {
                let ap = self.peppol_ap_pem()?.ok_or_else(|| {
                    anyhow::anyhow!("peppol_ap_pkcs12_file must be set for the SMP")
                })?;
                haven_peppol::xmldsig::first_certificate(&ap.certificates)
                    .map_err(|e| anyhow::anyhow!("{}: {e}", ap.source))?
            }
            (None, None) => anyhow::bail!(
                "peppol_ap_certificate_file (or peppol_ap_pkcs12_file) must be set for the SMP"
            ),
        };
        let endpoint_url = self
            .peppol_as4_url
            .clone()
            .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
            .ok_or_else(|| {
                anyhow::anyhow!("peppol_as4_url must be set to an http(s) URL for the SMP")
            })?;
        let public = self.public_url.trim_end_matches('/');
        Ok(Some(haven_peppol::publisher::Publisher {
            base_url: format!("{public}{}", crate::smp::SMP_PATH),
            endpoint_url,
            ap_certificate,
            key,
            contact_url: public.to_owned(),
        }))
    }

    /// The SML management client, when `peppol_sml_registration` is on: the SMP key and
    /// certificate as the TLS client identity, `peppol_smp_id`, `peppol_sml_url`.
    ///
    /// # Errors
    /// When a setting registration needs is missing or a file cannot be read or used.
    pub fn peppol_sml_client(
        &self,
    ) -> anyhow::Result<Option<haven_peppol::sml_manage::SmlManageClient>> {
        use haven_peppol::sml_manage::{
            SmlManageClient, SmlManageConfig, PRODUCTION_URL, TEST_URL,
        };
        if !self.peppol_sml_registration {
            return Ok(None);
        }
        let read = |name: &str, path: &Option<PathBuf>| -> anyhow::Result<String> {
            let path = path
                .as_ref()
                .ok_or_else(|| anyhow::anyhow!("{name} must be set for SML registration"))?;
            std::fs::read_to_string(path)
                .map_err(|e| anyhow::anyhow!("{name}: cannot read {}: {e}", path.display()))
        };
        let base_url = match self.peppol_sml_url.as_str() {
            "production" => PRODUCTION_URL.to_owned(),
            "test" => TEST_URL.to_owned(),
            other => other.to_owned(),
        };
        let smp_id = self
            .peppol_smp_id
            .clone()
            .filter(|id| !id.trim().is_empty())
            .ok_or_else(|| anyhow::anyhow!("peppol_smp_id must be set for SML registration"))?;
        let extra_roots_pem = match &self.peppol_sml_trust_file {
            Some(_) => vec![read("peppol_sml_trust_file", &self.peppol_sml_trust_file)?],
            None => Vec::new(),
        };
        let smp = self.peppol_smp_pem()?.ok_or_else(|| {
            anyhow::anyhow!(
                "peppol_smp_key_file (or peppol_smp_pkcs12_file) must be set for SML registration"
            )
        })?;
        let text = |pem: Vec<u8>| {
            String::from_utf8(pem)
                .map_err(|_| anyhow::anyhow!("{}: the PEM text is not UTF-8", smp.source))
        };
        SmlManageClient::new(&SmlManageConfig {
            base_url,
            smp_id,
            certificate_pem: text(smp.certificates.clone())?,
            key_pem: text(smp.key.clone())?,
            extra_roots_pem,
            timeout: std::time::Duration::from_secs(30),
        })
        .map(Some)
        .map_err(|e| anyhow::anyhow!("SML registration: {e}"))
    }

    /// The next SMP certificate's file and the SMP CA it must be issued by
    /// (`peppol_smp_trust_file`, read now).
    ///
    /// # Errors
    /// When the SMP trust file is set but cannot be read or holds no certificate.
    pub fn peppol_next_smp_certificate(
        &self,
    ) -> anyhow::Result<haven_peppol::certificates::NextCertificateFile> {
        let anchors = match &self.peppol_smp_trust_file {
            Some(path) => {
                let pem = std::fs::read(path).map_err(|e| {
                    anyhow::anyhow!("peppol_smp_trust_file: cannot read {}: {e}", path.display())
                })?;
                Some(
                    haven_peppol::xmldsig::TrustAnchors::from_pem(&pem)
                        .map_err(|e| anyhow::anyhow!("peppol_smp_trust_file: {e}"))?,
                )
            }
            None => None,
        };
        Ok(haven_peppol::certificates::NextCertificateFile {
            path: self.peppol_smp_next_certificate_file.clone(),
            anchors,
        })
    }

    /// The Peppol Directory's indexer client, when `peppol_directory` is set.
    ///
    /// # Errors
    /// When the value is not `production`, `test` or an https URL, the SMP is not configured,
    /// or a file cannot be read or used.
    pub fn peppol_directory(
        &self,
    ) -> anyhow::Result<Option<haven_peppol::directory::DirectoryClient>> {
        let base = match self.peppol_directory.trim() {
            "" => return Ok(None),
            "production" => haven_peppol::directory::PRODUCTION_DIRECTORY,
            "test" => haven_peppol::directory::TEST_DIRECTORY,
            url if url.starts_with("https://") => url,
            other => anyhow::bail!(
                "peppol_directory must be production, test or an https URL, not {other:?}"
            ),
        };
        let read = |name: &str, path: &Option<PathBuf>| -> anyhow::Result<Vec<u8>> {
            let path = path.as_ref().ok_or_else(|| {
                anyhow::anyhow!("{name} must be set for the Peppol Directory (peppol_directory)")
            })?;
            std::fs::read(path)
                .map_err(|e| anyhow::anyhow!("{name}: cannot read {}: {e}", path.display()))
        };
        let smp = self.peppol_smp_pem()?.ok_or_else(|| {
            anyhow::anyhow!(
                "peppol_smp_key_file (or peppol_smp_pkcs12_file) must be set for the Peppol Directory (peppol_directory)"
            )
        })?;
        let roots = match &self.peppol_directory_ca_file {
            Some(_) => Some(read(
                "peppol_directory_ca_file",
                &self.peppol_directory_ca_file,
            )?),
            None => None,
        };
        haven_peppol::directory::DirectoryClient::new(
            base,
            &smp.key,
            &smp.certificates,
            roots.as_deref(),
            std::time::Duration::from_secs(30),
        )
        .map(Some)
        .map_err(|e| anyhow::anyhow!("peppol_directory: {e}"))
    }

    /// The webhook retry schedule and transport exceptions.
    ///
    /// # Errors
    /// When `hook_retry_schedule` has a wait that is not a number with a unit.
    pub fn hook_settings(&self) -> anyhow::Result<haven_domain::hooks::service::HookSettings> {
        let retry_schedule = self
            .hook_retry_schedule
            .split(',')
            .map(str::trim)
            .filter(|w| !w.is_empty())
            .map(parse_wait)
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(haven_domain::hooks::service::HookSettings {
            retry_schedule,
            targets: haven_domain::hooks::target::TargetRules {
                insecure_hosts: self
                    .hook_insecure_hosts
                    .split(',')
                    .map(|h| h.trim().to_ascii_lowercase())
                    .filter(|h| !h.is_empty())
                    .collect(),
                refused_mail_domains: vec![self.intake_domain.trim().to_ascii_lowercase()],
            },
            mails_per_hour: self.hook_mails_per_hour,
        })
    }

    /// Where emails go when no SMTP host is configured.
    /// Email intake's behaviour from the settings.
    ///
    /// # Errors
    /// When the domain or a pattern is unusable, or the inbound-email secret is too short.
    pub fn intake_settings(&self) -> anyhow::Result<haven_domain::intake::service::IntakeSettings> {
        use haven_domain::intake::{
            addresses::AddressScheme, authentication::AuthenticationMode, service::IntakeSettings,
        };
        if let Some(secret) = &self.inbound_email_secret {
            anyhow::ensure!(
                secret.chars().count() >= 32,
                "inbound_email_secret must be at least 32 characters"
            );
        }
        let scheme = AddressScheme::new(
            &self.intake_domain,
            &self.intake_purchase_pattern,
            &self.intake_sales_pattern,
        )
        .map_err(|e| anyhow::anyhow!(e))?;
        Ok(IntakeSettings {
            scheme,
            max_message_bytes: self.intake_max_message_bytes,
            max_attachment_bytes: self.intake_max_attachment_bytes,
            max_invoices: self.intake_max_invoices.max(1) as usize,
            image_floor_bytes: self.intake_image_floor_bytes,
            replies_per_hour: self.intake_replies_per_hour,
            invite_days: self.trusted_sender_invite_days.max(1),
            // Never more than four fifths of the lease: the message must be finished by the
            // worker that claimed it, with time left to record the outcome.
            ocr_budget: std::time::Duration::from_secs(
                self.intake_ocr_budget_seconds
                    .min(self.job_lease_secs.saturating_mul(4) / 5)
                    .max(1),
            ),
            sender_authentication: AuthenticationMode::parse(&self.intake_sender_authentication)
                .ok_or_else(|| {
                    anyhow::anyhow!(
                        "intake_sender_authentication must be off, report or enforce, not {:?}",
                        self.intake_sender_authentication
                    )
                })?,
            links: haven_domain::links::Links::new(&self.public_url),
        })
    }

    /// The sender authenticator of intake (SPF, DKIM, DMARC) with its resolver; `None` when
    /// `intake_sender_authentication` is `off`, so that an installation that does not check
    /// senders builds no resolver (and needs no readable DNS configuration).
    ///
    /// # Errors
    /// When `intake_dns_servers` is not a list of addresses with ports, or the system's DNS configuration cannot be read.
    pub fn intake_authenticator(
        &self,
    ) -> anyhow::Result<Option<haven_mailbox::authentication::MailAuthenticator>> {
        use haven_domain::intake::authentication::AuthenticationMode;
        if AuthenticationMode::parse(&self.intake_sender_authentication)
            == Some(AuthenticationMode::Off)
        {
            return Ok(None);
        }
        let servers = haven_peppol::config::parse_dns_servers(&self.intake_dns_servers)
            .map_err(|e| anyhow::anyhow!("intake_dns_servers: {e}"))?;
        let authenticator = haven_mailbox::authentication::MailAuthenticator::new(
            &servers,
            std::time::Duration::from_secs(5),
            &self.intake_domain,
            Some(self.intake_authserv_id.clone()),
        )
        .map_err(|e| anyhow::anyhow!("intake sender authentication: {e}"))?;
        Ok(Some(authenticator))
    }

    /// The SMTP receiver's certificate (for STARTTLS and implicit TLS), read from the
    /// certificate and key files now and again whenever they change; `None` when neither is
    /// set.
    ///
    /// # Errors
    /// Only one of the two set, a file that cannot be read or does not hold what it should,
    /// or TLS (required or implicit) without them.
    pub async fn smtp_intake_tls(
        &self,
    ) -> anyhow::Result<Option<haven_mailbox::smtp::ReceiverTls>> {
        match (
            &self.smtp_intake_tls_certificate_file,
            &self.smtp_intake_tls_key_file,
        ) {
            (None, None) => {
                anyhow::ensure!(
                    !self.smtp_intake_require_tls,
                    "smtp_intake_require_tls needs smtp_intake_tls_certificate_file and smtp_intake_tls_key_file"
                );
                anyhow::ensure!(
                    !self.smtp_intake_implicit_tls,
                    "smtp_intake_implicit_tls needs smtp_intake_tls_certificate_file and smtp_intake_tls_key_file"
                );
                Ok(None)
            }
            (Some(certificate), Some(key)) => {
                let tls = haven_mailbox::smtp::ReceiverTls::from_files(certificate, key)
                    .await
                    .map_err(|e| anyhow::anyhow!("SMTP intake TLS: {e}"))?;
                Ok(Some(tls))
            }
            _ => anyhow::bail!(
                "smtp_intake_tls_certificate_file and smtp_intake_tls_key_file go together"
            ),
        }
    }

    /// How OCR of scans runs.
    #[must_use]
    pub fn ocr_config(&self) -> haven_ocr::OcrConfig {
        haven_ocr::OcrConfig {
            tesseract: self.ocr_command.clone().into(),
            rasterizer: self.ocr_rasterizer.clone().into(),
            timeout: std::time::Duration::from_secs(self.ocr_timeout_seconds.max(1)),
            max_pages: self.ocr_max_pages.max(1),
            ..haven_ocr::OcrConfig::default()
        }
    }

    #[must_use]
    pub fn outbox_dir(&self) -> PathBuf {
        self.data_dir.join("outbox")
    }

    /// Where AS4 messages are spooled while they are received or sent, so that a large
    /// payload goes through a file rather than memory. Files there live as long as one
    /// message's handling.
    #[must_use]
    pub fn spool_dir(&self) -> PathBuf {
        self.data_dir.join("spool")
    }

    /// The operators' addresses, lower-cased.
    #[must_use]
    pub fn operators(&self) -> Vec<String> {
        self.operator_emails
            .split(',')
            .map(|e| e.trim().to_lowercase())
            .filter(|e| !e.is_empty())
            .collect()
    }

    /// The database URL in effect: configured, or the SQLite file in the data directory.
    #[must_use]
    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}/haven.db?mode=rwc", self.data_dir.display()))
    }
}

/// What type a setting's value has, as far as reading it from a variable goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ValueKind {
    Number,
    Bool,
    Text,
}

/// Every setting's key (as in the file; upper-cased and prefixed in the environment), and
/// the kind of its value. Derived from the defaults, so a new field of `Settings` is known
/// everywhere without a second list to keep in step.
fn setting_keys() -> Vec<(String, ValueKind)> {
    match serde_json::to_value(Settings::default()) {
        Ok(serde_json::Value::Object(fields)) => fields
            .into_iter()
            .map(|(key, default)| {
                let kind = match default {
                    serde_json::Value::Number(_) => ValueKind::Number,
                    serde_json::Value::Bool(_) => ValueKind::Bool,
                    _ => ValueKind::Text,
                };
                (key, kind)
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Environment values are strings; numeric and boolean settings are parsed so serde sees
/// numbers and booleans, while a secret such as "123456" stays a string.
fn env_value(kind: ValueKind, value: String) -> figment::value::Value {
    match kind {
        ValueKind::Number => {
            if let Ok(number) = value.trim().parse::<u64>() {
                return figment::value::Value::from(number);
            }
        }
        ValueKind::Bool => match value.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => return figment::value::Value::from(true),
            "false" | "0" | "no" | "off" => return figment::value::Value::from(false),
            _ => {}
        },
        ValueKind::Text => {}
    }
    figment::value::Value::from(value)
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`, for logs.
#[must_use]
pub fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return url.to_owned();
    };
    let rest = &url[scheme_end..];
    let Some(at) = rest.find('@') else {
        return url.to_owned();
    };
    let userinfo = &rest[..at];
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end], &rest[at..]),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn defaults_listen_on_localhost_8080_with_sqlite_in_data() {
        let loaded = Settings::load_from(None, &[]).unwrap();

        assert_eq!(loaded.settings.host, "127.0.0.1");
        assert_eq!(loaded.settings.port, 8080);
        assert_eq!(
            loaded.settings.database_url(),
            "sqlite://data/haven.db?mode=rwc"
        );
        assert_eq!(loaded.settings.max_body_bytes, 25 * 1024 * 1024);
    }

    #[test]
    fn the_file_overrides_defaults_and_the_environment_overrides_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("haven.toml");
        std::fs::write(
            &file,
            "port = 9000\nhost = \"0.0.0.0\"\nlog_format = \"json\"\n",
        )
        .unwrap();

        let loaded = Settings::load_from(
            Some(&file),
            &vars(&[("HAVEN_PORT", "9100"), ("PATH", "/bin")]),
        )
        .unwrap();

        assert_eq!(loaded.settings.port, 9100, "environment wins");
        assert_eq!(loaded.settings.host, "0.0.0.0", "file wins over default");
        assert_eq!(loaded.settings.log_format, LogFormat::Json);
        assert!(loaded.warnings.is_empty());
    }

    #[test]
    fn unknown_haven_variables_give_a_warning() {
        let loaded =
            Settings::load_from(None, &vars(&[("HAVEN_PROT", "1"), ("HAVEN_CONFIG", "x")]))
                .unwrap();

        assert_eq!(
            loaded.warnings,
            vec!["ignoring unknown setting HAVEN_PROT".to_owned()]
        );
    }

    #[test]
    fn every_field_is_a_known_key_and_numbers_are_recognised() {
        let keys = setting_keys();

        assert!(keys.contains(&("port".to_owned(), ValueKind::Number)));
        assert!(keys.contains(&("mail_poll_interval_ms".to_owned(), ValueKind::Number)));
        assert!(keys.contains(&("jwt_secret".to_owned(), ValueKind::Text)));
        assert!(keys.contains(&("kvk_ca_file".to_owned(), ValueKind::Text)));
        assert!(keys.contains(&("metrics_enabled".to_owned(), ValueKind::Bool)));
        assert!(keys.contains(&("job_lease_secs".to_owned(), ValueKind::Number)));
        assert!(keys.contains(&("hook_concurrency".to_owned(), ValueKind::Number)));
        assert!(keys.contains(&(
            "connection_requests_per_minute".to_owned(),
            ValueKind::Number
        )));
        assert!(keys.contains(&("peppol_smp_trust_file".to_owned(), ValueKind::Text)));
        assert!(keys.contains(&("peppol_dns_timeout_ms".to_owned(), ValueKind::Number)));
        assert!(keys.contains(&("ocr_timeout_seconds".to_owned(), ValueKind::Number)));
        assert!(keys.contains(&("ocr_command".to_owned(), ValueKind::Text)));
        assert!(keys.contains(&("smtp_intake_require_tls".to_owned(), ValueKind::Bool)));
        assert!(keys.contains(&("smtp_intake_tls_key_file".to_owned(), ValueKind::Text)));
        assert!(keys.contains(&("smtp_intake_implicit_tls".to_owned(), ValueKind::Bool)));
        assert!(keys.contains(&(
            "smtp_intake_implicit_tls_port".to_owned(),
            ValueKind::Number
        )));
        assert!(keys.contains(&(
            "peppol_as4_max_decompressed_bytes".to_owned(),
            ValueKind::Number
        )));
        assert!(keys.contains(&("peppol_as4_timeout_secs".to_owned(), ValueKind::Number)));
        assert!(keys.contains(&("peppol_as4_insecure_hosts".to_owned(), ValueKind::Text)));
        assert!(keys.contains(&("peppol_revocation".to_owned(), ValueKind::Text)));
        assert!(keys.contains(&(
            "peppol_revocation_insecure_hosts".to_owned(),
            ValueKind::Text
        )));
        assert!(keys.contains(&(
            "peppol_revocation_timeout_secs".to_owned(),
            ValueKind::Number
        )));
        assert!(keys.contains(&(
            "peppol_revocation_ocsp_nonce_required".to_owned(),
            ValueKind::Bool
        )));
        assert!(keys.contains(&("intake_ocr_budget_seconds".to_owned(), ValueKind::Number)));
        assert!(keys.contains(&(
            "peppol_as4_requests_per_minute_per_ip".to_owned(),
            ValueKind::Number
        )));
        assert!(keys.contains(&("intake_sender_authentication".to_owned(), ValueKind::Text)));
        assert!(keys.contains(&("intake_dns_servers".to_owned(), ValueKind::Text)));
        assert!(keys.contains(&("peppol_sml_registration".to_owned(), ValueKind::Bool)));
        assert!(keys.contains(&("peppol_sml_url".to_owned(), ValueKind::Text)));
        assert!(keys.contains(&("peppol_smp_id".to_owned(), ValueKind::Text)));
        assert!(keys.contains(&("peppol_sml_trust_file".to_owned(), ValueKind::Text)));
        assert!(keys.contains(&(
            "peppol_smp_next_certificate_file".to_owned(),
            ValueKind::Text
        )));
        assert!(keys.contains(&("peppol_directory".to_owned(), ValueKind::Text)));
        assert!(keys.contains(&("peppol_directory_ca_file".to_owned(), ValueKind::Text)));
        assert!(keys.contains(&("peppol_ap_pkcs12_password".to_owned(), ValueKind::Text)));
        assert!(keys.contains(&("peppol_smp_pkcs12_file".to_owned(), ValueKind::Text)));
        assert!(keys.contains(&(
            "peppol_ap_previous_pkcs12_password".to_owned(),
            ValueKind::Text
        )));
        assert!(keys.contains(&(
            "peppol_certificate_reload_secs".to_owned(),
            ValueKind::Number
        )));
        assert!(keys.contains(&("peppol_reporting_send".to_owned(), ValueKind::Bool)));
        assert_eq!(keys.len(), 120, "one key per field of Settings");
    }

    #[test]
    fn a_messages_ocr_budget_stays_within_the_job_lease() {
        let budget = |budget: u64, lease: u64| {
            Settings {
                intake_ocr_budget_seconds: budget,
                job_lease_secs: lease,
                ..Settings::default()
            }
            .intake_settings()
            .unwrap()
            .ocr_budget
            .as_secs()
        };
        assert_eq!(budget(240, 300), 240);
        assert_eq!(budget(240, 100), 80);
        assert_eq!(budget(30, 300), 30);
        assert_eq!(budget(0, 300), 1);
    }

    #[test]
    fn a_numeric_looking_secret_stays_a_string() {
        let loaded = Settings::load_from(None, &vars(&[("HAVEN_JWT_SECRET", "1234")])).unwrap();

        assert_eq!(loaded.settings.jwt_secret.as_deref(), Some("1234"));
    }

    #[test]
    fn a_bad_value_is_a_clear_error() {
        let err = Settings::load_from(None, &vars(&[("HAVEN_PORT", "eighty")])).unwrap_err();

        assert!(err.to_string().contains("port"), "{err}");
    }

    #[test]
    fn peppol_keys_come_from_pkcs12_files_and_bad_ones_stop_the_start_with_reasons() {
        let dir = tempfile::tempdir().unwrap();
        let ca = haven_peppol::testing::Ca::new("HAVEN TEST AP CA");
        let ap = ca.leaf("PXX000002", None, false);
        let smp = ca.leaf_with_key("HAVEN TEST SMP", None, false, 5);
        let password = "p12-Geheim-7391";
        let path = |name: &str, content: &[u8]| {
            let path = dir.path().join(name);
            std::fs::write(&path, content).unwrap();
            path.display().to_string()
        };
        let ap_file = path("ap.p12", &ap.pkcs12(&[&ca.der], password));
        let smp_file = path("smp.pfx", &smp.pkcs12(&[], password));
        let trust_file = path("ap-ca.pem", ca.pem.as_bytes());
        let settings = Settings::load_from(
            None,
            &vars(&[
                ("HAVEN_PEPPOL_AP_PKCS12_FILE", ap_file.as_str()),
                ("HAVEN_PEPPOL_AP_PKCS12_PASSWORD", password),
                ("HAVEN_PEPPOL_AP_TRUST_FILE", trust_file.as_str()),
                ("HAVEN_PEPPOL_SMP_PKCS12_FILE", smp_file.as_str()),
                ("HAVEN_PEPPOL_SMP_PKCS12_PASSWORD", password),
                ("HAVEN_PEPPOL_AS4_URL", "https://ap.example/as4"),
            ]),
        )
        .unwrap()
        .settings;
        assert!(!format!("{settings:?}").contains(password));
        let receiver = settings
            .peppol_as4_receiver(&settings.peppol_revocation_checker().unwrap())
            .unwrap()
            .unwrap();
        assert_eq!(receiver.keys.load().current.certificate(), ap.der);
        assert_eq!(
            settings
                .peppol_as4_sender(&settings.peppol_revocation_checker().unwrap())
                .unwrap()
                .unwrap()
                .seat_id(),
            "PXX000002"
        );
        // The SMP signs with its own key and publishes the AP certificate from the AP's file.
        let publisher = settings.peppol_publisher().unwrap().unwrap();
        assert_eq!(publisher.ap_certificate, ap.der);
        assert_eq!(publisher.key.certificate(), smp.der);

        // A numeric password stays text.
        let numeric =
            Settings::load_from(None, &vars(&[("HAVEN_PEPPOL_AP_PKCS12_PASSWORD", "007")]))
                .unwrap()
                .settings;
        assert_eq!(numeric.peppol_ap_pkcs12_password.as_deref(), Some("007"));

        let key_file = path("ap-key.pem", ap.key_pem().as_bytes());
        let no_key = path(
            "trust.p12",
            &haven_peppol::testing::certificates_pkcs12(&[&ca.der], password),
        );
        for (change, expected) in [
            (
                ("HAVEN_PEPPOL_AP_PKCS12_PASSWORD", "wrong"),
                "peppol_ap_pkcs12_file: ",
            ),
            (
                ("HAVEN_PEPPOL_AP_PKCS12_FILE", "/nonexistent/ap.p12"),
                "peppol_ap_pkcs12_file: cannot read /nonexistent/ap.p12",
            ),
            (
                ("HAVEN_PEPPOL_AP_PKCS12_FILE", no_key.as_str()),
                "the PKCS#12 file holds no private key",
            ),
            (
                ("HAVEN_PEPPOL_AP_PKCS12_FILE", trust_file.as_str()),
                "not a PKCS#12 file",
            ),
            (
                ("HAVEN_PEPPOL_AP_KEY_FILE", key_file.as_str()),
                "peppol_ap_key_file and peppol_ap_pkcs12_file are both set",
            ),
        ] {
            let mut env = vec![
                ("HAVEN_PEPPOL_AP_PKCS12_FILE", ap_file.as_str()),
                ("HAVEN_PEPPOL_AP_PKCS12_PASSWORD", password),
                ("HAVEN_PEPPOL_AP_TRUST_FILE", trust_file.as_str()),
            ];
            env.retain(|(key, _)| *key != change.0);
            env.push(change);
            let settings = Settings::load_from(None, &vars(&env)).unwrap().settings;
            let err = settings
                .peppol_as4_receiver(&settings.peppol_revocation_checker().unwrap())
                .err()
                .unwrap()
                .to_string();
            assert!(err.contains(expected), "{change:?}: {err}");
            assert!(!err.contains(password), "{err}");
        }
        let wrong = Settings {
            peppol_ap_pkcs12_password: Some("wrong".into()),
            ..settings.clone()
        };
        let err = wrong
            .peppol_as4_sender(&wrong.peppol_revocation_checker().unwrap())
            .err()
            .unwrap()
            .to_string();
        assert!(
            err.ends_with("the password is wrong (or the file is damaged)"),
            "{err}"
        );
        let without_password = Settings {
            peppol_smp_pkcs12_password: None,
            ..settings
        };
        let err = without_password
            .peppol_publisher()
            .err()
            .unwrap()
            .to_string();
        assert!(
            err.contains("peppol_smp_pkcs12_password must be set with peppol_smp_pkcs12_file"),
            "{err}"
        );
    }

    #[test]
    fn peppol_settings_are_off_by_default_and_checked_when_set() {
        let defaults = Settings::default();
        let discovery = defaults.peppol_discovery().unwrap();
        assert_eq!(discovery.locator, haven_peppol::config::LocatorKind::None);
        assert_eq!(discovery.zone, haven_peppol::sml::PRODUCTION_ZONE);
        assert!(defaults.peppol_publisher().unwrap().is_none());

        let test_zone = Settings::load_from(
            None,
            &vars(&[
                ("HAVEN_PEPPOL_LOCATOR", "sml"),
                ("HAVEN_PEPPOL_SML_ZONE", "test"),
                ("HAVEN_PEPPOL_DNS_SERVERS", "127.0.0.1:5353"),
            ]),
        )
        .unwrap()
        .settings
        .peppol_discovery()
        .unwrap();
        assert_eq!(test_zone.zone, haven_peppol::sml::TEST_ZONE);
        assert_eq!(test_zone.dns_servers.len(), 1);
        // The sml locator cannot be built without the SMP CA to check signatures against.
        assert!(test_zone
            .build(None)
            .err()
            .unwrap()
            .contains("peppol_smp_trust_file"));

        for (key, value, named) in [
            ("HAVEN_PEPPOL_LOCATOR", "dns", "peppol_locator"),
            ("HAVEN_PEPPOL_SML_ZONE", "not a zone", "peppol_sml_zone"),
            (
                "HAVEN_PEPPOL_DNS_SERVERS",
                "127.0.0.1",
                "peppol_dns_servers",
            ),
        ] {
            let settings = Settings::load_from(None, &vars(&[(key, value)]))
                .unwrap()
                .settings;
            let err = settings.peppol_discovery().unwrap_err();
            assert!(err.to_string().contains(named), "{err}");
        }
        let smp = Settings::load_from(
            None,
            &vars(&[("HAVEN_PEPPOL_SMP_KEY_FILE", "/nonexistent/smp-key.pem")]),
        )
        .unwrap()
        .settings;
        let err = smp.peppol_publisher().err().unwrap();
        assert!(err.to_string().contains("peppol_smp_key_file"), "{err}");

        // The Directory: off by default; a value that is no choice nor https URL, or no SMP
        // key, is named.
        assert!(defaults.peppol_directory().unwrap().is_none());
        for (value, named) in [
            ("http://directory.example", "peppol_directory"),
            ("staging", "peppol_directory"),
            ("test", "peppol_smp_key_file"),
        ] {
            let settings = Settings {
                peppol_directory: value.into(),
                ..Settings::default()
            };
            let err = settings.peppol_directory().err().unwrap();
            assert!(err.to_string().contains(named), "{value}: {err}");
        }

        // AS4 receiving: off by default; once on, each missing file is named.
        assert!(defaults
            .peppol_as4_receiver(&defaults.peppol_revocation_checker().unwrap())
            .unwrap()
            .is_none());
        let dir = tempfile::tempdir().unwrap();
        let ca = haven_peppol::testing::Ca::new("HAVEN TEST AP CA");
        let leaf = ca.leaf("PXX000002", None, false);
        let key_file = dir.path().join("ap-key.pem");
        let certificate_file = dir.path().join("ap.pem");
        let trust_file = dir.path().join("ap-ca.pem");
        std::fs::write(&key_file, leaf.key_pem()).unwrap();
        std::fs::write(&certificate_file, &leaf.pem).unwrap();
        std::fs::write(&trust_file, &ca.pem).unwrap();
        let mut as4 = Settings {
            peppol_ap_key_file: Some(key_file),
            ..Settings::default()
        };
        let err = as4
            .peppol_as4_receiver(&as4.peppol_revocation_checker().unwrap())
            .err()
            .unwrap();
        assert!(
            err.to_string().contains("peppol_ap_certificate_file"),
            "{err}"
        );
        as4.peppol_ap_certificate_file = Some(certificate_file);
        let err = as4
            .peppol_as4_receiver(&as4.peppol_revocation_checker().unwrap())
            .err()
            .unwrap();
        assert!(err.to_string().contains("peppol_ap_trust_file"), "{err}");
        as4.peppol_ap_trust_file = Some(trust_file);
        let receiver = as4
            .peppol_as4_receiver(&as4.peppol_revocation_checker().unwrap())
            .unwrap()
            .unwrap();
        assert_eq!(receiver.keys.load().current.seat_id(), "PXX000002");

        // AS4 sending uses the same key and trust file; its time-out is bounded.
        assert!(defaults
            .peppol_as4_sender(&defaults.peppol_revocation_checker().unwrap())
            .unwrap()
            .is_none());
        assert_eq!(
            as4.peppol_as4_sender(&as4.peppol_revocation_checker().unwrap())
                .unwrap()
                .unwrap()
                .seat_id(),
            "PXX000002"
        );
        for timeout in [9, 31] {
            as4.peppol_as4_timeout_secs = timeout;
            let err = as4
                .peppol_as4_sender(&as4.peppol_revocation_checker().unwrap())
                .err()
                .unwrap();
            assert!(err.to_string().contains("peppol_as4_timeout_secs"), "{err}");
        }
        as4.peppol_as4_timeout_secs = 30;

        // The revocation policy is one of three, checked at start even without an AP key.
        assert_eq!(
            defaults.peppol_revocation_checker().unwrap().policy(),
            haven_peppol::revocation::Policy::Soft
        );
        for (policy, expected) in [
            ("off", haven_peppol::revocation::Policy::Off),
            ("HARD", haven_peppol::revocation::Policy::Hard),
        ] {
            as4.peppol_revocation = policy.into();
            assert_eq!(as4.peppol_revocation_checker().unwrap().policy(), expected);
            assert!(as4
                .peppol_as4_receiver(&as4.peppol_revocation_checker().unwrap())
                .unwrap()
                .is_some());
        }
        for settings in [
            &mut as4,
            &mut Settings {
                peppol_revocation: "strict".into(),
                ..Settings::default()
            },
        ] {
            settings.peppol_revocation = "strict".into();
            let err = settings.peppol_revocation_checker().err().unwrap();
            assert!(err.to_string().contains("peppol_revocation"), "{err}");
        }
        for timeout in [0, 31] {
            let settings = Settings {
                peppol_revocation_timeout_secs: timeout,
                ..Settings::default()
            };
            let err = settings.peppol_revocation_checker().err().unwrap();
            assert!(
                err.to_string().contains("peppol_revocation_timeout_secs"),
                "{err}"
            );
        }
    }

    #[test]
    fn a_missing_named_file_is_an_error() {
        let err = Settings::load_from(Some(Path::new("/nonexistent/haven.toml")), &[]).unwrap_err();

        assert!(err.to_string().contains("not found"), "{err}");
    }

    #[test]
    fn debug_output_redacts_secrets() {
        let settings = Settings {
            database_url: Some("postgres://haven:hunter2@db/haven".into()),
            jwt_secret: Some("super-secret-signing-key-material-here".into()),
            ..Settings::default()
        };

        let shown = format!("{settings:?}");

        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(!shown.contains("super-secret"), "{shown}");
        assert!(shown.contains("postgres://haven:***@db/haven"), "{shown}");
    }

    #[test]
    fn mail_defaults_use_the_outbox_and_smtp_settings_come_from_the_environment() {
        let defaults = Settings::load_from(None, &[]).unwrap().settings;
        assert_eq!(defaults.smtp_host, None);
        assert_eq!(defaults.outbox_dir(), PathBuf::from("data/outbox"));
        assert_eq!(defaults.public_url, "http://127.0.0.1:8080");
        assert_eq!(defaults.mail_poll_interval_ms, 1000);

        let loaded = Settings::load_from(
            None,
            &vars(&[
                ("HAVEN_SMTP_HOST", "smtp.example.com"),
                ("HAVEN_SMTP_PORT", "465"),
                ("HAVEN_SMTP_TLS", "tls"),
                ("HAVEN_SMTP_USERNAME", "haven"),
                ("HAVEN_SMTP_PASSWORD", "12345678"),
                ("HAVEN_MAIL_POLL_INTERVAL_MS", "250"),
            ]),
        )
        .unwrap();

        assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
        let settings = loaded.settings;
        assert_eq!(settings.smtp_host.as_deref(), Some("smtp.example.com"));
        assert_eq!(settings.smtp_port, 465);
        assert_eq!(settings.smtp_tls, TlsMode::Tls);
        assert_eq!(settings.smtp_password.as_deref(), Some("12345678"));
        assert_eq!(settings.mail_poll_interval_ms, 250);
        let shown = format!("{settings:?}");
        assert!(!shown.contains("12345678"), "{shown}");
        assert!(shown.contains("smtp.example.com"), "{shown}");
    }

    #[test]
    fn an_unknown_smtp_tls_mode_is_a_clear_error() {
        let err = Settings::load_from(None, &vars(&[("HAVEN_SMTP_TLS", "ssl")])).unwrap_err();

        assert!(err.to_string().contains("smtp_tls"), "{err}");
    }

    #[test]
    fn metrics_are_off_by_default_and_switched_on_from_the_environment() {
        let defaults = Settings::load_from(None, &[]).unwrap().settings;
        assert!(!defaults.metrics_enabled);
        assert_eq!(defaults.metrics_token, None);

        let loaded = Settings::load_from(
            None,
            &vars(&[
                ("HAVEN_METRICS_ENABLED", "true"),
                ("HAVEN_METRICS_TOKEN", "scrape-secret"),
            ]),
        )
        .unwrap();

        assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
        assert!(loaded.settings.metrics_enabled);
        assert_eq!(
            loaded.settings.metrics_token.as_deref(),
            Some("scrape-secret")
        );
        let shown = format!("{:?}", loaded.settings);
        assert!(!shown.contains("scrape-secret"), "{shown}");
    }

    #[tokio::test]
    async fn smtp_intake_tls_needs_both_files_and_required_or_implicit_tls_needs_them() {
        let base = Settings::default();
        assert!(base.smtp_intake_tls().await.unwrap().is_none());
        let half = Settings {
            smtp_intake_tls_certificate_file: Some("cert.pem".into()),
            ..Settings::default()
        };
        assert!(half
            .smtp_intake_tls()
            .await
            .unwrap_err()
            .to_string()
            .contains("go together"));
        let required = Settings {
            smtp_intake_require_tls: true,
            ..Settings::default()
        };
        assert!(required
            .smtp_intake_tls()
            .await
            .unwrap_err()
            .to_string()
            .contains("smtp_intake_require_tls needs"));
        let implicit = Settings {
            smtp_intake_implicit_tls: true,
            ..Settings::default()
        };
        assert!(implicit
            .smtp_intake_tls()
            .await
            .unwrap_err()
            .to_string()
            .contains("smtp_intake_implicit_tls needs"));
        let missing = Settings {
            smtp_intake_tls_certificate_file: Some("missing/cert.pem".into()),
            smtp_intake_tls_key_file: Some("missing/key.pem".into()),
            ..Settings::default()
        };
        let error = format!("{:#}", missing.smtp_intake_tls().await.unwrap_err());
        assert!(error.contains("could not read"), "{error}");
    }

    #[test]
    fn the_dns_resolver_of_sender_authentication_is_built_only_when_it_is_used() {
        // A DNS server list that cannot be parsed shows whether the resolver is built.
        let unusable = |mode: &str| Settings {
            intake_sender_authentication: mode.into(),
            intake_dns_servers: "not a name server".into(),
            ..Settings::default()
        };
        assert!(unusable("off").intake_authenticator().unwrap().is_none());
        for mode in ["report", "enforce"] {
            let Err(error) = unusable(mode).intake_authenticator() else {
                panic!("{mode}: the resolver was built from an unusable setting");
            };
            let error = format!("{error:#}");
            assert!(error.contains("intake_dns_servers"), "{mode}: {error}");
        }
        let checked = Settings {
            intake_sender_authentication: "report".into(),
            intake_dns_servers: "127.0.0.1:53".into(),
            ..Settings::default()
        };
        assert!(checked.intake_authenticator().unwrap().is_some());
    }

    #[test]
    fn a_previous_ap_key_must_be_a_valid_ap_certificate_of_the_same_seat_id() {
        use haven_domain::peppol::certificates::CertificatePurpose;
        let dir = tempfile::tempdir().unwrap();
        let ca = haven_peppol::testing::Ca::new("HAVEN TEST AP CA");
        let current = ca.leaf_with_key("PXX000002", None, false, 5);
        let previous = ca.leaf_with_key("PXX000002", None, false, 3);
        let path = |name: &str, content: &[u8]| {
            let path = dir.path().join(name);
            std::fs::write(&path, content).unwrap();
            Some(path)
        };
        let base = Settings {
            peppol_ap_key_file: path("ap-key.pem", current.key_pem().as_bytes()),
            peppol_ap_certificate_file: path("ap.pem", current.pem.as_bytes()),
            peppol_ap_trust_file: path("ap-ca.pem", ca.pem.as_bytes()),
            peppol_ap_previous_key_file: path("old-key.pem", previous.key_pem().as_bytes()),
            peppol_ap_previous_certificate_file: path("old.pem", previous.pem.as_bytes()),
            ..Settings::default()
        };
        let revocation = base.peppol_revocation_checker().unwrap();
        let receiver = base.peppol_as4_receiver(&revocation).unwrap().unwrap();
        let keys = receiver.keys.load();
        assert_eq!(keys.current.certificate(), current.der);
        assert_eq!(
            keys.previous.as_ref().map(|k| k.certificate().to_vec()),
            Some(previous.der.clone())
        );
        let purposes: Vec<CertificatePurpose> = base
            .peppol_certificates()
            .unwrap()
            .iter()
            .map(|c| c.purpose)
            .collect();
        assert_eq!(
            purposes,
            [
                CertificatePurpose::AccessPoint,
                CertificatePurpose::AccessPointPrevious
            ]
        );

        let refused = |settings: Settings, words: &[&str]| {
            let error = settings
                .peppol_as4_receiver(&revocation)
                .err()
                .unwrap()
                .to_string();
            for word in words {
                assert!(error.contains(word), "{word} in {error}");
            }
        };
        // Expired, of another CA, of another seat id, or a key that is not its certificate's.
        let expired = ca.leaf_with_key("PXX000002", None, true, 3);
        let foreign =
            haven_peppol::testing::Ca::new("FOREIGN CA").leaf_with_key("PXX000002", None, false, 3);
        let other_seat = ca.leaf_with_key("PXX000009", None, false, 3);
        for (name, leaf, words) in [
            (
                "expired.pem",
                &expired,
                &[
                    "peppol_ap_previous_key_file",
                    "not a valid access point certificate",
                ][..],
            ),
            (
                "foreign.pem",
                &foreign,
                &[
                    "peppol_ap_previous_key_file",
                    "not a valid access point certificate",
                ][..],
            ),
            (
                "other.pem",
                &other_seat,
                &["peppol_ap_previous_key_file", "PXX000009"][..],
            ),
        ] {
            refused(
                Settings {
                    peppol_ap_previous_certificate_file: path(name, leaf.pem.as_bytes()),
                    ..base.clone()
                },
                words,
            );
        }
        refused(
            Settings {
                peppol_ap_previous_certificate_file: path("mismatch.pem", current.pem.as_bytes()),
                peppol_ap_previous_key_file: path(
                    "mismatch-key.pem",
                    previous.key_pem().as_bytes(),
                ),
                ..base.clone()
            },
            &["peppol_ap_previous_key_file", "not the certificate's key"],
        );
        refused(
            Settings {
                peppol_ap_previous_certificate_file: None,
                ..base.clone()
            },
            &["peppol_ap_previous_certificate_file must be set"],
        );
        refused(
            Settings {
                peppol_ap_key_file: None,
                peppol_ap_certificate_file: None,
                ..base.clone()
            },
            &[
                "peppol_ap_previous_key_file",
                "without the current access point key",
            ],
        );
    }
}
