//! How the document store is configured: serde-deserializable so the API's settings can
//! embed it (`kind = "filesystem"` or `kind = "s3"`).

use std::{fmt, path::PathBuf, time::Duration};

use serde::Deserialize;

/// Which document store, and its settings.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StorageConfig {
    /// Files under `root` (the API passes `<data_dir>/documents`): one instance.
    Filesystem { root: PathBuf },
    /// S3-compatible object storage: several instances can share it.
    S3(S3Config),
}

impl StorageConfig {
    /// The default: files under `<data_dir>/documents`.
    #[must_use]
    pub fn under_data_dir(data_dir: &std::path::Path) -> Self {
        Self::Filesystem {
            root: data_dir.join("documents"),
        }
    }
}

/// S3-compatible object storage. Keys are `<prefix>documents/<hash>`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct S3Config {
    /// For a non-AWS service (MinIO, Ceph, Garage, ...): its base URL. Requests then name
    /// the bucket in the path. `None`: AWS itself, by region.
    #[serde(default)]
    pub endpoint: Option<String>,
    pub bucket: String,
    #[serde(default = "default_region")]
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: Secret,
    /// Put before `documents/` in every key, to share a bucket; end it with `/`.
    #[serde(default)]
    pub key_prefix: String,
    /// Plain HTTP to the endpoint; only for a local test server.
    #[serde(default)]
    pub allow_http: bool,
    /// The longest one request may take, body included.
    #[serde(default = "default_request_timeout_ms")]
    pub request_timeout_ms: u64,
    #[serde(default = "default_connect_timeout_ms")]
    pub connect_timeout_ms: u64,
    /// How often a failed request is tried again (connection errors, time-outs, 5xx)
    /// before the operation reports the store unavailable.
    #[serde(default = "default_max_retries")]
    pub max_retries: usize,
    /// The first pause between tries; it doubles after each one.
    #[serde(default = "default_retry_backoff_ms")]
    pub retry_backoff_ms: u64,
}

impl S3Config {
    /// Settings for `bucket` with the defaults for everything optional.
    #[must_use]
    pub fn new(bucket: &str, access_key_id: &str, secret_access_key: &str) -> Self {
        Self {
            endpoint: None,
            bucket: bucket.to_owned(),
            region: default_region(),
            access_key_id: access_key_id.to_owned(),
            secret_access_key: Secret(secret_access_key.to_owned()),
            key_prefix: String::new(),
            allow_http: false,
            request_timeout_ms: default_request_timeout_ms(),
            connect_timeout_ms: default_connect_timeout_ms(),
            max_retries: default_max_retries(),
            retry_backoff_ms: default_retry_backoff_ms(),
        }
    }

    #[must_use]
    pub fn request_timeout(&self) -> Duration {
        Duration::from_millis(self.request_timeout_ms)
    }

    #[must_use]
    pub fn connect_timeout(&self) -> Duration {
        Duration::from_millis(self.connect_timeout_ms)
    }

    #[must_use]
    pub fn retry_backoff(&self) -> Duration {
        Duration::from_millis(self.retry_backoff_ms)
    }
}

fn default_region() -> String {
    "us-east-1".to_owned()
}

fn default_request_timeout_ms() -> u64 {
    30_000
}

fn default_connect_timeout_ms() -> u64 {
    5_000
}

fn default_max_retries() -> usize {
    3
}

fn default_retry_backoff_ms() -> u64 {
    100
}

/// A credential: readable by the code that signs with it, shown as `[redacted]` by `Debug`
/// so a logged configuration never contains it.
#[derive(Clone, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    #[must_use]
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filesystem_is_read_from_its_kind() {
        let config: StorageConfig =
            serde_json::from_str(r#"{"kind": "filesystem", "root": "/srv/haven/documents"}"#)
                .expect("valid");
        assert_eq!(
            config,
            StorageConfig::Filesystem {
                root: PathBuf::from("/srv/haven/documents")
            }
        );
    }

    #[test]
    fn the_default_is_documents_under_the_data_dir() {
        assert_eq!(
            StorageConfig::under_data_dir(std::path::Path::new("/srv/haven")),
            StorageConfig::Filesystem {
                root: PathBuf::from("/srv/haven/documents")
            }
        );
    }

    #[test]
    fn s3_fills_in_defaults() {
        let config: StorageConfig = serde_json::from_str(
            r#"{"kind": "s3", "bucket": "docs", "access_key_id": "AKIA", "secret_access_key": "s3cr3t"}"#,
        )
        .expect("valid");
        assert_eq!(
            config,
            StorageConfig::S3(S3Config::new("docs", "AKIA", "s3cr3t"))
        );
    }

    #[test]
    fn s3_rejects_unknown_fields() {
        let result = serde_json::from_str::<StorageConfig>(
            r#"{"kind": "s3", "bucket": "docs", "access_key_id": "a", "secret_access_key": "b", "bukket": "x"}"#,
        );
        assert!(result.is_err());
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let config = S3Config::new("docs", "AKIA", "s3cr3t-value");
        let shown = format!("{config:?}");
        assert!(!shown.contains("s3cr3t-value"), "{shown}");
        assert!(shown.contains("[redacted]"), "{shown}");
    }
}
