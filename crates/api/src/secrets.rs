//! The access-token signing key: configured, or generated once and kept in the data directory.

use std::{
    fs,
    io::Write,
    path::{Path, PathBuf},
};

use anyhow::Context;
use base64::{engine::general_purpose::STANDARD, Engine};
use rand::RngCore;

const KEY_FILE: &str = "jwt-signing-key";
const KEY_BYTES: usize = 64;

/// HMAC key bytes. `Debug` never shows them.
#[derive(Clone)]
pub struct SigningKey(Vec<u8>);

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKey(<redacted>)")
    }
}

impl SigningKey {
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The configured key, else the one kept in `data_dir`, else a new one written there
    /// (readable by the owner only).
    ///
    /// # Errors
    /// When the key file cannot be read or written, or a configured key is too short.
    pub fn load_or_generate(configured: Option<&str>, data_dir: &Path) -> anyhow::Result<Self> {
        if let Some(secret) = configured {
            anyhow::ensure!(
                secret.len() >= 32,
                "HAVEN_JWT_SECRET must be at least 32 characters long"
            );
            return Ok(Self(secret.as_bytes().to_vec()));
        }
        let path = key_path(data_dir);
        if path.exists() {
            let encoded = fs::read_to_string(&path)
                .with_context(|| format!("could not read {}", path.display()))?;
            let key = STANDARD
                .decode(encoded.trim())
                .with_context(|| format!("{} is not a valid key file", path.display()))?;
            anyhow::ensure!(
                key.len() >= 32,
                "{} holds a key that is too short",
                path.display()
            );
            return Ok(Self(key));
        }
        let mut key = vec![0u8; KEY_BYTES];
        rand::rngs::OsRng.fill_bytes(&mut key);
        write_private(&path, STANDARD.encode(&key).as_bytes())?;
        tracing::info!(path = %path.display(), "generated a new access-token signing key");
        Ok(Self(key))
    }
}

#[must_use]
pub fn key_path(data_dir: &Path) -> PathBuf {
    data_dir.join(KEY_FILE)
}

fn write_private(path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("could not create {}", path.display()))?;
    file.write_all(contents)
        .with_context(|| format!("could not write {}", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_generated_key_is_kept_and_reused() {
        let dir = tempfile::tempdir().unwrap();

        let first = SigningKey::load_or_generate(None, dir.path()).unwrap();
        let second = SigningKey::load_or_generate(None, dir.path()).unwrap();

        assert_eq!(first.as_bytes(), second.as_bytes());
        assert_eq!(first.as_bytes().len(), KEY_BYTES);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(key_path(dir.path()))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_configured_key_wins_and_must_be_long_enough() {
        let dir = tempfile::tempdir().unwrap();

        let key = SigningKey::load_or_generate(Some(&"k".repeat(40)), dir.path()).unwrap();
        let short = SigningKey::load_or_generate(Some("short"), dir.path());

        assert_eq!(key.as_bytes().len(), 40);
        assert!(short.is_err());
        assert!(
            !key_path(dir.path()).exists(),
            "no file when a key is configured"
        );
    }

    #[test]
    fn debug_output_hides_the_key() {
        let key = SigningKey(vec![1, 2, 3]);
        assert_eq!(format!("{key:?}"), "SigningKey(<redacted>)");
    }
}
