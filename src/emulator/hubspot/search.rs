//! `POST /crm/v3/objects/{objectType}/search`: filter groups (OR) of filters
//! (AND), one sort (ties broken by id), offset paging with a `total`, the
//! 10,000-result cap and an optional index lag.
//!
//! Comparisons are typed by the property: numbers numerically (decimal),
//! dates and datetimes as epoch millis (filter values as millis or ISO), text,
//! enumerations and bools case-insensitively. A record without a value never
//! matches a positive comparison and always matches NEQ / NOT_IN /
//! NOT_CONTAINS_TOKEN / NOT_HAS_PROPERTY. Missing values sort last in both
//! directions.

use super::errors::HsError;
use super::kinds::ObjectKind;
use super::objects::{lock, now_ms};
use super::props::{Derived, PropertyDef};
use super::store::{HsState, Record};
use super::values::{PropType, parse_instant, parse_number};
use super::wire::{body_object, kind_of, parse_limit, reply, string_list};
use crate::emulator::{Limits, Shared};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::Response;
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};
use std::cmp::Ordering;
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Eq,
    Neq,
    Lt,
    Lte,
    Gt,
    Gte,
    Between,
    In,
    NotIn,
    HasProperty,
    NotHasProperty,
    ContainsToken,
    NotContainsToken,
}

impl Op {
    fn parse(s: &str) -> Option<Op> {
        Some(match s {
            "EQ" => Op::Eq,
            "NEQ" => Op::Neq,
            "LT" => Op::Lt,
            "LTE" => Op::Lte,
            "GT" => Op::Gt,
            "GTE" => Op::Gte,
            "BETWEEN" => Op::Between,
            "IN" => Op::In,
            "NOT_IN" => Op::NotIn,
            "HAS_PROPERTY" => Op::HasProperty,
            "NOT_HAS_PROPERTY" => Op::NotHasProperty,
            "CONTAINS_TOKEN" => Op::ContainsToken,
            "NOT_CONTAINS_TOKEN" => Op::NotContainsToken,
            _ => return None,
        })
    }
}

/// A comparable value.
#[derive(Debug, Clone, PartialEq)]
enum Typed {
    Num(Decimal),
    Ms(i64),
    Text(String),
}

fn cmp(a: &Typed, b: &Typed) -> Option<Ordering> {
    match (a, b) {
        (Typed::Num(x), Typed::Num(y)) => Some(x.cmp(y)),
        (Typed::Ms(x), Typed::Ms(y)) => Some(x.cmp(y)),
        (Typed::Text(x), Typed::Text(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

fn typed_input(def: &PropertyDef, raw: &str) -> Result<Typed, HsError> {
    match def.ptype {
        PropType::Number => parse_number(raw.trim()).map(Typed::Num).ok_or_else(|| {
            HsError::validation(format!(
                "'{raw}' is not a valid number for property {}",
                def.name
            ))
        }),
        PropType::Date | PropType::Datetime => parse_instant(raw).map(Typed::Ms).ok_or_else(|| {
            HsError::validation(format!(
                "'{raw}' is not a valid date for property {} (use epoch milliseconds or ISO-8601)",
                def.name
            ))
        }),
        _ => Ok(Typed::Text(raw.to_lowercase())),
    }
}

fn typed_record(
    st: &HsState,
    kind: ObjectKind,
    id: u64,
    rec: &Record,
    def: &PropertyDef,
) -> Option<Typed> {
    match def.ptype {
        PropType::Date | PropType::Datetime => st.instant(rec, def).map(Typed::Ms),
        PropType::Number if def.derived == Some(Derived::ObjectId) => {
            Some(Typed::Num(Decimal::from(id)))
        }
        PropType::Number => st
            .value(kind, id, rec, def)
            .and_then(|v| parse_number(&v))
            .map(Typed::Num),
        _ => st
            .value(kind, id, rec, def)
            .map(|v| Typed::Text(v.to_lowercase())),
    }
}

fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let mut rest = text;
    for (i, p) in parts.iter().enumerate() {
        if i == 0 {
            match rest.strip_prefix(p) {
                Some(r) => rest = r,
                None => return false,
            }
        } else if i == parts.len() - 1 {
            return rest.ends_with(p);
        } else if let Some(pos) = rest.find(p) {
            rest = &rest[pos + p.len()..];
        } else {
            return false;
        }
    }
    true
}

fn contains_token(value: &str, token: &str) -> bool {
    let v = value.to_lowercase();
    if glob(token, &v) {
        return true;
    }
    v.split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .any(|t| glob(token, t))
}

struct Filter<'a> {
    def: &'a PropertyDef,
    op: Op,
    value: Option<Typed>,
    high: Option<Typed>,
    values: Vec<Typed>,
    token: String,
}

impl Filter<'_> {
    fn matches(&self, st: &HsState, kind: ObjectKind, id: u64, rec: &Record) -> bool {
        match self.op {
            Op::HasProperty => return st.value(kind, id, rec, self.def).is_some(),
            Op::NotHasProperty => return st.value(kind, id, rec, self.def).is_none(),
            Op::ContainsToken | Op::NotContainsToken => {
                let hit = st
                    .value(kind, id, rec, self.def)
                    .is_some_and(|v| contains_token(&v, &self.token));
                return hit == (self.op == Op::ContainsToken);
            }
            _ => {}
        }
        let Some(v) = typed_record(st, kind, id, rec, self.def) else {
            return matches!(self.op, Op::Neq | Op::NotIn);
        };
        let c = |t: &Option<Typed>| t.as_ref().and_then(|t| cmp(&v, t));
        match self.op {
            Op::Eq => c(&self.value) == Some(Ordering::Equal),
            Op::Neq => c(&self.value) != Some(Ordering::Equal),
            Op::Lt => c(&self.value) == Some(Ordering::Less),
            Op::Lte => matches!(c(&self.value), Some(Ordering::Less | Ordering::Equal)),
            Op::Gt => c(&self.value) == Some(Ordering::Greater),
            Op::Gte => matches!(c(&self.value), Some(Ordering::Greater | Ordering::Equal)),
            Op::Between => {
                matches!(c(&self.value), Some(Ordering::Greater | Ordering::Equal))
                    && matches!(c(&self.high), Some(Ordering::Less | Ordering::Equal))
            }
            Op::In => self
                .values
                .iter()
                .any(|t| cmp(&v, t) == Some(Ordering::Equal)),
            Op::NotIn => !self
                .values
                .iter()
                .any(|t| cmp(&v, t) == Some(Ordering::Equal)),
            _ => false,
        }
    }
}

fn scalar(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn compile_filter<'a>(st: &'a HsState, kind: ObjectKind, f: &Value) -> Result<Filter<'a>, HsError> {
    let name = f
        .get("propertyName")
        .and_then(Value::as_str)
        .ok_or_else(|| HsError::validation("filters[].propertyName is required"))?;
    let def = st.prop_def(kind, name).ok_or_else(|| {
        HsError::validation(format!(
            "Property '{name}' does not exist on {}",
            kind.name()
        ))
    })?;
    let op_s = f.get("operator").and_then(Value::as_str).unwrap_or("EQ");
    let op = Op::parse(op_s)
        .ok_or_else(|| HsError::validation(format!("Unknown filter operator '{op_s}'")))?;
    let need = |key: &str| {
        scalar(f.get(key)).ok_or_else(|| {
            HsError::validation(format!("Operator {op_s} on '{name}' requires '{key}'"))
        })
    };
    let mut filt = Filter {
        def,
        op,
        value: None,
        high: None,
        values: Vec::new(),
        token: String::new(),
    };
    match op {
        Op::HasProperty | Op::NotHasProperty => {}
        Op::ContainsToken | Op::NotContainsToken => filt.token = need("value")?.to_lowercase(),
        Op::In | Op::NotIn => {
            let arr = f.get("values").and_then(Value::as_array).ok_or_else(|| {
                HsError::validation(format!("Operator {op_s} on '{name}' requires 'values'"))
            })?;
            for v in arr {
                let raw = scalar(Some(v))
                    .ok_or_else(|| HsError::validation("filters[].values must hold strings"))?;
                filt.values.push(typed_input(def, &raw)?);
            }
        }
        Op::Between => {
            filt.value = Some(typed_input(def, &need("value")?)?);
            filt.high = Some(typed_input(def, &need("highValue")?)?);
        }
        _ => filt.value = Some(typed_input(def, &need("value")?)?),
    }
    Ok(filt)
}

fn compile_groups<'a>(
    st: &'a HsState,
    kind: ObjectKind,
    body: &Map<String, Value>,
    limits: &Limits,
) -> Result<Vec<Vec<Filter<'a>>>, HsError> {
    let groups = match body.get("filterGroups") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(a)) => a,
        Some(_) => return Err(HsError::validation("'filterGroups' must be an array")),
    };
    if groups.len() > limits.hubspot_search_max_groups {
        return Err(HsError::validation(format!(
            "Too many filter groups: {} (maximum {})",
            groups.len(),
            limits.hubspot_search_max_groups
        )));
    }
    let mut total = 0;
    let mut out = Vec::with_capacity(groups.len());
    for g in groups {
        let filters = g
            .get("filters")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if filters.len() > limits.hubspot_search_max_filters_per_group {
            return Err(HsError::validation(format!(
                "Too many filters in a filter group: {} (maximum {})",
                filters.len(),
                limits.hubspot_search_max_filters_per_group
            )));
        }
        total += filters.len();
        if total > limits.hubspot_search_max_filters {
            return Err(HsError::validation(format!(
                "Too many filters: more than {} across all filter groups",
                limits.hubspot_search_max_filters
            )));
        }
        out.push(
            filters
                .iter()
                .map(|f| compile_filter(st, kind, f))
                .collect::<Result<Vec<_>, _>>()?,
        );
    }
    Ok(out)
}

/// The single sort: `{propertyName, direction}`, or `"prop"` / `"-prop"`.
fn parse_sort<'a>(
    st: &'a HsState,
    kind: ObjectKind,
    body: &Map<String, Value>,
) -> Result<Option<(&'a PropertyDef, bool)>, HsError> {
    let sorts = match body.get("sorts") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Array(a)) => a,
        Some(_) => return Err(HsError::validation("'sorts' must be an array")),
    };
    if sorts.len() > 1 {
        return Err(HsError::validation(
            "Only one sort is allowed per search request",
        ));
    }
    let Some(s) = sorts.first() else {
        return Ok(None);
    };
    let (name, desc) = match s {
        Value::String(s) => match s.strip_prefix('-') {
            Some(n) => (n.to_string(), true),
            None => (s.clone(), false),
        },
        Value::Object(o) => {
            let n = o
                .get("propertyName")
                .and_then(Value::as_str)
                .ok_or_else(|| HsError::validation("sorts[].propertyName is required"))?;
            let d = match o.get("direction").and_then(Value::as_str) {
                None | Some("ASCENDING") => false,
                Some("DESCENDING") => true,
                Some(o) => {
                    return Err(HsError::validation(format!("Invalid sort direction '{o}'")));
                }
            };
            (n.to_string(), d)
        }
        _ => return Err(HsError::validation("Invalid sort")),
    };
    let def = st
        .prop_def(kind, &name)
        .ok_or_else(|| HsError::validation(format!("Cannot sort by unknown property '{name}'")))?;
    Ok(Some((def, desc)))
}

fn query_match(st: &HsState, kind: ObjectKind, id: u64, rec: &Record, words: &[String]) -> bool {
    words.iter().all(|w| {
        kind.query_props().iter().any(|p| {
            st.prop_def(kind, p)
                .and_then(|d| st.value(kind, id, rec, d))
                .is_some_and(|v| v.to_lowercase().contains(w.as_str()))
        })
    })
}

/// `POST /crm/v3/objects/{objectType}/search`.
pub async fn search(
    State(s): State<Arc<Shared>>,
    Path(t): Path<String>,
    body: Bytes,
) -> Result<Response, HsError> {
    let kind = kind_of(&t)?;
    let body = body_object(&body)?;
    let limits = &s.config.limits;
    let limit = match body.get("limit") {
        None | Some(Value::Null) => 10,
        Some(v) => parse_limit(v, 200)?,
    };
    let offset = match scalar(body.get("after")) {
        None => 0,
        Some(a) if a.is_empty() => 0,
        Some(a) => a
            .parse::<usize>()
            .map_err(|_| HsError::validation(format!("Invalid 'after' value '{a}'")))?,
    };
    if offset >= limits.hubspot_search_cap {
        return Err(HsError::validation(format!(
            "Search results are limited to {} per query; 'after' {offset} is past that limit. Narrow the query (e.g. filter on hs_object_id GT the last id seen) instead of paging further.",
            limits.hubspot_search_cap
        ))
        .with_context("after", vec![offset.to_string()]));
    }
    let props = string_list(&body, "properties")?;
    let words: Vec<String> = match body.get("query") {
        Some(Value::String(q)) if q.len() > 3000 => {
            return Err(HsError::validation("'query' is limited to 3000 characters"));
        }
        Some(Value::String(q)) => q.split_whitespace().map(str::to_lowercase).collect(),
        _ => Vec::new(),
    };
    let lag_ms = i64::try_from(limits.hubspot_search_lag.as_millis()).unwrap_or(i64::MAX);
    let cutoff = now_ms(&s).saturating_sub(lag_ms);
    let st = lock(&s);
    let groups = compile_groups(&st, kind, &body, limits)?;
    let sort = parse_sort(&st, kind, &body)?;
    let mut hits: Vec<(u64, &Record)> = st
        .table(kind)
        .records
        .iter()
        .filter(|(_, r)| r.archived.is_none() && (lag_ms == 0 || r.updated <= cutoff))
        .filter(|(id, r)| {
            groups.is_empty()
                || groups
                    .iter()
                    .any(|g| g.iter().all(|f| f.matches(&st, kind, **id, r)))
        })
        .filter(|(id, r)| words.is_empty() || query_match(&st, kind, **id, r, &words))
        .map(|(id, r)| (*id, r))
        .collect();
    let total = hits.len();
    match sort {
        None => {}
        Some((def, true)) if def.derived == Some(Derived::ObjectId) => hits.reverse(),
        Some((def, false)) if def.derived == Some(Derived::ObjectId) => {}
        Some((def, desc)) => {
            let mut keyed: Vec<(Option<Typed>, u64, &Record)> = hits
                .iter()
                .map(|(id, r)| (typed_record(&st, kind, *id, r, def), *id, *r))
                .collect();
            keyed.sort_by(|a, b| {
                let by_value = match (&a.0, &b.0) {
                    (Some(x), Some(y)) => {
                        let o = cmp(x, y).unwrap_or(Ordering::Equal);
                        if desc { o.reverse() } else { o }
                    }
                    (Some(_), None) => Ordering::Less,
                    (None, Some(_)) => Ordering::Greater,
                    (None, None) => Ordering::Equal,
                };
                by_value.then(a.1.cmp(&b.1))
            });
            hits = keyed.into_iter().map(|(_, id, r)| (id, r)).collect();
        }
    }
    let end = (offset + limit).min(total).min(limits.hubspot_search_cap);
    let sel = st.selection(kind, &props);
    let results: Vec<Value> = hits
        .get(offset.min(end)..end)
        .unwrap_or_default()
        .iter()
        .map(|(id, r)| Value::Object(st.render(kind, *id, r, &sel)))
        .collect();
    let mut out = Map::new();
    out.insert("total".into(), total.into());
    out.insert("results".into(), Value::Array(results));
    if end < total {
        out.insert("paging".into(), json!({"next": {"after": end.to_string()}}));
    }
    Ok(reply(200, &Value::Object(out), false))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_and_tokens() {
        assert!(glob("*@example.com", "jane@example.com"));
        assert!(!glob("*@example.com", "jane@example.org"));
        assert!(glob("ja*", "jane"));
        assert!(glob("j*n*", "jane"));
        assert!(contains_token("Acme Corp.", "corp"));
        assert!(contains_token("jane@example.com", "example"));
        assert!(!contains_token("Acme Corp.", "cor"));
        assert!(contains_token("Acme Corp.", "cor*"));
    }
}
