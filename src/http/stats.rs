//! Request accounting per endpoint: calls, retries, 429s, bytes and time.
//! Snapshots feed the planner's API-call estimates and the benchmarks.

use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

/// Counters for one endpoint (method + path template, e.g.
/// `POST /crm/v3/objects/{objectType}/batch/read`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EndpointStats {
    /// HTTP requests sent (every attempt counts).
    pub calls: u64,
    /// Of those, attempts after the first for one logical call.
    pub retries: u64,
    /// Responses with status 429.
    pub throttled: u64,
    /// Attempts that ended without a response (timeout, reset, refused).
    pub transport_errors: u64,
    /// Responses by HTTP status.
    pub statuses: BTreeMap<u16, u64>,
    /// Request body bytes sent.
    pub bytes_sent: u64,
    /// Response body bytes received.
    pub bytes_received: u64,
    /// Total time spent in requests (sending to end of body), excluding waits
    /// for rate limits and backoff.
    #[serde(serialize_with = "ser_millis")]
    pub time: Duration,
}

fn ser_millis<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(d.as_millis().min(u64::MAX as u128) as u64)
}

impl EndpointStats {
    fn add(&mut self, other: &EndpointStats) {
        self.calls += other.calls;
        self.retries += other.retries;
        self.throttled += other.throttled;
        self.transport_errors += other.transport_errors;
        for (k, v) in &other.statuses {
            *self.statuses.entry(*k).or_default() += v;
        }
        self.bytes_sent += other.bytes_sent;
        self.bytes_received += other.bytes_received;
        self.time += other.time;
    }
}

/// A point-in-time copy of all counters, keyed by endpoint.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct StatsSnapshot {
    /// Counters per endpoint label.
    pub endpoints: BTreeMap<String, EndpointStats>,
}

impl StatsSnapshot {
    /// The sum over all endpoints.
    pub fn total(&self) -> EndpointStats {
        let mut t = EndpointStats::default();
        for e in self.endpoints.values() {
            t.add(e);
        }
        t
    }

    /// Counters of one endpoint (zero when never called).
    pub fn endpoint(&self, label: &str) -> EndpointStats {
        self.endpoints.get(label).cloned().unwrap_or_default()
    }

    /// Calls summed over every endpoint whose label contains `pattern`.
    pub fn calls_matching(&self, pattern: &str) -> u64 {
        self.endpoints
            .iter()
            .filter(|(k, _)| k.contains(pattern))
            .map(|(_, v)| v.calls)
            .sum()
    }
}

/// One attempt's facts, recorded by the transport.
#[derive(Debug, Clone, Default)]
pub struct Attempt {
    /// Status, when a response arrived.
    pub status: Option<u16>,
    /// Whether this was a retry.
    pub retry: bool,
    /// Bytes sent.
    pub bytes_sent: u64,
    /// Bytes received.
    pub bytes_received: u64,
    /// Duration of the attempt.
    pub time: Duration,
}

/// Thread-safe accounting shared by clones of one client.
#[derive(Debug, Default)]
pub struct Accounting {
    inner: Mutex<BTreeMap<String, EndpointStats>>,
}

impl Accounting {
    /// Record one attempt on `endpoint`.
    pub fn record(&self, endpoint: &str, a: &Attempt) {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let e = inner.entry(endpoint.to_string()).or_default();
        e.calls += 1;
        if a.retry {
            e.retries += 1;
        }
        match a.status {
            Some(s) => {
                *e.statuses.entry(s).or_default() += 1;
                if s == 429 {
                    e.throttled += 1;
                }
            }
            None => e.transport_errors += 1,
        }
        e.bytes_sent += a.bytes_sent;
        e.bytes_received += a.bytes_received;
        e.time += a.time;
    }

    /// A copy of the counters.
    pub fn snapshot(&self) -> StatsSnapshot {
        StatsSnapshot {
            endpoints: self.inner.lock().unwrap_or_else(|e| e.into_inner()).clone(),
        }
    }

    /// Clear the counters.
    pub fn reset(&self) {
        self.inner.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_and_sums() {
        let a = Accounting::default();
        a.record(
            "GET /x",
            &Attempt {
                status: Some(429),
                bytes_received: 10,
                ..Default::default()
            },
        );
        a.record(
            "GET /x",
            &Attempt {
                status: Some(200),
                retry: true,
                bytes_received: 5,
                ..Default::default()
            },
        );
        a.record("POST /y", &Attempt::default());
        let s = a.snapshot();
        let x = s.endpoint("GET /x");
        assert_eq!((x.calls, x.retries, x.throttled), (2, 1, 1));
        assert_eq!(x.bytes_received, 15);
        assert_eq!(s.endpoint("POST /y").transport_errors, 1);
        assert_eq!(s.total().calls, 3);
        assert_eq!(s.calls_matching("GET"), 2);
        a.reset();
        assert!(a.snapshot().endpoints.is_empty());
    }
}
