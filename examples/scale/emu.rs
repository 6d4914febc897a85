//! The emulator side of the scale harness: an in-process emulator served from
//! its own threads (named `emu-*`, so their CPU time can be told apart from the
//! client's), and seeding through the emulator's in-process APIs.

use chrono::{DateTime, Duration, Utc};
use hsqb::emulator::{Emulator, EmulatorConfig, Limits};
use serde_json::json;
use std::collections::BTreeMap;

/// Prefix of every emulator thread name.
pub const THREAD_PREFIX: &str = "emu-";

/// A running emulator.
pub struct Emu {
    /// Handle to its state.
    pub emulator: Emulator,
    /// `http://127.0.0.1:PORT`.
    pub base: url::Url,
    /// Realm of the one company.
    pub realm: String,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// Per-endpoint request counts: `(api, endpoint label) → (count, throttled)`.
pub type EmuCounts = BTreeMap<(String, String), (u64, u64)>;

impl Emu {
    /// Start an emulator with real limits (or none) running `time_scale`× fast.
    pub fn start(limits: Limits, time_scale: f64) -> Emu {
        let config = EmulatorConfig {
            limits,
            time_scale,
            seed: 7,
            ..EmulatorConfig::default()
        };
        let realm = config.realms[0].clone();
        let emulator = Emulator::new(config).unwrap_or_else(|e| panic!("emulator: {e}"));
        let std_listener =
            std::net::TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("bind: {e}"));
        let addr = std_listener
            .local_addr()
            .unwrap_or_else(|e| panic!("addr: {e}"));
        std_listener
            .set_nonblocking(true)
            .unwrap_or_else(|e| panic!("nonblocking: {e}"));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let serving = emulator.clone();
        // The emulator gets its own runtime and threads so that the client's
        // CPU time (everything not on an `emu-` thread) is measurable.
        let thread = std::thread::Builder::new()
            .name(format!("{THREAD_PREFIX}main"))
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .thread_name(format!("{THREAD_PREFIX}worker"))
                    .enable_all()
                    .build()
                    .unwrap_or_else(|e| panic!("emulator runtime: {e}"));
                rt.block_on(async move {
                    let listener = tokio::net::TcpListener::from_std(std_listener)
                        .unwrap_or_else(|e| panic!("listener: {e}"));
                    let _ = hsqb::emulator::serve_emulator(listener, serving, async {
                        let _ = rx.await;
                    })
                    .await;
                });
            })
            .unwrap_or_else(|e| panic!("spawn: {e}"));
        let base = url::Url::parse(&format!("http://{addr}")).unwrap_or_else(|e| panic!("{e}"));
        Emu {
            emulator,
            base,
            realm,
            shutdown: Some(tx),
            thread: Some(thread),
        }
    }

    /// Request counts per endpoint so far.
    pub fn counts(&self) -> EmuCounts {
        let mut out = BTreeMap::new();
        for (api, eps) in self.emulator.shared().stats.snapshot() {
            for (label, s) in eps {
                out.insert((api.clone(), label), (s.count, s.throttled));
            }
        }
        out
    }

    /// Forget the request counts.
    pub fn reset_counts(&self) {
        self.emulator.shared().stats.reset();
    }

    /// The emulator's data time.
    pub fn now(&self) -> DateTime<Utc> {
        self.emulator.shared().clock.now()
    }

    /// Create the unique link property on contacts (as a previous run would have).
    pub fn create_link_property(&self) {
        let at = self.now();
        let mut hs = self
            .emulator
            .shared()
            .hubspot
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        hs.create_property(
            "contacts",
            &json!({
                "name": "hsqb_qbo_customer_id",
                "label": "QuickBooks customer Id",
                "type": "string",
                "fieldType": "text",
                "groupName": "contactinformation",
                "hasUniqueValue": true
            }),
            at,
        )
        .unwrap_or_else(|e| panic!("link property: {e:?}"));
    }

    /// `n` QuickBooks customers (person `i` for `i` in `range`), written an
    /// hour of data time ago. Returns their Ids in order.
    pub fn seed_customers(&self, range: std::ops::Range<usize>) -> Vec<String> {
        let at = self.now() - Duration::hours(1);
        let mut q = self
            .emulator
            .shared()
            .quickbooks
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        range
            .map(|i| {
                q.insert(&self.realm, "Customer", customer_body(i), at)
                    .unwrap_or_else(|e| panic!("customer {i}: {e:?}"))
            })
            .collect()
    }

    /// HubSpot contacts (person `i` for `i` in `range`), each linked to the
    /// QBO Id at the same position of `links` when given.
    pub fn seed_contacts(&self, range: std::ops::Range<usize>, links: Option<&[String]>) {
        let at = self.now() - Duration::hours(1);
        let mut hs = self
            .emulator
            .shared()
            .hubspot
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        for (k, i) in range.enumerate() {
            let mut props = contact_props(i);
            if let Some(l) = links {
                props.push(("hsqb_qbo_customer_id".into(), l[k].clone()));
            }
            hs.insert_record("contacts", props, at)
                .unwrap_or_else(|e| panic!("contact {i}: {e:?}"));
        }
    }

    /// Stop serving and join the emulator thread.
    pub fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn last_name(i: usize) -> String {
    match i % 17 {
        0 => format!("O'Brien{i}"),
        5 => format!("Müller{i}"),
        _ => format!("Lastname{i}"),
    }
}

/// The person `i` as a QBO customer body.
pub fn customer_body(i: usize) -> serde_json::Value {
    json!({
        "DisplayName": format!("Company {i} Ltd"),
        "GivenName": format!("First{i}"),
        "FamilyName": last_name(i),
        "CompanyName": format!("Company {i} Ltd"),
        "PrimaryEmailAddr": {"Address": format!("person{i}@example{}.test", i % 97)},
        "PrimaryPhone": {"FreeFormNumber": format!("+1 555 {:03} {:04}", i % 1000, i % 10_000)},
        "BillAddr": {"City": format!("City {}", i % 50)},
    })
}

/// The person `i` as HubSpot contact properties (the same values).
pub fn contact_props(i: usize) -> Vec<(String, String)> {
    vec![
        ("email".into(), format!("person{i}@example{}.test", i % 97)),
        ("firstname".into(), format!("First{i}")),
        ("lastname".into(), last_name(i)),
        ("company".into(), format!("Company {i} Ltd")),
        (
            "phone".into(),
            format!("+1 555 {:03} {:04}", i % 1000, i % 10_000),
        ),
        ("city".into(), format!("City {}", i % 50)),
    ]
}
