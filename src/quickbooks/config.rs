//! QuickBooks client configuration and the refresh-token persistence hook.

use crate::http::{RateLimit, RetryPolicy};
use crate::secret::Secret;
use chrono::{DateTime, Utc};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use url::Url;

/// How the client authenticates.
#[derive(Debug, Clone)]
pub enum QboAuth {
    /// A fixed access token (no refresh; the sandbox emulator's default).
    Static(Secret),
    /// OAuth2 refresh-token grant with rotation.
    Refresh {
        /// App client id.
        client_id: String,
        /// App client secret (HTTP Basic on the token endpoint).
        client_secret: Secret,
        /// The newest refresh token (as last persisted).
        refresh_token: Secret,
        /// Token endpoint (`https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer`).
        token_url: Url,
    },
}

/// Error returned by a [`TokenSink`].
pub type SinkError = Box<dyn std::error::Error + Send + Sync>;

/// Receives every rotated refresh token **before** the new access token is
/// used, so that a crash can never lose the only valid refresh token. If
/// `persist` fails, the API call that triggered the refresh fails too.
pub trait TokenSink: Send + Sync {
    /// Durably store `refresh_token` for company `realm_id`.
    fn persist(&self, realm_id: &str, refresh_token: &Secret) -> Result<(), SinkError>;
}

/// A sink that keeps tokens in memory (static-token mode, tests, sandbox).
#[derive(Debug, Default)]
pub struct MemorySink {
    tokens: Mutex<Vec<(String, Secret)>>,
}

impl MemorySink {
    /// An empty sink.
    pub fn new() -> Arc<Self> {
        Arc::new(MemorySink::default())
    }

    /// Every token persisted so far, oldest first.
    pub fn persisted(&self) -> Vec<(String, Secret)> {
        self.tokens
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The newest persisted token.
    pub fn latest(&self) -> Option<Secret> {
        self.persisted().pop().map(|(_, s)| s)
    }
}

impl TokenSink for MemorySink {
    fn persist(&self, realm_id: &str, refresh_token: &Secret) -> Result<(), SinkError> {
        self.tokens
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((realm_id.to_string(), refresh_token.clone()));
        Ok(())
    }
}

/// Rate limits the client keeps to (`None` = not limited client-side).
#[derive(Debug, Clone, PartialEq)]
pub struct QboLimits {
    /// Requests per minute per realm (500).
    pub per_minute: Option<RateLimit>,
    /// Batch requests per minute per realm and app (40); batch calls also
    /// count against `per_minute`.
    pub batch: Option<RateLimit>,
    /// Concurrent requests per realm (10).
    pub concurrency: Option<usize>,
}

impl QboLimits {
    /// Production limits: 500/min, batch 40/min, 10 concurrent.
    pub fn production() -> Self {
        QboLimits {
            per_minute: Some(RateLimit::new(500, Duration::from_secs(60))),
            batch: Some(RateLimit::new(40, Duration::from_secs(60))),
            concurrency: Some(10),
        }
    }

    /// No client-side limits.
    pub fn unlimited() -> Self {
        QboLimits {
            per_minute: None,
            batch: None,
            concurrency: None,
        }
    }

    /// All periods divided by `factor` (for an emulator running faster).
    pub fn scaled(self, factor: f64) -> Self {
        QboLimits {
            per_minute: self.per_minute.map(|l| l.scaled(factor)),
            batch: self.batch.map(|l| l.scaled(factor)),
            concurrency: self.concurrency,
        }
    }
}

impl Default for QboLimits {
    fn default() -> Self {
        QboLimits::production()
    }
}

/// The wall clock the client consults for the 30-day CDC window
/// (injectable so tests with a frozen emulator clock stay deterministic).
#[derive(Clone)]
pub struct QboClock(pub Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>);

impl QboClock {
    /// The system clock.
    pub fn system() -> Self {
        QboClock(Arc::new(Utc::now))
    }

    /// A clock stuck at `t`.
    pub fn fixed(t: DateTime<Utc>) -> Self {
        QboClock(Arc::new(move || t))
    }

    /// Current time.
    pub fn now(&self) -> DateTime<Utc> {
        (self.0)()
    }
}

impl std::fmt::Debug for QboClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("QboClock")
    }
}

/// Everything the QuickBooks client needs.
#[derive(Debug, Clone)]
pub struct QboConfig {
    /// `https://quickbooks.api.intuit.com` (or the emulator's address).
    pub base_url: Url,
    /// Company id.
    pub realm_id: String,
    /// Authentication.
    pub auth: QboAuth,
    /// `minorversion` sent on every call (75).
    pub minor_version: u32,
    /// Client-side rate limits.
    pub limits: QboLimits,
    /// Retry policy.
    pub retry: RetryPolicy,
    /// Per-attempt timeout.
    pub timeout: Duration,
    /// Refresh the access token this long before it expires (capped at a
    /// quarter of its lifetime).
    pub token_refresh_margin: Duration,
    /// Query page size (`MAXRESULTS`, max 1000).
    pub page_size: u32,
    /// Items per batch request (max 30).
    pub batch_size: usize,
    /// Objects one CDC response can hold (1000).
    pub cdc_cap: usize,
    /// Oldest `changedSince` CDC accepts (30 days); older falls back to a full read.
    pub cdc_max_age: Duration,
    /// Clock for the CDC age check.
    pub clock: QboClock,
}

impl QboConfig {
    /// Defaults for `base_url`, `realm_id` and `auth`.
    pub fn new(base_url: Url, realm_id: impl Into<String>, auth: QboAuth) -> Self {
        QboConfig {
            base_url,
            realm_id: realm_id.into(),
            auth,
            minor_version: 75,
            limits: QboLimits::default(),
            retry: RetryPolicy::quickbooks(),
            timeout: Duration::from_secs(120),
            token_refresh_margin: Duration::from_secs(300),
            page_size: 1000,
            batch_size: 30,
            cdc_cap: 1000,
            cdc_max_age: Duration::from_secs(30 * 24 * 3600),
            clock: QboClock::system(),
        }
    }
}
