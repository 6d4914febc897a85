//! Apply: execute a plan against the live systems.
//!
//! Architecture invariants:
//! - Apply executes what the plan says; it never re-plans silently. A saved
//!   plan whose records changed since planning is refused before any write
//!   ([`preconditions`]).
//! - Writes are idempotent by construction: HubSpot creates of linked records
//!   are batch upserts on the unique link property; QBO creates carry a
//!   deterministic `requestid` and, when their outcome is unknown, are looked up
//!   by natural key before anything is resent; the new QBO Id is written back
//!   to HubSpot right after each QBO batch.
//! - The journal records each batch's intent before it is sent and its outcome
//!   after; a killed apply re-run converges without duplicates.
//! - Independent records continue after a failure; dependants of a failed
//!   change are skipped; watermarks advance only when every change succeeded.

mod exec;
pub mod preconditions;
mod results;

pub use results::{ApplyReport, Outcome, RecordResult};

use crate::connect::Connections;
use crate::plan::Plan;
use crate::state::{StateDelta, StateError, Store};
use chrono::{DateTime, Utc};

/// Apply errors that stop the run (per-record failures are in the report).
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// The plan is refused by a blocking diagnostic.
    #[error("the plan is blocked: {0}")]
    Blocked(String),
    /// Records changed since the plan was made.
    #[error("{} record(s) changed since the plan was made", .0.len())]
    Stale(Vec<preconditions::Drift>),
    /// The plan was made against other accounts or another manifest.
    #[error("{0}")]
    Foreign(String),
    /// Reading preconditions failed.
    #[error("checking preconditions: {0}")]
    Read(String),
    /// The state store failed.
    #[error(transparent)]
    State(#[from] StateError),
}

/// Progress of an apply, reported as it happens. The library never prints:
/// the CLI renders these (a progress bar on a terminal).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApplyProgress {
    /// Execution starts with this many changes.
    Started {
        /// Changes in the plan.
        total: usize,
    },
    /// One change reached its final outcome (applied, failed or skipped).
    ChangeDone {
        /// The change id.
        id: String,
        /// Whether it succeeded.
        success: bool,
    },
}

/// A receiver of [`ApplyProgress`] events (called from the executor's tasks;
/// must be cheap and never block).
#[derive(Clone)]
pub struct ProgressSink(pub std::sync::Arc<dyn Fn(ApplyProgress) + Send + Sync>);

impl ProgressSink {
    /// Wrap a callback.
    pub fn new(f: impl Fn(ApplyProgress) + Send + Sync + 'static) -> Self {
        ProgressSink(std::sync::Arc::new(f))
    }

    /// Report one event.
    pub fn report(&self, e: ApplyProgress) {
        (self.0)(e)
    }
}

impl std::fmt::Debug for ProgressSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ProgressSink")
    }
}

/// Options of one apply.
#[derive(Debug, Clone)]
pub struct ApplyOptions {
    /// Re-check every precondition before writing (saved plans).
    pub check_preconditions: bool,
    /// Wall-clock time (journal timestamps, last full refresh).
    pub now: DateTime<Utc>,
    /// How many batches may be in flight per system.
    pub concurrency: usize,
    /// Where progress events go (none by default).
    pub progress: Option<ProgressSink>,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        ApplyOptions {
            check_preconditions: false,
            now: Utc::now(),
            concurrency: 4,
            progress: None,
        }
    }
}

/// Execute `plan`. The caller holds the state lock.
pub async fn apply(
    plan: &Plan,
    conns: &Connections,
    store: &Store,
    opts: &ApplyOptions,
) -> Result<ApplyReport, ApplyError> {
    if plan.is_blocked() {
        let reasons: Vec<String> = plan
            .diagnostics
            .iter()
            .filter(|d| d.blocking)
            .map(|d| d.message.clone())
            .collect();
        return Err(ApplyError::Blocked(reasons.join("; ")));
    }
    if plan
        .target
        .quickbooks
        .iter()
        .any(|(name, realm)| conns.target.quickbooks.get(name) != Some(realm))
        || plan.target.hubspot != conns.target.hubspot
    {
        return Err(ApplyError::Foreign(format!(
            "the plan was made for {} but the manifest connects to {}; re-run `hsqb plan`",
            describe(&plan.target),
            describe(&conns.target)
        )));
    }
    if opts.check_preconditions {
        // Changes an interrupted run of this same plan already made are not drift.
        let touched: std::collections::BTreeSet<String> = store
            .journal()
            .await?
            .into_iter()
            .filter(|e| e.run == plan.checksum)
            .flat_map(|e| e.changes)
            .collect();
        let drift = preconditions::check(plan, conns, &touched)
            .await
            .map_err(ApplyError::Read)?;
        if !drift.is_empty() {
            return Err(ApplyError::Stale(drift));
        }
    }
    if let Some(p) = &opts.progress {
        p.report(ApplyProgress::Started {
            total: plan.changes.len(),
        });
    }
    let (report, created) = exec::run(plan, conns, store, opts).await?;
    record_state(plan, &report, &created, store, opts).await?;
    Ok(report)
}

fn describe(t: &crate::plan::PlanTarget) -> String {
    let companies: Vec<String> = t
        .quickbooks
        .iter()
        .map(|(n, r)| format!("{n}={r}"))
        .collect();
    format!(
        "HubSpot {} and QuickBooks {}",
        t.hubspot,
        companies.join(", ")
    )
}

/// Record baselines of pairs whose changes all succeeded, forget removed pairs,
/// and advance watermarks only when nothing failed.
async fn record_state(
    plan: &Plan,
    report: &ApplyReport,
    created: &[(String, crate::model::QboRecord)],
    store: &Store,
    opts: &ApplyOptions,
) -> Result<(), StateError> {
    use crate::plan::input::baseline_key;
    use std::collections::BTreeMap;
    let mut groups: BTreeMap<String, (crate::plan::BaselineEntry, bool)> = BTreeMap::new();
    for c in &plan.changes {
        let Some(be) = &c.baseline else { continue };
        let r = report.result(&c.id);
        let ok = r.is_some_and(|r| r.outcome.is_success());
        let mut entry = be.clone();
        // The QuickBooks side's values as QBO created them (defaults included).
        if !entry.from_created.is_empty() {
            for f in std::mem::take(&mut entry.from_created) {
                let Some((_, rec)) = created.iter().find(|(id, _)| *id == f.from_change) else {
                    continue;
                };
                let raw = rec
                    .get(&f.source)
                    .cloned()
                    .unwrap_or(serde_json::Value::Null);
                let Ok(v) = crate::model::Value::from_qbo(&raw, f.value_type) else {
                    continue;
                };
                let wire = v.to_hubspot();
                if entry.values.get(&f.target) != Some(&wire) {
                    entry.qbo_values.insert(f.target.clone(), wire);
                }
            }
        }
        if let Some(r) = r
            && let Some(id) = &r.id
        {
            match c.system {
                crate::model::System::Hubspot if entry.hubspot_id.is_none() => {
                    entry.hubspot_id = Some(id.clone())
                }
                crate::model::System::Quickbooks if entry.qbo_id.is_none() => {
                    entry.qbo_id = Some(id.clone())
                }
                _ => {}
            }
        }
        // The planned ids identify the pair: an update pair's HubSpot and QBO
        // changes carry the same entry; a create's missing id comes from its result.
        let pair = format!(
            "{}:{}:{}",
            be.block.name(),
            be.hubspot_id.as_deref().unwrap_or(""),
            be.qbo_id.as_deref().unwrap_or("")
        );
        let slot = groups.entry(pair).or_insert((entry.clone(), true));
        slot.1 &= ok;
        if slot.0.hubspot_id.is_none() {
            slot.0.hubspot_id = entry.hubspot_id.clone();
        }
        if slot.0.qbo_id.is_none() {
            slot.0.qbo_id = entry.qbo_id.clone();
        }
    }
    let clean = report.failed() == 0;
    let mut delta = StateDelta::default();
    for (entry, ok) in groups.into_values() {
        if let (true, Some(h), Some(q)) = (ok, &entry.hubspot_id, &entry.qbo_id) {
            delta
                .baselines
                .push((baseline_key(entry.block, h, q), entry.clone()));
        }
    }
    for b in &plan.state.baselines {
        if let (Some(h), Some(q)) = (&b.hubspot_id, &b.qbo_id) {
            delta
                .baselines
                .push((baseline_key(b.block, h, q), b.clone()));
        }
    }
    delta.forget = plan.state.forget.clone();
    if clean {
        delta.watermarks = plan.state.watermarks.clone();
        if plan.refresh == crate::plan::model::RefreshMode::Full {
            delta.last_full_refresh = Some(opts.now);
        }
    }
    store.record(&delta).await
}
