//! The HubSpot client handle, its request helpers and transport hooks.
//! Operations live in `objects.rs`, `search.rs`, `properties.rs` and
//! `associations.rs`.

use super::auth::TokenSource;
use super::config::{HubSpotConfig, PathStyle};
use super::error::{HsApiError, HubSpotError};
use crate::http::{
    Call, CallBody, Hooks, HttpError, Idempotency, RateLimiter, RawResponse, RetryPolicy,
    StatsSnapshot, Transport, Verdict, default_verdict, header_loose, retry_after,
};
use reqwest::Method;
use reqwest::header::{HeaderMap, HeaderValue};
use serde::de::DeserializeOwned;
use std::sync::Arc;
use url::Url;

/// Which rate limiter a call counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LimitClass {
    /// The per-10-seconds burst limit.
    Burst,
    /// The search per-second limit (search is exempt from the burst limit).
    Search,
    /// v4 association batch endpoints (exempt from the burst limit).
    Associations,
}

pub(crate) struct Inner {
    pub config: HubSpotConfig,
    pub transport: Transport,
    tokens: TokenSource,
    burst: Option<Arc<RateLimiter>>,
    search: Option<Arc<RateLimiter>>,
    associations: Option<Arc<RateLimiter>>,
}

/// HubSpot CRM API client. Cheap to clone; clones share the token, the rate
/// limiters and the accounting, so it can be used from many tasks at once.
#[derive(Clone)]
pub struct HubSpotClient {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for HubSpotClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HubSpotClient")
            .field("base_url", &self.inner.config.base_url.as_str())
            .field("path_style", &self.inner.config.path_style)
            .finish_non_exhaustive()
    }
}

struct ApiHooks<'a> {
    inner: &'a Inner,
    class: LimitClass,
}

impl Hooks for ApiHooks<'_> {
    type Error = HubSpotError;

    async fn authorization(&self) -> Result<Option<HeaderValue>, HubSpotError> {
        self.inner
            .tokens
            .header(&self.inner.transport)
            .await
            .map(Some)
    }

    fn classify(
        &self,
        status: u16,
        headers: &HeaderMap,
        body: &[u8],
        policy: &RetryPolicy,
    ) -> Verdict {
        match status {
            429 => {
                // The daily limit does not reset for hours: fail, don't wait.
                let daily = HsApiError::from_response("", status, headers, body)
                    .policy_name
                    .is_some_and(|p| p.eq_ignore_ascii_case("DAILY"));
                if daily {
                    Verdict::Done
                } else {
                    default_verdict(status, headers, policy)
                }
            }
            // "Migration in progress": nothing was processed; honour Retry-After.
            477 => Verdict::Retry {
                after: Some(retry_after(headers).unwrap_or(policy.throttle_wait)),
                not_processed: true,
            },
            _ => default_verdict(status, headers, policy),
        }
    }

    fn correlation_id(&self, headers: &HeaderMap) -> Option<String> {
        header_loose(headers, "x-hubspot-correlation-id")
    }

    fn observe(&self, headers: &HeaderMap) {
        if self.class != LimitClass::Burst {
            return;
        }
        if let Some(l) = &self.inner.burst {
            let num = |n: &str| header_loose(headers, n).and_then(|v| v.trim().parse::<u32>().ok());
            let max = num("x-hubspot-ratelimit-max");
            let remaining = num("x-hubspot-ratelimit-remaining");
            if max.is_some() || remaining.is_some() {
                l.observe(max, remaining);
            }
        }
    }
}

impl HubSpotClient {
    /// Build a client. Fails only on an invalid base URL / token URL or if the
    /// HTTP client cannot be constructed.
    pub fn new(config: HubSpotConfig) -> Result<Self, HubSpotError> {
        let transport = Transport::new("hubspot", config.timeout, config.retry.clone())?;
        let tokens = TokenSource::new(&config.auth, &config.base_url, config.token_refresh_margin)?;
        let burst = config
            .limits
            .burst
            .map(|l| RateLimiter::new("hubspot-burst", l));
        let search = config
            .limits
            .search
            .map(|l| RateLimiter::new("hubspot-search", l));
        let associations = config
            .limits
            .associations
            .map(|l| RateLimiter::new("hubspot-associations", l));
        Ok(HubSpotClient {
            inner: Arc::new(Inner {
                config,
                transport,
                tokens,
                burst,
                search,
                associations,
            }),
        })
    }

    /// Request accounting per endpoint since creation (or the last reset).
    pub fn stats(&self) -> StatsSnapshot {
        self.inner.transport.stats()
    }

    /// Clear the request accounting.
    pub fn reset_stats(&self) {
        self.inner.transport.reset_stats()
    }

    pub(crate) fn config(&self) -> &HubSpotConfig {
        &self.inner.config
    }

    /// `(path, label)` under the objects API: `rest` is appended to both, with
    /// `rest_label` replacing ids in the label.
    pub(crate) fn objects_path(
        &self,
        object: &str,
        rest: &str,
        rest_label: &str,
    ) -> (String, String) {
        match &self.inner.config.path_style {
            PathStyle::V3 => (
                format!("/crm/v3/objects/{object}{rest}"),
                format!("/crm/v3/objects/{{objectType}}{rest_label}"),
            ),
            PathStyle::Dated(v) => (
                format!("/crm/objects/{v}/{object}{rest}"),
                format!("/crm/objects/{v}/{{objectType}}{rest_label}"),
            ),
        }
    }

    pub(crate) fn properties_path(
        &self,
        object: &str,
        rest: &str,
        rest_label: &str,
    ) -> (String, String) {
        match &self.inner.config.path_style {
            PathStyle::V3 => (
                format!("/crm/v3/properties/{object}{rest}"),
                format!("/crm/v3/properties/{{objectType}}{rest_label}"),
            ),
            PathStyle::Dated(v) => (
                format!("/crm/properties/{v}/{object}{rest}"),
                format!("/crm/properties/{v}/{{objectType}}{rest_label}"),
            ),
        }
    }

    pub(crate) fn assoc_batch_path(&self, from: &str, to: &str, op: &str) -> (String, String) {
        match &self.inner.config.path_style {
            PathStyle::V3 => (
                format!("/crm/v4/associations/{from}/{to}/batch/{op}"),
                format!("/crm/v4/associations/{{fromObjectType}}/{{toObjectType}}/batch/{op}"),
            ),
            PathStyle::Dated(v) => (
                format!("/crm/associations/{v}/{from}/{to}/batch/{op}"),
                format!("/crm/associations/{v}/{{fromObjectType}}/{{toObjectType}}/batch/{op}"),
            ),
        }
    }

    /// The full URL for `path` with `query` pairs (values percent-encoded).
    pub(crate) fn url(&self, path: &str, query: &[(&str, String)]) -> Result<Url, HubSpotError> {
        let mut s = self
            .inner
            .config
            .base_url
            .as_str()
            .trim_end_matches('/')
            .to_string();
        s.push_str(path);
        for (i, (k, v)) in query.iter().enumerate() {
            s.push(if i == 0 { '?' } else { '&' });
            s.push_str(k);
            s.push('=');
            s.push_str(&crate::http::encode_query_value(v));
        }
        Url::parse(&s).map_err(|e| {
            HubSpotError::Http(HttpError::InvalidRequest {
                endpoint: path.to_string(),
                message: e.to_string(),
            })
        })
    }

    /// Build a call with the right limiter.
    pub(crate) fn call(
        &self,
        method: Method,
        url: Url,
        label: &str,
        body: CallBody,
        idempotency: Idempotency,
        class: LimitClass,
    ) -> (Call, LimitClass) {
        let endpoint = format!("{method} {label}");
        let mut call = Call::new(method, url, endpoint);
        call.body = body;
        call.idempotency = idempotency;
        call.headers.insert(
            reqwest::header::ACCEPT,
            HeaderValue::from_static("application/json"),
        );
        let limiter = match class {
            LimitClass::Burst => self.inner.burst.clone(),
            LimitClass::Search => self.inner.search.clone(),
            LimitClass::Associations => self.inner.associations.clone(),
        };
        call.limiters.extend(limiter);
        (call, class)
    }

    /// Execute a call (any final status).
    pub(crate) async fn send(
        &self,
        (call, class): (Call, LimitClass),
    ) -> Result<RawResponse, HubSpotError> {
        let hooks = ApiHooks {
            inner: &self.inner,
            class,
        };
        self.inner.transport.execute(&call, &hooks).await
    }

    /// Turn a non-2xx response into the typed error.
    pub(crate) fn error(&self, resp: &RawResponse) -> HubSpotError {
        let e = HsApiError::from_response(&resp.endpoint, resp.status, &resp.headers, &resp.body);
        if resp.status == 429
            && e.policy_name
                .as_deref()
                .is_some_and(|p| p.eq_ignore_ascii_case("DAILY"))
        {
            HubSpotError::DailyLimit(Box::new(e))
        } else {
            HubSpotError::Api(Box::new(e))
        }
    }

    /// Execute and decode a 2xx JSON body.
    pub(crate) async fn json<T: DeserializeOwned>(
        &self,
        call: (Call, LimitClass),
    ) -> Result<T, HubSpotError> {
        let resp = self.send(call).await?;
        if !resp.is_success() {
            return Err(self.error(&resp));
        }
        Ok(crate::http::decode(&resp.endpoint, &resp.body)?)
    }

    /// The portal's company currency (`GET /account-info/v3/details`).
    pub async fn account_currency(&self) -> Result<String, HubSpotError> {
        let url = self.url("/account-info/v3/details", &[])?;
        let call = self.call(
            Method::GET,
            url,
            "/account-info/v3/details",
            CallBody::None,
            Idempotency::Idempotent,
            LimitClass::Burst,
        );
        let d: super::wire::AccountDetails = self.json(call).await?;
        Ok(d.company_currency)
    }
}
