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
pub use client::{PAGES_IN_FLIGHT, QboClient};
pub use config::{MemorySink, QboAuth, QboClock, QboConfig, QboLimits, SinkError, TokenSink};
pub use error::{FaultShape, QboError, QboFault, QboFaultError};
pub use query::{Active, LikePart, Op, QValue, Query};
pub use wire::{QboCompanyInfo, QboPreferences};
pub use writes::{NaturalKey, WriteOptions, derive_request_id};

/// The client's response parsers, exposed for tests over recorded payloads
/// (the same functions the client uses on live responses).
pub mod parse {
    use super::error::{QboError, QboFault};
    use super::wire;
    use crate::model::{QboDeleted, QboRecord};
    use reqwest::header::HeaderMap;

    fn obj(body: &[u8]) -> Result<wire::Obj, QboError> {
        Ok(crate::http::decode("recorded", body)?)
    }

    fn take(env: &mut wire::Obj, entity: &str) -> Result<wire::Obj, QboError> {
        let key = env.keys().find(|k| k.eq_ignore_ascii_case(entity)).cloned();
        match key.and_then(|k| env.remove(&k)) {
            Some(serde_json::Value::Object(m)) => Ok(m),
            _ => Err(QboError::Unexpected {
                endpoint: "recorded".into(),
                message: format!("no `{entity}` object"),
            }),
        }
    }

    fn unexpected(m: String) -> QboError {
        QboError::Unexpected {
            endpoint: "recorded".into(),
            message: m,
        }
    }

    /// A single-entity envelope (`{"Customer":{…},"time":…}`).
    pub fn entity_envelope(entity: &str, body: &[u8]) -> Result<QboRecord, QboError> {
        let mut env = obj(body)?;
        wire::to_record(take(&mut env, entity)?, entity).map_err(unexpected)
    }

    /// A delete response (`{"Invoice":{"status":"Deleted","Id":…},"time":…}`).
    pub fn deleted_envelope(entity: &str, body: &[u8]) -> Result<QboDeleted, QboError> {
        let mut env = obj(body)?;
        let time = env
            .get("time")
            .and_then(|t| t.as_str())
            .ok_or_else(|| unexpected("no `time`".into()))
            .and_then(|t| wire::parse_time(t).map_err(unexpected))?;
        let stub = take(&mut env, entity)?;
        if !wire::is_deleted_stub(&stub) {
            return Err(unexpected("not a `status: Deleted` stub".into()));
        }
        wire::to_deleted(entity, &stub, time, entity).map_err(unexpected)
    }

    /// A query response: every row of every entity array.
    pub fn query_response(body: &[u8]) -> Result<Vec<QboRecord>, QboError> {
        let env: wire::QueryEnvelope = crate::http::decode("recorded", body)?;
        let mut out = Vec::new();
        for (entity, rows) in wire::query_rows(env.query_response) {
            for (i, row) in rows.into_iter().enumerate() {
                let path = format!("QueryResponse.{entity}[{i}]");
                let serde_json::Value::Object(m) = row else {
                    return Err(unexpected(format!("{path}: not an object")));
                };
                out.push(wire::to_record(m, &path).map_err(unexpected)?);
            }
        }
        Ok(out)
    }

    /// A batch response: `(bId, outcome)` pairs.
    pub fn batch_response(body: &[u8]) -> Result<Vec<(String, super::QboBatchOutcome)>, QboError> {
        let now = chrono::Utc::now().fixed_offset();
        super::batch::parse_batch("recorded", body, None, now)
    }

    /// An error response of any of the three shapes.
    pub fn fault(status: u16, headers: &HeaderMap, body: &[u8]) -> QboFault {
        QboFault::from_response("recorded", status, headers, body)
    }
}
