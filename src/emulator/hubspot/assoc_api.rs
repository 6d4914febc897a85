//! Associations v4: record-level list / labelled PUT / default PUT / DELETE,
//! batch read / create / associate-default / archive / labels-archive, and the
//! labels listing. Record ids are JSON numbers in `fromObjectId`/`toObjectId`
//! and strings inside `{"id": …}` objects, as the real API emits them.

use super::assoc::{AssocType, default_type, find_type, types_between};
use super::errors::HsError;
use super::kinds::ObjectKind;
use super::objects::{lock, now_ms, parse_spec};
use super::store::HsState;
use super::values::iso_millis;
use super::wire::{
    self, Query, body_object, body_value, id_string, inputs, kind_of, no_content, reply,
};
use super::write::not_found;
use crate::emulator::Shared;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use serde_json::{Map, Value, json};
use std::collections::BTreeSet;
use std::sync::Arc;

type Res = Result<Response, HsError>;

const BATCH_READ_MAX: usize = 1000;
const BATCH_WRITE_MAX: usize = 2000;
const PAGE_MAX: usize = 500;

fn pair(from: &str, to: &str) -> Result<(ObjectKind, ObjectKind), HsError> {
    let (f, t) = (kind_of(from)?, kind_of(to)?);
    if types_between(f, t).is_empty() {
        return Err(HsError::validation(format!(
            "Associations from {} to {} are not supported",
            f.name(),
            t.name()
        )));
    }
    Ok((f, t))
}

fn live_id(st: &HsState, kind: ObjectKind, key: &str) -> Result<u64, HsError> {
    key.parse::<u64>()
        .ok()
        .filter(|id| st.live(kind, *id).is_some())
        .ok_or_else(|| not_found(kind, key))
}

fn type_json(from: ObjectKind, to: ObjectKind, ids: &BTreeSet<u32>) -> Vec<Value> {
    ids.iter()
        .filter_map(|id| find_type(from, to, *id))
        .map(|t| json!({"category": "HUBSPOT_DEFINED", "typeId": t.id, "label": t.label}))
        .collect()
}

fn labels_between(st: &HsState, from: (ObjectKind, u64), to: (ObjectKind, u64)) -> Vec<Value> {
    st.assocs
        .between(from, to)
        .map(|ids| {
            ids.iter()
                .filter_map(|id| find_type(from.0, to.0, *id))
                .filter_map(|t| t.label.map(Value::from))
                .collect()
        })
        .unwrap_or_default()
}

fn pair_json(st: &HsState, from: (ObjectKind, u64), to: (ObjectKind, u64)) -> Value {
    json!({"fromObjectTypeId": from.0.type_id(), "fromObjectId": from.1,
           "toObjectTypeId": to.0.type_id(), "toObjectId": to.1,
           "labels": labels_between(st, from, to)})
}

fn default_json(from: (ObjectKind, u64), to: (ObjectKind, u64), t: &AssocType) -> Value {
    json!({"from": {"id": from.1.to_string()}, "to": {"id": to.1.to_string()},
           "associationSpec": {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": t.id}})
}

/// Associated live records of kind `to`, from id `start` on.
fn live_neighbors(
    st: &HsState,
    from: (ObjectKind, u64),
    to: ObjectKind,
) -> Vec<(u64, &BTreeSet<u32>)> {
    st.assocs
        .neighbors(from, to)
        .filter(|(id, _)| st.live(to, *id).is_some())
        .collect()
}

fn page(
    st: &HsState,
    from: (ObjectKind, u64),
    to: ObjectKind,
    after: Option<u64>,
    limit: usize,
) -> (Vec<Value>, Option<Value>) {
    let all = live_neighbors(st, from, to);
    let start = after.unwrap_or(0);
    let mut items = all.iter().filter(|(id, _)| *id >= start);
    let results: Vec<Value> = items
        .by_ref()
        .take(limit)
        .map(|(id, ids)| json!({"toObjectId": id, "associationTypes": type_json(from.0, to, ids)}))
        .collect();
    let paging = items
        .next()
        .map(|(id, _)| wire::paging(&wire::encode_cursor(*id)));
    (results, paging)
}

/// `GET /crm/v4/objects/{objectType}/{objectId}/associations/{toObjectType}`.
pub async fn list(
    State(s): State<Arc<Shared>>,
    Path((t, id, to)): Path<(String, String, String)>,
    RawQuery(q): RawQuery,
) -> Res {
    let (from, to) = pair(&t, &to)?;
    let q = Query::parse(q.as_deref());
    let limit = q.limit(PAGE_MAX, PAGE_MAX)?;
    let after = q.one("after").map(wire::decode_cursor).transpose()?;
    let st = lock(&s);
    let id = live_id(&st, from, &id)?;
    let (results, paging) = page(&st, (from, id), to, after, limit);
    let mut out = Map::new();
    out.insert("results".into(), Value::Array(results));
    if let Some(p) = paging {
        out.insert("paging".into(), p);
    }
    Ok(reply(200, &Value::Object(out), false))
}

/// `PUT …/associations/{toObjectType}/{toObjectId}` with a list of specs → 201.
pub async fn put_labels(
    State(s): State<Arc<Shared>>,
    Path((t, id, to, to_id)): Path<(String, String, String, String)>,
    body: Bytes,
) -> Res {
    let (from, to) = pair(&t, &to)?;
    let specs = match body_value(&body)? {
        Value::Array(a) => a,
        _ => {
            return Err(HsError::validation(
                "The body must be an array of association specs",
            ));
        }
    };
    let types = specs
        .iter()
        .map(|sp| parse_spec(sp, Some(from), Some(to)).map(|(t, _)| t))
        .collect::<Result<Vec<_>, _>>()?;
    let mut st = lock(&s);
    let a = (from, live_id(&st, from, &id)?);
    let b = (to, live_id(&st, to, &to_id)?);
    for t in types {
        st.assocs.add(a, b, t);
    }
    Ok(reply(201, &pair_json(&st, a, b), true))
}

/// `PUT …/associations/default/{toObjectType}/{toObjectId}` → 200.
pub async fn put_default(
    State(s): State<Arc<Shared>>,
    Path((t, id, to, to_id)): Path<(String, String, String, String)>,
) -> Res {
    let (from, to) = pair(&t, &to)?;
    let now = now_ms(&s);
    let mut st = lock(&s);
    let a = (from, live_id(&st, from, &id)?);
    let b = (to, live_id(&st, to, &to_id)?);
    let results = add_default(&mut st, a, b)?;
    Ok(reply(200, &batch_body(results, Vec::new(), now), true))
}

fn add_default(
    st: &mut HsState,
    a: (ObjectKind, u64),
    b: (ObjectKind, u64),
) -> Result<Vec<Value>, HsError> {
    let t = default_type(a.0, b.0).ok_or_else(|| {
        HsError::validation(format!(
            "No default association from {} to {}",
            a.0.name(),
            b.0.name()
        ))
    })?;
    st.assocs.add(a, b, t);
    let rev = find_type(b.0, a.0, t.reverse).unwrap_or(t);
    Ok(vec![default_json(a, b, t), default_json(b, a, rev)])
}

/// `DELETE …/associations/{toObjectType}/{toObjectId}` → 204.
pub async fn delete_pair(
    State(s): State<Arc<Shared>>,
    Path((t, id, to, to_id)): Path<(String, String, String, String)>,
) -> Res {
    let (from, to) = pair(&t, &to)?;
    let mut st = lock(&s);
    let (Ok(a), Ok(b)) = (id.parse::<u64>(), to_id.parse::<u64>()) else {
        return Ok(no_content(false));
    };
    st.assocs.remove_all((from, a), (to, b));
    Ok(no_content(true))
}

fn batch_body(results: Vec<Value>, errors: Vec<Value>, now: i64) -> Value {
    let mut m = Map::new();
    m.insert("status".into(), "COMPLETE".into());
    m.insert("results".into(), Value::Array(results));
    if !errors.is_empty() {
        m.insert("numErrors".into(), errors.len().into());
        m.insert("errors".into(), Value::Array(errors));
    }
    m.insert("startedAt".into(), iso_millis(now).into());
    m.insert("completedAt".into(), iso_millis(now).into());
    Value::Object(m)
}

fn batch_reply(
    ok: u16,
    results: Vec<Value>,
    errors: Vec<Value>,
    now: i64,
    mutated: bool,
) -> Response {
    let status = if errors.is_empty() { ok } else { 207 };
    reply(status, &batch_body(results, errors, now), mutated)
}

fn obj_id(v: &Value, key: &str) -> Result<String, HsError> {
    id_string(v.get(key).and_then(|o| o.get("id")))
        .ok_or_else(|| HsError::validation(format!("inputs[].{key}.id is required")))
}

/// `POST /crm/v4/associations/{from}/{to}/batch/read`.
pub async fn batch_read(
    State(s): State<Arc<Shared>>,
    Path((f, t)): Path<(String, String)>,
    body: Bytes,
) -> Res {
    let (from, to) = pair(&f, &t)?;
    let body = body_object(&body)?;
    let ins = inputs(&body, BATCH_READ_MAX)?;
    let now = now_ms(&s);
    let st = lock(&s);
    let (mut results, mut errors) = (Vec::new(), Vec::new());
    for v in &ins {
        let key =
            id_string(v.get("id")).ok_or_else(|| HsError::validation("inputs[].id is required"))?;
        let after = id_string(v.get("after"))
            .map(|a| wire::decode_cursor(&a))
            .transpose()?;
        let found = key
            .parse::<u64>()
            .ok()
            .filter(|id| st.live(from, *id).is_some());
        let (items, paging) = match found {
            Some(id) => page(&st, (from, id), to, after, PAGE_MAX),
            None => (Vec::new(), None),
        };
        if items.is_empty() {
            errors.push(
                HsError::not_found(format!(
                    "No {} is associated with {} {key}.",
                    to.singular(),
                    from.singular()
                ))
                .with_sub_category("crm.associations.NO_ASSOCIATIONS_FOUND")
                .with_context("fromObjectId", vec![key.clone()])
                .to_standard(),
            );
            continue;
        }
        let mut r = Map::new();
        r.insert("from".into(), json!({"id": key}));
        r.insert("to".into(), Value::Array(items));
        if let Some(p) = paging {
            r.insert("paging".into(), p);
        }
        results.push(Value::Object(r));
    }
    Ok(batch_reply(200, results, errors, now, false))
}

/// `POST …/batch/create` (labelled) → 201 / 207.
pub async fn batch_create(
    State(s): State<Arc<Shared>>,
    Path((f, t)): Path<(String, String)>,
    body: Bytes,
) -> Res {
    let (from, to) = pair(&f, &t)?;
    let body = body_object(&body)?;
    let ins = inputs(&body, BATCH_WRITE_MAX)?;
    let now = now_ms(&s);
    let mut st = lock(&s);
    let (mut results, mut errors) = (Vec::new(), Vec::new());
    for v in &ins {
        let one = (|| {
            let a = (from, live_id(&st, from, &obj_id(v, "from")?)?);
            let b = (to, live_id(&st, to, &obj_id(v, "to")?)?);
            let specs = v
                .get("types")
                .and_then(Value::as_array)
                .ok_or_else(|| HsError::validation("inputs[].types is required"))?;
            let types = specs
                .iter()
                .map(|sp| parse_spec(sp, Some(from), Some(to)).map(|(t, _)| t))
                .collect::<Result<Vec<_>, _>>()?;
            Ok::<_, HsError>((a, b, types))
        })();
        match one {
            Ok((a, b, types)) => {
                for t in types {
                    st.assocs.add(a, b, t);
                }
                results.push(pair_json(&st, a, b));
            }
            Err(e) => errors.push(e.to_standard()),
        }
    }
    let mutated = !results.is_empty();
    Ok(batch_reply(201, results, errors, now, mutated))
}

/// `POST …/batch/associate/default` → 200 / 207.
pub async fn batch_default(
    State(s): State<Arc<Shared>>,
    Path((f, t)): Path<(String, String)>,
    body: Bytes,
) -> Res {
    let (from, to) = pair(&f, &t)?;
    let body = body_object(&body)?;
    let ins = inputs(&body, BATCH_WRITE_MAX)?;
    let now = now_ms(&s);
    let mut st = lock(&s);
    let (mut results, mut errors) = (Vec::new(), Vec::new());
    for v in &ins {
        let one = (|| {
            let a = (from, live_id(&st, from, &obj_id(v, "from")?)?);
            let b = (to, live_id(&st, to, &obj_id(v, "to")?)?);
            add_default(&mut st, a, b)
        })();
        match one {
            Ok(r) => results.extend(r),
            Err(e) => errors.push(e.to_standard()),
        }
    }
    let mutated = !results.is_empty();
    Ok(batch_reply(200, results, errors, now, mutated))
}

/// `POST …/batch/archive` → 204.
pub async fn batch_archive(
    State(s): State<Arc<Shared>>,
    Path((f, t)): Path<(String, String)>,
    body: Bytes,
) -> Res {
    let (from, to) = pair(&f, &t)?;
    let body = body_object(&body)?;
    let ins = inputs(&body, BATCH_WRITE_MAX)?;
    let mut st = lock(&s);
    for v in &ins {
        let a = obj_id(v, "from")?;
        let tos = v
            .get("to")
            .and_then(Value::as_array)
            .ok_or_else(|| HsError::validation("inputs[].to must be an array of {id}"))?;
        for t in tos {
            let b = id_string(t.get("id"))
                .ok_or_else(|| HsError::validation("inputs[].to[].id is required"))?;
            if let (Ok(a), Ok(b)) = (a.parse::<u64>(), b.parse::<u64>()) {
                st.assocs.remove_all((from, a), (to, b));
            }
        }
    }
    Ok(no_content(true))
}

/// `POST …/batch/labels/archive` → 204.
pub async fn batch_labels_archive(
    State(s): State<Arc<Shared>>,
    Path((f, t)): Path<(String, String)>,
    body: Bytes,
) -> Res {
    let (from, to) = pair(&f, &t)?;
    let body = body_object(&body)?;
    let ins = inputs(&body, BATCH_WRITE_MAX)?;
    let mut st = lock(&s);
    for v in &ins {
        let (a, b) = (obj_id(v, "from")?, obj_id(v, "to")?);
        let specs = v
            .get("types")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let types = specs
            .iter()
            .map(|sp| parse_spec(sp, Some(from), Some(to)).map(|(t, _)| t))
            .collect::<Result<Vec<_>, _>>()?;
        if let (Ok(a), Ok(b)) = (a.parse::<u64>(), b.parse::<u64>()) {
            for t in types {
                st.assocs.remove((from, a), (to, b), t);
            }
        }
    }
    Ok(no_content(true))
}

/// `GET /crm/v4/associations/{from}/{to}/labels`.
pub async fn labels(State(_s): State<Arc<Shared>>, Path((f, t)): Path<(String, String)>) -> Res {
    let (from, to) = pair(&f, &t)?;
    let results: Vec<Value> = types_between(from, to)
        .iter()
        .map(|t| json!({"category": "HUBSPOT_DEFINED", "typeId": t.id, "label": t.label}))
        .collect();
    Ok(reply(200, &json!({"results": results}), false))
}
