//! The deterministic data generator: fills an [`Emulator`] with a realistic
//! HubSpot portal and QuickBooks company, for tests, benchmarks and
//! `hsqb emulator --generate`.
//!
//! Everything is written through the in-process APIs (`HsState`,
//! `QboState`), so it passes the same validation as API writes but costs no
//! HTTP: 100,000 records per side take seconds in a release build.
//!
//! **Determinism.** The same [`GenerateSpec`], seed and anchor produce the
//! same data, byte for byte: every choice comes from one `ChaCha8Rng`, names
//! are built from indexes, and every timestamp is derived from the anchor
//! (midnight UTC of the data clock's day, or the one given to
//! [`populate_at`]), never read from a clock.
//!
//! **Edge cases** are planted at fixed rates with a floor of one record, so
//! even a small data set has each of them (see [`Edge`] and
//! `docs/emulator.md`); [`GenerateReport`] lists the records carrying each.
//!
//! Layout: `spec` (what to generate and its `key=value` syntax), `report`,
//! `names` (name pools and text), `pick` (quotas, RNG, timeline, money),
//! `hubspot` (companies, contacts, products, deals, line items, quotes),
//! `quickbooks` (customers, vendors, employees, items) and `invoices`
//! (invoices, payments, voids).

mod hubspot;
mod invoices;
mod names;
mod pick;
mod pools;
mod quickbooks;
mod report;
mod spec;

pub use report::{Created, Edge, GenerateReport, RecordRef};
pub use spec::{GenerateSpec, KEYS, MAX_COUNT, SpecError};

use super::Emulator;
use super::hubspot::HsError;
use super::quickbooks::QboError;
use chrono::{DateTime, NaiveDate, Utc};
use names::{ItemKind, Person};
use pick::{Rng, Timeline};
use rust_decimal::Decimal;

/// Why generation stopped. Records written before the failure stay.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    /// The spec is inconsistent.
    #[error("invalid generator spec: {0}")]
    Spec(#[from] SpecError),
    /// The QuickBooks company is not served by this emulator.
    #[error("QuickBooks realm {0} is not configured in this emulator")]
    UnknownRealm(String),
    /// The emulated HubSpot portal refused a generated record.
    #[error("generating {what}: HubSpot refused it: {source}")]
    HubSpot {
        /// The record being written.
        what: String,
        /// The API's error.
        source: Box<HsError>,
    },
    /// The emulated QuickBooks company refused a generated record.
    #[error("generating {what}: QuickBooks refused it: {source}")]
    QuickBooks {
        /// The record being written.
        what: String,
        /// The API's error.
        source: Box<QboError>,
    },
}

/// Fill `emulator` per `spec`, seeded by `seed`, relative to midnight UTC of
/// the emulator's data-clock day. Persists both states once at the end (when
/// the emulator has a data directory).
pub fn populate(
    emulator: &Emulator,
    spec: &GenerateSpec,
    seed: u64,
) -> Result<GenerateReport, GenerateError> {
    let now = emulator.shared().clock.now();
    let anchor = now
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc())
        .unwrap_or(now);
    populate_at(emulator, spec, seed, anchor)
}

/// [`populate`] with an explicit anchor: record timestamps lie in the 90
/// days before it, and "today" (overdue invoices, expired quotes, open deals'
/// close dates) is its date.
pub fn populate_at(
    emulator: &Emulator,
    spec: &GenerateSpec,
    seed: u64,
    anchor: DateTime<Utc>,
) -> Result<GenerateReport, GenerateError> {
    spec.validate()?;
    let shared = emulator.shared();
    let realm = {
        let qbo = shared.quickbooks.lock().unwrap_or_else(|e| e.into_inner());
        let realms = qbo.realm_ids();
        match &spec.realm {
            Some(r) if realms.contains(r) => r.clone(),
            Some(r) => return Err(GenerateError::UnknownRealm(r.clone())),
            None => shared
                .config
                .realms
                .first()
                .filter(|r| realms.contains(r))
                .or_else(|| realms.first())
                .cloned()
                .ok_or_else(|| GenerateError::UnknownRealm("(none)".into()))?,
        }
    };
    let mut g = Gen::new(spec, seed, anchor, realm);
    let mut plan = hubspot::plan(&mut g);
    {
        // Held for the whole bulk load: the generator is one logical write,
        // and API requests arriving meanwhile wait rather than see half of it.
        let mut hs = shared.hubspot.lock().unwrap_or_else(|e| e.into_inner());
        hubspot::write(&mut g, &mut hs, &mut plan)?;
    }
    shared.persist_hubspot();
    {
        let mut qbo = shared.quickbooks.lock().unwrap_or_else(|e| e.into_inner());
        let mut company = quickbooks::write(&mut g, &mut qbo, &plan)?;
        invoices::write(&mut g, &mut qbo, &mut company)?;
        quickbooks::deactivate(&mut g, &mut qbo, &company)?;
    }
    shared.persist_quickbooks();
    Ok(g.report)
}

/// The generator's running state: the RNG, the clock of write times, the
/// name builder and the report being built.
pub(crate) struct Gen<'a> {
    pub(crate) rng: Rng,
    pub(crate) spec: &'a GenerateSpec,
    pub(crate) today: NaiveDate,
    pub(crate) clock: Timeline,
    pub(crate) names: names::Namer,
    pub(crate) report: GenerateReport,
    pub(crate) realm: String,
}

impl<'a> Gen<'a> {
    fn new(spec: &'a GenerateSpec, seed: u64, anchor: DateTime<Utc>, realm: String) -> Self {
        let mut rng = pick::rng(seed);
        let names = names::Namer::new(&mut rng);
        // Writes beyond the records themselves: line items, payments,
        // deactivations.
        let writes = spec.total() + spec.deals * 3 + spec.invoices + spec.items / 10 + 16;
        Gen {
            rng,
            spec,
            today: anchor.date_naive(),
            clock: Timeline::new(anchor, writes),
            names,
            report: GenerateReport::new(seed, anchor, realm.clone()),
            realm,
        }
    }
}

/// A HubSpot contact as generated (the QuickBooks side matches customers to
/// these).
#[derive(Debug, Clone)]
pub(crate) struct ContactInfo {
    pub(crate) id: String,
    pub(crate) person: Person,
    pub(crate) email: Option<String>,
    pub(crate) phone: Option<String>,
    pub(crate) city: &'static str,
    /// The associated company's (id, name).
    pub(crate) company: Option<(String, String)>,
}

/// How an item matches its product.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MatchKind {
    /// Same SKU and name.
    SkuAndName,
    /// Same SKU, the item was renamed in QuickBooks.
    SkuOnly,
    /// Same name; the product has no SKU.
    NameOnly,
}

/// A HubSpot product as planned (items are matched to these before the
/// products are written, because a name-only match needs a product without
/// SKU).
#[derive(Debug, Clone)]
pub(crate) struct ProductInfo {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) sku: Option<String>,
    pub(crate) price: Decimal,
    pub(crate) kind: ItemKind,
    pub(crate) matched: Option<MatchKind>,
    /// How the name was built.
    pub(crate) name_kind: names::NameKind,
    /// Whether the description is a long text.
    pub(crate) long: bool,
}
