//! Blobs as objects in S3-compatible storage, keyed `<prefix>documents/<hash>`.

use std::{error::Error as StdError, io::Read as _, path::Path, sync::Arc};

use haven_domain::{
    documents::blobs::{ContentHash, DocumentStore},
    DomainError, DomainResult, ExternalService,
};
use object_store::{
    aws::{AmazonS3, AmazonS3Builder},
    path::Path as ObjectPath,
    BackoffConfig, ClientOptions, ObjectStore, PutPayload, RetryConfig, WriteMultipart,
};
use tokio::io::AsyncReadExt as _;
use tracing::Instrument;

use crate::{hash_of, on_blocking_pool, verified, S3Config, StreamingHash, PIECE};

/// Files up to this size are stored with one PUT (read whole); larger ones in parts.
const SINGLE_PUT_MAX: u64 = 8 * 1024 * 1024;
/// The size of one part of a multipart upload (S3 wants at least 5 MiB but for the last).
const PART_SIZE: usize = 8 * 1024 * 1024;
/// Parts uploaded at once: with [`PART_SIZE`], what a large upload holds in memory.
const PARTS_AT_ONCE: usize = 2;

/// The S3 document store. Cheap to clone: clones share one connection pool.
#[derive(Debug, Clone)]
pub struct S3Store {
    client: Arc<AmazonS3>,
    key_prefix: String,
}

impl S3Store {
    /// A client for the configured bucket; nothing is contacted until the first operation.
    ///
    /// # Errors
    /// [`DomainError::Unexpected`] when the settings cannot make a client (a malformed
    /// endpoint, say). The message names the setting, never a credential.
    pub fn new(config: &S3Config) -> DomainResult<Self> {
        let options = ClientOptions::new()
            .with_allow_http(config.allow_http)
            .with_timeout(config.request_timeout())
            .with_connect_timeout(config.connect_timeout());
        let retry = RetryConfig {
            backoff: BackoffConfig {
                init_backoff: config.retry_backoff(),
                max_backoff: config.retry_backoff().saturating_mul(8),
                base: 2.0,
            },
            max_retries: config.max_retries,
            // The number of tries bounds the retries; the per-request timeout bounds each.
            retry_timeout: config.request_timeout().saturating_mul(
                u32::try_from(config.max_retries)
                    .unwrap_or(u32::MAX)
                    .saturating_add(1),
            ),
        };
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(&config.bucket)
            .with_region(&config.region)
            .with_access_key_id(&config.access_key_id)
            .with_secret_access_key(config.secret_access_key.expose())
            .with_client_options(options)
            .with_retry(retry);
        if let Some(endpoint) = &config.endpoint {
            // Credentials belong in their own settings; in the URL they would reach the logs.
            if endpoint.contains('@') {
                return Err(DomainError::Unexpected(anyhow::anyhow!(
                    "the S3 endpoint must not contain credentials (user@host)"
                )));
            }
            builder = builder.with_endpoint(endpoint);
        }
        let client = builder.build().map_err(|e| {
            DomainError::Unexpected(anyhow::anyhow!("invalid S3 configuration: {e}"))
        })?;
        Ok(Self {
            client: Arc::new(client),
            key_prefix: config.key_prefix.clone(),
        })
    }

    /// The object key of `hash`: `<prefix>documents/<hash>`.
    #[must_use]
    pub fn key_of(&self, hash: &ContentHash) -> String {
        format!("{}documents/{hash}", self.key_prefix)
    }

    fn path_of(&self, hash: &ContentHash) -> ObjectPath {
        ObjectPath::from(self.key_of(hash))
    }
}

impl DocumentStore for S3Store {
    async fn put(&self, bytes: &[u8]) -> DomainResult<ContentHash> {
        let span = tracing::info_span!(
            "document_store.put",
            backend = "s3",
            hash = tracing::field::Empty,
            size = bytes.len()
        );
        async {
            let (hash, bytes) = hash_of(bytes.to_vec()).await?;
            tracing::Span::current().record("hash", tracing::field::display(&hash));
            let path = self.path_of(&hash);
            // Already there: the key says it holds these bytes, so nothing is rewritten.
            match self.client.head(&path).await {
                Ok(_) => return Ok(hash),
                Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(map_error(e, "look up", &hash)),
            }
            // One PUT with the whole body: S3 stores an object only when all of it arrived,
            // so a dropped upload leaves nothing behind.
            match self.client.put(&path, PutPayload::from(bytes)).await {
                Ok(_) => {}
                // A PUT names no existing object: a 404 means the bucket is missing.
                Err(e @ object_store::Error::NotFound { .. }) => {
                    return Err(DomainError::Unexpected(
                        anyhow::Error::new(e).context(format!("could not store blob {hash}")),
                    ));
                }
                Err(e) => return Err(map_error(e, "store", &hash)),
            }
            Ok(hash)
        }
        .instrument(span)
        .await
    }

    async fn put_file(&self, file: &Path) -> DomainResult<ContentHash> {
        let span = tracing::info_span!(
            "document_store.put_file",
            backend = "s3",
            hash = tracing::field::Empty,
            size = tracing::field::Empty
        );
        async {
            // The key is the hash, so the file is read once to name it before it is sent.
            let source = file.to_path_buf();
            let (hash, size) = on_blocking_pool(move || hash_file(&source)).await??;
            let span = tracing::Span::current();
            span.record("hash", tracing::field::display(&hash));
            span.record("size", size);
            let path = self.path_of(&hash);
            match self.client.head(&path).await {
                Ok(_) => return Ok(hash),
                Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(map_error(e, "look up", &hash)),
            }
            if size <= SINGLE_PUT_MAX {
                let bytes = tokio::fs::read(file)
                    .await
                    .map_err(|e| read_error(e, file))?;
                if ContentHash::of(&bytes) != hash {
                    return Err(changed_while_stored(file));
                }
                return match self.client.put(&path, PutPayload::from(bytes)).await {
                    Ok(_) => Ok(hash),
                    Err(e @ object_store::Error::NotFound { .. }) => Err(DomainError::Unexpected(
                        anyhow::Error::new(e).context(format!("could not store blob {hash}")),
                    )),
                    Err(e) => Err(map_error(e, "store", &hash)),
                };
            }
            self.upload_in_parts(file, &path, &hash).await?;
            Ok(hash)
        }
        .instrument(span)
        .await
    }

    async fn get(&self, hash: &ContentHash) -> DomainResult<Vec<u8>> {
        async {
            let path = self.path_of(hash);
            let found = self
                .client
                .get(&path)
                .await
                .map_err(|e| map_error(e, "read", hash))?;
            let bytes = found
                .bytes()
                .await
                .map_err(|e| map_error(e, "read", hash))?;
            verified(hash, bytes.to_vec()).await
        }
        .instrument(tracing::info_span!("document_store.get", backend = "s3", %hash))
        .await
    }

    async fn exists(&self, hash: &ContentHash) -> DomainResult<bool> {
        async {
            match self.client.head(&self.path_of(hash)).await {
                Ok(_) => Ok(true),
                Err(object_store::Error::NotFound { .. }) => Ok(false),
                Err(e) => Err(map_error(e, "look up", hash)),
            }
        }
        .instrument(tracing::info_span!("document_store.exists", backend = "s3", %hash))
        .await
    }

    async fn delete(&self, hash: &ContentHash) -> DomainResult<()> {
        async {
            // S3 answers a DELETE of a missing key with success; some servers say 404.
            match self.client.delete(&self.path_of(hash)).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
                Err(e) => Err(map_error(e, "delete", hash)),
            }
        }
        .instrument(tracing::info_span!("document_store.delete", backend = "s3", %hash))
        .await
    }
}

impl S3Store {
    /// Uploads `file` as the object `path` in parts of [`PART_SIZE`], at most
    /// [`PARTS_AT_ONCE`] in flight. S3 makes the object only when the upload is completed,
    /// which happens only once every part is sent and the bytes sent hash to `hash` (the file
    /// did not change since it was named); otherwise the upload is aborted, so that no parts
    /// are left to pay for.
    async fn upload_in_parts(
        &self,
        file: &Path,
        path: &ObjectPath,
        hash: &ContentHash,
    ) -> DomainResult<()> {
        let upload = self
            .client
            .put_multipart(path)
            .await
            .map_err(|e| map_error(e, "start storing", hash))?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_SIZE);
        let sent = async {
            let mut input = tokio::fs::File::open(file)
                .await
                .map_err(|e| read_error(e, file))?;
            let mut hasher = StreamingHash::default();
            let mut piece = vec![0u8; PIECE];
            loop {
                let n = input
                    .read(&mut piece)
                    .await
                    .map_err(|e| read_error(e, file))?;
                if n == 0 {
                    break;
                }
                writer
                    .wait_for_capacity(PARTS_AT_ONCE)
                    .await
                    .map_err(|e| map_error(e, "store", hash))?;
                hasher.update(&piece[..n]);
                writer.write(&piece[..n]);
            }
            if hasher.finish().0 == *hash {
                Ok(())
            } else {
                Err(changed_while_stored(file))
            }
        }
        .await;
        match sent {
            Ok(()) => writer
                .finish()
                .await
                .map(|_| ())
                .map_err(|e| map_error(e, "store", hash)),
            Err(e) => {
                if let Err(aborted) = writer.abort().await {
                    tracing::warn!(%hash, error = %aborted, "could not abort a multipart upload");
                }
                Err(e)
            }
        }
    }
}

/// The hash and size of a file, read a piece at a time.
fn hash_file(file: &Path) -> DomainResult<(ContentHash, u64)> {
    let mut input = std::fs::File::open(file).map_err(|e| read_error(e, file))?;
    let mut hasher = StreamingHash::default();
    let mut piece = vec![0u8; PIECE];
    loop {
        match input.read(&mut piece) {
            Ok(0) => return Ok(hasher.finish()),
            Ok(n) => hasher.update(&piece[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(read_error(e, file)),
        }
    }
}

fn read_error(error: std::io::Error, file: &Path) -> DomainError {
    DomainError::Unexpected(
        anyhow::Error::new(error).context(format!("could not read {}", file.display())),
    )
}

fn changed_while_stored(file: &Path) -> DomainError {
    DomainError::Unexpected(anyhow::anyhow!(
        "{} changed while it was being stored",
        file.display()
    ))
}

/// An object store failure in business terms: a missing object is `NotFound`, a store that
/// cannot be reached or answers 5xx (after the client's retries) is `Unavailable`, the rest
/// (refused credentials, a missing bucket, a malformed answer) `Unexpected`. object_store's
/// messages name the URL and status but never the credentials or the signature.
fn map_error(error: object_store::Error, action: &str, hash: &ContentHash) -> DomainError {
    match error {
        object_store::Error::NotFound { .. } => DomainError::not_found("blob", hash),
        error if is_unavailable(&error) => DomainError::Unavailable {
            service: ExternalService::ObjectStorage,
            message: format!("could not {action} blob {hash}: {error}"),
        },
        error => DomainError::Unexpected(
            anyhow::Error::new(error).context(format!("could not {action} blob {hash}")),
        ),
    }
}

fn is_unavailable(error: &(dyn StdError + 'static)) -> bool {
    let mut current = Some(error);
    while let Some(cause) = current {
        // object_store keeps its own HTTP error out of the source chain, but the reqwest
        // error under it is there.
        if let Some(http) = cause.downcast_ref::<reqwest::Error>() {
            return http.is_connect() || http.is_timeout() || http.is_request() || http.is_body();
        }
        // Its status error type is private; the message is the only handle on a 5xx.
        if cause
            .to_string()
            .starts_with("Server returned non-2xx status code: 5")
        {
            return true;
        }
        current = cause.source();
    }
    false
}
