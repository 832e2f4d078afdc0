//! The Peppol Directory's indexer, called as Haven's SMP: `PUT {base}/indexer/1.0/` with the
//! participant id (`iso6523-actorid-upis::0106:…`) as the body to have it (re)indexed, after
//! which the Directory fetches the business card from the SMP; `DELETE
//! {base}/indexer/1.0/{percent-encoded participant id}` to drop it. The Directory knows the
//! caller by its TLS client certificate, which must be the SMP certificate; it answers 204 and
//! does the work later.

use std::time::Duration;

use haven_domain::peppol::directory::{DirectoryError, DirectoryIndexer};
use reqwest::StatusCode;

use crate::identifiers::ParticipantIdentifier;

/// Where the indexer is below the Directory's base URL.
pub const INDEXER_PATH: &str = "/indexer/1.0/";

/// The production Directory.
pub const PRODUCTION_DIRECTORY: &str = "https://directory.peppol.eu";
/// The Directory of the Peppol test network.
pub const TEST_DIRECTORY: &str = "https://test-directory.peppol.eu";

/// The indexer client ([`DirectoryIndexer`]).
pub struct DirectoryClient {
    indexer: String,
    client: reqwest::Client,
}

impl DirectoryClient {
    /// A client for the Directory at `base_url` (https), presenting the SMP certificate
    /// (`certificate_pem`, with its chain if wanted) and key (`key_pem`, PKCS#8). `extra_roots_pem`
    /// adds certificate authorities the Directory's server certificate may be issued by,
    /// besides the public ones (a private Directory, tests).
    ///
    /// # Errors
    /// When the URL is not https, or the key, certificates or client cannot be used.
    pub fn new(
        base_url: &str,
        key_pem: &[u8],
        certificate_pem: &[u8],
        extra_roots_pem: Option<&[u8]>,
        timeout: Duration,
    ) -> Result<Self, String> {
        let base = base_url.trim_end_matches('/');
        let parsed = reqwest::Url::parse(base).map_err(|_| format!("{base} is not a URL"))?;
        if parsed.scheme() != "https" {
            return Err(format!("{base} is not an https URL"));
        }
        let mut identity_pem = key_pem.to_vec();
        identity_pem.push(b'\n');
        identity_pem.extend_from_slice(certificate_pem);
        let identity = reqwest::Identity::from_pem(&identity_pem)
            .map_err(|e| format!("the SMP key and certificate cannot be used for TLS: {e}"))?;
        let mut builder = reqwest::Client::builder()
            .use_rustls_tls()
            .identity(identity)
            .timeout(timeout)
            .connect_timeout(timeout)
            .redirect(reqwest::redirect::Policy::none());
        if let Some(pem) = extra_roots_pem {
            let roots = reqwest::Certificate::from_pem_bundle(pem)
                .map_err(|e| format!("the Directory CA file cannot be read: {e}"))?;
            if roots.is_empty() {
                return Err("the Directory CA file holds no certificate".into());
            }
            for root in roots {
                builder = builder.add_root_certificate(root);
            }
        }
        let client = builder
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        Ok(Self {
            indexer: format!("{base}{INDEXER_PATH}"),
            client,
        })
    }

    async fn send(
        &self,
        request: reqwest::RequestBuilder,
        what: &str,
    ) -> Result<(), DirectoryError> {
        let response = request.send().await.map_err(|e| {
            DirectoryError::Passing(format!(
                "the Peppol Directory could not be reached to {what}: {}",
                crate::http::describe(&e)
            ))
        })?;
        judge(response.status(), what)
    }
}

/// 2xx is done; a time-out, 429 and 5xx may pass; any other answer is final.
fn judge(status: StatusCode, what: &str) -> Result<(), DirectoryError> {
    if status.is_success() {
        Ok(())
    } else if status.is_server_error()
        || status == StatusCode::TOO_MANY_REQUESTS
        || status == StatusCode::REQUEST_TIMEOUT
    {
        Err(DirectoryError::Passing(format!(
            "the Peppol Directory answered {status} to {what}"
        )))
    } else {
        Err(DirectoryError::Final(format!(
            "the Peppol Directory refused to {what}: {status}"
        )))
    }
}

fn participant(participant_id: &str) -> Result<ParticipantIdentifier, DirectoryError> {
    ParticipantIdentifier::from_value(participant_id)
        .map_err(|e| DirectoryError::Final(format!("{participant_id}: {e}")))
}

impl DirectoryIndexer for DirectoryClient {
    async fn index(&self, participant_id: &str) -> Result<(), DirectoryError> {
        let participant = participant(participant_id)?;
        let request = self
            .client
            .put(&self.indexer)
            .header(reqwest::header::CONTENT_TYPE, "text/plain; charset=utf-8")
            .body(participant.to_string());
        self.send(request, "index the participant").await
    }

    async fn remove(&self, participant_id: &str) -> Result<(), DirectoryError> {
        let participant = participant(participant_id)?;
        let request = self
            .client
            .delete(format!("{}{}", self.indexer, participant.url_encoded()));
        self.send(request, "remove the participant").await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_judged_passing_or_final() {
        assert!(judge(StatusCode::NO_CONTENT, "x").is_ok());
        assert!(matches!(
            judge(StatusCode::SERVICE_UNAVAILABLE, "x"),
            Err(DirectoryError::Passing(_))
        ));
        assert!(matches!(
            judge(StatusCode::TOO_MANY_REQUESTS, "x"),
            Err(DirectoryError::Passing(_))
        ));
        assert!(matches!(
            judge(StatusCode::FORBIDDEN, "x"),
            Err(DirectoryError::Final(_))
        ));
    }

    #[test]
    fn only_https_directories() {
        let err = DirectoryClient::new(
            "http://directory.example",
            b"",
            b"",
            None,
            Duration::from_secs(5),
        )
        .err()
        .unwrap_or_default();
        assert!(err.contains("https"), "{err}");
    }
}
