//! Apply results: one line per record in text, or versioned JSON.

use super::common::{quote, visible};
use crate::apply::{ApplyReport, Outcome};
use serde::Serialize;

/// Text: one line per change that did something (or failed), then the
/// summary line `Apply complete: …` (or `Apply finished with N failure(s): …`).
pub fn text(report: &ApplyReport, color: bool) -> String {
    let paint = |code: &str, s: &str| {
        if color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    };
    let mut out = String::new();
    for r in &report.results {
        let what = format!("{} {} {}", r.system, r.object, quote(&visible(&r.label)));
        let id =
            r.id.as_deref()
                .map(|i| format!(" (id {i})"))
                .unwrap_or_default();
        let line = match &r.outcome {
            Outcome::Created => paint("32", &format!("  created {what}{id}")),
            Outcome::Updated => paint("33", &format!("  updated {what}{id}")),
            Outcome::Archived => paint("31", &format!("  removed {what}{id}")),
            Outcome::Linked => paint("36", &format!("  linked {what}{id}")),
            Outcome::Ensured => format!("  ensured property {}", visible(&r.label)),
            Outcome::Associated => format!("  associated {what}{id}"),
            Outcome::AlreadyApplied => format!("  already applied {what}{id}"),
            Outcome::Skipped { reason } => format!("  skipped {what}: {}", visible(reason)),
            Outcome::Failed {
                code,
                message,
                correlation_id,
            } => {
                let mut s = paint("31;1", &format!("  FAILED {what}{id}"));
                s.push_str(&format!(": {}", visible(message)));
                if let Some(c) = code {
                    s.push_str(&format!(" [code {}]", visible(c)));
                }
                if let Some(c) = correlation_id {
                    s.push_str(&format!(" [correlation id {}]", visible(c)));
                }
                s
            }
        };
        out.push_str(&line);
        out.push('\n');
    }
    out.push_str(&summary(report));
    out.push('\n');
    out
}

/// The last line of an apply.
pub fn summary(report: &ApplyReport) -> String {
    let c = report.counts();
    let n = |k: &str| c.get(k).copied().unwrap_or(0);
    let body = format!(
        "{} created, {} updated, {} removed, {} linked",
        n("created"),
        n("updated"),
        n("archived"),
        n("linked")
    );
    let mut extras = Vec::new();
    for (k, label) in [
        ("ensured", "properties ensured"),
        ("already applied", "already applied"),
        ("skipped", "skipped"),
    ] {
        if n(k) > 0 {
            extras.push(format!("{} {label}", n(k)));
        }
    }
    let extras = if extras.is_empty() {
        String::new()
    } else {
        format!(" ({})", extras.join(", "))
    };
    match n("failed") {
        0 => format!("Apply complete: {body}{extras}."),
        f => format!("Apply finished with {f} failure(s): {body}{extras}."),
    }
}

#[derive(Serialize)]
struct JsonReport<'a> {
    format_version: u32,
    summary: std::collections::BTreeMap<&'static str, usize>,
    failed: usize,
    results: &'a [crate::apply::RecordResult],
}

/// JSON (`format_version` 1): summary counts and every record's outcome, with
/// each failure's API error code, message and correlation id.
pub fn json(report: &ApplyReport) -> String {
    let j = JsonReport {
        format_version: 1,
        summary: report.counts(),
        failed: report.failed(),
        results: &report.results,
    };
    let mut s = serde_json::to_string_pretty(&j).unwrap_or_default();
    s.push('\n');
    s
}
