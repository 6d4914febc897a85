//! `plan()`: resolve the manifest's blocks against the snapshots, run each block
//! planner, apply the safety guards, order, estimate and seal the plan.

use super::builder::Builder;
use super::estimate::estimate;
use super::input::{PlanInput, QboSnapshot};
use super::mapping::{self, MappingContext};
use super::model::*;
use super::names::NameRegistry;
use super::records::{self, ItemSettings, Kind, RecordBlock};
use crate::manifest::defaults as d;
use crate::manifest::{Direction, Manifest, PropertySpec, Str, SyncBlock};
use crate::model::catalog::hubspot_type;
use crate::model::{ObjectKind, System, ValueType};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// Compute the plan. Pure: same input, byte-identical output.
pub fn plan(input: PlanInput<'_>) -> Plan {
    let mut b = Builder::default();
    let m = input.manifest;
    let wanted =
        |blk: Block| input.options.targets.is_empty() || input.options.targets.contains(&blk);

    // Names already used per company, shared by every block that creates records.
    let mut names: BTreeMap<String, NameRegistry> = BTreeMap::new();
    for (company, snap) in input.quickbooks {
        let reg = names.entry(company.clone()).or_default();
        records::register_names(snap, reg);
    }

    // Custom properties declared in the manifest.
    let mut property_deps: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for spec in &m.properties {
        if let Some(id) = ensure_declared(&mut b, input, spec) {
            property_deps
                .entry(spec.object_path().to_string())
                .or_default()
                .push(id);
        }
    }

    if let Some(c) = m.contacts()
        && wanted(Block::Contacts)
    {
        match company_snapshot(m, input, c) {
            None => missing_company(&mut b, Block::Contacts, c.quickbooks.as_ref()),
            Some((company, snap)) => {
                let link = c.link_property().to_string();
                let mut deps = property_deps.get("contacts").cloned().unwrap_or_default();
                deps.extend(ensure_link_property(
                    &mut b,
                    input,
                    Block::Contacts,
                    "contacts",
                    &link,
                    "QuickBooks customer Id",
                ));
                let maps = mapping::resolve(
                    MappingContext {
                        block: Block::Contacts,
                        hs_object: "contacts",
                        qbo_entity: "Customer",
                        direction: c.direction,
                    },
                    c.mappings_effective(),
                    &m.properties,
                    input.hubspot,
                    &mut b.diags,
                );
                let rb = RecordBlock {
                    kind: Kind::Contacts,
                    company: company.clone(),
                    direction: c.direction,
                    conflict: c.conflict,
                    allow_blanking: c.allow_blanking(),
                    on_create: c.on_create,
                    on_update: c.on_update,
                    on_delete: c.on_delete,
                    filters: &c.filter,
                    link_property: link,
                    maps,
                    contact_keys: c.effective_match_keys(),
                    product_keys: Vec::new(),
                    display_name: Some(&c.display_name),
                    display_templates: c.display_name.effective_templates(),
                    items: None,
                    property_deps: deps,
                    multicurrency_home: snap
                        .facts
                        .multicurrency
                        .then(|| snap.facts.home_currency.clone()),
                };
                let reg = names.entry(company).or_default();
                records::plan_block(&rb, input.hubspot, snap, input.state, reg, &mut b);
            }
        }
    }

    if let Some(p) = m.products()
        && wanted(Block::Products)
    {
        match company_snapshot(m, input, p) {
            None => missing_company(&mut b, Block::Products, p.quickbooks.as_ref()),
            Some((company, snap)) => {
                let link = p.link_property().to_string();
                let mut deps = property_deps.get("products").cloned().unwrap_or_default();
                deps.extend(ensure_link_property(
                    &mut b,
                    input,
                    Block::Products,
                    "products",
                    &link,
                    "QuickBooks item Id",
                ));
                let maps = mapping::resolve(
                    MappingContext {
                        block: Block::Products,
                        hs_object: "products",
                        qbo_entity: "Item",
                        direction: p.direction,
                    },
                    p.mappings_effective(),
                    &m.properties,
                    input.hubspot,
                    &mut b.diags,
                );
                let items = ItemSettings {
                    item_type: p.item_type,
                    income_account: resolve_account(
                        &mut b,
                        snap,
                        p.income_account.as_ref(),
                        "income_account",
                    ),
                    expense_account: resolve_account(
                        &mut b,
                        snap,
                        p.expense_account.as_ref(),
                        "expense_account",
                    ),
                    asset_account: resolve_account(
                        &mut b,
                        snap,
                        p.asset_account.as_ref(),
                        "asset_account",
                    ),
                };
                let rb = RecordBlock {
                    kind: Kind::Products,
                    company: company.clone(),
                    direction: p.direction,
                    conflict: p.conflict,
                    allow_blanking: p.allow_blanking(),
                    on_create: p.on_create,
                    on_update: p.on_update,
                    on_delete: p.on_delete,
                    filters: &p.filter,
                    link_property: link,
                    maps,
                    contact_keys: Vec::new(),
                    product_keys: p.effective_match_keys(),
                    display_name: None,
                    display_templates: Vec::new(),
                    items: Some(items),
                    property_deps: deps,
                    multicurrency_home: None,
                };
                let reg = names.entry(company).or_default();
                records::plan_block(&rb, input.hubspot, snap, input.state, reg, &mut b);
            }
        }
    }

    // Deals → QBO invoices first: the invoices block mirrors what it creates.
    let mut planned = Vec::new();
    if let Some(di) = m.deal_invoices()
        && wanted(Block::DealInvoices)
    {
        match company_snapshot(m, input, di) {
            None => missing_company(&mut b, Block::DealInvoices, di.quickbooks.as_ref()),
            Some((company, snap)) => {
                let mut deps = property_deps.get("deals").cloned().unwrap_or_default();
                deps.extend(ensure_link_property(
                    &mut b,
                    input,
                    Block::DealInvoices,
                    "deals",
                    di.link_property(),
                    "QuickBooks invoice Id",
                ));
                let contact_link = m
                    .sync
                    .contacts
                    .as_ref()
                    .map_or(d::CONTACT_LINK_PROPERTY, |c| c.link_property());
                deps.extend(ensure_link_property(
                    &mut b,
                    input,
                    Block::DealInvoices,
                    "contacts",
                    contact_link,
                    "QuickBooks customer Id",
                ));
                let cx = super::deal_invoices::Ctx {
                    manifest: m,
                    block: di,
                    company: company.clone(),
                    now: input.options.now,
                    property_deps: deps,
                    multicurrency_home: snap
                        .facts
                        .multicurrency
                        .then(|| snap.facts.home_currency.clone()),
                };
                let reg = names.entry(company).or_default();
                planned = super::deal_invoices::plan_block(&cx, input.hubspot, snap, reg, &mut b);
            }
        }
    }

    if let Some(inv) = m.invoices()
        && wanted(Block::Invoices)
    {
        match company_snapshot(m, input, inv) {
            None => missing_company(&mut b, Block::Invoices, inv.quickbooks.as_ref()),
            Some((company, snap)) => {
                let mut deps = property_deps.get("invoices").cloned().unwrap_or_default();
                deps.extend(ensure_link_property(
                    &mut b,
                    input,
                    Block::Invoices,
                    "invoices",
                    inv.link_property(),
                    "QuickBooks invoice Id",
                ));
                let owned = invoice_owned_properties(m, inv);
                for (object, def) in &owned {
                    deps.extend(ensure_owned(
                        &mut b,
                        input,
                        Block::Invoices,
                        object,
                        def.clone(),
                    ));
                }
                let mut declared = m.properties.clone();
                declared.extend(owned.iter().map(|(object, def)| owned_spec(object, def)));
                let maps = mapping::resolve(
                    MappingContext {
                        block: Block::Invoices,
                        hs_object: "invoices",
                        qbo_entity: "Invoice",
                        direction: inv.direction(),
                    },
                    inv.mappings_effective(),
                    &declared,
                    input.hubspot,
                    &mut b.diags,
                );
                deps.sort();
                deps.dedup();
                let cx = super::invoices::Ctx {
                    manifest: m,
                    block: inv,
                    company,
                    now: input.options.now,
                    maps,
                    property_deps: deps,
                    contact_link: m
                        .sync
                        .contacts
                        .as_ref()
                        .map_or(d::CONTACT_LINK_PROPERTY, |c| c.link_property())
                        .to_string(),
                    deal_link: m
                        .deal_invoices()
                        .map(|di| di.link_property().to_string())
                        .or_else(|| Some(d::INVOICE_LINK_PROPERTY.to_string())),
                };
                super::invoices::plan_block(&cx, input.hubspot, snap, &planned, &mut b);
            }
        }
    }

    safety(&mut b, input);
    let summary = b.finish();
    let mut state = std::mem::take(&mut b.state);
    state.baselines.sort_by(|x, y| {
        (x.block, &x.hubspot_id, &x.qbo_id).cmp(&(y.block, &y.hubspot_id, &y.qbo_id))
    });
    state.forget.sort();
    state.forget.dedup();
    state.watermarks = input.options.watermarks.clone();
    sealed_plan(&mut b, input.options, summary, state)
}

/// The finished plan: the builder's changes and diagnostics, the estimate,
/// the run's options, sealed with its checksum.
pub(crate) fn sealed_plan(
    b: &mut Builder,
    options: &super::input::PlanOptions,
    summary: Summary,
    state: StateUpdates,
) -> Plan {
    let est = estimate(&b.changes, &options.limits);
    let mut plan = Plan {
        format_version: FORMAT_VERSION,
        hsqb_version: env!("CARGO_PKG_VERSION").to_string(),
        manifest_hash: options.manifest_hash.clone(),
        target: options.target.clone(),
        now: options.now,
        refresh: options.refresh,
        summary,
        changes: std::mem::take(&mut b.changes),
        diagnostics: std::mem::take(&mut b.diags),
        estimate: est,
        state,
        checksum: String::new(),
    };
    plan.seal();
    plan
}

/// The QBO company a block uses and its snapshot.
fn company_snapshot<'a, B: SyncBlock>(
    m: &Manifest,
    input: PlanInput<'a>,
    block: &B,
) -> Option<(String, &'a QboSnapshot)> {
    let company = m.qbo_company_for(block)?;
    input
        .quickbooks
        .get(company)
        .map(|s| (company.to_string(), s))
}

fn missing_company(b: &mut Builder, block: Block, named: Option<&Str>) {
    let message = match named {
        Some(n) => format!("QuickBooks company `{n}` was not read"),
        None => "no QuickBooks company is selected for this block".to_string(),
    };
    b.blocking(
        "unknown_company",
        block,
        message,
        "Name a company declared under `quickbooks:` in the block's `quickbooks:` key.",
    );
}

fn resolve_account(
    b: &mut Builder,
    snap: &QboSnapshot,
    given: Option<&Str>,
    key: &str,
) -> Option<String> {
    let given = given?;
    let v = given.value.trim();
    let accounts = snap.records("Account");
    if accounts.iter().any(|a| a.id == v) {
        return Some(v.to_string());
    }
    if let Some(a) = accounts.iter().find(|a| {
        a.get_str("Name").is_some_and(|n| n.eq_ignore_ascii_case(v))
            || a.get_str("FullyQualifiedName")
                .is_some_and(|n| n.eq_ignore_ascii_case(v))
    }) {
        return Some(a.id.clone());
    }
    if accounts.is_empty() {
        // Accounts not read (e.g. an incremental refresh): trust an Id-looking value.
        return v.chars().all(|c| c.is_ascii_digit()).then(|| v.to_string());
    }
    b.record_diag(
        Severity::Error,
        "unknown_account",
        Block::Products,
        None,
        None,
        format!("`sync.products.{key}: {v}` names no QuickBooks account"),
        Some("Use the account's exact name or its Id (QuickBooks → Chart of accounts)."),
    );
    None
}

fn ensure_change(object: &str, def: PropertyDefinition, reason: String) -> Change {
    Change {
        id: format!("properties/ensure/{object}/{}", def.name),
        block: Block::Properties,
        action: Action::Ensure,
        system: System::Hubspot,
        object: ObjectKind::Property,
        company: None,
        target_id: None,
        source: None,
        label: format!("{object}.{}", def.name),
        match_key: None,
        fields: Vec::new(),
        preconditions: Vec::new(),
        reason,
        payload: Payload::Property {
            object: object.to_string(),
            definition: def,
        },
        depends_on: Vec::new(),
        link_back: None,
        baseline: None,
        fills: Vec::new(),
    }
}

/// Ensure a unique link property exists; returns the change id to depend on.
fn ensure_link_property(
    b: &mut Builder,
    input: PlanInput<'_>,
    block: Block,
    object: &str,
    name: &str,
    label: &str,
) -> Option<String> {
    if !input.hubspot.knows_properties(object) {
        return None;
    }
    match input.hubspot.property(object, name) {
        Some(p) if p.has_unique_value => None,
        Some(_) => {
            b.blocking(
                "link_property_not_unique",
                block,
                format!("HubSpot property {object}.{name} exists but is not unique-valued; hsqb cannot use it as a link without risking duplicates"),
                "Choose another `link_property` (hsqb creates it unique), or recreate this property with unique values.",
            );
            None
        }
        None => {
            let id = format!("properties/ensure/{object}/{name}");
            if !b.has_change(&id) {
                b.push(ensure_change(
                    object,
                    PropertyDefinition {
                        name: name.to_string(),
                        label: label.to_string(),
                        type_: "string".into(),
                        field_type: "text".into(),
                        group_name: property_group(input.manifest),
                        has_unique_value: true,
                        options: Vec::new(),
                        description: format!("Set by hsqb: links this record to its QuickBooks counterpart ({label})."),
                    },
                    format!("the {} block links records through this unique property", block.name()),
                ));
            }
            Some(id)
        }
    }
}

/// The HubSpot properties hsqb owns for the invoices block: the status
/// property, the amount/recipient properties of the default mappings, and the
/// deal invoice properties.
fn invoice_owned_properties(
    m: &Manifest,
    inv: &crate::manifest::InvoicesSync,
) -> Vec<(&'static str, PropertyDefinition)> {
    let group = property_group(m);
    let def = |name: &str, label: &str, ty: ValueType, options: Vec<String>| {
        let (type_, field_type) = hubspot_type_for(ty);
        PropertyDefinition {
            name: name.to_string(),
            label: label.to_string(),
            type_: type_.into(),
            field_type: field_type.into(),
            group_name: group.clone(),
            has_unique_value: false,
            options,
            description: "Set by hsqb from QuickBooks.".into(),
        }
    };
    let statuses: Vec<String> = super::status::InvoiceStatus::ALL
        .iter()
        .map(|s| s.label().to_string())
        .collect();
    let mut out = vec![(
        "invoices",
        def(
            inv.status_property(),
            "QuickBooks invoice status",
            ValueType::Enumeration,
            statuses.clone(),
        ),
    )];
    let mapped: Vec<String> = inv
        .mappings_effective()
        .into_iter()
        .map(|e| e.hubspot)
        .collect();
    for (name, label, ty) in [
        (
            d::INVOICE_TOTAL_PROPERTY,
            "QuickBooks invoice total",
            ValueType::Number,
        ),
        (
            d::INVOICE_BALANCE_PROPERTY,
            "QuickBooks invoice balance",
            ValueType::Number,
        ),
        (
            d::INVOICE_RECIPIENT_PROPERTY,
            "QuickBooks invoice recipient",
            ValueType::Text,
        ),
    ] {
        if mapped.iter().any(|p| p == name) {
            out.push(("invoices", def(name, label, ty, Vec::new())));
        }
    }
    if inv.deal_properties.is_enabled() {
        let n = inv.deal_properties.names();
        out.push((
            "deals",
            def(
                &n.amount_due,
                "Invoice amount due",
                ValueType::Number,
                Vec::new(),
            ),
        ));
        out.push((
            "deals",
            def(
                &n.recipient,
                "Invoice recipient",
                ValueType::Text,
                Vec::new(),
            ),
        ));
        out.push((
            "deals",
            def(&n.number, "Invoice number", ValueType::Text, Vec::new()),
        ));
        out.push((
            "deals",
            def(
                &n.status,
                "Invoice status",
                ValueType::Enumeration,
                statuses,
            ),
        ));
        out.push((
            "deals",
            def(&n.due_date, "Invoice due date", ValueType::Date, Vec::new()),
        ));
    }
    out
}

/// A property spec for an hsqb-owned property (so mappings to it type-check).
fn owned_spec(object: &str, def: &PropertyDefinition) -> PropertySpec {
    let object = match object {
        "deals" => crate::manifest::HubSpotObject::Deals,
        _ => crate::manifest::HubSpotObject::Invoices,
    };
    PropertySpec {
        object,
        name: Str::from(def.name.as_str()),
        label: None,
        value_type: hubspot_type(&def.type_, &def.field_type),
        options: Vec::new(),
        unique: Some(def.has_unique_value),
        description: None,
    }
}

/// Ensure an hsqb-owned property exists; returns the change id to depend on.
fn ensure_owned(
    b: &mut Builder,
    input: PlanInput<'_>,
    block: Block,
    object: &str,
    def: PropertyDefinition,
) -> Option<String> {
    if !input.hubspot.knows_properties(object)
        || input.hubspot.property(object, &def.name).is_some()
    {
        return None;
    }
    let id = format!("properties/ensure/{object}/{}", def.name);
    if !b.has_change(&id) {
        b.push(ensure_change(
            object,
            def,
            format!("the {} block writes this property", block.name()),
        ));
    }
    Some(id)
}

/// hsqb's property group.
pub fn property_group(m: &Manifest) -> String {
    m.hubspot
        .as_ref()
        .map_or(d::PROPERTY_GROUP, |h| h.property_group())
        .to_string()
}

/// The HubSpot `type`/`fieldType` for a value type.
pub fn hubspot_type_for(t: ValueType) -> (&'static str, &'static str) {
    match t {
        ValueType::Text => ("string", "text"),
        ValueType::Number | ValueType::Money => ("number", "number"),
        ValueType::Date => ("date", "date"),
        ValueType::Datetime => ("datetime", "date"),
        ValueType::Bool => ("bool", "booleancheckbox"),
        ValueType::Enumeration => ("enumeration", "select"),
    }
}

fn ensure_declared(b: &mut Builder, input: PlanInput<'_>, spec: &PropertySpec) -> Option<String> {
    let object = spec.object_path();
    if !input.hubspot.knows_properties(object) {
        return None;
    }
    if let Some(existing) = input.hubspot.property(object, spec.name.as_str()) {
        let live = hubspot_type(&existing.type_, &existing.field_type);
        if live != spec.value_type {
            b.record_diag(
                Severity::Warning,
                "property_type_mismatch",
                Block::Properties,
                None,
                Some(format!("{object}.{}", spec.name)),
                format!("exists in HubSpot as {live}, but the manifest declares {}", spec.value_type),
                Some("Align the declaration with HubSpot (hsqb never changes an existing property's type)."),
            );
        }
        return None;
    }
    let (type_, field_type) = hubspot_type_for(spec.value_type);
    let def = PropertyDefinition {
        name: spec.name.value.clone(),
        label: spec
            .label
            .as_ref()
            .map(|l| l.value.clone())
            .unwrap_or_else(|| label_from(spec.name.as_str())),
        type_: type_.into(),
        field_type: field_type.into(),
        group_name: property_group(input.manifest),
        has_unique_value: spec.unique.unwrap_or(false),
        options: spec.options.iter().map(|o| o.value.clone()).collect(),
        description: spec
            .description
            .as_ref()
            .map(|s| s.value.clone())
            .unwrap_or_default(),
    };
    let id = format!("properties/ensure/{object}/{}", def.name);
    if !b.has_change(&id) {
        b.push(ensure_change(
            object,
            def,
            "declared under `properties:` and missing in HubSpot".into(),
        ));
    }
    Some(id)
}

/// "hsqb_invoice_total" → "Hsqb invoice total".
pub fn label_from(name: &str) -> String {
    let s = name.replace('_', " ");
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// Refuse the plan when it deletes more than the safety guards allow.
fn safety(b: &mut Builder, input: PlanInput<'_>) {
    let max = input.manifest.safety.max_deletes() as usize;
    let pct = input.manifest.safety.max_delete_percent();
    // Deletes per (system, object, company), with the block that plans them.
    let mut counts: BTreeMap<(System, ObjectKind, Option<String>), (usize, Block)> =
        BTreeMap::new();
    for c in b
        .changes
        .iter()
        .filter(|c| matches!(c.action, Action::Archive | Action::Delete))
    {
        counts
            .entry((c.system, c.object, c.company.clone()))
            .or_insert((0, c.block))
            .0 += 1;
    }
    let total_deletes: usize = counts.values().map(|(n, _)| n).sum();
    if total_deletes > max {
        let block = counts
            .values()
            .map(|(_, b)| *b)
            .min()
            .unwrap_or(Block::Properties);
        b.blocking(
            "max_deletes",
            block,
            format!(
                "the plan deletes or archives {total_deletes} records; safety.max_deletes is {max}"
            ),
            "Review the deletes; if they are intended, raise `safety.max_deletes` for this run.",
        );
    }
    for ((system, object, company), (n, block)) in counts {
        let total = match (system, object.hubspot_name(), object.qbo_name()) {
            (System::Hubspot, Some(o), _) if input.hubspot.complete(o) => input
                .hubspot
                .records(o)
                .iter()
                .filter(|r| !r.archived)
                .count(),
            (System::Quickbooks, _, Some(e)) => company
                .as_ref()
                .and_then(|c| input.quickbooks.get(c))
                .filter(|s| s.complete(e))
                .map(|s| s.records(e).iter().filter(|r| r.active).count())
                .unwrap_or(0),
            _ => 0,
        };
        if total == 0 {
            continue;
        }
        let share = Decimal::from(n as u64) * Decimal::from(100) / Decimal::from(total as u64);
        if share > pct {
            b.blocking(
                "max_delete_percent",
                block,
                format!(
                    "the plan removes {n} of {total} {} {}s ({}%); safety.max_delete_percent is {pct}%",
                    system,
                    object,
                    share.round_dp(1)
                ),
                "Review the deletes; if they are intended, raise `safety.max_delete_percent`.",
            );
        }
    }
}

/// Whether a block direction writes the given system (for callers outside).
pub fn writes(direction: Direction, system: System) -> bool {
    match system {
        System::Hubspot => direction.writes_hubspot(),
        System::Quickbooks => direction.writes_quickbooks(),
    }
}
