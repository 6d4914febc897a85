//! Effective settings: the manifest with every documented default applied, as
//! small helpers the planner and the CLI call instead of re-deriving defaults.
//! (`docs/manifest.md` documents the same defaults; validation uses these
//! helpers too, so what is validated is what runs.)

use super::defaults::{self, DefaultMapping};
use super::scalar::{DurationStr, Loc, Str};
use super::types::*;
use crate::model::ValueType;
use rust_decimal::Decimal;
use std::time::Duration;

/// The implicit QuickBooks company of a sandbox manifest that declares none.
pub const SANDBOX_COMPANY: &str = "sandbox";
/// Default HubSpot API base URL.
pub const HUBSPOT_BASE_URL: &str = "https://api.hubapi.com";
/// QuickBooks production API base URL.
pub const QBO_PRODUCTION_BASE_URL: &str = "https://quickbooks.api.intuit.com";
/// QuickBooks sandbox-company API base URL.
pub const QBO_SANDBOX_BASE_URL: &str = "https://sandbox-quickbooks.api.intuit.com";
/// Intuit's OAuth2 token endpoint.
pub const QBO_TOKEN_URL: &str = "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer";
/// Default sandbox data directory (relative to the manifest's directory).
pub const SANDBOX_DATA_DIR: &str = ".hsqb/sandbox";
/// Default local state file (relative to the manifest's directory).
pub const STATE_PATH: &str = ".hsqb/state.json";

/// The four kinds of sync block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BlockKind {
    /// `sync.contacts`: HubSpot contacts ⇄ QuickBooks customers.
    Contacts,
    /// `sync.products`: HubSpot products ⇄ QuickBooks items.
    Products,
    /// `sync.invoices`: QuickBooks invoices → HubSpot invoices.
    Invoices,
    /// `sync.deal_invoices`: HubSpot deals → QuickBooks draft invoices.
    DealInvoices,
}

impl BlockKind {
    /// Every kind, in manifest order.
    pub const ALL: [BlockKind; 4] = [
        BlockKind::Contacts,
        BlockKind::Products,
        BlockKind::Invoices,
        BlockKind::DealInvoices,
    ];

    /// The block's key under `sync`.
    pub fn name(self) -> &'static str {
        match self {
            BlockKind::Contacts => "contacts",
            BlockKind::Products => "products",
            BlockKind::Invoices => "invoices",
            BlockKind::DealInvoices => "deal_invoices",
        }
    }

    /// The block's path in the manifest (`sync.contacts`).
    pub fn path(self) -> String {
        format!("sync.{}", self.name())
    }

    /// The HubSpot object the block reads/writes (and holds its link property).
    pub fn hubspot_object(self) -> HubSpotObject {
        match self {
            BlockKind::Contacts => HubSpotObject::Contacts,
            BlockKind::Products => HubSpotObject::Products,
            BlockKind::Invoices => HubSpotObject::Invoices,
            BlockKind::DealInvoices => HubSpotObject::Deals,
        }
    }

    /// The QuickBooks entity the block reads/writes.
    pub fn qbo_entity(self) -> &'static str {
        match self {
            BlockKind::Contacts => "Customer",
            BlockKind::Products => "Item",
            BlockKind::Invoices | BlockKind::DealInvoices => "Invoice",
        }
    }

    /// The default link property name.
    pub fn default_link_property(self) -> &'static str {
        match self {
            BlockKind::Contacts => defaults::CONTACT_LINK_PROPERTY,
            BlockKind::Products => defaults::PRODUCT_LINK_PROPERTY,
            BlockKind::Invoices | BlockKind::DealInvoices => defaults::INVOICE_LINK_PROPERTY,
        }
    }

    /// The documented default mappings (none for `deal_invoices`).
    pub fn default_mappings(self) -> &'static [DefaultMapping] {
        match self {
            BlockKind::Contacts => defaults::CONTACTS,
            BlockKind::Products => defaults::PRODUCTS,
            BlockKind::Invoices => defaults::INVOICES,
            BlockKind::DealInvoices => &[],
        }
    }
}

impl HubSpotObject {
    /// The API name (`contacts`, `line_items`, …) used by the catalog.
    pub fn api_name(self) -> &'static str {
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

impl Direction {
    /// The manifest spelling (`two_way`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::QuickbooksToHubspot => "quickbooks_to_hubspot",
            Direction::HubspotToQuickbooks => "hubspot_to_quickbooks",
            Direction::TwoWay => "two_way",
        }
    }

    /// Whether a per-field direction `field` is allowed in a block flowing
    /// `self`: anything in a two-way block, else only the block's own direction.
    pub fn allows(self, field: Direction) -> bool {
        self == Direction::TwoWay || self == field
    }
}

/// What the four sync blocks have in common.
pub trait SyncBlock {
    /// Which block this is.
    const KIND: BlockKind;
    /// The `enabled` setting as written.
    fn enabled_setting(&self) -> Option<bool>;
    /// The `quickbooks` company setting as written.
    fn quickbooks_setting(&self) -> Option<&Str>;
    /// The `link_property` setting as written.
    fn link_property_setting(&self) -> Option<&Str>;
    /// The direction data flows (fixed for invoices and deal invoices).
    fn direction(&self) -> Direction;

    /// Whether the block runs (default `true`).
    fn is_enabled(&self) -> bool {
        self.enabled_setting().unwrap_or(true)
    }

    /// The HubSpot property holding the QuickBooks Id (default per block).
    fn link_property(&self) -> &str {
        self.link_property_setting()
            .map_or(Self::KIND.default_link_property(), Str::as_str)
    }
}

impl SyncBlock for ContactsSync {
    const KIND: BlockKind = BlockKind::Contacts;
    fn enabled_setting(&self) -> Option<bool> {
        self.enabled
    }
    fn quickbooks_setting(&self) -> Option<&Str> {
        self.quickbooks.as_ref()
    }
    fn link_property_setting(&self) -> Option<&Str> {
        self.link_property.as_ref()
    }
    fn direction(&self) -> Direction {
        self.direction
    }
}

impl SyncBlock for ProductsSync {
    const KIND: BlockKind = BlockKind::Products;
    fn enabled_setting(&self) -> Option<bool> {
        self.enabled
    }
    fn quickbooks_setting(&self) -> Option<&Str> {
        self.quickbooks.as_ref()
    }
    fn link_property_setting(&self) -> Option<&Str> {
        self.link_property.as_ref()
    }
    fn direction(&self) -> Direction {
        self.direction
    }
}

impl SyncBlock for InvoicesSync {
    const KIND: BlockKind = BlockKind::Invoices;
    fn enabled_setting(&self) -> Option<bool> {
        self.enabled
    }
    fn quickbooks_setting(&self) -> Option<&Str> {
        self.quickbooks.as_ref()
    }
    fn link_property_setting(&self) -> Option<&Str> {
        self.link_property.as_ref()
    }
    fn direction(&self) -> Direction {
        self.direction.unwrap_or(Direction::QuickbooksToHubspot)
    }
}

impl SyncBlock for DealInvoicesSync {
    const KIND: BlockKind = BlockKind::DealInvoices;
    fn enabled_setting(&self) -> Option<bool> {
        self.enabled
    }
    fn quickbooks_setting(&self) -> Option<&Str> {
        self.quickbooks.as_ref()
    }
    fn link_property_setting(&self) -> Option<&Str> {
        self.link_property.as_ref()
    }
    fn direction(&self) -> Direction {
        Direction::HubspotToQuickbooks
    }
}

/// Where an effective mapping comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MappingOrigin {
    /// A documented default mapping.
    Default,
    /// `mappings.fields[index]`.
    Custom(usize),
}

/// One mapping after defaults, `remove` and `fields` are merged.
#[derive(Debug, Clone)]
pub struct EffectiveMapping {
    /// HubSpot property.
    pub hubspot: String,
    /// QuickBooks field path.
    pub quickbooks: String,
    /// The direction this field flows (the mapping's own, else the block's).
    pub direction: Direction,
    /// Transforms, in order.
    pub transforms: Vec<Transform>,
    /// Declared HubSpot type (`type:`), if any.
    pub value_type: Option<ValueType>,
    /// Default or custom.
    pub origin: MappingOrigin,
    /// Where the custom mapping's `hubspot:` was written.
    pub loc: Option<Loc>,
}

impl Mappings {
    /// Whether the default mappings apply (default `true`).
    pub fn defaults_enabled(&self) -> bool {
        self.defaults.unwrap_or(true)
    }

    /// Merge `defaults` (unless disabled), `remove` and `fields`: a custom
    /// mapping with the same HubSpot property replaces the default in place;
    /// other custom mappings follow in order.
    pub fn effective(
        &self,
        defaults: &[DefaultMapping],
        block_direction: Direction,
    ) -> Vec<EffectiveMapping> {
        let custom = |i: usize, f: &Mapping| EffectiveMapping {
            hubspot: f.hubspot.value.clone(),
            quickbooks: f.quickbooks.value.clone(),
            direction: f.direction.unwrap_or(block_direction),
            transforms: f.transform.clone(),
            value_type: f.value_type,
            origin: MappingOrigin::Custom(i),
            loc: f.hubspot.loc,
        };
        let mut out = Vec::new();
        let mut used = vec![false; self.fields.len()];
        if self.defaults_enabled() {
            for d in defaults {
                if self.remove.iter().any(|r| r.value == d.hubspot) {
                    continue;
                }
                match self
                    .fields
                    .iter()
                    .position(|f| f.hubspot.value == d.hubspot)
                {
                    Some(i) => {
                        used[i] = true;
                        out.push(custom(i, &self.fields[i]));
                    }
                    None => out.push(EffectiveMapping {
                        hubspot: d.hubspot.to_string(),
                        quickbooks: d.quickbooks.to_string(),
                        direction: d.direction.unwrap_or(block_direction),
                        transforms: Vec::new(),
                        value_type: None,
                        origin: MappingOrigin::Default,
                        loc: None,
                    }),
                }
            }
        }
        for (i, f) in self.fields.iter().enumerate() {
            if !used[i] {
                out.push(custom(i, f));
            }
        }
        out
    }
}

impl ContactsSync {
    /// Match keys (default `[email]`).
    pub fn effective_match_keys(&self) -> Vec<ContactMatchKey> {
        if self.match_keys.is_empty() {
            vec![ContactMatchKey::Email]
        } else {
            self.match_keys.clone()
        }
    }

    /// Whether a conflict winner may blank a filled field (default `false`).
    pub fn allow_blanking(&self) -> bool {
        self.allow_blanking.unwrap_or(false)
    }

    /// Mappings after defaults (see [`Mappings::effective`]).
    pub fn mappings_effective(&self) -> Vec<EffectiveMapping> {
        self.mappings.effective(defaults::CONTACTS, self.direction)
    }
}

impl ProductsSync {
    /// Match keys, tried in order (default `[sku, name]`).
    pub fn effective_match_keys(&self) -> Vec<ProductMatchKey> {
        if self.match_keys.is_empty() {
            vec![ProductMatchKey::Sku, ProductMatchKey::Name]
        } else {
            self.match_keys.clone()
        }
    }

    /// Whether a conflict winner may blank a filled field (default `false`).
    pub fn allow_blanking(&self) -> bool {
        self.allow_blanking.unwrap_or(false)
    }

    /// Mappings after defaults (see [`Mappings::effective`]).
    pub fn mappings_effective(&self) -> Vec<EffectiveMapping> {
        self.mappings.effective(defaults::PRODUCTS, self.direction)
    }
}

/// The deal properties written from a deal's latest invoice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DealPropertyNames {
    /// Amount due (balance).
    pub amount_due: String,
    /// Recipient (customer display name).
    pub recipient: String,
    /// Invoice number.
    pub number: String,
    /// Derived status.
    pub status: String,
    /// Due date.
    pub due_date: String,
}

impl DealPropertyNames {
    /// `(setting key, property name)` pairs, in manifest order.
    pub fn iter(&self) -> [(&'static str, &str); 5] {
        [
            ("amount_due", &self.amount_due),
            ("recipient", &self.recipient),
            ("number", &self.number),
            ("status", &self.status),
            ("due_date", &self.due_date),
        ]
    }
}

impl DealInvoiceProperties {
    /// Whether deal properties are written (default `true`).
    pub fn is_enabled(&self) -> bool {
        self.enabled.unwrap_or(true)
    }

    /// Property names with defaults applied.
    pub fn names(&self) -> DealPropertyNames {
        let pick = |s: &Option<Str>, d: &str| s.as_ref().map_or(d, Str::as_str).to_string();
        DealPropertyNames {
            amount_due: pick(&self.amount_due, defaults::DEAL_AMOUNT_DUE),
            recipient: pick(&self.recipient, defaults::DEAL_RECIPIENT),
            number: pick(&self.number, defaults::DEAL_NUMBER),
            status: pick(&self.status, defaults::DEAL_STATUS),
            due_date: pick(&self.due_date, defaults::DEAL_DUE_DATE),
        }
    }
}

impl InvoiceAssociations {
    /// Associate with the customer's contact (default `true`).
    pub fn contact(&self) -> bool {
        self.contact.unwrap_or(true)
    }
    /// Associate with the contact's primary company (default `true`).
    pub fn company(&self) -> bool {
        self.company.unwrap_or(true)
    }
    /// Associate with the deal (default `true`).
    pub fn deal(&self) -> bool {
        self.deal.unwrap_or(true)
    }
}

impl InvoicesSync {
    /// The HubSpot invoice property receiving the derived status.
    pub fn status_property(&self) -> &str {
        self.status_property
            .as_ref()
            .map_or(defaults::INVOICE_STATUS_PROPERTY, Str::as_str)
    }

    /// Mappings after defaults (see [`Mappings::effective`]).
    pub fn mappings_effective(&self) -> Vec<EffectiveMapping> {
        self.mappings
            .effective(defaults::INVOICES, SyncBlock::direction(self))
    }
}

impl DealInvoicesSync {
    /// Line item → item matching keys (default `[sku, name]`).
    pub fn effective_item_match(&self) -> Vec<ProductMatchKey> {
        if self.item_match.is_empty() {
            vec![ProductMatchKey::Sku, ProductMatchKey::Name]
        } else {
            self.item_match.clone()
        }
    }
}

impl CustomerPolicy {
    /// Customer match keys (default `[email]`).
    pub fn effective_match_keys(&self) -> Vec<ContactMatchKey> {
        if self.match_keys.is_empty() {
            vec![ContactMatchKey::Email]
        } else {
            self.match_keys.clone()
        }
    }
}

impl DisplayNameRule {
    /// Templates (default `{{company}}`, `{{firstname}} {{lastname}}`, `{{email}}`).
    pub fn effective_templates(&self) -> Vec<String> {
        if self.templates.is_empty() {
            defaults::DISPLAY_NAME_TEMPLATES
                .iter()
                .map(|s| s.to_string())
                .collect()
        } else {
            self.templates.iter().map(|t| t.value.clone()).collect()
        }
    }
}

impl Incremental {
    /// Incremental reads on (default `true`).
    pub fn is_enabled(&self) -> bool {
        self.enabled.unwrap_or(true)
    }
    /// Overlap subtracted from the watermark (default 5 minutes).
    pub fn lookback(&self) -> Duration {
        self.lookback
            .map_or(Duration::from_secs(300), DurationStr::duration)
    }
    /// Automatic full-refresh interval (default: never).
    pub fn full_refresh_every(&self) -> Option<Duration> {
        self.full_refresh_every.map(DurationStr::duration)
    }
}

impl Safety {
    /// Most deletes per plan (default 10).
    pub fn max_deletes(&self) -> u32 {
        self.max_deletes.unwrap_or(10)
    }
    /// Most deletes as a percentage of a side (default 5).
    pub fn max_delete_percent(&self) -> Decimal {
        self.max_delete_percent.unwrap_or(Decimal::from(5))
    }
}

impl HubSpotConnection {
    /// API base URL without a trailing slash (default `https://api.hubapi.com`).
    pub fn effective_base_url(&self) -> String {
        self.base_url
            .as_ref()
            .map_or(HUBSPOT_BASE_URL, Str::as_str)
            .trim_end_matches('/')
            .to_string()
    }
    /// Property group for hsqb's properties (default `hsqb`).
    pub fn property_group(&self) -> &str {
        self.property_group
            .as_ref()
            .map_or(defaults::PROPERTY_GROUP, Str::as_str)
    }
    /// OAuth token endpoint (default `{base_url}/oauth/v1/token`).
    pub fn token_url(&self) -> Option<String> {
        let oauth = self.oauth.as_ref()?;
        Some(match &oauth.token_url {
            Some(u) => u.value.clone(),
            None => format!("{}/oauth/v1/token", self.effective_base_url()),
        })
    }
}

impl HubSpotRateLimit {
    /// Requests per 10 seconds (default 190).
    pub fn per_10_seconds(&self) -> u32 {
        self.per_10_seconds.unwrap_or(190)
    }
    /// Searches per second (default 4).
    pub fn search_per_second(&self) -> u32 {
        self.search_per_second.unwrap_or(4)
    }
}

impl QboConnection {
    /// API base URL without a trailing slash (default from `environment`).
    pub fn effective_base_url(&self) -> String {
        let default = match self.environment {
            QboEnvironment::Production => QBO_PRODUCTION_BASE_URL,
            QboEnvironment::Sandbox => QBO_SANDBOX_BASE_URL,
        };
        self.base_url
            .as_ref()
            .map_or(default, Str::as_str)
            .trim_end_matches('/')
            .to_string()
    }
    /// OAuth token endpoint (default Intuit's).
    pub fn token_url(&self) -> &str {
        self.token_url.as_ref().map_or(QBO_TOKEN_URL, Str::as_str)
    }
    /// Whether OAuth refresh credentials are configured.
    pub fn has_oauth(&self) -> bool {
        self.client_id.is_some() && self.client_secret.is_some() && self.refresh_token.is_some()
    }
}

impl QboRateLimit {
    /// Requests per minute (default 500).
    pub fn per_minute(&self) -> u32 {
        self.per_minute.unwrap_or(500)
    }
    /// Batch requests per minute (default 40).
    pub fn batch_per_minute(&self) -> u32 {
        self.batch_per_minute.unwrap_or(40)
    }
    /// Concurrent requests (default 10).
    pub fn concurrency(&self) -> u32 {
        self.concurrency.unwrap_or(10)
    }
}

impl Manifest {
    /// Whether both connections are the built-in emulator.
    pub fn is_sandbox(&self) -> bool {
        self.sandbox.is_some()
    }

    /// The QuickBooks company names: the declared ones, or `sandbox` for a
    /// sandbox manifest that declares none.
    pub fn qbo_company_names(&self) -> Vec<&str> {
        if self.quickbooks.is_empty() && self.is_sandbox() {
            vec![SANDBOX_COMPANY]
        } else {
            self.quickbooks.keys().map(String::as_str).collect()
        }
    }

    /// Resolve a `quickbooks:` setting: the named company if declared, or the
    /// only company when none is named. `None` when it cannot be resolved
    /// (validation reports that, so a loaded manifest always resolves).
    pub fn qbo_company_named(&self, requested: Option<&Str>) -> Option<&str> {
        let names = self.qbo_company_names();
        match requested {
            Some(r) => names.into_iter().find(|n| *n == r.value),
            None => match names.as_slice() {
                [only] => Some(only),
                _ => None,
            },
        }
    }

    /// The QuickBooks company a block syncs with.
    pub fn qbo_company_for<B: SyncBlock>(&self, block: &B) -> Option<&str> {
        self.qbo_company_named(block.quickbooks_setting())
    }

    /// The connection of the QuickBooks company a block syncs with (`None` for
    /// the implicit sandbox company).
    pub fn qbo_connection_for<B: SyncBlock>(&self, block: &B) -> Option<&QboConnection> {
        self.quickbooks.get(self.qbo_company_for(block)?)
    }

    /// The contacts block, if present and enabled.
    pub fn contacts(&self) -> Option<&ContactsSync> {
        self.sync.contacts.as_ref().filter(|b| b.is_enabled())
    }

    /// The products block, if present and enabled.
    pub fn products(&self) -> Option<&ProductsSync> {
        self.sync.products.as_ref().filter(|b| b.is_enabled())
    }

    /// The invoices block, if present and enabled.
    pub fn invoices(&self) -> Option<&InvoicesSync> {
        self.sync.invoices.as_ref().filter(|b| b.is_enabled())
    }

    /// The deal-invoices block, if present and enabled.
    pub fn deal_invoices(&self) -> Option<&DealInvoicesSync> {
        self.sync.deal_invoices.as_ref().filter(|b| b.is_enabled())
    }

    /// The enabled blocks with their directions, in manifest order.
    pub fn enabled_blocks(&self) -> Vec<(BlockKind, Direction)> {
        let mut out = Vec::new();
        if let Some(b) = self.contacts() {
            out.push((BlockKind::Contacts, b.direction()));
        }
        if let Some(b) = self.products() {
            out.push((BlockKind::Products, b.direction()));
        }
        if let Some(b) = self.invoices() {
            out.push((BlockKind::Invoices, SyncBlock::direction(b)));
        }
        if let Some(b) = self.deal_invoices() {
            out.push((BlockKind::DealInvoices, b.direction()));
        }
        out
    }

    /// The QuickBooks company of an `attach` entry.
    pub fn qbo_company_for_attach(&self, entry: &AttachEntry) -> Option<&str> {
        self.qbo_company_named(entry.quickbooks.as_ref())
    }

    /// One line describing the manifest, e.g. `contacts (two_way), products
    /// (quickbooks_to_hubspot); 1 QuickBooks company`.
    pub fn summary(&self) -> String {
        let blocks = self.enabled_blocks();
        let blocks = if blocks.is_empty() {
            "no sync block enabled".to_string()
        } else {
            blocks
                .iter()
                .map(|(k, d)| format!("{} ({})", k.name(), d.as_str()))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let n = self.qbo_company_names().len();
        let companies = if n == 1 {
            "1 QuickBooks company".to_string()
        } else {
            format!("{n} QuickBooks companies")
        };
        let mode = if self.is_sandbox() { " (sandbox)" } else { "" };
        format!("{blocks}; {companies}{mode}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(yaml: &str) -> Manifest {
        serde_saphyr::from_str(yaml).expect("test manifest parses")
    }

    #[test]
    fn mappings_merge_defaults_remove_and_fields() {
        let m = parse(
            "version: 1\nsync:\n  contacts:\n    direction: two_way\n    conflict: hubspot_wins\n    mappings:\n      remove: [website, mobilephone]\n      fields:\n        - {hubspot: phone, quickbooks: AlternatePhone.FreeFormNumber}\n        - {hubspot: jobtitle, quickbooks: Title, direction: hubspot_to_quickbooks}\n",
        );
        let c = m.sync.contacts.as_ref().unwrap();
        let eff = c.mappings_effective();
        let names: Vec<_> = eff.iter().map(|e| e.hubspot.as_str()).collect();
        assert_eq!(
            names,
            [
                "email",
                "firstname",
                "lastname",
                "company",
                "phone",
                "address",
                "city",
                "state",
                "zip",
                "country",
                "jobtitle"
            ]
        );
        let phone = eff.iter().find(|e| e.hubspot == "phone").unwrap();
        assert_eq!(phone.quickbooks, "AlternatePhone.FreeFormNumber");
        assert_eq!(phone.origin, MappingOrigin::Custom(0));
        assert_eq!(phone.direction, Direction::TwoWay);
        let job = eff.last().unwrap();
        assert_eq!(job.direction, Direction::HubspotToQuickbooks);
        assert_eq!(eff[0].origin, MappingOrigin::Default);
    }

    #[test]
    fn defaults_can_be_switched_off() {
        let m = parse(
            "version: 1\nsync:\n  products:\n    direction: quickbooks_to_hubspot\n    mappings:\n      defaults: false\n      fields:\n        - {hubspot: name, quickbooks: Name}\n",
        );
        let p = m.sync.products.as_ref().unwrap();
        let eff = p.mappings_effective();
        assert_eq!(eff.len(), 1);
        assert_eq!(eff[0].direction, Direction::QuickbooksToHubspot);
        assert_eq!(
            p.effective_match_keys(),
            [ProductMatchKey::Sku, ProductMatchKey::Name]
        );
        assert_eq!(p.link_property(), "hsqb_qbo_item_id");
    }

    #[test]
    fn company_resolution() {
        let one = parse(
            "version: 1\nquickbooks:\n  main: {realm_id: '1'}\nsync:\n  contacts: {direction: two_way}\n",
        );
        let c = one.sync.contacts.as_ref().unwrap();
        assert_eq!(one.qbo_company_for(c), Some("main"));
        assert!(one.qbo_connection_for(c).is_some());
        let two = parse(
            "version: 1\nquickbooks:\n  us: {realm_id: '1'}\n  uk: {realm_id: '2'}\nsync:\n  contacts: {direction: two_way, quickbooks: uk}\n  products: {direction: two_way}\n",
        );
        assert_eq!(
            two.qbo_company_for(two.sync.contacts.as_ref().unwrap()),
            Some("uk")
        );
        assert_eq!(
            two.qbo_company_for(two.sync.products.as_ref().unwrap()),
            None
        );
        let sandbox = parse("version: 1\nsandbox: {}\nsync:\n  invoices: {}\n");
        let inv = sandbox.sync.invoices.as_ref().unwrap();
        assert_eq!(sandbox.qbo_company_for(inv), Some(SANDBOX_COMPANY));
        assert!(sandbox.qbo_connection_for(inv).is_none());
        assert_eq!(SyncBlock::direction(inv), Direction::QuickbooksToHubspot);
        assert_eq!(
            sandbox.summary(),
            "invoices (quickbooks_to_hubspot); 1 QuickBooks company (sandbox)"
        );
    }

    #[test]
    fn scalar_defaults() {
        let m = parse("version: 1\nhubspot: {}\nquickbooks:\n  main: {environment: sandbox}\n");
        let hs = m.hubspot.as_ref().unwrap();
        assert_eq!(hs.effective_base_url(), HUBSPOT_BASE_URL);
        assert_eq!(hs.property_group(), "hsqb");
        assert_eq!(hs.rate_limit.per_10_seconds(), 190);
        assert_eq!(
            m.quickbooks["main"].effective_base_url(),
            QBO_SANDBOX_BASE_URL
        );
        assert_eq!(m.safety.max_deletes(), 10);
        assert_eq!(m.safety.max_delete_percent(), Decimal::from(5));
        let inc = Incremental::default();
        assert!(inc.is_enabled());
        assert_eq!(inc.lookback(), Duration::from_secs(300));
        let names = DealInvoiceProperties::default().names();
        assert_eq!(names.number, "hsqb_invoice_number");
        assert_eq!(
            DisplayNameRule::default().effective_templates(),
            ["{{company}}", "{{firstname}} {{lastname}}", "{{email}}"]
        );
    }
}
