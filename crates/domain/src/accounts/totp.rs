//! Time-based one-time passwords (RFC 6238: HMAC-SHA1, 30-second steps, 6 digits), as
//! authenticator apps implement them.

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha1::Sha1;

const STEP_SECONDS: u64 = 30;
const DIGITS: u32 = 6;
/// Accept the previous and next step too, for clock drift and slow typing.
const SKEW_STEPS: u64 = 1;

/// A new 160-bit secret, base32 (no padding) as authenticator apps expect.
#[must_use]
pub fn new_secret() -> String {
    let mut bytes = [0u8; 20];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base32::encode(base32::Alphabet::Rfc4648 { padding: false }, &bytes)
}

/// The `otpauth://` URI an authenticator app scans.
#[must_use]
pub fn otpauth_uri(secret: &str, account: &str, issuer: &str) -> String {
    format!(
        "otpauth://totp/{}:{}?secret={secret}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
        percent_encode(issuer),
        percent_encode(account),
        percent_encode(issuer)
    )
}

fn percent_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'@' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The code for one time step.
#[must_use]
pub fn code_at(secret: &str, unix_seconds: u64) -> Option<String> {
    let key = base32::decode(base32::Alphabet::Rfc4648 { padding: false }, secret)?;
    Some(hotp(&key, unix_seconds / STEP_SECONDS))
}

fn hotp(key: &[u8], counter: u64) -> String {
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(key) else {
        return String::new();
    };
    mac.update(&counter.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[digest.len() - 1] & 0x0f);
    let binary = (u32::from(digest[offset]) & 0x7f) << 24
        | u32::from(digest[offset + 1]) << 16
        | u32::from(digest[offset + 2]) << 8
        | u32::from(digest[offset + 3]);
    format!(
        "{:0width$}",
        binary % 10u32.pow(DIGITS),
        width = DIGITS as usize
    )
}

/// The time step a code matches (so a used step can be refused next time), or `None`.
#[must_use]
pub fn matching_step(secret: &str, code: &str, unix_seconds: u64) -> Option<u64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != DIGITS as usize || !code.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let key = base32::decode(base32::Alphabet::Rfc4648 { padding: false }, secret)?;
    let current = unix_seconds / STEP_SECONDS;
    (current.saturating_sub(SKEW_STEPS)..=current + SKEW_STEPS)
        .find(|step| constant_time_eq(hotp(&key, *step).as_bytes(), code.as_bytes()))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA-1, secret "12345678901234567890" (8 digits there; the last 6
    /// digits are what a 6-digit generator yields).
    #[test]
    fn matches_the_rfc_6238_test_vectors() {
        let secret = base32::encode(
            base32::Alphabet::Rfc4648 { padding: false },
            b"12345678901234567890",
        );
        for (time, expected) in [
            (59, "287082"),
            (1_111_111_109, "081804"),
            (1_234_567_890, "005924"),
            (2_000_000_000, "279037"),
        ] {
            assert_eq!(
                code_at(&secret, time).as_deref(),
                Some(expected),
                "t={time}"
            );
        }
    }

    #[test]
    fn accepts_one_step_of_drift_and_nothing_more() {
        let secret = new_secret();
        let now = 1_800_000_000;
        let previous = code_at(&secret, now - 30).unwrap_or_default();
        let old = code_at(&secret, now - 90).unwrap_or_default();

        assert_eq!(matching_step(&secret, &previous, now), Some(now / 30 - 1));
        // A code three steps old is outside the window (a chance collision is one in ~300,000).
        assert_eq!(matching_step(&secret, &old, now), None);
        assert_eq!(matching_step(&secret, "12345", now), None);
        assert_eq!(matching_step(&secret, "abcdef", now), None);
    }

    #[test]
    fn the_uri_names_issuer_and_account() {
        let uri = otpauth_uri("ABC", "jan@example.nl", "Haven");
        assert_eq!(uri, "otpauth://totp/Haven:jan@example.nl?secret=ABC&issuer=Haven&algorithm=SHA1&digits=6&period=30");
    }
}
