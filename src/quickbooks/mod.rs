//! QuickBooks Online API client: OAuth2 refresh with rotation, query builder,
//! CDC, batch, entities, preferences.
//!
//! Architecture invariant: entities are returned as [`crate::model::QboRecord`]
//! (the JSON object kept whole, numbers with their exact digits) and
//! [`crate::model::QboDeleted`]; the envelope types are private. The client
//! decides nothing about *what* to change.

mod auth;
mod batch;
mod cdc;
mod client;
mod config;
mod error;
pub mod query;
mod wire;
mod writes;

pub use batch::{QboBatchOp, QboBatchOutcome};
pub use cdc::QboChanges;
pub use client::QboClient;
pub use config::{MemorySink, QboAuth, QboClock, QboConfig, QboLimits, SinkError, TokenSink};
pub use error::{FaultShape, QboError, QboFault, QboFaultError};
pub use query::{Active, LikePart, Op, QValue, Query};
pub use wire::{QboCompanyInfo, QboPreferences};
pub use writes::{NaturalKey, WriteOptions, derive_request_id};

/// Parse a QBO response body the way the client does: a single-entity
/// envelope (`{"Customer":{…},"time":…}`), a query response or a fault. Used
/// by parsing tests over recorded payloads.
pub fn parse_entity_envelope(entity: &str, body: &[u8]) -> Result<crate::model::QboRecord, String> {
    let mut env: wire::Obj = crate::http::decode("recorded", body).map_err(|e| e.to_string())?;
    let key = env
        .keys()
        .find(|k| k.eq_ignore_ascii_case(entity))
        .cloned()
        .ok_or_else(|| format!("no `{entity}` in the envelope"))?;
    match env.remove(&key) {
        Some(serde_json::Value::Object(m)) => wire::to_record(m, entity),
        _ => Err(format!("`{entity}` is not an object")),
    }
}

/// Parse a recorded query response body into records (all entity arrays).
pub fn parse_query_response(body: &[u8]) -> Result<Vec<crate::model::QboRecord>, String> {
    #[derive(serde::Deserialize)]
    struct Env {
        #[serde(rename = "QueryResponse")]
        qr: wire::Obj,
    }
    let env: Env = crate::http::decode("recorded", body).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for (entity, rows) in wire::query_rows(&env.qr) {
        for (i, row) in rows.into_iter().enumerate() {
            let serde_json::Value::Object(m) = row else {
                return Err(format!("QueryResponse.{entity}[{i}] is not an object"));
            };
            out.push(wire::to_record(m, &format!("QueryResponse.{entity}[{i}]"))?);
        }
    }
    Ok(out)
}
