//! Builders for the render sample plans (see `render_samples.rs`): values,
//! record references, preconditions and realistic changes.

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone, Utc};
use hsqb::model::{ObjectKind, System, Value};
use hsqb::plan::*;
use rust_decimal::Decimal;
use serde_json::json;
use std::collections::BTreeMap;
use std::str::FromStr;

pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap()
}

pub fn base() -> Plan {
    Plan {
        format_version: FORMAT_VERSION,
        hsqb_version: "0.1.0".into(),
        manifest_hash: "sha256:3f0a9c2e5b7d41e8a6c0f2b4d6e8a0c2e4f6a8b0c2d4e6f8a0b2c4d6e8f0a2b4"
            .into(),
        target: PlanTarget {
            hubspot: "https://api.hubapi.com".into(),
            quickbooks: BTreeMap::from([("main".into(), "9130354817512345".into())]),
        },
        now: now(),
        refresh: RefreshMode::Full,
        summary: Summary::default(),
        changes: vec![],
        diagnostics: vec![],
        estimate: Estimate::default(),
        state: StateUpdates::default(),
        checksum: String::new(),
    }
}

/// Fill the summary from the changes and diagnostics (what the planner does).
pub fn finish(mut plan: Plan) -> Plan {
    let mut s = Summary {
        skipped: plan.summary.skipped,
        ..Summary::default()
    };
    for c in &plan.changes {
        match c.action {
            Action::Create => s.create += 1,
            Action::Update => s.update += 1,
            Action::Archive | Action::Delete => s.delete += 1,
            Action::Link => s.link += 1,
            Action::Ensure => s.ensure += 1,
            Action::Associate => s.associate += 1,
        }
    }
    s.errors = count(&plan, Severity::Error);
    s.warnings = count(&plan, Severity::Warning);
    plan.summary = s;
    plan
}

fn count(plan: &Plan, sev: Severity) -> usize {
    plan.diagnostics
        .iter()
        .filter(|d| d.severity == sev)
        .count()
}

/// An estimate in the shape the planner produces.
pub fn estimate(calls: &[(&str, u64)], seconds: f64, bound_by: &str) -> Estimate {
    let calls: BTreeMap<String, u64> = calls.iter().map(|(k, v)| (k.to_string(), *v)).collect();
    Estimate {
        total_calls: calls.values().sum(),
        calls,
        seconds,
        bound_by: bound_by.into(),
    }
}

/// An exact JSON number (serde_json `arbitrary_precision` keeps the digits).
pub fn num(s: &str) -> serde_json::Value {
    serde_json::from_str(s).unwrap()
}

pub fn text(s: &str) -> Value {
    Value::Text(s.into())
}
pub fn money(s: &str) -> Value {
    Value::Money(Decimal::from_str(s).unwrap())
}
pub fn number(s: &str) -> Value {
    Value::Number(Decimal::from_str(s).unwrap())
}
pub fn date(y: i32, m: u32, d: u32) -> Value {
    Value::Date(NaiveDate::from_ymd_opt(y, m, d).unwrap())
}
pub fn datetime(s: &str) -> Value {
    Value::Datetime(DateTime::<FixedOffset>::parse_from_rfc3339(s).unwrap())
}

pub fn field(name: &str, before: Value, after: Value) -> FieldChange {
    FieldChange {
        field: name.into(),
        before,
        after,
        note: None,
    }
}

pub fn noted(name: &str, before: Value, after: Value, note: &str) -> FieldChange {
    FieldChange {
        note: Some(note.into()),
        ..field(name, before, after)
    }
}

pub fn hs(object: ObjectKind, id: &str) -> RecordRef {
    RecordRef {
        system: System::Hubspot,
        object,
        company: None,
        id: id.into(),
    }
}

pub fn qbo(object: ObjectKind, id: &str) -> RecordRef {
    RecordRef {
        system: System::Quickbooks,
        object,
        company: Some("main".into()),
        id: id.into(),
    }
}

pub fn updated_at(r: RecordRef, at: &str) -> Precondition {
    Precondition {
        record: r,
        updated_at: Some(
            DateTime::parse_from_rfc3339(at)
                .unwrap()
                .with_timezone(&Utc),
        ),
        sync_token: None,
        absent_key: None,
    }
}

pub fn sync_token(r: RecordRef, token: &str) -> Precondition {
    Precondition {
        record: r,
        updated_at: None,
        sync_token: Some(token.into()),
        absent_key: None,
    }
}

pub fn absent(r: RecordRef, key: &str) -> Precondition {
    Precondition {
        record: r,
        updated_at: None,
        sync_token: None,
        absent_key: Some(key.into()),
    }
}

/// A QBO customer created from a HubSpot contact.
pub fn customer_create(hs_id: &str, name: &str, email: &str) -> Change {
    let (given, family) = name.split_once(' ').unwrap_or((name, ""));
    let label = if email.is_empty() {
        name.to_string()
    } else {
        format!("{name} <{email}>")
    };
    let mut body = serde_json::Map::new();
    body.insert("DisplayName".into(), json!(name));
    body.insert("GivenName".into(), json!(given));
    body.insert("FamilyName".into(), json!(family));
    let mut fields = vec![
        field("DisplayName", Value::Null, text(name)),
        field("GivenName", Value::Null, text(given)),
    ];
    if !family.is_empty() {
        fields.push(field("FamilyName", Value::Null, text(family)));
    }
    if !email.is_empty() {
        body.insert("PrimaryEmailAddr".into(), json!({ "Address": email }));
        fields.push(field("PrimaryEmailAddr.Address", Value::Null, text(email)));
    }
    Change {
        id: format!("contacts/create/quickbooks/hs:{hs_id}"),
        block: Block::Contacts,
        action: Action::Create,
        system: System::Quickbooks,
        object: ObjectKind::Customer,
        company: Some("main".into()),
        target_id: None,
        source: Some(hs(ObjectKind::Contact, hs_id)),
        label,
        match_key: None,
        fields,
        preconditions: vec![absent(
            qbo(ObjectKind::Customer, ""),
            &format!("DisplayName={name}"),
        )],
        reason: "new HubSpot contact; no QuickBooks customer has this email".into(),
        payload: Payload::Quickbooks {
            entity: "Customer".into(),
            body,
            natural_key: Some(NaturalKey {
                field: "DisplayName".into(),
                value: name.into(),
            }),
        },
        depends_on: vec![],
        link_back: Some(LinkBack {
            object: "contacts".into(),
            id: hs_id.into(),
            property: "hsqb_qbo_customer_id".into(),
        }),
        baseline: None,
        fills: Vec::new(),
    }
}

/// A HubSpot contact created (upserted by link property) from a QBO customer.
pub fn contact_create(qbo_id: &str, first: &str, last: &str, email: &str) -> Change {
    let properties = BTreeMap::from([
        ("email".to_string(), email.to_string()),
        ("firstname".to_string(), first.to_string()),
        ("lastname".to_string(), last.to_string()),
        ("hsqb_qbo_customer_id".to_string(), qbo_id.to_string()),
    ]);
    Change {
        id: format!("contacts/create/hubspot/qbo:main:{qbo_id}"),
        block: Block::Contacts,
        action: Action::Create,
        system: System::Hubspot,
        object: ObjectKind::Contact,
        company: None,
        target_id: None,
        source: Some(qbo(ObjectKind::Customer, qbo_id)),
        label: format!("{first} {last} <{email}>"),
        match_key: None,
        fields: vec![
            field("email", Value::Null, text(email)),
            field("firstname", Value::Null, text(first)),
            field("lastname", Value::Null, text(last)),
        ],
        preconditions: vec![],
        reason: "new QuickBooks customer".into(),
        payload: Payload::Hubspot {
            properties,
            upsert_by: Some("hsqb_qbo_customer_id".into()),
            associations: vec![],
        },
        depends_on: vec![],
        link_back: None,
        baseline: None,
        fills: Vec::new(),
    }
}

/// A QBO item update from a HubSpot product (for the big samples).
pub fn item_update(n: usize) -> Change {
    let sku = format!("SKU-{n:04}");
    let mut body = serde_json::Map::new();
    body.insert(
        "UnitPrice".into(),
        num(&Decimal::new(1000 + n as i64, 2).to_string()),
    );
    Change {
        id: format!("products/update/quickbooks/qbo:main:{}", 100 + n),
        block: Block::Products,
        action: Action::Update,
        system: System::Quickbooks,
        object: ObjectKind::Item,
        company: Some("main".into()),
        target_id: Some((100 + n).to_string()),
        source: Some(hs(ObjectKind::Product, &(5000 + n).to_string())),
        label: format!("Widget {n} ({sku})"),
        match_key: None,
        fields: vec![field(
            "UnitPrice",
            money("9.99"),
            Value::Money(Decimal::new(1000 + n as i64, 2)),
        )],
        preconditions: vec![sync_token(
            qbo(ObjectKind::Item, &(100 + n).to_string()),
            "3",
        )],
        reason: "price changed in HubSpot".into(),
        payload: Payload::Quickbooks {
            entity: "Item".into(),
            body,
            natural_key: None,
        },
        depends_on: vec![],
        link_back: None,
        baseline: None,
        fills: Vec::new(),
    }
}

pub fn diag(severity: Severity, code: &str, block: Block, message: &str) -> Diagnostic {
    Diagnostic {
        severity,
        code: code.into(),
        block,
        record: None,
        label: None,
        message: message.into(),
        hint: None,
        blocking: false,
    }
}

/// A removal (archive, deactivate, delete, void) of `target`.
pub fn removal(
    id: &str,
    block: Block,
    action: Action,
    target: RecordRef,
    label: &str,
    operation: &str,
    reason: &str,
) -> Change {
    let pre = match target.system {
        System::Hubspot => updated_at(target.clone(), "2026-02-15T00:00:00Z"),
        System::Quickbooks => sync_token(target.clone(), "4"),
    };
    Change {
        id: id.into(),
        block,
        action,
        system: target.system,
        object: target.object,
        company: target.company.clone(),
        target_id: Some(target.id.clone()),
        source: None,
        label: label.into(),
        match_key: None,
        fields: vec![],
        preconditions: vec![pre],
        reason: reason.into(),
        payload: Payload::Remove {
            operation: operation.into(),
        },
        depends_on: vec![],
        link_back: None,
        baseline: None,
        fills: Vec::new(),
    }
}
