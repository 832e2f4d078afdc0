//! Port: where the bytes of documents live (originals, renderings, evidence), apart from
//! their metadata. Content-addressed: a blob's name is the SHA-256 of its bytes, so storing
//! the same bytes twice is one blob, a retried upload is harmless, and a read can prove that
//! what came back is what was stored.

use std::{fmt, future::Future, path::Path};

use sha2::{Digest, Sha256};

use crate::{DomainError, DomainResult};

/// The SHA-256 of a blob, in lower-case hex: its name in the store.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ContentHash(String);

impl ContentHash {
    /// The hash of `bytes`.
    #[must_use]
    pub fn of(bytes: &[u8]) -> Self {
        Self(hex::encode(Sha256::digest(bytes)))
    }

    /// The hash named by a SHA-256 digest computed elsewhere (over bytes streamed a piece at
    /// a time, say).
    #[must_use]
    pub fn from_digest(digest: [u8; 32]) -> Self {
        Self(hex::encode(digest))
    }

    /// A hash read back from storage or a path: 64 lower-case hex digits.
    #[must_use]
    pub fn parse(hex_digits: &str) -> Option<Self> {
        (hex_digits.len() == 64
            && hex_digits
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
        .then(|| Self(hex_digits.to_owned()))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `bytes` are the content this hash names.
    #[must_use]
    pub fn matches(&self, bytes: &[u8]) -> bool {
        Self::of(bytes) == *self
    }
}

impl fmt::Display for ContentHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The error a store gives for stored bytes that no longer match their name (a damaged disk,
/// a tampered object): never returned as if they were the document.
#[must_use]
pub fn corrupt_blob(hash: &ContentHash) -> DomainError {
    DomainError::Unexpected(anyhow::anyhow!(
        "stored blob {hash} does not match its SHA-256; refusing to return it"
    ))
}

/// Port: the document store. Implementations: the local filesystem under the data directory,
/// and S3-compatible object storage (the `haven-storage` crate).
pub trait DocumentStore: Send + Sync {
    /// Stores `bytes` and returns their hash. Idempotent: storing bytes that are already
    /// there succeeds without rewriting them. Returns only once the bytes are durable (synced
    /// to disk, or acknowledged by the object store), so a row that names the hash may be
    /// committed after it.
    ///
    /// # Errors
    /// [`DomainError::Unavailable`] or [`DomainError::Unexpected`] when the bytes could not
    /// be stored; nothing is then known to be stored.
    fn put(&self, bytes: &[u8]) -> impl Future<Output = DomainResult<ContentHash>> + Send;

    /// Stores the whole content of the file at `file` (a spooled message, say) and returns
    /// its hash, as [`Self::put`] does with bytes. The file is read, not moved or removed.
    /// The stores stream it, so a blob of any size costs no more memory than a small one;
    /// this default, for stores kept in memory (test doubles), reads it whole, and blocking
    /// (the domain has no runtime of its own).
    ///
    /// # Errors
    /// As [`Self::put`]; [`DomainError::Unexpected`] when the file cannot be read.
    fn put_file(&self, file: &Path) -> impl Future<Output = DomainResult<ContentHash>> + Send {
        let file = file.to_path_buf();
        async move {
            let bytes = std::fs::read(&file).map_err(|e| {
                DomainError::Unexpected(
                    anyhow::Error::new(e).context(format!("reading {}", file.display())),
                )
            })?;
            self.put(&bytes).await
        }
    }

    /// The bytes named `hash`, verified against it.
    ///
    /// # Errors
    /// [`DomainError::NotFound`] (entity `"blob"`) when no such blob exists (purged),
    /// [`corrupt_blob`] when the bytes do not match, `Unavailable`/`Unexpected` when the
    /// store cannot be read.
    fn get(&self, hash: &ContentHash) -> impl Future<Output = DomainResult<Vec<u8>>> + Send;

    /// Whether a blob exists (without reading it).
    ///
    /// # Errors
    /// `Unavailable`/`Unexpected` when the store cannot be asked.
    fn exists(&self, hash: &ContentHash) -> impl Future<Output = DomainResult<bool>> + Send;

    /// Removes a blob (retention). Removing one that is not there succeeds.
    ///
    /// # Errors
    /// `Unavailable`/`Unexpected` when the store cannot be changed.
    fn delete(&self, hash: &ContentHash) -> impl Future<Output = DomainResult<()>> + Send;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_sha256_hex() {
        let h = ContentHash::of(b"abc");
        assert_eq!(
            h.as_str(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(h.matches(b"abc"));
        assert!(!h.matches(b"abd"));
        assert_eq!(ContentHash::parse(h.as_str()), Some(h));
        assert_eq!(ContentHash::parse("ABC"), None);
        assert_eq!(ContentHash::parse(&"G".repeat(64)), None);
    }
}
