//! Sync blocks: company references, direction-dependent policies, match keys,
//! deal-invoice settings, link properties and `attach`.

use super::filters::Side;
use super::mappings::BlockMappings;
use super::templates::Vars;
use super::{Ctx, is_property_name};
use crate::manifest::diagnostic::Span;
use crate::manifest::effective::{BlockKind, SyncBlock};
use crate::manifest::scalar::Str;
use crate::manifest::suggest::did_you_mean;
use crate::manifest::types::*;
use crate::model::ValueType;
use crate::model::catalog;
use std::collections::HashMap;

pub(super) fn check(cx: &mut Ctx<'_, '_, '_>) {
    let m = cx.m;
    if let Some(b) = &m.sync.contacts {
        company_ref(cx, &BlockKind::Contacts.path(), b.quickbooks_setting());
        contacts(cx, b);
    }
    if let Some(b) = &m.sync.products {
        company_ref(cx, &BlockKind::Products.path(), b.quickbooks_setting());
        products(cx, b);
    }
    if let Some(b) = &m.sync.invoices {
        company_ref(cx, &BlockKind::Invoices.path(), b.quickbooks_setting());
        invoices(cx, b);
    }
    if let Some(b) = &m.sync.deal_invoices {
        company_ref(cx, &BlockKind::DealInvoices.path(), b.quickbooks_setting());
        deal_invoices(cx, b);
    }
    link_properties(cx);
    attach(cx);
    if m.enabled_blocks().is_empty() {
        cx.warn(
            cx.at_key("sync"),
            "no sync block is enabled: hsqb has nothing to do",
            "add a block under `sync` (contacts, products, invoices or deal_invoices)",
        );
    }
}

/// A block's (or attach entry's) `quickbooks:` must name a declared company;
/// without it, there must be exactly one.
fn company_ref(cx: &mut Ctx<'_, '_, '_>, path: &str, setting: Option<&Str>) {
    let names = cx.m.qbo_company_names();
    if names.is_empty() {
        return; // "no QuickBooks company" is reported with the connections
    }
    match setting {
        Some(s) if cx.resolved(s) && !names.contains(&s.value.as_str()) => {
            let hint = match did_you_mean(&s.value, names.iter().copied()) {
                Some(n) => format!("did you mean `{n}`?"),
                None => format!("declared companies: {}", super::quoted(&names)),
            };
            cx.error(
                cx.at_str(s),
                format!("`{path}.quickbooks` names company `{}`, which is not declared under `quickbooks`", s.value),
                hint,
            );
        }
        None if names.len() > 1 => cx.error(
            cx.at_key(path),
            format!("`{path}` does not say which QuickBooks company to use"),
            format!(
                "several companies are declared; add `quickbooks: <one of {}>`",
                names.join(", ")
            ),
        ),
        _ => {}
    }
}

fn two_way_rules(
    cx: &mut Ctx<'_, '_, '_>,
    path: &str,
    direction: Direction,
    conflict: Option<Conflict>,
    allow_blanking: Option<bool>,
) {
    if direction == Direction::TwoWay && conflict.is_none() {
        cx.error(
            cx.at(&format!("{path}.direction")),
            format!("`{path}` is two_way but has no `conflict` rule"),
            "add `conflict: quickbooks_wins`, `hubspot_wins` or `newest_wins` (who wins when both sides changed a field)",
        );
    }
    if direction != Direction::TwoWay && conflict.is_some() {
        cx.warn(
            cx.at_key(&format!("{path}.conflict")),
            format!("`conflict` has no effect: `{path}` is one-way"),
            "remove it, or make the block `two_way`",
        );
    }
    if direction != Direction::TwoWay && allow_blanking.is_some() {
        cx.warn(
            cx.at_key(&format!("{path}.allow_blanking")),
            format!("`allow_blanking` has no effect: `{path}` is one-way"),
            "remove it",
        );
    }
}

fn delete_policy(
    cx: &mut Ctx<'_, '_, '_>,
    kind: BlockKind,
    direction: Direction,
    on_delete: OnDelete,
) {
    if on_delete == OnDelete::Delete && direction.writes_quickbooks() {
        let path = kind.path();
        let what = match kind {
            BlockKind::Contacts => "customers",
            _ => "items",
        };
        cx.warn(
            cx.at(&format!("{path}.on_delete")),
            format!(
                "QuickBooks {what} cannot be deleted: `on_delete: delete` makes them inactive there"
            ),
            "write `on_delete: archive` to say so (HubSpot records are archived either way)",
        );
    }
}

fn duplicate_keys<T: serde::Serialize + PartialEq>(
    cx: &mut Ctx<'_, '_, '_>,
    path: &str,
    keys: &[T],
) {
    for (i, k) in keys.iter().enumerate() {
        if keys[..i].contains(k) {
            let name = serde_json::to_value(k)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            cx.error(
                cx.at(&format!("{path}[{i}]")),
                format!("`{name}` is listed twice in `{path}`"),
                "list each key once",
            );
        }
    }
}

fn non_empty(cx: &mut Ctx<'_, '_, '_>, path: &str, s: &Str) -> bool {
    if cx.resolved(s) && s.value.trim().is_empty() {
        cx.error(
            cx.at_str(s),
            format!("`{path}` is empty"),
            "give a value or remove the key",
        );
        return false;
    }
    true
}

fn contacts(cx: &mut Ctx<'_, '_, '_>, b: &ContactsSync) {
    let path = BlockKind::Contacts.path();
    two_way_rules(cx, &path, b.direction, b.conflict, b.allow_blanking);
    delete_policy(cx, BlockKind::Contacts, b.direction, b.on_delete);
    duplicate_keys(cx, &format!("{path}.match"), &b.match_keys);
    cx.filters(
        &format!("{path}.filter.hubspot"),
        &b.filter.hubspot,
        Side::HubSpot(HubSpotObject::Contacts),
    );
    cx.filters(
        &format!("{path}.filter.quickbooks"),
        &b.filter.quickbooks,
        Side::QuickBooks("Customer"),
    );
    let dn = format!("{path}.display_name");
    if cx.written(&dn) && !b.direction.writes_quickbooks() {
        cx.warn(
            cx.at_key(&dn),
            "`display_name` has no effect: contacts do not flow to QuickBooks",
            "display names are only derived when hsqb creates QuickBooks customers",
        );
    }
    for (i, t) in b.display_name.templates.iter().enumerate() {
        let tp = format!("{dn}.templates[{i}]");
        if non_empty(cx, &tp, t) {
            cx.template(t, &tp, Vars::HubSpot(HubSpotObject::Contacts));
        }
    }
    cx.mappings(&BlockMappings {
        kind: BlockKind::Contacts,
        direction: b.direction,
        mappings: &b.mappings,
        link_property: b.link_property(),
    });
}

fn products(cx: &mut Ctx<'_, '_, '_>, b: &ProductsSync) {
    let path = BlockKind::Products.path();
    two_way_rules(cx, &path, b.direction, b.conflict, b.allow_blanking);
    delete_policy(cx, BlockKind::Products, b.direction, b.on_delete);
    duplicate_keys(cx, &format!("{path}.match"), &b.match_keys);
    cx.filters(
        &format!("{path}.filter.hubspot"),
        &b.filter.hubspot,
        Side::HubSpot(HubSpotObject::Products),
    );
    cx.filters(
        &format!("{path}.filter.quickbooks"),
        &b.filter.quickbooks,
        Side::QuickBooks("Item"),
    );
    let accounts = [
        ("income_account", &b.income_account),
        ("expense_account", &b.expense_account),
        ("asset_account", &b.asset_account),
    ];
    for (key, v) in accounts {
        if let Some(s) = v {
            non_empty(cx, &format!("{path}.{key}"), s);
        }
    }
    let creates = b.direction.writes_quickbooks() && b.on_create == OnCreate::Create;
    if creates {
        let mut needed = vec![("income_account", &b.income_account)];
        if b.item_type == ItemType::Inventory {
            needed.push(("expense_account", &b.expense_account));
            needed.push(("asset_account", &b.asset_account));
        }
        for (key, v) in needed {
            if v.is_none() {
                let why = if key == "income_account" {
                    "QuickBooks requires an income account on every item".to_string()
                } else {
                    "QuickBooks inventory items need expense (COGS) and asset accounts".to_string()
                };
                cx.error(
                    cx.at_key(&path),
                    format!("`{path}` creates QuickBooks items but has no `{key}`"),
                    format!("{why}: add `{key}: <account name or Id>`, or set `on_create: ignore`"),
                );
            }
        }
    } else {
        for (key, v) in accounts {
            if v.is_some() {
                cx.warn(
                    cx.at_key(&format!("{path}.{key}")),
                    format!("`{key}` has no effect: `{path}` does not create QuickBooks items"),
                    "accounts are only used when hsqb creates items (direction toward QuickBooks, `on_create: create`)",
                );
            }
        }
    }
    cx.mappings(&BlockMappings {
        kind: BlockKind::Products,
        direction: b.direction,
        mappings: &b.mappings,
        link_property: b.link_property(),
    });
}

fn invoices(cx: &mut Ctx<'_, '_, '_>, b: &InvoicesSync) {
    let path = BlockKind::Invoices.path();
    if let Some(d) = b.direction
        && d != Direction::QuickbooksToHubspot
    {
        cx.error(
                cx.at(&format!("{path}.direction")),
                format!("`{path}` flows from QuickBooks to HubSpot only, not `{}`", d.as_str()),
                "remove `direction` (or write `quickbooks_to_hubspot`); to create QuickBooks invoices from deals, use `sync.deal_invoices`",
            );
    }
    cx.invoice_rules(&format!("{path}.rules"), &b.rules);
    if let Some(s) = &b.status_property {
        property_name(cx, &format!("{path}.status_property"), s);
    }
    let dp = &b.deal_properties;
    let settings = [
        ("amount_due", &dp.amount_due),
        ("recipient", &dp.recipient),
        ("number", &dp.number),
        ("status", &dp.status),
        ("due_date", &dp.due_date),
    ];
    for (key, v) in settings {
        if let Some(s) = v {
            let p = format!("{path}.deal_properties.{key}");
            property_name(cx, &p, s);
            if !dp.is_enabled() {
                cx.warn(
                    cx.at_key(&p),
                    format!("`{p}` has no effect with `deal_properties.enabled: false`"),
                    "remove it",
                );
            }
        }
    }
    let status = b.status_property();
    for (i, f) in b.mappings.fields.iter().enumerate() {
        if f.hubspot.value == status {
            cx.error(
                cx.at_str(&f.hubspot),
                format!("`{status}` receives the derived invoice status; it cannot also be mapped (`{path}.mappings.fields[{i}]`)"),
                "map another property, or set `status_property` to another name",
            );
        }
    }
    cx.mappings(&BlockMappings {
        kind: BlockKind::Invoices,
        direction: Direction::QuickbooksToHubspot,
        mappings: &b.mappings,
        link_property: b.link_property(),
    });
}

fn property_name(cx: &mut Ctx<'_, '_, '_>, path: &str, s: &Str) {
    if cx.resolved(s) && !is_property_name(&s.value) {
        cx.error(
            cx.at_str(s),
            format!(
                "`{}` is not a valid HubSpot property name (`{path}`)",
                s.value
            ),
            "use lower-case letters, digits and underscores, starting with a letter",
        );
    }
}

fn deal_invoices(cx: &mut Ctx<'_, '_, '_>, b: &DealInvoicesSync) {
    let path = BlockKind::DealInvoices.path();
    if b.deals.is_empty() {
        cx.warn(
            cx.at_key(&path),
            format!("`{path}` has no `deals` conditions: every deal gets a QuickBooks invoice"),
            "add a condition, e.g. `deals: [{field: dealstage, op: eq, value: closedwon}]`",
        );
    }
    cx.filters(
        &format!("{path}.deals"),
        &b.deals,
        Side::HubSpot(HubSpotObject::Deals),
    );
    duplicate_keys(cx, &format!("{path}.item_match"), &b.item_match);
    duplicate_keys(
        cx,
        &format!("{path}.customer.match"),
        &b.customer.match_keys,
    );
    if b.customer.on_missing == MissingCustomer::Fail
        && !cx
            .m
            .contacts()
            .is_some_and(|c| c.direction.writes_quickbooks())
    {
        cx.warn(
            cx.at(&format!("{path}.customer.on_missing")),
            "deals whose contact has no QuickBooks customer will fail: no enabled `sync.contacts` block creates customers",
            "set `customer.on_missing: create`, or sync contacts toward QuickBooks",
        );
    }
    if let Some(t) = &b.tax.default {
        non_empty(cx, &format!("{path}.tax.default"), t);
    }
    for (k, v) in &b.tax.per_product {
        let p = format!("{path}.tax.per_product.{k}");
        if k.trim().is_empty() {
            cx.error(
                cx.at_key(&p),
                "empty product key in `tax.per_product`",
                "use the product's SKU (or name)",
            );
        }
        non_empty(cx, &p, v);
    }
    if let Some(t) = &b.terms {
        non_empty(cx, &format!("{path}.terms"), t);
    }
    for (key, prop) in [
        (
            "invoice_date",
            match &b.invoice_date {
                InvoiceDate::Property(p) => Some(p),
                _ => None,
            },
        ),
        (
            "due_date",
            match &b.due_date {
                DueDate::Property(p) => Some(p),
                _ => None,
            },
        ),
    ] {
        let Some(p) = prop else { continue };
        let pp = format!("{path}.{key}.property");
        property_name(cx, &pp, p);
        if let Some(k) = cx.hs_property(HubSpotObject::Deals, &p.value)
            && !matches!(k.ty, ValueType::Date | ValueType::Datetime)
        {
            cx.error(
                cx.at_str(p),
                format!("`{}` is {} of type {}, not a date", p.value, k.origin, k.ty),
                "name a date or datetime deal property (e.g. `closedate`)",
            );
        }
    }
    if let DueDate::DaysAfterInvoice(n) = b.due_date
        && n > 3650
    {
        cx.error(
            cx.at(&format!("{path}.due_date.days_after_invoice")),
            format!("`days_after_invoice: {n}` is more than ten years"),
            "give a number of days such as 30",
        );
    }
    let vars = Vars::Deal {
        quote: b.source == InvoiceSource::Quote,
    };
    if let Some(msg) = &b.message {
        cx.template(msg, &format!("{path}.message"), vars);
    }
    if let Some(doc) = &b.doc_number {
        let dp = format!("{path}.doc_number");
        let list = cx.template(doc, &dp, vars);
        if cx.resolved(doc) {
            let literal: usize = {
                let mut rest = doc.value.chars().count();
                for p in &list {
                    rest -= doc.value[p.offset..p.offset + p.len].chars().count();
                }
                rest
            };
            if !list.iter().any(|p| p.name.starts_with("deal.")) {
                cx.error(
                    cx.at_str(doc),
                    format!("`{dp}` does not depend on the deal, so every invoice would get the same number"),
                    "include `{{deal.id}}` (e.g. `HS-{{deal.id}}`)",
                );
            } else if literal > 21 {
                cx.error(
                    cx.at_str(doc),
                    format!("`{dp}` is longer than QuickBooks' 21-character invoice numbers"),
                    "shorten the fixed text",
                );
            }
        }
    }
}

/// A setting path in backticks; a description as it is.
fn label(what: &str) -> String {
    if what.starts_with("the ") {
        what.to_string()
    } else {
        format!("`{what}`")
    }
}

/// hsqb's own HubSpot properties must not collide on one object (a link
/// property written by two blocks, a deal property reused as a link, a status
/// property that a default mapping also writes, …).
fn link_properties(cx: &mut Ctx<'_, '_, '_>) {
    let m = cx.m;
    // (object, name, setting path, where written)
    let mut owned: Vec<(HubSpotObject, String, String, Option<Span>)> = Vec::new();
    let mut add = |cx: &Ctx<'_, '_, '_>, object, name: &str, path: String, s: Option<&Str>| {
        owned.push((object, name.to_string(), path, s.and_then(|s| cx.at_str(s))));
    };
    if let Some(b) = &m.sync.contacts {
        add(
            cx,
            HubSpotObject::Contacts,
            b.link_property(),
            "sync.contacts.link_property".into(),
            b.link_property.as_ref(),
        );
    }
    if let Some(b) = &m.sync.products {
        add(
            cx,
            HubSpotObject::Products,
            b.link_property(),
            "sync.products.link_property".into(),
            b.link_property.as_ref(),
        );
    }
    if let Some(b) = &m.sync.deal_invoices {
        add(
            cx,
            HubSpotObject::Deals,
            b.link_property(),
            "sync.deal_invoices.link_property".into(),
            b.link_property.as_ref(),
        );
    }
    if let Some(b) = &m.sync.invoices {
        add(
            cx,
            HubSpotObject::Invoices,
            b.link_property(),
            "sync.invoices.link_property".into(),
            b.link_property.as_ref(),
        );
        add(
            cx,
            HubSpotObject::Invoices,
            b.status_property(),
            "sync.invoices.status_property".into(),
            b.status_property.as_ref(),
        );
        if b.deal_properties.is_enabled() {
            let names = b.deal_properties.names();
            let dp = &b.deal_properties;
            let settings = [
                &dp.amount_due,
                &dp.recipient,
                &dp.number,
                &dp.status,
                &dp.due_date,
            ];
            for ((key, name), setting) in names.iter().into_iter().zip(settings) {
                add(
                    cx,
                    HubSpotObject::Deals,
                    name,
                    format!("sync.invoices.deal_properties.{key}"),
                    setting.as_ref(),
                );
            }
        }
    }
    // Default mappings write HubSpot properties too (custom mappings that
    // write a link property are reported with the mappings).
    let defaults: Vec<(HubSpotObject, String, BlockKind)> = {
        let mut v = Vec::new();
        let mut push = |kind: BlockKind, eff: Vec<crate::manifest::effective::EffectiveMapping>| {
            for e in eff {
                if e.origin == crate::manifest::effective::MappingOrigin::Default
                    && e.direction.writes_hubspot()
                {
                    v.push((kind.hubspot_object(), e.hubspot, kind));
                }
            }
        };
        if let Some(b) = &m.sync.contacts {
            push(BlockKind::Contacts, b.mappings_effective());
        }
        if let Some(b) = &m.sync.products {
            push(BlockKind::Products, b.mappings_effective());
        }
        if let Some(b) = &m.sync.invoices {
            push(BlockKind::Invoices, b.mappings_effective());
        }
        v
    };
    for (object, name, kind) in defaults {
        owned.push((
            object,
            name.clone(),
            format!("the default mapping of `{name}` in {}", kind.path()),
            None,
        ));
    }
    let mut first: HashMap<(HubSpotObject, String), (String, Option<Span>)> = HashMap::new();
    for (object, name, path, span) in owned {
        if span.is_some() {
            if path.ends_with("link_property") && !is_property_name(&name) {
                cx.error(
                    span,
                    format!("`{name}` is not a valid HubSpot property name (`{path}`)"),
                    "use lower-case letters, digits and underscores, starting with a letter",
                );
            }
            if catalog::hubspot_property(object.api_name(), &name).is_some() {
                // Reported once, here (a default mapping may write it too).
                cx.error(
                    span,
                    format!("`{name}` is a HubSpot built-in {} property; hsqb needs its own property here (`{path}`)", object.api_name()),
                    "choose a new name; hsqb creates the property",
                );
                continue;
            }
        }
        match first.get(&(object, name.clone())) {
            Some((other, other_span)) => {
                let at = span.or(*other_span);
                cx.error(
                    at,
                    format!(
                        "HubSpot {} property `{name}` is used twice: by {} and {}",
                        object.api_name(),
                        label(other),
                        label(&path)
                    ),
                    "give each its own property name",
                );
            }
            None => {
                first.insert((object, name), (path, span));
            }
        }
    }
}

fn attach(cx: &mut Ctx<'_, '_, '_>) {
    let m = cx.m;
    if m.attach.is_empty() {
        return;
    }
    if m.invoices().is_none() {
        cx.error(
            cx.at_key("attach"),
            "`attach` shows QuickBooks invoices in HubSpot, but `sync.invoices` is not enabled",
            "add `sync: {invoices: {}}` (or remove `enabled: false` from it)",
        );
    }
    let mut seen: HashMap<(String, String), usize> = HashMap::new();
    for (i, a) in m.attach.iter().enumerate() {
        let p = format!("attach[{i}]");
        company_ref(cx, &p, a.quickbooks.as_ref());
        let inv = a.invoice.value.trim();
        if cx.resolved(&a.invoice) && (inv.is_empty() || inv.chars().count() > 21) {
            cx.error(
                cx.at_str(&a.invoice),
                format!("`{p}.invoice` must be a QuickBooks invoice number (1 to 21 characters)"),
                "write the invoice's number (DocNumber) as shown in QuickBooks",
            );
        }
        if a.deal.is_none() && a.contact.is_none() && a.company.is_none() {
            cx.error(
                cx.at(&p),
                format!("`{p}` does not say what to attach invoice `{inv}` to"),
                "add `deal: <deal id>`, `contact: <contact id or email>` or `company: <company id>`",
            );
        }
        for (key, v) in [("deal", &a.deal), ("company", &a.company)] {
            if let Some(s) = v
                && cx.resolved(s)
                && (s.value.is_empty() || !s.value.chars().all(|c| c.is_ascii_digit()))
            {
                cx.error(
                    cx.at_str(s),
                    format!(
                        "`{p}.{key}` must be a HubSpot record id (digits), found `{}`",
                        s.value
                    ),
                    format!("copy the {key}'s id from its HubSpot URL"),
                );
            }
        }
        if let Some(c) = &a.contact {
            let v = c.value.trim();
            let ok = (!v.is_empty() && v.chars().all(|c| c.is_ascii_digit()))
                || (v.contains('@') && !v.starts_with('@') && !v.ends_with('@'));
            if cx.resolved(c) && !ok {
                cx.error(
                    cx.at_str(c),
                    format!("`{p}.contact` must be a HubSpot contact id or an email address, found `{v}`"),
                    "write the contact's id (digits) or email",
                );
            }
        }
        if let Some(company) = m.qbo_company_for_attach(a)
            && let Some(j) = seen.insert((company.to_string(), inv.to_string()), i)
        {
            cx.error(
                cx.at_str(&a.invoice),
                format!(
                    "invoice `{inv}` of company `{company}` is attached twice (also `attach[{j}]`)"
                ),
                "merge the two entries into one",
            );
        }
    }
}
