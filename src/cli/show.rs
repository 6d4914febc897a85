//! `hsqb show PLANFILE`: render a saved plan.

use super::common::{self, FormatArg};
use super::{CliError, Output, exit};
use crate::plan::Plan;
use std::path::PathBuf;

/// One-line help.
pub const ABOUT: &str = "Show a saved plan (text, Markdown or JSON)";

/// `--help` text.
pub const LONG_ABOUT: &str =
    "Render a plan saved by `hsqb plan --out`. The file is checked: a plan \
that was edited, truncated, or written by an incompatible hsqb version is refused.

Examples:
  hsqb show plan.json
  hsqb show plan.json --format markdown";

/// Arguments of `hsqb show`.
#[derive(Debug, Clone, clap::Args)]
pub struct ShowArgs {
    /// The saved plan.
    pub planfile: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Text)]
    pub format: FormatArg,
}

/// Run `hsqb show`.
pub fn run(args: &ShowArgs, out: &Output) -> Result<u8, CliError> {
    let text = std::fs::read_to_string(&args.planfile).map_err(|e| {
        CliError::new(format!(
            "cannot read plan file {}: {e}",
            args.planfile.display()
        ))
    })?;
    let plan = Plan::from_file_json(&text)
        .map_err(|e| CliError::new(format!("{}: {e}", args.planfile.display())))?;
    out.data(&common::render_plan(&plan, args.format, out));
    Ok(exit::OK)
}
