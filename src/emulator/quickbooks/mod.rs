//! The emulated QuickBooks Online Accounting API (v3) and its OAuth token
//! endpoint, built from `shared/reference/quickbooks-api.md` and shaped like the
//! recorded sandbox traffic in `shared/specs/quickbooks/`.
//!
//! Map of the module:
//! - `store`: per-company tables (entities as wire-ready JSON) and indexes;
//! - `kind`, `schema`: entity types, key order, queryable properties;
//! - `query`, `select`: the query language and its execution;
//! - `write` (+ `people`, `lists`, `sales`, `payment`, `settings`): writes;
//! - `cdc`, `batch`: change data capture and batch;
//! - `oauth`: refresh-token rotation and access tokens;
//! - `fault`: the Fault / gateway fault / XML throttle bodies;
//! - `guard`: authentication, rate limits, fault injection, stats, `intuit_tid`;
//! - `http`: route handlers; `defaults`, `seed`: initial data; `api`: the
//!   in-process API for tests and generators.
//!
//! Behaviour and deliberate choices are documented in
//! `docs/emulator-quickbooks.md`.

mod api;
mod batch;
mod cdc;
mod defaults;
mod fault;
mod guard;
mod http;
mod kind;
mod lists;
mod oauth;
mod payment;
mod people;
mod query;
mod sales;
mod schema;
mod seed;
mod select;
mod settings;
mod store;
mod table;
mod value;
mod write;

pub use fault::{ErrorItem, QboError};
pub use kind::Kind;

use super::{Clock, EmulatorConfig, EmulatorError, Shared, StateVersion};
use axum::Router;
use axum::routing::{any, get, post};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;
use store::Realm;

/// Schema version of the persisted QuickBooks state.
const VERSION: StateVersion = StateVersion(1);

/// Transient per-process state (never persisted).
#[derive(Debug, Default)]
struct Runtime {
    tid_counter: u64,
    limits: HashMap<String, guard::RealmLimits>,
    pages: select::PageCache,
}

/// All persisted data of this API: every company (realm) and the OAuth token
/// state. Serialized whole to `quickbooks.json` in the data directory.
#[derive(Debug, Serialize, Deserialize)]
pub struct QboState {
    version: StateVersion,
    realms: BTreeMap<String, Realm>,
    oauth: oauth::OAuth,
    #[serde(skip)]
    runtime: Runtime,
}

impl QboState {
    /// Fresh state: one default company per configured realm.
    pub fn new(config: &EmulatorConfig, clock: &Clock) -> Self {
        let now = clock.now();
        let realms = config
            .realms
            .iter()
            .enumerate()
            .map(|(i, id)| (id.clone(), defaults::new_realm(id, i, now)))
            .collect();
        QboState {
            version: VERSION,
            realms,
            oauth: oauth::OAuth::new(&config.qbo_refresh_token),
            runtime: Runtime::default(),
        }
    }

    /// Load seed fixtures from `dir/quickbooks/` (format: see
    /// `docs/emulator-quickbooks.md`).
    pub fn load_seed(
        &mut self,
        dir: &Path,
        config: &EmulatorConfig,
        clock: &Clock,
    ) -> Result<(), EmulatorError> {
        self.load_seed_dir(dir, &config.realms, clock.now())
    }

    /// Make sure a configured realm exists (a state file written before the
    /// realm was added to the configuration lacks it); returns its UTC offset.
    fn ensure_realm(&mut self, config: &EmulatorConfig, realm: &str, now: DateTime<Utc>) -> i32 {
        if !self.realms.contains_key(realm) {
            let pos = config.realms.iter().position(|r| r == realm).unwrap_or(0);
            self.realms
                .insert(realm.to_string(), defaults::new_realm(realm, pos, now));
        }
        self.realms
            .get(realm)
            .map(|r| r.utc_offset)
            .unwrap_or(defaults::DEFAULT_UTC_OFFSET)
    }
}

/// The API routes: `/v3/company/{realm}/...` and `/oauth2/v1/tokens/bearer`.
pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/oauth2/v1/tokens/bearer", post(http::token))
        .route(
            "/v3/company/{realm}/query",
            get(http::query_get).post(http::query_post),
        )
        .route("/v3/company/{realm}/cdc", get(http::cdc))
        .route("/v3/company/{realm}/batch", post(http::batch))
        .route(
            "/v3/company/{realm}/preferences",
            get(http::preferences).post(http::singleton_post),
        )
        .route(
            "/v3/company/{realm}/companyinfo",
            post(http::singleton_post),
        )
        .route(
            "/v3/company/{realm}/companyinfo/{id}",
            get(http::company_info),
        )
        .route(
            "/v3/company/{realm}/{entity}",
            post(http::entity_post).get(http::unsupported),
        )
        .route("/v3/company/{realm}/{entity}/{id}", get(http::entity_get))
        .route(
            "/v3/company/{realm}/{entity}/{id}/{*rest}",
            any(http::entity_rest),
        )
        .route("/v3/{*rest}", any(http::unsupported))
        .layer(axum::middleware::from_fn_with_state(
            shared.clone(),
            guard::guard,
        ))
        .with_state(shared)
}
