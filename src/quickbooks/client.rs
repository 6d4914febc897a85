//! The QuickBooks client handle, its request helpers and transport hooks, and
//! the read operations (read one, query with paging, preferences, company
//! info). Writes are in `writes.rs`, CDC in `cdc.rs`, batch in `batch.rs`.

use super::auth::{QboTokens, bearer};
use super::config::{QboConfig, TokenSink};
use super::error::{QboError, QboFault};
use super::query::Query;
use super::wire::{Obj, QboCompanyInfo, QboPreferences, QueryEnvelope, query_rows, to_record};
use crate::http::{
    Call, CallBody, ConcurrencyLimit, Hooks, HttpError, Idempotency, RateLimiter, RawResponse,
    StatsSnapshot, Transport, header_loose,
};
use crate::model::QboRecord;
use crate::secret::Secret;
use reqwest::Method;
use reqwest::header::{HeaderMap, HeaderValue};
use std::sync::{Arc, Mutex};

/// Query pages read at once after a `COUNT(*)` (QuickBooks allows 10
/// concurrent requests per company; refresh reads several entities at once).
pub const PAGES_IN_FLIGHT: usize = 4;
use url::Url;

pub(crate) struct Inner {
    pub config: QboConfig,
    pub transport: Transport,
    tokens: QboTokens,
    per_minute: Option<Arc<RateLimiter>>,
    batch: Option<Arc<RateLimiter>>,
    concurrency: Option<ConcurrencyLimit>,
}

/// QuickBooks Online API client for one company (realm). Cheap to clone;
/// clones share tokens, limiters and accounting.
#[derive(Clone)]
pub struct QboClient {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for QboClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QboClient")
            .field("base_url", &self.inner.config.base_url.as_str())
            .field("realm_id", &self.inner.config.realm_id)
            .finish_non_exhaustive()
    }
}

struct ApiHooks<'a> {
    inner: &'a Inner,
    /// The access token sent on the last attempt (to invalidate it on 401).
    used: Mutex<Option<Secret>>,
}

impl Hooks for ApiHooks<'_> {
    type Error = QboError;

    async fn authorization(&self) -> Result<Option<HeaderValue>, QboError> {
        let tok = self.inner.tokens.access(&self.inner.transport).await?;
        let h = bearer(&tok)?;
        *self.used.lock().unwrap_or_else(|e| e.into_inner()) = Some(tok);
        Ok(Some(h))
    }

    fn correlation_id(&self, headers: &HeaderMap) -> Option<String> {
        header_loose(headers, "intuit_tid")
    }
}

/// A request to make (internal).
pub(crate) struct Req<'a> {
    pub method: Method,
    /// Path under `/v3/company/{realm}/`.
    pub path: String,
    /// Label path under `/v3/company/{realmId}/`.
    pub label: String,
    pub query: Vec<(&'a str, String)>,
    pub body: CallBody,
    pub idempotency: Idempotency,
    pub batch: bool,
}

impl QboClient {
    /// Build a client. `sink` receives every rotated refresh token.
    pub fn new(config: QboConfig, sink: Arc<dyn TokenSink>) -> Result<Self, QboError> {
        let transport = Transport::new("quickbooks", config.timeout, config.retry.clone())?;
        let tokens = QboTokens::new(
            &config.auth,
            &config.realm_id,
            config.token_refresh_margin,
            sink,
        );
        let per_minute = config
            .limits
            .per_minute
            .map(|l| RateLimiter::new("qbo-per-minute", l));
        let batch = config
            .limits
            .batch
            .map(|l| RateLimiter::new("qbo-batch", l));
        let concurrency = config.limits.concurrency.map(ConcurrencyLimit::new);
        Ok(QboClient {
            inner: Arc::new(Inner {
                config,
                transport,
                tokens,
                per_minute,
                batch,
                concurrency,
            }),
        })
    }

    /// Request accounting per endpoint.
    pub fn stats(&self) -> StatsSnapshot {
        self.inner.transport.stats()
    }

    /// Clear the request accounting.
    pub fn reset_stats(&self) {
        self.inner.transport.reset_stats()
    }

    /// The company id.
    pub fn realm_id(&self) -> &str {
        &self.inner.config.realm_id
    }

    pub(crate) fn config(&self) -> &QboConfig {
        &self.inner.config
    }

    fn url(&self, path: &str, query: &[(&str, String)]) -> Result<Url, QboError> {
        let mut s = self
            .inner
            .config
            .base_url
            .as_str()
            .trim_end_matches('/')
            .to_string();
        s.push_str("/v3/company/");
        s.push_str(&self.inner.config.realm_id);
        s.push('/');
        s.push_str(path);
        s.push_str("?minorversion=");
        s.push_str(&self.inner.config.minor_version.to_string());
        for (k, v) in query {
            s.push('&');
            s.push_str(k);
            s.push('=');
            s.push_str(&crate::http::encode_query_value(v));
        }
        Url::parse(&s).map_err(|e| {
            QboError::Http(HttpError::InvalidRequest {
                endpoint: path.to_string(),
                message: e.to_string(),
            })
        })
    }

    /// Execute a request (any final status). A 401 in refresh mode
    /// invalidates the access token and tries once more with a fresh one.
    pub(crate) async fn send(&self, req: Req<'_>) -> Result<RawResponse, QboError> {
        let url = self.url(&req.path, &req.query)?;
        let endpoint = format!("{} /v3/company/{{realmId}}/{}", req.method, req.label);
        let mut call = Call::new(req.method, url, endpoint);
        call.body = req.body;
        call.idempotency = req.idempotency;
        call.headers.insert(
            reqwest::header::ACCEPT,
            HeaderValue::from_static("application/json"),
        );
        call.limiters.extend(self.inner.per_minute.clone());
        if req.batch {
            call.limiters.extend(self.inner.batch.clone());
        }
        call.concurrency = self.inner.concurrency.clone();
        let mut uncertain = false;
        let mut refreshed = false;
        loop {
            let hooks = ApiHooks {
                inner: &self.inner,
                used: Mutex::new(None),
            };
            let mut resp = self.inner.transport.execute(&call, &hooks).await?;
            uncertain |= resp.earlier_attempt_uncertain;
            resp.earlier_attempt_uncertain = uncertain;
            if resp.status == 401 && !refreshed && self.inner.tokens.can_refresh() {
                refreshed = true;
                let used = hooks.used.lock().unwrap_or_else(|e| e.into_inner()).take();
                if let Some(t) = used {
                    self.inner.tokens.invalidate(&t).await;
                }
                continue;
            }
            return Ok(resp);
        }
    }

    /// The typed error for a non-2xx response.
    pub(crate) fn fault(resp: &RawResponse) -> QboError {
        QboError::Fault(QboFault::from_response(
            &resp.endpoint,
            resp.status,
            &resp.headers,
            &resp.body,
        ))
    }

    /// Decode a 2xx body as a JSON object, else the fault.
    pub(crate) fn object(resp: &RawResponse) -> Result<Obj, QboError> {
        if !resp.is_success() {
            return Err(Self::fault(resp));
        }
        Ok(crate::http::decode(&resp.endpoint, &resp.body)?)
    }

    /// The entity object `key` inside a single-entity envelope.
    pub(crate) fn entity_of(
        resp: &RawResponse,
        env: &mut Obj,
        entity: &str,
    ) -> Result<Obj, QboError> {
        let key = env.keys().find(|k| k.eq_ignore_ascii_case(entity)).cloned();
        match key.and_then(|k| env.remove(&k)) {
            Some(serde_json::Value::Object(m)) => Ok(m),
            _ => Err(QboError::Unexpected {
                endpoint: resp.endpoint.clone(),
                message: format!("response has no `{entity}` object"),
            }),
        }
    }

    pub(crate) fn record(resp: &RawResponse, obj: Obj, path: &str) -> Result<QboRecord, QboError> {
        to_record(obj, path).map_err(|m| QboError::Unexpected {
            endpoint: resp.endpoint.clone(),
            message: m,
        })
    }

    /// Read one entity by id (`GET /{entity}/{id}`).
    pub async fn read(&self, entity: &str, id: &str) -> Result<QboRecord, QboError> {
        let lower = entity.to_ascii_lowercase();
        let resp = self
            .send(Req {
                method: Method::GET,
                path: format!("{lower}/{}", crate::http::encode_query_value(id)),
                label: format!("{lower}/{{id}}"),
                query: vec![],
                body: CallBody::None,
                idempotency: Idempotency::Idempotent,
                batch: false,
            })
            .await?;
        let mut env = Self::object(&resp)?;
        let obj = Self::entity_of(&resp, &mut env, entity)?;
        Self::record(&resp, obj, entity)
    }

    /// One page of a query: `(rows, server time)`.
    pub(crate) async fn query_page(
        &self,
        statement: &str,
    ) -> Result<(Vec<(String, serde_json::Value)>, Option<String>), QboError> {
        let env = self.query_envelope(statement).await?;
        let mut rows = Vec::new();
        for (k, arr) in query_rows(env.query_response) {
            rows.extend(arr.into_iter().map(|v| (k.clone(), v)));
        }
        Ok((rows, env.time))
    }

    /// Every row of `query`, paging with `STARTPOSITION`/`MAXRESULTS`
    /// (1000 by default) until a short page.
    ///
    /// When the first page is full, a `COUNT(*)` query with the same
    /// conditions tells how many pages follow, and they are read
    /// [`PAGES_IN_FLIGHT`] at a time (in order) instead of one after the
    /// other: for 100,000 customers, 101 or 102 requests either way, but the
    /// read takes a fraction of the time. Should the last counted page be
    /// full while more rows were expected, reading goes on page by page
    /// until a short one.
    pub async fn query_all(&self, query: &Query) -> Result<Vec<QboRecord>, QboError> {
        Ok(self.query_all_timed(query).await?.0)
    }

    /// [`QboClient::query_all`] plus the server `time` of the first page.
    pub(crate) async fn query_all_timed(
        &self,
        query: &Query,
    ) -> Result<(Vec<QboRecord>, Option<String>), QboError> {
        use futures_util::stream::{self, StreamExt, TryStreamExt};
        let page = self.inner.config.page_size.clamp(1, 1000) as u64;
        let (first, first_time) = self
            .query_page(&Self::page_statement(query, 1, page)?)
            .await?;
        let mut out = Vec::new();
        let mut last_len = Self::collect_page(first, 1, &mut out)?;
        if last_len < page {
            return Ok((out, first_time));
        }
        let mut start = 1 + page;
        if let Some(total) = self.count(query).await? {
            let starts: Vec<u64> = (start..=total.max(start - 1))
                .step_by(page as usize)
                .collect();
            let pages: Vec<(u64, Vec<(String, serde_json::Value)>)> = stream::iter(starts)
                .map(|at| async move {
                    let stmt = Self::page_statement(query, at, page)?;
                    Ok::<_, QboError>((at, self.query_page(&stmt).await?.0))
                })
                .buffered(PAGES_IN_FLIGHT)
                .try_collect()
                .await?;
            for (at, rows) in pages {
                last_len = Self::collect_page(rows, at, &mut out)?;
                start = at + page;
            }
            // A short last page, or exactly the counted rows: done. More rows
            // than counted (created meanwhile): go on below.
            if last_len < page || out.len() as u64 == total {
                return Ok((out, first_time));
            }
        }
        // No count, or more rows than counted: page by page to a short page.
        loop {
            let (rows, _) = self
                .query_page(&Self::page_statement(query, start, page)?)
                .await?;
            if Self::collect_page(rows, start, &mut out)? < page {
                return Ok((out, first_time));
            }
            start += page;
        }
    }

    fn page_statement(query: &Query, start: u64, page: u64) -> Result<String, QboError> {
        query.statement(start, page).map_err(QboError::Query)
    }

    /// Convert one page's rows (the first at `start`) into records; returns
    /// how many rows the page had.
    fn collect_page(
        rows: Vec<(String, serde_json::Value)>,
        start: u64,
        out: &mut Vec<QboRecord>,
    ) -> Result<u64, QboError> {
        let n = rows.len() as u64;
        out.reserve(rows.len());
        for (i, (entity, v)) in rows.into_iter().enumerate() {
            let path = format!("QueryResponse.{entity}[{}]", start - 1 + i as u64);
            let obj = match v {
                serde_json::Value::Object(m) => m,
                other => {
                    return Err(QboError::Unexpected {
                        endpoint: "GET /v3/company/{realmId}/query".into(),
                        message: format!("{path}: expected an object, found {other}"),
                    });
                }
            };
            out.push(to_record(obj, &path).map_err(|m| QboError::Unexpected {
                endpoint: "GET /v3/company/{realmId}/query".into(),
                message: m,
            })?);
        }
        Ok(n)
    }

    /// `SELECT COUNT(*)` with the conditions of `query`: the number of rows
    /// (`None` when the answer carries no `totalCount`).
    pub async fn count(&self, query: &Query) -> Result<Option<u64>, QboError> {
        let stmt = query.count_statement().map_err(QboError::Query)?;
        let env = self.query_envelope(&stmt).await?;
        Ok(env
            .query_response
            .get("totalCount")
            .and_then(serde_json::Value::as_u64))
    }

    /// `GET /query` with one statement: the decoded envelope.
    async fn query_envelope(&self, statement: &str) -> Result<QueryEnvelope, QboError> {
        let resp = self
            .send(Req {
                method: Method::GET,
                path: "query".into(),
                label: "query".into(),
                query: vec![("query", statement.to_string())],
                body: CallBody::None,
                idempotency: Idempotency::Idempotent,
                batch: false,
            })
            .await?;
        if !resp.is_success() {
            return Err(Self::fault(&resp));
        }
        Ok(crate::http::decode(&resp.endpoint, &resp.body)?)
    }

    /// Company preferences (`GET /preferences`).
    pub async fn preferences(&self) -> Result<QboPreferences, QboError> {
        let resp = self
            .send(Req {
                method: Method::GET,
                path: "preferences".into(),
                label: "preferences".into(),
                query: vec![],
                body: CallBody::None,
                idempotency: Idempotency::Idempotent,
                batch: false,
            })
            .await?;
        let mut env = Self::object(&resp)?;
        Ok(QboPreferences::from_obj(Self::entity_of(
            &resp,
            &mut env,
            "Preferences",
        )?))
    }

    /// Company information (`GET /companyinfo/{realmId}`).
    pub async fn company_info(&self) -> Result<QboCompanyInfo, QboError> {
        let realm = self.inner.config.realm_id.clone();
        let resp = self
            .send(Req {
                method: Method::GET,
                path: format!("companyinfo/{realm}"),
                label: "companyinfo/{realmId}".into(),
                query: vec![],
                body: CallBody::None,
                idempotency: Idempotency::Idempotent,
                batch: false,
            })
            .await?;
        let mut env = Self::object(&resp)?;
        Ok(QboCompanyInfo::from_obj(Self::entity_of(
            &resp,
            &mut env,
            "CompanyInfo",
        )?))
    }
}
