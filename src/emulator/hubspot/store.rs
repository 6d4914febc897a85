//! The portal's data: account settings, records per object type (ordered by
//! id, with indexes for unique-valued properties), the property schema and the
//! association graph. Persisted as one JSON document; indexes are rebuilt on
//! load.

use super::assoc::{Assocs, Edge};
use super::catalog;
use super::kinds::ObjectKind;
use super::props::{Derived, PropertyDef, PropertyGroup};
use super::runtime::Runtime;
use super::values::{iso_millis, parse_instant, parse_number};
use crate::emulator::{Clock, EmulatorConfig, StateVersion};
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

/// Default portal (hub) id of the emulated account.
pub const DEFAULT_PORTAL_ID: u64 = 24_681_357;
/// First record id handed out (ids come from one portal-wide counter).
pub const FIRST_RECORD_ID: u64 = 10_001;
const STATE_VERSION: u32 = 1;

/// Account settings served by `GET /account-info/v3/details`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    /// Portal (hub) id.
    pub portal_id: u64,
    /// Time zone id.
    pub time_zone: String,
    /// Company currency (ISO code).
    pub company_currency: String,
    /// Other enabled currencies.
    pub additional_currencies: Vec<String>,
    /// Offset of the time zone from UTC, in milliseconds.
    pub utc_offset_milliseconds: i64,
    /// UI domain.
    pub ui_domain: String,
    /// Data hosting location.
    pub data_hosting_location: String,
}

impl Default for Account {
    fn default() -> Self {
        Account {
            portal_id: DEFAULT_PORTAL_ID,
            time_zone: "US/Eastern".into(),
            company_currency: "USD".into(),
            additional_currencies: Vec::new(),
            utc_offset_milliseconds: -5 * 3_600_000,
            ui_domain: "app.hubspot.com".into(),
            data_hosting_location: "na1".into(),
        }
    }
}

impl Account {
    /// Every currency the portal accepts (company currency first).
    pub fn currencies(&self) -> Vec<String> {
        let mut v = vec![self.company_currency.clone()];
        for c in &self.additional_currencies {
            if !v.contains(c) {
                v.push(c.clone());
            }
        }
        v
    }

    /// `"-05:00"`-style offset.
    pub fn utc_offset(&self) -> String {
        let ms = self.utc_offset_milliseconds;
        let sign = if ms < 0 { '-' } else { '+' };
        let mins = ms.unsigned_abs() / 60_000;
        format!("{sign}{:02}:{:02}", mins / 60, mins % 60)
    }
}

/// One stored record. Values are stored in their wire form; calculated
/// properties (id, timestamps, amounts) are derived when read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// Property values (no empty strings: clearing removes the value).
    #[serde(rename = "p")]
    pub props: BTreeMap<String, String>,
    /// Creation time, epoch ms (data clock).
    #[serde(rename = "c")]
    pub created: i64,
    /// Last modification time, epoch ms (data clock).
    #[serde(rename = "u")]
    pub updated: i64,
    /// Archive time when archived.
    #[serde(rename = "a", default, skip_serializing_if = "Option::is_none")]
    pub archived: Option<i64>,
}

/// The records of one object type plus its unique-value indexes.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct Table {
    /// Records by id.
    pub records: BTreeMap<u64, Record>,
    /// property → index key → id, for live (unarchived) records only.
    #[serde(skip)]
    pub unique: BTreeMap<String, HashMap<String, u64>>,
}

/// All persisted data of the emulated HubSpot portal.
#[derive(Debug)]
pub struct HsState {
    pub(crate) account: Account,
    pub(crate) next_id: u64,
    pub(crate) tables: BTreeMap<ObjectKind, Table>,
    pub(crate) props: BTreeMap<ObjectKind, BTreeMap<String, PropertyDef>>,
    pub(crate) groups: BTreeMap<ObjectKind, BTreeMap<String, PropertyGroup>>,
    pub(crate) assocs: Assocs,
    /// Rate windows and issued OAuth tokens: process-lifetime only.
    pub(crate) runtime: Runtime,
}

#[derive(Serialize)]
struct PersistRef<'a> {
    version: StateVersion,
    account: &'a Account,
    next_id: u64,
    objects: &'a BTreeMap<ObjectKind, Table>,
    properties: &'a BTreeMap<ObjectKind, BTreeMap<String, PropertyDef>>,
    groups: &'a BTreeMap<ObjectKind, BTreeMap<String, PropertyGroup>>,
    associations: Vec<Edge>,
}

#[derive(Deserialize)]
struct Persisted {
    version: StateVersion,
    account: Account,
    next_id: u64,
    objects: BTreeMap<ObjectKind, Table>,
    properties: BTreeMap<ObjectKind, BTreeMap<String, PropertyDef>>,
    groups: BTreeMap<ObjectKind, BTreeMap<String, PropertyGroup>>,
    associations: Vec<Edge>,
}

impl Serialize for HsState {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        PersistRef {
            version: StateVersion(STATE_VERSION),
            account: &self.account,
            next_id: self.next_id,
            objects: &self.tables,
            properties: &self.props,
            groups: &self.groups,
            associations: self.assocs.edges(),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for HsState {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let p = Persisted::deserialize(d)?;
        if p.version.0 != STATE_VERSION {
            return Err(serde::de::Error::custom(format!(
                "unsupported HubSpot state version {} (expected {STATE_VERSION})",
                p.version.0
            )));
        }
        let mut st = HsState {
            account: p.account,
            next_id: p.next_id,
            tables: p.objects,
            props: p.properties,
            groups: p.groups,
            assocs: Assocs::from_edges(p.associations),
            runtime: Runtime::default(),
        };
        for k in ObjectKind::ALL {
            st.tables.entry(k).or_default();
            st.props.entry(k).or_default();
            st.groups.entry(k).or_default();
            st.rebuild_unique(k);
        }
        Ok(st)
    }
}

impl HsState {
    /// A fresh default portal: HubSpot-defined property catalog, default
    /// pipeline, company currency USD, no records.
    pub fn new(_config: &EmulatorConfig, clock: &Clock) -> Self {
        let now = clock.now().timestamp_millis();
        let mut st = HsState {
            account: Account::default(),
            next_id: FIRST_RECORD_ID,
            tables: BTreeMap::new(),
            props: BTreeMap::new(),
            groups: BTreeMap::new(),
            assocs: Assocs::default(),
            runtime: Runtime::default(),
        };
        for k in ObjectKind::ALL {
            let (g, label) = k.default_group();
            st.groups.entry(k).or_default().insert(
                g.into(),
                PropertyGroup {
                    name: g.into(),
                    label: label.into(),
                    display_order: -1,
                    archived: false,
                },
            );
            st.props.insert(
                k,
                catalog::default_properties(k, now)
                    .into_iter()
                    .map(|p| (p.name.clone(), p))
                    .collect(),
            );
            st.tables.insert(k, Table::default());
            st.rebuild_unique(k);
        }
        st
    }

    /// The account settings.
    pub fn account(&self) -> &Account {
        &self.account
    }

    pub(crate) fn table(&self, kind: ObjectKind) -> &Table {
        // Every kind gets a table in `new` and on load.
        &self.tables[&kind]
    }

    pub(crate) fn table_mut(&mut self, kind: ObjectKind) -> &mut Table {
        self.tables.entry(kind).or_default()
    }

    /// A live (not archived) property definition.
    pub(crate) fn prop_def(&self, kind: ObjectKind, name: &str) -> Option<&PropertyDef> {
        self.props
            .get(&kind)
            .and_then(|m| m.get(name))
            .filter(|d| d.archived_at.is_none())
    }

    /// Names of the properties whose values must be unique: contacts' email
    /// plus every live `hasUniqueValue` property.
    pub(crate) fn unique_props(&self, kind: ObjectKind) -> Vec<String> {
        let mut v: Vec<String> = self
            .props
            .get(&kind)
            .map(|m| {
                m.values()
                    .filter(|d| d.has_unique_value && d.archived_at.is_none())
                    .map(|d| d.name.clone())
                    .collect()
            })
            .unwrap_or_default();
        if kind == ObjectKind::Contacts && !v.iter().any(|n| n == "email") {
            v.push("email".into());
        }
        v
    }

    /// Whether `name` can address records (`idProperty`).
    pub(crate) fn is_id_property(&self, kind: ObjectKind, name: &str) -> bool {
        name == "hs_object_id" || self.unique_props(kind).iter().any(|p| p == name)
    }

    /// Index key of a unique value (emails compare case-insensitively).
    pub(crate) fn unique_key(kind: ObjectKind, prop: &str, value: &str) -> String {
        if kind == ObjectKind::Contacts && prop == "email" {
            value.to_lowercase()
        } else {
            value.to_string()
        }
    }

    pub(crate) fn rebuild_unique(&mut self, kind: ObjectKind) {
        let props = self.unique_props(kind);
        let table = self.table_mut(kind);
        let mut idx: BTreeMap<String, HashMap<String, u64>> = BTreeMap::new();
        for p in &props {
            let m = idx.entry(p.clone()).or_default();
            for (id, r) in &table.records {
                if r.archived.is_none()
                    && let Some(v) = r.props.get(p)
                {
                    m.insert(HsState::unique_key(kind, p, v), *id);
                }
            }
        }
        table.unique = idx;
    }

    /// Resolve a record address: an id, or a unique value when `id_property`
    /// names a unique property. `Err` when `id_property` is not unique.
    pub(crate) fn resolve(
        &self,
        kind: ObjectKind,
        key: &str,
        id_property: Option<&str>,
    ) -> Result<Option<u64>, super::errors::HsError> {
        match id_property {
            None | Some("hs_object_id") => Ok(key.parse::<u64>().ok()),
            Some(p) => {
                if !self.is_id_property(kind, p) {
                    return Err(super::errors::HsError::validation(format!(
                        "Property '{p}' can't be used as idProperty: it is not a unique identifier property of {}",
                        kind.name()
                    )));
                }
                Ok(self
                    .table(kind)
                    .unique
                    .get(p)
                    .and_then(|m| m.get(&HsState::unique_key(kind, p, key)))
                    .copied())
            }
        }
    }

    /// A live record.
    pub(crate) fn live(&self, kind: ObjectKind, id: u64) -> Option<&Record> {
        self.table(kind)
            .records
            .get(&id)
            .filter(|r| r.archived.is_none())
    }

    /// The value of property `def` on a record, derived ones included.
    pub(crate) fn value<'a>(
        &self,
        kind: ObjectKind,
        id: u64,
        rec: &'a Record,
        def: &PropertyDef,
    ) -> Option<Cow<'a, str>> {
        let Some(how) = def.derived else {
            return rec.props.get(&def.name).map(|s| Cow::Borrowed(s.as_str()));
        };
        let s = match how {
            Derived::ObjectId => id.to_string(),
            Derived::CreatedAt => iso_millis(rec.created),
            Derived::UpdatedAt => iso_millis(rec.updated),
            Derived::LineItemAmount => line_amount(rec)?.to_string(),
            Derived::QuoteAmount | Derived::InvoiceBilled => {
                self.line_item_total((kind, id)).to_string()
            }
            Derived::InvoiceBalance => {
                match rec.props.get("hs_invoice_status").map(String::as_str) {
                    Some("paid") | Some("voided") => "0".to_string(),
                    _ => self.line_item_total((kind, id)).to_string(),
                }
            }
            Derived::DealIsClosed => {
                let st = rec.props.get("dealstage").map(String::as_str);
                (st == Some("closedwon") || st == Some("closedlost")).to_string()
            }
            Derived::DealIsClosedWon => {
                (rec.props.get("dealstage").map(String::as_str) == Some("closedwon")).to_string()
            }
        };
        Some(Cow::Owned(s))
    }

    /// The value of a date/datetime property as epoch ms.
    pub(crate) fn instant(&self, rec: &Record, def: &PropertyDef) -> Option<i64> {
        match def.derived {
            Some(Derived::CreatedAt) => Some(rec.created),
            Some(Derived::UpdatedAt) => Some(rec.updated),
            _ => rec.props.get(&def.name).and_then(|v| parse_instant(v)),
        }
    }

    fn line_item_total(&self, from: (ObjectKind, u64)) -> Decimal {
        self.assocs
            .neighbors(from, ObjectKind::LineItems)
            .filter_map(|(li, _)| self.live(ObjectKind::LineItems, li))
            .filter_map(line_amount)
            .sum()
    }

    /// The properties a read returns: the object's default set plus the live
    /// requested ones (unknown names are silently dropped), sorted by name.
    pub(crate) fn selection(&self, kind: ObjectKind, requested: &[String]) -> Vec<&PropertyDef> {
        let mut names: Vec<&str> = if requested.is_empty() {
            kind.default_props().to_vec()
        } else {
            let mut v: Vec<&str> = requested.iter().map(String::as_str).collect();
            v.extend(kind.default_props());
            v
        };
        names.sort_unstable();
        names.dedup();
        names
            .into_iter()
            .filter_map(|n| self.prop_def(kind, n))
            .collect()
    }

    /// The `SimplePublicObject` wire form.
    pub(crate) fn render(
        &self,
        kind: ObjectKind,
        id: u64,
        rec: &Record,
        sel: &[&PropertyDef],
    ) -> Map<String, Value> {
        let mut props = Map::new();
        for d in sel {
            let v = self
                .value(kind, id, rec, d)
                .map(|v| Value::String(v.into_owned()))
                .unwrap_or(Value::Null);
            props.insert(d.name.clone(), v);
        }
        let mut m = Map::new();
        m.insert("id".into(), id.to_string().into());
        m.insert("properties".into(), Value::Object(props));
        m.insert("createdAt".into(), iso_millis(rec.created).into());
        m.insert("updatedAt".into(), iso_millis(rec.updated).into());
        m.insert("archived".into(), rec.archived.is_some().into());
        if let Some(a) = rec.archived {
            m.insert("archivedAt".into(), iso_millis(a).into());
        }
        m
    }
}

/// A line item's `price × quantity` (quantity defaults to 1).
pub(crate) fn line_amount(rec: &Record) -> Option<Decimal> {
    let price = parse_number(rec.props.get("price")?)?;
    let qty = match rec.props.get("quantity") {
        Some(q) => parse_number(q)?,
        None => Decimal::ONE,
    };
    price.checked_mul(qty)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_offset_formats() {
        let mut a = Account::default();
        assert_eq!(a.utc_offset(), "-05:00");
        a.utc_offset_milliseconds = 5 * 3_600_000 + 30 * 60_000;
        assert_eq!(a.utc_offset(), "+05:30");
        a.additional_currencies = vec!["EUR".into(), "USD".into()];
        assert_eq!(a.currencies(), vec!["USD", "EUR"]);
    }
}
