//! `hsqb schema`: print the manifest's JSON Schema.

use super::{CliError, Output, exit};

/// One-line help.
pub const ABOUT: &str = "Print the manifest's JSON Schema (for editors and CI checks)";

/// `--help` text.
pub const LONG_ABOUT: &str = "Print the JSON Schema (draft 2020-12) of the manifest to stdout.

It is generated from hsqb's own types, so it always matches the structure `hsqb validate` \
accepts; the semantic checks (field paths, connections, policies) need `hsqb validate`. \
Editors using yaml-language-server pick it up from a comment on the manifest's first line:

  # yaml-language-server: $schema=./schemas/manifest.schema.json

Example:
  hsqb schema > schemas/manifest.schema.json";

/// Arguments of `hsqb schema`.
#[derive(Debug, Clone, clap::Args)]
pub struct SchemaArgs {}

/// Run `hsqb schema`.
pub fn run(_args: &SchemaArgs, out: &Output) -> Result<u8, CliError> {
    out.data(&crate::manifest::schema_json());
    Ok(exit::OK)
}
