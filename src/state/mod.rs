//! The state store: watermarks, two-way baselines, rotated QuickBooks refresh
//! tokens (encrypted), the apply journal and the lock that keeps two applies
//! from running at once.
//!
//! Architecture invariants:
//! - Losing state never causes duplicates: links live in the systems
//!   themselves (HubSpot link properties), state only makes runs cheaper and
//!   two-way diffs precise.
//! - Refresh tokens are stored encrypted with a key derived from the OAuth
//!   client secret (which lives only in the environment), so the state file alone
//!   never grants access.
//! - Every write is atomic: temp file, fsync, rename and 0600 files for the
//!   local store; one transaction per write for Postgres.
//! - Both backends keep the same contract (tested by one generic test body run
//!   against each): state, tokens with compare-and-set, journal, one lock per
//!   state whose holder can be seen and forcibly released.

mod crypt;
pub mod inspect;
mod key;
mod local;
mod postgres;

pub use crypt::{TokenCipher, TokenCipherError};
pub use key::default_state_key;
pub use local::LocalStore;
pub use postgres::{PostgresOptions, PostgresStore, SCHEMA_VERSION};

use crate::plan::BaselineEntry;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

/// Current state format version.
pub const STATE_VERSION: u32 = 1;

/// Everything hsqb remembers between runs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StateData {
    /// Format version.
    pub version: u32,
    /// Watermarks for incremental refresh, by source (`hubspot:contacts`,
    /// `quickbooks:main:Customer`).
    #[serde(default)]
    pub watermarks: BTreeMap<String, DateTime<Utc>>,
    /// When the last full refresh was applied.
    #[serde(default)]
    pub last_full_refresh: Option<DateTime<Utc>>,
    /// Two-way baselines keyed by `plan::input::baseline_key`.
    #[serde(default)]
    pub baselines: BTreeMap<String, BaselineEntry>,
}

/// What an apply records in the state: baselines to store and to forget,
/// and (when the apply was clean) the new watermarks.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StateDelta {
    /// Baselines to insert or replace, by key.
    pub baselines: Vec<(String, BaselineEntry)>,
    /// Baseline keys to remove.
    pub forget: Vec<String>,
    /// Watermarks to set.
    pub watermarks: BTreeMap<String, DateTime<Utc>>,
    /// The new "last full refresh", when the plan was a full refresh.
    pub last_full_refresh: Option<DateTime<Utc>>,
}

impl StateDelta {
    /// Whether any baseline is stored or forgotten.
    pub fn touches_baselines(&self) -> bool {
        !self.baselines.is_empty() || !self.forget.is_empty()
    }

    /// Apply to `data`: baselines (in order), removals, watermarks.
    pub fn apply(&self, data: &mut StateData) {
        for (k, b) in &self.baselines {
            data.baselines.insert(k.clone(), b.clone());
        }
        for k in &self.forget {
            data.baselines.remove(k);
        }
        data.watermarks
            .extend(self.watermarks.iter().map(|(k, v)| (k.clone(), *v)));
        if let Some(t) = self.last_full_refresh {
            data.last_full_refresh = Some(t);
        }
    }
}

/// Rotated QBO refresh tokens by realm id (encrypted). Kept apart from
/// [`StateData`] so that a token rotation (which can happen mid-apply, from the
/// QBO client) never races with the apply's own state write.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenData {
    /// Format version.
    pub version: u32,
    /// Tokens by realm id.
    #[serde(default)]
    pub tokens: BTreeMap<String, StoredToken>,
}

/// An encrypted refresh token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredToken {
    /// base64(nonce || ciphertext).
    pub sealed: String,
    /// When it was received.
    pub received_at: DateTime<Utc>,
    /// sha256 of the manifest's refresh token this one descends from: when the
    /// user puts a new token in the environment (re-authorization), the stored
    /// chain is abandoned for it.
    #[serde(default)]
    pub origin: Option<String>,
    /// Generation of the realm's token in the store: every accepted write
    /// stores `previous + 1`, so a runner can tell whether the token it read is
    /// still the newest one (compare-and-set, see [`Store::save_token`]).
    #[serde(default)]
    pub version: u64,
}

/// What [`Store::save_token`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenWrite {
    /// The token is now the stored one, with this version.
    Stored {
        /// The new version.
        version: u64,
    },
    /// Another runner stored a newer token since the caller read version
    /// `expected`; the store kept it (never overwrite newer with older).
    Superseded {
        /// The version kept.
        version: u64,
    },
}

/// The compare-and-set rule both backends apply to a token write: accept when
/// the caller descends from the stored token (`expected` is its version), or
/// when the caller's token was received later than the stored one (a runner
/// that read an older generation but refreshed last holds the newest token).
pub(crate) fn token_write_accepted(
    current: Option<&StoredToken>,
    expected: u64,
    incoming: &StoredToken,
) -> bool {
    match current {
        None => true,
        Some(cur) => cur.version == expected || cur.received_at < incoming.received_at,
    }
}

/// One journal line: the intent before a batch, the outcome after it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JournalEntry {
    /// The apply run (plan checksum).
    pub run: String,
    /// Change ids in the batch.
    pub changes: Vec<String>,
    /// Intent or outcome.
    pub phase: JournalPhase,
    /// Outcome details per change id (created ids, error codes).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub results: BTreeMap<String, serde_json::Value>,
    /// When.
    pub at: DateTime<Utc>,
}

/// Journal phases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JournalPhase {
    /// About to send.
    Intent,
    /// Sent; results recorded.
    Done,
}

/// Who holds the lock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockHolder {
    /// Lock id (give it to `hsqb force-unlock`).
    pub id: String,
    /// Host name.
    pub host: String,
    /// Process id.
    pub pid: u32,
    /// When it was taken.
    pub since: DateTime<Utc>,
    /// The command holding it (`apply`).
    pub command: String,
}

impl LockHolder {
    /// A holder for this process.
    pub fn this_process(command: &str, now: DateTime<Utc>) -> Self {
        LockHolder {
            id: uuid::Uuid::new_v4().to_string(),
            host: hostname::get()
                .ok()
                .and_then(|h| h.into_string().ok())
                .unwrap_or_else(|| "unknown".into()),
            pid: std::process::id(),
            since: now,
            command: command.to_string(),
        }
    }
}

impl std::fmt::Display for LockHolder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "lock {} held by `hsqb {}` (pid {} on {}) since {}",
            self.id,
            self.command,
            self.pid,
            self.host,
            self.since
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        )
    }
}

/// State store errors.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// IO on the state file.
    #[error("state file {path}: {source}")]
    Io {
        /// File.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// The state file is not valid.
    #[error("state file {path} is not valid: {message}")]
    Corrupt {
        /// File.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// Another run holds the lock.
    #[error("the state is locked: {holder}")]
    Locked {
        /// The holder.
        holder: LockHolder,
    },
    /// `force-unlock` named a lock that is not the current one.
    #[error("no lock with id {id} (current: {current})")]
    WrongLock {
        /// Requested id.
        id: String,
        /// The current lock, if any.
        current: String,
    },
    /// A backend-specific failure.
    #[error("{0}")]
    Backend(String),
    /// A stored record (database row) is not valid.
    #[error("state record {location} is not valid: {message}")]
    CorruptRecord {
        /// Table and key of the record.
        location: String,
        /// What is wrong.
        message: String,
    },
}

/// Whether a lock's holder still runs, as far as the backend can tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Liveness {
    /// The holder is alive (its process or database session exists).
    Alive,
    /// The holder is gone; the next `lock` takes the lock over.
    Stale(String),
    /// Cannot be known from here (another host); judge from the details.
    Unknown(String),
}

/// The lock holder plus what the backend knows about its liveness.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockStatus {
    /// The holder.
    pub holder: LockHolder,
    /// Alive, stale or unknown.
    pub liveness: Liveness,
}

/// The configured store. Cheap to clone (the Postgres variant shares one
/// connection), so the QBO token sink can hold a handle next to the apply.
#[derive(Debug, Clone)]
pub enum Store {
    /// Local file.
    Local(LocalStore),
    /// PostgreSQL, one state per key.
    Postgres(PostgresStore),
}

impl Store {
    /// Read the state (empty state when none exists yet).
    pub async fn load(&self) -> Result<StateData, StateError> {
        match self {
            Store::Local(s) => s.load(),
            Store::Postgres(s) => s.load().await,
        }
    }

    /// Read the state without its baselines (a version-1 local file, which
    /// holds them inline, returns them anyway). See [`Store::load_baselines`].
    pub async fn load_meta(&self) -> Result<StateData, StateError> {
        match self {
            Store::Local(s) => s.load_meta(),
            Store::Postgres(s) => s.load_meta().await,
        }
    }

    /// Read the two-way baselines.
    pub async fn load_baselines(&self) -> Result<BTreeMap<String, BaselineEntry>, StateError> {
        match self {
            Store::Local(s) => s.load_baselines(),
            Store::Postgres(s) => Ok(s.load().await?.baselines),
        }
    }

    /// Hand back the baselines [`Store::load_baselines`] returned, once
    /// planned with: the local store records the apply's changes on them
    /// instead of reading the file again (unless it changed meanwhile).
    pub fn keep_baselines(&self, baselines: BTreeMap<String, BaselineEntry>) {
        match self {
            Store::Local(s) => s.keep_baselines(baselines),
            Store::Postgres(_) => {}
        }
    }

    /// Record what an apply did (see [`StateDelta`]); the local store leaves
    /// the baselines file alone when no baseline changed.
    pub async fn record(&self, delta: &StateDelta) -> Result<(), StateError> {
        match self {
            Store::Local(s) => s.record(delta),
            Store::Postgres(s) => s.record(delta).await,
        }
    }

    /// Replace the state atomically.
    pub async fn save(&self, data: &StateData) -> Result<(), StateError> {
        match self {
            Store::Local(s) => s.save(data),
            Store::Postgres(s) => s.save(data).await,
        }
    }

    /// Read-modify-write the state atomically with respect to other writers
    /// (a process-wide lock for files, a row lock in one transaction for Postgres).
    pub async fn update(&self, f: impl FnOnce(&mut StateData)) -> Result<(), StateError> {
        match self {
            Store::Local(s) => s.update(f),
            Store::Postgres(s) => s.update(f).await,
        }
    }

    /// Store one rotated refresh token durably (before it is used), unless a
    /// newer one is already stored: `expected` is the version the caller read
    /// (0 when none). See [`TokenWrite`].
    pub async fn save_token(
        &self,
        realm: &str,
        token: StoredToken,
        expected: u64,
    ) -> Result<TokenWrite, StateError> {
        match self {
            Store::Local(s) => s.save_token(realm, token, expected),
            Store::Postgres(s) => s.save_token(realm, token, expected).await,
        }
    }

    /// [`Store::save_token`] from synchronous code that may run inside the
    /// async runtime (the QBO client's token sink). See
    /// [`PostgresStore::save_token_blocking`] for how Postgres does it.
    pub fn save_token_blocking(
        &self,
        realm: &str,
        token: StoredToken,
        expected: u64,
    ) -> Result<TokenWrite, StateError> {
        match self {
            Store::Local(s) => s.save_token(realm, token, expected),
            Store::Postgres(s) => s.save_token_blocking(realm, token, expected),
        }
    }

    /// Stored refresh tokens.
    pub async fn tokens(&self) -> Result<TokenData, StateError> {
        match self {
            Store::Local(s) => s.load_tokens(),
            Store::Postgres(s) => s.tokens().await,
        }
    }

    /// Replace every stored token as is, versions included (`state migrate`).
    pub async fn put_tokens(&self, data: &TokenData) -> Result<(), StateError> {
        match self {
            Store::Local(s) => s.put_tokens(data),
            Store::Postgres(s) => s.put_tokens(data).await,
        }
    }

    /// Forget the stored token of `realm`; true when there was one.
    pub async fn remove_token(&self, realm: &str) -> Result<bool, StateError> {
        match self {
            Store::Local(s) => s.remove_token(realm),
            Store::Postgres(s) => s.remove_token(realm).await,
        }
    }

    /// Take the lock, waiting up to `timeout`; a lock whose holder is gone (a
    /// dead process on this host; for Postgres, a session that no longer holds
    /// the advisory lock) is taken over, returning `Ok(Some(stale holder))`.
    pub async fn lock(
        &self,
        holder: &LockHolder,
        timeout: Duration,
    ) -> Result<Option<LockHolder>, StateError> {
        match self {
            Store::Local(s) => s.lock(holder, timeout).await,
            Store::Postgres(s) => s.lock(holder, timeout).await,
        }
    }

    /// Release our lock.
    pub async fn unlock(&self, holder: &LockHolder) -> Result<(), StateError> {
        match self {
            Store::Local(s) => s.unlock(holder),
            Store::Postgres(s) => s.unlock(holder).await,
        }
    }

    /// The current lock holder (also when its holder is dead: the record stays
    /// until it is taken over or force-unlocked).
    pub async fn lock_info(&self) -> Result<Option<LockHolder>, StateError> {
        match self {
            Store::Local(s) => s.lock_info(),
            Store::Postgres(s) => s.lock_info().await,
        }
    }

    /// The current lock holder and whether it is still alive.
    pub async fn lock_status(&self) -> Result<Option<LockStatus>, StateError> {
        match self {
            Store::Local(s) => s.lock_status(),
            Store::Postgres(s) => s.lock_status().await,
        }
    }

    /// Remove the lock with this id, whoever holds it.
    pub async fn force_unlock(&self, id: &str) -> Result<LockHolder, StateError> {
        match self {
            Store::Local(s) => s.force_unlock(id),
            Store::Postgres(s) => s.force_unlock(id).await,
        }
    }

    /// Append a journal entry durably.
    pub async fn append_journal(&self, e: &JournalEntry) -> Result<(), StateError> {
        match self {
            Store::Local(s) => s.append_journal(e),
            Store::Postgres(s) => s.append_journal(e).await,
        }
    }

    /// Read the journal.
    pub async fn journal(&self) -> Result<Vec<JournalEntry>, StateError> {
        match self {
            Store::Local(s) => s.journal(),
            Store::Postgres(s) => s.journal().await,
        }
    }

    /// Clear the journal (after a fully successful apply).
    pub async fn clear_journal(&self) -> Result<(), StateError> {
        match self {
            Store::Local(s) => s.clear_journal(),
            Store::Postgres(s) => s.clear_journal().await,
        }
    }

    /// Where the state lives (for messages; never includes a password).
    pub fn describe(&self) -> String {
        match self {
            Store::Local(s) => s.path().display().to_string(),
            Store::Postgres(s) => s.describe(),
        }
    }

    /// The backend's name (`local`, `postgres`).
    pub fn backend(&self) -> &'static str {
        match self {
            Store::Local(_) => "local",
            Store::Postgres(_) => "postgres",
        }
    }
}
