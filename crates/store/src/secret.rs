//! Secrets: generating API keys and tokens, hashing them for storage, and Argon2 passwords.
//!
//! API keys and refresh tokens are long random strings, so a fast unsalted SHA-256 is enough to
//! keep them out of the database in plaintext and still find them by an indexed lookup.
//! Passwords are chosen by people, so they get Argon2id with a per-user salt.

use std::sync::OnceLock;

use argon2::password_hash::rand_core::OsRng as HashRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::rngs::OsRng;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::StoreError;

/// Prefix of tenant API keys, so a leaked key is recognisable (and greppable by scanners).
pub(crate) const API_KEY_PREFIX: &str = "hwy_";
/// Random bytes behind an API key: 24 bytes are exactly 32 URL-safe base64 characters (192
/// bits), the format the API promises (`hwy_` + 32 characters).
const API_KEY_BYTES: usize = 24;
/// Prefix of refresh tokens; distinct from API keys so the two can't be confused in logs.
const REFRESH_TOKEN_PREFIX: &str = "hwr_";
/// Random bytes behind a refresh token: 256 bits.
const REFRESH_TOKEN_BYTES: usize = 32;
/// Length of the JWT signing secret: 256 bits, the HMAC-SHA256 key size.
pub(crate) const SIGNING_SECRET_BYTES: usize = 32;

fn random_bytes(len: usize) -> Vec<u8> {
    let mut buf = vec![0u8; len];
    OsRng.fill_bytes(&mut buf);
    buf
}

fn random_token(prefix: &str, bytes: usize) -> String {
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(random_bytes(bytes)))
}

/// A fresh tenant API key: `hwy_` and 32 URL-safe characters.
pub(crate) fn new_api_key() -> String {
    random_token(API_KEY_PREFIX, API_KEY_BYTES)
}

/// A fresh refresh token: `hwr_` and 43 URL-safe characters.
pub(crate) fn new_refresh_token() -> String {
    random_token(REFRESH_TOKEN_PREFIX, REFRESH_TOKEN_BYTES)
}

pub(crate) fn new_signing_secret() -> Vec<u8> {
    random_bytes(SIGNING_SECRET_BYTES)
}

/// The stored form of a key or token: lowercase hex SHA-256.
pub(crate) fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Argon2id with the crate's default (OWASP-recommended) parameters, PHC string format, so the
/// parameters travel with each hash and can be raised later without a migration.
pub(crate) fn hash_password(password: &str) -> Result<String, StoreError> {
    let salt = SaltString::generate(&mut HashRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| StoreError::PasswordHash(e.to_string()))
}

/// Checks a password against a stored PHC hash. The final comparison inside `argon2` is
/// constant-time; a malformed stored hash counts as a mismatch (and is logged).
pub(crate) fn verify_password(stored: &str, password: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(e) => {
            tracing::error!(error = %e, "stored password hash does not parse");
            false
        }
    }
}

/// A hash to verify against when the login names no user, so that "no such user" costs the
/// same Argon2 work as "wrong password" and response time does not reveal which logins exist.
pub(crate) fn dummy_password_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        hash_password("hawiya-dummy-password").expect("hashing a constant password cannot fail")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_key_has_the_promised_shape() {
        let key = new_api_key();
        let body = key.strip_prefix("hwy_").expect("prefix");
        assert_eq!(body.len(), 32);
        assert!(body
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        assert_ne!(key, new_api_key());
    }

    #[test]
    fn token_hash_is_sha256_hex() {
        // Known answer for SHA-256("abc").
        assert_eq!(
            token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn password_round_trip() {
        let hash = hash_password("correct horse").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password(&hash, "correct horse"));
        assert!(!verify_password(&hash, "correct hors"));
        assert!(!verify_password("not a phc string", "correct horse"));
    }
}
