//! S3Store keeps the DocumentStore contract against a real S3-compatible server (moto), and
//! fails cleanly when the network between them breaks.

#![allow(clippy::unwrap_used)]

mod support;

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use haven_domain::{
    documents::blobs::{ContentHash, DocumentStore},
    DomainError, ExternalService,
};
use haven_storage::{S3Store, Storage, StorageConfig};
use object_store::{aws::AmazonS3Builder, path::Path as ObjectPath, ObjectStore, PutPayload};
use support::{
    contract, document,
    moto::{Moto, BUCKET},
    proxy::{Fault, FaultyProxy},
};

struct S3 {
    moto: Moto,
    store: Arc<S3Store>,
}

impl S3 {
    async fn start() -> Option<Self> {
        let moto = Moto::start().await?;
        let store = Arc::new(S3Store::new(&moto.config()).unwrap());
        Some(Self { moto, store })
    }

    /// A client of its own, to look at the bucket behind the store's back.
    fn raw(&self) -> impl ObjectStore {
        AmazonS3Builder::new()
            .with_endpoint(self.moto.endpoint())
            .with_bucket_name(BUCKET)
            .with_region("us-east-1")
            .with_access_key_id("raw")
            .with_secret_access_key("raw")
            .with_allow_http(true)
            .build()
            .unwrap()
    }

    async fn keys(&self) -> Vec<String> {
        let raw = self.raw();
        let mut keys = Vec::new();
        let mut folders = vec![None];
        while let Some(folder) = folders.pop() {
            let listed = raw.list_with_delimiter(folder.as_ref()).await.unwrap();
            keys.extend(listed.objects.iter().map(|o| o.location.to_string()));
            folders.extend(listed.common_prefixes.into_iter().map(Some));
        }
        keys.sort();
        keys
    }
}

impl contract::Backend for S3 {
    type Store = S3Store;

    fn store(&self) -> Arc<S3Store> {
        Arc::clone(&self.store)
    }

    async fn stored_count(&self) -> usize {
        self.keys().await.len()
    }

    async fn overwrite(&self, hash: &ContentHash, bytes: &[u8]) {
        let key = ObjectPath::from(self.store.key_of(hash));
        self.raw()
            .put(&key, PutPayload::from(bytes.to_vec()))
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn round_trip() {
    let Some(s3) = S3::start().await else { return };
    contract::round_trip(&s3).await;
}

#[tokio::test]
async fn putting_twice_is_one_blob() {
    let Some(s3) = S3::start().await else { return };
    contract::putting_twice_is_one_blob(&s3).await;
}

#[tokio::test]
async fn missing_is_not_found() {
    let Some(s3) = S3::start().await else { return };
    contract::missing_is_not_found(&s3).await;
}

#[tokio::test]
async fn corrupt_bytes_are_refused() {
    let Some(s3) = S3::start().await else { return };
    contract::corrupt_bytes_are_refused(&s3).await;
}

#[tokio::test]
async fn delete_is_idempotent() {
    let Some(s3) = S3::start().await else { return };
    contract::delete_is_idempotent(&s3).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_puts_of_the_same_bytes_all_succeed() {
    let Some(s3) = S3::start().await else { return };
    contract::concurrent_puts_of_the_same_bytes_all_succeed(&s3).await;
}

#[tokio::test]
async fn a_file_is_stored_as_its_bytes() {
    let Some(s3) = S3::start().await else { return };
    // Over 8 MiB: three parts of a multipart upload.
    contract::a_file_is_stored_as_its_bytes(&s3, 17 * 1024 * 1024 + 5).await;
}

/// A large file put through a proxy that drops the connection part way: the put fails, no
/// object is made (the multipart upload is aborted, not completed), and once the network is
/// healthy the same put succeeds.
#[tokio::test]
async fn a_file_upload_in_parts_that_breaks_leaves_no_object() {
    let Some(s3) = S3::start().await else { return };
    let proxy = FaultyProxy::start(s3.moto.addr, Fault::DropAfter(1024 * 1024)).await;
    let through_proxy = S3Store::new(&Moto::config_via(&proxy.endpoint())).unwrap();
    let bytes = document(21, 9 * 1024 * 1024);
    let mut file = tempfile::NamedTempFile::new().unwrap();
    std::io::Write::write_all(&mut file, &bytes).unwrap();
    let hash = ContentHash::of(&bytes);

    assert_unavailable(through_proxy.put_file(file.path()).await);
    assert!(!s3.store.exists(&hash).await.unwrap());
    assert_eq!(s3.keys().await, Vec::<String>::new());

    proxy.set(Fault::None);
    assert_eq!(through_proxy.put_file(file.path()).await.unwrap(), hash);
    assert!(s3.store.get(&hash).await.unwrap() == bytes);
}

#[tokio::test]
async fn keys_are_prefixed_documents_and_hash() {
    let Some(s3) = S3::start().await else { return };
    let mut config = s3.moto.config();
    config.key_prefix = "tenant-a/".to_owned();
    let store = S3Store::new(&config).unwrap();
    let hash = store.put(b"prefixed").await.unwrap();
    assert_eq!(s3.keys().await, vec![format!("tenant-a/documents/{hash}")]);
    assert_eq!(store.get(&hash).await.unwrap(), b"prefixed");
}

#[tokio::test]
async fn storage_from_config_uses_s3() {
    let Some(s3) = S3::start().await else { return };
    let config: StorageConfig = serde_json::from_value(serde_json::json!({
        "kind": "s3",
        "endpoint": s3.moto.endpoint(),
        "bucket": BUCKET,
        "access_key_id": "id",
        "secret_access_key": "secret",
        "allow_http": true,
    }))
    .unwrap();
    let storage = Storage::from_config(&config).unwrap();
    assert!(matches!(storage, Storage::S3(_)));
    let hash = storage.put(b"through the enum").await.unwrap();
    assert_eq!(storage.get(&hash).await.unwrap(), b"through the enum");
    assert_eq!(s3.keys().await, vec![format!("documents/{hash}")]);
}

/// The error of an operation through a broken network: the store is unavailable, and the
/// message names neither credential.
fn assert_unavailable<T: std::fmt::Debug>(result: Result<T, DomainError>) {
    match result {
        Err(DomainError::Unavailable { service, message }) => {
            assert_eq!(service, ExternalService::ObjectStorage);
            assert!(!message.contains("testing-secret"), "{message}");
            assert!(!message.contains("testing-key-id"), "{message}");
        }
        other => panic!("expected Unavailable, got {other:?}"),
    }
}

/// Puts `bytes` through a proxy with `fault`: the put fails within a few seconds, no part
/// of the object is left, and once the network is healthy the same put succeeds.
async fn upload_fails_cleanly(fault: Fault) {
    let Some(s3) = S3::start().await else { return };
    let proxy = FaultyProxy::start(s3.moto.addr, fault).await;
    let through_proxy = S3Store::new(&Moto::config_via(&proxy.endpoint())).unwrap();
    let bytes = document(20, 256 * 1024);
    let hash = ContentHash::of(&bytes);

    let started = Instant::now();
    assert_unavailable(through_proxy.put(&bytes).await);
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(8),
        "the failed put took {took:?}"
    );

    // Nothing half-written: not through the store, not in the bucket.
    assert!(!s3.store.exists(&hash).await.unwrap());
    assert!(matches!(
        s3.store.get(&hash).await,
        Err(DomainError::NotFound { .. })
    ));
    assert_eq!(s3.keys().await, Vec::<String>::new());

    proxy.set(Fault::None);
    assert_eq!(through_proxy.put(&bytes).await.unwrap(), hash);
    assert_eq!(through_proxy.get(&hash).await.unwrap(), bytes);
    assert_eq!(s3.store.get(&hash).await.unwrap(), bytes);
}

#[tokio::test]
async fn a_connection_dropped_mid_upload_leaves_no_object() {
    // The HEAD before the upload fits in 4 KB; the upload's body does not.
    upload_fails_cleanly(Fault::DropAfter(4 * 1024)).await;
}

#[tokio::test]
async fn a_server_that_stops_answering_mid_upload_times_out() {
    upload_fails_cleanly(Fault::StallAfter(4 * 1024)).await;
}

#[tokio::test]
async fn a_store_answering_503_is_unavailable() {
    let Some(s3) = S3::start().await else { return };
    let proxy = FaultyProxy::start(s3.moto.addr, Fault::Answer503).await;
    let store = S3Store::new(&Moto::config_via(&proxy.endpoint())).unwrap();
    let hash = ContentHash::of(b"anything");
    assert_unavailable(store.exists(&hash).await);
    assert_unavailable(store.get(&hash).await);
    assert_unavailable(store.put(b"anything").await);
    assert_unavailable(store.delete(&hash).await);
}

#[tokio::test]
async fn an_unreachable_endpoint_is_unavailable() {
    // A port nothing listens on: connections are refused.
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    };
    let store = S3Store::new(&Moto::config_via(&format!("http://127.0.0.1:{port}"))).unwrap();
    let started = Instant::now();
    assert_unavailable(store.put(b"nowhere to go").await);
    assert!(started.elapsed() < Duration::from_secs(8));
}

#[tokio::test]
async fn a_missing_bucket_is_unexpected_not_unavailable() {
    let Some(s3) = S3::start().await else { return };
    let mut config = s3.moto.config();
    config.bucket = "no-such-bucket".to_owned();
    let store = S3Store::new(&config).unwrap();
    let result = store.put(b"into the void").await;
    assert!(
        matches!(result, Err(DomainError::Unexpected(_))),
        "{result:?}"
    );
}

#[test]
fn credentials_in_the_endpoint_are_refused() {
    let mut config = Moto::config_via("http://user:pass@127.0.0.1:9000");
    config.endpoint = Some("http://user:pass@127.0.0.1:9000".to_owned());
    match S3Store::new(&config) {
        Err(DomainError::Unexpected(cause)) => {
            assert!(!cause.to_string().contains("pass"), "{cause}");
        }
        other => panic!("expected a configuration error, got {other:?}"),
    }
}
