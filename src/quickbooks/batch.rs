//! Batch (`POST /batch`): ≤ 30 items per request, per-item results keyed by
//! `bId`, mapped back to the caller's keys.
//!
//! Retry rules: a chunk containing a create is sent as non-idempotent; if its
//! outcome is unknown every item of the chunk comes back
//! [`QboBatchOutcome::Unknown`] (re-read before writing again). Chunks without
//! creates are resent with the same `requestid`; after such a resend, a
//! per-item "stale" or "not found" fault may be the echo of our own first
//! attempt, so those items are reported `Unknown` instead of failed.

use super::client::{QboClient, Req};
use super::error::{QboError, QboFault};
use super::query::Query;
use super::wire::{Obj, is_deleted_stub, parse_time, query_rows, to_deleted, to_record};
use super::writes::derive_request_id;
use crate::http::{CallBody, HttpError, Idempotency};
use crate::model::{QboDeleted, QboRecord};
use reqwest::Method;
use serde_json::Value as J;

/// One batch item.
#[derive(Debug, Clone, PartialEq)]
pub enum QboBatchOp {
    /// Create an entity.
    Create {
        /// Entity name (`Customer`).
        entity: String,
        /// The entity body.
        body: Obj,
    },
    /// Update (include `Id`, `SyncToken` and `"sparse": true` for a sparse update).
    Update {
        /// Entity name.
        entity: String,
        /// The entity body.
        body: Obj,
    },
    /// Delete a transaction.
    Delete {
        /// Entity name (`Invoice`).
        entity: String,
        /// Id.
        id: String,
        /// Current SyncToken.
        sync_token: String,
    },
    /// Void a transaction.
    Void {
        /// Entity name.
        entity: String,
        /// Id.
        id: String,
        /// Current SyncToken.
        sync_token: String,
    },
    /// A query (first page, up to 1000 rows).
    Query(Query),
}

/// Outcome of one batch item.
#[derive(Debug, Clone, PartialEq)]
pub enum QboBatchOutcome {
    /// The entity after a create / update / void.
    Entity(QboRecord),
    /// The stub of a deleted entity.
    Deleted(QboDeleted),
    /// Rows of a query item.
    Query(Vec<QboRecord>),
    /// QuickBooks refused this item.
    Fault(QboFault),
    /// The item may or may not have been applied: re-read before retrying.
    Unknown {
        /// Why.
        reason: String,
    },
}

impl QboClient {
    /// Run `items` in batches of ≤ 30 (configurable) and return each item's
    /// outcome keyed by the caller's key, in input order.
    pub async fn batch<K: Clone>(
        &self,
        items: Vec<(K, QboBatchOp)>,
    ) -> Result<Vec<(K, QboBatchOutcome)>, QboError> {
        let mut out = Vec::with_capacity(items.len());
        for chunk in items.chunks(self.config().batch_size.clamp(1, 30)) {
            let outcomes = self.batch_chunk(chunk).await?;
            out.extend(chunk.iter().map(|(k, _)| k.clone()).zip(outcomes));
        }
        Ok(out)
    }

    async fn batch_chunk<K>(
        &self,
        chunk: &[(K, QboBatchOp)],
    ) -> Result<Vec<QboBatchOutcome>, QboError> {
        let mut reqs = Vec::with_capacity(chunk.len());
        for (i, (_, op)) in chunk.iter().enumerate() {
            let mut m = Obj::new();
            m.insert("bId".into(), J::String(bid(i)));
            match op {
                QboBatchOp::Create { entity, body } => {
                    m.insert("operation".into(), J::String("create".into()));
                    m.insert(entity.clone(), J::Object(body.clone()));
                }
                QboBatchOp::Update { entity, body } => {
                    m.insert("operation".into(), J::String("update".into()));
                    m.insert(entity.clone(), J::Object(body.clone()));
                }
                QboBatchOp::Delete {
                    entity,
                    id,
                    sync_token,
                }
                | QboBatchOp::Void {
                    entity,
                    id,
                    sync_token,
                } => {
                    let opname = if matches!(op, QboBatchOp::Delete { .. }) {
                        "delete"
                    } else {
                        "void"
                    };
                    m.insert("operation".into(), J::String(opname.into()));
                    let mut b = Obj::new();
                    b.insert("Id".into(), J::String(id.clone()));
                    b.insert("SyncToken".into(), J::String(sync_token.clone()));
                    m.insert(entity.clone(), J::Object(b));
                }
                QboBatchOp::Query(q) => {
                    let stmt = q.statement(1, 1000).map_err(QboError::Query)?;
                    m.insert("Query".into(), J::String(stmt));
                }
            }
            reqs.push(J::Object(m));
        }
        let mut env = Obj::new();
        env.insert("BatchItemRequest".into(), J::Array(reqs));
        let body = serde_json::to_vec(&env).map_err(|e| QboError::Unexpected {
            endpoint: "POST /batch".into(),
            message: e.to_string(),
        })?;
        let has_create = chunk
            .iter()
            .any(|(_, op)| matches!(op, QboBatchOp::Create { .. }));
        // Creates make a content-derived id unsafe (see `create`); chunks
        // without creates carry SyncTokens, so their content identifies them.
        let rid = if has_create {
            uuid::Uuid::new_v4().to_string()
        } else {
            derive_request_id(self.realm_id(), "batch", "", &body)
        };
        let idempotency = if has_create {
            Idempotency::NonIdempotent
        } else {
            Idempotency::Idempotent
        };
        let unknown_all = |reason: String| {
            (0..chunk.len())
                .map(|_| QboBatchOutcome::Unknown {
                    reason: reason.clone(),
                })
                .collect::<Vec<_>>()
        };
        let resp = match self
            .send(Req {
                method: Method::POST,
                path: "batch".into(),
                label: "batch".into(),
                query: vec![("requestid", rid)],
                body: CallBody::Json(body),
                idempotency,
                batch: true,
            })
            .await
        {
            Ok(r) => r,
            Err(QboError::Http(
                e @ (HttpError::OutcomeUnknown { .. } | HttpError::Transport { .. }),
            )) => {
                return Ok(unknown_all(e.to_string()));
            }
            Err(e) => return Err(e),
        };
        if !resp.is_success() {
            let err = Self::fault(&resp);
            return match resp.status {
                401 | 403 | 429 => Err(err),
                s if s >= 500 => Ok(unknown_all(err.to_string())),
                _ => {
                    let QboError::Fault(f) = err else {
                        return Err(err);
                    };
                    Ok((0..chunk.len())
                        .map(|_| QboBatchOutcome::Fault(f.clone()))
                        .collect())
                }
            };
        }
        let tid = crate::http::header_loose(&resp.headers, "intuit_tid");
        let fallback = self.config().clock.now().fixed_offset();
        let items = parse_batch(&resp.endpoint, &resp.body, tid, fallback)?;
        let mut outcomes: Vec<Option<QboBatchOutcome>> = vec![None; chunk.len()];
        for (b, outcome) in items {
            let Some(idx) = parse_bid(&b).filter(|i| *i < chunk.len()) else {
                continue;
            };
            let outcome = match outcome {
                QboBatchOutcome::Fault(fault)
                    if resp.earlier_attempt_uncertain
                        && !matches!(chunk[idx].1, QboBatchOp::Query(_))
                        && (fault.is_stale() || fault.is_not_found()) =>
                {
                    QboBatchOutcome::Unknown {
                        reason: format!("resent after an uncertain attempt and got: {fault}"),
                    }
                }
                other => other,
            };
            outcomes[idx] = Some(outcome);
        }
        Ok(outcomes
            .into_iter()
            .map(|o| {
                o.unwrap_or(QboBatchOutcome::Unknown {
                    reason: "QuickBooks returned no answer for this batch item".into(),
                })
            })
            .collect())
    }
}

/// Parse a `BatchItemResponse` body into `(bId, outcome)` pairs.
pub(crate) fn parse_batch(
    endpoint: &str,
    body: &[u8],
    tid: Option<String>,
    fallback_time: chrono::DateTime<chrono::FixedOffset>,
) -> Result<Vec<(String, QboBatchOutcome)>, QboError> {
    let env: super::wire::BatchEnvelope = crate::http::decode(endpoint, body)?;
    let time = env
        .time
        .as_deref()
        .and_then(|t| parse_time(t).ok())
        .unwrap_or(fallback_time);
    let unexpected = |m: String| QboError::Unexpected {
        endpoint: endpoint.to_string(),
        message: m,
    };
    let mut out = Vec::with_capacity(env.items.len());
    for (n, mut item) in env.items.into_iter().enumerate() {
        let path = format!("BatchItemResponse[{n}]");
        let Some(b) = item.get("bId").and_then(J::as_str).map(str::to_string) else {
            return Err(unexpected(format!("{path}.bId: missing")));
        };
        let outcome = if let Some(f) = item.get("Fault") {
            QboBatchOutcome::Fault(QboFault::from_json(endpoint, f, tid.clone()))
        } else if let Some(J::Object(qr)) = item.get_mut("QueryResponse").map(J::take) {
            let mut recs = Vec::new();
            for (entity, rows) in query_rows(qr) {
                for (i, row) in rows.into_iter().enumerate() {
                    let p = format!("{path}.QueryResponse.{entity}[{i}]");
                    let J::Object(obj) = row else {
                        return Err(unexpected(format!("{p}: expected an object")));
                    };
                    recs.push(to_record(obj, &p).map_err(unexpected)?);
                }
            }
            QboBatchOutcome::Query(recs)
        } else {
            let key = item
                .iter()
                .find(|(k, v)| k.as_str() != "bId" && v.is_object())
                .map(|(k, _)| k.clone());
            let Some(entity) = key else {
                return Err(unexpected(format!(
                    "{path}: neither an entity, a Fault nor a QueryResponse"
                )));
            };
            let Some(J::Object(obj)) = item.remove(&entity) else {
                return Err(unexpected(format!("{path}.{entity}: expected an object")));
            };
            let p = format!("{path}.{entity}");
            if is_deleted_stub(&obj) {
                QboBatchOutcome::Deleted(to_deleted(&entity, &obj, time, &p).map_err(unexpected)?)
            } else {
                QboBatchOutcome::Entity(to_record(obj, &p).map_err(unexpected)?)
            }
        };
        out.push((b, outcome));
    }
    Ok(out)
}

fn bid(i: usize) -> String {
    format!("b{i}")
}

fn parse_bid(s: &str) -> Option<usize> {
    s.strip_prefix('b')?.parse().ok()
}
