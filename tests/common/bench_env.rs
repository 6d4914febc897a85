//! Shared harness for the hostile-input and secrets suites: an in-process
//! emulator on its own thread (so tests can stay synchronous and run the real
//! `hsqb` binary against it), manifests pointed at it, and helpers to prove
//! that nothing was written (files byte-identical, no API write received).

#![allow(dead_code)]

use hsqb::emulator::{Emulator, EmulatorConfig, Limits};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A fixed data-clock start so timestamps are deterministic.
pub fn t0() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339("2026-03-02T17:00:00Z")
        .map(|d| d.to_utc())
        .unwrap_or_default()
}

/// An emulator served from a background thread.
pub struct EmuThread {
    /// The emulator (in-process state, stats).
    pub emu: Emulator,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The company's realm.
    pub realm: String,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl EmuThread {
    /// Start an emulator with `config` (limits off unless set).
    pub fn start(config: EmulatorConfig) -> EmuThread {
        let realm = config.realms[0].clone();
        let emu = Emulator::new(config).expect("emulator starts");
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("nonblocking");
        let addr = listener.local_addr().expect("addr");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let serving = emu.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
                let _ = hsqb::emulator::serve_emulator(listener, serving, async {
                    let _ = rx.await;
                })
                .await;
            });
        });
        EmuThread {
            emu,
            base: format!("http://{addr}"),
            realm,
            shutdown: Some(tx),
            thread: Some(thread),
        }
    }

    /// Default credentials, no rate limits, a fixed data clock.
    pub fn default_config() -> EmulatorConfig {
        EmulatorConfig {
            limits: Limits::unlimited(),
            start_time: Some(t0()),
            seed: 11,
            ..EmulatorConfig::default()
        }
    }

    /// Seed QBO customers `i` in `range` (`Customer i`, `person{i}@example.test`).
    pub fn seed_customers(&self, range: std::ops::Range<usize>) {
        let mut q = self.emu.shared().quickbooks.lock().expect("qbo lock");
        for i in range {
            q.insert(
                &self.realm,
                "Customer",
                serde_json::json!({
                    "DisplayName": format!("Customer {i}"),
                    "GivenName": format!("First{i}"),
                    "PrimaryEmailAddr": {"Address": format!("person{i}@example.test")},
                }),
                t0(),
            )
            .expect("seed customer");
        }
    }

    /// Seed `n` HubSpot contacts.
    pub fn seed_contacts(&self, n: usize) {
        let mut h = self.emu.shared().hubspot.lock().expect("hubspot lock");
        for i in 0..n {
            h.insert_record(
                "contacts",
                [
                    ("email", format!("contact{i}@example.test")),
                    ("firstname", format!("Contact{i}")),
                    ("lastname", "O'Hara".to_string()),
                ],
                t0(),
            )
            .expect("seed contact");
        }
    }

    /// Requests received per `api` and endpoint label.
    pub fn requests(&self) -> BTreeMap<(String, String), u64> {
        let mut out = BTreeMap::new();
        for (api, eps) in self.emu.shared().stats.snapshot() {
            for (label, s) in eps {
                out.insert((api.clone(), label), s.count);
            }
        }
        out
    }

    /// Requests that write data (creates, updates, archives, property and
    /// association changes) — everything but reads, queries and searches.
    pub fn writes(&self) -> Vec<String> {
        self.requests()
            .into_iter()
            .filter(|((_, label), n)| *n > 0 && is_write(label))
            .map(|((api, label), n)| format!("{api} {label} ×{n}"))
            .collect()
    }
}

/// Whether an endpoint label (`METHOD /path`) is a data write.
pub fn is_write(label: &str) -> bool {
    let method = label.split(' ').next().unwrap_or("");
    let path = label.split(' ').nth(1).unwrap_or("");
    let reads = [
        "/search",
        "/batch/read",
        "/query",
        "/token",
        "/tokens/bearer",
    ];
    matches!(method, "POST" | "PATCH" | "PUT" | "DELETE")
        && !reads
            .iter()
            .any(|r| path.split('?').next().unwrap_or(path).ends_with(r))
}

impl Drop for EmuThread {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Environment of every `hsqb` run (nothing else leaks in).
pub fn base_env() -> Vec<(String, String)> {
    vec![
        ("NO_COLOR".into(), "1".into()),
        ("PATH".into(), std::env::var("PATH").unwrap_or_default()),
        (
            "HUBSPOT_TOKEN".into(),
            hsqb::emulator::DEFAULT_HUBSPOT_TOKEN.into(),
        ),
        (
            "QBO_ACCESS_TOKEN".into(),
            hsqb::emulator::DEFAULT_QBO_ACCESS_TOKEN.into(),
        ),
    ]
}

/// A manifest syncing contacts in `direction` against the emulator at
/// `base`, with state in `state.json` next to it; static tokens from env.
pub fn manifest_yaml(base: &str, realm: &str, direction: &str) -> String {
    format!(
        "version: 1\nhubspot:\n  base_url: {base}\n  token: ${{HUBSPOT_TOKEN}}\nquickbooks:\n  main:\n    realm_id: \"{realm}\"\n    base_url: {base}\n    access_token: ${{QBO_ACCESS_TOKEN}}\nstate:\n  path: state.json\nsync:\n  contacts:\n    direction: {direction}\n{}",
        if direction == "two_way" {
            "    conflict: newest_wins\n"
        } else {
            ""
        }
    )
}

/// Run the real binary in `dir` with exactly `env`.
pub fn hsqb(dir: &Path, args: &[&str], env: &[(String, String)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hsqb"))
        .args(args)
        .current_dir(dir)
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .output()
        .expect("run hsqb")
}

/// Exit code (−1 for a signal).
pub fn code(out: &Output) -> i32 {
    out.status.code().unwrap_or(-1)
}

/// stdout + stderr as text, for assertion messages.
pub fn both(out: &Output) -> String {
    format!(
        "exit {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        code(out),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Every file under `dir` with its bytes.
pub fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(b) = std::fs::read(&p) {
                out.insert(p, b);
            }
        }
    }
    out
}
