//! Secrets desk hands out (API tokens, webhook secrets, upload links): random, shown
//! once, and kept only as their SHA-256, so a copy of the database opens nothing.

use sha2::{Digest, Sha256};

/// `bytes` random bytes as lowercase hex.
pub fn random_hex(bytes: usize) -> String {
    (0..bytes)
        .map(|_| format!("{:02x}", rand::random::<u8>()))
        .collect()
}

/// The SHA-256 of `secret` as lowercase hex: what is stored and looked up.
pub fn hash(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_hex_sha256_and_secrets_differ() {
        assert_eq!(hash("abc").len(), 64);
        assert_ne!(hash("a"), hash("b"));
        assert_eq!(random_hex(24).len(), 48);
        assert_ne!(random_hex(16), random_hex(16));
    }
}
