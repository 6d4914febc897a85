//! Command-line interface: clap definitions (one file per command), the single
//! [`CliError`] with exit codes and hints, and the only code that writes to the
//! terminal.
//!
//! Architecture invariant: command files build an options struct and call into
//! the library; no sync logic lives here. Everything written to stdout/stderr
//! goes through [`Output`], which scrubs registered secrets.

pub mod apply;
mod common;
pub mod docs;
pub mod emulator;
mod error;
pub mod force_unlock;
pub mod import;
pub mod mappings;
mod output;
pub mod plan;
pub mod progress;
pub mod schema;
pub mod show;
pub mod state;
pub mod validate;

pub use error::{CliError, exit};
pub use output::Output;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Keep HubSpot CRM and QuickBooks Online in sync, Terraform-style: declare the
/// sync in a YAML manifest, review a per-record plan, apply it idempotently.
#[derive(Debug, Parser)]
#[command(name = "hsqb", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// Manifest file.
    #[arg(
        short = 'f',
        long = "file",
        global = true,
        default_value = "hsqb.yaml",
        value_name = "FILE"
    )]
    pub file: PathBuf,

    /// More logging on stderr (-v info, -vv debug, -vvv trace). `RUST_LOG` overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,

    /// No progress bars and no run summary on stderr.
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// Log line format on stderr.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// The commands.
// Parsed once per process: the size of the largest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the manifest (syntax, keys, types, connections, mappings, policies).
    #[command(about = validate::ABOUT, long_about = validate::LONG_ABOUT)]
    Validate(validate::ValidateArgs),
    /// Print the manifest's JSON Schema.
    #[command(about = schema::ABOUT, long_about = schema::LONG_ABOUT)]
    Schema(schema::SchemaArgs),
    /// Show what apply would change.
    #[command(about = plan::ABOUT, long_about = plan::LONG_ABOUT)]
    Plan(plan::PlanArgs),
    /// Execute a plan.
    #[command(about = apply::ABOUT, long_about = apply::LONG_ABOUT)]
    Apply(apply::ApplyArgs),
    /// Render a saved plan.
    #[command(about = show::ABOUT, long_about = show::LONG_ABOUT)]
    Show(show::ShowArgs),
    /// List the mappings with their live status.
    #[command(about = mappings::ABOUT, long_about = mappings::LONG_ABOUT)]
    Mappings(mappings::MappingsArgs),
    /// Remove a dead run's state lock.
    #[command(name = "force-unlock", about = force_unlock::ABOUT, long_about = force_unlock::LONG_ABOUT)]
    ForceUnlock(force_unlock::ForceUnlockArgs),
    /// Serve the built-in HubSpot and QuickBooks emulator.
    #[command(about = emulator::ABOUT, long_about = emulator::LONG_ABOUT)]
    Emulator(emulator::EmulatorArgs),
    /// Adopt existing pairs (write links only).
    #[command(about = import::ABOUT, long_about = import::LONG_ABOUT)]
    Import(import::ImportArgs),
    /// Inspect, edit and migrate the state store.
    #[command(about = state::ABOUT, long_about = state::LONG_ABOUT)]
    State(state::StateArgs),
    /// Print shell completions.
    #[command(about = docs::COMPLETIONS_ABOUT, long_about = docs::COMPLETIONS_LONG_ABOUT)]
    Completions(docs::CompletionsArgs),
    /// Write man pages.
    #[command(about = docs::MAN_ABOUT, long_about = docs::MAN_LONG_ABOUT)]
    Man(docs::ManArgs),
}

/// Run the CLI with the process arguments and return the exit code.
pub fn main() -> ExitCode {
    let out = Output::stdio();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            let code = match e.kind() {
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => exit::OK,
                ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => exit::USAGE,
                _ => exit::USAGE,
            };
            let rendered = e.render();
            if code == exit::OK {
                out.data(&rendered.to_string());
            } else {
                out.diag(&rendered.ansi().to_string());
            }
            return ExitCode::from(code);
        }
    };
    init_tracing(cli.verbose, cli.log_format);
    let out = out.quiet(cli.quiet);
    match run(cli, &out) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            out.diag(&format!("{e}\n"));
            ExitCode::from(e.code)
        }
    }
}

fn run(cli: Cli, out: &Output) -> Result<u8, CliError> {
    match &cli.command {
        Command::Validate(args) => validate::run(&cli.file, args, out),
        Command::Schema(args) => schema::run(args, out),
        Command::Plan(args) => plan::run(&cli.file, args, out),
        Command::Apply(args) => apply::run(&cli.file, args, out),
        Command::Show(args) => show::run(args, out),
        Command::Mappings(args) => mappings::run(&cli.file, args, out),
        Command::ForceUnlock(args) => force_unlock::run(&cli.file, args, out),
        Command::Emulator(args) => emulator::run(args, out),
        Command::State(args) => state::run(&cli.file, args, out),
        Command::Import(args) => import::run(&cli.file, args, out),
        Command::Completions(args) => docs::completions(args, out),
        Command::Man(args) => docs::man(args, out),
    }
}

fn init_tracing(verbose: u8, format: LogFormat) {
    use tracing_subscriber::EnvFilter;
    let default = match verbose {
        0 => "warn",
        1 => "hsqb=info",
        2 => "hsqb=debug",
        _ => "hsqb=trace",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(output::ScrubbingStderr);
    let _ = match format {
        LogFormat::Text => builder.with_target(false).try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}
