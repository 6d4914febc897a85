//! What `hsqb state list|show|rm|migrate` do, as library functions over any
//! [`Store`]: a summary of the state, one entry as JSON, removing one entry,
//! and a lossless copy between backends.
//!
//! Architecture invariant: nothing here ever returns a refresh token's value,
//! not even its ciphertext: token entries are described by realm, version,
//! reception time and origin hash only.

use super::{
    JournalEntry, Liveness, LockStatus, StateData, StateError, Store, StoredToken, TokenData,
};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeMap;

/// One addressable entry of the state (`hsqb state show|rm KEY`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryKey {
    /// `baseline:<block>:<hubspot id>:<qbo id>`.
    Baseline(String),
    /// `watermark:<source>` (`watermark:hubspot:contacts`).
    Watermark(String),
    /// `token:<realm id>`.
    Token(String),
    /// `last_full_refresh`.
    LastFullRefresh,
    /// `journal` (the apply journal; an interrupted apply leaves entries).
    Journal,
    /// `lock` (show only; use `hsqb force-unlock` to remove).
    Lock,
}

impl EntryKey {
    /// Parse `baseline:…`, `watermark:…`, `token:…`, `last_full_refresh`,
    /// `journal` or `lock`.
    pub fn parse(s: &str) -> Result<EntryKey, String> {
        let s = s.trim();
        let (kind, rest) = s.split_once(':').unwrap_or((s, ""));
        let need = |what: &str| {
            if rest.is_empty() {
                Err(format!("`{kind}:` needs {what} after the colon"))
            } else {
                Ok(rest.to_string())
            }
        };
        match kind {
            "baseline" => {
                need("a baseline key (`block:hubspot_id:qbo_id`)").map(EntryKey::Baseline)
            }
            "watermark" => need("a source (`hubspot:contacts`)").map(EntryKey::Watermark),
            "token" => need("a realm id").map(EntryKey::Token),
            "last_full_refresh" if rest.is_empty() => Ok(EntryKey::LastFullRefresh),
            "journal" if rest.is_empty() => Ok(EntryKey::Journal),
            "lock" if rest.is_empty() => Ok(EntryKey::Lock),
            _ => Err(format!(
                "unknown state key `{s}`: use baseline:BLOCK:HUBSPOT_ID:QBO_ID, watermark:SOURCE, token:REALM, last_full_refresh, journal or lock (see `hsqb state list`)"
            )),
        }
    }
}

impl std::fmt::Display for EntryKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EntryKey::Baseline(k) => write!(f, "baseline:{k}"),
            EntryKey::Watermark(k) => write!(f, "watermark:{k}"),
            EntryKey::Token(k) => write!(f, "token:{k}"),
            EntryKey::LastFullRefresh => f.write_str("last_full_refresh"),
            EntryKey::Journal => f.write_str("journal"),
            EntryKey::Lock => f.write_str("lock"),
        }
    }
}

/// A token described without its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenInfo {
    /// Realm id.
    pub realm: String,
    /// Store generation (compare-and-set version).
    pub version: u64,
    /// When it was received from QuickBooks.
    pub received_at: DateTime<Utc>,
    /// sha256 of the manifest refresh token it descends from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
}

impl TokenInfo {
    fn new(realm: &str, t: &StoredToken) -> Self {
        TokenInfo {
            realm: realm.to_string(),
            version: t.version,
            received_at: t.received_at,
            origin: t.origin.clone(),
        }
    }
}

/// The lock as `state list` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LockInfo {
    /// Lock id (for `hsqb force-unlock`).
    pub id: String,
    /// Command holding it.
    pub command: String,
    /// Host.
    pub host: String,
    /// Process id.
    pub pid: u32,
    /// Since when.
    pub since: DateTime<Utc>,
    /// `alive`, `stale` or `unknown`.
    pub liveness: String,
    /// Why, for stale and unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl From<LockStatus> for LockInfo {
    fn from(s: LockStatus) -> Self {
        let (liveness, detail) = match s.liveness {
            Liveness::Alive => ("alive", None),
            Liveness::Stale(d) => ("stale", Some(d)),
            Liveness::Unknown(d) => ("unknown", Some(d)),
        };
        LockInfo {
            id: s.holder.id,
            command: s.holder.command,
            host: s.holder.host,
            pid: s.holder.pid,
            since: s.holder.since,
            liveness: liveness.to_string(),
            detail,
        }
    }
}

/// Everything `hsqb state list` shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StateSummary {
    /// `local` or `postgres`.
    pub backend: String,
    /// Where (file path, or database and key; never a password).
    pub location: String,
    /// Baselines (linked pairs with recorded agreed values) per block.
    pub baselines: BTreeMap<String, usize>,
    /// Total baselines.
    pub baselines_total: usize,
    /// Incremental-refresh watermarks by source.
    pub watermarks: BTreeMap<String, DateTime<Utc>>,
    /// Last full refresh.
    pub last_full_refresh: Option<DateTime<Utc>>,
    /// Lock holder, if any.
    pub lock: Option<LockInfo>,
    /// Stored refresh tokens (metadata only).
    pub tokens: Vec<TokenInfo>,
    /// Journal entries (non-zero after an interrupted apply).
    pub journal_entries: usize,
}

/// Summarise the state.
pub async fn summary(store: &Store) -> Result<StateSummary, StateError> {
    let data = store.load().await?;
    let tokens = store.tokens().await?;
    let lock = store.lock_status().await?;
    let journal = store.journal().await?;
    let mut baselines: BTreeMap<String, usize> = BTreeMap::new();
    for b in data.baselines.values() {
        *baselines.entry(b.block.name().to_string()).or_default() += 1;
    }
    Ok(StateSummary {
        backend: store.backend().to_string(),
        location: store.describe(),
        baselines_total: data.baselines.len(),
        baselines,
        watermarks: data.watermarks,
        last_full_refresh: data.last_full_refresh,
        lock: lock.map(LockInfo::from),
        tokens: tokens
            .tokens
            .iter()
            .map(|(r, t)| TokenInfo::new(r, t))
            .collect(),
        journal_entries: journal.len(),
    })
}

/// One entry as JSON (`None` when absent). Tokens show metadata only.
pub async fn show(store: &Store, key: &EntryKey) -> Result<Option<serde_json::Value>, StateError> {
    let enc = |v: Result<serde_json::Value, serde_json::Error>| {
        v.map_err(|e| StateError::Backend(format!("encoding: {e}")))
    };
    Ok(match key {
        EntryKey::Baseline(k) => match store.load().await?.baselines.get(k) {
            Some(b) => Some(enc(serde_json::to_value(b))?),
            None => None,
        },
        EntryKey::Watermark(k) => match store.load().await?.watermarks.get(k) {
            Some(t) => Some(enc(serde_json::to_value(t))?),
            None => None,
        },
        EntryKey::LastFullRefresh => match store.load().await?.last_full_refresh {
            Some(t) => Some(enc(serde_json::to_value(t))?),
            None => None,
        },
        EntryKey::Token(realm) => match store.tokens().await?.tokens.get(realm) {
            Some(t) => Some(enc(serde_json::to_value(TokenInfo::new(realm, t)))?),
            None => None,
        },
        EntryKey::Journal => {
            let j = store.journal().await?;
            Some(enc(serde_json::to_value(j))?)
        }
        EntryKey::Lock => match store.lock_status().await? {
            Some(s) => Some(enc(serde_json::to_value(LockInfo::from(s)))?),
            None => None,
        },
    })
}

/// Remove one entry; `Ok(false)` when it was not there. The lock is removed
/// with `hsqb force-unlock`, not here.
pub async fn remove(store: &Store, key: &EntryKey) -> Result<bool, StateError> {
    match key {
        EntryKey::Baseline(k) => {
            let mut found = false;
            store
                .update(|d| found = d.baselines.remove(k).is_some())
                .await?;
            Ok(found)
        }
        EntryKey::Watermark(k) => {
            let mut found = false;
            store
                .update(|d| found = d.watermarks.remove(k).is_some())
                .await?;
            Ok(found)
        }
        EntryKey::LastFullRefresh => {
            let mut found = false;
            store
                .update(|d| found = d.last_full_refresh.take().is_some())
                .await?;
            Ok(found)
        }
        EntryKey::Token(realm) => store.remove_token(realm).await,
        EntryKey::Journal => {
            let had = !store.journal().await?.is_empty();
            store.clear_journal().await?;
            Ok(had)
        }
        EntryKey::Lock => Err(StateError::Backend(
            "the lock is removed with `hsqb force-unlock LOCK_ID`".into(),
        )),
    }
}

/// Everything a store holds (except its lock), for copying and comparing.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    /// Watermarks, baselines, last full refresh.
    pub state: StateData,
    /// Tokens (sealed), versions included.
    pub tokens: TokenData,
    /// Journal entries in order.
    pub journal: Vec<JournalEntry>,
}

impl Snapshot {
    /// Read everything from `store`.
    pub async fn read(store: &Store) -> Result<Snapshot, StateError> {
        Ok(Snapshot {
            state: store.load().await?,
            tokens: store.tokens().await?,
            journal: store.journal().await?,
        })
    }

    /// Whether the snapshot holds nothing.
    pub fn is_empty(&self) -> bool {
        self.state.baselines.is_empty()
            && self.state.watermarks.is_empty()
            && self.state.last_full_refresh.is_none()
            && self.tokens.tokens.is_empty()
            && self.journal.is_empty()
    }
}

/// What [`copy`] moved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CopyReport {
    /// Baselines.
    pub baselines: usize,
    /// Watermarks.
    pub watermarks: usize,
    /// Tokens.
    pub tokens: usize,
    /// Journal entries.
    pub journal_entries: usize,
}

/// Copy everything from `from` into `to` (replacing what `to` holds) and
/// verify by reading it back: the copy is lossless or an error. The caller
/// holds both locks. `from` is left as it was.
pub async fn copy(from: &Store, to: &Store) -> Result<CopyReport, StateError> {
    let snap = Snapshot::read(from).await?;
    to.save(&snap.state).await?;
    to.put_tokens(&snap.tokens).await?;
    to.clear_journal().await?;
    for e in &snap.journal {
        to.append_journal(e).await?;
    }
    let back = Snapshot::read(to).await?;
    if back != snap {
        return Err(StateError::Backend(format!(
            "the copy in {} differs from the source after writing; the source {} is unchanged",
            to.describe(),
            from.describe()
        )));
    }
    Ok(CopyReport {
        baselines: snap.state.baselines.len(),
        watermarks: snap.state.watermarks.len(),
        tokens: snap.tokens.tokens.len(),
        journal_entries: snap.journal.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_keys_parse_and_print_back() {
        for s in [
            "baseline:contacts:101:58",
            "watermark:quickbooks:main:Customer",
            "token:9341453050298764",
            "last_full_refresh",
            "journal",
            "lock",
        ] {
            assert_eq!(EntryKey::parse(s).unwrap().to_string(), s);
        }
        assert_eq!(
            EntryKey::parse("baseline:contacts:1:2").unwrap(),
            EntryKey::Baseline("contacts:1:2".into())
        );
        assert!(EntryKey::parse("token:").is_err());
        assert!(EntryKey::parse("lock:x").is_err());
        assert!(
            EntryKey::parse("tokens:1")
                .unwrap_err()
                .contains("unknown state key")
        );
    }
}
