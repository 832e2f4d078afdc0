//! FsStore keeps the DocumentStore contract on a real directory.

#![allow(clippy::unwrap_used)]

mod support;

use std::{path::Path, sync::Arc};

use haven_domain::documents::blobs::{ContentHash, DocumentStore};
use haven_storage::{FsStore, Storage, StorageConfig};
use support::{contract, document};

struct Fs {
    dir: tempfile::TempDir,
    store: Arc<FsStore>,
}

impl Fs {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        // A root that does not exist yet: the first put makes it.
        let store = Arc::new(FsStore::new(dir.path().join("documents")));
        Self { dir, store }
    }
}

impl contract::Backend for Fs {
    type Store = FsStore;

    fn store(&self) -> Arc<FsStore> {
        Arc::clone(&self.store)
    }

    async fn stored_count(&self) -> usize {
        files_under(self.dir.path())
    }

    async fn overwrite(&self, hash: &ContentHash, bytes: &[u8]) {
        std::fs::write(self.store.path_of(hash), bytes).unwrap();
    }
}

fn files_under(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| {
            let path = entry.unwrap().path();
            if path.is_dir() {
                files_under(&path)
            } else {
                1
            }
        })
        .sum()
}

#[tokio::test]
async fn round_trip() {
    contract::round_trip(&Fs::new()).await;
}

#[tokio::test]
async fn putting_twice_is_one_blob() {
    contract::putting_twice_is_one_blob(&Fs::new()).await;
}

#[tokio::test]
async fn missing_is_not_found() {
    contract::missing_is_not_found(&Fs::new()).await;
}

#[tokio::test]
async fn corrupt_bytes_are_refused() {
    contract::corrupt_bytes_are_refused(&Fs::new()).await;
}

#[tokio::test]
async fn delete_is_idempotent() {
    contract::delete_is_idempotent(&Fs::new()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_puts_of_the_same_bytes_all_succeed() {
    contract::concurrent_puts_of_the_same_bytes_all_succeed(&Fs::new()).await;
}

#[tokio::test]
async fn blobs_are_fanned_out_by_their_hash() {
    let fs = Fs::new();
    let bytes = document(9, 3_000);
    let hash = fs.store.put(&bytes).await.unwrap();
    let hex = hash.as_str();
    let expected = fs
        .dir
        .path()
        .join("documents")
        .join(&hex[..2])
        .join(&hex[2..4])
        .join(hex);
    assert_eq!(fs.store.path_of(&hash), expected);
    assert_eq!(std::fs::read(&expected).unwrap(), bytes);
}

#[tokio::test]
async fn an_existing_blob_is_kept_not_rewritten() {
    let fs = Fs::new();
    let bytes = document(10, 3_000);
    let hash = fs.store.put(&bytes).await.unwrap();
    // Different bytes under the right name: a second put must not touch the file (which is
    // how a reader can tell it was never rewritten).
    std::fs::write(fs.store.path_of(&hash), b"left alone").unwrap();
    fs.store.put(&bytes).await.unwrap();
    assert_eq!(
        std::fs::read(fs.store.path_of(&hash)).unwrap(),
        b"left alone"
    );
}

#[tokio::test]
async fn an_unwritable_root_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    // A file where the root directory should be.
    let root = dir.path().join("documents");
    std::fs::write(&root, b"not a directory").unwrap();
    let store = FsStore::new(&root);
    let result = store.put(b"some document").await;
    assert!(
        matches!(result, Err(haven_domain::DomainError::Unexpected(_))),
        "{result:?}"
    );
}

#[tokio::test]
async fn storage_from_config_uses_the_filesystem() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("documents");
    let config: StorageConfig = serde_json::from_value(serde_json::json!({
        "kind": "filesystem",
        "root": root,
    }))
    .unwrap();
    let storage = Storage::from_config(&config).unwrap();
    assert!(matches!(storage, Storage::Fs(_)));
    let hash = storage.put(b"through the enum").await.unwrap();
    assert_eq!(storage.get(&hash).await.unwrap(), b"through the enum");
    assert!(FsStore::new(&root).path_of(&hash).exists());
}

#[tokio::test]
async fn a_file_is_stored_as_its_bytes() {
    // No temporary file is left behind either: the count is of every file under the root.
    contract::a_file_is_stored_as_its_bytes(&Fs::new(), 3 * 1024 * 1024 + 17).await;
}
