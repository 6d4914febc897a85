//! What the planner reads: snapshots of both systems (full or incremental),
//! the state it needs (two-way baselines), and its options (`now`, targets).

use super::model::{BaselineEntry, Block, PlanTarget, RefreshMode};
use crate::model::{Association, HsPropertyDef, HsRecord, QboDeleted, QboRecord};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// Records of one HubSpot object type.
#[derive(Debug, Clone, Default)]
pub struct HsObjectSet {
    /// Records read: active ones and, when read, archived ones (`archived: true`).
    pub records: Vec<HsRecord>,
    /// True when every record of the type was read (full refresh); false when
    /// only changed records (and their counterparts) were.
    pub complete: bool,
    /// Ids of records read only as context for other blocks (an incremental
    /// refresh's record block must not plan them: their counterparts were not
    /// read, so a "create" could duplicate).
    pub context: std::collections::BTreeSet<String>,
}

/// A snapshot of the HubSpot portal.
#[derive(Debug, Clone, Default)]
pub struct HubSpotSnapshot {
    /// The portal's company currency (`companyCurrency`).
    pub currency: Option<String>,
    /// Property definitions per object path name (`contacts`, …).
    pub properties: BTreeMap<String, Vec<HsPropertyDef>>,
    /// Records per object path name.
    pub objects: BTreeMap<String, HsObjectSet>,
    /// Associations per (from object, to object) path names.
    pub associations: BTreeMap<(String, String), Vec<Association>>,
}

impl HubSpotSnapshot {
    /// Records of an object type (empty when not read).
    pub fn records(&self, object: &str) -> &[HsRecord] {
        self.objects
            .get(object)
            .map(|s| s.records.as_slice())
            .unwrap_or(&[])
    }

    /// Whether the object type was read completely.
    pub fn complete(&self, object: &str) -> bool {
        self.objects.get(object).is_some_and(|s| s.complete)
    }

    /// A property definition, when known.
    pub fn property(&self, object: &str, name: &str) -> Option<&HsPropertyDef> {
        self.properties.get(object)?.iter().find(|p| p.name == name)
    }

    /// Ids of `to` records associated with `from` record `id`, in numeric order.
    pub fn associated(&self, from: &str, id: &str, to: &str) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        if let Some(list) = self.associations.get(&(from.to_string(), to.to_string())) {
            out.extend(
                list.iter()
                    .filter(|a| a.from_id == id)
                    .map(|a| a.to_id.as_str()),
            );
        }
        if let Some(list) = self.associations.get(&(to.to_string(), from.to_string())) {
            out.extend(
                list.iter()
                    .filter(|a| a.to_id == id)
                    .map(|a| a.from_id.as_str()),
            );
        }
        out.sort_by(|a, b| (a.len(), *a).cmp(&(b.len(), *b)));
        out.dedup();
        out
    }

    /// A record by id.
    pub fn record(&self, object: &str, id: &str) -> Option<&HsRecord> {
        self.records(object).iter().find(|r| r.id == id)
    }

    /// Whether property definitions of `object` were read.
    pub fn knows_properties(&self, object: &str) -> bool {
        self.properties.contains_key(object)
    }
}

/// Records of one QBO entity.
#[derive(Debug, Clone, Default)]
pub struct QboEntitySet {
    /// Active and inactive records read.
    pub records: Vec<QboRecord>,
    /// True when every record of the entity was read.
    pub complete: bool,
    /// Ids read only as context (see [`HsObjectSet::context`]).
    pub context: std::collections::BTreeSet<String>,
}

/// The few QBO preferences and company facts the planner needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QboCompanyFacts {
    /// `SalesFormsPrefs.CustomTxnNumbers`.
    pub custom_txn_numbers: bool,
    /// `CurrencyPrefs.HomeCurrency`.
    pub home_currency: String,
    /// `CurrencyPrefs.MultiCurrencyEnabled`.
    pub multicurrency: bool,
    /// `CompanyInfo.Country` (ISO code or name as QBO returns it).
    pub country: String,
}

impl Default for QboCompanyFacts {
    fn default() -> Self {
        QboCompanyFacts {
            custom_txn_numbers: false,
            home_currency: "USD".into(),
            multicurrency: false,
            country: "US".into(),
        }
    }
}

impl QboCompanyFacts {
    /// US companies compute sales tax themselves; others need tax codes per line.
    pub fn is_us(&self) -> bool {
        matches!(
            self.country.trim().to_ascii_uppercase().as_str(),
            "US" | "USA" | "UNITED STATES"
        )
    }
}

/// A snapshot of one QuickBooks company.
#[derive(Debug, Clone, Default)]
pub struct QboSnapshot {
    /// Realm id.
    pub realm_id: String,
    /// Records per entity name (`Customer`, `Item`, `Invoice`, `Vendor`,
    /// `Employee`, `Term`, `TaxCode`, `Account`, `Payment`).
    pub entities: BTreeMap<String, QboEntitySet>,
    /// Deletions seen by change data capture.
    pub deleted: Vec<QboDeleted>,
    /// Preferences and company info.
    pub facts: QboCompanyFacts,
}

impl QboSnapshot {
    /// Records of an entity (empty when not read).
    pub fn records(&self, entity: &str) -> &[QboRecord] {
        self.entities
            .get(entity)
            .map(|s| s.records.as_slice())
            .unwrap_or(&[])
    }

    /// Whether the entity was read completely.
    pub fn complete(&self, entity: &str) -> bool {
        self.entities.get(entity).is_some_and(|s| s.complete)
    }

    /// Whether a record of `entity` with `id` was seen deleted.
    pub fn is_deleted(&self, entity: &str, id: &str) -> bool {
        self.deleted
            .iter()
            .any(|d| d.entity == entity && d.id == id)
    }
}

/// The (HubSpot object, QuickBooks entity) pairs whose pairs can carry
/// two-way baselines: the record blocks.
const BASELINED: [(&str, &str); 2] = [("contacts", "Customer"), ("products", "Item")];

/// Whether planning these snapshots can consult a two-way baseline: some
/// record of a record block (or a QuickBooks deletion of one) was read. When
/// not, as in an incremental run that found no change, the planner needs no
/// baselines and the caller need not load them (100k pairs are tens of MB).
pub fn baselines_needed(hs: &HubSpotSnapshot, qbo: &BTreeMap<String, QboSnapshot>) -> bool {
    BASELINED.iter().any(|(object, entity)| {
        !hs.records(object).is_empty()
            || hs.complete(object)
            || qbo.values().any(|q| {
                !q.records(entity).is_empty()
                    || q.complete(entity)
                    || q.deleted.iter().any(|d| d.entity == *entity)
            })
    })
}

/// The state the planner reads.
#[derive(Debug, Clone, Default)]
pub struct StateView {
    /// Two-way baselines keyed by [`baseline_key`].
    pub baselines: BTreeMap<String, BaselineEntry>,
}

/// Key of a pair's baseline: block and the two ids.
pub fn baseline_key(block: Block, hubspot_id: &str, qbo_id: &str) -> String {
    format!("{}:{hubspot_id}:{qbo_id}", block.name())
}

/// Everything besides data that shapes a plan.
#[derive(Debug, Clone)]
pub struct PlanOptions {
    /// The planner's clock.
    pub now: DateTime<Utc>,
    /// How the snapshots were read.
    pub refresh: RefreshMode,
    /// Only these blocks (empty = all enabled blocks).
    pub targets: Vec<Block>,
    /// sha256 of the manifest file.
    pub manifest_hash: String,
    /// Identity of the connected accounts.
    pub target: PlanTarget,
    /// Watermarks to record when the plan is applied.
    pub watermarks: BTreeMap<String, DateTime<Utc>>,
    /// Rate limits for the estimate.
    pub limits: EstimateLimits,
}

/// Rate limits used for the duration estimate.
#[derive(Debug, Clone, PartialEq)]
pub struct EstimateLimits {
    /// HubSpot requests per 10 seconds.
    pub hubspot_per_10s: u32,
    /// QBO requests per minute.
    pub qbo_per_minute: u32,
    /// QBO batch requests per minute.
    pub qbo_batch_per_minute: u32,
}

impl Default for EstimateLimits {
    fn default() -> Self {
        EstimateLimits {
            hubspot_per_10s: 190,
            qbo_per_minute: 500,
            qbo_batch_per_minute: 40,
        }
    }
}

/// Everything the planner reads.
#[derive(Debug, Clone, Copy)]
pub struct PlanInput<'a> {
    /// The manifest.
    pub manifest: &'a crate::manifest::Manifest,
    /// HubSpot snapshot.
    pub hubspot: &'a HubSpotSnapshot,
    /// QBO snapshots per company name.
    pub quickbooks: &'a BTreeMap<String, QboSnapshot>,
    /// State.
    pub state: &'a StateView,
    /// Options.
    pub options: &'a PlanOptions,
}
