//! Re-check a saved plan's preconditions: every record it touches must be
//! unchanged since planning (HubSpot `updatedAt`, QBO `SyncToken`), and every
//! record it creates must still be absent. Reads only the touched records.

use crate::connect::Connections;
use crate::model::System;
use crate::plan::{Plan, RecordRef};
use crate::quickbooks::{Active, QValue, Query};
use std::collections::{BTreeMap, BTreeSet};

/// (change id, planned version) pairs using one record.
type Uses<V> = Vec<(String, V)>;

/// A record that changed since planning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drift {
    /// The record.
    pub record: RecordRef,
    /// The change that depends on it.
    pub change: String,
    /// What differs.
    pub detail: String,
}

/// Check every precondition of `plan`; returns the drifted records.
pub async fn check(
    plan: &Plan,
    conns: &Connections,
    skip: &BTreeSet<String>,
) -> Result<Vec<Drift>, String> {
    let mut drift = Vec::new();
    // HubSpot: batch-read the touched records per object.
    let mut hs: BTreeMap<&'static str, BTreeMap<String, Uses<chrono::DateTime<chrono::Utc>>>> =
        BTreeMap::new();
    // QBO: SyncTokens per (company, entity); natural keys that must be absent.
    let mut qbo: BTreeMap<(String, &'static str), BTreeMap<String, Uses<String>>> = BTreeMap::new();
    let mut absent: Vec<(String, &'static str, String, String, String)> = Vec::new();
    for c in plan.changes.iter().filter(|c| !skip.contains(&c.id)) {
        for p in &c.preconditions {
            match p.record.system {
                System::Hubspot => {
                    if let (Some(obj), Some(t)) = (p.record.object.hubspot_name(), p.updated_at) {
                        hs.entry(obj)
                            .or_default()
                            .entry(p.record.id.clone())
                            .or_default()
                            .push((c.id.clone(), t));
                    }
                }
                System::Quickbooks => {
                    let Some(entity) = p.record.object.qbo_name() else {
                        continue;
                    };
                    let company = p.record.company.clone().unwrap_or_default();
                    if let Some(tok) = &p.sync_token {
                        qbo.entry((company.clone(), entity))
                            .or_default()
                            .entry(p.record.id.clone())
                            .or_default()
                            .push((c.id.clone(), tok.clone()));
                    }
                    if let Some(key) = &p.absent_key
                        && let Some((field, value)) = key.split_once(" = ")
                    {
                        absent.push((
                            company,
                            entity,
                            field.to_string(),
                            value.to_string(),
                            c.id.clone(),
                        ));
                    }
                }
            }
        }
    }
    for (object, records) in &hs {
        let ids: Vec<String> = records.keys().cloned().collect();
        let read = conns
            .hubspot
            .batch_read(object, &ids, &[], None, false)
            .await
            .map_err(|e| e.to_string())?;
        let by_id: BTreeMap<&str, &crate::model::HsRecord> =
            read.records.iter().map(|r| (r.id.as_str(), r)).collect();
        for (id, uses) in records {
            for (change, planned) in uses {
                let detail = match by_id.get(id.as_str()) {
                    None => Some("no longer exists (deleted or merged)".to_string()),
                    Some(r) if r.updated_at != *planned => Some(format!(
                        "modified at {} (plan saw {})",
                        r.updated_at
                            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                        planned.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
                    )),
                    _ => None,
                };
                if let Some(detail) = detail {
                    let object = plan
                        .changes
                        .iter()
                        .flat_map(|c| c.preconditions.iter())
                        .find(|p| p.record.id == *id && p.record.system == System::Hubspot)
                        .map(|p| p.record.clone());
                    if let Some(record) = object {
                        drift.push(Drift {
                            record,
                            change: change.clone(),
                            detail,
                        });
                    }
                }
            }
        }
    }
    for ((company, entity), records) in &qbo {
        let client = conns
            .quickbooks
            .get(company)
            .ok_or_else(|| format!("no connection for QuickBooks company `{company}`"))?;
        let ids: Vec<String> = records.keys().cloned().collect();
        let mut found: BTreeMap<String, String> = BTreeMap::new();
        for chunk in ids.chunks(100) {
            let active = if crate::quickbooks::query::is_name_list(entity) {
                Active::Any
            } else {
                Active::NotApplicable
            };
            let q = Query::select(entity, active)
                .in_list("Id", chunk.iter().map(|i| QValue::Str(i.clone())).collect());
            for r in client.query_all(&q).await.map_err(|e| e.to_string())? {
                found.insert(r.id.clone(), r.sync_token.clone());
            }
        }
        for (id, uses) in records {
            for (change, planned) in uses {
                let detail = match found.get(id) {
                    None => Some("no longer exists (deleted)".to_string()),
                    Some(tok) if tok != planned => {
                        Some(format!("SyncToken is {tok} (plan saw {planned})"))
                    }
                    _ => None,
                };
                if let Some(detail) = detail {
                    let record = RecordRef {
                        system: System::Quickbooks,
                        object: kind_for(entity),
                        company: Some(company.clone()),
                        id: id.clone(),
                    };
                    drift.push(Drift {
                        record,
                        change: change.clone(),
                        detail,
                    });
                }
            }
        }
    }
    let mut seen = BTreeSet::new();
    for (company, entity, field, value, change) in absent {
        if !seen.insert((company.clone(), entity, field.clone(), value.clone())) {
            continue;
        }
        let client = conns
            .quickbooks
            .get(&company)
            .ok_or_else(|| format!("no connection for QuickBooks company `{company}`"))?;
        let active = if crate::quickbooks::query::is_name_list(entity) {
            Active::Only
        } else {
            Active::NotApplicable
        };
        let hits = client
            .query_all(&Query::select(entity, active).eq(&field, QValue::Str(value.clone())))
            .await
            .map_err(|e| e.to_string())?;
        if let Some(r) = hits.first() {
            drift.push(Drift {
                record: RecordRef {
                    system: System::Quickbooks,
                    object: kind_for(entity),
                    company: Some(company.clone()),
                    id: r.id.clone(),
                },
                change,
                detail: format!(
                    "a record with {field} \"{value}\" now exists (created after planning)"
                ),
            });
        }
    }
    drift.sort_by(|a, b| (&a.change, &a.record).cmp(&(&b.change, &b.record)));
    Ok(drift)
}

fn kind_for(entity: &str) -> crate::model::ObjectKind {
    use crate::model::ObjectKind::*;
    match entity {
        "Customer" => Customer,
        "Item" => Item,
        "Invoice" => Invoice,
        "Vendor" => Vendor,
        "Employee" => Employee,
        "Payment" => Payment,
        "Term" => Term,
        _ => TaxCode,
    }
}
