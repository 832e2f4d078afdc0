//! The client for the KvK API: Zoeken v2 (`GET {base}/api/v2/zoeken`) and Basisprofiel v1
//! (`GET {base}/api/v1/basisprofielen/{kvkNummer}`), authenticated with the `apikey` header.
//!
//! Time-outs (connect 3 s, whole request 10 s by default); up to 3 retries with exponential
//! backoff on 5xx, 429 (honouring `Retry-After` up to a cap) and connection failures. A
//! request that ran into the total time-out is not retried: the person is waiting at a form.
//! When the register cannot be reached the error says so in words for the user, and the
//! details go to the log. A `fout` saying the register temporarily cannot deliver data
//! (`IPD1002`, `IPD1003`) counts as unreachable whatever its HTTP status, and is not retried:
//! KvK asks to try again after minutes, not seconds.

use std::{path::Path, time::Duration};

use anyhow::Context as _;
use haven_domain::organizations::registry::{
    BusinessRegistry, RegistryCompany, RegistryError, RegistryQuery, RegistrySearchPage,
};
use reqwest::{header, StatusCode};

use crate::{
    check_kvk_number, check_query,
    wire::{Basisprofiel, Fout, ZoekResultaten},
};

/// What the user reads when the register cannot be reached.
pub const UNREACHABLE: &str = "The business register (KvK) could not be reached. Try again in a moment, or enter the organization's details by hand.";

/// What the user reads when the register refuses Haven's API key.
pub const KEY_REFUSED: &str = "The business register (KvK) refused Haven's API key, so searching it does not work now; an operator should check the kvk_api_key setting (HAVEN_KVK_API_KEY). Enter the organization's details by hand.";

/// The `fout` codes for "temporarily unable to get data".
const TEMPORARILY_UNAVAILABLE_CODES: [&str; 2] = ["IPD1002", "IPD1003"];

/// Time-outs and retries of the client.
#[derive(Debug, Clone)]
pub struct KvkClientOptions {
    /// Time to establish a connection.
    pub connect_timeout: Duration,
    /// Time for a whole request, answer included.
    pub timeout: Duration,
    /// Retries after the first attempt, on 5xx, 429 and connection failures.
    pub max_retries: u32,
    /// Wait before the first retry; doubles with each further one.
    pub backoff: Duration,
    /// The longest `Retry-After` honoured; longer ones are cut to this.
    pub max_retry_after: Duration,
    /// Extra trusted root certificates, from [`read_ca_file`]. The KvK API's certificate chain
    /// ends in the "Staat der Nederlanden Private Root CA – G1", which is not in the public
    /// root store the client trusts by default.
    pub extra_root_certificates: Vec<reqwest::Certificate>,
}

impl Default for KvkClientOptions {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(3),
            timeout: Duration::from_secs(10),
            max_retries: 3,
            backoff: Duration::from_millis(250),
            max_retry_after: Duration::from_secs(5),
            extra_root_certificates: Vec::new(),
        }
    }
}

pub struct KvkClient {
    http: reqwest::Client,
    base_url: String,
    api_key: String,
    options: KvkClientOptions,
}

impl std::fmt::Debug for KvkClient {
    // Hand-written so that the API key never reaches a log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KvkClient")
            .field("base_url", &self.base_url)
            .field("api_key", &"<set>")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

/// One answer the client does not retry: its status and body.
struct Answer {
    status: StatusCode,
    body: Vec<u8>,
}

impl KvkClient {
    /// A client with the default time-outs and retries.
    ///
    /// # Errors
    /// When the base URL is not an http(s) URL or the API key is empty.
    pub fn new(base_url: &str, api_key: &str) -> anyhow::Result<Self> {
        Self::with_options(base_url, api_key, KvkClientOptions::default())
    }

    /// # Errors
    /// When the base URL is not an http(s) URL or the API key is empty.
    pub fn with_options(
        base_url: &str,
        api_key: &str,
        options: KvkClientOptions,
    ) -> anyhow::Result<Self> {
        let base_url = base_url.trim().trim_end_matches('/').to_owned();
        let parsed = reqwest::Url::parse(&base_url)
            .map_err(|e| anyhow::anyhow!("kvk_api_url {base_url:?} is not a URL: {e}"))?;
        anyhow::ensure!(
            matches!(parsed.scheme(), "http" | "https"),
            "kvk_api_url {base_url:?} must start with https:// (or http:// for a local test server)"
        );
        let api_key = api_key.trim().to_owned();
        anyhow::ensure!(
            !api_key.is_empty(),
            "the KvK business register needs an API key: set kvk_api_key (HAVEN_KVK_API_KEY)"
        );
        let mut builder = reqwest::Client::builder()
            .connect_timeout(options.connect_timeout)
            .timeout(options.timeout)
            .user_agent(concat!("Haven/", env!("CARGO_PKG_VERSION")));
        for certificate in &options.extra_root_certificates {
            builder = builder.add_root_certificate(certificate.clone());
        }
        Ok(Self {
            http: builder.build()?,
            base_url,
            api_key,
            options,
        })
    }

    #[must_use]
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    fn backoff(&self, retry: u32) -> Duration {
        self.options
            .backoff
            .saturating_mul(2u32.saturating_pow(retry))
    }

    /// GET with retries; returns the first answer that is not 5xx/429.
    async fn get(&self, url: &str, query: &[(&str, String)]) -> Result<Answer, RegistryError> {
        let mut retry = 0;
        loop {
            let sent = self
                .http
                .get(url)
                .query(query)
                .header("apikey", &self.api_key)
                .header(header::ACCEPT, "application/json")
                .send()
                .await;
            let (wait, problem) = match sent {
                Ok(response) => {
                    let status = response.status();
                    if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
                        let wait = retry_after(&response)
                            .map(|d| d.min(self.options.max_retry_after))
                            .unwrap_or_else(|| self.backoff(retry));
                        (wait, format!("HTTP {status}"))
                    } else {
                        return match response.bytes().await {
                            Ok(body) => Ok(Answer {
                                status,
                                body: body.to_vec(),
                            }),
                            Err(e) => {
                                tracing::warn!(%url, error = %e, "the KvK API's answer could not be read");
                                Err(RegistryError::Unavailable(UNREACHABLE.to_owned()))
                            }
                        };
                    }
                }
                Err(e) if e.is_timeout() => {
                    tracing::warn!(%url, error = %e, timeout = ?self.options.timeout, "the KvK API did not answer in time");
                    return Err(RegistryError::Unavailable(UNREACHABLE.to_owned()));
                }
                Err(e) => (self.backoff(retry), error_chain(&e)),
            };
            if retry >= self.options.max_retries {
                tracing::warn!(%url, attempts = retry + 1, last = %problem, "the KvK API is unavailable");
                return Err(RegistryError::Unavailable(UNREACHABLE.to_owned()));
            }
            tracing::debug!(%url, attempt = retry + 1, %problem, ?wait, "retrying the KvK API");
            retry += 1;
            tokio::time::sleep(wait).await;
        }
    }

    /// `IPD1002`/`IPD1003` in a `fout` body: the register is up but temporarily cannot deliver
    /// data. Zoeken 2.1.0 moved this condition from `IPD9999` (a 500) to `IPD1003`; read as a
    /// 404 it would look like "no results", read as a 400 like a refused query.
    fn temporarily_unavailable(&self, url: &str, answer: &Answer) -> Option<RegistryError> {
        if answer.status.is_success() {
            return None;
        }
        let fout = serde_json::from_slice::<Fout>(&answer.body).ok()?;
        if !fout
            .fout
            .iter()
            .any(|f| TEMPORARILY_UNAVAILABLE_CODES.contains(&f.code.as_str()))
        {
            return None;
        }
        tracing::warn!(%url, status = %answer.status, detail = %fout.describe(), "the KvK API temporarily cannot deliver data");
        Some(RegistryError::Unavailable(UNREACHABLE.to_owned()))
    }

    /// The errors every endpoint shares, for statuses other than 200 and 404.
    fn failure(&self, url: &str, answer: &Answer) -> RegistryError {
        let fout = serde_json::from_slice::<Fout>(&answer.body).ok();
        let detail = fout.as_ref().map(Fout::describe).unwrap_or_default();
        match answer.status {
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
                tracing::error!(%url, status = %answer.status, %detail, "the KvK API refused the API key (kvk_api_key)");
                RegistryError::Unavailable(KEY_REFUSED.to_owned())
            }
            StatusCode::BAD_REQUEST => {
                tracing::info!(%url, %detail, "the KvK API refused the query");
                RegistryError::Rejected(match fout.and_then(|f| f.fout.into_iter().next()) {
                    Some(f) => format!(
                        "The business register refused the search: {}",
                        f.omschrijving
                    ),
                    None => {
                        "The business register refused the search; check the KvK number or name."
                            .to_owned()
                    }
                })
            }
            status => {
                tracing::warn!(%url, %status, %detail, "unexpected answer from the KvK API");
                RegistryError::Unavailable(UNREACHABLE.to_owned())
            }
        }
    }

    /// A 404 from the real API carries a `fout` body; one without it means the URL is wrong.
    fn is_kvk_not_found(&self, url: &str, answer: &Answer) -> bool {
        let kvk = serde_json::from_slice::<Fout>(&answer.body).is_ok();
        if !kvk {
            tracing::error!(%url, "404 without a KvK error body: is kvk_api_url right?");
        }
        kvk
    }
}

/// The certificates of the `kvk_ca_file` setting, read from `path`; see [`parse_ca_file`].
///
/// # Errors
/// When the file cannot be read or holds no usable certificate, in words naming the setting.
pub fn read_ca_file(path: &Path) -> anyhow::Result<Vec<reqwest::Certificate>> {
    let bytes = std::fs::read(path)
        .with_context(|| format!("could not read kvk_ca_file {}", path.display()))?;
    parse_ca_file(&bytes).with_context(|| format!("kvk_ca_file {}", path.display()))
}

/// The certificates of a `kvk_ca_file`: PEM with one or more `CERTIFICATE` blocks, or a
/// single DER certificate (the form in which the Dutch state roots are published). Each one
/// is checked here, so that a wrong file stops Haven at startup instead of silently adding
/// nothing.
///
/// # Errors
/// An empty file, PEM without a certificate, or anything that is not an X.509 certificate.
pub fn parse_ca_file(bytes: &[u8]) -> anyhow::Result<Vec<reqwest::Certificate>> {
    anyhow::ensure!(
        !bytes.iter().all(u8::is_ascii_whitespace),
        "kvk_ca_file is empty: it must hold a root certificate (PEM or DER)"
    );
    let is_pem = bytes.windows(11).any(|w| w == b"-----BEGIN ");
    let certificates = if is_pem {
        let certificates = reqwest::Certificate::from_pem_bundle(bytes)
            .map_err(|e| anyhow::anyhow!("kvk_ca_file is not valid PEM: {e}"))?;
        anyhow::ensure!(
            !certificates.is_empty(),
            "kvk_ca_file holds no certificate: its PEM has no CERTIFICATE block"
        );
        certificates
    } else {
        vec![reqwest::Certificate::from_der(bytes)
            .map_err(|e| anyhow::anyhow!("kvk_ca_file is not a DER certificate: {e}"))?]
    };
    let count = certificates.len();
    for (i, certificate) in certificates.iter().enumerate() {
        anyhow::ensure!(
            is_trust_anchor(certificate),
            "{} in kvk_ca_file is not an X.509 certificate (expected PEM or DER)",
            if count == 1 {
                "the certificate".to_owned()
            } else {
                format!("certificate {} of {count}", i + 1)
            }
        );
    }
    Ok(certificates)
}

/// Whether the TLS stack accepts `certificate` as a root: the rustls backend only parses a
/// certificate when the client is built, so build one that trusts nothing else.
fn is_trust_anchor(certificate: &reqwest::Certificate) -> bool {
    reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(certificate.clone())
        .build()
        .is_ok()
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

/// `Retry-After` in seconds (the HTTP-date form is not used by the KvK API).
fn retry_after(response: &reqwest::Response) -> Option<Duration> {
    let value = response.headers().get(header::RETRY_AFTER)?.to_str().ok()?;
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

fn unexpected_body(url: &str, e: &serde_json::Error) -> RegistryError {
    tracing::warn!(%url, error = %e, "the KvK API's answer has an unexpected shape");
    RegistryError::Unavailable(UNREACHABLE.to_owned())
}

impl BusinessRegistry for KvkClient {
    fn shares_contact_email(&self) -> bool {
        // The Basisprofiel has no e-mail field (`emailadres` is a test-data extension).
        false
    }

    async fn search(&self, query: &RegistryQuery) -> Result<RegistrySearchPage, RegistryError> {
        let q = check_query(query)?;
        let mut params: Vec<(&str, String)> = Vec::new();
        if let Some(k) = q.kvk_number {
            params.push(("kvkNummer", k));
        }
        if let Some(n) = q.name {
            params.push(("naam", n));
        }
        if let Some(p) = q.place {
            params.push(("plaats", p));
        }
        params.push(("pagina", query.page_number().to_string()));
        params.push(("resultatenPerPagina", query.page_size().to_string()));
        let url = format!("{}/api/v2/zoeken", self.base_url);
        let answer = self.get(&url, &params).await?;
        if let Some(e) = self.temporarily_unavailable(&url, &answer) {
            return Err(e);
        }
        match answer.status {
            StatusCode::OK => {
                let found: ZoekResultaten =
                    serde_json::from_slice(&answer.body).map_err(|e| unexpected_body(&url, &e))?;
                let seen = u64::from(found.pagina.max(1)) * u64::from(found.resultaten_per_pagina);
                Ok(RegistrySearchPage {
                    hits: found.resultaten.iter().filter_map(|r| r.to_hit()).collect(),
                    has_more: seen < u64::from(found.totaal),
                })
            }
            // "Geen resultaten gevonden" is a 404 in the KvK API.
            StatusCode::NOT_FOUND if self.is_kvk_not_found(&url, &answer) => {
                Ok(RegistrySearchPage::default())
            }
            StatusCode::NOT_FOUND => Err(RegistryError::Unavailable(UNREACHABLE.to_owned())),
            _ => Err(self.failure(&url, &answer)),
        }
    }

    async fn profile(&self, kvk_number: &str) -> Result<RegistryCompany, RegistryError> {
        let kvk_number = check_kvk_number(kvk_number)?;
        let url = format!("{}/api/v1/basisprofielen/{kvk_number}", self.base_url);
        let answer = self.get(&url, &[]).await?;
        if let Some(e) = self.temporarily_unavailable(&url, &answer) {
            return Err(e);
        }
        match answer.status {
            StatusCode::OK => {
                let profile: Basisprofiel =
                    serde_json::from_slice(&answer.body).map_err(|e| unexpected_body(&url, &e))?;
                Ok(profile.to_company())
            }
            StatusCode::NOT_FOUND if self.is_kvk_not_found(&url, &answer) => {
                Err(RegistryError::NotFound)
            }
            StatusCode::NOT_FOUND => Err(RegistryError::Unavailable(UNREACHABLE.to_owned())),
            _ => Err(self.failure(&url, &answer)),
        }
    }
}
