//! Shared steps of the commands that talk to the systems: load the manifest,
//! open the state store, connect, refresh and plan.

use super::{CliError, Output};
use crate::connect::{self, Connections};
use crate::manifest::{self, LoadedManifest, StateBackend};
use crate::plan::{self, Block, Plan, PlanInput, PlanOptions, StateView};
use crate::refresh::{self, RefreshRequest};
use crate::state::{
    LocalStore, PostgresOptions, PostgresStore, StateData, Store, default_state_key,
};
use chrono::{DateTime, Utc};
use std::path::Path;

/// Load and validate the manifest; print its warnings.
pub fn load_manifest(file: &Path, out: &Output) -> Result<LoadedManifest, CliError> {
    let env = |name: &str| std::env::var(name).ok();
    match manifest::load(file, &env) {
        Ok(loaded) => {
            if !loaded.warnings.is_empty() {
                out.diag(&loaded.warnings_report().render(out.stderr_color()));
            }
            Ok(loaded)
        }
        Err(report) => Err(CliError::preformatted(report.render(out.stderr_color()))),
    }
}

/// A tokio runtime for one command.
pub fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| CliError::new(format!("cannot start the async runtime: {e}")))
}

/// Open the configured state store (Postgres: connect and migrate).
pub async fn open_store(loaded: &LoadedManifest) -> Result<Store, CliError> {
    match loaded.manifest.state.backend {
        StateBackend::Local => Ok(Store::Local(LocalStore::new(loaded.state_path()))),
        StateBackend::Postgres => {
            let url = loaded.manifest.state.url.as_ref().ok_or_else(|| {
                CliError::new("`state.backend: postgres` needs `state.url`")
                    .hint("add `url: ${DATABASE_URL}` under `state:`")
            })?;
            let opts =
                PostgresOptions::new(url.secret.clone(), default_state_key(&loaded.manifest));
            PostgresStore::connect(opts)
                .await
                .map(Store::Postgres)
                .map_err(|e| {
                    CliError::new(e.to_string()).hint(
                        "check `state.url` (postgres://user:password@host:5432/db?sslmode=require) and that the database is reachable",
                    )
                })
        }
    }
}

/// Connect to both systems (or start the sandbox); rotated refresh tokens go
/// to `store`.
pub async fn connect(loaded: &LoadedManifest, store: &Store) -> Result<Connections, CliError> {
    let opts = connect::ConnectOptions {
        base_dir: loaded.dir.clone(),
        store: Some(store.clone()),
        time_scale: time_scale_from_env(),
    };
    connect::connect(&loaded.manifest, &opts)
        .await
        .map_err(|e| CliError::new(e.to_string()).hint("check the connection settings in the manifest and the environment variables they reference"))
}

/// The hidden `HSQB_TIME_SCALE` variable: tests that run the emulator with a
/// `time_scale` give hsqb the same factor (see `ConnectOptions::time_scale`).
/// Unset, unparsable or non-positive values mean real time.
fn time_scale_from_env() -> f64 {
    std::env::var("HSQB_TIME_SCALE")
        .ok()
        .and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|f| f.is_finite() && *f > 0.0)
        .unwrap_or(1.0)
}

/// Parse `--now` (RFC 3339 or `YYYY-MM-DD`).
pub fn parse_now(s: Option<&str>) -> Result<DateTime<Utc>, CliError> {
    match s {
        None => Ok(Utc::now()),
        Some(s) => crate::model::value::parse_datetime_any(s)
            .map(|d| d.with_timezone(&Utc))
            .map_err(|e| CliError::usage(format!("--now: {e}"))),
    }
}

/// Options shared by `plan` and `apply` (without a plan file).
#[derive(Debug, Clone, clap::Args)]
pub struct PlanningArgs {
    /// Only plan these blocks (repeatable).
    #[arg(long = "target", value_enum, value_name = "BLOCK")]
    pub targets: Vec<TargetArg>,
    /// How to read the systems: `auto` (incremental where the last run left
    /// watermarks, else full), `full`, or `incremental`.
    #[arg(long, value_enum, default_value_t = RefreshArg::Auto)]
    pub refresh: RefreshArg,
    /// The planner's clock (RFC 3339 or YYYY-MM-DD), for reproducible plans.
    #[arg(long, value_name = "TIME")]
    pub now: Option<String>,
}

/// `--target` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TargetArg {
    /// Contacts ⇄ customers.
    Contacts,
    /// Products ⇄ items.
    Products,
    /// QBO invoices → HubSpot.
    Invoices,
    /// Deals → QBO invoices.
    DealInvoices,
}

impl TargetArg {
    pub(super) fn block(self) -> Block {
        match self {
            TargetArg::Contacts => Block::Contacts,
            TargetArg::Products => Block::Products,
            TargetArg::Invoices => Block::Invoices,
            TargetArg::DealInvoices => Block::DealInvoices,
        }
    }
}

/// `--refresh` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RefreshArg {
    /// Incremental where possible.
    Auto,
    /// Read everything.
    Full,
    /// Only changes since the last successful apply.
    Incremental,
}

/// Refresh both systems and compute the plan. `state` comes from
/// [`Store::load_meta`]: the baselines are read from `store` only when the
/// snapshots hold records that may need them (and move into the planner's
/// view uncopied).
pub async fn make_plan(
    loaded: &LoadedManifest,
    conns: &Connections,
    store: &Store,
    mut state: StateData,
    args: &PlanningArgs,
    out: &Output,
) -> Result<Plan, CliError> {
    let now = parse_now(args.now.as_deref())?;
    let request = match args.refresh {
        RefreshArg::Auto => RefreshRequest::Auto,
        RefreshArg::Full => RefreshRequest::Full,
        RefreshArg::Incremental => RefreshRequest::Incremental,
    };
    let spinner = super::progress::RefreshSpinner::start(out, conns);
    let refreshed = refresh::refresh(
        &loaded.manifest,
        conns,
        &state.watermarks,
        state.last_full_refresh,
        request,
        Utc::now(),
    )
    .await;
    spinner.finish();
    let refreshed = refreshed.map_err(|e| {
        CliError::new(e.to_string())
            .hint("nothing was written; fix the cause and run the command again")
    })?;
    let options = PlanOptions {
        now,
        refresh: refreshed.mode,
        targets: args.targets.iter().map(|t| t.block()).collect(),
        manifest_hash: loaded.sha256.clone(),
        target: conns.target.clone(),
        watermarks: refreshed.watermarks.clone(),
        limits: conns.limits.clone(),
    };
    let read_baselines = state.baselines.is_empty()
        && plan::baselines_needed(&refreshed.hubspot, &refreshed.quickbooks);
    if read_baselines {
        state.baselines = store
            .load_baselines()
            .await
            .map_err(|e| CliError::new(e.to_string()))?;
    }
    let view = StateView {
        baselines: state.baselines,
    };
    let plan = plan::plan(PlanInput {
        manifest: &loaded.manifest,
        hubspot: &refreshed.hubspot,
        quickbooks: &refreshed.quickbooks,
        state: &view,
        options: &options,
    });
    if read_baselines {
        // An apply records its changes on them: no second read of the file.
        store.keep_baselines(view.baselines);
    }
    Ok(plan)
}

/// Output format of plans and results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FormatArg {
    /// Human text (colour on a terminal unless NO_COLOR is set).
    Text,
    /// Markdown for pull-request comments.
    Markdown,
    /// Versioned JSON (`format_version` 1).
    Json,
}

/// Render a plan.
pub fn render_plan(plan: &Plan, format: FormatArg, out: &Output) -> String {
    match format {
        FormatArg::Text => crate::render::text(
            plan,
            &crate::render::TextOptions {
                color: out.color(),
                ..Default::default()
            },
        ),
        FormatArg::Markdown => crate::render::markdown(plan),
        FormatArg::Json => crate::render::json(plan),
    }
}

/// Write a file atomically (temp file, fsync, rename).
pub fn write_file(path: &Path, text: &str) -> Result<(), CliError> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("out"),
        std::process::id()
    ));
    let write = || -> std::io::Result<()> {
        use std::io::Write;
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        CliError::new(format!("cannot write {}: {e}", path.display()))
    })
}
