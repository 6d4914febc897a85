//! Properties API (`/crm/v3/properties/{objectType}`, `/crm/properties/2026-03/…`):
//! definitions (list, read, create, update, archive, batch read/create/archive)
//! and property groups.

use super::errors::HsError;
use super::kinds::ObjectKind;
use super::objects::{lock, now_ms};
use super::props::{self, PropertyDef, PropertyGroup};
use super::store::HsState;
use super::values::iso_millis;
use super::wire::{Query, body_object, inputs, kind_of, no_content, reply};
use crate::emulator::Shared;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use serde_json::{Map, Value, json};
use std::sync::Arc;

type Res = Result<Response, HsError>;

/// Most unique-valued custom properties one object may have.
const MAX_UNIQUE: usize = 10;

fn prop_not_found(kind: ObjectKind, name: &str) -> HsError {
    HsError::not_found(format!(
        "Unable to find property {name} on object type {}",
        kind.type_id()
    ))
}

impl HsState {
    /// Add a custom property definition (validated).
    pub(crate) fn add_property(
        &mut self,
        kind: ObjectKind,
        body: &Map<String, Value>,
        now: i64,
    ) -> Result<&PropertyDef, HsError> {
        let def = props::parse_create(body, now)?;
        let existing = self.props.get(&kind).and_then(|m| m.get(&def.name));
        if existing.is_some() {
            return Err(HsError::new(
                409,
                "OBJECT_ALREADY_EXISTS",
                format!("A property named '{}' already exists.", def.name),
            )
            .with_context("name", vec![def.name.clone()]));
        }
        self.check_group(kind, &def.group_name)?;
        if def.has_unique_value
            && self.props[&kind]
                .values()
                .filter(|d| d.has_unique_value && !d.hubspot_defined && d.archived_at.is_none())
                .count()
                >= MAX_UNIQUE
        {
            return Err(HsError::validation(format!(
                "An object can have at most {MAX_UNIQUE} unique-value properties"
            )));
        }
        let name = def.name.clone();
        let unique = def.has_unique_value;
        self.props
            .entry(kind)
            .or_default()
            .insert(name.clone(), def);
        if unique {
            self.rebuild_unique(kind);
        }
        Ok(&self.props[&kind][&name])
    }

    fn check_group(&self, kind: ObjectKind, group: &str) -> Result<(), HsError> {
        let ok = self
            .groups
            .get(&kind)
            .and_then(|g| g.get(group))
            .is_some_and(|g| !g.archived);
        if ok {
            Ok(())
        } else {
            Err(HsError::validation(format!(
                "Property group '{group}' does not exist on {}",
                kind.name()
            )))
        }
    }
}

fn wire(st: &HsState, d: &PropertyDef) -> Value {
    d.to_wire(&st.account.currencies())
}

/// `GET /crm/v3/properties/{objectType}` (no paging).
pub async fn list(
    State(s): State<Arc<Shared>>,
    Path(t): Path<String>,
    RawQuery(q): RawQuery,
) -> Res {
    let kind = kind_of(&t)?;
    let archived = Query::parse(q.as_deref()).archived()?;
    let st = lock(&s);
    let results: Vec<Value> = st.props[&kind]
        .values()
        .filter(|d| d.archived_at.is_some() == archived)
        .map(|d| wire(&st, d))
        .collect();
    Ok(reply(200, &json!({"results": results}), false))
}

/// `GET /crm/v3/properties/{objectType}/{propertyName}`.
pub async fn read(
    State(s): State<Arc<Shared>>,
    Path((t, name)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> Res {
    let kind = kind_of(&t)?;
    let archived = Query::parse(q.as_deref()).archived()?;
    let st = lock(&s);
    let d = st.props[&kind]
        .get(&name)
        .filter(|d| d.archived_at.is_some() == archived)
        .ok_or_else(|| prop_not_found(kind, &name))?;
    Ok(reply(200, &wire(&st, d), false))
}

/// `POST /crm/v3/properties/{objectType}` → 201.
pub async fn create(State(s): State<Arc<Shared>>, Path(t): Path<String>, body: Bytes) -> Res {
    let kind = kind_of(&t)?;
    let body = body_object(&body)?;
    let now = now_ms(&s);
    let mut st = lock(&s);
    let out = {
        let d = st.add_property(kind, &body, now)?.clone();
        wire(&st, &d)
    };
    Ok(reply(201, &out, true))
}

/// `PATCH /crm/v3/properties/{objectType}/{propertyName}`.
pub async fn update(
    State(s): State<Arc<Shared>>,
    Path((t, name)): Path<(String, String)>,
    body: Bytes,
) -> Res {
    let kind = kind_of(&t)?;
    let body = body_object(&body)?;
    let now = now_ms(&s);
    let mut st = lock(&s);
    let mut def = st
        .prop_def(kind, &name)
        .cloned()
        .ok_or_else(|| prop_not_found(kind, &name))?;
    props::apply_update(&mut def, &body, now)?;
    st.check_group(kind, &def.group_name)?;
    let out = wire(&st, &def);
    st.props.entry(kind).or_default().insert(name, def);
    Ok(reply(200, &out, true))
}

fn archive_one(st: &mut HsState, kind: ObjectKind, name: &str, now: i64) -> Result<bool, HsError> {
    let Some(def) = st.props.get_mut(&kind).and_then(|m| m.get_mut(name)) else {
        return Ok(false);
    };
    if def.archived_at.is_some() {
        return Ok(false);
    }
    if def.hubspot_defined {
        return Err(HsError::validation(format!(
            "The property '{name}' is HubSpot-defined and can't be archived"
        )));
    }
    def.archived_at = Some(now);
    def.updated_at = now;
    let unique = def.has_unique_value;
    if unique {
        st.rebuild_unique(kind);
    }
    Ok(true)
}

/// `DELETE /crm/v3/properties/{objectType}/{propertyName}` → 204.
pub async fn archive(State(s): State<Arc<Shared>>, Path((t, name)): Path<(String, String)>) -> Res {
    let kind = kind_of(&t)?;
    let now = now_ms(&s);
    let mut st = lock(&s);
    if st.prop_def(kind, &name).is_none() {
        return Err(prop_not_found(kind, &name));
    }
    archive_one(&mut st, kind, &name, now)?;
    Ok(no_content(true))
}

fn batch_body(
    status: u16,
    results: Vec<Value>,
    errors: Vec<Value>,
    now: i64,
    mutated: bool,
) -> Response {
    let mut m = Map::new();
    m.insert("status".into(), "COMPLETE".into());
    m.insert("results".into(), Value::Array(results));
    let code = if errors.is_empty() {
        status
    } else {
        m.insert("numErrors".into(), errors.len().into());
        m.insert("errors".into(), Value::Array(errors));
        207
    };
    m.insert("startedAt".into(), iso_millis(now).into());
    m.insert("completedAt".into(), iso_millis(now).into());
    reply(code, &Value::Object(m), mutated)
}

fn names_of(body: &Map<String, Value>) -> Result<Vec<String>, HsError> {
    inputs(body, 1000)?
        .iter()
        .map(|v| {
            v.get("name")
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(|| HsError::validation("inputs[].name is required"))
        })
        .collect()
}

/// `POST …/batch/read`.
pub async fn batch_read(State(s): State<Arc<Shared>>, Path(t): Path<String>, body: Bytes) -> Res {
    let kind = kind_of(&t)?;
    let body = body_object(&body)?;
    let names = names_of(&body)?;
    let archived = body
        .get("archived")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let st = lock(&s);
    let (mut results, mut missing) = (Vec::new(), Vec::new());
    for n in names {
        match st.props[&kind]
            .get(&n)
            .filter(|d| d.archived_at.is_some() == archived)
        {
            Some(d) => results.push(wire(&st, d)),
            None => missing.push(n),
        }
    }
    let errors = if missing.is_empty() {
        Vec::new()
    } else {
        vec![
            HsError::not_found("Some properties could not be found")
                .with_context("names", missing)
                .to_standard(),
        ]
    };
    Ok(batch_body(200, results, errors, now_ms(&s), false))
}

/// `POST …/batch/create` → 201 / 207.
pub async fn batch_create(State(s): State<Arc<Shared>>, Path(t): Path<String>, body: Bytes) -> Res {
    let kind = kind_of(&t)?;
    let body = body_object(&body)?;
    let ins = inputs(&body, 1000)?;
    let now = now_ms(&s);
    let mut st = lock(&s);
    let (mut results, mut errors) = (Vec::new(), Vec::new());
    for v in &ins {
        let r = match v.as_object() {
            Some(o) => st.add_property(kind, o, now).cloned(),
            None => Err(HsError::validation("each input must be an object")),
        };
        match r {
            Ok(d) => results.push(wire(&st, &d)),
            Err(e) => errors.push(e.to_standard()),
        }
    }
    let mutated = !results.is_empty();
    Ok(batch_body(201, results, errors, now, mutated))
}

/// `POST …/batch/archive` → 204 (also for names that do not exist).
pub async fn batch_archive(
    State(s): State<Arc<Shared>>,
    Path(t): Path<String>,
    body: Bytes,
) -> Res {
    let kind = kind_of(&t)?;
    let body = body_object(&body)?;
    let names = names_of(&body)?;
    let now = now_ms(&s);
    let mut st = lock(&s);
    for n in &names {
        archive_one(&mut st, kind, n, now)?;
    }
    Ok(no_content(true))
}

/// `GET …/groups`.
pub async fn groups_list(State(s): State<Arc<Shared>>, Path(t): Path<String>) -> Res {
    let kind = kind_of(&t)?;
    let st = lock(&s);
    let results: Vec<Value> = st.groups[&kind]
        .values()
        .filter(|g| !g.archived)
        .map(PropertyGroup::to_wire)
        .collect();
    Ok(reply(200, &json!({"results": results}), false))
}

/// `POST …/groups` → 201.
pub async fn groups_create(
    State(s): State<Arc<Shared>>,
    Path(t): Path<String>,
    body: Bytes,
) -> Res {
    let kind = kind_of(&t)?;
    let body = body_object(&body)?;
    let field = |k: &str| {
        body.get(k)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    let name = field("name").ok_or_else(|| HsError::validation("'name' is required"))?;
    let label = field("label").ok_or_else(|| HsError::validation("'label' is required"))?;
    if !name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        return Err(HsError::validation(format!(
            "Group name '{name}' is invalid: use lowercase letters, digits and underscores"
        )));
    }
    let display_order = body
        .get("displayOrder")
        .and_then(Value::as_i64)
        .unwrap_or(-1);
    let mut st = lock(&s);
    let groups = st.groups.entry(kind).or_default();
    if groups.contains_key(name) {
        return Err(HsError::new(
            409,
            "OBJECT_ALREADY_EXISTS",
            format!("A property group named '{name}' already exists."),
        ));
    }
    let g = PropertyGroup {
        name: name.into(),
        label: label.into(),
        display_order,
        archived: false,
    };
    let out = g.to_wire();
    groups.insert(name.into(), g);
    Ok(reply(201, &out, true))
}

/// `GET …/groups/{groupName}`.
pub async fn groups_read(
    State(s): State<Arc<Shared>>,
    Path((t, name)): Path<(String, String)>,
) -> Res {
    let kind = kind_of(&t)?;
    let st = lock(&s);
    let g = st.groups[&kind]
        .get(&name)
        .filter(|g| !g.archived)
        .ok_or_else(|| HsError::not_found(format!("Unable to find property group {name}")))?;
    Ok(reply(200, &g.to_wire(), false))
}

/// `PATCH …/groups/{groupName}`.
pub async fn groups_update(
    State(s): State<Arc<Shared>>,
    Path((t, name)): Path<(String, String)>,
    body: Bytes,
) -> Res {
    let kind = kind_of(&t)?;
    let body = body_object(&body)?;
    let mut st = lock(&s);
    let g = st
        .groups
        .entry(kind)
        .or_default()
        .get_mut(&name)
        .filter(|g| !g.archived)
        .ok_or_else(|| HsError::not_found(format!("Unable to find property group {name}")))?;
    if let Some(l) = body.get("label").and_then(Value::as_str) {
        g.label = l.into();
    }
    if let Some(o) = body.get("displayOrder").and_then(Value::as_i64) {
        g.display_order = o;
    }
    Ok(reply(200, &g.to_wire(), true))
}

/// `DELETE …/groups/{groupName}` → 204.
pub async fn groups_archive(
    State(s): State<Arc<Shared>>,
    Path((t, name)): Path<(String, String)>,
) -> Res {
    let kind = kind_of(&t)?;
    let mut st = lock(&s);
    let in_use = st.props[&kind]
        .values()
        .any(|d| d.group_name == name && d.archived_at.is_none());
    let g = st
        .groups
        .entry(kind)
        .or_default()
        .get_mut(&name)
        .ok_or_else(|| HsError::not_found(format!("Unable to find property group {name}")))?;
    if in_use {
        return Err(HsError::validation(format!(
            "Property group '{name}' still holds properties"
        )));
    }
    g.archived = true;
    Ok(no_content(true))
}
