//! Per-company storage: entities as wire-ready JSON objects in `BTreeMap`s keyed
//! by numeric Id, with the indexes that keep 100k-row companies fast:
//! default sort order (by name), last-updated time (CDC, incremental queries),
//! active-name uniqueness and DocNumber duplicates. Indexes are not persisted;
//! they are rebuilt when a state file is loaded.

use super::kind::{IdSpace, Kind};
use super::value::{Obj, epoch_secs, get_bool, get_str};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

/// One stored entity.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
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

    fn sort_key(&self, kind: Kind) -> String {
        kind.sort_field()
            .and_then(|f| get_str(&self.obj, f))
            .unwrap_or("")
            .to_string()
    }
}

/// A deleted transaction, kept for CDC.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct Tombstone {
    /// Deletion time (`MetaData.LastUpdatedTime` of the stub), wire format.
    pub deleted: String,
}

#[derive(Deserialize)]
struct TableRepr {
    kind: Kind,
    #[serde(default)]
    rows: BTreeMap<u64, Row>,
    #[serde(default)]
    tombstones: BTreeMap<u64, Tombstone>,
}

/// All rows of one entity type in one company.
#[derive(Debug, Serialize, Deserialize)]
#[serde(from = "TableRepr")]
pub(crate) struct Table {
    kind: Kind,
    rows: BTreeMap<u64, Row>,
    tombstones: BTreeMap<u64, Tombstone>,
    /// (sort key, Id): the default query order of name lists.
    #[serde(skip)]
    by_name: BTreeSet<(String, u64)>,
    /// (LastUpdatedTime secs, Id).
    #[serde(skip)]
    by_updated: BTreeSet<(i64, u64)>,
}

impl From<TableRepr> for Table {
    fn from(r: TableRepr) -> Self {
        let mut t = Table::new(r.kind);
        t.tombstones = r.tombstones;
        for (_, row) in r.rows {
            t.put(row);
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
        }
    }

    /// The row with `id`.
    pub fn get(&self, id: u64) -> Option<&Row> {
        self.rows.get(&id)
    }

    /// Number of rows (active and inactive).
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Insert or replace a row, maintaining the indexes.
    fn put(&mut self, row: Row) {
        let id = row.id();
        if let Some(old) = self.rows.get(&id) {
            self.by_name.remove(&(old.sort_key(self.kind), id));
            self.by_updated.remove(&(old.updated(), id));
        }
        if self.kind.sort_field().is_some() {
            self.by_name.insert((row.sort_key(self.kind), id));
        }
        self.by_updated.insert((row.updated(), id));
        self.tombstones.remove(&id);
        self.rows.insert(id, row);
    }

    fn remove(&mut self, id: u64) -> Option<Row> {
        let old = self.rows.remove(&id)?;
        self.by_name.remove(&(old.sort_key(self.kind), id));
        self.by_updated.remove(&(old.updated(), id));
        Some(old)
    }

    /// Rows in the default query order: by name for name lists; most recently
    /// updated first for transactions (the recorded `SELECT * FROM SalesReceipt`
    /// lists Ids 17, 11, 47, 38: descending `LastUpdatedTime`).
    pub fn iter_default(&self) -> Box<dyn Iterator<Item = &Row> + '_> {
        if self.kind.sort_field().is_some() {
            Box::new(self.by_name.iter().filter_map(|(_, id)| self.rows.get(id)))
        } else {
            self.iter_by_updated(true)
        }
    }

    /// Rows in default order, reversed.
    pub fn iter_default_rev(&self) -> Box<dyn Iterator<Item = &Row> + '_> {
        if self.kind.sort_field().is_some() {
            Box::new(
                self.by_name
                    .iter()
                    .rev()
                    .filter_map(|(_, id)| self.rows.get(id)),
            )
        } else {
            self.iter_by_updated(false)
        }
    }

    /// Rows by Id.
    pub fn iter_by_id(&self, desc: bool) -> Box<dyn Iterator<Item = &Row> + '_> {
        if desc {
            Box::new(self.rows.values().rev())
        } else {
            Box::new(self.rows.values())
        }
    }

    /// Rows updated at or after `secs`, oldest first (ties by Id).
    pub fn iter_updated_since(&self, secs: i64) -> impl Iterator<Item = &Row> + '_ {
        self.by_updated
            .range((secs, 0)..)
            .filter_map(|(_, id)| self.rows.get(id))
    }

    /// Rows by last-updated time, ascending or descending (ties by Id).
    pub fn iter_by_updated(&self, desc: bool) -> Box<dyn Iterator<Item = &Row> + '_> {
        let it = self.by_updated.iter();
        if desc {
            Box::new(it.rev().filter_map(|(_, id)| self.rows.get(id)))
        } else {
            Box::new(it.filter_map(|(_, id)| self.rows.get(id)))
        }
    }

    /// Deleted transactions (Id, tombstone).
    pub fn tombstones(&self) -> impl Iterator<Item = (u64, &Tombstone)> + '_ {
        self.tombstones.iter().map(|(id, t)| (*id, t))
    }

    /// Drop tombstones older than `before` (epoch secs): CDC cannot reach them.
    pub fn prune_tombstones(&mut self, before: i64) {
        self.tombstones
            .retain(|_, t| epoch_secs(&t.deleted) >= before);
    }
}

/// One cached response for `requestid` replay.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct Cached {
    /// HTTP status.
    pub status: u16,
    /// The exact body bytes (as UTF-8 text).
    pub body: String,
}

/// Bounded `requestid` → response cache of one company (oldest evicted first).
#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct RequestCache {
    order: VecDeque<String>,
    map: HashMap<String, Cached>,
}

/// How many `requestid`s a company remembers.
pub(crate) const REQUEST_CACHE_CAP: usize = 10_000;

impl RequestCache {
    /// The cached response for `key`.
    pub fn get(&self, key: &str) -> Option<&Cached> {
        self.map.get(key)
    }

    /// Remember a response.
    pub fn put(&mut self, key: String, c: Cached) {
        if self.map.insert(key.clone(), c).is_none() {
            self.order.push_back(key);
        }
        while self.order.len() > REQUEST_CACHE_CAP {
            if let Some(old) = self.order.pop_front() {
                self.map.remove(&old);
            }
        }
    }
}

/// Namespace of a unique name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum NameSpace {
    People,
    Item,
    Account,
    Term,
}

#[derive(Deserialize)]
struct RealmRepr {
    id: String,
    utc_offset: i32,
    tables: BTreeMap<Kind, Table>,
    preferences: Row,
    company_info: Row,
    next_ids: BTreeMap<IdSpace, u64>,
    next_doc_number: u64,
    next_addr_id: u64,
    #[serde(default)]
    default_tax_code: Option<String>,
    #[serde(default)]
    requests: RequestCache,
}

/// One company (realm).
#[derive(Debug, Serialize, Deserialize)]
#[serde(from = "RealmRepr")]
pub(crate) struct Realm {
    /// The realm Id.
    pub id: String,
    /// Company UTC offset in seconds (timestamps are printed with it).
    pub utc_offset: i32,
    tables: BTreeMap<Kind, Table>,
    /// The `Preferences` singleton.
    pub preferences: Row,
    /// The `CompanyInfo` singleton.
    pub company_info: Row,
    next_ids: BTreeMap<IdSpace, u64>,
    /// Next auto-assigned invoice/sales receipt `DocNumber`.
    pub next_doc_number: u64,
    /// Next address `Id`.
    pub next_addr_id: u64,
    /// TaxCode Id new taxable customers get as `DefaultTaxCodeRef` (US companies).
    pub default_tax_code: Option<String>,
    /// `requestid` replay cache.
    pub requests: RequestCache,
    #[serde(skip)]
    names: HashMap<(NameSpace, String), (Kind, u64)>,
    #[serde(skip)]
    doc_numbers: HashMap<(Kind, String), u32>,
}

impl From<RealmRepr> for Realm {
    fn from(r: RealmRepr) -> Self {
        let mut realm = Realm {
            id: r.id,
            utc_offset: r.utc_offset,
            tables: BTreeMap::new(),
            preferences: r.preferences,
            company_info: r.company_info,
            next_ids: r.next_ids,
            next_doc_number: r.next_doc_number,
            next_addr_id: r.next_addr_id,
            default_tax_code: r.default_tax_code,
            requests: r.requests,
            names: HashMap::new(),
            doc_numbers: HashMap::new(),
        };
        for kind in Kind::TABLES {
            realm.tables.insert(kind, Table::new(kind));
        }
        for (kind, table) in r.tables {
            for row in table.rows.values() {
                realm.index_add(kind, row);
            }
            realm.tables.insert(kind, table);
        }
        realm
    }
}

fn name_key(kind: Kind, row: &Row) -> Option<(NameSpace, String)> {
    let ns = match kind {
        Kind::Customer | Kind::Vendor | Kind::Employee => NameSpace::People,
        Kind::Item => NameSpace::Item,
        Kind::Account => NameSpace::Account,
        Kind::Term => NameSpace::Term,
        _ => return None,
    };
    if !row.active() {
        return None;
    }
    let name = get_str(&row.obj, kind.sort_field()?)?;
    Some((ns, fold(name)))
}

/// Case-folded name for uniqueness (QBO treats `ACME` and `Acme` as the same name).
pub(crate) fn fold(s: &str) -> String {
    s.to_lowercase()
}

fn doc_key(kind: Kind, row: &Row) -> Option<(Kind, String)> {
    if !matches!(kind, Kind::Invoice | Kind::SalesReceipt) {
        return None;
    }
    Some((kind, get_str(&row.obj, "DocNumber")?.to_string()))
}

impl Realm {
    /// An empty company (no rows).
    pub fn empty(id: &str, utc_offset: i32, preferences: Row, company_info: Row) -> Self {
        let mut tables = BTreeMap::new();
        for kind in Kind::TABLES {
            tables.insert(kind, Table::new(kind));
        }
        Realm {
            id: id.to_string(),
            utc_offset,
            tables,
            preferences,
            company_info,
            next_ids: BTreeMap::new(),
            next_doc_number: 1001,
            next_addr_id: 1,
            default_tax_code: None,
            requests: RequestCache::default(),
            names: HashMap::new(),
            doc_numbers: HashMap::new(),
        }
    }

    /// The table of `kind` (singleton kinds have an always-empty table).
    pub fn table(&self, kind: Kind) -> &Table {
        self.tables
            .get(&kind)
            .expect("every table kind is created with the realm")
    }

    fn table_mut(&mut self, kind: Kind) -> &mut Table {
        self.tables
            .get_mut(&kind)
            .expect("every table kind is created with the realm")
    }

    /// A row by kind and Id.
    pub fn get(&self, kind: Kind, id: u64) -> Option<&Row> {
        self.table(kind).get(id)
    }

    fn index_add(&mut self, kind: Kind, row: &Row) {
        let id = row.id();
        if let Some(k) = name_key(kind, row) {
            self.names.insert(k, (kind, id));
        }
        if let Some(k) = doc_key(kind, row) {
            *self.doc_numbers.entry(k).or_default() += 1;
        }
    }

    fn index_remove(&mut self, kind: Kind, row: &Row) {
        let id = row.id();
        if let Some(k) = name_key(kind, row)
            && self.names.get(&k) == Some(&(kind, id))
        {
            self.names.remove(&k);
        }
        if let Some(k) = doc_key(kind, row)
            && let Some(n) = self.doc_numbers.get_mut(&k)
        {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.doc_numbers.remove(&k);
            }
        }
    }

    /// Insert or replace a row (all writes go through here to keep indexes right).
    pub fn put(&mut self, kind: Kind, row: Row) {
        if let Some(old) = self.table(kind).get(row.id()).cloned() {
            self.index_remove(kind, &old);
        }
        self.index_add(kind, &row);
        let id = row.id();
        let next = self.next_ids.entry(kind.id_space()).or_insert(1);
        if *next <= id {
            *next = id + 1;
        }
        self.table_mut(kind).put(row);
    }

    /// Delete a transaction, leaving a CDC tombstone.
    pub fn delete(&mut self, kind: Kind, id: u64, deleted: String) -> Option<Row> {
        let old = self.table_mut(kind).remove(id)?;
        self.index_remove(kind, &old);
        self.table_mut(kind)
            .tombstones
            .insert(id, Tombstone { deleted });
        Some(old)
    }

    /// Remove every row (and tombstone) of `kind`; Id sequences continue.
    pub fn clear(&mut self, kind: Kind) {
        let rows: Vec<Row> = self.table(kind).rows.values().cloned().collect();
        for row in &rows {
            self.index_remove(kind, row);
        }
        self.tables.insert(kind, Table::new(kind));
    }

    /// Drop tombstones older than `before` (epoch secs) in every table.
    pub fn prune_tombstones(&mut self, before: i64) {
        for t in self.tables.values_mut() {
            t.prune_tombstones(before);
        }
    }

    /// Allocate the next Id of a sequence.
    pub fn alloc_id(&mut self, space: IdSpace) -> u64 {
        let next = self.next_ids.entry(space).or_insert(1);
        let id = *next;
        *next += 1;
        id
    }

    /// Allocate an address Id.
    pub fn alloc_addr_id(&mut self) -> u64 {
        let id = self.next_addr_id;
        self.next_addr_id += 1;
        id
    }

    /// Who holds the active unique name `name` for `kind` (case-insensitive).
    pub fn name_owner(&self, kind: Kind, name: &str) -> Option<(Kind, u64)> {
        let ns = match kind {
            Kind::Customer | Kind::Vendor | Kind::Employee => NameSpace::People,
            Kind::Item => NameSpace::Item,
            Kind::Account => NameSpace::Account,
            Kind::Term => NameSpace::Term,
            _ => return None,
        };
        self.names.get(&(ns, fold(name))).copied()
    }

    /// How many rows of `kind` carry `doc` as DocNumber.
    pub fn doc_number_count(&self, kind: Kind, doc: &str) -> u32 {
        self.doc_numbers
            .get(&(kind, doc.to_string()))
            .copied()
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn row(id: u64, name: &str, active: bool, updated: &str) -> Row {
        let v = json!({"Id": id.to_string(), "DisplayName": name, "Active": active,
            "MetaData": {"CreateTime": updated, "LastUpdatedTime": updated}});
        Row::new(v.as_object().unwrap().clone())
    }

    fn realm() -> Realm {
        Realm::empty("1", 0, Row::new(Obj::new()), Row::new(Obj::new()))
    }

    #[test]
    fn indexes_follow_puts_and_survive_a_round_trip() {
        let mut r = realm();
        r.put(
            Kind::Vendor,
            row(2, "PG&E", true, "2020-01-01T00:00:00+00:00"),
        );
        r.put(
            Kind::Vendor,
            row(1, "Pam Seitz", true, "2020-01-02T00:00:00+00:00"),
        );
        r.put(
            Kind::Vendor,
            row(3, "Gone", false, "2020-01-03T00:00:00+00:00"),
        );
        let names: Vec<u64> = r.table(Kind::Vendor).iter_default().map(Row::id).collect();
        assert_eq!(names, vec![3, 2, 1]);
        assert_eq!(
            r.name_owner(Kind::Customer, "pg&e"),
            Some((Kind::Vendor, 2))
        );
        assert_eq!(r.name_owner(Kind::Vendor, "gone"), None);
        assert_eq!(r.alloc_id(IdSpace::Names), 4);

        let text = serde_json::to_string(&r).unwrap();
        let back: Realm = serde_json::from_str(&text).unwrap();
        let names: Vec<u64> = back
            .table(Kind::Vendor)
            .iter_default()
            .map(Row::id)
            .collect();
        assert_eq!(names, vec![3, 2, 1]);
        assert_eq!(
            back.name_owner(Kind::Employee, "PAM SEITZ"),
            Some((Kind::Vendor, 1))
        );
        let since: Vec<u64> = back
            .table(Kind::Vendor)
            .iter_updated_since(epoch_secs("2020-01-02T00:00:00+00:00"))
            .map(Row::id)
            .collect();
        assert_eq!(since, vec![1, 3]);
    }

    #[test]
    fn rename_moves_the_name_and_delete_leaves_a_tombstone() {
        let mut r = realm();
        r.put(Kind::Vendor, row(1, "A", true, "2020-01-01T00:00:00+00:00"));
        r.put(Kind::Vendor, row(1, "B", true, "2020-01-01T00:00:00+00:00"));
        assert_eq!(r.name_owner(Kind::Vendor, "A"), None);
        assert_eq!(r.name_owner(Kind::Vendor, "b"), Some((Kind::Vendor, 1)));
        let inv = Row::new(
            json!({"Id":"9","DocNumber":"1001"})
                .as_object()
                .unwrap()
                .clone(),
        );
        r.put(Kind::Invoice, inv);
        assert_eq!(r.doc_number_count(Kind::Invoice, "1001"), 1);
        r.delete(Kind::Invoice, 9, "2020-01-01T00:00:00+00:00".into());
        assert_eq!(r.doc_number_count(Kind::Invoice, "1001"), 0);
        assert_eq!(r.table(Kind::Invoice).tombstones().count(), 1);
    }
}
