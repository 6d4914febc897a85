//! Per-endpoint request statistics, served at `GET /_emulator/stats` and used by
//! tests and the scale harness to count requests against the minimum.

use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Mutex;

/// Counters for one endpoint (method + route pattern).
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct EndpointStats {
    /// Requests received.
    pub count: u64,
    /// Responses by HTTP status.
    pub statuses: BTreeMap<u16, u64>,
    /// Requests answered 429 by a rate limit (not by fault injection).
    pub throttled: u64,
    /// Requests answered with an injected fault.
    pub faulted: u64,
}

/// Statistics keyed by API (`hubspot` / `quickbooks`) then endpoint label
/// (`POST /crm/v3/objects/{objectType}/batch/create`).
#[derive(Debug, Default)]
pub struct Stats {
    inner: Mutex<BTreeMap<String, BTreeMap<String, EndpointStats>>>,
}

/// How a request ended, for [`Stats::record`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Served normally (any status).
    Served,
    /// Refused by a rate limit with 429.
    Throttled,
    /// An injected fault.
    Faulted,
}

impl Stats {
    /// Record one request.
    pub fn record(&self, api: &str, endpoint: &str, status: u16, outcome: Outcome) {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let e = inner
            .entry(api.to_string())
            .or_default()
            .entry(endpoint.to_string())
            .or_default();
        e.count += 1;
        *e.statuses.entry(status).or_default() += 1;
        match outcome {
            Outcome::Served => {}
            Outcome::Throttled => e.throttled += 1,
            Outcome::Faulted => e.faulted += 1,
        }
    }

    /// A copy of all counters.
    pub fn snapshot(&self) -> BTreeMap<String, BTreeMap<String, EndpointStats>> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Clear all counters.
    pub fn reset(&self) {
        self.inner.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}
