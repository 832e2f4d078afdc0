//! Single-use tokens (email links, refresh tokens, recovery codes): random, shown once, stored
//! only as a SHA-256 hash.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A new random token (256 bits, URL-safe) to hand out once.
#[must_use]
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The stored form of a token: hex SHA-256. Tokens are high-entropy, so a fast hash suffices.
#[must_use]
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Whether two strings are equal, in a time that depends on their lengths only, not on where
/// they differ: for comparing a presented secret's hash with a stored one.
#[must_use]
pub fn equal_in_constant_time(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Whether `presented` is the `configured` shared secret. Both are hashed first, so the time
/// taken tells nothing about the configured secret, not even its length.
#[must_use]
pub fn secret_matches(presented: &str, configured: &str) -> bool {
    equal_in_constant_time(&hash_token(presented), &hash_token(configured))
}

/// Ten recovery codes like `k3f9-x2p7-q8m4` (lower-case, no look-alike characters).
#[must_use]
pub fn new_recovery_codes() -> Vec<String> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::rngs::OsRng;
    (0..10)
        .map(|_| {
            let chars: Vec<char> = (0..12)
                .map(|_| ALPHABET[(rng.next_u32() as usize) % ALPHABET.len()] as char)
                .collect();
            format!(
                "{}-{}-{}",
                chars[..4].iter().collect::<String>(),
                chars[4..8].iter().collect::<String>(),
                chars[8..].iter().collect::<String>()
            )
        })
        .collect()
}

/// Recovery codes are compared without dashes, spaces or case.
#[must_use]
pub fn normalise_recovery_code(code: &str) -> String {
    code.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare_whole() {
        assert!(equal_in_constant_time("abcd", "abcd"));
        assert!(!equal_in_constant_time("abcd", "abce"));
        assert!(!equal_in_constant_time("abcd", "abc"));
        assert!(secret_matches("s3cret", "s3cret"));
        assert!(!secret_matches("s3cret", "s3cre"));
        assert!(!secret_matches("", "s3cret"));
    }

    #[test]
    fn tokens_are_unique_and_hash_deterministically() {
        let a = new_token();
        let b = new_token();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(hash_token(&a), hash_token(&a));
        assert_ne!(hash_token(&a), hash_token(&b));
    }

    #[test]
    fn ten_distinct_recovery_codes() {
        let mut codes = new_recovery_codes();
        assert_eq!(codes.len(), 10);
        assert!(codes.iter().all(|c| c.len() == 14));
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), 10);
        assert_eq!(normalise_recovery_code("AB12-cd34 EF56"), "ab12cd34ef56");
    }
}
