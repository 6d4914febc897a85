//! OAuth 2.0 state: refresh-token rotation with a grace period for the
//! previous token, access-token lifetimes on the scaled monotonic clock, and
//! the static access token from the configuration that never expires.
//!
//! Only the current refresh token (and the counter tokens are derived from) is
//! persisted: grace windows and issued access tokens are measured on the
//! process's monotonic clock and do not survive a restart (clients refresh
//! with their newest refresh token, which does).

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::time::Duration;

/// `x_refresh_token_expires_in` QBO sends (101 days).
pub(crate) const REFRESH_EXPIRES_IN: u64 = 8_726_400;

/// Why a token request failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GrantError {
    /// Unknown, superseded past its grace, or malformed refresh token.
    InvalidGrant,
}

/// Why an access token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AccessError {
    /// Issued by the emulator but past its lifetime.
    Expired,
    /// Never issued (or issued before a restart).
    Unknown,
}

/// Token state.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct OAuth {
    current_refresh: String,
    counter: u64,
    /// Superseded refresh tokens → scaled time they were superseded.
    #[serde(skip)]
    previous: HashMap<String, Duration>,
    /// Issued access tokens → scaled expiry time.
    #[serde(skip)]
    access: HashMap<String, Duration>,
}

/// A successful refresh.
pub(crate) struct Issued {
    pub access_token: String,
    pub refresh_token: String,
}

fn token(seed: u64, counter: u64, what: &str, len: usize) -> String {
    let mut h = Sha256::new();
    h.update(seed.to_le_bytes());
    h.update(counter.to_le_bytes());
    h.update(what.as_bytes());
    let hex = hex::encode(h.finalize());
    hex[..len.min(hex.len())].to_string()
}

impl OAuth {
    /// Initial state with the configured refresh token.
    pub fn new(refresh: &str) -> Self {
        OAuth {
            current_refresh: refresh.to_string(),
            counter: 0,
            previous: HashMap::new(),
            access: HashMap::new(),
        }
    }

    /// The refresh token a client should hold now.
    pub fn current_refresh(&self) -> &str {
        &self.current_refresh
    }

    /// Exchange a refresh token: always returns a new refresh token; the
    /// presented one (and the one current before) stay usable for `grace`.
    pub fn refresh(
        &mut self,
        presented: &str,
        now: Duration,
        grace: Duration,
        ttl: Duration,
        seed: u64,
    ) -> Result<Issued, GrantError> {
        self.previous
            .retain(|_, at| now.saturating_sub(*at) <= grace);
        let ok = presented == self.current_refresh || self.previous.contains_key(presented);
        if !ok || presented.is_empty() {
            return Err(GrantError::InvalidGrant);
        }
        self.counter += 1;
        let refresh = format!("RT1-{}", token(seed, self.counter, "refresh", 48));
        let access = format!("AT1-{}", token(seed, self.counter, "access", 64));
        let old = std::mem::replace(&mut self.current_refresh, refresh.clone());
        self.previous.entry(old).or_insert(now);
        self.access.retain(|_, exp| *exp > now);
        self.access.insert(access.clone(), now + ttl);
        Ok(Issued {
            access_token: access,
            refresh_token: refresh,
        })
    }

    /// Check an issued access token at scaled time `now`.
    pub fn check_access(&self, tok: &str, now: Duration) -> Result<(), AccessError> {
        match self.access.get(tok) {
            Some(exp) if *exp > now => Ok(()),
            Some(_) => Err(AccessError::Expired),
            None => Err(AccessError::Unknown),
        }
    }
}

/// A short, non-secret fingerprint of a token for error details and logs.
pub(crate) fn fingerprint(tok: &str) -> String {
    let h = Sha256::digest(tok.as_bytes());
    hex::encode(&h[..4])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotation_keeps_previous_token_for_the_grace_period() {
        let mut o = OAuth::new("r0");
        let s = Duration::from_secs;
        let a = o.refresh("r0", s(0), s(100), s(3600), 1).unwrap();
        assert_ne!(a.refresh_token, "r0");
        // The old token still works within the grace period, and yields another new one.
        let b = o.refresh("r0", s(50), s(100), s(3600), 1).unwrap();
        assert_ne!(b.refresh_token, a.refresh_token);
        // Past the grace period it does not.
        assert_eq!(
            o.refresh("r0", s(101), s(100), s(3600), 1).err(),
            Some(GrantError::InvalidGrant)
        );
        assert_eq!(
            o.refresh("nope", s(0), s(100), s(3600), 1).err(),
            Some(GrantError::InvalidGrant)
        );
        assert!(o.check_access(&b.access_token, s(3649)).is_ok());
        assert_eq!(
            o.check_access(&b.access_token, s(3651)),
            Err(AccessError::Expired)
        );
        assert_eq!(o.check_access("x", s(0)), Err(AccessError::Unknown));
    }
}
