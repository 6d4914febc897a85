//! The single CLI error type: every failure a user can hit ends up here, carrying
//! an exit code and optional hints, and is rendered in exactly one place.

use std::fmt;

/// Exit codes (Terraform's convention plus sysexits' usage error).
pub mod exit {
    /// Success, or no changes.
    pub const OK: u8 = 0;
    /// Any error.
    pub const ERROR: u8 = 1;
    /// Changes present (only with `--detailed-exitcode`).
    pub const CHANGES: u8 = 2;
    /// Usage error (bad flags or arguments).
    pub const USAGE: u8 = 64;
}

/// An error that ends the command.
#[derive(Debug)]
pub struct CliError {
    /// Process exit code.
    pub code: u8,
    /// What happened (already includes where, when known).
    pub message: String,
    /// How to fix it.
    pub hints: Vec<String>,
    /// When set, `message` is already fully rendered (e.g. a multi-error report)
    /// and must be printed as is, without the `error:` prefix.
    pub preformatted: bool,
}

impl CliError {
    /// A general error (exit 1).
    pub fn new(message: impl Into<String>) -> Self {
        CliError {
            code: exit::ERROR,
            message: message.into(),
            hints: Vec::new(),
            preformatted: false,
        }
    }

    /// A usage error (exit 64).
    pub fn usage(message: impl Into<String>) -> Self {
        CliError {
            code: exit::USAGE,
            ..CliError::new(message)
        }
    }

    /// A report that is already rendered (exit 1).
    pub fn preformatted(report: impl Into<String>) -> Self {
        CliError {
            preformatted: true,
            ..CliError::new(report)
        }
    }

    /// Add a hint ("how to fix it").
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hints.push(hint.into());
        self
    }

    /// Override the exit code.
    pub fn with_code(mut self, code: u8) -> Self {
        self.code = code;
        self
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.preformatted {
            f.write_str(self.message.trim_end())?;
        } else {
            write!(f, "error: {}", self.message)?;
        }
        for h in &self.hints {
            write!(f, "\n  hint: {h}")?;
        }
        Ok(())
    }
}

impl std::error::Error for CliError {}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        CliError::new(e.to_string())
    }
}
