//! The one place requests are sent: rate-limit permits, authorization, retries
//! with backoff, accounting and tracing. API clients describe a [`Call`] and
//! supply [`Hooks`] (how to authorize, how to classify a response); they never
//! loop on their own.
//!
//! Retry rules (see `docs/clients.md` for the per-call table):
//! - 429: always retried (the server refused before doing anything), after
//!   `Retry-After` or the policy's `throttle_wait`.
//! - 5xx / timeouts / dropped connections: retried for [`Idempotency::Idempotent`]
//!   calls; for [`Idempotency::NonIdempotent`] calls the transport stops and
//!   returns [`HttpError::OutcomeUnknown`] (never a blind resend).
//! - Connection refused (nothing sent): retried for every call.

use super::error::{HttpError, TransportKind};
use super::limiter::{ConcurrencyLimit, RateLimiter};
use super::retry::{Backoff, RetryPolicy, retry_after};
use super::stats::{Accounting, Attempt, StatsSnapshot};
use reqwest::Method;
use reqwest::header::{HeaderMap, HeaderValue};
use std::future::Future;
use std::sync::{Arc, Once};
use std::time::Duration;
use tracing::Instrument;
use url::Url;

/// Whether resending a call can cause a duplicate effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Idempotency {
    /// Reads, searches, upserts by unique key, sparse updates with a
    /// `requestid`, archives: safe to resend after any transient failure.
    Idempotent,
    /// Creates: resent only when the server certainly did not process the
    /// request (429, connection refused).
    NonIdempotent,
}

/// A request body.
#[derive(Debug, Clone, Default)]
pub enum CallBody {
    /// No body.
    #[default]
    None,
    /// JSON bytes (`Content-Type: application/json`).
    Json(Vec<u8>),
    /// Form-encoded (`application/x-www-form-urlencoded`).
    Form(Vec<u8>),
}

impl CallBody {
    /// Serialize `value` as a JSON body.
    pub fn json<T: serde::Serialize>(value: &T) -> Result<Self, serde_json::Error> {
        serde_json::to_vec(value).map(CallBody::Json)
    }

    fn len(&self) -> u64 {
        match self {
            CallBody::None => 0,
            CallBody::Json(b) | CallBody::Form(b) => b.len() as u64,
        }
    }
}

/// One logical API call.
#[derive(Debug, Clone)]
pub struct Call {
    /// HTTP method.
    pub method: Method,
    /// Full URL (query included).
    pub url: Url,
    /// Accounting label: method + path template (`GET /crm/v3/objects/{objectType}`).
    pub endpoint: String,
    /// Body.
    pub body: CallBody,
    /// Extra headers (never secrets: authorization comes from [`Hooks`]).
    pub headers: HeaderMap,
    /// Whether a resend is safe.
    pub idempotency: Idempotency,
    /// Rate limiters to take a slot from before each attempt.
    pub limiters: Vec<Arc<RateLimiter>>,
    /// Concurrency cap to hold during each attempt.
    pub concurrency: Option<ConcurrencyLimit>,
}

impl Call {
    /// A call with no body, idempotent, no limiters.
    pub fn new(method: Method, url: Url, endpoint: impl Into<String>) -> Self {
        Call {
            method,
            url,
            endpoint: endpoint.into(),
            body: CallBody::None,
            headers: HeaderMap::new(),
            idempotency: Idempotency::Idempotent,
            limiters: Vec::new(),
            concurrency: None,
        }
    }
}

/// A complete HTTP response (any status) after the retry loop.
#[derive(Debug, Clone)]
pub struct RawResponse {
    /// Endpoint label.
    pub endpoint: String,
    /// Status code.
    pub status: u16,
    /// Headers.
    pub headers: HeaderMap,
    /// Body.
    pub body: Vec<u8>,
    /// Attempts made (1 = no retry).
    pub attempts: u32,
    /// An earlier attempt of this call may have been processed by the server
    /// (it timed out, was dropped or got a 5xx). Writes use this to interpret
    /// a later "stale"/"not found" answer as their own earlier success.
    pub earlier_attempt_uncertain: bool,
}

impl RawResponse {
    /// 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// What to do with a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Hand it to the caller (success or a definite failure).
    Done,
    /// Transient: retry after `after` (or the computed backoff).
    Retry {
        /// Server-requested wait.
        after: Option<Duration>,
        /// The server certainly did not act on the request (429).
        not_processed: bool,
    },
}

/// Per-API behaviour plugged into the transport.
pub trait Hooks: Sync {
    /// The API's error type.
    type Error: From<HttpError> + Send;

    /// The `Authorization` header for the next attempt (may refresh a token).
    fn authorization(
        &self,
    ) -> impl Future<Output = Result<Option<HeaderValue>, Self::Error>> + Send;

    /// Classify a response. The default ([`default_verdict`]) retries 429 and
    /// the transient 5xx family.
    fn classify(
        &self,
        status: u16,
        headers: &HeaderMap,
        _body: &[u8],
        policy: &RetryPolicy,
    ) -> Verdict {
        default_verdict(status, headers, policy)
    }

    /// The server's correlation id for logs and errors.
    fn correlation_id(&self, headers: &HeaderMap) -> Option<String>;

    /// Observe every response's headers (e.g. rate-limit headers).
    fn observe(&self, _headers: &HeaderMap) {}
}

/// 429 → retry after `Retry-After` or `throttle_wait` (not processed);
/// 500/502/503/504/52x → retry with backoff (maybe processed); else done.
pub fn default_verdict(status: u16, headers: &HeaderMap, policy: &RetryPolicy) -> Verdict {
    match status {
        429 => Verdict::Retry {
            after: Some(retry_after(headers).unwrap_or(policy.throttle_wait)),
            not_processed: true,
        },
        500 | 502 | 503 | 504 | 520..=524 => Verdict::Retry {
            after: retry_after(headers),
            not_processed: false,
        },
        _ => Verdict::Done,
    }
}

/// Install rustls' ring crypto provider once per process (reqwest is built
/// with `rustls-no-provider`). "Already installed" is fine.
pub fn install_crypto_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// Build the reqwest client: rustls, per-attempt `timeout`, `connect_timeout`.
pub fn build_client(
    timeout: Duration,
    connect_timeout: Duration,
) -> Result<reqwest::Client, HttpError> {
    install_crypto_provider();
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(connect_timeout.min(timeout))
        .user_agent(concat!("hsqb/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| HttpError::InvalidRequest {
            endpoint: "client".into(),
            message: crate::secret::scrub(&e.to_string()),
        })
}

/// The shared transport of one API client (cheap to clone).
#[derive(Debug, Clone)]
pub struct Transport {
    api: &'static str,
    client: reqwest::Client,
    accounting: Arc<Accounting>,
    backoff: Backoff,
}

impl Transport {
    /// A transport for `api` (`hubspot` / `quickbooks`, used in traces).
    pub fn new(
        api: &'static str,
        timeout: Duration,
        retry: RetryPolicy,
    ) -> Result<Self, HttpError> {
        Ok(Transport {
            api,
            client: build_client(timeout, Duration::from_secs(10))?,
            accounting: Arc::new(Accounting::default()),
            backoff: Backoff::new(retry),
        })
    }

    /// The retry policy.
    pub fn policy(&self) -> &RetryPolicy {
        self.backoff.policy()
    }

    /// Accounting snapshot.
    pub fn stats(&self) -> StatsSnapshot {
        self.accounting.snapshot()
    }

    /// Reset accounting.
    pub fn reset_stats(&self) {
        self.accounting.reset()
    }

    /// Execute `call` with retries. Returns the final response whatever its
    /// status (the caller turns non-2xx into its typed error), or an error
    /// when no response could be obtained / the outcome of a write is unknown.
    pub async fn execute<H: Hooks>(&self, call: &Call, hooks: &H) -> Result<RawResponse, H::Error> {
        let policy = self.backoff.policy().clone();
        let max = policy.max_attempts.max(1);
        let mut uncertain = false;
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let auth = hooks.authorization().await?;
            let span = tracing::debug_span!(
                "http",
                api = self.api,
                method = %call.method,
                path = %call.url.path(),
                attempt,
                status = tracing::field::Empty,
                duration_ms = tracing::field::Empty,
                correlation_id = tracing::field::Empty,
            );
            let outcome = self
                .attempt_once(call, auth, attempt > 1)
                .instrument(span.clone())
                .await;
            match outcome {
                Ok((status, headers, body, elapsed)) => {
                    hooks.observe(&headers);
                    let cid = hooks.correlation_id(&headers);
                    span.record("status", status);
                    span.record("duration_ms", elapsed.as_millis() as u64);
                    if let Some(c) = &cid {
                        span.record("correlation_id", c.as_str());
                    }
                    span.in_scope(|| {
                        tracing::debug!(
                            status,
                            duration_ms = elapsed.as_millis() as u64,
                            correlation_id = cid.as_deref(),
                            "response"
                        );
                    });
                    let raw = RawResponse {
                        endpoint: call.endpoint.clone(),
                        status,
                        headers,
                        body,
                        attempts: attempt,
                        earlier_attempt_uncertain: uncertain,
                    };
                    match hooks.classify(status, &raw.headers, &raw.body, &policy) {
                        Verdict::Done => return Ok(raw),
                        Verdict::Retry {
                            after,
                            not_processed,
                        } => {
                            if !not_processed {
                                if call.idempotency == Idempotency::NonIdempotent {
                                    return Err(HttpError::OutcomeUnknown {
                                        endpoint: call.endpoint.clone(),
                                        reason: format!("HTTP {status}"),
                                    }
                                    .into());
                                }
                                uncertain = true;
                            }
                            if attempt >= max {
                                return Ok(raw);
                            }
                            let wait = match after {
                                Some(d) => self.backoff.jitter(d),
                                None => self.backoff.delay(attempt),
                            };
                            if wait > policy.max_retry_after {
                                return Ok(raw);
                            }
                            tracing::debug!(parent: &span, status, wait_ms = wait.as_millis() as u64, "retrying");
                            tokio::time::sleep(wait).await;
                        }
                    }
                }
                Err((kind, message)) => {
                    tracing::debug!(parent: &span, %kind, "transport error");
                    if !kind.not_sent() {
                        if call.idempotency == Idempotency::NonIdempotent {
                            return Err(HttpError::OutcomeUnknown {
                                endpoint: call.endpoint.clone(),
                                reason: format!("{kind}: {message}"),
                            }
                            .into());
                        }
                        uncertain = true;
                    }
                    // An oversized body will be oversized again: do not retry.
                    if attempt >= max || kind == TransportKind::TooLarge {
                        return Err(HttpError::Transport {
                            endpoint: call.endpoint.clone(),
                            kind,
                            message,
                            attempts: attempt,
                        }
                        .into());
                    }
                    tokio::time::sleep(self.backoff.delay(attempt)).await;
                }
            }
        }
    }

    /// One attempt: permits, send, read the whole body, account.
    async fn attempt_once(
        &self,
        call: &Call,
        auth: Option<HeaderValue>,
        retry: bool,
    ) -> Result<(u16, HeaderMap, Vec<u8>, Duration), (TransportKind, String)> {
        // Permits are held until the body is read: the rate window measures
        // from the end of the request, the concurrency cap covers all of it.
        let mut permits = Vec::with_capacity(call.limiters.len());
        for l in &call.limiters {
            permits.push(l.acquire().await);
        }
        let conc = match &call.concurrency {
            Some(c) => c.acquire().await,
            None => None,
        };
        let mut req = self
            .client
            .request(call.method.clone(), call.url.clone())
            .headers(call.headers.clone());
        if let Some(mut a) = auth {
            a.set_sensitive(true);
            req = req.header(reqwest::header::AUTHORIZATION, a);
        }
        req = match &call.body {
            CallBody::None => req,
            CallBody::Json(b) => req
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(b.clone()),
            CallBody::Form(b) => req
                .header(
                    reqwest::header::CONTENT_TYPE,
                    "application/x-www-form-urlencoded",
                )
                .body(b.clone()),
        };
        let start = tokio::time::Instant::now();
        let result = async {
            let mut resp = req.send().await.map_err(ReadError::Http)?;
            let status = resp.status().as_u16();
            let headers = resp.headers().clone();
            // Read chunk by chunk with a cap: a broken or hostile server can
            // send an endless body (and a Content-Length cannot be trusted).
            let mut body =
                Vec::with_capacity(resp.content_length().map_or(0, |n| n.min(1 << 20) as usize));
            while let Some(chunk) = resp.chunk().await.map_err(ReadError::Http)? {
                if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
                    return Err(ReadError::TooLarge);
                }
                body.extend_from_slice(&chunk);
            }
            Ok::<_, ReadError>((status, headers, body))
        }
        .await;
        let elapsed = start.elapsed();
        drop(conc);
        drop(permits);
        let mut attempt = Attempt {
            status: None,
            retry,
            bytes_sent: call.body.len(),
            bytes_received: 0,
            time: elapsed,
        };
        match result {
            Ok((status, headers, body)) => {
                attempt.status = Some(status);
                attempt.bytes_received = body.len() as u64;
                self.accounting.record(&call.endpoint, &attempt);
                Ok((status, headers, body, elapsed))
            }
            Err(ReadError::Http(e)) => {
                self.accounting.record(&call.endpoint, &attempt);
                Err((classify_error(&e), crate::secret::scrub(&error_chain(&e))))
            }
            Err(ReadError::TooLarge) => {
                self.accounting.record(&call.endpoint, &attempt);
                Err((
                    TransportKind::TooLarge,
                    format!(
                        "the response body is larger than {} MiB; refusing to read more",
                        MAX_RESPONSE_BYTES >> 20
                    ),
                ))
            }
        }
    }
}

/// Largest response body read. Real pages are far smaller (a QBO page of
/// 1000 customers is ~2 MiB, a HubSpot batch of 100 records with hundreds of
/// properties well under 10 MiB).
pub const MAX_RESPONSE_BYTES: usize = 64 << 20;

/// Why reading a response failed.
enum ReadError {
    Http(reqwest::Error),
    TooLarge,
}

fn classify_error(e: &reqwest::Error) -> TransportKind {
    if e.is_connect() {
        TransportKind::Connect
    } else if e.is_timeout() {
        TransportKind::Timeout
    } else if e.is_request() || e.is_body() || e.is_decode() {
        TransportKind::Reset
    } else {
        TransportKind::Other
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(inner) = cur {
        let t = inner.to_string();
        if !s.contains(&t) {
            s.push_str(": ");
            s.push_str(&t);
        }
        cur = inner.source();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_verdicts() {
        let p = RetryPolicy::fast(3, 1);
        let h = HeaderMap::new();
        assert_eq!(
            default_verdict(429, &h, &p),
            Verdict::Retry {
                after: Some(p.throttle_wait),
                not_processed: true
            }
        );
        assert_eq!(
            default_verdict(503, &h, &p),
            Verdict::Retry {
                after: None,
                not_processed: false
            }
        );
        assert_eq!(default_verdict(400, &h, &p), Verdict::Done);
        assert_eq!(default_verdict(200, &h, &p), Verdict::Done);
    }
}
