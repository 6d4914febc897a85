//! Batch object endpoints: read, create, update, upsert, archive. At most
//! `Limits.hubspot_batch_max` inputs (else 400); per-input failures come back
//! as a 207 with `numErrors` and `errors[]` (`StandardError`).

use super::errors::HsError;
use super::kinds::ObjectKind;
use super::objects::{lock, now_ms, parse_create_associations, properties_of, render_written};
use super::store::HsState;
use super::values::iso_millis;
use super::wire::{Query, body_object, id_string, inputs, kind_of, no_content, reply, string_list};
use crate::emulator::Shared;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use serde_json::{Map, Value};
use std::collections::BTreeSet;
use std::sync::Arc;

type Res = Result<Response, HsError>;

/// Build a `BatchResponse…` body: 207 when any error, else `ok_status`.
fn batch_reply(
    ok_status: u16,
    started: i64,
    done: i64,
    results: Vec<Value>,
    errors: Vec<Value>,
    mutated: bool,
) -> Response {
    let mut m = Map::new();
    m.insert("status".into(), "COMPLETE".into());
    m.insert("results".into(), Value::Array(results));
    let status = if errors.is_empty() {
        ok_status
    } else {
        m.insert("numErrors".into(), errors.len().into());
        m.insert("errors".into(), Value::Array(errors));
        207
    };
    m.insert("startedAt".into(), iso_millis(started).into());
    m.insert("completedAt".into(), iso_millis(done).into());
    reply(status, &Value::Object(m), mutated)
}

fn input_object(v: &Value, i: usize) -> Result<&Map<String, Value>, HsError> {
    v.as_object()
        .ok_or_else(|| HsError::validation(format!("inputs[{i}] must be an object")))
}

fn input_id(o: &Map<String, Value>, i: usize) -> Result<String, HsError> {
    id_string(o.get("id")).ok_or_else(|| HsError::validation(format!("inputs[{i}].id is required")))
}

/// One OBJECT_NOT_FOUND error listing every id that missed.
fn missing_error(kind: ObjectKind, verb: &str, ids: Vec<String>) -> Value {
    HsError::not_found(format!(
        "Could not {verb} some {} objects, they may be deleted or not exist. Check that ids are valid.",
        kind.upper()
    ))
    .with_context("ids", ids)
    .to_standard()
}

/// A per-input error, tagged with the input's `objectWriteTraceId` if any.
fn input_error(e: &HsError, trace: Option<&Value>) -> Value {
    let mut v = e.to_standard();
    if let (Some(t), Value::Object(m)) = (trace, &mut v) {
        m.insert("objectWriteTraceId".into(), t.clone());
    }
    v
}

fn with_trace(mut v: Value, trace: Option<&Value>) -> Value {
    if let (Some(t), Value::Object(m)) = (trace, &mut v) {
        m.insert("objectWriteTraceId".into(), t.clone());
    }
    v
}

fn no_duplicates(ids: &[String]) -> Result<(), HsError> {
    let mut seen = BTreeSet::new();
    let dups: BTreeSet<&String> = ids.iter().filter(|i| !seen.insert(*i)).collect();
    if dups.is_empty() {
        Ok(())
    } else {
        let list: Vec<String> = dups.into_iter().cloned().collect();
        Err(HsError::validation(format!(
            "Duplicate IDs found in batch input: {list:?}. IDs must be unique"
        ))
        .with_context("ids", list))
    }
}

/// `POST …/{objectType}/batch/read`.
pub async fn read(
    State(s): State<Arc<Shared>>,
    Path(t): Path<String>,
    RawQuery(q): RawQuery,
    body: Bytes,
) -> Res {
    let kind = kind_of(&t)?;
    let archived = Query::parse(q.as_deref()).archived()?;
    let body = body_object(&body)?;
    let started = now_ms(&s);
    let ins = inputs(&body, s.config.limits.hubspot_batch_max)?;
    let props = string_list(&body, "properties")?;
    let id_prop = body
        .get("idProperty")
        .and_then(Value::as_str)
        .map(str::to_string);
    let st = lock(&s);
    let sel = st.selection(kind, &props);
    let mut results = Vec::new();
    let mut missing = Vec::new();
    let mut seen = BTreeSet::new();
    for (i, v) in ins.iter().enumerate() {
        let key = input_id(input_object(v, i)?, i)?;
        let found = st.resolve(kind, &key, id_prop.as_deref())?.and_then(|id| {
            st.table(kind)
                .records
                .get(&id)
                .filter(|r| r.archived.is_some() == archived)
                .map(|r| (id, r))
        });
        match found {
            Some((id, rec)) => {
                if seen.insert(id) {
                    results.push(Value::Object(st.render(kind, id, rec, &sel)));
                }
            }
            None => missing.push(key),
        }
    }
    let errors = if missing.is_empty() {
        Vec::new()
    } else {
        vec![missing_error(kind, "get", missing)]
    };
    Ok(batch_reply(
        200,
        started,
        now_ms(&s),
        results,
        errors,
        false,
    ))
}

/// `POST …/{objectType}/batch/create` (201, or 207 with per-input errors).
pub async fn create(State(s): State<Arc<Shared>>, Path(t): Path<String>, body: Bytes) -> Res {
    let kind = kind_of(&t)?;
    let body = body_object(&body)?;
    let ins = inputs(&body, s.config.limits.hubspot_batch_max)?;
    let mut parsed = Vec::with_capacity(ins.len());
    for (i, v) in ins.iter().enumerate() {
        let o = input_object(v, i)?;
        parsed.push((
            properties_of(o)?,
            o.get("associations").cloned(),
            o.get("objectWriteTraceId").cloned(),
        ));
    }
    let now = now_ms(&s);
    let mut st = lock(&s);
    let (mut results, mut errors) = (Vec::new(), Vec::new());
    for (props, assoc, trace) in &parsed {
        match create_one(&mut st, kind, props, assoc.as_ref(), now) {
            Ok(id) => results.push(with_trace(
                render_written(&st, kind, id, props),
                trace.as_ref(),
            )),
            Err(e) => errors.push(input_error(&e, trace.as_ref())),
        }
    }
    let mutated = !results.is_empty();
    Ok(batch_reply(201, now, now_ms(&s), results, errors, mutated))
}

fn create_one(
    st: &mut HsState,
    kind: ObjectKind,
    props: &Map<String, Value>,
    assoc: Option<&Value>,
    now: i64,
) -> Result<u64, HsError> {
    let assocs = parse_create_associations(st, kind, assoc)?;
    let id = st.create_record(kind, props, now, None)?;
    for (t, to) in assocs {
        st.assocs.add((kind, id), (t.to, to), t);
    }
    Ok(id)
}

/// `POST …/{objectType}/batch/update`.
pub async fn update(State(s): State<Arc<Shared>>, Path(t): Path<String>, body: Bytes) -> Res {
    let kind = kind_of(&t)?;
    let body = body_object(&body)?;
    let ins = inputs(&body, s.config.limits.hubspot_batch_max)?;
    let mut parsed = Vec::with_capacity(ins.len());
    for (i, v) in ins.iter().enumerate() {
        let o = input_object(v, i)?;
        let id_prop = o
            .get("idProperty")
            .and_then(Value::as_str)
            .map(str::to_string);
        parsed.push((
            input_id(o, i)?,
            id_prop,
            properties_of(o)?,
            o.get("objectWriteTraceId").cloned(),
        ));
    }
    no_duplicates(&parsed.iter().map(|p| p.0.clone()).collect::<Vec<_>>())?;
    let now = now_ms(&s);
    let mut st = lock(&s);
    let (mut results, mut errors, mut missing) = (Vec::new(), Vec::new(), Vec::new());
    for (key, id_prop, props, trace) in &parsed {
        let id = match st.resolve(kind, key, id_prop.as_deref()) {
            Ok(Some(id)) if st.live(kind, id).is_some() => id,
            Ok(_) => {
                missing.push(key.clone());
                continue;
            }
            Err(e) => {
                errors.push(input_error(&e, trace.as_ref()));
                continue;
            }
        };
        match st.update_record(kind, id, props, now) {
            Ok(()) => results.push(with_trace(
                render_written(&st, kind, id, props),
                trace.as_ref(),
            )),
            Err(e) => errors.push(input_error(&e, trace.as_ref())),
        }
    }
    if !missing.is_empty() {
        errors.push(missing_error(kind, "update", missing));
    }
    let mutated = !results.is_empty();
    Ok(batch_reply(200, now, now_ms(&s), results, errors, mutated))
}

/// `POST …/{objectType}/batch/upsert` (results carry `new`).
pub async fn upsert(
    State(s): State<Arc<Shared>>,
    Path(t): Path<String>,
    RawQuery(q): RawQuery,
    body: Bytes,
) -> Res {
    let kind = kind_of(&t)?;
    let q = Query::parse(q.as_deref());
    let body = body_object(&body)?;
    let ins = inputs(&body, s.config.limits.hubspot_batch_max)?;
    let mut parsed = Vec::with_capacity(ins.len());
    for (i, v) in ins.iter().enumerate() {
        let o = input_object(v, i)?;
        let id_prop = o
            .get("idProperty")
            .and_then(Value::as_str)
            .or(q.one("idProperty"))
            .map(str::to_string);
        parsed.push((
            input_id(o, i)?,
            id_prop,
            properties_of(o)?,
            o.get("objectWriteTraceId").cloned(),
        ));
    }
    let keys: Vec<String> = parsed
        .iter()
        .map(|p| match p.1.as_deref() {
            Some(prop) => HsState::unique_key(kind, prop, &p.0),
            None => p.0.clone(),
        })
        .collect();
    no_duplicates(&keys)?;
    let now = now_ms(&s);
    let mut st = lock(&s);
    let (mut results, mut errors) = (Vec::new(), Vec::new());
    for (key, id_prop, props, trace) in &parsed {
        match st.upsert_record(kind, key, id_prop.as_deref(), props, now) {
            Ok((id, new)) => {
                let mut v = render_written(&st, kind, id, props);
                if let Value::Object(m) = &mut v {
                    m.insert("new".into(), new.into());
                }
                results.push(with_trace(v, trace.as_ref()));
            }
            Err(e) => errors.push(input_error(&e, trace.as_ref())),
        }
    }
    let mutated = !results.is_empty();
    Ok(batch_reply(200, now, now_ms(&s), results, errors, mutated))
}

/// `POST …/{objectType}/batch/archive` (always 204).
pub async fn archive(State(s): State<Arc<Shared>>, Path(t): Path<String>, body: Bytes) -> Res {
    let kind = kind_of(&t)?;
    let body = body_object(&body)?;
    let ins = inputs(&body, s.config.limits.hubspot_batch_max)?;
    let mut ids = Vec::with_capacity(ins.len());
    for (i, v) in ins.iter().enumerate() {
        ids.push(input_id(input_object(v, i)?, i)?);
    }
    let now = now_ms(&s);
    let mut st = lock(&s);
    let mut changed = false;
    for key in ids {
        if let Ok(id) = key.parse::<u64>() {
            changed |= st.archive_record(kind, id, now);
        }
    }
    Ok(no_content(changed))
}
