//! Record blocks: HubSpot contacts ⇄ QBO customers and HubSpot products ⇄ QBO
//! items. Pairing (stored links, then match keys), field diffs (three-way for
//! two-way blocks), create/update/delete policies and filters.

use super::builder::{Builder, hs_ref, qbo_ref};
use super::filter;
use super::input::{HubSpotSnapshot, QboSnapshot, StateView, baseline_key};
use super::mapping::FieldMap;
use super::model::*;
use super::names::{self, NameRegistry};
use super::template;
use crate::manifest::{
    CollisionStrategy, Conflict, ContactMatchKey, Direction, DisplayNameRule, FilterScope, Filters,
    ItemType, OnCreate, OnDelete, OnUpdate, ProductMatchKey,
};
use crate::model::{HsRecord, ObjectKind, QboRecord, System, Value};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Which record block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Contacts ⇄ customers.
    Contacts,
    /// Products ⇄ items.
    Products,
}

/// Item-creation settings (products block).
#[derive(Debug, Clone)]
pub struct ItemSettings {
    /// Item type for creates.
    pub item_type: ItemType,
    /// Resolved income account Id.
    pub income_account: Option<String>,
    /// Resolved expense account Id.
    pub expense_account: Option<String>,
    /// Resolved asset account Id.
    pub asset_account: Option<String>,
}

/// A resolved record block.
#[derive(Debug, Clone)]
pub struct RecordBlock<'a> {
    /// Which one.
    pub kind: Kind,
    /// QBO company name.
    pub company: String,
    /// Direction.
    pub direction: Direction,
    /// Conflict rule (two-way).
    pub conflict: Option<Conflict>,
    /// Whether a winner may blank a filled field.
    pub allow_blanking: bool,
    /// Create policy.
    pub on_create: OnCreate,
    /// Update policy.
    pub on_update: OnUpdate,
    /// Delete policy.
    pub on_delete: OnDelete,
    /// Filters.
    pub filters: &'a Filters,
    /// Link property.
    pub link_property: String,
    /// Resolved mappings.
    pub maps: Vec<FieldMap>,
    /// Contact match keys.
    pub contact_keys: Vec<ContactMatchKey>,
    /// Product match keys.
    pub product_keys: Vec<ProductMatchKey>,
    /// Display-name rule (contacts).
    pub display_name: Option<&'a DisplayNameRule>,
    /// Display-name templates (resolved defaults).
    pub display_templates: Vec<String>,
    /// Item settings (products).
    pub items: Option<ItemSettings>,
    /// Change ids every link/HubSpot write of this block depends on (property ensures).
    pub property_deps: Vec<String>,
    /// The home currency when the QBO company has multicurrency on (customers
    /// must then be created with a `CurrencyRef`, which is immutable).
    pub multicurrency_home: Option<String>,
}

impl RecordBlock<'_> {
    fn block(&self) -> Block {
        match self.kind {
            Kind::Contacts => Block::Contacts,
            Kind::Products => Block::Products,
        }
    }
    fn hs_object(&self) -> &'static str {
        match self.kind {
            Kind::Contacts => "contacts",
            Kind::Products => "products",
        }
    }
    fn hs_kind(&self) -> ObjectKind {
        match self.kind {
            Kind::Contacts => ObjectKind::Contact,
            Kind::Products => ObjectKind::Product,
        }
    }
    fn qbo_entity(&self) -> &'static str {
        match self.kind {
            Kind::Contacts => "Customer",
            Kind::Products => "Item",
        }
    }
    fn qbo_kind(&self) -> ObjectKind {
        match self.kind {
            Kind::Contacts => ObjectKind::Customer,
            Kind::Products => ObjectKind::Item,
        }
    }
    fn name_namespace(&self) -> &'static str {
        match self.kind {
            Kind::Contacts => "person",
            Kind::Products => "item",
        }
    }

    fn hs_label(&self, r: &HsRecord) -> String {
        hs_record_label(self.block(), r)
    }

    fn qbo_label(&self, q: &QboRecord) -> String {
        match self.kind {
            Kind::Contacts => {
                let name = q
                    .get_str("DisplayName")
                    .map(names::strip_deleted)
                    .unwrap_or("");
                match (name.is_empty(), q.get_str("PrimaryEmailAddr.Address")) {
                    (false, Some(e)) => format!("{name} <{e}>"),
                    (false, None) => name.to_string(),
                    (true, Some(e)) => e.to_string(),
                    (true, None) => format!("customer {}", q.id),
                }
            }
            Kind::Products => {
                let name = q.get_str("Name").map(names::strip_deleted).unwrap_or("");
                match (name.is_empty(), q.get_str("Sku")) {
                    (false, Some(s)) => format!("{name} [{s}]"),
                    (false, None) => name.to_string(),
                    (true, Some(s)) => format!("[{s}]"),
                    (true, None) => format!("item {}", q.id),
                }
            }
        }
    }
}

/// The QBO side of a pair.
#[derive(Debug, Clone, Copy)]
enum QboSide<'a> {
    Record(&'a QboRecord),
    /// The linked record no longer exists (deleted or merged).
    Gone,
}

struct Pair<'a> {
    hs: &'a HsRecord,
    qbo: QboSide<'a>,
    qbo_id: String,
}

fn norm_email(s: &str) -> String {
    s.trim().to_lowercase()
}

fn norm_name(s: &str) -> String {
    names::norm(names::strip_deleted(s))
}

fn numeric_order(a: &str, b: &str) -> std::cmp::Ordering {
    (a.len(), a).cmp(&(b.len(), b))
}

/// Plan one record block.
pub fn plan_block(
    rb: &RecordBlock<'_>,
    hubspot: &HubSpotSnapshot,
    qbo: &QboSnapshot,
    state: &StateView,
    names_reg: &mut NameRegistry,
    b: &mut Builder,
) {
    let block = rb.block();
    // Records read only as context for other blocks are not planned here.
    let hs_context = hubspot.objects.get(rb.hs_object()).map(|s| &s.context);
    let qbo_context = qbo.entities.get(rb.qbo_entity()).map(|s| &s.context);
    let mut hs_all: Vec<&HsRecord> = hubspot
        .records(rb.hs_object())
        .iter()
        .filter(|r| hs_context.is_none_or(|c| !c.contains(&r.id)))
        .collect();
    hs_all.sort_by(|x, y| numeric_order(&x.id, &y.id));
    let mut qbo_all: Vec<&QboRecord> = qbo
        .records(rb.qbo_entity())
        .iter()
        .filter(|r| qbo_context.is_none_or(|c| !c.contains(&r.id)))
        .collect();
    qbo_all.sort_by(|x, y| numeric_order(&x.id, &y.id));
    let qbo_by_id: HashMap<&str, &QboRecord> =
        qbo_all.iter().map(|q| (q.id.as_str(), *q)).collect();

    // 1. Stored links.
    let mut pairs: Vec<Pair<'_>> = Vec::new();
    let mut paired_qbo: HashSet<String> = HashSet::new();
    let mut unlinked_hs: Vec<&HsRecord> = Vec::new();
    let mut linked_hs: HashSet<&str> = HashSet::new();
    for hs in &hs_all {
        match hs.prop(&rb.link_property) {
            Some(link) => {
                if !paired_qbo.insert(link.to_string()) {
                    b.record_diag(
                        Severity::Error,
                        "duplicate_link",
                        block,
                        Some(hs_ref(rb.hs_kind(), &hs.id)),
                        Some(rb.hs_label(hs)),
                        format!(
                            "another HubSpot {} already links QuickBooks {} {link}; this one is not synced",
                            rb.hs_kind(),
                            rb.qbo_kind()
                        ),
                        Some("Clear the link property on the duplicate record (only one may hold a given QuickBooks Id)."),
                    );
                    b.skip(&hs_ref(rb.hs_kind(), &hs.id));
                    continue;
                }
                linked_hs.insert(hs.id.as_str());
                if let Some(q) = qbo_by_id.get(link) {
                    pairs.push(Pair {
                        hs,
                        qbo: QboSide::Record(q),
                        qbo_id: link.to_string(),
                    });
                } else if qbo.is_deleted(rb.qbo_entity(), link) || qbo.complete(rb.qbo_entity()) {
                    pairs.push(Pair {
                        hs,
                        qbo: QboSide::Gone,
                        qbo_id: link.to_string(),
                    });
                }
                // Otherwise (incremental refresh) the counterpart was not read:
                // nothing changed on it and the HubSpot side is handled when it is.
                else if !hs.archived {
                    b.record_diag(
                        Severity::Info,
                        "counterpart_not_read",
                        block,
                        Some(hs_ref(rb.hs_kind(), &hs.id)),
                        Some(rb.hs_label(hs)),
                        format!("the linked QuickBooks {} {link} was not read in this incremental refresh", rb.qbo_kind()),
                        Some("Run with `--refresh full` to re-read everything."),
                    );
                }
            }
            None if !hs.archived => unlinked_hs.push(hs),
            None => {}
        }
    }

    // 2. Match keys for unlinked records.
    let qbo_unpaired: Vec<&QboRecord> = qbo_all
        .iter()
        .copied()
        .filter(|q| q.active && !paired_qbo.contains(&q.id))
        .collect();
    let mut matched: Vec<(&HsRecord, &QboRecord, String)> = Vec::new();
    let mut hs_only: Vec<&HsRecord> = Vec::new();
    let mut claims: HashMap<&str, Vec<usize>> = HashMap::new();
    let indexes = KeyIndexes::build(rb, &qbo_unpaired);
    // Deactivated ("deleted") QuickBooks records are never linked by match
    // keys, but a HubSpot record matching one is not created again either:
    // that would bring back, as a second record, what someone deleted.
    let creates_qbo = rb.direction.writes_quickbooks() && rb.on_create == OnCreate::Create;
    let qbo_inactive: Vec<&QboRecord> = if creates_qbo {
        qbo_all
            .iter()
            .copied()
            .filter(|q| !q.active && !paired_qbo.contains(&q.id))
            .collect()
    } else {
        Vec::new()
    };
    let inactive_indexes = KeyIndexes::build(rb, &qbo_inactive);
    for hs in unlinked_hs {
        if !entry_allowed_hs(rb, hs) {
            continue;
        }
        match find_match(rb, hs, &indexes) {
            MatchResult::One(q, key) => {
                claims.entry(q.id.as_str()).or_default().push(matched.len());
                matched.push((hs, q, key));
            }
            MatchResult::None => match find_match(rb, hs, &inactive_indexes) {
                MatchResult::One(q, key) => {
                    inactive_match(rb, hs, std::slice::from_ref(&q.id), &key, b);
                }
                MatchResult::Ambiguous(ids, key) => inactive_match(rb, hs, &ids, &key, b),
                MatchResult::None | MatchResult::MissingKey(_) => hs_only.push(hs),
            },
            MatchResult::MissingKey(what) => {
                if rb.direction.writes_quickbooks() && rb.on_create == OnCreate::Create {
                    b.record_diag(
                        Severity::Warning,
                        "missing_match_key",
                        block,
                        Some(hs_ref(rb.hs_kind(), &hs.id)),
                        Some(rb.hs_label(hs)),
                        format!("has no {what}, so it cannot be matched to an existing QuickBooks {}; skipped to avoid a duplicate", rb.qbo_kind()),
                        Some("Add the value in HubSpot, or adopt the pair explicitly with `hsqb import`."),
                    );
                    b.skip(&hs_ref(rb.hs_kind(), &hs.id));
                }
            }
            MatchResult::Ambiguous(ids, key) => {
                b.record_diag(
                    Severity::Warning,
                    "ambiguous_match",
                    block,
                    Some(hs_ref(rb.hs_kind(), &hs.id)),
                    Some(rb.hs_label(hs)),
                    format!(
                        "{key} matches {} QuickBooks {}s ({}); not linked, not created",
                        ids.len(),
                        rb.qbo_kind(),
                        ids.join(", ")
                    ),
                    Some("Make the key unique in QuickBooks, or adopt the right pair with `hsqb import`."),
                );
                b.skip(&hs_ref(rb.hs_kind(), &hs.id));
            }
        }
    }
    // One QuickBooks record claimed by several HubSpot records is ambiguous too.
    let mut ambiguous_rows: HashSet<usize> = HashSet::new();
    for (qid, rows) in &claims {
        if rows.len() > 1 {
            let hs_ids: Vec<String> = rows.iter().map(|i| matched[*i].0.id.clone()).collect();
            for i in rows {
                ambiguous_rows.insert(*i);
                let (hs, _, key) = &matched[*i];
                b.record_diag(
                    Severity::Warning,
                    "ambiguous_match",
                    block,
                    Some(hs_ref(rb.hs_kind(), &hs.id)),
                    Some(rb.hs_label(hs)),
                    format!(
                        "{key}: QuickBooks {} {qid} matches {} HubSpot {}s ({}); not linked",
                        rb.qbo_kind(),
                        rows.len(),
                        rb.hs_kind(),
                        hs_ids.join(", ")
                    ),
                    Some("Make the key unique, or adopt the right pair with `hsqb import`."),
                );
                b.skip(&hs_ref(rb.hs_kind(), &hs.id));
            }
        }
    }
    let mut claimed_qbo: HashSet<&str> = HashSet::new();
    for (i, (hs, q, key)) in matched.iter().enumerate() {
        claimed_qbo.insert(q.id.as_str());
        if ambiguous_rows.contains(&i) {
            continue;
        }
        plan_link(rb, hs, q, key, state, b);
    }

    let qbo_only: Vec<&QboRecord> = qbo_unpaired
        .iter()
        .copied()
        .filter(|q| !claimed_qbo.contains(q.id.as_str()))
        .filter(|q| entry_allowed_qbo(rb, q))
        .collect();

    // 3. Creates.
    if rb.direction.writes_quickbooks() {
        match rb.on_create {
            OnCreate::Create => {
                for hs in &hs_only {
                    plan_create_qbo(rb, hs, names_reg, b);
                }
            }
            OnCreate::Ignore => policy_skip(rb, b, hs_only.len(), "HubSpot", "QuickBooks"),
        }
    }
    if rb.direction.writes_hubspot() {
        match rb.on_create {
            OnCreate::Create => {
                let mut emails: HashMap<String, String> = hs_all
                    .iter()
                    .filter(|h| !h.archived)
                    .filter_map(|h| h.prop("email").map(|e| (norm_email(e), h.id.clone())))
                    .collect();
                for q in &qbo_only {
                    plan_create_hubspot(rb, q, &mut emails, b);
                }
            }
            OnCreate::Ignore => policy_skip(rb, b, qbo_only.len(), "QuickBooks", "HubSpot"),
        }
    }

    // 4. Pairs: updates and deletes.
    for p in &pairs {
        plan_pair(rb, p, state, b);
    }
}

fn policy_skip(rb: &RecordBlock<'_>, b: &mut Builder, n: usize, from: &str, to: &str) {
    if n > 0 {
        b.record_diag(
            Severity::Info,
            "on_create_ignore",
            rb.block(),
            None,
            None,
            format!(
                "{n} {from} record(s) exist only in {from}; not created in {to} (on_create: ignore)"
            ),
            None,
        );
    }
}

fn hs_getter<'r>(hs: &'r HsRecord) -> impl Fn(&str) -> Option<String> + 'r {
    move |k: &str| hs.prop(k).map(str::to_string)
}

fn qbo_getter<'r>(q: &'r QboRecord) -> impl Fn(&str) -> Option<String> + 'r {
    move |k: &str| {
        q.get(k).map(|v| match v {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        })
    }
}

fn entry_allowed_hs(rb: &RecordBlock<'_>, hs: &HsRecord) -> bool {
    filter::matches_all(&rb.filters.hubspot, &hs_getter(hs))
}

fn entry_allowed_qbo(rb: &RecordBlock<'_>, q: &QboRecord) -> bool {
    filter::matches_all(&rb.filters.quickbooks, &qbo_getter(q))
}

struct KeyIndexes<'a> {
    email: HashMap<String, Vec<&'a QboRecord>>,
    name_email: HashMap<String, Vec<&'a QboRecord>>,
    sku: HashMap<String, Vec<&'a QboRecord>>,
    name: HashMap<String, Vec<&'a QboRecord>>,
}

impl<'a> KeyIndexes<'a> {
    fn build(rb: &RecordBlock<'_>, qbo: &[&'a QboRecord]) -> Self {
        let mut ix = KeyIndexes {
            email: HashMap::new(),
            name_email: HashMap::new(),
            sku: HashMap::new(),
            name: HashMap::new(),
        };
        for q in qbo {
            if !entry_allowed_qbo(rb, q) {
                continue;
            }
            match rb.kind {
                Kind::Contacts => {
                    if let Some(e) = q
                        .get_str("PrimaryEmailAddr.Address")
                        .filter(|e| !e.trim().is_empty())
                    {
                        ix.email.entry(norm_email(e)).or_default().push(q);
                        let k = name_email_key(q.get_str("GivenName"), q.get_str("FamilyName"), e);
                        ix.name_email.entry(k).or_default().push(q);
                    }
                }
                Kind::Products => {
                    if let Some(s) = q.get_str("Sku").filter(|s| !s.trim().is_empty()) {
                        ix.sku.entry(s.trim().to_string()).or_default().push(q);
                    }
                    if let Some(n) = q.get_str("Name").filter(|s| !s.trim().is_empty()) {
                        ix.name.entry(norm_name(n)).or_default().push(q);
                    }
                }
            }
        }
        ix
    }
}

/// A HubSpot record whose only match is a deactivated QuickBooks record:
/// a diagnostic, and no create.
fn inactive_match(rb: &RecordBlock<'_>, hs: &HsRecord, ids: &[String], key: &str, b: &mut Builder) {
    let kind = rb.qbo_kind();
    b.record_diag(
        Severity::Warning,
        "inactive_match",
        rb.block(),
        Some(hs_ref(rb.hs_kind(), &hs.id)),
        Some(rb.hs_label(hs)),
        format!(
            "{key} matches only the deactivated (\"deleted\") QuickBooks {kind} {}; not created, so it does not come back as a second {kind}",
            ids.join(", ")
        ),
        Some("Reactivate it in QuickBooks to have hsqb link it, adopt the pair with `hsqb import`, or change the key in HubSpot if a new record is meant."),
    );
    b.skip(&hs_ref(rb.hs_kind(), &hs.id));
}

/// How plans name a HubSpot record of a record block: `First Last <email>`
/// for contacts, `Name [SKU]` for products (falling back to the id).
pub(super) fn hs_record_label(block: Block, r: &HsRecord) -> String {
    if block == Block::Contacts {
        let name = [r.prop("firstname"), r.prop("lastname")]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        return match (name.is_empty(), r.prop("email")) {
            (false, Some(e)) => format!("{name} <{e}>"),
            (false, None) => name,
            (true, Some(e)) => e.to_string(),
            (true, None) => format!("contact {}", r.id),
        };
    }
    match (r.prop("name"), r.prop("hs_sku")) {
        (Some(n), Some(s)) => format!("{n} [{s}]"),
        (Some(n), None) => n.to_string(),
        (None, Some(s)) => format!("[{s}]"),
        (None, None) => format!("product {}", r.id),
    }
}

fn name_email_key(first: Option<&str>, last: Option<&str>, email: &str) -> String {
    format!(
        "{}|{}|{}",
        first.unwrap_or("").trim().to_lowercase(),
        last.unwrap_or("").trim().to_lowercase(),
        norm_email(email)
    )
}

enum MatchResult<'a> {
    One(&'a QboRecord, String),
    None,
    MissingKey(&'static str),
    Ambiguous(Vec<String>, String),
}

fn pick<'a>(cands: Option<&Vec<&'a QboRecord>>, key: String) -> Option<MatchResult<'a>> {
    match cands.map(Vec::as_slice) {
        None | Some([]) => None,
        Some([one]) => Some(MatchResult::One(one, key)),
        Some(many) => Some(MatchResult::Ambiguous(
            many.iter().map(|q| q.id.clone()).collect(),
            key,
        )),
    }
}

fn find_match<'a>(rb: &RecordBlock<'_>, hs: &HsRecord, ix: &KeyIndexes<'a>) -> MatchResult<'a> {
    match rb.kind {
        Kind::Contacts => {
            let Some(email) = hs.prop("email") else {
                return MatchResult::MissingKey("email");
            };
            for key in &rb.contact_keys {
                let found = match key {
                    ContactMatchKey::Email => pick(
                        ix.email.get(&norm_email(email)),
                        format!("email={}", norm_email(email)),
                    ),
                    ContactMatchKey::NameAndEmail => {
                        let k = name_email_key(hs.prop("firstname"), hs.prop("lastname"), email);
                        pick(
                            ix.name_email.get(&k),
                            format!("name+email={}", k.replace('|', " ")),
                        )
                    }
                };
                if let Some(r) = found {
                    return r;
                }
            }
            MatchResult::None
        }
        Kind::Products => {
            let sku = hs.prop("hs_sku").map(str::trim).filter(|s| !s.is_empty());
            let mut had_key = false;
            for key in &rb.product_keys {
                match key {
                    ProductMatchKey::Sku => {
                        if let Some(s) = sku {
                            had_key = true;
                            if let Some(r) = pick(ix.sku.get(s), format!("sku={s}")) {
                                return r;
                            }
                        }
                    }
                    ProductMatchKey::Name => {
                        if let Some(n) = hs.prop("name") {
                            had_key = true;
                            // A same-named item carrying a different SKU is another product.
                            let cands: Vec<&QboRecord> = ix
                                .name
                                .get(&norm_name(n))
                                .into_iter()
                                .flatten()
                                .copied()
                                .filter(|q| {
                                    match (
                                        sku,
                                        q.get_str("Sku").map(str::trim).filter(|s| !s.is_empty()),
                                    ) {
                                        (Some(a), Some(b)) => a == b,
                                        _ => true,
                                    }
                                })
                                .collect();
                            if let Some(r) = pick(Some(&cands), format!("name={}", n.trim())) {
                                return r;
                            }
                        }
                    }
                }
            }
            if had_key {
                MatchResult::None
            } else {
                MatchResult::MissingKey("SKU or name")
            }
        }
    }
}

/// Field values both sides agree on (HubSpot wire form), for baselines.
/// The baseline a link records. Agreed fields get their value. A field that
/// differs is decided now by the conflict rule, with the records' modification
/// times *before* the link write (which bumps HubSpot's `updatedAt`), and the
/// loser's value is recorded: on the next run the winner then reads as "changed
/// since the last sync" and its value flows to the other side.
fn link_baseline(rb: &RecordBlock<'_>, hs: &HsRecord, q: &QboRecord) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for m in &rb.maps {
        let (Ok(h), Ok(qv)) = (m.hs_value(hs), m.qbo_value(q)) else {
            continue;
        };
        if agree(m, &h, &qv, hs, q) {
            out.insert(m.hubspot.clone(), h.to_hubspot());
        } else if m.direction == Direction::TwoWay {
            let h_now = h.to_hubspot();
            let q_in_hs = m
                .to_hubspot(&qv, Some(q))
                .unwrap_or(Value::Null)
                .to_hubspot();
            let loser = match first_sight_winner(rb, hs, q, &h_now, &q_in_hs).0 {
                Winner::Qbo => h_now,
                Winner::Hubspot => q_in_hs,
            };
            out.insert(m.hubspot.clone(), loser);
        }
    }
    out
}

fn agree(m: &FieldMap, h: &Value, qv: &Value, hs: &HsRecord, q: &QboRecord) -> bool {
    m.to_hubspot(qv, Some(q)).is_ok_and(|v| v.same_as(h))
        || m.to_qbo(h, Some(hs)).is_ok_and(|v| v.same_as(qv))
}

fn plan_link(
    rb: &RecordBlock<'_>,
    hs: &HsRecord,
    q: &QboRecord,
    key: &str,
    _state: &StateView,
    b: &mut Builder,
) {
    let block = rb.block();
    let differing = rb
        .maps
        .iter()
        .filter(|m| match (m.hs_value(hs), m.qbo_value(q)) {
            (Ok(h), Ok(qv)) => !agree(m, &h, &qv, hs, q),
            _ => false,
        })
        .count();
    let mut reason = format!(
        "HubSpot {} {} and QuickBooks {} {} already describe the same record; only the link is written",
        rb.hs_kind(),
        hs.id,
        rb.qbo_kind(),
        q.id
    );
    if differing > 0 {
        reason.push_str(&format!(
            " ({differing} mapped field(s) differ and will be reconciled on the next run)"
        ));
    }
    let baseline = (rb.direction == Direction::TwoWay).then(|| BaselineEntry {
        block,
        hubspot_id: Some(hs.id.clone()),
        qbo_id: Some(q.id.clone()),
        values: link_baseline(rb, hs, q),
        qbo_values: Default::default(),
        from_created: Vec::new(),
    });
    b.push(Change {
        id: format!("{}/link/hubspot/{}", block.name(), hs.id),
        block,
        action: Action::Link,
        system: System::Hubspot,
        object: rb.hs_kind(),
        company: None,
        target_id: Some(hs.id.clone()),
        source: Some(qbo_ref(rb.qbo_kind(), &rb.company, &q.id)),
        label: rb.hs_label(hs),
        match_key: Some(key.to_string()),
        fields: vec![FieldChange {
            field: rb.link_property.clone(),
            before: Value::Null,
            after: Value::Text(q.id.clone()),
            note: None,
        }],
        preconditions: vec![
            Precondition {
                record: hs_ref(rb.hs_kind(), &hs.id),
                updated_at: Some(hs.updated_at),
                sync_token: None,
                absent_key: None,
            },
            Precondition {
                record: qbo_ref(rb.qbo_kind(), &rb.company, &q.id),
                updated_at: None,
                sync_token: Some(q.sync_token.clone()),
                absent_key: None,
            },
        ],
        reason,
        payload: Payload::Link {
            property: rb.link_property.clone(),
            qbo_id: Some(q.id.clone()),
        },
        depends_on: rb.property_deps.clone(),
        link_back: None,
        baseline,
        fills: Vec::new(),
    });
}

/// Check a QBO value's length; `Err(message)` when QBO would reject it.
fn check_len(m: &FieldMap, v: &Value) -> Result<(), String> {
    if let Some(max) = m.qbo_spec.and_then(|s| s.max_len) {
        let len = v.display_plain().chars().count();
        if len > max {
            return Err(format!(
                "`{}` would be {len} characters; QuickBooks accepts at most {max} for `{}`",
                m.hubspot, m.qbo
            ));
        }
    }
    Ok(())
}

fn plan_create_qbo(
    rb: &RecordBlock<'_>,
    hs: &HsRecord,
    names_reg: &mut NameRegistry,
    b: &mut Builder,
) {
    let block = rb.block();
    let rec = hs_ref(rb.hs_kind(), &hs.id);
    let label = rb.hs_label(hs);
    let mut body = serde_json::Map::new();
    let mut fields = Vec::new();
    let mut problems = Vec::new();
    for m in rb.maps.iter().filter(|m| m.writes_qbo()) {
        let v = match m.hs_value(hs).and_then(|h| m.to_qbo(&h, Some(hs))) {
            Ok(v) => v,
            Err(e) => {
                problems.push(format!("`{}`: {e}", m.hubspot));
                continue;
            }
        };
        if v.is_empty() {
            continue;
        }
        if let Err(e) = check_len(m, &v) {
            problems.push(e);
            continue;
        }
        m.qbo.set(&mut body, v.to_qbo());
        fields.push(FieldChange {
            field: m.qbo.0.clone(),
            before: Value::Null,
            after: v,
            note: None,
        });
    }
    if !problems.is_empty() {
        b.record_diag(
            Severity::Error,
            "invalid_value",
            block,
            Some(rec.clone()),
            Some(label),
            format!("cannot be created in QuickBooks: {}", problems.join("; ")),
            Some("Fix the values in HubSpot (QuickBooks would reject the record)."),
        );
        b.skip(&rec);
        return;
    }
    let natural_key = match rb.kind {
        Kind::Contacts => {
            let rule = rb.display_name;
            let strategy = rule
                .map(|r| r.on_collision)
                .unwrap_or(CollisionStrategy::Suffix);
            let look = hs_getter(hs);
            let base = rb
                .display_templates
                .iter()
                .map(|t| template::render(t, &look))
                .find(|r| r.missing.is_empty() && !r.text.trim().is_empty())
                .map(|r| r.text);
            let Some(base) = base else {
                b.record_diag(
                    Severity::Error,
                    "no_display_name",
                    block,
                    Some(rec.clone()),
                    Some(label),
                    "none of the display-name templates can be filled from this contact".into(),
                    Some("Fill the contact's name, company or email, or change `display_name.templates`."),
                );
                b.skip(&rec);
                return;
            };
            let name = match names_reg.assign(
                rb.name_namespace(),
                &base,
                hs.prop("email"),
                strategy,
                500,
            ) {
                Ok(n) => n,
                Err(e) => {
                    b.record_diag(
                        Severity::Error,
                        "display_name_collision",
                        block,
                        Some(rec.clone()),
                        Some(label),
                        format!("{e}; the customer is not created"),
                        Some("Set `display_name.on_collision: suffix` (or `email`), or rename the existing QuickBooks customer, vendor or employee."),
                    );
                    b.skip(&rec);
                    return;
                }
            };
            if name.chars().count() > 500 {
                b.record_diag(
                    Severity::Error,
                    "invalid_value",
                    block,
                    Some(rec.clone()),
                    Some(label),
                    "the display name would exceed 500 characters".into(),
                    Some("Shorten the company or contact name."),
                );
                b.skip(&rec);
                return;
            }
            if name != base {
                b.record_diag(
                    Severity::Info,
                    "display_name_adjusted",
                    block,
                    Some(rec.clone()),
                    Some(label.clone()),
                    format!(
                        "\"{base}\" is taken in QuickBooks; the customer is created as \"{name}\""
                    ),
                    None,
                );
            }
            body.insert(
                "DisplayName".into(),
                serde_json::Value::String(name.clone()),
            );
            fields.insert(
                0,
                FieldChange {
                    field: "DisplayName".into(),
                    before: Value::Null,
                    after: Value::Text(name.clone()),
                    note: None,
                },
            );
            NaturalKey {
                field: "DisplayName".into(),
                value: name,
            }
        }
        Kind::Products => {
            let Some(name) = body
                .get("Name")
                .and_then(|v| v.as_str())
                .map(str::to_string)
            else {
                b.record_diag(
                    Severity::Error,
                    "missing_required",
                    block,
                    Some(rec.clone()),
                    Some(label),
                    "has no name; QuickBooks items require one".into(),
                    Some("Name the product in HubSpot."),
                );
                b.skip(&rec);
                return;
            };
            if names_reg.is_taken(rb.name_namespace(), &name) {
                b.record_diag(
                    Severity::Error,
                    "item_name_collision",
                    block,
                    Some(rec.clone()),
                    Some(label),
                    format!("a QuickBooks item named \"{name}\" already exists (with a different SKU); not created"),
                    Some("Rename one of the products, or give both the same SKU so they match."),
                );
                b.skip(&rec);
                return;
            }
            let settings = rb.items.as_ref();
            let Some(income) = settings.and_then(|s| s.income_account.clone()) else {
                b.record_diag(
                    Severity::Error,
                    "missing_income_account",
                    block,
                    Some(rec.clone()),
                    Some(label),
                    "QuickBooks items need an income account and none is configured; not created"
                        .into(),
                    Some("Set `sync.products.income_account` to an income account name or Id."),
                );
                b.skip(&rec);
                return;
            };
            names_reg.take(rb.name_namespace(), &name);
            let item_type = settings.map(|s| s.item_type).unwrap_or_default();
            let type_name = match item_type {
                ItemType::Service => "Service",
                ItemType::NonInventory => "NonInventory",
                ItemType::Inventory => "Inventory",
            };
            body.insert("Type".into(), type_name.into());
            body.insert(
                "IncomeAccountRef".into(),
                serde_json::json!({ "value": income }),
            );
            if item_type == ItemType::Inventory {
                let (Some(exp), Some(asset)) = (
                    settings.and_then(|s| s.expense_account.clone()),
                    settings.and_then(|s| s.asset_account.clone()),
                ) else {
                    b.record_diag(
                        Severity::Error,
                        "missing_inventory_accounts",
                        block,
                        Some(rec.clone()),
                        Some(label),
                        "inventory items need expense and asset accounts; not created".into(),
                        Some("Set `sync.products.expense_account` and `asset_account`, or use `item_type: service`."),
                    );
                    b.skip(&rec);
                    return;
                };
                body.insert(
                    "ExpenseAccountRef".into(),
                    serde_json::json!({ "value": exp }),
                );
                body.insert(
                    "AssetAccountRef".into(),
                    serde_json::json!({ "value": asset }),
                );
                body.insert("TrackQtyOnHand".into(), true.into());
                body.entry("QtyOnHand")
                    .or_insert_with(|| serde_json::Value::from(0));
                body.entry("InvStartDate")
                    .or_insert_with(|| hs.created_at.date_naive().to_string().into());
            }
            fields.push(FieldChange {
                field: "Type".into(),
                before: Value::Null,
                after: Value::Enum(type_name.into()),
                note: None,
            });
            NaturalKey {
                field: "Name".into(),
                value: name,
            }
        }
    };
    let change_id = format!("{}/create/quickbooks/hs:{}", block.name(), hs.id);
    b.push(Change {
        id: change_id.clone(),
        block,
        action: Action::Create,
        system: System::Quickbooks,
        object: rb.qbo_kind(),
        company: Some(rb.company.clone()),
        target_id: None,
        source: Some(rec.clone()),
        label,
        match_key: None,
        fields,
        preconditions: vec![
            Precondition {
                record: rec.clone(),
                updated_at: Some(hs.updated_at),
                sync_token: None,
                absent_key: None,
            },
            Precondition {
                record: qbo_ref(rb.qbo_kind(), &rb.company, ""),
                updated_at: None,
                sync_token: None,
                absent_key: Some(format!("{} = {}", natural_key.field, natural_key.value)),
            },
        ],
        reason: format!(
            "only in HubSpot; on_create: create ({})",
            direction_words(rb.direction)
        ),
        payload: Payload::Quickbooks {
            entity: rb.qbo_entity().into(),
            body,
            natural_key: Some(natural_key),
        },
        depends_on: rb.property_deps.clone(),
        link_back: Some(LinkBack {
            object: rb.hs_object().into(),
            id: hs.id.clone(),
            property: rb.link_property.clone(),
        }),
        baseline: (rb.direction == Direction::TwoWay).then(|| BaselineEntry {
            block,
            hubspot_id: Some(hs.id.clone()),
            qbo_id: None,
            // Every two-way field, empty ones included: QBO may fill a default
            // (e.g. `PurchaseCost: 0`) that apply records in `qbo_values` from
            // the created record, so it is not taken for a QuickBooks edit.
            values: rb
                .maps
                .iter()
                .filter(|m| m.direction == Direction::TwoWay)
                .filter_map(|m| {
                    m.hs_value(hs)
                        .ok()
                        .map(|v| (m.hubspot.clone(), v.to_hubspot()))
                })
                .collect(),
            qbo_values: Default::default(),
            from_created: rb
                .maps
                .iter()
                .filter(|m| m.direction == Direction::TwoWay && m.transforms.is_empty())
                .map(|m| Fill {
                    from_change: change_id.clone(),
                    source: m.qbo.0.clone(),
                    target: m.hubspot.clone(),
                    value_type: m.hs_type,
                })
                .collect(),
        }),
        fills: Vec::new(),
    });
}

fn plan_create_hubspot(
    rb: &RecordBlock<'_>,
    q: &QboRecord,
    emails: &mut HashMap<String, String>,
    b: &mut Builder,
) {
    let block = rb.block();
    let rec = qbo_ref(rb.qbo_kind(), &rb.company, &q.id);
    let label = rb.qbo_label(q);
    let mut props = BTreeMap::new();
    let mut fields = Vec::new();
    let mut problems = Vec::new();
    for m in rb.maps.iter().filter(|m| m.writes_hubspot()) {
        match m.qbo_value(q).and_then(|v| m.to_hubspot(&v, Some(q))) {
            Ok(v) if v.is_empty() => {}
            Ok(v) => {
                props.insert(m.hubspot.clone(), v.to_hubspot());
                fields.push(FieldChange {
                    field: m.hubspot.clone(),
                    before: Value::Null,
                    after: v,
                    note: None,
                });
            }
            Err(e) => problems.push(format!("`{}`: {e}", m.qbo)),
        }
    }
    if !problems.is_empty() {
        b.record_diag(
            Severity::Error,
            "invalid_value",
            block,
            Some(rec.clone()),
            Some(label),
            format!("cannot be created in HubSpot: {}", problems.join("; ")),
            Some("Fix the values in QuickBooks or the mapping's type."),
        );
        b.skip(&rec);
        return;
    }
    if rb.kind == Kind::Contacts {
        match props.get("email").map(|e| norm_email(e)) {
            None => {
                b.record_diag(
                    Severity::Warning,
                    "missing_match_key",
                    block,
                    Some(rec.clone()),
                    Some(label),
                    "has no email, so it cannot be matched to a HubSpot contact; skipped to avoid duplicates".into(),
                    Some("Add an email to the QuickBooks customer, or adopt the pair with `hsqb import`."),
                );
                b.skip(&rec);
                return;
            }
            Some(e) => {
                if let Some(other) = emails.get(&e) {
                    b.record_diag(
                        Severity::Warning,
                        "duplicate_email",
                        block,
                        Some(rec.clone()),
                        Some(label),
                        format!("email {e} is already used by HubSpot contact or planned contact {other}; HubSpot requires unique emails, so it is not created"),
                        Some("Give the QuickBooks customers distinct emails, or link this one with `hsqb import`."),
                    );
                    b.skip(&rec);
                    return;
                }
                emails.insert(e, format!("(from QuickBooks customer {})", q.id));
            }
        }
    }
    props.insert(rb.link_property.clone(), q.id.clone());
    fields.push(FieldChange {
        field: rb.link_property.clone(),
        before: Value::Null,
        after: Value::Text(q.id.clone()),
        note: None,
    });
    let baseline = (rb.direction == Direction::TwoWay).then(|| BaselineEntry {
        block,
        hubspot_id: None,
        qbo_id: Some(q.id.clone()),
        values: props
            .iter()
            .filter(|(k, _)| **k != rb.link_property)
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        qbo_values: Default::default(),
        from_created: Vec::new(),
    });
    b.push(Change {
        id: format!(
            "{}/create/hubspot/qbo:{}:{}",
            block.name(),
            rb.company,
            q.id
        ),
        block,
        action: Action::Create,
        system: System::Hubspot,
        object: rb.hs_kind(),
        company: None,
        target_id: None,
        source: Some(rec.clone()),
        label,
        match_key: None,
        fields,
        preconditions: vec![Precondition {
            record: rec,
            updated_at: None,
            sync_token: Some(q.sync_token.clone()),
            absent_key: None,
        }],
        reason: format!(
            "only in QuickBooks; on_create: create ({})",
            direction_words(rb.direction)
        ),
        payload: Payload::Hubspot {
            properties: props,
            upsert_by: Some(rb.link_property.clone()),
            associations: Vec::new(),
        },
        depends_on: rb.property_deps.clone(),
        link_back: None,
        baseline,
        fills: Vec::new(),
    });
}

fn direction_words(d: Direction) -> &'static str {
    match d {
        Direction::TwoWay => "two_way",
        Direction::HubspotToQuickbooks => "hubspot_to_quickbooks",
        Direction::QuickbooksToHubspot => "quickbooks_to_hubspot",
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Winner {
    Hubspot,
    Qbo,
}

fn plan_pair(rb: &RecordBlock<'_>, p: &Pair<'_>, state: &StateView, b: &mut Builder) {
    let block = rb.block();
    let key = baseline_key(block, &p.hs.id, &p.qbo_id);
    let hs = p.hs;
    match (hs.archived, p.qbo) {
        (true, QboSide::Record(q)) if q.active => {
            b.state.forget.push(key);
            if rb.direction.writes_quickbooks() && rb.on_delete != OnDelete::Ignore {
                let note = if rb.on_delete == OnDelete::Delete {
                    format!(
                        "QuickBooks cannot delete {}s; it is deactivated (renamed \"… (deleted)\")",
                        rb.qbo_kind()
                    )
                } else {
                    "deactivated (QuickBooks renames it \"… (deleted)\")".to_string()
                };
                b.push(Change {
                    id: format!(
                        "{}/archive/quickbooks/{}:{}",
                        block.name(),
                        rb.company,
                        q.id
                    ),
                    block,
                    action: Action::Archive,
                    system: System::Quickbooks,
                    object: rb.qbo_kind(),
                    company: Some(rb.company.clone()),
                    target_id: Some(q.id.clone()),
                    source: Some(hs_ref(rb.hs_kind(), &hs.id)),
                    label: rb.qbo_label(q),
                    match_key: None,
                    fields: vec![FieldChange {
                        field: "Active".into(),
                        before: Value::Bool(true),
                        after: Value::Bool(false),
                        note: Some(note),
                    }],
                    preconditions: vec![Precondition {
                        record: qbo_ref(rb.qbo_kind(), &rb.company, &q.id),
                        updated_at: None,
                        sync_token: Some(q.sync_token.clone()),
                        absent_key: None,
                    }],
                    reason: format!(
                        "archived in HubSpot; on_delete: {}",
                        on_delete_word(rb.on_delete)
                    ),
                    payload: Payload::Remove {
                        operation: "deactivate".into(),
                    },
                    depends_on: Vec::new(),
                    link_back: None,
                    baseline: None,
                    fills: Vec::new(),
                });
            }
        }
        (false, QboSide::Gone) | (false, QboSide::Record(_)) if !qbo_active(p.qbo) => {
            b.state.forget.push(key);
            if rb.direction.writes_hubspot() && rb.on_delete != OnDelete::Ignore {
                let why = match p.qbo {
                    QboSide::Gone => "deleted (or merged) in QuickBooks",
                    QboSide::Record(_) => "made inactive in QuickBooks",
                };
                b.push(Change {
                    id: format!("{}/archive/hubspot/{}", block.name(), hs.id),
                    block,
                    action: Action::Archive,
                    system: System::Hubspot,
                    object: rb.hs_kind(),
                    company: None,
                    target_id: Some(hs.id.clone()),
                    source: Some(qbo_ref(rb.qbo_kind(), &rb.company, &p.qbo_id)),
                    label: rb.hs_label(hs),
                    match_key: None,
                    fields: Vec::new(),
                    preconditions: vec![Precondition {
                        record: hs_ref(rb.hs_kind(), &hs.id),
                        updated_at: Some(hs.updated_at),
                        sync_token: None,
                        absent_key: None,
                    }],
                    reason: format!("{why}; on_delete: {}", on_delete_word(rb.on_delete)),
                    payload: Payload::Remove {
                        operation: "archive".into(),
                    },
                    depends_on: Vec::new(),
                    link_back: None,
                    baseline: None,
                    fills: Vec::new(),
                });
            }
        }
        (false, QboSide::Record(q)) => plan_update(rb, hs, q, state.baselines.get(&key), b),
        _ => b.state.forget.push(key),
    }
}

fn qbo_active(side: QboSide<'_>) -> bool {
    matches!(side, QboSide::Record(q) if q.active)
}

fn on_delete_word(d: OnDelete) -> &'static str {
    match d {
        OnDelete::Ignore => "ignore",
        OnDelete::Archive => "archive",
        OnDelete::Delete => "delete",
    }
}

fn plan_update(
    rb: &RecordBlock<'_>,
    hs: &HsRecord,
    q: &QboRecord,
    baseline: Option<&BaselineEntry>,
    b: &mut Builder,
) {
    let block = rb.block();
    if rb.filters.scope == FilterScope::Continuous
        && !(entry_allowed_hs(rb, hs) && entry_allowed_qbo(rb, q))
    {
        b.record_diag(
            Severity::Info,
            "filtered_out",
            block,
            Some(hs_ref(rb.hs_kind(), &hs.id)),
            Some(rb.hs_label(hs)),
            "no longer matches the filters (scope: continuous); not synced".into(),
            None,
        );
        b.skip(&hs_ref(rb.hs_kind(), &hs.id));
        return;
    }
    if let Some(old) = baseline
        && unchanged_pair(rb, hs, q, old)
    {
        return;
    }
    let mut to_qbo: Vec<(&FieldMap, Value, Value, Option<String>)> = Vec::new();
    let mut to_hs: Vec<(&FieldMap, Value, Value, Option<String>)> = Vec::new();
    let mut values = BTreeMap::new();
    let mut qbo_values = BTreeMap::new();
    let allow_blank = rb.allow_blanking;
    for m in &rb.maps {
        let (h, qv) = match (m.hs_value(hs), m.qbo_value(q)) {
            (Ok(h), Ok(qv)) => (h, qv),
            (Err(e), _) | (_, Err(e)) => {
                b.record_diag(
                    Severity::Warning,
                    "unreadable_value",
                    block,
                    Some(hs_ref(rb.hs_kind(), &hs.id)),
                    Some(rb.hs_label(hs)),
                    format!("field `{}` ⇄ `{}` skipped: {e}", m.hubspot, m.qbo),
                    Some("Fix the stored value or the mapping's type."),
                );
                continue;
            }
        };
        if agree(m, &h, &qv, hs, q) {
            values.insert(m.hubspot.clone(), h.to_hubspot());
            continue;
        }
        let (winner, note) = match m.direction {
            Direction::HubspotToQuickbooks => (Winner::Hubspot, None),
            Direction::QuickbooksToHubspot => (Winner::Qbo, None),
            Direction::TwoWay => match decide(rb, m, &h, &qv, hs, q, baseline) {
                Decision::Win(w, note) => (w, note),
                Decision::KnownDifference(h_base, q_base) => {
                    values.insert(m.hubspot.clone(), h_base);
                    qbo_values.insert(m.hubspot.clone(), q_base);
                    continue;
                }
            },
        };
        match winner {
            Winner::Hubspot => {
                let Ok(want) = m.to_qbo(&h, Some(hs)) else {
                    continue;
                };
                if m.qbo_create_only {
                    continue;
                }
                if want.is_empty() && !qv.is_empty() && !allow_blank {
                    blank_diag(rb, hs, m, "HubSpot", b);
                    // Remembered as a known difference: not decided (and
                    // reported) again until one side changes.
                    if let Ok(q_now) = m.to_hubspot(&qv, Some(q)) {
                        values.insert(m.hubspot.clone(), h.to_hubspot());
                        qbo_values.insert(m.hubspot.clone(), q_now.to_hubspot());
                    }
                    continue;
                }
                values.insert(m.hubspot.clone(), h.to_hubspot());
                to_qbo.push((m, qv, want, note));
            }
            Winner::Qbo => {
                let Ok(want) = m.to_hubspot(&qv, Some(q)) else {
                    continue;
                };
                if want.is_empty() && !h.is_empty() && !allow_blank {
                    blank_diag(rb, hs, m, "QuickBooks", b);
                    values.insert(m.hubspot.clone(), h.to_hubspot());
                    qbo_values.insert(m.hubspot.clone(), want.to_hubspot());
                    continue;
                }
                values.insert(m.hubspot.clone(), want.to_hubspot());
                to_hs.push((m, h, want, note));
            }
        }
    }
    let baseline_entry = (rb.direction == Direction::TwoWay).then(|| BaselineEntry {
        block,
        hubspot_id: Some(hs.id.clone()),
        qbo_id: Some(q.id.clone()),
        values,
        qbo_values,
        from_created: Vec::new(),
    });
    if to_qbo.is_empty() && to_hs.is_empty() {
        if let Some(be) = baseline_entry
            && baseline.is_none_or(|old| old.values != be.values || old.qbo_values != be.qbo_values)
        {
            b.state.baselines.push(be);
        }
        return;
    }
    if rb.on_update == OnUpdate::Ignore {
        b.record_diag(
            Severity::Info,
            "on_update_ignore",
            block,
            Some(hs_ref(rb.hs_kind(), &hs.id)),
            Some(rb.hs_label(hs)),
            format!(
                "{} field(s) differ; not updated (on_update: ignore)",
                to_qbo.len() + to_hs.len()
            ),
            None,
        );
        b.skip(&hs_ref(rb.hs_kind(), &hs.id));
        return;
    }
    if !to_qbo.is_empty() {
        let mut body = serde_json::Map::new();
        let mut fields = Vec::new();
        let mut problems = Vec::new();
        for (m, before, after, note) in to_qbo {
            if let Err(e) = check_len(m, &after) {
                problems.push(e);
                continue;
            }
            m.qbo.set(&mut body, after.to_qbo());
            fields.push(FieldChange {
                field: m.qbo.0.clone(),
                before,
                after,
                note,
            });
        }
        if !problems.is_empty() {
            b.record_diag(
                Severity::Error,
                "invalid_value",
                block,
                Some(qbo_ref(rb.qbo_kind(), &rb.company, &q.id)),
                Some(rb.qbo_label(q)),
                format!("some fields are not updated: {}", problems.join("; ")),
                Some("Fix the values in HubSpot (QuickBooks would reject them)."),
            );
        }
        if !fields.is_empty() {
            b.push(Change {
                id: format!("{}/update/quickbooks/{}:{}", block.name(), rb.company, q.id),
                block,
                action: Action::Update,
                system: System::Quickbooks,
                object: rb.qbo_kind(),
                company: Some(rb.company.clone()),
                target_id: Some(q.id.clone()),
                source: Some(hs_ref(rb.hs_kind(), &hs.id)),
                label: rb.qbo_label(q),
                match_key: None,
                fields,
                preconditions: vec![Precondition {
                    record: qbo_ref(rb.qbo_kind(), &rb.company, &q.id),
                    updated_at: None,
                    sync_token: Some(q.sync_token.clone()),
                    absent_key: None,
                }],
                reason: "HubSpot values differ".into(),
                payload: Payload::Quickbooks {
                    entity: rb.qbo_entity().into(),
                    body,
                    natural_key: None,
                },
                depends_on: Vec::new(),
                link_back: None,
                baseline: baseline_entry.clone(),
                fills: Vec::new(),
            });
        }
    }
    if !to_hs.is_empty() {
        let mut props = BTreeMap::new();
        let mut fields = Vec::new();
        for (m, before, after, note) in to_hs {
            props.insert(m.hubspot.clone(), after.to_hubspot());
            fields.push(FieldChange {
                field: m.hubspot.clone(),
                before,
                after,
                note,
            });
        }
        b.push(Change {
            id: format!("{}/update/hubspot/{}", block.name(), hs.id),
            block,
            action: Action::Update,
            system: System::Hubspot,
            object: rb.hs_kind(),
            company: None,
            target_id: Some(hs.id.clone()),
            source: Some(qbo_ref(rb.qbo_kind(), &rb.company, &q.id)),
            label: rb.hs_label(hs),
            match_key: None,
            fields,
            preconditions: vec![Precondition {
                record: hs_ref(rb.hs_kind(), &hs.id),
                updated_at: Some(hs.updated_at),
                sync_token: None,
                absent_key: None,
            }],
            reason: "QuickBooks values differ".into(),
            payload: Payload::Hubspot {
                properties: props,
                upsert_by: None,
                associations: Vec::new(),
            },
            depends_on: Vec::new(),
            link_back: None,
            baseline: baseline_entry,
            fills: Vec::new(),
        });
    }
}

fn blank_diag(
    rb: &RecordBlock<'_>,
    hs: &HsRecord,
    m: &FieldMap,
    emptied_in: &str,
    b: &mut Builder,
) {
    b.record_diag(
        Severity::Info,
        "not_blanking",
        rb.block(),
        Some(hs_ref(rb.hs_kind(), &hs.id)),
        Some(rb.hs_label(hs)),
        format!(
            "`{}` ⇄ `{}` is empty in {emptied_in} but filled on the other side; not blanked",
            m.hubspot, m.qbo
        ),
        Some("Set `allow_blanking: true` on the block to propagate cleared fields."),
    );
}

/// The steady state of a large sync, decided without building anything:
/// every mapped field agrees and the stored baseline holds exactly these
/// values (no known difference). Exactly when the full comparison in
/// [`plan_update`] would plan no change and record no new baseline.
fn unchanged_pair(rb: &RecordBlock<'_>, hs: &HsRecord, q: &QboRecord, old: &BaselineEntry) -> bool {
    if !old.qbo_values.is_empty() {
        return false;
    }
    let mut matched = 0;
    for m in &rb.maps {
        let (Ok(h), Ok(qv)) = (m.hs_value(hs), m.qbo_value(q)) else {
            return false;
        };
        if !agree(m, &h, &qv, hs, q) {
            return false;
        }
        match old.values.get(&m.hubspot) {
            Some(v) if h.hubspot_eq(v) => matched += 1,
            _ => return false,
        }
    }
    matched == old.values.len()
}

/// Decide a two-way field: the side that changed since the baseline wins; when
/// both changed (or there is no baseline) the conflict rule decides.
fn decide(
    rb: &RecordBlock<'_>,
    m: &FieldMap,
    h: &Value,
    qv: &Value,
    hs: &HsRecord,
    q: &QboRecord,
    baseline: Option<&BaselineEntry>,
) -> Decision {
    let base = baseline.and_then(|b| b.values.get(&m.hubspot));
    // Each side is compared with its own baseline: they may legitimately
    // differ (a default QuickBooks filled in when hsqb created the record).
    let base_q = baseline.and_then(|b| b.qbo_values.get(&m.hubspot).or(b.values.get(&m.hubspot)));
    let q_in_hs = m
        .to_hubspot(qv, Some(q))
        .unwrap_or(Value::Null)
        .to_hubspot();
    let h_now = h.to_hubspot();
    if let (Some(base), Some(base_q)) = (base, base_q) {
        let hs_changed = *base != h_now;
        let q_changed = *base_q != q_in_hs;
        match (hs_changed, q_changed) {
            (true, false) => {
                return Decision::Win(
                    Winner::Hubspot,
                    Some("changed in HubSpot since the last sync".into()),
                );
            }
            (false, true) => {
                return Decision::Win(
                    Winner::Qbo,
                    Some("changed in QuickBooks since the last sync".into()),
                );
            }
            (false, false) => return Decision::KnownDifference(h_now, q_in_hs),
            (true, true) => {}
        }
    }
    let (winner, note) = if base.is_none() {
        first_sight_winner(rb, hs, q, &h_now, &q_in_hs)
    } else {
        conflict_winner(rb, hs, q, true)
    };
    Decision::Win(winner, Some(note))
}

/// A differing field of a pair without a baseline (first sight, or linking):
/// the filled side fills the empty one whatever the conflict rule, since
/// nothing is lost either way; the conflict rule decides the rest.
fn first_sight_winner(
    rb: &RecordBlock<'_>,
    hs: &HsRecord,
    q: &QboRecord,
    h_now: &str,
    q_in_hs: &str,
) -> (Winner, String) {
    match (h_now.is_empty(), q_in_hs.is_empty()) {
        (true, false) => (
            Winner::Qbo,
            "empty in HubSpot, filled in QuickBooks (no baseline yet)".into(),
        ),
        (false, true) => (
            Winner::Hubspot,
            "empty in QuickBooks, filled in HubSpot (no baseline yet)".into(),
        ),
        _ => conflict_winner(rb, hs, q, false),
    }
}

/// The outcome of a two-way field comparison.
enum Decision {
    /// This side's value wins.
    Win(Winner, Option<String>),
    /// The sides differ exactly as they did at the last sync: nothing to do
    /// (HubSpot value, QBO value in HubSpot form).
    KnownDifference(String, String),
}

/// The conflict rule's winner when both sides changed (or there is no baseline).
fn conflict_winner(
    rb: &RecordBlock<'_>,
    hs: &HsRecord,
    q: &QboRecord,
    had_baseline: bool,
) -> (Winner, String) {
    let why = if had_baseline {
        "changed on both sides"
    } else {
        "no baseline yet"
    };
    match rb.conflict.unwrap_or(Conflict::NewestWins) {
        Conflict::HubspotWins => (Winner::Hubspot, format!("conflict ({why}): hubspot_wins")),
        Conflict::QuickbooksWins => (Winner::Qbo, format!("conflict ({why}): quickbooks_wins")),
        Conflict::NewestWins => {
            let hs_t = hs.updated_at.timestamp_millis();
            let q_t = q.updated.timestamp_millis();
            if q_t > hs_t {
                (
                    Winner::Qbo,
                    format!("conflict ({why}): newest_wins, QuickBooks modified later"),
                )
            } else {
                (
                    Winner::Hubspot,
                    format!("conflict ({why}): newest_wins, HubSpot modified later"),
                )
            }
        }
    }
}

/// Register the names a company already uses (active customers, vendors and
/// employees share one namespace; items another) before planning creates.
pub fn register_names(qbo: &QboSnapshot, reg: &mut NameRegistry) {
    for entity in ["Customer", "Vendor", "Employee"] {
        for r in qbo.records(entity).iter().filter(|r| r.active) {
            if let Some(n) = r.get_str("DisplayName") {
                reg.take("person", n);
            }
        }
    }
    for r in qbo.records("Item").iter().filter(|r| r.active) {
        if let Some(n) = r.get_str("Name") {
            reg.take("item", n);
        }
    }
}
