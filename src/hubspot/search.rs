//! Incremental reads through the search API that stay correct past the
//! 10,000-result cap.
//!
//! The window query is `lastmodified >= since - lookback`, sorted ascending by
//! the last-modified property, 200 per page. When a query reaches the cap at
//! last-seen timestamp `T`, every record with a timestamp below `T` has been
//! returned (ascending sort), but records *at* `T` may not all have been:
//! HubSpot allows a single sort, so ties come back in no defined order. The
//! client therefore enumerates the tie `ts == T` with its own query sorted by
//! `hs_object_id` (a total order, re-windowed with `hs_object_id > last_id`
//! when that one hits the cap too), then continues with `ts > T`. This holds
//! even when more than 10,000 records share one timestamp.

use super::client::{HubSpotClient, LimitClass};
use super::error::HubSpotError;
use super::objects::unexpected;
use super::wire::{SearchPage, WireObject};
use crate::http::{CallBody, Idempotency};
use crate::model::HsRecord;
use crate::model::value::parse_datetime_any;
use chrono::{DateTime, Utc};
use reqwest::Method;
use serde_json::json;
use std::collections::BTreeMap;

/// The last-modified property HubSpot keeps for `object`.
pub fn last_modified_property(object: &str) -> &'static str {
    match object {
        "contacts" | "0-1" => "lastmodifieddate",
        _ => "hs_lastmodifieddate",
    }
}

/// Result of an incremental read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HsChanges {
    /// Records modified at or after `since - lookback`, ordered by
    /// (last-modified, id), each once.
    pub records: Vec<HsRecord>,
    /// The greatest last-modified time seen: pass it as `since` next time
    /// (the look-back re-covers records that became searchable late).
    /// `None` when nothing changed (keep the previous watermark).
    pub watermark: Option<DateTime<Utc>>,
}

impl HubSpotClient {
    /// Records of `object` modified since `since` (minus the configured
    /// look-back for search index lag), with `properties`.
    pub async fn search_modified_since(
        &self,
        object: &str,
        since: DateTime<Utc>,
        properties: &[String],
    ) -> Result<HsChanges, HubSpotError> {
        let prop = last_modified_property(object);
        let mut props: Vec<String> = properties.to_vec();
        for p in [prop, "hs_object_id"] {
            if !props.iter().any(|x| x == p) {
                props.push(p.to_string());
            }
        }
        let lookback =
            chrono::Duration::from_std(self.config().search_lookback).unwrap_or_default();
        let lower = (since - lookback).timestamp_millis();
        let mut found: BTreeMap<String, (i64, HsRecord)> = BTreeMap::new();
        let mut lower_filter =
            json!({"propertyName": prop, "operator": "GTE", "value": lower.to_string()});
        loop {
            let body_base = json!({
                "filterGroups": [{"filters": [lower_filter]}],
                "sorts": [{"propertyName": prop, "direction": "ASCENDING"}],
                "properties": props,
            });
            let (recs, capped) = self.search_paged(object, body_base, prop).await?;
            let last_ts = recs.last().map(|(ts, _)| *ts);
            for (ts, r) in recs {
                found.insert(r.id.clone(), (ts, r));
            }
            if !capped {
                break;
            }
            let Some(t) = last_ts else { break };
            self.enumerate_ties(object, prop, t, &props, &mut found)
                .await?;
            lower_filter = json!({"propertyName": prop, "operator": "GT", "value": t.to_string()});
        }
        let watermark = found
            .values()
            .map(|(ts, _)| *ts)
            .max()
            .and_then(DateTime::<Utc>::from_timestamp_millis);
        let mut records: Vec<(i64, HsRecord)> = found.into_values().collect();
        records.sort_by(|(ta, a), (tb, b)| ta.cmp(tb).then_with(|| id_order(&a.id, &b.id)));
        Ok(HsChanges {
            records: records.into_iter().map(|(_, r)| r).collect(),
            watermark,
        })
    }

    /// Every record whose last-modified equals `ts`, paging by id.
    async fn enumerate_ties(
        &self,
        object: &str,
        prop: &str,
        ts: i64,
        props: &[String],
        found: &mut BTreeMap<String, (i64, HsRecord)>,
    ) -> Result<(), HubSpotError> {
        let mut after_id: Option<String> = None;
        loop {
            let mut filters =
                vec![json!({"propertyName": prop, "operator": "EQ", "value": ts.to_string()})];
            if let Some(id) = &after_id {
                filters
                    .push(json!({"propertyName": "hs_object_id", "operator": "GT", "value": id}));
            }
            let body = json!({
                "filterGroups": [{"filters": filters}],
                "sorts": [{"propertyName": "hs_object_id", "direction": "ASCENDING"}],
                "properties": props,
            });
            let (recs, capped) = self.search_paged(object, body, prop).await?;
            let last = recs
                .iter()
                .map(|(_, r)| r.id.clone())
                .max_by(|a, b| id_order(a, b));
            for (t, r) in recs {
                found.insert(r.id.clone(), (t, r));
            }
            if !capped {
                return Ok(());
            }
            match last {
                Some(id) if after_id.as_ref() != Some(&id) => after_id = Some(id),
                _ => return Ok(()),
            }
        }
    }

    /// Page one search query until its last page or the result cap. Returns
    /// the records with their last-modified millis and whether the cap
    /// stopped the paging.
    async fn search_paged(
        &self,
        object: &str,
        base: serde_json::Value,
        prop: &str,
    ) -> Result<(Vec<(i64, HsRecord)>, bool), HubSpotError> {
        let (path, label) = self.objects_path(object, "/search", "/search");
        let page_size = self.config().search_page_size.max(1) as usize;
        let cap = self.config().search_cap.max(page_size);
        let mut out = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let mut body = base.clone();
            if let Some(m) = body.as_object_mut() {
                m.insert("limit".into(), json!(page_size));
                if let Some(a) = &after {
                    m.insert("after".into(), json!(a));
                }
            }
            let url = self.url(&path, &[])?;
            let body = CallBody::json(&body).map_err(|e| unexpected(&label, e))?;
            let call = self.call(
                Method::POST,
                url,
                &label,
                body,
                Idempotency::Idempotent,
                LimitClass::Search,
            );
            let endpoint = call.0.endpoint.clone();
            let page: SearchPage = self.json(call).await?;
            let next = page
                .paging
                .as_ref()
                .and_then(|p| p.next.as_ref())
                .map(|n| n.after.clone());
            for (i, r) in page.results.into_iter().enumerate() {
                let ts = record_ts(&r, prop)
                    .map_err(|m| unexpected(&endpoint, format!("results[{i}]: {m}")))?;
                out.push((ts, r.into_record()));
            }
            match next {
                Some(a) if Some(&a) != after.as_ref() => {
                    if out.len() + page_size > cap {
                        return Ok((out, true));
                    }
                    after = Some(a);
                }
                _ => return Ok((out, false)),
            }
        }
    }
}

/// Last-modified millis of a search result: the property value (ISO or
/// millis), falling back to `updatedAt`.
fn record_ts(r: &WireObject, prop: &str) -> Result<i64, String> {
    match r.properties.get(prop).and_then(|v| v.as_deref()) {
        Some(v) if !v.is_empty() => parse_datetime_any(v)
            .map(|d| d.timestamp_millis())
            .map_err(|e| format!("properties.{prop}: {e}")),
        _ => Ok(r.updated_at.timestamp_millis()),
    }
}

/// Numeric order for numeric ids, string order otherwise.
fn id_order(a: &str, b: &str) -> std::cmp::Ordering {
    match (a.parse::<u128>(), b.parse::<u128>()) {
        (Ok(x), Ok(y)) => x.cmp(&y),
        _ => a.cmp(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_modified_names() {
        assert_eq!(last_modified_property("contacts"), "lastmodifieddate");
        assert_eq!(last_modified_property("0-1"), "lastmodifieddate");
        assert_eq!(last_modified_property("deals"), "hs_lastmodifieddate");
        assert_eq!(last_modified_property("invoices"), "hs_lastmodifieddate");
    }

    #[test]
    fn ids_order_numerically() {
        assert_eq!(id_order("9", "10"), std::cmp::Ordering::Less);
        assert_eq!(id_order("a", "b"), std::cmp::Ordering::Less);
    }
}
