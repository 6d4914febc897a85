//! The serde model of `hsqb.yaml`, version 1.
//!
//! Every struct denies unknown keys (typos are errors with a "did you mean"
//! hint). Strings that may contain `${ENV}` references are [`Str`]; secrets are
//! [`SecretStr`], which must come from the environment. Defaults are documented
//! on each field and in `docs/manifest.md`.

use super::scalar::{DurationStr, Scalar, SecretStr, Str};
use crate::model::ValueType;
use indexmap::IndexMap;
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::Deserialize;

/// An hsqb manifest (`hsqb.yaml`): what to keep in sync between HubSpot and
/// QuickBooks Online. Reference: `docs/manifest.md`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Manifest format version. Must be `1`.
    #[schemars(extend("const" = 1))]
    pub version: u32,
    /// The HubSpot connection. Optional only with `sandbox`.
    #[serde(default)]
    pub hubspot: Option<HubSpotConnection>,
    /// QuickBooks Online companies by name (the names are used by `sync.*.quickbooks`
    /// and `attach[].quickbooks`). Optional only with `sandbox`.
    #[serde(default)]
    pub quickbooks: IndexMap<String, QboConnection>,
    /// Serve both connections from the built-in emulator (no accounts needed).
    #[serde(default)]
    pub sandbox: Option<Sandbox>,
    /// What flows where.
    #[serde(default)]
    pub sync: SyncBlocks,
    /// Existing QuickBooks invoices to show in HubSpot, attached to records.
    #[serde(default)]
    pub attach: Vec<AttachEntry>,
    /// Custom HubSpot properties hsqb creates when missing (shown as plan lines).
    #[serde(default)]
    pub properties: Vec<PropertySpec>,
    /// Guards that fail the plan when it would delete too much.
    #[serde(default)]
    pub safety: Safety,
    /// Where hsqb keeps watermarks, baselines, rotated tokens and the apply journal.
    #[serde(default)]
    pub state: StateConfig,
}

/// HubSpot connection.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HubSpotConnection {
    /// API base URL. Default `https://api.hubapi.com`.
    #[serde(default)]
    pub base_url: Option<Str>,
    /// Static bearer token (private-app token or service key), e.g. `${HUBSPOT_TOKEN}`.
    #[serde(default)]
    pub token: Option<SecretStr>,
    /// OAuth app install credentials (instead of `token`).
    #[serde(default)]
    pub oauth: Option<HubSpotOAuth>,
    /// API path style: `v3` (default) or the dated `2026-03`.
    #[serde(default)]
    pub api_version: HubSpotApiVersion,
    /// Rate limits of the portal/app. Defaults: Professional private app.
    #[serde(default)]
    pub rate_limit: HubSpotRateLimit,
    /// Property group hsqb puts its own properties in. Default `hsqb`.
    #[serde(default)]
    pub property_group: Option<Str>,
}

/// HubSpot OAuth refresh credentials.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HubSpotOAuth {
    /// OAuth client id.
    pub client_id: Str,
    /// OAuth client secret (from the environment).
    pub client_secret: SecretStr,
    /// Refresh token (from the environment).
    pub refresh_token: SecretStr,
    /// Token endpoint override. Default `{base_url}/oauth/v1/token`.
    #[serde(default)]
    pub token_url: Option<Str>,
}

/// HubSpot API path style.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
pub enum HubSpotApiVersion {
    /// `/crm/v3/objects/...`, `/crm/v4/...` (default).
    #[default]
    #[serde(rename = "v3")]
    V3,
    /// `/crm/objects/2026-03/...`.
    #[serde(rename = "2026-03")]
    Dated202603,
}

/// HubSpot rate limits (per app). Defaults: 190 per 10 s (Professional /
/// Enterprise), 4 searches per second.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HubSpotRateLimit {
    /// Requests per rolling 10 seconds. Default 190 (Free/Starter: 100; with
    /// the API limit increase pack: 250).
    #[serde(default)]
    pub per_10_seconds: Option<u32>,
    /// CRM search requests per second. Default 4.
    #[serde(default)]
    pub search_per_second: Option<u32>,
}

/// One QuickBooks Online company.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QboConnection {
    /// The company's realm id (digits). Optional only with `sandbox`.
    #[serde(default)]
    pub realm_id: Option<Str>,
    /// `production` (default) or `sandbox` (Intuit's sandbox companies).
    #[serde(default)]
    pub environment: QboEnvironment,
    /// API base URL override. Default from `environment`.
    #[serde(default)]
    pub base_url: Option<Str>,
    /// Static access token (no refresh), e.g. for short scripts.
    #[serde(default)]
    pub access_token: Option<SecretStr>,
    /// OAuth client id.
    #[serde(default)]
    pub client_id: Option<Str>,
    /// OAuth client secret (from the environment).
    #[serde(default)]
    pub client_secret: Option<SecretStr>,
    /// OAuth refresh token (from the environment). Rotated tokens are kept in the
    /// state store and take precedence over this one.
    #[serde(default)]
    pub refresh_token: Option<SecretStr>,
    /// Token endpoint override. Default
    /// `https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer`.
    #[serde(default)]
    pub token_url: Option<Str>,
    /// Rate limits. Defaults: 500 per minute, 40 batches per minute, 10 concurrent.
    #[serde(default)]
    pub rate_limit: QboRateLimit,
}

/// QuickBooks environment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum QboEnvironment {
    /// `https://quickbooks.api.intuit.com` (default).
    #[default]
    Production,
    /// `https://sandbox-quickbooks.api.intuit.com`.
    Sandbox,
}

/// QuickBooks rate limits per company.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QboRateLimit {
    /// Requests per minute. Default 500.
    #[serde(default)]
    pub per_minute: Option<u32>,
    /// Batch requests per minute. Default 40.
    #[serde(default)]
    pub batch_per_minute: Option<u32>,
    /// Concurrent requests. Default 10.
    #[serde(default)]
    pub concurrency: Option<u32>,
}

/// The built-in emulator as both connections.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Sandbox {
    /// Where the emulated portal and companies persist, relative to the
    /// manifest's directory. Default `.hsqb/sandbox`.
    #[serde(default)]
    pub data_dir: Option<Str>,
    /// Fixture directory loaded on first start, relative to the manifest's
    /// directory (e.g. `sandbox` next to `examples/quickstart.yaml`).
    #[serde(default)]
    pub seed: Option<Str>,
}

/// The sync blocks. A missing block is disabled.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SyncBlocks {
    /// HubSpot contacts ⇄ QuickBooks customers.
    #[serde(default)]
    pub contacts: Option<ContactsSync>,
    /// HubSpot products ⇄ QuickBooks items.
    #[serde(default)]
    pub products: Option<ProductsSync>,
    /// QuickBooks invoices → HubSpot invoice objects.
    #[serde(default)]
    pub invoices: Option<InvoicesSync>,
    /// HubSpot deals → QuickBooks draft invoices.
    #[serde(default)]
    pub deal_invoices: Option<DealInvoicesSync>,
}

/// Which way data flows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, JsonSchema, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// QuickBooks is the source, HubSpot the target.
    QuickbooksToHubspot,
    /// HubSpot is the source, QuickBooks the target.
    HubspotToQuickbooks,
    /// Both ways; `conflict` decides when both sides changed.
    TwoWay,
}

impl Direction {
    /// Data may flow into HubSpot.
    pub fn writes_hubspot(self) -> bool {
        matches!(self, Direction::QuickbooksToHubspot | Direction::TwoWay)
    }
    /// Data may flow into QuickBooks.
    pub fn writes_quickbooks(self) -> bool {
        matches!(self, Direction::HubspotToQuickbooks | Direction::TwoWay)
    }
}

/// Who wins when both sides changed the same field since the last sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Conflict {
    /// QuickBooks' value wins.
    QuickbooksWins,
    /// HubSpot's value wins.
    HubspotWins,
    /// The side whose record was modified last wins.
    NewestWins,
}

/// What to do with a record that exists on the source side only.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OnCreate {
    /// Create it on the target side (default).
    #[default]
    Create,
    /// Leave it (reported as skipped).
    Ignore,
}

/// What to do with a paired record whose mapped fields differ.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OnUpdate {
    /// Update the target (default).
    #[default]
    Update,
    /// Leave it (reported as skipped).
    Ignore,
}

/// What to do on the target when a paired record was deleted on the source.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OnDelete {
    /// Nothing (default): deletes never propagate unless asked for.
    #[default]
    Ignore,
    /// HubSpot: archive (recycle bin). QuickBooks: deactivate (`Active: false`).
    Archive,
    /// Delete where the API allows it (HubSpot archive; QuickBooks invoices are
    /// deleted; customers and items cannot be deleted and are deactivated).
    Delete,
}

/// Contact match keys for first-time pairing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactMatchKey {
    /// Normalised (trimmed, case-folded) email.
    Email,
    /// First name + last name + email together (the legacy integration's rule).
    NameAndEmail,
}

/// Product match keys for first-time pairing (tried in order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProductMatchKey {
    /// HubSpot `hs_sku` = QBO `Sku` (exact).
    Sku,
    /// HubSpot `name` = QBO `Name` (case-insensitive, `" (deleted)"` suffix ignored).
    Name,
}

/// Per-side filters gating which records enter the sync.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Filters {
    /// Conditions on HubSpot properties (all must hold).
    #[serde(default)]
    pub hubspot: Vec<Filter>,
    /// Conditions on QuickBooks field paths (all must hold).
    #[serde(default)]
    pub quickbooks: Vec<Filter>,
    /// `entry` (default): filters only gate first-time entry; paired records
    /// keep syncing (HubSpot's semantics). `continuous`: a paired record that
    /// stops matching is no longer synced (it is reported as skipped).
    #[serde(default)]
    pub scope: FilterScope,
}

/// Filter scope.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FilterScope {
    /// Gate first-time entry only.
    #[default]
    Entry,
    /// Gate every run.
    Continuous,
}

/// One filter condition.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Filter {
    /// HubSpot property name, or QuickBooks field path (`BillAddr.Country`).
    pub field: Str,
    /// Operator.
    pub op: FilterOp,
    /// Operand for single-value operators.
    #[serde(default)]
    pub value: Option<Scalar>,
    /// Operands for `in` / `not_in`.
    #[serde(default)]
    pub values: Option<Vec<Scalar>>,
}

/// Filter operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FilterOp {
    /// Equal (text compares case-sensitively; numbers numerically).
    Eq,
    /// Not equal.
    Neq,
    /// One of `values`.
    In,
    /// None of `values`.
    NotIn,
    /// Greater than.
    Gt,
    /// Greater or equal.
    Gte,
    /// Less than.
    Lt,
    /// Less or equal.
    Lte,
    /// Text contains `value` (case-insensitive).
    Contains,
    /// Text starts with `value` (case-insensitive).
    StartsWith,
    /// Has a non-empty value.
    Exists,
    /// Has no value.
    NotExists,
}

/// Incremental refresh settings.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Incremental {
    /// Read only what changed since the last successful run. Default `true`.
    #[serde(default)]
    pub enabled: Option<bool>,
    /// Overlap subtracted from the watermark to cover search-index lag and
    /// clock skew. Default `5m`.
    #[serde(default)]
    pub lookback: Option<DurationStr>,
    /// Force a full refresh when the last one is older than this (e.g. `24h`).
    /// Default: never automatically (use `--refresh full`).
    #[serde(default)]
    pub full_refresh_every: Option<DurationStr>,
}

/// How to derive QuickBooks customer display names, which must be unique across
/// customers, vendors and employees.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DisplayNameRule {
    /// Templates tried in order; the first whose `{{placeholders}}` are all
    /// non-empty is used. Placeholders are HubSpot contact properties. Default
    /// `["{{company}}", "{{firstname}} {{lastname}}", "{{email}}"]`.
    #[serde(default)]
    pub templates: Vec<Str>,
    /// What to do when the name is already taken. Default `suffix`.
    #[serde(default)]
    pub on_collision: CollisionStrategy,
}

/// Display-name collision strategy.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CollisionStrategy {
    /// Append ` (2)`, ` (3)`, … (default).
    #[default]
    Suffix,
    /// Append ` (<email>)`, e.g. `Acme (ana@acme.test)`; fail the record if that is taken too.
    Email,
    /// Fail the record with a diagnostic.
    Fail,
}

/// Field mappings of a sync block.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Mappings {
    /// Start from the documented default mappings. Default `true`.
    #[serde(default)]
    pub defaults: Option<bool>,
    /// Default mappings to drop, by HubSpot property name.
    #[serde(default)]
    pub remove: Vec<Str>,
    /// Mappings to add; one with the same HubSpot property as a default
    /// replaces it.
    #[serde(default)]
    pub fields: Vec<Mapping>,
}

/// One field mapping.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    /// HubSpot property name.
    pub hubspot: Str,
    /// QuickBooks field path (`PrimaryPhone.FreeFormNumber`, `CustomField[Sales Rep]`).
    pub quickbooks: Str,
    /// Per-field direction (must be allowed by the block's direction).
    #[serde(default)]
    pub direction: Option<Direction>,
    /// Transforms applied, in order, to the value flowing to the target.
    #[serde(default)]
    pub transform: Vec<Transform>,
    /// Type of the HubSpot property when it is not known offline (custom
    /// property not declared under `properties`). Checked live by `hsqb mappings`.
    #[serde(default, rename = "type")]
    pub value_type: Option<ValueType>,
}

/// A value transform.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Transform {
    /// Remove leading and trailing whitespace.
    Trim,
    /// Lower-case.
    Lower,
    /// Upper-case.
    Upper,
    /// Replace values by a table (HubSpot value → QuickBooks value; reversed for
    /// the other direction). Unlisted values pass through unchanged.
    Map(IndexMap<String, String>),
    /// Render a template from the source record (`{{firstname}} {{lastname}}`);
    /// one-way only.
    Template(Str),
    /// Use this value when the source is empty.
    Default(Scalar),
}

/// Link property settings: the unique HubSpot property that stores the QBO Id.
pub type LinkProperty = Option<Str>;

/// HubSpot contacts ⇄ QuickBooks customers.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactsSync {
    /// Toggle. Default `true`.
    #[serde(default)]
    pub enabled: Option<bool>,
    /// QuickBooks company (a key of `quickbooks`). Default: the only one.
    #[serde(default)]
    pub quickbooks: Option<Str>,
    /// Direction (required).
    pub direction: Direction,
    /// Conflict rule (required for `two_way`).
    #[serde(default)]
    pub conflict: Option<Conflict>,
    /// Let a conflict winner blank a field that is filled on the other side.
    /// Default `false`.
    #[serde(default)]
    pub allow_blanking: Option<bool>,
    /// Records only on the source side. Default `create`.
    #[serde(default)]
    pub on_create: OnCreate,
    /// Paired records that differ. Default `update`.
    #[serde(default)]
    pub on_update: OnUpdate,
    /// Paired records deleted on the source. Default `ignore`.
    #[serde(default)]
    pub on_delete: OnDelete,
    /// First-time pairing keys. Default `[email]`.
    #[serde(default, rename = "match")]
    pub match_keys: Vec<ContactMatchKey>,
    /// Entry filters.
    #[serde(default)]
    pub filter: Filters,
    /// Incremental refresh.
    #[serde(default)]
    pub incremental: Incremental,
    /// Unique HubSpot contact property holding the QBO customer Id. Default
    /// `hsqb_qbo_customer_id`.
    #[serde(default)]
    pub link_property: LinkProperty,
    /// QuickBooks display names.
    #[serde(default)]
    pub display_name: DisplayNameRule,
    /// Field mappings.
    #[serde(default)]
    pub mappings: Mappings,
}

/// HubSpot products ⇄ QuickBooks items.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductsSync {
    /// Toggle. Default `true`.
    #[serde(default)]
    pub enabled: Option<bool>,
    /// QuickBooks company. Default: the only one.
    #[serde(default)]
    pub quickbooks: Option<Str>,
    /// Direction (required).
    pub direction: Direction,
    /// Conflict rule (required for `two_way`).
    #[serde(default)]
    pub conflict: Option<Conflict>,
    /// Let a conflict winner blank a filled field. Default `false`.
    #[serde(default)]
    pub allow_blanking: Option<bool>,
    /// Records only on the source side. Default `create`.
    #[serde(default)]
    pub on_create: OnCreate,
    /// Paired records that differ. Default `update`.
    #[serde(default)]
    pub on_update: OnUpdate,
    /// Paired records deleted on the source. Default `ignore`.
    #[serde(default)]
    pub on_delete: OnDelete,
    /// First-time pairing keys, tried in order. Default `[sku, name]`.
    #[serde(default, rename = "match")]
    pub match_keys: Vec<ProductMatchKey>,
    /// Entry filters.
    #[serde(default)]
    pub filter: Filters,
    /// Incremental refresh.
    #[serde(default)]
    pub incremental: Incremental,
    /// Unique HubSpot product property holding the QBO item Id. Default
    /// `hsqb_qbo_item_id`.
    #[serde(default)]
    pub link_property: LinkProperty,
    /// QuickBooks item type for items hsqb creates. Default `service`.
    #[serde(default)]
    pub item_type: ItemType,
    /// Income account (name or Id) for created items. Required when creating
    /// items in QuickBooks.
    #[serde(default)]
    pub income_account: Option<Str>,
    /// Expense (COGS) account for inventory items.
    #[serde(default)]
    pub expense_account: Option<Str>,
    /// Asset account for inventory items.
    #[serde(default)]
    pub asset_account: Option<Str>,
    /// Field mappings.
    #[serde(default)]
    pub mappings: Mappings,
}

/// QuickBooks item types hsqb can create.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ItemType {
    /// `Service` (default).
    #[default]
    Service,
    /// `NonInventory`.
    NonInventory,
    /// `Inventory` (needs expense and asset accounts).
    Inventory,
}

/// QuickBooks invoices → HubSpot invoice objects (one way).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InvoicesSync {
    /// Toggle. Default `true`.
    #[serde(default)]
    pub enabled: Option<bool>,
    /// QuickBooks company. Default: the only one.
    #[serde(default)]
    pub quickbooks: Option<Str>,
    /// Must be `quickbooks_to_hubspot` (the default).
    #[serde(default)]
    pub direction: Option<Direction>,
    /// New invoices. Default `create`.
    #[serde(default)]
    pub on_create: OnCreate,
    /// Changed invoices. Default `update`.
    #[serde(default)]
    pub on_update: OnUpdate,
    /// Invoices deleted in QuickBooks. Default `ignore`.
    #[serde(default)]
    pub on_delete: OnDelete,
    /// Invoices voided in QuickBooks. Default `update` (status becomes voided).
    #[serde(default)]
    pub on_void: OnVoid,
    /// Which QuickBooks-created invoices to include besides those hsqb created
    /// from deals and those listed under `attach`.
    #[serde(default)]
    pub rules: Vec<InvoiceRule>,
    /// Associations written on each HubSpot invoice.
    #[serde(default)]
    pub associations: InvoiceAssociations,
    /// Deal properties written from the deal's latest invoice.
    #[serde(default)]
    pub deal_properties: DealInvoiceProperties,
    /// Unique HubSpot invoice property holding the QBO invoice Id. Default
    /// `hsqb_qbo_invoice_id`.
    #[serde(default)]
    pub link_property: LinkProperty,
    /// HubSpot invoice property receiving the derived status. Default
    /// `hsqb_invoice_status`.
    #[serde(default)]
    pub status_property: Option<Str>,
    /// Field mappings (QBO invoice field → HubSpot invoice property).
    #[serde(default)]
    pub mappings: Mappings,
}

/// What a void in QuickBooks does to the HubSpot invoice.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OnVoid {
    /// Update it (amounts zero, status `Voided`) (default).
    #[default]
    Update,
    /// Archive it.
    Archive,
    /// Leave it.
    Ignore,
}

/// A declared rule adding QuickBooks-created invoices. All given conditions
/// must hold.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InvoiceRule {
    /// Only invoices whose customer is linked to a HubSpot contact.
    #[serde(default)]
    pub customer_linked: Option<bool>,
    /// Only invoices dated on or after this day (`YYYY-MM-DD`).
    #[serde(default)]
    pub txn_date_from: Option<Str>,
    /// Only invoices whose number starts with this prefix.
    #[serde(default)]
    pub doc_number_prefix: Option<Str>,
    /// Associate the invoice with this HubSpot deal property's deal: the deal
    /// whose `deal_property` equals the invoice number. Optional.
    #[serde(default)]
    pub deal_property: Option<Str>,
}

/// Association switches for HubSpot invoices.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InvoiceAssociations {
    /// Associate with the contact linked to the invoice's customer. Default `true`.
    #[serde(default)]
    pub contact: Option<bool>,
    /// Associate with that contact's primary company. Default `true`.
    #[serde(default)]
    pub company: Option<bool>,
    /// Associate with the originating or attached deal. Default `true`.
    #[serde(default)]
    pub deal: Option<bool>,
}

/// The deal properties hsqb writes from a deal's invoices. Each names a HubSpot
/// deal property (created when missing).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DealInvoiceProperties {
    /// Write deal properties at all. Default `true`.
    #[serde(default)]
    pub enabled: Option<bool>,
    /// Amount due (balance). Default `hsqb_invoice_amount_due`.
    #[serde(default)]
    pub amount_due: Option<Str>,
    /// Recipient (customer display name). Default `hsqb_invoice_recipient`.
    #[serde(default)]
    pub recipient: Option<Str>,
    /// Invoice number. Default `hsqb_invoice_number`.
    #[serde(default)]
    pub number: Option<Str>,
    /// Derived status. Default `hsqb_invoice_status`.
    #[serde(default)]
    pub status: Option<Str>,
    /// Due date. Default `hsqb_invoice_due_date`.
    #[serde(default)]
    pub due_date: Option<Str>,
}

/// HubSpot deals → QuickBooks draft invoices.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DealInvoicesSync {
    /// Toggle. Default `true`.
    #[serde(default)]
    pub enabled: Option<bool>,
    /// QuickBooks company. Default: the only one.
    #[serde(default)]
    pub quickbooks: Option<Str>,
    /// Which deals get an invoice (conditions on deal properties, all must hold),
    /// e.g. `dealstage eq closedwon`.
    #[serde(default)]
    pub deals: Vec<Filter>,
    /// Where the lines come from. Default `line_items`.
    #[serde(default)]
    pub source: InvoiceSource,
    /// How the deal's contact becomes a QuickBooks customer.
    #[serde(default)]
    pub customer: CustomerPolicy,
    /// Line item → QuickBooks item matching, tried in order. Default `[sku, name]`.
    #[serde(default)]
    pub item_match: Vec<ProductMatchKey>,
    /// Tax codes (required for non-US companies; ignored for US companies).
    #[serde(default)]
    pub tax: TaxCodes,
    /// QuickBooks payment term name (e.g. `Net 30`).
    #[serde(default)]
    pub terms: Option<Str>,
    /// Invoice date. Default `today`.
    #[serde(default)]
    pub invoice_date: InvoiceDate,
    /// Due date rule. Default `from_terms` (QuickBooks derives it from the term).
    #[serde(default)]
    pub due_date: DueDate,
    /// Customer message template (`{{deal.dealname}}`, `{{contact.firstname}}`,
    /// `{{quote.hs_title}}`, …).
    #[serde(default)]
    pub message: Option<Str>,
    /// Document-number template, required when QuickBooks has custom transaction
    /// numbers on (e.g. `HS-{{deal.id}}`). hsqb checks uniqueness.
    #[serde(default)]
    pub doc_number: Option<Str>,
    /// Unique HubSpot deal property holding the created QBO invoice Id. Default
    /// `hsqb_qbo_invoice_id`.
    #[serde(default)]
    pub link_property: LinkProperty,
}

/// Invoice line source.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceSource {
    /// The deal's line items ("from scratch") (default).
    #[default]
    LineItems,
    /// The deal's published, unexpired quote.
    Quote,
}

/// Customer matching and creation for deal invoices.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomerPolicy {
    /// Match keys for the deal's first associated contact. Default `[email]`.
    #[serde(default, rename = "match")]
    pub match_keys: Vec<ContactMatchKey>,
    /// No matching customer: `create` it (legacy behaviour) or `fail` the deal
    /// when the contact is not eligible under the contact sync filters (newer
    /// behaviour). Default `fail`.
    #[serde(default)]
    pub on_missing: MissingCustomer,
}

/// Missing-customer policy.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MissingCustomer {
    /// Create the customer regardless of contact sync settings.
    Create,
    /// Create it only if the contact is eligible under the contact sync (block
    /// enabled, writes QuickBooks, filters match); otherwise fail the deal (default).
    #[default]
    Fail,
}

/// Tax codes for invoice lines.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TaxCodes {
    /// Tax code (name or Id) for every line without an override.
    #[serde(default)]
    pub default: Option<Str>,
    /// Overrides by product SKU (or name when it has no SKU).
    #[serde(default)]
    pub per_product: IndexMap<String, Str>,
}

/// Invoice date rule.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum InvoiceDate {
    /// The planning day (`--now`) (default).
    #[default]
    Today,
    /// The deal's `closedate`.
    CloseDate,
    /// A deal date property.
    Property(Str),
}

/// Due date rule.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum DueDate {
    /// From the payment term (default).
    #[default]
    FromTerms,
    /// This many days after the invoice date.
    DaysAfterInvoice(u32),
    /// A deal date property.
    Property(Str),
}

/// An existing QuickBooks invoice to show in HubSpot.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AttachEntry {
    /// The QuickBooks invoice number (`DocNumber`).
    pub invoice: Str,
    /// QuickBooks company. Default: the only one.
    #[serde(default)]
    pub quickbooks: Option<Str>,
    /// HubSpot deal id to associate.
    #[serde(default)]
    pub deal: Option<Str>,
    /// HubSpot contact id or email to associate.
    #[serde(default)]
    pub contact: Option<Str>,
    /// HubSpot company id to associate.
    #[serde(default)]
    pub company: Option<Str>,
}

/// A custom HubSpot property hsqb ensures exists.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PropertySpec {
    /// Object type.
    pub object: HubSpotObject,
    /// Internal name (lower-case letters, digits, underscores).
    pub name: Str,
    /// Label shown in HubSpot. Default: derived from the name.
    #[serde(default)]
    pub label: Option<Str>,
    /// Value type.
    #[serde(rename = "type")]
    pub value_type: ValueType,
    /// Enumeration options (values).
    #[serde(default)]
    pub options: Vec<Str>,
    /// Unique values (usable as an upsert key).
    #[serde(default)]
    pub unique: Option<bool>,
    /// Description.
    #[serde(default)]
    pub description: Option<Str>,
}

/// HubSpot object types hsqb reads or writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, JsonSchema, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HubSpotObject {
    /// Contacts.
    Contacts,
    /// Companies.
    Companies,
    /// Deals.
    Deals,
    /// Products.
    Products,
    /// Line items.
    LineItems,
    /// Quotes.
    Quotes,
    /// Invoices.
    Invoices,
}

/// Delete guards. Defaults: at most 10 deletes and at most 5% of a side.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Safety {
    /// Most deletes/archives a plan may contain. Default 10.
    #[serde(default)]
    pub max_deletes: Option<u32>,
    /// Most deletes as a percentage of the records on the affected side. Default 5.
    #[serde(default)]
    pub max_delete_percent: Option<Decimal>,
}

/// State store.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StateConfig {
    /// `local` (default) or `postgres`.
    #[serde(default)]
    pub backend: StateBackend,
    /// Local state file, relative to the manifest's directory. Default
    /// `.hsqb/state.json`.
    #[serde(default)]
    pub path: Option<Str>,
    /// Postgres connection URL (from the environment), e.g. `${DATABASE_URL}`.
    #[serde(default)]
    pub url: Option<SecretStr>,
    /// Key separating this manifest's state from others in a shared database.
    /// Default: derived from the connections (portal and realm ids).
    #[serde(default)]
    pub key: Option<Str>,
}

/// State backends.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StateBackend {
    /// A local JSON file (default).
    #[default]
    Local,
    /// A PostgreSQL database.
    Postgres,
}

impl HubSpotObject {
    /// The API path name (`contacts`, `line_items`, …).
    pub fn path(self) -> &'static str {
        match self {
            HubSpotObject::Contacts => "contacts",
            HubSpotObject::Companies => "companies",
            HubSpotObject::Deals => "deals",
            HubSpotObject::Products => "products",
            HubSpotObject::LineItems => "line_items",
            HubSpotObject::Quotes => "quotes",
            HubSpotObject::Invoices => "invoices",
        }
    }
}

impl PropertySpec {
    /// The object's API path name.
    pub fn object_path(&self) -> &'static str {
        self.object.path()
    }
}
