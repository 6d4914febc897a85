//! Manifest diagnostics (errors and warnings) and their rendering, in one place.
//!
//! Errors make the manifest invalid (`hsqb validate` exits 1, nothing else
//! runs); warnings are printed and the command goes on (exit 0). Each
//! diagnostic points at `file:line:column`, shows the line with a caret under
//! the offending text, and says how to fix it:
//!
//! ```text
//! error: unknown key `direktion` in sync.contacts
//!   --> examples/bad.yaml:7:5
//!    |
//!  7 |     direktion: two_way
//!    |     ^^^^^^^^^
//!    = hint: did you mean `direction`?
//! ```

use super::scalar::Loc;
use super::source::SourceText;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// The manifest is invalid.
    Error,
    /// Worth knowing; the manifest is still valid.
    Warning,
}

impl Severity {
    /// `error` or `warning`.
    pub fn label(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// The source line shown under a diagnostic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snippet {
    /// The line's text (tabs expanded, long lines cropped, secrets redacted).
    pub text: String,
    /// Caret start: 1-based character column within `text`.
    pub column: usize,
    /// Caret width in characters (at least 1).
    pub width: usize,
}

/// One problem in a manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// What is wrong (one line).
    pub message: String,
    /// Where (line and column in the file), when known.
    pub loc: Option<Loc>,
    /// The offending line with the caret position.
    pub snippet: Option<Snippet>,
    /// How to fix it.
    pub hint: Option<String>,
}

impl Diagnostic {
    /// An error without location.
    pub fn error(message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            message: message.into(),
            loc: None,
            snippet: None,
            hint: None,
        }
    }

    /// A warning without location.
    pub fn warning(message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(message)
        }
    }

    /// Add (or replace) the hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Set the location (without a snippet).
    pub fn with_loc(mut self, loc: Option<Loc>) -> Self {
        self.loc = loc;
        self
    }

    /// True for errors.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Where a diagnostic points: a location and the width of the offending text
/// (0 = work it out from the source line).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Span {
    pub loc: Loc,
    pub width: usize,
}

impl Span {
    pub(crate) fn new(loc: Loc, width: usize) -> Self {
        Span { loc, width }
    }
}

/// Collects diagnostics and attaches source snippets as they come in.
pub(crate) struct Sink<'s> {
    src: &'s SourceText,
    diags: Vec<Diagnostic>,
}

impl<'s> Sink<'s> {
    pub(crate) fn new(src: &'s SourceText) -> Self {
        Sink {
            src,
            diags: Vec::new(),
        }
    }

    pub(crate) fn source(&self) -> &'s SourceText {
        self.src
    }

    /// Push `d` pointing at `span` (when given).
    pub(crate) fn push(&mut self, d: Diagnostic, span: Option<Span>) {
        self.push_inner(d, span, false);
    }

    /// Push `d` pointing at a literal secret: the snippet shows `<redacted>`
    /// instead of the value so the report cannot leak it.
    pub(crate) fn push_redacted(&mut self, d: Diagnostic, span: Option<Span>) {
        self.push_inner(d, span, true);
    }

    fn push_inner(&mut self, mut d: Diagnostic, span: Option<Span>, redact: bool) {
        if let Some(span) = span {
            d.loc = Some(span.loc);
            d.snippet = self.src.snippet(span, redact);
        }
        if !self.diags.contains(&d) {
            self.diags.push(d);
        }
    }

    pub(crate) fn error_count(&self) -> usize {
        self.diags.iter().filter(|d| d.is_error()).count()
    }

    pub(crate) fn into_diagnostics(self) -> Vec<Diagnostic> {
        self.diags
    }
}

/// Every diagnostic of one manifest, rendered in one place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestReport {
    /// The manifest path as the user gave it (used in `-->` lines).
    pub path: PathBuf,
    /// Errors and warnings, in file order.
    pub diagnostics: Vec<Diagnostic>,
}

impl ManifestReport {
    /// A report over `diagnostics`, sorted by position (file-level ones first).
    pub fn new(path: &Path, mut diagnostics: Vec<Diagnostic>) -> Self {
        diagnostics.sort_by_key(|d| d.loc.map(|l| (l.line, l.column)));
        ManifestReport {
            path: path.to_path_buf(),
            diagnostics,
        }
    }

    /// True when at least one diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// The errors.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.is_error())
    }

    /// The warnings.
    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| !d.is_error())
    }

    /// Render every diagnostic, then (when there are errors) a summary line.
    /// `color` adds ANSI styles.
    pub fn render(&self, color: bool) -> String {
        let mut out = String::new();
        for d in &self.diagnostics {
            out.push_str(&render_diagnostic(&self.path, d, color));
            out.push('\n');
        }
        let errors = self.errors().count();
        if errors > 0 {
            let warnings = self.warnings().count();
            let mut counts = plural(errors, "error");
            if warnings > 0 {
                counts.push_str(&format!(", {}", plural(warnings, "warning")));
            }
            let _ = writeln!(
                out,
                "{}: {} is not a valid manifest ({counts})",
                paint("error", ERR, color),
                self.path.display()
            );
        }
        out
    }
}

impl std::fmt::Display for ManifestReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.render(false))
    }
}

impl std::error::Error for ManifestReport {}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

const ERR: &str = "1;31";
const WARN: &str = "1;33";
const BLUE: &str = "1;34";
const BOLD: &str = "1";

fn paint(text: &str, style: &str, color: bool) -> String {
    if color {
        format!("\x1b[{style}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

/// Render one diagnostic (no trailing newline).
pub fn render_diagnostic(path: &Path, d: &Diagnostic, color: bool) -> String {
    let mut out = String::new();
    let (label, style) = match d.severity {
        Severity::Error => ("error", ERR),
        Severity::Warning => ("warning", WARN),
    };
    let _ = write!(
        out,
        "{}{}",
        paint(label, style, color),
        paint(&format!(": {}", d.message), BOLD, color)
    );
    let line_no = d.loc.map(|l| l.line.to_string()).unwrap_or_default();
    let pad = line_no.len().max(1);
    let gutter = " ".repeat(pad + 1);
    let place = match d.loc {
        Some(l) => format!("{}:{}:{}", path.display(), l.line, l.column),
        None => path.display().to_string(),
    };
    let _ = write!(out, "\n{gutter}{} {place}", paint("-->", BLUE, color));
    if let Some(s) = &d.snippet {
        let bar = paint("|", BLUE, color);
        let _ = write!(out, "\n{gutter} {bar}");
        let _ = write!(
            out,
            "\n {} {bar} {}",
            paint(&format!("{line_no:>pad$}"), BLUE, color),
            s.text
        );
        let carets = "^".repeat(s.width.max(1));
        let _ = write!(
            out,
            "\n{gutter} {bar} {}{}",
            " ".repeat(s.column.saturating_sub(1)),
            paint(&carets, style, color)
        );
    }
    if let Some(h) = &d.hint {
        let _ = write!(out, "\n{gutter} {} {h}", paint("= hint:", BOLD, color));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_like_rustc() {
        let src = SourceText::new("version: 1\nsync:\n  contacts:\n    direktion: two_way\n");
        let mut sink = Sink::new(&src);
        sink.push(
            Diagnostic::error("unknown key `direktion` in sync.contacts")
                .with_hint("did you mean `direction`?"),
            Some(Span::new(Loc::new(4, 5), 9)),
        );
        let report = ManifestReport::new(Path::new("examples/bad.yaml"), sink.into_diagnostics());
        assert_eq!(
            report.render(false),
            "error: unknown key `direktion` in sync.contacts\n  --> examples/bad.yaml:4:5\n   |\n 4 |     direktion: two_way\n   |     ^^^^^^^^^\n   = hint: did you mean `direction`?\nerror: examples/bad.yaml is not a valid manifest (1 error)\n"
        );
        assert!(report.render(true).contains("\x1b[1;31merror\x1b[0m"));
    }

    #[test]
    fn sorts_and_dedups() {
        let src = SourceText::new("a: 1\nb: 2\n");
        let mut sink = Sink::new(&src);
        sink.push(
            Diagnostic::warning("second"),
            Some(Span::new(Loc::new(2, 1), 1)),
        );
        sink.push(
            Diagnostic::error("first"),
            Some(Span::new(Loc::new(1, 1), 1)),
        );
        sink.push(
            Diagnostic::error("first"),
            Some(Span::new(Loc::new(1, 1), 1)),
        );
        let report = ManifestReport::new(Path::new("m.yaml"), sink.into_diagnostics());
        let msgs: Vec<_> = report
            .diagnostics
            .iter()
            .map(|d| d.message.as_str())
            .collect();
        assert_eq!(msgs, ["first", "second"]);
        assert!(report.render(false).ends_with("(1 error, 1 warning)\n"));
    }
}
