//! Password policy and hashing (argon2id).

use argon2::{
    password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Algorithm, Argon2, Params, Version,
};

use crate::error::FieldError;

pub const MIN_LENGTH: usize = 12;
pub const MAX_LENGTH: usize = 256;

/// Passwords of at least 12 characters that appear near the top of every leaked-password
/// list; people pick them precisely because they pass length rules.
const COMMON: &[&str] = &[
    "123456789012",
    "1234567890123",
    "12345678901234",
    "123456123456",
    "123123123123",
    "111111111111",
    "000000000000",
    "121212121212",
    "123412341234",
    "098765432109",
    "password1234",
    "password12345",
    "password123456",
    "password2024",
    "password2025",
    "password2026",
    "passwordpassword",
    "p@ssw0rd1234",
    "p@ssword1234",
    "qwertyuiop12",
    "qwertyuiopasdf",
    "qwerty123456",
    "qwertyqwerty",
    "1qaz2wsx3edc",
    "1q2w3e4r5t6y",
    "zaq12wsxcde3",
    "asdfghjkl123",
    "asdfasdfasdf",
    "iloveyou1234",
    "abcdefghijkl",
    "abcd1234abcd",
    "abc123abc123",
    "letmein12345",
    "welcome12345",
    "welcome123456",
    "welkom123456",
    "welkom12345!",
    "wachtwoord12",
    "wachtwoord123",
    "wachtwoord1234",
    "wachtwoord!!",
    "changeme1234",
    "administrator",
    "administrator1",
    "monkey123456",
    "football1234",
    "baseball1234",
    "sunshine1234",
    "princess1234",
    "dragon123456",
    "trustno1trustno1",
    "superman1234",
    "starwars1234",
    "whatever1234",
    "michael12345",
    "computer1234",
    "internet1234",
    "mustang12345",
    "shadow123456",
    "master123456",
];

/// Checks a new password against the policy: 12 to 256 characters, not a well-known password,
/// not mostly one character, and not containing the account's email name.
///
/// # Errors
/// A field error on `field` saying which rule failed.
pub fn check_policy(field: &str, password: &str, email: Option<&str>) -> Result<(), FieldError> {
    let error = |code: &'static str, message: &str| FieldError {
        field: field.to_owned(),
        code,
        message: message.to_owned(),
    };
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Err(error("password_too_short", "Use at least 12 characters."));
    }
    if length > MAX_LENGTH {
        return Err(error("password_too_long", "Use at most 256 characters."));
    }
    let lower = password.to_lowercase();
    if COMMON.contains(&lower.as_str()) {
        return Err(error(
            "password_too_common",
            "This password is among the most used ones; choose another.",
        ));
    }
    let mut distinct: Vec<char> = lower.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() < 5 {
        return Err(error(
            "password_too_simple",
            "Use a password with more different characters.",
        ));
    }
    if let Some(local) = email.and_then(|e| e.split('@').next()) {
        if local.len() >= 4 && lower.contains(&local.to_lowercase()) {
            return Err(error(
                "password_contains_email",
                "Do not use your email address in your password.",
            ));
        }
    }
    Ok(())
}

fn hasher() -> Argon2<'static> {
    // OWASP's argon2id baseline: 19 MiB, 2 iterations, 1 lane.
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password into a PHC string (algorithm, parameters and salt included).
///
/// # Errors
/// Only if the hasher rejects its own parameters, which would be a programming error.
pub fn hash(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    hasher()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing a password failed: {e}"))
}

/// Whether `password` matches the stored PHC string. A malformed hash never matches.
#[must_use]
pub fn verify(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|parsed| {
            hasher()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Spends the time of one verification without a real hash, so that "no such account" and
/// "wrong password" take equally long.
pub fn verify_dummy(password: &str) {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let phc = DUMMY.get_or_init(|| hash("dummy-password-for-timing").unwrap_or_default());
    let _ = verify(password, phc);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_varied_password_passes() {
        assert!(check_policy(
            "password",
            "correct horse battery staple",
            Some("jan@example.nl")
        )
        .is_ok());
    }

    #[test]
    fn the_policy_refuses_short_common_simple_and_email_passwords() {
        let cases = [
            ("short1!", "password_too_short"),
            ("Password1234", "password_too_common"),
            ("aaaaaaaaaaaaaaaa", "password_too_simple"),
            ("ababababcdcdcdcd", "password_too_simple"),
            ("jansen-is-the-best", "password_contains_email"),
        ];
        for (password, code) in cases {
            let err = check_policy("password", password, Some("jansen@example.nl"));
            assert_eq!(err.map_err(|e| e.code), Err(code), "{password}");
        }
    }

    #[test]
    fn hashes_are_argon2id_and_verify_only_the_right_password() {
        let phc = hash("correct horse battery staple").unwrap_or_default();

        assert!(phc.starts_with("$argon2id$"));
        assert!(verify("correct horse battery staple", &phc));
        assert!(!verify("wrong horse battery staple", &phc));
        assert!(!verify("anything", "not-a-hash"));
    }
}
