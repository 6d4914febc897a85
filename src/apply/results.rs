//! Per-record results of an apply.

use crate::model::{ObjectKind, System};
use crate::plan::{Action, Block, Change};
use serde::Serialize;

/// What happened to one change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    /// A record was created.
    Created,
    /// A record was updated.
    Updated,
    /// A record was archived, deactivated, deleted or voided.
    Archived,
    /// A pair was linked.
    Linked,
    /// A property (or group) was created or already existed.
    Ensured,
    /// Associations were created.
    Associated,
    /// Done by an earlier, interrupted run of the same plan (journal).
    AlreadyApplied,
    /// The API refused the write.
    Failed {
        /// API error code (QBO fault code, HubSpot category) when known.
        code: Option<String>,
        /// What happened.
        message: String,
        /// `intuit_tid` / HubSpot `correlationId`.
        correlation_id: Option<String>,
    },
    /// Not attempted.
    Skipped {
        /// Why.
        reason: String,
    },
}

impl Outcome {
    /// Whether the change took effect.
    pub fn is_success(&self) -> bool {
        !matches!(self, Outcome::Failed { .. } | Outcome::Skipped { .. })
    }

    /// The outcome a successful change of this action has.
    pub fn success_for(action: Action) -> Outcome {
        match action {
            Action::Create => Outcome::Created,
            Action::Update => Outcome::Updated,
            Action::Archive | Action::Delete => Outcome::Archived,
            Action::Link => Outcome::Linked,
            Action::Ensure => Outcome::Ensured,
            Action::Associate => Outcome::Associated,
        }
    }

    /// A failure with an optional code and correlation id.
    pub fn failed(
        code: Option<String>,
        message: impl Into<String>,
        correlation_id: Option<String>,
    ) -> Outcome {
        Outcome::Failed {
            code,
            message: message.into(),
            correlation_id,
        }
    }
}

/// The result of one change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordResult {
    /// Change id.
    pub change: String,
    /// Block.
    pub block: Block,
    /// Action.
    pub action: Action,
    /// System written.
    pub system: System,
    /// Object written.
    pub object: ObjectKind,
    /// QBO company.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
    /// Record label.
    pub label: String,
    /// Id of the written (or created) record.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Outcome.
    pub outcome: Outcome,
}

impl RecordResult {
    /// A result for `change`.
    pub fn new(change: &Change, id: Option<String>, outcome: Outcome) -> Self {
        RecordResult {
            change: change.id.clone(),
            block: change.block,
            action: change.action,
            system: change.system,
            object: change.object,
            company: change.company.clone(),
            label: change.label.clone(),
            id: id.or_else(|| change.target_id.clone()),
            outcome,
        }
    }
}

/// Results of an apply, in plan order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ApplyReport {
    /// One result per change.
    pub results: Vec<RecordResult>,
}

impl ApplyReport {
    /// The result of a change.
    pub fn result(&self, change: &str) -> Option<&RecordResult> {
        self.results.iter().find(|r| r.change == change)
    }

    /// Number of failed changes.
    pub fn failed(&self) -> usize {
        self.results
            .iter()
            .filter(|r| matches!(r.outcome, Outcome::Failed { .. }))
            .count()
    }

    /// Counts by outcome name.
    pub fn counts(&self) -> std::collections::BTreeMap<&'static str, usize> {
        let mut m = std::collections::BTreeMap::new();
        for r in &self.results {
            let k = match r.outcome {
                Outcome::Created => "created",
                Outcome::Updated => "updated",
                Outcome::Archived => "archived",
                Outcome::Linked => "linked",
                Outcome::Ensured => "ensured",
                Outcome::Associated => "associated",
                Outcome::AlreadyApplied => "already applied",
                Outcome::Failed { .. } => "failed",
                Outcome::Skipped { .. } => "skipped",
            };
            *m.entry(k).or_default() += 1;
        }
        m
    }
}
