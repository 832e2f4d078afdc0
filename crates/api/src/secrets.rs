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

    #[must_use]
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    /// A key for encrypting stored secrets (TOTP), derived so that it differs from the
    /// token-signing use of the same material.
    #[must_use]
    pub fn sealing_box(&self) -> SealingBox {
        use sha2::{Digest, Sha256};
        let mut hasher = Sha256::new();
        hasher.update(b"haven secret sealing v1");
        hasher.update(&self.0);
        SealingBox(hasher.finalize().into())
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

/// Encrypts small secrets that must be read back (TOTP seeds, webhook signing secrets) with
/// XChaCha20-Poly1305. `Debug` never shows the key.
#[derive(Clone)]
pub struct SealingBox([u8; 32]);

impl SealingBox {
    /// `nonce || ciphertext`, base64.
    ///
    /// # Errors
    /// Only if encryption fails, which would be a programming error.
    pub fn seal(&self, plaintext: &str) -> anyhow::Result<String> {
        use chacha20poly1305::{aead::Aead, KeyInit, XChaCha20Poly1305, XNonce};
        let cipher = XChaCha20Poly1305::new((&self.0).into());
        let mut nonce = [0u8; 24];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let ciphertext = cipher
            .encrypt(XNonce::from_slice(&nonce), plaintext.as_bytes())
            .map_err(|_| anyhow::anyhow!("sealing a secret failed"))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ciphertext);
        Ok(STANDARD.encode(out))
    }

    /// # Errors
    /// When the value was not sealed with this key or is damaged.
    pub fn open(&self, sealed: &str) -> anyhow::Result<String> {
        use chacha20poly1305::{aead::Aead, KeyInit, XChaCha20Poly1305, XNonce};
        let bytes = STANDARD.decode(sealed)?;
        anyhow::ensure!(bytes.len() > 24, "sealed secret too short");
        let (nonce, ciphertext) = bytes.split_at(24);
        let cipher = XChaCha20Poly1305::new((&self.0).into());
        let plaintext = cipher
            .decrypt(XNonce::from_slice(nonce), ciphertext)
            .map_err(|_| anyhow::anyhow!("a sealed secret could not be opened"))?;
        Ok(String::from_utf8(plaintext)?)
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

impl haven_domain::accounts::profile::SecretSealer for SealingBox {
    fn seal(&self, plaintext: &str) -> anyhow::Result<String> {
        SealingBox::seal(self, plaintext)
    }

    fn open(&self, sealed: &str) -> anyhow::Result<String> {
        SealingBox::open(self, sealed)
    }
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
    fn sealed_secrets_open_only_with_the_same_key() {
        let sealing = SigningKey(vec![1; 64]).sealing_box();
        let other = SigningKey(vec![2; 64]).sealing_box();

        let sealed = sealing.seal("JBSWY3DPEHPK3PXP").unwrap();

        assert_ne!(
            sealed,
            sealing.seal("JBSWY3DPEHPK3PXP").unwrap(),
            "fresh nonce each time"
        );
        assert_eq!(sealing.open(&sealed).unwrap(), "JBSWY3DPEHPK3PXP");
        assert!(other.open(&sealed).is_err());
    }

    #[test]
    fn debug_output_hides_the_key() {
        let key = SigningKey(vec![1, 2, 3]);
        assert_eq!(format!("{key:?}"), "SigningKey(<redacted>)");
    }
}
