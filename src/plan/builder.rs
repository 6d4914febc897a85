//! Accumulates a plan's changes, diagnostics and state updates while the block
//! planners run, then orders and summarises them.

use super::model::*;
use crate::model::{ObjectKind, System};
use std::collections::BTreeSet;

/// Plan under construction.
#[derive(Debug, Default)]
pub struct Builder {
    /// Changes so far.
    pub changes: Vec<Change>,
    /// Diagnostics so far.
    pub diags: Vec<Diagnostic>,
    /// State updates so far.
    pub state: StateUpdates,
    /// Records skipped (by policy, filter or error), counted once each.
    skipped: BTreeSet<String>,
}

impl Builder {
    /// Add a change.
    pub fn push(&mut self, change: Change) {
        self.changes.push(change);
    }

    /// Whether a change with this id exists.
    pub fn has_change(&self, id: &str) -> bool {
        self.changes.iter().any(|c| c.id == id)
    }

    /// Add a diagnostic about a record.
    #[allow(clippy::too_many_arguments)]
    pub fn record_diag(
        &mut self,
        severity: Severity,
        code: &str,
        block: Block,
        record: Option<RecordRef>,
        label: Option<String>,
        message: String,
        hint: Option<&str>,
    ) {
        self.diags.push(Diagnostic {
            severity,
            code: code.to_string(),
            block,
            record,
            label,
            message,
            hint: hint.map(str::to_string),
            blocking: false,
        });
    }

    /// Add a diagnostic that refuses the whole plan.
    pub fn blocking(&mut self, code: &str, block: Block, message: String, hint: &str) {
        self.diags.push(Diagnostic {
            severity: Severity::Error,
            code: code.to_string(),
            block,
            record: None,
            label: None,
            message,
            hint: Some(hint.to_string()),
            blocking: true,
        });
    }

    /// Count a record as skipped (idempotent per record).
    pub fn skip(&mut self, record: &RecordRef) {
        self.skipped.insert(format!(
            "{}:{:?}:{}:{}",
            record.system,
            record.object,
            record.company.as_deref().unwrap_or(""),
            record.id
        ));
    }

    /// Number of skipped records.
    pub fn skipped(&self) -> usize {
        self.skipped.len()
    }

    /// Sort changes and diagnostics deterministically (block, action, labels,
    /// ids) and compute the summary.
    pub fn finish(&mut self) -> Summary {
        self.changes.sort_by(|a, b| {
            (
                a.block,
                a.action,
                system_rank(a.system),
                a.object,
                &a.label,
                &a.id,
            )
                .cmp(&(
                    b.block,
                    b.action,
                    system_rank(b.system),
                    b.object,
                    &b.label,
                    &b.id,
                ))
        });
        self.diags.sort_by(|a, b| {
            (
                std::cmp::Reverse(a.severity),
                a.block,
                &a.code,
                &a.label,
                &a.message,
            )
                .cmp(&(
                    std::cmp::Reverse(b.severity),
                    b.block,
                    &b.code,
                    &b.label,
                    &b.message,
                ))
        });
        self.diags.dedup();
        let mut s = Summary::default();
        for c in &self.changes {
            match c.action {
                Action::Create => s.create += 1,
                Action::Update => s.update += 1,
                Action::Archive | Action::Delete => s.delete += 1,
                Action::Link => s.link += 1,
                Action::Ensure => s.ensure += 1,
                Action::Associate => s.associate += 1,
            }
        }
        s.skipped = self.skipped();
        s.errors = self
            .diags
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count();
        s.warnings = self
            .diags
            .iter()
            .filter(|d| d.severity == Severity::Warning)
            .count();
        s
    }
}

fn system_rank(s: System) -> u8 {
    match s {
        System::Quickbooks => 0,
        System::Hubspot => 1,
    }
}

/// A HubSpot record reference.
pub fn hs_ref(object: ObjectKind, id: &str) -> RecordRef {
    RecordRef {
        system: System::Hubspot,
        object,
        company: None,
        id: id.to_string(),
    }
}

/// A QBO record reference.
pub fn qbo_ref(object: ObjectKind, company: &str, id: &str) -> RecordRef {
    RecordRef {
        system: System::Quickbooks,
        object,
        company: Some(company.to_string()),
        id: id.to_string(),
    }
}
