//! One entity type's rows in one company, with the indexes that keep 100k-row
//! companies fast: default sort order (by name), last-updated time (CDC,
//! incremental queries) and name / DocNumber lookups.
//!
//! Rows are kept as compact JSON text plus a few extracted fields: a parsed
//! `serde_json` object costs about ten times the memory of its text, and
//! companies hold 100,000 customers. Code that reads or writes an entity
//! works on a parsed [`Row`]; indexes are rebuilt when a state file is loaded.

use super::kind::Kind;
use super::value::{Obj, epoch_secs, get_bool, get_str};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// One entity, parsed: what the write and validation code handles.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Row {
    /// The entity exactly as served (keys in wire order).
    pub obj: Obj,
    /// For a deactivated name-list entity: its name before the ` (deleted)`
    /// suffix, restored on reactivation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_name: Option<String>,
}

impl Row {
    /// A row for `obj`.
    pub fn new(obj: Obj) -> Self {
        Row {
            obj,
            original_name: None,
        }
    }

    /// The numeric Id (0 if absent or not numeric).
    pub fn id(&self) -> u64 {
        get_str(&self.obj, "Id")
            .and_then(|s| s.parse().ok())
            .unwrap_or(0)
    }

    /// `Active` (entities without the property are active).
    pub fn active(&self) -> bool {
        get_bool(&self.obj, "Active").unwrap_or(true)
    }

    /// `MetaData.LastUpdatedTime` in epoch seconds.
    pub fn updated(&self) -> i64 {
        self.meta("LastUpdatedTime").map(epoch_secs).unwrap_or(0)
    }

    /// A `MetaData` timestamp string.
    pub fn meta(&self, key: &str) -> Option<&str> {
        self.obj
            .get("MetaData")
            .and_then(|m| m.get(key))
            .and_then(|v| v.as_str())
    }

    /// `SyncToken` as a number.
    pub fn sync_token(&self) -> u64 {
        get_str(&self.obj, "SyncToken")
            .and_then(|s| s.parse().ok())
            .unwrap_or(0)
    }
}

/// How an entity sits in a table: compact JSON text plus the fields the
/// indexes and the cheap query filters need.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Stored {
    json: Box<str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    original_name: Option<Box<str>>,
    #[serde(skip)]
    id: u64,
    #[serde(skip)]
    active: bool,
    #[serde(skip)]
    updated: i64,
    #[serde(skip)]
    sort: Box<str>,
    #[serde(skip)]
    key: Option<Box<str>>,
}

impl Stored {
    fn from_row(kind: Kind, row: &Row) -> Self {
        Stored {
            json: serde_json::to_string(&row.obj)
                .unwrap_or_default()
                .into_boxed_str(),
            original_name: row.original_name.as_deref().map(Into::into),
            id: row.id(),
            active: row.active(),
            updated: row.updated(),
            sort: kind
                .sort_field()
                .and_then(|f| get_str(&row.obj, f))
                .unwrap_or("")
                .into(),
            key: key_field(kind)
                .and_then(|f| get_str(&row.obj, f))
                .map(|s| fold(s).into_boxed_str()),
        }
    }

    /// The numeric Id.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// `Active`.
    pub fn active(&self) -> bool {
        self.active
    }

    /// `MetaData.LastUpdatedTime` in epoch seconds.
    pub fn updated(&self) -> i64 {
        self.updated
    }

    /// The default-order sort key (empty for transactions).
    pub fn sort_key(&self) -> &str {
        &self.sort
    }

    /// The entity's compact JSON text.
    pub fn text(&self) -> &str {
        &self.json
    }

    /// The entity, parsed.
    pub fn obj(&self) -> Obj {
        // The text was produced by serializing an object, so it parses.
        serde_json::from_str(&self.json).unwrap_or_default()
    }

    /// The entity as a [`Row`].
    pub fn row(&self) -> Row {
        Row {
            obj: self.obj(),
            original_name: self.original_name.as_deref().map(str::to_string),
        }
    }
}

/// Case-folded name (QBO treats `ACME` and `Acme` as the same name).
pub(crate) fn fold(s: &str) -> String {
    s.to_lowercase()
}

/// The property the `by_key` index holds (case-folded) for a kind.
pub(crate) fn key_field(kind: Kind) -> Option<&'static str> {
    match kind {
        Kind::Invoice | Kind::SalesReceipt => Some("DocNumber"),
        k => k.name_field(),
    }
}

/// A deleted transaction, kept for CDC.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct Tombstone {
    /// Deletion time (`MetaData.LastUpdatedTime` of the stub), wire format.
    pub deleted: String,
}

#[derive(Deserialize)]
struct StoredRepr {
    json: String,
    #[serde(default)]
    original_name: Option<String>,
}

#[derive(Deserialize)]
struct TableRepr {
    kind: Kind,
    #[serde(default)]
    rows: BTreeMap<u64, StoredRepr>,
    #[serde(default)]
    tombstones: BTreeMap<u64, Tombstone>,
}

/// All rows of one entity type in one company.
#[derive(Debug, Serialize, Deserialize)]
#[serde(from = "TableRepr")]
pub(crate) struct Table {
    kind: Kind,
    rows: BTreeMap<u64, Stored>,
    tombstones: BTreeMap<u64, Tombstone>,
    /// (sort key, Id): the default query order of name lists.
    #[serde(skip)]
    by_name: BTreeSet<(Box<str>, u64)>,
    /// (LastUpdatedTime secs, Id).
    #[serde(skip)]
    by_updated: BTreeSet<(i64, u64)>,
    /// Case-folded `DisplayName` / `Name` / `DocNumber` → Ids.
    #[serde(skip)]
    by_key: HashMap<Box<str>, Vec<u64>>,
    /// Bumped on every change: cached query results are valid for one generation.
    #[serde(skip)]
    generation: u64,
}

impl From<TableRepr> for Table {
    fn from(r: TableRepr) -> Self {
        let mut t = Table::new(r.kind);
        t.tombstones = r.tombstones;
        for (_, s) in r.rows {
            let obj: Obj = serde_json::from_str(&s.json).unwrap_or_default();
            t.put(&Row {
                obj,
                original_name: s.original_name,
            });
        }
        t
    }
}

impl Table {
    /// An empty table.
    pub fn new(kind: Kind) -> Self {
        Table {
            kind,
            rows: BTreeMap::new(),
            tombstones: BTreeMap::new(),
            by_name: BTreeSet::new(),
            by_updated: BTreeSet::new(),
            by_key: HashMap::new(),
            generation: 0,
        }
    }

    /// The row with `id`, parsed.
    pub fn get(&self, id: u64) -> Option<Row> {
        self.rows.get(&id).map(Stored::row)
    }

    /// The stored row with `id`.
    pub fn stored(&self, id: u64) -> Option<&Stored> {
        self.rows.get(&id)
    }

    /// Number of rows (active and inactive).
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// All Ids.
    pub fn ids(&self) -> impl Iterator<Item = u64> + '_ {
        self.rows.keys().copied()
    }

    /// Changes so far (cached query results are valid for one generation).
    pub fn generation(&self) -> u64 {
        self.generation
    }

    fn unindex(&mut self, id: u64) -> Option<Stored> {
        let old = self.rows.remove(&id)?;
        self.by_name.remove(&(old.sort.clone(), id));
        self.by_updated.remove(&(old.updated, id));
        if let Some(k) = &old.key
            && let Some(ids) = self.by_key.get_mut(k)
        {
            ids.retain(|x| *x != id);
            if ids.is_empty() {
                self.by_key.remove(k);
            }
        }
        Some(old)
    }

    /// Insert or replace a row, maintaining the indexes.
    pub(super) fn put(&mut self, row: &Row) {
        let stored = Stored::from_row(self.kind, row);
        let id = stored.id;
        self.unindex(id);
        if self.kind.sort_field().is_some() {
            self.by_name.insert((stored.sort.clone(), id));
        }
        self.by_updated.insert((stored.updated, id));
        if let Some(k) = &stored.key {
            self.by_key.entry(k.clone()).or_default().push(id);
        }
        self.tombstones.remove(&id);
        self.rows.insert(id, stored);
        self.generation += 1;
    }

    /// Remove a row, optionally leaving a CDC tombstone.
    pub(super) fn remove(&mut self, id: u64, tombstone: Option<Tombstone>) -> Option<Row> {
        let old = self.unindex(id)?;
        if let Some(t) = tombstone {
            self.tombstones.insert(id, t);
        }
        self.generation += 1;
        Some(old.row())
    }

    /// Ids whose indexed key (case-folded name or DocNumber) equals `key`.
    pub fn ids_by_key(&self, key: &str) -> &[u64] {
        self.by_key
            .get(fold(key).as_str())
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    fn by_ids<'a>(
        &'a self,
        ids: impl Iterator<Item = u64> + 'a,
    ) -> impl Iterator<Item = &'a Stored> + 'a {
        ids.filter_map(move |id| self.rows.get(&id))
    }

    /// Rows in the default query order: by name for name lists; most recently
    /// updated first for transactions (the recorded `SELECT * FROM SalesReceipt`
    /// lists Ids 17, 11, 47, 38: descending `LastUpdatedTime`).
    pub fn iter_default(&self) -> Box<dyn Iterator<Item = &Stored> + '_> {
        if self.kind.sort_field().is_some() {
            Box::new(self.by_ids(self.by_name.iter().map(|(_, id)| *id)))
        } else {
            self.iter_by_updated(true)
        }
    }

    /// Rows in default order, reversed.
    pub fn iter_default_rev(&self) -> Box<dyn Iterator<Item = &Stored> + '_> {
        if self.kind.sort_field().is_some() {
            Box::new(self.by_ids(self.by_name.iter().rev().map(|(_, id)| *id)))
        } else {
            self.iter_by_updated(false)
        }
    }

    /// Rows by Id.
    pub fn iter_by_id(&self, desc: bool) -> Box<dyn Iterator<Item = &Stored> + '_> {
        if desc {
            Box::new(self.rows.values().rev())
        } else {
            Box::new(self.rows.values())
        }
    }

    /// Rows updated at or after `secs`, oldest first (ties by Id).
    pub fn iter_updated_since(&self, secs: i64) -> impl Iterator<Item = &Stored> + '_ {
        self.by_ids(self.by_updated.range((secs, 0)..).map(|(_, id)| *id))
    }

    /// Rows by last-updated time, ascending or descending (ties by Id).
    pub fn iter_by_updated(&self, desc: bool) -> Box<dyn Iterator<Item = &Stored> + '_> {
        if desc {
            Box::new(self.by_ids(self.by_updated.iter().rev().map(|(_, id)| *id)))
        } else {
            Box::new(self.by_ids(self.by_updated.iter().map(|(_, id)| *id)))
        }
    }

    /// Deleted transactions (Id, tombstone).
    pub fn tombstones(&self) -> impl Iterator<Item = (u64, &Tombstone)> + '_ {
        self.tombstones.iter().map(|(id, t)| (*id, t))
    }

    /// Drop tombstones older than `before` (epoch secs): CDC cannot reach them.
    pub(super) fn prune_tombstones(&mut self, before: i64) {
        self.tombstones
            .retain(|_, t| epoch_secs(&t.deleted) >= before);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn row(id: u64, name: &str, updated: &str) -> Row {
        let v = json!({"Id": id.to_string(), "DisplayName": name, "Active": true,
            "MetaData": {"CreateTime": updated, "LastUpdatedTime": updated}});
        Row::new(v.as_object().unwrap().clone())
    }

    #[test]
    fn indexes_follow_puts_removes_and_a_round_trip() {
        let mut t = Table::new(Kind::Vendor);
        t.put(&row(2, "PG&E", "2020-01-01T00:00:00+00:00"));
        t.put(&row(1, "Pam Seitz", "2020-01-02T00:00:00+00:00"));
        t.put(&row(3, "Acme", "2020-01-03T00:00:00+00:00"));
        t.put(&row(3, "Zed", "2020-01-03T00:00:00+00:00"));
        let order: Vec<u64> = t.iter_default().map(Stored::id).collect();
        assert_eq!(order, vec![2, 1, 3], "byte order: 'PG&E' < 'Pam Seitz'");
        assert_eq!(t.ids_by_key("pg&e"), &[2]);
        assert!(t.ids_by_key("acme").is_empty(), "renamed away");
        let g = t.generation();
        t.remove(
            2,
            Some(Tombstone {
                deleted: "2020-01-04T00:00:00+00:00".into(),
            }),
        );
        assert!(t.generation() > g);
        assert_eq!(t.tombstones().count(), 1);

        let text = serde_json::to_string(&t).unwrap();
        let back: Table = serde_json::from_str(&text).unwrap();
        let order: Vec<u64> = back.iter_default().map(Stored::id).collect();
        assert_eq!(order, vec![1, 3]);
        let since: Vec<u64> = back
            .iter_updated_since(epoch_secs("2020-01-02T00:00:00+00:00"))
            .map(Stored::id)
            .collect();
        assert_eq!(since, vec![1, 3]);
        assert_eq!(back.get(3).unwrap().obj["DisplayName"], "Zed");
        assert_eq!(back.tombstones().count(), 1);
    }
}
