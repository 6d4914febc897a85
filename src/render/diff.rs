//! Unified line diffs of long or multi-line text values (via `similar`).
//!
//! The diff is computed without a deadline: `similar`'s timeouts depend on the
//! wall clock and would make rendering non-deterministic. Instead, inputs are
//! bounded ([`MAX_DIFF_LINES`]) so the worst case stays cheap.

use super::common::visible;
use similar::{ChangeTag, TextDiff};

/// Lines of context around each change.
const CONTEXT: usize = 3;

/// Above this many lines on either side, no diff is computed; the renderers
/// say how many lines each side has instead.
pub(crate) const MAX_DIFF_LINES: usize = 5_000;

/// The role of one line of a rendered diff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LineKind {
    /// `@@ -1,3 +1,4 @@`
    Hunk,
    /// Unchanged context (` ` prefix).
    Context,
    /// Removed (`-` prefix).
    Delete,
    /// Added (`+` prefix).
    Insert,
    /// A note about the diff itself (too large, newline-only change).
    Note,
}

/// One line of a unified diff, with its prefix already applied and user data
/// made [`visible`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DiffLine {
    pub kind: LineKind,
    pub text: String,
}

/// The unified diff of `before` → `after`, line by line, without file
/// headers. Line endings are not shown (a `\r` is, as `\r`), and a change in
/// the final newline alone is called out in a note line.
pub(crate) fn line_diff(before: &str, after: &str) -> Vec<DiffLine> {
    let (nb, na) = (before.lines().count(), after.lines().count());
    if nb > MAX_DIFF_LINES || na > MAX_DIFF_LINES {
        return vec![DiffLine {
            kind: LineKind::Note,
            text: format!("(text of {nb} lines → {na} lines; too long to diff)"),
        }];
    }
    let diff = TextDiff::from_lines(before, after);
    let mut out = Vec::new();
    for hunk in diff
        .unified_diff()
        .context_radius(CONTEXT)
        .missing_newline_hint(false)
        .iter_hunks()
    {
        out.push(DiffLine {
            kind: LineKind::Hunk,
            text: hunk.header().to_string(),
        });
        for change in hunk.iter_changes() {
            let raw = change.value();
            // Only the `\n` is the line ending here; a `\r` before it is
            // data (CRLF text) and stays visible as `\r`.
            let line = raw.strip_suffix('\n').unwrap_or(raw);
            let (kind, prefix) = match change.tag() {
                ChangeTag::Equal => (LineKind::Context, ' '),
                ChangeTag::Delete => (LineKind::Delete, '-'),
                ChangeTag::Insert => (LineKind::Insert, '+'),
            };
            out.push(DiffLine {
                kind,
                text: format!("{prefix}{}", visible(line)),
            });
        }
    }
    if before.ends_with('\n') != after.ends_with('\n') {
        out.push(DiffLine {
            kind: LineKind::Note,
            text: if after.ends_with('\n') {
                "(a final newline is added)".to_string()
            } else {
                "(the final newline is removed)".to_string()
            },
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(lines: &[DiffLine]) -> Vec<&str> {
        lines.iter().map(|l| l.text.as_str()).collect()
    }

    #[test]
    fn unified_hunks_with_context() {
        let before = "one\ntwo\nthree\nfour\n";
        let after = "one\n2\nthree\nfour\nfive\n";
        assert_eq!(
            texts(&line_diff(before, after)),
            vec![
                "@@ -1,4 +1,5 @@",
                " one",
                "-two",
                "+2",
                " three",
                " four",
                "+five"
            ]
        );
    }

    #[test]
    fn from_nothing_everything_is_added() {
        let d = line_diff("", "a\nb");
        assert_eq!(texts(&d), vec!["@@ -0,0 +1,2 @@", "+a", "+b"]);
        assert_eq!(d[1].kind, LineKind::Insert);
    }

    #[test]
    fn final_newline_change_is_noted_and_cr_is_visible() {
        let d = line_diff("a\r\nb", "a\r\nb\n");
        assert_eq!(texts(&d).last(), Some(&"(a final newline is added)"));
        let d = line_diff("a\r\n", "b\r\n");
        assert_eq!(texts(&d), vec!["@@ -1 +1 @@", "-a\\r", "+b\\r"]);
    }

    #[test]
    fn escapes_are_neutralised() {
        let d = line_diff("x", "\u{1b}[2J");
        assert!(texts(&d).contains(&"+\\u{1b}[2J"));
    }

    #[test]
    fn huge_texts_are_not_diffed() {
        let big = "x\n".repeat(MAX_DIFF_LINES + 1);
        let d = line_diff(&big, "y");
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].kind, LineKind::Note);
    }
}
