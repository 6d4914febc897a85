//! Change data capture (`GET /cdc?entities=…&changedSince=…`).
//!
//! A CDC response holds at most 1000 objects, the oldest changes first, and
//! CDC has no upper time bound, so a full response is split by moving
//! `changedSince` forward to the newest change it contained and asking again
//! (merging duplicates at the boundary second). `since` older than the 30-day
//! CDC window — or more than 1000 changes within one second — falls back to a
//! full read. Entities read in full are listed in [`QboChanges::full_read`]:
//! for them, a record absent from `records` no longer exists.

use super::client::{QboClient, Req};
use super::error::QboError;
use super::query::Query;
use super::wire::{CdcEnvelope, is_deleted_stub, parse_time, to_deleted, to_record};
use crate::http::{CallBody, Idempotency};
use crate::model::{QboDeleted, QboRecord};
use chrono::{DateTime, FixedOffset};
use reqwest::Method;
use std::collections::BTreeMap;

/// Changes since a watermark.
#[derive(Debug, Clone, PartialEq)]
pub struct QboChanges {
    /// Changed (or, for full reads, all) records per entity.
    pub records: BTreeMap<String, Vec<QboRecord>>,
    /// Deleted-object stubs.
    pub deleted: Vec<QboDeleted>,
    /// Server time of the earliest response used: the next `since`.
    pub time: DateTime<FixedOffset>,
    /// Entities that were read in full (CDC window too old, or too many
    /// changes for one CDC response).
    pub full_read: Vec<String>,
}

struct CdcPage {
    records: BTreeMap<String, Vec<QboRecord>>,
    deleted: Vec<QboDeleted>,
    count_by_entity: BTreeMap<String, usize>,
    /// Newest `LastUpdatedTime` among the objects (records and stubs).
    newest: Option<DateTime<FixedOffset>>,
    time: DateTime<FixedOffset>,
}

/// Accumulates pages, keeping one version per (entity, id): the newest.
#[derive(Default)]
struct Acc {
    records: BTreeMap<(String, String), QboRecord>,
    deleted: BTreeMap<(String, String), QboDeleted>,
}

impl Acc {
    fn add(&mut self, p: CdcPage) {
        for (e, recs) in p.records {
            for r in recs {
                let k = (e.clone(), r.id.clone());
                match self.records.get(&k) {
                    Some(old) if old.updated > r.updated => {}
                    _ => {
                        self.records.insert(k, r);
                    }
                }
            }
        }
        for d in p.deleted {
            self.deleted.insert((d.entity.clone(), d.id.clone()), d);
        }
    }

    fn finish_into(self, out: &mut QboChanges) {
        let deleted = self.deleted;
        for ((e, id), r) in self.records {
            // A deletion after the last seen version wins.
            if deleted
                .get(&(e.clone(), id))
                .is_some_and(|d| d.when >= r.updated)
            {
                continue;
            }
            out.records.entry(e).or_default().push(r);
        }
        out.deleted.extend(deleted.into_values());
    }
}

impl QboClient {
    /// Records of `entities` changed since `since` (see the module docs).
    pub async fn cdc(
        &self,
        entities: &[&str],
        since: DateTime<FixedOffset>,
    ) -> Result<QboChanges, QboError> {
        let mut out = QboChanges {
            records: BTreeMap::new(),
            deleted: Vec::new(),
            // Lowered to the earliest server time seen; see `finish`.
            time: chrono::DateTime::<chrono::Utc>::MAX_UTC.fixed_offset(),
            full_read: Vec::new(),
        };
        if entities.is_empty() {
            return Ok(self.finish(out));
        }
        let max_age = chrono::Duration::from_std(self.config().cdc_max_age)
            .unwrap_or(chrono::Duration::days(30));
        // A minute of margin: a window right at the limit may be refused by
        // the time the request arrives.
        let too_old = self.config().clock.now() - chrono::Duration::minutes(1) - max_age > since;
        if too_old {
            let out = self.full_reads(entities, out).await?;
            return Ok(self.finish(out));
        }
        let page = match self.cdc_page(entities, since).await {
            Ok(p) => p,
            Err(QboError::Fault(f)) if f.status == 400 && mentions_window(&f.to_string()) => {
                tracing::info!("CDC refused the window; falling back to a full read");
                let out = self.full_reads(entities, out).await?;
                return Ok(self.finish(out));
            }
            Err(e) => return Err(e),
        };
        let cap = self.config().cdc_cap.max(1);
        // Responses keep the *oldest* changes when capped, so the window is
        // split by moving `changedSince` up to the newest time seen (objects
        // at exactly that second may have been cut, so it stays inclusive
        // and duplicates are merged).
        let mut acc = Acc::default();
        let mut page = page;
        let mut cursor = since;
        loop {
            let total: usize = page.count_by_entity.values().sum();
            let newest = page.newest;
            out.time = out.time.min(page.time);
            acc.add(page);
            if total < cap {
                break;
            }
            match newest {
                Some(t) if t > cursor => cursor = t,
                _ => {
                    // More than one response's worth of changes within one
                    // second: only a full read can be complete.
                    tracing::info!(
                        "CDC window cannot be split further; falling back to a full read"
                    );
                    let out = self.full_reads(entities, out).await?;
                    return Ok(self.finish(out));
                }
            }
            page = self.cdc_page(entities, cursor).await?;
        }
        acc.finish_into(&mut out);
        Ok(self.finish(out))
    }

    /// When no response carried a server time, fall back to the clock.
    fn finish(&self, mut out: QboChanges) -> QboChanges {
        if out.time == chrono::DateTime::<chrono::Utc>::MAX_UTC.fixed_offset() {
            out.time = self.config().clock.now().fixed_offset();
        }
        out
    }

    async fn full_reads(
        &self,
        entities: &[&str],
        mut out: QboChanges,
    ) -> Result<QboChanges, QboError> {
        for e in entities {
            let (recs, time) = self.query_all_timed(&Query::all(e)).await?;
            if let Some(t) = time.as_deref().and_then(|t| parse_time(t).ok()) {
                out.time = out.time.min(t);
            }
            out.records.insert((*e).to_string(), recs);
            out.full_read.push((*e).to_string());
        }
        Ok(out)
    }

    async fn cdc_page(
        &self,
        entities: &[&str],
        since: DateTime<FixedOffset>,
    ) -> Result<CdcPage, QboError> {
        let resp = self
            .send(Req {
                method: Method::GET,
                path: "cdc".into(),
                label: "cdc".into(),
                query: vec![
                    ("entities", entities.join(",")),
                    (
                        "changedSince",
                        since.to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
                    ),
                ],
                body: CallBody::None,
                idempotency: Idempotency::Idempotent,
                batch: false,
            })
            .await?;
        if !resp.is_success() {
            return Err(Self::fault(&resp));
        }
        let env: CdcEnvelope = crate::http::decode(&resp.endpoint, &resp.body)?;
        let unexpected = |m: String| QboError::Unexpected {
            endpoint: resp.endpoint.clone(),
            message: m,
        };
        let time = match env.time.as_deref() {
            Some(t) => parse_time(t).map_err(|m| unexpected(format!("time: {m}")))?,
            None => return Err(unexpected("no `time` in the CDC response".into())),
        };
        let mut page = CdcPage {
            records: BTreeMap::new(),
            deleted: Vec::new(),
            count_by_entity: BTreeMap::new(),
            newest: None,
            time,
        };
        for (bi, block) in env.cdc_response.into_iter().enumerate() {
            for (qi, qr) in block.query_response.into_iter().enumerate() {
                for (entity, v) in qr {
                    let serde_json::Value::Array(arr) = v else {
                        continue;
                    };
                    *page.count_by_entity.entry(entity.clone()).or_default() += arr.len();
                    for (i, item) in arr.into_iter().enumerate() {
                        let path = format!("CDCResponse[{bi}].QueryResponse[{qi}].{entity}[{i}]");
                        let serde_json::Value::Object(obj) = item else {
                            return Err(unexpected(format!("{path}: expected an object")));
                        };
                        if is_deleted_stub(&obj) {
                            let d = to_deleted(&entity, &obj, time, &path).map_err(unexpected)?;
                            page.newest = page.newest.max(Some(d.when));
                            page.deleted.push(d);
                        } else {
                            let r = to_record(obj, &path).map_err(unexpected)?;
                            page.newest = page.newest.max(Some(r.updated));
                            page.records.entry(entity.clone()).or_default().push(r);
                        }
                    }
                }
            }
        }
        Ok(page)
    }
}

fn mentions_window(msg: &str) -> bool {
    let m = msg.to_ascii_lowercase();
    m.contains("30 days") || m.contains("changedsince")
}
