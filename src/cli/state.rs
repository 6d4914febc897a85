//! `hsqb state list | show KEY | rm KEY | migrate`: inspect and edit the state
//! store, and move it between backends. Secrets (refresh tokens, the database
//! password) are never printed: tokens appear as realm, version and time only.

use super::{CliError, Output, common, exit};
use crate::manifest::LoadedManifest;
use crate::secret::Secret;
use crate::state::inspect::{self, EntryKey, StateSummary};
use crate::state::{
    LocalStore, LockHolder, PostgresOptions, PostgresStore, StateError, Store, default_state_key,
};
use std::io::{BufRead, IsTerminal};
use std::path::{Path, PathBuf};

/// One-line help.
pub const ABOUT: &str = "Inspect, edit and migrate the state store (watermarks, baselines, tokens)";

/// `--help` text.
pub const LONG_ABOUT: &str = "The state store remembers watermarks (for incremental refresh), \
two-way baselines, rotated QuickBooks refresh tokens (encrypted), the apply journal and the lock. \
Losing it never causes duplicates (links live in HubSpot); it only makes the next run slower.

Keys for `show` and `rm`: baseline:BLOCK:HUBSPOT_ID:QBO_ID, watermark:SOURCE, token:REALM, \
last_full_refresh, journal, lock. Token values are never shown.

Examples:
  hsqb state list
  hsqb state show watermark:hubspot:contacts
  hsqb state rm watermark:hubspot:contacts --yes      # next plan reads contacts in full
  hsqb state migrate --from local --to postgres        # uses state.url or $DATABASE_URL";

/// Arguments of `hsqb state`.
#[derive(Debug, Clone, clap::Args)]
pub struct StateArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: StateCommand,
}

/// `hsqb state` subcommands.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum StateCommand {
    /// Summarise the state: baselines, watermarks, last full refresh, lock, tokens.
    List(ListArgs),
    /// Print one entry as JSON.
    Show(ShowArgs),
    /// Remove one entry (asks for confirmation unless --yes).
    Rm(RmArgs),
    /// Copy the whole state between backends, losslessly (verified).
    Migrate(MigrateArgs),
}

/// `state list`.
#[derive(Debug, Clone, clap::Args)]
pub struct ListArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
}

/// `state list` formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ListFormat {
    /// Human text.
    Text,
    /// JSON.
    Json,
}

/// `state show`.
#[derive(Debug, Clone, clap::Args)]
pub struct ShowArgs {
    /// The entry (e.g. `watermark:hubspot:contacts`, `baseline:contacts:101:58`, `token:REALM`).
    pub key: String,
}

/// `state rm`.
#[derive(Debug, Clone, clap::Args)]
pub struct RmArgs {
    /// The entry (e.g. `watermark:hubspot:contacts`).
    pub key: String,
    /// Do not ask for confirmation.
    #[arg(long, short = 'y')]
    pub yes: bool,
}

/// `state migrate`.
#[derive(Debug, Clone, clap::Args)]
pub struct MigrateArgs {
    /// Backend to copy from.
    #[arg(long, value_enum)]
    pub from: BackendArg,
    /// Backend to copy to (its current content is replaced).
    #[arg(long, value_enum)]
    pub to: BackendArg,
    /// Local state file (default: the manifest's `state.path` or `.hsqb/state.json`).
    #[arg(long, value_name = "FILE")]
    pub local_path: Option<PathBuf>,
    /// Environment variable holding the postgres URL when the manifest has no
    /// `state.url`.
    #[arg(long, value_name = "VAR", default_value = "DATABASE_URL")]
    pub database_url_env: String,
    /// Replace a target that already holds state.
    #[arg(long)]
    pub force: bool,
}

/// Backends for `migrate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BackendArg {
    /// The local state file.
    Local,
    /// PostgreSQL.
    Postgres,
}

/// Run `hsqb state …`.
pub fn run(file: &Path, args: &StateArgs, out: &Output) -> Result<u8, CliError> {
    let loaded = common::load_manifest(file, out)?;
    let rt = common::runtime()?;
    rt.block_on(async {
        match &args.command {
            StateCommand::List(a) => {
                let store = common::open_store(&loaded).await?;
                let s = inspect::summary(&store).await.map_err(state_err)?;
                match a.format {
                    ListFormat::Json => out.data(&format!(
                        "{}\n",
                        serde_json::to_string_pretty(&s)
                            .map_err(|e| CliError::new(e.to_string()))?
                    )),
                    ListFormat::Text => out.data(&render_summary(&s)),
                }
                Ok(exit::OK)
            }
            StateCommand::Show(a) => {
                let key = EntryKey::parse(&a.key).map_err(CliError::usage)?;
                let store = common::open_store(&loaded).await?;
                match inspect::show(&store, &key).await.map_err(state_err)? {
                    Some(v) => {
                        out.data(&format!(
                            "{}\n",
                            serde_json::to_string_pretty(&v)
                                .map_err(|e| CliError::new(e.to_string()))?
                        ));
                        Ok(exit::OK)
                    }
                    None => Err(CliError::new(format!("no `{key}` in the state"))
                        .hint("`hsqb state list` shows what the state holds")),
                }
            }
            StateCommand::Rm(a) => {
                let key = EntryKey::parse(&a.key).map_err(CliError::usage)?;
                if key == EntryKey::Lock {
                    return Err(CliError::usage(
                        "the lock is removed with `hsqb force-unlock LOCK_ID`",
                    ));
                }
                let store = common::open_store(&loaded).await?;
                if inspect::show(&store, &key)
                    .await
                    .map_err(state_err)?
                    .is_none()
                    && key != EntryKey::Journal
                {
                    return Err(CliError::new(format!("no `{key}` in the state"))
                        .hint("`hsqb state list` shows what the state holds"));
                }
                if !a.yes {
                    confirm(out, &format!("Remove `{key}` from {}?", store.describe()))?;
                }
                with_lock(&store, "state rm", async {
                    let removed = inspect::remove(&store, &key).await.map_err(state_err)?;
                    out.data(&if removed {
                        format!("Removed `{key}`.\n")
                    } else {
                        format!("`{key}` was already absent.\n")
                    });
                    Ok(exit::OK)
                })
                .await
            }
            StateCommand::Migrate(a) => migrate(&loaded, a, out).await,
        }
    })
}

async fn migrate(loaded: &LoadedManifest, a: &MigrateArgs, out: &Output) -> Result<u8, CliError> {
    if a.from == a.to {
        return Err(CliError::usage("--from and --to name the same backend"));
    }
    let from = open_backend(loaded, a.from, a).await?;
    let to = open_backend(loaded, a.to, a).await?;
    let target = inspect::Snapshot::read(&to).await.map_err(state_err)?;
    if !target.is_empty() && !a.force {
        return Err(CliError::new(format!(
            "{} already holds state; nothing was copied",
            to.describe()
        ))
        .hint("add --force to replace it"));
    }
    with_lock(&from, "state migrate", async {
        with_lock(&to, "state migrate", async {
            let report = inspect::copy(&from, &to).await.map_err(state_err)?;
            out.data(&format!(
                "Copied {} baseline(s), {} watermark(s), {} token(s) and {} journal entr{} from {} to {}; verified identical.\n",
                report.baselines,
                report.watermarks,
                report.tokens,
                report.journal_entries,
                if report.journal_entries == 1 { "y" } else { "ies" },
                from.describe(),
                to.describe()
            ));
            let backend = match a.to {
                BackendArg::Local => "local",
                BackendArg::Postgres => "postgres",
            };
            out.diag(&format!(
                "Next: set `state: {{backend: {backend}}}` in the manifest. The old state was left as it was.\n"
            ));
            Ok(exit::OK)
        })
        .await
    })
    .await
}

async fn open_backend(
    loaded: &LoadedManifest,
    which: BackendArg,
    a: &MigrateArgs,
) -> Result<Store, CliError> {
    match which {
        BackendArg::Local => Ok(Store::Local(LocalStore::new(
            a.local_path.clone().unwrap_or_else(|| loaded.state_path()),
        ))),
        BackendArg::Postgres => {
            let url = match &loaded.manifest.state.url {
                Some(u) => u.secret.clone(),
                None => match std::env::var(&a.database_url_env) {
                    Ok(v) if !v.trim().is_empty() => Secret::new(v),
                    _ => {
                        return Err(CliError::new(format!(
                            "no postgres URL: the manifest has no `state.url` and ${} is not set",
                            a.database_url_env
                        ))
                        .hint("export DATABASE_URL=postgres://user:password@host:5432/db, or name another variable with --database-url-env"));
                    }
                },
            };
            PostgresStore::connect(PostgresOptions::new(
                url,
                default_state_key(&loaded.manifest),
            ))
            .await
            .map(Store::Postgres)
            .map_err(state_err)
        }
    }
}

/// Run `f` holding the store's lock (so no apply runs meanwhile).
async fn with_lock<F>(store: &Store, command: &str, f: F) -> Result<u8, CliError>
where
    F: std::future::Future<Output = Result<u8, CliError>>,
{
    let holder = LockHolder::this_process(command, chrono::Utc::now());
    match store.lock(&holder, std::time::Duration::ZERO).await {
        Ok(_) => {}
        Err(StateError::Locked { holder: h }) => {
            return Err(
                CliError::new(format!("the state is locked: {h}")).hint(format!(
                    "wait for that run to finish, or if it is dead: hsqb force-unlock {}",
                    h.id
                )),
            );
        }
        Err(e) => return Err(state_err(e)),
    }
    let r = f.await;
    let _ = store.unlock(&holder).await;
    r
}

fn state_err(e: StateError) -> CliError {
    CliError::new(e.to_string())
}

fn confirm(out: &Output, question: &str) -> Result<(), CliError> {
    if !std::io::stdin().is_terminal() {
        return Err(CliError::new(
            "refusing to change the state without confirmation: stdin is not a terminal",
        )
        .hint("add --yes"));
    }
    out.diag(&format!("{question} Only 'yes' will be accepted: "));
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| CliError::new(format!("reading the answer: {e}")))?;
    if line.trim() == "yes" {
        Ok(())
    } else {
        Err(CliError::new("cancelled; nothing was changed"))
    }
}

fn ts(t: &chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The text form of `state list`.
pub fn render_summary(s: &StateSummary) -> String {
    let mut o = String::new();
    o.push_str(&format!("State: {} ({})\n", s.location, s.backend));
    let per_block: Vec<String> = s
        .baselines
        .iter()
        .map(|(b, n)| format!("{b} {n}"))
        .collect();
    o.push_str(&format!(
        "Baselines (linked pairs with recorded values): {}{}\n",
        s.baselines_total,
        if per_block.is_empty() {
            String::new()
        } else {
            format!(" ({})", per_block.join(", "))
        }
    ));
    if s.watermarks.is_empty() {
        o.push_str("Watermarks: none (the next plan reads everything)\n");
    } else {
        o.push_str("Watermarks:\n");
        for (k, v) in &s.watermarks {
            o.push_str(&format!("  watermark:{k}  {}\n", ts(v)));
        }
    }
    o.push_str(&format!(
        "Last full refresh: {}\n",
        s.last_full_refresh.as_ref().map_or("never".to_string(), ts)
    ));
    match &s.lock {
        None => o.push_str("Lock: free\n"),
        Some(l) => {
            o.push_str(&format!(
                "Lock: {} held by `hsqb {}` (pid {} on {}) since {} — {}",
                l.id,
                l.command,
                l.pid,
                l.host,
                ts(&l.since),
                l.liveness
            ));
            if let Some(d) = &l.detail {
                o.push_str(&format!(": {d}"));
            }
            o.push('\n');
        }
    }
    if s.tokens.is_empty() {
        o.push_str("Refresh tokens: none stored (the manifest's are used)\n");
    } else {
        o.push_str("Refresh tokens (encrypted; values never shown):\n");
        for t in &s.tokens {
            o.push_str(&format!(
                "  token:{}  version {}, received {}\n",
                t.realm,
                t.version,
                ts(&t.received_at)
            ));
        }
    }
    o.push_str(&format!(
        "Journal: {}\n",
        if s.journal_entries == 0 {
            "empty".to_string()
        } else {
            format!(
                "{} entries (an apply was interrupted; the next apply of the same plan resumes)",
                s.journal_entries
            )
        }
    ));
    o
}
