//! Markdown rendering of a plan for pull-request comments.
//!
//! Layout (see `docs/plan-format.md`): title, the bold summary line, refresh
//! and estimate, a per-block count table, a blocking banner, diagnostics, then
//! one section per block with each change and its field diffs.
//!
//! Two rules shape this module:
//! - **Size.** GitHub rejects comments over 65,536 characters. The output is
//!   kept under [`MAX_BYTES`] (bytes, which are never fewer than characters):
//!   every piece of user data is clipped, diagnostics get a fixed share, and
//!   the remaining space is shared fairly between blocks; what does not fit is
//!   counted in a "… N more changes not shown" note.
//! - **Escaping.** User data (labels, values, messages) must not change the
//!   layout: Markdown punctuation is backslash-escaped, `<`, `>` and `&` become
//!   entities, control characters become visible escapes, and `@name` cannot
//!   ping anyone.

use super::common::{self, Counts};
use super::diff::{LineKind, line_diff};
use crate::model::Value;
use crate::plan::{Block, Change, Diagnostic, Plan, Severity};
use std::fmt::Write as _;

/// Size the rendered comment never exceeds (GitHub's limit is 65,536).
pub const MAX_BYTES: usize = 60_000;
/// Blocks with more changes than this are folded into `<details>`.
pub const FOLD_THRESHOLD: usize = 20;
/// Share of [`MAX_BYTES`] the diagnostics list may use.
const DIAGNOSTICS_BYTES: usize = 20_000;
/// Room kept per block for its heading, `<details>` tags and truncation note.
const BLOCK_OVERHEAD: usize = 400;
/// Text values longer than this are shown as a line diff.
const LONG_TEXT: usize = 80;
/// Clipping of individual pieces of user data (characters).
const CLIP_LABEL: usize = 300;
const CLIP_VALUE: usize = 500;
const CLIP_COMMENT: usize = 500;
const CLIP_MESSAGE: usize = 1_000;
const CLIP_DIFF_LINE: usize = 500;
/// Lines of one field's diff shown before "… N more lines".
const MAX_DIFF_LINES: usize = 200;

/// Render `plan` as GitHub-flavoured Markdown.
pub fn render(plan: &Plan) -> String {
    let multi = common::multi_company(plan);
    let head = header(plan);
    let diags = diagnostics(plan, multi);
    let blocks = common::blocks_in_order(plan);

    let fixed = head.len() + diags.len() + blocks.len() * BLOCK_OVERHEAD + FOOTER_ROOM;
    let available = MAX_BYTES.saturating_sub(fixed);

    // Render each block's changes, but never (much) more than could ever be
    // shown: a 100k-change plan must not build megabytes to throw away.
    let rendered: Vec<Vec<String>> = blocks
        .iter()
        .map(|(_, changes)| {
            let mut used = 0;
            let mut list = Vec::new();
            for change in changes {
                if used > available {
                    break;
                }
                let s = render_change(change, multi);
                used += s.len();
                list.push(s);
            }
            list
        })
        .collect();
    let needs: Vec<usize> = rendered
        .iter()
        .map(|l| l.iter().map(String::len).sum())
        .collect();
    let complete = rendered
        .iter()
        .zip(&blocks)
        .all(|(r, (_, changes))| r.len() == changes.len());
    // Fold every block when the whole plan would not fit.
    let fold_all = !complete || needs.iter().sum::<usize>() > available;
    let allotments = share(&needs, available);

    let mut out = head;
    out.push_str(&diags);
    for (((block, changes), list), allot) in blocks.iter().zip(rendered).zip(allotments) {
        block_section(
            &mut out,
            *block,
            changes,
            list,
            allot,
            fold_all || changes.len() > FOLD_THRESHOLD,
        );
    }
    enforce_limit(out)
}

/// Room for the final safety note of [`enforce_limit`].
const FOOTER_ROOM: usize = 200;

/// Split `available` bytes between blocks needing `needs` bytes: each gets
/// what it needs up to an equal share of what is left, smaller blocks first,
/// so a huge block cannot hide a small one ("water filling").
fn share(needs: &[usize], available: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..needs.len()).collect();
    order.sort_by_key(|&i| (needs[i], i));
    let mut out = vec![0; needs.len()];
    let mut left = available;
    for (k, &i) in order.iter().enumerate() {
        let fair = left / (needs.len() - k);
        let give = needs[i].min(fair);
        out[i] = give;
        left -= give;
    }
    out
}

fn header(plan: &Plan) -> String {
    let mut out = String::from("## hsqb plan\n\n");
    let _ = writeln!(out, "**{}**\n", common::summary_line(&plan.summary));
    let mut meta = format!(
        "{} {} at {}.",
        capitalize(common::refresh_text(plan)),
        "of HubSpot and QuickBooks",
        common::now_text(plan)
    );
    if let Some(est) = common::estimate_sentence(&plan.estimate, !plan.changes.is_empty()) {
        meta.push(' ');
        meta.push_str(&md(&clip(&est, CLIP_COMMENT)));
    }
    let _ = writeln!(out, "{meta}\n");

    let blocks = common::blocks_in_order(plan);
    if !blocks.is_empty() {
        let counts: Vec<(Block, Counts)> = blocks
            .iter()
            .map(|(b, ch)| (*b, Counts::of(ch.iter().copied())))
            .collect();
        let ensure = counts.iter().any(|(_, c)| c.ensure > 0);
        let associate = counts.iter().any(|(_, c)| c.associate > 0);
        out.push_str("| Block | Create | Update | Delete | Link |");
        let mut rule = String::from("| --- | ---: | ---: | ---: | ---: |");
        if ensure {
            out.push_str(" Ensure |");
            rule.push_str(" ---: |");
        }
        if associate {
            out.push_str(" Associate |");
            rule.push_str(" ---: |");
        }
        let _ = writeln!(out, "\n{rule}");
        for (block, c) in counts {
            let _ = write!(
                out,
                "| {} | {} | {} | {} | {} |",
                md(block.name()),
                c.create,
                c.update,
                c.delete,
                c.link
            );
            if ensure {
                let _ = write!(out, " {} |", c.ensure);
            }
            if associate {
                let _ = write!(out, " {} |", c.associate);
            }
            out.push('\n');
        }
        out.push('\n');
    }
    let blocking = common::blocking_count(plan);
    if blocking > 0 {
        let _ = writeln!(
            out,
            "> **This plan cannot be applied:** {} (see Diagnostics).\n",
            common::plural(blocking, "blocking error", "blocking errors")
        );
    }
    out
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// The diagnostics list: errors (and anything blocking) always in the open;
/// warnings and infos folded into `<details>` when there are many. Bounded by
/// [`DIAGNOSTICS_BYTES`], with a count of what did not fit.
fn diagnostics(plan: &Plan, multi: bool) -> String {
    let diags = common::sorted_diagnostics(plan);
    if diags.is_empty() {
        return String::new();
    }
    let (open, rest): (Vec<&Diagnostic>, Vec<&Diagnostic>) = diags
        .iter()
        .partition(|d| d.severity == Severity::Error || d.blocking);
    let fold = diags.len() > FOLD_THRESHOLD && !rest.is_empty();
    let mut out = String::from("### Diagnostics\n\n");
    let mut shown = 0;
    let mut full = false;
    for (i, d) in open.iter().chain(rest.iter()).enumerate() {
        let mut item = String::new();
        if fold && i == open.len() {
            if !open.is_empty() {
                item.push('\n');
            }
            let warnings = rest
                .iter()
                .filter(|d| d.severity == Severity::Warning)
                .count();
            let infos = rest.len() - warnings;
            let mut what = Vec::new();
            if warnings > 0 {
                what.push(common::plural(warnings, "warning", "warnings"));
            }
            if infos > 0 {
                what.push(format!("{infos} info"));
            }
            let _ = writeln!(item, "<details><summary>{}</summary>\n", what.join(", "));
        }
        item.push_str(&diagnostic_item(d, multi));
        // Keep room for the closing tag and the "not shown" line.
        if out.len() + item.len() + 200 > DIAGNOSTICS_BYTES {
            full = true;
            break;
        }
        out.push_str(&item);
        shown += 1;
    }
    if fold && shown > open.len() {
        out.push_str("\n</details>\n");
    }
    if full {
        let _ = writeln!(
            out,
            "\n… {} not shown (run `hsqb show plan.json`)",
            common::plural(diags.len() - shown, "more diagnostic", "more diagnostics")
        );
    }
    out.push('\n');
    out
}

/// One diagnostic as a list item (the hint on a second line).
fn diagnostic_item(d: &Diagnostic, multi: bool) -> String {
    let severity = match d.severity {
        Severity::Error => "**error**",
        Severity::Warning => "**warning**",
        Severity::Info => "**info**",
    };
    let mut item = format!("- {severity}");
    if d.blocking {
        item.push_str(" (blocking)");
    }
    let _ = write!(item, " {}:", md(d.block.name()));
    if let Some(subject) = common::diagnostic_subject(d, multi) {
        let _ = write!(item, " {}:", md(&clip(&subject, CLIP_LABEL)));
    }
    let _ = write!(item, " {}", md(&clip(&d.message, CLIP_MESSAGE)));
    if !d.code.is_empty() {
        let _ = write!(item, " {}", md(&format!("[{}]", clip(&d.code, 100))));
    }
    if let Some(hint) = d.hint.as_deref().filter(|h| !h.trim().is_empty()) {
        let _ = write!(item, "\\\n  hint: {}", md(&clip(hint.trim(), CLIP_MESSAGE)));
    }
    item.push('\n');
    item
}

fn block_section(
    out: &mut String,
    block: Block,
    changes: &[&Change],
    rendered: Vec<String>,
    allot: usize,
    fold: bool,
) {
    let phrase = Counts::of(changes.iter().copied()).phrase();
    let _ = writeln!(out, "### {} — {phrase}\n", md(block.name()));
    if fold {
        let _ = writeln!(
            out,
            "<details><summary>{} in {}</summary>\n",
            common::plural(changes.len(), "change", "changes"),
            block.name()
        );
    }
    let mut used = 0;
    let mut shown = 0;
    for s in rendered {
        if used + s.len() > allot {
            break;
        }
        used += s.len();
        out.push_str(&s);
        shown += 1;
    }
    if fold {
        out.push_str("</details>\n\n");
    }
    if shown < changes.len() {
        let _ = writeln!(
            out,
            "… {} not shown (run `hsqb show plan.json`)\n",
            common::plural(changes.len() - shown, "more change", "more changes")
        );
    }
}

fn render_change(change: &Change, multi: bool) -> String {
    let mut out = format!(
        "**`{}` {}** {} **{}**",
        change.action.symbol(),
        md(&common::verb(change)),
        md(&common::object_phrase(
            change.system,
            change.object,
            change.company.as_deref(),
            multi
        )),
        md(&common::quote(&clip(&change.label, CLIP_LABEL))),
    );
    if let Some(id) = &change.target_id {
        let _ = write!(out, " (id {})", md(&clip(id, CLIP_LABEL)));
    }
    if let Some(partner) = common::link_partner(change, multi) {
        let _ = write!(out, " with {}", md(&clip(&partner, CLIP_LABEL)));
    }
    let comment = common::comment_parts(change, multi);
    if !comment.is_empty() {
        let _ = write!(
            out,
            "\\\n*{}*",
            md(&clip(&comment.join("; "), CLIP_COMMENT))
        );
    }
    out.push_str("\n\n");

    let details = common::payload_details(change);
    if !details.is_empty() {
        for line in details {
            let _ = writeln!(out, "- {}", md(&clip(&line, CLIP_COMMENT)));
        }
        out.push('\n');
    }

    let mut table = String::new();
    let mut diffs = String::new();
    for field in &change.fields {
        let name = md(&clip(&field.field, CLIP_LABEL));
        let note = field
            .note
            .as_deref()
            .filter(|n| !n.trim().is_empty())
            .map(|n| md(&clip(n.trim(), CLIP_COMMENT)))
            .unwrap_or_default();
        if let Some((before, after)) = common::long_text(&field.before, &field.after, LONG_TEXT) {
            let _ = write!(diffs, "{name} (line diff)");
            if !note.is_empty() {
                let _ = write!(diffs, " — *{note}*");
            }
            diffs.push_str(":\n\n");
            diffs.push_str(&fenced_diff(before, after));
        } else {
            let (b, a) = common::value_pair(&field.before, &field.after);
            let _ = writeln!(
                table,
                "| {name} | {} | {} | {note} |",
                cell(&field.before, &b),
                cell(&field.after, &a)
            );
        }
    }
    if !table.is_empty() {
        out.push_str("| Field | Before | After | Note |\n| --- | --- | --- | --- |\n");
        out.push_str(&table);
        out.push('\n');
    }
    out.push_str(&diffs);
    out
}

/// A table cell: `*(none)*` for absent values, the escaped form otherwise.
fn cell(v: &Value, shown: &str) -> String {
    if matches!(v, Value::Null) {
        "*(none)*".to_string()
    } else {
        md(&clip(shown, CLIP_VALUE))
    }
}

/// A ```` ```diff ```` block whose fence is longer than any backtick run in
/// the content, so user data cannot close it.
fn fenced_diff(before: &str, after: &str) -> String {
    let lines = line_diff(before, after);
    let total = lines.len();
    let mut body = String::new();
    for line in lines.iter().take(MAX_DIFF_LINES) {
        let text = match line.kind {
            // Notes are not diff lines; mark them so they read as such.
            LineKind::Note => format!("# {}", line.text),
            _ => line.text.clone(),
        };
        body.push_str(&clip(&text, CLIP_DIFF_LINE));
        body.push('\n');
    }
    if total > MAX_DIFF_LINES {
        let _ = writeln!(
            body,
            "# … {} not shown",
            common::plural(total - MAX_DIFF_LINES, "more line", "more lines")
        );
    }
    let fence = "`".repeat(longest_backtick_run(&body).max(2) + 1);
    format!("{fence}diff\n{body}{fence}\n\n")
}

fn longest_backtick_run(s: &str) -> usize {
    let (mut best, mut cur) = (0, 0);
    for c in s.chars() {
        if c == '`' {
            cur += 1;
            best = best.max(cur);
        } else {
            cur = 0;
        }
    }
    best
}

/// At most `max` characters, with `…` when cut.
fn clip(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// User data as inline Markdown that renders literally: control characters
/// made visible, Markdown punctuation escaped, HTML specials as entities, and
/// `@mentions` defused with a word joiner (U+2060) so a CRM label cannot ping
/// a GitHub user or team.
pub(crate) fn md(s: &str) -> String {
    let s = common::visible(s);
    let mut out = String::with_capacity(s.len() + 8);
    let mut prev: Option<char> = None;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '$' => {
                out.push('\\');
                out.push(c);
            }
            '@' => {
                out.push('@');
                let starts_mention = !prev.is_some_and(char::is_alphanumeric)
                    && chars
                        .peek()
                        .is_some_and(|n| n.is_ascii_alphanumeric() || *n == '-');
                if starts_mention {
                    out.push('\u{2060}');
                }
            }
            c => out.push(c),
        }
        prev = Some(c);
    }
    out
}

/// Last line of defence: should the budget ever be exceeded (it is computed
/// to leave room), cut at a line boundary and say so, rather than have GitHub
/// reject the comment.
fn enforce_limit(mut out: String) -> String {
    if out.len() <= MAX_BYTES {
        return out;
    }
    let mut cut = MAX_BYTES - FOOTER_ROOM;
    while !out.is_char_boundary(cut) {
        cut -= 1;
    }
    if let Some(nl) = out[..cut].rfind('\n') {
        cut = nl + 1;
    }
    out.truncate(cut);
    out.push_str("\n… output truncated to fit a comment (run `hsqb show plan.json`)\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn md_escapes_layout_characters() {
        assert_eq!(md("a|b"), "a\\|b");
        assert_eq!(md("<script>&"), "&lt;script&gt;&amp;");
        assert_eq!(md("`x` *y* _z_ [l](u) ~s~ $m$"), {
            "\\`x\\` \\*y\\* \\_z\\_ \\[l\\](u) \\~s\\~ \\$m\\$"
        });
        assert_eq!(md("a\\b"), "a\\\\b");
        assert_eq!(md("line\nbreak"), "line\\\\nbreak");
    }

    #[test]
    fn md_defuses_mentions_but_not_emails() {
        assert_eq!(md("cc @octocat"), "cc @\u{2060}octocat");
        assert_eq!(md("@org/team"), "@\u{2060}org/team");
        assert_eq!(md("jane@example.com"), "jane@example.com");
        assert_eq!(md("@ alone"), "@ alone");
    }

    #[test]
    fn clip_counts_characters() {
        assert_eq!(clip("héllo", 3), "hél…");
        assert_eq!(clip("hé", 3), "hé");
    }

    #[test]
    fn share_is_fair_and_never_exceeds_available() {
        assert_eq!(share(&[10, 1000, 20], 300), vec![10, 270, 20]);
        assert_eq!(share(&[500, 500], 300), vec![150, 150]);
        assert_eq!(share(&[], 300), Vec::<usize>::new());
        let s = share(&[7, 99, 1000, 3], 101);
        assert!(s.iter().sum::<usize>() <= 101);
    }

    #[test]
    fn fence_outgrows_backticks_in_content() {
        let d = fenced_diff("a", "```\nx````y");
        assert!(d.starts_with("`````diff\n"), "{d}");
        assert!(d.ends_with("\n`````\n\n"));
    }

    #[test]
    fn enforce_limit_cuts_on_a_line() {
        let big = "x\n".repeat(MAX_BYTES);
        let out = enforce_limit(big);
        assert!(out.len() <= MAX_BYTES);
        assert!(out.ends_with("(run `hsqb show plan.json`)\n"));
    }
}
