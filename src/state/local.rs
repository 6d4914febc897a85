//! The local-file state store: `state.json` (atomic rewrite, 0600), an
//! append-only `state.json.journal` (JSON lines, fsync per entry) and a
//! `state.json.lock` file created exclusively, holding the holder's identity.

use super::{
    JournalEntry, Liveness, LockHolder, LockStatus, STATE_VERSION, StateData, StateError,
    StoredToken, TokenData, TokenWrite, token_write_accepted,
};
use std::fs::{self, OpenOptions};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Largest state file accepted (a corrupt or hostile file must not exhaust memory).
const MAX_STATE_BYTES: u64 = 1 << 30;

/// Serialises read-modify-write cycles of state files within this process
/// (token rotations from the QBO client can happen while apply records state).
static WRITE_LOCK: Mutex<()> = Mutex::new(());

/// State in local files next to each other.
#[derive(Debug, Clone)]
pub struct LocalStore {
    path: PathBuf,
}

impl LocalStore {
    /// A store at `path` (the directory is created on first write).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        LocalStore { path: path.into() }
    }

    /// The state file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn sibling(&self, suffix: &str) -> PathBuf {
        let mut s = self.path.as_os_str().to_owned();
        s.push(suffix);
        PathBuf::from(s)
    }

    fn io(&self, path: &Path, source: std::io::Error) -> StateError {
        StateError::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    /// Read the state; a missing file is an empty state.
    pub fn load(&self) -> Result<StateData, StateError> {
        let meta = match fs::metadata(&self.path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(StateData {
                    version: STATE_VERSION,
                    ..Default::default()
                });
            }
            Err(e) => return Err(self.io(&self.path, e)),
        };
        if meta.len() > MAX_STATE_BYTES {
            return Err(StateError::Corrupt {
                path: self.path.clone(),
                message: format!("{} bytes is larger than any state hsqb writes", meta.len()),
            });
        }
        let bytes = fs::read(&self.path).map_err(|e| self.io(&self.path, e))?;
        // Fast path: one typed parse (a state with 100k baselines is tens of
        // MB). Only when it fails is the file read again, to say precisely
        // what is wrong: a newer version, not JSON, or the path of the bad value.
        if let Ok(data) = serde_json::from_slice::<StateData>(&bytes) {
            return match data.version {
                v if v == STATE_VERSION => Ok(data),
                v => Err(self.newer_version(u64::from(v))),
            };
        }
        let probe: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| StateError::Corrupt {
            path: self.path.clone(),
            message: format!("{e} (truncated or not JSON); restore a backup or delete it — links live in HubSpot, so a fresh state causes no duplicates"),
        })?;
        match probe.get("version").and_then(|v| v.as_u64()) {
            Some(v) if v == u64::from(STATE_VERSION) => {}
            Some(v) => return Err(self.newer_version(v)),
            None => {
                return Err(StateError::Corrupt {
                    path: self.path.clone(),
                    message: "no `version` field: this is not an hsqb state file".into(),
                });
            }
        }
        let de = &mut serde_json::Deserializer::from_slice(&bytes);
        serde_path_to_error::deserialize(de).map_err(|e| StateError::Corrupt {
            path: self.path.clone(),
            message: format!("at `{}`: {}", e.path(), e.inner()),
        })
    }

    fn newer_version(&self, v: u64) -> StateError {
        StateError::Corrupt {
            path: self.path.clone(),
            message: format!(
                "state version {v} was written by a newer hsqb (this one reads version {STATE_VERSION}); upgrade hsqb"
            ),
        }
    }

    /// Replace the state atomically (temp file, fsync, rename, fsync dir), 0600.
    /// Compact JSON: with 100k two-way baselines the file is tens of MB, and
    /// it is read on every run (`hsqb state show` prints it readably).
    pub fn save(&self, data: &StateData) -> Result<(), StateError> {
        let bytes = if data.version == STATE_VERSION {
            serde_json::to_vec(data)
        } else {
            serde_json::to_vec(&StateData {
                version: STATE_VERSION,
                ..data.clone()
            })
        }
        .map_err(|e| StateError::Backend(e.to_string()))?;
        write_private_atomic(&self.path, &bytes).map_err(|e| self.io(&self.path, e))
    }

    /// Read-modify-write the state.
    pub fn update(&self, f: impl FnOnce(&mut StateData)) -> Result<(), StateError> {
        let _guard = WRITE_LOCK.lock().unwrap_or_else(|e| e.into_inner());
        let mut data = self.load()?;
        f(&mut data);
        self.save(&data)
    }

    /// Stored refresh tokens (`<state>.tokens`).
    pub fn load_tokens(&self) -> Result<TokenData, StateError> {
        let path = self.sibling(".tokens");
        match fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| StateError::Corrupt {
                path,
                message: format!(
                    "{e}; delete it to fall back to the refresh token in the manifest's environment"
                ),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(TokenData {
                version: STATE_VERSION,
                ..Default::default()
            }),
            Err(e) => Err(self.io(&path, e)),
        }
    }

    /// Store one token (atomic, 0600) under the compare-and-set rule of
    /// [`super::Store::save_token`]; the process-wide write lock makes the
    /// read-compare-write atomic for this process, the lock of `apply` for others.
    pub fn save_token(
        &self,
        realm: &str,
        token: StoredToken,
        expected: u64,
    ) -> Result<TokenWrite, StateError> {
        let _guard = WRITE_LOCK.lock().unwrap_or_else(|e| e.into_inner());
        let mut data = self.load_tokens()?;
        let current = data.tokens.get(realm);
        if !token_write_accepted(current, expected, &token) {
            return Ok(TokenWrite::Superseded {
                version: current.map_or(0, |c| c.version),
            });
        }
        let version = current.map_or(0, |c| c.version) + 1;
        data.tokens
            .insert(realm.to_string(), StoredToken { version, ..token });
        self.write_tokens(&data)?;
        Ok(TokenWrite::Stored { version })
    }

    /// Replace every token as is (versions included).
    pub fn put_tokens(&self, data: &TokenData) -> Result<(), StateError> {
        let _guard = WRITE_LOCK.lock().unwrap_or_else(|e| e.into_inner());
        self.write_tokens(data)
    }

    /// Forget one realm's token.
    pub fn remove_token(&self, realm: &str) -> Result<bool, StateError> {
        let _guard = WRITE_LOCK.lock().unwrap_or_else(|e| e.into_inner());
        let mut data = self.load_tokens()?;
        let had = data.tokens.remove(realm).is_some();
        if had {
            self.write_tokens(&data)?;
        }
        Ok(had)
    }

    fn write_tokens(&self, data: &TokenData) -> Result<(), StateError> {
        let mut data = data.clone();
        data.version = STATE_VERSION;
        let path = self.sibling(".tokens");
        let bytes =
            serde_json::to_vec_pretty(&data).map_err(|e| StateError::Backend(e.to_string()))?;
        write_private_atomic(&path, &bytes).map_err(|e| self.io(&path, e))
    }

    /// Take the lock (see [`super::Store::lock`]).
    pub async fn lock(
        &self,
        holder: &LockHolder,
        timeout: Duration,
    ) -> Result<Option<LockHolder>, StateError> {
        let lock = self.sibling(".lock");
        if let Some(dir) = lock.parent().filter(|d| !d.as_os_str().is_empty()) {
            fs::create_dir_all(dir).map_err(|e| self.io(dir, e))?;
        }
        let started = Instant::now();
        let body = serde_json::to_vec(holder).map_err(|e| StateError::Backend(e.to_string()))?;
        loop {
            match self.create_lock(&lock, &body) {
                Ok(()) => return Ok(None),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let current = self.lock_info()?;
                    match current {
                        Some(cur) if is_stale(&cur) => {
                            // The holder died on this host: take over. Removing and
                            // re-creating (rather than overwriting) keeps the
                            // exclusive-create race safe against another taker.
                            let _ = fs::remove_file(&lock);
                            if self.create_lock(&lock, &body).is_ok() {
                                return Ok(Some(cur));
                            }
                        }
                        Some(cur) if started.elapsed() >= timeout => {
                            return Err(StateError::Locked { holder: cur });
                        }
                        None if started.elapsed() >= timeout => {
                            return Err(StateError::Backend(format!(
                                "could not create lock file {}",
                                lock.display()
                            )));
                        }
                        _ => {}
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => return Err(self.io(&lock, e)),
            }
        }
    }

    /// Create the lock file with `body`, exclusively and atomically: the
    /// holder is written to a private temp file first and then hard-linked
    /// into place (which fails if the lock exists). A process killed at any
    /// point therefore leaves either no lock or a complete, parseable one —
    /// never an empty lock file that only `force-unlock` could remove.
    fn create_lock(&self, lock: &Path, body: &[u8]) -> std::io::Result<()> {
        let tmp = self.sibling(&format!(".lock.tmp.{}", std::process::id()));
        let write = || -> std::io::Result<()> {
            let mut f = OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .open(&tmp)?;
            set_private(&f);
            f.write_all(body)?;
            f.sync_all()
        };
        let linked = write().and_then(|()| fs::hard_link(&tmp, lock));
        let _ = fs::remove_file(&tmp);
        match linked {
            Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => {
                // A file system without hard links: exclusive create, then write.
                let mut f = OpenOptions::new().write(true).create_new(true).open(lock)?;
                set_private(&f);
                f.write_all(body)?;
                f.sync_all()
            }
            other => other,
        }
    }

    /// Release our lock (only if we still hold it).
    pub fn unlock(&self, holder: &LockHolder) -> Result<(), StateError> {
        if self.lock_info()?.is_some_and(|cur| cur.id == holder.id) {
            let lock = self.sibling(".lock");
            fs::remove_file(&lock).map_err(|e| self.io(&lock, e))?;
        }
        Ok(())
    }

    /// The current holder, if locked.
    pub fn lock_info(&self) -> Result<Option<LockHolder>, StateError> {
        let lock = self.sibling(".lock");
        match fs::read(&lock) {
            Ok(bytes) => {
                serde_json::from_slice(&bytes)
                    .map(Some)
                    .map_err(|e| StateError::Corrupt {
                        path: lock.clone(),
                        message: format!(
                            "{e}; remove it with `hsqb force-unlock` once no apply runs"
                        ),
                    })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(self.io(&lock, e)),
        }
    }

    /// The holder and whether its process still runs (known only on its host).
    pub fn lock_status(&self) -> Result<Option<LockStatus>, StateError> {
        let Some(holder) = self.lock_info()? else {
            return Ok(None);
        };
        let liveness = if is_stale(&holder) {
            Liveness::Stale(format!(
                "process {} no longer runs on {}",
                holder.pid, holder.host
            ))
        } else if holder.host == this_host() {
            Liveness::Alive
        } else {
            Liveness::Unknown(format!(
                "held from another host ({}); check that run before force-unlocking",
                holder.host
            ))
        };
        Ok(Some(LockStatus { holder, liveness }))
    }

    /// Remove the lock if its id is `id`.
    pub fn force_unlock(&self, id: &str) -> Result<LockHolder, StateError> {
        let lock = self.sibling(".lock");
        match self.lock_info() {
            Ok(Some(cur)) if cur.id == id => {
                fs::remove_file(&lock).map_err(|e| self.io(&lock, e))?;
                Ok(cur)
            }
            Ok(Some(cur)) => Err(StateError::WrongLock {
                id: id.to_string(),
                current: cur.to_string(),
            }),
            Ok(None) => Err(StateError::WrongLock {
                id: id.to_string(),
                current: "none".into(),
            }),
            Err(StateError::Corrupt { .. }) => {
                // An unreadable lock file can only be removed by force.
                fs::remove_file(&lock).map_err(|e| self.io(&lock, e))?;
                Ok(LockHolder {
                    id: id.into(),
                    host: "?".into(),
                    pid: 0,
                    since: Default::default(),
                    command: "?".into(),
                })
            }
            Err(e) => Err(e),
        }
    }

    /// Append one journal line and fsync it.
    pub fn append_journal(&self, e: &JournalEntry) -> Result<(), StateError> {
        let path = self.sibling(".journal");
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            fs::create_dir_all(dir).map_err(|err| self.io(dir, err))?;
        }
        let mut line = serde_json::to_vec(e).map_err(|err| StateError::Backend(err.to_string()))?;
        line.push(b'\n');
        let mut f = OpenOptions::new()
            .create(true)
            .read(true)
            .append(true)
            .open(&path)
            .map_err(|err| self.io(&path, err))?;
        set_private(&f);
        drop_torn_tail(&f).map_err(|err| self.io(&path, err))?;
        f.write_all(&line)
            .and_then(|_| f.sync_data())
            .map_err(|err| self.io(&path, err))
    }

    /// Read the journal. A torn last line (the process died mid-write) is
    /// ignored; any other bad line is an error.
    pub fn journal(&self) -> Result<Vec<JournalEntry>, StateError> {
        let path = self.sibling(".journal");
        let f = match fs::File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(self.io(&path, e)),
        };
        let lines: Vec<String> = std::io::BufReader::new(f)
            .lines()
            .collect::<Result<_, _>>()
            .map_err(|e| self.io(&path, e))?;
        let mut out = Vec::new();
        let n = lines.len();
        for (i, line) in lines.into_iter().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            match serde_json::from_str(&line) {
                Ok(e) => out.push(e),
                Err(_) if i + 1 == n => break,
                Err(e) => {
                    return Err(StateError::Corrupt {
                        path: path.clone(),
                        message: format!("line {}: {e}", i + 1),
                    });
                }
            }
        }
        Ok(out)
    }

    /// Remove the journal.
    pub fn clear_journal(&self) -> Result<(), StateError> {
        let path = self.sibling(".journal");
        match fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(self.io(&path, e)),
        }
    }
}

/// A process that died mid-append leaves a last line without its newline.
/// Reading tolerates it only as the *last* line, so before appending after it
/// the fragment is cut off (the caller holds the state lock: no other writer);
/// otherwise the next entry would be glued to it and the journal would stop
/// parsing for good.
fn drop_torn_tail(f: &fs::File) -> std::io::Result<()> {
    use std::io::{Read, Seek, SeekFrom};
    let len = f.metadata()?.len();
    if len == 0 {
        return Ok(());
    }
    let mut r = f;
    let mut last = [0u8; 1];
    r.seek(SeekFrom::Start(len - 1))?;
    r.read_exact(&mut last)?;
    if last[0] == b'\n' {
        return Ok(());
    }
    // Find the end of the last complete line (scan back in chunks).
    let mut end = len;
    let mut keep = 0;
    let mut buf = vec![0u8; 4096];
    while end > 0 {
        let start = end.saturating_sub(buf.len() as u64);
        let n = (end - start) as usize;
        r.seek(SeekFrom::Start(start))?;
        r.read_exact(&mut buf[..n])?;
        if let Some(i) = buf[..n].iter().rposition(|b| *b == b'\n') {
            keep = start + i as u64 + 1;
            break;
        }
        end = start;
    }
    f.set_len(keep)?;
    f.sync_data()
}

/// Whether the holder is a dead process on this host.
fn is_stale(holder: &LockHolder) -> bool {
    holder.host == this_host() && holder.pid != std::process::id() && !process_alive(holder.pid)
}

fn this_host() -> String {
    hostname::get()
        .ok()
        .and_then(|h| h.into_string().ok())
        .unwrap_or_default()
}

#[cfg(unix)]
fn process_alive(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists() || {
        // Without /proc, assume alive (never steal a live lock).
        !Path::new("/proc/self").exists()
    }
}

#[cfg(not(unix))]
fn process_alive(_pid: u32) -> bool {
    true
}

fn set_private(f: &fs::File) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = f.set_permissions(fs::Permissions::from_mode(0o600));
    }
    #[cfg(not(unix))]
    let _ = f;
}

/// Write `bytes` to `path` atomically with 0600 permissions.
pub(crate) fn write_private_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&dir)?;
    let tmp = dir.join(format!(
        ".{}.tmp.{}",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("state"),
        std::process::id()
    ));
    {
        let mut f = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)?;
        set_private(&f);
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    fs::rename(&tmp, path)?;
    if let Ok(d) = fs::File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::JournalPhase;

    fn holder(cmd: &str) -> LockHolder {
        LockHolder::this_process(cmd, chrono::Utc::now())
    }

    #[test]
    fn round_trip_atomic_and_private() {
        let dir = tempfile::tempdir().unwrap();
        let s = LocalStore::new(dir.path().join("sub/state.json"));
        assert_eq!(s.load().unwrap().version, STATE_VERSION);
        let mut d = StateData::default();
        d.watermarks
            .insert("hubspot:contacts".into(), chrono::Utc::now());
        s.save(&d).unwrap();
        let back = s.load().unwrap();
        assert_eq!(back.watermarks, d.watermarks);
        s.save_token(
            "1",
            StoredToken {
                sealed: "x".into(),
                received_at: chrono::Utc::now(),
                origin: None,
                version: 0,
            },
            0,
        )
        .unwrap();
        assert_eq!(s.load_tokens().unwrap().tokens["1"].sealed, "x");
        s.update(|d| d.last_full_refresh = Some(chrono::Utc::now()))
            .unwrap();
        assert!(s.load().unwrap().last_full_refresh.is_some());
        assert_eq!(s.load_tokens().unwrap().tokens.len(), 1);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(s.path()).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
    }

    #[test]
    fn corrupt_and_future_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("state.json");
        let s = LocalStore::new(&p);
        fs::write(&p, b"{\"version\": 1, \"watermarks\": {").unwrap();
        assert!(s.load().unwrap_err().to_string().contains("truncated"));
        fs::write(&p, b"{\"version\": 9}").unwrap();
        assert!(s.load().unwrap_err().to_string().contains("newer hsqb"));
        fs::write(&p, b"{\"version\": 1, \"baselines\": 5}").unwrap();
        assert!(s.load().unwrap_err().to_string().contains("baselines"));
        fs::write(&p, b"\xff\xfe garbage").unwrap();
        assert!(s.load().is_err());
    }

    #[tokio::test]
    async fn lock_excludes_then_releases_and_force_unlocks() {
        let dir = tempfile::tempdir().unwrap();
        let s = LocalStore::new(dir.path().join("state.json"));
        let a = holder("apply");
        assert!(s.lock(&a, Duration::ZERO).await.unwrap().is_none());
        let b = holder("apply");
        match s.lock(&b, Duration::from_millis(250)).await {
            Err(StateError::Locked { holder }) => assert_eq!(holder.id, a.id),
            other => panic!("expected Locked, got {other:?}"),
        }
        assert!(matches!(
            s.force_unlock("nope"),
            Err(StateError::WrongLock { .. })
        ));
        s.unlock(&a).unwrap();
        assert!(s.lock(&b, Duration::ZERO).await.unwrap().is_none());
        assert_eq!(s.force_unlock(&b.id).unwrap().id, b.id);
        assert!(s.lock_info().unwrap().is_none());
    }

    #[tokio::test]
    async fn a_dead_holder_on_this_host_is_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        let s = LocalStore::new(dir.path().join("state.json"));
        let mut dead = holder("apply");
        dead.pid = u32::MAX - 7; // no such process
        s.lock(&dead, Duration::ZERO).await.unwrap();
        let me = holder("apply");
        let stale = s.lock(&me, Duration::ZERO).await.unwrap();
        assert_eq!(stale.unwrap().id, dead.id);
        assert_eq!(s.lock_info().unwrap().unwrap().id, me.id);
    }

    #[test]
    fn journal_appends_and_tolerates_a_torn_tail() {
        let dir = tempfile::tempdir().unwrap();
        let s = LocalStore::new(dir.path().join("state.json"));
        let e = JournalEntry {
            run: "r".into(),
            changes: vec!["c1".into()],
            phase: JournalPhase::Intent,
            results: Default::default(),
            at: chrono::Utc::now(),
        };
        s.append_journal(&e).unwrap();
        s.append_journal(&JournalEntry {
            phase: JournalPhase::Done,
            ..e.clone()
        })
        .unwrap();
        let mut f = OpenOptions::new()
            .append(true)
            .open(s.sibling(".journal"))
            .unwrap();
        f.write_all(b"{\"run\":\"r\",\"chan").unwrap();
        let j = s.journal().unwrap();
        assert_eq!(j.len(), 2);
        assert_eq!(j[1].phase, JournalPhase::Done);
        // Appending after a torn tail drops the fragment instead of gluing to it.
        s.append_journal(&e).unwrap();
        let j = s.journal().unwrap();
        assert_eq!(j.len(), 3);
        assert_eq!(j[2], e);
        s.clear_journal().unwrap();
        assert!(s.journal().unwrap().is_empty());
    }
}
