//! Builders for planner inputs, used by unit tests, scenario tests and the
//! planner benchmarks. Not used by the CLI.

use super::input::*;
use super::model::RefreshMode;
use crate::model::{HsPropertyDef, HsRecord, QboRecord};
use chrono::{DateTime, FixedOffset, Utc};
use std::collections::BTreeMap;

/// A fixed instant for deterministic tests: 2026-06-01T12:00:00Z.
pub fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-06-01T12:00:00Z")
        .map(|d| d.to_utc())
        .unwrap_or_default()
}

/// `t0` plus `minutes`.
pub fn at(minutes: i64) -> DateTime<Utc> {
    t0() + chrono::Duration::minutes(minutes)
}

/// A HubSpot record with the given properties, updated at `at(minutes)`.
pub fn hs(id: &str, minutes: i64, props: &[(&str, &str)]) -> HsRecord {
    HsRecord {
        id: id.to_string(),
        properties: props
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        created_at: t0(),
        updated_at: at(minutes),
        archived: false,
    }
}

/// A QBO record from a JSON object body, updated at `at(minutes)`.
pub fn qbo(id: &str, sync_token: &str, minutes: i64, body: serde_json::Value) -> QboRecord {
    let mut body = match body {
        serde_json::Value::Object(m) => m,
        _ => serde_json::Map::new(),
    };
    body.insert("Id".into(), id.into());
    body.insert("SyncToken".into(), sync_token.into());
    let active = body.get("Active").and_then(|v| v.as_bool()).unwrap_or(true);
    let offset =
        FixedOffset::west_opt(7 * 3600).unwrap_or(FixedOffset::east_opt(0).expect("zero offset"));
    QboRecord {
        id: id.to_string(),
        sync_token: sync_token.to_string(),
        active,
        created: Some(t0().with_timezone(&offset)),
        updated: at(minutes).with_timezone(&offset),
        body,
    }
}

/// A custom property definition.
pub fn prop_def(name: &str, type_: &str, unique: bool) -> HsPropertyDef {
    HsPropertyDef {
        name: name.to_string(),
        label: name.to_string(),
        type_: type_.to_string(),
        field_type: if type_ == "number" {
            "number".into()
        } else {
            "text".into()
        },
        group_name: "hsqb".into(),
        has_unique_value: unique,
        read_only: false,
        options: Vec::new(),
        hubspot_defined: false,
    }
}

/// Built-in HubSpot property definitions of an object (from the catalog).
pub fn builtin_defs(object: &str) -> Vec<HsPropertyDef> {
    crate::model::catalog::hubspot_builtin(object)
        .iter()
        .map(|f| {
            let (type_, field_type) = super::engine::hubspot_type_for(f.ty);
            HsPropertyDef {
                name: f.path.to_string(),
                label: f.path.to_string(),
                type_: type_.to_string(),
                field_type: field_type.to_string(),
                group_name: "contactinformation".into(),
                has_unique_value: false,
                read_only: f.access == crate::model::catalog::Access::ReadOnly,
                options: Vec::new(),
                hubspot_defined: true,
            }
        })
        .collect()
}

/// A HubSpot snapshot with the given records (complete), built-in property
/// definitions plus the given custom ones.
pub fn hubspot(
    objects: Vec<(&str, Vec<HsRecord>)>,
    custom: Vec<(&str, HsPropertyDef)>,
) -> HubSpotSnapshot {
    let mut snap = HubSpotSnapshot {
        currency: Some("USD".into()),
        ..Default::default()
    };
    for o in [
        "contacts",
        "companies",
        "deals",
        "products",
        "line_items",
        "quotes",
        "invoices",
    ] {
        snap.properties.insert(o.to_string(), builtin_defs(o));
    }
    for (o, d) in custom {
        snap.properties.entry(o.to_string()).or_default().push(d);
    }
    for (o, records) in objects {
        snap.objects.insert(
            o.to_string(),
            HsObjectSet {
                records,
                complete: true,
                context: Default::default(),
            },
        );
    }
    snap
}

/// A QBO snapshot with the given entities (complete).
pub fn quickbooks(entities: Vec<(&str, Vec<QboRecord>)>) -> QboSnapshot {
    let mut snap = QboSnapshot {
        realm_id: "9341453050298764".into(),
        ..Default::default()
    };
    for e in [
        "Customer", "Item", "Invoice", "Vendor", "Employee", "Account", "Term", "TaxCode",
    ] {
        snap.entities.insert(
            e.to_string(),
            QboEntitySet {
                records: Vec::new(),
                complete: true,
                context: Default::default(),
            },
        );
    }
    for (e, records) in entities {
        snap.entities.insert(
            e.to_string(),
            QboEntitySet {
                records,
                complete: true,
                context: Default::default(),
            },
        );
    }
    snap
}

/// Default options at `t0`.
pub fn options() -> PlanOptions {
    PlanOptions {
        now: t0(),
        refresh: RefreshMode::Full,
        targets: Vec::new(),
        manifest_hash: "0".repeat(64),
        target: Default::default(),
        watermarks: BTreeMap::new(),
        limits: EstimateLimits::default(),
    }
}
