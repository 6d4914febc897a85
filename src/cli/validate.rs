//! `hsqb validate`: load and validate the manifest, print a one-line summary
//! (and any warnings), or every problem found.

use super::{CliError, Output, exit};
use crate::manifest;
use std::path::Path;

/// One-line help.
pub const ABOUT: &str =
    "Check the manifest: syntax, keys, types, connections, mappings and policies";

/// `--help` text.
pub const LONG_ABOUT: &str = "Check the manifest without contacting HubSpot or QuickBooks.

Every problem is reported at once, each with file:line:column, the offending line and a \
hint. Errors exit 1 (nothing else runs); warnings are printed and the command exits 0. \
Environment variables written as ${NAME} must be set: secrets (tokens, client secrets, \
refresh tokens, the postgres URL) are only ever read from the environment.

Examples:
  hsqb validate                                  # ./hsqb.yaml
  HUBSPOT_TOKEN=pat-... hsqb -f prod.yaml validate";

/// Arguments of `hsqb validate` (the manifest is the global `-f FILE`).
#[derive(Debug, Clone, clap::Args)]
pub struct ValidateArgs {}

/// Run `hsqb validate` on `file`.
pub fn run(file: &Path, _args: &ValidateArgs, out: &Output) -> Result<u8, CliError> {
    let env = |name: &str| std::env::var(name).ok();
    let color = out.stderr_color();
    match manifest::load(file, &env) {
        Ok(loaded) => {
            if !loaded.warnings.is_empty() {
                out.diag(&loaded.warnings_report().render(color));
            }
            out.data(&format!(
                "{} is valid: {}.\n",
                file.display(),
                loaded.manifest.summary()
            ));
            Ok(exit::OK)
        }
        Err(report) => Err(CliError::preformatted(report.render(color))),
    }
}
