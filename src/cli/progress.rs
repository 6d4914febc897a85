//! Progress and run summaries on stderr: a spinner with live API-call counts
//! while both systems are read, a bar over the plan's changes while apply runs
//! (both only on a terminal, never with `--quiet`), a one-line summary at the
//! end of plan/apply, and the `--report FILE` JSON.
//!
//! The library reports; this module renders. Refresh progress is read from the
//! clients' request accounting (`stats()`), apply progress arrives through the
//! executor's [`ProgressSink`] callback.

use super::Output;
use crate::apply::{ApplyProgress, ProgressSink};
use crate::connect::Connections;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// API calls made by one run, per system.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ApiCalls {
    /// HubSpot requests (every attempt).
    pub hubspot: u64,
    /// QuickBooks requests per company.
    pub quickbooks: BTreeMap<String, u64>,
    /// Responses with status 429, HubSpot.
    pub hubspot_throttled: u64,
    /// Responses with status 429, QuickBooks (all companies).
    pub quickbooks_throttled: u64,
    /// Retried attempts, both systems.
    pub retries: u64,
}

impl ApiCalls {
    /// Read the clients' counters.
    pub fn of(conns: &Connections) -> ApiCalls {
        let hs = conns.hubspot.stats().total();
        let mut out = ApiCalls {
            hubspot: hs.calls,
            hubspot_throttled: hs.throttled,
            retries: hs.retries,
            ..Default::default()
        };
        for (name, c) in &conns.quickbooks {
            let t = c.stats().total();
            out.quickbooks.insert(name.clone(), t.calls);
            out.quickbooks_throttled += t.throttled;
            out.retries += t.retries;
        }
        out
    }

    /// QuickBooks calls over every company.
    pub fn quickbooks_total(&self) -> u64 {
        self.quickbooks.values().sum()
    }
}

/// The summary of one run (`--report` and the last stderr line).
#[derive(Debug, Clone, Serialize)]
pub struct RunSummary {
    /// `plan`, `apply`.
    pub command: String,
    /// Wall time in milliseconds.
    pub duration_ms: u64,
    /// API calls.
    pub api_calls: ApiCalls,
}

impl RunSummary {
    /// Build from the start instant and the connections.
    pub fn new(command: &str, started: Instant, conns: &Connections) -> Self {
        RunSummary {
            command: command.to_string(),
            duration_ms: started.elapsed().as_millis().min(u64::MAX as u128) as u64,
            api_calls: ApiCalls::of(conns),
        }
    }

    /// `hsqb plan: 2.41s, HubSpot 12 API calls, QuickBooks 7 (main 7), 0 rate-limited (429)`.
    pub fn line(&self) -> String {
        let a = &self.api_calls;
        let per: Vec<String> = a
            .quickbooks
            .iter()
            .map(|(n, c)| format!("{n} {c}"))
            .collect();
        format!(
            "hsqb {}: {:.2}s, HubSpot {} API call{}, QuickBooks {}{}, {} rate-limited (429){}\n",
            self.command,
            self.duration_ms as f64 / 1000.0,
            a.hubspot,
            if a.hubspot == 1 { "" } else { "s" },
            a.quickbooks_total(),
            if per.is_empty() {
                String::new()
            } else {
                format!(" ({})", per.join(", "))
            },
            a.hubspot_throttled + a.quickbooks_throttled,
            if a.retries > 0 {
                format!(", {} retried", a.retries)
            } else {
                String::new()
            }
        )
    }
}

/// Print the summary line unless quiet.
pub fn print_summary(out: &Output, s: &RunSummary) {
    if !out.is_quiet() {
        out.diag(&s.line());
    }
}

/// Write the `--report` file: the run summary plus the plan (and results).
pub fn write_report(
    path: &std::path::Path,
    summary: &RunSummary,
    exit_code: u8,
    plan_json: &str,
    results_json: Option<&str>,
) -> Result<(), super::CliError> {
    let parse = |s: &str| serde_json::from_str::<serde_json::Value>(s).unwrap_or_default();
    let mut v = serde_json::json!({
        "report_version": 1,
        "command": summary.command,
        "exit_code": exit_code,
        "summary": summary,
        "plan": parse(plan_json),
    });
    if let (Some(r), Some(obj)) = (results_json, v.as_object_mut()) {
        obj.insert("results".into(), parse(r));
    }
    let mut text = serde_json::to_string_pretty(&v)
        .map_err(|e| super::CliError::new(format!("encoding the report: {e}")))?;
    text.push('\n');
    super::common::write_file(path, &text)
}

fn target(out: &Output) -> ProgressDrawTarget {
    if out.stderr_is_tty() && !out.is_quiet() {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    }
}

fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar())
}

/// A spinner showing live request counts while both systems are read.
pub struct RefreshSpinner {
    bar: ProgressBar,
    poller: Option<tokio::task::JoinHandle<()>>,
}

impl RefreshSpinner {
    /// Start (draws nothing unless stderr is a terminal).
    pub fn start(out: &Output, conns: &Connections) -> RefreshSpinner {
        let bar = ProgressBar::with_draw_target(None, target(out));
        bar.set_style(style(
            "{spinner} Reading HubSpot and QuickBooks… {msg} [{elapsed}]",
        ));
        if bar.is_hidden() {
            return RefreshSpinner { bar, poller: None };
        }
        bar.enable_steady_tick(Duration::from_millis(120));
        let hubspot = conns.hubspot.clone();
        let qbo: Vec<_> = conns.quickbooks.values().cloned().collect();
        let b = bar.clone();
        // Polls the clients' counters: the refresh code itself knows nothing of
        // the terminal.
        let poller = tokio::spawn(async move {
            loop {
                let h = hubspot.stats().total().calls;
                let q: u64 = qbo.iter().map(|c| c.stats().total().calls).sum();
                b.set_message(format!("{h} HubSpot and {q} QuickBooks requests"));
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        });
        RefreshSpinner {
            bar,
            poller: Some(poller),
        }
    }

    /// Stop and erase.
    pub fn finish(self) {}
}

impl Drop for RefreshSpinner {
    fn drop(&mut self) {
        if let Some(p) = self.poller.take() {
            p.abort();
        }
        self.bar.finish_and_clear();
    }
}

/// A bar over the plan's changes while apply runs.
pub struct ApplyBar {
    bar: ProgressBar,
}

impl ApplyBar {
    /// A bar (hidden unless stderr is a terminal) and the sink feeding it.
    pub fn new(out: &Output) -> (ApplyBar, ProgressSink) {
        let bar = ProgressBar::with_draw_target(Some(0), target(out));
        bar.set_style(style(
            "Applying [{bar:30}] {pos}/{len} changes, {msg} [{elapsed}]",
        ));
        let b = bar.clone();
        let failed = std::sync::atomic::AtomicU64::new(0);
        let sink = ProgressSink::new(move |e| match e {
            ApplyProgress::Started { total } => {
                b.set_length(total as u64);
                b.set_message("0 failed");
            }
            ApplyProgress::ChangeDone { success, .. } => {
                if !success {
                    let n = failed.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                    b.set_message(format!("{n} failed"));
                }
                b.inc(1);
            }
        });
        (ApplyBar { bar }, sink)
    }
}

impl Drop for ApplyBar {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_line_names_calls_per_system_and_throttling() {
        let s = RunSummary {
            command: "apply".into(),
            duration_ms: 2410,
            api_calls: ApiCalls {
                hubspot: 12,
                quickbooks: BTreeMap::from([("main".into(), 5), ("uk".into(), 2)]),
                hubspot_throttled: 1,
                quickbooks_throttled: 2,
                retries: 3,
            },
        };
        assert_eq!(
            s.line(),
            "hsqb apply: 2.41s, HubSpot 12 API calls, QuickBooks 7 (main 5, uk 2), 3 rate-limited (429), 3 retried\n"
        );
    }

    #[test]
    fn the_apply_sink_counts_changes_without_a_terminal() {
        let out = Output::stdio().quiet(true);
        let (bar, sink) = ApplyBar::new(&out);
        sink.report(ApplyProgress::Started { total: 3 });
        sink.report(ApplyProgress::ChangeDone {
            id: "a".into(),
            success: true,
        });
        sink.report(ApplyProgress::ChangeDone {
            id: "b".into(),
            success: false,
        });
        assert_eq!(bar.bar.length(), Some(3));
        assert_eq!(bar.bar.position(), 2);
        assert_eq!(bar.bar.message(), "1 failed");
    }
}
