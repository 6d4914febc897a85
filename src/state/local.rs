//! The local-file state store: `state.json` (watermarks; atomic rewrite,
//! 0600), `state.json.baselines` (two-way baselines, rewritten only when they
//! change), an append-only `state.json.journal` (JSON lines, fsync per entry) and a
//! `state.json.lock` file created exclusively, holding the holder's identity.

use super::{
    JournalEntry, Liveness, LockHolder, LockStatus, STATE_VERSION, StateData, StateDelta,
    StateError, StoredToken, TokenData, TokenWrite, token_write_accepted,
};
use crate::plan::BaselineEntry;
use std::collections::BTreeMap;
use std::fs::{self, OpenOptions};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Version of the local files: 2 keeps the baselines in their own file
/// (`state.json.baselines`); version-1 files (baselines inline) are read and
/// rewritten as version 2 on the next write.
pub const LOCAL_FORMAT_VERSION: u32 = 2;

/// Local file versions this hsqb reads.
const READABLE_VERSIONS: [u32; 2] = [1, LOCAL_FORMAT_VERSION];

fn newer_version(v: u64) -> String {
    format!(
        "state version {v} was written by a newer hsqb (this one reads versions 1 and {LOCAL_FORMAT_VERSION}); upgrade hsqb"
    )
}

/// A parsed file that carries its format version.
trait Versioned {
    fn version(&self) -> u32;
}

impl Versioned for StateData {
    fn version(&self) -> u32 {
        self.version
    }
}

/// `state.json.baselines`.
#[derive(serde::Deserialize)]
struct BaselineFile {
    version: u32,
    baselines: BTreeMap<String, BaselineEntry>,
}

impl Versioned for BaselineFile {
    fn version(&self) -> u32 {
        self.version
    }
}

#[derive(serde::Serialize)]
struct BaselineFileRef<'a> {
    version: u32,
    baselines: &'a BTreeMap<String, BaselineEntry>,
}

/// `state.json` as written (the baselines are in their own file).
#[derive(serde::Serialize)]
struct MetaFileRef<'a> {
    version: u32,
    watermarks: &'a BTreeMap<String, chrono::DateTime<chrono::Utc>>,
    last_full_refresh: Option<chrono::DateTime<chrono::Utc>>,
}

/// Largest state file accepted (a corrupt or hostile file must not exhaust memory).
const MAX_STATE_BYTES: u64 = 1 << 30;

/// Serialises read-modify-write cycles of state files within this process
/// (token rotations from the QBO client can happen while apply records state).
static WRITE_LOCK: Mutex<()> = Mutex::new(());

/// State in local files next to each other.
#[derive(Debug, Clone)]
pub struct LocalStore {
    path: PathBuf,
    kept: Arc<Mutex<KeptBaselines>>,
}

/// What identifies one version of a file: a rewrite (temp file + rename)
/// changes the inode, and any write the size or the modification time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: Option<std::time::SystemTime>,
    ino: u64,
}

fn stamp(path: &Path) -> Option<Stamp> {
    let m = fs::metadata(path).ok()?;
    #[cfg(unix)]
    let ino = std::os::unix::fs::MetadataExt::ino(&m);
    #[cfg(not(unix))]
    let ino = 0;
    Some(Stamp {
        len: m.len(),
        modified: m.modified().ok(),
        ino,
    })
}

/// Baselines a caller read and handed back ([`LocalStore::keep_baselines`]),
/// with the stamp of the file they came from: the apply that planned with
/// them records its changes without reading 100k baselines a second time,
/// unless the file changed meanwhile.
#[derive(Default)]
struct KeptBaselines {
    /// Stamp of the baselines file at the last read (`None` inside: absent).
    last_read: Option<Option<Stamp>>,
    /// Baselines handed back, with the stamp they were read at.
    kept: Option<(Option<Stamp>, BTreeMap<String, BaselineEntry>)>,
}

impl std::fmt::Debug for KeptBaselines {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeptBaselines")
            .field("kept", &self.kept.as_ref().map(|(_, b)| b.len()))
            .finish()
    }
}

impl LocalStore {
    /// A store at `path` (the directory is created on first write).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        LocalStore {
            path: path.into(),
            kept: Arc::default(),
        }
    }

    /// Hand back the baselines [`LocalStore::load_baselines`] returned (after
    /// planning with them), so that [`LocalStore::record`] can use them
    /// instead of reading the file again — if it has not changed since.
    ///
    /// Pairs with exactly one [`LocalStore::load_baselines`]: without a read
    /// before it, or a second time, it keeps nothing.
    pub fn keep_baselines(&self, baselines: BTreeMap<String, BaselineEntry>) {
        let mut k = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(at) = k.last_read.take() {
            k.kept = Some((at, baselines));
        }
    }

    /// The kept baselines, if the file is still the one they were read from.
    fn take_kept(&self) -> Option<BTreeMap<String, BaselineEntry>> {
        let mut k = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        let (at, baselines) = k.kept.take()?;
        (at == stamp(&self.sibling(".baselines"))).then_some(baselines)
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

    /// Read the state, baselines included; a missing file is an empty state.
    pub fn load(&self) -> Result<StateData, StateError> {
        let mut data = self.load_meta()?;
        if data.baselines.is_empty() {
            data.baselines = self.read_baselines()?;
        }
        Ok(data)
    }

    /// Read `state.json` only: watermarks and the last full refresh. The
    /// baselines live apart (`state.json.baselines`) and come back empty,
    /// unless a version-1 file still holds them inline.
    pub fn load_meta(&self) -> Result<StateData, StateError> {
        let Some(bytes) = self.read_capped(&self.path)? else {
            return Ok(StateData {
                version: STATE_VERSION,
                ..Default::default()
            });
        };
        let mut data: StateData = self.parse_versioned(&self.path, &bytes)?;
        data.version = STATE_VERSION;
        Ok(data)
    }

    /// Read the two-way baselines (`state.json.baselines`; empty when none
    /// were written yet or a version-1 `state.json` holds them inline).
    pub fn load_baselines(&self) -> Result<BTreeMap<String, BaselineEntry>, StateError> {
        let at = stamp(&self.sibling(".baselines"));
        let baselines = self.read_baselines()?;
        self.kept
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .last_read = Some(at);
        Ok(baselines)
    }

    fn read_baselines(&self) -> Result<BTreeMap<String, BaselineEntry>, StateError> {
        let path = self.sibling(".baselines");
        match self.read_capped(&path)? {
            Some(bytes) => Ok(self
                .parse_versioned::<BaselineFile>(&path, &bytes)?
                .baselines),
            None => Ok(self.load_meta()?.baselines),
        }
    }

    fn read_capped(&self, path: &Path) -> Result<Option<Vec<u8>>, StateError> {
        let meta = match fs::metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(self.io(path, e)),
        };
        if meta.len() > MAX_STATE_BYTES {
            return Err(StateError::Corrupt {
                path: path.to_path_buf(),
                message: format!("{} bytes is larger than any state hsqb writes", meta.len()),
            });
        }
        fs::read(path).map(Some).map_err(|e| self.io(path, e))
    }

    /// Parse a state file of a version this hsqb reads (1 or 2).
    fn parse_versioned<T: serde::de::DeserializeOwned + Versioned>(
        &self,
        path: &Path,
        bytes: &[u8],
    ) -> Result<T, StateError> {
        let corrupt = |message: String| StateError::Corrupt {
            path: path.to_path_buf(),
            message,
        };
        // Fast path: one typed parse (baselines of 100k pairs are tens of
        // MB). Only when it fails is the file read again, to say precisely
        // what is wrong: a newer version, not JSON, or the path of the bad value.
        if let Ok(data) = serde_json::from_slice::<T>(bytes) {
            return match data.version() {
                v if READABLE_VERSIONS.contains(&v) => Ok(data),
                v => Err(corrupt(newer_version(u64::from(v)))),
            };
        }
        let probe: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
            corrupt(format!("{e} (truncated or not JSON); restore a backup or delete it — links live in HubSpot, so a fresh state causes no duplicates"))
        })?;
        match probe.get("version").and_then(|v| v.as_u64()) {
            Some(v) if READABLE_VERSIONS.iter().any(|r| u64::from(*r) == v) => {}
            Some(v) => return Err(corrupt(newer_version(v))),
            None => {
                return Err(corrupt(
                    "no `version` field: this is not an hsqb state file".into(),
                ));
            }
        }
        let de = &mut serde_json::Deserializer::from_slice(bytes);
        serde_path_to_error::deserialize(de)
            .map_err(|e| corrupt(format!("at `{}`: {}", e.path(), e.inner())))
    }

    /// Replace the state atomically (temp file, fsync, rename, fsync dir),
    /// 0600: the baselines file first, then `state.json`. A crash between the
    /// two leaves new baselines with old watermarks, which only makes the
    /// next run re-read changes it then finds equal to their baselines.
    ///
    /// Compact JSON: with 100k two-way baselines the baselines file is tens
    /// of MB (`hsqb state show` prints readably).
    pub fn save(&self, data: &StateData) -> Result<(), StateError> {
        self.save_baselines(&data.baselines)?;
        self.save_meta(data)
    }

    fn save_baselines(
        &self,
        baselines: &BTreeMap<String, BaselineEntry>,
    ) -> Result<(), StateError> {
        let path = self.sibling(".baselines");
        let bytes = serde_json::to_vec(&BaselineFileRef {
            version: LOCAL_FORMAT_VERSION,
            baselines,
        })
        .map_err(|e| StateError::Backend(e.to_string()))?;
        write_private_atomic(&path, &bytes).map_err(|e| self.io(&path, e))
    }

    /// Write `state.json` without baselines (they are in their own file).
    fn save_meta(&self, data: &StateData) -> Result<(), StateError> {
        let bytes = serde_json::to_vec(&MetaFileRef {
            version: LOCAL_FORMAT_VERSION,
            watermarks: &data.watermarks,
            last_full_refresh: data.last_full_refresh,
        })
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

    /// Record what an apply did. Without baseline changes only `state.json`
    /// (watermarks) is read and rewritten: a no-change run over 100k two-way
    /// pairs never touches the baselines file.
    pub fn record(&self, delta: &StateDelta) -> Result<(), StateError> {
        let _guard = WRITE_LOCK.lock().unwrap_or_else(|e| e.into_inner());
        let mut data = self.load_meta()?;
        if delta.touches_baselines() || !data.baselines.is_empty() {
            // Baselines change (or a version-1 file holds them inline and is
            // rewritten in the split layout).
            if data.baselines.is_empty() {
                data.baselines = match self.take_kept() {
                    Some(kept) => kept,
                    None => self.read_baselines()?,
                };
            }
            delta.apply(&mut data);
            return self.save(&data);
        }
        delta.apply(&mut data);
        self.save_meta(&data)
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

    fn baseline(h: &str) -> BaselineEntry {
        BaselineEntry {
            block: crate::plan::Block::Contacts,
            hubspot_id: Some(h.into()),
            qbo_id: Some(format!("q{h}")),
            values: BTreeMap::from([("email".to_string(), format!("{h}@x.test"))]),
            qbo_values: BTreeMap::new(),
            from_created: Vec::new(),
        }
    }

    #[test]
    fn baselines_live_apart_and_are_rewritten_only_when_they_change() {
        let dir = tempfile::tempdir().unwrap();
        let s = LocalStore::new(dir.path().join("state.json"));
        let t0 = chrono::Utc::now();
        s.record(&StateDelta {
            baselines: vec![("k1".into(), baseline("1")), ("k2".into(), baseline("2"))],
            watermarks: BTreeMap::from([("hubspot:contacts".to_string(), t0)]),
            ..Default::default()
        })
        .unwrap();
        let meta = fs::read_to_string(s.path()).unwrap();
        assert!(!meta.contains("baselines"), "{meta}");
        assert_eq!(s.load_meta().unwrap().watermarks["hubspot:contacts"], t0);
        assert!(s.load_meta().unwrap().baselines.is_empty());
        assert_eq!(s.load().unwrap().baselines.len(), 2);

        // No baseline change: the baselines file is neither read nor written
        // (garbage in it goes unnoticed), the watermarks move.
        let bpath = s.sibling(".baselines");
        let good = fs::read(&bpath).unwrap();
        fs::write(&bpath, b"not read").unwrap();
        let t1 = t0 + chrono::Duration::minutes(5);
        s.record(&StateDelta {
            watermarks: BTreeMap::from([("hubspot:contacts".to_string(), t1)]),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(fs::read(&bpath).unwrap(), b"not read");
        assert_eq!(s.load_meta().unwrap().watermarks["hubspot:contacts"], t1);
        assert!(s.load().unwrap_err().to_string().contains("baselines"));
        fs::write(&bpath, good).unwrap();

        // A change: stored, forgotten, the rest kept.
        s.record(&StateDelta {
            baselines: vec![("k3".into(), baseline("3"))],
            forget: vec!["k1".into()],
            ..Default::default()
        })
        .unwrap();
        let keys: Vec<String> = s.load().unwrap().baselines.into_keys().collect();
        assert_eq!(keys, ["k2", "k3"]);
        assert_eq!(s.load().unwrap().watermarks["hubspot:contacts"], t1);
    }

    #[test]
    fn baselines_kept_after_planning_serve_the_record_unless_the_file_changed() {
        let dir = tempfile::tempdir().unwrap();
        let s = LocalStore::new(dir.path().join("state.json"));
        let one = |k: &str, h: &str| StateDelta {
            baselines: vec![(k.into(), baseline(h))],
            ..Default::default()
        };
        s.record(&one("k1", "1")).unwrap();

        // Read, handed back with a marker entry the file does not hold: the
        // record uses the kept map (the marker is written), no second read.
        let mut read = s.load_baselines().unwrap();
        read.insert("kept-marker".into(), baseline("m"));
        s.keep_baselines(read);
        s.record(&one("k2", "2")).unwrap();
        let keys: Vec<String> = s.load().unwrap().baselines.into_keys().collect();
        assert_eq!(keys, ["k1", "k2", "kept-marker"]);

        // Kept, but the file was rewritten meanwhile: the file wins.
        let mut read = s.load_baselines().unwrap();
        read.insert("stale-marker".into(), baseline("s"));
        s.keep_baselines(read);
        LocalStore::new(s.path()).record(&one("k3", "3")).unwrap();
        s.record(&one("k4", "4")).unwrap();
        let keys: Vec<String> = s.load().unwrap().baselines.into_keys().collect();
        assert_eq!(keys, ["k1", "k2", "k3", "k4", "kept-marker"]);

        // Never kept twice: the next record reads the file.
        s.keep_baselines(BTreeMap::new());
        s.record(&one("k5", "5")).unwrap();
        assert_eq!(s.load().unwrap().baselines.len(), 6);
    }

    #[test]
    fn a_version_1_file_with_inline_baselines_is_read_and_split_on_write() {
        let dir = tempfile::tempdir().unwrap();
        let s = LocalStore::new(dir.path().join("state.json"));
        let v1 = serde_json::json!({
            "version": 1,
            "watermarks": {"hubspot:contacts": "2026-01-01T00:00:00Z"},
            "baselines": {"k1": baseline("1")}
        });
        fs::write(s.path(), serde_json::to_vec_pretty(&v1).unwrap()).unwrap();
        assert_eq!(s.load().unwrap().baselines.len(), 1);
        assert_eq!(s.load_baselines().unwrap().len(), 1);
        // A watermark-only record must not drop the inline baselines.
        s.record(&StateDelta {
            watermarks: BTreeMap::from([(
                "quickbooks:main:Customer".to_string(),
                chrono::Utc::now(),
            )]),
            ..Default::default()
        })
        .unwrap();
        assert!(!fs::read_to_string(s.path()).unwrap().contains("\"k1\""));
        let back = s.load().unwrap();
        assert_eq!(back.baselines.len(), 1);
        assert_eq!(back.watermarks.len(), 2);
    }

    #[test]
    fn a_baselines_file_from_a_newer_hsqb_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let s = LocalStore::new(dir.path().join("state.json"));
        fs::write(
            s.sibling(".baselines"),
            b"{\"version\": 3, \"baselines\": {}}",
        )
        .unwrap();
        let e = s.load().unwrap_err().to_string();
        assert!(
            e.contains("newer hsqb") && e.contains("state.json.baselines"),
            "{e}"
        );
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
