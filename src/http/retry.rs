//! Retry policy: bounded attempts, exponential backoff with jitter drawn from a
//! seeded RNG, and `Retry-After` parsing.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use reqwest::header::HeaderMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How a client retries transient failures.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Total tries per logical call (first try included). 1 disables retries.
    pub max_attempts: u32,
    /// Backoff before the first retry; doubles on each further retry.
    pub base_delay: Duration,
    /// Upper bound of one backoff.
    pub max_delay: Duration,
    /// Wait after a 429 that carries no `Retry-After` (HubSpot: the 10 s
    /// window; QBO: 60 s as Intuit asks). Tests set this small.
    pub throttle_wait: Duration,
    /// A `Retry-After` longer than this is not waited for: the call fails
    /// instead (HubSpot's 477 "migration in progress" can ask for hours).
    pub max_retry_after: Duration,
    /// Seed of the jitter RNG. `None` seeds from the OS.
    pub seed: Option<u64>,
}

impl RetryPolicy {
    /// HubSpot defaults: 5 tries, 0.5 s → 30 s backoff, 10 s after a bare 429.
    pub fn hubspot() -> Self {
        RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            throttle_wait: Duration::from_secs(10),
            max_retry_after: Duration::from_secs(120),
            seed: None,
        }
    }

    /// QuickBooks defaults: 5 tries, 0.5 s → 30 s backoff, 60 s after a 429.
    pub fn quickbooks() -> Self {
        RetryPolicy {
            throttle_wait: Duration::from_secs(60),
            ..RetryPolicy::hubspot()
        }
    }

    /// Fast policy for tests: `attempts` tries, millisecond backoffs, seeded.
    pub fn fast(attempts: u32, seed: u64) -> Self {
        RetryPolicy {
            max_attempts: attempts,
            base_delay: Duration::from_millis(2),
            max_delay: Duration::from_millis(20),
            throttle_wait: Duration::from_millis(20),
            max_retry_after: Duration::from_secs(5),
            seed: Some(seed),
        }
    }
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy::hubspot()
    }
}

/// Computes backoff delays. Shared by every task of one client; the RNG sits
/// behind a mutex because draws must be serialised to stay reproducible.
#[derive(Debug, Clone)]
pub struct Backoff {
    policy: RetryPolicy,
    rng: Arc<Mutex<ChaCha8Rng>>,
}

impl Backoff {
    /// A backoff calculator for `policy`.
    pub fn new(policy: RetryPolicy) -> Self {
        let seed = policy.seed.unwrap_or_else(rand::random::<u64>);
        Backoff {
            policy,
            rng: Arc::new(Mutex::new(ChaCha8Rng::seed_from_u64(seed))),
        }
    }

    /// The policy.
    pub fn policy(&self) -> &RetryPolicy {
        &self.policy
    }

    /// Delay before retry number `retry` (1 = first retry): "equal jitter",
    /// half the exponential step fixed, half random, capped at `max_delay`.
    pub fn delay(&self, retry: u32) -> Duration {
        let exp = self
            .policy
            .base_delay
            .saturating_mul(1u32 << retry.saturating_sub(1).min(20));
        let step = exp.min(self.policy.max_delay);
        let r: f64 = self
            .rng
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .random::<f64>();
        step.mul_f64(0.5 + 0.5 * r)
    }

    /// A small random extra (≤ 10% of `d`) so that many clients released by
    /// the same `Retry-After` do not return in lockstep.
    pub fn jitter(&self, d: Duration) -> Duration {
        let r: f64 = self
            .rng
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .random::<f64>();
        d + d.mul_f64(0.1 * r)
    }
}

/// Parse `Retry-After` (delta-seconds, possibly fractional, or an HTTP date).
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let raw = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(secs) = raw.parse::<f64>() {
        if secs.is_finite() && secs >= 0.0 {
            return Some(Duration::from_secs_f64(secs.min(1.0e7)));
        }
        return None;
    }
    let when = chrono::DateTime::parse_from_rfc2822(raw).ok()?;
    let delta = when.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(delta.to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_is_capped_and_reproducible() {
        let p = RetryPolicy {
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(1000),
            seed: Some(7),
            ..RetryPolicy::hubspot()
        };
        let a = Backoff::new(p.clone());
        let b = Backoff::new(p);
        let da: Vec<_> = (1..=8).map(|i| a.delay(i)).collect();
        let db: Vec<_> = (1..=8).map(|i| b.delay(i)).collect();
        assert_eq!(da, db, "same seed, same delays");
        assert!(da[0] >= Duration::from_millis(50) && da[0] <= Duration::from_millis(100));
        assert!(da[3] >= Duration::from_millis(400) && da[3] <= Duration::from_millis(800));
        for d in &da[4..] {
            assert!(*d >= Duration::from_millis(500) && *d <= Duration::from_millis(1000));
        }
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let mut h = HeaderMap::new();
        h.insert("retry-after", "7".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        h.insert("retry-after", "0.25".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_millis(250)));
        h.insert(
            "retry-after",
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&h), Some(Duration::ZERO));
        h.insert("retry-after", "soon".parse().unwrap());
        assert_eq!(retry_after(&h), None);
    }
}
