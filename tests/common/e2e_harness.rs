//! Shared harness of the end-to-end and reliability suites: an in-process
//! emulator (HubSpot + QuickBooks on one loopback port, served by its own tokio
//! runtime), seeding through the emulator's in-process API, a manifest that
//! points hsqb at it **without** sandbox mode, and the real `hsqb` binary run as
//! a child process — so a `kill -9` kills hsqb only, never the other side.
//!
//! The emulator runs on a runtime owned by [`World`] (not the test's), so tests
//! are plain `#[test]` functions that can block on child processes while the
//! emulator keeps serving.

#![allow(dead_code)]

#[path = "e2e_contents.rs"]
mod contents;
// Not every suite compares contents.
#[allow(unused_imports)]
pub use contents::*;

use chrono::{DateTime, Utc};
use hsqb::emulator::{Emulator, EmulatorConfig, FaultRule, Limits, serve_emulator};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Company name used in every manifest.
pub const COMPANY: &str = "main";
/// The emulator's (only) realm.
pub const REALM: &str = hsqb::emulator::DEFAULT_REALM;
/// Longest a single hsqb run may take before the harness calls it hung. A
/// guard against deadlocks, not a timing assertion.
const HANG_GUARD: Duration = Duration::from_secs(300);

/// A fixed instant for frozen-clock tests.
pub fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-02T17:00:00Z")
        .expect("valid instant")
        .to_utc()
}

/// HubSpot ids of a seeded deal (see [`World::deal_with_line_items`]).
pub struct Deal {
    /// The deal's contact.
    pub contact: String,
    /// The contact's company.
    pub company: String,
    /// The deal.
    pub deal: String,
}

/// How to start the emulator.
#[derive(Debug, Clone)]
pub struct Opts {
    /// Emulator rate limits (unlimited unless limits are the point).
    pub limits: Limits,
    /// Emulator time scale; hsqb gets the same factor via `HSQB_TIME_SCALE`.
    pub time_scale: f64,
    /// Emulator seed (fault decisions).
    pub seed: u64,
    /// Freeze the data clock at [`t0`] (for byte-stable plan output).
    pub frozen: bool,
}

impl Default for Opts {
    fn default() -> Self {
        Opts {
            limits: Limits::unlimited(),
            time_scale: 1.0,
            seed: 7,
            frozen: false,
        }
    }
}

/// The outcome of one hsqb run.
#[derive(Debug, Clone)]
pub struct Run {
    /// Exit code (`-1` when killed by a signal).
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    /// The last non-empty line of stdout.
    pub fn last_line(&self) -> &str {
        self.stdout
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("")
    }

    /// Panic with both streams unless the exit code is `code`.
    #[track_caller]
    pub fn expect_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code, code,
            "unexpected exit code\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// One emulator, one working directory, one manifest.
pub struct World {
    /// Temporary directory holding the manifest and the state.
    pub dir: tempfile::TempDir,
    /// The emulator (in-process handle).
    pub emu: Emulator,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The options it was started with.
    pub opts: Opts,
    rt: Option<tokio::runtime::Runtime>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for World {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        // Slow/timeout faults may still hold handlers: do not wait for them.
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

impl World {
    /// Start an emulator with default options.
    pub fn new() -> World {
        World::with(Opts::default())
    }

    /// Start an emulator.
    pub fn with(opts: Opts) -> World {
        let config = EmulatorConfig {
            limits: opts.limits.clone(),
            time_scale: opts.time_scale,
            seed: opts.seed,
            start_time: opts.frozen.then(t0),
            ..EmulatorConfig::default()
        };
        let emu = Emulator::new(config).expect("emulator starts");
        if opts.frozen {
            // Freezing keeps the time that passed since `new`: set it back.
            emu.shared().clock.freeze(true);
            emu.shared().clock.set(t0());
        }
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("emulator runtime");
        let listener = rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let serving = emu.clone();
        rt.spawn(async move {
            let _ = serve_emulator(listener, serving, async {
                let _ = rx.await;
            })
            .await;
        });
        World {
            dir: tempfile::tempdir().expect("temp dir"),
            emu,
            base: format!("http://{addr}"),
            opts,
            rt: Some(rt),
            shutdown: Some(tx),
        }
    }

    // ----- paths -----

    /// The manifest file.
    pub fn manifest_path(&self) -> PathBuf {
        self.dir.path().join("hsqb.yaml")
    }

    /// The state file.
    pub fn state_path(&self) -> PathBuf {
        self.dir.path().join("state").join("state.json")
    }

    /// A file next to the state (`.journal`, `.lock`, `.tokens`).
    pub fn state_sibling(&self, suffix: &str) -> PathBuf {
        let mut s = self.state_path().into_os_string();
        s.push(suffix);
        PathBuf::from(s)
    }

    /// Write the manifest: connections to this emulator (no sandbox), the
    /// state in the temp dir, then `body` (top-level YAML: `sync:`, `safety:`…).
    pub fn manifest(&self, body: &str) {
        self.write_manifest("    access_token: ${QBO_ACCESS_TOKEN}\n", body);
    }

    /// Like [`World::manifest`], but QuickBooks is reached with OAuth: the
    /// emulator's client credentials and initial refresh token, refreshed
    /// (and rotated) by hsqb at the emulator's token endpoint.
    pub fn manifest_oauth(&self, body: &str) {
        let auth = format!(
            "    client_id: ${{QBO_CLIENT_ID}}\n    client_secret: ${{QBO_CLIENT_SECRET}}\n    \
             refresh_token: ${{QBO_REFRESH_TOKEN}}\n    token_url: {}/oauth2/v1/tokens/bearer\n",
            self.base
        );
        self.write_manifest(&auth, body);
    }

    fn write_manifest(&self, qbo_auth: &str, body: &str) {
        let text = format!(
            "version: 1\n\
             hubspot:\n  base_url: {base}\n  token: ${{HUBSPOT_TOKEN}}\n\
             quickbooks:\n  {COMPANY}:\n    realm_id: \"{REALM}\"\n    base_url: {base}\n{qbo_auth}\
             state:\n  path: state/state.json\n\
             {body}\n",
            base = self.base
        );
        std::fs::write(self.manifest_path(), text).expect("write manifest");
    }

    // ----- running hsqb -----

    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_hsqb"));
        c.arg("-f")
            .arg(self.manifest_path())
            .args(args)
            .current_dir(self.dir.path())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("NO_COLOR", "1")
            .env("HUBSPOT_TOKEN", hsqb::emulator::DEFAULT_HUBSPOT_TOKEN)
            .env("QBO_ACCESS_TOKEN", hsqb::emulator::DEFAULT_QBO_ACCESS_TOKEN)
            .env("QBO_CLIENT_ID", hsqb::emulator::DEFAULT_QBO_CLIENT_ID)
            .env(
                "QBO_CLIENT_SECRET",
                hsqb::emulator::DEFAULT_QBO_CLIENT_SECRET,
            )
            .env(
                "QBO_REFRESH_TOKEN",
                hsqb::emulator::DEFAULT_QBO_REFRESH_TOKEN,
            )
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if self.opts.time_scale != 1.0 {
            c.env("HSQB_TIME_SCALE", self.opts.time_scale.to_string());
        }
        c
    }

    /// Start hsqb without waiting (its output is drained in the background).
    pub fn spawn(&self, args: &[&str]) -> Proc {
        Proc::new(self.command(args).spawn().expect("spawn hsqb"))
    }

    /// Run hsqb to completion.
    pub fn hsqb(&self, args: &[&str]) -> Run {
        self.spawn(args).finish()
    }

    /// `hsqb plan --detailed-exitcode` (exit 0 = no changes, 2 = changes).
    pub fn plan(&self) -> Run {
        self.hsqb(&["plan", "--detailed-exitcode"])
    }

    /// `hsqb apply --auto-approve`.
    pub fn apply(&self) -> Run {
        self.hsqb(&["apply", "--auto-approve"])
    }

    /// Apply until a plan shows `No changes.`; returns the applies it took.
    /// Panics (with the last outputs) when it does not converge in `max` applies
    /// or when a plan fails.
    #[track_caller]
    pub fn converge(&self, max: usize) -> Vec<Run> {
        let mut applies = Vec::new();
        loop {
            let p = self.plan();
            if p.code == 0 {
                assert_eq!(p.last_line(), "No changes.", "{p}");
                return applies;
            }
            assert_eq!(p.code, 2, "plan failed while converging: {p}");
            assert!(
                applies.len() < max,
                "no convergence after {max} applies; last plan:\n{p}\nlast apply:\n{}",
                applies
                    .last()
                    .map(|r: &Run| r.to_string())
                    .unwrap_or_default()
            );
            applies.push(self.apply());
        }
    }

    /// One apply that must succeed, then a plan that must show `No changes.`.
    #[track_caller]
    pub fn apply_once_then_clean(&self) -> Run {
        let a = self.apply();
        a.expect_code(0);
        let p = self.plan();
        assert_eq!(p.code, 0, "second plan is not empty after apply:\n{a}\n{p}");
        assert_eq!(p.last_line(), "No changes.");
        a
    }

    // ----- emulator control (in-process) -----

    /// The emulator's data clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.emu.shared().clock.now()
    }

    /// Move the data clock forward.
    pub fn advance(&self, d: chrono::Duration) {
        self.emu.shared().clock.advance(d);
    }

    /// Replace the fault rules (and reseed the fault RNG).
    pub fn faults(&self, rules: Vec<FaultRule>, seed: u64) {
        self.emu.shared().faults.set(rules, Some(seed));
    }

    /// Remove every fault rule.
    pub fn clear_faults(&self) {
        self.emu.shared().faults.clear();
    }

    /// Total faults injected by the current rules.
    pub fn faults_fired(&self) -> u64 {
        self.emu
            .shared()
            .faults
            .rules()
            .iter()
            .map(|r| r.fired)
            .sum()
    }

    /// Reset the request statistics.
    pub fn reset_stats(&self) {
        self.emu.shared().stats.reset();
    }

    /// Requests per `api` and endpoint label.
    pub fn stats(
        &self,
    ) -> BTreeMap<String, BTreeMap<String, hsqb::emulator::stats::EndpointStats>> {
        self.emu.shared().stats.snapshot()
    }

    /// Requests received by endpoints whose label contains `pat` (both APIs).
    pub fn calls(&self, pat: &str) -> u64 {
        self.stats()
            .values()
            .flat_map(|m| m.iter())
            .filter(|(label, _)| label.contains(pat))
            .map(|(_, s)| s.count)
            .sum()
    }

    /// Every request received.
    pub fn total_calls(&self) -> u64 {
        self.calls("")
    }

    /// Write requests (anything but reads) received, per label.
    pub fn writes(&self) -> BTreeMap<String, u64> {
        let mut out = BTreeMap::new();
        for (api, eps) in self.stats() {
            for (label, s) in eps {
                if is_write(&api, &label) {
                    out.insert(format!("{api} {label}"), s.count);
                }
            }
        }
        out
    }

    // ----- seeding -----

    /// Create a HubSpot record of `object` at data time `at`.
    pub fn hs_insert_at(&self, object: &str, props: &[(&str, &str)], at: DateTime<Utc>) -> String {
        let mut st = self.emu.shared().hubspot.lock().unwrap();
        st.insert_record(object, props.iter().copied(), at)
            .unwrap_or_else(|e| panic!("seed {object} {props:?}: {e:?}"))
    }

    /// Create a HubSpot record now.
    pub fn hs_insert(&self, object: &str, props: &[(&str, &str)]) -> String {
        self.hs_insert_at(object, props, self.now())
    }

    /// A HubSpot contact.
    pub fn contact(&self, props: &[(&str, &str)]) -> String {
        self.hs_insert("contacts", props)
    }

    /// A HubSpot product.
    /// A contact (`contact` properties) at a new company named `company`,
    /// with a deal (`deal` properties) of line items `(name, sku, quantity,
    /// price)`, all associated with HubSpot's default association types.
    pub fn deal_with_line_items(
        &self,
        contact: &[(&str, &str)],
        company: &str,
        deal: &[(&str, &str)],
        items: &[(&str, &str, &str, &str)],
    ) -> Deal {
        let contact = self.contact(contact);
        let company = self.hs_insert("companies", &[("name", company)]);
        let deal = self.hs_insert("deals", deal);
        let lines: Vec<String> = items
            .iter()
            .map(|(name, sku, quantity, price)| {
                self.hs_insert(
                    "line_items",
                    &[
                        ("name", name),
                        ("hs_sku", sku),
                        ("quantity", quantity),
                        ("price", price),
                    ],
                )
            })
            .collect();
        let mut st = self.emu.shared().hubspot.lock().unwrap();
        st.associate("contacts", &contact, "companies", &company, Some(279))
            .unwrap();
        st.associate("deals", &deal, "contacts", &contact, Some(3))
            .unwrap();
        for li in &lines {
            st.associate("deals", &deal, "line_items", li, Some(19))
                .unwrap();
        }
        Deal {
            contact,
            company,
            deal,
        }
    }

    pub fn product(&self, props: &[(&str, &str)]) -> String {
        self.hs_insert("products", props)
    }

    /// Update a HubSpot record at the current data time.
    pub fn hs_patch(&self, object: &str, id: &str, props: &[(&str, &str)]) {
        let now = self.now();
        self.emu
            .shared()
            .hubspot
            .lock()
            .unwrap()
            .patch_record(object, id, props.iter().copied(), now)
            .unwrap_or_else(|e| panic!("patch {object} {id}: {e:?}"));
    }

    /// Archive a HubSpot record.
    pub fn hs_archive(&self, object: &str, id: &str) {
        let now = self.now();
        let done = self
            .emu
            .shared()
            .hubspot
            .lock()
            .unwrap()
            .archive_by_id(object, id, now)
            .unwrap();
        assert!(done, "archive {object} {id}");
    }

    /// A HubSpot record's stored and calculated properties.
    pub fn hs_record(&self, object: &str, id: &str) -> hsqb::emulator::hubspot::RecordView {
        self.emu
            .shared()
            .hubspot
            .lock()
            .unwrap()
            .record(object, id)
            .unwrap_or_else(|| panic!("no {object} {id}"))
    }

    /// A HubSpot property value.
    pub fn hs_prop(&self, object: &str, id: &str, prop: &str) -> Option<String> {
        self.hs_record(object, id)
            .properties
            .get(prop)
            .filter(|v| !v.is_empty())
            .cloned()
    }

    /// Live HubSpot records of `object`.
    pub fn hs_live(&self, object: &str) -> Vec<hsqb::emulator::hubspot::RecordView> {
        let st = self.emu.shared().hubspot.lock().unwrap();
        st.ids(object)
            .iter()
            .filter_map(|id| st.record(object, id))
            .collect()
    }

    /// Create a QBO entity through the API's rules; returns its Id.
    pub fn qbo_insert(&self, entity: &str, body: Value) -> String {
        let now = self.now();
        let mut st = self.emu.shared().quickbooks.lock().unwrap();
        st.insert(REALM, entity, body.clone(), now)
            .unwrap_or_else(|e| panic!("seed {entity} {body}: {e:?}"))
    }

    /// A QBO customer.
    pub fn customer(&self, body: Value) -> String {
        self.qbo_insert("Customer", body)
    }

    /// A QBO item.
    pub fn item(&self, body: Value) -> String {
        self.qbo_insert("Item", body)
    }

    /// Sparse-update a QBO entity (current SyncToken) at the current data time.
    pub fn qbo_patch(&self, entity: &str, id: &str, fields: Value) {
        let now = self.now();
        let mut st = self.emu.shared().quickbooks.lock().unwrap();
        let cur = st.get(REALM, entity, id).expect("entity exists");
        let mut body = json!({"Id": id, "SyncToken": cur["SyncToken"].clone(), "sparse": true});
        for (k, v) in fields.as_object().expect("object") {
            body[k] = v.clone();
        }
        st.save(REALM, entity, body, now)
            .unwrap_or_else(|e| panic!("patch {entity} {id}: {e:?}"));
    }

    /// A QBO entity by Id.
    pub fn qbo_get(&self, entity: &str, id: &str) -> Value {
        self.emu
            .shared()
            .quickbooks
            .lock()
            .unwrap()
            .get(REALM, entity, id)
            .unwrap_or_else(|| panic!("no {entity} {id}"))
    }

    /// Every `entity` (active and inactive), via the query language.
    pub fn qbo_all(&self, entity: &str) -> Vec<Value> {
        let st = self.emu.shared().quickbooks.lock().unwrap();
        let filter = if matches!(entity, "Customer" | "Item" | "Vendor" | "Employee") {
            " WHERE Active IN (true, false)"
        } else {
            ""
        };
        let mut out = Vec::new();
        let mut start = 1;
        loop {
            let q = format!("SELECT * FROM {entity}{filter} STARTPOSITION {start} MAXRESULTS 1000");
            let resp = st.query(REALM, &q).unwrap_or_else(|e| panic!("{q}: {e:?}"));
            let page: Vec<Value> = resp
                .get(entity)
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let n = page.len();
            out.extend(page);
            if n < 1000 {
                return out;
            }
            start += 1000;
        }
    }

    /// Number of `entity` records (active and inactive).
    pub fn qbo_count(&self, entity: &str) -> usize {
        self.emu
            .shared()
            .quickbooks
            .lock()
            .unwrap()
            .count(REALM, entity)
    }
}

impl Default for World {
    fn default() -> Self {
        World::new()
    }
}

/// A running hsqb. Its stdout and stderr are read by background threads from
/// the start: a child whose output filled an unread pipe (64 KiB) would block
/// on the write and never finish (or be killed at a misleading point).
pub struct Proc {
    /// The process.
    pub child: Child,
    out: Option<std::thread::JoinHandle<Vec<u8>>>,
    err: Option<std::thread::JoinHandle<Vec<u8>>>,
}

impl Proc {
    fn new(mut child: Child) -> Proc {
        fn drain(mut r: impl std::io::Read + Send + 'static) -> std::thread::JoinHandle<Vec<u8>> {
            std::thread::spawn(move || {
                let mut buf = Vec::new();
                let _ = r.read_to_end(&mut buf);
                buf
            })
        }
        let out = child.stdout.take().map(drain);
        let err = child.stderr.take().map(drain);
        Proc { child, out, err }
    }

    /// The process id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Whether it has exited.
    pub fn exited(&mut self) -> bool {
        self.child.try_wait().map(|s| s.is_some()).unwrap_or(true)
    }

    /// SIGKILL it (no-op if it already exited).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
    }

    /// Wait for it (hang guard: killed and reported after `HANG_GUARD`) and
    /// collect its output.
    pub fn finish(mut self) -> Run {
        let started = Instant::now();
        let mut hung = false;
        let status = loop {
            match self.child.try_wait().expect("wait hsqb") {
                Some(s) => break s,
                None if started.elapsed() > HANG_GUARD => {
                    hung = true;
                    let _ = self.child.kill();
                }
                None => std::thread::sleep(Duration::from_millis(5)),
            }
        };
        let text = |h: Option<std::thread::JoinHandle<Vec<u8>>>| {
            h.map(|h| String::from_utf8_lossy(&h.join().unwrap_or_default()).into_owned())
                .unwrap_or_default()
        };
        let run = Run {
            code: status.code().unwrap_or(-1),
            stdout: text(self.out.take()),
            stderr: text(self.err.take()),
        };
        assert!(!hung, "hsqb hung for {HANG_GUARD:?}\n{run}");
        run
    }
}

/// Whether an endpoint label is a write.
pub fn is_write(api: &str, label: &str) -> bool {
    let l = label.to_ascii_lowercase();
    if api == "hubspot" {
        let read = l.starts_with("get ")
            || l.ends_with("/search")
            || l.ends_with("/batch/read")
            || l.contains("/oauth/");
        !read
    } else {
        // QBO: queries and reads are GETs (`query` may be POSTed with a body).
        !(l.starts_with("get ") || l.contains("query") || l.contains("cdc"))
    }
}

/// A fault rule on every endpoint of `api` (or both) with `rate`.
pub fn rule(api: Option<&str>, kind: &str, rate: f64) -> FaultRule {
    FaultRule {
        api: api.map(str::to_string),
        endpoint: None,
        kind: serde_json::from_value(json!(kind)).expect("fault kind"),
        rate: Some(rate),
        nth: Vec::new(),
        max: None,
        delay_ms: None,
        seen: 0,
        fired: 0,
    }
}

/// Poll `cond` every few milliseconds until it holds (hang guard: panics
/// after `HANG_GUARD`).
#[track_caller]
pub fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let started = Instant::now();
    while !cond() {
        assert!(started.elapsed() < HANG_GUARD, "gave up waiting for {what}");
        std::thread::sleep(Duration::from_millis(2));
    }
}
