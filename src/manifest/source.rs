//! Reading the manifest file safely (size cap, encoding checks) and looking up
//! its lines for snippets.

use super::diagnostic::{Diagnostic, Snippet, Span};
use super::scalar::Loc;
use std::io::Read;
use std::path::Path;

/// Largest manifest hsqb reads. A manifest is a small configuration file; this
/// cap keeps a wrong `-f` (a data dump, `/dev/zero`) from being read into memory.
pub const MAX_MANIFEST_BYTES: u64 = 1024 * 1024;

/// Widest snippet shown; longer lines are cropped around the caret.
const MAX_SNIPPET_CHARS: usize = 120;

/// Read `path` as raw bytes, refusing anything larger than
/// [`MAX_MANIFEST_BYTES`] without reading it.
pub(crate) fn read_capped(path: &Path) -> Result<Vec<u8>, Diagnostic> {
    let shown = path.display();
    let file = std::fs::File::open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Diagnostic::error(format!(
            "manifest file `{shown}` not found"
        ))
        .with_hint(
            "create it (start from examples/quickstart.yaml) or choose another file with -f FILE",
        ),
        _ => Diagnostic::error(format!("cannot read `{shown}`: {e}")),
    })?;
    let meta = file
        .metadata()
        .map_err(|e| Diagnostic::error(format!("cannot read `{shown}`: {e}")))?;
    if meta.is_dir() {
        return Err(
            Diagnostic::error(format!("`{shown}` is a directory, not a manifest file"))
                .with_hint("pass the YAML file itself, e.g. -f hsqb.yaml"),
        );
    }
    if meta.len() > MAX_MANIFEST_BYTES {
        return Err(too_large(path, meta.len()));
    }
    // The metadata of pipes and devices says nothing about their size: read at
    // most one byte more than the cap and refuse if it is reached.
    let mut bytes = Vec::new();
    file.take(MAX_MANIFEST_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Diagnostic::error(format!("cannot read `{shown}`: {e}")))?;
    if bytes.len() as u64 > MAX_MANIFEST_BYTES {
        return Err(too_large(path, bytes.len() as u64));
    }
    Ok(bytes)
}

fn too_large(path: &Path, len: u64) -> Diagnostic {
    let size = if len > 10 * MAX_MANIFEST_BYTES {
        format!("{:.1} MiB", len as f64 / (1024.0 * 1024.0))
    } else if len > MAX_MANIFEST_BYTES + 1 {
        format!("{len} bytes")
    } else {
        // Read from a pipe or device: only the cap is known.
        "more than 1 MiB".to_string()
    };
    Diagnostic::error(format!(
        "`{}` is too large for a manifest ({size}; the limit is 1 MiB)",
        path.display()
    ))
    .with_hint("a manifest is a small YAML configuration file; check the path given with -f")
}

/// Decode manifest bytes: UTF-8 only, no NUL bytes, not empty. The UTF-8 byte
/// order mark is skipped.
pub(crate) fn decode(bytes: &[u8]) -> Result<&str, Diagnostic> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(
            Diagnostic::error("the manifest is UTF-16 encoded; hsqb reads UTF-8 only")
                .with_hint("save the file as UTF-8"),
        );
    }
    let body = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    let bom = bytes.len() - body.len();
    if let Some(pos) = body.iter().position(|b| *b == 0) {
        let loc = byte_loc(body, pos);
        return Err(Diagnostic::error(format!(
            "the manifest looks like a binary file: NUL byte at byte offset {} (line {}, column {})",
            pos + bom,
            loc.line,
            loc.column
        ))
        .with_loc(Some(loc))
        .with_hint("a manifest is a UTF-8 YAML text file; check the path given with -f"));
    }
    let text = std::str::from_utf8(body).map_err(|e| {
        let pos = e.valid_up_to();
        let loc = byte_loc(body, pos);
        Diagnostic::error(format!(
            "the manifest is not valid UTF-8: byte 0x{:02X} at byte offset {} (line {}, column {})",
            body[pos],
            pos + bom,
            loc.line,
            loc.column
        ))
        .with_loc(Some(loc))
        .with_hint("save the file as UTF-8")
    })?;
    if text.trim().is_empty() {
        return Err(empty_manifest());
    }
    Ok(text)
}

/// The error for a manifest without settings.
pub(crate) fn empty_manifest() -> Diagnostic {
    Diagnostic::error("the manifest is empty").with_hint(
        "a manifest needs at least `version: 1` and one sync block; start from examples/quickstart.yaml",
    )
}

/// Line and character column of byte `pos` (the prefix before it is valid UTF-8
/// up to `pos` in every caller).
fn byte_loc(bytes: &[u8], pos: usize) -> Loc {
    let before = &bytes[..pos];
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |p| p + 1);
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    Loc::new(line, column)
}

/// The manifest text with a line index.
#[derive(Debug, Clone)]
pub(crate) struct SourceText {
    text: String,
    line_starts: Vec<usize>,
}

impl SourceText {
    pub(crate) fn new(text: &str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        SourceText {
            text: text.to_string(),
            line_starts,
        }
    }

    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    /// Line `n` (1-based) without its line break.
    pub(crate) fn line(&self, n: usize) -> Option<&str> {
        let start = *self.line_starts.get(n.checked_sub(1)?)?;
        let end = self.line_starts.get(n).copied().unwrap_or(self.text.len());
        Some(self.text[start..end].trim_end_matches(['\n', '\r']))
    }

    /// Byte offset of `loc` within its line (`None` if out of range).
    fn byte_in_line(line: &str, column: usize) -> Option<usize> {
        if column == 0 {
            return None;
        }
        line.char_indices()
            .map(|(i, _)| i)
            .chain(std::iter::once(line.len()))
            .nth(column - 1)
    }

    /// Width (in characters) of the YAML token starting at `loc`: a quoted
    /// scalar up to its closing quote, otherwise up to a `: ` key separator, a
    /// flow delimiter, a comment or the end of the line.
    pub(crate) fn token_width(&self, loc: Loc) -> usize {
        let Some(line) = self.line(loc.line) else {
            return 1;
        };
        let Some(start) = Self::byte_in_line(line, loc.column) else {
            return 1;
        };
        let rest = &line[start..];
        let mut chars = rest.char_indices().peekable();
        let end = match rest.chars().next() {
            Some(open @ ('{' | '[')) => {
                // A flow collection: up to its matching bracket on this line.
                let close = if open == '{' { '}' } else { ']' };
                let mut depth = 0usize;
                let mut end = rest.len();
                for (i, c) in rest.char_indices() {
                    if c == open {
                        depth += 1;
                    } else if c == close {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            end = i + 1;
                            break;
                        }
                    }
                }
                end
            }
            Some(q @ ('"' | '\'')) => {
                let mut end = rest.len();
                let mut escaped = false;
                for (i, c) in rest.char_indices().skip(1) {
                    if q == '"' && c == '\\' && !escaped {
                        escaped = true;
                        continue;
                    }
                    if c == q && !escaped {
                        end = i + 1;
                        break;
                    }
                    escaped = false;
                }
                end
            }
            _ => {
                let mut end = rest.len();
                let mut prev_space = false;
                while let Some((i, c)) = chars.next() {
                    let next = chars.peek().map(|(_, c)| *c);
                    let stop = match c {
                        ',' | ']' | '}' => i > 0,
                        '#' => prev_space,
                        ':' => next.is_none() || next == Some(' '),
                        _ => false,
                    };
                    if stop {
                        end = i;
                        break;
                    }
                    prev_space = c == ' ';
                }
                rest[..end].trim_end().len()
            }
        };
        rest[..end].chars().count().max(1)
    }

    /// The snippet for `span` (tabs expanded, long lines cropped, the value
    /// replaced by `<redacted>` when `redact`).
    pub(crate) fn snippet(&self, span: Span, redact: bool) -> Option<Snippet> {
        let line = self.line(span.loc.line)?;
        let width = if span.width == 0 {
            self.token_width(span.loc)
        } else {
            span.width
        };
        let chars: Vec<char> = line.chars().collect();
        let col0 = span.loc.column.saturating_sub(1).min(chars.len());
        let end0 = (col0 + width).min(chars.len().max(col0 + 1));
        let mut before: String = chars[..col0].iter().collect();
        let mut marked: String = chars[col0..end0.min(chars.len())].iter().collect();
        let after: String = chars[end0.min(chars.len())..].iter().collect();
        if redact {
            marked = "<redacted>".to_string();
        }
        let expand = |s: &str| s.replace('\t', "    ");
        before = expand(&before);
        let marked = expand(&marked);
        let mut after = expand(&after);
        let mut width = marked.chars().count().max(1);
        // Crop long lines, keeping the caret visible within MAX_SNIPPET_CHARS.
        let total = before.chars().count() + marked.chars().count() + after.chars().count();
        let before_len = before.chars().count();
        if total > MAX_SNIPPET_CHARS && before_len > MAX_SNIPPET_CHARS / 2 {
            let skip = before_len - MAX_SNIPPET_CHARS / 2;
            before = format!("…{}", before.chars().skip(skip + 1).collect::<String>());
        }
        if width > MAX_SNIPPET_CHARS {
            width = MAX_SNIPPET_CHARS;
        }
        let room = MAX_SNIPPET_CHARS.saturating_sub(before.chars().count() + width);
        if after.chars().count() > room {
            after = format!("{}…", after.chars().take(room).collect::<String>());
        }
        let marked: String = if marked.chars().count() > width {
            format!(
                "{}…",
                marked
                    .chars()
                    .take(width.saturating_sub(1))
                    .collect::<String>()
            )
        } else {
            marked
        };
        let column = before.chars().count() + 1;
        Some(Snippet {
            text: format!("{before}{marked}{after}").trim_end().to_string(),
            column,
            width,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_refuses_binary_and_bad_utf8() {
        let e = decode(b"version: 1\nab\0c").unwrap_err();
        assert!(
            e.message.contains("byte offset 13 (line 2, column 3)"),
            "{}",
            e.message
        );
        let e = decode(b"version: 1\n  \xC3\x28").unwrap_err();
        assert!(
            e.message
                .contains("byte 0xC3 at byte offset 13 (line 2, column 3)"),
            "{}",
            e.message
        );
        assert!(decode(b"").unwrap_err().message.contains("empty"));
        assert!(decode(b" \n\t\n").unwrap_err().message.contains("empty"));
        assert!(
            decode(b"\xFF\xFEv\0")
                .unwrap_err()
                .message
                .contains("UTF-16")
        );
        assert_eq!(decode(b"\xEF\xBB\xBFversion: 1").unwrap(), "version: 1");
    }

    #[test]
    fn token_widths() {
        let src = SourceText::new("  key: value # c\n  - \"quo\\\"ted\" \n  {a: b, c: d}\n");
        assert_eq!(src.token_width(Loc::new(1, 3)), 3);
        assert_eq!(src.token_width(Loc::new(1, 8)), 5);
        assert_eq!(src.token_width(Loc::new(2, 5)), 10);
        assert_eq!(src.token_width(Loc::new(3, 7)), 1);
        assert_eq!(src.token_width(Loc::new(9, 1)), 1);
    }

    #[test]
    fn snippets_redact_and_crop() {
        let src = SourceText::new("  token: pat-na1-secret\n");
        let s = src.snippet(Span::new(Loc::new(1, 10), 0), true).unwrap();
        assert_eq!(s.text, "  token: <redacted>");
        assert_eq!((s.column, s.width), (10, 10));
        let long = format!("key: {}", "x".repeat(500));
        let src = SourceText::new(&long);
        let s = src.snippet(Span::new(Loc::new(1, 300), 3), false).unwrap();
        assert!(
            s.text.chars().count() <= MAX_SNIPPET_CHARS + 2,
            "{}",
            s.text
        );
        assert_eq!(s.column, 61);
    }
}
