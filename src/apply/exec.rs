//! The executor: phases in dependency order, batches within each phase, HubSpot
//! and QuickBooks work in parallel (each paced by its client's rate limiters),
//! journal entries around every batch.

use super::results::{ApplyReport, Outcome, RecordResult};
use super::{ApplyError, ApplyOptions};
use crate::connect::Connections;
use crate::hubspot::{HsItemError, HsOutcome, HsUpdate, HsUpsert, HubSpotError};
use crate::model::System;
use crate::plan::{Action, Change, Fill, Payload, Plan};
use crate::quickbooks::{
    NaturalKey, QValue, QboBatchOp, QboBatchOutcome, QboClient, QboError, QboFault, WriteOptions,
};
use crate::state::{JournalEntry, JournalPhase, Store};
use futures_util::StreamExt;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

/// HubSpot batch size.
const HS_BATCH: usize = 100;
/// QBO batch size.
const QBO_BATCH: usize = 30;
/// QBO creates whose new Ids are written back to HubSpot together: the least
/// common multiple of the two batch sizes, so every write-back batch is full.
/// A run killed mid-group leaves at most this many records per group in
/// flight unlinked; the next plan links them by their match key.
const LINK_GROUP: usize = 300;

struct Ctx<'a> {
    plan: &'a Plan,
    conns: &'a Connections,
    store: &'a Store,
    opts: &'a ApplyOptions,
    results: Mutex<BTreeMap<String, RecordResult>>,
    /// Records created by this apply, by change id (source of fills).
    created: Mutex<BTreeMap<String, Created>>,
    /// QBO creates that were in flight when an earlier run of this plan died.
    in_flight: BTreeSet<String>,
    /// How often each change already failed definitively (journal, any run).
    failed_before: BTreeMap<String, u32>,
}

/// A record created by a change, kept for the fills of later changes.
#[derive(Debug, Clone)]
enum Created {
    Qbo(crate::model::QboRecord),
    Hubspot(String),
}

impl Ctx<'_> {
    fn set(&self, change: &Change, id: Option<String>, outcome: Outcome) {
        let success = outcome.is_success();
        let r = RecordResult::new(change, id, outcome);
        let first = self
            .results
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(change.id.clone(), r)
            .is_none();
        if first && let Some(p) = &self.opts.progress {
            p.report(super::ApplyProgress::ChangeDone {
                id: change.id.clone(),
                success,
            });
        }
    }

    fn done(&self, id: &str) -> Option<bool> {
        self.results
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(id)
            .map(|r| r.outcome.is_success())
    }

    /// Whether `c` may run: not already done, and every dependency succeeded.
    fn ready(&self, c: &Change) -> bool {
        if self.done(&c.id).is_some() {
            return false;
        }
        for d in &c.depends_on {
            match self.done(d) {
                Some(true) => {}
                _ => {
                    self.set(
                        c,
                        None,
                        Outcome::Skipped {
                            reason: format!("depends on `{d}`, which did not succeed"),
                        },
                    );
                    return false;
                }
            }
        }
        true
    }

    async fn journal(
        &self,
        changes: &[&Change],
        phase: JournalPhase,
        results: BTreeMap<String, serde_json::Value>,
    ) -> Result<(), ApplyError> {
        let e = JournalEntry {
            run: self.plan.checksum.clone(),
            changes: changes.iter().map(|c| c.id.clone()).collect(),
            phase,
            results,
            at: self.opts.now,
        };
        self.store
            .append_journal(&e)
            .await
            .map_err(ApplyError::State)
    }

    async fn journal_done(&self, changes: &[&Change]) -> Result<(), ApplyError> {
        let results = {
            let r = self.results.lock().unwrap_or_else(|e| e.into_inner());
            changes
                .iter()
                .filter_map(|c| {
                    r.get(&c.id).map(|x| {
                        (
                            c.id.clone(),
                            serde_json::json!({"ok": x.outcome.is_success(), "id": x.id}),
                        )
                    })
                })
                .collect()
        };
        self.journal(changes, JournalPhase::Done, results).await
    }
}

/// Run every change of `plan`.
pub(super) async fn run(
    plan: &Plan,
    conns: &Connections,
    store: &Store,
    opts: &ApplyOptions,
) -> Result<(ApplyReport, Vec<(String, crate::model::QboRecord)>), ApplyError> {
    let prior = store.journal().await?;
    let mut done_before: BTreeMap<String, Option<String>> = BTreeMap::new();
    let mut in_flight = BTreeSet::new();
    let mut failed_before: BTreeMap<String, u32> = BTreeMap::new();
    for e in prior.iter().filter(|e| e.phase == JournalPhase::Done) {
        for (id, r) in &e.results {
            if r.get("ok").and_then(|v| v.as_bool()) == Some(false) {
                *failed_before.entry(id.clone()).or_default() += 1;
            }
        }
    }
    for e in prior.iter().filter(|e| e.run == plan.checksum) {
        match e.phase {
            JournalPhase::Intent => in_flight.extend(e.changes.iter().cloned()),
            JournalPhase::Done => {
                for (id, r) in &e.results {
                    in_flight.remove(id);
                    if r.get("ok").and_then(|v| v.as_bool()) == Some(true) {
                        done_before.insert(
                            id.clone(),
                            r.get("id").and_then(|v| v.as_str()).map(str::to_string),
                        );
                    }
                }
            }
        }
    }
    let ctx = Ctx {
        plan,
        conns,
        store,
        opts,
        results: Mutex::new(BTreeMap::new()),
        created: Mutex::new(BTreeMap::new()),
        in_flight,
        failed_before,
    };
    for c in &plan.changes {
        if let Some(id) = done_before.get(&c.id) {
            ctx.set(c, id.clone(), Outcome::AlreadyApplied);
        }
    }

    // Phase 1: properties hsqb needs.
    for c in plan.changes.iter().filter(|c| c.action == Action::Ensure) {
        if ctx.ready(c) {
            ensure(&ctx, c).await;
        }
    }
    // Then links, creates and updates in dependency levels (a change runs after
    // every change it depends on); within a level HubSpot and QuickBooks work
    // proceeds in parallel, each paced by its client's rate limiters.
    for level in levels(plan) {
        let (a, b) = tokio::join!(
            hubspot_writes(&ctx, &level),
            quickbooks_writes(&ctx, &level)
        );
        a?;
        b?;
        associations(&ctx, &level).await?;
    }
    // Last: removals.
    let (a, b) = tokio::join!(hubspot_removals(&ctx), quickbooks_removals(&ctx));
    a?;
    b?;

    let results = ctx.results.into_inner().unwrap_or_else(|e| e.into_inner());
    let report = ApplyReport {
        results: plan
            .changes
            .iter()
            .map(|c| {
                results.get(&c.id).cloned().unwrap_or_else(|| {
                    RecordResult::new(
                        c,
                        None,
                        Outcome::Skipped {
                            reason: "not reached".into(),
                        },
                    )
                })
            })
            .collect(),
    };
    if report.failed() == 0 {
        store.clear_journal().await?;
    }
    let created = ctx
        .created
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .filter_map(|(id, c)| match c {
            Created::Qbo(rec) => Some((id, rec)),
            Created::Hubspot(_) => None,
        })
        .collect();
    Ok((report, created))
}

/// Non-ensure, non-removal changes grouped by dependency depth.
fn levels(plan: &Plan) -> Vec<Vec<&Change>> {
    let by_id: BTreeMap<&str, &Change> = plan.changes.iter().map(|c| (c.id.as_str(), c)).collect();
    let mut depth: BTreeMap<&str, usize> = BTreeMap::new();
    fn level<'a>(
        c: &'a Change,
        by_id: &BTreeMap<&str, &'a Change>,
        depth: &mut BTreeMap<&'a str, usize>,
        guard: usize,
    ) -> usize {
        if let Some(d) = depth.get(c.id.as_str()) {
            return *d;
        }
        if c.action == Action::Ensure || guard > by_id.len() {
            return 0;
        }
        let d = 1 + c
            .depends_on
            .iter()
            .filter_map(|d| by_id.get(d.as_str()))
            .map(|dep| level(dep, by_id, depth, guard + 1))
            .max()
            .unwrap_or(0);
        depth.insert(c.id.as_str(), d);
        d
    }
    let mut out: BTreeMap<usize, Vec<&Change>> = BTreeMap::new();
    for c in &plan.changes {
        if c.action == Action::Ensure || matches!(c.payload, Payload::Remove { .. }) {
            continue;
        }
        let d = level(c, &by_id, &mut depth, 0);
        out.entry(d).or_default().push(c);
    }
    out.into_values().collect()
}

/// The value a fill takes from a created record, as a JSON value.
fn fill_value(ctx: &Ctx<'_>, f: &Fill) -> Option<serde_json::Value> {
    let created = ctx.created.lock().unwrap_or_else(|e| e.into_inner());
    match created.get(&f.from_change)? {
        Created::Hubspot(id) => Some(serde_json::Value::String(id.clone())),
        Created::Qbo(rec) => Some(
            rec.get(&f.source)
                .cloned()
                .unwrap_or(serde_json::Value::Null),
        ),
    }
}

/// HubSpot properties of a change with its fills applied.
fn filled_properties(
    ctx: &Ctx<'_>,
    c: &Change,
    properties: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut props = properties.clone();
    for f in &c.fills {
        let Some(v) = fill_value(ctx, f) else {
            continue;
        };
        let wire = match crate::model::Value::from_qbo(&v, f.value_type) {
            Ok(val) => val.to_hubspot(),
            Err(_) => v.as_str().map(str::to_string).unwrap_or_default(),
        };
        props.insert(f.target.clone(), wire);
    }
    props
}

/// A QBO body with its fills applied (targets are JSON pointers).
fn filled_body(
    ctx: &Ctx<'_>,
    c: &Change,
    body: &serde_json::Map<String, serde_json::Value>,
) -> serde_json::Map<String, serde_json::Value> {
    let mut v = serde_json::Value::Object(body.clone());
    for f in &c.fills {
        if let (Some(val), Some(slot)) = (fill_value(ctx, f), v.pointer_mut(&f.target)) {
            *slot = val;
        }
    }
    match v {
        serde_json::Value::Object(m) => m,
        _ => body.clone(),
    }
}

async fn ensure(ctx: &Ctx<'_>, c: &Change) {
    let Payload::Property { object, definition } = &c.payload else {
        ctx.set(
            c,
            None,
            Outcome::failed(None, "ensure change without a property payload", None),
        );
        return;
    };
    let hs = &ctx.conns.hubspot;
    if let Err(e) = hs
        .ensure_group(object, &definition.group_name, "hsqb")
        .await
    {
        let (code, message, cid) = hs_error(&e);
        ctx.set(
            c,
            None,
            Outcome::failed(
                code,
                format!(
                    "creating property group `{}`: {message}",
                    definition.group_name
                ),
                cid,
            ),
        );
        return;
    }
    let want = crate::model::HsPropertyDef {
        name: definition.name.clone(),
        label: definition.label.clone(),
        type_: definition.type_.clone(),
        field_type: definition.field_type.clone(),
        group_name: definition.group_name.clone(),
        has_unique_value: definition.has_unique_value,
        read_only: false,
        options: definition.options.clone(),
        hubspot_defined: false,
    };
    match hs.ensure_property(object, &want).await {
        Ok(crate::hubspot::EnsureOutcome::Created | crate::hubspot::EnsureOutcome::Exists) => {
            ctx.set(c, Some(definition.name.clone()), Outcome::Ensured)
        }
        Ok(crate::hubspot::EnsureOutcome::Mismatch(diffs)) => ctx.set(
            c,
            None,
            Outcome::failed(
                Some("property_mismatch".into()),
                format!(
                    "the property exists with another definition: {}",
                    diffs.join("; ")
                ),
                None,
            ),
        ),
        Err(e) => {
            let (code, message, cid) = hs_error(&e);
            ctx.set(c, None, Outcome::failed(code, message, cid));
        }
    }
}

fn hs_error(e: &HubSpotError) -> (Option<String>, String, Option<String>) {
    match e.api() {
        Some(api) => (
            api.category.clone(),
            e.to_string(),
            api.correlation_id.clone(),
        ),
        None => (None, e.to_string(), None),
    }
}

fn hs_item_outcome<T>(o: &HsOutcome<T>) -> Result<(), Outcome> {
    match o {
        HsOutcome::Done(_) => Ok(()),
        HsOutcome::Failed(e) => Err(hs_item_failed(e)),
        HsOutcome::Unknown { reason } => Err(Outcome::failed(
            Some("unknown_outcome".into()),
            format!(
                "the write may or may not have happened ({reason}); re-run apply — HubSpot writes are idempotent"
            ),
            None,
        )),
    }
}

fn hs_item_failed(e: &HsItemError) -> Outcome {
    Outcome::failed(
        Some(e.category.clone()),
        e.message.clone(),
        e.correlation_id.clone(),
    )
}

fn qbo_fault_outcome(f: &QboFault) -> Outcome {
    let code = f.errors.first().map(|e| e.code.clone());
    let message = f
        .errors
        .iter()
        .map(|e| match &e.detail {
            Some(d) if !d.is_empty() && !d.contains(&e.message) => format!("{}: {d}", e.message),
            Some(d) if !d.is_empty() => d.clone(),
            _ => e.message.clone(),
        })
        .collect::<Vec<_>>()
        .join("; ");
    Outcome::failed(code, message, f.intuit_tid.clone())
}

fn qbo_error_outcome(e: &QboError) -> Outcome {
    match e.fault() {
        Some(f) => qbo_fault_outcome(f),
        None => Outcome::failed(None, e.to_string(), None),
    }
}

/// HubSpot links, creates (upserts) and updates, grouped per object and kind.
async fn hubspot_writes(ctx: &Ctx<'_>, level: &[&Change]) -> Result<(), ApplyError> {
    #[derive(PartialEq, Eq, PartialOrd, Ord, Clone, Copy)]
    enum Kind {
        Update,
        Upsert,
    }
    let mut groups: BTreeMap<(String, Kind), Vec<&Change>> = BTreeMap::new();
    for c in level
        .iter()
        .copied()
        .filter(|c| c.system == System::Hubspot)
    {
        let Some(object) = c.object.hubspot_name() else {
            continue;
        };
        let kind = match (&c.action, &c.payload) {
            (Action::Link, _) | (Action::Update, Payload::Hubspot { .. }) => Kind::Update,
            (
                Action::Create,
                Payload::Hubspot {
                    upsert_by: Some(_), ..
                },
            ) => Kind::Upsert,
            _ => continue,
        };
        groups
            .entry((object.to_string(), kind))
            .or_default()
            .push(c);
    }
    for ((object, kind), changes) in groups {
        let ready: Vec<&Change> = changes.into_iter().filter(|c| ctx.ready(c)).collect();
        let chunks: Vec<Vec<&Change>> = ready.chunks(HS_BATCH).map(<[&Change]>::to_vec).collect();
        let object = object.as_str();
        let mut stream = futures_util::stream::iter(chunks.into_iter().map(|chunk| async move {
            ctx.journal(&chunk, JournalPhase::Intent, BTreeMap::new())
                .await?;
            match kind {
                Kind::Update => hs_update_chunk(ctx, object, &chunk).await,
                Kind::Upsert => hs_upsert_chunk(ctx, object, &chunk).await,
            }
            ctx.journal_done(&chunk).await
        }))
        .buffer_unordered(ctx.opts.concurrency.max(1));
        while let Some(r) = stream.next().await {
            r?;
        }
    }
    Ok(())
}

async fn hs_update_chunk(ctx: &Ctx<'_>, object: &str, chunk: &[&Change]) {
    // HubSpot refuses a batch naming one record twice, and several changes may
    // write one record (a deal's link and its invoice properties): merge them
    // into one input and give every change that input's outcome.
    let mut merged: BTreeMap<String, (BTreeMap<String, String>, Vec<usize>)> = BTreeMap::new();
    for (i, c) in chunk.iter().enumerate() {
        let Some(id) = c.target_id.clone() else {
            continue;
        };
        let properties = match &c.payload {
            Payload::Link {
                property,
                qbo_id: Some(q),
            } => BTreeMap::from([(property.clone(), q.clone())]),
            Payload::Hubspot { properties, .. } => filled_properties(ctx, c, properties),
            _ => continue,
        };
        let slot = merged.entry(id).or_default();
        slot.0.extend(properties);
        slot.1.push(i);
    }
    let mut members: Vec<Vec<usize>> = Vec::new();
    let inputs: Vec<(usize, HsUpdate)> = merged
        .into_iter()
        .enumerate()
        .map(|(k, (id, (properties, idx)))| {
            members.push(idx);
            (k, HsUpdate { id, properties })
        })
        .collect();
    match ctx.conns.hubspot.batch_update(object, inputs).await {
        Ok(outcomes) => {
            for (k, o) in outcomes {
                for &i in &members[k] {
                    let c = chunk[i];
                    match hs_item_outcome(&o) {
                        Ok(()) => ctx.set(c, None, Outcome::success_for(c.action)),
                        Err(f) => ctx.set(c, None, f),
                    }
                }
            }
        }
        Err(e) => fail_all(ctx, chunk, &e),
    }
}

async fn hs_upsert_chunk(ctx: &Ctx<'_>, object: &str, chunk: &[&Change]) {
    let inputs: Vec<(usize, HsUpsert)> = chunk
        .iter()
        .enumerate()
        .filter_map(|(i, c)| match &c.payload {
            Payload::Hubspot {
                properties,
                upsert_by: Some(key),
                ..
            } => {
                let properties = filled_properties(ctx, c, properties);
                Some((
                    i,
                    HsUpsert {
                        id_property: key.clone(),
                        id_value: properties.get(key).cloned().unwrap_or_default(),
                        properties,
                    },
                ))
            }
            _ => None,
        })
        .collect();
    match ctx.conns.hubspot.batch_upsert(object, inputs).await {
        Ok(outcomes) => {
            for (i, o) in outcomes {
                let c = chunk[i];
                match &o {
                    HsOutcome::Done(up) => {
                        ctx.created
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .insert(c.id.clone(), Created::Hubspot(up.record.id.clone()));
                        ctx.set(c, Some(up.record.id.clone()), Outcome::Created)
                    }
                    other => {
                        if let Err(f) = hs_item_outcome(other) {
                            ctx.set(c, None, f)
                        }
                    }
                }
            }
        }
        Err(e) => fail_all(ctx, chunk, &e),
    }
}

fn fail_all(ctx: &Ctx<'_>, chunk: &[&Change], e: &HubSpotError) {
    let (code, message, cid) = hs_error(e);
    for c in chunk {
        ctx.set(
            c,
            None,
            Outcome::failed(code.clone(), message.clone(), cid.clone()),
        );
    }
}

/// QuickBooks creates (each batch followed by the HubSpot link write-back) and
/// sparse updates, per company.
async fn quickbooks_writes(ctx: &Ctx<'_>, level: &[&Change]) -> Result<(), ApplyError> {
    let companies: BTreeSet<String> = level
        .iter()
        .filter(|c| c.system == System::Quickbooks)
        .filter_map(|c| c.company.clone())
        .collect();
    for company in companies {
        let Some(client) = ctx.conns.quickbooks.get(&company) else {
            for c in level
                .iter()
                .filter(|c| c.company.as_deref() == Some(company.as_str()))
            {
                ctx.set(
                    c,
                    None,
                    Outcome::failed(
                        None,
                        format!("no connection for QuickBooks company `{company}`"),
                        None,
                    ),
                );
            }
            continue;
        };
        let mine = |action: Action| -> Vec<&Change> {
            level
                .iter()
                .copied()
                .filter(|c| {
                    c.system == System::Quickbooks
                        && c.company.as_deref() == Some(company.as_str())
                        && c.action == action
                })
                .filter(|c| matches!(c.payload, Payload::Quickbooks { .. }))
                .collect()
        };
        let creates: Vec<&Change> = mine(Action::Create)
            .into_iter()
            .filter(|c| ctx.ready(c))
            .collect();
        let updates: Vec<&Change> = mine(Action::Update)
            .into_iter()
            .filter(|c| ctx.ready(c))
            .collect();
        // Creates go in groups of LINK_GROUP: the group's QBO batches of 30,
        // then its new Ids written back to HubSpot in full batches of 100
        // (written back per QBO batch, this took 3.4× the HubSpot calls).
        let chunks: Vec<Vec<&Change>> = creates
            .chunks(LINK_GROUP)
            .map(<[&Change]>::to_vec)
            .collect();
        let mut stream = futures_util::stream::iter(chunks.into_iter().map(|chunk| async move {
            ctx.journal(&chunk, JournalPhase::Intent, BTreeMap::new())
                .await?;
            for batch in chunk.chunks(QBO_BATCH) {
                qbo_create_chunk(ctx, client, batch).await;
            }
            link_back(ctx, &chunk).await;
            ctx.journal_done(&chunk).await
        }))
        .buffer_unordered(ctx.opts.concurrency.max(1));
        while let Some(r) = stream.next().await {
            r?;
        }
        let chunks: Vec<Vec<&Change>> =
            updates.chunks(QBO_BATCH).map(<[&Change]>::to_vec).collect();
        let mut stream = futures_util::stream::iter(chunks.into_iter().map(|chunk| async move {
            ctx.journal(&chunk, JournalPhase::Intent, BTreeMap::new())
                .await?;
            qbo_update_chunk(ctx, client, &chunk).await;
            ctx.journal_done(&chunk).await
        }))
        .buffer_unordered(ctx.opts.concurrency.max(1));
        while let Some(r) = stream.next().await {
            r?;
        }
    }
    Ok(())
}

/// The client-side natural key of a create (for the client's own guard when it
/// resends). Marker keys in `PrivateNote` are not queryable in QBO and are
/// checked by [`find_existing`] instead.
fn natural_key(c: &Change) -> Option<NaturalKey> {
    match &c.payload {
        Payload::Quickbooks {
            natural_key: Some(k),
            ..
        } if k.field != "PrivateNote" => {
            Some(NaturalKey::eq(&k.field, QValue::Str(k.value.clone())))
        }
        _ => None,
    }
}

/// Look a create up by its natural key (read-before-retry). A `PrivateNote`
/// marker is found among the customer's invoices (QBO cannot filter on it).
async fn find_existing(
    client: &QboClient,
    c: &Change,
    body: &serde_json::Map<String, serde_json::Value>,
) -> Option<crate::model::QboRecord> {
    use crate::quickbooks::{Active, Query};
    let Payload::Quickbooks {
        entity,
        natural_key: Some(k),
        ..
    } = &c.payload
    else {
        return None;
    };
    if k.field == "PrivateNote" {
        let customer = body
            .get("CustomerRef")
            .and_then(|r| r.get("value"))
            .and_then(|v| v.as_str())?;
        let q = Query::select(entity, Active::NotApplicable)
            .eq("CustomerRef", QValue::Str(customer.to_string()));
        return client.query_all(&q).await.ok()?.into_iter().find(|r| {
            r.get_str("PrivateNote")
                .is_some_and(|n| n.contains(k.value.as_str()))
        });
    }
    let active = if crate::quickbooks::query::is_name_list(entity) {
        Active::Only
    } else {
        Active::NotApplicable
    };
    let q = Query::select(entity, active).eq(&k.field, QValue::Str(k.value.clone()));
    client.query_all(&q).await.ok()?.into_iter().next()
}

fn created(ctx: &Ctx<'_>, c: &Change, rec: crate::model::QboRecord) {
    let id = rec.id.clone();
    ctx.created
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(c.id.clone(), Created::Qbo(rec));
    ctx.set(c, Some(id), Outcome::Created);
}

async fn qbo_create_chunk(ctx: &Ctx<'_>, client: &QboClient, chunk: &[&Change]) {
    let mut items = Vec::new();
    let mut bodies: BTreeMap<usize, serde_json::Map<String, serde_json::Value>> = BTreeMap::new();
    for (i, c) in chunk.iter().enumerate() {
        let Payload::Quickbooks { entity, body, .. } = &c.payload else {
            continue;
        };
        let body = filled_body(ctx, c, body);
        // A create that was in flight when an earlier run died may have landed.
        if ctx.in_flight.contains(&c.id)
            && let Some(existing) = find_existing(client, c, &body).await
        {
            created(ctx, c, existing);
            continue;
        }
        if ctx.failed_before.contains_key(&c.id) {
            continue; // sent on its own below
        }
        items.push((
            i,
            QboBatchOp::Create {
                entity: entity.clone(),
                body: body.clone(),
            },
        ));
        bodies.insert(i, body);
    }
    retry_failed_creates(ctx, client, chunk).await;
    if items.is_empty() {
        return;
    }
    let outcomes = match client.batch(items).await {
        Ok(o) => o,
        Err(e) => {
            for c in chunk.iter().filter(|c| ctx.done(&c.id).is_none()) {
                ctx.set(c, None, qbo_error_outcome(&e));
            }
            return;
        }
    };
    for (i, o) in outcomes {
        let c = chunk[i];
        let body = bodies.remove(&i).unwrap_or_default();
        match o {
            QboBatchOutcome::Entity(rec) => created(ctx, c, rec),
            QboBatchOutcome::Fault(f) => ctx.set(c, None, qbo_fault_outcome(&f)),
            QboBatchOutcome::Unknown { .. } => {
                // Read before retry: only resend when the record is really absent.
                if let Some(existing) = find_existing(client, c, &body).await {
                    created(ctx, c, existing);
                    continue;
                }
                let Payload::Quickbooks { entity, .. } = &c.payload else {
                    continue;
                };
                let opts = WriteOptions {
                    request_id: None,
                    natural_key: natural_key(c),
                };
                match client.create(entity, body, &opts).await {
                    Ok(rec) => created(ctx, c, rec),
                    Err(e) => ctx.set(c, None, qbo_error_outcome(&e)),
                }
            }
            other => ctx.set(
                c,
                None,
                Outcome::failed(None, format!("unexpected batch result: {other:?}"), None),
            ),
        }
    }
}

/// Creates that already failed definitively in an earlier run are sent one by
/// one with a fresh `requestid` per attempt. The batch `requestid` is derived
/// from the batch body, and QuickBooks answers a known `requestid` by
/// replaying the original response: a batch that failed (say 6240, a name
/// taken by a record the user has since renamed) and is planned again with the
/// same body would replay the same failure forever. The id is still
/// deterministic (change id, attempt number, body), so a run killed mid-send
/// and re-run replays that attempt's answer instead of creating twice.
async fn retry_failed_creates(ctx: &Ctx<'_>, client: &QboClient, chunk: &[&Change]) {
    for c in chunk {
        let (Some(attempt), None) = (ctx.failed_before.get(&c.id), ctx.done(&c.id)) else {
            continue;
        };
        let Payload::Quickbooks { entity, body, .. } = &c.payload else {
            continue;
        };
        let body = filled_body(ctx, c, body);
        let mut seed = format!("{}\0retry {attempt}\0", c.id).into_bytes();
        seed.extend(serde_json::to_vec(&body).unwrap_or_default());
        const NS: uuid::Uuid = uuid::Uuid::from_u128(0x6873_7162_7265_7472_7900_0000_0000_0001);
        let opts = WriteOptions {
            request_id: Some(uuid::Uuid::new_v5(&NS, &seed).to_string()),
            natural_key: natural_key(c),
        };
        match client.create(entity, body, &opts).await {
            Ok(rec) => created(ctx, c, rec),
            Err(e) => ctx.set(c, None, qbo_error_outcome(&e)),
        }
    }
}

/// Write each new QBO Id into its HubSpot record's link property.
async fn link_back(ctx: &Ctx<'_>, chunk: &[&Change]) {
    let mut by_object: BTreeMap<String, Vec<(&Change, HsUpdate, String)>> = BTreeMap::new();
    {
        let results = ctx.results.lock().unwrap_or_else(|e| e.into_inner());
        for c in chunk {
            let (Some(lb), Some(r)) = (&c.link_back, results.get(&c.id)) else {
                continue;
            };
            if !r.outcome.is_success() {
                continue;
            }
            let Some(new_id) = r.id.clone() else { continue };
            by_object.entry(lb.object.clone()).or_default().push((
                c,
                HsUpdate {
                    id: lb.id.clone(),
                    properties: BTreeMap::from([(lb.property.clone(), new_id.clone())]),
                },
                new_id,
            ));
        }
    }
    for (object, rows) in by_object {
        let inputs: Vec<(usize, HsUpdate)> = rows
            .iter()
            .enumerate()
            .map(|(i, (_, u, _))| (i, u.clone()))
            .collect();
        let outcome = ctx.conns.hubspot.batch_update(&object, inputs).await;
        for (i, (c, u, new_id)) in rows.iter().enumerate() {
            let failure = match &outcome {
                Ok(list) => list
                    .iter()
                    .find(|(k, _)| *k == i)
                    .and_then(|(_, o)| hs_item_outcome(o).err()),
                Err(e) => {
                    let (code, message, cid) = hs_error(e);
                    Some(Outcome::failed(code, message, cid))
                }
            };
            if let Some(Outcome::Failed {
                code,
                message,
                correlation_id,
            }) = failure
            {
                ctx.set(
                    c,
                    Some(new_id.clone()),
                    Outcome::failed(
                        code,
                        format!(
                            "created in QuickBooks as {} {new_id}, but writing its Id to HubSpot {object} {} failed: {message}; the next plan links it again by its match key",
                            c.object, u.id
                        ),
                        correlation_id,
                    ),
                );
            }
        }
    }
}

fn sparse_body(c: &Change) -> Option<(String, serde_json::Map<String, serde_json::Value>)> {
    let Payload::Quickbooks { entity, body, .. } = &c.payload else {
        return None;
    };
    let id = c.target_id.clone()?;
    let token = c
        .preconditions
        .iter()
        .find_map(|p| (p.record.id == id).then(|| p.sync_token.clone()).flatten())?;
    let mut b = body.clone();
    b.insert("Id".into(), id.into());
    b.insert("SyncToken".into(), token.into());
    b.insert("sparse".into(), true.into());
    Some((entity.clone(), b))
}

async fn qbo_update_chunk(ctx: &Ctx<'_>, client: &QboClient, chunk: &[&Change]) {
    let mut items = Vec::new();
    for (i, c) in chunk.iter().enumerate() {
        match sparse_body(c) {
            Some((entity, body)) => items.push((i, QboBatchOp::Update { entity, body })),
            None => ctx.set(
                c,
                None,
                Outcome::failed(None, "update without a target id or SyncToken", None),
            ),
        }
    }
    run_qbo_items(ctx, client, chunk, items).await;
}

/// Send batch items and record outcomes; an unknown outcome of a non-create is
/// resolved by re-reading the record (a moved SyncToken means it landed).
async fn run_qbo_items(
    ctx: &Ctx<'_>,
    client: &QboClient,
    chunk: &[&Change],
    items: Vec<(usize, QboBatchOp)>,
) {
    if items.is_empty() {
        return;
    }
    match client.batch(items).await {
        Ok(outcomes) => {
            for (i, o) in outcomes {
                let c = chunk[i];
                match o {
                    QboBatchOutcome::Entity(rec) => {
                        ctx.set(c, Some(rec.id.clone()), Outcome::success_for(c.action))
                    }
                    QboBatchOutcome::Deleted(d) => {
                        ctx.set(c, Some(d.id.clone()), Outcome::success_for(c.action))
                    }
                    QboBatchOutcome::Fault(f) => {
                        let mut out = qbo_fault_outcome(&f);
                        if let Outcome::Failed {
                            code: Some(code),
                            message,
                            ..
                        } = &mut out
                            && code == "5010"
                        {
                            message.push_str(" — the record changed in QuickBooks since planning; run `hsqb plan` again");
                        }
                        ctx.set(c, None, out)
                    }
                    QboBatchOutcome::Unknown { reason } => {
                        let planned = c.preconditions.iter().find_map(|p| p.sync_token.clone());
                        let entity = c.object.qbo_name().unwrap_or("");
                        match (
                            c.target_id.as_deref(),
                            client
                                .read(entity, c.target_id.as_deref().unwrap_or(""))
                                .await,
                        ) {
                            (Some(_), Ok(rec)) if Some(&rec.sync_token) != planned.as_ref() => {
                                ctx.set(c, Some(rec.id.clone()), Outcome::success_for(c.action))
                            }
                            _ => ctx.set(
                                c,
                                None,
                                Outcome::failed(
                                    Some("unknown_outcome".into()),
                                    format!(
                                        "the write may not have happened ({reason}); re-run apply"
                                    ),
                                    None,
                                ),
                            ),
                        }
                    }
                    QboBatchOutcome::Query(_) => ctx.set(
                        c,
                        None,
                        Outcome::failed(None, "unexpected query result", None),
                    ),
                }
            }
        }
        Err(e) => {
            for c in chunk.iter().filter(|c| ctx.done(&c.id).is_none()) {
                ctx.set(c, None, qbo_error_outcome(&e));
            }
        }
    }
}

/// Associations of this level: those of HubSpot records just created (their
/// id comes from the create's result) and `associate` changes.
async fn associations(ctx: &Ctx<'_>, level: &[&Change]) -> Result<(), ApplyError> {
    type Group<'a> = Vec<(&'a Change, crate::model::Association)>;
    let mut groups: BTreeMap<(String, String), Group<'_>> = BTreeMap::new();
    for c in level.iter().copied() {
        let (specs, from_created) = match &c.payload {
            Payload::Hubspot { associations, .. }
                if !associations.is_empty() && c.action == Action::Create =>
            {
                (associations, true)
            }
            Payload::Associations { items } => (items, false),
            _ => continue,
        };
        if from_created && ctx.done(&c.id) != Some(true) {
            continue;
        }
        if !from_created && !ctx.ready(c) {
            continue;
        }
        let created_id = {
            let r = ctx.results.lock().unwrap_or_else(|e| e.into_inner());
            r.get(&c.id).and_then(|x| x.id.clone())
        };
        for a in specs {
            let Some(from) = a.from_id.clone().or_else(|| created_id.clone()) else {
                continue;
            };
            groups
                .entry((a.from_object.clone(), a.to_object.clone()))
                .or_default()
                .push((
                    c,
                    crate::model::Association {
                        from_id: from,
                        to_id: a.to_id.clone(),
                        type_id: a.type_id,
                    },
                ));
        }
    }
    for ((from, to), rows) in groups {
        let assocs: Vec<crate::model::Association> = rows.iter().map(|(_, a)| a.clone()).collect();
        let changes: Vec<&Change> = rows.iter().map(|(c, _)| *c).collect();
        ctx.journal(&changes, JournalPhase::Intent, BTreeMap::new())
            .await?;
        let mut failed: BTreeMap<String, Outcome> = BTreeMap::new();
        match ctx
            .conns
            .hubspot
            .associations_create(&from, &to, &assocs)
            .await
        {
            Ok(results) => {
                for (a, r) in results {
                    if let Err(e) = r
                        && let Some((c, _)) = rows.iter().find(|(_, x)| *x == a)
                    {
                        failed.insert(c.id.clone(), hs_item_failed(&e));
                    }
                }
            }
            Err(e) => {
                let (code, message, cid) = hs_error(&e);
                for (c, _) in &rows {
                    failed.insert(
                        c.id.clone(),
                        Outcome::failed(code.clone(), message.clone(), cid.clone()),
                    );
                }
            }
        }
        for (c, _) in &rows {
            let id = {
                let r = ctx.results.lock().unwrap_or_else(|e| e.into_inner());
                r.get(&c.id).and_then(|x| x.id.clone())
            };
            match failed.remove(&c.id) {
                Some(Outcome::Failed {
                    code,
                    message,
                    correlation_id,
                }) => ctx.set(
                    c,
                    id,
                    Outcome::failed(
                        code,
                        format!(
                            "associating {from} → {to} failed: {message}; re-run apply to retry"
                        ),
                        correlation_id,
                    ),
                ),
                _ if c.action == Action::Associate => ctx.set(c, id, Outcome::Associated),
                _ => {}
            }
        }
        ctx.journal_done(&changes).await?;
    }
    Ok(())
}

async fn hubspot_removals(ctx: &Ctx<'_>) -> Result<(), ApplyError> {
    let mut groups: BTreeMap<String, Vec<&Change>> = BTreeMap::new();
    for c in ctx
        .plan
        .changes
        .iter()
        .filter(|c| c.system == System::Hubspot && matches!(c.payload, Payload::Remove { .. }))
    {
        if let Some(o) = c.object.hubspot_name() {
            groups.entry(o.to_string()).or_default().push(c);
        }
    }
    for (object, changes) in groups {
        let ready: Vec<&Change> = changes.into_iter().filter(|c| ctx.ready(c)).collect();
        for chunk in ready.chunks(HS_BATCH) {
            ctx.journal(chunk, JournalPhase::Intent, BTreeMap::new())
                .await?;
            let inputs: Vec<(usize, String)> = chunk
                .iter()
                .enumerate()
                .filter_map(|(i, c)| c.target_id.clone().map(|t| (i, t)))
                .collect();
            match ctx.conns.hubspot.batch_archive(&object, inputs).await {
                Ok(outcomes) => {
                    for (i, o) in outcomes {
                        match hs_item_outcome(&o) {
                            Ok(()) => ctx.set(chunk[i], None, Outcome::Archived),
                            Err(f) => ctx.set(chunk[i], None, f),
                        }
                    }
                }
                Err(e) => fail_all(ctx, chunk, &e),
            }
            ctx.journal_done(chunk).await?;
        }
    }
    Ok(())
}

async fn quickbooks_removals(ctx: &Ctx<'_>) -> Result<(), ApplyError> {
    let companies: BTreeSet<String> = ctx
        .plan
        .changes
        .iter()
        .filter_map(|c| c.company.clone())
        .collect();
    for company in companies {
        let Some(client) = ctx.conns.quickbooks.get(&company) else {
            continue;
        };
        let ready: Vec<&Change> = ctx
            .plan
            .changes
            .iter()
            .filter(|c| {
                c.system == System::Quickbooks && c.company.as_deref() == Some(company.as_str())
            })
            .filter(|c| matches!(c.payload, Payload::Remove { .. }))
            .filter(|c| ctx.ready(c))
            .collect();
        for chunk in ready.chunks(QBO_BATCH) {
            ctx.journal(chunk, JournalPhase::Intent, BTreeMap::new())
                .await?;
            let mut items = Vec::new();
            for (i, c) in chunk.iter().enumerate() {
                let (Payload::Remove { operation }, Some(id), Some(entity)) =
                    (&c.payload, c.target_id.clone(), c.object.qbo_name())
                else {
                    continue;
                };
                let Some(token) = c.preconditions.iter().find_map(|p| p.sync_token.clone()) else {
                    ctx.set(
                        c,
                        None,
                        Outcome::failed(None, "removal without a SyncToken", None),
                    );
                    continue;
                };
                let op = match operation.as_str() {
                    "delete" => QboBatchOp::Delete {
                        entity: entity.into(),
                        id,
                        sync_token: token,
                    },
                    "void" => QboBatchOp::Void {
                        entity: entity.into(),
                        id,
                        sync_token: token,
                    },
                    _ => {
                        let mut body = serde_json::Map::new();
                        body.insert("Id".into(), id.into());
                        body.insert("SyncToken".into(), token.into());
                        body.insert("sparse".into(), true.into());
                        body.insert("Active".into(), false.into());
                        QboBatchOp::Update {
                            entity: entity.into(),
                            body,
                        }
                    }
                };
                items.push((i, op));
            }
            run_qbo_items(ctx, client, chunk, items).await;
            ctx.journal_done(chunk).await?;
        }
    }
    Ok(())
}
