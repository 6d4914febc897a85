//! The one middleware every QuickBooks request passes: it assigns the
//! `intuit_tid`, authenticates the bearer token, checks the company, applies the
//! per-company rate limits (requests per minute, batch requests per minute,
//! requests in flight), injects configured faults, and records statistics.

use super::QboState;
use super::fault::{QboError, gateway_fault, throttle_xml};
use super::oauth::{AccessError, fingerprint};
use super::value::ts_ms;
use crate::emulator::faults::FaultKind;
use crate::emulator::stats::Outcome;
use crate::emulator::{EmulatorConfig, RateWindow, Shared};
use axum::body::{Body, Bytes};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use chrono::{DateTime, Utc};
use http_body::Frame;
use sha2::{Digest, Sha256};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

/// Request extension telling a write handler to answer 5010 (injected fault).
#[derive(Debug, Clone, Copy)]
pub(crate) struct ForceStale;

/// Per-company rate-limit state (not persisted).
#[derive(Debug)]
pub(crate) struct RealmLimits {
    minute: Option<RateWindow>,
    batch: Option<RateWindow>,
    inflight: u32,
}

impl RealmLimits {
    fn new(config: &EmulatorConfig) -> Self {
        let minute = Duration::from_secs(60);
        RealmLimits {
            minute: config
                .limits
                .qbo_per_minute
                .map(|n| RateWindow::new(n, minute)),
            batch: config
                .limits
                .qbo_batch_per_minute
                .map(|n| RateWindow::new(n, minute)),
            inflight: 0,
        }
    }
}

/// A refused request: the response and how stats count it.
pub(crate) struct Refusal {
    response: Response,
    outcome: Outcome,
}

/// Build a response with a body and content type.
pub(crate) fn respond(status: u16, content_type: &'static str, body: impl Into<Body>) -> Response {
    let mut r = Response::new(body.into());
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

fn unauthorized(detail: &str, now: DateTime<Utc>) -> Response {
    let body = gateway_fault(
        "message=AuthenticationFailed; errorCode=003200; statusCode=401",
        Some(detail),
        "3200",
        "AUTHENTICATION",
        now.timestamp_millis(),
    );
    let mut r = respond(401, "application/json", body.to_string());
    r.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"Intuit\", error=\"invalid_token\""),
    );
    r
}

fn forbidden(now: DateTime<Utc>) -> Response {
    let body = gateway_fault(
        "message=AuthorizationFailed; errorCode=003100; statusCode=403",
        None,
        "3100",
        "SERVICE",
        now.timestamp_millis(),
    );
    respond(403, "application/json", body.to_string())
}

fn throttled(now: DateTime<Utc>, off: i32) -> Response {
    respond(429, "application/xml", throttle_xml(&ts_ms(now, off)))
}

fn realm_of(path: &str) -> Option<String> {
    let rest = path.strip_prefix("/v3/company/")?;
    let id = rest.split('/').next()?;
    (!id.is_empty()).then(|| id.to_string())
}

fn query_param(query: &str, key: &str) -> Option<String> {
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

impl QboState {
    /// A deterministic `intuit_tid` (`1-<8 hex epoch secs>-<24 hex>`).
    fn next_tid(&mut self, seed: u64, now_secs: i64) -> String {
        self.runtime.tid_counter += 1;
        let mut h = Sha256::new();
        h.update(seed.to_le_bytes());
        h.update(self.runtime.tid_counter.to_le_bytes());
        let digest = h.finalize();
        format!("1-{:08x}-{}", now_secs as u32, hex::encode(&digest[..12]))
    }

    /// Authenticate, check the company and take rate-limit slots. `Ok(Some(realm))`
    /// means an in-flight slot was taken and must be released.
    #[allow(clippy::too_many_arguments)]
    fn admit(
        &mut self,
        config: &EmulatorConfig,
        auth: Option<&str>,
        realm: Option<&str>,
        is_batch: bool,
        elapsed: Duration,
        now: DateTime<Utc>,
    ) -> Result<Option<String>, Box<Refusal>> {
        let served = |response| {
            Box::new(Refusal {
                response,
                outcome: Outcome::Served,
            })
        };
        let token = auth.and_then(|h| {
            h.strip_prefix("Bearer ")
                .or_else(|| h.strip_prefix("bearer "))
                .map(str::trim)
        });
        match token {
            None | Some("") => {
                return Err(served(unauthorized(
                    "Authorization header is missing or not a bearer token",
                    now,
                )));
            }
            Some(t) if t == config.qbo_access_token => {}
            Some(t) => match self.oauth.check_access(t, elapsed) {
                Ok(()) => {}
                Err(AccessError::Expired) => {
                    return Err(served(unauthorized(
                        &format!("Token expired: {}", fingerprint(t)),
                        now,
                    )));
                }
                Err(AccessError::Unknown) => {
                    return Err(served(unauthorized(
                        &format!("Token invalid: {}", fingerprint(t)),
                        now,
                    )));
                }
            },
        }
        let Some(realm) = realm else {
            return Ok(None);
        };
        if !config.realms.iter().any(|r| r == realm) {
            return Err(served(forbidden(now)));
        }
        let off = self.ensure_realm(config, realm, now);
        let lim = self
            .runtime
            .limits
            .entry(realm.to_string())
            .or_insert_with(|| RealmLimits::new(config));
        let refuse = || {
            Box::new(Refusal {
                response: throttled(now, off),
                outcome: Outcome::Throttled,
            })
        };
        if config
            .limits
            .qbo_concurrency
            .is_some_and(|c| lim.inflight >= c)
        {
            return Err(refuse());
        }
        if let Some(w) = &mut lim.minute
            && w.try_acquire(elapsed).is_err()
        {
            return Err(refuse());
        }
        if is_batch
            && let Some(w) = &mut lim.batch
            && w.try_acquire(elapsed).is_err()
        {
            return Err(refuse());
        }
        lim.inflight += 1;
        Ok(Some(realm.to_string()))
    }

    fn release(&mut self, realm: &str) {
        if let Some(l) = self.runtime.limits.get_mut(realm) {
            l.inflight = l.inflight.saturating_sub(1);
        }
    }
}

/// Releases the in-flight slot when the request ends (or is abandoned).
struct InFlight {
    shared: Arc<Shared>,
    realm: String,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut st = self
            .shared
            .quickbooks
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        st.release(&self.realm);
    }
}

fn html(status: u16, title: &str) -> Response {
    respond(
        status,
        "text/html",
        format!(
            "<html><head><title>{status} {title}</title></head><body><h1>{status} {title}</h1></body></html>\n"
        ),
    )
}

/// A body that yields `data` (if any) and then fails: hyper aborts the
/// connection, so the client sees a response cut short.
struct Broken {
    data: Option<Bytes>,
}

impl http_body::Body for Broken {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        match self.data.take() {
            Some(d) if !d.is_empty() => Poll::Ready(Some(Ok(Frame::data(d)))),
            _ => Poll::Ready(Some(Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionAborted,
                "injected connection drop",
            )))),
        }
    }
}

/// A response that declares its full length but sends at most half the body
/// before the connection breaks.
fn broken(parts: axum::http::response::Parts, full: Bytes) -> Response {
    let declared = full.len() + 1;
    let cut = full.slice(0..full.len() / 2);
    let mut r = Response::from_parts(parts, Body::new(Broken { data: Some(cut) }));
    r.headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from(declared));
    r
}

/// Break a finished response mid-body (the work is done and persisted).
async fn break_body(resp: Response) -> Response {
    let (parts, body) = resp.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    broken(parts, bytes)
}

/// The middleware.
pub(crate) async fn guard(
    State(shared): State<Arc<Shared>>,
    mut req: Request,
    next: Next,
) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or("").to_string();
    let matched = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| path.clone());
    let mut label = format!("{method} {matched}");
    if let Some(op) = query_param(&query, "operation") {
        label.push_str("?operation=");
        label.push_str(&op);
    }
    let is_api = path.starts_with("/v3/");
    let realm = realm_of(&path);
    let is_batch = matched.ends_with("/batch");
    let is_write = method == Method::POST && is_api && !matched.ends_with("/query");
    let auth = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let accepts_json = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.to_ascii_lowercase().contains("application/json"));

    let elapsed = shared.clock.elapsed();
    let now = shared.clock.now();
    // One short lock: tid, authentication, company, rate limits.
    let (tid, admitted, off) = {
        let mut st = shared.quickbooks.lock().unwrap_or_else(|e| e.into_inner());
        let tid = st.next_tid(shared.config.seed, now.timestamp());
        let admitted = if is_api {
            st.admit(
                &shared.config,
                auth.as_deref(),
                realm.as_deref(),
                is_batch,
                elapsed,
                now,
            )
        } else {
            Ok(None)
        };
        let off = realm
            .as_deref()
            .and_then(|r| st.realms.get(r))
            .map(|r| r.utc_offset)
            .unwrap_or(super::defaults::DEFAULT_UTC_OFFSET);
        (tid, admitted, off)
    };
    let finish = |mut resp: Response, outcome: Outcome| {
        if let Ok(v) = HeaderValue::from_str(&tid) {
            resp.headers_mut().insert("intuit_tid", v);
        }
        shared
            .stats
            .record("quickbooks", &label, resp.status().as_u16(), outcome);
        resp
    };
    let slot = match admitted {
        Err(r) => return finish(r.response, r.outcome),
        Ok(slot) => slot,
    };
    let _in_flight = slot.map(|realm| InFlight {
        shared: shared.clone(),
        realm,
    });
    if is_api && !accepts_json {
        let r = respond(
            406,
            "text/plain",
            "The emulated QuickBooks API serves JSON only: send Accept: application/json\n",
        );
        return finish(r, Outcome::Served);
    }

    let Some(fault) = shared.faults.check("quickbooks", &label, &path) else {
        let r = next.run(req).await;
        return finish(r, Outcome::Served);
    };
    let delay = Duration::from_millis(fault.delay_ms);
    let (resp, outcome) = match fault.kind {
        FaultKind::TooManyRequests => (throttled(now, off), Outcome::Faulted),
        FaultKind::ServerError => {
            let e = QboError::system(
                "Injected fault: the service failed while processing your request.",
            );
            (
                respond(
                    500,
                    "application/json",
                    e.body(&ts_ms(now, off)).to_string(),
                ),
                Outcome::Faulted,
            )
        }
        FaultKind::BadGateway => (html(502, "Bad Gateway"), Outcome::Faulted),
        FaultKind::Unavailable => (html(503, "Service Unavailable"), Outcome::Faulted),
        FaultKind::Timeout => {
            shared.clock.sleep(delay).await;
            (html(504, "Gateway Time-out"), Outcome::Faulted)
        }
        FaultKind::Drop => {
            let (parts, _) =
                respond(200, "application/json;charset=utf-8", Body::empty()).into_parts();
            (broken(parts, Bytes::new()), Outcome::Faulted)
        }
        FaultKind::DropAfterWrite => {
            let r = next.run(req).await;
            (break_body(r).await, Outcome::Faulted)
        }
        FaultKind::StaleSyncToken if is_write => {
            req.extensions_mut().insert(ForceStale);
            (next.run(req).await, Outcome::Faulted)
        }
        FaultKind::StaleSyncToken => (next.run(req).await, Outcome::Served),
        FaultKind::ExpiredToken => (
            unauthorized("Token expired: injected", now),
            Outcome::Faulted,
        ),
        FaultKind::Slow => {
            let r = next.run(req).await;
            shared.clock.sleep(delay).await;
            (r, Outcome::Faulted)
        }
    };
    finish(resp, outcome)
}
