//! Fault injection: rules configured through `POST /_emulator/faults` that make
//! matching requests fail (429, 5xx, timeouts, dropped connections, stale
//! SyncTokens), either at a seeded random rate or on scripted call numbers.
//! Each API half asks [`Faults::check`] before handling a request and renders the
//! fault in its own wire format.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::sync::Mutex;

/// What to do to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// Answer 429 as the real rate limiter would.
    #[serde(rename = "429")]
    TooManyRequests,
    /// Answer 500.
    #[serde(rename = "500")]
    ServerError,
    /// Answer 502.
    #[serde(rename = "502")]
    BadGateway,
    /// Answer 503.
    #[serde(rename = "503")]
    Unavailable,
    /// Hold the request for `delay_ms` (scaled) before answering 504; a client
    /// with a shorter timeout sees a timeout. The write (if any) is **not** done.
    Timeout,
    /// Perform the request, then drop the connection before the response is
    /// complete: the client cannot know whether the write happened.
    DropAfterWrite,
    /// Drop the connection without performing the request.
    Drop,
    /// QBO only: answer a write with 5010 Stale Object Error.
    StaleSyncToken,
    /// Answer 401 as for an expired access token (QBO `Token expired`,
    /// HubSpot `EXPIRED_AUTHENTICATION`), without performing the request:
    /// a token expiring mid-run, at a chosen request rather than a time.
    ExpiredToken,
    /// Perform the request normally but hold the response for `delay_ms`.
    Slow,
}

/// One fault rule.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FaultRule {
    /// `hubspot`, `quickbooks`, or absent for both.
    #[serde(default)]
    pub api: Option<String>,
    /// Substring matched against the endpoint label (`POST /crm/v3/objects/{objectType}/batch/create`)
    /// or the concrete path; absent matches every endpoint.
    #[serde(default)]
    pub endpoint: Option<String>,
    /// The fault.
    pub kind: FaultKind,
    /// Probability per matching request (seeded RNG).
    #[serde(default)]
    pub rate: Option<f64>,
    /// Fail exactly these 1-based matching-call numbers.
    #[serde(default)]
    pub nth: Vec<u64>,
    /// Stop after this many injected faults.
    #[serde(default)]
    pub max: Option<u64>,
    /// Delay for `timeout` and `slow` (scaled milliseconds).
    #[serde(default)]
    pub delay_ms: Option<u64>,
    /// Matching calls seen so far (maintained by the emulator).
    #[serde(default)]
    pub seen: u64,
    /// Faults injected so far (maintained by the emulator).
    #[serde(default)]
    pub fired: u64,
}

/// The decision for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FaultAction {
    /// The fault to inject.
    pub kind: FaultKind,
    /// Delay (scaled ms) for `timeout` / `slow`.
    pub delay_ms: u64,
}

/// The active fault rules and the seeded RNG deciding rate-based faults.
#[derive(Debug)]
pub struct Faults {
    inner: Mutex<FaultsInner>,
}

#[derive(Debug)]
struct FaultsInner {
    rules: Vec<FaultRule>,
    rng: ChaCha8Rng,
}

impl Faults {
    /// No rules; rate decisions drawn from `seed`.
    pub fn new(seed: u64) -> Self {
        Faults {
            inner: Mutex::new(FaultsInner {
                rules: Vec::new(),
                rng: ChaCha8Rng::seed_from_u64(seed),
            }),
        }
    }

    /// Replace the rules (and reseed when `seed` is given).
    pub fn set(&self, rules: Vec<FaultRule>, seed: Option<u64>) {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.rules = rules;
        if let Some(s) = seed {
            inner.rng = ChaCha8Rng::seed_from_u64(s);
        }
    }

    /// Add one rule.
    pub fn add(&self, rule: FaultRule) {
        self.inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .rules
            .push(rule);
    }

    /// The current rules with their counters.
    pub fn rules(&self) -> Vec<FaultRule> {
        self.inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .rules
            .clone()
    }

    /// Remove all rules.
    pub fn clear(&self) {
        self.inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .rules
            .clear();
    }

    /// Decide whether the request (`api`, endpoint label, concrete path) gets a
    /// fault. The first matching rule that fires wins.
    pub fn check(&self, api: &str, endpoint: &str, path: &str) -> Option<FaultAction> {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let FaultsInner { rules, rng } = &mut *inner;
        for rule in rules.iter_mut() {
            if rule.api.as_deref().is_some_and(|a| a != api) {
                continue;
            }
            if let Some(pat) = &rule.endpoint
                && !endpoint.contains(pat.as_str())
                && !path.contains(pat.as_str())
            {
                continue;
            }
            rule.seen += 1;
            if rule.max.is_some_and(|m| rule.fired >= m) {
                continue;
            }
            let by_nth = rule.nth.contains(&rule.seen);
            let by_rate = rule.rate.is_some_and(|r| rng.random::<f64>() < r);
            if by_nth || by_rate {
                rule.fired += 1;
                return Some(FaultAction {
                    kind: rule.kind,
                    delay_ms: rule.delay_ms.unwrap_or(30_000),
                });
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(kind: FaultKind) -> FaultRule {
        FaultRule {
            api: Some("hubspot".into()),
            endpoint: Some("batch/create".into()),
            kind,
            rate: None,
            nth: vec![],
            max: None,
            delay_ms: None,
            seen: 0,
            fired: 0,
        }
    }

    #[test]
    fn nth_call_fires_exactly_once() {
        let f = Faults::new(1);
        f.add(FaultRule {
            nth: vec![2],
            ..rule(FaultKind::ServerError)
        });
        let ep = "POST /crm/v3/objects/{objectType}/batch/create";
        assert!(f.check("hubspot", ep, "/x").is_none());
        assert_eq!(
            f.check("hubspot", ep, "/x").unwrap().kind,
            FaultKind::ServerError
        );
        assert!(f.check("hubspot", ep, "/x").is_none());
        assert!(f.check("quickbooks", ep, "/x").is_none());
    }

    #[test]
    fn rate_is_deterministic_per_seed() {
        let run = || {
            let f = Faults::new(7);
            f.add(FaultRule {
                rate: Some(0.3),
                ..rule(FaultKind::TooManyRequests)
            });
            (0..100)
                .map(|_| f.check("hubspot", "batch/create", "/").is_some())
                .collect::<Vec<_>>()
        };
        let a = run();
        assert_eq!(a, run());
        let n = a.iter().filter(|x| **x).count();
        assert!((15..=45).contains(&n), "{n}");
    }
}
