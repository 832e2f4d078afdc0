//! Blobs as files under a root directory, fanned out by the first two pairs of hex digits
//! (`<root>/ab/cd/abcd…`) so no directory grows to millions of entries.

use std::{
    fs::{self, File, OpenOptions},
    io::{self, Read, Write},
    path::{Path, PathBuf},
};

use haven_domain::{
    documents::blobs::{ContentHash, DocumentStore},
    DomainError, DomainResult,
};
use tracing::Instrument;

use crate::{on_blocking_pool, verified, StreamingHash, PIECE};

/// The filesystem document store.
#[derive(Debug, Clone)]
pub struct FsStore {
    root: PathBuf,
}

impl FsStore {
    /// A store under `root`; directories are made on the first put.
    #[must_use]
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    #[must_use]
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the blob `hash` lives: `<root>/<first 2 hex>/<next 2 hex>/<hash>`.
    #[must_use]
    pub fn path_of(&self, hash: &ContentHash) -> PathBuf {
        let hex = hash.as_str();
        // A ContentHash is always 64 hex digits, so these slices exist.
        self.root
            .join(hex.get(..2).unwrap_or_default())
            .join(hex.get(2..4).unwrap_or_default())
            .join(hex)
    }
}

impl DocumentStore for FsStore {
    async fn put(&self, bytes: &[u8]) -> DomainResult<ContentHash> {
        let span = tracing::info_span!(
            "document_store.put",
            backend = "fs",
            hash = tracing::field::Empty,
            size = bytes.len()
        );
        let store = self.clone();
        let bytes = bytes.to_vec();
        let recorder = span.clone();
        async move {
            on_blocking_pool(move || {
                let hash = ContentHash::of(&bytes);
                recorder.record("hash", tracing::field::display(&hash));
                let path = store.path_of(&hash);
                write_durably(&store.root, &path, &bytes)
                    .map_err(|e| io_error(e, "store", &hash))?;
                Ok(hash)
            })
            .await?
        }
        .instrument(span)
        .await
    }

    async fn put_file(&self, file: &Path) -> DomainResult<ContentHash> {
        let span = tracing::info_span!(
            "document_store.put_file",
            backend = "fs",
            hash = tracing::field::Empty,
            size = tracing::field::Empty
        );
        let store = self.clone();
        let source = file.to_path_buf();
        let recorder = span.clone();
        async move {
            on_blocking_pool(move || {
                let (hash, size) = copy_durably(&store, &source)?;
                recorder.record("hash", tracing::field::display(&hash));
                recorder.record("size", size);
                Ok(hash)
            })
            .await?
        }
        .instrument(span)
        .await
    }

    async fn get(&self, hash: &ContentHash) -> DomainResult<Vec<u8>> {
        let path = self.path_of(hash);
        async {
            let bytes = match tokio::fs::read(&path).await {
                Ok(bytes) => bytes,
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    return Err(DomainError::not_found("blob", hash));
                }
                Err(e) => return Err(io_error(e, "read", hash)),
            };
            verified(hash, bytes).await
        }
        .instrument(tracing::info_span!("document_store.get", backend = "fs", %hash))
        .await
    }

    async fn exists(&self, hash: &ContentHash) -> DomainResult<bool> {
        let path = self.path_of(hash);
        tokio::fs::try_exists(&path)
            .instrument(tracing::info_span!("document_store.exists", backend = "fs", %hash))
            .await
            .map_err(|e| io_error(e, "look up", hash))
    }

    async fn delete(&self, hash: &ContentHash) -> DomainResult<()> {
        let path = self.path_of(hash);
        match tokio::fs::remove_file(&path)
            .instrument(tracing::info_span!("document_store.delete", backend = "fs", %hash))
            .await
        {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io_error(e, "delete", hash)),
        }
    }
}

/// Writes `bytes` to `path` so that once this returns they survive a power cut, and so that
/// no reader ever sees a partial file: a temporary file in the same directory, synced,
/// renamed into place, and the directory synced so the new name is durable too. A file
/// already at `path` is kept: its name says it holds these bytes (reads verify that).
fn write_durably(root: &Path, path: &Path, bytes: &[u8]) -> io::Result<()> {
    if path.try_exists()? {
        return Ok(());
    }
    let dir = path
        .parent()
        .ok_or_else(|| io::Error::other("a blob path has a directory"))?;
    let new_dirs = newly_created_dirs(root, dir)?;

    let file_name = path
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| io::Error::other("a blob path has a file name"))?;
    // A unique name per writer, so concurrent puts of the same bytes never share a file.
    let temp = dir.join(format!(
        ".{file_name}.{}.tmp",
        uuid::Uuid::new_v4().simple()
    ));
    let written = (|| {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&temp, path)
    })();
    if let Err(e) = written {
        // Best effort: the write already failed, and a stray temporary file is harmless.
        let _ = fs::remove_file(&temp);
        return Err(e);
    }
    sync_dir(dir)?;
    // New directories are entries in their parents: sync those too, up to the root.
    for created in new_dirs {
        if let Some(parent) = created.parent() {
            sync_dir(parent)?;
        }
    }
    Ok(())
}

/// Copies the file `source` into the store a piece at a time, hashing as it goes: into a
/// temporary file under the root (its name is not known before the last byte), synced, then
/// renamed to where its hash says, as [`write_durably`] does with bytes in memory. Returns
/// the hash and the size.
fn copy_durably(store: &FsStore, source: &Path) -> DomainResult<(ContentHash, u64)> {
    let read_failed = |e: io::Error| {
        DomainError::Unexpected(
            anyhow::Error::new(e).context(format!("could not read {}", source.display())),
        )
    };
    let write_failed = |e: io::Error| {
        DomainError::Unexpected(anyhow::Error::new(e).context("could not store a blob from a file"))
    };
    let mut input = File::open(source).map_err(read_failed)?;
    fs::create_dir_all(&store.root).map_err(write_failed)?;
    let temp = store
        .root
        .join(format!(".put-{}.tmp", uuid::Uuid::new_v4().simple()));
    let copied = (|| {
        let mut output = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)
            .map_err(write_failed)?;
        let mut hasher = StreamingHash::default();
        let mut piece = vec![0u8; PIECE];
        loop {
            let n = match input.read(&mut piece) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(read_failed(e)),
            };
            hasher.update(&piece[..n]);
            output.write_all(&piece[..n]).map_err(write_failed)?;
        }
        let (hash, size) = hasher.finish();
        let path = store.path_of(&hash);
        if path.try_exists().map_err(write_failed)? {
            // Already stored: its name says it holds these bytes.
            return Ok((hash, size, None));
        }
        output.sync_all().map_err(write_failed)?;
        Ok((hash, size, Some(path)))
    })();
    let outcome = copied.and_then(|(hash, size, path)| {
        if let Some(path) = path {
            place_durably(&store.root, &temp, &path).map_err(|e| io_error(e, "store", &hash))?;
        }
        Ok((hash, size))
    });
    // Best effort: gone after a rename, and a stray temporary file is harmless.
    let _ = fs::remove_file(&temp);
    outcome
}

/// Renames the synced file `temp` to `path` and syncs the directories whose entries changed,
/// so that the blob's name survives a power cut.
fn place_durably(root: &Path, temp: &Path, path: &Path) -> io::Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| io::Error::other("a blob path has a directory"))?;
    let new_dirs = newly_created_dirs(root, dir)?;
    fs::rename(temp, path)?;
    sync_dir(dir)?;
    if let Some(temp_dir) = temp.parent() {
        if temp_dir != dir {
            sync_dir(temp_dir)?;
        }
    }
    for created in new_dirs {
        if let Some(parent) = created.parent() {
            sync_dir(parent)?;
        }
    }
    Ok(())
}

/// Creates `dir` (and its missing ancestors below `root`'s parent) and returns the ones this
/// call made, deepest first.
fn newly_created_dirs(root: &Path, dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut missing = Vec::new();
    let mut current = Some(dir);
    while let Some(candidate) = current {
        if candidate.try_exists()? {
            break;
        }
        missing.push(candidate.to_path_buf());
        if candidate == root {
            break;
        }
        current = candidate.parent();
    }
    fs::create_dir_all(dir)?;
    Ok(missing)
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

fn io_error(error: io::Error, action: &str, hash: &ContentHash) -> DomainError {
    DomainError::Unexpected(
        anyhow::Error::new(error).context(format!("could not {action} blob {hash}")),
    )
}
