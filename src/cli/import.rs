//! `hsqb import`: adopt existing HubSpot ⇄ QuickBooks pairs (by match keys,
//! from a CSV of id pairs, or from a HubSpot property holding QBO ids) as a
//! plan of `link` actions, applied after confirmation through the ordinary
//! executor — so it is idempotent and journaled, and writes nothing but links.

use super::common::{self, FormatArg, TargetArg};
use super::{CliError, Output, exit};
use crate::apply::{self, ApplyOptions};
use crate::plan::import::{self, ImportSource};
use crate::plan::{PlanInput, PlanOptions, StateView};
use crate::refresh::{self, RefreshRequest};
use crate::state::{LockHolder, StateError};
use std::path::{Path, PathBuf};

/// One-line help.
pub const ABOUT: &str = "Adopt existing HubSpot ⇄ QuickBooks pairs: write links, change no data";

/// `--help` text.
pub const LONG_ABOUT: &str = "Find pairs of records that already describe the same customer or \
item and write only the link (the QuickBooks id in the HubSpot link property). Shown first as a \
plan of `<= link` actions; applied after confirmation (or --auto-approve) through the same \
executor as `hsqb apply`, so a re-run links nothing twice.

Sources of pairs (one of):
  (default)               the contacts/products blocks' `match` rules (email; SKU then name)
  --csv FILE              explicit pairs: a header `block,hubspot_id,quickbooks_id[,company]`,
                          one pair per line; every row is checked (both records exist, neither
                          is linked elsewhere, the link stays unique) and any bad row refuses
                          the whole import, listing each bad line
  --from-property NAME    HubSpot records that already hold a QuickBooks id in property NAME
                          (e.g. left by HubSpot's own QuickBooks integration)

Examples:
  hsqb import
  hsqb import --csv pairs.csv --auto-approve
  hsqb import --from-property quickbooks_customer_id --target contacts";

/// Arguments of `hsqb import`.
#[derive(Debug, Clone, clap::Args)]
pub struct ImportArgs {
    /// A CSV of pairs: block,hubspot_id,quickbooks_id[,company].
    #[arg(long, value_name = "FILE", conflicts_with = "from_property")]
    pub csv: Option<PathBuf>,
    /// A HubSpot property that holds the QuickBooks id.
    #[arg(long, value_name = "NAME")]
    pub from_property: Option<String>,
    /// Only these blocks (contacts, products).
    #[arg(long = "target", value_enum, value_name = "BLOCK")]
    pub targets: Vec<TargetArg>,
    /// Do not ask for confirmation.
    #[arg(long)]
    pub auto_approve: bool,
    /// Show the plan only; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Save the import plan (apply it later with `hsqb apply FILE`).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Output format of the plan and the results.
    #[arg(long, value_enum, default_value_t = FormatArg::Text)]
    pub format: FormatArg,
    /// The planner's clock (RFC 3339 or YYYY-MM-DD).
    #[arg(long, value_name = "TIME")]
    pub now: Option<String>,
}

/// Run `hsqb import`.
pub fn run(file: &Path, args: &ImportArgs, out: &Output) -> Result<u8, CliError> {
    let loaded = common::load_manifest(file, out)?;
    let source = match (&args.csv, &args.from_property) {
        (Some(path), _) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| CliError::new(format!("cannot read {}: {e}", path.display())))?;
            let rows = import::parse_pairs_csv(&text).map_err(|errs| row_errors(path, &errs))?;
            ImportSource::Pairs(rows)
        }
        (None, Some(p)) if p.trim().is_empty() => {
            return Err(CliError::usage("--from-property needs a property name"));
        }
        (None, Some(p)) => ImportSource::FromProperty(p.trim().to_string()),
        (None, None) => ImportSource::MatchKeys,
    };
    let now = common::parse_now(args.now.as_deref())?;
    let rt = common::runtime()?;
    rt.block_on(async {
        let store = common::open_store(&loaded).await?;
        let holder = LockHolder::this_process("import", chrono::Utc::now());
        match store.lock(&holder, std::time::Duration::ZERO).await {
            Ok(Some(stale)) => out.diag(&format!("warning: took over a stale lock ({stale})\n")),
            Ok(None) => {}
            Err(StateError::Locked { holder: h }) => {
                return Err(
                    CliError::new(format!("another run holds the state lock: {h}")).hint(format!(
                        "wait for it, or if that run is dead: hsqb force-unlock {}",
                        h.id
                    )),
                );
            }
            Err(e) => return Err(CliError::new(e.to_string())),
        }
        let conns = match common::connect(&loaded, &store).await {
            Ok(c) => c,
            Err(e) => {
                let _ = store.unlock(&holder).await;
                return Err(e);
            }
        };
        let result = locked(&loaded, &store, &conns, &source, args, now, out).await;
        if let Some(sb) = conns.sandbox {
            sb.close().await;
        }
        if let Err(e) = store.unlock(&holder).await {
            out.diag(&format!("warning: could not release the state lock: {e}\n"));
        }
        result
    })
}

async fn locked(
    loaded: &crate::manifest::LoadedManifest,
    store: &crate::state::Store,
    conns: &crate::connect::Connections,
    source: &ImportSource,
    args: &ImportArgs,
    now: chrono::DateTime<chrono::Utc>,
    out: &Output,
) -> Result<u8, CliError> {
    let state = store
        .load()
        .await
        .map_err(|e| CliError::new(e.to_string()))?;
    let extra: Vec<String> = match source {
        ImportSource::FromProperty(p) => vec![p.clone()],
        _ => Vec::new(),
    };
    if out.stderr_is_tty() {
        out.diag("Reading HubSpot and QuickBooks…\n");
    }
    // Always a full read: every pair must be checked against all records.
    let refreshed = refresh::refresh_with(
        &loaded.manifest,
        conns,
        &state.watermarks,
        state.last_full_refresh,
        RefreshRequest::Full,
        chrono::Utc::now(),
        &extra,
    )
    .await
    .map_err(|e| CliError::new(e.to_string()).hint("nothing was written"))?;
    let options = PlanOptions {
        now,
        refresh: refreshed.mode,
        targets: args.targets.iter().map(|t| t.block()).collect(),
        manifest_hash: loaded.sha256.clone(),
        target: conns.target.clone(),
        watermarks: Default::default(),
        limits: conns.limits.clone(),
    };
    let view = StateView {
        baselines: state.baselines.clone(),
    };
    let input = PlanInput {
        manifest: &loaded.manifest,
        hubspot: &refreshed.hubspot,
        quickbooks: &refreshed.quickbooks,
        state: &view,
        options: &options,
    };
    let plan = import::import_plan(input, source).map_err(|errs| {
        let name = args.csv.as_deref().unwrap_or(Path::new("pairs"));
        row_errors(name, &errs)
    })?;
    out.data(&common::render_plan(&plan, args.format, out));
    if let Some(path) = &args.out {
        common::write_file(path, &plan.to_file_json())?;
        out.diag(&format!(
            "Saved the import plan to {}; apply it with `hsqb apply {}`.\n",
            path.display(),
            path.display()
        ));
    }
    if plan.is_blocked() {
        return Err(CliError::new(
            "the import is blocked by the error(s) above; nothing was written",
        ));
    }
    if plan.summary.is_empty() || args.dry_run {
        return Ok(exit::OK);
    }
    if !args.auto_approve {
        super::apply::confirm(out)?;
    }
    let (bar, sink) = super::progress::ApplyBar::new(out);
    let opts = ApplyOptions {
        check_preconditions: false,
        now: chrono::Utc::now(),
        progress: Some(sink),
        ..Default::default()
    };
    let applied = apply::apply(&plan, conns, store, &opts).await;
    drop(bar);
    let report = applied.map_err(super::apply::apply_error)?;
    match args.format {
        FormatArg::Json => out.data(&crate::render::results::json(&report)),
        _ => {
            out.data("\n");
            out.data(&crate::render::results::text(&report, out.color()));
        }
    }
    Ok(if report.failed() > 0 {
        exit::ERROR
    } else {
        exit::OK
    })
}

fn row_errors(path: &Path, errs: &[import::RowError]) -> CliError {
    let mut msg = format!(
        "{}: {} bad row(s); nothing was imported:",
        path.display(),
        errs.len()
    );
    for e in errs {
        msg.push_str(&format!("\n  {e}"));
    }
    CliError::new(msg).hint("fix the rows listed and run the import again")
}
