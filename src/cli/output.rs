//! The one place that writes to the terminal: data on stdout, diagnostics and
//! progress on stderr, both scrubbed of registered secrets.

use std::io::{IsTerminal, Write};

/// Where command output goes.
#[derive(Debug, Clone)]
pub struct Output {
    color: bool,
    stderr_color: bool,
    stdout_tty: bool,
    stderr_tty: bool,
    quiet: bool,
}

impl Output {
    /// Output to the process's stdout/stderr. Colour only on a TTY and when
    /// `NO_COLOR` is unset (https://no-color.org).
    pub fn stdio() -> Self {
        let stdout_tty = std::io::stdout().is_terminal();
        let stderr_tty = std::io::stderr().is_terminal();
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Output {
            color: stdout_tty && !no_color,
            stderr_color: stderr_tty && !no_color,
            stdout_tty,
            stderr_tty,
            quiet: false,
        }
    }

    /// With `quiet`, no progress bars and no run summary on stderr
    /// (diagnostics and errors are still written).
    pub fn quiet(mut self, quiet: bool) -> Self {
        self.quiet = quiet;
        self
    }

    /// Whether progress and summaries are suppressed.
    pub fn is_quiet(&self) -> bool {
        self.quiet
    }

    /// Whether stdout output may use ANSI colour.
    pub fn color(&self) -> bool {
        self.color
    }

    /// Whether diagnostics on stderr may use ANSI colour.
    pub fn stderr_color(&self) -> bool {
        self.stderr_color
    }

    /// Whether stdout is a terminal.
    pub fn stdout_is_tty(&self) -> bool {
        self.stdout_tty
    }

    /// Whether stderr is a terminal (progress bars only then).
    pub fn stderr_is_tty(&self) -> bool {
        self.stderr_tty
    }

    /// Write data to stdout.
    pub fn data(&self, text: &str) {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(crate::secret::scrub(text).as_bytes());
        let _ = out.flush();
    }

    /// Write a diagnostic or progress message to stderr.
    pub fn diag(&self, text: &str) {
        let mut err = std::io::stderr().lock();
        let _ = err.write_all(crate::secret::scrub(text).as_bytes());
        let _ = err.flush();
    }
}

/// A `tracing` writer that scrubs secrets before writing to stderr.
pub(crate) struct ScrubbingStderr;

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for ScrubbingStderr {
    type Writer = ScrubWriter;
    fn make_writer(&'a self) -> Self::Writer {
        ScrubWriter(Vec::new())
    }
}

/// Buffers one log event, scrubs it and writes it to stderr on drop.
pub(crate) struct ScrubWriter(Vec<u8>);

impl Write for ScrubWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for ScrubWriter {
    fn drop(&mut self) {
        let text = String::from_utf8_lossy(&self.0);
        let _ = std::io::stderr().write_all(crate::secret::scrub(&text).as_bytes());
    }
}
