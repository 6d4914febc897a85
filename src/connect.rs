//! From a manifest to live connections: the HubSpot client, one QuickBooks
//! client per company (with rotated refresh tokens persisted to the state store
//! before use), or — in sandbox mode — the built-in emulator started in-process
//! on a loopback port with both clients pointed at it.

use crate::emulator::{self, Emulator, EmulatorConfig};
use crate::hubspot::{HubSpotAuth, HubSpotClient, HubSpotConfig, HubSpotLimits, PathStyle};
use crate::manifest::{HubSpotApiVersion, Manifest, QBO_TOKEN_URL, QboConnection, SANDBOX_COMPANY};
use crate::plan::input::EstimateLimits;
use crate::plan::model::PlanTarget;
use crate::quickbooks::{QboAuth, QboClient, QboConfig, QboLimits, TokenSink};
use crate::secret::Secret;
use crate::state::{Store, StoredToken, TokenCipher, TokenData, TokenWrite};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use url::Url;

/// Connection errors.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// The manifest lacks something needed to connect.
    #[error("{0}")]
    Config(String),
    /// The sandbox emulator could not start.
    #[error("the sandbox could not start: {0}")]
    Sandbox(String),
    /// A client could not be built.
    #[error("{0}")]
    Client(String),
}

/// Live connections.
pub struct Connections {
    /// HubSpot.
    pub hubspot: HubSpotClient,
    /// QuickBooks clients by company name.
    pub quickbooks: BTreeMap<String, QboClient>,
    /// Identity of the accounts (recorded in plans).
    pub target: PlanTarget,
    /// Rate limits (for the plan's estimate).
    pub limits: EstimateLimits,
    /// The running sandbox, when in sandbox mode.
    pub sandbox: Option<SandboxHandle>,
}

/// The in-process emulator of sandbox mode. Dropping it stops the server; every
/// write was already persisted to its data directory when acknowledged.
pub struct SandboxHandle {
    /// The emulator (for tests).
    pub emulator: Emulator,
    /// Its base URL.
    pub base_url: Url,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl SandboxHandle {
    /// Stop the server and wait for it to finish.
    pub async fn close(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
    }
}

impl Drop for SandboxHandle {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Options for [`connect`].
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    /// Directory relative paths in the manifest are resolved against.
    pub base_dir: PathBuf,
    /// Where rotated refresh tokens are persisted (the state store: local
    /// file or Postgres). `None` keeps them in memory only.
    pub store: Option<Store>,
    /// Time-scale factor of the other side (1.0 = real services). Only for
    /// tests against an emulator started with the same `time_scale`: every
    /// client-side duration (rate-limit windows, retry backoff and 429 waits,
    /// per-attempt timeouts) is divided by it, so the client keeps to the same
    /// limits the scaled emulator enforces. The CLI reads it from the hidden
    /// `HSQB_TIME_SCALE` environment variable.
    pub time_scale: f64,
}

/// Divide a client's time constants by `factor` (see [`ConnectOptions::time_scale`]).
fn scale_retry(p: crate::http::RetryPolicy, factor: f64) -> crate::http::RetryPolicy {
    crate::http::RetryPolicy {
        base_delay: p.base_delay.div_f64(factor),
        max_delay: p.max_delay.div_f64(factor),
        throttle_wait: p.throttle_wait.div_f64(factor),
        max_retry_after: p.max_retry_after.div_f64(factor),
        ..p
    }
}

fn valid_scale(f: f64) -> Option<f64> {
    (f.is_finite() && f > 0.0 && f != 1.0).then_some(f)
}

/// Resolve a manifest-relative path.
pub fn resolve_path(base: &Path, p: &str) -> PathBuf {
    let p = Path::new(p);
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        base.join(p)
    }
}

/// Build every client the manifest describes.
pub async fn connect(m: &Manifest, opts: &ConnectOptions) -> Result<Connections, ConnectError> {
    if m.sandbox.is_some() {
        return connect_sandbox(m, opts).await;
    }
    let hs = m
        .hubspot
        .as_ref()
        .ok_or_else(|| ConnectError::Config("the manifest has no `hubspot:` connection".into()))?;
    let base = parse_url(&hs.effective_base_url(), "hubspot.base_url")?;
    let auth = match (&hs.token, &hs.oauth) {
        (Some(t), _) => HubSpotAuth::Token(t.secret.clone()),
        (None, Some(o)) => HubSpotAuth::OAuth {
            client_id: o.client_id.value.clone(),
            client_secret: o.client_secret.secret.clone(),
            refresh_token: o.refresh_token.secret.clone(),
            token_url: o
                .token_url
                .as_ref()
                .map(|u| parse_url(u.as_str(), "hubspot.oauth.token_url"))
                .transpose()?,
        },
        (None, None) => {
            return Err(ConnectError::Config(
                "hubspot needs `token: ${HUBSPOT_TOKEN}` or an `oauth:` block".into(),
            ));
        }
    };
    let per_10s = hs.rate_limit.per_10_seconds.unwrap_or(190);
    let mut cfg = HubSpotConfig::new(base.clone(), auth);
    cfg.limits = HubSpotLimits::tier(per_10s);
    if let Some(s) = hs.rate_limit.search_per_second {
        cfg.limits.search = Some(crate::http::RateLimit::new(
            s,
            std::time::Duration::from_secs(1),
        ));
    }
    if hs.api_version == HubSpotApiVersion::Dated202603 {
        cfg.path_style = PathStyle::dated_2026_03();
    }
    if let Some(f) = valid_scale(opts.time_scale) {
        cfg.limits = cfg.limits.scaled(f);
        cfg.retry = scale_retry(cfg.retry, f);
        cfg.timeout = cfg.timeout.div_f64(f);
    }
    let hubspot = HubSpotClient::new(cfg).map_err(|e| ConnectError::Client(e.to_string()))?;

    let mut quickbooks = BTreeMap::new();
    let mut target = PlanTarget {
        hubspot: base.to_string(),
        quickbooks: BTreeMap::new(),
    };
    let mut limits = EstimateLimits {
        hubspot_per_10s: per_10s,
        ..EstimateLimits::default()
    };
    // Stored (rotated) refresh tokens, read once for every company.
    let tokens = match &opts.store {
        Some(store) if m.quickbooks.values().any(|q| q.refresh_token.is_some()) => Some(
            store
                .tokens()
                .await
                .map_err(|e| ConnectError::Config(e.to_string()))?,
        ),
        _ => None,
    };
    for (name, q) in &m.quickbooks {
        let client = qbo_client(name, q, opts, tokens.as_ref())?;
        target
            .quickbooks
            .insert(name.clone(), client.realm_id().to_string());
        if let Some(n) = q.rate_limit.per_minute {
            limits.qbo_per_minute = limits.qbo_per_minute.min(n);
        }
        if let Some(n) = q.rate_limit.batch_per_minute {
            limits.qbo_batch_per_minute = limits.qbo_batch_per_minute.min(n);
        }
        quickbooks.insert(name.clone(), client);
    }
    Ok(Connections {
        hubspot,
        quickbooks,
        target,
        limits,
        sandbox: None,
    })
}

fn parse_url(s: &str, key: &str) -> Result<Url, ConnectError> {
    Url::parse(s).map_err(|e| ConnectError::Config(format!("`{key}: {s}` is not a URL: {e}")))
}

fn qbo_client(
    name: &str,
    q: &QboConnection,
    opts: &ConnectOptions,
    tokens: Option<&TokenData>,
) -> Result<QboClient, ConnectError> {
    let realm = q
        .realm_id
        .as_ref()
        .map(|r| r.value.clone())
        .ok_or_else(|| ConnectError::Config(format!("quickbooks.{name} has no `realm_id`")))?;
    let base = parse_url(
        &q.effective_base_url(),
        &format!("quickbooks.{name}.base_url"),
    )?;
    let (auth, sink): (QboAuth, Arc<dyn TokenSink>) = match (
        &q.access_token,
        &q.client_id,
        &q.client_secret,
        &q.refresh_token,
    ) {
        (Some(t), _, _, _) => (
            QboAuth::Static(t.secret.clone()),
            crate::quickbooks::MemorySink::new(),
        ),
        (None, Some(id), Some(secret), Some(refresh)) => {
            let token_url = parse_url(
                q.token_url
                    .as_ref()
                    .map(|s| s.as_str())
                    .unwrap_or(QBO_TOKEN_URL),
                &format!("quickbooks.{name}.token_url"),
            )?;
            let sink =
                StateTokenSink::new(opts.store.clone(), &secret.secret, &realm, &refresh.secret);
            let current = sink.current_token(tokens).map_err(ConnectError::Config)?;
            (
                QboAuth::Refresh {
                    client_id: id.value.clone(),
                    client_secret: secret.secret.clone(),
                    refresh_token: current,
                    token_url,
                },
                Arc::new(sink),
            )
        }
        _ => {
            return Err(ConnectError::Config(format!(
                "quickbooks.{name} needs `access_token` or `client_id`, `client_secret` and `refresh_token` (from the environment)"
            )));
        }
    };
    let mut cfg = QboConfig::new(base, realm, auth);
    let mut limits = QboLimits::production();
    if let Some(n) = q.rate_limit.per_minute {
        limits.per_minute = Some(crate::http::RateLimit::new(
            n,
            std::time::Duration::from_secs(60),
        ));
    }
    if let Some(n) = q.rate_limit.batch_per_minute {
        limits.batch = Some(crate::http::RateLimit::new(
            n,
            std::time::Duration::from_secs(60),
        ));
    }
    if let Some(n) = q.rate_limit.concurrency {
        limits.concurrency = Some(n as usize);
    }
    cfg.limits = limits;
    if let Some(f) = valid_scale(opts.time_scale) {
        cfg.limits = cfg.limits.scaled(f);
        cfg.retry = scale_retry(cfg.retry, f);
        cfg.timeout = cfg.timeout.div_f64(f);
    }
    QboClient::new(cfg, sink).map_err(|e| ConnectError::Client(e.to_string()))
}

/// Persists rotated refresh tokens (encrypted) to the state store (local file
/// or Postgres) before the QBO client uses the new access token.
///
/// Concurrent runners (two CI jobs, a cron job and a laptop) may rotate the
/// same realm's token at once. The sink remembers the version of the token it
/// started from and writes with compare-and-set ([`Store::save_token`]): a
/// runner whose token is older than the stored one never replaces it.
pub struct StateTokenSink {
    store: Option<Store>,
    cipher: TokenCipher,
    origin: String,
    initial: Secret,
    realm: String,
    /// Version of the stored token this runner descends from.
    expected: Mutex<u64>,
}

impl StateTokenSink {
    /// A sink for `realm`; `initial` is the refresh token from the manifest.
    pub fn new(
        store: Option<Store>,
        client_secret: &Secret,
        realm: &str,
        initial: &Secret,
    ) -> Self {
        StateTokenSink {
            store,
            cipher: TokenCipher::new(client_secret, realm),
            origin: token_origin(initial),
            initial: initial.clone(),
            realm: realm.to_string(),
            expected: Mutex::new(0),
        }
    }

    /// The newest refresh token: the rotated one in `tokens` (as read from the
    /// store) when it descends from the manifest's token, else the manifest's
    /// (the user re-authorized). Remembers the stored version for the
    /// compare-and-set of the next rotation.
    pub fn current_token(&self, tokens: Option<&TokenData>) -> Result<Secret, String> {
        let stored = tokens.and_then(|d| d.tokens.get(&self.realm));
        *self.expected.lock().unwrap_or_else(|e| e.into_inner()) = stored.map_or(0, |t| t.version);
        match stored {
            Some(t) if t.origin.as_deref() == Some(self.origin.as_str()) => {
                self.cipher.open(t).map_err(|e| e.to_string())
            }
            _ => Ok(self.initial.clone()),
        }
    }
}

fn token_origin(initial: &Secret) -> String {
    hex::encode(Sha256::digest(initial.expose().as_bytes()))
}

impl TokenSink for StateTokenSink {
    fn persist(
        &self,
        realm_id: &str,
        refresh_token: &Secret,
    ) -> Result<(), crate::quickbooks::SinkError> {
        let Some(store) = &self.store else {
            return Ok(());
        };
        let mut sealed: StoredToken = self.cipher.seal(refresh_token, chrono::Utc::now());
        sealed.origin = Some(self.origin.clone());
        let expected = *self.expected.lock().unwrap_or_else(|e| e.into_inner());
        // `persist` is synchronous (the QBO client calls it between receiving
        // the token and using it); see `Store::save_token_blocking`.
        match store.save_token_blocking(realm_id, sealed, expected)? {
            TokenWrite::Stored { version } => {
                *self.expected.lock().unwrap_or_else(|e| e.into_inner()) = version;
            }
            TokenWrite::Superseded { version } => {
                // Another runner stored a newer token meanwhile; ours stays
                // valid in memory for this run, theirs is the one to keep.
                tracing::info!(realm_id = %realm_id, version, "a newer QuickBooks refresh token is already stored; keeping it");
            }
        }
        Ok(())
    }
}

async fn connect_sandbox(m: &Manifest, opts: &ConnectOptions) -> Result<Connections, ConnectError> {
    let sb = m
        .sandbox
        .as_ref()
        .ok_or_else(|| ConnectError::Config("no sandbox".into()))?;
    let data_dir = resolve_path(
        &opts.base_dir,
        sb.data_dir
            .as_ref()
            .map(|s| s.as_str())
            .unwrap_or(".hsqb/sandbox"),
    );
    let seed_dir = sb
        .seed
        .as_ref()
        .map(|s| resolve_path(&opts.base_dir, s.as_str()));
    if let Some(seed) = &seed_dir
        && !seed.is_dir()
    {
        return Err(ConnectError::Config(format!(
            "sandbox.seed `{}` is not a directory",
            seed.display()
        )));
    }
    // One realm per declared company (the first gets the emulator's default realm).
    let mut companies: Vec<(String, String)> = Vec::new();
    if m.quickbooks.is_empty() {
        companies.push((
            SANDBOX_COMPANY.to_string(),
            emulator::DEFAULT_REALM.to_string(),
        ));
    } else {
        for (i, (name, q)) in m.quickbooks.iter().enumerate() {
            let realm = q
                .realm_id
                .as_ref()
                .map(|r| r.value.clone())
                .unwrap_or_else(|| {
                    if i == 0 {
                        emulator::DEFAULT_REALM.to_string()
                    } else {
                        format!("{}", 9_341_453_050_298_764u64 + i as u64)
                    }
                });
            companies.push((name.clone(), realm));
        }
    }
    let config = EmulatorConfig {
        data_dir: Some(data_dir.clone()),
        seed_dir,
        realms: companies.iter().map(|(_, r)| r.clone()).collect(),
        ..EmulatorConfig::default()
    };
    let emulator =
        Emulator::new(config.clone()).map_err(|e| ConnectError::Sandbox(e.to_string()))?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| ConnectError::Sandbox(format!("cannot bind a loopback port: {e}")))?;
    let addr = listener
        .local_addr()
        .map_err(|e| ConnectError::Sandbox(e.to_string()))?;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let serving = emulator.clone();
    let task = tokio::spawn(async move {
        let _ = emulator::serve_emulator(listener, serving, async {
            let _ = rx.await;
        })
        .await;
    });
    let base =
        Url::parse(&format!("http://{addr}")).map_err(|e| ConnectError::Sandbox(e.to_string()))?;

    let mut hs_cfg = HubSpotConfig::new(
        base.clone(),
        HubSpotAuth::Token(Secret::new(config.hubspot_token.clone())),
    );
    hs_cfg.limits = HubSpotLimits::professional();
    let hubspot = HubSpotClient::new(hs_cfg).map_err(|e| ConnectError::Client(e.to_string()))?;
    let mut quickbooks = BTreeMap::new();
    let described = sb
        .data_dir
        .as_ref()
        .map(|s| s.value.clone())
        .unwrap_or_else(|| ".hsqb/sandbox".into());
    let mut target = PlanTarget {
        hubspot: format!("sandbox:{described}"),
        quickbooks: BTreeMap::new(),
    };
    for (name, realm) in companies {
        let cfg = QboConfig::new(
            base.clone(),
            realm.clone(),
            QboAuth::Static(Secret::new(config.qbo_access_token.clone())),
        );
        let client = QboClient::new(cfg, crate::quickbooks::MemorySink::new())
            .map_err(|e| ConnectError::Client(e.to_string()))?;
        target.quickbooks.insert(name.clone(), realm);
        quickbooks.insert(name, client);
    }
    Ok(Connections {
        hubspot,
        quickbooks,
        target,
        limits: EstimateLimits::default(),
        sandbox: Some(SandboxHandle {
            emulator: emulator.clone(),
            base_url: base,
            shutdown: Some(tx),
            task: Some(task),
        }),
    })
}
