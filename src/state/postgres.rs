//! The PostgreSQL state store, for teams and many runners sharing one state.
//!
//! Same contract as the local file ([`super::Store`]), with these choices:
//! - **Schema versioning**: `hsqb_schema_version` records applied migrations;
//!   [`MIGRATIONS`] are applied on connect, in one transaction serialised by a
//!   transaction-level advisory lock, so concurrent first connects are safe and
//!   reconnecting is a no-op. A database migrated by a newer hsqb is refused.
//! - **Many manifests, one database**: every row carries a `state_key`
//!   (`state.key`, or [`super::default_state_key`]).
//! - **The lock** is a session-level advisory lock on a *dedicated* connection
//!   held for the lock's lifetime, plus a row in `hsqb_locks` naming the holder
//!   (id, host, pid, since) with a heartbeat. The advisory lock is what
//!   excludes: it dies with its session, so a killed CI job cannot keep the
//!   state locked. The row is what people see (`lock_info`); a row whose
//!   advisory lock no session holds is stale and the next `lock` takes it over.
//!   `force_unlock` deletes the row and ends the holder's session if it still
//!   has one (a hung run).
//! - **Writes are transactions**: state updates lock the state row
//!   (`SELECT … FOR UPDATE`) and write only the baselines that changed; a
//!   journal entry is one row.
//! - **Refresh tokens** are one row per realm with a version; a write is a
//!   single `INSERT … ON CONFLICT DO UPDATE … WHERE` compare-and-set, so two
//!   runners rotating at once never replace the newest token with an older one.
//!
//! TLS: `sslmode=disable` (local/CI), `prefer` (the default: TLS when the
//! server offers it) and `require` are supported; TLS uses rustls (already in
//! the tree for HTTPS) with the platform's certificate verifier, so certificates
//! are always verified against the system trust store (`require` behaves like
//! libpq's `verify-full`). A private CA must be added to the system store.
//! Connection poolers must run in session mode (advisory locks are per session).

use super::{
    JournalEntry, Liveness, LockHolder, LockStatus, STATE_VERSION, StateData, StateError,
    StoredToken, TokenData, TokenWrite,
};
use crate::plan::BaselineEntry;
use crate::secret::Secret;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex as StdMutex, OnceLock};
use std::time::{Duration, Instant};
use tokio_postgres::{Client, Config, GenericClient};

/// Latest schema version this hsqb knows.
pub const SCHEMA_VERSION: i32 = 1;

/// One schema migration.
struct Migration {
    version: i32,
    description: &'static str,
    sql: &'static str,
}

/// Every migration, in order. Never edit a released one: add a new version.
const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    description: "state, baselines, tokens, locks, journal",
    sql: r#"
CREATE TABLE hsqb_state (
    state_key         text PRIMARY KEY,
    format_version    integer NOT NULL,
    watermarks        jsonb NOT NULL DEFAULT '{}'::jsonb,
    last_full_refresh text,
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE hsqb_baselines (
    state_key    text NOT NULL,
    baseline_key text NOT NULL,
    entry        jsonb NOT NULL,
    PRIMARY KEY (state_key, baseline_key)
);
CREATE TABLE hsqb_tokens (
    state_key   text NOT NULL,
    realm_id    text NOT NULL,
    version     bigint NOT NULL,
    token       jsonb NOT NULL,
    received_at timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (state_key, realm_id)
);
CREATE TABLE hsqb_locks (
    state_key    text PRIMARY KEY,
    lock_id      text NOT NULL,
    holder       jsonb NOT NULL,
    backend_pid  integer NOT NULL,
    acquired_at  timestamptz NOT NULL DEFAULT now(),
    heartbeat_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE hsqb_journal (
    seq        bigserial PRIMARY KEY,
    state_key  text NOT NULL,
    entry      jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX hsqb_journal_key ON hsqb_journal (state_key, seq);
"#,
}];

/// Rows per statement when writing many baselines.
const CHUNK: usize = 5_000;

/// How to reach the database and which state to use.
#[derive(Clone)]
pub struct PostgresOptions {
    /// `postgres://user:password@host:port/db?sslmode=…` (a secret: it
    /// usually carries the password).
    pub url: Secret,
    /// The state key (see [`super::default_state_key`]).
    pub key: String,
    /// How often the lock holder's heartbeat is written.
    pub heartbeat: Duration,
    /// A holder without a heartbeat for this long is reported as possibly hung.
    pub lock_ttl: Duration,
}

impl PostgresOptions {
    /// Options with the default heartbeat (10 s) and TTL (60 s).
    pub fn new(url: Secret, key: impl Into<String>) -> Self {
        PostgresOptions {
            url,
            key: key.into(),
            heartbeat: Duration::from_secs(10),
            lock_ttl: Duration::from_secs(60),
        }
    }
}

/// The Postgres store. Clones share one connection.
#[derive(Clone)]
pub struct PostgresStore {
    inner: Arc<Inner>,
}

struct Inner {
    opts: PostgresOptions,
    config: Config,
    described: String,
    /// The data connection. A tokio mutex because transactions need `&mut`
    /// and span awaits; concurrent callers (parallel journal writes, the token
    /// sink) simply queue.
    client: tokio::sync::Mutex<Client>,
    /// Lock sessions held by this process, by lock id.
    sessions: StdMutex<HashMap<String, LockSession>>,
}

/// A held lock: the dedicated connection whose session owns the advisory lock,
/// and its heartbeat task. Dropping it (a crash, a forgotten unlock) aborts the
/// heartbeat and closes the connection, which releases the advisory lock.
struct LockSession {
    client: Arc<Client>,
    heartbeat: tokio::task::JoinHandle<()>,
}

impl Drop for LockSession {
    fn drop(&mut self) {
        self.heartbeat.abort();
    }
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore")
            .field("database", &self.inner.described)
            .field("key", &self.inner.opts.key)
            .finish()
    }
}

impl PostgresStore {
    /// Connect, apply pending migrations and return the store.
    pub async fn connect(opts: PostgresOptions) -> Result<Self, StateError> {
        Self::connect_inner(opts, true).await
    }

    async fn connect_inner(opts: PostgresOptions, migrate: bool) -> Result<Self, StateError> {
        let mut config: Config =
            opts.url
                .expose()
                .parse()
                .map_err(|e: tokio_postgres::Error| {
                    StateError::Backend(format!(
                        "`state.url` is not a valid postgres URL: {}",
                        crate::secret::scrub(&e.to_string())
                    ))
                })?;
        if let Some(pw) = config.get_password() {
            // Registers the password for output scrubbing.
            let _ = Secret::new(String::from_utf8_lossy(pw).into_owned());
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(15));
        }
        if config.get_application_name().is_none() {
            config.application_name("hsqb");
        }
        config.keepalives(true);
        let described = describe_config(&config);
        let mut client = open(&config, &described).await?;
        if migrate {
            run_migrations(&mut client, &described).await?;
        } else {
            check_schema(&client, &described).await?;
        }
        Ok(PostgresStore {
            inner: Arc::new(Inner {
                opts,
                config,
                described,
                client: tokio::sync::Mutex::new(client),
                sessions: StdMutex::new(HashMap::new()),
            }),
        })
    }

    /// `postgres://user@host:port/db (state key …)`, without the password.
    pub fn describe(&self) -> String {
        format!(
            "{} (state key `{}`)",
            self.inner.described, self.inner.opts.key
        )
    }

    /// The state key.
    pub fn key(&self) -> &str {
        &self.inner.opts.key
    }

    /// Apply pending migrations again (a no-op when current); returns the
    /// versions applied.
    pub async fn migrate(&self) -> Result<Vec<i32>, StateError> {
        let mut c = self.inner.client.lock().await;
        run_migrations(&mut c, &self.inner.described).await
    }

    /// Applied schema versions, oldest first.
    pub async fn schema_versions(&self) -> Result<Vec<i32>, StateError> {
        let c = self.inner.client.lock().await;
        let rows = c
            .query(
                "SELECT version FROM hsqb_schema_version ORDER BY version",
                &[],
            )
            .await
            .map_err(|e| self.err("reading the schema version", &e))?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    fn err(&self, what: &str, e: &tokio_postgres::Error) -> StateError {
        db_error(&self.inner.described, what, e)
    }

    fn key_param(&self) -> &str {
        &self.inner.opts.key
    }

    /// Read the state (empty when none is stored under the key).
    pub async fn load(&self) -> Result<StateData, StateError> {
        let mut c = self.inner.client.lock().await;
        let tx = c
            .build_transaction()
            .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await
            .map_err(|e| self.err("starting a read", &e))?;
        let data = self.read_state(&tx, false, true).await?;
        tx.commit()
            .await
            .map_err(|e| self.err("finishing a read", &e))?;
        Ok(data)
    }

    /// Read the state row only (watermarks, last full refresh), without the
    /// baseline rows.
    pub async fn load_meta(&self) -> Result<StateData, StateError> {
        let c = self.inner.client.lock().await;
        self.read_state(&*c, false, false).await
    }

    async fn read_state(
        &self,
        tx: &impl GenericClient,
        for_update: bool,
        with_baselines: bool,
    ) -> Result<StateData, StateError> {
        let sql = if for_update {
            "SELECT format_version, watermarks::text, last_full_refresh FROM hsqb_state WHERE state_key = $1 FOR UPDATE"
        } else {
            "SELECT format_version, watermarks::text, last_full_refresh FROM hsqb_state WHERE state_key = $1"
        };
        let key = self.key_param();
        let Some(row) = tx
            .query_opt(sql, &[&key])
            .await
            .map_err(|e| self.err("reading the state", &e))?
        else {
            return Ok(StateData {
                version: STATE_VERSION,
                ..Default::default()
            });
        };
        let location = format!("hsqb_state[{key}]");
        let version: i32 = row.get(0);
        if version < 0 || version as u32 > STATE_VERSION {
            return Err(StateError::CorruptRecord {
                location,
                message: format!(
                    "state version {version} was written by a newer hsqb (this one reads version {STATE_VERSION}); upgrade hsqb"
                ),
            });
        }
        let watermarks: String = row.get(1);
        let last_full: Option<String> = row.get(2);
        let mut data = StateData {
            version: STATE_VERSION,
            watermarks: parse_json(&watermarks, &format!("{location}.watermarks"))?,
            last_full_refresh: last_full
                .map(|s| {
                    serde_json::from_value(serde_json::Value::String(s)).map_err(|e| {
                        StateError::CorruptRecord {
                            location: format!("{location}.last_full_refresh"),
                            message: e.to_string(),
                        }
                    })
                })
                .transpose()?,
            baselines: BTreeMap::new(),
        };
        if !with_baselines {
            return Ok(data);
        }
        let rows = tx
            .query(
                "SELECT baseline_key, entry::text FROM hsqb_baselines WHERE state_key = $1",
                &[&key],
            )
            .await
            .map_err(|e| self.err("reading baselines", &e))?;
        for r in rows {
            let bk: String = r.get(0);
            let text: String = r.get(1);
            let entry: BaselineEntry = parse_json(&text, &format!("hsqb_baselines[{key}/{bk}]"))?;
            data.baselines.insert(bk, entry);
        }
        Ok(data)
    }

    /// Replace the state atomically.
    pub async fn save(&self, data: &StateData) -> Result<(), StateError> {
        let data = data.clone();
        self.update(move |d| *d = data).await
    }

    /// Read-modify-write in one transaction holding the state row's lock, so
    /// concurrent runners' updates serialise; only changed baselines are written.
    pub async fn update(&self, f: impl FnOnce(&mut StateData)) -> Result<(), StateError> {
        self.update_with(f, true).await
    }

    /// Record what an apply did: without baseline changes only the state row
    /// is read and written (no baseline rows are read).
    pub async fn record(&self, delta: &super::StateDelta) -> Result<(), StateError> {
        self.update_with(|d| delta.apply(d), delta.touches_baselines())
            .await
    }

    async fn update_with(
        &self,
        f: impl FnOnce(&mut StateData),
        with_baselines: bool,
    ) -> Result<(), StateError> {
        let mut c = self.inner.client.lock().await;
        let tx = c
            .transaction()
            .await
            .map_err(|e| self.err("starting a write", &e))?;
        let key = self.key_param();
        let version = STATE_VERSION as i32;
        tx.execute(
            "INSERT INTO hsqb_state (state_key, format_version) VALUES ($1, $2) ON CONFLICT (state_key) DO NOTHING",
            &[&key, &version],
        )
        .await
        .map_err(|e| self.err("creating the state row", &e))?;
        let before = self.read_state(&tx, true, with_baselines).await?;
        let mut after = before.clone();
        f(&mut after);
        after.version = STATE_VERSION;
        let watermarks = to_json(&after.watermarks)?;
        let last_full = after
            .last_full_refresh
            .map(|t| match serde_json::to_value(t) {
                Ok(serde_json::Value::String(s)) => Ok(s),
                other => Err(StateError::Backend(format!(
                    "cannot encode a timestamp: {other:?}"
                ))),
            })
            .transpose()?;
        tx.execute(
            "UPDATE hsqb_state SET format_version = $2, watermarks = $3::text::jsonb, last_full_refresh = $4, updated_at = now() WHERE state_key = $1",
            &[&key, &version, &watermarks, &last_full],
        )
        .await
        .map_err(|e| self.err("writing the state", &e))?;
        let removed: Vec<String> = before
            .baselines
            .keys()
            .filter(|k| !after.baselines.contains_key(*k))
            .cloned()
            .collect();
        for chunk in removed.chunks(CHUNK) {
            tx.execute(
                "DELETE FROM hsqb_baselines WHERE state_key = $1 AND baseline_key = ANY($2::text[])",
                &[&key, &chunk],
            )
            .await
            .map_err(|e| self.err("removing baselines", &e))?;
        }
        let mut keys = Vec::new();
        let mut entries = Vec::new();
        for (k, v) in &after.baselines {
            if before.baselines.get(k) != Some(v) {
                keys.push(k.clone());
                entries.push(to_json(v)?);
            }
        }
        for (ks, es) in keys.chunks(CHUNK).zip(entries.chunks(CHUNK)) {
            tx.execute(
                "INSERT INTO hsqb_baselines (state_key, baseline_key, entry) \
                 SELECT $1, k, e::jsonb FROM unnest($2::text[], $3::text[]) AS t(k, e) \
                 ON CONFLICT (state_key, baseline_key) DO UPDATE SET entry = excluded.entry",
                &[&key, &ks, &es],
            )
            .await
            .map_err(|e| self.err("writing baselines", &e))?;
        }
        tx.commit()
            .await
            .map_err(|e| self.err("committing the state", &e))
    }

    /// Stored refresh tokens.
    pub async fn tokens(&self) -> Result<TokenData, StateError> {
        let c = self.inner.client.lock().await;
        let key = self.key_param();
        let rows = c
            .query(
                "SELECT realm_id, version, token::text FROM hsqb_tokens WHERE state_key = $1 ORDER BY realm_id",
                &[&key],
            )
            .await
            .map_err(|e| self.err("reading tokens", &e))?;
        let mut out = TokenData {
            version: STATE_VERSION,
            tokens: BTreeMap::new(),
        };
        for r in rows {
            let realm: String = r.get(0);
            let version: i64 = r.get(1);
            let text: String = r.get(2);
            let mut t: StoredToken = parse_json(&text, &format!("hsqb_tokens[{key}/{realm}]"))?;
            t.version = u64::try_from(version).unwrap_or(0);
            out.tokens.insert(realm, t);
        }
        Ok(out)
    }

    /// Store a token under the compare-and-set rule (one atomic statement):
    /// accepted when the stored version is `expected` or the stored token was
    /// received earlier than this one; the version then becomes `stored + 1`.
    pub async fn save_token(
        &self,
        realm: &str,
        token: StoredToken,
        expected: u64,
    ) -> Result<TokenWrite, StateError> {
        let c = self.inner.client.lock().await;
        let key = self.key_param();
        let json = to_json(&token)?;
        let received = rfc3339(&token.received_at);
        let expected = i64::try_from(expected).unwrap_or(i64::MAX);
        let row = c
            .query_opt(
                "INSERT INTO hsqb_tokens AS t (state_key, realm_id, version, token, received_at) \
                 VALUES ($1, $2, 1, $3::text::jsonb, $4::text::timestamptz) \
                 ON CONFLICT (state_key, realm_id) DO UPDATE \
                 SET version = t.version + 1, token = excluded.token, \
                     received_at = excluded.received_at, updated_at = now() \
                 WHERE t.version = $5 OR t.received_at < excluded.received_at \
                 RETURNING version",
                &[&key, &realm, &json, &received, &expected],
            )
            .await
            .map_err(|e| self.err("storing a refresh token", &e))?;
        if let Some(row) = row {
            let v: i64 = row.get(0);
            return Ok(TokenWrite::Stored {
                version: u64::try_from(v).unwrap_or(0),
            });
        }
        let v: i64 = c
            .query_one(
                "SELECT version FROM hsqb_tokens WHERE state_key = $1 AND realm_id = $2",
                &[&key, &realm],
            )
            .await
            .map_err(|e| self.err("reading a refresh token", &e))?
            .get(0);
        Ok(TokenWrite::Superseded {
            version: u64::try_from(v).unwrap_or(0),
        })
    }

    /// [`PostgresStore::save_token`] for synchronous callers (the QBO client's
    /// `TokenSink::persist`, called from inside an async refresh).
    ///
    /// On a multi-threaded runtime (the CLI's) it uses `block_in_place` +
    /// `Handle::block_on` on the shared connection: the worker hands its other
    /// tasks, including the one driving our connection, to other threads while
    /// it blocks. On a current-thread runtime blocking would also stop the task
    /// that drives the connection (a deadlock), so the write goes through a
    /// fresh connection on a helper thread with its own small runtime instead.
    pub fn save_token_blocking(
        &self,
        realm: &str,
        token: StoredToken,
        expected: u64,
    ) -> Result<TokenWrite, StateError> {
        use tokio::runtime::{Handle, RuntimeFlavor};
        match Handle::try_current() {
            Ok(h) if h.runtime_flavor() == RuntimeFlavor::MultiThread => {
                tokio::task::block_in_place(|| h.block_on(self.save_token(realm, token, expected)))
            }
            _ => {
                let opts = self.inner.opts.clone();
                std::thread::scope(|s| {
                    s.spawn(move || {
                        let rt = tokio::runtime::Builder::new_current_thread()
                            .enable_all()
                            .build()
                            .map_err(|e| StateError::Backend(format!("token writer: {e}")))?;
                        rt.block_on(async move {
                            let fresh = PostgresStore::connect_inner(opts, false).await?;
                            fresh.save_token(realm, token, expected).await
                        })
                    })
                    .join()
                    .unwrap_or_else(|_| {
                        Err(StateError::Backend(
                            "the token writer thread panicked".into(),
                        ))
                    })
                })
            }
        }
    }

    /// Replace every token as is (versions included).
    pub async fn put_tokens(&self, data: &TokenData) -> Result<(), StateError> {
        let mut c = self.inner.client.lock().await;
        let key = self.key_param();
        let tx = c
            .transaction()
            .await
            .map_err(|e| self.err("starting a write", &e))?;
        tx.execute("DELETE FROM hsqb_tokens WHERE state_key = $1", &[&key])
            .await
            .map_err(|e| self.err("replacing tokens", &e))?;
        for (realm, t) in &data.tokens {
            let json = to_json(t)?;
            let received = rfc3339(&t.received_at);
            let version = i64::try_from(t.version).unwrap_or(i64::MAX);
            tx.execute(
                "INSERT INTO hsqb_tokens (state_key, realm_id, version, token, received_at) VALUES ($1, $2, $3, $4::text::jsonb, $5::text::timestamptz)",
                &[&key, realm, &version, &json, &received],
            )
            .await
            .map_err(|e| self.err("replacing tokens", &e))?;
        }
        tx.commit()
            .await
            .map_err(|e| self.err("committing tokens", &e))
    }

    /// Forget one realm's token.
    pub async fn remove_token(&self, realm: &str) -> Result<bool, StateError> {
        let c = self.inner.client.lock().await;
        let key = self.key_param();
        let n = c
            .execute(
                "DELETE FROM hsqb_tokens WHERE state_key = $1 AND realm_id = $2",
                &[&key, &realm],
            )
            .await
            .map_err(|e| self.err("removing a token", &e))?;
        Ok(n > 0)
    }

    /// Take the lock (see the module docs); waits up to `timeout`, polling.
    pub async fn lock(
        &self,
        holder: &LockHolder,
        timeout: Duration,
    ) -> Result<Option<LockHolder>, StateError> {
        let client = Arc::new(open(&self.inner.config, &self.inner.described).await?);
        let k = lock_key(self.key());
        let started = Instant::now();
        loop {
            let got: bool = client
                .query_one("SELECT pg_try_advisory_lock($1)", &[&k])
                .await
                .map_err(|e| self.err("taking the advisory lock", &e))?
                .get(0);
            if got {
                break;
            }
            if started.elapsed() >= timeout {
                return Err(match self.lock_info().await? {
                    Some(h) => StateError::Locked { holder: h },
                    None => StateError::Backend(
                        "the state lock is held by a database session that has not recorded its holder yet; try again".into(),
                    ),
                });
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        // We hold the advisory lock, so any row left is from a session that
        // ended without unlocking: stale, taken over.
        let key = self.key_param();
        let holder_json = to_json(holder)?;
        let stale = client
            .query_opt(
                "SELECT holder::text FROM hsqb_locks WHERE state_key = $1",
                &[&key],
            )
            .await
            .map_err(|e| self.err("reading the lock", &e))?
            .map(|r| {
                let text: String = r.get(0);
                parse_json::<LockHolder>(&text, &format!("hsqb_locks[{key}]"))
            })
            .transpose();
        let write = client
            .execute(
                "INSERT INTO hsqb_locks (state_key, lock_id, holder, backend_pid) \
                 VALUES ($1, $2, $3::text::jsonb, pg_backend_pid()) \
                 ON CONFLICT (state_key) DO UPDATE SET lock_id = excluded.lock_id, \
                 holder = excluded.holder, backend_pid = excluded.backend_pid, \
                 acquired_at = now(), heartbeat_at = now()",
                &[&key, &holder.id, &holder_json],
            )
            .await
            .map_err(|e| self.err("recording the lock holder", &e));
        // On error, dropping `client` ends the session and so releases the lock.
        write?;
        let heartbeat = spawn_heartbeat(
            client.clone(),
            key.to_string(),
            holder.id.clone(),
            self.inner.opts.heartbeat,
        );
        self.inner
            .sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(holder.id.clone(), LockSession { client, heartbeat });
        // An unreadable stale row is replaced all the same.
        Ok(stale.unwrap_or(None))
    }

    /// Release our lock: delete its row (only if it is still ours) and end the
    /// session that holds the advisory lock.
    pub async fn unlock(&self, holder: &LockHolder) -> Result<(), StateError> {
        let session = self
            .inner
            .sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&holder.id);
        let key = self.key_param();
        {
            let c = self.inner.client.lock().await;
            c.execute(
                "DELETE FROM hsqb_locks WHERE state_key = $1 AND lock_id = $2",
                &[&key, &holder.id],
            )
            .await
            .map_err(|e| self.err("removing the lock", &e))?;
        }
        if let Some(s) = session {
            let k = lock_key(self.key());
            // Best effort: closing the session releases it anyway.
            let _ = s
                .client
                .query_one("SELECT pg_advisory_unlock($1)", &[&k])
                .await;
        }
        Ok(())
    }

    /// The current holder (also a stale one).
    pub async fn lock_info(&self) -> Result<Option<LockHolder>, StateError> {
        Ok(self.lock_status().await?.map(|s| s.holder))
    }

    /// The holder, whether a session still holds the advisory lock, and how old
    /// its heartbeat is.
    pub async fn lock_status(&self) -> Result<Option<LockStatus>, StateError> {
        let c = self.inner.client.lock().await;
        let key = self.key_param();
        let (hi, lo) = lock_key_parts(lock_key(key));
        let Some(row) = c
            .query_opt(
                "SELECT l.holder::text, l.backend_pid, \
                   floor(extract(epoch FROM now() - l.heartbeat_at))::bigint, \
                   EXISTS (SELECT 1 FROM pg_locks p WHERE p.locktype = 'advisory' AND p.granted \
                     AND p.objsubid = 1 AND p.classid = $2::bigint::oid AND p.objid = $3::bigint::oid \
                     AND p.database = (SELECT oid FROM pg_database WHERE datname = current_database())) \
                 FROM hsqb_locks l WHERE l.state_key = $1",
                &[&key, &hi, &lo],
            )
            .await
            .map_err(|e| self.err("reading the lock", &e))?
        else {
            return Ok(None);
        };
        let text: String = row.get(0);
        let holder: LockHolder = parse_json(&text, &format!("hsqb_locks[{key}]"))?;
        let backend: i32 = row.get(1);
        let age: i64 = row.get(2);
        let held: bool = row.get(3);
        let ttl = self.inner.opts.lock_ttl.as_secs() as i64;
        let liveness = if !held {
            Liveness::Stale(format!(
                "its database session (backend pid {backend}) ended without unlocking; the next apply takes the lock over"
            ))
        } else if age > ttl {
            Liveness::Unknown(format!(
                "its session is open but sent no heartbeat for {age}s; if that run is hung, `hsqb force-unlock {}` ends its session",
                holder.id
            ))
        } else {
            Liveness::Alive
        };
        Ok(Some(LockStatus { holder, liveness }))
    }

    /// Remove the lock with id `id`: delete its row and, when its session still
    /// holds the advisory lock (a hung run), terminate that session.
    pub async fn force_unlock(&self, id: &str) -> Result<LockHolder, StateError> {
        let own = self
            .inner
            .sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains_key(id);
        let key = self.key_param();
        let row = {
            let c = self.inner.client.lock().await;
            c.query_opt(
                "SELECT holder::text, backend_pid FROM hsqb_locks WHERE state_key = $1",
                &[&key],
            )
            .await
            .map_err(|e| self.err("reading the lock", &e))?
        };
        let Some(row) = row else {
            return Err(StateError::WrongLock {
                id: id.to_string(),
                current: "none".into(),
            });
        };
        let text: String = row.get(0);
        let backend: i32 = row.get(1);
        let holder: LockHolder = match parse_json(&text, &format!("hsqb_locks[{key}]")) {
            Ok(h) => h,
            // An unreadable row can only be removed by force, by its id column.
            Err(_) => LockHolder {
                id: id.to_string(),
                host: "?".into(),
                pid: 0,
                since: Default::default(),
                command: "?".into(),
            },
        };
        if holder.id != id {
            return Err(StateError::WrongLock {
                id: id.to_string(),
                current: holder.to_string(),
            });
        }
        if own {
            self.unlock(&holder).await?;
            return Ok(holder);
        }
        let c = self.inner.client.lock().await;
        let n = c
            .execute(
                "DELETE FROM hsqb_locks WHERE state_key = $1 AND lock_id = $2",
                &[&key, &id],
            )
            .await
            .map_err(|e| self.err("removing the lock", &e))?;
        if n == 0 {
            return Err(StateError::WrongLock {
                id: id.to_string(),
                current: "none (released meanwhile)".into(),
            });
        }
        let (hi, lo) = lock_key_parts(lock_key(key));
        c.query(
            "SELECT pg_terminate_backend(p.pid) FROM pg_locks p WHERE p.locktype = 'advisory' \
             AND p.granted AND p.objsubid = 1 AND p.classid = $1::bigint::oid \
             AND p.objid = $2::bigint::oid AND p.pid = $3 \
             AND p.database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            &[&hi, &lo, &backend],
        )
        .await
        .map_err(|e| {
            StateError::Backend(format!(
                "removed the lock record, but could not end the session (backend pid {backend}) that still holds the lock: {}; ask a database administrator to run `SELECT pg_terminate_backend({backend})`",
                pg_message(&e)
            ))
        })?;
        Ok(holder)
    }

    /// Append a journal entry (one row: atomic).
    pub async fn append_journal(&self, e: &JournalEntry) -> Result<(), StateError> {
        let c = self.inner.client.lock().await;
        let key = self.key_param();
        let json = to_json(e)?;
        c.execute(
            "INSERT INTO hsqb_journal (state_key, entry) VALUES ($1, $2::text::jsonb)",
            &[&key, &json],
        )
        .await
        .map_err(|err| self.err("appending to the journal", &err))?;
        Ok(())
    }

    /// The journal, oldest first.
    pub async fn journal(&self) -> Result<Vec<JournalEntry>, StateError> {
        let c = self.inner.client.lock().await;
        let key = self.key_param();
        let rows = c
            .query(
                "SELECT seq, entry::text FROM hsqb_journal WHERE state_key = $1 ORDER BY seq",
                &[&key],
            )
            .await
            .map_err(|e| self.err("reading the journal", &e))?;
        rows.iter()
            .map(|r| {
                let seq: i64 = r.get(0);
                let text: String = r.get(1);
                parse_json(&text, &format!("hsqb_journal[{key}/{seq}]"))
            })
            .collect()
    }

    /// Clear the journal.
    pub async fn clear_journal(&self) -> Result<(), StateError> {
        let c = self.inner.client.lock().await;
        let key = self.key_param();
        c.execute("DELETE FROM hsqb_journal WHERE state_key = $1", &[&key])
            .await
            .map_err(|e| self.err("clearing the journal", &e))?;
        Ok(())
    }

    /// Every state key in the database with what it holds (for `state list`
    /// across manifests).
    pub async fn keys(&self) -> Result<Vec<String>, StateError> {
        let c = self.inner.client.lock().await;
        let rows = c
            .query(
                "SELECT state_key FROM hsqb_state UNION SELECT state_key FROM hsqb_tokens \
                 UNION SELECT state_key FROM hsqb_locks UNION SELECT state_key FROM hsqb_journal \
                 ORDER BY 1",
                &[],
            )
            .await
            .map_err(|e| self.err("listing state keys", &e))?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }
}

/// Keep the lock row's heartbeat fresh until the session is dropped.
fn spawn_heartbeat(
    client: Arc<Client>,
    key: String,
    id: String,
    every: Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every.max(Duration::from_millis(100)));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tick.tick().await;
        loop {
            tick.tick().await;
            match client
                .execute(
                    "UPDATE hsqb_locks SET heartbeat_at = now() WHERE state_key = $1 AND lock_id = $2",
                    &[&key, &id],
                )
                .await
            {
                Ok(0) => {
                    tracing::warn!(lock = %id, "the state lock record is gone (force-unlocked?)");
                    break;
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(lock = %id, error = %pg_message(&e), "the state lock's database session failed");
                    break;
                }
            }
        }
    })
}

/// The advisory lock id of a state key (64 bits of a hash; two keys sharing
/// one only serialise each other, which is safe).
fn lock_key(key: &str) -> i64 {
    let mut h = Sha256::new();
    h.update(b"hsqb state lock\0");
    h.update(key.as_bytes());
    let d = h.finalize();
    let mut b = [0u8; 8];
    b.copy_from_slice(&d[..8]);
    i64::from_be_bytes(b)
}

/// How `pg_locks` shows a bigint advisory key: high and low 32 bits as oids.
fn lock_key_parts(k: i64) -> (i64, i64) {
    let u = k as u64;
    ((u >> 32) as i64, (u & 0xffff_ffff) as i64)
}

/// The transaction-level advisory lock that serialises migrations.
const MIGRATION_LOCK: i64 = 0x6873_7162_6d69_6772; // "hsqbmigr"

async fn run_migrations(client: &mut Client, described: &str) -> Result<Vec<i32>, StateError> {
    let e = |what: &str, err: tokio_postgres::Error| db_error(described, what, &err);
    let tx = client
        .transaction()
        .await
        .map_err(|err| e("starting the migration", err))?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await
        .map_err(|err| e("locking for the migration", err))?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS hsqb_schema_version (
            version     integer PRIMARY KEY,
            description text NOT NULL,
            applied_at  timestamptz NOT NULL DEFAULT now()
        )",
    )
    .await
    .map_err(|err| e("creating hsqb_schema_version", err))?;
    let current: i32 = tx
        .query_one(
            "SELECT coalesce(max(version), 0) FROM hsqb_schema_version",
            &[],
        )
        .await
        .map_err(|err| e("reading the schema version", err))?
        .get(0);
    if current > SCHEMA_VERSION {
        return Err(newer_schema(described, current));
    }
    let mut applied = Vec::new();
    for m in MIGRATIONS.iter().filter(|m| m.version > current) {
        tx.batch_execute(m.sql)
            .await
            .map_err(|err| e(&format!("applying migration {}", m.version), err))?;
        tx.execute(
            "INSERT INTO hsqb_schema_version (version, description) VALUES ($1, $2)",
            &[&m.version, &m.description],
        )
        .await
        .map_err(|err| e("recording the migration", err))?;
        applied.push(m.version);
    }
    tx.commit()
        .await
        .map_err(|err| e("committing the migration", err))?;
    if !applied.is_empty() {
        tracing::info!(versions = ?applied, "migrated the postgres state schema");
    }
    Ok(applied)
}

/// Without migrating: the schema must exist and not be newer than ours.
async fn check_schema(client: &Client, described: &str) -> Result<(), StateError> {
    let v: i32 = client
        .query_one(
            "SELECT coalesce(max(version), 0) FROM hsqb_schema_version",
            &[],
        )
        .await
        .map_err(|e| db_error(described, "reading the schema version", &e))?
        .get(0);
    if v > SCHEMA_VERSION {
        return Err(newer_schema(described, v));
    }
    Ok(())
}

fn newer_schema(described: &str, v: i32) -> StateError {
    StateError::Backend(format!(
        "postgres {described}: the hsqb schema is at version {v}, newer than this hsqb knows ({SCHEMA_VERSION}); upgrade hsqb"
    ))
}

/// The TLS connector (built once): rustls with the platform verifier.
fn tls() -> Result<tokio_postgres_rustls::MakeRustlsConnect, StateError> {
    static CONFIG: OnceLock<Result<rustls::ClientConfig, String>> = OnceLock::new();
    let cfg = CONFIG.get_or_init(|| {
        use rustls_platform_verifier::ConfigVerifierExt;
        let _ = rustls::crypto::ring::default_provider().install_default();
        rustls::ClientConfig::with_platform_verifier().map_err(|e| e.to_string())
    });
    match cfg {
        Ok(c) => Ok(tokio_postgres_rustls::MakeRustlsConnect::new(c.clone())),
        Err(e) => Err(StateError::Backend(format!("TLS setup for postgres: {e}"))),
    }
}

/// Open a connection and drive it on a spawned task.
async fn open(config: &Config, described: &str) -> Result<Client, StateError> {
    let (client, connection) = config
        .connect(tls()?)
        .await
        .map_err(|e| db_error(described, "connecting", &e))?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::debug!(error = %pg_message(&e), "postgres connection closed");
        }
    });
    Ok(client)
}

fn describe_config(c: &Config) -> String {
    use tokio_postgres::config::Host;
    let host = match c.get_hosts().first() {
        Some(Host::Tcp(h)) => h.clone(),
        #[cfg(unix)]
        Some(Host::Unix(p)) => p.display().to_string(),
        None => "localhost".into(),
    };
    let port = c.get_ports().first().copied().unwrap_or(5432);
    format!(
        "postgres://{}@{host}:{port}/{}",
        c.get_user().unwrap_or(""),
        c.get_dbname().unwrap_or("")
    )
}

fn pg_message(e: &tokio_postgres::Error) -> String {
    let text = match e.as_db_error() {
        Some(db) => {
            let mut s = format!("{}: {}", db.severity(), db.message());
            if let Some(d) = db.detail() {
                s.push_str(&format!(" ({d})"));
            }
            s
        }
        None => match std::error::Error::source(e) {
            Some(src) => format!("{e}: {src}"),
            None => e.to_string(),
        },
    };
    crate::secret::scrub(&text)
}

fn db_error(described: &str, what: &str, e: &tokio_postgres::Error) -> StateError {
    StateError::Backend(format!("postgres {described}: {what}: {}", pg_message(e)))
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<String, StateError> {
    serde_json::to_string(v).map_err(|e| StateError::Backend(format!("encoding state: {e}")))
}

fn parse_json<T: serde::de::DeserializeOwned>(text: &str, location: &str) -> Result<T, StateError> {
    let de = &mut serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(de).map_err(|e| StateError::CorruptRecord {
        location: location.to_string(),
        message: format!("at `{}`: {}", e.path(), e.inner()),
    })
}

fn rfc3339(t: &chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_keys_are_stable_and_split_like_pg_locks() {
        assert_eq!(lock_key("a"), lock_key("a"));
        assert_ne!(lock_key("a"), lock_key("b"));
        assert_eq!(lock_key_parts(-5), (0xffff_ffff, 0xffff_fffb));
        assert_eq!(lock_key_parts(0x0000_0001_0000_0002), (1, 2));
    }

    #[test]
    fn migrations_are_ordered_and_end_at_the_schema_version() {
        let versions: Vec<i32> = MIGRATIONS.iter().map(|m| m.version).collect();
        let mut sorted = versions.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(versions, sorted);
        assert_eq!(versions.last(), Some(&SCHEMA_VERSION));
    }

    #[test]
    fn descriptions_never_contain_the_password() {
        let c: Config = "postgres://u:sekrit-password@db.example:6543/hsqb?sslmode=disable"
            .parse()
            .unwrap();
        let d = describe_config(&c);
        assert_eq!(d, "postgres://u@db.example:6543/hsqb");
        assert!(!d.contains("sekrit"));
    }
}
