//! `hsqb plan`: read both systems and show what apply would do.

use super::common::{self, FormatArg, PlanningArgs};
use super::progress::{self, RunSummary};
use super::{CliError, Output, exit};
use std::path::{Path, PathBuf};

/// One-line help.
pub const ABOUT: &str = "Show what apply would change, record by record and field by field";

/// `--help` text.
pub const LONG_ABOUT: &str = "Read HubSpot and QuickBooks, pair records (stored links first, then \
match keys), diff the mapped fields and apply the manifest's policies. Nothing is written.

The last line is `Plan: N to create, N to update, N to delete, N to link.` or `No changes.`; \
diagnostics explain every skipped or ambiguous record. Save the plan with --out and apply \
exactly that plan later with `hsqb apply FILE`.

Exit codes: 0 success, 1 error (or a blocking diagnostic), 2 changes present (only with \
--detailed-exitcode), 64 usage error.

Examples:
  hsqb plan -f examples/quickstart.yaml
  hsqb plan --format markdown > plan.md
  hsqb plan --out plan.json --detailed-exitcode";

/// Arguments of `hsqb plan`.
#[derive(Debug, Clone, clap::Args)]
pub struct PlanArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Text)]
    pub format: FormatArg,
    /// Save the plan (JSON with preconditions and checksum) for `hsqb apply FILE`.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Exit 2 when the plan has changes, 0 when it has none.
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Print only the counts.
    #[arg(long)]
    pub summary: bool,
    /// Also write the run's JSON report (plan, duration, API calls) to FILE.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Planning options.
    #[command(flatten)]
    pub planning: PlanningArgs,
}

/// Run `hsqb plan`.
pub fn run(file: &Path, args: &PlanArgs, out: &Output) -> Result<u8, CliError> {
    let loaded = common::load_manifest(file, out)?;
    let rt = common::runtime()?;
    let started = std::time::Instant::now();
    let (plan, run) = rt.block_on(async {
        let store = common::open_store(&loaded).await?;
        let state = store
            .load_meta()
            .await
            .map_err(|e| CliError::new(e.to_string()))?;
        let conns = common::connect(&loaded, &store).await?;
        let plan = common::make_plan(&loaded, &conns, &store, state, &args.planning, out).await;
        let run = RunSummary::new("plan", started, &conns);
        if let Some(sb) = conns.sandbox {
            sb.close().await;
        }
        plan.map(|p| (p, run))
    })?;
    let rendered = if args.summary && args.format == FormatArg::Text {
        crate::render::text(
            &plan,
            &crate::render::TextOptions {
                color: out.color(),
                summary_only: true,
                ..Default::default()
            },
        )
    } else {
        common::render_plan(&plan, args.format, out)
    };
    out.data(&rendered);
    if let Some(path) = &args.out {
        common::write_file(path, &plan.to_file_json())?;
        out.diag(&format!(
            "Saved the plan to {}. Apply exactly this plan with `hsqb apply {}`.\n",
            path.display(),
            path.display()
        ));
    }
    let code = if plan.is_blocked() {
        exit::ERROR
    } else if args.detailed_exitcode && !plan.summary.is_empty() {
        exit::CHANGES
    } else {
        exit::OK
    };
    if let Some(path) = &args.report {
        progress::write_report(path, &run, code, &crate::render::json(&plan), None)?;
    }
    progress::print_summary(out, &run);
    if plan.is_blocked() {
        return Err(CliError::new(
            "the plan is blocked by the error(s) above; nothing can be applied",
        )
        .hint(
            "fix the cause, or adjust the manifest's safety settings if the deletes are intended",
        ));
    }
    Ok(code)
}
