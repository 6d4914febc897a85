//! The plan: what `hsqb plan` computes, renders and saves, and what `hsqb apply`
//! executes. Its JSON form (`format_version` 1) is a stable contract documented
//! by `schemas/plan.schema.json`, generated from these types.
//!
//! Architecture invariant: a plan is self-contained. Apply needs nothing but the
//! plan, the connections and the state store: every change carries the exact
//! payload to send, the record it targets, its preconditions and its
//! dependencies.

use crate::model::{ObjectKind, System, Value};
use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Current plan format version.
pub const FORMAT_VERSION: u32 = 1;

/// A complete plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Plan {
    /// Plan format version (`1`).
    pub format_version: u32,
    /// Version of hsqb that made the plan.
    pub hsqb_version: String,
    /// sha256 of the manifest file the plan was made from.
    pub manifest_hash: String,
    /// Identity of the connected systems (portal, realms), so a plan is never
    /// applied to other accounts.
    pub target: PlanTarget,
    /// The planner's clock (`--now`).
    pub now: DateTime<Utc>,
    /// `full` or `incremental`.
    pub refresh: RefreshMode,
    /// Counts per action.
    pub summary: Summary,
    /// The changes, in execution-compatible order.
    pub changes: Vec<Change>,
    /// Everything a human must know (skipped records and why, ambiguities, …).
    pub diagnostics: Vec<Diagnostic>,
    /// API calls apply will make and the time they take under the rate limits.
    pub estimate: Estimate,
    /// State the apply records once the changes succeed (two-way baselines of
    /// unchanged pairs, watermarks).
    pub state: StateUpdates,
    /// sha256 over the plan without this field; detects edited or truncated files.
    #[serde(default)]
    pub checksum: String,
}

/// The accounts a plan was made against.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PlanTarget {
    /// HubSpot base URL (no credentials).
    pub hubspot: String,
    /// QuickBooks companies: name → realm id.
    pub quickbooks: BTreeMap<String, String>,
}

/// How the snapshots were read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RefreshMode {
    /// Everything was read.
    Full,
    /// Only records changed since the last successful run (plus deletions).
    Incremental,
}

/// Counts shown in the last line of the plan.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Summary {
    /// Records to create.
    pub create: usize,
    /// Records to update.
    pub update: usize,
    /// Records to delete, archive or deactivate.
    pub delete: usize,
    /// Existing pairs to link.
    pub link: usize,
    /// HubSpot properties to create.
    pub ensure: usize,
    /// Associations to create.
    pub associate: usize,
    /// Records skipped by a policy, filter or error (see diagnostics).
    pub skipped: usize,
    /// Diagnostics with error severity (the plan cannot be applied when > 0
    /// and any is `blocking`).
    pub errors: usize,
    /// Diagnostics with warning severity.
    pub warnings: usize,
}

impl Summary {
    /// True when the plan writes nothing.
    pub fn is_empty(&self) -> bool {
        self.create + self.update + self.delete + self.link + self.ensure + self.associate == 0
    }
}

/// The sync block a change or diagnostic belongs to.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Block {
    /// Custom HubSpot properties hsqb needs.
    Properties,
    /// Contacts ⇄ customers.
    Contacts,
    /// Products ⇄ items.
    Products,
    /// Deals → QBO invoices.
    DealInvoices,
    /// QBO invoices → HubSpot invoices.
    Invoices,
}

impl Block {
    /// Name as written in the manifest.
    pub fn name(self) -> &'static str {
        match self {
            Block::Properties => "properties",
            Block::Contacts => "contacts",
            Block::Products => "products",
            Block::DealInvoices => "deal_invoices",
            Block::Invoices => "invoices",
        }
    }
}

/// What a change does.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Create a HubSpot property (or group) hsqb needs.
    Ensure,
    /// Adopt an existing pair: write only the link.
    Link,
    /// Create a record.
    Create,
    /// Update fields of a record.
    Update,
    /// Create associations between HubSpot records.
    Associate,
    /// HubSpot archive / QBO deactivate.
    Archive,
    /// Delete (QBO invoices) or void.
    Delete,
}

impl Action {
    /// The plan symbol: `+`, `~`, `-`, `<=`.
    pub fn symbol(self) -> &'static str {
        match self {
            Action::Ensure | Action::Create => "+",
            Action::Update | Action::Associate => "~",
            Action::Archive | Action::Delete => "-",
            Action::Link => "<=",
        }
    }

    /// Verb for summaries ("create", "update", …).
    pub fn verb(self) -> &'static str {
        match self {
            Action::Ensure => "ensure",
            Action::Link => "link",
            Action::Create => "create",
            Action::Update => "update",
            Action::Associate => "associate",
            Action::Archive => "archive",
            Action::Delete => "delete",
        }
    }
}

/// A reference to one record.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
pub struct RecordRef {
    /// System.
    pub system: System,
    /// Object kind.
    pub object: ObjectKind,
    /// QBO company name (QuickBooks records only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
    /// Record id.
    pub id: String,
}

/// One field's difference.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FieldChange {
    /// HubSpot property or QBO field path on the written side.
    pub field: String,
    /// Current value on the written side.
    pub before: Value,
    /// Value after apply.
    pub after: Value,
    /// Why this value wins (e.g. "changed in HubSpot since last sync").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A precondition apply re-checks before writing: the record must be unchanged
/// since planning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Precondition {
    /// The record.
    pub record: RecordRef,
    /// HubSpot `updatedAt` at plan time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<DateTime<Utc>>,
    /// QBO `SyncToken` at plan time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sync_token: Option<String>,
    /// The record must still not exist (creates): checked by natural key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub absent_key: Option<String>,
}

/// Exactly what apply sends for a change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Payload {
    /// HubSpot properties to write on `target` (create/update). For creates of
    /// linked records, `upsert_by` names the unique link property whose value in
    /// `properties` makes the write idempotent (batch upsert).
    Hubspot {
        /// Property values (wire strings; `""` clears).
        properties: BTreeMap<String, String>,
        /// Upsert key property, when the write is an idempotent upsert.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        upsert_by: Option<String>,
        /// Associations to create once the record exists (type id → target ids).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        associations: Vec<AssociationSpec>,
    },
    /// A QBO entity body (create or sparse update; `Id`/`SyncToken` are filled by
    /// apply from the target and preconditions).
    Quickbooks {
        /// The entity name (`Customer`, `Item`, `Invoice`).
        entity: String,
        /// JSON body fields (exact decimals).
        #[schemars(with = "serde_json::Value")]
        body: serde_json::Map<String, serde_json::Value>,
        /// Natural key used for the read-before-retry guard of creates
        /// (`DisplayName = '…'`, `DocNumber = '…'`, `PrivateNote LIKE …`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        natural_key: Option<NaturalKey>,
    },
    /// Write the link: set the HubSpot link property of `target` to the QBO Id
    /// of `source` (known at plan time for `link`, or produced by the change
    /// named in `from_change` for creates).
    Link {
        /// Link property.
        property: String,
        /// QBO Id, when known at plan time.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        qbo_id: Option<String>,
    },
    /// Create a HubSpot property.
    Property {
        /// Object type path name (`contacts`, …).
        object: String,
        /// Definition.
        definition: PropertyDefinition,
    },
    /// Create associations.
    Associations {
        /// Associations to create.
        items: Vec<AssociationSpec>,
    },
    /// Archive (HubSpot) / deactivate (QBO) / delete or void (QBO invoice).
    Remove {
        /// `archive`, `deactivate`, `delete` or `void`.
        operation: String,
    },
}

/// A natural key to look a QBO record up by (read-before-retry).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct NaturalKey {
    /// Queryable field (`DisplayName`, `Name`, `DocNumber`, `PrivateNote`).
    pub field: String,
    /// Exact value.
    pub value: String,
}

/// One association to create.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
pub struct AssociationSpec {
    /// From object path name (`invoices`).
    pub from_object: String,
    /// From record id (`None` = the record this change creates).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_id: Option<String>,
    /// To object path name (`contacts`).
    pub to_object: String,
    /// To record id.
    pub to_id: String,
    /// HUBSPOT_DEFINED association type id.
    pub type_id: u32,
}

/// A HubSpot property definition hsqb creates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PropertyDefinition {
    /// Internal name.
    pub name: String,
    /// Label.
    pub label: String,
    /// `type`.
    #[serde(rename = "type")]
    pub type_: String,
    /// `fieldType`.
    pub field_type: String,
    /// Group.
    pub group_name: String,
    /// Unique values.
    pub has_unique_value: bool,
    /// Enumeration options (value = label).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    /// Description.
    #[serde(default)]
    pub description: String,
}

/// One planned write.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Change {
    /// Stable id within the plan (`contacts/create/quickbooks/hs:1001`); also
    /// the seed of the QBO `requestid`.
    pub id: String,
    /// Sync block.
    pub block: Block,
    /// Action.
    pub action: Action,
    /// The record written (its id is absent for creates).
    pub system: System,
    /// Object kind written.
    pub object: ObjectKind,
    /// QBO company (QuickBooks writes only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
    /// Id of the record written (`None` for creates).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_id: Option<String>,
    /// The record on the other side this change comes from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<RecordRef>,
    /// Human label ("Jane Doe <jane@example.com>").
    pub label: String,
    /// The match key that paired the records, if any (`email=jane@example.com`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub match_key: Option<String>,
    /// Field-level diff (shown in the plan).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldChange>,
    /// Preconditions re-checked by apply.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub preconditions: Vec<Precondition>,
    /// Why.
    pub reason: String,
    /// What to send.
    pub payload: Payload,
    /// Changes that must succeed first (their results feed this one).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
    /// After a QBO create: write the new Id into this HubSpot record's link
    /// property (object path name, record id, property).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_back: Option<LinkBack>,
    /// Two-way baseline to record for the pair once this change succeeds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineEntry>,
    /// Values only known once an earlier change of this plan has created its
    /// record (the new QBO Id, an invoice's `DocNumber`): filled in by apply.
    /// The plan shows them as "(known after apply)".
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fills: Vec<Fill>,
}

/// One value apply takes from a record created earlier in the same apply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Fill {
    /// The change whose created record supplies the value (must be in `depends_on`).
    pub from_change: String,
    /// Path in the created record: a QBO field path (`Id`, `DocNumber`,
    /// `TotalAmt`) or `id` for a created HubSpot record.
    pub source: String,
    /// Where the value goes: a HubSpot property, a QBO body field path, or
    /// `target_id` (the id of the record this change writes).
    pub target: String,
    /// Type the value is converted to (HubSpot wire form for HubSpot targets).
    pub value_type: crate::model::ValueType,
}

/// The text shown for values filled in by apply.
pub const KNOWN_AFTER_APPLY: &str = "(known after apply)";

/// Where to write a newly created QBO record's Id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct LinkBack {
    /// HubSpot object path name.
    pub object: String,
    /// HubSpot record id.
    pub id: String,
    /// Link property.
    pub property: String,
}

/// The values both sides agree on after a sync, per mapped field (HubSpot wire
/// form), used for three-way diffs of two-way blocks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct BaselineEntry {
    /// Block.
    pub block: Block,
    /// HubSpot record id (`None` until a create assigns it).
    #[serde(default)]
    pub hubspot_id: Option<String>,
    /// QBO record id (`None` until a create assigns it).
    #[serde(default)]
    pub qbo_id: Option<String>,
    /// Field (HubSpot property) → agreed value.
    pub values: BTreeMap<String, String>,
}

/// Severity of a diagnostic.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth knowing.
    Info,
    /// Something was skipped or looks wrong.
    Warning,
    /// A record cannot be synced, or (when `blocking`) the plan cannot be applied.
    Error,
}

/// Something a human must know about the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Diagnostic {
    /// Severity.
    pub severity: Severity,
    /// Stable machine code (`ambiguous_match`, `display_name_collision`, …).
    pub code: String,
    /// Block.
    pub block: Block,
    /// Record concerned, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<RecordRef>,
    /// Human label of the record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// What happened.
    pub message: String,
    /// How to fix it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// The whole plan is refused (e.g. a safety guard tripped).
    #[serde(default)]
    pub blocking: bool,
}

/// API calls and time apply will need.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Estimate {
    /// Calls per endpoint (`hubspot POST /crm/v3/objects/contacts/batch/upsert`).
    pub calls: BTreeMap<String, u64>,
    /// Total calls.
    pub total_calls: u64,
    /// Seconds under the configured rate limits (the slowest system bounds it).
    pub seconds: f64,
    /// Which limit bounds the estimate.
    pub bound_by: String,
}

/// State apply records after success.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct StateUpdates {
    /// Baselines of pairs that need no change but have none recorded yet.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub baselines: Vec<BaselineEntry>,
    /// Baselines to forget (pairs that no longer exist).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub forget: Vec<String>,
    /// New watermarks (source → instant) valid once every change succeeded.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub watermarks: BTreeMap<String, DateTime<Utc>>,
}
