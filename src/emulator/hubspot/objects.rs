//! Single-record object endpoints: list, read, create, update, archive —
//! served under `/crm/v3/objects/{objectType}` and `/crm/objects/2026-03/…`.

use super::assoc::{AssocType, type_by_id};
use super::errors::HsError;
use super::kinds::ObjectKind;
use super::props::PropertyDef;
use super::store::{HsState, Record};
use super::wire::{self, Query, body_object, kind_of, no_content, reply};
use super::write::not_found;
use crate::emulator::Shared;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use serde_json::{Map, Value, json};
use std::sync::Arc;

type Res = Result<Response, HsError>;

pub(crate) fn lock(s: &Shared) -> std::sync::MutexGuard<'_, HsState> {
    s.hubspot.lock().unwrap_or_else(|e| e.into_inner())
}

pub(crate) fn now_ms(s: &Shared) -> i64 {
    s.clock.now().timestamp_millis()
}

/// Object kinds named by `associations=` (unknown names are ignored).
fn assoc_kinds(q: &Query) -> Vec<ObjectKind> {
    let mut v: Vec<ObjectKind> = q
        .list("associations")
        .iter()
        .filter_map(|s| ObjectKind::parse(s))
        .collect();
    v.dedup();
    v
}

/// The v3 `associations` block of a record read, when any exist.
pub(crate) fn v3_associations(
    st: &HsState,
    kind: ObjectKind,
    id: u64,
    to: &[ObjectKind],
) -> Option<Value> {
    let mut m = Map::new();
    for &t in to {
        let mut results = Vec::new();
        for (other, ids) in st.assocs.neighbors((kind, id), t) {
            if st.live(t, other).is_none() {
                continue;
            }
            for tid in ids {
                if let Some(at) = super::assoc::find_type(kind, t, *tid) {
                    results.push(json!({"id": other.to_string(), "type": at.v3_name()}));
                }
            }
        }
        if !results.is_empty() {
            m.insert(t.name().into(), json!({"results": results}));
        }
    }
    (!m.is_empty()).then_some(Value::Object(m))
}

fn render_with(
    st: &HsState,
    kind: ObjectKind,
    id: u64,
    rec: &Record,
    sel: &[&PropertyDef],
    assoc: &[ObjectKind],
) -> Value {
    let mut m = st.render(kind, id, rec, sel);
    if let Some(a) = v3_associations(st, kind, id, assoc) {
        m.insert("associations".into(), a);
    }
    Value::Object(m)
}

/// `GET /crm/v3/objects/{objectType}`.
pub async fn list(
    State(s): State<Arc<Shared>>,
    Path(t): Path<String>,
    RawQuery(q): RawQuery,
) -> Res {
    let kind = kind_of(&t)?;
    let q = Query::parse(q.as_deref());
    let limit = q.limit(10, 100)?;
    let after = q.one("after").map(wire::decode_cursor).transpose()?;
    let archived = q.archived()?;
    let props = q.list("properties");
    let assoc = assoc_kinds(&q);
    let st = lock(&s);
    let sel = st.selection(kind, &props);
    let mut page = st
        .table(kind)
        .records
        .range(after.unwrap_or(0)..)
        .filter(|(_, r)| r.archived.is_some() == archived)
        .take(limit + 1);
    let mut results = Vec::with_capacity(limit);
    let mut next = None;
    for (i, (id, rec)) in page.by_ref().enumerate() {
        if i == limit {
            next = Some(*id);
            break;
        }
        results.push(render_with(&st, kind, *id, rec, &sel, &assoc));
    }
    let mut body = Map::new();
    body.insert("results".into(), Value::Array(results));
    if let Some(n) = next {
        body.insert("paging".into(), wire::paging(&wire::encode_cursor(n)));
    }
    Ok(reply(200, &Value::Object(body), false))
}

/// `GET /crm/v3/objects/{objectType}/{objectId}`.
pub async fn read(
    State(s): State<Arc<Shared>>,
    Path((t, key)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> Res {
    let kind = kind_of(&t)?;
    let q = Query::parse(q.as_deref());
    let archived = q.archived()?;
    let st = lock(&s);
    let id = st
        .resolve(kind, &key, q.one("idProperty"))?
        .ok_or_else(|| not_found(kind, &key))?;
    let rec = st
        .table(kind)
        .records
        .get(&id)
        .filter(|r| r.archived.is_some() == archived)
        .ok_or_else(|| not_found(kind, &key))?;
    let sel = st.selection(kind, &q.list("properties"));
    let body = render_with(&st, kind, id, rec, &sel, &assoc_kinds(&q));
    Ok(reply(200, &body, false))
}

/// One `associations` entry of a create body, validated: (type, target id).
pub(crate) fn parse_create_associations(
    st: &HsState,
    kind: ObjectKind,
    v: Option<&Value>,
) -> Result<Vec<(&'static AssocType, u64)>, HsError> {
    let arr = match v {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(a)) => a,
        Some(_) => return Err(HsError::validation("'associations' must be an array")),
    };
    let mut out = Vec::new();
    for a in arr {
        let to = wire::id_string(a.get("to").and_then(|t| t.get("id")))
            .ok_or_else(|| HsError::validation("associations[].to.id is required"))?;
        let types = a
            .get("types")
            .and_then(Value::as_array)
            .ok_or_else(|| HsError::validation("associations[].types is required"))?;
        for spec in types {
            let (t, _) = parse_spec(spec, Some(kind), None)?;
            let to_id = to
                .parse::<u64>()
                .ok()
                .filter(|id| st.live(t.to, *id).is_some())
                .ok_or_else(|| {
                    HsError::validation(format!(
                        "Invalid association: {} {to} does not exist",
                        t.to.upper()
                    ))
                })?;
            out.push((t, to_id));
        }
    }
    Ok(out)
}

/// Parse an `{associationCategory, associationTypeId}` spec, checking it
/// belongs to the `from → to` direction when given.
pub(crate) fn parse_spec(
    spec: &Value,
    from: Option<ObjectKind>,
    to: Option<ObjectKind>,
) -> Result<(&'static AssocType, String), HsError> {
    let cat = spec
        .get("associationCategory")
        .and_then(Value::as_str)
        .unwrap_or("HUBSPOT_DEFINED")
        .to_string();
    let id = spec
        .get("associationTypeId")
        .and_then(|v| match v {
            Value::Number(n) => n.as_u64(),
            Value::String(s) => s.parse().ok(),
            _ => None,
        })
        .ok_or_else(|| HsError::validation("associationTypeId is required"))?;
    let t = type_by_id(id as u32)
        .filter(|t| from.is_none_or(|f| f == t.from) && to.is_none_or(|x| x == t.to))
        .ok_or_else(|| {
            HsError::validation(format!(
                "association type id {id} is not valid for {} to {}",
                from.map(|k| k.name()).unwrap_or("?"),
                to.map(|k| k.name()).unwrap_or("this object type")
            ))
        })?;
    if cat != "HUBSPOT_DEFINED" {
        return Err(HsError::validation(format!(
            "association type id {id} is in category HUBSPOT_DEFINED, not {cat}"
        )));
    }
    Ok((t, cat))
}

/// Render a just-written record with the defaults plus the written properties.
pub(crate) fn render_written(
    st: &HsState,
    kind: ObjectKind,
    id: u64,
    written: &Map<String, Value>,
) -> Value {
    let names: Vec<String> = written.keys().cloned().collect();
    match st.table(kind).records.get(&id) {
        Some(rec) => {
            let sel = st.selection(kind, &names);
            Value::Object(st.render(kind, id, rec, &sel))
        }
        None => Value::Null,
    }
}

pub(crate) fn properties_of(body: &Map<String, Value>) -> Result<Map<String, Value>, HsError> {
    match body.get("properties") {
        Some(Value::Object(m)) => Ok(m.clone()),
        None | Some(Value::Null) => Ok(Map::new()),
        Some(_) => Err(HsError::validation(
            "'properties' must be an object of strings",
        )),
    }
}

/// `POST /crm/v3/objects/{objectType}`.
pub async fn create(State(s): State<Arc<Shared>>, Path(t): Path<String>, body: Bytes) -> Res {
    let kind = kind_of(&t)?;
    let body = body_object(&body)?;
    let props = properties_of(&body)?;
    let now = now_ms(&s);
    let mut st = lock(&s);
    let assocs = parse_create_associations(&st, kind, body.get("associations"))?;
    let id = st.create_record(kind, &props, now, None)?;
    for (t, to) in assocs {
        st.assocs.add((kind, id), (t.to, to), t);
    }
    let out = render_written(&st, kind, id, &props);
    Ok(reply(201, &out, true))
}

/// `PATCH /crm/v3/objects/{objectType}/{objectId}`.
pub async fn update(
    State(s): State<Arc<Shared>>,
    Path((t, key)): Path<(String, String)>,
    RawQuery(q): RawQuery,
    body: Bytes,
) -> Res {
    let kind = kind_of(&t)?;
    let q = Query::parse(q.as_deref());
    let body = body_object(&body)?;
    let props = properties_of(&body)?;
    let now = now_ms(&s);
    let mut st = lock(&s);
    let id = st
        .resolve(kind, &key, q.one("idProperty"))?
        .ok_or_else(|| not_found(kind, &key))?;
    st.update_record(kind, id, &props, now)?;
    let out = render_written(&st, kind, id, &props);
    Ok(reply(200, &out, true))
}

/// `DELETE /crm/v3/objects/{objectType}/{objectId}` (204 even when absent).
pub async fn archive(State(s): State<Arc<Shared>>, Path((t, key)): Path<(String, String)>) -> Res {
    let kind = kind_of(&t)?;
    let now = now_ms(&s);
    let changed = match key.parse::<u64>() {
        Ok(id) => lock(&s).archive_record(kind, id, now),
        Err(_) => false,
    };
    Ok(no_content(changed))
}
