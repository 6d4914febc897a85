//! Rate-limit configuration and a sliding-window counter measured on the
//! emulator's scaled monotonic clock.

use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::time::Duration;

/// Rate limits. `None` disables a limit. Defaults are the real services' values
/// (HubSpot Professional private app; QBO production).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Limits {
    /// HubSpot burst: requests per rolling 10 seconds.
    pub hubspot_per_10s: Option<u32>,
    /// HubSpot daily limit (reported in headers).
    pub hubspot_daily: Option<u32>,
    /// HubSpot search requests per second (separate from the burst limit).
    pub hubspot_search_per_sec: Option<u32>,
    /// QBO requests per minute per realm.
    pub qbo_per_minute: Option<u32>,
    /// QBO batch requests per minute per realm.
    pub qbo_batch_per_minute: Option<u32>,
    /// QBO concurrent requests per realm.
    pub qbo_concurrency: Option<u32>,
    /// HubSpot batch input cap.
    pub hubspot_batch_max: usize,
    /// QBO batch item cap.
    pub qbo_batch_max: usize,
    /// HubSpot search result cap per query.
    pub hubspot_search_cap: usize,
    /// HubSpot search index lag (records changed more recently than this are not
    /// yet visible to search).
    pub hubspot_search_lag: Duration,
    /// QBO access-token lifetime.
    pub qbo_access_token_ttl: Duration,
    /// HubSpot OAuth access-token lifetime (`expires_in`, scaled clock).
    #[serde(default = "default_hubspot_access_token_ttl")]
    pub hubspot_access_token_ttl: Duration,
    /// HubSpot search: maximum filter groups per request.
    #[serde(default = "default_hubspot_search_max_groups")]
    pub hubspot_search_max_groups: usize,
    /// HubSpot search: maximum filters in one filter group.
    #[serde(default = "default_hubspot_search_max_filters_per_group")]
    pub hubspot_search_max_filters_per_group: usize,
    /// HubSpot search: maximum filters across all groups.
    #[serde(default = "default_hubspot_search_max_filters")]
    pub hubspot_search_max_filters: usize,
    /// Grace period during which a rotated-away refresh token still works.
    pub qbo_refresh_grace: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            hubspot_per_10s: Some(190),
            hubspot_daily: Some(625_000),
            hubspot_search_per_sec: Some(4),
            qbo_per_minute: Some(500),
            qbo_batch_per_minute: Some(40),
            qbo_concurrency: Some(10),
            hubspot_batch_max: 100,
            qbo_batch_max: 30,
            hubspot_search_cap: 10_000,
            hubspot_search_lag: Duration::ZERO,
            qbo_access_token_ttl: Duration::from_secs(3600),
            hubspot_access_token_ttl: default_hubspot_access_token_ttl(),
            hubspot_search_max_groups: default_hubspot_search_max_groups(),
            hubspot_search_max_filters_per_group: default_hubspot_search_max_filters_per_group(),
            hubspot_search_max_filters: default_hubspot_search_max_filters(),
            qbo_refresh_grace: Duration::from_secs(24 * 3600),
        }
    }
}

fn default_hubspot_access_token_ttl() -> Duration {
    Duration::from_secs(1800)
}

fn default_hubspot_search_max_groups() -> usize {
    5
}

fn default_hubspot_search_max_filters_per_group() -> usize {
    10
}

fn default_hubspot_search_max_filters() -> usize {
    25
}

impl Limits {
    /// No rate limits at all (sizes and caps stay real).
    pub fn unlimited() -> Self {
        Limits {
            hubspot_per_10s: None,
            hubspot_daily: None,
            hubspot_search_per_sec: None,
            qbo_per_minute: None,
            qbo_batch_per_minute: None,
            qbo_concurrency: None,
            ..Limits::default()
        }
    }
}

/// A sliding-window request counter: at most `limit` acquisitions in any
/// `period`.
#[derive(Debug, Clone)]
pub struct RateWindow {
    limit: u32,
    period: Duration,
    hits: VecDeque<Duration>,
}

impl RateWindow {
    /// A window allowing `limit` requests per `period`.
    pub fn new(limit: u32, period: Duration) -> Self {
        RateWindow {
            limit,
            period,
            hits: VecDeque::new(),
        }
    }

    /// The configured limit.
    pub fn limit(&self) -> u32 {
        self.limit
    }

    /// The window length.
    pub fn period(&self) -> Duration {
        self.period
    }

    /// Try to take one slot at scaled time `now`. `Ok(remaining)` on success;
    /// `Err(wait)` with the time until a slot frees otherwise.
    pub fn try_acquire(&mut self, now: Duration) -> Result<u32, Duration> {
        while let Some(&front) = self.hits.front() {
            if now.saturating_sub(front) >= self.period {
                self.hits.pop_front();
            } else {
                break;
            }
        }
        if (self.hits.len() as u32) < self.limit {
            self.hits.push_back(now);
            Ok(self.limit - self.hits.len() as u32)
        } else {
            let oldest = *self.hits.front().expect("non-empty when full");
            Err(self.period.saturating_sub(now.saturating_sub(oldest)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_refuses_over_limit_and_frees_after_period() {
        let mut w = RateWindow::new(2, Duration::from_secs(10));
        assert_eq!(w.try_acquire(Duration::from_secs(0)), Ok(1));
        assert_eq!(w.try_acquire(Duration::from_secs(1)), Ok(0));
        assert_eq!(
            w.try_acquire(Duration::from_secs(2)),
            Err(Duration::from_secs(8))
        );
        assert_eq!(w.try_acquire(Duration::from_secs(10)), Ok(0));
    }
}
