//! The document store adapters: where the bytes of documents live, named by their SHA-256.
//!
//! [`FsStore`] keeps them as files under the data directory (one instance, the default);
//! [`S3Store`] keeps them in S3-compatible object storage (several instances sharing one
//! store). [`Storage`] is the one the configuration chose; all three implement the domain's
//! [`DocumentStore`](haven_domain::documents::blobs::DocumentStore) port.

mod config;
mod fs;
mod s3;

use haven_domain::{
    documents::blobs::{ContentHash, DocumentStore},
    DomainError, DomainResult,
};

pub use config::{S3Config, Secret, StorageConfig};
pub use fs::FsStore;
pub use s3::S3Store;

/// The document store the configuration chose.
#[derive(Debug, Clone)]
pub enum Storage {
    Fs(FsStore),
    S3(S3Store),
}

impl Storage {
    /// Builds the configured store. Nothing is contacted yet: a store that cannot be reached
    /// shows as `Unavailable` on the first operation.
    ///
    /// # Errors
    /// [`DomainError::Unexpected`] when the S3 settings cannot make a client (a malformed
    /// endpoint, say); the message never contains the credentials.
    pub fn from_config(config: &StorageConfig) -> DomainResult<Self> {
        Ok(match config {
            StorageConfig::Filesystem { root } => Self::Fs(FsStore::new(root.clone())),
            StorageConfig::S3(s3) => Self::S3(S3Store::new(s3)?),
        })
    }
}

impl DocumentStore for Storage {
    async fn put(&self, bytes: &[u8]) -> DomainResult<ContentHash> {
        match self {
            Self::Fs(store) => store.put(bytes).await,
            Self::S3(store) => store.put(bytes).await,
        }
    }

    async fn put_file(&self, file: &std::path::Path) -> DomainResult<ContentHash> {
        match self {
            Self::Fs(store) => store.put_file(file).await,
            Self::S3(store) => store.put_file(file).await,
        }
    }

    async fn get(&self, hash: &ContentHash) -> DomainResult<Vec<u8>> {
        match self {
            Self::Fs(store) => store.get(hash).await,
            Self::S3(store) => store.get(hash).await,
        }
    }

    async fn exists(&self, hash: &ContentHash) -> DomainResult<bool> {
        match self {
            Self::Fs(store) => store.exists(hash).await,
            Self::S3(store) => store.exists(hash).await,
        }
    }

    async fn delete(&self, hash: &ContentHash) -> DomainResult<()> {
        match self {
            Self::Fs(store) => store.delete(hash).await,
            Self::S3(store) => store.delete(hash).await,
        }
    }
}

/// How much of a file is read at a time when it is stored from disk.
const PIECE: usize = 256 * 1024;

/// The SHA-256 of bytes that come a piece at a time, and how many there were.
#[derive(Default)]
struct StreamingHash {
    hasher: sha2::Sha256,
    size: u64,
}

impl StreamingHash {
    fn update(&mut self, piece: &[u8]) {
        use sha2::Digest as _;
        self.hasher.update(piece);
        self.size += piece.len() as u64;
    }

    fn finish(self) -> (ContentHash, u64) {
        use sha2::Digest as _;
        (
            ContentHash::from_digest(self.hasher.finalize().into()),
            self.size,
        )
    }
}

/// Hashing and verifying tens of megabytes takes long enough to stall an async worker, so
/// both run on the blocking pool.
async fn on_blocking_pool<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> DomainResult<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| DomainError::Unexpected(anyhow::Error::new(e).context("blocking task failed")))
}

/// The hash of `bytes`, computed off the async workers; the bytes come back for the upload.
async fn hash_of(bytes: Vec<u8>) -> DomainResult<(ContentHash, Vec<u8>)> {
    on_blocking_pool(move || (ContentHash::of(&bytes), bytes)).await
}

/// `bytes` if they are the content `hash` names, else the corrupt-blob error (never the bytes).
async fn verified(hash: &ContentHash, bytes: Vec<u8>) -> DomainResult<Vec<u8>> {
    let expected = hash.clone();
    let (matches, bytes) = on_blocking_pool(move || (expected.matches(&bytes), bytes)).await?;
    if matches {
        Ok(bytes)
    } else {
        tracing::error!(%hash, "stored blob does not match its hash");
        Err(haven_domain::documents::blobs::corrupt_blob(hash))
    }
}
