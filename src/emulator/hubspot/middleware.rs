//! The single layer every HubSpot request passes through, in this order:
//! endpoint label (`METHOD /route/{pattern}`), fault injection, bearer
//! authentication, rate limits (ten-second burst + daily, or the separate
//! per-second search limit), the handler, rate-limit and correlation headers,
//! persistence of mutating requests, and statistics.

use super::errors::{CORRELATION_HEADER, HsError, new_correlation_id};
use super::runtime::{AuthKind, RateHeaders};
use super::wire::Mutated;
use crate::emulator::Shared;
use crate::emulator::faults::FaultKind;
use crate::emulator::stats::Outcome;
use axum::body::{Body, Bytes};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

/// How the limits and auth apply to an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    /// Counted against the ten-second and daily limits; rate headers sent.
    Normal,
    /// `POST …/search`: own per-second limit, no rate headers.
    Search,
    /// v4 association batch/labels endpoints: exempt from the ten-second limit.
    AssocExempt,
    /// OAuth token endpoints: no bearer token, no limits.
    OAuth,
    /// Unknown routes: answered 404 without auth.
    Fallback,
}

fn classify(method: &Method, pattern: Option<&str>) -> Class {
    let Some(p) = pattern else {
        return Class::Fallback;
    };
    if p.contains("{*rest}") {
        Class::Fallback
    } else if p.starts_with("/oauth/") {
        Class::OAuth
    } else if method == Method::POST && p.ends_with("/search") {
        Class::Search
    } else if p.starts_with("/crm/v4/associations/") || p.starts_with("/crm/associations/") {
        Class::AssocExempt
    } else {
        Class::Normal
    }
}

const MISSING_AUTH: &str = "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview";

fn authenticate(s: &Shared, headers: &HeaderMap) -> Result<AuthKind, HsError> {
    let value = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| HsError::unauthenticated(MISSING_AUTH))?;
    let (scheme, token) = value
        .split_once(' ')
        .ok_or_else(|| HsError::unauthenticated(MISSING_AUTH))?;
    let token = token.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
        return Err(HsError::unauthenticated(MISSING_AUTH));
    }
    if token == s.config.hubspot_token {
        return Ok(AuthKind::Static);
    }
    let status = {
        let st = s.hubspot.lock().unwrap_or_else(|e| e.into_inner());
        st.runtime.token_status(token, s.clock.elapsed())
    };
    match status {
        Some(Ok(_)) => Ok(AuthKind::OAuth),
        Some(Err(ago)) => Err(HsError::new(
            401,
            "EXPIRED_AUTHENTICATION",
            format!(
                "The OAuth token used to make this call expired {} second(s) ago.",
                ago.as_secs()
            ),
        )),
        None => Err(HsError::unauthenticated(
            "The OAuth token used to make this call is not valid. Authentication credentials not found.",
        )),
    }
}

fn set_header(resp: &mut Response, name: &'static str, value: impl ToString) {
    if let Ok(v) = HeaderValue::from_str(&value.to_string()) {
        resp.headers_mut().insert(name, v);
    }
}

fn apply_rate_headers(resp: &mut Response, h: &RateHeaders) {
    if let Some((max, rem)) = h.burst {
        set_header(resp, "x-hubspot-ratelimit-max", max);
        set_header(resp, "x-hubspot-ratelimit-remaining", rem);
        set_header(resp, "x-hubspot-ratelimit-interval-milliseconds", 10_000);
    }
    if let Some((max, rem)) = h.daily {
        set_header(resp, "x-hubspot-ratelimit-daily", max);
        set_header(resp, "x-hubspot-ratelimit-daily-remaining", rem);
    }
}

/// Current day number in the portal's time zone (the daily limit resets at
/// the account's midnight), on the data clock.
fn portal_day(s: &Shared, offset_ms: i64) -> i64 {
    (s.clock.now().timestamp_millis() + offset_ms).div_euclid(86_400_000)
}

fn check_limits(
    s: &Shared,
    class: Class,
    auth: AuthKind,
) -> Result<Option<RateHeaders>, Box<Response>> {
    let limits = &s.config.limits;
    let now = s.clock.elapsed();
    let mut st = s.hubspot.lock().unwrap_or_else(|e| e.into_inner());
    match class {
        Class::Normal => {
            let day = portal_day(s, st.account.utc_offset_milliseconds);
            match st.runtime.acquire_burst(limits, now, day, auth) {
                Ok(h) => Ok(Some(h)),
                Err((policy, h)) => {
                    let mut r = HsError::rate_limited(policy).into_response();
                    apply_rate_headers(&mut r, &h);
                    Err(Box::new(r))
                }
            }
        }
        Class::Search => st
            .runtime
            .acquire_search(limits, now)
            .map(|_| None)
            .map_err(|e| Box::new(e.into_response())),
        _ => Ok(None),
    }
}

/// Serializes state writes: `persist_hubspot` writes through one temp file
/// name per process, so two concurrent writers could interleave.
static PERSIST_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());

async fn persist(s: &Arc<Shared>) {
    if s.config.data_dir.is_none() {
        return;
    }
    let s = s.clone();
    // Serializing a large portal takes a while: keep it off the async workers.
    let _ = tokio::task::spawn_blocking(move || {
        let _guard = PERSIST_LOCK.lock().unwrap_or_else(|e| e.into_inner());
        s.persist_hubspot();
    })
    .await;
}

/// A body that yields `chunk` (if any) and then fails, which makes hyper
/// abort the connection: the client sees a reset / incomplete message.
struct BrokenBody {
    chunk: Option<Bytes>,
}

impl axum::body::HttpBody for BrokenBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, std::io::Error>>> {
        match self.chunk.take() {
            Some(b) if !b.is_empty() => Poll::Ready(Some(Ok(http_body::Frame::data(b)))),
            _ => Poll::Ready(Some(Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "emulator fault injection: connection dropped",
            )))),
        }
    }
}

/// A response that never completes: the connection is dropped before any
/// body byte is sent.
fn dropped() -> Response {
    let mut r = Response::new(Body::new(BrokenBody { chunk: None }));
    *r.status_mut() = StatusCode::OK;
    r
}

/// Send the head and half of `resp`'s body under a Content-Length for the
/// whole, then break the connection.
async fn broken(resp: Response) -> Response {
    let (mut parts, body) = resp.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let declared = bytes.len().max(2);
    let half = bytes.slice(..bytes.len() / 2);
    if parts.status == StatusCode::NO_CONTENT {
        // 204 cannot carry a body; a 200 head lets the break happen mid-body.
        parts.status = StatusCode::OK;
    }
    parts
        .headers
        .insert(header::CONTENT_LENGTH, HeaderValue::from(declared));
    Response::from_parts(parts, Body::new(BrokenBody { chunk: Some(half) }))
}

/// A bare 404/405 from the router becomes a HubSpot JSON error.
fn jsonify_bare(resp: Response, method: &Method, path: &str) -> Response {
    let has_type = resp.headers().contains_key(header::CONTENT_TYPE);
    match resp.status() {
        StatusCode::METHOD_NOT_ALLOWED if !has_type => HsError::new(
            405,
            "METHOD_NOT_ALLOWED",
            format!("{method} is not supported on {path}"),
        )
        .into_response(),
        StatusCode::NOT_FOUND if !has_type => {
            HsError::not_found(format!("No route for {method} {path}")).into_response()
        }
        _ => resp,
    }
}

fn fault_response(s: &Shared, kind: FaultKind) -> Option<Response> {
    Some(match kind {
        FaultKind::TooManyRequests => {
            let mut r = HsError::rate_limited("TEN_SECONDLY_ROLLING").into_response();
            if let Some(max) = s.config.limits.hubspot_per_10s {
                apply_rate_headers(
                    &mut r,
                    &RateHeaders {
                        burst: Some((max, 0)),
                        daily: None,
                    },
                );
            }
            r
        }
        FaultKind::ServerError => HsError::new(
            500,
            "INTERNAL_ERROR",
            "An internal error occurred while processing the request.",
        )
        .into_response(),
        FaultKind::BadGateway => HsError::gateway(502).into_response(),
        FaultKind::Unavailable => HsError::gateway(503).into_response(),
        FaultKind::ExpiredToken => HsError::new(
            401,
            "EXPIRED_AUTHENTICATION",
            "The OAuth token used to make this call expired 1 second(s) ago.",
        )
        .into_response(),
        _ => return None,
    })
}

/// The middleware (see the module docs).
pub async fn layer(State(s): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let pattern = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string());
    let label = format!("{method} {}", pattern.as_deref().unwrap_or(&path));
    let class = classify(&method, pattern.as_deref());
    let record = |status: u16, outcome: Outcome| s.stats.record("hubspot", &label, status, outcome);

    let mut drop_after_write = false;
    let mut slow = None;
    if let Some(f) = s.faults.check("hubspot", &label, &path) {
        let delay = Duration::from_millis(f.delay_ms);
        match f.kind {
            FaultKind::Drop => {
                record(0, Outcome::Faulted);
                return dropped();
            }
            FaultKind::Timeout => {
                s.clock.sleep(delay).await;
                record(504, Outcome::Faulted);
                return HsError::gateway(504).into_response();
            }
            FaultKind::DropAfterWrite => drop_after_write = true,
            FaultKind::Slow => slow = Some(delay),
            FaultKind::StaleSyncToken => {}
            kind => {
                if let Some(r) = fault_response(&s, kind) {
                    record(r.status().as_u16(), Outcome::Faulted);
                    return r;
                }
            }
        }
    }

    let needs_auth = !matches!(class, Class::OAuth | Class::Fallback);
    let mut rate_headers = None;
    if needs_auth {
        let auth = match authenticate(&s, req.headers()) {
            Ok(a) => a,
            Err(e) => {
                record(e.status, Outcome::Served);
                return e.into_response();
            }
        };
        match check_limits(&s, class, auth) {
            Ok(h) => rate_headers = h,
            Err(r) => {
                record(429, Outcome::Throttled);
                return *r;
            }
        }
    }

    let resp = next.run(req).await;
    let mut resp = jsonify_bare(resp, &method, &path);
    if let Some(h) = &rate_headers {
        apply_rate_headers(&mut resp, h);
    }
    if !resp.headers().contains_key(CORRELATION_HEADER) {
        set_header(&mut resp, CORRELATION_HEADER, new_correlation_id());
    }
    if resp.extensions().get::<Mutated>().is_some() {
        persist(&s).await;
    }
    let status = resp.status().as_u16();
    if drop_after_write {
        record(status, Outcome::Faulted);
        return broken(resp).await;
    }
    if let Some(d) = slow {
        s.clock.sleep(d).await;
        record(status, Outcome::Faulted);
        return resp;
    }
    record(status, Outcome::Served);
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_follow_the_reference_exemptions() {
        let c = |m: Method, p: &str| classify(&m, Some(p));
        assert_eq!(
            c(Method::POST, "/crm/v3/objects/{objectType}/search"),
            Class::Search
        );
        assert_eq!(
            c(Method::GET, "/crm/v3/objects/{objectType}"),
            Class::Normal
        );
        assert_eq!(
            c(
                Method::POST,
                "/crm/v4/associations/{fromObjectType}/{toObjectType}/batch/read"
            ),
            Class::AssocExempt
        );
        assert_eq!(
            c(
                Method::PUT,
                "/crm/v4/objects/{objectType}/{objectId}/associations/{toObjectType}/{toObjectId}"
            ),
            Class::Normal
        );
        assert_eq!(c(Method::POST, "/oauth/v1/token"), Class::OAuth);
        assert_eq!(c(Method::GET, "/crm/{*rest}"), Class::Fallback);
        assert_eq!(classify(&Method::GET, None), Class::Fallback);
    }
}
