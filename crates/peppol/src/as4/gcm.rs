//! AES-128-GCM a piece at a time, for payloads too large to hold: the encryption XML
//! Encryption 1.1 names `aes128-gcm` (NIST SP 800-38D with a 96-bit IV and a 128-bit tag, no
//! additional data), built from the same AES, CTR and GHASH implementations the `aes-gcm`
//! crate uses, which takes a whole buffer only.
//!
//! The pieces may be of any length. A decryptor gives out plaintext before the tag is
//! checked: whoever reads it must not act on it until [`GcmDecryptor::finish`] has said yes.

use aes::{
    cipher::{BlockEncrypt, KeyInit, KeyIvInit, StreamCipher},
    Aes128,
};
use ghash::{universal_hash::UniversalHash, GHash};
use subtle::ConstantTimeEq;

type Aes128Ctr = ctr::Ctr32BE<Aes128>;

/// Length of the IV in front of the ciphertext.
pub const IV_LEN: usize = 12;
/// Length of the tag behind it.
pub const TAG_LEN: usize = 16;

/// The tag did not match: the ciphertext, IV or key is not the one encrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the AES-GCM tag does not match")]
pub struct TagMismatch;

/// What encryption and decryption share: the keystream, GHASH over the ciphertext (with the
/// last partial block held back until more comes or the end), and the masked tag block.
struct Gcm {
    keystream: Aes128Ctr,
    ghash: GHash,
    pending: [u8; 16],
    pending_len: usize,
    ciphertext_len: u64,
    tag_mask: [u8; 16],
}

impl Gcm {
    fn new(key: &[u8; 16], iv: &[u8; IV_LEN]) -> Self {
        let cipher = Aes128::new(key.into());
        let mut hash_key = [0u8; 16].into();
        cipher.encrypt_block(&mut hash_key);
        // J0 = IV || 1 for a 96-bit IV; its encryption masks the tag, the keystream starts
        // at J0 + 1.
        let mut counter = [0u8; 16];
        counter[..IV_LEN].copy_from_slice(iv);
        counter[15] = 1;
        let mut tag_mask = counter.into();
        cipher.encrypt_block(&mut tag_mask);
        counter[15] = 2;
        Self {
            keystream: Aes128Ctr::new(key.into(), &counter.into()),
            ghash: GHash::new(&hash_key),
            pending: [0; 16],
            pending_len: 0,
            ciphertext_len: 0,
            tag_mask: tag_mask.into(),
        }
    }

    /// Adds ciphertext to GHASH in whole blocks, keeping a partial one for later.
    fn hash(&mut self, mut ciphertext: &[u8]) {
        self.ciphertext_len += ciphertext.len() as u64;
        if self.pending_len > 0 {
            let take = (16 - self.pending_len).min(ciphertext.len());
            self.pending[self.pending_len..self.pending_len + take]
                .copy_from_slice(&ciphertext[..take]);
            self.pending_len += take;
            ciphertext = &ciphertext[take..];
            if self.pending_len < 16 {
                return;
            }
            self.ghash.update(&[self.pending.into()]);
            self.pending_len = 0;
        }
        let whole = ciphertext.len() - ciphertext.len() % 16;
        for block in ciphertext[..whole].chunks_exact(16) {
            let mut b = [0u8; 16];
            b.copy_from_slice(block);
            self.ghash.update(&[b.into()]);
        }
        let rest = &ciphertext[whole..];
        self.pending[..rest.len()].copy_from_slice(rest);
        self.pending_len = rest.len();
    }

    fn tag(mut self) -> [u8; TAG_LEN] {
        if self.pending_len > 0 {
            self.ghash.update_padded(&self.pending[..self.pending_len]);
        }
        // The lengths block: no additional data, then the ciphertext's length in bits.
        let mut lengths = [0u8; 16];
        lengths[8..].copy_from_slice(&(self.ciphertext_len * 8).to_be_bytes());
        self.ghash.update(&[lengths.into()]);
        let mut tag: [u8; TAG_LEN] = self.ghash.finalize().into();
        for (t, m) in tag.iter_mut().zip(self.tag_mask) {
            *t ^= m;
        }
        tag
    }
}

/// Encrypts a payload a piece at a time; [`GcmEncryptor::finish`] gives the tag to write
/// after the last piece.
pub struct GcmEncryptor(Gcm);

impl GcmEncryptor {
    #[must_use]
    pub fn new(key: &[u8; 16], iv: &[u8; IV_LEN]) -> Self {
        Self(Gcm::new(key, iv))
    }

    /// Encrypts the next piece where it lies.
    pub fn update(&mut self, piece: &mut [u8]) {
        self.0.keystream.apply_keystream(piece);
        self.0.hash(piece);
    }

    #[must_use]
    pub fn finish(self) -> [u8; TAG_LEN] {
        self.0.tag()
    }
}

/// Decrypts a payload a piece at a time; [`GcmDecryptor::finish`] checks the tag that
/// followed the last piece.
pub struct GcmDecryptor(Gcm);

impl GcmDecryptor {
    #[must_use]
    pub fn new(key: &[u8; 16], iv: &[u8; IV_LEN]) -> Self {
        Self(Gcm::new(key, iv))
    }

    /// Decrypts the next piece where it lies. Not yet authenticated.
    pub fn update(&mut self, piece: &mut [u8]) {
        self.0.hash(piece);
        self.0.keystream.apply_keystream(piece);
    }

    /// Whether everything given to [`Self::update`] was encrypted under this key and IV and
    /// ended in `tag`.
    ///
    /// # Errors
    /// [`TagMismatch`] when not.
    pub fn finish(self, tag: &[u8]) -> Result<(), TagMismatch> {
        let expected = self.0.tag();
        // Compared in constant time: a tag is a secret until it is checked.
        if tag.len() == TAG_LEN && bool::from(expected.ct_eq(tag)) {
            Ok(())
        } else {
            Err(TagMismatch)
        }
    }
}

#[cfg(test)]
mod tests {
    use aes_gcm::{aead::AeadInPlace, Aes128Gcm, KeyInit as _, Nonce};

    use super::*;

    const KEY: [u8; 16] = *b"0123456789abcdef";
    const IV: [u8; IV_LEN] = *b"twelve bytes";

    fn whole(plain: &[u8]) -> (Vec<u8>, [u8; TAG_LEN]) {
        let mut buffer = plain.to_vec();
        let tag = Aes128Gcm::new_from_slice(&KEY)
            .expect("a 16-byte key")
            .encrypt_in_place_detached(Nonce::from_slice(&IV), b"", &mut buffer)
            .expect("a short buffer encrypts");
        (buffer, tag.into())
    }

    fn in_pieces(data: &mut [u8], piece: usize, mut each: impl FnMut(&mut [u8])) {
        for chunk in data.chunks_mut(piece.max(1)) {
            each(chunk);
        }
    }

    #[test]
    fn matches_the_whole_buffer_implementation_for_any_length_and_pieces() {
        for len in [0usize, 1, 15, 16, 17, 31, 32, 33, 100, 1000, 4099] {
            let plain: Vec<u8> = (0..len).map(|i| (i * 7 + 3) as u8).collect();
            let (expected, expected_tag) = whole(&plain);
            for piece in [1usize, 5, 16, 17, 64, 4096] {
                let mut encryptor = GcmEncryptor::new(&KEY, &IV);
                let mut data = plain.clone();
                in_pieces(&mut data, piece, |c| encryptor.update(c));
                assert_eq!(data, expected, "ciphertext of {len} bytes in {piece}s");
                assert_eq!(encryptor.finish(), expected_tag, "tag of {len} in {piece}s");

                let mut decryptor = GcmDecryptor::new(&KEY, &IV);
                in_pieces(&mut data, piece, |c| decryptor.update(c));
                assert_eq!(data, plain);
                assert_eq!(decryptor.finish(&expected_tag), Ok(()));
            }
        }
    }

    #[test]
    fn a_changed_byte_or_tag_is_refused() {
        let (ciphertext, tag) = whole(b"the payload of an AS4 message, gzipped");
        let mut changed = ciphertext.clone();
        changed[3] ^= 1;
        let mut decryptor = GcmDecryptor::new(&KEY, &IV);
        decryptor.update(&mut changed);
        assert_eq!(decryptor.finish(&tag), Err(TagMismatch));

        let mut bad_tag = tag;
        bad_tag[0] ^= 0x80;
        let mut data = ciphertext.clone();
        let mut decryptor = GcmDecryptor::new(&KEY, &IV);
        decryptor.update(&mut data);
        assert_eq!(decryptor.finish(&bad_tag), Err(TagMismatch));

        let mut data = ciphertext;
        let mut decryptor = GcmDecryptor::new(&KEY, &IV);
        decryptor.update(&mut data);
        assert_eq!(decryptor.finish(&tag[..15]), Err(TagMismatch));
    }
}
