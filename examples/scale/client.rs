//! The client side of the scale harness: hsqb's own clients pointed at the
//! emulator, and the pipeline the CLI runs (state → refresh → plan → render →
//! apply), each step timed.

use crate::emu::Emu;
use crate::measure::{Timing, timed};
use hsqb::apply::{self, ApplyOptions, ApplyReport};
use hsqb::connect::Connections;
use hsqb::hubspot::{HubSpotAuth, HubSpotClient, HubSpotConfig, HubSpotLimits};
use hsqb::manifest::{Manifest, SyncBlock};
use hsqb::plan::input::EstimateLimits;
use hsqb::plan::model::PlanTarget;
use hsqb::plan::{Plan, PlanInput, PlanOptions, StateView};
use hsqb::quickbooks::{MemorySink, QboAuth, QboClient, QboConfig, QboLimits};
use hsqb::refresh::{self, RefreshRequest};
use hsqb::secret::Secret;
use hsqb::state::{LocalStore, LockHolder, Store};
use std::collections::BTreeMap;
use std::path::Path;

/// The QBO company name used in the manifests.
pub const COMPANY: &str = "main";

/// Client-side limits: the real ones scaled, or none.
#[derive(Debug, Clone, Copy)]
pub enum ClientLimits {
    /// Real limits with periods divided by the time scale.
    Real(f64),
    /// No client-side limits.
    Unlimited,
}

/// Build the clients (what `connect` does for a real manifest, with the
/// limits chosen here).
pub fn connections(emu: &Emu, limits: ClientLimits) -> Connections {
    let mut hs = HubSpotConfig::new(
        emu.base.clone(),
        HubSpotAuth::Token(Secret::new(hsqb::emulator::DEFAULT_HUBSPOT_TOKEN)),
    );
    let mut q = QboConfig::new(
        emu.base.clone(),
        emu.realm.clone(),
        QboAuth::Static(Secret::new(hsqb::emulator::DEFAULT_QBO_ACCESS_TOKEN)),
    );
    match limits {
        ClientLimits::Real(scale) => {
            hs.limits = HubSpotLimits::professional().scaled(scale);
            q.limits = QboLimits::production().scaled(scale);
        }
        ClientLimits::Unlimited => {
            hs.limits = HubSpotLimits::unlimited();
            q.limits = QboLimits::unlimited();
        }
    }
    let hubspot = HubSpotClient::new(hs).unwrap_or_else(|e| panic!("hubspot client: {e}"));
    let qbo = QboClient::new(q, MemorySink::new()).unwrap_or_else(|e| panic!("qbo client: {e}"));
    let target = PlanTarget {
        hubspot: emu.base.to_string(),
        quickbooks: BTreeMap::from([(COMPANY.to_string(), emu.realm.clone())]),
    };
    Connections {
        hubspot,
        quickbooks: BTreeMap::from([(COMPANY.to_string(), qbo)]),
        target,
        limits: EstimateLimits::default(),
        sandbox: None,
    }
}

/// A manifest syncing contacts in `direction`, pointed at the emulator.
pub fn manifest(emu: &Emu, direction: &str) -> Manifest {
    let base = emu.base.as_str().trim_end_matches('/');
    let yaml = format!(
        "version: 1\nhubspot:\n  base_url: {base}\n  token: ${{HUBSPOT_TOKEN}}\nquickbooks:\n  {COMPANY}:\n    realm_id: \"{}\"\n    base_url: {base}\n    access_token: ${{QBO_ACCESS_TOKEN}}\nsync:\n  contacts:\n    direction: {direction}\n{}",
        emu.realm,
        conflict(direction)
    );
    let env = |k: &str| match k {
        "HUBSPOT_TOKEN" => Some(hsqb::emulator::DEFAULT_HUBSPOT_TOKEN.to_string()),
        "QBO_ACCESS_TOKEN" => Some(hsqb::emulator::DEFAULT_QBO_ACCESS_TOKEN.to_string()),
        _ => None,
    };
    match hsqb::manifest::parse_str(&yaml, &env) {
        Ok((m, _)) => m,
        Err(r) => panic!("scale manifest:\n{}", r.render(false)),
    }
}

/// Two-way blocks need a conflict rule.
fn conflict(direction: &str) -> &'static str {
    if direction == "two_way" {
        "    conflict: newest_wins\n"
    } else {
        ""
    }
}

/// The HubSpot contact properties a refresh of `m` asks for (the same list
/// `refresh` builds), for the raw download baseline.
pub fn contact_properties(m: &Manifest) -> Vec<String> {
    let mut props: Vec<String> = [
        "email",
        "firstname",
        "lastname",
        "company",
        "lastmodifieddate",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    if let Some(c) = m.contacts() {
        props.extend(c.mappings_effective().into_iter().map(|e| e.hubspot));
        props.extend(c.filter.hubspot.iter().map(|f| f.field.value.clone()));
        props.push(c.link_property().to_string());
        for t in c.display_name.effective_templates() {
            props.extend(hsqb::plan::template::placeholders(&t));
        }
    }
    props.sort();
    props.dedup();
    props
}

/// Timings of one pipeline run, per step.
#[derive(Debug, Default, Clone)]
pub struct Steps {
    /// Loading the state file.
    pub load: Timing,
    /// Reading both systems.
    pub refresh: Timing,
    /// Planning.
    pub plan: Timing,
    /// Rendering the plan as text.
    pub render: Timing,
    /// Applying (when asked).
    pub apply: Option<Timing>,
}

impl Steps {
    /// Sum of the steps.
    pub fn total(&self) -> Timing {
        let mut t = Timing::default();
        for s in [self.load, self.refresh, self.plan, self.render]
            .into_iter()
            .chain(self.apply)
        {
            t.wall += s.wall;
            t.client_cpu += s.client_cpu;
            t.emulator_cpu += s.emulator_cpu;
        }
        t
    }
}

/// What one run produced.
pub struct Run {
    /// The plan.
    pub plan: Plan,
    /// The apply report, when applied.
    pub report: Option<ApplyReport>,
    /// Per-step timings.
    pub steps: Steps,
}

/// `hsqb plan` / `hsqb apply --auto-approve` as the CLI runs them.
pub async fn run(
    m: &Manifest,
    conns: &Connections,
    state_path: &Path,
    request: RefreshRequest,
    do_apply: bool,
) -> Run {
    let store = Store::Local(LocalStore::new(state_path.to_path_buf()));
    let holder = LockHolder::this_process("apply", chrono::Utc::now());
    if do_apply {
        store
            .lock(&holder, std::time::Duration::ZERO)
            .await
            .unwrap_or_else(|e| panic!("lock: {e}"));
    }
    let mut steps = Steps::default();
    // As the CLI does: `state.json` first, the baselines only when the
    // snapshots may need them.
    let (state, t) = timed(store.load_meta()).await;
    let mut state = state.unwrap_or_else(|e| panic!("state: {e}"));
    steps.load = t;
    let (refreshed, t) = timed(refresh::refresh(
        m,
        conns,
        &state.watermarks,
        state.last_full_refresh,
        request,
        chrono::Utc::now(),
    ))
    .await;
    let refreshed = refreshed.unwrap_or_else(|e| panic!("refresh: {e}"));
    steps.refresh = t;
    let read_baselines = state.baselines.is_empty()
        && hsqb::plan::baselines_needed(&refreshed.hubspot, &refreshed.quickbooks);
    if read_baselines {
        let (b, t) = timed(store.load_baselines()).await;
        state.baselines = b.unwrap_or_else(|e| panic!("baselines: {e}"));
        steps.load.wall += t.wall;
        steps.load.client_cpu += t.client_cpu;
        steps.load.emulator_cpu += t.emulator_cpu;
    }
    let (plan, t) = timed(async {
        let options = PlanOptions {
            now: chrono::Utc::now(),
            refresh: refreshed.mode,
            targets: Vec::new(),
            manifest_hash: "0".repeat(64),
            target: conns.target.clone(),
            watermarks: refreshed.watermarks.clone(),
            limits: conns.limits.clone(),
        };
        let view = StateView {
            baselines: state.baselines,
        };
        let plan = hsqb::plan::plan(PlanInput {
            manifest: m,
            hubspot: &refreshed.hubspot,
            quickbooks: &refreshed.quickbooks,
            state: &view,
            options: &options,
        });
        if read_baselines {
            store.keep_baselines(view.baselines);
        }
        plan
    })
    .await;
    steps.plan = t;
    drop(refreshed);
    let (text, t) = timed(async {
        hsqb::render::text(
            &plan,
            &hsqb::render::TextOptions {
                color: false,
                ..Default::default()
            },
        )
    })
    .await;
    steps.render = t;
    drop(text);
    let mut report = None;
    if do_apply {
        let opts = ApplyOptions::default();
        let (r, t) = timed(apply::apply(&plan, conns, &store, &opts)).await;
        report = Some(r.unwrap_or_else(|e| panic!("apply: {e}")));
        steps.apply = Some(t);
        let _ = store.unlock(&holder).await;
    }
    Run {
        plan,
        report,
        steps,
    }
}

/// The transfer + JSON-parsing floor of a full refresh: download the same
/// record pages with a minimal reqwest loop (HubSpot live and archived contact
/// pages, QBO customer pages, the two APIs concurrently as `refresh` does) and
/// parse each into `serde_json::Value`. Returns (records, bytes).
pub async fn raw_download(emu: &Emu, properties: &[String]) -> (usize, usize) {
    let client = reqwest::Client::new();
    let base = emu.base.as_str().trim_end_matches('/').to_string();
    let props = properties.join(",");
    let hs = async {
        let mut records = 0;
        let mut bytes = 0;
        for archived in [false, true] {
            let mut after: Option<String> = None;
            loop {
                let mut q = vec![
                    ("limit", "100".to_string()),
                    ("archived", archived.to_string()),
                    ("properties", props.clone()),
                ];
                if let Some(a) = &after {
                    q.push(("after", a.clone()));
                }
                let body = client
                    .get(format!("{base}/crm/v3/objects/contacts"))
                    .query(&q)
                    .bearer_auth(hsqb::emulator::DEFAULT_HUBSPOT_TOKEN)
                    .send()
                    .await
                    .and_then(|r| r.error_for_status())
                    .unwrap_or_else(|e| panic!("download: {e}"))
                    .bytes()
                    .await
                    .unwrap_or_else(|e| panic!("download: {e}"));
                bytes += body.len();
                let v: serde_json::Value =
                    serde_json::from_slice(&body).unwrap_or_else(|e| panic!("json: {e}"));
                records += v["results"].as_array().map_or(0, Vec::len);
                match v["paging"]["next"]["after"].as_str() {
                    Some(a) => after = Some(a.to_string()),
                    None => break,
                }
            }
        }
        (records, bytes)
    };
    // QBO pages as hsqb reads them: the first page, then (when it is full)
    // the count, then the remaining pages four at a time.
    let qbo = async {
        use futures_util::stream::{self, StreamExt};
        let query = hsqb::quickbooks::Query::select("Customer", hsqb::quickbooks::Active::Any);
        let get = |stmt: String| {
            let client = client.clone();
            let url = format!("{base}/v3/company/{}/query", emu.realm);
            async move {
                let body = client
                    .get(url)
                    .query(&[("query", stmt.as_str()), ("minorversion", "75")])
                    .bearer_auth(hsqb::emulator::DEFAULT_QBO_ACCESS_TOKEN)
                    .header("Accept", "application/json")
                    .send()
                    .await
                    .and_then(|r| r.error_for_status())
                    .unwrap_or_else(|e| panic!("download: {e}"))
                    .bytes()
                    .await
                    .unwrap_or_else(|e| panic!("download: {e}"));
                let v: serde_json::Value =
                    serde_json::from_slice(&body).unwrap_or_else(|e| panic!("json: {e}"));
                (v, body.len())
            }
        };
        let page = |start: u64| {
            get(query
                .statement(start, 1000)
                .unwrap_or_else(|e| panic!("statement: {e}")))
        };
        let rows = |v: &serde_json::Value| {
            v["QueryResponse"]["Customer"]
                .as_array()
                .map_or(0, Vec::len)
        };
        let (first, mut bytes) = page(1).await;
        let mut records = rows(&first);
        if records == 1000 {
            let (count, b) = get(query
                .count_statement()
                .unwrap_or_else(|e| panic!("count: {e}")))
            .await;
            bytes += b;
            let total = count["QueryResponse"]["totalCount"].as_u64().unwrap_or(0);
            let starts: Vec<u64> = (1001..=total.max(1000)).step_by(1000).collect();
            let pages: Vec<(serde_json::Value, usize)> = stream::iter(starts)
                .map(page)
                .buffered(hsqb::quickbooks::PAGES_IN_FLIGHT)
                .collect()
                .await;
            for (v, b) in pages {
                records += rows(&v);
                bytes += b;
            }
        }
        (records, bytes)
    };
    let ((a, b), (c, d)) = tokio::join!(hs, qbo);
    (a + c, b + d)
}
