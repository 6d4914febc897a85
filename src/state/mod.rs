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
//! - Every write is atomic (temp file, fsync, rename) and files are 0600.

mod crypt;
mod local;

pub use crypt::{TokenCipher, TokenCipherError};
pub use local::LocalStore;

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
}

/// The configured store.
#[derive(Debug)]
pub enum Store {
    /// Local file.
    Local(LocalStore),
}

impl Store {
    /// Read the state (empty state when none exists yet).
    pub async fn load(&self) -> Result<StateData, StateError> {
        match self {
            Store::Local(s) => s.load(),
        }
    }

    /// Replace the state atomically.
    pub async fn save(&self, data: &StateData) -> Result<(), StateError> {
        match self {
            Store::Local(s) => s.save(data),
        }
    }

    /// Read-modify-write the state under the store's write lock.
    pub async fn update(&self, f: impl FnOnce(&mut StateData)) -> Result<(), StateError> {
        match self {
            Store::Local(s) => s.update(f),
        }
    }

    /// Store one rotated refresh token durably (before it is used).
    pub async fn save_token(&self, realm: &str, token: StoredToken) -> Result<(), StateError> {
        match self {
            Store::Local(s) => s.save_token(realm, token),
        }
    }

    /// Stored refresh tokens.
    pub async fn tokens(&self) -> Result<TokenData, StateError> {
        match self {
            Store::Local(s) => s.load_tokens(),
        }
    }

    /// Take the lock, waiting up to `timeout`; a lock left by a dead process on
    /// this host is taken over (with `Ok(Some(stale holder))`).
    pub async fn lock(
        &self,
        holder: &LockHolder,
        timeout: Duration,
    ) -> Result<Option<LockHolder>, StateError> {
        match self {
            Store::Local(s) => s.lock(holder, timeout).await,
        }
    }

    /// Release our lock.
    pub async fn unlock(&self, holder: &LockHolder) -> Result<(), StateError> {
        match self {
            Store::Local(s) => s.unlock(holder),
        }
    }

    /// The current lock holder.
    pub async fn lock_info(&self) -> Result<Option<LockHolder>, StateError> {
        match self {
            Store::Local(s) => s.lock_info(),
        }
    }

    /// Remove the lock with this id, whoever holds it.
    pub async fn force_unlock(&self, id: &str) -> Result<LockHolder, StateError> {
        match self {
            Store::Local(s) => s.force_unlock(id),
        }
    }

    /// Append a journal entry durably.
    pub async fn append_journal(&self, e: &JournalEntry) -> Result<(), StateError> {
        match self {
            Store::Local(s) => s.append_journal(e),
        }
    }

    /// Read the journal.
    pub async fn journal(&self) -> Result<Vec<JournalEntry>, StateError> {
        match self {
            Store::Local(s) => s.journal(),
        }
    }

    /// Clear the journal (after a fully successful apply).
    pub async fn clear_journal(&self) -> Result<(), StateError> {
        match self {
            Store::Local(s) => s.clear_journal(),
        }
    }

    /// Where the state lives (for messages).
    pub fn describe(&self) -> String {
        match self {
            Store::Local(s) => s.path().display().to_string(),
        }
    }
}
