//! In-process API for tests and data generators: seed and inspect the portal
//! without HTTP. Every write goes through the same validation as the API
//! (unknown/read-only properties, value formats, unique values, required
//! properties), so generated data is data the real API would accept.

use super::assoc::{default_type, find_type};
use super::errors::HsError;
use super::kinds::ObjectKind;
use super::store::HsState;
use super::wire::kind_of;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// A record as seen in-process: every stored and calculated property.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordView {
    /// Record id.
    pub id: String,
    /// All property values (calculated ones included).
    pub properties: BTreeMap<String, String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last modification time.
    pub updated_at: DateTime<Utc>,
    /// Whether the record is archived.
    pub archived: bool,
}

fn to_map<K: Into<String>, V: Into<String>>(
    props: impl IntoIterator<Item = (K, V)>,
) -> Map<String, Value> {
    props
        .into_iter()
        .map(|(k, v)| (k.into(), Value::String(v.into())))
        .collect()
}

fn parse_id(kind: ObjectKind, id: &str) -> Result<u64, HsError> {
    id.parse::<u64>()
        .map_err(|_| super::write::not_found(kind, id))
}

fn ms(t: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(t).unwrap_or_default()
}

impl HsState {
    /// Create a record of `object` (`contacts` or `0-1`, …) at data time `at`;
    /// returns its id.
    pub fn insert_record<K: Into<String>, V: Into<String>>(
        &mut self,
        object: &str,
        properties: impl IntoIterator<Item = (K, V)>,
        at: DateTime<Utc>,
    ) -> Result<String, HsError> {
        let kind = kind_of(object)?;
        self.create_record(kind, &to_map(properties), at.timestamp_millis(), None)
            .map(|id| id.to_string())
    }

    /// Update a live record (an empty value clears the property).
    pub fn patch_record<K: Into<String>, V: Into<String>>(
        &mut self,
        object: &str,
        id: &str,
        properties: impl IntoIterator<Item = (K, V)>,
        at: DateTime<Utc>,
    ) -> Result<(), HsError> {
        let kind = kind_of(object)?;
        let id = parse_id(kind, id)?;
        self.update_record(kind, id, &to_map(properties), at.timestamp_millis())
    }

    /// Archive a record; `Ok(false)` when it was absent or already archived.
    pub fn archive_by_id(
        &mut self,
        object: &str,
        id: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, HsError> {
        let kind = kind_of(object)?;
        let id = parse_id(kind, id)?;
        Ok(self.archive_record(kind, id, at.timestamp_millis()))
    }

    /// A record (archived ones included), with every stored and calculated value.
    pub fn record(&self, object: &str, id: &str) -> Option<RecordView> {
        let kind = ObjectKind::parse(object)?;
        let id: u64 = id.parse().ok()?;
        let rec = self.table(kind).records.get(&id)?;
        let mut properties = BTreeMap::new();
        for def in self
            .props
            .get(&kind)?
            .values()
            .filter(|d| d.archived_at.is_none())
        {
            if let Some(v) = self.value(kind, id, rec, def) {
                properties.insert(def.name.clone(), v.into_owned());
            }
        }
        Some(RecordView {
            id: id.to_string(),
            properties,
            created_at: ms(rec.created),
            updated_at: ms(rec.updated),
            archived: rec.archived.is_some(),
        })
    }

    /// Number of live (unarchived) records of `object` (0 for an unknown object).
    pub fn count(&self, object: &str) -> usize {
        ObjectKind::parse(object)
            .map(|k| {
                self.table(k)
                    .records
                    .values()
                    .filter(|r| r.archived.is_none())
                    .count()
            })
            .unwrap_or(0)
    }

    /// Ids of the live records of `object`, ascending.
    pub fn ids(&self, object: &str) -> Vec<String> {
        ObjectKind::parse(object)
            .map(|k| {
                self.table(k)
                    .records
                    .iter()
                    .filter(|(_, r)| r.archived.is_none())
                    .map(|(id, _)| id.to_string())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Associate two live records with `type_id` (direction `from → to`), or
    /// with the pair's default (unlabeled) type when `None`.
    pub fn associate(
        &mut self,
        from_object: &str,
        from_id: &str,
        to_object: &str,
        to_id: &str,
        type_id: Option<u32>,
    ) -> Result<(), HsError> {
        let (fk, tk) = (kind_of(from_object)?, kind_of(to_object)?);
        let t = match type_id {
            Some(id) => find_type(fk, tk, id),
            None => default_type(fk, tk),
        }
        .ok_or_else(|| {
            HsError::validation(format!(
                "No association type {} from {} to {}",
                type_id
                    .map(|i| i.to_string())
                    .unwrap_or_else(|| "(default)".into()),
                fk.name(),
                tk.name()
            ))
        })?;
        let a = parse_id(fk, from_id)?;
        let b = parse_id(tk, to_id)?;
        if self.live(fk, a).is_none() {
            return Err(super::write::not_found(fk, from_id));
        }
        if self.live(tk, b).is_none() {
            return Err(super::write::not_found(tk, to_id));
        }
        self.assocs.add((fk, a), (tk, b), t);
        Ok(())
    }

    /// Live records of `to_object` associated with a record, with the type
    /// ids in the `from → to` direction.
    pub fn associated_ids(
        &self,
        from_object: &str,
        from_id: &str,
        to_object: &str,
    ) -> Vec<(String, Vec<u32>)> {
        let (Some(fk), Some(tk), Ok(a)) = (
            ObjectKind::parse(from_object),
            ObjectKind::parse(to_object),
            from_id.parse::<u64>(),
        ) else {
            return Vec::new();
        };
        self.assocs
            .neighbors((fk, a), tk)
            .filter(|(id, _)| self.live(tk, *id).is_some())
            .map(|(id, ids)| (id.to_string(), ids.iter().copied().collect()))
            .collect()
    }

    /// Create a custom property from a `PropertyCreate` JSON body.
    pub fn create_property(
        &mut self,
        object: &str,
        definition: &Value,
        at: DateTime<Utc>,
    ) -> Result<(), HsError> {
        let kind = kind_of(object)?;
        let body = definition
            .as_object()
            .ok_or_else(|| HsError::validation("a property definition must be a JSON object"))?;
        self.add_property(kind, body, at.timestamp_millis())
            .map(|_| ())
    }

    /// Whether `object` has a property named `name` (built-in or custom).
    pub fn has_property(&self, object: &str, name: &str) -> bool {
        kind_of(object).is_ok_and(|kind| self.prop_def(kind, name).is_some())
    }

    /// Set the portal's company currency and additional currencies.
    pub fn set_currencies(&mut self, company: &str, additional: &[&str]) {
        self.account.company_currency = company.into();
        self.account.additional_currencies = additional.iter().map(|c| c.to_string()).collect();
    }

    /// The portal id.
    pub fn portal_id(&self) -> u64 {
        self.account.portal_id
    }
}
