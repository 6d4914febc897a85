//! HubSpot client configuration.

use crate::http::{RateLimit, RetryPolicy};
use crate::secret::Secret;
use std::time::Duration;
use url::Url;

/// How the client authenticates.
#[derive(Debug, Clone)]
pub enum HubSpotAuth {
    /// A static bearer token: private-app token, service key or app static token.
    Token(Secret),
    /// OAuth app install: refresh the access token from `expires_in`.
    OAuth {
        /// App client id.
        client_id: String,
        /// App client secret.
        client_secret: Secret,
        /// The install's refresh token.
        refresh_token: Secret,
        /// Token endpoint; `None` = `{base_url}/oauth/v1/token`.
        token_url: Option<Url>,
    },
}

/// Which API path scheme to call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathStyle {
    /// `/crm/v3/objects/...`, `/crm/v3/properties/...`, `/crm/v4/associations/...`.
    V3,
    /// Date-versioned: `/crm/objects/2026-03/...` (the string is the version).
    Dated(String),
}

impl PathStyle {
    /// The 2026-03 dated scheme.
    pub fn dated_2026_03() -> Self {
        PathStyle::Dated("2026-03".into())
    }
}

/// Rate limits the client keeps to (each `None` = not limited client-side).
#[derive(Debug, Clone, PartialEq)]
pub struct HubSpotLimits {
    /// Burst limit per app (100 Free/Starter, 190 Pro/Enterprise, 250 with the
    /// limit-increase pack) per rolling 10 s.
    pub burst: Option<RateLimit>,
    /// Search: 4 requests per second per token (separate from the burst limit).
    pub search: Option<RateLimit>,
    /// v4 association batch endpoints, which HubSpot exempts from the burst
    /// limit; some other limit is assumed, by default the burst values on a
    /// separate window.
    pub associations: Option<RateLimit>,
}

impl HubSpotLimits {
    /// Professional / Enterprise: 190 per 10 s, search 4 per second.
    pub fn professional() -> Self {
        HubSpotLimits {
            burst: Some(RateLimit::new(190, Duration::from_secs(10))),
            search: Some(RateLimit::new(4, Duration::from_secs(1))),
            associations: Some(RateLimit::new(190, Duration::from_secs(10))),
        }
    }

    /// A tier with `per_10s` burst requests (100, 190 or 250).
    pub fn tier(per_10s: u32) -> Self {
        HubSpotLimits {
            burst: Some(RateLimit::new(per_10s, Duration::from_secs(10))),
            search: Some(RateLimit::new(4, Duration::from_secs(1))),
            associations: Some(RateLimit::new(per_10s, Duration::from_secs(10))),
        }
    }

    /// No client-side limits.
    pub fn unlimited() -> Self {
        HubSpotLimits {
            burst: None,
            search: None,
            associations: None,
        }
    }

    /// All periods divided by `factor` (for an emulator running `factor`× faster).
    pub fn scaled(self, factor: f64) -> Self {
        HubSpotLimits {
            burst: self.burst.map(|l| l.scaled(factor)),
            search: self.search.map(|l| l.scaled(factor)),
            associations: self.associations.map(|l| l.scaled(factor)),
        }
    }
}

impl Default for HubSpotLimits {
    fn default() -> Self {
        HubSpotLimits::professional()
    }
}

/// Everything the HubSpot client needs.
#[derive(Debug, Clone)]
pub struct HubSpotConfig {
    /// `https://api.hubapi.com` (or the emulator's address).
    pub base_url: Url,
    /// Authentication.
    pub auth: HubSpotAuth,
    /// Path scheme.
    pub path_style: PathStyle,
    /// Client-side rate limits.
    pub limits: HubSpotLimits,
    /// Retry policy.
    pub retry: RetryPolicy,
    /// Per-attempt timeout.
    pub timeout: Duration,
    /// Search look-back subtracted from `since` to cover search index lag.
    pub search_lookback: Duration,
    /// Longest URL the client builds; property lists that would exceed it
    /// move into a batch-read body.
    pub max_url_len: usize,
    /// Refresh an OAuth access token this long before it expires (capped at a
    /// quarter of its lifetime).
    pub token_refresh_margin: Duration,
    /// List page size (HubSpot max 100).
    pub page_size: u32,
    /// Search page size (HubSpot max 200).
    pub search_page_size: u32,
    /// Results one search query can page through (HubSpot: 10,000).
    pub search_cap: usize,
    /// Batch inputs per request (HubSpot max 100).
    pub batch_size: usize,
    /// Association batch-read inputs per request (HubSpot max 1000).
    pub assoc_read_batch: usize,
    /// Association batch-create inputs per request.
    pub assoc_create_batch: usize,
}

impl HubSpotConfig {
    /// Defaults for `base_url` with `auth`: v3 paths, Professional limits.
    pub fn new(base_url: Url, auth: HubSpotAuth) -> Self {
        HubSpotConfig {
            base_url,
            auth,
            path_style: PathStyle::V3,
            limits: HubSpotLimits::default(),
            retry: RetryPolicy::hubspot(),
            timeout: Duration::from_secs(60),
            search_lookback: Duration::from_secs(60),
            max_url_len: 2000,
            token_refresh_margin: Duration::from_secs(300),
            page_size: 100,
            search_page_size: 200,
            search_cap: 10_000,
            batch_size: 100,
            assoc_read_batch: 1000,
            assoc_create_batch: 100,
        }
    }
}
