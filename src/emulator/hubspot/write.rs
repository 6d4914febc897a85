//! Record writes: value validation per property type, read-only and unknown
//! property rejection, unique-value enforcement (on every write path: create,
//! update, upsert — single and batch all come through here), calculated
//! defaults, and the mutations themselves.

use super::catalog::{create_defaults, required_on_create};
use super::errors::{HsError, PropIssue};
use super::kinds::ObjectKind;
use super::props::PropertyDef;
use super::store::{HsState, Record};
use super::values::{PropType, normalize_bool, normalize_date, normalize_datetime, parse_number};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// A validated property change: `None` clears the value.
pub(crate) type Change = (String, Option<String>);

const MAX_STRING: usize = 65_536;

fn normalize(
    def: &PropertyDef,
    raw: &str,
    currencies: &dyn Fn() -> Vec<String>,
    portal: u64,
) -> Result<String, (&'static str, String)> {
    match def.ptype {
        PropType::String | PropType::PhoneNumber => {
            if raw.len() > MAX_STRING {
                Err((
                    "INVALID_STRING",
                    format!(
                        "value is {} characters long; the maximum is {MAX_STRING}",
                        raw.len()
                    ),
                ))
            } else {
                Ok(raw.to_string())
            }
        }
        PropType::Number => parse_number(raw)
            .map(|_| raw.to_string())
            .ok_or(("INVALID_NUMBER", format!("{raw} was not a valid number."))),
        PropType::Bool => normalize_bool(raw).map(str::to_string).ok_or((
            "INVALID_BOOLEAN",
            format!("{raw} was not a valid boolean; use true or false."),
        )),
        PropType::Date => normalize_date(raw).map_err(|m| ("INVALID_DATE", m)),
        PropType::Datetime => normalize_datetime(raw).map_err(|m| ("INVALID_DATETIME", m)),
        PropType::Enumeration if def.currency => {
            if currencies().iter().any(|c| c == raw) {
                Ok(raw.to_string())
            } else {
                Err((
                    "INVALID_OPTION",
                    format!(
                        "\"{raw}\" is not a part of the current effective currency codes for portal {portal}"
                    ),
                ))
            }
        }
        PropType::Enumeration => {
            let parts: Vec<&str> = if def.multi() {
                raw.split(';').collect()
            } else {
                vec![raw]
            };
            match parts
                .iter()
                .find(|p| !def.options.iter().any(|o| o.value == **p))
            {
                None => Ok(raw.to_string()),
                Some(bad) => {
                    let allowed: Vec<&str> = def.options.iter().map(|o| o.value.as_str()).collect();
                    Err((
                        "INVALID_OPTION",
                        format!(
                            "{bad} was not one of the allowed options: [{}]",
                            allowed.join(", ")
                        ),
                    ))
                }
            }
        }
    }
}

/// A plausible email address: one `@`, a non-empty local part, a dotted
/// domain, no whitespace.
fn valid_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.chars().any(char::is_whitespace)
}

fn issue(name: &str, code: &'static str, message: String) -> PropIssue {
    PropIssue {
        name: name.into(),
        code,
        message,
    }
}

impl HsState {
    /// Validate a `properties` object into changes (all problems reported at once).
    pub(crate) fn check_values(
        &self,
        kind: ObjectKind,
        input: &Map<String, Value>,
    ) -> Result<Vec<Change>, HsError> {
        let currencies = || self.account.currencies();
        let portal = self.account.portal_id;
        let mut issues = Vec::new();
        let mut out = Vec::with_capacity(input.len());
        for (name, raw) in input {
            let raw = match raw {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                Value::Null => String::new(),
                _ => {
                    issues.push(issue(
                        name,
                        "INVALID_VALUE",
                        format!("Property \"{name}\" must be a string"),
                    ));
                    continue;
                }
            };
            let Some(def) = self.prop_def(kind, name) else {
                issues.push(issue(
                    name,
                    "PROPERTY_DOESNT_EXIST",
                    format!("Property \"{name}\" does not exist"),
                ));
                continue;
            };
            if def.read_only_value {
                issues.push(issue(
                    name,
                    "READ_ONLY_VALUE",
                    format!("\"{name}\" is a read only property; its value cannot be set."),
                ));
                continue;
            }
            if raw.is_empty() {
                out.push((name.clone(), None));
                continue;
            }
            if kind == ObjectKind::Contacts && name == "email" && !valid_email(&raw) {
                issues.push(issue(
                    name,
                    "INVALID_EMAIL",
                    format!("Email address {raw} is invalid"),
                ));
                continue;
            }
            match normalize(def, &raw, &currencies, portal) {
                Ok(v) => out.push((name.clone(), Some(v))),
                Err((code, msg)) => issues.push(issue(name, code, msg)),
            }
        }
        if issues.is_empty() {
            Ok(out)
        } else {
            Err(HsError::properties(&issues, portal))
        }
    }

    /// Refuse a value already held by another live record of a unique property.
    pub(crate) fn check_unique<'a>(
        &self,
        kind: ObjectKind,
        values: impl Iterator<Item = (&'a str, &'a str)>,
        self_id: Option<u64>,
    ) -> Result<(), HsError> {
        let table = self.table(kind);
        for (prop, value) in values {
            let Some(idx) = table.unique.get(prop) else {
                continue;
            };
            if let Some(&other) = idx.get(&HsState::unique_key(kind, prop, value))
                && Some(other) != self_id
            {
                let msg = if kind == ObjectKind::Contacts && prop == "email" {
                    format!("Contact already exists. Existing ID: {other}")
                } else {
                    format!(
                        "A {} with the unique value \"{value}\" for property \"{prop}\" already exists. Existing ID: {other}",
                        kind.upper()
                    )
                };
                return Err(
                    HsError::conflict(msg, other).with_context("propertyName", vec![prop.into()])
                );
            }
        }
        Ok(())
    }

    fn check_product(
        &self,
        kind: ObjectKind,
        values: &BTreeMap<String, String>,
    ) -> Result<(), HsError> {
        if kind != ObjectKind::LineItems {
            return Ok(());
        }
        if let Some(pid) = values.get("hs_product_id") {
            let ok = pid
                .parse::<u64>()
                .ok()
                .and_then(|id| self.live(ObjectKind::Products, id))
                .is_some();
            if !ok {
                return Err(HsError::properties(
                    &[issue(
                        "hs_product_id",
                        "INVALID_OBJECT_ID",
                        format!("Product with id {pid} does not exist"),
                    )],
                    self.account.portal_id,
                ));
            }
        }
        Ok(())
    }

    fn check_required(
        &self,
        kind: ObjectKind,
        values: &BTreeMap<String, String>,
    ) -> Result<(), HsError> {
        let missing: Vec<PropIssue> = required_on_create(kind)
            .iter()
            .filter(|p| !values.contains_key(**p))
            .map(|p| {
                issue(
                    p,
                    "REQUIRED_PROPERTY",
                    format!("Property \"{p}\" is required"),
                )
            })
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(HsError::properties(&missing, self.account.portal_id))
        }
    }

    /// Create a record (validated). `id` forces the record id (seed files).
    pub(crate) fn create_record(
        &mut self,
        kind: ObjectKind,
        input: &Map<String, Value>,
        now: i64,
        id: Option<u64>,
    ) -> Result<u64, HsError> {
        let changes = self.check_values(kind, input)?;
        let mut values: BTreeMap<String, String> = changes
            .into_iter()
            .filter_map(|(k, v)| Some((k, v?)))
            .collect();
        for (k, v) in create_defaults(kind) {
            values.entry((*k).into()).or_insert_with(|| (*v).into());
        }
        if kind == ObjectKind::Deals && values.contains_key("dealstage") {
            values
                .entry("pipeline".into())
                .or_insert_with(|| "default".into());
        }
        self.check_product(kind, &values)?;
        if kind == ObjectKind::LineItems
            && let Some(pid) = values
                .get("hs_product_id")
                .and_then(|p| p.parse::<u64>().ok())
            && let Some(prod) = self.live(ObjectKind::Products, pid)
        {
            // HubSpot copies the product's fields onto a new line item.
            let copied: Vec<(String, String)> = [
                "name",
                "price",
                "hs_sku",
                "description",
                "hs_cost_of_goods_sold",
            ]
            .iter()
            .filter_map(|p| prod.props.get(*p).map(|v| (p.to_string(), v.clone())))
            .collect();
            for (k, v) in copied {
                values.entry(k).or_insert(v);
            }
        }
        self.check_required(kind, &values)?;
        self.check_unique(
            kind,
            values.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            None,
        )?;
        let id = match id {
            Some(i) => {
                if self.table(kind).records.contains_key(&i) {
                    return Err(HsError::conflict(
                        format!(
                            "A {} with id {i} already exists. Existing ID: {i}",
                            kind.upper()
                        ),
                        i,
                    ));
                }
                i
            }
            None => self.next_id,
        };
        self.next_id = self.next_id.max(id + 1);
        let table = self.table_mut(kind);
        for (p, idx) in table.unique.iter_mut() {
            if let Some(v) = values.get(p) {
                idx.insert(HsState::unique_key(kind, p, v), id);
            }
        }
        table.records.insert(
            id,
            Record {
                props: values,
                created: now,
                updated: now,
                archived: None,
            },
        );
        Ok(id)
    }

    /// Update a live record (validated); `lastmodifieddate` moves only when a
    /// value actually changes.
    pub(crate) fn update_record(
        &mut self,
        kind: ObjectKind,
        id: u64,
        input: &Map<String, Value>,
        now: i64,
    ) -> Result<(), HsError> {
        let changes = self.check_values(kind, input)?;
        if self.live(kind, id).is_none() {
            return Err(not_found(kind, &id.to_string()));
        }
        let sets: BTreeMap<String, String> = changes
            .iter()
            .filter_map(|(k, v)| v.clone().map(|v| (k.clone(), v)))
            .collect();
        self.check_product(kind, &sets)?;
        let cleared_required: Vec<PropIssue> = changes
            .iter()
            .filter(|(k, v)| v.is_none() && required_on_create(kind).contains(&k.as_str()))
            .map(|(k, _)| {
                issue(
                    k,
                    "REQUIRED_PROPERTY",
                    format!("Property \"{k}\" is required and can't be cleared"),
                )
            })
            .collect();
        if !cleared_required.is_empty() {
            return Err(HsError::properties(
                &cleared_required,
                self.account.portal_id,
            ));
        }
        self.check_unique(
            kind,
            sets.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            Some(id),
        )?;
        let table = self.table_mut(kind);
        let Some(rec) = table.records.get_mut(&id) else {
            return Err(not_found(kind, &id.to_string()));
        };
        let mut changed = false;
        for (k, v) in changes {
            let old = match &v {
                Some(v) => rec.props.insert(k.clone(), v.clone()),
                None => rec.props.remove(&k),
            };
            if old == v {
                continue;
            }
            changed = true;
            if let Some(idx) = table.unique.get_mut(&k) {
                if let Some(o) = &old {
                    let key = HsState::unique_key(kind, &k, o);
                    if idx.get(&key) == Some(&id) {
                        idx.remove(&key);
                    }
                }
                if let Some(n) = &v {
                    idx.insert(HsState::unique_key(kind, &k, n), id);
                }
            }
        }
        if changed {
            rec.updated = now;
        }
        Ok(())
    }

    /// Upsert by `key` (a unique value of `id_property`, or a record id when
    /// absent). Returns the id and whether the record was created.
    pub(crate) fn upsert_record(
        &mut self,
        kind: ObjectKind,
        key: &str,
        id_property: Option<&str>,
        input: &Map<String, Value>,
        now: i64,
    ) -> Result<(u64, bool), HsError> {
        let existing = self
            .resolve(kind, key, id_property)?
            .filter(|id| self.live(kind, *id).is_some());
        if let Some(id) = existing {
            self.update_record(kind, id, input, now)?;
            return Ok((id, false));
        }
        match id_property {
            None | Some("hs_object_id") => Err(not_found(kind, key)),
            Some(p) => {
                let mut input = input.clone();
                if let Some(v) = input.get(p)
                    && v.as_str() != Some(key)
                {
                    return Err(HsError::validation(format!(
                        "The value of '{p}' in properties must match the input id '{key}'"
                    )));
                }
                input.insert(p.into(), Value::String(key.into()));
                let id = self.create_record(kind, &input, now, None)?;
                Ok((id, true))
            }
        }
    }

    /// Archive a live record (its unique values are released). `false` when
    /// there was nothing to archive.
    pub(crate) fn archive_record(&mut self, kind: ObjectKind, id: u64, now: i64) -> bool {
        let table = self.table_mut(kind);
        let Some(rec) = table.records.get_mut(&id) else {
            return false;
        };
        if rec.archived.is_some() {
            return false;
        }
        rec.archived = Some(now);
        rec.updated = now;
        for (p, idx) in table.unique.iter_mut() {
            if let Some(v) = rec.props.get(p) {
                let key = HsState::unique_key(kind, p, v);
                if idx.get(&key) == Some(&id) {
                    idx.remove(&key);
                }
            }
        }
        true
    }
}

/// 404 for a record address that resolves to nothing.
pub(crate) fn not_found(kind: ObjectKind, key: &str) -> HsError {
    HsError::not_found(format!(
        "Object not found. No {} with id '{key}' exists (or it is archived).",
        kind.upper()
    ))
    .with_context("id", vec![key.into()])
}

#[cfg(test)]
mod tests {
    use super::valid_email;

    #[test]
    fn emails_are_checked_loosely() {
        for ok in ["a@b.co", "o'brien+x@example.co.uk", "ÅSA@example.com"] {
            assert!(valid_email(ok), "{ok}");
        }
        for bad in [
            "",
            "a",
            "a@b",
            "@b.co",
            "a@b.co@c.de",
            "a b@c.de",
            "a@.com",
            "a@com.",
        ] {
            assert!(!valid_email(bad), "{bad}");
        }
    }
}
