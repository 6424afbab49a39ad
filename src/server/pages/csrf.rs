//! Cross-site request forgery protection without sessions: a signed double submit.
//!
//! The browser holds a random nonce in a `SameSite=Strict`, `HttpOnly` cookie; each form
//! carries `expiry.HMAC(secret, nonce.expiry)`. Another site can neither read the cookie
//! nor compute the signature, so a forged post fails either way, and an old form fails
//! once it expires. The secret lives in this process only: a restart (or another
//! instance behind the same name) turns open forms stale, which the page explains.

use std::sync::OnceLock;

use axum::http::HeaderMap;
use sha2::{Digest, Sha256};

pub const COOKIE: &str = "desk_csrf";

/// How long a rendered form may be posted. The tracking page's refresh brings a fresh
/// token each time, so only a form left alone this long goes stale.
const LIFETIME_SECS: u64 = 12 * 3600;

fn secret() -> &'static [u8; 32] {
    static SECRET: OnceLock<[u8; 32]> = OnceLock::new();
    SECRET.get_or_init(rand::random)
}

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn hmac(key: &[u8; 32], message: &[u8]) -> [u8; 32] {
    let mut ipad = [0x36u8; 64];
    let mut opad = [0x5cu8; 64];
    for (i, k) in key.iter().enumerate() {
        ipad[i] ^= k;
        opad[i] ^= k;
    }
    let inner = Sha256::new()
        .chain_update(ipad)
        .chain_update(message)
        .finalize();
    let outer = Sha256::new()
        .chain_update(opad)
        .chain_update(inner)
        .finalize();
    let mut out = [0u8; 32];
    out.copy_from_slice(&outer);
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn is_nonce(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The nonce cookie the browser sent, if it looks like one of ours.
pub fn cookie_nonce(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| *name == COOKIE && is_nonce(value))
        .map(|(_, value)| value.to_string())
}

pub fn new_nonce() -> String {
    hex(&rand::random::<[u8; 16]>())
}

/// `Set-Cookie` for `nonce`. No `Secure`: the server cannot tell whether a proxy in
/// front of it speaks TLS, and a secure-only cookie would break plain-HTTP desks.
pub fn set_cookie(nonce: &str) -> String {
    format!("{COOKIE}={nonce}; Path=/; HttpOnly; SameSite=Strict; Max-Age=43200")
}

fn sign(nonce: &str, expiry: u64) -> String {
    hex(&hmac(secret(), format!("{nonce}.{expiry}").as_bytes()))
}

/// The token a form rendered now for `nonce` carries.
pub fn token(nonce: &str) -> String {
    let expiry = now_secs() + LIFETIME_SECS;
    format!("{expiry}.{}", sign(nonce, expiry))
}

/// Whether `token` was signed here for the cookie's nonce and is still fresh.
pub fn verify(nonce: Option<&str>, token: &str) -> bool {
    let Some(nonce) = nonce else {
        return false;
    };
    let Some((expiry, mac)) = token.split_once('.') else {
        return false;
    };
    let Ok(expiry) = expiry.parse::<u64>() else {
        return false;
    };
    if expiry < now_secs() {
        return false;
    }
    let want = sign(nonce, expiry);
    // Compare in constant time: the signature must not leak byte by byte.
    want.len() == mac.len()
        && want
            .bytes()
            .zip(mac.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_an_independent_implementation() {
        // Computed with Python's hmac module for the same key and message.
        assert_eq!(
            hex(&hmac(&[7u8; 32], b"desk")),
            "9c977346cada20c0dd74a217ab0a35e5d4e163d358abdd72f6eb8346b1d38469"
        );
    }

    #[test]
    fn a_token_holds_only_for_its_nonce() {
        let nonce = new_nonce();
        let t = token(&nonce);
        assert!(verify(Some(&nonce), &t));
        assert!(!verify(Some(&new_nonce()), &t));
        assert!(!verify(None, &t));
        assert!(!verify(Some(&nonce), "1.00"));
        assert!(!verify(Some(&nonce), &format!("1.{}", sign(&nonce, 1))));
        assert!(!verify(Some(&nonce), "junk"));
    }
}
