//! `hsqb apply [PLANFILE]`: plan (or read a saved plan), confirm, execute.

use super::common::{self, FormatArg, PlanningArgs};
use super::progress::{self, RunSummary};
use super::{CliError, Output, exit};
use crate::apply::{self, ApplyError, ApplyOptions};
use crate::manifest::DurationStr;
use crate::plan::Plan;
use crate::state::{LockHolder, StateError, Store};
use std::io::{BufRead, IsTerminal};
use std::path::{Path, PathBuf};

/// One-line help.
pub const ABOUT: &str = "Execute the plan: write the changes to HubSpot and QuickBooks";

/// `--help` text.
pub const LONG_ABOUT: &str = "Without PLANFILE: make a fresh plan, show it, ask for `yes` (at a \
terminal; --auto-approve in CI), then execute it. With PLANFILE: apply exactly that saved plan \
(no prompt: it was reviewed when it was saved); if any record it touches changed since planning, \
nothing is written and each changed record is named.

Writes are idempotent and resumable: a killed apply can simply be run again. A lock in the state \
store keeps two applies from running at once (--lock-timeout waits for it).

Exit codes: 0 every change applied (or nothing to do), 1 an error or at least one failed record.

Examples:
  hsqb apply -f examples/quickstart.yaml
  hsqb apply --auto-approve                 # CI / cron
  hsqb plan --out plan.json && hsqb apply plan.json";

/// Arguments of `hsqb apply`.
#[derive(Debug, Clone, clap::Args)]
pub struct ApplyArgs {
    /// A plan saved by `hsqb plan --out`.
    pub planfile: Option<PathBuf>,
    /// Do not ask for confirmation (required when stdin is not a terminal).
    #[arg(long)]
    pub auto_approve: bool,
    /// How long to wait for another run's lock (e.g. 30s, 5m). Default 0s.
    #[arg(long, value_name = "DURATION", default_value = "0s", value_parser = parse_duration)]
    pub lock_timeout: DurationStr,
    /// Output format of the plan and the results.
    #[arg(long, value_enum, default_value_t = FormatArg::Text)]
    pub format: FormatArg,
    /// Also write the run's JSON report (plan, results, duration, API calls) to FILE.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Planning options (ignored with PLANFILE).
    #[command(flatten)]
    pub planning: PlanningArgs,
}

fn parse_duration(s: &str) -> Result<DurationStr, String> {
    DurationStr::parse(s)
}

/// Run `hsqb apply`.
pub fn run(file: &Path, args: &ApplyArgs, out: &Output) -> Result<u8, CliError> {
    let loaded = common::load_manifest(file, out)?;
    let saved = match &args.planfile {
        Some(path) => Some(read_plan(path, &loaded.sha256)?),
        None => None,
    };
    let rt = common::runtime()?;
    rt.block_on(async {
        let store = common::open_store(&loaded).await?;
        let holder = LockHolder::this_process("apply", chrono::Utc::now());
        match store.lock(&holder, args.lock_timeout.0).await {
            Ok(Some(stale)) => out.diag(&format!("warning: took over a stale lock ({stale})\n")),
            Ok(None) => {}
            Err(StateError::Locked { holder: h }) => {
                return Err(CliError::new(format!("another run holds the state lock: {h}"))
                    .hint("wait for it (--lock-timeout 5m), or if that run is dead: hsqb force-unlock ".to_string() + &h.id));
            }
            Err(e) => return Err(CliError::new(e.to_string())),
        }
        let result = locked(&loaded, &store, saved, args, out).await;
        if let Err(e) = store.unlock(&holder).await {
            out.diag(&format!("warning: could not release the state lock: {e}\n"));
        }
        result
    })
}

fn read_plan(path: &Path, manifest_hash: &str) -> Result<Plan, CliError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::new(format!("cannot read plan file {}: {e}", path.display())))?;
    let plan = Plan::from_file_json(&text)
        .map_err(|e| CliError::new(format!("{}: {e}", path.display())))?;
    if plan.manifest_hash != manifest_hash {
        return Err(CliError::new(format!(
            "{} was made from a different manifest (or an earlier version of it)",
            path.display()
        ))
        .hint("run `hsqb plan --out` again with the current manifest"));
    }
    Ok(plan)
}

async fn locked(
    loaded: &crate::manifest::LoadedManifest,
    store: &Store,
    saved: Option<Plan>,
    args: &ApplyArgs,
    out: &Output,
) -> Result<u8, CliError> {
    let state = store
        .load_meta()
        .await
        .map_err(|e| CliError::new(e.to_string()))?;
    let started = std::time::Instant::now();
    let conns = common::connect(loaded, store).await?;
    let result = async {
        let from_file = saved.is_some();
        let plan = match saved {
            Some(p) => p,
            None => common::make_plan(loaded, &conns, store, state, &args.planning, out).await?,
        };
        if !from_file {
            out.data(&common::render_plan(&plan, args.format, out));
            if plan.is_blocked() {
                return Err(CliError::new(
                    "the plan is blocked by the error(s) above; nothing was applied",
                ));
            }
        }
        // A saved plan was reviewed when it was made (Terraform's convention,
        // and what this command's own hint recommends for CI): no prompt.
        if !from_file && !plan.summary.is_empty() && !args.auto_approve {
            confirm(out)?;
        }
        let (bar, sink) = progress::ApplyBar::new(out);
        let opts = ApplyOptions {
            check_preconditions: from_file,
            now: chrono::Utc::now(),
            progress: Some(sink),
            ..Default::default()
        };
        let applied = apply::apply(&plan, &conns, store, &opts).await;
        drop(bar);
        let report = applied.map_err(apply_error)?;
        let results_json = crate::render::results::json(&report);
        match args.format {
            FormatArg::Json => out.data(&results_json),
            _ => {
                if !report.results.is_empty() {
                    out.data("\n");
                }
                out.data(&crate::render::results::text(&report, out.color()));
            }
        }
        let code = if report.failed() > 0 {
            exit::ERROR
        } else {
            exit::OK
        };
        let run = RunSummary::new("apply", started, &conns);
        if let Some(path) = &args.report {
            progress::write_report(
                path,
                &run,
                code,
                &crate::render::json(&plan),
                Some(&results_json),
            )?;
        }
        progress::print_summary(out, &run);
        Ok(code)
    }
    .await;
    if let Some(sb) = conns.sandbox {
        sb.close().await;
    }
    result
}

pub(super) fn confirm(out: &Output) -> Result<(), CliError> {
    if !std::io::stdin().is_terminal() {
        return Err(CliError::new("refusing to apply without confirmation: stdin is not a terminal")
            .hint("review the plan, then run with --auto-approve (CI), or apply a saved plan: hsqb plan --out plan.json && hsqb apply plan.json"));
    }
    out.diag("\nDo you want to perform these actions? Only 'yes' will be accepted to approve.\n  Enter a value: ");
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| CliError::new(format!("reading the answer: {e}")))?;
    if line.trim() == "yes" {
        Ok(())
    } else {
        Err(CliError::new("apply cancelled; nothing was written"))
    }
}

pub(super) fn apply_error(e: ApplyError) -> CliError {
    match e {
        ApplyError::Stale(drift) => {
            let mut msg = format!(
                "{} record(s) changed since the plan was made; nothing was written:",
                drift.len()
            );
            for d in &drift {
                msg.push_str(&format!(
                    "\n  - {} {} {}{}: {} (needed by {})",
                    d.record.system,
                    d.record.object,
                    d.record.id,
                    d.record
                        .company
                        .as_deref()
                        .map(|c| format!(" in {c}"))
                        .unwrap_or_default(),
                    d.detail,
                    d.change
                ));
            }
            CliError::new(msg).hint("run `hsqb plan --out` again to plan against the current data")
        }
        ApplyError::Blocked(m) => CliError::new(format!("the plan is blocked: {m}")),
        ApplyError::Foreign(m) => CliError::new(m),
        other => CliError::new(other.to_string()),
    }
}
