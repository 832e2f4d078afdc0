//! The behaviour the DocumentStore port promises, checked the same way on every backend.

use std::{future::Future, sync::Arc};

use haven_domain::{
    documents::blobs::{ContentHash, DocumentStore},
    DomainError,
};

use super::document;

/// A store under test and how to look behind its back.
pub trait Backend {
    type Store: DocumentStore + Send + Sync + 'static;
    fn store(&self) -> Arc<Self::Store>;
    /// How many blobs the backend holds (files or objects), temporary files included.
    fn stored_count(&self) -> impl Future<Output = usize>;
    /// Replaces the stored bytes of `hash` without going through the store.
    fn overwrite(&self, hash: &ContentHash, bytes: &[u8]) -> impl Future<Output = ()>;
}

pub async fn round_trip(backend: &impl Backend) {
    let store = backend.store();
    let bytes = document(1, 100_000);
    let hash = store.put(&bytes).await.unwrap();
    assert_eq!(hash, ContentHash::of(&bytes));
    assert!(store.exists(&hash).await.unwrap());
    assert_eq!(store.get(&hash).await.unwrap(), bytes);
    // The empty document is a document too.
    let empty = store.put(b"").await.unwrap();
    assert_eq!(store.get(&empty).await.unwrap(), Vec::<u8>::new());
}

pub async fn putting_twice_is_one_blob(backend: &impl Backend) {
    let store = backend.store();
    let bytes = document(2, 5_000);
    let first = store.put(&bytes).await.unwrap();
    let second = store.put(&bytes).await.unwrap();
    assert_eq!(first, second);
    assert_eq!(backend.stored_count().await, 1);
    let other = store.put(&document(3, 5_000)).await.unwrap();
    assert_ne!(other, first);
    assert_eq!(backend.stored_count().await, 2);
}

pub async fn missing_is_not_found(backend: &impl Backend) {
    let store = backend.store();
    let hash = ContentHash::of(b"never stored");
    assert!(!store.exists(&hash).await.unwrap());
    match store.get(&hash).await {
        Err(DomainError::NotFound { entity, id }) => {
            assert_eq!(entity, "blob");
            assert_eq!(id, hash.as_str());
        }
        other => panic!("expected NotFound, got {other:?}"),
    }
}

pub async fn corrupt_bytes_are_refused(backend: &impl Backend) {
    let store = backend.store();
    let bytes = document(4, 20_000);
    let hash = store.put(&bytes).await.unwrap();
    let mut damaged = bytes.clone();
    damaged[10_000] ^= 0x01;
    backend.overwrite(&hash, &damaged).await;
    match store.get(&hash).await {
        Err(DomainError::Unexpected(cause)) => {
            assert!(
                cause.to_string().contains("does not match its SHA-256"),
                "{cause}"
            );
        }
        other => panic!(
            "expected the corrupt-blob error, got {:?}",
            other.map(|b| b.len())
        ),
    }
    // Truncated bytes are just as wrong.
    backend.overwrite(&hash, &bytes[..100]).await;
    assert!(matches!(
        store.get(&hash).await,
        Err(DomainError::Unexpected(_))
    ));
}

pub async fn delete_is_idempotent(backend: &impl Backend) {
    let store = backend.store();
    let kept = store.put(&document(5, 1_000)).await.unwrap();
    let hash = store.put(&document(6, 1_000)).await.unwrap();
    store.delete(&hash).await.unwrap();
    assert!(!store.exists(&hash).await.unwrap());
    assert!(matches!(
        store.get(&hash).await,
        Err(DomainError::NotFound { .. })
    ));
    store.delete(&hash).await.unwrap();
    store
        .delete(&ContentHash::of(b"never stored"))
        .await
        .unwrap();
    // Only the deleted blob went.
    assert!(store.exists(&kept).await.unwrap());
    assert_eq!(backend.stored_count().await, 1);
    // And it can come back.
    store.put(&document(6, 1_000)).await.unwrap();
    assert!(store.exists(&hash).await.unwrap());
}

pub async fn concurrent_puts_of_the_same_bytes_all_succeed(backend: &impl Backend) {
    let store = backend.store();
    let bytes = Arc::new(document(7, 200_000));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let store = Arc::clone(&store);
        let bytes = Arc::clone(&bytes);
        tasks.spawn(async move { store.put(&bytes).await });
    }
    let expected = ContentHash::of(&bytes);
    let mut succeeded = 0;
    while let Some(result) = tasks.join_next().await {
        assert_eq!(result.unwrap().unwrap(), expected);
        succeeded += 1;
    }
    assert_eq!(succeeded, 8);
    assert_eq!(backend.stored_count().await, 1);
    assert_eq!(store.get(&expected).await.unwrap(), *bytes);
}

/// A file storing `bytes` outside any store.
fn file_of(bytes: &[u8]) -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    std::io::Write::write_all(&mut file, bytes).unwrap();
    file
}

/// A file is stored as its bytes would be, under the same hash, once however often it is
/// put; the file itself is left as it was. `large` is over the size a store sends in one
/// piece (S3: several parts of a multipart upload).
pub async fn a_file_is_stored_as_its_bytes(backend: &impl Backend, large: usize) {
    let store = backend.store();
    for (seed, len) in [(30u8, 0usize), (31, 100_000), (32, large)] {
        let bytes = document(seed, len);
        let file = file_of(&bytes);
        let hash = store.put_file(file.path()).await.unwrap();
        assert_eq!(hash, ContentHash::of(&bytes), "{len} bytes");
        assert!(store.get(&hash).await.unwrap() == bytes, "{len} bytes");
        // Again from the file, and as bytes: still one blob.
        assert_eq!(store.put_file(file.path()).await.unwrap(), hash);
        assert_eq!(store.put(&bytes).await.unwrap(), hash);
        assert!(std::fs::read(file.path()).unwrap() == bytes);
    }
    assert_eq!(backend.stored_count().await, 3);
    // A file that is not there is the store's caller's mistake, not a blob.
    let gone = file_of(b"soon gone").into_temp_path();
    let path = gone.to_path_buf();
    gone.close().unwrap();
    assert!(matches!(
        store.put_file(&path).await,
        Err(DomainError::Unexpected(_))
    ));
    assert_eq!(backend.stored_count().await, 3);
}
