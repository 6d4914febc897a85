//! QuickBooks invoices → HubSpot invoice objects (one way), their associations
//! (contact through the customer link, the contact's company, the deal), the
//! derived status, and the deal properties written from a deal's most recently
//! updated invoice.
//!
//! Scope: only invoices hsqb created from deals (deal link property or the
//! `PrivateNote` marker), invoices listed under `attach`, invoices matching a
//! declared `rules` entry, and invoices already linked to a HubSpot invoice.

use super::builder::{Builder, hs_ref, qbo_ref};
use super::deal_invoices::{PlannedInvoice, marked_deal};
use super::input::{HubSpotSnapshot, QboSnapshot};
use super::mapping::FieldMap;
use super::model::*;
use super::status::{InvoiceFacts, InvoiceStatus, derive};
use crate::manifest::{
    AttachEntry, InvoicesSync, Manifest, OnCreate, OnDelete, OnUpdate, OnVoid, SyncBlock,
};
use crate::model::{HsRecord, ObjectKind, QboRecord, System, Value, ValueType};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, BTreeSet};

/// HUBSPOT_DEFINED association types used here.
const INVOICE_TO_CONTACT: u32 = 177;
const INVOICE_TO_COMPANY: u32 = 179;
const INVOICE_TO_DEAL: u32 = 175;

/// Everything the block needs besides the snapshots.
pub struct Ctx<'a> {
    /// The manifest.
    pub manifest: &'a Manifest,
    /// The block.
    pub block: &'a InvoicesSync,
    /// QBO company name.
    pub company: String,
    /// Planner clock.
    pub now: DateTime<Utc>,
    /// Resolved mappings (QBO invoice → HubSpot invoice).
    pub maps: Vec<FieldMap>,
    /// Property ensure changes to depend on.
    pub property_deps: Vec<String>,
    /// Contacts' link property (QBO customer Id).
    pub contact_link: String,
    /// Deals' link property (QBO invoice Id), when deal invoices are enabled.
    pub deal_link: Option<String>,
}

/// Why an invoice is in scope, and the records it attaches to.
#[derive(Debug, Clone, Default)]
struct Scope {
    deal: Option<String>,
    contact: Option<String>,
    company: Option<String>,
    why: String,
}

fn assoc_enabled(v: Option<bool>) -> bool {
    v.unwrap_or(true)
}

/// Plan the block. `planned` are the invoices the deal-invoices block creates in
/// this plan; they are mirrored into HubSpot in the same apply.
pub fn plan_block(
    cx: &Ctx<'_>,
    hs: &HubSpotSnapshot,
    qbo: &QboSnapshot,
    planned: &[PlannedInvoice],
    b: &mut Builder,
) {
    let blk = cx.block;
    let link = blk.link_property().to_string();
    let status_prop = blk.status_property().to_string();
    let today = cx.now.date_naive();

    // HubSpot invoices by the QBO Id they link.
    let mut hs_by_qbo: BTreeMap<String, &HsRecord> = BTreeMap::new();
    for r in hs.records("invoices") {
        if let Some(q) = r.prop(&link) {
            hs_by_qbo.insert(q.to_string(), r);
        }
    }
    // Contacts by linked customer; deals by linked invoice.
    let mut contact_by_customer: BTreeMap<String, &HsRecord> = BTreeMap::new();
    for c in hs.records("contacts").iter().filter(|c| !c.archived) {
        if let Some(q) = c.prop(&cx.contact_link) {
            contact_by_customer.insert(q.to_string(), c);
        }
    }
    let mut deal_by_invoice: BTreeMap<String, String> = BTreeMap::new();
    if let Some(dl) = &cx.deal_link {
        for d in hs.records("deals").iter().filter(|d| !d.archived) {
            if let Some(q) = d.prop(dl) {
                deal_by_invoice.insert(q.to_string(), d.id.clone());
            }
        }
    }
    let primary_company = |contact: &str| {
        hs.associated("contacts", contact, "companies")
            .first()
            .map(|s| s.to_string())
    };

    // Scope.
    let mut scope: BTreeMap<String, Scope> = BTreeMap::new();
    let invoices = qbo.records("Invoice");
    let by_doc: BTreeMap<String, Vec<&QboRecord>> =
        invoices.iter().fold(BTreeMap::new(), |mut m, r| {
            if let Some(n) = r.get_str("DocNumber") {
                m.entry(n.to_string()).or_default().push(r);
            }
            m
        });
    for inv in invoices {
        let mut s = Scope::default();
        if let Some(d) = deal_by_invoice
            .get(&inv.id)
            .cloned()
            .or_else(|| marked_deal(inv))
        {
            s.deal = Some(d);
            s.why = "created by hsqb from a HubSpot deal".into();
        } else if hs_by_qbo.contains_key(&inv.id) {
            s.why = "already linked to a HubSpot invoice".into();
        } else if let Some(rule) = blk
            .rules
            .iter()
            .find(|r| rule_matches(r, inv, &contact_by_customer))
        {
            s.why = "matches an `invoices.rules` entry".into();
            if let Some(dp) = &rule.deal_property {
                let doc = inv.get_str("DocNumber").unwrap_or("");
                s.deal = hs
                    .records("deals")
                    .iter()
                    .find(|d| !doc.is_empty() && d.prop(dp.as_str()) == Some(doc))
                    .map(|d| d.id.clone());
            }
        } else {
            continue;
        }
        scope.insert(inv.id.clone(), s);
    }
    for entry in &cx.manifest.attach {
        if cx.manifest.qbo_company_for_attach(entry) != Some(cx.company.as_str()) {
            continue;
        }
        attach(entry, &by_doc, hs, &mut scope, b);
    }

    // Current invoices: create or update.
    let mut deal_candidates: BTreeMap<String, Vec<DealSource>> = BTreeMap::new();
    for inv in invoices {
        let Some(s) = scope.get(&inv.id) else {
            continue;
        };
        let facts = InvoiceFacts::of(inv);
        let status = derive(&facts, today);
        let existing = hs_by_qbo.get(&inv.id).copied();
        let rec = qbo_ref(ObjectKind::Invoice, &cx.company, &inv.id);
        let label = invoice_label(inv);
        if status == InvoiceStatus::Voided {
            match blk.on_void {
                OnVoid::Ignore => continue,
                OnVoid::Archive => {
                    if let Some(h) = existing.filter(|h| !h.archived) {
                        b.push(archive(
                            h,
                            &label,
                            &rec,
                            "voided in QuickBooks; on_void: archive",
                        ));
                    }
                    continue;
                }
                OnVoid::Update => {}
            }
        }
        let contact = s.contact.clone().or_else(|| {
            inv.get_str("CustomerRef.value")
                .and_then(|c| contact_by_customer.get(c))
                .map(|c| c.id.clone())
        });
        let company = s
            .company
            .clone()
            .or_else(|| contact.as_deref().and_then(primary_company));
        let mut want = BTreeMap::new();
        let mut problems = Vec::new();
        for m in &cx.maps {
            match m.qbo_value(inv).and_then(|v| m.to_hubspot(&v, Some(inv))) {
                Ok(v) if v.is_empty() => {}
                Ok(v) => {
                    want.insert(m.hubspot.clone(), v);
                }
                Err(e) => problems.push(format!("`{}`: {e}", m.qbo)),
            }
        }
        if !problems.is_empty() {
            b.record_diag(
                Severity::Error,
                "invalid_value",
                Block::Invoices,
                Some(rec.clone()),
                Some(label.clone()),
                format!("not synced: {}", problems.join("; ")),
                Some("Fix the mapping's type or the value in QuickBooks."),
            );
            b.skip(&rec);
            continue;
        }
        want.entry("hs_currency".into())
            .or_insert_with(|| Value::Enum(qbo.facts.home_currency.clone()));
        want.insert(status_prop.clone(), Value::Enum(status.label().into()));
        if let Some(d) = &s.deal {
            deal_candidates
                .entry(d.clone())
                .or_default()
                .push(DealSource::Existing(inv));
        }
        let mut assocs = Vec::new();
        let targets = [
            (
                assoc_enabled(blk.associations.contact),
                "contacts",
                contact.clone(),
                INVOICE_TO_CONTACT,
            ),
            (
                assoc_enabled(blk.associations.company),
                "companies",
                company.clone(),
                INVOICE_TO_COMPANY,
            ),
            (
                assoc_enabled(blk.associations.deal),
                "deals",
                s.deal.clone(),
                INVOICE_TO_DEAL,
            ),
        ];
        for (on, object, id, type_id) in targets {
            if let (true, Some(id)) = (on, id) {
                assocs.push(AssociationSpec {
                    from_object: "invoices".into(),
                    from_id: None,
                    to_object: object.into(),
                    to_id: id,
                    type_id,
                });
            }
        }
        match existing {
            None => {
                if blk.on_create == OnCreate::Ignore {
                    b.skip(&rec);
                    continue;
                }
                let mut props: BTreeMap<String, String> = want
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_hubspot()))
                    .collect();
                props.insert(link.clone(), inv.id.clone());
                let mut fields: Vec<FieldChange> = want
                    .iter()
                    .map(|(k, v)| FieldChange {
                        field: k.clone(),
                        before: Value::Null,
                        after: v.clone(),
                        note: None,
                    })
                    .collect();
                fields.push(FieldChange {
                    field: link.clone(),
                    before: Value::Null,
                    after: Value::Text(inv.id.clone()),
                    note: None,
                });
                b.push(Change {
                    id: format!("invoices/create/hubspot/qbo:{}:{}", cx.company, inv.id),
                    block: Block::Invoices,
                    action: Action::Create,
                    system: System::Hubspot,
                    object: ObjectKind::HsInvoice,
                    company: None,
                    target_id: None,
                    source: Some(rec.clone()),
                    label,
                    match_key: None,
                    fields,
                    preconditions: vec![Precondition {
                        record: rec.clone(),
                        updated_at: None,
                        sync_token: Some(inv.sync_token.clone()),
                        absent_key: None,
                    }],
                    reason: format!("QuickBooks invoice in scope ({}); on_create: create", s.why),
                    payload: Payload::Hubspot {
                        properties: props,
                        upsert_by: Some(link.clone()),
                        associations: assocs,
                    },
                    depends_on: cx.property_deps.clone(),
                    link_back: None,
                    baseline: None,
                    fills: Vec::new(),
                });
            }
            Some(h) if h.archived => {}
            Some(h) => {
                let mut props = BTreeMap::new();
                let mut fields = Vec::new();
                for (k, v) in &want {
                    let ty = cx
                        .maps
                        .iter()
                        .find(|m| &m.hubspot == k)
                        .map(|m| m.hs_type)
                        .unwrap_or(ValueType::Text);
                    let cur = h
                        .prop(k)
                        .map(|raw| {
                            Value::from_hubspot(raw, ty).unwrap_or(Value::Text(raw.to_string()))
                        })
                        .unwrap_or(Value::Null);
                    if !cur.same_as(v) {
                        props.insert(k.clone(), v.to_hubspot());
                        fields.push(FieldChange {
                            field: k.clone(),
                            before: cur,
                            after: v.clone(),
                            note: None,
                        });
                    }
                }
                if !props.is_empty() && blk.on_update == OnUpdate::Update {
                    b.push(Change {
                        id: format!("invoices/update/hubspot/{}", h.id),
                        block: Block::Invoices,
                        action: Action::Update,
                        system: System::Hubspot,
                        object: ObjectKind::HsInvoice,
                        company: None,
                        target_id: Some(h.id.clone()),
                        source: Some(rec.clone()),
                        label: label.clone(),
                        match_key: None,
                        fields,
                        preconditions: vec![Precondition {
                            record: hs_ref(ObjectKind::HsInvoice, &h.id),
                            updated_at: Some(h.updated_at),
                            sync_token: None,
                            absent_key: None,
                        }],
                        reason: "QuickBooks invoice changed".into(),
                        payload: Payload::Hubspot {
                            properties: props,
                            upsert_by: None,
                            associations: Vec::new(),
                        },
                        depends_on: cx.property_deps.clone(),
                        link_back: None,
                        baseline: None,
                        fills: Vec::new(),
                    });
                }
                let have: BTreeSet<(String, String)> = ["contacts", "companies", "deals"]
                    .iter()
                    .flat_map(|o| {
                        hs.associated("invoices", &h.id, o)
                            .into_iter()
                            .map(move |id| (o.to_string(), id.to_string()))
                    })
                    .collect();
                let missing: Vec<AssociationSpec> = assocs
                    .into_iter()
                    .filter(|a| !have.contains(&(a.to_object.clone(), a.to_id.clone())))
                    .map(|mut a| {
                        a.from_id = Some(h.id.clone());
                        a
                    })
                    .collect();
                if !missing.is_empty() {
                    b.push(Change {
                        id: format!("invoices/associate/hubspot/{}", h.id),
                        block: Block::Invoices,
                        action: Action::Associate,
                        system: System::Hubspot,
                        object: ObjectKind::HsInvoice,
                        company: None,
                        target_id: Some(h.id.clone()),
                        source: Some(rec.clone()),
                        label,
                        match_key: None,
                        fields: missing
                            .iter()
                            .map(|a| FieldChange {
                                field: format!("association → {}", a.to_object),
                                before: Value::Null,
                                after: Value::Text(a.to_id.clone()),
                                note: None,
                            })
                            .collect(),
                        preconditions: Vec::new(),
                        reason: "the invoice's contact, company or deal association is missing"
                            .into(),
                        payload: Payload::Associations { items: missing },
                        depends_on: Vec::new(),
                        link_back: None,
                        baseline: None,
                        fills: Vec::new(),
                    });
                }
            }
        }
    }

    // Deleted in QuickBooks.
    let alive: BTreeSet<&str> = invoices.iter().map(|i| i.id.as_str()).collect();
    for (qid, h) in &hs_by_qbo {
        if h.archived || alive.contains(qid.as_str()) {
            continue;
        }
        let gone = qbo.is_deleted("Invoice", qid) || qbo.complete("Invoice");
        if gone && blk.on_delete != OnDelete::Ignore {
            let rec = qbo_ref(ObjectKind::Invoice, &cx.company, qid);
            b.push(archive(
                h,
                &format!("invoice {}", h.prop("hs_number").unwrap_or(qid)),
                &rec,
                "deleted in QuickBooks; on_delete: archive",
            ));
        }
    }

    // Invoices this plan creates from deals: mirror them into HubSpot now.
    for p in planned {
        if blk.on_create == OnCreate::Ignore {
            continue;
        }
        mirror_planned(cx, p, &link, &status_prop, b);
        deal_candidates
            .entry(p.deal_id.clone())
            .or_default()
            .push(DealSource::Planned(p));
    }

    // Deal properties from each deal's most recently updated invoice.
    let dp = &blk.deal_properties;
    if dp.is_enabled() {
        for (deal_id, sources) in deal_candidates {
            deal_properties(cx, hs, &deal_id, sources, today, b);
        }
    }
}

fn rule_matches(
    r: &crate::manifest::InvoiceRule,
    inv: &QboRecord,
    contact_by_customer: &BTreeMap<String, &HsRecord>,
) -> bool {
    if r.customer_linked == Some(true)
        && !inv
            .get_str("CustomerRef.value")
            .is_some_and(|c| contact_by_customer.contains_key(c))
    {
        return false;
    }
    if let Some(from) = &r.txn_date_from
        && inv.get_str("TxnDate").is_none_or(|d| d < from.as_str())
    {
        return false;
    }
    if let Some(prefix) = &r.doc_number_prefix
        && !inv
            .get_str("DocNumber")
            .is_some_and(|d| d.starts_with(prefix.as_str()))
    {
        return false;
    }
    true
}

fn attach(
    entry: &AttachEntry,
    by_doc: &BTreeMap<String, Vec<&QboRecord>>,
    hs: &HubSpotSnapshot,
    scope: &mut BTreeMap<String, Scope>,
    b: &mut Builder,
) {
    let number = entry.invoice.as_str();
    let found = by_doc.get(number).map(Vec::as_slice).unwrap_or(&[]);
    let inv = match found {
        [one] => *one,
        [] => {
            b.record_diag(Severity::Warning, "attach_not_found", Block::Invoices, None, Some(format!("invoice {number}")), "is listed under `attach` but no QuickBooks invoice has that number".into(), Some("Check the invoice number (DocNumber) and the `quickbooks:` company of the entry."));
            return;
        }
        many => {
            b.record_diag(
                Severity::Warning,
                "attach_ambiguous",
                Block::Invoices,
                None,
                Some(format!("invoice {number}")),
                format!(
                    "{} QuickBooks invoices have this number; none is attached",
                    many.len()
                ),
                Some("Make the invoice numbers unique in QuickBooks."),
            );
            return;
        }
    };
    let contact = entry.contact.as_ref().and_then(|c| {
        let c = c.as_str();
        if c.contains('@') {
            hs.records("contacts")
                .iter()
                .find(|r| r.prop("email").is_some_and(|e| e.eq_ignore_ascii_case(c)))
                .map(|r| r.id.clone())
        } else {
            Some(c.to_string())
        }
    });
    if entry.contact.is_some() && contact.is_none() {
        b.record_diag(
            Severity::Warning,
            "attach_contact_not_found",
            Block::Invoices,
            None,
            Some(format!("invoice {number}")),
            format!(
                "`attach` names contact `{}`, which does not exist in HubSpot",
                entry.contact.as_ref().map(|c| c.as_str()).unwrap_or("")
            ),
            None,
        );
    }
    let s = scope.entry(inv.id.clone()).or_default();
    s.why = "listed under `attach`".into();
    if let Some(d) = &entry.deal {
        s.deal = Some(d.value.clone());
    }
    if contact.is_some() {
        s.contact = contact;
    }
    if let Some(c) = &entry.company {
        s.company = Some(c.value.clone());
    }
}

fn invoice_label(inv: &QboRecord) -> String {
    let name = inv.get_str("CustomerRef.name").unwrap_or("");
    match (inv.get_str("DocNumber"), name.is_empty()) {
        (Some(n), false) => format!("invoice {n} ({name})"),
        (Some(n), true) => format!("invoice {n}"),
        (None, _) => format!("invoice {}", inv.id),
    }
}

fn archive(h: &HsRecord, label: &str, rec: &RecordRef, reason: &str) -> Change {
    Change {
        id: format!("invoices/archive/hubspot/{}", h.id),
        block: Block::Invoices,
        action: Action::Archive,
        system: System::Hubspot,
        object: ObjectKind::HsInvoice,
        company: None,
        target_id: Some(h.id.clone()),
        source: Some(rec.clone()),
        label: label.to_string(),
        match_key: None,
        fields: Vec::new(),
        preconditions: vec![Precondition {
            record: hs_ref(ObjectKind::HsInvoice, &h.id),
            updated_at: Some(h.updated_at),
            sync_token: None,
            absent_key: None,
        }],
        reason: reason.to_string(),
        payload: Payload::Remove {
            operation: "archive".into(),
        },
        depends_on: Vec::new(),
        link_back: None,
        baseline: None,
        fills: Vec::new(),
    }
}

fn known_after_apply() -> Value {
    Value::Text(KNOWN_AFTER_APPLY.into())
}

/// HubSpot invoice for an invoice this plan creates in QBO.
fn mirror_planned(
    cx: &Ctx<'_>,
    p: &PlannedInvoice,
    link: &str,
    status_prop: &str,
    b: &mut Builder,
) {
    let blk = cx.block;
    let mut props: BTreeMap<String, String> = BTreeMap::new();
    let mut fields = Vec::new();
    let mut fills = vec![Fill {
        from_change: p.change.clone(),
        source: "Id".into(),
        target: link.to_string(),
        value_type: ValueType::Text,
    }];
    // Every mapped value comes from the created invoice, so the HubSpot
    // invoice matches exactly what QuickBooks computed (number, dates, totals).
    for m in &cx.maps {
        fills.push(Fill {
            from_change: p.change.clone(),
            source: m.qbo.0.clone(),
            target: m.hubspot.clone(),
            value_type: m.hs_type,
        });
        let planned_value = match m.qbo.0.as_str() {
            "TotalAmt" | "Balance" => Some(Value::Money(p.total)),
            "TxnDate" => Some(Value::Date(p.txn_date)),
            "DueDate" => p.due_date.map(Value::Date),
            "CurrencyRef.value" => Some(Value::Enum(p.currency.clone())),
            "DocNumber" => p.doc_number.clone().map(Value::Text),
            "CustomerRef.name" => p.recipient.clone().map(Value::Text),
            _ => None,
        };
        fields.push(FieldChange {
            field: m.hubspot.clone(),
            before: Value::Null,
            after: planned_value.unwrap_or_else(known_after_apply),
            note: None,
        });
    }
    props
        .entry("hs_currency".into())
        .or_insert_with(|| p.currency.clone());
    props.insert(
        status_prop.to_string(),
        InvoiceStatus::ReadyToSend.label().into(),
    );
    fields.push(FieldChange {
        field: status_prop.to_string(),
        before: Value::Null,
        after: Value::Enum(InvoiceStatus::ReadyToSend.label().into()),
        note: Some("a new draft, not sent".into()),
    });
    fields.push(FieldChange {
        field: link.to_string(),
        before: Value::Null,
        after: known_after_apply(),
        note: None,
    });
    let mut assocs = Vec::new();
    if assoc_enabled(blk.associations.contact) {
        assocs.push(AssociationSpec {
            from_object: "invoices".into(),
            from_id: None,
            to_object: "contacts".into(),
            to_id: p.contact_id.clone(),
            type_id: INVOICE_TO_CONTACT,
        });
    }
    if let (true, Some(c)) = (assoc_enabled(blk.associations.company), &p.company_id) {
        assocs.push(AssociationSpec {
            from_object: "invoices".into(),
            from_id: None,
            to_object: "companies".into(),
            to_id: c.clone(),
            type_id: INVOICE_TO_COMPANY,
        });
    }
    if assoc_enabled(blk.associations.deal) {
        assocs.push(AssociationSpec {
            from_object: "invoices".into(),
            from_id: None,
            to_object: "deals".into(),
            to_id: p.deal_id.clone(),
            type_id: INVOICE_TO_DEAL,
        });
    }
    let mut deps = cx.property_deps.clone();
    deps.push(p.change.clone());
    b.push(Change {
        id: format!("invoices/create/hubspot/deal:{}", p.deal_id),
        block: Block::Invoices,
        action: Action::Create,
        system: System::Hubspot,
        object: ObjectKind::HsInvoice,
        company: None,
        target_id: None,
        source: Some(hs_ref(ObjectKind::Deal, &p.deal_id)),
        label: format!("invoice for deal {}", p.deal_id),
        match_key: None,
        fields,
        preconditions: Vec::new(),
        reason: "mirrors the QuickBooks invoice this plan creates from the deal".into(),
        payload: Payload::Hubspot {
            properties: props,
            upsert_by: Some(link.to_string()),
            associations: assocs,
        },
        depends_on: deps,
        link_back: None,
        baseline: None,
        fills,
    });
}

enum DealSource<'a> {
    Existing(&'a QboRecord),
    Planned(&'a PlannedInvoice),
}

fn deal_properties(
    cx: &Ctx<'_>,
    hs: &HubSpotSnapshot,
    deal_id: &str,
    sources: Vec<DealSource<'_>>,
    today: chrono::NaiveDate,
    b: &mut Builder,
) {
    let Some(deal) = hs.record("deals", deal_id).filter(|d| !d.archived) else {
        return;
    };
    let names = cx.block.deal_properties.names();
    let portal_currency = hs.currency.clone().unwrap_or_else(|| "USD".into());
    // A planned invoice is the newest; otherwise the most recently updated in QBO.
    let chosen = sources
        .iter()
        .find(|s| matches!(s, DealSource::Planned(_)))
        .or_else(|| {
            sources.iter().max_by(|a, b| match (a, b) {
                (DealSource::Existing(x), DealSource::Existing(y)) => {
                    (x.updated, numeric(&x.id)).cmp(&(y.updated, numeric(&y.id)))
                }
                _ => std::cmp::Ordering::Equal,
            })
        });
    let Some(chosen) = chosen else { return };
    let mut fills = Vec::new();
    let mut deps = cx.property_deps.clone();
    let (currency, values, from) = match chosen {
        DealSource::Existing(inv) => {
            let facts = InvoiceFacts::of(inv);
            let currency = inv
                .get_str("CurrencyRef.value")
                .map(str::to_string)
                .unwrap_or_else(|| portal_currency.clone());
            let v = vec![
                (names.amount_due.clone(), Value::Money(facts.balance)),
                (
                    names.recipient.clone(),
                    inv.get_str("CustomerRef.name")
                        .map(|s| Value::Text(s.into()))
                        .unwrap_or(Value::Null),
                ),
                (
                    names.number.clone(),
                    inv.get_str("DocNumber")
                        .map(|s| Value::Text(s.into()))
                        .unwrap_or(Value::Null),
                ),
                (
                    names.status.clone(),
                    Value::Enum(derive(&facts, today).label().into()),
                ),
                (
                    names.due_date.clone(),
                    facts.due.map(Value::Date).unwrap_or(Value::Null),
                ),
            ];
            (currency, v, invoice_label(inv))
        }
        DealSource::Planned(p) => {
            deps.push(p.change.clone());
            if p.doc_number.is_none() {
                fills.push(Fill {
                    from_change: p.change.clone(),
                    source: "DocNumber".into(),
                    target: names.number.clone(),
                    value_type: ValueType::Text,
                });
            }
            if p.due_date.is_none() {
                fills.push(Fill {
                    from_change: p.change.clone(),
                    source: "DueDate".into(),
                    target: names.due_date.clone(),
                    value_type: ValueType::Date,
                });
            }
            if p.recipient.is_none() {
                fills.push(Fill {
                    from_change: p.change.clone(),
                    source: "CustomerRef.name".into(),
                    target: names.recipient.clone(),
                    value_type: ValueType::Text,
                });
            }
            let v = vec![
                (names.amount_due.clone(), Value::Money(p.total)),
                (
                    names.recipient.clone(),
                    p.recipient
                        .clone()
                        .map(Value::Text)
                        .unwrap_or_else(known_after_apply),
                ),
                (
                    names.number.clone(),
                    p.doc_number
                        .clone()
                        .map(Value::Text)
                        .unwrap_or_else(known_after_apply),
                ),
                (
                    names.status.clone(),
                    Value::Enum(InvoiceStatus::ReadyToSend.label().into()),
                ),
                (
                    names.due_date.clone(),
                    p.due_date
                        .map(Value::Date)
                        .unwrap_or_else(known_after_apply),
                ),
            ];
            (
                p.currency.clone(),
                v,
                "the invoice this plan creates".to_string(),
            )
        }
    };
    let label = deal
        .prop("dealname")
        .map(str::to_string)
        .unwrap_or_else(|| format!("deal {deal_id}"));
    if !currency.eq_ignore_ascii_case(&portal_currency) {
        b.record_diag(
            Severity::Info,
            "deal_currency_mismatch",
            Block::Invoices,
            Some(hs_ref(ObjectKind::Deal, deal_id)),
            Some(label),
            format!("its latest invoice is in {currency}, not the HubSpot company currency {portal_currency}; deal invoice properties are not updated"),
            None,
        );
        return;
    }
    let mut props = BTreeMap::new();
    let mut fields = Vec::new();
    let filled: BTreeSet<&str> = fills.iter().map(|f| f.target.as_str()).collect();
    for (name, want) in values {
        let ty = match &want {
            Value::Money(_) => ValueType::Number,
            Value::Date(_) => ValueType::Date,
            Value::Enum(_) => ValueType::Enumeration,
            _ => ValueType::Text,
        };
        let cur = deal
            .prop(&name)
            .map(|raw| Value::from_hubspot(raw, ty).unwrap_or(Value::Text(raw.into())))
            .unwrap_or(Value::Null);
        let unknown = filled.contains(name.as_str());
        if unknown || !cur.same_as(&want) {
            if !unknown {
                props.insert(name.clone(), want.to_hubspot());
            }
            fields.push(FieldChange {
                field: name,
                before: cur,
                after: want,
                note: None,
            });
        }
    }
    if fields.is_empty() {
        return;
    }
    deps.sort();
    deps.dedup();
    b.push(Change {
        id: format!("invoices/deal/hubspot/{deal_id}"),
        block: Block::Invoices,
        action: Action::Update,
        system: System::Hubspot,
        object: ObjectKind::Deal,
        company: None,
        target_id: Some(deal_id.to_string()),
        source: None,
        label,
        match_key: None,
        fields,
        preconditions: vec![Precondition {
            record: hs_ref(ObjectKind::Deal, deal_id),
            updated_at: Some(deal.updated_at),
            sync_token: None,
            absent_key: None,
        }],
        reason: format!(
            "deal invoice properties from {from} (the deal's most recently updated invoice)"
        ),
        payload: Payload::Hubspot {
            properties: props,
            upsert_by: None,
            associations: Vec::new(),
        },
        depends_on: deps,
        link_back: None,
        baseline: None,
        fills,
    });
}

fn numeric(id: &str) -> (usize, &str) {
    (id.len(), id)
}
