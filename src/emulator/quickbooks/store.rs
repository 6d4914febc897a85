//! One company (realm): its tables, singletons, Id sequences, the unique-name
//! index of active name-list entities, and the `requestid` replay cache.

use super::kind::{IdSpace, Kind};
use super::table::{Row, Table, Tombstone, fold};
use super::value::get_str;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, VecDeque};

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

fn name_space(kind: Kind) -> Option<NameSpace> {
    Some(match kind {
        Kind::Customer | Kind::Vendor | Kind::Employee => NameSpace::People,
        Kind::Item => NameSpace::Item,
        Kind::Account => NameSpace::Account,
        Kind::Term => NameSpace::Term,
        _ => return None,
    })
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
    #[serde(default)]
    pseudo_tax_codes: Vec<Row>,
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
    /// The US pseudo tax codes `TAX` and `NON` (non-numeric Ids, read-only).
    pub pseudo_tax_codes: Vec<Row>,
    /// (namespace, case-folded name) → owner, for active name-list rows.
    #[serde(skip)]
    names: HashMap<(NameSpace, String), (Kind, u64)>,
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
            pseudo_tax_codes: r.pseudo_tax_codes,
            names: HashMap::new(),
        };
        for kind in Kind::ALL {
            realm.tables.insert(kind, Table::new(kind));
        }
        for (kind, table) in r.tables {
            realm.tables.insert(kind, table);
            let ids: Vec<u64> = realm.table(kind).ids().collect();
            for id in ids {
                realm.index_add(kind, id);
            }
        }
        realm
    }
}

impl Realm {
    /// An empty company (no rows).
    pub fn empty(id: &str, utc_offset: i32, preferences: Row, company_info: Row) -> Self {
        let mut tables = BTreeMap::new();
        // Singleton kinds get an (always empty) table too, so `table` never fails.
        for kind in Kind::ALL {
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
            pseudo_tax_codes: Vec::new(),
            names: HashMap::new(),
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

    /// A row by kind and Id (parsed).
    pub fn get(&self, kind: Kind, id: u64) -> Option<Row> {
        self.table(kind).get(id)
    }

    /// The unique-name key of a stored row: its sort key (FullyQualifiedName,
    /// DisplayName or Name) when it is an active name-list row.
    fn name_key(&self, kind: Kind, id: u64) -> Option<(NameSpace, String)> {
        let ns = name_space(kind)?;
        let s = self.table(kind).stored(id)?;
        s.active().then(|| (ns, fold(s.sort_key())))
    }

    fn index_add(&mut self, kind: Kind, id: u64) {
        if let Some(k) = self.name_key(kind, id) {
            self.names.insert(k, (kind, id));
        }
    }

    fn index_remove(&mut self, kind: Kind, id: u64) {
        if let Some(k) = self.name_key(kind, id)
            && self.names.get(&k) == Some(&(kind, id))
        {
            self.names.remove(&k);
        }
    }

    /// Insert or replace a row (all writes go through here to keep indexes right).
    pub fn put(&mut self, kind: Kind, row: Row) {
        let id = row.id();
        self.index_remove(kind, id);
        let next = self.next_ids.entry(kind.id_space()).or_insert(1);
        if *next <= id {
            *next = id + 1;
        }
        self.table_mut(kind).put(&row);
        self.index_add(kind, id);
    }

    /// Delete a transaction, leaving a CDC tombstone.
    pub fn delete(&mut self, kind: Kind, id: u64, deleted: String) -> Option<Row> {
        self.index_remove(kind, id);
        self.table_mut(kind).remove(id, Some(Tombstone { deleted }))
    }

    /// Remove every row (and tombstone) of `kind`; Id sequences continue.
    pub fn clear(&mut self, kind: Kind) {
        let ids: Vec<u64> = self.table(kind).ids().collect();
        for id in ids {
            self.index_remove(kind, id);
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
        let ns = name_space(kind)?;
        self.names.get(&(ns, fold(name))).copied()
    }

    /// How many rows of `kind` carry exactly `doc` as DocNumber.
    pub fn doc_number_count(&self, kind: Kind, doc: &str) -> usize {
        let t = self.table(kind);
        t.ids_by_key(doc)
            .iter()
            .filter_map(|id| t.get(*id))
            .filter(|r| get_str(&r.obj, "DocNumber") == Some(doc))
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emulator::quickbooks::value::Obj;
    use serde_json::json;

    fn row(id: u64, name: &str, active: bool) -> Row {
        let v = json!({"Id": id.to_string(), "DisplayName": name, "Active": active,
            "MetaData": {"CreateTime": "2020-01-01T00:00:00+00:00", "LastUpdatedTime": "2020-01-01T00:00:00+00:00"}});
        Row::new(v.as_object().unwrap().clone())
    }

    fn realm() -> Realm {
        Realm::empty("1", 0, Row::new(Obj::new()), Row::new(Obj::new()))
    }

    #[test]
    fn unique_names_track_active_rows_and_survive_a_round_trip() {
        let mut r = realm();
        r.put(Kind::Vendor, row(2, "PG&E", true));
        r.put(Kind::Employee, row(1, "Pam Seitz", true));
        r.put(Kind::Vendor, row(3, "Gone", false));
        assert_eq!(
            r.name_owner(Kind::Customer, "pg&e"),
            Some((Kind::Vendor, 2))
        );
        assert_eq!(r.name_owner(Kind::Vendor, "gone"), None);
        assert_eq!(r.alloc_id(IdSpace::Names), 4);
        r.put(Kind::Vendor, row(2, "PG and E", true));
        assert_eq!(r.name_owner(Kind::Vendor, "PG&E"), None, "renamed away");

        let text = serde_json::to_string(&r).unwrap();
        let back: Realm = serde_json::from_str(&text).unwrap();
        assert_eq!(
            back.name_owner(Kind::Customer, "PAM SEITZ"),
            Some((Kind::Employee, 1))
        );
        assert_eq!(
            back.name_owner(Kind::Customer, "pg and e"),
            Some((Kind::Vendor, 2))
        );
        assert_eq!(
            back.get(Kind::Vendor, 3).unwrap().obj["DisplayName"],
            "Gone"
        );
    }

    #[test]
    fn doc_numbers_and_tombstones() {
        let mut r = realm();
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
        assert!(r.get(Kind::Invoice, 9).is_none());
    }
}
