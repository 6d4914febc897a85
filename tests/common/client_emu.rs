//! Harness for client tests against the in-process emulator on
//! 127.0.0.1:0: start/stop, in-process seeding, typed fault rules, emulator
//! statistics, and clients configured for it.

#![allow(dead_code)]

use chrono::{DateTime, Utc};
use hsqb::emulator::faults::FaultKind;
use hsqb::emulator::stats::EndpointStats;
use hsqb::emulator::{Emulator, EmulatorConfig, FaultRule, Limits, serve_emulator};
use hsqb::http::RetryPolicy;
use hsqb::hubspot::{HubSpotAuth, HubSpotClient, HubSpotConfig, HubSpotLimits};
use hsqb::quickbooks::{MemorySink, QboAuth, QboClient, QboClock, QboConfig, QboLimits, TokenSink};
use hsqb::secret::Secret;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// The fixed data-clock start of the tests.
pub fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-01-15T12:00:00Z")
        .expect("valid time")
        .to_utc()
}

/// No rate limits, fixed start time.
pub fn unlimited() -> EmulatorConfig {
    EmulatorConfig {
        limits: Limits::unlimited(),
        start_time: Some(t0()),
        ..EmulatorConfig::default()
    }
}

/// Real (default) limits, fixed start time.
pub fn real_limits() -> EmulatorConfig {
    EmulatorConfig {
        start_time: Some(t0()),
        ..EmulatorConfig::default()
    }
}

/// A running emulator.
pub struct Emu {
    pub base: String,
    pub emu: Emulator,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for Emu {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }
}

impl Emu {
    /// Start with `config`; the data clock is frozen at its start (tests
    /// move it explicitly).
    pub async fn start(config: EmulatorConfig) -> Emu {
        let emu = Emulator::new(config).expect("emulator starts");
        emu.shared().clock.freeze(true);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let e2 = emu.clone();
        tokio::spawn(async move {
            let _ = serve_emulator(listener, e2, async {
                let _ = rx.await;
            })
            .await;
        });
        Emu {
            base: format!("http://{addr}"),
            emu,
            stop: Some(tx),
        }
    }

    /// Run `f` on the HubSpot state (never across an await).
    pub fn hs<R>(&self, f: impl FnOnce(&mut hsqb::emulator::hubspot::HsState) -> R) -> R {
        let mut st = self.emu.shared().hubspot.lock().expect("lock");
        f(&mut st)
    }

    /// Run `f` on the QuickBooks state (never across an await).
    pub fn qbo<R>(&self, f: impl FnOnce(&mut hsqb::emulator::quickbooks::QboState) -> R) -> R {
        let mut st = self.emu.shared().quickbooks.lock().expect("lock");
        f(&mut st)
    }

    /// Replace the fault rules.
    pub fn faults(&self, rules: Vec<FaultRule>, seed: u64) {
        self.emu.shared().faults.set(rules, Some(seed));
    }

    /// Clear the statistics.
    pub fn reset_stats(&self) {
        self.emu.shared().stats.reset();
    }

    /// Emulator statistics of `api` by endpoint label.
    pub fn stats(&self, api: &str) -> BTreeMap<String, EndpointStats> {
        self.emu
            .shared()
            .stats
            .snapshot()
            .remove(api)
            .unwrap_or_default()
    }

    /// Requests the emulator received on endpoints whose label contains `pat`.
    pub fn calls(&self, api: &str, pat: &str) -> u64 {
        self.stats(api)
            .iter()
            .filter(|(k, _)| k.contains(pat))
            .map(|(_, v)| v.count)
            .sum()
    }

    /// Rate-limit 429s the emulator answered (not injected faults).
    pub fn throttled(&self, api: &str) -> u64 {
        self.stats(api).values().map(|v| v.throttled).sum()
    }

    /// Injected faults.
    pub fn faulted(&self, api: &str) -> u64 {
        self.stats(api).values().map(|v| v.faulted).sum()
    }

    /// A HubSpot client with the static token, unlimited client-side, fast
    /// seeded retries; `tweak` adjusts the config.
    pub fn hubspot(&self, tweak: impl FnOnce(&mut HubSpotConfig)) -> HubSpotClient {
        let mut c = HubSpotConfig::new(
            self.base.parse().expect("url"),
            HubSpotAuth::Token(Secret::new(self.emu.shared().config.hubspot_token.clone())),
        );
        c.limits = HubSpotLimits::unlimited();
        c.retry = RetryPolicy::fast(6, 7);
        c.timeout = Duration::from_secs(10);
        c.search_lookback = Duration::ZERO;
        tweak(&mut c);
        HubSpotClient::new(c).expect("client")
    }
}

impl Emu {
    /// The default realm.
    pub fn realm(&self) -> String {
        self.emu.shared().config.realms[0].clone()
    }

    /// A QuickBooks client with the static token, unlimited client-side, fast
    /// seeded retries, the clock following the emulator's data clock; `tweak`
    /// adjusts the config.
    pub fn quickbooks(&self, tweak: impl FnOnce(&mut QboConfig)) -> QboClient {
        let token = self.emu.shared().config.qbo_access_token.clone();
        self.quickbooks_with(
            QboAuth::Static(Secret::new(token)),
            MemorySink::new(),
            tweak,
        )
    }

    /// A QuickBooks client with the refresh-token grant against the
    /// emulator's token endpoint, starting from `refresh_token`.
    pub fn quickbooks_refresh(
        &self,
        refresh_token: &str,
        sink: Arc<dyn TokenSink>,
        tweak: impl FnOnce(&mut QboConfig),
    ) -> QboClient {
        let cfg = &self.emu.shared().config;
        let auth = QboAuth::Refresh {
            client_id: cfg.qbo_client_id.clone(),
            client_secret: Secret::new(cfg.qbo_client_secret.clone()),
            refresh_token: Secret::new(refresh_token.to_string()),
            token_url: format!("{}/oauth2/v1/tokens/bearer", self.base)
                .parse()
                .expect("url"),
        };
        self.quickbooks_with(auth, sink, tweak)
    }

    fn quickbooks_with(
        &self,
        auth: QboAuth,
        sink: Arc<dyn TokenSink>,
        tweak: impl FnOnce(&mut QboConfig),
    ) -> QboClient {
        let mut c = QboConfig::new(self.base.parse().expect("url"), self.realm(), auth);
        c.limits = QboLimits::unlimited();
        c.retry = RetryPolicy::fast(6, 11);
        c.timeout = Duration::from_secs(10);
        // The client's clock follows the emulator's data clock.
        let shared = self.emu.shared().clone();
        c.clock = QboClock(Arc::new(move || shared.clock.now()));
        tweak(&mut c);
        QboClient::new(c, sink).expect("client")
    }
}

/// A fault rule for `api` on endpoints containing `endpoint`.
pub fn rule(api: &str, endpoint: &str, kind: FaultKind) -> FaultRule {
    FaultRule {
        api: Some(api.into()),
        endpoint: (!endpoint.is_empty()).then(|| endpoint.to_string()),
        kind,
        rate: None,
        nth: vec![],
        max: None,
        delay_ms: None,
        seen: 0,
        fired: 0,
    }
}

/// `rule` firing on the given 1-based call numbers.
pub fn nth(api: &str, endpoint: &str, kind: FaultKind, calls: &[u64]) -> FaultRule {
    FaultRule {
        nth: calls.to_vec(),
        ..rule(api, endpoint, kind)
    }
}

/// `rule` firing at `rate`.
pub fn rate(api: &str, endpoint: &str, kind: FaultKind, r: f64) -> FaultRule {
    FaultRule {
        rate: Some(r),
        ..rule(api, endpoint, kind)
    }
}

/// A mix of transient faults totalling about `total` of matching requests:
/// 429, 500, 502, 503, timeouts (answered after `delay_ms`), dropped
/// connections and slow answers.
pub fn transient_mix(api: &str, total: f64, delay_ms: u64) -> Vec<FaultRule> {
    let kinds = [
        FaultKind::TooManyRequests,
        FaultKind::ServerError,
        FaultKind::BadGateway,
        FaultKind::Unavailable,
        FaultKind::Timeout,
        FaultKind::Drop,
        FaultKind::Slow,
    ];
    // Rules are tried in order and each draws independently, so per-rule
    // rates of r give 1 - (1 - r)^n overall.
    let r = 1.0 - (1.0 - total).powf(1.0 / kinds.len() as f64);
    kinds
        .into_iter()
        .map(|k| FaultRule {
            delay_ms: Some(delay_ms),
            ..rate(api, "", k, r)
        })
        .collect()
}
