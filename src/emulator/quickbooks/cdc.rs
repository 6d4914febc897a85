//! Change data capture: every object of the requested types changed at or
//! after `changedSince` (at most 30 days back), deleted transactions as
//! `status: "Deleted"` stubs, at most 1000 objects in total per response (the
//! oldest changes win, so a client that gets exactly 1000 must split its window).

use super::fault::QboError;
use super::kind::Kind;
use super::store::Realm;
use super::value::{epoch_secs, parse_instant};
use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

/// Most objects one CDC response carries.
pub(crate) const CDC_CAP: usize = 1000;
/// How far back `changedSince` may reach.
pub(crate) const CDC_WINDOW_DAYS: i64 = 30;

/// Answer `GET /cdc`, returning the `CDCResponse` array.
pub(crate) fn run(
    realm: &Realm,
    entities: Option<&str>,
    changed_since: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Value, QboError> {
    let entities = entities
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| QboError::required("entities"))?;
    let since_s = changed_since
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| QboError::required("changedSince"))?;
    let mut kinds = Vec::new();
    for name in entities.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let k = Kind::from_name_ci(name)
            .filter(|k| k.in_cdc())
            .ok_or_else(|| {
                QboError::invalid_query(format!(
                    "QueryValidationError: invalid context declaration: {name}"
                ))
            })?;
        if !kinds.contains(&k) {
            kinds.push(k);
        }
    }
    let since = parse_instant(since_s, realm.utc_offset).ok_or_else(|| {
        QboError::invalid_query(format!(
            "QueryValidationError: changedSince has an invalid value: {since_s}"
        ))
    })?;
    if since < now - Duration::days(CDC_WINDOW_DAYS) {
        return Err(QboError::invalid_query(format!(
            "QueryValidationError: changedSince {since_s} is more than {CDC_WINDOW_DAYS} days in the past"
        )));
    }
    let since_secs = since.timestamp();

    // (updated secs, kind position, Id, object): the oldest CDC_CAP overall win.
    let mut found: Vec<(i64, usize, u64, Value)> = Vec::new();
    for (pos, kind) in kinds.iter().enumerate() {
        if kind.is_singleton() {
            let row = if *kind == Kind::Preferences {
                &realm.preferences
            } else {
                &realm.company_info
            };
            if row.updated() >= since_secs {
                found.push((row.updated(), pos, 1, Value::Object(row.obj.clone())));
            }
            continue;
        }
        let table = realm.table(*kind);
        for row in table.iter_updated_since(since_secs).take(CDC_CAP) {
            found.push((row.updated(), pos, row.id(), Value::Object(row.obj())));
        }
        for (id, t) in table.tombstones() {
            let secs = epoch_secs(&t.deleted);
            if secs >= since_secs {
                found.push((
                    secs,
                    pos,
                    id,
                    json!({
                        "domain": "QBO", "status": "Deleted", "Id": id.to_string(),
                        "MetaData": {"LastUpdatedTime": t.deleted}
                    }),
                ));
            }
        }
    }
    found.sort_by_key(|a| (a.0, a.2, a.1));
    found.truncate(CDC_CAP);
    let mut per_kind: Vec<Vec<Value>> = vec![Vec::new(); kinds.len()];
    for (_, pos, _, v) in found {
        per_kind[pos].push(v);
    }
    let responses: Vec<Value> = kinds
        .iter()
        .zip(per_kind)
        .map(|(k, objs)| {
            if objs.is_empty() {
                json!({})
            } else {
                let n = objs.len();
                let mut m = serde_json::Map::new();
                m.insert(k.name().into(), Value::Array(objs));
                m.insert("startPosition".into(), json!(1));
                m.insert("maxResults".into(), json!(n));
                Value::Object(m)
            }
        })
        .collect();
    Ok(json!([{"QueryResponse": responses}]))
}
