//! Encryption of refresh tokens at rest: XChaCha20-Poly1305 with a key derived
//! from the OAuth client secret (sha256 of a domain tag, the realm and the
//! secret). The secret never touches the state; without it the stored token is
//! useless.

use super::StoredToken;
use crate::secret::Secret;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use chrono::{DateTime, Utc};
use rand::RngExt;
use sha2::{Digest, Sha256};

/// Seals and opens refresh tokens for one realm.
pub struct TokenCipher {
    cipher: XChaCha20Poly1305,
}

/// A stored token could not be opened.
#[derive(Debug, thiserror::Error)]
#[error(
    "the stored QuickBooks refresh token cannot be decrypted (was the client secret changed?): {0}"
)]
pub struct TokenCipherError(String);

impl TokenCipher {
    /// A cipher keyed by the client secret and realm.
    pub fn new(client_secret: &Secret, realm: &str) -> Self {
        let mut h = Sha256::new();
        h.update(b"hsqb refresh-token v1\0");
        h.update(realm.as_bytes());
        h.update(b"\0");
        h.update(client_secret.expose().as_bytes());
        let key_bytes: [u8; 32] = h.finalize().into();
        let key = Key::from(key_bytes);
        TokenCipher {
            cipher: XChaCha20Poly1305::new(&key),
        }
    }

    /// Encrypt a token.
    pub fn seal(&self, token: &Secret, now: DateTime<Utc>) -> StoredToken {
        let mut nonce_bytes = [0u8; 24];
        rand::rng().fill(&mut nonce_bytes);
        let nonce = XNonce::from(nonce_bytes);
        let ct = self
            .cipher
            .encrypt(&nonce, token.expose().as_bytes())
            .unwrap_or_default();
        let mut out = nonce_bytes.to_vec();
        out.extend_from_slice(&ct);
        StoredToken {
            sealed: base64::engine::general_purpose::STANDARD.encode(out),
            received_at: now,
            origin: None,
            version: 0,
        }
    }

    /// Decrypt a token.
    pub fn open(&self, stored: &StoredToken) -> Result<Secret, TokenCipherError> {
        let raw = base64::engine::general_purpose::STANDARD
            .decode(&stored.sealed)
            .map_err(|e| TokenCipherError(e.to_string()))?;
        if raw.len() < 24 + 16 {
            return Err(TokenCipherError("too short".into()));
        }
        let (n, ct) = raw.split_at(24);
        let nonce_bytes: [u8; 24] = n
            .try_into()
            .map_err(|_| TokenCipherError("bad nonce".into()))?;
        let pt = self
            .cipher
            .decrypt(&XNonce::from(nonce_bytes), ct)
            .map_err(|_| TokenCipherError("authentication failed".into()))?;
        String::from_utf8(pt)
            .map(Secret::new)
            .map_err(|e| TokenCipherError(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_and_wrong_key() {
        let c = TokenCipher::new(&Secret::new("client-secret-abc"), "123");
        let t = Secret::new("refresh-token-canary-123456");
        let s = c.seal(&t, Utc::now());
        assert!(!s.sealed.contains("canary"));
        assert_eq!(c.open(&s).unwrap().expose(), t.expose());
        let other = TokenCipher::new(&Secret::new("client-secret-xyz"), "123");
        assert!(other.open(&s).is_err());
        let other_realm = TokenCipher::new(&Secret::new("client-secret-abc"), "456");
        assert!(other_realm.open(&s).is_err());
    }
}
