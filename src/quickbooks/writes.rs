//! Writes: create (with the read-before-retry guard), sparse update,
//! deactivation, invoice void and delete. Every POST carries a `requestid`
//! that stays the same across retries of one logical write.
//!
//! Retry rules:
//! - create: sent as non-idempotent. If the outcome is unknown (timeout,
//!   dropped connection, 5xx after sending), the record is first looked up
//!   by the caller's natural key; if found it is returned, otherwise the
//!   create is resent with the **same** `requestid`. Without a natural key an
//!   unknown outcome is returned to the caller (no blind resend).
//! - sparse update / deactivate / void / delete: resent with the same
//!   `requestid` (QBO replays the original answer). If a resend answers
//!   "stale" (5010) or "not found" (610) after an earlier attempt may have
//!   succeeded, the entity is re-read to tell our own success from a real
//!   conflict.

use super::client::{QboClient, Req};
use super::error::QboError;
use super::query::{Active, LikePart, QValue, Query, is_name_list};
use super::wire::{Obj, parse_time, to_deleted};
use crate::http::{CallBody, HttpError, Idempotency};
use crate::model::{QboDeleted, QboRecord};
use reqwest::Method;
use rust_decimal::Decimal;
use serde_json::Value as J;
use std::str::FromStr;

/// How to find a record whose create may or may not have happened.
#[derive(Debug, Clone, PartialEq)]
pub struct NaturalKey {
    field: String,
    value: QValue,
    contains: bool,
}

impl NaturalKey {
    /// `field = value` (e.g. `DisplayName`, `DocNumber`).
    pub fn eq(field: &str, value: impl Into<QValue>) -> Self {
        NaturalKey {
            field: field.to_string(),
            value: value.into(),
            contains: false,
        }
    }

    /// `field LIKE '%marker%'` (e.g. a marker written into a memo field that
    /// the entity allows filtering on).
    pub fn contains(field: &str, marker: &str) -> Self {
        NaturalKey {
            field: field.to_string(),
            value: QValue::Str(marker.to_string()),
            contains: true,
        }
    }

    fn query(&self, entity: &str) -> Query {
        let active = if is_name_list(entity) {
            Active::Any
        } else {
            Active::NotApplicable
        };
        let q = Query::select(entity, active);
        match (&self.value, self.contains) {
            (QValue::Str(s), true) => q.like(
                &self.field,
                vec![LikePart::Any, LikePart::Text(s.clone()), LikePart::Any],
            ),
            (v, _) => q.eq(&self.field, v.clone()),
        }
    }
}

/// Options of one logical write.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WriteOptions {
    /// The `requestid` to send (≤ 36 chars to also suit batches). Pass a
    /// deterministic one (e.g. from the plan's change id) to make a re-run
    /// after a crash replay instead of duplicating. `None`: creates get a
    /// fresh random id (reused on the retries of this call); updates, voids
    /// and deletes derive one from realm, operation, entity and body, which
    /// includes the SyncToken, so only the same logical write shares it.
    pub request_id: Option<String>,
    /// For creates: how to look the record up before resending after an
    /// unknown outcome.
    pub natural_key: Option<NaturalKey>,
}

impl WriteOptions {
    /// Options with a natural key.
    pub fn with_key(key: NaturalKey) -> Self {
        WriteOptions {
            request_id: None,
            natural_key: Some(key),
        }
    }
}

/// Deterministic request id (UUID v5) for a write.
pub fn derive_request_id(realm: &str, op: &str, entity: &str, body: &[u8]) -> String {
    const NS: uuid::Uuid = uuid::Uuid::from_u128(0x6873_7162_0000_4000_8000_7265_7169_6400);
    let mut name = Vec::with_capacity(body.len() + 64);
    for part in [realm.as_bytes(), op.as_bytes(), entity.as_bytes()] {
        name.extend_from_slice(part);
        name.push(0);
    }
    name.extend_from_slice(body);
    uuid::Uuid::new_v5(&NS, &name).to_string()
}

impl QboClient {
    fn request_id(&self, given: &Option<String>, op: &str, entity: &str, body: &[u8]) -> String {
        given
            .clone()
            .unwrap_or_else(|| derive_request_id(self.realm_id(), op, entity, body))
    }

    async fn post_entity(
        &self,
        entity: &str,
        operation: Option<&str>,
        body: Vec<u8>,
        request_id: &str,
        idempotency: Idempotency,
    ) -> Result<crate::http::RawResponse, QboError> {
        let lower = entity.to_ascii_lowercase();
        let mut query = vec![("requestid", request_id.to_string())];
        let label = match operation {
            Some(op) => {
                query.push(("operation", op.to_string()));
                format!("{lower}?operation={op}")
            }
            None => lower.clone(),
        };
        self.send(Req {
            method: Method::POST,
            path: lower,
            label,
            query,
            body: CallBody::Json(body),
            idempotency,
            batch: false,
        })
        .await
    }

    /// Create an entity. See the module docs for the retry guard.
    pub async fn create(
        &self,
        entity: &str,
        body: Obj,
        opts: &WriteOptions,
    ) -> Result<QboRecord, QboError> {
        let bytes = serde_json::to_vec(&body).map_err(|e| QboError::Unexpected {
            endpoint: format!("POST {entity}"),
            message: e.to_string(),
        })?;
        // Not derived from the body: creating the same body again later (e.g.
        // after the first record was deactivated) is a new write, and a
        // content-derived id would make QBO replay the old answer instead.
        let rid = opts
            .request_id
            .clone()
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        let max = self.config().retry.max_attempts.max(1);
        let backoff = crate::http::Backoff::new(self.config().retry.clone());
        let mut tries = 0;
        loop {
            tries += 1;
            match self
                .post_entity(
                    entity,
                    None,
                    bytes.clone(),
                    &rid,
                    Idempotency::NonIdempotent,
                )
                .await
            {
                Ok(resp) => {
                    let mut env = Self::object(&resp)?;
                    let obj = Self::entity_of(&resp, &mut env, entity)?;
                    return Self::record(&resp, obj, entity);
                }
                Err(QboError::Http(e @ HttpError::OutcomeUnknown { .. })) => {
                    let Some(key) = &opts.natural_key else {
                        return Err(QboError::Http(e));
                    };
                    let found = self.query_all(&key.query(entity)).await?;
                    if let Some(r) = found.into_iter().next() {
                        tracing::info!(entity, id = %r.id, "create outcome was unknown; found the record by its natural key");
                        return Ok(r);
                    }
                    if tries >= max {
                        return Err(QboError::Http(e));
                    }
                    tracing::info!(
                        entity,
                        "create outcome was unknown and no record matches its natural key; resending with the same requestid"
                    );
                    tokio::time::sleep(backoff.delay(tries)).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Sparse update: `{"Id", "SyncToken", "sparse": true, …fields}`.
    pub async fn sparse_update(
        &self,
        entity: &str,
        id: &str,
        sync_token: &str,
        fields: Obj,
        request_id: Option<String>,
    ) -> Result<QboRecord, QboError> {
        let mut body = Obj::new();
        body.insert("Id".into(), J::String(id.to_string()));
        body.insert("SyncToken".into(), J::String(sync_token.to_string()));
        body.insert("sparse".into(), J::Bool(true));
        for (k, v) in &fields {
            if !matches!(k.as_str(), "Id" | "SyncToken" | "sparse") {
                body.insert(k.clone(), v.clone());
            }
        }
        let bytes = serde_json::to_vec(&body).map_err(|e| QboError::Unexpected {
            endpoint: format!("POST {entity}"),
            message: e.to_string(),
        })?;
        let rid = self.request_id(&request_id, "update", entity, &bytes);
        let resp = self
            .post_entity(entity, None, bytes, &rid, Idempotency::Idempotent)
            .await?;
        if resp.is_success() {
            let mut env = Self::object(&resp)?;
            let obj = Self::entity_of(&resp, &mut env, entity)?;
            return Self::record(&resp, obj, entity);
        }
        let err = Self::fault(&resp);
        if resp.earlier_attempt_uncertain && err.fault().is_some_and(|f| f.is_stale()) {
            // Our first attempt may have applied the change (bumping the
            // SyncToken). If the entity now holds exactly what we sent under
            // a newer token, that was our write.
            let now = self.read(entity, id).await?;
            let fields_match = fields.iter().all(|(k, v)| {
                matches!(k.as_str(), "Id" | "SyncToken" | "sparse")
                    || now.body.get(k).is_some_and(|have| json_subset(v, have))
            });
            if now.sync_token != sync_token && fields_match {
                return Ok(now);
            }
        }
        Err(err)
    }

    /// Deactivate a name-list entity (Customer, Item, Term, …): sparse
    /// `Active: false`. QBO renames it to `"<name> (deleted)"`, freeing the
    /// original name.
    pub async fn deactivate(
        &self,
        entity: &str,
        id: &str,
        sync_token: &str,
    ) -> Result<QboRecord, QboError> {
        let mut f = Obj::new();
        f.insert("Active".into(), J::Bool(false));
        self.sparse_update(entity, id, sync_token, f, None).await
    }

    /// Void an invoice (`?operation=void`): amounts become zero, the
    /// SyncToken advances.
    pub async fn void_invoice(&self, id: &str, sync_token: &str) -> Result<QboRecord, QboError> {
        let body = id_body(id, sync_token);
        let rid = self.request_id(&None, "void", "Invoice", &body);
        let resp = self
            .post_entity("Invoice", Some("void"), body, &rid, Idempotency::Idempotent)
            .await?;
        if resp.is_success() {
            let mut env = Self::object(&resp)?;
            let obj = Self::entity_of(&resp, &mut env, "Invoice")?;
            return Self::record(&resp, obj, "Invoice");
        }
        let err = Self::fault(&resp);
        if resp.earlier_attempt_uncertain && err.fault().is_some_and(|f| f.is_stale()) {
            let now = self.read("Invoice", id).await?;
            let zero = now
                .body
                .get("TotalAmt")
                .is_some_and(|v| json_subset(&J::from(0), v));
            if now.sync_token != sync_token && zero {
                return Ok(now);
            }
        }
        Err(err)
    }

    /// Delete an invoice (`?operation=delete`).
    pub async fn delete_invoice(&self, id: &str, sync_token: &str) -> Result<QboDeleted, QboError> {
        let body = id_body(id, sync_token);
        let rid = self.request_id(&None, "delete", "Invoice", &body);
        let resp = self
            .post_entity(
                "Invoice",
                Some("delete"),
                body,
                &rid,
                Idempotency::Idempotent,
            )
            .await?;
        let fallback_time = || self.config().clock.now().fixed_offset();
        if resp.is_success() {
            let mut env = Self::object(&resp)?;
            let when = env
                .get("time")
                .and_then(J::as_str)
                .and_then(|t| parse_time(t).ok())
                .unwrap_or_else(fallback_time);
            let stub = Self::entity_of(&resp, &mut env, "Invoice")?;
            return to_deleted("Invoice", &stub, when, "Invoice").map_err(|m| {
                QboError::Unexpected {
                    endpoint: resp.endpoint.clone(),
                    message: m,
                }
            });
        }
        let err = Self::fault(&resp);
        let maybe_ours = err
            .fault()
            .is_some_and(|f| f.is_stale() || f.is_not_found());
        if resp.earlier_attempt_uncertain && maybe_ours {
            match self.read("Invoice", id).await {
                Err(QboError::Fault(f)) if f.is_not_found() => {
                    return Ok(QboDeleted {
                        entity: "Invoice".into(),
                        id: id.to_string(),
                        when: fallback_time(),
                    });
                }
                Err(e) => return Err(e),
                Ok(_) => {}
            }
        }
        Err(err)
    }
}

fn id_body(id: &str, sync_token: &str) -> Vec<u8> {
    let mut o = Obj::new();
    o.insert("Id".into(), J::String(id.to_string()));
    o.insert("SyncToken".into(), J::String(sync_token.to_string()));
    serde_json::to_vec(&o).unwrap_or_default()
}

/// Whether `sent` is contained in `have`: objects by key (extra keys in
/// `have` allowed), arrays element-wise by containment, numbers by decimal
/// value (`100.0` = `100`), everything else by equality.
pub(crate) fn json_subset(sent: &J, have: &J) -> bool {
    match (sent, have) {
        (J::Object(a), J::Object(b)) => a
            .iter()
            .all(|(k, v)| b.get(k).is_some_and(|h| json_subset(v, h))),
        (J::Array(a), J::Array(b)) => a.iter().all(|x| b.iter().any(|y| json_subset(x, y))),
        (J::Number(a), J::Number(b)) => {
            match (
                Decimal::from_str(&a.to_string()),
                Decimal::from_str(&b.to_string()),
            ) {
                (Ok(x), Ok(y)) => x == y,
                _ => a.to_string() == b.to_string(),
            }
        }
        (a, b) => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_deterministic_and_short() {
        let a = derive_request_id("1", "create", "Customer", b"{\"DisplayName\":\"A\"}");
        let b = derive_request_id("1", "create", "Customer", b"{\"DisplayName\":\"A\"}");
        let c = derive_request_id("1", "create", "Customer", b"{\"DisplayName\":\"B\"}");
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(a.len(), 36);
    }

    #[test]
    fn subset_semantics() {
        let sent: J = serde_json::from_str(
            r#"{"BillAddr":{"City":"Oslo"},"Amount":100.0,"Line":[{"Amount":5}]}"#,
        )
        .unwrap();
        let have: J = serde_json::from_str(
            r#"{"BillAddr":{"Id":"3","City":"Oslo"},"Amount":100.00,"Line":[{"Id":"1","Amount":5.00},{"DetailType":"SubTotalLineDetail","Amount":5}]}"#,
        )
        .unwrap();
        assert!(json_subset(&sent, &have));
        let other: J =
            serde_json::from_str(r#"{"BillAddr":{"City":"Bergen"},"Amount":100,"Line":[]}"#)
                .unwrap();
        assert!(!json_subset(&sent, &other));
    }

    #[test]
    fn natural_key_queries() {
        let q = NaturalKey::eq("DisplayName", "Amy's").query("Customer");
        assert_eq!(
            q.statement(1, 1000).unwrap(),
            "SELECT * FROM Customer WHERE DisplayName = 'Amy\\'s' AND Active IN (true, false) STARTPOSITION 1 MAXRESULTS 1000"
        );
        let q = NaturalKey::contains("PrivateNote", "hsqb:42").query("Invoice");
        assert_eq!(
            q.statement(1, 1000).unwrap(),
            "SELECT * FROM Invoice WHERE PrivateNote LIKE '%hsqb:42%' STARTPOSITION 1 MAXRESULTS 1000"
        );
    }
}
