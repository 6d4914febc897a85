//! A faithful, strict local emulator of the HubSpot CRM and QuickBooks Online
//! APIs: the other side of every test, the engine of the zero-account sandbox,
//! and the ground for benchmarks.
//!
//! Architecture invariant: this module shares **no type** with `crate::hubspot`
//! or `crate::quickbooks`, so the clients and the emulator cannot agree with each
//! other by construction; both follow the wire formats in `shared/reference/`.
//!
//! Layout: this file holds the configuration, the shared state and [`serve`];
//! `clock`, `stats`, `faults` and `limits` are the cross-cutting services both
//! API halves use; `control` serves `/_emulator/*`; `hubspot/` and
//! `quickbooks/` are the two APIs.

pub mod clock;
pub mod control;
pub mod faults;
pub mod generate;
pub mod hubspot;
pub mod limits;
pub mod quickbooks;
pub mod stats;

use axum::Router;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

pub use clock::Clock;
pub use faults::{FaultAction, FaultRule, Faults};
pub use limits::{Limits, RateWindow};
pub use stats::Stats;

/// Default bearer token the emulated HubSpot portal accepts.
pub const DEFAULT_HUBSPOT_TOKEN: &str = "emulator-hubspot-token";
/// Default HubSpot OAuth client id (`POST /oauth/v1/token`).
pub const DEFAULT_HUBSPOT_CLIENT_ID: &str = "emulator-hubspot-client-id";
/// Default HubSpot OAuth client secret.
pub const DEFAULT_HUBSPOT_CLIENT_SECRET: &str = "emulator-hubspot-client-secret";
/// Default HubSpot OAuth refresh token (HubSpot refresh tokens do not rotate).
pub const DEFAULT_HUBSPOT_REFRESH_TOKEN: &str = "emulator-hubspot-refresh-token";
/// Default static QuickBooks access token (never expires).
pub const DEFAULT_QBO_ACCESS_TOKEN: &str = "emulator-qbo-access-token";
/// Default QuickBooks OAuth client id.
pub const DEFAULT_QBO_CLIENT_ID: &str = "emulator-client-id";
/// Default QuickBooks OAuth client secret.
pub const DEFAULT_QBO_CLIENT_SECRET: &str = "emulator-client-secret";
/// Default initial QuickBooks refresh token.
pub const DEFAULT_QBO_REFRESH_TOKEN: &str = "emulator-refresh-token-0";
/// Default realm (company) id.
pub const DEFAULT_REALM: &str = "9341453050298764";

/// Emulator configuration. Every credential has a documented default so the
/// sandbox needs no accounts; tests override what they exercise.
#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    /// Directory where the emulator persists its state (continues on restart).
    /// `None` keeps everything in memory.
    pub data_dir: Option<PathBuf>,
    /// Directory of JSON fixtures loaded on first start (when `data_dir` holds no state yet).
    pub seed_dir: Option<PathBuf>,
    /// Bearer token accepted by the HubSpot API.
    pub hubspot_token: String,
    /// HubSpot OAuth client id accepted by the token endpoint.
    pub hubspot_client_id: String,
    /// HubSpot OAuth client secret accepted by the token endpoint.
    pub hubspot_client_secret: String,
    /// HubSpot OAuth refresh token accepted by the token endpoint.
    pub hubspot_refresh_token: String,
    /// Static QuickBooks access token that never expires.
    pub qbo_access_token: String,
    /// QuickBooks OAuth client id.
    pub qbo_client_id: String,
    /// QuickBooks OAuth client secret.
    pub qbo_client_secret: String,
    /// The initial QuickBooks refresh token.
    pub qbo_refresh_token: String,
    /// QuickBooks companies served (the first is the default).
    pub realms: Vec<String>,
    /// Rate limits (real values by default).
    pub limits: Limits,
    /// Time-scale factor: 10.0 runs rate-limit windows, token lifetimes and
    /// timeouts ten times faster than real time.
    pub time_scale: f64,
    /// Starting value of the data clock (timestamps written on records).
    /// `None` starts at the real current time.
    pub start_time: Option<DateTime<Utc>>,
    /// Seed for every random choice the emulator makes (fault injection, ids of
    /// generated data).
    pub seed: u64,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            data_dir: None,
            seed_dir: None,
            hubspot_token: DEFAULT_HUBSPOT_TOKEN.into(),
            hubspot_client_id: DEFAULT_HUBSPOT_CLIENT_ID.into(),
            hubspot_client_secret: DEFAULT_HUBSPOT_CLIENT_SECRET.into(),
            hubspot_refresh_token: DEFAULT_HUBSPOT_REFRESH_TOKEN.into(),
            qbo_access_token: DEFAULT_QBO_ACCESS_TOKEN.into(),
            qbo_client_id: DEFAULT_QBO_CLIENT_ID.into(),
            qbo_client_secret: DEFAULT_QBO_CLIENT_SECRET.into(),
            qbo_refresh_token: DEFAULT_QBO_REFRESH_TOKEN.into(),
            realms: vec![DEFAULT_REALM.into()],
            limits: Limits::default(),
            time_scale: 1.0,
            start_time: None,
            seed: 0,
        }
    }
}

/// Errors starting the emulator.
#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    /// Reading or writing the data directory failed.
    #[error("emulator data directory {path}: {source}")]
    Io {
        /// The file involved.
        path: PathBuf,
        /// The IO error.
        source: std::io::Error,
    },
    /// A state or seed file is not valid.
    #[error("emulator file {path} is not valid: {message}")]
    BadFile {
        /// The file involved.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

/// State shared by every request handler. The two API states sit behind
/// `std::sync::Mutex`es that are never held across an `.await`: handlers lock,
/// mutate, unlock, then respond.
pub struct Shared {
    /// Configuration.
    pub config: EmulatorConfig,
    /// Data clock and scaled monotonic clock.
    pub clock: Clock,
    /// Per-endpoint request statistics.
    pub stats: Stats,
    /// Fault injection rules.
    pub faults: Faults,
    /// The HubSpot portal's data.
    pub hubspot: Mutex<hubspot::HsState>,
    /// The QuickBooks companies' data.
    pub quickbooks: Mutex<quickbooks::QboState>,
}

impl Shared {
    /// Persist the HubSpot state to the data directory (no-op in memory mode).
    /// Called by mutating handlers after they release the state lock, so that a
    /// write the client saw acknowledged survives the process.
    pub fn persist_hubspot(&self) {
        if let Some(dir) = &self.config.data_dir {
            let snapshot = {
                let st = self.hubspot.lock().unwrap_or_else(|e| e.into_inner());
                serde_json::to_vec(&*st)
            };
            if let Ok(bytes) = snapshot {
                let _ = write_atomic(&dir.join(HUBSPOT_FILE), &bytes);
            }
        }
    }

    /// Persist the QuickBooks state to the data directory (no-op in memory mode).
    pub fn persist_quickbooks(&self) {
        if let Some(dir) = &self.config.data_dir {
            let snapshot = {
                let st = self.quickbooks.lock().unwrap_or_else(|e| e.into_inner());
                serde_json::to_vec(&*st)
            };
            if let Ok(bytes) = snapshot {
                let _ = write_atomic(&dir.join(QUICKBOOKS_FILE), &bytes);
            }
        }
    }
}

const HUBSPOT_FILE: &str = "hubspot.json";
const QUICKBOOKS_FILE: &str = "quickbooks.json";

/// A running emulator's handle: build routers from it, or reach its state from
/// tests in-process.
#[derive(Clone)]
pub struct Emulator {
    shared: Arc<Shared>,
}

impl Emulator {
    /// Create the emulator: load persisted state from `data_dir` if present,
    /// else the seed fixtures, else start empty (with each realm's defaults).
    pub fn new(config: EmulatorConfig) -> Result<Self, EmulatorError> {
        let clock = Clock::new(config.time_scale, config.start_time);
        let faults = Faults::new(config.seed);
        let (hs, qbo) = load_state(&config, &clock)?;
        let shared = Arc::new(Shared {
            clock,
            stats: Stats::default(),
            faults,
            hubspot: Mutex::new(hs),
            quickbooks: Mutex::new(qbo),
            config,
        });
        shared.persist_hubspot();
        shared.persist_quickbooks();
        Ok(Emulator { shared })
    }

    /// The shared state (for in-process tests and the generator).
    pub fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// One router serving both APIs and the control endpoints. The path spaces
    /// do not overlap (`/crm/…`, `/oauth/…` vs `/v3/company/…`, `/oauth2/…`).
    pub fn router(&self) -> Router {
        Router::new()
            .merge(hubspot::router(self.shared.clone()))
            .merge(quickbooks::router(self.shared.clone()))
            .nest("/_emulator", control::router(self.shared.clone()))
    }
}

/// Serve both APIs and `/_emulator/*` on `listener` until `shutdown` resolves.
/// Tests bind port 0 and call this in-process.
pub async fn serve(
    listener: tokio::net::TcpListener,
    config: EmulatorConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), EmulatorError> {
    let emulator = Emulator::new(config)?;
    serve_emulator(listener, emulator, shutdown).await
}

/// Serve an already-built [`Emulator`] (so the caller keeps a handle to it).
pub async fn serve_emulator(
    listener: tokio::net::TcpListener,
    emulator: Emulator,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), EmulatorError> {
    let addr = listener.local_addr().ok();
    let shared = emulator.shared.clone();
    let res = axum::serve(listener, emulator.router())
        .with_graceful_shutdown(shutdown)
        .await;
    shared.persist_hubspot();
    shared.persist_quickbooks();
    res.map_err(|source| EmulatorError::Io {
        path: PathBuf::from(addr.map(|a| a.to_string()).unwrap_or_default()),
        source,
    })
}

fn load_state(
    config: &EmulatorConfig,
    clock: &Clock,
) -> Result<(hubspot::HsState, quickbooks::QboState), EmulatorError> {
    if let Some(dir) = &config.data_dir {
        std::fs::create_dir_all(dir).map_err(|source| EmulatorError::Io {
            path: dir.clone(),
            source,
        })?;
        let hs_path = dir.join(HUBSPOT_FILE);
        let qbo_path = dir.join(QUICKBOOKS_FILE);
        if hs_path.exists() && qbo_path.exists() {
            return Ok((read_json(&hs_path)?, read_json(&qbo_path)?));
        }
    }
    let mut hs = hubspot::HsState::new(config, clock);
    let mut qbo = quickbooks::QboState::new(config, clock);
    if let Some(seed) = &config.seed_dir {
        hs.load_seed(seed, clock)?;
        qbo.load_seed(seed, config, clock)?;
    }
    Ok((hs, qbo))
}

fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T, EmulatorError> {
    let bytes = std::fs::read(path).map_err(|source| EmulatorError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    serde_json::from_slice(&bytes).map_err(|e| EmulatorError::BadFile {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

/// Write a file atomically: temp file in the same directory, fsync, rename.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("state"),
        std::process::id()
    ));
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)
}

/// Serializable marker used by both halves' states for their schema version.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub struct StateVersion(pub u32);
