//! `hsqb completions SHELL` and `hsqb man --out-dir DIR`: shell completions
//! (clap_complete) and man pages (clap_mangen), both generated from the same
//! clap definitions the binary parses with, so they can never drift.
//!
//! Man pages are generated on demand rather than committed: packagers run
//! `hsqb man --out-dir …` at build time, and nothing has to be kept current.

use super::{Cli, CliError, Output, exit};
use clap::CommandFactory;
use std::path::{Path, PathBuf};

/// One-line help of `completions`.
pub const COMPLETIONS_ABOUT: &str = "Print a shell completion script (bash, zsh, fish, …)";

/// `--help` of `completions`.
pub const COMPLETIONS_LONG_ABOUT: &str = "Print a completion script for SHELL on stdout.

Examples:
  hsqb completions bash > ~/.local/share/bash-completion/completions/hsqb
  hsqb completions zsh > \"${fpath[1]}/_hsqb\"
  hsqb completions fish > ~/.config/fish/completions/hsqb.fish";

/// One-line help of `man`.
pub const MAN_ABOUT: &str = "Write man pages (hsqb.1 and one per command) into a directory";

/// `--help` of `man`.
pub const MAN_LONG_ABOUT: &str = "Generate roff man pages from the command-line definitions: \
hsqb.1 plus hsqb-COMMAND.1 for every command (and hsqb-state-list.1 … for nested ones).

Example:
  hsqb man --out-dir /usr/local/share/man/man1";

/// Arguments of `hsqb completions`.
#[derive(Debug, Clone, clap::Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Arguments of `hsqb man`.
#[derive(Debug, Clone, clap::Args)]
pub struct ManArgs {
    /// Directory to write the pages into (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out_dir: PathBuf,
}

/// Run `hsqb completions`.
pub fn completions(args: &CompletionsArgs, out: &Output) -> Result<u8, CliError> {
    let mut cmd = Cli::command();
    let mut buf = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "hsqb", &mut buf);
    out.data(&String::from_utf8_lossy(&buf));
    Ok(exit::OK)
}

/// Run `hsqb man`.
pub fn man(args: &ManArgs, out: &Output) -> Result<u8, CliError> {
    std::fs::create_dir_all(&args.out_dir)
        .map_err(|e| CliError::new(format!("cannot create {}: {e}", args.out_dir.display())))?;
    let mut cmd = Cli::command();
    cmd.build();
    let mut written = Vec::new();
    write_pages(&cmd, "hsqb", &args.out_dir, &mut written)?;
    out.data(&format!(
        "Wrote {} man page(s) to {}.\n",
        written.len(),
        args.out_dir.display()
    ));
    Ok(exit::OK)
}

fn write_pages(
    cmd: &clap::Command,
    name: &str,
    dir: &Path,
    written: &mut Vec<PathBuf>,
) -> Result<(), CliError> {
    let page = cmd.clone().name(name.to_string());
    let mut buf = Vec::new();
    clap_mangen::Man::new(page)
        .render(&mut buf)
        .map_err(|e| CliError::new(format!("rendering the man page of {name}: {e}")))?;
    let path = dir.join(format!("{name}.1"));
    std::fs::write(&path, &buf)
        .map_err(|e| CliError::new(format!("cannot write {}: {e}", path.display())))?;
    written.push(path);
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        write_pages(sub, &format!("{name}-{}", sub.get_name()), dir, written)?;
    }
    Ok(())
}
