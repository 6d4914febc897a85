//! Helpers shared by the text and Markdown renderers: counting, titles, value
//! forms, escaping of user data, and the summary/estimate lines.
//!
//! Every string that comes from a plan (labels, values, reasons, messages) is
//! user data: it passes through [`visible`] before it reaches a terminal or a
//! pull request, so control characters (ANSI escapes!) and bidirectional
//! overrides cannot hide or disguise what a change does.

use crate::model::Value;
use crate::plan::{Action, Block, Change, Diagnostic, Estimate, Payload, Plan, RecordRef, Summary};
use std::fmt::Write as _;

/// Counts of changes per action, for one block or a whole plan.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Counts {
    pub create: usize,
    pub update: usize,
    pub delete: usize,
    pub link: usize,
    pub ensure: usize,
    pub associate: usize,
}

impl Counts {
    /// Count the given changes.
    pub fn of<'a>(changes: impl IntoIterator<Item = &'a Change>) -> Counts {
        let mut c = Counts::default();
        for ch in changes {
            match ch.action {
                Action::Create => c.create += 1,
                Action::Update => c.update += 1,
                Action::Archive | Action::Delete => c.delete += 1,
                Action::Link => c.link += 1,
                Action::Ensure => c.ensure += 1,
                Action::Associate => c.associate += 1,
            }
        }
        c
    }

    /// The plan-level counts as the planner stated them.
    pub fn from_summary(s: &Summary) -> Counts {
        Counts {
            create: s.create,
            update: s.update,
            delete: s.delete,
            link: s.link,
            ensure: s.ensure,
            associate: s.associate,
        }
    }

    /// Short phrase listing only the non-zero counts of a block
    /// (`2 to create, 1 to update, 3 associations`).
    pub fn phrase(&self) -> String {
        let mut parts = Vec::new();
        for (n, what) in [
            (self.create, "to create"),
            (self.update, "to update"),
            (self.delete, "to delete"),
            (self.link, "to link"),
        ] {
            if n > 0 {
                parts.push(format!("{n} {what}"));
            }
        }
        parts.extend(self.extras());
        if parts.is_empty() {
            "no changes".to_string()
        } else {
            parts.join(", ")
        }
    }

    /// The optional parts of the summary line (only when non-zero).
    fn extras(&self) -> Vec<String> {
        let mut parts = Vec::new();
        if self.ensure > 0 {
            parts.push(plural(self.ensure, "property", "properties") + " to ensure");
        }
        if self.associate > 0 {
            parts.push(plural(self.associate, "association", "associations"));
        }
        parts
    }
}

/// `1 association`, `3 associations`.
pub(crate) fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The last line of every plan: `Plan: N to create, N to update, N to delete,
/// N to link.` (plus `, N properties to ensure` and `, N associations` when
/// non-zero), or `No changes.` when the plan writes nothing.
pub fn summary_line(summary: &Summary) -> String {
    if summary.is_empty() {
        return "No changes.".to_string();
    }
    let c = Counts::from_summary(summary);
    let mut line = format!(
        "Plan: {} to create, {} to update, {} to delete, {} to link",
        c.create, c.update, c.delete, c.link
    );
    for extra in c.extras() {
        line.push_str(", ");
        line.push_str(&extra);
    }
    line.push('.');
    line
}

/// Changes grouped by block, blocks in order of first appearance, changes in
/// plan order within a block.
pub(crate) fn blocks_in_order(plan: &Plan) -> Vec<(Block, Vec<&Change>)> {
    let mut groups: Vec<(Block, Vec<&Change>)> = Vec::new();
    for ch in &plan.changes {
        match groups.iter_mut().find(|(b, _)| *b == ch.block) {
            Some((_, list)) => list.push(ch),
            None => groups.push((ch.block, vec![ch])),
        }
    }
    groups
}

/// `Apply will make 12 API calls (~3s under the rate limits, bound by …).`
/// `None` when the plan makes no calls and has no changes.
pub(crate) fn estimate_sentence(estimate: &Estimate, has_changes: bool) -> Option<String> {
    if estimate.total_calls == 0 && !has_changes {
        return None;
    }
    let calls = if estimate.total_calls == 1 {
        "1 API call".to_string()
    } else {
        format!("{} API calls", estimate.total_calls)
    };
    let mut s = format!(
        "Apply will make {calls} ({} under the rate limits",
        duration(estimate.seconds)
    );
    let bound = visible(estimate.bound_by.trim());
    if !bound.is_empty() {
        let _ = write!(s, ", bound by {bound}");
    }
    s.push_str(").");
    Some(s)
}

/// Human duration of an estimate: `<1s`, `~3s`, `~2m 5s`, `~1h 4m`.
/// Negative or non-finite input (a hand-edited plan) reads as zero.
pub(crate) fn duration(seconds: f64) -> String {
    if !seconds.is_finite() || seconds <= 0.0 {
        return "~0s".to_string();
    }
    if seconds < 1.0 {
        return "<1s".to_string();
    }
    // Saturating float→int conversion; plans never estimate 500 million years.
    let s = seconds.round() as u64;
    if s < 60 {
        format!("~{s}s")
    } else if s < 3600 {
        match s % 60 {
            0 => format!("~{}m", s / 60),
            r => format!("~{}m {r}s", s / 60),
        }
    } else {
        let m = (s % 3600) / 60;
        match m {
            0 => format!("~{}h", s / 3600),
            m => format!("~{}h {m}m", s / 3600),
        }
    }
}

/// What a change does, as a verb: the action's verb, except removals, which
/// say exactly what happens to the record (`archive`, `deactivate`, `delete`,
/// `void`) because accountants care about the difference.
pub(crate) fn verb(change: &Change) -> String {
    match (&change.action, &change.payload) {
        (Action::Archive | Action::Delete, Payload::Remove { operation })
            if !operation.trim().is_empty() =>
        {
            visible(operation.trim())
        }
        (action, _) => action.verb().to_string(),
    }
}

/// `quickbooks customer`, `hubspot contact`, or `quickbooks[acme] customer`
/// when the plan targets more than one QuickBooks company.
pub(crate) fn object_phrase(
    system: crate::model::System,
    object: crate::model::ObjectKind,
    company: Option<&str>,
    multi_company: bool,
) -> String {
    match company {
        Some(c) if multi_company => format!("{system}[{}] {object}", visible(c)),
        _ => format!("{system} {object}"),
    }
}

/// `hubspot contact 1001` (with the company when several are targeted).
pub(crate) fn record_phrase(r: &RecordRef, multi_company: bool) -> String {
    format!(
        "{} {}",
        object_phrase(r.system, r.object, r.company.as_deref(), multi_company),
        visible(&r.id)
    )
}

/// Whether the plan targets several QBO companies (then company names are shown).
pub(crate) fn multi_company(plan: &Plan) -> bool {
    plan.target.quickbooks.len() > 1
}

/// For a link: what the record is linked with (`quickbooks customer 58`).
pub(crate) fn link_partner(change: &Change, multi_company: bool) -> Option<String> {
    if change.action != Action::Link {
        return None;
    }
    if let Some(src) = &change.source {
        return Some(record_phrase(src, multi_company));
    }
    match &change.payload {
        Payload::Link {
            qbo_id: Some(id), ..
        } => Some(format!("quickbooks id {}", visible(id))),
        _ => None,
    }
}

/// The parts of a change's comment line: reason, match key and (except for
/// links, whose title names it) the source record.
pub(crate) fn comment_parts(change: &Change, multi_company: bool) -> Vec<String> {
    let mut parts = Vec::new();
    let reason = change.reason.trim();
    if !reason.is_empty() {
        parts.push(visible(reason));
    }
    if let Some(key) = change.match_key.as_deref().filter(|k| !k.trim().is_empty()) {
        parts.push(format!("match: {}", visible(key.trim())));
    }
    if let Some(src) = change
        .source
        .as_ref()
        .filter(|_| change.action != Action::Link)
    {
        parts.push(format!("from {}", record_phrase(src, multi_company)));
    }
    parts
}

/// Extra lines describing payloads that have no field diff: property
/// definitions and associations.
pub(crate) fn payload_details(change: &Change) -> Vec<String> {
    let mut lines = Vec::new();
    match &change.payload {
        Payload::Property { object, definition } => {
            let mut s = format!(
                "definition: {}.{} ({}, {}), group {}",
                visible(object),
                visible(&definition.name),
                visible(&definition.type_),
                visible(&definition.field_type),
                quote(&definition.group_name),
            );
            if definition.has_unique_value {
                s.push_str(", unique values");
            }
            if !definition.options.is_empty() {
                let opts: Vec<String> = definition.options.iter().map(|o| quote(o)).collect();
                let _ = write!(s, ", options {}", opts.join(", "));
            }
            lines.push(s);
        }
        Payload::Associations { items } => {
            lines.extend(items.iter().map(association_line));
        }
        Payload::Hubspot { associations, .. } => {
            lines.extend(associations.iter().map(association_line));
        }
        Payload::Quickbooks { .. } | Payload::Link { .. } | Payload::Remove { .. } => {}
    }
    lines
}

fn association_line(a: &crate::plan::AssociationSpec) -> String {
    let from_id = a.from_id.as_deref().map(visible);
    format!(
        "association: {} {} → {} {} (type {})",
        visible(&a.from_object),
        from_id.as_deref().unwrap_or("(new)"),
        visible(&a.to_object),
        visible(&a.to_id),
        a.type_id
    )
}

/// Diagnostics in display order: blocking errors, errors, warnings, infos;
/// plan order within each group.
pub(crate) fn sorted_diagnostics(plan: &Plan) -> Vec<&Diagnostic> {
    let mut diags: Vec<&Diagnostic> = plan.diagnostics.iter().collect();
    // Stable sort keeps the planner's order inside each group.
    diags.sort_by_key(|d| (std::cmp::Reverse(d.severity), !d.blocking));
    diags
}

/// `"Bob" (hubspot contact 1002)`, or either part alone.
pub(crate) fn diagnostic_subject(d: &Diagnostic, multi_company: bool) -> Option<String> {
    let label = d.label.as_deref().filter(|l| !l.is_empty()).map(quote);
    let record = d.record.as_ref().map(|r| record_phrase(r, multi_company));
    match (label, record) {
        (Some(l), Some(r)) => Some(format!("{l} ({r})")),
        (Some(l), None) => Some(l),
        (None, Some(r)) => Some(r),
        (None, None) => None,
    }
}

/// Number of diagnostics that block the plan.
pub(crate) fn blocking_count(plan: &Plan) -> usize {
    plan.diagnostics.iter().filter(|d| d.blocking).count()
}

/// A value as a reviewer reads it: text and enumerations quoted, everything
/// else via [`Value::display`] (so money shows its exact decimals and absent
/// values show `(none)`).
pub(crate) fn value_text(v: &Value) -> String {
    match v {
        Value::Text(s) | Value::Enum(s) => quote(s),
        other => visible(&other.display()),
    }
}

/// Before and after forms of a field. When the two would read the same (for
/// example `Number(12.5)` and `Number(12.50)`, which display identically once
/// normalised), falls back to the exact stored form so a change is never
/// shown as `x → x` without a visible difference.
pub(crate) fn value_pair(before: &Value, after: &Value) -> (String, String) {
    let b = value_text(before);
    let a = value_text(after);
    if b != a {
        return (b, a);
    }
    (exact_text(before), exact_text(after))
}

fn exact_text(v: &Value) -> String {
    match v {
        Value::Number(d) => format!("{d} (number)"),
        Value::Money(d) => format!("{d} (money)"),
        Value::Text(s) => format!("{} (text)", quote(s)),
        Value::Enum(s) => format!("{} (enumeration)", quote(s)),
        Value::Date(_) => format!("{} (date)", v.display()),
        Value::Datetime(_) => format!("{} (datetime)", v.display()),
        Value::Bool(_) => format!("{} (bool)", v.display()),
        Value::Null => "(none)".to_string(),
    }
}

/// The text of a value when it takes part in a line diff (`None` for
/// non-text values).
fn diff_text(v: &Value) -> Option<&str> {
    match v {
        Value::Null => Some(""),
        Value::Text(s) | Value::Enum(s) => Some(s),
        _ => None,
    }
}

/// When a field change is shown as a unified line diff rather than
/// `before → after`: both sides are text (or absent), and either side has a
/// newline or is longer than `threshold` characters.
pub(crate) fn long_text<'a>(
    before: &'a Value,
    after: &'a Value,
    threshold: usize,
) -> Option<(&'a str, &'a str)> {
    let b = diff_text(before)?;
    let a = diff_text(after)?;
    let long = |s: &str| s.contains('\n') || s.chars().count() > threshold;
    (long(b) || long(a)).then_some((b, a))
}

/// Bidirectional embedding, override and isolate controls (the "Trojan
/// Source" set). They reorder how text *looks* without changing what it is.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// User data made safe to show: control characters (including ESC, so no
/// terminal escape sequence can be injected) and bidi overrides are written
/// as escapes (`\n`, `\r`, `\t`, `\u{1b}`, `\u{202e}`). Everything else —
/// RTL letters, emoji, combining marks, zero-width joiners — is kept as is.
pub(crate) fn visible(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        push_visible(&mut out, c);
    }
    out
}

fn push_visible(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if c.is_control() || is_bidi_control(c) => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
        c => out.push(c),
    }
}

/// A quoted string: `"…"` with `"` and `\` escaped and control characters
/// made visible (see [`visible`]).
pub(crate) fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c => push_visible(&mut out, c),
        }
    }
    out.push('"');
    out
}

/// The planner's clock as shown in headers (RFC 3339, seconds, `Z`).
pub(crate) fn now_text(plan: &Plan) -> String {
    plan.now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// `full refresh` / `incremental refresh`.
pub(crate) fn refresh_text(plan: &Plan) -> &'static str {
    match plan.refresh {
        crate::plan::RefreshMode::Full => "full refresh",
        crate::plan::RefreshMode::Incremental => "incremental refresh",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visible_escapes_controls_and_bidi_but_keeps_unicode() {
        assert_eq!(visible("a\u{1b}[31mb"), "a\\u{1b}[31mb");
        assert_eq!(visible("x\u{202e}y"), "x\\u{202e}y");
        assert_eq!(visible("l1\nl2\r\t"), "l1\\nl2\\r\\t");
        let kept = "שלום مرحبا 👩‍👩‍👧 e\u{301}";
        assert_eq!(visible(kept), kept);
    }

    #[test]
    fn quote_escapes_quotes_and_backslashes() {
        assert_eq!(quote(r#"say "hi" \o/"#), r#""say \"hi\" \\o/""#);
    }

    #[test]
    fn durations() {
        assert_eq!(duration(f64::NAN), "~0s");
        assert_eq!(duration(-3.0), "~0s");
        assert_eq!(duration(0.2), "<1s");
        assert_eq!(duration(3.4), "~3s");
        assert_eq!(duration(120.0), "~2m");
        assert_eq!(duration(125.0), "~2m 5s");
        assert_eq!(duration(3600.0), "~1h");
        assert_eq!(duration(3840.0), "~1h 4m");
        assert_eq!(duration(f64::MAX), duration(1e300));
    }

    #[test]
    fn summary_line_extras_only_when_non_zero() {
        let mut s = Summary::default();
        assert_eq!(summary_line(&s), "No changes.");
        s.update = 1;
        assert_eq!(
            summary_line(&s),
            "Plan: 0 to create, 1 to update, 0 to delete, 0 to link."
        );
        s.ensure = 1;
        s.associate = 2;
        assert_eq!(
            summary_line(&s),
            "Plan: 0 to create, 1 to update, 0 to delete, 0 to link, \
             1 property to ensure, 2 associations."
        );
    }

    #[test]
    fn equal_looking_values_fall_back_to_exact_forms() {
        use rust_decimal::Decimal;
        let a = Value::Number(Decimal::new(125, 1));
        let b = Value::Number(Decimal::new(1250, 2));
        assert_eq!(
            value_pair(&a, &b),
            ("12.5 (number)".to_string(), "12.50 (number)".to_string())
        );
        let t = Value::Text("12.50".into());
        let m = Value::Money(Decimal::new(1250, 2));
        assert_eq!(
            value_pair(&t, &m),
            ("\"12.50\"".to_string(), "12.50".to_string())
        );
    }
}
