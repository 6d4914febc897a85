//! The human, Terraform-like text rendering of a plan (`hsqb plan`, `hsqb show`).
//!
//! Layout (see `docs/plan-format.md`): header, symbol legend, one section per
//! block with its changes, diagnostics, the apply estimate, and a last line
//! that is exactly the summary line. Colour is a parameter: the CLI decides it
//! (TTY and `NO_COLOR`), never this module.

use super::common::{self, Counts};
use super::diff::{LineKind, line_diff};
use crate::plan::{Action, Change, Plan, Severity};
use std::fmt::Write as _;

/// Options for [`text`](super::text).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TextOptions {
    /// Use ANSI colours (symbols, diff lines, severities; notes dimmed).
    pub color: bool,
    /// Terminal width in columns. Text values longer than this (default 80)
    /// are shown as a line diff instead of `before → after`.
    pub width: Option<usize>,
    /// Print only the counts per block (and a diagnostics count) and the last
    /// line.
    pub summary_only: bool,
}

/// Default width when the terminal's is unknown.
const DEFAULT_WIDTH: usize = 80;

/// ANSI styles, applied only when colour is on.
#[derive(Clone, Copy)]
struct Style {
    color: bool,
}

impl Style {
    fn paint(self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    fn green(self, s: &str) -> String {
        self.paint("32", s)
    }
    fn yellow(self, s: &str) -> String {
        self.paint("33", s)
    }
    fn red(self, s: &str) -> String {
        self.paint("31", s)
    }
    fn cyan(self, s: &str) -> String {
        self.paint("36", s)
    }
    fn dim(self, s: &str) -> String {
        self.paint("2", s)
    }
    fn bold(self, s: &str) -> String {
        self.paint("1", s)
    }
    fn bold_red(self, s: &str) -> String {
        self.paint("1;31", s)
    }

    /// The coloured symbol of an action.
    fn symbol(self, action: Action) -> String {
        let sym = action.symbol();
        match action {
            Action::Create | Action::Ensure => self.green(sym),
            Action::Update | Action::Associate => self.yellow(sym),
            Action::Archive | Action::Delete => self.red(sym),
            Action::Link => self.cyan(sym),
        }
    }
}

/// Render `plan` as text. See [`TextOptions`].
pub fn render(plan: &Plan, opts: &TextOptions) -> String {
    let style = Style { color: opts.color };
    let mut out = String::new();
    if opts.summary_only {
        summary_only(&mut out, plan, style);
    } else {
        full(&mut out, plan, opts, style);
    }
    // Never styled: scripts and people grep for this exact line.
    out.push_str(&common::summary_line(&plan.summary));
    out.push('\n');
    out
}

fn summary_only(out: &mut String, plan: &Plan, style: Style) {
    for (block, changes) in common::blocks_in_order(plan) {
        let _ = writeln!(
            out,
            "{}: {}",
            block.name(),
            Counts::of(changes.iter().copied()).phrase()
        );
    }
    if let Some(line) = diagnostics_count(plan) {
        let line = if common::blocking_count(plan) > 0 {
            style.bold_red(&line)
        } else {
            line
        };
        let _ = writeln!(out, "{line}");
    }
}

/// `Diagnostics: 1 error (1 blocking), 2 warnings, 1 info.`
fn diagnostics_count(plan: &Plan) -> Option<String> {
    if plan.diagnostics.is_empty() {
        return None;
    }
    let count = |sev: Severity| {
        plan.diagnostics
            .iter()
            .filter(|d| d.severity == sev)
            .count()
    };
    let (e, w, i) = (
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Info),
    );
    let mut parts = Vec::new();
    if e > 0 {
        parts.push(common::plural(e, "error", "errors"));
    }
    if w > 0 {
        parts.push(common::plural(w, "warning", "warnings"));
    }
    if i > 0 {
        parts.push(format!("{i} info"));
    }
    let blocking = common::blocking_count(plan);
    if blocking > 0 {
        return Some(format!(
            "Diagnostics: {} ({blocking} blocking).",
            parts.join(", ")
        ));
    }
    Some(format!("Diagnostics: {}.", parts.join(", ")))
}

fn full(out: &mut String, plan: &Plan, opts: &TextOptions, style: Style) {
    let multi = common::multi_company(plan);
    header(out, plan);
    let blocks = common::blocks_in_order(plan);
    if !blocks.is_empty() {
        legend(out, plan, style);
    }
    let threshold = opts.width.unwrap_or(DEFAULT_WIDTH).max(1);
    for (block, changes) in &blocks {
        out.push('\n');
        let phrase = Counts::of(changes.iter().copied()).phrase();
        let _ = writeln!(
            out,
            "{}",
            style.bold(&format!("{}: {phrase}", block.name()))
        );
        for change in changes {
            out.push('\n');
            render_change(out, change, multi, threshold, style);
        }
    }
    diagnostics(out, plan, multi, style);
    let blocking = common::blocking_count(plan);
    if blocking > 0 {
        out.push('\n');
        let msg = format!(
            "This plan cannot be applied: {}.",
            common::plural(blocking, "blocking error", "blocking errors")
        );
        let _ = writeln!(out, "{}", style.bold_red(&msg));
    }
    out.push('\n');
    if let Some(estimate) = common::estimate_sentence(&plan.estimate, !plan.changes.is_empty()) {
        let _ = writeln!(out, "{estimate}");
    }
}

fn header(out: &mut String, plan: &Plan) {
    let _ = writeln!(
        out,
        "hsqb plan: {} at {}",
        common::refresh_text(plan),
        common::now_text(plan)
    );
    let mut targets = Vec::new();
    if !plan.target.hubspot.is_empty() {
        targets.push(format!("hubspot {}", common::visible(&plan.target.hubspot)));
    }
    for (name, realm) in &plan.target.quickbooks {
        targets.push(format!(
            "quickbooks {} (realm {})",
            common::quote(name),
            common::visible(realm)
        ));
    }
    if !targets.is_empty() {
        let _ = writeln!(out, "Targets: {}", targets.join(", "));
    }
}

/// The symbols used in this plan, Terraform-style, each with the verbs it
/// stands for in this plan (`+ create/ensure`).
fn legend(out: &mut String, plan: &Plan, style: Style) {
    let groups: [(Action, &[Action]); 4] = [
        (Action::Create, &[Action::Create, Action::Ensure]),
        (Action::Update, &[Action::Update, Action::Associate]),
        (Action::Delete, &[Action::Archive, Action::Delete]),
        (Action::Link, &[Action::Link]),
    ];
    let mut parts = Vec::new();
    for (symbol_of, actions) in groups {
        let verbs: Vec<&str> = actions
            .iter()
            .filter(|a| plan.changes.iter().any(|c| c.action == **a))
            .map(|a| a.verb())
            .collect();
        if !verbs.is_empty() {
            parts.push(format!("{} {}", style.symbol(symbol_of), verbs.join("/")));
        }
    }
    out.push('\n');
    let _ = writeln!(out, "Symbols: {}", parts.join("  "));
}

fn render_change(out: &mut String, change: &Change, multi: bool, threshold: usize, style: Style) {
    let mut title = format!(
        "  {} {} {} {}",
        style.symbol(change.action),
        common::verb(change),
        common::object_phrase(
            change.system,
            change.object,
            change.company.as_deref(),
            multi
        ),
        common::quote(&change.label),
    );
    if let Some(id) = &change.target_id {
        let _ = write!(title, " (id {})", common::visible(id));
    }
    if let Some(partner) = common::link_partner(change, multi) {
        let _ = write!(title, " with {partner}");
    }
    let _ = writeln!(out, "{title}");
    let comment = common::comment_parts(change, multi);
    if !comment.is_empty() {
        let _ = writeln!(
            out,
            "      {}",
            style.dim(&format!("# {}", comment.join("; ")))
        );
    }
    for line in common::payload_details(change) {
        let _ = writeln!(out, "      {line}");
    }
    for field in &change.fields {
        let name = common::visible(&field.field);
        let note = field
            .note
            .as_deref()
            .filter(|n| !n.trim().is_empty())
            .map(|n| style.dim(&format!("  # {}", common::visible(n.trim()))))
            .unwrap_or_default();
        if let Some((before, after)) = common::long_text(&field.before, &field.after, threshold) {
            let _ = writeln!(out, "      {name}:{note}");
            for line in line_diff(before, after) {
                let text = match line.kind {
                    LineKind::Hunk => style.cyan(&line.text),
                    LineKind::Delete => style.red(&line.text),
                    LineKind::Insert => style.green(&line.text),
                    LineKind::Context => line.text,
                    LineKind::Note => style.dim(&line.text),
                };
                let _ = writeln!(out, "        {text}");
            }
        } else {
            let (before, after) = common::value_pair(&field.before, &field.after);
            let _ = writeln!(out, "      {name}: {before} → {after}{note}");
        }
    }
}

fn diagnostics(out: &mut String, plan: &Plan, multi: bool, style: Style) {
    let diags = common::sorted_diagnostics(plan);
    if diags.is_empty() {
        return;
    }
    out.push('\n');
    let _ = writeln!(out, "{}", style.bold("Diagnostics:"));
    for d in diags {
        let severity = match (d.severity, d.blocking) {
            (Severity::Error, true) => style.bold_red("error (blocking):"),
            (Severity::Error, false) => style.red("error:"),
            (Severity::Warning, true) => style.bold_red("warning (blocking):"),
            (Severity::Warning, false) => style.yellow("warning:"),
            (Severity::Info, true) => style.bold_red("info (blocking):"),
            (Severity::Info, false) => style.cyan("info:"),
        };
        let mut line = format!("  {severity} {}:", d.block.name());
        if let Some(subject) = common::diagnostic_subject(d, multi) {
            let _ = write!(line, " {subject}:");
        }
        let _ = write!(line, " {}", common::visible(&d.message));
        if !d.code.is_empty() {
            let _ = write!(
                line,
                " {}",
                style.dim(&format!("[{}]", common::visible(&d.code)))
            );
        }
        let _ = writeln!(out, "{}", line.trim_end());
        if let Some(hint) = d.hint.as_deref().filter(|h| !h.trim().is_empty()) {
            let _ = writeln!(out, "      hint: {}", common::visible(hint.trim()));
        }
    }
}
