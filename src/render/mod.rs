//! Plan renderers: Terraform-like text, Markdown for pull-request comments, and
//! versioned JSON (`format_version` 1, documented by `schemas/plan.schema.json`
//! and `docs/plan-format.md`).
//!
//! Architecture invariants:
//! - Renderers are pure functions of the plan (and options): no IO, no clock,
//!   no environment. Whether to colour is decided by `cli/` (TTY, `NO_COLOR`)
//!   and passed in. Same plan ⇒ byte-identical output.
//! - Everything taken from a plan is user data and is escaped for its medium:
//!   control characters and bidi overrides are shown as escapes in text,
//!   Markdown punctuation and HTML are neutralised in Markdown.
//! - Only `cli/` uses this module.

mod common;
mod diff;
mod json;
mod markdown;
pub mod results;
mod text;

use crate::plan::Plan;

pub use common::summary_line;
pub use json::plan_schema;
pub use markdown::{FOLD_THRESHOLD, MAX_BYTES as MARKDOWN_MAX_BYTES};
pub use text::TextOptions;

/// Human text rendering (Terraform-like). The last line is always exactly
/// [`summary_line`]: `Plan: N to create, N to update, N to delete, N to link.`
/// or `No changes.`
pub fn text(plan: &Plan, options: &TextOptions) -> String {
    text::render(plan, options)
}

/// Markdown for pull-request comments, never longer than
/// [`MARKDOWN_MAX_BYTES`] (under GitHub's 65,536-character limit).
pub fn markdown(plan: &Plan) -> String {
    markdown::render(plan)
}

/// The plan as pretty JSON (`format_version` 1), ending with a newline.
pub fn json(plan: &Plan) -> String {
    json::render(plan)
}

/// The plan as single-line JSON, ending with a newline.
pub fn json_compact(plan: &Plan) -> String {
    json::render_compact(plan)
}
