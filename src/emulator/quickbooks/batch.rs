//! `POST /batch`: up to `Limits.qbo_batch_max` items, answered with HTTP 200 and
//! one result per `bId` (the entity, a `Fault`, or a `QueryResponse`).
//!
//! Items run in order against the live company, but an entity created by one
//! item is invisible to the others (references to it fail, updates and queries
//! do not see it), as Intuit documents. Name uniqueness is still enforced
//! between items: QBO never lets two active records share a name.

use super::fault::QboError;
use super::kind::Kind;
use super::query;
use super::select::{self, Hidden};
use super::store::Realm;
use super::write::{self, Ctx, Operation};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

/// Run a batch, returning the `BatchItemResponse` array and whether anything
/// was written.
pub(crate) fn run(
    realm: &mut Realm,
    now: DateTime<Utc>,
    body: Value,
    max_items: usize,
    force_stale: bool,
) -> Result<(Value, bool), QboError> {
    let items = match body {
        Value::Object(mut o) => match o.remove("BatchItemRequest") {
            Some(Value::Array(items)) => items,
            None | Some(Value::Null) => {
                return Err(QboError::batch_malformed("Batch Request is Empty"));
            }
            Some(_) => return Err(QboError::malformed("BatchItemRequest must be an array")),
        },
        _ => {
            return Err(QboError::malformed(
                "the request body must be a JSON object",
            ));
        }
    };
    if items.is_empty() {
        return Err(QboError::batch_malformed("Batch Request is Empty"));
    }
    if items.len() > max_items {
        return Err(QboError::batch_malformed(&format!(
            "Batch request has {} items. A batch may contain at most {max_items} items.",
            items.len()
        )));
    }
    let mut ids = std::collections::HashSet::new();
    for it in &items {
        let bid = it.get("bId").and_then(Value::as_str).unwrap_or("");
        if bid.is_empty() {
            return Err(QboError::batch_malformed("Every batch item needs a bId."));
        }
        if !ids.insert(bid.to_string()) {
            return Err(QboError::batch_malformed(&format!(
                "Duplicate bId {bid} in the batch request."
            )));
        }
    }
    let mut hidden = Hidden::new();
    let mut wrote = false;
    let mut out = Vec::with_capacity(items.len());
    for it in items {
        let Value::Object(mut it) = it else {
            return Err(QboError::malformed("a batch item must be an object"));
        };
        let bid = it.get("bId").cloned().unwrap_or(Value::Null);
        it.remove("bId");
        it.remove("optionsData");
        let result: Result<(String, Value), QboError> = if let Some(q) = it.remove("Query") {
            match q.as_str().map(query::parse) {
                Some(Ok(q)) => Ok((
                    "QueryResponse".into(),
                    select::run(realm, &q, &hidden, None),
                )),
                Some(Err(e)) => Err(e),
                None => Err(QboError::malformed("Query must be a string")),
            }
        } else {
            let op = it.remove("operation");
            let entity_keys: Vec<String> = it.keys().cloned().collect();
            match (op.as_ref().and_then(Value::as_str), entity_keys.as_slice()) {
                (None, _) => Err(QboError::required("operation")),
                (Some(_), [name]) => match Kind::from_name(name) {
                    Some(kind) if !kind.is_singleton() || kind == Kind::Preferences => {
                        let operation = match op.as_ref().and_then(Value::as_str) {
                            Some("create") => Ok(Operation::Save),
                            Some("update") => Ok(Operation::Update),
                            Some("delete") => Ok(Operation::Delete),
                            Some("void") => Ok(Operation::Void),
                            Some(other) => Err(QboError::unsupported_op(other)),
                            None => Err(QboError::required("operation")),
                        };
                        match operation {
                            Err(e) => Err(e),
                            Ok(_) if force_stale => Err(QboError::stale()),
                            Ok(operation) => {
                                let body = it.remove(name).unwrap_or(Value::Null);
                                let mut ctx = Ctx {
                                    realm,
                                    now,
                                    hidden: &hidden,
                                };
                                match write::write(&mut ctx, kind, operation, body) {
                                    Ok(w) => {
                                        wrote = true;
                                        if let Some(id) = w.created {
                                            hidden.insert((kind, id));
                                        }
                                        Ok((name.clone(), w.entity))
                                    }
                                    Err(e) => Err(e),
                                }
                            }
                        }
                    }
                    _ => Err(QboError::malformed(format!("{name} is not a batch entity"))),
                },
                (Some(_), _) => Err(QboError::malformed(
                    "a batch item must carry exactly one entity",
                )),
            }
        };
        let mut m = serde_json::Map::new();
        match result {
            Ok((key, v)) => {
                m.insert(key, v);
            }
            Err(e) => {
                m.insert("Fault".into(), e.fault_value());
            }
        }
        m.insert("bId".into(), bid);
        out.push(Value::Object(m));
    }
    Ok((json!(out), wrote))
}
