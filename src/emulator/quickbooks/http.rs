//! Route handlers. Each takes the state lock once, computes the response body
//! (with the envelope `time`) under it, releases it, persists if something
//! changed, and answers. `requestid` replay happens inside the same lock as
//! the write so two concurrent retries cannot both write.

use super::batch;
use super::cdc;
use super::fault::QboError;
use super::guard::{ForceStale, respond};
use super::kind::Kind;
use super::oauth::{GrantError, REFRESH_EXPIRES_IN};
use super::query;
use super::select::{self, Hidden};
use super::store::{Cached, Realm};
use super::value::ts_ms;
use super::write::{self, Ctx, Operation, parse_id};
use crate::emulator::Shared;
use axum::Extension;
use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use base64::Engine;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;

type Params = Query<HashMap<String, String>>;

const JSON_OK: &str = "application/json;charset=utf-8";
const JSON_FAULT: &str = "application/json";

fn json_response(status: u16, text: String) -> Response {
    respond(
        status,
        if status < 400 { JSON_OK } else { JSON_FAULT },
        text,
    )
}

/// Add the envelope `time` as the last key.
fn with_time(mut v: Value, time: &str) -> Value {
    if let Value::Object(m) = &mut v {
        m.insert("time".into(), Value::String(time.into()));
    }
    v
}

fn render(result: Result<Value, QboError>, time: &str) -> (u16, String) {
    match result {
        Ok(v) => (200, with_time(v, time).to_string()),
        Err(e) => (e.status, e.body(time).to_string()),
    }
}

/// Run a read-only operation on a company.
fn read(
    shared: &Shared,
    realm: &str,
    f: impl FnOnce(&Realm, DateTime<Utc>) -> Result<Value, QboError>,
) -> Response {
    let now = shared.clock.now();
    let (status, text) = {
        let st = shared.quickbooks.lock().unwrap_or_else(|e| e.into_inner());
        match st.realms.get(realm) {
            Some(r) => render(f(r, now), &ts_ms(now, r.utc_offset)),
            None => {
                let e = QboError::unsupported(&format!("/v3/company/{realm}"));
                (e.status, e.body(&ts_ms(now, 0)).to_string())
            }
        }
    };
    json_response(status, text)
}

/// Run a write on a company, with `requestid` replay and persistence. An
/// injected stale-SyncToken fault (`stale`) is answered but never cached, so a
/// retry with the same `requestid` is really performed.
fn write_op(
    shared: &Shared,
    realm: &str,
    request_id: Option<&String>,
    stale: bool,
    f: impl FnOnce(&mut Realm, DateTime<Utc>) -> Result<(Value, bool), QboError>,
) -> Response {
    let now = shared.clock.now();
    let rid = request_id.filter(|r| !r.is_empty()).cloned();
    let (status, text, changed) = {
        let mut st = shared.quickbooks.lock().unwrap_or_else(|e| e.into_inner());
        let Some(r) = st.realms.get_mut(realm) else {
            let e = QboError::unsupported(&format!("/v3/company/{realm}"));
            return json_response(e.status, e.body(&ts_ms(now, 0)).to_string());
        };
        if let Some(c) = rid.as_ref().and_then(|id| r.requests.get(id)) {
            // A replayed requestid: the original response, byte for byte, no write.
            (c.status, c.body.clone(), false)
        } else {
            let time = ts_ms(now, r.utc_offset);
            let result = f(r, now);
            let wrote = matches!(result, Ok((_, true)));
            let (status, text) = render(result.map(|(v, _)| v), &time);
            let cache = rid.filter(|_| !stale);
            let cached = cache.is_some();
            if let Some(id) = cache {
                r.requests.put(
                    id,
                    Cached {
                        status,
                        body: text.clone(),
                    },
                );
            }
            (status, text, wrote || cached)
        }
    };
    if changed {
        shared.persist_quickbooks();
    }
    json_response(status, text)
}

fn entity_envelope(kind: Kind, entity: Value) -> Value {
    let mut m = serde_json::Map::new();
    m.insert(kind.name().into(), entity);
    Value::Object(m)
}

/// `GET /v3/company/{realm}/query?query=...`.
pub(crate) async fn query_get(
    State(s): State<Arc<Shared>>,
    Path(realm): Path<String>,
    Query(p): Params,
) -> Response {
    let statement = p.get("query").cloned().unwrap_or_default();
    run_query(&s, &realm, &statement)
}

/// `POST /v3/company/{realm}/query` with the statement as body.
pub(crate) async fn query_post(
    State(s): State<Arc<Shared>>,
    Path(realm): Path<String>,
    body: Bytes,
) -> Response {
    let statement = String::from_utf8_lossy(&body).to_string();
    run_query(&s, &realm, &statement)
}

fn run_query(s: &Shared, realm: &str, statement: &str) -> Response {
    let now = s.clock.now();
    let (status, text) = {
        // Mutable only for the paging cache.
        let mut st = s.quickbooks.lock().unwrap_or_else(|e| e.into_inner());
        let super::QboState {
            realms, runtime, ..
        } = &mut *st;
        match realms.get(realm) {
            Some(r) => {
                let result = query::parse(statement).map(|q| {
                    json!({"QueryResponse": select::run(r, &q, &Hidden::new(), Some(&mut runtime.pages))})
                });
                render(result, &ts_ms(now, r.utc_offset))
            }
            None => {
                let e = QboError::unsupported(&format!("/v3/company/{realm}"));
                (e.status, e.body(&ts_ms(now, 0)).to_string())
            }
        }
    };
    json_response(status, text)
}

/// `GET /v3/company/{realm}/cdc`.
pub(crate) async fn cdc(
    State(s): State<Arc<Shared>>,
    Path(realm): Path<String>,
    Query(p): Params,
) -> Response {
    read(&s, &realm, |r, now| {
        let resp = cdc::run(
            r,
            p.get("entities").map(String::as_str),
            p.get("changedSince").map(String::as_str),
            now,
        )?;
        Ok(json!({"CDCResponse": resp}))
    })
}

/// `POST /v3/company/{realm}/batch`.
pub(crate) async fn batch(
    State(s): State<Arc<Shared>>,
    Path(realm): Path<String>,
    Query(p): Params,
    stale: Option<Extension<ForceStale>>,
    body: Bytes,
) -> Response {
    let max = s.config.limits.qbo_batch_max;
    write_op(&s, &realm, p.get("requestid"), stale.is_some(), |r, now| {
        let body: Value = serde_json::from_slice(&body).map_err(QboError::malformed)?;
        let (items, wrote) = batch::run(r, now, body, max, stale.is_some())?;
        Ok((json!({"BatchItemResponse": items}), wrote))
    })
}

/// `GET /v3/company/{realm}/companyinfo/{id}`.
pub(crate) async fn company_info(
    State(s): State<Arc<Shared>>,
    Path((realm, id)): Path<(String, String)>,
) -> Response {
    read(&s, &realm, |r, _| {
        if id != r.id && id != "1" {
            return Err(QboError::not_found());
        }
        Ok(entity_envelope(
            Kind::CompanyInfo,
            Value::Object(r.company_info.obj.clone()),
        ))
    })
}

/// `GET /v3/company/{realm}/preferences`.
pub(crate) async fn preferences(
    State(s): State<Arc<Shared>>,
    Path(realm): Path<String>,
) -> Response {
    read(&s, &realm, |r, _| {
        Ok(entity_envelope(
            Kind::Preferences,
            Value::Object(r.preferences.obj.clone()),
        ))
    })
}

/// `GET /v3/company/{realm}/{entity}/{id}`.
pub(crate) async fn entity_get(
    State(s): State<Arc<Shared>>,
    Path((realm, entity, id)): Path<(String, String, String)>,
    OriginalUri(uri): OriginalUri,
) -> Response {
    read(&s, &realm, |r, _| {
        let kind = Kind::from_resource(&entity)
            .filter(|k| !k.is_singleton())
            .ok_or_else(|| QboError::unsupported(uri.path()))?;
        if kind == Kind::TaxCode
            && let Some(p) = r
                .pseudo_tax_codes
                .iter()
                .find(|p| p.obj.get("Id") == Some(&json!(id)))
        {
            return Ok(entity_envelope(kind, Value::Object(p.obj.clone())));
        }
        let n = parse_id(&Value::String(id.clone()))?;
        let row = r.get(kind, n).ok_or_else(QboError::not_found)?;
        Ok(entity_envelope(kind, Value::Object(row.obj.clone())))
    })
}

fn operation(p: &HashMap<String, String>) -> Result<Operation, QboError> {
    match p.get("operation").map(String::as_str) {
        None | Some("") | Some("create") => Ok(Operation::Save),
        Some("update") => Ok(Operation::Update),
        Some("delete") => Ok(Operation::Delete),
        Some("void") => Ok(Operation::Void),
        Some(other) => Err(QboError::unsupported_op(other)),
    }
}

fn entity_write(
    s: &Shared,
    realm: &str,
    kind: Kind,
    op: Result<Operation, QboError>,
    p: &HashMap<String, String>,
    stale: bool,
    body: &[u8],
) -> Response {
    write_op(s, realm, p.get("requestid"), stale, |r, now| {
        let op = op?;
        if stale {
            return Err(QboError::stale());
        }
        let body: Value = if body.is_empty() && matches!(op, Operation::Send { .. }) {
            Value::Null
        } else {
            serde_json::from_slice(body).map_err(QboError::malformed)?
        };
        let hidden = Hidden::new();
        let mut ctx = Ctx {
            realm: r,
            now,
            hidden: &hidden,
        };
        let w = write::write(&mut ctx, kind, op, body)?;
        let before = now - chrono::Duration::days(super::cdc::CDC_WINDOW_DAYS + 1);
        ctx.realm.prune_tombstones(before.timestamp());
        Ok((entity_envelope(kind, w.entity), true))
    })
}

/// `POST /v3/company/{realm}/{entity}[?operation=...]`.
pub(crate) async fn entity_post(
    State(s): State<Arc<Shared>>,
    Path((realm, entity)): Path<(String, String)>,
    Query(p): Params,
    OriginalUri(uri): OriginalUri,
    stale: Option<Extension<ForceStale>>,
    body: Bytes,
) -> Response {
    match Kind::from_resource(&entity) {
        Some(kind) => entity_write(&s, &realm, kind, operation(&p), &p, stale.is_some(), &body),
        None => unsupported_at(&s, uri.path()),
    }
}

/// `POST /v3/company/{realm}/preferences` and `/companyinfo`.
pub(crate) async fn singleton_post(
    State(s): State<Arc<Shared>>,
    Path(realm): Path<String>,
    Query(p): Params,
    OriginalUri(uri): OriginalUri,
    stale: Option<Extension<ForceStale>>,
    body: Bytes,
) -> Response {
    let kind = if uri.path().ends_with("/preferences") {
        Kind::Preferences
    } else {
        Kind::CompanyInfo
    };
    entity_write(&s, &realm, kind, operation(&p), &p, stale.is_some(), &body)
}

/// `POST /v3/company/{realm}/invoice/{id}/send` (anything else below an
/// entity Id is an unsupported operation, as recorded for `/customer/1/5`).
pub(crate) async fn entity_rest(
    State(s): State<Arc<Shared>>,
    Path((realm, entity, id, rest)): Path<(String, String, String, String)>,
    Query(p): Params,
    OriginalUri(uri): OriginalUri,
    stale: Option<Extension<ForceStale>>,
    method: axum::http::Method,
    body: Bytes,
) -> Response {
    if method == axum::http::Method::POST && entity == "invoice" && rest == "send" {
        let op = Ok(Operation::Send {
            id,
            to: p.get("sendTo").cloned(),
        });
        return entity_write(&s, &realm, Kind::Invoice, op, &p, stale.is_some(), &body);
    }
    unsupported_at(&s, uri.path())
}

fn unsupported_at(s: &Shared, path: &str) -> Response {
    let now = s.clock.now();
    let e = QboError::unsupported(path);
    json_response(
        e.status,
        e.body(&ts_ms(now, super::defaults::DEFAULT_UTC_OFFSET))
            .to_string(),
    )
}

/// Any other path under `/v3/`.
pub(crate) async fn unsupported(
    State(s): State<Arc<Shared>>,
    OriginalUri(uri): OriginalUri,
) -> Response {
    unsupported_at(&s, uri.path())
}

fn oauth_response(status: u16, body: Value) -> Response {
    let mut r = respond(status, "application/json;charset=UTF-8", body.to_string());
    let h = r.headers_mut();
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-cache, no-store"),
    );
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    r
}

fn client_credentials(
    headers: &HeaderMap,
    form: &HashMap<String, String>,
) -> Option<(String, String)> {
    if let Some(basic) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
    {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(basic.trim())
            .ok()?;
        let text = String::from_utf8(decoded).ok()?;
        let (id, secret) = text.split_once(':')?;
        return Some((id.to_string(), secret.to_string()));
    }
    Some((
        form.get("client_id")?.clone(),
        form.get("client_secret")?.clone(),
    ))
}

/// `POST /oauth2/v1/tokens/bearer` (refresh-token grant).
pub(crate) async fn token(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    let cfg = &s.config;
    match client_credentials(&headers, &form) {
        Some((id, secret)) if id == cfg.qbo_client_id && secret == cfg.qbo_client_secret => {}
        _ => return oauth_response(401, json!({"error": "invalid_client"})),
    }
    match form.get("grant_type").map(String::as_str) {
        Some("refresh_token") => {}
        Some(_) => return oauth_response(400, json!({"error": "unsupported_grant_type"})),
        None => return oauth_response(400, json!({"error": "invalid_request"})),
    }
    let presented = form.get("refresh_token").cloned().unwrap_or_default();
    let issued = {
        let mut st = s.quickbooks.lock().unwrap_or_else(|e| e.into_inner());
        st.oauth.refresh(
            &presented,
            s.clock.elapsed(),
            cfg.limits.qbo_refresh_grace,
            cfg.limits.qbo_access_token_ttl,
            cfg.seed,
        )
    };
    match issued {
        Ok(t) => {
            s.persist_quickbooks();
            oauth_response(
                200,
                json!({
                    "x_refresh_token_expires_in": REFRESH_EXPIRES_IN,
                    "refresh_token": t.refresh_token,
                    "access_token": t.access_token,
                    "token_type": "bearer",
                    "expires_in": cfg.limits.qbo_access_token_ttl.as_secs()
                }),
            )
        }
        Err(GrantError::InvalidGrant) => oauth_response(
            400,
            json!({"error_description": "Token invalid", "error": "invalid_grant"}),
        ),
    }
}
